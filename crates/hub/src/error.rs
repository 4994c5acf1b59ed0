use ecert_domain::auth::Permission;
use ecert_domain::{FieldError, FieldErrorCode, FieldErrors};
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
    /// A pushed document failed a trust check. Nothing was stored but the audit event of the rejection.
    #[error("document rejected: {}", .0.detail)]
    Rejected(Box<Rejection>),
    /// It existed, and is gone for good (a PDF deleted after receipt or on expiry).
    #[error("{0}")]
    Gone(String),
    /// A portal sign-in step failed; the variant says which way, so the portal can say it in the user's language.
    #[error("sign-in failed: {0}")]
    Login(crate::users::LoginFailure),
    #[error("internal error")]
    Internal(String),
}

/// Why a push was refused, in a form the edge can show as is.
#[derive(Debug, Clone)]
pub struct Rejection {
    /// Stable machine-readable code, e.g. `signature_invalid`, `signer_not_registered`, `out_of_scope`.
    pub code: &'static str,
    /// One readable sentence.
    pub detail: String,
    /// The full validation report (JSON), when validation ran.
    pub report: Option<serde_json::Value>,
}

impl HubError {
    pub fn rejected(code: &'static str, detail: impl Into<String>, report: Option<serde_json::Value>) -> Self {
        HubError::Rejected(Box::new(Rejection { code, detail: detail.into(), report }))
    }
}

impl HubError {
    /// One rejected field, with the catch-all code [`FieldErrorCode::Invalid`] (malformed, unknown or unsuitable).
    pub fn invalid(field: &str, reason: impl Into<String>) -> Self {
        Self::invalid_with_code(field, FieldErrorCode::Invalid, reason)
    }

    /// One rejected field, with the code that says why.
    pub fn invalid_with_code(field: &str, code: FieldErrorCode, reason: impl Into<String>) -> Self {
        HubError::Invalid(FieldError::with_code(field, code, reason).into())
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
            StoreError::Conflict(what) => {
                HubError::Conflict(format!("a record with the same key already exists ({what})"))
            }
            StoreError::Stale(what) => HubError::Conflict(what),
            StoreError::NotFound(_) => HubError::NotFound("record"),
            StoreError::MissingReference(what) => HubError::invalid("reference", format!("does not exist ({what})")),
            other => HubError::Internal(other.to_string()),
        }
    }
}
