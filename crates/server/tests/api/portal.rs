//! The portal as the server mounts it: the per-address throttle on its sign-in POSTs, which the server applies
//! before the portal's own layer (the portal's pages themselves are tested in `ecert-portal` and in the browser
//! suite).

use crate::app::{Options, TestApp};

async fn post_login(app: &TestApp, path: &str, lang: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let res = app
        .client
        .post(format!("{}{path}", app.base))
        .header("accept-language", lang)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=cab&password=a+wrong+password")
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.text().await.unwrap())
}

#[tokio::test]
async fn sign_in_floods_from_one_address_get_a_translated_429() {
    let limits = ecert_server::HttpLimits {
        login_rate_limit: ecert_server::RateLimit { per_minute: 1, burst: 3, max_clients: 100 },
        ..Default::default()
    };
    let app = TestApp::start_with(Options { limits, ..Options::default() }).await;
    let log = app.log_size().await;
    // Within the burst the portal answers itself (no CSRF token here, so it refuses the form).
    for _ in 0..3 {
        assert_eq!(post_login(&app, "/portal/login", "en").await.0, 403);
    }
    let (status, headers, html) = post_login(&app, "/portal/login", "ru").await;
    assert_eq!(status, 429);
    assert!(headers["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    assert!(headers["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
    assert!(html.contains("<html lang=\"ru\""), "{html}");
    // The second-factor step shares the bucket: a password guess cannot move on to code guesses.
    assert_eq!(post_login(&app, "/portal/login/totp", "en").await.0, 429);
    // Reading the login page is not limited, and nothing was attempted, so nothing was audited.
    let page = app.client.get(format!("{}/portal/login", app.base)).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert_eq!(app.log_size().await, log);
}
