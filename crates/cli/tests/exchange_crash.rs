//! Durability of pushes: `kill -9` the hub while several clients upload, restart it, and check that every upload
//! the hub answered 2xx is complete (metadata, report, exchanges) and its PDF retrievable byte for byte, and that
//! no document is half-stored.

use aws_lc_rs::digest::{SHA256, digest};
use ecert_pdf::samples::{DocumentKind, SampleDocument, generate};
use ecert_pdf::sign::{SignOptions, sign_pdf};
use ecert_pki::keys::SignerCredentials;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Hub {
    child: Child,
    base: String,
    /// Demo API keys, printed on the first start only.
    keys: Vec<String>,
}

fn start(data: &Path, demo: bool) -> Hub {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecert"));
    cmd.env("ECERT_LOG", "off")
        .env_remove("ECERT_LISTEN")
        .env_remove("ECERT_DATABASE_URL")
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .stdout(Stdio::piped());
    if demo {
        cmd.arg("--demo");
    }
    // Owned by `Hub` from the start, so every path (including a panic below) kills and reaps the process.
    let mut hub = Hub { child: cmd.spawn().unwrap(), base: String::new(), keys: Vec::new() };
    let mut lines = BufReader::new(hub.child.stdout.take().unwrap()).lines();
    loop {
        let line = lines.next().expect("the hub exited before listening").unwrap();
        hub.keys.extend(line.split_whitespace().filter(|w| w.starts_with("ecert_")).map(str::to_owned));
        if line.contains("listening on") {
            hub.base = line.split_whitespace().find(|w| w.starts_with("http://")).unwrap().to_owned();
            // Keep draining stdout so the hub never blocks on a full pipe.
            std::thread::spawn(move || for _ in lines {});
            return hub;
        }
    }
}

fn signed_document(creds: &SignerCredentials, i: usize) -> (serde_json::Value, Vec<u8>) {
    let today = time::OffsetDateTime::now_utc().date();
    let number = format!("KZ-CRASH-{i:05}");
    let mut sample = SampleDocument::example(DocumentKind::TestReport);
    sample.number = number.clone();
    sample.hs_codes = vec!["8471.30".into()];
    sample.issue_date = today;
    sample.valid_until = Some(today + time::Duration::days(365));
    let pdf = sign_pdf(&generate(&sample), &SignOptions::new(creds)).unwrap();
    let metadata = serde_json::json!({
        "document_number": number,
        "document_type": "TR",
        "hs_codes": ["8471.30"],
        "product_description": "Portable automatic data-processing machines",
        "issue_date": today.to_string(),
        "valid_until": (today + time::Duration::days(365)).to_string(),
        "destination_country": "UZ",
    });
    (metadata, pdf)
}

fn push(client: &reqwest::blocking::Client, base: &str, key: &str, metadata: &serde_json::Value, pdf: &[u8]) -> reqwest::Result<reqwest::blocking::Response> {
    let form = reqwest::blocking::multipart::Form::new()
        .part("metadata", reqwest::blocking::multipart::Part::text(metadata.to_string()).mime_str("application/json")?)
        .part("pdf", reqwest::blocking::multipart::Part::bytes(pdf.to_vec()).file_name("doc.pdf").mime_str("application/pdf")?);
    client.post(format!("{base}/api/v1/documents")).bearer_auth(key).multipart(form).send()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(digest(&SHA256, bytes).as_ref())
}

#[test]
fn every_acknowledged_upload_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    let mut hub = start(&data, true);
    let (cab_key, receiver_key) = (hub.keys[1].clone(), hub.keys[2].clone());
    let p12 = std::fs::read(data.join("demo-pki").join("signer-valid-rsa.p12")).unwrap();
    let creds = SignerCredentials::from_pkcs12(&p12, "demo").unwrap();
    let documents: Vec<(serde_json::Value, Vec<u8>)> = (0..400).map(|i| signed_document(&creds, i)).collect();
    let documents = Arc::new(documents);

    // Four clients upload as fast as they can; the hub is killed once a few dozen were acknowledged.
    let next = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged: Arc<Mutex<Vec<(usize, String)>>> = Arc::default();
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let (documents, next, stop, acknowledged) = (documents.clone(), next.clone(), stop.clone(), acknowledged.clone());
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
                        Ok(r) => panic!("upload {i} refused before the crash: {} {}", r.status(), r.text().unwrap_or_default()),
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
            assert!(detail["report"].is_object() && !detail["exchanges"].as_array().unwrap().is_empty(), "{id} is half-stored");
            listed += 1;
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    eprintln!("acknowledged {}, attempted {attempted}, stored after restart {listed}", acknowledged.len());
    assert!(listed >= acknowledged.len() && listed <= attempted + 1, "listed {listed}, acknowledged {}, attempted {attempted}", acknowledged.len());
    // An upload cut off by the crash can simply be sent again: it is stored now, or answered as the replay of
    // the copy that committed just before the kill, never refused as a duplicate.
    let unacknowledged = (0..attempted).find(|i| acknowledged.iter().all(|(a, _)| a != i)).unwrap();
    let (metadata, pdf) = &documents[unacknowledged];
    let r = push(&client, &hub.base, &cab_key, metadata, pdf).unwrap();
    assert!(matches!(r.status().as_u16(), 200 | 201), "retry after crash: {} {}", r.status(), r.text().unwrap_or_default());
    drop(hub);
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
