//! Portal users through the hub, on a real SQLite store, with a fixed clock for lockouts and expiry: enrolment,
//! the two sign-in steps, sessions, administration, and every way sign-in is refused.

use ecert_domain::audit::EventType;
use ecert_domain::auth::{Credential, Principal};
use ecert_domain::ids::InstitutionId;
use ecert_domain::institution::Role;
use ecert_domain::page::PageRequest;
use ecert_domain::user::{NewUser, SessionStage, UserStatus};
use ecert_hub::demo::{DemoCredentials, DemoUser};
use ecert_hub::users::{SessionToken, TotpEnrolment, UserServices, UserSettings, totp};
use ecert_hub::{Clock, ExchangeServices, ExchangeSettings, Hub, HubError, LoginFailure, load_or_create_log_key};
use ecert_store::{AuditFilter, SqliteStore, Store};
use std::sync::Arc;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

/// Five seconds into a TOTP step, so `T0 + k * 30 s` is always inside step `k` after it.
const T0: OffsetDateTime = datetime!(2030-01-01 00:00:05 UTC);
const STEP: Duration = Duration::seconds(30);

struct Fx {
    dir: tempfile::TempDir,
    hub: Hub,
    demo: DemoCredentials,
    operator: Principal,
}

async fn fixture() -> Fx {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("hub.sqlite3")).await.unwrap());
    let signer = load_or_create_log_key(dir.path(), "hub.test/audit-log").unwrap();
    let exchange = ExchangeServices::for_data_dir(dir.path(), ExchangeSettings::default()).unwrap();
    let users = UserServices::for_data_dir(dir.path(), UserSettings::default()).unwrap();
    let hub = Hub::new(store, signer, exchange).with_users(users);
    hub.prepare_log().await.unwrap();
    let demo = hub.seed_demo(None).await.unwrap();
    let operator = hub.authenticate_api_key(&demo.operator_key).await.unwrap();
    Fx { dir, hub, demo, operator }
}

impl Fx {
    fn at(&self, t: OffsetDateTime) -> Hub {
        self.hub.clone().with_clock(Clock::Fixed(t))
    }

    fn user(&self, username: &str) -> &DemoUser {
        self.demo.users.iter().find(|u| u.username == username).unwrap()
    }

    /// Signs `username` in at `t` and enrols an authenticator; returns its secret, the recovery codes and the
    /// signed-in token.
    async fn enrolled(&self, username: &str, t: OffsetDateTime) -> (Vec<u8>, Vec<String>, SessionToken) {
        let hub = self.at(t);
        let started = hub.login_password(username, &self.user(username).password).await.unwrap();
        assert_eq!(started.stage, SessionStage::AwaitingEnrolment);
        let enrolment = hub.begin_totp_enrolment(&started.token).await.unwrap();
        let secret = secret_of(&enrolment);
        let done = hub.confirm_totp_enrolment(&started.token, &totp::code_at(&secret, t)).await.unwrap();
        (secret, done.recovery_codes, done.token)
    }

    /// The password step of an enrolled user at `t`.
    async fn password_step(&self, username: &str, t: OffsetDateTime) -> SessionToken {
        let started = self.at(t).login_password(username, &self.user(username).password).await.unwrap();
        assert_eq!(started.stage, SessionStage::AwaitingSecondFactor);
        started.token
    }

    async fn events(&self, event_type: EventType) -> Vec<ecert_domain::audit::AuditEvent> {
        let page = self.hub.list_audit_events(&self.operator, &PageRequest::first(500)).await.unwrap();
        page.items.into_iter().map(|e| e.event).filter(|e| e.event_type == event_type).collect()
    }
}

fn secret_of(enrolment: &TotpEnrolment) -> Vec<u8> {
    totp::base32_decode(&enrolment.secret_base32).unwrap()
}

fn failure<T: std::fmt::Debug>(result: Result<T, HubError>) -> LoginFailure {
    match result {
        Err(HubError::Login(f)) => f,
        other => panic!("expected a login failure, got {other:?}"),
    }
}

