//! `ecert verify --evidence BUNDLE PDF` as a user runs it, years later: the hub that pushed the document and
//! exported its bundle is gone, and the binary checks everything offline. Then one tampered part at a time must
//! fail the run and be named.

use ecert_domain::auth::{Credential, Principal};
use ecert_domain::ids::InstitutionId;
use ecert_domain::institution::Role;
use ecert_hub::exchange::PushRequest;
use ecert_hub::{DEFAULT_LOG_ORIGIN, Hub, load_or_create_log_key};
use ecert_pdf::samples::{DocumentKind, SampleDocument, generate};
use ecert_pdf::sign::{SignOptions, sign_pdf};
use ecert_pki::testpki::{TestPki, TestSigner};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};
use time::{Duration, OffsetDateTime};

fn ecert(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecert")).args(args).env("ECERT_LOG", "warn").output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn write(dir: &Path, name: &str, body: impl AsRef<[u8]>) -> String {
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    path.display().to_string()
}

struct Exported {
    bundle: Vec<u8>,
    pdf: Vec<u8>,
    vkey: String,
}

/// A hub on SQLite in `data`, a document pushed by the demo CAB and its bundle exported; the hub is dropped
/// before this returns.
async fn push_and_export(data: &Path) -> Exported {
    let store = ecert_store::open(None, data).await.unwrap();
    let exchange = ecert_hub::ExchangeServices::for_data_dir(data, Default::default()).unwrap();
    let hub = Hub::new(store, load_or_create_log_key(data, DEFAULT_LOG_ORIGIN).unwrap(), exchange);
    let pki = TestPki::shared().unwrap();
    let demo = hub.seed_demo(Some(pki)).await.unwrap();
    let cab: InstitutionId = demo.cab_id.parse().unwrap();
    let cab_principal =
        Principal { institution: cab, roles: vec![Role::IssuingCab], credential: Credential::LocalAdmin };

    let today = OffsetDateTime::now_utc().date();
    let mut sample = SampleDocument::example(DocumentKind::TestReport);
    sample.number = "KZ-TR-EVIDENCE-CLI".into();
    sample.hs_codes = vec!["8471.30".into()];
    sample.issue_date = today;
    sample.valid_until = Some(today + Duration::days(365));
    let pdf = sign_pdf(&generate(&sample), &SignOptions::new(&pki.signer(TestSigner::ValidRsa).credentials)).unwrap();
    let metadata = serde_json::from_value(serde_json::json!({
        "document_number": sample.number,
        "document_type": "TR",
        "hs_codes": ["8471.30"],
        "product_description": "Portable automatic data-processing machines",
        "issue_date": today.to_string(),
        "valid_until": (today + Duration::days(365)).to_string(),
        "destination_country": "UZ",
        "applicant": {"name": "Trader LLP", "country": "KZ"},
    }))
    .unwrap();
    let request = PushRequest { metadata, pdf: pdf.clone().into(), idempotency_key: None };
    let submission = hub.push_document(&cab_principal, request).await.unwrap();
    // More events after the submission, so the proof is not trivial.
    hub.sign_checkpoint().await.unwrap();
    let bundle = hub.export_evidence(&cab_principal, submission.document.id).await.unwrap();
    let vkey = hub.log_verifier_key();
    drop(hub);
    Exported { bundle: bundle.to_json(), pdf, vkey }
}

