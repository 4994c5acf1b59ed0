mod common;

use std::sync::Arc;

use common::{cert, creds, pki};
use ecert_pki::cms::{self, CmsSignOptions, SignedData, SignerId};
use ecert_pki::crl::{Crl, CrlBuilder, CrlReason};
use ecert_pki::ocsp::{CertStatus, OcspResponse, OcspResponseBuilder, ResponseStatus};
use ecert_pki::testpki::{TestPki, TestSigner};
use ecert_pki::tsp::{self, HttpTsaClient, TestTsa, TimeStampRequest, TimeStampToken, TsaClient};
use ecert_pki::{DigestAlgorithm, Error, SignatureAlgorithm};
use time::Duration;

const CONTENT: &[u8] = b"%PDF-1.7 pretend byte ranges";

fn sign(which: TestSigner, digest: DigestAlgorithm, use_pss: bool) -> Vec<u8> {
    cms::sign_detached(creds(which), CONTENT, &CmsSignOptions { digest, use_pss }).unwrap()
}

#[test]
fn detached_signatures_verify_for_every_key_and_digest() {
    for which in [TestSigner::ValidRsa, TestSigner::ValidEcP256, TestSigner::ValidEcP384] {
        for digest in DigestAlgorithm::ALL {
            for pss in [false, which == TestSigner::ValidRsa] {
                let der = sign(which, digest, pss);
                let sd = SignedData::parse(&der).unwrap();
                assert_eq!(sd.content_type(), cms::ID_DATA);
                assert!(sd.encapsulated_content().is_none(), "must be detached");
                assert_eq!(sd.certificates().len(), 3, "signer + CA + root");
                let [si] = sd.signer_infos() else { panic!("one signer info") };
                let signer_cert = si.find_signer_certificate(sd.certificates()).unwrap();
                assert_eq!(signer_cert, cert(which));
                assert!(matches!(si.sid(), SignerId::IssuerSerial { .. }));
                si.verify_signature(signer_cert).unwrap();
                si.check_content(CONTENT).unwrap();
                assert_eq!(si.content_type_attr().unwrap(), Some(cms::ID_DATA));
                assert_eq!(si.signing_time().unwrap(), None, "PAdES keeps the time in /M");
                let ess = si.signing_certificate_v2().unwrap().unwrap();
                assert!(ess[0].matches(signer_cert));
                assert!(ess[0].issuer_serial.is_some());
                assert!(!ess[0].matches(&pki().ca.certificate));
                let alg = si.signature_algorithm().unwrap();
                assert_eq!(alg.digest(), Some(digest));
                assert_eq!(matches!(alg, SignatureAlgorithm::RsaPss(_)), pss);
            }
        }
    }
}

#[test]
fn tampering_is_detected() {
    let der = sign(TestSigner::ValidRsa, DigestAlgorithm::Sha256, false);
    let sd = SignedData::parse(&der).unwrap();
    let si = &sd.signer_infos()[0];
    assert!(matches!(si.check_content(b"other content"), Err(Error::BadSignature(_))));
    // Verifying with the wrong certificate fails.
    assert!(si.verify_signature(cert(TestSigner::Revoked)).is_err());
    // Flip one byte of the signature value (last bytes of the structure).
    let mut bad = der.clone();
    let n = bad.len();
    bad[n - 5] ^= 0x01;
    let sd = SignedData::parse(&bad).unwrap();
    assert!(matches!(sd.signer_infos()[0].verify_signature(cert(TestSigner::ValidRsa)), Err(Error::BadSignature(_))));
}

