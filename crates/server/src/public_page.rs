//! The public authenticity page, `GET /v/{token}` (the QR code's target), and its hash comparison,
//! `POST /v/{token}/compare`. Server-rendered HTML from plain templates: every interpolated value is escaped,
//! no script at all, one small stylesheet from `/static/verify.css`, so the CSP can forbid everything else.
//!
//! Every "not available" (unknown, malformed or unavailable token) renders the same bytes with the same status,
//! 404: a document the public cannot rely on is, for the public, not there; and answering 404 for all of them
//! means neither the body nor the code tells a guessed token from a real one. The page never echoes the token.
//!
//! English and Russian, from `?lang=en|ru`, else `Accept-Language`, else English.

use crate::AppState;
use crate::upload::{PDF_PART, read_part};
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ecert_domain::document_type::DocumentType;
use ecert_hub::verification::{HashComparison, PublicDocument, PublicStatus, VERIFICATION_DISCLAIMER};
use std::time::Duration;

/// The page's own CSP: no script, styles only from the hub's stylesheet, forms only back to the hub.
pub const PAGE_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
    frame-ancestors 'none'; base-uri 'none'";
pub const STYLESHEET_PATH: &str = "/static/verify.css";

const STYLESHEET: &str = "body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}\
main{max-width:40rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:8px}\
h1{font-size:1.4rem;margin-top:0}.status{font-size:1.6rem;font-weight:700;padding:.6rem 1rem;border-radius:6px}\
.valid{background:#dff3e4;color:#11632c}.warn{background:#fff1d6;color:#7a4b00}.bad{background:#fde2e1;color:#8a1c17}\
.na{background:#e8e9ec;color:#3b4150}dl{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1rem}\
dt{font-weight:600}.disclaimer{font-size:.85rem;color:#555;border-top:1px solid #ddd;padding-top:1rem}\
.result{font-weight:700;padding:.6rem 1rem;border-radius:6px}nav{font-size:.85rem;margin-top:1rem}";

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Ru,
}

/// Every text of the page, once per language. A struct rather than a map: a string missing in one language
/// does not compile.
pub struct Texts {
    pub html_lang: &'static str,
    pub title: &'static str,
    pub heading: &'static str,
    pub status_valid: &'static str,
    pub status_suspended: &'static str,
    pub status_withdrawn: &'static str,
    pub status_replaced: &'static str,
    pub status_not_available: &'static str,
    pub explain_valid: &'static str,
    pub explain_suspended: &'static str,
    pub explain_withdrawn: &'static str,
    pub explain_replaced: &'static str,
    pub explain_not_available: &'static str,
    pub replacement_link: &'static str,
    pub issuing_body: &'static str,
    pub country: &'static str,
    pub document_type: &'static str,
    pub type_coc: &'static str,
    pub type_tr: &'static str,
    pub issue_date: &'static str,
    pub valid_until: &'static str,
    pub compare_heading: &'static str,
    pub compare_explain: &'static str,
    pub compare_button: &'static str,
    pub compare_match: &'static str,
    pub compare_mismatch: &'static str,
    pub compare_too_large: &'static str,
    pub compare_not_pdf: &'static str,
    pub compare_bad_upload: &'static str,
    pub back_to_page: &'static str,
    pub too_many_title: &'static str,
    pub too_many_explain: &'static str,
    pub disclaimer: &'static str,
    pub language: &'static str,
}

pub const EN: Texts = Texts {
    html_lang: "en",
    title: "Document authenticity",
    heading: "Document authenticity check",
    status_valid: "VALID",
    status_suspended: "SUSPENDED",
    status_withdrawn: "WITHDRAWN / CANCELLED",
    status_replaced: "REPLACED",
    status_not_available: "NOT AVAILABLE",
    explain_valid: "The hub holds this document and its issuer has not changed its status.",
    explain_suspended: "The issuer has suspended this document. Do not rely on it until it is reinstated.",
    explain_withdrawn: "The issuer has withdrawn this document. It must not be relied on.",
    explain_replaced: "The issuer has replaced this document by another one. Use the replacement.",
    explain_not_available: "No information is available for this reference.",
    replacement_link: "Open the replacement document",
    issuing_body: "Issuing body",
    country: "Country",
    document_type: "Document type",
    type_coc: "Certificate of conformity",
    type_tr: "Test report",
    issue_date: "Issue date",
    valid_until: "Valid until",
    compare_heading: "Compare your copy",
    compare_explain: "Choose the PDF file you received. The hub checks whether it is exactly the registered \
        document. The file is not stored.",
    compare_button: "Compare",
    compare_match: "The file is identical to the registered document.",
    compare_mismatch: "The file is NOT identical to the registered document.",
    compare_too_large: "The file is too large.",
    compare_not_pdf: "The file is not a PDF document.",
    compare_bad_upload: "The upload could not be read. Choose the file again.",
    back_to_page: "Back to the document",
    too_many_title: "Too many requests",
    too_many_explain: "Please wait a minute and try again.",
    disclaimer: VERIFICATION_DISCLAIMER,
    language: "Language",
};

