//! Append throughput (batched, in-memory store) and proof latency at 1,000,000 leaves.
//!
//! Run: `cargo bench -p ecert-translog --bench translog`

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use ecert_translog::{
    Hash, MemoryTree, append_leaves, consistency_proof, inclusion_proof, leaf_hash, root, verify_inclusion,
};

const MILLION: u64 = 1_000_000;

/// A leaf roughly the size of an encoded audit event.
fn event(i: u64) -> Vec<u8> {
    let mut data = format!("v1|document.delivered|inst-{}|doc-{i}|", i % 97).into_bytes();
    data.resize(160, b'x');
    data
}

fn million_leaf_tree() -> MemoryTree {
    let mut tree = MemoryTree::new();
    for chunk in 0..MILLION / 100_000 {
        let hashes: Vec<Hash> = (chunk * 100_000..(chunk + 1) * 100_000).map(|i| leaf_hash(&event(i))).collect();
        tree.append_hashes(&hashes).unwrap();
    }
    tree
}

fn appends(c: &mut Criterion, tree: &MemoryTree) {
    let mut group = c.benchmark_group("append");
    group.measurement_time(Duration::from_secs(5));
    for batch in [1usize, 100, 1_000, 10_000] {
        let leaves: Vec<Vec<u8>> = (MILLION..MILLION + batch as u64).map(event).collect();
        group.throughput(Throughput::Elements(batch as u64));
        // Leaf hashing + computing every new node against a 1M-leaf store.
        group.bench_function(format!("batch_{batch}_at_1M"), |b| {
            b.iter(|| {
                let hashes: Vec<Hash> = leaves.iter().map(|d| leaf_hash(d)).collect();
                black_box(append_leaves(tree, MILLION, &hashes).unwrap())
            })
        });
    }
    // Growing a store from empty, including keeping the nodes.
    let leaves: Vec<Vec<u8>> = (0..10_000).map(event).collect();
    group.throughput(Throughput::Elements(10_000));
    group.bench_function("grow_empty_to_10k_in_batches_of_1000", |b| {
        b.iter_batched(
            MemoryTree::new,
            |mut t| {
                for chunk in leaves.chunks(1_000) {
                    t.append_data(chunk).unwrap();
                }
                t
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn proofs(c: &mut Criterion, tree: &MemoryTree) {
    let mut group = c.benchmark_group("proof_at_1M");
    let size = MILLION;
    let r = root(tree, size).unwrap();
    let mut i = 0u64;
    group.bench_function("inclusion_proof", |b| {
        b.iter(|| {
            i = (i + 7_919) % size;
            black_box(inclusion_proof(tree, i, size).unwrap())
        })
    });
    group.bench_function("consistency_proof", |b| {
        b.iter(|| {
            i = (i + 7_919) % size;
            black_box(consistency_proof(tree, i + 1, size).unwrap())
        })
    });
    group.bench_function("root", |b| b.iter(|| black_box(root(tree, black_box(size)).unwrap())));
    let index = 123_457;
    let proof = inclusion_proof(tree, index, size).unwrap();
    let leaf = leaf_hash(&event(index));
    group.bench_function("verify_inclusion", |b| {
        b.iter(|| verify_inclusion(&leaf, index, size, black_box(&proof), &r).unwrap())
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    let tree = million_leaf_tree();
    appends(c, &tree);
    proofs(c, &tree);
}

criterion_group! {
    name = translog;
    config = Criterion::default().sample_size(20).warm_up_time(Duration::from_secs(1));
    targets = benches
}
criterion_main!(translog);
