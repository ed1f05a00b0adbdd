//! Owner-scoped access to tenant collections: the only handle workflows and the collections
//! API get.

use crate::{DocumentStore, FindOptions, IndexSpec, StoreError, UpdateResult};
use orchestrix_domain::{CollectionName, UserId};
use serde_json::Value;
use std::sync::Arc;

/// Every tenant collection's physical name starts with this; no platform collection does.
const TENANT_PREFIX: &str = "t_";

/// An owner's view of the store. It maps the owner's [`CollectionName`] to a physical name
/// `t_<hex(owner)>__<name>`: hex digits never contain `__`, so the mapping is injective and
/// cannot reach another owner's collections nor a platform collection (which never start
/// with `t_`).
#[derive(Clone)]
pub struct TenantStore {
    store: Arc<dyn DocumentStore>,
    owner: UserId,
    prefix: String,
}

impl TenantStore {
    pub fn new(store: Arc<dyn DocumentStore>, owner: &UserId) -> Self {
        let hex: String = owner.as_str().bytes().map(|b| format!("{b:02x}")).collect();
        Self {
            store,
            owner: owner.clone(),
            prefix: format!("{TENANT_PREFIX}{hex}__"),
        }
    }

    pub fn owner(&self) -> &UserId {
        &self.owner
    }

    /// The physical name of one of the owner's collections.
    pub fn physical_name(&self, name: &CollectionName) -> String {
        format!("{}{}", self.prefix, name.as_str())
    }

    pub async fn insert_one(&self, c: &CollectionName, doc: Value) -> Result<Value, StoreError> {
        self.store.insert_one(&self.physical_name(c), doc).await
    }

    pub async fn insert_many(
        &self,
        c: &CollectionName,
        docs: Vec<Value>,
    ) -> Result<Vec<String>, StoreError> {
        self.store.insert_many(&self.physical_name(c), docs).await
    }

    pub async fn find(
        &self,
        c: &CollectionName,
        filter: &Value,
        options: FindOptions,
    ) -> Result<Vec<Value>, StoreError> {
        self.store
            .find(&self.physical_name(c), filter, options)
            .await
    }

    pub async fn find_one(
        &self,
        c: &CollectionName,
        filter: &Value,
    ) -> Result<Option<Value>, StoreError> {
        self.store.find_one(&self.physical_name(c), filter).await
    }

    pub async fn count(&self, c: &CollectionName, filter: &Value) -> Result<u64, StoreError> {
        self.store.count(&self.physical_name(c), filter).await
    }

    pub async fn update_one(
        &self,
        c: &CollectionName,
        filter: &Value,
        update: &Value,
        upsert: bool,
    ) -> Result<UpdateResult, StoreError> {
        self.store
            .update_one(&self.physical_name(c), filter, update, upsert)
            .await
    }

    pub async fn update_many(
        &self,
        c: &CollectionName,
        filter: &Value,
        update: &Value,
        upsert: bool,
    ) -> Result<UpdateResult, StoreError> {
        self.store
            .update_many(&self.physical_name(c), filter, update, upsert)
            .await
    }

    pub async fn find_one_and_update(
        &self,
        c: &CollectionName,
        filter: &Value,
        update: &Value,
        upsert: bool,
    ) -> Result<Option<Value>, StoreError> {
        self.store
            .find_one_and_update(&self.physical_name(c), filter, update, upsert)
            .await
    }

    pub async fn delete_one(&self, c: &CollectionName, filter: &Value) -> Result<u64, StoreError> {
        self.store.delete_one(&self.physical_name(c), filter).await
    }

    pub async fn delete_many(&self, c: &CollectionName, filter: &Value) -> Result<u64, StoreError> {
        self.store.delete_many(&self.physical_name(c), filter).await
    }

    /// Declares a unique field of the owner's collection (null and missing values take no
    /// part in uniqueness).
    pub async fn ensure_unique(&self, c: &CollectionName, field: &str) -> Result<(), StoreError> {
        self.store
            .ensure_index(&self.physical_name(c), IndexSpec::on(&[field]).unique())
            .await
    }

    pub async fn ensure_index(
        &self,
        c: &CollectionName,
        index: IndexSpec,
    ) -> Result<(), StoreError> {
        self.store.ensure_index(&self.physical_name(c), index).await
    }

    /// Removes the collection with its documents.
    pub async fn drop_collection(&self, c: &CollectionName) -> Result<bool, StoreError> {
        self.store.drop_collection(&self.physical_name(c)).await
    }

    /// The owner's collections that hold data (or indexes), sorted.
    pub async fn list_collections(&self) -> Result<Vec<CollectionName>, StoreError> {
        let all = self.store.list_collections().await?;
        Ok(all
            .iter()
            .filter_map(|n| n.strip_prefix(&self.prefix))
            .filter_map(|n| CollectionName::parse(n).ok())
            .collect())
    }
}
