//! Digest and signature algorithms: OID mapping, digests, and signature verification.
//!
//! Verification works from a SubjectPublicKeyInfo DER so that certificates, OCSP responders,
//! CRL issuers and CMS signers all share one code path.

use aws_lc_rs::{digest, signature};
use const_oid::ObjectIdentifier;
use const_oid::db::{rfc5912, rfc8410};
use der::asn1::{AnyRef, BitStringRef, UintRef};
use der::{Decode, Encode, Sequence};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoRef};

use crate::error::{Error, Result};

/// ecdsa-with-SHA1 (ANSI X9.62), named only to refuse it explicitly.
const ECDSA_WITH_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.1");

/// RSA-PSS trailer field value that X.509 uses (0xBC).
const PSS_TRAILER_BC: u8 = 1;

/// The digests ecert signs and verifies with. SHA-1 and MD5 are deliberately absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum DigestAlgorithm {
    Sha256,
    Sha384,
    Sha512,
}

impl DigestAlgorithm {
    pub const ALL: [DigestAlgorithm; 3] = [Self::Sha256, Self::Sha384, Self::Sha512];

    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Self::Sha256 => rfc5912::ID_SHA_256,
            Self::Sha384 => rfc5912::ID_SHA_384,
            Self::Sha512 => rfc5912::ID_SHA_512,
        }
    }

    pub fn from_oid(oid: &ObjectIdentifier) -> Result<Self> {
        Self::ALL.into_iter().find(|d| d.oid() == *oid).ok_or(Error::UnsupportedAlgorithm {
            oid: *oid,
            reason: "digest not in the allow-list (SHA-256, SHA-384, SHA-512)",
        })
    }

    /// Accepts the hash AlgorithmIdentifier with absent or NULL parameters (RFC 5754 allows both).
    pub fn from_algorithm_identifier(id: &AlgorithmIdentifierOwned) -> Result<Self> {
        let digest = Self::from_oid(&id.oid)?;
        match &id.parameters {
            None => Ok(digest),
            Some(p) if p.is_null() => Ok(digest),
            Some(_) => Err(Error::malformed("digest AlgorithmIdentifier", "unexpected parameters")),
        }
    }

    /// The digestAlgorithm of a CMS SignerInfo. Some signing tools write the combined signature
    /// OID there (e.g. `sha256WithRSAEncryption`); its hash is taken, as other validators do.
    pub fn from_cms_identifier(id: &AlgorithmIdentifierOwned) -> Result<Self> {
        match SignatureAlgorithm::from_algorithm_identifier(id) {
            Ok(sig) if sig.digest().is_some() => sig
                .digest()
                .ok_or(Error::UnsupportedAlgorithm { oid: id.oid, reason: "signature algorithm without a digest" }),
            _ => Self::from_algorithm_identifier(id),
        }
    }

    /// Identifier with absent parameters, as RFC 5754 recommends for CMS.
    pub fn algorithm_identifier(self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned { oid: self.oid(), parameters: None }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Sha256 => "SHA-256",
            Self::Sha384 => "SHA-384",
            Self::Sha512 => "SHA-512",
        }
    }

    pub fn output_len(self) -> usize {
        self.aws().output_len
    }

    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        digest::digest(self.aws(), data).as_ref().to_vec()
    }

    /// Incremental hashing (for PDF byte ranges that are not contiguous).
    pub fn hasher(self) -> Hasher {
        Hasher(digest::Context::new(self.aws()))
    }

    pub(crate) fn aws(self) -> &'static digest::Algorithm {
        match self {
            Self::Sha256 => &digest::SHA256,
            Self::Sha384 => &digest::SHA384,
            Self::Sha512 => &digest::SHA512,
        }
    }
}

impl std::fmt::Display for DigestAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Incremental digest computation.
#[derive(Clone)]
pub struct Hasher(digest::Context);

impl Hasher {
    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    pub fn finish(self) -> Vec<u8> {
        self.0.finish().as_ref().to_vec()
    }
}