#[tokio::test]
async fn enrol_log_out_and_sign_in_again_with_password_and_totp() {
    let fx = fixture().await;
    let hub = fx.at(T0);
    let cab = fx.user("cab");
    let started = hub.login_password("cab", &cab.password).await.unwrap();
    assert_eq!(started.stage, SessionStage::AwaitingEnrolment);

    // Half-way, the session grants nothing.
    let half = hub.portal_session(started.token.as_str()).await.unwrap();
    assert_eq!(half.stage, SessionStage::AwaitingEnrolment);
    assert!(half.principal.roles.is_empty());
    assert_eq!(failure(hub.login_second_factor(&started.token, "123456").await), LoginFailure::EnrolmentRequired);

    let enrolment = hub.begin_totp_enrolment(&started.token).await.unwrap();
    assert!(enrolment.otpauth_uri.starts_with("otpauth://totp/ecert:cab?secret="), "{}", enrolment.otpauth_uri);
    assert!(enrolment.otpauth_uri.contains(&enrolment.secret_base32));
    assert_eq!(secret_of(&enrolment).len(), 20);
    let again = hub.begin_totp_enrolment(&started.token).await.unwrap();
    assert_eq!(again.secret_base32, enrolment.secret_base32, "a reload shows the same pending secret");
    assert!(!format!("{enrolment:?}").contains(&enrolment.secret_base32));

    let secret = secret_of(&enrolment);
    let wrong = totp::code_at(&secret, T0 + Duration::minutes(5));
    assert_eq!(failure(hub.confirm_totp_enrolment(&started.token, &wrong).await), LoginFailure::WrongCode);
    let done = hub.confirm_totp_enrolment(&started.token, &totp::code_at(&secret, T0)).await.unwrap();
    assert_eq!(done.recovery_codes.len(), 10);
    assert_ne!(done.token, started.token);
    assert_eq!(failure(hub.portal_session(started.token.as_str()).await), LoginFailure::SessionExpired, "rotated");

    let session = hub.portal_session(done.token.as_str()).await.unwrap();
    assert_eq!(session.stage, SessionStage::Authenticated);
    assert_eq!(session.principal.roles, vec![Role::IssuingCab]);
    assert_eq!(session.principal.institution, cab.institution);
    assert_eq!(session.principal.credential, Credential::User(session.user.id.to_string()));
    assert!(session.user.totp_enrolled);
    assert_eq!(session.expires_at, T0 + Duration::minutes(30), "the idle end comes first");

    hub.logout(&done.token).await.unwrap();
    hub.logout(&done.token).await.unwrap();
    assert_eq!(failure(hub.portal_session(done.token.as_str()).await), LoginFailure::SessionExpired);

    // Signing in again: the enrolment's own code is spent, the next step's is not.
    let token = fx.password_step("cab", T0).await;
    assert_eq!(failure(hub.login_second_factor(&token, &totp::code_at(&secret, T0)).await), LoginFailure::CodeReused);
    let later = fx.at(T0 + STEP);
    let signed_in = later.login_second_factor(&token, &totp::code_at(&secret, T0 + STEP)).await.unwrap();
    assert_eq!(later.portal_session(signed_in.as_str()).await.unwrap().stage, SessionStage::Authenticated);
    assert_eq!(failure(later.portal_session(token.as_str()).await), LoginFailure::SessionExpired);
    assert!(matches!(later.login_second_factor(&signed_in, "000000").await, Err(HubError::Conflict(_))));

    assert_eq!(fx.events(EventType::TotpEnrolled).await.len(), 1);
    let logins = fx.events(EventType::UserLoggedIn).await;
    assert_eq!(logins.len(), 2);
    assert!(logins.iter().all(|e| e.subjects[0] == format!("user:{}", session.user.id)));
    assert!(logins.iter().all(|e| e.actor == Some(cab.institution)));
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_answer() {
    let fx = fixture().await;
    let hub = fx.at(T0);
    let cab = fx.user("cab");
    assert_eq!(failure(hub.login_password("cab", "not the password").await), LoginFailure::WrongCredentials);
    assert_eq!(failure(hub.login_password("nobody", &cab.password).await), LoginFailure::WrongCredentials);
    assert_eq!(failure(hub.login_password("cab", &"x".repeat(10_000)).await), LoginFailure::WrongCredentials);
    assert_eq!(failure(hub.login_password(&"c".repeat(500), "whatever").await), LoginFailure::WrongCredentials);
    // Usernames are case-insensitive and trimmed.
    assert_eq!(hub.login_password(" CAB ", &cab.password).await.unwrap().stage, SessionStage::AwaitingEnrolment);

    let failed = fx.events(EventType::UserLoginFailed).await;
    assert_eq!(failed.len(), 2, "the oversized attempts are refused before any work");
    let user_id = fx.hub.list_users(&fx.operator, Some(cab.institution)).await.unwrap()[0].id;
    assert_eq!(failed[0].subjects, vec![format!("user:{user_id}")]);
    assert!(failed[1].subjects.is_empty() && failed[1].actor.is_none(), "no subject for an unknown name");
    let leaves: Vec<Vec<u8>> = failed.iter().map(|e| e.canonical_bytes()).collect();
    assert!(leaves.iter().all(|l| !String::from_utf8_lossy(l).contains("nobody")), "no names in the log");
}

#[tokio::test]
async fn repeated_wrong_passwords_lock_the_account_until_the_lock_ends() {
    let fx = fixture().await;
    let cab = fx.user("cab");
    let hub = fx.at(T0);
    for _ in 0..4 {
        assert_eq!(failure(hub.login_password("cab", "wrong password!").await), LoginFailure::WrongCredentials);
    }
    let until = T0 + Duration::minutes(15);
    assert_eq!(failure(hub.login_password("cab", "wrong password!").await), LoginFailure::Locked { until });
    // While locked, even the right password is not checked.
    let during = fx.at(until - Duration::seconds(1));
    assert_eq!(failure(during.login_password("cab", &cab.password).await), LoginFailure::Locked { until });
    assert_eq!(fx.events(EventType::UserLockedOut).await.len(), 1);
    assert_eq!(fx.events(EventType::UserLoginFailed).await.len(), 5, "attempts during the lock are not counted");

    // The lock is in the database: a second hub process on the same files sees it.
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&fx.dir.path().join("hub.sqlite3")).await.unwrap());
    let other = Hub::new(
        store,
        load_or_create_log_key(fx.dir.path(), "hub.test/audit-log").unwrap(),
        ExchangeServices::for_data_dir(fx.dir.path(), ExchangeSettings::default()).unwrap(),
    )
    .with_users(UserServices::for_data_dir(fx.dir.path(), UserSettings::default()).unwrap())
    .with_clock(Clock::Fixed(T0 + Duration::minutes(1)));
    assert_eq!(failure(other.login_password("cab", &cab.password).await), LoginFailure::Locked { until });

    let after = fx.at(until);
    assert_eq!(after.login_password("cab", &cab.password).await.unwrap().stage, SessionStage::AwaitingEnrolment);
    // The count restarted at the lock: one more failure does not lock again.
    assert_eq!(failure(after.login_password("cab", "wrong password!").await), LoginFailure::WrongCredentials);
}

