//! The transparency log's side of the store (issue 5): audit events are the leaves of an RFC 9162 Merkle tree whose
//! complete subtree hashes are stored next to them, written in the same transaction as the event. The tree maths
//! lives in `ecert-translog`; this trait only moves leaves, nodes and signed checkpoints in and out of the database.

use crate::{Receipt, Result};
use async_trait::async_trait;
use ecert_domain::audit::AuditEvent;
pub use ecert_translog::{ExportedLeaf, Hash, NodeId};
use time::OffsetDateTime;

/// Events per internal round of a batch append: bounds the memory of one round (hashes, new nodes, SQL text).
/// Larger batches are split into rounds inside the same transaction.
pub const APPEND_ROUND: usize = 10_000;
/// Most node ids one [`AuditLogStore::log_nodes`] call accepts. A root or proof needs at most about 130.
pub const MAX_NODE_READ: usize = 1_024;
/// Most leaves or checkpoints one export page returns.
pub const MAX_EXPORT_PAGE: u32 = 10_000;

/// A signed checkpoint as stored: the tree it commits to and its signed note (C2SP `tlog-checkpoint`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    pub tree_size: u64,
    pub root: Hash,
    /// The signed note text, served as is.
    pub note: String,
    pub created_at: OffsetDateTime,
}

#[async_trait]
pub trait AuditLogStore: Send + Sync {
    /// Records several events in one transaction, in order; one receipt (leaf index) per event.
    async fn append_audit_events(&self, events: &[AuditEvent]) -> Result<Vec<Receipt>>;
    /// The number of leaves (audit events) in the log.
    async fn log_size(&self) -> Result<u64>;
    /// Stored subtree hashes in the order of `ids`, in one query. A missing node is `Corrupt`: callers ask only for
    /// nodes inside the tree, which every append stores.
    async fn log_nodes(&self, ids: &[NodeId]) -> Result<Vec<Hash>>;
    /// Adds the leaf and subtree hashes of audit events that have none (a database written before the log existed);
    /// returns how many leaves were added. Cheap when there is nothing to do; call it once at start.
    async fn log_catch_up(&self) -> Result<u64>;
    /// Stores a checkpoint; `false` if one of that size already exists (another process signed it first).
    async fn insert_checkpoint(&self, checkpoint: &StoredCheckpoint) -> Result<bool>;
    /// The checkpoint of the largest tree size.
    async fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>>;
    /// Checkpoints with a tree size above `after_size`, smallest first, at most `limit` (capped at
    /// [`MAX_EXPORT_PAGE`]).
    async fn list_checkpoints(&self, after_size: Option<u64>, limit: u32) -> Result<Vec<StoredCheckpoint>>;
    /// Leaves from index `from` on, with their stored leaf hashes, at most `limit` (capped at [`MAX_EXPORT_PAGE`]).
    async fn export_leaves(&self, from: u64, limit: u32) -> Result<Vec<ExportedLeaf>>;
}
