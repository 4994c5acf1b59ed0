//! RFC 6962 / RFC 9162 hashing with domain separation between leaves and nodes.

use std::fmt;

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::error::{Error, Result};

/// Length of a SHA-256 hash in bytes.
pub const HASH_LEN: usize = 32;

/// Domain-separation prefix of a leaf hash (RFC 6962 §2.1).
const LEAF_PREFIX: u8 = 0x00;
/// Domain-separation prefix of an interior node hash (RFC 6962 §2.1).
const NODE_PREFIX: u8 = 0x01;

/// A SHA-256 hash: a leaf hash, an interior node hash or a tree root.
///
/// Displays as lowercase hex; serialises (serde) as standard padded base64,
/// the encoding C2SP checkpoints and the transparency-dev tooling use.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hash([u8; HASH_LEN]);

impl Hash {
    /// Wraps 32 raw bytes.
    pub const fn from_bytes(bytes: [u8; HASH_LEN]) -> Self {
        Self(bytes)
    }

    /// The raw 32 bytes.
    pub const fn as_bytes(&self) -> &[u8; HASH_LEN] {
        &self.0
    }

    /// Accepts exactly 32 bytes; `field` names the input in the error.
    pub fn from_slice(field: &'static str, bytes: &[u8]) -> Result<Self> {
        <[u8; HASH_LEN]>::try_from(bytes).map(Self).map_err(|_| Error::HashLength { field, len: bytes.len() })
    }

    /// Decodes standard padded base64 holding exactly 32 bytes.
    pub fn from_base64(field: &'static str, text: &str) -> Result<Self> {
        // A 32-byte value is 44 base64 characters; refuse to decode anything
        // much longer so hostile input cannot make us allocate.
        if text.len() > 4 * HASH_LEN {
            return Err(Error::HashLength { field, len: text.len() / 4 * 3 });
        }
        let bytes = BASE64.decode(text).map_err(|_| Error::Base64 { field })?;
        Self::from_slice(field, &bytes)
    }

    /// Standard padded base64.
    pub fn to_base64(&self) -> String {
        BASE64.encode(self.0)
    }

    /// Lowercase hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl AsRef<[u8]> for Hash {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl serde::Serialize for Hash {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_base64())
    }
}

impl<'de> serde::Deserialize<'de> for Hash {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::from_base64("hash", &text).map_err(serde::de::Error::custom)
    }
}

fn from_digest(out: &digest::Digest) -> Hash {
    // SHA-256 output is always 32 bytes; zip avoids any panicking copy.
    let mut bytes = [0u8; HASH_LEN];
    for (dst, src) in bytes.iter_mut().zip(out.as_ref()) {
        *dst = *src;
    }
    Hash(bytes)
}

fn sha256(input: &[u8]) -> Hash {
    from_digest(&digest::digest(&digest::SHA256, input))
}

/// The leaf hash `SHA-256(0x00 || data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(&[LEAF_PREFIX]);
    ctx.update(data);
    from_digest(&ctx.finish())
}

/// The interior node hash `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    // One contiguous buffer: a single digest call is measurably faster than
    // three context updates, and appends hash ~2 nodes per leaf.
    let mut buf = [0u8; 1 + 2 * HASH_LEN];
    buf[0] = NODE_PREFIX;
    buf[1..1 + HASH_LEN].copy_from_slice(&left.0);
    buf[1 + HASH_LEN..].copy_from_slice(&right.0);
    sha256(&buf)
}

/// The root of the empty tree, `SHA-256("")`.
pub fn empty_root() -> Hash {
    sha256(&[])
}

/// Hashes consecutive full subtrees (left to right, strictly decreasing in
/// size) into the RFC 6962 hash of the range they cover: the right-most pair
/// is combined first because RFC 6962 splits at the largest power of two.
/// Returns `None` for an empty list.
pub(crate) fn fold_subtrees<'a, I>(subtrees: I) -> Option<Hash>
where
    I: DoubleEndedIterator<Item = &'a Hash>,
{
    let mut rev = subtrees.rev();
    let last = *rev.next()?;
    Some(rev.fold(last, |acc, left| node_hash(left, &acc)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        assert_eq!(empty_root().to_hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    #[test]
    fn leaf_and_node_hashes_match_rfc6962_reference_values() {
        // Values from the RFC 6962 reference test data (leaf "" and the tree of leaf 0x00).
        assert_eq!(leaf_hash(b"").to_hex(), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
        let l = leaf_hash(b"");
        let r = leaf_hash(&[0x00]);
        let mut manual = vec![0x01];
        manual.extend_from_slice(l.as_bytes());
        manual.extend_from_slice(r.as_bytes());
        assert_eq!(node_hash(&l, &r), sha256(&manual));
        assert_ne!(node_hash(&l, &r), node_hash(&r, &l));
    }

    #[test]
    fn base64_round_trip_and_rejections() {
        let h = leaf_hash(b"x");
        assert_eq!(Hash::from_base64("h", &h.to_base64()).unwrap(), h);
        assert!(matches!(Hash::from_base64("h", "not base64!"), Err(Error::Base64 { field: "h" })));
        assert!(matches!(Hash::from_base64("h", "ZG9uJ3QgY2FyZSAy"), Err(Error::HashLength { field: "h", len: 12 })));
        let long = "A".repeat(1000);
        assert!(matches!(Hash::from_base64("h", &long), Err(Error::HashLength { .. })));
        assert!(matches!(Hash::from_slice("s", &[0; 31]), Err(Error::HashLength { len: 31, .. })));
    }

    #[test]
    fn serde_uses_base64() {
        let h = leaf_hash(b"y");
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(json, format!("\"{}\"", h.to_base64()));
        assert_eq!(serde_json::from_str::<Hash>(&json).unwrap(), h);
        assert!(serde_json::from_str::<Hash>("\"AAAA\"").is_err());
    }

    #[test]
    fn fold_of_nothing_is_none_and_of_one_is_itself() {
        assert_eq!(fold_subtrees([].iter()), None);
        let h = leaf_hash(b"a");
        assert_eq!(fold_subtrees([h].iter()), Some(h));
        let g = leaf_hash(b"b");
        let k = leaf_hash(b"c");
        assert_eq!(fold_subtrees([h, g, k].iter()), Some(node_hash(&h, &node_hash(&g, &k))));
    }
}
