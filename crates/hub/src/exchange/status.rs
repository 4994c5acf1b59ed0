//! The issuer's view of its documents (and the operator's, metadata only): listing, detail with delivery per
//! receiver, status changes with their history, and the operator's statistics.

use super::views::DocumentDetail;
use crate::audit::WithDigests;
use crate::auth::require;
use crate::jobs::{JobKind, NotificationType};
use crate::{Hub, HubError, Result};
use ecert_domain::audit::EventType;
use ecert_domain::auth::{Permission, Principal};
use ecert_domain::document::{NewStatusChange, StatusChange};
use ecert_domain::ids::DocumentId;
use ecert_domain::page::{Page, PageRequest};
use ecert_store::exchange::{DocumentFilter, DocumentRecord, ExchangeStats, NewJob};
use ecert_store::{Receipt, StoreError};

impl Hub {
    /// The document if `p` may read its metadata: its issuer or the operator.
    async fn readable_document(&self, p: &Principal, id: DocumentId) -> Result<DocumentRecord> {
        require(p, Permission::ReadDocuments)?;
        self.store().get_document(id).await?.filter(|d| p.can_access(d.issuer)).ok_or(HubError::NotFound("document"))
    }

    pub async fn list_documents(
        &self,
        p: &Principal,
        mut filter: DocumentFilter,
        page: &PageRequest,
    ) -> Result<Page<DocumentRecord>> {
        require(p, Permission::ReadDocuments)?;
        if !p.is_operator() {
            if filter.issuer.is_some_and(|i| i != p.institution) {
                return Ok(Page { items: Vec::new(), next_cursor: None });
            }
            filter.issuer = Some(p.institution);
        }
        Ok(self.store().list_documents(&filter, page).await?)
    }

    pub async fn get_document(&self, p: &Principal, id: DocumentId) -> Result<DocumentDetail> {
        let document = self.readable_document(p, id).await?;
        let exchanges = self.store().list_exchanges_of_document(id).await?;
        let status_history = self.store().document_status_history(id).await?;
        let report = self.stored_report(id).await?;
        let public_token = (document.issuer == p.institution).then(|| document.public_token.clone());
        Ok(DocumentDetail { document, exchanges, status_history, report, public_token })
    }

    /// Suspends, reinstates, withdraws or replaces a document (its issuer only). Every receiver is notified.
    pub async fn change_document_status(
        &self,
        p: &Principal,
        id: DocumentId,
        change: NewStatusChange,
    ) -> Result<(StatusChange, Receipt)> {
        require(p, Permission::SubmitDocuments)?;
        for attempt in 1..=2 {
            let document = self
                .store()
                .get_document(id)
                .await?
                .filter(|d| d.issuer == p.institution)
                .ok_or(HubError::NotFound("document"))?;
            let now = self.now();
            let validated = change.clone().validate(id, document.status, now)?;
            let mut jobs: Vec<NewJob> = Vec::new();
            for exchange in self.store().list_exchanges_of_document(id).await? {
                for webhook in self.store().list_webhooks(exchange.receiver).await? {
                    let notification = NotificationType::DocumentStatusChanged;
                    jobs.push(JobKind::Notify { exchange: exchange.id, webhook: webhook.id, notification }.job(now));
                }
            }
            let mut subjects = vec![format!("document:{id}")];
            subjects.extend(validated.replaced_by.map(|by| format!("document:{by}")));
            let event = self
                .event(p, EventType::DocumentStatusChanged, Some(document.issuer), subjects)
                .before(&document.status)
                .after(&validated);
            match self.store().change_document_status(&validated, &jobs, std::slice::from_ref(&event)).await {
                Ok(receipts) => {
                    let receipt = receipts
                        .first()
                        .copied()
                        .ok_or_else(|| HubError::Internal("update returned no receipt".into()))?;
                    return Ok((validated, receipt));
                }
                Err(StoreError::Stale(_)) if attempt == 1 => continue,
                Err(StoreError::MissingReference(_)) => {
                    return Err(HubError::invalid("replaced_by", "must be another document of the same issuer"));
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(HubError::Conflict("the document's status changed concurrently; try again".into()))
    }

    /// Counts by status and type, and the PDFs still cached: the operator's view of the exchange.
    pub async fn exchange_stats(&self, p: &Principal) -> Result<ExchangeStats> {
        if !(p.is_operator() && p.has(Permission::ReadDocuments)) {
            return Err(HubError::Forbidden(Permission::ManageRegistries));
        }
        Ok(self.store().exchange_stats().await?)
    }
}
