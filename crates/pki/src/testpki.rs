//! An in-memory test PKI: root CA, CAB issuing CA, signers for every scenario, a TSA, a
//! delegated OCSP responder, CRLs and OCSP responses. Names are fixed; validity periods are
//! relative to the generation time.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5280;
use time::{Duration, OffsetDateTime};

use crate::alg::KeyKind;
use crate::builder::CertificateBuilder;
use crate::cert::{Certificate, KeyUsage};
use crate::crl::{Crl, CrlBuilder, CrlReason};
use crate::error::{Error, Result};
use crate::keys::{SignerCredentials, SigningKey};
use crate::ocsp::{CertStatus, OcspResponse, OcspResponseBuilder};
use crate::tsp::TestTsa;

/// Passphrase of the PKCS#12 file written by [`TestPki::write_pem_dir`].
pub const DEMO_P12_PASSPHRASE: &str = "demo";

/// id-pkix-ocsp-nocheck: the responder's own certificate needs no revocation check.
const ID_PKIX_OCSP_NOCHECK: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.5");
const DER_NULL: &[u8] = &[0x05, 0x00];

/// The signer scenarios the test PKI provides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TestSigner {
    ValidRsa,
    ValidEcP256,
    ValidEcP384,
    Expired,
    NotYetValid,
    /// Listed in the CRL and answered "revoked" by OCSP (revoked one hour before generation).
    Revoked,
    /// Key usage keyCertSign only.
    KeyCertSignOnly,
    /// Key usage keyEncipherment only (no digitalSignature / nonRepudiation).
    NoDigitalSignature,
}

impl TestSigner {
    pub const ALL: [TestSigner; 8] = [
        Self::ValidRsa,
        Self::ValidEcP256,
        Self::ValidEcP384,
        Self::Expired,
        Self::NotYetValid,
        Self::Revoked,
        Self::KeyCertSignOnly,
        Self::NoDigitalSignature,
    ];

    /// File-name stem, e.g. `signer-valid-rsa`.
    pub fn stem(self) -> &'static str {
        match self {
            Self::ValidRsa => "signer-valid-rsa",
            Self::ValidEcP256 => "signer-valid-ec-p256",
            Self::ValidEcP384 => "signer-valid-ec-p384",
            Self::Expired => "signer-expired",
            Self::NotYetValid => "signer-not-yet-valid",
            Self::Revoked => "signer-revoked",
            Self::KeyCertSignOnly => "signer-keycertsign-only",
            Self::NoDigitalSignature => "signer-no-digital-signature",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Self::ValidRsa => "valid signer, RSA-2048",
            Self::ValidEcP256 => "valid signer, EC P-256",
            Self::ValidEcP384 => "valid signer, EC P-384",
            Self::Expired => "expired signer (validity ended a year ago), RSA-2048",
            Self::NotYetValid => "not yet valid signer (validity starts in a year), EC P-256",
            Self::Revoked => "revoked signer (keyCompromise, one hour before generation), RSA-2048",
            Self::KeyCertSignOnly => "wrong key usage: keyCertSign only, EC P-256",
            Self::NoDigitalSignature => "wrong key usage: keyEncipherment only, no digitalSignature, EC P-256",
        }
    }

    fn common_name(self) -> &'static str {
        match self {
            Self::ValidRsa => "Valid RSA Signer",
            Self::ValidEcP256 => "Valid EC P-256 Signer",
            Self::ValidEcP384 => "Valid EC P-384 Signer",
            Self::Expired => "Expired Signer",
            Self::NotYetValid => "Not Yet Valid Signer",
            Self::Revoked => "Revoked Signer",
            Self::KeyCertSignOnly => "KeyCertSign Only Signer",
            Self::NoDigitalSignature => "No DigitalSignature Signer",
        }
    }

    fn key_kind(self) -> KeyKind {
        match self {
            Self::ValidRsa | Self::Expired | Self::Revoked => KeyKind::Rsa { bits: 2048 },
            Self::ValidEcP384 => KeyKind::EcP384,
            _ => KeyKind::EcP256,
        }
    }
}

/// A signer of the test PKI with its OCSP response.
pub struct TestIdentity {
    pub credentials: Arc<SignerCredentials>,
    pub ocsp: OcspResponse,
}

/// The generated PKI.
pub struct TestPki {
    /// Generation time; every validity period is relative to it.
    pub now: OffsetDateTime,
    pub root: Arc<SignerCredentials>,
    /// The CAB issuing CA (chain: root).
    pub ca: Arc<SignerCredentials>,
    /// TSA certificate: critical EKU id-kp-timeStamping (chain: CA, root).
    pub tsa: Arc<SignerCredentials>,
    /// Delegated OCSP responder of the CA (EKU id-kp-OCSPSigning, ocsp-nocheck).
    pub ocsp_responder: Arc<SignerCredentials>,
    signers: Vec<(TestSigner, TestIdentity)>,
    crl: Crl,
    root_crl: Crl,
}

const ORG: &str = "O=ecert Test PKI,C=KZ";

