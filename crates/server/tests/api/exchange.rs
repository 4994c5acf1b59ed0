//! Model A over HTTP: push (with every refusal of the issue), replay, receive (list, poll, read, download,
//! reply), the issuer's view and status changes, the operator's view, tenant isolation, and webhooks.

use crate::app::{Options, Response, TestApp, assert_problem};
use base64::Engine;
use ecert_pdf::samples::{DocumentKind, SampleDocument, generate};
use ecert_pdf::sign::{SignOptions, sign_pdf};
use ecert_pki::testpki::{TestPki, TestSigner};
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use time::{Date, Duration, OffsetDateTime};

fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

/// The minimum dataset of a test report for HS 8471.30 to Uzbekistan, within the demo CAB's scope.
pub(crate) fn metadata(number: &str) -> Value {
    json!({
        "document_number": number,
        "document_type": "TR",
        "hs_codes": ["8471.30"],
        "product_description": "Portable automatic data-processing machines",
        "issue_date": today().to_string(),
        "valid_until": (today() + Duration::days(365)).to_string(),
        "destination_country": "UZ",
    })
}

pub(crate) fn unsigned_pdf(number: &str) -> Vec<u8> {
    let mut sample = SampleDocument::example(DocumentKind::TestReport);
    sample.number = number.to_owned();
    sample.hs_codes = vec!["8471.30".into()];
    sample.issue_date = today();
    sample.valid_until = Some(today() + Duration::days(365));
    sample.destination = "Republic of Uzbekistan".into();
    generate(&sample)
}

pub(crate) fn signed_pdf(signer: TestSigner, number: &str) -> Vec<u8> {
    let pki = TestPki::shared().expect("test PKI");
    sign_pdf(&unsigned_pdf(number), &SignOptions::new(&pki.signer(signer).credentials)).expect("sign")
}

fn form(metadata: &Value, pdf: &[u8]) -> Form {
    Form::new()
        .part("metadata", Part::text(metadata.to_string()).mime_str("application/json").unwrap())
        .part("pdf", Part::bytes(pdf.to_vec()).file_name("document.pdf").mime_str("application/pdf").unwrap())
}

async fn send_form(app: &TestApp, key: &str, form: Form, idempotency_key: Option<&str>) -> Response {
    let mut req = app.client.post(format!("{}/api/v1/documents", app.base)).bearer_auth(key).multipart(form);
    if let Some(k) = idempotency_key {
        req = req.header("Idempotency-Key", k);
    }
    Response::read(req.send().await.expect("request")).await
}

pub(crate) async fn push(
    app: &TestApp,
    key: &str,
    metadata: &Value,
    pdf: &[u8],
    idempotency_key: Option<&str>,
) -> Response {
    send_form(app, key, form(metadata, pdf), idempotency_key).await
}

pub struct Pushed {
    pub document: String,
    pub exchange: String,
    pub submission: Value,
    pub pdf: Vec<u8>,
}

