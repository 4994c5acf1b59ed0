//! The evidence commitment: one SHA-256 over every part of a submitted document's evidence, carried by its
//! `document_submitted` audit event as the subject `evidence:<hex>`. Because the event is a leaf of the signed
//! audit log, a checkpoint then vouches for the PDF digest, the metadata, the report and the PKI data at once.
//!
//! The digest is over compact JSON of structs with a fixed field order and no maps (serde_json keeps declaration
//! order), so the same parts always give the same bytes. Large or free-form parts (the report, the PKI data) enter
//! as their own digests: the report by its exact stored bytes, the PKI data by a canonical JSON of its items.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ecert_domain::audit::Digest;
use ecert_domain::country::CountryCode;
use ecert_domain::document::DocumentMetadata;
use ecert_domain::ids::{DocumentId, InstitutionId};
use serde::Serialize;
use time::OffsetDateTime;

/// Version of the commitment's encoding; a new encoding gets a new number and the old one stays checkable.
pub const COMMITMENT_VERSION: u32 = 1;
/// The audit subject kind that carries the commitment.
pub const EVIDENCE_SUBJECT_PREFIX: &str = "evidence:";

/// The PKI data layer (L4) of a document, borrowed: DER items and the registry facts (JSON text, hashed as is).
#[derive(Debug, Clone, Copy)]
pub struct PkiParts<'a> {
    pub certificates: &'a [Vec<u8>],
    pub crls: &'a [Vec<u8>],
    pub ocsp_responses: &'a [Vec<u8>],
    pub timestamps: &'a [Vec<u8>],
    pub registry_facts_json: &'a str,
}

/// Everything the commitment covers.
#[derive(Debug, Clone, Copy)]
pub struct EvidenceParts<'a> {
    pub document: DocumentId,
    pub issuer: InstitutionId,
    pub issuer_country: CountryCode,
    pub pdf_sha256: Digest,
    pub pdf_size: u64,
    pub metadata: &'a DocumentMetadata,
    /// The validation report exactly as stored (its bytes are hashed, never re-serialised).
    pub report_json: &'a str,
    pub pki: PkiParts<'a>,
    pub submitted_at: OffsetDateTime,
}

/// The canonical PKI data: DER items as standard base64 strings, in stored order.
#[derive(Serialize)]
struct CanonicalPki<'a> {
    certificates: Vec<String>,
    crls: Vec<String>,
    ocsp_responses: Vec<String>,
    timestamps: Vec<String>,
    registry_facts_json: &'a str,
}

/// The committed record. Field order is the encoding; never reorder, only add under a new version.
#[derive(Serialize)]
struct CanonicalEvidence<'a> {
    v: u32,
    document: DocumentId,
    issuer: InstitutionId,
    issuer_country: CountryCode,
    pdf_sha256: Digest,
    pdf_size: u64,
    metadata: &'a DocumentMetadata,
    report_sha256: Digest,
    pki_data_sha256: Digest,
    /// Unix milliseconds: the precision the hub stores, and no text format to disagree about.
    submitted_at_ms: i64,
}

fn encode_items(items: &[Vec<u8>]) -> Vec<String> {
    items.iter().map(|der| STANDARD.encode(der)).collect()
}

fn canonical_json<T: Serialize>(value: &T) -> Vec<u8> {
    // These structs hold strings, numbers and domain types whose serialisation cannot fail; an empty
    // encoding would only ever make the commitment mismatch, never match something else.
    serde_json::to_vec(value).unwrap_or_default()
}

/// SHA-256 of the canonical PKI data JSON.
pub fn pki_data_sha256(pki: &PkiParts<'_>) -> Digest {
    crate::sha256(&canonical_json(&CanonicalPki {
        certificates: encode_items(pki.certificates),
        crls: encode_items(pki.crls),
        ocsp_responses: encode_items(pki.ocsp_responses),
        timestamps: encode_items(pki.timestamps),
        registry_facts_json: pki.registry_facts_json,
    }))
}

/// The evidence commitment of a submitted document.
pub fn evidence_commitment(parts: &EvidenceParts<'_>) -> Digest {
    let record = CanonicalEvidence {
        v: COMMITMENT_VERSION,
        document: parts.document,
        issuer: parts.issuer,
        issuer_country: parts.issuer_country,
        pdf_sha256: parts.pdf_sha256,
        pdf_size: parts.pdf_size,
        metadata: parts.metadata,
        report_sha256: crate::sha256(parts.report_json.as_bytes()),
        pki_data_sha256: pki_data_sha256(&parts.pki),
        submitted_at_ms: (parts.submitted_at.unix_timestamp_nanos() / 1_000_000) as i64,
    };
    crate::sha256(&canonical_json(&record))
}

