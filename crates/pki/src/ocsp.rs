//! OCSP responses (RFC 6960): building BasicOCSPResponses for the test PKI, parsing and
//! verifying them for validation.

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5280;
use der::asn1::{BitString, Null, OctetString};
use der::{Decode, Encode};
use spki::AlgorithmIdentifierOwned;
use time::OffsetDateTime;
use x509_cert::serial_number::SerialNumber;
use x509_ocsp::{BasicOcspResponse, CertId, OcspGeneralizedTime, ResponderId, ResponseData, RevokedInfo};

pub use x509_cert::ext::pkix::CrlReason;

use crate::alg::{self, DigestAlgorithm, SignatureAlgorithm};
use crate::cert::Certificate;
use crate::encoding::{self, MAX_DER_LEN, MAX_ITEMS, first_child_range, trim_serial};
use crate::error::{Error, Result};
use crate::keys::SignerCredentials;

/// id-pkix-ocsp-basic.
pub const ID_PKIX_OCSP_BASIC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.1");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertStatus {
    Good,
    Revoked { time: OffsetDateTime, reason: Option<CrlReason> },
    Unknown,
}

/// Hash used inside a CertID (SHA-1 CertIDs are what OpenSSL and most responders use).
pub use crate::alg::IdHash as CertIdHash;

/// One SingleResponse, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SingleStatus {
    pub hash: CertIdHash,
    pub issuer_name_hash: Vec<u8>,
    pub issuer_key_hash: Vec<u8>,
    /// Serial without leading zeros.
    pub serial: Vec<u8>,
    pub status: CertStatus,
    pub this_update: OffsetDateTime,
    pub next_update: Option<OffsetDateTime>,
}

impl SingleStatus {
    /// Whether this entry is about `cert` issued by `issuer`.
    pub fn matches(&self, cert: &Certificate, issuer: &Certificate) -> bool {
        let Ok(key) = alg::parse_spki(issuer.spki_der()) else { return false };
        self.serial == trim_serial(cert.serial_bytes())
            && self.issuer_name_hash == self.hash.hash(issuer.subject_der())
            && self.issuer_key_hash == self.hash.hash(key.key_bits)
    }

    /// `this_update <= t <= next_update` (without nextUpdate, only `this_update <= t`).
    pub fn is_fresh_at(&self, t: OffsetDateTime) -> bool {
        self.this_update <= t && self.next_update.is_none_or(|n| t <= n)
    }
}

struct Entry {
    serial: Vec<u8>,
    status: CertStatus,
    this_update: OffsetDateTime,
    next_update: Option<OffsetDateTime>,
}

/// Builds a successful OCSP response with a BasicOCSPResponse signed by `responder`: either the
/// issuing CA itself or a delegated responder certified by it (EKU id-kp-OCSPSigning).
pub struct OcspResponseBuilder<'a> {
    responder: &'a SignerCredentials,
    issuer: &'a Certificate,
    produced_at: OffsetDateTime,
    entries: Vec<Entry>,
    cert_id_hash: CertIdHash,
    digest: DigestAlgorithm,
}

impl<'a> OcspResponseBuilder<'a> {
    pub fn new(responder: &'a SignerCredentials, issuer: &'a Certificate, produced_at: OffsetDateTime) -> Self {
        OcspResponseBuilder {
            responder,
            issuer,
            produced_at,
            entries: Vec::new(),
            cert_id_hash: CertIdHash::Sha1,
            digest: DigestAlgorithm::Sha256,
        }
    }

    /// Use SHA-256 (or another SHA-2) CertIDs instead of SHA-1.
    pub fn cert_id_hash(mut self, hash: CertIdHash) -> Self {
        self.cert_id_hash = hash;
        self
    }

