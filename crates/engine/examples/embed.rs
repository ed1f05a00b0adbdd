//! Embedding the engine: a tiny program with its own in-memory ports.
//!
//! `cargo run --example embed -p orchestrix-engine`

use async_trait::async_trait;
use orchestrix_domain::{
    CollectionDef, CollectionName, Duration, ExecutionEvent, UserId, Workflow, WorkflowSource,
};
use orchestrix_engine::ports::*;
use orchestrix_engine::{CompileOptions, Engine, Limits, RunRequest, compile};
use serde_json::{Map, Value, json};
use std::sync::{Arc, Mutex};

/// One owner's collections in a map; only equality filters, enough for this demo.
#[derive(Default)]
struct MapStore(Mutex<Vec<(String, Value)>>);

fn matches(doc: &Value, filter: &Value) -> bool {
    filter.as_object().is_none_or(|f| {
        f.iter().all(|(k, v)| match v.get("$eq") {
            Some(lit) => doc.get(k) == Some(lit),
            None => doc.get(k) == Some(v),
        })
    })
}

#[async_trait]
impl TenantStore for MapStore {
    async fn find(&self, c: &CollectionName, q: &FindQuery) -> Result<Vec<Value>, StoreError> {
        let docs = self
            .0
            .lock()
            .map_err(|e| StoreError::Other(e.to_string()))?;
        Ok(docs
            .iter()
            .filter(|(name, d)| name == c.as_str() && matches(d, &q.filter))
            .map(|(_, d)| d.clone())
            .collect())
    }
    async fn find_one(
        &self,
        c: &CollectionName,
        q: &FindQuery,
    ) -> Result<Option<Value>, StoreError> {
        Ok(self.find(c, q).await?.into_iter().next())
    }
    async fn insert_one(
        &self,
        c: &CollectionName,
        mut doc: Map<String, Value>,
    ) -> Result<Value, StoreError> {
        let mut docs = self
            .0
            .lock()
            .map_err(|e| StoreError::Other(e.to_string()))?;
        doc.insert("_id".into(), json!(format!("{:024x}", docs.len() + 1)));
        docs.push((c.as_str().to_owned(), Value::Object(doc.clone())));
        Ok(Value::Object(doc))
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

struct NoMail;
#[async_trait]
impl Mailer for NoMail {
    async fn send(&self, _: &OutgoingEmail) -> Result<String, PortError> {
        Ok("not-sent".into())
    }
}

/// Not a real hash: an embedder plugs in bcrypt or argon2 here.
struct ToyPasswords;
#[async_trait]
impl Passwords for ToyPasswords {
    async fn hash(&self, plain: &str) -> Result<String, PortError> {
        Ok(format!("toy${}", plain.len()))
    }
    async fn verify(&self, plain: &str, hash: &str) -> Result<bool, PortError> {
        Ok(hash == format!("toy${}", plain.len()))
    }
}

/// Not a real signature: an embedder plugs in HS256 with a per-owner secret here.
struct ToyTokens;
#[async_trait]
impl Tokens for ToyTokens {
    async fn sign(
        &self,
        owner: &UserId,
        claims: &Map<String, Value>,
        exp: Duration,
    ) -> Result<String, PortError> {
        Ok(format!(
            "{owner}:{}:{}",
            exp.as_secs(),
            Value::Object(claims.clone())
        ))
    }
    async fn verify(&self, _: &UserId, _: &str) -> Result<Map<String, Value>, PortError> {
        Err(PortError::new("toy tokens cannot be verified"))
    }
}

struct NoHttp;
#[async_trait]
impl HttpClient for NoHttp {
    async fn send(&self, _: OutboundRequest) -> Result<InboundResponse, HttpError> {
        Err(HttpError::NoAnswer("this embedder has no network".into()))
    }
}

/// Prints each event as it happens.
struct PrintEvents;
impl EventSink for PrintEvents {
    fn emit(&self, e: &ExecutionEvent) {
        let what = e.node_id.as_deref().unwrap_or("workflow");
        println!("  event #{:<2} {:?} {what}", e.seq, e.event_type);
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let source: WorkflowSource = serde_json::from_value(json!({"steps": [
        {"id": "in", "type": "input", "variables": [{"name": "email", "required": true}, {"name": "password"}]},
        {"id": "check", "type": "inputValidation", "rules": [{"field": "{{email}}", "type": "email"}]},
        {"id": "save", "type": "dbInsert", "collection": "signups", "document": {"email": "{{email}}", "password": "{{password}}"}},
        {"id": "token", "type": "jwtGenerate", "payload": {"sub": "{{created._id}}"}, "expiresIn": "1h"},
        {"id": "reply", "type": "response", "status": 201, "body": {"id": "{{created._id}}", "token": "{{token}}", "stored": "{{created}}"}}
    ]}))?;
    let compiled = compile(&Workflow::normalize(&source)?, &CompileOptions::default());
    for d in &compiled.diagnostics {
        println!(
            "diagnostic: {:?} {} ({})",
            d.severity,
            d.code.as_str(),
            d.message
        );
    }
    let plan = compiled.plan.ok_or("the workflow has errors")?;

    let ports = Ports {
        mailer: Arc::new(NoMail),
        passwords: Arc::new(ToyPasswords),
        tokens: Arc::new(ToyTokens),
        clock: Arc::new(SystemClock),
        events: Arc::new(PrintEvents),
        http: Arc::new(NoHttp),
    };
    let engine = Engine::new(ports, Limits::default());
    let store = MapStore::default();
    let request = RunRequest::new(
        "demo",
        UserId::from_stored("owner-1"),
        json!({"email": "ada@example.com", "password": "analytical-engine"}),
    );
    let outcome = engine.run(&plan, request, &store).await;
    println!("HTTP {}", outcome.status());
    println!("{}", serde_json::to_string_pretty(&outcome.body())?);
    Ok(())
}
