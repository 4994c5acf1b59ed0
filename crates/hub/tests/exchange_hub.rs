//! Model A exchange through the hub, on a real SQLite store and filesystem cache, with documents signed by the
//! generated test PKI: push (acceptance, replays, every rejection), receive (search, poll, read, download,
//! reply), tenant isolation, the issuer's status changes and webhook registration.

use bytes::Bytes;
use ecert_domain::audit::EventType;
use ecert_domain::auth::Principal;
use ecert_domain::document::{NewDocumentMetadata, NewStatusChange};
use ecert_domain::exchange::{BusinessDecision, DeliveryStatus, NewBusinessReply};
use ecert_domain::ids::{DocumentId, InstitutionId};
use ecert_domain::institution::{LifecycleStatus, NewInstitution, Role};
use ecert_domain::page::PageRequest;
use ecert_domain::pkr::RevocationReason;
use ecert_domain::scope::NewScopeEntry;
use ecert_hub::demo::{DemoCredentials, local_admin};
use ecert_hub::exchange::{PushRequest, Submission};
use ecert_hub::{Clock, ExchangeServices, ExchangeSettings, Hub, HubError, Rejection, load_or_create_log_key};
use ecert_pdf::samples::{DocumentKind, SampleDocument, generate};
use ecert_pdf::sign::{SignOptions, sign_pdf};
use ecert_pki::testpki::{TestPki, TestSigner};
use ecert_store::exchange::{DocumentFilter, ExchangeFilter};
use ecert_store::{SqliteStore, Store};
use std::sync::Arc;
use time::{Date, Duration, OffsetDateTime};

struct Fx {
    _dir: tempfile::TempDir,
    hub: Hub,
    pki: &'static TestPki,
    ids: DemoCredentials,
    operator: Principal,
    cab: Principal,
    receiver: Principal,
}

async fn fixture() -> Fx {
    fixture_with(ExchangeSettings::default()).await
}

async fn fixture_with(settings: ExchangeSettings) -> Fx {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("hub.sqlite3")).await.unwrap());
    let signer = load_or_create_log_key(dir.path(), "hub.test/audit-log").unwrap();
    let exchange = ExchangeServices::for_data_dir(dir.path(), settings).unwrap();
    let hub = Hub::new(store, signer, exchange);
    hub.prepare_log().await.unwrap();
    let pki = TestPki::shared().unwrap();
    let ids = hub.seed_demo(Some(pki)).await.unwrap();
    let operator = hub.authenticate_api_key(&ids.operator_key).await.unwrap();
    let cab = hub.authenticate_api_key(&ids.cab_key).await.unwrap();
    let receiver = hub.authenticate_api_key(&ids.receiver_key).await.unwrap();
    Fx { _dir: dir, hub, pki, ids, operator, cab, receiver }
}

fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

fn sample(kind: DocumentKind, number: &str) -> Vec<u8> {
    let mut doc = SampleDocument::example(kind);
    doc.number = number.into();
    doc.destination = "Uzbekistan".into();
    generate(&doc)
}

fn sign(pki: &TestPki, signer: TestSigner, pdf: &[u8]) -> Vec<u8> {
    sign_pdf(pdf, &SignOptions::new(&pki.signer(signer).credentials)).unwrap()
}

fn metadata(number: &str, document_type: &str, hs: &str, issue_date: Date) -> NewDocumentMetadata {
    NewDocumentMetadata {
        document_number: number.into(),
        document_type: document_type.into(),
        hs_codes: vec![hs.into()],
        product_description: "Portable computers".into(),
        issue_date,
        valid_until: issue_date + Duration::days(365),
        destination_country: "UZ".into(),
        receiving_authority: None,
        applicant: None,
        manufacturer: None,
        applied_standards: vec![],
        public_token: None,
    }
}

impl Fx {
    /// A test report signed by `signer`, with matching metadata (TR, HS 8471.30, to UZ).
    fn request(&self, signer: TestSigner, number: &str) -> PushRequest {
        let pdf = sign(self.pki, signer, &sample(DocumentKind::TestReport, number));
        PushRequest { metadata: metadata(number, "TR", "8471.30", today()), pdf: pdf.into(), idempotency_key: None }
    }

    async fn push(&self, number: &str) -> Submission {
        self.push_signed(TestSigner::ValidRsa, number).await
    }

    async fn push_signed(&self, signer: TestSigner, number: &str) -> Submission {
        self.hub.push_document(&self.cab, self.request(signer, number)).await.unwrap()
    }

    fn cab_id(&self) -> InstitutionId {
        self.cab.institution
    }

    async fn events_of(&self, event_type: EventType) -> usize {
        let page = self.hub.list_audit_events(&self.operator, &PageRequest::first(500)).await.unwrap();
        assert!(page.next_cursor.is_none(), "more events than one page");
        page.items.iter().filter(|e| e.event.event_type == event_type).count()
    }

    async fn cached_blobs(&self) -> usize {
        let later = OffsetDateTime::now_utc() + Duration::days(1);
        self.hub.exchange().blobs.list_older_than(later, 1000).await.unwrap().len()
    }

    async fn documents(&self) -> usize {
        self.hub
            .list_documents(&self.operator, DocumentFilter::default(), &PageRequest::first(500))
            .await
            .unwrap()
            .items
            .len()
    }

    /// A further institution, active, with a principal acting for it.
    async fn institution(&self, country: &str, name: &str, role: Role) -> Principal {
        let op = local_admin(self.operator.institution);
        if self.hub.store().get_country(country).await.unwrap().is_none() {
            self.hub.create_country(&op, country, country).await.unwrap();
        }
        let new = NewInstitution {
            country: country.into(),
            name: name.into(),
            roles: vec![role.code().into()],
            contacts: vec![],
        };
        let (view, _) = self.hub.create_institution(&op, new).await.unwrap();
        let id = view.institution.id;
        self.hub.set_institution_status(&op, id, LifecycleStatus::Active).await.unwrap();
        let key = self.hub.create_api_key(&op, id, "test key").await.unwrap();
        self.hub.authenticate_api_key(&key.key).await.unwrap()
    }

