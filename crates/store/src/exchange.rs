//! Storage of Model A exchanges: the five data layers of a submitted document, its exchanges (one per
//! receiver), the issuer's status history, webhook endpoints, idempotency keys, and the job table that drives
//! background work (deliveries, retries, PDF deletion, retention purges).
//!
//! Layer L1 (the PDF) lives in the blob store, not here; the document row only records its digest, size and
//! whether it has been deleted. Every method that changes something takes the audit events describing the
//! change and writes change, events and any new jobs in one transaction.
//!
//! Ordering for pull polling: every exchange carries `change_seq`, the leaf index of the last audit event that
//! changed it (or its document). Leaf indices are handed out under the `log_head` row lock, held until commit,
//! so they become visible in order: a receiver polling "changes after N" can never miss a row that commits
//! later with a smaller number.

use crate::{Receipt, Result};
use async_trait::async_trait;
use ecert_domain::audit::{AuditEvent, Digest};
use ecert_domain::country::CountryCode;
use ecert_domain::document::{DocumentMetadata, DocumentStatus, StatusChange};
use ecert_domain::document_type::DocumentType;
use ecert_domain::exchange::{BusinessReply, DeliveryStatus};
use ecert_domain::ids::{CertificateId, DocumentId, ExchangeId, InstitutionId, JobId, WebhookId};
use ecert_domain::page::{Page, PageRequest};
use serde::Serialize;
use time::{Date, OffsetDateTime};

/// A submitted document: its metadata (L2) and the facts about its PDF (L1 is in the blob store).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentRecord {
    /// The hub reference.
    pub id: DocumentId,
    pub issuer: InstitutionId,
    pub issuer_country: CountryCode,
    pub metadata: DocumentMetadata,
    pub status: DocumentStatus,
    /// Set when `status` is REPLACED.
    pub replaced_by: Option<DocumentId>,
    /// SHA-256 of the PDF as received.
    pub pdf_sha256: Digest,
    pub pdf_size: u64,
    /// When the cached PDF was deleted (Model A); `None` while it is cached.
    #[serde(with = "time::serde::rfc3339::option")]
    pub pdf_deleted_at: Option<OffsetDateTime>,
    /// The registry certificate that signed it.
    pub signer_certificate: CertificateId,
    /// Unguessable reference for the public authenticity page (QR target). Never listed to other parties.
    #[serde(skip)]
    pub public_token: String,
    #[serde(with = "time::serde::rfc3339")]
    pub submitted_at: OffsetDateTime,
    /// Leaf index of the `document_submitted` audit event (filled by the store on insert).
    pub submitted_leaf: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// L3: the signature and hash evidence: the validation report as produced at submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceRecord {
    pub document: DocumentId,
    /// The full validation report (JSON), exactly as returned to the issuer.
    pub report_json: String,
    pub created_at: OffsetDateTime,
}

/// L4: the PKI validation data the verdict rested on, each item DER encoded, plus the registry facts at
/// validation time (JSON: CAB status, accreditation, scope entry, certificate record).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PkiData {
    pub certificates: Vec<Vec<u8>>,
    pub crls: Vec<Vec<u8>>,
    pub ocsp_responses: Vec<Vec<u8>>,
    pub timestamps: Vec<Vec<u8>>,
    pub registry_facts_json: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PkiDataRecord {
    pub document: DocumentId,
    pub data: PkiData,
    pub created_at: OffsetDateTime,
}

/// One document to one receiving authority.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExchangeRecord {
    pub id: ExchangeId,
    pub document: DocumentId,
    pub issuer: InstitutionId,
    pub receiver: InstitutionId,
    pub status: DeliveryStatus,
    pub reply: Option<BusinessReply>,
    /// Failed webhook attempts so far.
    pub delivery_attempts: u32,
    /// The last delivery failure, for both sides to see (never a secret or document content).
    pub last_delivery_error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Leaf index of the last audit event that changed this exchange or its document (the polling cursor).
    pub change_seq: u64,
}

/// An exchange with its document, as receivers list them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExchangeWithDocument {
    pub exchange: ExchangeRecord,
    pub document: DocumentRecord,
}

/// Idempotency: the key the client sent and the digest of what it sent with it (PDF and metadata), so a key
/// reused for a different request is told apart from a replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub issuer: InstitutionId,
    pub key: String,
    pub request_sha256: Digest,
    pub document: DocumentId,
}

