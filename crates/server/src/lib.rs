//! The hub's HTTP edge: the REST API (with its OpenAPI document built from the same route table), Swagger UI,
//! health and metrics endpoints. Handlers extract, call the hub, and map the error; nothing else.

pub mod api;
mod error;
mod extract;
mod metrics;
mod ops;
mod upload;

pub use error::{ApiError, Problem};
pub use upload::upload_limit_for;

use axum::Router;
use ecert_hub::Hub;
use std::sync::Arc;
use std::time::Duration;

/// Limits applied to every request, configurable from the hub's config file.
#[derive(Debug, Clone)]
pub struct HttpLimits {
    /// Largest accepted request body for JSON endpoints.
    pub max_json_body: usize,
    /// Largest accepted document upload (`POST /api/v1/documents`, multipart: the PDF, its metadata and the
    /// framing). Only that route gets this limit; every other keeps `max_json_body`.
    pub max_upload_bytes: usize,
    /// Longest time a request may take before it is answered 408.
    pub request_timeout: Duration,
    /// Longest time a document upload may take: a 20 MiB PDF over a slow border-post link needs minutes, a JSON
    /// call never does.
    pub upload_timeout: Duration,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            max_json_body: 256 * 1024,
            max_upload_bytes: upload::upload_limit_for(&ecert_hub::ExchangeSettings::default()),
            request_timeout: Duration::from_secs(30),
            upload_timeout: Duration::from_secs(300),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub hub: Hub,
    pub(crate) metrics: Arc<metrics::Metrics>,
}

/// Builds the complete application router (API, OpenAPI JSON, Swagger UI, ops endpoints).
pub fn app(hub: Hub, limits: &HttpLimits) -> Router {
    let state = AppState { hub, metrics: Arc::new(metrics::Metrics::default()) };
    let (api_router, openapi) = api::router(limits).split_for_parts();
    let openapi = Arc::new(openapi);
    let swagger = utoipa_swagger_ui::SwaggerUi::new("/api/docs").url("/api/openapi.json", (*openapi).clone());
    Router::new()
        .merge(api_router)
        .merge(ops::router())
        .merge(swagger)
        .fallback(error::not_found_fallback)
        .method_not_allowed_fallback(error::method_not_allowed_fallback)
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(axum::extract::DefaultBodyLimit::max(limits.max_json_body))
        .layer(axum::middleware::from_fn_with_state(limits.clone(), enforce_timeout))
        .layer(axum::middleware::from_fn(ops::security_headers))
        .with_state(state)
}

/// Answers 408 when a request runs past its time: `upload_timeout` for document uploads, `request_timeout` for
/// everything else.
async fn enforce_timeout(
    axum::extract::State(limits): axum::extract::State<HttpLimits>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let is_upload = request.method() == axum::http::Method::POST && request.uri().path() == api::DOCUMENT_UPLOAD_PATH;
    let limit = if is_upload { limits.upload_timeout } else { limits.request_timeout };
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => axum::response::IntoResponse::into_response(ApiError::new(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            "timeout",
            "Request timeout",
            format!("the request took longer than {} s", limit.as_secs()),
        )),
    }
}

/// The OpenAPI document, as served at `/api/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api::router(&HttpLimits::default()).split_for_parts().1
}
