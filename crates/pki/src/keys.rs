//! Signing keys (PKCS#8, encrypted PKCS#8, PKCS#1/SEC1 PEM, PKCS#12) and signer credentials.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, RsaKeyPair};
use const_oid::db::{rfc5912, rfc8410};
use der::Decode;
use pkcs8::pkcs5::{EncryptionScheme, pbes2};

use crate::alg::{self, DigestAlgorithm, KeyKind, SignatureAlgorithm};
use crate::cert::Certificate;
use crate::encoding::{self, MAX_DER_LEN};
use crate::error::{Error, Result};

/// RSA moduli we sign with (below is weak, above makes signing needlessly slow).
const RSA_MIN_BITS: u32 = 2048;
const RSA_MAX_BITS: u32 = 8192;
/// Upper bounds on password-based KDF cost so a hostile key file cannot stall the process.
const MAX_PBKDF2_ITERATIONS: u32 = 10_000_000;
const MAX_SCRYPT_COST: u64 = 1 << 20;
/// PBKDF2 iterations used when we encrypt a key ourselves (OWASP 2023 guidance for SHA-256).
const PBKDF2_ITERATIONS: u32 = 600_000;

enum KeyPair {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

/// A private key that signs with aws-lc-rs.
pub struct SigningKey {
    pair: KeyPair,
    kind: KeyKind,
    spki_der: Vec<u8>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("SigningKey").field("kind", &self.kind).finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Generates a fresh key (RSA 2048/3072/4096, EC P-256/P-384, Ed25519).
    pub fn generate(kind: KeyKind) -> Result<Self> {
        let pair = match kind {
            KeyKind::Rsa { bits } => {
                let size = match bits {
                    2048 => KeySize::Rsa2048,
                    3072 => KeySize::Rsa3072,
                    4096 => KeySize::Rsa4096,
                    _ => {
                        return Err(Error::UnsupportedKey(format!(
                            "cannot generate RSA-{bits}; use 2048, 3072 or 4096"
                        )));
                    }
                };
                KeyPair::Rsa(RsaKeyPair::generate(size).map_err(|_| Error::Crypto("RSA key generation"))?)
            }
            KeyKind::EcP256 | KeyKind::EcP384 => KeyPair::Ec(
                EcdsaKeyPair::generate(native_ecdsa_alg(kind)).map_err(|_| Error::Crypto("EC key generation"))?,
            ),
            KeyKind::Ed25519 => {
                KeyPair::Ed25519(Ed25519KeyPair::generate().map_err(|_| Error::Crypto("Ed25519 key generation"))?)
            }
        };
        Self::from_pair(pair)
    }

    fn from_pair(pair: KeyPair) -> Result<Self> {
        let spki = match &pair {
            KeyPair::Rsa(k) => k.public_key().as_der().map(|d| d.as_ref().to_vec()),
            KeyPair::Ec(k) => k.public_key().as_der().map(|d| d.as_ref().to_vec()),
            KeyPair::Ed25519(k) => k.public_key().as_der().map(|d| d.as_ref().to_vec()),
        };
        let spki_der = spki.map_err(|_| Error::Crypto("public key encoding"))?;
        let kind = alg::key_kind_of_spki(&spki_der)?;
        if let KeyKind::Rsa { bits } = kind
            && !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bits)
        {
            return Err(Error::UnsupportedKey(format!(
                "RSA key of {bits} bits; {RSA_MIN_BITS} to {RSA_MAX_BITS} bits are supported"
            )));
        }
        Ok(SigningKey { pair, kind, spki_der })
    }

