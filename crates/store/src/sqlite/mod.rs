//! The embedded SQLite adapter: one file, WAL, a writer thread committing concurrent writes
//! in groups (one fsync per group, each caller answered after the commit), reads on a small
//! pool of threads. Documents live as JSON text, one table per collection; unique and
//! equality indexes are SQLite expression indexes over `json_extract`.

mod catalog;
mod ops;
mod threads;

use crate::query::{Filter, Projection, Sort, Update};
use crate::{
    DocumentStore, FindOptions, IndexSpec, StoreError, UpdateResult, validate_collection_name,
};
use async_trait::async_trait;
use catalog::{Catalog, SCHEMA, sql_err};
use ops::FindPlan;
use rusqlite::{Connection, OpenFlags};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use threads::{Deliver, ReadJob, ReadQueue, SharedCatalog, WriteJob, WriterConfig};
use tokio::sync::oneshot;

/// Tuning of [`SqliteStore`]; the defaults suit the server.
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    /// Reader threads (each with its own connection).
    pub readers: usize,
    /// Commit concurrent writes together. Off, every write is its own transaction (the
    /// benchmark's baseline).
    pub group_commit: bool,
    /// How often expired documents are purged.
    pub purge_interval: Duration,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            readers: 4,
            group_commit: true,
            purge_interval: Duration::from_secs(60),
        }
    }
}

/// The embedded store. Cheap to clone; the threads stop when the last clone is dropped.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    writer: Sender<WriteJob>,
    readers: Arc<ReadQueue>,
    path: PathBuf,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.readers.close();
    }
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(Duration::from_secs(10))
        .map_err(sql_err)?;
    conn.set_prepared_statement_cache_capacity(128);
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
        .map_err(sql_err)
}

fn open_blocking(path: &Path, options: &SqliteOptions) -> Result<SqliteStore, StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::Unavailable(format!("cannot create {}: {e}", dir.display()))
        })?;
    }
    let writer_conn = Connection::open(path)
        .map_err(|e| StoreError::Unavailable(format!("cannot open {}: {e}", path.display())))?;
    configure(&writer_conn)?;
    writer_conn.execute_batch(SCHEMA).map_err(sql_err)?;
    let catalog = Catalog::load(&writer_conn)?;
    let shared: SharedCatalog = Arc::new(RwLock::new(Arc::new(catalog)));

    let read_queue = Arc::new(ReadQueue::default());
    for i in 0..options.readers.max(1) {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )
        .map_err(|e| StoreError::Unavailable(format!("cannot open {}: {e}", path.display())))?;
        configure(&conn)?;
        // Reads go through the memory map and a larger cache: fewer system calls per lookup.
        conn.execute_batch(
            "PRAGMA query_only = 1; PRAGMA mmap_size = 268435456; PRAGMA cache_size = -16384;",
        )
        .map_err(sql_err)?;
        let (rx, cat) = (Arc::clone(&read_queue), Arc::clone(&shared));
        std::thread::Builder::new()
            .name(format!("sqlite-read-{i}"))
            .spawn(move || threads::run_reader(conn, rx, cat))
            .map_err(StoreError::internal)?;
    }

    let (write_tx, write_rx) = channel::<WriteJob>();
    let config = WriterConfig {
        max_batch: if options.group_commit { 1024 } else { 1 },
        purge_interval: options.purge_interval,
    };
    std::thread::Builder::new()
        .name("sqlite-write".into())
        .spawn(move || threads::run_writer(writer_conn, write_rx, shared, config))
        .map_err(StoreError::internal)?;

    Ok(SqliteStore {
        inner: Arc::new(Inner {
            writer: write_tx,
            readers: read_queue,
            path: path.to_owned(),
        }),
    })
}

fn stopped() -> StoreError {
    StoreError::Unavailable("the SQLite store has stopped".into())
}

impl SqliteStore {
    /// Opens (creating it and its parent directories if needed) the database at `path` with
    /// the default options. Async because opening touches the disk: the work runs on a
    /// blocking thread.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_with(path, SqliteOptions::default()).await
    }

    /// Opens with explicit options.
    pub async fn open_with(path: &Path, options: SqliteOptions) -> Result<Self, StoreError> {
        let path = path.to_owned();
        tokio::task::spawn_blocking(move || open_blocking(&path, &options))
            .await
            .map_err(StoreError::internal)?
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection, &Catalog) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = oneshot::channel();
        let job: ReadJob = Box::new(move |conn, catalog| {
            let _ = tx.send(f(conn, catalog));
        });
        if !self.inner.readers.push(job) {
            return Err(stopped());
        }
        rx.await.map_err(|_| stopped())?
    }

    /// Runs `f` in the writer's next group. `f` returns `Ok(result)` to keep its changes
    /// (the result may itself be an error, as for a partly done ordered insert) or `Err` to
    /// roll them back.
    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection, &mut Catalog) -> Result<Result<T, StoreError>, StoreError>
        + Send
        + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = oneshot::channel::<Result<T, StoreError>>();
        let job: WriteJob = Box::new(move |ctx| {
            let outcome = ctx.and_then(|(conn, catalog)| f(conn, catalog));
            let keep = outcome.is_ok();
            let deliver: Deliver = Box::new(move |commit_error| {
                let result = match commit_error {
                    Some(e) => Err(e),
                    None => outcome.and_then(|r| r),
                };
                let _ = tx.send(result);
            });
            (keep, deliver)
        });
        self.inner.writer.send(job).map_err(|_| stopped())?;
        rx.await.map_err(|_| stopped())?
    }

    async fn update_impl(
        &self,
        collection: &str,
        filter: &Value,
        update: &Value,
        multi: bool,
        upsert: bool,
    ) -> Result<(UpdateResult, Option<Value>), StoreError> {
        validate_collection_name(collection)?;
        let filter = Filter::parse(filter)?;
        let update = Update::parse(update)?;
        let collection = collection.to_owned();
        self.write(move |conn, catalog| {
            ops::update(conn, catalog, &collection, &filter, &update, multi, upsert).map(Ok)
        })
        .await
    }
}

