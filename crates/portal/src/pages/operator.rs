//! The hub operator's pages: institutions with their accreditation and scope, the Public Key Registry, portal
//! users, the audit log and the retention settings in force.
//!
//! The hub checks every write against the caller's roles, but several reads (institutions, the audit log) are
//! open to every participant for its own purposes; these pages are the operator's console, so each handler
//! first refuses anyone else with a 403.

pub(crate) mod audit;
mod cab_forms;
mod certificates;
mod institution;
mod institutions;
mod retention;
pub(crate) mod shared;
mod users;

use crate::key;
use crate::page::render;
use crate::pages::MessagePage;
use crate::state::PortalState;
use crate::viewer::Viewer;
use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};

pub(crate) fn routes() -> Router<PortalState> {
    Router::new()
        .route("/portal/institutions", get(institutions::list).post(institutions::create))
        .route("/portal/institutions/{id}", get(institution::detail))
        .route("/portal/institutions/{id}/status", post(institution::set_status))
        .route("/portal/institutions/{id}/withdrawal", post(institution::notify_withdrawal))
        .route("/portal/institutions/{id}/accreditations", post(cab_forms::add_accreditation))
        .route("/portal/institutions/{id}/scope", post(cab_forms::add_scope))
        .route("/portal/countries", post(institutions::add_country))
        .route("/portal/accreditation-bodies", post(institutions::add_body))
        .route("/portal/certificates", get(certificates::list).post(certificates::register))
        .route("/portal/certificates/{id}", get(certificates::detail))
        .route("/portal/certificates/{id}/renew", post(certificates::renew))
        .route("/portal/certificates/{id}/revoke", post(certificates::revoke))
        .route("/portal/users", get(users::list).post(users::create))
        .route("/portal/users/{id}/status", post(users::set_status))
        .route("/portal/users/{id}/second-factor/reset", post(users::reset_second_factor))
        .route("/portal/audit", get(audit::audit_log))
        .route("/portal/retention", get(retention::show))
}

/// The translated 403 page, unless the viewer acts for the hub operator.
pub(crate) fn refuse_unless_operator(viewer: &Viewer) -> Option<Response> {
    if viewer.principal().is_operator() {
        return None;
    }
    let mut ctx = viewer.ctx();
    ctx.error(ctx.t("operator-only"));
    Some(render(StatusCode::FORBIDDEN, &MessagePage::new(ctx, key!("error-title"))))
}

/// The record a path names, for the hub operator only: the 403 page for anyone else, the 404 page for an id
/// that is not one (boxed: a response is large, and this is the rare path).
pub(crate) fn operator_path_id<T: std::str::FromStr>(
    viewer: &Viewer,
    text: &str,
    what: &'static str,
) -> Result<T, Box<Response>> {
    if let Some(denied) = refuse_unless_operator(viewer) {
        return Err(Box::new(denied));
    }
    shared::path_id(text, what).map_err(|e| Box::new(viewer.fail(&e)))
}