/// Hashes used to *identify* objects (OCSP CertIDs, responder key hashes, ESS certificate
/// ids) rather than to secure them: SHA-1 is legitimate here and widely used, so it is read
/// (and written where interoperability demands it, e.g. OCSP ResponderID byKey).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdHash {
    Sha1,
    Sha2(DigestAlgorithm),
}

impl IdHash {
    pub fn from_oid(oid: &ObjectIdentifier) -> Result<Self> {
        if *oid == rfc5912::ID_SHA_1 { Ok(Self::Sha1) } else { Ok(Self::Sha2(DigestAlgorithm::from_oid(oid)?)) }
    }

    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Self::Sha1 => rfc5912::ID_SHA_1,
            Self::Sha2(d) => d.oid(),
        }
    }

    pub fn hash(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha1 => digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, data).as_ref().to_vec(),
            Self::Sha2(d) => d.digest(data),
        }
    }
}

/// Public key families we understand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum KeyKind {
    Rsa { bits: u32 },
    EcP256,
    EcP384,
    Ed25519,
}

impl std::fmt::Display for KeyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Rsa { bits } => write!(f, "RSA-{bits}"),
            Self::EcP256 => f.write_str("EC P-256"),
            Self::EcP384 => f.write_str("EC P-384"),
            Self::Ed25519 => f.write_str("Ed25519"),
        }
    }
}

/// Signature schemes. RSA-PSS always uses MGF1 with the same hash and salt length = hash length,
/// which is the only PSS profile aws-lc-rs verifies and what PAdES signers produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum SignatureAlgorithm {
    RsaPkcs1v15(DigestAlgorithm),
    RsaPss(DigestAlgorithm),
    Ecdsa(DigestAlgorithm),
    Ed25519,
}

/// RSASSA-PSS-params (RFC 4055). Defaults (SHA-1, MGF1-SHA-1, salt 20) are modelled as absent
/// fields because we reject SHA-1 anyway.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct RsaPssParams {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    hash: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    mask_gen: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    salt_len: Option<u32>,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    trailer: Option<u8>,
}

impl SignatureAlgorithm {
    pub fn digest(self) -> Option<DigestAlgorithm> {
        match self {
            Self::RsaPkcs1v15(d) | Self::RsaPss(d) | Self::Ecdsa(d) => Some(d),
            Self::Ed25519 => None,
        }
    }

    pub fn name(self) -> String {
        match self {
            Self::RsaPkcs1v15(d) => format!("RSA PKCS#1 v1.5 with {d}"),
            Self::RsaPss(d) => format!("RSA-PSS with {d}"),
            Self::Ecdsa(d) => format!("ECDSA with {d}"),
            Self::Ed25519 => "Ed25519".to_string(),
        }
    }

    /// Parses an X.509/CMS signature AlgorithmIdentifier (e.g. `sha256WithRSAEncryption`).
    pub fn from_algorithm_identifier(id: &AlgorithmIdentifierOwned) -> Result<Self> {
        let unsupported = |reason| Error::UnsupportedAlgorithm { oid: id.oid, reason };
        let alg = match id.oid {
            rfc5912::SHA_256_WITH_RSA_ENCRYPTION => Self::RsaPkcs1v15(DigestAlgorithm::Sha256),
            rfc5912::SHA_384_WITH_RSA_ENCRYPTION => Self::RsaPkcs1v15(DigestAlgorithm::Sha384),
            rfc5912::SHA_512_WITH_RSA_ENCRYPTION => Self::RsaPkcs1v15(DigestAlgorithm::Sha512),
            rfc5912::ECDSA_WITH_SHA_256 => Self::Ecdsa(DigestAlgorithm::Sha256),
            rfc5912::ECDSA_WITH_SHA_384 => Self::Ecdsa(DigestAlgorithm::Sha384),
            rfc5912::ECDSA_WITH_SHA_512 => Self::Ecdsa(DigestAlgorithm::Sha512),
            rfc8410::ID_ED_25519 => Self::Ed25519,
            rfc5912::ID_RSASSA_PSS => {
                let params = id.parameters.as_ref().ok_or(unsupported("RSA-PSS without parameters means SHA-1"))?;
                let params_der = params.to_der().map_err(|e| Error::malformed("RSA-PSS parameters", e))?;
                return Ok(Self::RsaPss(parse_pss_params(&params_der)?));
            }
            rfc5912::SHA_1_WITH_RSA_ENCRYPTION | ECDSA_WITH_SHA1 | rfc5912::MD_5_WITH_RSA_ENCRYPTION => {
                return Err(unsupported("SHA-1 and MD5 signatures are refused"));
            }
            _ => return Err(unsupported("unknown signature algorithm")),
        };
        check_absent_or_null_params(id, alg)?;
        Ok(alg)
    }

