//! Validation errors that name the offending field, so every edge (API, CLI, portal) can say exactly what was
//! wrong without inventing its own wording.

use serde::Serialize;

/// One rejected input field: a JSON-pointer-like path (`hs_prefix`, `contacts/0/email`) and the reason.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub reason: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self { field: field.into(), reason: reason.into() }
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
    pub fn push(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.0.push(FieldError::new(field, reason));
    }

    /// Records the error of a fallible parse under `field`, returning the parsed value when it succeeded.
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
        errors.push(field, "must not be empty");
    } else if value.chars().count() > max_len {
        errors.push(field, format!("must be at most {max_len} characters"));
    } else if value.chars().any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\t'))) {
        errors.push(field, "must not contain control characters");
    }
}
