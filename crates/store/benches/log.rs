//! Transparency-log benchmarks on SQLite (issue 5 targets: 20,000 appends/s in batches, inclusion proofs < 1 ms,
//! at 1,000,000 leaves).
//!
//! Setup fills a fresh database with `ECERT_BENCH_LEAVES` events (default 1,000,000) in batches of 10,000 and
//! prints the bulk rate; criterion then measures, on that full tree, a batch append of 1,000 events, a single
//! audited append, and inclusion and consistency proofs (plan, one batched node read, assembly).
//!
//! Run: `cargo bench -p ecert-store --bench log`

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use ecert_domain::audit::{AuditEvent, Digest, EventType};
use ecert_domain::ids::InstitutionId;
use ecert_store::{AuditLogStore, SqliteStore, Store};
use ecert_translog::{consistency_plan, inclusion_plan};
use std::time::Instant;
use time::macros::datetime;

const FILL_BATCH: u64 = 10_000;

fn event(n: u64, actor: InstitutionId) -> AuditEvent {
    let mut e = AuditEvent::new(EventType::CertificateRegistered, datetime!(2026-01-01 0:00 UTC));
    e.actor = Some(actor);
    e.credential = format!("api_key:{}", uuid::Uuid::now_v7());
    e.subject_institution = Some(actor);
    e.subjects = vec![format!("certificate:{n:016}")];
    e.after = Some(Digest([(n % 251) as u8; 32]));
    e.time_ms += n as i64;
    e
}

fn bench_log(c: &mut Criterion) {
    let leaves: u64 = std::env::var("ECERT_BENCH_LEAVES").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = rt.block_on(SqliteStore::open(&dir.path().join("bench.sqlite3"))).unwrap();
    let actor = InstitutionId::new();

    let started = Instant::now();
    let mut n = 0;
    while n < leaves {
        let batch: Vec<AuditEvent> = (n..(n + FILL_BATCH).min(leaves)).map(|i| event(i, actor)).collect();
        rt.block_on(store.append_audit_events(&batch)).unwrap();
        n += batch.len() as u64;
    }
    let secs = started.elapsed().as_secs_f64();
    println!("fill: {leaves} leaves in batches of {FILL_BATCH}: {secs:.1} s, {:.0} appends/s", leaves as f64 / secs);

    let mut group = c.benchmark_group(format!("log_sqlite_{leaves}"));
    group.sample_size(10);
    group.throughput(Throughput::Elements(1_000));
    let mut next = leaves;
    group.bench_function("append_batch_1000", |b| {
        b.iter_batched(
            || {
                let batch: Vec<AuditEvent> = (next..next + 1_000).map(|i| event(i, actor)).collect();
                next += 1_000;
                batch
            },
            |batch| rt.block_on(store.append_audit_events(&batch)).unwrap(),
            BatchSize::PerIteration,
        )
    });
    group.throughput(Throughput::Elements(1));
    group.bench_function("append_single", |b| {
        b.iter_batched(
            || {
                next += 1;
                event(next, actor)
            },
            |e| rt.block_on(store.append_audit_event(&e)).unwrap(),
            BatchSize::PerIteration,
        )
    });
    group.finish();

    let mut group = c.benchmark_group(format!("log_sqlite_{leaves}"));
    let size = rt.block_on(store.log_size()).unwrap();
    let mut index = 0u64;
    group.bench_function("inclusion_proof", |b| {
        b.iter(|| {
            // A different leaf each time, spread over the tree, so no single path stays cached.
            index = (index + 7_919) % size;
            let plan = inclusion_plan(index, size).unwrap();
            let nodes = rt.block_on(store.log_nodes(plan.node_ids())).unwrap();
            plan.assemble(&nodes).unwrap()
        })
    });
    let mut first = 1u64;
    group.bench_function("consistency_proof", |b| {
        b.iter(|| {
            first = (first + 7_919) % (size - 1) + 1;
            let plan = consistency_plan(first, size).unwrap();
            let nodes = rt.block_on(store.log_nodes(plan.node_ids())).unwrap();
            plan.assemble(&nodes).unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_log);
criterion_main!(benches);
