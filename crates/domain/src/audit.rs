//! Audit events. Each event has a canonical, versioned byte encoding: that encoding is what a transparency log
//! leaf commits to, so it must never depend on map ordering or on anything not stored with the event.

use crate::ids::InstitutionId;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub const ENCODING_VERSION: u32 = 1;

/// What happened. The string codes are part of the leaf encoding and never change meaning.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    CountryRegistered,
    InstitutionCreated,
    InstitutionStatusChanged,
    InstitutionWithdrawalNotified,
    InstitutionContactsChanged,
    AccreditationBodyCreated,
    AccreditationCreated,
    ScopeEntryCreated,
    CertificateRegistered,
    CertificateRenewed,
    CertificateRevoked,
    ApiKeyCreated,
    ApiKeyRevoked,
    OperatorBootstrapped,
    /// A pushed document passed every check and was stored (L1-L4).
    DocumentSubmitted,
    /// A push was refused; only this event is kept (with the PDF's digest).
    DocumentRejected,
    /// A submitted document was addressed to one receiving authority.
    DocumentRouted,
    /// The receiver has the notification (webhook accepted, or it pulled the header).
    DocumentDelivered,
    /// Push delivery gave up after its retries.
    DocumentDeliveryFailed,
    DocumentDownloaded,
    /// The receiver's business reply (received, accepted, rejected).
    DocumentAcknowledged,
    /// The issuer changed the document's status (suspended, reinstated, withdrawn, replaced).
    DocumentStatusChanged,
    /// The cached PDF was deleted; `before` is its SHA-256.
    PdfDeleted,
    /// A retention job removed records of one data layer past their period.
    RecordsPurged,
    WebhookRegistered,
    WebhookRemoved,
    /// A party had a file checked by the verification service; `after` is the file's SHA-256 (the file is not
    /// kept).
    DocumentVerified,
    /// A portal user was created (subjects: the user id; never the name or the password).
    UserCreated,
    /// A portal user was enabled or disabled.
    UserStatusChanged,
    /// The operator removed a user's TOTP secret and recovery codes, so the user enrols again.
    UserSecondFactorReset,
    /// A portal user completed both factors.
    UserLoggedIn,
    /// A failed password or second-factor attempt (subject: the user id when the user exists).
    UserLoginFailed,
    /// Consecutive failures reached the threshold; the account is locked for a while.
    UserLockedOut,
    /// A portal user enrolled (or re-enrolled) a TOTP authenticator.
    TotpEnrolled,
}

impl EventType {
    pub fn code(self) -> String {
        // serde's snake_case name is the single source of the code.
        serde_json::to_value(self).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
    }
}

/// A 32-byte SHA-256 digest, hex encoded when serialised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Digest(pub [u8; 32]);

impl Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(self.0))
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let bytes = hex::decode(&s).map_err(serde::de::Error::custom)?;
        let arr: [u8; 32] = bytes.try_into().map_err(|_| serde::de::Error::custom("digest must be 32 bytes"))?;
        Ok(Digest(arr))
    }
}

/// One audit event. Field order is the canonical order of the encoding; only ids and digests appear, never
/// personal data or document contents.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub v: u32,
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// The institution on whose behalf the action was taken (absent for the hub's own jobs).
    pub actor: Option<InstitutionId>,
    /// The credential used, e.g. "api_key:<id>" or "local_admin": an identifier, never a secret.
    pub credential: String,
    /// The institution whose records changed: decides who may read the event.
    pub subject_institution: Option<InstitutionId>,
    /// Ids of the changed entities, as "kind:id".
    pub subjects: Vec<String>,
    pub before: Option<Digest>,
    pub after: Option<Digest>,
    /// Unix time in milliseconds.
    pub time_ms: i64,
}

impl AuditEvent {
    pub fn new(event_type: EventType, at: OffsetDateTime) -> Self {
        Self {
            v: ENCODING_VERSION,
            event_type,
            actor: None,
            credential: String::new(),
            subject_institution: None,
            subjects: Vec::new(),
            before: None,
            after: None,
            time_ms: (at.unix_timestamp_nanos() / 1_000_000) as i64,
        }
    }

    /// The canonical bytes: compact JSON in declaration order (serde_json keeps struct field order, and the event
    /// holds no maps), so the same event always encodes to the same bytes.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    pub fn from_canonical_bytes(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn canonical_encoding_is_stable_and_round_trips() {
        let mut e = AuditEvent::new(EventType::CertificateRevoked, datetime!(2026-01-01 0:00 UTC));
        e.subjects = vec!["certificate:abc".into()];
        e.before = Some(Digest([1; 32]));
        let bytes = e.canonical_bytes();
        assert!(bytes.starts_with(br#"{"v":1,"type":"certificate_revoked","actor":null"#));
        assert_eq!(AuditEvent::from_canonical_bytes(&bytes).unwrap(), e);
        assert_eq!(EventType::ApiKeyCreated.code(), "api_key_created");
    }
}
