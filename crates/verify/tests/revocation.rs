//! Revocation freshness and path coverage: CRL/OCSP data embedded in /DSS is only evidence of
//! "not revoked" when its validity window covers the best signature time, and it is checked for
//! every non-anchor certificate of the signer's path and of the TSA's path.

mod common;

use std::sync::Arc;

use common::*;
use const_oid::db::rfc5280;
use ecert_pdf::dss::DssData;
use ecert_pdf::sign::{SignOptions, sign_pdf};
use ecert_pki::builder::CertificateBuilder;
use ecert_pki::cert::KeyUsage;
use ecert_pki::crl::{Crl, CrlBuilder, CrlReason};
use ecert_pki::ocsp::{CertStatus, OcspResponse, OcspResponseBuilder};
use ecert_pki::testpki::TestSigner;
use ecert_pki::tsp::{TestTsa, TsaClient};
use ecert_pki::{KeyKind, SignerCredentials, SigningKey};
use ecert_verify::report::SignatureReport;
use ecert_verify::{
    Indication, Integrity, RegistryRevocation, Report, SubIndication, TrustContext, ValidationPolicy, validate_pdf,
};
use time::{Duration, OffsetDateTime};

fn sign_ltv(creds: &SignerCredentials, tsa: Option<&dyn TsaClient>, dss: DssData) -> Vec<u8> {
    let mut opts = SignOptions::new(creds);
    opts.field_name = Some("Signature1".into());
    opts.signing_time = pki().now;
    opts.tsa = tsa;
    opts.ltv = Some(dss);
    sign_pdf(&unsigned(), &opts).expect("sign with DSS")
}

fn valid_signer() -> &'static SignerCredentials {
    &pki().signer(TestSigner::ValidRsa).credentials
}

fn dss(crls: Vec<&Crl>, ocsps: Vec<&OcspResponse>) -> DssData {
    DssData {
        certs: vec![pki().ca.certificate.der().to_vec()],
        crls: crls.into_iter().map(|c| c.der().to_vec()).collect(),
        ocsps: ocsps.into_iter().map(|o| o.der().to_vec()).collect(),
    }
}

/// A CRL of the issuing CA valid from `this_update` to `next_update`, revoking `revoked`.
fn ca_crl(this_update: OffsetDateTime, next_update: OffsetDateTime, revoked: &[(&[u8], OffsetDateTime)]) -> Crl {
    let mut b = CrlBuilder::new(&pki().ca, this_update, next_update, 7);
    for (serial, at) in revoked {
        b = b.revoke(serial, *at, Some(CrlReason::KeyCompromise));
    }
    b.build().unwrap()
}

/// An OCSP response of the CA's delegated responder saying "good" for the valid signer.
fn good_ocsp(this_update: OffsetDateTime, next_update: Option<OffsetDateTime>) -> OcspResponse {
    OcspResponseBuilder::new(&pki().ocsp_responder, &pki().ca.certificate, this_update)
        .status(&valid_signer().certificate, CertStatus::Good, this_update, next_update)
        .build()
        .unwrap()
}

fn verdict(report: &Report) -> (Indication, Option<SubIndication>) {
    let sig = only(report);
    (sig.indication, sig.sub_indication)
}

fn has_reason(sig: &SignatureReport, needle: &str) -> bool {
    sig.reasons.iter().any(|r| r.contains(needle))
}

#[test]
fn fresh_crl_alone_proves_not_revoked() {
    let pdf = sign_ltv(valid_signer(), None, dss(vec![pki().crl()], vec![]));
    let report = validate(&pdf, &trust());
    assert_eq!(verdict(&report), (Indication::TotalPassed, None), "{report}");
    assert!(has_reason(only(&report), "not revoked per CRL"), "{report}");
}

