//! Hub errors in the user's language. Every [`HubError`] becomes readable sentences and a status; raw error
//! texts (which are English and may name internals) never reach a page, and internal errors are logged here.

use crate::i18n::Lang;
use crate::key;
use crate::page::Ctx;
use axum::http::StatusCode;
use ecert_domain::{FieldError, FieldErrorCode};
use ecert_hub::HubError;
use ecert_hub::exchange::rejection_codes as codes;
use ecert_hub::users::LoginFailure;

/// At most this many field messages are listed; a form with more problems shows the first ones.
const MAX_FIELD_MESSAGES: usize = 20;

/// The status a page answers with for `err`.
pub fn status_of(err: &HubError) -> StatusCode {
    match err {
        HubError::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
        HubError::Login(LoginFailure::Locked { .. }) => StatusCode::TOO_MANY_REQUESTS,
        HubError::Login(_) => StatusCode::UNAUTHORIZED,
        HubError::Forbidden(_) => StatusCode::FORBIDDEN,
        HubError::NotFound(_) => StatusCode::NOT_FOUND,
        HubError::Invalid(_) | HubError::Rejected(_) => StatusCode::UNPROCESSABLE_ENTITY,
        HubError::Conflict(_) => StatusCode::CONFLICT,
        HubError::Gone(_) => StatusCode::GONE,
        HubError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Adds the translated messages of `err` to the page (raw hub texts never reach it) and says which status the
/// page answers with.
pub(crate) fn flash_error(ctx: &mut Ctx, err: &HubError) -> StatusCode {
    for message in messages(&ctx.lang, err) {
        ctx.error(message);
    }
    status_of(err)
}

/// What to tell the user about `err`, one sentence per line.
pub fn messages(lang: &Lang, err: &HubError) -> Vec<String> {
    match err {
        HubError::Unauthenticated { .. } => vec![lang.t(key!("error-unauthenticated"))],
        HubError::Login(failure) => vec![login_failure(lang, failure)],
        HubError::Forbidden(_) => vec![lang.t(key!("error-forbidden"))],
        HubError::NotFound(_) => vec![lang.t(key!("error-not-found"))],
        HubError::Invalid(fields) => {
            let mut out: Vec<String> = Vec::new();
            for message in fields.0.iter().map(|f| field_message(lang, f)) {
                if !out.contains(&message) && out.len() < MAX_FIELD_MESSAGES {
                    out.push(message);
                }
            }
            if out.is_empty() {
                out.push(lang.t(key!("error-invalid")));
            }
            out
        }
        HubError::Conflict(detail) => {
            tracing::info!(%detail, "portal request conflicted");
            vec![lang.t(key!("error-conflict"))]
        }
        HubError::Rejected(rejection) => vec![rejection_message(lang, rejection.code)],
        HubError::Gone(_) => vec![lang.t(key!("error-gone"))],
        HubError::Internal(detail) => {
            tracing::error!(%detail, "portal request failed");
            vec![lang.t(key!("error-internal"))]
        }
    }
}

/// One login failure, translated.
pub fn login_failure(lang: &Lang, failure: &LoginFailure) -> String {
    match failure {
        LoginFailure::WrongCredentials => lang.t(key!("login-wrong-credentials")),
        LoginFailure::Locked { until } => lang.t1(key!("login-locked"), "until", lang.datetime(*until)),
        LoginFailure::WrongCode => lang.t(key!("login-wrong-code")),
        LoginFailure::CodeReused => lang.t(key!("login-code-reused")),
        LoginFailure::SessionExpired => lang.t(key!("login-session-expired")),
        LoginFailure::EnrolmentRequired => lang.t(key!("login-enrolment-required")),
        LoginFailure::Disabled => lang.t(key!("login-disabled")),
    }
}

/// Why the hub refused a pushed document, in plain words; an unknown code gets the general sentence.
pub fn rejection_message(lang: &Lang, code: &str) -> String {
    let key = match code {
        codes::UNSIGNED => key!("rejection-unsigned"),
        codes::PDF_UNREADABLE => key!("rejection-pdf_unreadable"),
        codes::SIGNATURE_INVALID => key!("rejection-signature_invalid"),
        codes::SIGNER_NOT_REGISTERED => key!("rejection-signer_not_registered"),
        codes::SIGNER_OTHER_CAB => key!("rejection-signer_other_cab"),
        codes::CERTIFICATE_REVOKED => key!("rejection-certificate_revoked"),
        codes::CERTIFICATE_EXPIRED => key!("rejection-certificate_expired"),
        codes::CAB_NOT_ACTIVE => key!("rejection-cab_not_active"),
        codes::NOT_ACCREDITED => key!("rejection-not_accredited"),
        codes::OUT_OF_SCOPE => key!("rejection-out_of_scope"),
        codes::NO_RECEIVER => key!("rejection-no_receiver"),
        other => {
            tracing::warn!(code = other, "rejection code without a translation");
            key!("rejection-other")
        }
    };
    lang.t(key)
}

/// "<label>: <reason>" for one invalid field. The label is `field-<name>` of the path's first segment
/// (`hs_codes/2` → `field-hs_codes`); the reason is the translation of the error's code, never its English text.
pub fn field_message(lang: &Lang, error: &FieldError) -> String {
    let name = error.field.split(['/', '[', '.']).next().unwrap_or_default();
    let label_key = format!("field-{name}");
    let label = if !name.is_empty() && lang.has(&label_key) { lang.t(&label_key) } else { lang.t(key!("field-other")) };
    lang.t2(key!("field-error"), "field", label, "reason", lang.t(reason_key(error.code)))
}

/// The generic reason shown for each code.
fn reason_key(code: FieldErrorCode) -> &'static str {
    match code {
        FieldErrorCode::Required => key!("reason-required"),
        FieldErrorCode::TooLong => key!("reason-too-long"),
        FieldErrorCode::TooMany => key!("reason-too-many"),
        FieldErrorCode::Duplicate => key!("reason-duplicate"),
        FieldErrorCode::DateInFuture => key!("reason-date-future"),
        FieldErrorCode::DateExpired => key!("reason-date-expired"),
        FieldErrorCode::DateOrder => key!("reason-date-order"),
        FieldErrorCode::PeriodTooLong => key!("reason-period-too-long"),
        FieldErrorCode::Invalid => key!("reason-invalid"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecert_domain::FieldErrors;

    fn lang(code: &str) -> Lang {
        let catalog = crate::i18n::Catalog::shared();
        Lang::new(std::sync::Arc::clone(catalog), catalog.find(code).unwrap())
    }

    #[test]
    fn invalid_fields_are_labelled_and_translated() {
        let mut errors = FieldErrors::default();
        errors.push_code("hs_codes/1", FieldErrorCode::Duplicate, "HS code 847130 is listed twice");
        errors.push_code("document_number", FieldErrorCode::Required, "<script>alert(1)</script>");
        errors.push("x_unknown", "must not be empty");
        let err = HubError::Invalid(errors);
        let en = messages(&lang("en"), &err);
        assert_eq!(en.len(), 3);
        assert!(en[0].starts_with(&lang("en").t("field-hs_codes")), "{en:?}");
        assert!(en[0].ends_with(&lang("en").t("reason-duplicate")), "{en:?}");
        assert!(en[1].starts_with(&lang("en").t("field-document_number")), "{en:?}");
        assert!(en[1].ends_with(&lang("en").t("reason-required")), "{en:?}");
        // The code decides, not the wording: "must not be empty" under the catch-all code stays "invalid".
        assert!(en[2].starts_with(&lang("en").t("field-other")), "{en:?}");
        assert!(en[2].ends_with(&lang("en").t("reason-invalid")), "{en:?}");
        assert!(en.iter().all(|m| !m.contains("script") && !m.contains("847130")), "raw reasons never shown: {en:?}");
        let ru = messages(&lang("ru"), &err);
        assert!(ru[0].starts_with(&lang("ru").t("field-hs_codes")), "{ru:?}");
        assert!(ru[0].ends_with(&lang("ru").t("reason-duplicate")), "{ru:?}");
        assert_ne!(en, ru);
        assert_eq!(status_of(&err), StatusCode::UNPROCESSABLE_ENTITY);
    }

    #[test]
    fn the_same_code_reads_the_same_whatever_the_wording() {
        let wordings = ["must not be empty", "is already listed", "must be at most 3 characters", "", "<b>x</b>"];
        for code in ["en", "ru"] {
            let l = lang(code);
            let mut reasons = Vec::new();
            for c in FieldErrorCode::ALL {
                let texts: Vec<String> =
                    wordings.iter().map(|w| field_message(&l, &FieldError::with_code("valid_until", c, *w))).collect();
                assert!(texts.iter().all(|t| *t == texts[0]), "{c:?} in {code}: {texts:?}");
                let reason = l.t(reason_key(c));
                assert!(!reason.starts_with("reason-"), "untranslated {c:?} in {code}");
                assert!(texts[0].ends_with(&reason), "{texts:?}");
                reasons.push(reason);
            }
            for (i, r) in reasons.iter().enumerate() {
                assert!(reasons.iter().skip(i + 1).all(|o| o != r), "two codes read alike in {code}: {r}");
            }
        }
    }

    #[test]
    fn internal_details_are_not_shown() {
        let err = HubError::Internal("database password is hunter2".into());
        let m = messages(&lang("en"), &err);
        assert_eq!(m, vec![lang("en").t("error-internal")]);
        assert_eq!(status_of(&err), StatusCode::INTERNAL_SERVER_ERROR);
        let err = HubError::Conflict("a record with the same key already exists (users.username)".into());
        assert_eq!(messages(&lang("ru"), &err), vec![lang("ru").t("error-conflict")]);
    }

    #[test]
    fn every_login_failure_has_its_own_message() {
        let until = time::macros::datetime!(2026-11-23 10:15 UTC);
        let failures = [
            LoginFailure::WrongCredentials,
            LoginFailure::Locked { until },
            LoginFailure::WrongCode,
            LoginFailure::CodeReused,
            LoginFailure::SessionExpired,
            LoginFailure::EnrolmentRequired,
            LoginFailure::Disabled,
        ];
        for code in ["en", "ru"] {
            let l = lang(code);
            let texts: Vec<String> = failures.iter().map(|f| login_failure(&l, f)).collect();
            for (i, t) in texts.iter().enumerate() {
                assert!(!t.starts_with("login-"), "untranslated: {t}");
                assert!(texts.iter().skip(i + 1).all(|o| o != t), "duplicate message {t}");
            }
            assert!(texts[1].contains(&l.datetime(until)), "the lock shows when it ends: {}", texts[1]);
        }
    }

    #[test]
    fn rejections_are_translated_with_a_fallback() {
        let l = lang("ru");
        assert_eq!(rejection_message(&l, codes::OUT_OF_SCOPE), l.t("rejection-out_of_scope"));
        assert_eq!(rejection_message(&l, "something_new"), l.t("rejection-other"));
    }
}
