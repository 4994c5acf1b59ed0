//! The inbox: the exchanges addressed to the receiver, newest first, filtered and paged by cursor.

use super::refuse_unless_receiver;
use crate::errors::flash_error;
use crate::page::{Ctx, render};
use crate::pages::operator::shared::{
    Names, SelectOption, cursor, hs_display, institution_names, link_with_query, parse_date, present, query,
};
use crate::state::PortalState;
use crate::viewer::Viewer;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use ecert_domain::FieldErrors;
use ecert_domain::country::CountryCode;
use ecert_domain::document_type::DocumentType;
use ecert_domain::exchange::DeliveryStatus;
use ecert_domain::ids::InstitutionId;
use ecert_domain::institution::Role;
use ecert_domain::page::{MAX_PAGE_SIZE, PageRequest};
use ecert_hub::HubError;
use ecert_store::InstitutionFilter;
use ecert_store::exchange::{ExchangeFilter, ExchangeWithDocument};
use serde::Deserialize;

const PAGE_SIZE: u32 = 25;

/// The filter form's fields, as sent (kept as text so the form shows them again).
#[derive(Deserialize, Default)]
pub(super) struct InboxQuery {
    status: Option<String>,
    issuer_country: Option<String>,
    cab: Option<String>,
    document_type: Option<String>,
    hs_prefix: Option<String>,
    issued_from: Option<String>,
    issued_to: Option<String>,
    after: Option<String>,
}

impl InboxQuery {
    /// The pairs a page link repeats, so the next page keeps the filters.
    fn pairs(&self) -> [(&'static str, &str); 7] {
        [
            ("status", present(&self.status).unwrap_or_default()),
            ("issuer_country", present(&self.issuer_country).unwrap_or_default()),
            ("cab", present(&self.cab).unwrap_or_default()),
            ("document_type", present(&self.document_type).unwrap_or_default()),
            ("hs_prefix", present(&self.hs_prefix).unwrap_or_default()),
            ("issued_from", present(&self.issued_from).unwrap_or_default()),
            ("issued_to", present(&self.issued_to).unwrap_or_default()),
        ]
    }

    /// The hub's filter, or every field that is not one of the offered choices. The HS prefix and the date
    /// order are the hub's to judge.
    fn filter(&self) -> Result<ExchangeFilter, FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut filter = ExchangeFilter::default();
        if let Some(s) = present(&self.status) {
            filter.status = errors.check("status", DeliveryStatus::parse(s).ok_or("unknown delivery status"));
        }
        if let Some(c) = present(&self.issuer_country) {
            filter.issuer_country = errors.check("issuer_country", CountryCode::parse(c));
        }
        if let Some(c) = present(&self.cab) {
            filter.issuer = errors.check("cab", c.parse::<InstitutionId>());
        }
        if let Some(t) = present(&self.document_type) {
            filter.document_type = errors.check("document_type", DocumentType::parse(t));
        }
        filter.hs_prefix = present(&self.hs_prefix).map(str::to_owned);
        if let Some(d) = present(&self.issued_from) {
            filter.issued_from = errors.check("issued_from", parse_date(d).ok_or("is not a date"));
        }
        if let Some(d) = present(&self.issued_to) {
            filter.issued_to = errors.check("issued_to", parse_date(d).ok_or("is not a date"));
        }
        errors.into_result().map(|()| filter)
    }
}

struct InboxRow {
    id: String,
    number: String,
    document_type: String,
    issuer: String,
    issuer_country: String,
    hs_codes: String,
    issue_date: String,
    received: String,
    status_code: &'static str,
    status: String,
    status_class: &'static str,
}

fn inbox_row(ctx: &Ctx, names: &Names, x: &ExchangeWithDocument) -> InboxRow {
    let d = &x.document;
    InboxRow {
        id: x.exchange.id.to_string(),
        number: d.metadata.document_number.clone(),
        document_type: ctx.document_type(&d.metadata.document_type),
        issuer: names.name(d.issuer),
        issuer_country: d.issuer_country.to_string(),
        hs_codes: d.metadata.hs_codes.iter().map(|h| hs_display(h.as_str())).collect::<Vec<_>>().join(", "),
        issue_date: ctx.date(&d.metadata.issue_date),
        received: ctx.datetime(&x.exchange.created_at),
        status_code: x.exchange.status.code(),
        status: ctx.delivery_status(&x.exchange.status),
        status_class: crate::labels::delivery_status_class(x.exchange.status),
    }
}

#[derive(Template)]
#[template(path = "receiver/inbox.html")]
struct InboxPage {
    ctx: Ctx,
    statuses: Vec<SelectOption>,
    countries: Vec<SelectOption>,
    cabs: Vec<SelectOption>,
    types: Vec<SelectOption>,
    hs_prefix: String,
    issued_from: String,
    issued_to: String,
    /// False when the filters could not be used: the table is then not shown at all.
    searched: bool,
    rows: Vec<InboxRow>,
    count: String,
    next_page: Option<String>,
    first_page: Option<String>,
}

