//! The crate's one error type. Validation findings are not errors (they go into the report);
//! these are the failures of a layer to produce a finding, each mapped to a sub-indication.

use crate::report::SubIndication;

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum VerifyError {
    #[error("input is {size} bytes, over the limit of {limit}")]
    InputTooLarge { size: usize, limit: usize },
    #[error("PDF could not be parsed: {0}")]
    Pdf(String),
    #[error("document is encrypted; encrypted PDFs are not accepted")]
    Encrypted,
    #[error("validation exceeded the time budget of {0} ms")]
    Deadline(u64),
    #[error("too many signatures: {found} (limit {limit})")]
    TooManySignatures { found: usize, limit: usize },

    #[error("signature dictionary: {0}")]
    SignatureDictionary(String),
    #[error("/ByteRange: {0}")]
    ByteRange(String),
    #[error("/Contents: {0}")]
    Contents(String),

    #[error("CMS structure: {0}")]
    CmsFormat(String),
    #[error("CMS uses digest {0}, which the policy forbids")]
    ForbiddenDigest(String),
    #[error("unsupported algorithm: {0}")]
    UnsupportedAlgorithm(String),
    #[error("signer certificate not found in the CMS or DSS")]
    SignerCertificateMissing,
    #[error("messageDigest does not match the covered bytes")]
    DigestMismatch,
    #[error("signature value does not verify: {0}")]
    SignatureInvalid(String),
    #[error("signing-certificate attribute: {0}")]
    SigningCertificateMismatch(String),

    #[error("certificate could not be parsed: {0}")]
    Certificate(String),
    #[error("trust anchor rejected: {0}")]
    BadAnchor(String),
    #[error("timestamp token: {0}")]
    Timestamp(String),
    #[error("timestamp messageImprint does not match the timestamped data (copied or foreign timestamp)")]
    TimestampImprintMismatch,
}

impl VerifyError {
    /// The ETSI sub-indication this failure leads to.
    pub fn sub_indication(&self) -> SubIndication {
        match self {
            VerifyError::DigestMismatch | VerifyError::TimestampImprintMismatch => SubIndication::HashFailure,
            VerifyError::SignatureInvalid(_) => SubIndication::SigCryptoFailure,
            VerifyError::ForbiddenDigest(_) | VerifyError::UnsupportedAlgorithm(_) => {
                SubIndication::CryptoConstraintsFailure
            }
            VerifyError::SignerCertificateMissing => SubIndication::NoSigningCertificateFound,
            _ => SubIndication::FormatFailure,
        }
    }
}
