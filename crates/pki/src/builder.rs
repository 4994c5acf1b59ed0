//! Certificate construction: build the TBSCertificate, DER-encode it, sign it with aws-lc-rs.

use std::str::FromStr;

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5280;
use der::asn1::{BitString, OctetString};
use der::{Decode, Encode};
use spki::SubjectPublicKeyInfoOwned;
use time::OffsetDateTime;
use x509_cert::ext::{Extension, pkix};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;

use crate::alg::DigestAlgorithm;
use crate::cert::{BasicConstraints, Certificate, KeyUsage};
use crate::encoding;
use crate::error::{Error, Result};
use crate::keys::{SignerCredentials, SigningKey};

/// Builds and signs X.509 certificates (v3 by default).
#[derive(Debug, Clone)]
pub struct CertificateBuilder {
    subject: Name,
    spki_der: Vec<u8>,
    serial: Option<Vec<u8>>,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    key_usage: Option<KeyUsage>,
    eku: Option<(Vec<ObjectIdentifier>, bool)>,
    basic_constraints: Option<BasicConstraints>,
    version1: bool,
    extra: Vec<Extension>,
    digest: DigestAlgorithm,
}

/// Parses an RFC 4514 distinguished name (e.g. `CN=Signer,O=CAB,C=KZ`).
pub fn parse_name(dn: &str) -> Result<Name> {
    Name::from_str(dn).map_err(|e| Error::malformed("distinguished name", e))
}

impl CertificateBuilder {
    /// `subject` is an RFC 4514 string; `spki_der` the subject's public key. Validity defaults
    /// to one year from now.
    pub fn new(subject: &str, spki_der: &[u8]) -> Result<Self> {
        // Only the SPKI syntax is checked: tests deliberately certify keys ecert would refuse.
        SubjectPublicKeyInfoOwned::from_der(spki_der).map_err(|e| Error::malformed("SubjectPublicKeyInfo", e))?;
        let now = OffsetDateTime::now_utc();
        Ok(CertificateBuilder {
            subject: parse_name(subject)?,
            spki_der: spki_der.to_vec(),
            serial: None,
            not_before: now,
            not_after: now + time::Duration::days(365),
            key_usage: None,
            eku: None,
            basic_constraints: None,
            version1: false,
            extra: Vec::new(),
            digest: DigestAlgorithm::Sha256,
        })
    }

    /// Positive serial as big-endian bytes (random 128-bit by default).
    pub fn serial(mut self, serial: &[u8]) -> Self {
        self.serial = Some(serial.to_vec());
        self
    }

    pub fn validity(mut self, not_before: OffsetDateTime, not_after: OffsetDateTime) -> Self {
        self.not_before = not_before;
        self.not_after = not_after;
        self
    }

    /// Critical key usage extension.
    pub fn key_usage(mut self, usage: KeyUsage) -> Self {
        self.key_usage = Some(usage);
        self
    }

    pub fn extended_key_usage(mut self, purposes: &[ObjectIdentifier], critical: bool) -> Self {
        self.eku = Some((purposes.to_vec(), critical));
        self
    }

    /// Critical basicConstraints cA=TRUE with an optional path length.
    pub fn ca(mut self, path_len: Option<u8>) -> Self {
        self.basic_constraints = Some(BasicConstraints { ca: true, path_len });
        self
    }

    /// X.509 v1 (no extensions at all): only for testing rejection paths.
    pub fn version1(mut self) -> Self {
        self.version1 = true;
        self
    }

    /// Any further extension, value given as DER.
    pub fn extension(mut self, oid: ObjectIdentifier, critical: bool, value_der: &[u8]) -> Result<Self> {
        let extn_value = OctetString::new(value_der).map_err(|e| Error::malformed("extension", e))?;
        self.extra.push(Extension { extn_id: oid, critical, extn_value });
        Ok(self)
    }

    /// Hash used by the issuer's signature (SHA-256 by default).
    pub fn signature_digest(mut self, digest: DigestAlgorithm) -> Self {
        self.digest = digest;
        self
    }

    /// Self-signed: the subject is also the issuer, `key` must hold the subject key.
    pub fn build_self_signed(self, key: &SigningKey) -> Result<Certificate> {
        if key.spki_der() != self.spki_der.as_slice() {
            return Err(Error::KeyCertMismatch);
        }
        let issuer = self.subject.clone();
        let aki = self.key_id();
        self.sign(issuer, aki, key)
    }

