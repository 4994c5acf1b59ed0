use ecert_hub::Hub;
use ecert_hub::demo::DemoCredentials;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;

/// A running hub with demo participants, plus a client.
pub struct TestApp {
    pub base: String,
    pub client: Client,
    pub demo: DemoCredentials,
    /// The served hub, for what has no endpoint (running due background jobs).
    pub hub: Hub,

    _dir: tempfile::TempDir,
    _server: tokio::task::JoinHandle<()>,
}

pub struct Response {
    pub status: StatusCode,
    pub content_type: String,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

/// How to start a [`TestApp`]; the default is what `TestApp::start` runs.
#[derive(Default)]
pub struct Options {
    /// Seed the demo with the shared test PKI: the demo CAB's CA and its ValidRsa and ValidEcP256 signers are
    /// registered, so documents they sign are trusted.
    pub pki: bool,
    pub limits: ecert_server::HttpLimits,
    pub settings: ecert_hub::ExchangeSettings,
    pub verification: ecert_server::VerificationConfig,
}

async fn store_for_test(dir: &std::path::Path) -> Arc<dyn ecert_store::Store> {
    if cfg!(feature = "postgres-tests") {
        let url = std::env::var("ECERT_TEST_DATABASE_URL")
            .expect("the postgres-tests feature needs ECERT_TEST_DATABASE_URL (a server where we may CREATE DATABASE)");
        // A fresh database per test keeps tests independent while sharing one server.
        let db_url =
            ecert_store::PgStore::create_scratch_database(&url, "ecert_test").await.expect("create test database");
        ecert_store::open(Some(&db_url), dir).await.expect("open PostgreSQL store")
    } else {
        ecert_store::open(None, dir).await.expect("open SQLite store")
    }
}

impl TestApp {
    pub async fn start() -> Self {
        Self::start_with(Options::default()).await
    }

    pub async fn start_with(options: Options) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = store_for_test(dir.path()).await;
        let log_key = ecert_hub::load_or_create_log_key(dir.path(), "test.ecert.local/log").expect("log key");
        let exchange =
            ecert_hub::ExchangeServices::for_data_dir(dir.path(), options.settings).expect("exchange services");
        let hub = Hub::new(store, log_key, exchange);
        let pki = options.pki.then(|| ecert_pki::testpki::TestPki::shared().expect("test PKI"));
        let demo = hub.seed_demo(pki).await.expect("seed demo");
        let app = ecert_server::app_with(hub.clone(), &options.limits, &options.verification);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>()).await.unwrap();
        });
        Self { base, client: Client::new(), demo, hub, _dir: dir, _server: server }
    }

    pub async fn call(&self, method: Method, path: &str, key: Option<&str>, body: Option<Value>) -> Response {
        let mut req = self.client.request(method, format!("{}{}", self.base, path));
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        Response::read(req.send().await.expect("request")).await
    }

    /// Files in the PDF cache (the filesystem blob store under the data directory), finished or not.
    pub fn cached_files(&self) -> usize {
        match std::fs::read_dir(self._dir.path().join("cache")) {
            Ok(entries) => entries.filter(|e| e.as_ref().is_ok_and(|e| e.path().is_file())).count(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
            Err(e) => panic!("PDF cache: {e}"),
        }
    }

    pub async fn get(&self, path: &str, key: &str) -> Response {
        self.call(Method::GET, path, Some(key), None).await
    }

    pub async fn post(&self, path: &str, key: &str, body: Value) -> Response {
        self.call(Method::POST, path, Some(key), Some(body)).await
    }

    pub fn op(&self) -> &str {
        &self.demo.operator_key
    }
    pub fn cab(&self) -> &str {
        &self.demo.cab_key
    }
    pub fn receiver(&self) -> &str {
        &self.demo.receiver_key
    }

    /// The number of audit events: every accepted write adds one, so an unchanged count proves nothing was stored.
    pub async fn log_size(&self) -> usize {
        let mut total = 0;
        let mut after: Option<String> = None;
        loop {
            let path = match &after {
                Some(c) => format!("/api/v1/audit/events?limit=500&after={c}"),
                None => "/api/v1/audit/events?limit=500".to_owned(),
            };
            let r = self.get(&path, self.op()).await;
            assert_eq!(r.status, 200, "{:?}", r.body);
            total += r.body["items"].as_array().unwrap().len();
            match r.body["next_cursor"].as_str() {
                Some(c) => after = Some(c.to_owned()),
                None => return total,
            }
        }
    }

    /// Creates and activates another CAB with its own key; returns (institution id, key).
    pub async fn second_cab(&self) -> (String, String) {
        let r = self
            .post(
                "/api/v1/institutions",
                self.op(),
                json!({"country": "UZ", "name": "Tashkent Certification Centre", "roles": ["issuing_cab"]}),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        let id = r.body["data"]["id"].as_str().unwrap().to_owned();
        let r = self.post(&format!("/api/v1/institutions/{id}/status"), self.op(), json!({"status": "active"})).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        let r = self.post(&format!("/api/v1/institutions/{id}/api-keys"), self.op(), json!({"label": "k"})).await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        (id, r.body["data"]["key"].as_str().unwrap().to_owned())
    }

    /// Creates and activates an institution with the given role; returns its key.
    pub async fn key_for_role(&self, role: &str) -> String {
        let r = self
            .post(
                "/api/v1/institutions",
                self.op(),
                json!({"country": "UZ", "name": format!("Institution {role}"), "roles": [role]}),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        let id = r.body["data"]["id"].as_str().unwrap().to_owned();
        self.post(&format!("/api/v1/institutions/{id}/status"), self.op(), json!({"status": "active"})).await;
        let r = self.post(&format!("/api/v1/institutions/{id}/api-keys"), self.op(), json!({"label": "k"})).await;
        r.body["data"]["key"].as_str().unwrap().to_owned()
    }
}

impl Response {
    pub async fn read(res: reqwest::Response) -> Self {
        let status = res.status();
        let headers = res.headers().clone();
        let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let text = res.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Response { status, content_type, headers, body }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The demo CAB's signing certificate from the test PKI, as PEM.
pub fn signer_pem(which: ecert_pki::testpki::TestSigner) -> String {
    ecert_pki::testpki::TestPki::shared().expect("test PKI").signer(which).credentials.certificate.to_pem()
}

pub fn assert_problem(r: &Response, status: u16, field: Option<&str>) {
    assert_eq!(r.status.as_u16(), status, "body: {:?}", r.body);
    assert_eq!(r.content_type, "application/problem+json", "body: {:?}", r.body);
    assert_eq!(r.body["status"], status);
    assert!(r.body["type"].as_str().unwrap().starts_with("/problems/"));
    assert!(!r.body["detail"].as_str().unwrap().is_empty());
    if let Some(field) = field {
        let fields: Vec<&str> =
            r.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert!(fields.contains(&field), "expected field {field} in {fields:?}");
    }
}