    pub fn status(
        mut self,
        cert: &Certificate,
        status: CertStatus,
        this_update: OffsetDateTime,
        next_update: Option<OffsetDateTime>,
    ) -> Self {
        self.entries.push(Entry {
            serial: trim_serial(cert.serial_bytes()).to_vec(),
            status,
            this_update,
            next_update,
        });
        self
    }

    pub fn build(self) -> Result<OcspResponse> {
        let enc = |what| move |e: der::Error| Error::malformed(what, e);
        let issuer_key = alg::parse_spki(self.issuer.spki_der())?;
        let gtime = |t| encoding::time_to_generalized(t).map(OcspGeneralizedTime);
        let mut responses = Vec::with_capacity(self.entries.len());
        for e in &self.entries {
            let cert_status = match e.status {
                CertStatus::Good => x509_ocsp::CertStatus::Good(Null),
                CertStatus::Revoked { time, reason } => x509_ocsp::CertStatus::Revoked(RevokedInfo {
                    revocation_time: gtime(time)?,
                    revocation_reason: reason,
                }),
                CertStatus::Unknown => x509_ocsp::CertStatus::Unknown(Null),
            };
            responses.push(x509_ocsp::SingleResponse {
                cert_id: CertId {
                    hash_algorithm: AlgorithmIdentifierOwned {
                        oid: self.cert_id_hash.oid(),
                        parameters: Some(der::Any::null()),
                    },
                    issuer_name_hash: OctetString::new(self.cert_id_hash.hash(self.issuer.subject_der()))
                        .map_err(enc("CertID"))?,
                    issuer_key_hash: OctetString::new(self.cert_id_hash.hash(issuer_key.key_bits))
                        .map_err(enc("CertID"))?,
                    serial_number: SerialNumber::new(&e.serial).map_err(enc("serial number"))?,
                },
                cert_status,
                this_update: gtime(e.this_update)?,
                next_update: e.next_update.map(gtime).transpose()?,
                single_extensions: None,
            });
        }
        let responder_key = alg::parse_spki(self.responder.certificate.spki_der())?;
        let key_hash = CertIdHash::Sha1.hash(responder_key.key_bits);
        let tbs = ResponseData {
            version: x509_ocsp::Version::V1,
            responder_id: ResponderId::ByKey(OctetString::new(key_hash).map_err(enc("ResponderID"))?),
            produced_at: gtime(self.produced_at)?,
            responses,
            response_extensions: None,
        };
        let alg = self.responder.key.signature_algorithm(self.digest, false)?;
        let tbs_der = tbs.to_der().map_err(enc("ResponseData"))?;
        let signature = self.responder.key.sign(&alg, &tbs_der)?;
        // A delegated responder ships its certificate so clients can check the delegation.
        let certs = if self.responder.certificate == *self.issuer {
            None
        } else {
            Some(vec![self.responder.certificate.inner().clone()])
        };
        let basic = BasicOcspResponse {
            tbs_response_data: tbs,
            signature_algorithm: alg.algorithm_identifier()?,
            signature: BitString::from_bytes(&signature).map_err(enc("signature"))?,
            certs,
        };
        let response = x509_ocsp::OcspResponse::successful(basic).map_err(enc("OCSPResponse"))?;
        OcspResponse::from_der(&response.to_der().map_err(enc("OCSPResponse"))?)
    }
}

/// OCSPResponseStatus (RFC 6960 §4.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseStatus {
    Successful,
    MalformedRequest,
    InternalError,
    TryLater,
    SigRequired,
    Unauthorized,
}

#[derive(Debug, Clone)]
struct Basic {
    tbs_range: std::ops::Range<usize>,
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: Vec<u8>,
    responder_id: ResponderId,
    produced_at: OffsetDateTime,
    responses: Vec<SingleStatus>,
    certs: Vec<Certificate>,
    /// The BasicOCSPResponse DER (the tbs range indexes into it).
    der: Vec<u8>,
}

