//! Crash test: a child process inserts documents and prints each id once its insert is
//! acknowledged; the parent kills it with SIGKILL mid-stream, reopens the database and
//! checks every acknowledged id is there. 20 rounds on one database file.
//!
//! Own harness (`harness = false`): the same binary is the child when
//! `ORCHESTRIX_CRASH_CHILD` names the database file.

use orchestrix_store::{DocumentStore, SqliteStore};
use serde_json::json;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

const CHILD_ENV: &str = "ORCHESTRIX_CRASH_CHILD";
const ROUNDS: usize = 20;
const WRITERS: usize = 8;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Inserts forever from several tasks, printing `ID <id>` after each acknowledged insert.
fn child(path: &Path) {
    runtime().block_on(async {
        let store = Arc::new(SqliteStore::open(path).await.unwrap());
        let mut tasks = Vec::new();
        for w in 0..WRITERS {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let mut i = 0u64;
                loop {
                    let doc = store
                        .insert_one(
                            "crash",
                            json!({"writer": w, "i": i, "pad": "x".repeat(200)}),
                        )
                        .await
                        .unwrap();
                    let line = format!("ID {}\n", doc["_id"].as_str().unwrap());
                    let mut out = std::io::stdout().lock();
                    out.write_all(line.as_bytes()).unwrap();
                    out.flush().unwrap();
                    i += 1;
                }
            }));
        }
        for t in tasks {
            let _ = t.await;
        }
    });
}

fn round(exe: &Path, db: &Path, round: usize) -> usize {
    let mut proc = Command::new(exe)
        .env(CHILD_ENV, db)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = proc.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    // Vary the point of the kill from round to round.
    let kill_after = 20 + (round * 37) % 300;
    let mut acked = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(id) = line.strip_prefix("ID ") {
            acked.push(id.to_owned());
            if acked.len() >= kill_after {
                break;
            }
        }
    }
    proc.kill().unwrap(); // SIGKILL
    // Ids printed before the kill landed are acknowledged too.
    for line in lines {
        let Ok(line) = line else { break };
        if let Some(id) = line.strip_prefix("ID ") {
            acked.push(id.to_owned());
        }
    }
    proc.wait().unwrap();
    runtime().block_on(async {
        let store = SqliteStore::open(db).await.unwrap();
        let mut missing = Vec::new();
        for chunk in acked.chunks(200) {
            let found = store
                .count("crash", &json!({"_id": {"$in": chunk}}))
                .await
                .unwrap();
            if found != chunk.len() as u64 {
                for id in chunk {
                    if store
                        .find_one("crash", &json!({"_id": id}))
                        .await
                        .unwrap()
                        .is_none()
                    {
                        missing.push(id.clone());
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "round {round}: {} of {} acknowledged ids lost: {:?}",
            missing.len(),
            acked.len(),
            &missing[..missing.len().min(5)]
        );
    });
    acked.len()
}

fn main() {
    if let Some(path) = std::env::var_os(CHILD_ENV) {
        child(Path::new(&path));
        return;
    }
    // `cargo test -- <filter>`: run only when the filter (if any) matches.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let name = "crash::acknowledged_writes_survive_sigkill";
    if filter.as_deref().is_some_and(|f| !name.contains(f)) {
        println!("0 passed, 0 failed");
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let mut total = 0;
    for r in 0..ROUNDS {
        total += round(&exe, &db, r);
    }
    println!("test {name} ... ok ({ROUNDS} rounds, {total} acknowledged inserts, 0 lost)");
    println!("1 passed, 0 failed");
}
