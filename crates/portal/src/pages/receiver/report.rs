//! The stored verification report (the validator's JSON) told in plain words: the verdict, whether the file is
//! unchanged since signing, and who signed when. Only facts the report states are shown; a report of an older or
//! newer shape degrades to fewer sentences, never to an error. The CAB pages show the same words for their own
//! documents, so the portal tells a report one way.

use crate::key;
use crate::page::Ctx;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Signatures described at most (a document has one or two; the rest are counted only).
const MAX_SIGNATURES_SHOWN: usize = 10;

/// What the page shows under "Verification report".
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReportView {
    /// `TOTAL_PASSED`, `INDETERMINATE` or `TOTAL_FAILED` (the `data-indication` of `#report`), or empty.
    pub indication: &'static str,
    pub class: &'static str,
    pub headline: String,
    pub sentences: Vec<String>,
}

fn indication_of(value: &Value) -> Option<&'static str> {
    match value.as_str()? {
        "TOTAL_PASSED" => Some("TOTAL_PASSED"),
        "INDETERMINATE" => Some("INDETERMINATE"),
        "TOTAL_FAILED" => Some("TOTAL_FAILED"),
        _ => None,
    }
}

fn sub_indication_key(code: &str) -> Option<&'static str> {
    Some(match code {
        "FORMAT_FAILURE" => key!("receiver-report-sub-format_failure"),
        "HASH_FAILURE" => key!("receiver-report-sub-hash_failure"),
        "SIG_CRYPTO_FAILURE" => key!("receiver-report-sub-sig_crypto_failure"),
        "CRYPTO_CONSTRAINTS_FAILURE" => key!("receiver-report-sub-crypto_constraints_failure"),
        "CHAIN_CONSTRAINTS_FAILURE" => key!("receiver-report-sub-chain_constraints_failure"),
        "CERTIFICATE_CHAIN_GENERAL_FAILURE" => key!("receiver-report-sub-certificate_chain_general_failure"),
        "REVOKED" | "REVOKED_NO_POE" | "REVOKED_CA_NO_POE" => key!("receiver-report-sub-revoked"),
        "EXPIRED" | "OUT_OF_BOUNDS_NO_POE" => key!("receiver-report-sub-expired"),
        "NOT_YET_VALID" => key!("receiver-report-sub-not_yet_valid"),
        "NO_SIGNING_CERTIFICATE_FOUND" => key!("receiver-report-sub-no_signing_certificate_found"),
        "NO_CERTIFICATE_CHAIN_FOUND" => key!("receiver-report-sub-no_certificate_chain_found"),
        "TRY_LATER" => key!("receiver-report-sub-try_later"),
        _ => return None,
    })
}

/// The common name of an X.509 name as the report prints it (`CN=Lab Signer,O=Lab,C=KZ`), else the whole name.
fn common_name(name: &str) -> &str {
    name.split(',')
        .map(str::trim)
        .find_map(|part| part.strip_prefix("CN=").or_else(|| part.strip_prefix("cn=")))
        .filter(|cn| !cn.is_empty())
        .unwrap_or(name)
}

/// A PDF date (`D:YYYYMMDDHHmmSS+HH'mm'`, ISO 32000-1 7.9.4), the form of a signature's claimed time. Fields
/// after the year may be left out; no offset means UTC.
fn pdf_date(text: &str) -> Option<OffsetDateTime> {
    let text = text.strip_prefix("D:").unwrap_or(text);
    let digits_end = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (digits, zone) = text.split_at(digits_end);
    if digits.len() < 4 || digits.len() > 14 || !digits.len().is_multiple_of(2) {
        return None;
    }
    let field =
        |at: usize, default: u8| -> Option<u8> { digits.get(at..at + 2).map_or(Some(default), |d| d.parse().ok()) };
    let year: i32 = digits.get(..4)?.parse().ok()?;
    let month = time::Month::try_from(field(4, 1)?).ok()?;
    let date = time::Date::from_calendar_date(year, month, field(6, 1)?).ok()?;
    let clock = time::Time::from_hms(field(8, 0)?, field(10, 0)?, field(12, 0)?).ok()?;
    let offset = match zone.chars().next() {
        None | Some('Z') => time::UtcOffset::UTC,
        Some(sign @ ('+' | '-')) => {
            let rest: String = zone[1..].chars().filter(char::is_ascii_digit).collect();
            let hours: i8 = rest.get(..2)?.parse().ok()?;
            let minutes: i8 = rest.get(2..4).map_or(Some(0), |m| m.parse().ok())?;
            let sign = if sign == '-' { -1 } else { 1 };
            time::UtcOffset::from_hms(sign * hours, sign * minutes, 0).ok()?
        }
        Some(_) => return None,
    };
    Some(time::PrimitiveDateTime::new(date, clock).assume_offset(offset))
}

