//! The user-storage suite, run against every backend (SQLite in `user.rs`, PostgreSQL in `user_postgres.rs`).
//! Every test takes a fresh, empty store.

use ecert_domain::audit::{AuditEvent, EventType};
use ecert_domain::country::CountryCode;
use ecert_domain::ids::{InstitutionId, UserId};
use ecert_domain::institution::{Institution, LifecycleStatus, Role};
use ecert_domain::page::PageRequest;
use ecert_domain::user::{SessionStage, User, UserStatus};
use ecert_store::user::*;
use ecert_store::{AuditFilter, Country, Store, StoreError};
use std::sync::Arc;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

pub const T0: OffsetDateTime = datetime!(2026-06-01 0:00 UTC);

pub struct Fixture {
    pub store: Arc<dyn Store>,
    pub cab: InstitutionId,
    pub customs: InstitutionId,
}

fn event(event_type: EventType) -> AuditEvent {
    AuditEvent::new(event_type, T0)
}

fn institution(name: &str, role: Role) -> Institution {
    Institution {
        id: InstitutionId::new(),
        country: CountryCode::parse("KZ").unwrap(),
        name: name.into(),
        roles: vec![role],
        contacts: Vec::new(),
        status: LifecycleStatus::Active,
        withdrawal: None,
        created_at: T0,
        updated_at: T0,
    }
}

pub async fn fixture(store: Arc<dyn Store>) -> Fixture {
    let country = Country { code: CountryCode::parse("KZ").unwrap(), name: "Kazakhstan".into(), created_at: T0 };
    store.insert_country(&country, &event(EventType::CountryRegistered)).await.unwrap();
    let cab = institution("Lab", Role::IssuingCab);
    let customs = institution("Customs", Role::Customs);
    for i in [&cab, &customs] {
        store.insert_institution(i, &event(EventType::InstitutionCreated)).await.unwrap();
    }
    Fixture { store, cab: cab.id, customs: customs.id }
}

pub fn user_record(institution: InstitutionId, username: &str, role: Role) -> UserRecord {
    UserRecord {
        user: User {
            id: UserId::new(),
            institution,
            username: username.into(),
            display_name: format!("{username} display"),
            roles: vec![role],
            status: UserStatus::Active,
            totp_enrolled: false,
            locked_until: None,
            created_at: T0,
            updated_at: T0,
        },
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g".into(),
        totp_secret_enc: None,
        totp_last_step: None,
        failed_logins: 0,
    }
}

pub async fn add_user(f: &Fixture, username: &str) -> UserRecord {
    let record = user_record(f.cab, username, Role::IssuingCab);
    f.store.insert_user(&record, &event(EventType::UserCreated)).await.unwrap();
    record
}

pub fn session(user: UserId, tag: u8, stage: SessionStage) -> SessionRecord {
    SessionRecord {
        token_hash: vec![tag; 32],
        user,
        stage,
        pending_totp_secret_enc: None,
        created_at: T0,
        last_seen_at: T0,
        expires_at: T0 + Duration::hours(12),
    }
}

async fn events_of(store: &Arc<dyn Store>, event_type: EventType) -> usize {
    let page = store.list_audit_events(&AuditFilter::default(), &PageRequest::first(500)).await.unwrap();
    page.items.iter().filter(|e| e.event.event_type == event_type).count()
}

/// Enrols `user` with a secret, step 100 and two recovery codes, through a session that is rotated to `tag + 1`.
pub async fn enrol(f: &Fixture, user: UserId, tag: u8) -> SessionRecord {
    f.store.insert_session(&session(user, tag, SessionStage::AwaitingEnrolment)).await.unwrap();
    let new = session(user, tag + 1, SessionStage::Authenticated);
    let codes = vec![vec![1u8; 32], vec![2u8; 32]];
    let events = [event(EventType::TotpEnrolled)];
    let receipts = f
        .store
        .enrol_totp(&TotpEnrolmentRecord {
            user,
            secret_enc: b"sealed secret",
            last_step: 100,
            recovery_code_hashes: &codes,
            at: T0,
            rotation: SessionRotation { old_token_hash: &[tag; 32], new: &new },
            events: &events,
        })
        .await
        .unwrap();
    assert_eq!(receipts.len(), 1);
    new
}

fn completion<'a>(
    user: UserId,
    proof: SecondFactorProof,
    old: &'a [u8],
    new: &'a SessionRecord,
    events: &'a [AuditEvent],
) -> SecondFactorCompletion<'a> {
    SecondFactorCompletion { user, proof, at: T0, rotation: SessionRotation { old_token_hash: old, new }, events }
}

