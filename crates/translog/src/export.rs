//! Verifying an exported log: recompute every leaf hash and the tree, and
//! compare them with the stored leaf hashes and the signed checkpoints.
//!
//! The recomputation streams: memory is O(log n) plus the checkpoints.

use std::fmt;

use crate::checkpoint::SignedCheckpoint;
use crate::compact::RootAccumulator;
use crate::error::{Error, Result};
use crate::hash::{Hash, leaf_hash};
use crate::keys::VerifierKey;

/// Most checkpoints one export verification accepts.
pub const MAX_EXPORT_CHECKPOINTS: usize = 100_000;

/// One leaf as exported from the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportedLeaf {
    /// Position in the log; exports must be complete and in order from 0.
    pub index: u64,
    /// The leaf bytes (the canonical event encoding).
    pub data: Vec<u8>,
    /// The leaf hash the store holds for this index.
    pub stored_leaf_hash: Hash,
}

/// A leaf whose data no longer hashes to its stored leaf hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeafMismatch {
    /// Leaf index.
    pub index: u64,
    /// Hash found in the store.
    pub stored: Hash,
    /// Hash of the exported data.
    pub recomputed: Hash,
}

/// The outcome for one checkpoint.
#[derive(Debug)]
pub enum CheckpointStatus {
    /// Correctly signed, and its root equals the recomputed root.
    Matches,
    /// Correctly signed, but the log's data no longer yields its root.
    RootMismatch {
        /// Root in the checkpoint.
        signed: Hash,
        /// Root recomputed from the exported leaves.
        recomputed: Hash,
    },
    /// Correctly signed, but larger than the export: leaves are missing.
    BeyondExport {
        /// Number of leaves in the export.
        exported: u64,
    },
    /// Unparseable, or its signature is forged or from another key.
    Rejected(Error),
}

/// One checkpoint's result.
#[derive(Debug)]
pub struct CheckpointReport {
    /// Position in the list given to [`verify_export`].
    pub position: usize,
    /// Tree size it claims (`None` if it could not be parsed).
    pub size: Option<u64>,
    /// The outcome.
    pub status: CheckpointStatus,
}

/// What [`verify_export`] found.
#[derive(Debug)]
pub struct ExportReport {
    /// Number of leaves exported.
    pub leaf_count: u64,
    /// Root recomputed over all exported data.
    pub root: Hash,
    /// The first leaf whose data disagrees with its stored hash.
    pub first_bad_leaf: Option<LeafMismatch>,
    /// How many leaves disagree in total.
    pub bad_leaf_count: u64,
    /// One entry per checkpoint, in input order.
    pub checkpoints: Vec<CheckpointReport>,
}

impl ExportReport {
    /// True when every leaf matches and every checkpoint verifies and matches.
    pub fn is_valid(&self) -> bool {
        self.first_bad_leaf.is_none() && self.checkpoints.iter().all(|c| matches!(c.status, CheckpointStatus::Matches))
    }
}

impl fmt::Display for ExportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "leaves: {}, recomputed root: {}", self.leaf_count, self.root.to_base64())?;
        match &self.first_bad_leaf {
            None => writeln!(f, "leaf hashes: all match")?,
            Some(bad) => writeln!(
                f,
                "leaf hashes: {} mismatch(es), first at leaf {} (stored {}, recomputed {})",
                self.bad_leaf_count,
                bad.index,
                bad.stored.to_base64(),
                bad.recomputed.to_base64()
            )?,
        }
        for c in &self.checkpoints {
            let size = c.size.map_or_else(|| "?".to_owned(), |s| s.to_string());
            match &c.status {
                CheckpointStatus::Matches => writeln!(f, "checkpoint #{} (size {size}): ok", c.position)?,
                CheckpointStatus::RootMismatch { signed, recomputed } => writeln!(
                    f,
                    "checkpoint #{} (size {size}): ROOT MISMATCH signed {} recomputed {}",
                    c.position,
                    signed.to_base64(),
                    recomputed.to_base64()
                )?,
                CheckpointStatus::BeyondExport { exported } => writeln!(
                    f,
                    "checkpoint #{} (size {size}): BEYOND EXPORT, only {exported} leaves exported",
                    c.position
                )?,
                CheckpointStatus::Rejected(e) => {
                    writeln!(f, "checkpoint #{} (size {size}): REJECTED: {e}", c.position)?
                }
            }
        }
        write!(f, "verdict: {}", if self.is_valid() { "VALID" } else { "INVALID" })
    }
}

