//! In-memory ports for the engine's tests.
#![allow(dead_code)]

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use orchestrix_domain::{
    CollectionDef, CollectionName, Duration, ExecutionEvent, UserId, Workflow, WorkflowSource,
};
use orchestrix_engine::ports::*;
use orchestrix_engine::{
    CompileOptions, Engine, Limits, OutboundPolicy, Outcome, Plan, RunRequest, compile,
};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

pub fn workflow(v: Value) -> Workflow {
    let source: WorkflowSource = serde_json::from_value(v).expect("workflow json");
    Workflow::normalize(&source).expect("normalise")
}

pub fn plan(v: Value) -> Plan {
    let compiled = compile(&workflow(v), &CompileOptions::default());
    match compiled.plan {
        Some(p) => p,
        None => panic!("compile errors: {:#?}", compiled.diagnostics),
    }
}

/// An in-memory owner-scoped store with a small MongoDB-style evaluator.
#[derive(Default)]
pub struct MemStore {
    pub data: Mutex<HashMap<String, Vec<Value>>>,
    pub schemas: Mutex<HashMap<String, CollectionDef>>,
    pub unique: Mutex<Vec<(String, String)>>,
    pub next: AtomicUsize,
    /// Every filter the engine sent, to check literal binding.
    pub filters: Mutex<Vec<Value>>,
}

impl MemStore {
    pub fn with_schema(self, def: Value) -> Self {
        let def: CollectionDef = serde_json::from_value(def).expect("schema");
        let name = def.collection_name.as_str().to_owned();
        for f in def.unique_fields() {
            self.unique
                .lock()
                .unwrap()
                .push((name.clone(), f.to_owned()));
        }
        self.schemas.lock().unwrap().insert(name, def);
        self
    }
    pub fn put(&self, collection: &str, doc: Value) {
        self.data
            .lock()
            .unwrap()
            .entry(collection.into())
            .or_default()
            .push(doc);
    }
    pub fn docs(&self, collection: &str) -> Vec<Value> {
        self.data
            .lock()
            .unwrap()
            .get(collection)
            .cloned()
            .unwrap_or_default()
    }
}

fn num(v: &Value) -> Option<f64> {
    v.as_f64()
}

fn eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(_), Value::Number(_)) => num(a) == num(b),
        _ => a == b,
    }
}

fn field_eq(field: Option<&Value>, v: &Value) -> bool {
    match field {
        None | Some(Value::Null) => v.is_null(),
        Some(Value::Array(items)) if !v.is_array() => items.iter().any(|i| eq(i, v)),
        Some(f) => eq(f, v),
    }
}

