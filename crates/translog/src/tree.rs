//! Tree maths over stored full subtrees.
//!
//! A node `(level, index)` is the hash of the `2^level` leaves
//! `[index << level, (index + 1) << level)`. A store keeps exactly the nodes
//! whose range is complete; right-edge subtrees of a tree whose size is not a
//! power of two are composed on the fly from the maximal full subtrees that
//! cover them. Every root or proof therefore needs O(log n) stored nodes,
//! and [`NodePlan`] names them all up front so a store can fetch them in one
//! round trip.

use std::fmt;
use std::ops::Range;

use crate::error::{Error, Result};
use crate::hash::{Hash, fold_subtrees};

/// Largest supported tree size. 2^62 leaves keep every `(index + 1) << level`
/// computation inside `u64` and is far beyond any real log.
pub const MAX_TREE_SIZE: u64 = 1 << 62;

/// Identifies a full subtree: the `2^level` leaves starting at `index << level`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    /// Height above the leaves; leaves are level 0.
    pub level: u8,
    /// Position among the nodes of that level, counting from 0.
    pub index: u64,
}

impl NodeId {
    /// A node at `level`, position `index`.
    pub const fn new(level: u8, index: u64) -> Self {
        Self { level, index }
    }

    /// The leaf at `index` (level 0).
    pub const fn leaf(index: u64) -> Self {
        Self { level: 0, index }
    }

    /// The leaves this node covers, or `None` if that range does not fit in `u64`.
    pub fn leaf_range(&self) -> Option<Range<u64>> {
        let width = 1u64.checked_shl(u32::from(self.level))?;
        let start = self.index.checked_mul(width)?;
        let end = start.checked_add(width)?;
        Some(start..end)
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.level, self.index)
    }
}

pub(crate) fn check_size(size: u64) -> Result<()> {
    if size > MAX_TREE_SIZE {
        return Err(Error::TreeTooLarge { size, max: MAX_TREE_SIZE });
    }
    Ok(())
}

/// Level as `u8`; levels never exceed 63 because sizes are `u64`.
fn level_u8(level: u32) -> u8 {
    u8::try_from(level).unwrap_or(u8::MAX)
}

/// Splits the leaf range `[begin, end)` into maximal full subtrees, left to
/// right. For the right edge of a tree (`begin` aligned to a power of two at
/// least `end - begin`) their sizes strictly decrease, and folding them
/// right to left with [`crate::node_hash`] gives the RFC 6962 hash of the range.
pub fn full_subtrees(begin: u64, end: u64) -> Vec<NodeId> {
    let mut out = Vec::new();
    let mut at = begin;
    while at < end {
        let by_size = 63 - (end - at).leading_zeros();
        let by_alignment = if at == 0 { 63 } else { at.trailing_zeros() };
        let level = by_size.min(by_alignment);
        out.push(NodeId::new(level_u8(level), at >> level));
        at += 1u64 << level;
    }
    out
}

/// Shape of the audit path of node `(level, index)` in a tree of `size`
/// leaves: `inner` siblings below the point where the path meets the right
/// edge, then `border` left siblings above it (the decomposition used by
/// transparency-dev; RFC 9162's verification loop consumes the same count).
#[derive(Clone, Copy, Debug)]
struct PathShape {
    inner: u32,
    border: u32,
}

fn path_shape(level: u32, index: u64, size: u64) -> PathShape {
    // Last node at this level (possibly an incomplete one on the right edge).
    let last = (size - 1) >> level;
    let inner = 64 - (index ^ last).leading_zeros();
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    PathShape { inner, border }
}

/// Number of hashes in the inclusion proof of leaf `index` in a tree of `size`.
pub(crate) fn inclusion_proof_len(index: u64, size: u64) -> Result<usize> {
    if index >= size {
        return Err(Error::IndexBeyondSize { index, size });
    }
    let shape = path_shape(0, index, size);
    Ok((shape.inner + shape.border) as usize)
}

