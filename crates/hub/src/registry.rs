//! The trust registries: countries, institutions, accreditation, scope and the Public Key Registry.

use crate::audit::WithDigests;
use crate::auth::require;
use crate::{Hub, HubError, Result};
use ecert_domain::accreditation::{
    Accreditation, AccreditationBasis, AccreditationBody, NewAccreditation, NewAccreditationBody,
};
use ecert_domain::audit::EventType;
use ecert_domain::auth::{Permission, Principal};
use ecert_domain::country::CountryCode;
use ecert_domain::ids::{AccreditationBodyId, CertificateId, InstitutionId};
use ecert_domain::institution::{
    ContactPoint, Institution, LifecycleStatus, NewInstitution, Role, Withdrawal, check_transition, validate_contacts,
};
use ecert_domain::page::{Page, PageRequest};
use ecert_domain::pkr::{CertificateHistoryEntry, CertificateStatus, RegisteredCertificate, RevocationReason};
use ecert_domain::scope::{NewScopeEntry, NotAuthorized, ScopeEntry, ScopeQuery, authorize};
use ecert_domain::{FieldErrorCode, FieldErrors};
use ecert_pki::CertRejection;
use ecert_store::{AuditFilter, Country, InstitutionFilter, Receipt, StoredAuditEvent};
use serde::Serialize;
use time::{Date, OffsetDateTime};

const MAX_CERT_INPUT: usize = 64 * 1024;
const MAX_COUNTRY_NAME_LEN: usize = 100;

/// Turns a uniqueness violation into a conflict the caller can read; other store errors map as usual.
fn on_conflict(message: impl FnOnce() -> String) -> impl FnOnce(ecert_store::StoreError) -> HubError {
    move |e| match e {
        ecert_store::StoreError::Conflict(_) => HubError::Conflict(message()),
        other => other.into(),
    }
}

/// An institution as a given caller may see it: contact points (personal data) only for the institution itself
/// and the operator.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct InstitutionView {
    #[serde(flatten)]
    pub institution: Institution,
    /// The status in force today (a notified withdrawal takes effect on its date).
    pub effective_status: LifecycleStatus,
}

impl Hub {
    fn view(&self, p: &Principal, mut institution: Institution) -> InstitutionView {
        if !p.can_access(institution.id) {
            institution.contacts.clear();
        }
        let effective_status = institution.status_on(self.now().date());
        InstitutionView { institution, effective_status }
    }

    async fn institution_or_404(&self, id: InstitutionId) -> Result<Institution> {
        self.store().get_institution(id).await?.ok_or(HubError::NotFound("institution"))
    }

    /// The CAB whose records `p` wants: 404 when it does not exist, is not a CAB, or `p` may not see it.
    async fn readable_cab(&self, p: &Principal, cab: InstitutionId) -> Result<Institution> {
        require(p, Permission::ReadCabRecords)?;
        let institution = self.store().get_institution(cab).await?;
        institution
            .filter(|i| i.has_role(Role::IssuingCab) && p.can_read_cab_records(i.id))
            .ok_or(HubError::NotFound("CAB"))
    }

    /// The CAB a registry write targets; callers have already checked the operator permission.
    async fn writable_cab(&self, cab: InstitutionId, field: &str) -> Result<Institution> {
        let institution = self.institution_or_404(cab).await?;
        if !institution.has_role(Role::IssuingCab) {
            return Err(HubError::invalid(field, "the institution is not an issuing CAB"));
        }
        Ok(institution)
    }

    // ---- countries ----

    pub async fn create_country(&self, p: &Principal, code: &str, name: &str) -> Result<(Country, Receipt)> {
        require(p, Permission::ManageRegistries)?;
        let mut errors = FieldErrors::default();
        let code = errors.check("code", CountryCode::parse(code));
        let name = name.trim();
        let len = name.chars().count();
        if len == 0 || len > MAX_COUNTRY_NAME_LEN || name.chars().any(char::is_control) {
            errors.push_code(
                "name",
                FieldErrorCode::for_length(len, MAX_COUNTRY_NAME_LEN),
                format!("must be 1 to {MAX_COUNTRY_NAME_LEN} printable characters"),
            );
        }
        errors.into_result()?;
        let Some(code) = code else { return Err(HubError::invalid("code", "missing")) };
        let country = Country { code, name: name.to_owned(), created_at: self.now() };
        let audit = self.event(p, EventType::CountryRegistered, None, vec![format!("country:{code}")]).after(&country);
        let receipt = self
            .store()
            .insert_country(&country, &audit)
            .await
            .map_err(on_conflict(|| format!("country {code} is already registered")))?;
        Ok((country, receipt))
    }

