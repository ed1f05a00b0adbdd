//! The MongoDB adapter of Orchestrix's [`DocumentStore`]: native queries and updates on a
//! MongoDB server (or any server speaking its wire protocol), after the shared evaluator in
//! `orchestrix-store` has parsed them, so both adapters refuse the same input.
//!
//! Dates: RFC 3339 strings in `createdAt`, `updatedAt`, `expiresAt` (at any depth) and in the
//! fields of expiring indexes created through this process are stored as BSON dates (so TTL
//! indexes work) and come back as RFC 3339 UTC strings with millisecond precision
//! (`2024-05-01T10:20:30.123Z`; whole seconds without a fraction).
//!
//! This crate depends on the storage crate and the MongoDB driver only: no web framework.

mod convert;
mod error;

use async_trait::async_trait;
use convert::{DateFields, document_to_json, object_to_document, to_document};
use futures::TryStreamExt;
use mongodb::bson::{Bson, Document, doc};
use mongodb::options::{ClientOptions, IndexOptions, ReturnDocument};
use mongodb::{Client, Collection, Database, IndexModel};
use orchestrix_domain::DocumentId;
use orchestrix_store::query::{Filter, Projection, Sort, Update};
use orchestrix_store::{
    DocumentStore, FindOptions, IndexSpec, StoreError, UpdateResult, prepare_document,
    validate_collection_name,
};
use serde_json::Value;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Connection tuning. The short defaults make a lost server show as `Unavailable` within
/// seconds instead of hanging requests.
#[derive(Debug, Clone)]
pub struct MongoOptions {
    /// How long to wait for a usable server before failing with `Unavailable`.
    pub server_selection_timeout: Duration,
    /// TCP connect timeout.
    pub connect_timeout: Duration,
    /// Upper bound on any one operation (including reading its results).
    pub operation_timeout: Duration,
    /// How often the driver re-checks the server (how soon a restarted server is noticed).
    pub heartbeat: Duration,
}

impl Default for MongoOptions {
    fn default() -> Self {
        Self {
            server_selection_timeout: Duration::from_secs(3),
            connect_timeout: Duration::from_secs(3),
            operation_timeout: Duration::from_secs(15),
            heartbeat: Duration::from_secs(1),
        }
    }
}

/// Index bookkeeping: which fields an index name stands for, and which fields of a
/// collection hold dates because an expiring index covers them.
#[derive(Default)]
struct Indexes {
    fields: HashMap<(String, String), String>,
    expiring: HashMap<String, Vec<String>>,
}

/// A [`DocumentStore`] on MongoDB. Cheap to clone.
#[derive(Clone)]
pub struct MongoStore {
    db: Database,
    options: MongoOptions,
    indexes: Arc<RwLock<Indexes>>,
}

/// The `$type` list of a unique index's partial filter: every type but null, so null and
/// missing values take no part in uniqueness (as on SQLite).
fn non_null_types() -> Bson {
    Bson::Array(
        [
            "string", "number", "bool", "object", "array", "date", "objectId",
        ]
        .into_iter()
        .map(|t| Bson::String(t.into()))
        .collect(),
    )
}

impl MongoStore {
    /// Connects to `uri`; the database is the URI's path (default `orchestrix`). The
    /// connection is made lazily: a server that is down shows as `Unavailable` on use (and
    /// in [`DocumentStore::ping`]), and the store recovers by itself when it comes back.
    pub async fn connect(uri: &str, options: MongoOptions) -> Result<Self, StoreError> {
        let mut client_options = ClientOptions::parse(uri)
            .await
            .map_err(|e| StoreError::Unavailable(format!("invalid MongoDB URI: {e}")))?;
        client_options.server_selection_timeout = Some(options.server_selection_timeout);
        client_options.connect_timeout = Some(options.connect_timeout);
        client_options.heartbeat_freq = Some(options.heartbeat.max(Duration::from_millis(500)));
        client_options.app_name = Some("orchestrix".into());
        let database = client_options
            .default_database
            .clone()
            .unwrap_or_else(|| "orchestrix".to_owned());
        let client = Client::with_options(client_options)
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        Ok(Self {
            db: client.database(&database),
            options,
            indexes: Arc::default(),
        })
    }

    /// The database this store uses.
    pub fn database_name(&self) -> &str {
        self.db.name()
    }

