//! The jobs suite, written once and run on SQLite (`jobs_hub`) and PostgreSQL (`jobs_postgres`): webhook
//! delivery (signature, retries, final failure), PDF deletion after receipt and on TTL, retention purges, the
//! orphan sweep, and the worker loop.

use super::*;
use axum::body::Bytes;
use ecert_blob::BlobKey;
use ecert_domain::audit::{AuditEvent, EventType};
use ecert_domain::exchange::{DeliveryStatus, PdfDeletionReason, RetentionPolicy};
use ecert_domain::ids::{DocumentId, JobId, WebhookId};
use ecert_hub::exchange::pdf_blob_key;
use ecert_hub::jobs::{NOTIFICATION_ID_HEADER, SIGNATURE_HEADER, SignatureError, sign_notification};
use ecert_hub::{ExchangeSettings, WebhookKey};
use ecert_store::exchange::{NewJob, PdfDeletion, RetentionLayer};
use std::sync::atomic::Ordering;
use std::time::Duration;

// ---------------------------------------------------------------------------------------------------------
// Webhook delivery

pub async fn a_delivered_notification_marks_the_exchange_delivered_once(db: Db) {
    let w = world_on(db, fast_settings(), None).await;
    let (document, exchanges) = w.submit(&[w.receiver], now()).await;
    let exchange = exchanges[0].id;
    let (webhook, inbox) = w.webhook(w.receiver).await;
    let job = w.notify(exchange, webhook, now()).await;

    assert_eq!(w.hub.run_due_jobs("worker-a", 10).await.unwrap(), 1);

    let attempts = inbox.attempts();
    assert_eq!(attempts.len(), 1);
    let a = &attempts[0];
    assert_eq!(a.signature, Ok(()));
    assert_eq!(a.notification_id, job.to_string());
    assert_eq!(a.body["id"], job.to_string());
    assert_eq!(a.body["type"], "document_received");
    assert_eq!(a.body["exchange"], exchange.to_string());
    assert_eq!(a.body["document"], document.id.to_string());
    assert_eq!(a.body["document_status"], "VALID");
    assert!(a.body["occurred_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(a.body.as_object().unwrap().len(), 6, "ids and status only: {}", a.body);
    assert!(a.user_agent.starts_with("ecert-hub/"), "{}", a.user_agent);
    assert_eq!(a.content_type, "application/json");

    let record = w.exchange(exchange).await;
    assert_eq!(record.status, DeliveryStatus::Delivered);
    assert_eq!(record.last_delivery_error, None);
    assert_eq!(w.store().count_jobs().await.unwrap(), 0);
    let delivered = w.events(EventType::DocumentDelivered).await;
    assert_eq!(delivered.len(), 1);
    let e = &delivered[0];
    assert_eq!((e.actor, e.subject_institution, e.credential.as_str()), (None, Some(w.receiver), "job:notify"));
    assert_eq!(
        e.subjects,
        vec![format!("document:{}", document.id), format!("exchange:{exchange}"), format!("webhook:{webhook}")]
    );
    assert_eq!(record.change_seq, w.store().log_size().await.unwrap() - 1, "the delivery moved the polling cursor");

    // Nothing is left to do, and nothing is sent twice.
    assert_eq!(w.hub.run_due_jobs("worker-a", 10).await.unwrap(), 0);
    assert_eq!(inbox.attempts().len(), 1);
}

pub async fn failed_notifications_back_off_then_fail_delivery_with_the_reason(db: Db) {
    let w = world_on(db, fast_settings(), None).await;
    let (_, exchanges) = w.submit(&[w.receiver], now()).await;
    let exchange = exchanges[0].id;
    let (webhook, inbox) = w.webhook(w.receiver).await;
    inbox.fail.store(true, Ordering::SeqCst);
    let t0 = now();
    let job = w.notify(exchange, webhook, t0).await;
    let ms = time::Duration::milliseconds;

    // Attempt 1 fails: the retry waits the initial backoff (1 s), attempt 2 then waits 2 s.
    assert_eq!(w.at(t0).run_due_jobs("w", 10).await.unwrap(), 1);
    assert_eq!(w.exchange(exchange).await.status, DeliveryStatus::PendingDelivery);
    assert_eq!(w.at(t0 + ms(999)).run_due_jobs("w", 10).await.unwrap(), 0);
    assert_eq!(w.at(t0 + ms(1000)).run_due_jobs("w", 10).await.unwrap(), 1);
    assert_eq!(w.at(t0 + ms(2999)).run_due_jobs("w", 10).await.unwrap(), 0);
    assert_eq!(w.exchange(exchange).await.status, DeliveryStatus::PendingDelivery);
    // Attempt 3 is the last (webhook_max_attempts = 3).
    assert_eq!(w.at(t0 + ms(3000)).run_due_jobs("w", 10).await.unwrap(), 1);

    let record = w.exchange(exchange).await;
    assert_eq!(record.status, DeliveryStatus::FailedDelivery);
    let error = record.last_delivery_error.unwrap();
    assert_eq!(error, "HTTP 500 Internal Server Error (after 3 attempts)");
    assert!(record.delivery_attempts >= 1);
    assert_eq!(w.store().count_jobs().await.unwrap(), 0);
    let failed = w.events(EventType::DocumentDeliveryFailed).await;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].subject_institution, Some(w.receiver));
    assert!(w.events(EventType::DocumentDelivered).await.is_empty());

    // Every attempt carried the same notification id, each validly signed.
    let attempts = inbox.attempts();
    assert_eq!(attempts.len(), 3);
    for a in &attempts {
        assert_eq!(a.notification_id, job.to_string());
        assert_eq!(a.body["id"], job.to_string());
        assert_eq!(a.signature, Ok(()));
    }
    assert_eq!(attempts[0].body, attempts[2].body, "the body is the same on every attempt");

    // A later notification that gets through still delivers a FAILED_DELIVERY exchange.
    inbox.fail.store(false, Ordering::SeqCst);
    w.notify(exchange, webhook, now()).await;
    assert_eq!(w.hub.run_due_jobs("w", 10).await.unwrap(), 1);
    assert_eq!(w.exchange(exchange).await.status, DeliveryStatus::Delivered);
}

