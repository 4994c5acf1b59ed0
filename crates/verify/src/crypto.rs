//! Digests and signature verification (aws-lc-rs), keyed by the OIDs found in CMS and X.509.

use aws_lc_rs::digest;
use aws_lc_rs::signature::{self as sig, RsaParameters, UnparsedPublicKey, VerificationAlgorithm};
use const_oid::ObjectIdentifier;
use der::Decode;
use der::asn1::ObjectIdentifier as Oid;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use crate::error::VerifyError;
use crate::policy::DigestAlgorithm;

const OID_SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
const OID_SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
const OID_SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
const OID_SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");
const OID_SHA3_256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.8");
const OID_SHA3_384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.9");
const OID_SHA3_512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.10");
const OID_MD5: Oid = Oid::new_unwrap("1.2.840.113549.2.5");

const OID_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
const OID_RSA_PSS: Oid = Oid::new_unwrap("1.2.840.113549.1.1.10");
const OID_SHA1_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.5");
const OID_SHA256_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
const OID_SHA384_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
const OID_SHA512_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");
const OID_EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
const OID_ECDSA_SHA1: Oid = Oid::new_unwrap("1.2.840.10045.4.1");
const OID_ECDSA_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
const OID_ECDSA_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
const OID_ECDSA_SHA512: Oid = Oid::new_unwrap("1.2.840.10045.4.3.4");
const OID_ED25519: Oid = Oid::new_unwrap("1.3.101.112");
const OID_P256: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
const OID_P384: Oid = Oid::new_unwrap("1.3.132.0.34");
const OID_P521: Oid = Oid::new_unwrap("1.3.132.0.35");

pub fn sha256(data: &[u8]) -> [u8; 32] {
    let d = digest::digest(&digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// Map a digest OID. MD5 and unknown OIDs are unsupported (no implementation is offered for MD5 at all).
pub fn digest_from_oid(oid: &ObjectIdentifier) -> Result<DigestAlgorithm, VerifyError> {
    Ok(match *oid {
        OID_SHA1 => DigestAlgorithm::Sha1,
        OID_SHA256 => DigestAlgorithm::Sha256,
        OID_SHA384 => DigestAlgorithm::Sha384,
        OID_SHA512 => DigestAlgorithm::Sha512,
        OID_SHA3_256 => DigestAlgorithm::Sha3_256,
        OID_SHA3_384 => DigestAlgorithm::Sha3_384,
        OID_SHA3_512 => DigestAlgorithm::Sha3_512,
        OID_MD5 => return Err(VerifyError::ForbiddenDigest("MD5".into())),
        other => return Err(VerifyError::UnsupportedAlgorithm(format!("digest {other}"))),
    })
}

fn lc_digest(alg: DigestAlgorithm) -> &'static digest::Algorithm {
    match alg {
        DigestAlgorithm::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
        DigestAlgorithm::Sha256 => &digest::SHA256,
        DigestAlgorithm::Sha384 => &digest::SHA384,
        DigestAlgorithm::Sha512 => &digest::SHA512,
        DigestAlgorithm::Sha3_256 => &digest::SHA3_256,
        DigestAlgorithm::Sha3_384 => &digest::SHA3_384,
        DigestAlgorithm::Sha3_512 => &digest::SHA3_512,
    }
}

/// Hash a sequence of byte slices (the two /ByteRange parts) without concatenating them.
pub fn digest_parts(alg: DigestAlgorithm, parts: &[&[u8]]) -> Vec<u8> {
    let mut ctx = digest::Context::new(lc_digest(alg));
    for p in parts {
        ctx.update(p);
    }
    ctx.finish().as_ref().to_vec()
}

/// Public key facts reported and checked by policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyInfo {
    Rsa { bits: u32 },
    Ec { curve: &'static str },
    Ed25519,
}

/// A resolved signature scheme: what the report calls it and how to verify it.
struct Scheme {
    name: String,
    alg: &'static dyn VerificationAlgorithm,
}

/// Verify `signature` over `message` with the key in `spki`, using the CMS/X.509 signature
/// algorithm identifier `sig_alg`. `digest_hint` is the SignerInfo digest algorithm, needed when
/// the signature algorithm OID names only the key type (rsaEncryption, id-ecPublicKey).
/// Returns the scheme name and key facts for the report.
pub fn verify_signature(
    spki: &SubjectPublicKeyInfoOwned,
    sig_alg: &AlgorithmIdentifierOwned,
    digest_hint: DigestAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<(String, KeyInfo), VerifyError> {
    let key_bytes = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| VerifyError::SignatureInvalid("public key bit string has unused bits".into()))?;
    let key_info = key_info(spki, key_bytes)?;
    let scheme = resolve_scheme(&sig_alg.oid, sig_alg, digest_hint, &key_info)?;
    UnparsedPublicKey::new(scheme.alg, key_bytes)
        .verify(message, signature)
        .map_err(|_| VerifyError::SignatureInvalid(format!("{} signature does not match", scheme.name)))?;
    Ok((scheme.name, key_info))
}

fn key_info(spki: &SubjectPublicKeyInfoOwned, key_bytes: &[u8]) -> Result<KeyInfo, VerifyError> {
    match spki.algorithm.oid {
        OID_RSA | OID_RSA_PSS => {
            let bits = RsaParameters::public_modulus_len(key_bytes)
                .map_err(|_| VerifyError::SignatureInvalid("RSA public key is malformed".into()))?;
            Ok(KeyInfo::Rsa { bits })
        }
        OID_EC_PUBLIC_KEY => {
            let curve_oid = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<Oid>().ok())
                .ok_or_else(|| VerifyError::UnsupportedAlgorithm("EC key without named curve".into()))?;
            let curve = match curve_oid {
                OID_P256 => "P-256",
                OID_P384 => "P-384",
                OID_P521 => "P-521",
                other => return Err(VerifyError::UnsupportedAlgorithm(format!("EC curve {other}"))),
            };
            Ok(KeyInfo::Ec { curve })
        }
        OID_ED25519 => Ok(KeyInfo::Ed25519),
        other => Err(VerifyError::UnsupportedAlgorithm(format!("public key type {other}"))),
    }
}

