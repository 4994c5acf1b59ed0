//! `/portal/documents/new`: the upload form (metadata fields, the CAB's scope as a hint) and its result page,
//! which shows the hub's verdict and the verification report in plain words straight away.

use crate::csrf::UploadForm;
use crate::errors;
use crate::key;
use crate::page::{Ctx, render};
use crate::state::PortalState;
use crate::viewer::Viewer;
use askama::Template;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use ecert_domain::document::{NewDocumentMetadata, NewParty};
use ecert_domain::document_type::DocumentType;
use ecert_domain::institution::LifecycleStatus;
use ecert_domain::page::{MAX_PAGE_SIZE, PageRequest};
use ecert_domain::scope::ScopeEntry;
use ecert_domain::{FieldError, FieldErrorCode, FieldErrors};
use ecert_hub::HubError;
use ecert_hub::exchange::{PushRequest, Submission};
use ecert_store::InstitutionFilter;
use time::Date;
use time::macros::format_description;

/// The form's values as typed, kept to fill the form again after a refusal (never the file).
#[derive(Debug, Clone, Default)]
pub(super) struct UploadValues {
    pub document_number: String,
    pub document_type: String,
    pub hs_codes: String,
    pub product_description: String,
    pub issue_date: String,
    pub valid_until: String,
    pub destination_country: String,
    pub receiving_authority: String,
    pub applicant: String,
    pub manufacturer: String,
    pub standards: String,
}

impl UploadValues {
    fn from_form(form: &UploadForm) -> Self {
        let text = |name: &str| form.field(name).unwrap_or_default().trim().to_owned();
        Self {
            document_number: text("document_number"),
            document_type: text("document_type"),
            hs_codes: text("hs_codes"),
            product_description: text("product_description"),
            issue_date: text("issue_date"),
            valid_until: text("valid_until"),
            destination_country: text("destination_country"),
            receiving_authority: text("receiving_authority"),
            applicant: text("applicant"),
            manufacturer: text("manufacturer"),
            standards: text("standards"),
        }
    }

    /// The push metadata, or every field the form itself already knows is wrong (dates that are not dates, a
    /// receiver that is not a reference). The hub checks the rest.
    pub(super) fn metadata(&self) -> Result<NewDocumentMetadata, FieldErrors> {
        let mut errors = FieldErrors::default();
        let issue_date = parse_date(&mut errors, "issue_date", &self.issue_date);
        let valid_until = parse_date(&mut errors, "valid_until", &self.valid_until);
        let receiving_authority = match self.receiving_authority.as_str() {
            "" => None,
            id => errors.check("receiving_authority", id.parse()),
        };
        errors.into_result()?;
        let (Some(issue_date), Some(valid_until)) = (issue_date, valid_until) else {
            return Err(FieldError::with_code("issue_date", FieldErrorCode::Required, "must not be empty").into());
        };
        let party = |name: &str| (!name.is_empty()).then(|| NewParty { name: name.to_owned(), country: None });
        Ok(NewDocumentMetadata {
            document_number: self.document_number.clone(),
            document_type: self.document_type.clone(),
            hs_codes: split_list(&self.hs_codes, &[',', ';', ' ', '\t', '\n', '\r']),
            product_description: self.product_description.clone(),
            issue_date,
            valid_until,
            destination_country: self.destination_country.clone(),
            receiving_authority,
            applicant: party(&self.applicant),
            manufacturer: party(&self.manufacturer),
            applied_standards: split_list(&self.standards, &[';', '\n', '\r']),
            public_token: None,
        })
    }
}

/// A list typed into one field: split on `separators`, blanks dropped.
pub(super) fn split_list(text: &str, separators: &[char]) -> Vec<String> {
    text.split(separators).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// A date input's value (`YYYY-MM-DD`, what `<input type=date>` sends).
fn parse_date(errors: &mut FieldErrors, field: &str, text: &str) -> Option<Date> {
    if text.is_empty() {
        errors.push_code(field, FieldErrorCode::Required, "must not be empty");
        return None;
    }
    errors.check(field, Date::parse(text, format_description!("[year]-[month]-[day]")))
}

/// A choice of a `<select>`.
#[derive(Debug, Clone)]
pub(super) struct Choice {
    pub value: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "cab/upload.html")]
struct UploadPage {
    ctx: Ctx,
    values: UploadValues,
    document_types: Vec<Choice>,
    countries: Vec<Choice>,
    authorities: Vec<Choice>,
    scope: Vec<ScopeEntry>,
    max_upload: String,
}

/// What the form offers: document types, participating countries, receiving authorities, the CAB's scope.
async fn upload_page(
    state: &PortalState,
    viewer: &Viewer,
    ctx: Ctx,
    values: UploadValues,
) -> Result<UploadPage, HubError> {
    let p = viewer.principal();
    let active = InstitutionFilter { status: Some(LifecycleStatus::Active), ..Default::default() };
    let first_page = PageRequest::first(MAX_PAGE_SIZE);
    let (countries, institutions, scope) = tokio::try_join!(
        state.hub.list_countries(p),
        state.hub.list_institutions(p, &active, &first_page),
        state.hub.list_scope_entries(p, p.institution),
    )?;
    let document_types = DocumentType::ALL
        .into_iter()
        .map(|t| Choice { value: t.code().to_owned(), label: ctx.document_type(&t) })
        .collect();
    let countries = countries
        .into_iter()
        .map(|c| Choice { value: c.code.to_string(), label: format!("{} ({})", c.name, c.code) })
        .collect();
    let authorities = institutions
        .items
        .into_iter()
        .filter(|v| v.institution.roles.iter().any(|r| r.is_receiving_authority()))
        .map(|v| Choice {
            value: v.institution.id.to_string(),
            label: format!("{} ({})", v.institution.name, v.institution.country),
        })
        .collect();
    let max_upload = ctx.file_size(&u64::try_from(state.config.max_upload_bytes).unwrap_or(u64::MAX));
    Ok(UploadPage { ctx, values, document_types, countries, authorities, scope, max_upload })
}

