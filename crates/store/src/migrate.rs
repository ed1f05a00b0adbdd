//! Embedded migrations: ordered, idempotent index set-up, each recorded in `_migrations`
//! so it runs once.

use crate::records::collections::MIGRATIONS as MIGRATIONS_COLLECTION;
use crate::{DocumentStore, IndexSpec, StoreError};
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;

/// One migration: an id (its file name) and its JSON text.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub id: &'static str,
    pub source: &'static str,
}

macro_rules! migration {
    ($id:literal) => {
        Migration {
            id: $id,
            source: include_str!(concat!("../../../migrations/", $id, ".json")),
        }
    };
}

/// Every migration, in the order they apply.
pub const MIGRATIONS: &[Migration] = &[
    migration!("0001_users"),
    migration!("0002_sessions"),
    migration!("0003_workflows"),
    migration!("0004_collection_defs"),
    migration!("0005_executions"),
];

#[derive(Deserialize)]
struct MigrationFile {
    description: String,
    indexes: Vec<IndexEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct IndexEntry {
    collection: String,
    fields: Vec<String>,
    #[serde(default)]
    unique: bool,
    #[serde(default)]
    expire_after_seconds: Option<u64>,
}

/// What a run of [`migrate`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationReport {
    /// Migrations applied by this run, in order.
    pub applied: Vec<String>,
    /// Migrations found already recorded.
    pub skipped: Vec<String>,
}

/// Applies every migration not yet recorded, in order.
pub async fn migrate(store: &dyn DocumentStore) -> Result<MigrationReport, StoreError> {
    let mut report = MigrationReport::default();
    for m in MIGRATIONS {
        let done = store
            .find_one(MIGRATIONS_COLLECTION, &json!({"_id": {"$eq": m.id}}))
            .await?
            .is_some();
        if done {
            report.skipped.push(m.id.to_owned());
            continue;
        }
        let file: MigrationFile = serde_json::from_str(m.source)
            .map_err(|e| StoreError::Internal(format!("migration {} is malformed: {e}", m.id)))?;
        for ix in &file.indexes {
            let mut spec = IndexSpec::on(&ix.fields);
            spec.unique = ix.unique;
            spec.expire_after = ix.expire_after_seconds.map(Duration::from_secs);
            store.ensure_index(&ix.collection, spec).await?;
        }
        let record = json!({
            "_id": m.id,
            "description": file.description,
            "appliedAt": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        });
        match store.insert_one(MIGRATIONS_COLLECTION, record).await {
            // Another instance applied it at the same time: the index set-up is idempotent.
            Ok(_) | Err(StoreError::DuplicateKey { .. }) => {}
            Err(e) => return Err(e),
        }
        tracing::info!(migration = m.id, "migration applied");
        report.applied.push(m.id.to_owned());
    }
    Ok(report)
}
