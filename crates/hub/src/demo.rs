//! Demo data for `ecert serve --demo`: enough participants, accreditation, scope and keys for a newcomer to try
//! every endpoint from the Swagger UI within a minute.

use crate::{Hub, Result};
use ecert_domain::accreditation::{NewAccreditation, NewAccreditationBody};
use ecert_domain::auth::{Credential, Principal};
use ecert_domain::ids::InstitutionId;
use ecert_domain::institution::{ContactPoint, LifecycleStatus, NewInstitution, Role};
use ecert_domain::scope::NewScopeEntry;
use ecert_domain::user::NewUser;
use ecert_pki::testpki::{TestPki, TestSigner};
use serde::Serialize;
use time::Duration;

/// The credentials the demo prints: one API key and one portal user per role.
#[derive(Debug, Clone, Serialize)]
pub struct DemoCredentials {
    pub operator_key: String,
    pub cab_key: String,
    pub receiver_key: String,
    pub cab_id: String,
    pub receiver_id: String,
    pub users: Vec<DemoUser>,
}

/// A demo portal user with its random password (printed once; the user enrols TOTP at first sign-in).
#[derive(Debug, Clone, Serialize)]
pub struct DemoUser {
    pub username: String,
    pub password: String,
    pub institution: InstitutionId,
    pub roles: Vec<Role>,
}

/// The operator that the local `ecert admin` command and the demo act as before any key exists.
pub fn local_admin(institution: ecert_domain::ids::InstitutionId) -> Principal {
    Principal { institution, roles: vec![Role::HubOperator], credential: Credential::LocalAdmin }
}

fn contact(name: &str, email: &str) -> ContactPoint {
    ContactPoint { name: name.into(), email: email.into(), phone: None, function: Some("Focal point".into()) }
}

impl Hub {
    /// Creates the hub operator institution and its first API key (`ecert admin bootstrap`). The operator's
    /// country is registered on the way if needed.
    pub async fn bootstrap_operator(
        &self,
        country: &str,
        country_name: &str,
        name: &str,
    ) -> Result<(InstitutionId, String)> {
        let bootstrap = local_admin(ecert_domain::ids::InstitutionId::new());
        if self.store().get_country(&country.to_ascii_uppercase()).await?.is_none() {
            self.create_country(&bootstrap, country, country_name).await?;
        }
        let (operator, _) = self
            .create_institution(
                &bootstrap,
                NewInstitution {
                    country: country.into(),
                    name: name.into(),
                    roles: vec![Role::HubOperator.code().into()],
                    contacts: vec![],
                },
            )
            .await?;
        let admin = local_admin(operator.institution.id);
        self.set_institution_status(&admin, operator.institution.id, LifecycleStatus::Active).await?;
        let key = self.create_api_key(&admin, operator.institution.id, "bootstrap operator key").await?;
        Ok((operator.institution.id, key.key))
    }

    /// Seeds an empty hub with demo participants; with a test PKI, the demo CAB's certificates are registered too.
    /// Refuses to run on a hub that already has participants, so a demo flag can never mix fake CABs into real data.
    pub async fn seed_demo(&self, pki: Option<&TestPki>) -> Result<DemoCredentials> {
        let existing =
            self.store().list_institutions(&Default::default(), &ecert_domain::page::PageRequest::first(1)).await?;
        if !existing.items.is_empty() {
            return Err(crate::HubError::Conflict("demo data is only created on an empty hub".into()));
        }
        let (operator_id, operator_key) = self.bootstrap_operator("KZ", "Kazakhstan", "e-CERT Hub Operator").await?;
        let op = local_admin(operator_id);
        self.create_country(&op, "UZ", "Uzbekistan").await?;

        let (cab, _) = self
            .create_institution(
                &op,
                NewInstitution {
                    country: "KZ".into(),
                    name: "Almaty Product Testing Laboratory".into(),
                    roles: vec![Role::IssuingCab.code().into()],
                    contacts: vec![contact("Aigerim Demo", "lab@example.kz")],
                },
            )
            .await?;
        let (receiver, _) = self
            .create_institution(
                &op,
                NewInstitution {
                    country: "UZ".into(),
                    name: "Uzbekistan Technical Regulation Agency".into(),
                    roles: vec![Role::Regulator.code().into(), Role::Customs.code().into()],
                    contacts: vec![contact("Dilshod Demo", "agency@example.uz")],
                },
            )
            .await?;
        let cab_id = cab.institution.id;
        let receiver_id = receiver.institution.id;
        self.set_institution_status(&op, cab_id, LifecycleStatus::Active).await?;
        self.set_institution_status(&op, receiver_id, LifecycleStatus::Active).await?;

        let (body, _) = self
            .create_accreditation_body(
                &op,
                NewAccreditationBody {
                    name: "National Accreditation Centre (demo)".into(),
                    country: "KZ".into(),
                    arrangement: "ilac_mra_and_iaf_mla".into(),
                    predecessor: None,
                },
            )
            .await?;
        let today = self.now().date();
        for (basis, number) in [("iso17025", "KZ.T.02.0001"), ("iso17065", "KZ.O.02.0001")] {
            self.create_accreditation(
                &op,
                cab_id,
                NewAccreditation {
                    basis: basis.into(),
                    body: Some(body.id),
                    designated_by: None,
                    certificate_number: number.into(),
                    valid_from: today - Duration::days(365),
                    valid_until: today + Duration::days(3 * 365),
                },
            )
            .await?;
        }
        for (doc_type, prefix) in [("TR", "84"), ("TR", "85"), ("CoC", "8471"), ("CoC", "8516")] {
            self.create_scope_entry(
                &op,
                cab_id,
                NewScopeEntry {
                    document_type: doc_type.into(),
                    hs_prefix: prefix.into(),
                    destinations: vec!["UZ".into()],
                    valid_from: today - Duration::days(30),
                    valid_until: None,
                },
            )
            .await?;
        }
        if let Some(pki) = pki {
            // The CAB's issuing CA and its two valid signers, so documents signed with the demo PKI are trusted.
            for cert in [
                &pki.ca.certificate,
                &pki.signer(TestSigner::ValidRsa).credentials.certificate,
                &pki.signer(TestSigner::ValidEcP256).credentials.certificate,
            ] {
                self.register_certificate(&op, cab_id, cert.der()).await?;
            }
        }
        let cab_key = self.create_api_key(&op, cab_id, "demo CAB key").await?.key;
        let receiver_key = self.create_api_key(&op, receiver_id, "demo receiver key").await?.key;
        let mut users = Vec::new();
        for (username, institution, role) in [
            ("operator", operator_id, Role::HubOperator),
            ("cab", cab_id, Role::IssuingCab),
            ("customs", receiver_id, Role::Customs),
        ] {
            users.push(self.create_demo_user(&op, username, institution, role).await?);
        }
        Ok(DemoCredentials {
            operator_key,
            cab_key,
            receiver_key,
            cab_id: cab_id.to_string(),
            receiver_id: receiver_id.to_string(),
            users,
        })
    }

