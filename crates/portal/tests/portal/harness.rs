//! The one harness of the portal tests: a hub with the demo participants and the test PKI behind the portal on
//! 127.0.0.1 over real TCP ([`TestApp`]), a cookie-keeping client ([`Browser`]) and the string helpers that read
//! an answer ([`Page`]).

use ecert_domain::auth::{Credential, Principal};
use ecert_domain::ids::{ExchangeId, InstitutionId};
use ecert_domain::institution::{LifecycleStatus, NewInstitution, Role};
use ecert_domain::user::NewUser;
use ecert_hub::demo::{DemoCredentials, DemoUser};
use ecert_hub::exchange::{PushRequest, Submission};
use ecert_hub::users::{UserServices, UserSettings, totp};
use ecert_hub::{ExchangeServices, ExchangeSettings, Hub};
use ecert_pki::testpki::{TestPki, TestSigner};
use ecert_portal::PortalConfig;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use std::collections::BTreeMap;
use time::OffsetDateTime;

pub const SESSION_COOKIE: &str = "__Host-ecert_session";
pub const CSRF_COOKIE: &str = "__Host-ecert_csrf";
pub const LANG_COOKIE: &str = "ecert_lang";

/// The portal's upload limit in these tests: small, so that "too large" is cheap to provoke.
pub const MAX_UPLOAD: usize = 2 * 1024 * 1024;

/// A hub with the demo participants (and the test PKI, so signed PDFs are trusted) behind the portal.
pub struct TestApp {
    pub base: String,
    pub hub: Hub,
    pub demo: DemoCredentials,
    pub pki: &'static TestPki,
    _dir: tempfile::TempDir,
    _server: tokio::task::JoinHandle<()>,
}

impl TestApp {
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = ecert_store::open(None, dir.path()).await.expect("open SQLite store");
        let log_key = ecert_hub::load_or_create_log_key(dir.path(), "test.ecert.local/log").expect("log key");
        let exchange = ExchangeServices::for_data_dir(dir.path(), ExchangeSettings::default()).expect("exchange");
        let users = UserServices::for_data_dir(dir.path(), UserSettings::default()).expect("users");
        let hub = Hub::new(store, log_key, exchange).with_users(users);
        let pki = TestPki::shared().expect("test PKI");
        let demo = hub.seed_demo(Some(pki)).await.expect("seed demo");
        let config = PortalConfig { max_upload_bytes: MAX_UPLOAD, public_base_url: "https://hub.example.org".into() };
        let router = ecert_portal::router(hub.clone(), config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        Self { base, hub, demo, pki, _dir: dir, _server: server }
    }

    /// The demo user named `username` (with the password `seed_demo` gave it).
    pub fn user(&self, username: &str) -> &DemoUser {
        self.demo.users.iter().find(|u| u.username == username).expect("demo user")
    }

    pub fn operator_id(&self) -> InstitutionId {
        self.user("operator").institution
    }

    pub fn cab_id(&self) -> InstitutionId {
        self.demo.cab_id.parse().unwrap()
    }

    pub fn receiver_id(&self) -> InstitutionId {
        self.demo.receiver_id.parse().unwrap()
    }

    /// The operator acting as `ecert admin` would: to set up what a test needs without the pages under test.
    pub fn admin(&self) -> Principal {
        ecert_hub::demo::local_admin(self.operator_id())
    }

    /// A browser with no cookies at all.
    pub fn browser(&self) -> Browser {
        Browser::new(&self.base)
    }

    /// A browser signed in (through the pages, enrolling TOTP) as a user who has not signed in before.
    pub async fn login(&self, username: &str, password: &str) -> Browser {
        let mut browser = self.browser();
        browser.sign_in(username, password).await;
        browser
    }

    /// [`TestApp::login`] as the demo user `username`.
    pub async fn login_demo(&self, username: &str) -> Browser {
        let password = self.user(username).password.clone();
        self.login(username, &password).await
    }

    /// Creates and activates an institution with the given roles in `country`.
    pub async fn institution(&self, country: &str, name: &str, roles: &[Role]) -> InstitutionId {
        let new = NewInstitution {
            country: country.into(),
            name: name.into(),
            roles: roles.iter().map(|r| r.code().to_owned()).collect(),
            contacts: vec![],
        };
        let (view, _) = self.hub.create_institution(&self.admin(), new).await.expect("institution");
        let id = view.institution.id;
        self.hub.set_institution_status(&self.admin(), id, LifecycleStatus::Active).await.expect("activate");
        id
    }

    /// Creates a user and signs them in.
    pub async fn create_user(&self, institution: InstitutionId, username: &str, roles: &[Role]) -> Browser {
        let password = format!("{username}-correct-horse-battery");
        let new = NewUser {
            institution,
            username: username.into(),
            display_name: format!("User {username}"),
            roles: roles.to_vec(),
            password: password.clone(),
        };
        self.hub.create_user(&self.admin(), new).await.expect("user");
        self.login(username, &password).await
    }

