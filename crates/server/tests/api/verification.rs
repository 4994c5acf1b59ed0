//! The verification service over HTTP: verify a file (valid, tampered, CAB suspended after issue, withdrawn,
//! replaced), the permit-style status lookup, the public authenticity page (neutral NOT AVAILABLE, Russian,
//! hash comparison, security headers, rate limit) and QR tokens reserved before signing.

use crate::app::{Options, Response, TestApp, assert_problem};
use crate::exchange::{exchange_app, metadata, push, push_ok, signed_pdf, unsigned_pdf};
use ecert_pdf::sign::{SignOptions, sign_pdf};
use ecert_pki::testpki::{TestPki, TestSigner};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

const DISCLAIMER: &str = ecert_domain::document::VERIFICATION_DISCLAIMER;

async fn verify(app: &TestApp, key: &str, pdf: &[u8], number: Option<&str>) -> Response {
    let mut form =
        Form::new().part("pdf", Part::bytes(pdf.to_vec()).file_name("copy.pdf").mime_str("application/pdf").unwrap());
    if let Some(n) = number {
        form = form.text("document_number", n.to_owned());
    }
    let req = app.client.post(format!("{}/api/v1/verify", app.base)).bearer_auth(key).multipart(form);
    Response::read(req.send().await.expect("request")).await
}

async fn verify_raw(app: &TestApp, key: &str, pdf: &[u8]) -> Response {
    let req = app
        .client
        .post(format!("{}/api/v1/verify", app.base))
        .bearer_auth(key)
        .header("content-type", "application/pdf")
        .body(pdf.to_vec());
    Response::read(req.send().await.expect("request")).await
}

/// A public page (no credential), with an optional Accept-Language.
async fn page(app: &TestApp, path: &str, accept_language: Option<&str>) -> (u16, reqwest::header::HeaderMap, String) {
    let mut req = app.client.get(format!("{}{path}", app.base));
    if let Some(lang) = accept_language {
        req = req.header("accept-language", lang);
    }
    let res = req.send().await.expect("request");
    let (status, headers) = (res.status().as_u16(), res.headers().clone());
    (status, headers, res.text().await.unwrap())
}

async fn compare(app: &TestApp, token: &str, pdf: &[u8]) -> (u16, String) {
    let form =
        Form::new().part("pdf", Part::bytes(pdf.to_vec()).file_name("mine.pdf").mime_str("application/pdf").unwrap());
    let res = app.client.post(format!("{}/v/{token}/compare", app.base)).multipart(form).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// The public token the hub gave a document (never part of an API answer: the store is asked directly).
/// The document's public token, as its issuer reads it from the API (the operator is not shown it).
async fn token_of(app: &TestApp, document: &str) -> String {
    let id: ecert_domain::ids::DocumentId = document.parse().unwrap();
    let stored = app.hub.store().get_document(id).await.unwrap().unwrap().public_token;
    let issuer = app.get(&format!("/api/v1/documents/{document}"), app.cab()).await;
    assert_eq!(issuer.body["public_token"], stored.as_str(), "{:?}", issuer.body);
    let operator = app.get(&format!("/api/v1/documents/{document}"), app.op()).await;
    assert!(operator.body["public_token"].is_null(), "{:?}", operator.body);
    stored
}

async fn change_status(app: &TestApp, document: &str, body: Value) {
    let r = app.post(&format!("/api/v1/documents/{document}/status"), app.cab(), body).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
}

async fn status_lookup(app: &TestApp, key: &str, country: &str, number: &str) -> Response {
    let r = app.get(&format!("/api/v1/status/{country}/{number}"), key).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["disclaimer"], DISCLAIMER);
    assert_eq!(r.body.as_object().unwrap().len(), 2, "only status and disclaimer cross the wire: {:?}", r.body);
    r
}

fn signer(r: &Response) -> &Value {
    &r.body["registry"]["signers"][0]
}

