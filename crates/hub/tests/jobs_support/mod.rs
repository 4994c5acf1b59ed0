//! Fixtures of the jobs tests, shared by the SQLite suite (`jobs_hub`) and the PostgreSQL one
//! (`jobs_postgres`): a real webhook receiver, a hub with a small registry, documents written straight through
//! the store (so the tests depend on the job side only, not on the push's validation), and worker processes.

#![allow(dead_code)] // Each suite uses its own subset.

pub mod suite;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use ecert_domain::audit::{AuditEvent, Digest, EventType};
use ecert_domain::country::CountryCode;
use ecert_domain::document::{DocumentStatus, NewDocumentMetadata};
use ecert_domain::exchange::{DeliveryStatus, PdfDeletionReason};
use ecert_domain::ids::{CertificateId, DocumentId, ExchangeId, InstitutionId, JobId, WebhookId};
use ecert_domain::institution::{Institution, LifecycleStatus, Role};
use ecert_domain::page::PageRequest;
use ecert_domain::pkr::{CertificateStatus, RegisteredCertificate};
use ecert_hub::exchange::pdf_blob_key;
use ecert_hub::jobs::{
    DEFAULT_SIGNATURE_TOLERANCE, JobKind, NOTIFICATION_ID_HEADER, NotificationType, SIGNATURE_HEADER, SignatureError,
    verify_notification_signature,
};
use ecert_hub::{Clock, ExchangeServices, ExchangeSettings, Hub, WebhookKey, load_or_create_log_key};
use ecert_store::exchange::{
    DocumentRecord, EvidenceRecord, ExchangeRecord, ExchangeTransition, ExchangeUpdate, NewSubmission, PkiData,
    PkiDataRecord, WebhookRecord,
};
use ecert_store::{AuditFilter, Country, Store, StoredAuditEvent};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use time::OffsetDateTime;

const LOG_ORIGIN: &str = "hub.test/jobs";

// ---------------------------------------------------------------------------------------------------------
// A webhook receiver: verifies every request's signature and records it.

#[derive(Debug, Clone)]
pub struct Attempt {
    pub notification_id: String,
    pub body: serde_json::Value,
    pub signature: Result<(), SignatureError>,
    pub user_agent: String,
    pub content_type: String,
}

pub struct Inbox {
    secret: String,
    /// Answer 500 instead of 200.
    pub fail: AtomicBool,
    attempts: Mutex<Vec<Attempt>>,
}

impl Inbox {
    pub fn attempts(&self) -> Vec<Attempt> {
        self.attempts.lock().unwrap().clone()
    }
}

async fn receive(State(inbox): State<Arc<Inbox>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let signature = verify_notification_signature(
        &inbox.secret,
        &header(SIGNATURE_HEADER),
        &body,
        now,
        DEFAULT_SIGNATURE_TOLERANCE,
    );
    let status = if signature.is_err() {
        StatusCode::UNAUTHORIZED
    } else if inbox.fail.load(Ordering::SeqCst) {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::NO_CONTENT
    };
    inbox.attempts.lock().unwrap().push(Attempt {
        notification_id: header(NOTIFICATION_ID_HEADER),
        body: serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
        signature,
        user_agent: header("user-agent"),
        content_type: header("content-type"),
    });
    status
}

/// Starts a receiver on 127.0.0.1 that checks signatures against `secret`; returns it and its URL.
pub async fn start_receiver(secret: String) -> (Arc<Inbox>, String) {
    let inbox = Arc::new(Inbox { secret, fail: AtomicBool::new(false), attempts: Mutex::new(Vec::new()) });
    let app = Router::new().route("/hooks/ecert", post(receive)).with_state(inbox.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/ecert", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (inbox, url)
}

// ---------------------------------------------------------------------------------------------------------
// The hub and its registry: one CAB (KG) and two receiving authorities (UZ).

pub struct World {
    pub dir: tempfile::TempDir,
    /// `None`: SQLite in `dir`.
    pub database_url: Option<String>,
    pub hub: Hub,
    pub cab: InstitutionId,
    pub receiver: InstitutionId,
    pub second_receiver: InstitutionId,
    pub certificate: CertificateId,
}

/// Which database a test world runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    /// A fresh database on the server named by `ECERT_TEST_DATABASE_URL` (needs CREATE DATABASE).
    Postgres,
}