pub const RU: Texts = Texts {
    html_lang: "ru",
    title: "Подлинность документа",
    heading: "Проверка подлинности документа",
    status_valid: "ДЕЙСТВИТЕЛЕН",
    status_suspended: "ПРИОСТАНОВЛЕН",
    status_withdrawn: "ОТОЗВАН / АННУЛИРОВАН",
    status_replaced: "ЗАМЕНЁН",
    status_not_available: "НЕДОСТУПНО",
    explain_valid: "Документ зарегистрирован в хабе, и выдавший его орган не изменял его статус.",
    explain_suspended: "Выдавший орган приостановил действие документа. Не полагайтесь на него до возобновления.",
    explain_withdrawn: "Выдавший орган отозвал документ. На него нельзя полагаться.",
    explain_replaced: "Выдавший орган заменил документ другим. Используйте новый документ.",
    explain_not_available: "По этой ссылке сведения недоступны.",
    replacement_link: "Открыть документ, заменивший этот",
    issuing_body: "Выдавший орган",
    country: "Страна",
    document_type: "Вид документа",
    type_coc: "Сертификат соответствия",
    type_tr: "Протокол испытаний",
    issue_date: "Дата выдачи",
    valid_until: "Действителен до",
    compare_heading: "Сравнить вашу копию",
    compare_explain: "Выберите полученный PDF-файл. Хаб проверит, совпадает ли он в точности с \
        зарегистрированным документом. Файл не сохраняется.",
    compare_button: "Сравнить",
    compare_match: "Файл идентичен зарегистрированному документу.",
    compare_mismatch: "Файл НЕ идентичен зарегистрированному документу.",
    compare_too_large: "Файл слишком большой.",
    compare_not_pdf: "Файл не является PDF-документом.",
    compare_bad_upload: "Не удалось прочитать загрузку. Выберите файл ещё раз.",
    back_to_page: "Вернуться к документу",
    too_many_title: "Слишком много запросов",
    too_many_explain: "Подождите минуту и повторите попытку.",
    disclaimer: "Проверка в хабе даёт справочные сведения о подписи документа, регистрации выдавшего его органа \
        и статусе документа. Она не является юридическим признанием документа и не является таможенным \
        оформлением: эти решения принимают компетентные органы страны ввоза.",
    language: "Язык",
};

impl Lang {
    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::En => &EN,
            Lang::Ru => &RU,
        }
    }

    /// `?lang=` wins; then the first of English or Russian in `Accept-Language` by preference; then English.
    pub fn choose(query: Option<&str>, headers: &HeaderMap) -> Lang {
        let from_query = query.and_then(|q| {
            form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "lang").and_then(|(_, v)| Lang::parse(&v))
        });
        from_query.or_else(|| accept_language(headers)).unwrap_or(Lang::En)
    }

    fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("ru") {
            Some(Lang::Ru)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else {
            None
        }
    }
}

/// The supported language the client prefers most (highest q, first listed on a tie).
fn accept_language(headers: &HeaderMap) -> Option<Lang> {
    let value = headers.get(header::ACCEPT_LANGUAGE)?.to_str().ok()?;
    let mut best: Option<(f32, Lang)> = None;
    // Bounded: a header of thousands of entries is not a preference list.
    for item in value.split(',').take(32) {
        let mut parts = item.split(';');
        let Some(lang) = parts.next().and_then(Lang::parse) else { continue };
        let q =
            parts.find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok())).unwrap_or(1.0);
        if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, lang));
        }
    }
    best.map(|(_, lang)| lang)
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// What a page shows below the heading.
enum Body<'a> {
    NotAvailable,
    Document { token: &'a str, document: &'a PublicDocument, comparison: Option<Comparison> },
    TooMany,
}

#[derive(Debug, Clone, Copy)]
enum Comparison {
    Result(HashComparison),
    TooLarge,
    NotPdf,
    BadUpload,
}