pub async fn an_unusable_webhook_url_fails_delivery_without_retrying(db: Db) {
    let w = world_on(db, ExchangeSettings { allow_insecure_webhooks: false, ..fast_settings() }, None).await;
    let (_, exchanges) = w.submit(&[w.receiver], now()).await;
    // Registered while http was allowed (or by hand); the current settings refuse it.
    let (webhook, inbox) = w.webhook(w.receiver).await;
    w.notify(exchanges[0].id, webhook, now()).await;

    assert_eq!(w.hub.run_due_jobs("w", 10).await.unwrap(), 1);
    let record = w.exchange(exchanges[0].id).await;
    assert_eq!(record.status, DeliveryStatus::FailedDelivery);
    assert_eq!(record.last_delivery_error.as_deref(), Some("the webhook URL must use https"));
    assert!(inbox.attempts().is_empty(), "nothing was sent over plain http");
    assert_eq!(w.store().count_jobs().await.unwrap(), 0);
}

pub async fn notifications_for_removed_webhooks_or_other_tenants_are_dropped(db: Db) {
    let w = world_on(db, fast_settings(), None).await;
    let (_, exchanges) = w.submit(&[w.receiver], now()).await;
    let exchange = exchanges[0].id;
    // A webhook that no longer exists.
    w.notify(exchange, WebhookId::new(), now()).await;
    // A webhook of another receiver: it must never hear about this exchange.
    let (foreign, foreign_inbox) = w.webhook(w.second_receiver).await;
    w.notify(exchange, foreign, now()).await;

    assert_eq!(w.hub.run_due_jobs("w", 10).await.unwrap(), 2);
    assert_eq!(w.store().count_jobs().await.unwrap(), 0);
    assert!(foreign_inbox.attempts().is_empty());
    assert_eq!(w.exchange(exchange).await.status, DeliveryStatus::PendingDelivery);
}

