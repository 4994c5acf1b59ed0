//! Reading roots and proofs from a store of full-subtree hashes.

use crate::error::{Error, Result};
use crate::hash::{Hash, empty_root};
use crate::tree::{NodeId, NodePlan, consistency_plan, inclusion_plan, root_plan};

/// Batch access to stored full-subtree hashes.
///
/// Implementations return the hashes in the order of `ids`. A SQL store
/// answers with one `SELECT ... WHERE (level, idx) IN (...)` per call; every
/// root or proof in this crate makes at most one call.
pub trait NodeReader {
    /// The store's own failure type; it is wrapped in [`Error::Reader`].
    type Error: std::error::Error + Send + Sync + 'static;

    /// The hashes of `ids`, in the same order.
    fn nodes(&self, ids: &[NodeId]) -> Result<Vec<Hash>, Self::Error>;
}

/// Fetches a plan's nodes in one call and assembles them.
pub fn fetch_plan<R: NodeReader + ?Sized>(reader: &R, plan: &NodePlan) -> Result<Vec<Hash>> {
    read_nodes(reader, plan.node_ids()).and_then(|fetched| plan.assemble(&fetched))
}

/// One batch read, with the answer's length checked.
pub(crate) fn read_nodes<R: NodeReader + ?Sized>(reader: &R, ids: &[NodeId]) -> Result<Vec<Hash>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let fetched = reader.nodes(ids).map_err(|e| Error::Reader(Box::new(e)))?;
    if fetched.len() != ids.len() {
        return Err(Error::ReaderCount { expected: ids.len(), actual: fetched.len() });
    }
    Ok(fetched)
}

/// The root hash of the tree's first `size` leaves.
pub fn root<R: NodeReader + ?Sized>(reader: &R, size: u64) -> Result<Hash> {
    let hashes = fetch_plan(reader, &root_plan(size)?)?;
    Ok(hashes.first().copied().unwrap_or_else(empty_root))
}

/// The RFC 9162 inclusion proof of leaf `index` in the tree of `size` leaves,
/// bottom-up.
pub fn inclusion_proof<R: NodeReader + ?Sized>(reader: &R, index: u64, size: u64) -> Result<Vec<Hash>> {
    fetch_plan(reader, &inclusion_plan(index, size)?)
}

/// The RFC 9162 consistency proof from tree size `first` to `second`.
pub fn consistency_proof<R: NodeReader + ?Sized>(reader: &R, first: u64, second: u64) -> Result<Vec<Hash>> {
    fetch_plan(reader, &consistency_plan(first, second)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;

    /// A store that answers wrongly, to exercise the reader error paths.
    struct Faulty {
        short: bool,
    }

    #[derive(Debug, thiserror::Error)]
    #[error("disk on fire")]
    struct Fire;

    impl NodeReader for Faulty {
        type Error = Fire;
        fn nodes(&self, ids: &[NodeId]) -> Result<Vec<Hash>, Fire> {
            if self.short { Ok(vec![leaf_hash(b""); ids.len() - 1]) } else { Err(Fire) }
        }
    }

    #[test]
    fn reader_failures_are_reported() {
        let err = root(&Faulty { short: false }, 5).unwrap_err();
        assert!(matches!(err, Error::Reader(_)));
        assert_eq!(err.to_string(), "node store failed: disk on fire");
        assert!(matches!(
            inclusion_proof(&Faulty { short: true }, 1, 5),
            Err(Error::ReaderCount { expected: 3, actual: 2 })
        ));
    }

    #[test]
    fn empty_tree_needs_no_read() {
        assert_eq!(root(&Faulty { short: false }, 0).unwrap(), empty_root());
        assert!(consistency_proof(&Faulty { short: false }, 3, 3).unwrap().is_empty());
    }
}
