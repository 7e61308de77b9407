//! Copied into the crate generated from tests/fixtures/statuses.yaml and run there:
//! each success status decodes as its own type, and none is dropped.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;

use fixture_statuses::{Client, Error, models};

/// Answers one request with `status` and `body`.
fn serve_once(status: &'static str, body: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else { return };
        let mut reader = BufReader::new(stream);
        let mut length = 0;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).map_or(true, |n| n == 0) || line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body_in = vec![0; length];
        let _ = reader.read_exact(&mut body_in);
        let reply = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = reader.get_mut().write_all(reply.as_bytes());
    });
    url
}

fn client(url: String) -> Client {
    Client::new(Client::config().base_url(url)).expect("client")
}

#[tokio::test]
async fn each_status_has_its_own_type() {
    let thing = models::Thing { name: "a".into() };
    let updated = client(serve_once("200 OK", r#"{"name":"a2"}"#)).put_thing(&thing).await.expect("200");
    assert_eq!(updated, Some(models::PutThingSuccess::Ok(models::Thing { name: "a2".into() })));
    let created = client(serve_once("201 Created", r#"{"id":"t-1","location":"/things/t-1"}"#)).put_thing(&thing).await.expect("201");
    assert_eq!(
        created,
        Some(models::PutThingSuccess::Created(models::Receipt { id: "t-1".into(), location: Some("/things/t-1".into()) }))
    );
    let unchanged = client(serve_once("204 No Content", "")).put_thing(&thing).await.expect("204");
    assert_eq!(unchanged, None);
    match client(serve_once("409 Conflict", r#"{"message":"taken"}"#)).put_thing(&thing).await {
        Err(Error::Api(err)) => {
            assert_eq!(err.status, 409);
            assert_eq!(err.parsed.and_then(|p| p.message).as_deref(), Some("taken"));
        }
        other => panic!("expected the declared 409, got {other:?}"),
    }
}

#[tokio::test]
async fn statuses_that_share_a_type_return_it() {
    let copied: models::Thing = client(serve_once("201 Created", r#"{"name":"b"}"#)).copy_thing("x").await.expect("201");
    assert_eq!(copied.name, "b");
}

#[tokio::test]
async fn a_no_content_answer_is_empty_whatever_the_spec_declares() {
    let deleted: () = client(serve_once("204 No Content", "")).delete_thing("x").await.expect("204");
    assert_eq!(deleted, ());
}

#[tokio::test]
async fn a_nullable_answer_is_an_option() {
    let week: Option<i64> = client(serve_once("200 OK", "7")).current_week().await.expect("a week");
    assert_eq!(week, Some(7));
    let week = client(serve_once("200 OK", "null")).current_week().await.expect("null");
    assert_eq!(week, None);
}