#[tokio::test]
async fn second_factor_failures_count_toward_the_lockout_and_success_resets_it() {
    let fx = fixture().await;
    let (secret, _, _) = fx.enrolled("customs", T0).await;
    let t = T0 + Duration::minutes(1);
    let token = fx.password_step("customs", t).await;
    let hub = fx.at(t);
    for bad in ["000000", "12345", "not a code", "abcde-fghij"] {
        let got = failure(hub.login_second_factor(&token, bad).await);
        assert_eq!(got, LoginFailure::WrongCode, "{bad}");
    }
    // The enrolment's code again: a replay, and the fifth failure.
    let until = t + Duration::minutes(15);
    assert_eq!(
        failure(hub.login_second_factor(&token, &totp::code_at(&secret, T0)).await),
        LoginFailure::Locked { until }
    );
    let right = totp::code_at(&secret, t);
    assert_eq!(failure(hub.login_second_factor(&token, &right).await), LoginFailure::Locked { until });

    // After the lock, the same (still live) session signs in with a current code, and the count is reset.
    let after = until + Duration::seconds(1);
    let hub = fx.at(after);
    hub.login_second_factor(&token, &totp::code_at(&secret, after)).await.unwrap();
    let record = hub.store().find_user_by_username("customs").await.unwrap().unwrap();
    assert_eq!((record.failed_logins, record.user.locked_until), (0, None));
}

