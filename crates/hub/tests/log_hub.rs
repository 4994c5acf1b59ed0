//! The hub's audit log: key handling, checkpoints, proofs, and export verification (with tampering) on SQLite.

use ecert_domain::audit::{AuditEvent, EventType};
use ecert_hub::log::export::{ExportVerification, verify_export_file, write_export};
use ecert_hub::log::{LOG_KEY_FILE, log_key_path};
use ecert_hub::{Hub, HubError, load_or_create_log_key};
use ecert_store::{SqliteStore, Store};
use ecert_translog::{
    Checkpoint, CheckpointStatus, LogSigner, SignedCheckpoint, VerifierKey, leaf_hash, verify_consistency,
};
use std::sync::Arc;
use std::time::Duration;
use time::macros::datetime;

const ORIGIN: &str = "hub.test/audit-log";

fn event(n: u64) -> AuditEvent {
    let mut e = AuditEvent::new(EventType::OperatorBootstrapped, datetime!(2026-03-01 0:00 UTC));
    e.subjects = vec![format!("test:{n}")];
    e
}

struct Fixture {
    dir: tempfile::TempDir,
    hub: Hub,
    raw: sqlx::SqlitePool,
    events: Vec<AuditEvent>,
}

async fn fixture(n: u64) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hub.sqlite3");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).await.unwrap());
    let signer = load_or_create_log_key(dir.path(), ORIGIN).unwrap();
    let exchange = ecert_hub::ExchangeServices::for_data_dir(dir.path(), Default::default()).unwrap();
    let hub = Hub::new(store, signer, exchange);
    assert_eq!(hub.prepare_log().await.unwrap(), 0);
    let events: Vec<AuditEvent> = (0..n).map(event).collect();
    hub.store().append_audit_events(&events).await.unwrap();
    let raw = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    Fixture { dir, hub, raw, events }
}

fn vkey(hub: &Hub) -> VerifierKey {
    VerifierKey::parse(&hub.log_verifier_key()).unwrap()
}

fn invalid_field(r: Result<impl std::fmt::Debug, HubError>, field: &str) -> String {
    match r {
        Err(HubError::Invalid(errors)) => {
            assert_eq!(errors.0.len(), 1);
            let text = errors.to_string();
            assert!(text.contains(field), "{text}");
            text
        }
        other => panic!("expected an invalid {field}, got {other:?}"),
    }
}

#[test]
fn log_key_is_created_once_private_and_reloaded() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let first = load_or_create_log_key(&data_dir, ORIGIN).unwrap();
    let path = log_key_path(&data_dir);
    assert_eq!(path.file_name().unwrap(), LOG_KEY_FILE);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let again = load_or_create_log_key(&data_dir, ORIGIN).unwrap();
    assert_eq!(first.verifier_key(), again.verifier_key());
    assert_eq!(first.verifier_key().name(), ORIGIN);

    assert!(matches!(load_or_create_log_key(&data_dir, "bad name"), Err(HubError::Invalid(_))));
    std::fs::write(&path, b"not a key").unwrap();
    let err = load_or_create_log_key(&data_dir, ORIGIN).unwrap_err();
    assert!(matches!(&err, HubError::Internal(m) if m.contains(LOG_KEY_FILE)), "{err:?}");
    std::fs::write(&path, vec![0u8; 10_000]).unwrap();
    let err = load_or_create_log_key(&data_dir, ORIGIN).unwrap_err();
    assert!(matches!(&err, HubError::Internal(m) if m.contains("too large")), "{err:?}");
}

