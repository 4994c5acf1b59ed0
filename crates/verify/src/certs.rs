//! Parsed certificate with the accessors the validation layers need.

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5280 as ext_oid;
use der::{Decode, Encode};
use time::OffsetDateTime;
use x509_cert::Certificate;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages, SubjectKeyIdentifier};

use crate::crypto;
use crate::error::VerifyError;
use crate::report::CertificateSummary;

/// Extensions whose meaning the path layer understands; any other critical extension fails.
const UNDERSTOOD_EXTENSIONS: &[ObjectIdentifier] = &[
    ext_oid::ID_CE_KEY_USAGE,
    ext_oid::ID_CE_BASIC_CONSTRAINTS,
    ext_oid::ID_CE_EXT_KEY_USAGE,
    ext_oid::ID_CE_SUBJECT_KEY_IDENTIFIER,
    ext_oid::ID_CE_AUTHORITY_KEY_IDENTIFIER,
    ext_oid::ID_CE_CERTIFICATE_POLICIES,
    ext_oid::ID_CE_SUBJECT_ALT_NAME,
    ext_oid::ID_CE_CRL_DISTRIBUTION_POINTS,
    ext_oid::ID_PE_AUTHORITY_INFO_ACCESS,
    ext_oid::ID_CE_NAME_CONSTRAINTS,
    ext_oid::ID_CE_POLICY_CONSTRAINTS,
    ext_oid::ID_CE_INHIBIT_ANY_POLICY,
    // id-pe-qcStatements: informational for our purposes.
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.1.3"),
    // id-pkix-ocsp-nocheck
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.5"),
];

#[derive(Debug, Clone)]
pub struct ParsedCert {
    pub der: Vec<u8>,
    pub cert: Certificate,
    pub sha256: [u8; 32],
}

impl ParsedCert {
    pub fn parse(der: &[u8]) -> Result<ParsedCert, VerifyError> {
        let cert = Certificate::from_der(der).map_err(|e| VerifyError::Certificate(e.to_string()))?;
        Ok(ParsedCert { der: der.to_vec(), sha256: crypto::sha256(der), cert })
    }

    pub fn from_cert(cert: Certificate) -> Result<ParsedCert, VerifyError> {
        let der = cert.to_der().map_err(|e| VerifyError::Certificate(e.to_string()))?;
        Ok(ParsedCert { sha256: crypto::sha256(&der), der, cert })
    }

    pub fn subject(&self) -> String {
        self.cert.tbs_certificate.subject.to_string()
    }

    pub fn issuer(&self) -> String {
        self.cert.tbs_certificate.issuer.to_string()
    }

    pub fn fingerprint_hex(&self) -> String {
        hex::encode(self.sha256)
    }

    pub fn not_before(&self) -> Option<OffsetDateTime> {
        to_offset(self.cert.tbs_certificate.validity.not_before.to_unix_duration())
    }

    pub fn not_after(&self) -> Option<OffsetDateTime> {
        to_offset(self.cert.tbs_certificate.validity.not_after.to_unix_duration())
    }

    /// DER of the SubjectPublicKeyInfo.
    pub fn spki_der(&self) -> Result<Vec<u8>, VerifyError> {
        self.cert.tbs_certificate.subject_public_key_info.to_der().map_err(|e| VerifyError::Certificate(e.to_string()))
    }

    fn extension<T: for<'a> Decode<'a>>(&self, oid: ObjectIdentifier) -> Option<Result<T, VerifyError>> {
        let exts = self.cert.tbs_certificate.extensions.as_ref()?;
        let ext = exts.iter().find(|e| e.extn_id == oid)?;
        Some(
            T::from_der(ext.extn_value.as_bytes())
                .map_err(|e| VerifyError::Certificate(format!("extension {oid}: {e}"))),
        )
    }

    pub fn key_usage(&self) -> Result<Option<KeyUsage>, VerifyError> {
        self.extension::<KeyUsage>(ext_oid::ID_CE_KEY_USAGE).transpose()
    }

    pub fn basic_constraints(&self) -> Result<Option<BasicConstraints>, VerifyError> {
        self.extension::<BasicConstraints>(ext_oid::ID_CE_BASIC_CONSTRAINTS).transpose()
    }

    pub fn subject_key_id(&self) -> Option<Vec<u8>> {
        match self.extension::<SubjectKeyIdentifier>(ext_oid::ID_CE_SUBJECT_KEY_IDENTIFIER) {
            Some(Ok(ski)) => Some(ski.0.as_bytes().to_vec()),
            _ => None,
        }
    }

    /// Critical extensions this engine does not process.
    pub fn unknown_critical_extensions(&self) -> Vec<String> {
        self.cert
            .tbs_certificate
            .extensions
            .iter()
            .flatten()
            .filter(|e| e.critical && !UNDERSTOOD_EXTENSIONS.contains(&e.extn_id))
            .map(|e| e.extn_id.to_string())
            .collect()
    }

    pub fn is_ca(&self) -> bool {
        matches!(self.basic_constraints(), Ok(Some(bc)) if bc.ca)
    }

    pub fn can_sign_documents(&self) -> Result<bool, VerifyError> {
        Ok(match self.key_usage()? {
            None => true,
            Some(ku) => ku.0.contains(KeyUsages::DigitalSignature) || ku.0.contains(KeyUsages::NonRepudiation),
        })
    }

    pub fn can_sign_certificates(&self) -> Result<bool, VerifyError> {
        Ok(match self.key_usage()? {
            None => true,
            Some(ku) => ku.0.contains(KeyUsages::KeyCertSign),
        })
    }

    pub fn summary(&self) -> CertificateSummary {
        CertificateSummary {
            subject: self.subject(),
            issuer: self.issuer(),
            serial_hex: hex::encode(self.cert.tbs_certificate.serial_number.as_bytes()),
            sha256_fingerprint: self.fingerprint_hex(),
            not_before: self.not_before().map(crate::time_util::rfc3339).unwrap_or_default(),
            not_after: self.not_after().map(crate::time_util::rfc3339).unwrap_or_default(),
        }
    }
}

fn to_offset(d: std::time::Duration) -> Option<OffsetDateTime> {
    let secs = i64::try_from(d.as_secs()).ok()?;
    OffsetDateTime::from_unix_timestamp(secs).ok()
}

/// Every CERTIFICATE block of a PEM text, as DER.
pub fn pem_certificates(pem: &str) -> Result<Vec<Vec<u8>>, VerifyError> {
    let certs = Certificate::load_pem_chain(pem.as_bytes()).map_err(|e| VerifyError::BadAnchor(format!("PEM: {e}")))?;
    certs.into_iter().map(|c| c.to_der().map_err(|e| VerifyError::BadAnchor(e.to_string()))).collect()
}
