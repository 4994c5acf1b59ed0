//! The one error type of the blob cache. Variants are specific so the hub can map them to precise answers
//! (404 for a deleted PDF, 413 for an oversized one, 500 plus an alarm for a corrupted one).

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("invalid blob key '{key}': {reason}")]
    InvalidKey { key: String, reason: &'static str },
    #[error("blob '{0}' not found")]
    NotFound(String),
    #[error("blob '{key}' is {size} bytes, over the limit of {limit} bytes")]
    TooLarge { key: String, size: u64, limit: u64 },
    #[error("blob '{key}' already exists with different content (SHA-256 {existing})")]
    Conflict { key: String, existing: String },
    #[error("blob '{key}' is corrupted: its SHA-256 is {actual}, but {expected} was recorded when it was stored")]
    DigestMismatch { key: String, expected: String, actual: String },
    #[error("blob '{key}' is corrupted: {reason}")]
    Corrupted { key: String, reason: String },
    #[error("I/O error while trying to {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("object store error: {0}")]
    ObjectStore(#[from] object_store::Error),
    #[error("invalid blob store configuration: {0}")]
    Config(String),
    #[error("background task failed: {0}")]
    Task(String),
}

impl BlobError {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> BlobError {
        let path = path.into();
        move |source| BlobError::Io { action, path, source }
    }
}

pub type Result<T, E = BlobError> = std::result::Result<T, E>;
