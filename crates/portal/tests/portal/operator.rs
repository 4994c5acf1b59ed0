//! The operator's console: institutions, accreditation and scope, the Public Key Registry, users, the audit log
//! and the retention settings.

use crate::harness::{TestApp, attr, row, unescape};
use ecert_domain::institution::LifecycleStatus;
use ecert_domain::pkr::CertificateStatus;
use ecert_domain::user::UserStatus;
use ecert_pki::testpki::TestSigner;

const PAGES: [&str; 5] =
    ["/portal/institutions", "/portal/certificates", "/portal/users", "/portal/audit", "/portal/retention"];

fn id_from_location(location: &str, prefix: &str) -> String {
    location.strip_prefix(prefix).unwrap().split(['?', '/']).next().unwrap().to_owned()
}

#[tokio::test]
async fn only_the_operator_opens_the_console() {
    let app = TestApp::start().await;
    let mut operator = app.login_demo("operator").await;
    for path in PAGES {
        let page = operator.get(path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.flash());
        page.assert_forms_have_csrf(&operator.csrf());
        assert!(page.has("aria-current=\"page\""), "{path}: the navigation marks the page");
    }
    let detail = operator.get(&format!("/portal/institutions/{}", app.cab_id())).await;
    assert_eq!(detail.status, 200);
    detail.assert_forms_have_csrf(&operator.csrf());

    let mut others = [("cab", app.login_demo("cab").await), ("customs", app.login_demo("customs").await)];
    let before = app.log_size().await;
    for (username, user) in &mut others {
        for path in PAGES.iter().map(|p| p.to_string()).chain([format!("/portal/institutions/{}", app.cab_id())]) {
            let page = user.get(&path).await;
            assert_eq!(page.status, 403, "{username} {path}");
            assert!(page.flash().contains("for the hub operator only"), "{username} {path}: {}", page.flash());
        }
        let page = user
            .post("/portal/institutions", &[("name", "Sneaky"), ("country", "KZ"), ("roles", "hub_operator")])
            .await;
        assert_eq!(page.status, 403, "{username}");
        let page =
            user.post(&format!("/portal/institutions/{}/status", app.cab_id()), &[("status", "suspended")]).await;
        assert_eq!(page.status, 403, "{username}");
        let page = user
            .post_multipart("/portal/certificates", &[("institution", &app.cab_id().to_string()), ("pem", "x")], None)
            .await;
        assert_eq!(page.status, 403, "{username}");
    }
    assert_eq!(app.log_size().await, before, "nothing was recorded");
    let cab = app.hub.get_institution(&app.admin(), app.cab_id()).await.unwrap();
    assert_eq!(cab.institution.status, LifecycleStatus::Active);

    assert_eq!(app.browser().get("/portal/institutions").await.status, 303);
}

