use super::{PageParams, Written};
use crate::AppState;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use ecert_domain::accreditation::{Accreditation, AccreditationBody, NewAccreditation, NewAccreditationBody};
use ecert_domain::ids::{AccreditationBodyId, InstitutionId};
use ecert_domain::page::Page;
use ecert_domain::scope::{NewScopeEntry, ScopeEntry};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_bodies, create_body))
        .routes(routes!(get_body))
        .routes(routes!(list_accreditations, create_accreditation))
        .routes(routes!(list_scope, create_scope_entry))
}

#[utoipa::path(get, path = "/api/v1/accreditation-bodies", tag = "accreditation", params(PageParams),
    responses((status = 200, body = Page<AccreditationBody>)))]
async fn list_bodies(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<PageParams>,
) -> Result<Json<Page<AccreditationBody>>, ApiError> {
    Ok(Json(s.hub.list_accreditation_bodies(&p, &q.page()).await?))
}

/// Register an accreditation body (operator).
#[utoipa::path(post, path = "/api/v1/accreditation-bodies", tag = "accreditation", request_body = NewAccreditationBody,
    responses((status = 201, body = Written<AccreditationBody>), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_body(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiJson(body): ApiJson<NewAccreditationBody>,
) -> Result<(StatusCode, Json<Written<AccreditationBody>>), ApiError> {
    Ok((StatusCode::CREATED, Json(Written::new(s.hub.create_accreditation_body(&p, body).await?))))
}

#[utoipa::path(get, path = "/api/v1/accreditation-bodies/{id}", tag = "accreditation",
    params(("id" = String, Path, description = "Accreditation body id")),
    responses((status = 200, body = AccreditationBody), (status = 404, body = Problem)))]
async fn get_body(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<AccreditationBodyId>,
) -> Result<Json<AccreditationBody>, ApiError> {
    Ok(Json(s.hub.get_accreditation_body(&p, id).await?))
}

/// A CAB's accreditations (the CAB itself, relying parties, the operator).
#[utoipa::path(get, path = "/api/v1/institutions/{id}/accreditations", tag = "accreditation",
    params(("id" = String, Path, description = "CAB id")),
    responses((status = 200, body = Vec<Accreditation>), (status = 404, body = Problem)))]
async fn list_accreditations(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<InstitutionId>,
) -> Result<Json<Vec<Accreditation>>, ApiError> {
    Ok(Json(s.hub.list_accreditations(&p, id).await?))
}

/// Record an accreditation or regulator designation of a CAB (operator).
#[utoipa::path(post, path = "/api/v1/institutions/{id}/accreditations", tag = "accreditation", request_body = NewAccreditation,
    params(("id" = String, Path, description = "CAB id")),
    responses((status = 201, body = Written<Accreditation>), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_accreditation(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<InstitutionId>,
    ApiJson(body): ApiJson<NewAccreditation>,
) -> Result<(StatusCode, Json<Written<Accreditation>>), ApiError> {
    Ok((StatusCode::CREATED, Json(Written::new(s.hub.create_accreditation(&p, id, body).await?))))
}

/// A CAB's authorised scope.
#[utoipa::path(get, path = "/api/v1/institutions/{id}/scope", tag = "accreditation",
    params(("id" = String, Path, description = "CAB id")),
    responses((status = 200, body = Vec<ScopeEntry>), (status = 404, body = Problem)))]
async fn list_scope(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<InstitutionId>,
) -> Result<Json<Vec<ScopeEntry>>, ApiError> {
    Ok(Json(s.hub.list_scope_entries(&p, id).await?))
}

/// Add a scope entry: document type × HS prefix (2/4/6 digits) × optional destinations × period (operator).
#[utoipa::path(post, path = "/api/v1/institutions/{id}/scope", tag = "accreditation", request_body = NewScopeEntry,
    params(("id" = String, Path, description = "CAB id")),
    responses((status = 201, body = Written<ScopeEntry>), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_scope_entry(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<InstitutionId>,
    ApiJson(body): ApiJson<NewScopeEntry>,
) -> Result<(StatusCode, Json<Written<ScopeEntry>>), ApiError> {
    Ok((StatusCode::CREATED, Json(Written::new(s.hub.create_scope_entry(&p, id, body).await?))))
}
