//! Proofs served from stored full subtrees agree with a naive recursive
//! RFC 6962 / RFC 9162 implementation, for every size 1..=70 and every
//! index or size pair; the verifiers accept them and reject tampering.

use ecert_translog::{
    Error, Hash, MemoryTree, NodeReader, append_leaf, consistency_proof, empty_root, inclusion_proof, leaf_hash,
    node_hash, root, root_from_inclusion_proof, verify_consistency, verify_inclusion,
};

const MAX: u64 = 70;

fn leaf_data(i: u64) -> Vec<u8> {
    format!("leaf {i}").into_bytes()
}

/// Largest power of two strictly smaller than n (n > 1).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// MTH(D[n]) by the RFC 6962 recursion.
fn mth(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
        }
    }
}

/// PATH(m, D[n]) by the RFC 6962 recursion.
fn path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
    let n = leaves.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = split(n);
    if m < k {
        let mut p = path(m, &leaves[..k]);
        p.push(mth(&leaves[k..]));
        p
    } else {
        let mut p = path(m - k, &leaves[k..]);
        p.push(mth(&leaves[..k]));
        p
    }
}

/// SUBPROOF(m, D[n], b) by the RFC 6962 recursion.
fn subproof(m: usize, leaves: &[Hash], complete: bool) -> Vec<Hash> {
    let n = leaves.len();
    if m == n {
        return if complete { Vec::new() } else { vec![mth(leaves)] };
    }
    let k = split(n);
    if m <= k {
        let mut p = subproof(m, &leaves[..k], complete);
        p.push(mth(&leaves[k..]));
        p
    } else {
        let mut p = subproof(m - k, &leaves[k..], false);
        p.push(mth(&leaves[..k]));
        p
    }
}

fn build() -> (MemoryTree, Vec<Hash>) {
    let mut tree = MemoryTree::new();
    let leaves: Vec<Hash> = (0..MAX).map(|i| leaf_hash(&leaf_data(i))).collect();
    // Mixed batch sizes exercise both the single and the batched append.
    let mut at = 0usize;
    for batch in [1usize, 1, 3, 2, 7, 1, 16, 5, 34] {
        tree.append_hashes(&leaves[at..at + batch]).unwrap();
        at += batch;
    }
    assert_eq!(tree.size(), MAX);
    (tree, leaves)
}

#[test]
fn roots_match_naive_for_every_size() {
    let (tree, leaves) = build();
    for n in 0..=MAX as usize {
        assert_eq!(root(&tree, n as u64).unwrap(), mth(&leaves[..n]), "size {n}");
    }
}

#[test]
fn inclusion_proofs_match_naive_and_verify() {
    let (tree, leaves) = build();
    for n in 1..=MAX as usize {
        let r = mth(&leaves[..n]);
        for m in 0..n {
            let proof = inclusion_proof(&tree, m as u64, n as u64).unwrap();
            assert_eq!(proof, path(m, &leaves[..n]), "index {m} size {n}");
            verify_inclusion(&leaves[m], m as u64, n as u64, &proof, &r).unwrap();
            assert_eq!(root_from_inclusion_proof(&leaves[m], m as u64, n as u64, &proof).unwrap(), r);
            // Every single-bit flip in the proof is caught.
            for j in 0..proof.len() {
                let mut bad = proof.clone();
                let mut bytes = *bad[j].as_bytes();
                bytes[j % 32] ^= 1;
                bad[j] = Hash::from_bytes(bytes);
                assert!(matches!(
                    verify_inclusion(&leaves[m], m as u64, n as u64, &bad, &r),
                    Err(Error::RootMismatch { .. })
                ));
            }
            // A proof for another index with the same length does not verify.
            let other = (m + 1) % n;
            if other != m {
                let res = verify_inclusion(&leaves[other], m as u64, n as u64, &proof, &r);
                assert!(res.is_err(), "index {m} size {n}");
            }
        }
    }
}

#[test]
fn consistency_proofs_match_naive_and_verify() {
    let (tree, leaves) = build();
    for n in 1..=MAX as usize {
        let rn = mth(&leaves[..n]);
        for m in 1..=n {
            let rm = mth(&leaves[..m]);
            let proof = consistency_proof(&tree, m as u64, n as u64).unwrap();
            let naive = if m == n { Vec::new() } else { subproof(m, &leaves[..n], true) };
            assert_eq!(proof, naive, "m {m} n {n}");
            verify_consistency(m as u64, n as u64, &proof, &rm, &rn).unwrap();
            if m < n {
                let mut bad = proof.clone();
                let last = bad.len() - 1;
                let mut bytes = *bad[last].as_bytes();
                bytes[0] ^= 0x80;
                bad[last] = Hash::from_bytes(bytes);
                assert!(matches!(
                    verify_consistency(m as u64, n as u64, &bad, &rm, &rn),
                    Err(Error::RootMismatch { .. })
                ));
                // Swapping the roots fails too.
                assert!(verify_consistency(m as u64, n as u64, &proof, &rn, &rm).is_err());
            }
        }
    }
}

