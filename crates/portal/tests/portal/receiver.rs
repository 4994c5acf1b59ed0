//! The receiving authority's inbox and exchange pages.

use crate::harness::{TestApp, all_attrs, attr, row, unescape};
use ecert_domain::exchange::DeliveryStatus;
use ecert_domain::institution::Role;

#[tokio::test]
async fn the_inbox_lists_filters_and_pages_newest_first() {
    let app = TestApp::start().await;
    let mut receiver = app.login_demo("customs").await;
    for i in 0..26 {
        app.push(&format!("KZ-TR-{i:04}"), None).await;
    }

    let page = receiver.get("/portal/inbox").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.tag("inbox-filter").is_some());
    page.assert_forms_have_csrf(&receiver.csrf());
    let numbers = page.attrs("data-document-number");
    assert_eq!(numbers.len(), 25, "one page");
    assert_eq!(numbers[0], "KZ-TR-0025", "newest first");
    assert_eq!(all_attrs(&page.body, "href").iter().filter(|h| h.starts_with("/portal/inbox/")).count(), 25);
    let first_row = row(&page.body, "data-document-number", "KZ-TR-0025").unwrap();
    assert!(first_row.contains("class=\"open\""));
    assert!(first_row.contains("data-status=\"PENDING_DELIVERY\""), "{first_row}");

    // The next page continues where the first stopped and is the last one.
    let next = unescape(attr(page.tag("next-page").expect("a#next-page"), "href").unwrap());
    let second = receiver.get(&next).await;
    assert_eq!(second.status, 200);
    assert_eq!(second.attrs("data-document-number"), vec!["KZ-TR-0000".to_owned()]);
    assert!(second.tag("next-page").is_none());
    assert!(second.tag("first-page").is_some());

    // Each filter narrows the list; the pages keep the filters.
    let today = app.hub.now().date();
    let yesterday = today - time::Duration::days(1);
    let cab = app.cab_id();
    let other = ecert_domain::ids::InstitutionId::new();
    let cases: Vec<(String, usize)> = vec![
        ("hs_prefix=8471".into(), 25),
        ("hs_prefix=8471.30".into(), 25),
        ("hs_prefix=9999".into(), 0),
        ("document_type=TR".into(), 25),
        ("document_type=CoC".into(), 0),
        ("status=PENDING_DELIVERY".into(), 25),
        ("status=ACKNOWLEDGED".into(), 0),
        ("issuer_country=KZ".into(), 25),
        ("issuer_country=UZ".into(), 0),
        (format!("cab={cab}"), 25),
        (format!("cab={other}"), 0),
        (format!("issued_from={today}&issued_to={today}"), 25),
        (format!("issued_to={yesterday}"), 0),
        ("status=&issuer_country=&cab=&document_type=&hs_prefix=&issued_from=&issued_to=".into(), 25),
    ];
    for (query, expected) in cases {
        let page = receiver.get(&format!("/portal/inbox?{query}")).await;
        assert_eq!(page.status, 200, "{query}: {}", page.flash());
        assert_eq!(page.attrs("data-document-number").len(), expected, "{query}");
        if expected == 0 {
            assert!(page.has("No documents match these filters."), "{query}");
        }
    }
    let filtered = receiver.get("/portal/inbox?hs_prefix=84&document_type=TR").await;
    let next = unescape(attr(filtered.tag("next-page").unwrap(), "href").unwrap());
    assert!(next.contains("hs_prefix=84") && next.contains("document_type=TR"), "{next}");
    assert!(filtered.body.contains("value=\"84\""), "the form shows the filter again");
}

#[tokio::test]
async fn bad_filters_are_explained_and_nothing_is_searched() {
    let app = TestApp::start().await;
    app.push("KZ-TR-0001", None).await;
    let mut receiver = app.login_demo("customs").await;
    for query in [
        "hs_prefix=abc",
        "hs_prefix=12345678901",
        "issued_from=2026-02-30",
        "issued_from=2026-05-02&issued_to=2026-05-01",
        "status=LOST",
        "issuer_country=Kazakhstan",
        "cab=not-an-id",
        "document_type=XX",
    ] {
        let page = receiver.get(&format!("/portal/inbox?{query}")).await;
        assert_eq!(page.status, 422, "{query}");
        assert!(page.flash().contains("Some filters are not valid"), "{query}: {}", page.flash());
        assert!(page.tag("inbox").is_none(), "no results for an unusable filter: {query}");
        assert!(!page.flash().contains("must be"), "no raw hub text: {}", page.flash());
    }
    // A page link that no longer parses shows the first page and says so.
    let page = receiver.get("/portal/inbox?after=12_nonsense").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.attrs("data-document-number"), vec!["KZ-TR-0001".to_owned()]);
    assert!(page.flash().contains("no longer valid"), "{}", page.flash());

    receiver.set_language("ru");
    let page = receiver.get("/portal/inbox?hs_prefix=abc").await;
    assert_eq!(page.status, 422);
    assert!(page.flash().contains("Некоторые фильтры заданы неверно"), "{}", page.flash());
    assert!(page.has("<html lang=\"ru\">"));
}

