//! `/api/v1/log` over HTTP: text checkpoint and key, JSON proofs that verify, 4xx with reasons for bad input.

use ecert_domain::audit::{AuditEvent, EventType};
use ecert_hub::Hub;
use ecert_hub::log::{ConsistencyProof, InclusionProof};
use ecert_translog::{SignedCheckpoint, VerifierKey, leaf_hash};
use reqwest::StatusCode;
use time::macros::datetime;

struct Running {
    base: String,
    hub: Hub,
    operator_key: String,
    _dir: tempfile::TempDir,
}

async fn start() -> Running {
    let dir = tempfile::tempdir().unwrap();
    let store = ecert_store::open(None, dir.path()).await.unwrap();
    let exchange = ecert_hub::ExchangeServices::for_data_dir(dir.path(), Default::default()).unwrap();
    let hub = Hub::new(store, ecert_hub::load_or_create_log_key(dir.path(), "api.test/log").unwrap(), exchange);
    hub.prepare_log().await.unwrap();
    let (_, operator_key) = hub.bootstrap_operator("CH", "Switzerland", "Hub operator").await.unwrap();
    let app = ecert_server::app(hub.clone(), &ecert_server::HttpLimits::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Running { base, hub, operator_key, _dir: dir }
}

async fn get(r: &Running, path: &str) -> (StatusCode, String, String) {
    let resp = reqwest::get(format!("{}{path}", r.base)).await.unwrap();
    let status = resp.status();
    let ct = resp.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, ct, resp.text().await.unwrap())
}

async fn rejected(r: &Running, path: &str, needle: &str) {
    let (status, ct, body) = get(r, path).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {body}");
    assert_eq!(ct, "application/problem+json", "{path}");
    assert!(body.contains(needle), "{path}: {body} lacks {needle}");
}

fn event(n: u64) -> AuditEvent {
    let mut e = AuditEvent::new(EventType::OperatorBootstrapped, datetime!(2026-04-01 0:00 UTC));
    e.subjects = vec![format!("api:{n}")];
    e
}

#[tokio::test]
async fn log_endpoints_serve_verifiable_checkpoints_and_proofs() {
    let r = start().await;
    let (status, ct, vkey) = get(&r, "/api/v1/log/key").await;
    assert_eq!((status, ct.as_str()), (StatusCode::OK, "text/plain; charset=utf-8"));
    let key = VerifierKey::parse(&vkey).unwrap();
    assert_eq!(key.name(), "api.test/log");

    // Bootstrapping wrote events; the first read signs a checkpoint over them.
    let (status, _, note) = get(&r, "/api/v1/log/checkpoint").await;
    assert_eq!(status, StatusCode::OK);
    let first = SignedCheckpoint::open(note.as_bytes(), &key).unwrap();
    assert!(first.size >= 1);

    let events: Vec<AuditEvent> = (0..20).map(event).collect();
    let receipts = r.hub.store().append_audit_events(&events).await.unwrap();
    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/log/checkpoint", r.base);
    assert_eq!(client.post(&url).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let resp = client.post(&url).bearer_auth(&r.operator_key).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let latest = SignedCheckpoint::open(resp.text().await.unwrap().as_bytes(), &key).unwrap();
    assert_eq!(latest.size, first.size + 20);

    let leaf = receipts[7].leaf_index;
    for query in [format!("index={leaf}"), format!("event={leaf}")] {
        let (status, ct, body) = get(&r, &format!("/api/v1/log/proof/inclusion?{query}")).await;
        assert_eq!((status, ct.as_str()), (StatusCode::OK, "application/json"), "{body}");
        let proof: InclusionProof = serde_json::from_str(&body).unwrap();
        assert_eq!(proof.tree_size, latest.size);
        proof.verify(&leaf_hash(&events[7].canonical_bytes()), &latest.root).unwrap();
    }
    let (_, _, body) = get(&r, &format!("/api/v1/log/proof/inclusion?index=0&size={}", first.size)).await;
    let proof: InclusionProof = serde_json::from_str(&body).unwrap();
    assert_eq!(proof.tree_size, first.size);

    let (status, _, body) =
        get(&r, &format!("/api/v1/log/proof/consistency?first={}&second={}", first.size, latest.size)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let proof: ConsistencyProof = serde_json::from_str(&body).unwrap();
    proof.verify(&first.root, &latest.root).unwrap();

    let beyond = latest.size + 1;
    rejected(&r, "/api/v1/log/proof/inclusion", "index or event").await;
    rejected(&r, "/api/v1/log/proof/inclusion?index=1&event=1", "not both").await;
    rejected(&r, "/api/v1/log/proof/inclusion?index=abc", "query/index").await;
    rejected(&r, "/api/v1/log/proof/inclusion?index=-1", "query/index").await;
    rejected(&r, "/api/v1/log/proof/inclusion?index=0&colour=red", "colour").await;
    rejected(&r, &format!("/api/v1/log/proof/inclusion?index=0&size={beyond}"), "beyond the log").await;
    rejected(&r, &format!("/api/v1/log/proof/inclusion?index={beyond}"), "is not in a tree").await;
    rejected(&r, "/api/v1/log/proof/consistency", "first").await;
    rejected(&r, "/api/v1/log/proof/consistency?first=0", "between 1 and").await;
    rejected(&r, "/api/v1/log/proof/consistency?first=3&second=2", "between 1 and").await;
    rejected(&r, &format!("/api/v1/log/proof/consistency?first=1&second={beyond}"), "beyond the log").await;
}
