//! The injection fixture on a REAL SQLite store (orchestrix-store), through a test-only
//! adapter from its owner-scoped handle to the engine's `TenantStore` port.

mod common;

use async_trait::async_trait;
use common::*;
use orchestrix_domain::{CollectionDef, CollectionName, UserId};
use orchestrix_engine::ports::{self, FindQuery, UpdateOptions, UpdateResult};
use orchestrix_engine::{Plan, RunRequest};
use orchestrix_store::{DocumentStore, FindOptions, SqliteStore, StoreError};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::Arc;

struct SqliteTenant {
    inner: orchestrix_store::TenantStore,
    schemas: HashMap<String, CollectionDef>,
}

fn port_error(e: StoreError) -> ports::StoreError {
    match e {
        StoreError::DuplicateKey { field } => ports::StoreError::DuplicateKey { field },
        StoreError::Unavailable(m) => ports::StoreError::Unavailable(m),
        StoreError::InvalidQuery(m) => ports::StoreError::InvalidQuery(m),
        StoreError::Internal(m) => ports::StoreError::Other(m),
    }
}

#[async_trait]
impl ports::TenantStore for SqliteTenant {
    async fn find(
        &self,
        c: &CollectionName,
        q: &FindQuery,
    ) -> Result<Vec<Value>, ports::StoreError> {
        let options = FindOptions {
            sort: q.sort.clone(),
            skip: q.skip.unwrap_or(0),
            limit: q.limit,
            projection: q.projection.clone(),
        };
        self.inner
            .find(c, &q.filter, options)
            .await
            .map_err(port_error)
    }
    async fn find_one(
        &self,
        c: &CollectionName,
        q: &FindQuery,
    ) -> Result<Option<Value>, ports::StoreError> {
        let q = FindQuery {
            limit: Some(1),
            ..q.clone()
        };
        Ok(self.find(c, &q).await?.into_iter().next())
    }
    async fn insert_one(
        &self,
        c: &CollectionName,
        d: Map<String, Value>,
    ) -> Result<Value, ports::StoreError> {
        self.inner
            .insert_one(c, Value::Object(d))
            .await
            .map_err(port_error)
    }
    async fn update(
        &self,
        c: &CollectionName,
        f: &Value,
        u: &Value,
        o: UpdateOptions,
    ) -> Result<UpdateResult, ports::StoreError> {
        if o.many {
            let r = self
                .inner
                .update_many(c, f, u, o.upsert)
                .await
                .map_err(port_error)?;
            Ok(UpdateResult::Many {
                matched: r.matched,
                modified: r.modified,
            })
        } else {
            Ok(UpdateResult::One(
                self.inner
                    .find_one_and_update(c, f, u, o.upsert)
                    .await
                    .map_err(port_error)?,
            ))
        }
    }
    async fn delete(
        &self,
        c: &CollectionName,
        f: &Value,
        many: bool,
    ) -> Result<u64, ports::StoreError> {
        let r = if many {
            self.inner.delete_many(c, f).await
        } else {
            self.inner.delete_one(c, f).await
        };
        r.map_err(port_error)
    }
    async fn schema(&self, c: &CollectionName) -> Result<Option<CollectionDef>, ports::StoreError> {
        Ok(self.schemas.get(c.as_str()).cloned())
    }
}

fn matches(expected: &Value, actual: Option<&Value>) -> bool {
    match expected {
        Value::String(s) if s == "$absent" => actual.is_none_or(Value::is_null),
        Value::String(s) if s == "$string" => actual.is_some_and(Value::is_string),
        Value::Object(o) => actual
            .and_then(Value::as_object)
            .is_some_and(|a| o.iter().all(|(k, v)| matches(v, a.get(k)))),
        Value::Array(items) => actual.and_then(Value::as_array).is_some_and(|a| {
            a.len() == items.len() && items.iter().zip(a).all(|(e, v)| matches(e, Some(v)))
        }),
        other => actual == Some(other),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injection_cases_return_no_rows_on_sqlite() {
    let dir = std::env::var("ORCHESTRIX_CONFORMANCE_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| {
            concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/conformance").into()
        });
    let Ok(text) = std::fs::read_to_string(dir.join("injection.json")) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "injection.json not found in {}",
            dir.display()
        );
        eprintln!("skipping: injection.json not found in {}", dir.display());
        return;
    };
    let file: Value = serde_json::from_str(&text).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let sqlite: Arc<dyn DocumentStore> =
        Arc::new(SqliteStore::open(&tmp.path().join("t.db")).await.unwrap());
    // Platform collections with data a workflow must never reach.
    sqlite
        .insert_one("users", json!({"email": "root@platform", "password": "x"}))
        .await
        .unwrap();
    sqlite
        .insert_one("sessions", json!({"sid": "s1"}))
        .await
        .unwrap();
    let owner = UserId::from_stored("owner_injection");
    let inner = orchestrix_store::TenantStore::new(sqlite.clone(), &owner);
    let mut schemas = HashMap::new();
    for def in file["collections"].as_array().unwrap() {
        let def: CollectionDef = serde_json::from_value(def.clone()).unwrap();
        for f in def.unique_fields() {
            inner.ensure_unique(&def.collection_name, f).await.unwrap();
        }
        schemas.insert(def.collection_name.as_str().to_owned(), def);
    }
    for (coll, docs) in file["data"].as_object().unwrap() {
        let name = CollectionName::parse(coll).unwrap();
        for d in docs.as_array().unwrap() {
            let mut d = d.clone();
            d["password"] = json!("$fake$hashed");
            inner.insert_one(&name, d).await.unwrap();
        }
    }
    let store = SqliteTenant { inner, schemas };
    let h = Harness::with_jwt(MemStore::default());
    let plans: HashMap<String, Plan> = file["workflows"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, w)| (k.clone(), plan(w.clone())))
        .collect();
    let mut failures = Vec::new();
    for case in file["cases"].as_array().unwrap() {
        let req = RunRequest::new("wf", owner.clone(), case["request"]["body"].clone());
        let o = h
            .engine
            .run(&plans[case["workflow"].as_str().unwrap()], req, &store)
            .await;
        let (status, body) = (o.status(), o.body());
        if case["expect"]["status"] != json!(status)
            || !matches(&case["expect"]["body"], Some(&body))
        {
            failures.push(format!("{}: got {status} {body}", case["name"]));
        }
        assert!(
            !body.to_string().contains("$fake$"),
            "a hash left the store: {body}"
        );
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