pub(super) async fn inbox(State(state): State<PortalState>, viewer: Viewer, RawQuery(raw): RawQuery) -> Response {
    if let Some(denied) = refuse_unless_receiver(&viewer) {
        return denied;
    }
    let q: InboxQuery = query(raw.as_deref());
    let mut ctx = viewer.ctx();
    let p = viewer.principal();
    let mut status = StatusCode::OK;
    let after = cursor(&q.after);
    let page = match q.filter() {
        Err(errors) => {
            ctx.error(ctx.t("receiver-error-filter"));
            status = flash_error(&mut ctx, &HubError::Invalid(errors));
            None
        }
        Ok(filter) => {
            match state.hub.search_exchanges(p, filter.clone(), &PageRequest::new(after.clone(), Some(PAGE_SIZE))).await
            {
                Ok(page) => Some(page),
                // A page link that no longer parses: show the first page with a word about it.
                Err(HubError::NotFound(_)) if after.is_some() => {
                    ctx.error(ctx.t("receiver-error-cursor"));
                    match state.hub.search_exchanges(p, filter, &PageRequest::new(None, Some(PAGE_SIZE))).await {
                        Ok(page) => Some(page),
                        Err(e) => return viewer.fail(&e),
                    }
                }
                Err(e @ HubError::Invalid(_)) => {
                    ctx.error(ctx.t("receiver-error-filter"));
                    status = flash_error(&mut ctx, &e);
                    None
                }
                Err(e) => return viewer.fail(&e),
            }
        }
    };
    let names = match institution_names(&state, p).await {
        Ok(n) => n,
        Err(e) => return viewer.fail(&e),
    };
    let countries = match state.hub.list_countries(p).await {
        Ok(c) => c,
        Err(e) => return viewer.fail(&e),
    };
    let cab_filter = InstitutionFilter { role: Some(Role::IssuingCab), ..Default::default() };
    let cabs = match state.hub.list_institutions(p, &cab_filter, &PageRequest::first(MAX_PAGE_SIZE)).await {
        Ok(page) => page.items,
        Err(e) => return viewer.fail(&e),
    };
    let rows: Vec<InboxRow> =
        page.as_ref().map(|p| p.items.iter().map(|x| inbox_row(&ctx, &names, x)).collect()).unwrap_or_default();
    let next_page = page
        .as_ref()
        .and_then(|p| p.next_cursor.as_deref())
        .map(|c| link_with_query("/portal/inbox", q.pairs().into_iter().chain([("after", c)])));
    let first_page = after.is_some().then(|| link_with_query("/portal/inbox", q.pairs()));
    let view = InboxPage {
        statuses: DeliveryStatus::ALL
            .into_iter()
            .map(|s| SelectOption::new(s.code(), ctx.delivery_status(&s), present(&q.status)))
            .collect(),
        countries: countries
            .iter()
            .map(|c| SelectOption::new(c.code.as_str(), c.name.clone(), present(&q.issuer_country)))
            .collect(),
        cabs: cabs
            .iter()
            .map(|v| {
                let i = &v.institution;
                SelectOption::new(i.id.to_string(), format!("{} ({})", i.name, i.country), present(&q.cab))
            })
            .collect(),
        types: DocumentType::ALL
            .into_iter()
            .map(|t| SelectOption::new(t.code(), ctx.document_type(&t), present(&q.document_type)))
            .collect(),
        hs_prefix: present(&q.hs_prefix).unwrap_or_default().chars().take(40).collect(),
        issued_from: present(&q.issued_from).unwrap_or_default().chars().take(40).collect(),
        issued_to: present(&q.issued_to).unwrap_or_default().chars().take(40).collect(),
        searched: page.is_some(),
        count: ctx.count("receiver-inbox-count", rows.len()),
        rows,
        next_page,
        first_page,
        ctx,
    };
    render(status, &view)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &str) -> InboxQuery {
        query(Some(pairs))
    }

    #[test]
    fn blank_filters_mean_any() {
        let f = q("status=&issuer_country=&cab=&document_type=&hs_prefix=&issued_from=&issued_to=").filter().unwrap();
        assert_eq!(f, ExchangeFilter::default());
    }

    #[test]
    fn filters_are_parsed() {
        let cab = InstitutionId::new();
        let f = q(&format!(
            "status=ACKNOWLEDGED&issuer_country=kz&cab={cab}&document_type=TR&hs_prefix=8471&issued_from=2026-01-01&issued_to=2026-12-31"
        ))
        .filter()
        .unwrap();
        assert_eq!(f.status, Some(DeliveryStatus::Acknowledged));
        assert_eq!(f.issuer_country.map(|c| c.to_string()), Some("KZ".to_owned()));
        assert_eq!(f.issuer, Some(cab));
        assert_eq!(f.document_type, Some(DocumentType::TestReport));
        assert_eq!(f.hs_prefix.as_deref(), Some("8471"));
        assert_eq!(f.issued_from, Some(time::macros::date!(2026 - 01 - 01)));
        assert_eq!(f.receiver, None, "the hub sets the tenant, never the form");
    }

    #[test]
    fn every_bad_filter_is_named() {
        let errors =
            q("status=LOST&issuer_country=Kazakhstan&cab=x&document_type=ZZ&issued_from=1.1.2026&issued_to=no")
                .filter()
                .unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["status", "issuer_country", "cab", "document_type", "issued_from", "issued_to"]);
    }

    #[test]
    fn page_links_keep_the_filters() {
        let query = q("status=DELIVERED&hs_prefix=84&lang=ru");
        let link = link_with_query("/portal/inbox", query.pairs().into_iter().chain([("after", "1_x")]));
        assert_eq!(link, "/portal/inbox?status=DELIVERED&hs_prefix=84&after=1_x");
    }
}
