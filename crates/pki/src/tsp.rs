//! RFC 3161 time-stamping: requests, responses, token verification, an HTTP client and an
//! in-process test TSA (optionally served over HTTP on 127.0.0.1).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5280;
use der::asn1::{BitString, GeneralizedTime, Int, OctetString};
use der::{Decode, Encode, Sequence};
use time::OffsetDateTime;
use x509_tsp::{MessageImprint, TimeStampReq, TspVersion, TstInfo as TstInfoAsn1};

use crate::alg::DigestAlgorithm;
use crate::cert::Certificate;
use crate::cms::{self, CmsSignOptions, Encapsulated, SignedData};
use crate::encoding::{self, MAX_DER_LEN};
use crate::error::{Error, Result};
use crate::keys::SignerCredentials;

/// id-ct-TSTInfo.
pub const ID_CT_TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
/// Policy OID the test TSA stamps with (an arbitrary private-use arc, documented as test-only).
pub const TEST_TSA_POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.55555.1.1");

/// Largest HTTP TSA response we accept by default.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 256 * 1024;
/// Default overall timeout for one HTTP TSA exchange.
pub const DEFAULT_TSA_TIMEOUT: Duration = Duration::from_secs(15);

// PKIFailureInfo bits (RFC 3161 §2.4.2).
const FAIL_BAD_ALG: usize = 0;
const FAIL_BAD_DATA_FORMAT: usize = 5;
const FAIL_SYSTEM_FAILURE: usize = 25;

/// A TimeStampReq with a fresh nonce and certReq = true.
#[derive(Debug, Clone)]
pub struct TimeStampRequest {
    der: Vec<u8>,
    digest: DigestAlgorithm,
    imprint: Vec<u8>,
    nonce: Vec<u8>,
}

impl TimeStampRequest {
    pub fn new(digest: DigestAlgorithm, imprint: &[u8]) -> Result<Self> {
        if imprint.len() != digest.output_len() {
            return Err(Error::AlgorithmMismatch(format!(
                "imprint has {} bytes, {digest} has {}",
                imprint.len(),
                digest.output_len()
            )));
        }
        let mut nonce = encoding::random_bytes::<8>()?.to_vec();
        nonce[0] = (nonce[0] & 0x7f) | 0x01; // positive, no leading zero byte
        let enc = |e: der::Error| Error::malformed("TimeStampReq", e);
        let req = TimeStampReq {
            version: TspVersion::V1,
            message_imprint: MessageImprint {
                hash_algorithm: digest.algorithm_identifier(),
                hashed_message: OctetString::new(imprint).map_err(enc)?,
            },
            req_policy: None,
            nonce: Some(Int::new(&nonce).map_err(enc)?),
            cert_req: true,
            extensions: None,
        };
        Ok(TimeStampRequest { der: req.to_der().map_err(enc)?, digest, imprint: imprint.to_vec(), nonce })
    }

    pub fn der(&self) -> &[u8] {
        &self.der
    }

