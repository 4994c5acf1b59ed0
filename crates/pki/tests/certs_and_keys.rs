mod common;

use common::{cert, creds, patch, pki};
use const_oid::ObjectIdentifier;
use ecert_pki::builder::CertificateBuilder;
use ecert_pki::cert::KeyUsage;
use ecert_pki::testpki::TestSigner;
use ecert_pki::{
    CertRejection, Certificate, DigestAlgorithm, Error, KeyKind, SignatureAlgorithm, SignerCredentials, SigningKey,
    alg, check_registrable,
};
use time::{Duration, OffsetDateTime};

fn now() -> OffsetDateTime {
    pki().now
}

fn issue(builder: CertificateBuilder) -> Certificate {
    builder.build(&pki().ca).unwrap()
}

fn ec_builder(subject: &str) -> (SigningKey, CertificateBuilder) {
    let key = SigningKey::generate(KeyKind::EcP256).unwrap();
    let b = CertificateBuilder::new(subject, key.spki_der())
        .unwrap()
        .validity(now() - Duration::days(1), now() + Duration::days(30));
    (key, b)
}

#[test]
fn chain_links_and_parsed_fields() {
    let p = pki();
    p.ca.certificate.verify_issued_by(&p.root.certificate).unwrap();
    p.root.certificate.verify_issued_by(&p.root.certificate).unwrap();
    assert!(p.root.certificate.is_self_issued());
    let signer = cert(TestSigner::ValidRsa);
    signer.verify_issued_by(&p.ca.certificate).unwrap();
    // Wrong issuer: names differ.
    assert!(signer.verify_issued_by(&p.root.certificate).is_err());

    assert_eq!(signer.version(), 3);
    assert_eq!(signer.subject(), "CN=Valid RSA Signer,O=ecert Test PKI,C=KZ");
    assert_eq!(signer.issuer(), "CN=ecert Test CAB Issuing CA,O=ecert Test PKI,C=KZ");
    assert_eq!(signer.serial_hex(), "1001");
    assert_eq!(signer.key_kind().unwrap(), KeyKind::Rsa { bits: 2048 });
    assert_eq!(cert(TestSigner::ValidEcP384).key_kind().unwrap(), KeyKind::EcP384);
    assert_eq!(signer.key_usage(), Some(KeyUsage::DIGITAL_SIGNATURE | KeyUsage::NON_REPUDIATION));
    assert_eq!(p.ca.certificate.basic_constraints().unwrap().path_len, Some(0));
    assert!(p.ca.certificate.is_ca());
    assert_eq!(signer.authority_key_id(), p.ca.certificate.subject_key_id());
    assert_eq!(signer.fingerprint_hex().len(), 64);
    assert_eq!(signer.signature_algorithm().unwrap(), SignatureAlgorithm::RsaPkcs1v15(DigestAlgorithm::Sha256));
    assert!(signer.critical_extensions().contains(&const_oid::db::rfc5280::ID_CE_KEY_USAGE));
    assert!(signer.unhandled_critical_extensions().is_empty());
    assert!(signer.is_valid_at(now()));
    assert!(!signer.is_valid_at(now() + Duration::days(3 * 365)));
    assert_eq!(p.tsa.certificate.extended_key_usage().unwrap(), &[const_oid::db::rfc5280::ID_KP_TIME_STAMPING]);
    assert!(p.tsa.certificate.is_eku_critical());
}

#[test]
fn pem_and_der_parsing() {
    let p = pki();
    let bundle = format!("{}{}", p.ca.certificate.to_pem(), p.root.certificate.to_pem());
    let certs = Certificate::parse_any(bundle.as_bytes()).unwrap();
    assert_eq!(certs, vec![p.ca.certificate.clone(), p.root.certificate.clone()]);
    assert_eq!(Certificate::parse_any(p.ca.certificate.der()).unwrap(), vec![p.ca.certificate.clone()]);
    assert!(matches!(Certificate::from_pem(&bundle), Err(Error::Certificate(_))));
    assert!(matches!(Certificate::from_pem("nothing here"), Err(Error::PemNotFound { .. })));
    assert_eq!(Certificate::from_pem(&p.ca.certificate.to_pem()).unwrap(), p.ca.certificate);
}

