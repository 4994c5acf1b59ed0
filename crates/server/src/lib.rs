//! The hub's HTTP edge: the REST API (with its OpenAPI document built from the same route table), Swagger UI,
//! health and metrics endpoints. Handlers extract, call the hub, and map the error; nothing else.

pub mod api;
mod error;
mod extract;
mod metrics;
mod ops;

pub use error::{ApiError, Problem};

use axum::Router;
use ecert_hub::Hub;
use std::sync::Arc;
use std::time::Duration;

/// Limits applied to every request, configurable from the hub's config file.
#[derive(Debug, Clone)]
pub struct HttpLimits {
    /// Largest accepted request body for JSON endpoints.
    pub max_json_body: usize,
    /// Longest time a request may take before it is answered 408/503.
    pub request_timeout: Duration,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self { max_json_body: 256 * 1024, request_timeout: Duration::from_secs(30) }
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
    let (api_router, openapi) = api::router().split_for_parts();
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
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
        .layer(axum::middleware::from_fn(ops::security_headers))
        .with_state(state)
}

/// The OpenAPI document, as served at `/api/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api::router().split_for_parts().1
}
