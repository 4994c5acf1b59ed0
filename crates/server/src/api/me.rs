use super::PageParams;
use crate::AppState;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiQuery, Auth};
use axum::Json;
use axum::extract::State;
use ecert_domain::page::Page;
use ecert_hub::InstitutionView;
use ecert_store::StoredAuditEvent;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(me)).routes(routes!(audit_events))
}

/// The institution the presented API key acts for.
#[utoipa::path(get, path = "/api/v1/me", tag = "access",
    responses((status = 200, body = InstitutionView), (status = 401, body = Problem)))]
async fn me(State(s): State<AppState>, Auth(p): Auth) -> Result<Json<InstitutionView>, ApiError> {
    Ok(Json(s.hub.get_institution(&p, p.institution).await?))
}

/// Audit events: your institution's own (as actor or subject), or all for the operator.
#[utoipa::path(get, path = "/api/v1/audit/events", tag = "audit", params(PageParams),
    responses((status = 200, body = Page<StoredAuditEvent>), (status = 401, body = Problem)))]
async fn audit_events(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<PageParams>,
) -> Result<Json<Page<StoredAuditEvent>>, ApiError> {
    Ok(Json(s.hub.list_audit_events(&p, &q.page()).await?))
}
