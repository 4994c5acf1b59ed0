//! Ed25519 log keys in the C2SP signed-note conventions.
//!
//! The verifier key text form is `<name>+<8 hex digits key ID>+<base64(0x01 || 32-byte public key)>`,
//! and the key ID is `SHA-256(name || "\n" || 0x01 || public key)[:4]`, big-endian.

use std::fmt;

use aws_lc_rs::digest;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ED25519, Ed25519KeyPair, KeyPair as _, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::error::{Error, Result};

/// Signature type byte of Ed25519 in C2SP signed notes.
pub const ED25519_SIGNATURE_TYPE: u8 = 0x01;
/// Length of an Ed25519 public key.
pub const ED25519_PUBLIC_KEY_LEN: usize = 32;
/// Length of an Ed25519 signature.
pub const ED25519_SIGNATURE_LEN: usize = 64;
/// Longest key name accepted, which also bounds verifier key strings.
pub const MAX_KEY_NAME_LEN: usize = 256;

/// Checks the C2SP key-name rule: non-empty, no Unicode space, no '+'.
/// Control characters are refused as well since names live in note text.
pub fn validate_key_name(name: &str) -> Result<()> {
    let bad = name.is_empty()
        || name.len() > MAX_KEY_NAME_LEN
        || name.chars().any(|c| c.is_whitespace() || c == '+' || c.is_control());
    if bad {
        return Err(Error::InvalidKeyName(name.chars().take(MAX_KEY_NAME_LEN).collect()));
    }
    Ok(())
}

/// The key ID of an Ed25519 key with this name.
pub fn ed25519_key_id(name: &str, public_key: &[u8; ED25519_PUBLIC_KEY_LEN]) -> u32 {
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(name.as_bytes());
    ctx.update(b"\n");
    ctx.update(&[ED25519_SIGNATURE_TYPE]);
    ctx.update(public_key);
    let out = ctx.finish();
    let mut id = [0u8; 4];
    for (dst, src) in id.iter_mut().zip(out.as_ref()) {
        *dst = *src;
    }
    u32::from_be_bytes(id)
}

/// A public key that verifies note signatures: name, key ID and Ed25519 key.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    key_id: u32,
    public_key: [u8; ED25519_PUBLIC_KEY_LEN],
}

impl VerifierKey {
    /// A verifier key for `name` and a raw 32-byte Ed25519 public key.
    pub fn new(name: &str, public_key: [u8; ED25519_PUBLIC_KEY_LEN]) -> Result<Self> {
        validate_key_name(name)?;
        Ok(Self { name: name.to_owned(), key_id: ed25519_key_id(name, &public_key), public_key })
    }

    /// Parses the vkey text form `<name>+<hex id>+<base64(0x01 || key)>`,
    /// checking that the stated key ID matches the name and key.
    pub fn parse(text: &str) -> Result<Self> {
        if text.len() > MAX_KEY_NAME_LEN + 64 {
            return Err(Error::MalformedVerifierKey("too long"));
        }
        // The name cannot contain '+', the base64 part can: split twice only.
        let mut parts = text.splitn(3, '+');
        let (Some(name), Some(id_hex), Some(key_b64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(Error::MalformedVerifierKey("expected <name>+<key id>+<key>"));
        };
        validate_key_name(name)?;
        if id_hex.len() != 8 || !id_hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::MalformedVerifierKey("key id must be 8 hex digits"));
        }
        let stated =
            u32::from_str_radix(id_hex, 16).map_err(|_| Error::MalformedVerifierKey("key id must be 8 hex digits"))?;
        let key = BASE64.decode(key_b64).map_err(|_| Error::MalformedVerifierKey("key is not valid base64"))?;
        let (&key_type, public_key) = key.split_first().ok_or(Error::MalformedVerifierKey("key is empty"))?;
        if key_type != ED25519_SIGNATURE_TYPE {
            return Err(Error::UnsupportedKeyType(key_type));
        }
        let public_key = <[u8; ED25519_PUBLIC_KEY_LEN]>::try_from(public_key)
            .map_err(|_| Error::MalformedVerifierKey("Ed25519 public key must be 32 bytes"))?;
        let vkey = Self::new(name, public_key)?;
        if vkey.key_id != stated {
            return Err(Error::KeyIdMismatch { stated, computed: vkey.key_id });
        }
        Ok(vkey)
    }

    /// The key name (for a log, its origin).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 32-bit key ID.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The raw Ed25519 public key.
    pub fn public_key(&self) -> &[u8; ED25519_PUBLIC_KEY_LEN] {
        &self.public_key
    }

    /// Whether `signature` is this key's Ed25519 signature over `message`.
    pub(crate) fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        UnparsedPublicKey::new(&ED25519, &self.public_key).verify(message, signature).is_ok()
    }
}

