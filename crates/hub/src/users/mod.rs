//! Portal users: administration by the operator, sign-in with a password (argon2id) and a TOTP second factor
//! (or a single-use recovery code), TOTP enrolment, and server-side sessions with idle and absolute expiry.
//!
//! Every login failure is one [`HubError::Login`] variant, so the portal can say what went wrong in the user's
//! language, while probing learns nothing it should not: an unknown username and a wrong password are the same
//! `WrongCredentials`, and take the same time (an argon2 verification runs either way).

mod admin;
mod enrol;
mod login;
mod password;
mod secret_box;
mod session;
pub mod totp;

pub use ecert_domain::user::SessionStage;
pub use enrol::{EnrolmentDone, TotpEnrolment};
pub use secret_box::{TOTP_KEY_FILE, TotpKey};
pub use session::{LoginStarted, PortalSession, SessionToken};

use crate::{Hub, HubError, Result};
use std::time::Duration;
use time::OffsetDateTime;

/// Why a sign-in step failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LoginFailure {
    /// Unknown username or wrong password (never told apart).
    #[error("wrong username or password")]
    WrongCredentials,
    /// Too many failures; no password or code is checked until `until`.
    #[error("the account is locked until {until}")]
    Locked { until: OffsetDateTime },
    /// The TOTP or recovery code is wrong.
    #[error("wrong code")]
    WrongCode,
    /// The TOTP code was already used (each code logs in once).
    #[error("this code was already used; wait for the next one")]
    CodeReused,
    /// No session, or it ended (idle, absolute limit, logout, rotation).
    #[error("the session has expired; sign in again")]
    SessionExpired,
    /// The user has no authenticator yet and must enrol one first.
    #[error("a TOTP authenticator must be enrolled first")]
    EnrolmentRequired,
    /// The user, or the user's institution, may not sign in.
    #[error("the account is disabled")]
    Disabled,
}

impl From<LoginFailure> for HubError {
    fn from(f: LoginFailure) -> Self {
        HubError::Login(f)
    }
}

/// Tunables of portal sign-in, from the `[portal]` config section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSettings {
    /// A session unused this long ends.
    pub session_idle: Duration,
    /// A session ends this long after sign-in, however active.
    pub session_max: Duration,
    /// Consecutive failures (password or code) that lock an account.
    pub lockout_threshold: u32,
    pub lockout_duration: Duration,
}

impl Default for UserSettings {
    fn default() -> Self {
        Self {
            session_idle: Duration::from_secs(30 * 60),
            session_max: Duration::from_secs(12 * 3600),
            lockout_threshold: 5,
            lockout_duration: Duration::from_secs(15 * 60),
        }
    }
}

/// What portal sign-in needs beyond the store: its settings and the key TOTP secrets are encrypted with.
#[derive(Debug, Clone)]
pub struct UserServices {
    pub settings: UserSettings,
    pub totp_key: TotpKey,
}

impl UserServices {
    /// The settings with the data directory's TOTP key (created on first start). Hub processes that share a
    /// database must share this file.
    pub fn for_data_dir(data_dir: &std::path::Path, settings: UserSettings) -> Result<Self> {
        Ok(Self { settings, totp_key: TotpKey::load_or_create(data_dir)? })
    }
}

impl Hub {
    /// The sign-in services, or the error every sign-in method fails with on a hub built without them.
    fn user_services(&self) -> Result<&UserServices> {
        self.users.as_deref().ok_or_else(|| HubError::Internal("portal users are not configured".into()))
    }
}

/// `at + d`, saturating at the end of representable time (durations come from the config file).
fn later(at: OffsetDateTime, d: Duration) -> OffsetDateTime {
    time::Duration::try_from(d)
        .ok()
        .and_then(|d| at.checked_add(d))
        .unwrap_or(time::PrimitiveDateTime::MAX.assume_utc())
}

/// `at - d`, saturating at the start of representable time.
fn earlier(at: OffsetDateTime, d: Duration) -> OffsetDateTime {
    time::Duration::try_from(d)
        .ok()
        .and_then(|d| at.checked_sub(d))
        .unwrap_or(time::PrimitiveDateTime::MIN.assume_utc())
}

/// Random bytes from the one crypto provider.
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| HubError::Internal("random generator failed".into()))?;
    Ok(bytes)
}

/// SHA-256, as the store keys session tokens and recovery codes (the hub's one digest function).
fn sha256(bytes: &[u8]) -> Vec<u8> {
    crate::audit::sha256(bytes).0.to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_contract() {
        let s = UserSettings::default();
        assert_eq!(s.session_idle, Duration::from_secs(1800));
        assert_eq!(s.session_max, Duration::from_secs(12 * 3600));
        assert_eq!((s.lockout_threshold, s.lockout_duration), (5, Duration::from_secs(900)));
    }

    #[test]
    fn configured_durations_saturate_instead_of_failing() {
        let t = time::macros::datetime!(2030-01-01 0:00 UTC);
        assert_eq!(later(t, Duration::from_secs(60)), t + time::Duration::minutes(1));
        assert_eq!(earlier(t, Duration::from_secs(60)), t - time::Duration::minutes(1));
        assert_eq!(later(t, Duration::MAX), time::PrimitiveDateTime::MAX.assume_utc());
        assert_eq!(earlier(t, Duration::MAX), time::PrimitiveDateTime::MIN.assume_utc());
    }

    #[test]
    fn login_failures_become_their_hub_error() {
        assert!(matches!(HubError::from(LoginFailure::CodeReused), HubError::Login(LoginFailure::CodeReused)));
        assert_eq!(HubError::from(LoginFailure::WrongCode).to_string(), "sign-in failed: wrong code");
    }
}
