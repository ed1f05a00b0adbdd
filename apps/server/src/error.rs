//! Renders the domain's error catalogue as HTTP answers in the contract's error body:
//! `{"error", "code", "details"?, "requestId"}`.

use crate::request_id::current_request_id;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use orchestrix_domain::{ErrorCode, Problem};
use serde_json::{Map, Value, json};

/// The error every handler returns. Boxed, so that `Result<_, ApiError>` stays small.
#[derive(Debug)]
pub struct ApiError(Box<Inner>);

#[derive(Debug)]
struct Inner {
    problem: Problem,
    /// Extra top-level fields (e.g. `executionId`, `failedStep` on a failed run).
    extra: Map<String, Value>,
    /// Seconds for a `Retry-After` header (rate limits).
    retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(code: ErrorCode) -> Self {
        Problem::new(code).into()
    }

    pub fn msg(code: ErrorCode, message: impl Into<String>) -> Self {
        Problem::with_message(code, message).into()
    }

    pub fn details(mut self, details: Value) -> Self {
        self.0.problem.details = Some(details);
        self
    }

    /// Adds `Retry-After: secs`.
    pub fn retry_after(mut self, secs: u64) -> Self {
        self.0.retry_after = Some(secs);
        self
    }

    /// Adds a top-level field to the error body.
    pub fn extra(mut self, key: &str, value: Value) -> Self {
        self.0.extra.insert(key.to_owned(), value);
        self
    }

    pub fn code(&self) -> ErrorCode {
        self.0.problem.code
    }

    /// A failure we did not expect: logged in full, answered without internals.
    pub fn internal(err: impl std::fmt::Display) -> Self {
        tracing::error!(error = %err, "internal error");
        Self::new(ErrorCode::Internal)
    }
}

impl From<Problem> for ApiError {
    fn from(problem: Problem) -> Self {
        Self(Box::new(Inner {
            problem,
            extra: Map::new(),
            retry_after: None,
        }))
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.problem.fmt(f)
    }
}

/// The standard error body for a problem, with the current request's id.
pub fn error_body(problem: &Problem, extra: &Map<String, Value>) -> Value {
    let mut body = json!({"error": problem.message, "code": problem.code.as_str()});
    if let Some(details) = &problem.details {
        body["details"] = details.clone();
    }
    if let Value::Object(o) = &mut body {
        for (k, v) in extra {
            o.insert(k.clone(), v.clone());
        }
        o.insert(
            "requestId".into(),
            current_request_id().map_or(Value::Null, Value::String),
        );
    }
    body
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.0.problem.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        if let Some(secs) = self.0.retry_after {
            res.insert_header(("Retry-After", secs.to_string()));
        }
        res.json(error_body(&self.0.problem, &self.0.extra))
    }
}

/// The catalogue code for a status that the framework produced on its own.
pub fn code_for_status(status: StatusCode) -> ErrorCode {
    match status.as_u16() {
        401 => ErrorCode::Unauthorized,
        403 => ErrorCode::Forbidden,
        404 => ErrorCode::NotFound,
        405 => ErrorCode::MethodNotAllowed,
        409 => ErrorCode::Conflict,
        413 => ErrorCode::PayloadTooLarge,
        429 => ErrorCode::RateLimited,
        503 => ErrorCode::ServiceUnavailable,
        504 => ErrorCode::Timeout,
        400..=499 => ErrorCode::BadRequest,
        _ => ErrorCode::Internal,
    }
}

impl From<orchestrix_store::StoreError> for ApiError {
    fn from(e: orchestrix_store::StoreError) -> Self {
        use orchestrix_store::StoreError as E;
        match e {
            E::DuplicateKey { field } => ApiError::msg(
                ErrorCode::DuplicateKey,
                format!("'{field}' already holds this value"),
            )
            .details(json!({"field": field})),
            E::Unavailable(why) => {
                tracing::warn!(error = %why, "store unavailable");
                ApiError::new(ErrorCode::StorageUnavailable)
            }
            E::InvalidQuery(why) => ApiError::msg(ErrorCode::InvalidQuery, why),
            other => ApiError::internal(other),
        }
    }
}

impl From<orchestrix_auth::AuthError> for ApiError {
    fn from(e: orchestrix_auth::AuthError) -> Self {
        use orchestrix_auth::AuthError as E;
        match e {
            E::Validation(details) => ApiError::new(ErrorCode::ValidationFailed).details(details),
            E::Invalid(msg) => ApiError::msg(ErrorCode::ValidationFailed, msg),
            E::EmailTaken => ApiError::msg(ErrorCode::Conflict, "This email is already registered"),
            E::InvalidCredentials => ApiError::new(ErrorCode::InvalidCredentials),
            E::Unauthorized => ApiError::new(ErrorCode::Unauthorized),
            E::Store(e) => e.into(),
            E::Internal(e) => ApiError::internal(e),
        }
    }
}
