//! The transparency log under `/api/v1/log` (issue 5): the signed checkpoint and verifier key as text, inclusion and
//! consistency proofs as JSON. All of it is public: checkpoints, keys and proofs hold only hashes, and anyone must be
//! able to check the hub's history. Events themselves stay behind `/api/v1/audit/events` and its tenant rule.

use crate::AppState;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiQuery, Auth};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use ecert_domain::{FieldError, FieldErrorCode};
use ecert_hub::log::{ConsistencyProof, InclusionProof};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(latest_checkpoint, request_checkpoint))
        .routes(routes!(verifier_key))
        .routes(routes!(inclusion_proof))
        .routes(routes!(consistency_proof))
}

/// C2SP signed notes and vkeys are text; the note's exact bytes are what the signature covers.
fn text(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

/// The latest signed checkpoint, a C2SP `tlog-checkpoint` signed note: origin, tree size, base64 root hash, then
/// the Ed25519 signature line.
#[utoipa::path(get, path = "/api/v1/log/checkpoint", tag = "audit", security(()),
    responses((status = 200, content_type = "text/plain", body = String, description = "Signed note")))]
async fn latest_checkpoint(State(s): State<AppState>) -> Result<Response, ApiError> {
    Ok(text(s.hub.latest_checkpoint().await?.note))
}

/// Signs a checkpoint of the current tree now (operator); otherwise one is signed periodically while the log grows.
#[utoipa::path(post, path = "/api/v1/log/checkpoint", tag = "audit",
    responses((status = 201, content_type = "text/plain", body = String, description = "Signed note"),
        (status = 401, body = Problem), (status = 403, body = Problem)))]
async fn request_checkpoint(State(s): State<AppState>, Auth(p): Auth) -> Result<Response, ApiError> {
    let note = s.hub.request_checkpoint(&p).await?.note;
    Ok((StatusCode::CREATED, text(note)).into_response())
}

/// The log's verifier key in the C2SP `vkey` form (`<name>+<key id>+<base64 key>`), for checking checkpoints.
#[utoipa::path(get, path = "/api/v1/log/key", tag = "audit", security(()),
    responses((status = 200, content_type = "text/plain", body = String, description = "vkey")))]
async fn verifier_key(State(s): State<AppState>) -> Response {
    text(s.hub.log_verifier_key())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct InclusionQuery {
    /// Leaf index (the `leaf_index` of a write's receipt).
    index: Option<u64>,
    /// The same as `index`: an audit event's leaf index.
    event: Option<u64>,
    /// Tree size to prove against; default: the latest checkpoint's.
    size: Option<u64>,
}

/// An RFC 9162 inclusion proof (hashes base64, bottom-up).
#[derive(Serialize, ToSchema)]
#[schema(as = InclusionProof)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // documents the shape of `ecert_translog::InclusionProof` for the OpenAPI schema
struct InclusionProofSchema {
    leaf_index: u64,
    tree_size: u64,
    hashes: Vec<String>,
}

/// An RFC 9162 consistency proof (hashes base64).
#[derive(Serialize, ToSchema)]
#[schema(as = ConsistencyProof)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // documents the shape of `ecert_translog::ConsistencyProof` for the OpenAPI schema
struct ConsistencyProofSchema {
    first_size: u64,
    second_size: u64,
    hashes: Vec<String>,
}

/// Proves that leaf `index` (or `event`) is in the tree of `size` leaves. Verify it against the root of a
/// checkpoint of that size.
#[utoipa::path(get, path = "/api/v1/log/proof/inclusion", tag = "audit", security(()), params(InclusionQuery),
    responses((status = 200, body = InclusionProofSchema), (status = 422, body = Problem)))]
async fn inclusion_proof(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<InclusionQuery>,
) -> Result<Json<InclusionProof>, ApiError> {
    let index = match (q.index, q.event) {
        (Some(index), None) | (None, Some(index)) => index,
        (Some(_), Some(_)) => {
            return Err(query_error("query/event", FieldErrorCode::Invalid, "give either index or event, not both"));
        }
        (None, None) => {
            return Err(query_error(
                "query/index",
                FieldErrorCode::Required,
                "a leaf index is required (index or event)",
            ));
        }
    };
    Ok(Json(s.hub.inclusion_proof(index, q.size).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ConsistencyQuery {
    /// The older tree size (at least 1).
    first: u64,
    /// The newer tree size; default: the latest checkpoint's.
    second: Option<u64>,
}

/// Proves that the tree of `second` leaves extends the tree of `first` leaves.
#[utoipa::path(get, path = "/api/v1/log/proof/consistency", tag = "audit", security(()), params(ConsistencyQuery),
    responses((status = 200, body = ConsistencyProofSchema), (status = 422, body = Problem)))]
async fn consistency_proof(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<ConsistencyQuery>,
) -> Result<Json<ConsistencyProof>, ApiError> {
    Ok(Json(s.hub.consistency_proof(q.first, q.second).await?))
}

fn query_error(field: &str, code: FieldErrorCode, reason: &str) -> ApiError {
    ApiError::invalid(vec![FieldError::with_code(field, code, reason)])
}
