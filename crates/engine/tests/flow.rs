//! Branches, joins, first response wins, limits, events and the execution record.

mod common;

use async_trait::async_trait;
use common::*;
use orchestrix_domain::{
    CollectionDef, CollectionName, ErrorCode, EventType, ExecutionStatus, StepStatus,
};
use orchestrix_engine::ports::*;
use orchestrix_engine::{Answer, Limits};
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

fn diamond() -> Value {
    json!({"nodes": [
      {"id": "in", "type": "input", "data": {"fields": {"variables": [{"name": "vip"}]}}},
      {"id": "check", "type": "condition", "data": {"fields": {"left": "{{vip}}", "op": "truthy"}}},
      {"id": "gold", "type": "jwtGenerate", "data": {"fields": {"payload": {"tier": "gold"}, "outputVar": "t"}}},
      {"id": "plain", "type": "jwtGenerate", "data": {"fields": {"payload": {"tier": "plain"}, "outputVar": "t"}}},
      {"id": "done", "type": "response", "data": {"fields": {"body": {"token": "{{t}}", "vip": "{{vip}}"}}}}
    ],
    "edges": [
      {"id": "1", "source": "in", "target": "check"},
      {"id": "2", "source": "check", "target": "gold", "sourceHandle": "true"},
      {"id": "3", "source": "check", "target": "plain", "sourceHandle": "false"},
      {"id": "4", "source": "gold", "target": "done"},
      {"id": "5", "source": "plain", "target": "done"}
    ]})
}

#[tokio::test]
async fn diamond_join_runs_once_after_either_branch() {
    for (vip, taken, skipped) in [(true, "gold", "plain"), (false, "plain", "gold")] {
        let h = Harness::new();
        let o = h.run(diamond(), json!({"vip": vip})).await;
        assert_eq!(o.status(), 200);
        assert!(o.body()["token"].as_str().unwrap().contains(taken));
        assert_eq!(o.body()["vip"], json!(vip));
        let steps = &o.execution.steps;
        let status = |id: &str| {
            steps
                .iter()
                .filter(|s| s.node_id == id)
                .map(|s| s.status)
                .collect::<Vec<_>>()
        };
        assert_eq!(status(taken), [StepStatus::Succeeded]);
        assert_eq!(status(skipped), [StepStatus::Skipped]);
        assert_eq!(
            status("done"),
            [StepStatus::Succeeded],
            "the join runs exactly once"
        );
        let events = h.events();
        let skip_event = events
            .iter()
            .find(|e| e.node_id.as_deref() == Some(skipped))
            .unwrap();
        assert_eq!(
            (skip_event.event_type, skip_event.status),
            (EventType::StepComplete, Some(StepStatus::Skipped))
        );
        assert!(
            !events
                .iter()
                .any(|e| e.node_id.as_deref() == Some(skipped)
                    && e.event_type == EventType::StepStart)
        );
    }
}

#[tokio::test]
async fn branch_not_taken_is_skipped_transitively_and_logged_after_a_response() {
    let wf = json!({"nodes": [
        {"id": "a", "type": "input", "variables": ["age"]},
        {"id": "b", "type": "condition", "left": "{{age}}", "op": "gte", "right": 18, "outputVar": "isAdult"},
        {"id": "c", "type": "response", "status": 200, "body": {"flag": "{{isAdult}}"}},
        {"id": "d", "type": "jwtGenerate", "payload": {}},
        {"id": "e", "type": "response", "status": 403, "body": {"flag": "{{isAdult}}", "t": "{{token}}"}}],
      "edges": [{"source": "a", "target": "b"}, {"source": "b", "target": "c", "sourceHandle": "true"},
                {"source": "b", "target": "d", "sourceHandle": "false"}, {"source": "d", "target": "e"}]});
    let h = Harness::new();
    let o = h.run(wf.clone(), json!({"age": 30})).await;
    assert_eq!((o.status(), o.body()), (200, json!({"flag": true})));
    let st: Vec<_> = o
        .execution
        .steps
        .iter()
        .map(|s| (s.node_id.as_str(), s.status))
        .collect();
    assert_eq!(
        st,
        [
            ("a", StepStatus::Succeeded),
            ("b", StepStatus::Succeeded),
            ("c", StepStatus::Succeeded),
            ("d", StepStatus::Skipped),
            ("e", StepStatus::Skipped)
        ]
    );
    let o = h.run(wf, json!({"age": 12})).await;
    assert_eq!(o.status(), 403);
    assert_eq!(o.body()["flag"], false);
}

