//! Orchestrix's shared vocabulary: plain data that every other crate speaks.
//!
//! Ids and parsed values (`Email`, `CollectionName`, `WorkflowId`, `ApiSlug`, `Duration`),
//! workflows in both shapes normalised into one representation, typed node configurations,
//! platform records (users, sessions, published APIs, executions and their events),
//! compile diagnostics and the error catalogue.
//!
//! This crate depends on serde and small value crates only: no I/O, no async runtime, no web
//! framework, no database driver. Everything else in the workspace depends on it, never the
//! other way round.

/// The shared surface of a string newtype with a `parse` constructor: `as_str`, serde
/// through `String` (parsing on the way in), and `Display`.
macro_rules! parsed_string {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::ParseError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

mod collection;
mod diagnostic;
mod duration;
mod email;
mod error;
mod execution;
mod ids;
mod node;
mod records;
mod schema;
mod slug;
mod workflow;

pub use collection::{CollectionDef, CollectionName, FieldSpec, FieldType};
pub use diagnostic::{Diagnostic, DiagnosticCode, Severity};
pub use duration::Duration;
pub use email::Email;
pub use error::{ErrorCode, Problem};
pub use execution::{
    EventType, Execution, ExecutionError, ExecutionEvent, ExecutionStatus, StepRecord, StepStatus,
};
pub use ids::{DocumentId, ExecutionId, SessionId, UserId, WorkflowId};
pub use node::{
    AuthMiddlewareConfig, ConditionConfig, ConditionOp, ConfigError, ConfigErrorKind,
    DbDeleteConfig, DbFindConfig, DbInsertConfig, DbUpdateConfig, EmailSendConfig, FindType,
    HttpMethod, HttpRequestConfig, InputConfig, InputValidationConfig, InputVariable, JwtAlgorithm,
    JwtGenerateConfig, NodeConfig, NodeKind, ResponseConfig, RuleType, UserLoginConfig,
    ValidationRule,
};
pub use records::{PublicUser, PublishedApi, Session, User, WorkflowRecord};
pub use schema::{FieldErrors, WriteMode};
pub use slug::ApiSlug;
pub use workflow::{BranchHandle, Edge, Node, Workflow, WorkflowShape, WorkflowSource};

/// Why a string could not become one of this crate's parsed values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}: {reason}")]
pub struct ParseError {
    /// Which kind of value was being parsed ("email", "collection name", …).
    pub what: &'static str,
    /// What was wrong with it, fit to show a user.
    pub reason: String,
}

impl ParseError {
    pub(crate) fn new(what: &'static str, reason: impl Into<String>) -> Self {
        Self {
            what,
            reason: reason.into(),
        }
    }
}
