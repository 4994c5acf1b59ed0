// Model A exchange storage, shared by both backends (included after common.rs and log.rs, so their imports,
// helpers and `Db`, `DbConn`, `DbPool`, `This` are in scope).
//
// Every write appends its audit events first. That takes the `log_head` row lock, held until commit, so the leaf
// indices it hands out become visible in order, and the rows written next can carry them directly: a document's
// `submitted_leaf` and the exchanges' `change_seq` (the polling cursor). One statement differs per backend: the
// job claim's row locking (`CLAIM_LOCK`, defined in sqlite.rs and postgres.rs).

use crate::exchange::*;
use ecert_domain::audit::Digest;
use ecert_domain::document::{DocumentStatus, StatusChange};
use ecert_domain::exchange::{BusinessReply, DeliveryStatus};
use ecert_domain::ids::{DocumentId, ExchangeId, WebhookId};
use ecert_domain::page::MAX_PAGE_SIZE;

/// Longest error text kept on a job or an exchange: errors come from remote endpoints, so they are bounded here.
const MAX_ERROR_LEN: usize = 1_000;

const DOCUMENT_COLUMNS: &str = "d.id, d.issuer, d.issuer_country, d.metadata_json, d.status, d.replaced_by, \
    d.pdf_sha256, d.pdf_size, d.pdf_deleted_ms, d.signer_certificate, d.public_token, d.submitted_ms, \
    d.submitted_leaf, d.updated_ms";

// Prefixed, so they do not collide with the document's columns in joins.
const EXCHANGE_COLUMNS: &str = "e.id AS x_id, e.document_id AS x_document, e.issuer AS x_issuer, \
    e.receiver AS x_receiver, e.status AS x_status, e.reply_json AS x_reply, e.delivery_attempts AS x_attempts, \
    e.last_delivery_error AS x_error, e.created_ms AS x_created_ms, e.updated_ms AS x_updated_ms, \
    e.change_seq AS x_change_seq";

const JOB_COLUMNS: &str =
    "id, kind, payload_json, run_ms, attempts, last_error, lease_owner, lease_until_ms, created_ms";

/// `PkiData` as stored: DER items hex encoded, not as JSON arrays of numbers (about half the size).
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredPkiData {
    certificates: Vec<String>,
    crls: Vec<String>,
    ocsp_responses: Vec<String>,
    timestamps: Vec<String>,
    registry_facts_json: String,
}

impl StoredPkiData {
    fn of(data: &PkiData) -> Self {
        let all = |items: &[Vec<u8>]| items.iter().map(|i| hex(i)).collect();
        Self {
            certificates: all(&data.certificates),
            crls: all(&data.crls),
            ocsp_responses: all(&data.ocsp_responses),
            timestamps: all(&data.timestamps),
            registry_facts_json: data.registry_facts_json.clone(),
        }
    }

