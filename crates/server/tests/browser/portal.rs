//! What a person does on the portal, step by step, with the element ids the portal contract fixes: sign in with
//! a password, enrol or enter a TOTP code, switch language, log out, read the flash message.

use crate::app::PortalUser;
use crate::browser::Browser;
use crate::totp::Authenticator;

pub const LOGIN: &str = "/portal/login";

/// Opens the login page and submits the password (the first factor only).
pub async fn submit_password(b: &Browser, username: &str, password: &str) {
    if !b.path().await.starts_with(LOGIN) || !b.has("form#login").await {
        b.goto(LOGIN).await;
    }
    b.fill("input#username", username).await;
    b.fill("input#password", password).await;
    b.click_and_wait("button#login-submit").await;
}

/// Submits a code on the second-factor page.
pub async fn submit_code(b: &Browser, code: &str) {
    b.fill("input#code", code).await;
    b.click_and_wait("button#totp-submit").await;
}

/// The enrolment page after the first password sign-in: reads the secret, confirms with a code, checks the
/// recovery codes, and continues to the dashboard. Screenshots the two pages as `<shots>-enrol` and
/// `<shots>-recovery-codes` when `shots` is given.
pub async fn enrol(b: &Browser, user: &mut PortalUser, shots: Option<&str>) -> Vec<String> {
    assert!(
        b.path().await.starts_with("/portal/totp/enrol"),
        "first sign-in must lead to enrolment, not {}:\n{}",
        b.path().await,
        b.page_text().await
    );
    assert!(b.has("#totp-qr svg").await, "the enrolment page shows the QR code as inline SVG");
    let secret = b.text("#totp-secret").await;
    if let Some(prefix) = shots {
        b.screenshot(&format!("{prefix}-enrol")).await;
    }
    let mut authenticator = Authenticator::from_base32(&secret);
    let code = authenticator.fresh_code().await;
    b.fill("input#code", &code).await;
    b.click_and_wait("button#enrol-submit").await;
    let codes: Vec<String> = {
        let mut codes = Vec::new();
        for item in b.find_all("ol#recovery-codes li").await {
            codes.push(item.text().await.unwrap().trim().to_owned());
        }
        codes
    };
    assert_eq!(codes.len(), 10, "ten recovery codes are shown once: {codes:?}");
    assert!(codes.iter().all(|c| c.len() >= 8), "{codes:?}");
    if let Some(prefix) = shots {
        b.screenshot(&format!("{prefix}-recovery-codes")).await;
    }
    user.authenticator = Some(authenticator);
    b.click_and_wait("a#continue").await;
    assert_signed_in(b).await;
    codes
}

/// Signs in completely: password, then a fresh TOTP code (waiting for the next step if this user's last code
/// is from the current one), or the enrolment on the first sign-in. Ends on the page first asked for (the
/// dashboard by default).
pub async fn sign_in(b: &Browser, user: &mut PortalUser) {
    submit_password(b, &user.username, &user.password).await;
    match user.authenticator.as_mut() {
        None => {
            enrol(b, user, None).await;
        }
        Some(authenticator) => {
            let code = authenticator.fresh_code().await;
            submit_code(b, &code).await;
            assert_signed_in(b).await;
        }
    }
}

/// A signed-in page: the header has the logout button, and it is not the login form.
pub async fn assert_signed_in(b: &Browser) {
    assert!(
        b.has("button#logout").await && !b.has("form#login").await,
        "expected to be signed in on {}:\n{}",
        b.path().await,
        b.page_text().await
    );
}

pub async fn logout(b: &Browser) {
    b.click_and_wait("button#logout").await;
    assert!(b.has("form#login").await, "logging out leads to the login page: {}", b.path().await);
}

/// Clicks the language switcher's link for `lang` and checks the page is now in it.
pub async fn switch_language(b: &Browser, lang: &str) {
    b.click_and_wait(&format!("a#lang-{lang}")).await;
    assert_eq!(b.html_lang().await, lang, "after switching to {lang}: {}", b.path().await);
}

/// The text of the error message shown in `div#flash` (an alert).
pub async fn flash_error(b: &Browser) -> String {
    assert!(b.has("#flash.error").await, "expected an error message on {}:\n{}", b.path().await, b.page_text().await);
    assert_eq!(b.attr("#flash", "role").await.as_deref(), Some("alert"));
    b.text("#flash").await
}

/// The page's accessibility basics: `<html lang>`, a skip link to `main`, landmarks, and a label for every form
/// control a person fills in (a `<label for>` or an `aria-label`).
pub async fn assert_accessible(b: &Browser) {
    let script = r#"
        const problems = [];
        if (!document.documentElement.lang) problems.push('html has no lang');
        const skip = document.querySelector('a.skip-link');
        const main = document.querySelector('main');
        if (!main) problems.push('no main landmark');
        if (!document.querySelector('header')) problems.push('no header landmark');
        if (!skip || !main || skip.getAttribute('href') !== '#' + main.id) problems.push('no skip link to main');
        for (const c of document.querySelectorAll('input, select, textarea')) {
            if (c.type === 'hidden' || c.type === 'submit') continue;
            const labelled = (c.id && document.querySelector('label[for="' + c.id + '"]')) || c.getAttribute('aria-label');
            if (!labelled) problems.push('unlabelled ' + c.tagName.toLowerCase() + ' ' + (c.name || c.id));
        }
        return problems;"#;
    let problems = b.driver.execute(script, Vec::new()).await.unwrap();
    let problems: Vec<String> = serde_json::from_value(problems.json().clone()).unwrap();
    assert!(problems.is_empty(), "accessibility problems on {}: {problems:?}", b.path().await);
}
