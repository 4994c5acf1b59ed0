//! Institutions: the list (filtered, paged) with the forms that add institutions, countries and accreditation
//! bodies, and the words for their enumerations. One institution's page is [`super::institution`].

use super::refuse_unless_operator;
use super::shared::{
    Check, SelectOption, cursor, field, fields, link_with_query, page_after, present, query, role_checks, roles_text,
};
use crate::csrf::CsrfForm;
use crate::errors::flash_error;
use crate::key;
use crate::page::{Ctx, render, see_other};
use crate::state::PortalState;
use crate::viewer::Viewer;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use ecert_domain::FieldErrors;
use ecert_domain::accreditation::{AccreditationBasis, ArrangementStatus, NewAccreditationBody};
use ecert_domain::country::CountryCode;
use ecert_domain::institution::{LifecycleStatus, NewInstitution, Role};
use ecert_domain::page::{MAX_PAGE_SIZE, PageRequest};
use ecert_hub::{HubError, InstitutionView};
use ecert_store::InstitutionFilter;
use serde::Deserialize;

const PAGE_SIZE: u32 = 50;

pub(super) fn status_key(s: LifecycleStatus) -> &'static str {
    match s {
        LifecycleStatus::Pending => crate::key!("operator-status-pending"),
        LifecycleStatus::Active => crate::key!("operator-status-active"),
        LifecycleStatus::Suspended => crate::key!("operator-status-suspended"),
        LifecycleStatus::Withdrawn => crate::key!("operator-status-withdrawn"),
    }
}

pub(super) fn status_class(s: LifecycleStatus) -> &'static str {
    match s {
        LifecycleStatus::Active => "good",
        LifecycleStatus::Pending | LifecycleStatus::Suspended => "warn",
        LifecycleStatus::Withdrawn => "bad",
    }
}

pub(super) fn basis_key(b: AccreditationBasis) -> &'static str {
    match b {
        AccreditationBasis::Iso17065 => crate::key!("operator-basis-iso17065"),
        AccreditationBasis::Iso17025 => crate::key!("operator-basis-iso17025"),
        AccreditationBasis::Iso17020 => crate::key!("operator-basis-iso17020"),
        AccreditationBasis::RegulatorDesignation => crate::key!("operator-basis-regulator_designation"),
    }
}

fn arrangement_key(a: ArrangementStatus) -> &'static str {
    match a {
        ArrangementStatus::IlacMra => crate::key!("operator-arrangement-ilac_mra"),
        ArrangementStatus::IafMla => crate::key!("operator-arrangement-iaf_mla"),
        ArrangementStatus::IlacMraAndIafMla => crate::key!("operator-arrangement-ilac_mra_and_iaf_mla"),
        ArrangementStatus::None => crate::key!("operator-arrangement-none"),
    }
}

const STATUSES: [LifecycleStatus; 4] =
    [LifecycleStatus::Pending, LifecycleStatus::Active, LifecycleStatus::Suspended, LifecycleStatus::Withdrawn];

#[derive(Deserialize, Default)]
pub(super) struct ListQuery {
    role: Option<String>,
    country: Option<String>,
    status: Option<String>,
    after: Option<String>,
}

/// What the forms of the list page sent, shown again when the hub refused it.
#[derive(Default)]
struct ListDrafts {
    institution_name: String,
    institution_country: String,
    institution_roles: Vec<String>,
    country_code: String,
    country_name: String,
    body_name: String,
    body_country: String,
    body_arrangement: String,
}

struct InstitutionRow {
    id: String,
    name: String,
    country: String,
    roles: String,
    status_code: &'static str,
    status: String,
    status_class: &'static str,
}

struct BodyRow {
    name: String,
    country: String,
    arrangement: String,
}

#[derive(Template)]
#[template(path = "operator/institutions.html")]
struct ListPage {
    ctx: Ctx,
    filter_roles: Vec<SelectOption>,
    filter_countries: Vec<SelectOption>,
    filter_statuses: Vec<SelectOption>,
    rows: Vec<InstitutionRow>,
    count: String,
    next_page: Option<String>,
    first_page: Option<String>,
    country_options: Vec<SelectOption>,
    role_checks: Vec<Check>,
    institution_name: String,
    country_code: String,
    country_name: String,
    countries: Vec<(String, String)>,
    bodies: Vec<BodyRow>,
    body_name: String,
    body_country_options: Vec<SelectOption>,
    arrangement_options: Vec<SelectOption>,
}

