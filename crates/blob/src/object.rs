//! The object-storage backend: any `object_store` implementation, S3-compatible storage in production
//! (see [`crate::S3Config`]) and `object_store::memory::InMemory` in tests.
//!
//! The SHA-256 recorded at put travels as user metadata (`x-amz-meta-sha256` on S3), written in the same
//! request as the content, so the object and its digest appear together. S3 PUTs are atomic and durable
//! once acknowledged, which gives the same guarantee as the filesystem backend's fsync dance.

use crate::digest::{DigestedBytes, Sha256Digest};
use crate::error::{BlobError, Result};
use crate::key::BlobKey;
use crate::{BlobInfo, BlobReceipt, BlobStore, BlobStream, ReadOptions, checked_stream};
use futures_util::{StreamExt, TryStreamExt};
use object_store::path::Path as ObjectPath;
use object_store::{
    Attribute, AttributeValue, Attributes, GetOptions, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload,
};
use std::sync::Arc;
use time::OffsetDateTime;

const DIGEST_ATTRIBUTE: &str = "sha256";

#[derive(Debug, Clone)]
pub struct S3BlobStore {
    store: Arc<dyn ObjectStore>,
    /// Keys live under this prefix, so one bucket can serve several deployments.
    prefix: ObjectPath,
    max_blob_size: u64,
}

impl S3BlobStore {
    /// Wraps any object store (the in-memory one in tests, a configured S3 client in production).
    pub fn from_object_store(store: Arc<dyn ObjectStore>, prefix: &str, max_blob_size: u64) -> Result<Self> {
        let prefix = ObjectPath::parse(prefix).map_err(|e| BlobError::Config(format!("prefix '{prefix}': {e}")))?;
        Ok(Self { store, prefix, max_blob_size })
    }

    /// An in-memory store, for tests and demos.
    pub fn in_memory(max_blob_size: u64) -> Self {
        Self { store: Arc::new(object_store::memory::InMemory::new()), prefix: ObjectPath::default(), max_blob_size }
    }

    pub fn object_store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// The object path holding `key`.
    pub fn path_of(&self, key: &BlobKey) -> ObjectPath {
        self.prefix.clone().join(key.as_str())
    }

    fn not_found_as(key: &BlobKey, err: object_store::Error) -> BlobError {
        match err {
            object_store::Error::NotFound { .. } => BlobError::NotFound(key.to_string()),
            other => BlobError::ObjectStore(other),
        }
    }

    async fn recorded_receipt(&self, key: &BlobKey) -> Result<BlobReceipt> {
        let head = GetOptions { head: true, ..GetOptions::default() };
        let result = self.store.get_opts(&self.path_of(key), head).await.map_err(|e| Self::not_found_as(key, e))?;
        Ok(BlobReceipt { sha256: recorded_digest(key, &result.attributes)?, size: result.meta.size })
    }
}

fn recorded_digest(key: &BlobKey, attributes: &Attributes) -> Result<Sha256Digest> {
    attributes
        .get(&Attribute::Metadata(DIGEST_ATTRIBUTE.into()))
        .and_then(|v| Sha256Digest::from_hex(v.as_ref()))
        .ok_or_else(|| BlobError::Corrupted { key: key.to_string(), reason: "no valid SHA-256 was recorded".into() })
}

#[async_trait::async_trait]
impl BlobStore for S3BlobStore {
    async fn put_digested(&self, key: &BlobKey, content: DigestedBytes) -> Result<BlobReceipt> {
        let size = content.len();
        if size > self.max_blob_size {
            return Err(BlobError::TooLarge { key: key.to_string(), size, limit: self.max_blob_size });
        }
        let receipt = BlobReceipt { sha256: content.sha256(), size };
        let bytes = content.into_bytes();
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::Metadata(DIGEST_ATTRIBUTE.into()), AttributeValue::from(receipt.sha256.to_hex()));
        attributes.insert(Attribute::ContentType, AttributeValue::from("application/pdf"));
        // Create-only: never silently replace a cached document.
        let options = PutOptions { mode: PutMode::Create, attributes, ..PutOptions::default() };
        match self.store.put_opts(&self.path_of(key), PutPayload::from_bytes(bytes), options).await {
            Ok(_) => Ok(receipt),
            Err(object_store::Error::AlreadyExists { .. } | object_store::Error::Precondition { .. }) => {
                let existing = self.recorded_receipt(key).await?;
                if existing == receipt {
                    Ok(existing)
                } else {
                    Err(BlobError::Conflict { key: key.to_string(), existing: existing.sha256.to_hex() })
                }
            }
            Err(e) => Err(BlobError::ObjectStore(e)),
        }
    }

    async fn get_stream(&self, key: &BlobKey, options: ReadOptions) -> Result<BlobStream> {
        let result = self.store.get(&self.path_of(key)).await.map_err(|e| Self::not_found_as(key, e))?;
        // The response head carries size and digest; refusing here never reads the body.
        let sha256 = recorded_digest(key, &result.attributes)?;
        let size = result.meta.size;
        if size > options.max_size {
            return Err(BlobError::TooLarge { key: key.to_string(), size, limit: options.max_size });
        }
        let chunks = result.into_stream().map_err(BlobError::ObjectStore).boxed();
        let chunks = checked_stream(key.clone(), options.verify.then_some(sha256), size, chunks);
        Ok(BlobStream { size, sha256, chunks })
    }

    async fn info(&self, key: &BlobKey) -> Result<BlobInfo> {
        let meta = self.store.head(&self.path_of(key)).await.map_err(|e| Self::not_found_as(key, e))?;
        Ok(BlobInfo {
            key: key.clone(),
            size: meta.size,
            stored_at: from_unix(meta.last_modified.timestamp(), meta.last_modified.timestamp_subsec_nanos()),
        })
    }

    async fn delete(&self, key: &BlobKey) -> Result<bool> {
        // S3 answers a DELETE of a missing object with success, so existence is asked first.
        let existed = self.exists(key).await?;
        match self.store.delete(&self.path_of(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(existed),
            Err(e) => Err(BlobError::ObjectStore(e)),
        }
    }

    async fn list_older_than(&self, cutoff: OffsetDateTime, limit: usize) -> Result<Vec<BlobKey>> {
        let prefix = (!self.prefix.as_ref().is_empty()).then_some(&self.prefix);
        let mut listing = self.store.list(prefix);
        let mut keys = Vec::new();
        while let Some(meta) = listing.next().await {
            let meta = meta?;
            let Some(name) = meta.location.filename() else { continue };
            // Objects directly under the prefix only; anything else in the bucket is not ours.
            if meta.location != self.prefix.clone().join(name) {
                continue;
            }
            let stored_at = from_unix(meta.last_modified.timestamp(), meta.last_modified.timestamp_subsec_nanos());
            if let Ok(key) = BlobKey::parse(name)
                && stored_at < cutoff
            {
                keys.push(key);
            }
        }
        keys.sort();
        keys.truncate(limit);
        Ok(keys)
    }
}

fn from_unix(seconds: i64, subsec_nanos: u32) -> OffsetDateTime {
    let nanos = i128::from(seconds) * 1_000_000_000 + i128::from(subsec_nanos);
    OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}