#[tokio::test]
async fn institutions_are_created_activated_and_given_accreditation_and_scope() {
    let app = TestApp::start().await;
    let mut operator = app.login_demo("operator").await;
    let list = operator.get("/portal/institutions").await;
    for name in ["Almaty Product Testing Laboratory", "Uzbekistan Technical Regulation Agency"] {
        assert!(list.has(name), "{name}");
    }
    assert!(list.attrs("data-institution-id").contains(&app.cab_id().to_string()));

    // Refused: no roles, an unknown country. Nothing is stored.
    let before = app.log_size().await;
    let page = operator.post("/portal/institutions", &[("name", "Samarkand Lab"), ("country", "UZ")]).await;
    assert_eq!(page.status, 422);
    assert!(page.flash().contains("Roles"), "{}", page.flash());
    assert!(page.has("value=\"Samarkand Lab\""), "the form keeps the name");
    let page = operator
        .post("/portal/institutions", &[("name", "Nowhere Lab"), ("country", "ZZ"), ("roles", "issuing_cab")])
        .await;
    assert_eq!(page.status, 422);
    assert!(page.flash().contains("Country"), "{}", page.flash());
    let page = operator
        .post_raw("/portal/institutions", &[("name", "Forged"), ("country", "UZ"), ("roles", "issuing_cab")])
        .await;
    assert_eq!(page.status, 403, "no CSRF field");
    assert_eq!(app.log_size().await, before);

    // Created pending, then activated.
    let page = operator
        .post(
            "/portal/institutions",
            &[("name", "Samarkand Lab"), ("country", "UZ"), ("roles", "issuing_cab"), ("roles", "regulator")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.flash());
    let id = id_from_location(page.location().unwrap(), "/portal/institutions/");
    let page = operator.get(page.location().unwrap()).await;
    assert!(page.flash().contains("The institution was added."), "{}", page.flash());
    assert_eq!(attr(page.tag("institution-status").unwrap(), "data-status"), Some("pending"));
    assert!(page.has("Samarkand Lab") && page.tag("add-accreditation").is_some() && page.tag("add-scope").is_some());
    let page = operator.post(&format!("/portal/institutions/{id}/status"), &[("status", "withdrawn")]).await;
    assert_eq!(page.status, 422, "withdrawal has its own form");
    let page = operator.post(&format!("/portal/institutions/{id}/status"), &[("status", "suspended")]).await;
    assert_eq!(page.status, 409, "pending cannot be suspended");
    let page = operator.post(&format!("/portal/institutions/{id}/status"), &[("status", "active")]).await;
    assert_eq!(page.status, 303);
    let page = operator.get(page.location().unwrap()).await;
    assert_eq!(attr(page.tag("institution-status").unwrap(), "data-status"), Some("active"));

    // Accreditation needs a body: add one, then refuse a bad record and accept a good one.
    let page = operator
        .post(
            "/portal/accreditation-bodies",
            &[("name", "Uzbek Accreditation Centre"), ("country", "UZ"), ("arrangement", "bogus")],
        )
        .await;
    assert_eq!(page.status, 422);
    let page = operator
        .post(
            "/portal/accreditation-bodies",
            &[("name", "Uzbek Accreditation Centre"), ("country", "UZ"), ("arrangement", "ilac_mra")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.flash());
    let bodies =
        app.hub.list_accreditation_bodies(&app.admin(), &ecert_domain::page::PageRequest::first(50)).await.unwrap();
    let body = bodies.items.iter().find(|b| b.name == "Uzbek Accreditation Centre").unwrap().id.to_string();
    let path = format!("/portal/institutions/{id}/accreditations");
    let page = operator
        .post(
            &path,
            &[
                ("basis", "iso17025"),
                ("body", &body),
                ("certificate_number", "UZ.T.1"),
                ("valid_from", ""),
                ("valid_until", "2030-01-01"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.flash().contains("Valid from"), "{}", page.flash());
    assert!(page.has("value=\"UZ.T.1\""), "the form keeps the number");
    let page = operator
        .post(
            &path,
            &[
                ("basis", "iso17025"),
                ("body", &body),
                ("certificate_number", "UZ.T.1"),
                ("valid_from", "2026-01-01"),
                ("valid_until", "2025-01-01"),
            ],
        )
        .await;
    assert_eq!(page.status, 422, "until before from");
    let page = operator
        .post(
            &path,
            &[
                ("basis", "iso17025"),
                ("body", &body),
                ("certificate_number", "UZ.T.1"),
                ("valid_from", "2026-01-01"),
                ("valid_until", "2030-01-01"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.flash());
    let page = operator.get(page.location().unwrap()).await;
    assert!(row(&page.body, "data-certificate-number", "UZ.T.1").unwrap().contains("Uzbek Accreditation Centre"));

    let path = format!("/portal/institutions/{id}/scope");
    let page = operator
        .post(
            &path,
            &[("document_type", "TR"), ("hs_prefix", "84x"), ("destinations", "KZ"), ("valid_from", "2026-01-01")],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.flash().contains("HS code prefix"), "{}", page.flash());
    let page = operator
        .post(
            &path,
            &[
                ("document_type", "TR"),
                ("hs_prefix", "8471"),
                ("destinations", "KZ, UZ"),
                ("valid_from", "2026-01-01"),
                ("valid_until", ""),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.flash());
    let page = operator.get(page.location().unwrap()).await;
    assert!(row(&page.body, "data-hs-prefix", "8471").unwrap().contains("KZ, UZ"));

    // Withdrawal: a bad date is refused; a notice is recorded.
    let path = format!("/portal/institutions/{id}/withdrawal");
    assert_eq!(operator.post(&path, &[("effective_date", "soon")]).await.status, 422);
    let page = operator.post(&path, &[("effective_date", "")]).await;
    assert_eq!(page.status, 303);
    let page = operator.get(page.location().unwrap()).await;
    assert!(page.tag("withdrawal").is_some() && page.tag("notify-withdrawal").is_none());

    // A country is added the same way; a bad code is refused.
    assert_eq!(operator.post("/portal/countries", &[("code", "K1"), ("name", "Bad")]).await.status, 422);
    assert_eq!(operator.post("/portal/countries", &[("code", "KG"), ("name", "Kyrgyzstan")]).await.status, 303);
    assert!(operator.get("/portal/institutions").await.has("data-country=\"KG\""));

    // Filters and unknown ids.
    let page = operator.get("/portal/institutions?role=issuing_cab").await;
    let ids = page.attrs("data-institution-id");
    assert_eq!(ids.len(), 2, "the demo CAB and the new one");
    assert_eq!(operator.get("/portal/institutions?role=wizard").await.status, 422);
    assert_eq!(operator.get("/portal/institutions/not-an-id").await.status, 404);
    assert_eq!(operator.get(&format!("/portal/institutions/{}", uuid::Uuid::nil())).await.status, 404);

    operator.set_language("ru");
    let page = operator.get(&format!("/portal/institutions/{id}")).await;
    assert!(page.has("Разрешённая область") && page.has("Аккредитация"));
}

#[tokio::test]
async fn the_public_key_registry_registers_renews_and_revokes() {
    let app = TestApp::start().await;
    let mut operator = app.login_demo("operator").await;
    let cab = app.cab_id().to_string();
    let list = operator.get("/portal/certificates").await;
    assert_eq!(list.status, 200);
    assert_eq!(list.attrs("data-fingerprint").len(), 3, "the demo CA and two signers");
    assert_eq!(list.body.matches("class=\"revoke inline\"").count(), 3);
    assert_eq!(list.body.matches("class=\"revoke-submit danger\"").count(), 3);
    assert!(list.tag("register-certificate").is_some());

    // Refused: garbage, an expired certificate, no institution, no certificate at all.
    let before = app.log_size().await;
    let page = operator
        .post_multipart("/portal/certificates", &[("institution", &cab), ("pem", "not a certificate")], None)
        .await;
    assert_eq!(page.status, 422);
    assert!(page.flash().contains("Certificate"), "{}", page.flash());
    assert!(page.has("not a certificate</textarea>"));
    let expired = app.pki.signer(TestSigner::Expired).credentials.certificate.to_pem();
    let page = operator.post_multipart("/portal/certificates", &[("institution", &cab), ("pem", &expired)], None).await;
    assert_eq!(page.status, 422);
    let fresh = &app.pki.signer(TestSigner::ValidEcP384).credentials.certificate;
    let page =
        operator.post_multipart("/portal/certificates", &[("institution", ""), ("pem", &fresh.to_pem())], None).await;
    assert_eq!(page.status, 422);
    let page = operator.post_multipart("/portal/certificates", &[("institution", &cab), ("pem", "")], None).await;
    assert_eq!(page.status, 422);
    let page = operator
        .post_multipart(
            "/portal/certificates",
            &[("institution", &app.receiver_id().to_string()), ("pem", &fresh.to_pem())],
            None,
        )
        .await;
    assert_eq!(page.status, 422, "only an issuing CAB holds signing certificates");
    assert_eq!(app.log_size().await, before);

    // Registered from a DER file.
    let page = operator
        .post_multipart(
            "/portal/certificates",
            &[("institution", &cab), ("pem", "")],
            Some(("certificate_file", "p384.der", fresh.der().to_vec())),
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.flash());
    let page = operator.get(page.location().unwrap()).await;
    assert!(page.flash().contains("The certificate was registered."), "{}", page.flash());
    assert_eq!(page.attrs("data-fingerprint").len(), 4);
    let registered =
        app.hub.list_certificates(&app.admin(), None, &ecert_domain::page::PageRequest::first(50)).await.unwrap();
    let p384 = registered.items.iter().find(|c| c.der == fresh.der()).unwrap().clone();
    let p384_row = row(&page.body, "data-fingerprint", &p384.fingerprint_sha256).unwrap();
    assert!(p384_row.contains("data-status=\"active\""), "{p384_row}");
    let page =
        operator.post_multipart("/portal/certificates", &[("institution", &cab), ("pem", &fresh.to_pem())], None).await;
    assert_eq!(page.status, 409, "registered twice");

    // Revoked with a reason; a bad reason or a second revocation changes nothing.
    let path = format!("/portal/certificates/{}/revoke", p384.id);
    assert_eq!(operator.post(&path, &[("reason", "boredom")]).await.status, 422);
    assert_eq!(operator.post_raw(&path, &[("reason", "key_compromise")]).await.status, 403, "no CSRF field");
    let page = operator.post(&path, &[("reason", "key_compromise")]).await;
    assert_eq!(page.status, 303);
    let page = operator.get(page.location().unwrap()).await;
    assert!(page.flash().contains("The certificate was revoked."), "{}", page.flash());
    let revoked_row = row(&page.body, "data-fingerprint", &p384.fingerprint_sha256).unwrap();
    assert!(
        revoked_row.contains("data-status=\"revoked\"") && !revoked_row.contains("class=\"revoke"),
        "{revoked_row}"
    );
    assert_eq!(operator.post(&path, &[("reason", "key_compromise")]).await.status, 409);
    let detail = operator.get(&format!("/portal/certificates/{}", p384.id)).await;
    assert_eq!(attr(detail.tag("certificate-status").unwrap(), "data-status"), Some("revoked"));
    assert!(detail.has("Key compromise") && detail.tag("renew-certificate").is_none());
    assert!(detail.has("data-action=\"revoked\""));

    // Renewal: an active certificate is superseded by a new one.
    let rsa = registered
        .items
        .iter()
        .find(|c| c.der == app.pki.signer(TestSigner::ValidRsa).credentials.certificate.der())
        .unwrap();
    let detail = operator.get(&format!("/portal/certificates/{}", rsa.id)).await;
    assert!(detail.tag("renew-certificate").is_some());
    detail.assert_forms_have_csrf(&operator.csrf());
    let renew = format!("/portal/certificates/{}/renew", rsa.id);
    let page = operator
        .post_multipart(&renew, &[("pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----")], None)
        .await;
    assert_eq!(page.status, 422);
    assert!(page.tag("renew-certificate").is_some(), "the detail page again");
    let not_yet = app.pki.signer(TestSigner::NotYetValid).credentials.certificate.to_pem();
    assert_eq!(operator.post_multipart(&renew, &[("pem", &not_yet)], None).await.status, 422, "not yet valid");
    let root = app.pki.root_certificate().to_pem();
    let page = operator.post_multipart(&renew, &[("pem", &root)], None).await;
    assert_eq!(page.status, 303, "{}", page.flash());
    let page = operator.get(page.location().unwrap()).await;
    assert!(page.flash().contains("The certificate was renewed."), "{}", page.flash());
    assert!(page.has("data-action=\"registered\""));
    let old = app.hub.get_certificate(&app.admin(), rsa.id).await.unwrap();
    assert_eq!(old.certificate.status, CertificateStatus::Superseded);
    let page = operator.get(&format!("/portal/certificates/{}", rsa.id)).await;
    assert_eq!(attr(page.tag("certificate-status").unwrap(), "data-status"), Some("superseded"));
    assert!(page.tag("renew-certificate").is_none(), "only an active certificate is renewed");

    assert_eq!(operator.get("/portal/certificates/nope").await.status, 404);
    assert_eq!(operator.post("/portal/certificates/nope/revoke", &[("reason", "unspecified")]).await.status, 404);
    assert_eq!(operator.get(&format!("/portal/certificates?institution={}", uuid::Uuid::nil())).await.status, 404);
    let filtered = operator.get(&format!("/portal/certificates?institution={}", app.receiver_id())).await;
    assert_eq!(filtered.status, 200);
    assert!(filtered.attrs("data-fingerprint").is_empty());
}

#[tokio::test]
async fn users_are_created_disabled_enabled_and_reset() {
    let app = TestApp::start().await;
    let mut operator = app.login_demo("operator").await;
    let receiver = app.receiver_id().to_string();
    let list = operator.get("/portal/users").await;
    assert_eq!(list.attrs("data-username"), vec!["cab", "customs", "operator"]);
    assert!(
        !row(&list.body, "data-username", "operator").unwrap().contains("user-status-submit"),
        "no button to lock oneself out"
    );

    // Refused: short password, a role the institution lacks, a taken name. Nothing is created.
    let before = app.log_size().await;
    let base = [
        ("institution", receiver.as_str()),
        ("username", "alice"),
        ("display_name", "Alice Smith"),
        ("roles", "customs"),
    ];
    let page = operator.post("/portal/users", &[&base[..], &[("password", "short")]].concat()).await;
    assert_eq!(page.status, 422);
    assert!(page.flash().contains("Password"), "{}", page.flash());
    assert!(page.has("value=\"alice\"") && !page.has("value=\"short\""), "the name is kept, the password never");
    let wrong_role = [
        ("institution", receiver.as_str()),
        ("username", "alice"),
        ("display_name", "Alice"),
        ("roles", "issuing_cab"),
        ("password", "a-long-enough-password"),
    ];
    assert_eq!(operator.post("/portal/users", &wrong_role).await.status, 422);
    let taken = [
        ("institution", receiver.as_str()),
        ("username", "customs"),
        ("display_name", "Again"),
        ("roles", "customs"),
        ("password", "a-long-enough-password"),
    ];
    let page = operator.post("/portal/users", &taken).await;
    assert_eq!(page.status, 422);
    assert!(page.flash().contains("User name"), "{}", page.flash());
    assert_eq!(app.log_size().await, before);

    let page = operator.post("/portal/users", &[&base[..], &[("password", "a-long-enough-password")]].concat()).await;
    assert_eq!(page.status, 303, "{}", page.flash());
    let page = operator.get(page.location().unwrap()).await;
    assert!(page.flash().contains("The user was added."));
    assert_eq!(page.attrs("data-username"), vec!["alice", "customs"], "the list of the receiver's users");
    let alice_id = attr(row(&page.body, "data-username", "alice").unwrap(), "data-user-id").unwrap().to_owned();

    // Disable and enable.
    let path = format!("/portal/users/{alice_id}/status");
    assert_eq!(operator.post(&path, &[("status", "asleep")]).await.status, 422);
    let page = operator.post(&path, &[("status", "disabled")]).await;
    assert_eq!(page.status, 303);
    let page = operator.get(page.location().unwrap()).await;
    assert!(row(&page.body, "data-username", "alice").unwrap().contains("data-status=\"disabled\""));
    assert_eq!(operator.post(&path, &[("status", "disabled")]).await.status, 409, "already disabled");
    assert_eq!(operator.post(&path, &[("status", "active")]).await.status, 303);
    let alice = app.hub.get_user(&app.admin(), alice_id.parse().unwrap()).await.unwrap();
    assert_eq!(alice.status, UserStatus::Active);

    // The second factor of an enrolled user is reset; the operator cannot disable themselves.
    let mut customs = app.login_demo("customs").await;
    let page = operator.get("/portal/users").await;
    let customs_row = row(&page.body, "data-username", "customs").unwrap();
    assert!(customs_row.contains("reset-2fa-submit"), "{customs_row}");
    let customs_id = attr(customs_row, "data-user-id").unwrap().to_owned();
    let page = operator.post(&format!("/portal/users/{customs_id}/second-factor/reset"), &[]).await;
    assert_eq!(page.status, 303);
    assert!(!app.hub.get_user(&app.admin(), customs_id.parse().unwrap()).await.unwrap().totp_enrolled);
    assert_eq!(customs.get("/portal/inbox").await.status, 303, "the reset ended the user's session");
    let me = attr(row(&operator.get("/portal/users").await.body, "data-username", "operator").unwrap(), "data-user-id")
        .unwrap()
        .to_owned();
    let page = operator.post(&format!("/portal/users/{me}/status"), &[("status", "disabled")]).await;
    assert_eq!(page.status, 409);
    assert!(page.flash().contains("cannot disable your own user"), "{}", page.flash());
    assert_eq!(operator.post("/portal/users/nope/status", &[("status", "active")]).await.status, 404);
    assert_eq!(operator.get(&format!("/portal/users?institution={}", uuid::Uuid::nil())).await.status, 404);
    assert_eq!(operator.get("/portal/users?institution=nope").await.status, 404);
    assert_eq!(
        operator.post(&format!("/portal/users/{}/second-factor/reset", uuid::Uuid::nil()), &[]).await.status,
        404
    );
}

#[tokio::test]
async fn the_audit_log_pages_and_the_retention_settings_show() {
    let app = TestApp::start().await;
    // Enough events for more than one page of 50.
    while app.log_size().await <= 50 {
        app.push(&format!("KZ-TR-A{:03}", app.log_size().await), None).await;
    }
    let mut operator = app.login_demo("operator").await;
    let page = operator.get("/portal/audit").await;
    assert_eq!(page.status, 200);
    let leaves: Vec<u64> = page.attrs("data-leaf-index").iter().map(|l| l.parse().unwrap()).collect();
    assert_eq!(leaves.len(), 50, "one page");
    assert!(leaves.windows(2).all(|w| w[0] < w[1]), "oldest first");
    assert!(page.has("data-event=\"document_submitted\"") || page.has("data-event=\"institution_created\""));
    assert!(page.has("Institution created"), "event names in words");
    let second_page_user_events = operator.get("/portal/audit?after=10000").await;
    assert!(second_page_user_events.attrs("data-leaf-index").is_empty(), "past the end: nothing");
    let next = unescape(attr(page.tag("next-page").unwrap(), "href").unwrap());
    let second = operator.get(&next).await;
    let more: Vec<u64> = second.attrs("data-leaf-index").iter().map(|l| l.parse().unwrap()).collect();
    assert!(!more.is_empty() && more[0] > leaves[49], "the next page continues");
    // The last page holds the operator's own sign-in, its user named.
    let mut last = second;
    for _ in 0..20 {
        let Some(next) = last.tag("next-page").and_then(|t| attr(t, "href")).map(unescape) else {
            break;
        };
        last = operator.get(&next).await;
    }
    assert!(last.has("data-event=\"user_logged_in\"") && last.has("<code>user:operator</code>"), "{}", last.body);
    let page = operator.get("/portal/audit?after=not-a-number").await;
    assert_eq!(page.status, 200);
    assert!(page.flash().contains("no longer valid"), "{}", page.flash());

    let page = operator.get("/portal/retention").await;
    assert_eq!(page.status, 200);
    assert!(page.has("configuration file"), "says where the settings come from");
    assert_eq!(page.tag("retention-pdf-ttl").map(|_| ()), Some(()));
    assert!(
        page.has(">720 hours<") && page.has(">1,830 days<") && page.has(">once every receiver has answered<"),
        "{}",
        page.body
    );
    assert_eq!(page.body.matches("<form").count(), 1, "read-only: only the logout form");
    operator.set_language("ru");
    let page = operator.get("/portal/retention").await;
    assert!(
        page.has("файле конфигурации") && page.has(">720 часов<") && page.has(">1\u{a0}830 дней<"),
        "{}",
        page.body
    );
    let page = operator.get("/portal/audit").await;
    assert!(page.has("Организация создана"));
}
