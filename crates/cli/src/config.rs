//! Configuration: defaults, then the TOML file, then `ECERT_*` environment variables, then command-line flags.
//! Every setting is listed in the README's configuration reference.

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address the HTTP server binds.
    pub listen: SocketAddr,
    /// Directory for the SQLite database, the log key and the document cache.
    pub data_dir: PathBuf,
    /// `postgres://…` to share one PostgreSQL database between hub processes; SQLite in `data_dir` when absent.
    pub database_url: Option<String>,
    pub http: HttpConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Largest JSON request body, in bytes.
    pub max_json_body: usize,
    /// Seconds before a request is abandoned with 408.
    pub request_timeout_secs: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            http: HttpConfig::default(),
        }
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        let d = ecert_server::HttpLimits::default();
        Self { max_json_body: d.max_json_body, request_timeout_secs: d.request_timeout.as_secs() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("environment variable {name}: {message}")]
    Env { name: &'static str, message: String },
}

impl Config {
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
                toml::from_str(&text).map_err(|e| ConfigError::Parse {
                    path: path.to_owned(),
                    message: e.message().to_owned(),
                })?
            }
            None => Config::default(),
        };
        config.apply_env(|name| std::env::var(name).ok())?;
        Ok(config)
    }

    /// Environment overrides; `lookup` is injected so tests need not mutate the process environment.
    pub fn apply_env(&mut self, lookup: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn parsed<T: std::str::FromStr>(name: &'static str, v: String) -> Result<T, ConfigError>
        where
            T::Err: std::fmt::Display,
        {
            v.parse().map_err(|e: T::Err| ConfigError::Env { name, message: e.to_string() })
        }
        if let Some(v) = lookup("ECERT_LISTEN") {
            self.listen = parsed("ECERT_LISTEN", v)?;
        }
        if let Some(v) = lookup("ECERT_DATA_DIR") {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = lookup("ECERT_DATABASE_URL") {
            self.database_url = Some(v).filter(|s| !s.is_empty());
        }
        if let Some(v) = lookup("ECERT_HTTP_MAX_JSON_BODY") {
            self.http.max_json_body = parsed("ECERT_HTTP_MAX_JSON_BODY", v)?;
        }
        if let Some(v) = lookup("ECERT_HTTP_REQUEST_TIMEOUT_SECS") {
            self.http.request_timeout_secs = parsed("ECERT_HTTP_REQUEST_TIMEOUT_SECS", v)?;
        }
        Ok(())
    }

    pub fn http_limits(&self) -> ecert_server::HttpLimits {
        ecert_server::HttpLimits {
            max_json_body: self.http.max_json_body,
            request_timeout: std::time::Duration::from_secs(self.http.request_timeout_secs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_env_precedence() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hub.toml");
        std::fs::write(&path, "listen = \"127.0.0.1:9000\"\ndata_dir = \"/tmp/x\"\n[http]\nmax_json_body = 1000\n").unwrap();
        let mut c = Config::load(Some(&path)).unwrap();
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.http.max_json_body, 1000);
        c.apply_env(|n| (n == "ECERT_LISTEN").then(|| "127.0.0.1:9100".to_owned())).unwrap();
        assert_eq!(c.listen.port(), 9100);
        assert_eq!(c.data_dir, PathBuf::from("/tmp/x"));
    }

    #[test]
    fn unknown_keys_and_bad_env_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hub.toml");
        std::fs::write(&path, "listn = \"127.0.0.1:9000\"\n").unwrap();
        assert!(matches!(Config::load(Some(&path)), Err(ConfigError::Parse { .. })));
        let mut c = Config::default();
        let err = c.apply_env(|n| (n == "ECERT_LISTEN").then(|| "nope".to_owned())).unwrap_err();
        assert!(err.to_string().starts_with("environment variable ECERT_LISTEN"));
    }
}