#[tokio::test]
async fn a_correct_password_does_not_reset_second_factor_failures() {
    let fx = fixture().await;
    fx.enrolled("customs", T0).await;
    let t = T0 + STEP * 2;
    for _ in 0..2 {
        let token = fx.password_step("customs", t).await;
        for _ in 0..2 {
            assert_eq!(failure(fx.at(t).login_second_factor(&token, "999999").await), LoginFailure::WrongCode);
        }
    }
    let token = fx.password_step("customs", t).await;
    let got = failure(fx.at(t).login_second_factor(&token, "999999").await);
    assert_eq!(got, LoginFailure::Locked { until: t + Duration::minutes(15) });
}

#[tokio::test]
async fn concurrent_uses_of_one_code_let_exactly_one_in() {
    let fx = fixture().await;
    let (secret, _, _) = fx.enrolled("operator", T0).await;
    let t = T0 + STEP;
    let code = totp::code_at(&secret, t);
    let a = fx.password_step("operator", t).await;
    let b = fx.password_step("operator", t).await;
    let hub = fx.at(t);
    let (ra, rb) = tokio::join!(hub.login_second_factor(&a, &code), hub.login_second_factor(&b, &code));
    let results = [ra, rb];
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    let refused = results.into_iter().find_map(Result::err).unwrap();
    assert!(matches!(refused, HubError::Login(LoginFailure::CodeReused)), "{refused:?}");
}

#[tokio::test]
async fn recovery_codes_sign_in_once_each() {
    let fx = fixture().await;
    let (_, codes, _) = fx.enrolled("cab", T0).await;
    assert!(codes.iter().all(|c| c.len() == 11 && c.as_bytes()[5] == b'-'));
    let hub = fx.at(T0);
    let token = fx.password_step("cab", T0).await;
    // Typed in capitals without the dash: still the code.
    let typed = codes[0].replace('-', "").to_uppercase();
    let signed_in = hub.login_second_factor(&token, &typed).await.unwrap();
    assert_eq!(hub.portal_session(signed_in.as_str()).await.unwrap().stage, SessionStage::Authenticated);
    let token = fx.password_step("cab", T0).await;
    assert_eq!(failure(hub.login_second_factor(&token, &codes[0]).await), LoginFailure::WrongCode, "used");
    hub.login_second_factor(&token, &codes[1]).await.unwrap();
    let user = hub.store().find_user_by_username("cab").await.unwrap().unwrap().user;
    assert_eq!(hub.store().count_unused_recovery_codes(user.id).await.unwrap(), 8);
    let methods: Vec<String> =
        fx.events(EventType::UserLoggedIn).await.into_iter().filter_map(|e| e.subjects.get(1).cloned()).collect();
    assert_eq!(methods, ["method:totp_enrolment", "method:recovery_code", "method:recovery_code"]);
}