    /// Unencrypted PKCS#8 PrivateKeyInfo (v1 or v2) DER.
    pub fn from_pkcs8_der(der_bytes: &[u8]) -> Result<Self> {
        encoding::check_len("private key", der_bytes.len(), MAX_DER_LEN)?;
        let info = pkcs8::PrivateKeyInfo::from_der(der_bytes).map_err(|e| Error::malformed("PKCS#8 private key", e))?;
        let rejected = |e: aws_lc_rs::error::KeyRejected| Error::UnsupportedKey(format!("key rejected: {e}"));
        let pair = match info.algorithm.oid {
            rfc5912::RSA_ENCRYPTION => KeyPair::Rsa(RsaKeyPair::from_pkcs8(der_bytes).map_err(rejected)?),
            rfc5912::ID_EC_PUBLIC_KEY => {
                let curve = info
                    .algorithm
                    .parameters_oid()
                    .map_err(|_| Error::UnsupportedKey("EC key without a named curve".into()))?;
                let kind = match curve {
                    rfc5912::SECP_256_R_1 => KeyKind::EcP256,
                    rfc5912::SECP_384_R_1 => KeyKind::EcP384,
                    other => {
                        return Err(Error::UnsupportedKey(format!("EC curve {other}; P-256 and P-384 are supported")));
                    }
                };
                KeyPair::Ec(EcdsaKeyPair::from_pkcs8(native_ecdsa_alg(kind), der_bytes).map_err(rejected)?)
            }
            rfc8410::ID_ED_25519 => {
                KeyPair::Ed25519(Ed25519KeyPair::from_pkcs8_maybe_unchecked(der_bytes).map_err(rejected)?)
            }
            other => return Err(Error::UnsupportedKey(format!("private key algorithm {other}"))),
        };
        Self::from_pair(pair)
    }

    /// PKCS#8 EncryptedPrivateKeyInfo (PBES2) DER.
    pub fn from_encrypted_pkcs8_der(der_bytes: &[u8], passphrase: &str) -> Result<Self> {
        encoding::check_len("private key", der_bytes.len(), MAX_DER_LEN)?;
        let info = pkcs8::EncryptedPrivateKeyInfo::from_der(der_bytes)
            .map_err(|e| Error::malformed("encrypted PKCS#8 private key", e))?;
        check_kdf_cost(&info.encryption_algorithm)?;
        let plain = match info.decrypt(passphrase) {
            Ok(doc) => doc,
            // pkcs5 reports a padding failure after decryption as DecryptFailed or EncryptFailed
            // depending on the cipher path; both mean the derived key was wrong.
            Err(pkcs8::Error::EncryptedPrivateKey(
                pkcs8::pkcs5::Error::DecryptFailed | pkcs8::pkcs5::Error::EncryptFailed,
            )) => {
                return Err(Error::WrongPassphrase);
            }
            Err(pkcs8::Error::EncryptedPrivateKey(e)) => {
                return Err(Error::UnsupportedKey(format!("key encryption not supported: {e}")));
            }
            // Decryption "succeeded" with the wrong key but produced garbage (padding matched by chance).
            Err(_) => return Err(Error::WrongPassphrase),
        };
        Self::from_pkcs8_der(plain.as_bytes()).map_err(|e| match e {
            Error::Malformed { .. } => Error::WrongPassphrase,
            other => other,
        })
    }

    /// PEM: `PRIVATE KEY`, `ENCRYPTED PRIVATE KEY` (needs `passphrase`), or the traditional
    /// OpenSSL `RSA PRIVATE KEY` / `EC PRIVATE KEY` (unencrypted) forms.
    pub fn from_pkcs8_pem(pem: &str, passphrase: Option<&str>) -> Result<Self> {
        let blocks = encoding::pem_blocks(pem)?;
        let block = blocks
            .iter()
            .find(|b| b.label.ends_with("PRIVATE KEY"))
            .ok_or(Error::PemNotFound { expected: "PRIVATE KEY" })?;
        match block.label.as_str() {
            "PRIVATE KEY" => Self::from_pkcs8_der(&block.der),
            "ENCRYPTED PRIVATE KEY" => {
                Self::from_encrypted_pkcs8_der(&block.der, passphrase.ok_or(Error::PassphraseRequired)?)
            }
            "RSA PRIVATE KEY" => Self::from_pair(KeyPair::Rsa(
                RsaKeyPair::from_der(&block.der).map_err(|e| Error::UnsupportedKey(format!("key rejected: {e}")))?,
            )),
            "EC PRIVATE KEY" => Self::from_sec1_der(&block.der),
            other => Err(Error::UnsupportedKey(format!("PEM block {other}"))),
        }
    }

