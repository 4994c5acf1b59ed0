// Shared by the SQLite and PostgreSQL backends (included by each with its own `Db`, `DbConn`, `DbPool`, `This`).
// Only portable SQL is used here: `$n` placeholders, BIGINT/TEXT/BOOLEAN/blob columns, RETURNING, ON CONFLICT.

use crate::records::*;
use crate::sql::{date_str, from_ms, ms, parse_code, parse_date, parse_id};
use crate::{Result, StoreError};
use async_trait::async_trait;
use ecert_domain::accreditation::{Accreditation, AccreditationBasis, AccreditationBody, ArrangementStatus};
use ecert_domain::audit::AuditEvent;
use ecert_domain::country::CountryCode;
use ecert_domain::document_type::DocumentType;
use ecert_domain::hs::HsPrefix;
use ecert_domain::ids::{AccreditationBodyId, ApiKeyId, CertificateId, InstitutionId};
use ecert_domain::institution::{ContactPoint, Institution, LifecycleStatus, Role, Withdrawal};
use ecert_domain::page::{Page, PageRequest};
use ecert_domain::pkr::{
    CertificateHistoryEntry, CertificateStatus, RegisteredCertificate, RevocationReason,
};
use ecert_domain::scope::ScopeEntry;
use sqlx::Row;
use time::OffsetDateTime;

type DbRow = <Db as sqlx::Database>::Row;

/// Appends the audit event inside the caller's transaction and returns its leaf index: the event row and its Merkle
/// tree nodes are written together (`append_events` in log.rs). Taking the next index from the locked `log_head` row
/// (not MAX(seq)+1) is what keeps concurrent processes from racing for the same index.
async fn append_event(conn: &mut DbConn, event: &AuditEvent) -> Result<Receipt> {
    append_events(conn, std::slice::from_ref(event))
        .await?
        .pop()
        .ok_or_else(|| StoreError::Corrupt("an append returned no receipt".into()))
}

/// Runs `body` and the audit append in one transaction.
macro_rules! audited {
    ($self:ident, $audit:expr, |$tx:ident| $body:block) => {{
        let mut $tx = $self.write_pool().begin().await?;
        $body
        let receipt = append_event(&mut $tx, $audit).await?;
        $tx.commit().await?;
        Ok(receipt)
    }};
}

fn institution_from_row(row: &DbRow, roles: Vec<Role>) -> Result<Institution> {
    let contacts: Vec<ContactPoint> = serde_json::from_str(&row.try_get::<String, _>("contacts_json")?)
        .map_err(|e| StoreError::Corrupt(format!("contacts: {e}")))?;
    let withdrawal = match (
        row.try_get::<Option<String>, _>("withdrawal_notice")?,
        row.try_get::<Option<String>, _>("withdrawal_effective")?,
    ) {
        (Some(n), Some(e)) => Some(Withdrawal { notice_date: parse_date(&n)?, effective_date: parse_date(&e)? }),
        _ => None,
    };
    Ok(Institution {
        id: parse_id(&row.try_get::<String, _>("id")?)?,
        country: CountryCode::parse(&row.try_get::<String, _>("country")?)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        name: row.try_get("name")?,
        roles,
        contacts,
        status: parse_code("status", &row.try_get::<String, _>("status")?, LifecycleStatus::parse)?,
        withdrawal,
        created_at: from_ms(row.try_get("created_ms")?)?,
        updated_at: from_ms(row.try_get("updated_ms")?)?,
    })
}

async fn roles_of(pool: &DbPool, ids: &[String]) -> Result<std::collections::HashMap<String, Vec<Role>>> {
    let mut map: std::collections::HashMap<String, Vec<Role>> = std::collections::HashMap::new();
    // Page sizes are bounded (MAX_PAGE_SIZE), so one IN list per page stays small.
    if ids.is_empty() {
        return Ok(map);
    }
    let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT institution_id, role FROM institution_roles WHERE institution_id IN ({}) ORDER BY role",
        placeholders.join(", ")
    );
    let mut q = sqlx::query(&sql);
    for id in ids {
        q = q.bind(id);
    }
    for row in q.fetch_all(pool).await? {
        let id: String = row.try_get(0)?;
        let role = parse_code("role", &row.try_get::<String, _>(1)?, Role::parse)?;
        map.entry(id).or_default().push(role);
    }
    Ok(map)
}

