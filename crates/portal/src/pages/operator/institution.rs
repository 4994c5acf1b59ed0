//! One institution's page: its facts, status change and withdrawal, and for an issuing CAB its accreditation,
//! scope and certificates with the forms that add them (see [`super::cab_forms`]).

use super::institutions::{basis_key, status_class, status_key};
use super::operator_path_id;
use super::shared::{SelectOption, StatusForm, parse_date, roles_text};
use crate::csrf::CsrfForm;
use crate::page::{Ctx, render, see_other};
use crate::state::PortalState;
use crate::viewer::Viewer;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use ecert_domain::FieldErrorCode;
use ecert_domain::accreditation::AccreditationBasis;
use ecert_domain::document_type::DocumentType;
use ecert_domain::ids::{AccreditationBodyId, InstitutionId};
use ecert_domain::institution::{LifecycleStatus, Role, check_transition};
use ecert_domain::page::{MAX_PAGE_SIZE, PageRequest};
use ecert_hub::HubError;
use ecert_store::InstitutionFilter;
use serde::Deserialize;

/// Certificates shown on an institution's page; the registry page lists them all.
const CERTIFICATES_SHOWN: u32 = 20;

/// What the forms of an institution's page sent, shown again when the hub refused it.
#[derive(Default)]
pub(super) struct DetailDrafts {
    pub(super) effective_date: String,
    pub(super) basis: String,
    pub(super) body: String,
    pub(super) designated_by: String,
    pub(super) certificate_number: String,
    pub(super) acc_valid_from: String,
    pub(super) acc_valid_until: String,
    pub(super) document_type: String,
    pub(super) hs_prefix: String,
    pub(super) destinations: String,
    pub(super) scope_valid_from: String,
    pub(super) scope_valid_until: String,
}

struct AccreditationRow {
    basis: String,
    body: String,
    certificate_number: String,
    valid_from: String,
    valid_until: String,
    suspended: bool,
}

struct ScopeRow {
    document_type: String,
    hs_prefix: String,
    destinations: String,
    valid_from: String,
    valid_until: String,
}

struct CertificateRow {
    id: String,
    subject: String,
    fingerprint: String,
    status_code: &'static str,
    status: String,
    valid: String,
}

/// The parts of the page only an issuing CAB has.
struct CabRecords {
    accreditations: Vec<AccreditationRow>,
    scope: Vec<ScopeRow>,
    certificates: Vec<CertificateRow>,
    basis_options: Vec<SelectOption>,
    body_options: Vec<SelectOption>,
    regulator_options: Vec<SelectOption>,
    type_options: Vec<SelectOption>,
}

#[derive(Template)]
#[template(path = "operator/institution.html")]
struct DetailPage {
    ctx: Ctx,
    id: String,
    name: String,
    country: String,
    roles: String,
    status_code: &'static str,
    status: String,
    status_class: &'static str,
    stored_status: String,
    withdrawal: Option<String>,
    contacts: Vec<String>,
    created: String,
    updated: String,
    status_options: Vec<SelectOption>,
    can_withdraw: bool,
    cab: Option<CabRecords>,
    drafts: DetailDrafts,
}

pub(super) async fn detail(State(state): State<PortalState>, viewer: Viewer, Path(id): Path<String>) -> Response {
    match operator_path_id::<InstitutionId>(&viewer, &id, "institution") {
        Ok(id) => detail_page(&state, &viewer, viewer.ctx(), id, DetailDrafts::default(), StatusCode::OK).await,
        Err(refusal) => *refusal,
    }
}

