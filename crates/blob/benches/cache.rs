//! Blob cache throughput for 200 KB signed PDFs (the size of issue 6's load benchmark): a durable put on the
//! filesystem backend (two fsyncs: file and directory), a verified read, and the same on the in-memory
//! object-store backend as the floor without disk I/O. `put_200k_x16_concurrent` measures 16 puts in flight
//! (one iteration = 16 blobs), which is how the hub's upload path uses the cache.
//!
//! Run: `cargo bench -p ecert-blob --bench cache`

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ecert_blob::{BlobKey, BlobStore, DEFAULT_MAX_BLOB_SIZE, FsBlobStore, ReadOptions, S3BlobStore};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

const PDF_SIZE: usize = 200 * 1024;

fn bench_backend(c: &mut Criterion, name: &str, store: Arc<dyn BlobStore>) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let content = Bytes::from((0..PDF_SIZE).map(|i| (i % 251) as u8).collect::<Vec<u8>>());
    let counter = AtomicU64::new(0);
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Bytes(PDF_SIZE as u64));
    group.bench_function("put_200k", |b| {
        b.iter(|| {
            let key = BlobKey::parse(&format!("put-{}", counter.fetch_add(1, Ordering::Relaxed))).unwrap();
            rt.block_on(store.put(&key, content.clone())).unwrap()
        })
    });
    // The hub stores uploads concurrently; fsyncs of different files overlap on the device.
    group.throughput(Throughput::Bytes(16 * PDF_SIZE as u64));
    group.bench_function("put_200k_x16_concurrent", |b| {
        b.iter(|| {
            rt.block_on(async {
                let tasks: Vec<_> = (0..16)
                    .map(|_| {
                        let store = store.clone();
                        let content = content.clone();
                        let key = BlobKey::parse(&format!("put-{}", counter.fetch_add(1, Ordering::Relaxed))).unwrap();
                        tokio::spawn(async move { store.put(&key, content).await })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap().unwrap();
                }
            })
        })
    });
    group.throughput(Throughput::Bytes(PDF_SIZE as u64));
    let key = BlobKey::parse("read-me").unwrap();
    rt.block_on(store.put(&key, content.clone())).unwrap();
    group.bench_function("get_200k_verified", |b| {
        b.iter(|| rt.block_on(store.get_bytes(&key, ReadOptions::default())).unwrap())
    });
    group.finish();
}

fn bench_cache(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let fs = FsBlobStore::open(dir.path().join("cache"), DEFAULT_MAX_BLOB_SIZE).unwrap();
    bench_backend(c, "fs", Arc::new(fs));
    bench_backend(c, "in_memory", Arc::new(S3BlobStore::in_memory(DEFAULT_MAX_BLOB_SIZE)));
}

criterion_group!(benches, bench_cache);
criterion_main!(benches);