    /// A demo user with a random 24-character password.
    async fn create_demo_user(
        &self,
        op: &Principal,
        username: &str,
        institution: InstitutionId,
        role: Role,
    ) -> Result<DemoUser> {
        let random: [u8; 18] = crate::users::random_bytes()?;
        let password = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, random);
        let new = NewUser {
            institution,
            username: username.into(),
            display_name: format!("Demo {username}"),
            roles: vec![role],
            password: password.clone(),
        };
        let (user, _) = self.create_user(op, new).await?;
        Ok(DemoUser { username: user.username, password, institution, roles: user.roles })
    }
}

/// A test report of the demo CAB, inside its scope (HS 8471.30, destination UZ) and issued `today`: the printed
/// document and the metadata pushed with it, agreeing field for field. The demo, the push load benchmark and the
/// tests that drive `ecert serve` all push this one shape.
pub fn demo_test_report(
    number: &str,
    today: time::Date,
) -> (ecert_pdf::samples::SampleDocument, ecert_domain::document::NewDocumentMetadata) {
    use ecert_pdf::samples::{DocumentKind, SampleDocument};
    let valid_until = today + Duration::days(3 * 365);
    let mut sample = SampleDocument::example(DocumentKind::TestReport);
    sample.number = number.into();
    sample.hs_codes = vec!["8471.30".into()];
    sample.issue_date = today;
    sample.valid_until = Some(valid_until);
    sample.destination = "Uzbekistan".into();
    sample.product = "Portable automatic data-processing machines, model AL-14".into();
    let metadata = ecert_domain::document::NewDocumentMetadata {
        document_number: sample.number.clone(),
        document_type: "TR".into(),
        hs_codes: sample.hs_codes.clone(),
        product_description: sample.product.clone(),
        issue_date: today,
        valid_until,
        destination_country: "UZ".into(),
        receiving_authority: None,
        applicant: Some(ecert_domain::document::NewParty {
            name: sample.applicant.clone(),
            country: Some("KZ".into()),
        }),
        manufacturer: None,
        applied_standards: vec!["IEC 60898-1:2015".into()],
        public_token: None,
    };
    (sample, metadata)
}

/// The demo CAB acting through its own credential, for the demo's sample push.
fn demo_cab(institution: ecert_domain::ids::InstitutionId) -> Principal {
    Principal { institution, roles: vec![Role::IssuingCab], credential: Credential::LocalAdmin }
}

impl Hub {
    /// Signs a sample test report with the demo PKI and pushes it as the demo CAB, so the receiver's inbox is
    /// not empty on first start. Goes through the same checks as any push.
    pub async fn push_demo_document(
        &self,
        pki: &TestPki,
        cab: ecert_domain::ids::InstitutionId,
    ) -> Result<crate::exchange::Submission> {
        let (sample, metadata) = demo_test_report("KZ-TR-DEMO-0001", self.now().date());
        let credentials = &pki.signer(TestSigner::ValidRsa).credentials;
        let pdf = ecert_pdf::sign::sign_pdf(
            &ecert_pdf::samples::generate(&sample),
            &ecert_pdf::sign::SignOptions::new(credentials),
        )
        .map_err(|e| crate::HubError::Internal(format!("signing the demo document: {e}")))?;
        let request = crate::exchange::PushRequest { metadata, pdf: pdf.into(), idempotency_key: None };
        self.push_document(&demo_cab(cab), request).await
    }
}
