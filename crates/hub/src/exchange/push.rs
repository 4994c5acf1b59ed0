//! PUSH: an issuing CAB submits a signed PDF with its metadata. Every check runs in memory first; only an
//! accepted document touches the cache and the database, in the order that makes a crash harmless: the PDF is
//! written durably, then one transaction stores layers L2-L5, then the caller gets its 2xx.

use super::registry_cache::RegistryView;
use super::trust::{self, CabRecords, SignatureVerdict, codes};
use super::views::{PushRequest, Submission};
use crate::audit::{WithDigests, sha256};
use crate::auth::require;
use crate::jobs::{JobKind, NotificationType};
use crate::{Hub, HubError, Rejection, Result};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ecert_blob::DigestedBytes;
use ecert_domain::FieldErrorCode;
use ecert_domain::audit::{AuditEvent, Digest, EventType};
use ecert_domain::auth::{Permission, Principal};
use ecert_domain::country::CountryCode;
use ecert_domain::document::{DocumentMetadata, DocumentStatus};
use ecert_domain::exchange::{DeliveryStatus, PdfDeletionReason, RoutingError, route};
use ecert_domain::ids::{DocumentId, ExchangeId, InstitutionId, ScopeEntryId};
use ecert_domain::institution::Institution;
use ecert_domain::page::{MAX_PAGE_SIZE, PageRequest};
use ecert_domain::pkr::RegisteredCertificate;
use ecert_store::exchange::{
    DocumentRecord, EvidenceRecord, ExchangeRecord, IdempotencyRecord, NewJob, NewSubmission, PkiData, PkiDataRecord,
};
use ecert_store::{InstitutionFilter, StoreError};
use ecert_verify::{Report, ValidationPolicy, validate_pdf};
use time::OffsetDateTime;

/// Longest `Idempotency-Key` accepted (a UUID is 36; room for client-side prefixes).
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 128;
/// A destination country with more institutions than this is not routed in one push.
const MAX_ROUTING_CANDIDATES: usize = 4 * MAX_PAGE_SIZE as usize;

/// The cheap shape checks on the upload itself; the validator does the real parsing.
fn check_pdf(pdf: &[u8], max_bytes: u64) -> Result<()> {
    if pdf.is_empty() {
        return Err(HubError::invalid_with_code("pdf", FieldErrorCode::Required, "the upload is empty"));
    }
    if pdf.len() as u64 > max_bytes {
        return Err(HubError::invalid_with_code(
            "pdf",
            FieldErrorCode::TooLong,
            format!("the PDF is larger than the limit of {max_bytes} bytes"),
        ));
    }
    if !pdf.starts_with(b"%PDF-") {
        return Err(HubError::invalid("pdf", "not a PDF file (it must start with %PDF-)"));
    }
    Ok(())
}

fn check_idempotency_key(key: Option<String>) -> Result<Option<String>> {
    match key {
        None => Ok(None),
        Some(k) if k.is_empty() || k.len() > MAX_IDEMPOTENCY_KEY_LEN || !k.bytes().all(|b| b.is_ascii_graphic()) => {
            Err(HubError::invalid_with_code(
                "idempotency_key",
                FieldErrorCode::for_length(k.len(), MAX_IDEMPOTENCY_KEY_LEN),
                format!("must be 1 to {MAX_IDEMPOTENCY_KEY_LEN} printable ASCII characters without spaces"),
            ))
        }
        Some(k) => Ok(Some(k)),
    }
}

/// An unguessable reference for the public authenticity page.
pub(crate) fn new_public_token() -> Result<String> {
    let mut bytes = [0u8; 24];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| HubError::Internal("random generator failed".into()))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// What the checks established about an accepted document.
struct Accepted {
    report: serde_json::Value,
    signer: RegisteredCertificate,
    scope_entries: Vec<ScopeEntryId>,
    receivers: Vec<InstitutionId>,
    /// L4 without the registry facts.
    pki: PkiData,
}

/// The fingerprints a report's signature paths went through, signer first.
fn chain_fingerprints(report: &Report) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in &report.signatures {
        for c in s.signer.iter().chain(s.chain.iter()) {
            let fp = c.sha256_fingerprint.to_ascii_lowercase();
            if !out.contains(&fp) {
                out.push(fp);
            }
        }
    }
    out
}

