//! Compile and run costs. `cargo bench -p orchestrix-engine --bench engine`

use async_trait::async_trait;
use criterion::{Criterion, criterion_group, criterion_main};
use orchestrix_domain::{
    CollectionDef, CollectionName, Duration, UserId, Workflow, WorkflowSource,
};
use orchestrix_engine::ports::*;
use orchestrix_engine::{CompileOptions, Engine, Limits, Plan, RunRequest, compile};
use serde_json::{Map, Value, json};
use std::hint::black_box;
use std::sync::Arc;

fn workflow(v: Value) -> Workflow {
    let source: WorkflowSource = serde_json::from_value(v).expect("json");
    Workflow::normalize(&source).expect("workflow")
}

fn twelve_nodes() -> Workflow {
    workflow(json!({"nodes": [
      {"id": "in", "type": "input", "data": {"fields": {"variables": [{"name": "email", "required": true}, {"name": "password"}, {"name": "name"}]}}},
      {"id": "check", "type": "inputValidation", "data": {"fields": {"rules": [{"field": "{{email}}", "type": "email", "required": true}, {"field": "{{password}}", "minLength": 8}, {"field": "name", "pattern": "^[A-Za-z ]+$"}]}}},
      {"id": "find", "type": "dbFind", "data": {"fields": {"collection": "users", "filters": {"email": "{{email}}"}, "outputVar": "existing"}}},
      {"id": "exists", "type": "condition", "data": {"fields": {"left": "{{existing}}", "op": "exists"}}},
      {"id": "conflict", "type": "response", "data": {"fields": {"status": 409, "body": {"error": "taken"}}}},
      {"id": "insert", "type": "dbInsert", "data": {"fields": {"collection": "users", "document": {"email": "{{email}}", "password": "{{password}}", "name": "{{name}}"}}}},
      {"id": "count", "type": "dbUpdate", "data": {"fields": {"collection": "stats", "filter": {"k": "signups"}, "update": {"$inc": {"n": 1}}, "upsert": true}}},
      {"id": "token", "type": "jwtGenerate", "data": {"fields": {"payload": {"sub": "{{created._id}}", "email": "{{created.email}}"}, "expiresIn": "1h"}}},
      {"id": "mail", "type": "emailSend", "data": {"fields": {"to": "{{email}}", "subject": "Welcome {{name}}", "body": "Hi {{name}}, your id is {{created._id}}"}}},
      {"id": "hook", "type": "httpRequest", "data": {"fields": {"method": "POST", "url": "https://hooks.example.com/signup", "body": {"id": "{{created._id}}"}}}},
      {"id": "audit", "type": "dbInsert", "data": {"fields": {"collection": "audit", "document": {"event": "signup", "user": "{{created._id}}", "status": "{{response.status}}"}, "outputVar": "auditRow"}}},
      {"id": "done", "type": "response", "data": {"fields": {"status": 201, "body": {"token": "{{token}}", "user": {"id": "{{created._id}}", "name": "{{created.name}}"}, "audit": "{{auditRow._id}}"}}}}
    ],
    "edges": [
      {"id": "1", "source": "in", "target": "check"}, {"id": "2", "source": "check", "target": "find"},
      {"id": "3", "source": "find", "target": "exists"}, {"id": "4", "source": "exists", "target": "conflict", "sourceHandle": "true"},
      {"id": "5", "source": "exists", "target": "insert", "sourceHandle": "false"}, {"id": "6", "source": "insert", "target": "count"},
      {"id": "7", "source": "count", "target": "token"}, {"id": "8", "source": "token", "target": "mail"},
      {"id": "9", "source": "mail", "target": "hook"}, {"id": "10", "source": "hook", "target": "audit"},
      {"id": "11", "source": "audit", "target": "done"}
    ]}))
}

fn four_nodes() -> Plan {
    let wf = workflow(json!({"steps": [
        {"id": "in", "type": "input", "variables": [{"name": "email", "required": true}, {"name": "name"}]},
        {"id": "check", "type": "inputValidation", "rules": [{"field": "{{email}}", "type": "email", "required": true}, {"field": "{{name}}", "minLength": 2}]},
        {"id": "token", "type": "jwtGenerate", "payload": {"email": "{{email}}", "name": "{{name}}"}, "expiresIn": "1h"},
        {"id": "out", "type": "response", "status": 200, "body": {"token": "{{token}}", "email": "{{email}}"}}
    ]}));
    compile(&wf, &CompileOptions::default()).plan.expect("plan")
}

