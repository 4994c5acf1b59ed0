//! Participating institutions, their roles, contact points and lifecycle.

use crate::country::CountryCode;
use crate::error::{FieldErrorCode, FieldErrors};
use crate::ids::InstitutionId;
use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};

/// Days of notice a participant gives before its withdrawal takes effect (pilot arrangement default).
pub const DEFAULT_WITHDRAWAL_NOTICE_DAYS: i64 = 60;
const MAX_NAME_LEN: usize = 200;
const MAX_CONTACTS: usize = 20;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A conformity assessment body that issues documents.
    IssuingCab,
    /// Receiving authorities of an importing country.
    Regulator,
    Customs,
    ManagementAuthority,
    /// The country's coordinator for the arrangement.
    NationalFocalPoint,
    /// Runs the hub and manages its registries.
    HubOperator,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::IssuingCab,
        Role::Regulator,
        Role::Customs,
        Role::ManagementAuthority,
        Role::NationalFocalPoint,
        Role::HubOperator,
    ];

    pub fn is_receiving_authority(self) -> bool {
        matches!(self, Role::Regulator | Role::Customs | Role::ManagementAuthority)
    }

    /// The document types a receiving authority of this role is sent. Regulators and customs receive product
    /// conformity documents; a CITES management authority receives permits, which the hub does not carry yet.
    pub fn accepts(self, document_type: crate::document_type::DocumentType) -> bool {
        use crate::document_type::DocumentType::*;
        match self {
            Role::Regulator | Role::Customs => matches!(document_type, ConformityCertificate | TestReport),
            Role::ManagementAuthority | Role::IssuingCab | Role::NationalFocalPoint | Role::HubOperator => false,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Role::IssuingCab => "issuing_cab",
            Role::Regulator => "regulator",
            Role::Customs => "customs",
            Role::ManagementAuthority => "management_authority",
            Role::NationalFocalPoint => "national_focal_point",
            Role::HubOperator => "hub_operator",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Self::ALL.into_iter().find(|r| r.code() == s)
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactPoint {
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub function: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LifecycleStatus {
    Pending,
    Active,
    Suspended,
    Withdrawn,
}

impl LifecycleStatus {
    pub fn code(self) -> &'static str {
        match self {
            LifecycleStatus::Pending => "pending",
            LifecycleStatus::Active => "active",
            LifecycleStatus::Suspended => "suspended",
            LifecycleStatus::Withdrawn => "withdrawn",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Active, Self::Suspended, Self::Withdrawn].into_iter().find(|v| v.code() == s)
    }
}

/// A notified withdrawal: the participant stays in its current state until `effective_date`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withdrawal {
    pub notice_date: Date,
    pub effective_date: Date,
}

impl Withdrawal {
    /// Builds a withdrawal; without an explicit effective date the default notice period applies. An effective date
    /// before the notice date is refused, because it would make a withdrawal retroactive.
    pub fn notify(notice_date: Date, effective_date: Option<Date>) -> Result<Self, FieldErrors> {
        let effective_date = effective_date.unwrap_or(notice_date + Duration::days(DEFAULT_WITHDRAWAL_NOTICE_DAYS));
        if effective_date < notice_date {
            return Err(crate::FieldError::with_code(
                "effective_date",
                FieldErrorCode::DateOrder,
                "must not be before the notice date",
            )
            .into());
        }
        Ok(Self { notice_date, effective_date })
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Institution {
    pub id: InstitutionId,
    pub country: CountryCode,
    pub name: String,
    pub roles: Vec<Role>,
    pub contacts: Vec<ContactPoint>,
    pub status: LifecycleStatus,
    pub withdrawal: Option<Withdrawal>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl Institution {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The status that holds on `date`: a notified withdrawal takes effect on its effective date, whatever the
    /// stored status says, so no job has to flip it at midnight.
    pub fn status_on(&self, date: Date) -> LifecycleStatus {
        match self.withdrawal {
            Some(w) if date >= w.effective_date => LifecycleStatus::Withdrawn,
            _ => self.status,
        }
    }

    /// Whether this institution is sent documents of `document_type` (by one of its roles).
    pub fn accepts(&self, document_type: crate::document_type::DocumentType) -> bool {
        self.roles.iter().any(|r| r.accepts(document_type))
    }

    pub fn is_receiving_authority(&self) -> bool {
        self.roles.iter().any(|r| r.is_receiving_authority())
    }
}

/// What a caller supplies to create an institution; validated into an `Institution`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewInstitution {
    pub country: String,
    pub name: String,
    pub roles: Vec<String>,
    #[serde(default)]
    pub contacts: Vec<ContactPoint>,
}

impl NewInstitution {
    pub fn validate(self, now: OffsetDateTime) -> Result<Institution, FieldErrors> {
        let mut errors = FieldErrors::default();
        let country = errors.check("country", CountryCode::parse(&self.country));
        let name = self.name.trim().to_owned();
        validate_name(&mut errors, "name", &name);
        let roles = validate_roles(&mut errors, &self.roles);
        validate_contacts(&mut errors, &self.contacts);
        errors.into_result()?;
        Ok(Institution {
            id: InstitutionId::new(),
            country: country.ok_or_else(|| FieldErrors::from(crate::FieldError::new("country", "missing")))?,
            name,
            roles,
            contacts: self.contacts,
            status: LifecycleStatus::Pending,
            withdrawal: None,
            created_at: now,
            updated_at: now,
        })
    }
}

pub(crate) fn validate_name(errors: &mut FieldErrors, field: &str, name: &str) {
    crate::error::validate_text(errors, field, name, MAX_NAME_LEN, false);
}

fn validate_roles(errors: &mut FieldErrors, roles: &[String]) -> Vec<Role> {
    let mut parsed = Vec::new();
    if roles.is_empty() {
        errors.push_code("roles", FieldErrorCode::Required, "at least one role is required");
    }
    for (i, r) in roles.iter().enumerate() {
        match Role::parse(r) {
            Some(role) if !parsed.contains(&role) => parsed.push(role),
            Some(_) => {
                errors.push_code(format!("roles/{i}"), FieldErrorCode::Duplicate, format!("role '{r}' is listed twice"))
            }
            None => errors.push(
                format!("roles/{i}"),
                format!(
                    "unknown role '{}' (expected one of: {})",
                    r.chars().take(40).collect::<String>(),
                    Role::ALL.map(Role::code).join(", ")
                ),
            ),
        }
    }
    parsed.sort();
    parsed
}

pub fn validate_contacts(errors: &mut FieldErrors, contacts: &[ContactPoint]) {
    if contacts.len() > MAX_CONTACTS {
        errors.push_code("contacts", FieldErrorCode::TooMany, format!("at most {MAX_CONTACTS} contact points"));
        return;
    }
    for (i, c) in contacts.iter().enumerate() {
        validate_name(errors, &format!("contacts/{i}/name"), c.name.trim());
        let email = c.email.trim();
        let plausible = email.len() <= 254
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
            })
            && !email.chars().any(|ch| ch.is_whitespace() || ch.is_control());
        if !plausible {
            errors.push(format!("contacts/{i}/email"), "is not a valid e-mail address");
        }
    }
}

/// Lifecycle transitions an operator may request. Withdrawal is separate because it carries dates.
pub fn check_transition(from: LifecycleStatus, to: LifecycleStatus) -> Result<(), String> {
    use LifecycleStatus::*;
    match (from, to) {
        (Pending, Active) | (Active, Suspended) | (Suspended, Active) => Ok(()),
        (Withdrawn, _) => Err("a withdrawn institution cannot change status".into()),
        (a, b) if a == b => Err(format!("institution is already {}", a.code())),
        (a, b) => Err(format!("cannot change status from {} to {}", a.code(), b.code())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn new_cab() -> NewInstitution {
        NewInstitution {
            country: "KZ".into(),
            name: "Test Lab".into(),
            roles: vec!["issuing_cab".into()],
            contacts: vec![ContactPoint { name: "A".into(), email: "a@lab.kz".into(), phone: None, function: None }],
        }
    }

    #[test]
    fn valid_institution_starts_pending() {
        let i = new_cab().validate(datetime!(2026-01-01 0:00 UTC)).unwrap();
        assert_eq!(i.status, LifecycleStatus::Pending);
        assert_eq!(i.roles, vec![Role::IssuingCab]);
    }

    #[test]
    fn all_field_errors_are_reported() {
        let mut n = new_cab();
        n.country = "XX".into();
        n.name = " ".into();
        n.roles = vec!["wizard".into()];
        n.contacts[0].email = "nope".into();
        let errs = n.validate(datetime!(2026-01-01 0:00 UTC)).unwrap_err();
        let fields: Vec<&str> = errs.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["country", "name", "roles/0", "contacts/0/email"]);
    }

    #[test]
    fn list_rules_carry_their_codes() {
        let codes = |n: NewInstitution| {
            n.validate(datetime!(2026-01-01 0:00 UTC))
                .unwrap_err()
                .0
                .into_iter()
                .map(|e| (e.field, e.code))
                .collect::<Vec<_>>()
        };
        let twice = NewInstitution { roles: vec!["customs".into(), "customs".into()], ..new_cab() };
        assert_eq!(codes(twice), [("roles/1".to_owned(), FieldErrorCode::Duplicate)]);
        assert_eq!(
            codes(NewInstitution { roles: vec![], ..new_cab() }),
            [("roles".to_owned(), FieldErrorCode::Required)]
        );
        let contact = new_cab().contacts[0].clone();
        let crowd = NewInstitution { contacts: vec![contact; MAX_CONTACTS + 1], ..new_cab() };
        assert_eq!(codes(crowd), [("contacts".to_owned(), FieldErrorCode::TooMany)]);
        let retroactive = Withdrawal::notify(date!(2026 - 01 - 10), Some(date!(2026 - 01 - 09))).unwrap_err();
        assert_eq!(retroactive.0[0].code, FieldErrorCode::DateOrder);
    }

    #[test]
    fn withdrawal_defaults_to_60_days_and_takes_effect_on_its_date() {
        let w = Withdrawal::notify(date!(2026 - 01 - 01), None).unwrap();
        assert_eq!(w.effective_date, date!(2026 - 03 - 02));
        let mut i = new_cab().validate(datetime!(2026-01-01 0:00 UTC)).unwrap();
        i.status = LifecycleStatus::Active;
        i.withdrawal = Some(w);
        assert_eq!(i.status_on(date!(2026 - 03 - 01)), LifecycleStatus::Active);
        assert_eq!(i.status_on(date!(2026 - 03 - 02)), LifecycleStatus::Withdrawn);
        assert!(Withdrawal::notify(date!(2026 - 01 - 10), Some(date!(2026 - 01 - 09))).is_err());
    }

    #[test]
    fn transitions() {
        use LifecycleStatus::*;
        assert!(check_transition(Pending, Active).is_ok());
        assert!(check_transition(Active, Suspended).is_ok());
        assert!(check_transition(Suspended, Active).is_ok());
        assert!(check_transition(Active, Active).is_err());
        assert!(check_transition(Withdrawn, Active).is_err());
        assert!(check_transition(Pending, Suspended).is_err());
    }
}
