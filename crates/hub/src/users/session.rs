//! Server-side sessions. The cookie carries a 256-bit random token; the database holds only its SHA-256, so a
//! leaked database holds no usable session. A session ends when idle for `session_idle`, `session_max` after
//! sign-in, at logout, and when its token is rotated (each completed sign-in step issues a new token).

use super::{LoginFailure, UserSettings, earlier, later, random_bytes, sha256};
use crate::{Hub, Result};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ecert_domain::auth::{Credential, Principal};
use ecert_domain::institution::{Institution, LifecycleStatus};
use ecert_domain::user::{SessionStage, User, UserStatus};
use ecert_store::user::{SessionRecord, UserRecord};
use time::OffsetDateTime;

const TOKEN_BYTES: usize = 32;
/// `last_seen` is written at most this often, so browsing does not turn every page view into a write.
const TOUCH_INTERVAL: time::Duration = time::Duration::minutes(1);
/// Sessions deleted per statement of the sweep.
const SWEEP_BATCH: u32 = 1_000;
/// Statements per sweep; the rest waits for the next one.
const MAX_SWEEP_BATCHES: u32 = 100;

/// A session token as the cookie carries it (32 random bytes, base64url). `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(<redacted>)")
    }
}

impl SessionToken {
    /// Accepts only the shape the hub issues; anything else cannot name a session.
    pub fn parse(text: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        (bytes.len() == TOKEN_BYTES).then(|| Self(text.to_owned()))
    }

    /// The cookie value.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn generate() -> Result<Self> {
        Ok(Self(URL_SAFE_NO_PAD.encode(random_bytes::<TOKEN_BYTES>()?)))
    }

    /// What the store keys the session by.
    fn hash(&self) -> Vec<u8> {
        sha256(self.0.as_bytes())
    }
}

/// A live session, as the portal sees it on each request.
#[derive(Debug, Clone)]
pub struct PortalSession {
    pub user: User,
    /// `credential` is `Credential::User(<user id>)`; the roles are the user's roles the institution still
    /// holds. Before the stage is `Authenticated` the roles are empty, so no hub permission check passes with a
    /// half-finished sign-in.
    pub principal: Principal,
    pub stage: SessionStage,
    /// When the session ends if unused (the earlier of the idle and the absolute end).
    pub expires_at: OffsetDateTime,
}

/// The answer to a correct password: the session token, and which step comes next.
#[derive(Debug, Clone)]
pub struct LoginStarted {
    pub token: SessionToken,
    pub stage: SessionStage,
}

/// A session that is still valid, with its user and the user's institution.
pub(super) struct LiveSession {
    pub(super) token_hash: Vec<u8>,
    pub(super) record: SessionRecord,
    pub(super) user: UserRecord,
    pub(super) institution: Institution,
}

impl Hub {
    /// The session behind a cookie value. Unknown, malformed and expired tokens are all `SessionExpired`; a
    /// user disabled (or whose institution may no longer act) is `Disabled`. Records activity for the idle limit.
    pub async fn portal_session(&self, token: &str) -> Result<PortalSession> {
        let token = SessionToken::parse(token).ok_or(LoginFailure::SessionExpired)?;
        let live = self.live_session(&token).await?;
        let now = self.now();
        let settings = &self.user_services()?.settings;
        let mut last_seen = live.record.last_seen_at;
        if now - last_seen >= TOUCH_INTERVAL {
            self.store().touch_session(&live.token_hash, now).await?;
            last_seen = now;
        }
        let stage = live.record.stage;
        let roles = match stage {
            SessionStage::Authenticated => {
                live.user.user.roles.iter().copied().filter(|r| live.institution.roles.contains(r)).collect()
            }
            SessionStage::AwaitingSecondFactor | SessionStage::AwaitingEnrolment => Vec::new(),
        };
        let user = live.user.user;
        let principal =
            Principal { institution: user.institution, roles, credential: Credential::User(user.id.to_string()) };
        let expires_at = live.record.expires_at.min(later(last_seen, settings.session_idle));
        Ok(PortalSession { user, principal, stage, expires_at })
    }

