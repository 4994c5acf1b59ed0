//! One behavioural suite, run against every backend through `dyn BlobStore`: the filesystem store and the
//! object-store backend over `object_store::memory::InMemory` must be interchangeable.

use bytes::Bytes;
use ecert_blob::{BlobError, BlobKey, BlobStore, FsBlobStore, ReadOptions, S3BlobStore, Sha256Digest};
use futures_util::StreamExt;
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

const LIMIT: u64 = 1024 * 1024;

fn key(s: &str) -> BlobKey {
    BlobKey::parse(s).unwrap()
}

/// Content larger than one read chunk, so streaming really yields several chunks.
fn pdf_like(len: usize, seed: u8) -> Bytes {
    let mut v = b"%PDF-1.7\n".to_vec();
    v.extend((0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)));
    Bytes::from(v)
}

async fn put_then_get_round_trips(store: &dyn BlobStore) {
    let content = pdf_like(200_000, 1);
    let receipt = store.put(&key("doc-1"), content.clone()).await.unwrap();
    assert_eq!(receipt.size, content.len() as u64);
    assert_eq!(receipt.sha256, Sha256Digest::of(&content));

    let read = store.get_bytes(&key("doc-1"), ReadOptions::default()).await.unwrap();
    assert_eq!(read, content);

    let stream = store.get_stream(&key("doc-1"), ReadOptions::default()).await.unwrap();
    assert_eq!(stream.size, content.len() as u64);
    assert_eq!(stream.sha256, receipt.sha256);
    let chunks: Vec<_> = stream.chunks.collect().await;
    assert!(!chunks.is_empty());
    let joined: Vec<u8> = chunks.into_iter().flat_map(|c| c.unwrap().to_vec()).collect();
    assert_eq!(joined, content);

    let unverified = ReadOptions { verify: false, ..ReadOptions::default() };
    assert_eq!(store.get_bytes(&key("doc-1"), unverified).await.unwrap(), content);

    let info = store.info(&key("doc-1")).await.unwrap();
    assert_eq!(info.size, content.len() as u64);
    assert!(info.stored_at <= OffsetDateTime::now_utc() + Duration::seconds(5));
}

async fn empty_blob_is_allowed(store: &dyn BlobStore) {
    let receipt = store.put(&key("empty"), Bytes::new()).await.unwrap();
    assert_eq!(receipt.size, 0);
    assert_eq!(store.get_bytes(&key("empty"), ReadOptions::default()).await.unwrap(), Bytes::new());
}

async fn replay_is_idempotent_and_conflict_is_refused(store: &dyn BlobStore) {
    let first = store.put(&key("replay"), pdf_like(1000, 2)).await.unwrap();
    let again = store.put(&key("replay"), pdf_like(1000, 2)).await.unwrap();
    assert_eq!(first, again);
    match store.put(&key("replay"), pdf_like(1000, 3)).await {
        Err(BlobError::Conflict { existing, .. }) => assert_eq!(existing, first.sha256.to_hex()),
        other => panic!("expected a conflict, got {other:?}"),
    }
    // The original content survived the refused overwrite.
    assert_eq!(store.get_bytes(&key("replay"), ReadOptions::default()).await.unwrap(), pdf_like(1000, 2));
}

async fn missing_blob_is_not_found_everywhere(store: &dyn BlobStore) {
    let k = key("never-stored");
    assert!(matches!(store.get_bytes(&k, ReadOptions::default()).await, Err(BlobError::NotFound(_))));
    assert!(matches!(store.get_stream(&k, ReadOptions::default()).await, Err(BlobError::NotFound(_))));
    assert!(matches!(store.info(&k).await, Err(BlobError::NotFound(_))));
    assert!(!store.exists(&k).await.unwrap());
}

async fn delete_is_idempotent(store: &dyn BlobStore) {
    store.put(&key("to-delete"), pdf_like(10, 4)).await.unwrap();
    assert!(store.exists(&key("to-delete")).await.unwrap());
    assert!(store.delete(&key("to-delete")).await.unwrap());
    assert!(!store.exists(&key("to-delete")).await.unwrap());
    assert!(!store.delete(&key("to-delete")).await.unwrap());
    assert!(matches!(store.get_bytes(&key("to-delete"), ReadOptions::default()).await, Err(BlobError::NotFound(_))));
    // A deleted key can be used again (a re-push after the PDF was purged).
    store.put(&key("to-delete"), pdf_like(10, 5)).await.unwrap();
    assert_eq!(store.get_bytes(&key("to-delete"), ReadOptions::default()).await.unwrap(), pdf_like(10, 5));
}

