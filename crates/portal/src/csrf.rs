//! CSRF protection, twice over: the double-submit token (the `__Host-ecert_csrf` cookie must equal the form's
//! hidden `csrf` field, compared in constant time) and, before any handler runs, the refusal of POSTs whose
//! `Origin` or `Sec-Fetch-Site` says they come from another site. SameSite=Strict on the session cookie is the
//! third layer.
//!
//! Handlers take their form through [`CsrfForm`] (urlencoded) or [`UploadForm`] (multipart): neither hands the
//! handler anything unless the token matched, so a forged POST changes nothing.

use crate::i18n::Lang;
use crate::security::{CSRF_COOKIE, cookie};
use crate::state::PortalState;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;

/// The form field that carries the token.
pub const CSRF_FIELD: &str = "csrf";
/// Token length: 32 random bytes, base64url without padding.
const TOKEN_LEN: usize = 43;
/// The largest urlencoded form body: the longest portal form is a few KiB of text.
pub const MAX_FORM_BYTES: usize = 64 * 1024;
/// Multipart limits besides the file itself.
pub const MAX_MULTIPART_TEXT_BYTES: usize = 16 * 1024;
pub const MAX_MULTIPART_PARTS: usize = 64;

/// This request's CSRF token (from its cookie, or the one the response is about to set): the value of every
/// form's hidden `csrf` field.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    if aws_lc_rs::rand::fill(&mut bytes).is_err() {
        // Without randomness no token can be trusted; an all-zero token would be guessable, so leave it
        // unusable instead: a malformed token never matches (see `tokens_match`).
        tracing::error!("random generator failed; CSRF token unavailable");
        return String::new();
    }
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn is_well_formed(token: &str) -> bool {
    token.len() == TOKEN_LEN && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The cookie's token and the form's agree (and are real tokens), compared in constant time.
pub fn tokens_match(cookie_token: Option<&str>, form_token: Option<&str>) -> bool {
    match (cookie_token, form_token) {
        (Some(c), Some(f)) if is_well_formed(c) && is_well_formed(f) => {
            subtle::ConstantTimeEq::ct_eq(c.as_bytes(), f.as_bytes()).into()
        }
        _ => false,
    }
}

/// Whether a state-changing request says it comes from another site. Requests without either header (not
/// from a browser) pass here and still need the token.
///
/// `Sec-Fetch-Site`, when sent, decides alone: the browser sets it and pages cannot. `Origin` is the fallback
/// for browsers without it. It cannot come first, because under the portal's `Referrer-Policy: no-referrer`
/// Chromium sends `Origin: null` on same-origin form posts.
pub fn is_cross_site(headers: &HeaderMap, public_base_url: &str) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        let site = site.to_str().unwrap_or_default().trim();
        return !(site.eq_ignore_ascii_case("same-origin") || site.eq_ignore_ascii_case("none"));
    }
    let Some(origin) = headers.get(header::ORIGIN) else { return false };
    let Some(origin_host) = origin.to_str().ok().and_then(authority) else { return true };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).map(str::trim);
    let allowed = host.into_iter().chain(authority(public_base_url));
    !allowed.into_iter().any(|a| a.eq_ignore_ascii_case(origin_host))
}

/// `host[:port]` of an origin or base URL (`https://hub.example:8443/x` → `hub.example:8443`).
fn authority(url: &str) -> Option<&str> {
    let (_, rest) = url.trim().split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    (!authority.is_empty()).then_some(authority)
}

fn request_lang(req: &Request, state: &PortalState) -> Lang {
    req.extensions()
        .get::<Lang>()
        .cloned()
        .unwrap_or_else(|| crate::security::language_of(&state.catalog, req.headers()))
}

fn request_token(req: &Request) -> String {
    req.extensions().get::<CsrfToken>().map(|t| t.0.clone()).unwrap_or_default()
}

/// An `application/x-www-form-urlencoded` form whose CSRF token matched. `T` ignores the `csrf` field (serde
/// skips unknown fields unless told otherwise).
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<PortalState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &PortalState) -> Result<Self, Self::Rejection> {
        let lang = request_lang(&req, state);
        let token = request_token(&req);
        let cookie_token = cookie(req.headers(), CSRF_COOKIE).map(str::to_owned);
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(crate::pages::form_problem(&lang, &token, StatusCode::UNSUPPORTED_MEDIA_TYPE));
        }
        let bytes = axum::body::to_bytes(req.into_body(), MAX_FORM_BYTES)
            .await
            .map_err(|_| crate::pages::form_problem(&lang, &token, StatusCode::PAYLOAD_TOO_LARGE))?;
        let submitted = form_urlencoded::parse(&bytes).find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v.into_owned());
        if !tokens_match(cookie_token.as_deref(), submitted.as_deref()) {
            return Err(crate::pages::csrf_refused(&lang, &token));
        }
        serde_urlencoded::from_bytes::<T>(&bytes)
            .map(CsrfForm)
            .map_err(|_| crate::pages::form_problem(&lang, &token, StatusCode::BAD_REQUEST))
    }
}

/// One file of a multipart form.
#[derive(Debug, Clone)]
pub struct UploadedFile {
    pub field: String,
    /// The name the browser sent (untrusted; display only, escaped).
    pub file_name: Option<String>,
    pub bytes: Bytes,
}