/// A unit of background work. The store does not interpret `kind` or `payload_json`; the hub does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    pub id: JobId,
    pub kind: String,
    pub payload_json: String,
    pub run_at: OffsetDateTime,
    /// At most one pending job per unique key (e.g. the recurring retention sweep); a second insert with the
    /// same key is silently skipped, not an error.
    pub unique_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: JobId,
    pub kind: String,
    pub payload_json: String,
    pub run_at: OffsetDateTime,
    /// Attempts started so far, including the one that holds the lease now.
    pub attempts: u32,
    pub last_error: Option<String>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
}

/// Proof that a worker holds a job: completing or rescheduling it needs both, so a worker whose lease expired
/// (and whose job another worker took) cannot finish it a second time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobLease {
    pub job: JobId,
    pub owner: String,
}

/// A change of one exchange's delivery status, applied only if it is still `from` (otherwise `Stale`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeTransition {
    pub exchange: ExchangeId,
    pub from: DeliveryStatus,
    pub to: DeliveryStatus,
    /// Set with an acknowledgement.
    pub reply: Option<BusinessReply>,
    /// Count a failed delivery attempt and keep its reason.
    pub delivery_error: Option<String>,
    pub at: OffsetDateTime,
}

/// Everything a submission writes, in one transaction.
#[derive(Debug, Clone)]
pub struct NewSubmission<'a> {
    pub document: &'a DocumentRecord,
    pub evidence: &'a EvidenceRecord,
    pub pki_data: &'a PkiDataRecord,
    pub exchanges: &'a [ExchangeRecord],
    pub idempotency: Option<&'a IdempotencyRecord>,
    pub jobs: &'a [NewJob],
    /// `events[0]` is the `document_submitted` event; its leaf index becomes `submitted_leaf`, and the
    /// exchanges' `change_seq` is the last leaf index of the transaction.
    pub events: &'a [AuditEvent],
}

/// A submission the store keeps past the caller's borrow (SQLite queues it for a group commit).
#[derive(Debug, Clone)]
pub(crate) struct OwnedSubmission {
    document: DocumentRecord,
    evidence: EvidenceRecord,
    pki_data: PkiDataRecord,
    exchanges: Vec<ExchangeRecord>,
    idempotency: Option<IdempotencyRecord>,
    jobs: Vec<NewJob>,
    events: Vec<AuditEvent>,
}

impl OwnedSubmission {
    pub(crate) fn from(s: &NewSubmission<'_>) -> Self {
        Self {
            document: s.document.clone(),
            evidence: s.evidence.clone(),
            pki_data: s.pki_data.clone(),
            exchanges: s.exchanges.to_vec(),
            idempotency: s.idempotency.cloned(),
            jobs: s.jobs.to_vec(),
            events: s.events.to_vec(),
        }
    }

    pub(crate) fn view(&self) -> NewSubmission<'_> {
        NewSubmission {
            document: &self.document,
            evidence: &self.evidence,
            pki_data: &self.pki_data,
            exchanges: &self.exchanges,
            idempotency: self.idempotency.as_ref(),
            jobs: &self.jobs,
            events: &self.events,
        }
    }
}

/// A change of exchanges (delivery, download, reply, failure), with the jobs it schedules and the job it
/// finishes, in one transaction.
#[derive(Debug, Clone)]
pub struct ExchangeUpdate<'a> {
    pub transitions: &'a [ExchangeTransition],
    pub new_jobs: &'a [NewJob],
    pub finished_job: Option<&'a JobLease>,
    pub events: &'a [AuditEvent],
}

