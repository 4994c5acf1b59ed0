//! Sign-in: password, TOTP enrolment with recovery codes, logout, second factor, and every refusal.

use crate::harness::{SESSION_COOKIE, TestApp, attr, recovery_codes, secret_of, unescape};
use ecert_hub::users::totp::code_at;
use reqwest::StatusCode;
use time::{Duration, OffsetDateTime};

/// A 6-digit code that is valid in none of the accepted steps around now.
fn wrong_code(secret: &[u8]) -> String {
    let now = OffsetDateTime::now_utc();
    let valid: Vec<String> = (-2..=2).map(|s| code_at(secret, now + Duration::seconds(30 * s))).collect();
    (0..1_000_000).map(|n| format!("{n:06}")).find(|c| !valid.contains(c)).unwrap()
}

#[tokio::test]
async fn enrol_log_out_and_log_in_with_password_and_totp() {
    let app = TestApp::start().await;
    let cab = app.user("cab").clone();
    let mut b = app.browser();

    let page = b.get("/portal/").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), Some("/portal/login"));

    let page = b.open("/portal/login").await;
    assert_eq!(page.status, StatusCode::OK);
    for id in ["login", "username", "password", "login-submit"] {
        assert!(page.body.contains(&format!("id=\"{id}\"")), "#{id} missing");
    }

    // Password: the user has no authenticator yet, so enrolment comes next; the dashboard stays closed.
    let page = b.post("/portal/login", &[("username", &cab.username), ("password", &cab.password)]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.flash());
    assert_eq!(page.location(), Some("/portal/totp/enrol"));
    assert!(b.cookies.contains_key(SESSION_COOKIE));
    let cookie = page.header("set-cookie").unwrap();
    assert!(cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    assert_eq!(b.get("/portal/").await.location(), Some("/portal/totp/enrol"));

    let page = b.open("/portal/totp/enrol").await;
    assert!(page.body.contains("id=\"totp-qr\"") && page.body.contains("<svg"), "the QR code is inline SVG");
    let secret = secret_of(&page);
    // A wrong code does not enrol; the page shows the same secret again.
    let page = b.post("/portal/totp/enrol", &[("code", &wrong_code(&secret))]).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.flash().contains("The code is wrong"), "{}", page.flash());
    assert_eq!(secret_of(&page), secret);

    let enrol_code = code_at(&secret, OffsetDateTime::now_utc());
    let page = b.post("/portal/totp/enrol", &[("code", &enrol_code)]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.flash());
    assert_eq!(page.body.matches("<li><code>").count(), 10, "ten recovery codes");
    assert!(page.body.contains("id=\"continue\""));
    let recovery = recovery_codes(&page);

    let page = b.get("/portal/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<main id=\"dashboard\""));
    assert!(page.body.contains("id=\"logout\""));

    // Logout ends the session on the hub, not only in the browser.
    let old_session = b.cookies.get(SESSION_COOKIE).cloned().unwrap();
    let page = b.post("/portal/logout", &[]).await;
    assert_eq!(page.location(), Some("/portal/login?notice=logged-out"));
    assert!(!b.cookies.contains_key(SESSION_COOKIE));
    let page = b.open("/portal/login?notice=logged-out").await;
    assert!(page.flash().contains("You have logged out."), "{}", page.body);
    b.cookies.insert(SESSION_COOKIE.into(), old_session.clone());
    assert_eq!(b.get("/portal/").await.location(), Some("/portal/login?error=session-expired"));
    assert!(!b.cookies.contains_key(SESSION_COOKIE), "the dead session's cookie is removed");
    b.cookies.insert(SESSION_COOKIE.into(), old_session);
    let page = b.open("/portal/").await;
    assert!(page.flash().contains("Your session has expired"), "{}", page.flash());

    // Password again, then the second factor.
    let page = b.post("/portal/login", &[("username", &cab.username), ("password", &cab.password)]).await;
    assert_eq!(page.location(), Some("/portal/login/totp"));
    let page = b.open("/portal/login/totp").await;
    assert!(page.body.contains("id=\"code\"") && page.body.contains("id=\"totp-submit\""));
    assert_eq!(b.get("/portal/").await.location(), Some("/portal/login/totp"), "no dashboard on a password alone");

    let page = b.post("/portal/login/totp", &[("code", &enrol_code)]).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.flash().contains("already been used"), "replayed code: {}", page.flash());
    let page = b.post("/portal/login/totp", &[("code", &wrong_code(&secret))]).await;
    assert!(page.flash().contains("The code is wrong"), "{}", page.flash());
    let page = b.post("/portal/login/totp", &[("code", "")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.flash().contains("Enter the code"), "{}", page.flash());

    // The next step's code is within the accepted window and newer than the enrolment's.
    let pending = b.cookies.get(SESSION_COOKIE).cloned().unwrap();
    let next = code_at(&secret, OffsetDateTime::now_utc() + Duration::seconds(30));
    let page = b.post("/portal/login/totp", &[("code", &next)]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.flash());
    assert_eq!(page.location(), Some("/portal/"));
    assert_ne!(b.cookies.get(SESSION_COOKIE), Some(&pending), "the session token rotates at the second factor");
    assert_eq!(b.get("/portal/").await.status, StatusCode::OK);

    // A recovery code works once, in a fresh browser.
    let mut other = app.browser();
    other.open("/portal/login").await;
    other.post("/portal/login", &[("username", &cab.username), ("password", &cab.password)]).await;
    let page = other.post("/portal/login/totp", &[("code", &recovery[0])]).await;
    assert_eq!(page.location(), Some("/portal/"), "{}", page.flash());
    let mut third = app.browser();
    third.open("/portal/login").await;
    third.post("/portal/login", &[("username", &cab.username), ("password", &cab.password)]).await;
    let page = third.post("/portal/login/totp", &[("code", &recovery[0])]).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED, "a recovery code is single use");
}