fn render(lang: Lang, body: &Body<'_>) -> String {
    let t = lang.texts();
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex, nofollow\"><title>{}</title>\
         <link rel=\"stylesheet\" href=\"{STYLESHEET_PATH}\"></head><body><main><h1>{}</h1>\n",
        t.html_lang,
        escape(t.title),
        escape(t.heading)
    );
    match body {
        Body::NotAvailable => {
            html.push_str(&status_block("na", t.status_not_available, t.explain_not_available));
        }
        Body::TooMany => {
            html.push_str(&status_block("na", t.too_many_title, t.too_many_explain));
        }
        Body::Document { token, document, comparison } => {
            html.push_str(&document_block(t, document));
            match comparison {
                None => html.push_str(&compare_form(t, lang, token)),
                Some(c) => html.push_str(&comparison_block(t, lang, token, *c)),
            }
        }
    }
    html.push_str(&format!(
        "<p class=\"disclaimer\">{}</p>\n<nav>{}: <a href=\"?lang=en\" hreflang=\"en\">English</a> | \
         <a href=\"?lang=ru\" hreflang=\"ru\">Русский</a></nav>\n</main></body></html>\n",
        escape(t.disclaimer),
        escape(t.language)
    ));
    html
}

fn status_block(class: &str, label: &str, explanation: &str) -> String {
    format!("<p class=\"status {class}\">{}</p>\n<p>{}</p>\n", escape(label), escape(explanation))
}

fn document_block(t: &Texts, d: &PublicDocument) -> String {
    let (class, label, explanation) = match d.status {
        PublicStatus::Valid => ("valid", t.status_valid, t.explain_valid),
        PublicStatus::Suspended => ("warn", t.status_suspended, t.explain_suspended),
        PublicStatus::Withdrawn => ("bad", t.status_withdrawn, t.explain_withdrawn),
        PublicStatus::Replaced => ("bad", t.status_replaced, t.explain_replaced),
    };
    let mut html = status_block(class, label, explanation);
    if let Some(replacement) = &d.replacement_token {
        html.push_str(&format!(
            "<p><a href=\"/v/{}?lang={}\">{}</a></p>\n",
            escape(replacement),
            t.html_lang,
            escape(t.replacement_link)
        ));
    }
    let document_type = match d.document_type {
        DocumentType::ConformityCertificate => t.type_coc,
        DocumentType::TestReport => t.type_tr,
    };
    html.push_str(&format!(
        "<dl><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd>\
         <dt>{}</dt><dd>{}</dd></dl>\n",
        escape(t.issuing_body),
        escape(&d.cab_name),
        escape(t.country),
        escape(d.cab_country.as_str()),
        escape(t.document_type),
        escape(document_type),
        escape(t.issue_date),
        d.issue_date,
        escape(t.valid_until),
        d.valid_until
    ));
    html
}

fn compare_form(t: &Texts, lang: Lang, token: &str) -> String {
    format!(
        "<section><h2>{}</h2><form method=\"post\" action=\"/v/{}/compare?lang={}\" \
         enctype=\"multipart/form-data\"><p><label for=\"pdf-file\">{}</label></p>\
         <input type=\"file\" id=\"pdf-file\" name=\"{PDF_PART}\" accept=\"application/pdf\" required> \
         <button type=\"submit\">{}</button></form></section>\n",
        escape(t.compare_heading),
        escape(token),
        lang_code(lang),
        escape(t.compare_explain),
        escape(t.compare_button)
    )
}

fn comparison_block(t: &Texts, lang: Lang, token: &str, c: Comparison) -> String {
    let (class, text) = match c {
        Comparison::Result(HashComparison::Match) => ("valid", t.compare_match),
        Comparison::Result(HashComparison::Mismatch) => ("bad", t.compare_mismatch),
        Comparison::TooLarge => ("warn", t.compare_too_large),
        Comparison::NotPdf => ("warn", t.compare_not_pdf),
        Comparison::BadUpload => ("warn", t.compare_bad_upload),
    };
    format!(
        "<section><h2>{}</h2><p class=\"result {class}\">{}</p><p><a href=\"/v/{}?lang={}\">{}</a></p></section>\n",
        escape(t.compare_heading),
        escape(text),
        escape(token),
        lang_code(lang),
        escape(t.back_to_page)
    )
}

fn lang_code(lang: Lang) -> &'static str {
    lang.texts().html_lang
}

fn html_response(status: StatusCode, html: String) -> Response {
    let mut response = (status, html).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PAGE_CSP));
    h.insert(header::VARY, HeaderValue::from_static("Accept-Language"));
    response
}

fn not_available(lang: Lang) -> Response {
    html_response(StatusCode::NOT_FOUND, render(lang, &Body::NotAvailable))
}

