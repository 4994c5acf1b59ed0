//! The REST API under `/api/v1`. Each area is a module that contributes its routes to one `OpenApiRouter`; the
//! OpenAPI document is produced from that same router, so a route cannot exist undocumented.

mod accreditation;
mod certificates;
mod countries;
mod documents;
mod evidence;
mod exchanges;
mod institutions;
mod keys;
mod log;
mod me;
mod stats;
mod verify;
mod webhooks;

pub use verify::VERIFY_PATH;

use crate::error::Problem;
use crate::{AppState, HttpLimits};
use ecert_store::Receipt;
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ecert hub API",
        description = "Trust hub for electronically signed conformity certificates and test reports. \
            Authenticate with an API key: `Authorization: Bearer ecert_…`. Errors are RFC 9457 problem+json. \
            Hub verification results are reference information, not legal acceptance or customs clearance."
    ),
    modifiers(&BearerAuth),
    components(schemas(Problem)),
    security(("api_key" = [])),
    tags(
        (name = "participants", description = "Countries and institutions"),
        (name = "accreditation", description = "Accreditation bodies, CAB accreditation and authorised scope"),
        (name = "certificates", description = "The Public Key Registry"),
        (name = "access", description = "API keys and the caller's identity"),
        (name = "audit", description = "Audit events"),
        (name = "documents", description = "Model A push: an issuing CAB submits signed documents and follows them"),
        (name = "exchanges", description = "Model A receive: a receiving authority lists, polls, downloads and replies"),
        (name = "webhooks", description = "Push notifications to a receiving authority's systems"),
        (name = "statistics", description = "The operator's view of the exchange"),
        (name = "verification", description = "Is this document genuine and still valid? Reference information, not legal acceptance"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("ecert API key").build(),
            ),
        );
    }
}

/// Where CABs push documents (the one route with the upload body limit and timeout).
pub const DOCUMENT_UPLOAD_PATH: &str = "/api/v1/documents";

/// The API routes. `limits` sets the document upload's body limit (every other route keeps the global one).
pub fn router(limits: &HttpLimits) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(countries::routes())
        .merge(institutions::routes())
        .merge(accreditation::routes())
        .merge(certificates::routes())
        .merge(keys::routes())
        .merge(me::routes())
        .merge(log::routes())
        .merge(documents::routes(limits.max_upload_bytes))
        .merge(evidence::routes())
        .merge(exchanges::routes())
        .merge(webhooks::routes())
        .merge(stats::routes())
        .merge(verify::routes(limits.max_upload_bytes))
}

/// The answer to every acknowledged write: the changed record and the audit-log receipt of the change.
#[derive(Debug, Serialize, ToSchema)]
pub struct Written<T> {
    pub data: T,
    pub receipt: Receipt,
}

impl<T> Written<T> {
    pub fn new((data, receipt): (T, Receipt)) -> Self {
        Self { data, receipt }
    }
}

/// Cursor pagination parameters shared by every list.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// The `next_cursor` of the previous page.
    pub after: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<u32>,
}

impl PageParams {
    pub fn page(&self) -> ecert_domain::page::PageRequest {
        ecert_domain::page::PageRequest::new(self.after.clone(), self.limit)
    }
}
