//! The public authenticity page's data (the QR code's target). No credential: the token is the only key, so
//! the page shows only what the issue allows (status, issuing CAB and country, document type, dates) and
//! every way of not finding a document (unknown or malformed token, purged metadata, expired document, an
//! issuer record gone) looks the same: `None`, rendered as one neutral NOT AVAILABLE page.

use super::sha256;
use super::tokens::is_token_shaped;
use crate::{Hub, Result};
use ecert_domain::country::CountryCode;
use ecert_domain::document::DocumentStatus;
use ecert_domain::document_type::DocumentType;
use ecert_store::exchange::DocumentRecord;
use time::Date;

/// The status a member of the public sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicStatus {
    Valid,
    Suspended,
    /// Withdrawn by its issuer (EPIX: CANCELLED).
    Withdrawn,
    /// Superseded by another document of the same issuer.
    Replaced,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicDocument {
    pub status: PublicStatus,
    pub cab_name: String,
    pub cab_country: CountryCode,
    pub document_type: DocumentType,
    pub issue_date: Date,
    pub valid_until: Date,
    /// The replacement's own public token, when the document was replaced and the replacement is available.
    pub replacement_token: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashComparison {
    /// The file is byte for byte the PDF the issuer submitted.
    Match,
    Mismatch,
}

impl Hub {
    /// The page's facts, or `None` for every kind of "not available".
    pub async fn public_document(&self, token: &str) -> Result<Option<PublicDocument>> {
        let Some(document) = self.document_by_token(token).await? else { return Ok(None) };
        self.public_view(&document).await
    }

    /// Whether an uploaded file is the registered PDF of the token's document (`None`: not available). The
    /// file is hashed and dropped.
    pub async fn compare_public_pdf(
        &self,
        token: &str,
        pdf: &[u8],
    ) -> Result<Option<(PublicDocument, HashComparison)>> {
        let Some(document) = self.document_by_token(token).await? else { return Ok(None) };
        let Some(view) = self.public_view(&document).await? else { return Ok(None) };
        let comparison =
            if sha256(pdf) == document.pdf_sha256 { HashComparison::Match } else { HashComparison::Mismatch };
        Ok(Some((view, comparison)))
    }

    async fn document_by_token(&self, token: &str) -> Result<Option<DocumentRecord>> {
        // A malformed token cannot name a document; the lookup is skipped, the answer is the same.
        if !is_token_shaped(token) {
            return Ok(None);
        }
        Ok(self.store().find_document_by_public_token(token).await?)
    }

    async fn public_view(&self, document: &DocumentRecord) -> Result<Option<PublicDocument>> {
        let today = self.now().date();
        let status = match document.status {
            // An expired document is not to be relied on, and its issuer did not cancel it: like EPIX, the page
            // says NOT AVAILABLE rather than inventing a status of its own.
            DocumentStatus::Valid if today > document.metadata.valid_until => return Ok(None),
            DocumentStatus::Valid => PublicStatus::Valid,
            DocumentStatus::Suspended => PublicStatus::Suspended,
            DocumentStatus::Withdrawn => PublicStatus::Withdrawn,
            DocumentStatus::Replaced => PublicStatus::Replaced,
        };
        let Some(cab) = self.store().get_institution(document.issuer).await? else { return Ok(None) };
        let replacement_token = match document.replaced_by {
            Some(id) => self.store().get_document(id).await?.map(|d| d.public_token),
            None => None,
        };
        Ok(Some(PublicDocument {
            status,
            cab_name: cab.name,
            cab_country: cab.country,
            document_type: document.metadata.document_type,
            issue_date: document.metadata.issue_date,
            valid_until: document.metadata.valid_until,
            replacement_token,
        }))
    }
}