    pub async fn list_countries(&self, p: &Principal) -> Result<Vec<Country>> {
        require(p, Permission::ReadParticipants)?;
        Ok(self.store().list_countries().await?)
    }

    /// Parses a country code and checks that it is a participating country, naming `field` on failure.
    async fn participating_country(&self, field: &str, code: &str) -> Result<CountryCode> {
        let code = CountryCode::parse(code).map_err(|e| HubError::invalid(field, e.to_string()))?;
        if self.store().get_country(code.as_str()).await?.is_none() {
            return Err(HubError::invalid(field, format!("{code} is not a participating country of this hub")));
        }
        Ok(code)
    }

    // ---- institutions ----

    pub async fn create_institution(&self, p: &Principal, new: NewInstitution) -> Result<(InstitutionView, Receipt)> {
        require(p, Permission::ManageRegistries)?;
        let institution = new.validate(self.now())?;
        self.participating_country("country", institution.country.as_str()).await?;
        let audit = self
            .event(
                p,
                EventType::InstitutionCreated,
                Some(institution.id),
                vec![format!("institution:{}", institution.id)],
            )
            .after(&institution);
        let receipt = self.store().insert_institution(&institution, &audit).await.map_err(on_conflict(|| {
            format!("an institution named '{}' already exists in {}", institution.name, institution.country)
        }))?;
        Ok((self.view(p, institution), receipt))
    }

    pub async fn get_institution(&self, p: &Principal, id: InstitutionId) -> Result<InstitutionView> {
        require(p, Permission::ReadParticipants)?;
        Ok(self.view(p, self.institution_or_404(id).await?))
    }

    pub async fn list_institutions(
        &self,
        p: &Principal,
        filter: &InstitutionFilter,
        page: &PageRequest,
    ) -> Result<Page<InstitutionView>> {
        require(p, Permission::ReadParticipants)?;
        Ok(self.store().list_institutions(filter, page).await?.map(|i| self.view(p, i)))
    }

    async fn update_institution(
        &self,
        p: &Principal,
        before: Institution,
        after: Institution,
        event_type: EventType,
    ) -> Result<(InstitutionView, Receipt)> {
        let audit = self
            .event(p, event_type, Some(after.id), vec![format!("institution:{}", after.id)])
            .before(&before)
            .after(&after);
        let receipt = self.store().update_institution(&after, before.updated_at, &audit).await?;
        Ok((self.view(p, after), receipt))
    }

    pub async fn set_institution_status(
        &self,
        p: &Principal,
        id: InstitutionId,
        status: LifecycleStatus,
    ) -> Result<(InstitutionView, Receipt)> {
        require(p, Permission::ManageRegistries)?;
        let before = self.institution_or_404(id).await?;
        if status == LifecycleStatus::Withdrawn {
            return Err(HubError::invalid(
                "status",
                "withdrawal is notified with a notice date (use the withdrawal operation)",
            ));
        }
        check_transition(before.status, status).map_err(HubError::Conflict)?;
        let mut after = before.clone();
        after.status = status;
        after.updated_at = self.now().max(before.updated_at + time::Duration::milliseconds(1));
        self.update_institution(p, before, after, EventType::InstitutionStatusChanged).await
    }

    /// Notifies a withdrawal (by the operator, or by the institution itself), effective after the notice period.
    pub async fn notify_withdrawal(
        &self,
        p: &Principal,
        id: InstitutionId,
        effective_date: Option<Date>,
    ) -> Result<(InstitutionView, Receipt)> {
        let before = self.institution_or_404(id).await?;
        if !p.can_access(id) {
            return Err(HubError::NotFound("institution"));
        }
        if before.withdrawal.is_some() || before.status == LifecycleStatus::Withdrawn {
            return Err(HubError::Conflict("a withdrawal is already notified".into()));
        }
        let withdrawal = Withdrawal::notify(self.now().date(), effective_date)?;
        let mut after = before.clone();
        after.withdrawal = Some(withdrawal);
        after.updated_at = self.now().max(before.updated_at + time::Duration::milliseconds(1));
        self.update_institution(p, before, after, EventType::InstitutionWithdrawalNotified).await
    }

