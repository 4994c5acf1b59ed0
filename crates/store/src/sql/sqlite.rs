//! SQLite: one file in the data directory, WAL mode, synchronous=FULL so an acknowledged write survives a crash.
//! Writes go through a single-connection pool: SQLite allows one writer anyway, and queueing in-process avoids
//! SQLITE_BUSY failures when a deferred transaction tries to upgrade its lock.
//!
//! Document submissions, the hub's busiest write, are committed in groups: concurrent submissions queue for one
//! writer task, which writes every queued one in a single transaction (each in its own savepoint, so one refused
//! submission is undone alone) and pays for one WAL fsync per group instead of one per document. Each caller
//! still gets its answer only after the commit that made its rows durable.

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

type Db = sqlx::Sqlite;
type DbPool = sqlx::SqlitePool;
type DbConn = sqlx::SqliteConnection;
const BACKEND: &str = "sqlite";
type This = SqliteStore;
/// Rows per multi-row INSERT of the log. Small on SQLite: sqlx resolves each `$n` placeholder by name, and SQLite
/// looks a name up by walking the statement's parameter list, so binding costs grow with the square of the
/// parameter count (at 1,000 rows of 6 parameters that lookup was 86% of the append time).
const INSERT_CHUNK: usize = 64;
/// Row locking of the job claim: none needed, the single writer connection makes the claiming UPDATE atomic.
const CLAIM_LOCK: &str = "";

/// Most submissions written in one group commit.
const MAX_SUBMISSION_GROUP: usize = 64;

pub struct SqliteStore {
    writer: DbPool,
    reader: DbPool,
    submissions: tokio::sync::mpsc::Sender<QueuedSubmission>,
}

struct QueuedSubmission {
    submission: crate::exchange::OwnedSubmission,
    done: tokio::sync::oneshot::Sender<crate::Result<Vec<crate::Receipt>>>,
}

impl SqliteStore {
    pub async fn open(path: &Path) -> crate::Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| crate::StoreError::Database(sqlx::Error::Io(e)))?;
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
        let (submissions, queue) = tokio::sync::mpsc::channel(4 * MAX_SUBMISSION_GROUP);
        // Ends when the store (the only sender) is dropped.
        tokio::spawn(group_commit(writer.clone(), queue));
        Ok(Self { writer, reader, submissions })
    }

    async fn commit_submission(
        &self,
        submission: &crate::exchange::NewSubmission<'_>,
    ) -> crate::Result<Vec<crate::Receipt>> {
        let (done, answer) = tokio::sync::oneshot::channel();
        let queued = QueuedSubmission { submission: crate::exchange::OwnedSubmission::from(submission), done };
        let stopped = || crate::StoreError::CommitFailed("the SQLite writer task has stopped".into());
        self.submissions.send(queued).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    fn write_pool(&self) -> &DbPool {
        &self.writer
    }

    fn read_pool(&self) -> &DbPool {
        &self.reader
    }
}

/// The writer task: takes whatever submissions are queued (at least one, at most `MAX_SUBMISSION_GROUP`) and
/// commits them together.
async fn group_commit(writer: DbPool, mut queue: tokio::sync::mpsc::Receiver<QueuedSubmission>) {
    while let Some(first) = queue.recv().await {
        let mut group = vec![first];
        while group.len() < MAX_SUBMISSION_GROUP {
            match queue.try_recv() {
                Ok(next) => group.push(next),
                Err(_) => break,
            }
        }
        let outcomes = commit_group(&writer, &group).await;
        for (queued, outcome) in group.into_iter().zip(outcomes) {
            // A caller that went away (client disconnected) loses only its answer, not its durable rows.
            let _ = queued.done.send(outcome);
        }
    }
}

async fn commit_group(writer: &DbPool, group: &[QueuedSubmission]) -> Vec<crate::Result<Vec<crate::Receipt>>> {
    let failed = |e: &sqlx::Error| crate::StoreError::CommitFailed(e.to_string());
    let mut tx = match writer.begin().await {
        Ok(tx) => tx,
        Err(e) => return group.iter().map(|_| Err(failed(&e))).collect(),
    };
    let mut outcomes = Vec::with_capacity(group.len());
    for queued in group {
        outcomes.push(write_in_savepoint(&mut tx, &queued.submission).await);
    }
    match tx.commit().await {
        Ok(()) => outcomes,
        // Nothing of the group is durable: every submission fails, including those whose rows were fine.
        Err(e) => outcomes.into_iter().map(|_| Err(failed(&e))).collect(),
    }
}

/// Writes one submission inside the group's transaction; on any error only its own rows are rolled back.
async fn write_in_savepoint(
    tx: &mut sqlx::Transaction<'_, Db>,
    submission: &crate::exchange::OwnedSubmission,
) -> crate::Result<Vec<crate::Receipt>> {
    // sqlx turns a transaction begun inside a transaction into a SAVEPOINT.
    let mut savepoint = sqlx::Connection::begin(&mut **tx).await?;
    match write_submission(&mut savepoint, &submission.view()).await {
        Ok(receipts) => {
            savepoint.commit().await?;
            Ok(receipts)
        }
        Err(e) => {
            savepoint.rollback().await?;
            Err(e)
        }
    }
}

include!("common.rs");
include!("log.rs");
include!("exchange.rs");
include!("user.rs");
