//! The receiving authority's side: search, pull polling, reading, downloading and replying. A receiver sees
//! only exchanges addressed to it; anyone else's are "not found", exactly like absent ones. Reading an
//! exchange proves delivery, so the reads that return a new exchange mark it DELIVERED.

use super::views::{Changes, ExchangeDetail, PdfDownload};
use crate::auth::require;
use crate::jobs::JobKind;
use crate::{Hub, HubError, Result};
use ecert_blob::{BlobError, ReadOptions};
use ecert_domain::FieldErrorCode;
use ecert_domain::audit::{AuditEvent, EventType};
use ecert_domain::auth::{Permission, Principal};
use ecert_domain::exchange::{
    DeliveryEvent, DeliveryStatus, DeliveryTransitionError, NewBusinessReply, pdf_deletion_due,
};
use ecert_domain::ids::ExchangeId;
use ecert_domain::page::{MAX_PAGE_SIZE, Page, PageRequest};
use ecert_store::exchange::{
    DocumentRecord, ExchangeFilter, ExchangeRecord, ExchangeTransition, ExchangeUpdate, ExchangeWithDocument, NewJob,
};
use ecert_store::{Receipt, StoreError};
use time::OffsetDateTime;

/// A concurrent change makes an exchange update `Stale`; it is then re-read and judged again. Each `Stale` means
/// the exchange moved one step along its short, forward-only status chain (pending, delivered, downloaded,
/// acknowledged), so a few attempts always settle.
const ATTEMPTS: usize = 4;
/// Read-and-mark rounds of one poll (see `poll_exchanges`).
const MAX_POLL_ROUNDS: usize = 8;

/// A file name safe in a `Content-Disposition` header: the document number with anything unusual replaced.
pub(super) fn pdf_file_name(number: &str) -> String {
    let stem: String = number
        .chars()
        .take(100)
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' })
        .collect();
    let stem = stem.trim_matches('.');
    if stem.is_empty() { "document.pdf".to_owned() } else { format!("{stem}.pdf") }
}

/// An HS prefix to search by: 1 to 10 digits, dots allowed as in `8471.30`.
pub(super) fn hs_prefix_filter(input: &str) -> Result<String> {
    let digits: String = input.trim().chars().filter(|c| *c != '.').collect();
    if digits.is_empty() || digits.len() > 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        let code = FieldErrorCode::for_length(digits.len(), 10);
        return Err(HubError::invalid_with_code("hs_prefix", code, "must be 1 to 10 digits"));
    }
    Ok(digits)
}

fn gone() -> HubError {
    HubError::Gone("the PDF of this document has been deleted from the hub (metadata and evidence remain)".into())
}

impl Hub {
    /// The exchange if `p` is its receiver; not found otherwise.
    async fn received_exchange(&self, p: &Principal, id: ExchangeId) -> Result<ExchangeWithDocument> {
        require(p, Permission::ReceiveDocuments)?;
        self.store()
            .get_exchange(id)
            .await?
            .filter(|x| p.is_receiver(x.exchange.receiver))
            .ok_or(HubError::NotFound("exchange"))
    }

    /// An event about one exchange, readable by its receiver.
    fn exchange_event(&self, p: &Principal, event_type: EventType, exchange: &ExchangeRecord) -> AuditEvent {
        self.event(
            p,
            event_type,
            Some(exchange.receiver),
            vec![format!("document:{}", exchange.document), format!("exchange:{}", exchange.id)],
        )
    }

    /// The PDF deletion job due once `exchange` moves to `to`, judged over all the document's exchanges.
    async fn deletion_job(
        &self,
        document: &DocumentRecord,
        exchange: ExchangeId,
        to: DeliveryStatus,
        run_at: OffsetDateTime,
    ) -> Result<Option<NewJob>> {
        if document.pdf_deleted_at.is_some() {
            return Ok(None);
        }
        let statuses: Vec<DeliveryStatus> = self
            .store()
            .list_exchanges_of_document(document.id)
            .await?
            .iter()
            .map(|x| if x.id == exchange { to } else { x.status })
            .collect();
        let policy = &self.exchange().settings.retention;
        Ok(pdf_deletion_due(policy, &statuses, document.submitted_at, self.now())
            .map(|reason| JobKind::DeletePdf { document: document.id, reason }.job(run_at)))
    }

    /// Marks every pending or failed exchange of `items` DELIVERED, in one transaction.
    async fn mark_delivered(
        &self,
        p: &Principal,
        items: &[ExchangeWithDocument],
    ) -> std::result::Result<bool, StoreError> {
        let now = self.now();
        let mut transitions = Vec::new();
        let mut events = Vec::new();
        for x in items {
            if let Ok(to) = x.exchange.status.apply(DeliveryEvent::Delivered) {
                transitions.push(ExchangeTransition {
                    exchange: x.exchange.id,
                    from: x.exchange.status,
                    to,
                    reply: None,
                    delivery_error: None,
                    at: now,
                });
                events.push(self.exchange_event(p, EventType::DocumentDelivered, &x.exchange));
            }
        }
        if transitions.is_empty() {
            return Ok(false);
        }
        let update = ExchangeUpdate { transitions: &transitions, new_jobs: &[], finished_job: None, events: &events };
        self.store().update_exchanges(&update).await?;
        Ok(true)
    }