#[tokio::test]
async fn a_valid_document_gets_its_registry_facts_and_status() {
    let app = exchange_app().await;
    let pushed = push_ok(&app, "KZ-TR-V-1").await;
    let log = app.log_size().await;

    let r = verify(&app, app.receiver(), &pushed.pdf, None).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["disclaimer"], DISCLAIMER);
    assert_eq!(r.body["report"]["document"]["indication"], "TOTAL_PASSED", "{:?}", r.body["report"]);
    assert_eq!(r.body["pdf_sha256"], pushed.submission["document"]["pdf_sha256"]);
    let s = signer(&r);
    assert_eq!(s["registered"], true);
    assert_eq!(s["certificate"]["status"], "active");
    assert_eq!(s["certificate"]["valid_now"], true);
    assert_eq!(s["cab"]["id"], app.demo.cab_id);
    assert_eq!(s["cab"]["country"], "KZ");
    assert_eq!(s["cab"]["name"], "Almaty Product Testing Laboratory");
    assert_eq!(s["cab"]["status_now"], "active");
    assert_eq!(s["cab"]["accreditation_valid_now"], true);
    let scope = &r.body["registry"]["scope"];
    assert_eq!(scope["covered"], true, "{scope:?}");
    assert_eq!(scope["document_type"], "TR");
    assert_eq!(scope["hs_codes"][0]["hs_code"], "847130");
    let known = &r.body["known_document"];
    assert_eq!(known["matched_by"], "pdf_sha256");
    assert_eq!(known["details_visible"], true, "the receiver may see it");
    assert_eq!(known["id"], pushed.document.as_str());
    assert_eq!(known["document_number"], "KZ-TR-V-1");
    assert_eq!(known["issuer"], app.demo.cab_id);
    assert_eq!(known["status"], "VALID");
    assert_eq!(known["epix_status"], "VALID");
    assert_eq!(known["submitted_leaf"], pushed.submission["receipt"]["leaf_index"]);

    // The file is not kept; the check itself leaves one event, with the file's digest.
    assert_eq!(app.cached_files(), 1);
    assert_eq!(app.log_size().await, log + 1);
    let events = app.get("/api/v1/audit/events?limit=500", app.receiver()).await;
    let verified =
        events.body["items"].as_array().unwrap().iter().filter(|e| e.to_string().contains("document_verified")).count();
    assert_eq!(verified, 1, "{:?}", events.body);

    // The issuer, the operator: details. The PDF as a bare application/pdf body works the same.
    for key in [app.cab(), app.op()] {
        let r = verify_raw(&app, key, &pushed.pdf).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!(r.body["known_document"]["details_visible"], true);
    }

    // Another CAB holding the file learns its status, not the hub's records about it.
    let (_, other) = app.second_cab().await;
    let r = verify(&app, &other, &pushed.pdf, None).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let known = &r.body["known_document"];
    assert_eq!((known["status"].as_str(), known["epix_status"].as_str()), (Some("VALID"), Some("VALID")));
    assert_eq!(known["details_visible"], false);
    for hidden in ["id", "document_number", "issuer", "pdf_sha256", "submitted_leaf"] {
        assert!(known[hidden].is_null(), "{hidden} leaked: {known:?}");
    }
    assert!(r.body["registry"]["scope"].is_null(), "the scope facts name the HS codes");
    assert_eq!(signer(&r)["cab"]["id"], app.demo.cab_id, "registry facts are public within the hub");
}

#[tokio::test]
async fn a_tampered_copy_fails_and_is_not_the_known_document() {
    let app = exchange_app().await;
    let pushed = push_ok(&app, "KZ-TR-V-2").await;
    let mut tampered = pushed.pdf.clone();
    let at = tampered.windows(5).position(|w| w == b"TEST ").expect("title in the page content");
    tampered[at] = b'B';

    let r = verify(&app, app.receiver(), &tampered, None).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["report"]["document"]["indication"], "TOTAL_FAILED", "{:?}", r.body["report"]);
    assert!(r.body["known_document"].is_null(), "{:?}", r.body["known_document"]);
    assert_ne!(r.body["pdf_sha256"], pushed.submission["document"]["pdf_sha256"]);

    // The altered bytes hide the signer, so there is no CAB to look the number up with, and no registry facts.
    assert_eq!(r.body["registry"]["signers"][0]["fingerprint_sha256"], Value::Null, "{:?}", r.body["registry"]);
    assert_eq!(r.body["registry"]["signers"][0]["registered"], false);
    let r = verify(&app, app.receiver(), &tampered, Some("KZ-TR-V-2")).await;
    assert!(r.body["known_document"].is_null(), "{:?}", r.body["known_document"]);

    // A copy signed with the CAB's other registered key: found by the signer's CAB and the number, and the
    // answer says the file is not the submitted one.
    let copy = signed_pdf(TestSigner::ValidEcP256, "KZ-TR-V-2");
    let r = verify(&app, app.receiver(), &copy, Some("KZ-TR-V-2")).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["report"]["document"]["indication"], "TOTAL_PASSED");
    let known = &r.body["known_document"];
    assert_eq!(known["matched_by"], "document_number", "{known:?}");
    assert_eq!(known["id"], pushed.document.as_str());
    assert_ne!(known["pdf_sha256"], r.body["pdf_sha256"]);
    assert!(verify(&app, app.receiver(), &copy, None).await.body["known_document"].is_null());
}

