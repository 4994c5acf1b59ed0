//! What the exchange use cases take and return: plain data the server serialises as is.

use ecert_domain::document::{NewDocumentMetadata, StatusChange};
use ecert_store::Receipt;
use ecert_store::exchange::{DocumentRecord, ExchangeRecord, ExchangeWithDocument, WebhookRecord};
use serde::Serialize;

/// A push: the signed PDF and its metadata. The issuing CAB is the caller, never part of the payload.
#[derive(Debug, Clone)]
pub struct PushRequest {
    pub metadata: NewDocumentMetadata,
    pub pdf: bytes::Bytes,
    /// The client's `Idempotency-Key`: a retry with the same key and content returns the original result.
    pub idempotency_key: Option<String>,
}

/// The answer to an accepted push (or to a replay of one).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct Submission {
    /// The hub reference is `document.id`.
    pub document: DocumentRecord,
    pub exchanges: Vec<ExchangeRecord>,
    /// The validation report (the verdict) as stored in the evidence layer.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub report: serde_json::Value,
    /// The audit log receipt of the `document_submitted` event.
    pub receipt: Receipt,
    /// True when this answers a replay of an earlier push: nothing new was stored.
    pub replayed: bool,
    /// The document's public authenticity page is `/v/<public_token>`: the issuer's to print or share.
    pub public_token: String,
}

/// A document as its issuer (or the operator) sees it: metadata, delivery per receiver, status history.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct DocumentDetail {
    pub document: DocumentRecord,
    pub exchanges: Vec<ExchangeRecord>,
    pub status_history: Vec<StatusChange>,
    /// The validation report, until the evidence layer's retention purges it.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub report: Option<serde_json::Value>,
    /// The public authenticity page is `/v/<public_token>`: shown to the issuer only.
    pub public_token: Option<String>,
}

/// One exchange as its receiver (or the issuer, or the operator) sees it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct ExchangeDetail {
    pub exchange: ExchangeRecord,
    pub document: DocumentRecord,
    pub status_history: Vec<StatusChange>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub report: Option<serde_json::Value>,
}

/// A page of pull polling: the receiver's exchanges changed after the cursor it sent, oldest change first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct Changes {
    pub items: Vec<ExchangeWithDocument>,
    /// Send this as `since` next time (unchanged when nothing was new).
    pub next_cursor: u64,
}

/// A cached PDF on its way to the receiver.
#[derive(Debug)]
pub struct PdfDownload {
    pub stream: ecert_blob::BlobStream,
    /// A safe file name for `Content-Disposition` (derived from the issuer's document number).
    pub file_name: String,
}

/// A newly registered webhook endpoint with its signing secret, shown this once.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct RegisteredWebhook {
    pub webhook: WebhookRecord,
    pub secret: String,
    pub receipt: Receipt,
}
