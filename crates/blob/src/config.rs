//! Choosing and configuring the cache backend. The hub's config file embeds [`BlobStoreConfig`]
//! (`[blob] backend = "fs"` or `backend = "s3"` with the fields of [`S3Config`]).

use crate::error::{BlobError, Result};
use crate::{BlobStore, FsBlobStore, S3BlobStore};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(tag = "backend", rename_all = "snake_case", deny_unknown_fields)]
pub enum BlobStoreConfig {
    /// Files under `dir`, by default `data_dir/cache`.
    Fs {
        #[serde(default)]
        dir: Option<PathBuf>,
    },
    S3(S3Config),
}

impl Default for BlobStoreConfig {
    fn default() -> Self {
        Self::Fs { dir: None }
    }
}

impl BlobStoreConfig {
    /// Checks the settings without connecting, so a bad config fails at start-up with a clear message.
    pub fn validate(&self) -> Result<()> {
        match self {
            Self::Fs { .. } => Ok(()),
            Self::S3(config) => config.validate(),
        }
    }

    /// Opens the configured backend.
    pub fn open(&self, data_dir: &Path, max_blob_size: u64) -> Result<Arc<dyn BlobStore>> {
        match self {
            Self::Fs { dir: Some(dir) } => Ok(Arc::new(FsBlobStore::open(dir.clone(), max_blob_size)?)),
            Self::Fs { dir: None } => Ok(Arc::new(FsBlobStore::under_data_dir(data_dir, max_blob_size)?)),
            Self::S3(config) => Ok(Arc::new(S3BlobStore::s3(config, max_blob_size)?)),
        }
    }
}

/// An S3-compatible bucket (AWS S3, MinIO, Ceph RGW, ...).
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct S3Config {
    pub bucket: String,
    /// Custom endpoint for non-AWS services, e.g. `http://minio:9000`; AWS itself when absent.
    #[serde(default)]
    pub endpoint: Option<String>,
    #[serde(default = "default_region")]
    pub region: String,
    /// Static credentials. When both are absent, the standard AWS environment variables and instance
    /// credentials are used, so secrets need not sit in the config file.
    #[serde(default)]
    pub access_key_id: Option<String>,
    #[serde(default)]
    pub secret_access_key: Option<String>,
    #[serde(default)]
    pub session_token: Option<String>,
    /// Permit a plain-HTTP endpoint (a local MinIO); refused otherwise.
    #[serde(default)]
    pub allow_http: bool,
    /// Path-style requests are the default because most self-hosted services need them.
    #[serde(default)]
    pub virtual_hosted_style: bool,
    /// Keys are stored under this prefix (e.g. `ecert/cache`).
    #[serde(default)]
    pub prefix: String,
}

fn default_region() -> String {
    "us-east-1".to_owned()
}

impl std::fmt::Debug for S3Config {
    // Hand-written so credentials never reach a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |v: &Option<String>| v.as_ref().map(|_| "<redacted>");
        f.debug_struct("S3Config")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &redacted(&self.secret_access_key))
            .field("session_token", &redacted(&self.session_token))
            .field("allow_http", &self.allow_http)
            .field("virtual_hosted_style", &self.virtual_hosted_style)
            .field("prefix", &self.prefix)
            .finish()
    }
}

impl S3Config {
    /// Checks what the S3 client would only find out on the first request.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: &str| Err(BlobError::Config(m.to_owned()));
        if self.bucket.trim().is_empty() {
            return bad("s3.bucket must not be empty");
        }
        if self.region.trim().is_empty() {
            return bad("s3.region must not be empty");
        }
        if self.access_key_id.is_some() != self.secret_access_key.is_some() {
            return bad("s3.access_key_id and s3.secret_access_key must be given together");
        }
        if self.session_token.is_some() && self.access_key_id.is_none() {
            return bad("s3.session_token needs s3.access_key_id and s3.secret_access_key");
        }
        if let Some(endpoint) = &self.endpoint {
            let lower = endpoint.to_ascii_lowercase();
            if lower.starts_with("http://") && !self.allow_http {
                return bad("s3.endpoint uses plain http; set s3.allow_http = true to permit it");
            }
            if !lower.starts_with("http://") && !lower.starts_with("https://") {
                return bad("s3.endpoint must be an http:// or https:// URL");
            }
        }
        Ok(())
    }
}

