//! Building CAdES SignedData and adding signature timestamps.

use const_oid::ObjectIdentifier;
use der::asn1::{OctetString, SetOfVec};
use der::{Decode, Encode};
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;

use super::ess::{EssCertIdV2Asn1, IssuerSerial, SigningCertificateV2Asn1};
use super::parse::SignedData;
use super::*;
use crate::alg::SignatureAlgorithm;
use crate::encoding;
use crate::error::{Error, Result};
use crate::keys::SignerCredentials;
use crate::tsp::TsaClient;

/// Builds a CAdES detached SignedData over `content` (hashes it with `options.digest`).
pub fn sign_detached(signer: &SignerCredentials, content: &[u8], options: &CmsSignOptions) -> Result<Vec<u8>> {
    sign_detached_digest(signer, &options.digest.digest(content), options)
}

/// Builds a CAdES detached SignedData (ContentInfo DER) for an already computed content digest.
///
/// Signed attributes: content-type (id-data), message-digest, signing-certificate-v2 with
/// issuerSerial. No signing-time: PAdES carries the claimed time in the signature dictionary's
/// /M entry. The SignerInfo identifies the signer by issuer and serial number; the signer
/// certificate and `signer.chain` are embedded.
pub fn sign_detached_digest(
    signer: &SignerCredentials,
    content_digest: &[u8],
    options: &CmsSignOptions,
) -> Result<Vec<u8>> {
    build_signed_data(signer, &Encapsulated { content_type: ID_DATA, content: None }, content_digest, options, true)
}

/// What the SignedData encapsulates: its eContentType and, unless detached, the eContent.
pub(crate) struct Encapsulated<'a> {
    pub content_type: ObjectIdentifier,
    pub content: Option<&'a [u8]>,
}

/// The one SignedData builder, used for PAdES signatures and for RFC 3161 tokens.
pub(crate) fn build_signed_data(
    signer: &SignerCredentials,
    encap: &Encapsulated<'_>,
    content_digest: &[u8],
    options: &CmsSignOptions,
    include_certificates: bool,
) -> Result<Vec<u8>> {
    let digest = options.digest;
    if content_digest.len() != digest.output_len() {
        return Err(Error::AlgorithmMismatch(format!(
            "content digest has {} bytes, {digest} produces {}",
            content_digest.len(),
            digest.output_len()
        )));
    }
    let sig_alg = signer.key.signature_algorithm(digest, options.use_pss)?;
    if sig_alg == SignatureAlgorithm::Ed25519 && digest != DigestAlgorithm::Sha512 {
        // RFC 8419 §3.1: with signed attributes, Ed25519 SignerInfos digest with SHA-512.
        return Err(Error::AlgorithmMismatch(format!("Ed25519 CMS signatures use SHA-512, not {digest}")));
    }
    let cert = &signer.certificate;
    let enc = |what| move |e: der::Error| Error::malformed(what, e);

    let issuer_name = cert.inner().tbs_certificate.issuer.clone();
    let ess = SigningCertificateV2Asn1 {
        certs: vec![EssCertIdV2Asn1 {
            hash_algorithm: (digest != DigestAlgorithm::Sha256).then(|| digest.algorithm_identifier()),
            cert_hash: OctetString::new(digest.digest(cert.der())).map_err(enc("ESS cert hash"))?,
            issuer_serial: Some(IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(issuer_name.clone())],
                serial_number: cert.inner().tbs_certificate.serial_number.clone(),
            }),
        }],
        policies: None,
    };
    let attrs = [
        attribute(ID_CONTENT_TYPE, &encap.content_type)?,
        attribute(ID_MESSAGE_DIGEST, &OctetString::new(content_digest).map_err(enc("message digest"))?)?,
        attribute(ID_AA_SIGNING_CERTIFICATE_V2, &ess)?,
    ];
    // SetOfVec sorts into DER order, which is what gets signed.
    let signed_attrs = SetOfVec::try_from(attrs.to_vec()).map_err(enc("signed attributes"))?;
    let signed_attrs_der = signed_attrs.to_der().map_err(enc("signed attributes"))?;
    let signature = signer.key.sign(&sig_alg, &signed_attrs_der)?;

    let signer_info = cms::signed_data::SignerInfo {
        version: cms::content_info::CmsVersion::V1,
        sid: cms::signed_data::SignerIdentifier::IssuerAndSerialNumber(cms::cert::IssuerAndSerialNumber {
            issuer: issuer_name,
            serial_number: cert.inner().tbs_certificate.serial_number.clone(),
        }),
        digest_alg: digest.algorithm_identifier(),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: sig_alg.algorithm_identifier()?,
        signature: OctetString::new(signature).map_err(enc("signature"))?,
        unsigned_attrs: None,
    };
    let certificates = if include_certificates {
        let certs = std::iter::once(cert)
            .chain(signer.chain.iter())
            .map(|c| cms::cert::CertificateChoices::Certificate(c.inner().clone()))
            .collect::<Vec<_>>();
        Some(cms::signed_data::CertificateSet(SetOfVec::try_from(certs).map_err(enc("certificates"))?))
    } else {
        None
    };
    let econtent =
        encap.content.map(|c| der::Any::encode_from(&OctetString::new(c)?)).transpose().map_err(enc("eContent"))?;
    let signed_data = cms::signed_data::SignedData {
        // RFC 5652 §5.1: version 3 when eContentType is not id-data.
        version: if encap.content_type == ID_DATA {
            cms::content_info::CmsVersion::V1
        } else {
            cms::content_info::CmsVersion::V3
        },
        digest_algorithms: SetOfVec::try_from(vec![digest.algorithm_identifier()]).map_err(enc("digest algorithms"))?,
        encap_content_info: cms::signed_data::EncapsulatedContentInfo { econtent_type: encap.content_type, econtent },
        certificates,
        crls: None,
        signer_infos: cms::signed_data::SignerInfos(
            SetOfVec::try_from(vec![signer_info]).map_err(enc("signer infos"))?,
        ),
    };
    let content_info = cms::content_info::ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: der::Any::encode_from(&signed_data).map_err(enc("SignedData"))?,
    };
    content_info.to_der().map_err(enc("ContentInfo"))
}

