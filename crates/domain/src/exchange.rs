//! Model A exchanges: routing a pushed document to its receivers, the per-receiver delivery status, the
//! receiver's business reply, the EPIX wire status, and the retention policy of the five data layers.
//!
//! Each receiver gets its own exchange with its own delivery status. The cached PDF is one per document,
//! shared by its exchanges, so PDF deletion is decided over all of them ([`pdf_deletion_due`]).

use crate::country::CountryCode;
use crate::document::{DocumentMetadata, DocumentStatus};
use crate::document_type::DocumentType;
use crate::error::{FieldErrorCode, FieldErrors};
use crate::ids::InstitutionId;
use crate::institution::{Institution, LifecycleStatus};
use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};

pub const MAX_REASON_CODE_LEN: usize = 32;
pub const MAX_REPLY_TEXT_LEN: usize = 2000;

// ---------------------------------------------------------------------------------------------------------
// Routing

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoutingError {
    #[error("no active receiving authority of {country} accepts {document_type} documents")]
    NoReceiver { country: CountryCode, document_type: DocumentType },
    #[error("the named receiving authority {id} is unknown")]
    UnknownReceiver { id: InstitutionId },
    #[error("the named receiving authority {id} cannot receive this document: {reason}")]
    IneligibleReceiver { id: InstitutionId, reason: String },
}

/// Chooses the receivers of a document: the named receiving authority alone when the issuer named one,
/// otherwise every eligible one of the destination country. Eligible means: holds a receiving-authority role,
/// belongs to the destination country, is active on `date`, and `accepts` the document type (its exchange
/// profile, kept by the caller). The result is sorted and free of duplicates.
pub fn route(
    metadata: &DocumentMetadata,
    institutions: &[Institution],
    date: Date,
    accepts: impl Fn(&Institution, DocumentType) -> bool,
) -> Result<Vec<InstitutionId>, RoutingError> {
    let ineligibility = |i: &Institution| -> Option<String> {
        if !i.is_receiving_authority() {
            Some("it is not a receiving authority".into())
        } else if i.country != metadata.destination_country {
            Some(format!("it belongs to {}, not to the destination {}", i.country, metadata.destination_country))
        } else if i.status_on(date) != LifecycleStatus::Active {
            Some(format!("it is {}", i.status_on(date).code()))
        } else if !accepts(i, metadata.document_type) {
            Some(format!("it does not accept {} documents", metadata.document_type))
        } else {
            None
        }
    };
    if let Some(id) = metadata.receiving_authority {
        let named = institutions.iter().find(|i| i.id == id).ok_or(RoutingError::UnknownReceiver { id })?;
        return match ineligibility(named) {
            None => Ok(vec![id]),
            Some(reason) => Err(RoutingError::IneligibleReceiver { id, reason }),
        };
    }
    let mut receivers: Vec<InstitutionId> =
        institutions.iter().filter(|i| ineligibility(i).is_none()).map(|i| i.id).collect();
    receivers.sort();
    receivers.dedup();
    if receivers.is_empty() {
        return Err(RoutingError::NoReceiver {
            country: metadata.destination_country,
            document_type: metadata.document_type,
        });
    }
    Ok(receivers)
}

// ---------------------------------------------------------------------------------------------------------
// Delivery status

/// Where one exchange (one document to one receiver) stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeliveryStatus {
    /// Routed; the receiver has not yet been reached.
    PendingDelivery,
    /// The receiver has the notification (webhook accepted it, or it pulled the header).
    Delivered,
    /// The receiver downloaded the PDF.
    Downloaded,
    /// The receiver sent its business reply.
    Acknowledged,
    /// Push delivery gave up after its retries; the receiver can still pull.
    FailedDelivery,
    /// The PDF's time-to-live ran out before the receiver downloaded it.
    Expired,
    /// The PDF was deleted after receipt, per the SOP; metadata and evidence remain.
    PdfDeleted,
}

