//! The receiving authority's side of the exchange: search and poll what is addressed to it, read the metadata
//! and verification report, download the PDF (streamed), and reply with a business decision. Issuers and the
//! operator read exchange metadata here too; only the receiver ever gets the PDF.

use super::{PageParams, Written};
use crate::AppState;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use axum::Json;
use axum::extract::State;
use axum::response::Response;
use ecert_domain::country::CountryCode;
use ecert_domain::document_type::DocumentType;
use ecert_domain::exchange::{DeliveryStatus, NewBusinessReply};
use ecert_domain::ids::{ExchangeId, InstitutionId};
use ecert_domain::page::Page;
use ecert_domain::{FieldError, FieldErrors};
use ecert_hub::exchange::{Changes, ExchangeDetail};
use ecert_store::exchange::{ExchangeFilter, ExchangeRecord, ExchangeWithDocument};
use serde::Deserialize;
use time::Date;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// Polling page size when the client names none, and the largest it may name.
pub const DEFAULT_POLL_LIMIT: u32 = 100;
pub const MAX_POLL_LIMIT: u32 = 1000;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search_exchanges))
        .routes(routes!(poll_changes))
        .routes(routes!(get_exchange))
        .routes(routes!(download_pdf))
        .routes(routes!(reply_to_exchange))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExchangeQuery {
    /// PENDING_DELIVERY | DELIVERED | DOWNLOADED | ACKNOWLEDGED | FAILED_DELIVERY | EXPIRED | PDF_DELETED
    status: Option<String>,
    /// ISO 3166-1 alpha-2 code of the issuing CAB's country.
    issuer_country: Option<String>,
    /// The issuing CAB's id.
    cab: Option<InstitutionId>,
    /// `CoC` or `TR`.
    document_type: Option<String>,
    /// Documents with at least one HS code starting with these digits (dots allowed: `8471.30`).
    hs_prefix: Option<String>,
    /// Issued on or after this date (YYYY-MM-DD).
    issued_from: Option<Date>,
    /// Issued on or before this date (YYYY-MM-DD).
    issued_to: Option<Date>,
    /// The `next_cursor` of the previous page.
    after: Option<String>,
    /// Page size, 1 to 500 (default 50).
    limit: Option<u32>,
}

impl ExchangeQuery {
    fn filter(&self) -> Result<ExchangeFilter, FieldErrors> {
        let mut errors = FieldErrors::default();
        let status = self.status.as_deref().and_then(|v| {
            let parsed = DeliveryStatus::parse(v.trim());
            if parsed.is_none() {
                errors.push("query/status", format!("unknown delivery status '{v}'"));
            }
            parsed
        });
        let issuer_country =
            self.issuer_country.as_deref().and_then(|v| errors.check("query/issuer_country", CountryCode::parse(v)));
        let document_type =
            self.document_type.as_deref().and_then(|v| errors.check("query/document_type", DocumentType::parse(v)));
        errors.into_result()?;
        Ok(ExchangeFilter {
            // The hub sets the tenant (receiver or issuer) from the caller.
            receiver: None,
            status,
            issuer_country,
            issuer: self.cab,
            document_type,
            hs_prefix: self.hs_prefix.clone(),
            issued_from: self.issued_from,
            issued_to: self.issued_to,
        })
    }
}

/// Search exchanges: a receiver sees those addressed to it, an issuer those of its documents, the operator all.
/// Newest first.
#[utoipa::path(get, path = "/api/v1/exchanges", tag = "exchanges", params(ExchangeQuery),
    responses((status = 200, body = Page<ExchangeWithDocument>), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn search_exchanges(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<ExchangeQuery>,
) -> Result<Json<Page<ExchangeWithDocument>>, ApiError> {
    let filter = q.filter().map_err(|e| ApiError::invalid(e.0))?;
    let page = PageParams { after: q.after, limit: q.limit }.page();
    Ok(Json(s.hub.search_exchanges(&p, filter, &page).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// The `next_cursor` of the previous poll; 0 (the default) for everything.
    since: Option<u64>,
    /// At most this many exchanges, 1 to 1000 (default 100). A page may hold fewer (the hub caps one answer at
    /// 500); `next_cursor` always continues where it stopped.
    limit: Option<u32>,
}

/// Pull polling (receiving authority): the exchanges addressed to you that changed after `since`, in change
/// order. New ones are marked DELIVERED. Keep `next_cursor` and send it as `since` next time.
#[utoipa::path(get, path = "/api/v1/exchanges/changes", tag = "exchanges", params(ChangesQuery),
    responses((status = 200, body = Changes), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn poll_changes(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<ChangesQuery>,
) -> Result<Json<Changes>, ApiError> {
    let limit = q.limit.unwrap_or(DEFAULT_POLL_LIMIT);
    if !(1..=MAX_POLL_LIMIT).contains(&limit) {
        return Err(ApiError::invalid(vec![FieldError::new("query/limit", format!("must be 1 to {MAX_POLL_LIMIT}"))]));
    }
    Ok(Json(s.hub.poll_exchanges(&p, q.since.unwrap_or(0), limit).await?))
}

/// One exchange with its document's metadata, status history and validation report. Reading it as the
/// receiver marks it DELIVERED.
#[utoipa::path(get, path = "/api/v1/exchanges/{id}", tag = "exchanges",
    params(("id" = String, Path, description = "Exchange id")),
    responses((status = 200, body = ExchangeDetail), (status = 404, body = Problem)))]
async fn get_exchange(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<ExchangeId>,
) -> Result<Json<ExchangeDetail>, ApiError> {
    Ok(Json(s.hub.get_exchange(&p, id).await?))
}

/// The signed PDF, byte for byte as the issuer pushed it.
// Never constructed: it describes the streamed body to OpenAPI.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct PdfFile(Vec<u8>);

/// Download the signed PDF (the receiving authority only), streamed from the hub's temporary cache. 410 once
/// the PDF has been deleted per the retention policy; metadata and evidence remain.
#[utoipa::path(get, path = "/api/v1/exchanges/{id}/pdf", tag = "exchanges",
    params(("id" = String, Path, description = "Exchange id")),
    responses(
        (status = 200, content_type = "application/pdf", body = PdfFile, description = "The signed PDF, streamed",
            headers(
            ("Content-Length" = u64),
            ("Content-Disposition" = String, description = "attachment; filename=\"<document number>.pdf\""),
            ("Repr-Digest" = String, description = "RFC 9530: `sha-256=:<base64>:` of the PDF"))),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 410, body = Problem)))]
async fn download_pdf(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<ExchangeId>,
) -> Result<Response, ApiError> {
    Ok(ecert_portal::download::pdf_response(s.hub.download_pdf(&p, id).await?))
}

/// Reply with a business decision (the receiving authority): `received`, `accepted` or `rejected` (a rejection
/// needs a reason code), with optional text. The issuer sees it as ACKNOWLEDGED.
#[utoipa::path(post, path = "/api/v1/exchanges/{id}/reply", tag = "exchanges", request_body = NewBusinessReply,
    params(("id" = String, Path, description = "Exchange id")),
    responses((status = 200, body = Written<ExchangeRecord>), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn reply_to_exchange(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<ExchangeId>,
    ApiJson(body): ApiJson<NewBusinessReply>,
) -> Result<Json<Written<ExchangeRecord>>, ApiError> {
    Ok(Json(Written::new(s.hub.reply_to_exchange(&p, id, body).await?)))
}
