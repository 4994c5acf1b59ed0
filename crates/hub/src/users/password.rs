//! Password hashing with argon2id (the crate's defaults: OWASP's 19 MiB, 2 passes, 1 lane), on the blocking pool
//! so a hash never stalls the async workers.

use crate::{HubError, Result};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::sync::OnceLock;

/// Salt bytes of a new hash (the PHC recommendation is at least 16).
const SALT_BYTES: usize = 16;

/// Longest password (in bytes) that is hashed at all at login: anything longer cannot be a valid password (the
/// rule allows 128 characters, at most 512 bytes of UTF-8) and is refused before any work.
pub(crate) const MAX_LOGIN_PASSWORD_BYTES: usize = 4 * ecert_domain::user::MAX_PASSWORD_CHARS;

fn hash_now(password: &str, salt: [u8; SALT_BYTES]) -> Result<String> {
    let salt = SaltString::encode_b64(&salt).map_err(|e| HubError::Internal(format!("password salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HubError::Internal(format!("password hashing: {e}")))
}

/// The argon2id PHC string of `password` with a fresh random salt.
pub(crate) async fn hash(password: String) -> Result<String> {
    let salt = super::random_bytes::<SALT_BYTES>()?;
    blocking(move || hash_now(&password, salt)).await?
}

/// Whether `password` matches `phc` (argon2 compares the outputs in constant time). A stored hash that does not
/// parse is an internal error, not a wrong password.
pub(crate) async fn verify(password: String, phc: String) -> Result<bool> {
    blocking(move || {
        let parsed = PasswordHash::new(&phc).map_err(|e| HubError::Internal(format!("stored password hash: {e}")))?;
        match Argon2::default().verify_password(password.as_bytes(), &parsed) {
            Ok(()) => Ok(true),
            Err(argon2::password_hash::Error::Password) => Ok(false),
            Err(e) => Err(HubError::Internal(format!("password verification: {e}"))),
        }
    })
    .await?
}

/// Spends the time of one verification for a username that does not exist, so response times do not tell
/// which usernames do. The hash it verifies against is made once per process, of a random password.
pub(crate) async fn verify_dummy(password: String) -> Result<()> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let phc = match DUMMY.get() {
        Some(phc) => phc.clone(),
        None => {
            let random: [u8; 32] = super::random_bytes()?;
            let phc = hash(hex::encode(random)).await?;
            DUMMY.get_or_init(|| phc).clone()
        }
    };
    verify(password, phc).await.map(|_| ())
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| HubError::Internal(format!("password task: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_salted_and_verify() {
        let a = hash("correct horse battery".into()).await.unwrap();
        let b = hash("correct horse battery".into()).await.unwrap();
        assert!(a.starts_with("$argon2id$v=19$"), "{a}");
        assert_ne!(a, b, "a fresh salt per hash");
        assert!(verify("correct horse battery".into(), a.clone()).await.unwrap());
        assert!(!verify("correct horse batterx".into(), a).await.unwrap());
        assert!(matches!(verify("x".into(), "not a hash".into()).await, Err(HubError::Internal(_))));
        verify_dummy("anything".into()).await.unwrap();
    }
}
