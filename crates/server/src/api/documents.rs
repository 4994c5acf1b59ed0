//! The issuing CAB's side of the exchange: push a signed document, follow its delivery per receiver, change its
//! status. The operator reads metadata here too.

use super::{PageParams, Written};
use crate::AppState;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::upload::{DocumentUpload, IdempotencyKey};
use axum::Json;
use axum::extract::{DefaultBodyLimit, FromRequest, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ecert_domain::FieldErrors;
use ecert_domain::auth::Permission;
use ecert_domain::country::CountryCode;
use ecert_domain::document::{DocumentId, DocumentStatus, NewDocumentMetadata, NewStatusChange, StatusChange};
use ecert_domain::document_type::DocumentType;
use ecert_domain::page::Page;
use ecert_hub::HubError;
use ecert_hub::exchange::{DocumentDetail, PushRequest, Submission};
use ecert_store::exchange::{DocumentFilter, DocumentRecord};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// Set on the answer to a push that repeated an earlier one: nothing new was stored.
pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";

pub(super) fn routes(max_upload_bytes: usize) -> OpenApiRouter<AppState> {
    // The upload limit applies to this path only; the listing on the same path has no body to limit.
    let (schemas, paths, uploads) = routes!(list_documents, push_document);
    OpenApiRouter::new()
        .routes((schemas, paths, uploads.layer(DefaultBodyLimit::max(max_upload_bytes))))
        .routes(routes!(get_document))
        .routes(routes!(change_document_status))
}

/// The push's `multipart/form-data` body: the metadata part (JSON) and the signed PDF part.
// Never constructed: it describes the form to OpenAPI; `DocumentUpload` reads the real thing.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct DocumentUploadForm {
    /// The minimum dataset, as JSON.
    metadata: NewDocumentMetadata,
    /// The PAdES-signed PDF.
    #[schema(value_type = String, format = Binary, content_media_type = "application/pdf")]
    pdf: Vec<u8>,
}

/// Push a signed document (issuing CAB). The hub validates the signature against the CAB's registered
/// certificates, the CAB's status and scope, and the metadata; then routes it to the destination's receiving
/// authorities. A repeated push (same `Idempotency-Key`, or the same PDF) answers 200 with the original result.
#[utoipa::path(post, path = "/api/v1/documents", tag = "documents",
    request_body(content = DocumentUploadForm, content_type = "multipart/form-data"),
    params(("Idempotency-Key" = Option<String>, Header,
        description = "1 to 128 visible ASCII characters; a retry with the same key and content is a replay")),
    responses(
        (status = 201, body = Submission, description = "Accepted and routed",
            headers(("Location" = String, description = "The document's URL"))),
        (status = 200, body = Submission, description = "A replay of an earlier push",
            headers(("Idempotent-Replayed" = String, description = "`true`"))),
        (status = 403, body = Problem),
        (status = 409, body = Problem, description = "Document number already used, or key reused for another request"),
        (status = 413, body = Problem),
        (status = 415, body = Problem),
        (status = 422, body = Problem, description = "Invalid input, or the document was rejected: `code` and `report`")))]
async fn push_document(
    State(s): State<AppState>,
    Auth(p): Auth,
    IdempotencyKey(idempotency_key): IdempotencyKey,
    req: Request,
) -> Result<Response, ApiError> {
    // Refuse callers who may not push before reading up to the upload limit from them (and so that they get
    // 403, not a complaint about their body). The hub checks again.
    if !p.has(Permission::SubmitDocuments) {
        return Err(HubError::Forbidden(Permission::SubmitDocuments).into());
    }
    let upload = DocumentUpload::from_request(req, &s).await?;
    let request = PushRequest { metadata: upload.metadata, pdf: upload.pdf, idempotency_key };
    let submission = s.hub.push_document(&p, request).await?;
    // A hub reference is a UUID, always a valid header value.
    let location = HeaderValue::try_from(format!("/api/v1/documents/{}", submission.document.id)).ok();
    let replayed = submission.replayed;
    let status = if replayed { StatusCode::OK } else { StatusCode::CREATED };
    let mut response = (status, Json(submission)).into_response();
    if let Some(location) = location {
        response.headers_mut().insert(header::LOCATION, location);
    }
    if replayed {
        response.headers_mut().insert(HeaderName::from_static(IDEMPOTENT_REPLAYED), HeaderValue::from_static("true"));
    }
    Ok(response)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentQuery {
    /// VALID | SUSPENDED | WITHDRAWN | REPLACED
    status: Option<String>,
    /// `CoC` or `TR`.
    document_type: Option<String>,
    /// ISO 3166-1 alpha-2 code of the importing country.
    destination_country: Option<String>,
    /// The `next_cursor` of the previous page.
    after: Option<String>,
    /// Page size, 1 to 500 (default 50).
    limit: Option<u32>,
}

impl DocumentQuery {
    fn filter(&self) -> Result<DocumentFilter, FieldErrors> {
        let mut errors = FieldErrors::default();
        let status = self.status.as_deref().and_then(|v| {
            let parsed = DocumentStatus::parse(v.trim());
            if parsed.is_none() {
                errors.push("query/status", format!("unknown document status '{v}'"));
            }
            parsed
        });
        let document_type =
            self.document_type.as_deref().and_then(|v| errors.check("query/document_type", DocumentType::parse(v)));
        let destination_country = self
            .destination_country
            .as_deref()
            .and_then(|v| errors.check("query/destination_country", CountryCode::parse(v)));
        errors.into_result()?;
        Ok(DocumentFilter { issuer: None, status, document_type, destination_country })
    }
}

/// Documents: a CAB sees its own, the operator all (metadata only). Newest first.
#[utoipa::path(get, path = "/api/v1/documents", tag = "documents", params(DocumentQuery),
    responses((status = 200, body = Page<DocumentRecord>), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn list_documents(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<DocumentQuery>,
) -> Result<Json<Page<DocumentRecord>>, ApiError> {
    let filter = q.filter().map_err(|e| ApiError::invalid(e.0))?;
    let page = PageParams { after: q.after, limit: q.limit }.page();
    Ok(Json(s.hub.list_documents(&p, filter, &page).await?))
}

/// One document with its delivery status per receiver, its status history and its validation report.
#[utoipa::path(get, path = "/api/v1/documents/{id}", tag = "documents",
    params(("id" = String, Path, description = "The hub reference")),
    responses((status = 200, body = DocumentDetail), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_document(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<DocumentId>,
) -> Result<Json<DocumentDetail>, ApiError> {
    Ok(Json(s.hub.get_document(&p, id).await?))
}

/// Change a document's status (its issuer): suspend, reinstate, withdraw, or replace it by another of its
/// documents, with a reason. Every receiver is notified.
#[utoipa::path(post, path = "/api/v1/documents/{id}/status", tag = "documents", request_body = NewStatusChange,
    params(("id" = String, Path, description = "The hub reference")),
    responses((status = 200, body = Written<StatusChange>), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn change_document_status(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<DocumentId>,
    ApiJson(body): ApiJson<NewStatusChange>,
) -> Result<Json<Written<StatusChange>>, ApiError> {
    Ok(Json(Written::new(s.hub.change_document_status(&p, id, body).await?)))
}
