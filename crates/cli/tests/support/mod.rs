//! Shared by the tests that run `ecert serve` as a separate process: starting it, and signed documents of the
//! demo CAB to push to it.

#![allow(dead_code)] // each test binary uses its own part of this module

use ecert_pdf::samples::generate;
use ecert_pdf::sign::{SignOptions, sign_pdf};
use ecert_pki::keys::SignerCredentials;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A running `ecert serve`; killed and reaped when dropped.
pub struct HubProcess {
    pub child: Child,
    pub base: String,
    /// API keys printed on the first `--demo` start: operator, CAB, receiver.
    pub keys: Vec<String>,
}

impl Drop for HubProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl HubProcess {
    /// Starts `ecert serve --listen 127.0.0.1:0 <args>` and waits until it listens.
    pub fn start<I, S>(args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecert"));
        cmd.env("ECERT_LOG", "off")
            .env_remove("ECERT_LISTEN")
            .env_remove("ECERT_DATA_DIR")
            .env_remove("ECERT_DATABASE_URL")
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped());
        // Owned by `HubProcess` from the start, so every path (including a panic below) kills and reaps it.
        let mut hub = HubProcess { child: cmd.spawn().unwrap(), base: String::new(), keys: Vec::new() };
        let mut lines = BufReader::new(hub.child.stdout.take().unwrap()).lines();
        loop {
            let line = lines.next().expect("the hub exited before listening").unwrap();
            hub.keys.extend(line.split_whitespace().filter(|w| w.starts_with("ecert_")).map(str::to_owned));
            if line.contains("listening on") {
                hub.base = line.split_whitespace().find(|w| w.starts_with("http://")).unwrap().to_owned();
                // Keep draining stdout so the hub never blocks on a full pipe.
                std::thread::spawn(move || for _ in lines {});
                return hub;
            }
        }
    }

    pub fn cab_key(&self) -> &str {
        &self.keys[1]
    }

    pub fn receiver_key(&self) -> &str {
        &self.keys[2]
    }
}

/// The demo CAB's signing credentials, as `serve --demo` wrote them to the data directory.
pub fn demo_signer(data: &Path) -> SignerCredentials {
    let p12 = std::fs::read(data.join("demo-pki").join("signer-valid-rsa.p12")).unwrap();
    SignerCredentials::from_pkcs12(&p12, "demo").unwrap()
}

/// The demo CAB's test report numbered `<prefix>-<i>` (`ecert_hub::demo::demo_test_report`), signed with `creds`:
/// its metadata JSON and the signed PDF.
pub fn signed_document(creds: &SignerCredentials, prefix: &str, i: usize) -> (serde_json::Value, Vec<u8>) {
    let today = time::OffsetDateTime::now_utc().date();
    let (sample, metadata) = ecert_hub::demo::demo_test_report(&format!("{prefix}-{i:05}"), today);
    let pdf = sign_pdf(&generate(&sample), &SignOptions::new(creds)).unwrap();
    (serde_json::to_value(&metadata).unwrap(), pdf)
}

/// `POST /api/v1/documents` as a CAB would send it.
pub fn push(
    client: &reqwest::blocking::Client,
    base: &str,
    key: &str,
    metadata: &serde_json::Value,
    pdf: &[u8],
) -> reqwest::Result<reqwest::blocking::Response> {
    use reqwest::blocking::multipart::{Form, Part};
    let form = Form::new()
        .part("metadata", Part::text(metadata.to_string()).mime_str("application/json")?)
        .part("pdf", Part::bytes(pdf.to_vec()).file_name("doc.pdf").mime_str("application/pdf")?);
    client.post(format!("{base}/api/v1/documents")).bearer_auth(key).multipart(form).send()
}
