//! TOTP enrolment: a new secret is kept (encrypted) on the session until the user proves, with a code from the
//! app, that the app holds it; only then does it replace the user's secret, together with ten fresh recovery
//! codes that are shown once and stored as SHA-256.

use super::session::SessionToken;
use super::totp::{SECRET_BYTES, base32_encode, matching_step, otpauth_uri};
use super::{LoginFailure, random_bytes, sha256};
use crate::{Hub, HubError, Result};
use ecert_domain::audit::EventType;
use ecert_domain::user::SessionStage;
use ecert_store::StoreError;
use ecert_store::user::{SessionRotation, TotpEnrolmentRecord};

pub const RECOVERY_CODE_COUNT: usize = 10;
/// Characters of a recovery code (50 bits; guessing is bounded by the lockout, not by length alone).
const RECOVERY_CODE_CHARS: usize = 10;
/// Lower-case base32: no 0/1/8/9, so no O/0 or l/1 confusion when copied from paper.
const RECOVERY_ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// What the enrolment page shows: the secret for typing in, and the URI for the QR code. `Debug` hides both.
#[derive(Clone)]
pub struct TotpEnrolment {
    pub secret_base32: String,
    pub otpauth_uri: String,
}

impl std::fmt::Debug for TotpEnrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpEnrolment(<redacted>)")
    }
}

/// A confirmed enrolment: the rotated (now signed-in) session, and the recovery codes to show once.
#[derive(Clone)]
pub struct EnrolmentDone {
    pub token: SessionToken,
    pub recovery_codes: Vec<String>,
}

impl std::fmt::Debug for EnrolmentDone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EnrolmentDone({} recovery codes, <redacted>)", self.recovery_codes.len())
    }
}

/// A recovery code as shown: `xxxxx-xxxxx`.
fn new_recovery_code() -> Result<String> {
    let bytes: [u8; RECOVERY_CODE_CHARS] = random_bytes()?;
    // 256 is a multiple of 32, so reducing each byte modulo 32 picks every character equally often.
    let chars: String = bytes.iter().map(|b| char::from(RECOVERY_ALPHABET[usize::from(b % 32)])).collect();
    let (head, tail) = chars.split_at(RECOVERY_CODE_CHARS / 2);
    Ok(format!("{head}-{tail}"))
}

/// The stored form of a recovery code typed by the user (separators, spaces and case ignored); `None` if it
/// cannot be one.
pub(super) fn recovery_code_hash(input: &str) -> Option<Vec<u8>> {
    let normalized: String =
        input.chars().filter(|c| *c != '-' && !c.is_whitespace()).map(|c| c.to_ascii_lowercase()).collect();
    let valid = normalized.len() == RECOVERY_CODE_CHARS && normalized.bytes().all(|b| RECOVERY_ALPHABET.contains(&b));
    valid.then(|| sha256(normalized.as_bytes()))
}

/// Enrolment is for a session that passed the password and has no authenticator yet, or a signed-in user
/// replacing theirs. Half-way through the second factor, it would let a password alone replace the factor.
fn check_enrolment_stage(stage: SessionStage) -> Result<()> {
    match stage {
        SessionStage::AwaitingEnrolment | SessionStage::Authenticated => Ok(()),
        SessionStage::AwaitingSecondFactor => {
            Err(HubError::Conflict("enter the code of your current authenticator first".into()))
        }
    }
}

fn session_gone(e: StoreError) -> HubError {
    match e {
        StoreError::Stale(_) => LoginFailure::SessionExpired.into(),
        other => other.into(),
    }
}

