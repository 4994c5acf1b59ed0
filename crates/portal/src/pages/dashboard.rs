//! `GET /portal/`: the dashboard, one section per role the user holds.

use crate::Viewer;
use crate::key;
use crate::page::{Ctx, render};
use crate::state::PortalState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use ecert_domain::document::DocumentStatus;
use ecert_domain::exchange::DeliveryStatus;
use ecert_domain::institution::Role;
use ecert_domain::page::PageRequest;
use ecert_store::exchange::{DocumentFilter, DocumentRecord, ExchangeStats};

/// How many recent documents the CAB's dashboard lists.
const RECENT_DOCUMENTS: u32 = 5;

pub(crate) fn routes() -> Router<PortalState> {
    Router::new().route("/portal/", get(dashboard))
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    ctx: Ctx,
    is_cab: bool,
    is_receiver: bool,
    is_operator: bool,
    recent: Vec<DocumentRecord>,
    /// The operator's figures: (label, formatted count).
    stats: Vec<(String, String)>,
}

/// The operator's figures in words.
fn stat_rows(ctx: &Ctx, stats: &ExchangeStats) -> Vec<(String, String)> {
    let mut rows = Vec::new();
    for (code, n) in &stats.documents_by_status {
        let label = match DocumentStatus::parse(code) {
            Some(s) => ctx.t1(key!("dashboard-documents-with-status"), "status", ctx.document_status(&s)),
            None => code.clone(),
        };
        rows.push((label, ctx.number(*n)));
    }
    for (code, n) in &stats.exchanges_by_status {
        let label = match DeliveryStatus::parse(code) {
            Some(s) => ctx.t1(key!("dashboard-exchanges-with-status"), "status", ctx.delivery_status(&s)),
            None => code.clone(),
        };
        rows.push((label, ctx.number(*n)));
    }
    rows.push((ctx.t(key!("dashboard-pdfs-cached")), ctx.number(stats.pdfs_cached)));
    rows
}

async fn dashboard(State(state): State<PortalState>, viewer: Viewer) -> Response {
    let is_cab = viewer.has_role(Role::IssuingCab);
    let is_operator = viewer.has_role(Role::HubOperator);
    let is_receiver = viewer.principal().roles.iter().any(|r| r.is_receiving_authority());
    let mut recent = Vec::new();
    if is_cab {
        let page = PageRequest::first(RECENT_DOCUMENTS);
        match state.hub.list_documents(viewer.principal(), DocumentFilter::default(), &page).await {
            Ok(p) => recent = p.items,
            Err(e) => return viewer.fail(&e),
        }
    }
    let mut ctx = viewer.ctx();
    ctx.main_id = "dashboard";
    let stats = if is_operator {
        match state.hub.exchange_stats(viewer.principal()).await {
            Ok(s) => stat_rows(&ctx, &s),
            Err(e) => return viewer.fail(&e),
        }
    } else {
        Vec::new()
    };
    render(StatusCode::OK, &DashboardPage { ctx, is_cab, is_receiver, is_operator, recent, stats })
}
