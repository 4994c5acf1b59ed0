//! What every page template gets ([`Ctx`]: language, CSRF token, navigation, flash messages) and how a template
//! becomes a response.

use crate::csrf::CsrfToken;
use crate::i18n::Lang;
use crate::key;
use crate::state::PortalState;
use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ecert_domain::institution::Role;
use std::convert::Infallible;

/// Whether a flash message reports a failure or a success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlashKind {
    Error,
    Notice,
}

#[derive(Debug, Clone)]
pub struct Flash {
    pub kind: FlashKind,
    pub text: String,
}

impl Flash {
    pub fn error(text: impl Into<String>) -> Self {
        Self { kind: FlashKind::Error, text: text.into() }
    }

    pub fn notice(text: impl Into<String>) -> Self {
        Self { kind: FlashKind::Notice, text: text.into() }
    }

    pub fn class(&self) -> &'static str {
        match self.kind {
            FlashKind::Error => "error",
            FlashKind::Notice => "notice",
        }
    }
}

/// One link of the header navigation.
#[derive(Debug, Clone)]
pub struct NavLink {
    pub id: &'static str,
    pub href: &'static str,
    pub label_key: &'static str,
    pub current: bool,
}

/// The signed-in user, as the header shows them.
#[derive(Debug, Clone)]
pub struct NavUser {
    pub display_name: String,
    pub nav: Vec<NavLink>,
}

/// The navigation for a user with these roles, the link of `path` marked current.
pub fn navigation(roles: &[Role], path: &str) -> Vec<NavLink> {
    let mut links: Vec<(&'static str, &'static str, &'static str)> =
        vec![("nav-dashboard", "/portal/", key!("nav-dashboard"))];
    if roles.contains(&Role::IssuingCab) {
        links.push(("nav-documents", "/portal/documents", key!("nav-documents")));
        links.push(("nav-upload", "/portal/documents/new", key!("nav-upload")));
    }
    if roles.iter().any(|r| r.is_receiving_authority()) {
        links.push(("nav-inbox", "/portal/inbox", key!("nav-inbox")));
    }
    if roles.contains(&Role::HubOperator) {
        links.push(("nav-institutions", "/portal/institutions", key!("nav-institutions")));
        links.push(("nav-certificates", "/portal/certificates", key!("nav-certificates")));
        links.push(("nav-users", "/portal/users", key!("nav-users")));
        links.push(("nav-audit", "/portal/audit", key!("nav-audit")));
        links.push(("nav-retention", "/portal/retention", key!("nav-retention")));
    }
    // The longest matching prefix is current, so `/portal/documents/new` marks "upload", not "documents".
    let current = links
        .iter()
        .filter(|(_, href, _)| {
            *href == path || (href.len() > "/portal/".len() && path.starts_with(&format!("{href}/")))
        })
        .max_by_key(|(_, href, _)| href.len())
        .map(|(id, _, _)| *id);
    links
        .into_iter()
        .map(|(id, href, label_key)| NavLink { id, href, label_key, current: Some(id) == current })
        .collect()
}

/// The most query parameters the language links carry over (a portal page has about ten).
const MAX_KEPT_QUERY_PAIRS: usize = 32;

/// The context of every page: put it in a template struct as the field `ctx`; `base.html` reads it.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub lang: Lang,
    /// The value of every form's hidden `csrf` field.
    pub csrf: String,
    /// The request path and query (the language links point back to them).
    pub path: String,
    pub query: String,
    pub user: Option<NavUser>,
    pub flash: Vec<Flash>,
    /// The `id` of `<main>` (the skip link's target): `main` unless the page needs another.
    pub main_id: &'static str,
}

impl Ctx {
    pub fn new(lang: Lang, csrf: String, path: String) -> Self {
        Self { lang, csrf, path, query: String::new(), user: None, flash: Vec::new(), main_id: "main" }
    }

