//! The evidence bundle of an accepted document: one self-contained JSON file (`ecert-evidence/1`) that
//! `ecert verify --evidence BUNDLE PDF` re-checks offline, with no hub.

use crate::AppState;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiPath, Auth};
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use ecert_domain::document::DocumentId;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_evidence))
}

/// Download a document's evidence bundle (its issuer, its receivers, the operator): the document record, the
/// validation report as stored, the certificates, CRLs, OCSP responses and timestamps used, the registry facts
/// at validation time, and the audit-log leaf of the submission with its inclusion proof and a signed
/// checkpoint. The leaf commits to every part. Check it offline with `ecert verify --evidence BUNDLE PDF --key
/// <log vkey>`. 410 when the evidence or PKI data was purged under the retention policy.
#[utoipa::path(get, path = "/api/v1/documents/{id}/evidence", tag = "documents",
    params(("id" = String, Path, description = "The hub reference")),
    responses(
        (status = 200, content_type = "application/json", body = Object,
            description = "The evidence bundle (format `ecert-evidence/1`)",
            headers(("Content-Disposition" = String, description = "attachment; filename=\"evidence-<id>.json\""))),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 410, body = Problem)))]
async fn get_evidence(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<DocumentId>,
) -> Result<Response, ApiError> {
    let bundle = s.hub.export_evidence(&p, id).await?;
    let mut response = bundle.to_json().into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // A hub reference is a UUID: always a valid header value.
    if let Ok(disposition) = HeaderValue::try_from(format!("attachment; filename=\"evidence-{id}.json\"")) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    Ok(response)
}
