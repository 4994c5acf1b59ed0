//! One Chromium session through chromedriver: a fresh profile and download directory per session, the flags
//! of the contract, and the few page operations the flows need (each waits for the page a click leads to).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use thirtyfour::components::SelectElement;
use thirtyfour::prelude::*;

/// Where chromedriver listens; `.ci/browser.sh` starts one and sets it. The suite fails without it: a browser
/// suite that silently skips proves nothing.
pub const DRIVER_ENV: &str = "ECERT_CHROMEDRIVER_URL";

/// How long an element may take to appear after a navigation.
const ELEMENT_WAIT: Duration = Duration::from_secs(10);

/// Screenshots grow with the page up to this many pixels.
const MAX_SCREENSHOT_HEIGHT: i64 = 4000;

const CHROMIUM_FLAGS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1100",
];

pub fn driver_url() -> String {
    match std::env::var(DRIVER_ENV) {
        Ok(url) if !url.trim().is_empty() => url,
        _ => panic!("{DRIVER_ENV} is not set: start chromedriver (see .ci/browser.sh) and point {DRIVER_ENV} at it"),
    }
}

/// `<target dir>/screenshots`: `CARGO_TARGET_DIR` when set, else the workspace's `target/`.
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub struct Browser {
    pub driver: WebDriver,
    base: String,
    test: String,
    downloads: tempfile::TempDir,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts Chromium for the test named `test` (the prefix of its screenshots) against the server at `base`.
    pub async fn open(base: &str, test: &str) -> Self {
        let profile = tempfile::tempdir().unwrap();
        let downloads = tempfile::tempdir().unwrap();
        let mut caps = DesiredCapabilities::chrome();
        for flag in CHROMIUM_FLAGS {
            caps.add_arg(flag).unwrap();
        }
        caps.add_arg(&format!("--user-data-dir={}", profile.path().display())).unwrap();
        caps.add_arg("--lang=en-US").unwrap();
        if let Ok(binary) = std::env::var("ECERT_CHROMIUM_BIN") {
            caps.set_binary(&binary).unwrap();
        }
        caps.add_experimental_option(
            "prefs",
            serde_json::json!({
                "intl.accept_languages": "en-US,en",
                "download.default_directory": downloads.path().display().to_string(),
                "download.prompt_for_download": false,
                "plugins.always_open_pdf_externally": true,
            }),
        )
        .unwrap();
        let driver = WebDriver::new(driver_url(), caps)
            .await
            .unwrap_or_else(|e| panic!("no Chromium session from chromedriver at {}: {e}", driver_url()));
        driver.set_implicit_wait_timeout(ELEMENT_WAIT).await.unwrap();
        Self { driver, base: base.to_owned(), test: test.to_owned(), downloads, _profile: profile }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn goto(&self, path: &str) {
        self.driver.goto(self.url(path)).await.unwrap();
    }

    /// The path and query of the current page.
    pub async fn path(&self) -> String {
        let url = self.driver.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    pub async fn find(&self, css: &str) -> WebElement {
        match self.driver.find(By::Css(css)).await {
            Ok(element) => element,
            Err(e) => panic!("no {css} on {}: {e}", self.path_or_unknown().await),
        }
    }

    pub async fn find_all(&self, css: &str) -> Vec<WebElement> {
        self.driver.find_all(By::Css(css)).await.unwrap()
    }

    /// Whether the current page has `css`, without waiting for it to appear.
    pub async fn has(&self, css: &str) -> bool {
        let script = "return document.querySelector(arguments[0]) !== null;";
        let found = self.driver.execute(script, vec![serde_json::json!(css)]).await.unwrap();
        found.json().as_bool().unwrap_or(false)
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap()
    }

    pub async fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.find(css).await.attr(name).await.unwrap()
    }

    /// Replaces the value of the text input `css`.
    pub async fn fill(&self, css: &str, value: &str) {
        let input = self.find(css).await;
        input.clear().await.unwrap();
        input.send_keys(value).await.unwrap();
    }

    /// Sets a value the keyboard cannot type portably (a date input's format depends on the browser's locale).
    pub async fn set_value(&self, css: &str, value: &str) {
        let input = self.find(css).await;
        let script = "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change'));";
        self.driver.execute(script, vec![input.to_json().unwrap(), serde_json::json!(value)]).await.unwrap();
    }

    pub async fn select(&self, css: &str, value: &str) {
        SelectElement::new(&self.find(css).await).await.unwrap().select_by_value(value).await.unwrap_or_else(|e| {
            panic!("no option {value:?} in {css}: {e}");
        });
    }

    /// Gives the file input `css` a file to upload.
    pub async fn choose_file(&self, css: &str, file: &Path) {
        self.find(css).await.send_keys(file.display().to_string()).await.unwrap();
    }

    /// Clicks `css` and waits until the browser has left the current document (a form post or a link).
    pub async fn click_and_wait(&self, css: &str) {
        let old = self.driver.find(By::Css("html")).await.unwrap();
        self.find(css).await.click().await.unwrap();
        let deadline = Instant::now() + ELEMENT_WAIT;
        while old.is_present().await.unwrap_or(false) {
            assert!(Instant::now() < deadline, "clicking {css} on {} led nowhere", self.path_or_unknown().await);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.wait_loaded().await;
    }

    /// Runs `script` (which navigates, e.g. by submitting a form it builds) and waits for the next page.
    pub async fn run_and_wait(&self, script: &str, args: Vec<serde_json::Value>) {
        let old = self.driver.find(By::Css("html")).await.unwrap();
        self.driver.execute(script, args).await.unwrap();
        let deadline = Instant::now() + ELEMENT_WAIT;
        while old.is_present().await.unwrap_or(false) {
            assert!(Instant::now() < deadline, "the script did not navigate");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.wait_loaded().await;
    }

    /// The value of a cookie of the current site, HttpOnly ones included (WebDriver sees them all).
    pub async fn cookie(&self, name: &str) -> Option<String> {
        self.driver.get_named_cookie(name).await.ok().map(|c| c.value)
    }

    async fn wait_loaded(&self) {
        let deadline = Instant::now() + ELEMENT_WAIT;
        loop {
            let state = self.driver.execute("return document.readyState;", Vec::new()).await;
            if state.is_ok_and(|s| s.json().as_str() == Some("complete")) {
                return;
            }
            assert!(Instant::now() < deadline, "the page did not finish loading");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The `id` of the focused element.
    pub async fn active_element_id(&self) -> Option<String> {
        let id = self.driver.execute("return document.activeElement && document.activeElement.id;", Vec::new()).await;
        id.ok().and_then(|v| v.json().as_str().map(str::to_owned)).filter(|s| !s.is_empty())
    }

    /// The `class` of the focused element.
    pub async fn active_element_class(&self) -> Option<String> {
        let class =
            self.driver.execute("return document.activeElement && document.activeElement.className;", Vec::new()).await;
        class.ok().and_then(|v| v.json().as_str().map(str::to_owned)).filter(|s| !s.is_empty())
    }

    /// `<html lang>` of the current page.
    pub async fn html_lang(&self) -> String {
        self.attr("html", "lang").await.unwrap_or_default()
    }

    /// The visible text of the whole page.
    pub async fn page_text(&self) -> String {
        self.text("body").await
    }

    /// Saves the whole page (up to a bound) as `<target>/screenshots/<test>-<page>.png`: the window grows to
    /// the page's height for the shot, then returns to its size.
    pub async fn screenshot(&self, page: &str) -> PathBuf {
        let path = screenshot_dir().join(format!("{}-{page}.png", self.test));
        let script = "return [document.documentElement.scrollHeight, window.outerHeight - window.innerHeight];";
        let sizes = self.driver.execute(script, Vec::new()).await.unwrap();
        let sizes: Vec<i64> = serde_json::from_value(sizes.json().clone()).unwrap_or_default();
        let window = self.driver.get_window_rect().await.unwrap();
        if let [page_height, frame] = sizes[..] {
            let height = (page_height + frame).clamp(window.height, MAX_SCREENSHOT_HEIGHT);
            self.driver.set_window_rect(window.x, window.y, window.width as u32, height as u32).await.unwrap();
        }
        self.driver.screenshot(&path).await.unwrap();
        self.driver.set_window_rect(window.x, window.y, window.width as u32, window.height as u32).await.unwrap();
        path
    }

    /// Waits for a finished download and returns its name and bytes.
    pub async fn downloaded_file(&self) -> (String, Vec<u8>) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let finished: Vec<PathBuf> = std::fs::read_dir(self.downloads.path())
                .unwrap()
                .map(|e| e.unwrap().path())
                // In progress: `*.crdownload`, and before that a hidden `.org.chromium.*` temporary file.
                .filter(|p| p.extension().is_none_or(|x| x != "crdownload" && x != "tmp"))
                .filter(|p| !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
                .collect();
            if let [file] = finished.as_slice() {
                let name = file.file_name().unwrap().to_string_lossy().into_owned();
                return (name, std::fs::read(file).unwrap());
            }
            assert!(finished.len() <= 1, "several downloads: {finished:?}");
            assert!(Instant::now() < deadline, "no download finished in {}", self.downloads.path().display());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn path_or_unknown(&self) -> String {
        match self.driver.current_url().await {
            Ok(url) => url.to_string(),
            Err(_) => "<unknown page>".to_owned(),
        }
    }

    pub async fn quit(self) {
        self.driver.quit().await.unwrap();
    }
}