    /// Ends the session. Unknown tokens are fine: logging out twice is not an error.
    pub async fn logout(&self, token: &SessionToken) -> Result<()> {
        self.user_services()?;
        Ok(self.store().delete_session(&token.hash()).await?)
    }

    /// Loads a session and checks everything that could have ended it. Expired sessions are deleted on sight.
    pub(super) async fn live_session(&self, token: &SessionToken) -> Result<LiveSession> {
        let settings = &self.user_services()?.settings;
        let token_hash = token.hash();
        let record = self.store().get_session(&token_hash).await?.ok_or(LoginFailure::SessionExpired)?;
        let now = self.now();
        if now >= record.expires_at || now >= later(record.last_seen_at, settings.session_idle) {
            self.store().delete_session(&token_hash).await?;
            return Err(LoginFailure::SessionExpired.into());
        }
        let user = self.store().get_user(record.user).await?.ok_or(LoginFailure::SessionExpired)?;
        let institution = self.store().get_institution(user.user.institution).await?.ok_or(LoginFailure::Disabled)?;
        if !may_sign_in(&user.user, &institution, now) {
            self.store().delete_session(&token_hash).await?;
            return Err(LoginFailure::Disabled.into());
        }
        Ok(LiveSession { token_hash, record, user, institution })
    }

    /// A fresh session for `user` at `stage`, with its token.
    pub(super) fn new_session(
        &self,
        user: &User,
        stage: SessionStage,
        settings: &UserSettings,
    ) -> Result<(SessionToken, SessionRecord)> {
        let token = SessionToken::generate()?;
        let now = self.now();
        let record = SessionRecord {
            token_hash: token.hash(),
            user: user.id,
            stage,
            pending_totp_secret_enc: None,
            created_at: now,
            last_seen_at: now,
            expires_at: later(now, settings.session_max),
        };
        Ok((token, record))
    }

    /// The session that replaces `old` at `stage`: a new token, the same absolute end (rotation never extends a
    /// session's life).
    pub(super) fn rotated_session(
        &self,
        old: &SessionRecord,
        stage: SessionStage,
    ) -> Result<(SessionToken, SessionRecord)> {
        let token = SessionToken::generate()?;
        let record = SessionRecord {
            token_hash: token.hash(),
            user: old.user,
            stage,
            pending_totp_secret_enc: None,
            created_at: old.created_at,
            last_seen_at: self.now(),
            expires_at: old.expires_at,
        };
        Ok((token, record))
    }

    /// Deletes sessions past their idle or absolute end (the retention sweep calls it). Works on a hub without
    /// user services too, with the default idle limit, so a hub that stopped serving the portal still cleans up.
    pub(crate) async fn delete_expired_sessions(&self) -> Result<u64> {
        let idle =
            self.users.as_deref().map_or_else(|| UserSettings::default().session_idle, |u| u.settings.session_idle);
        let now = self.now();
        let idle_cutoff = earlier(now, idle);
        let mut total = 0;
        for _ in 0..MAX_SWEEP_BATCHES {
            let removed = self.store().delete_expired_sessions(now, idle_cutoff, SWEEP_BATCH).await?;
            total += removed;
            if removed < u64::from(SWEEP_BATCH) {
                break;
            }
        }
        Ok(total)
    }
}

/// Whether the user may sign in at `now`: the user active, and the institution one that may act (a suspended
/// institution still reads its records, as with API keys).
pub(super) fn may_sign_in(user: &User, institution: &Institution, now: OffsetDateTime) -> bool {
    user.status == UserStatus::Active
        && matches!(institution.status_on(now.date()), LifecycleStatus::Active | LifecycleStatus::Suspended)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_parse_only_in_the_issued_shape_and_hide_in_debug() {
        let token = SessionToken::generate().unwrap();
        assert_eq!(token.as_str().len(), 43);
        assert_eq!(SessionToken::parse(token.as_str()), Some(token.clone()));
        assert!(SessionToken::parse("").is_none());
        assert!(SessionToken::parse(&token.as_str()[1..]).is_none());
        assert!(SessionToken::parse(&format!("{}=", token.as_str())).is_none());
        assert!(!format!("{token:?}").contains(token.as_str()));
        assert_ne!(SessionToken::generate().unwrap(), token);
        assert_eq!(token.hash().len(), 32);
    }
}
