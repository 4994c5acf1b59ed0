//! Background work from the job table: webhook notifications with retries, PDF deletion (after receipt and on
//! TTL), retention purges, and the sweep of orphaned cache files.
//!
//! The server runs [`Hub::ensure_recurring_jobs`] once at start and spawns [`Hub::run_worker`]; every hub
//! process sharing a database may run a worker, since each job is leased to one worker at a time.

mod deletion;
mod kinds;
mod notify;
mod secret;
mod sweep;
mod webhook;
mod worker;

pub use deletion::reason_code;
pub use kinds::{JobKind, NotificationType};
pub use secret::{
    DEFAULT_SIGNATURE_TOLERANCE, MAX_SIGNATURE_HEADER_LEN, SECRET_PREFIX, SIGNATURE_HEADER, SignatureError,
    sign_notification, verify_notification_signature,
};
pub use sweep::{ORPHAN_MIN_AGE, SWEEP_INTERVAL, SweepReport};
pub(crate) use webhook::is_public_ip;
pub use webhook::{DeliveryOutcome, NOTIFICATION_ID_HEADER, Notification, WebhookClient};
pub use worker::{WORKER_BATCH, backoff};

use crate::exchange::pdf_blob_key;
use ecert_blob::BlobKey;
use ecert_domain::ids::DocumentId;

/// The document a cache key names, if it is exactly the key [`pdf_blob_key`] gives that document; anything
/// else in the cache was not written by the hub for a document.
fn document_of_pdf_key(key: &BlobKey) -> Option<DocumentId> {
    let id: DocumentId = key.as_str().strip_prefix("pdf-")?.parse().ok()?;
    (pdf_blob_key(id).ok()? == *key).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_keys_round_trip_and_foreign_keys_are_ignored() {
        let id = DocumentId::new();
        let key = pdf_blob_key(id).unwrap();
        assert_eq!(key.as_str(), format!("pdf-{id}"));
        assert_eq!(document_of_pdf_key(&key), Some(id));
        let simple = id.0.simple().to_string();
        for other in ["pdf-1", "report-abc", "pdf", &format!("pdf-{simple}"), &format!("x-{id}")] {
            assert_eq!(document_of_pdf_key(&BlobKey::parse(other).unwrap()), None, "{other}");
        }
    }
}
