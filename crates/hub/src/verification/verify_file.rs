//! VERIFY A FILE: validate an uploaded PDF against every registered key (the verifier does not know the issuer
//! in advance), add the registry's facts about its signers, and, when the hub knows the document, its status.
//! The file itself is never stored: only a `document_verified` audit event with its SHA-256.

use super::registry::{self, RegistryContext, SignerRegistration};
use super::{VERIFICATION_DISCLAIMER, sha256};
use crate::auth::require;
use crate::exchange::trust::{self, CabRecords};
use crate::{Hub, HubError, Result};
use ecert_domain::FieldErrorCode;
use ecert_domain::audit::{Digest, EventType};
use ecert_domain::auth::{Permission, Principal};
use ecert_domain::document::{DocumentStatus, MAX_DOCUMENT_NUMBER_LEN};
use ecert_domain::exchange::EpixStatus;
use ecert_domain::ids::{DocumentId, InstitutionId};
use ecert_domain::pkr::RegisteredCertificate;
use ecert_store::exchange::DocumentRecord;
use ecert_verify::report::SignatureKind;
use ecert_verify::{Report, ValidationPolicy, validate_pdf};
use serde::Serialize;
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// A file to verify.
#[derive(Debug, Clone)]
pub struct VerifyRequest {
    pub pdf: bytes::Bytes,
    /// The issuer's number, to find the document when the file is not byte-identical to the one submitted.
    pub document_number: Option<String>,
}

/// How the known document was found.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    /// The file is byte for byte the PDF the issuer submitted.
    PdfSha256,
    /// The signer's CAB and the given number: the file is NOT the submitted PDF (compare `pdf_sha256`).
    DocumentNumber,
}

/// The document as the hub knows it. A caller that may not read the document's metadata (neither its issuer,
/// nor one of its receivers, nor the operator) gets the status fields only: whoever holds the file may learn
/// whether it is still good, but not the hub's records about it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct KnownDocument {
    pub status: DocumentStatus,
    pub epix_status: EpixStatus,
    pub matched_by: MatchedBy,
    /// False when only the status fields are shown.
    pub details_visible: bool,
    /// The hub reference.
    pub id: Option<DocumentId>,
    pub document_number: Option<String>,
    pub issuer: Option<InstitutionId>,
    pub replaced_by: Option<DocumentId>,
    /// SHA-256 of the PDF the issuer submitted.
    pub pdf_sha256: Option<Digest>,
    /// Leaf index of the `document_submitted` audit event (prove it with `/api/v1/log/proof/inclusion`).
    pub submitted_leaf: Option<u64>,
}

/// The answer to a verification.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub disclaimer: &'static str,
    /// SHA-256 of the uploaded file.
    pub pdf_sha256: Digest,
    /// The full validation report.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub report: serde_json::Value,
    pub registry: RegistryContext,
    pub known_document: Option<KnownDocument>,
}

impl Hub {
    pub async fn verify_pdf(&self, p: &Principal, req: VerifyRequest) -> Result<Verification> {
        require(p, Permission::VerifyDocuments)?;
        check_upload(&req, self.exchange().settings.max_pdf_bytes)?;
        let now = self.now();
        let pdf_sha256 = sha256(&req.pdf);
        let certificates = self.all_registered_certificates().await?;
        let report = self.validate_against_registry(&certificates, &req.pdf, now).await?;
        if report.signatures.is_empty() && !report.document_errors.is_empty() {
            return Err(HubError::invalid("pdf", format!("the PDF cannot be read: {}", report.document.summary)));
        }
        let json = serde_json::to_value(&report).map_err(|e| HubError::Internal(e.to_string()))?;

        // The CAB records of every CAB a signer is registered to, read once each.
        let mut cabs: BTreeMap<InstitutionId, CabRecords> = BTreeMap::new();
        let mut signers = Vec::new();
        for fingerprint in signer_fingerprints(&report) {
            let record = fingerprint
                .as_deref()
                .and_then(|fp| certificates.iter().find(|c| c.fingerprint_sha256.eq_ignore_ascii_case(fp)));
            if let Some(record) = record
                && !cabs.contains_key(&record.institution)
            {
                cabs.insert(record.institution, self.cab_records(record.institution).await?);
            }
            signers.push(signer_registration(fingerprint, record, &cabs, now));
        }
        let signer_cab = signers.iter().find_map(|s| s.cab.as_ref().map(|c| c.id));

        let known = self.find_known_document(&pdf_sha256, signer_cab, req.document_number.as_deref()).await?;
        let mut scope = None;
        let known_document = match known {
            None => None,
            Some((document, matched_by)) => {
                let visible = self.may_see_document(p, &document).await?;
                if visible && let Some(records) = cabs.get(&document.issuer) {
                    scope = Some(registry::scope_facts(records, &document.metadata));
                }
                Some(known_document(&document, matched_by, visible, now.date()))
            }
        };

        // Who checked which file: the digest only, in the caller's own audit trail.
        let mut event = self.event(p, EventType::DocumentVerified, Some(p.institution), Vec::new());
        event.after = Some(pdf_sha256);
        self.store().append_audit_event(&event).await?;

        Ok(Verification {
            disclaimer: VERIFICATION_DISCLAIMER,
            pdf_sha256,
            report: json,
            registry: RegistryContext { signers, scope },
            known_document,
        })
    }

    /// The validator with every registered certificate as an anchor and the registry's revocations applied.
    async fn validate_against_registry(
        &self,
        certificates: &[RegisteredCertificate],
        pdf: &bytes::Bytes,
        now: OffsetDateTime,
    ) -> Result<Report> {
        let certificates = certificates.to_vec();
        let bytes = pdf.clone();
        // CPU-bound: beside the async workers, not on them.
        tokio::task::spawn_blocking(move || {
            let trust = trust::trust_context(&certificates);
            validate_pdf(&bytes, &ValidationPolicy::default(), &trust, Some(now))
        })
        .await
        .map_err(|e| HubError::Internal(format!("validation task failed: {e}")))
    }