fn name(cn: &str) -> String {
    format!("CN={cn},{ORG}")
}

impl TestPki {
    /// Generates a fresh PKI valid around the current time.
    pub fn generate() -> Result<Self> {
        Self::generate_at(OffsetDateTime::now_utc())
    }

    /// Generates a PKI whose validity periods are relative to `now` (second precision).
    pub fn generate_at(now: OffsetDateTime) -> Result<Self> {
        let now = now.replace_nanosecond(0).map_err(|e| Error::Time(e.to_string()))?;
        let year = Duration::days(365);
        let rsa = KeyKind::Rsa { bits: 2048 };
        let ca_usage = KeyUsage::KEY_CERT_SIGN | KeyUsage::CRL_SIGN;
        let signing = KeyUsage::DIGITAL_SIGNATURE | KeyUsage::NON_REPUDIATION;

        let root_key = SigningKey::generate(rsa)?;
        let root_cert = CertificateBuilder::new(&name("ecert Test Root CA"), root_key.spki_der())?
            .serial(&[0x01])
            .validity(now - 3 * year, now + 10 * year)
            .ca(None)
            .key_usage(ca_usage)
            .build_self_signed(&root_key)?;
        let root = Arc::new(SignerCredentials::new(root_key, root_cert, Vec::new())?);

        let ca_key = SigningKey::generate(rsa)?;
        let ca_cert = CertificateBuilder::new(&name("ecert Test CAB Issuing CA"), ca_key.spki_der())?
            .serial(&[0x02])
            .validity(now - 3 * year, now + 5 * year)
            .ca(Some(0))
            .key_usage(ca_usage)
            .build(&root)?;
        let ca = Arc::new(SignerCredentials::new(ca_key, ca_cert, vec![root.certificate.clone()])?);
        let chain = vec![ca.certificate.clone(), root.certificate.clone()];

        let tsa_key = SigningKey::generate(rsa)?;
        let tsa_cert = CertificateBuilder::new(&name("ecert Test TSA"), tsa_key.spki_der())?
            .serial(&[0x03])
            .validity(now - 3 * year, now + 5 * year)
            .key_usage(KeyUsage::DIGITAL_SIGNATURE)
            .extended_key_usage(&[rfc5280::ID_KP_TIME_STAMPING], true)
            .build(&ca)?;
        let tsa = Arc::new(SignerCredentials::new(tsa_key, tsa_cert, chain.clone())?);

        let responder_key = SigningKey::generate(KeyKind::EcP256)?;
        let responder_cert = CertificateBuilder::new(&name("ecert Test OCSP Responder"), responder_key.spki_der())?
            .serial(&[0x04])
            .validity(now - 3 * year, now + 5 * year)
            .key_usage(KeyUsage::DIGITAL_SIGNATURE)
            .extended_key_usage(&[rfc5280::ID_KP_OCSP_SIGNING], false)
            .extension(ID_PKIX_OCSP_NOCHECK, false, DER_NULL)?
            .build(&ca)?;
        let ocsp_responder = Arc::new(SignerCredentials::new(responder_key, responder_cert, chain.clone())?);

        let revoked_at = now - Duration::hours(1);
        let mut issued = Vec::new();
        for (i, signer) in TestSigner::ALL.into_iter().enumerate() {
            let (not_before, not_after) = match signer {
                TestSigner::Expired => (now - 2 * year, now - year),
                TestSigner::NotYetValid => (now + year, now + 2 * year),
                _ => (now - Duration::days(1), now + 2 * year),
            };
            let usage = match signer {
                TestSigner::KeyCertSignOnly => KeyUsage::KEY_CERT_SIGN,
                TestSigner::NoDigitalSignature => KeyUsage::KEY_ENCIPHERMENT,
                _ => signing,
            };
            let key = SigningKey::generate(signer.key_kind())?;
            let cert = CertificateBuilder::new(&name(signer.common_name()), key.spki_der())?
                .serial(&[0x10, i as u8 + 1])
                .validity(not_before, not_after)
                .key_usage(usage)
                .build(&ca)?;
            issued.push((signer, SignerCredentials::new(key, cert, chain.clone())?));
        }

        let next_update = now + Duration::days(7);
        let this_update = now - Duration::hours(1);
        let mut crl = CrlBuilder::new(&ca, this_update, next_update, 1);
        let mut signers = Vec::new();
        for (signer, creds) in issued {
            let status = if signer == TestSigner::Revoked {
                crl = crl.revoke(creds.certificate.serial_bytes(), revoked_at, Some(CrlReason::KeyCompromise));
                CertStatus::Revoked { time: revoked_at, reason: Some(CrlReason::KeyCompromise) }
            } else {
                CertStatus::Good
            };
            let ocsp = OcspResponseBuilder::new(&ocsp_responder, &ca.certificate, now)
                .status(&creds.certificate, status, this_update, Some(next_update))
                .build()?;
            signers.push((signer, TestIdentity { credentials: Arc::new(creds), ocsp }));
        }
        let crl = crl.build()?;
        let root_crl = CrlBuilder::new(&root, this_update, next_update, 1).build()?;
        Ok(TestPki { now, root, ca, tsa, ocsp_responder, signers, crl, root_crl })
    }

