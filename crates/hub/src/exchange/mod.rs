//! Model A exchanges: push (validate, authorise, route, store the five layers), receive (list, poll, read,
//! download, reply), the issuer's status changes, and the operator's statistics.

mod bundle;
mod evidence;
mod push;
mod receive;
pub(crate) mod registry_cache;
mod settings;
mod status;
// The verification service reuses the registry reads and the trust context.
pub(crate) mod trust;
mod views;
mod webhooks;

pub use push::MAX_IDEMPOTENCY_KEY_LEN;
pub(crate) use push::new_public_token;
pub use settings::{ExchangeServices, ExchangeSettings, WebhookKey};
/// The stable `code` values of a rejected push.
pub use trust::codes as rejection_codes;
pub use views::{Changes, DocumentDetail, ExchangeDetail, PdfDownload, PushRequest, RegisteredWebhook, Submission};
pub use webhooks::{MAX_WEBHOOK_URL_LEN, MAX_WEBHOOKS_PER_INSTITUTION};

use crate::{HubError, Result};
use ecert_blob::BlobKey;
use ecert_domain::ids::DocumentId;

/// The blob key of a document's cached PDF (L1). The one place that names it, for the push, the download and
/// the deletion job alike.
pub fn pdf_blob_key(document: DocumentId) -> Result<BlobKey> {
    // A hyphenated lower-case UUID behind a fixed prefix always parses; the error path only guards the invariant.
    BlobKey::parse(&format!("pdf-{document}"))
        .map_err(|e| HubError::Internal(format!("blob key of document {document}: {e}")))
}

/// `t` at the precision the store keeps (milliseconds), so a record returned fresh equals the same record
/// read back later.
pub(crate) fn stored_precision(t: time::OffsetDateTime) -> time::OffsetDateTime {
    t.replace_nanosecond(t.nanosecond() / 1_000_000 * 1_000_000).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_key_names_the_document() {
        let id = DocumentId::new();
        assert_eq!(pdf_blob_key(id).unwrap().as_str(), format!("pdf-{id}"));
    }

    #[test]
    fn times_are_kept_to_the_millisecond() {
        let t = time::macros::datetime!(2026-06-01 12:00:00.123456789 UTC);
        assert_eq!(stored_precision(t), time::macros::datetime!(2026-06-01 12:00:00.123 UTC));
    }
}