async fn database_url(db: Db) -> Option<String> {
    match db {
        Db::Sqlite => None,
        Db::Postgres => {
            let url = std::env::var("ECERT_TEST_DATABASE_URL").expect(
                "the postgres-tests feature needs ECERT_TEST_DATABASE_URL (a server where we may CREATE DATABASE)",
            );
            Some(ecert_store::PgStore::create_scratch_database(&url, "ecert_jobs").await.expect("create test database"))
        }
    }
}

pub fn fast_settings() -> ExchangeSettings {
    ExchangeSettings {
        webhook_max_attempts: 3,
        webhook_initial_backoff: Duration::from_secs(1),
        webhook_max_backoff: Duration::from_secs(4),
        webhook_timeout: Duration::from_secs(5),
        allow_insecure_webhooks: true,
        ..Default::default()
    }
}

pub fn registry_event(event_type: EventType) -> AuditEvent {
    AuditEvent::new(event_type, OffsetDateTime::now_utc())
}

fn institution(country: &str, role: Role) -> Institution {
    let now = OffsetDateTime::now_utc();
    Institution {
        id: InstitutionId::new(),
        country: CountryCode::parse(country).unwrap(),
        name: format!("{role:?} of {country}"),
        roles: vec![role],
        contacts: vec![],
        status: LifecycleStatus::Active,
        withdrawal: None,
        created_at: now,
        updated_at: now,
    }
}

/// A hub with a registry of one CAB (KG) and two receiving authorities (UZ), its PDF cache and keys in a
/// fresh data directory.
pub async fn world_on(db: Db, settings: ExchangeSettings, webhook_key: Option<WebhookKey>) -> World {
    let dir = tempfile::tempdir().unwrap();
    let database_url = database_url(db).await;
    let store = ecert_store::open(database_url.as_deref(), dir.path()).await.unwrap();
    let signer = load_or_create_log_key(dir.path(), LOG_ORIGIN).unwrap();
    let mut services = ExchangeServices::for_data_dir(dir.path(), settings).unwrap();
    if let Some(key) = webhook_key {
        services.webhook_key = key;
    }
    let hub = Hub::new(store.clone(), signer, services);
    hub.prepare_log().await.unwrap();

    let now = OffsetDateTime::now_utc();
    for code in ["KG", "UZ"] {
        let country = Country { code: CountryCode::parse(code).unwrap(), name: code.into(), created_at: now };
        store.insert_country(&country, &registry_event(EventType::CountryRegistered)).await.unwrap();
    }
    let cab = institution("KG", Role::IssuingCab);
    let receiver = institution("UZ", Role::Customs);
    let second_receiver = institution("UZ", Role::Regulator);
    for i in [&cab, &receiver, &second_receiver] {
        store.insert_institution(i, &registry_event(EventType::InstitutionCreated)).await.unwrap();
    }
    let certificate = RegisteredCertificate {
        id: CertificateId::new(),
        institution: cab.id,
        fingerprint_sha256: "ab".repeat(32),
        subject: "CN=Test CAB".into(),
        issuer: "CN=Test CA".into(),
        serial: "01".into(),
        not_before: now - time::Duration::days(365),
        not_after: now + time::Duration::days(365),
        is_ca: false,
        key_algorithm: "EC-P256".into(),
        der: vec![0x30, 0x00],
        status: CertificateStatus::Active,
        replaces: None,
        replaced_by: None,
        revoked_at: None,
        revocation_reason: None,
        registered_at: now,
    };
    store.insert_certificate(&certificate, &registry_event(EventType::CertificateRegistered)).await.unwrap();
    World {
        dir,
        database_url,
        hub,
        cab: cab.id,
        receiver: receiver.id,
        second_receiver: second_receiver.id,
        certificate: certificate.id,
    }
}

pub async fn world_with(settings: ExchangeSettings, webhook_key: Option<WebhookKey>) -> World {
    world_on(Db::Sqlite, settings, webhook_key).await
}

