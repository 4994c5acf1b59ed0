//! SQLite: one file in the data directory, WAL mode, synchronous=FULL so an acknowledged write survives a crash.
//! Writes go through a single-connection pool: SQLite allows one writer anyway, and queueing in-process avoids
//! SQLITE_BUSY failures when a deferred transaction tries to upgrade its lock.

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

type Db = sqlx::Sqlite;
type DbPool = sqlx::SqlitePool;
type DbConn = sqlx::SqliteConnection;
const BACKEND: &str = "sqlite";
type This = SqliteStore;
/// Row locking of the job claim: none needed, the single writer connection makes the claiming UPDATE atomic.
const CLAIM_LOCK: &str = "";

pub struct SqliteStore {
    writer: DbPool,
    reader: DbPool,
}

impl SqliteStore {
    pub async fn open(path: &Path) -> crate::Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| crate::StoreError::Database(sqlx::Error::Io(e)))?;
        }
        let options = SqliteConnectOptions::from_str("sqlite://")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let writer = SqlitePoolOptions::new().max_connections(1).connect_with(options.clone()).await?;
        sqlx::migrate!("./migrations/sqlite").run(&writer).await?;
        let reader = SqlitePoolOptions::new().max_connections(8).connect_with(options.read_only(true)).await?;
        Ok(Self { writer, reader })
    }

    fn write_pool(&self) -> &DbPool {
        &self.writer
    }

    fn read_pool(&self) -> &DbPool {
        &self.reader
    }
}

include!("common.rs");
include!("log.rs");
include!("exchange.rs");
