//! Trade documents: the minimum metadata dataset an issuing CAB pushes with its signed PDF, and the
//! document status the issuer controls afterwards (valid, suspended, withdrawn, replaced).
//!
//! The issuing CAB is not part of the dataset: it comes from the caller's credential, never from the payload.
//! Uniqueness of the document number per CAB needs the store and is checked there.

use crate::country::CountryCode;
use crate::document_type::DocumentType;
use crate::error::{FieldErrorCode, FieldErrors};
use crate::hs::HsCode;
use crate::ids::InstitutionId;
use crate::institution::validate_name;
use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};

pub const MAX_DOCUMENT_NUMBER_LEN: usize = 100;
pub const MAX_HS_CODES: usize = 50;
pub const MAX_DESCRIPTION_LEN: usize = 2000;
pub const MAX_STANDARDS: usize = 30;
pub const MAX_STANDARD_LEN: usize = 200;
/// Longest validity accepted. Conformity certificates run for up to five years in practice; twice that
/// leaves room for unusual schemes while still catching typed-wrong years (2206 for 2026).
pub const MAX_VALIDITY_DAYS: i64 = 3653;
pub const MAX_REASON_LEN: usize = 1000;

/// The statement every verification answer carries (API, public page, evidence bundle): one text, so no
/// surface can drift into sounding like an acceptance decision.
pub const VERIFICATION_DISCLAIMER: &str = "Hub verification is reference information about the document's \
    signature, its issuer's registration and its status. It is not legal acceptance of the document and not \
    customs clearance: those decisions remain with the competent authorities of the importing country.";

use crate::error::validate_text;
pub use crate::ids::DocumentId;

/// An applicant or manufacturer named on the document.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewParty {
    pub name: String,
    #[serde(default)]
    pub country: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub name: String,
    pub country: Option<CountryCode>,
}

/// The metadata JSON of a push, as received.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewDocumentMetadata {
    /// The issuer's own number for the document.
    pub document_number: String,
    /// `CoC` or `TR`.
    pub document_type: String,
    pub hs_codes: Vec<String>,
    pub product_description: String,
    pub issue_date: Date,
    pub valid_until: Date,
    /// ISO 3166-1 alpha-2 code of the importing country.
    pub destination_country: String,
    /// Send only to this receiving authority instead of every eligible one of the destination country.
    #[serde(default)]
    pub receiving_authority: Option<InstitutionId>,
    #[serde(default)]
    pub applicant: Option<NewParty>,
    #[serde(default)]
    pub manufacturer: Option<NewParty>,
    #[serde(default)]
    pub applied_standards: Vec<String>,
    /// A public token the CAB reserved before signing (`POST /api/v1/document-tokens`), because the QR code it
    /// printed points at it; without one the hub generates the token. Not part of the stored metadata.
    #[serde(default)]
    pub public_token: Option<String>,
}

/// Length of a public token: 24 random bytes, base64url without padding.
pub const PUBLIC_TOKEN_LEN: usize = 32;