pub(super) async fn list(State(state): State<PortalState>, viewer: Viewer, RawQuery(raw): RawQuery) -> Response {
    if let Some(denied) = refuse_unless_operator(&viewer) {
        return denied;
    }
    let q: ListQuery = query(raw.as_deref());
    list_page(&state, &viewer, viewer.ctx(), &q, &ListDrafts::default(), StatusCode::OK).await
}

async fn list_page(
    state: &PortalState,
    viewer: &Viewer,
    mut ctx: Ctx,
    q: &ListQuery,
    drafts: &ListDrafts,
    status: StatusCode,
) -> Response {
    let p = viewer.principal();
    let mut filter = InstitutionFilter::default();
    let mut status = status;
    let mut problems = FieldErrors::default();
    if let Some(role) = present(&q.role) {
        filter.role = problems.check("role", Role::parse(role).ok_or("unknown role"));
    }
    if let Some(country) = present(&q.country) {
        filter.country = problems.check("country", CountryCode::parse(country));
    }
    if let Some(s) = present(&q.status) {
        filter.status = problems.check("status", LifecycleStatus::parse(s).ok_or("unknown status"));
    }
    if !problems.0.is_empty() {
        status = flash_error(&mut ctx, &HubError::Invalid(problems));
    }
    let after = cursor(&q.after);
    let (hub, filter) = (&state.hub, &filter);
    let fetch = |req: PageRequest| async move { hub.list_institutions(p, filter, &req).await };
    let page = match page_after(&mut ctx, after.clone(), PAGE_SIZE, key!("operator-error-cursor"), fetch).await {
        Ok(page) => page,
        Err(e) => return viewer.fail(&e),
    };
    let countries = match state.hub.list_countries(p).await {
        Ok(c) => c,
        Err(e) => return viewer.fail(&e),
    };
    let bodies = match state.hub.list_accreditation_bodies(p, &PageRequest::first(MAX_PAGE_SIZE)).await {
        Ok(b) => b.items,
        Err(e) => return viewer.fail(&e),
    };
    let rows: Vec<InstitutionRow> = page.items.iter().map(|v| institution_row(&ctx, v)).collect();
    let country_options = |current: &str| -> Vec<SelectOption> {
        countries
            .iter()
            .map(|c| SelectOption::new(c.code.as_str(), format!("{} ({})", c.name, c.code), Some(current)))
            .collect()
    };
    let filter_pairs = [
        ("role", present(&q.role).unwrap_or_default()),
        ("country", present(&q.country).unwrap_or_default()),
        ("status", present(&q.status).unwrap_or_default()),
    ];
    let next_page = page
        .next_cursor
        .as_deref()
        .map(|c| link_with_query("/portal/institutions", filter_pairs.iter().copied().chain([("after", c)])));
    let first_page = after.is_some().then(|| link_with_query("/portal/institutions", filter_pairs.iter().copied()));
    let view = ListPage {
        filter_roles: Role::ALL
            .into_iter()
            .map(|r| SelectOption::new(r.code(), ctx.role(&r), present(&q.role)))
            .collect(),
        filter_countries: countries
            .iter()
            .map(|c| SelectOption::new(c.code.as_str(), c.name.clone(), present(&q.country)))
            .collect(),
        filter_statuses: STATUSES
            .into_iter()
            .map(|s| SelectOption::new(s.code(), ctx.t(status_key(s)), present(&q.status)))
            .collect(),
        count: ctx.count("operator-institutions-count", rows.len()),
        rows,
        next_page,
        first_page,
        country_options: country_options(&drafts.institution_country),
        role_checks: role_checks(&ctx, "role", &drafts.institution_roles),
        institution_name: drafts.institution_name.clone(),
        country_code: drafts.country_code.clone(),
        country_name: drafts.country_name.clone(),
        countries: countries.iter().map(|c| (c.code.to_string(), c.name.clone())).collect(),
        bodies: bodies
            .iter()
            .map(|b| BodyRow {
                name: b.name.clone(),
                country: b.country.to_string(),
                arrangement: ctx.t(arrangement_key(b.arrangement)),
            })
            .collect(),
        body_name: drafts.body_name.clone(),
        body_country_options: country_options(&drafts.body_country),
        arrangement_options: ArrangementStatus::ALL
            .into_iter()
            .map(|a| SelectOption::new(a.code(), ctx.t(arrangement_key(a)), Some(drafts.body_arrangement.as_str())))
            .collect(),
        ctx,
    };
    render(status, &view)
}

