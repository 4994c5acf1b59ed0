//! External corpus: every file of shared/corpus/pades/manifest.tsv against its expected integrity
//! verdict. Run with `cargo test -p ecert-verify --features shared-data --test corpus -- --nocapture`.
//! Locates the data via $ECERT_SHARED_DIR or ../../../shared relative to this crate, and fails
//! (does not skip) when it is missing.

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ecert_verify::{Integrity, Report, TrustContext, ValidationPolicy, validate_pdf};

const TIME_LIMIT: Duration = Duration::from_secs(2);
/// Peak resident memory allowed for the whole run (the largest corpus file is a few MB).
const MEMORY_LIMIT_KIB: u64 = 2 * 1024 * 1024;

fn corpus_dir() -> PathBuf {
    let shared = std::env::var_os("ECERT_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    let dir = shared.join("corpus/pades");
    assert!(
        dir.join("manifest.tsv").is_file(),
        "corpus manifest not found at {} (set ECERT_SHARED_DIR)",
        dir.display()
    );
    dir
}

/// Intact: at least one signature and every one cryptographically intact with permitted changes.
fn integrity_intact(r: &Report) -> bool {
    r.document_errors.is_empty()
        && !r.signatures.is_empty()
        && r.signatures.iter().all(|s| s.integrity == Integrity::Intact)
}

fn short(r: &Report) -> String {
    if !r.document_errors.is_empty() {
        return format!("error: {}", r.document_errors.join("; "));
    }
    r.signatures
        .iter()
        .map(|s| {
            let first_reason = s.reasons.first().map(String::as_str).unwrap_or("");
            format!(
                "[{} {}{} {:?} {:?}] {}",
                s.field,
                s.indication.as_str(),
                s.sub_indication.map(|x| format!("/{}", x.as_str())).unwrap_or_default(),
                s.integrity,
                s.modification,
                first_reason
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn corpus_integrity_verdicts() {
    let dir = corpus_dir();
    let manifest = std::fs::read_to_string(dir.join("manifest.tsv")).expect("read manifest");
    let (mut passed, mut failed) = (0usize, 0usize);
    let at = Some(time::OffsetDateTime::now_utc());
    for line in manifest.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let mut cols = line.split('\t');
        let (Some(file), Some(expect)) = (cols.next(), cols.next()) else {
            panic!("malformed manifest line: {line}");
        };
        let bytes = std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let (tx, rx) = mpsc::channel();
        let started = Instant::now();
        std::thread::spawn(move || {
            let outcome = std::panic::catch_unwind(|| {
                validate_pdf(&bytes, &ValidationPolicy::default(), &TrustContext::empty(), at)
            });
            let _ = tx.send(outcome);
        });
        let (ok, detail) = match rx.recv_timeout(TIME_LIMIT) {
            Err(_) => (false, "HANG: no answer within 2 s".to_string()),
            Ok(Err(_)) => (false, "PANIC".to_string()),
            Ok(Ok(report)) => {
                let elapsed = started.elapsed();
                let intact = integrity_intact(&report);
                let verdict_ok = match expect {
                    "intact" => intact,
                    "tampered" => !intact,
                    _ => true,
                };
                let ok = verdict_ok && elapsed <= TIME_LIMIT;
                (
                    ok,
                    format!(
                        "{:>5} ms {} {}",
                        elapsed.as_millis(),
                        if intact { "intact  " } else { "rejected" },
                        short(&report)
                    ),
                )
            }
        };
        if ok {
            passed += 1;
        } else {
            failed += 1;
        }
        println!("{} {expect:<8} {file} {detail}", if ok { "ok  " } else { "FAIL" });
    }
    let peak = peak_rss_kib();
    println!("peak resident memory: {} KiB", peak.map_or("unknown".into(), |p| p.to_string()));
    println!("corpus: {passed} passed, {failed} failed");
    assert_eq!(failed, 0, "{failed} corpus file(s) did not get the expected verdict");
    if let Some(p) = peak {
        assert!(p < MEMORY_LIMIT_KIB, "peak memory {p} KiB over {MEMORY_LIMIT_KIB} KiB");
    }
}
