//! Backend-specific failure paths: content damaged at rest is detected by the digest recorded at put, and
//! the filesystem layout never exposes a half-written blob.

use bytes::Bytes;
use ecert_blob::{BlobError, BlobKey, BlobStore, FsBlobStore, ReadOptions, S3BlobStore};
use futures_util::StreamExt;
use object_store::{Attribute, AttributeValue, Attributes, ObjectStore, ObjectStoreExt, PutOptions};
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

const LIMIT: u64 = 1024 * 1024;

fn key(s: &str) -> BlobKey {
    BlobKey::parse(s).unwrap()
}

fn fs_store() -> (tempfile::TempDir, FsBlobStore) {
    let tmp = tempfile::tempdir().unwrap();
    let store = FsBlobStore::open(tmp.path().join("cache"), LIMIT).unwrap();
    (tmp, store)
}

fn flip_last_byte(path: &std::path::Path) {
    let mut raw = std::fs::read(path).unwrap();
    let last = raw.len() - 1;
    raw[last] ^= 0x01;
    std::fs::write(path, raw).unwrap();
}

#[tokio::test]
async fn fs_flipped_bit_is_detected_by_digest() {
    let (_tmp, store) = fs_store();
    let content = Bytes::from(vec![7u8; 100_000]);
    store.put(&key("doc"), content.clone()).await.unwrap();
    flip_last_byte(&store.path_of(&key("doc")));

    match store.get_bytes(&key("doc"), ReadOptions::default()).await {
        Err(BlobError::DigestMismatch { expected, actual, .. }) => assert_ne!(expected, actual),
        other => panic!("expected a digest mismatch, got {other:?}"),
    }
    // Streaming delivers the content, then fails at the end: the consumer must abort the transfer.
    let stream = store.get_stream(&key("doc"), ReadOptions::default()).await.unwrap();
    let items: Vec<_> = stream.chunks.collect().await;
    assert!(matches!(items.last(), Some(Err(BlobError::DigestMismatch { .. }))));
    // Without verification the damaged bytes are returned as they are.
    let raw = store.get_bytes(&key("doc"), ReadOptions { verify: false, ..ReadOptions::default() }).await.unwrap();
    assert_ne!(raw, content);
    assert_eq!(raw.len(), content.len());
}

#[tokio::test]
async fn fs_truncated_file_is_reported_as_corrupted() {
    let (_tmp, store) = fs_store();
    store.put(&key("doc"), Bytes::from(vec![1u8; 1000])).await.unwrap();
    let path = store.path_of(&key("doc"));
    let raw = std::fs::read(&path).unwrap();
    std::fs::write(&path, &raw[..raw.len() - 10]).unwrap();
    assert!(matches!(store.get_bytes(&key("doc"), ReadOptions::default()).await, Err(BlobError::Corrupted { .. })));
    assert!(matches!(store.info(&key("doc")).await, Err(BlobError::Corrupted { .. })));
    // A replay of the same content does not paper over the damage.
    assert!(matches!(store.put(&key("doc"), Bytes::from(vec![1u8; 1000])).await, Err(BlobError::Corrupted { .. })));

    std::fs::write(&path, b"short").unwrap();
    assert!(matches!(store.get_bytes(&key("doc"), ReadOptions::default()).await, Err(BlobError::Corrupted { .. })));
}

#[tokio::test]
async fn fs_foreign_file_is_reported_as_corrupted() {
    let (_tmp, store) = fs_store();
    std::fs::write(store.path_of(&key("foreign")), vec![b'x'; 100]).unwrap();
    match store.get_bytes(&key("foreign"), ReadOptions::default()).await {
        Err(BlobError::Corrupted { reason, .. }) => assert!(reason.contains("header"), "{reason}"),
        other => panic!("expected Corrupted, got {other:?}"),
    }
}

#[tokio::test]
async fn fs_layout_keeps_blobs_inside_the_cache_dir_and_hides_temp_files() {
    let (tmp, store) = fs_store();
    store.put(&key("doc"), Bytes::from_static(b"%PDF")).await.unwrap();
    let names: Vec<String> =
        std::fs::read_dir(store.dir()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert_eq!(names, vec!["doc".to_owned()], "no temp file may survive a completed put");
    assert_eq!(store.path_of(&key("doc")).parent().unwrap(), tmp.path().join("cache"));

    // A temp file left by a crash mid-put is neither a blob nor listed, and is cleaned up.
    std::fs::write(store.dir().join(".tmp-crashed"), b"half").unwrap();
    std::fs::write(store.dir().join("README.txt"), b"operator note").unwrap();
    let later = OffsetDateTime::now_utc() + Duration::hours(1);
    let listed = store.list_older_than(later, 100).await.unwrap();
    assert_eq!(listed, vec![key("doc")]);
    assert_eq!(store.remove_stale_temp_files(OffsetDateTime::now_utc() - Duration::hours(1)).await.unwrap(), 0);
    assert_eq!(store.remove_stale_temp_files(later).await.unwrap(), 1);
    assert!(!store.dir().join(".tmp-crashed").exists());
    assert!(store.dir().join("README.txt").exists(), "only temp files are removed");
}

#[cfg(unix)]
#[tokio::test]
async fn fs_blobs_are_private_to_the_hub() {
    use std::os::unix::fs::PermissionsExt;
    let (_tmp, store) = fs_store();
    store.put(&key("doc"), Bytes::from_static(b"%PDF")).await.unwrap();
    let mode = std::fs::metadata(store.path_of(&key("doc"))).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "mode {mode:o} exposes the PDF to other users");
}

#[tokio::test]
async fn fs_io_failure_is_reported_with_its_path() {
    let tmp = tempfile::tempdir().unwrap();
    let not_a_dir = tmp.path().join("file");
    std::fs::write(&not_a_dir, b"x").unwrap();
    match FsBlobStore::open(not_a_dir.join("cache"), LIMIT) {
        Err(BlobError::Io { path, .. }) => assert!(path.ends_with("cache")),
        other => panic!("expected an I/O error, got {other:?}"),
    }
}

#[tokio::test]
async fn object_store_tampered_content_is_detected_by_digest() {
    let memory = Arc::new(object_store::memory::InMemory::new());
    let store = S3BlobStore::from_object_store(memory.clone(), "", LIMIT).unwrap();
    let receipt = store.put(&key("doc"), Bytes::from(vec![3u8; 4096])).await.unwrap();

    // Replace the object behind the store's back, keeping the recorded digest (bit rot, tampering).
    let mut attributes = Attributes::new();
    attributes.insert(Attribute::Metadata("sha256".into()), AttributeValue::from(receipt.sha256.to_hex()));
    let opts = PutOptions { attributes, ..PutOptions::default() };
    memory.put_opts(&store.path_of(&key("doc")), Bytes::from(vec![4u8; 4096]).into(), opts).await.unwrap();
    assert!(matches!(
        store.get_bytes(&key("doc"), ReadOptions::default()).await,
        Err(BlobError::DigestMismatch { .. })
    ));

    // An object without a recorded digest cannot be vouched for.
    memory.put(&store.path_of(&key("bare")), Bytes::from_static(b"x").into()).await.unwrap();
    assert!(matches!(store.get_bytes(&key("bare"), ReadOptions::default()).await, Err(BlobError::Corrupted { .. })));
}
