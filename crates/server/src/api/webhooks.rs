//! Webhook endpoints of a receiving authority: where the hub pushes notifications of new documents and status
//! changes, each signed with the endpoint's HMAC secret.

use crate::AppState;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath, Auth};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use ecert_domain::ids::WebhookId;
use ecert_hub::exchange::RegisteredWebhook;
use ecert_store::exchange::WebhookRecord;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_webhooks, register_webhook)).routes(routes!(delete_webhook))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// An `https://` URL that accepts POSTed JSON notifications.
    url: String,
}

/// Register a webhook endpoint (receiving authority). The answer carries the endpoint's signing secret
/// (`whsec_…`), shown this once: verify `Ecert-Signature: t=<unix secs>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = NewWebhook,
    responses((status = 201, body = RegisteredWebhook), (status = 403, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
async fn register_webhook(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiJson(body): ApiJson<NewWebhook>,
) -> Result<(StatusCode, Json<RegisteredWebhook>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.hub.register_webhook(&p, &body.url).await?)))
}

/// Your institution's webhook endpoints (never their secrets).
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks",
    responses((status = 200, body = Vec<WebhookRecord>), (status = 403, body = Problem)))]
async fn list_webhooks(State(s): State<AppState>, Auth(p): Auth) -> Result<Json<Vec<WebhookRecord>>, ApiError> {
    Ok(Json(s.hub.list_webhooks(&p).await?))
}

/// Remove one of your webhook endpoints.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "Webhook id")),
    responses((status = 204, description = "Removed"), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn delete_webhook(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<WebhookId>,
) -> Result<StatusCode, ApiError> {
    s.hub.delete_webhook(&p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