pub async fn world() -> World {
    world_with(fast_settings(), None).await
}

impl World {
    pub fn store(&self) -> &Arc<dyn Store> {
        self.hub.store()
    }

    pub fn at(&self, t: OffsetDateTime) -> Hub {
        self.hub.clone().with_clock(Clock::Fixed(t))
    }

    /// Stores a submitted document (PDF in the cache, L2-L4 rows) with one PENDING_DELIVERY exchange per
    /// receiver, as a push would.
    pub async fn submit(
        &self,
        receivers: &[InstitutionId],
        submitted_at: OffsetDateTime,
    ) -> (DocumentRecord, Vec<ExchangeRecord>) {
        let id = DocumentId::new();
        let pdf = Bytes::from(format!("%PDF-1.7\n% test document {id}\n%%EOF\n"));
        let stored = self.hub.exchange().blobs.put(&pdf_blob_key(id).unwrap(), pdf).await.unwrap();
        let today = OffsetDateTime::now_utc().date();
        let metadata = NewDocumentMetadata {
            document_number: format!("N-{id}"),
            document_type: "CoC".into(),
            hs_codes: vec!["847130".into()],
            product_description: "Laptops".into(),
            issue_date: today,
            valid_until: today + time::Duration::days(365),
            destination_country: "UZ".into(),
            receiving_authority: None,
            applicant: None,
            manufacturer: None,
            applied_standards: vec![],
            public_token: None,
        }
        .validate(today)
        .unwrap();
        let document = DocumentRecord {
            id,
            issuer: self.cab,
            issuer_country: CountryCode::parse("KG").unwrap(),
            metadata,
            status: DocumentStatus::Valid,
            replaced_by: None,
            pdf_sha256: Digest(stored.sha256.0),
            pdf_size: stored.size,
            pdf_deleted_at: None,
            signer_certificate: self.certificate,
            public_token: format!("token-{id}"),
            submitted_at,
            submitted_leaf: 0,
            updated_at: submitted_at,
        };
        let evidence = EvidenceRecord { document: id, report_json: "{}".into(), created_at: submitted_at };
        let pki_data = PkiDataRecord { document: id, data: PkiData::default(), created_at: submitted_at };
        let exchanges: Vec<ExchangeRecord> = receivers
            .iter()
            .map(|receiver| ExchangeRecord {
                id: ExchangeId::new(),
                document: id,
                issuer: self.cab,
                receiver: *receiver,
                status: DeliveryStatus::PendingDelivery,
                reply: None,
                delivery_attempts: 0,
                last_delivery_error: None,
                created_at: submitted_at,
                updated_at: submitted_at,
                change_seq: 0,
            })
            .collect();
        let mut submitted = AuditEvent::new(EventType::DocumentSubmitted, submitted_at);
        submitted.subject_institution = Some(self.cab);
        submitted.subjects = vec![format!("document:{id}")];
        let submission = NewSubmission {
            document: &document,
            evidence: &evidence,
            pki_data: &pki_data,
            exchanges: &exchanges,
            idempotency: None,
            jobs: &[],
            events: &[submitted],
        };
        self.store().insert_submission(&submission).await.unwrap();
        (document, exchanges)
    }

    /// Registers a webhook of `institution` pointing at a fresh receiver that knows the endpoint's secret.
    pub async fn webhook(&self, institution: InstitutionId) -> (WebhookId, Arc<Inbox>) {
        let id = WebhookId::new();
        let (inbox, url) = start_receiver(self.hub.webhook_secret(id)).await;
        self.add_webhook(id, institution, &url).await;
        (id, inbox)
    }

    pub async fn add_webhook(&self, id: WebhookId, institution: InstitutionId, url: &str) {
        let record = WebhookRecord { id, institution, url: url.into(), created_at: OffsetDateTime::now_utc() };
        self.store().insert_webhook(&record, &registry_event(EventType::WebhookRegistered)).await.unwrap();
    }

