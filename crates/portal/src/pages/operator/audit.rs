//! The audit log, paged (operator), and the event rows the receiver's audit trail shares.

use super::refuse_unless_operator;
use super::shared::{Names, cursor, institution_names, link_with_query, page_after};
use crate::key;
use crate::page::{Ctx, render};
use crate::state::PortalState;
use crate::viewer::Viewer;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use ecert_domain::audit::EventType;
use ecert_domain::page::PageRequest;
use ecert_store::StoredAuditEvent;
use serde::Deserialize;
use std::collections::HashMap;
use time::OffsetDateTime;

const PAGE_SIZE: u32 = 50;

/// The translation key of an event type (one literal per variant, so a new event type needs its text).
pub(crate) fn event_key(t: EventType) -> &'static str {
    match t {
        EventType::CountryRegistered => key!("operator-event-country_registered"),
        EventType::InstitutionCreated => key!("operator-event-institution_created"),
        EventType::InstitutionStatusChanged => key!("operator-event-institution_status_changed"),
        EventType::InstitutionWithdrawalNotified => key!("operator-event-institution_withdrawal_notified"),
        EventType::InstitutionContactsChanged => key!("operator-event-institution_contacts_changed"),
        EventType::AccreditationBodyCreated => key!("operator-event-accreditation_body_created"),
        EventType::AccreditationCreated => key!("operator-event-accreditation_created"),
        EventType::ScopeEntryCreated => key!("operator-event-scope_entry_created"),
        EventType::CertificateRegistered => key!("operator-event-certificate_registered"),
        EventType::CertificateRenewed => key!("operator-event-certificate_renewed"),
        EventType::CertificateRevoked => key!("operator-event-certificate_revoked"),
        EventType::ApiKeyCreated => key!("operator-event-api_key_created"),
        EventType::ApiKeyRevoked => key!("operator-event-api_key_revoked"),
        EventType::OperatorBootstrapped => key!("operator-event-operator_bootstrapped"),
        EventType::DocumentSubmitted => key!("operator-event-document_submitted"),
        EventType::DocumentRejected => key!("operator-event-document_rejected"),
        EventType::DocumentRouted => key!("operator-event-document_routed"),
        EventType::DocumentDelivered => key!("operator-event-document_delivered"),
        EventType::DocumentDeliveryFailed => key!("operator-event-document_delivery_failed"),
        EventType::DocumentDownloaded => key!("operator-event-document_downloaded"),
        EventType::DocumentAcknowledged => key!("operator-event-document_acknowledged"),
        EventType::DocumentStatusChanged => key!("operator-event-document_status_changed"),
        EventType::PdfDeleted => key!("operator-event-pdf_deleted"),
        EventType::RecordsPurged => key!("operator-event-records_purged"),
        EventType::WebhookRegistered => key!("operator-event-webhook_registered"),
        EventType::WebhookRemoved => key!("operator-event-webhook_removed"),
        EventType::DocumentVerified => key!("operator-event-document_verified"),
        EventType::UserCreated => key!("operator-event-user_created"),
        EventType::UserStatusChanged => key!("operator-event-user_status_changed"),
        EventType::UserSecondFactorReset => key!("operator-event-user_second_factor_reset"),
        EventType::UserLoggedIn => key!("operator-event-user_logged_in"),
        EventType::UserLoginFailed => key!("operator-event-user_login_failed"),
        EventType::UserLockedOut => key!("operator-event-user_locked_out"),
        EventType::TotpEnrolled => key!("operator-event-totp_enrolled"),
    }
}

/// One audit event as a table row: identifiers only, as the log holds them, with institutions named.
#[derive(Debug, Clone)]
pub(crate) struct AuditRow {
    pub leaf_index: u64,
    pub time: String,
    pub event_code: String,
    pub event: String,
    pub actor: String,
    pub credential: String,
    pub subject: String,
    pub subjects: Vec<String>,
}

impl AuditRow {
    /// A row; `users` names the portal users behind `user:<id>` credentials (the operator's view; the log itself
    /// keeps only the id).
    pub(crate) fn new(ctx: &Ctx, names: &Names, users: &HashMap<String, String>, stored: &StoredAuditEvent) -> Self {
        let e = &stored.event;
        let time = OffsetDateTime::from_unix_timestamp_nanos(i128::from(e.time_ms) * 1_000_000)
            .map(|t| ctx.datetime(&t))
            .unwrap_or_default();
        let name = |id: Option<ecert_domain::ids::InstitutionId>| match id {
            Some(id) => names.name(id),
            None => ctx.t("operator-hub-itself"),
        };
        Self {
            leaf_index: stored.leaf_index,
            time,
            event_code: e.event_type.code(),
            event: ctx.t(event_key(e.event_type)),
            actor: name(e.actor),
            credential: e
                .credential
                .strip_prefix("user:")
                .and_then(|id| users.get(id))
                .map(|username| format!("user:{username}"))
                .unwrap_or_else(|| e.credential.clone()),
            subject: name(e.subject_institution),
            subjects: e.subjects.clone(),
        }
    }
}

#[derive(Deserialize, Default)]
pub(super) struct AuditQuery {
    after: Option<String>,
}

#[derive(Template)]
#[template(path = "operator/audit.html")]
struct AuditPage {
    ctx: Ctx,
    rows: Vec<AuditRow>,
    count: String,
    next_page: Option<String>,
    first_page: bool,
}

pub(super) async fn audit_log(State(state): State<PortalState>, viewer: Viewer, RawQuery(raw): RawQuery) -> Response {
    if let Some(denied) = refuse_unless_operator(&viewer) {
        return denied;
    }
    let query: AuditQuery = serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    let after = cursor(&query.after);
    let mut ctx = viewer.ctx();
    let p = viewer.principal();
    let hub = &state.hub;
    let fetch = |req: PageRequest| async move { hub.list_audit_events(p, &req).await };
    let page = match page_after(&mut ctx, after.clone(), PAGE_SIZE, key!("operator-error-cursor"), fetch).await {
        Ok(page) => page,
        Err(e) => return viewer.fail(&e),
    };
    let names = match institution_names(&state, p).await {
        Ok(names) => names,
        Err(e) => return viewer.fail(&e),
    };
    let users: HashMap<String, String> = match state.hub.list_users(p, None).await {
        Ok(users) => users.into_iter().map(|u| (u.id.to_string(), u.username)).collect(),
        Err(e) => return viewer.fail(&e),
    };
    let rows: Vec<AuditRow> = page.items.iter().map(|e| AuditRow::new(&ctx, &names, &users, e)).collect();
    let page_view = AuditPage {
        count: ctx.count("operator-audit-count", rows.len()),
        next_page: page.next_cursor.map(|c| link_with_query("/portal/audit", [("after", c.as_str())])),
        first_page: after.is_none(),
        rows,
        ctx,
    };
    render(StatusCode::OK, &page_view)
}
