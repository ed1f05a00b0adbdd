//! The one error type of the storage layer.

/// Why a store operation failed. The server maps `DuplicateKey` to 409, `Unavailable` to 503
/// and `InvalidQuery` to 400.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// A unique index refused the write; `field` names the indexed field(s), comma-separated
    /// for a compound index.
    #[error("duplicate value for unique field '{field}'")]
    DuplicateKey { field: String },
    /// The store is down, unreachable or did not answer in time.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// The filter, update, sort, projection or collection name is not one the store accepts.
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    /// Anything else: a bug, a corrupt record, a full disk.
    #[error("store error: {0}")]
    Internal(String),
}

impl StoreError {
    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        Self::InvalidQuery(msg.into())
    }

    pub(crate) fn internal(msg: impl std::fmt::Display) -> Self {
        Self::Internal(msg.to_string())
    }
}
