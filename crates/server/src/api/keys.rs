use super::Written;
use crate::AppState;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath, Auth};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use ecert_domain::ids::{ApiKeyId, InstitutionId};
use ecert_store::{ApiKeyRecord, Receipt};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_keys, create_key)).routes(routes!(revoke_key))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApiKey {
    label: String,
}

/// A new key. `key` is shown only in this response; the hub keeps only its hash.
#[derive(Serialize, ToSchema)]
pub struct IssuedKey {
    record: ApiKeyRecord,
    key: String,
}

#[utoipa::path(get, path = "/api/v1/institutions/{id}/api-keys", tag = "access",
    params(("id" = String, Path, description = "Institution id")),
    responses((status = 200, body = Vec<ApiKeyRecord>), (status = 404, body = Problem)))]
async fn list_keys(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<InstitutionId>,
) -> Result<Json<Vec<ApiKeyRecord>>, ApiError> {
    Ok(Json(s.hub.list_api_keys(&p, id).await?))
}

/// Issue an API key for an institution (operator). It acts with the institution's roles.
#[utoipa::path(post, path = "/api/v1/institutions/{id}/api-keys", tag = "access", request_body = NewApiKey,
    params(("id" = String, Path, description = "Institution id")),
    responses((status = 201, body = Written<IssuedKey>), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn create_key(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<InstitutionId>,
    ApiJson(body): ApiJson<NewApiKey>,
) -> Result<(StatusCode, Json<Written<IssuedKey>>), ApiError> {
    let issued = s.hub.create_api_key(&p, id, &body.label).await?;
    let data = IssuedKey { record: issued.record, key: issued.key };
    Ok((StatusCode::CREATED, Json(Written { data, receipt: issued.receipt })))
}

/// Revoke an API key (the operator any key, an institution its own).
#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", tag = "access",
    params(("id" = String, Path, description = "API key id")),
    responses((status = 200, body = Receipt), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn revoke_key(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<ApiKeyId>,
) -> Result<Json<Receipt>, ApiError> {
    Ok(Json(s.hub.revoke_api_key(&p, id).await?))
}
