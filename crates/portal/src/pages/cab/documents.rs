//! `/portal/documents`: the CAB's documents with the delivery status per receiver; `/portal/documents/{id}`: one
//! document (metadata, deliveries, status history, report) and its status change form.

use crate::csrf::CsrfForm;
use crate::errors;
use crate::key;
use crate::page::{Ctx, render, see_other};
use crate::state::PortalState;
use crate::viewer::Viewer;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use ecert_domain::auth::Principal;
use ecert_domain::document::{DocumentId, DocumentStatus, NewStatusChange};
use ecert_domain::ids::InstitutionId;
use ecert_domain::page::PageRequest;
use ecert_hub::HubError;
use ecert_hub::exchange::DocumentDetail;
use ecert_store::exchange::{DocumentFilter, DocumentRecord, ExchangeRecord};
use serde::Deserialize;
use std::collections::HashMap;

pub(crate) use crate::pages::receiver::report::ReportView;

/// Documents per page of the list (each row reads its deliveries too).
const PAGE_SIZE: u32 = 20;
/// The replacement choices offered: the CAB's most recent valid documents.
const REPLACEMENT_CHOICES: u32 = 100;
/// The longest cursor accepted from a link.
const MAX_CURSOR_LEN: usize = 200;

/// The report in plain words (one telling for every page of the portal).
pub(super) fn report_view(ctx: &Ctx, report: Option<&serde_json::Value>) -> Option<ReportView> {
    crate::pages::receiver::report::plain_words(ctx, report)
}

/// The document's public authenticity page, for the issuer to print or share.
pub(super) fn public_url(state: &PortalState, token: &str) -> String {
    format!("{}/v/{token}", state.config.public_base_url.trim_end_matches('/'))
}

/// One receiver's delivery, in words.
#[derive(Debug, Clone)]
pub(crate) struct Delivery {
    pub receiver: String,
    pub exchange: ExchangeRecord,
}

impl Delivery {
    pub fn class(&self) -> &'static str {
        crate::labels::delivery_status_class(self.exchange.status)
    }
}

/// Receiver names, read once per page.
struct Names(HashMap<InstitutionId, String>);

impl Names {
    async fn deliveries(
        &mut self,
        state: &PortalState,
        p: &Principal,
        exchanges: Vec<ExchangeRecord>,
    ) -> Vec<Delivery> {
        let mut out = Vec::with_capacity(exchanges.len());
        for exchange in exchanges {
            let receiver = match self.0.get(&exchange.receiver) {
                Some(name) => name.clone(),
                None => {
                    // A receiver the caller cannot read is still shown, by its reference.
                    let name = match state.hub.get_institution(p, exchange.receiver).await {
                        Ok(view) => view.institution.name,
                        Err(_) => exchange.receiver.to_string(),
                    };
                    self.0.insert(exchange.receiver, name.clone());
                    name
                }
            };
            out.push(Delivery { receiver, exchange });
        }
        out
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub document: DocumentRecord,
    pub deliveries: Vec<Delivery>,
}

impl Row {
    pub fn status_class(&self) -> &'static str {
        crate::labels::document_status_class(self.document.status)
    }
}

#[derive(Template)]
#[template(path = "cab/documents.html")]
struct DocumentsPage {
    ctx: Ctx,
    rows: Vec<Row>,
    status_filter: String,
    statuses: Vec<(String, String)>,
    next_page: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct ListQuery {
    status: Option<String>,
    after: Option<String>,
}

pub(super) async fn list(State(state): State<PortalState>, viewer: Viewer, Query(q): Query<ListQuery>) -> Response {
    if let Some(refusal) = super::refuse_unless_cab(&viewer) {
        return refusal;
    }
    let mut ctx = viewer.ctx();
    let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(code) => match DocumentStatus::parse(code) {
            Some(s) => Some(s),
            None => {
                ctx.error(errors::field_message(&ctx.lang, &ecert_domain::FieldError::new("status", "unknown")));
                None
            }
        },
    };
    let after = q.after.filter(|a| !a.is_empty() && a.len() <= MAX_CURSOR_LEN);
    let filter = DocumentFilter { status, ..Default::default() };
    let page = PageRequest { after, limit: PAGE_SIZE };
    let p = viewer.principal();
    let documents = match state.hub.list_documents(p, filter, &page).await {
        Ok(d) => d,
        Err(e) => return viewer.fail(&e),
    };
    let mut names = Names(HashMap::new());
    let mut rows = Vec::with_capacity(documents.items.len());
    for document in documents.items {
        let exchanges = match state.hub.get_document(p, document.id).await {
            Ok(detail) => detail.exchanges,
            Err(e) => return viewer.fail(&e),
        };
        rows.push(Row { deliveries: names.deliveries(&state, p, exchanges).await, document });
    }
    let status_filter = status.map(|s| s.code().to_owned()).unwrap_or_default();
    let next_page = documents.next_cursor.map(|c| {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("after", &c);
        if !status_filter.is_empty() {
            query.append_pair("status", &status_filter);
        }
        format!("/portal/documents?{}", query.finish())
    });
    let statuses = DocumentStatus::ALL.into_iter().map(|s| (s.code().to_owned(), ctx.document_status(&s))).collect();
    render(StatusCode::OK, &DocumentsPage { ctx, rows, status_filter, statuses, next_page })
}