#[tokio::test]
async fn checkpoints_are_signed_when_the_tree_grows() {
    let f = fixture(0).await;
    let key = vkey(&f.hub);
    // The first request on an empty log signs the empty tree.
    let empty = f.hub.latest_checkpoint().await.unwrap();
    assert_eq!(empty.tree_size, 0);
    assert_eq!(SignedCheckpoint::open(empty.note.as_bytes(), &key).unwrap().root, ecert_translog::empty_root());

    f.hub.store().append_audit_events(&(0..10).map(event).collect::<Vec<_>>()).await.unwrap();
    assert_eq!(f.hub.latest_checkpoint().await.unwrap().tree_size, 0, "reads do not sign");
    let signed = f.hub.sign_checkpoint().await.unwrap();
    assert_eq!(signed.tree_size, 10);
    let opened = SignedCheckpoint::open(signed.note.as_bytes(), &key).unwrap();
    assert_eq!((opened.origin.as_str(), opened.size, opened.root), (ORIGIN, 10, f.hub.log_root(10).await.unwrap()));
    // No growth, no new checkpoint.
    assert_eq!(f.hub.sign_checkpoint().await.unwrap(), signed);
    assert_eq!(f.hub.store().list_checkpoints(None, 100).await.unwrap().len(), 2);
    // A note from another key does not open with the hub's key.
    let (other, _) = LogSigner::generate(ORIGIN).unwrap();
    let forged = Checkpoint::new(ORIGIN, 10, opened.root).sign(&other).unwrap().encode();
    assert!(SignedCheckpoint::open(forged.as_bytes(), &key).is_err());
}

#[tokio::test]
async fn background_checkpointer_covers_new_events() {
    let f = fixture(3).await;
    let task = tokio::spawn(f.hub.clone().run_checkpointer(Duration::from_secs(1)));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let latest = f.hub.store().latest_checkpoint().await.unwrap();
        if latest.is_some_and(|c| c.tree_size == 3) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "no checkpoint was signed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    task.abort();
}

#[tokio::test]
async fn proofs_verify_against_signed_checkpoints() {
    let f = fixture(37).await;
    let key = vkey(&f.hub);
    let old = SignedCheckpoint::open(f.hub.sign_checkpoint().await.unwrap().note.as_bytes(), &key).unwrap();
    let more: Vec<AuditEvent> = (37..100).map(event).collect();
    f.hub.store().append_audit_events(&more).await.unwrap();
    let events: Vec<AuditEvent> = f.events.iter().chain(&more).cloned().collect();

    // Before the next checkpoint, proofs default to the old size and new leaves are not yet provable.
    let text = invalid_field(f.hub.inclusion_proof(50, None).await, "index");
    assert!(text.contains("next checkpoint"), "{text}");
    let new = SignedCheckpoint::open(f.hub.sign_checkpoint().await.unwrap().note.as_bytes(), &key).unwrap();
    assert_eq!(new.size, 100);

    for index in [0, 36, 50, 99] {
        let proof = f.hub.inclusion_proof(index, None).await.unwrap();
        assert_eq!(proof.tree_size, 100);
        proof.verify(&leaf_hash(&events[index as usize].canonical_bytes()), &new.root).unwrap();
        // Another leaf's hash does not verify with this proof.
        assert!(proof.verify(&leaf_hash(&events[(index as usize + 1) % 100].canonical_bytes()), &new.root).is_err());
    }
    let at_old = f.hub.inclusion_proof(5, Some(37)).await.unwrap();
    at_old.verify(&leaf_hash(&events[5].canonical_bytes()), &old.root).unwrap();

    let consistency = f.hub.consistency_proof(37, None).await.unwrap();
    assert_eq!((consistency.first_size, consistency.second_size), (37, 100));
    consistency.verify(&old.root, &new.root).unwrap();
    verify_consistency(37, 100, &consistency.hashes, &old.root, &new.root).unwrap();
    assert!(consistency.verify(&new.root, &old.root).is_err());
    assert!(f.hub.consistency_proof(100, Some(100)).await.unwrap().hashes.is_empty());

    // Bad input: named field, readable reason.
    invalid_field(f.hub.inclusion_proof(0, Some(101)).await, "size");
    invalid_field(f.hub.inclusion_proof(0, Some(0)).await, "index");
    invalid_field(f.hub.inclusion_proof(37, Some(37)).await, "index");
    invalid_field(f.hub.inclusion_proof(u64::MAX, None).await, "index");
    invalid_field(f.hub.consistency_proof(0, None).await, "first");
    invalid_field(f.hub.consistency_proof(50, Some(40)).await, "first");
    invalid_field(f.hub.consistency_proof(1, Some(u64::MAX)).await, "second");
    invalid_field(f.hub.log_root(u64::MAX).await, "size");
}

