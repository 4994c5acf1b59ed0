//! The HTML of the public authenticity page (`/v/{token}`, the QR code's target, no login), which the server's
//! handlers answer with. It lives here, beside the portal's pages, so that it speaks through the portal's one
//! translation system: its texts are the `public-*` keys of `locales/<lang>/public.ftl`, its dates follow the
//! language, its language links list every language of the catalog, and the key-completeness test sees every key
//! it uses. HTTP (statuses, headers, uploads, the lookups) stays with the server.
//!
//! Every interpolated value is escaped by the template; the page has no script and links one stylesheet,
//! [`STYLESHEET_PATH`], so a CSP can forbid everything else. The not-available page shows nothing of the request
//! (not even the token), so every "not there" answer is the same bytes for one language.

use crate::i18n::Lang;
use crate::key;
use askama::Template;
use ecert_hub::verification::{HashComparison, PublicDocument, PublicStatus};

/// Where the server serves [`STYLESHEET`]; the page links it.
pub const STYLESHEET_PATH: &str = "/static/verify.css";

/// The page's stylesheet, compiled in.
pub const STYLESHEET: &str = include_str!("../static/verify.css");

/// The name of the compare form's file field (the server reads the upload by it).
pub const PDF_FIELD: &str = "pdf";

/// What the page shows below its heading.
#[derive(Debug, Clone, Copy)]
pub enum PublicView<'a> {
    /// The neutral answer for every token the public cannot rely on (unknown, malformed, unavailable).
    NotAvailable,
    /// The rate limit's answer.
    TooManyRequests,
    /// A document: its public facts, then either the compare form (`comparison: None`) or a comparison's outcome.
    Document { token: &'a str, document: &'a PublicDocument, comparison: Option<Comparison> },
}

/// The outcome of comparing an uploaded copy with the registered PDF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Result(HashComparison),
    TooLarge,
    NotPdf,
    BadUpload,
}

/// The page in `lang`. Fails only if the template cannot write (which the server answers with a 500).
pub fn render(lang: &Lang, view: &PublicView<'_>) -> askama::Result<String> {
    let (status, facts, compare) = match view {
        PublicView::NotAvailable => (
            StatusLine {
                class: "na",
                label: key!("public-status-not-available"),
                explanation: key!("public-explain-not-available"),
            },
            None,
            None,
        ),
        PublicView::TooManyRequests => (
            StatusLine {
                class: "na",
                label: key!("public-too-many-title"),
                explanation: key!("public-too-many-explain"),
            },
            None,
            None,
        ),
        PublicView::Document { token, document, comparison } => (
            status_line(document.status),
            Some(Facts::of(lang, document)),
            Some(CompareSection { token, outcome: comparison.map(outcome) }),
        ),
    };
    PublicPage { lang, stylesheet: STYLESHEET_PATH, pdf_field: PDF_FIELD, status, facts, compare }.render()
}

#[derive(Template)]
#[template(path = "public/page.html")]
struct PublicPage<'a> {
    lang: &'a Lang,
    stylesheet: &'static str,
    pdf_field: &'static str,
    status: StatusLine,
    facts: Option<Facts<'a>>,
    compare: Option<CompareSection<'a>>,
}

/// The big status line: a CSS class and two keys.
struct StatusLine {
    class: &'static str,
    label: &'static str,
    explanation: &'static str,
}

fn status_line(status: PublicStatus) -> StatusLine {
    let (class, label, explanation) = match status {
        PublicStatus::Valid => ("valid", key!("public-status-valid"), key!("public-explain-valid")),
        PublicStatus::Suspended => ("warn", key!("public-status-suspended"), key!("public-explain-suspended")),
        PublicStatus::Withdrawn => ("bad", key!("public-status-withdrawn"), key!("public-explain-withdrawn")),
        PublicStatus::Replaced => ("bad", key!("public-status-replaced"), key!("public-explain-replaced")),
    };
    StatusLine { class, label, explanation }
}

/// A document's public facts, formatted for the language.
struct Facts<'a> {
    replacement: Option<&'a str>,
    cab_name: &'a str,
    country: &'a str,
    /// A key (the portal's own document type labels).
    document_type: &'static str,
    issue_date: String,
    valid_until: String,
}

impl<'a> Facts<'a> {
    fn of(lang: &Lang, d: &'a PublicDocument) -> Self {
        Self {
            replacement: d.replacement_token.as_deref(),
            cab_name: &d.cab_name,
            country: d.cab_country.as_str(),
            document_type: crate::labels::document_type(d.document_type),
            issue_date: lang.date(d.issue_date),
            valid_until: lang.date(d.valid_until),
        }
    }
}

struct CompareSection<'a> {
    token: &'a str,
    /// `None`: the form.
    outcome: Option<Outcome>,
}

struct Outcome {
    class: &'static str,
    text: &'static str,
}

