//! Authorised scope, and the one rule that decides whether a CAB may issue a document.

use crate::accreditation::Accreditation;
use crate::country::CountryCode;
use crate::document_type::DocumentType;
use crate::error::{FieldErrorCode, FieldErrors};
use crate::hs::{HsCode, HsPrefix};
use crate::ids::{InstitutionId, ScopeEntryId};
use crate::institution::{Institution, LifecycleStatus, Role};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

const MAX_DESTINATIONS: usize = 250;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeEntry {
    pub id: ScopeEntryId,
    pub cab: InstitutionId,
    pub document_type: DocumentType,
    pub hs_prefix: HsPrefix,
    /// Empty means every destination.
    pub destinations: Vec<CountryCode>,
    pub valid_from: Date,
    /// Open-ended when absent.
    pub valid_until: Option<Date>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl ScopeEntry {
    fn in_period(&self, date: Date) -> bool {
        self.valid_from <= date && self.valid_until.is_none_or(|until| date <= until)
    }

    fn covers_destination(&self, destination: Option<CountryCode>) -> bool {
        match destination {
            _ if self.destinations.is_empty() => true,
            Some(d) => self.destinations.contains(&d),
            None => false,
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize)]
pub struct NewScopeEntry {
    pub document_type: String,
    pub hs_prefix: String,
    #[serde(default)]
    pub destinations: Vec<String>,
    pub valid_from: Date,
    #[serde(default)]
    pub valid_until: Option<Date>,
}

impl NewScopeEntry {
    pub fn validate(self, cab: InstitutionId, now: OffsetDateTime) -> Result<ScopeEntry, FieldErrors> {
        let mut errors = FieldErrors::default();
        let document_type = errors.check("document_type", DocumentType::parse(&self.document_type));
        let hs_prefix = errors.check("hs_prefix", HsPrefix::parse(&self.hs_prefix));
        let mut destinations = Vec::new();
        if self.destinations.len() > MAX_DESTINATIONS {
            errors.push_code(
                "destinations",
                FieldErrorCode::TooMany,
                format!("at most {MAX_DESTINATIONS} destinations"),
            );
        } else {
            for (i, d) in self.destinations.iter().enumerate() {
                if let Some(c) = errors.check(&format!("destinations/{i}"), CountryCode::parse(d))
                    && !destinations.contains(&c)
                {
                    destinations.push(c);
                }
            }
        }
        if self.valid_until.is_some_and(|until| until < self.valid_from) {
            errors.push_code("valid_until", FieldErrorCode::DateOrder, "the scope period ends before it begins");
        }
        errors.into_result()?;
        destinations.sort();
        match (document_type, hs_prefix) {
            (Some(document_type), Some(hs_prefix)) => Ok(ScopeEntry {
                id: ScopeEntryId::new(),
                cab,
                document_type,
                hs_prefix,
                destinations,
                valid_from: self.valid_from,
                valid_until: self.valid_until,
                created_at: now,
            }),
            _ => Err(crate::FieldError::new("scope", "incomplete").into()),
        }
    }
}

/// The question the hub asks before accepting a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeQuery {
    pub document_type: DocumentType,
    pub hs_code: HsCode,
    pub destination: Option<CountryCode>,
    pub date: Date,
}

/// Why a CAB is not authorised. Ordered from the most basic reason to the most specific, and the first that
/// applies is reported, so the answer points at the fix (register the CAB, renew accreditation, widen scope).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum NotAuthorized {
    #[error("the institution is not an issuing CAB")]
    NotACab,
    #[error("the CAB is {status} on {date}")]
    CabNotActive { status: String, date: Date },
    #[error("the CAB holds no accreditation or designation valid on {date}")]
    NoValidAccreditation { date: Date },
    #[error("the CAB has no scope entry for document type {document_type}")]
    DocumentTypeNotInScope { document_type: DocumentType },
    #[error("no scope entry for {document_type} covers HS code {hs_code}")]
    HsCodeNotInScope { document_type: DocumentType, hs_code: HsCode },
    #[error("the scope for {document_type} / HS {hs_code} does not include destination {destination}")]
    DestinationNotInScope { document_type: DocumentType, hs_code: HsCode, destination: String },
    #[error("the scope for {document_type} / HS {hs_code} is not valid on {date}")]
    OutsideScopePeriod { document_type: DocumentType, hs_code: HsCode, date: Date },
}