    /// By content first (the file is the submitted one); otherwise by the signer's CAB and the number given.
    /// Several issuers may have submitted the same bytes only in theory; the signer's CAB is preferred.
    async fn find_known_document(
        &self,
        pdf_sha256: &Digest,
        signer_cab: Option<InstitutionId>,
        number: Option<&str>,
    ) -> Result<Option<(DocumentRecord, MatchedBy)>> {
        let mut by_hash = self.store().find_documents_by_pdf_sha256(pdf_sha256).await?;
        if !by_hash.is_empty() {
            let at = by_hash.iter().position(|d| Some(d.issuer) == signer_cab).unwrap_or(0);
            return Ok(Some((by_hash.swap_remove(at), MatchedBy::PdfSha256)));
        }
        if let (Some(cab), Some(number)) = (signer_cab, number) {
            let found = self.store().find_document_by_number(cab, number).await?;
            return Ok(found.map(|d| (d, MatchedBy::DocumentNumber)));
        }
        Ok(None)
    }

    /// The document's metadata is for its issuer, its receivers and the operator.
    pub(super) async fn may_see_document(&self, p: &Principal, document: &DocumentRecord) -> Result<bool> {
        if p.can_access(document.issuer) {
            return Ok(true);
        }
        let exchanges = self.store().list_exchanges_of_document(document.id).await?;
        Ok(exchanges.iter().any(|x| p.is_receiver(x.receiver)))
    }
}

fn check_upload(req: &VerifyRequest, max_bytes: u64) -> Result<()> {
    if req.pdf.is_empty() {
        return Err(HubError::invalid_with_code("pdf", FieldErrorCode::Required, "the upload is empty"));
    }
    if req.pdf.len() as u64 > max_bytes {
        return Err(HubError::invalid_with_code(
            "pdf",
            FieldErrorCode::TooLong,
            format!("the PDF is larger than the limit of {max_bytes} bytes"),
        ));
    }
    if !req.pdf.starts_with(b"%PDF-") {
        return Err(HubError::invalid("pdf", "not a PDF file (it must start with %PDF-)"));
    }
    if let Some(number) = &req.document_number {
        let len = if number.trim().is_empty() { 0 } else { number.chars().count() };
        if len == 0 || len > MAX_DOCUMENT_NUMBER_LEN {
            return Err(HubError::invalid_with_code(
                "document_number",
                FieldErrorCode::for_length(len, MAX_DOCUMENT_NUMBER_LEN),
                format!("must be 1 to {MAX_DOCUMENT_NUMBER_LEN} characters"),
            ));
        }
    }
    Ok(())
}

/// The signer certificate of each signature (timestamps excluded), lower-case; `None` where the validator
/// could not identify the signer.
fn signer_fingerprints(report: &Report) -> Vec<Option<String>> {
    report
        .signatures
        .iter()
        .filter(|s| s.kind == SignatureKind::Signature)
        .map(|s| s.signer.as_ref().map(|c| c.sha256_fingerprint.to_ascii_lowercase()))
        .collect()
}

fn signer_registration(
    fingerprint: Option<String>,
    record: Option<&RegisteredCertificate>,
    cabs: &BTreeMap<InstitutionId, CabRecords>,
    now: OffsetDateTime,
) -> SignerRegistration {
    SignerRegistration {
        fingerprint_sha256: fingerprint,
        registered: record.is_some(),
        certificate: record.map(|c| registry::certificate_facts(c, now)),
        cab: record.and_then(|c| cabs.get(&c.institution)).map(|r| registry::cab_facts(r, now.date())),
    }
}

fn known_document(document: &DocumentRecord, matched_by: MatchedBy, visible: bool, today: time::Date) -> KnownDocument {
    let epix_status = EpixStatus::of(Some((document.status, document.metadata.valid_until)), today);
    KnownDocument {
        status: document.status,
        epix_status,
        matched_by,
        details_visible: visible,
        id: visible.then_some(document.id),
        document_number: visible.then(|| document.metadata.document_number.clone()),
        issuer: visible.then_some(document.issuer),
        replaced_by: document.replaced_by.filter(|_| visible),
        pdf_sha256: visible.then_some(document.pdf_sha256),
        submitted_leaf: visible.then_some(document.submitted_leaf),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(pdf: &[u8], number: Option<&str>) -> VerifyRequest {
        VerifyRequest { pdf: bytes::Bytes::copy_from_slice(pdf), document_number: number.map(str::to_owned) }
    }

    fn field(r: Result<()>) -> String {
        match r {
            Err(HubError::Invalid(errors)) => errors.0[0].field.clone(),
            other => panic!("expected invalid input, got {other:?}"),
        }
    }

    #[test]
    fn uploads_are_checked_before_validation() {
        assert!(check_upload(&request(b"%PDF-1.7 x", None), 100).is_ok());
        assert_eq!(field(check_upload(&request(b"", None), 100)), "pdf");
        assert_eq!(field(check_upload(&request(b"%PDF-1.7 too long", None), 10)), "pdf");
        assert_eq!(field(check_upload(&request(b"GIF89a", None), 100)), "pdf");
        assert_eq!(field(check_upload(&request(b"%PDF-1.7", Some(" ")), 100)), "document_number");
        let long = "N".repeat(MAX_DOCUMENT_NUMBER_LEN + 1);
        assert_eq!(field(check_upload(&request(b"%PDF-1.7", Some(&long)), 100)), "document_number");
    }
}
