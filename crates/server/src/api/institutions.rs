use super::{PageParams, Written};
use crate::AppState;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use ecert_domain::country::CountryCode;
use ecert_domain::document_type::DocumentType;
use ecert_domain::hs::HsCode;
use ecert_domain::ids::InstitutionId;
use ecert_domain::institution::{ContactPoint, LifecycleStatus, NewInstitution, Role};
use ecert_domain::page::Page;
use ecert_domain::scope::{NotAuthorized, ScopeEntry, ScopeQuery};
use ecert_domain::{FieldError, FieldErrors};
use ecert_hub::InstitutionView;
use ecert_store::InstitutionFilter;
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_institutions, create_institution))
        .routes(routes!(get_institution))
        .routes(routes!(set_status))
        .routes(routes!(notify_withdrawal))
        .routes(routes!(set_contacts))
        .routes(routes!(check_authorization))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InstitutionQuery {
    /// ISO 3166-1 alpha-2 country code.
    country: Option<String>,
    /// A role code, e.g. `issuing_cab`.
    role: Option<String>,
    /// pending | active | suspended | withdrawn
    status: Option<String>,
    after: Option<String>,
    limit: Option<u32>,
}

/// List institutions (contact points are shown only for your own institution, or to the operator).
#[utoipa::path(get, path = "/api/v1/institutions", tag = "participants", params(InstitutionQuery),
    responses((status = 200, body = Page<InstitutionView>), (status = 422, body = Problem)))]
async fn list_institutions(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<InstitutionQuery>,
) -> Result<Json<Page<InstitutionView>>, ApiError> {
    let mut errors = FieldErrors::default();
    let country = q.country.as_deref().and_then(|c| errors.check("query/country", CountryCode::parse(c)));
    let role = q.role.as_deref().and_then(|r| {
        let parsed = Role::parse(r);
        if parsed.is_none() {
            errors.push("query/role", format!("unknown role '{r}'"));
        }
        parsed
    });
    let status = q.status.as_deref().and_then(|v| {
        let parsed = LifecycleStatus::parse(v);
        if parsed.is_none() {
            errors.push("query/status", format!("unknown status '{v}'"));
        }
        parsed
    });
    errors.into_result().map_err(|e| ApiError::invalid(e.0))?;
    let page = PageParams { after: q.after, limit: q.limit }.page();
    Ok(Json(s.hub.list_institutions(&p, &InstitutionFilter { country, role, status }, &page).await?))
}

/// Register an institution (operator). It starts `pending`.
#[utoipa::path(post, path = "/api/v1/institutions", tag = "participants", request_body = NewInstitution,
    responses((status = 201, body = Written<InstitutionView>), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_institution(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiJson(body): ApiJson<NewInstitution>,
) -> Result<(StatusCode, Json<Written<InstitutionView>>), ApiError> {
    Ok((StatusCode::CREATED, Json(Written::new(s.hub.create_institution(&p, body).await?))))
}

#[utoipa::path(get, path = "/api/v1/institutions/{id}", tag = "participants",
    params(("id" = String, Path, description = "Institution id")),
    responses((status = 200, body = InstitutionView), (status = 404, body = Problem)))]
async fn get_institution(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<InstitutionId>,
) -> Result<Json<InstitutionView>, ApiError> {
    Ok(Json(s.hub.get_institution(&p, id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    status: LifecycleStatus,
}

/// Activate or suspend an institution (operator).
#[utoipa::path(post, path = "/api/v1/institutions/{id}/status", tag = "participants", request_body = StatusChange,
    params(("id" = String, Path, description = "Institution id")),
    responses((status = 200, body = Written<InstitutionView>), (status = 409, body = Problem), (status = 404, body = Problem)))]
async fn set_status(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<InstitutionId>,
    ApiJson(body): ApiJson<StatusChange>,
) -> Result<Json<Written<InstitutionView>>, ApiError> {
    Ok(Json(Written::new(s.hub.set_institution_status(&p, id, body.status).await?)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawalNotice {
    /// Defaults to the notice date plus 60 days.
    effective_date: Option<Date>,
}

/// Notify a withdrawal from the arrangement (the institution itself, or the operator).
#[utoipa::path(post, path = "/api/v1/institutions/{id}/withdrawal", tag = "participants", request_body = WithdrawalNotice,
    params(("id" = String, Path, description = "Institution id")),
    responses((status = 200, body = Written<InstitutionView>), (status = 409, body = Problem), (status = 404, body = Problem)))]
async fn notify_withdrawal(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<InstitutionId>,
    ApiJson(body): ApiJson<WithdrawalNotice>,
) -> Result<Json<Written<InstitutionView>>, ApiError> {
    Ok(Json(Written::new(s.hub.notify_withdrawal(&p, id, body.effective_date).await?)))
}

/// Replace the contact points (the institution itself, or the operator).
#[utoipa::path(put, path = "/api/v1/institutions/{id}/contacts", tag = "participants", request_body = Vec<ContactPoint>,
    params(("id" = String, Path, description = "Institution id")),
    responses((status = 200, body = Written<InstitutionView>), (status = 422, body = Problem), (status = 404, body = Problem)))]
async fn set_contacts(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<InstitutionId>,
    ApiJson(body): ApiJson<Vec<ContactPoint>>,
) -> Result<Json<Written<InstitutionView>>, ApiError> {
    Ok(Json(Written::new(s.hub.set_contacts(&p, id, body).await?)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuthorizationQuery {
    /// CoC or TR.
    document_type: String,
    /// 6, 8 or 10 digits.
    hs_code: String,
    /// ISO 3166-1 alpha-2 destination country.
    destination: Option<String>,
    /// Defaults to today.
    date: Option<Date>,
}

/// The answer to "is this CAB authorised for type T, HS code H, destination D, on date t?".
#[derive(Serialize, ToSchema)]
pub struct AuthorizationAnswer {
    authorized: bool,
    /// The matching scope entry (the most specific HS prefix).
    scope_entry: Option<ScopeEntry>,
    /// Why not, precisely.
    refusal: Option<NotAuthorized>,
    refusal_text: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/institutions/{id}/authorization", tag = "accreditation", params(("id" = String, Path, description = "CAB id"), AuthorizationQuery),
    responses((status = 200, body = AuthorizationAnswer), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn check_authorization(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<InstitutionId>,
    ApiQuery(q): ApiQuery<AuthorizationQuery>,
) -> Result<Json<AuthorizationAnswer>, ApiError> {
    let mut errors = FieldErrors::default();
    let document_type = errors.check("query/document_type", DocumentType::parse(&q.document_type));
    let hs_code = errors.check("query/hs_code", HsCode::parse(&q.hs_code));
    let destination = q.destination.as_deref().and_then(|d| errors.check("query/destination", CountryCode::parse(d)));
    errors.into_result().map_err(|e| ApiError::invalid(e.0))?;
    let (Some(document_type), Some(hs_code)) = (document_type, hs_code) else {
        return Err(ApiError::invalid(vec![FieldError::new("query", "incomplete")]));
    };
    let query = ScopeQuery { document_type, hs_code, destination, date: q.date.unwrap_or(s.hub.now().date()) };
    let answer = match s.hub.check_authorization(&p, id, &query).await? {
        Ok(entry) => {
            AuthorizationAnswer { authorized: true, scope_entry: Some(entry), refusal: None, refusal_text: None }
        }
        Err(reason) => AuthorizationAnswer {
            authorized: false,
            scope_entry: None,
            refusal_text: Some(reason.to_string()),
            refusal: Some(reason),
        },
    };
    Ok(Json(answer))
}