pub async fn an_unreadable_job_is_dropped_not_retried_forever(db: Db) {
    let w = world_on(db, fast_settings(), None).await;
    let job = NewJob {
        id: JobId::new(),
        kind: "mystery".into(),
        payload_json: "{not json".into(),
        run_at: now(),
        unique_key: None,
    };
    w.store().insert_jobs(&[job]).await.unwrap();
    assert_eq!(w.hub.run_due_jobs("w", 10).await.unwrap(), 1);
    assert_eq!(w.store().count_jobs().await.unwrap(), 0);
}

pub async fn forged_and_replayed_signatures_are_refused_by_the_receiver(db: Db) {
    let w = world_on(db, fast_settings(), None).await;
    let webhook = WebhookId::new();
    let secret = w.hub.webhook_secret(webhook);
    let (inbox, url) = start_receiver(secret.clone()).await;
    let client = reqwest::Client::new();
    let body = br#"{"id":"x"}"#;
    let post = |signature: String| {
        client
            .post(&url)
            .header(SIGNATURE_HEADER, signature)
            .header(NOTIFICATION_ID_HEADER, "x")
            .body(body.to_vec())
            .send()
    };
    let t = now().unix_timestamp();

    assert_eq!(post(sign_notification(&secret, t, body)).await.unwrap().status(), 204);
    let forged = sign_notification(&w.hub.webhook_secret(WebhookId::new()), t, body);
    assert_eq!(post(forged).await.unwrap().status(), 401);
    let stale = sign_notification(&secret, t - 3600, body);
    assert_eq!(post(stale).await.unwrap().status(), 401);
    assert_eq!(post("t=1,v1=nonsense".into()).await.unwrap().status(), 401);

    let verdicts: Vec<_> = inbox.attempts().into_iter().map(|a| a.signature).collect();
    assert_eq!(verdicts[0], Ok(()));
    assert_eq!(verdicts[1], Err(SignatureError::Mismatch));
    assert!(matches!(verdicts[2], Err(SignatureError::OutsideTolerance { .. })), "{:?}", verdicts[2]);
    assert!(matches!(verdicts[3], Err(SignatureError::Malformed(_))), "{:?}", verdicts[3]);
}

pub async fn webhook_secrets_are_derived_from_the_hub_key(db: Db) {
    let key: [u8; 32] = std::array::from_fn(|i| i as u8);
    let w = world_on(db, fast_settings(), Some(WebhookKey::from_bytes(key))).await;
    let id: WebhookId = "0190f3c2-7b1e-7cc0-9a4b-3f2d5e6a7b8c".parse().unwrap();
    // python3: base64.urlsafe_b64encode(hmac.new(bytes(range(32)), uuid.bytes, sha256).digest()).rstrip(b"=")
    assert_eq!(w.hub.webhook_secret(id), "whsec_zDoAOYPfm74eJD0MljNoD9OxDirDY9ERH62bNhj-zgA");
    assert_eq!(w.hub.webhook_secret(id), w.hub.webhook_secret(id));
    assert_ne!(w.hub.webhook_secret(id), w.hub.webhook_secret(WebhookId::new()));
    let other = world_on(db, fast_settings(), Some(WebhookKey::from_bytes([7; 32]))).await;
    assert_ne!(other.hub.webhook_secret(id), w.hub.webhook_secret(id));
}

// ---------------------------------------------------------------------------------------------------------
// PDF deletion