impl Hub {
    pub async fn push_document(&self, p: &Principal, req: PushRequest) -> Result<Submission> {
        require(p, Permission::SubmitDocuments)?;
        let now = super::stored_precision(self.now());
        let settings = &self.exchange().settings;
        // The token is the QR code's target, not metadata: checked here, kept apart from L2.
        let reserved_token = req.metadata.public_token.clone();
        let metadata = req.metadata.validate(now.date())?;
        check_pdf(&req.pdf, settings.max_pdf_bytes)?;
        let key = check_idempotency_key(req.idempotency_key)?;
        // Hashed once here; the replay lookup, the evidence and the PDF cache all reuse this digest.
        let pdf = DigestedBytes::new(req.pdf);
        let pdf_sha256 = Digest(pdf.sha256().0);
        let metadata_json = serde_json::to_vec(&metadata).map_err(|e| HubError::Internal(e.to_string()))?;
        // Over the PDF's digest rather than the PDF again: the same binding, one pass over the bytes.
        let request_sha256 = sha256(&[pdf_sha256.0.as_slice(), &metadata_json].concat());

        // The replay lookups and the registry reads are independent: run them side by side.
        let registry_reads = async {
            let registry = self.registry_view().await?;
            let records = registry.cab_records(p.institution).await?;
            Ok((registry, records))
        };
        let (replay, (registry, records)) = tokio::try_join!(
            self.find_replay(p.institution, key.as_deref(), &request_sha256, &pdf_sha256, &metadata),
            registry_reads,
        )?;
        if let Some(original) = replay {
            return Ok(original);
        }
        if let Some(token) = &reserved_token {
            crate::verification::check_reserved_token(self, p, token).await?;
        }
        let accepted = match self.judge_push(&registry, &records, &metadata, pdf.bytes(), now).await {
            Ok(accepted) => accepted,
            Err(HubError::Rejected(rejection)) => {
                self.record_rejection(p, &pdf_sha256, &rejection).await?;
                return Err(HubError::Rejected(rejection));
            }
            Err(other) => return Err(other),
        };
        let pdf_size = pdf.len();
        let public_token = match reserved_token {
            Some(token) => token,
            None => new_public_token()?,
        };
        let prepared = self
            .prepare_submission(
                p,
                (&registry, &records),
                (metadata, public_token),
                (pdf_sha256, pdf_size),
                accepted,
                now,
            )
            .await?;
        let idempotency = key.map(|key| IdempotencyRecord {
            issuer: p.institution,
            key,
            request_sha256,
            document: prepared.document.id,
        });
        self.store_submission(p, prepared, idempotency, pdf).await
    }

    /// The original submission when this push repeats one: the same key with the same content, or the same
    /// PDF. A key reused for other content, or a number used for another PDF, is a conflict.
    async fn find_replay(
        &self,
        issuer: InstitutionId,
        key: Option<&str>,
        request_sha256: &Digest,
        pdf_sha256: &Digest,
        metadata: &DocumentMetadata,
    ) -> Result<Option<Submission>> {
        if let Some(key) = key
            && let Some(found) = self.store().find_idempotency(issuer, key).await?
        {
            if found.request_sha256 != *request_sha256 {
                return Err(HubError::Conflict("Idempotency-Key was used for a different request".into()));
            }
            return self.replayed_submission(found.document).await.map(Some);
        }
        if let Some(document) = self.store().find_document_by_pdf_sha256(issuer, pdf_sha256).await? {
            return self.replayed_submission(document.id).await.map(Some);
        }
        if self.store().find_document_by_number(issuer, &metadata.document_number).await?.is_some() {
            return Err(duplicate_number(&metadata.document_number));
        }
        Ok(None)
    }

    async fn replayed_submission(&self, id: DocumentId) -> Result<Submission> {
        let document = self.store().get_document(id).await?.ok_or(HubError::NotFound("document"))?;
        let exchanges = self.store().list_exchanges_of_document(id).await?;
        let report = self.stored_report(id).await?.unwrap_or(serde_json::Value::Null);
        let receipt = ecert_store::Receipt { leaf_index: document.submitted_leaf };
        let public_token = document.public_token.clone();
        Ok(Submission { document, exchanges, report, receipt, replayed: true, public_token })
    }

