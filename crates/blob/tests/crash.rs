//! Crash safety of the filesystem backend: a writer process is killed with SIGKILL in the middle of a stream
//! of puts. Every put that returned (the point where the hub answers 2xx) must be complete and verifiable
//! afterwards, and no blob may be visible half-written. The writer also deletes older blobs as it goes, as a
//! Model A hub does, so the kill may also land in a delete: no acknowledged delete may be undone.
//!
//! The test re-runs its own binary as the writer (selected by an environment variable), so it needs no helper
//! binary; the target has `harness = false` and this file's `main` chooses the role.

use bytes::Bytes;
use ecert_blob::{BlobKey, BlobStore, FsBlobStore, ReadOptions, Sha256Digest};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use time::{Duration, OffsetDateTime};

const WRITER_ENV: &str = "ECERT_BLOB_CRASH_WRITER_DIR";
const LIMIT: u64 = 4 * 1024 * 1024;

fn content_for(i: u32) -> Bytes {
    // 200 KB, like a signed PDF, distinct per blob.
    let seed = i.to_be_bytes();
    Bytes::from((0..200_000u32).map(|n| seed[(n % 4) as usize] ^ (n as u8)).collect::<Vec<u8>>())
}

/// How many blobs the writer keeps before deleting the oldest.
const KEPT: u32 = 8;

/// The writer: puts blobs forever, reporting each key on stdout once `put` has returned, and deletes the blob
/// `KEPT` puts back, reporting that once `delete` has returned.
async fn crash_writer(dir: String) {
    let store = FsBlobStore::open(dir, LIMIT).unwrap();
    let mut out = std::io::stdout().lock();
    for i in 0.. {
        let key = BlobKey::parse(&format!("doc-{i}")).unwrap();
        store.put(&key, content_for(i)).await.unwrap();
        writeln!(out, "ACK doc-{i}").unwrap();
        out.flush().unwrap();
        if let Some(old) = i.checked_sub(KEPT) {
            assert!(store.delete(&BlobKey::parse(&format!("doc-{old}")).unwrap()).await.unwrap());
            writeln!(out, "DEL doc-{old}").unwrap();
            out.flush().unwrap();
        }
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    if let Ok(dir) = std::env::var(WRITER_ENV) {
        runtime.block_on(crash_writer(dir));
        return;
    }
    runtime.block_on(acknowledged_puts_survive_sigkill());
    println!("test acknowledged_puts_survive_sigkill ... ok");
    println!("crash: 1 passed, 0 failed");
}

async fn acknowledged_puts_survive_sigkill() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cache");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env(WRITER_ENV, &dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (mut acknowledged, mut deleted) = (Vec::new(), Vec::new());
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    while acknowledged.len() < 60 {
        let line = lines.next().expect("the writer stopped early").unwrap();
        if let Some(k) = line.strip_prefix("ACK ") {
            acknowledged.push(k.to_owned());
        } else if let Some(k) = line.strip_prefix("DEL ") {
            deleted.push(k.to_owned());
        }
    }
    child.kill().unwrap(); // SIGKILL on Unix: no destructor, no flush, mid-write.
    child.wait().unwrap();
    assert!(deleted.len() >= 40, "the kill came after many deletes");
    // The delete that follows the last acknowledged put may have happened without being reported: that blob
    // may be gone or whole, like any unacknowledged operation (the check of every visible blob below covers it).
    let index = |k: &str| k.trim_start_matches("doc-").parse::<u32>().unwrap();
    let last_put = acknowledged.iter().map(|k| index(k)).max().unwrap();
    let maybe_deleted = last_put.checked_sub(KEPT).map(|i| format!("doc-{i}"));
    acknowledged.retain(|k| !deleted.contains(k) && Some(k) != maybe_deleted.as_ref());

    let store = FsBlobStore::open(&dir, LIMIT).unwrap();
    for k in &deleted {
        assert!(!store.exists(&BlobKey::parse(k).unwrap()).await.unwrap(), "{k} was deleted but came back");
    }
    for k in &acknowledged {
        let i = index(k);
        let read = store.get_bytes(&BlobKey::parse(k).unwrap(), ReadOptions::default()).await.unwrap();
        assert_eq!(Sha256Digest::of(&read), Sha256Digest::of(&content_for(i)), "{k} was acknowledged but differs");
    }
    // Whatever else is visible (a put that finished after the last report) must be whole as well.
    let visible = store.list_older_than(OffsetDateTime::now_utc() + Duration::hours(1), usize::MAX).await.unwrap();
    assert!(visible.len() >= acknowledged.len());
    for key in &visible {
        store.get_bytes(key, ReadOptions::default()).await.unwrap_or_else(|e| panic!("{key} is half-stored: {e}"));
    }
    // At most the one interrupted temp file remains, and it is cleaned up.
    let removed = store.remove_stale_temp_files(OffsetDateTime::now_utc() + Duration::hours(1)).await.unwrap();
    assert!(removed <= 1, "{removed} temp files left behind");
}