#[async_trait]
impl DocumentStore for SqliteStore {
    fn kind(&self) -> &'static str {
        "sqlite"
    }

    async fn insert_one(&self, collection: &str, doc: Value) -> Result<Value, StoreError> {
        validate_collection_name(collection)?;
        let collection = collection.to_owned();
        self.write(move |conn, catalog| {
            let (mut stored, error) = ops::insert(conn, catalog, &collection, vec![doc]);
            match (error, stored.pop()) {
                (Some(e), _) => Err(e),
                (None, Some(doc)) => Ok(Ok(doc)),
                (None, None) => Err(StoreError::internal("insert stored nothing")),
            }
        })
        .await
    }

    async fn insert_many(
        &self,
        collection: &str,
        docs: Vec<Value>,
    ) -> Result<Vec<String>, StoreError> {
        validate_collection_name(collection)?;
        let collection = collection.to_owned();
        self.write(move |conn, catalog| {
            let (stored, error) = ops::insert(conn, catalog, &collection, docs);
            Ok(match error {
                Some(e) => Err(e),
                None => Ok(stored
                    .iter()
                    .filter_map(|d| d.get("_id").and_then(Value::as_str).map(str::to_owned))
                    .collect()),
            })
        })
        .await
    }

    async fn find(
        &self,
        collection: &str,
        filter: &Value,
        options: FindOptions,
    ) -> Result<Vec<Value>, StoreError> {
        validate_collection_name(collection)?;
        let plan = FindPlan {
            filter: Filter::parse(filter)?,
            sort: Sort::parse(options.sort.as_ref().unwrap_or(&Value::Null))?,
            projection: Projection::parse(options.projection.as_ref().unwrap_or(&Value::Null))?,
            skip: options.skip,
            limit: options.effective_limit(),
        };
        let collection = collection.to_owned();
        self.read(move |conn, catalog| ops::find(conn, catalog, &collection, &plan))
            .await
    }

    async fn count(&self, collection: &str, filter: &Value) -> Result<u64, StoreError> {
        validate_collection_name(collection)?;
        let filter = Filter::parse(filter)?;
        let collection = collection.to_owned();
        self.read(move |conn, catalog| ops::count(conn, catalog, &collection, &filter))
            .await
    }

    async fn update_one(
        &self,
        collection: &str,
        filter: &Value,
        update: &Value,
        upsert: bool,
    ) -> Result<UpdateResult, StoreError> {
        Ok(self
            .update_impl(collection, filter, update, false, upsert)
            .await?
            .0)
    }

    async fn update_many(
        &self,
        collection: &str,
        filter: &Value,
        update: &Value,
        upsert: bool,
    ) -> Result<UpdateResult, StoreError> {
        Ok(self
            .update_impl(collection, filter, update, true, upsert)
            .await?
            .0)
    }

    async fn find_one_and_update(
        &self,
        collection: &str,
        filter: &Value,
        update: &Value,
        upsert: bool,
    ) -> Result<Option<Value>, StoreError> {
        Ok(self
            .update_impl(collection, filter, update, false, upsert)
            .await?
            .1)
    }

    async fn delete_one(&self, collection: &str, filter: &Value) -> Result<u64, StoreError> {
        validate_collection_name(collection)?;
        let filter = Filter::parse(filter)?;
        let collection = collection.to_owned();
        self.write(move |conn, catalog| {
            ops::delete(conn, catalog, &collection, &filter, false).map(Ok)
        })
        .await
    }

    async fn delete_many(&self, collection: &str, filter: &Value) -> Result<u64, StoreError> {
        validate_collection_name(collection)?;
        let filter = Filter::parse(filter)?;
        let collection = collection.to_owned();
        self.write(move |conn, catalog| {
            ops::delete(conn, catalog, &collection, &filter, true).map(Ok)
        })
        .await
    }

    async fn ensure_index(&self, collection: &str, index: IndexSpec) -> Result<(), StoreError> {
        validate_collection_name(collection)?;
        index.validate()?;
        let collection = collection.to_owned();
        self.write(move |conn, catalog| catalog.ensure_index(conn, &collection, &index).map(Ok))
            .await
    }

    async fn drop_collection(&self, collection: &str) -> Result<bool, StoreError> {
        validate_collection_name(collection)?;
        let collection = collection.to_owned();
        self.write(move |conn, catalog| catalog.drop_collection(conn, &collection).map(Ok))
            .await
    }

    async fn list_collections(&self) -> Result<Vec<String>, StoreError> {
        self.read(|_, catalog| {
            let mut names: Vec<String> = catalog.collections.keys().cloned().collect();
            names.sort();
            Ok(names)
        })
        .await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.read(|conn, _| {
            conn.query_row("SELECT 1", [], |_| Ok(()))
                .map_err(|e| StoreError::Unavailable(e.to_string()))
        })
        .await
    }

    async fn purge_expired(&self) -> Result<u64, StoreError> {
        self.write(|conn, catalog| ops::purge_expired(conn, catalog).map(Ok))
            .await
    }
}
