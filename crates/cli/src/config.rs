//! Configuration: defaults, then the TOML file, then `ECERT_*` environment variables, then command-line flags.
//! Every setting is listed in the README's configuration reference.

use ecert_blob::BlobStoreConfig;
use ecert_domain::exchange::RetentionPolicy;
use ecert_hub::ExchangeSettings;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

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
    pub exchange: ExchangeConfig,
    /// How long each data layer is kept (Model A): see `ecert_domain::exchange::RetentionPolicy`.
    pub retention: RetentionPolicy,
    /// Where cached PDFs live: `backend = "fs"` (default, `data_dir/cache`) or `backend = "s3"`.
    pub blob: BlobStoreConfig,
    pub verification: VerificationSection,
    pub portal: PortalSection,
}

/// Portal sign-in: sessions, the per-account lockout and the per-address login throttle.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PortalSection {
    /// A session unused this many minutes ends.
    pub session_idle_minutes: u64,
    /// A session ends this many hours after sign-in, however active.
    pub session_max_hours: u64,
    /// Consecutive failed passwords or codes that lock an account.
    pub lockout_threshold: u32,
    /// How long a locked account stays locked.
    pub lockout_minutes: u64,
    /// Password and code attempts per minute per client address (all accounts together).
    pub login_rate_limit_per_minute: u32,
    /// Attempts allowed at once after a pause.
    pub login_rate_limit_burst: u32,
}