#[tokio::test]
async fn a_cab_suspended_after_issue_shows_in_the_registry_facts_not_in_the_document_status() {
    let app = exchange_app().await;
    let pushed = push_ok(&app, "KZ-TR-V-3").await;
    let cab = app.demo.cab_id.clone();
    let s = app.post(&format!("/api/v1/institutions/{cab}/status"), app.op(), json!({"status": "suspended"})).await;
    assert_eq!(s.status, 200, "{:?}", s.body);

    let r = verify(&app, app.receiver(), &pushed.pdf, None).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["report"]["document"]["indication"], "TOTAL_PASSED");
    assert_eq!(signer(&r)["cab"]["status_now"], "suspended");
    assert_eq!(r.body["registry"]["scope"]["covered"], true, "the scope covered it on its issue date");
    assert_eq!(r.body["known_document"]["status"], "VALID");

    let token = token_of(&app, &pushed.document).await;
    let (status, _, html) = page(&app, &format!("/v/{token}"), None).await;
    assert_eq!(status, 200);
    assert!(html.contains(">VALID<"), "{html}");
    assert_eq!(status_lookup(&app, app.receiver(), "KZ", "KZ-TR-V-3").await.body["status"], "VALID");
}

#[tokio::test]
async fn a_withdrawn_document_is_cancelled_everywhere() {
    let app = exchange_app().await;
    let pushed = push_ok(&app, "KZ-TR-V-4").await;
    assert_eq!(status_lookup(&app, app.receiver(), "KZ", "KZ-TR-V-4").await.body["status"], "VALID");
    change_status(&app, &pushed.document, json!({"status": "WITHDRAWN", "reason": "issued in error"})).await;

    let r = verify(&app, app.receiver(), &pushed.pdf, None).await;
    assert_eq!(r.body["known_document"]["status"], "WITHDRAWN");
    assert_eq!(r.body["known_document"]["epix_status"], "CANCELLED");
    assert_eq!(r.body["report"]["document"]["indication"], "TOTAL_PASSED", "the signature itself is still intact");
    let token = token_of(&app, &pushed.document).await;
    let (status, _, html) = page(&app, &format!("/v/{token}"), None).await;
    assert_eq!(status, 200);
    assert!(html.contains("WITHDRAWN / CANCELLED"), "{html}");
    assert_eq!(status_lookup(&app, app.receiver(), "KZ", "KZ-TR-V-4").await.body["status"], "CANCELLED");
}

#[tokio::test]
async fn a_replaced_document_points_to_its_replacement() {
    let app = exchange_app().await;
    let old = push_ok(&app, "KZ-TR-V-5").await;
    let new = push_ok(&app, "KZ-TR-V-5R").await;
    change_status(
        &app,
        &old.document,
        json!({"status": "REPLACED", "reason": "corrected", "replaced_by": new.document}),
    )
    .await;

    let r = verify(&app, app.receiver(), &old.pdf, None).await;
    assert_eq!(r.body["known_document"]["status"], "REPLACED");
    assert_eq!(r.body["known_document"]["replaced_by"], new.document.as_str());
    assert_eq!(r.body["known_document"]["epix_status"], "CANCELLED");

    let (old_token, new_token) = (token_of(&app, &old.document).await, token_of(&app, &new.document).await);
    let (status, _, html) = page(&app, &format!("/v/{old_token}"), None).await;
    assert_eq!(status, 200);
    assert!(html.contains(">REPLACED<"), "{html}");
    assert!(html.contains(&format!("href=\"/v/{new_token}?lang=en\"")), "links the replacement: {html}");
    let (_, _, replacement) = page(&app, &format!("/v/{new_token}"), None).await;
    assert!(replacement.contains(">VALID<"));
    assert_eq!(status_lookup(&app, app.receiver(), "KZ", "KZ-TR-V-5").await.body["status"], "CANCELLED");
    assert_eq!(status_lookup(&app, app.receiver(), "KZ", "KZ-TR-V-5R").await.body["status"], "VALID");
}

