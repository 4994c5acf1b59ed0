//! Trust input: anchors and authoritative revocations supplied by the caller.
//!
//! The hub fills this from its Public Key Registry (anchor certificates plus registry revocations
//! with their revocation time); the CLI fills it from `--trust` PEM files. Nothing in the PDF can
//! add an anchor.

use time::OffsetDateTime;

use crate::error::VerifyError;

/// A revocation recorded by the registry. The registry is authoritative: it overrides CRL/OCSP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryRevocation {
    /// SHA-256 of the revoked certificate's DER, lowercase hex.
    pub sha256_fingerprint: String,
    /// Signatures made (per best signature time) at or after this instant are REVOKED.
    pub revoked_at: OffsetDateTime,
    pub reason: String,
}

/// Anchors and registry revocations for one validation.
#[derive(Debug, Clone, Default)]
pub struct TrustContext {
    anchors: Vec<Vec<u8>>,
    revocations: Vec<RegistryRevocation>,
}

impl TrustContext {
    /// No anchors: integrity is still fully checked, trust comes out INDETERMINATE.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Add one anchor certificate (DER). The certificate is parsed now so a broken anchor is an
    /// error at configuration time rather than a silent non-match later.
    pub fn add_anchor_der(&mut self, der: &[u8]) -> Result<(), VerifyError> {
        crate::certs::ParsedCert::parse(der).map_err(|e| VerifyError::BadAnchor(e.to_string()))?;
        self.anchors.push(der.to_vec());
        Ok(())
    }

    /// Add every CERTIFICATE block of a PEM bundle. Fails if the bundle holds none.
    pub fn add_anchors_pem(&mut self, pem: &str) -> Result<usize, VerifyError> {
        let blocks = crate::certs::pem_certificates(pem)?;
        if blocks.is_empty() {
            return Err(VerifyError::BadAnchor("no CERTIFICATE block in PEM input".into()));
        }
        let n = blocks.len();
        for der in blocks {
            self.add_anchor_der(&der)?;
        }
        Ok(n)
    }

    pub fn add_revocation(&mut self, revocation: RegistryRevocation) {
        self.revocations.push(revocation);
    }

    pub fn anchors(&self) -> &[Vec<u8>] {
        &self.anchors
    }

    pub fn revocations(&self) -> &[RegistryRevocation] {
        &self.revocations
    }

    /// The registry revocation for a certificate fingerprint, if any.
    pub fn revocation_for(&self, sha256_hex: &str) -> Option<&RegistryRevocation> {
        self.revocations.iter().find(|r| r.sha256_fingerprint.eq_ignore_ascii_case(sha256_hex))
    }
}