fn resolve_scheme(
    oid: &Oid,
    sig_alg: &AlgorithmIdentifierOwned,
    digest_hint: DigestAlgorithm,
    key: &KeyInfo,
) -> Result<Scheme, VerifyError> {
    use DigestAlgorithm as D;
    let rsa_digest = match *oid {
        OID_RSA => Some(digest_hint),
        OID_SHA1_RSA => Some(D::Sha1),
        OID_SHA256_RSA => Some(D::Sha256),
        OID_SHA384_RSA => Some(D::Sha384),
        OID_SHA512_RSA => Some(D::Sha512),
        _ => None,
    };
    if let Some(d) = rsa_digest {
        let KeyInfo::Rsa { bits } = key else {
            return Err(VerifyError::SignatureInvalid("RSA signature with a non-RSA key".into()));
        };
        let legacy_size = *bits < 2048;
        let alg: &'static dyn VerificationAlgorithm = match (d, legacy_size) {
            (D::Sha1, true) => &sig::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
            (D::Sha1, false) => &sig::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
            (D::Sha256, true) => &sig::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
            (D::Sha256, false) => &sig::RSA_PKCS1_2048_8192_SHA256,
            (D::Sha384, false) => &sig::RSA_PKCS1_2048_8192_SHA384,
            (D::Sha512, true) => &sig::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
            (D::Sha512, false) => &sig::RSA_PKCS1_2048_8192_SHA512,
            (other, _) => {
                return Err(VerifyError::UnsupportedAlgorithm(format!(
                    "RSA PKCS#1 v1.5 with {} and a {bits}-bit key",
                    other.name()
                )));
            }
        };
        return Ok(Scheme { name: format!("RSA PKCS#1 v1.5 with {}", d.name()), alg });
    }
    match *oid {
        OID_RSA_PSS => {
            let d = pss_digest(sig_alg)?;
            let alg: &'static dyn VerificationAlgorithm = match d {
                D::Sha256 => &sig::RSA_PSS_2048_8192_SHA256,
                D::Sha384 => &sig::RSA_PSS_2048_8192_SHA384,
                D::Sha512 => &sig::RSA_PSS_2048_8192_SHA512,
                other => return Err(VerifyError::UnsupportedAlgorithm(format!("RSA-PSS with {}", other.name()))),
            };
            Ok(Scheme { name: format!("RSA-PSS with {}", d.name()), alg })
        }
        OID_ECDSA_SHA1 | OID_ECDSA_SHA256 | OID_ECDSA_SHA384 | OID_ECDSA_SHA512 | OID_EC_PUBLIC_KEY => {
            let d = match *oid {
                OID_ECDSA_SHA1 => D::Sha1,
                OID_ECDSA_SHA256 => D::Sha256,
                OID_ECDSA_SHA384 => D::Sha384,
                OID_ECDSA_SHA512 => D::Sha512,
                _ => digest_hint,
            };
            let KeyInfo::Ec { curve } = key else {
                return Err(VerifyError::SignatureInvalid("ECDSA signature with a non-EC key".into()));
            };
            let alg: &'static dyn VerificationAlgorithm = match (*curve, d) {
                ("P-256", D::Sha1) => &sig::ECDSA_P256_SHA1_ASN1,
                ("P-256", D::Sha256) => &sig::ECDSA_P256_SHA256_ASN1,
                ("P-256", D::Sha384) => &sig::ECDSA_P256_SHA384_ASN1,
                ("P-256", D::Sha512) => &sig::ECDSA_P256_SHA512_ASN1,
                ("P-384", D::Sha256) => &sig::ECDSA_P384_SHA256_ASN1,
                ("P-384", D::Sha384) => &sig::ECDSA_P384_SHA384_ASN1,
                ("P-384", D::Sha512) => &sig::ECDSA_P384_SHA512_ASN1,
                ("P-521", D::Sha1) => &sig::ECDSA_P521_SHA1_ASN1,
                ("P-521", D::Sha256) => &sig::ECDSA_P521_SHA256_ASN1,
                ("P-521", D::Sha384) => &sig::ECDSA_P521_SHA384_ASN1,
                ("P-521", D::Sha512) => &sig::ECDSA_P521_SHA512_ASN1,
                (c, d) => {
                    return Err(VerifyError::UnsupportedAlgorithm(format!("ECDSA {c} with {}", d.name())));
                }
            };
            Ok(Scheme { name: format!("ECDSA {curve} with {}", d.name()), alg })
        }
        OID_ED25519 => {
            if *key != KeyInfo::Ed25519 {
                return Err(VerifyError::SignatureInvalid("Ed25519 signature with a non-Ed25519 key".into()));
            }
            Ok(Scheme { name: "Ed25519".into(), alg: &sig::ED25519 })
        }
        other => Err(VerifyError::UnsupportedAlgorithm(format!("signature algorithm {other}"))),
    }
}