    pub async fn set_contacts(
        &self,
        p: &Principal,
        id: InstitutionId,
        contacts: Vec<ContactPoint>,
    ) -> Result<(InstitutionView, Receipt)> {
        let before = self.institution_or_404(id).await?;
        if !p.can_access(id) {
            return Err(HubError::NotFound("institution"));
        }
        let mut errors = FieldErrors::default();
        validate_contacts(&mut errors, &contacts);
        errors.into_result()?;
        let mut after = before.clone();
        after.contacts = contacts;
        after.updated_at = self.now().max(before.updated_at + time::Duration::milliseconds(1));
        self.update_institution(p, before, after, EventType::InstitutionContactsChanged).await
    }

    // ---- accreditation ----

    pub async fn create_accreditation_body(
        &self,
        p: &Principal,
        new: NewAccreditationBody,
    ) -> Result<(AccreditationBody, Receipt)> {
        require(p, Permission::ManageRegistries)?;
        let body = new.validate(self.now())?;
        if let Some(pred) = body.predecessor
            && self.store().get_accreditation_body(pred).await?.is_none()
        {
            return Err(HubError::invalid("predecessor", "no such accreditation body"));
        }
        let audit = self
            .event(p, EventType::AccreditationBodyCreated, None, vec![format!("accreditation_body:{}", body.id)])
            .after(&body);
        let receipt = self
            .store()
            .insert_accreditation_body(&body, &audit)
            .await
            .map_err(on_conflict(|| format!("an accreditation body named '{}' already exists", body.name)))?;
        Ok((body, receipt))
    }

    pub async fn list_accreditation_bodies(
        &self,
        p: &Principal,
        page: &PageRequest,
    ) -> Result<Page<AccreditationBody>> {
        require(p, Permission::ReadParticipants)?;
        Ok(self.store().list_accreditation_bodies(page).await?)
    }

    pub async fn get_accreditation_body(&self, p: &Principal, id: AccreditationBodyId) -> Result<AccreditationBody> {
        require(p, Permission::ReadParticipants)?;
        self.store().get_accreditation_body(id).await?.ok_or(HubError::NotFound("accreditation body"))
    }

    pub async fn create_accreditation(
        &self,
        p: &Principal,
        cab: InstitutionId,
        new: NewAccreditation,
    ) -> Result<(Accreditation, Receipt)> {
        require(p, Permission::ManageRegistries)?;
        self.writable_cab(cab, "cab").await?;
        let accreditation = new.validate(cab, self.now())?;
        if let Some(body) = accreditation.body
            && self.store().get_accreditation_body(body).await?.is_none()
        {
            return Err(HubError::invalid("body", "no such accreditation body"));
        }
        if accreditation.basis == AccreditationBasis::RegulatorDesignation {
            let designator = accreditation.designated_by.map(|d| self.store().get_institution(d));
            let designator = match designator {
                Some(f) => f.await?,
                None => None,
            };
            if !designator.is_some_and(|d| d.has_role(Role::Regulator)) {
                return Err(HubError::invalid("designated_by", "must be a registered regulator"));
            }
        }
        let audit = self
            .event(p, EventType::AccreditationCreated, Some(cab), vec![format!("accreditation:{}", accreditation.id)])
            .after(&accreditation);
        let receipt = self.store().insert_accreditation(&accreditation, &audit).await.map_err(on_conflict(|| {
            format!("accreditation {} is already registered for this CAB", accreditation.certificate_number)
        }))?;
        Ok((accreditation, receipt))
    }

    pub async fn list_accreditations(&self, p: &Principal, cab: InstitutionId) -> Result<Vec<Accreditation>> {
        self.readable_cab(p, cab).await?;
        Ok(self.store().list_accreditations(cab).await?)
    }

    // ---- scope ----

    pub async fn create_scope_entry(
        &self,
        p: &Principal,
        cab: InstitutionId,
        new: NewScopeEntry,
    ) -> Result<(ScopeEntry, Receipt)> {
        require(p, Permission::ManageRegistries)?;
        self.writable_cab(cab, "cab").await?;
        let entry = new.validate(cab, self.now())?;
        let audit = self
            .event(p, EventType::ScopeEntryCreated, Some(cab), vec![format!("scope_entry:{}", entry.id)])
            .after(&entry);
        let receipt = self
            .store()
            .insert_scope_entry(&entry, &audit)
            .await
            .map_err(on_conflict(|| "an identical scope entry already exists for this CAB".into()))?;
        Ok((entry, receipt))
    }

