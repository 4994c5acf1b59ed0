//! Serialisable proofs: the shape the API serves and `ecert audit verify`
//! reads back (JSON, hashes in base64).

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::hash::Hash;
use crate::reader::{NodeReader, consistency_proof, inclusion_proof};
use crate::verify::{verify_consistency, verify_inclusion};

/// An inclusion proof of one leaf in a tree of a given size.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InclusionProof {
    /// Index of the leaf.
    pub leaf_index: u64,
    /// Size of the tree the proof is against.
    pub tree_size: u64,
    /// Audit path, bottom-up.
    pub hashes: Vec<Hash>,
}

impl InclusionProof {
    /// Builds the proof from a node store.
    pub fn generate<R: NodeReader + ?Sized>(reader: &R, leaf_index: u64, tree_size: u64) -> Result<Self> {
        let hashes = inclusion_proof(reader, leaf_index, tree_size)?;
        Ok(Self { leaf_index, tree_size, hashes })
    }

    /// Verifies the proof for `leaf_hash` against `root` (of `tree_size` leaves).
    pub fn verify(&self, leaf_hash: &Hash, root: &Hash) -> Result<()> {
        verify_inclusion(leaf_hash, self.leaf_index, self.tree_size, &self.hashes, root)
    }
}

/// A consistency proof between two tree sizes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConsistencyProof {
    /// The older, smaller size.
    pub first_size: u64,
    /// The newer, larger size.
    pub second_size: u64,
    /// Proof hashes, as RFC 9162 orders them.
    pub hashes: Vec<Hash>,
}

impl ConsistencyProof {
    /// Builds the proof from a node store.
    pub fn generate<R: NodeReader + ?Sized>(reader: &R, first_size: u64, second_size: u64) -> Result<Self> {
        let hashes = consistency_proof(reader, first_size, second_size)?;
        Ok(Self { first_size, second_size, hashes })
    }

    /// Verifies that `second_root` extends `first_root`.
    pub fn verify(&self, first_root: &Hash, second_root: &Hash) -> Result<()> {
        verify_consistency(self.first_size, self.second_size, &self.hashes, first_root, second_root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::hash::leaf_hash;
    use crate::memory::MemoryTree;
    use crate::reader::root;

    fn tree() -> MemoryTree {
        let mut t = MemoryTree::new();
        t.append_data((0..13u8).map(|i| [i])).unwrap();
        t
    }

    #[test]
    fn inclusion_json_round_trip_and_verify() {
        let t = tree();
        let proof = InclusionProof::generate(&t, 5, 13).unwrap();
        let json = serde_json::to_string(&proof).unwrap();
        assert!(json.starts_with("{\"leafIndex\":5,\"treeSize\":13,\"hashes\":[\""));
        let back: InclusionProof = serde_json::from_str(&json).unwrap();
        assert_eq!(back, proof);
        let r = root(&t, 13).unwrap();
        back.verify(&leaf_hash(&[5]), &r).unwrap();
        assert!(matches!(back.verify(&leaf_hash(&[6]), &r), Err(Error::RootMismatch { .. })));
        assert!(matches!(InclusionProof::generate(&t, 13, 13), Err(Error::IndexBeyondSize { .. })));
    }

    #[test]
    fn consistency_json_round_trip_and_verify() {
        let t = tree();
        let proof = ConsistencyProof::generate(&t, 6, 13).unwrap();
        let back: ConsistencyProof = serde_json::from_str(&serde_json::to_string(&proof).unwrap()).unwrap();
        let (r6, r13) = (root(&t, 6).unwrap(), root(&t, 13).unwrap());
        back.verify(&r6, &r13).unwrap();
        assert!(matches!(back.verify(&r13, &r13), Err(Error::RootMismatch { size: 6, .. })));
    }

    #[test]
    fn malformed_json_is_rejected() {
        let bad_hash = r#"{"leafIndex":0,"treeSize":2,"hashes":["AAAA"]}"#;
        assert!(serde_json::from_str::<InclusionProof>(bad_hash).is_err());
        let unknown = r#"{"leafIndex":0,"treeSize":2,"hashes":[],"extra":1}"#;
        assert!(serde_json::from_str::<InclusionProof>(unknown).is_err());
        let negative = r#"{"firstSize":-1,"secondSize":2,"hashes":[]}"#;
        assert!(serde_json::from_str::<ConsistencyProof>(negative).is_err());
    }
}
