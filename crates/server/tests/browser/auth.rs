//! Two-factor sign-in in the browser: first sign-in enrols TOTP (QR code, secret, recovery codes), then log out,
//! then password plus a fresh code; a replayed or wrong code is refused with a message.

use crate::app::{BrowserApp, Member};
use crate::browser::Browser;
use crate::locales::assert_shows;
use crate::portal::{LOGIN, assert_accessible, enrol, flash_error, logout, submit_code, submit_password};
use thirtyfour::Key;

#[tokio::test]
async fn enrol_totp_log_out_and_log_in_with_password_and_totp() {
    let app = BrowserApp::start().await;
    let mut user = app.create_user(Member::Cab, "anna.cab", "Anna Karimova").await;
    let b = Browser::open(&app.base, "auth").await;

    // A page behind the login sends the visitor to the login form.
    b.goto("/portal/documents").await;
    assert!(b.path().await.starts_with(LOGIN), "{}", b.path().await);
    assert!(b.has("form#login").await);
    assert_eq!(b.html_lang().await, "en");
    for control in ["username", "password"] {
        assert!(b.has(&format!("label[for={control}]")).await, "the {control} field has a label");
    }
    assert_accessible(&b).await;
    // Keyboard: the first Tab reaches the skip link, and following it moves focus into the main content.
    b.driver.action_chain().send_keys(Key::Tab).perform().await.unwrap();
    assert_eq!(b.active_element_class().await.as_deref(), Some("skip-link"));
    b.driver.action_chain().send_keys(Key::Enter).perform().await.unwrap();
    b.driver.action_chain().send_keys(Key::Tab).perform().await.unwrap();
    assert_eq!(b.active_element_id().await.as_deref(), Some("username"), "after the skip link, the first field");
    b.screenshot("login").await;

    // First sign-in: the password, then enrolment.
    submit_password(&b, &user.username, &user.password).await;
    enrol(&b, &mut user, Some("auth")).await;
    assert_eq!(b.path().await, "/portal/documents", "after sign-in, the page first asked for");
    b.goto("/portal/").await;
    assert!(b.has("main#dashboard").await);
    let dashboard = b.page_text().await;
    assert!(dashboard.contains(&user.display_name), "the dashboard greets the user:\n{dashboard}");
    assert_accessible(&b).await;
    b.screenshot("dashboard").await;

    logout(&b).await;
    assert_shows(&b.page_text().await, "en", "flash-logged-out");
    // The session is gone: the dashboard needs a new sign-in.
    b.goto("/portal/").await;
    assert!(b.has("form#login").await, "after logout: {}", b.path().await);

    // Password again, then the second factor.
    submit_password(&b, &user.username, &user.password).await;
    assert!(b.path().await.starts_with("/portal/login/totp"), "{}", b.path().await);
    assert!(b.has("input#code").await);
    b.screenshot("second-factor").await;

    // The enrolment code again: refused as a replay, the user stays on the second-factor page.
    let replayed = user.authenticator.as_ref().unwrap().last_code();
    submit_code(&b, &replayed).await;
    assert_shows(&flash_error(&b).await, "en", "login-code-reused");
    assert!(b.has("input#code").await);
    b.screenshot("replayed-code").await;

    let wrong = user.authenticator.as_ref().unwrap().wrong_code();
    submit_code(&b, &wrong).await;
    assert_shows(&flash_error(&b).await, "en", "login-wrong-code");

    // The next step's code signs in.
    let fresh = user.authenticator.as_mut().unwrap().fresh_code().await;
    submit_code(&b, &fresh).await;
    assert!(b.has("main#dashboard").await, "signed in again: {}\n{}", b.path().await, b.page_text().await);
    b.quit().await;
}