    /// The trust checks, in order: CAB active, signature against this CAB's registered keys, signer
    /// registration, scope, routing.
    async fn judge_push(
        &self,
        registry: &RegistryView<'_>,
        records: &CabRecords,
        metadata: &DocumentMetadata,
        pdf: &bytes::Bytes,
        now: OffsetDateTime,
    ) -> Result<Accepted> {
        trust::check_cab_active(&records.institution, now.date())?;
        let certificates = records.certificates.clone();
        let bytes = pdf.clone();
        // Validation is CPU-bound: it runs beside the async workers, not on them.
        let (report, dss) = tokio::task::spawn_blocking(move || {
            let trust = trust::trust_context(&certificates);
            let report = validate_pdf(&bytes, &ValidationPolicy::default(), &trust, Some(now));
            (report, super::evidence::dss_items(&bytes))
        })
        .await
        .map_err(|e| HubError::Internal(format!("validation task failed: {e}")))?;
        let json = serde_json::to_value(&report).map_err(|e| HubError::Internal(e.to_string()))?;
        let cab = records.institution.id;

        let signer = match trust::judge_report(&report, &json)? {
            SignatureVerdict::Untrusted { signer, detail } => {
                let record = match &signer {
                    Some(fp) => self.certificate_by_fingerprint(&records.certificates, fp).await?,
                    None => None,
                };
                return Err(trust::untrusted_signer(cab, record.as_ref(), now, detail, &json));
            }
            SignatureVerdict::Passed { signers } => {
                let mut first = None;
                for fp in &signers {
                    let elsewhere =
                        if records.certificates.iter().any(|c| c.fingerprint_sha256.eq_ignore_ascii_case(fp)) {
                            None
                        } else {
                            self.store().find_certificate_by_fingerprint(fp).await?
                        };
                    let record =
                        trust::check_passed_signer(cab, fp, &records.certificates, elsewhere.as_ref(), now, &json)?;
                    first.get_or_insert_with(|| record.clone());
                }
                first.ok_or_else(|| HubError::Internal("a passed report without signers".into()))?
            }
        };
        let scope_entries = trust::check_scope(records, metadata, &json)?;
        let receivers = self.route_document(registry, metadata, now.date(), &json).await?;
        // L4: the registered certificates the paths went through, then what the PDF's DSS carried.
        let mut certificates: Vec<Vec<u8>> = chain_fingerprints(&report)
            .iter()
            .filter_map(|fp| records.certificates.iter().find(|c| c.fingerprint_sha256.eq_ignore_ascii_case(fp)))
            .map(|c| c.der.clone())
            .collect();
        if !certificates.contains(&signer.der) {
            certificates.insert(0, signer.der.clone());
        }
        for der in dss.certs {
            if !certificates.contains(&der) {
                certificates.push(der);
            }
        }
        let pki = PkiData { certificates, crls: dss.crls, ocsp_responses: dss.ocsps, ..PkiData::default() };
        Ok(Accepted { report: json, signer, scope_entries, receivers, pki })
    }

    async fn certificate_by_fingerprint(
        &self,
        own: &[RegisteredCertificate],
        fingerprint: &str,
    ) -> Result<Option<RegisteredCertificate>> {
        if let Some(c) = own.iter().find(|c| c.fingerprint_sha256.eq_ignore_ascii_case(fingerprint)) {
            return Ok(Some(c.clone()));
        }
        Ok(self.store().find_certificate_by_fingerprint(fingerprint).await?)
    }

    /// The institutions of `country`, up to the routing bound.
    pub(super) async fn institutions_of(&self, country: CountryCode) -> Result<Vec<Institution>> {
        let filter = InstitutionFilter { country: Some(country), ..Default::default() };
        let mut institutions: Vec<Institution> = Vec::new();
        let mut page = PageRequest::first(MAX_PAGE_SIZE);
        loop {
            let batch = self.store().list_institutions(&filter, &page).await?;
            institutions.extend(batch.items);
            match batch.next_cursor {
                Some(after) if institutions.len() < MAX_ROUTING_CANDIDATES => page.after = Some(after),
                _ => return Ok(institutions),
            }
        }
    }