    pub async fn notify(&self, exchange: ExchangeId, webhook: WebhookId, run_at: OffsetDateTime) -> JobId {
        let job = JobKind::Notify { exchange, webhook, notification: NotificationType::DocumentReceived }.job(run_at);
        self.store().insert_jobs(std::slice::from_ref(&job)).await.unwrap();
        job.id
    }

    pub async fn exchange(&self, id: ExchangeId) -> ExchangeRecord {
        self.store().get_exchange(id).await.unwrap().unwrap().exchange
    }

    /// Moves an exchange as a receiver's actions would (with the event the store requires).
    pub async fn move_exchange(&self, id: ExchangeId, from: DeliveryStatus, to: DeliveryStatus) {
        let transition = ExchangeTransition {
            exchange: id,
            from,
            to,
            reply: None,
            delivery_error: None,
            at: OffsetDateTime::now_utc(),
        };
        let mut event = registry_event(EventType::DocumentDownloaded);
        event.subjects = vec![format!("exchange:{id}")];
        let update = ExchangeUpdate { transitions: &[transition], new_jobs: &[], finished_job: None, events: &[event] };
        self.store().update_exchanges(&update).await.unwrap();
    }

    pub async fn events(&self, event_type: EventType) -> Vec<AuditEvent> {
        let page = self.store().list_audit_events(&AuditFilter::default(), &PageRequest::first(500)).await.unwrap();
        page.items.into_iter().map(|e: StoredAuditEvent| e.event).filter(|e| e.event_type == event_type).collect()
    }

    pub async fn blob_exists(&self, document: DocumentId) -> bool {
        self.hub.exchange().blobs.exists(&pdf_blob_key(document).unwrap()).await.unwrap()
    }

    pub async fn delete_pdf_job(&self, document: DocumentId, reason: PdfDeletionReason, run_at: OffsetDateTime) {
        self.store().insert_jobs(&[JobKind::DeletePdf { document, reason }.job(run_at)]).await.unwrap();
    }
}

pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

// ---------------------------------------------------------------------------------------------------------
// Worker processes

/// Queues `jobs` notifications, runs two workers (two owners) in this process on a multi-threaded runtime until
/// the queue is empty, and checks that every notification was delivered exactly once. Two hub processes are
/// shown by the CLI's `two_hubs` test.
pub async fn run_two_workers(w: &World, jobs: usize) -> [usize; 2] {
    let (webhook, inbox) = w.webhook(w.receiver).await;
    let mut exchanges = Vec::new();
    for _ in 0..jobs {
        let (_, x) = w.submit(&[w.receiver], now()).await;
        exchanges.push(x[0].id);
        w.notify(x[0].id, webhook, now()).await;
    }
    let run = |owner: &'static str| {
        let hub = w.hub.clone();
        tokio::spawn(async move {
            let mut claimed = 0;
            loop {
                let n = hub.run_due_jobs(owner, 3).await.unwrap();
                claimed += n;
                if n == 0 {
                    if hub.store().count_jobs().await.unwrap() == 0 {
                        return claimed;
                    }
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
        })
    };
    let (a, b) = (run("host-a:1:x"), run("host-b:2:y"));
    let claimed = [a.await.unwrap(), b.await.unwrap()];
    assert_eq!(claimed[0] + claimed[1], jobs, "claimed: {claimed:?}");
    w.assert_delivered_once(&inbox, &exchanges).await;
    claimed
}

impl World {
    /// Every exchange DELIVERED, each notification received once, validly signed, with one event each.
    pub async fn assert_delivered_once(&self, inbox: &Inbox, exchanges: &[ExchangeId]) {
        let attempts = inbox.attempts();
        assert_eq!(attempts.len(), exchanges.len(), "every notification sent exactly once");
        let ids: HashSet<_> = attempts.iter().map(|a| a.notification_id.clone()).collect();
        assert_eq!(ids.len(), exchanges.len());
        assert!(attempts.iter().all(|a| a.signature.is_ok()), "every worker signs with the shared webhook key");
        for id in exchanges {
            assert_eq!(self.exchange(*id).await.status, DeliveryStatus::Delivered);
        }
        assert_eq!(self.events(EventType::DocumentDelivered).await.len(), exchanges.len());
    }
}