/// The audit subject `evidence:<hex>` for a commitment.
pub fn evidence_subject(commitment: &Digest) -> String {
    format!("{EVIDENCE_SUBJECT_PREFIX}{}", hex::encode(commitment.0))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use ecert_domain::document::NewDocumentMetadata;
    use time::macros::{date, datetime};

    pub(crate) fn metadata() -> DocumentMetadata {
        serde_json::from_value::<NewDocumentMetadata>(serde_json::json!({
            "document_number": "KZ-TR-0001",
            "document_type": "TR",
            "hs_codes": ["8471.30"],
            "product_description": "Portable computers",
            "issue_date": "2026-06-01",
            "valid_until": "2029-06-01",
            "destination_country": "UZ",
            "applied_standards": ["IEC 60898-1:2015"]
        }))
        .unwrap()
        .validate(date!(2026 - 06 - 01))
        .unwrap()
    }

    struct Owned {
        metadata: DocumentMetadata,
        certificates: Vec<Vec<u8>>,
        crls: Vec<Vec<u8>>,
        report: String,
        facts: String,
    }

    fn owned() -> Owned {
        Owned {
            metadata: metadata(),
            certificates: vec![vec![1, 2, 3], vec![4, 5]],
            crls: vec![vec![6]],
            report: r#"{"document":{"indication":"TOTAL_PASSED"}}"#.into(),
            facts: r#"{"cab":"x"}"#.into(),
        }
    }

    fn parts(o: &Owned) -> EvidenceParts<'_> {
        EvidenceParts {
            document: "0190a0b0-0000-7000-8000-000000000001".parse().unwrap(),
            issuer: "0190a0b0-0000-7000-8000-000000000002".parse().unwrap(),
            issuer_country: CountryCode::parse("KZ").unwrap(),
            pdf_sha256: Digest([7; 32]),
            pdf_size: 1234,
            metadata: &o.metadata,
            report_json: &o.report,
            pki: PkiParts {
                certificates: &o.certificates,
                crls: &o.crls,
                ocsp_responses: &[],
                timestamps: &[],
                registry_facts_json: &o.facts,
            },
            submitted_at: datetime!(2026-06-01 12:00:00.123 UTC),
        }
    }

    #[test]
    fn the_commitment_is_deterministic_and_formatted_as_a_subject() {
        let o = owned();
        let a = evidence_commitment(&parts(&o));
        assert_eq!(a, evidence_commitment(&parts(&owned())));
        let subject = evidence_subject(&a);
        assert!(subject.starts_with("evidence:"));
        assert_eq!(subject.len(), "evidence:".len() + 64);
    }

    #[test]
    fn every_part_changes_the_commitment() {
        let o = owned();
        let base = evidence_commitment(&parts(&o));
        let mut changed: Vec<Digest> = Vec::new();
        let mut p = parts(&o);
        p.document = "0190a0b0-0000-7000-8000-000000000009".parse().unwrap();
        changed.push(evidence_commitment(&p));
        let mut p = parts(&o);
        p.issuer = "0190a0b0-0000-7000-8000-000000000009".parse().unwrap();
        changed.push(evidence_commitment(&p));
        let mut p = parts(&o);
        p.issuer_country = CountryCode::parse("UZ").unwrap();
        changed.push(evidence_commitment(&p));
        let mut p = parts(&o);
        p.pdf_sha256 = Digest([8; 32]);
        changed.push(evidence_commitment(&p));
        let mut p = parts(&o);
        p.pdf_size += 1;
        changed.push(evidence_commitment(&p));
        let mut m = o.metadata.clone();
        m.product_description.push('!');
        let mut p = parts(&o);
        p.metadata = &m;
        changed.push(evidence_commitment(&p));
        let mut p = parts(&o);
        p.report_json = r#"{"document":{"indication":"TOTAL_PASSED"}} "#;
        changed.push(evidence_commitment(&p));
        let certs = vec![vec![1, 2, 3], vec![4, 6]];
        let mut p = parts(&o);
        p.pki.certificates = &certs;
        changed.push(evidence_commitment(&p));
        let mut p = parts(&o);
        p.pki.crls = &[];
        changed.push(evidence_commitment(&p));
        let ocsp = vec![vec![9]];
        let mut p = parts(&o);
        p.pki.ocsp_responses = &ocsp;
        changed.push(evidence_commitment(&p));
        let mut p = parts(&o);
        p.pki.timestamps = &ocsp;
        changed.push(evidence_commitment(&p));
        let mut p = parts(&o);
        p.pki.registry_facts_json = r#"{"cab":"y"}"#;
        changed.push(evidence_commitment(&p));
        let mut p = parts(&o);
        p.submitted_at += time::Duration::milliseconds(1);
        changed.push(evidence_commitment(&p));
        for (i, c) in changed.iter().enumerate() {
            assert_ne!(*c, base, "change {i} left the commitment unchanged");
        }
    }

    #[test]
    fn moving_an_item_between_kinds_changes_the_pki_digest() {
        let item = vec![vec![1u8]];
        let as_crl =
            PkiParts { certificates: &[], crls: &item, ocsp_responses: &[], timestamps: &[], registry_facts_json: "" };
        let as_ocsp = PkiParts { crls: &[], ocsp_responses: &item, ..as_crl };
        assert_ne!(pki_data_sha256(&as_crl), pki_data_sha256(&as_ocsp));
    }
}
