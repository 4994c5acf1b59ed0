//! Validation policy: every decision the engine makes that is a matter of policy rather than of
//! fact lives here, as an explicit value the caller passes in. The defaults are the hub's strict
//! policy.

use serde::Serialize;
use time::Duration;

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
    /// Require verified CRL/OCSP data for the signer (from /DSS or the CMS revocation archive) to
    /// reach TOTAL_PASSED; without it the verdict is INDETERMINATE / TRY_LATER. When false (the
    /// hub default, where the Public Key Registry is authoritative) its absence is only a reason.
    pub require_revocation_info: bool,
    /// Freshness of embedded CRL/OCSP data and how far along the path it is checked.
    pub revocation: RevocationPolicy,
}

/// Revocation freshness (ETSI EN 319 102-1 clause 5.2.5, "revocation freshness checker").
///
/// Embedded CRL/OCSP data is checked for every non-anchor certificate of the signer's path and of
/// the TSA's path, at the best signature time `T` (the trusted timestamp's genTime, else the
/// validation time). A verified item that says "good" only counts when its validity window
/// covers `T`:
///
/// - `thisUpdate >= T - max_staleness` (for OCSP, the SingleResponse's thisUpdate), and
/// - `nextUpdate`, when present, is not before `T`.
///
/// Verified "good" data that fails either test is *stale*: INDETERMINATE / TRY_LATER, whatever
/// [`TrustPolicy::require_revocation_info`] says, because the document offers evidence that
/// cannot support the verdict. A revocation found in stale data still counts (revocation is
/// final). Missing data for a certificate stays a reason only unless
/// `require_revocation_info` is set (for the signer); for CA certificates the registry and
/// anchors are authoritative, so missing data is never a failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevocationPolicy {
    /// How long before the best signature time a CRL/OCSP `thisUpdate` may lie.
    ///
    /// Default 7 days: the CA/Browser Forum Baseline Requirements (4.9.7, 4.9.10) make CAs
    /// reissue CRLs at least every 7 days and refresh OCSP responses well within that, so data
    /// issued more than 7 days before signing had been superseded when the document was signed.
    pub max_staleness: Duration,
}

impl Default for RevocationPolicy {
    fn default() -> Self {
        RevocationPolicy { max_staleness: Duration::days(7) }
    }
}

impl RevocationPolicy {
    /// Whether an item valid from `this_update` to `next_update` speaks for the time `at`.
    pub fn covers(
        &self,
        this_update: time::OffsetDateTime,
        next_update: Option<time::OffsetDateTime>,
        at: time::OffsetDateTime,
    ) -> bool {
        let recent_enough = this_update.checked_add(self.max_staleness).is_none_or(|limit| limit >= at);
        recent_enough && next_update.is_none_or(|next| next >= at)
    }
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
                revocation: RevocationPolicy::default(),
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

#[cfg(test)]
mod tests {
    use time::OffsetDateTime;
    use time::macros::datetime;

    use super::*;

    const T: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

    #[test]
    fn freshness_window_boundaries() {
        let p = RevocationPolicy::default();
        let second = Duration::seconds(1);
        // thisUpdate exactly max_staleness before T is still fresh; one second earlier is not.
        assert!(p.covers(T - Duration::days(7), None, T));
        assert!(!p.covers(T - Duration::days(7) - second, None, T));
        // nextUpdate exactly at T still covers T; one second before does not.
        assert!(p.covers(T - Duration::hours(1), Some(T), T));
        assert!(!p.covers(T - Duration::hours(1), Some(T - second), T));
        // Issued after the signing time (the usual B-LT case) is fresh.
        assert!(p.covers(T + Duration::days(30), Some(T + Duration::days(37)), T));
    }

    #[test]
    fn staleness_is_a_policy_value() {
        let lenient = RevocationPolicy { max_staleness: Duration::days(30) };
        assert!(lenient.covers(T - Duration::days(20), None, T));
        assert!(!RevocationPolicy::default().covers(T - Duration::days(20), None, T));
    }
}
