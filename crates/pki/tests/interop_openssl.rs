//! Cross-checks with the `openssl` CLI (OpenSSL 3). Run with `--features interop`; fails if
//! openssl is not installed.

mod common;

use std::path::Path;
use std::process::Command;

use common::{creds, pki};
use ecert_pki::cms::{self, CmsSignOptions};
use ecert_pki::testpki::TestSigner;
use ecert_pki::tsp::TimeStampRequest;
use ecert_pki::{DigestAlgorithm, Error, SignerCredentials, SigningKey};

/// Runs openssl in `dir`; returns (success, stdout + stderr).
fn openssl(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the interop suite needs the `openssl` command (apt-get install openssl)");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    pki().write_pem_dir(dir.path()).unwrap();
    dir
}

#[test]
fn openssl_verifies_our_cms_signatures() {
    let dir = setup();
    let content = b"%PDF-1.7 interop content".repeat(100);
    std::fs::write(dir.path().join("content.bin"), &content).unwrap();
    let cases = [
        (TestSigner::ValidRsa, DigestAlgorithm::Sha256, false),
        (TestSigner::ValidRsa, DigestAlgorithm::Sha512, true),
        (TestSigner::ValidEcP256, DigestAlgorithm::Sha384, false),
        (TestSigner::ValidEcP384, DigestAlgorithm::Sha256, false),
    ];
    for (which, digest, use_pss) in cases {
        let der = cms::sign_detached(creds(which), &content, &CmsSignOptions { digest, use_pss }).unwrap();
        std::fs::write(dir.path().join("sig.der"), &der).unwrap();
        let (ok, text) = openssl(
            dir.path(),
            &[
                "cms",
                "-verify",
                "-binary",
                "-inform",
                "DER",
                "-in",
                "sig.der",
                "-content",
                "content.bin",
                "-CAfile",
                "root-ca.pem",
                "-purpose",
                "any",
                "-out",
                "/dev/null",
            ],
        );
        assert!(ok && text.contains("Verification successful"), "{which:?} {digest} pss={use_pss}: {text}");

        // Tampered content must fail.
        std::fs::write(dir.path().join("other.bin"), b"tampered").unwrap();
        let (ok, _) = openssl(
            dir.path(),
            &[
                "cms",
                "-verify",
                "-binary",
                "-inform",
                "DER",
                "-in",
                "sig.der",
                "-content",
                "other.bin",
                "-CAfile",
                "root-ca.pem",
                "-purpose",
                "any",
                "-out",
                "/dev/null",
            ],
        );
        assert!(!ok, "openssl accepted a signature over tampered content");
    }
    // Ed25519 (RFC 8419: SHA-512 signed attributes).
    let ed_key = SigningKey::generate(ecert_pki::KeyKind::Ed25519).unwrap();
    let ed_cert = ecert_pki::builder::CertificateBuilder::new("CN=Ed25519 interop", ed_key.spki_der())
        .unwrap()
        .key_usage(ecert_pki::cert::KeyUsage::DIGITAL_SIGNATURE)
        .build(&pki().ca)
        .unwrap();
    let ed = SignerCredentials::new(ed_key, ed_cert, vec![pki().ca.certificate.clone()]).unwrap();
    let der =
        cms::sign_detached(&ed, &content, &CmsSignOptions { digest: DigestAlgorithm::Sha512, use_pss: false }).unwrap();
    // OpenSSL 3.0's CMS code cannot handle Ed25519 (it passes a digest to EdDSA and fails even
    // on its own signatures), so the Ed25519 signature over the signed attributes is checked
    // with `pkeyutl -rawin` instead.
    let sd = cms::SignedData::parse(&der).unwrap();
    let si = &sd.signer_infos()[0];
    std::fs::write(dir.path().join("ed-attrs.der"), si.signed_attrs_der().unwrap()).unwrap();
    std::fs::write(dir.path().join("ed-sig.bin"), si.signature()).unwrap();
    std::fs::write(dir.path().join("ed.pem"), ed.certificate.to_pem()).unwrap();
    let (ok, text) = openssl(dir.path(), &["x509", "-in", "ed.pem", "-pubkey", "-noout", "-out", "ed-pub.pem"]);
    assert!(ok, "{text}");
    let (ok, text) = openssl(
        dir.path(),
        &[
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            "ed-pub.pem",
            "-rawin",
            "-in",
            "ed-attrs.der",
            "-sigfile",
            "ed-sig.bin",
        ],
    );
    assert!(ok && text.contains("Signature Verified Successfully"), "Ed25519: {text}");

    // And the B-T form (with an unsigned timestamp attribute) still verifies.
    let der = cms::sign_detached(creds(TestSigner::ValidRsa), &content, &CmsSignOptions::default()).unwrap();
    let stamped = cms::timestamp_signature(&der, pki().test_tsa().as_ref(), DigestAlgorithm::Sha256).unwrap();
    std::fs::write(dir.path().join("sig-t.der"), &stamped).unwrap();
    let (ok, text) = openssl(
        dir.path(),
        &[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            "sig-t.der",
            "-content",
            "content.bin",
            "-CAfile",
            "root-ca.pem",
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ],
    );
    assert!(ok, "{text}");
    let (ok, text) = openssl(dir.path(), &["cms", "-cmsout", "-print", "-inform", "DER", "-in", "sig-t.der"]);
    assert!(ok && text.contains("id-smime-aa-timeStampToken"), "{text}");
}

