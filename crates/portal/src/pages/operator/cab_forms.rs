//! The forms that add a CAB's accreditation and scope entries (shown on the institution's page). A refusal
//! shows that page again with the form as it was sent.

use super::institution::{DetailDrafts, form_answer};
use super::operator_path_id;
use super::shared::parse_date;
use crate::csrf::CsrfForm;
use crate::state::PortalState;
use crate::viewer::Viewer;
use axum::extract::{Path, State};
use axum::response::Response;
use ecert_domain::accreditation::NewAccreditation;
use ecert_domain::ids::InstitutionId;
use ecert_domain::scope::NewScopeEntry;
use ecert_domain::{FieldErrorCode, FieldErrors};
use ecert_hub::HubError;
use serde::Deserialize;

/// Most destination codes one scope entry form may send (the hub's own bound).
const MAX_DESTINATIONS: usize = 250;

#[derive(Deserialize)]
pub(super) struct AccreditationForm {
    #[serde(default)]
    basis: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    designated_by: String,
    #[serde(default)]
    certificate_number: String,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_until: String,
}

/// A required date field: the error names `field` when it is blank or not a date.
fn required_date(errors: &mut FieldErrors, field: &str, text: &str) -> Option<time::Date> {
    if text.trim().is_empty() {
        errors.push_code(field, FieldErrorCode::Required, "is required");
        return None;
    }
    let date = parse_date(text);
    if date.is_none() {
        errors.push(field, "is not a date");
    }
    date
}

/// An optional id from a `<select>`: blank is none; anything else must be an id.
fn optional_id<T: std::str::FromStr>(errors: &mut FieldErrors, field: &str, text: &str) -> Option<T> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let id = text.parse().ok();
    if id.is_none() {
        errors.push(field, "is not valid");
    }
    id
}

impl AccreditationForm {
    fn to_new(&self) -> Result<NewAccreditation, HubError> {
        let mut errors = FieldErrors::default();
        let body = optional_id(&mut errors, "body", &self.body);
        let designated_by = optional_id(&mut errors, "designated_by", &self.designated_by);
        let valid_from = required_date(&mut errors, "valid_from", &self.valid_from);
        let valid_until = required_date(&mut errors, "valid_until", &self.valid_until);
        match (valid_from, valid_until) {
            (Some(valid_from), Some(valid_until)) if errors.0.is_empty() => Ok(NewAccreditation {
                basis: self.basis.trim().to_owned(),
                body,
                designated_by,
                certificate_number: self.certificate_number.clone(),
                valid_from,
                valid_until,
            }),
            _ => Err(HubError::Invalid(errors)),
        }
    }

    fn drafts(self) -> DetailDrafts {
        DetailDrafts {
            basis: self.basis,
            body: self.body,
            designated_by: self.designated_by,
            certificate_number: self.certificate_number,
            acc_valid_from: self.valid_from,
            acc_valid_until: self.valid_until,
            ..DetailDrafts::default()
        }
    }
}

pub(super) async fn add_accreditation(
    State(state): State<PortalState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<AccreditationForm>,
) -> Response {
    let id = match operator_path_id::<InstitutionId>(&viewer, &id, "institution") {
        Ok(id) => id,
        Err(refusal) => return *refusal,
    };
    let result = match form.to_new() {
        Ok(new) => state.hub.create_accreditation(viewer.principal(), id, new).await.map(|_| ()),
        Err(e) => Err(e),
    };
    form_answer(&state, &viewer, id, result, "?notice=operator-accreditation-added", || form.drafts()).await
}

#[derive(Deserialize)]
pub(super) struct ScopeForm {
    #[serde(default)]
    document_type: String,
    #[serde(default)]
    hs_prefix: String,
    #[serde(default)]
    destinations: String,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_until: String,
}

