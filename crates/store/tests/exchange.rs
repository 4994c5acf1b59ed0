//! The exchange-storage suite on SQLite (always runs: no server needed).

mod exchange_suite;

use ecert_store::{SqliteStore, Store, StoreError};
use std::sync::Arc;

/// A fresh database file per test; the directory lives as long as the returned guard.
async fn fresh() -> (tempfile::TempDir, Arc<dyn Store>) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("hub.sqlite3")).await.unwrap();
    (dir, Arc::new(store))
}

/// Rows edited outside the hub are reported as `Corrupt`, never a panic or a silently wrong record.
#[tokio::test]
async fn damaged_rows_are_reported_as_corrupt() {
    let (dir, store) = fresh().await;
    let f = exchange_suite::fixture(store).await;
    let (p, _) = exchange_suite::submit(&f, &exchange_suite::Spec::new(&f, "KZ-1", 1)).await;
    let raw =
        sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.path().join("hub.sqlite3").display())).await.unwrap();
    let id = p.document.id.to_string();
    let x = p.exchanges[0].id;
    let damage = [
        "UPDATE documents SET status = 'BOGUS'",
        "UPDATE documents SET metadata_json = '{\"document_number\": 1}'",
        "UPDATE documents SET pdf_sha256 = 'zz'",
        "UPDATE documents SET pdf_sha256 = 'abcd'",
        "UPDATE documents SET pdf_size = -1",
        "UPDATE documents SET issuer_country = 'xx1'",
        "UPDATE exchanges SET status = 'LOST'",
        "UPDATE exchanges SET reply_json = '[]'",
        "UPDATE exchanges SET delivery_attempts = 5000000000",
        "UPDATE exchanges SET change_seq = -1",
    ];
    for sql in damage {
        sqlx::query(sql).execute(&raw).await.unwrap();
        let got = f.store.get_exchange(x).await;
        assert!(matches!(got, Err(StoreError::Corrupt(_))), "{sql}: {got:?}");
        // Restore by writing the submission again.
        sqlx::query("DELETE FROM exchanges").execute(&raw).await.unwrap();
        sqlx::query("DELETE FROM document_hs_codes").execute(&raw).await.unwrap();
        sqlx::query("DELETE FROM evidence").execute(&raw).await.unwrap();
        sqlx::query("DELETE FROM pki_data").execute(&raw).await.unwrap();
        sqlx::query("DELETE FROM jobs").execute(&raw).await.unwrap();
        sqlx::query("DELETE FROM documents").execute(&raw).await.unwrap();
        f.store.insert_submission(&p.submission()).await.unwrap();
        assert_eq!(f.store.get_document(p.document.id).await.unwrap().unwrap().id.to_string(), id);
    }
    sqlx::query("UPDATE pki_data SET data_json = '{\"certificates\": [\"0g\"]}'").execute(&raw).await.unwrap();
    assert!(matches!(f.store.get_pki_data(p.document.id).await, Err(StoreError::Corrupt(_))));
    sqlx::query("UPDATE jobs SET attempts = 5000000000").execute(&raw).await.unwrap();
    let claimed =
        f.store.claim_jobs("w", exchange_suite::T0 + time::Duration::days(365), time::Duration::minutes(1), 10).await;
    assert!(matches!(claimed, Err(StoreError::Corrupt(_))));
}

macro_rules! sqlite_tests {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $name() {
            let (_dir, store) = fresh().await;
            exchange_suite::$name(store).await;
        }
    )*};
}

sqlite_tests!(
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
    concurrent_claims_never_share_a_job,
    concurrent_submissions_commit_independently,
    registry_version_moves_with_every_registry_write,
);
