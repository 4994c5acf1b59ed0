//! End-to-end tests of the portal in Debian's Chromium, driven through chromedriver (WebDriver). Each test starts
//! its own hub (`app::BrowserApp`) and browser sessions (`browser::Browser`); screenshots of the main pages go to
//! `<target dir>/screenshots/<test>-<page>.png`.
//!
//! Run with `.ci/browser.sh`, which starts chromedriver and sets `ECERT_CHROMEDRIVER_URL`; without that variable
//! every browser test fails.

mod app;
mod browser;
mod documents;
mod forms;
mod locales;
mod portal;
mod totp;

mod auth;
mod bad_input;
mod flow;
mod harness;