    /// Drops the whole database (tests use one database each).
    pub async fn drop_database(&self) -> Result<(), StoreError> {
        self.run(self.db.drop().into_future(), "").await
    }

    fn collection(&self, name: &str) -> Result<Collection<Document>, StoreError> {
        validate_collection_name(name)?;
        Ok(self.db.collection::<Document>(name))
    }

    fn dates(&self, collection: &str) -> DateFields {
        let mut dates = DateFields::base();
        if let Ok(ix) = self.indexes.read() {
            for f in ix.expiring.get(collection).into_iter().flatten() {
                dates = dates.with(f);
            }
        }
        dates
    }

    /// Runs one driver call under the operation timeout, mapping its errors.
    async fn run<T>(
        &self,
        fut: impl Future<Output = mongodb::error::Result<T>>,
        collection: &str,
    ) -> Result<T, StoreError> {
        match tokio::time::timeout(self.options.operation_timeout, fut).await {
            Err(_) => Err(StoreError::Unavailable(format!(
                "MongoDB did not answer within {:?}",
                self.options.operation_timeout
            ))),
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => {
                let fields_of = |name: &str| {
                    self.indexes.read().ok().and_then(|ix| {
                        ix.fields
                            .get(&(collection.to_owned(), name.to_owned()))
                            .cloned()
                    })
                };
                Err(error::map_error(e, &fields_of))
            }
        }
    }

    fn filter_doc(
        &self,
        collection: &str,
        filter: &Value,
    ) -> Result<(Filter, Document), StoreError> {
        let parsed = Filter::parse(filter)?;
        Ok((parsed, object_to_document(filter, &self.dates(collection))))
    }

    /// The update document, with a generated string `_id` for upserts whose filter does not
    /// give one (MongoDB would otherwise make an ObjectId).
    fn update_doc(
        &self,
        collection: &str,
        filter: &Filter,
        update: &Value,
        upsert: bool,
    ) -> Result<Document, StoreError> {
        Update::parse(update)?;
        let mut doc = object_to_document(update, &self.dates(collection));
        let filter_ids: Vec<&Value> = filter
            .equalities()
            .into_iter()
            .filter(|(p, _)| *p == "_id")
            .map(|(_, v)| v)
            .collect();
        if upsert && filter_ids.iter().any(|v| !v.is_string()) {
            return Err(StoreError::InvalidQuery(
                "_id must be a non-empty string".into(),
            ));
        }
        let filter_has_id = !filter_ids.is_empty();
        if upsert && !filter_has_id {
            let mut on_insert = match doc.remove("$setOnInsert") {
                Some(Bson::Document(d)) => d,
                _ => Document::new(),
            };
            if !on_insert.contains_key("_id") {
                on_insert.insert("_id", DocumentId::generate().to_string());
            }
            doc.insert("$setOnInsert", on_insert);
        }
        Ok(doc)
    }

    async fn update_impl(
        &self,
        collection: &str,
        filter: &Value,
        update: &Value,
        upsert: bool,
        many: bool,
    ) -> Result<UpdateResult, StoreError> {
        let coll = self.collection(collection)?;
        let (parsed, filter) = self.filter_doc(collection, filter)?;
        let update = self.update_doc(collection, &parsed, update, upsert)?;
        let r = if many {
            self.run(
                coll.update_many(filter, update)
                    .upsert(upsert)
                    .into_future(),
                collection,
            )
            .await?
        } else {
            self.run(
                coll.update_one(filter, update).upsert(upsert).into_future(),
                collection,
            )
            .await?
        };
        Ok(UpdateResult {
            matched: r.matched_count,
            modified: r.modified_count,
            upserted_id: r.upserted_id.map(|id| match id {
                Bson::String(s) => s,
                other => other.to_string(),
            }),
        })
    }

    async fn insert_docs(&self, collection: &str, docs: Vec<Document>) -> Result<(), StoreError> {
        if docs.is_empty() {
            return Ok(());
        }
        let coll = self.collection(collection)?;
        self.run(
            coll.insert_many(docs).ordered(true).into_future(),
            collection,
        )
        .await
        .map(|_| ())
    }
}