/// What happened to an exchange.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryEvent {
    /// A notification was accepted by the receiver's endpoint, or the receiver pulled the header.
    Delivered,
    /// Push delivery exhausted its retries.
    DeliveryFailed,
    Downloaded,
    Acknowledged,
    /// The cached PDF was deleted after receipt (on acknowledgement or first download).
    PdfDeleted,
    /// The PDF's time-to-live ran out and the purge job deleted it.
    TtlExpired,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryTransitionError {
    #[error("the PDF is no longer available (exchange is {status})")]
    PdfGone { status: DeliveryStatus },
    #[error("the exchange has already been acknowledged")]
    AlreadyAcknowledged,
    #[error("event {event:?} is not allowed while the exchange is {status}")]
    NotAllowed { status: DeliveryStatus, event: DeliveryEvent },
}

impl DeliveryStatus {
    pub const ALL: [Self; 7] = [
        Self::PendingDelivery,
        Self::Delivered,
        Self::Downloaded,
        Self::Acknowledged,
        Self::FailedDelivery,
        Self::Expired,
        Self::PdfDeleted,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::PendingDelivery => "PENDING_DELIVERY",
            Self::Delivered => "DELIVERED",
            Self::Downloaded => "DOWNLOADED",
            Self::Acknowledged => "ACKNOWLEDGED",
            Self::FailedDelivery => "FAILED_DELIVERY",
            Self::Expired => "EXPIRED",
            Self::PdfDeleted => "PDF_DELETED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.code().eq_ignore_ascii_case(s))
    }

    /// The receiver has had the document in hand (a PDF deleted after receipt counts).
    pub fn is_received(self) -> bool {
        matches!(self, Self::Downloaded | Self::Acknowledged | Self::PdfDeleted)
    }

    /// The status after `event`, or why the event cannot happen now. A repeated download while the PDF is
    /// still cached is allowed and changes nothing; everything else that is not listed is refused.
    pub fn apply(self, event: DeliveryEvent) -> Result<Self, DeliveryTransitionError> {
        use DeliveryEvent as E;
        use DeliveryStatus::*;
        match (self, event) {
            (PendingDelivery | FailedDelivery, E::Delivered) => Ok(Delivered),
            (PendingDelivery, E::DeliveryFailed) => Ok(FailedDelivery),
            // Pulling the PDF proves delivery, whether or not the notification got through.
            (PendingDelivery | Delivered | FailedDelivery | Downloaded, E::Downloaded) => Ok(Downloaded),
            (Expired | PdfDeleted, E::Downloaded) => Err(DeliveryTransitionError::PdfGone { status: self }),
            // A reply may rest on the metadata alone, so it needs delivery, not a download; it remains
            // possible after the PDF is gone.
            (Delivered | Downloaded | Expired | PdfDeleted, E::Acknowledged) => Ok(Acknowledged),
            (Acknowledged, E::Acknowledged) => Err(DeliveryTransitionError::AlreadyAcknowledged),
            (Downloaded | Acknowledged, E::PdfDeleted) => Ok(PdfDeleted),
            (PendingDelivery | Delivered | FailedDelivery, E::TtlExpired) => Ok(Expired),
            // Received before the TTL ran out: the purge is the routine deletion.
            (Downloaded | Acknowledged, E::TtlExpired) => Ok(PdfDeleted),
            (status, event) => Err(DeliveryTransitionError::NotAllowed { status, event }),
        }
    }
}

impl std::fmt::Display for DeliveryStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

// ---------------------------------------------------------------------------------------------------------
// Business reply

/// The receiver's decision, sent back to the issuer. Separate from the transport status: a document can be
/// delivered perfectly and still be rejected.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BusinessDecision {
    Received,
    Accepted,
    Rejected,
}

impl BusinessDecision {
    pub const ALL: [Self; 3] = [Self::Received, Self::Accepted, Self::Rejected];