#[test]
fn parser_rejects_garbage_and_handles_padding() {
    let der = sign(TestSigner::ValidEcP256, DigestAlgorithm::Sha256, false);
    let mut padded = der.clone();
    padded.extend_from_slice(&[0u8; 1000]);
    assert!(SignedData::parse(&padded).is_err());
    assert_eq!(SignedData::parse_padded(&padded).unwrap().der(), der.as_slice());
    let mut junk = padded.clone();
    junk.push(1);
    assert!(SignedData::parse_padded(&junk).is_err());
    for len in 0..der.len() {
        assert!(SignedData::parse(&der[..len]).is_err());
    }
    for i in (0..der.len()).step_by(3) {
        let mut m = der.clone();
        m[i] ^= 0xff;
        let _ = SignedData::parse(&m); // must not panic
    }
    // Not SignedData at all.
    assert!(SignedData::parse(cert(TestSigner::ValidRsa).der()).is_err());
}

#[test]
fn wrong_digest_length_is_refused() {
    let e = cms::sign_detached_digest(creds(TestSigner::ValidRsa), &[0u8; 20], &CmsSignOptions::default()).unwrap_err();
    assert!(matches!(e, Error::AlgorithmMismatch(_)));
    let opts = CmsSignOptions { digest: DigestAlgorithm::Sha256, use_pss: true };
    assert!(cms::sign_detached(creds(TestSigner::ValidEcP256), CONTENT, &opts).is_err());
}

// ---- timestamps ----

#[test]
fn signature_timestamp_is_embedded_and_verifies() {
    let der = sign(TestSigner::ValidRsa, DigestAlgorithm::Sha256, false);
    let tsa = pki().test_tsa();
    let stamped = cms::timestamp_signature(&der, tsa.as_ref(), DigestAlgorithm::Sha256).unwrap();
    let sd = SignedData::parse(&stamped).unwrap();
    let si = &sd.signer_infos()[0];
    // The signed part is untouched.
    let original = SignedData::parse(&der).unwrap();
    assert_eq!(si.signed_attrs_der(), original.signer_infos()[0].signed_attrs_der());
    si.verify_signature(cert(TestSigner::ValidRsa)).unwrap();

    let tokens = si.signature_timestamp_tokens().unwrap();
    assert_eq!(tokens.len(), 1);
    let token = TimeStampToken::parse(&tokens[0]).unwrap();
    token.check_imprint(DigestAlgorithm::Sha256, &DigestAlgorithm::Sha256.digest(si.signature())).unwrap();
    let tsa_cert = token.verify(&[]).unwrap();
    assert_eq!(tsa_cert, pki().tsa.certificate);
    let gen_time = token.tst_info().gen_time;
    assert!((time::OffsetDateTime::now_utc() - gen_time).abs() < Duration::minutes(5));

    // A second timestamp keeps the first (unsigned attributes grow).
    let twice = cms::timestamp_signature(&stamped, tsa.as_ref(), DigestAlgorithm::Sha384).unwrap();
    let sd = SignedData::parse(&twice).unwrap();
    assert_eq!(sd.signer_infos()[0].signature_timestamp_tokens().unwrap().len(), 2);
}

#[test]
fn token_checks_reject_wrong_imprint_and_wrong_tsa_certificate() {
    let tsa = pki().test_tsa();
    let digest = DigestAlgorithm::Sha256.digest(b"x");
    let token_der = tsa.timestamp(DigestAlgorithm::Sha256, &digest).unwrap();
    let token = TimeStampToken::parse(&token_der).unwrap();
    assert!(token.check_imprint(DigestAlgorithm::Sha256, &DigestAlgorithm::Sha256.digest(b"y")).is_err());
    assert!(token.check_imprint(DigestAlgorithm::Sha384, &DigestAlgorithm::Sha384.digest(b"x")).is_err());

    // A TSA with a fixed clock stamps that time.
    let at = pki().now - Duration::days(30);
    let fixed = TestTsa::new(Arc::clone(&pki().tsa)).with_fixed_time(at);
    let stamped = TimeStampToken::parse(&fixed.timestamp(DigestAlgorithm::Sha256, &digest).unwrap()).unwrap();
    assert_eq!(stamped.tst_info().gen_time, at);
    assert_eq!(stamped.verify(&[]).unwrap(), pki().tsa.certificate);

    // A "TSA" whose certificate lacks the timeStamping EKU produces tokens that do not verify.
    let fake = TestTsa::new(Arc::clone(&pki().signer(TestSigner::ValidRsa).credentials));
    let fake_token = TimeStampToken::parse(&fake.timestamp(DigestAlgorithm::Sha256, &digest).unwrap()).unwrap();
    assert!(matches!(fake_token.verify(&[]), Err(Error::Timestamp(_))));
    // Token without certificates (certReq false) needs the certificate from the caller.
    assert!(TimeStampToken::parse(cert(TestSigner::ValidRsa).der()).is_err());
}

