//! `ecert sign`, `ecert sample` and `ecert pki demo` through the real binary: signing works at every level, and each
//! bad input gives one readable line, a non-zero exit code and no output file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        ecert_pki::testpki::TestPki::shared().unwrap().write_pem_dir(&dir.path().join("pki")).unwrap();
        let f = Fixture { dir };
        let out = f.ecert(&["sample", "--kind", "tr", "--out", f.path("doc.pdf").to_str().unwrap()], None);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        f
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn pki(&self, name: &str) -> String {
        self.dir.path().join("pki").join(name).to_str().unwrap().to_owned()
    }

    fn ecert(&self, args: &[&str], passphrase: Option<&str>) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecert"));
        cmd.args(args).env_remove("ECERT_SIGN_PASSPHRASE").env("ECERT_LOG", "off");
        if let Some(p) = passphrase {
            cmd.env("ECERT_SIGN_PASSPHRASE", p);
        }
        cmd.output().unwrap()
    }

    fn sign(&self, input: &Path, out: &Path, extra: &[&str], passphrase: Option<&str>) -> Output {
        let mut args = vec!["sign", input.to_str().unwrap(), "--out", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        self.ecert(&args, passphrase)
    }
}

fn signature_count(pdf: &[u8]) -> usize {
    let doc = ecert_pdf::Document::parse(pdf).unwrap();
    doc.signature_fields(doc.latest()).unwrap().len()
}

/// The signed revision's /ByteRange covers the whole file except the /Contents hex string.
fn assert_covers_whole_file(pdf: &[u8]) {
    let text = String::from_utf8_lossy(pdf);
    let at = text.rfind("/ByteRange").unwrap();
    let nums: Vec<usize> = text[at..]
        .split(']')
        .next()
        .unwrap()
        .trim_start_matches("/ByteRange")
        .trim()
        .trim_start_matches('[')
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(nums[0], 0);
    assert_eq!(nums[2] + nums[3], pdf.len());
    assert_eq!(pdf[nums[1]], b'<');
    assert_eq!(pdf[nums[2] - 1], b'>');
}