#[test]
fn fresh_crl_satisfies_a_policy_that_requires_revocation_info() {
    let mut policy = ValidationPolicy::default();
    policy.trust.require_revocation_info = true;
    let pdf = sign_ltv(valid_signer(), None, dss(vec![pki().crl()], vec![]));
    let report = validate_pdf(&pdf, &policy, &trust(), Some(pki().now));
    assert_eq!(verdict(&report), (Indication::TotalPassed, None), "{report}");
}

#[test]
fn stale_crl_is_try_later() {
    let now = pki().now;
    // Expired a week before the signing time.
    let crl = ca_crl(now - Duration::days(30), now - Duration::days(23), &[]);
    let pdf = sign_ltv(valid_signer(), None, dss(vec![&crl], vec![]));
    let report = validate(&pdf, &trust());
    assert_eq!(verdict(&report), (Indication::Indeterminate, Some(SubIndication::TryLater)), "{report}");
    let sig = only(&report);
    assert_eq!(sig.integrity, Integrity::Intact);
    assert!(has_reason(sig, "stale") && has_reason(sig, "CRL thisUpdate"), "{report}");
}

#[test]
fn stale_ocsp_is_try_later() {
    let now = pki().now;
    let ocsp = good_ocsp(now - Duration::days(30), Some(now - Duration::days(29)));
    let pdf = sign_ltv(valid_signer(), None, dss(vec![], vec![&ocsp]));
    let report = validate(&pdf, &trust());
    assert_eq!(verdict(&report), (Indication::Indeterminate, Some(SubIndication::TryLater)), "{report}");
    assert!(has_reason(only(&report), "OCSP thisUpdate"), "{report}");
}

#[test]
fn ocsp_without_next_update_is_judged_by_max_staleness() {
    let now = pki().now;
    let ocsp = good_ocsp(now - Duration::days(8), None);
    let pdf = sign_ltv(valid_signer(), None, dss(vec![], vec![&ocsp]));

    let report = validate(&pdf, &trust());
    assert_eq!(verdict(&report), (Indication::Indeterminate, Some(SubIndication::TryLater)), "{report}");

    let mut lenient = ValidationPolicy::default();
    lenient.trust.revocation.max_staleness = Duration::days(10);
    let report = validate_pdf(&pdf, &lenient, &trust(), Some(now));
    assert_eq!(verdict(&report), (Indication::TotalPassed, None), "{report}");
    assert!(has_reason(only(&report), "not revoked per OCSP"), "{report}");
}

#[test]
fn fresh_evidence_outweighs_stale_evidence() {
    let now = pki().now;
    let stale = ca_crl(now - Duration::days(30), now - Duration::days(23), &[]);
    let fresh = valid_ocsp_now();
    let pdf = sign_ltv(valid_signer(), None, dss(vec![&stale], vec![fresh]));
    let report = validate(&pdf, &trust());
    assert_eq!(verdict(&report), (Indication::TotalPassed, None), "{report}");
}

fn valid_ocsp_now() -> &'static OcspResponse {
    &pki().signer(TestSigner::ValidRsa).ocsp
}

#[test]
fn revocation_in_stale_crl_still_counts() {
    let now = pki().now;
    let serial = valid_signer().certificate.serial_bytes();
    let crl = ca_crl(now - Duration::days(30), now - Duration::days(23), &[(serial, now - Duration::days(40))]);
    let pdf = sign_ltv(valid_signer(), None, dss(vec![&crl], vec![]));
    let report = validate(&pdf, &trust());
    assert_eq!(verdict(&report), (Indication::Indeterminate, Some(SubIndication::RevokedNoPoe)), "{report}");
}

/// A second issuing CA under the test root, and a document signer below it.
struct Intermediate {
    ca: Arc<SignerCredentials>,
    signer: SignerCredentials,
}