    fn from_sec1_der(der_bytes: &[u8]) -> Result<Self> {
        [KeyKind::EcP256, KeyKind::EcP384]
            .into_iter()
            .find_map(|kind| EcdsaKeyPair::from_private_key_der(native_ecdsa_alg(kind), der_bytes).ok())
            .map(|k| Self::from_pair(KeyPair::Ec(k)))
            .unwrap_or_else(|| {
                Err(Error::UnsupportedKey("EC private key is not on P-256 or P-384, or malformed".into()))
            })
    }

    /// Any supported key file: PEM or DER, plain or encrypted PKCS#8.
    pub fn load(bytes: &[u8], passphrase: Option<&str>) -> Result<Self> {
        if encoding::looks_like_pem(bytes) {
            let text = std::str::from_utf8(bytes).map_err(|e| Error::malformed("PEM", e))?;
            return Self::from_pkcs8_pem(text, passphrase);
        }
        if pkcs8::PrivateKeyInfo::from_der(bytes).is_ok() {
            return Self::from_pkcs8_der(bytes);
        }
        if pkcs8::EncryptedPrivateKeyInfo::from_der(bytes).is_ok() {
            return Self::from_encrypted_pkcs8_der(bytes, passphrase.ok_or(Error::PassphraseRequired)?);
        }
        Err(Error::malformed("private key", "neither PEM nor PKCS#8 DER"))
    }

    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    /// SubjectPublicKeyInfo DER of the public half.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// Fails with [`Error::KeyCertMismatch`] unless the certificate certifies this key.
    pub fn check_matches(&self, cert: &Certificate) -> Result<()> {
        let ours = alg::parse_spki(&self.spki_der)?;
        let theirs = alg::parse_spki(cert.spki_der()).map_err(|_| Error::KeyCertMismatch)?;
        if ours.kind == theirs.kind && ours.key_bits == theirs.key_bits { Ok(()) } else { Err(Error::KeyCertMismatch) }
    }

    /// The signature scheme this key uses with `digest` (PSS only for RSA). Ed25519 hashes
    /// internally, so `digest` does not change its scheme.
    pub fn signature_algorithm(&self, digest: DigestAlgorithm, use_pss: bool) -> Result<SignatureAlgorithm> {
        match (self.kind, use_pss) {
            (KeyKind::Rsa { .. }, false) => Ok(SignatureAlgorithm::RsaPkcs1v15(digest)),
            (KeyKind::Rsa { .. }, true) => Ok(SignatureAlgorithm::RsaPss(digest)),
            (kind, true) => Err(Error::AlgorithmMismatch(format!("RSA-PSS needs an RSA key, not {kind}"))),
            (KeyKind::EcP256 | KeyKind::EcP384, false) => Ok(SignatureAlgorithm::Ecdsa(digest)),
            (KeyKind::Ed25519, false) => Ok(SignatureAlgorithm::Ed25519),
        }
    }

    /// Signs `message` (hashing it as the algorithm prescribes).
    pub fn sign(&self, alg: &SignatureAlgorithm, message: &[u8]) -> Result<Vec<u8>> {
        let rng = SystemRandom::new();
        let failed = |_| Error::Crypto("signing");
        match (&self.pair, *alg) {
            (KeyPair::Rsa(k), SignatureAlgorithm::RsaPkcs1v15(d) | SignatureAlgorithm::RsaPss(d)) => {
                let pss = matches!(alg, SignatureAlgorithm::RsaPss(_));
                let mut sig = vec![0u8; k.public_modulus_len()];
                k.sign(rsa_encoding(d, pss), &rng, message, &mut sig).map_err(failed)?;
                Ok(sig)
            }
            (KeyPair::Ec(k), SignatureAlgorithm::Ecdsa(d)) => {
                let native = native_digest(self.kind);
                if d == native {
                    return Ok(k.sign(&rng, message).map_err(failed)?.as_ref().to_vec());
                }
                // aws-lc-rs binds each EC key to its curve's hash. ECDSA only uses the leftmost
                // curve-size bits of the hash (FIPS 186-4 §6.4), so a longer hash is truncated and
                // a shorter one left-padded with zeros (same integer) to produce a valid
                // ecdsa-with-<d> signature through `sign_digest`.
                let hash = d.digest(message);
                let n = native.output_len();
                let mut e = vec![0u8; n];
                if hash.len() >= n {
                    e.copy_from_slice(&hash[..n]);
                } else {
                    e[n - hash.len()..].copy_from_slice(&hash);
                }
                let imported = aws_lc_rs::digest::Digest::import_less_safe(&e, native.aws()).map_err(failed)?;
                Ok(k.sign_digest(&imported).map_err(failed)?.as_ref().to_vec())
            }
            (KeyPair::Ed25519(k), SignatureAlgorithm::Ed25519) => Ok(k.sign(message).as_ref().to_vec()),
            (_, alg) => Err(Error::AlgorithmMismatch(format!("a {} key cannot sign {alg}", self.kind))),
        }
    }