#[tokio::test]
async fn the_status_lookup_answers_only_those_who_may_ask() {
    let app = exchange_app().await;
    push_ok(&app, "KZ-TR-V-6").await;
    let focal = app.key_for_role("national_focal_point").await;
    let (_, other_cab) = app.second_cab().await;
    for key in [app.op(), app.cab(), app.receiver(), focal.as_str()] {
        assert_eq!(status_lookup(&app, key, "KZ", "KZ-TR-V-6").await.body["status"], "VALID");
    }
    assert_eq!(status_lookup(&app, app.receiver(), "kz", "KZ-TR-V-6").await.body["status"], "VALID");
    let not_available = status_lookup(&app, app.receiver(), "KZ", "KZ-TR-NONE").await.body;
    assert_eq!(not_available["status"], "NOT_AVAILABLE");
    // Another CAB, another country, a malformed country: the same answer as an unknown number.
    assert_eq!(status_lookup(&app, &other_cab, "KZ", "KZ-TR-V-6").await.body, not_available);
    assert_eq!(status_lookup(&app, app.receiver(), "UZ", "KZ-TR-V-6").await.body, not_available);
    assert_eq!(status_lookup(&app, app.receiver(), "K1", "KZ-TR-V-6").await.body, not_available);
    let r = app.call(reqwest::Method::GET, "/api/v1/status/KZ/KZ-TR-V-6", None, None).await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn a_suspended_document_is_not_available_by_number_but_suspended_on_its_page() {
    let app = exchange_app().await;
    let pushed = push_ok(&app, "KZ-TR-V-7").await;
    change_status(&app, &pushed.document, json!({"status": "SUSPENDED", "reason": "under review"})).await;
    assert_eq!(status_lookup(&app, app.receiver(), "KZ", "KZ-TR-V-7").await.body["status"], "NOT_AVAILABLE");
    let token = token_of(&app, &pushed.document).await;
    let (status, _, html) = page(&app, &format!("/v/{token}"), None).await;
    assert_eq!(status, 200);
    assert!(html.contains(">SUSPENDED<"), "{html}");
}

#[tokio::test]
async fn every_unavailable_token_gets_the_same_neutral_page() {
    let app = exchange_app().await;
    let reserved = app.post("/api/v1/document-tokens", app.cab(), json!({})).await;
    assert_eq!(reserved.status, 201, "{:?}", reserved.body);
    let unused = reserved.body["token"].as_str().unwrap().to_owned();
    let (status, headers, neutral) = page(&app, "/v/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", None).await;
    assert_eq!(status, 404);
    assert!(neutral.contains("NOT AVAILABLE"));
    assert!(!neutral.contains("AAAAAAAA"), "the token is never echoed");
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    let long = "x".repeat(5000);
    for token in ["short", "not a token!", "%3Cscript%3E", long.as_str(), unused.as_str()] {
        let (s, _, body) = page(&app, &format!("/v/{token}"), None).await;
        assert_eq!((s, body.as_str()), (404, neutral.as_str()), "{token}");
    }
    // Comparing against a token that names nothing: the same page, the upload unread.
    let (s, body) = compare(&app, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", b"%PDF-1.7").await;
    assert_eq!((s, body.as_str()), (404, neutral.as_str()));
    let (s, _, ru) = page(&app, "/v/nothing?lang=ru", None).await;
    assert_eq!(s, 404);
    assert!(ru.contains("НЕДОСТУПНО"), "{ru}");
}

#[tokio::test]
async fn the_page_speaks_russian_and_carries_strict_headers() {
    let app = exchange_app().await;
    let pushed = push_ok(&app, "KZ-TR-V-8").await;
    let token = token_of(&app, &pushed.document).await;
    let (status, headers, en) = page(&app, &format!("/v/{token}"), None).await;
    assert_eq!(status, 200);
    let disclaimer = DISCLAIMER.replace('\'', "&#39;");
    for text in
        ["<html lang=\"en\">", ">VALID<", "Almaty Product Testing Laboratory", ">KZ<", "Test report", &disclaimer]
    {
        assert!(en.contains(text), "{text} missing: {en}");
    }
    // Dates in the language's own pattern ("23 November 2026").
    let today = time::OffsetDateTime::now_utc().date();
    assert!(en.contains(&format!("<dd>{} {} {}</dd>", today.day(), today.month(), today.year())), "issue date: {en}");
    // Nothing else about the document: no number, product, applicant, HS code.
    for secret in ["KZ-TR-V-8", "8471", "Portable", pushed.document.as_str()] {
        assert!(!en.contains(secret), "{secret} leaked");
    }
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("unsafe-inline") && !csp.contains("script-src"),
        "{csp}"
    );
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["vary"], "Cookie, Accept-Language", "the language is read from both");
    assert!(headers.get("set-cookie").is_none(), "the public page sets no cookie");
    assert!(!en.contains("<script") && !en.contains("style="), "no inline script or style");

    for (path, accept) in
        [(format!("/v/{token}?lang=ru"), None), (format!("/v/{token}"), Some("ru-RU,ru;q=0.9,en;q=0.5"))]
    {
        let (status, _, ru) = page(&app, &path, accept).await;
        assert_eq!(status, 200);
        for text in ["<html lang=\"ru\">", "ДЕЙСТВИТЕЛЕН", "Протокол испытаний", "Выдавший орган", "не является"]
        {
            assert!(ru.contains(text), "{text} missing: {ru}");
        }
    }
    let (_, _, css) = page(&app, "/static/verify.css", None).await;
    assert!(css.contains(".status"));
}

