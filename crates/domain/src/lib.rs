//! The ecert domain: participants, accreditation, authorised scope, the Public Key Registry model,
//! roles and permissions, and the audit event model.
//!
//! Nothing here performs IO: no SQL, no HTTP, no clock. Callers pass the time in, so every rule is a pure
//! function that tests can drive with any date.

pub mod accreditation;
pub mod audit;
pub mod auth;
pub mod country;
pub mod document;
pub mod document_type;
pub mod error;
pub mod exchange;
pub mod hs;
pub mod ids;
pub mod institution;
pub mod page;
pub mod pkr;
pub mod scope;
pub mod user;

pub use error::{FieldError, FieldErrorCode, FieldErrors};

#[cfg(feature = "openapi")]
mod openapi;