async fn write_roles(conn: &mut DbConn, institution: &Institution) -> Result<()> {
    sqlx::query("DELETE FROM institution_roles WHERE institution_id = $1")
        .bind(institution.id.to_string())
        .execute(&mut *conn)
        .await?;
    for role in &institution.roles {
        sqlx::query("INSERT INTO institution_roles (institution_id, role) VALUES ($1, $2)")
            .bind(institution.id.to_string())
            .bind(role.code())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

fn contacts_json(institution: &Institution) -> Result<String> {
    serde_json::to_string(&institution.contacts).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn body_from_row(row: &DbRow) -> Result<AccreditationBody> {
    Ok(AccreditationBody {
        id: parse_id(&row.try_get::<String, _>("id")?)?,
        name: row.try_get("name")?,
        country: CountryCode::parse(&row.try_get::<String, _>("country")?)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        arrangement: parse_code("arrangement", &row.try_get::<String, _>("arrangement")?, ArrangementStatus::parse)?,
        predecessor: row.try_get::<Option<String>, _>("predecessor")?.map(|s| parse_id(&s)).transpose()?,
        created_at: from_ms(row.try_get("created_ms")?)?,
    })
}

fn accreditation_from_row(row: &DbRow) -> Result<Accreditation> {
    Ok(Accreditation {
        id: parse_id(&row.try_get::<String, _>("id")?)?,
        cab: parse_id(&row.try_get::<String, _>("cab_id")?)?,
        basis: parse_code("basis", &row.try_get::<String, _>("basis")?, AccreditationBasis::parse)?,
        body: row.try_get::<Option<String>, _>("body_id")?.map(|s| parse_id(&s)).transpose()?,
        designated_by: row.try_get::<Option<String>, _>("designated_by")?.map(|s| parse_id(&s)).transpose()?,
        certificate_number: row.try_get("certificate_number")?,
        valid_from: parse_date(&row.try_get::<String, _>("valid_from")?)?,
        valid_until: parse_date(&row.try_get::<String, _>("valid_until")?)?,
        suspended: row.try_get("suspended")?,
        created_at: from_ms(row.try_get("created_ms")?)?,
    })
}

fn scope_from_row(row: &DbRow) -> Result<ScopeEntry> {
    let destinations: String = row.try_get("destinations")?;
    Ok(ScopeEntry {
        id: parse_id(&row.try_get::<String, _>("id")?)?,
        cab: parse_id(&row.try_get::<String, _>("cab_id")?)?,
        document_type: DocumentType::parse(&row.try_get::<String, _>("document_type")?)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        hs_prefix: HsPrefix::parse(&row.try_get::<String, _>("hs_prefix")?)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        destinations: destinations
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| CountryCode::parse(s).map_err(|e| StoreError::Corrupt(e.to_string())))
            .collect::<Result<_>>()?,
        valid_from: parse_date(&row.try_get::<String, _>("valid_from")?)?,
        valid_until: row.try_get::<Option<String>, _>("valid_until")?.map(|s| parse_date(&s)).transpose()?,
        created_at: from_ms(row.try_get("created_ms")?)?,
    })
}

fn certificate_from_row(row: &DbRow) -> Result<RegisteredCertificate> {
    Ok(RegisteredCertificate {
        id: parse_id(&row.try_get::<String, _>("id")?)?,
        institution: parse_id(&row.try_get::<String, _>("institution_id")?)?,
        fingerprint_sha256: row.try_get("fingerprint")?,
        subject: row.try_get("subject")?,
        issuer: row.try_get("issuer")?,
        serial: row.try_get("serial")?,
        not_before: from_ms(row.try_get("not_before_ms")?)?,
        not_after: from_ms(row.try_get("not_after_ms")?)?,
        is_ca: row.try_get("is_ca")?,
        key_algorithm: row.try_get("key_algorithm")?,
        der: row.try_get("der")?,
        status: parse_code("status", &row.try_get::<String, _>("status")?, CertificateStatus::parse)?,
        replaces: row.try_get::<Option<String>, _>("replaces")?.map(|s| parse_id(&s)).transpose()?,
        replaced_by: row.try_get::<Option<String>, _>("replaced_by")?.map(|s| parse_id(&s)).transpose()?,
        revoked_at: row.try_get::<Option<i64>, _>("revoked_ms")?.map(from_ms).transpose()?,
        revocation_reason: row
            .try_get::<Option<String>, _>("revocation_reason")?
            .map(|s| parse_code("revocation reason", &s, RevocationReason::parse))
            .transpose()?,
        registered_at: from_ms(row.try_get("registered_ms")?)?,
    })
}

fn api_key_from_row(row: &DbRow) -> Result<ApiKeyRecord> {
    Ok(ApiKeyRecord {
        id: parse_id(&row.try_get::<String, _>("id")?)?,
        institution: parse_id(&row.try_get::<String, _>("institution_id")?)?,
        label: row.try_get("label")?,
        secret_hash: row.try_get("secret_hash")?,
        created_at: from_ms(row.try_get("created_ms")?)?,
        revoked_at: row.try_get::<Option<i64>, _>("revoked_ms")?.map(from_ms).transpose()?,
    })
}

async fn insert_certificate_row(conn: &mut DbConn, c: &RegisteredCertificate) -> Result<()> {
    sqlx::query(
        "INSERT INTO certificates (id, institution_id, fingerprint, subject, issuer, serial, not_before_ms, \
         not_after_ms, is_ca, key_algorithm, der, status, replaces, replaced_by, revoked_ms, revocation_reason, \
         registered_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    )
    .bind(c.id.to_string())
    .bind(c.institution.to_string())
    .bind(&c.fingerprint_sha256)
    .bind(&c.subject)
    .bind(&c.issuer)
    .bind(&c.serial)
    .bind(ms(c.not_before))
    .bind(ms(c.not_after))
    .bind(c.is_ca)
    .bind(&c.key_algorithm)
    .bind(&c.der)
    .bind(c.status.code())
    .bind(c.replaces.map(|i| i.to_string()))
    .bind(c.replaced_by.map(|i| i.to_string()))
    .bind(c.revoked_at.map(ms))
    .bind(c.revocation_reason.map(|r| r.code()))
    .bind(ms(c.registered_at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn add_history(conn: &mut DbConn, id: CertificateId, action: &str, detail: &str, at: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO certificate_history (certificate_id, seq, action, detail, at_ms) \
         SELECT $1, COALESCE(MAX(seq), -1) + 1, $2, $3, $4 FROM certificate_history WHERE certificate_id = $1",
    )
    .bind(id.to_string())
    .bind(action)
    .bind(detail)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

const CERT_COLUMNS: &str = "id, institution_id, fingerprint, subject, issuer, serial, not_before_ms, not_after_ms, \
    is_ca, key_algorithm, der, status, replaces, replaced_by, revoked_ms, revocation_reason, registered_ms";

#[async_trait]
impl crate::Store for This {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(self.read_pool()).await?;
        Ok(())
    }

    async fn registry_version(&self) -> Result<i64> {
        let row = sqlx::query("SELECT version FROM registry_version WHERE id = 1").fetch_one(self.read_pool()).await?;
        Ok(row.try_get("version")?)
    }

    async fn insert_country(&self, country: &Country, audit: &AuditEvent) -> Result<Receipt> {
        audited!(self, audit, |tx| {
            sqlx::query("INSERT INTO countries (code, name, created_ms) VALUES ($1, $2, $3)")
                .bind(country.code.as_str())
                .bind(&country.name)
                .bind(ms(country.created_at))
                .execute(&mut *tx)
                .await?;
        })
    }

    async fn get_country(&self, code: &str) -> Result<Option<Country>> {
        let row = sqlx::query("SELECT code, name, created_ms FROM countries WHERE code = $1")
            .bind(code)
            .fetch_optional(self.read_pool())
            .await?;
        row.map(|r| country_from_row(&r)).transpose()
    }

    async fn list_countries(&self) -> Result<Vec<Country>> {
        let rows = sqlx::query("SELECT code, name, created_ms FROM countries ORDER BY code")
            .fetch_all(self.read_pool())
            .await?;
        rows.iter().map(country_from_row).collect()
    }

    async fn insert_institution(&self, institution: &Institution, audit: &AuditEvent) -> Result<Receipt> {
        audited!(self, audit, |tx| {
            sqlx::query(
                "INSERT INTO institutions (id, country, name, contacts_json, status, withdrawal_notice, \
                 withdrawal_effective, created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(institution.id.to_string())
            .bind(institution.country.as_str())
            .bind(&institution.name)
            .bind(contacts_json(institution)?)
            .bind(institution.status.code())
            .bind(institution.withdrawal.map(|w| date_str(w.notice_date)))
            .bind(institution.withdrawal.map(|w| date_str(w.effective_date)))
            .bind(ms(institution.created_at))
            .bind(ms(institution.updated_at))
            .execute(&mut *tx)
            .await?;
            write_roles(&mut tx, institution).await?;
        })
    }

    async fn get_institution(&self, id: InstitutionId) -> Result<Option<Institution>> {
        let Some(row) = sqlx::query("SELECT * FROM institutions WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(self.read_pool())
            .await?
        else {
            return Ok(None);
        };
        let mut roles = roles_of(self.read_pool(), &[id.to_string()]).await?;
        Ok(Some(institution_from_row(&row, roles.remove(&id.to_string()).unwrap_or_default())?))
    }

    async fn list_institutions(&self, filter: &InstitutionFilter, page: &PageRequest) -> Result<Page<Institution>> {
        let rows = sqlx::query(
            "SELECT i.* FROM institutions i WHERE ($1 IS NULL OR i.id > $1) \
             AND ($2 IS NULL OR i.country = $2) AND ($3 IS NULL OR i.status = $3) \
             AND ($4 IS NULL OR EXISTS (SELECT 1 FROM institution_roles r WHERE r.institution_id = i.id AND r.role = $4)) \
             ORDER BY i.id LIMIT $5",
        )
        .bind(page.after.as_deref())
        .bind(filter.country.map(|c| c.as_str().to_owned()))
        .bind(filter.status.map(|s| s.code()))
        .bind(filter.role.map(|r| r.code()))
        .bind(i64::from(page.limit) + 1)
        .fetch_all(self.read_pool())
        .await?;
        let ids: Vec<String> = rows.iter().map(|r| r.try_get::<String, _>("id")).collect::<std::result::Result<_, _>>()?;
        let mut roles = roles_of(self.read_pool(), &ids).await?;
        let items = rows
            .iter()
            .zip(&ids)
            .map(|(row, id)| institution_from_row(row, roles.remove(id).unwrap_or_default()))
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::from_overfetch(items, page.limit, |i| i.id.to_string()))
    }

    async fn update_institution(
        &self,
        institution: &Institution,
        expected_updated_at: OffsetDateTime,
        audit: &AuditEvent,
    ) -> Result<Receipt> {
        audited!(self, audit, |tx| {
            let done = sqlx::query(
                "UPDATE institutions SET name = $1, contacts_json = $2, status = $3, withdrawal_notice = $4, \
                 withdrawal_effective = $5, updated_ms = $6 WHERE id = $7 AND updated_ms = $8",
            )
            .bind(&institution.name)
            .bind(contacts_json(institution)?)
            .bind(institution.status.code())
            .bind(institution.withdrawal.map(|w| date_str(w.notice_date)))
            .bind(institution.withdrawal.map(|w| date_str(w.effective_date)))
            .bind(ms(institution.updated_at))
            .bind(institution.id.to_string())
            .bind(ms(expected_updated_at))
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Stale(format!("institution {} changed concurrently", institution.id)));
            }
            write_roles(&mut tx, institution).await?;
        })
    }

    async fn insert_accreditation_body(&self, body: &AccreditationBody, audit: &AuditEvent) -> Result<Receipt> {
        audited!(self, audit, |tx| {
            sqlx::query(
                "INSERT INTO accreditation_bodies (id, name, country, arrangement, predecessor, created_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(body.id.to_string())
            .bind(&body.name)
            .bind(body.country.as_str())
            .bind(body.arrangement.code())
            .bind(body.predecessor.map(|p| p.to_string()))
            .bind(ms(body.created_at))
            .execute(&mut *tx)
            .await?;
        })
    }

    async fn get_accreditation_body(&self, id: AccreditationBodyId) -> Result<Option<AccreditationBody>> {
        let row = sqlx::query("SELECT * FROM accreditation_bodies WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(self.read_pool())
            .await?;
        row.map(|r| body_from_row(&r)).transpose()
    }

    async fn list_accreditation_bodies(&self, page: &PageRequest) -> Result<Page<AccreditationBody>> {
        let rows = sqlx::query("SELECT * FROM accreditation_bodies WHERE ($1 IS NULL OR id > $1) ORDER BY id LIMIT $2")
            .bind(page.after.as_deref())
            .bind(i64::from(page.limit) + 1)
            .fetch_all(self.read_pool())
            .await?;
        let items = rows.iter().map(body_from_row).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_overfetch(items, page.limit, |b| b.id.to_string()))
    }

    async fn insert_accreditation(&self, a: &Accreditation, audit: &AuditEvent) -> Result<Receipt> {
        audited!(self, audit, |tx| {
            sqlx::query(
                "INSERT INTO accreditations (id, cab_id, basis, body_id, designated_by, certificate_number, \
                 valid_from, valid_until, suspended, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(a.id.to_string())
            .bind(a.cab.to_string())
            .bind(a.basis.code())
            .bind(a.body.map(|b| b.to_string()))
            .bind(a.designated_by.map(|b| b.to_string()))
            .bind(&a.certificate_number)
            .bind(date_str(a.valid_from))
            .bind(date_str(a.valid_until))
            .bind(a.suspended)
            .bind(ms(a.created_at))
            .execute(&mut *tx)
            .await?;
        })
    }

    async fn list_accreditations(&self, cab: InstitutionId) -> Result<Vec<Accreditation>> {
        let rows = sqlx::query("SELECT * FROM accreditations WHERE cab_id = $1 ORDER BY id")
            .bind(cab.to_string())
            .fetch_all(self.read_pool())
            .await?;
        rows.iter().map(accreditation_from_row).collect()
    }

    async fn insert_scope_entry(&self, e: &ScopeEntry, audit: &AuditEvent) -> Result<Receipt> {
        audited!(self, audit, |tx| {
            let destinations: Vec<&str> = e.destinations.iter().map(|d| d.as_str()).collect();
            sqlx::query(
                "INSERT INTO scope_entries (id, cab_id, document_type, hs_prefix, destinations, valid_from, \
                 valid_until, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(e.id.to_string())
            .bind(e.cab.to_string())
            .bind(e.document_type.code())
            .bind(e.hs_prefix.as_str())
            .bind(destinations.join(","))
            .bind(date_str(e.valid_from))
            .bind(e.valid_until.map(date_str))
            .bind(ms(e.created_at))
            .execute(&mut *tx)
            .await?;
        })
    }

    async fn list_scope_entries(&self, cab: InstitutionId) -> Result<Vec<ScopeEntry>> {
        let rows = sqlx::query("SELECT * FROM scope_entries WHERE cab_id = $1 ORDER BY id")
            .bind(cab.to_string())
            .fetch_all(self.read_pool())
            .await?;
        rows.iter().map(scope_from_row).collect()
    }

    async fn insert_certificate(&self, cert: &RegisteredCertificate, audit: &AuditEvent) -> Result<Receipt> {
        audited!(self, audit, |tx| {
            insert_certificate_row(&mut tx, cert).await?;
            add_history(&mut tx, cert.id, "registered", &cert.fingerprint_sha256, ms(cert.registered_at)).await?;
        })
    }

    async fn renew_certificate(
        &self,
        old: CertificateId,
        new: &RegisteredCertificate,
        audit: &AuditEvent,
    ) -> Result<Receipt> {
        audited!(self, audit, |tx| {
            insert_certificate_row(&mut tx, new).await?;
            let done = sqlx::query(
                "UPDATE certificates SET status = 'superseded', replaced_by = $1 WHERE id = $2 AND status = 'active'",
            )
            .bind(new.id.to_string())
            .bind(old.to_string())
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Stale(format!("certificate {old} is not active")));
            }
            let at = ms(new.registered_at);
            add_history(&mut tx, new.id, "registered", &format!("renewal of {old}"), at).await?;
            add_history(&mut tx, old, "superseded", &format!("renewed by {}", new.id), at).await?;
        })
    }

    async fn revoke_certificate(
        &self,
        id: CertificateId,
        at: OffsetDateTime,
        reason: RevocationReason,
        audit: &AuditEvent,
    ) -> Result<Receipt> {
        audited!(self, audit, |tx| {
            let done = sqlx::query(
                "UPDATE certificates SET status = 'revoked', revoked_ms = $1, revocation_reason = $2 \
                 WHERE id = $3 AND status <> 'revoked'",
            )
            .bind(ms(at))
            .bind(reason.code())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Stale(format!("certificate {id} is already revoked")));
            }
            add_history(&mut tx, id, "revoked", reason.code(), ms(at)).await?;
        })
    }

    async fn get_certificate(&self, id: CertificateId) -> Result<Option<RegisteredCertificate>> {
        let row = sqlx::query(&format!("SELECT {CERT_COLUMNS} FROM certificates WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(self.read_pool())
            .await?;
        row.map(|r| certificate_from_row(&r)).transpose()
    }

    async fn find_certificate_by_fingerprint(&self, fingerprint: &str) -> Result<Option<RegisteredCertificate>> {
        let row = sqlx::query(&format!("SELECT {CERT_COLUMNS} FROM certificates WHERE fingerprint = $1"))
            .bind(fingerprint)
            .fetch_optional(self.read_pool())
            .await?;
        row.map(|r| certificate_from_row(&r)).transpose()
    }

    async fn list_certificates(
        &self,
        institution: Option<InstitutionId>,
        page: &PageRequest,
    ) -> Result<Page<RegisteredCertificate>> {
        let rows = sqlx::query(&format!(
            "SELECT {CERT_COLUMNS} FROM certificates WHERE ($1 IS NULL OR institution_id = $1) \
             AND ($2 IS NULL OR id > $2) ORDER BY id LIMIT $3"
        ))
        .bind(institution.map(|i| i.to_string()))
        .bind(page.after.as_deref())
        .bind(i64::from(page.limit) + 1)
        .fetch_all(self.read_pool())
        .await?;
        let items = rows.iter().map(certificate_from_row).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_overfetch(items, page.limit, |c| c.id.to_string()))
    }

    async fn certificate_history(&self, id: CertificateId) -> Result<Vec<CertificateHistoryEntry>> {
        let rows = sqlx::query(
            "SELECT action, detail, at_ms FROM certificate_history WHERE certificate_id = $1 ORDER BY seq",
        )
        .bind(id.to_string())
        .fetch_all(self.read_pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CertificateHistoryEntry {
                    certificate: id,
                    action: r.try_get("action")?,
                    detail: r.try_get("detail")?,
                    at: from_ms(r.try_get("at_ms")?)?,
                })
            })
            .collect()
    }

    async fn insert_api_key(&self, key: &ApiKeyRecord, audit: &AuditEvent) -> Result<Receipt> {
        audited!(self, audit, |tx| {
            sqlx::query(
                "INSERT INTO api_keys (id, institution_id, label, secret_hash, created_ms, revoked_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(key.id.to_string())
            .bind(key.institution.to_string())
            .bind(&key.label)
            .bind(&key.secret_hash)
            .bind(ms(key.created_at))
            .bind(key.revoked_at.map(ms))
            .execute(&mut *tx)
            .await?;
        })
    }

    async fn get_api_key(&self, id: ApiKeyId) -> Result<Option<ApiKeyRecord>> {
        let row = sqlx::query("SELECT * FROM api_keys WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(self.read_pool())
            .await?;
        row.map(|r| api_key_from_row(&r)).transpose()
    }

    async fn list_api_keys(&self, institution: InstitutionId) -> Result<Vec<ApiKeyRecord>> {
        let rows = sqlx::query("SELECT * FROM api_keys WHERE institution_id = $1 ORDER BY id")
            .bind(institution.to_string())
            .fetch_all(self.read_pool())
            .await?;
        rows.iter().map(api_key_from_row).collect()
    }

    async fn revoke_api_key(&self, id: ApiKeyId, at: OffsetDateTime, audit: &AuditEvent) -> Result<Receipt> {
        audited!(self, audit, |tx| {
            let done = sqlx::query("UPDATE api_keys SET revoked_ms = $1 WHERE id = $2 AND revoked_ms IS NULL")
                .bind(ms(at))
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Stale(format!("API key {id} is already revoked")));
            }
        })
    }

    async fn append_audit_event(&self, audit: &AuditEvent) -> Result<Receipt> {
        audited!(self, audit, |_tx| {})
    }

    async fn list_audit_events(&self, filter: &AuditFilter, page: &PageRequest) -> Result<Page<StoredAuditEvent>> {
        let after: Option<i64> = match page.after.as_deref() {
            None => None,
            Some(s) => Some(s.parse().map_err(|_| StoreError::NotFound(format!("cursor '{s}'")))?),
        };
        let institution = filter.institution.map(|i| i.to_string());
        let rows = sqlx::query(
            "SELECT seq, leaf FROM audit_events WHERE ($1 IS NULL OR seq > $1) \
             AND ($2 IS NULL OR actor = $2 OR subject_institution = $2) ORDER BY seq LIMIT $3",
        )
        .bind(after)
        .bind(institution)
        .bind(i64::from(page.limit) + 1)
        .fetch_all(self.read_pool())
        .await?;
        let items = rows
            .iter()
            .map(|r| {
                let seq: i64 = r.try_get("seq")?;
                let leaf: Vec<u8> = r.try_get("leaf")?;
                Ok(StoredAuditEvent {
                    leaf_index: u64::try_from(seq).map_err(|_| StoreError::Corrupt(format!("seq {seq}")))?,
                    event: AuditEvent::from_canonical_bytes(&leaf)
                        .map_err(|e| StoreError::Corrupt(format!("audit event {seq}: {e}")))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::from_overfetch(items, page.limit, |e| e.leaf_index.to_string()))
    }
}

fn country_from_row(row: &DbRow) -> Result<Country> {
    Ok(Country {
        code: CountryCode::parse(&row.try_get::<String, _>("code")?).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        name: row.try_get("name")?,
        created_at: from_ms(row.try_get("created_ms")?)?,
    })
}
