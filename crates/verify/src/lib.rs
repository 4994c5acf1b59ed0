//! ecert-verify: the PAdES validation engine.
//!
//! ```text
//! validate_pdf(bytes, &ValidationPolicy, &TrustContext, at: Option<OffsetDateTime>) -> Report
//! ```
//!
//! Every signature and document timestamp goes through the layers below; each layer's rules are
//! fields of [`ValidationPolicy`] (the default is the hub's strict policy) and each finding is a
//! reason in the [`Report`].
//!
//! 1. **Byte layer** ([`bytes`]): signature dictionaries found through AcroForm fields *and* by a
//!    raw scan (unreferenced ones fail under the default policy); `/ByteRange` is exactly four
//!    non-negative integers `[0 a b c]`; the gap `a..b` is exactly the span of *this*
//!    dictionary's `/Contents` hex string as the parser read it (defeats signature wrapping); the
//!    coverage ends at the end of a revision of the `startxref`/`%%EOF` chain: the whole file or
//!    an entire earlier revision, nothing else. Bytes after the final revision fail.
//! 2. **CMS layer** ([`cms_layer`]): BER framing normalised, exactly one SignerInfo, detached (no
//!    eContent), digest on the allow-list (SHA-1 and MD5 fail), content-type and messageDigest
//!    present and correct, signing-certificate(-v2) matches the signer (required for CAdES),
//!    signed attributes DER-encoded and the signature verified over exactly those bytes (RSA
//!    PKCS#1 v1.5, RSA-PSS, ECDSA P-256/384/521, Ed25519 via aws-lc-rs).
//! 3. **Certificate layer** ([`certpath`]): a path from the signer to an anchor of the
//!    [`TrustContext`] through CMS, DSS and anchor certificates; signatures, validity at the best
//!    signature time, basicConstraints/pathLen, key usage, unknown critical extensions.
//! 4. **Time and revocation** ([`timestamp`], [`revocation`], [`TrustContext`]): signature timestamps (imprint =
//!    hash of the signature value; a trusted one sets the best signature time), document
//!    timestamps (imprint = hash of the covered bytes), CRL/OCSP from /DSS and
//!    adbe-revocationInfoArchival (verified against the issuer, checked for freshness at the best
//!    signature time per [`RevocationPolicy`], for every non-anchor certificate of the signer's,
//!    the signature TSA's and the document timestamp TSA's paths), registry revocations.
//! 5. **Modification analysis** ([`modification`]): deny by default; DSS/VRI, document
//!    timestamps, new signatures, form filling (DocMDP P>=2, FieldMDP locks), annotations (P=3 and
//!    policy) are the only accepted changes; the violations name the objects.
//! 6. **Report** ([`report`]): ETSI EN 319 102-1 indication + sub-indication per signature,
//!    integrity, coverage, modification level, signer, chain, times, algorithms, reasons; a
//!    document verdict; JSON (serde), `Display`, [`Report::exit_code`].
//!
//! # Verdict mapping (intended differences from ETSI/pyHanko are noted)
//! - Integrity failures are TOTAL_FAILED whatever the trust: HASH_FAILURE (messageDigest, or a
//!   timestamp imprint that does not match: a copied timestamp), SIG_CRYPTO_FAILURE,
//!   FORMAT_FAILURE (byte layer, CMS structure, non-DER signed attributes, disallowed changes),
//!   CRYPTO_CONSTRAINTS_FAILURE for a forbidden digest (ETSI would say INDETERMINATE for lack of a
//!   proof of existence; a trade document hub cannot accept SHA-1 collisions at all).
//! - Missing anchor or path: INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND with integrity intact.
//! - Signer certificate absent from CMS and DSS: INDETERMINATE / NO_SIGNING_CERTIFICATE_FOUND,
//!   integrity *unverified* (never "intact").
//! - Expired signer without a trusted timestamp: INDETERMINATE / OUT_OF_BOUNDS_NO_POE; with one
//!   whose time is after expiry: TOTAL_FAILED / EXPIRED. Not yet valid: TOTAL_FAILED / NOT_YET_VALID.
//! - Key usage, basicConstraints, pathLen or unknown critical extension: TOTAL_FAILED /
//!   CHAIN_CONSTRAINTS_FAILURE.
//! - Registry revocation at or before the proven signing time: TOTAL_FAILED / REVOKED; without a
//!   proof of the signing time: INDETERMINATE / REVOKED_NO_POE.
//! - Embedded CRL/OCSP: signer revoked at or before the best signature time as above (REVOKED /
//!   REVOKED_NO_POE); an intermediate CA revoked at or before it: INDETERMINATE /
//!   REVOKED_CA_NO_POE, proven or not (EN 319 102-1 keeps TOTAL_FAILED / REVOKED for the signing
//!   certificate); only stale "good" data (window not covering the best signature time):
//!   INDETERMINATE / TRY_LATER. A signature timestamp whose TSA path is revoked (or only stale)
//!   at its genTime does not prove the signing time. No data for a CA or TSA is a reason only
//!   (registry and anchors are authoritative).
//! - RSA keys under `min_rsa_bits`: INDETERMINATE / CRYPTO_CONSTRAINTS_FAILURE (math still checked).
//! - A signature timestamp the policy cannot use (SHA-1, no TSA certificate) is ignored with a
//!   reason; one that does not match the signature fails the signature.

pub mod bytes;
pub mod certpath;
pub mod certs;
pub mod cms_layer;
pub mod crypto;
mod der_walk;
pub mod error;
pub mod modification;
pub mod policy;
pub mod report;
pub mod revocation;
mod time_util;
pub mod timestamp;
pub mod trust;
mod validate;

pub use error::VerifyError;
pub use policy::{Limits, RevocationPolicy, ValidationPolicy};
pub use report::{Indication, Integrity, Report, SubIndication};
pub use trust::{RegistryRevocation, TrustContext};
pub use validate::validate_pdf;