    /// Unencrypted PKCS#8 DER (v1 for RSA and EC, v1 for Ed25519 as openssl writes it).
    pub fn to_pkcs8_der(&self) -> Result<Vec<u8>> {
        let doc = match &self.pair {
            KeyPair::Rsa(k) => k.as_der().map(|d| d.as_ref().to_vec()),
            KeyPair::Ec(k) => k.to_pkcs8v1().map(|d| d.as_ref().to_vec()),
            KeyPair::Ed25519(k) => k.to_pkcs8v1().map(|d| d.as_ref().to_vec()),
        };
        doc.map_err(|_| Error::Crypto("private key export"))
    }

    pub fn to_pkcs8_pem(&self) -> Result<String> {
        Ok(encoding::pem_encode("PRIVATE KEY", &self.to_pkcs8_der()?))
    }

    /// PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) encrypted PKCS#8 DER.
    pub fn to_encrypted_pkcs8_der(&self, passphrase: &str) -> Result<Vec<u8>> {
        let plain = self.to_pkcs8_der()?;
        let info = pkcs8::PrivateKeyInfo::from_der(&plain).map_err(|e| Error::malformed("PKCS#8 private key", e))?;
        let salt = encoding::random_bytes::<16>()?;
        let iv = encoding::random_bytes::<16>()?;
        let params = pbes2::Parameters::pbkdf2_sha256_aes256cbc(PBKDF2_ITERATIONS, &salt, &iv)
            .map_err(|e| Error::UnsupportedKey(e.to_string()))?;
        let doc = info.encrypt_with_params(params, passphrase).map_err(|e| Error::UnsupportedKey(e.to_string()))?;
        Ok(doc.as_bytes().to_vec())
    }

    pub fn to_encrypted_pkcs8_pem(&self, passphrase: &str) -> Result<String> {
        Ok(encoding::pem_encode("ENCRYPTED PRIVATE KEY", &self.to_encrypted_pkcs8_der(passphrase)?))
    }
}

fn check_kdf_cost(scheme: &EncryptionScheme<'_>) -> Result<()> {
    let EncryptionScheme::Pbes2(params) = scheme else {
        return Err(Error::UnsupportedKey("PBES1 key encryption is obsolete; re-encrypt with PBES2".into()));
    };
    match &params.kdf {
        pbes2::Kdf::Pbkdf2(p) if p.iteration_count > MAX_PBKDF2_ITERATIONS => Err(Error::UnsupportedKey(format!(
            "PBKDF2 iteration count {} is above the limit of {MAX_PBKDF2_ITERATIONS}",
            p.iteration_count
        ))),
        pbes2::Kdf::Scrypt(p) if p.cost_parameter > MAX_SCRYPT_COST => Err(Error::UnsupportedKey(format!(
            "scrypt cost {} is above the limit of {MAX_SCRYPT_COST}",
            p.cost_parameter
        ))),
        _ => Ok(()),
    }
}

fn native_ecdsa_alg(kind: KeyKind) -> &'static signature::EcdsaSigningAlgorithm {
    match kind {
        KeyKind::EcP384 => &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
        _ => &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
    }
}

fn native_digest(kind: KeyKind) -> DigestAlgorithm {
    match kind {
        KeyKind::EcP384 => DigestAlgorithm::Sha384,
        _ => DigestAlgorithm::Sha256,
    }
}