    /// CMS SignerInfo may name only the key algorithm (`rsaEncryption`, `id-ecPublicKey`) and
    /// leave the hash to `digestAlgorithm` (RFC 5652 §5.3, RFC 5753); this resolves both forms.
    pub fn from_cms(digest_alg: &AlgorithmIdentifierOwned, signature_alg: &AlgorithmIdentifierOwned) -> Result<Self> {
        let digest = DigestAlgorithm::from_cms_identifier(digest_alg)?;
        match signature_alg.oid {
            rfc5912::RSA_ENCRYPTION => Ok(Self::RsaPkcs1v15(digest)),
            rfc5912::ID_EC_PUBLIC_KEY => Ok(Self::Ecdsa(digest)),
            _ => Self::from_algorithm_identifier(signature_alg),
        }
    }

    /// The identifier we emit: NULL parameters for PKCS#1 (RFC 4055 requires them), explicit
    /// PSS parameters, absent parameters for ECDSA and Ed25519.
    pub fn algorithm_identifier(self) -> Result<AlgorithmIdentifierOwned> {
        let null = || Some(der::Any::null());
        Ok(match self {
            Self::RsaPkcs1v15(d) => AlgorithmIdentifierOwned {
                oid: match d {
                    DigestAlgorithm::Sha256 => rfc5912::SHA_256_WITH_RSA_ENCRYPTION,
                    DigestAlgorithm::Sha384 => rfc5912::SHA_384_WITH_RSA_ENCRYPTION,
                    DigestAlgorithm::Sha512 => rfc5912::SHA_512_WITH_RSA_ENCRYPTION,
                },
                parameters: null(),
            },
            Self::RsaPss(d) => {
                let hash = AlgorithmIdentifierOwned { oid: d.oid(), parameters: null() };
                let mgf = AlgorithmIdentifierOwned {
                    oid: rfc5912::ID_MGF_1,
                    parameters: Some(der::Any::encode_from(&hash).map_err(|e| Error::malformed("MGF1 parameters", e))?),
                };
                let params = RsaPssParams {
                    hash: Some(hash),
                    mask_gen: Some(mgf),
                    salt_len: Some(d.output_len() as u32),
                    trailer: None,
                };
                AlgorithmIdentifierOwned {
                    oid: rfc5912::ID_RSASSA_PSS,
                    parameters: Some(
                        der::Any::encode_from(&params).map_err(|e| Error::malformed("RSA-PSS parameters", e))?,
                    ),
                }
            }
            Self::Ecdsa(d) => AlgorithmIdentifierOwned {
                oid: match d {
                    DigestAlgorithm::Sha256 => rfc5912::ECDSA_WITH_SHA_256,
                    DigestAlgorithm::Sha384 => rfc5912::ECDSA_WITH_SHA_384,
                    DigestAlgorithm::Sha512 => rfc5912::ECDSA_WITH_SHA_512,
                },
                parameters: None,
            },
            Self::Ed25519 => AlgorithmIdentifierOwned { oid: rfc8410::ID_ED_25519, parameters: None },
        })
    }
}

