//! The trust side of a push: what the registries say about the pushing CAB (read once per push), the
//! [`TrustContext`] built from them, and the judgement of a validation report against the Public Key Registry
//! and the CAB's scope. The judgements are pure functions, so every rejection path is unit tested.

use crate::{Hub, HubError, Result};
use ecert_domain::accreditation::Accreditation;
use ecert_domain::document::DocumentMetadata;
use ecert_domain::ids::{InstitutionId, ScopeEntryId};
use ecert_domain::institution::{Institution, LifecycleStatus};
use ecert_domain::page::{MAX_PAGE_SIZE, PageRequest};
use ecert_domain::pkr::{CertificateStatus, RegisteredCertificate};
use ecert_domain::scope::{NotAuthorized, ScopeEntry, ScopeQuery, authorize};
use ecert_verify::report::{Integrity, SignatureKind, SignatureReport};
use ecert_verify::{Indication, RegistryRevocation, Report, TrustContext};
use time::OffsetDateTime;

/// The stable codes of a rejected push (`Rejection::code`).
pub mod codes {
    pub const UNSIGNED: &str = "unsigned";
    pub const PDF_UNREADABLE: &str = "pdf_unreadable";
    pub const SIGNATURE_INVALID: &str = "signature_invalid";
    pub const SIGNER_NOT_REGISTERED: &str = "signer_not_registered";
    pub const SIGNER_OTHER_CAB: &str = "signer_other_cab";
    pub const CERTIFICATE_REVOKED: &str = "certificate_revoked";
    pub const CERTIFICATE_EXPIRED: &str = "certificate_expired";
    pub const CAB_NOT_ACTIVE: &str = "cab_not_active";
    pub const NOT_ACCREDITED: &str = "not_accredited";
    pub const OUT_OF_SCOPE: &str = "out_of_scope";
    pub const NO_RECEIVER: &str = "no_receiver";
}

/// A CAB registering more certificates than this is misconfigured; the push refuses rather than loading
/// an unbounded list on every upload.
const MAX_CAB_CERTIFICATES: usize = 4 * MAX_PAGE_SIZE as usize;

/// The registry's view of the pushing CAB.
#[derive(Debug)]
pub(crate) struct CabRecords {
    pub institution: Institution,
    pub accreditations: Vec<Accreditation>,
    pub scope: Vec<ScopeEntry>,
    /// Every certificate the CAB ever registered (active, superseded and revoked).
    pub certificates: Vec<RegisteredCertificate>,
}

impl Hub {
    pub(crate) async fn cab_records(&self, cab: InstitutionId) -> Result<CabRecords> {
        let store = self.store();
        let (institution, accreditations, scope) = tokio::try_join!(
            store.get_institution(cab),
            store.list_accreditations(cab),
            store.list_scope_entries(cab),
        )?;
        let institution = institution.ok_or(HubError::NotFound("institution"))?;
        let mut certificates = Vec::new();
        let mut page = PageRequest::first(MAX_PAGE_SIZE);
        loop {
            let batch = self.store().list_certificates(Some(cab), &page).await?;
            certificates.extend(batch.items);
            match batch.next_cursor {
                Some(after) if certificates.len() < MAX_CAB_CERTIFICATES => page.after = Some(after),
                Some(_) => {
                    return Err(HubError::Internal(format!(
                        "CAB {cab} has more than {MAX_CAB_CERTIFICATES} registered certificates"
                    )));
                }
                None => break,
            }
        }
        Ok(CabRecords { institution, accreditations, scope, certificates })
    }
}

