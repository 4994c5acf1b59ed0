//! Cross-check with pyHanko on a generated matrix. Needs `pip install pyhanko pyhanko-cli`;
//! run with `cargo test -p ecert-verify --features interop --test pyhanko_interop -- --nocapture`.
//! Fails (does not skip) when python3/pyHanko is missing.
//!
//! Compared per document: integrity (ours `intact` vs pyHanko `intact and valid` with no
//! disallowed modification) and the bottom line (ours TOTAL_PASSED vs pyHanko `bottom_line`).
//! Intended differences, asserted as such:
//! - expired signer without timestamp: pyHanko says not valid; we say INDETERMINATE
//!   (OUT_OF_BOUNDS_NO_POE). Both "not passed".
//! - revocation: pyHanko runs here without fetching (no network) and with soft-fail; we use the
//!   embedded CRL/OCSP, so a revoked B-LT signer is TOTAL_FAILED for us. pyHanko only decides
//!   when it finds the revocation data itself; such rows compare integrity only.

mod common;

use std::io::Write;
use std::process::Command;

use common::*;
use ecert_pdf::Document;
use ecert_pki::testpki::TestSigner;
use ecert_verify::{Indication, Integrity};

const SCRIPT: &str = r#"
import sys, json
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from asn1crypto import pem, x509
root = x509.Certificate.load(pem.unarmor(open(sys.argv[1], 'rb').read())[2])
out = {}
for path in sys.argv[2:]:
    rows = []
    try:
        r = PdfFileReader(open(path, 'rb'), strict=False)
        for s in r.embedded_signatures:
            vc = ValidationContext(trust_roots=[root], allow_fetching=False)
            st = validate_pdf_signature(s, vc)
            mod_ok = st.modification_level is None or st.modification_level.name != 'OTHER'
            rows.append({'intact': bool(st.intact and st.valid and mod_ok and st.docmdp_ok is not False), 'bottom_line': bool(st.bottom_line)})
    except Exception as e:
        rows.append({'intact': False, 'bottom_line': False, 'error': str(e)})
    out[path] = rows
print(json.dumps(out))
"#;

struct Case {
    name: &'static str,
    pdf: Vec<u8>,
    /// Compare the bottom line too (false where pyHanko cannot decide the same question).
    compare_bottom_line: bool,
}

fn matrix() -> Vec<Case> {
    let tsa = pki().test_tsa();
    let mut cases = vec![
        Case {
            name: "valid-rsa-bb",
            pdf: sign_with(&unsigned(), TestSigner::ValidRsa, "Signature1", None),
            compare_bottom_line: true,
        },
        Case {
            name: "valid-ec-bb",
            pdf: sign_with(&unsigned(), TestSigner::ValidEcP256, "Signature1", None),
            compare_bottom_line: true,
        },
        Case {
            name: "valid-rsa-bt",
            pdf: sign_with(&unsigned(), TestSigner::ValidRsa, "Signature1", Some(tsa.as_ref())),
            compare_bottom_line: true,
        },
        Case {
            name: "two-signatures",
            pdf: sign_with(&signed(), TestSigner::ValidEcP384, "Signature2", None),
            compare_bottom_line: true,
        },
        Case {
            name: "wrong-key-usage",
            pdf: sign_with(&unsigned(), TestSigner::NoDigitalSignature, "Signature1", None),
            compare_bottom_line: true,
        },
        Case {
            name: "not-yet-valid",
            pdf: sign_with(&unsigned(), TestSigner::NotYetValid, "Signature1", None),
            compare_bottom_line: true,
        },
        Case {
            name: "expired",
            pdf: sign_with(&unsigned(), TestSigner::Expired, "Signature1", None),
            compare_bottom_line: true,
        },
        Case {
            name: "revoked-bb",
            pdf: sign_with(&unsigned(), TestSigner::Revoked, "Signature1", None),
            compare_bottom_line: false,
        },
    ];
    let mut tampered = signed();
    let at = tampered.windows(7).position(|w| w == b"Product").unwrap();
    tampered[at] = b'Q';
    cases.push(Case { name: "hash-tampered", pdf: tampered, compare_bottom_line: true });
    let base = signed();
    let doc = Document::parse(&base).unwrap();
    let page = doc.pages(doc.latest()).unwrap().remove(0);
    let mut update = ecert_pdf::IncrementalUpdate::new(&doc);
    let mut dict = ecert_pdf::Dictionary::new();
    let text = b"BT /F1 24 Tf 72 700 Td (FORGED) Tj ET".to_vec();
    dict.set(b"Length", ecert_pdf::Object::from(ecert_pdf::Value::Integer(text.len() as i64)));
    let stream = update.add_stream(dict, text);
    let mut page_dict = doc.dict_of(doc.latest(), page.id).unwrap().unwrap();
    page_dict.set(b"Contents", ecert_pdf::Object::from(ecert_pdf::Value::Reference(stream)));
    update.set(page.id, ecert_pdf::Object::from(ecert_pdf::Value::Dictionary(page_dict)));
    cases.push(Case { name: "content-replaced", pdf: update.finish().bytes, compare_bottom_line: true });
    cases
}

#[test]
fn verdicts_agree_with_pyhanko() {
    let dir = std::env::temp_dir().join(format!("ecert-verify-interop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let root = dir.join("root.pem");
    std::fs::write(&root, pki().root_certificate().to_pem()).unwrap();
    let script = dir.join("check.py");
    std::fs::File::create(&script).unwrap().write_all(SCRIPT.as_bytes()).unwrap();

    let cases = matrix();
    let mut paths = Vec::new();
    for c in &cases {
        let p = dir.join(format!("{}.pdf", c.name));
        std::fs::write(&p, &c.pdf).unwrap();
        paths.push(p);
    }
    let output = Command::new("python3")
        .arg(&script)
        .arg(&root)
        .args(&paths)
        .output()
        .expect("python3 must be installed for the interop suite");
    assert!(
        output.status.success(),
        "pyHanko run failed (is pyhanko installed?): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let theirs: serde_json::Value = serde_json::from_slice(&output.stdout).expect("pyHanko JSON");

    let mut mismatches = 0;
    for (c, p) in cases.iter().zip(&paths) {
        let report = validate(&c.pdf, &trust());
        let ours_intact = report.document.integrity_intact;
        let ours_passed = report.document.indication == Indication::TotalPassed;
        let rows = theirs[p.to_string_lossy().as_ref()].as_array().cloned().unwrap_or_default();
        let their_intact = !rows.is_empty() && rows.iter().all(|r| r["intact"] == true);
        let their_passed = !rows.is_empty() && rows.iter().all(|r| r["bottom_line"] == true);
        let ok = ours_intact == their_intact && (!c.compare_bottom_line || ours_passed == their_passed);
        if !ok {
            mismatches += 1;
        }
        println!(
            "{} {:<18} ours: intact={ours_intact} passed={ours_passed}  pyHanko: intact={their_intact} passed={their_passed}{}",
            if ok { "ok  " } else { "DIFF" },
            c.name,
            if c.compare_bottom_line { "" } else { "  (integrity only)" }
        );
        if let Some(sig) = report.signatures.first() {
            assert_ne!(sig.integrity, Integrity::Unverified, "{}: {report}", c.name);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!("interop: {} passed, {mismatches} failed", cases.len() - mismatches);
    assert_eq!(mismatches, 0);
}
