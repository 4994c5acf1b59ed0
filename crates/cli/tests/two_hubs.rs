//! Two hub processes share one database and one data directory (PDF cache, keys). Documents pushed through
//! either are delivered by the workers of both, and every webhook notification arrives exactly once: leased
//! jobs are neither lost nor done twice.
//!
//! On SQLite (one file, two processes) always; on PostgreSQL with the `postgres-tests` feature and
//! `ECERT_TEST_DATABASE_URL` (an admin URL; a fresh database is created), as `.ci/run` does. Under that feature a
//! missing URL fails the test: a missing server is a failure, not a skip.

use axum::body::Bytes;
use axum::http::HeaderMap;
use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Hub {
    child: Child,
    base: String,
    keys: Vec<String>,
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(config: &Path, demo: bool) -> Hub {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecert"));
    cmd.env("ECERT_LOG", "warn")
        .env_remove("ECERT_LISTEN")
        .env_remove("ECERT_DATA_DIR")
        .env_remove("ECERT_DATABASE_URL")
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(config)
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
            std::thread::spawn(move || for _ in lines {});
            return hub;
        }
    }
}

#[derive(Default)]
struct Received {
    notifications: Vec<(String, String)>,
}

/// A receiver's legacy system: accepts notifications after a short delay, so both hubs' workers have work in
/// flight at the same time.
async fn webhook_receiver() -> (String, Arc<Mutex<Received>>) {
    let received: Arc<Mutex<Received>> = Arc::default();
    let state = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let state = state.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(50)).await;
                let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                let id = headers.get("ecert-notification-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
                let exchange = json["exchange"].as_str().unwrap_or_default().to_owned();
                state.lock().unwrap().notifications.push((id, exchange));
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

fn signed_upload(creds: &ecert_pki::keys::SignerCredentials, i: usize) -> reqwest::blocking::multipart::Form {
    use ecert_pdf::samples::{DocumentKind, SampleDocument, generate};
    let today = time::OffsetDateTime::now_utc().date();
    let number = format!("KZ-TWO-{i:04}");
    let mut sample = SampleDocument::example(DocumentKind::TestReport);
    sample.number = number.clone();
    sample.hs_codes = vec!["8471.30".into()];
    sample.issue_date = today;
    let pdf = ecert_pdf::sign::sign_pdf(&generate(&sample), &ecert_pdf::sign::SignOptions::new(creds)).unwrap();
    let metadata = serde_json::json!({
        "document_number": number, "document_type": "TR", "hs_codes": ["8471.30"],
        "product_description": "Portable automatic data-processing machines",
        "issue_date": today.to_string(), "valid_until": (today + time::Duration::days(365)).to_string(),
        "destination_country": "UZ",
    });
    reqwest::blocking::multipart::Form::new()
        .part("metadata", reqwest::blocking::multipart::Part::text(metadata.to_string()).mime_str("application/json").unwrap())
        .part("pdf", reqwest::blocking::multipart::Part::bytes(pdf).file_name("doc.pdf").mime_str("application/pdf").unwrap())
}

#[test]
fn two_processes_on_sqlite_deliver_every_notification_exactly_once() {
    two_processes_deliver_every_notification_exactly_once(None);
}

#[cfg(feature = "postgres-tests")]
#[test]
fn two_processes_on_postgres_deliver_every_notification_exactly_once() {
    let admin_url = std::env::var("ECERT_TEST_DATABASE_URL")
        .expect("ECERT_TEST_DATABASE_URL must point at a PostgreSQL server (run through .ci/run)");
    let name = format!("ecert_two_hubs_{}", std::process::id());
    let database_url = tokio::runtime::Runtime::new().unwrap().block_on(async {
        use sqlx::Connection;
        let mut admin = sqlx::PgConnection::connect(&admin_url).await.expect("connect to PostgreSQL");
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&mut admin).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.unwrap();
        let (prefix, _) = admin_url.rsplit_once('/').unwrap();
        format!("{prefix}/{name}")
    });
    two_processes_deliver_every_notification_exactly_once(Some(database_url));
}

