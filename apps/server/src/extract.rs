//! The JSON body extractor: the configured size limit (413), malformed JSON (400
//! `invalid_json`), nesting deeper than 64 levels (400 `invalid_json`), and values of the
//! wrong shape (400 `validation_failed`) — all in the contract's error body.

use crate::error::ApiError;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures::StreamExt;
use orchestrix_domain::ErrorCode;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::pin::Pin;

/// The most deeply nested JSON Orchestrix accepts.
pub const MAX_JSON_DEPTH: usize = 64;

/// The body limit, kept in app data.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// A JSON request body parsed into `T`.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

/// Reads the whole body, refusing more than the configured limit (413) — early when
/// `Content-Length` already says so.
fn read_limited(
    req: &HttpRequest,
    payload: &mut Payload,
) -> impl Future<Output = Result<web::BytesMut, ApiError>> + 'static {
    let limit = req
        .app_data::<web::Data<BodyLimit>>()
        .map_or(1024 * 1024, |l| l.0);
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let mut payload = payload.take();
    async move {
        if declared.is_some_and(|n| n > limit) {
            return Err(too_large(limit));
        }
        let mut body = web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| {
                ApiError::msg(
                    ErrorCode::BadRequest,
                    format!("could not read the body: {e}"),
                )
            })?;
            if body.len() + chunk.len() > limit {
                return Err(too_large(limit));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_limited(req, payload);
        Box::pin(async move { parse_json(&body.await?).map(JsonBody) })
    }
}

/// The input of a published API call: a JSON object; an empty body is `{}`.
#[derive(Debug)]
pub struct RunInput(pub serde_json::Value);

impl FromRequest for RunInput {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_limited(req, payload);
        Box::pin(async move {
            let body = body.await?;
            if body.iter().all(u8::is_ascii_whitespace) {
                return Ok(RunInput(serde_json::Value::Object(Default::default())));
            }
            match parse_json::<serde_json::Value>(&body)? {
                v @ serde_json::Value::Object(_) => Ok(RunInput(v)),
                _ => Err(ApiError::msg(
                    ErrorCode::ValidationFailed,
                    "The request body must be a JSON object",
                )),
            }
        })
    }
}

fn too_large(limit: usize) -> ApiError {
    ApiError::msg(
        ErrorCode::PayloadTooLarge,
        format!("The request body is larger than {limit} bytes"),
    )
}

/// Parses a JSON body into `T` with the contract's errors.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::msg(
            ErrorCode::InvalidJson,
            "The request body is empty; send a JSON object",
        ));
    }
    if nesting_depth(body) > MAX_JSON_DEPTH {
        return Err(ApiError::msg(
            ErrorCode::InvalidJson,
            format!("JSON is nested deeper than {MAX_JSON_DEPTH} levels"),
        ));
    }
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::msg(
            ErrorCode::InvalidJson,
            format!("The request body is not valid JSON: {e}"),
        )
    })?;
    serde_json::from_value(value)
        .map_err(|e| ApiError::msg(ErrorCode::ValidationFailed, e.to_string()))
}

/// The deepest nesting of arrays and objects, counted without parsing (strings skipped).
fn nesting_depth(body: &[u8]) -> usize {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in body {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                max = max.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_ignores_brackets_inside_strings() {
        assert_eq!(
            nesting_depth(br#"{"a": "[[[{{{", "b": [1, {"c": "\"]"}]}"#),
            3
        );
        assert_eq!(nesting_depth(b"1"), 0);
    }

    #[test]
    fn errors_carry_the_right_codes() {
        let e = parse_json::<serde_json::Value>(b"{oops").unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidJson);
        let deep = format!("{}{}", "[".repeat(65), "]".repeat(65));
        assert_eq!(
            parse_json::<serde_json::Value>(deep.as_bytes())
                .unwrap_err()
                .code(),
            ErrorCode::InvalidJson
        );
        let ok = format!("{}{}", "[".repeat(64), "]".repeat(64));
        assert!(parse_json::<serde_json::Value>(ok.as_bytes()).is_ok());
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Login {
            email: String,
        }
        assert_eq!(
            parse_json::<Login>(b"{}").unwrap_err().code(),
            ErrorCode::ValidationFailed
        );
    }
}
