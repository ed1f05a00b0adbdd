//! The threads behind [`super::SqliteStore`]: one writer that commits concurrent writes in
//! groups, and a small pool of readers. Async callers wait on a oneshot; no SQLite call ever
//! runs on an async worker.

use super::catalog::{Catalog, sql_err};
use super::ops;
use crate::StoreError;
use rusqlite::Connection;
use std::collections::VecDeque;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::{Duration, Instant};

/// Hands a job's result to its caller once the group's commit outcome is known.
pub(crate) type Deliver = Box<dyn FnOnce(Option<StoreError>) + Send>;

/// A write: runs inside the group's transaction (in its own savepoint) and returns whether
/// its changes are kept, and how to deliver its result. Given `Err` when the group could not
/// start a transaction.
pub(crate) type WriteJob =
    Box<dyn FnOnce(Result<(&Connection, &mut Catalog), StoreError>) -> (bool, Deliver) + Send>;

pub(crate) type ReadJob = Box<dyn FnOnce(&Connection, &Catalog) + Send>;

pub(crate) type SharedCatalog = Arc<RwLock<Arc<Catalog>>>;

pub(crate) struct WriterConfig {
    pub max_batch: usize,
    pub purge_interval: Duration,
}

fn publish(shared: &SharedCatalog, catalog: &Catalog) {
    let snapshot = Arc::new(Catalog {
        collections: catalog.collections.clone(),
        dirty: false,
    });
    match shared.write() {
        Ok(mut g) => *g = snapshot,
        Err(poisoned) => *poisoned.into_inner() = snapshot,
    }
}

fn reload(conn: &Connection, catalog: &mut Catalog) {
    match Catalog::load(conn) {
        Ok(c) => *catalog = c,
        Err(e) => tracing::error!(error = %e, "could not reload the SQLite catalog"),
    }
}

pub(crate) fn run_writer(
    conn: Connection,
    jobs: Receiver<WriteJob>,
    shared: SharedCatalog,
    config: WriterConfig,
) {
    let mut catalog = match shared.read() {
        Ok(g) => Catalog::clone(&g),
        Err(p) => Catalog::clone(&p.into_inner()),
    };
    let mut next_purge = Instant::now() + config.purge_interval;
    let mut batch: Vec<WriteJob> = Vec::with_capacity(config.max_batch);
    loop {
        // Checked before waiting so that a steady stream of writes cannot starve the purge.
        if Instant::now() >= next_purge {
            next_purge = Instant::now() + config.purge_interval;
            purge(&conn, &catalog);
        }
        let wait = next_purge.saturating_duration_since(Instant::now());
        match jobs.recv_timeout(wait) {
            Ok(job) => batch.push(job),
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => break,
        }
        while batch.len() < config.max_batch {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        run_group(&conn, &mut catalog, &shared, batch.drain(..));
    }
}

/// The interval purge, in its own transaction.
fn purge(conn: &Connection, catalog: &Catalog) {
    let purged = conn
        .execute_batch("BEGIN IMMEDIATE")
        .map_err(sql_err)
        .and_then(|_| ops::purge_expired(conn, catalog))
        .and_then(|n| conn.execute_batch("COMMIT").map_err(sql_err).map(|_| n));
    match purged {
        Ok(n) if n > 0 => tracing::debug!(removed = n, "expired documents purged"),
        Ok(_) => {}
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            tracing::warn!(error = %e, "expiry purge failed");
        }
    }
}

fn run_group(
    conn: &Connection,
    catalog: &mut Catalog,
    shared: &SharedCatalog,
    batch: impl Iterator<Item = WriteJob>,
) {
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        let e = sql_err(e);
        for job in batch {
            let (_, deliver) = job(Err(e.clone()));
            deliver(None);
        }
        return;
    }
    let mut delivers = Vec::new();
    let mut changed_catalog = false;
    for job in batch {
        if let Err(e) = conn.execute_batch("SAVEPOINT job") {
            let (_, deliver) = job(Err(sql_err(e)));
            delivers.push(deliver);
            continue;
        }
        catalog.dirty = false;
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            job(Ok((conn, &mut *catalog)))
        }));
        let Ok((keep, deliver)) = ran else {
            // A bug in a job: undo its changes; its caller sees the store as stopped.
            tracing::error!("a write job panicked");
            let _ = conn.execute_batch("ROLLBACK TO job; RELEASE job");
            reload(conn, catalog);
            continue;
        };
        if keep {
            changed_catalog |= catalog.dirty;
            if let Err(e) = conn.execute_batch("RELEASE job") {
                tracing::error!(error = %e, "release savepoint failed");
            }
        } else {
            let _ = conn.execute_batch("ROLLBACK TO job; RELEASE job");
            if catalog.dirty {
                reload(conn, catalog);
            }
        }
        delivers.push(deliver);
    }
    match conn.execute_batch("COMMIT") {
        Ok(()) => {
            if changed_catalog {
                publish(shared, catalog);
            }
            for d in delivers {
                d(None);
            }
        }
        Err(e) => {
            let e = sql_err(e);
            let _ = conn.execute_batch("ROLLBACK");
            reload(conn, catalog);
            for d in delivers {
                d(Some(e.clone()));
            }
        }
    }
}

/// The readers' job queue: a condition variable wakes exactly one idle reader per job.
#[derive(Default)]
pub(crate) struct ReadQueue {
    state: Mutex<(VecDeque<ReadJob>, bool)>,
    ready: Condvar,
}

impl ReadQueue {
    /// Queues a job; `false` once the queue is closed.
    pub fn push(&self, job: ReadJob) -> bool {
        let Ok(mut state) = self.state.lock() else {
            return false;
        };
        if state.1 {
            return false;
        }
        state.0.push_back(job);
        drop(state);
        self.ready.notify_one();
        true
    }

    /// Lets the readers finish the queued jobs and stop.
    pub fn close(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.1 = true;
        }
        self.ready.notify_all();
    }

    fn pop(&self) -> Option<ReadJob> {
        let mut state = self.state.lock().ok()?;
        loop {
            if let Some(job) = state.0.pop_front() {
                return Some(job);
            }
            if state.1 {
                return None;
            }
            state = self.ready.wait(state).ok()?;
        }
    }
}

pub(crate) fn run_reader(conn: Connection, jobs: Arc<ReadQueue>, shared: SharedCatalog) {
    while let Some(job) = jobs.pop() {
        let catalog = match shared.read() {
            Ok(g) => Arc::clone(&g),
            Err(p) => Arc::clone(&p.into_inner()),
        };
        job(&conn, &catalog);
    }
}