/// A parsed OCSPResponse. Non-successful responses parse fine and report their status.
#[derive(Debug, Clone)]
pub struct OcspResponse {
    der: Vec<u8>,
    status: ResponseStatus,
    basic: Option<Basic>,
}

impl OcspResponse {
    /// Parses a full OCSPResponse.
    pub fn from_der(der_bytes: &[u8]) -> Result<Self> {
        encoding::check_len("OCSP response", der_bytes.len(), MAX_DER_LEN)?;
        let resp = x509_ocsp::OcspResponse::from_der(der_bytes).map_err(|e| Error::malformed("OCSP response", e))?;
        use x509_ocsp::OcspResponseStatus as S;
        let status = match resp.response_status {
            S::Successful => ResponseStatus::Successful,
            S::MalformedRequest => ResponseStatus::MalformedRequest,
            S::InternalError => ResponseStatus::InternalError,
            S::TryLater => ResponseStatus::TryLater,
            S::SigRequired => ResponseStatus::SigRequired,
            S::Unauthorized => ResponseStatus::Unauthorized,
        };
        let basic = match (&status, resp.response_bytes) {
            (ResponseStatus::Successful, Some(bytes)) => {
                if bytes.response_type != ID_PKIX_OCSP_BASIC {
                    return Err(Error::Revocation(format!("unsupported OCSP response type {}", bytes.response_type)));
                }
                Some(Self::parse_basic(bytes.response.as_bytes())?)
            }
            (ResponseStatus::Successful, None) => {
                return Err(Error::Revocation("successful OCSP response without responseBytes".into()));
            }
            _ => None,
        };
        Ok(OcspResponse { der: der_bytes.to_vec(), status, basic })
    }

    /// Parses a bare BasicOCSPResponse (some tools store these instead of full OCSPResponses);
    /// it is reported with status Successful.
    pub fn from_basic_der(der_bytes: &[u8]) -> Result<Self> {
        encoding::check_len("OCSP response", der_bytes.len(), MAX_DER_LEN)?;
        Ok(OcspResponse {
            der: der_bytes.to_vec(),
            status: ResponseStatus::Successful,
            basic: Some(Self::parse_basic(der_bytes)?),
        })
    }

    fn parse_basic(der_bytes: &[u8]) -> Result<Basic> {
        let basic = BasicOcspResponse::from_der(der_bytes).map_err(|e| Error::malformed("BasicOCSPResponse", e))?;
        let tbs_range = first_child_range("BasicOCSPResponse", der_bytes)?;
        let tbs = &basic.tbs_response_data;
        if tbs.responses.len() > MAX_ITEMS {
            return Err(Error::TooMany { what: "OCSP single responses", limit: MAX_ITEMS });
        }
        if let Some(ext) = tbs.response_extensions.iter().flatten().find(|e| e.critical && e.extn_id != NONCE) {
            return Err(Error::Revocation(format!("OCSP response has unsupported critical extension {}", ext.extn_id)));
        }
        let mut responses = Vec::with_capacity(tbs.responses.len());
        for single in &tbs.responses {
            let status = match &single.cert_status {
                x509_ocsp::CertStatus::Good(_) => CertStatus::Good,
                x509_ocsp::CertStatus::Revoked(info) => CertStatus::Revoked {
                    time: encoding::time_from_generalized(&info.revocation_time.0)?,
                    reason: info.revocation_reason,
                },
                x509_ocsp::CertStatus::Unknown(_) => CertStatus::Unknown,
            };
            responses.push(SingleStatus {
                hash: CertIdHash::from_oid(&single.cert_id.hash_algorithm.oid)?,
                issuer_name_hash: single.cert_id.issuer_name_hash.as_bytes().to_vec(),
                issuer_key_hash: single.cert_id.issuer_key_hash.as_bytes().to_vec(),
                serial: trim_serial(single.cert_id.serial_number.as_bytes()).to_vec(),
                status,
                this_update: encoding::time_from_generalized(&single.this_update.0)?,
                next_update: single.next_update.as_ref().map(|t| encoding::time_from_generalized(&t.0)).transpose()?,
            });
        }
        let certs = basic
            .certs
            .iter()
            .flatten()
            .map(|c| Certificate::from_der(&c.to_der().map_err(|e| Error::malformed("OCSP certificate", e))?))
            .collect::<Result<Vec<_>>>()?;
        Ok(Basic {
            tbs_range,
            signature_algorithm: basic.signature_algorithm.clone(),
            signature: basic
                .signature
                .as_bytes()
                .ok_or_else(|| Error::malformed("OCSP signature", "BIT STRING has unused bits"))?
                .to_vec(),
            responder_id: tbs.responder_id.clone(),
            produced_at: encoding::time_from_generalized(&tbs.produced_at.0)?,
            responses,
            certs,
            der: der_bytes.to_vec(),
        })
    }

