//! The Public Key Registry model: which X.509 certificates belong to which CAB, and their history.
//! Parsing and checking certificates is the PKI crate's job; this module holds what the registry records.

use crate::ids::{CertificateId, InstitutionId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateStatus {
    Active,
    /// Renewed: a newer certificate replaces it; still valid for documents signed before the renewal.
    Superseded,
    Revoked,
}

impl CertificateStatus {
    pub fn code(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Superseded => "superseded",
            Self::Revoked => "revoked",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Active, Self::Superseded, Self::Revoked].into_iter().find(|v| v.code() == s)
    }
}

/// RFC 5280 CRLReason values that make sense for a registry-driven revocation.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationReason {
    Unspecified,
    KeyCompromise,
    CaCompromise,
    AffiliationChanged,
    Superseded,
    CessationOfOperation,
    PrivilegeWithdrawn,
}

impl RevocationReason {
    pub const ALL: [Self; 7] = [
        Self::Unspecified,
        Self::KeyCompromise,
        Self::CaCompromise,
        Self::AffiliationChanged,
        Self::Superseded,
        Self::CessationOfOperation,
        Self::PrivilegeWithdrawn,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
            Self::KeyCompromise => "key_compromise",
            Self::CaCompromise => "ca_compromise",
            Self::AffiliationChanged => "affiliation_changed",
            Self::Superseded => "superseded",
            Self::CessationOfOperation => "cessation_of_operation",
            Self::PrivilegeWithdrawn => "privilege_withdrawn",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.code() == s)
    }
}

/// What the registry keeps about one certificate. The DER itself is kept so validation can use it as an anchor.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisteredCertificate {
    pub id: CertificateId,
    pub institution: InstitutionId,
    /// Lower-case hex SHA-256 of the DER encoding.
    pub fingerprint_sha256: String,
    pub subject: String,
    pub issuer: String,
    /// Lower-case hex of the serial number.
    pub serial: String,
    #[serde(with = "time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    pub is_ca: bool,
    /// e.g. "RSA-3072", "EC-P256".
    pub key_algorithm: String,
    #[serde(skip)]
    pub der: Vec<u8>,
    pub status: CertificateStatus,
    pub replaces: Option<CertificateId>,
    pub replaced_by: Option<CertificateId>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    pub revocation_reason: Option<RevocationReason>,
    #[serde(with = "time::serde::rfc3339")]
    pub registered_at: OffsetDateTime,
}

impl RegisteredCertificate {
    /// Whether a signature made at `at` with this certificate can be trusted as far as the registry knows:
    /// within validity, and before any revocation. Supersession does not end trust in earlier signatures.
    pub fn usable_at(&self, at: OffsetDateTime) -> bool {
        self.not_before <= at && at <= self.not_after && self.revoked_at.is_none_or(|r| at < r)
    }
}

/// One entry in a certificate's history, kept forever.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateHistoryEntry {
    pub certificate: CertificateId,
    /// registered | renewed | superseded | revoked
    pub action: String,
    pub detail: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}
