//! Request ids and the per-request log span.
//!
//! Every response carries `X-Request-Id`: the client's, when it sent a sane one, else a new
//! UUID. The id lives in a task-local for the request's lifetime so that error bodies can
//! include it without every handler passing it around. Each request runs in one span with
//! method, path and id, and ends with one log line carrying status and latency.
//!
//! Framework-made errors (an unknown method on a known path, a CORS refusal, …) come without
//! our error body; this middleware gives them one, so every non-2xx answer of Orchestrix's
//! own has the contract's shape.

use crate::error::{code_for_status, error_body};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse};
use orchestrix_domain::Problem;
use std::time::Instant;
use tracing::Instrument;

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being handled, when called inside one.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

fn accept_client_id(value: Option<&HeaderValue>) -> Option<String> {
    let s = value?.to_str().ok()?.trim();
    let sane = !s.is_empty() && s.len() <= 128 && s.bytes().all(|b| b.is_ascii_graphic());
    sane.then(|| s.to_owned())
}

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let id = accept_client_id(req.headers().get(&REQUEST_ID_HEADER))
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let span = tracing::info_span!("request", method = %req.method(), path = %req.path(), request_id = %id);
    let started = Instant::now();
    let id_for_scope = id.clone();
    async move {
        let result = REQUEST_ID.scope(id_for_scope.clone(), next.call(req)).await;
        let mut res = match result {
            Ok(res) => res.map_into_boxed_body(),
            Err(err) => return Err(err),
        };
        if needs_error_body(&res) {
            let status = res.status();
            let problem = Problem::new(code_for_status(status));
            let body = REQUEST_ID.sync_scope(id_for_scope.clone(), || {
                error_body(&problem, &Default::default())
            });
            let (http_req, old) = res.into_parts();
            let mut fresh = HttpResponse::build(status).json(body);
            for (name, value) in old.headers() {
                if name != CONTENT_TYPE && name != actix_web::http::header::CONTENT_LENGTH {
                    fresh.headers_mut().append(name.clone(), value.clone());
                }
            }
            res = ServiceResponse::new(http_req, fresh);
        }
        if let Ok(v) = HeaderValue::from_str(&id_for_scope) {
            res.headers_mut().insert(REQUEST_ID_HEADER, v);
        }
        let status = res.status().as_u16();
        let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        if status >= 500 {
            tracing::error!(status, latency_ms, "request finished");
        } else {
            tracing::info!(status, latency_ms, "request finished");
        }
        Ok(res)
    }
    .instrument(span)
    .await
}

/// An error status without a JSON body: made by the framework, not by us.
fn needs_error_body(res: &ServiceResponse<BoxBody>) -> bool {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return false;
    }
    let is_json = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    !is_json
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_are_taken_only_when_sane() {
        let ok = HeaderValue::from_static("abc-123");
        assert_eq!(accept_client_id(Some(&ok)).as_deref(), Some("abc-123"));
        let spaced = HeaderValue::from_static("a b");
        assert_eq!(accept_client_id(Some(&spaced)), None);
        let long = HeaderValue::from_str(&"x".repeat(129)).unwrap();
        assert_eq!(accept_client_id(Some(&long)), None);
        assert_eq!(accept_client_id(None), None);
    }
}