/// Reads are O(log n): a reader that counts requested nodes.
struct Counting<'a> {
    inner: &'a MemoryTree,
    requested: std::cell::Cell<usize>,
    calls: std::cell::Cell<usize>,
}

impl NodeReader for Counting<'_> {
    type Error = Error;
    fn nodes(&self, ids: &[ecert_translog::NodeId]) -> Result<Vec<Hash>, Error> {
        self.requested.set(self.requested.get() + ids.len());
        self.calls.set(self.calls.get() + 1);
        self.inner.nodes(ids)
    }
}

#[test]
fn every_operation_is_one_logarithmic_batch_read() {
    let mut tree = MemoryTree::new();
    tree.append_data((0..1000u32).map(|i| i.to_be_bytes())).unwrap();
    let reader = Counting { inner: &tree, requested: 0.into(), calls: 0.into() };
    for (index, size) in [(0u64, 1000u64), (999, 1000), (511, 999), (700, 777)] {
        reader.requested.set(0);
        reader.calls.set(0);
        inclusion_proof(&reader, index, size).unwrap();
        assert_eq!(reader.calls.get(), 1);
        assert!(reader.requested.get() <= 2 * 10, "{}", reader.requested.get());
        reader.requested.set(0);
        consistency_proof(&reader, index + 1, size).ok();
        assert!(reader.requested.get() <= 2 * 10);
    }
    // Appending leaf 999 to 999 leaves completes 0/999, 1/499, 2/249, 3/124
    // and reads their old left siblings 0/998, 1/498, 2/248 in one batch.
    reader.calls.set(0);
    reader.requested.set(0);
    let nodes = append_leaf(&reader, 999, leaf_hash(b"next")).unwrap();
    assert_eq!((reader.calls.get(), reader.requested.get()), (1, 3));
    assert_eq!(nodes.len(), 4);
    // Appending to a size whose new leaf is a left child reads nothing.
    reader.calls.set(0);
    append_leaf(&reader, 1000, leaf_hash(b"next")).unwrap();
    assert_eq!(reader.calls.get(), 0);
}

#[test]
fn single_and_batched_appends_produce_the_same_nodes() {
    let leaves: Vec<Hash> = (0..MAX).map(|i| leaf_hash(&leaf_data(i))).collect();
    let mut one_by_one = MemoryTree::new();
    let mut all_nodes = Vec::new();
    for (i, leaf) in leaves.iter().enumerate() {
        let nodes = append_leaf(&one_by_one, i as u64, *leaf).unwrap();
        one_by_one.store(&nodes).unwrap();
        all_nodes.extend(nodes);
    }
    let mut batched = MemoryTree::new();
    let batch_nodes = batched.append_hashes(&leaves).unwrap();
    let mut a: Vec<_> = all_nodes.iter().map(|n| (n.id, n.hash)).collect();
    let mut b: Vec<_> = batch_nodes.iter().map(|n| (n.id, n.hash)).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
    // Exactly the full subtrees of a 70-leaf tree: 70 + 35 + 17 + 8 + 4 + 2 + 1.
    assert_eq!(a.len(), 137);
}

#[test]
fn batches_of_every_length_from_every_start_size_agree_with_naive_roots() {
    let leaves: Vec<Hash> = (0..MAX).map(|i| leaf_hash(&leaf_data(i))).collect();
    for start in 0..=50usize {
        for batch in 1..=20usize {
            let mut tree = MemoryTree::new();
            tree.append_hashes(&leaves[..start]).unwrap();
            let nodes = tree.append_hashes(&leaves[start..start + batch]).unwrap();
            let end = start + batch;
            // Exactly the full subtrees completed by the batch are returned.
            let expected: usize = (0..7).map(|level| (end >> level) - (start >> level)).sum();
            assert_eq!(nodes.len(), expected, "start {start} batch {batch}");
            for n in start..=end {
                assert_eq!(root(&tree, n as u64).unwrap(), mth(&leaves[..n]));
            }
        }
    }
}
