//! ecert-pki: the X.509 / CMS / PKI toolbox of ecert.
//!
//! ASN.1 types come from the RustCrypto crates (der 0.7, x509-cert 0.2, cms 0.2, x509-ocsp 0.2,
//! x509-tsp 0.1, spki 0.7); every cryptographic operation (digests, RSA PKCS#1 v1.5 / PSS,
//! ECDSA P-256 / P-384, Ed25519, randomness) goes through aws-lc-rs. Certificates, CRLs and
//! OCSP responses are built by DER-encoding the TBS structure and signing it ourselves.
//!
//! All fallible functions return [`Result<T>`] = `Result<T, Error>` (one error type,
//! [`Error`]), except [`cert::check_registrable`], whose rejection is a domain answer
//! ([`cert::CertRejection`]), not a failure.
//!
//! # API overview (stable; signatures below are what other crates code against)
//!
//! ## `alg` — algorithms and signature verification
//! - `enum DigestAlgorithm { Sha256, Sha384, Sha512 }`: `oid()`, `from_oid(&Oid)`, `from_algorithm_identifier(&AlgorithmIdentifierOwned)`,
//!   `algorithm_identifier()`, `digest(&[u8]) -> Vec<u8>`, `output_len()`, `name()`,
//!   `hasher() -> Hasher` (incremental: `update(&[u8])`, `finish() -> Vec<u8>`). SHA-1/MD5 are refused.
//! - `enum SignatureAlgorithm { RsaPkcs1v15(DigestAlgorithm), RsaPss(DigestAlgorithm), Ecdsa(DigestAlgorithm), Ed25519 }`:
//!   `from_algorithm_identifier(&AlgorithmIdentifierOwned)` (RSA-PSS params checked: MGF1 with the same hash,
//!   salt length = hash length, trailer 1), `from_cms(digest_alg, signature_alg)` (CMS may name only
//!   `rsaEncryption` / `id-ecPublicKey`), `algorithm_identifier() -> Result<AlgorithmIdentifierOwned>`, `digest()`, `name()`.
//! - `verify_signature(spki_der, &SignatureAlgorithm, message, signature) -> Result<()>` (RSA >= 2048 bits;
//!   ECDSA P-256/P-384 with any SHA-2; Ed25519). `Error::BadSignature` when it does not verify.
//!   `verify_signature_allow_weak_rsa(..)` also takes RSA 1024..2047 (PKCS#1 SHA-256/512) for "weak key" reporting.
//! - `DigestAlgorithm::from_cms_identifier(id)`: SignerInfo digestAlgorithm, tolerating a signature OID there.
//! - `enum KeyKind { Rsa { bits }, EcP256, EcP384, Ed25519 }`, `key_kind_of_spki(spki_der)`.
//! - `enum IdHash { Sha1, Sha2(DigestAlgorithm) }`: hashes used as identifiers (OCSP CertID, ESS cert ids).
//!
//! ## `cert` — parsed certificates and registry admission
//! - `Certificate` (owns the original DER; known extensions parsed eagerly, malformed or duplicated
//!   extensions are a parse error): `from_der`, `from_pem` (exactly one), `parse_pem_bundle(&str) -> Vec`,
//!   `parse_any(&[u8]) -> Vec` (PEM bundle or one DER), `der()`, `tbs_der()` (as encoded), `to_pem()`, `inner()`
//!   (x509-cert type), `version() -> u8`, `subject()` / `issuer()` (RFC 4514), `subject_der()` / `issuer_der()`
//!   (Name DER, for matching), `serial_hex()`, `serial_bytes()`, `not_before()` / `not_after()`
//!   (`time::OffsetDateTime`), `is_valid_at(t)`, `sha256_fingerprint() -> [u8; 32]`, `fingerprint_hex()`,
//!   `spki_der()`, `key_kind() -> Result<KeyKind>`, `key_usage() -> Option<KeyUsage>`,
//!   `extended_key_usage() -> Option<&[Oid]>`, `is_eku_critical()`, `basic_constraints() -> Option<BasicConstraints { ca, path_len }>`,
//!   `is_ca()`, `subject_key_id()`, `authority_key_id()`, `extensions() -> &[ExtensionInfo { oid, critical }]`,
//!   `critical_extensions()`, `unhandled_critical_extensions()` (outside `HANDLED_CRITICAL_EXTENSIONS`),
//!   `signature_algorithm() -> Result<SignatureAlgorithm>`, `verify_issued_by(&issuer) -> Result<()>`, `is_self_issued()`.
//! - `KeyUsage` bit set: `DIGITAL_SIGNATURE`, `NON_REPUDIATION`, `KEY_CERT_SIGN`, `CRL_SIGN`, ...; `contains`, `intersects`, `names()`, `|`.
//! - `check_registrable(&Certificate, now) -> Result<CertFacts, CertRejection>`: Public Key Registry admission
//!   (v3; RSA >= 2048, EC P-256/P-384 or Ed25519; verifiable signature algorithm; KU fit for the role; EKU (if any)
//!   allows document signing; no unhandled critical extension; inside validity). `CertRejection::code()` is a
//!   stable machine name; `CertFacts` is `Serialize`.
//!
//! ## `keys` — signing keys
//! - `SigningKey`: `load(bytes, Option<passphrase>)` (PEM or DER; PKCS#8 plain/encrypted, PKCS#1 / SEC1 PEM),
//!   `from_pkcs8_der`, `from_encrypted_pkcs8_der(der, passphrase)`, `from_pkcs8_pem(pem, Option<passphrase>)`,
//!   `generate(KeyKind)`, `kind()`, `spki_der()`, `check_matches(&Certificate)` (`Error::KeyCertMismatch`),
//!   `signature_algorithm(digest, use_pss) -> Result<SignatureAlgorithm>`, `sign(&SignatureAlgorithm, msg) -> Result<Vec<u8>>`,
//!   `to_pkcs8_der()`, `to_pkcs8_pem()`, `to_encrypted_pkcs8_der/pem(passphrase)`.
//! - `SignerCredentials { key, certificate, chain }`: `new(key, cert, chain)` (checks the match),
//!   `from_pkcs12(bytes, passphrase)`, `from_key_and_certs(key_bytes, cert_bytes, Option<passphrase>)`
//!   (the cert matching the key is the signer, the rest the chain), `to_pkcs12(passphrase)`.
//!   Wrong passphrase is always `Error::WrongPassphrase`; missing one `Error::PassphraseRequired`.
//!
//! ## `cms` — CAdES detached SignedData (PAdES B-B / B-T)
//! - `CmsSignOptions { digest: DigestAlgorithm, use_pss: bool }` (Default: SHA-256, PKCS#1 v1.5).
//! - `sign_detached(&SignerCredentials, content, &CmsSignOptions) -> Result<Vec<u8>>`,
//!   `sign_detached_digest(&SignerCredentials, content_digest, &CmsSignOptions)`: ContentInfo(SignedData) DER;
//!   signed attrs content-type, message-digest, signing-certificate-v2 (with issuerSerial); no signingTime;
//!   sid = issuerAndSerialNumber; certificates = signer + chain.
//! - `add_signature_timestamp(signed_data_der, token_der) -> Result<Vec<u8>>` (keeps everything else byte-exact),
//!   `timestamp_signature(signed_data_der, &dyn TsaClient, DigestAlgorithm) -> Result<Vec<u8>>` (B-T in one call).
//! - `SignedData::parse(bytes)` / `SignedData::parse_padded(bytes)` (accepts trailing 0x00 as in /Contents; BER input
//!   is normalised to DER, `was_ber()` tells): `der()`, `version()`, `content_type()`, `encapsulated_content()`, `digest_algorithms()`, `certificates()`,
//!   `other_certificate_count()`, `crls() -> &[Vec<u8>]` (raw RevocationInfoChoice TLVs), `signer_infos() -> &[SignerInfo]`.
//! - `SignerInfo`: `der()`, `version()`, `sid() -> &SignerId { IssuerSerial { issuer_der, serial } | SubjectKeyId(..) }`,
//!   `digest_algorithm()`, `signature_algorithm_id()`, `signature_algorithm() -> Result<SignatureAlgorithm>`,
//!   `signed_attrs_der()` (exact bytes as signed, SET tag), `signed_attrs()`, `unsigned_attrs()`, `signature()`,
//!   `message_digest()`, `content_type_attr()`, `signing_time()` (errors on repeated/multi-valued attributes),
//!   `signing_certificate_v2()` / `signing_certificate_v1() -> Result<Option<Vec<EssCertId>>>` (`EssCertId::matches(&cert)`),
//!   `signature_timestamp_tokens() -> Result<Vec<Vec<u8>>>`, `find_signer_certificate(&[Certificate])`,
//!   `verify_signature(&Certificate)`, `verify_signature_over_content(&Certificate, content)` (no signed attrs,
//!   PKCS#7 style), `digest()`, `check_content(content)`, `check_content_digest(digest)`.
//! - `SignedData::parse_prefix(bytes) -> (SignedData, consumed)`: tolerates any trailing data, reports its start.
//!
//! ## `tsp` — RFC 3161
//! - `TimeStampRequest::new(digest_alg, digest)` (random nonce, certReq = true): `der()`, `nonce()`.
//! - `parse_response(resp_der, &TimeStampRequest) -> Result<Vec<u8>>` (status, nonce, imprint; returns token DER).
//! - `TimeStampToken::parse(token_der)`: `der()`, `tst_info() -> &TstInfo { policy, imprint_algorithm, imprint,
//!   serial_hex, gen_time, nonce, tsa_name }`, `signed_data()`, `check_imprint(alg, digest)`,
//!   `verify(extra_certs) -> Result<Certificate>` (CMS signature, eContent digest, ESS cert id, TSA cert with
//!   critical EKU timeStamping only; path validation is the caller's job).
//! - `trait TsaClient: Send + Sync { fn timestamp(&self, DigestAlgorithm, &[u8]) -> Result<Vec<u8>> }` (token DER).
//! - `HttpTsaClient::new(url)` + `with_timeout`, `with_max_response_bytes` (blocking reqwest: call off the async runtime).
//!   Unreachable TSA: `Error::TsaUnavailable { url, reason }`.
//! - `TestTsa::new(Arc<SignerCredentials>)` (+ `with_fixed_time(t)`): `respond(req_der) -> Vec<u8>`, implements
//!   `TsaClient`, `serve_http(self: &Arc<Self>) -> Result<TsaHttpServer>` (`url()` = `http://127.0.0.1:PORT/tsa`, stops on drop).
//!
//! ## `crl` / `ocsp` — revocation data
//! - `CrlBuilder::new(&issuer_creds, this_update, next_update, number).revoke(serial, time, Option<CrlReason>).build() -> Result<Crl>`.
//! - `Crl::from_der / from_pem`: `der()`, `to_pem()`, `issuer()`, `issuer_der()`, `this_update()`, `next_update()`,
//!   `crl_number_hex()`, `entries() -> &[RevokedEntry { serial, revoked_at, reason }]`, `find(serial_bytes)`,
//!   `is_fresh_at(t)`, `verify_signature(&issuer_cert)` (name, cRLSign, signature).
//! - `OcspResponseBuilder::new(&responder_creds, &issuer_cert, produced_at).status(&cert, CertStatus, this_update,
//!   Option<next_update>).build() -> Result<OcspResponse>` (SHA-1 CertIDs by default; `cert_id_hash(..)`).
//! - `OcspResponse::from_der` / `from_basic_der`: `der()`, `response_status()`, `produced_at()`,
//!   `responses() -> &[SingleStatus]`, `certificates()`, `find_status(&cert, &issuer)`,
//!   `verify_signature(&issuer) -> Result<Certificate>` (issuer-signed, or delegated responder with id-kp-OCSPSigning).
//! - `enum CertStatus { Good, Revoked { time, reason }, Unknown }`; `SingleStatus::is_fresh_at(t)`.
//!
//! ## `builder` — certificate construction (test PKI and custom test scenarios)
//! - `CertificateBuilder::new(subject_rfc4514, spki_der)` + `serial`, `validity`, `key_usage`, `extended_key_usage`,
//!   `ca(path_len)`, `version1()`, `extension(oid, critical, der)`, `signature_digest`,
//!   `build(&issuer_creds)` / `build_self_signed(&key)`.
//!
//! ## `testpki` — an in-memory test PKI
//! - `TestPki::generate()`, `generate_at(now)`, `TestPki::shared() -> Result<&'static TestPki>` (once per process).
//! - Fields `now`, `root`, `ca`, `tsa`, `ocsp_responder` (all `Arc<SignerCredentials>`); `signer(TestSigner) -> &TestIdentity
//!   { credentials, ocsp }` for `TestSigner::{ValidRsa, ValidEcP256, ValidEcP384, Expired, NotYetValid, Revoked,
//!   KeyCertSignOnly, NoDigitalSignature}`; `root_certificate()`, `crl()`, `root_crl()`, `test_tsa() -> Arc<TestTsa>`.
//! - `write_pem_dir(dir) -> Result<Vec<PathBuf>>`: PEM certs and PKCS#8 keys, CRLs, OCSP responses (DER),
//!   `signer-valid-rsa.p12` (passphrase "demo"), README.md.
//!
//! Limits: `MAX_DER_LEN` (16 MiB per DER object), `MAX_PEM_LEN`, `MAX_ITEMS` (blocks, certificates, attributes,
//! signer infos per structure), `crl::MAX_CRL_ENTRIES`, KDF cost caps for encrypted keys, HTTP TSA response size
//! and timeout. No function panics on any input.

pub mod alg;
pub mod builder;
pub mod cert;
pub mod cms;
pub mod crl;
pub mod error;
pub mod keys;
pub mod ocsp;
pub mod testpki;
pub mod tsp;

mod ber;
mod encoding;

pub use alg::{DigestAlgorithm, KeyKind, SignatureAlgorithm};
pub use cert::{CertFacts, CertRejection, Certificate, check_registrable};
pub use encoding::{MAX_DER_LEN, MAX_ITEMS, MAX_PEM_LEN};
pub use error::{Error, Result};
pub use keys::{SignerCredentials, SigningKey};
