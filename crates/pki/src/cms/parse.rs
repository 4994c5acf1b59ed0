//! Byte-exact SignedData / SignerInfo parsing.

use const_oid::ObjectIdentifier;
use der::asn1::OctetString;
use der::{Decode, Encode};
use spki::AlgorithmIdentifierOwned;
use time::OffsetDateTime;
use x509_cert::attr::Attribute;

use super::ess::{EssCertId, SigningCertificateAsn1, SigningCertificateV2Asn1};
use super::*;
use crate::alg::{self, IdHash, SignatureAlgorithm};
use crate::cert::Certificate;
use crate::encoding::{self, MAX_DER_LEN, trim_serial};
use crate::error::{Error, Result};

/// A parsed CMS ContentInfo(SignedData), keeping the original bytes.
#[derive(Debug, Clone)]
pub struct SignedData {
    der: Vec<u8>,
    version: u8,
    digest_algorithms: Vec<AlgorithmIdentifierOwned>,
    content_type: ObjectIdentifier,
    econtent: Option<Vec<u8>>,
    certificates: Vec<Certificate>,
    other_certificate_count: usize,
    crls: Vec<Vec<u8>>,
    signer_infos: Vec<SignerInfo>,
    /// SignedData value bytes before the signerInfos SET (for splicing).
    prefix: Vec<u8>,
    was_ber: bool,
}

/// How a SignerInfo names its certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignerId {
    /// Issuer Name DER and serial (without leading zeros).
    IssuerSerial {
        issuer_der: Vec<u8>,
        serial: Vec<u8>,
    },
    SubjectKeyId(Vec<u8>),
}

/// One SignerInfo, with byte-exact access to its parts.
#[derive(Debug, Clone)]
pub struct SignerInfo {
    pub(super) der: Vec<u8>,
    version: u8,
    sid: SignerId,
    digest_algorithm: AlgorithmIdentifierOwned,
    signed_attrs_der: Option<Vec<u8>>,
    signed_attrs: Vec<Attribute>,
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: Vec<u8>,
    unsigned_attrs: Vec<Attribute>,
    pub(super) unsigned_attr_tlvs: Vec<std::ops::Range<usize>>,
    pub(super) before_unsigned: std::ops::Range<usize>,
}

fn malformed(reason: impl std::fmt::Display) -> Error {
    Error::malformed("CMS SignedData", reason)
}

fn required<'a>(it: &mut impl Iterator<Item = &'a [u8]>, what: &str) -> Result<&'a [u8]> {
    it.next().ok_or_else(|| malformed(format!("missing {what}")))
}

fn small_int(tlv: &[u8]) -> Result<u8> {
    let v = u8::from_der(tlv).map_err(malformed)?;
    Ok(v)
}