/// Whether `s` has the shape of a public token (the authenticity page's key).
pub fn is_public_token(s: &str) -> bool {
    s.len() == PUBLIC_TOKEN_LEN && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Validated document metadata (data layer L2).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentMetadata {
    pub document_number: String,
    pub document_type: DocumentType,
    /// Normalised to digits, in the order given, without duplicates.
    pub hs_codes: Vec<HsCode>,
    pub product_description: String,
    pub issue_date: Date,
    pub valid_until: Date,
    pub destination_country: CountryCode,
    pub receiving_authority: Option<InstitutionId>,
    pub applicant: Option<Party>,
    pub manufacturer: Option<Party>,
    pub applied_standards: Vec<String>,
}

impl NewDocumentMetadata {
    /// Checks every field against the rules and reports all failures at once. `today` is the hub's date in
    /// UTC: a document issued in the future or already expired is refused.
    pub fn validate(self, today: Date) -> Result<DocumentMetadata, FieldErrors> {
        let mut errors = FieldErrors::default();
        let document_number = self.document_number.trim().to_owned();
        validate_text(&mut errors, "document_number", &document_number, MAX_DOCUMENT_NUMBER_LEN, false);
        let document_type = errors.check("document_type", DocumentType::parse(self.document_type.trim()));
        let hs_codes = validate_hs_codes(&mut errors, &self.hs_codes);
        let product_description = self.product_description.trim().to_owned();
        validate_text(&mut errors, "product_description", &product_description, MAX_DESCRIPTION_LEN, true);
        validate_dates(&mut errors, self.issue_date, self.valid_until, today);
        let destination_country =
            errors.check("destination_country", CountryCode::parse(self.destination_country.trim()));
        let applicant = self.applicant.and_then(|p| validate_party(&mut errors, "applicant", p));
        let manufacturer = self.manufacturer.and_then(|p| validate_party(&mut errors, "manufacturer", p));
        let applied_standards = validate_standards(&mut errors, self.applied_standards);
        if self.public_token.as_deref().is_some_and(|t| !is_public_token(t)) {
            errors.push("public_token", format!("must be a token of {PUBLIC_TOKEN_LEN} base64url characters"));
        }
        errors.into_result()?;
        match (document_type, destination_country) {
            (Some(document_type), Some(destination_country)) => Ok(DocumentMetadata {
                document_number,
                document_type,
                hs_codes,
                product_description,
                issue_date: self.issue_date,
                valid_until: self.valid_until,
                destination_country,
                receiving_authority: self.receiving_authority,
                applicant,
                manufacturer,
                applied_standards,
            }),
            _ => Err(crate::FieldError::new("metadata", "incomplete").into()),
        }
    }
}

/// One to `MAX_HS_CODES` HS codes, each valid and none listed twice (compared after normalisation).
fn validate_hs_codes(errors: &mut FieldErrors, raw: &[String]) -> Vec<HsCode> {
    if raw.is_empty() {
        errors.push_code("hs_codes", FieldErrorCode::Required, "at least one HS code is required");
        return Vec::new();
    }
    if raw.len() > MAX_HS_CODES {
        errors.push_code("hs_codes", FieldErrorCode::TooMany, format!("at most {MAX_HS_CODES} HS codes"));
        return Vec::new();
    }
    let mut codes: Vec<HsCode> = Vec::with_capacity(raw.len());
    for (i, s) in raw.iter().enumerate() {
        let field = format!("hs_codes/{i}");
        if let Some(code) = errors.check(&field, HsCode::parse(s.trim())) {
            // Compared after normalisation, so `8471.30` and `847130` are the same code.
            match codes.iter().position(|c| *c == code) {
                Some(first) => errors.push_code(
                    field,
                    FieldErrorCode::Duplicate,
                    format!("HS code {code} is already listed (duplicate of entry {first})"),
                ),
                None => codes.push(code),
            }
        }
    }
    codes
}

fn validate_dates(errors: &mut FieldErrors, issue_date: Date, valid_until: Date, today: Date) {
    if issue_date > today {
        errors.push_code(
            "issue_date",
            FieldErrorCode::DateInFuture,
            format!("must not be in the future (today is {today})"),
        );
    }
    if valid_until <= issue_date {
        errors.push_code("valid_until", FieldErrorCode::DateOrder, "must be after issue_date");
    } else if valid_until - issue_date > Duration::days(MAX_VALIDITY_DAYS) {
        errors.push_code(
            "valid_until",
            FieldErrorCode::PeriodTooLong,
            format!("the validity period exceeds {MAX_VALIDITY_DAYS} days"),
        );
    } else if valid_until < today {
        errors.push_code("valid_until", FieldErrorCode::DateExpired, format!("the document expired on {valid_until}"));
    }
}

fn validate_party(errors: &mut FieldErrors, field: &str, party: NewParty) -> Option<Party> {
    let name = party.name.trim().to_owned();
    validate_name(errors, &format!("{field}/name"), &name);
    let country = match party.country {
        Some(c) => Some(errors.check(&format!("{field}/country"), CountryCode::parse(c.trim()))?),
        None => None,
    };
    Some(Party { name, country })
}

fn validate_standards(errors: &mut FieldErrors, raw: Vec<String>) -> Vec<String> {
    if raw.len() > MAX_STANDARDS {
        errors.push_code("applied_standards", FieldErrorCode::TooMany, format!("at most {MAX_STANDARDS} standards"));
        return Vec::new();
    }
    let mut standards: Vec<String> = Vec::with_capacity(raw.len());
    for (i, s) in raw.into_iter().enumerate() {
        let field = format!("applied_standards/{i}");
        let s = s.trim().to_owned();
        let before = errors.0.len();
        validate_text(errors, &field, &s, MAX_STANDARD_LEN, false);
        if errors.0.len() != before {
            continue;
        }
        if standards.contains(&s) {
            errors.push_code(field, FieldErrorCode::Duplicate, format!("standard '{s}' is already listed"));
        } else {
            standards.push(s);
        }
    }
    standards
}

/// The status of a document, set by its issuer. Receivers are notified of every change.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DocumentStatus {
    Valid,
    /// Temporarily not to be relied on; the issuer may reinstate it.
    Suspended,
    /// Cancelled by the issuer; final.
    Withdrawn,
    /// Superseded by another document of the same issuer; final.
    Replaced,
}

