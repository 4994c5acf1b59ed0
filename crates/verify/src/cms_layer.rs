//! Layer 2: CMS SignedData checks, shared by PAdES signatures (detached content = the covered
//! bytes) and RFC 3161 timestamp tokens (encapsulated TSTInfo).

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use const_oid::ObjectIdentifier;
use der::{Decode, Encode};

use crate::certs::ParsedCert;
use crate::crypto::{self, KeyInfo};
use crate::der_walk;
use crate::error::VerifyError;
use crate::policy::{CmsPolicy, DigestAlgorithm};

pub const OID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
pub const OID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
pub const OID_TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
const OID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const OID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const OID_SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
const OID_SIGNING_CERT_V1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.12");
const OID_SIGNING_CERT_V2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
pub const OID_SIGNATURE_TIMESTAMP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");
const OID_ADBE_REVOCATION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113583.1.1.8");

/// What is signed: detached bytes (PAdES) or the SignedData's own eContent (timestamp tokens).
pub enum Content<'a> {
    /// The two /ByteRange slices; `require_signed_attrs` is true for /ETSI.CAdES.detached.
    Detached { parts: &'a [&'a [u8]], cades: bool },
    /// eContent of the given type must be present.
    Encapsulated { content_type: ObjectIdentifier },
}

/// A SignedData whose signature value verified.
#[derive(Debug)]
pub struct VerifiedSignedData {
    pub digest: DigestAlgorithm,
    pub scheme: String,
    pub key: KeyInfo,
    pub signer: ParsedCert,
    /// Certificates carried in the CMS (signer included).
    pub certs: Vec<ParsedCert>,
    pub signature_value: Vec<u8>,
    /// eContent octets for encapsulated content.
    pub econtent: Option<Vec<u8>>,
    /// DER of each signature-time-stamp token (unsigned attribute).
    pub signature_timestamps: Vec<Vec<u8>>,
    /// DER of the adbe-revocationInfoArchival signed attribute value, if any.
    pub adbe_revocation: Option<Vec<u8>>,
    /// Signing time claimed in the signed attributes (not proven).
    pub claimed_signing_time: Option<time::OffsetDateTime>,
}

fn fmt_err(msg: impl Into<String>) -> VerifyError {
    VerifyError::CmsFormat(msg.into())
}