fn cmp(field: Option<&Value>, v: &Value) -> Option<std::cmp::Ordering> {
    match (field?, v) {
        (a @ Value::Number(_), b @ Value::Number(_)) => num(a)?.partial_cmp(&num(b)?),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

pub fn matches(doc: &Value, filter: &Value) -> Result<bool, StoreError> {
    let Value::Object(f) = filter else {
        return Err(StoreError::InvalidQuery("filter must be an object".into()));
    };
    for (k, cond) in f {
        let ok = match k.as_str() {
            "$and" | "$or" | "$nor" => {
                let list = cond
                    .as_array()
                    .ok_or_else(|| StoreError::InvalidQuery(k.clone()))?;
                let r: Result<Vec<bool>, _> = list.iter().map(|q| matches(doc, q)).collect();
                let r = r?;
                match k.as_str() {
                    "$and" => r.iter().all(|b| *b),
                    "$or" => r.iter().any(|b| *b),
                    _ => !r.iter().any(|b| *b),
                }
            }
            op if op.starts_with('$') => {
                return Err(StoreError::InvalidQuery(format!("unsupported {op}")));
            }
            field => {
                let value = doc.get(field);
                match cond {
                    Value::Object(o) if !o.is_empty() && o.keys().all(|k| k.starts_with('$')) => {
                        let mut all = true;
                        for (op, operand) in o {
                            all &= match op.as_str() {
                                "$eq" => field_eq(value, operand),
                                "$ne" => !field_eq(value, operand),
                                "$gt" => cmp(value, operand) == Some(std::cmp::Ordering::Greater),
                                "$gte" => matches!(
                                    cmp(value, operand),
                                    Some(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)
                                ),
                                "$lt" => cmp(value, operand) == Some(std::cmp::Ordering::Less),
                                "$lte" => matches!(
                                    cmp(value, operand),
                                    Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)
                                ),
                                "$in" => operand
                                    .as_array()
                                    .is_some_and(|a| a.iter().any(|x| field_eq(value, x))),
                                "$exists" => value.is_some() == operand.as_bool().unwrap_or(true),
                                other => {
                                    return Err(StoreError::InvalidQuery(format!(
                                        "unsupported {other}"
                                    )));
                                }
                            };
                        }
                        all
                    }
                    v => field_eq(value, v),
                }
            }
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

fn apply(doc: &mut Value, update: &Value) {
    let (Value::Object(d), Value::Object(u)) = (doc, update) else {
        return;
    };
    for (op, fields) in u {
        let Value::Object(fields) = fields else {
            continue;
        };
        for (k, v) in fields {
            match op.as_str() {
                "$set" => {
                    d.insert(k.clone(), v.clone());
                }
                "$unset" => {
                    d.remove(k);
                }
                "$inc" => {
                    let cur = d.get(k).and_then(Value::as_f64).unwrap_or(0.0);
                    let add = v.as_f64().unwrap_or(0.0);
                    d.insert(k.clone(), json!(cur + add));
                }
                "$push" => {
                    if let Some(Value::Array(a)) = d.get_mut(k) {
                        a.push(v.clone());
                    } else {
                        d.insert(k.clone(), json!([v]));
                    }
                }
                _ => {}
            }
        }
    }
}

#[async_trait]
impl TenantStore for MemStore {
    async fn find(&self, c: &CollectionName, q: &FindQuery) -> Result<Vec<Value>, StoreError> {
        self.filters.lock().unwrap().push(q.filter.clone());
        let mut out = Vec::new();
        for d in self.docs(c.as_str()) {
            if matches(&d, &q.filter)? {
                out.push(d);
            }
        }
        if let Some(Value::Object(sort)) = &q.sort
            && let Some((k, dir)) = sort.iter().next()
        {
            out.sort_by(|a, b| {
                let o = cmp(a.get(k), b.get(k).unwrap_or(&Value::Null))
                    .unwrap_or(std::cmp::Ordering::Equal);
                if dir.as_i64() == Some(-1) {
                    o.reverse()
                } else {
                    o
                }
            });
        }
        let skip = q.skip.unwrap_or(0) as usize;
        let limit = q.limit.map_or(usize::MAX, |l| l as usize);
        Ok(out.into_iter().skip(skip).take(limit).collect())
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
        for (coll, field) in self.unique.lock().unwrap().iter() {
            if coll == c.as_str()
                && let Some(v) = doc.get(field)
                && self.docs(coll).iter().any(|d| d.get(field) == Some(v))
            {
                return Err(StoreError::DuplicateKey {
                    field: field.clone(),
                });
            }
        }
        let id = format!("{:024x}", self.next.fetch_add(1, Ordering::SeqCst) + 1);
        doc.insert("_id".into(), Value::String(id));
        let v = Value::Object(doc);
        self.put(c.as_str(), v.clone());
        Ok(v)
    }
    async fn update(
        &self,
        c: &CollectionName,
        filter: &Value,
        update: &Value,
        o: UpdateOptions,
    ) -> Result<UpdateResult, StoreError> {
        self.filters.lock().unwrap().push(filter.clone());
        let mut data = self.data.lock().unwrap();
        let docs = data.entry(c.as_str().into()).or_default();
        let mut matched = 0;
        let mut last = None;
        for d in docs.iter_mut() {
            if matches(d, filter)? {
                matched += 1;
                apply(d, update);
                last = Some(d.clone());
                if !o.many {
                    break;
                }
            }
        }
        if o.many {
            Ok(UpdateResult::Many {
                matched,
                modified: matched,
            })
        } else {
            Ok(UpdateResult::One(last))
        }
    }
    async fn delete(
        &self,
        c: &CollectionName,
        filter: &Value,
        many: bool,
    ) -> Result<u64, StoreError> {
        self.filters.lock().unwrap().push(filter.clone());
        let mut data = self.data.lock().unwrap();
        let docs = data.entry(c.as_str().into()).or_default();
        let mut n = 0;
        let mut keep = Vec::new();
        for d in docs.drain(..) {
            if (many || n == 0) && matches(&d, filter)? {
                n += 1;
            } else {
                keep.push(d);
            }
        }
        *docs = keep;
        Ok(n)
    }
    async fn schema(&self, c: &CollectionName) -> Result<Option<CollectionDef>, StoreError> {
        Ok(self.schemas.lock().unwrap().get(c.as_str()).cloned())
    }
}

#[derive(Default)]
pub struct FakeMailer {
    pub sent: Mutex<Vec<OutgoingEmail>>,
    pub fail: bool,
}

#[async_trait]
impl Mailer for FakeMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<String, PortError> {
        if self.fail {
            return Err(PortError::new("smtp down"));
        }
        self.sent.lock().unwrap().push(email.clone());
        Ok(format!("msg-{}", self.sent.lock().unwrap().len()))
    }
}

/// "Hashes" by prefixing: visible in tests, never equal to the plain text.
pub struct FakePasswords;

#[async_trait]
impl Passwords for FakePasswords {
    async fn hash(&self, plain: &str) -> Result<String, PortError> {
        Ok(format!("$fake${}", plain.chars().rev().collect::<String>()))
    }
    async fn verify(&self, plain: &str, hash: &str) -> Result<bool, PortError> {
        Ok(self.hash(plain).await? == hash)
    }
}

/// Tokens as `<owner>.<claims json>`; verification checks the owner.
pub struct FakeTokens;

#[async_trait]
impl Tokens for FakeTokens {
    async fn sign(
        &self,
        owner: &UserId,
        claims: &Map<String, Value>,
        exp: Duration,
    ) -> Result<String, PortError> {
        let mut c = claims.clone();
        c.insert("exp".into(), json!(exp.as_secs()));
        Ok(format!("{}|{}", owner.as_str(), Value::Object(c)))
    }
    async fn verify(&self, owner: &UserId, token: &str) -> Result<Map<String, Value>, PortError> {
        let (o, claims) = token
            .split_once('|')
            .ok_or_else(|| PortError::new("malformed"))?;
        if o != owner.as_str() {
            return Err(PortError::new("wrong owner"));
        }
        match serde_json::from_str(claims) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(PortError::new("malformed")),
        }
    }
}

pub struct FixedClock;

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
            .single()
            .expect("date")
    }
}