fn rsa_encoding(d: DigestAlgorithm, pss: bool) -> &'static dyn signature::RsaEncoding {
    match (d, pss) {
        (DigestAlgorithm::Sha256, false) => &signature::RSA_PKCS1_SHA256,
        (DigestAlgorithm::Sha384, false) => &signature::RSA_PKCS1_SHA384,
        (DigestAlgorithm::Sha512, false) => &signature::RSA_PKCS1_SHA512,
        (DigestAlgorithm::Sha256, true) => &signature::RSA_PSS_SHA256,
        (DigestAlgorithm::Sha384, true) => &signature::RSA_PSS_SHA384,
        (DigestAlgorithm::Sha512, true) => &signature::RSA_PSS_SHA512,
    }
}

/// A signing key with its certificate and the chain up to (and usually including) the root.
#[derive(Debug)]
pub struct SignerCredentials {
    pub key: SigningKey,
    pub certificate: Certificate,
    pub chain: Vec<Certificate>,
}

impl SignerCredentials {
    /// Pairs a key with its certificate; fails with [`Error::KeyCertMismatch`] if they disagree.
    pub fn new(key: SigningKey, certificate: Certificate, chain: Vec<Certificate>) -> Result<Self> {
        key.check_matches(&certificate)?;
        Ok(SignerCredentials { key, certificate, chain })
    }

    /// A key file plus a certificate file (PEM bundle or DER). The certificate matching the key is
    /// the signer; all others become the chain.
    pub fn from_key_and_certs(key_bytes: &[u8], cert_bytes: &[u8], passphrase: Option<&str>) -> Result<Self> {
        let key = SigningKey::load(key_bytes, passphrase)?;
        Self::from_key_and_cert_list(key, Certificate::parse_any(cert_bytes)?)
    }

    fn from_key_and_cert_list(key: SigningKey, mut certs: Vec<Certificate>) -> Result<Self> {
        let idx = certs.iter().position(|c| key.check_matches(c).is_ok()).ok_or(Error::KeyCertMismatch)?;
        let certificate = certs.remove(idx);
        Ok(SignerCredentials { key, certificate, chain: certs })
    }

    /// PKCS#12 / PFX. A wrong passphrase is always [`Error::WrongPassphrase`].
    pub fn from_pkcs12(bytes: &[u8], passphrase: &str) -> Result<Self> {
        encoding::check_len("PKCS#12 file", bytes.len(), MAX_DER_LEN)?;
        use p12_keystore::error::Error as P12Error;
        let store = p12_keystore::KeyStore::from_pkcs12(bytes, passphrase, p12_keystore::Pkcs12ImportPolicy::Relaxed)
            .map_err(|e| match e {
            P12Error::MacError(_) | P12Error::UnpadError => Error::WrongPassphrase,
            other => Error::Pkcs12(other.to_string()),
        })?;
        let (_, chain) = store.private_key_chain().ok_or_else(|| Error::Pkcs12("no private key in the file".into()))?;
        let key = SigningKey::from_pkcs8_der(chain.key().as_der())?;
        let certs = chain.certs().iter().map(|c| Certificate::from_der(c.as_der())).collect::<Result<Vec<_>>>()?;
        Self::from_key_and_cert_list(key, certs)
    }

    /// PKCS#12 with PBES2/AES-256 and an HMAC-SHA256 MAC (readable by OpenSSL 3).
    pub fn to_pkcs12(&self, passphrase: &str) -> Result<Vec<u8>> {
        let p12err = |e: p12_keystore::error::Error| Error::Pkcs12(e.to_string());
        let key = p12_keystore::PrivateKey::from_der(&self.key.to_pkcs8_der()?).map_err(p12err)?;
        let certs = std::iter::once(&self.certificate)
            .chain(self.chain.iter())
            .map(|c| p12_keystore::Certificate::from_der(c.der()).map_err(p12err))
            .collect::<Result<Vec<_>>>()?;
        let local_key_id = self.certificate.sha256_fingerprint()[..20].to_vec();
        let mut store = p12_keystore::KeyStore::new();
        store.add_entry(
            "signer",
            p12_keystore::KeyStoreEntry::PrivateKeyChain(p12_keystore::PrivateKeyChain::new(local_key_id, key, certs)),
        );
        store.writer(passphrase).write().map_err(p12err)
    }
}