/// The status change form's values, kept after a refusal.
#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct StatusForm {
    #[serde(default)]
    new_status: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    replaced_by: String,
}

#[derive(Template)]
#[template(path = "cab/document.html")]
struct DocumentPage {
    ctx: Ctx,
    detail: DocumentDetail,
    deliveries: Vec<Delivery>,
    public_url: Option<String>,
    report: Option<ReportView>,
    /// The changes the document's current status allows: (code, label).
    transitions: Vec<(String, String)>,
    /// The CAB's other valid documents, as replacement choices: (id, number).
    replacements: Vec<(String, String)>,
    form: StatusForm,
}

impl DocumentPage {
    fn status_class(&self) -> &'static str {
        crate::labels::document_status_class(self.detail.document.status)
    }
}

fn parse_id(id: &str) -> Result<DocumentId, HubError> {
    id.parse().map_err(|_| HubError::NotFound("document"))
}

async fn document_page(
    state: &PortalState,
    viewer: &Viewer,
    mut ctx: Ctx,
    id: DocumentId,
    form: StatusForm,
) -> Result<DocumentPage, HubError> {
    let p = viewer.principal();
    let detail = state.hub.get_document(p, id).await?;
    let deliveries = Names(HashMap::new()).deliveries(state, p, detail.exchanges.clone()).await;
    let current = detail.document.status;
    let transitions = DocumentStatus::ALL
        .into_iter()
        .filter(|to| current.check_transition(*to).is_ok())
        .map(|to| (to.code().to_owned(), ctx.t(transition_key(to))))
        .collect::<Vec<_>>();
    let replacements = if transitions.iter().any(|(code, _)| code == DocumentStatus::Replaced.code()) {
        let filter = DocumentFilter { status: Some(DocumentStatus::Valid), ..Default::default() };
        state
            .hub
            .list_documents(p, filter, &PageRequest::first(REPLACEMENT_CHOICES))
            .await?
            .items
            .into_iter()
            .filter(|d| d.id != id)
            .map(|d| (d.id.to_string(), d.metadata.document_number))
            .collect()
    } else {
        Vec::new()
    };
    let public_url = detail.public_token.as_deref().map(|t| public_url(state, t));
    let report = report_view(&ctx, detail.report.as_ref());
    ctx.main_id = "main";
    Ok(DocumentPage { ctx, detail, deliveries, public_url, report, transitions, replacements, form })
}

/// The words of the change *to* a status.
fn transition_key(to: DocumentStatus) -> &'static str {
    match to {
        DocumentStatus::Valid => key!("cab-transition-reinstate"),
        DocumentStatus::Suspended => key!("cab-transition-suspend"),
        DocumentStatus::Withdrawn => key!("cab-transition-withdraw"),
        DocumentStatus::Replaced => key!("cab-transition-replace"),
    }
}

pub(super) async fn detail(State(state): State<PortalState>, viewer: Viewer, Path(id): Path<String>) -> Response {
    if let Some(refusal) = super::refuse_unless_cab(&viewer) {
        return refusal;
    }
    let id = match parse_id(&id) {
        Ok(id) => id,
        Err(e) => return viewer.fail(&e),
    };
    match document_page(&state, &viewer, viewer.ctx(), id, StatusForm::default()).await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(e) => viewer.fail(&e),
    }
}

pub(super) async fn change_status(
    State(state): State<PortalState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<StatusForm>,
) -> Response {
    if let Some(refusal) = super::refuse_unless_cab(&viewer) {
        return refusal;
    }
    let id = match parse_id(&id) {
        Ok(id) => id,
        Err(e) => return viewer.fail(&e),
    };
    let replaced_by = match form.replaced_by.trim() {
        "" => Ok(None),
        other => other.parse::<DocumentId>().map(Some).map_err(|_| HubError::invalid("replaced_by", "not a reference")),
    };
    let result = match replaced_by {
        Ok(replaced_by) => {
            let change =
                NewStatusChange { status: form.new_status.trim().to_owned(), reason: form.reason.clone(), replaced_by };
            state.hub.change_document_status(viewer.principal(), id, change).await.map(|_| ())
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => see_other(&format!("/portal/documents/{id}?notice=status-changed")),
        Err(e @ (HubError::NotFound(_) | HubError::Forbidden(_) | HubError::Internal(_))) => viewer.fail(&e),
        Err(e) => {
            let (ctx, status) = viewer.refusal(&e);
            match document_page(&state, &viewer, ctx, id, form).await {
                Ok(page) => render(status, &page),
                Err(e) => viewer.fail(&e),
            }
        }
    }
}

/// The receiver's business decision in words.
pub(crate) fn reply_key(decision: &ecert_domain::exchange::BusinessDecision) -> &'static str {
    use ecert_domain::exchange::BusinessDecision;
    match decision {
        BusinessDecision::Received => key!("cab-reply-received"),
        BusinessDecision::Accepted => key!("cab-reply-accepted"),
        BusinessDecision::Rejected => key!("cab-reply-rejected"),
    }
}
