//! Parses and verifies every CMS signature embedded in the shared PAdES corpus
//! (`--features shared-data`; fails if the corpus is missing). This checks the CMS layer only:
//! byte ranges, certificates and verdicts are the validator's job.

use std::path::{Path, PathBuf};

use ecert_pki::Error;
use ecert_pki::cms::SignedData;

/// Files whose CMS is deliberately not DER-decodable.
const EXPECTED_PARSE_FAILURES: [&str; 1] = ["BadEncodedCMS.pdf"];

fn shared_dir() -> PathBuf {
    let dir = std::env::var_os("ECERT_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    assert!(dir.join("corpus/pades").is_dir(), "shared corpus not found at {} (set ECERT_SHARED_DIR)", dir.display());
    dir
}

fn pdfs(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            pdfs(&path, out);
        } else if path.extension().is_some_and(|e| e == "pdf") {
            out.push(path);
        }
    }
}

/// Every `/Contents <hex>` string long enough to be a signature, decoded (placeholders skipped).
fn signature_blobs(pdf: &[u8]) -> Vec<Vec<u8>> {
    let mut blobs = Vec::new();
    let mut at = 0;
    while let Some(p) = pdf[at..].windows(9).position(|w| w == b"/Contents") {
        at += p + 9;
        let rest = &pdf[at..];
        let Some(open) = rest.iter().position(|b| !b" \r\n\t".contains(b)) else { break };
        if rest[open] != b'<' {
            continue;
        }
        let Some(close) = rest[open..].iter().position(|b| *b == b'>') else { break };
        let hex_digits: Vec<u8> = rest[open + 1..open + close].iter().copied().filter(u8::is_ascii_hexdigit).collect();
        if hex_digits.len() < 400 {
            continue;
        }
        if let Ok(bytes) = hex::decode(&hex_digits)
            && bytes.iter().any(|b| *b != 0)
        {
            blobs.push(bytes);
        }
    }
    blobs
}

#[test]
fn corpus_cms_parses_and_verifies() {
    let mut files = Vec::new();
    pdfs(&shared_dir().join("corpus/pades"), &mut files);
    files.sort();
    let (mut parsed, mut verified, mut ber, mut unsupported) = (0, 0, 0, 0);
    let mut problems = Vec::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        for blob in signature_blobs(&std::fs::read(file).unwrap()) {
            let sd = match SignedData::parse_prefix(&blob) {
                Ok((sd, _)) => sd,
                Err(e) if EXPECTED_PARSE_FAILURES.contains(&name.as_str()) => {
                    println!("{name}: expected parse failure: {e}");
                    continue;
                }
                Err(e) => {
                    problems.push(format!("{name}: parse: {e}"));
                    continue;
                }
            };
            parsed += 1;
            ber += usize::from(sd.was_ber());
            let Some(si) = sd.signer_infos().first() else { continue };
            let Some(cert) = si.find_signer_certificate(sd.certificates()) else { continue };
            let result = match si.signed_attrs_der() {
                Some(attrs) => si.signature_algorithm().and_then(|alg| {
                    ecert_pki::alg::verify_signature_allow_weak_rsa(cert.spki_der(), &alg, attrs, si.signature())
                }),
                None => {
                    println!("{name}: no signed attributes (content signature not checked here)");
                    continue;
                }
            };
            match result {
                Ok(()) => verified += 1,
                // SHA-1, SHA-3, plain-ECDSA, Ed448: refused by design or unavailable in aws-lc-rs.
                Err(Error::UnsupportedAlgorithm { oid, reason }) => {
                    unsupported += 1;
                    println!("{name}: unsupported {oid}: {reason}");
                }
                Err(e) => problems.push(format!("{name}: verify: {e}")),
            }
        }
    }
    println!(
        "{} files, {parsed} signatures parsed ({ber} BER), {verified} verified, {unsupported} unsupported algorithms",
        files.len()
    );
    assert!(problems.is_empty(), "unexpected failures:\n{}", problems.join("\n"));
    assert!(verified >= 250, "only {verified} signatures verified");
}