#[tokio::test]
async fn sessions_end_when_idle_and_at_the_absolute_limit() {
    let fx = fixture().await;
    let (_, _, token) = fx.enrolled("cab", T0).await;
    // Idle: used at +29 min (touched), again at +58 min; 30 min after that it has ended.
    fx.at(T0 + Duration::minutes(29)).portal_session(token.as_str()).await.unwrap();
    let s = fx.at(T0 + Duration::minutes(58)).portal_session(token.as_str()).await.unwrap();
    assert_eq!(s.expires_at, T0 + Duration::minutes(88));
    let idle = fx.at(T0 + Duration::minutes(88));
    assert_eq!(failure(idle.portal_session(token.as_str()).await), LoginFailure::SessionExpired);

    // Absolute: used every 20 minutes, still over after 12 hours.
    let start = T0 + Duration::hours(1);
    let (_, _, token) = fx.enrolled("customs", start).await;
    let mut t = start;
    while t < start + Duration::hours(12) - Duration::minutes(20) {
        t += Duration::minutes(20);
        let s = fx.at(t).portal_session(token.as_str()).await.unwrap();
        assert!(s.expires_at <= start + Duration::hours(12));
    }
    let end = fx.at(start + Duration::hours(12));
    assert_eq!(failure(end.portal_session(token.as_str()).await), LoginFailure::SessionExpired);
    assert!(matches!(
        fx.at(T0).portal_session("not a token").await,
        Err(HubError::Login(LoginFailure::SessionExpired))
    ));
}

#[tokio::test]
async fn the_retention_sweep_deletes_expired_sessions() {
    let fx = fixture().await;
    let (_, _, live) = fx.enrolled("cab", T0).await;
    let stale = fx.at(T0).login_password("customs", &fx.user("customs").password).await.unwrap().token;
    let t = T0 + Duration::minutes(20);
    fx.at(t).portal_session(live.as_str()).await.unwrap();
    let report = fx.at(T0 + Duration::minutes(40)).retention_sweep().await.unwrap();
    assert_eq!(report.expired_sessions, 1, "only the idle one");
    assert!(fx.at(T0 + Duration::minutes(40)).portal_session(live.as_str()).await.is_ok());
    assert_eq!(failure(fx.at(T0).portal_session(stale.as_str()).await), LoginFailure::SessionExpired, "deleted");
    let report = fx.at(T0 + Duration::hours(13)).retention_sweep().await.unwrap();
    assert_eq!(report.expired_sessions, 1);
}

#[tokio::test]
async fn disabling_ends_sessions_and_refuses_sign_in() {
    let fx = fixture().await;
    let (secret, _, token) = fx.enrolled("cab", T0).await;
    let hub = fx.at(T0);
    let user = hub.store().find_user_by_username("cab").await.unwrap().unwrap().user;
    hub.set_user_status(&fx.operator, user.id, UserStatus::Disabled).await.unwrap();
    assert_eq!(failure(hub.portal_session(token.as_str()).await), LoginFailure::SessionExpired);
    let cab = fx.user("cab");
    assert_eq!(failure(hub.login_password("cab", &cab.password).await), LoginFailure::Disabled);
    assert_eq!(failure(hub.login_password("cab", "wrong password!").await), LoginFailure::WrongCredentials);
    assert!(matches!(
        hub.set_user_status(&fx.operator, user.id, UserStatus::Disabled).await,
        Err(HubError::Conflict(_))
    ));

    hub.set_user_status(&fx.operator, user.id, UserStatus::Active).await.unwrap();
    let t = T0 + STEP;
    let token = fx.password_step("cab", t).await;
    fx.at(t).login_second_factor(&token, &totp::code_at(&secret, t)).await.unwrap();
    assert_eq!(fx.events(EventType::UserStatusChanged).await.len(), 2);
}