impl std::fmt::Display for SignatureAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

fn check_absent_or_null_params(id: &AlgorithmIdentifierOwned, alg: SignatureAlgorithm) -> Result<()> {
    match (&id.parameters, alg) {
        (None, _) => Ok(()),
        // RFC 4055 mandates NULL for PKCS#1; some encoders also emit NULL for ECDSA, tolerate it.
        (Some(p), SignatureAlgorithm::RsaPkcs1v15(_) | SignatureAlgorithm::Ecdsa(_)) if p.is_null() => Ok(()),
        _ => Err(Error::malformed("signature AlgorithmIdentifier", "unexpected parameters")),
    }
}

fn parse_pss_params(der_bytes: &[u8]) -> Result<DigestAlgorithm> {
    let params = RsaPssParams::from_der(der_bytes).map_err(|e| Error::malformed("RSA-PSS parameters", e))?;
    let unsupported = |reason| Error::UnsupportedAlgorithm { oid: rfc5912::ID_RSASSA_PSS, reason };
    let hash_id = params.hash.ok_or(unsupported("RSA-PSS with default hash SHA-1"))?;
    let digest = DigestAlgorithm::from_algorithm_identifier(&hash_id)?;
    let mgf = params.mask_gen.ok_or(unsupported("RSA-PSS with default MGF1-SHA-1"))?;
    if mgf.oid != rfc5912::ID_MGF_1 {
        return Err(unsupported("RSA-PSS mask generation function is not MGF1"));
    }
    let mgf_hash = mgf
        .parameters
        .ok_or(unsupported("MGF1 without hash parameter"))?
        .decode_as::<AlgorithmIdentifierOwned>()
        .map_err(|e| Error::malformed("MGF1 parameters", e))?;
    if DigestAlgorithm::from_algorithm_identifier(&mgf_hash)? != digest {
        return Err(unsupported("RSA-PSS MGF1 hash differs from the message hash"));
    }
    if params.salt_len != Some(digest.output_len() as u32) {
        return Err(unsupported("RSA-PSS salt length differs from the hash length"));
    }
    if params.trailer.is_some_and(|t| t != PSS_TRAILER_BC) {
        return Err(unsupported("RSA-PSS trailer field is not 1"));
    }
    Ok(digest)
}

/// A decoded SubjectPublicKeyInfo: the key family and the raw key bits aws-lc-rs consumes.
pub(crate) struct PublicKey<'a> {
    pub kind: KeyKind,
    pub key_bits: &'a [u8],
}

pub(crate) fn parse_spki(spki_der: &[u8]) -> Result<PublicKey<'_>> {
    let spki = SubjectPublicKeyInfoRef::from_der(spki_der).map_err(|e| Error::malformed("SubjectPublicKeyInfo", e))?;
    let key_bits = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| Error::malformed("SubjectPublicKeyInfo", "public key BIT STRING has unused bits"))?;
    let kind = key_kind(&spki.algorithm.oid, spki.algorithm.parameters.as_ref(), &spki.subject_public_key)?;
    Ok(PublicKey { kind, key_bits })
}

/// The key family of a SubjectPublicKeyInfo (RSA with its modulus size, EC curve, Ed25519).
pub fn key_kind_of_spki(spki_der: &[u8]) -> Result<KeyKind> {
    Ok(parse_spki(spki_der)?.kind)
}