/// Recomputes the log from `leaves` (indexes 0, 1, 2, ... in order) and
/// checks each signed checkpoint (its C2SP note text) against `key` and the
/// recomputed root at its size.
///
/// Tampering is reported, not returned as an error: the report names the
/// first leaf whose data no longer matches its stored hash and every
/// checkpoint that is forged or whose root the data no longer produces.
/// Errors are reserved for unusable input (leaves out of order, too many
/// checkpoints).
pub fn verify_export<L, C>(leaves: L, checkpoints: &[C], key: &VerifierKey) -> Result<ExportReport>
where
    L: IntoIterator<Item = ExportedLeaf>,
    C: AsRef<[u8]>,
{
    if checkpoints.len() > MAX_EXPORT_CHECKPOINTS {
        return Err(Error::TooManyCheckpoints { count: checkpoints.len(), max: MAX_EXPORT_CHECKPOINTS });
    }
    let mut reports: Vec<CheckpointReport> = Vec::with_capacity(checkpoints.len());
    // (size, signed root, position in `reports`) of every verified checkpoint.
    let mut pending: Vec<(u64, Hash, usize)> = Vec::new();
    for (position, text) in checkpoints.iter().enumerate() {
        let parsed = SignedCheckpoint::parse(text.as_ref());
        let size = parsed.as_ref().ok().map(|c| c.unverified().size);
        let status = match parsed.and_then(|c| c.verify(key).map(|cp| (cp.size, cp.root))) {
            Ok((size, root)) => {
                pending.push((size, root, position));
                // Provisional; settled once the tree reaches this size.
                CheckpointStatus::BeyondExport { exported: 0 }
            }
            Err(e) => CheckpointStatus::Rejected(e),
        };
        reports.push(CheckpointReport { position, size, status });
    }
    // Largest last, so the next due checkpoint is popped from the end.
    pending.sort_by_key(|p| std::cmp::Reverse(p.0));

    let mut acc = RootAccumulator::new();
    let mut first_bad_leaf = None;
    let mut bad_leaf_count = 0u64;
    for leaf in leaves {
        settle_due(&mut pending, &acc, &mut reports);
        if leaf.index != acc.size() {
            return Err(Error::ExportOutOfOrder { expected: acc.size(), found: leaf.index });
        }
        let recomputed = leaf_hash(&leaf.data);
        if recomputed != leaf.stored_leaf_hash {
            bad_leaf_count += 1;
            first_bad_leaf.get_or_insert(LeafMismatch { index: leaf.index, stored: leaf.stored_leaf_hash, recomputed });
        }
        acc.push(recomputed);
    }
    settle_due(&mut pending, &acc, &mut reports);
    for (_, _, position) in pending {
        if let Some(report) = reports.get_mut(position) {
            report.status = CheckpointStatus::BeyondExport { exported: acc.size() };
        }
    }
    Ok(ExportReport { leaf_count: acc.size(), root: acc.root(), first_bad_leaf, bad_leaf_count, checkpoints: reports })
}