    pub async fn list_scope_entries(&self, p: &Principal, cab: InstitutionId) -> Result<Vec<ScopeEntry>> {
        self.readable_cab(p, cab).await?;
        Ok(self.store().list_scope_entries(cab).await?)
    }

    /// "Is CAB X authorised for type T, HS code H, destination D, on date t?" The outer `Result` is about the
    /// request; the inner one is the answer: the matching scope entry, or the precise reason.
    pub async fn check_authorization(
        &self,
        p: &Principal,
        cab: InstitutionId,
        query: &ScopeQuery,
    ) -> Result<std::result::Result<ScopeEntry, NotAuthorized>> {
        let institution = self.readable_cab(p, cab).await?;
        let accreditations = self.store().list_accreditations(cab).await?;
        let scope = self.store().list_scope_entries(cab).await?;
        Ok(authorize(&institution, &accreditations, &scope, query).cloned())
    }

    // ---- Public Key Registry ----

    fn parse_certificate(&self, input: &[u8]) -> Result<(ecert_pki::Certificate, ecert_pki::CertFacts)> {
        if input.is_empty() || input.len() > MAX_CERT_INPUT {
            return Err(HubError::invalid_with_code(
                "certificate",
                FieldErrorCode::for_length(input.len(), MAX_CERT_INPUT),
                format!("must be 1 byte to {MAX_CERT_INPUT} bytes of PEM or DER"),
            ));
        }
        let mut certs = ecert_pki::Certificate::parse_any(input)
            .map_err(|e| HubError::invalid("certificate", format!("not a readable X.509 certificate: {e}")))?;
        if certs.len() != 1 {
            let code = if certs.is_empty() { FieldErrorCode::Invalid } else { FieldErrorCode::TooMany };
            return Err(HubError::invalid_with_code(
                "certificate",
                code,
                format!("expected exactly one certificate, found {}", certs.len()),
            ));
        }
        let cert = certs.remove(0);
        let facts = ecert_pki::check_registrable(&cert, self.now()).map_err(|r| {
            let code = match r {
                CertRejection::Expired { .. } => FieldErrorCode::DateExpired,
                CertRejection::NotYetValid { .. } => FieldErrorCode::DateInFuture,
                _ => FieldErrorCode::Invalid,
            };
            HubError::invalid_with_code("certificate", code, format!("{r} ({})", r.code()))
        })?;
        Ok((cert, facts))
    }

    fn registered(
        &self,
        institution: InstitutionId,
        cert: &ecert_pki::Certificate,
        facts: ecert_pki::CertFacts,
        replaces: Option<CertificateId>,
    ) -> RegisteredCertificate {
        RegisteredCertificate {
            id: CertificateId::new(),
            institution,
            fingerprint_sha256: facts.fingerprint_sha256,
            subject: facts.subject,
            issuer: facts.issuer,
            serial: facts.serial_hex,
            not_before: facts.not_before,
            not_after: facts.not_after,
            is_ca: facts.is_ca,
            key_algorithm: facts.key.to_string(),
            der: cert.der().to_vec(),
            status: CertificateStatus::Active,
            replaces,
            replaced_by: None,
            revoked_at: None,
            revocation_reason: None,
            registered_at: self.now(),
        }
    }

    async fn ensure_new_fingerprint(&self, fingerprint: &str) -> Result<()> {
        if let Some(existing) = self.store().find_certificate_by_fingerprint(fingerprint).await? {
            return Err(HubError::Conflict(format!(
                "this certificate (SHA-256 {fingerprint}) is already registered as {}",
                existing.id
            )));
        }
        Ok(())
    }

    pub async fn register_certificate(
        &self,
        p: &Principal,
        institution: InstitutionId,
        input: &[u8],
    ) -> Result<(RegisteredCertificate, Receipt)> {
        require(p, Permission::ManageCertificates)?;
        self.writable_cab(institution, "institution").await?;
        let (cert, facts) = self.parse_certificate(input)?;
        self.ensure_new_fingerprint(&facts.fingerprint_sha256).await?;
        let record = self.registered(institution, &cert, facts, None);
        let audit = self
            .event(p, EventType::CertificateRegistered, Some(institution), vec![format!("certificate:{}", record.id)])
            .after(&record);
        let receipt = self.store().insert_certificate(&record, &audit).await?;
        Ok((record, receipt))
    }

