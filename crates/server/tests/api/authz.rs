//! Every documented endpoint × every role. The list of operations is read from the served OpenAPI document, so a
//! new endpoint without a row here fails the test instead of escaping the matrix.

use crate::app::TestApp;
use crate::app::signer_pem;
use ecert_pki::testpki::{TestPki, TestSigner};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeSet;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    /// Passes authorization (the call may still fail for business reasons: 409, 422).
    Allowed,
    /// The role lacks the permission: 403.
    Forbidden,
    /// Another tenant's record: 404, indistinguishable from absence.
    Hidden,
}
use Expect::*;

const ROLES: [&str; 5] = ["operator", "cab", "other_cab", "receiver", "focal_point"];

struct Row {
    method: Method,
    template: &'static str,
    body: Option<Value>,
    /// Expectation per role, in the order of `ROLES`.
    expect: [Expect; 5],
    /// Answered without a credential.
    public: bool,
}

fn row(method: Method, template: &'static str, body: Option<Value>, expect: [Expect; 5]) -> Row {
    Row { method, template, body, expect, public: false }
}

fn public(r: Row) -> Row {
    Row { public: true, ..r }
}

const ALL: [Expect; 5] = [Allowed; 5];
const OPERATOR_ONLY: [Expect; 5] = [Allowed, Forbidden, Forbidden, Forbidden, Forbidden];
const CAB_READERS: [Expect; 5] = [Allowed, Allowed, Hidden, Allowed, Allowed];
const OWNER_OR_OPERATOR: [Expect; 5] = [Allowed, Allowed, Hidden, Hidden, Hidden];
/// Receiving authorities only: their own webhooks, polling, and the PDF (never the operator).
const RECEIVER_ONLY: [Expect; 5] = [Forbidden, Forbidden, Forbidden, Allowed, Forbidden];

