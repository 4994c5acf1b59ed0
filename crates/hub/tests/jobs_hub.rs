//! Background jobs on a real SQLite store and filesystem PDF cache, with a real HTTP receiver (the shared
//! suite in `jobs_support/suite.rs`), plus two workers (tasks and processes) sharing one store.
//! `jobs_postgres` runs the same on PostgreSQL.

mod jobs_support;

use jobs_support::*;

#[tokio::test]
async fn a_delivered_notification_marks_the_exchange_delivered_once() {
    suite::a_delivered_notification_marks_the_exchange_delivered_once(Db::Sqlite).await;
}

#[tokio::test]
async fn failed_notifications_back_off_then_fail_delivery_with_the_reason() {
    suite::failed_notifications_back_off_then_fail_delivery_with_the_reason(Db::Sqlite).await;
}

#[tokio::test]
async fn an_unusable_webhook_url_fails_delivery_without_retrying() {
    suite::an_unusable_webhook_url_fails_delivery_without_retrying(Db::Sqlite).await;
}

#[tokio::test]
async fn notifications_for_removed_webhooks_or_other_tenants_are_dropped() {
    suite::notifications_for_removed_webhooks_or_other_tenants_are_dropped(Db::Sqlite).await;
}

#[tokio::test]
async fn an_unreadable_job_is_dropped_not_retried_forever() {
    suite::an_unreadable_job_is_dropped_not_retried_forever(Db::Sqlite).await;
}

#[tokio::test]
async fn forged_and_replayed_signatures_are_refused_by_the_receiver() {
    suite::forged_and_replayed_signatures_are_refused_by_the_receiver(Db::Sqlite).await;
}

#[tokio::test]
async fn webhook_secrets_are_derived_from_the_hub_key() {
    suite::webhook_secrets_are_derived_from_the_hub_key(Db::Sqlite).await;
}

#[tokio::test]
async fn pdf_deletion_after_receipt_removes_the_blob_and_logs_its_hash() {
    suite::pdf_deletion_after_receipt_removes_the_blob_and_logs_its_hash(Db::Sqlite).await;
}

#[tokio::test]
async fn ttl_expiry_expires_undelivered_exchanges_and_deletes_received_ones() {
    suite::ttl_expiry_expires_undelivered_exchanges_and_deletes_received_ones(Db::Sqlite).await;
}

#[tokio::test]
async fn a_deletion_whose_blob_is_already_gone_is_still_recorded() {
    suite::a_deletion_whose_blob_is_already_gone_is_still_recorded(Db::Sqlite).await;
}

#[tokio::test]
async fn the_sweep_purges_each_layer_in_turn_and_logs_it() {
    suite::the_sweep_purges_each_layer_in_turn_and_logs_it(Db::Sqlite).await;
}

#[tokio::test]
async fn the_sweep_removes_orphaned_cache_files_only() {
    suite::the_sweep_removes_orphaned_cache_files_only(Db::Sqlite).await;
}

#[tokio::test]
async fn the_worker_loop_runs_jobs_and_stops_on_shutdown() {
    suite::the_worker_loop_runs_jobs_and_stops_on_shutdown(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_workers_on_one_store_never_run_a_job_twice() {
    run_two_workers(&world().await, 40).await;
}
