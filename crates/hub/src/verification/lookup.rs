//! PERMIT-STYLE STATUS LOOKUP: "is certificate N of country C valid?", answered with EPIX's three values only.
//!
//! Who sees a document's status: the operator, its issuer, and the relying parties (receiving authorities and
//! national focal points) of its destination or issuing country. Everyone else, and every unknown, malformed
//! or suspended/expired document, gets the same NOT_AVAILABLE answer, so the lookup reveals nothing about
//! documents the caller has no business with.

use super::VERIFICATION_DISCLAIMER;
use crate::auth::require;
use crate::{Hub, Result};
use ecert_domain::auth::{Permission, Principal};
use ecert_domain::country::CountryCode;
use ecert_domain::document::MAX_DOCUMENT_NUMBER_LEN;
use ecert_domain::exchange::EpixStatus;
use ecert_store::exchange::DocumentRecord;
use serde::Serialize;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusAnswer {
    pub status: EpixStatus,
    pub disclaimer: &'static str,
}

impl Hub {
    pub async fn document_status(&self, p: &Principal, issuer_country: &str, number: &str) -> Result<StatusAnswer> {
        require(p, Permission::VerifyDocuments)?;
        let found = self.visible_document_by_number(p, issuer_country, number).await?;
        let today = self.now().date();
        let status = EpixStatus::of(found.map(|d| (d.status, d.metadata.valid_until)), today);
        Ok(StatusAnswer { status, disclaimer: VERIFICATION_DISCLAIMER })
    }

    /// The newest document with that number in that country that `p` may ask about.
    async fn visible_document_by_number(
        &self,
        p: &Principal,
        issuer_country: &str,
        number: &str,
    ) -> Result<Option<DocumentRecord>> {
        let Ok(country) = CountryCode::parse(issuer_country) else { return Ok(None) };
        if number.is_empty() || number.chars().count() > MAX_DOCUMENT_NUMBER_LEN {
            return Ok(None);
        }
        let candidates = self.store().find_documents_by_country_number(country, number).await?;
        if candidates.is_empty() {
            return Ok(None);
        }
        let caller_country = if p.is_relying_party() {
            self.store().get_institution(p.institution).await?.map(|i| i.country)
        } else {
            None
        };
        Ok(candidates.into_iter().rev().find(|d| {
            p.can_access(d.issuer)
                || caller_country.is_some_and(|c| c == d.metadata.destination_country || c == d.issuer_country)
        }))
    }
}