    pub fn code(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.code().eq_ignore_ascii_case(s))
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewBusinessReply {
    pub decision: String,
    /// The receiver's own code (`HS_MISMATCH`, `EXPIRED`, ...): upper-case letters, digits, `_`, `-`, `.`.
    #[serde(default)]
    pub reason_code: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessReply {
    pub decision: BusinessDecision,
    pub reason_code: Option<String>,
    pub text: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

impl NewBusinessReply {
    /// A rejection must say why (a reason code); the other decisions may.
    pub fn validate(self, now: OffsetDateTime) -> Result<BusinessReply, FieldErrors> {
        let mut errors = FieldErrors::default();
        let decision = BusinessDecision::parse(self.decision.trim());
        if decision.is_none() {
            errors.push(
                "decision",
                format!("expected one of: {}", BusinessDecision::ALL.map(BusinessDecision::code).join(", ")),
            );
        }
        let reason_code = self.reason_code.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
        match &reason_code {
            Some(code) if code.len() > MAX_REASON_CODE_LEN => errors.push_code(
                "reason_code",
                FieldErrorCode::TooLong,
                format!("must be at most {MAX_REASON_CODE_LEN} characters"),
            ),
            Some(code)
                if !code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b"_-.".contains(&b)) =>
            {
                errors.push("reason_code", "may contain only upper-case letters, digits, '_', '-' and '.'")
            }
            None if decision == Some(BusinessDecision::Rejected) => {
                errors.push_code("reason_code", FieldErrorCode::Required, "a rejection must give a reason code")
            }
            _ => {}
        }
        let text = self.text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        if let Some(t) = &text {
            if t.chars().count() > MAX_REPLY_TEXT_LEN {
                errors.push_code(
                    "text",
                    FieldErrorCode::TooLong,
                    format!("must be at most {MAX_REPLY_TEXT_LEN} characters"),
                );
            } else if t.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
                errors.push("text", "must not contain control characters");
            }
        }
        errors.into_result()?;
        let decision = decision.ok_or_else(|| FieldErrors::from(crate::FieldError::new("decision", "missing")))?;
        Ok(BusinessReply { decision, reason_code, text, at: now })
    }
}

// ---------------------------------------------------------------------------------------------------------
// EPIX wire status

/// The three statuses EPIX puts on the wire when an authority asks about a document by number.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EpixStatus {
    Valid,
    Cancelled,
    NotAvailable,
}

impl EpixStatus {
    pub fn code(self) -> &'static str {
        match self {
            Self::Valid => "VALID",
            Self::Cancelled => "CANCELLED",
            Self::NotAvailable => "NOT_AVAILABLE",
        }
    }

    /// Maps the hub's view of a document to the wire. `None` is a document the asker may not see or the hub
    /// does not know: both answer NOT_AVAILABLE, so the answer does not reveal which. Withdrawn and replaced
    /// documents are CANCELLED (the replacement is the one to use); a suspended or expired one is
    /// NOT_AVAILABLE, because it is not to be relied on but the issuer has not cancelled it.
    pub fn of(document: Option<(DocumentStatus, Date)>, today: Date) -> Self {
        match document {
            None => Self::NotAvailable,
            Some((DocumentStatus::Withdrawn | DocumentStatus::Replaced, _)) => Self::Cancelled,
            Some((DocumentStatus::Suspended, _)) => Self::NotAvailable,
            Some((DocumentStatus::Valid, valid_until)) if today > valid_until => Self::NotAvailable,
            Some((DocumentStatus::Valid, _)) => Self::Valid,
        }
    }
}

impl std::fmt::Display for EpixStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

// ---------------------------------------------------------------------------------------------------------
// Retention

/// When the cached PDF is deleted after receipt. The time-to-live applies in every case.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PdfDeletionTrigger {
    /// Once every receiver has sent its business reply.
    OnAcknowledgement,
    /// Once every receiver has downloaded it.
    OnFirstDownload,
}

