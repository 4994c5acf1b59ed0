//! The exchange-storage suite, run against every backend (SQLite in `exchange.rs`, PostgreSQL in
//! `exchange_postgres.rs`). Every test takes a fresh, empty store and builds its own participants.

use ecert_domain::audit::{AuditEvent, Digest, EventType};
use ecert_domain::country::CountryCode;
use ecert_domain::document::{DocumentMetadata, DocumentStatus, StatusChange};
use ecert_domain::document_type::DocumentType;
use ecert_domain::exchange::{BusinessDecision, BusinessReply, DeliveryStatus};
use ecert_domain::hs::HsCode;
use ecert_domain::ids::{CertificateId, DocumentId, ExchangeId, InstitutionId, JobId, WebhookId};
use ecert_domain::institution::{Institution, LifecycleStatus, Role};
use ecert_domain::page::PageRequest;
use ecert_domain::pkr::{CertificateStatus, RegisteredCertificate};
use ecert_store::exchange::*;
use ecert_store::{AuditFilter, Country, Receipt, Store, StoreError};
use std::collections::HashSet;
use std::sync::Arc;
use time::macros::{date, datetime};
use time::{Date, Duration, OffsetDateTime};

pub const T0: OffsetDateTime = datetime!(2026-06-01 0:00 UTC);

pub struct Fixture {
    pub store: Arc<dyn Store>,
    pub cab: InstitutionId,
    pub cab_cert: CertificateId,
    /// A second CAB, of another country.
    pub other_cab: InstitutionId,
    pub other_cert: CertificateId,
    pub receiver_a: InstitutionId,
    pub receiver_b: InstitutionId,
}

fn setup_event() -> AuditEvent {
    AuditEvent::new(EventType::OperatorBootstrapped, T0)
}

fn institution(country: &str, name: &str, role: Role) -> Institution {
    Institution {
        id: InstitutionId::new(),
        country: CountryCode::parse(country).unwrap(),
        name: name.into(),
        roles: vec![role],
        contacts: Vec::new(),
        status: LifecycleStatus::Active,
        withdrawal: None,
        created_at: T0,
        updated_at: T0,
    }
}

fn certificate(institution: InstitutionId, n: u8) -> RegisteredCertificate {
    RegisteredCertificate {
        id: CertificateId::new(),
        institution,
        fingerprint_sha256: format!("{n:02x}").repeat(32),
        subject: format!("CN=signer {n}"),
        issuer: "CN=CA".into(),
        serial: format!("{n:02x}"),
        not_before: T0 - Duration::days(30),
        not_after: T0 + Duration::days(365),
        is_ca: false,
        key_algorithm: "EC-P256".into(),
        der: vec![0x30, n],
        status: CertificateStatus::Active,
        replaces: None,
        replaced_by: None,
        revoked_at: None,
        revocation_reason: None,
        registered_at: T0,
    }
}

/// A CAB of KZ with a registered signer certificate, another CAB of UZ, and two receiving authorities of UZ, all
/// inserted through the registry methods of the store itself.
pub async fn fixture(store: Arc<dyn Store>) -> Fixture {
    for (code, name) in [("KZ", "Kazakhstan"), ("UZ", "Uzbekistan")] {
        let country = Country { code: CountryCode::parse(code).unwrap(), name: name.into(), created_at: T0 };
        store.insert_country(&country, &setup_event()).await.unwrap();
    }
    let cab = institution("KZ", "Cert KZ", Role::IssuingCab);
    let other_cab = institution("UZ", "Cert UZ", Role::IssuingCab);
    let receiver_a = institution("UZ", "Customs UZ", Role::Customs);
    let receiver_b = institution("UZ", "Regulator UZ", Role::Regulator);
    for i in [&cab, &other_cab, &receiver_a, &receiver_b] {
        store.insert_institution(i, &setup_event()).await.unwrap();
    }
    let cab_cert = certificate(cab.id, 1);
    let other_cert = certificate(other_cab.id, 2);
    store.insert_certificate(&cab_cert, &setup_event()).await.unwrap();
    store.insert_certificate(&other_cert, &setup_event()).await.unwrap();
    Fixture {
        store,
        cab: cab.id,
        cab_cert: cab_cert.id,
        other_cab: other_cab.id,
        other_cert: other_cert.id,
        receiver_a: receiver_a.id,
        receiver_b: receiver_b.id,
    }
}

/// What a test varies about a document; the rest is filled in.
#[derive(Clone)]
pub struct Spec {
    pub number: String,
    /// Distinguishes PDFs (their digest is this byte repeated).
    pub pdf: u8,
    pub issuer_is_other_cab: bool,
    pub document_type: DocumentType,
    pub hs_codes: Vec<&'static str>,
    pub issue_date: Date,
    pub submitted_at: OffsetDateTime,
    pub receivers: Vec<InstitutionId>,
    pub idempotency_key: Option<String>,
}

impl Spec {
    pub fn new(f: &Fixture, number: &str, pdf: u8) -> Self {
        Self {
            number: number.into(),
            pdf,
            issuer_is_other_cab: false,
            document_type: DocumentType::ConformityCertificate,
            hs_codes: vec!["847130"],
            issue_date: date!(2026 - 05 - 20),
            submitted_at: T0 + Duration::minutes(i64::from(pdf)),
            receivers: vec![f.receiver_a, f.receiver_b],
            idempotency_key: None,
        }
    }
}

/// The owned parts of a submission.
pub struct Parts {
    pub document: DocumentRecord,
    pub evidence: EvidenceRecord,
    pub pki: PkiDataRecord,
    pub exchanges: Vec<ExchangeRecord>,
    pub idempotency: Option<IdempotencyRecord>,
    pub jobs: Vec<NewJob>,
    pub events: Vec<AuditEvent>,
}

impl Parts {
    pub fn submission(&self) -> NewSubmission<'_> {
        NewSubmission {
            document: &self.document,
            evidence: &self.evidence,
            pki_data: &self.pki,
            exchanges: &self.exchanges,
            idempotency: self.idempotency.as_ref(),
            jobs: &self.jobs,
            events: &self.events,
        }
    }
}

pub fn event(kind: EventType, subject: InstitutionId, at: OffsetDateTime) -> AuditEvent {
    let mut e = AuditEvent::new(kind, at);
    e.subject_institution = Some(subject);
    e
}

pub fn parts(f: &Fixture, spec: &Spec) -> Parts {
    let (issuer, cert, country) =
        if spec.issuer_is_other_cab { (f.other_cab, f.other_cert, "UZ") } else { (f.cab, f.cab_cert, "KZ") };
    let id = DocumentId::new();
    let at = spec.submitted_at;
    let metadata = DocumentMetadata {
        document_number: spec.number.clone(),
        document_type: spec.document_type,
        hs_codes: spec.hs_codes.iter().map(|c| HsCode::parse(c).unwrap()).collect(),
        product_description: "Portable computers".into(),
        issue_date: spec.issue_date,
        valid_until: spec.issue_date + Duration::days(365),
        destination_country: CountryCode::parse("UZ").unwrap(),
        receiving_authority: None,
        applicant: None,
        manufacturer: None,
        applied_standards: vec!["IEC 62368-1:2018".into()],
    };
    let document = DocumentRecord {
        id,
        issuer,
        issuer_country: CountryCode::parse(country).unwrap(),
        metadata,
        status: DocumentStatus::Valid,
        replaced_by: None,
        pdf_sha256: Digest([spec.pdf; 32]),
        pdf_size: 200_000 + u64::from(spec.pdf),
        pdf_deleted_at: None,
        signer_certificate: cert,
        public_token: format!("token-{id}"),
        submitted_at: at,
        submitted_leaf: 0,
        updated_at: at,
    };
    let exchanges = spec
        .receivers
        .iter()
        .map(|r| ExchangeRecord {
            id: ExchangeId::new(),
            document: id,
            issuer,
            receiver: *r,
            status: DeliveryStatus::PendingDelivery,
            reply: None,
            delivery_attempts: 0,
            last_delivery_error: None,
            created_at: at,
            updated_at: at,
            change_seq: 0,
        })
        .collect::<Vec<_>>();
    let mut events = vec![event(EventType::DocumentSubmitted, issuer, at)];
    events.extend(exchanges.iter().map(|x| event(EventType::DocumentRouted, x.receiver, at)));
    Parts {
        evidence: EvidenceRecord { document: id, report_json: format!("{{\"document\":\"{id}\"}}"), created_at: at },
        pki: PkiDataRecord {
            document: id,
            data: PkiData {
                certificates: vec![vec![0x30, 0x82, 0x01, spec.pdf], vec![0x30, 0x00]],
                crls: vec![vec![0xff, 0x00, 0x7f]],
                ocsp_responses: Vec::new(),
                timestamps: vec![vec![0x01]],
                registry_facts_json: "{\"cab_status\":\"active\"}".into(),
            },
            created_at: at,
        },
        idempotency: spec.idempotency_key.as_ref().map(|key| IdempotencyRecord {
            issuer,
            key: key.clone(),
            request_sha256: Digest([spec.pdf ^ 0xaa; 32]),
            document: id,
        }),
        jobs: vec![job(&format!("ttl-{id}"), at + Duration::days(30), None)],
        document,
        exchanges,
        events,
    }
}