    pub async fn search_exchanges(
        &self,
        p: &Principal,
        mut filter: ExchangeFilter,
        page: &PageRequest,
    ) -> Result<Page<ExchangeWithDocument>> {
        if p.has(Permission::ReceiveDocuments) {
            filter.receiver = Some(p.institution);
        } else if p.has(Permission::ReadDocuments) && !p.is_operator() {
            // An issuer follows its own documents' exchanges.
            if filter.issuer.is_some_and(|i| i != p.institution) {
                return Ok(Page { items: Vec::new(), next_cursor: None });
            }
            filter.issuer = Some(p.institution);
        } else {
            require(p, Permission::ReadDocuments)?;
        }
        if let Some(prefix) = &filter.hs_prefix {
            filter.hs_prefix = Some(hs_prefix_filter(prefix)?);
        }
        if let (Some(from), Some(to)) = (filter.issued_from, filter.issued_to)
            && from > to
        {
            return Err(HubError::invalid_with_code(
                "issued_to",
                FieldErrorCode::DateOrder,
                "must not be before issued_from",
            ));
        }
        Ok(self.store().search_exchanges(&filter, page).await?)
    }

    /// "What is new since `since`": the receiver's exchanges changed after the cursor, in change order. New
    /// ones are marked DELIVERED on the way; they are then listed with their new cursor position.
    pub async fn poll_exchanges(&self, p: &Principal, since: u64, limit: u32) -> Result<Changes> {
        require(p, Permission::ReceiveDocuments)?;
        let limit = limit.clamp(1, MAX_PAGE_SIZE);
        let needs_delivery = |x: &ExchangeWithDocument| x.exchange.status.apply(DeliveryEvent::Delivered).is_ok();
        // Marking a page delivered moves its exchanges to a new cursor position, which lets older, unmarked ones
        // into the page: read and mark until a read finds nothing left to mark. Each round marks at least one
        // exchange, so a backlog is worked off `limit` at a time.
        let mut items = self.store().poll_exchanges(p.institution, since, limit).await?;
        for _ in 0..MAX_POLL_ROUNDS {
            match self.mark_delivered(p, &items).await {
                Ok(false) => break,
                // Stale: changed concurrently; the re-read shows the new state.
                Ok(true) | Err(StoreError::Stale(_)) => {}
                Err(e) => return Err(e.into()),
            }
            items = self.store().poll_exchanges(p.institution, since, limit).await?;
        }
        // After the last round some may still wait for marking: answer only up to the first of them, so the
        // cursor never passes an exchange that is not delivered; the next poll continues from there.
        if let Some(first_pending) = items.iter().position(needs_delivery) {
            items.truncate(first_pending);
        }
        let next_cursor = items.iter().map(|x| x.exchange.change_seq).max().unwrap_or(since).max(since);
        Ok(Changes { items, next_cursor })
    }

    /// One exchange: its receiver (marking it delivered), its issuer, or the operator (metadata only).
    pub async fn get_exchange(&self, p: &Principal, id: ExchangeId) -> Result<ExchangeDetail> {
        let found = self.store().get_exchange(id).await?.ok_or(HubError::NotFound("exchange"))?;
        let found = if p.has(Permission::ReceiveDocuments) && p.is_receiver(found.exchange.receiver) {
            self.deliver(p, found).await?
        } else if p.has(Permission::ReadDocuments) && p.can_access(found.exchange.issuer) {
            found
        } else {
            return Err(HubError::NotFound("exchange"));
        };
        let status_history = self.store().document_status_history(found.document.id).await?;
        let report = self.stored_report(found.document.id).await?;
        Ok(ExchangeDetail { exchange: found.exchange, document: found.document, status_history, report })
    }

    async fn deliver(&self, p: &Principal, mut found: ExchangeWithDocument) -> Result<ExchangeWithDocument> {
        for attempt in 1..=ATTEMPTS {
            let marked = match self.mark_delivered(p, std::slice::from_ref(&found)).await {
                Ok(marked) => marked,
                // Changed concurrently: re-read and judge again.
                Err(StoreError::Stale(_)) if attempt < ATTEMPTS => true,
                Err(e) => return Err(e.into()),
            };
            if !marked {
                return Ok(found);
            }
            // Re-read for the new status and cursor position (the next round then finds nothing to mark).
            found = self.store().get_exchange(found.exchange.id).await?.ok_or(HubError::NotFound("exchange"))?;
        }
        Ok(found)
    }