impl Hub {
    /// Starts (or, on a reload of the page, shows again) an enrolment: a 20-byte secret kept encrypted on the
    /// session until confirmed.
    pub async fn begin_totp_enrolment(&self, token: &SessionToken) -> Result<TotpEnrolment> {
        let services = self.user_services()?;
        let live = self.live_session(token).await?;
        check_enrolment_stage(live.record.stage)?;
        let user = &live.user.user;
        let secret = match &live.record.pending_totp_secret_enc {
            Some(sealed) => services.totp_key.open(user.id, sealed)?,
            None => {
                let secret = random_bytes::<SECRET_BYTES>()?.to_vec();
                let sealed = services.totp_key.seal(user.id, &secret)?;
                self.store().set_pending_totp_secret(&live.token_hash, &sealed).await.map_err(session_gone)?;
                secret
            }
        };
        Ok(TotpEnrolment { secret_base32: base32_encode(&secret), otpauth_uri: otpauth_uri(&user.username, &secret) })
    }

    /// Confirms the pending secret with a code from the app. The code's step becomes the last used step, so it
    /// cannot sign in again. Rotates the session to `Authenticated`. A wrong code here does not count toward the
    /// lockout: the secret was just shown to this session, so there is nothing to guess.
    pub async fn confirm_totp_enrolment(&self, token: &SessionToken, code: &str) -> Result<EnrolmentDone> {
        let services = self.user_services()?;
        let live = self.live_session(token).await?;
        check_enrolment_stage(live.record.stage)?;
        let user = &live.user.user;
        let now = self.now();
        if let Some(until) = user.locked_until.filter(|until| now < *until) {
            return Err(LoginFailure::Locked { until }.into());
        }
        let sealed = live
            .record
            .pending_totp_secret_enc
            .as_deref()
            .ok_or_else(|| HubError::Conflict("no enrolment is in progress; start it again".into()))?;
        let secret = services.totp_key.open(user.id, sealed)?;
        let step = matching_step(&secret, &super::totp::typed_code(code), now).ok_or(LoginFailure::WrongCode)?;
        let recovery_codes = (0..RECOVERY_CODE_COUNT).map(|_| new_recovery_code()).collect::<Result<Vec<_>>>()?;
        let hashes: Vec<Vec<u8>> = recovery_codes.iter().filter_map(|code| recovery_code_hash(code)).collect();
        if hashes.len() != recovery_codes.len() {
            return Err(HubError::Internal("a generated recovery code does not parse".into()));
        }
        let mut events = vec![self.login_event(Some(user), EventType::TotpEnrolled)];
        if live.record.stage == SessionStage::AwaitingEnrolment {
            let mut logged_in = self.login_event(Some(user), EventType::UserLoggedIn);
            logged_in.subjects.push("method:totp_enrolment".into());
            events.push(logged_in);
        }
        let (new_token, new_session) = self.rotated_session(&live.record, SessionStage::Authenticated)?;
        let enrolment = TotpEnrolmentRecord {
            user: user.id,
            secret_enc: sealed,
            last_step: step,
            recovery_code_hashes: &hashes,
            at: now,
            rotation: SessionRotation { old_token_hash: &live.token_hash, new: &new_session },
            events: &events,
        };
        self.store().enrol_totp(&enrolment).await.map_err(session_gone)?;
        Ok(EnrolmentDone { token: new_token, recovery_codes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_have_one_shape_and_normalise_when_typed() {
        let code = new_recovery_code().unwrap();
        assert_eq!(code.len(), 11);
        assert_eq!(code.as_bytes()[5], b'-');
        let hash = recovery_code_hash(&code).unwrap();
        assert_eq!(recovery_code_hash(&code.to_uppercase().replace('-', " ")), Some(hash.clone()));
        assert_eq!(recovery_code_hash(&format!(" {} ", code.replace('-', ""))), Some(hash));
        assert!(recovery_code_hash("abcde-fghi").is_none(), "too short");
        assert!(recovery_code_hash("abcde-fghi1").is_none(), "1 is not in the alphabet");
        assert!(recovery_code_hash("abcde-fghiжj").is_none());
        assert_ne!(new_recovery_code().unwrap(), code);
    }
}