impl Default for PortalSection {
    fn default() -> Self {
        let users = ecert_hub::UserSettings::default();
        let login = ecert_server::HttpLimits::default().login_rate_limit;
        Self {
            session_idle_minutes: users.session_idle.as_secs() / 60,
            session_max_hours: users.session_max.as_secs() / 3600,
            lockout_threshold: users.lockout_threshold,
            lockout_minutes: users.lockout_duration.as_secs() / 60,
            login_rate_limit_per_minute: login.per_minute,
            login_rate_limit_burst: login.burst,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VerificationSection {
    /// How the public authenticity pages are reached from outside (QR codes point at `<this>/v/<token>`); by
    /// default `http://<listen>`.
    pub public_base_url: Option<String>,
    /// Requests per minute per client address on `/v/*` and on `POST /api/v1/verify` (separate buckets).
    pub rate_limit_per_minute: u32,
    /// Requests allowed at once after a pause.
    pub rate_limit_burst: u32,
    /// Client addresses tracked at most (the oldest are forgotten first).
    pub rate_limit_max_clients: usize,
}

impl Default for VerificationSection {
    fn default() -> Self {
        let d = ecert_server::RateLimit::default();
        Self {
            public_base_url: None,
            rate_limit_per_minute: d.per_minute,
            rate_limit_burst: d.burst,
            rate_limit_max_clients: d.max_clients,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExchangeConfig {
    /// Largest signed PDF a CAB may push, in bytes (larger uploads get 413).
    pub max_pdf_bytes: u64,
    /// Webhook attempts before an exchange is FAILED_DELIVERY.
    pub webhook_max_attempts: u32,
    /// First retry delay; it doubles per attempt up to `webhook_max_backoff_secs`.
    pub webhook_initial_backoff_secs: u64,
    pub webhook_max_backoff_secs: u64,
    /// Timeout of one webhook call.
    pub webhook_timeout_secs: u64,
    /// Accept `http://` webhook URLs (demo and tests only; production endpoints must be https).
    pub allow_insecure_webhooks: bool,
    /// With `pdf_deletion = "on_first_download"`: how long the PDF stays after the download, in case the
    /// transfer broke.
    pub download_grace_secs: u64,
    /// Run the background worker (deliveries, retries, deletions, purges) in this process. Several processes
    /// may run it against one database: jobs are leased.
    pub worker: bool,
    /// How often an idle worker looks for due jobs, in milliseconds.
    pub worker_poll_interval_ms: u64,
}

impl Default for ExchangeConfig {
    fn default() -> Self {
        let d = ExchangeSettings::default();
        Self {
            max_pdf_bytes: d.max_pdf_bytes,
            webhook_max_attempts: d.webhook_max_attempts,
            webhook_initial_backoff_secs: d.webhook_initial_backoff.as_secs(),
            webhook_max_backoff_secs: d.webhook_max_backoff.as_secs(),
            webhook_timeout_secs: d.webhook_timeout.as_secs(),
            allow_insecure_webhooks: d.allow_insecure_webhooks,
            download_grace_secs: d.download_grace.as_secs(),
            worker: true,
            worker_poll_interval_ms: 1000,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Largest JSON request body, in bytes.
    pub max_json_body: usize,
    /// Seconds before a request is abandoned with 408.
    pub request_timeout_secs: u64,
    /// Largest document upload (multipart body) in bytes; by default `exchange.max_pdf_bytes` plus room for the
    /// metadata and the multipart framing.
    pub max_upload_bytes: Option<usize>,
    /// Seconds a document upload may take before it is abandoned with 408.
    pub upload_timeout_secs: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            http: HttpConfig::default(),
            exchange: ExchangeConfig::default(),
            retention: RetentionPolicy::default(),
            blob: BlobStoreConfig::default(),
            verification: VerificationSection::default(),
            portal: PortalSection::default(),
        }
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        let d = ecert_server::HttpLimits::default();
        Self {
            max_json_body: d.max_json_body,
            request_timeout_secs: d.request_timeout.as_secs(),
            max_upload_bytes: None,
            upload_timeout_secs: d.upload_timeout.as_secs(),
        }
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
    #[error("configuration [{section}]: {message}")]
    Invalid { section: &'static str, message: String },
}

impl Config {
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
                toml::from_str(&text)
                    .map_err(|e| ConfigError::Parse { path: path.to_owned(), message: e.message().to_owned() })?
            }
            None => Config::default(),
        };
        config.apply_env(|name| std::env::var(name).ok())?;
        config.validate()?;
        Ok(config)
    }

    /// Checks what serde cannot: the retention periods' bounds and nesting, the blob backend, and limits.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.retention.validate().map_err(|e| ConfigError::Invalid { section: "retention", message: e.to_string() })?;
        self.blob.validate().map_err(|e| ConfigError::Invalid { section: "blob", message: e.to_string() })?;
        let v = &self.verification;
        let invalid_verification =
            |message: &str| Err(ConfigError::Invalid { section: "verification", message: message.to_owned() });
        if let Some(url) = &v.public_base_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return invalid_verification("public_base_url must be an http:// or https:// URL");
        }
        if v.rate_limit_per_minute == 0 || v.rate_limit_burst == 0 || v.rate_limit_max_clients == 0 {
            return invalid_verification("rate limits must be at least 1");
        }
        let p = &self.portal;
        let invalid_portal =
            |message: &str| Err(ConfigError::Invalid { section: "portal", message: message.to_owned() });
        if p.session_idle_minutes == 0 || p.session_max_hours == 0 || p.session_idle_minutes > p.session_max_hours * 60
        {
            return invalid_portal("session_idle_minutes and session_max_hours must be at least 1, idle within max");
        }
        if p.lockout_threshold == 0 || p.lockout_minutes == 0 {
            return invalid_portal("lockout_threshold and lockout_minutes must be at least 1");
        }
        if p.login_rate_limit_per_minute == 0 || p.login_rate_limit_burst == 0 {
            return invalid_portal("login rate limits must be at least 1");
        }
        let e = &self.exchange;
        let invalid = |message: &str| Err(ConfigError::Invalid { section: "exchange", message: message.to_owned() });
        if e.max_pdf_bytes == 0 || e.max_pdf_bytes > 512 * 1024 * 1024 {
            return invalid("max_pdf_bytes must be between 1 and 536870912");
        }
        if e.webhook_max_attempts == 0 || e.webhook_max_attempts > 100 {
            return invalid("webhook_max_attempts must be between 1 and 100");
        }
        if e.webhook_initial_backoff_secs == 0 || e.webhook_initial_backoff_secs > e.webhook_max_backoff_secs {
            return invalid("webhook_initial_backoff_secs must be at least 1 and at most webhook_max_backoff_secs");
        }
        if e.webhook_timeout_secs == 0 || e.webhook_timeout_secs > 300 {
            return invalid("webhook_timeout_secs must be between 1 and 300");
        }
        if e.worker_poll_interval_ms < 10 {
            return invalid("worker_poll_interval_ms must be at least 10");
        }
        Ok(())
    }

    /// The exchange tunables for the hub.
    pub fn exchange_settings(&self) -> ExchangeSettings {
        let e = &self.exchange;
        ExchangeSettings {
            retention: self.retention,
            max_pdf_bytes: e.max_pdf_bytes,
            webhook_max_attempts: e.webhook_max_attempts,
            webhook_initial_backoff: Duration::from_secs(e.webhook_initial_backoff_secs),
            webhook_max_backoff: Duration::from_secs(e.webhook_max_backoff_secs),
            webhook_timeout: Duration::from_secs(e.webhook_timeout_secs),
            allow_insecure_webhooks: e.allow_insecure_webhooks,
            download_grace: Duration::from_secs(e.download_grace_secs),
        }
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
        if let Some(v) = lookup("ECERT_HTTP_MAX_UPLOAD_BYTES") {
            self.http.max_upload_bytes = Some(parsed("ECERT_HTTP_MAX_UPLOAD_BYTES", v)?);
        }
        if let Some(v) = lookup("ECERT_HTTP_UPLOAD_TIMEOUT_SECS") {
            self.http.upload_timeout_secs = parsed("ECERT_HTTP_UPLOAD_TIMEOUT_SECS", v)?;
        }
        if let Some(v) = lookup("ECERT_EXCHANGE_WORKER") {
            self.exchange.worker = parsed("ECERT_EXCHANGE_WORKER", v)?;
        }
        if let Some(v) = lookup("ECERT_EXCHANGE_ALLOW_INSECURE_WEBHOOKS") {
            self.exchange.allow_insecure_webhooks = parsed("ECERT_EXCHANGE_ALLOW_INSECURE_WEBHOOKS", v)?;
        }
        Ok(())
    }

    /// Portal sign-in tunables for the hub.
    pub fn user_settings(&self) -> ecert_hub::UserSettings {
        let p = &self.portal;
        ecert_hub::UserSettings {
            session_idle: Duration::from_secs(p.session_idle_minutes * 60),
            session_max: Duration::from_secs(p.session_max_hours * 3600),
            lockout_threshold: p.lockout_threshold,
            lockout_duration: Duration::from_secs(p.lockout_minutes * 60),
        }
    }

    /// The public page's address and the verification rate limits.
    pub fn verification(&self) -> ecert_server::VerificationConfig {
        let v = &self.verification;
        ecert_server::VerificationConfig {
            public_base_url: v.public_base_url.clone().unwrap_or_else(|| format!("http://{}", self.listen)),
            rate_limit: ecert_server::RateLimit {
                per_minute: v.rate_limit_per_minute,
                burst: v.rate_limit_burst,
                max_clients: v.rate_limit_max_clients,
            },
        }
    }

    pub fn http_limits(&self) -> ecert_server::HttpLimits {
        ecert_server::HttpLimits {
            max_json_body: self.http.max_json_body,
            request_timeout: std::time::Duration::from_secs(self.http.request_timeout_secs),
            max_upload_bytes: self
                .http
                .max_upload_bytes
                .unwrap_or_else(|| ecert_server::upload_limit_for(&self.exchange_settings())),
            upload_timeout: std::time::Duration::from_secs(self.http.upload_timeout_secs),
            login_rate_limit: ecert_server::RateLimit {
                per_minute: self.portal.login_rate_limit_per_minute,
                burst: self.portal.login_rate_limit_burst,
                max_clients: self.verification.rate_limit_max_clients,
            },
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
        std::fs::write(&path, "listen = \"127.0.0.1:9000\"\ndata_dir = \"/tmp/x\"\n[http]\nmax_json_body = 1000\n")
            .unwrap();
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

    #[test]
    fn exchange_retention_and_blob_sections() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hub.toml");
        std::fs::write(
            &path,
            "[exchange]\nwebhook_max_attempts = 3\nworker = false\n[retention]\npdf_deletion = \"on_first_download\"\npdf_ttl_hours = 48\n[blob]\nbackend = \"fs\"\ndir = \"/tmp/ecert-cache\"\n",
        )
        .unwrap();
        let c = Config::load(Some(&path)).unwrap();
        let settings = c.exchange_settings();
        assert_eq!(settings.webhook_max_attempts, 3);
        assert!(!c.exchange.worker);
        assert_eq!(settings.retention.pdf_ttl_hours, 48);
        assert_eq!(settings.retention.pdf_deletion, ecert_domain::exchange::PdfDeletionTrigger::OnFirstDownload);
        assert_eq!(c.blob, BlobStoreConfig::Fs { dir: Some(PathBuf::from("/tmp/ecert-cache")) });

        for (text, section) in [
            ("[retention]\nmetadata_days = 1\n", "[retention]"),
            ("[retention]\nevidence_days = 100\n", "[retention]"),
            ("[exchange]\nwebhook_max_attempts = 0\n", "[exchange]"),
            ("[exchange]\nwebhook_initial_backoff_secs = 7200\n", "[exchange]"),
            ("[blob]\nbackend = \"s3\"\nbucket = \"\"\n", "[blob]"),
            ("[verification]\npublic_base_url = \"hub.example.org\"\n", "[verification]"),
            ("[verification]\nrate_limit_burst = 0\n", "[verification]"),
            ("[portal]\nsession_idle_minutes = 0\n", "[portal]"),
            ("[portal]\nsession_idle_minutes = 780\nsession_max_hours = 12\n", "[portal]"),
            ("[portal]\nlockout_threshold = 0\n", "[portal]"),
            ("[portal]\nlogin_rate_limit_per_minute = 0\n", "[portal]"),
        ] {
            std::fs::write(&path, text).unwrap();
            let err = Config::load(Some(&path)).unwrap_err().to_string();
            assert!(err.contains(section), "{text}: {err}");
        }
        std::fs::write(
            &path,
            "[portal]\nsession_idle_minutes = 10\nlockout_threshold = 3\nlogin_rate_limit_burst = 4\n",
        )
        .unwrap();
        let c = Config::load(Some(&path)).unwrap();
        assert_eq!(c.user_settings().session_idle, Duration::from_secs(600));
        assert_eq!(c.user_settings().lockout_threshold, 3);
        assert_eq!(c.http_limits().login_rate_limit.burst, 4);
        std::fs::write(&path, "[retention]\npdf_ttl_days = 3\n").unwrap();
        assert!(matches!(Config::load(Some(&path)), Err(ConfigError::Parse { .. })));
    }
}
