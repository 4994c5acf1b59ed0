//! Records that exist only at the storage boundary (the domain has no notion of them).

use ecert_domain::audit::AuditEvent;
use ecert_domain::country::CountryCode;
use ecert_domain::ids::{ApiKeyId, InstitutionId};
use ecert_domain::institution::{LifecycleStatus, Role};
use serde::Serialize;
use time::OffsetDateTime;

/// A participating country.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Country {
    pub code: CountryCode,
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Proof that a write was recorded: the index of its audit event, which is the leaf index in the audit log.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Receipt {
    pub leaf_index: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstitutionFilter {
    pub country: Option<CountryCode>,
    pub role: Option<Role>,
    pub status: Option<LifecycleStatus>,
}

/// An API key as stored: only a hash of its secret.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiKeyRecord {
    pub id: ApiKeyId,
    pub institution: InstitutionId,
    pub label: String,
    #[serde(skip)]
    pub secret_hash: Vec<u8>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only events acted by, or about, this institution (the tenant rule); `None` for the operator's full view.
    pub institution: Option<InstitutionId>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredAuditEvent {
    pub leaf_index: u64,
    pub event: AuditEvent,
}
