//! bcrypt hashing and verification, always on tokio's blocking pool: a hash at cost 10 takes
//! tens of milliseconds, which would stall every request sharing an async worker.
//!
//! The blocking pool alone is not enough: fifty sign-ups at once would start fifty CPU-bound
//! threads that crowd the async workers off the cores. At most (cores - 1) hashes run at
//! once; the rest wait their turn without holding a thread.

use crate::AuthError;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Hashes and checks passwords at a fixed bcrypt cost.
#[derive(Debug, Clone)]
pub struct Passwords {
    cost: u32,
    slots: Arc<Semaphore>,
}

fn hashing_slots() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get().saturating_sub(1))
        .max(1)
}

/// bcrypt reads at most 72 bytes; longer passwords would silently share a hash.
pub const MAX_PASSWORD_BYTES: usize = 72;

impl Passwords {
    pub fn new(cost: u32) -> Self {
        Self {
            cost: cost.clamp(4, 31),
            slots: Arc::new(Semaphore::new(hashing_slots())),
        }
    }

    /// Runs one bcrypt computation on the blocking pool once a slot is free.
    async fn on_slot<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AuthError> {
        let _slot = self
            .slots
            .acquire()
            .await
            .map_err(|e| AuthError::Internal(e.to_string()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| AuthError::Internal(e.to_string()))
    }

    pub async fn hash(&self, plain: &str) -> Result<String, AuthError> {
        if plain.len() > MAX_PASSWORD_BYTES {
            return Err(AuthError::Invalid(format!(
                "password is longer than {MAX_PASSWORD_BYTES} bytes"
            )));
        }
        let (plain, cost) = (plain.to_owned(), self.cost);
        self.on_slot(move || bcrypt::hash(plain, cost))
            .await?
            .map_err(|e| AuthError::Internal(e.to_string()))
    }

    /// False for a wrong password and for a malformed hash alike.
    pub async fn verify(&self, plain: &str, hash: &str) -> Result<bool, AuthError> {
        if plain.len() > MAX_PASSWORD_BYTES {
            return Ok(false);
        }
        let (plain, hash) = (plain.to_owned(), hash.to_owned());
        self.on_slot(move || bcrypt::verify(plain, &hash).unwrap_or(false))
            .await
    }

    /// Spends the same time as a real check when there is no user, so timing does not tell
    /// whether an email is registered.
    pub async fn verify_nothing(&self, plain: &str) {
        static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let cost = self.cost;
        let dummy = DUMMY
            .get_or_init(|| bcrypt::hash("orchestrix-dummy-password", cost).unwrap_or_default());
        let _ = self.verify(plain, dummy).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_differ_per_call() {
        let p = Passwords::new(4);
        let a = p.hash("correct horse").await.unwrap();
        let b = p.hash("correct horse").await.unwrap();
        assert_ne!(a, b, "salted");
        assert!(a.starts_with("$2"));
        assert!(p.verify("correct horse", &a).await.unwrap());
        assert!(!p.verify("wrong horse", &a).await.unwrap());
        assert!(!p.verify("x", "not a hash").await.unwrap());
        assert!(p.hash(&"x".repeat(73)).await.is_err());
    }
}