impl SignedData {
    /// Parses a DER ContentInfo holding SignedData; trailing bytes are an error.
    /// BER input (indefinite lengths, constructed strings) is normalised to DER first; see
    /// [`SignedData::was_ber`].
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let normalized = Self::normalize(bytes)?;
        if normalized.consumed != bytes.len() {
            return Err(malformed("trailing data after ContentInfo"));
        }
        Self::parse_exact(&normalized.der, normalized.changed)
    }

    /// Like [`SignedData::parse`] but accepts trailing 0x00 padding, as found in a PDF
    /// signature's /Contents; any other trailing byte is still an error.
    pub fn parse_padded(bytes: &[u8]) -> Result<Self> {
        let normalized = Self::normalize(bytes)?;
        if bytes[normalized.consumed..].iter().any(|b| *b != 0) {
            return Err(malformed("non-zero bytes after ContentInfo"));
        }
        Self::parse_exact(&normalized.der, normalized.changed)
    }

    /// Parses the ContentInfo at the start of `bytes`, whatever follows it, and returns how many
    /// bytes it took. For validators that report trailing data instead of failing on it.
    pub fn parse_prefix(bytes: &[u8]) -> Result<(Self, usize)> {
        let normalized = Self::normalize(bytes)?;
        Ok((Self::parse_exact(&normalized.der, normalized.changed)?, normalized.consumed))
    }

    fn normalize(bytes: &[u8]) -> Result<crate::ber::Normalized> {
        encoding::check_len("CMS SignedData", bytes.len(), MAX_DER_LEN)?;
        crate::ber::normalize(bytes)
    }

    /// True when the input was BER and [`SignedData::der`] is its DER re-encoding.
    pub fn was_ber(&self) -> bool {
        self.was_ber
    }

    fn parse_exact(der_bytes: &[u8], was_ber: bool) -> Result<Self> {
        encoding::check_len("CMS SignedData", der_bytes.len(), MAX_DER_LEN)?;
        let (tag, value) = encoding::tlv_parts("CMS ContentInfo", der_bytes)?;
        if tag != 0x30 {
            return Err(malformed("ContentInfo is not a SEQUENCE"));
        }
        let [oid_tlv, explicit] = encoding::child_tlvs("CMS ContentInfo", value)?[..] else {
            return Err(malformed("ContentInfo must have exactly two elements"));
        };
        let oid = ObjectIdentifier::from_der(oid_tlv).map_err(malformed)?;
        if oid != ID_SIGNED_DATA {
            return Err(Error::Cms(format!("content type {oid} is not signedData")));
        }
        let (tag, inner) = encoding::tlv_parts("CMS ContentInfo", explicit)?;
        if tag != 0xa0 {
            return Err(malformed("ContentInfo content is not [0] EXPLICIT"));
        }
        let (sd_tlv, rest) = encoding::split_tlv("SignedData", inner)?;
        if !rest.is_empty() {
            return Err(malformed("trailing data inside [0]"));
        }
        let (tag, sd_value) = encoding::tlv_parts("SignedData", sd_tlv)?;
        if tag != 0x30 {
            return Err(malformed("SignedData is not a SEQUENCE"));
        }
        let parts = encoding::child_tlvs("SignedData", sd_value)?;
        let mut it = parts.iter().copied().peekable();
        let version = small_int(required(&mut it, "version")?)?;
        let digest_set = required(&mut it, "digestAlgorithms")?;
        let (tag, digest_value) = encoding::tlv_parts("digestAlgorithms", digest_set)?;
        if tag != 0x31 {
            return Err(malformed("digestAlgorithms is not a SET"));
        }
        let digest_algorithms = encoding::child_tlvs("digestAlgorithms", digest_value)?
            .into_iter()
            .map(|t| AlgorithmIdentifierOwned::from_der(t).map_err(malformed))
            .collect::<Result<Vec<_>>>()?;
        let encap = cms::signed_data::EncapsulatedContentInfo::from_der(required(&mut it, "encapContentInfo")?)
            .map_err(malformed)?;
        let econtent = match encap.econtent {
            None => None,
            Some(any) => Some(any.decode_as::<OctetString>().map_err(malformed)?.as_bytes().to_vec()),
        };
        let mut certificates = Vec::new();
        let mut other_certificate_count = 0;
        let mut crls = Vec::new();
        if let Some(t) = it.next_if(|t| t.first() == Some(&0xa0)) {
            let (_, v) = encoding::tlv_parts("certificates", t)?;
            for c in encoding::child_tlvs("certificates", v)? {
                if c.first() == Some(&0x30) {
                    certificates.push(Certificate::from_der(c)?);
                } else {
                    other_certificate_count += 1;
                }
            }
        }
        if let Some(t) = it.next_if(|t| t.first() == Some(&0xa1)) {
            let (_, v) = encoding::tlv_parts("crls", t)?;
            crls = encoding::child_tlvs("crls", v)?.into_iter().map(<[u8]>::to_vec).collect();
        }
        let signer_set = required(&mut it, "signerInfos")?;
        if it.next().is_some() {
            return Err(malformed("unexpected element after signerInfos"));
        }
        let (tag, si_value) = encoding::tlv_parts("signerInfos", signer_set)?;
        if tag != 0x31 {
            return Err(malformed("signerInfos is not a SET"));
        }
        let signer_infos = encoding::child_tlvs("signerInfos", si_value)?
            .into_iter()
            .map(SignerInfo::parse)
            .collect::<Result<Vec<_>>>()?;
        let prefix_len = sd_value.len() - signer_set.len();
        Ok(SignedData {
            der: der_bytes.to_vec(),
            version,
            digest_algorithms,
            content_type: encap.econtent_type,
            econtent,
            certificates,
            other_certificate_count,
            crls,
            signer_infos,
            prefix: sd_value[..prefix_len].to_vec(),
            was_ber,
        })
    }

    pub(super) fn raw_prefix_before_signer_infos(&self) -> &[u8] {
        &self.prefix
    }

    /// The ContentInfo DER (without any padding; DER re-encoding if the input was BER).
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    pub fn version(&self) -> u8 {
        self.version
    }

    pub fn digest_algorithms(&self) -> &[AlgorithmIdentifierOwned] {
        &self.digest_algorithms
    }

    /// eContentType (id-data for PAdES, id-ct-TSTInfo for timestamp tokens).
    pub fn content_type(&self) -> ObjectIdentifier {
        self.content_type
    }

    /// eContent, if the signature is not detached.
    pub fn encapsulated_content(&self) -> Option<&[u8]> {
        self.econtent.as_deref()
    }

    pub fn certificates(&self) -> &[Certificate] {
        &self.certificates
    }

    /// Certificate choices other than plain X.509 certificates (attribute certificates etc.).
    pub fn other_certificate_count(&self) -> usize {
        self.other_certificate_count
    }

    /// RevocationInfoChoice TLVs as encoded (CRLs are SEQUENCEs, other formats [1]).
    pub fn crls(&self) -> &[Vec<u8>] {
        &self.crls
    }

    pub fn signer_infos(&self) -> &[SignerInfo] {
        &self.signer_infos
    }
}