#[tokio::test]
async fn first_response_wins() {
    let h = Harness::new();
    let wf = json!({"nodes": [
        {"id": "in", "type": "input", "variables": []},
        {"id": "r1", "type": "response", "status": 201, "body": {"who": "first"}},
        {"id": "r2", "type": "response", "status": 202, "body": {"who": "second"}},
        {"id": "after", "type": "dbInsert", "collection": "c", "document": {"x": 1}}],
      "edges": [{"source": "in", "target": "r1"}, {"source": "in", "target": "r2"}, {"source": "r1", "target": "after"}]});
    let o = h.run(wf, json!({})).await;
    assert_eq!((o.status(), o.body()), (201, json!({"who": "first"})));
    assert!(h.store.docs("c").is_empty());
    assert_eq!(o.execution.steps.len(), 2, "{:?}", o.execution.steps);
}

#[tokio::test]
async fn events_are_ordered_with_seq_and_match_the_record() {
    let h = Harness::new();
    let o = h
        .run(
            flat(json!([{"id": "s1", "type": "input", "variables": ["x"]}])),
            json!({"x": 1}),
        )
        .await;
    assert_eq!(
        o.body(),
        json!({"ok": true, "executionId": o.execution.execution_id.as_str(), "stepsExecuted": 1, "output": {"x": 1}})
    );
    let events = h.events();
    let kinds: Vec<_> = events.iter().map(|e| e.event_type).collect();
    assert_eq!(
        kinds,
        [
            EventType::WorkflowStart,
            EventType::StepStart,
            EventType::StepComplete,
            EventType::WorkflowComplete
        ]
    );
    assert!(events.iter().enumerate().all(|(i, e)| e.seq == i as u64
        && e.execution_id == o.execution.execution_id
        && e.workflow_id == "wf_test"));
    let last = events.last().unwrap().data.clone().unwrap();
    assert_eq!(
        (last["status"].clone(), last["stepsExecuted"].clone()),
        (json!("succeeded"), json!(1))
    );
    assert!(last["totalDurationMs"].is_number());
    assert_eq!(events[2].output, Some(json!({"x": 1})));
    assert_eq!(o.execution.status, ExecutionStatus::Succeeded);
    assert_eq!(o.execution.steps[0].output, json!({"x": 1}));
}

#[tokio::test]
async fn a_failure_ends_the_run_with_step_error() {
    let h = Harness::new();
    let o = h
        .run(
            flat(json!([
        {"id": "s1", "type": "input", "variables": [{"name": "x", "required": true}]},
        {"id": "s2", "type": "response", "body": {}}])),
            json!({}),
        )
        .await;
    let kinds: Vec<_> = h.events().iter().map(|e| e.event_type).collect();
    assert_eq!(
        kinds,
        [
            EventType::WorkflowStart,
            EventType::StepStart,
            EventType::StepError,
            EventType::WorkflowComplete
        ]
    );
    assert_eq!(o.execution.status, ExecutionStatus::Failed);
    let err = o.execution.error.clone().unwrap();
    assert_eq!(
        (err.code, err.failed_step.as_deref()),
        (ErrorCode::ValidationFailed, Some("s1"))
    );
    let body = o.body();
    assert_eq!(
        (
            body["code"].clone(),
            body["failedStep"].clone(),
            body["executionId"].clone()
        ),
        (
            json!("validation_failed"),
            json!("s1"),
            json!(o.execution.execution_id.as_str())
        )
    );
    assert!(body["error"].is_string() && body["details"]["x"].is_array());
}

/// A store whose reads never finish; records whether the in-flight call was dropped.
struct SlowStore {
    cancelled: Arc<AtomicBool>,
}

