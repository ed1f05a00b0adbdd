//! Every node type: how its fields compile, and what it does when it runs.

pub(crate) mod auth;
pub(crate) mod condition;
pub(crate) mod db;
pub(crate) mod email;
pub(crate) mod http;
pub(crate) mod input;
pub(crate) mod query;
pub(crate) mod response;
pub(crate) mod secrets;
pub(crate) mod validation;

use crate::compile::FieldCx;
use crate::ports::{Ports, TenantStore};
use crate::runtime::OutboundPolicy;
use crate::template::Tpl;
use orchestrix_domain::{CollectionDef, NodeConfig, Problem, UserId};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Mutex;

/// A node's configuration with its templates compiled.
#[derive(Debug, Clone)]
pub(crate) enum Step {
    Input(input::InputStep),
    Validate(validation::ValidateStep),
    Find(db::FindStep),
    Insert(db::InsertStep),
    Update(db::UpdateStep),
    Delete(db::DeleteStep),
    Auth(auth::AuthStep),
    Jwt(auth::JwtStep),
    Email(email::EmailStep),
    Login(auth::LoginStep),
    Condition(condition::ConditionStep),
    Http(http::HttpStep),
    Response(response::ResponseStep),
}

/// Whether the author named the node's output (`output` / `outputVar`).
pub(crate) fn explicit_output(config: &NodeConfig) -> bool {
    let name = match config {
        NodeConfig::Input(_) | NodeConfig::Response(_) => None,
        NodeConfig::InputValidation(c) => c.output.as_deref(),
        NodeConfig::DbFind(c) => c.output.as_deref(),
        NodeConfig::DbInsert(c) => c.output.as_deref(),
        NodeConfig::DbUpdate(c) => c.output.as_deref(),
        NodeConfig::DbDelete(c) => c.output.as_deref(),
        NodeConfig::AuthMiddleware(c) => c.output.as_deref(),
        NodeConfig::JwtGenerate(c) => c.output.as_deref(),
        NodeConfig::EmailSend(c) => c.output.as_deref(),
        NodeConfig::UserLogin(c) => c.output.as_deref(),
        NodeConfig::Condition(c) => c.output.as_deref(),
        NodeConfig::HttpRequest(c) => c.output.as_deref(),
    };
    name.is_some_and(|n| !n.trim().is_empty())
}

/// Compiles a node's configuration; `None` when something was reported as an error.
pub(crate) fn compile_step(config: &NodeConfig, cx: &mut FieldCx<'_>) -> Option<Step> {
    Some(match config {
        NodeConfig::Input(c) => Step::Input(input::InputStep::compile(c, cx)),
        NodeConfig::InputValidation(c) => Step::Validate(validation::ValidateStep::compile(c, cx)?),
        NodeConfig::DbFind(c) => Step::Find(db::FindStep::compile(c, cx)?),
        NodeConfig::DbInsert(c) => Step::Insert(db::InsertStep::compile(c, cx)?),
        NodeConfig::DbUpdate(c) => Step::Update(db::UpdateStep::compile(c, cx)?),
        NodeConfig::DbDelete(c) => Step::Delete(db::DeleteStep::compile(c, cx)?),
        NodeConfig::AuthMiddleware(_) => Step::Auth(auth::AuthStep),
        NodeConfig::JwtGenerate(c) => Step::Jwt(auth::JwtStep::compile(c, cx)?),
        NodeConfig::EmailSend(c) => Step::Email(email::EmailStep::compile(c, cx)?),
        NodeConfig::UserLogin(c) => Step::Login(auth::LoginStep::compile(c, cx)?),
        NodeConfig::Condition(c) => Step::Condition(condition::ConditionStep::compile(c, cx)?),
        NodeConfig::HttpRequest(c) => Step::Http(http::HttpStep::compile(c, cx)?),
        NodeConfig::Response(c) => Step::Response(response::ResponseStep::compile(c, cx)?),
    })
}

/// What a node hands back to the run loop.
#[derive(Debug)]
pub(crate) struct Done {
    /// Bound under the node's output name.
    pub value: Value,
    /// Further bindings (the input node's variables).
    pub extra: Vec<(usize, Value)>,
    /// What records and events show instead of `value`, when it must differ.
    pub summary: Option<Value>,
    pub flow: Flow,
}

