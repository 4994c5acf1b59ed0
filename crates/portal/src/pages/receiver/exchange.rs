//! One exchange as its receiver sees it: the document's metadata, the verification report in plain words, the
//! issuer's status history, the audit trail, the PDF download (streamed), and the reply form.

use super::refuse_unless_receiver;
use super::report::{ReportView, plain_words};
use crate::csrf::CsrfForm;
use crate::errors::flash_error;
use crate::key;
use crate::page::{Ctx, render, see_other};
use crate::pages::operator::audit::AuditRow;
use crate::pages::operator::shared::{SelectOption, hs_display, institution_names, path_id};
use crate::state::PortalState;
use crate::viewer::Viewer;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use ecert_domain::auth::Principal;
use ecert_domain::exchange::{BusinessDecision, DeliveryStatus, NewBusinessReply};
use ecert_domain::ids::ExchangeId;
use ecert_domain::page::{MAX_PAGE_SIZE, PageRequest};
use ecert_hub::HubError;
use ecert_hub::exchange::ExchangeDetail;
use ecert_store::StoredAuditEvent;
use serde::Deserialize;

/// The audit trail reads the receiver's events from the document's submission onwards, this many at most, and
/// shows this many of those about the document. A long-lived busy receiver sees the first ones and a note.
const MAX_AUDIT_SCANNED: usize = 4 * MAX_PAGE_SIZE as usize;
const MAX_AUDIT_SHOWN: usize = 100;

fn decision_key(d: BusinessDecision) -> &'static str {
    match d {
        BusinessDecision::Received => crate::key!("receiver-reply-received"),
        BusinessDecision::Accepted => crate::key!("receiver-reply-accepted"),
        BusinessDecision::Rejected => crate::key!("receiver-reply-rejected"),
    }
}

/// One label: value line of the metadata list; `id` is the `<dd>`'s id for tests and deep links.
struct Fact {
    id: &'static str,
    label: String,
    value: String,
}

struct HistoryRow {
    at: String,
    change: String,
    reason: String,
}

/// The reply already given.
struct GivenReply {
    decision_code: &'static str,
    summary: String,
    reason_code: Option<String>,
    text: Option<String>,
}

/// What the reply form sent, shown again when it was refused.
#[derive(Default)]
struct ReplyDraft {
    decision: String,
    reason_code: String,
    reason_text: String,
}

#[derive(Template)]
#[template(path = "receiver/exchange.html")]
struct ExchangePage {
    ctx: Ctx,
    id: String,
    number: String,
    status_code: &'static str,
    status: String,
    status_class: &'static str,
    facts: Vec<Fact>,
    report: Option<ReportView>,
    history: Vec<HistoryRow>,
    trail: Vec<AuditRow>,
    trail_note: Option<String>,
    pdf_available: bool,
    reply: Option<GivenReply>,
    can_reply: bool,
    decisions: Vec<SelectOption>,
    reason_code: String,
    reason_text: String,
}

/// The receiver's audit events about this exchange's document, oldest first. Every such event comes after the
/// document's submission, so the scan starts at its leaf instead of at the beginning of the log.
async fn audit_trail(
    state: &PortalState,
    p: &Principal,
    detail: &ExchangeDetail,
) -> Result<(Vec<StoredAuditEvent>, bool), HubError> {
    let subjects = [format!("document:{}", detail.document.id), format!("exchange:{}", detail.exchange.id)];
    let mut after = detail.document.submitted_leaf.checked_sub(1).map(|leaf| leaf.to_string());
    let mut scanned = 0usize;
    let mut found = Vec::new();
    loop {
        let page = state.hub.list_audit_events(p, &PageRequest::new(after, Some(MAX_PAGE_SIZE))).await?;
        scanned += page.items.len();
        found.extend(page.items.into_iter().filter(|e| e.event.subjects.iter().any(|s| subjects.contains(s))));
        if found.len() >= MAX_AUDIT_SHOWN {
            found.truncate(MAX_AUDIT_SHOWN);
            return Ok((found, true));
        }
        match page.next_cursor {
            Some(c) if scanned < MAX_AUDIT_SCANNED => after = Some(c),
            Some(_) => return Ok((found, true)),
            None => return Ok((found, false)),
        }
    }
}

