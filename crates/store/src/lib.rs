//! Storage for the hub: one `Store` trait, implemented for SQLite (the embedded default) and PostgreSQL (several
//! hub processes sharing one database). The SQL is written once (`sql/common.rs`) and compiled for each backend,
//! so both run exactly the same statements and pass the same test suite.
//!
//! Every mutating method takes the audit event describing the change and writes both in one transaction: a change
//! without its audit event, or an event without its change, cannot be stored.

mod error;
pub mod exchange;
pub mod log;
mod records;
mod sql;
pub mod user;

pub use error::StoreError;
pub use exchange::ExchangeStore;
pub use log::{AuditLogStore, StoredCheckpoint};
pub use records::*;
pub use sql::{open, postgres::PgStore, sqlite::SqliteStore};
pub use user::UserStore;

use async_trait::async_trait;
use ecert_domain::accreditation::{Accreditation, AccreditationBody};
use ecert_domain::audit::AuditEvent;
use ecert_domain::ids::{AccreditationBodyId, ApiKeyId, CertificateId, InstitutionId};
use ecert_domain::institution::Institution;
use ecert_domain::page::{Page, PageRequest};
use ecert_domain::pkr::{CertificateHistoryEntry, RegisteredCertificate, RevocationReason};
use ecert_domain::scope::ScopeEntry;
use time::OffsetDateTime;

pub type Result<T> = std::result::Result<T, StoreError>;

#[async_trait]
/// Every store is also the transparency log's storage ([`AuditLogStore`]), the exchange's and the portal users'.
pub trait Store: AuditLogStore + ExchangeStore + UserStore + Send + Sync + 'static {
    /// "sqlite" or "postgres", for logs and readiness output.
    fn backend(&self) -> &'static str;
    /// A cheap round trip, for `/readyz`.
    async fn ping(&self) -> Result<()>;
    /// A number that every committed write to a registry table (countries, institutions and their roles,
    /// accreditation bodies, accreditations, scope, certificates, webhooks) increases, so a reader can tell that
    /// registry records it read earlier are still current.
    async fn registry_version(&self) -> Result<i64>;

    async fn insert_country(&self, country: &Country, audit: &AuditEvent) -> Result<Receipt>;
    async fn get_country(&self, code: &str) -> Result<Option<Country>>;
    async fn list_countries(&self) -> Result<Vec<Country>>;

    async fn insert_institution(&self, institution: &Institution, audit: &AuditEvent) -> Result<Receipt>;
    async fn get_institution(&self, id: InstitutionId) -> Result<Option<Institution>>;
    async fn list_institutions(&self, filter: &InstitutionFilter, page: &PageRequest) -> Result<Page<Institution>>;
    /// Replaces the stored institution, but only if it still carries `expected_updated_at` (optimistic locking,
    /// so two operators cannot silently overwrite each other); otherwise `StoreError::Stale`.
    async fn update_institution(
        &self,
        institution: &Institution,
        expected_updated_at: OffsetDateTime,
        audit: &AuditEvent,
    ) -> Result<Receipt>;

    async fn insert_accreditation_body(&self, body: &AccreditationBody, audit: &AuditEvent) -> Result<Receipt>;
    async fn get_accreditation_body(&self, id: AccreditationBodyId) -> Result<Option<AccreditationBody>>;
    async fn list_accreditation_bodies(&self, page: &PageRequest) -> Result<Page<AccreditationBody>>;

    async fn insert_accreditation(&self, accreditation: &Accreditation, audit: &AuditEvent) -> Result<Receipt>;
    async fn list_accreditations(&self, cab: InstitutionId) -> Result<Vec<Accreditation>>;

    async fn insert_scope_entry(&self, entry: &ScopeEntry, audit: &AuditEvent) -> Result<Receipt>;
    async fn list_scope_entries(&self, cab: InstitutionId) -> Result<Vec<ScopeEntry>>;

    async fn insert_certificate(&self, cert: &RegisteredCertificate, audit: &AuditEvent) -> Result<Receipt>;
    /// Marks `old` superseded by `new` and stores `new`, atomically; fails with `Stale` if `old` is not active.
    async fn renew_certificate(
        &self,
        old: CertificateId,
        new: &RegisteredCertificate,
        audit: &AuditEvent,
    ) -> Result<Receipt>;
    /// Fails with `Stale` if the certificate is already revoked.
    async fn revoke_certificate(
        &self,
        id: CertificateId,
        at: OffsetDateTime,
        reason: RevocationReason,
        audit: &AuditEvent,
    ) -> Result<Receipt>;
    async fn get_certificate(&self, id: CertificateId) -> Result<Option<RegisteredCertificate>>;
    async fn find_certificate_by_fingerprint(&self, fingerprint: &str) -> Result<Option<RegisteredCertificate>>;
    async fn list_certificates(
        &self,
        institution: Option<InstitutionId>,
        page: &PageRequest,
    ) -> Result<Page<RegisteredCertificate>>;
    async fn certificate_history(&self, id: CertificateId) -> Result<Vec<CertificateHistoryEntry>>;

    async fn insert_api_key(&self, key: &ApiKeyRecord, audit: &AuditEvent) -> Result<Receipt>;
    async fn get_api_key(&self, id: ApiKeyId) -> Result<Option<ApiKeyRecord>>;
    async fn list_api_keys(&self, institution: InstitutionId) -> Result<Vec<ApiKeyRecord>>;
    /// Fails with `Stale` if already revoked.
    async fn revoke_api_key(&self, id: ApiKeyId, at: OffsetDateTime, audit: &AuditEvent) -> Result<Receipt>;

    /// Records an event that changes nothing else (logins, bootstraps).
    async fn append_audit_event(&self, audit: &AuditEvent) -> Result<Receipt>;
    async fn list_audit_events(&self, filter: &AuditFilter, page: &PageRequest) -> Result<Page<StoredAuditEvent>>;
}
