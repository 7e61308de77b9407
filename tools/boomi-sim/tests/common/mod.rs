//! Helpers shared by the integration tests: a raw HTTP client for the simulator.

#![allow(dead_code)]

use boomi_sim::{Options, Sim};
use serde_json::{Value, json};

pub const USER: &str = "BOOMI_TOKEN.ci@example.com";
pub const TOKEN: &str = "demo-token";

pub async fn demo() -> Sim {
    Sim::start(Options::default()).await.expect("the simulator starts")
}

/// Raw requests with the right credentials; each answer as (status, JSON or Null).
pub struct Raw {
    pub http: reqwest::Client,
    pub base: String,
}

impl Raw {
    pub fn new(sim: &Sim) -> Self {
        // No pooling: a test that makes the simulator drop a connection must not have
        // its next request land on a connection the client still thinks is open.
        let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().expect("a reqwest client");
        Self { http, base: sim.url() }
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Result<(u16, Value), reqwest::Error> {
        let response = request.basic_auth(USER, Some(TOKEN)).header("Accept", "application/json").send().await?;
        let status = response.status().as_u16();
        let text = response.text().await?;
        let body = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        Ok((status, body))
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.send(self.http.get(format!("{}{path}", self.base))).await.expect("a response")
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.try_post(path, body).await.expect("a response")
    }

    pub async fn try_post(&self, path: &str, body: Value) -> Result<(u16, Value), reqwest::Error> {
        self.send(self.http.post(format!("{}{path}", self.base)).json(&body)).await
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        self.send(self.http.delete(format!("{}{path}", self.base))).await.expect("a response")
    }

    pub async fn query_more(&self, object: &str, token: &str) -> (u16, Value) {
        let request = self
            .http
            .post(format!("{}/{object}/queryMore", self.base))
            .header("Content-Type", "text/plain")
            .body(token.to_owned());
        self.send(request).await.expect("a response")
    }

    /// Every result of a query, following queryToken; also the page sizes seen.
    pub async fn query_all(&self, object: &str, config: Value) -> (Vec<Value>, Vec<usize>) {
        let (status, mut page) = self.post(&format!("/{object}/query"), config).await;
        assert_eq!(status, 200, "{page}");
        let mut results = Vec::new();
        let mut sizes = Vec::new();
        loop {
            let items = page["result"].as_array().cloned().unwrap_or_default();
            assert_eq!(page["numberOfResults"], json!(items.len()), "numberOfResults counts this page");
            assert_eq!(page["@type"], "QueryResult");
            sizes.push(items.len());
            results.extend(items);
            let Some(token) = page.get("queryToken").and_then(Value::as_str).map(str::to_owned) else {
                break;
            };
            let (status, next) = self.query_more(object, &token).await;
            assert_eq!(status, 200, "{next}");
            page = next;
        }
        (results, sizes)
    }
}

/// `{"QueryFilter":{"expression":{...}}}` for one simple expression.
pub fn simple(operator: &str, property: &str, arguments: &[&str]) -> Value {
    json!({"QueryFilter": {"expression": {"operator": operator, "property": property, "argument": arguments}}})
}

/// The message of an error body, whatever its shape.
pub fn message(body: &Value) -> String {
    body.get("message")
        .or_else(|| body.pointer("/error/message"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}