impl SignerInfo {
    fn parse(tlv: &[u8]) -> Result<Self> {
        let (tag, value) = encoding::tlv_parts("SignerInfo", tlv)?;
        if tag != 0x30 {
            return Err(malformed("SignerInfo is not a SEQUENCE"));
        }
        let header = tlv.len() - value.len();
        let parts = encoding::child_tlvs("SignerInfo", value)?;
        let mut offset = header;
        let mut ranges = Vec::with_capacity(parts.len());
        for p in &parts {
            ranges.push(offset..offset + p.len());
            offset += p.len();
        }
        let mut idx = 0;
        let mut take = |what: &str| -> Result<(&[u8], std::ops::Range<usize>)> {
            let part = parts.get(idx).copied().ok_or_else(|| malformed(format!("SignerInfo misses {what}")))?;
            let range = ranges[idx].clone();
            idx += 1;
            Ok((part, range))
        };
        let version = small_int(take("version")?.0)?;
        let (sid_tlv, _) = take("sid")?;
        let sid = match sid_tlv.first() {
            Some(0x30) => {
                let ias = cms::cert::IssuerAndSerialNumber::from_der(sid_tlv).map_err(malformed)?;
                SignerId::IssuerSerial {
                    issuer_der: ias.issuer.to_der().map_err(malformed)?,
                    serial: trim_serial(ias.serial_number.as_bytes()).to_vec(),
                }
            }
            Some(0x80) => SignerId::SubjectKeyId(encoding::tlv_parts("sid", sid_tlv)?.1.to_vec()),
            _ => return Err(malformed("unknown SignerIdentifier")),
        };
        let digest_algorithm = AlgorithmIdentifierOwned::from_der(take("digestAlgorithm")?.0).map_err(malformed)?;
        let (mut next, _) = take("signatureAlgorithm")?;
        let mut signed_attrs_der = None;
        let mut signed_attrs = Vec::new();
        if next.first() == Some(&0xa0) {
            let (_, v) = encoding::tlv_parts("signedAttrs", next)?;
            // What was signed is the SET OF with its universal tag (RFC 5652 §5.4).
            signed_attrs_der = Some(encoding::encode_tlv(0x31, v));
            signed_attrs = parse_attributes(v)?;
            (next, _) = take("signatureAlgorithm")?;
        }
        let signature_algorithm = AlgorithmIdentifierOwned::from_der(next).map_err(malformed)?;
        let (sig_tlv, sig_range) = take("signature")?;
        let signature = OctetString::from_der(sig_tlv).map_err(malformed)?.as_bytes().to_vec();
        let before_unsigned = header..sig_range.end;
        let mut unsigned_attrs = Vec::new();
        let mut unsigned_attr_tlvs = Vec::new();
        if let Ok((t, range)) = take("unsignedAttrs") {
            if t.first() != Some(&0xa1) {
                return Err(malformed("unexpected element after signature"));
            }
            let (_, v) = encoding::tlv_parts("unsignedAttrs", t)?;
            unsigned_attrs = parse_attributes(v)?;
            let inner_start = range.start + (t.len() - v.len());
            let mut off = inner_start;
            for child in encoding::child_tlvs("unsignedAttrs", v)? {
                unsigned_attr_tlvs.push(off..off + child.len());
                off += child.len();
            }
        }
        if take("end").is_ok() {
            return Err(malformed("unexpected element after unsignedAttrs"));
        }
        Ok(SignerInfo {
            der: tlv.to_vec(),
            version,
            sid,
            digest_algorithm,
            signed_attrs_der,
            signed_attrs,
            signature_algorithm,
            signature,
            unsigned_attrs,
            unsigned_attr_tlvs,
            before_unsigned,
        })
    }

