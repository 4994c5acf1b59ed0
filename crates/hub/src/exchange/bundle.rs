//! Evidence bundles: everything needed to re-check an accepted document offline, years later, without the hub
//! (format and checks in `ecert-evidence`). The submission's audit event commits to the bundle's parts (see
//! [`evidence_parts`]), and the bundle carries that leaf with an inclusion proof and a signed checkpoint.

use crate::auth::require;
use crate::{Hub, HubError, Result};
use ecert_domain::auth::{Permission, Principal};
use ecert_domain::document::VERIFICATION_DISCLAIMER;
use ecert_domain::ids::DocumentId;
use ecert_evidence::{BundleAudit, BundleDocument, BundlePkiData, EvidenceBundle, EvidenceParts, FORMAT, PkiParts};
use ecert_store::exchange::{DocumentRecord, PkiData};

/// The parts of a stored document that its evidence commitment covers. The push commits to them and the
/// export ships them, so both read them through here.
pub(super) fn evidence_parts<'a>(
    document: &'a DocumentRecord,
    report_json: &'a str,
    pki: &'a PkiData,
) -> EvidenceParts<'a> {
    EvidenceParts {
        document: document.id,
        issuer: document.issuer,
        issuer_country: document.issuer_country,
        pdf_sha256: document.pdf_sha256,
        pdf_size: document.pdf_size,
        metadata: &document.metadata,
        report_json,
        pki: PkiParts {
            certificates: &pki.certificates,
            crls: &pki.crls,
            ocsp_responses: &pki.ocsp_responses,
            timestamps: &pki.timestamps,
            registry_facts_json: &pki.registry_facts_json,
        },
        submitted_at: document.submitted_at,
    }
}

fn purged(id: DocumentId, what: &str) -> HubError {
    HubError::Gone(format!(
        "the {what} of document {id} was purged under the retention policy; no evidence bundle can be produced"
    ))
}

impl Hub {
    /// The evidence bundle of a document, for its issuer, its receivers and the operator (anyone else: not
    /// found). Signs a checkpoint first when none covers the submission's leaf yet.
    pub async fn export_evidence(&self, p: &Principal, id: DocumentId) -> Result<EvidenceBundle> {
        require(p, Permission::VerifyDocuments)?;
        let document = self.store().get_document(id).await?.ok_or(HubError::NotFound("document"))?;
        if !self.may_export_evidence(p, &document).await? {
            return Err(HubError::NotFound("document"));
        }
        let evidence = self.store().get_evidence(id).await?.ok_or_else(|| purged(id, "validation report"))?;
        let pki = self.store().get_pki_data(id).await?.ok_or_else(|| purged(id, "PKI data"))?.data;
        let index = document.submitted_leaf;
        let leaf = self
            .store()
            .export_leaves(index, 1)
            .await?
            .into_iter()
            .find(|leaf| leaf.index == index)
            .ok_or_else(|| HubError::Internal(format!("audit leaf {index} of document {id} is missing")))?;
        let mut checkpoint = self.latest_checkpoint().await?;
        if checkpoint.tree_size <= index {
            checkpoint = self.sign_checkpoint().await?;
        }
        if checkpoint.tree_size <= index {
            return Err(HubError::Internal(format!("no checkpoint covers audit leaf {index}")));
        }
        let proof = self.inclusion_proof(index, Some(checkpoint.tree_size)).await?;
        let status_history = self.store().document_status_history(id).await?;
        Ok(EvidenceBundle {
            format: FORMAT.into(),
            disclaimer: VERIFICATION_DISCLAIMER.into(),
            document: BundleDocument {
                id,
                issuer: document.issuer,
                issuer_country: document.issuer_country,
                metadata: document.metadata,
                pdf_sha256: document.pdf_sha256,
                pdf_size: document.pdf_size,
                submitted_at: document.submitted_at,
                status: document.status,
                status_history,
            },
            report: evidence.report_json,
            pki_data: BundlePkiData {
                certificates: pki.certificates,
                crls: pki.crls,
                ocsp_responses: pki.ocsp_responses,
                timestamps: pki.timestamps,
                registry_facts_json: pki.registry_facts_json,
            },
            audit: BundleAudit {
                leaf_index: index,
                leaf: leaf.data,
                tree_size: proof.tree_size,
                inclusion_proof: proof.hashes,
                checkpoint: checkpoint.note,
                log_verifier_key: self.log_verifier_key(),
            },
        })
    }

    /// The issuer (with the right to read its documents), a receiver the document was routed to, the operator.
    async fn may_export_evidence(&self, p: &Principal, document: &DocumentRecord) -> Result<bool> {
        if p.is_operator() || (p.institution == document.issuer && p.has(Permission::ReadDocuments)) {
            return Ok(true);
        }
        if !p.has(Permission::ReceiveDocuments) {
            return Ok(false);
        }
        let exchanges = self.store().list_exchanges_of_document(document.id).await?;
        Ok(exchanges.iter().any(|e| e.receiver == p.institution))
    }
}