    /// One PKI per process, generated on first use (RSA key generation is the slow part of tests).
    pub fn shared() -> Result<&'static TestPki> {
        static SHARED: OnceLock<std::result::Result<TestPki, String>> = OnceLock::new();
        SHARED
            .get_or_init(|| TestPki::generate().map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| Error::TestPki(e.clone()))
    }

    pub fn signer(&self, which: TestSigner) -> &TestIdentity {
        // `signers` holds every variant in `TestSigner::ALL` order, which is declaration order.
        &self.signers[which as usize].1
    }

    /// The trust anchor.
    pub fn root_certificate(&self) -> &Certificate {
        &self.root.certificate
    }

    /// CRL of the issuing CA (lists the revoked signer).
    pub fn crl(&self) -> &Crl {
        &self.crl
    }

    /// CRL of the root (empty: the issuing CA is not revoked).
    pub fn root_crl(&self) -> &Crl {
        &self.root_crl
    }

    /// A TSA answering with the PKI's TSA certificate.
    pub fn test_tsa(&self) -> Arc<TestTsa> {
        Arc::new(TestTsa::new(Arc::clone(&self.tsa)))
    }

    /// Writes the PKI as files into `dir` (created if missing) and returns the paths written.
    pub fn write_pem_dir(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        std::fs::create_dir_all(dir)?;
        let mut written = Vec::new();
        let mut readme = String::from(README_HEAD);
        let mut put = |file: &str, bytes: &[u8], what: &str| -> Result<()> {
            let path = dir.join(file);
            std::fs::write(&path, bytes)?;
            readme.push_str(&format!("| `{file}` | {what} |\n"));
            written.push(path);
            Ok(())
        };
        let key_pem = |c: &SignerCredentials| c.key.to_pkcs8_pem();
        put("root-ca.pem", self.root.certificate.to_pem().as_bytes(), "root CA certificate: the trust anchor")?;
        put("root-ca.key.pem", key_pem(&self.root)?.as_bytes(), "root CA private key (PKCS#8)")?;
        put("issuing-ca.pem", self.ca.certificate.to_pem().as_bytes(), "CAB issuing CA certificate (pathLen 0)")?;
        put("issuing-ca.key.pem", key_pem(&self.ca)?.as_bytes(), "CAB issuing CA private key (PKCS#8)")?;
        let chain = format!("{}{}", self.ca.certificate.to_pem(), self.root.certificate.to_pem());
        put("chain.pem", chain.as_bytes(), "issuing CA + root, for `--chain` style options")?;
        put("issuing-ca.crl.pem", self.crl.to_pem().as_bytes(), "CRL of the issuing CA (lists the revoked signer)")?;
        put("root-ca.crl.pem", self.root_crl.to_pem().as_bytes(), "CRL of the root CA (empty)")?;
        put("tsa.pem", self.tsa.certificate.to_pem().as_bytes(), "TSA certificate (critical EKU timeStamping)")?;
        put("tsa.key.pem", key_pem(&self.tsa)?.as_bytes(), "TSA private key (PKCS#8)")?;
        put(
            "ocsp-responder.pem",
            self.ocsp_responder.certificate.to_pem().as_bytes(),
            "delegated OCSP responder certificate",
        )?;
        put(
            "ocsp-responder.key.pem",
            key_pem(&self.ocsp_responder)?.as_bytes(),
            "OCSP responder private key (PKCS#8)",
        )?;
        for (signer, id) in &self.signers {
            let stem = signer.stem();
            let what = signer.description();
            put(
                &format!("{stem}.pem"),
                id.credentials.certificate.to_pem().as_bytes(),
                &format!("certificate: {what}"),
            )?;
            put(
                &format!("{stem}.key.pem"),
                key_pem(&id.credentials)?.as_bytes(),
                &format!("private key (PKCS#8): {what}"),
            )?;
            put(&format!("{stem}.ocsp.der"), id.ocsp.der(), &format!("OCSP response (DER): {what}"))?;
        }
        let valid = &self.signer(TestSigner::ValidRsa).credentials;
        put(
            "signer-valid-rsa.p12",
            &valid.to_pkcs12(DEMO_P12_PASSPHRASE)?,
            "PKCS#12 of the valid RSA signer with its chain, passphrase `demo`",
        )?;
        readme.push_str(&format!("\nGenerated at {} (validity periods are relative to this time).\n", self.now));
        let path = dir.join("README.md");
        std::fs::write(&path, readme)?;
        written.push(path);
        Ok(written)
    }
}

const README_HEAD: &str = "# ecert demo PKI\n\n\
A throw-away test PKI generated by `ecert pki demo`. Never use these keys for anything real.\n\
Subjects are `CN=...,O=ecert Test PKI,C=KZ`; every signer is issued by the CAB issuing CA.\n\n\
| file | what it is |\n|---|---|\n";