fn institution_row(ctx: &Ctx, v: &InstitutionView) -> InstitutionRow {
    let i = &v.institution;
    InstitutionRow {
        id: i.id.to_string(),
        name: i.name.clone(),
        country: i.country.to_string(),
        roles: roles_text(ctx, &i.roles),
        status_code: v.effective_status.code(),
        status: ctx.t(status_key(v.effective_status)),
        status_class: status_class(v.effective_status),
    }
}

pub(super) async fn create(
    State(state): State<PortalState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Response {
    if let Some(denied) = refuse_unless_operator(&viewer) {
        return denied;
    }
    let new = NewInstitution {
        country: field(&form, "country").trim().to_owned(),
        name: field(&form, "name").to_owned(),
        roles: fields(&form, "roles"),
        contacts: Vec::new(),
    };
    match state.hub.create_institution(viewer.principal(), new.clone()).await {
        Ok((view, _)) => {
            see_other(&format!("/portal/institutions/{}?notice=operator-institution-created", view.institution.id))
        }
        Err(e) => {
            let drafts = ListDrafts {
                institution_name: new.name,
                institution_country: new.country,
                institution_roles: new.roles,
                ..ListDrafts::default()
            };
            refused(&state, &viewer, &e, &drafts).await
        }
    }
}

#[derive(Deserialize)]
pub(super) struct CountryForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
}

pub(super) async fn add_country(
    State(state): State<PortalState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<CountryForm>,
) -> Response {
    if let Some(denied) = refuse_unless_operator(&viewer) {
        return denied;
    }
    match state.hub.create_country(viewer.principal(), form.code.trim(), &form.name).await {
        Ok(_) => see_other("/portal/institutions?notice=operator-country-added"),
        Err(e) => {
            let drafts = ListDrafts { country_code: form.code, country_name: form.name, ..ListDrafts::default() };
            refused(&state, &viewer, &e, &drafts).await
        }
    }
}

#[derive(Deserialize)]
pub(super) struct BodyForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    arrangement: String,
}

pub(super) async fn add_body(
    State(state): State<PortalState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<BodyForm>,
) -> Response {
    if let Some(denied) = refuse_unless_operator(&viewer) {
        return denied;
    }
    let new = NewAccreditationBody {
        name: form.name.clone(),
        country: form.country.trim().to_owned(),
        arrangement: form.arrangement.trim().to_owned(),
        predecessor: None,
    };
    match state.hub.create_accreditation_body(viewer.principal(), new).await {
        Ok(_) => see_other("/portal/institutions?notice=operator-body-added"),
        Err(e) => {
            let drafts = ListDrafts {
                body_name: form.name,
                body_country: form.country,
                body_arrangement: form.arrangement,
                ..ListDrafts::default()
            };
            refused(&state, &viewer, &e, &drafts).await
        }
    }
}

/// Re-shows the list with the hub's objection and the form as it was sent (`drafts`); nothing was changed.
async fn refused(state: &PortalState, viewer: &Viewer, err: &HubError, drafts: &ListDrafts) -> Response {
    let (ctx, status) = viewer.refusal(err);
    list_page(state, viewer, ctx, &ListQuery::default(), drafts, status).await
}

/// Names for the other operator pages' institution pickers: the issuing CABs (certificates) or every
/// institution (users), as select options.
pub(super) async fn institution_options(
    state: &PortalState,
    viewer: &Viewer,
    role: Option<Role>,
    current: Option<&str>,
) -> Result<Vec<SelectOption>, HubError> {
    let filter = InstitutionFilter { role, ..Default::default() };
    let page = state.hub.list_institutions(viewer.principal(), &filter, &PageRequest::first(MAX_PAGE_SIZE)).await?;
    Ok(page
        .items
        .iter()
        .map(|v| {
            let i = &v.institution;
            SelectOption::new(i.id.to_string(), format!("{} ({})", i.name, i.country), current)
        })
        .collect())
}