    /// Streams the cached PDF to the exchange's receiver (never to anyone else, the operator included).
    pub async fn download_pdf(&self, p: &Principal, id: ExchangeId) -> Result<PdfDownload> {
        let mut found = self.received_exchange(p, id).await?;
        let settings = &self.exchange().settings;
        let key = super::pdf_blob_key(found.document.id)?;
        for attempt in 1..=ATTEMPTS {
            if found.document.pdf_deleted_at.is_some() {
                return Err(gone());
            }
            let from = found.exchange.status;
            let to = match from.apply(DeliveryEvent::Downloaded) {
                Ok(to) => Some(to),
                Err(DeliveryTransitionError::PdfGone { .. }) => return Err(gone()),
                // Replied to already (on the metadata alone): the PDF may still be fetched, the status stays.
                Err(_) => None,
            };
            let options = ReadOptions { max_size: settings.max_pdf_bytes, verify: true };
            let stream = match self.exchange().blobs.get_stream(&key, options).await {
                Ok(stream) => stream,
                Err(BlobError::NotFound(_)) => return Err(gone()),
                Err(e) => return Err(HubError::Internal(format!("PDF cache: {e}"))),
            };
            let download = PdfDownload { stream, file_name: pdf_file_name(&found.document.metadata.document_number) };
            let downloaded = self.exchange_event(p, EventType::DocumentDownloaded, &found.exchange);
            let Some(to) = to.filter(|to| *to != from) else {
                // A repeated download changes nothing but is still on record.
                self.store().append_audit_event(&downloaded).await?;
                return Ok(download);
            };
            let mut events = Vec::new();
            if from.apply(DeliveryEvent::Delivered).is_ok() {
                events.push(self.exchange_event(p, EventType::DocumentDelivered, &found.exchange));
            }
            events.push(downloaded);
            let now = self.now();
            let jobs: Vec<NewJob> =
                self.deletion_job(&found.document, id, to, now + settings.download_grace).await?.into_iter().collect();
            let transition = ExchangeTransition { exchange: id, from, to, reply: None, delivery_error: None, at: now };
            let update = ExchangeUpdate {
                transitions: std::slice::from_ref(&transition),
                new_jobs: &jobs,
                finished_job: None,
                events: &events,
            };
            match self.store().update_exchanges(&update).await {
                Ok(_) => return Ok(download),
                Err(StoreError::Stale(_)) if attempt < ATTEMPTS => found = self.received_exchange(p, id).await?,
                Err(e) => return Err(e.into()),
            }
        }
        Err(HubError::Conflict("the exchange changed concurrently; try again".into()))
    }

    /// The receiver's business decision, sent back to the issuer. A reply proves delivery, so a pending
    /// exchange is delivered and acknowledged at once.
    pub async fn reply_to_exchange(
        &self,
        p: &Principal,
        id: ExchangeId,
        reply: NewBusinessReply,
    ) -> Result<(ExchangeRecord, Receipt)> {
        let mut found = self.received_exchange(p, id).await?;
        let now = super::stored_precision(self.now());
        let reply = reply.validate(now)?;
        for attempt in 1..=ATTEMPTS {
            let from = found.exchange.status;
            let mut events = Vec::new();
            let delivered = match from.apply(DeliveryEvent::Delivered) {
                Ok(delivered) => {
                    events.push(self.exchange_event(p, EventType::DocumentDelivered, &found.exchange));
                    delivered
                }
                Err(_) => from,
            };
            let to = delivered.apply(DeliveryEvent::Acknowledged).map_err(|e| HubError::Conflict(e.to_string()))?;
            events.push(self.exchange_event(p, EventType::DocumentAcknowledged, &found.exchange));
            let jobs: Vec<NewJob> = self.deletion_job(&found.document, id, to, now).await?.into_iter().collect();
            let transition = ExchangeTransition {
                exchange: id,
                from,
                to,
                reply: Some(reply.clone()),
                delivery_error: None,
                at: now,
            };
            let update = ExchangeUpdate {
                transitions: std::slice::from_ref(&transition),
                new_jobs: &jobs,
                finished_job: None,
                events: &events,
            };
            match self.store().update_exchanges(&update).await {
                Ok(receipts) => {
                    let receipt = receipts
                        .last()
                        .copied()
                        .ok_or_else(|| HubError::Internal("update returned no receipt".into()))?;
                    let mut exchange = found.exchange;
                    exchange.status = to;
                    exchange.reply = Some(reply);
                    exchange.updated_at = now;
                    exchange.change_seq = receipt.leaf_index;
                    return Ok((exchange, receipt));
                }
                Err(StoreError::Stale(_)) if attempt < ATTEMPTS => found = self.received_exchange(p, id).await?,
                Err(e) => return Err(e.into()),
            }
        }
        Err(HubError::Conflict("the exchange changed concurrently; try again".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_header_safe() {
        assert_eq!(pdf_file_name("KZ-TR-2026/0001"), "KZ-TR-2026_0001.pdf");
        assert_eq!(pdf_file_name("a\"b\r\nc"), "a_b__c.pdf");
        assert_eq!(pdf_file_name(".."), "document.pdf");
        assert_eq!(pdf_file_name("Заявка"), "______.pdf");
        assert!(pdf_file_name(&"x".repeat(500)).len() <= 104);
    }

    #[test]
    fn hs_prefixes_are_digits() {
        assert_eq!(hs_prefix_filter(" 8471.3 ").unwrap(), "84713");
        for bad in ["", ".", "84a", "12345678901", "84 71"] {
            assert!(hs_prefix_filter(bad).is_err(), "{bad}");
        }
    }
}
