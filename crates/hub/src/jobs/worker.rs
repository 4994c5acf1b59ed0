//! The job loop: claim due jobs under a lease, run each by its kind, and settle it (complete, reschedule, or
//! leave it to expire). Several workers (threads or processes) may share one store: the store's claim gives
//! each due job to exactly one of them, and a worker that lost its lease cannot complete the job twice.

use super::kinds::JobKind;
use super::webhook::WebhookClient;
use crate::{Hub, HubError, Result};
use ecert_domain::audit::{AuditEvent, EventType};
use ecert_domain::ids::InstitutionId;
use ecert_store::StoreError;
use ecert_store::exchange::{Job, JobLease};
use futures_util::FutureExt;
use std::future::Future;
use std::time::Duration;
use time::OffsetDateTime;

/// Jobs claimed per round by [`Hub::run_worker`]. They run concurrently, so a round lasts about one webhook
/// timeout at worst, well inside the lease.
pub const WORKER_BATCH: u32 = 32;

/// Extra lease time beyond two webhook timeouts, for the store work around a delivery.
const LEASE_MARGIN: Duration = Duration::from_secs(30);

/// Longest a failed job waits before its retry, whatever the settings say (bounds a misconfiguration).
const MAX_RETRY_DELAY: Duration = Duration::from_secs(24 * 3600);

/// Converts a configured duration for date arithmetic, saturating instead of failing on absurd values.
pub(crate) fn span(d: Duration) -> time::Duration {
    time::Duration::try_from(d).unwrap_or(time::Duration::MAX)
}

/// `at + d`, saturating at the end of representable time.
pub(crate) fn later(at: OffsetDateTime, d: Duration) -> OffsetDateTime {
    at.checked_add(span(d)).unwrap_or(time::PrimitiveDateTime::MAX.assume_utc())
}

/// The delay before retry number `attempts` (1 = after the first failure): `initial * 2^(attempts - 1)`, capped
/// at `max`.
pub fn backoff(initial: Duration, max: Duration, attempts: u32) -> Duration {
    let doublings = attempts.saturating_sub(1).min(31);
    initial.checked_mul(1u32 << doublings).unwrap_or(max).min(max).min(MAX_RETRY_DELAY)
}

impl Hub {
    /// How long a claimed job stays with its worker: a delivery is one request bounded by the webhook timeout,
    /// with room to spare for the store.
    pub(crate) fn job_lease(&self) -> time::Duration {
        let timeout = self.exchange().settings.webhook_timeout;
        span(timeout.saturating_mul(2).saturating_add(LEASE_MARGIN))
    }

    pub(crate) fn retry_delay(&self, attempts: u32) -> Duration {
        let s = &self.exchange().settings;
        backoff(s.webhook_initial_backoff, s.webhook_max_backoff, attempts)
    }

    fn webhook_client(&self) -> Result<WebhookClient> {
        let s = &self.exchange().settings;
        WebhookClient::new(s.webhook_timeout, s.allow_insecure_webhooks)
    }

    /// An audit event written by a job: no actor, the job kind's code as credential.
    pub(crate) fn job_event(
        &self,
        job_code: &str,
        event_type: EventType,
        subject_institution: Option<InstitutionId>,
        subjects: Vec<String>,
    ) -> AuditEvent {
        let mut e = AuditEvent::new(event_type, self.now());
        e.credential = format!("job:{job_code}");
        e.subject_institution = subject_institution;
        e.subjects = subjects;
        e
    }

    /// Claims up to `limit` due jobs for `owner` (a name unique to this process, e.g. `host:pid:random`) and
    /// runs them. Returns how many were claimed. Failures of single jobs are logged and rescheduled, not
    /// returned; an error means the claim itself failed.
    pub async fn run_due_jobs(&self, owner: &str, limit: u32) -> Result<usize> {
        let client = self.webhook_client()?;
        self.run_round(&client, owner, limit).await
    }

    async fn run_round(&self, client: &WebhookClient, owner: &str, limit: u32) -> Result<usize> {
        let jobs = self.store().claim_jobs(owner, self.now(), self.job_lease(), limit).await?;
        let claimed = jobs.len();
        futures_util::future::join_all(jobs.into_iter().map(|job| self.run_job(client, owner, job))).await;
        Ok(claimed)
    }

    /// Adds the recurring retention sweep, due now, unless one is already pending.
    pub async fn ensure_recurring_jobs(&self) -> Result<()> {
        self.store().insert_jobs(&[JobKind::RetentionSweep.job(self.now())]).await?;
        Ok(())
    }