pub fn job(kind: &str, run_at: OffsetDateTime, unique_key: Option<&str>) -> NewJob {
    NewJob {
        id: JobId::new(),
        kind: kind.into(),
        payload_json: format!("{{\"kind\":\"{kind}\"}}"),
        run_at,
        unique_key: unique_key.map(str::to_owned),
    }
}

/// Submits `spec` and returns the parts as stored (with the leaf indices the store assigned).
pub async fn submit(f: &Fixture, spec: &Spec) -> (Parts, Vec<Receipt>) {
    let mut p = parts(f, spec);
    let receipts = f.store.insert_submission(&p.submission()).await.unwrap();
    p.document.submitted_leaf = receipts[0].leaf_index;
    for x in &mut p.exchanges {
        x.change_seq = receipts.last().unwrap().leaf_index;
    }
    (p, receipts)
}

fn transition(x: ExchangeId, from: DeliveryStatus, to: DeliveryStatus, at: OffsetDateTime) -> ExchangeTransition {
    ExchangeTransition { exchange: x, from, to, reply: None, delivery_error: None, at }
}

async fn exchange(f: &Fixture, id: ExchangeId) -> ExchangeRecord {
    f.store.get_exchange(id).await.unwrap().unwrap().exchange
}

async fn all_jobs(f: &Fixture) -> Vec<Job> {
    // A claim far in the future takes every job; only for inspection in tests that do not claim otherwise.
    f.store.claim_jobs("inspector", T0 + Duration::days(3650), Duration::seconds(1), 500).await.unwrap()
}

// -------------------------------------------------------------------------------------------------------------

pub async fn submission_round_trip(store: Arc<dyn Store>) {
    let f = fixture(store).await;
    let size_before = f.store.log_size().await.unwrap();
    let mut spec = Spec::new(&f, "KZ-COC-1", 1);
    spec.idempotency_key = Some("key-1".into());
    spec.hs_codes = vec!["847130", "85044010"];
    let (p, receipts) = submit(&f, &spec).await;

    // One receipt per event, consecutive, starting at the log's size.
    assert_eq!(receipts.len(), 3);
    assert_eq!(receipts[0].leaf_index, size_before);
    assert_eq!(receipts[2].leaf_index, size_before + 2);
    assert_eq!(f.store.log_size().await.unwrap(), size_before + 3);

    let stored = f.store.get_document(p.document.id).await.unwrap().unwrap();
    assert_eq!(stored, p.document);
    assert_eq!(stored.submitted_leaf, size_before);
    assert_eq!(f.store.find_document_by_number(f.cab, "KZ-COC-1").await.unwrap().unwrap(), p.document);
    assert!(f.store.find_document_by_number(f.other_cab, "KZ-COC-1").await.unwrap().is_none());
    assert!(f.store.find_document_by_number(f.cab, "KZ-COC-2").await.unwrap().is_none());
    assert_eq!(f.store.find_document_by_pdf_sha256(f.cab, &Digest([1; 32])).await.unwrap().unwrap(), p.document);
    assert!(f.store.find_document_by_pdf_sha256(f.other_cab, &Digest([1; 32])).await.unwrap().is_none());
    assert!(f.store.find_document_by_pdf_sha256(f.cab, &Digest([2; 32])).await.unwrap().is_none());
    assert_eq!(f.store.find_document_by_public_token(&p.document.public_token).await.unwrap().unwrap(), p.document);
    assert!(f.store.find_document_by_public_token("token-unknown").await.unwrap().is_none());
    assert!(f.store.get_document(DocumentId::new()).await.unwrap().is_none());

    // The same PDF submitted by another CAB is a separate document: the hash lookup finds both.
    let mut other = Spec::new(&f, "UZ-COC-1", 1);
    other.issuer_is_other_cab = true;
    other.submitted_at = spec.submitted_at + Duration::seconds(1);
    let (q, _) = submit(&f, &other).await;
    let found = f.store.find_documents_by_pdf_sha256(&Digest([1; 32])).await.unwrap();
    assert_eq!(found.iter().map(|d| d.id).collect::<Vec<_>>(), vec![p.document.id, q.document.id]);
    assert!(f.store.find_documents_by_pdf_sha256(&Digest([9; 32])).await.unwrap().is_empty());

    assert_eq!(f.store.find_idempotency(f.cab, "key-1").await.unwrap(), p.idempotency);
    assert!(f.store.find_idempotency(f.other_cab, "key-1").await.unwrap().is_none());
    assert_eq!(f.store.get_evidence(p.document.id).await.unwrap().unwrap(), p.evidence);
    assert_eq!(f.store.get_pki_data(p.document.id).await.unwrap().unwrap(), p.pki);
    assert!(f.store.get_evidence(DocumentId::new()).await.unwrap().is_none());
    assert!(f.store.get_pki_data(DocumentId::new()).await.unwrap().is_none());

    // Exchanges carry the transaction's last leaf index as their polling cursor.
    let mut listed = f.store.list_exchanges_of_document(p.document.id).await.unwrap();
    listed.sort_by_key(|x| x.id);
    let mut expected = p.exchanges.clone();
    expected.sort_by_key(|x| x.id);
    assert_eq!(listed, expected);
    assert!(listed.iter().all(|x| x.change_seq == receipts[2].leaf_index));
    let x = f.store.get_exchange(p.exchanges[0].id).await.unwrap().unwrap();
    assert_eq!(x.exchange, p.exchanges[0]);
    assert_eq!(x.document, p.document);
    assert!(f.store.get_exchange(ExchangeId::new()).await.unwrap().is_none());

    // The submission's job is pending.
    assert_eq!(f.store.count_jobs().await.unwrap(), 2);
    let jobs = all_jobs(&f).await;
    assert_eq!(jobs[0].kind, format!("ttl-{}", p.document.id));
    assert_eq!(jobs[0].run_at, p.jobs[0].run_at);
    assert_eq!(jobs[0].payload_json, p.jobs[0].payload_json);
}

pub async fn conflicts_name_the_rule_and_store_nothing(store: Arc<dyn Store>) {
    let f = fixture(store).await;
    let mut spec = Spec::new(&f, "KZ-COC-1", 1);
    spec.idempotency_key = Some("key-1".into());
    let (first, _) = submit(&f, &spec).await;
    let size = f.store.log_size().await.unwrap();

    type Change = Box<dyn Fn(&mut Spec)>;
    let cases: [(&str, Change); 3] = [
        ("document_number", Box::new(|s: &mut Spec| s.pdf = 2)),
        ("pdf_sha256", Box::new(|s: &mut Spec| s.number = "KZ-COC-2".into())),
        (
            "idempotency_key",
            Box::new(|s: &mut Spec| {
                s.number = "KZ-COC-3".into();
                s.pdf = 3;
            }),
        ),
    ];
    for (rule, change) in cases {
        let mut s = spec.clone();
        change(&mut s);
        let p = parts(&f, &s);
        match f.store.insert_submission(&p.submission()).await {
            Err(StoreError::Conflict(what)) => assert_eq!(what, rule),
            other => panic!("{rule}: expected a conflict, got {other:?}"),
        }
        // Rolled back whole: no document, exchange, job or audit event.
        assert!(f.store.get_document(p.document.id).await.unwrap().is_none(), "{rule}");
        assert!(f.store.get_exchange(p.exchanges[0].id).await.unwrap().is_none(), "{rule}");
        assert_eq!(f.store.log_size().await.unwrap(), size, "{rule}");
        assert_eq!(f.store.count_jobs().await.unwrap(), 1, "{rule}");
    }
    // The same number and PDF are free for another CAB.
    let mut other = spec.clone();
    other.issuer_is_other_cab = true;
    submit(&f, &other).await;

    // A submission without its audit events is refused before anything is written.
    let mut p = parts(&f, &Spec::new(&f, "KZ-COC-9", 9));
    p.events.clear();
    assert!(matches!(f.store.insert_submission(&p.submission()).await, Err(StoreError::Corrupt(_))));
    assert!(f.store.get_document(p.document.id).await.unwrap().is_none());
    // An exchange to an unknown institution breaks a foreign key.
    let mut p = parts(&f, &Spec::new(&f, "KZ-COC-8", 8));
    p.exchanges[0].receiver = InstitutionId::new();
    assert!(matches!(f.store.insert_submission(&p.submission()).await, Err(StoreError::MissingReference(_))));
    assert!(f.store.get_document(p.document.id).await.unwrap().is_none());
    assert_eq!(f.store.get_document(first.document.id).await.unwrap().unwrap(), first.document);
}

