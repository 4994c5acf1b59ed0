//! Parsed X.509 certificates and the Public Key Registry admission rules.

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5280;
use der::{Decode, Encode};
use time::OffsetDateTime;
use x509_cert::ext::pkix;

use crate::alg::{self, KeyKind, SignatureAlgorithm};
use crate::encoding::{self, MAX_DER_LEN, MAX_ITEMS};
use crate::error::{Error, Result};

/// Extended key usages that allow a certificate to sign documents: anyExtendedKeyUsage,
/// id-kp-documentSigning (RFC 9336), emailProtection and clientAuth (what qualified signing
/// certificates in the wild carry), Adobe Authentic Documents Trust, Microsoft Document Signing.
pub const DOCUMENT_SIGNING_EKUS: [ObjectIdentifier; 6] = [
    rfc5280::ANY_EXTENDED_KEY_USAGE,
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.36"),
    rfc5280::ID_KP_EMAIL_PROTECTION,
    rfc5280::ID_KP_CLIENT_AUTH,
    ObjectIdentifier::new_unwrap("1.2.840.113583.1.1.5"),
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.10.3.12"),
];

/// Critical extensions that ecert understands: anything else marked critical makes a
/// certificate unusable (RFC 5280 §4.2). Name and policy constraints are absent on purpose:
/// ecert does not enforce them, so it must not accept them as critical.
pub const HANDLED_CRITICAL_EXTENSIONS: [ObjectIdentifier; 7] = [
    rfc5280::ID_CE_KEY_USAGE,
    rfc5280::ID_CE_EXT_KEY_USAGE,
    rfc5280::ID_CE_BASIC_CONSTRAINTS,
    rfc5280::ID_CE_SUBJECT_ALT_NAME,
    rfc5280::ID_CE_CERTIFICATE_POLICIES,
    rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER,
    rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER,
];

/// RFC 5280 key usage bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct KeyUsage(u16);

impl KeyUsage {
    pub const DIGITAL_SIGNATURE: KeyUsage = KeyUsage(1 << 0);
    pub const NON_REPUDIATION: KeyUsage = KeyUsage(1 << 1);
    pub const KEY_ENCIPHERMENT: KeyUsage = KeyUsage(1 << 2);
    pub const DATA_ENCIPHERMENT: KeyUsage = KeyUsage(1 << 3);
    pub const KEY_AGREEMENT: KeyUsage = KeyUsage(1 << 4);
    pub const KEY_CERT_SIGN: KeyUsage = KeyUsage(1 << 5);
    pub const CRL_SIGN: KeyUsage = KeyUsage(1 << 6);
    pub const ENCIPHER_ONLY: KeyUsage = KeyUsage(1 << 7);
    pub const DECIPHER_ONLY: KeyUsage = KeyUsage(1 << 8);

    const NAMES: [&'static str; 9] = [
        "digitalSignature",
        "nonRepudiation",
        "keyEncipherment",
        "dataEncipherment",
        "keyAgreement",
        "keyCertSign",
        "cRLSign",
        "encipherOnly",
        "decipherOnly",
    ];

    pub const fn bits(self) -> u16 {
        self.0
    }

    pub const fn from_bits(bits: u16) -> Self {
        KeyUsage(bits & 0x1ff)
    }

    pub const fn contains(self, other: KeyUsage) -> bool {
        self.0 & other.0 == other.0
    }

    pub const fn intersects(self, other: KeyUsage) -> bool {
        self.0 & other.0 != 0
    }

    /// RFC 5280 names of the bits that are set, in bit order.
    pub fn names(self) -> Vec<&'static str> {
        (0..Self::NAMES.len()).filter(|i| self.0 & (1 << i) != 0).map(|i| Self::NAMES[i]).collect()
    }

    pub(crate) fn to_x509(self) -> pkix::KeyUsage {
        use pkix::KeyUsages::*;
        let mut flags = pkix::KeyUsage(Default::default());
        let all = [
            DigitalSignature,
            NonRepudiation,
            KeyEncipherment,
            DataEncipherment,
            KeyAgreement,
            KeyCertSign,
            CRLSign,
            EncipherOnly,
            DecipherOnly,
        ];
        for (i, flag) in all.into_iter().enumerate() {
            if self.0 & (1 << i) != 0 {
                flags.0 |= flag;
            }
        }
        flags
    }
}

