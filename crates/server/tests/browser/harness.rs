//! The harness itself: Chromium reaches the in-process hub over TCP, renders its public pages, and screenshots
//! land where a person can look at them.

use crate::app::BrowserApp;
use crate::browser::Browser;

#[tokio::test]
async fn chromium_renders_the_health_check_and_the_public_page() {
    let app = BrowserApp::start().await;
    let browser = Browser::open(&app.base, "harness").await;

    browser.goto("/healthz").await;
    assert_eq!(browser.page_text().await, "ok");

    // An unknown token: the neutral "not available" page, in English by default and Russian by `?lang=ru`.
    browser.goto("/v/0000000000000000000000000000000000000000000").await;
    assert_eq!(browser.html_lang().await, "en");
    assert!(browser.page_text().await.contains("No information is available for this reference."));
    let shot = browser.screenshot("public-page").await;
    assert!(std::fs::metadata(&shot).unwrap().len() > 1000, "{} is not a real screenshot", shot.display());

    browser.click_and_wait("a[hreflang=ru]").await;
    assert_eq!(browser.html_lang().await, "ru");
    assert!(browser.path().await.ends_with("?lang=ru"));
    browser.screenshot("public-page-ru").await;
    browser.quit().await;
}
