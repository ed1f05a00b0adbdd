//! The error catalogue: every error Orchestrix answers with, its stable code and HTTP status.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Every error code Orchestrix puts on the wire. The `code` string is a contract with
/// programs; the message is a default a human can read and may be replaced per error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Missing, malformed, expired, tampered or revoked credentials.
    Unauthorized,
    /// Login with an unknown email or a wrong password (one message for both).
    InvalidCredentials,
    /// Authenticated, but the action is not allowed (e.g. compatibility mode in production).
    Forbidden,
    /// The route or the resource does not exist, or belongs to someone else.
    NotFound,
    /// A published path with no published workflow behind it.
    ApiNotPublished,
    /// The route exists, but not with this method.
    MethodNotAllowed,
    /// The body is not JSON, or is nested too deeply.
    InvalidJson,
    /// A request the server cannot make sense of, with no more precise code.
    BadRequest,
    /// The body is larger than the configured limit.
    PayloadTooLarge,
    /// Input broke a rule; `details` maps fields to messages.
    ValidationFailed,
    /// The resource already exists (e.g. an email already registered).
    Conflict,
    /// A unique field already holds this value; `details.field` names it.
    DuplicateKey,
    /// A filter, sort or update uses something the store does not support.
    InvalidQuery,
    /// The workflow has compile errors and cannot run.
    WorkflowInvalid,
    /// A node failed for a reason of its own.
    NodeFailed,
    /// An outside service (SMTP, an HTTP endpoint) gave no usable answer.
    UpstreamFailed,
    /// A node or a run took longer than allowed.
    Timeout,
    /// Too many requests; `Retry-After` says when to try again.
    RateLimited,
    /// The AI provider answered with an error.
    AiProviderFailed,
    /// The chosen AI provider has no key configured.
    AiNotConfigured,
    /// The AI model's workflow still had compile errors after every retry.
    AiOutputInvalid,
    /// The store does not answer.
    StorageUnavailable,
    /// A server is shutting down or not ready.
    ServiceUnavailable,
    /// Anything else: a bug or an unexpected failure. Details stay in the logs.
    Internal,
}

impl ErrorCode {
    /// Every code, for tests and documentation.
    pub const ALL: [ErrorCode; 24] = [
        Self::Unauthorized,
        Self::InvalidCredentials,
        Self::Forbidden,
        Self::NotFound,
        Self::ApiNotPublished,
        Self::MethodNotAllowed,
        Self::InvalidJson,
        Self::BadRequest,
        Self::PayloadTooLarge,
        Self::ValidationFailed,
        Self::Conflict,
        Self::DuplicateKey,
        Self::InvalidQuery,
        Self::WorkflowInvalid,
        Self::NodeFailed,
        Self::UpstreamFailed,
        Self::Timeout,
        Self::RateLimited,
        Self::AiProviderFailed,
        Self::AiNotConfigured,
        Self::AiOutputInvalid,
        Self::StorageUnavailable,
        Self::ServiceUnavailable,
        Self::Internal,
    ];