#[test]
fn response_checks_status_nonce_and_imprint() {
    let tsa = pki().test_tsa();
    let digest = DigestAlgorithm::Sha256.digest(b"doc");
    let req = TimeStampRequest::new(DigestAlgorithm::Sha256, &digest).unwrap();
    let other = TimeStampRequest::new(DigestAlgorithm::Sha256, &digest).unwrap();
    assert_ne!(req.nonce(), other.nonce());
    let resp = tsa.respond(req.der());
    tsp::parse_response(&resp, &req).unwrap();
    // Reply to a different request: nonce mismatch.
    assert!(matches!(tsp::parse_response(&resp, &other), Err(Error::Timestamp(_))));
    // Different imprint.
    let third = TimeStampRequest::new(DigestAlgorithm::Sha256, &DigestAlgorithm::Sha256.digest(b"other")).unwrap();
    assert!(tsp::parse_response(&resp, &third).is_err());
    // Garbage request: the TSA answers with a rejection, which the client reports.
    let rejection = tsa.respond(b"garbage");
    let e = tsp::parse_response(&rejection, &req).unwrap_err();
    assert!(e.to_string().contains("refused"), "{e}");
    assert!(tsp::parse_response(b"\x30\x00", &req).is_err());
    assert!(TimeStampRequest::new(DigestAlgorithm::Sha256, &[0u8; 5]).is_err());
}

#[test]
fn http_tsa_round_trip_and_unreachable_tsa() {
    let tsa = pki().test_tsa();
    let server = tsa.serve_http().unwrap();
    let client = HttpTsaClient::new(server.url());
    let digest = DigestAlgorithm::Sha512.digest(b"doc");
    let token = client.timestamp(DigestAlgorithm::Sha512, &digest).unwrap();
    TimeStampToken::parse(&token).unwrap().check_imprint(DigestAlgorithm::Sha512, &digest).unwrap();

    let tiny = HttpTsaClient::new(server.url()).with_max_response_bytes(100);
    assert!(matches!(tiny.timestamp(DigestAlgorithm::Sha512, &digest), Err(Error::TooLarge { .. })));
    let url = server.url().to_string();
    drop(server);
    let gone = HttpTsaClient::new(&url).with_timeout(std::time::Duration::from_secs(2));
    let e = gone.timestamp(DigestAlgorithm::Sha256, &DigestAlgorithm::Sha256.digest(b"x")).unwrap_err();
    assert!(matches!(e, Error::TsaUnavailable { .. }), "{e}");
}

// ---- CRL ----

#[test]
fn crl_lists_the_revoked_signer_and_verifies() {
    let p = pki();
    let crl = p.crl();
    crl.verify_signature(&p.ca.certificate).unwrap();
    assert!(crl.verify_signature(&p.root.certificate).is_err());
    let revoked = crl.find(cert(TestSigner::Revoked).serial_bytes()).unwrap();
    assert_eq!(revoked.reason, Some(CrlReason::KeyCompromise));
    assert!(revoked.revoked_at < p.now);
    assert!(crl.find(cert(TestSigner::ValidRsa).serial_bytes()).is_none());
    assert!(crl.is_fresh_at(p.now).unwrap());
    assert!(!crl.is_fresh_at(p.now + Duration::days(8)).unwrap());
    assert_eq!(crl.crl_number_hex().as_deref(), Some("01"));
    assert_eq!(Crl::from_pem(&crl.to_pem()).unwrap().der(), crl.der());
    p.root_crl().verify_signature(&p.root.certificate).unwrap();
    assert!(p.root_crl().entries().is_empty());
}