    pub async fn renew_certificate(
        &self,
        p: &Principal,
        old: CertificateId,
        input: &[u8],
    ) -> Result<(RegisteredCertificate, Receipt)> {
        require(p, Permission::ManageCertificates)?;
        let previous = self.store().get_certificate(old).await?.ok_or(HubError::NotFound("certificate"))?;
        if previous.status != CertificateStatus::Active {
            return Err(HubError::Conflict(format!(
                "certificate {old} is {}, only an active one can be renewed",
                previous.status.code()
            )));
        }
        let (cert, facts) = self.parse_certificate(input)?;
        self.ensure_new_fingerprint(&facts.fingerprint_sha256).await?;
        let record = self.registered(previous.institution, &cert, facts, Some(old));
        let audit = self
            .event(
                p,
                EventType::CertificateRenewed,
                Some(previous.institution),
                vec![format!("certificate:{old}"), format!("certificate:{}", record.id)],
            )
            .before(&previous)
            .after(&record);
        let receipt = self.store().renew_certificate(old, &record, &audit).await?;
        Ok((record, receipt))
    }

    /// Revokes a certificate. The revocation time may lie in the past (a key compromised earlier) but not in the
    /// future, since the registry records facts, not plans.
    pub async fn revoke_certificate(
        &self,
        p: &Principal,
        id: CertificateId,
        reason: RevocationReason,
        at: Option<OffsetDateTime>,
    ) -> Result<(RegisteredCertificate, Receipt)> {
        require(p, Permission::ManageCertificates)?;
        let before = self.store().get_certificate(id).await?.ok_or(HubError::NotFound("certificate"))?;
        if before.status == CertificateStatus::Revoked {
            return Err(HubError::Conflict(format!("certificate {id} is already revoked")));
        }
        let now = self.now();
        let at = at.unwrap_or(now);
        if at > now {
            return Err(HubError::invalid_with_code(
                "revoked_at",
                FieldErrorCode::DateInFuture,
                "must not be in the future",
            ));
        }
        let mut after = before.clone();
        after.status = CertificateStatus::Revoked;
        after.revoked_at = Some(at);
        after.revocation_reason = Some(reason);
        let audit = self
            .event(p, EventType::CertificateRevoked, Some(before.institution), vec![format!("certificate:{id}")])
            .before(&before)
            .after(&after);
        let receipt = self.store().revoke_certificate(id, at, reason, &audit).await?;
        Ok((after, receipt))
    }

    pub async fn get_certificate(&self, p: &Principal, id: CertificateId) -> Result<CertificateDetail> {
        require(p, Permission::ReadCabRecords)?;
        let cert = self
            .store()
            .get_certificate(id)
            .await?
            .filter(|c| p.can_read_cab_records(c.institution))
            .ok_or(HubError::NotFound("certificate"))?;
        let history = self.store().certificate_history(id).await?;
        let pem = ecert_pki::Certificate::from_der(&cert.der)
            .map(|c| c.to_pem())
            .map_err(|e| HubError::Internal(format!("stored certificate {id} no longer parses: {e}")))?;
        Ok(CertificateDetail { pem, certificate: cert, history })
    }

    pub async fn list_certificates(
        &self,
        p: &Principal,
        institution: Option<InstitutionId>,
        page: &PageRequest,
    ) -> Result<Page<RegisteredCertificate>> {
        require(p, Permission::ReadCabRecords)?;
        let scope = match institution {
            Some(i) if p.can_read_cab_records(i) => Some(i),
            Some(_) => return Err(HubError::NotFound("CAB")),
            // A CAB listing "all" sees its own; relying parties and the operator see every CAB's.
            None if p.is_operator() || p.is_relying_party() => None,
            None => Some(p.institution),
        };
        Ok(self.store().list_certificates(scope, page).await?)
    }

    // ---- audit ----

    pub async fn list_audit_events(&self, p: &Principal, page: &PageRequest) -> Result<Page<StoredAuditEvent>> {
        require(p, Permission::ReadAudit)?;
        let filter = AuditFilter { institution: if p.is_operator() { None } else { Some(p.institution) } };
        Ok(self.store().list_audit_events(&filter, page).await?)
    }
}

/// A certificate with its history and PEM text, as the registry shows it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct CertificateDetail {
    #[serde(flatten)]
    pub certificate: RegisteredCertificate,
    pub pem: String,
    pub history: Vec<CertificateHistoryEntry>,
}