    pub fn der(&self) -> &[u8] {
        &self.der
    }

    pub fn response_status(&self) -> ResponseStatus {
        self.status
    }

    fn basic(&self) -> Result<&Basic> {
        self.basic.as_ref().ok_or_else(|| Error::Revocation(format!("OCSP response status is {:?}", self.status)))
    }

    pub fn produced_at(&self) -> Result<OffsetDateTime> {
        Ok(self.basic()?.produced_at)
    }

    pub fn responses(&self) -> &[SingleStatus] {
        self.basic.as_ref().map(|b| b.responses.as_slice()).unwrap_or_default()
    }

    /// Certificates shipped in the response (delegated responder and its chain).
    pub fn certificates(&self) -> &[Certificate] {
        self.basic.as_ref().map(|b| b.certs.as_slice()).unwrap_or_default()
    }

    pub fn find_status(&self, cert: &Certificate, issuer: &Certificate) -> Option<&SingleStatus> {
        self.responses().iter().find(|s| s.matches(cert, issuer))
    }

    /// Verifies the response signature and returns the responder certificate: `issuer` itself,
    /// or a delegated responder from the response that `issuer` signed and that carries
    /// id-kp-OCSPSigning (RFC 6960 §4.2.2.2).
    pub fn verify_signature(&self, issuer: &Certificate) -> Result<Certificate> {
        let basic = self.basic()?;
        let responder = if responder_id_matches(&basic.responder_id, issuer) {
            issuer.clone()
        } else {
            let delegated =
                basic.certs.iter().find(|c| responder_id_matches(&basic.responder_id, c)).ok_or_else(|| {
                    Error::Revocation("OCSP responder is neither the issuer nor a certificate in the response".into())
                })?;
            delegated
                .verify_issued_by(issuer)
                .map_err(|e| Error::Revocation(format!("delegated OCSP responder not issued by the CA: {e}")))?;
            if !delegated.extended_key_usage().unwrap_or_default().contains(&rfc5280::ID_KP_OCSP_SIGNING) {
                return Err(Error::Revocation("delegated OCSP responder lacks id-kp-OCSPSigning".into()));
            }
            delegated.clone()
        };
        let alg = SignatureAlgorithm::from_algorithm_identifier(&basic.signature_algorithm)?;
        alg::verify_signature(responder.spki_der(), &alg, &basic.der[basic.tbs_range.clone()], &basic.signature)?;
        Ok(responder)
    }
}

/// id-pkix-ocsp-nonce: the only response extension that may be critical and still be understood.
const NONCE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.2");

fn responder_id_matches(id: &ResponderId, cert: &Certificate) -> bool {
    match id {
        ResponderId::ByName(name) => name.to_der().is_ok_and(|d| d == cert.subject_der()),
        ResponderId::ByKey(hash) => {
            alg::parse_spki(cert.spki_der()).is_ok_and(|k| CertIdHash::Sha1.hash(k.key_bits) == hash.as_bytes())
        }
    }
}
