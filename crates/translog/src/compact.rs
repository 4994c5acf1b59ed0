//! The root of a growing tree in O(log n) memory.

use crate::hash::{Hash, empty_root, fold_subtrees, node_hash};

/// Keeps only the maximal full subtrees covering `[0, size)` (one per set
/// bit of `size`), enough to extend the tree and to compute its root. Used
/// to recompute a whole exported log without storing it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RootAccumulator {
    size: u64,
    /// Largest subtree first, matching the order `fold_subtrees` expects.
    subtrees: Vec<Hash>,
}

impl RootAccumulator {
    /// The empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of leaves pushed.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends one leaf hash: merges it with every subtree it completes.
    pub fn push(&mut self, leaf_hash: Hash) {
        let mut hash = leaf_hash;
        let mut size = self.size;
        // Each trailing one bit of the old size is a subtree of the same
        // height as `hash`, now its left sibling.
        while size & 1 == 1 {
            let Some(left) = self.subtrees.pop() else {
                break;
            };
            hash = node_hash(&left, &hash);
            size >>= 1;
        }
        self.subtrees.push(hash);
        self.size += 1;
    }

    /// The RFC 6962 root of the leaves pushed so far.
    pub fn root(&self) -> Hash {
        fold_subtrees(self.subtrees.iter()).unwrap_or_else(empty_root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::memory::MemoryTree;
    use crate::reader::root;

    #[test]
    fn matches_the_stored_tree_at_every_size() {
        let mut acc = RootAccumulator::new();
        let mut tree = MemoryTree::new();
        assert_eq!(acc.root(), empty_root());
        for i in 0..200u32 {
            let h = leaf_hash(&i.to_le_bytes());
            acc.push(h);
            tree.append_hashes(&[h]).unwrap();
            assert_eq!(acc.size(), u64::from(i) + 1);
            assert_eq!(acc.root(), root(&tree, acc.size()).unwrap(), "size {}", acc.size());
            assert_eq!(acc.subtrees.len() as u32, acc.size().count_ones());
        }
    }
}
