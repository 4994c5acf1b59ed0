//! Every bad input named in the foundation issue: a specific problem+json naming the field, and nothing stored.

use crate::app::{TestApp, assert_problem, signer_pem};
use ecert_pki::testpki::TestSigner;
use serde_json::{Value, json};

async fn rejected(app: &TestApp, path: &str, body: Value, status: u16, field: Option<&str>) {
    let before = app.log_size().await;
    let r = app.post(path, app.op(), body).await;
    assert_problem(&r, status, field);
    assert_eq!(app.log_size().await, before, "a rejected request must not change anything ({path})");
}

#[tokio::test]
async fn malformed_and_unsupported_certificates() {
    let app = TestApp::start().await;
    let path = format!("/api/v1/institutions/{}/certificates", app.demo.cab_id);
    rejected(&app, &path, json!({"certificate": "not a certificate"}), 422, Some("certificate")).await;
    rejected(
        &app,
        &path,
        json!({"certificate": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"}),
        422,
        Some("certificate"),
    )
    .await;
    for bad in
        [TestSigner::Expired, TestSigner::NotYetValid, TestSigner::KeyCertSignOnly, TestSigner::NoDigitalSignature]
    {
        let before = app.log_size().await;
        let r = app.post(&path, app.op(), json!({"certificate": signer_pem(bad)})).await;
        assert_problem(&r, 422, Some("certificate"));
        assert_eq!(app.log_size().await, before);
    }
    let list = app.get(&format!("/api/v1/institutions/{}/certificates", app.demo.cab_id), app.op()).await;
    assert!(list.body["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn unknown_countries_bad_hs_codes_and_reversed_periods() {
    let app = TestApp::start().await;
    rejected(
        &app,
        "/api/v1/institutions",
        json!({"country": "XX", "name": "A", "roles": ["customs"]}),
        422,
        Some("country"),
    )
    .await;
    // A valid ISO code that is not a participating country.
    rejected(
        &app,
        "/api/v1/institutions",
        json!({"country": "FR", "name": "A", "roles": ["customs"]}),
        422,
        Some("country"),
    )
    .await;
    rejected(&app, "/api/v1/countries", json!({"code": "XX", "name": "Nowhere"}), 422, Some("code")).await;
    let scope = format!("/api/v1/institutions/{}/scope", app.demo.cab_id);
    for prefix in ["847", "84713", "8471300", "84x1"] {
        rejected(
            &app,
            &scope,
            json!({"document_type": "TR", "hs_prefix": prefix, "valid_from": "2026-01-01"}),
            422,
            Some("hs_prefix"),
        )
        .await;
    }
    rejected(
        &app,
        &scope,
        json!({"document_type": "TR", "hs_prefix": "84", "valid_from": "2026-02-01", "valid_until": "2026-01-01"}),
        422,
        Some("valid_until"),
    )
    .await;
    rejected(
        &app,
        &scope,
        json!({"document_type": "TR", "hs_prefix": "84", "destinations": ["ZZ"], "valid_from": "2026-01-01"}),
        422,
        Some("destinations/0"),
    )
    .await;
    // Wrong JSON types name the field; broken JSON is a 400.
    rejected(
        &app,
        &scope,
        json!({"document_type": "TR", "hs_prefix": 84, "valid_from": "2026-01-01"}),
        422,
        Some("hs_prefix"),
    )
    .await;
    let before = app.log_size().await;
    let r = app
        .client
        .post(format!("{}{scope}", app.base))
        .bearer_auth(app.op())
        .header("content-type", "application/json")
        .body("{\"document_type\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(app.log_size().await, before);
}

#[tokio::test]
async fn duplicates_and_double_revocation_conflict() {
    let app = TestApp::start().await;
    rejected(&app, "/api/v1/countries", json!({"code": "UZ", "name": "Uzbekistan"}), 409, None).await;
    rejected(
        &app,
        "/api/v1/institutions",
        json!({"country": "KZ", "name": "Almaty Product Testing Laboratory", "roles": ["issuing_cab"]}),
        409,
        None,
    )
    .await;
    let path = format!("/api/v1/institutions/{}/certificates", app.demo.cab_id);
    let r = app.post(&path, app.op(), json!({"certificate": signer_pem(TestSigner::ValidEcP384)})).await;
    assert_eq!(r.status, 201);
    let id = r.body["data"]["id"].as_str().unwrap().to_owned();
    rejected(&app, &path, json!({"certificate": signer_pem(TestSigner::ValidEcP384)}), 409, None).await;
    let revoke = format!("/api/v1/certificates/{id}/revocation");
    assert_eq!(app.post(&revoke, app.op(), json!({"reason": "superseded"})).await.status, 200);
    rejected(&app, &revoke, json!({"reason": "superseded"}), 409, None).await;
    rejected(&app, &revoke, json!({"reason": "bored"}), 422, Some("reason")).await;
}

#[tokio::test]
async fn a_cab_cannot_read_or_change_another_cabs_data() {
    let app = TestApp::start().await;
    let (other_cab, other_key) = app.second_cab().await;
    let r = app
        .post(
            &format!("/api/v1/institutions/{}/certificates", app.demo.cab_id),
            app.op(),
            json!({"certificate": signer_pem(TestSigner::ValidRsa)}),
        )
        .await;
    let cert_id = r.body["data"]["id"].as_str().unwrap().to_owned();
    let cab = &app.demo.cab_id;
    for path in [
        format!("/api/v1/institutions/{cab}/accreditations"),
        format!("/api/v1/institutions/{cab}/scope"),
        format!("/api/v1/institutions/{cab}/certificates"),
        format!("/api/v1/institutions/{cab}/api-keys"),
        format!("/api/v1/institutions/{cab}/authorization?document_type=TR&hs_code=847130"),
        format!("/api/v1/certificates/{cert_id}"),
    ] {
        let r = app.get(&path, &other_key).await;
        assert_problem(&r, 404, None);
        assert!(!r.body.to_string().contains(cab.as_str()), "a refusal must not echo the other CAB's data");
    }
    let own_list = app.get("/api/v1/certificates", &other_key).await;
    assert!(own_list.body["items"].as_array().unwrap().is_empty(), "{:?}", own_list.body);
    let before = app.log_size().await;
    let r = app.post(&format!("/api/v1/institutions/{cab}/withdrawal"), &other_key, json!({})).await;
    assert_problem(&r, 404, None);
    let r = app
        .call(reqwest::Method::PUT, &format!("/api/v1/institutions/{cab}/contacts"), Some(&other_key), Some(json!([])))
        .await;
    assert_problem(&r, 404, None);
    assert_eq!(app.log_size().await, before);
    let _ = other_cab;
}

/// `(field, code)` of every entry of a problem's `errors`.
fn field_codes(r: &crate::app::Response) -> Vec<(String, String)> {
    let errors = r.body["errors"].as_array().unwrap();
    errors.iter().map(|e| (e["field"].as_str().unwrap().to_owned(), e["code"].as_str().unwrap().to_owned())).collect()
}

#[tokio::test]
async fn field_errors_carry_machine_readable_codes() {
    let app = TestApp::start().await;
    let pairs = |v: &[(&str, &str)]| v.iter().map(|(f, c)| (f.to_string(), c.to_string())).collect::<Vec<_>>();
    let before = app.log_size().await;
    let body = json!({"country": "XX", "name": " ", "roles": ["customs", "customs"]});
    let r = app.post("/api/v1/institutions", app.op(), body).await;
    assert_problem(&r, 422, Some("roles/1"));
    assert_eq!(field_codes(&r), pairs(&[("country", "invalid"), ("name", "required"), ("roles/1", "duplicate")]));
    let scope = format!("/api/v1/institutions/{}/scope", app.demo.cab_id);
    let body =
        json!({"document_type": "TR", "hs_prefix": "84", "valid_from": "2026-02-01", "valid_until": "2026-01-01"});
    let r = app.post(&scope, app.op(), body).await;
    assert_problem(&r, 422, Some("valid_until"));
    assert_eq!(field_codes(&r), pairs(&[("valid_until", "date_order")]));
    assert_eq!(app.log_size().await, before, "nothing was stored");
}
