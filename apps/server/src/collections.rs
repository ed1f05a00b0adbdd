//! An owner's collections: definitions (schemas) and their documents. Every document goes
//! through the owner's `TenantStore`, so nothing here can reach another owner's data or a
//! platform collection. Password fields are hashed on write and never returned.

use crate::error::ApiError;
use orchestrix_auth::Passwords;
use orchestrix_domain::{CollectionDef, CollectionName, ErrorCode, UserId, WriteMode};
use orchestrix_store::{CollectionDefs, DocumentStore, FindOptions, TenantStore};
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// Documents returned by one list call unless `limit` says otherwise, and at most.
pub const DEFAULT_LIMIT: u64 = 100;
pub const MAX_LIMIT: u64 = 1000;

#[derive(Clone)]
pub struct Collections {
    store: Arc<dyn DocumentStore>,
    definitions: CollectionDefs,
    passwords: Passwords,
}

/// A collection as the API lists it.
pub struct CollectionSummary {
    pub name: CollectionName,
    pub definition: Option<CollectionDef>,
    pub count: u64,
}

impl CollectionSummary {
    pub fn to_json(&self) -> Value {
        let fields = self
            .definition
            .as_ref()
            .map(CollectionDef::fields_json)
            .unwrap_or_default();
        json!({"collectionName": self.name, "fields": fields, "count": self.count})
    }
}

/// A query over one collection, from `GET /collections/{name}/data`.
pub struct DataQuery {
    pub filter: Value,
    pub sort: Option<Value>,
    pub one: bool,
    pub limit: u64,
    pub skip: u64,
}

/// Parses a collection name from a path or a body: 400 `validation_failed` when it breaks
/// the naming rule.
pub fn collection_name(raw: &str) -> Result<CollectionName, ApiError> {
    CollectionName::parse(raw).map_err(|e| {
        ApiError::msg(
            ErrorCode::ValidationFailed,
            format!("collection: {}", e.reason),
        )
        .details(json!({"collection": [e.reason]}))
    })
}

fn not_found(name: &CollectionName) -> ApiError {
    ApiError::msg(
        ErrorCode::NotFound,
        format!("Collection '{name}' not found"),
    )
}

fn schema_violation(details: Value) -> ApiError {
    ApiError::msg(
        ErrorCode::ValidationFailed,
        "The document does not match the collection's schema",
    )
    .details(details)
}

impl Collections {
    pub fn new(store: Arc<dyn DocumentStore>, passwords: Passwords) -> Self {
        Self {
            definitions: CollectionDefs::new(store.clone()),
            store,
            passwords,
        }
    }

    fn tenant(&self, owner: &UserId) -> TenantStore {
        TenantStore::new(self.store.clone(), owner)
    }