struct DropFlag(Arc<AtomicBool>);
impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[async_trait]
impl TenantStore for SlowStore {
    async fn find(&self, _: &CollectionName, _: &FindQuery) -> Result<Vec<Value>, StoreError> {
        let _flag = DropFlag(self.cancelled.clone());
        tokio::time::sleep(Duration::from_secs(3600)).await;
        Ok(vec![])
    }
    async fn find_one(
        &self,
        c: &CollectionName,
        q: &FindQuery,
    ) -> Result<Option<Value>, StoreError> {
        Ok(self.find(c, q).await?.pop())
    }
    async fn insert_one(
        &self,
        _: &CollectionName,
        d: Map<String, Value>,
    ) -> Result<Value, StoreError> {
        Ok(Value::Object(d))
    }
    async fn update(
        &self,
        _: &CollectionName,
        _: &Value,
        _: &Value,
        _: UpdateOptions,
    ) -> Result<UpdateResult, StoreError> {
        Ok(UpdateResult::One(None))
    }
    async fn delete(&self, _: &CollectionName, _: &Value, _: bool) -> Result<u64, StoreError> {
        Ok(0)
    }
    async fn schema(&self, _: &CollectionName) -> Result<Option<CollectionDef>, StoreError> {
        Ok(None)
    }
}

#[tokio::test]
async fn node_and_run_timeouts_cancel_the_port_call() {
    for (limits, needle) in [
        (
            Limits {
                node_timeout: Duration::from_millis(50),
                run_timeout: Duration::from_secs(30),
            },
            "'f' took longer",
        ),
        (
            Limits {
                node_timeout: Duration::from_secs(10),
                run_timeout: Duration::from_millis(50),
            },
            "the run took longer",
        ),
    ] {
        let h = Harness::with(
            MemStore::default(),
            FakeMailer::default(),
            FakeHttp::default(),
            limits,
        );
        let cancelled = Arc::new(AtomicBool::new(false));
        let store = SlowStore {
            cancelled: cancelled.clone(),
        };
        let p = plan(flat(
            json!([{"id": "f", "type": "dbFind", "collection": "c", "output": "x"}, {"id": "r", "type": "response", "body": "{{x}}"}]),
        ));
        let started = std::time::Instant::now();
        let o = h
            .engine
            .run(
                &p,
                orchestrix_engine::RunRequest::new(
                    "wf",
                    orchestrix_domain::UserId::from_stored("o"),
                    json!({}),
                ),
                &store,
            )
            .await;
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(o.status(), 504);
        let Answer::Failed(f) = &o.answer else {
            panic!()
        };
        assert!(f.message.contains(needle), "{}", f.message);
        assert_eq!(f.failed_step.as_deref(), Some("f"));
        assert!(
            cancelled.load(Ordering::SeqCst),
            "the in-flight store call was dropped"
        );
    }
}

#[test]
fn plans_and_run_futures_can_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<orchestrix_engine::Plan>();
    send_sync::<orchestrix_engine::Engine>();
    fn is_send<T: Send>(_: &T) {}
    let h = Harness::new();
    let p = plan(flat(json!([{"id": "r", "type": "response"}])));
    let fut = h.engine.run(
        &p,
        orchestrix_engine::RunRequest::new(
            "w",
            orchestrix_domain::UserId::from_stored("o"),
            json!({}),
        ),
        &h.store,
    );
    is_send(&fut);
}

#[tokio::test]
async fn headers_query_params_are_in_scope() {
    let h = Harness::new();
    let p = plan(flat(
        json!([{"id": "r", "type": "response", "body": {"c": "{{headers.x-client}}", "q": "{{query.page}}", "p": "{{params.slug}}"}}]),
    ));
    let mut req = orchestrix_engine::RunRequest::new(
        "w",
        orchestrix_domain::UserId::from_stored("o"),
        json!({}),
    );
    req.headers = vec![("X-Client".into(), "web".into())];
    req.query.insert("page".into(), json!("2"));
    req.params.insert("slug".into(), json!("s"));
    let o = h.engine.run(&p, req, &h.store).await;
    assert_eq!(o.body(), json!({"c": "web", "q": "2", "p": "s"}));
}
