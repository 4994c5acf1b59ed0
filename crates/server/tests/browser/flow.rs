//! The whole exchange in the browser, once in English and once in Russian (chosen with the language switcher):
//! a CAB uploads a signed PDF and reads the verification report; the customs receiver finds it in the inbox,
//! downloads it and acknowledges it; the issuer sees ACKNOWLEDGED; the operator revokes a key.

use crate::app::{BrowserApp, Member, PortalUser};
use crate::browser::Browser;
use crate::documents::{signed_pdf, write_file};
use crate::forms::UploadForm;
use crate::locales::{assert_shows, is_russian};
use crate::portal::{LOGIN, assert_accessible, enrol, submit_password, switch_language};
use ecert_pki::testpki::{TestPki, TestSigner};

#[tokio::test]
async fn the_exchange_in_english() {
    exchange_flow("en").await;
}

#[tokio::test]
async fn the_exchange_in_russian() {
    exchange_flow("ru").await;
}

/// Opens a browser for one person, picks the language on the login page, and signs in (enrolling TOTP).
async fn session_for(app: &BrowserApp, user: &mut PortalUser, lang: &str, shots: &str) -> Browser {
    let b = Browser::open(&app.base, shots).await;
    b.goto(LOGIN).await;
    if lang != "en" {
        switch_language(&b, lang).await;
    }
    b.screenshot("login").await;
    submit_password(&b, &user.username, &user.password).await;
    assert_language(&b, lang).await;
    enrol(&b, user, Some("first-sign-in")).await;
    assert_language(&b, lang).await;
    b
}

/// The page is in `lang`: `<html lang>`, and for Russian, the text of `main` is Cyrillic.
async fn assert_language(b: &Browser, lang: &str) {
    assert_eq!(b.html_lang().await, lang, "on {}", b.path().await);
    if lang == "ru" {
        let text = b.text("main").await;
        assert!(is_russian(&text), "the page {} is not in Russian:\n{text}", b.path().await);
    }
}

