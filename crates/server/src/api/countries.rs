use super::Written;
use crate::AppState;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, Auth};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use ecert_store::Country;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_countries, create_country))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCountry {
    /// ISO 3166-1 alpha-2.
    code: String,
    name: String,
}

/// Participating countries.
#[utoipa::path(get, path = "/api/v1/countries", tag = "participants",
    responses((status = 200, body = Vec<Country>), (status = 401, body = Problem)))]
async fn list_countries(State(s): State<AppState>, Auth(p): Auth) -> Result<Json<Vec<Country>>, ApiError> {
    Ok(Json(s.hub.list_countries(&p).await?))
}

/// Register a participating country (operator).
#[utoipa::path(post, path = "/api/v1/countries", tag = "participants", request_body = NewCountry,
    responses((status = 201, body = Written<Country>), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_country(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiJson(body): ApiJson<NewCountry>,
) -> Result<(StatusCode, Json<Written<Country>>), ApiError> {
    let written = s.hub.create_country(&p, &body.code, &body.name).await?;
    Ok((StatusCode::CREATED, Json(Written::new(written))))
}