#[tokio::test]
async fn a_reset_second_factor_ends_sessions_and_requires_enrolment() {
    let fx = fixture().await;
    let (secret, codes, token) = fx.enrolled("cab", T0).await;
    let hub = fx.at(T0);
    let user = hub.store().find_user_by_username("cab").await.unwrap().unwrap().user;
    hub.reset_second_factor(&fx.operator, user.id).await.unwrap();
    assert_eq!(failure(hub.portal_session(token.as_str()).await), LoginFailure::SessionExpired);
    let started = hub.login_password("cab", &fx.user("cab").password).await.unwrap();
    assert_eq!(started.stage, SessionStage::AwaitingEnrolment);
    assert_eq!(failure(hub.login_second_factor(&started.token, &codes[0]).await), LoginFailure::EnrolmentRequired);
    let fresh = hub.begin_totp_enrolment(&started.token).await.unwrap();
    assert_ne!(secret_of(&fresh), secret);
    assert_eq!(fx.events(EventType::UserSecondFactorReset).await.len(), 1);
}

#[tokio::test]
async fn enrolment_steps_are_checked() {
    let fx = fixture().await;
    let (secret, _, signed_in) = fx.enrolled("cab", T0).await;
    let hub = fx.at(T0);
    // No enrolment started on this session yet.
    assert!(matches!(hub.confirm_totp_enrolment(&signed_in, "123456").await, Err(HubError::Conflict(_))));
    // Half-way through the second factor, no new authenticator may be enrolled.
    let pending = fx.password_step("cab", T0).await;
    assert!(matches!(hub.begin_totp_enrolment(&pending).await, Err(HubError::Conflict(_))));
    assert!(matches!(hub.confirm_totp_enrolment(&pending, "123456").await, Err(HubError::Conflict(_))));

    // A signed-in user re-enrols: the new secret replaces the old one.
    let t = T0 + STEP;
    let later = fx.at(t);
    let new = secret_of(&later.begin_totp_enrolment(&signed_in).await.unwrap());
    let done = later.confirm_totp_enrolment(&signed_in, &totp::code_at(&new, t)).await.unwrap();
    assert_eq!(later.portal_session(done.token.as_str()).await.unwrap().stage, SessionStage::Authenticated);
    let t2 = t + STEP;
    let pending = fx.password_step("cab", t2).await;
    let old_code = totp::code_at(&secret, t2);
    assert_eq!(failure(fx.at(t2).login_second_factor(&pending, &old_code).await), LoginFailure::WrongCode);
    fx.at(t2).login_second_factor(&pending, &totp::code_at(&new, t2)).await.unwrap();
    let bogus = SessionToken::parse("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").unwrap();
    assert_eq!(failure(hub.begin_totp_enrolment(&bogus).await), LoginFailure::SessionExpired);
    hub.logout(&bogus).await.unwrap();
}

#[tokio::test]
async fn secrets_are_stored_encrypted_and_tokens_hashed() {
    let fx = fixture().await;
    let (secret, codes, token) = fx.enrolled("cab", T0).await;
    let raw =
        sqlx::SqlitePool::connect(&format!("sqlite://{}", fx.dir.path().join("hub.sqlite3").display())).await.unwrap();
    let (password_hash, sealed): (String, Vec<u8>) =
        sqlx::query_as("SELECT password_hash, totp_secret_enc FROM users WHERE username = 'cab'")
            .fetch_one(&raw)
            .await
            .unwrap();
    assert!(password_hash.starts_with("$argon2id$"));
    assert_eq!(sealed.len(), 12 + 20 + 16, "nonce, secret, tag");
    assert!(!sealed.windows(secret.len()).any(|w| w == secret));
    let hashes: Vec<(Vec<u8>,)> = sqlx::query_as("SELECT token_hash FROM user_sessions").fetch_all(&raw).await.unwrap();
    assert!(hashes.iter().all(|(h,)| h.len() == 32 && h != token.as_str().as_bytes()));
    let code_hashes: Vec<(Vec<u8>,)> =
        sqlx::query_as("SELECT code_hash FROM user_recovery_codes").fetch_all(&raw).await.unwrap();
    assert_eq!(code_hashes.len(), 10);
    assert!(code_hashes.iter().all(|(h,)| !codes.iter().any(|c| h == c.as_bytes())));

    // Another key cannot read the secret: sign-in fails as an internal error, never as a wrong code.
    let other_dir = tempfile::tempdir().unwrap();
    let store = fx.hub.store().clone();
    let other = Hub::new(
        store,
        load_or_create_log_key(fx.dir.path(), "hub.test/audit-log").unwrap(),
        ExchangeServices::for_data_dir(fx.dir.path(), ExchangeSettings::default()).unwrap(),
    )
    .with_users(UserServices::for_data_dir(other_dir.path(), UserSettings::default()).unwrap())
    .with_clock(Clock::Fixed(T0 + STEP));
    let pending = other.login_password("cab", &fx.user("cab").password).await.unwrap().token;
    let got = other.login_second_factor(&pending, &totp::code_at(&secret, T0 + STEP)).await;
    assert!(matches!(got, Err(HubError::Internal(_))), "{got:?}");
}

