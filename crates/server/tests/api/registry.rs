//! The registry flows end to end over HTTP.

use crate::app::{TestApp, assert_problem, signer_pem};
use ecert_pki::testpki::TestSigner;
use serde_json::json;

#[tokio::test]
async fn participants_accreditation_and_scope() {
    let app = TestApp::start().await;
    let cab = &app.demo.cab_id;

    let r = app.get("/api/v1/countries", app.cab()).await;
    assert_eq!(r.status, 200);
    let codes: Vec<&str> = r.body.as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap()).collect();
    assert_eq!(codes, vec!["KZ", "UZ"]);

    // Pagination walks every institution exactly once.
    let first = app.get("/api/v1/institutions?limit=2", app.receiver()).await;
    assert_eq!(first.body["items"].as_array().unwrap().len(), 2);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = app.get(&format!("/api/v1/institutions?limit=2&after={cursor}"), app.receiver()).await;
    assert_eq!(second.body["items"].as_array().unwrap().len(), 1);
    assert!(second.body["next_cursor"].is_null());

    // Filters.
    let cabs = app.get("/api/v1/institutions?role=issuing_cab&country=KZ", app.op()).await;
    assert_eq!(cabs.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(cabs.body["items"][0]["id"], *cab);

    // Contacts are personal data: visible to the institution itself and the operator only.
    let own = app.get(&format!("/api/v1/institutions/{cab}"), app.cab()).await;
    assert_eq!(own.body["contacts"].as_array().unwrap().len(), 1);
    let seen_by_receiver = app.get(&format!("/api/v1/institutions/{cab}"), app.receiver()).await;
    assert_eq!(seen_by_receiver.body["contacts"].as_array().unwrap().len(), 0);

    // The authorization query answers with the matching entry or the precise reason.
    let ok = app
        .get(
            &format!("/api/v1/institutions/{cab}/authorization?document_type=TR&hs_code=847130&destination=UZ"),
            app.receiver(),
        )
        .await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    assert_eq!(ok.body["authorized"], true);
    assert_eq!(ok.body["scope_entry"]["hs_prefix"], "84");
    let no = app
        .get(
            &format!("/api/v1/institutions/{cab}/authorization?document_type=TR&hs_code=030211&destination=UZ"),
            app.receiver(),
        )
        .await;
    assert_eq!(no.body["authorized"], false);
    assert_eq!(no.body["refusal"]["reason"], "hs_code_not_in_scope");
    let dest = app
        .get(
            &format!("/api/v1/institutions/{cab}/authorization?document_type=CoC&hs_code=847130&destination=KG"),
            app.receiver(),
        )
        .await;
    assert_eq!(dest.body["refusal"]["reason"], "destination_not_in_scope");

    // Suspending the CAB changes the answer.
    let r = app.post(&format!("/api/v1/institutions/{cab}/status"), app.op(), json!({"status": "suspended"})).await;
    assert_eq!(r.status, 200);
    assert!(r.body["receipt"]["leaf_index"].as_u64().is_some());
    let suspended = app
        .get(
            &format!("/api/v1/institutions/{cab}/authorization?document_type=TR&hs_code=847130&destination=UZ"),
            app.op(),
        )
        .await;
    assert_eq!(suspended.body["refusal"]["reason"], "cab_not_active");

    // Withdrawal: default notice of 60 days.
    let r = app.post(&format!("/api/v1/institutions/{cab}/withdrawal"), app.cab(), json!({})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let notice = time::Date::parse(
        r.body["data"]["withdrawal"]["notice_date"].as_str().unwrap(),
        &time::format_description::well_known::Iso8601::DATE,
    )
    .unwrap();
    let effective = time::Date::parse(
        r.body["data"]["withdrawal"]["effective_date"].as_str().unwrap(),
        &time::format_description::well_known::Iso8601::DATE,
    )
    .unwrap();
    assert_eq!(effective - notice, time::Duration::days(60));
    let again = app.post(&format!("/api/v1/institutions/{cab}/withdrawal"), app.cab(), json!({})).await;
    assert_problem(&again, 409, None);
}

#[tokio::test]
async fn public_key_registry_register_renew_revoke_with_history() {
    let app = TestApp::start().await;
    let cab = &app.demo.cab_id;
    let r = app
        .post(
            &format!("/api/v1/institutions/{cab}/certificates"),
            app.op(),
            json!({"certificate": signer_pem(TestSigner::ValidRsa)}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let old = r.body["data"]["id"].as_str().unwrap().to_owned();
    assert_eq!(r.body["data"]["fingerprint_sha256"].as_str().unwrap().len(), 64);
    assert_eq!(r.body["data"]["status"], "active");

    // DER in base64 is accepted as well.
    let der = ecert_pki::testpki::TestPki::shared()
        .expect("test PKI")
        .signer(TestSigner::ValidEcP256)
        .credentials
        .certificate
        .der()
        .to_vec();
    use base64::Engine;
    let r = app
        .post(
            &format!("/api/v1/certificates/{old}/renewal"),
            app.op(),
            json!({"certificate": base64::engine::general_purpose::STANDARD.encode(der)}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let new = r.body["data"]["id"].as_str().unwrap().to_owned();
    assert_eq!(r.body["data"]["replaces"], old);

    let old_detail = app.get(&format!("/api/v1/certificates/{old}"), app.cab()).await;
    assert_eq!(old_detail.body["status"], "superseded");
    assert_eq!(old_detail.body["replaced_by"], new);
    assert!(old_detail.body["pem"].as_str().unwrap().starts_with("-----BEGIN CERTIFICATE-----"));

    let r = app
        .post(&format!("/api/v1/certificates/{new}/revocation"), app.op(), json!({"reason": "key_compromise"}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["data"]["status"], "revoked");
    let detail = app.get(&format!("/api/v1/certificates/{new}"), app.receiver()).await;
    let actions: Vec<&str> =
        detail.body["history"].as_array().unwrap().iter().map(|h| h["action"].as_str().unwrap()).collect();
    assert_eq!(actions, vec!["registered", "revoked"]);
    let old_actions: Vec<String> = app.get(&format!("/api/v1/certificates/{old}"), app.op()).await.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(old_actions, vec!["registered", "superseded"]);

    let list = app.get(&format!("/api/v1/institutions/{cab}/certificates"), app.cab()).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn audit_events_record_every_change_and_respect_tenants() {
    let app = TestApp::start().await;
    let before = app.log_size().await;
    let r = app.post("/api/v1/countries", app.op(), json!({"code": "KG", "name": "Kyrgyzstan"})).await;
    assert_eq!(r.status, 201);
    let leaf = r.body["receipt"]["leaf_index"].as_u64().unwrap();
    assert_eq!(app.log_size().await, before + 1);
    assert_eq!(leaf as usize, before);

    // A CAB sees only events it acted in or that concern it; the operator sees all.
    let cab_events = app.get("/api/v1/audit/events?limit=500", app.cab()).await;
    for e in cab_events.body["items"].as_array().unwrap() {
        let ev = &e["event"];
        assert!(ev["actor"] == app.demo.cab_id || ev["subject_institution"] == app.demo.cab_id, "{e:?}");
    }
    assert!(!cab_events.body["items"].as_array().unwrap().is_empty());
    // Leaves carry ids and digests, never contact details.
    let all = app.get("/api/v1/audit/events?limit=500", app.op()).await.body.to_string();
    assert!(!all.contains("lab@example.kz"));
}

#[tokio::test]
async fn api_keys_are_shown_once_and_can_be_revoked() {
    let app = TestApp::start().await;
    let cab = &app.demo.cab_id;
    let r = app.post(&format!("/api/v1/institutions/{cab}/api-keys"), app.op(), json!({"label": "erp"})).await;
    assert_eq!(r.status, 201);
    let key = r.body["data"]["key"].as_str().unwrap().to_owned();
    let id = r.body["data"]["record"]["id"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/api/v1/me", &key).await.body["id"], *cab);
    let listed = app.get(&format!("/api/v1/institutions/{cab}/api-keys"), app.cab()).await.body.to_string();
    assert!(!listed.contains(&key), "the secret must never be listed");
    let r = app.call(reqwest::Method::DELETE, &format!("/api/v1/api-keys/{id}"), Some(app.cab()), None).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_problem(&app.get("/api/v1/me", &key).await, 401, None);
    // A key with a valid id but a wrong secret is refused the same way.
    let forged = format!("{}AAAA", &key[..key.len() - 4]);
    assert_problem(&app.get("/api/v1/me", &forged).await, 401, None);
}