async fn detail_page(
    state: &PortalState,
    viewer: &Viewer,
    ctx: Ctx,
    id: InstitutionId,
    drafts: DetailDrafts,
    status: StatusCode,
) -> Response {
    let p = viewer.principal();
    let view = match state.hub.get_institution(p, id).await {
        Ok(v) => v,
        Err(e) => return viewer.fail(&e),
    };
    let i = &view.institution;
    let cab = if i.has_role(Role::IssuingCab) {
        match cab_records(state, viewer, &ctx, id, &drafts).await {
            Ok(records) => Some(records),
            Err(e) => return viewer.fail(&e),
        }
    } else {
        None
    };
    let status_options = [LifecycleStatus::Active, LifecycleStatus::Suspended]
        .into_iter()
        .filter(|to| check_transition(i.status, *to).is_ok())
        .map(|to| SelectOption::new(to.code(), ctx.t(status_key(to)), None))
        .collect();
    let page = DetailPage {
        id: i.id.to_string(),
        name: i.name.clone(),
        country: i.country.to_string(),
        roles: roles_text(&ctx, &i.roles),
        status_code: view.effective_status.code(),
        status: ctx.t(status_key(view.effective_status)),
        status_class: status_class(view.effective_status),
        stored_status: ctx.t(status_key(i.status)),
        withdrawal: i.withdrawal.map(|w| {
            ctx.t2(
                "operator-withdrawal-notified",
                "notice",
                ctx.date(&w.notice_date),
                "effective",
                ctx.date(&w.effective_date),
            )
        }),
        contacts: i
            .contacts
            .iter()
            .map(|c| {
                let extra: Vec<&str> = [c.function.as_deref(), c.phone.as_deref()].into_iter().flatten().collect();
                if extra.is_empty() {
                    format!("{} <{}>", c.name, c.email)
                } else {
                    format!("{} <{}>, {}", c.name, c.email, extra.join(", "))
                }
            })
            .collect(),
        created: ctx.datetime(&i.created_at),
        updated: ctx.datetime(&i.updated_at),
        status_options,
        can_withdraw: i.withdrawal.is_none() && i.status != LifecycleStatus::Withdrawn,
        cab,
        drafts,
        ctx,
    };
    render(status, &page)
}

async fn cab_records(
    state: &PortalState,
    viewer: &Viewer,
    ctx: &Ctx,
    id: InstitutionId,
    drafts: &DetailDrafts,
) -> Result<CabRecords, HubError> {
    let p = viewer.principal();
    let hub = &state.hub;
    let accreditations = hub.list_accreditations(p, id).await?;
    let scope = hub.list_scope_entries(p, id).await?;
    let certificates = hub.list_certificates(p, Some(id), &PageRequest::first(CERTIFICATES_SHOWN)).await?;
    let bodies = hub.list_accreditation_bodies(p, &PageRequest::first(MAX_PAGE_SIZE)).await?.items;
    let regulators_filter = InstitutionFilter { role: Some(Role::Regulator), ..Default::default() };
    let regulators = hub.list_institutions(p, &regulators_filter, &PageRequest::first(MAX_PAGE_SIZE)).await?.items;
    let body_name = |b: Option<AccreditationBodyId>, designated_by: Option<InstitutionId>| -> String {
        if let Some(b) = b {
            return bodies.iter().find(|x| x.id == b).map(|x| x.name.clone()).unwrap_or_else(|| b.to_string());
        }
        designated_by
            .map(|d| {
                regulators
                    .iter()
                    .find(|r| r.institution.id == d)
                    .map(|r| r.institution.name.clone())
                    .unwrap_or_else(|| d.to_string())
            })
            .unwrap_or_else(|| ctx.t("operator-none"))
    };
    Ok(CabRecords {
        accreditations: accreditations
            .iter()
            .map(|a| AccreditationRow {
                basis: ctx.t(basis_key(a.basis)),
                body: body_name(a.body, a.designated_by),
                certificate_number: a.certificate_number.clone(),
                valid_from: ctx.date(&a.valid_from),
                valid_until: ctx.date(&a.valid_until),
                suspended: a.suspended,
            })
            .collect(),
        scope: scope
            .iter()
            .map(|s| ScopeRow {
                document_type: ctx.document_type(&s.document_type),
                hs_prefix: s.hs_prefix.as_str().to_owned(),
                destinations: if s.destinations.is_empty() {
                    ctx.t("operator-destinations-all")
                } else {
                    s.destinations.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")
                },
                valid_from: ctx.date(&s.valid_from),
                valid_until: s.valid_until.map(|d| ctx.date(&d)).unwrap_or_else(|| ctx.t("operator-open-ended")),
            })
            .collect(),
        certificates: certificates
            .items
            .iter()
            .map(|c| CertificateRow {
                id: c.id.to_string(),
                subject: c.subject.clone(),
                fingerprint: c.fingerprint_sha256.clone(),
                status_code: c.status.code(),
                status: ctx.t(super::certificates::status_key(c.status)),
                valid: ctx.t2(
                    "operator-validity-range",
                    "from",
                    ctx.date(&c.not_before.date()),
                    "to",
                    ctx.date(&c.not_after.date()),
                ),
            })
            .collect(),
        basis_options: AccreditationBasis::ALL
            .into_iter()
            .map(|b| SelectOption::new(b.code(), ctx.t(basis_key(b)), Some(drafts.basis.as_str())))
            .collect(),
        body_options: bodies
            .iter()
            .map(|b| {
                SelectOption::new(b.id.to_string(), format!("{} ({})", b.name, b.country), Some(drafts.body.as_str()))
            })
            .collect(),
        regulator_options: regulators
            .iter()
            .map(|r| {
                let i = &r.institution;
                SelectOption::new(
                    i.id.to_string(),
                    format!("{} ({})", i.name, i.country),
                    Some(drafts.designated_by.as_str()),
                )
            })
            .collect(),
        type_options: DocumentType::ALL
            .into_iter()
            .map(|t| SelectOption::new(t.code(), ctx.document_type(&t), Some(drafts.document_type.as_str())))
            .collect(),
    })
}

