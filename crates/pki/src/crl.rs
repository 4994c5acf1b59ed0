//! X.509 CRLs (RFC 5280 §5): building for the test PKI, parsing and verification for validation.

use const_oid::db::rfc5280;
use der::asn1::{BitString, OctetString, Uint};
use der::{Decode, Encode};
use time::OffsetDateTime;
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, CrlNumber};
use x509_cert::serial_number::SerialNumber;

pub use x509_cert::ext::pkix::CrlReason;

use crate::alg::{self, DigestAlgorithm, SignatureAlgorithm};
use crate::cert::{Certificate, KeyUsage};
use crate::encoding::{self, MAX_DER_LEN, first_child_range, trim_serial};
use crate::error::{Error, Result};
use crate::keys::SignerCredentials;

/// Most revoked entries we read from one CRL.
pub const MAX_CRL_ENTRIES: usize = 1_000_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedEntry {
    /// Serial content bytes without leading zeros.
    pub serial: Vec<u8>,
    pub revoked_at: OffsetDateTime,
    pub reason: Option<CrlReason>,
}

impl RevokedEntry {
    pub fn serial_hex(&self) -> String {
        encoding::serial_hex(&self.serial)
    }
}

/// Builds a v2 CRL signed by `issuer` (which must be a CA with cRLSign in real use).
pub struct CrlBuilder<'a> {
    issuer: &'a SignerCredentials,
    this_update: OffsetDateTime,
    next_update: OffsetDateTime,
    number: u64,
    entries: Vec<RevokedEntry>,
    digest: DigestAlgorithm,
}

impl<'a> CrlBuilder<'a> {
    pub fn new(
        issuer: &'a SignerCredentials,
        this_update: OffsetDateTime,
        next_update: OffsetDateTime,
        number: u64,
    ) -> Self {
        CrlBuilder { issuer, this_update, next_update, number, entries: Vec::new(), digest: DigestAlgorithm::Sha256 }
    }

    pub fn revoke(mut self, serial: &[u8], revoked_at: OffsetDateTime, reason: Option<CrlReason>) -> Self {
        self.entries.push(RevokedEntry { serial: trim_serial(serial).to_vec(), revoked_at, reason });
        self
    }

    pub fn build(self) -> Result<Crl> {
        let alg = self.issuer.key.signature_algorithm(self.digest, false)?;
        let alg_id = alg.algorithm_identifier()?;
        let enc_err = |what| move |e: der::Error| Error::malformed(what, e);
        let mut revoked = Vec::with_capacity(self.entries.len());
        for entry in &self.entries {
            let reason_ext = match entry.reason {
                Some(reason) => Some(vec![Extension {
                    extn_id: rfc5280::ID_CE_CRL_REASONS,
                    critical: false,
                    extn_value: OctetString::new(reason.to_der().map_err(enc_err("CRL reason"))?)
                        .map_err(enc_err("CRL reason"))?,
                }]),
                None => None,
            };
            revoked.push(RevokedCert {
                serial_number: SerialNumber::new(&entry.serial).map_err(enc_err("serial number"))?,
                revocation_date: encoding::time_to_x509(entry.revoked_at)?,
                crl_entry_extensions: reason_ext,
            });
        }
        let number = CrlNumber(Uint::new(&self.number.to_be_bytes()).map_err(enc_err("CRL number"))?);
        let aki = AuthorityKeyIdentifier {
            key_identifier: self
                .issuer
                .certificate
                .subject_key_id()
                .map(|k| OctetString::new(k.to_vec()))
                .transpose()
                .map_err(enc_err("AKI"))?,
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        };
        let extensions = vec![
            Extension {
                extn_id: rfc5280::ID_CE_CRL_NUMBER,
                critical: false,
                extn_value: OctetString::new(number.to_der().map_err(enc_err("CRL number"))?)
                    .map_err(enc_err("CRL number"))?,
            },
            Extension {
                extn_id: rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER,
                critical: false,
                extn_value: OctetString::new(aki.to_der().map_err(enc_err("AKI"))?).map_err(enc_err("AKI"))?,
            },
        ];
        let tbs = TbsCertList {
            version: x509_cert::Version::V2,
            signature: alg_id.clone(),
            issuer: self.issuer.certificate.inner().tbs_certificate.subject.clone(),
            this_update: encoding::time_to_x509(self.this_update)?,
            next_update: Some(encoding::time_to_x509(self.next_update)?),
            revoked_certificates: if revoked.is_empty() { None } else { Some(revoked) },
            crl_extensions: Some(extensions),
        };
        let tbs_der = tbs.to_der().map_err(enc_err("TBSCertList"))?;
        let signature = self.issuer.key.sign(&alg, &tbs_der)?;
        let list = CertificateList {
            tbs_cert_list: tbs,
            signature_algorithm: alg_id,
            signature: BitString::from_bytes(&signature).map_err(enc_err("signature"))?,
        };
        Crl::from_der(&list.to_der().map_err(enc_err("CRL"))?)
    }
}

/// A parsed CRL. Unknown critical CRL or entry extensions (delta CRLs, issuing distribution
/// points) are refused at parse time: using such a CRL as if it were complete would be wrong.
#[derive(Debug, Clone)]
pub struct Crl {
    der: Vec<u8>,
    inner: CertificateList,
    tbs_range: std::ops::Range<usize>,
    entries: Vec<RevokedEntry>,
    number: Option<Vec<u8>>,
    issuer_der: Vec<u8>,
}

