//! Headers, CSRF, escaping, language choice and the shared error pages.

use crate::harness::TestApp;
use reqwest::StatusCode;

const CSP: &str =
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::start().await;
    let mut b = app.browser();
    for path in ["/portal/login", "/portal/", "/portal/no/such/page", "/static/portal.css", "/"] {
        let page = b.get(path).await;
        assert_eq!(page.header("content-security-policy"), Some(CSP), "{path}");
        assert_eq!(page.header("x-content-type-options"), Some("nosniff"), "{path}");
        assert_eq!(page.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(page.header("referrer-policy"), Some("no-referrer"), "{path}");
    }
    let page = b.get("/portal/no/such/page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.flash().contains("This page does not exist."));
    assert_eq!(b.get("/").await.location(), Some("/portal/"));
    let css = b.get("/static/portal.css").await;
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert!(css.body.contains(":focus-visible"));
    let login = b.get("/portal/login").await;
    assert_eq!(login.header("cache-control"), Some("no-store"));
    assert!(!login.body.contains("<script"), "no script anywhere");
    assert!(login.body.contains("class=\"skip-link\" href=\"#main\""));
    assert!(login.body.contains("<label for=\"username\">") && login.body.contains("<label for=\"password\">"));
}

#[tokio::test]
async fn posts_without_the_csrf_token_change_nothing() {
    let app = TestApp::start().await;
    let cab = app.user("cab").clone();
    let mut b = app.browser();
    b.open("/portal/login").await;
    let before = app.log_size().await;

    // No token, a wrong token, and a token without its cookie are all refused before the password is checked.
    let page = b.post_raw("/portal/login", &[("username", &cab.username), ("password", &cab.password)]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.flash().contains("security token"), "{}", page.flash());
    let page = b
        .post_raw(
            "/portal/login",
            &[
                ("csrf", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
                ("username", &cab.username),
                ("password", &cab.password),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let token = b.csrf();
    b.cookies.remove("__Host-ecert_csrf");
    let page = b
        .post_raw("/portal/login", &[("csrf", &token), ("username", &cab.username), ("password", &cab.password)])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(!b.cookies.contains_key("__Host-ecert_session"), "no session was started");
    assert_eq!(app.log_size().await, before, "no login was even attempted (it would be audited)");

    // In Russian too.
    b.accept_language = Some("ru".into());
    let page = b.post_raw("/portal/login", &[("username", "x"), ("password", "y")]).await;
    assert!(page.flash().contains("защитный код"), "{}", page.flash());

    // A POST from another site is refused even with a valid token.
    b.open("/portal/login").await;
    let fields = [("username", cab.username.as_str()), ("password", cab.password.as_str())];
    let page = b.post_with_headers("/portal/login", &fields, &[("origin", "https://evil.example")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = b.post_with_headers("/portal/login", &fields, &[("sec-fetch-site", "cross-site")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(!b.cookies.contains_key("__Host-ecert_session"));
    // The same request from the portal's own origin goes through.
    let origin = b.base_origin();
    let page =
        b.post_with_headers("/portal/login", &fields, &[("origin", &origin), ("sec-fetch-site", "same-origin")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.flash());
}

#[tokio::test]
async fn what_users_type_is_escaped() {
    let app = TestApp::start().await;
    let mut b = app.browser();
    b.open("/portal/login").await;
    let page = b.post("/portal/login", &[("username", "<script>alert(1)</script>\"'"), ("password", "x")]).await;
    assert!(!page.body.contains("<script>alert(1)"), "{}", page.body);
    assert!(
        page.body.contains("&#60;script&#62;alert(1)&#60;/script&#62;") || page.body.contains("&lt;script&gt;alert(1)"),
        "{}",
        page.body
    );
    // A crafted flash name shows nothing; a known one shows the portal's own text.
    let page = b.get("/portal/login?error=%3Cscript%3Ealert(1)%3C/script%3E").await;
    assert!(!page.body.contains("id=\"flash\""));
    assert!(!page.body.contains("alert(1)"));
}

#[tokio::test]
async fn the_language_comes_from_the_switcher_then_the_cookie_then_the_browser() {
    let app = TestApp::start().await;
    let mut b = app.browser();
    let page = b.get("/portal/login").await;
    assert!(page.body.contains("<html lang=\"en\""));
    assert!(page.body.contains("id=\"lang-en\"") && page.body.contains("id=\"lang-ru\""));
    assert!(page.body.contains("href=\"/portal/login?lang=ru\""));
    let page = b.get("/portal/login?lang=ru").await;
    assert!(page.body.contains("<html lang=\"ru\""));
    assert!(page.body.contains("Имя пользователя"));
    assert_eq!(b.cookies.get("ecert_lang").map(String::as_str), Some("ru"));
    // The cookie keeps the choice, over the browser's preference.
    b.accept_language = Some("en".into());
    assert!(b.get("/portal/login").await.body.contains("<html lang=\"ru\""));
    let mut fresh = app.browser();
    fresh.accept_language = Some("ru-RU, en;q=0.5".into());
    assert!(fresh.get("/portal/login").await.body.contains("<html lang=\"ru\""));
}

#[tokio::test]
async fn the_throttle_page_is_translated() {
    let mut headers = axum::http::HeaderMap::new();
    headers.insert("accept-language", "ru".parse().unwrap());
    let response = ecert_portal::too_many_requests(&headers, std::time::Duration::from_secs(30));
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers()["retry-after"], "30");
    assert_eq!(response.headers()["content-security-policy"], CSP);
    let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    let body = String::from_utf8(body.to_vec()).unwrap();
    assert!(body.contains("Слишком много попыток"), "{body}");
    assert_eq!(ecert_portal::LOGIN_PATHS, ["/portal/login", "/portal/login/totp"]);
}