    /// The language switcher's link to `code`: this page with its query (an inbox filter, a page cursor) kept,
    /// only `lang` replaced. A path that is not a plain portal path links to the dashboard instead, so the
    /// link can never lead off the site.
    pub fn language_href(&self, code: &str) -> String {
        let path =
            if crate::return_to::is_portal_path(&self.path) { self.path.as_str() } else { crate::return_to::HOME };
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (k, v) in form_urlencoded::parse(self.query.as_bytes()).take(MAX_KEPT_QUERY_PAIRS) {
            if k != "lang" {
                query.append_pair(&k, &v);
            }
        }
        query.append_pair("lang", code);
        format!("{path}?{}", query.finish())
    }

    /// Shorthands for the templates: `{{ ctx.t(<key>) }}` and so on; see [`Lang`].
    pub fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }

    pub fn t1(&self, key: &str, name: &str, value: impl std::fmt::Display) -> String {
        self.lang.t1(key, name, value)
    }

    pub fn t2(
        &self,
        key: &str,
        name1: &str,
        value1: impl std::fmt::Display,
        name2: &str,
        value2: impl std::fmt::Display,
    ) -> String {
        self.lang.t2(key, name1, value1, name2, value2)
    }

    pub fn count(&self, key: &str, n: impl TryInto<u64>) -> String {
        self.lang.count(key, n.try_into().unwrap_or(u64::MAX))
    }

    pub fn number(&self, n: impl Into<i128>) -> String {
        self.lang.number(n)
    }

    pub fn date(&self, d: &time::Date) -> String {
        self.lang.date(*d)
    }

    pub fn datetime(&self, at: &time::OffsetDateTime) -> String {
        self.lang.datetime(*at)
    }

    pub fn file_size(&self, bytes: &u64) -> String {
        self.lang.file_size(*bytes)
    }

    /// Enumerations in words (see [`crate::labels`]).
    pub fn document_status(&self, s: &ecert_domain::document::DocumentStatus) -> String {
        self.lang.t(crate::labels::document_status(*s))
    }

    pub fn delivery_status(&self, s: &ecert_domain::exchange::DeliveryStatus) -> String {
        self.lang.t(crate::labels::delivery_status(*s))
    }

    pub fn document_type(&self, t: &ecert_domain::document_type::DocumentType) -> String {
        self.lang.t(crate::labels::document_type(*t))
    }

    pub fn role(&self, r: &Role) -> String {
        self.lang.t(crate::labels::role(*r))
    }

    /// Adds an error message (already translated).
    pub fn error(&mut self, text: impl Into<String>) {
        self.flash.push(Flash::error(text));
    }

    /// Adds a success message (already translated).
    pub fn notice(&mut self, text: impl Into<String>) {
        self.flash.push(Flash::notice(text));
    }

    /// The class of the `div#flash`: `error` when any message is one.
    pub fn flash_class(&self) -> &'static str {
        if self.flash.iter().any(|f| f.kind == FlashKind::Error) { "error" } else { "notice" }
    }

    /// Reads `?notice=<name>` / `?error=<name>` (after a redirect): shown only when `flash-<name>` is a
    /// translation key, so a crafted link can only show the portal's own texts.
    pub fn read_flash_query(&mut self, query: Option<&str>) {
        let Some(query) = query else { return };
        for (k, v) in form_urlencoded::parse(query.as_bytes()).take(16) {
            let kind = match k.as_ref() {
                "notice" => FlashKind::Notice,
                "error" => FlashKind::Error,
                _ => continue,
            };
            let well_formed = !v.is_empty()
                && v.len() <= 64
                && v.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            let key = format!("flash-{v}");
            if well_formed && self.lang.has(&key) {
                self.flash.push(Flash { kind, text: self.lang.t(&key) });
            }
        }
    }
}

/// Anonymous pages (login) take `Ctx` directly; signed-in pages get theirs from [`crate::Viewer::ctx`].
impl FromRequestParts<PortalState> for Ctx {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &PortalState) -> Result<Self, Self::Rejection> {
        Ok(ctx_of_parts(parts, state))
    }
}

pub(crate) fn ctx_of_parts(parts: &Parts, state: &PortalState) -> Ctx {
    let lang = parts
        .extensions
        .get::<Lang>()
        .cloned()
        .unwrap_or_else(|| crate::security::language_of(&state.catalog, &parts.headers));
    let csrf = parts.extensions.get::<CsrfToken>().map(|t| t.0.clone()).unwrap_or_default();
    let mut ctx = Ctx::new(lang, csrf, parts.uri.path().to_owned());
    ctx.query = parts.uri.query().unwrap_or_default().to_owned();
    ctx.read_flash_query(parts.uri.query());
    ctx
}

