//! Bad input in the browser, in each language: a wrong password, a wrong and a replayed TOTP code, a POST without
//! the CSRF token (a form built by script, as another page's form would arrive without the token), an ended
//! session, a file that is not a PDF, invalid metadata and an unsigned PDF. Each shows a message in the reader's
//! language, never a raw error, and stores nothing.

use crate::app::BrowserApp;
use crate::app::Member;
use crate::browser::Browser;
use crate::documents::{signed_pdf, unsigned_pdf, write_file};
use crate::forms::{UPLOAD, UploadForm, listed_documents};
use crate::locales::{assert_shows, is_russian, message};
use crate::portal::{LOGIN, enrol, flash_error, submit_code, submit_password, switch_language};
use ecert_pki::testpki::TestSigner;
use serde_json::json;

#[tokio::test]
async fn bad_input_is_explained_in_english() {
    bad_input("en").await;
}

#[tokio::test]
async fn bad_input_is_explained_in_russian() {
    bad_input("ru").await;
}

/// An error message: in the page's language, and not one of the hub's raw (English, technical) error texts.
fn assert_translated(text: &str, lang: &str) {
    if lang == "ru" {
        assert!(is_russian(text), "not in Russian: {text}");
    }
    for raw in ["HubError", "Internal(", "error:", "panicked", "StoreError", "sqlx"] {
        assert!(!text.contains(raw), "a raw error reached the page: {text}");
    }
}

const SESSION_COOKIE: &str = "__Host-ecert_session";

async fn bad_input(lang: &str) {
    let app = BrowserApp::start().await;
    let test = format!("bad-input-{lang}");
    let mut user = app.create_user(Member::Cab, "careless", "Careless Clerk").await;
    let b = Browser::open(&app.base, &test).await;
    b.goto(LOGIN).await;
    if lang != "en" {
        switch_language(&b, lang).await;
    }

    // A wrong password.
    submit_password(&b, &user.username, "not the password at all").await;
    let error = flash_error(&b).await;
    assert_shows(&error, lang, "login-wrong-credentials");
    assert_translated(&error, lang);
    assert!(b.has("form#login").await);
    b.screenshot("wrong-password").await;

    submit_password(&b, &user.username, &user.password).await;
    enrol(&b, &mut user, None).await;

    // At the next sign-in: a wrong code, then the enrolment code replayed.
    crate::portal::logout(&b).await;
    submit_password(&b, &user.username, &user.password).await;
    submit_code(&b, &user.authenticator.as_ref().unwrap().wrong_code()).await;
    let error = flash_error(&b).await;
    assert_shows(&error, lang, "login-wrong-code");
    assert_translated(&error, lang);
    submit_code(&b, &user.authenticator.as_ref().unwrap().last_code()).await;
    let error = flash_error(&b).await;
    assert_shows(&error, lang, "login-code-reused");
    assert_translated(&error, lang);
    b.screenshot("replayed-code").await;
    let fresh = user.authenticator.as_mut().unwrap().fresh_code().await;
    submit_code(&b, &fresh).await;
    assert!(b.has("main#dashboard").await, "{}", b.page_text().await);

    // A POST without the CSRF token: refused with a message, nothing changed (still signed in, nothing stored).
    let number = format!("KZ-TR-BAD-{}", lang.to_uppercase());
    b.goto(UPLOAD).await;
    let forged = "const f = document.createElement('form');
        f.method = 'post'; f.action = arguments[0]; f.enctype = arguments[2];
        for (const [name, value] of Object.entries(arguments[1])) {
            const input = document.createElement('input');
            input.type = 'hidden'; input.name = name; input.value = value; f.appendChild(input);
        }
        document.body.appendChild(f); f.submit();";
    let fields = json!({"document_number": number, "document_type": "TR", "hs_codes": "8471.30",
        "product_description": "Laptops", "destination_country": "UZ"});
    b.run_and_wait(forged, vec![json!(UPLOAD), fields, json!("multipart/form-data")]).await;
    let error = flash_error(&b).await;
    assert_shows(&error, lang, "error-csrf");
    assert_translated(&error, lang);
    b.screenshot("missing-csrf").await;
    b.run_and_wait(forged, vec![json!("/portal/logout"), json!({}), json!("application/x-www-form-urlencoded")]).await;
    assert_shows(&flash_error(&b).await, lang, "error-csrf");
    b.goto("/portal/").await;
    assert!(b.has("main#dashboard").await, "a logout without the token must not log out");

    // A file that is not a PDF.
    let text_file = write_file(app.files.path(), "notes.pdf", b"These are my notes, not a PDF document.\n");
    UploadForm::new(&number, &text_file).submit(&b).await;
    let error = flash_error(&b).await;
    assert_translated(&error, lang);
    assert!(b.has("form#upload").await, "the form is shown again to correct");
    b.screenshot("not-a-pdf").await;

    // Invalid metadata: an HS code that is not one.
    let signed = write_file(app.files.path(), "signed.pdf", &signed_pdf(TestSigner::ValidRsa, &number));
    UploadForm { hs_codes: "12", ..UploadForm::new(&number, &signed) }.submit(&b).await;
    let error = flash_error(&b).await;
    assert_translated(&error, lang);
    assert!(error.contains(message(lang, "reason-invalid").as_str()), "{error}");
    assert_eq!(
        b.find("#document_number").await.value().await.unwrap().as_deref(),
        Some(number.as_str()),
        "the entries are kept"
    );
    b.screenshot("invalid-metadata").await;

    // An unsigned PDF: verified and refused, with the report saying why.
    let unsigned = write_file(app.files.path(), "unsigned.pdf", &unsigned_pdf(&number));
    UploadForm::new(&number, &unsigned).submit(&b).await;
    assert_eq!(b.attr("#verdict", "data-verdict").await.as_deref(), Some("rejected"), "{}", b.page_text().await);
    assert_shows(&b.text("#verdict").await, lang, "cab-verdict-rejected");
    assert_translated(&b.text("#report").await, lang);
    b.screenshot("unsigned-pdf").await;

    assert!(!listed_documents(&b).await.contains(&number), "nothing refused was stored");

    // The session ends (as after the idle timeout) while the user fills the form: the post leads to the login
    // page with a message, and stores nothing.
    b.goto(UPLOAD).await;
    UploadForm::new(&number, &signed).fill(&b).await;
    let token = b.cookie(SESSION_COOKIE).await.expect("the session cookie");
    let token = ecert_hub::users::SessionToken::parse(&token).expect("a session token");
    app.hub.logout(&token).await.unwrap();
    b.click_and_wait("button#upload-submit").await;
    assert!(b.has("form#login").await, "an ended session leads to the login page: {}", b.path().await);
    let notice = b.text("#flash").await;
    assert_shows(&notice, lang, "flash-session-expired");
    assert_translated(&notice, lang);
    b.screenshot("session-expired").await;
    crate::portal::sign_in(&b, &mut user).await;
    assert!(!listed_documents(&b).await.contains(&number), "nothing was stored by the expired session");
    b.quit().await;
}