/// The form with `err`'s messages (or the page error, when even the form cannot be built).
async fn form_again(state: &PortalState, viewer: &Viewer, values: UploadValues, err: &HubError) -> Response {
    let (ctx, status) = viewer.refusal(err);
    match upload_page(state, viewer, ctx, values).await {
        Ok(page) => render(status, &page),
        Err(e) => viewer.fail(&e),
    }
}

pub(super) async fn form(State(state): State<PortalState>, viewer: Viewer) -> Response {
    if let Some(refusal) = super::refuse_unless_cab(&viewer) {
        return refusal;
    }
    match upload_page(&state, &viewer, viewer.ctx(), UploadValues::default()).await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(e) => viewer.fail(&e),
    }
}

#[derive(Template)]
#[template(path = "cab/result.html")]
struct ResultPage {
    ctx: Ctx,
    accepted: bool,
    /// Why the hub refused the document (rejections only).
    rejection: Option<String>,
    submission: Option<Submission>,
    public_url: Option<String>,
    report: Option<super::documents::ReportView>,
}

pub(super) async fn submit(State(state): State<PortalState>, viewer: Viewer, req: Request) -> Response {
    // Refused before the upload is read.
    if let Some(refusal) = super::refuse_unless_cab(&viewer) {
        return refusal;
    }
    let form = match UploadForm::from_request(req, &state).await {
        Ok(form) => form,
        Err(refusal) => return refusal,
    };
    let values = UploadValues::from_form(&form);
    let Some(pdf) = form.file("pdf") else {
        return form_again(
            &state,
            &viewer,
            values,
            &HubError::invalid_with_code("pdf", FieldErrorCode::Required, "must not be empty"),
        )
        .await;
    };
    let metadata = match values.metadata() {
        Ok(m) => m,
        Err(e) => return form_again(&state, &viewer, values, &HubError::Invalid(e)).await,
    };
    let request = PushRequest { metadata, pdf: pdf.bytes.clone(), idempotency_key: None };
    let ctx = viewer.ctx();
    match state.hub.push_document(viewer.principal(), request).await {
        Ok(submission) => {
            let public_url = Some(super::documents::public_url(&state, &submission.public_token));
            let report = super::documents::report_view(&ctx, Some(&submission.report));
            let page =
                ResultPage { ctx, accepted: true, rejection: None, submission: Some(submission), public_url, report };
            render(StatusCode::OK, &page)
        }
        Err(HubError::Rejected(rejection)) => {
            let report = super::documents::report_view(&ctx, rejection.report.as_ref());
            let message = errors::rejection_message(&ctx.lang, rejection.code);
            let page = ResultPage {
                ctx,
                accepted: false,
                rejection: Some(message),
                submission: None,
                public_url: None,
                report,
            };
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => form_again(&state, &viewer, values, &e).await,
    }
}

/// The scope hint's words for one entry's destinations.
pub(super) fn destinations(ctx: &Ctx, entry: &ScopeEntry) -> String {
    if entry.destinations.is_empty() {
        ctx.t(key!("cab-scope-all-destinations"))
    } else {
        entry.destinations.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> UploadValues {
        UploadValues {
            document_number: "KZ-TR-1".into(),
            document_type: "TR".into(),
            hs_codes: "8471.30, 850440;\n 851712".into(),
            product_description: "Laptops".into(),
            issue_date: "2026-11-01".into(),
            valid_until: "2027-11-01".into(),
            destination_country: "UZ".into(),
            receiving_authority: String::new(),
            applicant: "Trader LLP".into(),
            manufacturer: String::new(),
            standards: "IEC 62368-1:2018\nIEC 60950-1; ".into(),
        }
    }

    #[test]
    fn the_form_becomes_push_metadata() {
        let m = values().metadata().unwrap();
        assert_eq!(m.hs_codes, vec!["8471.30", "850440", "851712"]);
        assert_eq!(m.applied_standards, vec!["IEC 62368-1:2018", "IEC 60950-1"]);
        assert_eq!(m.applicant.unwrap().name, "Trader LLP");
        assert!(m.manufacturer.is_none() && m.receiving_authority.is_none());
        assert_eq!(m.issue_date, time::macros::date!(2026 - 11 - 01));
    }

    #[test]
    fn dates_and_receivers_the_form_cannot_read_are_named() {
        let mut v = values();
        v.issue_date = "01.11.2026".into();
        v.valid_until = String::new();
        v.receiving_authority = "not-a-reference".into();
        let fields: Vec<String> = v.metadata().unwrap_err().0.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["issue_date", "valid_until", "receiving_authority"]);
    }
}
