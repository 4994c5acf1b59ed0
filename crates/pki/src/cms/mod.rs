//! CAdES detached SignedData for PAdES (B-B, B-T) and a byte-exact SignedData parser.
//!
//! The parser walks the DER TLVs itself instead of round-tripping through the `cms` crate so
//! that signed attributes, certificates and signatures are seen exactly as they were encoded:
//! a validator must verify the bytes that were signed, not a re-encoding of them.

mod build;
mod ess;
mod parse;

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5911;

use crate::alg::DigestAlgorithm;

pub(crate) use build::{Encapsulated, build_signed_data};
pub use build::{add_signature_timestamp, sign_detached, sign_detached_digest, timestamp_signature};
pub use ess::EssCertId;
pub use parse::{SignedData, SignerId, SignerInfo};

pub const ID_DATA: ObjectIdentifier = rfc5911::ID_DATA;
pub const ID_SIGNED_DATA: ObjectIdentifier = rfc5911::ID_SIGNED_DATA;
pub const ID_CONTENT_TYPE: ObjectIdentifier = rfc5911::ID_CONTENT_TYPE;
pub const ID_MESSAGE_DIGEST: ObjectIdentifier = rfc5911::ID_MESSAGE_DIGEST;
pub const ID_SIGNING_TIME: ObjectIdentifier = rfc5911::ID_SIGNING_TIME;
/// id-aa-signingCertificate (ESS v1, SHA-1 certificate hash).
pub const ID_AA_SIGNING_CERTIFICATE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.12");
/// id-aa-signingCertificateV2 (RFC 5035).
pub const ID_AA_SIGNING_CERTIFICATE_V2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
/// id-aa-signatureTimeStampToken (RFC 3161 appendix A).
pub const ID_AA_SIGNATURE_TIME_STAMP_TOKEN: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");

/// Options for [`sign_detached`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CmsSignOptions {
    pub digest: DigestAlgorithm,
    /// RSA-PSS instead of PKCS#1 v1.5 (RSA keys only).
    pub use_pss: bool,
}

impl Default for CmsSignOptions {
    fn default() -> Self {
        CmsSignOptions { digest: DigestAlgorithm::Sha256, use_pss: false }
    }
}
