//! What the compiler reports about a workflow before it runs.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// Every diagnostic code the compiler emits; errors make a workflow unrunnable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiagnosticCode {
    UnknownNodeType,
    DuplicateNodeId,
    DanglingEdge,
    Cycle,
    MissingField,
    InvalidField,
    UndefinedVariable,
    TooManyNodes,
    UnreachableNode,
    NoResponse,
    CollectionNotDefined,
    LegacyBareReference,
    UnusedOutput,
}

impl DiagnosticCode {
    pub const ALL: [DiagnosticCode; 13] = [
        Self::UnknownNodeType,
        Self::DuplicateNodeId,
        Self::DanglingEdge,
        Self::Cycle,
        Self::MissingField,
        Self::InvalidField,
        Self::UndefinedVariable,
        Self::TooManyNodes,
        Self::UnreachableNode,
        Self::NoResponse,
        Self::CollectionNotDefined,
        Self::LegacyBareReference,
        Self::UnusedOutput,
    ];

    /// Whether this code is an error (the workflow cannot run) or a warning.
    pub fn severity(self) -> Severity {
        match self {
            Self::UnreachableNode
            | Self::NoResponse
            | Self::CollectionNotDefined
            | Self::LegacyBareReference
            | Self::UnusedOutput => Severity::Warning,
            _ => Severity::Error,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::UnknownNodeType => "unknown_node_type",
            Self::DuplicateNodeId => "duplicate_node_id",
            Self::DanglingEdge => "dangling_edge",
            Self::Cycle => "cycle",
            Self::MissingField => "missing_field",
            Self::InvalidField => "invalid_field",
            Self::UndefinedVariable => "undefined_variable",
            Self::TooManyNodes => "too_many_nodes",
            Self::UnreachableNode => "unreachable_node",
            Self::NoResponse => "no_response",
            Self::CollectionNotDefined => "collection_not_defined",
            Self::LegacyBareReference => "legacy_bare_reference",
            Self::UnusedOutput => "unused_output",
        }
    }
}

/// One finding: `{severity, code, message, nodeId?, field?}` on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: DiagnosticCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with the severity its code carries.
    pub fn new(code: DiagnosticCode, message: impl Into<String>) -> Self {
        Self {
            severity: code.severity(),
            code,
            message: message.into(),
            node_id: None,
            field: None,
        }
    }

    pub fn at(mut self, node_id: impl Into<String>) -> Self {
        self.node_id = Some(node_id.into());
        self
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialise_as_the_contract_names_them() {
        for c in DiagnosticCode::ALL {
            assert_eq!(
                serde_json::to_value(c).unwrap(),
                serde_json::json!(c.as_str())
            );
        }
        let d = Diagnostic::new(DiagnosticCode::Cycle, "a -> b -> a").at("a");
        let v = serde_json::to_value(&d).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"severity": "error", "code": "cycle", "message": "a -> b -> a", "nodeId": "a"})
        );
        assert!(!Diagnostic::new(DiagnosticCode::NoResponse, "").is_error());
    }
}
