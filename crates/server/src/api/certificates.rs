use super::{PageParams, Written};
use crate::AppState;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine;
use ecert_domain::FieldError;
use ecert_domain::ids::{CertificateId, InstitutionId};
use ecert_domain::page::Page;
use ecert_domain::pkr::{RegisteredCertificate, RevocationReason};
use ecert_hub::CertificateDetail;
use serde::Deserialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_institution_certificates, register_certificate))
        .routes(routes!(list_certificates))
        .routes(routes!(get_certificate))
        .routes(routes!(renew_certificate))
        .routes(routes!(revoke_certificate))
}

/// A certificate upload: PEM text, or base64 of the DER encoding.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateUpload {
    certificate: String,
}

impl CertificateUpload {
    fn bytes(&self) -> Result<Vec<u8>, ApiError> {
        let text = self.certificate.trim();
        if text.starts_with("-----BEGIN") {
            return Ok(text.as_bytes().to_vec());
        }
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        base64::engine::general_purpose::STANDARD.decode(compact).map_err(|_| {
            ApiError::invalid(vec![FieldError::new("certificate", "must be PEM text or base64-encoded DER")])
        })
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Revocation {
    reason: RevocationReason,
    /// When the key stopped being trustworthy; defaults to now, never in the future.
    #[serde(default, with = "time::serde::rfc3339::option")]
    revoked_at: Option<OffsetDateTime>,
}

/// A CAB's registered certificates.
#[utoipa::path(get, path = "/api/v1/institutions/{id}/certificates", tag = "certificates",
    params(("id" = String, Path, description = "CAB id"), PageParams),
    responses((status = 200, body = Page<RegisteredCertificate>), (status = 404, body = Problem)))]
async fn list_institution_certificates(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<InstitutionId>,
    ApiQuery(q): ApiQuery<PageParams>,
) -> Result<Json<Page<RegisteredCertificate>>, ApiError> {
    Ok(Json(s.hub.list_certificates(&p, Some(id), &q.page()).await?))
}

/// Register a CAB certificate (operator): X.509 v3, RSA ≥ 2048 or EC P-256/P-384, signing key usage, not expired.
#[utoipa::path(post, path = "/api/v1/institutions/{id}/certificates", tag = "certificates", request_body = CertificateUpload,
    params(("id" = String, Path, description = "CAB id")),
    responses((status = 201, body = Written<RegisteredCertificate>), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn register_certificate(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<InstitutionId>,
    ApiJson(body): ApiJson<CertificateUpload>,
) -> Result<(StatusCode, Json<Written<RegisteredCertificate>>), ApiError> {
    let bytes = body.bytes()?;
    Ok((StatusCode::CREATED, Json(Written::new(s.hub.register_certificate(&p, id, &bytes).await?))))
}

/// Certificates visible to the caller (all CABs' for the operator and relying parties, its own for a CAB).
#[utoipa::path(get, path = "/api/v1/certificates", tag = "certificates", params(PageParams),
    responses((status = 200, body = Page<RegisteredCertificate>)))]
async fn list_certificates(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<PageParams>,
) -> Result<Json<Page<RegisteredCertificate>>, ApiError> {
    Ok(Json(s.hub.list_certificates(&p, None, &q.page()).await?))
}

/// One certificate with its PEM and full history.
#[utoipa::path(get, path = "/api/v1/certificates/{id}", tag = "certificates",
    params(("id" = String, Path, description = "Certificate id")),
    responses((status = 200, body = CertificateDetail), (status = 404, body = Problem)))]
async fn get_certificate(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<CertificateId>,
) -> Result<Json<CertificateDetail>, ApiError> {
    Ok(Json(s.hub.get_certificate(&p, id).await?))
}

/// Renew: register the successor of an active certificate (operator).
#[utoipa::path(post, path = "/api/v1/certificates/{id}/renewal", tag = "certificates", request_body = CertificateUpload,
    params(("id" = String, Path, description = "The certificate being replaced")),
    responses((status = 201, body = Written<RegisteredCertificate>), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn renew_certificate(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<CertificateId>,
    ApiJson(body): ApiJson<CertificateUpload>,
) -> Result<(StatusCode, Json<Written<RegisteredCertificate>>), ApiError> {
    let bytes = body.bytes()?;
    Ok((StatusCode::CREATED, Json(Written::new(s.hub.renew_certificate(&p, id, &bytes).await?))))
}

/// Revoke a certificate with a reason (operator).
#[utoipa::path(post, path = "/api/v1/certificates/{id}/revocation", tag = "certificates", request_body = Revocation,
    params(("id" = String, Path, description = "Certificate id")),
    responses((status = 200, body = Written<RegisteredCertificate>), (status = 409, body = Problem), (status = 404, body = Problem)))]
async fn revoke_certificate(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<CertificateId>,
    ApiJson(body): ApiJson<Revocation>,
) -> Result<Json<Written<RegisteredCertificate>>, ApiError> {
    Ok(Json(Written::new(s.hub.revoke_certificate(&p, id, body.reason, body.revoked_at).await?)))
}