#[tokio::test]
async fn only_the_operator_administers_users() {
    let fx = fixture().await;
    let cab = fx.hub.authenticate_api_key(&fx.demo.cab_key).await.unwrap();
    let cab_id: InstitutionId = fx.demo.cab_id.parse().unwrap();
    let receiver_id: InstitutionId = fx.demo.receiver_id.parse().unwrap();
    let new = |username: &str, roles: Vec<Role>| NewUser {
        institution: cab_id,
        username: username.into(),
        display_name: "Zeta User".into(),
        roles,
        password: "a long enough password".into(),
    };
    assert!(matches!(
        fx.hub.create_user(&cab, new("zeta.user", vec![Role::IssuingCab])).await,
        Err(HubError::Forbidden(_))
    ));
    assert!(matches!(fx.hub.list_users(&cab, None).await, Err(HubError::Forbidden(_))));
    assert!(matches!(fx.hub.list_users(&cab, Some(receiver_id)).await, Err(HubError::NotFound(_))));

    let (user, _) = fx.hub.create_user(&fx.operator, new(" Zeta.User ", vec![Role::IssuingCab])).await.unwrap();
    assert_eq!((user.username.as_str(), user.status, user.totp_enrolled), ("zeta.user", UserStatus::Active, false));
    assert_eq!(fx.hub.get_user(&fx.operator, user.id).await.unwrap(), user);
    assert!(matches!(fx.hub.get_user(&cab, user.id).await, Err(HubError::Forbidden(_))));
    let listed = fx.hub.list_users(&fx.operator, Some(cab_id)).await.unwrap();
    assert_eq!(listed.iter().map(|u| u.username.as_str()).collect::<Vec<_>>(), ["cab", "zeta.user"]);
    assert_eq!(fx.hub.list_users(&fx.operator, None).await.unwrap().len(), 4);

    let invalid = |r: Result<_, HubError>| match r {
        Err(HubError::Invalid(e)) => e.0.into_iter().map(|f| f.field).collect::<Vec<_>>(),
        other => panic!("expected invalid input, got {other:?}"),
    };
    assert_eq!(invalid(fx.hub.create_user(&fx.operator, new("zeta.user", vec![Role::IssuingCab])).await), ["username"]);
    assert_eq!(invalid(fx.hub.create_user(&fx.operator, new("someone", vec![Role::Customs])).await), ["roles/0"]);
    let weak = NewUser { password: "short".into(), ..new("someone", vec![Role::IssuingCab]) };
    assert_eq!(invalid(fx.hub.create_user(&fx.operator, weak).await), ["password"]);
    let elsewhere = NewUser { institution: InstitutionId::new(), ..new("someone", vec![Role::IssuingCab]) };
    assert!(matches!(fx.hub.create_user(&fx.operator, elsewhere).await, Err(HubError::NotFound(_))));
    assert!(matches!(fx.hub.set_user_status(&cab, user.id, UserStatus::Disabled).await, Err(HubError::Forbidden(_))));
    assert!(matches!(fx.hub.reset_second_factor(&cab, user.id).await, Err(HubError::Forbidden(_))));
    let ghost = ecert_domain::ids::UserId::new();
    assert!(matches!(fx.hub.reset_second_factor(&fx.operator, ghost).await, Err(HubError::NotFound(_))));

    let created = fx.events(EventType::UserCreated).await;
    assert_eq!(created.len(), 4, "three demo users and zeta.user");
    let leaves = created.iter().map(|e| String::from_utf8(e.canonical_bytes()).unwrap()).collect::<Vec<_>>();
    assert!(leaves.iter().all(|l| !l.contains("zeta") && !l.contains("Zeta")), "ids only in the log");
    let mine = fx.hub.list_audit_events(&cab, &PageRequest::first(500)).await.unwrap();
    assert!(mine.items.iter().any(|e| e.event.subjects.contains(&format!("user:{}", user.id))));
}