/// How long each data layer is kept. Configured in the `retention` section of the hub's config; every period
/// is a whole number so the config file reads plainly.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionPolicy {
    /// L1: when the PDF goes after receipt.
    pub pdf_deletion: PdfDeletionTrigger,
    /// L1: the PDF's time-to-live in the cache, received or not.
    pub pdf_ttl_hours: u32,
    /// L2: document metadata and exchange records.
    pub metadata_days: u32,
    /// L3: signature and hash evidence (validation reports, digests).
    pub evidence_days: u32,
    /// L4: PKI validation data: certificates, CRLs, OCSP responses, timestamps.
    pub pki_data_days: u32,
    /// L5: audit events.
    pub audit_days: u32,
}

pub const MAX_PDF_TTL_HOURS: u32 = 24 * 366;
pub const MIN_LAYER_RETENTION_DAYS: u32 = 30;
pub const MAX_LAYER_RETENTION_DAYS: u32 = 100 * 366;

impl Default for RetentionPolicy {
    /// Temporary relay: the PDF stays until acknowledged, at most 30 days. Metadata stays five years (a
    /// typical certificate validity); evidence and PKI data ten, so a document can be re-verified for as long
    /// as questions about it can arise; the audit log outlives them all.
    fn default() -> Self {
        Self {
            pdf_deletion: PdfDeletionTrigger::OnAcknowledgement,
            pdf_ttl_hours: 30 * 24,
            metadata_days: 5 * 366,
            evidence_days: 10 * 366,
            pki_data_days: 10 * 366,
            audit_days: 11 * 366,
        }
    }
}

/// Why the cached PDF of a document is deleted; recorded in the audit log with the PDF's hash.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PdfDeletionReason {
    AllAcknowledged,
    AllDownloaded,
    TtlExpired,
}

impl RetentionPolicy {
    /// Checks the bounds of each period and that they nest: evidence is only useful while the metadata it
    /// supports exists, PKI data is what re-verifies the evidence, and the audit log must outlive the data
    /// whose purge it records.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::default();
        if self.pdf_ttl_hours == 0 || self.pdf_ttl_hours > MAX_PDF_TTL_HOURS {
            errors.push("pdf_ttl_hours", format!("must be between 1 and {MAX_PDF_TTL_HOURS}"));
        }
        let layers = [
            ("metadata_days", self.metadata_days),
            ("evidence_days", self.evidence_days),
            ("pki_data_days", self.pki_data_days),
            ("audit_days", self.audit_days),
        ];
        for (field, days) in layers {
            if !(MIN_LAYER_RETENTION_DAYS..=MAX_LAYER_RETENTION_DAYS).contains(&days) {
                errors.push(
                    field,
                    format!("must be between {MIN_LAYER_RETENTION_DAYS} and {MAX_LAYER_RETENTION_DAYS} days"),
                );
            }
        }
        if self.evidence_days < self.metadata_days {
            errors.push("evidence_days", "must not be shorter than metadata_days");
        }
        if self.pki_data_days < self.evidence_days {
            errors.push("pki_data_days", "must not be shorter than evidence_days");
        }
        let longest = self.metadata_days.max(self.evidence_days).max(self.pki_data_days);
        if self.audit_days < longest {
            errors.push("audit_days", "must not be shorter than any other retention period");
        }
        if u64::from(self.pdf_ttl_hours) > u64::from(self.metadata_days) * 24 {
            errors.push("pdf_ttl_hours", "the PDF must not outlive its metadata");
        }
        errors.into_result()
    }

    pub fn pdf_ttl(&self) -> Duration {
        Duration::hours(i64::from(self.pdf_ttl_hours))
    }

    /// The instant before which a layer's records are due for purging.
    pub fn purge_cutoff(&self, layer: DataLayer, now: OffsetDateTime) -> OffsetDateTime {
        let period = match layer {
            DataLayer::Pdf => self.pdf_ttl(),
            DataLayer::Metadata => Duration::days(i64::from(self.metadata_days)),
            DataLayer::Evidence => Duration::days(i64::from(self.evidence_days)),
            DataLayer::PkiData => Duration::days(i64::from(self.pki_data_days)),
            DataLayer::Audit => Duration::days(i64::from(self.audit_days)),
        };
        now.checked_sub(period).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

/// The five data layers of Model A.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataLayer {
    /// L1
    Pdf,
    /// L2
    Metadata,
    /// L3
    Evidence,
    /// L4
    PkiData,
    /// L5
    Audit,
}

