//! Proof verification, exactly per RFC 9162 §2.1.3.2 (inclusion) and
//! §2.1.4.2 (consistency).
//!
//! The RFC's "sn is 0" guards are exact length checks: `sn` follows a path
//! fixed by the sizes alone, so a proof of the wrong length always trips one
//! of them before any root is compared. They are reported as
//! [`Error::WrongProofLength`] with the expected length, never as a mismatch.
//!
//! The `*_bytes` variants take hashes as they arrive on the wire (decoded
//! base64 of any length) and reject wrong lengths with [`Error::HashLength`].

use crate::error::{Error, Result};
use crate::hash::{Hash, node_hash};
use crate::tree::{consistency_proof_len, inclusion_proof_len};

/// Shifts `fn`/`sn` right together until `fn`'s lowest bit is set or `fn` is 0.
fn skip_right_edge(fn_: &mut u64, sn: &mut u64) {
    while *fn_ & 1 == 0 && *fn_ != 0 {
        *fn_ >>= 1;
        *sn >>= 1;
    }
}

/// The root implied by an inclusion proof (RFC 9162 §2.1.3.2 steps 1-4).
pub fn root_from_inclusion_proof(leaf_hash: &Hash, index: u64, size: u64, proof: &[Hash]) -> Result<Hash> {
    // Step 1 (index < size) is checked by the length computation.
    let wrong_length = Error::WrongProofLength { expected: inclusion_proof_len(index, size)?, actual: proof.len() };
    // Steps 2-4.
    let mut fn_ = index;
    let mut sn = size - 1;
    let mut r = *leaf_hash;
    for p in proof {
        if sn == 0 {
            return Err(wrong_length);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            skip_right_edge(&mut fn_, &mut sn);
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    // Step 5's "sn is 0" condition.
    if sn != 0 {
        return Err(wrong_length);
    }
    Ok(r)
}

/// Verifies that `leaf_hash` is leaf `index` of the tree of `size` leaves
/// whose root is `root` (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(leaf_hash: &Hash, index: u64, size: u64, proof: &[Hash], root: &Hash) -> Result<()> {
    let computed = root_from_inclusion_proof(leaf_hash, index, size, proof)?;
    if computed != *root {
        return Err(Error::RootMismatch { size, expected: *root, computed });
    }
    Ok(())
}

/// [`verify_inclusion`] over raw byte strings; any hash that is not 32 bytes
/// is rejected.
pub fn verify_inclusion_bytes<P: AsRef<[u8]>>(
    leaf_hash: &[u8],
    index: u64,
    size: u64,
    proof: &[P],
    root: &[u8],
) -> Result<()> {
    let leaf_hash = Hash::from_slice("leaf hash", leaf_hash)?;
    let root = Hash::from_slice("root hash", root)?;
    let proof = proof_hashes(proof)?;
    verify_inclusion(&leaf_hash, index, size, &proof, &root)
}

fn proof_hashes<P: AsRef<[u8]>>(proof: &[P]) -> Result<Vec<Hash>> {
    proof.iter().map(|p| Hash::from_slice("proof hash", p.as_ref())).collect()
}

/// Verifies that the tree of `second` leaves with root `second_root` extends
/// the tree of `first` leaves with root `first_root` (RFC 9162 §2.1.4.2).
///
/// Sizes are checked first: `first > second` and `first == 0` are errors
/// (RFC 9162 defines consistency only for `0 < first`); for `first ==
/// second` the proof must be empty and the roots equal.
pub fn verify_consistency(
    first: u64,
    second: u64,
    proof: &[Hash],
    first_root: &Hash,
    second_root: &Hash,
) -> Result<()> {
    verify_consistency_bytes(first, second, proof, first_root.as_bytes(), second_root.as_bytes())
}

/// [`verify_consistency`] over raw byte strings. When the sizes are equal no
/// hash is computed, so the two roots are compared as given; otherwise every
/// hash must be 32 bytes.
pub fn verify_consistency_bytes<P: AsRef<[u8]>>(
    first: u64,
    second: u64,
    proof: &[P],
    first_root: &[u8],
    second_root: &[u8],
) -> Result<()> {
    if first > second {
        return Err(Error::SizesOutOfOrder { first, second });
    }
    if first == 0 {
        return Err(Error::ConsistencyFromEmptyTree);
    }
    if first == second {
        if !proof.is_empty() {
            return Err(Error::WrongProofLength { expected: 0, actual: proof.len() });
        }
        if first_root != second_root {
            return Err(Error::EqualSizeRootsDiffer { size: first });
        }
        return Ok(());
    }
    let first_root = Hash::from_slice("first root hash", first_root)?;
    let second_root = Hash::from_slice("second root hash", second_root)?;
    let proof = proof_hashes(proof)?;
    let (fr, sr) = roots_from_consistency_proof(first, second, &proof, &first_root)?;
    if fr != first_root {
        return Err(Error::RootMismatch { size: first, expected: first_root, computed: fr });
    }
    if sr != second_root {
        return Err(Error::RootMismatch { size: second, expected: second_root, computed: sr });
    }
    Ok(())
}

/// RFC 9162 §2.1.4.2 steps 1-7 for `0 < first < second` up to the root
/// comparison: the two roots the proof implies.
fn roots_from_consistency_proof(first: u64, second: u64, proof: &[Hash], first_root: &Hash) -> Result<(Hash, Hash)> {
    // Step 2: a power-of-two first tree is itself the starting subtree.
    let seeded;
    let path: &[Hash] = if first.is_power_of_two() {
        seeded = std::iter::once(*first_root).chain(proof.iter().copied()).collect::<Vec<_>>();
        &seeded
    } else {
        proof
    };
    let wrong_length = Error::WrongProofLength { expected: consistency_proof_len(first, second), actual: proof.len() };
    // Step 1: an empty path fails.
    let Some((start, rest)) = path.split_first() else {
        return Err(wrong_length);
    };
    // Steps 3-4.
    let mut fn_ = first - 1;
    let mut sn = second - 1;
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    // Step 5.
    let mut fr = *start;
    let mut sr = *start;
    // Step 6.
    for c in rest {
        if sn == 0 {
            return Err(wrong_length);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            skip_right_edge(&mut fn_, &mut sn);
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    // Step 7's "sn is 0" condition.
    if sn != 0 {
        return Err(wrong_length);
    }
    Ok((fr, sr))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::memory::MemoryTree;
    use crate::reader::{consistency_proof, inclusion_proof, root};

    fn tree(n: u64) -> MemoryTree {
        let mut t = MemoryTree::new();
        t.append_data((0..n).map(|i| i.to_be_bytes())).unwrap();
        t
    }

    #[test]
    fn inclusion_accepts_valid_and_names_each_rejection() {
        let t = tree(7);
        let r = root(&t, 7).unwrap();
        let leaf = leaf_hash(&3u64.to_be_bytes());
        let proof = inclusion_proof(&t, 3, 7).unwrap();
        verify_inclusion(&leaf, 3, 7, &proof, &r).unwrap();
        assert_eq!(root_from_inclusion_proof(&leaf, 3, 7, &proof).unwrap(), r);

        assert!(matches!(verify_inclusion(&leaf, 7, 7, &proof, &r), Err(Error::IndexBeyondSize { index: 7, size: 7 })));
        assert!(matches!(
            verify_inclusion(&leaf, 3, 7, &proof[..2], &r),
            Err(Error::WrongProofLength { expected: 3, actual: 2 })
        ));
        let mut longer = proof.clone();
        longer.push(r);
        assert!(matches!(
            verify_inclusion(&leaf, 3, 7, &longer, &r),
            Err(Error::WrongProofLength { expected: 3, actual: 4 })
        ));
        assert!(matches!(
            verify_inclusion(&leaf_hash(b"other"), 3, 7, &proof, &r),
            Err(Error::RootMismatch { size: 7, .. })
        ));
        // Right length but wrong position.
        assert!(matches!(verify_inclusion(&leaf, 2, 7, &proof, &r), Err(Error::RootMismatch { .. })));
    }

    #[test]
    fn inclusion_bytes_rejects_wrong_hash_lengths() {
        let t = tree(2);
        let r = root(&t, 2).unwrap();
        let leaf = leaf_hash(&0u64.to_be_bytes());
        let proof = inclusion_proof(&t, 0, 2).unwrap();
        let raw: Vec<Vec<u8>> = proof.iter().map(|h| h.as_bytes().to_vec()).collect();
        verify_inclusion_bytes(leaf.as_bytes(), 0, 2, &raw, r.as_bytes()).unwrap();
        assert!(matches!(
            verify_inclusion_bytes(&[1, 2], 0, 2, &raw, r.as_bytes()),
            Err(Error::HashLength { field: "leaf hash", len: 2 })
        ));
        assert!(matches!(
            verify_inclusion_bytes(leaf.as_bytes(), 0, 2, &raw, &[]),
            Err(Error::HashLength { field: "root hash", len: 0 })
        ));
        let mut bad = raw.clone();
        bad[0].push(0);
        assert!(matches!(
            verify_inclusion_bytes(leaf.as_bytes(), 0, 2, &bad, r.as_bytes()),
            Err(Error::HashLength { field: "proof hash", len: 33 })
        ));
    }

    #[test]
    fn consistency_accepts_valid_and_names_each_rejection() {
        let t = tree(11);
        let (r4, r6, r11) = (root(&t, 4).unwrap(), root(&t, 6).unwrap(), root(&t, 11).unwrap());
        let p6 = consistency_proof(&t, 6, 11).unwrap();
        verify_consistency(6, 11, &p6, &r6, &r11).unwrap();
        let p4 = consistency_proof(&t, 4, 11).unwrap();
        verify_consistency(4, 11, &p4, &r4, &r11).unwrap();
        verify_consistency(6, 6, &[], &r6, &r6).unwrap();

        assert!(matches!(
            verify_consistency(11, 6, &p6, &r11, &r6),
            Err(Error::SizesOutOfOrder { first: 11, second: 6 })
        ));
        assert!(matches!(verify_consistency(0, 6, &[], &r6, &r6), Err(Error::ConsistencyFromEmptyTree)));
        assert!(matches!(verify_consistency(6, 6, &p6, &r6, &r6), Err(Error::WrongProofLength { expected: 0, .. })));
        assert!(matches!(verify_consistency(6, 6, &[], &r6, &r11), Err(Error::EqualSizeRootsDiffer { size: 6 })));
        assert!(matches!(verify_consistency(6, 11, &[], &r6, &r11), Err(Error::WrongProofLength { actual: 0, .. })));
        assert!(matches!(verify_consistency(6, 11, &p6[1..], &r6, &r11), Err(Error::WrongProofLength { .. })));
        assert!(matches!(verify_consistency(6, 11, &p6, &r4, &r11), Err(Error::RootMismatch { size: 6, .. })));
        assert!(matches!(verify_consistency(6, 11, &p6, &r6, &r4), Err(Error::RootMismatch { size: 11, .. })));
        // A power-of-two first tree seeds the proof with its own root, so a
        // wrong first root shows up on the second tree.
        assert!(matches!(verify_consistency(4, 11, &p4, &r6, &r11), Err(Error::RootMismatch { .. })));
    }

    #[test]
    fn consistency_bytes_rejects_wrong_hash_lengths() {
        let t = tree(3);
        let (r1, r3) = (root(&t, 1).unwrap(), root(&t, 3).unwrap());
        let proof: Vec<Vec<u8>> = consistency_proof(&t, 1, 3).unwrap().iter().map(|h| h.as_bytes().to_vec()).collect();
        verify_consistency_bytes(1, 3, &proof, r1.as_bytes(), r3.as_bytes()).unwrap();
        assert!(matches!(
            verify_consistency_bytes(1, 3, &proof, b"short", r3.as_bytes()),
            Err(Error::HashLength { field: "first root hash", .. })
        ));
        assert!(matches!(
            verify_consistency_bytes(1, 3, &proof, r1.as_bytes(), b"short"),
            Err(Error::HashLength { field: "second root hash", .. })
        ));
        let mut bad = proof.clone();
        bad[1].truncate(3);
        assert!(matches!(
            verify_consistency_bytes(1, 3, &bad, r1.as_bytes(), r3.as_bytes()),
            Err(Error::HashLength { field: "proof hash", len: 3 })
        ));
        // Equal sizes: the roots are only compared, whatever their encoding.
        verify_consistency_bytes::<Vec<u8>>(1, 1, &[], b"opaque", b"opaque").unwrap();
    }
}
