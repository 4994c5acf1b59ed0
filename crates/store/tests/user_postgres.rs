//! The user-storage suite on PostgreSQL. Needs `--features postgres-tests` and ECERT_TEST_DATABASE_URL (a server
//! where the user may CREATE DATABASE); fails, rather than skips, without it.

mod user_suite;

use ecert_store::{PgStore, Store};
use std::sync::Arc;

/// A fresh database per test: tests stay independent while sharing one server.
async fn fresh() -> Arc<dyn Store> {
    let url = std::env::var("ECERT_TEST_DATABASE_URL")
        .expect("the postgres-tests feature needs ECERT_TEST_DATABASE_URL (a server where we may CREATE DATABASE)");
    let db_url = PgStore::create_scratch_database(&url, "ecert_user").await.expect("create test database");
    Arc::new(PgStore::connect(&db_url).await.expect("open PostgreSQL store"))
}

macro_rules! postgres_tests {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $name() {
            user_suite::$name(fresh().await).await;
        }
    )*};
}

postgres_tests!(
    users_round_trip_with_unique_usernames,
    disabling_and_resetting_end_sessions,
    failures_lock_at_the_threshold_and_restart_the_count,
    totp_steps_are_accepted_once_and_rotate_the_session,
    recovery_codes_are_single_use,
    enrolment_needs_its_session_and_replaces_codes,
    sessions_are_touched_forward_and_expire,
);

/// On PostgreSQL the two completions run on separate pooled connections, in parallel: the compare-and-set on
/// `totp_last_step` (a row lock) is what lets only one through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_uses_of_one_step_have_one_winner() {
    user_suite::concurrent_uses_of_one_step_have_one_winner(fresh().await).await;
}