impl fmt::Display for VerifierKey {
    /// The vkey text form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut key = Vec::with_capacity(1 + ED25519_PUBLIC_KEY_LEN);
        key.push(ED25519_SIGNATURE_TYPE);
        key.extend_from_slice(&self.public_key);
        write!(f, "{}+{:08x}+{}", self.name, self.key_id, BASE64.encode(key))
    }
}

impl fmt::Debug for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifierKey({self})")
    }
}

/// The log's Ed25519 signing key, with the name it signs under.
pub struct LogSigner {
    key_pair: Ed25519KeyPair,
    verifier: VerifierKey,
}

impl LogSigner {
    /// Generates a new key. Returns the signer and its PKCS#8 v2 document,
    /// which the caller persists (it is the secret: store it with 0600).
    pub fn generate(name: &str) -> Result<(Self, Vec<u8>)> {
        validate_key_name(name)?;
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
            .map_err(|_| Error::Crypto("Ed25519 key generation failed"))?;
        let pkcs8 = pkcs8.as_ref().to_vec();
        let signer = Self::from_pkcs8(name, &pkcs8)?;
        Ok((signer, pkcs8))
    }

    /// Loads a key from a PKCS#8 (v1 or v2) Ed25519 document.
    pub fn from_pkcs8(name: &str, pkcs8: &[u8]) -> Result<Self> {
        let key_pair = Ed25519KeyPair::from_pkcs8(pkcs8).map_err(|e| Error::InvalidPrivateKey(e.to_string()))?;
        Self::from_key_pair(name, key_pair)
    }

    /// Loads a key from the Go `golang.org/x/mod/sumdb/note` signer-key text
    /// `PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || 32-byte seed)>`, for
    /// interoperability with keys made by Go tooling.
    pub fn from_skey(text: &str) -> Result<Self> {
        let rest = text
            .strip_prefix("PRIVATE+KEY+")
            .ok_or(Error::InvalidPrivateKey("signer key must start with PRIVATE+KEY+".into()))?;
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(id_hex), Some(key_b64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(Error::InvalidPrivateKey("expected PRIVATE+KEY+<name>+<key id>+<key>".into()));
        };
        let stated = u32::from_str_radix(id_hex, 16)
            .map_err(|_| Error::InvalidPrivateKey("key id must be 8 hex digits".into()))?;
        let key = BASE64.decode(key_b64).map_err(|_| Error::InvalidPrivateKey("key is not valid base64".into()))?;
        let Some((&ED25519_SIGNATURE_TYPE, seed)) = key.split_first() else {
            return Err(Error::InvalidPrivateKey("not an Ed25519 (type 0x01) key".into()));
        };
        let key_pair =
            Ed25519KeyPair::from_seed_unchecked(seed).map_err(|e| Error::InvalidPrivateKey(e.to_string()))?;
        let signer = Self::from_key_pair(name, key_pair)?;
        if signer.verifier.key_id != stated {
            return Err(Error::KeyIdMismatch { stated, computed: signer.verifier.key_id });
        }
        Ok(signer)
    }

    fn from_key_pair(name: &str, key_pair: Ed25519KeyPair) -> Result<Self> {
        let public_key = <[u8; ED25519_PUBLIC_KEY_LEN]>::try_from(key_pair.public_key().as_ref())
            .map_err(|_| Error::InvalidPrivateKey("public key is not 32 bytes".into()))?;
        let verifier = VerifierKey::new(name, public_key)?;
        Ok(Self { key_pair, verifier })
    }

    /// The matching verifier key (publish its `Display` form).
    pub fn verifier_key(&self) -> &VerifierKey {
        &self.verifier
    }

    /// The Ed25519 signature over `message`.
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        self.key_pair
            .try_sign(message)
            .map(|sig| sig.as_ref().to_vec())
            .map_err(|_| Error::Crypto("Ed25519 signing failed"))
    }
}