    pub fn nonce(&self) -> &[u8] {
        &self.nonce
    }
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct PkiStatusInfo {
    status: u8,
    #[asn1(optional = "true")]
    status_string: Option<Vec<String>>,
    #[asn1(optional = "true")]
    fail_info: Option<BitString>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct TimeStampResp {
    status: PkiStatusInfo,
    #[asn1(optional = "true")]
    token: Option<der::Any>,
}

/// Checks a TimeStampResp against its request (status, nonce, imprint) and returns the token DER.
pub fn parse_response(resp_der: &[u8], request: &TimeStampRequest) -> Result<Vec<u8>> {
    encoding::check_len("TimeStampResp", resp_der.len(), MAX_DER_LEN)?;
    let resp = TimeStampResp::from_der(resp_der).map_err(|e| Error::malformed("TimeStampResp", e))?;
    // 0 = granted, 1 = grantedWithMods.
    if resp.status.status > 1 {
        let text = resp.status.status_string.unwrap_or_default().join("; ");
        let bits = resp
            .status
            .fail_info
            .as_ref()
            .map(|b| {
                b.bits().enumerate().filter(|(_, set)| *set).map(|(i, _)| i.to_string()).collect::<Vec<_>>().join(",")
            })
            .unwrap_or_default();
        return Err(Error::Timestamp(format!(
            "TSA refused the request: status {}, failInfo [{bits}] {text}",
            resp.status.status
        )));
    }
    let token = resp.token.ok_or_else(|| Error::Timestamp("granted response without a token".into()))?;
    let token_der = token.to_der().map_err(|e| Error::malformed("timestamp token", e))?;
    let parsed = TimeStampToken::parse(&token_der)?;
    parsed.check_imprint(request.digest, &request.imprint)?;
    if parsed.tst_info.nonce.as_deref() != Some(request.nonce.as_slice()) {
        return Err(Error::Timestamp("the token's nonce does not match the request".into()));
    }
    Ok(token_der)
}

/// The fields of a TSTInfo we use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TstInfo {
    pub policy: ObjectIdentifier,
    pub imprint_algorithm: DigestAlgorithm,
    pub imprint: Vec<u8>,
    pub serial_hex: String,
    pub gen_time: OffsetDateTime,
    pub nonce: Option<Vec<u8>>,
    /// TSA GeneralName as a directory name string, when given as one.
    pub tsa_name: Option<String>,
}

/// A parsed RFC 3161 TimeStampToken (a SignedData over a TSTInfo).
#[derive(Debug, Clone)]
pub struct TimeStampToken {
    signed_data: SignedData,
    tst_info: TstInfo,
}

impl TimeStampToken {
    pub fn parse(token_der: &[u8]) -> Result<Self> {
        let signed_data = SignedData::parse(token_der)?;
        if signed_data.content_type() != ID_CT_TST_INFO {
            return Err(Error::Timestamp(format!("eContentType {} is not id-ct-TSTInfo", signed_data.content_type())));
        }
        let econtent = signed_data
            .encapsulated_content()
            .ok_or_else(|| Error::Timestamp("token has no TSTInfo content".into()))?;
        let tst = TstInfoAsn1::from_der(econtent).map_err(|e| Error::malformed("TSTInfo", e))?;
        let tsa_name = match &tst.tsa {
            Some(x509_cert::ext::pkix::name::GeneralName::DirectoryName(n)) => Some(n.to_string()),
            _ => None,
        };
        let tst_info = TstInfo {
            policy: tst.policy,
            imprint_algorithm: DigestAlgorithm::from_algorithm_identifier(&tst.message_imprint.hash_algorithm)?,
            imprint: tst.message_imprint.hashed_message.as_bytes().to_vec(),
            serial_hex: encoding::serial_hex(tst.serial_number.as_bytes()),
            gen_time: encoding::time_from_generalized(&tst.gen_time)?,
            nonce: tst.nonce.as_ref().map(|n| n.as_bytes().to_vec()),
            tsa_name,
        };
        Ok(TimeStampToken { signed_data, tst_info })
    }

    pub fn der(&self) -> &[u8] {
        self.signed_data.der()
    }

    pub fn tst_info(&self) -> &TstInfo {
        &self.tst_info
    }

    pub fn signed_data(&self) -> &SignedData {
        &self.signed_data
    }

    /// The token must time-stamp exactly `digest` computed with `alg`.
    pub fn check_imprint(&self, alg: DigestAlgorithm, digest: &[u8]) -> Result<()> {
        if self.tst_info.imprint_algorithm != alg || self.tst_info.imprint != digest {
            return Err(Error::Timestamp("the token's message imprint does not match".into()));
        }
        Ok(())
    }