#[test]
fn signs_with_pkcs12_and_pem_keys_and_twice() {
    let f = Fixture::new();
    let rsa = f.path("rsa.pdf");
    let out = f.sign(
        &f.path("doc.pdf"),
        &rsa,
        &["--p12", &f.pki("signer-valid-rsa.p12"), "--reason", "Test report"],
        Some("demo"),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let bytes = std::fs::read(&rsa).unwrap();
    assert_covers_whole_file(&bytes);
    assert_eq!(signature_count(&bytes), 1);

    let twice = f.path("twice.pdf");
    let out = f.sign(
        &rsa,
        &twice,
        &[
            "--key",
            &f.pki("signer-valid-ec-p256.key.pem"),
            "--cert",
            &f.pki("signer-valid-ec-p256.pem"),
            "--digest",
            "sha384",
        ],
        None,
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let twice_bytes = std::fs::read(&twice).unwrap();
    assert!(twice_bytes.starts_with(&bytes), "the first signed revision must stay byte for byte");
    assert_eq!(signature_count(&twice_bytes), 2);
    assert_covers_whole_file(&twice_bytes);
}

#[test]
fn b_t_with_an_http_timestamp_authority_and_qr_stamp() {
    let f = Fixture::new();
    let tsa = ecert_pki::testpki::TestPki::shared().unwrap().test_tsa().serve_http().unwrap();
    let out_path = f.path("bt.pdf");
    let out = f.sign(
        &f.path("doc.pdf"),
        &out_path,
        &[
            "--p12",
            &f.pki("signer-valid-rsa.p12"),
            "--tsa",
            tsa.url(),
            "--qr",
            "https://hub.example/v/tok123",
            "--qr-corner",
            "top-right",
        ],
        Some("demo"),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let bytes = std::fs::read(&out_path).unwrap();
    let doc = ecert_pdf::Document::parse(&bytes).unwrap();
    let fields = doc.signature_fields(doc.latest()).unwrap();
    assert_eq!(fields.len(), 1);
    // The CMS carries an RFC 3161 signature timestamp.
    let sig = fields[0].signature.as_ref().unwrap();
    let contents = sig.dict.get(b"Contents").unwrap().value.as_string().unwrap();
    let sd = ecert_pki::cms::SignedData::parse_padded(&contents.bytes).unwrap();
    assert_eq!(sd.signer_infos()[0].signature_timestamp_tokens().unwrap().len(), 1);
}

fn assert_refused(out: &Output, needle: &str, out_path: &Path) {
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line expected: {stderr}");
    assert!(stderr.to_lowercase().contains(needle), "expected '{needle}' in: {stderr}");
    assert!(!out_path.exists(), "no partial output may be written");
}

#[test]
fn bad_inputs_give_one_line_and_write_nothing() {
    let f = Fixture::new();
    let out_path = f.path("out.pdf");
    let p12 = f.pki("signer-valid-rsa.p12");

    let o = f.sign(&f.path("doc.pdf"), &out_path, &["--p12", &p12], Some("not-demo"));
    assert_refused(&o, "passphrase", &out_path);

    let o = f.sign(
        &f.path("doc.pdf"),
        &out_path,
        &["--key", &f.pki("signer-valid-rsa.key.pem"), "--cert", &f.pki("signer-valid-ec-p256.pem")],
        None,
    );
    assert_refused(&o, "does not match", &out_path);

    std::fs::write(f.path("notes.txt"), b"hello, this is not a PDF").unwrap();
    let o = f.sign(&f.path("notes.txt"), &out_path, &["--p12", &p12], Some("demo"));
    assert_refused(&o, "not a pdf", &out_path);

    let doc = std::fs::read(f.path("doc.pdf")).unwrap();
    // Byte-level edit after the xref table, so every offset stays valid.
    let at = doc.windows(9).rposition(|w| w == b"trailer\n<").expect("classic trailer") + 9;
    let mut encrypted = doc[..at].to_vec();
    encrypted.extend_from_slice(b"</Encrypt << /Filter /Standard /V 2 /R 3 /O <00> /U <00> /P -4 >>");
    encrypted.extend_from_slice(&doc[at + 1..]);
    std::fs::write(f.path("enc.pdf"), &encrypted).unwrap();
    let o = f.sign(&f.path("enc.pdf"), &out_path, &["--p12", &p12], Some("demo"));
    assert_refused(&o, "encrypted", &out_path);

    let o = f.sign(&f.path("doc.pdf"), &out_path, &["--p12", &p12, "--tsa", "http://127.0.0.1:9/tsa"], Some("demo"));
    assert_refused(&o, "tsa", &out_path);
}

#[test]
fn verify_exit_codes_follow_the_verdict() {
    let f = Fixture::new();
    let signed = f.path("signed.pdf");
    assert!(
        f.sign(&f.path("doc.pdf"), &signed, &["--p12", &f.pki("signer-valid-rsa.p12")], Some("demo")).status.success()
    );
    let root = f.pki("root-ca.pem");
    let run = |file: &Path, extra: &[&str]| {
        let mut args = vec!["verify", file.to_str().unwrap()];
        args.extend_from_slice(extra);
        f.ecert(&args, None)
    };
    let passed = run(&signed, &["--trust", &root]);
    assert_eq!(passed.status.code(), Some(0), "{}", String::from_utf8_lossy(&passed.stdout));
    assert!(String::from_utf8_lossy(&passed.stdout).contains("TOTAL_PASSED"));
    assert_eq!(run(&signed, &[]).status.code(), Some(2), "no anchors: INDETERMINATE");
    let mut tampered = std::fs::read(&signed).unwrap();
    tampered[300] ^= 0x01;
    std::fs::write(f.path("tampered.pdf"), &tampered).unwrap();
    let failed = run(&f.path("tampered.pdf"), &["--trust", &root, "--json"]);
    assert_eq!(failed.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&failed.stdout).unwrap();
    assert_eq!(json["signatures"][0]["sub_indication"], "HASH_FAILURE");
    assert_eq!(run(&f.path("doc.pdf"), &[]).status.code(), Some(3), "unsigned document");
    let bad_at = run(&signed, &["--at", "yesterday"]);
    assert_eq!(bad_at.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad_at.stderr).contains("RFC 3339"));
}