/// The cached PDF of a document has been deleted from the blob store; record it, move its exchanges on, and
/// finish the job that did it.
#[derive(Debug, Clone)]
pub struct PdfDeletion<'a> {
    pub document: DocumentId,
    pub at: OffsetDateTime,
    pub transitions: &'a [ExchangeTransition],
    pub finished_job: Option<&'a JobLease>,
    pub events: &'a [AuditEvent],
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentFilter {
    /// Only this issuer's documents (the tenant rule); `None` for the operator.
    pub issuer: Option<InstitutionId>,
    pub status: Option<DocumentStatus>,
    pub document_type: Option<DocumentType>,
    pub destination_country: Option<CountryCode>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExchangeFilter {
    /// Only exchanges addressed to this receiver (the tenant rule). Always set for receivers.
    pub receiver: Option<InstitutionId>,
    pub status: Option<DeliveryStatus>,
    pub issuer_country: Option<CountryCode>,
    pub issuer: Option<InstitutionId>,
    pub document_type: Option<DocumentType>,
    /// Digits only; matches documents with at least one HS code starting with it.
    pub hs_prefix: Option<String>,
    /// Issue date range, inclusive.
    pub issued_from: Option<Date>,
    pub issued_to: Option<Date>,
}

/// A registered webhook endpoint. The HMAC secret is not stored: the hub derives it from its webhook key and
/// the endpoint id, so a database dump reveals no signing secret.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebhookRecord {
    pub id: WebhookId,
    pub institution: InstitutionId,
    pub url: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Which retention layer a purge removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RetentionLayer {
    /// L2: documents whose PDF is gone, with their exchanges, status history and idempotency keys. Only
    /// documents whose evidence and PKI data are already purged, so nothing is left dangling.
    Metadata,
    /// L3: validation reports.
    Evidence,
    /// L4: certificates, CRLs, OCSP responses, timestamps, registry facts.
    PkiData,
}

/// A public token a CAB reserved before signing (the QR code's target), used once by a later push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenReservation {
    pub token: String,
    pub issuer: InstitutionId,
    pub reserved_at: OffsetDateTime,
}

/// Counts for the operator's statistics.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ExchangeStats {
    /// (status code, count), every status present with a non-zero count.
    pub documents_by_status: Vec<(String, u64)>,
    pub exchanges_by_status: Vec<(String, u64)>,
    /// (document type code, count).
    pub documents_by_type: Vec<(String, u64)>,
    pub pdfs_cached: u64,
}

