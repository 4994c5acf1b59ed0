//! Interoperability: poppler's `pdfsig` and pyHanko must accept what `sign_pdf` writes, for RSA and
//! EC keys, B-B and B-T, and a twice-signed document. Needs `pdfsig` (poppler-utils) and `pyhanko`
//! (pip install pyhanko pyhanko-cli) on PATH; the test fails if either is missing.

use std::path::Path;
use std::process::Command;

mod common;

use common::Fixture;
use ecert_pdf::dss::DssData;
use ecert_pdf::qr::{Corner, stamp_qr};
use ecert_pdf::samples::{DocumentKind, SampleDocument, generate};
use ecert_pdf::sign::{SignOptions, sign_pdf};
use ecert_pki::testpki::{TestPki, TestSigner};
use ecert_pki::tsp::TsaClient;

fn run(tool: &str, args: &[&str]) -> String {
    let output = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool} (install poppler-utils / pyhanko pyhanko-cli): {e}"));
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    println!("$ {tool} {}\n{text}", args.join(" "));
    text
}

fn sign(input: &[u8], signer: TestSigner, tsa: Option<&dyn TsaClient>) -> Vec<u8> {
    let pki = TestPki::shared().unwrap();
    let mut options = SignOptions::new(&pki.signer(signer).credentials);
    options.tsa = tsa;
    options.reason = Some("Interoperability test".into());
    sign_pdf(input, &options).unwrap()
}

/// pdfsig reports every signature as valid and the last as covering the total document;
/// pyHanko reports every signature intact and valid against the test root.
fn check(dir: &Path, name: &str, pdf: &[u8], signatures: usize) {
    let path = dir.join(name);
    std::fs::write(&path, pdf).unwrap();
    let file = path.to_str().unwrap();
    let pdfsig = run("pdfsig", &[file]);
    assert_eq!(
        pdfsig.matches("Signature Validation: Signature is Valid.").count(),
        signatures,
        "{name}: pdfsig validity"
    );
    assert!(pdfsig.contains("Total document signed"), "{name}: pdfsig total coverage");
    let root = dir.join("root.pem");
    let root = root.to_str().unwrap();
    let pretty = run("pyhanko", &["sign", "validate", "--trust", root, "--trust-replace", "--pretty-print", file]);
    assert_eq!(pretty.matches("The signature is judged VALID").count(), signatures, "{name}: pyHanko verdict");
    let summary = run("pyhanko", &["sign", "validate", "--trust", root, "--trust-replace", file]);
    assert_eq!(summary.matches(":INTACT:TRUSTED").count(), signatures, "{name}: pyHanko integrity and trust");
    assert!(!summary.contains("INVALID") && !summary.contains("UNTRUSTED"), "{name}: pyHanko problems");
}

#[test]
fn pdfsig_and_pyhanko_accept_our_signatures() {
    let pki = TestPki::shared().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("root.pem"), pki.root_certificate().to_pem()).unwrap();
    let tsa = pki.test_tsa();
    let doc = generate(&SampleDocument::example(DocumentKind::ConformityCertificate));
    for (name, signer, tsa) in [
        ("rsa-bb.pdf", TestSigner::ValidRsa, None),
        ("ec-bb.pdf", TestSigner::ValidEcP256, None),
        ("rsa-bt.pdf", TestSigner::ValidRsa, Some(tsa.as_ref() as &dyn TsaClient)),
        ("ec-bt.pdf", TestSigner::ValidEcP384, Some(tsa.as_ref() as &dyn TsaClient)),
    ] {
        check(dir.path(), name, &sign(&doc, signer, tsa), 1);
    }
    let once = sign(&doc, TestSigner::ValidRsa, Some(tsa.as_ref()));
    let twice = sign(&once, TestSigner::ValidEcP256, Some(tsa.as_ref()));
    check(dir.path(), "twice.pdf", &twice, 2);
}

#[test]
fn ltv_stamped_and_xref_stream_documents_are_accepted() {
    let pki = TestPki::shared().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("root.pem"), pki.root_certificate().to_pem()).unwrap();
    let tsa = pki.test_tsa();
    let identity = pki.signer(TestSigner::ValidRsa);
    let doc = generate(&SampleDocument::example(DocumentKind::TestReport));

    let mut options = SignOptions::new(&identity.credentials);
    options.tsa = Some(tsa.as_ref());
    options.ltv = Some(DssData {
        certs: vec![pki.ca.certificate.der().to_vec(), pki.root_certificate().der().to_vec()],
        crls: vec![pki.crl().der().to_vec()],
        ocsps: vec![identity.ocsp.der().to_vec()],
    });
    let blt = sign_pdf(&doc, &options).unwrap();
    let path = dir.path().join("rsa-blt.pdf");
    std::fs::write(&path, &blt).unwrap();
    // The DSS update follows the signature, so pdfsig no longer sees total coverage; pyHanko must
    // still judge it valid and classify the update as an acceptable LTV addition.
    let pdfsig = run("pdfsig", &[path.to_str().unwrap()]);
    assert!(pdfsig.contains("Signature Validation: Signature is Valid."), "B-LT: pdfsig validity");
    let root = dir.path().join("root.pem");
    let summary = run(
        "pyhanko",
        &["sign", "validate", "--trust", root.to_str().unwrap(), "--trust-replace", path.to_str().unwrap()],
    );
    assert!(summary.contains(":INTACT:TRUSTED"), "B-LT: pyHanko integrity");
    assert!(summary.contains("EXTENDED_WITH_LTA_UPDATES"), "B-LT: pyHanko sees the DSS update as LTV data");
    assert!(!summary.contains("INVALID"), "B-LT: pyHanko problems");

    let stamped = stamp_qr(&doc, "https://hub.ecert.example/v/1", Corner::TopRight).unwrap();
    check(dir.path(), "stamped.pdf", &sign(&stamped, TestSigner::ValidEcP256, None), 1);

    let mut f = Fixture::new();
    f.objstm(5, &[(1, "<< /Type /Catalog /Pages 2 0 R >>"), (2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")]);
    f.obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>");
    f.stream(4, "", b"BT /Helv 12 Tf 72 720 Td (xref stream document) Tj ET");
    f.xref_stream(6, true, "");
    check(dir.path(), "xref-stream.pdf", &sign(&f.bytes, TestSigner::ValidRsa, None), 1);
}
