//! Storage of portal users, their server-side sessions and recovery codes.
//!
//! Secrets are stored only in forms that are useless when read: the password as an argon2id PHC string, the TOTP
//! secret encrypted by the hub (the key is a file in the data directory, not in the database), session tokens and
//! recovery codes as SHA-256 digests. Role and tenant checks are the hub's; the store enforces the rules that
//! must hold under concurrency: a TOTP step is accepted at most once per user, a recovery code is used once,
//! a session token is rotated once.
//!
//! Audited changes (users created, enabled or disabled, second factor reset, logins, failures, lockouts,
//! enrolments) write their events in the same transaction. Session rows themselves are short-lived credentials:
//! creating one after the password step, touching and deleting one are not audited facts.

use crate::{Receipt, Result};
use async_trait::async_trait;
use ecert_domain::audit::AuditEvent;
use ecert_domain::ids::{InstitutionId, UserId};
use ecert_domain::user::{SessionStage, User, UserStatus};
use time::OffsetDateTime;

/// Most users one `list_users` returns (the portal lists users per institution, which are few).
pub const MAX_USERS_LISTED: u32 = 5_000;

/// A user with the secrets only the login code reads. `Debug` hides them.
#[derive(Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// `user.totp_enrolled` mirrors `totp_secret_enc.is_some()` when read back.
    pub user: User,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// The TOTP secret, encrypted by the hub.
    pub totp_secret_enc: Option<Vec<u8>>,
    /// The last TOTP time step accepted: a code of this step or an earlier one is a replay.
    pub totp_last_step: Option<i64>,
    /// Consecutive failed attempts since the last success or lockout.
    pub failed_logins: u32,
}

impl std::fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRecord")
            .field("user", &self.user)
            .field("totp_last_step", &self.totp_last_step)
            .field("failed_logins", &self.failed_logins)
            .finish_non_exhaustive()
    }
}

/// A server-side portal session, found by the SHA-256 of its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub token_hash: Vec<u8>,
    pub user: UserId,
    pub stage: SessionStage,
    /// The secret being enrolled (encrypted by the hub), until the user confirms it with a code.
    pub pending_totp_secret_enc: Option<Vec<u8>>,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    /// The absolute end of the session, however active it is. (The idle limit is the hub's: `last_seen_at` plus
    /// its setting.)
    pub expires_at: OffsetDateTime,
}

/// One failed attempt of a known user (password or second factor).
#[derive(Debug, Clone)]
pub struct LoginFailureRecord<'a> {
    pub user: UserId,
    /// The failure that brings the count to this number locks the account (and resets the count).
    pub threshold: u32,
    /// Until when a lockout caused by this failure lasts.
    pub lock_until: OffsetDateTime,
    /// Always appended.
    pub failed: &'a AuditEvent,
    /// Appended when this failure locks the account.
    pub locked: &'a AuditEvent,
}

/// What completes a login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecondFactorProof {
    /// A TOTP code of this time step: accepted only if it is later than the last accepted step.
    TotpStep(i64),
    /// The SHA-256 of a recovery code: accepted only if the user has it unused.
    RecoveryCode(Vec<u8>),
}

/// Replaces a session by a new one (a new token) in the same transaction as the change that promoted it, so a
/// token seen before a login step is useless after it.
#[derive(Debug, Clone)]
pub struct SessionRotation<'a> {
    pub old_token_hash: &'a [u8],
    pub new: &'a SessionRecord,
}

#[derive(Debug, Clone)]
pub struct SecondFactorCompletion<'a> {
    pub user: UserId,
    pub proof: SecondFactorProof,
    /// When the proof was accepted (a recovery code's use time).
    pub at: OffsetDateTime,
    pub rotation: SessionRotation<'a>,
    pub events: &'a [AuditEvent],
}