/// A `multipart/form-data` form read into memory (text fields and files, each bounded), whose CSRF token
/// matched. The file limit is the route's body limit (`PortalConfig::max_upload_bytes`).
#[derive(Debug, Default)]
pub struct UploadForm {
    pub fields: Vec<(String, String)>,
    pub files: Vec<UploadedFile>,
}

impl UploadForm {
    /// The first text field called `name`.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The text field `name` trimmed, `None` when absent or blank.
    pub fn text(&self, name: &str) -> Option<String> {
        self.field(name).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
    }

    /// The first file sent in field `name` (an empty file input sends a part with no bytes: that is `None`).
    pub fn file(&self, name: &str) -> Option<&UploadedFile> {
        self.files.iter().find(|f| f.field == name && !f.bytes.is_empty())
    }
}

impl FromRequest<PortalState> for UploadForm {
    type Rejection = Response;

    async fn from_request(req: Request, state: &PortalState) -> Result<Self, Self::Rejection> {
        let lang = request_lang(&req, state);
        let token = request_token(&req);
        let cookie_token = cookie(req.headers(), CSRF_COOKIE).map(str::to_owned);
        let problem = |status: StatusCode| crate::pages::form_problem(&lang, &token, status);
        let mut multipart =
            Multipart::from_request(req, state).await.map_err(|_| problem(StatusCode::UNSUPPORTED_MEDIA_TYPE))?;
        let mut form = UploadForm::default();
        let max_file = state.config.max_upload_bytes;
        let mut parts = 0usize;
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(e) => return Err(problem(upload_status(e.status()))),
            };
            parts += 1;
            if parts > MAX_MULTIPART_PARTS {
                return Err(problem(StatusCode::BAD_REQUEST));
            }
            let name = field.name().unwrap_or_default().to_owned();
            let file_name = field.file_name().map(str::to_owned);
            let limit = if file_name.is_some() { max_file } else { MAX_MULTIPART_TEXT_BYTES };
            let bytes = read_limited(field, limit).await.map_err(problem)?;
            match file_name {
                Some(file_name) => form.files.push(UploadedFile { field: name, file_name: Some(file_name), bytes }),
                None => {
                    let text = String::from_utf8(bytes.to_vec()).map_err(|_| problem(StatusCode::BAD_REQUEST))?;
                    form.fields.push((name, text));
                }
            }
        }
        if !tokens_match(cookie_token.as_deref(), form.field(CSRF_FIELD)) {
            return Err(crate::pages::csrf_refused(&lang, &token));
        }
        Ok(form)
    }
}

fn upload_status(status: StatusCode) -> StatusCode {
    if status == StatusCode::PAYLOAD_TOO_LARGE { status } else { StatusCode::BAD_REQUEST }
}

async fn read_limited(mut field: axum::extract::multipart::Field<'_>, max: usize) -> Result<Bytes, StatusCode> {
    let mut buf = Vec::new();
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                if buf.len().saturating_add(chunk.len()) > max {
                    return Err(StatusCode::PAYLOAD_TOO_LARGE);
                }
                buf.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(Bytes::from(buf)),
            Err(e) => return Err(upload_status(e.status())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn tokens_are_random_and_well_formed() {
        let (a, b) = (new_token(), new_token());
        assert!(is_well_formed(&a) && is_well_formed(&b));
        assert_ne!(a, b);
    }

    #[test]
    fn tokens_must_match_exactly() {
        let t = new_token();
        assert!(tokens_match(Some(&t), Some(&t)));
        assert!(!tokens_match(Some(&t), Some(&new_token())));
        assert!(!tokens_match(None, Some(&t)));
        assert!(!tokens_match(Some(&t), None));
        assert!(!tokens_match(Some(""), Some("")), "empty tokens never match");
        assert!(!tokens_match(Some("short"), Some("short")), "malformed tokens never match");
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn cross_site_posts_are_recognised() {
        let base = "https://hub.example.org";
        assert!(!is_cross_site(&headers(&[]), base), "no browser headers: the token decides");
        assert!(!is_cross_site(&headers(&[("sec-fetch-site", "same-origin")]), base));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "cross-site")]), base));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "same-site")]), base));
        let same_host = headers(&[("host", "127.0.0.1:8080"), ("origin", "http://127.0.0.1:8080")]);
        assert!(!is_cross_site(&same_host, base));
        let public = headers(&[("host", "10.0.0.5:8080"), ("origin", "https://hub.example.org")]);
        assert!(!is_cross_site(&public, base));
        let evil = headers(&[("host", "hub.example.org"), ("origin", "https://evil.example")]);
        assert!(is_cross_site(&evil, base));
        assert!(is_cross_site(&headers(&[("host", "hub.example.org"), ("origin", "null")]), base));
        // What Chromium sends for a same-origin form post under `Referrer-Policy: no-referrer`.
        let chromium = headers(&[("host", "hub.example.org"), ("origin", "null"), ("sec-fetch-site", "same-origin")]);
        assert!(!is_cross_site(&chromium, base));
        let forged = headers(&[
            ("host", "hub.example.org"),
            ("origin", "https://hub.example.org"),
            ("sec-fetch-site", "cross-site"),
        ]);
        assert!(is_cross_site(&forged, base), "Sec-Fetch-Site decides when sent");
    }
}