    /// Verifies the token's CMS signature and returns the TSA certificate. The TSA certificate is
    /// taken from the token or `extra_certs`; it must carry a critical EKU with id-kp-timeStamping
    /// only (RFC 3161 §2.3) and be named by the ESS signing-certificate attribute. Path building
    /// and validity of the TSA certificate are the caller's job.
    pub fn verify(&self, extra_certs: &[Certificate]) -> Result<Certificate> {
        let [si] = self.signed_data.signer_infos() else {
            return Err(Error::Timestamp("token must have exactly one SignerInfo".into()));
        };
        let pool: Vec<Certificate> = self.signed_data.certificates().iter().chain(extra_certs).cloned().collect();
        let cert = si.find_signer_certificate(&pool).ok_or_else(|| {
            Error::Timestamp("TSA certificate not found in the token or the supplied certificates".into())
        })?;
        if cert.extended_key_usage() != Some(&[rfc5280::ID_KP_TIME_STAMPING][..]) || !cert.is_eku_critical() {
            return Err(Error::Timestamp("TSA certificate lacks a critical EKU with only id-kp-timeStamping".into()));
        }
        if si.content_type_attr()? != Some(ID_CT_TST_INFO) {
            return Err(Error::Timestamp("content-type attribute is not id-ct-TSTInfo".into()));
        }
        let econtent = self.signed_data.encapsulated_content().unwrap_or_default();
        si.check_content(econtent)?;
        let ess = match si.signing_certificate_v2()? {
            Some(ids) => ids,
            None => si
                .signing_certificate_v1()?
                .ok_or_else(|| Error::Timestamp("no ESS signing-certificate attribute".into()))?,
        };
        if !ess.first().is_some_and(|id| id.matches(cert)) {
            return Err(Error::Timestamp("ESS signing-certificate does not name the TSA certificate".into()));
        }
        si.verify_signature(cert)?;
        Ok(cert.clone())
    }
}

/// Something that turns a digest into an RFC 3161 token (ContentInfo DER).
pub trait TsaClient: Send + Sync {
    fn timestamp(&self, alg: DigestAlgorithm, digest: &[u8]) -> Result<Vec<u8>>;
}

/// RFC 3161 over HTTP (POST application/timestamp-query).
///
/// Uses reqwest's blocking client: call it from a plain thread (or `spawn_blocking`), never
/// directly from async code.
#[derive(Debug, Clone)]
pub struct HttpTsaClient {
    url: String,
    timeout: Duration,
    max_response_bytes: usize,
}

impl HttpTsaClient {
    pub fn new(url: &str) -> Self {
        HttpTsaClient {
            url: url.to_string(),
            timeout: DEFAULT_TSA_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn with_max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    fn unavailable(&self, reason: impl std::fmt::Display) -> Error {
        Error::TsaUnavailable { url: self.url.clone(), reason: reason.to_string() }
    }
}

impl TsaClient for HttpTsaClient {
    fn timestamp(&self, alg: DigestAlgorithm, digest: &[u8]) -> Result<Vec<u8>> {
        let request = TimeStampRequest::new(alg, digest)?;
        let client = reqwest::blocking::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.timeout)
            .build()
            .map_err(|e| self.unavailable(e))?;
        let response = client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/timestamp-query")
            .header(reqwest::header::ACCEPT, "application/timestamp-reply")
            .body(request.der().to_vec())
            .send()
            .map_err(|e| self.unavailable(e))?;
        if !response.status().is_success() {
            return Err(self.unavailable(format!("HTTP status {}", response.status())));
        }
        let mut body = Vec::new();
        // Read one byte past the limit to tell "exactly at the limit" from "above it".
        response.take(self.max_response_bytes as u64 + 1).read_to_end(&mut body).map_err(|e| self.unavailable(e))?;
        if body.len() > self.max_response_bytes {
            return Err(Error::TooLarge { what: "TSA response", len: body.len(), limit: self.max_response_bytes });
        }
        parse_response(&body, &request)
    }
}

/// An in-process TSA for tests and demos. Its certificate must carry a critical EKU
/// id-kp-timeStamping (the test PKI's TSA certificate does).
pub struct TestTsa {
    credentials: Arc<SignerCredentials>,
    serial: AtomicU64,
    fixed_time: Option<OffsetDateTime>,
}

impl TestTsa {
    pub fn new(credentials: Arc<SignerCredentials>) -> Self {
        TestTsa { credentials, serial: AtomicU64::new(1), fixed_time: None }
    }

    /// Stamp every token with this genTime instead of the current time.
    pub fn with_fixed_time(mut self, t: OffsetDateTime) -> Self {
        self.fixed_time = Some(t);
        self
    }

    pub fn certificate(&self) -> &Certificate {
        &self.credentials.certificate
    }

    /// Answers a DER TimeStampReq with a DER TimeStampResp (a rejection for bad requests).
    pub fn respond(&self, request_der: &[u8]) -> Vec<u8> {
        match self.grant(request_der) {
            Ok(der) => der,
            Err(fail_bit) => rejection(fail_bit),
        }
    }

    fn grant(&self, request_der: &[u8]) -> std::result::Result<Vec<u8>, usize> {
        let req = TimeStampReq::from_der(request_der).map_err(|_| FAIL_BAD_DATA_FORMAT)?;
        let digest = DigestAlgorithm::from_algorithm_identifier(&req.message_imprint.hash_algorithm)
            .map_err(|_| FAIL_BAD_ALG)?;
        if req.message_imprint.hashed_message.as_bytes().len() != digest.output_len() {
            return Err(FAIL_BAD_DATA_FORMAT);
        }
        let token = self.token(&req, digest).map_err(|_| FAIL_SYSTEM_FAILURE)?;
        let resp = TimeStampResp {
            status: PkiStatusInfo { status: 0, status_string: None, fail_info: None },
            token: Some(der::Any::from_der(&token).map_err(|_| FAIL_SYSTEM_FAILURE)?),
        };
        resp.to_der().map_err(|_| FAIL_SYSTEM_FAILURE)
    }

