//! Sessions expire, and the hourly clean-up job removes expired ones, on both stores.

#[macro_use]
mod common;

use common::{Store, real_server, test_settings};
use orchestrix_server::jobs::cleanup_once;
use orchestrix_server::state::AppState;

async fn state_on(store: Store, dir: &std::path::Path) -> Option<AppState> {
    let uri;
    let mut extra = vec![("SESSION_TTL", "2s")];
    if store == Store::Mongo {
        let base = real_server("MONGODB_TEST_URI", "the MongoDB-protocol server")?;
        uri = format!(
            "{}/sessions_{}",
            base.trim_end_matches('/'),
            orchestrix_domain::DocumentId::generate()
        );
        extra.extend([("STORAGE", "mongodb"), ("MONGODB_URI", uri.as_str())]);
    }
    Some(
        AppState::build(test_settings(dir, &extra).unwrap())
            .await
            .unwrap(),
    )
}

async fn cleanup_job_removes_expired_sessions(store: Store) {
    let dir = tempfile::tempdir().unwrap();
    let Some(state) = state_on(store, dir.path()).await else {
        return;
    };
    let (_, token) = state
        .accounts
        .register("old@example.com", "long-enough", None, None)
        .await
        .unwrap();
    let caller = state
        .accounts
        .authenticate(&token)
        .await
        .expect("fresh token works");
    assert_eq!(
        state
            .accounts
            .sessions(&caller.user_id)
            .await
            .unwrap()
            .len(),
        1
    );

    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert!(
        state.accounts.authenticate(&token).await.is_err(),
        "an expired session fails"
    );
    let (_, fresh) = state
        .accounts
        .login("old@example.com", "long-enough", None)
        .await
        .unwrap();

    // The stores also purge on their own (TTL index, SQLite's periodic purge); if one got
    // there first, the job finds nothing. Either way the expired session must be gone.
    let before = state.accounts.sessions(&caller.user_id).await.unwrap();
    let still_there = before.iter().any(|s| s.id == caller.session_id) as u64;
    assert_eq!(
        cleanup_once(&state).await,
        still_there,
        "the job removes exactly the expired session"
    );
    let sessions = state.accounts.sessions(&caller.user_id).await.unwrap();
    assert_eq!(sessions.len(), 1, "the fresh session stays");
    assert!(
        sessions.iter().all(|s| s.id != caller.session_id),
        "the expired one is gone"
    );
    assert!(state.accounts.authenticate(&fresh).await.is_ok());
    assert_eq!(cleanup_once(&state).await, 0);
}

both_stores!(cleanup_job_removes_expired_sessions);
