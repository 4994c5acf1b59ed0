//! Building audit events: who acted, on whose records, and digests of the state before and after.

use crate::Hub;
use ecert_domain::audit::{AuditEvent, Digest, EventType};
use ecert_domain::auth::{Credential, Principal};
use ecert_domain::ids::InstitutionId;
use serde::Serialize;

/// SHA-256 of the canonical JSON of a record. Only the digest enters the log, so the log can prove what a record
/// was without holding personal data.
pub(crate) fn digest_of<T: Serialize>(value: &T) -> Digest {
    sha256(&serde_json::to_vec(value).unwrap_or_default())
}

/// SHA-256 of `bytes` as the log records digests (a PDF, a request).
pub(crate) fn sha256(bytes: &[u8]) -> Digest {
    Digest(ecert_verify::crypto::sha256(bytes))
}

pub(crate) fn credential_label(c: &Credential) -> String {
    match c {
        Credential::ApiKey(id) => format!("api_key:{id}"),
        Credential::User(id) => format!("user:{id}"),
        Credential::LocalAdmin => "local_admin".to_owned(),
    }
}

impl Hub {
    pub(crate) fn event(
        &self,
        principal: &Principal,
        event_type: EventType,
        subject_institution: Option<InstitutionId>,
        subjects: Vec<String>,
    ) -> AuditEvent {
        let mut e = AuditEvent::new(event_type, self.now());
        e.actor = Some(principal.institution);
        e.credential = credential_label(&principal.credential);
        e.subject_institution = subject_institution;
        e.subjects = subjects;
        e
    }
}

pub(crate) trait WithDigests {
    fn before<T: Serialize>(self, v: &T) -> Self;
    fn after<T: Serialize>(self, v: &T) -> Self;
}

impl WithDigests for AuditEvent {
    fn before<T: Serialize>(mut self, v: &T) -> Self {
        self.before = Some(digest_of(v));
        self
    }
    fn after<T: Serialize>(mut self, v: &T) -> Self {
        self.after = Some(digest_of(v));
        self
    }
}