#[tokio::test]
async fn a_wrong_password_is_refused_in_the_users_language() {
    let app = TestApp::start().await;
    let customs = app.user("customs").clone();
    let mut b = app.browser();
    b.open("/portal/login").await;
    let page =
        b.post("/portal/login", &[("username", &customs.username), ("password", "not the password at all")]).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.flash().contains("The username or the password is wrong."), "{}", page.flash());
    assert!(page.body.contains("class=\"flash error\""));
    assert!(page.body.contains(&format!("value=\"{}\"", customs.username)), "the username is kept");
    assert!(!page.body.contains("not the password at all"), "the password is never echoed");
    assert!(!b.cookies.contains_key(SESSION_COOKIE));

    // The same in Russian, chosen by the browser's language.
    b.accept_language = Some("ru-RU,ru;q=0.9,en;q=0.5".into());
    let page = b.post("/portal/login", &[("username", "nobody-here"), ("password", "whatever-it-is")]).await;
    assert!(page.body.contains("<html lang=\"ru\""));
    assert!(page.flash().contains("Неверное имя пользователя или пароль."), "{}", page.flash());
    let page = b.post("/portal/login", &[("username", ""), ("password", "")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.flash().contains("Введите имя пользователя и пароль."), "{}", page.flash());
}

#[tokio::test]
async fn repeated_failures_lock_the_account_with_a_readable_message() {
    let app = TestApp::start().await;
    let op = app.user("operator").clone();
    let mut b = app.browser();
    b.open("/portal/login").await;
    for _ in 0..5 {
        b.post("/portal/login", &[("username", &op.username), ("password", "wrong password, again")]).await;
    }
    let page = b.post("/portal/login", &[("username", &op.username), ("password", &op.password)]).await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.flash().contains("this account is locked until"), "{}", page.flash());
    assert!(page.flash().contains("UTC"), "the time the lock ends: {}", page.flash());
}

#[tokio::test]
async fn a_garbage_session_cookie_is_an_expired_session() {
    let app = TestApp::start().await;
    let mut b = app.browser();
    b.cookies.insert(SESSION_COOKIE.into(), "not-a-token".into());
    assert_eq!(b.get("/portal/").await.location(), Some("/portal/login?error=session-expired"));
    assert_eq!(b.get("/portal/login/totp").await.location(), Some("/portal/login"));
    // The second-factor form without a session goes back to the password.
    b.open("/portal/login").await;
    let page = b.post("/portal/login/totp", &[("code", "123456")]).await;
    assert_eq!(page.location(), Some("/portal/login?error=session-expired"));
}

/// The `action` of `form#<id>` on the page, unescaped.
fn action(page: &crate::harness::Page, id: &str) -> String {
    unescape(attr(page.tag(id).unwrap_or_else(|| panic!("form#{id}")), "action").unwrap())
}

