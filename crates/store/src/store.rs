//! The [`DocumentStore`] trait every adapter implements, and its option and result types.

use crate::StoreError;
use async_trait::async_trait;
use serde_json::Value;
use std::time::Duration;

/// Options of [`DocumentStore::find`]. `sort` and `projection` are MongoDB-style JSON
/// objects (`{"age": -1, "name": 1}`, `{"password": 0}`); no sort means insertion order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FindOptions {
    pub sort: Option<Value>,
    pub skip: u64,
    /// `None` (or `Some(0)`, as in MongoDB) means no limit.
    pub limit: Option<u64>,
    pub projection: Option<Value>,
}

impl FindOptions {
    pub fn sorted(sort: Value) -> Self {
        Self {
            sort: Some(sort),
            ..Self::default()
        }
    }

    pub fn with_limit(mut self, limit: u64) -> Self {
        self.limit = Some(limit);
        self
    }

    pub fn with_skip(mut self, skip: u64) -> Self {
        self.skip = skip;
        self
    }

    pub fn with_projection(mut self, projection: Value) -> Self {
        self.projection = Some(projection);
        self
    }

    /// The limit as a number of documents, `None` for no limit.
    pub fn effective_limit(&self) -> Option<u64> {
        self.limit.filter(|l| *l > 0)
    }
}

/// What an update did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpdateResult {
    /// Documents the filter matched.
    pub matched: u64,
    /// Documents whose content changed.
    pub modified: u64,
    /// The `_id` of the document an upsert inserted.
    pub upserted_id: Option<String>,
}

/// An index over one or more fields (ascending, dotted paths allowed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSpec {
    pub fields: Vec<String>,
    /// Documents whose indexed values are all present and non-null must be unique; null and
    /// missing values take no part in uniqueness.
    pub unique: bool,
    /// Single-field indexes only: documents whose field holds an RFC 3339 time older than
    /// this are removed by the store's expiry clean-up.
    pub expire_after: Option<Duration>,
}

impl IndexSpec {
    /// A plain index over `fields`.
    pub fn on<S: AsRef<str>>(fields: &[S]) -> Self {
        Self {
            fields: fields.iter().map(|f| f.as_ref().to_owned()).collect(),
            unique: false,
            expire_after: None,
        }
    }

    pub fn unique(mut self) -> Self {
        self.unique = true;
        self
    }

    pub fn expire_after(mut self, after: Duration) -> Self {
        self.expire_after = Some(after);
        self
    }

    /// A stable name, MongoDB's default form: `field_1_other_1`.
    pub fn name(&self) -> String {
        self.fields
            .iter()
            .map(|f| format!("{f}_1"))
            .collect::<Vec<_>>()
            .join("_")
    }

    /// Checks the spec is one every adapter supports.
    pub fn validate(&self) -> Result<(), StoreError> {
        if self.fields.is_empty() || self.fields.len() > 8 {
            return Err(StoreError::invalid("an index needs 1 to 8 fields"));
        }
        for f in &self.fields {
            crate::query::validate_field_path(f)?;
            if f.contains('"') || f.contains('\'') || f.contains('\\') {
                return Err(StoreError::invalid(format!(
                    "index field '{f}' may not contain quotes or backslashes"
                )));
            }
        }
        if self.expire_after.is_some() && self.fields.len() != 1 {
            return Err(StoreError::invalid(
                "an expiring index must have exactly one field",
            ));
        }
        Ok(())
    }
}

/// Checks a physical collection name: 1–200 of `[A-Za-z0-9_.-]`, not starting with
/// `system.` nor containing `$`.
pub fn validate_collection_name(name: &str) -> Result<(), StoreError> {
    let ok = !name.is_empty()
        && name.len() <= 200
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !name.starts_with("system.")
        && !name.starts_with('.')
        && !name.ends_with('.');
    if ok {
        Ok(())
    } else {
        Err(StoreError::invalid(format!(
            "'{name}' is not a valid collection name"
        )))
    }
}

/// A store of JSON documents grouped in named collections, with MongoDB's query semantics
/// for the subset in [`crate::query`]. Collection names here are physical names: tenant code
/// goes through [`crate::TenantStore`], platform code through the typed repositories.
///
/// Every document has a string `_id`; inserts assign a new 24-hex id when it is absent.
#[async_trait]
pub trait DocumentStore: Send + Sync {
    /// `"sqlite"` or `"mongodb"`.
    fn kind(&self) -> &'static str;

