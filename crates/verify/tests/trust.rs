//! Certificate and time layers on the test PKI's scenarios: expired, not yet valid, wrong key
//! usage, untrusted, registry revocation with and without a proving timestamp, RSA and EC.

mod common;

use common::*;
use ecert_pki::testpki::TestSigner;
use ecert_verify::{Indication, Integrity, RegistryRevocation, SubIndication, TrustContext};
use time::Duration;

fn verdict(who: TestSigner, trust: &TrustContext) -> (Indication, Option<SubIndication>, Integrity, String) {
    let pdf = sign_with(&unsigned(), who, "Signature1", None);
    let report = validate(&pdf, trust);
    let sig = only(&report);
    (sig.indication, sig.sub_indication, sig.integrity, report.to_string())
}

#[test]
fn valid_rsa_and_ec_signers_pass() {
    for who in [TestSigner::ValidRsa, TestSigner::ValidEcP256, TestSigner::ValidEcP384] {
        let (ind, _, integrity, text) = verdict(who, &trust());
        assert_eq!(ind, Indication::TotalPassed, "{who:?}: {text}");
        assert_eq!(integrity, Integrity::Intact);
    }
}

#[test]
fn expired_signer_without_timestamp_is_out_of_bounds_no_poe() {
    let (ind, sub, integrity, text) = verdict(TestSigner::Expired, &trust());
    assert_eq!((ind, sub), (Indication::Indeterminate, Some(SubIndication::OutOfBoundsNoPoe)), "{text}");
    assert_eq!(integrity, Integrity::Intact);
}

#[test]
fn not_yet_valid_signer_fails() {
    let (ind, sub, _, text) = verdict(TestSigner::NotYetValid, &trust());
    assert_eq!((ind, sub), (Indication::TotalFailed, Some(SubIndication::NotYetValid)), "{text}");
}

#[test]
fn wrong_key_usage_fails_chain_constraints() {
    for who in [TestSigner::KeyCertSignOnly, TestSigner::NoDigitalSignature] {
        let (ind, sub, _, text) = verdict(who, &trust());
        assert_eq!(
            (ind, sub),
            (Indication::TotalFailed, Some(SubIndication::ChainConstraintsFailure)),
            "{who:?}: {text}"
        );
        assert!(text.contains("key usage"), "{text}");
    }
}

#[test]
fn foreign_anchor_gives_no_chain() {
    let mut other = TrustContext::empty();
    // The TSA certificate is a leaf, never an issuer of the signer.
    other.add_anchor_der(pki().tsa.certificate.der()).unwrap();
    let (ind, sub, integrity, text) = verdict(TestSigner::ValidRsa, &other);
    assert_eq!((ind, sub), (Indication::Indeterminate, Some(SubIndication::NoCertificateChainFound)), "{text}");
    assert_eq!(integrity, Integrity::Intact);
}

fn revoked_trust(revoked_at: time::OffsetDateTime) -> TrustContext {
    let mut t = trust();
    let fp = hex::encode(pki().signer(TestSigner::ValidRsa).credentials.certificate.sha256_fingerprint());
    t.add_revocation(RegistryRevocation { sha256_fingerprint: fp, revoked_at, reason: "key compromise".into() });
    t
}

#[test]
fn registry_revocation_without_timestamp_is_revoked_no_poe() {
    let t = revoked_trust(pki().now - Duration::hours(1));
    let (ind, sub, _, text) = verdict(TestSigner::ValidRsa, &t);
    assert_eq!((ind, sub), (Indication::Indeterminate, Some(SubIndication::RevokedNoPoe)), "{text}");
}

