//! What the generated client costs per call, and how fast it pages, each against a
//! hand-written `reqwest` call to the same loopback server, decoding into the same model
//! types, measured in the same process:
//!
//!     cargo bench -p tests --bench client
//!
//! Output (stable; later columns may be added at the end):
//!
//!     bench-client call generated_us=<n> baseline_us=<n> ratio=<n>
//!     bench-client paging generated_items_per_s=<n> baseline_items_per_s=<n> ratio=<n>
//!
//! `ratio` is the generated client's cost over the baseline's (time per call; time per
//! item for paging), the median of several rounds that alternate which goes first. The
//! server runs on its own thread and answers from bytes prepared up front, so what
//! differs is the client side: request building, auth, tracing, retry bookkeeping,
//! status mapping and decoding.
//!
//! With `BENCH_ONLY` set (`call-generated`, `call-baseline`, `paging-generated` or
//! `paging-baseline`) it warms up, does `BENCH_COUNT` calls or paged streams of that
//! one kind and prints nothing: a run for a profiler.
//! `scripts/bench-client-instructions.sh` counts those runs' instructions.

use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Path;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use boomi_platform::models::{Environment, EnvironmentQueryConfig, EnvironmentQueryResult};
use boomi_platform::runtime::reqwest;
use boomi_platform::runtime::futures::StreamExt;

const CALLS: usize = 2_000;
const ROUNDS: usize = 9;
const PAGES: usize = 20;
const PER_PAGE: usize = 100;

fn environment(i: usize) -> serde_json::Value {
    serde_json::json!({
        "id": format!("e{i:05}-6d7c-4f0a-9b1e-0123456789ab"),
        "name": format!("Environment {i}"),
        "classification": if i.is_multiple_of(2) { "PROD" } else { "TEST" },
        "parentAccount": "account-123456",
    })
}

/// Page `n` (1-based) of the query, with the token of the next page but on the last.
fn page(n: usize) -> Vec<u8> {
    let result: Vec<serde_json::Value> = (0..PER_PAGE).map(|i| environment(n * PER_PAGE + i)).collect();
    let mut page = serde_json::json!({ "@type": "QueryResult", "numberOfResults": PER_PAGE, "result": result });
    if n < PAGES {
        page["queryToken"] = serde_json::Value::String(format!("{}", n + 1));
    }
    serde_json::to_vec(&page).expect("page")
}

fn json(body: &'static [u8]) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], body)
}

/// Starts the server on a thread of its own; its base URL.
fn serve() -> String {
    let one: &'static [u8] = serde_json::to_vec(&environment(7)).expect("environment").leak();
    let pages: &'static [Vec<u8>] = (1..=PAGES).map(page).collect::<Vec<_>>().leak();
    let app = Router::new()
        .route("/acc/Environment/{id}", get(move |Path(_id): Path<String>| async move { json(one) }))
        .route("/acc/Environment/query", post(move || async move { json(&pages[0]) }))
        .route(
            "/acc/Environment/queryMore",
            post(move |token: String| async move {
                let n: usize = token.trim().parse().unwrap_or(1).clamp(1, PAGES);
                json(&pages[n - 1])
            }),
        );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    listener.set_nonblocking(true).expect("nonblocking");
    let url = format!("http://{}/acc", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("server runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            axum::serve(listener, app).await.expect("serve");
        });
    });
    url
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

async fn timed<F, Fut>(count: usize, mut call: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    let start = Instant::now();
    let mut seen = 0;
    for _ in 0..count {
        seen += call().await;
    }
    let took = start.elapsed();
    assert!(seen > 0, "nothing was decoded");
    took
}