fn attribute(oid: ObjectIdentifier, value: &impl Encode) -> Result<Attribute> {
    let value = value.to_der().and_then(|d| der::Any::from_der(&d)).map_err(|e| Error::malformed("attribute", e))?;
    let values = SetOfVec::try_from(vec![value]).map_err(|e| Error::malformed("attribute", e))?;
    Ok(Attribute { oid, values })
}

/// Adds an RFC 3161 token as the id-aa-signatureTimeStampToken unsigned attribute of the (only)
/// SignerInfo. Everything else in the structure is kept byte for byte.
pub fn add_signature_timestamp(signed_data_der: &[u8], token_der: &[u8]) -> Result<Vec<u8>> {
    let sd = SignedData::parse(signed_data_der)?;
    let [si] = sd.signer_infos() else {
        return Err(Error::Cms(format!("expected exactly one SignerInfo, found {}", sd.signer_infos().len())));
    };
    let (token, rest) = encoding::split_tlv("timestamp token", token_der)?;
    if !rest.is_empty() {
        return Err(Error::malformed("timestamp token", "trailing data"));
    }
    let values = encoding::encode_tlv(0x31, token);
    let oid = ID_AA_SIGNATURE_TIME_STAMP_TOKEN.to_der().map_err(|e| Error::malformed("attribute", e))?;
    let attr = encoding::encode_tlv(0x30, &[oid, values].concat());

    let mut unsigned: Vec<&[u8]> = si.unsigned_attr_tlvs.iter().map(|r| &si.der[r.clone()]).collect();
    unsigned.push(&attr);
    unsigned.sort(); // DER SET OF order
    let unsigned_field = encoding::encode_tlv(0xa1, &unsigned.concat());

    // SignerInfo = its elements up to and including the signature, then the new [1].
    let signer_info = encoding::encode_tlv(0x30, &[&si.der[si.before_unsigned.clone()], &unsigned_field[..]].concat());
    let signer_infos = encoding::encode_tlv(0x31, &signer_info);
    let signed_data = encoding::encode_tlv(0x30, &[sd.raw_prefix_before_signer_infos(), &signer_infos[..]].concat());
    let explicit = encoding::encode_tlv(0xa0, &signed_data);
    let oid = ID_SIGNED_DATA.to_der().map_err(|e| Error::malformed("ContentInfo", e))?;
    Ok(encoding::encode_tlv(0x30, &[oid, explicit].concat()))
}

/// B-T in one call: asks `tsa` to timestamp the hash of the signature value and embeds the token.
/// The token is checked (imprint, status, nonce) before it is embedded.
pub fn timestamp_signature(signed_data_der: &[u8], tsa: &dyn TsaClient, digest: DigestAlgorithm) -> Result<Vec<u8>> {
    let sd = SignedData::parse(signed_data_der)?;
    let [si] = sd.signer_infos() else {
        return Err(Error::Cms(format!("expected exactly one SignerInfo, found {}", sd.signer_infos().len())));
    };
    let imprint = digest.digest(si.signature());
    let token = tsa.timestamp(digest, &imprint)?;
    crate::tsp::TimeStampToken::parse(&token)?.check_imprint(digest, &imprint)?;
    add_signature_timestamp(signed_data_der, &token)
}
