//! The one error type of this crate.

use crate::hash::Hash;
use crate::tree::NodeId;

/// Everything that can go wrong in tree maths, proof verification, notes,
/// checkpoints, keys and export verification.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    // ---- tree and proofs -------------------------------------------------
    /// A tree size beyond [`crate::MAX_TREE_SIZE`].
    #[error("tree size {size} exceeds the supported maximum of {max}")]
    TreeTooLarge { size: u64, max: u64 },
    /// A leaf index that is not inside the tree.
    #[error("leaf index {index} is beyond tree size {size}")]
    IndexBeyondSize { index: u64, size: u64 },
    /// A consistency request whose first size is larger than its second.
    #[error("first tree size {first} is larger than second tree size {second}")]
    SizesOutOfOrder { first: u64, second: u64 },
    /// Consistency from the empty tree proves nothing (RFC 9162 requires 0 < m).
    #[error("a consistency proof from the empty tree (size 0) is meaningless")]
    ConsistencyFromEmptyTree,
    /// A proof with the wrong number of hashes for its index and sizes.
    #[error("wrong proof length: expected {expected} hashes, got {actual}")]
    WrongProofLength { expected: usize, actual: usize },
    /// The root recomputed from a proof differs from the claimed root.
    #[error("root mismatch for tree size {size}: expected {expected}, computed {computed}")]
    RootMismatch { size: u64, expected: Hash, computed: Hash },
    /// Two trees of the same size claim different roots.
    #[error("trees of equal size {size} have different roots")]
    EqualSizeRootsDiffer { size: u64 },
    /// A byte string that should be a SHA-256 hash has another length.
    #[error("{field} is {len} bytes long, a SHA-256 hash is 32")]
    HashLength { field: &'static str, len: usize },
    /// A field that should be standard, padded base64 is not.
    #[error("{field} is not valid base64")]
    Base64 { field: &'static str },

    // ---- node storage ----------------------------------------------------
    /// The caller's [`crate::NodeReader`] failed.
    #[error("node store failed: {0}")]
    Reader(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The caller's [`crate::NodeReader`] answered with the wrong number of hashes.
    #[error("node store returned {actual} hashes for {expected} requested nodes")]
    ReaderCount { expected: usize, actual: usize },
    /// More leaves in one append batch than [`crate::MAX_APPEND_BATCH`].
    #[error("append batch of {count} leaves exceeds the limit of {max}")]
    BatchTooLarge { count: usize, max: usize },
    /// The in-memory store was asked for a node it does not hold.
    #[error("node {0} is not stored")]
    NodeMissing(NodeId),
    /// The in-memory store was given a node that is not the next one at its level.
    #[error("node {id} cannot be stored: the next free index at level {} is {expected}", id.level)]
    NodeOutOfOrder { id: NodeId, expected: u64 },

    // ---- keys ------------------------------------------------------------
    /// A note key name that is empty or holds a space or '+'.
    #[error("invalid key name {0:?}: it must be non-empty, without spaces or '+'")]
    InvalidKeyName(String),
    /// A verifier key string that does not follow `<name>+<hex id>+<base64 key>`.
    #[error("malformed verifier key: {0}")]
    MalformedVerifierKey(&'static str),
    /// A verifier key for an algorithm other than Ed25519 (type 0x01).
    #[error("unsupported verifier key type 0x{0:02x} (only Ed25519, 0x01, is supported)")]
    UnsupportedKeyType(u8),
    /// A verifier key whose key ID does not match its name and public key.
    #[error("verifier key id {stated:08x} does not match the computed id {computed:08x}")]
    KeyIdMismatch { stated: u32, computed: u32 },
    /// A PKCS#8 document that is not a usable Ed25519 private key.
    #[error("invalid Ed25519 PKCS#8 private key: {0}")]
    InvalidPrivateKey(String),
    /// The system could not generate or use a key.
    #[error("cryptographic operation failed: {0}")]
    Crypto(&'static str),

    // ---- signed notes ----------------------------------------------------
    /// A note larger than the configured limit.
    #[error("note is {len} bytes, the limit is {max}")]
    NoteTooLarge { len: usize, max: usize },
    /// A note that is not UTF-8 or holds forbidden control characters.
    #[error("note is not valid UTF-8 text without control characters")]
    NoteEncoding,
    /// A note whose structure is wrong.
    #[error("malformed signed note: {0}")]
    MalformedNote(&'static str),
    /// A note with more signature lines than the configured limit.
    #[error("note has {count} signatures, the limit is {max}")]
    TooManySignatures { count: usize, max: usize },
    /// No signature line comes from the expected key (name and key ID).
    #[error("note carries no signature by key {name} ({key_id:08x})")]
    UnknownKey { name: String, key_id: u32 },
    /// A signature by the expected key does not verify: forged or altered note.
    #[error("signature by key {name} ({key_id:08x}) is invalid: the note is forged or altered")]
    SignatureInvalid { name: String, key_id: u32 },

    // ---- checkpoints -----------------------------------------------------
    /// A checkpoint body that does not follow c2sp.org/tlog-checkpoint.
    #[error("malformed checkpoint: {0}")]
    MalformedCheckpoint(&'static str),

    // ---- export ----------------------------------------------------------
    /// Exported leaves must come in index order without gaps.
    #[error("exported leaves out of order: expected index {expected}, found {found}")]
    ExportOutOfOrder { expected: u64, found: u64 },
    /// More checkpoints than [`crate::MAX_EXPORT_CHECKPOINTS`].
    #[error("{count} checkpoints exceed the limit of {max}")]
    TooManyCheckpoints { count: usize, max: usize },
}

/// Shorthand used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