pub async fn pdf_deletion_after_receipt_removes_the_blob_and_logs_its_hash(db: Db) {
    let w = world_on(db, fast_settings(), None).await;
    let (document, exchanges) = w.submit(&[w.receiver, w.second_receiver], now()).await;
    let (first, second) = (exchanges[0].id, exchanges[1].id);
    w.move_exchange(first, DeliveryStatus::PendingDelivery, DeliveryStatus::Acknowledged).await;
    w.move_exchange(second, DeliveryStatus::PendingDelivery, DeliveryStatus::Delivered).await;

    // Not every receiver has replied (policy: on acknowledgement): the job finds nothing due.
    w.delete_pdf_job(document.id, PdfDeletionReason::AllAcknowledged, now()).await;
    assert_eq!(w.hub.run_due_jobs("w", 10).await.unwrap(), 1);
    assert!(w.blob_exists(document.id).await);
    assert_eq!(w.store().count_jobs().await.unwrap(), 0);
    assert!(w.events(EventType::PdfDeleted).await.is_empty());

    w.move_exchange(second, DeliveryStatus::Delivered, DeliveryStatus::Acknowledged).await;
    w.delete_pdf_job(document.id, PdfDeletionReason::AllAcknowledged, now()).await;
    assert_eq!(w.hub.run_due_jobs("w", 10).await.unwrap(), 1);

    assert!(!w.blob_exists(document.id).await);
    let stored = w.store().get_document(document.id).await.unwrap().unwrap();
    assert!(stored.pdf_deleted_at.is_some());
    for id in [first, second] {
        assert_eq!(w.exchange(id).await.status, DeliveryStatus::PdfDeleted);
    }
    let deleted = w.events(EventType::PdfDeleted).await;
    assert_eq!(deleted.len(), 1);
    let e = &deleted[0];
    assert_eq!(e.before, Some(document.pdf_sha256));
    assert_eq!(e.subjects, vec![format!("document:{}", document.id), "reason:all_acknowledged".to_owned()]);
    assert_eq!((e.actor, e.subject_institution, e.credential.as_str()), (None, Some(w.cab), "job:delete_pdf"));
    assert_eq!(w.store().count_jobs().await.unwrap(), 0);

    // A second deletion job (a retry, a duplicate) finds the work done and changes nothing.
    w.delete_pdf_job(document.id, PdfDeletionReason::TtlExpired, now()).await;
    let later = w.at(now() + time::Duration::days(60));
    assert_eq!(later.run_due_jobs("w", 10).await.unwrap(), 1);
    assert_eq!(w.events(EventType::PdfDeleted).await.len(), 1);
    assert_eq!(w.store().count_jobs().await.unwrap(), 0);
}

pub async fn ttl_expiry_expires_undelivered_exchanges_and_deletes_received_ones(db: Db) {
    let w = world_on(db, fast_settings(), None).await;
    let submitted = now();
    let (document, exchanges) = w.submit(&[w.receiver, w.second_receiver], submitted).await;
    let (waiting, received) = (exchanges[0].id, exchanges[1].id);
    w.move_exchange(received, DeliveryStatus::PendingDelivery, DeliveryStatus::Downloaded).await;
    let expiry = submitted + RetentionPolicy::default().pdf_ttl();

    // A TTL job that runs early (the TTL was lengthened since it was scheduled) waits for the expiry.
    w.delete_pdf_job(document.id, PdfDeletionReason::TtlExpired, submitted).await;
    assert_eq!(w.hub.run_due_jobs("w", 10).await.unwrap(), 1);
    assert!(w.blob_exists(document.id).await);
    assert_eq!(w.store().count_jobs().await.unwrap(), 1);
    assert_eq!(w.at(expiry - time::Duration::seconds(1)).run_due_jobs("w", 10).await.unwrap(), 0);

    assert_eq!(w.at(expiry).run_due_jobs("w", 10).await.unwrap(), 1);
    assert!(!w.blob_exists(document.id).await);
    assert_eq!(w.exchange(waiting).await.status, DeliveryStatus::Expired);
    assert_eq!(w.exchange(received).await.status, DeliveryStatus::PdfDeleted);
    let deleted = w.events(EventType::PdfDeleted).await;
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0].before, Some(document.pdf_sha256));
    assert!(deleted[0].subjects.contains(&"reason:ttl_expired".to_owned()));
    assert_eq!(w.store().count_jobs().await.unwrap(), 0);
}

