//! The streamed PDF answer, shared by the portal's download link and the REST API's `GET /exchanges/{id}/pdf`, so
//! both send the same headers.

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use ecert_hub::exchange::PdfDownload;

/// The PDF as a stream, with its length, its RFC 9530 `Repr-Digest` and an attachment file name.
pub fn pdf_response(download: PdfDownload) -> Response {
    let PdfDownload { stream, file_name } = download;
    let digest = format!("sha-256=:{}:", base64::engine::general_purpose::STANDARD.encode(stream.sha256.0));
    // The hub builds the name from letters, digits, '-', '_' and '.' only (the one rule is in the hub), so it needs
    // no quoting rules.
    let disposition = format!("attachment; filename=\"{file_name}\"");
    let mut response = Body::from_stream(stream.chunks).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(stream.size));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Both values are visible ASCII by construction, so the conversions cannot fail.
    if let Ok(digest) = HeaderValue::try_from(digest) {
        headers.insert(HeaderName::from_static("repr-digest"), digest);
    }
    if let Ok(disposition) = HeaderValue::try_from(disposition) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    response
}
