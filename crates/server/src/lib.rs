//! The hub's HTTP edge: the REST API (with its OpenAPI document built from the same route table), Swagger UI,
//! health and metrics endpoints. Handlers extract, call the hub, and map the error; nothing else.

pub mod api;
mod error;
mod extract;
mod metrics;
mod ops;
mod public_page;
mod rate_limit;
mod upload;

pub use error::{ApiError, Problem};
pub use rate_limit::RateLimit;
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
    /// Per client address, for the portal's password and second-factor POSTs (the per-account lockout is the
    /// hub's; this bounds how fast one address can try many accounts).
    pub login_rate_limit: RateLimit,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            max_json_body: 256 * 1024,
            max_upload_bytes: upload::upload_limit_for(&ecert_hub::ExchangeSettings::default()),
            request_timeout: Duration::from_secs(30),
            upload_timeout: Duration::from_secs(300),
            login_rate_limit: RateLimit { per_minute: 10, burst: 10, max_clients: 10_000 },
        }
    }
}

/// The verification service's public face (issue 7).
#[derive(Debug, Clone)]
pub struct VerificationConfig {
    /// Where the public authenticity pages are reached from outside, without a trailing slash: QR codes point
    /// at `<public_base_url>/v/<token>`.
    pub public_base_url: String,
    /// Per client address, for `/v/*` and for `POST /api/v1/verify` (separate buckets).
    pub rate_limit: RateLimit,
}

impl Default for VerificationConfig {
    fn default() -> Self {
        Self { public_base_url: "http://localhost:8080".to_owned(), rate_limit: RateLimit::default() }
    }
}

pub(crate) struct VerificationState {
    pub public_base_url: String,
    pub api_limiter: rate_limit::Limiter,
    pub page_limiter: rate_limit::Limiter,
    pub login_limiter: rate_limit::Limiter,
}

#[derive(Clone)]
pub struct AppState {
    pub hub: Hub,
    pub(crate) metrics: Arc<metrics::Metrics>,
    pub(crate) verification: Arc<VerificationState>,
}

/// Builds the complete application router with the default [`VerificationConfig`].
pub fn app(hub: Hub, limits: &HttpLimits) -> Router {
    app_with(hub, limits, &VerificationConfig::default())
}

/// Builds the complete application router (API, public authenticity pages, OpenAPI JSON, Swagger UI, ops
/// endpoints). Serve it with `into_make_service_with_connect_info::<SocketAddr>()` so the rate limits see
/// client addresses (without, every client shares one bucket).
pub fn app_with(hub: Hub, limits: &HttpLimits, verification: &VerificationConfig) -> Router {
    let max_pdf_bytes = usize::try_from(hub.exchange().settings.max_pdf_bytes).unwrap_or(usize::MAX);
    let verification = Arc::new(VerificationState {
        public_base_url: verification.public_base_url.trim_end_matches('/').to_owned(),
        api_limiter: rate_limit::Limiter::new(verification.rate_limit),
        page_limiter: rate_limit::Limiter::new(verification.rate_limit),
        login_limiter: rate_limit::Limiter::new(limits.login_rate_limit),
    });
    let portal = ecert_portal::router(
        hub.clone(),
        ecert_portal::PortalConfig {
            max_upload_bytes: max_pdf_bytes,
            public_base_url: verification.public_base_url.clone(),
        },
    );
    let state = AppState { hub, metrics: Arc::new(metrics::Metrics::default()), verification };
    let (api_router, openapi) = api::router(limits).split_for_parts();
    let openapi = Arc::new(openapi);
    let swagger = utoipa_swagger_ui::SwaggerUi::new("/api/docs").url("/api/openapi.json", (*openapi).clone());
    let hub_routes = Router::new()
        .merge(api_router)
        .merge(ops::router())
        .merge(public_page::routes(max_pdf_bytes, limits.max_upload_bytes))
        .with_state(state.clone());
    Router::new()
        .merge(hub_routes)
        .merge(portal)
        .merge(swagger)
        .fallback(error::not_found_fallback)
        .method_not_allowed_fallback(error::method_not_allowed_fallback)
        .layer(axum::middleware::from_fn_with_state(state.clone(), limit_per_address))
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(axum::extract::DefaultBodyLimit::max(limits.max_json_body))
        .layer(axum::middleware::from_fn_with_state(limits.clone(), enforce_timeout))
        .layer(axum::middleware::from_fn(ops::security_headers))
}

/// Answers 408 when a request runs past its time: `upload_timeout` for document uploads, `request_timeout` for
/// everything else.
async fn enforce_timeout(
    axum::extract::State(limits): axum::extract::State<HttpLimits>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let path = request.uri().path();
    let is_upload = request.method() == axum::http::Method::POST
        && (path == api::DOCUMENT_UPLOAD_PATH
            || path == api::VERIFY_PATH
            || is_compare_path(path)
            || path == ecert_portal::UPLOAD_PATH);
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

fn is_compare_path(path: &str) -> bool {
    path.starts_with("/v/") && path.ends_with("/compare")
}

/// The per-client rate limits of the verification surfaces and the portal login: 429 with `Retry-After`, as
/// problem+json on the API and as a page in the reader's language on `/v` and in the portal.
async fn limit_per_address(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let path = request.uri().path();
    let is_page = path.starts_with("/v/");
    let is_login = request.method() == axum::http::Method::POST && ecert_portal::LOGIN_PATHS.contains(&path);
    let limiter = if is_page {
        &state.verification.page_limiter
    } else if is_login {
        &state.verification.login_limiter
    } else if request.method() == axum::http::Method::POST && path == api::VERIFY_PATH {
        &state.verification.api_limiter
    } else {
        return next.run(request).await;
    };
    let client = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
    match limiter.check(client, std::time::Instant::now()) {
        Ok(()) => next.run(request).await,
        Err(wait) if is_page => public_page::too_many_requests(request.uri().query(), request.headers(), wait),
        Err(wait) if is_login => ecert_portal::too_many_requests(request.headers(), wait),
        Err(wait) => {
            let mut response = axum::response::IntoResponse::into_response(ApiError::new(
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                "too-many-requests",
                "Too many requests",
                format!("too many verifications from this address; retry in {} s", wait.as_secs().max(1)),
            ));
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, wait.as_secs().max(1).into());
            response
        }
    }
}

/// The OpenAPI document, as served at `/api/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api::router(&HttpLimits::default()).split_for_parts().1
}
