//! What the exchange use cases need beyond the store: the PDF cache, the retention policy, limits, and the key
//! webhook secrets are derived from.

use ecert_blob::BlobStore;
use ecert_domain::exchange::RetentionPolicy;
use std::sync::Arc;
use std::time::Duration;

/// Tunables of the exchange, from the `[exchange]` and `[retention]` config sections.
#[derive(Debug, Clone)]
pub struct ExchangeSettings {
    pub retention: RetentionPolicy,
    /// Largest PDF accepted by a push (the HTTP layer enforces it too, with 413).
    pub max_pdf_bytes: u64,
    /// Webhook attempts before a delivery is FAILED_DELIVERY.
    pub webhook_max_attempts: u32,
    /// First retry delay; doubles per attempt up to `webhook_max_backoff`.
    pub webhook_initial_backoff: Duration,
    pub webhook_max_backoff: Duration,
    /// Per-request timeout of a webhook call.
    pub webhook_timeout: Duration,
    /// Allow `http://` webhook URLs (demo and tests); production requires https.
    pub allow_insecure_webhooks: bool,
    /// After a first download, how long the PDF stays in case the transfer broke (trigger `on_first_download`).
    pub download_grace: Duration,
}

impl Default for ExchangeSettings {
    fn default() -> Self {
        Self {
            retention: RetentionPolicy::default(),
            max_pdf_bytes: 20 * 1024 * 1024,
            webhook_max_attempts: 8,
            webhook_initial_backoff: Duration::from_secs(30),
            webhook_max_backoff: Duration::from_secs(3600),
            webhook_timeout: Duration::from_secs(10),
            allow_insecure_webhooks: false,
            download_grace: Duration::from_secs(600),
        }
    }
}

/// The hub's webhook key (32 random bytes in `data_dir/webhook-key`). Each endpoint's HMAC secret is
/// HMAC-SHA256(key, endpoint id), so no signing secret is stored in the database.
#[derive(Clone)]
pub struct WebhookKey(pub(crate) [u8; 32]);

impl std::fmt::Debug for WebhookKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookKey(..)")
    }
}

impl WebhookKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }
}

/// Everything the exchange needs at run time, shared by clones of the hub.
#[derive(Debug, Clone)]
pub struct ExchangeServices {
    pub blobs: Arc<dyn BlobStore>,
    pub settings: ExchangeSettings,
    pub webhook_key: WebhookKey,
}

/// The webhook key's file in the data directory (32 random bytes, mode 0600).
pub const WEBHOOK_KEY_FILE: &str = "webhook-key";

impl WebhookKey {
    /// Loads the webhook key from `data_dir`, or generates it on first start. Hub processes that share a
    /// database must share this file, as they share the audit log key.
    pub fn load_or_create(data_dir: &std::path::Path) -> crate::Result<Self> {
        let path = data_dir.join(WEBHOOK_KEY_FILE);
        let generate = || {
            let mut key = vec![0u8; 32];
            aws_lc_rs::rand::fill(&mut key).map_err(|_| std::io::Error::other("no randomness"))?;
            Ok(key)
        };
        let (bytes, _) = crate::keyfile::load_or_create(&path, generate)
            .map_err(|e| crate::HubError::Internal(format!("webhook key {}: {e}", path.display())))?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| crate::HubError::Internal(format!("webhook key {}: not 32 bytes", path.display())))?;
        Ok(Self(key))
    }
}

impl ExchangeServices {
    /// The defaults for a data directory: the filesystem PDF cache under it and its webhook key.
    pub fn for_data_dir(data_dir: &std::path::Path, settings: ExchangeSettings) -> crate::Result<Self> {
        let blobs = ecert_blob::FsBlobStore::under_data_dir(data_dir, settings.max_pdf_bytes)
            .map_err(|e| crate::HubError::Internal(format!("PDF cache: {e}")))?;
        Ok(Self { blobs: Arc::new(blobs), settings, webhook_key: WebhookKey::load_or_create(data_dir)? })
    }
}