/// Parse and verify a CMS SignedData blob (`raw` may carry trailing zero padding).
/// `extra_certs` are certificates from elsewhere (DSS) that may hold the signer certificate.
pub fn verify_signed_data(
    raw: &[u8],
    content: Content<'_>,
    policy: &CmsPolicy,
    allowed: &dyn Fn(DigestAlgorithm) -> bool,
    extra_certs: &[ParsedCert],
) -> Result<VerifiedSignedData, VerifyError> {
    if raw.len() > policy.max_cms_bytes {
        return Err(fmt_err(format!("CMS is {} bytes, over the limit of {}", raw.len(), policy.max_cms_bytes)));
    }
    let der_owned = der_walk::normalize_ber(raw)?;
    let der = der_owned.as_slice();
    let ci = ContentInfo::from_der(der).map_err(|e| fmt_err(format!("ContentInfo: {e}")))?;
    if ci.content_type != OID_SIGNED_DATA {
        return Err(fmt_err(format!("content type {} is not SignedData", ci.content_type)));
    }
    let sd: SignedData = ci.content.decode_as().map_err(|e| fmt_err(format!("SignedData: {e}")))?;
    let signer_info = single_signer_info(&sd)?;

    // The SignedData's digestAlgorithms is not signed; it must at least be consistent with the
    // signer, so that tampering with it is detected rather than silently ignored.
    if !sd.digest_algorithms.iter().any(|a| a.oid == signer_info.digest_alg.oid) {
        return Err(fmt_err("the signer's digest algorithm is not listed in SignedData.digestAlgorithms"));
    }
    let digest = crypto::digest_from_oid(&signer_info.digest_alg.oid)?;
    if !allowed(digest) {
        return Err(VerifyError::ForbiddenDigest(digest.name().into()));
    }

    let (content_digest, econtent_type, econtent, detached_parts) = match content {
        Content::Detached { parts, cades } => {
            if sd.encap_content_info.econtent.is_some() {
                return Err(fmt_err("signature is not detached: eContent present (enveloping CMS)"));
            }
            if cades && signer_info.signed_attrs.is_none() {
                return Err(fmt_err("CAdES signature without signed attributes"));
            }
            (crypto::digest_parts(digest, parts), sd.encap_content_info.econtent_type, None, Some(parts))
        }
        Content::Encapsulated { content_type } => {
            if sd.encap_content_info.econtent_type != content_type {
                return Err(fmt_err(format!(
                    "eContentType {} where {content_type} was expected",
                    sd.encap_content_info.econtent_type
                )));
            }
            let any = sd.encap_content_info.econtent.as_ref().ok_or_else(|| fmt_err("eContent missing"))?;
            let octets = der::asn1::OctetString::from_der(&any.to_der().map_err(|e| fmt_err(e.to_string()))?)
                .map_err(|e| fmt_err(format!("eContent is not an OCTET STRING: {e}")))?;
            let bytes = octets.into_bytes();
            (crypto::digest_parts(digest, &[&bytes]), content_type, Some(bytes), None)
        }
    };

    let attrs = SignedAttrs::read(signer_info)?;
    if signer_info.signed_attrs.is_some() {
        let ct = attrs.content_type.ok_or_else(|| fmt_err("content-type signed attribute missing"))?;
        if ct != econtent_type {
            return Err(fmt_err(format!("content-type attribute {ct} does not match eContentType {econtent_type}")));
        }
        let md = attrs.message_digest.as_ref().ok_or_else(|| fmt_err("message-digest signed attribute missing"))?;
        if *md != content_digest {
            return Err(VerifyError::DigestMismatch);
        }
    }

    let certs = collect_certs(&sd)?;
    let signer = find_signer(&signer_info.sid, &certs, extra_certs)?;
    if let Content::Detached { cades: true, .. } = content
        && policy.require_signing_certificate_attr_for_cades
        && attrs.signing_cert.is_none()
    {
        return Err(VerifyError::SigningCertificateMismatch(
            "signing-certificate(-v2) attribute missing from a CAdES signature".into(),
        ));
    }
    if let Some(sc) = &attrs.signing_cert {
        sc.check(&signer)?;
    }

    let signature_value = signer_info.signature.as_bytes().to_vec();
    let spki = &signer.cert.tbs_certificate.subject_public_key_info;
    let (scheme, key) = match der_walk::raw_signed_attrs(der)? {
        Some(raw_attrs) => {
            // The signature covers the DER SET OF: same bytes with the [0] tag replaced by SET.
            let mut signed = raw_attrs.to_vec();
            if let Some(first) = signed.first_mut() {
                *first = 0x31;
            }
            // RFC 5652 5.4: what is signed is the DER encoding. Attributes sent in another order
            // or encoding are not what a conforming verifier hashes (BouncyCastle/DSS re-encode).
            let canonical = signer_info
                .signed_attrs
                .as_ref()
                .map(|a| a.to_der())
                .transpose()
                .map_err(|e| fmt_err(format!("signed attributes: {e}")))?;
            if canonical.as_deref() != Some(signed.as_slice()) {
                return Err(fmt_err("signed attributes are not DER encoded (unsorted SET OF or non-minimal lengths)"));
            }
            crypto::verify_signature(spki, &signer_info.signature_algorithm, digest, &signed, &signature_value)?
        }
        None => {
            // Legacy adbe.pkcs7.detached without attributes: signature directly over the content.
            let message: Vec<u8> = match (detached_parts, &econtent) {
                (Some(parts), _) => parts.concat(),
                (None, Some(e)) => e.clone(),
                (None, None) => return Err(fmt_err("nothing to verify the signature against")),
            };
            crypto::verify_signature(spki, &signer_info.signature_algorithm, digest, &message, &signature_value)?
        }
    };

    Ok(VerifiedSignedData {
        digest,
        scheme,
        key,
        signer,
        certs,
        signature_value,
        econtent,
        signature_timestamps: unsigned_attr_values(signer_info, OID_SIGNATURE_TIMESTAMP)?,
        adbe_revocation: attrs.adbe_revocation,
        claimed_signing_time: attrs.signing_time,
    })
}

fn single_signer_info(sd: &SignedData) -> Result<&SignerInfo, VerifyError> {
    let infos = sd.signer_infos.0.as_slice();
    match infos {
        [one] => Ok(one),
        [] => Err(fmt_err("no SignerInfo")),
        many => Err(fmt_err(format!("{} SignerInfos; exactly one is allowed", many.len()))),
    }
}

fn collect_certs(sd: &SignedData) -> Result<Vec<ParsedCert>, VerifyError> {
    let mut out = Vec::new();
    for choice in sd.certificates.iter().flat_map(|s| s.0.iter()) {
        if let CertificateChoices::Certificate(c) = choice {
            out.push(ParsedCert::from_cert(c.clone())?);
        }
    }
    Ok(out)
}

fn find_signer(sid: &SignerIdentifier, certs: &[ParsedCert], extra: &[ParsedCert]) -> Result<ParsedCert, VerifyError> {
    let matches = |c: &&ParsedCert| match sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => {
            c.cert.tbs_certificate.serial_number == ias.serial_number && c.cert.tbs_certificate.issuer == ias.issuer
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => c.subject_key_id().as_deref() == Some(ski.0.as_bytes()),
    };
    certs
        .iter()
        .find(matches)
        .or_else(|| extra.iter().find(matches))
        .cloned()
        .ok_or(VerifyError::SignerCertificateMissing)
}

