//! Every operation of the checked-in clients, called over loopback against replies
//! that are wrong in every way a server gets them wrong: wrong types, truncation, huge
//! numbers, deep nesting, bad UTF-8, empty bodies, other content types. Each call must
//! end in a value or an error, never a panic or a hang. The calls and sample bodies are
//! generated from the clients' IR (see build.rs).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use test_support::{MockServer, Reply};

mod platform {
    include!(concat!(env!("OUT_DIR"), "/platform_operations.rs"));
}
mod controlplane {
    include!(concat!(env!("OUT_DIR"), "/controlplane_operations.rs"));
}

/// A fixed-seed xorshift generator: the same bodies every run, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Every node of `value`, as JSON pointers.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                pointers(child, format!("{at}/{}", key.replace('~', "~0").replace('/', "~1")), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                pointers(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

/// `sample` with one node replaced by `with`.
fn replace(sample: &Value, rng: &mut Rng, with: Value) -> Value {
    let mut all = Vec::new();
    pointers(sample, String::new(), &mut all);
    let mut out = sample.clone();
    let at = &all[rng.below(all.len())];
    if let Some(node) = out.pointer_mut(at) {
        *node = with;
    }
    out
}

/// The replies tried against each operation: content type, body.
fn bodies(sample: &str, rng: &mut Rng) -> Vec<(&'static str, Vec<u8>)> {
    const JSON: &str = "application/json";
    let parsed: Value = serde_json::from_str(sample).unwrap_or(Value::Null);
    let mut out: Vec<(&'static str, Vec<u8>)> = vec![
        (JSON, sample.as_bytes().to_vec()),
        (JSON, Vec::new()),
        (JSON, b"null".to_vec()),
        (JSON, b"[]".to_vec()),
        (JSON, b"\"a string\"".to_vec()),
        (JSON, b"{\"a\": \xff\xfe}".to_vec()),
        (JSON, b"<html><body>502 Bad Gateway</body></html>".to_vec()),
        ("text/html", b"<html><body>maintenance</body></html>".to_vec()),
        ("text/plain", sample.as_bytes().to_vec()),
        ("application/octet-stream", vec![0, 159, 146, 150]),
        (JSON, format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes()),
        (JSON, format!("{}1{}", "{\"a\":".repeat(20_000), "}".repeat(20_000)).into_bytes()),
    ];
    for _ in 0..3 {
        let cut = rng.below(sample.len());
        out.push((JSON, sample.as_bytes()[..cut].to_vec()));
    }
    let huge = [
        json!(1e300),
        serde_json::from_str::<Value>("18446744073709551616000").unwrap_or(Value::Null),
        json!(-9_223_372_036_854_775_808_i64),
        json!(u64::MAX),
    ];
    let others = [json!(null), json!(true), json!("text"), json!(-1), json!(0.5), json!([]), json!({}), json!([{"x": [null]}])];
    for with in huge.iter().chain(&others) {
        out.push((JSON, replace(&parsed, rng, with.clone()).to_string().into_bytes()));
    }
    // Numbers written past f64 and i128, which serde_json reads as a float or rejects.
    out.push((JSON, sample.replace(|c: char| c.is_ascii_digit(), "9").into_bytes()));
    out.push((JSON, b"1e999999".to_vec()));
    out
}

/// Serves whatever `current` holds and returns the server.
async fn server(current: Arc<Mutex<(u16, &'static str, Vec<u8>)>>) -> MockServer {
    MockServer::start(move |_| {
        let (status, content_type, body) = current.lock().map(|c| c.clone()).unwrap_or((500, "text/plain", Vec::new()));
        Reply::bytes(status, content_type, &body)
    })
    .await
}

/// Calls every operation of `$module` with every body; evaluates to (calls, values,
/// errors). A macro, since an async closure over `&Client` cannot be named as a bound.
macro_rules! run {
    ($module:ident, $client:expr, $current:expr) => {{
        let mut rng = Rng(0x5eed_1234_abcd_0001);
        let (mut calls, mut values, mut errors) = (0_usize, 0_usize, 0_usize);
        for (index, (id, status, sample)) in $module::OPERATIONS.iter().enumerate() {
            let json = !sample.is_empty();
            let sample = if json { sample } else { "{}" };
            let mut op_errors = 0;
            for (i, (content_type, body)) in bodies(sample, &mut rng).into_iter().enumerate() {
                let preview = String::from_utf8_lossy(&body[..body.len().min(80)]).into_owned();
                if let Ok(mut current) = $current.lock() {
                    *current = (*status, content_type, body);
                }
                let answer = tokio::time::timeout(Duration::from_secs(20), $module::call($client, index)).await;
                let Ok(answer) = answer else {
                    panic!("{id} hung on a {content_type} reply starting {preview:?}");
                };
                calls += 1;
                match answer {
                    Ok(()) => values += 1,
                    Err(message) => {
                        assert!(!message.is_empty(), "{id}: an error without a message");
                        // The unmutated sample (the first body) must decode.
                        assert!(!(json && i == 0), "{id}: its own sample fails: {message}");
                        errors += 1;
                        op_errors += 1;
                    }
                }
            }
            // Empty, `null`, HTML, bad UTF-8, deep nesting and truncation are errors
            // wherever JSON of a type is expected.
            assert!(!json || op_errors >= 8, "{id}: only {op_errors} bad replies were errors");
        }
        (calls, values, errors)
    }};
}

#[tokio::test]
async fn platform_operations_survive_any_reply() {
    let current = Arc::new(Mutex::new((200, "application/json", Vec::new())));
    let server = server(current.clone()).await;
    let config = boomi_platform::Client::config("acct")
        .base_url(server.url())
        .basic_auth("user", "token")
        .retry(boomi_platform::runtime::RetryPolicy::none());
    let client = boomi_platform::Client::new(config).expect("client");
    let (calls, values, errors) = run!(platform, &client, current);
    eprintln!("platform: {calls} calls, {values} values, {errors} errors");
    assert_eq!(platform::OPERATIONS.len(), 43);
    assert!(calls >= 43 * 25, "{calls} calls");
    // The unmutated samples decode, so the mutations are what the errors come from.
    assert!(values >= 43 && errors >= 43 * 8, "{values} values, {errors} errors");
}

#[tokio::test]
async fn controlplane_operations_survive_any_reply() {
    let current = Arc::new(Mutex::new((200, "application/json", Vec::new())));
    let server = server(current.clone()).await;
    let config = boomi_controlplane::Client::config("tenant", "us")
        .base_url(server.url())
        .bearer_auth("token")
        .retry(boomi_controlplane::runtime::RetryPolicy::none());
    let client = boomi_controlplane::Client::new(config).expect("client");
    let (calls, values, errors) = run!(controlplane, &client, current);
    eprintln!("controlplane: {calls} calls, {values} values, {errors} errors");
    assert_eq!(controlplane::OPERATIONS.len(), 14);
    assert!(values >= 14 && errors >= 8, "{values} values, {errors} errors");
}
