//! Run: a [`Plan`] and a request -> an [`Outcome`], with events emitted as steps happen.

mod outbound;
mod record;
mod run;

pub use outbound::{OutboundPolicy, is_forbidden_ip};

use crate::ports::Ports;
use orchestrix_domain::{ErrorCode, Execution, ExecutionId, UserId};
use serde_json::{Map, Value, json};
use std::time::Duration;

/// Time limits of a run; past either, the run fails with 504 `timeout` and the node in
/// flight is cancelled (its future is dropped, which cancels the port call).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub node_timeout: Duration,
    pub run_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            node_timeout: Duration::from_secs(10),
            run_timeout: Duration::from_secs(30),
        }
    }
}

/// One request to a workflow.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRequest {
    pub execution_id: ExecutionId,
    pub workflow_id: String,
    /// The workflow's owner: whose end-user tokens are valid.
    pub owner_id: UserId,
    /// The request body. `{"input": {…}}` alone is a seed client's wrapper and is unwrapped.
    pub input: Value,
    /// Header names in any case; the scope holds them lower-cased.
    pub headers: Vec<(String, String)>,
    pub query: Map<String, Value>,
    pub params: Map<String, Value>,
}

impl RunRequest {
    /// A request with a fresh execution id, no headers, query or params.
    pub fn new(workflow_id: impl Into<String>, owner_id: UserId, input: Value) -> Self {
        Self {
            execution_id: ExecutionId::generate(),
            workflow_id: workflow_id.into(),
            owner_id,
            input,
            headers: Vec::new(),
            query: Map::new(),
            params: Map::new(),
        }
    }
}

/// Why a run failed, as the HTTP layer renders it (it adds `requestId`).
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub code: ErrorCode,
    pub message: String,
    pub details: Option<Value>,
    /// The failing node's id and step name (absent when the run itself timed out between nodes).
    pub failed_step: Option<String>,
    pub failed_step_name: Option<String>,
}

/// How a run answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// A `response` node answered: sent exactly as the workflow defines it.
    Responded {
        status: u16,
        headers: Vec<(String, String)>,
        body: Value,
    },
    /// No response node was reached: 200 with a summary of the run's variables.
    Summary {
        steps_executed: usize,
        output: Map<String, Value>,
    },
    Failed(Failure),
}

/// The result of a run: its answer and its execution record.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub answer: Answer,
    pub execution: Execution,
}

impl Outcome {
    /// The HTTP status to answer with.
    pub fn status(&self) -> u16 {
        match &self.answer {
            Answer::Responded { status, .. } => *status,
            Answer::Summary { .. } => 200,
            Answer::Failed(f) => f.code.status(),
        }
    }

    /// Headers the workflow set (only a `response` node sets any).
    pub fn headers(&self) -> &[(String, String)] {
        match &self.answer {
            Answer::Responded { headers, .. } => headers,
            _ => &[],
        }
    }

    /// The JSON body: the response node's body, the summary, or the error body of API.md
    /// without `requestId`.
    pub fn body(&self) -> Value {
        let execution_id = self.execution.execution_id.as_str();
        match &self.answer {
            Answer::Responded { body, .. } => body.clone(),
            Answer::Summary {
                steps_executed,
                output,
            } => json!({
                "ok": true,
                "executionId": execution_id,
                "stepsExecuted": steps_executed,
                "output": output,
            }),
            Answer::Failed(f) => {
                let mut body = json!({
                    "error": f.message,
                    "code": f.code.as_str(),
                    "executionId": execution_id,
                    "failedStep": f.failed_step,
                    "failedStepName": f.failed_step_name,
                });
                if let (Some(d), Value::Object(o)) = (&f.details, &mut body) {
                    o.insert("details".into(), d.clone());
                }
                body
            }
        }
    }
}

/// Runs plans with its ports and limits. Cheap to share: hold it in an `Arc`.
#[derive(Clone)]
pub struct Engine {
    ports: Ports,
    limits: Limits,
    outbound: OutboundPolicy,
}

impl Engine {
    pub fn new(ports: Ports, limits: Limits) -> Self {
        Self {
            ports,
            limits,
            outbound: OutboundPolicy::default(),
        }
    }

    /// Lets `httpRequest` call hosts the address check would refuse.
    pub fn with_outbound_policy(mut self, policy: OutboundPolicy) -> Self {
        self.outbound = policy;
        self
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }
}