/// Renders a template as an HTML response. A template that fails to render (a bug, never input) is logged and
/// answered with a bare 500.
pub fn render(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => {
            let mut response = (status, html).into_response();
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "portal template failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// `303 See Other` to `location` (POST-redirect-GET).
pub fn see_other(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(v) => {
            let mut response = StatusCode::SEE_OTHER.into_response();
            response.headers_mut().insert(header::LOCATION, v);
            response
        }
        Err(_) => {
            tracing::error!(location, "redirect to an invalid location");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn navigation_follows_roles_and_marks_the_current_page() {
        let cab = navigation(&[Role::IssuingCab], "/portal/documents/new");
        let ids: Vec<&str> = cab.iter().map(|l| l.id).collect();
        assert_eq!(ids, vec!["nav-dashboard", "nav-documents", "nav-upload"]);
        assert_eq!(cab.iter().filter(|l| l.current).map(|l| l.id).collect::<Vec<_>>(), vec!["nav-upload"]);
        let doc = navigation(&[Role::IssuingCab], "/portal/documents/0199");
        assert_eq!(doc.iter().filter(|l| l.current).map(|l| l.id).collect::<Vec<_>>(), vec!["nav-documents"]);
        let customs = navigation(&[Role::Customs], "/portal/");
        assert_eq!(customs.iter().map(|l| l.id).collect::<Vec<_>>(), vec!["nav-dashboard", "nav-inbox"]);
        assert!(customs[0].current);
        let op = navigation(&[Role::HubOperator], "/portal/users");
        assert!(op.iter().any(|l| l.id == "nav-users" && l.current));
        assert!(!op.iter().any(|l| l.id == "nav-upload"));
    }

    fn ctx_at(path: &str) -> Ctx {
        let catalog = std::sync::Arc::clone(crate::i18n::Catalog::shared());
        let lang = Lang::new(catalog, crate::i18n::Catalog::shared().default_index());
        Ctx::new(lang, String::new(), path.into())
    }

    #[test]
    fn language_links_keep_the_page_and_its_query() {
        let mut ctx = ctx_at("/portal/inbox");
        assert_eq!(ctx.language_href("ru"), "/portal/inbox?lang=ru");
        // The filters survive, a previous choice is replaced (wherever it stood), values stay encoded.
        ctx.query = "lang=en&status=DELIVERED&hs_prefix=84+71&lang=xx&cab=a%26b%3Dc&issued_from=&after=12_x%2Fy".into();
        assert_eq!(
            ctx.language_href("ru"),
            "/portal/inbox?status=DELIVERED&hs_prefix=84+71&cab=a%26b%3Dc&issued_from=&after=12_x%2Fy&lang=ru"
        );
        ctx.query = "next=%2Fportal%2Finbox%3Fstatus%3DDELIVERED&q=%3Cscript%3E%22".into();
        assert_eq!(
            ctx.language_href("en"),
            "/portal/inbox?next=%2Fportal%2Finbox%3Fstatus%3DDELIVERED&q=%3Cscript%3E%22&lang=en"
        );
        // A path that is not a plain portal path never becomes a link.
        for odd in ["//evil.example/portal/", "/static/portal.css", "/portal/../x", "/portal/\\evil"] {
            assert_eq!(ctx_at(odd).language_href("ru"), "/portal/?lang=ru", "{odd}");
        }
    }

    #[test]
    fn only_known_flash_keys_are_shown() {
        let mut ctx = ctx_at("/portal/");
        ctx.read_flash_query(Some("notice=logged-out&error=%3Cscript%3E&error=no-such-message&x=1"));
        assert_eq!(ctx.flash.len(), 1, "{:?}", ctx.flash);
        assert_eq!(ctx.flash[0].kind, FlashKind::Notice);
        assert_eq!(ctx.flash[0].text, ctx.t("flash-logged-out"));
        assert_eq!(ctx.flash_class(), "notice");
        ctx.read_flash_query(Some("error=session-expired"));
        assert_eq!(ctx.flash_class(), "error");
    }
}
