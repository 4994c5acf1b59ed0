//! The document push's request: a `multipart/form-data` body with exactly two parts, `metadata` (JSON) and `pdf`
//! (the signed file), and an optional `Idempotency-Key` header. Every way the request can be wrong gets its own
//! problem: 415 when it is not multipart, 413 when a part or the body is too large, 422 naming the part or
//! metadata field otherwise.

use crate::AppState;
use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use ecert_domain::document::NewDocumentMetadata;
use ecert_domain::{FieldError, FieldErrorCode};

/// The metadata part's largest size: the minimum dataset is a few hundred bytes; 64 KiB leaves room for long
/// descriptions and standard lists without letting the JSON parser chew on megabytes.
pub const MAX_METADATA_BYTES: usize = 64 * 1024;

/// Headroom for the multipart framing (boundaries and part headers) on top of the two parts' limits.
pub const MULTIPART_FRAMING_BYTES: usize = 8 * 1024;

/// The request body limit that fits the largest PDF the hub accepts, its metadata and the multipart framing.
pub fn upload_limit_for(settings: &ecert_hub::ExchangeSettings) -> usize {
    max_pdf_bytes(settings).saturating_add(MAX_METADATA_BYTES + MULTIPART_FRAMING_BYTES)
}

fn max_pdf_bytes(settings: &ecert_hub::ExchangeSettings) -> usize {
    usize::try_from(settings.max_pdf_bytes).unwrap_or(usize::MAX)
}

/// The longest accepted `Idempotency-Key`.
/// The hub decides the key's rules; the header is held to the same bound before it is read further.
pub use ecert_hub::exchange::MAX_IDEMPOTENCY_KEY_LEN;

pub const METADATA_PART: &str = "metadata";
pub const PDF_PART: &str = "pdf";

/// How much of each part is read before the request is refused with 413.
#[derive(Debug, Clone, Copy)]
pub struct PartLimits {
    pub max_metadata_bytes: usize,
    pub max_pdf_bytes: usize,
}

/// A parsed push upload.
#[derive(Debug)]
pub struct DocumentUpload {
    pub metadata: NewDocumentMetadata,
    pub pdf: Bytes,
}

impl FromRequest<AppState> for DocumentUpload {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let max_pdf_bytes = max_pdf_bytes(&state.hub.exchange().settings);
        read_upload(req, PartLimits { max_metadata_bytes: MAX_METADATA_BYTES, max_pdf_bytes }).await
    }
}

/// Reads and checks the two parts. Unknown and repeated parts are refused as soon as their header arrives, so
/// at most three part headers are ever read.
pub async fn read_upload(req: Request, limits: PartLimits) -> Result<DocumentUpload, ApiError> {
    if !is_multipart_form(req.headers()) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            "send the document as multipart/form-data with the parts 'metadata' (JSON) and 'pdf'",
        ));
    }
    let mut multipart = Multipart::from_request(req, &())
        .await
        .map_err(|e| ApiError::malformed(format!("the multipart body cannot be read: {}", e.body_text())))?;
    let mut metadata: Option<NewDocumentMetadata> = None;
    let mut pdf: Option<Bytes> = None;
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            METADATA_PART if metadata.is_none() => {
                let bytes = read_part(field, METADATA_PART, limits.max_metadata_bytes).await?;
                metadata = Some(parse_metadata(&bytes).map_err(|e| ApiError::invalid(vec![e]))?);
            }
            PDF_PART if pdf.is_none() => pdf = Some(read_part(field, PDF_PART, limits.max_pdf_bytes).await?),
            METADATA_PART | PDF_PART => {
                return Err(ApiError::invalid(vec![FieldError::with_code(
                    name,
                    FieldErrorCode::Duplicate,
                    "this part was sent more than once",
                )]));
            }
            _ => {
                return Err(ApiError::invalid(vec![FieldError::new(
                    printable_part_name(&name),
                    "unknown part; send exactly the parts 'metadata' and 'pdf'",
                )]));
            }
        }
    }
    match (metadata, pdf) {
        (Some(metadata), Some(pdf)) => Ok(DocumentUpload { metadata, pdf }),
        (metadata, pdf) => {
            let missing = [(METADATA_PART, metadata.is_none()), (PDF_PART, pdf.is_none())];
            Err(ApiError::invalid(
                missing
                    .into_iter()
                    .filter(|(_, absent)| *absent)
                    .map(|(part, _)| FieldError::with_code(part, FieldErrorCode::Required, "this part is missing"))
                    .collect(),
            ))
        }
    }
}