/// Number of hashes in the consistency proof between sizes `0 < first < second`.
pub(crate) fn consistency_proof_len(first: u64, second: u64) -> usize {
    let (level, index) = consistency_anchor(first);
    let shape = path_shape(level, index, second);
    // The anchor itself is sent unless it is the whole first tree.
    let anchor = usize::from(index != 0);
    anchor + (shape.inner + shape.border) as usize
}

/// The largest full subtree ending at leaf `first`: the consistency proof is
/// this node plus its audit path in the second tree.
fn consistency_anchor(first: u64) -> (u32, u64) {
    let level = first.trailing_zeros();
    (level, (first - 1) >> level)
}

/// The stored nodes a root or proof needs, and how to combine them.
///
/// `node_ids()` is the batch to fetch (one store round trip); `assemble()`
/// turns the fetched hashes, in the same order, into the root or proof.
/// Each output hash is either one stored node or, on the right edge, the
/// composition of a run of consecutive stored nodes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodePlan {
    ids: Vec<NodeId>,
    outputs: Vec<Range<usize>>,
}

impl NodePlan {
    /// Every stored node needed, in fetch order.
    pub fn node_ids(&self) -> &[NodeId] {
        &self.ids
    }

    /// Number of hashes `assemble` produces.
    pub fn output_len(&self) -> usize {
        self.outputs.len()
    }

    /// Combines the fetched hashes (in `node_ids()` order) into the output hashes.
    pub fn assemble(&self, fetched: &[Hash]) -> Result<Vec<Hash>> {
        if fetched.len() != self.ids.len() {
            return Err(Error::ReaderCount { expected: self.ids.len(), actual: fetched.len() });
        }
        self.outputs
            .iter()
            .map(|range| {
                fetched
                    .get(range.clone())
                    .and_then(|run| fold_subtrees(run.iter()))
                    .ok_or(Error::ReaderCount { expected: self.ids.len(), actual: fetched.len() })
            })
            .collect()
    }

    fn push_node(&mut self, id: NodeId) {
        let start = self.ids.len();
        self.ids.push(id);
        self.outputs.push(start..start + 1);
    }

    /// One output hash covering leaves `[begin, end)`.
    fn push_range(&mut self, begin: u64, end: u64) {
        let start = self.ids.len();
        self.ids.extend(full_subtrees(begin, end));
        self.outputs.push(start..self.ids.len());
    }

    /// Audit path of node `(level, index)` in a tree of `size`, bottom-up.
    fn push_path(&mut self, level: u32, index: u64, size: u64) {
        let shape = path_shape(level, index, size);
        for step in 0..shape.inner {
            let at = level + step;
            let sibling = (index >> step) ^ 1;
            let sibling_end = (sibling + 1) << at;
            if sibling_end > size {
                // Only the top inner sibling can reach past the tree's end:
                // it is the incomplete subtree holding the last leaf.
                self.push_range(sibling << at, size);
            } else {
                self.push_node(NodeId::new(level_u8(at), sibling));
            }
        }
        for step in shape.inner..64 - level {
            let node = index >> step;
            if node == 0 {
                break;
            }
            if node & 1 == 1 {
                self.push_node(NodeId::new(level_u8(level + step), node ^ 1));
            }
        }
    }
}

/// The nodes making up the root of a tree of `size` leaves. Empty for size 0,
/// whose root is [`crate::empty_root`] and needs no read.
pub fn root_plan(size: u64) -> Result<NodePlan> {
    check_size(size)?;
    let mut plan = NodePlan::default();
    if size > 0 {
        plan.push_range(0, size);
    }
    Ok(plan)
}

/// The nodes making up the inclusion proof of leaf `index` in a tree of `size`.
pub fn inclusion_plan(index: u64, size: u64) -> Result<NodePlan> {
    check_size(size)?;
    if index >= size {
        return Err(Error::IndexBeyondSize { index, size });
    }
    let mut plan = NodePlan::default();
    plan.push_path(0, index, size);
    Ok(plan)
}

