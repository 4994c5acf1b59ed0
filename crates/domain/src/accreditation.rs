//! CAB accreditation: on what basis, by which body, valid when.

use crate::country::CountryCode;
use crate::error::{FieldErrorCode, FieldErrors};
use crate::ids::{AccreditationBodyId, AccreditationId, InstitutionId};
use crate::institution::validate_name;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccreditationBasis {
    /// ISO/IEC 17065: product certification bodies.
    Iso17065,
    /// ISO/IEC 17025: testing and calibration laboratories.
    Iso17025,
    /// ISO/IEC 17020: inspection bodies.
    Iso17020,
    /// Designated by a regulator rather than accredited.
    RegulatorDesignation,
}

impl AccreditationBasis {
    pub const ALL: [Self; 4] = [Self::Iso17065, Self::Iso17025, Self::Iso17020, Self::RegulatorDesignation];
    pub fn code(self) -> &'static str {
        match self {
            Self::Iso17065 => "iso17065",
            Self::Iso17025 => "iso17025",
            Self::Iso17020 => "iso17020",
            Self::RegulatorDesignation => "regulator_designation",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.code() == s)
    }
}

/// Membership of the accreditation body in the international mutual recognition arrangements.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArrangementStatus {
    /// Signatory of the ILAC MRA (testing, inspection).
    IlacMra,
    /// Signatory of the IAF MLA (certification).
    IafMla,
    /// Signatory of both.
    IlacMraAndIafMla,
    /// Not a signatory.
    None,
}

impl ArrangementStatus {
    pub const ALL: [Self; 4] = [Self::IlacMra, Self::IafMla, Self::IlacMraAndIafMla, Self::None];
    pub fn code(self) -> &'static str {
        match self {
            Self::IlacMra => "ilac_mra",
            Self::IafMla => "iaf_mla",
            Self::IlacMraAndIafMla => "ilac_mra_and_iaf_mla",
            Self::None => "none",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.code() == s)
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccreditationBody {
    pub id: AccreditationBodyId,
    pub name: String,
    pub country: CountryCode,
    pub arrangement: ArrangementStatus,
    /// The body this one succeeded after a rename or merger, so old accreditations stay traceable.
    pub predecessor: Option<AccreditationBodyId>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accreditation {
    pub id: AccreditationId,
    pub cab: InstitutionId,
    pub basis: AccreditationBasis,
    /// The accrediting body; for a regulator designation, the designating regulator is named in `designated_by`.
    pub body: Option<AccreditationBodyId>,
    pub designated_by: Option<InstitutionId>,
    pub certificate_number: String,
    pub valid_from: Date,
    pub valid_until: Date,
    pub suspended: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl Accreditation {
    pub fn is_valid_on(&self, date: Date) -> bool {
        !self.suspended && self.valid_from <= date && date <= self.valid_until
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize)]
pub struct NewAccreditationBody {
    pub name: String,
    pub country: String,
    pub arrangement: String,
    #[serde(default)]
    pub predecessor: Option<AccreditationBodyId>,
}

impl NewAccreditationBody {
    pub fn validate(self, now: OffsetDateTime) -> Result<AccreditationBody, FieldErrors> {
        let mut errors = FieldErrors::default();
        let name = self.name.trim().to_owned();
        validate_name(&mut errors, "name", &name);
        let country = errors.check("country", CountryCode::parse(&self.country));
        let arrangement = ArrangementStatus::parse(&self.arrangement);
        if arrangement.is_none() {
            errors.push(
                "arrangement",
                format!("expected one of: {}", ArrangementStatus::ALL.map(ArrangementStatus::code).join(", ")),
            );
        }
        errors.into_result()?;
        match (country, arrangement) {
            (Some(country), Some(arrangement)) => Ok(AccreditationBody {
                id: AccreditationBodyId::new(),
                name,
                country,
                arrangement,
                predecessor: self.predecessor,
                created_at: now,
            }),
            _ => Err(crate::FieldError::new("body", "incomplete").into()),
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize)]
pub struct NewAccreditation {
    pub basis: String,
    #[serde(default)]
    pub body: Option<AccreditationBodyId>,
    #[serde(default)]
    pub designated_by: Option<InstitutionId>,
    pub certificate_number: String,
    pub valid_from: Date,
    pub valid_until: Date,
}

impl NewAccreditation {
    /// Checks the shape of the record; whether the referenced body and CAB exist is the caller's (store's) job.
    pub fn validate(self, cab: InstitutionId, now: OffsetDateTime) -> Result<Accreditation, FieldErrors> {
        let mut errors = FieldErrors::default();
        let basis = AccreditationBasis::parse(&self.basis);
        match basis {
            None => errors.push(
                "basis",
                format!("expected one of: {}", AccreditationBasis::ALL.map(AccreditationBasis::code).join(", ")),
            ),
            Some(AccreditationBasis::RegulatorDesignation) if self.designated_by.is_none() => errors.push_code(
                "designated_by",
                FieldErrorCode::Required,
                "a regulator designation must name the designating regulator",
            ),
            Some(AccreditationBasis::RegulatorDesignation) => {}
            Some(_) if self.body.is_none() => {
                errors.push_code("body", FieldErrorCode::Required, "an accreditation must name its accreditation body")
            }
            Some(_) => {}
        }
        let number = self.certificate_number.trim().to_owned();
        validate_name(&mut errors, "certificate_number", &number);
        if self.valid_until < self.valid_from {
            errors.push_code("valid_until", FieldErrorCode::DateOrder, "must not be before valid_from");
        }
        errors.into_result()?;
        Ok(Accreditation {
            id: AccreditationId::new(),
            cab,
            basis: basis.ok_or_else(|| FieldErrors::from(crate::FieldError::new("basis", "missing")))?,
            body: self.body,
            designated_by: self.designated_by,
            certificate_number: number,
            valid_from: self.valid_from,
            valid_until: self.valid_until,
            suspended: false,
            created_at: now,
        })
    }
}