impl S3BlobStore {
    /// Connects to an S3-compatible bucket. No request is made here; the first put or get reaches the bucket.
    #[cfg(feature = "aws")]
    pub fn s3(config: &S3Config, max_blob_size: u64) -> Result<Self> {
        use object_store::aws::AmazonS3Builder;
        config.validate()?;
        let mut builder = match (&config.access_key_id, &config.secret_access_key) {
            (Some(id), Some(secret)) => {
                let b = AmazonS3Builder::new().with_access_key_id(id).with_secret_access_key(secret);
                match &config.session_token {
                    Some(token) => b.with_token(token),
                    None => b,
                }
            }
            _ => AmazonS3Builder::from_env(),
        };
        builder = builder
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_allow_http(config.allow_http)
            .with_virtual_hosted_style_request(config.virtual_hosted_style);
        if let Some(endpoint) = &config.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        let store = builder.build().map_err(|e| BlobError::Config(e.to_string()))?;
        Self::from_object_store(Arc::new(store), &config.prefix, max_blob_size)
    }

    /// Without the `aws` feature the S3 client is not compiled in, and configuring it is an error.
    #[cfg(not(feature = "aws"))]
    pub fn s3(config: &S3Config, _max_blob_size: u64) -> Result<Self> {
        config.validate()?;
        Err(BlobError::Config("this build has no S3 support (enable the `aws` feature of ecert-blob)".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> S3Config {
        S3Config {
            bucket: "ecert".into(),
            endpoint: Some("https://s3.example.org".into()),
            region: default_region(),
            access_key_id: Some("AKIDEXAMPLE".into()),
            secret_access_key: Some("very-secret".into()),
            session_token: None,
            allow_http: false,
            virtual_hosted_style: false,
            prefix: "ecert/cache".into(),
        }
    }

    #[test]
    fn every_invalid_setting_is_refused() {
        assert!(config().validate().is_ok());
        type Mutation = fn(&mut S3Config);
        let cases: [(&str, Mutation); 6] = [
            ("bucket", |c| c.bucket = " ".into()),
            ("region", |c| c.region = String::new()),
            ("together", |c| c.secret_access_key = None),
            ("session_token", |c| {
                c.access_key_id = None;
                c.secret_access_key = None;
                c.session_token = Some("t".into());
            }),
            ("allow_http", |c| c.endpoint = Some("http://minio:9000".into())),
            ("http:// or https://", |c| c.endpoint = Some("ftp://x".into())),
        ];
        for (needle, mutate) in cases {
            let mut c = config();
            mutate(&mut c);
            match c.validate() {
                Err(BlobError::Config(m)) => assert!(m.contains(needle), "{m} should mention {needle}"),
                other => panic!("{needle}: expected a config error, got {other:?}"),
            }
        }
        let mut minio = config();
        minio.endpoint = Some("http://minio:9000".into());
        minio.allow_http = true;
        assert!(minio.validate().is_ok());
    }

    #[test]
    fn debug_output_hides_secrets() {
        let shown = format!("{:?}", config());
        assert!(!shown.contains("very-secret"), "{shown}");
        assert!(shown.contains("AKIDEXAMPLE"));
    }

    #[cfg(feature = "aws")]
    #[test]
    fn s3_client_builds_from_config_without_network() {
        let store = S3BlobStore::s3(&config(), 1024).unwrap();
        let key = crate::BlobKey::parse("abc").unwrap();
        assert_eq!(store.path_of(&key).as_ref(), "ecert/cache/abc");
        let mut bad = config();
        bad.bucket = String::new();
        assert!(matches!(S3BlobStore::s3(&bad, 1024), Err(BlobError::Config(_))));
    }

    #[test]
    fn backend_is_chosen_by_tag() {
        let fs: BlobStoreConfig = serde_json::from_str(r#"{"backend":"fs"}"#).unwrap();
        assert_eq!(fs, BlobStoreConfig::Fs { dir: None });
        let s3: BlobStoreConfig = serde_json::from_str(
            r#"{"backend":"s3","bucket":"b","endpoint":"http://localhost:9000","allow_http":true}"#,
        )
        .unwrap();
        match s3 {
            BlobStoreConfig::S3(c) => {
                assert_eq!(c.region, "us-east-1");
                assert!(c.allow_http);
            }
            other => panic!("expected s3, got {other:?}"),
        }
        assert!(serde_json::from_str::<BlobStoreConfig>(r#"{"backend":"ftp"}"#).is_err());
        assert!(serde_json::from_str::<BlobStoreConfig>(r#"{"backend":"s3","bucket":"b","typo":1}"#).is_err());
    }

    #[test]
    fn fs_backend_opens_under_data_dir() {
        let tmp = tempfile::tempdir().unwrap();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let store = BlobStoreConfig::default().open(tmp.path(), 1024).unwrap();
        let key = crate::BlobKey::parse("k").unwrap();
        rt.block_on(store.put(&key, bytes::Bytes::from_static(b"x"))).unwrap();
        assert!(tmp.path().join("cache").join("k").is_file());
    }
}