#[async_trait]
impl DocumentStore for MongoStore {
    fn kind(&self) -> &'static str {
        "mongodb"
    }

    async fn insert_one(&self, collection: &str, doc: Value) -> Result<Value, StoreError> {
        let coll = self.collection(collection)?;
        let (_, doc) = prepare_document(doc)?;
        let bson = object_to_document(&doc, &self.dates(collection));
        self.run(coll.insert_one(bson).into_future(), collection)
            .await?;
        Ok(doc)
    }

    async fn insert_many(
        &self,
        collection: &str,
        docs: Vec<Value>,
    ) -> Result<Vec<String>, StoreError> {
        validate_collection_name(collection)?;
        let dates = self.dates(collection);
        let mut ids = Vec::with_capacity(docs.len());
        let mut prepared = Vec::with_capacity(docs.len());
        for doc in docs {
            match prepare_document(doc) {
                Ok((id, doc)) => {
                    ids.push(id);
                    prepared.push(object_to_document(&doc, &dates));
                }
                Err(e) => {
                    // Ordered semantics: the documents before the bad one are stored.
                    self.insert_docs(collection, prepared).await?;
                    return Err(e);
                }
            }
        }
        self.insert_docs(collection, prepared).await?;
        Ok(ids)
    }

    async fn find(
        &self,
        collection: &str,
        filter: &Value,
        options: FindOptions,
    ) -> Result<Vec<Value>, StoreError> {
        let coll = self.collection(collection)?;
        let (_, filter) = self.filter_doc(collection, filter)?;
        let mut action = coll.find(filter);
        if let Some(sort) = &options.sort
            && !Sort::parse(sort)?.is_empty()
        {
            action = action.sort(object_to_document(sort, &DateFields::base()));
        }
        if let Some(projection) = &options.projection {
            Projection::parse(projection)?;
            if projection.as_object().is_some_and(|p| !p.is_empty()) {
                action = action.projection(object_to_document(projection, &DateFields::base()));
            }
        }
        if options.skip > 0 {
            action = action.skip(options.skip);
        }
        if let Some(limit) = options.effective_limit() {
            action = action.limit(i64::try_from(limit).unwrap_or(i64::MAX));
        }
        let docs: Vec<Document> = self
            .run(
                async move { action.await?.try_collect::<Vec<Document>>().await },
                collection,
            )
            .await?;
        Ok(docs.into_iter().map(document_to_json).collect())
    }

    async fn count(&self, collection: &str, filter: &Value) -> Result<u64, StoreError> {
        let coll = self.collection(collection)?;
        let (_, filter) = self.filter_doc(collection, filter)?;
        self.run(coll.count_documents(filter).into_future(), collection)
            .await
    }

    async fn update_one(
        &self,
        collection: &str,
        filter: &Value,
        update: &Value,
        upsert: bool,
    ) -> Result<UpdateResult, StoreError> {
        self.update_impl(collection, filter, update, upsert, false)
            .await
    }

    async fn update_many(
        &self,
        collection: &str,
        filter: &Value,
        update: &Value,
        upsert: bool,
    ) -> Result<UpdateResult, StoreError> {
        self.update_impl(collection, filter, update, upsert, true)
            .await
    }

    async fn find_one_and_update(
        &self,
        collection: &str,
        filter: &Value,
        update: &Value,
        upsert: bool,
    ) -> Result<Option<Value>, StoreError> {
        let coll = self.collection(collection)?;
        let (parsed, filter) = self.filter_doc(collection, filter)?;
        let update = self.update_doc(collection, &parsed, update, upsert)?;
        let doc = self
            .run(
                coll.find_one_and_update(filter, update)
                    .upsert(upsert)
                    .return_document(ReturnDocument::After)
                    .into_future(),
                collection,
            )
            .await?;
        Ok(doc.map(document_to_json))
    }

    async fn delete_one(&self, collection: &str, filter: &Value) -> Result<u64, StoreError> {
        let coll = self.collection(collection)?;
        let (_, filter) = self.filter_doc(collection, filter)?;
        let r = self
            .run(coll.delete_one(filter).into_future(), collection)
            .await?;
        Ok(r.deleted_count)
    }

    async fn delete_many(&self, collection: &str, filter: &Value) -> Result<u64, StoreError> {
        let coll = self.collection(collection)?;
        let (_, filter) = self.filter_doc(collection, filter)?;
        let r = self
            .run(coll.delete_many(filter).into_future(), collection)
            .await?;
        Ok(r.deleted_count)
    }

    async fn ensure_index(&self, collection: &str, index: IndexSpec) -> Result<(), StoreError> {
        let coll = self.collection(collection)?;
        index.validate()?;
        let name = index.name();
        if let Ok(mut ix) = self.indexes.write() {
            ix.fields.insert(
                (collection.to_owned(), name.clone()),
                index.fields.join(","),
            );
            if index.expire_after.is_some() {
                let list = ix.expiring.entry(collection.to_owned()).or_default();
                if !list.contains(&index.fields[0]) {
                    list.push(index.fields[0].clone());
                }
            }
        }
        if index.fields == ["_id"] && index.expire_after.is_none() {
            return Ok(());
        }
        let mut keys = Document::new();
        for f in &index.fields {
            keys.insert(f.clone(), 1);
        }
        let mut opts = IndexOptions::builder().name(name.clone()).build();
        if index.unique {
            opts.unique = Some(true);
            let mut partial = Document::new();
            for f in &index.fields {
                partial.insert(f.clone(), doc! {"$type": non_null_types()});
            }
            opts.partial_filter_expression = Some(partial);
        }
        opts.expire_after = index.expire_after;
        let model = IndexModel::builder().keys(keys).options(opts).build();
        let first = self
            .run(coll.create_index(model.clone()).into_future(), collection)
            .await;
        match first {
            Ok(_) => Ok(()),
            // An index of this name exists with other options: replace it.
            Err(StoreError::Internal(msg))
                if msg.contains("error 85:") || msg.contains("error 86:") =>
            {
                self.run(coll.drop_index(name).into_future(), collection)
                    .await?;
                self.run(coll.create_index(model).into_future(), collection)
                    .await
                    .map(|_| ())
            }
            Err(e) => Err(e),
        }
    }

    async fn drop_collection(&self, collection: &str) -> Result<bool, StoreError> {
        let coll = self.collection(collection)?;
        let names = self
            .run(
                self.db
                    .list_collection_names()
                    .filter(doc! {"name": collection})
                    .into_future(),
                collection,
            )
            .await?;
        if names.is_empty() {
            return Ok(false);
        }
        self.run(coll.drop().into_future(), collection).await?;
        if let Ok(mut ix) = self.indexes.write() {
            ix.expiring.remove(collection);
            ix.fields.retain(|(c, _), _| c != collection);
        }
        Ok(true)
    }

    async fn list_collections(&self) -> Result<Vec<String>, StoreError> {
        let mut names = self
            .run(self.db.list_collection_names().into_future(), "")
            .await?;
        names.retain(|n| !n.starts_with("system."));
        names.sort();
        Ok(names)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.run(self.db.run_command(doc! {"ping": 1}).into_future(), "")
            .await
            .map(|_| ())
    }

    async fn purge_expired(&self) -> Result<u64, StoreError> {
        let now = chrono::Utc::now();
        let mut removed = 0;
        for name in self.list_collections().await? {
            let coll = self.db.collection::<Document>(&name);
            let indexes: Vec<IndexModel> = self
                .run(
                    async {
                        coll.list_indexes()
                            .await?
                            .try_collect::<Vec<IndexModel>>()
                            .await
                    },
                    &name,
                )
                .await?;
            for ix in indexes {
                let Some(after) = ix.options.as_ref().and_then(|o| o.expire_after) else {
                    continue;
                };
                let Some((field, _)) = ix.keys.iter().next() else {
                    continue;
                };
                let after = chrono::Duration::from_std(after).unwrap_or(chrono::Duration::MAX);
                let cutoff = now.checked_sub_signed(after).unwrap_or(now);
                let cutoff = mongodb::bson::DateTime::from_millis(cutoff.timestamp_millis());
                let filter = doc! {field.clone(): {"$lte": cutoff}};
                let r = self
                    .run(coll.delete_many(filter).into_future(), &name)
                    .await?;
                removed += r.deleted_count;
            }
        }
        Ok(removed)
    }
}

/// Converts a JSON object into a BSON document with this store's date rules (for callers
/// that need raw driver access, e.g. change streams).
pub fn to_bson_document(value: &Value) -> Document {
    match value {
        Value::Object(m) => to_document(m, &DateFields::base(), false),
        _ => Document::new(),
    }
}