fn intermediate() -> Intermediate {
    let now = pki().now;
    let year = Duration::days(365);
    let root = &pki().root;
    let ca_key = SigningKey::generate(KeyKind::EcP256).unwrap();
    let ca_cert = CertificateBuilder::new("CN=ecert Test Second Issuing CA,O=ecert Test PKI,C=KZ", ca_key.spki_der())
        .unwrap()
        .serial(&[0x30, 0x01])
        .validity(now - year, now + year)
        .ca(Some(0))
        .key_usage(KeyUsage::KEY_CERT_SIGN | KeyUsage::CRL_SIGN)
        .build(root)
        .unwrap();
    let ca = Arc::new(SignerCredentials::new(ca_key, ca_cert, vec![root.certificate.clone()]).unwrap());
    let key = SigningKey::generate(KeyKind::EcP256).unwrap();
    let cert = CertificateBuilder::new("CN=ecert Test Signer Under Second CA,O=ecert Test PKI,C=KZ", key.spki_der())
        .unwrap()
        .serial(&[0x30, 0x02])
        .validity(now - Duration::days(1), now + year)
        .key_usage(KeyUsage::DIGITAL_SIGNATURE | KeyUsage::NON_REPUDIATION)
        .build(&ca)
        .unwrap();
    let chain = vec![ca.certificate.clone(), root.certificate.clone()];
    let signer = SignerCredentials::new(key, cert, chain).unwrap();
    Intermediate { ca, signer }
}

fn sign_under(inter: &Intermediate, root_crl: &Crl, tsa: Option<&dyn TsaClient>) -> Vec<u8> {
    let dss = DssData {
        certs: vec![inter.ca.certificate.der().to_vec()],
        crls: vec![root_crl.der().to_vec()],
        ocsps: Vec::new(),
    };
    sign_ltv(&inter.signer, tsa, dss)
}

#[test]
fn revoked_intermediate_ca_is_revoked_ca_no_poe_with_and_without_timestamp() {
    let now = pki().now;
    let inter = intermediate();
    let root_crl = CrlBuilder::new(&pki().root, now - Duration::hours(1), now + Duration::days(7), 9)
        .revoke(inter.ca.certificate.serial_bytes(), now - Duration::hours(2), Some(CrlReason::CaCompromise))
        .build()
        .unwrap();
    let tsa = pki().test_tsa();
    for stamp in [None, Some(tsa.as_ref() as &dyn TsaClient)] {
        let report = validate(&sign_under(&inter, &root_crl, stamp), &trust());
        assert_eq!(
            verdict(&report),
            (Indication::Indeterminate, Some(SubIndication::RevokedCaNoPoe)),
            "timestamp {}: {report}",
            stamp.is_some()
        );
        assert!(has_reason(only(&report), "CA certificate 'CN=ecert Test Second Issuing CA"), "{report}");
    }
}

#[test]
fn intermediate_ca_revoked_after_the_proven_signing_time_passes() {
    let now = pki().now;
    let inter = intermediate();
    let later = OffsetDateTime::now_utc() + Duration::days(1);
    let root_crl = CrlBuilder::new(&pki().root, now - Duration::hours(1), now + Duration::days(7), 10)
        .revoke(inter.ca.certificate.serial_bytes(), later, Some(CrlReason::CaCompromise))
        .build()
        .unwrap();
    let tsa = pki().test_tsa();
    let report = validate(&sign_under(&inter, &root_crl, Some(tsa.as_ref())), &trust());
    assert_eq!(verdict(&report), (Indication::TotalPassed, None), "{report}");
    assert!(has_reason(only(&report), "Second Issuing CA"), "{report}");
}

#[test]
fn intermediate_ca_with_fresh_clean_crl_passes_and_without_data_is_only_a_reason() {
    let inter = intermediate();
    let report = validate(&sign_under(&inter, pki().root_crl(), None), &trust());
    assert_eq!(verdict(&report), (Indication::TotalPassed, None), "{report}");
    assert!(has_reason(only(&report), "of the signer path not revoked per CRL"), "{report}");

    // The default test PKI ships no root CRL in the document: registry status only.
    let pdf = sign_with(&unsigned(), TestSigner::ValidRsa, "Signature1", None);
    let report = validate(&pdf, &trust());
    assert_eq!(verdict(&report), (Indication::TotalPassed, None), "{report}");
    assert!(has_reason(only(&report), "no embedded revocation information for CA certificate"), "{report}");
}

