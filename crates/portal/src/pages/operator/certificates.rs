//! The Public Key Registry: every CAB's signing certificates, registration (PEM pasted or a file), renewal and
//! revocation with a reason.

use super::institutions::institution_options;
use super::shared::{
    SelectOption, cursor, institution_filter, institution_names, link_with_query, page_after, path_id, present, query,
    required_id,
};
use super::{operator_path_id, refuse_unless_operator};
use crate::csrf::{CsrfForm, UploadForm};
use crate::key;
use crate::page::{Ctx, render, see_other};
use crate::state::PortalState;
use crate::viewer::Viewer;
use askama::Template;
use axum::extract::{FromRequest, Path, RawQuery, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use ecert_domain::FieldErrorCode;
use ecert_domain::ids::{CertificateId, InstitutionId};
use ecert_domain::institution::Role;
use ecert_domain::page::PageRequest;
use ecert_domain::pkr::{CertificateStatus, RegisteredCertificate, RevocationReason};
use ecert_hub::HubError;
use serde::Deserialize;

const PAGE_SIZE: u32 = 50;
/// A certificate is at most this large as text or file (the hub refuses more).
const MAX_CERTIFICATE_BYTES: usize = 64 * 1024;

pub(super) fn status_key(s: CertificateStatus) -> &'static str {
    match s {
        CertificateStatus::Active => key!("operator-cert-status-active"),
        CertificateStatus::Superseded => key!("operator-cert-status-superseded"),
        CertificateStatus::Revoked => key!("operator-cert-status-revoked"),
    }
}

fn status_class(s: CertificateStatus) -> &'static str {
    match s {
        CertificateStatus::Active => "good",
        CertificateStatus::Superseded => "warn",
        CertificateStatus::Revoked => "bad",
    }
}

fn reason_key(r: RevocationReason) -> &'static str {
    match r {
        RevocationReason::Unspecified => key!("operator-reason-unspecified"),
        RevocationReason::KeyCompromise => key!("operator-reason-key_compromise"),
        RevocationReason::CaCompromise => key!("operator-reason-ca_compromise"),
        RevocationReason::AffiliationChanged => key!("operator-reason-affiliation_changed"),
        RevocationReason::Superseded => key!("operator-reason-superseded"),
        RevocationReason::CessationOfOperation => key!("operator-reason-cessation_of_operation"),
        RevocationReason::PrivilegeWithdrawn => key!("operator-reason-privilege_withdrawn"),
    }
}

fn reason_options(ctx: &Ctx) -> Vec<SelectOption> {
    RevocationReason::ALL.into_iter().map(|r| SelectOption::new(r.code(), ctx.t(reason_key(r)), None)).collect()
}

struct CertificateRow {
    id: String,
    subject: String,
    institution: String,
    fingerprint: String,
    key: String,
    is_ca: bool,
    valid: String,
    status_code: &'static str,
    status: String,
    status_class: &'static str,
    revocable: bool,
}

fn row(ctx: &Ctx, institution: String, c: &RegisteredCertificate) -> CertificateRow {
    CertificateRow {
        id: c.id.to_string(),
        subject: c.subject.clone(),
        institution,
        fingerprint: c.fingerprint_sha256.clone(),
        key: c.key_algorithm.clone(),
        is_ca: c.is_ca,
        valid: ctx.t2(
            "operator-validity-range",
            "from",
            ctx.date(&c.not_before.date()),
            "to",
            ctx.date(&c.not_after.date()),
        ),
        status_code: c.status.code(),
        status: ctx.t(status_key(c.status)),
        status_class: status_class(c.status),
        revocable: c.status != CertificateStatus::Revoked,
    }
}

#[derive(Deserialize, Default)]
pub(super) struct ListQuery {
    institution: Option<String>,
    after: Option<String>,
}

#[derive(Template)]
#[template(path = "operator/certificates.html")]
struct ListPage {
    ctx: Ctx,
    /// The CAB the list is narrowed to, by name.
    for_institution: Option<String>,
    rows: Vec<CertificateRow>,
    count: String,
    next_page: Option<String>,
    first_page: Option<String>,
    reasons: Vec<SelectOption>,
    cab_options: Vec<SelectOption>,
    pem: String,
}

pub(super) async fn list(State(state): State<PortalState>, viewer: Viewer, RawQuery(raw): RawQuery) -> Response {
    if let Some(denied) = refuse_unless_operator(&viewer) {
        return denied;
    }
    let q: ListQuery = query(raw.as_deref());
    list_page(&state, &viewer, viewer.ctx(), &q, None, String::new(), StatusCode::OK).await
}