    /// Inserts one document and returns it as stored (with its `_id` first).
    async fn insert_one(&self, collection: &str, doc: Value) -> Result<Value, StoreError>;

    /// Inserts documents in order and returns their ids. On a failure the documents before
    /// the failing one stay stored, as in MongoDB's ordered inserts.
    async fn insert_many(
        &self,
        collection: &str,
        docs: Vec<Value>,
    ) -> Result<Vec<String>, StoreError>;

    /// The documents matching `filter`, sorted, skipped, limited and projected. Without a
    /// sort they come in insertion order — except that MongoDB answers an `$in` or a range
    /// on an indexed field in index order: sort when the order matters.
    async fn find(
        &self,
        collection: &str,
        filter: &Value,
        options: FindOptions,
    ) -> Result<Vec<Value>, StoreError>;

    /// The first document matching `filter` in insertion order.
    async fn find_one(
        &self,
        collection: &str,
        filter: &Value,
    ) -> Result<Option<Value>, StoreError> {
        let mut docs = self
            .find(collection, filter, FindOptions::default().with_limit(1))
            .await?;
        Ok(docs.pop())
    }

    /// How many documents match `filter`.
    async fn count(&self, collection: &str, filter: &Value) -> Result<u64, StoreError>;

    /// Applies `update` (operators only) to the first matching document; with `upsert`,
    /// inserts one built from the filter's equalities when none matches.
    async fn update_one(
        &self,
        collection: &str,
        filter: &Value,
        update: &Value,
        upsert: bool,
    ) -> Result<UpdateResult, StoreError>;

    /// Applies `update` to every matching document (or upserts one).
    async fn update_many(
        &self,
        collection: &str,
        filter: &Value,
        update: &Value,
        upsert: bool,
    ) -> Result<UpdateResult, StoreError>;

    /// Updates the first matching document and returns it as it is after the update
    /// (`None` when nothing matched and `upsert` is false).
    async fn find_one_and_update(
        &self,
        collection: &str,
        filter: &Value,
        update: &Value,
        upsert: bool,
    ) -> Result<Option<Value>, StoreError>;

    /// Deletes the first matching document; returns how many were deleted (0 or 1).
    async fn delete_one(&self, collection: &str, filter: &Value) -> Result<u64, StoreError>;

    /// Deletes every matching document; returns how many.
    async fn delete_many(&self, collection: &str, filter: &Value) -> Result<u64, StoreError>;

    /// Creates the index if it does not exist (re-creating it when its options changed).
    /// Fails with `DuplicateKey` when a unique index meets existing duplicates.
    async fn ensure_index(&self, collection: &str, index: IndexSpec) -> Result<(), StoreError>;

    /// Removes a collection, its documents and its indexes; `false` if it did not exist.
    async fn drop_collection(&self, collection: &str) -> Result<bool, StoreError>;

    /// The names of all collections, sorted.
    async fn list_collections(&self) -> Result<Vec<String>, StoreError>;

    /// Whether the store answers.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Removes the documents whose expiring index says they are past their time now, and
    /// returns how many. Stores also do this on their own on an interval.
    async fn purge_expired(&self) -> Result<u64, StoreError>;
}

/// Makes a document ready to store: it must be an object without top-level `$` fields; a
/// given `_id` must be a non-empty string, a missing one is generated. `_id` comes first.
pub fn prepare_document(doc: Value) -> Result<(String, Value), StoreError> {
    let Value::Object(m) = doc else {
        return Err(StoreError::invalid("a document must be a JSON object"));
    };
    if let Some(k) = m.keys().find(|k| k.starts_with('$')) {
        return Err(StoreError::invalid(format!(
            "the document field '{k}' may not start with '$'"
        )));
    }
    let id = match m.get("_id") {
        None => orchestrix_domain::DocumentId::generate().to_string(),
        Some(Value::String(s)) if !s.is_empty() && s.len() <= 512 => s.clone(),
        Some(_) => {
            return Err(StoreError::invalid("_id must be a non-empty string"));
        }
    };
    let mut out = serde_json::Map::with_capacity(m.len() + 1);
    out.insert("_id".to_owned(), Value::String(id.clone()));
    for (k, v) in m {
        if k != "_id" {
            out.insert(k, v);
        }
    }
    Ok((id, Value::Object(out)))
}
