//! Runs of workflows: their records, their steps and the events streamed while they run.

use crate::{ErrorCode, ExecutionId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExecutionStatus {
    Running,
    Succeeded,
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    Succeeded,
    Failed,
    Skipped,
}

/// Why a run failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_step: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_step_name: Option<String>,
}

/// One node's part in a run. `input` and `output` are summaries with secrets masked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepRecord {
    pub step_index: usize,
    pub node_id: String,
    pub step_type: String,
    pub step_name: String,
    pub status: StepStatus,
    pub duration_ms: f64,
    #[serde(default)]
    pub input: Value,
    #[serde(default)]
    pub output: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The stored record of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Execution {
    pub execution_id: ExecutionId,
    pub workflow_id: String,
    pub owner_id: UserId,
    pub status: ExecutionStatus,
    pub started_at: DateTime<Utc>,
    #[serde(default)]
    pub finished_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub duration_ms: Option<f64>,
    #[serde(default)]
    pub steps: Vec<StepRecord>,
    #[serde(default)]
    pub error: Option<ExecutionError>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    WorkflowStart,
    StepStart,
    StepComplete,
    StepError,
    WorkflowComplete,
}

/// One live-log event, in the seed-compatible shape of API.md. `seq` counts from 0 per
/// execution so a client can de-duplicate replay and live delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionEvent {
    #[serde(rename = "type")]
    pub event_type: EventType,
    pub execution_id: ExecutionId,
    pub workflow_id: String,
    pub seq: u64,
    pub timestamp: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_index: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_name: Option<String>,
    /// `"skipped"` on the `step_complete` of a node on a branch not taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StepStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl ExecutionEvent {
    /// An event with only the fields every event has.
    pub fn new(
        event_type: EventType,
        execution_id: ExecutionId,
        workflow_id: impl Into<String>,
        seq: u64,
    ) -> Self {
        Self {
            event_type,
            execution_id,
            workflow_id: workflow_id.into(),
            seq,
            timestamp: Utc::now(),
            step_index: None,
            node_id: None,
            step_type: None,
            step_name: None,
            status: None,
            duration_ms: None,
            output: None,
            error: None,
            data: None,
        }
    }

    /// Whether this event ends the stream.
    pub fn is_last(&self) -> bool {
        self.event_type == EventType::WorkflowComplete
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_have_the_seed_shape() {
        let mut e = ExecutionEvent::new(
            EventType::StepComplete,
            ExecutionId::from_stored("exec_1"),
            "wf",
            3,
        );
        e.step_index = Some(1);
        e.status = Some(StepStatus::Skipped);
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["type"], "step_complete");
        assert_eq!(v["executionId"], "exec_1");
        assert_eq!(v["seq"], 3);
        assert_eq!(v["stepIndex"], 1);
        assert_eq!(v["status"], "skipped");
        assert!(v.get("output").is_none());
        assert!(v["timestamp"].as_str().unwrap().ends_with('Z'));
        let back: ExecutionEvent = serde_json::from_value(v).unwrap();
        assert_eq!(back, e);
    }
}