async fn list_page(
    state: &PortalState,
    viewer: &Viewer,
    mut ctx: Ctx,
    q: &ListQuery,
    chosen_cab: Option<&str>,
    pem: String,
    status: StatusCode,
) -> Response {
    let p = viewer.principal();
    let (institution, for_institution) = match institution_filter(state, p, &q.institution).await {
        Ok(found) => found,
        Err(e) => return viewer.fail(&e),
    };
    let after = cursor(&q.after);
    let hub = &state.hub;
    let fetch = |req: PageRequest| async move { hub.list_certificates(p, institution, &req).await };
    let page = match page_after(&mut ctx, after.clone(), PAGE_SIZE, key!("operator-error-cursor"), fetch).await {
        Ok(page) => page,
        Err(e) => return viewer.fail(&e),
    };
    let names = match institution_names(state, p).await {
        Ok(n) => n,
        Err(e) => return viewer.fail(&e),
    };
    let current_cab = chosen_cab.or(present(&q.institution));
    let cab_options = match institution_options(state, viewer, Some(Role::IssuingCab), current_cab).await {
        Ok(o) => o,
        Err(e) => return viewer.fail(&e),
    };
    let filter = institution.map(|i| i.to_string()).unwrap_or_default();
    let rows: Vec<CertificateRow> = page.items.iter().map(|c| row(&ctx, names.name(c.institution), c)).collect();
    let view = ListPage {
        for_institution,
        count: ctx.count("operator-certificates-count", rows.len()),
        rows,
        next_page: page
            .next_cursor
            .as_deref()
            .map(|c| link_with_query("/portal/certificates", [("institution", filter.as_str()), ("after", c)])),
        first_page: after
            .is_some()
            .then(|| link_with_query("/portal/certificates", [("institution", filter.as_str())])),
        reasons: reason_options(&ctx),
        cab_options,
        pem,
        ctx,
    };
    render(status, &view)
}

/// The certificate a registration or renewal form sent: the file if one was chosen, else the pasted text.
fn submitted_certificate(form: &UploadForm) -> Result<Vec<u8>, HubError> {
    let bytes = match form.file("certificate_file") {
        Some(file) => file.bytes.to_vec(),
        None => form.text("pem").map(String::into_bytes).unwrap_or_default(),
    };
    if bytes.is_empty() {
        return Err(HubError::invalid_with_code("certificate", FieldErrorCode::Required, "is required"));
    }
    if bytes.len() > MAX_CERTIFICATE_BYTES {
        return Err(HubError::invalid_with_code(
            "certificate",
            FieldErrorCode::TooLong,
            format!("must be at most {MAX_CERTIFICATE_BYTES} bytes"),
        ));
    }
    Ok(bytes)
}

/// The pasted text, shown again in the form the hub refused (bounded like the certificate itself).
fn pem_draft(form: &UploadForm) -> String {
    form.field("pem").unwrap_or_default().chars().take(MAX_CERTIFICATE_BYTES).collect()
}

pub(super) async fn register(State(state): State<PortalState>, viewer: Viewer, req: Request) -> Response {
    // Refused before the upload is read.
    if let Some(denied) = refuse_unless_operator(&viewer) {
        return denied;
    }
    let form = match UploadForm::from_request(req, &state).await {
        Ok(form) => form,
        Err(refusal) => return refusal,
    };
    let institution = form.text("institution").unwrap_or_default();
    let result = async {
        let cab = required_id::<InstitutionId>("institution", &institution)?;
        let bytes = submitted_certificate(&form)?;
        state.hub.register_certificate(viewer.principal(), cab, &bytes).await
    }
    .await;
    match result {
        Ok((cert, _)) => {
            see_other(&format!("/portal/certificates?institution={}&notice=operator-registered", cert.institution))
        }
        Err(e) => {
            let (ctx, status) = viewer.refusal(&e);
            list_page(&state, &viewer, ctx, &ListQuery::default(), Some(&institution), pem_draft(&form), status).await
        }
    }
}

#[derive(Deserialize)]
pub(super) struct RevokeForm {
    #[serde(default)]
    reason: String,
}

pub(super) async fn revoke(
    State(state): State<PortalState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<RevokeForm>,
) -> Response {
    if let Some(denied) = refuse_unless_operator(&viewer) {
        return denied;
    }
    let result = async {
        let id = path_id::<CertificateId>(&id, "certificate")?;
        let reason = RevocationReason::parse(form.reason.trim())
            .ok_or_else(|| HubError::invalid_with_code("reason", FieldErrorCode::Required, "is required"))?;
        state.hub.revoke_certificate(viewer.principal(), id, reason, None).await
    }
    .await;
    match result {
        Ok((cert, _)) => {
            see_other(&format!("/portal/certificates?institution={}&notice=operator-revoked", cert.institution))
        }
        Err(e @ HubError::NotFound(_)) => viewer.fail(&e),
        Err(e) => {
            let (ctx, status) = viewer.refusal(&e);
            list_page(&state, &viewer, ctx, &ListQuery::default(), None, String::new(), status).await
        }
    }
}