    /// The receivers: every eligible authority of the destination, or the named one.
    async fn route_document(
        &self,
        registry: &RegistryView<'_>,
        metadata: &DocumentMetadata,
        today: time::Date,
        report: &serde_json::Value,
    ) -> Result<Vec<InstitutionId>> {
        let authorities = registry.authorities_of(metadata.destination_country).await?;
        // The cached list as it is, copied only when a named authority must be added to it.
        let mut candidates: std::borrow::Cow<'_, [Institution]> = std::borrow::Cow::Borrowed(&authorities);
        // A named authority of another country is loaded too, so the answer says why it cannot receive.
        if let Some(named) = metadata.receiving_authority
            && !candidates.iter().any(|i| i.id == named)
            && let Some(institution) = self.store().get_institution(named).await?
        {
            candidates.to_mut().push(institution);
        }
        route(metadata, &candidates, today, |i, t| i.accepts(t)).map_err(|e| match e {
            RoutingError::NoReceiver { .. } => {
                HubError::rejected(codes::NO_RECEIVER, e.to_string(), Some(report.clone()))
            }
            RoutingError::UnknownReceiver { .. } | RoutingError::IneligibleReceiver { .. } => {
                HubError::invalid("receiving_authority", e.to_string())
            }
        })
    }

    /// The one audit event a rejected push leaves: the PDF's hash, about the CAB, nothing else stored.
    async fn record_rejection(&self, p: &Principal, pdf_sha256: &Digest, rejection: &Rejection) -> Result<()> {
        let mut event = self.event(
            p,
            EventType::DocumentRejected,
            Some(p.institution),
            vec![format!("rejection:{}", rejection.code)],
        );
        event.after = Some(*pdf_sha256);
        self.store().append_audit_event(&event).await?;
        Ok(())
    }

