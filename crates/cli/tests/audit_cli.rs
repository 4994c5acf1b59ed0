//! `ecert audit export` and `ecert audit verify` as a user runs them: exit codes and the leaf they name.

use ecert_domain::audit::{AuditEvent, EventType};
use ecert_hub::{DEFAULT_LOG_ORIGIN, Hub, load_or_create_log_key};
use ecert_translog::{Checkpoint, LogSigner};
use std::path::Path;
use std::process::{Command, Output};
use time::macros::datetime;

fn ecert(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecert")).args(args).env("ECERT_LOG", "warn").output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn event(n: u64) -> AuditEvent {
    let mut e = AuditEvent::new(EventType::OperatorBootstrapped, datetime!(2026-05-01 0:00 UTC));
    e.subjects = vec![format!("cli:{n}")];
    e
}

fn write(dir: &Path, name: &str, body: impl AsRef<[u8]>) -> String {
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    path.display().to_string()
}

#[tokio::test]
async fn export_verify_and_tamper_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_arg = data.display().to_string();
    let store = ecert_store::open(None, &data).await.unwrap();
    let exchange = ecert_hub::ExchangeServices::for_data_dir(&data, Default::default()).unwrap();
    let hub = Hub::new(store, load_or_create_log_key(&data, DEFAULT_LOG_ORIGIN).unwrap(), exchange);
    let events: Vec<AuditEvent> = (0..30).map(event).collect();
    hub.store().append_audit_events(&events[..10]).await.unwrap();
    let old = hub.sign_checkpoint().await.unwrap();
    hub.store().append_audit_events(&events[10..]).await.unwrap();
    let new = hub.sign_checkpoint().await.unwrap();
    let vkey = hub.log_verifier_key();
    let key_file = write(dir.path(), "log.vkey", format!("{vkey}\n"));

    // Full export: valid with the published key.
    let export = dir.path().join("log.jsonl").display().to_string();
    let o = ecert(&["audit", "export", "--data-dir", &data_arg, "--out", &export]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = ecert(&["audit", "verify", "--key", &key_file, "--export", &export]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(stdout(&o).contains("verdict: VALID"));

    // Checkpoint signature, inclusion and consistency proofs as the API serves them.
    let cp_new = write(dir.path(), "new.note", &new.note);
    let cp_old = write(dir.path(), "old.note", &old.note);
    let o = ecert(&["audit", "verify", "--key", &vkey, "--checkpoint", &cp_new]);
    assert!(o.status.success() && stdout(&o).contains("size 30"), "{}", stdout(&o));
    let proof = serde_json::to_string(&hub.inclusion_proof(12, None).await.unwrap()).unwrap();
    let proof_file = write(dir.path(), "inclusion.json", proof);
    let event_file = write(dir.path(), "event.json", serde_json::to_vec(&events[12]).unwrap());
    let o = ecert(&[
        "audit",
        "verify",
        "--key",
        &vkey,
        "--checkpoint",
        &cp_new,
        "--inclusion",
        &proof_file,
        "--event",
        &event_file,
    ]);
    assert!(o.status.success(), "{}", stdout(&o));
    let other_event = write(dir.path(), "other.json", serde_json::to_vec(&events[13]).unwrap());
    let o = ecert(&[
        "audit",
        "verify",
        "--key",
        &vkey,
        "--checkpoint",
        &cp_new,
        "--inclusion",
        &proof_file,
        "--event",
        &other_event,
    ]);
    assert!(!o.status.success() && stdout(&o).contains("inclusion proof: INVALID"), "{}", stdout(&o));
    let o = ecert(&[
        "audit",
        "verify",
        "--key",
        &vkey,
        "--checkpoint",
        &cp_old,
        "--inclusion",
        &proof_file,
        "--event",
        &event_file,
    ]);
    assert!(!o.status.success() && stdout(&o).contains("tree size 30"), "{}", stdout(&o));
    let consistency = serde_json::to_string(&hub.consistency_proof(10, None).await.unwrap()).unwrap();
    let consistency_file = write(dir.path(), "consistency.json", consistency);
    let o = ecert(&[
        "audit",
        "verify",
        "--key",
        &vkey,
        "--checkpoint",
        &cp_new,
        "--old-checkpoint",
        &cp_old,
        "--consistency",
        &consistency_file,
    ]);
    assert!(o.status.success(), "{}", stdout(&o));
    let o = ecert(&[
        "audit",
        "verify",
        "--key",
        &vkey,
        "--checkpoint",
        &cp_old,
        "--old-checkpoint",
        &cp_new,
        "--consistency",
        &consistency_file,
    ]);
    assert!(!o.status.success(), "{}", stdout(&o));

    // A forged checkpoint: the verifier says so and exits non-zero.
    let (forger, _) = LogSigner::generate(DEFAULT_LOG_ORIGIN).unwrap();
    let root = hub.log_root(30).await.unwrap();
    let forged =
        write(dir.path(), "forged.note", Checkpoint::new(DEFAULT_LOG_ORIGIN, 30, root).sign(&forger).unwrap().encode());
    let o = ecert(&["audit", "verify", "--key", &vkey, "--checkpoint", &forged]);
    assert!(!o.status.success() && stdout(&o).contains("checkpoint: INVALID"), "{}", stdout(&o));

    // Tamper with an event row directly in SQLite: the export's verification names leaf 21.
    let raw = sqlx::SqlitePool::connect(&format!("sqlite://{}", data.join("hub.sqlite3").display())).await.unwrap();
    sqlx::query("UPDATE audit_events SET leaf = $1 WHERE seq = 21")
        .bind(event(999).canonical_bytes())
        .execute(&raw)
        .await
        .unwrap();
    let o = ecert(&["audit", "export", "--data-dir", &data_arg, "--out", &export]);
    assert!(o.status.success());
    let o = ecert(&["audit", "verify", "--key", &key_file, "--export", &export]);
    assert!(!o.status.success());
    assert!(stdout(&o).contains("first at leaf 21") && stdout(&o).contains("verdict: INVALID"), "{}", stdout(&o));

    // Exporting from a directory without the log key refuses rather than minting one.
    let empty = dir.path().join("empty").display().to_string();
    let o = ecert(&["audit", "export", "--data-dir", &empty, "--out", &export]);
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("no audit log key"));
    let o = ecert(&["audit", "verify", "--key", "garbage", "--checkpoint", &cp_new]);
    assert!(!o.status.success() && stdout(&o).contains("key: INVALID"));
}