    /// Every collection the owner defined or wrote to, in name order.
    pub async fn list(&self, owner: &UserId) -> Result<Vec<CollectionSummary>, ApiError> {
        let tenant = self.tenant(owner);
        let mut definitions = self.definitions.list_for_owner(owner).await?;
        let mut names: Vec<CollectionName> = definitions
            .iter()
            .map(|d| d.collection_name.clone())
            .collect();
        names.extend(tenant.list_collections().await?);
        names.sort();
        names.dedup();
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            let definition = definitions
                .iter()
                .position(|d| d.collection_name == name)
                .map(|i| definitions.swap_remove(i));
            let count = tenant.count(&name, &json!({})).await?;
            out.push(CollectionSummary {
                name,
                definition,
                count,
            });
        }
        Ok(out)
    }

    /// One collection; 404 when it has neither a definition nor documents.
    pub async fn get(
        &self,
        owner: &UserId,
        name: &CollectionName,
    ) -> Result<CollectionSummary, ApiError> {
        let definition = self.definitions.get(owner, name).await?;
        let count = self.tenant(owner).count(name, &json!({})).await?;
        if definition.is_none() && count == 0 {
            return Err(not_found(name));
        }
        Ok(CollectionSummary {
            name: name.clone(),
            definition,
            count,
        })
    }

    /// Creates or replaces a definition and the unique indexes it declares.
    pub async fn define(&self, owner: &UserId, def: &CollectionDef) -> Result<(), ApiError> {
        let tenant = self.tenant(owner);
        for field in def.unique_fields() {
            tenant.ensure_unique(&def.collection_name, field).await?;
        }
        self.definitions.upsert(owner, def).await?;
        Ok(())
    }

    /// Removes the definition and every document.
    pub async fn delete(&self, owner: &UserId, name: &CollectionName) -> Result<(), ApiError> {
        let had_definition = self.definitions.delete(owner, name).await?;
        let had_data = self.tenant(owner).drop_collection(name).await?;
        if !had_definition && !had_data {
            return Err(not_found(name));
        }
        Ok(())
    }

    pub async fn find(
        &self,
        owner: &UserId,
        name: &CollectionName,
        query: DataQuery,
    ) -> Result<(Value, u64), ApiError> {
        let definition = self.definitions.get(owner, name).await?;
        let tenant = self.tenant(owner);
        let limit = if query.one {
            1
        } else {
            query.limit.clamp(1, MAX_LIMIT)
        };
        let options = FindOptions {
            sort: query.sort,
            skip: query.skip,
            limit: Some(limit),
            projection: None,
        };
        let mut docs = tenant.find(name, &query.filter, options).await?;
        for doc in &mut docs {
            strip_secrets(doc, definition.as_ref());
        }
        if query.one {
            let count = docs.len() as u64;
            return Ok((docs.into_iter().next().unwrap_or(Value::Null), count));
        }
        let count = tenant.count(name, &query.filter).await?;
        Ok((Value::Array(docs), count))
    }

    /// Checks the document against the schema (if any), hashes passwords, inserts.
    pub async fn insert(
        &self,
        owner: &UserId,
        name: &CollectionName,
        data: Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let definition = self.definitions.get(owner, name).await?;
        let checked = match &definition {
            Some(def) => def
                .check(&data, WriteMode::Insert)
                .map_err(|e| schema_violation(e.into_value()))?,
            None => data,
        };
        let doc = self.hash_secrets(checked, definition.as_ref()).await?;
        let mut stored = self
            .tenant(owner)
            .insert_one(name, Value::Object(doc))
            .await?;
        strip_secrets(&mut stored, definition.as_ref());
        Ok(stored)
    }

    /// Merges `data` into the document with this id; `None` when there is none.
    pub async fn update(
        &self,
        owner: &UserId,
        name: &CollectionName,
        id: &str,
        data: Map<String, Value>,
    ) -> Result<Option<Value>, ApiError> {
        let definition = self.definitions.get(owner, name).await?;
        let mut checked = match &definition {
            Some(def) => def
                .check(&data, WriteMode::Merge)
                .map_err(|e| schema_violation(e.into_value()))?,
            None => data,
        };
        checked.remove("_id");
        if checked.is_empty() {
            return Err(
                ApiError::msg(ErrorCode::ValidationFailed, "data: nothing to update")
                    .details(json!({"data": ["is empty"]})),
            );
        }
        let doc = self.hash_secrets(checked, definition.as_ref()).await?;
        let updated = self
            .tenant(owner)
            .find_one_and_update(
                name,
                &json!({"_id": {"$eq": id}}),
                &json!({"$set": doc}),
                false,
            )
            .await?;
        Ok(updated.map(|mut d| {
            strip_secrets(&mut d, definition.as_ref());
            d
        }))
    }

    pub async fn delete_document(
        &self,
        owner: &UserId,
        name: &CollectionName,
        id: &str,
    ) -> Result<bool, ApiError> {
        Ok(self
            .tenant(owner)
            .delete_one(name, &json!({"_id": {"$eq": id}}))
            .await?
            > 0)
    }

    async fn hash_secrets(
        &self,
        mut doc: Map<String, Value>,
        def: Option<&CollectionDef>,
    ) -> Result<Map<String, Value>, ApiError> {
        let secret_fields: Vec<String> = doc
            .keys()
            .filter(|k| CollectionDef::is_password_field(def, k))
            .cloned()
            .collect();
        for field in secret_fields {
            match doc.get(&field) {
                Some(Value::String(plain)) => {
                    let hash = self.passwords.hash(plain).await?;
                    doc.insert(field, Value::String(hash));
                }
                Some(Value::Null) | None => {}
                Some(_) => return Err(schema_violation(json!({ field: ["must be a string"] }))),
            }
        }
        Ok(doc)
    }
}

/// Removes password fields from a document on its way out.
pub fn strip_secrets(doc: &mut Value, def: Option<&CollectionDef>) {
    if let Value::Object(o) = doc {
        o.retain(|k, _| !CollectionDef::is_password_field(def, k));
    }
}