    /// Pushes `req` with `hub` and checks the rejection: its code, one `document_rejected` event, nothing cached
    /// and no document stored.
    async fn rejected_with(&self, hub: &Hub, req: PushRequest, code: &str) -> Rejection {
        let before = self.events_of(EventType::DocumentRejected).await;
        let (cached, documents) = (self.cached_blobs().await, self.documents().await);
        let submitted = self.events_of(EventType::DocumentSubmitted).await;
        let err = hub.push_document(&self.cab, req).await.unwrap_err();
        let HubError::Rejected(rejection) = err else { panic!("expected {code}, got {err:?}") };
        assert_eq!(rejection.code, code, "{}", rejection.detail);
        assert_eq!(self.events_of(EventType::DocumentRejected).await, before + 1);
        assert_eq!(self.cached_blobs().await, cached, "a rejected PDF was cached");
        assert_eq!(self.documents().await, documents, "a rejected document was stored");
        assert_eq!(self.events_of(EventType::DocumentSubmitted).await, submitted);
        *rejection
    }

    async fn rejected(&self, req: PushRequest, code: &str) -> Rejection {
        self.rejected_with(&self.hub, req, code).await
    }

    /// An invalid-input refusal naming `field`, with no audit event and nothing stored.
    async fn invalid(&self, p: &Principal, req: PushRequest, field: &str) {
        let before = self.events_of(EventType::DocumentRejected).await;
        match self.hub.push_document(p, req).await {
            Err(HubError::Invalid(errors)) => {
                assert!(errors.0.iter().any(|e| e.field.starts_with(field)), "{errors}")
            }
            other => panic!("expected invalid {field}, got {other:?}"),
        }
        assert_eq!(self.events_of(EventType::DocumentRejected).await, before);
        assert_eq!(self.cached_blobs().await, 0);
        assert_eq!(self.documents().await, 0);
    }
}

fn assert_not_found<T: std::fmt::Debug>(r: Result<T, HubError>) {
    assert!(matches!(r, Err(HubError::NotFound(_))), "expected not found, got {r:?}");
}