    /// Every record of an accepted submission, with its jobs and events; `pdf` is (SHA-256, size), `document`
    /// the metadata and the public token.
    async fn prepare_submission(
        &self,
        p: &Principal,
        (registry, records): (&RegistryView<'_>, &CabRecords),
        (metadata, public_token): (DocumentMetadata, String),
        (pdf_sha256, pdf_size): (Digest, u64),
        accepted: Accepted,
        now: OffsetDateTime,
    ) -> Result<PreparedSubmission> {
        let today = now.date();
        let document = DocumentRecord {
            id: DocumentId::new(),
            issuer: p.institution,
            issuer_country: records.institution.country,
            metadata,
            status: DocumentStatus::Valid,
            replaced_by: None,
            pdf_sha256,
            pdf_size,
            pdf_deleted_at: None,
            signer_certificate: accepted.signer.id,
            public_token,
            submitted_at: now,
            submitted_leaf: 0,
            updated_at: now,
        };
        let evidence =
            EvidenceRecord { document: document.id, report_json: accepted.report.to_string(), created_at: now };
        let pki_data = PkiDataRecord {
            document: document.id,
            data: PkiData {
                registry_facts_json: trust::registry_facts(records, today, &accepted.scope_entries, &accepted.signer),
                ..accepted.pki
            },
            created_at: now,
        };
        let exchanges: Vec<ExchangeRecord> = accepted
            .receivers
            .iter()
            .map(|receiver| ExchangeRecord {
                id: ExchangeId::new(),
                document: document.id,
                issuer: p.institution,
                receiver: *receiver,
                status: DeliveryStatus::PendingDelivery,
                reply: None,
                delivery_attempts: 0,
                last_delivery_error: None,
                created_at: now,
                updated_at: now,
                change_seq: 0,
            })
            .collect();

        let mut jobs: Vec<NewJob> = Vec::new();
        for exchange in &exchanges {
            for webhook in registry.webhooks_of(exchange.receiver).await?.iter() {
                let notification = NotificationType::DocumentReceived;
                jobs.push(JobKind::Notify { exchange: exchange.id, webhook: webhook.id, notification }.job(now));
            }
        }
        let ttl = self.exchange().settings.retention.pdf_ttl();
        jobs.push(JobKind::DeletePdf { document: document.id, reason: PdfDeletionReason::TtlExpired }.job(now + ttl));

        let doc_subject = format!("document:{}", document.id);
        // The leaf commits to every part of the document's evidence bundle (metadata, report, PKI data).
        let parts = super::bundle::evidence_parts(&document, &evidence.report_json, &pki_data.data);
        let commitment = ecert_evidence::evidence_commitment(&parts);
        let mut submitted = self.event(
            p,
            EventType::DocumentSubmitted,
            Some(p.institution),
            vec![
                doc_subject.clone(),
                format!("certificate:{}", accepted.signer.id),
                ecert_evidence::evidence_subject(&commitment),
            ],
        );
        submitted.after = Some(pdf_sha256);
        let mut events = vec![submitted];
        for exchange in &exchanges {
            events.push(
                self.event(
                    p,
                    EventType::DocumentRouted,
                    Some(exchange.receiver),
                    vec![doc_subject.clone(), format!("exchange:{}", exchange.id)],
                )
                .after(exchange),
            );
        }
        Ok(PreparedSubmission { document, evidence, pki_data, exchanges, jobs, events, report: accepted.report })
    }

    /// L1 durably first, then L2-L5 in one transaction. A failure after the PDF is written removes it again.
    async fn store_submission(
        &self,
        p: &Principal,
        mut prepared: PreparedSubmission,
        idempotency: Option<IdempotencyRecord>,
        pdf: DigestedBytes,
    ) -> Result<Submission> {
        let blobs = &self.exchange().blobs;
        let key = super::pdf_blob_key(prepared.document.id)?;
        blobs.put_digested(&key, pdf).await.map_err(|e| HubError::Internal(format!("PDF cache: {e}")))?;
        let submission = NewSubmission {
            document: &prepared.document,
            evidence: &prepared.evidence,
            pki_data: &prepared.pki_data,
            exchanges: &prepared.exchanges,
            idempotency: idempotency.as_ref(),
            jobs: &prepared.jobs,
            events: &prepared.events,
        };
        let receipts = match self.store().insert_submission(&submission).await {
            Ok(receipts) => receipts,
            Err(e) => {
                self.discard_blob(&key).await;
                return self.on_insert_conflict(p, e, &prepared.document, idempotency.as_ref()).await;
            }
        };
        let first = receipts.first().copied().ok_or_else(|| HubError::Internal("insert returned no receipt".into()))?;
        let last = receipts.last().copied().unwrap_or(first);
        prepared.document.submitted_leaf = first.leaf_index;
        for exchange in &mut prepared.exchanges {
            exchange.change_seq = last.leaf_index;
        }
        Ok(Submission {
            public_token: prepared.document.public_token.clone(),
            document: prepared.document,
            exchanges: prepared.exchanges,
            report: prepared.report,
            receipt: first,
            replayed: false,
        })
    }

    /// A concurrent push of the same document won the race: answer as a replay, or as the conflict it is.
    async fn on_insert_conflict(
        &self,
        p: &Principal,
        error: StoreError,
        document: &DocumentRecord,
        idempotency: Option<&IdempotencyRecord>,
    ) -> Result<Submission> {
        let StoreError::Conflict(what) = error else { return Err(error.into()) };
        if what.contains("idempotency")
            && let Some(mine) = idempotency
            && let Some(found) = self.store().find_idempotency(p.institution, &mine.key).await?
        {
            if found.request_sha256 != mine.request_sha256 {
                return Err(HubError::Conflict("Idempotency-Key was used for a different request".into()));
            }
            return self.replayed_submission(found.document).await;
        }
        if what.contains("pdf_sha256")
            && let Some(original) =
                self.store().find_document_by_pdf_sha256(p.institution, &document.pdf_sha256).await?
        {
            return self.replayed_submission(original.id).await;
        }
        if what.contains("document_number") {
            return Err(duplicate_number(&document.metadata.document_number));
        }
        Err(HubError::Conflict(format!("the document conflicts with an existing one ({what})")))
    }

    /// Best effort: a blob left behind is an orphan the retention sweep removes.
    async fn discard_blob(&self, key: &ecert_blob::BlobKey) {
        if let Err(e) = self.exchange().blobs.delete(key).await {
            tracing::warn!(key = %key, error = %e, "could not remove the PDF of a failed submission");
        }
    }

    /// The validation report stored with a document (L3), if not yet purged.
    pub(super) async fn stored_report(&self, id: DocumentId) -> Result<Option<serde_json::Value>> {
        let Some(evidence) = self.store().get_evidence(id).await? else { return Ok(None) };
        serde_json::from_str(&evidence.report_json)
            .map(Some)
            .map_err(|e| HubError::Internal(format!("stored report of document {id} is not JSON: {e}")))
    }
}

fn duplicate_number(number: &str) -> HubError {
    HubError::Conflict(format!("document number '{number}' is already used by another document of this CAB"))
}

struct PreparedSubmission {
    document: DocumentRecord,
    evidence: EvidenceRecord,
    pki_data: PkiDataRecord,
    exchanges: Vec<ExchangeRecord>,
    jobs: Vec<NewJob>,
    events: Vec<AuditEvent>,
    report: serde_json::Value,
}
