//! The conformance suite on the MongoDB adapter (SecantusDB in CI): one test per case,
//! `mongo::<case>`, each in its own database.
//!
//! Needs `MONGODB_TEST_URI`; without it the cases fail under `CI` and skip (with a printed
//! reason) elsewhere.

use orchestrix_domain::DocumentId;
use orchestrix_store::conformance::Fixture;
use orchestrix_store_mongo::{MongoOptions, MongoStore};
use std::sync::Arc;

fn test_uri() -> Option<String> {
    match std::env::var("MONGODB_TEST_URI") {
        Ok(uri) if !uri.is_empty() => Some(uri),
        _ if std::env::var_os("CI").is_some() => {
            panic!(
                "MONGODB_TEST_URI is not set: under CI the MongoDB conformance suite must run (start SecantusDB and export its URI)"
            )
        }
        _ => {
            eprintln!(
                "skipped: MONGODB_TEST_URI is not set (start SecantusDB and export it to run the MongoDB suite)"
            );
            None
        }
    }
}

/// `base` with its database path replaced by `db`.
fn with_database(base: &str, db: &str) -> String {
    let (head, query) = match base.split_once('?') {
        Some((h, q)) => (h, format!("?{q}")),
        None => (base, String::new()),
    };
    let scheme_end = head.find("://").map_or(0, |i| i + 3);
    let host_end = head[scheme_end..]
        .find('/')
        .map_or(head.len(), |i| scheme_end + i);
    format!("{}/{db}{query}", &head[..host_end])
}

async fn fixture(case: &str) -> Option<Fixture> {
    let uri = test_uri()?;
    let short: String = case.chars().take(28).collect();
    let db = format!("c{}_{short}", DocumentId::generate());
    let store = MongoStore::connect(&with_database(&uri, &db), MongoOptions::default())
        .await
        .unwrap();
    Some(Fixture {
        store: Arc::new(store),
        guard: Box::new(()),
    })
}

mod mongo {
    orchestrix_store::conformance_suite!(super::fixture);
}
