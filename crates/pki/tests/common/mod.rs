#![allow(dead_code)]

use ecert_pki::testpki::{TestPki, TestSigner};
use ecert_pki::{Certificate, SignerCredentials};

pub fn pki() -> &'static TestPki {
    TestPki::shared().unwrap()
}

pub fn creds(which: TestSigner) -> &'static SignerCredentials {
    &pki().signer(which).credentials
}

pub fn cert(which: TestSigner) -> &'static Certificate {
    &creds(which).certificate
}

/// Replaces every occurrence of `from` with `to` (same length) in `bytes`.
pub fn patch(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let mut out = bytes.to_vec();
    let mut i = 0;
    let mut hits = 0;
    while i + from.len() <= out.len() {
        if &out[i..i + from.len()] == from {
            out[i..i + from.len()].copy_from_slice(to);
            hits += 1;
            i += from.len();
        } else {
            i += 1;
        }
    }
    assert!(hits > 0, "pattern not found");
    out
}