/// Compares every pending checkpoint of exactly the current size.
fn settle_due(pending: &mut Vec<(u64, Hash, usize)>, acc: &RootAccumulator, reports: &mut [CheckpointReport]) {
    let mut root = None;
    while let Some(&(size, signed, position)) = pending.last() {
        if size != acc.size() {
            break;
        }
        pending.pop();
        let recomputed = *root.get_or_insert_with(|| acc.root());
        if let Some(report) = reports.get_mut(position) {
            report.status = if recomputed == signed {
                CheckpointStatus::Matches
            } else {
                CheckpointStatus::RootMismatch { signed, recomputed }
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::Checkpoint;
    use crate::keys::LogSigner;
    use crate::memory::MemoryTree;
    use crate::reader::root;

    const ORIGIN: &str = "ecert.example/audit";

    struct Fixture {
        signer: LogSigner,
        leaves: Vec<ExportedLeaf>,
        tree: MemoryTree,
    }

    fn fixture(n: u64) -> Fixture {
        let signer = LogSigner::generate(ORIGIN).unwrap().0;
        let leaves: Vec<ExportedLeaf> = (0..n)
            .map(|index| {
                let data = format!("event {index}").into_bytes();
                ExportedLeaf { index, stored_leaf_hash: leaf_hash(&data), data }
            })
            .collect();
        let mut tree = MemoryTree::new();
        tree.append_data(leaves.iter().map(|l| &l.data)).unwrap();
        Fixture { signer, leaves, tree }
    }

    impl Fixture {
        fn checkpoint(&self, size: u64) -> String {
            let root = root(&self.tree, size).unwrap();
            Checkpoint::new(ORIGIN, size, root).sign(&self.signer).unwrap().encode()
        }
    }

    #[test]
    fn intact_export_verifies() {
        let fx = fixture(37);
        let cps = vec![fx.checkpoint(37), fx.checkpoint(0), fx.checkpoint(10), fx.checkpoint(10)];
        let report = verify_export(fx.leaves.clone(), &cps, fx.signer.verifier_key()).unwrap();
        assert!(report.is_valid(), "{report}");
        assert_eq!(report.leaf_count, 37);
        assert_eq!(report.root, root(&fx.tree, 37).unwrap());
        assert_eq!(report.checkpoints.len(), 4);
        assert!(report.to_string().ends_with("verdict: VALID"));
    }

    #[test]
    fn altered_event_names_the_first_bad_leaf_and_breaks_checkpoints() {
        let fx = fixture(20);
        let cps = vec![fx.checkpoint(5), fx.checkpoint(20)];
        let mut leaves = fx.leaves.clone();
        leaves[7].data = b"event 7, edited".to_vec();
        leaves[12].data = b"event 12, edited".to_vec();
        let report = verify_export(leaves, &cps, fx.signer.verifier_key()).unwrap();
        assert!(!report.is_valid());
        let bad = report.first_bad_leaf.unwrap();
        assert_eq!(bad.index, 7);
        assert_eq!(bad.stored, fx.leaves[7].stored_leaf_hash);
        assert_eq!(report.bad_leaf_count, 2);
        assert!(matches!(report.checkpoints[0].status, CheckpointStatus::Matches));
        assert!(matches!(report.checkpoints[1].status, CheckpointStatus::RootMismatch { .. }));
        assert!(report.to_string().contains("first at leaf 7"));
    }

    #[test]
    fn altered_stored_hash_is_found_even_though_roots_still_match() {
        let fx = fixture(9);
        let mut leaves = fx.leaves.clone();
        leaves[3].stored_leaf_hash = leaf_hash(b"forged");
        let report = verify_export(leaves, &[fx.checkpoint(9)], fx.signer.verifier_key()).unwrap();
        assert_eq!(report.first_bad_leaf.map(|b| b.index), Some(3));
        assert!(matches!(report.checkpoints[0].status, CheckpointStatus::Matches));
        assert!(!report.is_valid());
    }

    #[test]
    fn rewritten_history_with_fixed_up_hashes_breaks_the_checkpoint() {
        let fx = fixture(9);
        let mut leaves = fx.leaves.clone();
        leaves[4].data = b"rewritten".to_vec();
        leaves[4].stored_leaf_hash = leaf_hash(b"rewritten");
        let report = verify_export(leaves, &[fx.checkpoint(9)], fx.signer.verifier_key()).unwrap();
        assert!(report.first_bad_leaf.is_none());
        assert!(matches!(report.checkpoints[0].status, CheckpointStatus::RootMismatch { .. }));
    }

    #[test]
    fn forged_foreign_garbage_and_future_checkpoints_are_reported() {
        let fx = fixture(6);
        let forged = fx.checkpoint(6).replacen("\n6\n", "\n5\n", 1);
        let foreign = {
            let other = LogSigner::generate(ORIGIN).unwrap().0;
            Checkpoint::new(ORIGIN, 6, root(&fx.tree, 6).unwrap()).sign(&other).unwrap().encode()
        };
        let mut bigger = fixture(8);
        bigger.signer = fx.signer;
        let future = bigger.checkpoint(8);
        let cps = vec![forged, foreign, "garbage".to_owned(), future];
        let report = verify_export(fx.leaves.clone(), &cps, bigger.signer.verifier_key()).unwrap();
        let st: Vec<_> = report.checkpoints.iter().map(|c| &c.status).collect();
        assert!(matches!(st[0], CheckpointStatus::Rejected(Error::SignatureInvalid { .. })));
        assert!(matches!(st[1], CheckpointStatus::Rejected(Error::UnknownKey { .. })));
        assert!(matches!(st[2], CheckpointStatus::Rejected(Error::MalformedNote(_))));
        assert_eq!(report.checkpoints[2].size, None);
        assert!(matches!(st[3], CheckpointStatus::BeyondExport { exported: 6 }));
        let text = report.to_string();
        assert!(text.contains("REJECTED") && text.contains("BEYOND EXPORT") && text.ends_with("INVALID"));
    }

    #[test]
    fn unusable_input_is_an_error() {
        let fx = fixture(4);
        let mut leaves = fx.leaves.clone();
        leaves.remove(2);
        assert!(matches!(
            verify_export(leaves, &[] as &[String], fx.signer.verifier_key()),
            Err(Error::ExportOutOfOrder { expected: 2, found: 3 })
        ));
        let many = vec![String::new(); MAX_EXPORT_CHECKPOINTS + 1];
        assert!(matches!(
            verify_export(fx.leaves.clone(), &many, fx.signer.verifier_key()),
            Err(Error::TooManyCheckpoints { .. })
        ));
    }
}
