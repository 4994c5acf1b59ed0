//! PostgreSQL: for several hub processes sharing one database. Audit appends lock the single `log_head` row, which
//! orders every audited write across processes.

use sqlx::postgres::PgPoolOptions;
use std::time::Duration;

type Db = sqlx::Postgres;
type DbPool = sqlx::PgPool;
type DbConn = sqlx::PgConnection;
const BACKEND: &str = "postgres";
type This = PgStore;
/// Rows per multi-row INSERT of the log: large, to save round trips; at most 6 parameters per row stays far below
/// PostgreSQL's 65,535.
const INSERT_CHUNK: usize = 1_000;
/// Row locking of the job claim: concurrent workers skip the rows another claim holds, so no job is leased twice.
const CLAIM_LOCK: &str = " FOR UPDATE SKIP LOCKED";

pub struct PgStore {
    pool: DbPool,
}

impl PgStore {
    pub async fn connect(url: &str) -> crate::Result<Self> {
        let pool =
            PgPoolOptions::new().max_connections(16).acquire_timeout(Duration::from_secs(10)).connect(url).await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(Self { pool })
    }

    /// Creates an empty database named `<prefix>_<random>` on the server of `server_url` and returns its URL. Test
    /// suites take one per test, so tests stay independent while sharing one server; needs CREATE DATABASE.
    pub async fn create_scratch_database(server_url: &str, prefix: &str) -> crate::Result<String> {
        let (server, _) = server_url
            .rsplit_once('/')
            .ok_or_else(|| crate::StoreError::UnsupportedUrl("a PostgreSQL url names a database".into()))?;
        let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
        let admin = DbPool::connect(server_url).await?;
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await?;
        admin.close().await;
        Ok(format!("{server}/{name}"))
    }

    fn write_pool(&self) -> &DbPool {
        &self.pool
    }

    fn read_pool(&self) -> &DbPool {
        &self.pool
    }

    /// One transaction per submission: PostgreSQL already groups the WAL flushes of concurrent commits.
    async fn commit_submission(
        &self,
        submission: &crate::exchange::NewSubmission<'_>,
    ) -> crate::Result<Vec<crate::Receipt>> {
        let mut tx = self.pool.begin().await?;
        let receipts = write_submission(&mut tx, submission).await?;
        tx.commit().await?;
        Ok(receipts)
    }
}

include!("common.rs");
include!("log.rs");
include!("exchange.rs");
include!("user.rs");