#[tokio::test]
async fn the_sign_in_lands_on_the_page_that_was_asked_for() {
    let app = TestApp::start().await;
    let customs = app.user("customs").clone();
    let (user, password) = (customs.username.as_str(), customs.password.as_str());
    let wanted = "/portal/inbox?hs_prefix=84&document_type=TR";
    let next = "next=%2Fportal%2Finbox%3Fhs_prefix%3D84%26document_type%3DTR";
    let mut b = app.browser();

    // The page asked for rides along every step: login, password, enrolment, and the link after the codes.
    let page = b.get(wanted).await;
    assert_eq!(page.location(), Some(format!("/portal/login?{next}").as_str()));
    let page = b.open(page.location().unwrap()).await;
    assert_eq!(action(&page, "login"), format!("/portal/login?{next}"));
    let page = b.post(&action(&page, "login"), &[("username", user), ("password", password)]).await;
    assert_eq!(page.location(), Some(format!("/portal/totp/enrol?{next}").as_str()), "{}", page.flash());
    assert_eq!(b.get("/portal/inbox").await.location(), Some("/portal/totp/enrol?next=%2Fportal%2Finbox"));
    let page = b.open(&format!("/portal/totp/enrol?{next}")).await;
    let code = code_at(&secret_of(&page), OffsetDateTime::now_utc());
    let page = b.post(&action(&page, "enrol"), &[("code", &code)]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.flash());
    let recovery = recovery_codes(&page);
    let continue_link = unescape(attr(page.tag("continue").unwrap(), "href").unwrap());
    assert_eq!(continue_link, wanted);
    let page = b.get(&continue_link).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("value=\"84\""), "the inbox with its filter");

    // An ended session keeps the page too; a form posted with it does not (it would be replayed as a GET).
    let session = b.cookies.get(SESSION_COOKIE).cloned().unwrap();
    b.post("/portal/logout", &[]).await;
    b.cookies.insert(SESSION_COOKIE.into(), session.clone());
    let page = b.get("/portal/inbox").await;
    assert_eq!(page.location(), Some("/portal/login?error=session-expired&next=%2Fportal%2Finbox"));
    b.cookies.insert(SESSION_COOKIE.into(), session);
    let page = b.post("/portal/users", &[("username", "x")]).await;
    assert_eq!(page.location(), Some("/portal/login?error=session-expired"));

    // Password, then the second factor on a later visit: it lands on the page, not on the dashboard.
    let page = b.open(wanted).await;
    let page = b.post(&action(&page, "login"), &[("username", user), ("password", password)]).await;
    assert_eq!(page.location(), Some(format!("/portal/login/totp?{next}").as_str()));
    assert_eq!(b.get(wanted).await.location(), Some(format!("/portal/login/totp?{next}").as_str()));
    let page = b.open(&format!("/portal/login/totp?{next}")).await;
    assert_eq!(action(&page, "totp"), format!("/portal/login/totp?{next}"));
    // A wrong code keeps the page for the next try.
    let page = b.post(&action(&page, "totp"), &[("code", "000000x")]).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert_eq!(action(&page, "totp"), format!("/portal/login/totp?{next}"));
    let page = b.post(&action(&page, "totp"), &[("code", &recovery[0])]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.flash());
    assert_eq!(page.location(), Some(wanted));
    assert_eq!(b.get(wanted).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_next_page_off_the_portal_is_ignored() {
    let app = TestApp::start().await;
    let cab = app.user("cab").clone();
    let (user, password) = (cab.username.as_str(), cab.password.as_str());
    let hostile = [
        "//evil.example",
        "https://evil.example",
        "/\\evil.example",
        "/portal/../x",
        "/portal/%2e%2e/x",
        "/portal//evil.example",
        "javascript:alert(1)",
    ];
    let query = |next: &str| serde_urlencoded::to_string([("next", next)]).unwrap();
    let mut b = app.browser();

    // Enrolment: the link after the recovery codes goes to the dashboard.
    let first = query(hostile[0]);
    let page = b.open(&format!("/portal/login?{first}")).await;
    assert_eq!(action(&page, "login"), "/portal/login");
    let page = b.post(&format!("/portal/login?{first}"), &[("username", user), ("password", password)]).await;
    assert_eq!(page.location(), Some("/portal/totp/enrol"));
    let page = b.open(&format!("/portal/totp/enrol?{first}")).await;
    assert_eq!(action(&page, "enrol"), "/portal/totp/enrol");
    let code = code_at(&secret_of(&page), OffsetDateTime::now_utc());
    let page = b.post(&format!("/portal/totp/enrol?{first}"), &[("code", &code)]).await;
    assert_eq!(attr(page.tag("continue").unwrap(), "href"), Some("/portal/"));
    let recovery = recovery_codes(&page);

    // The second factor: every hostile page lands on the dashboard, and is never echoed into a link.
    for (next, code) in hostile.iter().zip(&recovery) {
        b.post("/portal/logout", &[]).await;
        let q = query(next);
        let page = b.open(&format!("/portal/login?{q}")).await;
        assert_eq!(action(&page, "login"), "/portal/login", "{next}");
        // Every link stays on the portal (the language links carry the query, which the next step checks again).
        for link in page.attrs("href").iter().chain(&page.attrs("action")) {
            assert!(
                link.starts_with('#') || link.starts_with("/portal/") || link == "/static/portal.css",
                "{next}: {link}"
            );
        }
        let page = b.post(&format!("/portal/login?{q}"), &[("username", user), ("password", password)]).await;
        assert_eq!(page.location(), Some("/portal/login/totp"), "{next}");
        let page = b.open(&format!("/portal/login/totp?{q}")).await;
        assert_eq!(action(&page, "totp"), "/portal/login/totp", "{next}");
        let page = b.post(&format!("/portal/login/totp?{q}"), &[("code", code)]).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{next}: {}", page.flash());
        assert_eq!(page.location(), Some("/portal/"), "{next}");
    }
}
