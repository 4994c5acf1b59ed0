//! What the registries say about the signers of a verified file: is the key registered, to which CAB, in what
//! state, and does the CAB's scope cover the document. Facts only; the verdict on the signature is the report's.

use crate::exchange::trust::CabRecords;
use crate::{Hub, HubError, Result};
use ecert_domain::country::CountryCode;
use ecert_domain::document::DocumentMetadata;
use ecert_domain::document_type::DocumentType;
use ecert_domain::hs::HsCode;
use ecert_domain::ids::{CertificateId, InstitutionId};
use ecert_domain::institution::{Institution, LifecycleStatus};
use ecert_domain::page::{MAX_PAGE_SIZE, PageRequest};
use ecert_domain::pkr::{CertificateStatus, RegisteredCertificate};
use ecert_domain::scope::{ScopeQuery, authorize};
use serde::Serialize;
use time::{Date, OffsetDateTime};

/// The whole Public Key Registry is the verifier's trust anchor set; a registry larger than this is refused
/// rather than loaded on every verification.
pub const MAX_REGISTRY_CERTIFICATES: usize = 20 * MAX_PAGE_SIZE as usize;

/// The registry context of a verification.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct RegistryContext {
    /// One entry per signature of the file (document timestamps excluded), in the report's order.
    pub signers: Vec<SignerRegistration>,
    /// Whether the issuing CAB's accreditation and scope cover the document's type, destination and every HS
    /// code on its issue date. Only when the hub knows the document and the caller may see its metadata.
    pub scope: Option<ScopeFacts>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct SignerRegistration {
    /// Of the signer certificate, lower-case hex; `None` when the validator could not identify the signer (the
    /// signed bytes were altered, or the signature is unreadable).
    pub fingerprint_sha256: Option<String>,
    /// Whether the signer certificate is in the Public Key Registry.
    pub registered: bool,
    pub certificate: Option<CertificateFacts>,
    /// The CAB the certificate is registered to.
    pub cab: Option<CabFacts>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct CertificateFacts {
    pub id: CertificateId,
    /// active, superseded (renewed: earlier signatures stay good) or revoked.
    pub status: CertificateStatus,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    /// Within its validity period now and not revoked.
    pub valid_now: bool,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct CabFacts {
    pub id: InstitutionId,
    pub name: String,
    pub country: CountryCode,
    /// The CAB's lifecycle status today (a CAB suspended after issuing a document shows here).
    pub status_now: LifecycleStatus,
    /// At least one accreditation valid today.
    pub accreditation_valid_now: bool,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct ScopeFacts {
    pub cab: InstitutionId,
    pub document_type: DocumentType,
    /// The document's issue date: the day the scope had to cover it.
    pub checked_on: Date,
    /// Every HS code authorised.
    pub covered: bool,
    pub hs_codes: Vec<HsCodeScope>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct HsCodeScope {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub hs_code: HsCode,
    pub authorized: bool,
    /// Why not, when not.
    pub reason: Option<String>,
}

impl Hub {
    /// Every certificate of the Public Key Registry (every CAB, every status).
    pub(super) async fn all_registered_certificates(&self) -> Result<Vec<RegisteredCertificate>> {
        let mut certificates = Vec::new();
        let mut page = PageRequest::first(MAX_PAGE_SIZE);
        loop {
            let batch = self.store().list_certificates(None, &page).await?;
            certificates.extend(batch.items);
            match batch.next_cursor {
                Some(_) if certificates.len() >= MAX_REGISTRY_CERTIFICATES => {
                    return Err(HubError::Internal(format!(
                        "the Public Key Registry holds more than {MAX_REGISTRY_CERTIFICATES} certificates"
                    )));
                }
                Some(after) => page.after = Some(after),
                None => return Ok(certificates),
            }
        }
    }
}

pub(super) fn certificate_facts(c: &RegisteredCertificate, now: OffsetDateTime) -> CertificateFacts {
    let revoked = c.status == CertificateStatus::Revoked && c.revoked_at.is_none_or(|at| at <= now);
    CertificateFacts {
        id: c.id,
        status: c.status,
        revoked_at: c.revoked_at,
        not_before: c.not_before,
        not_after: c.not_after,
        valid_now: !revoked && c.not_before <= now && now <= c.not_after,
    }
}

pub(super) fn cab_facts(records: &CabRecords, today: Date) -> CabFacts {
    let cab = &records.institution;
    CabFacts {
        id: cab.id,
        name: cab.name.clone(),
        country: cab.country,
        status_now: cab.status_on(today),
        accreditation_valid_now: records.accreditations.iter().any(|a| a.is_valid_on(today)),
    }
}

/// The scope question alone, on the issue date. The CAB's lifecycle status is reported by [`CabFacts`] as of
/// today; judging it here too would make a CAB suspended after issuing look as if it had never been in scope,
/// so the status is set aside (as active, without withdrawal) for this one question.
pub(super) fn scope_facts(records: &CabRecords, metadata: &DocumentMetadata) -> ScopeFacts {
    let cab = Institution { status: LifecycleStatus::Active, withdrawal: None, ..records.institution.clone() };
    let hs_codes: Vec<HsCodeScope> = metadata
        .hs_codes
        .iter()
        .map(|hs_code| {
            let query = ScopeQuery {
                document_type: metadata.document_type,
                hs_code: hs_code.clone(),
                destination: Some(metadata.destination_country),
                date: metadata.issue_date,
            };
            let verdict = authorize(&cab, &records.accreditations, &records.scope, &query);
            HsCodeScope {
                hs_code: hs_code.clone(),
                authorized: verdict.is_ok(),
                reason: verdict.err().map(|e| e.to_string()),
            }
        })
        .collect();
    ScopeFacts {
        cab: cab.id,
        document_type: metadata.document_type,
        checked_on: metadata.issue_date,
        covered: !hs_codes.is_empty() && hs_codes.iter().all(|h| h.authorized),
        hs_codes,
    }
}