async fn exchange_page(
    state: &PortalState,
    viewer: &Viewer,
    ctx: Ctx,
    id: ExchangeId,
    draft: ReplyDraft,
    status: StatusCode,
) -> Response {
    let p = viewer.principal();
    let detail = match state.hub.get_exchange(p, id).await {
        Ok(d) => d,
        Err(e) => return viewer.fail(&e),
    };
    let (trail, truncated) = match audit_trail(state, p, &detail).await {
        Ok(t) => t,
        Err(e) => return viewer.fail(&e),
    };
    let names = match institution_names(state, p).await {
        Ok(n) => n,
        Err(e) => return viewer.fail(&e),
    };
    let countries = match state.hub.list_countries(p).await {
        Ok(c) => c,
        Err(e) => return viewer.fail(&e),
    };
    let country = |code: ecert_domain::country::CountryCode| match countries.iter().find(|c| c.code == code) {
        Some(c) => format!("{} ({code})", c.name),
        None => code.to_string(),
    };
    let ExchangeDetail { exchange, document, status_history, report } = &detail;
    let m = &document.metadata;
    let none = || ctx.t("receiver-field-none");
    let party = |party: &Option<ecert_domain::document::Party>| match party {
        Some(p) => match p.country {
            Some(c) => format!("{}, {}", p.name, country(c)),
            None => p.name.clone(),
        },
        None => none(),
    };
    let fact = |id: &'static str, key: &str, value: String| Fact { id, label: ctx.t(key), value };
    let mut facts = vec![
        fact("fact-number", key!("receiver-field-document-number"), m.document_number.clone()),
        fact("fact-type", key!("receiver-field-document-type"), ctx.document_type(&m.document_type)),
        fact("fact-document-status", key!("receiver-field-document-status"), ctx.document_status(&document.status)),
        fact(
            "fact-issuer",
            key!("receiver-field-issuer"),
            format!("{}, {}", names.name(document.issuer), country(document.issuer_country)),
        ),
        fact(
            "fact-hs-codes",
            key!("receiver-field-hs-codes"),
            m.hs_codes.iter().map(|h| hs_display(h.as_str())).collect::<Vec<_>>().join(", "),
        ),
        fact("fact-product", key!("receiver-field-product"), m.product_description.clone()),
        fact("fact-issue-date", key!("receiver-field-issue-date"), ctx.date(&m.issue_date)),
        fact("fact-valid-until", key!("receiver-field-valid-until"), ctx.date(&m.valid_until)),
        fact("fact-destination", key!("receiver-field-destination"), country(m.destination_country)),
        fact("fact-applicant", key!("receiver-field-applicant"), party(&m.applicant)),
        fact("fact-manufacturer", key!("receiver-field-manufacturer"), party(&m.manufacturer)),
        fact(
            "fact-standards",
            key!("receiver-field-standards"),
            if m.applied_standards.is_empty() { none() } else { m.applied_standards.join("; ") },
        ),
        fact("fact-reference", key!("receiver-field-hub-reference"), document.id.to_string()),
        fact("fact-submitted", key!("receiver-field-submitted"), ctx.datetime(&document.submitted_at)),
        fact(
            "fact-pdf-sha256",
            key!("receiver-field-pdf-sha256"),
            document.pdf_sha256.0.iter().map(|b| format!("{b:02x}")).collect(),
        ),
        fact("fact-pdf-size", key!("receiver-field-pdf-size"), ctx.file_size(&document.pdf_size)),
    ];
    if let Some(by) = document.replaced_by {
        facts.insert(3, fact("fact-replaced-by", key!("receiver-field-replaced-by"), by.to_string()));
    }
    let history = status_history
        .iter()
        .map(|h| HistoryRow {
            at: ctx.datetime(&h.at),
            change: ctx.t2(
                "receiver-history-change",
                "from",
                ctx.document_status(&h.from),
                "to",
                ctx.document_status(&h.to),
            ),
            reason: h.reason.clone(),
        })
        .collect();
    // Receivers do not list users, so credentials stay as the log records them.
    let trail: Vec<AuditRow> = trail.iter().map(|e| AuditRow::new(&ctx, &names, &Default::default(), e)).collect();
    let pdf_available = document.pdf_deleted_at.is_none()
        && !matches!(exchange.status, DeliveryStatus::Expired | DeliveryStatus::PdfDeleted);
    let reply = exchange.reply.as_ref().map(|r| GivenReply {
        decision_code: r.decision.code(),
        summary: ctx.t2(
            "receiver-reply-given",
            "decision",
            ctx.t(decision_key(r.decision)),
            "date",
            ctx.datetime(&r.at),
        ),
        reason_code: r.reason_code.as_ref().map(|c| ctx.t1("receiver-reply-given-code", "code", c)),
        text: r.text.as_ref().map(|t| ctx.t1("receiver-reply-given-text", "text", t)),
    });
    let can_reply = exchange.status != DeliveryStatus::Acknowledged;
    let page = ExchangePage {
        id: exchange.id.to_string(),
        number: m.document_number.clone(),
        status_code: exchange.status.code(),
        status: ctx.delivery_status(&exchange.status),
        status_class: crate::labels::delivery_status_class(exchange.status),
        facts,
        report: plain_words(&ctx, report.as_ref()),
        history,
        trail_note: truncated.then(|| ctx.count("receiver-audit-truncated", trail.len())),
        trail,
        pdf_available,
        reply,
        can_reply,
        decisions: BusinessDecision::ALL
            .into_iter()
            .map(|d| SelectOption::new(d.code(), ctx.t(decision_key(d)), Some(draft.decision.as_str())))
            .collect(),
        reason_code: draft.reason_code,
        reason_text: draft.reason_text,
        ctx,
    };
    render(status, &page)
}

