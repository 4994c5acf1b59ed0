//! The verification service's API: verify a file, the permit-style status lookup, and the reservation of
//! public tokens for the QR codes CABs print before signing. The public page itself is `public_page.rs`.

use crate::AppState;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiPath, Auth};
use crate::upload::{PDF_PART, is_multipart_form, multipart_error, read_part, too_large};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use ecert_domain::document::MAX_DOCUMENT_NUMBER_LEN;
use ecert_domain::{FieldError, FieldErrorCode};
use ecert_hub::verification::{StatusAnswer, Verification, VerifyRequest};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The rate-limited verification upload.
pub const VERIFY_PATH: &str = "/api/v1/verify";
pub const DOCUMENT_NUMBER_PART: &str = "document_number";

pub(super) fn routes(max_upload_bytes: usize) -> OpenApiRouter<AppState> {
    let (schemas, paths, upload) = routes!(verify_document);
    OpenApiRouter::new()
        .routes((schemas, paths, upload.layer(DefaultBodyLimit::max(max_upload_bytes))))
        .routes(routes!(document_status))
        .routes(routes!(reserve_document_token))
}

/// The verification's `multipart/form-data` body.
// Never constructed: it describes the form to OpenAPI.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct VerifyForm {
    /// The PDF to verify.
    #[schema(value_type = String, format = Binary, content_media_type = "application/pdf")]
    pdf: Vec<u8>,
    /// The issuer's document number, to find the document when the file is not the submitted one.
    document_number: Option<String>,
}

/// Verify a PDF (any authenticated party): the full validation report against every registered key, what the
/// registries say about its signers, and the document's status when the hub knows it. The file is not
/// stored. Send `multipart/form-data` (parts `pdf` and optional `document_number`) or the PDF itself as
/// `application/pdf`. Rate limited per client address.
#[utoipa::path(post, path = "/api/v1/verify", tag = "verification",
    request_body(content = VerifyForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, body = Verification),
        (status = 413, body = Problem),
        (status = 415, body = Problem),
        (status = 422, body = Problem, description = "Not a PDF, or unreadable"),
        (status = 429, body = Problem, description = "Too many verifications from this address: see Retry-After")))]
async fn verify_document(
    State(s): State<AppState>,
    Auth(p): Auth,
    req: Request,
) -> Result<Json<Verification>, ApiError> {
    let max_pdf = usize::try_from(s.hub.exchange().settings.max_pdf_bytes).unwrap_or(usize::MAX);
    let request = read_verify_request(req, max_pdf).await?;
    Ok(Json(s.hub.verify_pdf(&p, request).await?))
}

async fn read_verify_request(req: Request, max_pdf: usize) -> Result<VerifyRequest, ApiError> {
    let is_pdf = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/pdf"));
    if is_pdf {
        let pdf = Bytes::from_request(req, &()).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large("the PDF exceeds the upload size limit")
            } else {
                ApiError::malformed(e.body_text())
            }
        })?;
        if pdf.len() > max_pdf {
            return Err(too_large(format!("the PDF exceeds the limit of {max_pdf} bytes")));
        }
        return Ok(VerifyRequest { pdf, document_number: None });
    }
    if !is_multipart_form(req.headers()) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            "send the PDF as application/pdf, or as multipart/form-data with the part 'pdf'",
        ));
    }
    let mut multipart = Multipart::from_request(req, &())
        .await
        .map_err(|e| ApiError::malformed(format!("the multipart body cannot be read: {}", e.body_text())))?;
    let (mut pdf, mut number) = (None, None);
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            PDF_PART if pdf.is_none() => pdf = Some(read_part(field, PDF_PART, max_pdf).await?),
            DOCUMENT_NUMBER_PART if number.is_none() => {
                // Characters, not bytes, are limited; four bytes per character bounds the read.
                let bytes = read_part(field, DOCUMENT_NUMBER_PART, 4 * MAX_DOCUMENT_NUMBER_LEN).await?;
                let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
                    ApiError::invalid(vec![FieldError::new(DOCUMENT_NUMBER_PART, "must be UTF-8 text")])
                })?;
                number = Some(text.trim().to_owned());
            }
            _ => {
                let repeated = name == PDF_PART || name == DOCUMENT_NUMBER_PART;
                let code = if repeated { FieldErrorCode::Duplicate } else { FieldErrorCode::Invalid };
                return Err(ApiError::invalid(vec![FieldError::with_code(
                    "multipart",
                    code,
                    "send the part 'pdf' once and at most one 'document_number'",
                )]));
            }
        }
    }
    let pdf = pdf.ok_or_else(|| {
        ApiError::invalid(vec![FieldError::with_code(PDF_PART, FieldErrorCode::Required, "this part is missing")])
    })?;
    Ok(VerifyRequest { pdf, document_number: number })
}

/// Permit-style status lookup by issuing country and document number: VALID, CANCELLED or NOT_AVAILABLE, as
/// EPIX defines them. Unknown documents, documents the caller has no business with, suspended and expired ones
/// all answer NOT_AVAILABLE, identically.
#[utoipa::path(get, path = "/api/v1/status/{issuer_country}/{document_number}", tag = "verification",
    params(("issuer_country" = String, Path, description = "ISO 3166-1 alpha-2 code of the issuing CAB's country"),
        ("document_number" = String, Path, description = "The issuer's document number (percent-encoded)")),
    responses((status = 200, body = StatusAnswer), (status = 401, body = Problem)))]
async fn document_status(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath((country, number)): ApiPath<(String, String)>,
) -> Result<Json<StatusAnswer>, ApiError> {
    Ok(Json(s.hub.document_status(&p, &country, &number).await?))
}

/// A reserved public token and the authenticity page URL to print as the QR code.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentToken {
    pub token: String,
    /// `<public base URL>/v/<token>`: the QR code's content.
    pub url: String,
    #[serde(with = "time::serde::rfc3339")]
    pub reserved_at: time::OffsetDateTime,
}

/// Reserve the public token of the caller's next document (issuing CAB), before signing: stamp `url` as the
/// QR code into the PDF, sign it, then push it with `public_token` in the metadata.
#[utoipa::path(post, path = "/api/v1/document-tokens", tag = "verification",
    responses((status = 201, body = DocumentToken), (status = 403, body = Problem)))]
async fn reserve_document_token(State(s): State<AppState>, Auth(p): Auth) -> Result<Response, ApiError> {
    let reserved = s.hub.reserve_document_token(&p).await?;
    let url = format!("{}/v/{}", s.verification.public_base_url, reserved.token);
    let body = DocumentToken { token: reserved.token, url, reserved_at: reserved.reserved_at };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}