async fn size_limits_apply_to_put_and_get(store: &dyn BlobStore) {
    let too_big = Bytes::from(vec![0u8; LIMIT as usize + 1]);
    match store.put(&key("too-big"), too_big).await {
        Err(BlobError::TooLarge { size, limit, .. }) => assert_eq!((size, limit), (LIMIT + 1, LIMIT)),
        other => panic!("expected TooLarge, got {other:?}"),
    }
    assert!(!store.exists(&key("too-big")).await.unwrap(), "a refused put must leave nothing behind");

    store.put(&key("medium"), pdf_like(5000, 6)).await.unwrap();
    let small_limit = ReadOptions { max_size: 100, verify: true };
    assert!(matches!(store.get_bytes(&key("medium"), small_limit).await, Err(BlobError::TooLarge { .. })));
    assert!(matches!(store.get_stream(&key("medium"), small_limit).await, Err(BlobError::TooLarge { .. })));
}

async fn ttl_listing_respects_cutoff_and_limit(store: &dyn BlobStore) {
    for name in ["ttl-c", "ttl-a", "ttl-b"] {
        store.put(&key(name), pdf_like(10, 7)).await.unwrap();
    }
    let past = OffsetDateTime::now_utc() - Duration::hours(1);
    assert!(store.list_older_than(past, 100).await.unwrap().is_empty());

    let future = OffsetDateTime::now_utc() + Duration::hours(1);
    let all = store.list_older_than(future, 100).await.unwrap();
    let ttl: Vec<&str> = all.iter().map(BlobKey::as_str).filter(|k| k.starts_with("ttl-")).collect();
    assert_eq!(ttl, vec!["ttl-a", "ttl-b", "ttl-c"]);
    assert!(all.windows(2).all(|w| w[0] < w[1]), "listing is sorted");
    assert_eq!(store.list_older_than(future, 2).await.unwrap().len(), 2);
}

async fn concurrent_puts_of_one_key_agree(store: Arc<dyn BlobStore>) {
    let content = pdf_like(50_000, 8);
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            let content = content.clone();
            tokio::spawn(async move { store.put(&key("racy"), content).await })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap().sha256, Sha256Digest::of(&content));
    }
    assert_eq!(store.get_bytes(&key("racy"), ReadOptions::default()).await.unwrap(), content);
}

async fn concurrent_puts_of_different_content_have_one_winner(store: Arc<dyn BlobStore>) {
    let tasks: Vec<_> = (0..6u8)
        .map(|seed| {
            let store = store.clone();
            tokio::spawn(async move { (seed, store.put(&key("contested"), pdf_like(20_000, seed)).await) })
        })
        .collect();
    let mut winners = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            (seed, Ok(_)) => winners.push(seed),
            (_, Err(BlobError::Conflict { .. })) => {}
            (_, Err(e)) => panic!("unexpected error {e}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one writer may win, got {winners:?}");
    let stored = store.get_bytes(&key("contested"), ReadOptions::default()).await.unwrap();
    assert_eq!(stored, pdf_like(20_000, winners[0]), "the stored blob is the winner's, whole");
}

async fn run_suite(store: Arc<dyn BlobStore>) {
    put_then_get_round_trips(store.as_ref()).await;
    empty_blob_is_allowed(store.as_ref()).await;
    replay_is_idempotent_and_conflict_is_refused(store.as_ref()).await;
    missing_blob_is_not_found_everywhere(store.as_ref()).await;
    delete_is_idempotent(store.as_ref()).await;
    size_limits_apply_to_put_and_get(store.as_ref()).await;
    ttl_listing_respects_cutoff_and_limit(store.as_ref()).await;
    concurrent_puts_of_one_key_agree(store.clone()).await;
    concurrent_puts_of_different_content_have_one_winner(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filesystem_backend_passes_the_suite() {
    let tmp = tempfile::tempdir().unwrap();
    run_suite(Arc::new(FsBlobStore::open(tmp.path().join("cache"), LIMIT).unwrap())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn object_store_backend_passes_the_suite() {
    run_suite(Arc::new(S3BlobStore::in_memory(LIMIT))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn object_store_backend_with_prefix_passes_the_suite() {
    let memory = Arc::new(object_store::memory::InMemory::new());
    let store = S3BlobStore::from_object_store(memory.clone(), "ecert/cache", LIMIT).unwrap();
    run_suite(Arc::new(store)).await;
    // Objects outside the prefix (another deployment sharing the bucket) are never listed as ours.
    use object_store::ObjectStoreExt;
    memory.put(&object_store::path::Path::from("other/stranger"), Bytes::from_static(b"x").into()).await.unwrap();
    let listed = S3BlobStore::from_object_store(memory, "ecert/cache", LIMIT)
        .unwrap()
        .list_older_than(OffsetDateTime::now_utc() + Duration::hours(1), 100)
        .await
        .unwrap();
    assert!(listed.iter().all(|k| k.as_str() != "stranger"));
}