fn two_processes_deliver_every_notification_exactly_once(database_url: Option<String>) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (hook_url, received) = runtime.block_on(webhook_receiver());

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("shared-data");
    let config = dir.path().join("hub.toml");
    let database = database_url.as_ref().map(|url| format!("database_url = {url:?}\n")).unwrap_or_default();
    std::fs::write(
        &config,
        format!("data_dir = {data:?}\n{database}[exchange]\nallow_insecure_webhooks = true\nworker_poll_interval_ms = 50\n"),
    )
    .unwrap();
    let first = start(&config, true);
    let second = start(&config, false);
    let (cab_key, receiver_key) = (first.keys[1].clone(), first.keys[2].clone());
    let client = reqwest::blocking::Client::new();
    let r = client
        .post(format!("{}/api/v1/webhooks", second.base))
        .bearer_auth(&receiver_key)
        .json(&serde_json::json!({ "url": hook_url }))
        .send()
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().unwrap_or_default());

    let p12 = std::fs::read(data.join("demo-pki").join("signer-valid-rsa.p12")).unwrap();
    let creds = ecert_pki::keys::SignerCredentials::from_pkcs12(&p12, "demo").unwrap();
    const DOCUMENTS: usize = 40;
    let mut exchanges = HashSet::new();
    for i in 0..DOCUMENTS {
        let hub = if i % 2 == 0 { &first } else { &second };
        let r = client.post(format!("{}/api/v1/documents", hub.base)).bearer_auth(&cab_key).multipart(signed_upload(&creds, i)).send().unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().unwrap_or_default());
        let body: serde_json::Value = r.json().unwrap();
        for x in body["exchanges"].as_array().unwrap() {
            exchanges.insert(x["id"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(exchanges.len(), DOCUMENTS, "one receiver per document");

    let deadline = Instant::now() + Duration::from_secs(90);
    while received.lock().unwrap().notifications.len() < DOCUMENTS && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    // Time for a duplicate to show up, if either worker were to send one.
    std::thread::sleep(Duration::from_secs(3));
    let notifications = received.lock().unwrap().notifications.clone();
    let ids: HashSet<&String> = notifications.iter().map(|(id, _)| id).collect();
    let notified: HashSet<String> = notifications.iter().map(|(_, x)| x.clone()).collect();
    assert_eq!(notifications.len(), DOCUMENTS, "notifications: {notifications:?}");
    assert_eq!(ids.len(), DOCUMENTS, "a notification id arrived twice");
    assert_eq!(notified, exchanges, "every exchange notified exactly once");

    // Both processes see every exchange DELIVERED, and no job is left behind.
    for hub in [&first, &second] {
        let page: serde_json::Value = client
            .get(format!("{}/api/v1/exchanges?limit=500", hub.base))
            .bearer_auth(&receiver_key)
            .send()
            .unwrap()
            .json()
            .unwrap();
        let delivered = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| exchanges.contains(x["exchange"]["id"].as_str().unwrap()))
            .inspect(|x| assert_eq!(x["exchange"]["status"], "DELIVERED", "{x}"))
            .count();
        assert_eq!(delivered, DOCUMENTS);
    }
    let pending: i64 = runtime.block_on(async {
        use sqlx::Connection;
        let query = "SELECT COUNT(*) FROM jobs WHERE kind = 'notify'";
        match &database_url {
            Some(url) => {
                let mut db = sqlx::PgConnection::connect(url).await.unwrap();
                sqlx::query_scalar(query).fetch_one(&mut db).await.unwrap()
            }
            None => {
                let url = format!("sqlite://{}?mode=ro", data.join("hub.sqlite3").display());
                let mut db = sqlx::SqliteConnection::connect(&url).await.unwrap();
                sqlx::query_scalar(query).fetch_one(&mut db).await.unwrap()
            }
        }
    });
    assert_eq!(pending, 0, "notify jobs left in the table");
    drop((first, second));
}
