//! Reads every file of the shared PAdES corpus: files expected `intact` must parse with all their
//! revisions and signature fields; every file must give Ok or an error quickly and without panicking.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use ecert_pdf::{Document, ObjId, scan_object_headers};

fn corpus_dir() -> PathBuf {
    let base = std::env::var_os("ECERT_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    base.join("corpus/pades")
}

/// Walks everything the validator will ask of the parser; returns a one-line summary.
fn walk(bytes: &[u8]) -> Result<String, ecert_pdf::PdfError> {
    let doc = Document::parse(bytes)?;
    let latest = doc.latest();
    let mut signed = 0;
    for rev in 0..doc.revisions().len() {
        doc.pages(rev)?;
        signed = doc.signature_fields(rev)?.iter().filter(|s| s.signature.is_some()).count();
        doc.doc_mdp(rev)?;
    }
    let headers = scan_object_headers(bytes);
    for header in &headers {
        // Objects named by raw headers may be stale or unreferenced; lookups must still not panic.
        let _ = doc.object_in(latest, ObjId::new(header.id.num, header.id.generation));
    }
    Ok(format!("{} revisions, {signed} signatures, {} raw headers", doc.revisions().len(), headers.len()))
}

#[test]
fn corpus_files_parse() {
    let dir = corpus_dir();
    let manifest = std::fs::read_to_string(dir.join("manifest.tsv"))
        .unwrap_or_else(|e| panic!("shared corpus missing at {}: {e}", dir.display()));
    let (mut ok, mut failed) = (0, Vec::new());
    for line in manifest.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let mut cols = line.split('\t');
        let (Some(file), Some(expect)) = (cols.next(), cols.next()) else { panic!("bad manifest line {line:?}") };
        let bytes = std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let started = Instant::now();
        let outcome = std::panic::catch_unwind(|| walk(&bytes));
        let elapsed = started.elapsed();
        let verdict = match &outcome {
            Ok(Ok(summary)) => format!("ok   {summary}"),
            Ok(Err(e)) => format!("err  {e}"),
            Err(_) => "PANIC".to_string(),
        };
        println!("{file}\t{expect}\t{:.1} ms\t{verdict}", elapsed.as_secs_f64() * 1000.0);
        let bad = outcome.is_err()
            || elapsed > Duration::from_secs(2)
            || (expect == "intact" && !matches!(outcome, Ok(Ok(_))));
        if bad {
            failed.push(file.to_string());
        } else {
            ok += 1;
        }
    }
    println!("{ok} passed, {} failed", failed.len());
    assert!(failed.is_empty(), "failed: {failed:#?}");
}
