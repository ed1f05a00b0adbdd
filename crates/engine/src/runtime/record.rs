//! Events as they happen and the execution record they add up to.

use crate::ports::{Clock, EventSink};
use chrono::{DateTime, Utc};
use orchestrix_domain::{EventType, ExecutionEvent, ExecutionId, StepRecord, StepStatus};
use serde_json::Value;

pub(crate) struct Recorder<'a> {
    sink: &'a dyn EventSink,
    clock: &'a dyn Clock,
    execution_id: &'a ExecutionId,
    workflow_id: &'a str,
    seq: u64,
    pub steps: Vec<StepRecord>,
}

/// The node a step event is about.
pub(crate) struct StepRef<'a> {
    pub index: usize,
    pub id: &'a str,
    pub kind: &'static str,
    pub name: &'a str,
}

impl<'a> Recorder<'a> {
    pub fn new(
        sink: &'a dyn EventSink,
        clock: &'a dyn Clock,
        execution_id: &'a ExecutionId,
        workflow_id: &'a str,
    ) -> Self {
        Self {
            sink,
            clock,
            execution_id,
            workflow_id,
            seq: 0,
            steps: Vec::new(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    fn event(&mut self, event_type: EventType, step: Option<&StepRef<'_>>) -> ExecutionEvent {
        let seq = self.seq;
        self.seq += 1;
        ExecutionEvent {
            event_type,
            execution_id: self.execution_id.clone(),
            workflow_id: self.workflow_id.to_owned(),
            seq,
            timestamp: self.clock.now(),
            step_index: step.map(|s| s.index),
            node_id: step.map(|s| s.id.to_owned()),
            step_type: step.map(|s| s.kind.to_owned()),
            step_name: step.map(|s| s.name.to_owned()),
            status: None,
            duration_ms: None,
            output: None,
            error: None,
            data: None,
        }
    }

    pub fn workflow_start(&mut self, data: Value) {
        let mut e = self.event(EventType::WorkflowStart, None);
        e.data = Some(data);
        self.sink.emit(&e);
    }

    pub fn workflow_complete(&mut self, data: Value) {
        let mut e = self.event(EventType::WorkflowComplete, None);
        e.data = Some(data);
        self.sink.emit(&e);
    }

    pub fn step_start(&mut self, step: &StepRef<'_>) {
        let e = self.event(EventType::StepStart, Some(step));
        self.sink.emit(&e);
    }

    pub fn skipped(&mut self, step: &StepRef<'_>) {
        let mut e = self.event(EventType::StepComplete, Some(step));
        e.status = Some(StepStatus::Skipped);
        e.duration_ms = Some(0.0);
        self.sink.emit(&e);
        self.record(
            step,
            StepStatus::Skipped,
            0.0,
            Value::Null,
            Value::Null,
            None,
        );
    }

    pub fn complete(&mut self, step: &StepRef<'_>, duration_ms: f64, input: Value, output: Value) {
        let mut e = self.event(EventType::StepComplete, Some(step));
        e.status = Some(StepStatus::Succeeded);
        e.duration_ms = Some(duration_ms);
        e.output = Some(output.clone());
        self.sink.emit(&e);
        self.record(
            step,
            StepStatus::Succeeded,
            duration_ms,
            input,
            output,
            None,
        );
    }

    pub fn failed(&mut self, step: &StepRef<'_>, duration_ms: f64, input: Value, error: String) {
        let mut e = self.event(EventType::StepError, Some(step));
        e.status = Some(StepStatus::Failed);
        e.duration_ms = Some(duration_ms);
        e.error = Some(error.clone());
        self.sink.emit(&e);
        self.record(
            step,
            StepStatus::Failed,
            duration_ms,
            input,
            Value::Null,
            Some(error),
        );
    }

    fn record(
        &mut self,
        step: &StepRef<'_>,
        status: StepStatus,
        duration_ms: f64,
        input: Value,
        output: Value,
        error: Option<String>,
    ) {
        self.steps.push(StepRecord {
            step_index: step.index,
            node_id: step.id.to_owned(),
            step_type: step.kind.to_owned(),
            step_name: step.name.to_owned(),
            status,
            duration_ms,
            input,
            output,
            error,
        });
    }
}
