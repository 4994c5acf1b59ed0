//! The temporary PDF cache (data layer L1 of Model A).
//!
//! A signed PDF lives here only between the issuer's push and the receiver's acknowledgement (or its
//! time-to-live). [`BlobStore`] is the one interface the hub uses; two backends implement it:
//! - [`FsBlobStore`], the default: files under `data_dir/cache`, written durably (temp file, fsync, atomic
//!   link into place, fsync of the directory) so a blob the hub answered 2xx for survives a crash, and a
//!   blob is never visible half-written;
//! - [`S3BlobStore`], any `object_store` backend: S3-compatible storage by configuration (feature `aws`), or
//!   the in-memory store for tests.
//!
//! Every blob carries the SHA-256 recorded when it was stored, so a reader can ask for the content to be
//! verified on the way out and corruption at rest is detected instead of being relayed.

mod config;
mod digest;
mod error;
mod fs;
mod key;
mod object;

pub use config::{BlobStoreConfig, S3Config};
pub use digest::{DigestedBytes, Sha256Digest};
pub use error::{BlobError, Result};
pub use fs::FsBlobStore;
pub use key::{BlobKey, MAX_KEY_LEN};
pub use object::S3BlobStore;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use time::OffsetDateTime;

/// Default upper bound for one blob: signed PDFs with embedded validation data stay well below it.
pub const DEFAULT_MAX_BLOB_SIZE: u64 = 64 * 1024 * 1024;

/// Default upper bound for one TTL listing, so a purge job works in bounded batches.
pub const DEFAULT_LIST_LIMIT: usize = 10_000;

/// What the store recorded when it accepted a blob. The hub logs it (L3 evidence, deletion events).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlobReceipt {
    pub sha256: Sha256Digest,
    pub size: u64,
}

/// A stored blob's description, without its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobInfo {
    pub key: BlobKey,
    pub size: u64,
    pub stored_at: OffsetDateTime,
}

/// How to read a blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// Refuse (with [`BlobError::TooLarge`]) a blob larger than this, before reading any of it.
    pub max_size: u64,
    /// Recompute the SHA-256 while reading and fail on a mismatch with the digest recorded at `put`.
    pub verify: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self { max_size: DEFAULT_MAX_BLOB_SIZE, verify: true }
    }
}

/// A blob's content as a stream of chunks. With verification on, a digest mismatch arrives as the last
/// item (an error) after all content chunks: a streaming consumer must treat the transfer as failed then.
pub struct BlobStream {
    pub size: u64,
    pub sha256: Sha256Digest,
    pub chunks: BoxStream<'static, Result<Bytes>>,
}

impl std::fmt::Debug for BlobStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobStream").field("size", &self.size).field("sha256", &self.sha256).finish_non_exhaustive()
    }
}

impl BlobStream {
    /// Collects the whole stream; the size was checked against the read limit when the stream was opened.
    pub async fn into_bytes(self) -> Result<Bytes> {
        use futures_util::TryStreamExt;
        let capacity = usize::try_from(self.size).unwrap_or(0);
        let buf = self
            .chunks
            .try_fold(Vec::with_capacity(capacity), |mut buf, chunk| async move {
                buf.extend_from_slice(&chunk);
                Ok(buf)
            })
            .await?;
        Ok(Bytes::from(buf))
    }
}

/// The temporary PDF cache. Object-safe: the hub holds an `Arc<dyn BlobStore>` chosen by configuration.
#[async_trait::async_trait]
pub trait BlobStore: Send + Sync + std::fmt::Debug {
    /// Stores `content` under `key`. When this returns `Ok`, the blob is durable and complete.
    /// Storing the same content again under the same key is an idempotent replay and returns the same
    /// receipt; different content under an existing key is refused with [`BlobError::Conflict`].
    async fn put_digested(&self, key: &BlobKey, content: DigestedBytes) -> Result<BlobReceipt>;

    /// [`BlobStore::put_digested`] for bytes not hashed yet.
    async fn put(&self, key: &BlobKey, bytes: Bytes) -> Result<BlobReceipt> {
        self.put_digested(key, DigestedBytes::new(bytes)).await
    }

    /// Opens a blob for streaming.
    async fn get_stream(&self, key: &BlobKey, options: ReadOptions) -> Result<BlobStream>;

    /// Reads a whole blob into memory (bounded by `options.max_size`).
    async fn get_bytes(&self, key: &BlobKey, options: ReadOptions) -> Result<Bytes> {
        self.get_stream(key, options).await?.into_bytes().await
    }

    /// Size and storage time of a blob.
    async fn info(&self, key: &BlobKey) -> Result<BlobInfo>;

    /// Deletes a blob. Idempotent: returns whether it existed.
    async fn delete(&self, key: &BlobKey) -> Result<bool>;

    async fn exists(&self, key: &BlobKey) -> Result<bool> {
        match self.info(key).await {
            Ok(_) => Ok(true),
            Err(BlobError::NotFound(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Keys of blobs stored strictly before `cutoff`, at most `limit` of them, in key order (for TTL purges).
    async fn list_older_than(&self, cutoff: OffsetDateTime, limit: usize) -> Result<Vec<BlobKey>>;
}

/// Wraps a chunk stream so it fails if it yields more or fewer bytes than recorded (always: the read limit
/// was checked against the recorded size) or, when `expected` is given, if its SHA-256 differs.
pub(crate) fn checked_stream(
    key: BlobKey,
    expected: Option<Sha256Digest>,
    expected_size: u64,
    chunks: BoxStream<'static, Result<Bytes>>,
) -> BoxStream<'static, Result<Bytes>> {
    use futures_util::StreamExt;
    struct State {
        inner: BoxStream<'static, Result<Bytes>>,
        hasher: Option<digest::Hasher>,
        seen: u64,
        done: bool,
    }
    let corrupted = |key: &BlobKey, reason: String| BlobError::Corrupted { key: key.to_string(), reason };
    let state = State { inner: chunks, hasher: expected.map(|_| digest::Hasher::new()), seen: 0, done: false };
    futures_util::stream::unfold(state, move |mut st| {
        let key = key.clone();
        async move {
            if st.done {
                return None;
            }
            let item = match st.inner.next().await {
                Some(Ok(chunk)) => {
                    st.seen = st.seen.saturating_add(chunk.len() as u64);
                    if st.seen > expected_size {
                        Err(corrupted(&key, format!("more than the recorded {expected_size} bytes")))
                    } else {
                        if let Some(h) = st.hasher.as_mut() {
                            h.update(&chunk);
                        }
                        return Some((Ok(chunk), st));
                    }
                }
                Some(Err(e)) => Err(e),
                None if st.seen != expected_size => {
                    Err(corrupted(&key, format!("{} bytes instead of the recorded {expected_size}", st.seen)))
                }
                None => match (st.hasher.take().map(digest::Hasher::finish), expected) {
                    (Some(actual), Some(expected)) if actual != expected => Err(BlobError::DigestMismatch {
                        key: key.to_string(),
                        expected: expected.to_string(),
                        actual: actual.to_string(),
                    }),
                    _ => return None,
                },
            };
            // After an error the stream ends: nothing read past a failure can be trusted.
            st.done = true;
            Some((item, st))
        }
    })
    .boxed()
}
