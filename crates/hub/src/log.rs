//! The verifiable audit log (issue 5): the hub's Ed25519 log key, signed checkpoints and proofs.
//!
//! Every audit event is already a Merkle leaf (the store appends it and its subtree hashes in the transaction of the
//! change). Here the hub signs checkpoints (C2SP `tlog-checkpoint` notes) over the tree, and serves inclusion and
//! consistency proofs assembled from stored subtree hashes: one batched store read per proof.

pub mod export;

use crate::auth::require;
use crate::{Hub, HubError, Result};
use ecert_domain::auth::{Permission, Principal};
use ecert_store::{Store, StoredCheckpoint};
use ecert_translog::{
    Checkpoint, Hash, LogSigner, NodePlan, consistency_plan, empty_root, inclusion_plan, root_plan, validate_key_name,
};
/// The proofs the hub serves, as JSON (`leafIndex`/`treeSize` or `firstSize`/`secondSize`, base64 `hashes`).
pub use ecert_translog::{ConsistencyProof, InclusionProof};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The log key's file in the data directory: the PKCS#8 document of the Ed25519 key, mode 0600.
pub const LOG_KEY_FILE: &str = "audit-log-key.pk8";
/// Default period of the background checkpointer.
pub const DEFAULT_CHECKPOINT_INTERVAL: Duration = Duration::from_secs(60);
/// The origin (and key name) used when the configuration names none.
pub const DEFAULT_LOG_ORIGIN: &str = "ecert.local/audit-log";

fn key_error(path: &Path, what: impl std::fmt::Display) -> HubError {
    HubError::Internal(format!("audit log key {}: {what}", path.display()))
}

fn translog_error(e: ecert_translog::Error) -> HubError {
    HubError::Internal(format!("transparency log: {e}"))
}

/// Loads the log key from `data_dir`, or generates and saves it there on first start. `origin` names the log in its
/// checkpoints and its verifier key (a C2SP key name such as `hub.example.org/audit-log`).
pub fn load_or_create_log_key(data_dir: &Path, origin: &str) -> Result<LogSigner> {
    validate_key_name(origin).map_err(|e| HubError::invalid("origin", e.to_string()))?;
    let path = log_key_path(data_dir);
    let generate =
        || LogSigner::generate(origin).map(|(_, pkcs8)| pkcs8).map_err(|e| std::io::Error::other(e.to_string()));
    let (pkcs8, created) = crate::keyfile::load_or_create(&path, generate).map_err(|e| key_error(&path, e))?;
    let signer = LogSigner::from_pkcs8(origin, &pkcs8).map_err(|e| key_error(&path, e))?;
    if created {
        tracing::info!(path = %path.display(), vkey = %signer.verifier_key(), "generated the audit log key");
    }
    Ok(signer)
}

/// Where [`load_or_create_log_key`] keeps the key.
pub fn log_key_path(data_dir: &Path) -> PathBuf {
    data_dir.join(LOG_KEY_FILE)
}

/// Fetches a plan's nodes in one store read and assembles them.
async fn fetch_plan(store: &dyn Store, plan: &NodePlan) -> Result<Vec<Hash>> {
    let fetched = store.log_nodes(plan.node_ids()).await?;
    plan.assemble(&fetched).map_err(translog_error)
}

impl Hub {
    pub(crate) fn log_signer(&self) -> &Arc<LogSigner> {
        &self.log_signer
    }

    /// The log's origin line (also its key name).
    pub fn log_origin(&self) -> &str {
        self.log_signer().verifier_key().name()
    }

    /// The verifier key in the C2SP `vkey` text form, for clients to check checkpoints with.
    pub fn log_verifier_key(&self) -> String {
        self.log_signer().verifier_key().to_string()
    }

    /// Builds the tree for audit events written before the log existed. Call once at start, before serving.
    pub async fn prepare_log(&self) -> Result<u64> {
        let added = self.store().log_catch_up().await?;
        if added > 0 {
            tracing::info!(added, "added audit events to the transparency log");
        }
        Ok(added)
    }

    /// The root hash of the first `size` leaves.
    pub async fn log_root(&self, size: u64) -> Result<Hash> {
        let plan = root_plan(size).map_err(|e| HubError::invalid("size", e.to_string()))?;
        Ok(fetch_plan(&**self.store(), &plan).await?.first().copied().unwrap_or_else(empty_root))
    }