impl std::ops::BitOr for KeyUsage {
    type Output = KeyUsage;
    fn bitor(self, rhs: Self) -> Self {
        KeyUsage(self.0 | rhs.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BasicConstraints {
    pub ca: bool,
    pub path_len: Option<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtensionInfo {
    pub oid: ObjectIdentifier,
    pub critical: bool,
}

/// A certificate: the original DER bytes plus eagerly parsed fields.
///
/// Known extensions (key usage, EKU, basic constraints, SKI, AKI) are decoded at parse time;
/// malformed or duplicated extensions make the whole certificate a parse error, because a
/// validator must never "skip" an extension it could not read.
#[derive(Clone)]
pub struct Certificate {
    der: Vec<u8>,
    inner: x509_cert::Certificate,
    tbs_der_range: std::ops::Range<usize>,
    fingerprint: [u8; 32],
    spki_der: Vec<u8>,
    subject_der: Vec<u8>,
    issuer_der: Vec<u8>,
    extensions: Vec<ExtensionInfo>,
    key_usage: Option<KeyUsage>,
    eku: Option<(Vec<ObjectIdentifier>, bool)>,
    basic_constraints: Option<BasicConstraints>,
    ski: Option<Vec<u8>>,
    aki: Option<Vec<u8>>,
}

impl std::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject())
            .field("serial", &self.serial_hex())
            .field("fingerprint", &self.fingerprint_hex())
            .finish()
    }
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}
impl Eq for Certificate {}

impl Certificate {
    pub fn from_der(der_bytes: &[u8]) -> Result<Self> {
        encoding::check_len("certificate", der_bytes.len(), MAX_DER_LEN)?;
        let inner = x509_cert::Certificate::from_der(der_bytes).map_err(|e| Error::malformed("certificate", e))?;
        // The TBS bytes are taken from the input, not re-encoded, so signatures verify over exactly what was signed.
        let tbs_der_range = encoding::first_child_range("certificate", der_bytes)?;

        let tbs_cert = &inner.tbs_certificate;
        let to_der = |what, v: &dyn Fn() -> der::Result<Vec<u8>>| v().map_err(|e| Error::malformed(what, e));
        let spki_der = to_der("SubjectPublicKeyInfo", &|| tbs_cert.subject_public_key_info.to_der())?;
        let subject_der = to_der("subject", &|| tbs_cert.subject.to_der())?;
        let issuer_der = to_der("issuer", &|| tbs_cert.issuer.to_der())?;
        let fingerprint = sha256_array(der_bytes);

        let mut cert = Certificate {
            der: der_bytes.to_vec(),
            tbs_der_range,
            fingerprint,
            spki_der,
            subject_der,
            issuer_der,
            extensions: Vec::new(),
            key_usage: None,
            eku: None,
            basic_constraints: None,
            ski: None,
            aki: None,
            inner,
        };
        cert.parse_extensions()?;
        Ok(cert)
    }