#[tokio::test]
async fn demo_users_can_sign_in_with_their_printed_passwords() {
    let fx = fixture().await;
    let names: Vec<&str> = fx.demo.users.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(names, ["operator", "cab", "customs"]);
    for user in &fx.demo.users {
        assert!(user.password.len() >= 24);
        let started = fx.at(T0).login_password(&user.username, &user.password).await.unwrap();
        assert_eq!(started.stage, SessionStage::AwaitingEnrolment);
    }
    assert_eq!(fx.user("customs").roles, vec![Role::Customs]);
    assert_eq!(fx.user("operator").roles, vec![Role::HubOperator]);
}

#[tokio::test]
async fn a_hub_without_user_services_refuses_sign_in() {
    let fx = fixture().await;
    let bare = Hub::new(
        fx.hub.store().clone(),
        load_or_create_log_key(fx.dir.path(), "hub.test/audit-log").unwrap(),
        ExchangeServices::for_data_dir(fx.dir.path(), ExchangeSettings::default()).unwrap(),
    );
    let got = bare.login_password("cab", &fx.user("cab").password).await;
    assert!(matches!(got, Err(HubError::Internal(ref m)) if m.contains("not configured")), "{got:?}");
    assert!(matches!(bare.portal_session("x").await, Err(HubError::Login(LoginFailure::SessionExpired))));
    // Administration needs no sign-in services.
    assert_eq!(bare.list_users(&fx.operator, None).await.unwrap().len(), 3);
}

#[tokio::test]
async fn an_institution_that_may_not_act_cannot_sign_in() {
    let fx = fixture().await;
    let receiver: InstitutionId = fx.demo.receiver_id.parse().unwrap();
    let (_, _, token) = fx.enrolled("customs", T0).await;
    // Withdrawn from today; the fixed clock of the sign-in is years later.
    fx.hub.notify_withdrawal(&fx.operator, receiver, Some(OffsetDateTime::now_utc().date())).await.unwrap();
    assert_eq!(failure(fx.at(T0).portal_session(token.as_str()).await), LoginFailure::Disabled);
    let got = fx.at(T0).login_password("customs", &fx.user("customs").password).await;
    assert_eq!(failure(got), LoginFailure::Disabled);
}

#[tokio::test]
async fn the_audit_log_filter_shows_user_events_to_their_institution() {
    let fx = fixture().await;
    fx.enrolled("customs", T0).await;
    let receiver = fx.hub.authenticate_api_key(&fx.demo.receiver_key).await.unwrap();
    let filter = AuditFilter { institution: Some(receiver.institution) };
    let events = fx.hub.store().list_audit_events(&filter, &PageRequest::first(500)).await.unwrap();
    let types: Vec<EventType> = events.items.iter().map(|e| e.event.event_type).collect();
    assert!(types.contains(&EventType::TotpEnrolled) && types.contains(&EventType::UserLoggedIn), "{types:?}");
}
