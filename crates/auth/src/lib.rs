//! Platform authentication for Orchestrix: bcrypt password hashing off the async threads,
//! JWT issue and verification, sessions (create, check, revoke, expire, clean up) and the
//! per-owner secrets that sign end-user tokens.
//!
//! Depends on the domain crate and the store's typed repositories; never on the web
//! framework. Not written yet: this crate is a placeholder for its issue.