/// Anchors: every certificate the CAB registered, and nothing else, so a signature chains only to this CAB's
/// keys. The registry's revocations go in as authoritative revocations.
pub(crate) fn trust_context(certificates: &[RegisteredCertificate]) -> TrustContext {
    let mut trust = TrustContext::empty();
    for cert in certificates {
        if let Err(e) = trust.add_anchor_der(&cert.der) {
            // Registered certificates were parsed at registration; one that no longer parses cannot anchor.
            tracing::warn!(certificate = %cert.id, error = %e, "registered certificate skipped as anchor");
            continue;
        }
        if let (CertificateStatus::Revoked, Some(revoked_at)) = (cert.status, cert.revoked_at) {
            trust.add_revocation(RegistryRevocation {
                sha256_fingerprint: cert.fingerprint_sha256.clone(),
                revoked_at,
                reason: cert.revocation_reason.map(|r| r.code()).unwrap_or("unspecified").to_owned(),
            });
        }
    }
    trust
}

/// A rejection with the report attached.
fn reject(code: &'static str, detail: impl Into<String>, report: &serde_json::Value) -> HubError {
    HubError::rejected(code, detail, Some(report.clone()))
}

/// The signatures of a report (document timestamps excluded).
fn signatures(report: &Report) -> impl Iterator<Item = &SignatureReport> {
    report.signatures.iter().filter(|s| s.kind == SignatureKind::Signature)
}

/// What a report asks of the registry next.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum SignatureVerdict {
    /// Every signature passed; each signer (by fingerprint, first signature first) must be this CAB's.
    Passed { signers: Vec<String> },
    /// A signature failed with its bytes intact; the registry tells why (the signer's fingerprint, if known).
    Untrusted { signer: Option<String>, detail: String },
}

/// First judgement of a report, before any registry lookup: unsigned, unreadable and broken signatures are
/// rejected here.
pub(super) fn judge_report(report: &Report, json: &serde_json::Value) -> Result<SignatureVerdict> {
    let signed: Vec<&SignatureReport> = signatures(report).collect();
    if signed.is_empty() {
        return Err(if report.document_errors.is_empty() {
            reject(codes::UNSIGNED, "the PDF carries no signature", json)
        } else {
            reject(codes::PDF_UNREADABLE, report.document.summary.clone(), json)
        });
    }
    if report.document.indication == Indication::TotalPassed {
        let signers: Option<Vec<String>> =
            signed.iter().map(|s| s.signer.as_ref().map(|c| c.sha256_fingerprint.to_ascii_lowercase())).collect();
        return match signers {
            Some(signers) => Ok(SignatureVerdict::Passed { signers }),
            None => Err(reject(codes::SIGNATURE_INVALID, "a passed signature names no signer certificate", json)),
        };
    }
    let failing =
        report.signatures.iter().find(|s| s.indication != Indication::TotalPassed).or(signed.first().copied());
    let Some(failing) = failing else {
        return Err(reject(codes::SIGNATURE_INVALID, report.document.summary.clone(), json));
    };
    let detail = format!(
        "signature {}: {}{}",
        failing.field,
        failing.indication.as_str(),
        failing.sub_indication.map(|s| format!(" / {}", s.as_str())).unwrap_or_default()
    );
    // Bytes proven altered, or a broken file: the signature itself is at fault, whoever signed it.
    if failing.integrity == Integrity::Broken || !report.document_errors.is_empty() {
        return Err(reject(codes::SIGNATURE_INVALID, detail, json));
    }
    Ok(SignatureVerdict::Untrusted {
        signer: failing.signer.as_ref().map(|c| c.sha256_fingerprint.to_ascii_lowercase()),
        detail,
    })
}

/// Why a signature that did not pass is refused, from the registry's record of its signer.
pub(super) fn untrusted_signer(
    cab: InstitutionId,
    record: Option<&RegisteredCertificate>,
    now: OffsetDateTime,
    detail: String,
    json: &serde_json::Value,
) -> HubError {
    match record {
        None => reject(
            codes::SIGNER_NOT_REGISTERED,
            format!("the signer certificate is not in the Public Key Registry ({detail})"),
            json,
        ),
        Some(r) if r.institution != cab => reject(
            codes::SIGNER_OTHER_CAB,
            format!("the signer certificate is registered to another CAB ({detail})"),
            json,
        ),
        Some(r) => match registry_problem(r, now) {
            Some((code, why)) => reject(code, format!("{why} ({detail})"), json),
            None => reject(codes::SIGNATURE_INVALID, detail, json),
        },
    }
}

