//! RFC 9457 problem details. Every error response of the API is built here, from `HubError` or from a rejected
//! request, so status codes and wording are designed once.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use ecert_domain::FieldError;
use ecert_hub::HubError;
use serde::Serialize;
use utoipa::ToSchema;

/// An `application/problem+json` body.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A relative URI naming the problem kind, e.g. `/problems/invalid-input`.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// For invalid input: every rejected field and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For a rejected document: the stable reason code (`signature_invalid`, `out_of_scope`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// For a rejected document: the full validation report, when validation ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub report: Option<serde_json::Value>,
}

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    slug: &'static str,
    title: &'static str,
    detail: String,
    errors: Vec<FieldError>,
    code: Option<String>,
    /// Boxed: most errors carry no report, and `Result<_, ApiError>` stays small.
    report: Option<Box<serde_json::Value>>,
}

impl ApiError {
    pub fn new(status: StatusCode, slug: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        Self { status, slug, title, detail: detail.into(), errors: Vec::new(), code: None, report: None }
    }

    pub fn malformed(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "malformed-request", "Malformed request", detail)
    }

    pub fn invalid(errors: Vec<FieldError>) -> Self {
        let detail = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            slug: "invalid-input",
            title: "Invalid input",
            detail,
            errors,
            code: None,
            report: None,
        }
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl From<HubError> for ApiError {
    fn from(e: HubError) -> Self {
        match e {
            HubError::Unauthenticated { reason } => {
                tracing::debug!(reason, "authentication failed");
                Self::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthenticated",
                    "Authentication required",
                    "send a valid API key as 'Authorization: Bearer <key>'",
                )
            }
            HubError::Forbidden(p) => Self::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "Forbidden",
                format!("your institution's roles do not include the permission {p:?}"),
            ),
            HubError::NotFound(what) => {
                Self::new(StatusCode::NOT_FOUND, "not-found", "Not found", format!("{what} not found"))
            }
            HubError::Invalid(errors) => Self::invalid(errors.0),
            HubError::Conflict(detail) => Self::new(StatusCode::CONFLICT, "conflict", "Conflict", detail),
            HubError::Rejected(rejection) => {
                let mut error = Self::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "document-rejected",
                    "Document rejected",
                    rejection.detail,
                );
                error.code = Some(rejection.code.to_owned());
                error.report = rejection.report.map(Box::new);
                error
            }
            HubError::Login(failure) => {
                // The portal translates these itself; the API has no sign-in, so it answers neutrally.
                tracing::debug!(%failure, "portal sign-in failed");
                Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", "Authentication required", "sign-in failed")
            }
            HubError::Gone(detail) => Self::new(StatusCode::GONE, "gone", "Gone", detail),
            HubError::Internal(detail) => {
                // The detail may name internals; it goes to the log, the client gets a neutral message.
                tracing::error!(%detail, "internal error");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Internal error",
                    "the hub could not complete the request; nothing was changed",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let unauthenticated = self.status == StatusCode::UNAUTHORIZED;
        let body = Problem {
            problem_type: format!("/problems/{}", self.slug),
            title: self.title.to_owned(),
            status: self.status.as_u16(),
            detail: self.detail,
            errors: self.errors,
            code: self.code,
            report: self.report.map(|r| *r),
        };
        let json = serde_json::to_vec(&body).unwrap_or_default();
        let mut response = (self.status, [(header::CONTENT_TYPE, "application/problem+json")], json).into_response();
        if unauthenticated {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        response
    }
}

pub(crate) async fn not_found_fallback() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not-found", "Not found", "no such endpoint")
}

pub(crate) async fn method_not_allowed_fallback() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "Method not allowed",
        "this endpoint does not support that method",
    )
}