    /// The demo CAB pushes a signed test report numbered `number`, addressed to `receiver` when given (else to
    /// every eligible receiving authority). Returns the submission and the PDF as pushed.
    pub async fn push(&self, number: &str, receiver: Option<InstitutionId>) -> (Submission, Vec<u8>) {
        let (sample, mut metadata) = ecert_hub::demo::demo_test_report(number, self.hub.now().date());
        metadata.receiving_authority = receiver;
        let credentials = &self.pki.signer(TestSigner::ValidRsa).credentials;
        let pdf = ecert_pdf::sign::sign_pdf(
            &ecert_pdf::samples::generate(&sample),
            &ecert_pdf::sign::SignOptions::new(credentials),
        )
        .expect("sign");
        let cab =
            Principal { institution: self.cab_id(), roles: vec![Role::IssuingCab], credential: Credential::LocalAdmin };
        let request = PushRequest { metadata, pdf: pdf.clone().into(), idempotency_key: None };
        (self.hub.push_document(&cab, request).await.expect("push"), pdf)
    }

    /// The exchange of `submission` addressed to `receiver`.
    pub fn exchange_of(submission: &Submission, receiver: InstitutionId) -> ExchangeId {
        submission.exchanges.iter().find(|x| x.receiver == receiver).expect("exchange for receiver").id
    }

    /// The number of audit events: every accepted write adds one, so an unchanged count proves nothing was stored.
    pub async fn log_size(&self) -> u64 {
        self.hub.store().log_size().await.unwrap()
    }
}

/// One answer as the browser got it.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    /// The redirect target, when there is one.
    pub fn location(&self) -> Option<&str> {
        self.header(LOCATION.as_str())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn has(&self, text: &str) -> bool {
        self.body.contains(text)
    }

    /// The opening tag of the element with `id`.
    pub fn tag(&self, id: &str) -> Option<&str> {
        tag_with_id(&self.body, id)
    }

    /// The text content of the element with `id` (up to the next tag), `&` unescaped.
    pub fn text_of(&self, id: &str) -> Option<String> {
        let (_, end) = tag_span(&self.body, id)?;
        let rest = &self.body[end + 1..];
        let text = &rest[..rest.find('<')?];
        Some(unescape(text.trim()))
    }

    /// The text of `div#flash` (tags stripped, spaces collapsed), empty when there is none.
    pub fn flash(&self) -> String {
        let Some(at) = self.body.find("id=\"flash\"") else { return String::new() };
        let end = self.body[at..].find("</div>").map(|e| at + e).unwrap_or(self.body.len());
        strip_tags(&self.body[at..end])
    }

    /// Every value of attribute `name` on the page, in order.
    pub fn attrs(&self, name: &str) -> Vec<String> {
        all_attrs(&self.body, name)
    }

    /// Asserts that every POST form on the page carries the CSRF field with the browser's token.
    pub fn assert_forms_have_csrf(&self, token: &str) {
        let field = format!("name=\"csrf\" value=\"{token}\"");
        for form in self.body.split("<form").skip(1) {
            let form = &form[..form.find("</form>").unwrap_or(form.len())];
            if form.contains("method=\"post\"") {
                assert!(form.contains(&field), "a POST form without the CSRF field: <form{form}");
            }
        }
    }
}

/// Where the opening tag of the element with `id` starts and ends (the index of its `>`).
fn tag_span(html: &str, id: &str) -> Option<(usize, usize)> {
    let at = html.find(&format!(" id=\"{id}\""))?;
    let start = html[..at].rfind('<')?;
    let end = at + html[at..].find('>')?;
    Some((start, end))
}

pub fn tag_with_id<'a>(html: &'a str, id: &str) -> Option<&'a str> {
    let (start, end) = tag_span(html, id)?;
    Some(&html[start..=end])
}

pub fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

pub fn all_attrs(html: &str, name: &str) -> Vec<String> {
    let key = format!(" {name}=\"");
    html.match_indices(&key)
        .filter_map(|(i, _)| {
            let start = i + key.len();
            html[start..].find('"').map(|len| html[start..start + len].to_owned())
        })
        .collect()
}

/// The row (`<tr …>…</tr>`) whose opening tag carries `attribute="value"`.
pub fn row<'a>(html: &'a str, attribute: &str, value: &str) -> Option<&'a str> {
    let at = html.find(&format!(" {attribute}=\"{value}\""))?;
    let start = html[..at].rfind("<tr")?;
    let end = at + html[at..].find("</tr>")?;
    Some(&html[start..end])
}

/// Text or an attribute value as written in the HTML, with its `&` unescaped (the only escape links need).
pub fn unescape(html: &str) -> String {
    html.replace("&amp;", "&").replace("&#38;", "&")
}

/// The text of `html` without its tags, runs of white space collapsed to one space.
pub fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A client that keeps cookies itself and never follows redirects on its own: the portal's cookies are
/// `Secure` (`__Host-`), which a cookie jar would not send over the plain-HTTP test listener.
pub struct Browser {
    base: String,
    client: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
    pub accept_language: Option<String>,
}

impl Browser {
    fn new(base: &str) -> Self {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Self { base: base.to_owned(), client, cookies: BTreeMap::new(), accept_language: None }
    }

