//! DeletePdf jobs: remove the cached PDF (L1), then record the deletion with its hash and move the exchanges
//! on (PDF_DELETED after receipt, EXPIRED when the time-to-live ran out first), with the job's completion in
//! the same transaction.

use crate::exchange::pdf_blob_key;
use crate::{Hub, HubError, Result};
use ecert_domain::audit::EventType;
use ecert_domain::exchange::{DeliveryEvent, PdfDeletionReason, pdf_deletion_due};
use ecert_domain::ids::DocumentId;
use ecert_store::StoreError;
use ecert_store::exchange::{DocumentRecord, ExchangeTransition, Job, JobLease, PdfDeletion};

const JOB_CODE: &str = "delete_pdf";

/// How often the deletion is recomputed when an exchange moved between reading and writing it.
const STALE_REREADS: usize = 3;

/// The reason's code in the audit event's subjects.
pub fn reason_code(reason: PdfDeletionReason) -> &'static str {
    match reason {
        PdfDeletionReason::AllAcknowledged => "all_acknowledged",
        PdfDeletionReason::AllDownloaded => "all_downloaded",
        PdfDeletionReason::TtlExpired => "ttl_expired",
    }
}

impl Hub {
    pub(super) async fn run_delete_pdf(
        &self,
        job: &Job,
        lease: &JobLease,
        document_id: DocumentId,
        scheduled_reason: PdfDeletionReason,
    ) -> Result<()> {
        let Some(document) = self.store().get_document(document_id).await? else {
            tracing::info!(job = %job.id, document = %document_id, "the document is gone; nothing to delete");
            self.complete_job(lease).await;
            return Ok(());
        };
        if document.pdf_deleted_at.is_some() {
            self.complete_job(lease).await;
            return Ok(());
        }
        let Some(reason) = self.deletion_reason(job, lease, &document, scheduled_reason).await? else {
            return Ok(());
        };
        // Blob first: a crash after it leaves a row that still says "cached", which this job (run again after
        // its lease) or the TTL sweep finishes. The reverse order would leave a file nobody accounts for.
        let existed = self
            .exchange()
            .blobs
            .delete(&pdf_blob_key(document.id)?)
            .await
            .map_err(|e| HubError::Internal(format!("deleting the cached PDF: {e}")))?;
        if !existed {
            tracing::info!(job = %job.id, document = %document.id, "the cached PDF was already gone");
        }
        // From here on the PDF is gone, so the deletion must be recorded: a concurrent change of an exchange
        // only means recomputing the transitions.
        for _ in 0..STALE_REREADS {
            match self.record_deletion(lease, &document, reason).await {
                Ok(()) => {
                    tracing::info!(job = %job.id, document = %document.id, reason = reason_code(reason),
                        "cached PDF deleted");
                    return Ok(());
                }
                Err(StoreError::Stale(what)) => {
                    tracing::debug!(document = %document.id, %what, "recomputing the deletion");
                    let current = self.store().get_document(document.id).await?;
                    if current.is_none_or(|d| d.pdf_deleted_at.is_some()) {
                        // Recorded by someone else (a duplicate job), or purged: done.
                        self.complete_job(lease).await;
                        return Ok(());
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(HubError::Conflict(format!("the exchanges of document {} kept changing", document.id)))
    }

    /// Why the PDF goes now, or `None` (the job settled) when it should not go yet: a time-to-live job that
    /// runs early (the TTL was lengthened since) waits for the new expiry; a deletion after receipt is checked
    /// again against the exchanges, since the policy may have changed.
    async fn deletion_reason(
        &self,
        job: &Job,
        lease: &JobLease,
        document: &DocumentRecord,
        scheduled: PdfDeletionReason,
    ) -> Result<Option<PdfDeletionReason>> {
        let policy = &self.exchange().settings.retention;
        let now = self.now();
        if scheduled == PdfDeletionReason::TtlExpired {
            let expiry = document.submitted_at.checked_add(policy.pdf_ttl()).unwrap_or(document.submitted_at);
            if now < expiry {
                tracing::info!(job = %job.id, document = %document.id, "the PDF's time-to-live has not run out yet");
                self.retry_job(lease, expiry, "time-to-live not reached").await;
                return Ok(None);
            }
            return Ok(Some(PdfDeletionReason::TtlExpired));
        }
        let statuses: Vec<_> =
            self.store().list_exchanges_of_document(document.id).await?.into_iter().map(|e| e.status).collect();
        let due = pdf_deletion_due(policy, &statuses, document.submitted_at, now);
        if due.is_none() {
            tracing::info!(job = %job.id, document = %document.id, "the PDF is no longer due for deletion");
            self.complete_job(lease).await;
        }
        Ok(due)
    }

    async fn record_deletion(
        &self,
        lease: &JobLease,
        document: &DocumentRecord,
        reason: PdfDeletionReason,
    ) -> std::result::Result<(), StoreError> {
        let event = match reason {
            PdfDeletionReason::TtlExpired => DeliveryEvent::TtlExpired,
            PdfDeletionReason::AllAcknowledged | PdfDeletionReason::AllDownloaded => DeliveryEvent::PdfDeleted,
        };
        let now = self.now();
        // Exchanges the event does not apply to (already PDF_DELETED or EXPIRED) keep their status.
        let transitions: Vec<ExchangeTransition> = self
            .store()
            .list_exchanges_of_document(document.id)
            .await?
            .into_iter()
            .filter_map(|e| {
                let to = e.status.apply(event).ok().filter(|to| *to != e.status)?;
                Some(ExchangeTransition {
                    exchange: e.id,
                    from: e.status,
                    to,
                    reply: None,
                    delivery_error: None,
                    at: now,
                })
            })
            .collect();
        let mut audit = self.job_event(
            JOB_CODE,
            EventType::PdfDeleted,
            Some(document.issuer),
            vec![format!("document:{}", document.id), format!("reason:{}", reason_code(reason))],
        );
        audit.before = Some(document.pdf_sha256);
        let deletion = PdfDeletion {
            document: document.id,
            at: now,
            transitions: &transitions,
            finished_job: Some(lease),
            events: std::slice::from_ref(&audit),
        };
        self.store().record_pdf_deletion(&deletion).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_codes_match_the_serialised_names() {
        for r in [PdfDeletionReason::AllAcknowledged, PdfDeletionReason::AllDownloaded, PdfDeletionReason::TtlExpired] {
            assert_eq!(serde_json::to_value(r).unwrap(), reason_code(r));
        }
    }
}
