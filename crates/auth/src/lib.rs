//! Platform authentication for Orchestrix: bcrypt password hashing off the async threads,
//! JWT issue and verification, sessions (create, check, revoke, expire, clean up) and the
//! per-owner keys that sign end-user tokens for published APIs.
//!
//! Depends on the domain crate and the store's typed repositories; never on the web
//! framework: the server turns [`AuthError`] into HTTP answers.

mod accounts;
mod passwords;
mod tokens;

pub use accounts::{Accounts, Caller, SESSION_TTL_DEFAULT};
pub use passwords::{MAX_PASSWORD_BYTES, Passwords};
pub use tokens::{PlatformClaims, TokenKeys};

use orchestrix_store::StoreError;
use serde_json::Value;

/// Everything that can go wrong while authenticating.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Input broke a rule; `details` maps field names to messages.
    #[error("validation failed")]
    Validation(Value),
    /// A value the caller gave is unusable (e.g. a password over bcrypt's 72 bytes).
    #[error("{0}")]
    Invalid(String),
    /// The email is registered already.
    #[error("email already registered")]
    EmailTaken,
    /// Unknown email or wrong password — deliberately the same error.
    #[error("invalid email or password")]
    InvalidCredentials,
    /// Missing, malformed, expired, tampered or revoked token.
    #[error("unauthorized")]
    Unauthorized,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal: {0}")]
    Internal(String),
}