/// Runs the verifier on a mutated bundle (and the genuine PDF) and asserts it fails on `check`.
fn assert_caught(dir: &Path, name: &str, bundle: &Value, pdf: &str, key: &str, check: &str) {
    let path = write(dir, &format!("{name}.json"), serde_json::to_vec(bundle).unwrap());
    let o = ecert(&["verify", "--evidence", &path, pdf, "--key", key]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{name}: {out}");
    assert!(out.contains(&format!("FAIL {check}:")), "{name}: expected 'FAIL {check}' in\n{out}");
    assert!(out.contains("verdict: NOT VERIFIED"), "{name}: {out}");
}

fn edit_base64(v: &mut Value) {
    let text = v.as_str().unwrap();
    let mut chars: Vec<char> = text.chars().collect();
    let at = chars.len() / 2;
    chars[at] = if chars[at] == 'A' { 'B' } else { 'A' };
    *v = Value::String(chars.into_iter().collect());
}

#[tokio::test]
async fn an_exported_bundle_verifies_offline_and_every_tampered_part_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let exported = push_and_export(&dir.path().join("data")).await;
    // The hub's data is gone too: nothing but the files below is left to check against.
    std::fs::remove_dir_all(dir.path().join("data")).unwrap();
    let d = dir.path();
    let bundle_file = write(d, "evidence.json", &exported.bundle);
    let pdf_file = write(d, "document.pdf", &exported.pdf);
    let key_file = write(d, "log.vkey", format!("{}\n", exported.vkey));

    // Genuine, with the pinned key: every check passes, exit 0, the disclaimer is printed.
    let o = ecert(&["verify", "--evidence", &bundle_file, &pdf_file, "--key", &key_file]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}\n{}", String::from_utf8_lossy(&o.stderr));
    for check in ["pdf digest", "log leaf", "inclusion proof", "checkpoint signature", "pdf signature"] {
        assert!(out.contains(&format!("PASS {check}:")), "{check}: {out}");
    }
    assert!(!out.contains("FAIL") && !out.contains("WARNING"), "{out}");
    assert!(out.contains("verdict: VERIFIED"), "{out}");
    assert!(out.contains(ecert_domain::document::VERIFICATION_DISCLAIMER), "{out}");
    assert!(out.contains("status at export: VALID"), "{out}");

    // The key given inline works the same; without one the bundle's key is used, with a warning.
    let o = ecert(&["verify", "--evidence", &bundle_file, &pdf_file, "--key", &exported.vkey]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = ecert(&["verify", "--evidence", &bundle_file, &pdf_file]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("WARNING: the log key was not pinned"), "{}", stdout(&o));

    // A PDF byte the signature covers (the middle of the file may be the unsigned /Contents padding, which
    // only the digest check would notice).
    let mut pdf = exported.pdf.clone();
    pdf[40] ^= 0x01;
    let tampered_pdf = write(d, "tampered.pdf", &pdf);
    let o = ecert(&["verify", "--evidence", &bundle_file, &tampered_pdf, "--key", &key_file]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("FAIL pdf digest:") && stdout(&o).contains("FAIL pdf signature:"), "{}", stdout(&o));

    // Another key than the hub's.
    let (other, _) = ecert_translog::LogSigner::generate(DEFAULT_LOG_ORIGIN).unwrap();
    let other_key = write(d, "other.vkey", other.verifier_key().to_string());
    let o = ecert(&["verify", "--evidence", &bundle_file, &pdf_file, "--key", &other_key]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("FAIL checkpoint signature:"), "{}", stdout(&o));

    // Each part of the bundle.
    let genuine: Value = serde_json::from_slice(&exported.bundle).unwrap();
    type Edit = fn(&mut Value);
    let cases: Vec<(&str, Edit, &str)> = vec![
        ("metadata", |b| b["document"]["metadata"]["product_description"] = "Something else".into(), "log leaf"),
        ("hs code", |b| b["document"]["metadata"]["hs_codes"][0] = "847150".into(), "log leaf"),
        ("issuer", |b| b["document"]["issuer"] = uuid_like(), "log leaf"),
        ("pdf digest", |b| b["document"]["pdf_sha256"] = "00".repeat(32).into(), "pdf digest"),
        (
            "report",
            |b| {
                let r = b["report"].as_str().unwrap().replacen("TOTAL_PASSED", "TOTAL_PASSED ", 1);
                b["report"] = r.into()
            },
            "log leaf",
        ),
        ("certificate", |b| edit_base64(&mut b["pki_data"]["certificates"][0]), "log leaf"),
        ("added crl", |b| b["pki_data"]["crls"] = serde_json::json!(["MAA="]), "log leaf"),
        (
            "registry facts",
            |b| {
                let f = b["pki_data"]["registry_facts_json"].as_str().unwrap().replacen("active", "suspended", 1);
                b["pki_data"]["registry_facts_json"] = f.into()
            },
            "log leaf",
        ),
        ("leaf", |b| edit_base64(&mut b["audit"]["leaf"]), "inclusion proof"),
        (
            "leaf index",
            |b| b["audit"]["leaf_index"] = (b["audit"]["leaf_index"].as_u64().unwrap() - 1).into(),
            "inclusion proof",
        ),
        (
            "tree size",
            |b| b["audit"]["tree_size"] = (b["audit"]["tree_size"].as_u64().unwrap() + 1).into(),
            "inclusion proof",
        ),
        ("proof hash", |b| edit_base64(&mut b["audit"]["inclusion_proof"][0]), "inclusion proof"),
        (
            "checkpoint text",
            |b| {
                let note = b["audit"]["checkpoint"].as_str().unwrap();
                let mut lines: Vec<String> = note.split('\n').map(str::to_owned).collect();
                let size: u64 = lines[1].parse().unwrap();
                lines[1] = (size + 1).to_string();
                b["audit"]["checkpoint"] = lines.join("\n").into()
            },
            "checkpoint signature",
        ),
        (
            "checkpoint signature",
            |b| {
                let note = b["audit"]["checkpoint"].as_str().unwrap().to_owned();
                let sig_line = note.trim_end().rsplit('\n').next().unwrap().to_owned();
                let (prefix, sig) = sig_line.rsplit_once(' ').unwrap();
                let mut sig = Value::String(sig.to_owned());
                edit_base64(&mut sig);
                b["audit"]["checkpoint"] =
                    note.replace(&sig_line, &format!("{prefix} {}", sig.as_str().unwrap())).into()
            },
            "checkpoint signature",
        ),
        ("format", |b| b["format"] = "ecert-evidence/9".into(), "evidence bundle"),
    ];
    for (name, edit, check) in cases {
        let mut b = genuine.clone();
        edit(&mut b);
        assert_ne!(b, genuine, "{name}: the edit changed nothing");
        assert_caught(d, &name.replace(' ', "-"), &b, &pdf_file, &key_file, check);
    }
}

fn uuid_like() -> Value {
    Value::String(uuid::Uuid::now_v7().to_string())
}
