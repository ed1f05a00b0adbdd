//! SQLite adapter benchmarks (figures in docs/performance.md):
//! - `find_by_indexed_equality`: one `find_one` on a unique-indexed field among 100,000
//!   documents, against the same lookup on an unindexed field (the baseline);
//! - `insert_16_writers`: rounds of 16 concurrent `insert_one`s, group commit against one
//!   transaction per insert (the baseline), as inserts per second.
//!
//! Run: `CARGO_TARGET_DIR=/work/target-store cargo bench -p orchestrix-store --bench sqlite`

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use orchestrix_store::{DocumentStore, IndexSpec, SqliteOptions, SqliteStore};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

const DOCS: usize = 100_000;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn lookups(c: &mut Criterion) {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let store = rt.block_on(async {
        let store = SqliteStore::open(&dir.path().join("bench.db")).await.unwrap();
        store
            .ensure_index("users", IndexSpec::on(&["email"]).unique())
            .await
            .unwrap();
        for chunk in 0..DOCS / 1000 {
            let docs = (0..1000)
                .map(|i| {
                    let n = chunk * 1000 + i;
                    json!({"email": format!("user{n}@example.com"), "plain": format!("user{n}@example.com"),
                           "name": format!("User {n}"), "age": n % 90, "tags": ["a", "b"]})
                })
                .collect();
            store.insert_many("users", docs).await.unwrap();
        }
        store
    });
    let mut group = c.benchmark_group("find_by_indexed_equality");
    let mut n = 0usize;
    group.bench_function("indexed_100k", |b| {
        b.iter(|| {
            n = (n + 7919) % DOCS;
            let filter = json!({"email": format!("user{n}@example.com")});
            let doc = rt.block_on(store.find_one("users", &filter)).unwrap();
            assert!(doc.is_some());
        })
    });
    group.bench_function("ping_round_trip", |b| {
        b.iter(|| rt.block_on(store.ping()).unwrap())
    });
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("unindexed_scan_100k_baseline", |b| {
        b.iter(|| {
            n = (n + 7919) % DOCS;
            let filter = json!({"plain": format!("user{n}@example.com")});
            let doc = rt.block_on(store.find_one("users", &filter)).unwrap();
            assert!(doc.is_some());
        })
    });
    group.finish();
}

fn inserts(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("insert_16_writers");
    group.throughput(Throughput::Elements(16));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(10));
    for (name, group_commit) in [("group_commit", true), ("txn_per_insert_baseline", false)] {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn DocumentStore> = rt.block_on(async {
            let options = SqliteOptions {
                group_commit,
                ..SqliteOptions::default()
            };
            let s = SqliteStore::open_with(&dir.path().join("bench.db"), options)
                .await
                .unwrap();
            s.ensure_index("events", IndexSpec::on(&["key"]).unique())
                .await
                .unwrap();
            Arc::new(s)
        });
        let mut counter = 0u64;
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                rt.block_on(async {
                    for _ in 0..iters {
                        let mut tasks = Vec::with_capacity(16);
                        for _ in 0..16 {
                            counter += 1;
                            let s = store.clone();
                            let doc = json!({"key": counter, "payload": "x".repeat(100)});
                            tasks.push(tokio::spawn(
                                async move { s.insert_one("events", doc).await },
                            ));
                        }
                        for t in tasks {
                            t.await.unwrap().unwrap();
                        }
                    }
                });
                start.elapsed()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, lookups, inserts);
criterion_main!(benches);