async fn export_text(f: &Fixture) -> String {
    let mut out = Vec::new();
    let summary = write_export(&**f.hub.store(), &vkey(&f.hub), &mut out).await.unwrap();
    assert_eq!(summary.leaves, summary.tree_size);
    String::from_utf8(out).unwrap()
}

fn verify_text(text: &str, key: Option<&VerifierKey>) -> Result<ExportVerification, HubError> {
    verify_export_file(text.as_bytes(), key)
}

#[tokio::test]
async fn export_verifies_and_reports_tampered_leaves() {
    let f = fixture(60).await;
    f.hub.sign_checkpoint().await.unwrap();
    f.hub.store().append_audit_events(&(60..90).map(event).collect::<Vec<_>>()).await.unwrap();
    f.hub.sign_checkpoint().await.unwrap();
    let key = vkey(&f.hub);

    let text = export_text(&f).await;
    assert_eq!(text.lines().count(), 1 + 2 + 90);
    let verdict = verify_text(&text, Some(&key)).unwrap();
    assert!(verdict.is_valid(), "{verdict}");
    assert!(verdict.to_string().ends_with("verdict: VALID"));
    let self_keyed = verify_text(&text, None).unwrap();
    assert!(self_keyed.is_valid() && self_keyed.used_embedded_key);

    // An event row edited directly in the database: the export names leaf 17.
    sqlx::query("UPDATE audit_events SET leaf = CAST('{\"v\":1}' AS BLOB) WHERE seq = 17")
        .execute(&f.raw)
        .await
        .unwrap();
    let verdict = verify_text(&export_text(&f).await, Some(&key)).unwrap();
    assert!(!verdict.is_valid());
    assert_eq!(verdict.report.first_bad_leaf.map(|m| m.index), Some(17));
    let shown = verdict.to_string();
    assert!(shown.contains("first at leaf 17") && shown.ends_with("verdict: INVALID"), "{shown}");
    sqlx::query("UPDATE audit_events SET leaf = $1 WHERE seq = 17")
        .bind(f.events[17].canonical_bytes())
        .execute(&f.raw)
        .await
        .unwrap();

    // A stored leaf hash edited: leaf 71 is named, and proofs for its neighbour stop verifying.
    sqlx::query("UPDATE log_nodes SET hash = zeroblob(32) WHERE lvl = 0 AND idx = 71").execute(&f.raw).await.unwrap();
    let verdict = verify_text(&export_text(&f).await, Some(&key)).unwrap();
    assert_eq!(verdict.report.first_bad_leaf.map(|m| m.index), Some(71));
    let latest = SignedCheckpoint::open(f.hub.latest_checkpoint().await.unwrap().note.as_bytes(), &key).unwrap();
    let proof = f.hub.inclusion_proof(70, None).await.unwrap();
    assert!(proof.verify(&leaf_hash(&event(70).canonical_bytes()), &latest.root).is_err());
}

#[tokio::test]
async fn forged_foreign_and_incomplete_exports_are_invalid() {
    let f = fixture(20).await;
    f.hub.sign_checkpoint().await.unwrap();
    let key = vkey(&f.hub);
    let text = export_text(&f).await;

    // Checked against another log's key: every checkpoint is rejected.
    let (other, _) = LogSigner::generate(ORIGIN).unwrap();
    let verdict = verify_text(&text, Some(other.verifier_key())).unwrap();
    assert!(!verdict.is_valid() && verdict.embedded_key_differs);
    assert!(matches!(verdict.report.checkpoints[0].status, CheckpointStatus::Rejected(_)));

    // A checkpoint re-signed by someone else, inserted into the export.
    let root = f.hub.log_root(20).await.unwrap();
    let forged = Checkpoint::new(ORIGIN, 20, root).sign(&other).unwrap().encode();
    let forged_line = serde_json::json!({"kind": "checkpoint", "note": forged}).to_string();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(1, &forged_line);
    let verdict = verify_text(&lines.join("\n"), Some(&key)).unwrap();
    assert!(!verdict.is_valid());
    assert!(verdict.to_string().contains("REJECTED"));

    // Leaves cut off at the end.
    let truncated: Vec<&str> = text.lines().take(1 + 1 + 15).collect();
    let verdict = verify_text(&truncated.join("\n"), Some(&key)).unwrap();
    assert!(!verdict.is_valid());
    assert!(verdict.to_string().contains("INCOMPLETE"), "{verdict}");

    // No checkpoint at all: the leaves agree with themselves but nothing signed anchors them.
    let unanchored: Vec<&str> = text.lines().filter(|l| !l.contains("\"checkpoint\"")).collect();
    let verdict = verify_text(&unanchored.join("\n"), Some(&key)).unwrap();
    assert!(!verdict.is_valid() && verdict.to_string().contains("UNANCHORED"));
}