#[test]
fn registry_revocation_before_proven_signing_time_fails_and_after_it_passes() {
    let tsa = pki().test_tsa();
    let pdf = sign_with(&unsigned(), TestSigner::ValidRsa, "Signature1", Some(tsa.as_ref()));

    let before = revoked_trust(pki().now - Duration::days(30));
    let report = validate(&pdf, &before);
    let sig = only(&report);
    assert_eq!(
        (sig.indication, sig.sub_indication),
        (Indication::TotalFailed, Some(SubIndication::Revoked)),
        "{report}"
    );

    let after = revoked_trust(time::OffsetDateTime::now_utc() + Duration::days(30));
    let report = validate(&pdf, &after);
    assert_eq!(only(&report).indication, Indication::TotalPassed, "{report}");
}

#[test]
fn anchors_from_pem_and_bad_pem() {
    let mut t = TrustContext::empty();
    let pem = pki().root_certificate().to_pem();
    assert_eq!(t.add_anchors_pem(&pem).unwrap(), 1);
    assert_eq!(t.anchors().len(), 1);
    assert!(TrustContext::empty().add_anchors_pem("no pem here").is_err());
    assert!(TrustContext::empty().add_anchor_der(b"\x30\x00").is_err());
}

#[test]
fn json_and_human_reports_carry_the_verdict() {
    let pdf = signed();
    let report = validate(&pdf, &trust());
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["document"]["indication"], "TOTAL_PASSED");
    assert_eq!(json["signatures"][0]["integrity"], "intact");
    assert_eq!(json["signatures"][0]["coverage"], "entire_file");
    let text = report.to_string();
    assert!(text.contains("TOTAL_PASSED") && text.contains("Signature1"), "{text}");
}

fn sign_lt(who: TestSigner, tsa: bool) -> Vec<u8> {
    use ecert_pdf::dss::DssData;
    use ecert_pdf::sign::{SignOptions, sign_pdf};
    let pki = pki();
    let id = pki.signer(who);
    let test_tsa = pki.test_tsa();
    let mut opts = SignOptions::new(&id.credentials);
    opts.field_name = Some("Signature1".into());
    opts.signing_time = pki.now;
    if tsa {
        opts.tsa = Some(test_tsa.as_ref());
    }
    opts.ltv = Some(DssData {
        certs: vec![pki.ca.certificate.der().to_vec()],
        crls: vec![pki.crl().der().to_vec()],
        ocsps: vec![id.ocsp.der().to_vec()],
    });
    sign_pdf(&unsigned(), &opts).expect("sign B-LT")
}

#[test]
fn b_lt_valid_signer_passes_with_revocation_evidence() {
    let pdf = sign_lt(TestSigner::ValidRsa, true);
    let report = validate(&pdf, &trust());
    let sig = only(&report);
    assert_eq!(sig.indication, Indication::TotalPassed, "{report}");
    assert!(sig.reasons.iter().any(|r| r.contains("not revoked per")), "{report}");
}

#[test]
fn b_lt_revoked_signer_fails_with_timestamp_and_is_indeterminate_without() {
    let report = validate(&sign_lt(TestSigner::Revoked, true), &trust());
    let sig = only(&report);
    assert_eq!(
        (sig.indication, sig.sub_indication),
        (Indication::TotalFailed, Some(SubIndication::Revoked)),
        "{report}"
    );

    let report = validate(&sign_lt(TestSigner::Revoked, false), &trust());
    let sig = only(&report);
    assert_eq!(
        (sig.indication, sig.sub_indication),
        (Indication::Indeterminate, Some(SubIndication::RevokedNoPoe)),
        "{report}"
    );
}

#[test]
fn missing_revocation_data_is_try_later_when_required() {
    let mut policy = ecert_verify::ValidationPolicy::default();
    policy.trust.require_revocation_info = true;
    let pdf = signed();
    let report = ecert_verify::validate_pdf(&pdf, &policy, &trust(), Some(pki().now));
    let sig = only(&report);
    assert_eq!(
        (sig.indication, sig.sub_indication),
        (Indication::Indeterminate, Some(SubIndication::TryLater)),
        "{report}"
    );
}