#[derive(Default)]
pub struct Events(pub Mutex<Vec<ExecutionEvent>>);

impl EventSink for Events {
    fn emit(&self, event: &ExecutionEvent) {
        self.0.lock().unwrap().push(event.clone());
    }
}

#[derive(Default)]
pub struct FakeHttp {
    pub requests: Mutex<Vec<OutboundRequest>>,
    pub delay: Option<std::time::Duration>,
    pub fail: bool,
}

#[async_trait]
impl HttpClient for FakeHttp {
    async fn send(&self, request: OutboundRequest) -> Result<InboundResponse, HttpError> {
        self.requests.lock().unwrap().push(request.clone());
        if let Some(d) = self.delay {
            tokio::time::sleep(d).await;
        }
        if self.fail {
            return Err(HttpError::NoAnswer("connection refused".into()));
        }
        Ok(InboundResponse {
            status: 201,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: serde_json::to_vec(&json!({"echo": request.body, "url": request.url}))
                .unwrap_or_default(),
        })
    }
}

pub struct Harness {
    pub engine: Engine,
    pub events: Arc<Events>,
    pub mailer: Arc<FakeMailer>,
    pub http: Arc<FakeHttp>,
    pub store: MemStore,
}

impl Harness {
    pub fn new() -> Self {
        Self::with(
            MemStore::default(),
            FakeMailer::default(),
            FakeHttp::default(),
            Limits::default(),
        )
    }

