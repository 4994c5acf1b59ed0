//! The two sign-in steps: the password, then a TOTP code (or a recovery code). Failures of both steps count
//! toward one per-account lockout, kept in the database so it holds across hub processes.

use super::enrol::recovery_code_hash;
use super::password::{self, MAX_LOGIN_PASSWORD_BYTES};
use super::session::{LoginStarted, SessionToken, may_sign_in};
use super::totp::{is_totp_code, matching_step, typed_code};
use super::{LoginFailure, later};
use crate::audit::credential_label;
use crate::{Hub, HubError, Result};
use ecert_domain::audit::{AuditEvent, EventType};
use ecert_domain::auth::Credential;
use ecert_domain::user::{MAX_USERNAME_CHARS, SessionStage, User, normalize_username};
use ecert_store::user::{
    LoginFailureRecord, SecondFactorCompletion, SecondFactorOutcome, SecondFactorProof, SessionRotation,
};

impl Hub {
    /// Step one. An unknown username costs the same argon2 verification as a known one and answers the same
    /// `WrongCredentials`. A locked account answers `Locked` without checking the password, so guessing stops
    /// while the lock lasts. A correct password does not reset the failure count: only a completed sign-in
    /// does, or the password alone could be used to reset the count of guesses at the second factor.
    pub async fn login_password(&self, username: &str, password: &str) -> Result<LoginStarted> {
        let settings = self.user_services()?.settings.clone();
        let username = normalize_username(username);
        if password.len() > MAX_LOGIN_PASSWORD_BYTES || username.chars().count() > MAX_USERNAME_CHARS {
            // Cannot be an account's credentials; no work is spent on them.
            return Err(LoginFailure::WrongCredentials.into());
        }
        let Some(record) = self.store().find_user_by_username(&username).await? else {
            password::verify_dummy(password.to_owned()).await?;
            self.store().append_audit_event(&self.login_event(None, EventType::UserLoginFailed)).await?;
            return Err(LoginFailure::WrongCredentials.into());
        };
        let user = &record.user;
        if let Some(until) = user.locked_until.filter(|until| self.now() < *until) {
            return Err(LoginFailure::Locked { until }.into());
        }
        if !password::verify(password.to_owned(), record.password_hash.clone()).await? {
            return Err(self.login_failed(user, LoginFailure::WrongCredentials).await);
        }
        // Told only to someone who knows the password, so probing cannot find out which accounts are disabled.
        let institution = self.store().get_institution(user.institution).await?.ok_or(LoginFailure::Disabled)?;
        if !may_sign_in(user, &institution, self.now()) {
            return Err(LoginFailure::Disabled.into());
        }
        let stage =
            if user.totp_enrolled { SessionStage::AwaitingSecondFactor } else { SessionStage::AwaitingEnrolment };
        let (token, session) = self.new_session(user, stage, &settings)?;
        self.store().insert_session(&session).await?;
        Ok(LoginStarted { token, stage })
    }

    /// Step two: a 6-digit TOTP code, or one of the user's recovery codes. A TOTP code is accepted once: its
    /// time step must be later than the last accepted one, checked again by a compare-and-set in the store so
    /// two concurrent uses cannot both win. Success rotates the session token (the returned token replaces the
    /// one passed in) and resets the failure count.
    pub async fn login_second_factor(&self, token: &SessionToken, code: &str) -> Result<SessionToken> {
        let services = self.user_services()?;
        let live = self.live_session(token).await?;
        match live.record.stage {
            SessionStage::AwaitingSecondFactor => {}
            SessionStage::AwaitingEnrolment => return Err(LoginFailure::EnrolmentRequired.into()),
            SessionStage::Authenticated => return Err(HubError::Conflict("this session is already signed in".into())),
        }
        let user = &live.user.user;
        let now = self.now();
        if let Some(until) = user.locked_until.filter(|until| now < *until) {
            return Err(LoginFailure::Locked { until }.into());
        }
        let code = typed_code(code);
        let proof = if is_totp_code(&code) {
            let sealed = live.user.totp_secret_enc.as_deref().ok_or(LoginFailure::EnrolmentRequired)?;
            let secret = services.totp_key.open(user.id, sealed)?;
            match matching_step(&secret, &code, now) {
                Some(step) if live.user.totp_last_step.is_some_and(|last| step <= last) => {
                    return Err(self.login_failed(user, LoginFailure::CodeReused).await);
                }
                step => step.map(SecondFactorProof::TotpStep),
            }
        } else {
            recovery_code_hash(&code).map(SecondFactorProof::RecoveryCode)
        };
        let Some(proof) = proof else {
            return Err(self.login_failed(user, LoginFailure::WrongCode).await);
        };
        let method = match proof {
            SecondFactorProof::TotpStep(_) => "totp",
            SecondFactorProof::RecoveryCode(_) => "recovery_code",
        };
        let mut event = self.login_event(Some(user), EventType::UserLoggedIn);
        event.subjects.push(format!("method:{method}"));
        let (new_token, new_session) = self.rotated_session(&live.record, SessionStage::Authenticated)?;
        let completion = SecondFactorCompletion {
            user: user.id,
            proof,
            at: now,
            rotation: SessionRotation { old_token_hash: &live.token_hash, new: &new_session },
            events: std::slice::from_ref(&event),
        };
        match self.store().complete_second_factor(&completion).await? {
            SecondFactorOutcome::Accepted(_) => Ok(new_token),
            SecondFactorOutcome::StepAlreadyUsed => Err(self.login_failed(user, LoginFailure::CodeReused).await),
            SecondFactorOutcome::RecoveryCodeNotUsable => Err(self.login_failed(user, LoginFailure::WrongCode).await),
            SecondFactorOutcome::SessionGone => Err(LoginFailure::SessionExpired.into()),
        }
    }

    /// Counts a failure of a known user and returns the error to answer: `Locked` when this failure locked the
    /// account, otherwise `failure`.
    async fn login_failed(&self, user: &User, failure: LoginFailure) -> HubError {
        let settings = match self.user_services() {
            Ok(services) => &services.settings,
            Err(e) => return e,
        };
        let failed = self.login_event(Some(user), EventType::UserLoginFailed);
        let locked = self.login_event(Some(user), EventType::UserLockedOut);
        let record = LoginFailureRecord {
            user: user.id,
            threshold: settings.lockout_threshold,
            lock_until: later(self.now(), settings.lockout_duration),
            failed: &failed,
            locked: &locked,
        };
        match self.store().record_login_failure(&record).await {
            Ok(Some(until)) => {
                tracing::warn!(user = %user.id, %until, "portal account locked after repeated failures");
                LoginFailure::Locked { until }.into()
            }
            Ok(None) => failure.into(),
            Err(e) => e.into(),
        }
    }

    /// A sign-in event: the user as actor and subject (ids only), or for an unknown username no subject at all.
    pub(super) fn login_event(&self, user: Option<&User>, event_type: EventType) -> AuditEvent {
        let mut event = AuditEvent::new(event_type, self.now());
        match user {
            Some(user) => {
                event.actor = Some(user.institution);
                event.credential = credential_label(&Credential::User(user.id.to_string()));
                event.subject_institution = Some(user.institution);
                event.subjects = vec![format!("user:{}", user.id)];
            }
            None => event.credential = "portal_login".to_owned(),
        }
        event
    }
}
