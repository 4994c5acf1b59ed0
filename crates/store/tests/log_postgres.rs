//! The transparency-log suite on PostgreSQL. Needs `--features postgres-tests` and ECERT_TEST_DATABASE_URL (a server
//! where the user may CREATE DATABASE); fails, rather than skips, without it.

mod log_suite;

use ecert_store::{PgStore, Store};
use log_suite::RawSql;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

struct Raw(sqlx::PgPool);

impl RawSql for Raw {
    fn exec<'a>(&'a self, sql: &'a str) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        Box::pin(async move {
            sqlx::query(sql).execute(&self.0).await.unwrap();
        })
    }
    fn is_postgres(&self) -> bool {
        true
    }
}

/// A fresh database per test: tests stay independent while sharing one server.
async fn fresh() -> (Arc<dyn Store>, Raw) {
    let url = std::env::var("ECERT_TEST_DATABASE_URL")
        .expect("the postgres-tests feature needs ECERT_TEST_DATABASE_URL (a server where we may CREATE DATABASE)");
    let db_url = PgStore::create_scratch_database(&url, "ecert_log").await.expect("create test database");
    let store = PgStore::connect(&db_url).await.expect("open PostgreSQL store");
    let raw = sqlx::PgPool::connect(&db_url).await.expect("connect to the test database");
    (Arc::new(store), Raw(raw))
}

#[tokio::test]
async fn appends_build_the_rfc9162_tree() {
    let (store, _raw) = fresh().await;
    log_suite::appends_build_the_rfc9162_tree(store).await;
}

#[tokio::test]
async fn checkpoints_are_stored_once_per_size() {
    let (store, _raw) = fresh().await;
    log_suite::checkpoints_are_stored_once_per_size(store).await;
}

#[tokio::test]
async fn tampering_is_reported_by_leaf_index() {
    let (store, raw) = fresh().await;
    log_suite::tampering_is_reported_by_leaf_index(store, &raw).await;
}

#[tokio::test]
async fn catch_up_builds_missing_leaves() {
    let (store, raw) = fresh().await;
    log_suite::catch_up_builds_missing_leaves(store, &raw).await;
}
