//! The evidence bundle file, format `ecert-evidence/1`: one JSON document holding the document's record, the
//! validation report verbatim, the PKI data, and the audit-log leaf with its inclusion proof and a signed
//! checkpoint. Binary items are standard base64; the report and the registry facts are JSON *strings*, so their
//! exact bytes (which the commitment hashes) survive any re-formatting of the bundle.

use crate::EvidenceError;
use crate::commitment::{EvidenceParts, PkiParts};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ecert_domain::audit::Digest;
use ecert_domain::country::CountryCode;
use ecert_domain::document::{DocumentMetadata, DocumentStatus, StatusChange};
use ecert_domain::ids::{DocumentId, InstitutionId};
use ecert_translog::Hash;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;

/// The format name a bundle declares.
pub const FORMAT: &str = "ecert-evidence/1";
/// Largest bundle file read. PKI data is bounded at push (100 items of each kind, 4 MiB each), but real bundles
/// are a few hundred KB; a larger file is refused rather than parsed.
pub const MAX_BUNDLE_BYTES: usize = 64 * 1024 * 1024;
/// Most items of one PKI kind (certificates, CRLs, OCSP responses, timestamps) a bundle may hold.
pub const MAX_PKI_ITEMS: usize = 1_000;
/// Most hashes an inclusion proof may hold (a tree of 2^64 leaves needs 64).
const MAX_PROOF_HASHES: usize = 64;
/// Most status changes a bundle may list.
const MAX_STATUS_HISTORY: usize = 10_000;

/// DER items as standard base64 strings.
mod der_items {
    use super::*;

    pub fn serialize<S: Serializer>(items: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(items.iter().map(|der| STANDARD.encode(der)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<u8>>, D::Error> {
        let texts = Vec::<String>::deserialize(d)?;
        texts.iter().map(|t| STANDARD.decode(t).map_err(serde::de::Error::custom)).collect()
    }
}

/// One byte string as standard base64.
mod bytes_b64 {
    use super::*;

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

/// The document as the hub holds it at export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleDocument {
    pub id: DocumentId,
    pub issuer: InstitutionId,
    pub issuer_country: CountryCode,
    pub metadata: DocumentMetadata,
    pub pdf_sha256: Digest,
    pub pdf_size: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub submitted_at: OffsetDateTime,
    /// The status when the bundle was exported. Later than the submission, so not covered by its leaf.
    pub status: DocumentStatus,
    /// Oldest first, as of the export (also not covered by the submission's leaf).
    pub status_history: Vec<StatusChange>,
}

/// L4: the certificates, CRLs, OCSP responses and timestamps the verdict rested on (DER, base64), and the
/// registry facts at validation time (JSON text).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundlePkiData {
    #[serde(with = "der_items")]
    pub certificates: Vec<Vec<u8>>,
    #[serde(with = "der_items")]
    pub crls: Vec<Vec<u8>>,
    #[serde(with = "der_items")]
    pub ocsp_responses: Vec<Vec<u8>>,
    #[serde(with = "der_items")]
    pub timestamps: Vec<Vec<u8>>,
    pub registry_facts_json: String,
}

/// The audit-log side: the submission's leaf, its inclusion proof, and the checkpoint the proof leads to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleAudit {
    pub leaf_index: u64,
    /// The leaf bytes (the canonical `document_submitted` event) exactly as logged.
    #[serde(with = "bytes_b64")]
    pub leaf: Vec<u8>,
    /// The tree size the proof is against; the checkpoint must be of this size.
    pub tree_size: u64,
    /// The audit path, bottom-up (base64 hashes).
    pub inclusion_proof: Vec<Hash>,
    /// The signed checkpoint note (C2SP `tlog-checkpoint`) of `tree_size`.
    pub checkpoint: String,
    /// The log's verifier key (C2SP vkey) as the hub served it. Only a key obtained independently proves who
    /// signed the checkpoint.
    pub log_verifier_key: String,
}

/// One evidence bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceBundle {
    /// Always [`FORMAT`].
    pub format: String,
    /// The hub's verification disclaimer (informative; the checker prints its own copy).
    pub disclaimer: String,
    pub document: BundleDocument,
    /// The validation report (L3) exactly as stored at submission.
    pub report: String,
    pub pki_data: BundlePkiData,
    pub audit: BundleAudit,
}

impl EvidenceBundle {
    /// Reads a bundle file, with the format and size limits checked.
    pub fn from_json(bytes: &[u8]) -> Result<Self, EvidenceError> {
        if bytes.len() > MAX_BUNDLE_BYTES {
            return Err(EvidenceError::TooLarge { size: bytes.len(), max: MAX_BUNDLE_BYTES });
        }
        // The format first, so a future version is named as such rather than as a field error.
        #[derive(Deserialize)]
        struct Header {
            format: String,
        }
        let header: Header = serde_json::from_slice(bytes).map_err(|e| EvidenceError::Malformed(e.to_string()))?;
        if header.format != FORMAT {
            return Err(EvidenceError::UnsupportedFormat { found: header.format, expected: FORMAT });
        }
        let bundle: Self = serde_json::from_slice(bytes).map_err(|e| EvidenceError::Malformed(e.to_string()))?;
        bundle.check_limits()?;
        Ok(bundle)
    }