    fn token(&self, req: &TimeStampReq, digest: DigestAlgorithm) -> Result<Vec<u8>> {
        let now = self.fixed_time.unwrap_or_else(OffsetDateTime::now_utc);
        let serial = self.serial.fetch_add(1, Ordering::Relaxed);
        let enc = |e: der::Error| Error::malformed("TSTInfo", e);
        let tst = TstInfoAsn1 {
            version: TspVersion::V1,
            policy: req.req_policy.unwrap_or(TEST_TSA_POLICY),
            message_imprint: req.message_imprint.clone(),
            serial_number: Int::new(&positive_int_bytes(serial)).map_err(enc)?,
            gen_time: GeneralizedTime::from_date_time(encoding::time_to_generalized(now)?.to_date_time()),
            accuracy: None,
            ordering: false,
            nonce: req.nonce.clone(),
            tsa: None,
            extensions: None,
        };
        let tst_der = tst.to_der().map_err(enc)?;
        // The token's own hash follows the request's hash, which keeps EC P-384 TSAs on SHA-384 etc.
        let options = CmsSignOptions { digest, use_pss: false };
        let encap = Encapsulated { content_type: ID_CT_TST_INFO, content: Some(&tst_der) };
        cms::build_signed_data(&self.credentials, &encap, &digest.digest(&tst_der), &options, req.cert_req)
    }

    /// Serves this TSA over HTTP on 127.0.0.1 (random port) in a background thread until the
    /// returned handle is dropped.
    pub fn serve_http(self: &Arc<Self>) -> Result<TsaHttpServer> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let tsa = Arc::clone(self);
        let stop_flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new().name("ecert-test-tsa".into()).spawn(move || {
            for stream in listener.incoming() {
                if stop_flag.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    // One bad client must not take the server down; errors end that connection only.
                    let _ = serve_one(&tsa, stream);
                }
            }
        })?;
        Ok(TsaHttpServer { url: format!("http://{addr}/tsa"), addr, stop, thread: Some(thread) })
    }
}

impl TsaClient for TestTsa {
    fn timestamp(&self, alg: DigestAlgorithm, digest: &[u8]) -> Result<Vec<u8>> {
        let request = TimeStampRequest::new(alg, digest)?;
        parse_response(&self.respond(request.der()), &request)
    }
}

/// Minimal two's-complement encoding of a non-negative integer (DER INTEGER content).
fn positive_int_bytes(v: u64) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count().min(bytes.len() - 1);
    let mut out = bytes[skip..].to_vec();
    if out.first().is_some_and(|b| b & 0x80 != 0) {
        out.insert(0, 0);
    }
    out
}

fn rejection(fail_bit: usize) -> Vec<u8> {
    let mut bits = vec![0u8; 1 + fail_bit / 8];
    if let Some(byte) = bits.get_mut(fail_bit / 8) {
        *byte |= 0x80 >> (fail_bit % 8);
    }
    let unused = (7 - (fail_bit % 8)) as u8;
    let resp = TimeStampResp {
        status: PkiStatusInfo {
            status: 2,
            status_string: Some(vec!["request rejected by the ecert test TSA".into()]),
            fail_info: BitString::new(unused, bits).ok(),
        },
        token: None,
    };
    resp.to_der().unwrap_or_default()
}

/// Limits for the tiny HTTP server.
const MAX_HTTP_HEADER: usize = 16 * 1024;
const MAX_HTTP_BODY: usize = 64 * 1024;
const HTTP_IO_TIMEOUT: Duration = Duration::from_secs(5);

fn serve_one(tsa: &TestTsa, mut stream: TcpStream) -> std::io::Result<()> {
    stream.set_read_timeout(Some(HTTP_IO_TIMEOUT))?;
    stream.set_write_timeout(Some(HTTP_IO_TIMEOUT))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
        if buf.len() > MAX_HTTP_HEADER {
            return write_status(&mut stream, "431 Request Header Fields Too Large");
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_string();
    if !head.starts_with("POST ") {
        return write_status(&mut stream, "405 Method Not Allowed");
    }
    let content_length = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok());
    let Some(len) = content_length else {
        return write_status(&mut stream, "411 Length Required");
    };
    if len > MAX_HTTP_BODY {
        return write_status(&mut stream, "413 Content Too Large");
    }
    let mut body = buf[header_end..].to_vec();
    while body.len() < len {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Ok(());
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(len);
    let reply = tsa.respond(&body);
    let header = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/timestamp-reply\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        reply.len()
    );
    stream.write_all(header.as_bytes())?;
    stream.write_all(&reply)?;
    stream.flush()
}

fn write_status(stream: &mut TcpStream, status: &str) -> std::io::Result<()> {
    stream.write_all(format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").as_bytes())
}

/// Handle of a running [`TestTsa::serve_http`] server; dropping it stops the server.
pub struct TsaHttpServer {
    url: String,
    addr: std::net::SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TsaHttpServer {
    /// `http://127.0.0.1:PORT/tsa`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for TsaHttpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept() so the thread sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