    fn parse_extensions(&mut self) -> Result<()> {
        let exts = self.inner.tbs_certificate.extensions.clone().unwrap_or_default();
        for ext in &exts {
            if self.extensions.iter().any(|e| e.oid == ext.extn_id) {
                return Err(Error::Certificate(format!("duplicate extension {}", ext.extn_id)));
            }
            self.extensions.push(ExtensionInfo { oid: ext.extn_id, critical: ext.critical });
            let value = ext.extn_value.as_bytes();
            let bad = |e: der::Error| Error::Certificate(format!("malformed extension {}: {e}", ext.extn_id));
            match ext.extn_id {
                rfc5280::ID_CE_KEY_USAGE => {
                    let ku = pkix::KeyUsage::from_der(value).map_err(bad)?;
                    self.key_usage = Some(KeyUsage::from_bits(ku.0.bits()));
                }
                rfc5280::ID_CE_EXT_KEY_USAGE => {
                    let eku = pkix::ExtendedKeyUsage::from_der(value).map_err(bad)?;
                    self.eku = Some((eku.0, ext.critical));
                }
                rfc5280::ID_CE_BASIC_CONSTRAINTS => {
                    let bc = pkix::BasicConstraints::from_der(value).map_err(bad)?;
                    self.basic_constraints = Some(BasicConstraints { ca: bc.ca, path_len: bc.path_len_constraint });
                }
                rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER => {
                    let ski = pkix::SubjectKeyIdentifier::from_der(value).map_err(bad)?;
                    self.ski = Some(ski.0.as_bytes().to_vec());
                }
                rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER => {
                    let aki = pkix::AuthorityKeyIdentifier::from_der(value).map_err(bad)?;
                    self.aki = aki.key_identifier.map(|k| k.as_bytes().to_vec());
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Exactly one certificate in PEM form (other blocks such as keys are ignored).
    pub fn from_pem(pem: &str) -> Result<Self> {
        let mut certs = Self::parse_pem_bundle(pem)?;
        match certs.len() {
            0 => Err(Error::PemNotFound { expected: "CERTIFICATE" }),
            1 => Ok(certs.remove(0)),
            n => Err(Error::Certificate(format!("expected one certificate, found {n}"))),
        }
    }

    /// All `CERTIFICATE` blocks of a PEM text, in order.
    pub fn parse_pem_bundle(pem: &str) -> Result<Vec<Self>> {
        encoding::pem_blocks(pem)?
            .into_iter()
            .filter(|b| b.label == "CERTIFICATE" || b.label == "X509 CERTIFICATE")
            .map(|b| Self::from_der(&b.der))
            .collect()
    }

    /// PEM bundle or a single DER certificate.
    pub fn parse_any(bytes: &[u8]) -> Result<Vec<Self>> {
        if encoding::looks_like_pem(bytes) {
            let text = std::str::from_utf8(bytes).map_err(|e| Error::malformed("PEM", e))?;
            let certs = Self::parse_pem_bundle(text)?;
            if certs.is_empty() {
                return Err(Error::PemNotFound { expected: "CERTIFICATE" });
            }
            if certs.len() > MAX_ITEMS {
                return Err(Error::TooMany { what: "certificates", limit: MAX_ITEMS });
            }
            Ok(certs)
        } else {
            Ok(vec![Self::from_der(bytes)?])
        }
    }

    pub fn der(&self) -> &[u8] {
        &self.der
    }

    pub fn to_pem(&self) -> String {
        encoding::pem_encode("CERTIFICATE", &self.der)
    }

    pub fn inner(&self) -> &x509_cert::Certificate {
        &self.inner
    }

    /// The TBSCertificate bytes exactly as they appear in the input.
    pub fn tbs_der(&self) -> &[u8] {
        &self.der[self.tbs_der_range.clone()]
    }

    /// 1, 2 or 3.
    pub fn version(&self) -> u8 {
        match self.inner.tbs_certificate.version {
            x509_cert::Version::V1 => 1,
            x509_cert::Version::V2 => 2,
            x509_cert::Version::V3 => 3,
        }
    }

    /// RFC 4514 string (most specific RDN first), e.g. `CN=Signer,O=CAB,C=KZ`.
    pub fn subject(&self) -> String {
        self.inner.tbs_certificate.subject.to_string()
    }

    pub fn issuer(&self) -> String {
        self.inner.tbs_certificate.issuer.to_string()
    }

    /// DER of the subject Name, for exact matching during path building.
    pub fn subject_der(&self) -> &[u8] {
        &self.subject_der
    }

    pub fn issuer_der(&self) -> &[u8] {
        &self.issuer_der
    }

    /// Serial as lowercase hex, without leading zero bytes.
    pub fn serial_hex(&self) -> String {
        encoding::serial_hex(self.serial_bytes())
    }

    /// Serial INTEGER content bytes as encoded (may carry a leading 0x00).
    pub fn serial_bytes(&self) -> &[u8] {
        self.inner.tbs_certificate.serial_number.as_bytes()
    }

    pub fn not_before(&self) -> OffsetDateTime {
        // Times decoded by der are always representable; fall back to the epoch only if not.
        encoding::time_from_x509(&self.inner.tbs_certificate.validity.not_before).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    pub fn not_after(&self) -> OffsetDateTime {
        encoding::time_from_x509(&self.inner.tbs_certificate.validity.not_after).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    pub fn is_valid_at(&self, t: OffsetDateTime) -> bool {
        self.not_before() <= t && t <= self.not_after()
    }

    pub fn sha256_fingerprint(&self) -> [u8; 32] {
        self.fingerprint
    }

    pub fn fingerprint_hex(&self) -> String {
        hex::encode(self.fingerprint)
    }

    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    pub fn key_kind(&self) -> Result<KeyKind> {
        alg::key_kind_of_spki(&self.spki_der)
    }

    pub fn key_usage(&self) -> Option<KeyUsage> {
        self.key_usage
    }

    pub fn extended_key_usage(&self) -> Option<&[ObjectIdentifier]> {
        self.eku.as_ref().map(|(v, _)| v.as_slice())
    }

    pub fn is_eku_critical(&self) -> bool {
        self.eku.as_ref().is_some_and(|(_, c)| *c)
    }

    pub fn basic_constraints(&self) -> Option<BasicConstraints> {
        self.basic_constraints
    }

    pub fn is_ca(&self) -> bool {
        self.basic_constraints.is_some_and(|b| b.ca)
    }

    pub fn subject_key_id(&self) -> Option<&[u8]> {
        self.ski.as_deref()
    }

    pub fn authority_key_id(&self) -> Option<&[u8]> {
        self.aki.as_deref()
    }

    pub fn extensions(&self) -> &[ExtensionInfo] {
        &self.extensions
    }

    pub fn critical_extensions(&self) -> Vec<ObjectIdentifier> {
        self.extensions.iter().filter(|e| e.critical).map(|e| e.oid).collect()
    }

    /// Critical extensions outside [`HANDLED_CRITICAL_EXTENSIONS`].
    pub fn unhandled_critical_extensions(&self) -> Vec<ObjectIdentifier> {
        self.critical_extensions().into_iter().filter(|o| !HANDLED_CRITICAL_EXTENSIONS.contains(o)).collect()
    }

    /// The algorithm the issuer signed this certificate with. The outer and TBS algorithm
    /// identifiers must agree (RFC 5280 §4.1.1.2).
    pub fn signature_algorithm(&self) -> Result<SignatureAlgorithm> {
        if self.inner.signature_algorithm != self.inner.tbs_certificate.signature {
            return Err(Error::Certificate("outer and TBS signature algorithms differ".into()));
        }
        SignatureAlgorithm::from_algorithm_identifier(&self.inner.signature_algorithm)
    }

    /// Checks that `issuer`'s key signed this certificate (names are compared too).
    pub fn verify_issued_by(&self, issuer: &Certificate) -> Result<()> {
        if self.issuer_der != issuer.subject_der {
            return Err(Error::Certificate(format!(
                "issuer name {} does not match {}",
                self.issuer(),
                issuer.subject()
            )));
        }
        let alg = self.signature_algorithm()?;
        let sig = self
            .inner
            .signature
            .as_bytes()
            .ok_or_else(|| Error::malformed("certificate signature", "BIT STRING has unused bits"))?;
        alg::verify_signature(issuer.spki_der(), &alg, self.tbs_der(), sig)
    }

    pub fn is_self_issued(&self) -> bool {
        self.subject_der == self.issuer_der
    }
}

fn sha256_array(data: &[u8]) -> [u8; 32] {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

/// Why the Public Key Registry refuses a certificate. `code()` gives a stable machine name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertRejection {
    #[error("certificate is X.509 version {version}; version 3 is required")]
    NotVersion3 { version: u8 },
    #[error("public key algorithm is not accepted: {reason}")]
    UnsupportedKey { reason: String },
    #[error("RSA key has {bits} bits; at least 2048 are required")]
    RsaKeyTooSmall { bits: u32 },
    #[error("certificate signature algorithm is not accepted: {reason}")]
    UnsupportedSignatureAlgorithm { reason: String },
    #[error("certificate expired at {not_after}")]
    Expired { not_after: OffsetDateTime },
    #[error("certificate is not valid before {not_before}")]
    NotYetValid { not_before: OffsetDateTime },
    #[error("certificate has no key usage extension")]
    MissingKeyUsage,
    #[error("key usage [{present}] allows neither digitalSignature nor nonRepudiation")]
    KeyUsageNotForSigning { present: String },
    #[error("CA certificate key usage [{present}] lacks keyCertSign")]
    CaWithoutKeyCertSign { present: String },
    #[error("extended key usage [{present}] does not allow document signing")]
    ExtendedKeyUsageNotForSigning { present: String },
    #[error("unsupported critical extension {oid}")]
    UnsupportedCriticalExtension { oid: String },
}

impl CertRejection {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotVersion3 { .. } => "not_v3",
            Self::UnsupportedKey { .. } => "unsupported_key",
            Self::RsaKeyTooSmall { .. } => "rsa_key_too_small",
            Self::UnsupportedSignatureAlgorithm { .. } => "unsupported_signature_algorithm",
            Self::Expired { .. } => "expired",
            Self::NotYetValid { .. } => "not_yet_valid",
            Self::MissingKeyUsage => "missing_key_usage",
            Self::KeyUsageNotForSigning { .. } => "key_usage_not_for_signing",
            Self::CaWithoutKeyCertSign { .. } => "ca_without_key_cert_sign",
            Self::ExtendedKeyUsageNotForSigning { .. } => "eku_not_for_signing",
            Self::UnsupportedCriticalExtension { .. } => "unsupported_critical_extension",
        }
    }
}

/// What the registry records about an admitted certificate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CertFacts {
    pub subject: String,
    pub issuer: String,
    pub serial_hex: String,
    pub fingerprint_sha256: String,
    #[serde(with = "time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    pub key: KeyKind,
    pub signature_algorithm: String,
    pub is_ca: bool,
    pub path_len: Option<u8>,
    pub key_usage: Vec<&'static str>,
    pub extended_key_usage: Vec<String>,
    pub subject_key_id: Option<String>,
}

/// Public Key Registry admission: X.509 v3; RSA >= 2048 bits, EC P-256/P-384 or Ed25519 (Ed25519
/// is accepted on purpose: PAdES allows it and our verifier supports it); a certificate signature
/// algorithm we can verify (no SHA-1/MD5); a key usage extension fit for the role (end entity:
/// digitalSignature or nonRepudiation; CA: keyCertSign); an EKU, if present on an end entity, that
/// includes a document-signing purpose; no critical extension we do not handle; `now` inside the
/// validity window. Checks run in that order and the first failure is reported.
pub fn check_registrable(cert: &Certificate, now: OffsetDateTime) -> Result<CertFacts, CertRejection> {
    if cert.version() != 3 {
        return Err(CertRejection::NotVersion3 { version: cert.version() });
    }
    let key = match cert.key_kind() {
        Ok(KeyKind::Rsa { bits }) if bits < 2048 => return Err(CertRejection::RsaKeyTooSmall { bits }),
        Ok(kind) => kind,
        Err(e) => return Err(CertRejection::UnsupportedKey { reason: e.to_string() }),
    };
    let signature_algorithm = cert
        .signature_algorithm()
        .map_err(|e| CertRejection::UnsupportedSignatureAlgorithm { reason: e.to_string() })?;

    let usage = cert.key_usage().ok_or(CertRejection::MissingKeyUsage)?;
    let present = || usage.names().join(", ");
    if cert.is_ca() {
        if !usage.contains(KeyUsage::KEY_CERT_SIGN) {
            return Err(CertRejection::CaWithoutKeyCertSign { present: present() });
        }
    } else {
        if !usage.intersects(KeyUsage::DIGITAL_SIGNATURE | KeyUsage::NON_REPUDIATION) {
            return Err(CertRejection::KeyUsageNotForSigning { present: present() });
        }
        if let Some(ekus) = cert.extended_key_usage()
            && !ekus.iter().any(|e| DOCUMENT_SIGNING_EKUS.contains(e))
        {
            let present = ekus.iter().map(|o| o.to_string()).collect::<Vec<_>>().join(", ");
            return Err(CertRejection::ExtendedKeyUsageNotForSigning { present });
        }
    }
    if let Some(oid) = cert.unhandled_critical_extensions().first() {
        return Err(CertRejection::UnsupportedCriticalExtension { oid: oid.to_string() });
    }
    if now < cert.not_before() {
        return Err(CertRejection::NotYetValid { not_before: cert.not_before() });
    }
    if now > cert.not_after() {
        return Err(CertRejection::Expired { not_after: cert.not_after() });
    }
    let bc = cert.basic_constraints();
    Ok(CertFacts {
        subject: cert.subject(),
        issuer: cert.issuer(),
        serial_hex: cert.serial_hex(),
        fingerprint_sha256: cert.fingerprint_hex(),
        not_before: cert.not_before(),
        not_after: cert.not_after(),
        key,
        signature_algorithm: signature_algorithm.name(),
        is_ca: cert.is_ca(),
        path_len: bc.and_then(|b| b.path_len),
        key_usage: usage.names(),
        extended_key_usage: cert.extended_key_usage().unwrap_or_default().iter().map(|o| o.to_string()).collect(),
        subject_key_id: cert.subject_key_id().map(hex::encode),
    })
}
