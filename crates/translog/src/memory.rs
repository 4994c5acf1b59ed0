//! An in-memory node store: for tests, benchmarks and recomputing an export.

use crate::append::{NewNode, append_leaves};
use crate::error::{Error, Result};
use crate::hash::{Hash, leaf_hash};
use crate::reader::NodeReader;
use crate::tree::NodeId;

/// Every full-subtree hash of a tree, one vector per level.
///
/// Memory is about 64 bytes per leaf (leaf hashes plus interior nodes).
#[derive(Clone, Debug, Default)]
pub struct MemoryTree {
    levels: Vec<Vec<Hash>>,
}

impl MemoryTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |leaves| leaves.len() as u64)
    }

    /// Appends leaves given as hashes; returns the nodes that became complete.
    pub fn append_hashes(&mut self, leaf_hashes: &[Hash]) -> Result<Vec<NewNode>> {
        let nodes = append_leaves(self, self.size(), leaf_hashes)?;
        self.store(&nodes)?;
        Ok(nodes)
    }

    /// Appends raw leaf data (hashed with [`leaf_hash`]).
    pub fn append_data<I, D>(&mut self, leaves: I) -> Result<Vec<NewNode>>
    where
        I: IntoIterator<Item = D>,
        D: AsRef<[u8]>,
    {
        let hashes: Vec<Hash> = leaves.into_iter().map(|d| leaf_hash(d.as_ref())).collect();
        self.append_hashes(&hashes)
    }

    /// Persists nodes produced by [`append_leaves`]. Each node must be the next
    /// free index at its level, which is how appends produce them.
    pub fn store(&mut self, nodes: &[NewNode]) -> Result<()> {
        for node in nodes {
            let level = usize::from(node.id.level);
            if self.levels.len() <= level {
                self.levels.resize_with(level + 1, Vec::new);
            }
            let row = self.levels.get_mut(level).ok_or(Error::NodeMissing(node.id))?;
            let expected = row.len() as u64;
            if node.id.index != expected {
                return Err(Error::NodeOutOfOrder { id: node.id, expected });
            }
            row.push(node.hash);
        }
        Ok(())
    }

    fn node(&self, id: NodeId) -> Option<Hash> {
        let row = self.levels.get(usize::from(id.level))?;
        row.get(usize::try_from(id.index).ok()?).copied()
    }
}

impl NodeReader for MemoryTree {
    type Error = Error;

    fn nodes(&self, ids: &[NodeId]) -> Result<Vec<Hash>> {
        ids.iter().map(|&id| self.node(id).ok_or(Error::NodeMissing(id))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::{empty_root, node_hash};
    use crate::reader::{inclusion_proof, root};

    #[test]
    fn small_tree_by_hand() {
        let mut tree = MemoryTree::new();
        assert_eq!(root(&tree, 0).unwrap(), empty_root());
        tree.append_data(["a", "b", "c"]).unwrap();
        let (a, b, c) = (leaf_hash(b"a"), leaf_hash(b"b"), leaf_hash(b"c"));
        assert_eq!(tree.size(), 3);
        assert_eq!(root(&tree, 3).unwrap(), node_hash(&node_hash(&a, &b), &c));
        assert_eq!(root(&tree, 1).unwrap(), a);
        assert_eq!(inclusion_proof(&tree, 2, 3).unwrap(), vec![node_hash(&a, &b)]);
    }

    #[test]
    fn reading_beyond_the_tree_fails() {
        let mut tree = MemoryTree::new();
        tree.append_data(["a"]).unwrap();
        let err = root(&tree, 2).unwrap_err();
        assert!(matches!(err, Error::Reader(_)));
        assert!(err.to_string().contains("node 1/0 is not stored"), "{err}");
    }

    #[test]
    fn store_rejects_gaps_and_rewrites() {
        let mut tree = MemoryTree::new();
        let h = leaf_hash(b"x");
        let gap = NewNode { id: NodeId::leaf(1), hash: h };
        assert!(matches!(tree.store(&[gap]), Err(Error::NodeOutOfOrder { expected: 0, .. })));
        tree.append_hashes(&[h]).unwrap();
        let rewrite = NewNode { id: NodeId::leaf(0), hash: h };
        assert!(matches!(tree.store(&[rewrite]), Err(Error::NodeOutOfOrder { expected: 1, .. })));
    }
}
