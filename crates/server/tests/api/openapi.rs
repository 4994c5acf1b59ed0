//! The OpenAPI document is well formed and complete, and the non-API endpoints behave.

use crate::app::{TestApp, assert_problem};
use reqwest::Method;
use serde_json::Value;

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                if let Some(s) = v.as_str().filter(|_| k == "$ref") {
                    out.push(s.to_owned());
                }
                collect_refs(v, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn document_is_valid_and_every_operation_is_described() {
    let app = TestApp::start().await;
    let doc = app.call(Method::GET, "/api/openapi.json", None, None).await.body;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    // The document round-trips through utoipa's own model of OpenAPI.
    let _: utoipa::openapi::OpenApi = serde_json::from_value(doc.clone()).expect("parses as OpenAPI");
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(!refs.is_empty());
    for r in refs {
        let name = r.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("unexpected ref {r}"));
        assert!(schemas.contains_key(name), "dangling $ref {r}");
    }
    let mut operations = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        assert!(path.starts_with("/api/v1/"), "{path}");
        for (method, op) in ops.as_object().unwrap() {
            operations += 1;
            assert!(op["tags"].as_array().is_some_and(|t| !t.is_empty()), "{method} {path} has no tag");
            assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path} has no responses");
            for p in path.split('/').filter(|s| s.starts_with('{')) {
                let name = p.trim_matches(|c| c == '{' || c == '}');
                let documented =
                    op["parameters"].as_array().into_iter().flatten().any(|x| x["name"] == name && x["in"] == "path");
                assert!(documented, "{method} {path}: path parameter {name} undocumented");
            }
        }
    }
    assert!(operations >= 27, "only {operations} operations documented");
    assert!(doc["components"]["securitySchemes"]["api_key"].is_object());
    // Field errors document their machine-readable code and every value it takes.
    let field_error = &schemas["FieldError"];
    assert_eq!(field_error["properties"]["code"]["$ref"], "#/components/schemas/FieldErrorCode", "{field_error}");
    assert!(field_error["required"].as_array().unwrap().iter().any(|r| r == "code"), "{field_error}");
    let codes: Vec<&str> =
        schemas["FieldErrorCode"]["enum"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    assert!(codes.contains(&"date_order") && codes.contains(&"invalid") && codes.len() == 9, "{codes:?}");
}

#[tokio::test]
async fn swagger_ui_health_readiness_metrics_and_fallbacks() {
    let app = TestApp::start().await;
    let ui = app.client.get(format!("{}/api/docs/", app.base)).send().await.unwrap();
    assert_eq!(ui.status(), 200);
    assert!(ui.text().await.unwrap().contains("swagger"));
    assert_eq!(app.call(Method::GET, "/healthz", None, None).await.status, 200);
    let ready = app.call(Method::GET, "/readyz", None, None).await;
    assert_eq!(ready.status, 200);
    app.get("/api/v1/me", app.cab()).await;
    let metrics = app.call(Method::GET, "/metrics", None, None).await;
    let text = metrics.body.as_str().unwrap().to_owned();
    assert!(text.contains("ecert_http_requests_total{method=\"GET\",route=\"/api/v1/me\",status=\"200\"}"), "{text}");
    assert_problem(&app.call(Method::GET, "/api/v1/nope", None, None).await, 404, None);
    assert_problem(&app.call(Method::PATCH, "/api/v1/countries", Some(app.op()), None).await, 405, None);
    let wrong_type = app
        .client
        .post(format!("{}/api/v1/countries", app.base))
        .bearer_auth(app.op())
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_type.status(), 415);
    let huge = "x".repeat(300 * 1024);
    let too_big = app
        .client
        .post(format!("{}/api/v1/countries", app.base))
        .bearer_auth(app.op())
        .header("content-type", "application/json")
        .body(format!("{{\"code\":\"{huge}\"}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(too_big.status(), 413);
}
