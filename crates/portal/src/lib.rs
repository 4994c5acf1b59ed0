//! The hub portal: server-rendered pages for every role (issuing CABs, receiving authorities, the operator), with
//! password + TOTP login, English and Russian from Fluent files, and no JavaScript at all, so the CSP forbids every
//! script. Plain forms, POST-redirect-GET, a CSRF token in every form.
//!
//! The server merges [`router`] into its app; everything lives under `/portal` plus the stylesheet.

pub mod csrf;
pub mod download;
pub mod errors;
pub mod i18n;
pub mod labels;
pub mod page;
mod pages;
pub mod public_page;
pub mod return_to;
pub mod security;
mod state;
mod stylesheet;
pub mod viewer;

pub use i18n::{Catalog, Lang};
pub use page::Ctx;
pub use state::PortalState;
pub use viewer::Viewer;

use axum::Router;
use axum::http::HeaderMap;
use axum::response::{Redirect, Response};
use axum::routing::get;
use ecert_hub::Hub;
use std::sync::Arc;
use std::time::Duration;

/// The POST paths the server throttles per client address (password and second-factor guesses).
pub const LOGIN_PATHS: [&str; 2] = ["/portal/login", "/portal/login/totp"];

/// The CAB's upload form: the server gives its POST the longer upload timeout.
pub const UPLOAD_PATH: &str = "/portal/documents/new";

/// The stylesheet every portal page links (the only resource the CSP lets a page load).
pub const STYLESHEET_PATH: &str = "/static/portal.css";

#[derive(Debug, Clone)]
pub struct PortalConfig {
    /// The largest file a form may upload (a signed PDF, a certificate): the hub's `max_pdf_bytes`. The upload
    /// routes allow a little more body for the other fields and the multipart framing.
    pub max_upload_bytes: usize,
    /// The hub's public address (`https://hub.example.org`): the origin POSTs must come from, besides the
    /// request's own `Host`, and the base of the public authenticity links shown to issuers.
    pub public_base_url: String,
}

/// Every portal route, under `/portal`, plus the stylesheet and `GET /` (which redirects to the portal).
pub fn router(hub: Hub, config: PortalConfig) -> Router {
    let state = PortalState::new(hub, config, i18n::Catalog::shared());
    let max_upload_bytes = state.config.max_upload_bytes;
    Router::new()
        .route("/", get(|| async { Redirect::to("/portal/") }))
        .route("/portal", get(|| async { Redirect::to("/portal/") }))
        .merge(pages::auth::routes())
        .merge(pages::dashboard::routes())
        .merge(pages::cab::routes(max_upload_bytes))
        .merge(pages::receiver::routes())
        .merge(pages::operator::routes())
        .route("/portal/{*rest}", get(pages::not_found).post(pages::not_found))
        .route(STYLESHEET_PATH, get(stylesheet::serve))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::portal_layer))
        .with_state(state)
}

/// The translated "too many requests" page, for the server's login throttle (which answers before the portal's
/// own layer runs, so this sets the security headers itself).
pub fn too_many_requests(headers: &HeaderMap, retry_after: Duration) -> Response {
    pages::too_many_requests(Arc::clone(i18n::Catalog::shared()), headers, retry_after)
}
