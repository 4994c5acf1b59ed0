//! Validation policy: every decision the engine makes that is a matter of policy rather than of
//! fact lives here, as an explicit value the caller passes in. The defaults are the hub's strict
//! policy.

use serde::Serialize;

/// Digest algorithms the engine can compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum DigestAlgorithm {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
    Sha3_256,
    Sha3_384,
    Sha3_512,
}

impl DigestAlgorithm {
    pub fn name(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha1 => "SHA-1",
            DigestAlgorithm::Sha256 => "SHA-256",
            DigestAlgorithm::Sha384 => "SHA-384",
            DigestAlgorithm::Sha512 => "SHA-512",
            DigestAlgorithm::Sha3_256 => "SHA3-256",
            DigestAlgorithm::Sha3_384 => "SHA3-384",
            DigestAlgorithm::Sha3_512 => "SHA3-512",
        }
    }
}

/// Layer 1: byte layer rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BytePolicy {
    /// Accept signature dictionaries no AcroForm field references. They are still validated and
    /// reported; if false they make the document fail (an unreferenced signature is a common
    /// ingredient of spoofing attacks).
    pub allow_unreferenced_signatures: bool,
}

/// Layer 2: CMS rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CmsPolicy {
    /// Digests accepted for messageDigest and the signature. Anything else is TOTAL_FAILED /
    /// CRYPTO_CONSTRAINTS_FAILURE (integrity broken: a SHA-1 collision could have been substituted).
    pub allowed_digests: Vec<DigestAlgorithm>,
    /// RSA keys shorter than this give INDETERMINATE / CRYPTO_CONSTRAINTS_FAILURE (the signature
    /// math is still checked, so integrity is established).
    pub min_rsa_bits: usize,
    /// Require signing-certificate(-v2) for /ETSI.CAdES.detached. Legacy /adbe.pkcs7.detached
    /// signatures never carry it; when present it must always match.
    pub require_signing_certificate_attr_for_cades: bool,
    /// Maximum size of the /Contents CMS blob in bytes.
    pub max_cms_bytes: usize,
}

/// Layer 3/4: certificate path, revocation and time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrustPolicy {
    /// Longest certificate path accepted (signer to anchor, inclusive).
    pub max_path_len: usize,
    /// Require a revocation status (CRL/OCSP or registry) for the signer to reach TOTAL_PASSED.
    /// When false, missing revocation data is only a reason, not an indeterminate verdict.
    pub require_revocation_info: bool,
    /// Maximum age (seconds) of a CRL/OCSP response relative to the validation time when it has
    /// no nextUpdate.
    pub max_revocation_age_secs: i64,
}

/// Layer 5: which changes after a signature are permitted. Deny by default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModificationPolicy {
    /// Adding or changing /DSS (and its VRI entries) after a signature. Required for PAdES B-LT/B-LTA.
    pub allow_dss_updates: bool,
    /// Adding document timestamps after a signature. Required for PAdES B-LTA.
    pub allow_document_timestamps: bool,
    /// New signature fields and their values (countersigning, further approvals).
    pub allow_new_signatures: bool,
    /// Filling form fields, only where DocMDP P>=2 (or no DocMDP) permits it.
    pub allow_form_filling: bool,
    /// Annotation changes, only where DocMDP P=3 permits them. The hub default is false.
    pub allow_annotations: bool,
}

/// All policy values for one validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidationPolicy {
    pub bytes: BytePolicy,
    pub cms: CmsPolicy,
    pub trust: TrustPolicy,
    pub modifications: ModificationPolicy,
    pub limits: Limits,
}

/// Resource limits. Every input is bounded; the PDF parser's own limits are derived from these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Limits {
    pub max_file_bytes: usize,
    pub max_signatures: usize,
    pub max_objects: usize,
    pub max_revisions: usize,
    pub max_nesting_depth: usize,
    pub max_decompressed_bytes: usize,
    /// Wall-clock budget for one document, in milliseconds.
    pub deadline_ms: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 64 * 1024 * 1024,
            max_signatures: 64,
            max_objects: 500_000,
            max_revisions: 256,
            max_nesting_depth: 64,
            max_decompressed_bytes: 256 * 1024 * 1024,
            deadline_ms: 1_500,
        }
    }
}

impl Default for ValidationPolicy {
    /// The hub's strict policy.
    fn default() -> Self {
        ValidationPolicy {
            bytes: BytePolicy { allow_unreferenced_signatures: false },
            cms: CmsPolicy {
                allowed_digests: vec![
                    DigestAlgorithm::Sha256,
                    DigestAlgorithm::Sha384,
                    DigestAlgorithm::Sha512,
                    DigestAlgorithm::Sha3_256,
                    DigestAlgorithm::Sha3_384,
                    DigestAlgorithm::Sha3_512,
                ],
                min_rsa_bits: 2048,
                require_signing_certificate_attr_for_cades: true,
                max_cms_bytes: 1024 * 1024,
            },
            trust: TrustPolicy {
                max_path_len: 8,
                require_revocation_info: false,
                max_revocation_age_secs: 7 * 24 * 3600,
            },
            modifications: ModificationPolicy {
                allow_dss_updates: true,
                allow_document_timestamps: true,
                allow_new_signatures: true,
                allow_form_filling: true,
                allow_annotations: false,
            },
            limits: Limits::default(),
        }
    }
}

impl ValidationPolicy {
    /// The hub's default: strict (see [`Default`]).
    pub fn strict() -> Self {
        Self::default()
    }

    /// Like [`strict`](Self::strict) but also accepting annotation changes where DocMDP P=3 permits them.
    pub fn permissive_annotations() -> Self {
        let mut p = Self::default();
        p.modifications.allow_annotations = true;
        p
    }

    pub fn digest_allowed(&self, alg: DigestAlgorithm) -> bool {
        self.cms.allowed_digests.contains(&alg)
    }
}
