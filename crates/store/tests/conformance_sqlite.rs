//! The conformance suite on the SQLite adapter: one test per case, `sqlite::<case>`.

use orchestrix_store::SqliteStore;
use orchestrix_store::conformance::Fixture;
use std::sync::Arc;

async fn fixture(_case: &str) -> Option<Fixture> {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("store.db"))
        .await
        .unwrap();
    Some(Fixture {
        store: Arc::new(store),
        guard: Box::new(dir),
    })
}

mod sqlite {
    orchestrix_store::conformance_suite!(super::fixture);
}
