//! The transparency-log suite, run against every backend (SQLite in `log_sqlite.rs`, PostgreSQL in
//! `log_postgres.rs`). Each backend supplies a fresh store and a raw SQL handle for the tamper tests.

use ecert_domain::audit::{AuditEvent, EventType};
use ecert_store::log::{MAX_NODE_READ, StoredCheckpoint};
use ecert_store::{Country, Store, StoreError};
use ecert_translog::{
    Checkpoint, CheckpointStatus, ExportedLeaf, Hash, InclusionProof, LogSigner, MemoryTree, NodeId, NodeReader,
    RootAccumulator, SignedCheckpoint, consistency_plan, inclusion_plan, leaf_hash, root_plan, verify_consistency,
    verify_export, verify_inclusion,
};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use time::macros::datetime;

/// Direct SQL on the store's database, bypassing the store: how an attacker (or a broken tool) edits rows.
pub trait RawSql {
    fn exec<'a>(&'a self, sql: &'a str) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>>;
    /// True for PostgreSQL, whose blob literals differ from SQLite's.
    fn is_postgres(&self) -> bool;
}

pub fn event(n: u64) -> AuditEvent {
    let mut e = AuditEvent::new(EventType::OperatorBootstrapped, datetime!(2026-01-01 0:00 UTC));
    e.subjects = vec![format!("test:{n}")];
    e
}

async fn root_of(store: &dyn Store, size: u64) -> Hash {
    let plan = root_plan(size).unwrap();
    let fetched = store.log_nodes(plan.node_ids()).await.unwrap();
    plan.assemble(&fetched).unwrap().first().copied().unwrap_or_else(ecert_translog::empty_root)
}

async fn export_all(store: &dyn Store) -> Result<Vec<ExportedLeaf>, StoreError> {
    let mut out: Vec<ExportedLeaf> = Vec::new();
    loop {
        let page = store.export_leaves(out.len() as u64, 700).await?;
        if page.is_empty() {
            return Ok(out);
        }
        out.extend(page);
    }
}

fn memory_tree(events: &[AuditEvent]) -> MemoryTree {
    let mut tree = MemoryTree::new();
    tree.append_data(events.iter().map(AuditEvent::canonical_bytes)).unwrap();
    tree
}

/// Batches, single appends and audited writes all become leaves; the stored nodes give the same roots and proofs
/// as an independent in-memory tree at every size.
pub async fn appends_build_the_rfc9162_tree(store: Arc<dyn Store>) {
    assert_eq!(store.log_size().await.unwrap(), 0);
    assert_eq!(root_of(&*store, 0).await, ecert_translog::empty_root());
    let mut events: Vec<AuditEvent> = (0..2_345).map(event).collect();
    // One batch larger than an insert chunk, then single appends that land on odd sizes.
    let receipts = store.append_audit_events(&events).await.unwrap();
    assert_eq!(receipts.first().unwrap().leaf_index, 0);
    assert_eq!(receipts.last().unwrap().leaf_index, 2_344);
    assert!(store.append_audit_events(&[]).await.unwrap().is_empty());
    for n in 2_345..2_350 {
        let e = event(n);
        assert_eq!(store.append_audit_event(&e).await.unwrap().leaf_index, n);
        events.push(e);
    }
    // An audited registry write appends its event too.
    let country =
        Country { code: "CH".parse().unwrap(), name: "Switzerland".into(), created_at: datetime!(2026-01-01 0:00 UTC) };
    let e = event(9_999);
    assert_eq!(store.insert_country(&country, &e).await.unwrap().leaf_index, 2_350);
    events.push(e.clone());
    // A failed write stores neither its change nor its leaf.
    assert!(matches!(store.insert_country(&country, &event(10_000)).await, Err(StoreError::Conflict(_))));
    let size = store.log_size().await.unwrap();
    assert_eq!(size, 2_351);

    let mem = memory_tree(&events);
    for s in [1, 2, 3, 1_000, 1_024, 2_048, 2_345, 2_349, size] {
        assert_eq!(root_of(&*store, s).await, ecert_translog::root(&mem, s).unwrap(), "root at size {s}");
    }
    for (index, s) in [(0, size), (1_234, 2_000), (size - 1, size), (2_344, 2_345)] {
        let plan = inclusion_plan(index, s).unwrap();
        let proof = plan.assemble(&store.log_nodes(plan.node_ids()).await.unwrap()).unwrap();
        let leaf = leaf_hash(&events[index as usize].canonical_bytes());
        verify_inclusion(&leaf, index, s, &proof, &root_of(&*store, s).await).unwrap();
    }
    for (first, second) in [(1, size), (1_000, 2_345), (2_048, size), (7, 8)] {
        let plan = consistency_plan(first, second).unwrap();
        let proof = plan.assemble(&store.log_nodes(plan.node_ids()).await.unwrap()).unwrap();
        verify_consistency(first, second, &proof, &root_of(&*store, first).await, &root_of(&*store, second).await)
            .unwrap();
    }
    // The generic proof builder agrees with the memory tree's.
    let expected = InclusionProof::generate(&mem, 77, size).unwrap();
    let plan = inclusion_plan(77, size).unwrap();
    assert_eq!(plan.assemble(&store.log_nodes(plan.node_ids()).await.unwrap()).unwrap(), expected.hashes);

    // Reads outside the tree, or absurdly large ones, are refused rather than answered.
    let beyond = store.log_nodes(&[NodeId::leaf(size)]).await;
    assert!(matches!(&beyond, Err(StoreError::Corrupt(m)) if m.contains("is missing")), "{beyond:?}");
    let too_many = vec![NodeId::leaf(0); MAX_NODE_READ + 1];
    assert!(matches!(store.log_nodes(&too_many).await, Err(StoreError::Corrupt(_))));
    assert!(store.log_nodes(&[]).await.unwrap().is_empty());
    // The memory tree agrees that the last leaf exists and the next does not.
    assert!(mem.nodes(&[NodeId::leaf(size - 1)]).is_ok());
}