#[test]
fn crl_from_a_non_crl_issuer_and_tampering_fail() {
    let p = pki();
    // Signed by a signer whose certificate lacks cRLSign: the issuer check refuses it.
    let signer = creds(TestSigner::ValidRsa);
    let crl = CrlBuilder::new(signer, p.now, p.now + Duration::days(1), 7).build().unwrap();
    let e = crl.verify_signature(&signer.certificate).unwrap_err();
    assert!(e.to_string().contains("cRLSign"), "{e}");
    let mut der = p.crl().der().to_vec();
    let n = der.len();
    der[n - 3] ^= 1;
    let tampered = Crl::from_der(&der).unwrap();
    assert!(tampered.verify_signature(&p.ca.certificate).is_err());
    assert!(Crl::from_der(&der[..n / 2]).is_err());
}

// ---- OCSP ----

#[test]
fn ocsp_responses_verify_and_report_status() {
    let p = pki();
    for which in TestSigner::ALL {
        let resp = &p.signer(which).ocsp;
        assert_eq!(resp.response_status(), ResponseStatus::Successful);
        let responder = resp.verify_signature(&p.ca.certificate).unwrap();
        assert_eq!(responder, p.ocsp_responder.certificate);
        let status = resp.find_status(cert(which), &p.ca.certificate).unwrap();
        assert!(status.is_fresh_at(p.now));
        match which {
            TestSigner::Revoked => {
                assert!(matches!(status.status, CertStatus::Revoked { reason: Some(CrlReason::KeyCompromise), .. }))
            }
            _ => assert_eq!(status.status, CertStatus::Good),
        }
        // Not about another certificate.
        assert!(resp.find_status(&p.ca.certificate, &p.root.certificate).is_none());
        let reparsed = OcspResponse::from_der(resp.der()).unwrap();
        assert_eq!(reparsed.responses(), resp.responses());
    }
}

#[test]
fn ca_signed_ocsp_and_unauthorised_responders() {
    let p = pki();
    let target = cert(TestSigner::ValidEcP256);
    let by_ca = OcspResponseBuilder::new(&p.ca, &p.ca.certificate, p.now)
        .status(target, CertStatus::Good, p.now, None)
        .build()
        .unwrap();
    assert_eq!(by_ca.verify_signature(&p.ca.certificate).unwrap(), p.ca.certificate);
    assert!(by_ca.certificates().is_empty());

    // A signer certificate without id-kp-OCSPSigning is not an acceptable delegated responder.
    let rogue = OcspResponseBuilder::new(creds(TestSigner::ValidRsa), &p.ca.certificate, p.now)
        .status(target, CertStatus::Good, p.now, None)
        .build()
        .unwrap();
    let e = rogue.verify_signature(&p.ca.certificate).unwrap_err();
    assert!(e.to_string().contains("OCSPSigning"), "{e}");
    // The delegated responder is not trusted for another CA.
    assert!(p.signer(TestSigner::ValidRsa).ocsp.verify_signature(&p.root.certificate).is_err());
    assert!(
        OcspResponse::from_der(b"\x30\x03\x0a\x01\x01").unwrap().response_status() == ResponseStatus::MalformedRequest
    );
    assert!(OcspResponse::from_der(b"\x30\x03\x0a\x01\x01").unwrap().verify_signature(&p.ca.certificate).is_err());
    assert!(OcspResponse::from_der(b"garbage").is_err());
}

// ---- demo output ----