impl DocumentStatus {
    pub const ALL: [Self; 4] = [Self::Valid, Self::Suspended, Self::Withdrawn, Self::Replaced];

    pub fn code(self) -> &'static str {
        match self {
            Self::Valid => "VALID",
            Self::Suspended => "SUSPENDED",
            Self::Withdrawn => "WITHDRAWN",
            Self::Replaced => "REPLACED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.code().eq_ignore_ascii_case(s))
    }

    /// Withdrawal and replacement cannot be undone: receivers may already have acted on them.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Withdrawn | Self::Replaced)
    }

    pub fn check_transition(self, to: Self) -> Result<(), DocumentStatusError> {
        use DocumentStatus::*;
        match (self, to) {
            (Valid, Suspended) | (Suspended, Valid) | (Valid | Suspended, Withdrawn | Replaced) => Ok(()),
            (from, _) if from.is_final() => Err(DocumentStatusError::Final { from }),
            (from, to) if from == to => Err(DocumentStatusError::Unchanged { status: from }),
            (from, to) => Err(DocumentStatusError::NotAllowed { from, to }),
        }
    }
}

impl std::fmt::Display for DocumentStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentStatusError {
    #[error("the document is {from}, which is final")]
    Final { from: DocumentStatus },
    #[error("the document is already {status}")]
    Unchanged { status: DocumentStatus },
    #[error("a document cannot go from {from} to {to}")]
    NotAllowed { from: DocumentStatus, to: DocumentStatus },
}

/// An issuer's request to change a document's status.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewStatusChange {
    pub status: String,
    pub reason: String,
    /// Required for REPLACED, refused otherwise.
    #[serde(default)]
    pub replaced_by: Option<DocumentId>,
}

/// One entry of a document's status history.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub document: DocumentId,
    pub from: DocumentStatus,
    pub to: DocumentStatus,
    pub reason: String,
    pub replaced_by: Option<DocumentId>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