pub async fn document_status_changes(store: Arc<dyn Store>) {
    let f = fixture(store).await;
    let (p, receipts) = submit(&f, &Spec::new(&f, "KZ-COC-1", 1)).await;
    let (q, _) = submit(&f, &Spec::new(&f, "KZ-COC-2", 2)).await;
    let mut foreign = Spec::new(&f, "UZ-COC-1", 3);
    foreign.issuer_is_other_cab = true;
    let (r, _) = submit(&f, &foreign).await;
    let id = p.document.id;
    let at = T0 + Duration::days(1);
    let change = |from, to, replaced_by| StatusChange {
        document: id,
        from,
        to,
        reason: format!("{from} to {to}"),
        replaced_by,
        at,
    };
    let events = |n: usize| vec![event(EventType::DocumentStatusChanged, f.cab, at); n];

    let suspend = change(DocumentStatus::Valid, DocumentStatus::Suspended, None);
    let notify = [job("notify", at, None), job("notify", at, None)];
    let done = f.store.change_document_status(&suspend, &notify, &events(2)).await.unwrap();
    assert_eq!(done.len(), 2);
    let stored = f.store.get_document(id).await.unwrap().unwrap();
    assert_eq!((stored.status, stored.updated_at), (DocumentStatus::Suspended, at));
    // Its receivers' polls see the change: every exchange moved to the new last leaf.
    for x in f.store.list_exchanges_of_document(id).await.unwrap() {
        assert_eq!(x.change_seq, done[1].leaf_index);
        assert!(x.change_seq > receipts[2].leaf_index);
    }
    assert_eq!(f.store.count_jobs().await.unwrap(), 3 + 2);
    // The other document's exchanges did not move.
    assert!(
        f.store
            .list_exchanges_of_document(q.document.id)
            .await
            .unwrap()
            .iter()
            .all(|x| x.change_seq < done[0].leaf_index)
    );

    // A stale `from` changes nothing, not even the log.
    let size = f.store.log_size().await.unwrap();
    let stale = change(DocumentStatus::Valid, DocumentStatus::Withdrawn, None);
    assert!(matches!(
        f.store.change_document_status(&stale, &[job("x", at, None)], &events(1)).await,
        Err(StoreError::Stale(_))
    ));
    assert_eq!(f.store.log_size().await.unwrap(), size);
    assert_eq!(f.store.count_jobs().await.unwrap(), 5);
    let mut unknown = stale.clone();
    unknown.document = DocumentId::new();
    assert!(matches!(f.store.change_document_status(&unknown, &[], &events(1)).await, Err(StoreError::NotFound(_))));

    // Replacement must point at a document of the same issuer.
    for bad in [r.document.id, DocumentId::new()] {
        let replace = change(DocumentStatus::Suspended, DocumentStatus::Replaced, Some(bad));
        assert!(matches!(
            f.store.change_document_status(&replace, &[], &events(1)).await,
            Err(StoreError::MissingReference(_))
        ));
    }
    assert_eq!(f.store.get_document(id).await.unwrap().unwrap().status, DocumentStatus::Suspended);
    let replace = change(DocumentStatus::Suspended, DocumentStatus::Replaced, Some(q.document.id));
    f.store.change_document_status(&replace, &[], &events(1)).await.unwrap();
    let stored = f.store.get_document(id).await.unwrap().unwrap();
    assert_eq!((stored.status, stored.replaced_by), (DocumentStatus::Replaced, Some(q.document.id)));

    assert_eq!(f.store.document_status_history(id).await.unwrap(), vec![suspend, replace]);
    assert!(f.store.document_status_history(q.document.id).await.unwrap().is_empty());
    let replaced = DocumentFilter { status: Some(DocumentStatus::Replaced), ..Default::default() };
    let by_status = f.store.list_documents(&replaced, &PageRequest::first(10)).await.unwrap();
    assert_eq!(by_status.items.iter().map(|d| d.id).collect::<Vec<_>>(), vec![id]);
}

pub async fn exchange_updates_are_all_or_nothing(store: Arc<dyn Store>) {
    let f = fixture(store).await;
    let (p, _) = submit(&f, &Spec::new(&f, "KZ-COC-1", 1)).await;
    let (a, b) = (p.exchanges[0].id, p.exchanges[1].id);
    let at = T0 + Duration::hours(1);
    use DeliveryStatus::*;

    // A failed webhook attempt: status unchanged, attempts counted, error kept; a retry job scheduled.
    let mut failed = transition(a, PendingDelivery, PendingDelivery, at);
    failed.delivery_error = Some("HTTP 503".into());
    let retry = [job("notify", at + Duration::minutes(1), None)];
    let events = [event(EventType::DocumentDeliveryFailed, f.receiver_a, at)];
    let r = f
        .store
        .update_exchanges(&ExchangeUpdate {
            transitions: &[failed.clone()],
            new_jobs: &retry,
            finished_job: None,
            events: &events,
        })
        .await
        .unwrap();
    let x = exchange(&f, a).await;
    assert_eq!(
        (x.status, x.delivery_attempts, x.last_delivery_error.as_deref()),
        (PendingDelivery, 1, Some("HTTP 503"))
    );
    assert_eq!((x.change_seq, x.updated_at), (r[0].leaf_index, at));
    // A second failure counts again; a giant error text is cut to a bound.
    failed.delivery_error = Some("e".repeat(5_000));
    f.store
        .update_exchanges(&ExchangeUpdate {
            transitions: &[failed],
            new_jobs: &[],
            finished_job: None,
            events: &events,
        })
        .await
        .unwrap();
    let x = exchange(&f, a).await;
    assert_eq!(x.delivery_attempts, 2);
    assert!(x.last_delivery_error.as_ref().unwrap().len() <= 1_000);

    // Delivery finishing a leased job.
    let claimed = f.store.claim_jobs("worker-1", at + Duration::minutes(2), Duration::minutes(5), 1).await.unwrap();
    assert_eq!(claimed.len(), 1);
    let lease = JobLease { job: claimed[0].id, owner: "worker-1".into() };
    let jobs_before = f.store.count_jobs().await.unwrap();
    let delivered = [transition(a, PendingDelivery, Delivered, at), transition(b, PendingDelivery, Delivered, at)];
    let events2 =
        [event(EventType::DocumentDelivered, f.receiver_a, at), event(EventType::DocumentDelivered, f.receiver_b, at)];
    let r = f
        .store
        .update_exchanges(&ExchangeUpdate {
            transitions: &delivered,
            new_jobs: &[],
            finished_job: Some(&lease),
            events: &events2,
        })
        .await
        .unwrap();
    assert_eq!(exchange(&f, a).await.status, Delivered);
    assert_eq!(exchange(&f, b).await.change_seq, r[1].leaf_index);
    assert_eq!(f.store.count_jobs().await.unwrap(), jobs_before - 1);
    // The same lease cannot finish twice: the whole update is refused.
    let size = f.store.log_size().await.unwrap();
    let download = [transition(a, Delivered, Downloaded, at)];
    let events1 = [event(EventType::DocumentDownloaded, f.receiver_a, at)];
    let lost = f
        .store
        .update_exchanges(&ExchangeUpdate {
            transitions: &download,
            new_jobs: &[],
            finished_job: Some(&lease),
            events: &events1,
        })
        .await;
    assert!(matches!(lost, Err(StoreError::Stale(_))));
    assert_eq!(exchange(&f, a).await.status, Delivered);
    assert_eq!(f.store.log_size().await.unwrap(), size);

    // One stale transition rolls back the others, the new jobs and the events.
    let jobs_before = f.store.count_jobs().await.unwrap();
    let mixed = [transition(a, Delivered, Downloaded, at), transition(b, Downloaded, Acknowledged, at)];
    let stale = f
        .store
        .update_exchanges(&ExchangeUpdate {
            transitions: &mixed,
            new_jobs: &[job("delete-pdf", at, None)],
            finished_job: None,
            events: &events1,
        })
        .await;
    assert!(matches!(stale, Err(StoreError::Stale(_))));
    assert_eq!(exchange(&f, a).await.status, Delivered);
    assert_eq!(f.store.count_jobs().await.unwrap(), jobs_before);
    assert_eq!(f.store.log_size().await.unwrap(), size);
    // An unknown exchange is stale too.
    let ghost = [transition(ExchangeId::new(), Delivered, Downloaded, at)];
    assert!(matches!(
        f.store
            .update_exchanges(&ExchangeUpdate {
                transitions: &ghost,
                new_jobs: &[],
                finished_job: None,
                events: &events1
            })
            .await,
        Err(StoreError::Stale(_))
    ));

    // The business reply is stored with the acknowledgement and kept afterwards.
    let reply = BusinessReply {
        decision: BusinessDecision::Rejected,
        reason_code: Some("HS_MISMATCH".into()),
        text: Some("HS code does not match the goods".into()),
        at,
    };
    let mut ack = transition(b, Delivered, Acknowledged, at);
    ack.reply = Some(reply.clone());
    let events_ack = [event(EventType::DocumentAcknowledged, f.receiver_b, at)];
    f.store
        .update_exchanges(&ExchangeUpdate {
            transitions: &[ack],
            new_jobs: &[],
            finished_job: None,
            events: &events_ack,
        })
        .await
        .unwrap();
    let x = exchange(&f, b).await;
    assert_eq!((x.status, x.reply), (Acknowledged, Some(reply.clone())));
    let later = [transition(b, Acknowledged, PdfDeleted, at)];
    f.store
        .update_exchanges(&ExchangeUpdate {
            transitions: &later,
            new_jobs: &[],
            finished_job: None,
            events: &events_ack,
        })
        .await
        .unwrap();
    assert_eq!(exchange(&f, b).await.reply, Some(reply));
    // Changes without events are refused.
    assert!(matches!(
        f.store
            .update_exchanges(&ExchangeUpdate {
                transitions: &download,
                new_jobs: &[],
                finished_job: None,
                events: &[]
            })
            .await,
        Err(StoreError::Corrupt(_))
    ));
}

