//! The HTTP side: a hyper accept loop and the per-request pipeline (counting, rate
//! limit, authentication, account, fault injection) in front of the handlers.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, WWW_AUTHENTICATE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use crate::Fault;
use crate::api::{self, Reply, Route};
use crate::ids::decode_base64;
use crate::store::Inner;

/// The largest request body read; anything bigger is a 400.
const MAX_BODY: usize = 16 * 1024 * 1024;

pub(crate) struct Shared {
    inner: Mutex<Inner>,
}

impl Shared {
    pub(crate) fn new(inner: Inner) -> Self {
        Self { inner: Mutex::new(inner) }
    }

    /// The state; a handler that panicked (it should not) does not lock everyone out.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Returned by the service to make hyper close the connection without an answer.
#[derive(Debug)]
pub(crate) struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

/// Accepts connections until the task is aborted; aborting drops the `JoinSet`, which
/// aborts every connection task with it.
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let shared = Arc::clone(&shared);
                    connections.spawn(async move {
                        let service = service_fn(move |request| respond(Arc::clone(&shared), request));
                        // A dropped connection ends here with an error, on purpose.
                        let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                    });
                }
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn respond(shared: Arc<Shared>, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Dropped> {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let authorization = request.headers().get(AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
    // The whole body is read before anything else, so that a dropped connection never
    // races the client still writing its request.
    let body = Limited::new(request.into_body(), MAX_BODY).collect().await.map(|c| c.to_bytes());

    let mut inner = shared.lock();
    inner.requests += 1;
    let segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    let target = match segments.as_slice() {
        [api, rest, v1, account, tail @ ..] if api == "api" && rest == "rest" && v1 == "v1" && !tail.is_empty() => {
            Some((account.clone(), tail))
        }
        _ => None,
    };
    let route = target.as_ref().and_then(|(_, tail)| Route::resolve(&method, tail));
    let key = route.as_ref().map_or_else(|| format!("{method} (no such route)"), Route::key);
    *inner.per_route.entry(key).or_insert(0) += 1;

    if over_rate_limit(&mut inner) {
        return Ok(render(Reply::rate_limited()));
    }
    let Some((account, _)) = target else {
        return Ok(render(Reply::not_found(format!("No such endpoint: {path}"))));
    };
    if !authorized(&inner, authorization.as_deref()) {
        return Ok(render(Reply::unauthorized()));
    }
    if account != inner.account_id {
        return Ok(render(Reply::forbidden()));
    }
    let Some(route) = route else {
        return Ok(render(Reply::not_found(format!("No such object or operation: {method} {path}"))));
    };
    let Ok(body) = body else {
        return Ok(render(Reply::bad_request("The request body could not be read or is too large.")));
    };
    let fault = match route.mutating() {
        true => take_fault(&mut inner),
        false => None,
    };
    if fault == Some(Fault::DropBeforeApply) {
        return Err(Dropped);
    }
    let reply = api::handle(&mut inner, &route, &body);
    if fault == Some(Fault::DropAfterApply) {
        return Err(Dropped);
    }
    Ok(render(reply))
}

/// Counts a mutating request and takes the fault planned for it, if any.
fn take_fault(inner: &mut Inner) -> Option<Fault> {
    inner.mutating += 1;
    let at = inner.mutating;
    let fault = inner.faults.iter().find(|f| f.at == at).map(|f| f.fault);
    // Two faults planned for the same request: the first wins, neither lingers.
    inner.faults.retain(|f| f.at > at);
    fault
}

/// A fixed one-second window: the first request opens it, and past the limit every
/// request until it closes gets a 503.
fn over_rate_limit(inner: &mut Inner) -> bool {
    let Some(limit) = inner.rate_limit else {
        return false;
    };
    let now = Instant::now();
    let count = match &mut inner.window {
        Some((start, count)) if now.duration_since(*start) < Duration::from_secs(1) => {
            *count += 1;
            *count
        }
        window => {
            *window = Some((now, 1));
            1
        }
    };
    count > limit
}

fn authorized(inner: &Inner, header: Option<&str>) -> bool {
    let Some((scheme, credentials)) = header.and_then(|h| h.trim().split_once(' ')) else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return false;
    }
    let Some(decoded) = decode_base64(credentials.trim()).and_then(|bytes| String::from_utf8(bytes).ok()) else {
        return false;
    };
    match decoded.split_once(':') {
        Some((user, token)) => user == inner.username && token == inner.token,
        None => false,
    }
}

fn render(reply: Reply) -> Response<Full<Bytes>> {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = match &reply.body {
        Some(json) => Bytes::from(json.to_string()),
        None => Bytes::new(),
    };
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    if reply.body.is_some() {
        response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"Boomi Platform API\""));
    }
    response
}
