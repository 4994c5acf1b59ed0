//! The recurring retention sweep: purges L2-L4 records past their retention period (each purge logged),
//! schedules the deletion of PDFs whose time-to-live ran out without their own job having run, and removes
//! cache files no document accounts for (a crash between a push's blob write and its commit), and deletes portal
//! sessions past their end.

use super::kinds::JobKind;
use super::{document_of_pdf_key, worker::later};
use crate::{Hub, HubError, Result};
use ecert_domain::audit::EventType;
use ecert_domain::exchange::{DataLayer, PdfDeletionReason};
use ecert_store::exchange::{JobLease, RetentionLayer};
use std::time::Duration;
use time::OffsetDateTime;

const JOB_CODE: &str = "retention_sweep";

/// How often the sweep runs.
pub const SWEEP_INTERVAL: Duration = Duration::from_secs(3600);

/// A cache file younger than this may belong to a push that has not committed yet, so it is never an orphan.
pub const ORPHAN_MIN_AGE: Duration = Duration::from_secs(3600);

/// Records removed per purge transaction, so no transaction holds the database for long.
const PURGE_BATCH: u32 = 500;

/// Purge transactions per layer and sweep; the rest waits for the next sweep, so one sweep stays bounded.
const MAX_PURGE_BATCHES: u32 = 100;

/// Overdue documents scheduled per sweep.
const TTL_BATCH: u32 = 500;

/// Cache files examined per sweep.
const ORPHAN_LIST_LIMIT: usize = ecert_blob::DEFAULT_LIST_LIMIT;

/// In purge order: a document's metadata (L2) is purged only once its evidence (L3) and PKI data (L4) are.
const LAYERS: [RetentionLayer; 3] = [RetentionLayer::Evidence, RetentionLayer::PkiData, RetentionLayer::Metadata];

fn layer_code(layer: RetentionLayer) -> &'static str {
    match layer {
        RetentionLayer::Metadata => "metadata",
        RetentionLayer::Evidence => "evidence",
        RetentionLayer::PkiData => "pki_data",
    }
}

fn data_layer(layer: RetentionLayer) -> DataLayer {
    match layer {
        RetentionLayer::Metadata => DataLayer::Metadata,
        RetentionLayer::Evidence => DataLayer::Evidence,
        RetentionLayer::PkiData => DataLayer::PkiData,
    }
}

/// What one sweep did, for its log line (and tests).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Records removed per layer, in purge order.
    pub purged: Vec<(RetentionLayer, u64)>,
    /// Overdue documents whose deletion was scheduled (or already was).
    pub overdue_pdfs: usize,
    pub orphans_deleted: usize,
    /// Portal sessions past their idle or absolute end.
    pub expired_sessions: u64,
}

impl Hub {
    pub(super) async fn run_retention_sweep(&self, lease: &JobLease) -> Result<()> {
        let report = self.retention_sweep().await?;
        tracing::info!(purged = ?report.purged, overdue_pdfs = report.overdue_pdfs,
            orphans_deleted = report.orphans_deleted, expired_sessions = report.expired_sessions,
            "retention sweep done");
        // Complete first: the next sweep shares the unique key, so it is only added once this one is gone.
        self.complete_job(lease).await;
        let next = JobKind::RetentionSweep.job(later(self.now(), SWEEP_INTERVAL));
        self.store().insert_jobs(&[next]).await?;
        Ok(())
    }

    /// One pass of the sweep. Every step is idempotent, so a failed sweep is simply run again. The job runs it
    /// hourly; it is public for tests and maintenance commands, and checks no permission, so it is not for the
    /// HTTP layer.
    pub async fn retention_sweep(&self) -> Result<SweepReport> {
        let now = self.now();
        let mut report = SweepReport::default();
        for layer in LAYERS {
            report.purged.push((layer, self.purge_layer(layer, now).await?));
        }
        report.overdue_pdfs = self.schedule_overdue_deletions(now).await?;
        report.orphans_deleted = self.delete_orphan_blobs(now).await?;
        report.expired_sessions = self.delete_expired_sessions().await?;
        Ok(report)
    }

    async fn purge_layer(&self, layer: RetentionLayer, now: OffsetDateTime) -> Result<u64> {
        let cutoff = self.exchange().settings.retention.purge_cutoff(data_layer(layer), now);
        let audit =
            self.job_event(JOB_CODE, EventType::RecordsPurged, None, vec![format!("layer:{}", layer_code(layer))]);
        let mut total = 0;
        for _ in 0..MAX_PURGE_BATCHES {
            let (removed, _) = self.store().purge_layer(layer, cutoff, PURGE_BATCH, &audit).await?;
            total += removed;
            if removed < u64::from(PURGE_BATCH) {
                break;
            }
        }
        Ok(total)
    }

    /// The safety net behind the per-document TTL jobs (lost to a bug, or written before the TTL was
    /// shortened): every PDF cached longer than the TTL gets a deletion job now. The unique key skips
    /// documents that already have one pending.
    async fn schedule_overdue_deletions(&self, now: OffsetDateTime) -> Result<usize> {
        let ttl = self.exchange().settings.retention.pdf_ttl();
        let cutoff = now.checked_sub(ttl).unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let overdue = self.store().documents_with_cached_pdf_before(cutoff, TTL_BATCH).await?;
        let jobs: Vec<_> = overdue
            .iter()
            .map(|document| JobKind::DeletePdf { document: *document, reason: PdfDeletionReason::TtlExpired }.job(now))
            .collect();
        if !jobs.is_empty() {
            self.store().insert_jobs(&jobs).await?;
        }
        Ok(jobs.len())
    }

    /// Deletes cache files older than [`ORPHAN_MIN_AGE`] named like a document's PDF whose document does not
    /// exist, or whose PDF is recorded as deleted. Files with other names are not the hub's and are left alone.
    async fn delete_orphan_blobs(&self, now: OffsetDateTime) -> Result<usize> {
        let blobs = &self.exchange().blobs;
        let cutoff = now.checked_sub(super::worker::span(ORPHAN_MIN_AGE)).unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let keys = blobs
            .list_older_than(cutoff, ORPHAN_LIST_LIMIT)
            .await
            .map_err(|e| HubError::Internal(format!("listing the PDF cache: {e}")))?;
        let mut deleted = 0;
        for key in keys {
            let Some(document) = document_of_pdf_key(&key) else { continue };
            let orphan = match self.store().get_document(document).await? {
                None => true,
                Some(record) => record.pdf_deleted_at.is_some(),
            };
            if orphan {
                blobs.delete(&key).await.map_err(|e| HubError::Internal(format!("deleting an orphan PDF: {e}")))?;
                tracing::info!(document = %document, "deleted an orphaned cache file");
                deleted += 1;
            }
        }
        Ok(deleted)
    }
}
