//! Orchestrix's storage layer: one [`DocumentStore`] trait over JSON documents with a
//! MongoDB-style filter / update subset, the shared query evaluator, the embedded SQLite
//! adapter (the default), the owner-scoped [`TenantStore`], the typed repositories for
//! platform records and the embedded migrations.
//!
//! This crate must not depend on a web framework (no actix) nor on the MongoDB driver: the
//! MongoDB adapter lives in `orchestrix-store-mongo` and implements the same trait.

mod error;
mod migrate;
pub mod query;
mod records;
mod sqlite;
mod store;
mod tenant;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use error::StoreError;
pub use migrate::{MIGRATIONS, Migration, MigrationReport, migrate};
pub use records::{
    CollectionDefs, ExecutionEvents, Executions, PublishedApis, Sessions, Users, Workflows,
    collections as platform_collections,
};
pub use sqlite::{SqliteOptions, SqliteStore};
pub use store::{
    DocumentStore, FindOptions, IndexSpec, UpdateResult, prepare_document, validate_collection_name,
};
pub use tenant::TenantStore;