    pub fn with(store: MemStore, mailer: FakeMailer, http: FakeHttp, limits: Limits) -> Self {
        let events = Arc::new(Events::default());
        let mailer = Arc::new(mailer);
        let http = Arc::new(http);
        let ports = Ports {
            mailer: mailer.clone(),
            passwords: Arc::new(FakePasswords),
            tokens: Arc::new(FakeTokens),
            clock: Arc::new(FixedClock),
            events: events.clone(),
            http: http.clone(),
        };
        let engine = Engine::new(ports, limits)
            .with_outbound_policy(OutboundPolicy::allowing(["127.0.0.1"]));
        Self {
            engine,
            events,
            mailer,
            http,
            store,
        }
    }

    pub async fn run(&self, wf: Value, input: Value) -> Outcome {
        self.run_with(&plan(wf), input, vec![]).await
    }

    pub async fn run_with(
        &self,
        plan: &Plan,
        input: Value,
        headers: Vec<(String, String)>,
    ) -> Outcome {
        let mut req = RunRequest::new("wf_test", UserId::from_stored("owner_a"), input);
        req.headers = headers;
        self.engine.run(plan, req, &self.store).await
    }

    pub fn events(&self) -> Vec<ExecutionEvent> {
        self.events.0.lock().unwrap().clone()
    }
}

/// A flat workflow from steps.
pub fn flat(steps: Value) -> Value {
    json!({ "steps": steps })
}

/// Real HS256 tokens with a secret per owner, as the server's adapter signs them.
pub struct JwtTokens;

fn owner_key(owner: &str) -> Vec<u8> {
    format!("server-secret/{owner}").into_bytes()
}

pub fn sign_hs256(secret: &[u8], claims: &Map<String, Value>) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .expect("sign")
}

pub fn platform_token() -> String {
    let mut claims = Map::new();
    claims.insert("sub".into(), json!("platform-user"));
    claims.insert("exp".into(), json!(chrono::Utc::now().timestamp() + 3600));
    sign_hs256(b"platform-secret", &claims)
}

#[async_trait]
impl Tokens for JwtTokens {
    async fn sign(
        &self,
        owner: &UserId,
        claims: &Map<String, Value>,
        exp: Duration,
    ) -> Result<String, PortError> {
        let mut c = claims.clone();
        c.insert(
            "exp".into(),
            json!(chrono::Utc::now().timestamp() + exp.as_secs() as i64),
        );
        Ok(sign_hs256(&owner_key(owner.as_str()), &c))
    }
    async fn verify(&self, owner: &UserId, token: &str) -> Result<Map<String, Value>, PortError> {
        let key = jsonwebtoken::DecodingKey::from_secret(&owner_key(owner.as_str()));
        jsonwebtoken::decode::<Map<String, Value>>(
            token,
            &key,
            &jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256),
        )
        .map(|d| d.claims)
        .map_err(|e| PortError::new(e.to_string()))
    }
}

impl Harness {
    /// The same harness with real per-owner JWTs.
    pub fn with_jwt(store: MemStore) -> Self {
        let mut h = Self::with(
            store,
            FakeMailer::default(),
            FakeHttp::default(),
            Limits::default(),
        );
        let ports = Ports {
            mailer: h.mailer.clone(),
            passwords: Arc::new(FakePasswords),
            tokens: Arc::new(JwtTokens),
            clock: Arc::new(FixedClock),
            events: h.events.clone(),
            http: h.http.clone(),
        };
        h.engine = Engine::new(ports, Limits::default());
        h
    }
}