    /// Runs jobs until `shutdown` completes: a round of due jobs, then, if there were none, a pause of
    /// `poll_interval`. Errors are logged and never end the loop. The round in hand is finished before
    /// returning, so no lease is left to expire. Also re-adds the recurring sweep every sweep interval, in
    /// case a crash lost it.
    pub async fn run_worker(&self, owner: String, poll_interval: Duration, shutdown: impl Future<Output = ()> + Send) {
        let mut shutdown = std::pin::pin!(shutdown);
        let client = loop {
            match self.webhook_client() {
                Ok(client) => break client,
                Err(e) => tracing::error!(error = ?e, "job worker cannot start its webhook client"),
            }
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(poll_interval) => {}
            }
        };
        tracing::info!(owner = %owner, "job worker started");
        let mut next_recurring = tokio::time::Instant::now();
        loop {
            if tokio::time::Instant::now() >= next_recurring {
                if let Err(e) = self.ensure_recurring_jobs().await {
                    tracing::warn!(error = ?e, "could not schedule the recurring jobs");
                }
                next_recurring = tokio::time::Instant::now() + super::sweep::SWEEP_INTERVAL;
            }
            let claimed = match self.run_round(&client, &owner, WORKER_BATCH).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = ?e, "could not claim jobs");
                    0
                }
            };
            if claimed == 0 {
                tokio::select! {
                    () = &mut shutdown => break,
                    () = tokio::time::sleep(poll_interval) => {}
                }
            } else if (&mut shutdown).now_or_never().is_some() {
                break;
            }
        }
        tracing::info!(owner = %owner, "job worker stopped");
    }

    /// Runs one claimed job and settles it. A job whose handler fails is rescheduled with backoff; if even
    /// that fails, the lease runs out and another round picks the job up again.
    async fn run_job(&self, client: &WebhookClient, owner: &str, job: Job) {
        let lease = JobLease { job: job.id, owner: owner.to_owned() };
        let kind = match JobKind::from_payload(&job.payload_json) {
            Ok(kind) => kind,
            Err(e) => {
                // Retrying cannot make it readable; drop it rather than loop on it forever.
                tracing::error!(job = %job.id, kind = %job.kind, error = %e, "dropping a job with an unreadable payload");
                self.complete_job(&lease).await;
                return;
            }
        };
        let result = match &kind {
            JobKind::Notify { exchange, webhook, notification } => {
                self.run_notify(client, &job, &lease, *exchange, *webhook, *notification).await
            }
            JobKind::DeletePdf { document, reason } => self.run_delete_pdf(&job, &lease, *document, *reason).await,
            JobKind::RetentionSweep => self.run_retention_sweep(&lease).await,
        };
        if let Err(e) = result {
            let delay = self.retry_delay(job.attempts);
            tracing::warn!(job = %job.id, kind = kind.code(), attempts = job.attempts, error = ?e,
                retry_in_secs = delay.as_secs(), "job failed");
            let reason = match &e {
                HubError::Internal(detail) => detail.clone(),
                other => other.to_string(),
            };
            self.retry_job(&lease, later(self.now(), delay), &reason).await;
        }
    }

    /// Deletes a finished job. Losing the lease is not an error here: another worker has taken the job over.
    pub(crate) async fn complete_job(&self, lease: &JobLease) {
        match self.store().complete_job(lease).await {
            Ok(()) => {}
            Err(StoreError::Stale(_)) => tracing::info!(job = %lease.job, "job lease lost before completion"),
            Err(e) => tracing::warn!(job = %lease.job, error = ?e, "could not complete a job; it runs again"),
        }
    }

    pub(crate) async fn retry_job(&self, lease: &JobLease, run_at: OffsetDateTime, reason: &str) {
        match self.store().retry_job(lease, run_at, reason).await {
            Ok(()) => {}
            Err(StoreError::Stale(_)) => tracing::info!(job = %lease.job, "job lease lost before rescheduling"),
            Err(e) => tracing::warn!(job = %lease.job, error = ?e, "could not reschedule a job; its lease expires"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let s = Duration::from_secs;
        let delays: Vec<u64> = (1..=7).map(|a| backoff(s(30), s(600), a).as_secs()).collect();
        assert_eq!(delays, [30, 60, 120, 240, 480, 600, 600]);
        assert_eq!(backoff(s(30), s(600), 0), s(30));
        assert_eq!(backoff(s(30), s(u64::MAX / 2), u32::MAX), MAX_RETRY_DELAY);
        assert_eq!(backoff(Duration::MAX, Duration::MAX, 3), MAX_RETRY_DELAY);
    }

    #[test]
    fn date_arithmetic_saturates() {
        let t = OffsetDateTime::UNIX_EPOCH;
        assert_eq!(later(t, Duration::from_secs(60)), t + time::Duration::minutes(1));
        assert_eq!(later(t, Duration::MAX), time::PrimitiveDateTime::MAX.assume_utc());
        assert_eq!(span(Duration::MAX), time::Duration::MAX);
    }
}
