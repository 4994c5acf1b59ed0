//! Notify jobs: one signed POST per attempt, retried with backoff; the last attempt's outcome moves the
//! exchange (DELIVERED, or FAILED_DELIVERY with the reason both sides can read).

use super::kinds::NotificationType;
use super::webhook::{DeliveryOutcome, Notification, WebhookClient};
use super::worker::later;
use crate::{Hub, Result};
use ecert_domain::audit::EventType;
use ecert_domain::exchange::DeliveryEvent;
use ecert_domain::ids::{ExchangeId, WebhookId};
use ecert_store::StoreError;
use ecert_store::exchange::{ExchangeTransition, ExchangeUpdate, Job, JobLease, WebhookRecord};

const JOB_CODE: &str = "notify";

/// How often a transition is recomputed when the exchange moved between reading and writing it.
const STALE_REREADS: usize = 3;

impl Hub {
    pub(super) async fn run_notify(
        &self,
        client: &WebhookClient,
        job: &Job,
        lease: &JobLease,
        exchange_id: ExchangeId,
        webhook_id: WebhookId,
        notification_type: NotificationType,
    ) -> Result<()> {
        let Some(found) = self.store().get_exchange(exchange_id).await? else {
            tracing::info!(job = %job.id, exchange = %exchange_id, "the exchange is gone; notification dropped");
            self.complete_job(lease).await;
            return Ok(());
        };
        let Some(webhook) = self.store().get_webhook(webhook_id).await? else {
            tracing::info!(job = %job.id, webhook = %webhook_id, "the webhook was removed; notification dropped");
            self.complete_job(lease).await;
            return Ok(());
        };
        if webhook.institution != found.exchange.receiver {
            // Never tell one institution about another's exchange, whatever put this job here.
            tracing::error!(job = %job.id, webhook = %webhook_id, exchange = %exchange_id,
                "the webhook does not belong to the exchange's receiver; notification dropped");
            self.complete_job(lease).await;
            return Ok(());
        }
        let notification = Notification {
            id: job.id,
            notification_type,
            exchange: exchange_id,
            document: found.document.id,
            document_status: found.document.status,
            // The job was created with the change it reports, so this is stable across retries.
            occurred_at: job.created_at,
        };
        let secret = self.webhook_secret(webhook.id);
        match client.deliver(&webhook.url, &secret, &notification, self.now()).await {
            DeliveryOutcome::Delivered => {
                tracing::info!(job = %job.id, webhook = %webhook.id, exchange = %exchange_id, attempts = job.attempts,
                    "notification delivered");
                self.settle_delivery(lease, &webhook, exchange_id, DeliveryEvent::Delivered, None).await
            }
            DeliveryOutcome::Failed { reason, permanent } => {
                let max_attempts = self.exchange().settings.webhook_max_attempts;
                if !permanent && job.attempts < max_attempts {
                    let delay = self.retry_delay(job.attempts);
                    tracing::info!(job = %job.id, webhook = %webhook.id, exchange = %exchange_id,
                        attempts = job.attempts, reason = %reason, retry_in_secs = delay.as_secs(),
                        "notification failed; retrying");
                    self.retry_job(lease, later(self.now(), delay), &reason).await;
                    Ok(())
                } else {
                    let reason =
                        if job.attempts > 1 { format!("{reason} (after {} attempts)", job.attempts) } else { reason };
                    tracing::warn!(job = %job.id, webhook = %webhook.id, exchange = %exchange_id,
                        attempts = job.attempts, reason = %reason, "notification failed for good");
                    self.settle_delivery(lease, &webhook, exchange_id, DeliveryEvent::DeliveryFailed, Some(reason))
                        .await
                }
            }
        }
    }

    /// Records the final outcome on the exchange and completes the job, in one transaction. When the exchange's
    /// status does not take the event (the receiver pulled meanwhile, or this notification reported a status
    /// change of a document it already has), the job simply completes.
    async fn settle_delivery(
        &self,
        lease: &JobLease,
        webhook: &WebhookRecord,
        exchange_id: ExchangeId,
        event: DeliveryEvent,
        delivery_error: Option<String>,
    ) -> Result<()> {
        let event_type = match event {
            DeliveryEvent::Delivered => EventType::DocumentDelivered,
            _ => EventType::DocumentDeliveryFailed,
        };
        for _ in 0..STALE_REREADS {
            let Some(found) = self.store().get_exchange(exchange_id).await? else { break };
            let exchange = found.exchange;
            let Ok(to) = exchange.status.apply(event) else {
                tracing::debug!(exchange = %exchange_id, status = %exchange.status, ?event, "exchange status unchanged");
                break;
            };
            let now = self.now();
            let transition = ExchangeTransition {
                exchange: exchange.id,
                from: exchange.status,
                to,
                reply: None,
                delivery_error: delivery_error.clone(),
                at: now,
            };
            let audit = self.job_event(
                JOB_CODE,
                event_type,
                Some(exchange.receiver),
                vec![
                    format!("document:{}", exchange.document),
                    format!("exchange:{}", exchange.id),
                    format!("webhook:{}", webhook.id),
                ],
            );
            let update = ExchangeUpdate {
                transitions: std::slice::from_ref(&transition),
                new_jobs: &[],
                finished_job: Some(lease),
                events: std::slice::from_ref(&audit),
            };
            match self.store().update_exchanges(&update).await {
                Ok(_) => return Ok(()),
                // The exchange moved (or the lease went): look again.
                Err(StoreError::Stale(what)) => {
                    tracing::debug!(exchange = %exchange_id, %what, "re-reading the exchange")
                }
                Err(e) => return Err(e.into()),
            }
        }
        self.complete_job(lease).await;
        Ok(())
    }
}
