//! The exchange-storage suite on PostgreSQL. Needs `--features postgres-tests` and ECERT_TEST_DATABASE_URL (a server
//! where the user may CREATE DATABASE); fails, rather than skips, without it.

mod exchange_suite;

use ecert_store::{PgStore, Store};
use std::sync::Arc;

/// A fresh database per test: tests stay independent while sharing one server.
async fn fresh() -> Arc<dyn Store> {
    let url = std::env::var("ECERT_TEST_DATABASE_URL")
        .expect("the postgres-tests feature needs ECERT_TEST_DATABASE_URL (a server where we may CREATE DATABASE)");
    let db_url = PgStore::create_scratch_database(&url, "ecert_exchange").await.expect("create test database");
    Arc::new(PgStore::connect(&db_url).await.expect("open PostgreSQL store"))
}

macro_rules! postgres_tests {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $name() {
            exchange_suite::$name(fresh().await).await;
        }
    )*};
}

postgres_tests!(
    submission_round_trip,
    conflicts_name_the_rule_and_store_nothing,
    document_status_changes,
    exchange_updates_are_all_or_nothing,
    pdf_deletion_is_recorded_once,
    polling_follows_change_seq_per_receiver,
    search_and_list_filter_and_paginate,
    webhooks_are_stored_per_institution,
    jobs_are_leased_retried_and_completed,
    purges_remove_layers_in_order_and_log_it,
    stats_count_by_status_and_type,
    tokens_are_reserved_once_and_documents_found_by_country_and_number,
    registry_version_moves_with_every_registry_write,
);

/// On PostgreSQL the claim runs on a pool of connections, so the two workers really race: `FOR UPDATE SKIP
/// LOCKED` is what keeps them apart. A multi-threaded runtime lets them run in parallel.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_claims_never_share_a_job() {
    for _ in 0..5 {
        exchange_suite::concurrent_claims_never_share_a_job(fresh().await).await;
    }
}

/// Concurrent submissions on a pool of connections: the `log_head` row lock orders their appends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_submissions_commit_independently() {
    exchange_suite::concurrent_submissions_commit_independently(fresh().await).await;
}