/// Decides whether `cab` may issue the queried document, returning the matching scope entry (the most specific
/// HS prefix wins) or the precise reason it may not.
pub fn authorize<'a>(
    cab: &Institution,
    accreditations: &[Accreditation],
    scope: &'a [ScopeEntry],
    query: &ScopeQuery,
) -> Result<&'a ScopeEntry, NotAuthorized> {
    if !cab.has_role(Role::IssuingCab) {
        return Err(NotAuthorized::NotACab);
    }
    let status = cab.status_on(query.date);
    if status != LifecycleStatus::Active {
        return Err(NotAuthorized::CabNotActive { status: status.code().to_owned(), date: query.date });
    }
    if !accreditations.iter().any(|a| a.cab == cab.id && a.is_valid_on(query.date)) {
        return Err(NotAuthorized::NoValidAccreditation { date: query.date });
    }
    let of_type: Vec<&ScopeEntry> =
        scope.iter().filter(|e| e.cab == cab.id && e.document_type == query.document_type).collect();
    if of_type.is_empty() {
        return Err(NotAuthorized::DocumentTypeNotInScope { document_type: query.document_type });
    }
    let for_code: Vec<&ScopeEntry> = of_type.into_iter().filter(|e| e.hs_prefix.covers(&query.hs_code)).collect();
    if for_code.is_empty() {
        return Err(NotAuthorized::HsCodeNotInScope {
            document_type: query.document_type,
            hs_code: query.hs_code.clone(),
        });
    }
    let for_destination: Vec<&ScopeEntry> =
        for_code.into_iter().filter(|e| e.covers_destination(query.destination)).collect();
    if for_destination.is_empty() {
        return Err(NotAuthorized::DestinationNotInScope {
            document_type: query.document_type,
            hs_code: query.hs_code.clone(),
            destination: query.destination.map_or_else(|| "(none given)".to_owned(), |d| d.to_string()),
        });
    }
    for_destination
        .into_iter()
        .filter(|e| e.in_period(query.date))
        .max_by_key(|e| e.hs_prefix.as_str().len())
        .ok_or_else(|| NotAuthorized::OutsideScopePeriod {
            document_type: query.document_type,
            hs_code: query.hs_code.clone(),
            date: query.date,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accreditation::AccreditationBasis;
    use crate::ids::AccreditationId;
    use time::macros::{date, datetime};

    fn cab() -> Institution {
        Institution {
            id: InstitutionId::new(),
            country: CountryCode::parse("KZ").unwrap(),
            name: "Lab".into(),
            roles: vec![Role::IssuingCab],
            contacts: vec![],
            status: LifecycleStatus::Active,
            withdrawal: None,
            created_at: datetime!(2026-01-01 0:00 UTC),
            updated_at: datetime!(2026-01-01 0:00 UTC),
        }
    }

    fn accreditation(cab: &Institution) -> Accreditation {
        Accreditation {
            id: AccreditationId::new(),
            cab: cab.id,
            basis: AccreditationBasis::Iso17025,
            body: None,
            designated_by: None,
            certificate_number: "A-1".into(),
            valid_from: date!(2025 - 01 - 01),
            valid_until: date!(2027 - 12 - 31),
            suspended: false,
            created_at: datetime!(2026-01-01 0:00 UTC),
        }
    }

    fn entry(cab: &Institution, prefix: &str, dest: &[&str], until: Option<Date>) -> ScopeEntry {
        NewScopeEntry {
            document_type: "TR".into(),
            hs_prefix: prefix.into(),
            destinations: dest.iter().map(|s| s.to_string()).collect(),
            valid_from: date!(2026 - 01 - 01),
            valid_until: until,
        }
        .validate(cab.id, datetime!(2026-01-01 0:00 UTC))
        .unwrap()
    }

    fn query(code: &str, dest: Option<&str>, date: Date) -> ScopeQuery {
        ScopeQuery {
            document_type: DocumentType::TestReport,
            hs_code: HsCode::parse(code).unwrap(),
            destination: dest.map(|d| CountryCode::parse(d).unwrap()),
            date,
        }
    }

    #[test]
    fn most_specific_matching_entry_wins() {
        let c = cab();
        let acc = [accreditation(&c)];
        let scope = [entry(&c, "84", &[], None), entry(&c, "8471", &["UZ"], None)];
        let hit = authorize(&c, &acc, &scope, &query("847130", Some("UZ"), date!(2026 - 06 - 01))).unwrap();
        assert_eq!(hit.hs_prefix.as_str(), "8471");
        let hit = authorize(&c, &acc, &scope, &query("847130", Some("KG"), date!(2026 - 06 - 01))).unwrap();
        assert_eq!(hit.hs_prefix.as_str(), "84");
    }

    #[test]
    fn every_reason_is_reported_precisely() {
        let c = cab();
        let acc = [accreditation(&c)];
        let scope = [entry(&c, "8471", &["UZ"], Some(date!(2026 - 12 - 31)))];
        let d = date!(2026 - 06 - 01);

        let mut not_cab = c.clone();
        not_cab.roles = vec![Role::Customs];
        assert_eq!(authorize(&not_cab, &acc, &scope, &query("847130", Some("UZ"), d)), Err(NotAuthorized::NotACab));

        let mut suspended = c.clone();
        suspended.status = LifecycleStatus::Suspended;
        assert!(matches!(
            authorize(&suspended, &acc, &scope, &query("847130", Some("UZ"), d)),
            Err(NotAuthorized::CabNotActive { .. })
        ));

        assert!(matches!(
            authorize(&c, &[], &scope, &query("847130", Some("UZ"), d)),
            Err(NotAuthorized::NoValidAccreditation { .. })
        ));
        let mut expired = accreditation(&c);
        expired.valid_until = date!(2026 - 01 - 01);
        assert!(matches!(
            authorize(&c, &[expired], &scope, &query("847130", Some("UZ"), d)),
            Err(NotAuthorized::NoValidAccreditation { .. })
        ));

        let mut coc = query("847130", Some("UZ"), d);
        coc.document_type = DocumentType::ConformityCertificate;
        assert!(matches!(authorize(&c, &acc, &scope, &coc), Err(NotAuthorized::DocumentTypeNotInScope { .. })));
        assert!(matches!(
            authorize(&c, &acc, &scope, &query("850440", Some("UZ"), d)),
            Err(NotAuthorized::HsCodeNotInScope { .. })
        ));
        assert!(matches!(
            authorize(&c, &acc, &scope, &query("847130", Some("KG"), d)),
            Err(NotAuthorized::DestinationNotInScope { .. })
        ));
        assert!(matches!(
            authorize(&c, &acc, &scope, &query("847130", None, d)),
            Err(NotAuthorized::DestinationNotInScope { .. })
        ));
        assert!(matches!(
            authorize(&c, &acc, &scope, &query("847130", Some("UZ"), date!(2027 - 01 - 01))),
            Err(NotAuthorized::OutsideScopePeriod { .. })
        ));
    }

    #[test]
    fn scope_validation_names_fields() {
        let c = cab();
        let errs = NewScopeEntry {
            document_type: "XX".into(),
            hs_prefix: "847".into(),
            destinations: vec!["ZZ".into()],
            valid_from: date!(2026 - 02 - 01),
            valid_until: Some(date!(2026 - 01 - 01)),
        }
        .validate(c.id, datetime!(2026-01-01 0:00 UTC))
        .unwrap_err();
        let fields: Vec<&str> = errs.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["document_type", "hs_prefix", "destinations/0", "valid_until"]);
    }

    #[test]
    fn scope_rules_carry_their_codes() {
        use crate::error::FieldErrorCode;
        let c = cab();
        let errs = NewScopeEntry {
            document_type: "TR".into(),
            hs_prefix: "84".into(),
            destinations: vec!["UZ".into(); MAX_DESTINATIONS + 1],
            valid_from: date!(2026 - 02 - 01),
            valid_until: Some(date!(2026 - 01 - 31)),
        }
        .validate(c.id, datetime!(2026-01-01 0:00 UTC))
        .unwrap_err();
        let codes: Vec<(&str, FieldErrorCode)> = errs.0.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(codes, [("destinations", FieldErrorCode::TooMany), ("valid_until", FieldErrorCode::DateOrder)]);
    }
}