#[async_trait]
pub trait ExchangeStore: Send + Sync {
    /// Writes the submission. `Conflict("document_number")` if the issuer already used the number,
    /// `Conflict("pdf_sha256")` if it already submitted the same PDF, `Conflict("idempotency_key")` if the key is
    /// taken. Returns the receipts of `events`, in order.
    async fn insert_submission(&self, submission: &NewSubmission<'_>) -> Result<Vec<Receipt>>;
    async fn get_document(&self, id: DocumentId) -> Result<Option<DocumentRecord>>;
    async fn find_document_by_number(&self, issuer: InstitutionId, number: &str) -> Result<Option<DocumentRecord>>;
    async fn find_document_by_pdf_sha256(
        &self,
        issuer: InstitutionId,
        digest: &Digest,
    ) -> Result<Option<DocumentRecord>>;
    /// Any issuer: the verification service matches an uploaded file by its hash.
    async fn find_documents_by_pdf_sha256(&self, digest: &Digest) -> Result<Vec<DocumentRecord>>;
    async fn find_document_by_public_token(&self, token: &str) -> Result<Option<DocumentRecord>>;
    /// Documents of every issuer of `country` with this number (numbers are unique per issuer only), oldest
    /// first, at most a page.
    async fn find_documents_by_country_number(&self, country: CountryCode, number: &str)
    -> Result<Vec<DocumentRecord>>;
    /// Stores a reservation; `Conflict("public_token")` if the token is already reserved.
    async fn reserve_public_token(&self, reservation: &TokenReservation) -> Result<()>;
    async fn get_token_reservation(&self, token: &str) -> Result<Option<TokenReservation>>;
    /// Reservations of `issuer` made at or after `since` that no document uses yet.
    async fn count_open_token_reservations(&self, issuer: InstitutionId, since: OffsetDateTime) -> Result<u64>;
    async fn find_idempotency(&self, issuer: InstitutionId, key: &str) -> Result<Option<IdempotencyRecord>>;
    /// Newest first.
    async fn list_documents(&self, filter: &DocumentFilter, page: &PageRequest) -> Result<Page<DocumentRecord>>;
    async fn get_evidence(&self, document: DocumentId) -> Result<Option<EvidenceRecord>>;
    async fn get_pki_data(&self, document: DocumentId) -> Result<Option<PkiDataRecord>>;

    /// Applies `change` to the document if its status is still `change.from` (otherwise `Stale`), appends it to
    /// the history, bumps `change_seq` of all its exchanges, and schedules `new_jobs` (receiver notifications).
    /// `MissingReference` if `replaced_by` is not a document of the same issuer.
    async fn change_document_status(
        &self,
        change: &StatusChange,
        new_jobs: &[NewJob],
        events: &[AuditEvent],
    ) -> Result<Vec<Receipt>>;
    /// Oldest first.
    async fn document_status_history(&self, document: DocumentId) -> Result<Vec<StatusChange>>;

    async fn get_exchange(&self, id: ExchangeId) -> Result<Option<ExchangeWithDocument>>;
    async fn list_exchanges_of_document(&self, document: DocumentId) -> Result<Vec<ExchangeRecord>>;
    /// Newest first (by document submission).
    async fn search_exchanges(&self, filter: &ExchangeFilter, page: &PageRequest)
    -> Result<Page<ExchangeWithDocument>>;
    /// Exchanges of `receiver` with `change_seq > since`, in `change_seq` order. Exchanges changed by one
    /// transaction share a `change_seq`; a page never splits such a group (it ends before the group, or returns
    /// the whole group even beyond `limit` when the group alone overflows it), so "after the last `change_seq`
    /// seen" is a safe cursor.
    async fn poll_exchanges(
        &self,
        receiver: InstitutionId,
        since: u64,
        limit: u32,
    ) -> Result<Vec<ExchangeWithDocument>>;
    /// Applies every transition (all or none: `Stale` if any exchange is no longer in its `from` status), sets
    /// `change_seq` to the transaction's last leaf index, inserts `new_jobs`, deletes `finished_job` (`Stale` if
    /// the lease is no longer held), appends `events`.
    async fn update_exchanges(&self, update: &ExchangeUpdate<'_>) -> Result<Vec<Receipt>>;
    /// Sets `pdf_deleted_at` (`Stale` if already set) and applies the transitions, as one transaction.
    async fn record_pdf_deletion(&self, deletion: &PdfDeletion<'_>) -> Result<Vec<Receipt>>;
    /// Documents whose PDF is still cached and was submitted before `cutoff`, oldest first (the TTL sweep's
    /// safety net behind the per-document TTL jobs).
    async fn documents_with_cached_pdf_before(&self, cutoff: OffsetDateTime, limit: u32) -> Result<Vec<DocumentId>>;

    async fn insert_webhook(&self, webhook: &WebhookRecord, audit: &AuditEvent) -> Result<Receipt>;
    async fn get_webhook(&self, id: WebhookId) -> Result<Option<WebhookRecord>>;
    async fn list_webhooks(&self, institution: InstitutionId) -> Result<Vec<WebhookRecord>>;
    async fn delete_webhook(&self, id: WebhookId, audit: &AuditEvent) -> Result<Receipt>;

    /// Inserts jobs outside any other change (e.g. the recurring sweeps at start-up). Jobs whose `unique_key`
    /// is already pending are skipped.
    async fn insert_jobs(&self, jobs: &[NewJob]) -> Result<()>;
    /// Leases up to `limit` due jobs (`run_at <= now`, no live lease) to `owner` until `now + lease`, oldest
    /// first, incrementing `attempts`. On PostgreSQL `FOR UPDATE SKIP LOCKED`, so concurrent workers never
    /// claim the same job.
    async fn claim_jobs(&self, owner: &str, now: OffsetDateTime, lease: time::Duration, limit: u32)
    -> Result<Vec<Job>>;
    /// Deletes a finished job. `Stale` if `lease` is no longer held.
    async fn complete_job(&self, lease: &JobLease) -> Result<()>;
    /// Releases the lease and reschedules the job at `run_at`, keeping `error`. `Stale` if the lease is lost.
    async fn retry_job(&self, lease: &JobLease, run_at: OffsetDateTime, error: &str) -> Result<()>;
    async fn count_jobs(&self) -> Result<u64>;

    /// Removes up to `limit` records of `layer` created before `cutoff`, and appends `audit` (with the layer and
    /// count in its subjects, set by the store as "layer:<name>" and "count:N") in the same transaction if
    /// anything was removed.
    async fn purge_layer(
        &self,
        layer: RetentionLayer,
        cutoff: OffsetDateTime,
        limit: u32,
        audit: &AuditEvent,
    ) -> Result<(u64, Option<Receipt>)>;

    async fn exchange_stats(&self) -> Result<ExchangeStats>;
}