pub async fn a_deletion_whose_blob_is_already_gone_is_still_recorded(db: Db) {
    let w = world_on(db, fast_settings(), None).await;
    let (document, exchanges) = w.submit(&[w.receiver], now()).await;
    w.move_exchange(exchanges[0].id, DeliveryStatus::PendingDelivery, DeliveryStatus::Acknowledged).await;
    // A crash after the blob delete, before the record: the rerun must finish the record.
    w.hub.exchange().blobs.delete(&pdf_blob_key(document.id).unwrap()).await.unwrap();
    w.delete_pdf_job(document.id, PdfDeletionReason::AllAcknowledged, now()).await;
    assert_eq!(w.hub.run_due_jobs("w", 10).await.unwrap(), 1);
    assert!(w.store().get_document(document.id).await.unwrap().unwrap().pdf_deleted_at.is_some());
    assert_eq!(w.exchange(exchanges[0].id).await.status, DeliveryStatus::PdfDeleted);
    assert_eq!(w.events(EventType::PdfDeleted).await.len(), 1);
}

// ---------------------------------------------------------------------------------------------------------
// The retention sweep

fn short_retention() -> ExchangeSettings {
    let retention = RetentionPolicy {
        pdf_ttl_hours: 24,
        metadata_days: 30,
        evidence_days: 30,
        pki_data_days: 30,
        audit_days: 30,
        ..RetentionPolicy::default()
    };
    assert_eq!(retention.validate(), Ok(()));
    ExchangeSettings { retention, ..fast_settings() }
}

fn purged(events: &[AuditEvent], layer: &str) -> Vec<Vec<String>> {
    events
        .iter()
        .filter(|e| e.subjects.iter().any(|s| s == &format!("layer:{layer}")))
        .map(|e| e.subjects.clone())
        .collect()
}

pub async fn the_sweep_purges_each_layer_in_turn_and_logs_it(db: Db) {
    let w = world_on(db, short_retention(), None).await;
    let t0 = now();
    let (old, _) = w.submit(&[w.receiver], t0 - time::Duration::days(40)).await;
    let (fresh, _) = w.submit(&[w.receiver], t0).await;

    w.at(t0).ensure_recurring_jobs().await.unwrap();
    w.at(t0).ensure_recurring_jobs().await.unwrap();
    assert_eq!(w.store().count_jobs().await.unwrap(), 1, "the sweep is pending once");

    // First sweep: evidence and PKI data of the old document go; its metadata stays while its PDF is cached,
    // and the overdue PDF gets a deletion job.
    assert_eq!(w.at(t0).run_due_jobs("w", 10).await.unwrap(), 1);
    assert_eq!(w.store().get_evidence(old.id).await.unwrap(), None);
    assert_eq!(w.store().get_pki_data(old.id).await.unwrap(), None);
    assert!(w.store().get_document(old.id).await.unwrap().is_some());
    assert!(w.store().get_evidence(fresh.id).await.unwrap().is_some());
    assert!(w.store().get_pki_data(fresh.id).await.unwrap().is_some());
    let events = w.events(EventType::RecordsPurged).await;
    assert_eq!(purged(&events, "evidence").len(), 1);
    assert!(purged(&events, "evidence")[0].contains(&"count:1".to_owned()), "{events:?}");
    assert_eq!(purged(&events, "pki_data").len(), 1);
    assert!(purged(&events, "metadata").is_empty(), "nothing purged, nothing logged");
    assert!(events.iter().all(|e| e.actor.is_none() && e.credential == "job:retention_sweep"));
    assert_eq!(w.store().count_jobs().await.unwrap(), 2, "the overdue deletion and the next sweep");

    // The deletion job runs now; the next sweep an hour later.
    assert_eq!(w.at(t0).run_due_jobs("w", 10).await.unwrap(), 1);
    assert!(!w.blob_exists(old.id).await);
    let deleted = w.events(EventType::PdfDeleted).await;
    assert_eq!(deleted.len(), 1);
    assert!(deleted[0].subjects.contains(&"reason:ttl_expired".to_owned()));
    assert_eq!(w.at(t0 + time::Duration::minutes(59)).run_due_jobs("w", 10).await.unwrap(), 0);

    // Second sweep: the old document's metadata (with its exchanges) goes; the fresh one is untouched.
    let t1 = t0 + time::Duration::hours(1);
    assert_eq!(w.at(t1).run_due_jobs("w", 10).await.unwrap(), 1);
    assert_eq!(w.store().get_document(old.id).await.unwrap(), None);
    assert!(w.store().list_exchanges_of_document(old.id).await.unwrap().is_empty());
    assert!(w.store().get_document(fresh.id).await.unwrap().is_some());
    assert!(w.blob_exists(fresh.id).await);
    let events = w.events(EventType::RecordsPurged).await;
    assert_eq!(purged(&events, "metadata").len(), 1);
    assert!(purged(&events, "metadata")[0].contains(&"count:1".to_owned()));
    assert_eq!(purged(&events, "evidence").len(), 1, "no second evidence event: nothing more was due");
    assert_eq!(w.store().count_jobs().await.unwrap(), 1, "the sweep rescheduled itself");
}