#[tokio::test]
async fn unreadable_exports_are_errors_naming_the_line() {
    let f = fixture(4).await;
    f.hub.sign_checkpoint().await.unwrap();
    let key = vkey(&f.hub);
    let text = export_text(&f).await;
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let expect = |input: String, needle: &str| {
        let err = verify_text(&input, Some(&key)).unwrap_err();
        assert!(err.to_string().contains("invalid input"), "{err}");
        let HubError::Invalid(errors) = err else { unreachable!() };
        assert!(errors.to_string().contains(needle), "{errors} lacks {needle}");
    };
    expect(String::new(), "line 1: the first line must be the export header");
    expect(lines[1..].join("\n"), "line 1");
    expect(lines[0].replace("ecert-audit-export/1", "other/9"), "unknown format");
    expect(lines[0].replace("hub.test", "hub test"), "vkey");
    expect(format!("{}\n{{not json\n", lines[0]), "line 2");
    let mut swapped = lines.clone();
    swapped.swap(1, 2);
    expect(swapped.join("\n"), "checkpoints must come before the leaves");
    let mut twice = lines.clone();
    twice.push(lines[0].clone());
    expect(twice.join("\n"), "a second header");
    let bad_data = lines[3].replacen("\"data\":\"", "\"data\":\"!!", 1);
    expect([lines[0].clone(), lines[1].clone(), lines[2].clone(), bad_data].join("\n"), "line 4: leaf data");
    let reordered = [lines[0].clone(), lines[1].clone(), lines[3].clone(), lines[2].clone()].join("\n");
    expect(reordered, "line 3");
    expect(format!("{}\n{}\n", lines[0], "x".repeat(ecert_hub::log::export::MAX_EXPORT_LINE + 10)), "longer than");
}

#[tokio::test]
async fn events_written_before_the_log_are_added_on_prepare() {
    let f = fixture(12).await;
    sqlx::query("DELETE FROM log_nodes").execute(&f.raw).await.unwrap();
    assert_eq!(f.hub.prepare_log().await.unwrap(), 12);
    let key = vkey(&f.hub);
    let checkpoint = SignedCheckpoint::open(f.hub.sign_checkpoint().await.unwrap().note.as_bytes(), &key).unwrap();
    let proof = f.hub.inclusion_proof(11, None).await.unwrap();
    proof.verify(&leaf_hash(&f.events[11].canonical_bytes()), &checkpoint.root).unwrap();
    drop(f.dir);
}

#[tokio::test]
async fn only_the_operator_requests_a_checkpoint() {
    use ecert_domain::auth::{Credential, Principal};
    use ecert_domain::ids::InstitutionId;
    use ecert_domain::institution::Role;
    let f = fixture(2).await;
    let cab = Principal {
        institution: InstitutionId::new(),
        roles: vec![Role::IssuingCab],
        credential: Credential::LocalAdmin,
    };
    assert!(matches!(f.hub.request_checkpoint(&cab).await, Err(HubError::Forbidden(_))));
    assert_eq!(f.hub.store().latest_checkpoint().await.unwrap(), None);
    let operator = ecert_hub::demo::local_admin(InstitutionId::new());
    assert_eq!(f.hub.request_checkpoint(&operator).await.unwrap().tree_size, 2);
}
