//! The issuing CAB: upload (accepted, rejected, invalid file, invalid metadata, missing CSRF), its documents with
//! delivery per receiver, and a status change.

use crate::harness::{Browser, MAX_UPLOAD, Page, TestApp};
use ecert_pdf::samples::{DocumentKind, SampleDocument, generate};
use ecert_pdf::sign::{SignOptions, sign_pdf};
use ecert_pki::testpki::{TestPki, TestSigner};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use time::{Date, Duration, OffsetDateTime};

fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

fn unsigned_pdf(number: &str) -> Vec<u8> {
    let mut sample = SampleDocument::example(DocumentKind::TestReport);
    sample.number = number.to_owned();
    sample.hs_codes = vec!["8471.30".into()];
    sample.issue_date = today();
    sample.valid_until = Some(today() + Duration::days(365));
    sample.destination = "Republic of Uzbekistan".into();
    generate(&sample)
}

fn signed_pdf(number: &str) -> Vec<u8> {
    let pki = TestPki::shared().expect("test PKI");
    sign_pdf(&unsigned_pdf(number), &SignOptions::new(&pki.signer(TestSigner::ValidRsa).credentials)).expect("sign")
}

/// The upload form as a browser sends it; `fields` override the valid defaults.
fn upload_form(csrf: Option<&str>, pdf: Vec<u8>, number: &str, fields: &[(&str, &str)]) -> Form {
    let issue = today().to_string();
    let until = (today() + Duration::days(365)).to_string();
    let mut values: Vec<(String, String)> = [
        ("document_number", number),
        ("document_type", "TR"),
        ("hs_codes", "8471.30"),
        ("product_description", "Portable automatic data-processing machines"),
        ("issue_date", issue.as_str()),
        ("valid_until", until.as_str()),
        ("destination_country", "UZ"),
        ("receiving_authority", ""),
        ("applicant", "Trader LLP"),
        ("manufacturer", ""),
        ("standards", "IEC 62368-1:2018"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in fields {
        if let Some(slot) = values.iter_mut().find(|(name, _)| name == k) {
            slot.1 = v.to_string();
        }
    }
    let mut form = Form::new();
    if let Some(csrf) = csrf {
        form = form.text("csrf", csrf.to_owned());
    }
    form = form.part("pdf", Part::bytes(pdf).file_name("document.pdf").mime_str("application/pdf").unwrap());
    for (k, v) in values {
        form = form.text(k, v);
    }
    form
}

async fn upload(b: &mut Browser, pdf: Vec<u8>, number: &str, fields: &[(&str, &str)]) -> Page {
    let csrf = b.csrf();
    b.post_multipart_raw("/portal/documents/new", upload_form(Some(&csrf), pdf, number, fields)).await
}

async fn cab_browser(app: &TestApp) -> Browser {
    let mut b = app.browser();
    let cab = app.user("cab").clone();
    b.sign_in(&cab.username, &cab.password).await;
    b
}

async fn documents_stored(b: &mut Browser) -> usize {
    b.get("/portal/documents").await.body.matches("data-document-number=").count()
}

#[tokio::test]
async fn a_cab_uploads_a_signed_pdf_sees_the_report_and_changes_the_status() {
    let app = TestApp::start().await;
    let mut b = cab_browser(&app).await;

    let page = b.get("/portal/documents/new").await;
    assert_eq!(page.status, StatusCode::OK);
    for id in [
        "upload",
        "pdf",
        "document_number",
        "document_type",
        "hs_codes",
        "product_description",
        "issue_date",
        "valid_until",
        "destination_country",
        "receiving_authority",
        "applicant",
        "manufacturer",
        "standards",
        "upload-submit",
        "scope-hint",
    ] {
        assert!(page.body.contains(&format!("id=\"{id}\"")), "#{id} missing");
        if !["upload", "upload-submit", "scope-hint"].contains(&id) {
            assert!(page.body.contains(&format!("<label for=\"{id}\">")), "label for #{id}");
        }
    }
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    assert!(page.body.contains("class=\"scope-entry\""), "the scope hint lists the CAB's scope");

    let page = upload(&mut b, signed_pdf("KZ-TR-PORTAL-1"), "KZ-TR-PORTAL-1", &[]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.flash());
    assert!(page.body.contains("id=\"verdict\" class=\"verdict accepted\" data-verdict=\"accepted\""), "{}", page.body);
    assert!(page.body.contains("id=\"report\""));
    assert!(page.body.contains("data-indication=\"TOTAL_PASSED\""), "{}", page.body);
    assert!(page.body.contains("https://hub.example.org/v/"), "the public link");

    let list = b.get("/portal/documents").await;
    assert!(list.body.contains("id=\"documents\""));
    assert!(list.body.contains("data-document-number=\"KZ-TR-PORTAL-1\""));
    // One receiving authority of the destination, not reached yet (no webhook, no pull so far).
    assert_eq!(list.body.matches("delivery-status\" data-status=\"PENDING_DELIVERY\"").count(), 1, "{}", list.body);
    assert!(list.body.contains("Waiting for delivery"));
    let id = list.body.split("data-document-id=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();

    let detail = b.get(&format!("/portal/documents/{id}")).await;
    assert_eq!(detail.status, StatusCode::OK);
    for sel in ["status-change", "new_status", "reason", "replaced_by", "status-submit"] {
        assert!(detail.body.contains(&format!("id=\"{sel}\"")), "#{sel}");
    }
    // A change without a reason is refused and changes nothing.
    let page = b.post(&format!("/portal/documents/{id}/status"), &[("new_status", "SUSPENDED"), ("reason", " ")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.flash().contains("Reason: is required"), "{}", page.flash());
    assert!(page.body.contains("id=\"document-status\" class=\"badge good\" data-status=\"VALID\""));
    // Suspend, with a reason.
    let page = b
        .post(&format!("/portal/documents/{id}/status"), &[("new_status", "SUSPENDED"), ("reason", "Under review")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.flash());
    let page = b.open(page.location().unwrap()).await;
    assert!(page.flash().contains("The status was changed"), "{}", page.flash());
    assert!(page.body.contains("data-status=\"SUSPENDED\""));
    assert!(page.body.contains("Under review"));
    // The change needs the CSRF token.
    let page =
        b.post_raw(&format!("/portal/documents/{id}/status"), &[("new_status", "VALID"), ("reason", "ok")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(b.get(&format!("/portal/documents/{id}")).await.body.contains("data-status=\"SUSPENDED\""));

    // The same list in Russian.
    b.accept_language = Some("ru".into());
    let list = b.get("/portal/documents").await;
    assert!(list.body.contains("Приостановлен"), "{}", list.body);
    assert!(list.body.contains("1 документ на странице"), "{}", list.body);
}

#[tokio::test]
async fn bad_uploads_are_explained_and_nothing_is_stored() {
    let app = TestApp::start().await;
    let mut b = cab_browser(&app).await;
    let before = app.log_size().await;

    // Not a PDF.
    let page = upload(&mut b, b"GIF89a not a pdf".to_vec(), "KZ-TR-BAD-1", &[]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.flash().contains("PDF file: is not valid"), "{}", page.flash());
    assert!(page.body.contains("value=\"KZ-TR-BAD-1\""), "the form keeps what was typed");

    // No file at all.
    let csrf = b.csrf();
    let form = upload_form(Some(&csrf), Vec::new(), "KZ-TR-BAD-2", &[]);
    let page = b.post_multipart_raw("/portal/documents/new", form).await;
    assert!(page.flash().contains("PDF file: is required"), "{}", page.flash());

    // Invalid metadata: every field named, in the user's language.
    let page = upload(
        &mut b,
        signed_pdf("KZ-TR-BAD-3"),
        "KZ-TR-BAD-3",
        &[("hs_codes", "12"), ("valid_until", "2001-01-01"), ("document_number", "")],
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let flash = page.flash();
    assert!(flash.contains("HS codes: is not valid"), "{flash}");
    assert!(flash.contains("Valid until:"), "{flash}");
    assert!(flash.contains("Document number: is required"), "{flash}");
    let page = upload(&mut b, signed_pdf("KZ-TR-BAD-4"), "KZ-TR-BAD-4", &[("issue_date", "31.12.2026")]).await;
    assert!(page.flash().contains("Issue date: is not valid"), "{}", page.flash());
    b.accept_language = Some("ru".into());
    b.set_language("ru");
    let page = upload(&mut b, signed_pdf("KZ-TR-BAD-5"), "KZ-TR-BAD-5", &[("hs_codes", "12")]).await;
    assert!(page.flash().contains("Коды ТН ВЭД: указано неверно"), "{}", page.flash());
    b.set_language("en");

    // A multipart form without the CSRF token.
    let form = upload_form(None, signed_pdf("KZ-TR-BAD-6"), "KZ-TR-BAD-6", &[]);
    let page = b.post_multipart_raw("/portal/documents/new", form).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);

    // A file over the limit.
    let mut big = b"%PDF-1.7\n".to_vec();
    big.resize(MAX_UPLOAD + 1, b' ');
    let page = upload(&mut b, big, "KZ-TR-BAD-7", &[]).await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(page.flash().contains("larger than the hub accepts"), "{}", page.flash());

    assert_eq!(app.log_size().await, before, "nothing was stored");

    // An unsigned PDF reaches the trust checks and is rejected with the reason in plain words.
    let page = upload(&mut b, unsigned_pdf("KZ-TR-BAD-8"), "KZ-TR-BAD-8", &[]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("data-verdict=\"rejected\""));
    assert!(page.text_of("rejection-reason").unwrap().contains("not signed"), "{}", page.body);
    assert_eq!(documents_stored(&mut b).await, 0, "a rejected document is not stored");
}

#[tokio::test]
async fn other_roles_cannot_upload() {
    let app = TestApp::start().await;
    let mut b = app.browser();
    let customs = app.user("customs").clone();
    b.sign_in(&customs.username, &customs.password).await;
    let dashboard = b.get("/portal/").await;
    assert!(dashboard.body.contains("id=\"dashboard-receiver\"") && !dashboard.body.contains("id=\"dashboard-cab\""));
    assert!(dashboard.body.contains("id=\"nav-inbox\"") && !dashboard.body.contains("id=\"nav-upload\""));
    let page = b.get("/portal/documents/new").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.flash().contains("Your roles do not allow this."));
    let page = upload(&mut b, signed_pdf("X-1"), "X-1", &[]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(b.get("/portal/documents").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_operator_dashboard_shows_the_exchange_in_figures() {
    let app = TestApp::start().await;
    let mut cab = cab_browser(&app).await;
    let page = upload(&mut cab, signed_pdf("KZ-TR-FIG-1"), "KZ-TR-FIG-1", &[]).await;
    assert!(page.body.contains("data-verdict=\"accepted\""));
    let mut b = app.browser();
    let operator = app.user("operator").clone();
    b.sign_in(&operator.username, &operator.password).await;
    let page = b.get("/portal/").await;
    assert!(page.body.contains("id=\"dashboard-operator\""));
    assert!(page.body.contains("Documents: Valid</th><td>1</td>"), "{}", page.body);
    assert!(page.body.contains("id=\"nav-users\"") && page.body.contains("id=\"nav-certificates\""));
    assert!(!page.body.contains("id=\"nav-upload\""));
    b.accept_language = Some("ru".into());
    assert!(b.get("/portal/").await.body.contains("Документы: Действителен"));
}