/// A time from the report (RFC 3339, or a PDF date for a claimed signing time) in the reader's words; text that
/// is neither is shown as written.
fn moment(ctx: &Ctx, text: &str) -> String {
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .or_else(|| pdf_date(text))
        .map(|t| ctx.datetime(&t))
        .unwrap_or_else(|| text.to_owned())
}

/// The report in words; `None` when the hub no longer keeps it.
pub(crate) fn plain_words(ctx: &Ctx, report: Option<&Value>) -> Option<ReportView> {
    let report = report?;
    let document = &report["document"];
    let indication = indication_of(&document["indication"]);
    let (headline_key, class) = match indication {
        Some("TOTAL_PASSED") => (key!("receiver-report-passed"), "good"),
        Some("TOTAL_FAILED") => (key!("receiver-report-failed"), "bad"),
        _ => (key!("receiver-report-indeterminate"), "warn"),
    };
    let mut sentences = Vec::new();
    match document["integrity_intact"].as_bool() {
        Some(true) => sentences.push(ctx.t("receiver-report-intact")),
        Some(false) => sentences.push(ctx.t("receiver-report-not-intact")),
        None => {}
    }
    let signatures = report["signatures"].as_array().map(Vec::as_slice).unwrap_or_default();
    if let Some(count) = document["signature_count"].as_u64() {
        sentences.push(ctx.count("receiver-report-signature-count", count));
    }
    for s in signatures.iter().take(MAX_SIGNATURES_SHOWN) {
        let timestamp = s["kind"].as_str() == Some("document_timestamp");
        let signer = s["signer"]["subject"].as_str().map(common_name);
        match (timestamp, signer) {
            (true, _) => sentences.push(ctx.t("receiver-report-document-timestamp")),
            (false, Some(signer)) => sentences.push(ctx.t1("receiver-report-signer", "name", signer)),
            (false, None) => sentences.push(ctx.t("receiver-report-signer-unknown")),
        }
        if let Some(at) = s["times"]["timestamped"].as_str() {
            sentences.push(ctx.t1("receiver-report-timestamped", "time", moment(ctx, at)));
        } else if let Some(at) = s["times"]["claimed"].as_str() {
            sentences.push(ctx.t1("receiver-report-claimed-time", "time", moment(ctx, at)));
        }
        // The anchor is worth naming only when it is not the signer's own (registered) certificate.
        let anchor = s["chain"].as_array().and_then(|c| c.last()).and_then(|c| c["subject"].as_str()).map(common_name);
        if let Some(anchor) = anchor.filter(|a| Some(*a) != signer) {
            sentences.push(ctx.t1("receiver-report-chain", "name", anchor));
        }
        if let Some(key) = s["sub_indication"].as_str().and_then(sub_indication_key) {
            sentences.push(ctx.t(key));
        }
    }
    if let Some(at) = report["validation_time"].as_str() {
        sentences.push(ctx.t1("receiver-report-checked-at", "time", moment(ctx, at)));
    }
    Some(ReportView { indication: indication.unwrap_or_default(), class, headline: ctx.t(headline_key), sentences })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx(code: &str) -> Ctx {
        let catalog = crate::i18n::Catalog::shared();
        let lang = crate::i18n::Lang::new(std::sync::Arc::clone(catalog), catalog.find(code).unwrap());
        Ctx::new(lang, String::new(), "/portal/inbox".into())
    }

    fn passed() -> Value {
        json!({
            "document": {"indication": "TOTAL_PASSED", "integrity_intact": true, "signature_count": 1, "summary": "x"},
            "signatures": [{
                "kind": "signature",
                "indication": "TOTAL_PASSED",
                "sub_indication": null,
                "signer": {"subject": "CN=Almaty Lab Signer,O=Lab,C=KZ"},
                "chain": [{"subject": "CN=Almaty Lab Signer"}, {"subject": "CN=Demo Root CA,C=KZ"}],
                "times": {"claimed": "2026-11-20T10:00:00Z", "timestamped": null, "best_signature_time": "2026-11-20T10:00:00Z"}
            }],
            "document_errors": [],
            "validation_time": "2026-11-21T08:30:00Z"
        })
    }

    #[test]
    fn a_passed_report_reads_as_sentences() {
        for code in ["en", "ru"] {
            let c = ctx(code);
            let view = plain_words(&c, Some(&passed())).unwrap();
            assert_eq!(view.indication, "TOTAL_PASSED");
            assert_eq!(view.class, "good");
            assert_eq!(view.headline, c.t("receiver-report-passed"));
            assert!(view.sentences.contains(&c.t("receiver-report-intact")), "{view:?}");
            assert!(view.sentences.iter().any(|s| s.contains("Almaty Lab Signer") && !s.contains("CN=")), "{view:?}");
            assert!(view.sentences.iter().any(|s| s.contains("Demo Root CA")), "{view:?}");
            assert!(view.sentences.iter().any(|s| s.contains(&c.date(&time::macros::date!(2026 - 11 - 21)))));
            assert!(view.sentences.iter().all(|s| !s.contains("receiver-report")), "untranslated: {view:?}");
        }
    }

    #[test]
    fn failures_and_strange_reports_degrade_gracefully() {
        let c = ctx("en");
        let failed = json!({
            "document": {"indication": "TOTAL_FAILED", "integrity_intact": false, "signature_count": 2},
            "signatures": [{"kind": "signature", "sub_indication": "HASH_FAILURE"}, {"kind": "document_timestamp"}]
        });
        let view = plain_words(&c, Some(&failed)).unwrap();
        assert_eq!((view.indication, view.class), ("TOTAL_FAILED", "bad"));
        assert!(view.sentences.contains(&c.t("receiver-report-not-intact")));
        assert!(view.sentences.contains(&c.t("receiver-report-sub-hash_failure")));
        assert!(view.sentences.contains(&c.t("receiver-report-signer-unknown")));
        assert!(view.sentences.contains(&c.t("receiver-report-document-timestamp")));
        let odd = plain_words(&c, Some(&json!(["not", "a", "report"]))).unwrap();
        assert_eq!((odd.indication, odd.class), ("", "warn"));
        assert!(odd.sentences.is_empty());
        assert_eq!(plain_words(&c, None), None);
    }

    #[test]
    fn pdf_dates_are_read() {
        let t = |s| pdf_date(s).map(|t| t.to_offset(time::UtcOffset::UTC));
        assert_eq!(t("D:20261123014748+00'00'"), Some(time::macros::datetime!(2026-11-23 01:47:48 UTC)));
        assert_eq!(t("D:20261123014748+05'00'"), Some(time::macros::datetime!(2026-11-22 20:47:48 UTC)));
        assert_eq!(t("D:20261123014748-03'30"), Some(time::macros::datetime!(2026-11-23 05:17:48 UTC)));
        assert_eq!(t("D:2026"), Some(time::macros::datetime!(2026-01-01 00:00:00 UTC)));
        assert_eq!(t("D:20261123014748Z"), Some(time::macros::datetime!(2026-11-23 01:47:48 UTC)));
        for bad in ["", "D:", "D:202", "D:20261323", "D:20261123256000", "D:20261123014748X", "D:2026112301474812345"] {
            assert_eq!(pdf_date(bad), None, "{bad}");
        }
        let c = ctx("en");
        assert_eq!(moment(&c, "D:20261123014748+00'00'"), c.datetime(&time::macros::datetime!(2026-11-23 01:47 UTC)));
        assert_eq!(moment(&c, "sometime"), "sometime");
    }

    #[test]
    fn common_names_are_picked_out() {
        assert_eq!(common_name("CN=Signer A,O=Lab,C=KZ"), "Signer A");
        assert_eq!(common_name("O=Lab, CN=Signer B"), "Signer B");
        assert_eq!(common_name("O=Lab"), "O=Lab");
    }
}