struct HistoryRow {
    at: String,
    /// The store's code (`registered`, `superseded`, `revoked`), for `data-action`.
    code: String,
    action: String,
}

/// A history entry's action in words. The store's free-text detail (English, ids) is not shown: the facts
/// above the history already say what replaced what and why it was revoked.
fn history_action(ctx: &Ctx, code: &str) -> String {
    match code {
        "registered" => ctx.t("operator-history-registered"),
        "renewed" => ctx.t("operator-history-renewed"),
        "superseded" => ctx.t("operator-history-superseded"),
        "revoked" => ctx.t("operator-history-revoked"),
        other => ctx.t1("operator-history-other", "action", other),
    }
}

#[derive(Template)]
#[template(path = "operator/certificate.html")]
struct DetailPage {
    ctx: Ctx,
    row: CertificateRow,
    institution_id: String,
    issuer: String,
    serial: String,
    not_before: String,
    not_after: String,
    registered: String,
    revoked_at: Option<String>,
    revocation_reason: Option<String>,
    replaces: Option<String>,
    replaced_by: Option<String>,
    history: Vec<HistoryRow>,
    pem: String,
    reasons: Vec<SelectOption>,
    renewable: bool,
    new_pem: String,
}

pub(super) async fn detail(State(state): State<PortalState>, viewer: Viewer, Path(id): Path<String>) -> Response {
    match operator_path_id::<CertificateId>(&viewer, &id, "certificate") {
        Ok(id) => detail_page(&state, &viewer, viewer.ctx(), id, String::new(), StatusCode::OK).await,
        Err(refusal) => *refusal,
    }
}

async fn detail_page(
    state: &PortalState,
    viewer: &Viewer,
    ctx: Ctx,
    id: CertificateId,
    new_pem: String,
    status: StatusCode,
) -> Response {
    let p = viewer.principal();
    let detail = match state.hub.get_certificate(p, id).await {
        Ok(d) => d,
        Err(e) => return viewer.fail(&e),
    };
    let institution = match state.hub.get_institution(p, detail.certificate.institution).await {
        Ok(v) => v.institution.name,
        Err(e) => return viewer.fail(&e),
    };
    let c = &detail.certificate;
    let view = DetailPage {
        row: row(&ctx, institution, c),
        institution_id: c.institution.to_string(),
        issuer: c.issuer.clone(),
        serial: c.serial.clone(),
        not_before: ctx.datetime(&c.not_before),
        not_after: ctx.datetime(&c.not_after),
        registered: ctx.datetime(&c.registered_at),
        revoked_at: c.revoked_at.map(|t| ctx.datetime(&t)),
        revocation_reason: c.revocation_reason.map(|r| ctx.t(reason_key(r))),
        replaces: c.replaces.map(|r| r.to_string()),
        replaced_by: c.replaced_by.map(|r| r.to_string()),
        history: detail
            .history
            .iter()
            .map(|h| HistoryRow {
                at: ctx.datetime(&h.at),
                code: h.action.clone(),
                action: history_action(&ctx, &h.action),
            })
            .collect(),
        pem: detail.pem.clone(),
        reasons: reason_options(&ctx),
        renewable: c.status == CertificateStatus::Active,
        new_pem,
        ctx,
    };
    render(status, &view)
}

pub(super) async fn renew(
    State(state): State<PortalState>,
    viewer: Viewer,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    // Refused before the upload is read.
    if let Some(denied) = refuse_unless_operator(&viewer) {
        return denied;
    }
    let form = match UploadForm::from_request(req, &state).await {
        Ok(form) => form,
        Err(refusal) => return refusal,
    };
    let id = match path_id::<CertificateId>(&id, "certificate") {
        Ok(id) => id,
        Err(e) => return viewer.fail(&e),
    };
    let result = match submitted_certificate(&form) {
        Ok(bytes) => state.hub.renew_certificate(viewer.principal(), id, &bytes).await,
        Err(e) => Err(e),
    };
    match result {
        Ok((cert, _)) => see_other(&format!("/portal/certificates/{}?notice=operator-renewed", cert.id)),
        Err(e @ HubError::NotFound(_)) => viewer.fail(&e),
        Err(e) => {
            let (ctx, status) = viewer.refusal(&e);
            detail_page(&state, &viewer, ctx, id, pem_draft(&form), status).await
        }
    }
}