impl NewStatusChange {
    /// Validates the request against the document's current status. Whether `replaced_by` names a document of
    /// the same issuer is the store's check.
    pub fn validate(
        self,
        document: DocumentId,
        current: DocumentStatus,
        now: OffsetDateTime,
    ) -> Result<StatusChange, FieldErrors> {
        let mut errors = FieldErrors::default();
        let to = DocumentStatus::parse(self.status.trim());
        match to {
            None => errors.push(
                "status",
                format!("expected one of: {}", DocumentStatus::ALL.map(DocumentStatus::code).join(", ")),
            ),
            Some(to) => {
                if let Err(e) = current.check_transition(to) {
                    // Unchanged or final: the value is well formed but not allowed now, so `invalid`.
                    errors.push("status", e.to_string());
                }
            }
        }
        let reason = self.reason.trim().to_owned();
        validate_text(&mut errors, "reason", &reason, MAX_REASON_LEN, true);
        match (to, self.replaced_by) {
            (Some(DocumentStatus::Replaced), None) => errors.push_code(
                "replaced_by",
                FieldErrorCode::Required,
                "a replacement must name the replacing document",
            ),
            (Some(DocumentStatus::Replaced), Some(by)) if by == document => {
                errors.push("replaced_by", "a document cannot replace itself")
            }
            (Some(DocumentStatus::Replaced), Some(_)) | (_, None) => {}
            (_, Some(_)) => errors.push("replaced_by", "only a REPLACED status names a replacing document"),
        }
        errors.into_result()?;
        let to = to.ok_or_else(|| FieldErrors::from(crate::FieldError::new("status", "missing")))?;
        Ok(StatusChange { document, from: current, to, reason, replaced_by: self.replaced_by, at: now })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    const TODAY: Date = date!(2026 - 06 - 15);

    fn new_metadata() -> NewDocumentMetadata {
        NewDocumentMetadata {
            document_number: " KZ-TR-2026/0001 ".into(),
            document_type: "TR".into(),
            hs_codes: vec!["8471.30".into(), "850440".into()],
            product_description: "Portable computers\nmodel X1".into(),
            issue_date: date!(2026 - 06 - 01),
            valid_until: date!(2027 - 06 - 01),
            destination_country: "uz".into(),
            receiving_authority: None,
            applicant: Some(NewParty { name: "Trader LLP".into(), country: Some("KZ".into()) }),
            manufacturer: Some(NewParty { name: "Maker Ltd".into(), country: None }),
            applied_standards: vec!["IEC 62368-1:2018".into()],
            public_token: None,
        }
    }

    fn fields(errs: &FieldErrors) -> Vec<&str> {
        errs.0.iter().map(|e| e.field.as_str()).collect()
    }

    fn rejected(mutate: impl FnOnce(&mut NewDocumentMetadata)) -> Vec<String> {
        let mut m = new_metadata();
        mutate(&mut m);
        let errs = m.validate(TODAY).unwrap_err();
        errs.0.iter().map(|e| format!("{}: {}", e.field, e.reason)).collect()
    }

    #[test]
    fn valid_metadata_is_normalised() {
        let m = new_metadata().validate(TODAY).unwrap();
        assert_eq!(m.document_number, "KZ-TR-2026/0001");
        assert_eq!(m.document_type, DocumentType::TestReport);
        assert_eq!(m.hs_codes.iter().map(HsCode::as_str).collect::<Vec<_>>(), vec!["847130", "850440"]);
        assert_eq!(m.destination_country.as_str(), "UZ");
        assert_eq!(m.applicant.unwrap().country.unwrap().as_str(), "KZ");
        assert_eq!(m.manufacturer.unwrap().country, None);
    }

    #[test]
    fn issued_today_and_expiring_today_are_accepted() {
        let mut m = new_metadata();
        m.issue_date = TODAY;
        m.valid_until = TODAY + Duration::days(1);
        assert!(m.validate(TODAY).is_ok());
        let mut m = new_metadata();
        m.issue_date = TODAY - Duration::days(30);
        m.valid_until = TODAY;
        assert!(m.validate(TODAY).is_ok());
    }

    #[test]
    fn every_field_error_is_named() {
        let errs = NewDocumentMetadata {
            document_number: "  ".into(),
            document_type: "permit".into(),
            hs_codes: vec!["84".into()],
            product_description: String::new(),
            issue_date: date!(2026 - 07 - 01),
            valid_until: date!(2026 - 06 - 30),
            destination_country: "XX".into(),
            receiving_authority: None,
            applicant: Some(NewParty { name: String::new(), country: Some("K".into()) }),
            manufacturer: None,
            applied_standards: vec![String::new()],
            public_token: None,
        }
        .validate(TODAY)
        .unwrap_err();
        assert_eq!(
            fields(&errs),
            vec![
                "document_number",
                "document_type",
                "hs_codes/0",
                "product_description",
                "issue_date",
                "valid_until",
                "destination_country",
                "applicant/name",
                "applicant/country",
                "applied_standards/0",
            ]
        );
    }

    #[test]
    fn date_rules() {
        let future = rejected(|m| m.issue_date = TODAY + Duration::days(1));
        assert!(future[0].starts_with("issue_date: must not be in the future"), "{future:?}");
        let same_day = rejected(|m| m.valid_until = m.issue_date);
        assert_eq!(same_day, vec!["valid_until: must be after issue_date"]);
        let too_long = rejected(|m| m.valid_until = m.issue_date + Duration::days(MAX_VALIDITY_DAYS + 1));
        assert!(too_long[0].contains("exceeds"), "{too_long:?}");
        let expired = rejected(|m| {
            m.issue_date = date!(2025 - 01 - 01);
            m.valid_until = TODAY - Duration::days(1);
        });
        assert!(expired[0].contains("expired on 2026-06-14"), "{expired:?}");
    }

    /// The code of each representative rejection, alone on the metadata, so no other error can mask it.
    #[test]
    fn rejections_carry_their_codes() {
        use FieldErrorCode::*;
        let code_of = |mutate: &dyn Fn(&mut NewDocumentMetadata)| {
            let mut m = new_metadata();
            mutate(&mut m);
            let errs = m.validate(TODAY).unwrap_err();
            errs.0.iter().map(|e| (e.field.clone(), e.code)).collect::<Vec<_>>()
        };
        let one = |field: &str, code| vec![(field.to_owned(), code)];
        assert_eq!(code_of(&|m| m.document_number = "  ".into()), one("document_number", Required));
        assert_eq!(
            code_of(&|m| m.document_number = "N".repeat(MAX_DOCUMENT_NUMBER_LEN + 1)),
            one("document_number", TooLong)
        );
        assert_eq!(code_of(&|m| m.hs_codes.clear()), one("hs_codes", Required));
        let many = |m: &mut NewDocumentMetadata| {
            m.hs_codes = (0..=MAX_HS_CODES).map(|i| format!("{:06}", 100000 + i)).collect()
        };
        assert_eq!(code_of(&many), one("hs_codes", TooMany));
        assert_eq!(code_of(&|m| m.hs_codes = vec!["847130".into(), "8471.30".into()]), one("hs_codes/1", Duplicate));
        assert_eq!(code_of(&|m| m.hs_codes = vec!["84a130".into()]), one("hs_codes/0", Invalid));
        assert_eq!(
            code_of(&|m| m.applied_standards = vec!["ISO 1".into(), "ISO 1".into()]),
            one("applied_standards/1", Duplicate)
        );
        assert_eq!(
            code_of(&|m| {
                m.issue_date = TODAY + Duration::days(1);
                m.valid_until = TODAY + Duration::days(30);
            }),
            one("issue_date", DateInFuture)
        );
        assert_eq!(code_of(&|m| m.valid_until = m.issue_date - Duration::days(1)), one("valid_until", DateOrder));
        assert_eq!(code_of(&|m| m.valid_until = m.issue_date), one("valid_until", DateOrder));
        assert_eq!(
            code_of(&|m| m.valid_until = m.issue_date + Duration::days(MAX_VALIDITY_DAYS + 1)),
            one("valid_until", PeriodTooLong)
        );
        assert_eq!(
            code_of(&|m| {
                m.issue_date = date!(2025 - 01 - 01);
                m.valid_until = TODAY - Duration::days(1);
            }),
            one("valid_until", DateExpired)
        );
        for country in ["X", "XX", "kz1"] {
            assert_eq!(
                code_of(&|m| m.destination_country = country.into()),
                one("destination_country", Invalid),
                "{country:?}"
            );
        }
        assert_eq!(code_of(&|m| m.document_number = "A\tB".into()), one("document_number", Invalid));
    }

    #[test]
    fn status_change_codes() {
        let doc = DocumentId::new();
        let now = datetime!(2026-06-15 10:00 UTC);
        let codes = |status: &str, by: Option<DocumentId>, current| {
            NewStatusChange { status: status.into(), reason: "x".into(), replaced_by: by }
                .validate(doc, current, now)
                .unwrap_err()
                .0
                .iter()
                .map(|e| e.code)
                .collect::<Vec<_>>()
        };
        assert_eq!(codes("REPLACED", None, DocumentStatus::Valid), vec![FieldErrorCode::Required]);
        // "already VALID" mentions no duplicate entry: it is a transition that is not allowed.
        assert_eq!(codes("VALID", None, DocumentStatus::Valid), vec![FieldErrorCode::Invalid]);
        assert_eq!(codes("REPLACED", Some(doc), DocumentStatus::Valid), vec![FieldErrorCode::Invalid]);
    }

    #[test]
    fn hs_code_rules() {
        assert_eq!(rejected(|m| m.hs_codes.clear()), vec!["hs_codes: at least one HS code is required"]);
        let many = rejected(|m| m.hs_codes = (0..=MAX_HS_CODES).map(|i| format!("{:06}", 100000 + i)).collect());
        assert_eq!(many, vec![format!("hs_codes: at most {MAX_HS_CODES} HS codes")]);
        let dup = rejected(|m| m.hs_codes = vec!["847130".into(), "850440".into(), "8471 30".into()]);
        assert_eq!(dup, vec!["hs_codes/2: HS code 847130 is already listed (duplicate of entry 0)"]);
        let bad = rejected(|m| m.hs_codes.push("84a130".into()));
        assert_eq!(bad.len(), 1);
        assert!(bad[0].starts_with("hs_codes/2:"));
    }

    #[test]
    fn length_and_character_limits() {
        let long_number = rejected(|m| m.document_number = "N".repeat(MAX_DOCUMENT_NUMBER_LEN + 1));
        assert!(long_number[0].starts_with("document_number: must be at most"));
        let control = rejected(|m| m.document_number = "A\nB".into());
        assert_eq!(control, vec!["document_number: must not contain control characters"]);
        let description = rejected(|m| m.product_description = "d".repeat(MAX_DESCRIPTION_LEN + 1));
        assert!(description[0].starts_with("product_description: must be at most"));
        let nul = rejected(|m| m.product_description = "a\0b".into());
        assert_eq!(nul, vec!["product_description: must not contain control characters"]);
        let party = rejected(|m| m.manufacturer = Some(NewParty { name: "x".repeat(201), country: Some("ZZ".into()) }));
        assert_eq!(party.len(), 2);
        assert!(party[0].starts_with("manufacturer/name:") && party[1].starts_with("manufacturer/country:"));
    }

    #[test]
    fn applied_standard_rules() {
        let many = rejected(|m| m.applied_standards = (0..=MAX_STANDARDS).map(|i| format!("ISO {i}")).collect());
        assert_eq!(many, vec![format!("applied_standards: at most {MAX_STANDARDS} standards")]);
        let dup = rejected(|m| m.applied_standards = vec!["ISO 1".into(), " ISO 1 ".into()]);
        assert_eq!(dup, vec!["applied_standards/1: standard 'ISO 1' is already listed"]);
        let long = rejected(|m| m.applied_standards = vec!["s".repeat(MAX_STANDARD_LEN + 1)]);
        assert!(long[0].starts_with("applied_standards/0: must be at most"));
    }

    #[test]
    fn unknown_json_fields_are_refused() {
        let mut json = serde_json::to_value(new_metadata()).unwrap();
        json["issuing_cab"] = serde_json::json!("someone else");
        assert!(serde_json::from_value::<NewDocumentMetadata>(json).is_err());
    }

    #[test]
    fn status_transitions() {
        use DocumentStatus::*;
        for (from, to) in [
            (Valid, Suspended),
            (Suspended, Valid),
            (Valid, Withdrawn),
            (Suspended, Withdrawn),
            (Valid, Replaced),
            (Suspended, Replaced),
        ] {
            assert_eq!(from.check_transition(to), Ok(()), "{from} -> {to}");
        }
        assert_eq!(Valid.check_transition(Valid), Err(DocumentStatusError::Unchanged { status: Valid }));
        assert_eq!(Suspended.check_transition(Suspended), Err(DocumentStatusError::Unchanged { status: Suspended }));
        for from in [Withdrawn, Replaced] {
            for to in DocumentStatus::ALL {
                assert_eq!(from.check_transition(to), Err(DocumentStatusError::Final { from }));
            }
        }
        assert_eq!(DocumentStatus::parse("withdrawn"), Some(Withdrawn));
        assert_eq!(serde_json::to_string(&Replaced).unwrap(), "\"REPLACED\"");
    }

    #[test]
    fn status_change_requests() {
        let doc = DocumentId::new();
        let other = DocumentId::new();
        let now = datetime!(2026-06-15 10:00 UTC);
        let change = |status: &str, reason: &str, by: Option<DocumentId>| NewStatusChange {
            status: status.into(),
            reason: reason.into(),
            replaced_by: by,
        };

        let ok =
            change("REPLACED", "corrected HS code", Some(other)).validate(doc, DocumentStatus::Valid, now).unwrap();
        assert_eq!((ok.from, ok.to, ok.replaced_by), (DocumentStatus::Valid, DocumentStatus::Replaced, Some(other)));
        assert_eq!(ok.at, now);

        let errs = |c: NewStatusChange, current| fields(&c.validate(doc, current, now).unwrap_err()).join(",");
        assert_eq!(errs(change("GONE", "x", None), DocumentStatus::Valid), "status");
        assert_eq!(errs(change("VALID", "x", None), DocumentStatus::Withdrawn), "status");
        assert_eq!(errs(change("SUSPENDED", " ", None), DocumentStatus::Valid), "reason");
        assert_eq!(errs(change("SUSPENDED", &"r".repeat(MAX_REASON_LEN + 1), None), DocumentStatus::Valid), "reason");
        assert_eq!(errs(change("REPLACED", "x", None), DocumentStatus::Valid), "replaced_by");
        assert_eq!(errs(change("REPLACED", "x", Some(doc)), DocumentStatus::Valid), "replaced_by");
        assert_eq!(errs(change("WITHDRAWN", "x", Some(other)), DocumentStatus::Valid), "replaced_by");
    }

    #[test]
    fn a_public_token_must_have_the_token_shape() {
        assert!(is_public_token("AbCdEfGhIjKlMnOpQrStUvWxYz012-_9"));
        for bad in [
            "",
            "short",
            "AbCdEfGhIjKlMnOpQrStUvWxYz012-_9x",
            "AbCdEfGhIjKlMnOpQrStUvWxYz012+/9",
            "AbCdEfGhIjKlMnOpQrStUvWxYz012 _9",
        ] {
            assert!(!is_public_token(bad), "{bad:?}");
        }
        let today = new_metadata().issue_date;
        let with = |t: &str| NewDocumentMetadata { public_token: Some(t.into()), ..new_metadata() }.validate(today);
        assert!(with("AbCdEfGhIjKlMnOpQrStUvWxYz012-_9").is_ok());
        let errors = with("<script>").unwrap_err();
        assert_eq!(errors.0.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), vec!["public_token"]);
    }
}
