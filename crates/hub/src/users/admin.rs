//! User administration by the hub operator: create users, list them, enable or disable them, and reset their
//! second factor. These need no sign-in services (no key), so `ecert admin` can run them on any hub.

use super::password;
use crate::audit::WithDigests;
use crate::auth::require;
use crate::{Hub, HubError, Result};
use ecert_domain::FieldErrorCode;
use ecert_domain::audit::EventType;
use ecert_domain::auth::{Permission, Principal};
use ecert_domain::ids::{InstitutionId, UserId};
use ecert_domain::user::{NewUser, User, UserStatus, normalize_username, validate_new_user};
use ecert_store::user::UserRecord;
use ecert_store::{Receipt, StoreError};

impl Hub {
    /// Creates a user of an institution with some of its roles (operator only). The password is hashed with
    /// argon2id; the user enrols a TOTP authenticator at first sign-in.
    pub async fn create_user(&self, p: &Principal, new: NewUser) -> Result<(User, Receipt)> {
        require(p, Permission::ManageRegistries)?;
        let new = NewUser {
            username: normalize_username(&new.username),
            display_name: new.display_name.trim().to_owned(),
            ..new
        };
        let institution =
            self.store().get_institution(new.institution).await?.ok_or(HubError::NotFound("institution"))?;
        validate_new_user(&new, &institution.roles)?;
        let mut roles = new.roles.clone();
        roles.sort();
        let now = crate::exchange::stored_precision(self.now());
        let user = User {
            id: UserId::new(),
            institution: institution.id,
            username: new.username,
            display_name: new.display_name,
            roles,
            status: UserStatus::Active,
            totp_enrolled: false,
            locked_until: None,
            created_at: now,
            updated_at: now,
        };
        let record = UserRecord {
            user: user.clone(),
            password_hash: password::hash(new.password).await?,
            totp_secret_enc: None,
            totp_last_step: None,
            failed_logins: 0,
        };
        let audit = self
            .event(p, EventType::UserCreated, Some(user.institution), vec![format!("user:{}", user.id)])
            .after(&user);
        let receipt = self.store().insert_user(&record, &audit).await.map_err(|e| match e {
            StoreError::Conflict(_) => {
                HubError::invalid_with_code("username", FieldErrorCode::Duplicate, "is already taken")
            }
            other => other.into(),
        })?;
        Ok((user, receipt))
    }

    /// Users of one institution, or of all (`None`), by username. Operator only: other callers are refused
    /// (`NotFound` for another institution's users, so their existence is not confirmed).
    pub async fn list_users(&self, p: &Principal, institution: Option<InstitutionId>) -> Result<Vec<User>> {
        if !p.is_operator() {
            return match institution {
                Some(id) if !p.can_access(id) => Err(HubError::NotFound("institution")),
                _ => Err(HubError::Forbidden(Permission::ManageRegistries)),
            };
        }
        Ok(self.store().list_users(institution).await?)
    }

    /// One user (operator only).
    pub async fn get_user(&self, p: &Principal, id: UserId) -> Result<User> {
        require(p, Permission::ManageRegistries)?;
        self.user_or_404(id).await
    }

    /// Enables or disables a user (operator only). Disabling ends the user's sessions at once.
    pub async fn set_user_status(&self, p: &Principal, id: UserId, status: UserStatus) -> Result<Receipt> {
        require(p, Permission::ManageRegistries)?;
        let before = self.user_or_404(id).await?;
        if before.status == status {
            return Err(HubError::Conflict(format!("the user is already {}", status.code())));
        }
        let after = User { status, ..before.clone() };
        let audit = self
            .event(p, EventType::UserStatusChanged, Some(before.institution), vec![format!("user:{id}")])
            .before(&before)
            .after(&after);
        Ok(self.store().set_user_status(id, status, self.now(), &audit).await?)
    }

    /// Removes the user's authenticator and recovery codes and ends their sessions (operator only): for a lost
    /// phone. The user enrols again at the next sign-in.
    pub async fn reset_second_factor(&self, p: &Principal, id: UserId) -> Result<Receipt> {
        require(p, Permission::ManageRegistries)?;
        let user = self.user_or_404(id).await?;
        let audit = self
            .event(p, EventType::UserSecondFactorReset, Some(user.institution), vec![format!("user:{id}")])
            .before(&user);
        Ok(self.store().reset_second_factor(id, self.now(), &audit).await?)
    }

    async fn user_or_404(&self, id: UserId) -> Result<User> {
        Ok(self.store().get_user(id).await?.ok_or(HubError::NotFound("user"))?.user)
    }
}