/// The nodes making up the consistency proof from size `first` to `second`.
/// Equal sizes give an empty proof; `first == 0` is refused because RFC 9162
/// defines consistency only for `0 < first`.
pub fn consistency_plan(first: u64, second: u64) -> Result<NodePlan> {
    check_size(second)?;
    if first > second {
        return Err(Error::SizesOutOfOrder { first, second });
    }
    if first == 0 {
        return Err(Error::ConsistencyFromEmptyTree);
    }
    let mut plan = NodePlan::default();
    if first == second {
        return Ok(plan);
    }
    let (level, index) = consistency_anchor(first);
    if index != 0 {
        plan.push_node(NodeId::new(level_u8(level), index));
    }
    plan.push_path(level, index, second);
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_subtrees_follow_binary_decomposition() {
        assert_eq!(full_subtrees(0, 0), vec![]);
        assert_eq!(full_subtrees(0, 7), vec![NodeId::new(2, 0), NodeId::new(1, 2), NodeId::new(0, 6)]);
        assert_eq!(full_subtrees(8, 11), vec![NodeId::new(1, 4), NodeId::new(0, 10)]);
        // Unaligned start: sizes first grow, then shrink.
        assert_eq!(full_subtrees(3, 9), vec![NodeId::new(0, 3), NodeId::new(2, 1), NodeId::new(0, 8)]);
        assert_eq!(full_subtrees(0, MAX_TREE_SIZE), vec![NodeId::new(62, 0)]);
    }

    #[test]
    fn leaf_range_checks_overflow() {
        assert_eq!(NodeId::new(2, 3).leaf_range(), Some(12..16));
        assert_eq!(NodeId::leaf(5).leaf_range(), Some(5..6));
        assert_eq!(NodeId::new(64, 0).leaf_range(), None);
        assert_eq!(NodeId::new(63, 2).leaf_range(), None);
        assert_eq!(NodeId::new(1, 3).to_string(), "1/3");
    }

    #[test]
    fn plans_reject_bad_arguments() {
        assert!(matches!(root_plan(MAX_TREE_SIZE + 1), Err(Error::TreeTooLarge { .. })));
        assert!(matches!(inclusion_plan(3, 3), Err(Error::IndexBeyondSize { index: 3, size: 3 })));
        assert!(matches!(inclusion_plan(0, u64::MAX), Err(Error::TreeTooLarge { .. })));
        assert!(matches!(consistency_plan(4, 3), Err(Error::SizesOutOfOrder { first: 4, second: 3 })));
        assert!(matches!(consistency_plan(0, 3), Err(Error::ConsistencyFromEmptyTree)));
        assert!(matches!(consistency_plan(1, u64::MAX), Err(Error::TreeTooLarge { .. })));
        assert!(matches!(inclusion_proof_len(2, 2), Err(Error::IndexBeyondSize { .. })));
    }

    #[test]
    fn plan_sizes_are_logarithmic_at_huge_sizes() {
        let size = MAX_TREE_SIZE - 12_345;
        let plan = inclusion_plan(size - 1, size).unwrap();
        assert!(plan.node_ids().len() <= 2 * 63, "{}", plan.node_ids().len());
        assert_eq!(plan.output_len(), inclusion_proof_len(size - 1, size).unwrap());
        let plan = consistency_plan(size / 3, size).unwrap();
        assert!(plan.node_ids().len() <= 2 * 63);
        assert_eq!(plan.output_len(), consistency_proof_len(size / 3, size));
        assert!(root_plan(size).unwrap().node_ids().len() <= 63);
    }

    #[test]
    fn assemble_checks_the_fetched_count() {
        let plan = root_plan(3).unwrap();
        assert_eq!(plan.node_ids(), &[NodeId::new(1, 0), NodeId::leaf(2)]);
        let h = crate::hash::leaf_hash(b"x");
        assert!(matches!(plan.assemble(&[h]), Err(Error::ReaderCount { expected: 2, actual: 1 })));
        assert_eq!(plan.assemble(&[h, h]).unwrap().len(), 1);
        assert!(root_plan(0).unwrap().node_ids().is_empty());
        assert!(consistency_plan(5, 5).unwrap().node_ids().is_empty());
    }
}
