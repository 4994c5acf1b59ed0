//! Typed identifiers. A UUID newtype per entity keeps an institution id from being passed where a certificate id
//! is expected. New ids are UUIDv7, so they sort by creation time and make stable pagination cursors.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

typed_id!(/// A participating institution (CAB, authority, focal point, operator).
    InstitutionId);
typed_id!(/// An accreditation body (kept as its own entity: bodies get renamed and merge).
    AccreditationBodyId);
typed_id!(/// One accreditation or designation of a CAB.
    AccreditationId);
typed_id!(/// One authorised-scope entry of a CAB.
    ScopeEntryId);
typed_id!(/// A certificate in the Public Key Registry.
    CertificateId);
typed_id!(/// An API key (its public identifier, never the secret).
    ApiKeyId);
typed_id!(/// A document known to the hub (its hub reference).
    DocumentId);
typed_id!(/// One document routed to one receiving authority.
    ExchangeId);
typed_id!(/// A receiver's registered webhook endpoint.
    WebhookId);
typed_id!(/// A unit of background work in the job table.
    JobId);
typed_id!(/// A portal user (a person signing in to the portal for one institution).
    UserId);
