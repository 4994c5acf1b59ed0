//! The transparency-dev inclusion and consistency vectors (valid and
//! tampered) from the shared test data: the verifier must agree with every
//! file's `wantErr`. Prints one line per file and a total; fails if the
//! data is missing or on any disagreement.
//!
//! Run: `cargo test -p ecert-translog --features shared-data --test shared_vectors -- --nocapture`

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ecert_translog::{verify_consistency_bytes, verify_inclusion_bytes};
use serde::Deserialize;

fn shared_dir() -> PathBuf {
    std::env::var_os("ECERT_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"))
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

fn b64(s: &str) -> Vec<u8> {
    BASE64.decode(s).unwrap_or_else(|e| panic!("vector holds invalid base64 {s:?}: {e}"))
}

fn b64_list(list: &Option<Vec<String>>) -> Vec<Vec<u8>> {
    list.iter().flatten().map(|s| b64(s)).collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InclusionVector {
    leaf_idx: u64,
    tree_size: u64,
    root: String,
    leaf_hash: String,
    proof: Option<Vec<String>>,
    want_err: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConsistencyVector {
    size1: u64,
    size2: u64,
    root1: String,
    root2: String,
    proof: Option<Vec<String>>,
    want_err: bool,
}

/// Runs every file under `merkle/<kind>`; returns (files, disagreements).
fn run(kind: &str) -> (usize, Vec<String>) {
    let dir = shared_dir().join("testvectors/merkle").join(kind);
    assert!(dir.is_dir(), "shared test data missing: {} (set ECERT_SHARED_DIR)", dir.display());
    let mut files = Vec::new();
    json_files(&dir, &mut files);
    files.sort();
    assert!(!files.is_empty(), "no vectors in {}", dir.display());
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let (want_err, result) = match kind {
            "inclusion" => {
                let v: InclusionVector = serde_json::from_str(&text).unwrap();
                let proof = b64_list(&v.proof);
                let r = verify_inclusion_bytes(&b64(&v.leaf_hash), v.leaf_idx, v.tree_size, &proof, &b64(&v.root));
                (v.want_err, r)
            }
            _ => {
                let v: ConsistencyVector = serde_json::from_str(&text).unwrap();
                let proof = b64_list(&v.proof);
                let r = verify_consistency_bytes(v.size1, v.size2, &proof, &b64(&v.root1), &b64(&v.root2));
                (v.want_err, r)
            }
        };
        let agrees = want_err == result.is_err();
        let outcome = match &result {
            Ok(()) => "accepted".to_owned(),
            Err(e) => format!("rejected: {e}"),
        };
        let rel = path.strip_prefix(&dir).unwrap_or(path).display();
        let mark = if agrees { "ok  " } else { "FAIL" };
        println!("{mark} {kind}/{rel}: want {}, {outcome}", if want_err { "error" } else { "valid" });
        if !agrees {
            failures.push(format!("{kind}/{rel}"));
        }
    }
    (files.len(), failures)
}

#[test]
fn every_transparency_dev_vector_agrees() {
    let (inclusion, mut failures) = run("inclusion");
    let (consistency, more) = run("consistency");
    failures.extend(more);
    println!(
        "total: {} files ({inclusion} inclusion, {consistency} consistency), {} agree, {} disagree",
        inclusion + consistency,
        inclusion + consistency - failures.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "disagreements: {failures:#?}");
}
