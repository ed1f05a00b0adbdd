//! Background work that runs while the server does: the hourly clean-up of expired sessions
//! (MongoDB also has a TTL index) and of rate-limit memory.

use crate::state::AppState;
use actix_web::web;
use std::time::Duration;

pub const CLEANUP_EVERY: Duration = Duration::from_secs(3600);

/// One clean-up pass; returns how many expired sessions it removed.
pub async fn cleanup_once(state: &AppState) -> u64 {
    state.login_limiter.prune();
    match state
        .accounts
        .purge_expired_sessions(chrono::Utc::now())
        .await
    {
        Ok(n) => {
            if n > 0 {
                tracing::info!(removed = n, "expired sessions removed");
            }
            n
        }
        Err(e) => {
            tracing::warn!(error = %e, "session clean-up failed; will retry next hour");
            0
        }
    }
}

/// Runs [`cleanup_once`] every hour until the runtime stops.
pub fn spawn_cleanup(state: web::Data<AppState>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(CLEANUP_EVERY);
        loop {
            tick.tick().await;
            cleanup_once(&state).await;
        }
    });
}
