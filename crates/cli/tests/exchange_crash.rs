//! Durability of pushes: `kill -9` the hub while several clients upload, restart it, and check that every upload
//! the hub answered 2xx is complete (metadata, report, exchanges) and its PDF retrievable byte for byte, and that
//! no document is half-stored.

mod support;

use aws_lc_rs::digest::{SHA256, digest};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{HubProcess, demo_signer, push, signed_document};

fn start(data: &Path, demo: bool) -> HubProcess {
    let mut args = vec![std::ffi::OsString::from("--data-dir"), data.as_os_str().to_owned()];
    if demo {
        args.push("--demo".into());
    }
    HubProcess::start(args)
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(digest(&SHA256, bytes).as_ref())
}

#[test]
fn every_acknowledged_upload_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    let mut hub = start(&data, true);
    let (cab_key, receiver_key) = (hub.cab_key().to_owned(), hub.receiver_key().to_owned());
    let creds = demo_signer(&data);
    let documents: Vec<(serde_json::Value, Vec<u8>)> =
        (0..400).map(|i| signed_document(&creds, "KZ-CRASH", i)).collect();
    let documents = Arc::new(documents);

    // Four clients upload as fast as they can; the hub is killed once a few dozen were acknowledged.
    let next = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged: Arc<Mutex<Vec<(usize, String)>>> = Arc::default();
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let (documents, next, stop, acknowledged) =
                (documents.clone(), next.clone(), stop.clone(), acknowledged.clone());
            let (base, key) = (hub.base.clone(), cab_key.clone());
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
                while !stop.load(Ordering::SeqCst) {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some((metadata, pdf)) = documents.get(i) else { break };
                    match push(&client, &base, &key, metadata, pdf) {
                        Ok(r) if r.status().is_success() => {
                            let body: serde_json::Value = r.json().unwrap();
                            let id = body["document"]["id"].as_str().unwrap().to_owned();
                            acknowledged.lock().unwrap().push((i, id));
                        }
                        Ok(r) => panic!(
                            "upload {i} refused before the crash: {} {}",
                            r.status(),
                            r.text().unwrap_or_default()
                        ),
                        // The kill: a reset connection is an upload the hub never acknowledged.
                        Err(_) => break,
                    }
                }
            })
        })
        .collect();
    let started = Instant::now();
    while acknowledged.lock().unwrap().len() < 40 && started.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(5));
    }
    hub.child.kill().unwrap(); // SIGKILL: no shutdown hook runs
    hub.child.wait().unwrap();
    stop.store(true, Ordering::SeqCst);
    for c in clients {
        c.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 40, "only {} uploads were acknowledged before the deadline", acknowledged.len());
    let attempted = next.load(Ordering::SeqCst).min(documents.len());

    let hub = start(&data, false);
    let client = reqwest::blocking::Client::new();
    let get = |path: &str, key: &str| {
        let r = client.get(format!("{}{path}", hub.base)).bearer_auth(key).send().unwrap();
        assert_eq!(r.status(), 200, "{path}");
        r
    };
    // Every acknowledged upload is there, complete, and its PDF is the one uploaded.
    for (i, id) in &acknowledged {
        let (metadata, pdf) = &documents[*i];
        let detail: serde_json::Value = get(&format!("/api/v1/documents/{id}"), &cab_key).json().unwrap();
        assert_eq!(detail["document"]["metadata"]["document_number"], metadata["document_number"]);
        assert_eq!(detail["document"]["pdf_sha256"], sha256_hex(pdf));
        assert!(detail["report"].is_object(), "evidence of {id} is missing");
        let exchanges = detail["exchanges"].as_array().unwrap();
        assert!(!exchanges.is_empty(), "{id} has no exchange");
        let exchange = exchanges[0]["id"].as_str().unwrap();
        let downloaded = get(&format!("/api/v1/exchanges/{exchange}/pdf"), &receiver_key).bytes().unwrap();
        assert_eq!(sha256_hex(&downloaded), sha256_hex(pdf), "PDF of {id} differs after the crash");
    }
    // No document is half-stored: whatever committed (acknowledged or not) is complete; the rest left nothing.
    let mut cursor: Option<String> = None;
    let mut listed = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/documents?limit=100&after={c}"),
            None => "/api/v1/documents?limit=100".to_owned(),
        };
        let page: serde_json::Value = get(&path, &cab_key).json().unwrap();
        for d in page["items"].as_array().unwrap() {
            let id = d["id"].as_str().unwrap();
            let detail: serde_json::Value = get(&format!("/api/v1/documents/{id}"), &cab_key).json().unwrap();
            assert!(
                detail["report"].is_object() && !detail["exchanges"].as_array().unwrap().is_empty(),
                "{id} is half-stored"
            );
            listed += 1;
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    eprintln!("acknowledged {}, attempted {attempted}, stored after restart {listed}", acknowledged.len());
    assert!(
        listed >= acknowledged.len() && listed <= attempted + 1,
        "listed {listed}, acknowledged {}, attempted {attempted}",
        acknowledged.len()
    );
    // An upload cut off by the crash can simply be sent again: it is stored now, or answered as the replay of
    // the copy that committed just before the kill, never refused as a duplicate.
    let unacknowledged = (0..attempted).find(|i| acknowledged.iter().all(|(a, _)| a != i)).unwrap();
    let (metadata, pdf) = &documents[unacknowledged];
    let r = push(&client, &hub.base, &cab_key, metadata, pdf).unwrap();
    assert!(
        matches!(r.status().as_u16(), 200 | 201),
        "retry after crash: {} {}",
        r.status(),
        r.text().unwrap_or_default()
    );
    drop(hub);
}