impl Crl {
    pub fn from_der(der_bytes: &[u8]) -> Result<Self> {
        encoding::check_len("CRL", der_bytes.len(), MAX_DER_LEN)?;
        let inner = CertificateList::from_der(der_bytes).map_err(|e| Error::malformed("CRL", e))?;
        let tbs_range = first_child_range("CRL", der_bytes)?;
        let mut number = None;
        for ext in inner.tbs_cert_list.crl_extensions.iter().flatten() {
            match ext.extn_id {
                rfc5280::ID_CE_CRL_NUMBER => {
                    let n = CrlNumber::from_der(ext.extn_value.as_bytes())
                        .map_err(|e| Error::malformed("CRL number", e))?;
                    number = Some(n.0.as_bytes().to_vec());
                }
                rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER => {}
                oid if ext.critical => {
                    return Err(Error::Revocation(format!("CRL has unsupported critical extension {oid}")));
                }
                _ => {}
            }
        }
        let revoked = inner.tbs_cert_list.revoked_certificates.as_deref().unwrap_or_default();
        if revoked.len() > MAX_CRL_ENTRIES {
            return Err(Error::TooMany { what: "CRL entries", limit: MAX_CRL_ENTRIES });
        }
        let mut entries = Vec::with_capacity(revoked.len());
        for rc in revoked {
            let mut reason = None;
            for ext in rc.crl_entry_extensions.iter().flatten() {
                match ext.extn_id {
                    rfc5280::ID_CE_CRL_REASONS => {
                        reason = Some(
                            CrlReason::from_der(ext.extn_value.as_bytes())
                                .map_err(|e| Error::malformed("CRL reason", e))?,
                        );
                    }
                    oid if ext.critical => {
                        return Err(Error::Revocation(format!("CRL entry has unsupported critical extension {oid}")));
                    }
                    _ => {}
                }
            }
            entries.push(RevokedEntry {
                serial: trim_serial(rc.serial_number.as_bytes()).to_vec(),
                revoked_at: encoding::time_from_x509(&rc.revocation_date)?,
                reason,
            });
        }
        let issuer_der = inner.tbs_cert_list.issuer.to_der().map_err(|e| Error::malformed("CRL issuer", e))?;
        Ok(Crl { der: der_bytes.to_vec(), inner, tbs_range, entries, number, issuer_der })
    }

    pub fn from_pem(pem: &str) -> Result<Self> {
        let block = encoding::pem_blocks(pem)?
            .into_iter()
            .find(|b| b.label == "X509 CRL")
            .ok_or(Error::PemNotFound { expected: "X509 CRL" })?;
        Self::from_der(&block.der)
    }

    pub fn der(&self) -> &[u8] {
        &self.der
    }

    pub fn to_pem(&self) -> String {
        encoding::pem_encode("X509 CRL", &self.der)
    }

    pub fn issuer(&self) -> String {
        self.inner.tbs_cert_list.issuer.to_string()
    }

    pub fn issuer_der(&self) -> &[u8] {
        &self.issuer_der
    }

    pub fn this_update(&self) -> Result<OffsetDateTime> {
        encoding::time_from_x509(&self.inner.tbs_cert_list.this_update)
    }

    pub fn next_update(&self) -> Result<Option<OffsetDateTime>> {
        self.inner.tbs_cert_list.next_update.as_ref().map(encoding::time_from_x509).transpose()
    }

    /// CRL number as hex, if present.
    pub fn crl_number_hex(&self) -> Option<String> {
        self.number.as_deref().map(encoding::serial_hex)
    }

    pub fn entries(&self) -> &[RevokedEntry] {
        &self.entries
    }

    /// The entry for a certificate serial (content bytes, leading zeros ignored).
    pub fn find(&self, serial: &[u8]) -> Option<&RevokedEntry> {
        let serial = trim_serial(serial);
        self.entries.iter().find(|e| e.serial == serial)
    }

    /// `this_update <= t <= next_update` (a CRL without nextUpdate is never fresh).
    pub fn is_fresh_at(&self, t: OffsetDateTime) -> Result<bool> {
        Ok(self.this_update()? <= t && self.next_update()?.is_some_and(|n| t <= n))
    }

    /// Checks issuer name, the issuer's cRLSign key usage (when it has a key usage extension)
    /// and the signature.
    pub fn verify_signature(&self, issuer: &Certificate) -> Result<()> {
        if self.issuer_der != issuer.subject_der() {
            return Err(Error::Revocation(format!("CRL issuer {} is not {}", self.issuer(), issuer.subject())));
        }
        if issuer.key_usage().is_some_and(|ku| !ku.contains(KeyUsage::CRL_SIGN)) {
            return Err(Error::Revocation("CRL issuer certificate lacks cRLSign".into()));
        }
        if self.inner.signature_algorithm != self.inner.tbs_cert_list.signature {
            return Err(Error::Revocation("outer and TBS signature algorithms differ".into()));
        }
        let alg = SignatureAlgorithm::from_algorithm_identifier(&self.inner.signature_algorithm)?;
        let sig = self
            .inner
            .signature
            .as_bytes()
            .ok_or_else(|| Error::malformed("CRL signature", "BIT STRING has unused bits"))?;
        alg::verify_signature(issuer.spki_der(), &alg, &self.der[self.tbs_range.clone()], sig)
    }
}