impl ScopeForm {
    fn to_new(&self) -> Result<NewScopeEntry, HubError> {
        let mut errors = FieldErrors::default();
        let valid_from = required_date(&mut errors, "valid_from", &self.valid_from);
        let valid_until = match self.valid_until.trim() {
            "" => None,
            text => {
                let date = parse_date(text);
                if date.is_none() {
                    errors.push("valid_until", "is not a date");
                }
                date
            }
        };
        let destinations: Vec<String> = self
            .destinations
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .filter(|d| !d.is_empty())
            .map(str::to_owned)
            .collect();
        if destinations.len() > MAX_DESTINATIONS {
            errors.push_code("destinations", FieldErrorCode::TooMany, format!("at most {MAX_DESTINATIONS} entries"));
        }
        match valid_from {
            Some(valid_from) if errors.0.is_empty() => Ok(NewScopeEntry {
                document_type: self.document_type.trim().to_owned(),
                hs_prefix: self.hs_prefix.trim().to_owned(),
                destinations,
                valid_from,
                valid_until,
            }),
            _ => Err(HubError::Invalid(errors)),
        }
    }

    fn drafts(self) -> DetailDrafts {
        DetailDrafts {
            document_type: self.document_type,
            hs_prefix: self.hs_prefix,
            destinations: self.destinations,
            scope_valid_from: self.valid_from,
            scope_valid_until: self.valid_until,
            ..DetailDrafts::default()
        }
    }
}

pub(super) async fn add_scope(
    State(state): State<PortalState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ScopeForm>,
) -> Response {
    let id = match operator_path_id::<InstitutionId>(&viewer, &id, "institution") {
        Ok(id) => id,
        Err(refusal) => return *refusal,
    };
    let result = match form.to_new() {
        Ok(new) => state.hub.create_scope_entry(viewer.principal(), id, new).await.map(|_| ()),
        Err(e) => Err(e),
    };
    form_answer(&state, &viewer, id, result, "?notice=operator-scope-added", || form.drafts()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(errors: HubError) -> Vec<String> {
        match errors {
            HubError::Invalid(e) => e.0.into_iter().map(|f| f.field).collect(),
            other => panic!("not a field error: {other:?}"),
        }
    }

    fn accreditation(valid_from: &str, valid_until: &str, body: &str) -> AccreditationForm {
        AccreditationForm {
            basis: " iso17025 ".into(),
            body: body.into(),
            designated_by: String::new(),
            certificate_number: "KZ.T.1".into(),
            valid_from: valid_from.into(),
            valid_until: valid_until.into(),
        }
    }

    #[test]
    fn accreditation_forms_need_real_dates_and_ids() {
        let body = ecert_domain::ids::AccreditationBodyId::new();
        let new = accreditation("2026-01-01", "2030-12-31", &body.to_string()).to_new().unwrap();
        assert_eq!(new.basis, "iso17025");
        assert_eq!(new.body, Some(body));
        assert_eq!(new.designated_by, None, "a blank choice is none");
        assert_eq!(new.valid_until, time::macros::date!(2030 - 12 - 31));
        let bad = accreditation("", "31.12.2030", "x").to_new().unwrap_err();
        assert_eq!(fields(bad), ["body", "valid_from", "valid_until"]);
    }

    fn scope(destinations: &str, valid_until: &str) -> ScopeForm {
        ScopeForm {
            document_type: "TR".into(),
            hs_prefix: " 8471 ".into(),
            destinations: destinations.into(),
            valid_from: "2026-01-01".into(),
            valid_until: valid_until.into(),
        }
    }

    #[test]
    fn scope_forms_split_destinations_and_bound_them() {
        let new = scope("KZ, UZ;kg  ", "").to_new().unwrap();
        assert_eq!(new.destinations, ["KZ", "UZ", "kg"]);
        assert_eq!(new.hs_prefix, "8471");
        assert_eq!(new.valid_until, None, "open-ended");
        assert!(scope("", "").to_new().unwrap().destinations.is_empty(), "empty means every destination");
        assert_eq!(fields(scope("", "never").to_new().unwrap_err()), ["valid_until"]);
        let many = vec!["KZ"; MAX_DESTINATIONS + 1].join(" ");
        assert_eq!(fields(scope(&many, "").to_new().unwrap_err()), ["destinations"]);
    }
}