/// Whether a document's cached PDF must be deleted now, given the delivery status of each of its exchanges
/// and when the PDF was cached. An empty exchange list (nothing routed) leaves only the time-to-live.
pub fn pdf_deletion_due(
    policy: &RetentionPolicy,
    exchanges: &[DeliveryStatus],
    cached_at: OffsetDateTime,
    now: OffsetDateTime,
) -> Option<PdfDeletionReason> {
    if now - cached_at >= policy.pdf_ttl() {
        return Some(PdfDeletionReason::TtlExpired);
    }
    if exchanges.is_empty() {
        return None;
    }
    match policy.pdf_deletion {
        PdfDeletionTrigger::OnAcknowledgement if exchanges.iter().all(|s| *s == DeliveryStatus::Acknowledged) => {
            Some(PdfDeletionReason::AllAcknowledged)
        }
        PdfDeletionTrigger::OnFirstDownload if exchanges.iter().all(|s| s.is_received()) => {
            Some(PdfDeletionReason::AllDownloaded)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::NewDocumentMetadata;
    use crate::institution::Role;
    use time::macros::{date, datetime};

    const TODAY: Date = date!(2026 - 06 - 15);

    fn authority(country: &str, roles: Vec<Role>, status: LifecycleStatus) -> Institution {
        Institution {
            id: InstitutionId::new(),
            country: CountryCode::parse(country).unwrap(),
            name: "Authority".into(),
            roles,
            contacts: vec![],
            status,
            withdrawal: None,
            created_at: datetime!(2026-01-01 0:00 UTC),
            updated_at: datetime!(2026-01-01 0:00 UTC),
        }
    }

    fn metadata(named: Option<InstitutionId>) -> DocumentMetadata {
        NewDocumentMetadata {
            document_number: "N-1".into(),
            document_type: "TR".into(),
            hs_codes: vec!["847130".into()],
            product_description: "Laptops".into(),
            issue_date: date!(2026 - 06 - 01),
            valid_until: date!(2027 - 06 - 01),
            destination_country: "UZ".into(),
            receiving_authority: named,
            applicant: None,
            manufacturer: None,
            applied_standards: vec![],
            public_token: None,
        }
        .validate(TODAY)
        .unwrap()
    }

    #[test]
    fn routing_picks_every_eligible_authority_of_the_destination() {
        let customs = authority("UZ", vec![Role::Customs], LifecycleStatus::Active);
        let regulator = authority("UZ", vec![Role::Regulator], LifecycleStatus::Active);
        let suspended = authority("UZ", vec![Role::Customs], LifecycleStatus::Suspended);
        let elsewhere = authority("KG", vec![Role::Customs], LifecycleStatus::Active);
        let cab = authority("UZ", vec![Role::IssuingCab], LifecycleStatus::Active);
        let only_coc = authority("UZ", vec![Role::Regulator], LifecycleStatus::Active);
        let only_coc_id = only_coc.id;
        let all = [customs.clone(), regulator.clone(), suspended, elsewhere, cab, only_coc];
        let accepts =
            |i: &Institution, t: DocumentType| i.id != only_coc_id || t == DocumentType::ConformityCertificate;

        let mut expected = vec![customs.id, regulator.id];
        expected.sort();
        assert_eq!(route(&metadata(None), &all, TODAY, accepts).unwrap(), expected);

        assert_eq!(route(&metadata(Some(regulator.id)), &all, TODAY, accepts).unwrap(), vec![regulator.id]);
        assert!(matches!(route(&metadata(None), &all[2..5], TODAY, accepts), Err(RoutingError::NoReceiver { .. })));
    }

    #[test]
    fn a_named_receiver_must_exist_and_be_eligible() {
        let suspended = authority("UZ", vec![Role::Customs], LifecycleStatus::Suspended);
        let elsewhere = authority("KG", vec![Role::Customs], LifecycleStatus::Active);
        let cab = authority("UZ", vec![Role::IssuingCab], LifecycleStatus::Active);
        let refusing = authority("UZ", vec![Role::Customs], LifecycleStatus::Active);
        let refusing_id = refusing.id;
        let all = [suspended.clone(), elsewhere.clone(), cab.clone(), refusing.clone()];
        let accepts = |i: &Institution, _: DocumentType| i.id != refusing_id;

        let unknown = InstitutionId::new();
        assert_eq!(
            route(&metadata(Some(unknown)), &all, TODAY, accepts),
            Err(RoutingError::UnknownReceiver { id: unknown })
        );
        for (who, needle) in [
            (&suspended, "suspended"),
            (&elsewhere, "belongs to KG"),
            (&cab, "not a receiving"),
            (&refusing, "does not accept TR"),
        ] {
            match route(&metadata(Some(who.id)), &all, TODAY, accepts) {
                Err(RoutingError::IneligibleReceiver { reason, .. }) => assert!(reason.contains(needle), "{reason}"),
                other => panic!("expected ineligible ({needle}), got {other:?}"),
            }
        }
    }

    #[test]
    fn the_happy_paths_through_delivery() {
        use DeliveryEvent as E;
        use DeliveryStatus::*;
        let run = |events: &[E]| events.iter().try_fold(PendingDelivery, |s, e| s.apply(*e));
        // Push, download, reply, delete on acknowledgement.
        assert_eq!(run(&[E::Delivered, E::Downloaded, E::Acknowledged, E::PdfDeleted]), Ok(PdfDeleted));
        // Delete on first download, reply afterwards.
        assert_eq!(run(&[E::Delivered, E::Downloaded, E::PdfDeleted, E::Acknowledged]), Ok(Acknowledged));
        // Webhook failed, receiver pulled anyway.
        assert_eq!(run(&[E::DeliveryFailed, E::Delivered, E::Downloaded]), Ok(Downloaded));
        assert_eq!(run(&[E::DeliveryFailed, E::Downloaded]), Ok(Downloaded));
        // Never collected.
        assert_eq!(run(&[E::Delivered, E::TtlExpired]), Ok(Expired));
        assert_eq!(run(&[E::TtlExpired]), Ok(Expired));
        // Reply from the metadata alone, after the PDF expired.
        assert_eq!(run(&[E::Delivered, E::TtlExpired, E::Acknowledged]), Ok(Acknowledged));
        // Received, then the TTL purge.
        assert_eq!(run(&[E::Downloaded, E::TtlExpired]), Ok(PdfDeleted));
        assert_eq!(run(&[E::Downloaded, E::Downloaded]), Ok(Downloaded));
    }

    #[test]
    fn illegal_delivery_moves_are_refused() {
        use DeliveryEvent as E;
        use DeliveryStatus::*;
        assert_eq!(Expired.apply(E::Downloaded), Err(DeliveryTransitionError::PdfGone { status: Expired }));
        assert_eq!(PdfDeleted.apply(E::Downloaded), Err(DeliveryTransitionError::PdfGone { status: PdfDeleted }));
        assert_eq!(Acknowledged.apply(E::Acknowledged), Err(DeliveryTransitionError::AlreadyAcknowledged));
        for (status, event) in [
            (PendingDelivery, E::Acknowledged),
            (FailedDelivery, E::Acknowledged),
            (PendingDelivery, E::PdfDeleted),
            (Delivered, E::PdfDeleted),
            (Delivered, E::Delivered),
            (Delivered, E::DeliveryFailed),
            (Downloaded, E::Delivered),
            (Downloaded, E::DeliveryFailed),
            (FailedDelivery, E::DeliveryFailed),
            (Acknowledged, E::Downloaded),
            (Acknowledged, E::Delivered),
            (Expired, E::TtlExpired),
            (PdfDeleted, E::PdfDeleted),
            (PdfDeleted, E::TtlExpired),
        ] {
            assert!(status.apply(event).is_err(), "{status} + {event:?} was allowed");
        }
        // Every pair has a defined answer, and none panics.
        for status in DeliveryStatus::ALL {
            for event in [E::Delivered, E::DeliveryFailed, E::Downloaded, E::Acknowledged, E::PdfDeleted, E::TtlExpired]
            {
                let _ = status.apply(event);
            }
        }
    }

    #[test]
    fn delivery_status_codes() {
        for s in DeliveryStatus::ALL {
            assert_eq!(DeliveryStatus::parse(s.code()), Some(s));
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.code()));
        }
        assert_eq!(DeliveryStatus::parse("lost"), None);
    }

    #[test]
    fn business_replies() {
        let now = datetime!(2026-06-15 12:00 UTC);
        let reply = |d: &str, c: Option<&str>, t: Option<&str>| NewBusinessReply {
            decision: d.into(),
            reason_code: c.map(Into::into),
            text: t.map(Into::into),
        };
        let ok = reply("Rejected", Some("HS_MISMATCH"), Some(" HS code differs\nfrom invoice ")).validate(now).unwrap();
        assert_eq!(ok.decision, BusinessDecision::Rejected);
        assert_eq!(ok.text.as_deref(), Some("HS code differs\nfrom invoice"));
        let plain = reply("accepted", Some(" "), Some("")).validate(now).unwrap();
        assert_eq!((plain.reason_code, plain.text), (None, None));

        let fields = |r: NewBusinessReply| {
            r.validate(now).unwrap_err().0.iter().map(|e| e.field.clone()).collect::<Vec<_>>().join(",")
        };
        assert_eq!(fields(reply("maybe", None, None)), "decision");
        assert_eq!(fields(reply("rejected", None, Some("no"))), "reason_code");
        assert_eq!(fields(reply("accepted", Some("lower"), None)), "reason_code");
        assert_eq!(fields(reply("accepted", Some(&"A".repeat(MAX_REASON_CODE_LEN + 1)), None)), "reason_code");
        assert_eq!(fields(reply("received", None, Some(&"t".repeat(MAX_REPLY_TEXT_LEN + 1)))), "text");
        assert_eq!(fields(reply("received", None, Some("bell\u{7}"))), "text");
    }

    #[test]
    fn epix_mapping() {
        let until = date!(2027 - 06 - 01);
        assert_eq!(EpixStatus::of(None, TODAY), EpixStatus::NotAvailable);
        assert_eq!(EpixStatus::of(Some((DocumentStatus::Valid, until)), TODAY), EpixStatus::Valid);
        assert_eq!(EpixStatus::of(Some((DocumentStatus::Valid, until)), until), EpixStatus::Valid);
        assert_eq!(
            EpixStatus::of(Some((DocumentStatus::Valid, until)), until + Duration::days(1)),
            EpixStatus::NotAvailable
        );
        assert_eq!(EpixStatus::of(Some((DocumentStatus::Suspended, until)), TODAY), EpixStatus::NotAvailable);
        assert_eq!(EpixStatus::of(Some((DocumentStatus::Withdrawn, until)), TODAY), EpixStatus::Cancelled);
        assert_eq!(EpixStatus::of(Some((DocumentStatus::Replaced, until)), TODAY), EpixStatus::Cancelled);
        assert_eq!(serde_json::to_string(&EpixStatus::NotAvailable).unwrap(), "\"NOT_AVAILABLE\"");
    }

    #[test]
    fn default_retention_is_valid_and_reads_from_config() {
        let p = RetentionPolicy::default();
        assert_eq!(p.validate(), Ok(()));
        let partial: RetentionPolicy =
            serde_json::from_str(r#"{"pdf_deletion":"on_first_download","pdf_ttl_hours":48}"#).unwrap();
        assert_eq!(partial.pdf_deletion, PdfDeletionTrigger::OnFirstDownload);
        assert_eq!(partial.pdf_ttl_hours, 48);
        assert_eq!(partial.audit_days, p.audit_days);
        assert!(serde_json::from_str::<RetentionPolicy>(r#"{"pdf_ttl":1}"#).is_err());
    }

    #[test]
    fn retention_rules() {
        let errs = |mutate: fn(&mut RetentionPolicy)| {
            let mut p = RetentionPolicy::default();
            mutate(&mut p);
            p.validate().unwrap_err().0.iter().map(|e| e.field.clone()).collect::<Vec<_>>()
        };
        assert_eq!(errs(|p| p.pdf_ttl_hours = 0), vec!["pdf_ttl_hours"]);
        assert_eq!(errs(|p| p.pdf_ttl_hours = MAX_PDF_TTL_HOURS + 1), vec!["pdf_ttl_hours"]);
        assert_eq!(errs(|p| p.metadata_days = 1), vec!["metadata_days", "pdf_ttl_hours"]);
        assert_eq!(errs(|p| p.evidence_days = p.metadata_days - 1), vec!["evidence_days"]);
        assert_eq!(errs(|p| p.pki_data_days = p.evidence_days - 1), vec!["pki_data_days"]);
        assert_eq!(errs(|p| p.audit_days = p.pki_data_days - 1), vec!["audit_days"]);
        assert_eq!(errs(|p| p.audit_days = MAX_LAYER_RETENTION_DAYS + 1), vec!["audit_days"]);
    }

    #[test]
    fn purge_cutoffs() {
        let p = RetentionPolicy::default();
        let now = datetime!(2026-06-15 12:00 UTC);
        assert_eq!(p.purge_cutoff(DataLayer::Pdf, now), now - Duration::days(30));
        assert_eq!(p.purge_cutoff(DataLayer::Metadata, now), now - Duration::days(5 * 366));
        assert!(p.purge_cutoff(DataLayer::Audit, now) < p.purge_cutoff(DataLayer::Evidence, now));
        assert_eq!(p.purge_cutoff(DataLayer::PkiData, now), p.purge_cutoff(DataLayer::Evidence, now));
    }

    #[test]
    fn pdf_deletion_decision() {
        use DeliveryStatus::*;
        let cached = datetime!(2026-06-01 0:00 UTC);
        let soon = cached + Duration::hours(1);
        let on_ack = RetentionPolicy::default();
        let on_download = RetentionPolicy { pdf_deletion: PdfDeletionTrigger::OnFirstDownload, ..on_ack };

        assert_eq!(
            pdf_deletion_due(&on_ack, &[Acknowledged, Acknowledged], cached, soon),
            Some(PdfDeletionReason::AllAcknowledged)
        );
        assert_eq!(pdf_deletion_due(&on_ack, &[Acknowledged, Downloaded], cached, soon), None);
        assert_eq!(
            pdf_deletion_due(&on_download, &[Downloaded, Acknowledged], cached, soon),
            Some(PdfDeletionReason::AllDownloaded)
        );
        assert_eq!(pdf_deletion_due(&on_download, &[Downloaded, Delivered], cached, soon), None);
        assert_eq!(pdf_deletion_due(&on_download, &[], cached, soon), None);
        let expiry = cached + on_ack.pdf_ttl();
        assert_eq!(pdf_deletion_due(&on_ack, &[Delivered], cached, expiry - Duration::seconds(1)), None);
        assert_eq!(pdf_deletion_due(&on_ack, &[Delivered], cached, expiry), Some(PdfDeletionReason::TtlExpired));
        assert_eq!(pdf_deletion_due(&on_ack, &[], cached, expiry), Some(PdfDeletionReason::TtlExpired));
    }
}
