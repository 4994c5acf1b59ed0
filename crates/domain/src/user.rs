//! Portal users: people who sign in to the portal for one institution, holding some of its roles. The password
//! and second-factor secrets never appear here; they exist only in the store and the hub's login code.

use crate::error::{FieldErrorCode, FieldErrors, validate_text};
use crate::ids::{InstitutionId, UserId};
use crate::institution::Role;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub const MIN_PASSWORD_CHARS: usize = 12;
/// Bounds the work of one password hash as much as it bounds storage.
pub const MAX_PASSWORD_CHARS: usize = 128;
pub const MIN_USERNAME_CHARS: usize = 3;
pub const MAX_USERNAME_CHARS: usize = 64;
const MAX_DISPLAY_NAME_CHARS: usize = 200;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    Active,
    /// Cannot sign in; existing sessions end when the user is disabled.
    Disabled,
}

impl UserStatus {
    pub fn code(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Disabled => "disabled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Active, Self::Disabled].into_iter().find(|v| v.code() == s)
    }
}

/// How far a portal session has come: a password alone never reaches `Authenticated`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStage {
    /// The password was right; the TOTP (or a recovery) code is next.
    AwaitingSecondFactor,
    /// The password was right and the user has no authenticator yet: enrolment is next.
    AwaitingEnrolment,
    Authenticated,
}

impl SessionStage {
    pub fn code(self) -> &'static str {
        match self {
            SessionStage::AwaitingSecondFactor => "awaiting_second_factor",
            SessionStage::AwaitingEnrolment => "awaiting_enrolment",
            SessionStage::Authenticated => "authenticated",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::AwaitingSecondFactor, Self::AwaitingEnrolment, Self::Authenticated].into_iter().find(|v| v.code() == s)
    }
}

/// A portal user as the rest of the hub sees it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub institution: InstitutionId,
    /// The lower-case login name, unique across the hub.
    pub username: String,
    pub display_name: String,
    /// A non-empty subset of the institution's roles.
    pub roles: Vec<Role>,
    pub status: UserStatus,
    pub totp_enrolled: bool,
    /// Set while repeated failures keep the account locked.
    #[serde(with = "time::serde::rfc3339::option")]
    pub locked_until: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl User {
    pub fn is_locked(&self, now: OffsetDateTime) -> bool {
        self.locked_until.is_some_and(|until| now < until)
    }
}

/// What an operator supplies to create a user. `Debug` hides the password.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct NewUser {
    pub institution: InstitutionId,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub password: String,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("institution", &self.institution)
            .field("username", &self.username)
            .field("display_name", &self.display_name)
            .field("roles", &self.roles)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// The one spelling of a login name: what users type is trimmed and lower-cased before any lookup.
pub fn normalize_username(username: &str) -> String {
    username.trim().to_lowercase()
}

/// Login names: 3 to 64 of `a-z 0-9 . _ - @`, starting with a letter or digit (so an e-mail address fits).
pub fn validate_username(username: &str) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::default();
    let count = username.chars().count();
    if !(MIN_USERNAME_CHARS..=MAX_USERNAME_CHARS).contains(&count) {
        errors.push_code(
            "username",
            FieldErrorCode::for_length(count, MAX_USERNAME_CHARS),
            format!("must be {MIN_USERNAME_CHARS} to {MAX_USERNAME_CHARS} characters"),
        );
    } else if !username.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_@".contains(c)) {
        errors.push("username", "may contain only a-z, 0-9 and . _ - @");
    } else if !username.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        errors.push("username", "must start with a letter or digit");
    }
    errors.into_result()
}

/// Passwords: 12 to 128 characters, not one character repeated. Length is what makes a password strong; the
/// second factor covers the rest, so there are no composition rules.
pub fn validate_password(password: &str) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::default();
    let count = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&count) {
        errors.push_code(
            "password",
            FieldErrorCode::for_length(count, MAX_PASSWORD_CHARS),
            format!("must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"),
        );
    } else if password.chars().all(|c| password.starts_with(c)) {
        errors.push("password", "must not repeat a single character");
    } else if password.chars().any(char::is_control) {
        errors.push("password", "must not contain control characters");
    }
    errors.into_result()
}