    /// The stable snake_case code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unauthorized => "unauthorized",
            Self::InvalidCredentials => "invalid_credentials",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::ApiNotPublished => "api_not_published",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::InvalidJson => "invalid_json",
            Self::BadRequest => "bad_request",
            Self::PayloadTooLarge => "payload_too_large",
            Self::ValidationFailed => "validation_failed",
            Self::Conflict => "conflict",
            Self::DuplicateKey => "duplicate_key",
            Self::InvalidQuery => "invalid_query",
            Self::WorkflowInvalid => "workflow_invalid",
            Self::NodeFailed => "node_failed",
            Self::UpstreamFailed => "upstream_failed",
            Self::Timeout => "timeout",
            Self::RateLimited => "rate_limited",
            Self::AiProviderFailed => "ai_provider_failed",
            Self::AiNotConfigured => "ai_not_configured",
            Self::AiOutputInvalid => "ai_output_invalid",
            Self::StorageUnavailable => "storage_unavailable",
            Self::ServiceUnavailable => "service_unavailable",
            Self::Internal => "internal",
        }
    }

    /// The HTTP status this code is answered with.
    pub fn status(self) -> u16 {
        match self {
            Self::InvalidJson | Self::BadRequest | Self::ValidationFailed | Self::InvalidQuery => {
                400
            }
            Self::Unauthorized | Self::InvalidCredentials => 401,
            Self::Forbidden => 403,
            Self::NotFound | Self::ApiNotPublished => 404,
            Self::MethodNotAllowed => 405,
            Self::Conflict | Self::DuplicateKey => 409,
            Self::PayloadTooLarge => 413,
            Self::WorkflowInvalid | Self::AiOutputInvalid => 422,
            Self::RateLimited => 429,
            Self::NodeFailed | Self::Internal => 500,
            Self::UpstreamFailed | Self::AiProviderFailed => 502,
            Self::StorageUnavailable | Self::ServiceUnavailable | Self::AiNotConfigured => 503,
            Self::Timeout => 504,
        }
    }

    /// A default message for people; callers may give a more precise one.
    pub fn default_message(self) -> &'static str {
        match self {
            Self::Unauthorized => "Authentication required",
            Self::InvalidCredentials => "Invalid email or password",
            Self::Forbidden => "Not allowed",
            Self::NotFound => "Not found",
            Self::ApiNotPublished => "No workflow is published at this path",
            Self::MethodNotAllowed => "Method not allowed",
            Self::InvalidJson => "The request body is not valid JSON",
            Self::BadRequest => "Bad request",
            Self::PayloadTooLarge => "The request body is too large",
            Self::ValidationFailed => "Validation failed",
            Self::Conflict => "Already exists",
            Self::DuplicateKey => "A unique field already holds this value",
            Self::InvalidQuery => "The query uses an unsupported operator or shape",
            Self::WorkflowInvalid => "The workflow has errors and cannot run",
            Self::NodeFailed => "A workflow step failed",
            Self::UpstreamFailed => "An outside service did not answer",
            Self::Timeout => "The operation took too long",
            Self::RateLimited => "Too many requests",
            Self::AiProviderFailed => "The AI provider failed",
            Self::AiNotConfigured => "The AI provider is not configured",
            Self::AiOutputInvalid => "The AI model did not produce a valid workflow",
            Self::StorageUnavailable => "The store is unavailable",
            Self::ServiceUnavailable => "The service is unavailable",
            Self::Internal => "Internal server error",
        }
    }

    /// Looks a code up by its wire string.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == code)
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error on its way to a client: a catalogue code, a message and optional details.
/// The server adds the request id when it renders one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
}

impl Problem {
    /// A problem with the code's default message.
    pub fn new(code: ErrorCode) -> Self {
        Self {
            code,
            message: code.default_message().to_owned(),
            details: None,
        }
    }

    /// A problem with a message of its own.
    pub fn with_message(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            details: None,
        }
    }

    /// Adds structured details (per-field messages, the duplicate field, …).
    pub fn details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    /// The HTTP status of this problem.
    pub fn status(&self) -> u16 {
        self.code.status()
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Problem {}

#[cfg(test)]
mod tests {
    use super::*;

    /// The statuses API.md names for each code it lists.
    #[test]
    fn codes_map_to_the_statuses_the_contract_gives() {
        let contract = [
            ("unauthorized", 401),
            ("not_found", 404),
            ("invalid_json", 400),
            ("validation_failed", 400),
            ("conflict", 409),
            ("invalid_credentials", 401),
            ("workflow_invalid", 422),
            ("duplicate_key", 409),
            ("upstream_failed", 502),
            ("timeout", 504),
            ("node_failed", 500),
            ("api_not_published", 404),
            ("invalid_query", 400),
            ("ai_provider_failed", 502),
            ("ai_not_configured", 503),
            ("ai_output_invalid", 422),
            ("rate_limited", 429),
            ("payload_too_large", 413),
        ];
        for (code, status) in contract {
            let parsed = ErrorCode::from_code(code).unwrap_or_else(|| panic!("{code} missing"));
            assert_eq!(parsed.status(), status, "{code}");
        }
    }

    #[test]
    fn every_code_round_trips_through_serde_and_has_a_message() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, serde_json::Value::String(code.as_str().into()));
            assert_eq!(serde_json::from_value::<ErrorCode>(json).unwrap(), code);
            assert!(!code.default_message().is_empty());
            assert!((400..600).contains(&code.status()));
        }
    }
}
