//! The public authenticity page, `GET /v/{token}` (the QR code's target), and its hash comparison,
//! `POST /v/{token}/compare`: the HTTP side. The HTML, its texts (Fluent, every language of the portal) and the
//! language choice come from [`ecert_portal::public_page`] and [`ecert_portal::Lang::for_request`]: `?lang=`,
//! then the `ecert_lang` cookie (read, never set here), then `Accept-Language`, then English.
//!
//! Every "not available" (unknown, malformed or unavailable token) renders the same bytes with the same status,
//! 404: a document the public cannot rely on is, for the public, not there; and answering 404 for all of them
//! means neither the body nor the code tells a guessed token from a real one. The page never echoes the token.

use crate::AppState;
use crate::upload::read_part;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ecert_portal::Lang;
use ecert_portal::public_page::{Comparison, PDF_FIELD, PublicView, STYLESHEET, STYLESHEET_PATH, render};
use std::time::Duration;

/// The page's own CSP: no script, styles only from the hub's stylesheet, forms only back to the hub.
pub const PAGE_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
    frame-ancestors 'none'; base-uri 'none'";

pub(crate) fn routes(max_pdf_bytes: usize, max_body_bytes: usize) -> Router<AppState> {
    Router::new()
        .route("/v/{token}", get(page))
        .route(
            "/v/{token}/compare",
            post(move |state, path, headers, req| compare(state, path, headers, req, max_pdf_bytes))
                .layer(DefaultBodyLimit::max(max_body_bytes)),
        )
        .route(STYLESHEET_PATH, get(stylesheet))
}

/// The page for `view` in `lang`, with the page's headers. The language comes from the query, a cookie and
/// `Accept-Language`, so caches must key on the last two (the query is part of the URL).
fn html_response(status: StatusCode, lang: &Lang, view: &PublicView<'_>) -> Response {
    let html = match render(lang, view) {
        Ok(html) => html,
        Err(e) => {
            tracing::error!(error = %e, "public page failed to render");
            return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
        }
    };
    let mut response = (status, html).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PAGE_CSP));
    h.insert(header::VARY, HeaderValue::from_static("Cookie, Accept-Language"));
    response
}

fn not_available(lang: &Lang) -> Response {
    html_response(StatusCode::NOT_FOUND, lang, &PublicView::NotAvailable)
}

/// The 429 page of the `/v` surface, in the client's language.
pub(crate) fn too_many_requests(query: Option<&str>, headers: &HeaderMap, retry_after: Duration) -> Response {
    let lang = Lang::for_request(query, headers);
    let mut response = html_response(StatusCode::TOO_MANY_REQUESTS, &lang, &PublicView::TooManyRequests);
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after.as_secs().max(1)));
    response
}

/// A store failure is logged and shown as the neutral page: the public learns nothing from the hub's errors.
fn or_not_available<T>(result: ecert_hub::Result<Option<T>>) -> Option<T> {
    result.unwrap_or_else(|e| {
        tracing::error!(error = %e, "public page lookup failed");
        None
    })
}

async fn page(State(s): State<AppState>, Path(token): Path<String>, headers: HeaderMap, req: Request) -> Response {
    let lang = Lang::for_request(req.uri().query(), &headers);
    match or_not_available(s.hub.public_document(&token).await) {
        None => not_available(&lang),
        Some(document) => html_response(
            StatusCode::OK,
            &lang,
            &PublicView::Document { token: &token, document: &document, comparison: None },
        ),
    }
}

async fn compare(
    State(s): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    req: Request,
    max_pdf_bytes: usize,
) -> Response {
    let lang = Lang::for_request(req.uri().query(), &headers);
    // The document first: for a token that names nothing, the upload is not even read.
    let Some(document) = or_not_available(s.hub.public_document(&token).await) else { return not_available(&lang) };
    let outcome = match read_pdf_upload(req, max_pdf_bytes).await {
        Err(problem) => problem,
        Ok(pdf) => match or_not_available(s.hub.compare_public_pdf(&token, &pdf).await) {
            Some((_, result)) => Comparison::Result(result),
            None => return not_available(&lang),
        },
    };
    let status = match outcome {
        Comparison::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Comparison::NotPdf | Comparison::BadUpload => StatusCode::UNPROCESSABLE_ENTITY,
        Comparison::Result(_) => StatusCode::OK,
    };
    html_response(
        status,
        &lang,
        &PublicView::Document { token: &token, document: &document, comparison: Some(outcome) },
    )
}