#[test]
fn openssl_verifies_our_crls() {
    let dir = setup();
    let (ok, text) =
        openssl(dir.path(), &["crl", "-in", "issuing-ca.crl.pem", "-CAfile", "chain.pem", "-noout", "-text"]);
    assert!(ok && text.contains("verify OK"), "{text}");
    let serial = pki().signer(TestSigner::Revoked).credentials.certificate.serial_hex().to_uppercase();
    assert!(text.contains(&format!("Serial Number: {serial}")) && text.contains("Key Compromise"), "{text}");
    let (ok, text) = openssl(dir.path(), &["crl", "-in", "root-ca.crl.pem", "-CAfile", "root-ca.pem", "-noout"]);
    assert!(ok && text.contains("verify OK"), "{text}");
}

#[test]
fn openssl_verifies_our_ocsp_responses() {
    let dir = setup();
    for (which, expected) in [(TestSigner::ValidRsa, "good"), (TestSigner::Revoked, "revoked")] {
        let stem = which.stem();
        let resp = format!("{stem}.ocsp.der");
        let cert = format!("{stem}.pem");
        let (ok, text) = openssl(
            dir.path(),
            &[
                "ocsp",
                "-respin",
                &resp,
                "-issuer",
                "issuing-ca.pem",
                "-cert",
                &cert,
                "-CAfile",
                "root-ca.pem",
                "-verify_other",
                "issuing-ca.pem",
                "-no_nonce",
            ],
        );
        assert!(ok && text.contains("Response verify OK"), "{text}");
        assert!(text.contains(&format!("{cert}: {expected}")), "{text}");
    }
}