    fn into_data(self) -> Result<PkiData> {
        let all = |what: &str, items: Vec<String>| items.iter().map(|i| unhex(what, i)).collect::<Result<Vec<_>>>();
        Ok(PkiData {
            certificates: all("PKI certificate", self.certificates)?,
            crls: all("PKI CRL", self.crls)?,
            ocsp_responses: all("PKI OCSP response", self.ocsp_responses)?,
            timestamps: all("PKI timestamp", self.timestamps)?,
            registry_facts_json: self.registry_facts_json,
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    ::hex::encode(bytes)
}

fn unhex(what: &str, s: &str) -> Result<Vec<u8>> {
    ::hex::decode(s).map_err(|_| StoreError::Corrupt(format!("{what}: invalid hex")))
}

fn digest_from_hex(what: &str, s: &str) -> Result<Digest> {
    let bytes = unhex(what, s)?;
    <[u8; 32]>::try_from(bytes.as_slice())
        .map(Digest)
        .map_err(|_| StoreError::Corrupt(format!("{what}: {} bytes, not 32", bytes.len())))
}

fn to_json<T: serde::Serialize>(what: &str, value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn from_json<T: serde::de::DeserializeOwned>(what: &str, json: &str) -> Result<T> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn bounded_error(error: &str) -> &str {
    match error.char_indices().nth(MAX_ERROR_LEN) {
        Some((end, _)) => error.get(..end).unwrap_or(error),
        None => error,
    }
}

fn layer_code(layer: RetentionLayer) -> &'static str {
    match layer {
        RetentionLayer::Metadata => "metadata",
        RetentionLayer::Evidence => "evidence",
        RetentionLayer::PkiData => "pki_data",
    }
}

/// Names the uniqueness rule a write broke. The constraint (PostgreSQL) or the message (SQLite, which lists the
/// columns) carries the field name, so the hub can tell a reused document number from a resubmitted PDF.
fn named_conflict(e: sqlx::Error) -> StoreError {
    const NAMES: [(&str, &str); 5] = [
        ("idempotency", "idempotency_key"),
        ("pdf_sha256", "pdf_sha256"),
        ("document_number", "document_number"),
        ("public_token", "public_token"),
        ("webhooks", "webhook_url"),
    ];
    match StoreError::from(e) {
        StoreError::Conflict(what) => {
            let name = NAMES.iter().find(|(pattern, _)| what.contains(pattern)).map(|(_, name)| *name);
            StoreError::Conflict(name.map_or(what, str::to_owned))
        }
        other => other,
    }
}

/// Cursor of the newest-first lists: the submission time and id of the last item returned.
fn time_cursor(ms: i64, id: impl std::fmt::Display) -> String {
    format!("{ms}_{id}")
}

fn parse_time_cursor(page: &PageRequest) -> Result<(Option<i64>, Option<String>)> {
    let Some(cursor) = page.after.as_deref() else {
        return Ok((None, None));
    };
    let invalid = || StoreError::NotFound(format!("cursor '{cursor}'"));
    let (ms, id) = cursor.split_once('_').ok_or_else(invalid)?;
    let ms: i64 = ms.parse().map_err(|_| invalid())?;
    // Ids are UUIDs; checking keeps arbitrary text out of the comparison.
    uuid::Uuid::parse_str(id).map_err(|_| invalid())?;
    Ok((Some(ms), Some(id.to_owned())))
}

fn document_from_row(row: &DbRow) -> Result<DocumentRecord> {
    Ok(DocumentRecord {
        id: parse_id(&row.try_get::<String, _>("id")?)?,
        issuer: parse_id(&row.try_get::<String, _>("issuer")?)?,
        issuer_country: CountryCode::parse(&row.try_get::<String, _>("issuer_country")?)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        metadata: from_json("document metadata", &row.try_get::<String, _>("metadata_json")?)?,
        status: parse_code("document status", &row.try_get::<String, _>("status")?, DocumentStatus::parse)?,
        replaced_by: row.try_get::<Option<String>, _>("replaced_by")?.map(|s| parse_id(&s)).transpose()?,
        pdf_sha256: digest_from_hex("PDF digest", &row.try_get::<String, _>("pdf_sha256")?)?,
        pdf_size: db_uint("PDF size", row.try_get("pdf_size")?)?,
        pdf_deleted_at: row.try_get::<Option<i64>, _>("pdf_deleted_ms")?.map(from_ms).transpose()?,
        signer_certificate: parse_id(&row.try_get::<String, _>("signer_certificate")?)?,
        public_token: row.try_get("public_token")?,
        submitted_at: from_ms(row.try_get("submitted_ms")?)?,
        submitted_leaf: db_uint("submitted leaf", row.try_get("submitted_leaf")?)?,
        updated_at: from_ms(row.try_get("updated_ms")?)?,
    })
}

fn exchange_from_row(row: &DbRow) -> Result<ExchangeRecord> {
    let attempts: i64 = row.try_get("x_attempts")?;
    Ok(ExchangeRecord {
        id: parse_id(&row.try_get::<String, _>("x_id")?)?,
        document: parse_id(&row.try_get::<String, _>("x_document")?)?,
        issuer: parse_id(&row.try_get::<String, _>("x_issuer")?)?,
        receiver: parse_id(&row.try_get::<String, _>("x_receiver")?)?,
        status: parse_code("delivery status", &row.try_get::<String, _>("x_status")?, DeliveryStatus::parse)?,
        reply: row
            .try_get::<Option<String>, _>("x_reply")?
            .map(|s| from_json::<BusinessReply>("business reply", &s))
            .transpose()?,
        delivery_attempts: u32::try_from(attempts)
            .map_err(|_| StoreError::Corrupt(format!("delivery attempts {attempts}")))?,
        last_delivery_error: row.try_get("x_error")?,
        created_at: from_ms(row.try_get("x_created_ms")?)?,
        updated_at: from_ms(row.try_get("x_updated_ms")?)?,
        change_seq: db_uint("change sequence", row.try_get("x_change_seq")?)?,
    })
}

fn exchange_with_document_from_row(row: &DbRow) -> Result<ExchangeWithDocument> {
    Ok(ExchangeWithDocument { exchange: exchange_from_row(row)?, document: document_from_row(row)? })
}

fn job_from_row(row: &DbRow) -> Result<Job> {
    let attempts: i64 = row.try_get("attempts")?;
    Ok(Job {
        id: parse_id(&row.try_get::<String, _>("id")?)?,
        kind: row.try_get("kind")?,
        payload_json: row.try_get("payload_json")?,
        run_at: from_ms(row.try_get("run_ms")?)?,
        attempts: u32::try_from(attempts).map_err(|_| StoreError::Corrupt(format!("job attempts {attempts}")))?,
        last_error: row.try_get("last_error")?,
        lease_owner: row.try_get("lease_owner")?,
        lease_until: row.try_get::<Option<i64>, _>("lease_until_ms")?.map(from_ms).transpose()?,
        created_at: from_ms(row.try_get("created_ms")?)?,
    })
}

fn status_change_from_row(row: &DbRow) -> Result<StatusChange> {
    Ok(StatusChange {
        document: parse_id(&row.try_get::<String, _>("document_id")?)?,
        from: parse_code("document status", &row.try_get::<String, _>("from_status")?, DocumentStatus::parse)?,
        to: parse_code("document status", &row.try_get::<String, _>("to_status")?, DocumentStatus::parse)?,
        reason: row.try_get("reason")?,
        replaced_by: row.try_get::<Option<String>, _>("replaced_by")?.map(|s| parse_id(&s)).transpose()?,
        at: from_ms(row.try_get("at_ms")?)?,
    })
}

fn webhook_from_row(row: &DbRow) -> Result<WebhookRecord> {
    Ok(WebhookRecord {
        id: parse_id(&row.try_get::<String, _>("id")?)?,
        institution: parse_id(&row.try_get::<String, _>("institution_id")?)?,
        url: row.try_get("url")?,
        created_at: from_ms(row.try_get("created_ms")?)?,
    })
}

/// Appends the events of an exchange change and returns their receipts and the last leaf index (the change's
/// `change_seq`). Every such change is audited, so an empty list is the caller's bug.
async fn append_change(conn: &mut DbConn, events: &[AuditEvent]) -> Result<(Vec<Receipt>, i64)> {
    if events.is_empty() {
        return Err(StoreError::Corrupt("an exchange change was written without its audit events".into()));
    }
    let receipts = append_events(conn, events).await?;
    let last = receipts.last().ok_or_else(|| StoreError::Corrupt("an append returned no receipt".into()))?;
    let seq = db_int("leaf index", last.leaf_index)?;
    Ok((receipts, seq))
}

/// Inserts a job unless another pending job holds its `unique_key`.
async fn insert_job(conn: &mut DbConn, job: &NewJob) -> Result<()> {
    sqlx::query(
        "INSERT INTO jobs (id, kind, payload_json, run_ms, attempts, created_ms, unique_key) \
         VALUES ($1, $2, $3, $4, 0, $5, $6) ON CONFLICT (unique_key) DO NOTHING",
    )
    .bind(job.id.to_string())
    .bind(&job.kind)
    .bind(&job.payload_json)
    .bind(ms(job.run_at))
    .bind(ms(OffsetDateTime::now_utc()))
    .bind(job.unique_key.as_deref())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn insert_job_rows(conn: &mut DbConn, jobs: &[NewJob]) -> Result<()> {
    for job in jobs {
        insert_job(conn, job).await?;
    }
    Ok(())
}

/// Deletes the job held under `lease`; `Stale` if another worker took it over (or it is gone).
async fn finish_job(conn: &mut DbConn, lease: &JobLease) -> Result<()> {
    let done = sqlx::query("DELETE FROM jobs WHERE id = $1 AND lease_owner = $2")
        .bind(lease.job.to_string())
        .bind(&lease.owner)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Stale(format!("job {} is no longer leased to {}", lease.job, lease.owner)));
    }
    Ok(())
}

/// Applies each transition only if the exchange is still in its `from` status; `Stale` otherwise, which rolls
/// back the caller's whole transaction.
async fn apply_transitions(conn: &mut DbConn, transitions: &[ExchangeTransition], change_seq: i64) -> Result<()> {
    for t in transitions {
        let reply = t.reply.as_ref().map(|r| to_json("business reply", r)).transpose()?;
        let done = sqlx::query(
            "UPDATE exchanges SET status = $1, reply_json = COALESCE($2, reply_json), \
             delivery_attempts = delivery_attempts + $3, last_delivery_error = COALESCE($4, last_delivery_error), \
             updated_ms = $5, change_seq = $6 WHERE id = $7 AND status = $8",
        )
        .bind(t.to.code())
        .bind(reply)
        .bind(i64::from(t.delivery_error.is_some()))
        .bind(t.delivery_error.as_deref().map(bounded_error))
        .bind(ms(t.at))
        .bind(change_seq)
        .bind(t.exchange.to_string())
        .bind(t.from.code())
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Stale(format!("exchange {} is no longer {}", t.exchange, t.from)));
        }
    }
    Ok(())
}