/// The hub's policy on a registered certificate at push time: current validity, not validity at the
/// (unproven) signing time, so a revoked or expired key cannot push new documents.
fn registry_problem(record: &RegisteredCertificate, now: OffsetDateTime) -> Option<(&'static str, String)> {
    if record.status == CertificateStatus::Revoked {
        let at = record.revoked_at.map(|t| format!(" on {t}")).unwrap_or_default();
        return Some((codes::CERTIFICATE_REVOKED, format!("the signer certificate {} was revoked{at}", record.id)));
    }
    if now < record.not_before || now > record.not_after {
        return Some((
            codes::CERTIFICATE_EXPIRED,
            format!(
                "the signer certificate {} is valid {} to {}, not now",
                record.id, record.not_before, record.not_after
            ),
        ));
    }
    None
}

/// The signer of a passed signature must be registered to this CAB and currently usable.
pub(super) fn check_passed_signer<'a>(
    cab: InstitutionId,
    fingerprint: &str,
    own: &'a [RegisteredCertificate],
    elsewhere: Option<&RegisteredCertificate>,
    now: OffsetDateTime,
    json: &serde_json::Value,
) -> Result<&'a RegisteredCertificate> {
    let Some(record) = own.iter().find(|c| c.fingerprint_sha256.eq_ignore_ascii_case(fingerprint)) else {
        let detail = format!("signer SHA-256 {fingerprint}");
        return Err(untrusted_signer(cab, elsewhere, now, detail, json));
    };
    match registry_problem(record, now) {
        Some((code, why)) => Err(reject(code, why, json)),
        None => Ok(record),
    }
}

/// The CAB must be active today; a suspended or withdrawn CAB pushes nothing.
pub(super) fn check_cab_active(cab: &Institution, today: time::Date) -> Result<()> {
    match cab.status_on(today) {
        LifecycleStatus::Active => Ok(()),
        other => Err(HubError::rejected(codes::CAB_NOT_ACTIVE, format!("the CAB is {} today", other.code()), None)),
    }
}

/// Every HS code must be in the CAB's scope for the type and destination on the issue date. Returns the
/// matching scope entries (one per HS code, deduplicated).
pub(super) fn check_scope(
    records: &CabRecords,
    metadata: &DocumentMetadata,
    report: &serde_json::Value,
) -> Result<Vec<ScopeEntryId>> {
    let mut entries = Vec::new();
    for hs_code in &metadata.hs_codes {
        let query = ScopeQuery {
            document_type: metadata.document_type,
            hs_code: hs_code.clone(),
            destination: Some(metadata.destination_country),
            date: metadata.issue_date,
        };
        match authorize(&records.institution, &records.accreditations, &records.scope, &query) {
            Ok(entry) if !entries.contains(&entry.id) => entries.push(entry.id),
            Ok(_) => {}
            Err(reason) => {
                let code = match reason {
                    NotAuthorized::CabNotActive { .. } => codes::CAB_NOT_ACTIVE,
                    NotAuthorized::NotACab | NotAuthorized::NoValidAccreditation { .. } => codes::NOT_ACCREDITED,
                    NotAuthorized::DocumentTypeNotInScope { .. }
                    | NotAuthorized::HsCodeNotInScope { .. }
                    | NotAuthorized::DestinationNotInScope { .. }
                    | NotAuthorized::OutsideScopePeriod { .. } => codes::OUT_OF_SCOPE,
                };
                return Err(reject(code, reason.to_string(), report));
            }
        }
    }
    Ok(entries)
}

