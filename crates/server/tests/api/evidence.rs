//! `GET /api/v1/documents/{id}/evidence`: the bundle of a pushed document, who may fetch it, and what is left
//! after the retention purge. The bundle is checked with the offline checker the CLI uses.

use crate::app::{Options, TestApp, assert_problem};
use crate::exchange::push_ok;
use ecert_domain::audit::{AuditEvent, EventType};
use ecert_hub::evidence::{CheckKind, EvidenceBundle, FORMAT, verify_bundle};
use ecert_store::exchange::RetentionLayer;
use ecert_translog::VerifierKey;
use time::{Duration, OffsetDateTime};

async fn app() -> TestApp {
    TestApp::start_with(Options { pki: true, ..Options::default() }).await
}

async fn fetch(app: &TestApp, id: &str, key: &str) -> (crate::app::Response, Vec<u8>) {
    let res = app
        .client
        .get(format!("{}/api/v1/documents/{id}/evidence", app.base))
        .bearer_auth(key)
        .send()
        .await
        .expect("request");
    let headers = res.headers().clone();
    let status = res.status();
    let bytes = res.bytes().await.unwrap().to_vec();
    let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    (crate::app::Response { status, content_type, headers, body }, bytes)
}

#[tokio::test]
async fn the_bundle_of_a_pushed_document_verifies_offline() {
    let app = app().await;
    let pushed = push_ok(&app, "KZ-TR-EVIDENCE-1").await;
    let (r, bytes) = fetch(&app, &pushed.document, app.cab()).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.content_type, "application/json");
    assert_eq!(
        r.header("content-disposition"),
        Some(format!("attachment; filename=\"evidence-{}.json\"", pushed.document).as_str())
    );
    assert_eq!(r.body["format"], FORMAT);
    assert_eq!(r.body["disclaimer"], ecert_domain::document::VERIFICATION_DISCLAIMER);
    assert_eq!(r.body["document"]["status"], "VALID");

    let bundle = EvidenceBundle::from_json(&bytes).unwrap();
    assert_eq!(bundle.document.id.to_string(), pushed.document);
    assert_eq!(bundle.audit.leaf_index, pushed.submission["receipt"]["leaf_index"].as_u64().unwrap());
    assert!(bundle.audit.tree_size > bundle.audit.leaf_index, "a checkpoint covers the leaf");
    // The report is the stored one, byte for byte (the push answered the same JSON).
    let report: serde_json::Value = serde_json::from_str(&bundle.report).unwrap();
    assert_eq!(report, pushed.submission["report"]);
    // The served key is the hub's log key, so pinning it checks who signed.
    let vkey = app.get("/api/v1/log/key", app.op()).await;
    assert_eq!(vkey.body.as_str().unwrap().trim(), app.hub.log_verifier_key());
    let key = VerifierKey::parse(&app.hub.log_verifier_key()).unwrap();
    let verification = verify_bundle(&bundle, &pushed.pdf, Some(&key));
    assert!(verification.passed(), "{:#?}", verification.checks);

    // The same leaf the push logged, with the commitment as a subject.
    let event = AuditEvent::from_canonical_bytes(&bundle.audit.leaf).unwrap();
    assert_eq!(event.event_type, EventType::DocumentSubmitted);
    assert!(event.subjects.iter().any(|s| s.starts_with("evidence:")), "{:?}", event.subjects);

    // A tampered PDF fails.
    let mut pdf = pushed.pdf.clone();
    let at = pdf.len() / 2;
    pdf[at] ^= 0x20;
    let failed = verify_bundle(&bundle, &pdf, Some(&key));
    assert!(!failed.outcome(CheckKind::PdfDigest).unwrap().passed);
}

#[tokio::test]
async fn a_status_change_shows_in_a_later_bundle_which_still_verifies() {
    let app = app().await;
    let pushed = push_ok(&app, "KZ-TR-EVIDENCE-2").await;
    let r = app
        .post(
            &format!("/api/v1/documents/{}/status", pushed.document),
            app.cab(),
            serde_json::json!({"status": "SUSPENDED", "reason": "under review"}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let (r, bytes) = fetch(&app, &pushed.document, app.op()).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["document"]["status"], "SUSPENDED");
    assert_eq!(r.body["document"]["status_history"].as_array().unwrap().len(), 1);
    let bundle = EvidenceBundle::from_json(&bytes).unwrap();
    let key = VerifierKey::parse(&app.hub.log_verifier_key()).unwrap();
    assert!(verify_bundle(&bundle, &pushed.pdf, Some(&key)).passed());
}

#[tokio::test]
async fn issuer_receiver_and_operator_may_fetch_it_others_see_nothing() {
    let app = app().await;
    let pushed = push_ok(&app, "KZ-TR-EVIDENCE-3").await;
    for key in [app.cab(), app.receiver(), app.op()] {
        let (r, _) = fetch(&app, &pushed.document, key).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
    }
    let (_, other_cab) = app.second_cab().await;
    // A receiving authority of the destination created after the push was never sent the document.
    let other_receiver = app.key_for_role("customs").await;
    let focal_point = app.key_for_role("national_focal_point").await;
    for key in [other_cab.as_str(), other_receiver.as_str(), focal_point.as_str()] {
        let (r, _) = fetch(&app, &pushed.document, key).await;
        assert_problem(&r, 404, None);
    }
    let (r, _) = fetch(&app, &uuid::Uuid::now_v7().to_string(), app.op()).await;
    assert_problem(&r, 404, None);
    let r =
        app.call(reqwest::Method::GET, &format!("/api/v1/documents/{}/evidence", pushed.document), None, None).await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn purged_evidence_or_pki_data_answers_410() {
    let app = app().await;
    let first = push_ok(&app, "KZ-TR-EVIDENCE-4").await;
    let later = OffsetDateTime::now_utc() + Duration::days(1);
    let audit = AuditEvent::new(EventType::RecordsPurged, OffsetDateTime::now_utc());
    let (removed, _) = app.hub.store().purge_layer(RetentionLayer::PkiData, later, 100, &audit).await.unwrap();
    assert_eq!(removed, 1);
    let (r, _) = fetch(&app, &first.document, app.cab()).await;
    assert_problem(&r, 410, None);
    assert!(r.body["detail"].as_str().unwrap().contains("PKI data"), "{:?}", r.body);

    let second = push_ok(&app, "KZ-TR-EVIDENCE-5").await;
    let later = OffsetDateTime::now_utc() + Duration::days(1);
    let (removed, _) = app.hub.store().purge_layer(RetentionLayer::Evidence, later, 100, &audit).await.unwrap();
    assert_eq!(removed, 2);
    let (r, _) = fetch(&app, &second.document, app.receiver()).await;
    assert_problem(&r, 410, None);
    assert!(r.body["detail"].as_str().unwrap().contains("validation report"), "{:?}", r.body);
}