#[test]
fn stale_crl_for_an_intermediate_is_try_later() {
    let now = pki().now;
    let inter = intermediate();
    let root_crl =
        CrlBuilder::new(&pki().root, now - Duration::days(30), now - Duration::days(20), 11).build().unwrap();
    let report = validate(&sign_under(&inter, &root_crl, None), &trust());
    assert_eq!(verdict(&report), (Indication::Indeterminate, Some(SubIndication::TryLater)), "{report}");
}

/// A TSA certificate issued by the test CA, and a CA CRL revoking it at `revoked_at`.
fn tsa_revoked_at(revoked_at: OffsetDateTime) -> (Arc<TestTsa>, Crl) {
    let now = pki().now;
    let key = SigningKey::generate(KeyKind::EcP256).unwrap();
    let cert = CertificateBuilder::new("CN=ecert Test Revoked TSA,O=ecert Test PKI,C=KZ", key.spki_der())
        .unwrap()
        .serial(&[0x31, 0x01])
        .validity(now - Duration::days(365), now + Duration::days(365))
        .key_usage(KeyUsage::DIGITAL_SIGNATURE)
        .extended_key_usage(&[rfc5280::ID_KP_TIME_STAMPING], true)
        .build(&pki().ca)
        .unwrap();
    let chain = vec![pki().ca.certificate.clone(), pki().root.certificate.clone()];
    let creds = Arc::new(SignerCredentials::new(key, cert, chain).unwrap());
    let crl =
        ca_crl(now - Duration::hours(1), now + Duration::days(7), &[(creds.certificate.serial_bytes(), revoked_at)]);
    (Arc::new(TestTsa::new(creds)), crl)
}

fn registry_revoked_signer() -> TrustContext {
    let mut t = trust();
    let fp = hex::encode(valid_signer().certificate.sha256_fingerprint());
    t.add_revocation(RegistryRevocation {
        sha256_fingerprint: fp,
        revoked_at: pki().now - Duration::days(30),
        reason: "key compromise".into(),
    });
    t
}

#[test]
fn revoked_tsa_does_not_prove_the_signing_time() {
    let (tsa, crl) = tsa_revoked_at(pki().now - Duration::hours(2));
    let pdf = sign_ltv(valid_signer(), Some(tsa.as_ref()), dss(vec![&crl], vec![]));

    // Alone, the signature still passes, but the timestamp is not its best signature time.
    let report = validate(&pdf, &trust());
    assert_eq!(verdict(&report), (Indication::TotalPassed, None), "{report}");
    let sig = only(&report);
    assert!(has_reason(sig, "signature timestamp TSA certificate 'CN=ecert Test Revoked TSA"), "{report}");
    assert!(has_reason(sig, "is not trusted"), "{report}");
    assert_eq!(sig.times.best_signature_time, report.validation_time, "{report}");

    // Against a signer the registry revoked 30 days ago, a trusted timestamp would prove the
    // signature is later than the revocation (TOTAL_FAILED / REVOKED); the revoked TSA cannot.
    let report = validate(&pdf, &registry_revoked_signer());
    assert_eq!(verdict(&report), (Indication::Indeterminate, Some(SubIndication::RevokedNoPoe)), "{report}");
}

#[test]
fn tsa_revoked_after_its_timestamp_still_proves_the_time() {
    let (tsa, crl) = tsa_revoked_at(OffsetDateTime::now_utc() + Duration::days(1));
    let pdf = sign_ltv(valid_signer(), Some(tsa.as_ref()), dss(vec![&crl], vec![]));
    let report = validate(&pdf, &registry_revoked_signer());
    assert_eq!(verdict(&report), (Indication::TotalFailed, Some(SubIndication::Revoked)), "{report}");
}