    /// The bundle as pretty JSON (what the hub serves).
    pub fn to_json(&self) -> Vec<u8> {
        // Plain data with string keys: serialisation cannot fail.
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }

    fn check_limits(&self) -> Result<(), EvidenceError> {
        let pki = &self.pki_data;
        let counts = [
            ("certificates", pki.certificates.len(), MAX_PKI_ITEMS),
            ("CRLs", pki.crls.len(), MAX_PKI_ITEMS),
            ("OCSP responses", pki.ocsp_responses.len(), MAX_PKI_ITEMS),
            ("timestamps", pki.timestamps.len(), MAX_PKI_ITEMS),
            ("inclusion proof hashes", self.audit.inclusion_proof.len(), MAX_PROOF_HASHES),
            ("status changes", self.document.status_history.len(), MAX_STATUS_HISTORY),
        ];
        match counts.into_iter().find(|(_, count, max)| count > max) {
            Some((what, count, max)) => Err(EvidenceError::TooMany { what, count, max }),
            None => Ok(()),
        }
    }

    /// The parts the evidence commitment covers, as this bundle states them.
    pub fn evidence_parts(&self) -> EvidenceParts<'_> {
        let d = &self.document;
        EvidenceParts {
            document: d.id,
            issuer: d.issuer,
            issuer_country: d.issuer_country,
            pdf_sha256: d.pdf_sha256,
            pdf_size: d.pdf_size,
            metadata: &d.metadata,
            report_json: &self.report,
            pki: self.pki_data.parts(),
            submitted_at: d.submitted_at,
        }
    }
}

impl BundlePkiData {
    pub fn parts(&self) -> PkiParts<'_> {
        PkiParts {
            certificates: &self.certificates,
            crls: &self.crls,
            ocsp_responses: &self.ocsp_responses,
            timestamps: &self.timestamps,
            registry_facts_json: &self.registry_facts_json,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> EvidenceBundle {
        EvidenceBundle {
            format: FORMAT.into(),
            disclaimer: ecert_domain::document::VERIFICATION_DISCLAIMER.into(),
            document: BundleDocument {
                id: DocumentId::new(),
                issuer: InstitutionId::new(),
                issuer_country: CountryCode::parse("KZ").unwrap(),
                metadata: crate::commitment::tests::metadata(),
                pdf_sha256: Digest([3; 32]),
                pdf_size: 10,
                submitted_at: time::macros::datetime!(2026-06-01 12:00:00.123 UTC),
                status: DocumentStatus::Valid,
                status_history: vec![],
            },
            report: "{\"a\": 1}".into(),
            pki_data: BundlePkiData {
                certificates: vec![vec![0x30, 0x03, 1, 2, 3]],
                registry_facts_json: "{}".into(),
                ..Default::default()
            },
            audit: BundleAudit {
                leaf_index: 4,
                leaf: b"{}".to_vec(),
                tree_size: 5,
                inclusion_proof: vec![Hash::from_slice("h", &[9; 32]).unwrap()],
                checkpoint: "note".into(),
                log_verifier_key: "key".into(),
            },
        }
    }

    #[test]
    fn round_trips_through_json() {
        let b = sample();
        let text = b.to_json();
        assert_eq!(EvidenceBundle::from_json(&text).unwrap(), b);
        let v: serde_json::Value = serde_json::from_slice(&text).unwrap();
        assert_eq!(v["pki_data"]["certificates"][0], "MAMBAgM=");
        assert_eq!(v["report"], "{\"a\": 1}");
    }

    #[test]
    fn refuses_other_formats_unknown_fields_and_excess() {
        let mut v: serde_json::Value = serde_json::from_slice(&sample().to_json()).unwrap();
        v["format"] = "ecert-evidence/2".into();
        let e = EvidenceBundle::from_json(&serde_json::to_vec(&v).unwrap()).unwrap_err();
        assert!(matches!(e, EvidenceError::UnsupportedFormat { .. }), "{e}");

        let mut v: serde_json::Value = serde_json::from_slice(&sample().to_json()).unwrap();
        v["audit"]["extra"] = 1.into();
        let e = EvidenceBundle::from_json(&serde_json::to_vec(&v).unwrap()).unwrap_err();
        assert!(matches!(e, EvidenceError::Malformed(_)), "{e}");

        let mut v: serde_json::Value = serde_json::from_slice(&sample().to_json()).unwrap();
        v["pki_data"]["crls"] = serde_json::json!(["not base64!"]);
        let e = EvidenceBundle::from_json(&serde_json::to_vec(&v).unwrap()).unwrap_err();
        assert!(matches!(e, EvidenceError::Malformed(_)), "{e}");

        let mut b = sample();
        b.audit.inclusion_proof = vec![b.audit.inclusion_proof[0]; MAX_PROOF_HASHES + 1];
        let e = EvidenceBundle::from_json(&b.to_json()).unwrap_err();
        assert!(matches!(e, EvidenceError::TooMany { what: "inclusion proof hashes", .. }), "{e}");

        assert!(matches!(EvidenceBundle::from_json(b"not json"), Err(EvidenceError::Malformed(_))));
        let huge = vec![b' '; MAX_BUNDLE_BYTES + 1];
        assert!(matches!(EvidenceBundle::from_json(&huge), Err(EvidenceError::TooLarge { .. })));
    }
}