    /// Issued by `issuer` (its certificate supplies the issuer name and authority key id).
    pub fn build(self, issuer: &SignerCredentials) -> Result<Certificate> {
        let issuer_name = issuer.certificate.inner().tbs_certificate.subject.clone();
        let aki = issuer.certificate.subject_key_id().map(<[u8]>::to_vec).unwrap_or_else(|| {
            // Issuers without SKI get the same derivation as ours, so AKI still links them.
            key_id_of(issuer.certificate.spki_der())
        });
        self.sign(issuer_name, aki, &issuer.key)
    }

    fn key_id(&self) -> Vec<u8> {
        key_id_of(&self.spki_der)
    }

    fn extensions(&self, aki: Vec<u8>) -> Result<Vec<Extension>> {
        let enc = |what, r: der::Result<Vec<u8>>| r.map_err(|e| Error::malformed(what, e));
        let mut exts = Vec::new();
        let mut push = |oid, critical, value: Vec<u8>| -> Result<()> {
            let extn_value = OctetString::new(value).map_err(|e| Error::malformed("extension", e))?;
            exts.push(Extension { extn_id: oid, critical, extn_value });
            Ok(())
        };
        if let Some(bc) = self.basic_constraints {
            let value = pkix::BasicConstraints { ca: bc.ca, path_len_constraint: bc.path_len };
            push(rfc5280::ID_CE_BASIC_CONSTRAINTS, true, enc("basicConstraints", value.to_der())?)?;
        }
        if let Some(ku) = self.key_usage {
            push(rfc5280::ID_CE_KEY_USAGE, true, enc("keyUsage", ku.to_x509().to_der())?)?;
        }
        if let Some((purposes, critical)) = &self.eku {
            let value = pkix::ExtendedKeyUsage(purposes.clone());
            push(rfc5280::ID_CE_EXT_KEY_USAGE, *critical, enc("extKeyUsage", value.to_der())?)?;
        }
        let ski = OctetString::new(self.key_id()).map_err(|e| Error::malformed("SKI", e))?;
        push(rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER, false, enc("SKI", pkix::SubjectKeyIdentifier(ski).to_der())?)?;
        let aki = pkix::AuthorityKeyIdentifier {
            key_identifier: Some(OctetString::new(aki).map_err(|e| Error::malformed("AKI", e))?),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        };
        push(rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER, false, enc("AKI", aki.to_der())?)?;
        exts.extend(self.extra.iter().cloned());
        Ok(exts)
    }

    fn sign(self, issuer: Name, aki: Vec<u8>, key: &SigningKey) -> Result<Certificate> {
        let alg = key.signature_algorithm(self.digest, false)?;
        let alg_id = alg.algorithm_identifier()?;
        let serial_bytes = match &self.serial {
            Some(s) => s.clone(),
            None => encoding::random_serial()?,
        };
        let serial = SerialNumber::new(&serial_bytes).map_err(|e| Error::malformed("serial number", e))?;
        let extensions = if self.version1 { None } else { Some(self.extensions(aki)?) };
        let tbs = x509_cert::TbsCertificate {
            version: if self.version1 { x509_cert::Version::V1 } else { x509_cert::Version::V3 },
            serial_number: serial,
            signature: alg_id.clone(),
            issuer,
            validity: Validity {
                not_before: encoding::time_to_x509(self.not_before)?,
                not_after: encoding::time_to_x509(self.not_after)?,
            },
            subject: self.subject,
            subject_public_key_info: SubjectPublicKeyInfoOwned::from_der(&self.spki_der)
                .map_err(|e| Error::malformed("SubjectPublicKeyInfo", e))?,
            issuer_unique_id: None,
            subject_unique_id: None,
            extensions,
        };
        let tbs_der = tbs.to_der().map_err(|e| Error::malformed("TBSCertificate", e))?;
        let signature = key.sign(&alg, &tbs_der)?;
        let cert = x509_cert::Certificate {
            tbs_certificate: tbs,
            signature_algorithm: alg_id,
            signature: BitString::from_bytes(&signature).map_err(|e| Error::malformed("signature", e))?,
        };
        Certificate::from_der(&cert.to_der().map_err(|e| Error::malformed("certificate", e))?)
    }
}

/// Key identifier: the first 20 bytes of SHA-256 over the subjectPublicKey bits (RFC 7093 §2 method 1).
pub(crate) fn key_id_of(spki_der: &[u8]) -> Vec<u8> {
    let bits = crate::alg::parse_spki(spki_der).map(|k| k.key_bits.to_vec()).unwrap_or_else(|_| spki_der.to_vec());
    let mut id = DigestAlgorithm::Sha256.digest(&bits);
    id.truncate(20);
    id
}