/// The form's one file part, refused past `max` bytes.
async fn read_pdf_upload(req: Request, max: usize) -> Result<axum::body::Bytes, Comparison> {
    let mut multipart = Multipart::from_request(req, &()).await.map_err(|_| Comparison::BadUpload)?;
    while let Some(field) = multipart.next_field().await.map_err(|e| upload_problem(e.status()))? {
        if field.name() == Some(PDF_FIELD) {
            let pdf = read_part(field, PDF_FIELD, max).await.map_err(|e| upload_problem(e.status()))?;
            return if pdf.starts_with(b"%PDF-") { Ok(pdf) } else { Err(Comparison::NotPdf) };
        }
    }
    Err(Comparison::BadUpload)
}

fn upload_problem(status: StatusCode) -> Comparison {
    if status == StatusCode::PAYLOAD_TOO_LARGE { Comparison::TooLarge } else { Comparison::BadUpload }
}

async fn stylesheet() -> Response {
    let mut response = STYLESHEET.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.insert(name, HeaderValue::from_str(value).unwrap());
        }
        h
    }

    fn code(query: Option<&str>, h: &HeaderMap) -> String {
        Lang::for_request(query, h).code().to_owned()
    }

    #[test]
    fn the_language_comes_from_the_query_then_the_cookie_then_the_header() {
        let accept = |v: &str| headers(&[(header::ACCEPT_LANGUAGE, v)]);
        assert_eq!(code(None, &HeaderMap::new()), "en");
        assert_eq!(code(Some("lang=ru"), &HeaderMap::new()), "ru");
        assert_eq!(code(Some("lang=en"), &accept("ru-RU")), "en");
        assert_eq!(code(Some("lang=xx"), &accept("ru-RU")), "ru");
        assert_eq!(code(None, &accept("de-DE, ru;q=0.8, en;q=0.5")), "ru");
        assert_eq!(code(None, &accept("en-GB;q=0.9, ru;q=0.95")), "ru");
        assert_eq!(code(None, &accept("ru;q=0, en;q=0.1")), "en");
        assert_eq!(code(None, &accept("fr, de")), "en");
        let cookie = headers(&[(header::COOKIE, "ecert_lang=ru"), (header::ACCEPT_LANGUAGE, "en")]);
        assert_eq!(code(None, &cookie), "ru");
        assert_eq!(code(Some("lang=en"), &cookie), "en");
    }

    #[tokio::test]
    async fn the_page_carries_its_headers_and_sets_no_cookie() {
        let lang = Lang::for_request(Some("lang=ru"), &HeaderMap::new());
        let response = html_response(StatusCode::NOT_FOUND, &lang, &PublicView::NotAvailable);
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let h = response.headers();
        assert_eq!(h[header::CONTENT_SECURITY_POLICY], PAGE_CSP);
        assert_eq!(h[header::VARY], "Cookie, Accept-Language");
        assert_eq!(h[header::CONTENT_TYPE], "text/html; charset=utf-8");
        assert!(h.get(header::SET_COOKIE).is_none(), "the public page never sets the language cookie");
        let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
        let html = String::from_utf8(body.to_vec()).unwrap();
        assert!(html.contains("НЕДОСТУПНО"), "{html}");
    }

    #[test]
    fn values_are_escaped() {
        let document = ecert_hub::verification::PublicDocument {
            status: ecert_hub::verification::PublicStatus::Valid,
            cab_name: "<img src=x onerror=alert(1)>".into(),
            cab_country: ecert_domain::country::CountryCode::parse("KZ").unwrap(),
            document_type: ecert_domain::document_type::DocumentType::TestReport,
            issue_date: time::macros::date!(2026 - 01 - 01),
            valid_until: time::macros::date!(2027 - 01 - 01),
            replacement_token: None,
        };
        let lang = Lang::for_request(None, &HeaderMap::new());
        let html = render(&lang, &PublicView::Document { token: "t", document: &document, comparison: None }).unwrap();
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&#60;img src=x onerror=alert(1)&#62;"), "{html}");
        assert!(!html.contains("<script"), "no script on the page");
    }
}