    /// Signs a checkpoint of the current tree unless the latest one already covers it; returns the latest.
    pub async fn sign_checkpoint(&self) -> Result<StoredCheckpoint> {
        let size = self.store().log_size().await?;
        if let Some(latest) = self.store().latest_checkpoint().await?.filter(|c| c.tree_size >= size) {
            return Ok(latest);
        }
        let root = self.log_root(size).await?;
        let note =
            Checkpoint::new(self.log_origin(), size, root).sign(self.log_signer()).map_err(translog_error)?.encode();
        // Millisecond precision, as stored, so the returned checkpoint equals the one read back later.
        let now = self.now();
        let created_at =
            time::OffsetDateTime::from_unix_timestamp_nanos(now.unix_timestamp_nanos() / 1_000_000 * 1_000_000)
                .unwrap_or(now);
        let checkpoint = StoredCheckpoint { tree_size: size, root, note, created_at };
        if !self.store().insert_checkpoint(&checkpoint).await? {
            // Another hub process signed this size first; serve its note, it commits to the same root.
            return self
                .store()
                .latest_checkpoint()
                .await?
                .ok_or_else(|| HubError::Internal("checkpoint vanished after a conflicting insert".into()));
        }
        tracing::debug!(size, "signed an audit log checkpoint");
        Ok(checkpoint)
    }

    /// Signs a checkpoint now, on an operator's request, instead of waiting for the background task.
    pub async fn request_checkpoint(&self, p: &Principal) -> Result<StoredCheckpoint> {
        require(p, Permission::ManageRegistries)?;
        self.sign_checkpoint().await
    }

    /// The latest signed checkpoint; the first call on an empty table signs one.
    pub async fn latest_checkpoint(&self) -> Result<StoredCheckpoint> {
        match self.store().latest_checkpoint().await? {
            Some(checkpoint) => Ok(checkpoint),
            None => self.sign_checkpoint().await,
        }
    }

    /// Signs a checkpoint every `every` while the tree grows. Runs until the task is dropped; failures are logged
    /// and retried at the next tick.
    pub async fn run_checkpointer(self, every: Duration) {
        let mut ticks = tokio::time::interval(every.max(Duration::from_secs(1)));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if let Err(e) = self.sign_checkpoint().await {
                tracing::warn!(error = %e, detail = ?e, "could not sign an audit log checkpoint");
            }
        }
    }

    /// A tree size given by a client, defaulting to the latest checkpoint's. It must be inside the tree.
    async fn proof_size(&self, field: &str, size: Option<u64>) -> Result<u64> {
        let size = match size {
            Some(size) => size,
            None => self.latest_checkpoint().await?.tree_size,
        };
        let tree = self.store().log_size().await?;
        if size > tree {
            return Err(HubError::invalid(field, format!("{size} is beyond the log, which has {tree} leaves")));
        }
        Ok(size)
    }

    /// The inclusion proof of leaf `index` in the tree of `size` leaves (default: the latest checkpoint's size).
    pub async fn inclusion_proof(&self, index: u64, size: Option<u64>) -> Result<InclusionProof> {
        let size = self.proof_size("size", size).await?;
        if index >= size {
            return Err(HubError::invalid(
                "index",
                format!("leaf {index} is not in a tree of {size} leaves (the next checkpoint may cover it)"),
            ));
        }
        let plan = inclusion_plan(index, size).map_err(|e| HubError::invalid("index", e.to_string()))?;
        let hashes = fetch_plan(&**self.store(), &plan).await?;
        Ok(InclusionProof { leaf_index: index, tree_size: size, hashes })
    }

    /// The consistency proof from tree size `first` to `second` (default: the latest checkpoint's size).
    pub async fn consistency_proof(&self, first: u64, second: Option<u64>) -> Result<ConsistencyProof> {
        let second = self.proof_size("second", second).await?;
        if first == 0 || first > second {
            return Err(HubError::invalid("first", format!("must be between 1 and the second size ({second})")));
        }
        let plan = consistency_plan(first, second).map_err(|e| HubError::invalid("first", e.to_string()))?;
        let hashes = fetch_plan(&**self.store(), &plan).await?;
        Ok(ConsistencyProof { first_size: first, second_size: second, hashes })
    }
}
