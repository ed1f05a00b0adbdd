//! Typed repositories for platform records. Thin: each maps a domain record to a document
//! in its platform collection and back. Tenant handles can never reach these collections.

use crate::{DocumentStore, FindOptions, StoreError};
use chrono::{DateTime, Utc};
use orchestrix_domain::{
    CollectionDef, CollectionName, Email, Execution, ExecutionEvent, ExecutionId, PublishedApi,
    Session, SessionId, User, UserId, WorkflowId, WorkflowRecord,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// The physical names of the platform collections.
pub mod collections {
    pub const USERS: &str = "users";
    pub const SESSIONS: &str = "sessions";
    pub const WORKFLOWS: &str = "workflows";
    pub const PUBLISHED_APIS: &str = "published_apis";
    pub const COLLECTION_DEFS: &str = "collection_defs";
    pub const EXECUTIONS: &str = "executions";
    pub const EXECUTION_EVENTS: &str = "execution_events";
    pub const MIGRATIONS: &str = "_migrations";
}
use collections as c;

/// A record as a document with `_id` first (the record's own fields follow).
fn to_doc<T: Serialize>(id: &str, record: &T) -> Result<Map<String, Value>, StoreError> {
    let Value::Object(fields) = serde_json::to_value(record).map_err(StoreError::internal)? else {
        return Err(StoreError::internal(
            "a record did not serialize to an object",
        ));
    };
    let mut doc = Map::with_capacity(fields.len() + 1);
    doc.insert("_id".into(), Value::String(id.to_owned()));
    doc.extend(fields);
    Ok(doc)
}

fn from_doc<T: DeserializeOwned>(mut doc: Value) -> Result<T, StoreError> {
    if let Value::Object(m) = &mut doc {
        m.shift_remove("_id");
    }
    serde_json::from_value(doc).map_err(|e| StoreError::Internal(format!("corrupt record: {e}")))
}

fn from_docs<T: DeserializeOwned>(docs: Vec<Value>) -> Result<Vec<T>, StoreError> {
    docs.into_iter().map(from_doc).collect()
}

/// Replaces (or creates) the document with this `_id`.
async fn upsert_by_id(
    store: &dyn DocumentStore,
    collection: &str,
    doc: Map<String, Value>,
) -> Result<(), StoreError> {
    let mut fields = doc;
    let id = fields.shift_remove("_id").unwrap_or(Value::Null);
    store
        .update_one(
            collection,
            &json!({"_id": id}),
            &json!({"$set": fields}),
            true,
        )
        .await?;
    Ok(())
}

/// Platform users. Emails are unique case-insensitively (`emailNormalized`).
#[derive(Clone)]
pub struct Users(Arc<dyn DocumentStore>);

impl Users {
    pub fn new(store: Arc<dyn DocumentStore>) -> Self {
        Self(store)
    }

    /// Stores a new user; `DuplicateKey { field: "email" }` when the email is taken.
    pub async fn create(&self, user: &User) -> Result<(), StoreError> {
        let mut doc = to_doc(user.id.as_str(), user)?;
        doc.insert(
            "emailNormalized".into(),
            Value::String(user.email.normalized()),
        );
        match self.0.insert_one(c::USERS, Value::Object(doc)).await {
            Err(StoreError::DuplicateKey { field }) if field == "emailNormalized" => {
                Err(StoreError::DuplicateKey {
                    field: "email".into(),
                })
            }
            other => other.map(|_| ()),
        }
    }

    pub async fn find_by_email(&self, email: &Email) -> Result<Option<User>, StoreError> {
        let filter = json!({"emailNormalized": {"$eq": email.normalized()}});
        self.0
            .find_one(c::USERS, &filter)
            .await?
            .map(from_doc)
            .transpose()
    }

    pub async fn find_by_id(&self, id: &UserId) -> Result<Option<User>, StoreError> {
        let filter = json!({"_id": {"$eq": id.as_str()}});
        self.0
            .find_one(c::USERS, &filter)
            .await?
            .map(from_doc)
            .transpose()
    }
}

/// Login sessions. Expired ones are removed by `delete_expired` (and the TTL index).
#[derive(Clone)]
pub struct Sessions(Arc<dyn DocumentStore>);

impl Sessions {
    pub fn new(store: Arc<dyn DocumentStore>) -> Self {
        Self(store)
    }

    pub async fn create(&self, session: &Session) -> Result<(), StoreError> {
        let doc = to_doc(session.id.as_str(), session)?;
        self.0
            .insert_one(c::SESSIONS, Value::Object(doc))
            .await
            .map(|_| ())
    }

    pub async fn get(&self, id: &SessionId) -> Result<Option<Session>, StoreError> {
        let filter = json!({"_id": {"$eq": id.as_str()}});
        self.0
            .find_one(c::SESSIONS, &filter)
            .await?
            .map(from_doc)
            .transpose()
    }

    /// Revokes one session; whether it existed.
    pub async fn delete(&self, id: &SessionId) -> Result<bool, StoreError> {
        let filter = json!({"_id": {"$eq": id.as_str()}});
        Ok(self.0.delete_one(c::SESSIONS, &filter).await? > 0)
    }

    pub async fn delete_all_for_user(&self, user: &UserId) -> Result<u64, StoreError> {
        let filter = json!({"userId": {"$eq": user.as_str()}});
        self.0.delete_many(c::SESSIONS, &filter).await
    }

    /// A user's sessions, newest first.
    pub async fn list_for_user(&self, user: &UserId) -> Result<Vec<Session>, StoreError> {
        let filter = json!({"userId": {"$eq": user.as_str()}});
        let docs = self
            .0
            .find(
                c::SESSIONS,
                &filter,
                FindOptions::sorted(json!({"createdAt": -1})),
            )
            .await?;
        from_docs(docs)
    }

    /// Removes sessions that expired at or before `now`; how many.
    pub async fn delete_expired(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut expired = 0;
        let docs = self
            .0
            .find(c::SESSIONS, &json!({}), FindOptions::default())
            .await?;
        for doc in docs {
            let Ok(session) = from_doc::<Session>(doc) else {
                continue;
            };
            if session.is_expired(now) {
                expired += self
                    .0
                    .delete_one(c::SESSIONS, &json!({"_id": {"$eq": session.id.as_str()}}))
                    .await?;
            }
        }
        Ok(expired)
    }
}

/// Saved workflows, keyed by their global workflow id.
#[derive(Clone)]
pub struct Workflows(Arc<dyn DocumentStore>);

impl Workflows {
    pub fn new(store: Arc<dyn DocumentStore>) -> Self {
        Self(store)
    }

    pub async fn upsert(&self, record: &WorkflowRecord) -> Result<(), StoreError> {
        let doc = to_doc(record.workflow_id.as_str(), record)?;
        upsert_by_id(&*self.0, c::WORKFLOWS, doc).await
    }

    /// Creates or replaces the record only if no other owner holds its id, in one store
    /// operation: with another owner's document in place the upsert's insert collides on
    /// `_id`, and this answers `Ok(false)` without touching it. Workflow ids are global, so
    /// this is what keeps two owners racing for one id from overwriting each other.
    pub async fn save_owned(&self, record: &WorkflowRecord) -> Result<bool, StoreError> {
        let mut fields = to_doc(record.workflow_id.as_str(), record)?;
        fields.shift_remove("_id");
        let filter = json!({"_id": {"$eq": record.workflow_id.as_str()}, "ownerId": {"$eq": record.owner_id.as_str()}});
        match self
            .0
            .update_one(c::WORKFLOWS, &filter, &json!({"$set": fields}), true)
            .await
        {
            Ok(_) => Ok(true),
            Err(StoreError::DuplicateKey { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub async fn get(&self, id: &WorkflowId) -> Result<Option<WorkflowRecord>, StoreError> {
        let filter = json!({"_id": {"$eq": id.as_str()}});
        self.0
            .find_one(c::WORKFLOWS, &filter)
            .await?
            .map(from_doc)
            .transpose()
    }

    /// An owner's workflows, most recently updated first.
    pub async fn list_for_owner(&self, owner: &UserId) -> Result<Vec<WorkflowRecord>, StoreError> {
        let filter = json!({"ownerId": {"$eq": owner.as_str()}});
        let docs = self
            .0
            .find(
                c::WORKFLOWS,
                &filter,
                FindOptions::sorted(json!({"updatedAt": -1})),
            )
            .await?;
        from_docs(docs)
    }

    pub async fn delete(&self, id: &WorkflowId) -> Result<bool, StoreError> {
        let filter = json!({"_id": {"$eq": id.as_str()}});
        Ok(self.0.delete_one(c::WORKFLOWS, &filter).await? > 0)
    }
}

/// Published APIs, one per workflow (`_id` is the workflow id).
#[derive(Clone)]
pub struct PublishedApis(Arc<dyn DocumentStore>);

impl PublishedApis {
    pub fn new(store: Arc<dyn DocumentStore>) -> Self {
        Self(store)
    }

    pub async fn upsert(&self, api: &PublishedApi) -> Result<(), StoreError> {
        let mut doc = to_doc(api.workflow_id.as_str(), api)?;
        doc.insert("apiPath".into(), Value::String(api.api_path()));
        upsert_by_id(&*self.0, c::PUBLISHED_APIS, doc).await
    }

    pub async fn get_by_workflow(
        &self,
        id: &WorkflowId,
    ) -> Result<Option<PublishedApi>, StoreError> {
        let filter = json!({"_id": {"$eq": id.as_str()}});
        self.0
            .find_one(c::PUBLISHED_APIS, &filter)
            .await?
            .map(strip_api_path)
            .map(from_doc)
            .transpose()
    }

    pub async fn delete_by_workflow(&self, id: &WorkflowId) -> Result<bool, StoreError> {
        let filter = json!({"_id": {"$eq": id.as_str()}});
        Ok(self.0.delete_one(c::PUBLISHED_APIS, &filter).await? > 0)
    }
}

fn strip_api_path(mut doc: Value) -> Value {
    if let Value::Object(m) = &mut doc {
        m.shift_remove("apiPath");
    }
    doc
}

/// Tenant collection definitions, unique per (owner, name).
#[derive(Clone)]
pub struct CollectionDefs(Arc<dyn DocumentStore>);

impl CollectionDefs {
    pub fn new(store: Arc<dyn DocumentStore>) -> Self {
        Self(store)
    }

    fn key(owner: &UserId, name: &CollectionName) -> Value {
        json!({"ownerId": {"$eq": owner.as_str()}, "collectionName": {"$eq": name.as_str()}})
    }

    /// Creates or replaces an owner's definition.
    pub async fn upsert(&self, owner: &UserId, def: &CollectionDef) -> Result<(), StoreError> {
        let fields = serde_json::to_value(def).map_err(StoreError::internal)?;
        let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        self.0
            .update_one(
                c::COLLECTION_DEFS,
                &Self::key(owner, &def.collection_name),
                &json!({"$set": {"fields": fields["fields"], "updatedAt": now}, "$setOnInsert": {"createdAt": now}}),
                true,
            )
            .await
            .map(|_| ())
    }

    pub async fn get(
        &self,
        owner: &UserId,
        name: &CollectionName,
    ) -> Result<Option<CollectionDef>, StoreError> {
        self.0
            .find_one(c::COLLECTION_DEFS, &Self::key(owner, name))
            .await?
            .map(def_from_doc)
            .transpose()
    }

    /// An owner's definitions in name order.
    pub async fn list_for_owner(&self, owner: &UserId) -> Result<Vec<CollectionDef>, StoreError> {
        let docs = self
            .0
            .find(
                c::COLLECTION_DEFS,
                &json!({"ownerId": {"$eq": owner.as_str()}}),
                FindOptions::sorted(json!({"collectionName": 1})),
            )
            .await?;
        docs.into_iter().map(def_from_doc).collect()
    }

    pub async fn delete(&self, owner: &UserId, name: &CollectionName) -> Result<bool, StoreError> {
        Ok(self
            .0
            .delete_one(c::COLLECTION_DEFS, &Self::key(owner, name))
            .await?
            > 0)
    }
}

fn def_from_doc(doc: Value) -> Result<CollectionDef, StoreError> {
    from_doc(json!({"collectionName": doc["collectionName"], "fields": doc["fields"]}))
}

/// Execution records (`_id` is the execution id).
#[derive(Clone)]
pub struct Executions(Arc<dyn DocumentStore>);

impl Executions {
    pub fn new(store: Arc<dyn DocumentStore>) -> Self {
        Self(store)
    }

    pub async fn insert(&self, execution: &Execution) -> Result<(), StoreError> {
        let doc = to_doc(execution.execution_id.as_str(), execution)?;
        self.0
            .insert_one(c::EXECUTIONS, Value::Object(doc))
            .await
            .map(|_| ())
    }

    /// Replaces the stored record with this one (status, steps, finish time …).
    pub async fn update(&self, execution: &Execution) -> Result<(), StoreError> {
        let doc = to_doc(execution.execution_id.as_str(), execution)?;
        upsert_by_id(&*self.0, c::EXECUTIONS, doc).await
    }

    pub async fn get(&self, id: &ExecutionId) -> Result<Option<Execution>, StoreError> {
        let filter = json!({"_id": {"$eq": id.as_str()}});
        self.0
            .find_one(c::EXECUTIONS, &filter)
            .await?
            .map(from_doc)
            .transpose()
    }

    /// A workflow's runs, newest first, at most `limit`.
    pub async fn list_for_workflow(
        &self,
        workflow_id: &str,
        limit: u64,
    ) -> Result<Vec<Execution>, StoreError> {
        let docs = self
            .0
            .find(
                c::EXECUTIONS,
                &json!({"workflowId": {"$eq": workflow_id}}),
                FindOptions::sorted(json!({"startedAt": -1})).with_limit(limit),
            )
            .await?;
        from_docs(docs)
    }
}

/// The live-log events of executions, in `seq` order; `(executionId, seq)` is unique.
#[derive(Clone)]
pub struct ExecutionEvents(Arc<dyn DocumentStore>);

impl ExecutionEvents {
    pub fn new(store: Arc<dyn DocumentStore>) -> Self {
        Self(store)
    }

    pub async fn append(&self, event: &ExecutionEvent) -> Result<(), StoreError> {
        let id = format!("{}:{:08}", event.execution_id, event.seq);
        let doc = to_doc(&id, event)?;
        self.0
            .insert_one(c::EXECUTION_EVENTS, Value::Object(doc))
            .await
            .map(|_| ())
    }

    pub async fn list_for_execution(
        &self,
        id: &ExecutionId,
    ) -> Result<Vec<ExecutionEvent>, StoreError> {
        let docs = self
            .0
            .find(
                c::EXECUTION_EVENTS,
                &json!({"executionId": {"$eq": id.as_str()}}),
                FindOptions::sorted(json!({"seq": 1})),
            )
            .await?;
        from_docs(docs)
    }
}