/// Why a second factor was refused by the store. Nothing was changed in any of these cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecondFactorOutcome {
    Accepted(Vec<Receipt>),
    /// The step is not later than the last accepted one: a replay (or the losing side of a race).
    StepAlreadyUsed,
    /// Unknown or already used recovery code.
    RecoveryCodeNotUsable,
    /// The session was rotated or deleted meanwhile.
    SessionGone,
}

/// A confirmed TOTP enrolment: the secret replaces any earlier one, and the recovery codes replace all earlier
/// codes.
#[derive(Debug, Clone)]
pub struct TotpEnrolmentRecord<'a> {
    pub user: UserId,
    pub secret_enc: &'a [u8],
    /// The step of the confirming code, so that code cannot log in again.
    pub last_step: i64,
    /// SHA-256 of each recovery code.
    pub recovery_code_hashes: &'a [Vec<u8>],
    pub at: OffsetDateTime,
    pub rotation: SessionRotation<'a>,
    pub events: &'a [AuditEvent],
}

#[async_trait]
pub trait UserStore: Send + Sync {
    /// `Conflict("username")` if the name is taken; `MissingReference` if the institution does not exist.
    async fn insert_user(&self, user: &UserRecord, audit: &AuditEvent) -> Result<Receipt>;
    async fn get_user(&self, id: UserId) -> Result<Option<UserRecord>>;
    async fn find_user_by_username(&self, username: &str) -> Result<Option<UserRecord>>;
    /// Ordered by username, at most [`MAX_USERS_LISTED`].
    async fn list_users(&self, institution: Option<InstitutionId>) -> Result<Vec<User>>;
    /// `NotFound` for an unknown user. Disabling also deletes all the user's sessions.
    async fn set_user_status(
        &self,
        id: UserId,
        status: UserStatus,
        at: OffsetDateTime,
        audit: &AuditEvent,
    ) -> Result<Receipt>;
    /// Removes the TOTP secret, the last step and every recovery code, and deletes all the user's sessions, so
    /// the next login enrols again. `NotFound` for an unknown user.
    async fn reset_second_factor(&self, id: UserId, at: OffsetDateTime, audit: &AuditEvent) -> Result<Receipt>;
    /// Counts a failure (atomically: concurrent failures all count). Returns the lock's end when this failure
    /// locked the account.
    async fn record_login_failure(&self, failure: &LoginFailureRecord<'_>) -> Result<Option<OffsetDateTime>>;
    /// How many unused recovery codes the user has left.
    async fn count_unused_recovery_codes(&self, user: UserId) -> Result<u64>;

    async fn insert_session(&self, session: &SessionRecord) -> Result<()>;
    async fn get_session(&self, token_hash: &[u8]) -> Result<Option<SessionRecord>>;
    async fn touch_session(&self, token_hash: &[u8], at: OffsetDateTime) -> Result<()>;
    /// `Stale` if the session is gone.
    async fn set_pending_totp_secret(&self, token_hash: &[u8], secret_enc: &[u8]) -> Result<()>;
    /// Accepts the proof (compare-and-set on the last step, or marking the recovery code used), resets the
    /// failure count and any lock, rotates the session and appends `events`, all or nothing.
    async fn complete_second_factor(&self, completion: &SecondFactorCompletion<'_>) -> Result<SecondFactorOutcome>;
    /// Stores the secret, its step and the new recovery codes, resets the failure count, rotates the session and
    /// appends `events`. `Stale` if the session is gone.
    async fn enrol_totp(&self, enrolment: &TotpEnrolmentRecord<'_>) -> Result<Vec<Receipt>>;
    /// Deleting a session that does not exist is not an error (logging out twice).
    async fn delete_session(&self, token_hash: &[u8]) -> Result<()>;
    /// Deletes up to `limit` sessions past their absolute end (`expires_at <= now`) or idle since `idle_cutoff`
    /// (`last_seen_at <= idle_cutoff`). Returns how many.
    async fn delete_expired_sessions(
        &self,
        now: OffsetDateTime,
        idle_cutoff: OffsetDateTime,
        limit: u32,
    ) -> Result<u64>;
}