fn matrix() -> Vec<Row> {
    use Method as M;
    vec![
        row(M::GET, "/api/v1/countries", None, ALL),
        row(M::POST, "/api/v1/countries", Some(json!({"code": "KG", "name": "Kyrgyzstan"})), OPERATOR_ONLY),
        row(M::GET, "/api/v1/institutions", None, ALL),
        row(
            M::POST,
            "/api/v1/institutions",
            Some(json!({"country": "KZ", "name": "New", "roles": ["customs"]})),
            OPERATOR_ONLY,
        ),
        row(M::GET, "/api/v1/institutions/{cab}", None, ALL),
        row(M::POST, "/api/v1/institutions/{cab}/status", Some(json!({"status": "active"})), OPERATOR_ONLY),
        row(M::POST, "/api/v1/institutions/{cab}/withdrawal", Some(json!({})), OWNER_OR_OPERATOR),
        row(
            M::PUT,
            "/api/v1/institutions/{cab}/contacts",
            Some(json!([{"name": "X", "email": "x@lab.kz"}])),
            OWNER_OR_OPERATOR,
        ),
        row(M::GET, "/api/v1/institutions/{cab}/authorization?document_type=TR&hs_code=847130", None, CAB_READERS),
        row(M::GET, "/api/v1/accreditation-bodies", None, ALL),
        row(
            M::POST,
            "/api/v1/accreditation-bodies",
            Some(json!({"name": "AB2", "country": "UZ", "arrangement": "ilac_mra"})),
            OPERATOR_ONLY,
        ),
        row(M::GET, "/api/v1/accreditation-bodies/{body}", None, ALL),
        row(M::GET, "/api/v1/institutions/{cab}/accreditations", None, CAB_READERS),
        row(
            M::POST,
            "/api/v1/institutions/{cab}/accreditations",
            Some(
                json!({"basis": "iso17020", "body": "{body}", "certificate_number": "N-1", "valid_from": "2026-01-01", "valid_until": "2027-01-01"}),
            ),
            OPERATOR_ONLY,
        ),
        row(M::GET, "/api/v1/institutions/{cab}/scope", None, CAB_READERS),
        row(
            M::POST,
            "/api/v1/institutions/{cab}/scope",
            Some(json!({"document_type": "TR", "hs_prefix": "90", "valid_from": "2026-01-01"})),
            OPERATOR_ONLY,
        ),
        row(M::GET, "/api/v1/institutions/{cab}/certificates", None, CAB_READERS),
        row(
            M::POST,
            "/api/v1/institutions/{cab}/certificates",
            Some(json!({"certificate": "{cert_pem}"})),
            OPERATOR_ONLY,
        ),
        row(M::GET, "/api/v1/certificates", None, ALL),
        row(M::GET, "/api/v1/certificates/{cert}", None, CAB_READERS),
        row(M::POST, "/api/v1/certificates/{cert}/renewal", Some(json!({"certificate": "{cert_pem2}"})), OPERATOR_ONLY),
        row(M::POST, "/api/v1/certificates/{cert}/revocation", Some(json!({"reason": "superseded"})), OPERATOR_ONLY),
        row(M::GET, "/api/v1/institutions/{cab}/api-keys", None, OWNER_OR_OPERATOR),
        row(M::POST, "/api/v1/institutions/{cab}/api-keys", Some(json!({"label": "x"})), OPERATOR_ONLY),
        row(M::DELETE, "/api/v1/api-keys/{key}", None, OWNER_OR_OPERATOR),
        row(M::GET, "/api/v1/me", None, ALL),
        row(M::GET, "/api/v1/audit/events", None, ALL),
        row(M::POST, "/api/v1/log/checkpoint", None, OPERATOR_ONLY),
        // The log's public face: checkpoints, key and proofs carry only hashes, like a CT log.
        public(row(M::GET, "/api/v1/log/checkpoint", None, ALL)),
        public(row(M::GET, "/api/v1/log/key", None, ALL)),
        public(row(M::GET, "/api/v1/log/proof/inclusion?index=0", None, ALL)),
        public(row(M::GET, "/api/v1/log/proof/consistency?first=1&second=2", None, ALL)),
        // Exchange. A CAB's push with a JSON body passes authorization and is then refused as not multipart.
        row(M::POST, "/api/v1/documents", Some(json!({})), [Forbidden, Allowed, Allowed, Forbidden, Forbidden]),
        row(M::GET, "/api/v1/documents", None, [Allowed, Allowed, Allowed, Forbidden, Forbidden]),
        row(M::GET, "/api/v1/documents/{doc}", None, [Allowed, Allowed, Hidden, Forbidden, Forbidden]),
        row(
            M::POST,
            "/api/v1/documents/{doc}/status",
            Some(json!({"status": "SUSPENDED", "reason": "matrix"})),
            [Forbidden, Allowed, Hidden, Forbidden, Forbidden],
        ),
        // Evidence bundle: the issuer, the document's receivers and the operator; anyone else cannot tell it exists.
        row(M::GET, "/api/v1/documents/{doc}/evidence", None, [Allowed, Allowed, Hidden, Allowed, Hidden]),
        row(M::GET, "/api/v1/exchanges", None, [Allowed, Allowed, Allowed, Allowed, Forbidden]),
        row(M::GET, "/api/v1/exchanges/changes", None, RECEIVER_ONLY),
        row(M::GET, "/api/v1/exchanges/{exchange}", None, [Allowed, Allowed, Hidden, Allowed, Hidden]),
        row(M::GET, "/api/v1/exchanges/{exchange}/pdf", None, RECEIVER_ONLY),
        row(M::POST, "/api/v1/exchanges/{exchange}/reply", Some(json!({"decision": "received"})), RECEIVER_ONLY),
        row(M::GET, "/api/v1/webhooks", None, RECEIVER_ONLY),
        row(M::POST, "/api/v1/webhooks", Some(json!({"url": "https://hooks.example.org/matrix"})), RECEIVER_ONLY),
        row(M::DELETE, "/api/v1/webhooks/{webhook}", None, RECEIVER_ONLY),
        row(M::GET, "/api/v1/stats/exchanges", None, OPERATOR_ONLY),
        // Verification (issue 7, helper E). A JSON body passes authorization and is then refused as not a PDF
        // upload (415); every caller may ask for a status (the answer depends on what it may see); only CABs
        // reserve public tokens.
        row(M::POST, "/api/v1/verify", Some(json!({})), ALL),
        row(M::GET, "/api/v1/status/{issuer_country}/{document_number}", None, ALL),
        row(M::POST, "/api/v1/document-tokens", None, [Forbidden, Allowed, Allowed, Forbidden, Forbidden]),
    ]
}