#[tokio::test]
async fn an_exchange_is_read_downloaded_and_answered() {
    let app = TestApp::start().await;
    let (submission, pdf) = app.push("KZ-TR-0042", None).await;
    let id = TestApp::exchange_of(&submission, app.receiver_id());
    let mut receiver = app.login_demo("customs").await;
    let path = format!("/portal/inbox/{id}");

    // Opening it proves delivery.
    let page = receiver.get(&path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(attr(page.tag("exchange-status").unwrap(), "data-status"), Some("DELIVERED"));
    assert!(page.tag("fact-number").is_some() && page.has("KZ-TR-0042"));
    assert!(page.has("Almaty Product Testing Laboratory"), "the issuer is named");
    assert_eq!(attr(page.tag("report").unwrap(), "data-indication"), Some("TOTAL_PASSED"));
    assert!(page.has("The file has not been changed since it was signed."));
    assert!(page.has("data-event=\"document_delivered\""), "the audit trail shows the delivery");
    assert!(page.has("The issuer has not changed the status of this document."));
    assert_eq!(attr(page.tag("download").unwrap(), "href"), Some(format!("{path}/pdf").as_str()));
    assert!(page.tag("reply").is_some() && page.tag("reply-submit").is_some());
    page.assert_forms_have_csrf(&receiver.csrf());

    // The download is the signed file, byte for byte.
    let (status, headers, bytes) = receiver.get_bytes(&format!("{path}/pdf")).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(headers["content-disposition"], "attachment; filename=\"KZ-TR-0042.pdf\"");
    assert!(headers["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
    assert_eq!(bytes, pdf);
    let page = receiver.get(&path).await;
    assert_eq!(attr(page.tag("exchange-status").unwrap(), "data-status"), Some("DOWNLOADED"));
    assert!(page.has("data-event=\"document_downloaded\""));

    // Refused replies change nothing.
    let before = app.log_size().await;
    let page = receiver
        .post(&format!("{path}/reply"), &[("decision", "rejected"), ("reason_code", ""), ("reason_text", "x")])
        .await;
    assert_eq!(page.status, 422);
    assert!(page.flash().contains("Reason code"), "{}", page.flash());
    assert!(page.has(">x</textarea>"), "the form keeps what was typed");
    let page = receiver.post(&format!("{path}/reply"), &[("decision", "maybe")]).await;
    assert_eq!(page.status, 422);
    assert!(page.flash().contains("Decision"), "{}", page.flash());
    let page =
        receiver.post(&format!("{path}/reply"), &[("decision", "rejected"), ("reason_code", "lower case")]).await;
    assert_eq!(page.status, 422);
    let page = receiver.post_raw(&format!("{path}/reply"), &[("decision", "accepted")]).await;
    assert_eq!(page.status, 403, "no CSRF field");
    assert!(page.flash().contains("security token"), "{}", page.flash());
    assert_eq!(app.log_size().await, before, "nothing was recorded");
    let page = receiver.get(&path).await;
    assert_eq!(attr(page.tag("exchange-status").unwrap(), "data-status"), Some("DOWNLOADED"));

    // The answer goes through, once.
    let page = receiver
        .post(
            &format!("{path}/reply"),
            &[("decision", "rejected"), ("reason_code", "HS_MISMATCH"), ("reason_text", "Wrong code")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.location().unwrap(), format!("{path}?notice=receiver-reply-sent"));
    let page = receiver.get(page.location().unwrap()).await;
    assert!(page.flash().contains("Your decision was sent to the issuer."), "{}", page.flash());
    assert_eq!(attr(page.tag("exchange-status").unwrap(), "data-status"), Some("ACKNOWLEDGED"));
    assert_eq!(attr(page.tag("reply-given").unwrap(), "data-decision"), Some("rejected"));
    assert!(page.has("HS_MISMATCH") && page.has("Wrong code"));
    assert!(page.tag("reply").is_none(), "no second answer");
    let detail = app.hub.get_exchange(&app.admin(), id).await.unwrap();
    assert_eq!(detail.exchange.status, DeliveryStatus::Acknowledged);
    let page = receiver.post(&format!("{path}/reply"), &[("decision", "accepted")]).await;
    assert_eq!(page.status, 409);
    assert!(page.flash().contains("already been answered"), "{}", page.flash());

    // Answered by every receiver, the PDF is deleted (the default retention): the page says so, the link goes.
    assert!(app.hub.run_due_jobs("test-worker", 10).await.unwrap() >= 1);
    let page = receiver.get(&path).await;
    assert_eq!(attr(page.tag("exchange-status").unwrap(), "data-status"), Some("PDF_DELETED"));
    assert!(page.tag("download").is_none() && page.tag("pdf-gone").is_some());
    let gone = receiver.get(&format!("{path}/pdf")).await;
    assert_eq!(gone.status, 410);
    assert!(gone.flash().contains("no longer available"), "{}", gone.flash());
}

#[tokio::test]
async fn the_exchange_page_speaks_russian() {
    let app = TestApp::start().await;
    let (submission, _) = app.push("KZ-TR-0007", None).await;
    let id = TestApp::exchange_of(&submission, app.receiver_id());
    let mut receiver = app.login_demo("customs").await;
    receiver.set_language("ru");
    let page = receiver.get(&format!("/portal/inbox/{id}")).await;
    assert_eq!(page.status, 200);
    for text in
        ["Результат проверки", "Файл не изменялся после подписания.", "Скачать подписанный PDF", "Отправить решение"]
    {
        assert!(page.has(text), "missing {text}");
    }
    let page = receiver.post(&format!("/portal/inbox/{id}/reply"), &[("decision", "rejected")]).await;
    assert_eq!(page.status, 422);
    assert!(page.flash().contains("Код причины"), "{}", page.flash());

    // The issuer suspends the document: the receiver sees the change and its reason.
    let cab = ecert_domain::auth::Principal {
        institution: app.cab_id(),
        roles: vec![Role::IssuingCab],
        credential: ecert_domain::auth::Credential::LocalAdmin,
    };
    let change = ecert_domain::document::NewStatusChange {
        status: "SUSPENDED".into(),
        reason: "Проверка образцов".into(),
        replaced_by: None,
    };
    app.hub.change_document_status(&cab, submission.document.id, change).await.unwrap();
    let page = receiver.get(&format!("/portal/inbox/{id}")).await;
    let history =
        page.tag("status-history").map(|_| &page.body[page.body.find("id=\"status-history\"").unwrap()..]).unwrap();
    assert!(history.contains("Действителен → Приостановлен") && history.contains("Проверка образцов"), "{history}");
    assert!(page.body.contains("id=\"fact-document-status\">Приостановлен<"));
    let inbox = receiver.get("/portal/inbox").await;
    assert!(inbox.has("1 документ на этой странице"), "Russian plural: {}", inbox.body);
}

#[tokio::test]
async fn receivers_see_only_their_own_exchanges() {
    let app = TestApp::start().await;
    let (submission, _) = app.push("KZ-TR-0100", Some(app.receiver_id())).await;
    let id = TestApp::exchange_of(&submission, app.receiver_id());
    let other_authority = app.institution("UZ", "Uzbekistan Customs Committee", &[Role::Customs]).await;
    let mut other = app.create_user(other_authority, "other-customs", &[Role::Customs]).await;

    for path in [format!("/portal/inbox/{id}"), format!("/portal/inbox/{id}/pdf")] {
        let page = other.get(&path).await;
        assert_eq!(page.status, 404, "{path}");
        assert!(!page.has("KZ-TR-0100"), "nothing of the document leaks");
    }
    let page = other.post(&format!("/portal/inbox/{id}/reply"), &[("decision", "accepted")]).await;
    assert_eq!(page.status, 404);
    let inbox = other.get("/portal/inbox").await;
    assert_eq!(inbox.status, 200);
    assert!(inbox.attrs("data-document-number").is_empty());
    let detail = app.hub.get_exchange(&app.admin(), id).await.unwrap();
    assert_eq!(detail.exchange.status, DeliveryStatus::PendingDelivery, "the other receiver changed nothing");
    assert!(detail.exchange.reply.is_none());

    // Other roles have no inbox, even for exchanges the hub would show them.
    for username in ["cab", "operator"] {
        let mut user = app.login_demo(username).await;
        for path in ["/portal/inbox".to_owned(), format!("/portal/inbox/{id}"), format!("/portal/inbox/{id}/pdf")] {
            let page = user.get(&path).await;
            assert_eq!(page.status, 403, "{username} {path}");
            assert!(!page.has("KZ-TR-0100"));
        }
    }

    let mut receiver = app.login_demo("customs").await;
    for path in ["/portal/inbox/not-an-id", "/portal/inbox/00000000-0000-0000-0000-000000000000"] {
        assert_eq!(receiver.get(path).await.status, 404, "{path}");
    }
    let mut anonymous = app.browser();
    let page = anonymous.get("/portal/inbox").await;
    assert_eq!(page.status, 303);
    assert!(page.location().unwrap().starts_with("/portal/login"));
}

#[tokio::test]
async fn the_language_switcher_keeps_the_inbox_filter() {
    let app = TestApp::start().await;
    app.push("KZ-TR-0001", None).await;
    let mut receiver = app.login_demo("customs").await;
    let page = receiver.get("/portal/inbox?hs_prefix=9999&document_type=TR&lang=en").await;
    assert!(page.has("No documents match these filters."));
    let href = unescape(attr(page.tag("lang-ru").expect("a#lang-ru"), "href").unwrap());
    assert_eq!(href, "/portal/inbox?hs_prefix=9999&document_type=TR&lang=ru");
    let page = receiver.get(&href).await;
    assert!(page.has("<html lang=\"ru\">"));
    assert!(page.attrs("data-document-number").is_empty(), "still filtered: {}", page.body);
    assert!(page.body.contains("value=\"9999\""), "the form shows the filter again");
    let back = unescape(attr(page.tag("lang-en").unwrap(), "href").unwrap());
    assert_eq!(back, "/portal/inbox?hs_prefix=9999&document_type=TR&lang=en");
}