pub async fn users_round_trip_with_unique_usernames(store: Arc<dyn Store>) {
    let f = fixture(store).await;
    let a = add_user(&f, "alice").await;
    let b = user_record(f.customs, "bob", Role::Customs);
    f.store.insert_user(&b, &event(EventType::UserCreated)).await.unwrap();
    assert_eq!(f.store.get_user(a.user.id).await.unwrap(), Some(a.clone()));
    assert_eq!(f.store.find_user_by_username("bob").await.unwrap(), Some(b.clone()));
    assert_eq!(f.store.find_user_by_username("BOB").await.unwrap(), None, "names are stored normalised");
    assert_eq!(f.store.get_user(UserId::new()).await.unwrap(), None);
    assert_eq!(f.store.list_users(None).await.unwrap(), vec![a.user.clone(), b.user.clone()]);
    assert_eq!(f.store.list_users(Some(f.customs)).await.unwrap(), vec![b.user.clone()]);
    assert_eq!(events_of(&f.store, EventType::UserCreated).await, 2);

    let taken = user_record(f.customs, "alice", Role::Customs);
    let err = f.store.insert_user(&taken, &event(EventType::UserCreated)).await.unwrap_err();
    assert!(matches!(&err, StoreError::Conflict(what) if what == "username"), "{err:?}");
    let orphan = user_record(InstitutionId::new(), "carol", Role::Customs);
    let err = f.store.insert_user(&orphan, &event(EventType::UserCreated)).await.unwrap_err();
    assert!(matches!(err, StoreError::MissingReference(_)), "{err:?}");
    assert_eq!(events_of(&f.store, EventType::UserCreated).await, 2, "a refused insert logs nothing");

    let debug = format!("{a:?}");
    assert!(!debug.contains("argon2"), "{debug}");
}

pub async fn disabling_and_resetting_end_sessions(store: Arc<dyn Store>) {
    let f = fixture(store).await;
    let a = add_user(&f, "alice").await;
    let other = add_user(&f, "other").await;
    let enrolled = enrol(&f, a.user.id, 10).await;
    f.store.insert_session(&session(other.user.id, 50, SessionStage::Authenticated)).await.unwrap();
    assert!(f.store.get_user(a.user.id).await.unwrap().unwrap().user.totp_enrolled);

    let later = T0 + Duration::hours(1);
    f.store
        .set_user_status(a.user.id, UserStatus::Disabled, later, &event(EventType::UserStatusChanged))
        .await
        .unwrap();
    let stored = f.store.get_user(a.user.id).await.unwrap().unwrap().user;
    assert_eq!((stored.status, stored.updated_at), (UserStatus::Disabled, later));
    assert_eq!(f.store.get_session(&enrolled.token_hash).await.unwrap(), None, "disabling ends sessions");
    assert!(f.store.get_session(&[50; 32]).await.unwrap().is_some(), "other users keep theirs");
    f.store.set_user_status(a.user.id, UserStatus::Active, later, &event(EventType::UserStatusChanged)).await.unwrap();

    let again = session(a.user.id, 20, SessionStage::Authenticated);
    f.store.insert_session(&again).await.unwrap();
    f.store.reset_second_factor(a.user.id, later, &event(EventType::UserSecondFactorReset)).await.unwrap();
    let reset = f.store.get_user(a.user.id).await.unwrap().unwrap();
    assert!(!reset.user.totp_enrolled);
    assert_eq!((reset.totp_secret_enc, reset.totp_last_step), (None, None));
    assert_eq!(f.store.count_unused_recovery_codes(a.user.id).await.unwrap(), 0);
    assert_eq!(f.store.get_session(&again.token_hash).await.unwrap(), None);
    assert_eq!(events_of(&f.store, EventType::UserStatusChanged).await, 2);
    assert_eq!(events_of(&f.store, EventType::UserSecondFactorReset).await, 1);

    let ghost = UserId::new();
    let err = f.store.set_user_status(ghost, UserStatus::Disabled, later, &event(EventType::UserStatusChanged)).await;
    assert!(matches!(err, Err(StoreError::NotFound(_))), "{err:?}");
    let err = f.store.reset_second_factor(ghost, later, &event(EventType::UserSecondFactorReset)).await;
    assert!(matches!(err, Err(StoreError::NotFound(_))), "{err:?}");
    assert_eq!(events_of(&f.store, EventType::UserSecondFactorReset).await, 1, "failed writes log nothing");
}