/// Pushes a document that must be accepted.
pub async fn push_ok(app: &TestApp, number: &str) -> Pushed {
    let pdf = signed_pdf(TestSigner::ValidRsa, number);
    let r = push(app, app.cab(), &metadata(number), &pdf, None).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let document = r.body["document"]["id"].as_str().unwrap().to_owned();
    let exchange = r.body["exchanges"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(r.body["public_token"].as_str().map(str::len), Some(32), "the issuer gets the page token: {:?}", r.body);
    Pushed { document, exchange, submission: r.body, pdf }
}

pub(crate) async fn exchange_app() -> TestApp {
    TestApp::start_with(Options { pki: true, ..Options::default() }).await
}

async fn document_count(app: &TestApp) -> usize {
    let r = app.get("/api/v1/documents?limit=500", app.op()).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body["items"].as_array().unwrap().len()
}

/// What a refused push may leave: no document, no cached file, and at most the one `document_rejected` event.
struct Snapshot {
    documents: usize,
    log: usize,
}

async fn snapshot(app: &TestApp) -> Snapshot {
    Snapshot { documents: document_count(app).await, log: app.log_size().await }
}

async fn assert_nothing_stored(app: &TestApp, before: &Snapshot, audit_events: usize, case: &str) {
    assert_eq!(document_count(app).await, before.documents, "{case}: a document was stored");
    assert_eq!(app.cached_files(), before.documents, "{case}: a PDF was left in the cache");
    assert_eq!(app.log_size().await, before.log + audit_events, "{case}: audit events");
}

/// A rejection: 422 with the stable code and the validation report (validation runs for every check but the
/// CAB's status, which comes first); one audit event and nothing else stored.
async fn assert_rejected(app: &TestApp, r: &Response, code: &str, before: &Snapshot) {
    assert_problem(r, 422, None);
    assert_eq!(r.body["type"], "/problems/document-rejected", "{:?}", r.body);
    assert_eq!(r.body["code"], code, "{:?}", r.body);
    if code != "cab_not_active" {
        assert!(r.body["report"].is_object(), "{code}: the report explains the refusal: {:?}", r.body);
    }
    assert_nothing_stored(app, before, 1, code).await;
}

#[tokio::test]
async fn push_answers_201_and_a_replay_answers_200_with_the_original() {
    let app = exchange_app().await;
    let number = "KZ-TR-2026-0001";
    let pdf = signed_pdf(TestSigner::ValidRsa, number);
    let r = push(&app, app.cab(), &metadata(number), &pdf, Some("erp-order-1")).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["document"]["id"].as_str().unwrap().to_owned();
    assert_eq!(r.header("location"), Some(format!("/api/v1/documents/{id}").as_str()));
    assert!(r.header("idempotent-replayed").is_none());
    assert_eq!(r.body["replayed"], false);
    assert_eq!(r.body["document"]["issuer"], app.demo.cab_id);
    assert_eq!(r.body["document"]["metadata"]["hs_codes"], json!(["847130"]));
    assert_eq!(r.body["document"]["pdf_size"], pdf.len());
    assert!(r.body["receipt"]["leaf_index"].as_u64().is_some());
    assert!(r.body["report"].is_object(), "the verdict comes back: {:?}", r.body["report"]);
    let exchanges = r.body["exchanges"].as_array().unwrap();
    assert_eq!(exchanges.len(), 1, "routed to the one receiving authority of UZ");
    assert_eq!(exchanges[0]["receiver"], app.demo.receiver_id);
    assert_eq!(exchanges[0]["status"], "PENDING_DELIVERY");
    assert_eq!(app.cached_files(), 1);
    let log = app.log_size().await;

    // The same upload with the same key, then with no key at all: the original answer, nothing new.
    for key in [Some("erp-order-1"), None] {
        let again = push(&app, app.cab(), &metadata(number), &pdf, key).await;
        assert_eq!(again.status, 200, "{key:?}: {:?}", again.body);
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
        assert_eq!(again.body["replayed"], true);
        assert_eq!(again.body["document"]["id"], id);
        assert_eq!(again.body["receipt"], r.body["receipt"]);
    }
    assert_eq!(document_count(&app).await, 1);
    assert_eq!(app.cached_files(), 1);
    assert_eq!(app.log_size().await, log);

    // The key reused for a different upload, and the number reused for a different PDF: 409, nothing stored.
    let other = signed_pdf(TestSigner::ValidRsa, "KZ-TR-2026-0002");
    let before = snapshot(&app).await;
    let r = push(&app, app.cab(), &metadata("KZ-TR-2026-0002"), &other, Some("erp-order-1")).await;
    assert_problem(&r, 409, None);
    assert!(r.body["detail"].as_str().unwrap().contains("Idempotency-Key"), "{:?}", r.body);
    let r = push(&app, app.cab(), &metadata(number), &other, None).await;
    assert_problem(&r, 409, None);
    assert_nothing_stored(&app, &before, 0, "duplicate").await;
}

#[tokio::test]
async fn every_refused_signature_gets_its_code_and_stores_nothing_but_the_event() {
    let app = exchange_app().await;
    let number = "KZ-TR-2026-0100";

    let before = snapshot(&app).await;
    let r = push(&app, app.cab(), &metadata(number), &unsigned_pdf(number), None).await;
    assert_rejected(&app, &r, "unsigned", &before).await;

    // One byte of the signed content changed.
    let mut tampered = signed_pdf(TestSigner::ValidRsa, number);
    let at = tampered.windows(5).position(|w| w == b"TEST ").expect("title in the page content");
    tampered[at] = b'B';
    let before = snapshot(&app).await;
    let r = push(&app, app.cab(), &metadata(number), &tampered, None).await;
    assert_rejected(&app, &r, "signature_invalid", &before).await;
    assert!(r.body["report"].is_object(), "the report explains the failure: {:?}", r.body);

    // Issued under the CAB's CA, but the key itself was never registered.
    let before = snapshot(&app).await;
    let r = push(&app, app.cab(), &metadata(number), &signed_pdf(TestSigner::ValidEcP384, number), None).await;
    assert_rejected(&app, &r, "signer_not_registered", &before).await;

    // Expired (and so never registerable): the validator refuses it, and the registry does not know it.
    let before = snapshot(&app).await;
    let r = push(&app, app.cab(), &metadata(number), &signed_pdf(TestSigner::Expired, number), None).await;
    assert_rejected(&app, &r, "signer_not_registered", &before).await;

    // Registered, but to another CAB.
    let (other_cab, _) = app.second_cab().await;
    let reg = app
        .post(
            &format!("/api/v1/institutions/{other_cab}/certificates"),
            app.op(),
            json!({"certificate": crate::app::signer_pem(TestSigner::ValidEcP384)}),
        )
        .await;
    assert_eq!(reg.status, 201, "{:?}", reg.body);
    let before = snapshot(&app).await;
    let r = push(&app, app.cab(), &metadata(number), &signed_pdf(TestSigner::ValidEcP384, number), None).await;
    assert_rejected(&app, &r, "signer_other_cab", &before).await;

    // The CAB's own key, revoked in the registry.
    let fingerprint =
        TestPki::shared().unwrap().signer(TestSigner::ValidEcP256).credentials.certificate.fingerprint_hex();
    let list = app.get(&format!("/api/v1/institutions/{}/certificates?limit=500", app.demo.cab_id), app.op()).await;
    let ec_id = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["fingerprint_sha256"].as_str().is_some_and(|f| f.eq_ignore_ascii_case(&fingerprint)))
        .expect("the demo registers ValidEcP256")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .post(&format!("/api/v1/certificates/{ec_id}/revocation"), app.op(), json!({"reason": "key_compromise"}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let before = snapshot(&app).await;
    let r = push(&app, app.cab(), &metadata(number), &signed_pdf(TestSigner::ValidEcP256, number), None).await;
    assert_rejected(&app, &r, "certificate_revoked", &before).await;

    // After all that, the number is still free: the good document goes through.
    push_ok(&app, number).await;
}

#[tokio::test]
async fn registry_refusals_scope_and_cab_status() {
    let app = exchange_app().await;
    let number = "KZ-TR-2026-0200";
    let pdf = signed_pdf(TestSigner::ValidRsa, number);

    // HS 0302 (fish) is outside the CAB's scope of 84 and 85.
    let mut fish = metadata(number);
    fish["hs_codes"] = json!(["8471.30", "0302.11"]);
    let before = snapshot(&app).await;
    let r = push(&app, app.cab(), &fish, &pdf, None).await;
    assert_rejected(&app, &r, "out_of_scope", &before).await;

    // A suspended CAB may still authenticate, but not push.
    let cab = &app.demo.cab_id;
    let s = app.post(&format!("/api/v1/institutions/{cab}/status"), app.op(), json!({"status": "suspended"})).await;
    assert_eq!(s.status, 200, "{:?}", s.body);
    let before = snapshot(&app).await;
    let r = push(&app, app.cab(), &metadata(number), &pdf, None).await;
    assert_rejected(&app, &r, "cab_not_active", &before).await;
    let s = app.post(&format!("/api/v1/institutions/{cab}/status"), app.op(), json!({"status": "active"})).await;
    assert_eq!(s.status, 200, "{:?}", s.body);
    push_ok(&app, number).await;
}

#[tokio::test]
async fn malformed_uploads_are_refused_before_validation() {
    let app = exchange_app().await;
    let number = "KZ-TR-2026-0300";
    let pdf = signed_pdf(TestSigner::ValidRsa, number);
    let before = snapshot(&app).await;
    let url = format!("{}/api/v1/documents", app.base);

    // Not multipart at all.
    let r = app.post("/api/v1/documents", app.cab(), metadata(number)).await;
    assert_problem(&r, 415, None);
    // The metadata is not JSON, names an unknown field, or has a wrong type.
    let bad = Form::new()
        .part("metadata", Part::text("{\"document_number\": ").mime_str("application/json").unwrap())
        .part("pdf", Part::bytes(pdf.clone()));
    assert_problem(&send_form(&app, app.cab(), bad, None).await, 422, Some("metadata"));
    let mut with_issuer = metadata(number);
    with_issuer["issuer"] = json!(app.demo.cab_id);
    assert_problem(&push(&app, app.cab(), &with_issuer, &pdf, None).await, 422, Some("issuer"));
    let mut wrong_date = metadata(number);
    wrong_date["issue_date"] = json!("14 March 2026");
    assert_problem(&push(&app, app.cab(), &wrong_date, &pdf, None).await, 422, Some("issue_date"));
    // Well-formed but inconsistent: valid until before issue.
    let mut backwards = metadata(number);
    backwards["valid_until"] = json!((today() - Duration::days(1)).to_string());
    assert_problem(&push(&app, app.cab(), &backwards, &pdf, None).await, 422, Some("valid_until"));
    // Missing, repeated and unknown parts.
    let only_metadata = Form::new().part("metadata", Part::text(metadata(number).to_string()));
    assert_problem(&send_form(&app, app.cab(), only_metadata, None).await, 422, Some("pdf"));
    let twice = form(&metadata(number), &pdf).part("pdf", Part::bytes(pdf.clone()));
    assert_problem(&send_form(&app, app.cab(), twice, None).await, 422, Some("pdf"));
    let extra = form(&metadata(number), &pdf).part("note", Part::text("hello"));
    assert_problem(&send_form(&app, app.cab(), extra, None).await, 422, Some("note"));
    // Not a PDF.
    assert_problem(&push(&app, app.cab(), &metadata(number), b"hello", None).await, 422, Some("pdf"));
    // A bad Idempotency-Key.
    for key in ["has space", &"k".repeat(201)] {
        let r = push(&app, app.cab(), &metadata(number), &pdf, Some(key)).await;
        assert_problem(&r, 422, Some("header/Idempotency-Key"));
    }
    // Nobody but a CAB may push, whatever the body.
    for key in [app.op(), app.receiver()] {
        let r = Response::read(
            app.client.post(&url).bearer_auth(key).multipart(form(&metadata(number), &pdf)).send().await.unwrap(),
        )
        .await;
        assert_problem(&r, 403, None);
    }
    let anon =
        Response::read(app.client.post(&url).multipart(form(&metadata(number), &pdf)).send().await.unwrap()).await;
    assert_problem(&anon, 401, None);
    assert_nothing_stored(&app, &before, 0, "malformed").await;
}

#[tokio::test]
async fn oversized_uploads_and_pdfs_are_413() {
    // A 60 KB upload limit, and PDFs of at most 40 KB.
    let settings = ecert_hub::ExchangeSettings { max_pdf_bytes: 40_000, ..Default::default() };
    let limits = ecert_server::HttpLimits { max_upload_bytes: 60_000, ..Default::default() };
    let app = TestApp::start_with(Options { pki: true, limits, settings, ..Options::default() }).await;
    let number = "KZ-TR-2026-0400";
    let before = snapshot(&app).await;
    let huge = vec![b'%'; 200_000];
    let r = push(&app, app.cab(), &metadata(number), &huge, None).await;
    assert_problem(&r, 413, None);
    // Under the body limit, over the PDF limit.
    let big = vec![b'%'; 50_000];
    let r = push(&app, app.cab(), &metadata(number), &big, None).await;
    assert_problem(&r, 413, None);
    assert!(r.body["detail"].as_str().unwrap().contains("pdf"), "{:?}", r.body);
    assert_nothing_stored(&app, &before, 0, "oversized").await;
    push_ok(&app, number).await;
}

#[tokio::test]
async fn uploads_have_their_own_body_limit_above_the_json_one() {
    let app = exchange_app().await;
    let json_limit = ecert_server::HttpLimits::default().max_json_body;
    let number = "KZ-TR-2026-0450";
    let mut sample = SampleDocument::example(DocumentKind::TestReport);
    sample.number = number.to_owned();
    // Incompressible measurement data, so the file really is larger than a JSON body may be.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let data: Vec<u8> = (0..json_limit + 64 * 1024)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    sample.attachment = Some(("measurements.bin".into(), data));
    let pki = TestPki::shared().unwrap();
    let pdf = sign_pdf(&generate(&sample), &SignOptions::new(&pki.signer(TestSigner::ValidRsa).credentials)).unwrap();
    assert!(pdf.len() > json_limit);
    let r = push(&app, app.cab(), &metadata(number), &pdf, None).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    // A JSON endpoint still refuses a body that size.
    let padding = "x".repeat(json_limit);
    let r = app.post("/api/v1/countries", app.op(), json!({"code": "KG", "name": padding})).await;
    assert_problem(&r, 413, None);
}

#[tokio::test]
async fn the_receiver_lists_polls_reads_downloads_and_replies() {
    let app = exchange_app().await;
    let Pushed { document, exchange, submission, pdf: pushed } = push_ok(&app, "KZ-TR-2026-0500").await;
    let rx = app.receiver();

    // Search with every filter, matching and not.
    let all = app.get("/api/v1/exchanges", rx).await;
    assert_eq!(all.status, 200, "{:?}", all.body);
    assert_eq!(all.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(all.body["items"][0]["exchange"]["id"], exchange);
    assert_eq!(all.body["items"][0]["document"]["id"], document);
    let cab = &app.demo.cab_id;
    let tomorrow = today() + Duration::days(1);
    let yesterday = today() - Duration::days(1);
    for (query, expected) in [
        ("status=PENDING_DELIVERY".to_owned(), 1),
        ("status=ACKNOWLEDGED".to_owned(), 0),
        ("issuer_country=KZ".to_owned(), 1),
        ("issuer_country=UZ".to_owned(), 0),
        (format!("cab={cab}"), 1),
        (format!("cab={}", uuid::Uuid::new_v4()), 0),
        ("document_type=TR".to_owned(), 1),
        ("document_type=CoC".to_owned(), 0),
        ("hs_prefix=8471".to_owned(), 1),
        ("hs_prefix=8471.30".to_owned(), 1),
        ("hs_prefix=85".to_owned(), 0),
        (format!("issued_from={yesterday}&issued_to={tomorrow}"), 1),
        (format!("issued_from={tomorrow}"), 0),
        (format!("issued_to={yesterday}"), 0),
    ] {
        let r = app.get(&format!("/api/v1/exchanges?{query}"), rx).await;
        assert_eq!(r.status, 200, "{query}: {:?}", r.body);
        assert_eq!(r.body["items"].as_array().unwrap().len(), expected, "{query}");
    }
    for (query, field) in [
        ("status=LOST", "query/status"),
        ("issuer_country=Kazakhstan", "query/issuer_country"),
        ("document_type=XX", "query/document_type"),
        ("issued_from=14.03.2026", "query/issued_from"),
        ("cab=not-an-id", "query/cab"),
        ("hs_prefix=84a", "hs_prefix"),
    ] {
        assert_problem(&app.get(&format!("/api/v1/exchanges?{query}"), rx).await, 422, Some(field));
    }

    // Polling: the first poll delivers; the cursor then has nothing new.
    let poll = app.get("/api/v1/exchanges/changes", rx).await;
    assert_eq!(poll.status, 200, "{:?}", poll.body);
    assert_eq!(poll.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(poll.body["items"][0]["exchange"]["status"], "DELIVERED");
    let cursor = poll.body["next_cursor"].as_u64().unwrap();
    assert!(cursor > 0);
    let again = app.get(&format!("/api/v1/exchanges/changes?since={cursor}&limit=1000"), rx).await;
    assert_eq!(again.body["items"].as_array().unwrap().len(), 0);
    assert_eq!(again.body["next_cursor"], cursor);
    for limit in ["0", "1001", "x"] {
        assert_problem(
            &app.get(&format!("/api/v1/exchanges/changes?limit={limit}"), rx).await,
            422,
            Some("query/limit"),
        );
    }

    // Metadata and report.
    let detail = app.get(&format!("/api/v1/exchanges/{exchange}"), rx).await;
    assert_eq!(detail.status, 200, "{:?}", detail.body);
    assert_eq!(detail.body["document"]["metadata"]["document_number"], "KZ-TR-2026-0500");
    assert!(detail.body["report"].is_object());

    // The download: the very bytes pushed, with their digest.
    let pdf = download(&app, &exchange).await;
    assert_eq!(pdf.status(), 200);
    let headers = pdf.headers().clone();
    let bytes = pdf.bytes().await.unwrap();
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(headers["content-length"].to_str().unwrap(), bytes.len().to_string());
    assert_eq!(headers["content-disposition"], "attachment; filename=\"KZ-TR-2026-0500.pdf\"");
    assert_eq!(headers["cache-control"], "no-store");
    let sha = hex::decode(submission["document"]["pdf_sha256"].as_str().unwrap()).unwrap();
    let expected_digest = format!("sha-256=:{}:", base64::engine::general_purpose::STANDARD.encode(&sha));
    assert_eq!(headers["repr-digest"].to_str().unwrap(), expected_digest);
    assert_eq!(bytes.len() as u64, submission["document"]["pdf_size"].as_u64().unwrap());
    assert!(bytes.as_ref() == pushed.as_slice(), "the download differs from the upload");
    let detail = app.get(&format!("/api/v1/exchanges/{exchange}"), rx).await;
    assert_eq!(detail.body["exchange"]["status"], "DOWNLOADED");

    // The reply, validated, then seen by the issuer.
    let bad = app.post(&format!("/api/v1/exchanges/{exchange}/reply"), rx, json!({"decision": "maybe"})).await;
    assert_problem(&bad, 422, Some("decision"));
    let reply = app
        .post(
            &format!("/api/v1/exchanges/{exchange}/reply"),
            rx,
            json!({"decision": "accepted", "reason_code": "OK", "text": "Cleared for import"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["data"]["status"], "ACKNOWLEDGED");
    assert!(reply.body["receipt"]["leaf_index"].as_u64().is_some());

    let issuer_view = app.get(&format!("/api/v1/documents/{document}"), app.cab()).await;
    assert_eq!(issuer_view.body["exchanges"][0]["status"], "ACKNOWLEDGED", "{:?}", issuer_view.body);

    // With the default retention (delete on acknowledgement) the reply scheduled the PDF's deletion; once the
    // job ran, the download is 410 while metadata and evidence stay.
    assert_eq!(app.cached_files(), 1);
    assert!(app.hub.run_due_jobs("test-worker", 10).await.unwrap() >= 1);
    assert_eq!(app.cached_files(), 0);
    let gone = app.get(&format!("/api/v1/exchanges/{exchange}/pdf"), rx).await;
    assert_problem(&gone, 410, None);
    let detail = app.get(&format!("/api/v1/exchanges/{exchange}"), rx).await;
    assert_eq!(detail.body["exchange"]["status"], "PDF_DELETED", "{:?}", detail.body["exchange"]);
    assert!(detail.body["document"]["pdf_deleted_at"].is_string());
    assert!(detail.body["report"].is_object());

    let issuer_view = app.get(&format!("/api/v1/documents/{document}"), app.cab()).await;
    assert_eq!(issuer_view.status, 200, "{:?}", issuer_view.body);
    let per_receiver = &issuer_view.body["exchanges"][0];
    assert_eq!(per_receiver["receiver"], app.demo.receiver_id);
    assert_eq!(per_receiver["status"], "PDF_DELETED", "acknowledged, then its PDF deleted");
    assert_eq!(per_receiver["reply"]["decision"], "accepted");
    assert_eq!(per_receiver["reply"]["text"], "Cleared for import");
    let listed = app.get("/api/v1/documents?status=VALID&document_type=TR&destination_country=UZ", app.cab()).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1, "{:?}", listed.body);
    let none = app.get("/api/v1/documents?destination_country=KG", app.cab()).await;
    assert_eq!(none.body["items"].as_array().unwrap().len(), 0);
    assert_problem(&app.get("/api/v1/documents?status=GONE", app.cab()).await, 422, Some("query/status"));

    // The issuer suspends the document: history kept, and the receiver's poll shows the change.
    let change = app
        .post(
            &format!("/api/v1/documents/{document}/status"),
            app.cab(),
            json!({"status": "SUSPENDED", "reason": "Under investigation"}),
        )
        .await;
    assert_eq!(change.status, 200, "{:?}", change.body);
    assert_eq!(change.body["data"]["to"], "SUSPENDED");
    let again = app
        .post(
            &format!("/api/v1/documents/{document}/status"),
            app.cab(),
            json!({"status": "SUSPENDED", "reason": "again"}),
        )
        .await;
    assert_problem(&again, 422, Some("status"));
    let history = app.get(&format!("/api/v1/documents/{document}"), app.cab()).await.body["status_history"].clone();
    assert_eq!(history.as_array().unwrap().len(), 1, "{history:?}");
    assert_eq!(history[0]["from"], "VALID");
    let poll = app.get(&format!("/api/v1/exchanges/changes?since={cursor}"), rx).await;
    assert_eq!(poll.body["items"].as_array().unwrap().len(), 1, "{:?}", poll.body);
    assert_eq!(poll.body["items"][0]["document"]["status"], "SUSPENDED");
}

async fn download(app: &TestApp, exchange: &str) -> reqwest::Response {
    app.client
        .get(format!("{}/api/v1/exchanges/{exchange}/pdf", app.base))
        .bearer_auth(app.receiver())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_operator_sees_metadata_and_statistics_but_never_the_pdf() {
    let app = exchange_app().await;
    let Pushed { document, exchange, .. } = push_ok(&app, "KZ-TR-2026-0600").await;
    let op = app.op();
    assert_eq!(app.get(&format!("/api/v1/documents/{document}"), op).await.status, 200);
    assert_eq!(app.get(&format!("/api/v1/exchanges/{exchange}"), op).await.status, 200);
    assert_eq!(app.get("/api/v1/exchanges", op).await.body["items"].as_array().unwrap().len(), 1);
    // Downloading and replying are the receiver's alone: the operator lacks the permission.
    assert_problem(&app.get(&format!("/api/v1/exchanges/{exchange}/pdf"), op).await, 403, None);
    let reply = app.post(&format!("/api/v1/exchanges/{exchange}/reply"), op, json!({"decision": "received"})).await;
    assert_problem(&reply, 403, None);

    let stats = app.get("/api/v1/stats/exchanges", op).await;
    assert_eq!(stats.status, 200, "{:?}", stats.body);
    assert_eq!(stats.body["pdfs_cached"], 1);
    assert_eq!(stats.body["documents_by_status"], json!([["VALID", 1]]));
    assert_eq!(stats.body["exchanges_by_status"], json!([["PENDING_DELIVERY", 1]]));
    assert_eq!(stats.body["documents_by_type"], json!([["TR", 1]]));
    for key in [app.cab(), app.receiver()] {
        assert_problem(&app.get("/api/v1/stats/exchanges", key).await, 403, None);
    }
    // Reading metadata delivers nothing: the exchange is still pending for its receiver.
    let detail = app.get(&format!("/api/v1/exchanges/{exchange}"), op).await;
    assert_eq!(detail.body["exchange"]["status"], "PENDING_DELIVERY");
}

#[tokio::test]
async fn no_other_party_can_see_or_touch_a_document() {
    let app = exchange_app().await;
    let Pushed { document, exchange, .. } = push_ok(&app, "KZ-TR-2026-0700").await;
    // Created after the push, so not among its receivers.
    let other_receiver = app.key_for_role("customs").await;
    let (_, other_cab) = app.second_cab().await;
    let before = app.log_size().await;

    for path in [format!("/api/v1/exchanges/{exchange}"), format!("/api/v1/exchanges/{exchange}/pdf")] {
        assert_problem(&app.get(&path, &other_receiver).await, 404, None);
    }
    let reply = app
        .post(&format!("/api/v1/exchanges/{exchange}/reply"), &other_receiver, json!({"decision": "received"}))
        .await;
    assert_problem(&reply, 404, None);
    assert!(app.get("/api/v1/exchanges", &other_receiver).await.body["items"].as_array().unwrap().is_empty());
    assert!(app.get("/api/v1/exchanges/changes", &other_receiver).await.body["items"].as_array().unwrap().is_empty());

    assert_problem(&app.get(&format!("/api/v1/documents/{document}"), &other_cab).await, 404, None);
    assert_problem(&app.get(&format!("/api/v1/exchanges/{exchange}"), &other_cab).await, 404, None);
    let change = app
        .post(
            &format!("/api/v1/documents/{document}/status"),
            &other_cab,
            json!({"status": "WITHDRAWN", "reason": "hostile"}),
        )
        .await;
    assert_problem(&change, 404, None);
    assert!(app.get("/api/v1/documents", &other_cab).await.body["items"].as_array().unwrap().is_empty());
    assert!(app.get("/api/v1/exchanges", &other_cab).await.body["items"].as_array().unwrap().is_empty());
    // Absent ids look the same as other parties' ids.
    let absent = uuid::Uuid::new_v4();
    assert_problem(&app.get(&format!("/api/v1/exchanges/{absent}"), app.receiver()).await, 404, None);
    assert_problem(&app.get(&format!("/api/v1/documents/{absent}"), app.cab()).await, 404, None);
    assert_problem(&app.get("/api/v1/documents/not-an-id", app.cab()).await, 404, None);
    assert_eq!(app.log_size().await, before, "refusals change nothing");
    // The real receiver still finds it pending: nothing above delivered it.
    let detail = app.get(&format!("/api/v1/documents/{document}"), app.cab()).await;
    assert_eq!(detail.body["exchanges"][0]["status"], "PENDING_DELIVERY");
}

#[tokio::test]
async fn webhooks_are_registered_listed_and_removed_by_their_owner() {
    let app = exchange_app().await;
    let rx = app.receiver();
    let url = "https://hooks.example.org/ecert";
    let r = app.post("/api/v1/webhooks", rx, json!({"url": url})).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let secret = r.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    let id = r.body["webhook"]["id"].as_str().unwrap().to_owned();
    assert_eq!(r.body["webhook"]["url"], url);
    assert!(r.body["receipt"]["leaf_index"].as_u64().is_some());

    let list = app.get("/api/v1/webhooks", rx).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body.as_array().unwrap().len(), 1);
    assert_eq!(list.body[0]["id"], id);
    assert!(!list.body.to_string().contains(&secret), "the secret is shown once");

    assert_problem(&app.post("/api/v1/webhooks", rx, json!({"url": url})).await, 409, None);
    assert_problem(
        &app.post("/api/v1/webhooks", rx, json!({"url": "http://hooks.example.org/plain"})).await,
        422,
        Some("url"),
    );
    assert_problem(&app.post("/api/v1/webhooks", rx, json!({"url": url, "secret": "mine"})).await, 422, Some("secret"));
    assert_problem(&app.post("/api/v1/webhooks", app.cab(), json!({"url": url})).await, 403, None);

    let other_receiver = app.key_for_role("regulator").await;
    assert!(app.get("/api/v1/webhooks", &other_receiver).await.body.as_array().unwrap().is_empty());
    let path = format!("/api/v1/webhooks/{id}");
    assert_problem(&app.call(Method::DELETE, &path, Some(&other_receiver), None).await, 404, None);
    let deleted = app.call(Method::DELETE, &path, Some(rx), None).await;
    assert_eq!(deleted.status, 204, "{:?}", deleted.body);
    assert!(app.get("/api/v1/webhooks", rx).await.body.as_array().unwrap().is_empty());
    assert_problem(&app.call(Method::DELETE, &path, Some(rx), None).await, 404, None);
}

#[tokio::test]
async fn lists_and_polls_page_with_cursors() {
    let app = exchange_app().await;
    let mut pushed = Vec::new();
    for i in 0..3 {
        pushed.push(push_ok(&app, &format!("KZ-TR-2026-08{i:02}")).await.document);
    }
    // Lists: every item exactly once over the pages.
    for (path, key, id_of) in
        [("/api/v1/documents", app.cab(), "/id"), ("/api/v1/exchanges", app.receiver(), "/document/id")]
    {
        let first = app.get(&format!("{path}?limit=2"), key).await;
        assert_eq!(first.status, 200, "{:?}", first.body);
        let cursor = first.body["next_cursor"].as_str().expect("a second page").to_owned();
        let second = app.get(&format!("{path}?limit=2&after={cursor}"), key).await;
        assert!(second.body["next_cursor"].is_null(), "{:?}", second.body);
        let mut seen: Vec<String> = [first.body["items"].clone(), second.body["items"].clone()]
            .iter()
            .flat_map(|items| items.as_array().unwrap().clone())
            .map(|item| item.pointer(id_of).unwrap().as_str().unwrap().to_owned())
            .collect();
        seen.sort();
        let mut expected = pushed.clone();
        expected.sort();
        assert_eq!(seen, expected, "{path}");
    }
    // Polling in pages of two: every exchange comes at least once, the cursor only grows, and the walk ends.
    let mut seen = std::collections::BTreeSet::new();
    let mut cursor = 0;
    let mut ended = false;
    for _ in 0..10 {
        let page = app.get(&format!("/api/v1/exchanges/changes?since={cursor}&limit=2"), app.receiver()).await;
        assert_eq!(page.status, 200, "{:?}", page.body);
        let items = page.body["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        let next = page.body["next_cursor"].as_u64().unwrap();
        assert!(next >= cursor);
        if items.is_empty() {
            assert_eq!(next, cursor);
            ended = true;
            break;
        }
        seen.extend(items.iter().map(|i| i["document"]["id"].as_str().unwrap().to_owned()));
        cursor = next;
    }
    assert!(ended, "the poll never ran dry");
    let expected: std::collections::BTreeSet<String> = pushed.into_iter().collect();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn every_exchange_a_poll_returns_is_delivered() {
    let app = exchange_app().await;
    for i in 0..3 {
        push_ok(&app, &format!("KZ-TR-2026-09{i:02}")).await;
    }
    let mut cursor = 0;
    for _ in 0..10 {
        let page = app.get(&format!("/api/v1/exchanges/changes?since={cursor}&limit=2"), app.receiver()).await;
        let items = page.body["items"].as_array().unwrap().clone();
        if items.is_empty() {
            break;
        }
        for item in &items {
            assert_eq!(item["exchange"]["status"], "DELIVERED", "{item:?}");
        }
        cursor = page.body["next_cursor"].as_u64().unwrap();
    }
    let pending = app.get("/api/v1/exchanges?status=PENDING_DELIVERY", app.receiver()).await;
    assert!(pending.body["items"].as_array().unwrap().is_empty(), "{:?}", pending.body);
}
