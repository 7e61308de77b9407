//! Copied into the crate generated from tests/fixtures/paging.yaml and run there: every
//! paging style's stream against a loopback server that pages.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use fixture_paging::Client;
use fixture_paging::runtime::futures::{StreamExt, TryStreamExt};

/// Serves every request with `reply(path_and_query) -> (status, extra header lines, body)`
/// and records the request targets. Runs until the test process ends.
fn serve(reply: impl Fn(&str, &str) -> (u16, String, String) + Send + 'static) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let origin = base.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let mut reader = BufReader::new(stream);
            let mut first = String::new();
            if reader.read_line(&mut first).is_err() {
                continue;
            }
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).map_or(true, |n| n == 0) || line == "\r\n" {
                    break;
                }
            }
            let target = first.split_whitespace().nth(1).unwrap_or_default().to_owned();
            log.lock().expect("log").push(target.clone());
            let (status, headers, body) = reply(&target, &origin);
            let text = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n{headers}\r\n{body}",
                body.len()
            );
            let _ = reader.get_mut().write_all(text.as_bytes());
        }
    });
    (base, seen)
}

fn items(ids: std::ops::Range<i64>) -> String {
    let list: Vec<String> = ids.map(|id| format!(r#"{{"id":{id}}}"#)).collect();
    format!("[{}]", list.join(","))
}

fn query<'a>(target: &'a str, name: &str) -> Option<&'a str> {
    target.split_once('?')?.1.split('&').find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

fn client(base: &str) -> Client {
    Client::new(Client::config().base_url(format!("{base}/v1"))).expect("client")
}

#[tokio::test]
async fn simple_pages_stop_on_last() {
    let (base, seen) = serve(|target, _| {
        let n: i64 = query(target, "page").and_then(|p| p.parse().ok()).unwrap_or(0);
        let body = format!(
            r#"{{"content":{},"size":2,"number":{n},"totalPages":5,"totalElements":10,"last":{}}}"#,
            items(n * 10..n * 10 + 2),
            n == 5
        );
        (200, String::new(), body)
    });
    let all: Vec<i64> = client(&base).list_simple_pages_all(Some(2), Some("x")).map_ok(|i| i.id).try_collect().await.expect("all");
    assert_eq!(all, [10, 11, 20, 21, 30, 31, 40, 41, 50, 51]);
    let seen = seen.lock().expect("log").clone();
    assert_eq!(seen.len(), 5, "five pages, no sixth request: {seen:?}");
    assert_eq!(seen[0], "/v1/simple-pages?page=1&size=2&name=x");
    assert_eq!(seen[4], "/v1/simple-pages?page=5&size=2&name=x");
    // The page stream keeps the totals.
    let pages: Vec<_> = client(&base).list_simple_pages_pages(None, None).try_collect().await.expect("pages");
    assert_eq!(pages.iter().map(|p| p.total_elements).collect::<Vec<_>>(), [Some(10); 5]);
}

#[tokio::test]
async fn offsets_advance_by_page_size_until_the_total() {
    let (base, seen) = serve(|target, _| {
        let offset: i64 = query(target, "offset").and_then(|p| p.parse().ok()).unwrap_or(-1);
        let end = (offset + 3).min(7);
        (200, String::new(), format!(r#"{{"items":{},"total":7}}"#, items(offset..end)))
    });
    let all: Vec<i64> = client(&base).list_offset_items_all(Some(3)).map_ok(|i| i.id).try_collect().await.expect("all");
    assert_eq!(all, (0..7).collect::<Vec<_>>());
    assert_eq!(seen.lock().expect("log").len(), 3, "0, 3, 6 and then the total says stop");
}

#[tokio::test]
async fn cursors_come_from_a_nested_field_and_the_first_page_has_none() {
    let (base, seen) = serve(|target, _| match query(target, "cursor") {
        None => (200, String::new(), format!(r#"{{"data":{},"response_metadata":{{"next_cursor":"c2"}}}}"#, items(0..2))),
        Some("c2") => (200, String::new(), format!(r#"{{"data":{},"response_metadata":{{"next_cursor":""}}}}"#, items(2..3))),
        Some(other) => (400, String::new(), format!(r#"{{"error":"bad cursor {other}"}}"#)),
    });
    let all: Vec<i64> = client(&base).list_cursor_items_all(None).map_ok(|i| i.id).try_collect().await.expect("all");
    assert_eq!(all, [0, 1, 2]);
    assert_eq!(*seen.lock().expect("log"), ["/v1/cursor-items", "/v1/cursor-items?cursor=c2"]);
}

#[tokio::test]
async fn next_urls_are_followed_on_the_same_origin_only() {
    let (base, seen) = serve(|target, origin| {
        if target.contains("skiptoken=2") {
            (200, String::new(), format!(r#"{{"value":{}}}"#, items(2..3)))
        } else if target.contains("skiptoken=1") {
            (200, String::new(), format!(r#"{{"value":{},"nextLink":"/v1/next-url-items?skiptoken=2"}}"#, items(1..2)))
        } else {
            (200, String::new(), format!(r#"{{"value":{},"nextLink":"{origin}/v1/next-url-items?skiptoken=1"}}"#, items(0..1)))
        }
    });
    let all: Vec<i64> = client(&base).list_next_url_items_all(Some("a b")).map_ok(|i| i.id).try_collect().await.expect("all");
    assert_eq!(all, [0, 1, 2]);
    assert_eq!(seen.lock().expect("log").len(), 3);

    // A next link to another host is not followed with this client's credentials.
    let (evil, _) = serve(|_, _| (200, String::new(), format!(r#"{{"value":{},"nextLink":"http://elsewhere.invalid/steal"}}"#, items(0..1))));
    let results: Vec<_> = client(&evil).list_next_url_items_pages(None).collect::<Vec<_>>().await;
    assert_eq!(results.len(), 2, "{results:?}");
    let err = results[1].as_ref().expect_err("the foreign link fails");
    assert!(err.to_string().contains("another origin"), "{err}");
}

#[tokio::test]
async fn link_headers_page_like_github() {
    let (base, seen) = serve(|target, origin| {
        let page: i64 = query(target, "page").and_then(|p| p.parse().ok()).unwrap_or(1);
        let link = match page {
            1 => format!("link: <{origin}/v1/orgs/acme/repos?per_page=2&page=2>; rel=\"next\", <{origin}/v1/orgs/acme/repos?per_page=2&page=3>; rel=\"last\"\r\n"),
            2 => format!("link: <{origin}/v1/orgs/acme/repos?per_page=2&page=3>; rel=\"next\", <{origin}/v1/orgs/acme/repos?page=1>; rel=\"first\"\r\n"),
            _ => format!("link: <{origin}/v1/orgs/acme/repos?page=1>; rel=\"first\"\r\n"),
        };
        (200, link, items(page * 10..page * 10 + 2))
    });
    let all: Vec<i64> = client(&base).list_org_repos_all("acme", Some(2), None).map_ok(|i| i.id).try_collect().await.expect("all");
    assert_eq!(all, [10, 11, 20, 21, 30, 31]);
    let seen = seen.lock().expect("log").clone();
    assert_eq!(seen, ["/v1/orgs/acme/repos?per_page=2", "/v1/orgs/acme/repos?per_page=2&page=2", "/v1/orgs/acme/repos?per_page=2&page=3"]);
}

#[tokio::test]
async fn declared_styles_are_followed() {
    let (base, _) = serve(|target, _| match query(target, "from") {
        None => (200, String::new(), format!(r#"{{"results":{},"paging":{{"continueAt":"k"}}}}"#, items(0..1))),
        Some(_) => (200, String::new(), format!(r#"{{"results":{},"paging":{{}}}}"#, items(1..2))),
    });
    let all: Vec<i64> = client(&base).list_declared_all().map_ok(|i| i.id).try_collect().await.expect("all");
    assert_eq!(all, [0, 1]);

    // x-speakeasy-pagination offsetLimit with a page input: pages until an empty one.
    let (base, seen) = serve(|target, _| {
        let n: i64 = query(target, "pageNo").and_then(|p| p.parse().ok()).unwrap_or(0);
        let rows = if n <= 2 { items(n..n + 1) } else { "[]".to_owned() };
        (200, String::new(), format!(r#"{{"data":{{"rows":{rows}}}}}"#))
    });
    let all: Vec<i64> = client(&base).list_speakeasy_all(Some(1)).map_ok(|i| i.id).try_collect().await.expect("all");
    assert_eq!(all, [1, 2]);
    assert_eq!(seen.lock().expect("log").len(), 3, "the empty third page ends it");
}