/// The 429 page of the `/v` surface, in the client's language.
pub(crate) fn too_many_requests(query: Option<&str>, headers: &HeaderMap, retry_after: Duration) -> Response {
    let lang = Lang::choose(query, headers);
    let mut response = html_response(StatusCode::TOO_MANY_REQUESTS, render(lang, &Body::TooMany));
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
    let lang = Lang::choose(req.uri().query(), &headers);
    match or_not_available(s.hub.public_document(&token).await) {
        None => not_available(lang),
        Some(document) => html_response(
            StatusCode::OK,
            render(lang, &Body::Document { token: &token, document: &document, comparison: None }),
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
    let lang = Lang::choose(req.uri().query(), &headers);
    // The document first: for a token that names nothing, the upload is not even read.
    let Some(document) = or_not_available(s.hub.public_document(&token).await) else { return not_available(lang) };
    let outcome = match read_pdf_upload(req, max_pdf_bytes).await {
        Err(problem) => Some(problem),
        Ok(pdf) => match or_not_available(s.hub.compare_public_pdf(&token, &pdf).await) {
            Some((_, result)) => Some(Comparison::Result(result)),
            None => return not_available(lang),
        },
    };
    let status = match outcome {
        Some(Comparison::TooLarge) => StatusCode::PAYLOAD_TOO_LARGE,
        Some(Comparison::NotPdf | Comparison::BadUpload) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    html_response(status, render(lang, &Body::Document { token: &token, document: &document, comparison: outcome }))
}

/// The form's one `pdf` part, refused past `max` bytes.
async fn read_pdf_upload(req: Request, max: usize) -> Result<axum::body::Bytes, Comparison> {
    let mut multipart = Multipart::from_request(req, &()).await.map_err(|_| Comparison::BadUpload)?;
    while let Some(field) = multipart.next_field().await.map_err(|e| upload_problem(e.status()))? {
        if field.name() == Some(PDF_PART) {
            let pdf = read_part(field, PDF_PART, max).await.map_err(|e| upload_problem(e.status()))?;
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

    fn all(t: &Texts) -> Vec<&'static str> {
        vec![
            t.html_lang,
            t.title,
            t.heading,
            t.status_valid,
            t.status_suspended,
            t.status_withdrawn,
            t.status_replaced,
            t.status_not_available,
            t.explain_valid,
            t.explain_suspended,
            t.explain_withdrawn,
            t.explain_replaced,
            t.explain_not_available,
            t.replacement_link,
            t.issuing_body,
            t.country,
            t.document_type,
            t.type_coc,
            t.type_tr,
            t.issue_date,
            t.valid_until,
            t.compare_heading,
            t.compare_explain,
            t.compare_button,
            t.compare_match,
            t.compare_mismatch,
            t.compare_too_large,
            t.compare_not_pdf,
            t.compare_bad_upload,
            t.back_to_page,
            t.too_many_title,
            t.too_many_explain,
            t.disclaimer,
            t.language,
        ]
    }

    #[test]
    fn every_text_exists_in_both_languages() {
        let (en, ru) = (all(&EN), all(&RU));
        assert_eq!(en.len(), ru.len());
        for (e, r) in en.iter().zip(&ru) {
            assert!(!e.trim().is_empty() && !r.trim().is_empty(), "{e:?} / {r:?}");
            assert_ne!(e, r, "untranslated: {e:?}");
            // Russian texts are written in Cyrillic (the language code aside).
            if *r != RU.html_lang {
                assert!(r.chars().any(|c| ('\u{400}'..='\u{4ff}').contains(&c)), "not Russian: {r:?}");
            }
        }
    }

    fn headers(accept: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_str(accept).unwrap());
        h
    }

    #[test]
    fn the_language_comes_from_the_query_then_the_header() {
        assert_eq!(Lang::choose(None, &HeaderMap::new()), Lang::En);
        assert_eq!(Lang::choose(Some("lang=ru"), &HeaderMap::new()), Lang::Ru);
        assert_eq!(Lang::choose(Some("lang=en"), &headers("ru-RU")), Lang::En);
        assert_eq!(Lang::choose(Some("lang=xx"), &headers("ru-RU")), Lang::Ru);
        assert_eq!(Lang::choose(None, &headers("de-DE, ru;q=0.8, en;q=0.5")), Lang::Ru);
        assert_eq!(Lang::choose(None, &headers("en-GB;q=0.9, ru;q=0.95")), Lang::Ru);
        assert_eq!(Lang::choose(None, &headers("ru;q=0, en;q=0.1")), Lang::En);
        assert_eq!(Lang::choose(None, &headers("fr, de")), Lang::En);
    }

    #[test]
    fn values_are_escaped() {
        assert_eq!(
            escape("<script>\"a\" & 'b'</script>"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
        let document = PublicDocument {
            status: PublicStatus::Valid,
            cab_name: "<img src=x onerror=alert(1)>".into(),
            cab_country: ecert_domain::country::CountryCode::parse("KZ").unwrap(),
            document_type: DocumentType::TestReport,
            issue_date: time::macros::date!(2026 - 01 - 01),
            valid_until: time::macros::date!(2027 - 01 - 01),
            replacement_token: None,
        };
        let html = render(Lang::En, &Body::Document { token: "t", document: &document, comparison: None });
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(!html.contains("<script"), "no script on the page");
    }
}
