//! The jobs the hub schedules. The store keeps `kind` and the JSON payload; this enum is the one place that
//! gives them meaning.

use ecert_domain::exchange::PdfDeletionReason;
use ecert_domain::ids::{DocumentId, ExchangeId, JobId, WebhookId};
use ecert_store::exchange::NewJob;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// What a notification tells the receiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationType {
    /// A new document is addressed to the receiver.
    DocumentReceived,
    /// The issuer changed the document's status.
    DocumentStatusChanged,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobKind {
    /// POST a signed notification about `exchange` to one webhook endpoint of its receiver.
    Notify { exchange: ExchangeId, webhook: WebhookId, notification: NotificationType },
    /// Delete the cached PDF of `document` (after receipt, or when its time-to-live runs out).
    DeletePdf { document: DocumentId, reason: PdfDeletionReason },
    /// The recurring sweep: retention purges of L2-L4, overdue TTLs, and cache files without a document.
    RetentionSweep,
}

impl JobKind {
    pub fn code(&self) -> &'static str {
        match self {
            JobKind::Notify { .. } => "notify",
            JobKind::DeletePdf { .. } => "delete_pdf",
            JobKind::RetentionSweep => "retention_sweep",
        }
    }

    /// The job row for this work, due at `run_at`.
    pub fn job(&self, run_at: OffsetDateTime) -> NewJob {
        let unique_key = match self {
            JobKind::RetentionSweep => Some("retention_sweep".to_owned()),
            JobKind::DeletePdf { document, reason } => Some(format!("delete_pdf:{document}:{reason:?}")),
            JobKind::Notify { .. } => None,
        };
        NewJob {
            id: JobId::new(),
            kind: self.code().to_owned(),
            payload_json: serde_json::to_string(self).unwrap_or_default(),
            run_at,
            unique_key,
        }
    }

    pub fn from_payload(payload_json: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(payload_json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_round_trips_and_names_the_kind() {
        let kind = JobKind::DeletePdf { document: DocumentId::new(), reason: PdfDeletionReason::TtlExpired };
        let job = kind.job(OffsetDateTime::UNIX_EPOCH);
        assert_eq!(job.kind, "delete_pdf");
        assert_eq!(JobKind::from_payload(&job.payload_json).unwrap(), kind);
        assert!(JobKind::from_payload(r#"{"kind":"unknown"}"#).is_err());
    }
}