fn unsigned_attr_values(si: &SignerInfo, oid: ObjectIdentifier) -> Result<Vec<Vec<u8>>, VerifyError> {
    let mut out = Vec::new();
    for attr in si.unsigned_attrs.iter().flat_map(|a| a.iter()).filter(|a| a.oid == oid) {
        for v in attr.values.iter() {
            out.push(v.to_der().map_err(|e| fmt_err(e.to_string()))?);
        }
    }
    Ok(out)
}

/// The signed attributes this engine interprets.
#[derive(Default)]
struct SignedAttrs {
    content_type: Option<ObjectIdentifier>,
    message_digest: Option<Vec<u8>>,
    signing_cert: Option<SigningCertRef>,
    signing_time: Option<time::OffsetDateTime>,
    adbe_revocation: Option<Vec<u8>>,
}

impl SignedAttrs {
    fn read(si: &SignerInfo) -> Result<SignedAttrs, VerifyError> {
        let mut out = SignedAttrs::default();
        let Some(attrs) = &si.signed_attrs else { return Ok(out) };
        for attr in attrs.iter() {
            let single = || -> Result<&der::Any, VerifyError> {
                match attr.values.as_slice() {
                    [v] => Ok(v),
                    _ => Err(fmt_err(format!("signed attribute {} must have exactly one value", attr.oid))),
                }
            };
            let dup = |present: bool| {
                if present { Err(fmt_err(format!("signed attribute {} repeated", attr.oid))) } else { Ok(()) }
            };
            match attr.oid {
                OID_CONTENT_TYPE => {
                    dup(out.content_type.is_some())?;
                    out.content_type = Some(single()?.decode_as().map_err(|e| fmt_err(format!("content-type: {e}")))?);
                }
                OID_MESSAGE_DIGEST => {
                    dup(out.message_digest.is_some())?;
                    let os: der::asn1::OctetString =
                        single()?.decode_as().map_err(|e| fmt_err(format!("message-digest: {e}")))?;
                    out.message_digest = Some(os.into_bytes());
                }
                OID_SIGNING_CERT_V2 | OID_SIGNING_CERT_V1 => {
                    dup(out.signing_cert.is_some())?;
                    let der = single()?.to_der().map_err(|e| fmt_err(e.to_string()))?;
                    out.signing_cert = Some(SigningCertRef::parse(&der, attr.oid == OID_SIGNING_CERT_V2)?);
                }
                OID_SIGNING_TIME => {
                    let der = single()?.to_der().map_err(|e| fmt_err(e.to_string()))?;
                    let t = x509_cert::time::Time::from_der(&der).map_err(|e| fmt_err(format!("signing-time: {e}")))?;
                    out.signing_time = i64::try_from(t.to_unix_duration().as_secs())
                        .ok()
                        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok());
                }
                OID_ADBE_REVOCATION => {
                    out.adbe_revocation = Some(single()?.to_der().map_err(|e| fmt_err(e.to_string()))?);
                }
                _ => {}
            }
        }
        Ok(out)
    }
}

/// First ESSCertID(v2) of a signing-certificate(-v2) attribute: the hash of the signer's certificate.
struct SigningCertRef {
    digest: DigestAlgorithm,
    cert_hash: Vec<u8>,
}

impl SigningCertRef {
    fn parse(der: &[u8], v2: bool) -> Result<SigningCertRef, VerifyError> {
        let bad = |w: &str| VerifyError::SigningCertificateMismatch(format!("malformed attribute: {w}"));
        let (outer, _) = der_walk::expect(der, 0x30, "SigningCertificate").map_err(|_| bad("outer"))?;
        let (certs, _) = der_walk::expect(outer.content, 0x30, "certs").map_err(|_| bad("certs"))?;
        let (first, _) = der_walk::expect(certs.content, 0x30, "ESSCertID").map_err(|_| bad("ESSCertID"))?;
        let mut rest = first.content;
        let mut digest = if v2 { DigestAlgorithm::Sha256 } else { DigestAlgorithm::Sha1 };
        if v2 && rest.first() == Some(&0x30) {
            let (alg, r) = der_walk::read_tlv(rest)?;
            let alg = spki::AlgorithmIdentifierOwned::from_der(alg.whole).map_err(|_| bad("hashAlgorithm"))?;
            digest = crypto::digest_from_oid(&alg.oid)?;
            rest = r;
        }
        let (hash, _) = der_walk::expect(rest, 0x04, "certHash").map_err(|_| bad("certHash"))?;
        Ok(SigningCertRef { digest, cert_hash: hash.content.to_vec() })
    }

    fn check(&self, signer: &ParsedCert) -> Result<(), VerifyError> {
        if crypto::digest_parts(self.digest, &[&signer.der]) != self.cert_hash {
            return Err(VerifyError::SigningCertificateMismatch(
                "certificate hash does not match the signer certificate".into(),
            ));
        }
        Ok(())
    }
}
