//! The engine's ports: everything it needs from the world, as traits the embedder implements.
//!
//! Every trait is object safe and `Send + Sync`; the engine holds them as `Arc<dyn …>`.
//! Ports that may wait on I/O are async. [`Clock`] and [`EventSink`] are plain functions:
//! they are called on every step and must never block (an event sink that persists events
//! should queue them).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use orchestrix_domain::{CollectionDef, CollectionName, Duration, ExecutionEvent, UserId};
use serde_json::{Map, Value};
use std::sync::Arc;

/// Why a tenant-store operation failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StoreError {
    /// A unique field already holds this value.
    #[error("a unique field already holds this value: {field}")]
    DuplicateKey { field: String },
    /// The filter, sort, projection or update uses something the store does not support.
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    /// The document breaks the collection's schema; `details` maps fields to messages.
    #[error("the document does not match the collection's schema")]
    Validation { details: Value },
    /// The store does not answer.
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
    #[error("{0}")]
    Other(String),
}

/// A read: filter, then sort, skip, limit and projection (all optional).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FindQuery {
    pub filter: Value,
    pub sort: Option<Value>,
    pub skip: Option<u64>,
    pub limit: Option<u64>,
    pub projection: Option<Value>,
}

/// What an update touches and whether it may create.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpdateOptions {
    pub many: bool,
    pub upsert: bool,
}

/// The answer of an update: the document after it (one), or counts (many).
#[derive(Debug, Clone, PartialEq)]
pub enum UpdateResult {
    One(Option<Value>),
    Many { matched: u64, modified: u64 },
}

/// One owner's collections. The handle is already scoped to the workflow's owner: nothing
/// through it reaches another owner's data or a platform collection. A collection that does
/// not exist behaves as empty, and an insert creates it without a schema.
#[async_trait]
pub trait TenantStore: Send + Sync {
    async fn find(
        &self,
        collection: &CollectionName,
        query: &FindQuery,
    ) -> Result<Vec<Value>, StoreError>;
    async fn find_one(
        &self,
        collection: &CollectionName,
        query: &FindQuery,
    ) -> Result<Option<Value>, StoreError>;
    /// Stores `document` (the store generates `_id`) and returns it as stored.
    async fn insert_one(
        &self,
        collection: &CollectionName,
        document: Map<String, Value>,
    ) -> Result<Value, StoreError>;
    /// `update` is an object of update operators (`$set`, `$unset`, `$inc`, `$push`,
    /// `$pull`, `$addToSet`).
    async fn update(
        &self,
        collection: &CollectionName,
        filter: &Value,
        update: &Value,
        options: UpdateOptions,
    ) -> Result<UpdateResult, StoreError>;
    /// Returns how many documents were deleted.
    async fn delete(
        &self,
        collection: &CollectionName,
        filter: &Value,
        many: bool,
    ) -> Result<u64, StoreError>;
    /// The owner's definition of a collection, if there is one.
    async fn schema(
        &self,
        collection: &CollectionName,
    ) -> Result<Option<CollectionDef>, StoreError>;
}

/// A failure of a port other than the store, with a message fit for logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PortError {
    pub message: String,
}

impl PortError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

/// An email ready to send; header fields are free of CR and LF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    pub to: String,
    pub from: Option<String>,
    pub subject: String,
    pub body: String,
    pub html: bool,
}

#[async_trait]
pub trait Mailer: Send + Sync {
    /// Sends the email and returns the message id.
    async fn send(&self, email: &OutgoingEmail) -> Result<String, PortError>;
}

/// Password hashing (bcrypt in the server). Implementations keep the work off async threads.
#[async_trait]
pub trait Passwords: Send + Sync {
    async fn hash(&self, plain: &str) -> Result<String, PortError>;
    /// Whether `plain` matches `hash`; a malformed hash is `Ok(false)` or an error.
    async fn verify(&self, plain: &str, hash: &str) -> Result<bool, PortError>;
}

/// End-user tokens, signed and verified with a secret per workflow owner, so one owner's
/// token is worthless against another owner's API and a platform token is always refused.
#[async_trait]
pub trait Tokens: Send + Sync {
    async fn sign(
        &self,
        owner: &UserId,
        claims: &Map<String, Value>,
        expires_in: Duration,
    ) -> Result<String, PortError>;
    /// The claims of a valid, unexpired token of this owner; any other token is an error.
    async fn verify(&self, owner: &UserId, token: &str) -> Result<Map<String, Value>, PortError>;
}

/// Wall-clock time for event timestamps and the execution record.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Receives every event of every run, in order, as it happens. Must not block.
pub trait EventSink: Send + Sync {
    fn emit(&self, event: &ExecutionEvent);
}

/// An event sink that drops everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoEvents;

impl EventSink for NoEvents {
    fn emit(&self, _event: &ExecutionEvent) {}
}

/// An outbound HTTP request of an `httpRequest` node; the URL has passed the engine's
/// address check.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboundRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    /// The JSON body, when there is one.
    pub body: Option<Value>,
    pub timeout: std::time::Duration,
}

/// The answer to an outbound request, whatever its status.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    /// No answer: refused connection, DNS failure, TLS failure, a refused resolved address…
    #[error("no answer: {0}")]
    NoAnswer(String),
    #[error("the request took too long")]
    Timeout,
}

/// Outbound HTTP. The engine refuses literal loopback, private, link-local and metadata
/// addresses and names such as `localhost`; an adapter must apply the same rule to the
/// addresses a host name resolves to (and to redirects), since only it sees them.
#[async_trait]
pub trait HttpClient: Send + Sync {
    async fn send(&self, request: OutboundRequest) -> Result<InboundResponse, HttpError>;
}

/// Everything an engine talks to, apart from the per-owner store given to each run.
#[derive(Clone)]
pub struct Ports {
    pub mailer: Arc<dyn Mailer>,
    pub passwords: Arc<dyn Passwords>,
    pub tokens: Arc<dyn Tokens>,
    pub clock: Arc<dyn Clock>,
    pub events: Arc<dyn EventSink>,
    pub http: Arc<dyn HttpClient>,
}
