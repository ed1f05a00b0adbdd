//! The run loop: nodes in plan order, branches, first response wins, limits.

use super::record::{Recorder, StepRef};
use super::{Answer, Engine, Failure, Outcome, RunRequest};
use crate::compile::{INPUT_SLOT, Plan, PlanNode};
use crate::nodes::secrets::{MASK, mask_keys_with};
use crate::nodes::{Flow, RunCx, SchemaCache};
use crate::ports::TenantStore;
use orchestrix_domain::{
    BranchHandle, ErrorCode, Execution, ExecutionError, ExecutionStatus, Problem,
};
use serde_json::{Map, Value, json};
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Pending,
    Ran,
    Skipped,
    /// Not run because the run had already ended.
    NotRun,
}

/// The request body as the scope's `input`: a seed client's `{"input": {…}}` is unwrapped.
fn input_of(body: Value) -> Value {
    match body {
        Value::Object(mut o) if o.len() == 1 && o.get("input").is_some_and(Value::is_object) => {
            o.remove("input").unwrap_or_default()
        }
        Value::Null => Value::Object(Map::new()),
        other => other,
    }
}

fn headers_of(headers: &[(String, String)]) -> Value {
    let mut out = Map::new();
    for (k, v) in headers {
        let k = k.to_ascii_lowercase();
        let joined = match out.get(&k).and_then(Value::as_str) {
            Some(prev) => format!("{prev}, {v}"),
            None => v.clone(),
        };
        out.insert(k, Value::String(joined));
    }
    Value::Object(out)
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

impl Engine {
    /// Runs a plan for one request against the owner's store. Must be polled inside a Tokio
    /// runtime with the time driver enabled (timeouts). Never panics on any input.
    pub async fn run(&self, plan: &Plan, request: RunRequest, store: &dyn TenantStore) -> Outcome {
        let started = Instant::now();
        let deadline = started + self.limits.run_timeout;
        let RunRequest {
            execution_id,
            workflow_id,
            owner_id,
            input,
            headers,
            query,
            params,
        } = request;
        let mut rec = Recorder::new(
            self.ports.events.as_ref(),
            self.ports.clock.as_ref(),
            &execution_id,
            &workflow_id,
        );
        let started_at = rec.now();
        rec.workflow_start(json!({"steps": plan.len()}));

        let mut slots = vec![Value::Null; plan.slot_names.len()];
        slots[INPUT_SLOT] = input_of(input);
        slots[1] = headers_of(&headers);
        slots[2] = Value::Object(query);
        slots[3] = Value::Object(params);
        let secret = |s: usize| plan.secret.get(s).copied().unwrap_or(false);
        let schemas = SchemaCache::default();
        let mut states = vec![State::Pending; plan.nodes.len()];
        let mut branches: Vec<Option<bool>> = vec![None; plan.nodes.len()];
        let mut answer: Option<Answer> = None;
        let mut executed = 0usize;

        for (pos, node) in plan.nodes.iter().enumerate() {
            let step = StepRef {
                index: pos,
                id: &node.id,
                kind: node.kind.as_str(),
                name: &node.label,
            };
            let edge_live = |&(src, branch): &(usize, Option<BranchHandle>)| {
                states[src] == State::Ran
                    && branch.is_none_or(|b| branches[src] == Some(b == BranchHandle::True))
            };
            let edge_unknown = |&(src, _): &(usize, Option<BranchHandle>)| {
                matches!(states[src], State::Pending | State::NotRun)
            };
            let live = node.incoming.is_empty() || node.incoming.iter().any(edge_live);
            if answer.is_some() {
                // The run has ended: only nodes already on a dead branch are logged as skipped.
                let dead = !node.incoming.is_empty()
                    && !node
                        .incoming
                        .iter()
                        .any(|e| edge_live(e) || edge_unknown(e));
                states[pos] = if dead { State::Skipped } else { State::NotRun };
                if dead {
                    rec.skipped(&step);
                }
                continue;
            }
            if !live {
                states[pos] = State::Skipped;
                rec.skipped(&step);
                continue;
            }
            rec.step_start(&step);
            executed += 1;
            let t0 = Instant::now();
            let result = self
                .run_node(node, &slots, deadline, &schemas, store, &owner_id)
                .await;
            let duration = ms(t0);
            let extra_masked = schemas.password_fields();
            let mut input_summary = node.step.summary_input(&slots, &secret);
            mask_keys_with(&mut input_summary, &extra_masked);
            match result {
                Ok(done) => {
                    let mut output = match done.summary {
                        Some(s) => s,
                        None => done.value.clone(),
                    };
                    mask_keys_with(&mut output, &extra_masked);
                    rec.complete(&step, duration, input_summary, output);
                    states[pos] = State::Ran;
                    if let Some(slot) = node.output {
                        slots[slot] = done.value;
                    }
                    for (slot, v) in done.extra {
                        slots[slot] = v;
                    }
                    match done.flow {
                        Flow::Next => {}
                        Flow::Branch(b) => branches[pos] = Some(b),
                        Flow::Respond {
                            status,
                            headers,
                            body,
                        } => {
                            answer = Some(Answer::Responded {
                                status,
                                headers,
                                body,
                            })
                        }
                    }
                }
                Err(problem) => {
                    tracing::debug!(node = %node.id, code = %problem.code, "workflow step failed");
                    rec.failed(&step, duration, input_summary, problem.message.clone());
                    states[pos] = State::Ran;
                    answer = Some(Answer::Failed(Failure {
                        code: problem.code,
                        message: problem.message,
                        details: problem.details,
                        failed_step: Some(node.id.clone()),
                        failed_step_name: Some(node.label.clone()),
                    }));
                    break;
                }
            }
        }

        let answer = answer.unwrap_or_else(|| {
            let mut output = Map::new();
            for (slot, name) in plan.slot_names.iter().enumerate().skip(4) {
                let v = &slots[slot];
                if v.is_null() {
                    continue;
                }
                let shown = if secret(slot) {
                    Value::String(MASK.into())
                } else {
                    v.clone()
                };
                output.insert(name.clone(), shown);
            }
            let mut output = Value::Object(output);
            mask_keys_with(&mut output, &schemas.password_fields());
            Answer::Summary {
                steps_executed: executed,
                output: match output {
                    Value::Object(o) => o,
                    _ => Map::new(),
                },
            }
        });
        let total = ms(started);
        let (status, error) = match &answer {
            Answer::Failed(f) => (
                ExecutionStatus::Failed,
                Some(ExecutionError {
                    code: f.code,
                    message: f.message.clone(),
                    details: f.details.clone(),
                    failed_step: f.failed_step.clone(),
                    failed_step_name: f.failed_step_name.clone(),
                }),
            ),
            _ => (ExecutionStatus::Succeeded, None),
        };
        rec.workflow_complete(json!({
            "status": status,
            "stepsExecuted": executed,
            "totalDurationMs": total,
        }));
        let finished_at = rec.now();
        let steps = std::mem::take(&mut rec.steps);
        drop(rec);
        let execution = Execution {
            execution_id,
            workflow_id,
            owner_id,
            status,
            started_at,
            finished_at: Some(finished_at),
            duration_ms: Some(total),
            steps,
            error,
        };
        Outcome { answer, execution }
    }

    /// Runs one node under the smaller of the node and run limits.
    async fn run_node(
        &self,
        node: &PlanNode,
        slots: &[Value],
        deadline: Instant,
        schemas: &SchemaCache,
        store: &dyn TenantStore,
        owner: &orchestrix_domain::UserId,
    ) -> Result<crate::nodes::Done, Problem> {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let run_limited = remaining < self.limits.node_timeout;
        let budget = remaining.min(self.limits.node_timeout);
        let cx = RunCx {
            ports: &self.ports,
            outbound: &self.outbound,
            store,
            owner,
            slots,
            schemas,
            budget,
        };
        match tokio::time::timeout(budget, node.step.run(&cx)).await {
            Ok(result) => result,
            Err(_) => {
                let message = if run_limited {
                    format!("the run took longer than {:?}", self.limits.run_timeout)
                } else {
                    format!(
                        "'{}' took longer than {:?}",
                        node.id, self.limits.node_timeout
                    )
                };
                Err(Problem::with_message(ErrorCode::Timeout, message))
            }
        }
    }
}
