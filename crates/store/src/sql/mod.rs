//! The SQL backends. `common.rs` holds every statement and row mapping once; each backend module includes it with
//! its own `Db` type and pools, so the two cannot drift apart.

use crate::{Result, Store, StoreError};
use std::path::Path;
use std::sync::Arc;

pub mod postgres;
pub mod sqlite;

/// Opens (and migrates) the database named by `database_url`: `postgres://…` selects PostgreSQL; `sqlite://PATH`
/// or a plain path selects SQLite; `None` means `hub.sqlite3` in `data_dir`.
pub async fn open(database_url: Option<&str>, data_dir: &Path) -> Result<Arc<dyn Store>> {
    match database_url {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Ok(Arc::new(postgres::PgStore::connect(url).await?))
        }
        Some(url) if url.contains("://") && !url.starts_with("sqlite://") => {
            Err(StoreError::UnsupportedUrl(url.split("://").next().unwrap_or_default().to_owned() + "://"))
        }
        Some(url) => Ok(Arc::new(sqlite::SqliteStore::open(Path::new(url.trim_start_matches("sqlite://"))).await?)),
        None => Ok(Arc::new(sqlite::SqliteStore::open(&data_dir.join("hub.sqlite3")).await?)),
    }
}

fn ms(t: time::OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

fn from_ms(v: i64) -> Result<time::OffsetDateTime> {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(v) * 1_000_000)
        .map_err(|e| StoreError::Corrupt(format!("timestamp {v}: {e}")))
}

fn parse_date(s: &str) -> Result<time::Date> {
    time::Date::parse(s, &time::format_description::well_known::Iso8601::DATE)
        .map_err(|e| StoreError::Corrupt(format!("date '{s}': {e}")))
}

fn date_str(d: time::Date) -> String {
    // The ISO calendar date; `Date`'s Display is exactly YYYY-MM-DD for the years the hub deals with.
    d.to_string()
}

fn parse_id<T: std::str::FromStr>(s: &str) -> Result<T> {
    s.parse().map_err(|_| StoreError::Corrupt(format!("id '{s}'")))
}

fn parse_code<T>(what: &str, s: &str, f: impl Fn(&str) -> Option<T>) -> Result<T> {
    f(s).ok_or_else(|| StoreError::Corrupt(format!("{what} '{s}'")))
}
