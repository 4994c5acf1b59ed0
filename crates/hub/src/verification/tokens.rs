//! Public tokens reserved before signing. The QR code printed on a document is part of what the CAB signs, so
//! the CAB needs the authenticity page's token first: it reserves one, stamps the QR code, signs, and names
//! the token in the push. A reservation belongs to the CAB that made it and serves one document.

use crate::auth::require;
use crate::{Hub, HubError, Result};
use ecert_domain::FieldErrorCode;
use ecert_domain::auth::{Permission, Principal};
use ecert_store::StoreError;
use ecert_store::exchange::TokenReservation;
use serde::Serialize;
use time::OffsetDateTime;

pub use ecert_domain::document::is_public_token as is_token_shaped;

/// Reservations a CAB may hold unused within a day: far above any CAB's daily output, low enough that a
/// runaway client cannot fill the table.
pub const MAX_OPEN_RESERVATIONS_PER_DAY: u64 = 1_000;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct ReservedToken {
    pub token: String,
    #[serde(with = "time::serde::rfc3339")]
    pub reserved_at: OffsetDateTime,
}

impl Hub {
    /// A fresh token for the calling CAB's next document.
    pub async fn reserve_document_token(&self, p: &Principal) -> Result<ReservedToken> {
        require(p, Permission::SubmitDocuments)?;
        let reserved_at = crate::exchange::stored_precision(self.now());
        let open =
            self.store().count_open_token_reservations(p.institution, reserved_at - time::Duration::days(1)).await?;
        if open >= MAX_OPEN_RESERVATIONS_PER_DAY {
            return Err(HubError::Conflict(format!(
                "{open} reserved tokens of the last 24 hours are unused; push those documents before reserving more"
            )));
        }
        // 192 random bits: a collision is not a practical event, but one retry costs nothing.
        for _ in 0..2 {
            let reservation =
                TokenReservation { token: crate::exchange::new_public_token()?, issuer: p.institution, reserved_at };
            match self.store().reserve_public_token(&reservation).await {
                Ok(()) => return Ok(ReservedToken { token: reservation.token, reserved_at }),
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(HubError::Internal("could not reserve a unique public token".into()))
    }
}

/// A push naming a token: it must be one this CAB reserved and no document uses yet.
pub(crate) async fn check_reserved_token(hub: &Hub, p: &Principal, token: &str) -> Result<()> {
    match hub.store().get_token_reservation(token).await? {
        Some(r) if r.issuer == p.institution => {}
        _ => {
            return Err(HubError::invalid(
                "public_token",
                "not a token reserved by this CAB (POST /api/v1/document-tokens)",
            ));
        }
    }
    if hub.store().find_document_by_public_token(token).await?.is_some() {
        return Err(HubError::invalid_with_code(
            "public_token",
            FieldErrorCode::Duplicate,
            "this token already belongs to another document",
        ));
    }
    Ok(())
}