pub(crate) fn is_multipart_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("multipart/form-data"))
}

/// Reads one part into memory, refusing it with 413 as soon as it grows past `max` bytes.
pub(crate) async fn read_part(mut field: Field<'_>, part: &str, max: usize) -> Result<Bytes, ApiError> {
    let mut buf = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if buf.len().saturating_add(chunk.len()) > max {
            return Err(too_large(format!("the '{part}' part exceeds the limit of {max} bytes")));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(buf))
}

/// The metadata JSON, with errors reported like a JSON body's: the failing field's path, or `metadata` itself
/// when the part is not JSON at all.
fn parse_metadata(bytes: &[u8]) -> Result<NewDocumentMetadata, FieldError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize::<_, NewDocumentMetadata>(&mut de).map_err(|e| {
        let inner = e.inner();
        if inner.is_syntax() || inner.is_eof() {
            FieldError::new(METADATA_PART, format!("the part is not valid JSON: {inner}"))
        } else {
            let path = e.path().to_string();
            let field = if path == "." { METADATA_PART.to_owned() } else { path.replace('.', "/") };
            FieldError::new(field, inner.to_string())
        }
    })
}

pub(crate) fn multipart_error(e: MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large("the upload exceeds the size limit for documents")
    } else {
        ApiError::malformed(format!("the multipart body is malformed: {}", e.body_text()))
    }
}

pub(crate) fn too_large(detail: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large", "Payload too large", detail)
}

/// A part name as the client sent it, made safe to echo: printable ASCII, at most 64 characters.
fn printable_part_name(name: &str) -> String {
    if name.is_empty() {
        return "part".to_owned();
    }
    name.chars().take(64).map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '?' }).collect()
}

/// The optional `Idempotency-Key` header: 1 to `MAX_IDEMPOTENCY_KEY_LEN` visible ASCII characters, sent at most once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(pub Option<String>);

pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        idempotency_key(&parts.headers).map(IdempotencyKey).map_err(|e| ApiError::invalid(vec![e]))
    }
}

pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, FieldError> {
    let refuse = |code, reason: &str| FieldError::with_code("header/Idempotency-Key", code, reason);
    let mut values = headers.get_all(IDEMPOTENCY_KEY_HEADER).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(refuse(FieldErrorCode::Duplicate, "send the header at most once"));
    }
    let bytes = value.as_bytes();
    if bytes.is_empty() || bytes.len() > MAX_IDEMPOTENCY_KEY_LEN {
        return Err(refuse(
            FieldErrorCode::for_length(bytes.len(), MAX_IDEMPOTENCY_KEY_LEN),
            &format!("must be 1 to {MAX_IDEMPOTENCY_KEY_LEN} characters long"),
        ));
    }
    if !bytes.iter().all(u8::is_ascii_graphic) {
        return Err(refuse(FieldErrorCode::Invalid, "must consist of visible ASCII characters only (no spaces)"));
    }
    // Every byte is visible ASCII, so this is lossless.
    Ok(Some(String::from_utf8_lossy(bytes).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::HeaderValue;

    const BOUNDARY: &str = "XyZboundary42";
    const LIMITS: PartLimits = PartLimits { max_metadata_bytes: 1024, max_pdf_bytes: 2048 };

    fn metadata_json() -> String {
        serde_json::json!({
            "document_number": "TR-1",
            "document_type": "TR",
            "hs_codes": ["847130"],
            "product_description": "Laptop computers",
            "issue_date": "2026-11-01",
            "valid_until": "2027-11-01",
            "destination_country": "UZ"
        })
        .to_string()
    }

    fn part(name: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
        let mut out = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{name}.bin\"\r\n\
             Content-Type: {content_type}\r\n\r\n"
        )
        .into_bytes();
        out.extend_from_slice(body);
        out.extend_from_slice(b"\r\n");
        out
    }

    fn body(parts: &[Vec<u8>]) -> Vec<u8> {
        let mut out: Vec<u8> = parts.concat();
        out.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        out
    }

    fn request(content_type: &str, body: Vec<u8>) -> Request {
        Request::builder()
            .method("POST")
            .uri("/api/v1/documents")
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap()
    }

    async fn upload(parts: &[Vec<u8>]) -> Result<DocumentUpload, ApiError> {
        read_upload(request(&format!("multipart/form-data; boundary={BOUNDARY}"), body(parts)), LIMITS).await
    }

    fn metadata_part() -> Vec<u8> {
        part("metadata", "application/json", metadata_json().as_bytes())
    }

    fn pdf_part() -> Vec<u8> {
        part("pdf", "application/pdf", b"%PDF-1.7\nnot really signed")
    }

    /// The status and the field names of a refusal.
    async fn refusal(parts: &[Vec<u8>]) -> (StatusCode, Vec<String>) {
        let e = upload(parts).await.expect_err("must be refused");
        let response = axum::response::IntoResponse::into_response(e);
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
        let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let fields = json["errors"]
            .as_array()
            .map(|a| a.iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect())
            .unwrap_or_default();
        (status, fields)
    }

    #[tokio::test]
    async fn both_parts_in_either_order_are_read() {
        let u = upload(&[metadata_part(), pdf_part()]).await.unwrap();
        assert_eq!(u.metadata.document_number, "TR-1");
        assert_eq!(&u.pdf[..], b"%PDF-1.7\nnot really signed");
        let u = upload(&[pdf_part(), metadata_part()]).await.unwrap();
        assert_eq!(u.metadata.hs_codes, vec!["847130"]);
    }

    #[tokio::test]
    async fn a_pdf_part_with_crlf_and_binary_bytes_is_kept_exactly() {
        let pdf: Vec<u8> = b"%PDF-1.4\r\n".iter().copied().chain((0..=255u8).cycle().take(1500)).collect();
        let u = upload(&[metadata_part(), part("pdf", "application/octet-stream", &pdf)]).await.unwrap();
        assert_eq!(&u.pdf[..], &pdf[..]);
    }

    #[tokio::test]
    async fn missing_parts_are_named() {
        assert_eq!(refusal(&[metadata_part()]).await, (StatusCode::UNPROCESSABLE_ENTITY, vec!["pdf".to_owned()]));
        assert_eq!(refusal(&[pdf_part()]).await, (StatusCode::UNPROCESSABLE_ENTITY, vec!["metadata".to_owned()]));
        assert_eq!(
            refusal(&[]).await,
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["metadata".to_owned(), "pdf".to_owned()])
        );
    }

    #[tokio::test]
    async fn unknown_and_repeated_parts_are_named() {
        let extra = part("signature", "text/plain", b"x");
        assert_eq!(
            refusal(&[metadata_part(), extra, pdf_part()]).await,
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["signature".to_owned()])
        );
        assert_eq!(
            refusal(&[metadata_part(), pdf_part(), pdf_part()]).await,
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["pdf".to_owned()])
        );
        assert_eq!(
            refusal(&[metadata_part(), metadata_part(), pdf_part()]).await,
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["metadata".to_owned()])
        );
        // A part name is echoed tamed: printable ASCII, 64 characters at most.
        let weird = part(&format!("caf\u{e9}{}", "x".repeat(100)), "text/plain", b"x");
        let expected = format!("caf?{}", "x".repeat(60));
        assert_eq!(refusal(&[weird]).await, (StatusCode::UNPROCESSABLE_ENTITY, vec![expected]));
    }

    #[tokio::test]
    async fn malformed_metadata_names_the_field() {
        let not_json = part("metadata", "application/json", b"{\"document_number\": ");
        assert_eq!(
            refusal(&[not_json, pdf_part()]).await,
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["metadata".to_owned()])
        );
        let bad_date = metadata_json().replace("2026-11-01", "1 Nov 2026");
        assert_eq!(
            refusal(&[part("metadata", "application/json", bad_date.as_bytes()), pdf_part()]).await,
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["issue_date".to_owned()])
        );
        // The issuer comes from the credential: the metadata cannot name one.
        let unknown = metadata_json().replacen('{', "{\"issuer\": \"me\",", 1);
        assert_eq!(
            refusal(&[part("metadata", "application/json", unknown.as_bytes()), pdf_part()]).await,
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["issuer".to_owned()])
        );
        let not_an_object = part("metadata", "application/json", b"\"TR-1\"");
        assert_eq!(
            refusal(&[not_an_object, pdf_part()]).await,
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["metadata".to_owned()])
        );
        let wrong_type = metadata_json().replace("[\"847130\"]", "[847130]");
        assert_eq!(
            refusal(&[part("metadata", "application/json", wrong_type.as_bytes()), pdf_part()]).await,
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["hs_codes[0]".to_owned()])
        );
    }

    #[tokio::test]
    async fn oversized_parts_are_413() {
        let big_pdf = part("pdf", "application/pdf", &vec![b'%'; LIMITS.max_pdf_bytes + 1]);
        assert_eq!(refusal(&[metadata_part(), big_pdf]).await.0, StatusCode::PAYLOAD_TOO_LARGE);
        let exact_pdf = part("pdf", "application/pdf", &vec![b'%'; LIMITS.max_pdf_bytes]);
        assert_eq!(upload(&[metadata_part(), exact_pdf]).await.unwrap().pdf.len(), LIMITS.max_pdf_bytes);
        let padded = format!("{}{}", metadata_json(), " ".repeat(LIMITS.max_metadata_bytes));
        let big_metadata = part("metadata", "application/json", padded.as_bytes());
        assert_eq!(refusal(&[big_metadata, pdf_part()]).await.0, StatusCode::PAYLOAD_TOO_LARGE);
    }

    #[tokio::test]
    async fn a_body_over_the_route_limit_is_413() {
        // What `DefaultBodyLimit::max` on the push route does: the multipart reader stops at the limit.
        let app = axum::Router::new()
            .route(
                "/",
                axum::routing::post(|req: Request| async move {
                    let limits = PartLimits { max_metadata_bytes: 1 << 20, max_pdf_bytes: 1 << 20 };
                    read_upload(req, limits).await.map(|_| "accepted")
                }),
            )
            .layer(axum::extract::DefaultBodyLimit::max(1000));
        let send = |pdf_len: usize| {
            let mut req = request(
                &format!("multipart/form-data; boundary={BOUNDARY}"),
                body(&[metadata_part(), part("pdf", "application/pdf", &vec![b'x'; pdf_len])]),
            );
            *req.uri_mut() = "/".parse().unwrap();
            tower::ServiceExt::oneshot(app.clone(), req)
        };
        assert_eq!(send(4000).await.unwrap().status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(send(10).await.unwrap().status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn other_media_types_are_415_and_a_missing_boundary_is_400() {
        for ct in ["application/json", "application/pdf", "multipart/mixed; boundary=x"] {
            let e = read_upload(request(ct, b"{}".to_vec()), LIMITS).await.unwrap_err();
            assert_eq!(e.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct}");
        }
        let e = read_upload(request("multipart/form-data", body(&[metadata_part()])), LIMITS).await.unwrap_err();
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
        let truncated = body(&[metadata_part(), pdf_part()]);
        let cut = truncated[..truncated.len() - 20].to_vec();
        let e =
            read_upload(request(&format!("multipart/form-data; boundary={BOUNDARY}"), cut), LIMITS).await.unwrap_err();
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
    }

    fn headers(values: &[&[u8]]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(IDEMPOTENCY_KEY_HEADER, HeaderValue::from_bytes(v).unwrap());
        }
        h
    }

    #[test]
    fn idempotency_keys() {
        assert_eq!(idempotency_key(&headers(&[])).unwrap(), None);
        assert_eq!(idempotency_key(&headers(&[b"order-42/a"])).unwrap().as_deref(), Some("order-42/a"));
        let longest = "k".repeat(MAX_IDEMPOTENCY_KEY_LEN);
        assert_eq!(idempotency_key(&headers(&[longest.as_bytes()])).unwrap(), Some(longest.clone()));
        for bad in [&b""[..], b"has space", b"tab\there", "caf\u{e9}".as_bytes(), format!("{longest}k").as_bytes()] {
            let e = idempotency_key(&headers(&[bad])).unwrap_err();
            assert_eq!(e.field, "header/Idempotency-Key", "{bad:?}");
        }
        assert!(idempotency_key(&headers(&[b"a", b"b"])).unwrap_err().reason.contains("at most once"));
    }
}