fn outcome(c: Comparison) -> Outcome {
    let (class, text) = match c {
        Comparison::Result(HashComparison::Match) => ("valid", key!("public-compare-match")),
        Comparison::Result(HashComparison::Mismatch) => ("bad", key!("public-compare-mismatch")),
        Comparison::TooLarge => ("warn", key!("public-compare-too-large")),
        Comparison::NotPdf => ("warn", key!("public-compare-not-pdf")),
        Comparison::BadUpload => ("warn", key!("public-compare-bad-upload")),
    };
    Outcome { class, text }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Catalog;
    use ecert_domain::country::CountryCode;
    use ecert_domain::document_type::DocumentType;
    use std::sync::Arc;

    fn lang(code: &str) -> Lang {
        let catalog = Catalog::shared();
        Lang::new(Arc::clone(catalog), catalog.find(code).unwrap())
    }

    fn document(status: PublicStatus, cab_name: &str) -> PublicDocument {
        PublicDocument {
            status,
            cab_name: cab_name.into(),
            cab_country: CountryCode::parse("KZ").unwrap(),
            document_type: DocumentType::TestReport,
            issue_date: time::macros::date!(2026 - 03 - 01),
            valid_until: time::macros::date!(2027 - 11 - 23),
            replacement_token: None,
        }
    }

    fn page(code: &str, view: &PublicView<'_>) -> String {
        render(&lang(code), view).unwrap()
    }

    #[test]
    fn the_english_disclaimer_is_the_hubs() {
        assert_eq!(lang("en").t("public-disclaimer"), ecert_hub::verification::VERIFICATION_DISCLAIMER);
    }

    #[test]
    fn every_status_and_outcome_is_translated_in_every_language() {
        for locale in Catalog::shared().locales() {
            let l = lang(&locale.code);
            let statuses =
                [PublicStatus::Valid, PublicStatus::Suspended, PublicStatus::Withdrawn, PublicStatus::Replaced];
            let outcomes = [
                Comparison::Result(HashComparison::Match),
                Comparison::Result(HashComparison::Mismatch),
                Comparison::TooLarge,
                Comparison::NotPdf,
                Comparison::BadUpload,
            ];
            let keys = statuses
                .iter()
                .flat_map(|s| [status_line(*s).label, status_line(*s).explanation])
                .chain(outcomes.iter().map(|c| outcome(*c).text));
            for key in keys {
                assert!(l.has(key), "{}: {key}", locale.code);
            }
        }
    }

    #[test]
    fn a_document_page_in_english_and_russian() {
        let d = document(PublicStatus::Valid, "Almaty Lab");
        let view = PublicView::Document { token: "tok", document: &d, comparison: None };
        let en = page("en", &view);
        for text in [
            "<html lang=\"en\">",
            "<p class=\"status valid\">VALID</p>",
            "<dd>Almaty Lab</dd>",
            "<dd>KZ</dd>",
            "<dd>Test report</dd>",
            "<dd>1 March 2026</dd>",
            "<dd>23 November 2027</dd>",
            "action=\"/v/tok/compare?lang=en\"",
            "name=\"pdf\"",
            "href=\"/static/verify.css\"",
            "<a href=\"?lang=en\" hreflang=\"en\" lang=\"en\">English</a> | <a href=\"?lang=ru\"",
        ] {
            assert!(en.contains(text), "{text} missing: {en}");
        }
        let ru = page("ru", &view);
        for text in [
            "<html lang=\"ru\">",
            ">ДЕЙСТВИТЕЛЕН<",
            "<dd>Протокол испытаний</dd>",
            "<dd>1 марта 2026 г.</dd>",
            "action=\"/v/tok/compare?lang=ru\"",
            "Язык:",
        ] {
            assert!(ru.contains(text), "{text} missing: {ru}");
        }
    }

    #[test]
    fn a_replaced_document_links_its_replacement_in_the_same_language() {
        let mut d = document(PublicStatus::Replaced, "Lab");
        d.replacement_token = Some("newtok".into());
        let html = page("ru", &PublicView::Document { token: "old", document: &d, comparison: None });
        assert!(html.contains("<a href=\"/v/newtok?lang=ru\">Открыть документ, заменивший этот</a>"), "{html}");
        assert!(html.contains(">ЗАМЕНЁН<"), "{html}");
    }

    #[test]
    fn a_comparison_replaces_the_form() {
        let d = document(PublicStatus::Valid, "Lab");
        let html = page(
            "en",
            &PublicView::Document {
                token: "tok",
                document: &d,
                comparison: Some(Comparison::Result(HashComparison::Mismatch)),
            },
        );
        assert!(html.contains("<p class=\"result bad\">The file is NOT identical"), "{html}");
        assert!(html.contains("<a href=\"/v/tok?lang=en\">Back to the document</a>"), "{html}");
        assert!(!html.contains("<form"), "{html}");
    }

    #[test]
    fn the_neutral_pages_show_nothing_of_a_document() {
        let na = page("en", &PublicView::NotAvailable);
        assert!(na.contains("<p class=\"status na\">NOT AVAILABLE</p>"), "{na}");
        assert!(!na.contains("<dl>") && !na.contains("<form") && !na.contains("/v/"), "{na}");
        let ru = page("ru", &PublicView::TooManyRequests);
        assert!(ru.contains("Слишком много запросов"), "{ru}");
    }

    #[test]
    fn values_are_escaped_and_there_is_no_script() {
        let d = document(PublicStatus::Valid, "<img src=x onerror=alert(1)> & 'co'");
        let html = page("en", &PublicView::Document { token: "a\"b", document: &d, comparison: None });
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&#60;img src=x onerror=alert(1)&#62; &#38; &#39;co&#39;"), "{html}");
        assert!(html.contains("action=\"/v/a&#34;b/compare?lang=en\""), "{html}");
        assert!(!html.contains("<script") && !html.contains("style="), "{html}");
    }
}