fn key_kind(oid: &ObjectIdentifier, params: Option<&AnyRef<'_>>, key: &BitStringRef<'_>) -> Result<KeyKind> {
    match *oid {
        rfc5912::RSA_ENCRYPTION | rfc5912::ID_RSASSA_PSS => {
            let bytes = key.as_bytes().unwrap_or_default();
            let (modulus, _exponent) = decode_rsa_public_key(bytes)?;
            let significant = modulus.as_bytes();
            let leading = significant.first().map_or(0, |b| b.leading_zeros());
            let bits = (significant.len() as u32) * 8 - leading;
            Ok(KeyKind::Rsa { bits })
        }
        rfc5912::ID_EC_PUBLIC_KEY => {
            let curve = params
                .ok_or_else(|| Error::malformed("EC public key", "missing curve parameter"))?
                .decode_as::<ObjectIdentifier>()
                .map_err(|_| Error::UnsupportedKey("EC key with explicit curve parameters".into()))?;
            match curve {
                rfc5912::SECP_256_R_1 => Ok(KeyKind::EcP256),
                rfc5912::SECP_384_R_1 => Ok(KeyKind::EcP384),
                other => {
                    Err(Error::UnsupportedAlgorithm { oid: other, reason: "only EC P-256 and P-384 are supported" })
                }
            }
        }
        rfc8410::ID_ED_25519 => Ok(KeyKind::Ed25519),
        other => Err(Error::UnsupportedAlgorithm { oid: other, reason: "unknown public key algorithm" }),
    }
}

fn decode_rsa_public_key(bytes: &[u8]) -> Result<(UintRef<'_>, UintRef<'_>)> {
    let malformed = |e: der::Error| Error::malformed("RSAPublicKey", e);
    let mut reader = der::SliceReader::new(bytes).map_err(malformed)?;
    let pair =
        der::Reader::sequence(&mut reader, |r| Ok((UintRef::decode(r)?, UintRef::decode(r)?))).map_err(malformed)?;
    der::Reader::finish(reader, pair).map_err(malformed)
}

/// Verifies `signature` over `message` with the key in `spki_der`.
///
/// RSA keys below 2048 bits are refused (aws-lc-rs' modern parameter sets), as are key/algorithm
/// mismatches (an EC key cannot verify an RSA signature).
pub fn verify_signature(
    spki_der: &[u8],
    alg: &SignatureAlgorithm,
    message: &[u8],
    signature_bytes: &[u8],
) -> Result<()> {
    let key = parse_spki(spki_der)?;
    check_signature(verification_params(key.kind, *alg)?, key.key_bits, message, signature_bytes)
}

/// Like [`verify_signature`] but also accepts RSA keys of 1024 to 2047 bits with PKCS#1 v1.5
/// SHA-256 or SHA-512 (what aws-lc-rs offers for legacy keys). For validators that must tell
/// "intact but weak" from "broken"; a policy decides what a weak key means.
pub fn verify_signature_allow_weak_rsa(
    spki_der: &[u8],
    alg: &SignatureAlgorithm,
    message: &[u8],
    signature_bytes: &[u8],
) -> Result<()> {
    let key = parse_spki(spki_der)?;
    let params: &'static dyn signature::VerificationAlgorithm = match (key.kind, *alg) {
        (KeyKind::Rsa { bits: 1024..2048 }, SignatureAlgorithm::RsaPkcs1v15(DigestAlgorithm::Sha256)) => {
            &signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY
        }
        (KeyKind::Rsa { bits: 1024..2048 }, SignatureAlgorithm::RsaPkcs1v15(DigestAlgorithm::Sha512)) => {
            &signature::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY
        }
        (kind, alg) => verification_params(kind, alg)?,
    };
    check_signature(params, key.key_bits, message, signature_bytes)
}

fn check_signature(
    params: &'static dyn signature::VerificationAlgorithm,
    key_bits: &[u8],
    message: &[u8],
    signature_bytes: &[u8],
) -> Result<()> {
    signature::UnparsedPublicKey::new(params, key_bits)
        .verify(message, signature_bytes)
        .map_err(|_| Error::BadSignature("the signature does not match the data and public key"))
}

