//! The retention and exchange settings in force, read-only: they come from the hub's configuration file.

use super::refuse_unless_operator;
use crate::key;
use crate::page::{Ctx, render};
use crate::state::PortalState;
use crate::viewer::Viewer;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use ecert_domain::exchange::PdfDeletionTrigger;
use std::time::Duration;

/// One setting: its label and its value in words. `id` names the row for tests and deep links.
struct Setting {
    id: &'static str,
    label: String,
    value: String,
}

#[derive(Template)]
#[template(path = "operator/retention.html")]
struct RetentionPage {
    ctx: Ctx,
    layers: Vec<Setting>,
    exchange: Vec<Setting>,
}

/// A duration in the largest whole unit that states it exactly (days, hours, minutes or seconds).
fn duration(ctx: &Ctx, d: Duration) -> String {
    let secs = d.as_secs();
    if secs > 0 && secs.is_multiple_of(86_400) {
        ctx.count("operator-days", secs / 86_400)
    } else if secs > 0 && secs.is_multiple_of(3_600) {
        ctx.count("operator-hours", secs / 3_600)
    } else if secs > 0 && secs.is_multiple_of(60) {
        ctx.count("operator-minutes", secs / 60)
    } else {
        ctx.count("operator-seconds", secs)
    }
}

pub(super) async fn show(State(state): State<PortalState>, viewer: Viewer) -> Response {
    if let Some(denied) = refuse_unless_operator(&viewer) {
        return denied;
    }
    let ctx = viewer.ctx();
    let settings = &state.hub.exchange().settings;
    let r = &settings.retention;
    let trigger = match r.pdf_deletion {
        PdfDeletionTrigger::OnAcknowledgement => key!("operator-retention-trigger-on_acknowledgement"),
        PdfDeletionTrigger::OnFirstDownload => key!("operator-retention-trigger-on_first_download"),
    };
    let setting = |id, label: &str, value: String| Setting { id, label: ctx.t(label), value };
    let layers = vec![
        setting("retention-pdf-deletion", key!("operator-retention-pdf-deletion"), ctx.t(trigger)),
        setting("retention-pdf-ttl", key!("operator-retention-pdf-ttl"), ctx.count("operator-hours", r.pdf_ttl_hours)),
        setting("retention-metadata", key!("operator-retention-metadata"), ctx.count("operator-days", r.metadata_days)),
        setting("retention-evidence", key!("operator-retention-evidence"), ctx.count("operator-days", r.evidence_days)),
        setting("retention-pki", key!("operator-retention-pki"), ctx.count("operator-days", r.pki_data_days)),
        setting("retention-audit", key!("operator-retention-audit"), ctx.count("operator-days", r.audit_days)),
    ];
    let exchange = vec![
        setting("retention-max-pdf", key!("operator-retention-max-pdf"), ctx.file_size(&settings.max_pdf_bytes)),
        setting(
            "retention-download-grace",
            key!("operator-retention-download-grace"),
            duration(&ctx, settings.download_grace),
        ),
        setting(
            "retention-webhook-attempts",
            key!("operator-retention-webhook-attempts"),
            ctx.number(settings.webhook_max_attempts),
        ),
        setting(
            "retention-webhook-backoff",
            key!("operator-retention-webhook-backoff"),
            ctx.t2(
                "operator-backoff-range",
                "first",
                duration(&ctx, settings.webhook_initial_backoff),
                "longest",
                duration(&ctx, settings.webhook_max_backoff),
            ),
        ),
        setting(
            "retention-webhook-timeout",
            key!("operator-retention-webhook-timeout"),
            duration(&ctx, settings.webhook_timeout),
        ),
        setting(
            "retention-insecure-webhooks",
            key!("operator-retention-insecure-webhooks"),
            ctx.t(if settings.allow_insecure_webhooks { key!("operator-yes") } else { key!("operator-no") }),
        ),
    ];
    render(StatusCode::OK, &RetentionPage { layers, exchange, ctx })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(code: &str) -> Ctx {
        let catalog = crate::i18n::Catalog::shared();
        let lang = crate::i18n::Lang::new(std::sync::Arc::clone(catalog), catalog.find(code).unwrap());
        Ctx::new(lang, String::new(), "/portal/retention".into())
    }

    #[test]
    fn durations_use_the_largest_exact_unit() {
        let en = ctx("en");
        assert_eq!(duration(&en, Duration::from_secs(600)), "10 minutes");
        assert_eq!(duration(&en, Duration::from_secs(61)), "61 seconds");
        assert_eq!(duration(&en, Duration::ZERO), "0 seconds");
        assert_eq!(duration(&en, Duration::from_secs(3600)), "1 hour");
        assert_eq!(duration(&en, Duration::from_secs(2 * 86_400)), "2 days");
        let ru = ctx("ru");
        assert_eq!(duration(&ru, Duration::from_secs(5 * 3600)), "5 часов");
        assert_eq!(duration(&ru, Duration::from_secs(22 * 86_400)), "22 дня");
        assert_eq!(duration(&ru, Duration::from_secs(21)), "21 секунда");
        assert_eq!(duration(&ru, Duration::from_secs(3 * 60)), "3 минуты");
    }
}