#[test]
fn write_pem_dir_writes_a_loadable_pki() {
    let p = pki();
    let dir = tempfile::tempdir().unwrap();
    let files = p.write_pem_dir(dir.path()).unwrap();
    assert!(files.len() > 30);
    let readme = std::fs::read_to_string(dir.path().join("README.md")).unwrap();
    for f in &files {
        let name = f.file_name().unwrap().to_str().unwrap();
        if name != "README.md" {
            assert!(readme.contains(name), "README misses {name}");
        }
    }
    let p12 = std::fs::read(dir.path().join("signer-valid-rsa.p12")).unwrap();
    let c = ecert_pki::SignerCredentials::from_pkcs12(&p12, "demo").unwrap();
    assert_eq!(&c.certificate, cert(TestSigner::ValidRsa));
    let key = std::fs::read(dir.path().join("signer-revoked.key.pem")).unwrap();
    let certs = std::fs::read(dir.path().join("signer-revoked.pem")).unwrap();
    ecert_pki::SignerCredentials::from_key_and_certs(&key, &certs, None).unwrap();
    let ocsp = std::fs::read(dir.path().join("signer-revoked.ocsp.der")).unwrap();
    assert!(matches!(OcspResponse::from_der(&ocsp).unwrap().responses()[0].status, CertStatus::Revoked { .. }));
}

#[test]
fn generated_pkis_have_stable_names() {
    let a = TestPki::generate_at(pki().now - Duration::days(10)).unwrap();
    assert_eq!(a.root_certificate().subject(), pki().root_certificate().subject());
    assert_ne!(a.root_certificate().der(), pki().root_certificate().der());
    assert!(a.signer(TestSigner::Expired).credentials.certificate.not_after() < a.now);
}

#[test]
fn ed25519_cms_uses_sha512() {
    let key = ecert_pki::SigningKey::generate(ecert_pki::KeyKind::Ed25519).unwrap();
    let c = ecert_pki::builder::CertificateBuilder::new("CN=Ed", key.spki_der()).unwrap().build(&pki().ca).unwrap();
    let creds = ecert_pki::SignerCredentials::new(key, c, vec![]).unwrap();
    let opts = CmsSignOptions { digest: DigestAlgorithm::Sha512, use_pss: false };
    let sd = SignedData::parse(&cms::sign_detached(&creds, CONTENT, &opts).unwrap()).unwrap();
    let si = &sd.signer_infos()[0];
    assert_eq!(si.signature_algorithm().unwrap(), SignatureAlgorithm::Ed25519);
    si.verify_signature(&creds.certificate).unwrap();
    si.check_content(CONTENT).unwrap();
    let sha256 = CmsSignOptions::default();
    assert!(matches!(cms::sign_detached(&creds, CONTENT, &sha256), Err(Error::AlgorithmMismatch(_))));
}

#[test]
fn tsa_rejects_sha1_imprints_with_bad_alg() {
    use der::Encode;
    let req = x509_tsp::TimeStampReq {
        version: x509_tsp::TspVersion::V1,
        message_imprint: x509_tsp::MessageImprint {
            hash_algorithm: spki::AlgorithmIdentifierOwned { oid: const_oid::db::rfc5912::ID_SHA_1, parameters: None },
            hashed_message: der::asn1::OctetString::new([0u8; 20]).unwrap(),
        },
        req_policy: None,
        nonce: None,
        cert_req: true,
        extensions: None,
    };
    let resp = pki().test_tsa().respond(&req.to_der().unwrap());
    let any_req = TimeStampRequest::new(DigestAlgorithm::Sha256, &[0u8; 32]).unwrap();
    let e = tsp::parse_response(&resp, &any_req).unwrap_err();
    assert!(e.to_string().contains("status 2, failInfo [0]"), "{e}");
}

#[test]
fn token_without_certificates_needs_the_tsa_certificate_from_the_caller() {
    use der::Encode;
    let digest = DigestAlgorithm::Sha256.digest(b"z");
    let req = x509_tsp::TimeStampReq {
        version: x509_tsp::TspVersion::V1,
        message_imprint: x509_tsp::MessageImprint {
            hash_algorithm: DigestAlgorithm::Sha256.algorithm_identifier(),
            hashed_message: der::asn1::OctetString::new(digest).unwrap(),
        },
        req_policy: None,
        nonce: None,
        cert_req: false,
        extensions: None,
    };
    let resp = pki().test_tsa().respond(&req.to_der().unwrap());
    // Pull the token out of the response: SEQUENCE { status, token }.
    use der::Decode;
    let parts = Vec::<der::Any>::from_der(&resp).unwrap();
    let token = parts[1].to_der().unwrap();
    let token = TimeStampToken::parse(&token).unwrap();
    assert!(token.signed_data().certificates().is_empty());
    assert!(matches!(token.verify(&[]), Err(Error::Timestamp(_))));
    assert_eq!(token.verify(std::slice::from_ref(&pki().tsa.certificate)).unwrap(), pki().tsa.certificate);
}