    pub fn der(&self) -> &[u8] {
        &self.der
    }

    pub fn version(&self) -> u8 {
        self.version
    }

    pub fn sid(&self) -> &SignerId {
        &self.sid
    }

    pub fn digest_algorithm(&self) -> &AlgorithmIdentifierOwned {
        &self.digest_algorithm
    }

    pub fn signature_algorithm_id(&self) -> &AlgorithmIdentifierOwned {
        &self.signature_algorithm
    }

    pub fn signature_algorithm(&self) -> Result<SignatureAlgorithm> {
        SignatureAlgorithm::from_cms(&self.digest_algorithm, &self.signature_algorithm)
    }

    /// The DER SET OF signed attributes exactly as signed, if present.
    pub fn signed_attrs_der(&self) -> Option<&[u8]> {
        self.signed_attrs_der.as_deref()
    }

    pub fn signed_attrs(&self) -> &[Attribute] {
        &self.signed_attrs
    }

    pub fn unsigned_attrs(&self) -> &[Attribute] {
        &self.unsigned_attrs
    }

    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The single value of a signed attribute; an error if the attribute repeats or is multi-valued.
    fn single_signed_value(&self, oid: ObjectIdentifier) -> Result<Option<&der::Any>> {
        let mut found = self.signed_attrs.iter().filter(|a| a.oid == oid);
        let Some(attr) = found.next() else { return Ok(None) };
        if found.next().is_some() {
            return Err(Error::Cms(format!("signed attribute {oid} appears more than once")));
        }
        match attr.values.as_slice() {
            [v] => Ok(Some(v)),
            _ => Err(Error::Cms(format!("signed attribute {oid} must have exactly one value"))),
        }
    }

    pub fn message_digest(&self) -> Result<Option<Vec<u8>>> {
        self.single_signed_value(ID_MESSAGE_DIGEST)?
            .map(|v| v.decode_as::<OctetString>().map(|o| o.as_bytes().to_vec()).map_err(malformed))
            .transpose()
    }

    pub fn content_type_attr(&self) -> Result<Option<ObjectIdentifier>> {
        self.single_signed_value(ID_CONTENT_TYPE)?
            .map(|v| v.decode_as::<ObjectIdentifier>().map_err(malformed))
            .transpose()
    }

    /// The (unauthenticated, claimed) signing-time attribute, if present.
    pub fn signing_time(&self) -> Result<Option<OffsetDateTime>> {
        self.single_signed_value(ID_SIGNING_TIME)?
            .map(|v| {
                let t = v.to_der().and_then(|d| x509_cert::time::Time::from_der(&d)).map_err(malformed)?;
                encoding::time_from_x509(&t)
            })
            .transpose()
    }

