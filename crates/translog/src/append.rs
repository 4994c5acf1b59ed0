//! Appending leaves: which full subtrees become complete, and their hashes.
//!
//! Appending leaves `[n, n + k)` completes, at each level `l`, the nodes
//! `[n >> l, (n + k) >> l)`. Each of them hashes two children that are new
//! too, except possibly the first one per level, whose left child may be an
//! existing node. Those existing nodes (at most one per level, O(log n)) are
//! known before hashing, so a store fetches them in a single read.

use crate::error::{Error, Result};
use crate::hash::{Hash, node_hash};
use crate::reader::{NodeReader, read_nodes};
use crate::tree::{NodeId, check_size};

/// Most leaves accepted by one [`append_leaves`] call, bounding its memory
/// (about 2 new nodes per leaf).
pub const MAX_APPEND_BATCH: usize = 1 << 20;

/// A node completed by an append, for the caller to persist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewNode {
    /// Which full subtree.
    pub id: NodeId,
    /// Its hash.
    pub hash: Hash,
}

/// The existing nodes that appending `count` leaves to a tree of `size`
/// leaves reads: one left sibling per level where the first new node is a
/// right child.
pub fn append_plan(size: u64, count: usize) -> Result<Vec<NodeId>> {
    let end = checked_end(size, count)?;
    let mut needed = Vec::new();
    for level in 0..64u32 {
        let old = size >> level;
        let new = end >> level;
        if new == old {
            break;
        }
        // The first node at the next level up is new but its left child is old.
        if old & 1 == 1 && old < new {
            needed.push(NodeId::new(level as u8, old - 1));
        }
    }
    Ok(needed)
}

fn checked_end(size: u64, count: usize) -> Result<u64> {
    if count > MAX_APPEND_BATCH {
        return Err(Error::BatchTooLarge { count, max: MAX_APPEND_BATCH });
    }
    check_size(size)?;
    let end = size.saturating_add(count as u64);
    check_size(end)?;
    Ok(end)
}

/// Appends `leaf_hashes` to a tree of `size` leaves: reads the existing
/// nodes it needs in one batch and returns every newly completed node
/// (leaves included), level by level.
pub fn append_leaves<R: NodeReader + ?Sized>(reader: &R, size: u64, leaf_hashes: &[Hash]) -> Result<Vec<NewNode>> {
    let needed = append_plan(size, leaf_hashes.len())?;
    let existing = read_nodes(reader, &needed)?;
    complete_append(size, leaf_hashes, &existing)
}

/// Appends one leaf: O(log n) hashing and one batch read.
pub fn append_leaf<R: NodeReader + ?Sized>(reader: &R, size: u64, leaf_hash: Hash) -> Result<Vec<NewNode>> {
    append_leaves(reader, size, &[leaf_hash])
}

/// The pure part of [`append_leaves`], for stores that fetched the nodes of
/// [`append_plan`] themselves (`existing` in that plan's order).
pub fn complete_append(size: u64, leaf_hashes: &[Hash], existing: &[Hash]) -> Result<Vec<NewNode>> {
    let needed = append_plan(size, leaf_hashes.len())?;
    if existing.len() != needed.len() {
        return Err(Error::ReaderCount { expected: needed.len(), actual: existing.len() });
    }
    let mut existing = existing.iter();
    let mut out = Vec::with_capacity(leaf_hashes.len() * 2 + 64);
    let mut first = size;
    let mut current: Vec<Hash> = leaf_hashes.to_vec();
    let mut level = 0u8;
    while !current.is_empty() {
        out.extend(
            current
                .iter()
                .enumerate()
                .map(|(offset, hash)| NewNode { id: NodeId::new(level, first + offset as u64), hash: *hash }),
        );
        let mut parents = Vec::with_capacity(current.len() / 2 + 1);
        let mut rest = current.as_slice();
        // A first node that is a right child pairs with an existing left
        // sibling; `append_plan` listed exactly those, level by level.
        if first & 1 == 1 {
            let left =
                existing.next().ok_or(Error::ReaderCount { expected: needed.len() + 1, actual: needed.len() })?;
            if let Some((right, tail)) = rest.split_first() {
                parents.push(node_hash(left, right));
                rest = tail;
            }
        }
        for pair in rest.chunks_exact(2) {
            if let [l, r] = pair {
                parents.push(node_hash(l, r));
            }
        }
        first >>= 1;
        current = parents;
        level = level.saturating_add(1);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;

    #[test]
    fn plan_lists_one_left_sibling_per_level() {
        // Size 7 = 0b111: appending one leaf completes 0/7, 1/3, 2/1, 3/0 and
        // needs 0/6, 1/2, 2/0.
        assert_eq!(append_plan(7, 1).unwrap(), vec![NodeId::new(0, 6), NodeId::new(1, 2), NodeId::new(2, 0)]);
        assert!(append_plan(8, 1).unwrap().is_empty());
        assert!(append_plan(5, 0).unwrap().is_empty());
    }

    #[test]
    fn append_rejects_oversized_input() {
        assert!(matches!(append_plan(0, MAX_APPEND_BATCH + 1), Err(Error::BatchTooLarge { .. })));
        assert!(matches!(append_plan(crate::MAX_TREE_SIZE, 1), Err(Error::TreeTooLarge { .. })));
        assert!(matches!(append_plan(u64::MAX, 0), Err(Error::TreeTooLarge { .. })));
    }

    #[test]
    fn complete_append_checks_existing_nodes() {
        let h = leaf_hash(b"a");
        assert!(matches!(complete_append(7, &[h], &[h]), Err(Error::ReaderCount { expected: 3, actual: 1 })));
        let nodes = complete_append(0, &[h, h, h], &[]).unwrap();
        let ids: Vec<_> = nodes.iter().map(|n| n.id).collect();
        assert_eq!(ids, vec![NodeId::leaf(0), NodeId::leaf(1), NodeId::leaf(2), NodeId::new(1, 0)]);
        assert_eq!(nodes[3].hash, node_hash(&h, &h));
    }
}