/// Checkpoints are kept once per size and listed in order.
pub async fn checkpoints_are_stored_once_per_size(store: Arc<dyn Store>) {
    assert_eq!(store.latest_checkpoint().await.unwrap(), None);
    let make = |size: u64, note: &str| StoredCheckpoint {
        tree_size: size,
        root: leaf_hash(note.as_bytes()),
        note: note.into(),
        created_at: datetime!(2026-01-02 3:04:05.678 UTC),
    };
    for size in [5, 1, 3] {
        assert!(store.insert_checkpoint(&make(size, &format!("note {size}"))).await.unwrap());
    }
    // A second signer racing for the same size loses quietly; the first note stays.
    assert!(!store.insert_checkpoint(&make(3, "other")).await.unwrap());
    assert_eq!(store.latest_checkpoint().await.unwrap(), Some(make(5, "note 5")));
    let all = store.list_checkpoints(None, 10).await.unwrap();
    assert_eq!(all.iter().map(|c| c.tree_size).collect::<Vec<_>>(), vec![1, 3, 5]);
    assert_eq!(all[1].note, "note 3");
    let after = store.list_checkpoints(Some(1), 1).await.unwrap();
    assert_eq!(after, vec![make(3, "note 3")]);
    assert!(store.list_checkpoints(Some(5), 10).await.unwrap().is_empty());
}

fn signed(signer: &LogSigner, size: u64, root: Hash) -> String {
    Checkpoint::new("ecert.test/audit", size, root).sign(signer).unwrap().encode()
}

