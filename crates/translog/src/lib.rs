//! ecert-translog: a verifiable, append-only audit log.
//!
//! * [`hash`]: RFC 6962 / RFC 9162 leaf and node hashing.
//! * [`tree`], [`reader`], [`append`]: tree maths over *stored full-subtree
//!   hashes*; appends, roots and proofs need O(log n) nodes, listed up front
//!   ([`NodePlan`], [`append_plan`]) so a database fetches them in one query.
//! * [`memory`]: an in-memory node store.
//! * [`verify`]: inclusion and consistency proof verification (RFC 9162);
//!   [`proof`]: the same proofs as serialisable values for APIs and files.
//! * [`keys`], [`note`], [`checkpoint`]: Ed25519 log keys, C2SP signed notes
//!   and tlog-checkpoints.
//! * [`export`]: recomputing an exported log against its signed checkpoints.
//!
//! The crate does no IO: leaf bytes come from the caller, nodes go to and
//! come from the caller's store through [`NodeReader`].
//!
//! ```
//! use ecert_translog::*;
//!
//! # fn main() -> Result<()> {
//! // Append: the store persists the returned nodes.
//! let mut store = MemoryTree::new();
//! let new_nodes = append_leaves(&store, 0, &[leaf_hash(b"event 0"), leaf_hash(b"event 1")])?;
//! store.store(&new_nodes)?;
//! store.append_data([b"event 2".as_slice()])?;
//!
//! // A store that fetches by itself: one batch read of exactly these nodes.
//! let plan = inclusion_plan(1, 3)?;
//! let fetched = store.nodes(plan.node_ids())?;
//! let proof = plan.assemble(&fetched)?;
//! let head = root(&store, 3)?;
//! verify_inclusion(&leaf_hash(b"event 1"), 1, 3, &proof, &head)?;
//!
//! // Signed checkpoint, published and verified by anyone holding the vkey.
//! let (signer, _pkcs8_to_persist) = LogSigner::generate("ecert.example/audit")?;
//! let note = Checkpoint::new("ecert.example/audit", 3, head).sign(&signer)?.encode();
//! let vkey = VerifierKey::parse(&signer.verifier_key().to_string())?;
//! let checkpoint = SignedCheckpoint::open(note.as_bytes(), &vkey)?;
//! assert_eq!(checkpoint.size, 3);
//! # Ok(())
//! # }
//! ```

pub mod append;
pub mod checkpoint;
pub mod compact;
pub mod error;
pub mod export;
pub mod hash;
pub mod keys;
pub mod memory;
pub mod note;
pub mod proof;
pub mod reader;
pub mod tree;
pub mod verify;

pub use append::{MAX_APPEND_BATCH, NewNode, append_leaf, append_leaves, append_plan, complete_append};
pub use checkpoint::{Checkpoint, SignedCheckpoint};
pub use compact::RootAccumulator;
pub use error::{Error, Result};
pub use export::{
    CheckpointReport, CheckpointStatus, ExportReport, ExportedLeaf, LeafMismatch, MAX_EXPORT_CHECKPOINTS, verify_export,
};
pub use hash::{HASH_LEN, Hash, empty_root, leaf_hash, node_hash};
pub use keys::{LogSigner, VerifierKey, validate_key_name};
pub use memory::MemoryTree;
pub use note::{NoteLimits, NoteSignature, SignedNote};
pub use proof::{ConsistencyProof, InclusionProof};
pub use reader::{NodeReader, consistency_proof, fetch_plan, inclusion_proof, root};
pub use tree::{MAX_TREE_SIZE, NodeId, NodePlan, consistency_plan, full_subtrees, inclusion_plan, root_plan};
pub use verify::{
    root_from_inclusion_proof, verify_consistency, verify_consistency_bytes, verify_inclusion, verify_inclusion_bytes,
};