pub async fn failures_lock_at_the_threshold_and_restart_the_count(store: Arc<dyn Store>) {
    let f = fixture(store).await;
    let a = add_user(&f, "alice").await;
    let until = T0 + Duration::minutes(15);
    let (failed, locked) = (event(EventType::UserLoginFailed), event(EventType::UserLockedOut));
    let failure =
        LoginFailureRecord { user: a.user.id, threshold: 3, lock_until: until, failed: &failed, locked: &locked };
    assert_eq!(f.store.record_login_failure(&failure).await.unwrap(), None);
    assert_eq!(f.store.record_login_failure(&failure).await.unwrap(), None);
    assert_eq!(f.store.get_user(a.user.id).await.unwrap().unwrap().failed_logins, 2);
    assert_eq!(f.store.record_login_failure(&failure).await.unwrap(), Some(until));
    let stored = f.store.get_user(a.user.id).await.unwrap().unwrap();
    assert_eq!((stored.failed_logins, stored.user.locked_until), (0, Some(until)));
    assert_eq!(events_of(&f.store, EventType::UserLoginFailed).await, 3);
    assert_eq!(events_of(&f.store, EventType::UserLockedOut).await, 1);

    let ghost = LoginFailureRecord { user: UserId::new(), ..failure };
    assert!(matches!(f.store.record_login_failure(&ghost).await, Err(StoreError::NotFound(_))));
    assert_eq!(events_of(&f.store, EventType::UserLoginFailed).await, 3);
}

pub async fn totp_steps_are_accepted_once_and_rotate_the_session(store: Arc<dyn Store>) {
    let f = fixture(store).await;
    let a = add_user(&f, "alice").await;
    enrol(&f, a.user.id, 10).await;
    // A half-way lock and count, which a completed sign-in clears.
    let (failed, locked) = (event(EventType::UserLoginFailed), event(EventType::UserLockedOut));
    let failure = LoginFailureRecord {
        user: a.user.id,
        threshold: 1,
        lock_until: T0 + Duration::minutes(1),
        failed: &failed,
        locked: &locked,
    };
    f.store.record_login_failure(&failure).await.unwrap();
    let failure = LoginFailureRecord { threshold: 5, ..failure };
    f.store.record_login_failure(&failure).await.unwrap();

    let pending = session(a.user.id, 30, SessionStage::AwaitingSecondFactor);
    f.store.insert_session(&pending).await.unwrap();
    let new = session(a.user.id, 31, SessionStage::Authenticated);
    let events = [event(EventType::UserLoggedIn)];
    for replayed in [99, 100] {
        let c = completion(a.user.id, SecondFactorProof::TotpStep(replayed), &pending.token_hash, &new, &events);
        assert_eq!(f.store.complete_second_factor(&c).await.unwrap(), SecondFactorOutcome::StepAlreadyUsed);
    }
    assert!(f.store.get_session(&pending.token_hash).await.unwrap().is_some(), "a refusal changes nothing");
    assert_eq!(f.store.get_session(&new.token_hash).await.unwrap(), None);

    let c = completion(a.user.id, SecondFactorProof::TotpStep(101), &pending.token_hash, &new, &events);
    assert!(
        matches!(f.store.complete_second_factor(&c).await.unwrap(), SecondFactorOutcome::Accepted(r) if r.len() == 1)
    );
    assert_eq!(f.store.get_session(&pending.token_hash).await.unwrap(), None, "the old token is dead");
    assert_eq!(f.store.get_session(&new.token_hash).await.unwrap(), Some(new.clone()));
    let stored = f.store.get_user(a.user.id).await.unwrap().unwrap();
    assert_eq!((stored.totp_last_step, stored.failed_logins, stored.user.locked_until), (Some(101), 0, None));
    assert_eq!(events_of(&f.store, EventType::UserLoggedIn).await, 1);

    // The same step through a second session: refused.
    let second = session(a.user.id, 40, SessionStage::AwaitingSecondFactor);
    f.store.insert_session(&second).await.unwrap();
    let newer = session(a.user.id, 41, SessionStage::Authenticated);
    let c = completion(a.user.id, SecondFactorProof::TotpStep(101), &second.token_hash, &newer, &events);
    assert_eq!(f.store.complete_second_factor(&c).await.unwrap(), SecondFactorOutcome::StepAlreadyUsed);

    // A gone session rolls the accepted step back.
    let c = completion(a.user.id, SecondFactorProof::TotpStep(102), &[99; 32], &newer, &events);
    assert_eq!(f.store.complete_second_factor(&c).await.unwrap(), SecondFactorOutcome::SessionGone);
    assert_eq!(f.store.get_user(a.user.id).await.unwrap().unwrap().totp_last_step, Some(101));
    assert_eq!(events_of(&f.store, EventType::UserLoggedIn).await, 1);

    // A user without a secret accepts no step at all.
    let b = add_user(&f, "bob").await;
    let pending_b = session(b.user.id, 60, SessionStage::AwaitingSecondFactor);
    f.store.insert_session(&pending_b).await.unwrap();
    let new_b = session(b.user.id, 61, SessionStage::Authenticated);
    let c = completion(b.user.id, SecondFactorProof::TotpStep(500), &pending_b.token_hash, &new_b, &events);
    assert_eq!(f.store.complete_second_factor(&c).await.unwrap(), SecondFactorOutcome::StepAlreadyUsed);
}