/// An exported log verifies; editing an event row or a stored leaf hash in the database is reported with the
/// leaf index; editing an interior node breaks proofs against the signed checkpoint.
pub async fn tampering_is_reported_by_leaf_index(store: Arc<dyn Store>, raw: &dyn RawSql) {
    let (signer, _) = LogSigner::generate("ecert.test/audit").unwrap();
    let vkey = signer.verifier_key().clone();
    let events: Vec<AuditEvent> = (0..100).map(event).collect();
    store.append_audit_events(&events).await.unwrap();
    let notes =
        vec![signed(&signer, 50, root_of(&*store, 50).await), signed(&signer, 100, root_of(&*store, 100).await)];

    let report = verify_export(export_all(&*store).await.unwrap(), &notes, &vkey).unwrap();
    assert!(report.is_valid(), "{report}");
    assert_eq!(report.leaf_count, 100);

    // 1. An event row rewritten (still valid JSON: the hub would happily serve it).
    let forged = String::from_utf8(event(7_777).canonical_bytes()).unwrap();
    raw.exec(&format!("UPDATE audit_events SET leaf = CAST('{forged}' AS {}) WHERE seq = 42", blob_type(raw))).await;
    let report = verify_export(export_all(&*store).await.unwrap(), &notes, &vkey).unwrap();
    assert!(!report.is_valid());
    assert_eq!(report.first_bad_leaf.map(|m| m.index), Some(42));
    assert_eq!(report.bad_leaf_count, 1);
    assert!(matches!(report.checkpoints[0].status, CheckpointStatus::RootMismatch { .. }));
    assert!(report.to_string().contains("42"), "{report}");
    raw.exec(&format!(
        "UPDATE audit_events SET leaf = CAST('{}' AS {}) WHERE seq = 42",
        String::from_utf8(events[42].canonical_bytes()).unwrap(),
        blob_type(raw)
    ))
    .await;
    assert!(verify_export(export_all(&*store).await.unwrap(), &notes, &vkey).unwrap().is_valid());

    // 2. A stored leaf hash replaced.
    raw.exec(&format!("UPDATE log_nodes SET hash = {} WHERE lvl = 0 AND idx = 63", hex_literal(raw, &[0xAB; 32])))
        .await;
    let report = verify_export(export_all(&*store).await.unwrap(), &notes, &vkey).unwrap();
    assert_eq!(report.first_bad_leaf.map(|m| m.index), Some(63));
    // The hash is also served in proofs: the proof of leaf 62 no longer reaches the signed root.
    let checkpoint = SignedCheckpoint::open(notes[1].as_bytes(), &vkey).unwrap();
    let plan = inclusion_plan(62, 100).unwrap();
    let proof = plan.assemble(&store.log_nodes(plan.node_ids()).await.unwrap()).unwrap();
    let leaf = leaf_hash(&events[62].canonical_bytes());
    assert!(verify_inclusion(&leaf, 62, 100, &proof, &checkpoint.root).is_err());

    // 3. A stored hash of the wrong length, or a missing one, is an error naming the leaf.
    raw.exec(&format!("UPDATE log_nodes SET hash = {} WHERE lvl = 0 AND idx = 63", hex_literal(raw, &[1; 5]))).await;
    let err = export_all(&*store).await.unwrap_err();
    assert!(matches!(&err, StoreError::Corrupt(m) if m.contains("leaf 63")), "{err}");
    raw.exec("DELETE FROM log_nodes WHERE lvl = 0 AND idx = 63").await;
    let err = export_all(&*store).await.unwrap_err();
    assert!(matches!(&err, StoreError::Corrupt(m) if m.contains("leaf 63")), "{err}");
}

fn blob_type(raw: &dyn RawSql) -> &'static str {
    if is_postgres(raw) { "BYTEA" } else { "BLOB" }
}

fn hex_literal(raw: &dyn RawSql, bytes: &[u8]) -> String {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    if is_postgres(raw) { format!("'\\x{hex}'::bytea") } else { format!("X'{hex}'") }
}

fn is_postgres(raw: &dyn RawSql) -> bool {
    raw.is_postgres()
}

/// A database whose events predate the log gets its tree on catch-up, and appends continue from there.
pub async fn catch_up_builds_missing_leaves(store: Arc<dyn Store>, raw: &dyn RawSql) {
    let mut events: Vec<AuditEvent> = (0..25).map(event).collect();
    store.append_audit_events(&events).await.unwrap();
    assert_eq!(store.log_catch_up().await.unwrap(), 0);
    // As if these events had been written by a hub without the log.
    raw.exec("DELETE FROM log_nodes").await;
    assert!(store.append_audit_event(&event(25)).await.is_err(), "appending onto a missing tree must fail");
    assert_eq!(store.log_catch_up().await.unwrap(), 25);
    assert_eq!(store.log_catch_up().await.unwrap(), 0);
    let e = event(25);
    assert_eq!(store.append_audit_event(&e).await.unwrap().leaf_index, 25);
    events.push(e);
    let mut acc = RootAccumulator::new();
    events.iter().for_each(|e| acc.push(leaf_hash(&e.canonical_bytes())));
    assert_eq!(root_of(&*store, 26).await, acc.root());
    // A gap in the events cannot be papered over.
    raw.exec("DELETE FROM log_nodes").await;
    raw.exec("DELETE FROM audit_events WHERE seq = 3").await;
    let err = store.log_catch_up().await.unwrap_err();
    assert!(matches!(&err, StoreError::Corrupt(m) if m.contains("audit event 3")), "{err}");
}