pub(super) async fn detail(State(state): State<PortalState>, viewer: Viewer, Path(id): Path<String>) -> Response {
    if let Some(denied) = refuse_unless_receiver(&viewer) {
        return denied;
    }
    match path_id::<ExchangeId>(&id, "exchange") {
        Ok(id) => exchange_page(&state, &viewer, viewer.ctx(), id, ReplyDraft::default(), StatusCode::OK).await,
        Err(e) => viewer.fail(&e),
    }
}

/// The signed PDF as an attachment, streamed from the hub's cache with its size and digest.
pub(super) async fn download(State(state): State<PortalState>, viewer: Viewer, Path(id): Path<String>) -> Response {
    if let Some(denied) = refuse_unless_receiver(&viewer) {
        return denied;
    }
    let result = match path_id::<ExchangeId>(&id, "exchange") {
        Ok(id) => state.hub.download_pdf(viewer.principal(), id).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(download) => crate::download::pdf_response(download),
        Err(HubError::Gone(_)) => {
            let mut ctx = viewer.ctx();
            ctx.error(ctx.t("receiver-pdf-gone-page"));
            render(StatusCode::GONE, &crate::pages::MessagePage::new(ctx, crate::key!("error-title")))
        }
        Err(e) => viewer.fail(&e),
    }
}

#[derive(Deserialize)]
pub(super) struct ReplyForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason_code: String,
    #[serde(default)]
    reason_text: String,
}

pub(super) async fn reply(
    State(state): State<PortalState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ReplyForm>,
) -> Response {
    if let Some(denied) = refuse_unless_receiver(&viewer) {
        return denied;
    }
    let id = match path_id::<ExchangeId>(&id, "exchange") {
        Ok(id) => id,
        Err(e) => return viewer.fail(&e),
    };
    let reply = NewBusinessReply {
        decision: form.decision.clone(),
        reason_code: Some(form.reason_code.clone()),
        text: Some(form.reason_text.clone()),
    };
    match state.hub.reply_to_exchange(viewer.principal(), id, reply).await {
        Ok(_) => see_other(&format!("/portal/inbox/{id}?notice=receiver-reply-sent")),
        Err(e @ (HubError::NotFound(_) | HubError::Forbidden(_))) => viewer.fail(&e),
        Err(e) => {
            let mut ctx = viewer.ctx();
            let status = match &e {
                // Answered already (or just now, concurrently): the page shows the answer given.
                HubError::Conflict(_) => {
                    ctx.error(ctx.t("receiver-reply-already"));
                    StatusCode::CONFLICT
                }
                other => flash_error(&mut ctx, other),
            };
            let draft =
                ReplyDraft { decision: form.decision, reason_code: form.reason_code, reason_text: form.reason_text };
            exchange_page(&state, &viewer, ctx, id, draft, status).await
        }
    }
}