fn assert_invalid<T: std::fmt::Debug>(r: Result<T, HubError>, field: &str) {
    match r {
        Err(HubError::Invalid(errors)) => assert!(errors.0.iter().any(|e| e.field == field), "{errors}"),
        other => panic!("expected invalid {field}, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------------------
// Push: acceptance and replays

#[tokio::test]
async fn an_accepted_push_stores_the_five_layers_and_routes() {
    let fx = fixture().await;
    let req = fx.request(TestSigner::ValidRsa, "KZ-TR-1");
    let pdf = req.pdf.clone();
    let sub = fx.hub.push_document(&fx.cab, req).await.unwrap();
    assert!(!sub.replayed);
    assert_eq!(sub.report["document"]["indication"], "TOTAL_PASSED");
    assert_eq!(sub.document.issuer, fx.cab_id());
    assert_eq!(sub.document.metadata.document_number, "KZ-TR-1");
    assert_eq!(sub.document.submitted_leaf, sub.receipt.leaf_index);
    assert_eq!(sub.exchanges.len(), 1);
    let exchange = &sub.exchanges[0];
    assert_eq!((exchange.receiver, exchange.status), (fx.receiver.institution, DeliveryStatus::PendingDelivery));
    assert!(exchange.change_seq > sub.receipt.leaf_index, "routing events follow the submission event");

    // L1: the PDF, byte for byte.
    let key = ecert_hub::exchange::pdf_blob_key(sub.document.id).unwrap();
    let cached = fx.hub.exchange().blobs.get_bytes(&key, Default::default()).await.unwrap();
    assert_eq!(cached, pdf);
    // L2, L3, L4.
    let stored = fx.hub.store().get_document(sub.document.id).await.unwrap().unwrap();
    assert_eq!(stored.pdf_sha256, sub.document.pdf_sha256);
    let evidence = fx.hub.store().get_evidence(sub.document.id).await.unwrap().unwrap();
    assert!(evidence.report_json.contains("TOTAL_PASSED"));
    let pki = fx.hub.store().get_pki_data(sub.document.id).await.unwrap().unwrap();
    let signer_der = fx.pki.signer(TestSigner::ValidRsa).credentials.certificate.der().to_vec();
    assert!(pki.data.certificates.contains(&signer_der));
    let facts: serde_json::Value = serde_json::from_str(&pki.data.registry_facts_json).unwrap();
    assert_eq!(facts["signer_certificate"]["id"], sub.document.signer_certificate.to_string());
    assert_eq!(facts["cab_status"], "active");
    assert_eq!(facts["scope_entries"].as_array().unwrap().len(), 1);
    // L5.
    assert_eq!(fx.events_of(EventType::DocumentSubmitted).await, 1);
    assert_eq!(fx.events_of(EventType::DocumentRouted).await, 1);
    // The TTL deletion job is scheduled.
    assert_eq!(fx.hub.store().count_jobs().await.unwrap(), 1);
}

#[tokio::test]
async fn validation_data_from_the_dss_is_kept_with_the_pki_layer() {
    let fx = fixture().await;
    let identity = fx.pki.signer(TestSigner::ValidRsa);
    let ltv = ecert_pdf::dss::DssData {
        certs: vec![fx.pki.ca.certificate.der().to_vec()],
        crls: vec![fx.pki.crl().der().to_vec()],
        ocsps: vec![identity.ocsp.der().to_vec()],
    };
    let options = SignOptions { ltv: Some(ltv), ..SignOptions::new(&identity.credentials) };
    let pdf = sign_pdf(&sample(DocumentKind::TestReport, "KZ-TR-LT"), &options).unwrap();
    let req = PushRequest {
        metadata: metadata("KZ-TR-LT", "TR", "8471.30", today()),
        pdf: pdf.into(),
        idempotency_key: None,
    };
    let sub = fx.hub.push_document(&fx.cab, req).await.unwrap();
    let pki = fx.hub.store().get_pki_data(sub.document.id).await.unwrap().unwrap().data;
    assert_eq!(pki.crls, vec![fx.pki.crl().der().to_vec()]);
    assert_eq!(pki.ocsp_responses, vec![identity.ocsp.der().to_vec()]);
    assert!(pki.certificates.contains(&fx.pki.ca.certificate.der().to_vec()));
    assert_eq!(pki.certificates[0], identity.credentials.certificate.der().to_vec(), "the signer comes first");
}

#[tokio::test]
async fn replays_return_the_original_and_conflicts_are_refused() {
    let fx = fixture().await;
    let mut req = fx.request(TestSigner::ValidRsa, "KZ-TR-2");
    req.idempotency_key = Some("key-1".into());
    let first = fx.hub.push_document(&fx.cab, req.clone()).await.unwrap();

    let by_key = fx.hub.push_document(&fx.cab, req.clone()).await.unwrap();
    assert!(by_key.replayed);
    assert_eq!(by_key.document.id, first.document.id);
    assert_eq!(by_key.receipt, first.receipt);
    assert_eq!(by_key.exchanges, first.exchanges);
    assert_eq!(by_key.report, first.report);

    let mut by_content = req.clone();
    by_content.idempotency_key = None;
    let again = fx.hub.push_document(&fx.cab, by_content).await.unwrap();
    assert!(again.replayed);
    assert_eq!(again.document.id, first.document.id);

    // The same key with another document.
    let mut other = fx.request(TestSigner::ValidRsa, "KZ-TR-3");
    other.idempotency_key = Some("key-1".into());
    match fx.hub.push_document(&fx.cab, other).await {
        Err(HubError::Conflict(m)) => assert!(m.contains("Idempotency-Key"), "{m}"),
        other => panic!("expected conflict, got {other:?}"),
    }
    // The same number with another PDF (signed by the other registered key).
    let mut same_number = fx.request(TestSigner::ValidEcP256, "KZ-TR-2");
    same_number.idempotency_key = Some("key-2".into());
    match fx.hub.push_document(&fx.cab, same_number).await {
        Err(HubError::Conflict(m)) => assert!(m.contains("KZ-TR-2"), "{m}"),
        other => panic!("expected conflict, got {other:?}"),
    }
    let bad_key = PushRequest { idempotency_key: Some("has space".into()), ..req };
    assert_invalid(fx.hub.push_document(&fx.cab, bad_key).await, "idempotency_key");

    assert_eq!(fx.documents().await, 1);
    assert_eq!(fx.cached_blobs().await, 1);
    assert_eq!(fx.events_of(EventType::DocumentSubmitted).await, 1);
    assert_eq!(fx.events_of(EventType::DocumentRejected).await, 0);
}

// ---------------------------------------------------------------------------------------------------------
// Push: rejections

#[tokio::test]
async fn an_unsigned_pdf_is_rejected() {
    let fx = fixture().await;
    let pdf = sample(DocumentKind::TestReport, "KZ-TR-U");
    let req =
        PushRequest { metadata: metadata("KZ-TR-U", "TR", "8471.30", today()), pdf: pdf.into(), idempotency_key: None };
    let r = fx.rejected(req, "unsigned").await;
    assert_eq!(r.report.unwrap()["document"]["signature_count"], 0);
}

#[tokio::test]
async fn a_tampered_pdf_is_rejected() {
    let fx = fixture().await;
    let mut req = fx.request(TestSigner::ValidRsa, "KZ-TR-T");
    let mut bytes = req.pdf.to_vec();
    let at = bytes.windows(6).position(|w| w == b"Steppe").expect("sample text in the PDF");
    bytes[at + 5] = b'o';
    req.pdf = Bytes::from(bytes);
    let r = fx.rejected(req, "signature_invalid").await;
    assert_eq!(r.report.unwrap()["document"]["indication"], "TOTAL_FAILED");
}

#[tokio::test]
async fn a_signer_missing_from_the_registry_is_rejected() {
    let fx = fixture().await;
    // Issued by the CAB's registered CA, but never registered itself.
    let r = fx.rejected(fx.request(TestSigner::ValidEcP384, "KZ-TR-N"), "signer_not_registered").await;
    assert!(r.report.is_some());
}

#[tokio::test]
async fn a_signer_registered_to_another_cab_is_rejected() {
    let fx = fixture().await;
    let other = fx.institution("KZ", "Other Laboratory", Role::IssuingCab).await;
    let op = local_admin(fx.operator.institution);
    let cert = fx.pki.signer(TestSigner::ValidEcP384).credentials.certificate.der().to_vec();
    fx.hub.register_certificate(&op, other.institution, &cert).await.unwrap();
    fx.rejected(fx.request(TestSigner::ValidEcP384, "KZ-TR-O"), "signer_other_cab").await;
}

#[tokio::test]
async fn a_revoked_certificate_is_rejected() {
    let fx = fixture().await;
    let op = local_admin(fx.operator.institution);
    let fingerprint = fx.pki.signer(TestSigner::ValidEcP256).credentials.certificate.fingerprint_hex();
    let record = fx.hub.store().find_certificate_by_fingerprint(&fingerprint).await.unwrap().unwrap();
    fx.hub.revoke_certificate(&op, record.id, RevocationReason::KeyCompromise, None).await.unwrap();
    let r = fx.rejected(fx.request(TestSigner::ValidEcP256, "KZ-TR-R"), "certificate_revoked").await;
    assert!(r.detail.contains(&record.id.to_string()), "{}", r.detail);
    // The other key of the same CAB still works.
    fx.push("KZ-TR-R2").await;
}

/// The upload path caches its registry reads by registry version: every registry change made after uploads filled
/// that cache applies to the very next upload, from the hub that made it or from any other sharing the database.
#[tokio::test]
async fn registry_changes_apply_to_the_next_upload() {
    let fx = fixture().await;
    let op = local_admin(fx.operator.institution);
    let first = fx.push_signed(TestSigner::ValidEcP256, "KZ-TR-C1").await;
    assert_eq!(first.exchanges.len(), 1);
    assert_eq!(fx.hub.store().count_jobs().await.unwrap(), 1, "only the PDF's deletion, no webhook yet");

    // A second hub on the same database and data directory, with its own cache, as a second process has: its
    // registry writes reach the first hub's uploads too.
    let dir = fx._dir.path();
    let other_hub = Hub::new(
        fx.hub.store().clone(),
        load_or_create_log_key(dir, "hub.test/audit-log").unwrap(),
        ExchangeServices::for_data_dir(dir, ExchangeSettings::default()).unwrap(),
    );
    let fingerprint = fx.pki.signer(TestSigner::ValidEcP256).credentials.certificate.fingerprint_hex();
    let record = fx.hub.store().find_certificate_by_fingerprint(&fingerprint).await.unwrap().unwrap();
    other_hub.revoke_certificate(&op, record.id, RevocationReason::KeyCompromise, None).await.unwrap();
    fx.rejected(fx.request(TestSigner::ValidEcP256, "KZ-TR-C2"), "certificate_revoked").await;

    // A new authority of the destination is routed to; a new webhook is notified.
    let regulator = fx.institution("UZ", "Second Authority UZ", Role::Regulator).await;
    fx.hub.register_webhook(&fx.receiver, "https://hooks.example.uz/next").await.unwrap();
    let jobs = fx.hub.store().count_jobs().await.unwrap();
    let second = fx.push("KZ-TR-C3").await;
    let receivers: Vec<_> = second.exchanges.iter().map(|e| e.receiver).collect();
    assert!(receivers.contains(&regulator.institution), "{receivers:?}");
    assert_eq!(receivers.len(), 2);
    assert_eq!(fx.hub.store().count_jobs().await.unwrap(), jobs + 2, "a deletion and one notification");

    fx.hub.set_institution_status(&op, fx.cab_id(), LifecycleStatus::Suspended).await.unwrap();
    fx.rejected(fx.request(TestSigner::ValidRsa, "KZ-TR-C4"), "cab_not_active").await;
}

#[tokio::test]
async fn an_expired_certificate_is_rejected() {
    let fx = fixture().await;
    // Two years and a month on, the RSA signer (valid two years) has expired; the CAB and its CA have not.
    let later = fx.pki.now + Duration::days(2 * 365 + 30);
    let hub = fx.hub.clone().with_clock(Clock::Fixed(later));
    let pdf = sign(fx.pki, TestSigner::ValidRsa, &sample(DocumentKind::TestReport, "KZ-TR-E"));
    let req = PushRequest {
        metadata: metadata("KZ-TR-E", "TR", "8471.30", later.date()),
        pdf: pdf.into(),
        idempotency_key: None,
    };
    fx.rejected_with(&hub, req, "certificate_expired").await;
}

#[tokio::test]
async fn a_suspended_cab_is_rejected() {
    let fx = fixture().await;
    let op = local_admin(fx.operator.institution);
    fx.hub.set_institution_status(&op, fx.cab_id(), LifecycleStatus::Suspended).await.unwrap();
    let r = fx.rejected(fx.request(TestSigner::ValidRsa, "KZ-TR-S"), "cab_not_active").await;
    assert!(r.detail.contains("suspended"), "{}", r.detail);
}

#[tokio::test]
async fn an_out_of_scope_hs_code_is_rejected() {
    let fx = fixture().await;
    let mut req = fx.request(TestSigner::ValidRsa, "KZ-TR-H");
    req.metadata.hs_codes = vec!["8471.30".into(), "9401.61".into()];
    let r = fx.rejected(req, "out_of_scope").await;
    assert!(r.detail.contains("940161"), "{}", r.detail);
    // A CoC for a heading only test reports cover.
    let mut req = fx.request(TestSigner::ValidRsa, "KZ-TR-H2");
    req.metadata.document_type = "CoC".into();
    req.metadata.hs_codes = vec!["8504.40".into()];
    fx.rejected(req, "out_of_scope").await;
}

#[tokio::test]
async fn a_document_without_receiver_is_rejected() {
    let fx = fixture().await;
    let op = local_admin(fx.operator.institution);
    let scope = NewScopeEntry {
        document_type: "TR".into(),
        hs_prefix: "90".into(),
        destinations: vec![],
        valid_from: today() - Duration::days(1),
        valid_until: None,
    };
    fx.hub.create_scope_entry(&op, fx.cab_id(), scope).await.unwrap();
    let mut req = fx.request(TestSigner::ValidRsa, "KZ-TR-K");
    req.metadata.hs_codes = vec!["9027.80".into()];
    req.metadata.destination_country = "KG".into();
    fx.rejected(req, "no_receiver").await;
}

#[tokio::test]
async fn bad_input_is_refused_before_any_check() {
    let fx = fixture().await;
    let mut req = fx.request(TestSigner::ValidRsa, "KZ-TR-M");
    req.metadata.valid_until = req.metadata.issue_date - Duration::days(1);
    fx.invalid(&fx.cab, req, "valid_until").await;
    let mut req = fx.request(TestSigner::ValidRsa, "KZ-TR-M");
    req.metadata.hs_codes = vec!["banana".into()];
    fx.invalid(&fx.cab, req, "hs_codes").await;
    let mut req = fx.request(TestSigner::ValidRsa, "KZ-TR-M");
    req.pdf = Bytes::from_static(b"GIF89a not a pdf");
    fx.invalid(&fx.cab, req, "pdf").await;
    let mut req = fx.request(TestSigner::ValidRsa, "KZ-TR-M");
    req.pdf = Bytes::new();
    fx.invalid(&fx.cab, req, "pdf").await;
    let mut req = fx.request(TestSigner::ValidRsa, "KZ-TR-M");
    req.metadata.receiving_authority = Some(InstitutionId::new());
    fx.invalid(&fx.cab, req, "receiving_authority").await;
    // A receiver cannot push.
    let r = fx.hub.push_document(&fx.receiver, fx.request(TestSigner::ValidRsa, "KZ-TR-M")).await;
    assert!(matches!(r, Err(HubError::Forbidden(_))), "{r:?}");
}

#[tokio::test]
async fn an_oversized_pdf_is_refused() {
    let settings = ExchangeSettings { max_pdf_bytes: 2000, ..Default::default() };
    let fx = fixture_with(settings).await;
    let req = fx.request(TestSigner::ValidRsa, "KZ-TR-B");
    assert!(req.pdf.len() > 2000);
    fx.invalid(&fx.cab, req, "pdf").await;
}

// ---------------------------------------------------------------------------------------------------------
// Receive

#[tokio::test]
async fn the_receiver_searches_polls_reads_downloads_and_replies() {
    let fx = fixture().await;
    let tr = fx.push("KZ-TR-10").await;
    let coc_pdf = sign(fx.pki, TestSigner::ValidEcP256, &sample(DocumentKind::ConformityCertificate, "KZ-CoC-11"));
    let coc_req = PushRequest {
        metadata: metadata("KZ-CoC-11", "CoC", "8516.10", today()),
        pdf: coc_pdf.clone().into(),
        idempotency_key: None,
    };
    let coc = fx.hub.push_document(&fx.cab, coc_req).await.unwrap();
    let page = PageRequest::first(50);
    let search = |filter: ExchangeFilter| {
        let hub = fx.hub.clone();
        let receiver = fx.receiver.clone();
        let page = page.clone();
        async move { hub.search_exchanges(&receiver, filter, &page).await.unwrap().items.len() }
    };
    assert_eq!(search(ExchangeFilter::default()).await, 2);
    assert_eq!(search(ExchangeFilter { status: Some(DeliveryStatus::PendingDelivery), ..Default::default() }).await, 2);
    let coc_type = ecert_domain::document_type::DocumentType::ConformityCertificate;
    assert_eq!(search(ExchangeFilter { document_type: Some(coc_type), ..Default::default() }).await, 1);
    assert_eq!(search(ExchangeFilter { hs_prefix: Some("8516".into()), ..Default::default() }).await, 1);
    assert_eq!(search(ExchangeFilter { hs_prefix: Some("85".into()), ..Default::default() }).await, 1);
    let kz = ecert_domain::country::CountryCode::parse("KZ").unwrap();
    let uz = ecert_domain::country::CountryCode::parse("UZ").unwrap();
    assert_eq!(search(ExchangeFilter { issuer_country: Some(kz), ..Default::default() }).await, 2);
    assert_eq!(search(ExchangeFilter { issuer_country: Some(uz), ..Default::default() }).await, 0);
    assert_eq!(search(ExchangeFilter { issuer: Some(fx.cab_id()), ..Default::default() }).await, 2);
    assert_eq!(
        search(ExchangeFilter { issued_from: Some(today() + Duration::days(1)), ..Default::default() }).await,
        0
    );
    assert_eq!(search(ExchangeFilter { issued_to: Some(today()), ..Default::default() }).await, 2);
    let backwards = ExchangeFilter {
        issued_from: Some(today()),
        issued_to: Some(today() - Duration::days(1)),
        ..Default::default()
    };
    assert_invalid(fx.hub.search_exchanges(&fx.receiver, backwards, &page).await, "issued_to");
    let bad_prefix = ExchangeFilter { hs_prefix: Some("84x".into()), ..Default::default() };
    assert_invalid(fx.hub.search_exchanges(&fx.receiver, bad_prefix, &page).await, "hs_prefix");

    // Polling from the start returns both, now delivered, and the cursor moves past them.
    let changes = fx.hub.poll_exchanges(&fx.receiver, 0, 100).await.unwrap();
    assert_eq!(changes.items.len(), 2);
    assert!(changes.items.iter().all(|x| x.exchange.status == DeliveryStatus::Delivered));
    assert_eq!(changes.next_cursor, changes.items.iter().map(|x| x.exchange.change_seq).max().unwrap());
    assert_eq!(fx.events_of(EventType::DocumentDelivered).await, 2);
    let nothing = fx.hub.poll_exchanges(&fx.receiver, changes.next_cursor, 100).await.unwrap();
    assert!(nothing.items.is_empty());
    assert_eq!(nothing.next_cursor, changes.next_cursor);
    // Both were delivered in one transaction, so they share a cursor position: a page never splits it.
    let one = fx.hub.poll_exchanges(&fx.receiver, 0, 1).await.unwrap();
    assert_eq!(one.items.len(), 2);
    assert_eq!(one.items[0].exchange.change_seq, one.items[1].exchange.change_seq);
    assert_eq!(one.next_cursor, changes.next_cursor);

    // Detail with the verification report.
    let id = coc.exchanges[0].id;
    let detail = fx.hub.get_exchange(&fx.receiver, id).await.unwrap();
    assert_eq!(detail.exchange.status, DeliveryStatus::Delivered);
    assert_eq!(detail.document.id, coc.document.id);
    assert_eq!(detail.report.unwrap()["document"]["indication"], "TOTAL_PASSED");

    // Download: the exact bytes, streamed; a second download is on record too.
    let download = fx.hub.download_pdf(&fx.receiver, id).await.unwrap();
    assert_eq!(download.file_name, "KZ-CoC-11.pdf");
    assert_eq!(download.stream.into_bytes().await.unwrap(), coc_pdf);
    let again = fx.hub.download_pdf(&fx.receiver, id).await.unwrap();
    assert_eq!(again.stream.size, coc_pdf.len() as u64);
    assert_eq!(fx.events_of(EventType::DocumentDownloaded).await, 2);
    let detail = fx.hub.get_exchange(&fx.receiver, id).await.unwrap();
    assert_eq!(detail.exchange.status, DeliveryStatus::Downloaded);

    // Reply: a rejection needs a reason code; an accepted reply acknowledges; a second one is refused.
    let reply = |decision: &str, code: Option<&str>| NewBusinessReply {
        decision: decision.into(),
        reason_code: code.map(Into::into),
        text: Some("checked at the border".into()),
    };
    assert_invalid(fx.hub.reply_to_exchange(&fx.receiver, id, reply("rejected", None)).await, "reason_code");
    let jobs_before = fx.hub.store().count_jobs().await.unwrap();
    let (acked, receipt) =
        fx.hub.reply_to_exchange(&fx.receiver, id, reply("rejected", Some("HS_MISMATCH"))).await.unwrap();
    assert_eq!(acked.status, DeliveryStatus::Acknowledged);
    assert_eq!(acked.reply.as_ref().unwrap().decision, BusinessDecision::Rejected);
    assert_eq!(acked.change_seq, receipt.leaf_index);
    // Every receiver acknowledged: the PDF deletion is scheduled (policy: on acknowledgement).
    assert_eq!(fx.hub.store().count_jobs().await.unwrap(), jobs_before + 1);
    let r = fx.hub.reply_to_exchange(&fx.receiver, id, reply("accepted", None)).await;
    assert!(matches!(r, Err(HubError::Conflict(_))), "{r:?}");

    // Replying straight away (from a search result) delivers and acknowledges at once.
    let (tr_acked, _) =
        fx.hub.reply_to_exchange(&fx.receiver, tr.exchanges[0].id, reply("received", None)).await.unwrap();
    assert_eq!(tr_acked.status, DeliveryStatus::Acknowledged);

    // The issuer sees the reply per receiver.
    let seen = fx.hub.get_document(&fx.cab, coc.document.id).await.unwrap();
    assert_eq!(seen.exchanges[0].status, DeliveryStatus::Acknowledged);
    assert_eq!(seen.exchanges[0].reply.as_ref().unwrap().reason_code.as_deref(), Some("HS_MISMATCH"));
    assert_eq!(fx.events_of(EventType::DocumentAcknowledged).await, 2);
}

#[tokio::test]
async fn a_deleted_pdf_is_gone() {
    let fx = fixture().await;
    let sub = fx.push("KZ-TR-20").await;
    let key = ecert_hub::exchange::pdf_blob_key(sub.document.id).unwrap();
    assert!(fx.hub.exchange().blobs.delete(&key).await.unwrap());
    let r = fx.hub.download_pdf(&fx.receiver, sub.exchanges[0].id).await;
    assert!(matches!(r, Err(HubError::Gone(_))), "{r:?}");
}

#[tokio::test]
async fn first_download_schedules_deletion_when_configured() {
    let mut settings = ExchangeSettings::default();
    settings.retention.pdf_deletion = ecert_domain::exchange::PdfDeletionTrigger::OnFirstDownload;
    let fx = fixture_with(settings).await;
    let sub = fx.push("KZ-TR-21").await;
    let before = fx.hub.store().count_jobs().await.unwrap();
    fx.hub.download_pdf(&fx.receiver, sub.exchanges[0].id).await.unwrap();
    assert_eq!(fx.hub.store().count_jobs().await.unwrap(), before + 1);
    // A repeated download schedules nothing more.
    fx.hub.download_pdf(&fx.receiver, sub.exchanges[0].id).await.unwrap();
    assert_eq!(fx.hub.store().count_jobs().await.unwrap(), before + 1);
}

#[tokio::test]
async fn no_party_reads_another_partys_exchanges() {
    let fx = fixture().await;
    let sub = fx.push("KZ-TR-30").await;
    let id = sub.exchanges[0].id;
    let doc = sub.document.id;
    // Created after the push, so not a receiver of it.
    let other_receiver = fx.institution("UZ", "Uzbek Customs", Role::Customs).await;
    let other_cab = fx.institution("KZ", "Another Laboratory", Role::IssuingCab).await;

    assert_not_found(fx.hub.get_exchange(&other_receiver, id).await);
    assert_not_found(fx.hub.download_pdf(&other_receiver, id).await);
    let reply = NewBusinessReply { decision: "received".into(), reason_code: None, text: None };
    assert_not_found(fx.hub.reply_to_exchange(&other_receiver, id, reply).await);
    assert!(fx.hub.poll_exchanges(&other_receiver, 0, 100).await.unwrap().items.is_empty());
    let page = PageRequest::first(50);
    assert!(fx.hub.search_exchanges(&other_receiver, ExchangeFilter::default(), &page).await.unwrap().items.is_empty());

    assert_not_found(fx.hub.get_exchange(&other_cab, id).await);
    assert_not_found(fx.hub.get_document(&other_cab, doc).await);
    assert!(fx.hub.list_documents(&other_cab, DocumentFilter::default(), &page).await.unwrap().items.is_empty());
    let theirs = DocumentFilter { issuer: Some(fx.cab_id()), ..Default::default() };
    assert!(fx.hub.list_documents(&other_cab, theirs, &page).await.unwrap().items.is_empty());
    assert!(fx.hub.search_exchanges(&other_cab, ExchangeFilter::default(), &page).await.unwrap().items.is_empty());
    let change = NewStatusChange { status: "SUSPENDED".into(), reason: "no".into(), replaced_by: None };
    assert_not_found(fx.hub.change_document_status(&other_cab, doc, change).await);
    // The issuer reads metadata and delivery, never the PDF.
    assert_eq!(fx.hub.get_exchange(&fx.cab, id).await.unwrap().exchange.status, DeliveryStatus::PendingDelivery);
    assert_eq!(fx.hub.search_exchanges(&fx.cab, ExchangeFilter::default(), &page).await.unwrap().items.len(), 1);
    assert!(matches!(fx.hub.download_pdf(&fx.cab, id).await, Err(HubError::Forbidden(_))));

    // The operator: metadata and statistics, no PDF, no receipt on the receiver's behalf.
    let seen = fx.hub.get_exchange(&fx.operator, id).await.unwrap();
    assert_eq!(seen.exchange.status, DeliveryStatus::PendingDelivery, "the operator's read is not a delivery");
    assert_eq!(fx.hub.get_document(&fx.operator, doc).await.unwrap().document.id, doc);
    assert_eq!(fx.hub.list_documents(&fx.operator, DocumentFilter::default(), &page).await.unwrap().items.len(), 1);
    assert!(matches!(fx.hub.download_pdf(&fx.operator, id).await, Err(HubError::Forbidden(_))));
    let stats = fx.hub.exchange_stats(&fx.operator).await.unwrap();
    assert_eq!(stats.pdfs_cached, 1);
    assert!(stats.exchanges_by_status.contains(&("PENDING_DELIVERY".into(), 1)), "{stats:?}");
    assert!(matches!(fx.hub.exchange_stats(&fx.cab).await, Err(HubError::Forbidden(_))));
    assert!(matches!(fx.hub.exchange_stats(&fx.receiver).await, Err(HubError::Forbidden(_))));
    // The receiver never reads documents by id, only its exchanges.
    assert!(matches!(fx.hub.get_document(&fx.receiver, doc).await, Err(HubError::Forbidden(_))));
    assert_eq!(fx.events_of(EventType::DocumentDelivered).await, 0);
}

// ---------------------------------------------------------------------------------------------------------
// Status by the issuer

#[tokio::test]
async fn the_issuer_changes_status_with_history_and_replacement_rules() {
    let fx = fixture().await;
    let webhook = fx.hub.register_webhook(&fx.receiver, "https://hooks.example.uz/ecert").await.unwrap();
    assert!(webhook.secret.starts_with("whsec_"));
    let first = fx.push("KZ-TR-40").await;
    let second = fx.push_signed(TestSigner::ValidEcP256, "KZ-TR-41").await;
    let doc = first.document.id;
    let change = |status: &str, by: Option<DocumentId>| NewStatusChange {
        status: status.into(),
        reason: "laboratory error".into(),
        replaced_by: by,
    };
    let jobs = fx.hub.store().count_jobs().await.unwrap();
    let (suspended, _) = fx.hub.change_document_status(&fx.cab, doc, change("SUSPENDED", None)).await.unwrap();
    assert_eq!(suspended.to, ecert_domain::document::DocumentStatus::Suspended);
    // One notification to the receiver's one webhook.
    assert_eq!(fx.hub.store().count_jobs().await.unwrap(), jobs + 1);
    fx.hub.change_document_status(&fx.cab, doc, change("VALID", None)).await.unwrap();
    assert_invalid(fx.hub.change_document_status(&fx.cab, doc, change("VALID", None)).await, "status");
    assert_invalid(fx.hub.change_document_status(&fx.cab, doc, change("REPLACED", None)).await, "replaced_by");
    assert_invalid(fx.hub.change_document_status(&fx.cab, doc, change("REPLACED", Some(doc))).await, "replaced_by");
    let unknown = Some(DocumentId::new());
    assert_invalid(fx.hub.change_document_status(&fx.cab, doc, change("REPLACED", unknown)).await, "replaced_by");
    let r = fx.hub.change_document_status(&fx.receiver, doc, change("WITHDRAWN", None)).await;
    assert!(matches!(r, Err(HubError::Forbidden(_))), "{r:?}");

    let by = Some(second.document.id);
    let (replaced, _) = fx.hub.change_document_status(&fx.cab, doc, change("REPLACED", by)).await.unwrap();
    assert_eq!(replaced.replaced_by, by);
    assert_invalid(fx.hub.change_document_status(&fx.cab, doc, change("VALID", None)).await, "status");

    let detail = fx.hub.get_document(&fx.cab, doc).await.unwrap();
    assert_eq!(detail.document.status, ecert_domain::document::DocumentStatus::Replaced);
    assert_eq!(detail.document.replaced_by, by);
    let history: Vec<_> = detail.status_history.iter().map(|c| c.to.code()).collect();
    assert_eq!(history, ["SUSPENDED", "VALID", "REPLACED"]);
    // The receiver sees the history with the exchange, and polling reports the change.
    let seen = fx.hub.get_exchange(&fx.receiver, first.exchanges[0].id).await.unwrap();
    assert_eq!(seen.status_history.len(), 3);
    assert_eq!(seen.document.status, ecert_domain::document::DocumentStatus::Replaced);
    assert_eq!(fx.events_of(EventType::DocumentStatusChanged).await, 3);
}

#[tokio::test]
async fn a_replacement_must_be_the_issuers_own_document() {
    let fx = fixture().await;
    let mine = fx.push("KZ-TR-50").await;
    // Another accredited CAB, with its own key and scope, pushes a document of its own.
    let other = fx.institution("KZ", "Third Laboratory", Role::IssuingCab).await;
    let op = local_admin(fx.operator.institution);
    let p384 = fx.pki.signer(TestSigner::ValidEcP384).credentials.certificate.der().to_vec();
    fx.hub.register_certificate(&op, other.institution, &p384).await.unwrap();
    let body = fx.hub.list_accreditation_bodies(&op, &PageRequest::first(10)).await.unwrap().items[0].id;
    let accreditation = ecert_domain::accreditation::NewAccreditation {
        basis: "iso17025".into(),
        body: Some(body),
        designated_by: None,
        certificate_number: "KZ.T.02.0099".into(),
        valid_from: today() - Duration::days(10),
        valid_until: today() + Duration::days(100),
    };
    fx.hub.create_accreditation(&op, other.institution, accreditation).await.unwrap();
    let scope = NewScopeEntry {
        document_type: "TR".into(),
        hs_prefix: "84".into(),
        destinations: vec![],
        valid_from: today() - Duration::days(1),
        valid_until: None,
    };
    fx.hub.create_scope_entry(&op, other.institution, scope).await.unwrap();
    let pdf = sign(fx.pki, TestSigner::ValidEcP384, &sample(DocumentKind::TestReport, "KZ-TR-51"));
    let req = PushRequest {
        metadata: metadata("KZ-TR-51", "TR", "8471.30", today()),
        pdf: pdf.into(),
        idempotency_key: None,
    };
    let theirs = fx.hub.push_document(&other, req).await.unwrap();
    assert_eq!(theirs.document.issuer, other.institution);

    let change = NewStatusChange {
        status: "REPLACED".into(),
        reason: "superseded".into(),
        replaced_by: Some(theirs.document.id),
    };
    assert_invalid(fx.hub.change_document_status(&fx.cab, mine.document.id, change).await, "replaced_by");
    // Neither CAB sees the other's document, and the receiver got both.
    assert_not_found(fx.hub.get_document(&fx.cab, theirs.document.id).await);
    assert_not_found(fx.hub.get_document(&other, mine.document.id).await);
    assert_eq!(fx.hub.poll_exchanges(&fx.receiver, 0, 10).await.unwrap().items.len(), 2);
}

// ---------------------------------------------------------------------------------------------------------
// Webhooks

#[tokio::test]
async fn receivers_register_and_remove_webhooks() {
    let fx = fixture().await;
    assert_invalid(fx.hub.register_webhook(&fx.receiver, "http://hooks.example.uz/").await, "url");
    assert_invalid(fx.hub.register_webhook(&fx.receiver, "https://u:p@hooks.example.uz/").await, "url");
    let r = fx.hub.register_webhook(&fx.cab, "https://hooks.example.kz/").await;
    assert!(matches!(r, Err(HubError::Forbidden(_))), "{r:?}");

    let first = fx.hub.register_webhook(&fx.receiver, "https://hooks.example.uz/1").await.unwrap();
    assert_eq!(first.secret, fx.hub.webhook_secret(first.webhook.id));
    assert_eq!(first.webhook.institution, fx.receiver.institution);
    let dup = fx.hub.register_webhook(&fx.receiver, "https://hooks.example.uz/1").await;
    assert!(matches!(dup, Err(HubError::Conflict(_))), "{dup:?}");
    for n in 2..=5 {
        fx.hub.register_webhook(&fx.receiver, &format!("https://hooks.example.uz/{n}")).await.unwrap();
    }
    let sixth = fx.hub.register_webhook(&fx.receiver, "https://hooks.example.uz/6").await;
    assert!(matches!(sixth, Err(HubError::Conflict(_))), "{sixth:?}");
    assert_eq!(fx.hub.list_webhooks(&fx.receiver).await.unwrap().len(), 5);

    // A push notifies every endpoint of the receiver (plus the TTL job).
    let before = fx.hub.store().count_jobs().await.unwrap();
    fx.push("KZ-TR-60").await;
    assert_eq!(fx.hub.store().count_jobs().await.unwrap(), before + 5 + 1);

    let other = fx.institution("UZ", "Uzbek Customs", Role::Customs).await;
    assert_not_found(fx.hub.delete_webhook(&other, first.webhook.id).await);
    assert!(fx.hub.list_webhooks(&other).await.unwrap().is_empty());
    fx.hub.delete_webhook(&fx.receiver, first.webhook.id).await.unwrap();
    assert_not_found(fx.hub.delete_webhook(&fx.receiver, first.webhook.id).await);
    assert_eq!(fx.hub.list_webhooks(&fx.receiver).await.unwrap().len(), 4);
    assert_eq!(fx.events_of(EventType::WebhookRegistered).await, 5);
    assert_eq!(fx.events_of(EventType::WebhookRemoved).await, 1);
}

#[tokio::test]
async fn insecure_webhooks_only_when_allowed() {
    let fx = fixture_with(ExchangeSettings { allow_insecure_webhooks: true, ..Default::default() }).await;
    let w = fx.hub.register_webhook(&fx.receiver, "http://127.0.0.1:9/hook").await.unwrap();
    assert_eq!(w.webhook.url, "http://127.0.0.1:9/hook");
    assert_eq!(w.webhook.institution.to_string(), fx.ids.receiver_id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_reads_deliver_once_and_never_fail() {
    let fx = fixture().await;
    let sub = fx.push("KZ-TR-70").await;
    let id = sub.exchanges[0].id;
    let mut tasks = Vec::new();
    for n in 0..8 {
        let hub = fx.hub.clone();
        let receiver = fx.receiver.clone();
        tasks.push(tokio::spawn(async move {
            if n % 2 == 0 {
                hub.get_exchange(&receiver, id).await.map(|_| ())
            } else {
                hub.download_pdf(&receiver, id).await.map(|_| ())
            }
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let detail = fx.hub.get_exchange(&fx.receiver, id).await.unwrap();
    assert_eq!(detail.exchange.status, DeliveryStatus::Downloaded);
    assert_eq!(fx.events_of(EventType::DocumentDelivered).await, 1, "one delivery, whoever won the race");
    assert_eq!(fx.events_of(EventType::DocumentDownloaded).await, 4);

    // Concurrent replies: exactly one is recorded, the others are told it already was.
    let mut replies = Vec::new();
    for _ in 0..3 {
        let hub = fx.hub.clone();
        let receiver = fx.receiver.clone();
        let reply = NewBusinessReply { decision: "accepted".into(), reason_code: None, text: None };
        replies.push(tokio::spawn(async move { hub.reply_to_exchange(&receiver, id, reply).await }));
    }
    let mut accepted = 0;
    for r in replies {
        match r.await.unwrap() {
            Ok(_) => accepted += 1,
            Err(HubError::Conflict(_)) => {}
            Err(other) => panic!("a concurrent reply failed with {other:?}"),
        }
    }
    assert_eq!(accepted, 1);
    assert_eq!(fx.events_of(EventType::DocumentAcknowledged).await, 1);
}

#[tokio::test]
async fn every_eligible_authority_gets_an_exchange_and_deletion_waits_for_all() {
    let fx = fixture().await;
    let customs = fx.institution("UZ", "Uzbek Customs Committee", Role::Customs).await;
    // An authority of the destination that receives nothing of this kind is skipped.
    fx.institution("UZ", "CITES Authority", Role::ManagementAuthority).await;
    let sub = fx.push("KZ-TR-80").await;
    let mut receivers: Vec<_> = sub.exchanges.iter().map(|x| x.receiver).collect();
    receivers.sort();
    let mut expected = vec![fx.receiver.institution, customs.institution];
    expected.sort();
    assert_eq!(receivers, expected);
    assert_eq!(fx.events_of(EventType::DocumentRouted).await, 2);

    let reply = || NewBusinessReply { decision: "accepted".into(), reason_code: None, text: None };
    let exchange_of = |who: &Principal| sub.exchanges.iter().find(|x| x.receiver == who.institution).unwrap().id;
    let jobs = fx.hub.store().count_jobs().await.unwrap();
    fx.hub.reply_to_exchange(&fx.receiver, exchange_of(&fx.receiver), reply()).await.unwrap();
    assert_eq!(fx.hub.store().count_jobs().await.unwrap(), jobs, "one receiver still has to reply");
    // Each receiver sees only its own exchange.
    assert_not_found(fx.hub.get_exchange(&customs, exchange_of(&fx.receiver)).await);
    fx.hub.reply_to_exchange(&customs, exchange_of(&customs), reply()).await.unwrap();
    assert_eq!(fx.hub.store().count_jobs().await.unwrap(), jobs + 1, "all replied: the PDF deletion is due");

    // Naming one authority routes to it alone.
    let mut named = fx.request(TestSigner::ValidRsa, "KZ-TR-81");
    named.metadata.receiving_authority = Some(customs.institution);
    let only = fx.hub.push_document(&fx.cab, named).await.unwrap();
    assert_eq!(only.exchanges.len(), 1);
    assert_eq!(only.exchanges[0].receiver, customs.institution);
}
