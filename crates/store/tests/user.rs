//! The user-storage suite on SQLite (always runs: no server needed), plus damage to stored rows.

mod user_suite;

use ecert_store::{SqliteStore, Store, StoreError};
use std::sync::Arc;

/// A fresh database file per test; the directory lives as long as the returned guard.
async fn fresh() -> (tempfile::TempDir, Arc<dyn Store>) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("hub.sqlite3")).await.unwrap();
    (dir, Arc::new(store))
}

macro_rules! sqlite_tests {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $name() {
            let (_dir, store) = fresh().await;
            user_suite::$name(store).await;
        }
    )*};
}

sqlite_tests!(
    users_round_trip_with_unique_usernames,
    disabling_and_resetting_end_sessions,
    failures_lock_at_the_threshold_and_restart_the_count,
    totp_steps_are_accepted_once_and_rotate_the_session,
    recovery_codes_are_single_use,
    enrolment_needs_its_session_and_replaces_codes,
    sessions_are_touched_forward_and_expire,
    concurrent_uses_of_one_step_have_one_winner,
);

/// Rows edited outside the hub are reported as `Corrupt`, never a panic or a silently wrong record.
#[tokio::test]
async fn damaged_user_rows_are_reported_as_corrupt() {
    let (dir, store) = fresh().await;
    let f = user_suite::fixture(store).await;
    let a = user_suite::add_user(&f, "alice").await;
    let s = user_suite::session(a.user.id, 1, ecert_domain::user::SessionStage::Authenticated);
    f.store.insert_session(&s).await.unwrap();
    let raw =
        sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.path().join("hub.sqlite3").display())).await.unwrap();
    let restore =
        "UPDATE users SET roles = 'issuing_cab', status = 'active', failed_logins = 0, locked_until_ms = NULL";
    let damage = [
        "UPDATE users SET roles = 'issuing_cab,wizard'",
        "UPDATE users SET status = 'asleep'",
        "UPDATE users SET failed_logins = -1",
        "UPDATE users SET locked_until_ms = 9223372036854775807",
    ];
    for sql in damage {
        sqlx::query(sql).execute(&raw).await.unwrap();
        let got = f.store.find_user_by_username("alice").await;
        assert!(matches!(got, Err(StoreError::Corrupt(_))), "{sql}: {got:?}");
        sqlx::query(restore).execute(&raw).await.unwrap();
        assert_eq!(f.store.find_user_by_username("alice").await.unwrap(), Some(a.clone()));
    }
    sqlx::query("UPDATE user_sessions SET stage = 'halfway'").execute(&raw).await.unwrap();
    assert!(matches!(f.store.get_session(&s.token_hash).await, Err(StoreError::Corrupt(_))));
}
