//! The pages, one module per area, and the pages every area shares (messages, errors, 404, 429).

pub(crate) mod auth;
pub(crate) mod cab;
pub(crate) mod dashboard;
pub(crate) mod operator;
pub(crate) mod receiver;

use crate::errors;
use crate::i18n::{Catalog, Lang};
use crate::key;
use crate::page::{Ctx, render};
use crate::security::apply_security_headers;
use crate::state::PortalState;
use askama::Template;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use ecert_hub::HubError;
use std::sync::Arc;
use std::time::Duration;

/// A page that only says something: a heading, the messages in `div#flash`, and a link onwards.
#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub ctx: Ctx,
    pub title: String,
    pub link_href: String,
    pub link_label: String,
}

impl MessagePage {
    /// A message page whose link leads to the dashboard (or the login page for anonymous visitors).
    pub fn new(ctx: Ctx, title_key: &str) -> Self {
        let (link_href, link_key) = if ctx.user.is_some() {
            ("/portal/", key!("link-dashboard"))
        } else {
            ("/portal/login", key!("link-login"))
        };
        let title = ctx.t(title_key);
        let link_label = ctx.t(link_key);
        Self { ctx, title, link_href: link_href.to_owned(), link_label }
    }
}

/// The page for a hub error.
pub fn error_page(mut ctx: Ctx, err: &HubError) -> Response {
    let status = errors::flash_error(&mut ctx, err);
    render(status, &MessagePage::new(ctx, key!("error-title")))
}

/// A bare context for responses made before any handler (no user, no flash).
fn bare_ctx(lang: &Lang, token: &str, path: &str) -> Ctx {
    Ctx::new(lang.clone(), token.to_owned(), path.to_owned())
}

/// 403 for a POST without a matching CSRF token, or from another site. Nothing was changed.
pub fn csrf_refused(lang: &Lang, token: &str) -> Response {
    let mut ctx = bare_ctx(lang, token, "/portal/");
    ctx.error(lang.t(key!("error-csrf")));
    render(StatusCode::FORBIDDEN, &MessagePage::new(ctx, key!("error-title")))
}

/// A form body that could not be read at all (wrong type, too large, malformed).
pub fn form_problem(lang: &Lang, token: &str, status: StatusCode) -> Response {
    let key = match status {
        StatusCode::PAYLOAD_TOO_LARGE => key!("error-too-large"),
        _ => key!("error-form-unreadable"),
    };
    let mut ctx = bare_ctx(lang, token, "/portal/");
    ctx.error(lang.t(key));
    render(status, &MessagePage::new(ctx, key!("error-title")))
}

pub(crate) async fn not_found(State(state): State<PortalState>, parts: Parts) -> Response {
    let mut ctx = crate::page::ctx_of_parts(&parts, &state);
    ctx.error(ctx.t(key!("error-page-not-found")));
    render(StatusCode::NOT_FOUND, &MessagePage::new(ctx, key!("error-title")))
}

pub(crate) fn too_many_requests(catalog: Arc<Catalog>, headers: &HeaderMap, retry_after: Duration) -> Response {
    let lang = crate::security::language_of(&catalog, headers);
    let mut ctx = bare_ctx(&lang, "", "/portal/login");
    ctx.error(lang.t(key!("error-too-many-requests")));
    let mut response = render(StatusCode::TOO_MANY_REQUESTS, &MessagePage::new(ctx, key!("error-too-many-title")));
    let h = response.headers_mut();
    apply_security_headers(h);
    h.insert(header::RETRY_AFTER, HeaderValue::from(retry_after.as_secs().max(1)));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Ctx {
        let catalog = Catalog::shared();
        Ctx::new(Lang::new(Arc::clone(catalog), catalog.default_index()), "tok\"en".into(), "/portal/\"><x".into())
    }

    async fn body(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn everything_interpolated_is_escaped() {
        let mut ctx = ctx();
        ctx.error("<img src=x onerror=alert(1)>");
        ctx.user = Some(crate::page::NavUser { display_name: "<b>Eve</b>".into(), nav: Vec::new() });
        let mut page = MessagePage::new(ctx, key!("error-title"));
        page.title = "<script>alert(2)</script>".into();
        page.link_href = "\"><script>alert(3)</script>".into();
        let html = body(render(StatusCode::OK, &page)).await;
        assert!(!html.contains("<img") && !html.contains("<script") && !html.contains("\"><x"), "{html}");
        assert!(html.contains("&#60;img src=x onerror=alert(1)&#62;") || html.contains("&lt;img"), "{html}");
        assert!(
            !html.contains("<b>Eve") && (html.contains("Eve&#60;/b&#62;") || html.contains("Eve&lt;/b&gt;")),
            "{html}"
        );
        assert!(html.contains("value=\"tok&#34;en\"") || html.contains("value=\"tok&quot;en\""), "{html}");
    }

    #[tokio::test]
    async fn csrf_refusal_is_a_translated_403() {
        let catalog = Catalog::shared();
        let ru = Lang::new(Arc::clone(catalog), catalog.find("ru").unwrap());
        let response = csrf_refused(&ru, "t");
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let html = body(response).await;
        assert!(html.contains(&ru.t("error-csrf")), "{html}");
        assert!(html.contains("<html lang=\"ru\""));
        assert!(html.contains("id=\"flash\" role=\"alert\" class=\"flash error\""));
    }

    #[tokio::test]
    async fn hub_errors_become_pages_with_their_status() {
        let response = error_page(ctx(), &HubError::NotFound("document"));
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let html = body(response).await;
        assert!(html.contains("This record does not exist"), "{html}");
        assert!(!html.contains("document not found"), "the raw error text is not shown");
    }
}
