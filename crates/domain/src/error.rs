//! Validation errors that name the offending field, so every edge (API, CLI, portal) can say exactly what was
//! wrong without inventing its own wording.

use serde::Serialize;

/// Why a field was rejected, for machines: API clients branch on it and the portal translates it, so neither has
/// to read the English `reason`. Adding a case is an API change (and needs a portal translation).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldErrorCode {
    /// The value is missing or empty.
    Required,
    /// The value is longer (or, for uploads, larger) than allowed.
    TooLong,
    /// The list has more entries than allowed.
    TooMany,
    /// The value repeats an earlier entry, or one already taken by another record.
    Duplicate,
    /// The date lies in the future, which this field does not allow.
    DateInFuture,
    /// The date, or the validity it ends, is already in the past.
    DateExpired,
    /// The date comes before (or on) the date it must follow.
    DateOrder,
    /// The period between two dates is longer than allowed.
    PeriodTooLong,
    /// Anything else: a malformed value, a wrong format, an unknown or unsuitable reference, an out-of-range number.
    Invalid,
}

impl FieldErrorCode {
    pub const ALL: [Self; 9] = [
        Self::Required,
        Self::TooLong,
        Self::TooMany,
        Self::Duplicate,
        Self::DateInFuture,
        Self::DateExpired,
        Self::DateOrder,
        Self::PeriodTooLong,
        Self::Invalid,
    ];

    /// The code for a value of `len` characters (or bytes) that broke a "1 to `max`" rule, possibly combined with
    /// a rule on its characters: empty is `required`, over `max` is `too_long`, anything else is `invalid`.
    pub fn for_length(len: usize, max: usize) -> Self {
        if len == 0 {
            Self::Required
        } else if len > max {
            Self::TooLong
        } else {
            Self::Invalid
        }
    }
}

/// One rejected input field: a JSON-pointer-like path (`hs_prefix`, `contacts/0/email`), the machine-readable
/// code and the reason in English (for logs and API users; the portal shows a translation of the code instead).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: FieldErrorCode,
    pub reason: String,
}

impl FieldError {
    /// A field rejected with the catch-all code [`FieldErrorCode::Invalid`].
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::with_code(field, FieldErrorCode::Invalid, reason)
    }

    pub fn with_code(field: impl Into<String>, code: FieldErrorCode, reason: impl Into<String>) -> Self {
        Self { field: field.into(), code, reason: reason.into() }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

/// A collection of field errors; validation gathers all of them instead of stopping at the first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    /// Records `field` as [`FieldErrorCode::Invalid`].
    pub fn push(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.0.push(FieldError::new(field, reason));
    }

    pub fn push_code(&mut self, field: impl Into<String>, code: FieldErrorCode, reason: impl Into<String>) {
        self.0.push(FieldError::with_code(field, code, reason));
    }

    /// Records the error of a fallible parse under `field` (as [`FieldErrorCode::Invalid`]: the value is there but
    /// malformed), returning the parsed value when it succeeded.
    pub fn check<T, E: std::fmt::Display>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.push(field, e.to_string());
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was recorded, so callers can write `errors.into_result()?`.
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl From<FieldError> for FieldErrors {
    fn from(e: FieldError) -> Self {
        Self(vec![e])
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&parts.join("; "))
    }
}

impl std::error::Error for FieldErrors {}

/// The one rule for free text: present, at most `max_len` characters, and no control characters (newlines and tabs
/// are allowed in `multiline` text).
pub(crate) fn validate_text(errors: &mut FieldErrors, field: &str, value: &str, max_len: usize, multiline: bool) {
    if value.is_empty() {
        errors.push_code(field, FieldErrorCode::Required, "must not be empty");
    } else if value.chars().count() > max_len {
        errors.push_code(field, FieldErrorCode::TooLong, format!("must be at most {max_len} characters"));
    } else if value.chars().any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\t'))) {
        errors.push(field, "must not contain control characters");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_in_snake_case_next_to_field_and_reason() {
        let json =
            serde_json::to_value(FieldError::with_code("valid_until", FieldErrorCode::PeriodTooLong, "x")).unwrap();
        assert_eq!(json, serde_json::json!({"field": "valid_until", "code": "period_too_long", "reason": "x"}));
        let names: Vec<String> =
            FieldErrorCode::ALL.iter().map(|c| serde_json::to_value(c).unwrap().as_str().unwrap().to_owned()).collect();
        assert_eq!(
            names,
            [
                "required",
                "too_long",
                "too_many",
                "duplicate",
                "date_in_future",
                "date_expired",
                "date_order",
                "period_too_long",
                "invalid"
            ]
        );
    }

    #[test]
    fn untyped_constructors_mean_invalid() {
        assert_eq!(FieldError::new("f", "r").code, FieldErrorCode::Invalid);
        let mut errors = FieldErrors::default();
        errors.push("a", "r");
        errors.push_code("b", FieldErrorCode::Duplicate, "r");
        assert_eq!(errors.check::<(), _>("c", Err("bad")), None);
        let codes: Vec<_> = errors.0.iter().map(|e| e.code).collect();
        assert_eq!(codes, [FieldErrorCode::Invalid, FieldErrorCode::Duplicate, FieldErrorCode::Invalid]);
    }

    #[test]
    fn length_rules_say_which_bound_was_broken() {
        assert_eq!(FieldErrorCode::for_length(0, 10), FieldErrorCode::Required);
        assert_eq!(FieldErrorCode::for_length(11, 10), FieldErrorCode::TooLong);
        assert_eq!(FieldErrorCode::for_length(10, 10), FieldErrorCode::Invalid);
        assert_eq!(FieldErrorCode::for_length(1, 10), FieldErrorCode::Invalid);
    }

    #[test]
    fn text_rule_codes() {
        let code = |value: &str, multiline| {
            let mut errors = FieldErrors::default();
            validate_text(&mut errors, "t", value, 3, multiline);
            errors.0.iter().map(|e| e.code).collect::<Vec<_>>()
        };
        assert_eq!(code("", false), [FieldErrorCode::Required]);
        assert_eq!(code("abcd", false), [FieldErrorCode::TooLong]);
        assert_eq!(code("a\nb", false), [FieldErrorCode::Invalid]);
        assert!(code("a\nb", true).is_empty());
    }
}