pub async fn pdf_deletion_is_recorded_once(store: Arc<dyn Store>) {
    let f = fixture(store).await;
    let (p, _) = submit(&f, &Spec::new(&f, "KZ-COC-1", 1)).await;
    let (q, _) = submit(&f, &Spec::new(&f, "KZ-COC-2", 2)).await;
    let (a, b) = (p.exchanges[0].id, p.exchanges[1].id);
    use DeliveryStatus::*;
    let cutoff = T0 + Duration::days(1);
    assert_eq!(f.store.documents_with_cached_pdf_before(cutoff, 10).await.unwrap(), vec![p.document.id, q.document.id]);
    assert_eq!(f.store.documents_with_cached_pdf_before(cutoff, 1).await.unwrap(), vec![p.document.id]);
    // Submitted at T0 + 1 min and T0 + 2 min: a cutoff between them splits them.
    assert_eq!(
        f.store.documents_with_cached_pdf_before(T0 + Duration::seconds(90), 10).await.unwrap(),
        vec![p.document.id]
    );

    let at = T0 + Duration::days(30);
    f.store.insert_jobs(&[job("delete-pdf", at, None)]).await.unwrap();
    let claimed = f.store.claim_jobs("worker", at, Duration::minutes(1), 10).await.unwrap();
    let lease = JobLease { job: claimed.iter().find(|j| j.kind == "delete-pdf").unwrap().id, owner: "worker".into() };
    let expired = [transition(a, PendingDelivery, Expired, at)];
    let mut deleted = event(EventType::PdfDeleted, f.cab, at);
    deleted.before = Some(p.document.pdf_sha256);
    let events = [deleted];
    let r = f
        .store
        .record_pdf_deletion(&PdfDeletion {
            document: p.document.id,
            at,
            transitions: &expired,
            finished_job: Some(&lease),
            events: &events,
        })
        .await
        .unwrap();
    let d = f.store.get_document(p.document.id).await.unwrap().unwrap();
    assert_eq!(d.pdf_deleted_at, Some(at));
    assert_eq!(exchange(&f, a).await.status, Expired);
    // Both exchanges of the document move in the polls, the untouched one included.
    assert_eq!(exchange(&f, b).await.status, PendingDelivery);
    assert_eq!(exchange(&f, b).await.change_seq, r[0].leaf_index);
    assert_eq!(f.store.documents_with_cached_pdf_before(at, 10).await.unwrap(), vec![q.document.id]);
    assert!(
        !f.store
            .claim_jobs("other", at + Duration::days(1), Duration::minutes(1), 50)
            .await
            .unwrap()
            .iter()
            .any(|j| j.id == lease.job)
    );

    // Twice is stale; an unknown document is not found; neither writes anything.
    let size = f.store.log_size().await.unwrap();
    let again = PdfDeletion { document: p.document.id, at, transitions: &[], finished_job: None, events: &events };
    assert!(matches!(f.store.record_pdf_deletion(&again).await, Err(StoreError::Stale(_))));
    let unknown =
        PdfDeletion { document: DocumentId::new(), at, transitions: &[], finished_job: None, events: &events };
    assert!(matches!(f.store.record_pdf_deletion(&unknown).await, Err(StoreError::NotFound(_))));
    // A stale transition rolls back the deletion mark.
    let wrong = [transition(q.exchanges[0].id, Delivered, Expired, at)];
    let stale = PdfDeletion { document: q.document.id, at, transitions: &wrong, finished_job: None, events: &events };
    assert!(matches!(f.store.record_pdf_deletion(&stale).await, Err(StoreError::Stale(_))));
    assert_eq!(f.store.get_document(q.document.id).await.unwrap().unwrap().pdf_deleted_at, None);
    assert_eq!(f.store.log_size().await.unwrap(), size);
}

pub async fn polling_follows_change_seq_per_receiver(store: Arc<dyn Store>) {
    let f = fixture(store).await;
    let (p1, _) = submit(&f, &Spec::new(&f, "KZ-COC-1", 1)).await;
    let mut only_a = Spec::new(&f, "KZ-COC-2", 2);
    only_a.receivers = vec![f.receiver_a];
    let (p2, _) = submit(&f, &only_a).await;
    let (p3, _) = submit(&f, &Spec::new(&f, "KZ-COC-3", 3)).await;

    let seqs = |items: &[ExchangeWithDocument]| items.iter().map(|x| x.exchange.change_seq).collect::<Vec<_>>();
    let docs = |items: &[ExchangeWithDocument]| items.iter().map(|x| x.document.id).collect::<Vec<_>>();
    let a = f.store.poll_exchanges(f.receiver_a, 0, 100).await.unwrap();
    assert_eq!(docs(&a), vec![p1.document.id, p2.document.id, p3.document.id]);
    assert!(a.iter().all(|x| x.exchange.receiver == f.receiver_a));
    assert!(seqs(&a).windows(2).all(|w| w[0] < w[1]));
    // Tenant rule: B sees only what is addressed to it.
    let b = f.store.poll_exchanges(f.receiver_b, 0, 100).await.unwrap();
    assert_eq!(docs(&b), vec![p1.document.id, p3.document.id]);
    assert!(f.store.poll_exchanges(f.cab, 0, 100).await.unwrap().is_empty());

    // "What is new since X": strictly after the cursor, in cursor order, bounded by the limit.
    let after_first = f.store.poll_exchanges(f.receiver_a, a[0].exchange.change_seq, 100).await.unwrap();
    assert_eq!(docs(&after_first), vec![p2.document.id, p3.document.id]);
    let one = f.store.poll_exchanges(f.receiver_a, 0, 1).await.unwrap();
    assert_eq!(docs(&one), vec![p1.document.id]);
    assert!(f.store.poll_exchanges(f.receiver_a, a[2].exchange.change_seq, 100).await.unwrap().is_empty());
    assert!(f.store.poll_exchanges(f.receiver_a, u64::MAX, 100).await.unwrap().is_empty());
    assert!(f.store.poll_exchanges(f.receiver_a, 0, 0).await.unwrap().is_empty());

    // A change moves an exchange to the end.
    let at = T0 + Duration::hours(2);
    let delivered = [transition(p1.exchanges[0].id, DeliveryStatus::PendingDelivery, DeliveryStatus::Delivered, at)];
    let events = [event(EventType::DocumentDelivered, f.receiver_a, at)];
    f.store
        .update_exchanges(&ExchangeUpdate {
            transitions: &delivered,
            new_jobs: &[],
            finished_job: None,
            events: &events,
        })
        .await
        .unwrap();
    let a = f.store.poll_exchanges(f.receiver_a, 0, 100).await.unwrap();
    assert_eq!(docs(&a), vec![p2.document.id, p3.document.id, p1.document.id]);
    assert_eq!(a[2].exchange.status, DeliveryStatus::Delivered);

    // One transaction changing two of A's exchanges gives them one change_seq; a page never splits them.
    let pair = [
        transition(p2.exchanges[0].id, DeliveryStatus::PendingDelivery, DeliveryStatus::Delivered, at),
        transition(p3.exchanges[0].id, DeliveryStatus::PendingDelivery, DeliveryStatus::Delivered, at),
    ];
    f.store
        .update_exchanges(&ExchangeUpdate { transitions: &pair, new_jobs: &[], finished_job: None, events: &events })
        .await
        .unwrap();
    let all = f.store.poll_exchanges(f.receiver_a, 0, 100).await.unwrap();
    assert_eq!(all[1].exchange.change_seq, all[2].exchange.change_seq);
    // Limit 2 would cut the pair: the page stops before it.
    let page = f.store.poll_exchanges(f.receiver_a, 0, 2).await.unwrap();
    assert_eq!(docs(&page), vec![p1.document.id]);
    // Limit 1 cannot hold the pair at all: it comes whole.
    let page = f.store.poll_exchanges(f.receiver_a, all[0].exchange.change_seq, 1).await.unwrap();
    assert_eq!(page.len(), 2);
    assert!(page.iter().all(|x| x.exchange.change_seq == all[1].exchange.change_seq));
}