/// Checks a new user against the rules and its institution's roles. The username is checked as given, so callers
/// pass it through [`normalize_username`] first.
pub fn validate_new_user(new: &NewUser, institution_roles: &[Role]) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::default();
    if let Err(e) = validate_username(&new.username) {
        errors.0.extend(e.0);
    }
    validate_text(&mut errors, "display_name", new.display_name.trim(), MAX_DISPLAY_NAME_CHARS, false);
    if new.roles.is_empty() {
        errors.push_code("roles", FieldErrorCode::Required, "at least one role is required");
    }
    for (i, role) in new.roles.iter().enumerate() {
        if new.roles.get(..i).is_some_and(|before| before.contains(role)) {
            errors.push_code(
                format!("roles/{i}"),
                FieldErrorCode::Duplicate,
                format!("role '{}' is listed twice", role.code()),
            );
        } else if !institution_roles.contains(role) {
            errors.push(format!("roles/{i}"), format!("the institution does not hold the role '{}'", role.code()));
        }
    }
    match validate_password(&new.password) {
        Err(e) => errors.0.extend(e.0),
        Ok(()) if normalize_username(&new.password) == normalize_username(&new.username) => {
            errors.push("password", "must differ from the username");
        }
        Ok(()) => {}
    }
    errors.into_result()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_user(username: &str, password: &str, roles: &[Role]) -> NewUser {
        NewUser {
            institution: InstitutionId::new(),
            username: username.into(),
            display_name: "Aigerim".into(),
            roles: roles.to_vec(),
            password: password.into(),
        }
    }

    fn fields(result: Result<(), FieldErrors>) -> Vec<String> {
        result.err().map(|e| e.0.into_iter().map(|f| f.field).collect()).unwrap_or_default()
    }

    #[test]
    fn a_valid_user_passes() {
        let user = new_user("lab.admin@example.kz", "correct horse battery", &[Role::IssuingCab]);
        assert_eq!(validate_new_user(&user, &[Role::IssuingCab, Role::Customs]), Ok(()));
    }

    #[test]
    fn passwords_follow_the_length_and_repetition_rules() {
        assert!(validate_password("short").is_err());
        assert!(validate_password(&"a".repeat(12)).is_err());
        assert!(validate_password(&"ab".repeat(65)).is_err(), "130 characters is too long");
        assert!(validate_password("with\u{0}null char").is_err());
        assert!(validate_password(&"ab".repeat(64)).is_ok());
        assert!(validate_password("абвгдеёжзийк").is_ok(), "characters, not bytes, are counted");
    }

    #[test]
    fn usernames_are_normalised_and_restricted() {
        assert_eq!(normalize_username("  Lab.Admin "), "lab.admin");
        assert!(validate_username("ab").is_err());
        assert!(validate_username(&"a".repeat(65)).is_err());
        assert!(validate_username("Upper").is_err());
        assert!(validate_username("has space").is_err());
        assert!(validate_username(".dot").is_err());
        assert!(validate_username("kz-lab_1@example.kz").is_ok());
    }

    #[test]
    fn every_rule_of_a_new_user_names_its_field() {
        let bad = NewUser { display_name: " ".into(), ..new_user("ok-name", "x", &[]) };
        assert_eq!(fields(validate_new_user(&bad, &[Role::IssuingCab])), ["display_name", "roles", "password"]);
        let roles = new_user("ok-name", "long enough password", &[Role::IssuingCab, Role::IssuingCab, Role::Customs]);
        assert_eq!(fields(validate_new_user(&roles, &[Role::IssuingCab])), ["roles/1", "roles/2"]);
        let same = new_user("username-as-pw", "USERNAME-AS-PW", &[Role::IssuingCab]);
        assert_eq!(fields(validate_new_user(&same, &[Role::IssuingCab])), ["password"]);
    }

    #[test]
    fn length_rules_say_which_bound_was_broken() {
        let code = |r: Result<(), FieldErrors>| r.unwrap_err().0.iter().map(|e| e.code).collect::<Vec<_>>();
        assert_eq!(code(validate_username("")), [FieldErrorCode::Required]);
        assert_eq!(code(validate_username("ab")), [FieldErrorCode::Invalid]);
        assert_eq!(code(validate_username(&"a".repeat(MAX_USERNAME_CHARS + 1))), [FieldErrorCode::TooLong]);
        assert_eq!(code(validate_username("Upper")), [FieldErrorCode::Invalid]);
        assert_eq!(code(validate_password("")), [FieldErrorCode::Required]);
        assert_eq!(code(validate_password("short")), [FieldErrorCode::Invalid]);
        assert_eq!(code(validate_password(&"ab".repeat(65))), [FieldErrorCode::TooLong]);
        let roles = new_user("ok-name", "long enough password", &[Role::IssuingCab, Role::IssuingCab]);
        assert_eq!(code(validate_new_user(&roles, &[Role::IssuingCab])), [FieldErrorCode::Duplicate]);
        let none = new_user("ok-name", "long enough password", &[]);
        assert_eq!(code(validate_new_user(&none, &[Role::IssuingCab])), [FieldErrorCode::Required]);
    }

    #[test]
    fn codes_round_trip_and_debug_hides_the_password() {
        for s in [UserStatus::Active, UserStatus::Disabled] {
            assert_eq!(UserStatus::parse(s.code()), Some(s));
        }
        for s in [SessionStage::AwaitingSecondFactor, SessionStage::AwaitingEnrolment, SessionStage::Authenticated] {
            assert_eq!(SessionStage::parse(s.code()), Some(s));
        }
        assert_eq!(UserStatus::parse("gone"), None);
        let debug = format!("{:?}", new_user("someone", "secret password 1", &[]));
        assert!(!debug.contains("secret password 1"), "{debug}");
    }

    #[test]
    fn lock_lasts_until_its_instant() {
        let t = time::macros::datetime!(2026-06-01 12:00 UTC);
        let mut user = User {
            id: UserId::new(),
            institution: InstitutionId::new(),
            username: "someone".into(),
            display_name: "Someone".into(),
            roles: vec![Role::Customs],
            status: UserStatus::Active,
            totp_enrolled: false,
            locked_until: Some(t),
            created_at: t,
            updated_at: t,
        };
        assert!(user.is_locked(t - time::Duration::seconds(1)));
        assert!(!user.is_locked(t));
        user.locked_until = None;
        assert!(!user.is_locked(t));
    }
}