/// The registry facts the verdict rested on, kept with the PKI data (L4): ids and statuses, no names.
pub(super) fn registry_facts(
    records: &CabRecords,
    today: time::Date,
    scope_entries: &[ScopeEntryId],
    signer: &RegisteredCertificate,
) -> String {
    let accreditations: Vec<_> = records.accreditations.iter().filter(|a| a.is_valid_on(today)).map(|a| a.id).collect();
    serde_json::json!({
        "cab": records.institution.id,
        "cab_status": records.institution.status_on(today).code(),
        "accreditations": accreditations,
        "scope_entries": scope_entries,
        "signer_certificate": { "id": signer.id, "fingerprint_sha256": signer.fingerprint_sha256 },
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecert_domain::ids::CertificateId;
    use ecert_verify::report::{
        Algorithms, CertificateSummary, Coverage, DocumentVerdict, ModificationLevel, SignatureTimes,
    };
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-06-15 12:00 UTC);
    const FP: &str = "ab01";

    fn signature(indication: Indication, integrity: Integrity, signer: Option<&str>) -> SignatureReport {
        SignatureReport {
            field: "Signature1".into(),
            kind: SignatureKind::Signature,
            indication,
            sub_indication: None,
            integrity,
            coverage: Coverage::EntireFile,
            modification: ModificationLevel::None,
            byte_range: None,
            signed_revision: Some(0),
            signer: signer.map(|fp| CertificateSummary {
                subject: "CN=signer".into(),
                issuer: "CN=ca".into(),
                serial_hex: "01".into(),
                sha256_fingerprint: fp.into(),
                not_before: String::new(),
                not_after: String::new(),
            }),
            chain: vec![],
            times: SignatureTimes::default(),
            algorithms: Algorithms::default(),
            disallowed_changes: vec![],
            reasons: vec![],
        }
    }

    fn report(signatures: Vec<SignatureReport>, document_errors: Vec<String>) -> Report {
        let indication = if document_errors.is_empty() {
            signatures.iter().map(|s| s.indication).max().unwrap_or(Indication::Indeterminate)
        } else {
            Indication::TotalFailed
        };
        Report {
            document: DocumentVerdict {
                indication,
                integrity_intact: false,
                signature_count: signatures.len(),
                summary: "summary".into(),
            },
            signatures,
            document_errors,
            validation_time: String::new(),
        }
    }

    fn code<T: std::fmt::Debug>(r: Result<T>) -> &'static str {
        match r {
            Err(HubError::Rejected(rejection)) => {
                assert!(rejection.report.is_some(), "the report travels with every signature rejection");
                rejection.code
            }
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    fn cert(institution: InstitutionId) -> RegisteredCertificate {
        RegisteredCertificate {
            id: CertificateId::new(),
            institution,
            fingerprint_sha256: FP.into(),
            subject: "CN=signer".into(),
            issuer: "CN=ca".into(),
            serial: "01".into(),
            not_before: NOW - time::Duration::days(10),
            not_after: NOW + time::Duration::days(10),
            is_ca: false,
            key_algorithm: "EC-P256".into(),
            der: vec![],
            status: CertificateStatus::Active,
            replaces: None,
            replaced_by: None,
            revoked_at: None,
            revocation_reason: None,
            registered_at: NOW,
        }
    }

    #[test]
    fn reports_are_judged_before_the_registry() {
        let json = serde_json::json!({});
        assert_eq!(code(judge_report(&report(vec![], vec![]), &json)), codes::UNSIGNED);
        assert_eq!(code(judge_report(&report(vec![], vec!["not a PDF".into()]), &json)), codes::PDF_UNREADABLE);
        let broken = signature(Indication::TotalFailed, Integrity::Broken, Some(FP));
        assert_eq!(code(judge_report(&report(vec![broken], vec![]), &json)), codes::SIGNATURE_INVALID);
        let passed_without_signer = signature(Indication::TotalPassed, Integrity::Intact, None);
        assert_eq!(code(judge_report(&report(vec![passed_without_signer], vec![]), &json)), codes::SIGNATURE_INVALID);

        let passed = signature(Indication::TotalPassed, Integrity::Intact, Some("AB01"));
        assert_eq!(
            judge_report(&report(vec![passed.clone()], vec![]), &json).unwrap(),
            SignatureVerdict::Passed { signers: vec![FP.into()] }
        );
        let untrusted = signature(Indication::Indeterminate, Integrity::Intact, Some(FP));
        match judge_report(&report(vec![passed, untrusted], vec![]), &json).unwrap() {
            SignatureVerdict::Untrusted { signer, .. } => assert_eq!(signer.as_deref(), Some(FP)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_registry_tells_why_a_signer_is_not_trusted() {
        let json = serde_json::json!({});
        let cab = InstitutionId::new();
        let reason =
            |record: Option<&RegisteredCertificate>, now| untrusted_signer(cab, record, now, "x".into(), &json);
        assert_eq!(code::<()>(Err(reason(None, NOW))), codes::SIGNER_NOT_REGISTERED);
        assert_eq!(code::<()>(Err(reason(Some(&cert(InstitutionId::new())), NOW))), codes::SIGNER_OTHER_CAB);
        let mut revoked = cert(cab);
        revoked.status = CertificateStatus::Revoked;
        revoked.revoked_at = Some(NOW - time::Duration::days(1));
        assert_eq!(code::<()>(Err(reason(Some(&revoked), NOW))), codes::CERTIFICATE_REVOKED);
        let later = NOW + time::Duration::days(11);
        assert_eq!(code::<()>(Err(reason(Some(&cert(cab)), later))), codes::CERTIFICATE_EXPIRED);
        assert_eq!(code::<()>(Err(reason(Some(&cert(cab)), NOW))), codes::SIGNATURE_INVALID);
    }

    #[test]
    fn a_passed_signer_must_be_this_cabs_and_usable_now() {
        let json = serde_json::json!({});
        let cab = InstitutionId::new();
        let own = vec![cert(cab)];
        assert_eq!(check_passed_signer(cab, "AB01", &own, None, NOW, &json).unwrap().id, own[0].id);
        assert_eq!(code(check_passed_signer(cab, "cd02", &own, None, NOW, &json)), codes::SIGNER_NOT_REGISTERED);
        let theirs = cert(InstitutionId::new());
        assert_eq!(code(check_passed_signer(cab, "cd02", &own, Some(&theirs), NOW, &json)), codes::SIGNER_OTHER_CAB);
        let early = NOW - time::Duration::days(11);
        assert_eq!(code(check_passed_signer(cab, FP, &own, None, early, &json)), codes::CERTIFICATE_EXPIRED);
        // Revoked after the signing time still refuses new pushes: the policy is validity now.
        let mut revoked = own.clone();
        revoked[0].status = CertificateStatus::Revoked;
        revoked[0].revoked_at = Some(NOW);
        assert_eq!(code(check_passed_signer(cab, FP, &revoked, None, NOW, &json)), codes::CERTIFICATE_REVOKED);
    }

    #[test]
    fn revoked_registry_certificates_become_revocations() {
        let pki = ecert_pki::testpki::TestPki::shared().unwrap();
        let cab = InstitutionId::new();
        let der = pki.ca.certificate.der().to_vec();
        let mut revoked = cert(cab);
        revoked.der = der.clone();
        revoked.fingerprint_sha256 = pki.ca.certificate.fingerprint_hex();
        revoked.status = CertificateStatus::Revoked;
        revoked.revoked_at = Some(NOW);
        let mut broken = cert(cab);
        broken.der = b"not DER".to_vec();
        let trust = trust_context(&[revoked.clone(), broken]);
        assert_eq!(trust.anchors(), &[der]);
        let revocation = trust.revocation_for(&revoked.fingerprint_sha256).unwrap();
        assert_eq!((revocation.revoked_at, revocation.reason.as_str()), (NOW, "unspecified"));
    }

    fn records(cab: &Institution, accreditation_valid: bool) -> CabRecords {
        use ecert_domain::accreditation::AccreditationBasis;
        use ecert_domain::hs::HsPrefix;
        let day = NOW.date();
        let accreditation = Accreditation {
            id: ecert_domain::ids::AccreditationId::new(),
            cab: cab.id,
            basis: AccreditationBasis::Iso17025,
            body: None,
            designated_by: None,
            certificate_number: "A-1".into(),
            valid_from: day - time::Duration::days(100),
            valid_until: if accreditation_valid {
                day + time::Duration::days(100)
            } else {
                day - time::Duration::days(1)
            },
            suspended: false,
            created_at: NOW,
        };
        let entry = ScopeEntry {
            id: ScopeEntryId::new(),
            cab: cab.id,
            document_type: ecert_domain::document_type::DocumentType::TestReport,
            hs_prefix: HsPrefix::parse("84").unwrap(),
            destinations: vec![ecert_domain::country::CountryCode::parse("UZ").unwrap()],
            valid_from: day - time::Duration::days(100),
            valid_until: None,
            created_at: NOW,
        };
        CabRecords {
            institution: cab.clone(),
            accreditations: vec![accreditation],
            scope: vec![entry],
            certificates: vec![],
        }
    }

    fn document(hs: &[&str], destination: &str) -> DocumentMetadata {
        ecert_domain::document::NewDocumentMetadata {
            document_number: "N-1".into(),
            document_type: "TR".into(),
            hs_codes: hs.iter().map(|h| (*h).to_owned()).collect(),
            product_description: "Laptops".into(),
            issue_date: NOW.date(),
            valid_until: NOW.date() + time::Duration::days(30),
            destination_country: destination.into(),
            receiving_authority: None,
            applicant: None,
            manufacturer: None,
            applied_standards: vec![],
            public_token: None,
        }
        .validate(NOW.date())
        .unwrap()
    }

    #[test]
    fn every_hs_code_must_be_in_scope() {
        let json = serde_json::json!({});
        let cab = institution();
        let ok = records(&cab, true);
        let entries = check_scope(&ok, &document(&["847130", "850440"], "UZ"), &json);
        assert_eq!(code(entries), codes::OUT_OF_SCOPE, "8504 is not covered");
        assert_eq!(check_scope(&ok, &document(&["847130", "8471.41"], "UZ"), &json).unwrap(), vec![ok.scope[0].id]);
        assert_eq!(code(check_scope(&ok, &document(&["847130"], "KG"), &json)), codes::OUT_OF_SCOPE);
        let lapsed = records(&cab, false);
        assert_eq!(code(check_scope(&lapsed, &document(&["847130"], "UZ"), &json)), codes::NOT_ACCREDITED);
        let facts: serde_json::Value =
            serde_json::from_str(&registry_facts(&lapsed, NOW.date(), &[], &cert(cab.id))).unwrap();
        assert_eq!(facts["accreditations"].as_array().unwrap().len(), 0);
        assert_eq!(facts["cab_status"], "active");
    }

    fn institution() -> Institution {
        Institution {
            id: InstitutionId::new(),
            country: ecert_domain::country::CountryCode::parse("KZ").unwrap(),
            name: "Lab".into(),
            roles: vec![ecert_domain::institution::Role::IssuingCab],
            contacts: vec![],
            status: LifecycleStatus::Active,
            withdrawal: None,
            created_at: NOW,
            updated_at: NOW,
        }
    }

    #[test]
    fn only_an_active_cab_pushes() {
        let mut cab = institution();
        assert!(check_cab_active(&cab, NOW.date()).is_ok());
        cab.status = LifecycleStatus::Suspended;
        match check_cab_active(&cab, NOW.date()) {
            Err(HubError::Rejected(r)) => assert_eq!(r.code, codes::CAB_NOT_ACTIVE),
            other => panic!("{other:?}"),
        }
    }
}
