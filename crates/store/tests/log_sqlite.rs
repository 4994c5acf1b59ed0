//! The transparency-log suite on SQLite (always runs: no server needed).

mod log_suite;

use ecert_store::{SqliteStore, Store};
use log_suite::RawSql;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

struct Raw(sqlx::SqlitePool);

impl RawSql for Raw {
    fn exec<'a>(&'a self, sql: &'a str) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        Box::pin(async move {
            sqlx::query(sql).execute(&self.0).await.unwrap();
        })
    }
    fn is_postgres(&self) -> bool {
        false
    }
}

async fn fresh() -> (tempfile::TempDir, Arc<dyn Store>, Raw) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hub.sqlite3");
    let store = SqliteStore::open(&path).await.unwrap();
    let raw = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    (dir, Arc::new(store), Raw(raw))
}

#[tokio::test]
async fn appends_build_the_rfc9162_tree() {
    let (_dir, store, _raw) = fresh().await;
    log_suite::appends_build_the_rfc9162_tree(store).await;
}

#[tokio::test]
async fn checkpoints_are_stored_once_per_size() {
    let (_dir, store, _raw) = fresh().await;
    log_suite::checkpoints_are_stored_once_per_size(store).await;
}

#[tokio::test]
async fn tampering_is_reported_by_leaf_index() {
    let (_dir, store, raw) = fresh().await;
    log_suite::tampering_is_reported_by_leaf_index(store, &raw).await;
}

#[tokio::test]
async fn catch_up_builds_missing_leaves() {
    let (_dir, store, raw) = fresh().await;
    log_suite::catch_up_builds_missing_leaves(store, &raw).await;
}