#[test]
fn malformed_certificates_are_errors_not_panics() {
    let der = cert(TestSigner::ValidRsa).der();
    for len in (0..der.len()).step_by(7) {
        assert!(Certificate::from_der(&der[..len]).is_err());
    }
    let mut trailing = der.to_vec();
    trailing.push(0);
    assert!(Certificate::from_der(&trailing).is_err());
    assert!(Certificate::parse_any(b"\xff\xfe garbage").is_err());
}

#[test]
fn tampered_certificate_signature_fails() {
    let signer = cert(TestSigner::ValidEcP256);
    let mut der = signer.der().to_vec();
    // Flip a bit inside the subject CN ("Valid" -> "Valie").
    let tampered = patch(&der, b"Valid EC P-256", b"Valie EC P-256");
    der.copy_from_slice(&tampered);
    let c = Certificate::from_der(&der).unwrap();
    assert!(matches!(c.verify_issued_by(&pki().ca.certificate), Err(Error::BadSignature(_))));
}

// ---- registry admission ----

#[test]
fn valid_signers_and_cas_are_registrable() {
    for s in [TestSigner::ValidRsa, TestSigner::ValidEcP256, TestSigner::ValidEcP384, TestSigner::Revoked] {
        let facts = check_registrable(cert(s), now()).unwrap();
        assert!(!facts.is_ca);
        assert_eq!(facts.key_usage, vec!["digitalSignature", "nonRepudiation"]);
    }
    let facts = check_registrable(&pki().ca.certificate, now()).unwrap();
    assert!(facts.is_ca);
    assert_eq!(facts.path_len, Some(0));
    let json = serde_json::to_value(&facts).unwrap();
    assert_eq!(json["key"]["type"], "rsa");
    assert!(json["not_after"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn expired_and_not_yet_valid_are_rejected() {
    let e = check_registrable(cert(TestSigner::Expired), now()).unwrap_err();
    assert!(matches!(e, CertRejection::Expired { .. }), "{e}");
    assert_eq!(e.code(), "expired");
    let e = check_registrable(cert(TestSigner::NotYetValid), now()).unwrap_err();
    assert!(matches!(e, CertRejection::NotYetValid { .. }), "{e}");
}

#[test]
fn wrong_key_usage_is_rejected() {
    for s in [TestSigner::KeyCertSignOnly, TestSigner::NoDigitalSignature] {
        let e = check_registrable(cert(s), now()).unwrap_err();
        assert!(matches!(e, CertRejection::KeyUsageNotForSigning { .. }), "{e}");
    }
    let (_, b) = ec_builder("CN=No KU");
    let e = check_registrable(&issue(b), now()).unwrap_err();
    assert_eq!(e, CertRejection::MissingKeyUsage);

    let (_, b) = ec_builder("CN=CA without keyCertSign");
    let e = check_registrable(&issue(b.ca(None).key_usage(KeyUsage::CRL_SIGN)), now()).unwrap_err();
    assert!(matches!(e, CertRejection::CaWithoutKeyCertSign { .. }), "{e}");
}

#[test]
fn eku_without_document_signing_is_rejected() {
    let e = check_registrable(&pki().tsa.certificate, now()).unwrap_err();
    assert!(matches!(e, CertRejection::ExtendedKeyUsageNotForSigning { .. }), "{e}");
    let (_, b) = ec_builder("CN=Email signer");
    let c = issue(
        b.key_usage(KeyUsage::DIGITAL_SIGNATURE)
            .extended_key_usage(&[const_oid::db::rfc5280::ID_KP_EMAIL_PROTECTION], false),
    );
    check_registrable(&c, now()).unwrap();
}

#[test]
fn version_1_is_rejected() {
    let (_, b) = ec_builder("CN=V1");
    let e = check_registrable(&issue(b.version1()), now()).unwrap_err();
    assert_eq!(e, CertRejection::NotVersion3 { version: 1 });
}

#[test]
fn unknown_critical_extension_is_rejected() {
    let (_, b) = ec_builder("CN=Critical");
    let b = b
        .key_usage(KeyUsage::DIGITAL_SIGNATURE)
        .extension(ObjectIdentifier::new_unwrap("1.2.3.4.5"), true, &[5, 0])
        .unwrap();
    let e = check_registrable(&issue(b), now()).unwrap_err();
    assert_eq!(e, CertRejection::UnsupportedCriticalExtension { oid: "1.2.3.4.5".into() });
}

/// SPKI DER for an RSA public key with the given modulus length (the key is not usable, only parsed).
fn fake_rsa_spki(modulus_bytes: usize) -> Vec<u8> {
    use der::Encode;
    let mut modulus = vec![0xc5u8; modulus_bytes];
    modulus[modulus_bytes - 1] = 0x01;
    let m = der::asn1::UintRef::new(&modulus).unwrap();
    let e = der::asn1::UintRef::new(&[1, 0, 1]).unwrap();
    let mut rsa_pub = Vec::new();
    let body = [m.to_der().unwrap(), e.to_der().unwrap()].concat();
    rsa_pub.push(0x30);
    der::Length::try_from(body.len()).unwrap().encode_to_vec(&mut rsa_pub).unwrap();
    rsa_pub.extend_from_slice(&body);
    let spki = spki::SubjectPublicKeyInfoOwned {
        algorithm: spki::AlgorithmIdentifierOwned {
            oid: const_oid::db::rfc5912::RSA_ENCRYPTION,
            parameters: Some(der::Any::null()),
        },
        subject_public_key: der::asn1::BitString::from_bytes(&rsa_pub).unwrap(),
    };
    spki.to_der().unwrap()
}

#[test]
fn small_rsa_and_unsupported_curves_are_rejected() {
    let spki = fake_rsa_spki(128);
    assert_eq!(alg::key_kind_of_spki(&spki).unwrap(), KeyKind::Rsa { bits: 1024 });
    let c = issue(CertificateBuilder::new("CN=RSA 1024", &spki).unwrap().key_usage(KeyUsage::DIGITAL_SIGNATURE));
    assert_eq!(check_registrable(&c, now()).unwrap_err(), CertRejection::RsaKeyTooSmall { bits: 1024 });

    // secp521r1 key: a valid SPKI ecert does not accept.
    use der::Encode;
    let p521 = spki::SubjectPublicKeyInfoOwned {
        algorithm: spki::AlgorithmIdentifierOwned {
            oid: const_oid::db::rfc5912::ID_EC_PUBLIC_KEY,
            parameters: Some(der::Any::encode_from(&const_oid::db::rfc5912::SECP_521_R_1).unwrap()),
        },
        subject_public_key: der::asn1::BitString::from_bytes(&[4u8; 133]).unwrap(),
    }
    .to_der()
    .unwrap();
    let c = issue(CertificateBuilder::new("CN=P521", &p521).unwrap().key_usage(KeyUsage::DIGITAL_SIGNATURE));
    assert!(matches!(check_registrable(&c, now()).unwrap_err(), CertRejection::UnsupportedKey { .. }));
}

#[test]
fn sha1_signed_certificate_is_rejected() {
    // sha256WithRSAEncryption -> sha1WithRSAEncryption in both algorithm identifiers.
    let der = patch(
        cert(TestSigner::ValidEcP256).der(),
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b],
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05],
    );
    let c = Certificate::from_der(&der).unwrap();
    let e = check_registrable(&c, now()).unwrap_err();
    assert!(matches!(e, CertRejection::UnsupportedSignatureAlgorithm { .. }), "{e}");
}

// ---- keys ----

#[test]
fn every_key_kind_signs_and_verifies_every_supported_algorithm() {
    use DigestAlgorithm::*;
    let rsa = &creds(TestSigner::ValidRsa).key;
    let p256 = &creds(TestSigner::ValidEcP256).key;
    let p384 = &creds(TestSigner::ValidEcP384).key;
    let ed = SigningKey::generate(KeyKind::Ed25519).unwrap();
    let mut cases = Vec::new();
    for d in [Sha256, Sha384, Sha512] {
        cases.push((rsa, SignatureAlgorithm::RsaPkcs1v15(d)));
        cases.push((rsa, SignatureAlgorithm::RsaPss(d)));
        cases.push((p256, SignatureAlgorithm::Ecdsa(d)));
        cases.push((p384, SignatureAlgorithm::Ecdsa(d)));
    }
    cases.push((&ed, SignatureAlgorithm::Ed25519));
    for (key, alg) in cases {
        let sig = key.sign(&alg, b"message").unwrap();
        alg::verify_signature(key.spki_der(), &alg, b"message", &sig).unwrap_or_else(|e| panic!("{alg}: {e}"));
        assert!(matches!(alg::verify_signature(key.spki_der(), &alg, b"messagE", &sig), Err(Error::BadSignature(_))));
    }
    // Key/algorithm mismatches.
    assert!(matches!(p256.sign(&SignatureAlgorithm::RsaPss(Sha256), b"m"), Err(Error::AlgorithmMismatch(_))));
    let sig = rsa.sign(&SignatureAlgorithm::RsaPkcs1v15(Sha256), b"m").unwrap();
    assert!(matches!(
        alg::verify_signature(p256.spki_der(), &SignatureAlgorithm::RsaPkcs1v15(Sha256), b"m", &sig),
        Err(Error::AlgorithmMismatch(_))
    ));
    assert!(p256.signature_algorithm(Sha256, true).is_err());
    assert_eq!(ed.signature_algorithm(Sha256, false).unwrap(), SignatureAlgorithm::Ed25519);
    assert!(ed.signature_algorithm(Sha512, true).is_err());
    assert_eq!(ed.signature_algorithm(Sha512, false).unwrap(), SignatureAlgorithm::Ed25519);
}

#[test]
fn pkcs8_round_trips_for_all_kinds() {
    for kind in [KeyKind::EcP256, KeyKind::EcP384, KeyKind::Ed25519] {
        let key = SigningKey::generate(kind).unwrap();
        let pem = key.to_pkcs8_pem().unwrap();
        let back = SigningKey::load(pem.as_bytes(), None).unwrap();
        assert_eq!(back.spki_der(), key.spki_der());
        let back = SigningKey::load(&key.to_pkcs8_der().unwrap(), None).unwrap();
        assert_eq!(back.kind(), kind);
    }
    let rsa = &creds(TestSigner::ValidRsa).key;
    let back = SigningKey::from_pkcs8_pem(&rsa.to_pkcs8_pem().unwrap(), None).unwrap();
    back.check_matches(cert(TestSigner::ValidRsa)).unwrap();
}

#[test]
fn encrypted_pkcs8_needs_the_right_passphrase() {
    let key = SigningKey::generate(KeyKind::EcP256).unwrap();
    let pem = key.to_encrypted_pkcs8_pem("correct horse").unwrap();
    assert!(pem.contains("ENCRYPTED PRIVATE KEY"));
    let back = SigningKey::load(pem.as_bytes(), Some("correct horse")).unwrap();
    assert_eq!(back.spki_der(), key.spki_der());
    let e = SigningKey::load(pem.as_bytes(), Some("wrong")).unwrap_err();
    assert!(matches!(e, Error::WrongPassphrase), "{e:?}");
    assert!(matches!(SigningKey::load(pem.as_bytes(), None), Err(Error::PassphraseRequired)));
    let der = key.to_encrypted_pkcs8_der("pw").unwrap();
    assert!(matches!(SigningKey::load(&der, Some("nope")), Err(Error::WrongPassphrase)));
    assert!(matches!(SigningKey::load(&der, None), Err(Error::PassphraseRequired)));
}

#[test]
fn bad_key_files_are_specific_errors() {
    assert!(matches!(SigningKey::load(b"not a key", None), Err(Error::Malformed { .. })));
    assert!(matches!(
        SigningKey::load(b"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n", None),
        Err(Error::PemNotFound { .. })
    ));
    // A PKCS#8 wrapper around an unknown algorithm (1.2.3.4).
    let unknown =
        [0x30, 0x12, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2a, 0x03, 0x04, 0x04, 0x06, 0x04, 0x04, 1, 2, 3, 4];
    assert!(matches!(SigningKey::from_pkcs8_der(&unknown), Err(Error::UnsupportedKey(_))));
    assert!(SigningKey::generate(KeyKind::Rsa { bits: 1024 }).is_err());
}

#[test]
fn key_certificate_mismatch_is_detected() {
    let other = SigningKey::generate(KeyKind::EcP256).unwrap();
    assert!(matches!(other.check_matches(cert(TestSigner::ValidEcP256)), Err(Error::KeyCertMismatch)));
    let e = SignerCredentials::new(other, cert(TestSigner::ValidEcP256).clone(), vec![]).unwrap_err();
    assert!(matches!(e, Error::KeyCertMismatch));
    let key_pem = creds(TestSigner::ValidEcP256).key.to_pkcs8_pem().unwrap();
    let wrong_cert = cert(TestSigner::ValidRsa).to_pem();
    let e = SignerCredentials::from_key_and_certs(key_pem.as_bytes(), wrong_cert.as_bytes(), None).unwrap_err();
    assert!(matches!(e, Error::KeyCertMismatch));
    // Bundle order does not matter: the matching certificate becomes the signer.
    let bundle = format!("{}{}", pki().ca.certificate.to_pem(), cert(TestSigner::ValidEcP256).to_pem());
    let c = SignerCredentials::from_key_and_certs(key_pem.as_bytes(), bundle.as_bytes(), None).unwrap();
    assert_eq!(&c.certificate, cert(TestSigner::ValidEcP256));
    assert_eq!(c.chain, vec![pki().ca.certificate.clone()]);
}

#[test]
fn pkcs12_round_trip_and_wrong_passphrase() {
    let original = creds(TestSigner::ValidEcP256);
    let p12 = original.to_pkcs12("secret").unwrap();
    let loaded = SignerCredentials::from_pkcs12(&p12, "secret").unwrap();
    assert_eq!(loaded.certificate, original.certificate);
    assert_eq!(loaded.chain.len(), 2);
    assert_eq!(loaded.key.spki_der(), original.key.spki_der());
    assert!(matches!(SignerCredentials::from_pkcs12(&p12, "wrong"), Err(Error::WrongPassphrase)));
    assert!(matches!(SignerCredentials::from_pkcs12(b"\x30\x03\x02\x01\x03", "x"), Err(Error::Pkcs12(_))));
}

#[test]
fn hostile_kdf_cost_is_refused_before_any_work() {
    use der::Encode;
    let salt = [7u8; 16];
    let iv = [9u8; 16];
    let params = pkcs8::pkcs5::pbes2::Parameters::pbkdf2_sha256_aes256cbc(50_000_000, &salt, &iv).unwrap();
    let info = pkcs8::EncryptedPrivateKeyInfo {
        encryption_algorithm: pkcs8::pkcs5::EncryptionScheme::Pbes2(params),
        encrypted_data: &[0u8; 48],
    };
    let der = info.to_der().unwrap();
    let started = std::time::Instant::now();
    let e = SigningKey::from_encrypted_pkcs8_der(&der, "pw").unwrap_err();
    assert!(matches!(e, Error::UnsupportedKey(ref m) if m.contains("iteration")), "{e}");
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
}

#[test]
fn ed25519_certificates_are_registrable() {
    let key = SigningKey::generate(KeyKind::Ed25519).unwrap();
    let c = issue(
        CertificateBuilder::new("CN=Ed25519 signer", key.spki_der())
            .unwrap()
            .validity(now() - Duration::days(1), now() + Duration::days(30))
            .key_usage(KeyUsage::DIGITAL_SIGNATURE),
    );
    let facts = check_registrable(&c, now()).unwrap();
    assert_eq!(facts.key, KeyKind::Ed25519);
    // An Ed25519 CA can issue certificates too.
    let creds = SignerCredentials::new(key, c, vec![]).unwrap();
    let leaf_key = SigningKey::generate(KeyKind::EcP256).unwrap();
    let leaf = CertificateBuilder::new("CN=Leaf", leaf_key.spki_der()).unwrap().build(&creds).unwrap();
    leaf.verify_issued_by(&creds.certificate).unwrap();
    assert_eq!(leaf.signature_algorithm().unwrap(), SignatureAlgorithm::Ed25519);
}