    pub fn signing_certificate_v2(&self) -> Result<Option<Vec<EssCertId>>> {
        let Some(v) = self.single_signed_value(ID_AA_SIGNING_CERTIFICATE_V2)? else { return Ok(None) };
        let sc = v.decode_as::<SigningCertificateV2Asn1>().map_err(malformed)?;
        let ids = sc
            .certs
            .iter()
            .map(|c| {
                let hash = match &c.hash_algorithm {
                    None => IdHash::Sha2(DigestAlgorithm::Sha256),
                    Some(a) => IdHash::Sha2(DigestAlgorithm::from_algorithm_identifier(a)?),
                };
                EssCertId::from_parts(hash, &c.cert_hash, c.issuer_serial.as_ref())
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(ids))
    }

    pub fn signing_certificate_v1(&self) -> Result<Option<Vec<EssCertId>>> {
        let Some(v) = self.single_signed_value(ID_AA_SIGNING_CERTIFICATE)? else { return Ok(None) };
        let sc = v.decode_as::<SigningCertificateAsn1>().map_err(malformed)?;
        let ids = sc
            .certs
            .iter()
            .map(|c| EssCertId::from_parts(IdHash::Sha1, &c.cert_hash, c.issuer_serial.as_ref()))
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(ids))
    }

    /// RFC 3161 tokens in id-aa-signatureTimeStampToken unsigned attributes (ContentInfo DER each).
    pub fn signature_timestamp_tokens(&self) -> Result<Vec<Vec<u8>>> {
        let mut tokens = Vec::new();
        for attr in self.unsigned_attrs.iter().filter(|a| a.oid == ID_AA_SIGNATURE_TIME_STAMP_TOKEN) {
            for v in attr.values.iter() {
                tokens.push(v.to_der().map_err(malformed)?);
            }
        }
        Ok(tokens)
    }

    /// The certificate this SignerInfo names, among `candidates`.
    pub fn find_signer_certificate<'c>(&self, candidates: &'c [Certificate]) -> Option<&'c Certificate> {
        candidates.iter().find(|c| match &self.sid {
            SignerId::IssuerSerial { issuer_der, serial } => {
                c.issuer_der() == issuer_der.as_slice() && trim_serial(c.serial_bytes()) == serial.as_slice()
            }
            SignerId::SubjectKeyId(ski) => c.subject_key_id() == Some(ski.as_slice()),
        })
    }

    /// Verifies the signature over the signed attributes with `cert`'s key. Signed attributes are
    /// required (CAdES and RFC 3161 tokens always have them).
    pub fn verify_signature(&self, cert: &Certificate) -> Result<()> {
        let attrs =
            self.signed_attrs_der.as_deref().ok_or_else(|| Error::Cms("SignerInfo has no signed attributes".into()))?;
        let alg = self.signature_algorithm()?;
        alg::verify_signature(cert.spki_der(), &alg, attrs, &self.signature)
    }

    /// Checks the message-digest attribute against `content` hashed with the SignerInfo's digest algorithm.
    pub fn check_content(&self, content: &[u8]) -> Result<()> {
        self.check_content_digest(&self.digest()?.digest(content))
    }

    /// The SignerInfo's digest algorithm (see [`DigestAlgorithm::from_cms_identifier`]).
    pub fn digest(&self) -> Result<DigestAlgorithm> {
        DigestAlgorithm::from_cms_identifier(&self.digest_algorithm)
    }

    /// Verifies a SignerInfo *without* signed attributes (plain PKCS#7 style), whose signature
    /// covers the content itself. PAdES requires signed attributes; this exists so validators
    /// can report such signatures precisely.
    pub fn verify_signature_over_content(&self, cert: &Certificate, content: &[u8]) -> Result<()> {
        if self.signed_attrs_der.is_some() {
            return Err(Error::Cms("SignerInfo has signed attributes; use verify_signature".into()));
        }
        alg::verify_signature(cert.spki_der(), &self.signature_algorithm()?, content, &self.signature)
    }

    /// Checks the message-digest attribute against an already computed digest.
    pub fn check_content_digest(&self, computed: &[u8]) -> Result<()> {
        let claimed = self.message_digest()?.ok_or_else(|| Error::Cms("message-digest attribute missing".into()))?;
        if claimed != computed {
            return Err(Error::BadSignature("message-digest attribute does not match the content"));
        }
        Ok(())
    }
}

fn parse_attributes(value: &[u8]) -> Result<Vec<Attribute>> {
    encoding::child_tlvs("attributes", value)?.into_iter().map(|t| Attribute::from_der(t).map_err(malformed)).collect()
}