/// A change of the document concerns all its receivers: their polls must show it.
async fn touch_exchanges_of(conn: &mut DbConn, document: DocumentId, change_seq: i64) -> Result<()> {
    sqlx::query("UPDATE exchanges SET change_seq = $1 WHERE document_id = $2")
        .bind(change_seq)
        .bind(document.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn insert_document_rows(conn: &mut DbConn, s: &NewSubmission<'_>, submitted_leaf: i64) -> Result<()> {
    let d = s.document;
    let m = &d.metadata;
    sqlx::query(
        "INSERT INTO documents (id, issuer, issuer_country, document_number, document_type, destination_country, \
         issue_date, valid_until, metadata_json, status, replaced_by, pdf_sha256, pdf_size, pdf_deleted_ms, \
         signer_certificate, public_token, submitted_ms, submitted_leaf, updated_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
    )
    .bind(d.id.to_string())
    .bind(d.issuer.to_string())
    .bind(d.issuer_country.as_str())
    .bind(&m.document_number)
    .bind(m.document_type.code())
    .bind(m.destination_country.as_str())
    .bind(date_str(m.issue_date))
    .bind(date_str(m.valid_until))
    .bind(to_json("document metadata", m)?)
    .bind(d.status.code())
    .bind(d.replaced_by.map(|r| r.to_string()))
    .bind(hex(&d.pdf_sha256.0))
    .bind(db_int("PDF size", d.pdf_size)?)
    .bind(d.pdf_deleted_at.map(ms))
    .bind(d.signer_certificate.to_string())
    .bind(&d.public_token)
    .bind(ms(d.submitted_at))
    .bind(submitted_leaf)
    .bind(ms(d.updated_at))
    .execute(&mut *conn)
    .await
    .map_err(named_conflict)?;
    for code in &m.hs_codes {
        sqlx::query("INSERT INTO document_hs_codes (document_id, code) VALUES ($1, $2)")
            .bind(d.id.to_string())
            .bind(code.as_str())
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("INSERT INTO evidence (document_id, report_json, created_ms) VALUES ($1, $2, $3)")
        .bind(s.evidence.document.to_string())
        .bind(&s.evidence.report_json)
        .bind(ms(s.evidence.created_at))
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO pki_data (document_id, data_json, created_ms) VALUES ($1, $2, $3)")
        .bind(s.pki_data.document.to_string())
        .bind(to_json("PKI data", &StoredPkiData::of(&s.pki_data.data))?)
        .bind(ms(s.pki_data.created_at))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn insert_exchange_row(conn: &mut DbConn, x: &ExchangeRecord, change_seq: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO exchanges (id, document_id, issuer, receiver, status, reply_json, delivery_attempts, \
         last_delivery_error, created_ms, updated_ms, change_seq) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(x.id.to_string())
    .bind(x.document.to_string())
    .bind(x.issuer.to_string())
    .bind(x.receiver.to_string())
    .bind(x.status.code())
    .bind(x.reply.as_ref().map(|r| to_json("business reply", r)).transpose()?)
    .bind(i64::from(x.delivery_attempts))
    .bind(x.last_delivery_error.as_deref().map(bounded_error))
    .bind(ms(x.created_at))
    .bind(ms(x.updated_at))
    .bind(change_seq)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn document_exists(conn: &mut DbConn, id: DocumentId) -> Result<bool> {
    let row =
        sqlx::query("SELECT COUNT(*) FROM documents WHERE id = $1").bind(id.to_string()).fetch_one(&mut *conn).await?;
    Ok(row.try_get::<i64, _>(0)? > 0)
}

async fn counts_by(pool: &DbPool, sql: &str) -> Result<Vec<(String, u64)>> {
    let rows = sqlx::query(sql).fetch_all(pool).await?;
    rows.iter().map(|r| Ok((r.try_get::<String, _>(0)?, db_uint("count", r.try_get(1)?)?))).collect()
}

/// The rows of one submission, inside the caller's transaction (each backend decides how it commits: see
/// `commit_submission` in sqlite.rs and postgres.rs).
async fn write_submission(conn: &mut DbConn, submission: &NewSubmission<'_>) -> Result<Vec<Receipt>> {
    let (receipts, change_seq) = append_change(&mut *conn, submission.events).await?;
    let submitted = receipts.first().map(|r| db_int("leaf index", r.leaf_index)).transpose()?.unwrap_or(change_seq);
    insert_document_rows(&mut *conn, submission, submitted).await?;
    for exchange in submission.exchanges {
        insert_exchange_row(&mut *conn, exchange, change_seq).await?;
    }
    if let Some(key) = submission.idempotency {
        sqlx::query(
            "INSERT INTO idempotency_keys (issuer, client_key, request_sha256, document_id) VALUES ($1, $2, $3, $4)",
        )
        .bind(key.issuer.to_string())
        .bind(&key.key)
        .bind(hex(&key.request_sha256.0))
        .bind(key.document.to_string())
        .execute(&mut *conn)
        .await
        .map_err(named_conflict)?;
    }
    insert_job_rows(&mut *conn, submission.jobs).await?;
    Ok(receipts)
}

#[async_trait]
impl crate::exchange::ExchangeStore for This {
    async fn insert_submission(&self, submission: &NewSubmission<'_>) -> Result<Vec<Receipt>> {
        self.commit_submission(submission).await
    }

    async fn get_document(&self, id: DocumentId) -> Result<Option<DocumentRecord>> {
        let row = sqlx::query(&format!("SELECT {DOCUMENT_COLUMNS} FROM documents d WHERE d.id = $1"))
            .bind(id.to_string())
            .fetch_optional(self.read_pool())
            .await?;
        row.map(|r| document_from_row(&r)).transpose()
    }

    async fn find_document_by_number(&self, issuer: InstitutionId, number: &str) -> Result<Option<DocumentRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {DOCUMENT_COLUMNS} FROM documents d WHERE d.issuer = $1 AND d.document_number = $2"
        ))
        .bind(issuer.to_string())
        .bind(number)
        .fetch_optional(self.read_pool())
        .await?;
        row.map(|r| document_from_row(&r)).transpose()
    }

    async fn find_document_by_pdf_sha256(
        &self,
        issuer: InstitutionId,
        digest: &Digest,
    ) -> Result<Option<DocumentRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {DOCUMENT_COLUMNS} FROM documents d WHERE d.issuer = $1 AND d.pdf_sha256 = $2"
        ))
        .bind(issuer.to_string())
        .bind(hex(&digest.0))
        .fetch_optional(self.read_pool())
        .await?;
        row.map(|r| document_from_row(&r)).transpose()
    }

    async fn find_documents_by_pdf_sha256(&self, digest: &Digest) -> Result<Vec<DocumentRecord>> {
        // At most one per issuer (a unique rule), so the bound only guards against a damaged database.
        let rows = sqlx::query(&format!(
            "SELECT {DOCUMENT_COLUMNS} FROM documents d WHERE d.pdf_sha256 = $1 \
             ORDER BY d.submitted_ms, d.id LIMIT $2"
        ))
        .bind(hex(&digest.0))
        .bind(i64::from(MAX_PAGE_SIZE))
        .fetch_all(self.read_pool())
        .await?;
        rows.iter().map(document_from_row).collect()
    }

    async fn find_document_by_public_token(&self, token: &str) -> Result<Option<DocumentRecord>> {
        let row = sqlx::query(&format!("SELECT {DOCUMENT_COLUMNS} FROM documents d WHERE d.public_token = $1"))
            .bind(token)
            .fetch_optional(self.read_pool())
            .await?;
        row.map(|r| document_from_row(&r)).transpose()
    }

    async fn find_documents_by_country_number(
        &self,
        country: CountryCode,
        number: &str,
    ) -> Result<Vec<DocumentRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {DOCUMENT_COLUMNS} FROM documents d WHERE d.issuer_country = $1 AND d.document_number = $2 \
             ORDER BY d.submitted_ms, d.id LIMIT $3"
        ))
        .bind(country.as_str())
        .bind(number)
        .bind(i64::from(MAX_PAGE_SIZE))
        .fetch_all(self.read_pool())
        .await?;
        rows.iter().map(document_from_row).collect()
    }

    async fn reserve_public_token(&self, reservation: &TokenReservation) -> Result<()> {
        sqlx::query("INSERT INTO qr_tokens (token, issuer, reserved_ms) VALUES ($1, $2, $3)")
            .bind(&reservation.token)
            .bind(reservation.issuer.to_string())
            .bind(ms(reservation.reserved_at))
            .execute(self.write_pool())
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict(_) => StoreError::Conflict("public_token".into()),
                other => other,
            })?;
        Ok(())
    }

    async fn get_token_reservation(&self, token: &str) -> Result<Option<TokenReservation>> {
        let row = sqlx::query("SELECT token, issuer, reserved_ms FROM qr_tokens WHERE token = $1")
            .bind(token)
            .fetch_optional(self.read_pool())
            .await?;
        row.map(|r| {
            Ok(TokenReservation {
                token: r.try_get("token")?,
                issuer: parse_id(&r.try_get::<String, _>("issuer")?)?,
                reserved_at: from_ms(r.try_get("reserved_ms")?)?,
            })
        })
        .transpose()
    }

    async fn count_open_token_reservations(&self, issuer: InstitutionId, since: OffsetDateTime) -> Result<u64> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM qr_tokens q WHERE q.issuer = $1 AND q.reserved_ms >= $2 \
             AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.public_token = q.token)",
        )
        .bind(issuer.to_string())
        .bind(ms(since))
        .fetch_one(self.read_pool())
        .await?;
        let count: i64 = row.try_get(0)?;
        u64::try_from(count).map_err(|_| StoreError::Corrupt(format!("reservation count {count}")))
    }

    async fn find_idempotency(&self, issuer: InstitutionId, key: &str) -> Result<Option<IdempotencyRecord>> {
        let row = sqlx::query(
            "SELECT issuer, client_key, request_sha256, document_id FROM idempotency_keys \
             WHERE issuer = $1 AND client_key = $2",
        )
        .bind(issuer.to_string())
        .bind(key)
        .fetch_optional(self.read_pool())
        .await?;
        row.map(|r| {
            Ok(IdempotencyRecord {
                issuer: parse_id(&r.try_get::<String, _>("issuer")?)?,
                key: r.try_get("client_key")?,
                request_sha256: digest_from_hex("request digest", &r.try_get::<String, _>("request_sha256")?)?,
                document: parse_id(&r.try_get::<String, _>("document_id")?)?,
            })
        })
        .transpose()
    }

    async fn list_documents(&self, filter: &DocumentFilter, page: &PageRequest) -> Result<Page<DocumentRecord>> {
        let (after_ms, after_id) = parse_time_cursor(page)?;
        let rows = sqlx::query(&format!(
            "SELECT {DOCUMENT_COLUMNS} FROM documents d \
             WHERE ($1 IS NULL OR d.submitted_ms < $1 OR (d.submitted_ms = $1 AND d.id < $2)) \
             AND ($3 IS NULL OR d.issuer = $3) AND ($4 IS NULL OR d.status = $4) \
             AND ($5 IS NULL OR d.document_type = $5) AND ($6 IS NULL OR d.destination_country = $6) \
             ORDER BY d.submitted_ms DESC, d.id DESC LIMIT $7"
        ))
        .bind(after_ms)
        .bind(after_id)
        .bind(filter.issuer.map(|i| i.to_string()))
        .bind(filter.status.map(DocumentStatus::code))
        .bind(filter.document_type.map(|t| t.code()))
        .bind(filter.destination_country.map(|c| c.as_str().to_owned()))
        .bind(i64::from(page.limit) + 1)
        .fetch_all(self.read_pool())
        .await?;
        let items = rows.iter().map(document_from_row).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_overfetch(items, page.limit, |d| time_cursor(ms(d.submitted_at), d.id)))
    }

    async fn get_evidence(&self, document: DocumentId) -> Result<Option<EvidenceRecord>> {
        let row = sqlx::query("SELECT report_json, created_ms FROM evidence WHERE document_id = $1")
            .bind(document.to_string())
            .fetch_optional(self.read_pool())
            .await?;
        row.map(|r| {
            Ok(EvidenceRecord {
                document,
                report_json: r.try_get("report_json")?,
                created_at: from_ms(r.try_get("created_ms")?)?,
            })
        })
        .transpose()
    }

    async fn get_pki_data(&self, document: DocumentId) -> Result<Option<PkiDataRecord>> {
        let row = sqlx::query("SELECT data_json, created_ms FROM pki_data WHERE document_id = $1")
            .bind(document.to_string())
            .fetch_optional(self.read_pool())
            .await?;
        row.map(|r| {
            let stored: StoredPkiData = from_json("PKI data", &r.try_get::<String, _>("data_json")?)?;
            Ok(PkiDataRecord { document, data: stored.into_data()?, created_at: from_ms(r.try_get("created_ms")?)? })
        })
        .transpose()
    }

    async fn change_document_status(
        &self,
        change: &StatusChange,
        new_jobs: &[NewJob],
        events: &[AuditEvent],
    ) -> Result<Vec<Receipt>> {
        let mut tx = self.write_pool().begin().await?;
        let (receipts, change_seq) = append_change(&mut tx, events).await?;
        if let Some(by) = change.replaced_by {
            let row = sqlx::query(
                "SELECT COUNT(*) FROM documents r JOIN documents d ON d.issuer = r.issuer WHERE r.id = $1 AND d.id = $2",
            )
            .bind(by.to_string())
            .bind(change.document.to_string())
            .fetch_one(&mut *tx)
            .await?;
            if row.try_get::<i64, _>(0)? == 0 {
                return Err(StoreError::MissingReference(format!(
                    "replacing document {by} is not a document of the same issuer"
                )));
            }
        }
        let done = sqlx::query(
            "UPDATE documents SET status = $1, replaced_by = $2, updated_ms = $3 WHERE id = $4 AND status = $5",
        )
        .bind(change.to.code())
        .bind(change.replaced_by.map(|r| r.to_string()))
        .bind(ms(change.at))
        .bind(change.document.to_string())
        .bind(change.from.code())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(if document_exists(&mut tx, change.document).await? {
                StoreError::Stale(format!("document {} is no longer {}", change.document, change.from))
            } else {
                StoreError::NotFound(format!("document {}", change.document))
            });
        }
        sqlx::query(
            "INSERT INTO document_status_history (document_id, seq, from_status, to_status, reason, replaced_by, at_ms) \
             SELECT $1, COALESCE(MAX(seq), -1) + 1, $2, $3, $4, $5, $6 FROM document_status_history \
             WHERE document_id = $1",
        )
        .bind(change.document.to_string())
        .bind(change.from.code())
        .bind(change.to.code())
        .bind(&change.reason)
        .bind(change.replaced_by.map(|r| r.to_string()))
        .bind(ms(change.at))
        .execute(&mut *tx)
        .await?;
        touch_exchanges_of(&mut tx, change.document, change_seq).await?;
        insert_job_rows(&mut tx, new_jobs).await?;
        tx.commit().await?;
        Ok(receipts)
    }

    async fn document_status_history(&self, document: DocumentId) -> Result<Vec<StatusChange>> {
        let rows = sqlx::query(
            "SELECT document_id, from_status, to_status, reason, replaced_by, at_ms FROM document_status_history \
             WHERE document_id = $1 ORDER BY seq",
        )
        .bind(document.to_string())
        .fetch_all(self.read_pool())
        .await?;
        rows.iter().map(status_change_from_row).collect()
    }

    async fn get_exchange(&self, id: ExchangeId) -> Result<Option<ExchangeWithDocument>> {
        let row = sqlx::query(&format!(
            "SELECT {DOCUMENT_COLUMNS}, {EXCHANGE_COLUMNS} FROM exchanges e \
             JOIN documents d ON d.id = e.document_id WHERE e.id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(self.read_pool())
        .await?;
        row.map(|r| exchange_with_document_from_row(&r)).transpose()
    }

    async fn list_exchanges_of_document(&self, document: DocumentId) -> Result<Vec<ExchangeRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {EXCHANGE_COLUMNS} FROM exchanges e WHERE e.document_id = $1 ORDER BY e.created_ms, e.id"
        ))
        .bind(document.to_string())
        .fetch_all(self.read_pool())
        .await?;
        rows.iter().map(exchange_from_row).collect()
    }

    async fn search_exchanges(
        &self,
        filter: &ExchangeFilter,
        page: &PageRequest,
    ) -> Result<Page<ExchangeWithDocument>> {
        let (after_ms, after_id) = parse_time_cursor(page)?;
        // The HS prefix is compared with substr, not LIKE, so no character of it can act as a wildcard.
        let rows = sqlx::query(&format!(
            "SELECT {DOCUMENT_COLUMNS}, {EXCHANGE_COLUMNS} FROM exchanges e JOIN documents d ON d.id = e.document_id \
             WHERE ($1 IS NULL OR d.submitted_ms < $1 OR (d.submitted_ms = $1 AND e.id < $2)) \
             AND ($3 IS NULL OR e.receiver = $3) AND ($4 IS NULL OR e.status = $4) \
             AND ($5 IS NULL OR d.issuer_country = $5) AND ($6 IS NULL OR e.issuer = $6) \
             AND ($7 IS NULL OR d.document_type = $7) \
             AND ($8 IS NULL OR EXISTS (SELECT 1 FROM document_hs_codes h WHERE h.document_id = d.id \
                  AND substr(h.code, 1, length($8)) = $8)) \
             AND ($9 IS NULL OR d.issue_date >= $9) AND ($10 IS NULL OR d.issue_date <= $10) \
             ORDER BY d.submitted_ms DESC, e.id DESC LIMIT $11"
        ))
        .bind(after_ms)
        .bind(after_id)
        .bind(filter.receiver.map(|i| i.to_string()))
        .bind(filter.status.map(DeliveryStatus::code))
        .bind(filter.issuer_country.map(|c| c.as_str().to_owned()))
        .bind(filter.issuer.map(|i| i.to_string()))
        .bind(filter.document_type.map(|t| t.code()))
        .bind(filter.hs_prefix.as_deref())
        .bind(filter.issued_from.map(date_str))
        .bind(filter.issued_to.map(date_str))
        .bind(i64::from(page.limit) + 1)
        .fetch_all(self.read_pool())
        .await?;
        let items = rows.iter().map(exchange_with_document_from_row).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_overfetch(items, page.limit, |x| time_cursor(ms(x.document.submitted_at), x.exchange.id)))
    }

    /// A page never ends inside a group of exchanges sharing one `change_seq` (one transaction's changes): a client
    /// continuing after the last `change_seq` it saw would skip the rest of the group. So a cut group is left for
    /// the next page, or, when it alone overflows the limit, returned whole.
    async fn poll_exchanges(
        &self,
        receiver: InstitutionId,
        since: u64,
        limit: u32,
    ) -> Result<Vec<ExchangeWithDocument>> {
        let limit = limit.min(MAX_PAGE_SIZE) as usize;
        if limit == 0 {
            return Ok(Vec::new());
        }
        // A cursor beyond any leaf index simply has nothing after it.
        let since = i64::try_from(since).unwrap_or(i64::MAX);
        let select = format!(
            "SELECT {DOCUMENT_COLUMNS}, {EXCHANGE_COLUMNS} FROM exchanges e JOIN documents d ON d.id = e.document_id \
             WHERE e.receiver = $1"
        );
        let rows = sqlx::query(&format!("{select} AND e.change_seq > $2 ORDER BY e.change_seq, e.id LIMIT $3"))
            .bind(receiver.to_string())
            .bind(since)
            .bind(limit as i64 + 1)
            .fetch_all(self.read_pool())
            .await?;
        let mut items = rows.iter().map(exchange_with_document_from_row).collect::<Result<Vec<_>>>()?;
        let Some(boundary) = items.get(limit).map(|x| x.exchange.change_seq) else {
            return Ok(items);
        };
        items.retain(|x| x.exchange.change_seq != boundary);
        items.truncate(limit);
        if !items.is_empty() {
            return Ok(items);
        }
        let rows = sqlx::query(&format!("{select} AND e.change_seq = $2 ORDER BY e.id"))
            .bind(receiver.to_string())
            .bind(db_int("change sequence", boundary)?)
            .fetch_all(self.read_pool())
            .await?;
        rows.iter().map(exchange_with_document_from_row).collect()
    }

    async fn update_exchanges(&self, update: &ExchangeUpdate<'_>) -> Result<Vec<Receipt>> {
        let mut tx = self.write_pool().begin().await?;
        let (receipts, change_seq) = append_change(&mut tx, update.events).await?;
        apply_transitions(&mut tx, update.transitions, change_seq).await?;
        insert_job_rows(&mut tx, update.new_jobs).await?;
        if let Some(lease) = update.finished_job {
            finish_job(&mut tx, lease).await?;
        }
        tx.commit().await?;
        Ok(receipts)
    }

    async fn record_pdf_deletion(&self, deletion: &PdfDeletion<'_>) -> Result<Vec<Receipt>> {
        let mut tx = self.write_pool().begin().await?;
        let (receipts, change_seq) = append_change(&mut tx, deletion.events).await?;
        let done = sqlx::query(
            "UPDATE documents SET pdf_deleted_ms = $1, updated_ms = $1 WHERE id = $2 AND pdf_deleted_ms IS NULL",
        )
        .bind(ms(deletion.at))
        .bind(deletion.document.to_string())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(if document_exists(&mut tx, deletion.document).await? {
                StoreError::Stale(format!("the PDF of document {} is already deleted", deletion.document))
            } else {
                StoreError::NotFound(format!("document {}", deletion.document))
            });
        }
        touch_exchanges_of(&mut tx, deletion.document, change_seq).await?;
        apply_transitions(&mut tx, deletion.transitions, change_seq).await?;
        if let Some(lease) = deletion.finished_job {
            finish_job(&mut tx, lease).await?;
        }
        tx.commit().await?;
        Ok(receipts)
    }

    async fn documents_with_cached_pdf_before(&self, cutoff: OffsetDateTime, limit: u32) -> Result<Vec<DocumentId>> {
        let rows = sqlx::query(
            "SELECT id FROM documents WHERE pdf_deleted_ms IS NULL AND submitted_ms < $1 \
             ORDER BY submitted_ms, id LIMIT $2",
        )
        .bind(ms(cutoff))
        .bind(i64::from(limit))
        .fetch_all(self.read_pool())
        .await?;
        rows.iter().map(|r| parse_id(&r.try_get::<String, _>("id")?)).collect()
    }

    async fn insert_webhook(&self, webhook: &WebhookRecord, audit: &AuditEvent) -> Result<Receipt> {
        audited!(self, audit, |tx| {
            sqlx::query("INSERT INTO webhooks (id, institution_id, url, created_ms) VALUES ($1, $2, $3, $4)")
                .bind(webhook.id.to_string())
                .bind(webhook.institution.to_string())
                .bind(&webhook.url)
                .bind(ms(webhook.created_at))
                .execute(&mut *tx)
                .await
                .map_err(named_conflict)?;
        })
    }

    async fn get_webhook(&self, id: WebhookId) -> Result<Option<WebhookRecord>> {
        let row = sqlx::query("SELECT id, institution_id, url, created_ms FROM webhooks WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(self.read_pool())
            .await?;
        row.map(|r| webhook_from_row(&r)).transpose()
    }

    async fn list_webhooks(&self, institution: InstitutionId) -> Result<Vec<WebhookRecord>> {
        let rows = sqlx::query(
            "SELECT id, institution_id, url, created_ms FROM webhooks WHERE institution_id = $1 \
             ORDER BY created_ms, id",
        )
        .bind(institution.to_string())
        .fetch_all(self.read_pool())
        .await?;
        rows.iter().map(webhook_from_row).collect()
    }

    async fn delete_webhook(&self, id: WebhookId, audit: &AuditEvent) -> Result<Receipt> {
        audited!(self, audit, |tx| {
            let done = sqlx::query("DELETE FROM webhooks WHERE id = $1").bind(id.to_string()).execute(&mut *tx).await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::NotFound(format!("webhook {id}")));
            }
        })
    }

    async fn insert_jobs(&self, jobs: &[NewJob]) -> Result<()> {
        let mut tx = self.write_pool().begin().await?;
        insert_job_rows(&mut tx, jobs).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn claim_jobs(
        &self,
        owner: &str,
        now: OffsetDateTime,
        lease: time::Duration,
        limit: u32,
    ) -> Result<Vec<Job>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        // Saturates at the latest representable time: no lease length can overflow the clock, or store a time
        // that cannot be read back.
        let until =
            now.checked_add(lease.max(time::Duration::ZERO)).unwrap_or(time::PrimitiveDateTime::MAX.assume_utc());
        let now = ms(now);
        let rows = sqlx::query(&format!(
            "UPDATE jobs SET lease_owner = $1, lease_until_ms = $2, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM jobs WHERE run_ms <= $3 AND (lease_until_ms IS NULL OR lease_until_ms <= $3) \
             ORDER BY run_ms, id LIMIT $4{CLAIM_LOCK}) RETURNING {JOB_COLUMNS}"
        ))
        .bind(owner)
        .bind(ms(until))
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(self.write_pool())
        .await?;
        let mut jobs = rows.iter().map(job_from_row).collect::<Result<Vec<_>>>()?;
        // RETURNING follows no particular order.
        jobs.sort_by_key(|j| (j.run_at, j.id));
        Ok(jobs)
    }

    async fn complete_job(&self, lease: &JobLease) -> Result<()> {
        let mut conn = self.write_pool().acquire().await?;
        finish_job(&mut conn, lease).await
    }

    async fn retry_job(&self, lease: &JobLease, run_at: OffsetDateTime, error: &str) -> Result<()> {
        let done = sqlx::query(
            "UPDATE jobs SET run_ms = $1, last_error = $2, lease_owner = NULL, lease_until_ms = NULL \
             WHERE id = $3 AND lease_owner = $4",
        )
        .bind(ms(run_at))
        .bind(bounded_error(error))
        .bind(lease.job.to_string())
        .bind(&lease.owner)
        .execute(self.write_pool())
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Stale(format!("job {} is no longer leased to {}", lease.job, lease.owner)));
        }
        Ok(())
    }

    async fn count_jobs(&self) -> Result<u64> {
        let row = sqlx::query("SELECT COUNT(*) FROM jobs").fetch_one(self.read_pool()).await?;
        db_uint("job count", row.try_get(0)?)
    }

    async fn purge_layer(
        &self,
        layer: RetentionLayer,
        cutoff: OffsetDateTime,
        limit: u32,
        audit: &AuditEvent,
    ) -> Result<(u64, Option<Receipt>)> {
        let sql = match layer {
            RetentionLayer::Evidence => {
                "DELETE FROM evidence WHERE document_id IN (SELECT document_id FROM evidence WHERE created_ms < $1 \
                 ORDER BY created_ms, document_id LIMIT $2)"
            }
            RetentionLayer::PkiData => {
                "DELETE FROM pki_data WHERE document_id IN (SELECT document_id FROM pki_data WHERE created_ms < $1 \
                 ORDER BY created_ms, document_id LIMIT $2)"
            }
            // Only documents whose PDF is gone and whose evidence and PKI data are purged: their children
            // (exchanges, history, HS codes, idempotency keys) go with them by cascade.
            RetentionLayer::Metadata => {
                "DELETE FROM documents WHERE id IN (SELECT d.id FROM documents d WHERE d.submitted_ms < $1 \
                 AND d.pdf_deleted_ms IS NOT NULL \
                 AND NOT EXISTS (SELECT 1 FROM evidence v WHERE v.document_id = d.id) \
                 AND NOT EXISTS (SELECT 1 FROM pki_data p WHERE p.document_id = d.id) \
                 ORDER BY d.submitted_ms, d.id LIMIT $2)"
            }
        };
        let mut tx = self.write_pool().begin().await?;
        let removed = sqlx::query(sql).bind(ms(cutoff)).bind(i64::from(limit)).execute(&mut *tx).await?.rows_affected();
        if removed == 0 {
            return Ok((0, None));
        }
        let mut event = audit.clone();
        event.subjects.push(format!("layer:{}", layer_code(layer)));
        event.subjects.push(format!("count:{removed}"));
        let receipt = append_event(&mut tx, &event).await?;
        tx.commit().await?;
        Ok((removed, Some(receipt)))
    }

    async fn exchange_stats(&self) -> Result<ExchangeStats> {
        let pool = self.read_pool();
        let cached = sqlx::query("SELECT COUNT(*) FROM documents WHERE pdf_deleted_ms IS NULL").fetch_one(pool).await?;
        Ok(ExchangeStats {
            documents_by_status: counts_by(
                pool,
                "SELECT status, COUNT(*) FROM documents GROUP BY status ORDER BY status",
            )
            .await?,
            exchanges_by_status: counts_by(
                pool,
                "SELECT status, COUNT(*) FROM exchanges GROUP BY status ORDER BY status",
            )
            .await?,
            documents_by_type: counts_by(
                pool,
                "SELECT document_type, COUNT(*) FROM documents GROUP BY document_type ORDER BY document_type",
            )
            .await?,
            pdfs_cached: db_uint("cached PDF count", cached.try_get(0)?)?,
        })
    }
}
