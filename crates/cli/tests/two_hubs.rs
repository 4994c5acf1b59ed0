//! Two hub processes share one database and one data directory (PDF cache, keys). Documents pushed through
//! either are delivered by the workers of both, and every webhook notification arrives exactly once: leased
//! jobs are neither lost nor done twice.
//!
//! On SQLite (one file, two processes) always; on PostgreSQL with the `postgres-tests` feature and
//! `ECERT_TEST_DATABASE_URL` (an admin URL; a fresh database is created), as `.ci/run` does. Under that feature a
//! missing URL fails the test: a missing server is a failure, not a skip.

mod support;

use axum::body::Bytes;
use axum::http::HeaderMap;
use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{HubProcess, demo_signer, push, signed_document};

fn start(config: &Path, demo: bool) -> HubProcess {
    let mut args = vec![std::ffi::OsString::from("--config"), config.as_os_str().to_owned()];
    if demo {
        args.push("--demo".into());
    }
    HubProcess::start(args)
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
                let id =
                    headers.get("ecert-notification-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
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

#[test]
fn two_processes_on_sqlite_deliver_every_notification_exactly_once() {
    two_processes_deliver_every_notification_exactly_once(None);
}

#[cfg(feature = "postgres-tests")]
#[test]
fn two_processes_on_postgres_deliver_every_notification_exactly_once() {
    let admin_url = std::env::var("ECERT_TEST_DATABASE_URL")
        .expect("ECERT_TEST_DATABASE_URL must point at a PostgreSQL server (run through .ci/run)");
    let database_url = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(ecert_store::PgStore::create_scratch_database(&admin_url, "ecert_two_hubs"))
        .expect("create test database");
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
        format!(
            "data_dir = {data:?}\n{database}[exchange]\nallow_insecure_webhooks = true\nworker_poll_interval_ms = 50\n"
        ),
    )
    .unwrap();
    let first = start(&config, true);
    let second = start(&config, false);
    let (cab_key, receiver_key) = (first.cab_key().to_owned(), first.receiver_key().to_owned());
    let client = reqwest::blocking::Client::new();
    let r = client
        .post(format!("{}/api/v1/webhooks", second.base))
        .bearer_auth(&receiver_key)
        .json(&serde_json::json!({ "url": hook_url }))
        .send()
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().unwrap_or_default());

    let creds = demo_signer(&data);
    const DOCUMENTS: usize = 40;
    let mut exchanges = HashSet::new();
    for i in 0..DOCUMENTS {
        let hub = if i % 2 == 0 { &first } else { &second };
        let (metadata, pdf) = signed_document(&creds, "KZ-TWO", i);
        let r = push(&client, &hub.base, &cab_key, &metadata, &pdf).unwrap();
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
