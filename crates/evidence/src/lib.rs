//! ecert-evidence: offline evidence bundles for submitted documents.
//!
//! A bundle is one JSON file ([`EvidenceBundle`]) that lets anyone re-check, years later and without the hub,
//! that a PDF is the document the hub accepted, and how it judged it then:
//!
//! * [`commitment`]: the digest the `document_submitted` audit event carries as its `evidence:<hex>` subject.
//!   It covers the document's identity, metadata, PDF digest, the stored validation report and the PKI data,
//!   so the audit-log leaf commits to every part of the bundle. The hub computes it at push with the same
//!   function the offline checker uses.
//! * [`bundle`]: the file format (`ecert-evidence/1`) and its size limits.
//! * [`check`]: the offline checks: PDF digest, leaf and commitment, inclusion proof, checkpoint signature, and a
//!   fresh validation of the PDF at the original validation time against the certificates the hub trusted.
//!
//! The crate does no IO and needs neither the hub nor a database.

pub mod bundle;
pub mod check;
pub mod commitment;
mod error;

pub use bundle::{BundleAudit, BundleDocument, BundlePkiData, EvidenceBundle, FORMAT, MAX_BUNDLE_BYTES, MAX_PKI_ITEMS};
pub use check::{CheckKind, CheckOutcome, Verification, verify_bundle};
pub use commitment::{
    COMMITMENT_VERSION, EVIDENCE_SUBJECT_PREFIX, EvidenceParts, PkiParts, evidence_commitment, evidence_subject,
};
pub use error::EvidenceError;

/// SHA-256 of `bytes` (aws-lc-rs, like every digest of the hub).
pub(crate) fn sha256(bytes: &[u8]) -> ecert_domain::audit::Digest {
    ecert_domain::audit::Digest(ecert_verify::crypto::sha256(bytes))
}
