//! The crate's single error type.

use const_oid::ObjectIdentifier;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in ecert-pki.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// ASN.1 input that does not decode (what = which structure).
    #[error("malformed {what}: {reason}")]
    Malformed { what: &'static str, reason: String },

    /// Input larger than the configured limit.
    #[error("{what} is {len} bytes, above the limit of {limit} bytes")]
    TooLarge { what: &'static str, len: usize, limit: usize },

    /// More items than the configured limit (certificates in a bundle, CRL entries, ...).
    #[error("{what}: more than {limit} items")]
    TooMany { what: &'static str, limit: usize },

    /// PEM text without the expected block.
    #[error("no PEM block labelled {expected} found")]
    PemNotFound { expected: &'static str },

    /// An algorithm identifier we do not implement (or refuse by design).
    #[error("unsupported algorithm {oid}: {reason}")]
    UnsupportedAlgorithm { oid: ObjectIdentifier, reason: &'static str },

    /// Digest/key combination that cannot be used together.
    #[error("algorithm mismatch: {0}")]
    AlgorithmMismatch(String),

    /// The cryptographic signature does not verify.
    #[error("signature verification failed: {0}")]
    BadSignature(&'static str),

    /// The private key is of a type or size we do not sign with.
    #[error("unsupported key: {0}")]
    UnsupportedKey(String),

    /// The passphrase does not decrypt the key container.
    #[error("wrong passphrase")]
    WrongPassphrase,

    /// An encrypted key was given but no passphrase.
    #[error("the key is encrypted and no passphrase was given")]
    PassphraseRequired,

    /// The private key does not belong to the certificate's public key.
    #[error("the private key does not match the certificate's public key")]
    KeyCertMismatch,

    /// PKCS#12 container problems other than the passphrase.
    #[error("PKCS#12: {0}")]
    Pkcs12(String),

    /// CMS structure is valid ASN.1 but not what we accept.
    #[error("CMS: {0}")]
    Cms(String),

    /// RFC 3161 protocol failures (status, nonce, imprint, token contents).
    #[error("timestamp: {0}")]
    Timestamp(String),

    /// The TSA could not be reached or answered with something other than a response.
    #[error("TSA {url} unavailable: {reason}")]
    TsaUnavailable { url: String, reason: String },

    /// CRL or OCSP content problems.
    #[error("revocation data: {0}")]
    Revocation(String),

    /// A certificate extension we parse is malformed, duplicated, or unusable.
    #[error("certificate: {0}")]
    Certificate(String),

    /// aws-lc-rs refused an operation (key generation, signing).
    #[error("crypto operation failed: {0}")]
    Crypto(&'static str),

    /// Time value outside what X.509 can encode, or not representable.
    #[error("invalid time: {0}")]
    Time(String),

    /// The shared test PKI could not be generated.
    #[error("test PKI generation failed: {0}")]
    TestPki(String),

    /// File system errors (testpki output, HTTP test server).
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    /// Shorthand used by every decoder: wraps a der error with the name of the structure.
    pub(crate) fn malformed(what: &'static str, err: impl std::fmt::Display) -> Self {
        Error::Malformed { what, reason: err.to_string() }
    }
}