struct NoStore;
#[async_trait]
impl TenantStore for NoStore {
    async fn find(&self, _: &CollectionName, _: &FindQuery) -> Result<Vec<Value>, StoreError> {
        Ok(vec![])
    }
    async fn find_one(
        &self,
        _: &CollectionName,
        _: &FindQuery,
    ) -> Result<Option<Value>, StoreError> {
        Ok(None)
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

struct Idle;
#[async_trait]
impl Mailer for Idle {
    async fn send(&self, _: &OutgoingEmail) -> Result<String, PortError> {
        Ok("m".into())
    }
}
#[async_trait]
impl Passwords for Idle {
    async fn hash(&self, p: &str) -> Result<String, PortError> {
        Ok(p.to_owned())
    }
    async fn verify(&self, a: &str, b: &str) -> Result<bool, PortError> {
        Ok(a == b)
    }
}
#[async_trait]
impl HttpClient for Idle {
    async fn send(&self, _: OutboundRequest) -> Result<InboundResponse, HttpError> {
        Err(HttpError::NoAnswer("none".into()))
    }
}

/// Signs nothing: isolates the engine's own cost.
struct ConstTokens;
#[async_trait]
impl Tokens for ConstTokens {
    async fn sign(
        &self,
        _: &UserId,
        _: &Map<String, Value>,
        _: Duration,
    ) -> Result<String, PortError> {
        Ok("a.b.c".into())
    }
    async fn verify(&self, _: &UserId, _: &str) -> Result<Map<String, Value>, PortError> {
        Ok(Map::new())
    }
}

/// Real HS256 with a per-owner key.
struct Hs256;
fn hs256(owner: &UserId, claims: &Map<String, Value>, exp: Duration) -> String {
    let mut c = claims.clone();
    c.insert(
        "exp".into(),
        json!(chrono::Utc::now().timestamp() + exp.as_secs() as i64),
    );
    let key = jsonwebtoken::EncodingKey::from_secret(format!("server-secret/{owner}").as_bytes());
    jsonwebtoken::encode(&jsonwebtoken::Header::default(), &c, &key).unwrap_or_default()
}
#[async_trait]
impl Tokens for Hs256 {
    async fn sign(
        &self,
        owner: &UserId,
        claims: &Map<String, Value>,
        exp: Duration,
    ) -> Result<String, PortError> {
        Ok(hs256(owner, claims, exp))
    }
    async fn verify(&self, _: &UserId, _: &str) -> Result<Map<String, Value>, PortError> {
        Err(PortError::new("unused"))
    }
}

fn engine(tokens: Arc<dyn Tokens>) -> Engine {
    Engine::new(
        Ports {
            mailer: Arc::new(Idle),
            passwords: Arc::new(Idle),
            tokens,
            clock: Arc::new(SystemClock),
            events: Arc::new(NoEvents),
            http: Arc::new(Idle),
        },
        Limits::default(),
    )
}

fn benches(c: &mut Criterion) {
    let wf = twelve_nodes();
    let options = CompileOptions::default();
    assert!(compile(&wf, &options).plan.is_some());
    c.bench_function("compile 12-node workflow", |b| {
        b.iter(|| compile(black_box(&wf), &options))
    });

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let plan = four_nodes();
    let owner = UserId::from_stored("owner-1");
    let request = || {
        RunRequest::new(
            "wf",
            owner.clone(),
            json!({"email": "ada@example.com", "name": "Ada"}),
        )
    };
    for (name, tokens) in [
        (
            "run 4 nodes, signing stubbed",
            Arc::new(ConstTokens) as Arc<dyn Tokens>,
        ),
        ("run 4 nodes, real HS256", Arc::new(Hs256)),
    ] {
        let e = engine(tokens);
        assert_eq!(rt.block_on(e.run(&plan, request(), &NoStore)).status(), 200);
        c.bench_function(name, |b| {
            b.iter(|| rt.block_on(e.run(&plan, request(), &NoStore)))
        });
    }
    let one = compile(
        &workflow(json!({"steps": [{"id": "out", "type": "response", "body": {"ok": true}}]})),
        &CompileOptions::default(),
    )
    .plan
    .expect("plan");
    let e = engine(Arc::new(ConstTokens));
    c.bench_function("run 1 node (response only)", |b| {
        b.iter(|| rt.block_on(e.run(&one, request(), &NoStore)))
    });
    let claims: Map<String, Value> = json!({"email": "ada@example.com", "name": "Ada"})
        .as_object()
        .cloned()
        .unwrap_or_default();
    let hour = Duration::from_secs(3600).expect("duration");
    c.bench_function("HS256 signing alone", |b| {
        b.iter(|| hs256(&owner, black_box(&claims), hour))
    });
}

criterion_group!(engine_benches, benches);
criterion_main!(engine_benches);