impl Done {
    pub fn value(value: Value) -> Self {
        Self {
            value,
            extra: Vec::new(),
            summary: None,
            flow: Flow::Next,
        }
    }
}

#[derive(Debug)]
pub(crate) enum Flow {
    Next,
    Branch(bool),
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: Value,
    },
}

/// Collection schemas fetched during one run, so a collection is looked up once.
#[derive(Debug, Default)]
pub(crate) struct SchemaCache(Mutex<HashMap<String, Option<CollectionDef>>>);

impl SchemaCache {
    pub fn get(&self, name: &str) -> Option<Option<CollectionDef>> {
        self.0.lock().ok()?.get(name).cloned()
    }
    /// Fields typed `password` in any schema seen so far, masked in summaries by name.
    pub fn password_fields(&self) -> Vec<String> {
        let Ok(m) = self.0.lock() else {
            return Vec::new();
        };
        m.values()
            .flatten()
            .flat_map(|d| d.fields.iter())
            .filter(|(_, f)| f.field_type == orchestrix_domain::FieldType::Password)
            .map(|(n, _)| n.clone())
            .collect()
    }

    pub fn put(&self, name: &str, def: Option<CollectionDef>) {
        if let Ok(mut m) = self.0.lock() {
            m.insert(name.to_owned(), def);
        }
    }
}

/// What a running node can reach.
pub(crate) struct RunCx<'a> {
    pub ports: &'a Ports,
    pub outbound: &'a OutboundPolicy,
    pub store: &'a dyn TenantStore,
    pub owner: &'a UserId,
    pub slots: &'a [Value],
    pub schemas: &'a SchemaCache,
    /// Time left for this node (the smaller of the node and run limits).
    pub budget: std::time::Duration,
}

impl Step {
    pub async fn run(&self, cx: &RunCx<'_>) -> Result<Done, Problem> {
        match self {
            Self::Input(s) => s.run(cx),
            Self::Validate(s) => s.run(cx),
            Self::Find(s) => s.run(cx).await,
            Self::Insert(s) => s.run(cx).await,
            Self::Update(s) => s.run(cx).await,
            Self::Delete(s) => s.run(cx).await,
            Self::Auth(s) => s.run(cx).await,
            Self::Jwt(s) => s.run(cx).await,
            Self::Email(s) => s.run(cx).await,
            Self::Login(s) => s.run(cx).await,
            Self::Condition(s) => Ok(s.run(cx)),
            Self::Http(s) => s.run(cx).await,
            Self::Response(s) => s.run(cx),
        }
    }

    /// The node's fields as records and events show them: resolved, secrets masked.
    pub fn summary_input(&self, slots: &[Value], secret: &dyn Fn(usize) -> bool) -> Value {
        let fields: Vec<(&str, &dyn Summarize)> = match self {
            Self::Input(_) | Self::Auth(_) => return Value::Null,
            Self::Validate(s) => s.fields(),
            Self::Find(s) => s.fields(),
            Self::Insert(s) => s.fields(),
            Self::Update(s) => s.fields(),
            Self::Delete(s) => s.fields(),
            Self::Jwt(s) => s.fields(),
            Self::Email(s) => s.fields(),
            Self::Login(s) => s.fields(),
            Self::Condition(s) => s.fields(),
            Self::Http(s) => s.fields(),
            Self::Response(s) => s.fields(),
        };
        let mut out = Map::new();
        for (name, t) in fields {
            out.insert(name.to_owned(), t.summarize(slots, secret));
        }
        Value::Object(out)
    }
}

/// Something a summary can show: a compiled field, resolved with secrets masked.
pub(crate) trait Summarize {
    fn summarize(&self, slots: &[Value], secret: &dyn Fn(usize) -> bool) -> Value;
}

impl Summarize for Tpl {
    fn summarize(&self, slots: &[Value], secret: &dyn Fn(usize) -> bool) -> Value {
        self.resolve_masked(slots, secret)
    }
}

/// A 400 `validation_failed` naming one field.
pub(crate) fn invalid(field: &str, message: impl Into<String>) -> Problem {
    Problem::new(orchestrix_domain::ErrorCode::ValidationFailed)
        .details(serde_json::json!({ field: [message.into()] }))
}
