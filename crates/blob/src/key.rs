//! Blob keys. A key becomes a file name (filesystem) or an object name (S3), so it is restricted to a small
//! alphabet that can never express a path: no separators, no dots, no upper case that would collide on
//! case-insensitive filesystems.

use crate::error::BlobError;

pub const MAX_KEY_LEN: usize = 128;

/// A validated key: 1 to 128 characters of `[a-z0-9-]`, starting and ending with a letter or digit.
/// Hub references (lower-case hyphenated UUIDs) are valid keys as they are.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BlobKey(String);

impl BlobKey {
    pub fn parse(input: &str) -> Result<Self, BlobError> {
        let invalid = |reason| BlobError::InvalidKey { key: input.chars().take(40).collect(), reason };
        if input.is_empty() {
            return Err(invalid("must not be empty"));
        }
        if input.len() > MAX_KEY_LEN {
            return Err(invalid("must be at most 128 characters"));
        }
        if !input.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            return Err(invalid("may contain only lower-case letters, digits and '-'"));
        }
        if input.starts_with('-') || input.ends_with('-') {
            return Err(invalid("must start and end with a letter or digit"));
        }
        Ok(Self(input.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for BlobKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for BlobKey {
    type Err = BlobError;
    fn from_str(s: &str) -> Result<Self, BlobError> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_uuids_and_simple_names() {
        for ok in ["0190f3c2-7b1e-7cc0-9a4b-3f2d5e6a7b8c", "a", "doc-1", &"x".repeat(MAX_KEY_LEN)] {
            assert_eq!(BlobKey::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn refuses_anything_that_could_name_a_path() {
        let too_long = "x".repeat(MAX_KEY_LEN + 1);
        for bad in [
            "",
            "..",
            "../etc/passwd",
            "a/b",
            "a\\b",
            "a.pdf",
            "/abs",
            "UPPER",
            "sp ace",
            "-lead",
            "trail-",
            "nul\0",
            "ключ",
            "a_b",
            &too_long,
        ] {
            assert!(matches!(BlobKey::parse(bad), Err(BlobError::InvalidKey { .. })), "{bad:?} was accepted");
        }
    }
}