/// Re-encodes a constructed DER TLV with the indefinite length form (as BER encoders do).
fn indefinite(tlv: &[u8]) -> Vec<u8> {
    let header = if tlv[1] < 0x80 { 2 } else { 2 + usize::from(tlv[1] & 0x7f) };
    [&[tlv[0], 0x80][..], &tlv[header..], &[0, 0]].concat()
}

#[test]
fn ber_encoded_signed_data_is_normalised_and_verifies() {
    let der = sign(TestSigner::ValidEcP256, DigestAlgorithm::Sha256, false);
    // ContentInfo { oid, [0] { SignedData } } with every outer layer indefinite.
    let content_info_header = if der[1] < 0x80 { 2 } else { 2 + usize::from(der[1] & 0x7f) };
    let body = &der[content_info_header..];
    let oid_len = 2 + usize::from(body[1]);
    let (oid, explicit) = body.split_at(oid_len);
    let explicit_header = 2 + usize::from(explicit[1] & 0x7f);
    let signed_data = indefinite(&explicit[explicit_header..]);
    let explicit_ber = [&[0xa0, 0x80][..], &signed_data, &[0, 0]].concat();
    let ber = [&[0x30, 0x80][..], oid, &explicit_ber, &[0, 0]].concat();
    assert_ne!(ber, der);

    let sd = SignedData::parse(&ber).unwrap();
    assert!(sd.was_ber());
    assert_eq!(sd.der(), der.as_slice(), "normalisation restores the DER encoding");
    let si = &sd.signer_infos()[0];
    si.verify_signature(cert(TestSigner::ValidEcP256)).unwrap();
    assert!(!SignedData::parse(&der).unwrap().was_ber());
    let mut padded = ber.clone();
    padded.extend_from_slice(&[0; 64]);
    assert!(SignedData::parse_padded(&padded).unwrap().was_ber());
    assert!(SignedData::parse(&padded).is_err());
}

/// Every single-byte corruption and truncation of each structure gives Ok or Err, never a panic.
#[test]
fn mutated_revocation_and_timestamp_data_never_panics() {
    let p = pki();
    let token = p.test_tsa().timestamp(DigestAlgorithm::Sha256, &[7u8; 32]).unwrap();
    let inputs: Vec<(&str, Vec<u8>)> = vec![
        ("crl", p.crl().der().to_vec()),
        ("ocsp", p.signer(TestSigner::Revoked).ocsp.der().to_vec()),
        ("token", token),
        ("cert", cert(TestSigner::ValidEcP384).der().to_vec()),
    ];
    let parse = |kind: &str, bytes: &[u8]| -> bool {
        match kind {
            "crl" => Crl::from_der(bytes).is_ok(),
            "ocsp" => OcspResponse::from_der(bytes).is_ok(),
            "token" => TimeStampToken::parse(bytes).is_ok(),
            _ => ecert_pki::Certificate::from_der(bytes).is_ok(),
        }
    };
    for (kind, der) in &inputs {
        assert!(parse(kind, der), "{kind} must parse unmodified");
        for len in (0..der.len()).step_by(5) {
            assert!(!parse(kind, &der[..len]), "{kind} truncated to {len} must not parse");
        }
        for i in (0..der.len()).step_by(2) {
            let mut m = der.clone();
            m[i] ^= 0x5a;
            let _ = parse(kind, &m);
        }
    }
}