#[tokio::test]
async fn the_compare_form_tells_the_registered_file_from_another() {
    let app = exchange_app().await;
    let pushed = push_ok(&app, "KZ-TR-V-9").await;
    let token = token_of(&app, &pushed.document).await;
    let (_, _, html) = page(&app, &format!("/v/{token}"), None).await;
    assert!(html.contains(&format!("action=\"/v/{token}/compare?lang=en\"")), "{html}");
    let (s, body) = compare(&app, &token, &pushed.pdf).await;
    assert_eq!(s, 200);
    assert!(body.contains("The file is identical to the registered document."), "{body}");
    let mut other = pushed.pdf.clone();
    other.extend_from_slice(b"\n% appended\n");
    let (s, body) = compare(&app, &token, &other).await;
    assert_eq!(s, 200);
    assert!(body.contains("NOT identical"), "{body}");
    let (s, body) = compare(&app, &token, b"GIF89a").await;
    assert_eq!(s, 422);
    assert!(body.contains("not a PDF"), "{body}");
    assert_eq!(app.cached_files(), 1, "nothing uploaded is kept");
}

#[tokio::test]
async fn floods_get_429_with_retry_after() {
    let verification = ecert_server::VerificationConfig {
        rate_limit: ecert_server::RateLimit { per_minute: 1, burst: 3, max_clients: 100 },
        ..Default::default()
    };
    let app = TestApp::start_with(Options { pki: true, verification, ..Options::default() }).await;
    for _ in 0..3 {
        assert_eq!(page(&app, "/v/nothing", None).await.0, 404);
    }
    let (status, headers, html) = page(&app, "/v/nothing", Some("ru")).await;
    assert_eq!(status, 429);
    assert!(headers["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    assert!(html.contains("Слишком много запросов"), "{html}");
    // The API has its own bucket, and answers problem+json.
    for _ in 0..3 {
        assert_eq!(verify(&app, app.receiver(), b"not a pdf", None).await.status, 422);
    }
    let r = verify(&app, app.receiver(), b"not a pdf", None).await;
    assert_problem(&r, 429, None);
    assert!(r.header("retry-after").is_some());
    // Other API calls are not limited.
    assert_eq!(app.get("/api/v1/me", app.receiver()).await.status, 200);
}

#[tokio::test]
async fn bad_uploads_are_refused_and_leave_nothing() {
    let settings = ecert_hub::ExchangeSettings { max_pdf_bytes: 200_000, ..Default::default() };
    let app = TestApp::start_with(Options { pki: true, settings, ..Options::default() }).await;
    let log = app.log_size().await;
    assert_problem(&verify(&app, app.receiver(), b"GIF89a not a pdf", None).await, 422, Some("pdf"));
    assert_problem(&verify(&app, app.receiver(), b"%PDF-1.7\ngarbage that is no PDF", None).await, 422, Some("pdf"));
    assert_problem(&verify(&app, app.receiver(), b"", None).await, 422, Some("pdf"));
    let big = [b"%PDF-1.7\n".as_slice(), &vec![b'0'; 200_001]].concat();
    assert_problem(&verify(&app, app.receiver(), &big, None).await, 413, None);
    assert_problem(&verify_raw(&app, app.receiver(), &big).await, 413, None);
    let r = app.post("/api/v1/verify", app.receiver(), json!({})).await;
    assert_problem(&r, 415, None);
    assert_eq!(app.log_size().await, log, "refused uploads leave no event");
    // An unsigned but readable PDF is verified: the report says there is no signature.
    let r = verify(&app, app.receiver(), &unsigned_pdf("KZ-TR-V-10"), None).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["report"]["document"]["signature_count"], 0);
    assert_eq!(r.body["registry"]["signers"], json!([]));
}

/// Reserve a token, print its QR code, sign, push with the token: the page answers for that document.
#[tokio::test]
async fn a_reserved_token_becomes_the_documents_page() {
    let app = exchange_app().await;
    let r = app.post("/api/v1/document-tokens", app.cab(), json!({})).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let token = r.body["token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 32);
    let url = r.body["url"].as_str().unwrap().to_owned();
    assert_eq!(url, format!("http://localhost:8080/v/{token}"));

    let number = "KZ-TR-QR-1";
    let stamped = ecert_pdf::qr::stamp_qr(&unsigned_pdf(number), &url, ecert_pdf::qr::Corner::BottomRight).unwrap();
    let pki = TestPki::shared().unwrap();
    let pdf = sign_pdf(&stamped, &SignOptions::new(&pki.signer(TestSigner::ValidRsa).credentials)).unwrap();
    let mut meta = metadata(number);
    meta["public_token"] = json!(token);
    let pushed = push(&app, app.cab(), &meta, &pdf, None).await;
    assert_eq!(pushed.status, 201, "{:?}", pushed.body);
    assert_eq!(token_of(&app, pushed.body["document"]["id"].as_str().unwrap()).await, token);
    let (status, _, html) = page(&app, &format!("/v/{token}"), None).await;
    assert_eq!(status, 200);
    assert!(html.contains(">VALID<"), "{html}");
    let (_, body) = compare(&app, &token, &pdf).await;
    assert!(body.contains("identical to the registered"), "{body}");

    // Used, foreign, unknown, malformed: 422 on public_token, nothing stored.
    let (_, other_cab) = app.second_cab().await;
    let foreign =
        app.post("/api/v1/document-tokens", &other_cab, json!({})).await.body["token"].as_str().unwrap().to_owned();
    let before = app.log_size().await;
    for (i, bad) in
        [token.as_str(), foreign.as_str(), "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB", "not-a-token"].into_iter().enumerate()
    {
        let number = format!("KZ-TR-QR-BAD-{i}");
        let mut meta = metadata(&number);
        meta["public_token"] = json!(bad);
        let r = push(&app, app.cab(), &meta, &signed_pdf(TestSigner::ValidRsa, &number), None).await;
        assert_problem(&r, 422, Some("public_token"));
    }
    assert_eq!(app.log_size().await, before);
    assert_eq!(app.cached_files(), 1);

    // Only issuing CABs reserve tokens.
    let r = app.post("/api/v1/document-tokens", app.receiver(), json!({})).await;
    assert_problem(&r, 403, None);
}

#[tokio::test]
async fn unused_reservations_are_bounded_per_cab() {
    let app = exchange_app().await;
    let max = ecert_hub::verification::MAX_OPEN_RESERVATIONS_PER_DAY;
    for _ in 0..max {
        let r = app.post("/api/v1/document-tokens", app.cab(), json!({})).await;
        assert_eq!(r.status, 201, "{:?}", r.body);
    }
    let r = app.post("/api/v1/document-tokens", app.cab(), json!({})).await;
    assert_problem(&r, 409, None);
    // Another CAB is not affected.
    let (_, other_cab) = app.second_cab().await;
    assert_eq!(app.post("/api/v1/document-tokens", &other_cab, json!({})).await.status, 201);
}