/// The end of a form on an institution's page: back to the page with `notice_query` (`?notice=…`) once the hub
/// did it; otherwise the page again with the hub's (or the form's) objection and the form as it was sent
/// (`drafts`): nothing was changed.
pub(super) async fn form_answer(
    state: &PortalState,
    viewer: &Viewer,
    id: InstitutionId,
    result: Result<(), HubError>,
    notice_query: &str,
    drafts: impl FnOnce() -> DetailDrafts,
) -> Response {
    match result {
        Ok(()) => see_other(&format!("/portal/institutions/{id}{notice_query}")),
        Err(err) => {
            let (ctx, status) = viewer.refusal(&err);
            detail_page(state, viewer, ctx, id, drafts(), status).await
        }
    }
}

pub(super) async fn set_status(
    State(state): State<PortalState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<StatusForm>,
) -> Response {
    let id = match operator_path_id::<InstitutionId>(&viewer, &id, "institution") {
        Ok(id) => id,
        Err(refusal) => return *refusal,
    };
    let result = match LifecycleStatus::parse(form.status.trim()) {
        Some(status) => state.hub.set_institution_status(viewer.principal(), id, status).await.map(|_| ()),
        None => Err(HubError::invalid_with_code("status", FieldErrorCode::Required, "is required")),
    };
    form_answer(&state, &viewer, id, result, "?notice=operator-status-changed", DetailDrafts::default).await
}

#[derive(Deserialize)]
pub(super) struct WithdrawalForm {
    #[serde(default)]
    effective_date: String,
}

pub(super) async fn notify_withdrawal(
    State(state): State<PortalState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<WithdrawalForm>,
) -> Response {
    let id = match operator_path_id::<InstitutionId>(&viewer, &id, "institution") {
        Ok(id) => id,
        Err(refusal) => return *refusal,
    };
    let text = form.effective_date.trim();
    let result = match (text.is_empty(), parse_date(text)) {
        (true, _) => state.hub.notify_withdrawal(viewer.principal(), id, None).await.map(|_| ()),
        (false, Some(date)) => state.hub.notify_withdrawal(viewer.principal(), id, Some(date)).await.map(|_| ()),
        (false, None) => Err(HubError::invalid("effective_date", "is not a date")),
    };
    let drafts = || DetailDrafts { effective_date: form.effective_date, ..DetailDrafts::default() };
    form_answer(&state, &viewer, id, result, "?notice=operator-withdrawal-done", drafts).await
}