fn main() {
    let url = serve();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("client runtime");
    runtime.block_on(async move {
        let config = boomi_platform::Client::config("acc").base_url(&url).basic_auth("user@example.com", "secret-token");
        let client = boomi_platform::Client::new(config).expect("client");
        // The generated client's default timeout, set the usual way by hand.
        let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().expect("reqwest client");

        let generated_call = || async {
            let env = client.get_environment("e00007").await.expect("generated call");
            usize::from(env.id.is_some())
        };
        let baseline_call = || async {
            let response = http
                .get(format!("{url}/Environment/{}", "e00007"))
                .basic_auth("user@example.com", Some("secret-token"))
                .header(reqwest::header::ACCEPT, "application/json")
                .send()
                .await
                .expect("baseline call");
            assert_eq!(response.status(), 200);
            let env: Environment = serde_json::from_slice(&response.bytes().await.expect("body")).expect("decode");
            usize::from(env.id.is_some())
        };
        let generated_pages = || async {
            let items: Vec<_> = client.query_environments_all(EnvironmentQueryConfig::default()).collect().await;
            assert!(items.iter().all(Result::is_ok));
            items.len()
        };
        let baseline_pages = || async {
            let mut items = 0;
            let mut response = http
                .post(format!("{url}/Environment/query"))
                .basic_auth("user@example.com", Some("secret-token"))
                .json(&EnvironmentQueryConfig::default())
                .send()
                .await
                .expect("query");
            loop {
                let page: EnvironmentQueryResult = serde_json::from_slice(&response.bytes().await.expect("body")).expect("page");
                items += page.result.map_or(0, |r| r.len());
                let Some(token) = page.query_token else { break };
                response = http
                    .post(format!("{url}/Environment/queryMore"))
                    .basic_auth("user@example.com", Some("secret-token"))
                    .header(reqwest::header::CONTENT_TYPE, "text/plain")
                    .body(token)
                    .send()
                    .await
                    .expect("queryMore");
            }
            items
        };
        if let Ok(only) = std::env::var("BENCH_ONLY") {
            let count = std::env::var("BENCH_COUNT").ok().and_then(|n| n.parse().ok()).unwrap_or(1_000);
            // The same warm-up as below, then one kind of work alone, for a profiler.
            timed(200, generated_call).await;
            timed(200, baseline_call).await;
            match only.as_str() {
                "call-generated" => timed(count, generated_call).await,
                "call-baseline" => timed(count, baseline_call).await,
                "paging-generated" => timed(count, generated_pages).await,
                "paging-baseline" => timed(count, baseline_pages).await,
                other => panic!("BENCH_ONLY={other}: expected call-generated, call-baseline, paging-generated or paging-baseline"),
            };
            return;
        }
        // Warm both up: connections, the server's and the allocator's first pages.
        timed(200, generated_call).await;
        timed(200, baseline_call).await;
        let (mut generated, mut baseline) = (Vec::new(), Vec::new());
        for round in 0..ROUNDS {
            let (g, b) = if round.is_multiple_of(2) {
                let g = timed(CALLS, generated_call).await;
                (g, timed(CALLS, baseline_call).await)
            } else {
                let b = timed(CALLS, baseline_call).await;
                (timed(CALLS, generated_call).await, b)
            };
            generated.push(g.as_secs_f64() * 1e6 / CALLS as f64);
            baseline.push(b.as_secs_f64() * 1e6 / CALLS as f64);
        }
        let ratios: Vec<f64> = generated.iter().zip(&baseline).map(|(g, b)| g / b).collect();
        println!(
            "bench-client call generated_us={:.1} baseline_us={:.1} ratio={:.3}",
            median(generated),
            median(baseline),
            median(ratios)
        );

        assert_eq!(generated_pages().await, PAGES * PER_PAGE);
        assert_eq!(baseline_pages().await, PAGES * PER_PAGE);
        let streams = 10;
        let (mut generated, mut baseline) = (Vec::new(), Vec::new());
        for round in 0..ROUNDS {
            let (g, b) = if round.is_multiple_of(2) {
                let g = timed(streams, generated_pages).await;
                (g, timed(streams, baseline_pages).await)
            } else {
                let b = timed(streams, baseline_pages).await;
                (timed(streams, generated_pages).await, b)
            };
            let items = (streams * PAGES * PER_PAGE) as f64;
            generated.push(items / g.as_secs_f64());
            baseline.push(items / b.as_secs_f64());
        }
        let ratios: Vec<f64> = generated.iter().zip(&baseline).map(|(g, b)| b / g).collect();
        println!(
            "bench-client paging generated_items_per_s={:.0} baseline_items_per_s={:.0} ratio={:.3}",
            median(generated),
            median(baseline),
            median(ratios)
        );
    });
}