    /// The `Origin` a browser would send for this portal.
    pub fn base_origin(&self) -> String {
        self.base.clone()
    }

    /// The CSRF token the portal gave this browser (empty before its first answer).
    pub fn csrf(&self) -> String {
        self.cookies.get(CSRF_COOKIE).cloned().unwrap_or_default()
    }

    /// Chooses the language as the switcher would have: by the language cookie.
    pub fn set_language(&mut self, code: &str) {
        self.cookies.insert(LANG_COOKIE.into(), code.into());
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn keep_cookies(&mut self, headers: &HeaderMap) {
        for value in headers.get_all(SET_COOKIE) {
            let value = value.to_str().unwrap();
            let (pair, attributes) = value.split_once(';').unwrap_or((value, ""));
            let (name, v) = pair.split_once('=').unwrap();
            if attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), v.to_owned());
            }
        }
    }

    /// Sends with this browser's cookies and language, and keeps the cookies of the answer.
    async fn send(&mut self, req: reqwest::RequestBuilder) -> reqwest::Response {
        let mut req = req.header("cookie", self.cookie_header());
        if let Some(lang) = &self.accept_language {
            req = req.header("accept-language", lang);
        }
        let response = req.send().await.expect("request");
        self.keep_cookies(response.headers());
        response
    }

    async fn send_for_page(&mut self, req: reqwest::RequestBuilder) -> Page {
        let response = self.send(req).await;
        let (status, headers) = (response.status(), response.headers().clone());
        let body = response.text().await.unwrap_or_default();
        Page { status, headers, body }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let req = self.client.get(format!("{}{path}", self.base));
        self.send_for_page(req).await
    }

    pub async fn get_bytes(&mut self, path: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
        let req = self.client.get(format!("{}{path}", self.base));
        let response = self.send(req).await;
        let (status, headers) = (response.status(), response.headers().clone());
        (status, headers, response.bytes().await.unwrap().to_vec())
    }

    /// GET, following redirects within the portal (at most 5).
    pub async fn open(&mut self, path: &str) -> Page {
        let mut page = self.get(path).await;
        for _ in 0..5 {
            match page.location() {
                Some(next) if page.status.is_redirection() => {
                    let next = next.to_owned();
                    page = self.get(&next).await;
                }
                _ => break,
            }
        }
        page
    }

    /// The fields with the CSRF field in front.
    fn with_csrf<'a>(csrf: &'a str, fields: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        let mut all = vec![("csrf", csrf)];
        all.extend_from_slice(fields);
        all
    }

    /// A urlencoded POST with the CSRF field added.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.post_with_headers(path, fields, &[]).await
    }

    /// A urlencoded POST with the CSRF field and the given request headers added.
    pub async fn post_with_headers(&mut self, path: &str, fields: &[(&str, &str)], headers: &[(&str, &str)]) -> Page {
        let csrf = self.csrf();
        let body = serde_urlencoded::to_string(Self::with_csrf(&csrf, fields)).unwrap();
        let mut req = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.send_for_page(req).await
    }

    /// A urlencoded POST exactly as given (no CSRF field unless given).
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = serde_urlencoded::to_string(fields).unwrap();
        let req = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.send_for_page(req).await
    }

    /// A multipart POST with the CSRF field added; `file` is (field, file name, bytes).
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &str, Vec<u8>)>,
    ) -> Page {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in Self::with_csrf(&self.csrf(), fields) {
            form = form.text(k.to_owned(), v.to_owned());
        }
        if let Some((field, name, bytes)) = file {
            form = form.part(field.to_owned(), reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()));
        }
        self.post_multipart_raw(path, form).await
    }

    /// A multipart POST exactly as given (no CSRF field unless the form has it).
    pub async fn post_multipart_raw(&mut self, path: &str, form: reqwest::multipart::Form) -> Page {
        let req = self.client.post(format!("{}{path}", self.base)).multipart(form);
        self.send_for_page(req).await
    }

    /// Password, then TOTP enrolment with a code computed here, through the pages, for a user who has no
    /// authenticator yet. Returns the TOTP secret.
    pub async fn sign_in(&mut self, username: &str, password: &str) -> Vec<u8> {
        self.open("/portal/login").await;
        let page = self.post("/portal/login", &[("username", username), ("password", password)]).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        assert_eq!(page.location(), Some("/portal/totp/enrol"));
        let page = self.open("/portal/totp/enrol").await;
        let secret = secret_of(&page);
        let code = totp::code_at(&secret, OffsetDateTime::now_utc());
        let page = self.post("/portal/totp/enrol", &[("code", &code)]).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.flash());
        assert!(page.body.contains("id=\"recovery-codes\""));
        secret
    }
}

/// The recovery codes shown (once) after enrolment.
pub fn recovery_codes(page: &Page) -> Vec<String> {
    page.body.split("<li><code>").skip(1).map(|s| s.split('<').next().unwrap().to_owned()).collect()
}

/// The TOTP secret shown on the enrolment page.
pub fn secret_of(page: &Page) -> Vec<u8> {
    let text = page.text_of("totp-secret").expect("#totp-secret");
    totp::base32_decode(&text).expect("base32 secret")
}
