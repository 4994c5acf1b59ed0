#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was violated; the message names what already exists.
    #[error("already exists: {0}")]
    Conflict(String),
    /// A referenced record does not exist (foreign key).
    #[error("a referenced record does not exist: {0}")]
    MissingReference(String),
    /// The record is not in the state the write expected (changed concurrently, already revoked, ...).
    #[error("the record is not in the expected state: {0}")]
    Stale(String),
    #[error("not found: {0}")]
    NotFound(String),
    /// A stored value could not be decoded: the database was edited outside the hub, or is damaged.
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error("unsupported database url: {0}")]
    UnsupportedUrl(String),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// A group commit failed (SQLite submissions): nothing of the group was stored.
    #[error("the transaction could not be committed: {0}")]
    CommitFailed(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            if db.is_unique_violation() {
                return StoreError::Conflict(db.constraint().map_or_else(|| db.message().to_owned(), str::to_owned));
            }
            if db.is_foreign_key_violation() {
                return StoreError::MissingReference(
                    db.constraint().map_or_else(|| db.message().to_owned(), str::to_owned),
                );
            }
        }
        StoreError::Database(e)
    }
}
