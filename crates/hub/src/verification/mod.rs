//! The verification service (issue 7): anyone holding a PDF asks whether it is genuine and still valid.
//!
//! - [`Hub::verify_pdf`]: an authenticated party uploads a file; the hub validates it against every registered
//!   key, reports what the registries say about its signer, and, when it knows the document, its status.
//! - [`Hub::document_status`]: the permit-style lookup by issuing country and number (EPIX's three values).
//! - [`Hub::public_document`] and [`Hub::compare_public_pdf`]: the public authenticity page behind the QR code.
//! - [`Hub::reserve_document_token`]: a CAB reserves that page's token before signing, to print its QR code.
//!
//! Every answer carries [`VERIFICATION_DISCLAIMER`]: the hub gives reference information, never acceptance.

mod lookup;
mod public;
mod registry;
mod tokens;
mod verify_file;

pub use ecert_domain::document::VERIFICATION_DISCLAIMER;
pub use lookup::StatusAnswer;
pub use public::{HashComparison, PublicDocument, PublicStatus};
pub use registry::{CabFacts, CertificateFacts, HsCodeScope, RegistryContext, ScopeFacts, SignerRegistration};
pub(crate) use tokens::check_reserved_token;
pub use tokens::{MAX_OPEN_RESERVATIONS_PER_DAY, ReservedToken, is_token_shaped};
pub use verify_file::{KnownDocument, MatchedBy, Verification, VerifyRequest};

pub(crate) use crate::audit::sha256;