pub async fn search_and_list_filter_and_paginate(store: Arc<dyn Store>) {
    let f = fixture(store).await;
    let mut specs = Vec::new();
    for n in 1..=5u8 {
        let mut s = Spec::new(&f, &format!("KZ-{n}"), n);
        s.hs_codes = if n % 2 == 0 { vec!["850440"] } else { vec!["847130", "84713010"] };
        s.document_type = if n == 5 { DocumentType::TestReport } else { DocumentType::ConformityCertificate };
        s.issue_date = date!(2026 - 05 - 01) + Duration::days(i64::from(n));
        if n == 4 {
            s.receivers = vec![f.receiver_b];
        }
        specs.push(s);
    }
    let mut foreign = Spec::new(&f, "UZ-1", 6);
    foreign.issuer_is_other_cab = true;
    specs.push(foreign);
    let mut docs = Vec::new();
    for s in &specs {
        docs.push(submit(&f, s).await.0);
    }
    let id = |n: usize| docs[n - 1].document.id;

    // Documents newest first, page by page.
    let mut seen = Vec::new();
    let mut page = PageRequest::first(4);
    loop {
        let got = f.store.list_documents(&DocumentFilter::default(), &page).await.unwrap();
        assert!(got.items.len() <= 4);
        seen.extend(got.items.iter().map(|d| d.id));
        match got.next_cursor {
            Some(c) => page = PageRequest::new(Some(c), Some(4)),
            None => break,
        }
    }
    assert_eq!(seen, (1..=6).rev().map(id).collect::<Vec<_>>());
    let list = |filter: DocumentFilter| {
        let store = f.store.clone();
        async move {
            store
                .list_documents(&filter, &PageRequest::first(50))
                .await
                .unwrap()
                .items
                .iter()
                .map(|d| d.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(list(DocumentFilter { issuer: Some(f.other_cab), ..Default::default() }).await, vec![id(6)]);
    assert_eq!(
        list(DocumentFilter { document_type: Some(DocumentType::TestReport), ..Default::default() }).await,
        vec![id(5)]
    );
    assert_eq!(
        list(DocumentFilter { destination_country: Some(CountryCode::parse("KZ").unwrap()), ..Default::default() })
            .await,
        Vec::<DocumentId>::new()
    );
    assert_eq!(
        list(DocumentFilter { status: Some(DocumentStatus::Valid), issuer: Some(f.cab), ..Default::default() })
            .await
            .len(),
        5
    );
    let bad = PageRequest::new(Some("not-a-cursor".into()), Some(5));
    assert!(matches!(f.store.list_documents(&DocumentFilter::default(), &bad).await, Err(StoreError::NotFound(_))));

    let search = |filter: ExchangeFilter| {
        let store = f.store.clone();
        async move {
            let items = store.search_exchanges(&filter, &PageRequest::first(50)).await.unwrap().items;
            items.iter().map(|x| (x.document.id, x.exchange.receiver)).collect::<Vec<_>>()
        }
    };
    let a = Some(f.receiver_a);
    let docs_of = |v: Vec<(DocumentId, InstitutionId)>| v.into_iter().map(|(d, _)| d).collect::<Vec<_>>();
    // Tenant rule: A's view lacks document 4 (addressed to B only).
    let mine = search(ExchangeFilter { receiver: a, ..Default::default() }).await;
    assert_eq!(docs_of(mine.clone()), vec![id(6), id(5), id(3), id(2), id(1)]);
    assert!(mine.iter().all(|(_, r)| *r == f.receiver_a));
    assert_eq!(search(ExchangeFilter::default()).await.len(), 11);
    assert_eq!(
        docs_of(search(ExchangeFilter { receiver: a, hs_prefix: Some("8504".into()), ..Default::default() }).await),
        vec![id(2)]
    );
    assert_eq!(
        docs_of(search(ExchangeFilter { receiver: a, hs_prefix: Some("847130".into()), ..Default::default() }).await),
        vec![id(6), id(5), id(3), id(1)]
    );
    assert_eq!(
        docs_of(search(ExchangeFilter { receiver: a, hs_prefix: Some("84713010".into()), ..Default::default() }).await),
        vec![id(5), id(3), id(1)]
    );
    // Wildcards in a prefix match nothing rather than everything.
    assert!(search(ExchangeFilter { hs_prefix: Some("%".into()), ..Default::default() }).await.is_empty());
    assert!(search(ExchangeFilter { hs_prefix: Some("8_".into()), ..Default::default() }).await.is_empty());
    assert_eq!(
        docs_of(search(ExchangeFilter { receiver: a, issuer: Some(f.other_cab), ..Default::default() }).await),
        vec![id(6)]
    );
    assert_eq!(
        docs_of(
            search(ExchangeFilter {
                receiver: a,
                issuer_country: Some(CountryCode::parse("UZ").unwrap()),
                ..Default::default()
            })
            .await
        ),
        vec![id(6)]
    );
    assert_eq!(
        docs_of(
            search(ExchangeFilter { receiver: a, document_type: Some(DocumentType::TestReport), ..Default::default() })
                .await
        ),
        vec![id(5)]
    );
    // Issue dates 05-02 .. 05-06 for documents 1..5; 6 keeps the default 05-20. The range is inclusive.
    let range = ExchangeFilter {
        receiver: a,
        issued_from: Some(date!(2026 - 05 - 03)),
        issued_to: Some(date!(2026 - 05 - 05)),
        ..Default::default()
    };
    assert_eq!(docs_of(search(range).await), vec![id(3), id(2)]);
    // Status filter, after delivering one exchange.
    let at = T0 + Duration::hours(3);
    let x = docs[2].exchanges[0].id;
    let events = [event(EventType::DocumentDelivered, f.receiver_a, at)];
    f.store
        .update_exchanges(&ExchangeUpdate {
            transitions: &[transition(x, DeliveryStatus::PendingDelivery, DeliveryStatus::Delivered, at)],
            new_jobs: &[],
            finished_job: None,
            events: &events,
        })
        .await
        .unwrap();
    assert_eq!(
        search(ExchangeFilter { status: Some(DeliveryStatus::Delivered), ..Default::default() }).await,
        vec![(id(3), f.receiver_a)]
    );

    // Exchange pages: every exchange once, newest document first, pages of 3.
    let mut seen = Vec::new();
    let mut page = PageRequest::first(3);
    loop {
        let got = f.store.search_exchanges(&ExchangeFilter::default(), &page).await.unwrap();
        seen.extend(got.items.iter().map(|x| (x.document.submitted_at, x.exchange.id)));
        match got.next_cursor {
            Some(c) => page = PageRequest::new(Some(c), Some(3)),
            None => break,
        }
    }
    assert_eq!(seen.len(), 11);
    assert_eq!(seen.iter().map(|s| s.1).collect::<HashSet<_>>().len(), 11);
    assert!(seen.windows(2).all(|w| w[0] > w[1]));
    assert!(matches!(
        f.store.search_exchanges(&ExchangeFilter::default(), &PageRequest::new(Some("5_x".into()), None)).await,
        Err(StoreError::NotFound(_))
    ));
}

pub async fn webhooks_are_stored_per_institution(store: Arc<dyn Store>) {
    let f = fixture(store).await;
    let hook = |institution, url: &str, minutes| WebhookRecord {
        id: WebhookId::new(),
        institution,
        url: url.into(),
        created_at: T0 + Duration::minutes(minutes),
    };
    let a1 = hook(f.receiver_a, "https://a.example/hook", 1);
    let a2 = hook(f.receiver_a, "https://a.example/other", 2);
    let b1 = hook(f.receiver_b, "https://a.example/hook", 3);
    let size = f.store.log_size().await.unwrap();
    for h in [&a1, &a2, &b1] {
        f.store.insert_webhook(h, &event(EventType::WebhookRegistered, h.institution, T0)).await.unwrap();
    }
    assert_eq!(f.store.log_size().await.unwrap(), size + 3);
    assert_eq!(f.store.get_webhook(a1.id).await.unwrap(), Some(a1.clone()));
    assert!(f.store.get_webhook(WebhookId::new()).await.unwrap().is_none());
    assert_eq!(f.store.list_webhooks(f.receiver_a).await.unwrap(), vec![a1.clone(), a2.clone()]);
    assert_eq!(f.store.list_webhooks(f.receiver_b).await.unwrap(), vec![b1.clone()]);
    assert!(f.store.list_webhooks(f.cab).await.unwrap().is_empty());

    // The same URL twice for one receiver is a conflict, and logs nothing.
    let dup = hook(f.receiver_a, "https://a.example/hook", 4);
    match f.store.insert_webhook(&dup, &event(EventType::WebhookRegistered, f.receiver_a, T0)).await {
        Err(StoreError::Conflict(what)) => assert_eq!(what, "webhook_url"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(f.store.log_size().await.unwrap(), size + 3);

    let r = f.store.delete_webhook(a1.id, &event(EventType::WebhookRemoved, f.receiver_a, T0)).await.unwrap();
    assert_eq!(r.leaf_index, size + 3);
    assert_eq!(f.store.list_webhooks(f.receiver_a).await.unwrap(), vec![a2]);
    assert!(matches!(
        f.store.delete_webhook(a1.id, &event(EventType::WebhookRemoved, f.receiver_a, T0)).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(f.store.log_size().await.unwrap(), size + 4);
}

pub async fn jobs_are_leased_retried_and_completed(store: Arc<dyn Store>) {
    let f = fixture(store).await;
    let early = job("early", T0, None);
    let late = job("late", T0 + Duration::minutes(10), None);
    let sweep = job("sweep", T0 + Duration::minutes(5), Some("retention-sweep"));
    // Inserted out of order; the sweep's unique key admits one pending job only.
    f.store.insert_jobs(&[late.clone(), sweep.clone(), early.clone()]).await.unwrap();
    let second_sweep = job("sweep", T0, Some("retention-sweep"));
    f.store.insert_jobs(&[second_sweep]).await.unwrap();
    assert_eq!(f.store.count_jobs().await.unwrap(), 3);
    assert!(f.store.insert_jobs(&[]).await.is_ok());

    // Only due jobs, oldest first, attempts counted, lease recorded.
    let lease = Duration::minutes(1);
    assert!(f.store.claim_jobs("w1", T0 - Duration::seconds(1), lease, 10).await.unwrap().is_empty());
    assert!(f.store.claim_jobs("w1", T0, lease, 0).await.unwrap().is_empty());
    let now = T0 + Duration::minutes(6);
    let got = f.store.claim_jobs("w1", now, lease, 10).await.unwrap();
    assert_eq!(got.iter().map(|j| j.id).collect::<Vec<_>>(), vec![early.id, sweep.id]);
    let j = &got[0];
    assert_eq!((j.attempts, j.lease_owner.as_deref(), j.lease_until), (1, Some("w1"), Some(now + lease)));
    assert_eq!((j.kind.as_str(), j.payload_json.as_str(), j.run_at), ("early", early.payload_json.as_str(), T0));
    // Leased jobs are not claimed again while the lease lives.
    assert!(f.store.claim_jobs("w2", now + Duration::seconds(30), lease, 10).await.unwrap().is_empty());
    // The limit holds, and "late" waits for its time.
    let later = T0 + Duration::minutes(11);
    let got = f.store.claim_jobs("w2", later, lease, 1).await.unwrap();
    assert_eq!(got.iter().map(|j| j.id).collect::<Vec<_>>(), vec![early.id]);
    assert_eq!(got[0].attempts, 2);
    // w1's expired lease was taken over by w2: w1 can neither complete nor retry it.
    let lost = JobLease { job: early.id, owner: "w1".into() };
    assert!(matches!(f.store.complete_job(&lost).await, Err(StoreError::Stale(_))));
    assert!(matches!(f.store.retry_job(&lost, later, "boom").await, Err(StoreError::Stale(_))));
    let held = JobLease { job: early.id, owner: "w2".into() };
    f.store.complete_job(&held).await.unwrap();
    assert!(matches!(f.store.complete_job(&held).await, Err(StoreError::Stale(_))));
    assert_eq!(f.store.count_jobs().await.unwrap(), 2);

    // A retry releases the lease, reschedules and keeps the error; the next claim sees it.
    let got = f.store.claim_jobs("w3", later + Duration::minutes(2), lease, 10).await.unwrap();
    assert_eq!(got.iter().map(|j| j.id).collect::<Vec<_>>(), vec![sweep.id, late.id]);
    let sweep_lease = JobLease { job: sweep.id, owner: "w3".into() };
    let retry_at = later + Duration::hours(1);
    f.store.retry_job(&sweep_lease, retry_at, &"x".repeat(3_000)).await.unwrap();
    assert!(matches!(f.store.retry_job(&sweep_lease, retry_at, "again").await, Err(StoreError::Stale(_))));
    // While the sweep is pending, its unique key still blocks a second one.
    f.store.insert_jobs(&[job("sweep", T0, Some("retention-sweep"))]).await.unwrap();
    assert_eq!(f.store.count_jobs().await.unwrap(), 2);
    let got = f.store.claim_jobs("w4", retry_at, lease, 10).await.unwrap();
    assert_eq!(got.len(), 2);
    let sweep_job = got.iter().find(|j| j.id == sweep.id).unwrap();
    assert_eq!(sweep_job.attempts, 3);
    assert_eq!(sweep_job.run_at, retry_at);
    assert!(sweep_job.last_error.as_ref().unwrap().len() <= 1_000);
    // Once completed, the key is free again.
    f.store.complete_job(&JobLease { job: sweep.id, owner: "w4".into() }).await.unwrap();
    f.store.insert_jobs(&[job("sweep", T0, Some("retention-sweep"))]).await.unwrap();
    assert_eq!(f.store.count_jobs().await.unwrap(), 2);
    // A huge lease saturates instead of overflowing.
    let got = f.store.claim_jobs("w5", retry_at, Duration::MAX, 10).await.unwrap();
    assert_eq!(got.len(), 1);
}

pub async fn purges_remove_layers_in_order_and_log_it(store: Arc<dyn Store>) {
    let f = fixture(store).await;
    let mut old = Spec::new(&f, "KZ-OLD", 1);
    old.idempotency_key = Some("old-key".into());
    let (p, _) = submit(&f, &old).await;
    let (q, _) = submit(&f, &Spec::new(&f, "KZ-OLD-2", 2)).await;
    let mut recent = Spec::new(&f, "KZ-NEW", 3);
    recent.submitted_at = T0 + Duration::days(400);
    let (r, _) = submit(&f, &recent).await;
    // Give p a history that must go with it.
    let at = T0 + Duration::days(1);
    let change = StatusChange {
        document: p.document.id,
        from: DocumentStatus::Valid,
        to: DocumentStatus::Withdrawn,
        reason: "issued in error".into(),
        replaced_by: None,
        at,
    };
    f.store.change_document_status(&change, &[], &[event(EventType::DocumentStatusChanged, f.cab, at)]).await.unwrap();
    let cutoff = T0 + Duration::days(300);
    let purge_event = event(EventType::RecordsPurged, f.cab, cutoff);
    let purge = |layer, limit| {
        let store = f.store.clone();
        let e = purge_event.clone();
        async move { store.purge_layer(layer, cutoff, limit, &e).await.unwrap() }
    };

    // Metadata first: nothing, since every document still has evidence (and its PDF). No event either.
    let size = f.store.log_size().await.unwrap();
    assert_eq!(purge(RetentionLayer::Metadata, 100).await, (0, None));
    assert_eq!(f.store.log_size().await.unwrap(), size);

    // Evidence, bounded by the limit, oldest first, logged with layer and count.
    let (n, receipt) = purge(RetentionLayer::Evidence, 1).await;
    assert_eq!(n, 1);
    assert!(f.store.get_evidence(p.document.id).await.unwrap().is_none());
    assert!(f.store.get_evidence(q.document.id).await.unwrap().is_some());
    let logged = last_event(&f).await;
    assert_eq!(logged.0, receipt.unwrap().leaf_index);
    let mut expected = purge_event.clone();
    expected.subjects.extend(["layer:evidence".to_owned(), "count:1".to_owned()]);
    assert_eq!(logged.1, expected);
    assert_eq!(purge(RetentionLayer::Evidence, 100).await.0, 1);
    assert_eq!(purge(RetentionLayer::Evidence, 100).await, (0, None));
    assert!(f.store.get_evidence(r.document.id).await.unwrap().is_some());

    // Metadata still waits for the PKI data.
    assert_eq!(purge(RetentionLayer::Metadata, 100).await, (0, None));
    let (n, _) = purge(RetentionLayer::PkiData, 100).await;
    assert_eq!(n, 2);
    assert_eq!(last_event(&f).await.1.subjects[..], ["layer:pki_data".to_owned(), "count:2".to_owned()][..]);
    assert!(f.store.get_pki_data(p.document.id).await.unwrap().is_none());
    assert!(f.store.get_pki_data(r.document.id).await.unwrap().is_some());

    // And for the PDF: only p's is deleted, so only p goes.
    let events = [event(EventType::PdfDeleted, f.cab, at)];
    f.store
        .record_pdf_deletion(&PdfDeletion {
            document: p.document.id,
            at,
            transitions: &[],
            finished_job: None,
            events: &events,
        })
        .await
        .unwrap();
    let (n, _) = purge(RetentionLayer::Metadata, 100).await;
    assert_eq!(n, 1);
    assert_eq!(last_event(&f).await.1.subjects[..], ["layer:metadata".to_owned(), "count:1".to_owned()][..]);
    // Its children went with it.
    assert!(f.store.get_document(p.document.id).await.unwrap().is_none());
    assert!(f.store.get_exchange(p.exchanges[0].id).await.unwrap().is_none());
    assert!(f.store.list_exchanges_of_document(p.document.id).await.unwrap().is_empty());
    assert!(f.store.document_status_history(p.document.id).await.unwrap().is_empty());
    assert!(f.store.find_idempotency(f.cab, "old-key").await.unwrap().is_none());
    assert!(f.store.poll_exchanges(f.receiver_a, 0, 100).await.unwrap().iter().all(|x| x.document.id != p.document.id));
    let hs = ExchangeFilter { hs_prefix: Some("8471".into()), ..Default::default() };
    let left = f.store.search_exchanges(&hs, &PageRequest::first(50)).await.unwrap().items;
    assert_eq!(
        left.iter().map(|x| x.document.id).collect::<HashSet<_>>(),
        HashSet::from([q.document.id, r.document.id])
    );
    // The number is free again for its CAB.
    assert!(f.store.find_document_by_number(f.cab, "KZ-OLD").await.unwrap().is_none());
    submit(&f, &Spec::new(&f, "KZ-OLD", 1)).await;
    assert_eq!(f.store.get_document(q.document.id).await.unwrap().unwrap(), q.document);
}

async fn last_event(f: &Fixture) -> (u64, AuditEvent) {
    let mut page = PageRequest::first(500);
    let mut last = None;
    loop {
        let got = f.store.list_audit_events(&AuditFilter::default(), &page).await.unwrap();
        last = got.items.last().cloned().or(last);
        match got.next_cursor {
            Some(c) => page = PageRequest::new(Some(c), Some(500)),
            None => break,
        }
    }
    let e = last.unwrap();
    (e.leaf_index, e.event)
}

pub async fn stats_count_by_status_and_type(store: Arc<dyn Store>) {
    let f = fixture(store).await;
    assert_eq!(f.store.exchange_stats().await.unwrap(), ExchangeStats::default());
    let (p, _) = submit(&f, &Spec::new(&f, "KZ-1", 1)).await;
    let mut tr = Spec::new(&f, "KZ-2", 2);
    tr.document_type = DocumentType::TestReport;
    tr.receivers = vec![f.receiver_a];
    submit(&f, &tr).await;
    let at = T0 + Duration::days(1);
    let events = [event(EventType::PdfDeleted, f.cab, at)];
    let expired = [transition(p.exchanges[0].id, DeliveryStatus::PendingDelivery, DeliveryStatus::Expired, at)];
    f.store
        .record_pdf_deletion(&PdfDeletion {
            document: p.document.id,
            at,
            transitions: &expired,
            finished_job: None,
            events: &events,
        })
        .await
        .unwrap();
    let stats = f.store.exchange_stats().await.unwrap();
    assert_eq!(stats.documents_by_status, vec![("VALID".to_owned(), 2)]);
    assert_eq!(stats.exchanges_by_status, vec![("EXPIRED".to_owned(), 1), ("PENDING_DELIVERY".to_owned(), 2)]);
    assert_eq!(stats.documents_by_type, vec![("CoC".to_owned(), 1), ("TR".to_owned(), 1)]);
    assert_eq!(stats.pdfs_cached, 1);
}

/// Two workers claiming from one table at the same time never get the same job, and together get them all.
pub async fn concurrent_claims_never_share_a_job(store: Arc<dyn Store>) {
    let f = fixture(store).await;
    let jobs: Vec<NewJob> = (0..50).map(|i| job("notify", T0 + Duration::seconds(i), None)).collect();
    f.store.insert_jobs(&jobs).await.unwrap();
    let worker = |name: &'static str| {
        let store = f.store.clone();
        tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = store.claim_jobs(name, T0 + Duration::minutes(5), Duration::minutes(10), 3).await.unwrap();
                if got.is_empty() {
                    return mine;
                }
                for j in got {
                    assert_eq!(j.lease_owner.as_deref(), Some(name));
                    assert_eq!(j.attempts, 1, "job {} claimed twice", j.id);
                    mine.push(j.id);
                }
                tokio::task::yield_now().await;
            }
        })
    };
    let (a, b) = (worker("w-a"), worker("w-b"));
    let (a, b) = (a.await.unwrap(), b.await.unwrap());
    let all: HashSet<JobId> = a.iter().chain(&b).copied().collect();
    assert_eq!(a.len() + b.len(), 50, "a job was claimed twice");
    assert_eq!(all, jobs.iter().map(|j| j.id).collect::<HashSet<_>>());
}

/// Many submissions at once (on SQLite they share group commits): each gets its own consecutive receipts, a
/// refused one (a number already used) is undone alone, and every accepted one is stored whole.
pub async fn concurrent_submissions_commit_independently(store: Arc<dyn Store>) {
    let f = Arc::new(fixture(store).await);
    submit(&f, &Spec::new(&f, "KZ-TAKEN", 200)).await;
    let before = f.store.log_size().await.unwrap();
    let tasks: Vec<_> = (0..40u8)
        .map(|i| {
            let f = f.clone();
            tokio::spawn(async move {
                // Every tenth reuses the taken number.
                let number = if i % 10 == 3 { "KZ-TAKEN".to_owned() } else { format!("KZ-C-{i}") };
                let p = parts(&f, &Spec::new(&f, &number, i));
                (p.document.id, f.store.insert_submission(&p.submission()).await)
            })
        })
        .collect();
    let mut leaves = HashSet::new();
    let mut accepted = 0;
    for t in tasks {
        let (id, outcome) = t.await.unwrap();
        match outcome {
            Ok(receipts) => {
                accepted += 1;
                assert_eq!(receipts.len(), 3, "the submitted event and one per receiver");
                assert!(receipts.windows(2).all(|w| w[1].leaf_index == w[0].leaf_index + 1), "{receipts:?}");
                assert!(receipts.iter().all(|r| leaves.insert(r.leaf_index)), "a leaf index was handed out twice");
                let stored = f.store.get_document(id).await.unwrap().expect("an accepted document is stored");
                assert_eq!(stored.submitted_leaf, receipts[0].leaf_index);
                assert!(f.store.get_evidence(id).await.unwrap().is_some());
                assert!(f.store.get_pki_data(id).await.unwrap().is_some());
                assert_eq!(f.store.list_exchanges_of_document(id).await.unwrap().len(), 2);
            }
            Err(StoreError::Conflict(rule)) => {
                assert_eq!(rule, "document_number");
                assert!(f.store.get_document(id).await.unwrap().is_none(), "a refused submission left its document");
            }
            Err(other) => panic!("unexpected error {other}"),
        }
    }
    assert_eq!(accepted, 36);
    assert_eq!(f.store.log_size().await.unwrap(), before + 36 * 3, "refused submissions left audit events");
}

/// Verification (issue 7): the permit-style lookup by issuing country and number, and public tokens reserved
/// before signing.
pub async fn tokens_are_reserved_once_and_documents_found_by_country_and_number(store: Arc<dyn Store>) {
    let f = fixture(store).await;
    let (kz, _) = submit(&f, &Spec::new(&f, "N-1", 1)).await;
    let mut other = Spec::new(&f, "N-1", 2);
    other.issuer_is_other_cab = true;
    let (uz, _) = submit(&f, &other).await;
    let kz_code = CountryCode::parse("KZ").unwrap();
    let uz_code = CountryCode::parse("UZ").unwrap();
    assert_eq!(f.store.find_documents_by_country_number(kz_code, "N-1").await.unwrap(), vec![kz.document]);
    assert_eq!(f.store.find_documents_by_country_number(uz_code, "N-1").await.unwrap(), vec![uz.document]);
    assert!(f.store.find_documents_by_country_number(kz_code, "N-2").await.unwrap().is_empty());
    assert!(
        f.store.find_documents_by_country_number(CountryCode::parse("KG").unwrap(), "N-1").await.unwrap().is_empty()
    );

    let reservation = TokenReservation { token: "t".repeat(32), issuer: f.cab, reserved_at: T0 };
    f.store.reserve_public_token(&reservation).await.unwrap();
    assert_eq!(f.store.get_token_reservation(&reservation.token).await.unwrap(), Some(reservation.clone()));
    let again = TokenReservation { issuer: f.other_cab, ..reservation.clone() };
    assert!(matches!(f.store.reserve_public_token(&again).await, Err(StoreError::Conflict(c)) if c == "public_token"));
    assert_eq!(f.store.get_token_reservation(&reservation.token).await.unwrap().unwrap().issuer, f.cab, "kept");
    assert!(f.store.get_token_reservation("u".repeat(32).as_str()).await.unwrap().is_none());
    // Open reservations are counted per CAB and period; one used by a document no longer counts.
    let day = T0 - Duration::days(1);
    assert_eq!(f.store.count_open_token_reservations(f.cab, day).await.unwrap(), 1);
    assert_eq!(f.store.count_open_token_reservations(f.cab, T0 + Duration::seconds(1)).await.unwrap(), 0);
    assert_eq!(f.store.count_open_token_reservations(f.other_cab, day).await.unwrap(), 0);
    let mut used = parts(&f, &Spec::new(&f, "N-3", 3));
    used.document.public_token = reservation.token.clone();
    f.store.insert_submission(&used.submission()).await.unwrap();
    assert_eq!(f.store.count_open_token_reservations(f.cab, day).await.unwrap(), 0);
    // A reservation names an institution the registry knows.
    let orphan = TokenReservation { token: "o".repeat(32), issuer: InstitutionId::new(), reserved_at: T0 };
    assert!(f.store.reserve_public_token(&orphan).await.is_err());
}

/// Every committed registry write moves the registry version, and nothing else does: the hub's upload path trusts
/// its cached registry records exactly while the version stands.
pub async fn registry_version_moves_with_every_registry_write(store: Arc<dyn Store>) {
    use ecert_domain::accreditation::{Accreditation, AccreditationBasis, AccreditationBody, ArrangementStatus};
    use ecert_domain::hs::HsPrefix;
    use ecert_domain::ids::{AccreditationBodyId, AccreditationId, ScopeEntryId};
    use ecert_domain::pkr::RevocationReason;
    use ecert_domain::scope::ScopeEntry;

    let f = fixture(store).await;
    let store = f.store.clone();
    let mut version = store.registry_version().await.unwrap();
    assert!(version > 0, "the fixture's registry inserts moved it");
    let mut moved = |what: &str, now: i64| {
        assert!(now > version, "{what} did not move the registry version ({version} -> {now})");
        version = now;
    };
    let ev = || setup_event();

    let country = Country { code: CountryCode::parse("TJ").unwrap(), name: "Tajikistan".into(), created_at: T0 };
    store.insert_country(&country, &ev()).await.unwrap();
    moved("a new country", store.registry_version().await.unwrap());

    let mut cab = store.get_institution(f.cab).await.unwrap().unwrap();
    let before = cab.updated_at;
    cab.status = LifecycleStatus::Suspended;
    cab.updated_at = T0 + Duration::hours(1);
    store.update_institution(&cab, before, &ev()).await.unwrap();
    moved("a suspension", store.registry_version().await.unwrap());

    let body = AccreditationBody {
        id: AccreditationBodyId::new(),
        name: "NCA".into(),
        country: CountryCode::parse("KZ").unwrap(),
        arrangement: ArrangementStatus::IafMla,
        predecessor: None,
        created_at: T0,
    };
    store.insert_accreditation_body(&body, &ev()).await.unwrap();
    moved("an accreditation body", store.registry_version().await.unwrap());
    let accreditation = Accreditation {
        id: AccreditationId::new(),
        cab: f.cab,
        basis: AccreditationBasis::Iso17065,
        body: Some(body.id),
        designated_by: None,
        certificate_number: "KZ.A-1".into(),
        valid_from: date!(2026 - 01 - 01),
        valid_until: date!(2030 - 01 - 01),
        suspended: false,
        created_at: T0,
    };
    store.insert_accreditation(&accreditation, &ev()).await.unwrap();
    moved("an accreditation", store.registry_version().await.unwrap());
    let scope = ScopeEntry {
        id: ScopeEntryId::new(),
        cab: f.cab,
        document_type: DocumentType::ConformityCertificate,
        hs_prefix: HsPrefix::parse("8471").unwrap(),
        destinations: Vec::new(),
        valid_from: date!(2026 - 01 - 01),
        valid_until: None,
        created_at: T0,
    };
    store.insert_scope_entry(&scope, &ev()).await.unwrap();
    moved("a scope entry", store.registry_version().await.unwrap());

    let renewed = RegisteredCertificate { replaces: Some(f.cab_cert), ..certificate(f.cab, 7) };
    store.renew_certificate(f.cab_cert, &renewed, &ev()).await.unwrap();
    moved("a renewal", store.registry_version().await.unwrap());
    store.revoke_certificate(renewed.id, T0, RevocationReason::KeyCompromise, &ev()).await.unwrap();
    moved("a revocation", store.registry_version().await.unwrap());

    let hook = WebhookRecord {
        id: WebhookId::new(),
        institution: f.receiver_a,
        url: "https://a.example/h".into(),
        created_at: T0,
    };
    store.insert_webhook(&hook, &event(EventType::WebhookRegistered, f.receiver_a, T0)).await.unwrap();
    moved("a webhook", store.registry_version().await.unwrap());
    store.delete_webhook(hook.id, &event(EventType::WebhookRemoved, f.receiver_a, T0)).await.unwrap();
    moved("a webhook removal", store.registry_version().await.unwrap());

    // A refused write changes nothing, and neither do uploads, exchanges, jobs or audit events.
    assert!(store.revoke_certificate(renewed.id, T0, RevocationReason::KeyCompromise, &ev()).await.is_err());
    let (parts, _) = submit(&f, &Spec::new(&f, "KZ-V-1", 42)).await;
    let exchange_id = parts.exchanges[0].id;
    let _ = exchange(&f, exchange_id).await;
    store.claim_jobs("w", T0 + Duration::days(365), Duration::minutes(1), 10).await.unwrap();
    store.append_audit_event(&ev()).await.unwrap();
    assert_eq!(store.registry_version().await.unwrap(), version);
}