impl fmt::Debug for LogSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print key material.
        write!(f, "LogSigner({})", self.verifier)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_key_round_trips_through_pkcs8_and_vkey() {
        let (signer, pkcs8) = LogSigner::generate("ecert.example/log").unwrap();
        let loaded = LogSigner::from_pkcs8("ecert.example/log", &pkcs8).unwrap();
        assert_eq!(loaded.verifier_key(), signer.verifier_key());
        let text = signer.verifier_key().to_string();
        assert!(text.starts_with("ecert.example/log+"));
        assert_eq!(VerifierKey::parse(&text).unwrap(), *signer.verifier_key());
        let sig = signer.sign(b"msg").unwrap();
        assert_eq!(sig.len(), ED25519_SIGNATURE_LEN);
        assert!(signer.verifier_key().verifies(b"msg", &sig));
        assert!(!signer.verifier_key().verifies(b"msh", &sig));
        assert!(!format!("{signer:?}").contains(&hex::encode(&pkcs8)));
    }

    #[test]
    fn key_id_matches_the_go_sumdb_example() {
        // From golang.org/x/mod/sumdb/note documentation:
        // PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW
        let vkey = VerifierKey::parse("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").unwrap();
        assert_eq!(vkey.key_id(), 0xc74f20a3);
        assert_eq!(vkey.name(), "PeterNeumann");
        assert_eq!(vkey.to_string(), "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
    }

    const GO_SKEY: &str = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";

    #[test]
    fn go_signer_key_loads_and_matches_its_vkey() {
        let signer = LogSigner::from_skey(GO_SKEY).unwrap();
        assert_eq!(
            signer.verifier_key().to_string(),
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
        );
    }

    #[test]
    fn go_signer_key_rejections() {
        let bad = |t: &str| LogSigner::from_skey(t).unwrap_err();
        assert!(matches!(bad("PeterNeumann+c74f20a3+AYEK"), Error::InvalidPrivateKey(_)));
        assert!(matches!(bad("PRIVATE+KEY+PeterNeumann"), Error::InvalidPrivateKey(_)));
        assert!(matches!(bad("PRIVATE+KEY+P+zz+AYEK"), Error::InvalidPrivateKey(_)));
        assert!(matches!(bad("PRIVATE+KEY+P+c74f20a3+%%"), Error::InvalidPrivateKey(_)));
        assert!(matches!(bad("PRIVATE+KEY+P+c74f20a3+AgEK"), Error::InvalidPrivateKey(_)));
        assert!(matches!(bad("PRIVATE+KEY+P+c74f20a3+AQEK"), Error::InvalidPrivateKey(_)));
        assert!(matches!(bad(&GO_SKEY.replace("c74f20a3", "c74f20a4")), Error::KeyIdMismatch { .. }));
        assert!(matches!(bad(&GO_SKEY.replace("PeterNeumann", "Peter Neumann")), Error::InvalidKeyName(_)));
    }

    #[test]
    fn vkey_rejections() {
        let good = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
        assert!(matches!(VerifierKey::parse("nameonly"), Err(Error::MalformedVerifierKey(_))));
        assert!(matches!(
            VerifierKey::parse("PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
            Err(Error::MalformedVerifierKey("key id must be 8 hex digits"))
        ));
        assert!(matches!(
            VerifierKey::parse("PeterNeumann+c74f20a3+!!!"),
            Err(Error::MalformedVerifierKey("key is not valid base64"))
        ));
        assert!(matches!(VerifierKey::parse("P+c74f20a3+"), Err(Error::MalformedVerifierKey("key is empty"))));
        assert!(matches!(VerifierKey::parse("PeterNeumann+c74f20a3+AhpcUPDhMQ=="), Err(Error::UnsupportedKeyType(2))));
        assert!(matches!(
            VerifierKey::parse("PeterNeumann+c74f20a3+ARpc2Q=="),
            Err(Error::MalformedVerifierKey("Ed25519 public key must be 32 bytes"))
        ));
        assert!(matches!(
            VerifierKey::parse(&good.replace("c74f20a3", "c74f20a4")),
            Err(Error::KeyIdMismatch { stated: 0xc74f20a4, computed: 0xc74f20a3 })
        ));
        assert!(matches!(
            VerifierKey::parse(&good.replace("PeterNeumann", "Peter Neumann")),
            Err(Error::InvalidKeyName(_))
        ));
        assert!(matches!(VerifierKey::parse(&"x".repeat(1000)), Err(Error::MalformedVerifierKey("too long"))));
    }

    #[test]
    fn key_names_and_private_keys_are_validated() {
        for bad in ["", "a b", "a+b", "tab\there", "nl\n"] {
            assert!(matches!(validate_key_name(bad), Err(Error::InvalidKeyName(_))), "{bad:?}");
        }
        assert!(validate_key_name(&"n".repeat(MAX_KEY_NAME_LEN + 1)).is_err());
        assert!(matches!(LogSigner::generate("bad name"), Err(Error::InvalidKeyName(_))));
        assert!(matches!(LogSigner::from_pkcs8("log", b"garbage"), Err(Error::InvalidPrivateKey(_))));
    }
}