fn fill(s: &str, vars: &[(&str, String)]) -> String {
    vars.iter().fold(s.to_owned(), |acc, (k, v)| acc.replace(&format!("{{{k}}}"), v))
}

#[tokio::test]
async fn every_endpoint_by_every_role() {
    let app = TestApp::start().await;
    let (_, other_cab) = app.second_cab().await;
    let focal = app.key_for_role("national_focal_point").await;
    let keys = [app.op().to_owned(), app.cab().to_owned(), other_cab, app.receiver().to_owned(), focal];

    let cab = app.demo.cab_id.clone();
    let cert = app
        .post(
            &format!("/api/v1/institutions/{cab}/certificates"),
            app.op(),
            json!({"certificate": signer_pem(TestSigner::ValidRsa)}),
        )
        .await
        .body["data"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body =
        app.get("/api/v1/accreditation-bodies", app.op()).await.body["items"][0]["id"].as_str().unwrap().to_owned();
    let key = app
        .post(&format!("/api/v1/institutions/{cab}/api-keys"), app.op(), json!({"label": "victim"}))
        .await
        .body["data"]["record"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // A pushed document (signed by the certificate above, under the CAB's registered CA) and a webhook.
    let ca = TestPki::shared().expect("test PKI").ca.certificate.to_pem();
    let r = app.post(&format!("/api/v1/institutions/{cab}/certificates"), app.op(), json!({"certificate": ca})).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let pushed = crate::exchange::push_ok(&app, "KZ-TR-MATRIX-1").await;
    let webhook = app
        .post("/api/v1/webhooks", app.receiver(), json!({"url": "https://hooks.example.org/victim"}))
        .await
        .body["webhook"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let vars = [
        ("cab", cab),
        ("cert", cert),
        ("body", body),
        ("key", key),
        ("doc", pushed.document),
        ("exchange", pushed.exchange),
        ("webhook", webhook),
        ("issuer_country", "KZ".to_owned()),
        ("document_number", "KZ-TR-MATRIX-1".to_owned()),
        ("cert_pem", signer_pem(TestSigner::ValidEcP256).replace('\n', "\\n")),
        ("cert_pem2", signer_pem(TestSigner::ValidEcP384).replace('\n', "\\n")),
    ];

    // The matrix covers exactly the documented operations.
    let doc = app.call(Method::GET, "/api/openapi.json", None, None).await.body;
    let documented: BTreeSet<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| ops.as_object().unwrap().keys().map(move |m| format!("{} {path}", m.to_uppercase())))
        .collect();
    let rows = matrix();
    let covered: BTreeSet<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r.method,
                r.template
                    .split('?')
                    .next()
                    .unwrap()
                    .replace("{cab}", "{id}")
                    .replace("{cert}", "{id}")
                    .replace("{body}", "{id}")
                    .replace("{key}", "{id}")
                    .replace("{doc}", "{id}")
                    .replace("{exchange}", "{id}")
                    .replace("{webhook}", "{id}")
            )
        })
        .collect();
    assert_eq!(documented, covered, "every documented operation needs a row in the authorization matrix");

    let mut checked = 0;
    for r in &rows {
        let path = fill(r.template, &vars);
        let body = r.body.as_ref().map(|b| serde_json::from_str::<Value>(&fill(&b.to_string(), &vars)).unwrap());
        let anon = app.call(r.method.clone(), &path, None, body.clone()).await;
        if r.public {
            assert!(anon.status.is_success(), "{} {path} is public -> {} {:?}", r.method, anon.status, anon.body);
        } else {
            assert_eq!(anon.status, 401, "{} {path} without a key", r.method);
        }
        for (i, role) in ROLES.iter().enumerate() {
            let res = app.call(r.method.clone(), &path, Some(&keys[i]), body.clone()).await;
            let s = res.status.as_u16();
            match r.expect[i] {
                Allowed => assert!(![401, 403, 404].contains(&s), "{role}: {} {path} -> {s} {:?}", r.method, res.body),
                Forbidden => assert_eq!(s, 403, "{role}: {} {path} -> {:?}", r.method, res.body),
                Hidden => assert_eq!(s, 404, "{role}: {} {path} -> {:?}", r.method, res.body),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, rows.len() * ROLES.len());
}