/// RSASSA-PSS-params (RFC 4055): the hash, MGF1 with the same hash, and trailer field 1.
/// aws-lc-rs verifies with salt length = hash length, which is what PAdES producers use.
#[derive(der::Sequence)]
struct PssParams {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    hash: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    mgf: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    salt_len: Option<u32>,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    trailer: Option<u32>,
}

fn pss_digest(sig_alg: &AlgorithmIdentifierOwned) -> Result<DigestAlgorithm, VerifyError> {
    let params = sig_alg
        .parameters
        .as_ref()
        .ok_or_else(|| VerifyError::UnsupportedAlgorithm("RSA-PSS without parameters".into()))?;
    let der = der::Encode::to_der(params).map_err(|e| VerifyError::CmsFormat(e.to_string()))?;
    let p = PssParams::from_der(&der).map_err(|e| VerifyError::CmsFormat(format!("RSA-PSS parameters: {e}")))?;
    // Absent hash means SHA-1 (RFC 4055 default).
    let d = match &p.hash {
        Some(h) => digest_from_oid(&h.oid)?,
        None => DigestAlgorithm::Sha1,
    };
    if let Some(mgf) = &p.mgf {
        let mgf_hash = mgf
            .parameters
            .as_ref()
            .and_then(|a| a.decode_as::<AlgorithmIdentifierOwned>().ok())
            .ok_or_else(|| VerifyError::UnsupportedAlgorithm("RSA-PSS MGF without hash".into()))?;
        if digest_from_oid(&mgf_hash.oid)? != d {
            return Err(VerifyError::UnsupportedAlgorithm(
                "RSA-PSS with MGF1 hash differing from the message hash".into(),
            ));
        }
    }
    let h_len = digest::digest(lc_digest(d), b"").as_ref().len() as u32;
    if p.salt_len.unwrap_or(20) != h_len {
        return Err(VerifyError::UnsupportedAlgorithm(format!(
            "RSA-PSS salt length {} (only the hash length {h_len} is supported)",
            p.salt_len.unwrap_or(20)
        )));
    }
    if p.trailer.unwrap_or(1) != 1 {
        return Err(VerifyError::UnsupportedAlgorithm("RSA-PSS trailer field other than 1".into()));
    }
    Ok(d)
}
