//! Issuing CAB pages: upload a signed PDF with its metadata (and see the verdict at once), the CAB's documents
//! with delivery status per receiver, and a document's detail with its status changes.

mod documents;
mod upload;

use crate::state::PortalState;
use crate::viewer::Viewer;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::Response;
use axum::routing::{get, post};
use ecert_domain::auth::Permission;
use ecert_hub::HubError;

/// Room for the metadata fields and the multipart framing on top of the PDF.
const FORM_OVERHEAD_BYTES: usize = 64 * 1024;

pub(crate) fn routes(max_upload_bytes: usize) -> Router<PortalState> {
    Router::new()
        .route(
            crate::UPLOAD_PATH,
            get(upload::form)
                .post(upload::submit)
                .layer(DefaultBodyLimit::max(max_upload_bytes.saturating_add(FORM_OVERHEAD_BYTES))),
        )
        .route("/portal/documents", get(documents::list))
        .route("/portal/documents/{id}", get(documents::detail))
        .route("/portal/documents/{id}/status", post(documents::change_status))
}

/// The 403 page for a viewer who does not issue documents (the hub would refuse them anyway; this says so
/// before any work is done, and before an upload is read).
fn refuse_unless_cab(viewer: &Viewer) -> Option<Response> {
    (!viewer.principal().has(Permission::SubmitDocuments))
        .then(|| viewer.fail(&HubError::Forbidden(Permission::SubmitDocuments)))
}