#[test]
fn openssl_accepts_our_timestamp_replies() {
    let dir = setup();
    let digest = DigestAlgorithm::Sha256.digest(b"data to stamp");
    std::fs::write(dir.path().join("data.bin"), b"data to stamp").unwrap();
    let req = TimeStampRequest::new(DigestAlgorithm::Sha256, &digest).unwrap();
    let reply = pki().test_tsa().respond(req.der());
    std::fs::write(dir.path().join("req.tsq"), req.der()).unwrap();
    std::fs::write(dir.path().join("reply.tsr"), &reply).unwrap();
    let (ok, text) = openssl(dir.path(), &["ts", "-reply", "-in", "reply.tsr", "-text"]);
    assert!(ok && text.contains("Status: Granted"), "{text}");
    let (ok, text) = openssl(dir.path(), &["ts", "-query", "-in", "req.tsq", "-text"]);
    assert!(ok && text.contains("Certificate required: yes"), "{text}");
    let (ok, text) = openssl(
        dir.path(),
        &[
            "ts",
            "-verify",
            "-in",
            "reply.tsr",
            "-queryfile",
            "req.tsq",
            "-CAfile",
            "root-ca.pem",
            "-untrusted",
            "chain.pem",
        ],
    );
    assert!(ok && text.contains("Verification: OK"), "{text}");
    let (ok, text) = openssl(
        dir.path(),
        &[
            "ts",
            "-verify",
            "-in",
            "reply.tsr",
            "-data",
            "data.bin",
            "-CAfile",
            "root-ca.pem",
            "-untrusted",
            "chain.pem",
        ],
    );
    assert!(ok && text.contains("Verification: OK"), "{text}");
}

#[test]
fn pkcs12_and_pkcs8_interoperate_both_ways() {
    let dir = setup();
    // Ours, read by openssl.
    let (ok, text) = openssl(dir.path(), &["pkcs12", "-in", "signer-valid-rsa.p12", "-passin", "pass:demo", "-noout"]);
    assert!(ok, "{text}");
    let (ok, _) = openssl(dir.path(), &["pkcs12", "-in", "signer-valid-rsa.p12", "-passin", "pass:wrong", "-noout"]);
    assert!(!ok);

    // openssl's, read by us (default OpenSSL 3 PKCS#12: PBES2/AES-256, HMAC-SHA256).
    let (ok, text) = openssl(
        dir.path(),
        &[
            "pkcs12",
            "-export",
            "-inkey",
            "signer-valid-ec-p256.key.pem",
            "-in",
            "signer-valid-ec-p256.pem",
            "-certfile",
            "chain.pem",
            "-passout",
            "pass:s3cret",
            "-out",
            "ossl.p12",
        ],
    );
    assert!(ok, "{text}");
    let p12 = std::fs::read(dir.path().join("ossl.p12")).unwrap();
    let loaded = SignerCredentials::from_pkcs12(&p12, "s3cret").unwrap();
    assert_eq!(loaded.certificate, creds(TestSigner::ValidEcP256).certificate);
    assert_eq!(loaded.chain.len(), 2);
    assert!(matches!(SignerCredentials::from_pkcs12(&p12, "wrong"), Err(Error::WrongPassphrase)));

    // openssl-encrypted PKCS#8 and traditional RSA PEM.
    let (ok, text) = openssl(
        dir.path(),
        &["pkcs8", "-topk8", "-in", "signer-valid-rsa.key.pem", "-passout", "pass:pw", "-out", "enc.pem"],
    );
    assert!(ok, "{text}");
    let enc = std::fs::read(dir.path().join("enc.pem")).unwrap();
    let key = SigningKey::load(&enc, Some("pw")).unwrap();
    key.check_matches(&creds(TestSigner::ValidRsa).certificate).unwrap();
    assert!(matches!(SigningKey::load(&enc, Some("nope")), Err(Error::WrongPassphrase)));
    let (ok, text) =
        openssl(dir.path(), &["rsa", "-in", "signer-valid-rsa.key.pem", "-traditional", "-out", "trad.pem"]);
    assert!(ok, "{text}");
    let trad = std::fs::read(dir.path().join("trad.pem")).unwrap();
    SigningKey::load(&trad, None).unwrap().check_matches(&creds(TestSigner::ValidRsa).certificate).unwrap();

    // Our encrypted PKCS#8, read by openssl.
    std::fs::write(dir.path().join("ours-enc.pem"), key.to_encrypted_pkcs8_pem("pw2").unwrap()).unwrap();
    let (ok, text) = openssl(dir.path(), &["pkey", "-in", "ours-enc.pem", "-passin", "pass:pw2", "-noout"]);
    assert!(ok, "{text}");
}