async fn exchange_flow(lang: &str) {
    let app = BrowserApp::start().await;
    let test = format!("flow-{lang}");
    let mut cab = app.create_user(Member::Cab, "issuer", "Dilnoza Issuer").await;
    let mut customs = app.create_user(Member::Customs, "inspector", "Timur Inspector").await;
    let mut operator = app.create_user(Member::Operator, "registrar", "Olga Registrar").await;
    let number = format!("KZ-TR-2026-{}", lang.to_uppercase());
    let pdf = signed_pdf(TestSigner::ValidRsa, &number);
    let file = write_file(app.files.path(), "test-report.pdf", &pdf);

    // The CAB uploads the signed PDF with its metadata and reads the report at once.
    let issuer = session_for(&app, &mut cab, lang, &format!("{test}-cab")).await;
    assert_shows(&issuer.page_text().await, lang, "nav-upload");
    issuer.screenshot("dashboard").await;
    issuer.goto(crate::forms::UPLOAD).await;
    assert_language(&issuer, lang).await;
    assert_accessible(&issuer).await;
    issuer.screenshot("upload-form").await;
    UploadForm::new(&number, &file).submit(&issuer).await;
    assert_language(&issuer, lang).await;
    assert_eq!(
        issuer.attr("#verdict", "data-verdict").await.as_deref(),
        Some("accepted"),
        "{}",
        issuer.page_text().await
    );
    assert_shows(&issuer.text("#verdict").await, lang, "cab-verdict-accepted");
    let report = issuer.text("#report").await;
    assert!(!report.trim().is_empty(), "the report is shown in plain words");
    issuer.screenshot("report").await;

    // The result links the public authenticity page of the new document, on this hub.
    let public = issuer.attr("main a[href*='/v/']", "href").await.expect("the public page link");
    assert!(public.starts_with(&format!("{}/v/", app.base)), "{public}");
    issuer.driver.goto(&public).await.unwrap();
    assert_eq!(issuer.html_lang().await, lang, "the public page keeps the language");
    let valid = if lang == "ru" { "ДЕЙСТВИТЕЛЕН" } else { "VALID" };
    assert!(issuer.page_text().await.contains(valid), "{}", issuer.page_text().await);
    issuer.screenshot("public-page").await;

    // The receiver finds it in the inbox, opens it, downloads the PDF and acknowledges it.
    let receiver = session_for(&app, &mut customs, lang, &format!("{test}-customs")).await;
    receiver.goto("/portal/inbox").await;
    assert_language(&receiver, lang).await;
    assert_shows(&receiver.page_text().await, lang, "nav-inbox");
    let row = format!("table#inbox tr[data-document-number='{number}']");
    assert!(receiver.has(&row).await, "the document is in the inbox:\n{}", receiver.page_text().await);
    assert_accessible(&receiver).await;
    receiver.screenshot("inbox").await;
    receiver.click_and_wait(&format!("{row} a.open")).await;
    assert_language(&receiver, lang).await;
    assert!(receiver.page_text().await.contains(&number));
    assert!(receiver.has("#exchange-status[data-status]").await);
    assert_accessible(&receiver).await;
    receiver.screenshot("detail").await;
    receiver.find("a#download").await.click().await.unwrap();
    let (name, downloaded) = receiver.downloaded_file().await;
    assert!(name.ends_with(".pdf"), "downloaded as {name}");
    assert_eq!(downloaded, pdf, "the receiver gets the very PDF the CAB signed");
    receiver.goto(&receiver.path().await).await;
    assert_eq!(receiver.attr("#exchange-status", "data-status").await.as_deref(), Some("DOWNLOADED"));
    receiver.select("select#decision", "received").await;
    receiver.fill("#reason_text", "Received at the Yallama border post").await;
    receiver.click_and_wait("button#reply-submit").await;
    assert_language(&receiver, lang).await;
    assert_eq!(receiver.attr("#exchange-status", "data-status").await.as_deref(), Some("ACKNOWLEDGED"));
    receiver.screenshot("acknowledged").await;
    receiver.quit().await;

    // The issuer sees the acknowledgement on its documents page.
    issuer.goto("/portal/documents").await;
    assert_language(&issuer, lang).await;
    let status = format!("tr[data-document-number='{number}'] .delivery-status");
    assert_eq!(
        issuer.attr(&status, "data-status").await.as_deref(),
        Some("ACKNOWLEDGED"),
        "{}",
        issuer.page_text().await
    );
    assert_shows(&issuer.text(&status).await, lang, "delivery-status-acknowledged");
    assert_accessible(&issuer).await;
    issuer.screenshot("documents").await;
    issuer.quit().await;

    // The operator revokes the CAB's second key in the Public Key Registry.
    let registrar = session_for(&app, &mut operator, lang, &format!("{test}-operator")).await;
    registrar.goto("/portal/certificates").await;
    assert_language(&registrar, lang).await;
    let fingerprint =
        TestPki::shared().unwrap().signer(TestSigner::ValidEcP256).credentials.certificate.fingerprint_hex();
    let row = certificate_row(&registrar, &fingerprint).await;
    assert_eq!(registrar.attr(&row, "data-status").await.as_deref(), Some("active"));
    assert_accessible(&registrar).await;
    registrar.screenshot("certificates").await;
    registrar.select(&format!("{row} form.revoke select[name=reason]"), "key_compromise").await;
    registrar.click_and_wait(&format!("{row} form.revoke button.revoke-submit")).await;
    assert_language(&registrar, lang).await;
    registrar.goto("/portal/certificates").await;
    let row = certificate_row(&registrar, &fingerprint).await;
    assert_eq!(
        registrar.attr(&row, "data-status").await.as_deref(),
        Some("revoked"),
        "{}",
        registrar.page_text().await
    );
    registrar.screenshot("revoked").await;
    registrar.quit().await;
}

/// The selector of the registry row for `fingerprint` (compared without case or separators).
async fn certificate_row(b: &Browser, fingerprint: &str) -> String {
    let normalize = |s: &str| s.chars().filter(char::is_ascii_hexdigit).collect::<String>().to_ascii_lowercase();
    for row in b.find_all("table#certificates tr[data-fingerprint]").await {
        let listed = row.attr("data-fingerprint").await.unwrap().unwrap_or_default();
        if normalize(&listed) == normalize(fingerprint) {
            return format!("table#certificates tr[data-fingerprint='{listed}']");
        }
    }
    panic!("no registry row for {fingerprint}:\n{}", b.page_text().await)
}