pub async fn the_sweep_removes_orphaned_cache_files_only(db: Db) {
    let w = world_on(db, fast_settings(), None).await;
    let blobs = w.hub.exchange().blobs.clone();
    // A push that crashed between the blob write and the commit.
    let orphan = pdf_blob_key(DocumentId::new()).unwrap();
    blobs.put(&orphan, Bytes::from_static(b"%PDF-orphan")).await.unwrap();
    // A document whose PDF is recorded as deleted but whose file survived.
    let (gone, _) = w.submit(&[w.receiver], now()).await;
    let mut event = registry_event(EventType::PdfDeleted);
    event.subjects = vec![format!("document:{}", gone.id)];
    let deletion = PdfDeletion { document: gone.id, at: now(), transitions: &[], finished_job: None, events: &[event] };
    w.store().record_pdf_deletion(&deletion).await.unwrap();
    // A live document, and a file the hub did not name.
    let (live, _) = w.submit(&[w.receiver], now()).await;
    let foreign = BlobKey::parse("operator-notes").unwrap();
    blobs.put(&foreign, Bytes::from_static(b"keep me")).await.unwrap();

    // Young files may belong to a push still in flight: nothing goes.
    assert_eq!(w.at(now()).retention_sweep().await.unwrap().orphans_deleted, 0);
    assert!(blobs.exists(&orphan).await.unwrap());

    let report = w.at(now() + time::Duration::hours(2)).retention_sweep().await.unwrap();
    assert_eq!(report.orphans_deleted, 2);
    assert!(!blobs.exists(&orphan).await.unwrap());
    assert!(!w.blob_exists(gone.id).await);
    assert!(w.blob_exists(live.id).await);
    assert!(blobs.exists(&foreign).await.unwrap());
    assert_eq!(
        report.purged.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
        [RetentionLayer::Evidence, RetentionLayer::PkiData, RetentionLayer::Metadata]
    );
}

// ---------------------------------------------------------------------------------------------------------
// Workers

pub async fn the_worker_loop_runs_jobs_and_stops_on_shutdown(db: Db) {
    let w = world_on(db, fast_settings(), None).await;
    let (_, exchanges) = w.submit(&[w.receiver], now()).await;
    let (webhook, inbox) = w.webhook(w.receiver).await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let hub = w.hub.clone();
    let worker = tokio::spawn(async move {
        hub.run_worker("host:1:test".into(), Duration::from_millis(20), async {
            let _ = stopped.await;
        })
        .await
    });

    // A job added while the worker idles is picked up by its polling.
    tokio::time::sleep(Duration::from_millis(100)).await;
    w.notify(exchanges[0].id, webhook, now()).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while w.exchange(exchanges[0].id).await.status != DeliveryStatus::Delivered {
        assert!(tokio::time::Instant::now() < deadline, "the worker did not deliver");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(inbox.attempts().len(), 1);

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), worker).await.expect("the worker stops").unwrap();
    // It scheduled the recurring sweep, ran it, and left the next one pending.
    assert_eq!(w.store().count_jobs().await.unwrap(), 1);
}