fn verification_params(
    kind: KeyKind,
    alg: SignatureAlgorithm,
) -> Result<&'static dyn signature::VerificationAlgorithm> {
    use DigestAlgorithm::*;
    use SignatureAlgorithm::*;
    if let KeyKind::Rsa { bits } = kind
        && bits < 2048
    {
        return Err(Error::UnsupportedKey(format!("RSA key of {bits} bits is below the 2048-bit minimum")));
    }
    Ok(match (kind, alg) {
        (KeyKind::Rsa { .. }, RsaPkcs1v15(Sha256)) => &signature::RSA_PKCS1_2048_8192_SHA256,
        (KeyKind::Rsa { .. }, RsaPkcs1v15(Sha384)) => &signature::RSA_PKCS1_2048_8192_SHA384,
        (KeyKind::Rsa { .. }, RsaPkcs1v15(Sha512)) => &signature::RSA_PKCS1_2048_8192_SHA512,
        (KeyKind::Rsa { .. }, RsaPss(Sha256)) => &signature::RSA_PSS_2048_8192_SHA256,
        (KeyKind::Rsa { .. }, RsaPss(Sha384)) => &signature::RSA_PSS_2048_8192_SHA384,
        (KeyKind::Rsa { .. }, RsaPss(Sha512)) => &signature::RSA_PSS_2048_8192_SHA512,
        (KeyKind::EcP256, Ecdsa(Sha256)) => &signature::ECDSA_P256_SHA256_ASN1,
        (KeyKind::EcP256, Ecdsa(Sha384)) => &signature::ECDSA_P256_SHA384_ASN1,
        (KeyKind::EcP256, Ecdsa(Sha512)) => &signature::ECDSA_P256_SHA512_ASN1,
        (KeyKind::EcP384, Ecdsa(Sha256)) => &signature::ECDSA_P384_SHA256_ASN1,
        (KeyKind::EcP384, Ecdsa(Sha384)) => &signature::ECDSA_P384_SHA384_ASN1,
        (KeyKind::EcP384, Ecdsa(Sha512)) => &signature::ECDSA_P384_SHA512_ASN1,
        (KeyKind::Ed25519, Ed25519) => &signature::ED25519,
        (kind, alg) => return Err(Error::AlgorithmMismatch(format!("a {kind} key cannot verify {alg}"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_oids_round_trip_and_sha1_is_refused() {
        for d in DigestAlgorithm::ALL {
            assert_eq!(DigestAlgorithm::from_oid(&d.oid()).unwrap(), d);
            assert_eq!(d.digest(b"abc").len(), d.output_len());
        }
        assert!(matches!(DigestAlgorithm::from_oid(&rfc5912::ID_SHA_1), Err(Error::UnsupportedAlgorithm { .. })));
    }

    #[test]
    fn sha256_known_answer_and_incremental_hasher_agree() {
        let expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(hex::encode(DigestAlgorithm::Sha256.digest(b"abc")), expected);
        let mut h = DigestAlgorithm::Sha256.hasher();
        h.update(b"a");
        h.update(b"bc");
        assert_eq!(hex::encode(h.finish()), expected);
    }

    #[test]
    fn signature_identifiers_round_trip() {
        let all = DigestAlgorithm::ALL.into_iter().flat_map(|d| {
            [SignatureAlgorithm::RsaPkcs1v15(d), SignatureAlgorithm::RsaPss(d), SignatureAlgorithm::Ecdsa(d)]
        });
        for alg in all.chain([SignatureAlgorithm::Ed25519]) {
            let id = alg.algorithm_identifier().unwrap();
            assert_eq!(SignatureAlgorithm::from_algorithm_identifier(&id).unwrap(), alg, "{alg}");
        }
    }

    #[test]
    fn pss_params_with_foreign_salt_or_mgf_are_refused() {
        let d = DigestAlgorithm::Sha256;
        let hash = AlgorithmIdentifierOwned { oid: d.oid(), parameters: None };
        let mgf_with = |h: &AlgorithmIdentifierOwned| AlgorithmIdentifierOwned {
            oid: rfc5912::ID_MGF_1,
            parameters: Some(der::Any::encode_from(h).unwrap()),
        };
        let build = |params: RsaPssParams| AlgorithmIdentifierOwned {
            oid: rfc5912::ID_RSASSA_PSS,
            parameters: Some(der::Any::encode_from(&params).unwrap()),
        };
        let good = RsaPssParams {
            hash: Some(hash.clone()),
            mask_gen: Some(mgf_with(&hash)),
            salt_len: Some(32),
            trailer: None,
        };
        assert_eq!(
            SignatureAlgorithm::from_algorithm_identifier(&build(good.clone())).unwrap(),
            SignatureAlgorithm::RsaPss(d)
        );

        let salt = RsaPssParams { salt_len: Some(20), ..good.clone() };
        let sha384 = DigestAlgorithm::Sha384.algorithm_identifier();
        let mgf = RsaPssParams { mask_gen: Some(mgf_with(&sha384)), ..good.clone() };
        let default_hash = RsaPssParams { hash: None, ..good.clone() };
        let trailer = RsaPssParams { trailer: Some(2), ..good.clone() };
        for bad in [salt, mgf, default_hash, trailer] {
            assert!(matches!(
                SignatureAlgorithm::from_algorithm_identifier(&build(bad)),
                Err(Error::UnsupportedAlgorithm { .. })
            ));
        }
        let absent = AlgorithmIdentifierOwned { oid: rfc5912::ID_RSASSA_PSS, parameters: None };
        assert!(SignatureAlgorithm::from_algorithm_identifier(&absent).is_err());
    }

    #[test]
    fn sha1_and_unknown_signature_algorithms_are_refused() {
        for oid in [rfc5912::SHA_1_WITH_RSA_ENCRYPTION, ECDSA_WITH_SHA1, rfc5912::ID_SHA_256] {
            let id = AlgorithmIdentifierOwned { oid, parameters: None };
            assert!(matches!(
                SignatureAlgorithm::from_algorithm_identifier(&id),
                Err(Error::UnsupportedAlgorithm { .. })
            ));
        }
    }

    #[test]
    fn cms_key_only_identifiers_take_the_digest_algorithm() {
        let rsa = AlgorithmIdentifierOwned { oid: rfc5912::RSA_ENCRYPTION, parameters: Some(der::Any::null()) };
        let ec = AlgorithmIdentifierOwned { oid: rfc5912::ID_EC_PUBLIC_KEY, parameters: None };
        let d = DigestAlgorithm::Sha384.algorithm_identifier();
        assert_eq!(
            SignatureAlgorithm::from_cms(&d, &rsa).unwrap(),
            SignatureAlgorithm::RsaPkcs1v15(DigestAlgorithm::Sha384)
        );
        assert_eq!(SignatureAlgorithm::from_cms(&d, &ec).unwrap(), SignatureAlgorithm::Ecdsa(DigestAlgorithm::Sha384));
    }

    #[test]
    fn cms_digest_algorithm_may_carry_a_signature_oid() {
        let quirk = SignatureAlgorithm::RsaPkcs1v15(DigestAlgorithm::Sha384).algorithm_identifier().unwrap();
        assert_eq!(DigestAlgorithm::from_cms_identifier(&quirk).unwrap(), DigestAlgorithm::Sha384);
        let plain = DigestAlgorithm::Sha512.algorithm_identifier();
        assert_eq!(DigestAlgorithm::from_cms_identifier(&plain).unwrap(), DigestAlgorithm::Sha512);
        let ed = SignatureAlgorithm::Ed25519.algorithm_identifier().unwrap();
        assert!(DigestAlgorithm::from_cms_identifier(&ed).is_err());
    }

    #[test]
    fn garbage_spki_is_malformed_not_a_panic() {
        for input in [&b""[..], b"\x30\x00", b"\x30\x03\x02\x01\x00", &[0xff; 40]] {
            assert!(verify_signature(input, &SignatureAlgorithm::Ed25519, b"m", b"s").is_err());
        }
    }
}
