//! The receiving authority's pages: the inbox (search, filters, cursor pages) and one exchange (metadata, the
//! verification report in plain words, status history, audit trail, the PDF download and the business reply).
//!
//! Tenant isolation is the hub's: a receiver's search is narrowed to its own exchanges and anyone else's
//! exchange is "not found", exactly like an absent one. The hub also lets issuers and the operator read
//! exchanges (metadata only); these pages are the receiver's, so they first refuse every other role.

mod exchange;
mod inbox;
pub(crate) mod report;

use crate::state::PortalState;
use crate::viewer::Viewer;
use axum::Router;
use axum::response::Response;
use axum::routing::{get, post};
use ecert_domain::auth::Permission;
use ecert_hub::HubError;

pub(crate) fn routes() -> Router<PortalState> {
    Router::new()
        .route("/portal/inbox", get(inbox::inbox))
        .route("/portal/inbox/{id}", get(exchange::detail))
        .route("/portal/inbox/{id}/pdf", get(exchange::download))
        .route("/portal/inbox/{id}/reply", post(exchange::reply))
}

/// The translated 403 page, unless the viewer acts for a receiving authority.
fn refuse_unless_receiver(viewer: &Viewer) -> Option<Response> {
    if viewer.principal().has(Permission::ReceiveDocuments) {
        None
    } else {
        Some(viewer.fail(&HubError::Forbidden(Permission::ReceiveDocuments)))
    }
}
