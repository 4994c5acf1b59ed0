//! The operator's statistics of the exchange: counts only, no document content.

use crate::AppState;
use crate::error::{ApiError, Problem};
use crate::extract::Auth;
use axum::Json;
use axum::extract::State;
use ecert_store::exchange::ExchangeStats;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(exchange_stats))
}

/// Documents by status and type, exchanges by delivery status, PDFs still cached (operator).
#[utoipa::path(get, path = "/api/v1/stats/exchanges", tag = "statistics",
    responses((status = 200, body = ExchangeStats), (status = 403, body = Problem)))]
async fn exchange_stats(State(s): State<AppState>, Auth(p): Auth) -> Result<Json<ExchangeStats>, ApiError> {
    Ok(Json(s.hub.exchange_stats(&p).await?))
}
