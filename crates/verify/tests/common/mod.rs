//! Fixture builders shared by the attack and scenario suites: documents signed with the test
//! PKI, and byte-level editors that keep every offset (and so the xref) valid.

#![allow(dead_code)]

use ecert_pdf::samples::{self, DocumentKind, SampleDocument};
use ecert_pdf::sign::{SignOptions, sign_pdf};
use ecert_pdf::{Document, Span};
use ecert_pki::testpki::{TestPki, TestSigner};
use ecert_pki::tsp::TsaClient;
use ecert_verify::{Report, TrustContext, ValidationPolicy, validate_pdf};

pub fn pki() -> &'static TestPki {
    TestPki::shared().expect("test PKI")
}

pub fn unsigned() -> Vec<u8> {
    samples::generate(&SampleDocument::example(DocumentKind::ConformityCertificate))
}

pub fn sign_with(input: &[u8], who: TestSigner, field: &str, tsa: Option<&dyn TsaClient>) -> Vec<u8> {
    let creds = &pki().signer(who).credentials;
    let mut opts = SignOptions::new(creds);
    opts.field_name = Some(field.to_string());
    opts.tsa = tsa;
    opts.signing_time = pki().now;
    sign_pdf(input, &opts).expect("sign")
}

pub fn signed() -> Vec<u8> {
    sign_with(&unsigned(), TestSigner::ValidRsa, "Signature1", None)
}

pub fn trust() -> TrustContext {
    let mut t = TrustContext::empty();
    t.add_anchor_der(pki().root_certificate().der()).expect("anchor");
    t
}

pub fn validate(bytes: &[u8], trust: &TrustContext) -> Report {
    validate_pdf(bytes, &ValidationPolicy::default(), trust, Some(pki().now))
}

/// Where the newest signature's /Contents and /ByteRange values sit in the file.
pub struct SigLayout {
    pub contents: Span,
    pub byte_range: Span,
    pub dict_object: Span,
}

pub fn layout(bytes: &[u8]) -> SigLayout {
    let doc = Document::parse(bytes).expect("parse");
    let fields = doc.signature_fields(doc.latest()).expect("fields");
    let sig = fields.iter().rev().find_map(|f| f.signature.clone()).expect("a signature");
    SigLayout {
        contents: sig.dict.get(b"Contents").expect("Contents").span,
        byte_range: sig.dict.get(b"ByteRange").expect("ByteRange").span,
        dict_object: sig.object_span.expect("indirect signature dictionary"),
    }
}

/// Replace `span` with `text` padded with spaces to the same length (offsets stay valid).
pub fn overwrite(bytes: &mut [u8], span: Span, text: &str) {
    assert!(text.len() <= span.len(), "replacement longer than the original");
    let mut padded = text.as_bytes().to_vec();
    padded.resize(span.len(), b' ');
    bytes[span.start..span.end].copy_from_slice(&padded);
}

/// Replace the first occurrence of `from` at or after `start` by `to` (same length).
pub fn patch(bytes: &mut [u8], start: usize, from: &[u8], to: &[u8]) {
    assert_eq!(from.len(), to.len());
    let at = bytes[start..].windows(from.len()).position(|w| w == from).expect("pattern") + start;
    bytes[at..at + to.len()].copy_from_slice(to);
}

/// The DER CMS held in the newest signature's /Contents (zero padding removed).
pub fn cms_of(bytes: &[u8]) -> Vec<u8> {
    let l = layout(bytes);
    let hex_text = &bytes[l.contents.start + 1..l.contents.end - 1];
    let raw = hex::decode(hex_text).expect("hex");
    let len = der_len(&raw);
    raw[..len].to_vec()
}

/// Total length of the DER element at the start of `der`.
pub fn der_len(der: &[u8]) -> usize {
    let first = der[1] as usize;
    if first < 0x80 {
        2 + first
    } else {
        let n = first & 0x7f;
        let len = der[2..2 + n].iter().fold(0usize, |a, b| (a << 8) | *b as usize);
        2 + n + len
    }
}

/// Write `cms` into the newest signature's /Contents, zero padded (the hash is unaffected).
pub fn replace_cms(bytes: &mut [u8], cms: &[u8]) {
    let l = layout(bytes);
    let capacity = (l.contents.len() - 2) / 2;
    assert!(cms.len() <= capacity, "CMS does not fit");
    let mut padded = cms.to_vec();
    padded.resize(capacity, 0);
    let hex_text = hex::encode_upper(&padded);
    bytes[l.contents.start + 1..l.contents.end - 1].copy_from_slice(hex_text.as_bytes());
}

pub fn only(report: &Report) -> &ecert_verify::report::SignatureReport {
    assert_eq!(report.signatures.len(), 1, "{report}");
    &report.signatures[0]
}
