//! Encryption of TOTP secrets at rest: AES-256-GCM with a key kept in the data directory, not in the database, so
//! a copy of the database alone does not yield anyone's second factor. The user id is the associated data: a
//! secret copied onto another user's row does not decrypt.

use crate::{HubError, Result};
use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ecert_domain::ids::UserId;

/// The TOTP key's file in the data directory (32 random bytes, mode 0600).
pub const TOTP_KEY_FILE: &str = "totp-key";

/// The key TOTP secrets are encrypted with. `Debug` hides it.
#[derive(Clone)]
pub struct TotpKey([u8; 32]);

impl std::fmt::Debug for TotpKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpKey(..)")
    }
}

impl TotpKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Loads the key from `data_dir`, or generates it on first start.
    pub fn load_or_create(data_dir: &std::path::Path) -> Result<Self> {
        let path = data_dir.join(TOTP_KEY_FILE);
        let generate = || {
            let mut key = vec![0u8; 32];
            aws_lc_rs::rand::fill(&mut key).map_err(|_| std::io::Error::other("no randomness"))?;
            Ok(key)
        };
        let (bytes, _) = crate::keyfile::load_or_create(&path, generate)
            .map_err(|e| HubError::Internal(format!("TOTP key {}: {e}", path.display())))?;
        let key: [u8; 32] =
            bytes.try_into().map_err(|_| HubError::Internal(format!("TOTP key {}: not 32 bytes", path.display())))?;
        Ok(Self(key))
    }

    fn aead(&self) -> Result<LessSafeKey> {
        let key = UnboundKey::new(&AES_256_GCM, &self.0).map_err(|_| HubError::Internal("TOTP key rejected".into()))?;
        Ok(LessSafeKey::new(key))
    }

    /// `nonce || ciphertext || tag`, with a fresh random nonce per secret.
    pub(crate) fn seal(&self, user: UserId, secret: &[u8]) -> Result<Vec<u8>> {
        let nonce_bytes: [u8; NONCE_LEN] = super::random_bytes()?;
        let mut sealed = secret.to_vec();
        self.aead()?
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce_bytes),
                Aad::from(user.0.as_bytes()),
                &mut sealed,
            )
            .map_err(|_| HubError::Internal("encrypting a TOTP secret failed".into()))?;
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    pub(crate) fn open(&self, user: UserId, sealed: &[u8]) -> Result<Vec<u8>> {
        let undecryptable = || {
            HubError::Internal(format!(
                "the TOTP secret of user {user} does not decrypt (damaged, or a different {TOTP_KEY_FILE})"
            ))
        };
        let (nonce, ciphertext) = sealed.split_at_checked(NONCE_LEN).ok_or_else(undecryptable)?;
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| undecryptable())?;
        let mut buffer = ciphertext.to_vec();
        let plain = self
            .aead()?
            .open_in_place(nonce, Aad::from(user.0.as_bytes()), &mut buffer)
            .map_err(|_| undecryptable())?;
        Ok(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_open_only_with_their_key_and_user() {
        let key = TotpKey::from_bytes([7; 32]);
        let user = UserId::new();
        let sealed = key.seal(user, b"12345678901234567890").unwrap();
        assert_eq!(key.open(user, &sealed).unwrap(), b"12345678901234567890");
        assert_ne!(key.seal(user, b"12345678901234567890").unwrap(), sealed, "fresh nonce per seal");
        assert!(key.open(UserId::new(), &sealed).is_err(), "bound to the user");
        assert!(TotpKey::from_bytes([8; 32]).open(user, &sealed).is_err(), "bound to the key");
        let mut flipped = sealed.clone();
        if let Some(last) = flipped.last_mut() {
            *last ^= 1;
        }
        assert!(key.open(user, &flipped).is_err(), "tampering is detected");
        assert!(key.open(user, &sealed[..5]).is_err(), "short input is refused, not a panic");
        assert!(!format!("{key:?}").contains('7'));
    }

    #[test]
    fn the_key_file_is_created_once() {
        let dir = tempfile::tempdir().unwrap();
        let a = TotpKey::load_or_create(dir.path()).unwrap();
        let b = TotpKey::load_or_create(dir.path()).unwrap();
        assert_eq!(a.0, b.0);
        let bad = tempfile::tempdir().unwrap();
        std::fs::write(bad.path().join(TOTP_KEY_FILE), [1u8; 16]).unwrap();
        assert!(TotpKey::load_or_create(bad.path()).is_err(), "a key of the wrong length is refused");
    }
}
