//! The PDFs a CAB user uploads: sample test reports signed with the shared test PKI, whose ValidRsa signer the
//! demo CAB has registered (see `Hub::seed_demo` with a PKI).

use ecert_pdf::samples::{DocumentKind, SampleDocument, generate};
use ecert_pdf::sign::{SignOptions, sign_pdf};
use ecert_pki::testpki::{TestPki, TestSigner};
use std::path::{Path, PathBuf};
use time::{Date, Duration, OffsetDateTime};

pub fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

/// The HS code every test document covers, inside the demo CAB's scope.
pub const HS_CODE: &str = "8471.30";

/// A test report for HS 8471.30 to Uzbekistan, valid for a year, not signed.
pub fn unsigned_pdf(number: &str) -> Vec<u8> {
    let mut sample = SampleDocument::example(DocumentKind::TestReport);
    sample.number = number.to_owned();
    sample.hs_codes = vec![HS_CODE.into()];
    sample.issue_date = today();
    sample.valid_until = Some(today() + Duration::days(365));
    sample.destination = "Republic of Uzbekistan".into();
    generate(&sample)
}

pub fn signed_pdf(signer: TestSigner, number: &str) -> Vec<u8> {
    let pki = TestPki::shared().expect("test PKI");
    sign_pdf(&unsigned_pdf(number), &SignOptions::new(&pki.signer(signer).credentials)).expect("sign")
}

/// Writes `bytes` as `dir/name`, for a file input to pick up (the browser runs on this machine).
pub fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}
