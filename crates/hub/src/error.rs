use ecert_domain::FieldErrors;
use ecert_domain::auth::Permission;
use ecert_store::StoreError;

/// Every way a hub operation can fail, designed for the edge to map one to one onto a status and a message.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    /// No credential, or one that does not verify. The reason is for logs only: clients get one neutral message.
    #[error("authentication required")]
    Unauthenticated { reason: &'static str },
    /// The caller's roles do not include the permission.
    #[error("your roles do not allow this ({0:?})")]
    Forbidden(Permission),
    /// Absent, or present but owned by another tenant: the two are indistinguishable on purpose.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Input failed validation; each entry names a field.
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// The request conflicts with the current state (duplicate, already revoked, changed concurrently).
    #[error("{0}")]
    Conflict(String),
    #[error("internal error")]
    Internal(String),
}

impl HubError {
    pub fn invalid(field: &str, reason: impl Into<String>) -> Self {
        HubError::Invalid(ecert_domain::FieldError::new(field, reason).into())
    }
}

impl From<FieldErrors> for HubError {
    fn from(e: FieldErrors) -> Self {
        HubError::Invalid(e)
    }
}

impl From<StoreError> for HubError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(what) => HubError::Conflict(format!("a record with the same key already exists ({what})")),
            StoreError::Stale(what) => HubError::Conflict(what),
            StoreError::NotFound(_) => HubError::NotFound("record"),
            StoreError::MissingReference(what) => HubError::invalid("reference", format!("does not exist ({what})")),
            other => HubError::Internal(other.to_string()),
        }
    }
}
