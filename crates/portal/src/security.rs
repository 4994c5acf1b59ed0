//! What wraps every portal response: the language (query, cookie, `Accept-Language`), the CSRF cookie, the
//! refusal of cross-site POSTs, and the security headers (a CSP that forbids every script).

use crate::csrf::{self, CsrfToken};
use crate::i18n::{Catalog, Lang};
use crate::state::PortalState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;

/// No script, no frames, styles and images only from the hub, forms only back to the hub. The TOTP QR code is
/// an inline `<svg>` element, which needs no source at all.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
    frame-ancestors 'none'; base-uri 'none'";

/// The session cookie: the hub's session token (only its hash is stored).
pub const SESSION_COOKIE: &str = "__Host-ecert_session";
/// The CSRF double-submit cookie.
pub const CSRF_COOKIE: &str = "__Host-ecert_csrf";
/// The chosen language.
pub const LANG_COOKIE: &str = "ecert_lang";

/// The value of cookie `name` in the request, if sent (the first one when sent twice).
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// A `Set-Cookie` value for a `__Host-` style cookie: Secure, HttpOnly, SameSite=Strict, Path=/. `max_age`
/// `None` makes it a browser-session cookie; `Some(0)` deletes it.
pub fn set_cookie(name: &str, value: &str, max_age: Option<u64>) -> Option<HeaderValue> {
    let mut cookie = format!("{name}={value}; Path=/; Secure; HttpOnly; SameSite=Strict");
    if let Some(seconds) = max_age {
        cookie.push_str(&format!("; Max-Age={seconds}"));
    }
    HeaderValue::from_str(&cookie).ok()
}

/// The language of a request: `?lang=xx` wins, then the `ecert_lang` cookie, then `Accept-Language`, then the
/// default. The second value is true when the query chose it (so the choice is remembered in the cookie).
pub fn resolve_language(catalog: &Catalog, query: Option<&str>, headers: &HeaderMap) -> (usize, bool) {
    let from_query = query.and_then(|q| {
        form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "lang").and_then(|(_, v)| catalog.find(&v))
    });
    if let Some(index) = from_query {
        return (index, true);
    }
    let index = cookie(headers, LANG_COOKIE)
        .and_then(|c| catalog.find(c))
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| catalog.from_accept_language(v))
        })
        .unwrap_or(catalog.default_index());
    (index, false)
}

/// The language of a request outside the portal layer (the server's throttle answer).
pub fn language_of(catalog: &Arc<Catalog>, headers: &HeaderMap) -> Lang {
    let (index, _) = resolve_language(catalog, None, headers);
    Lang::new(Arc::clone(catalog), index)
}

/// The security headers of every portal response. Pages are never cached: they show one user's data.
pub fn apply_security_headers(headers: &mut HeaderMap) {
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    headers.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
    headers.insert("permissions-policy", HeaderValue::from_static("camera=(), microphone=(), geolocation=()"));
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    headers.insert(header::VARY, HeaderValue::from_static("Cookie, Accept-Language"));
}

/// The layer around every portal route.
pub(crate) async fn portal_layer(State(state): State<PortalState>, mut req: Request, next: Next) -> Response {
    let (index, chosen_by_query) = resolve_language(&state.catalog, req.uri().query(), req.headers());
    let lang = Lang::new(Arc::clone(&state.catalog), index);
    let existing = cookie(req.headers(), CSRF_COOKIE).filter(|t| csrf::is_well_formed(t)).map(str::to_owned);
    let (token, new_cookie) = match existing {
        Some(t) => (t, false),
        None => (csrf::new_token(), true),
    };
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let mut response = if unsafe_method && csrf::is_cross_site(req.headers(), &state.config.public_base_url) {
        crate::pages::csrf_refused(&lang, &token)
    } else {
        req.extensions_mut().insert(lang.clone());
        req.extensions_mut().insert(CsrfToken(token.clone()));
        next.run(req).await
    };
    let headers = response.headers_mut();
    apply_security_headers(headers);
    if new_cookie && let Some(v) = set_cookie(CSRF_COOKIE, &token, None) {
        headers.append(header::SET_COOKIE, v);
    }
    if chosen_by_query && let Some(v) = lang_cookie(lang.code()) {
        headers.append(header::SET_COOKIE, v);
    }
    response
}

fn lang_cookie(code: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!("{LANG_COOKIE}={code}; Path=/; Secure; SameSite=Lax; Max-Age=31536000")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn cookies_are_found_across_headers() {
        let h = headers(&[("cookie", "a=1; b=2"), ("cookie", "__Host-ecert_csrf=xyz")]);
        assert_eq!(cookie(&h, "b"), Some("2"));
        assert_eq!(cookie(&h, CSRF_COOKIE), Some("xyz"));
        assert_eq!(cookie(&h, "c"), None);
    }

    #[test]
    fn language_comes_from_query_then_cookie_then_header() {
        let catalog = Catalog::shared();
        let code = |(i, by_query): (usize, bool)| (catalog.locale(i).code.clone(), by_query);
        assert_eq!(code(resolve_language(catalog, None, &HeaderMap::new())), ("en".into(), false));
        assert_eq!(code(resolve_language(catalog, Some("lang=ru"), &HeaderMap::new())), ("ru".into(), true));
        let h = headers(&[("cookie", "ecert_lang=ru"), ("accept-language", "en")]);
        assert_eq!(code(resolve_language(catalog, None, &h)), ("ru".into(), false));
        assert_eq!(code(resolve_language(catalog, Some("lang=en"), &h)), ("en".into(), true));
        assert_eq!(code(resolve_language(catalog, Some("lang=xx"), &h)), ("ru".into(), false));
        let h = headers(&[("accept-language", "de-DE, ru;q=0.8, en;q=0.5")]);
        assert_eq!(code(resolve_language(catalog, None, &h)), ("ru".into(), false));
        let h = headers(&[("accept-language", "ru;q=0, en;q=0.1")]);
        assert_eq!(code(resolve_language(catalog, None, &h)), ("en".into(), false));
    }
}