pub async fn recovery_codes_are_single_use(store: Arc<dyn Store>) {
    let f = fixture(store).await;
    let a = add_user(&f, "alice").await;
    enrol(&f, a.user.id, 10).await;
    assert_eq!(f.store.count_unused_recovery_codes(a.user.id).await.unwrap(), 2);
    let events = [event(EventType::UserLoggedIn)];
    for (tag, code, expected_accept) in [(30u8, 1u8, true), (32, 1, false), (34, 9, false), (36, 2, true)] {
        let pending = session(a.user.id, tag, SessionStage::AwaitingSecondFactor);
        f.store.insert_session(&pending).await.unwrap();
        let new = session(a.user.id, tag + 1, SessionStage::Authenticated);
        let proof = SecondFactorProof::RecoveryCode(vec![code; 32]);
        let c = completion(a.user.id, proof, &pending.token_hash, &new, &events);
        match f.store.complete_second_factor(&c).await.unwrap() {
            SecondFactorOutcome::Accepted(_) => assert!(expected_accept, "code {code} at {tag}"),
            SecondFactorOutcome::RecoveryCodeNotUsable => assert!(!expected_accept, "code {code} at {tag}"),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(f.store.count_unused_recovery_codes(a.user.id).await.unwrap(), 0);

    // Another user's code is not this user's.
    let b = add_user(&f, "bob").await;
    enrol(&f, b.user.id, 70).await;
    let pending = session(a.user.id, 80, SessionStage::AwaitingSecondFactor);
    f.store.insert_session(&pending).await.unwrap();
    let new = session(a.user.id, 81, SessionStage::Authenticated);
    let proof = SecondFactorProof::RecoveryCode(vec![1; 32]);
    let c = completion(a.user.id, proof, &pending.token_hash, &new, &events);
    assert_eq!(f.store.complete_second_factor(&c).await.unwrap(), SecondFactorOutcome::RecoveryCodeNotUsable);
    assert_eq!(f.store.count_unused_recovery_codes(b.user.id).await.unwrap(), 2);
}

pub async fn enrolment_needs_its_session_and_replaces_codes(store: Arc<dyn Store>) {
    let f = fixture(store).await;
    let a = add_user(&f, "alice").await;
    let signed_in = enrol(&f, a.user.id, 10).await;
    let new = session(a.user.id, 20, SessionStage::Authenticated);
    let codes = vec![vec![7u8; 32]];
    let events = [event(EventType::TotpEnrolled)];
    let gone = TotpEnrolmentRecord {
        user: a.user.id,
        secret_enc: b"another secret",
        last_step: 200,
        recovery_code_hashes: &codes,
        at: T0,
        rotation: SessionRotation { old_token_hash: &[99; 32], new: &new },
        events: &events,
    };
    assert!(matches!(f.store.enrol_totp(&gone).await, Err(StoreError::Stale(_))));
    let kept = f.store.get_user(a.user.id).await.unwrap().unwrap();
    assert_eq!((kept.totp_secret_enc.as_deref(), kept.totp_last_step), (Some(&b"sealed secret"[..]), Some(100)));
    assert_eq!(f.store.count_unused_recovery_codes(a.user.id).await.unwrap(), 2);

    // Re-enrolment from a signed-in session replaces secret, step and every code.
    let again =
        TotpEnrolmentRecord { rotation: SessionRotation { old_token_hash: &signed_in.token_hash, new: &new }, ..gone };
    f.store.enrol_totp(&again).await.unwrap();
    let stored = f.store.get_user(a.user.id).await.unwrap().unwrap();
    assert_eq!((stored.totp_secret_enc.as_deref(), stored.totp_last_step), (Some(&b"another secret"[..]), Some(200)));
    assert_eq!(f.store.count_unused_recovery_codes(a.user.id).await.unwrap(), 1);
    assert_eq!(f.store.get_session(&signed_in.token_hash).await.unwrap(), None);
    assert_eq!(events_of(&f.store, EventType::TotpEnrolled).await, 2);
}

pub async fn sessions_are_touched_forward_and_expire(store: Arc<dyn Store>) {
    let f = fixture(store).await;
    let a = add_user(&f, "alice").await;
    let s = session(a.user.id, 1, SessionStage::AwaitingEnrolment);
    f.store.insert_session(&s).await.unwrap();
    assert_eq!(f.store.get_session(&s.token_hash).await.unwrap(), Some(s.clone()));
    assert_eq!(f.store.get_session(&[2; 32]).await.unwrap(), None);
    let err = f.store.insert_session(&s).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");

    f.store.touch_session(&s.token_hash, T0 + Duration::minutes(5)).await.unwrap();
    f.store.touch_session(&s.token_hash, T0 + Duration::minutes(2)).await.unwrap();
    assert_eq!(f.store.get_session(&s.token_hash).await.unwrap().unwrap().last_seen_at, T0 + Duration::minutes(5));

    f.store.set_pending_totp_secret(&s.token_hash, b"pending").await.unwrap();
    let pending = f.store.get_session(&s.token_hash).await.unwrap().unwrap().pending_totp_secret_enc;
    assert_eq!(pending.as_deref(), Some(&b"pending"[..]));
    assert!(matches!(f.store.set_pending_totp_secret(&[2; 32], b"x").await, Err(StoreError::Stale(_))));

    // Idle since T0+5min, absolute end at T0+12h; a second session idle since T0.
    let idle = SessionRecord { token_hash: vec![3; 32], ..session(a.user.id, 3, SessionStage::Authenticated) };
    f.store.insert_session(&idle).await.unwrap();
    let removed = f.store.delete_expired_sessions(T0 + Duration::minutes(10), T0 + Duration::minutes(1), 100);
    assert_eq!(removed.await.unwrap(), 1, "only the idle one");
    assert!(f.store.get_session(&s.token_hash).await.unwrap().is_some());
    let removed = f.store.delete_expired_sessions(T0 + Duration::hours(12), T0, 100);
    assert_eq!(removed.await.unwrap(), 1, "the absolute end");
    assert_eq!(f.store.get_session(&s.token_hash).await.unwrap(), None);

    for tag in 10..15 {
        f.store.insert_session(&session(a.user.id, tag, SessionStage::Authenticated)).await.unwrap();
    }
    assert_eq!(f.store.delete_expired_sessions(T0 + Duration::hours(13), T0, 3).await.unwrap(), 3, "bounded");
    assert_eq!(f.store.delete_expired_sessions(T0 + Duration::hours(13), T0, 3).await.unwrap(), 2);

    f.store.insert_session(&s).await.unwrap();
    f.store.delete_session(&s.token_hash).await.unwrap();
    f.store.delete_session(&s.token_hash).await.unwrap();
    assert_eq!(f.store.get_session(&s.token_hash).await.unwrap(), None);
}

/// Two sessions present the same TOTP step at once: the compare-and-set lets exactly one through.
pub async fn concurrent_uses_of_one_step_have_one_winner(store: Arc<dyn Store>) {
    let f = Arc::new(fixture(store).await);
    let a = add_user(&f, "alice").await;
    enrol(&f, a.user.id, 10).await;
    for round in 0..5u8 {
        let step = 200 + i64::from(round);
        let mut tasks = Vec::new();
        for side in 0..2u8 {
            let tag = 100 + round * 4 + side * 2;
            let pending = session(a.user.id, tag, SessionStage::AwaitingSecondFactor);
            f.store.insert_session(&pending).await.unwrap();
            let f = f.clone();
            let user = a.user.id;
            tasks.push(tokio::spawn(async move {
                let new = session(user, tag + 1, SessionStage::Authenticated);
                let events = [event(EventType::UserLoggedIn)];
                let c = completion(user, SecondFactorProof::TotpStep(step), &pending.token_hash, &new, &events);
                f.store.complete_second_factor(&c).await.unwrap()
            }));
        }
        let mut outcomes = Vec::new();
        for task in tasks {
            outcomes.push(task.await.unwrap());
        }
        let accepted = outcomes.iter().filter(|o| matches!(o, SecondFactorOutcome::Accepted(_))).count();
        assert_eq!(accepted, 1, "round {round}: {outcomes:?}");
        assert!(outcomes.contains(&SecondFactorOutcome::StepAlreadyUsed), "round {round}: {outcomes:?}");
    }
}
