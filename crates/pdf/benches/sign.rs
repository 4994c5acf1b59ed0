//! Signing a 1 MB PDF (B-B, RSA-2048, SHA-256), excluding any TSA round trip; also the parse
//! alone, and the physical floor (SHA-256 over 1 MB plus one RSA signature) for comparison.

use criterion::{Criterion, criterion_group, criterion_main};
use ecert_pdf::Document;
use ecert_pdf::samples::{DocumentKind, SampleDocument, generate};
use ecert_pdf::sign::{SignOptions, sign_pdf};
use ecert_pki::DigestAlgorithm;
use ecert_pki::testpki::{TestPki, TestSigner};

/// A sample certificate with a ~1 MB attachment of incompressible-looking data.
fn one_megabyte_pdf() -> Vec<u8> {
    let mut doc = SampleDocument::example(DocumentKind::TestReport);
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let data: Vec<u8> = (0..1_000_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    doc.attachment = Some(("measurements.bin".into(), data));
    generate(&doc)
}

fn bench_sign(c: &mut Criterion) {
    let pdf = one_megabyte_pdf();
    let pki = TestPki::shared().expect("test PKI");
    let credentials = &pki.signer(TestSigner::ValidRsa).credentials;
    let options = SignOptions::new(credentials);
    let mut group = c.benchmark_group("sign_1mb_rsa2048");
    group.bench_function("sign_pdf", |b| b.iter(|| sign_pdf(&pdf, &options).expect("sign")));
    group.bench_function("parse_only", |b| b.iter(|| Document::parse(&pdf).expect("parse").revisions().len()));
    let algorithm = credentials.key.signature_algorithm(DigestAlgorithm::Sha256, false).expect("algorithm");
    group.bench_function("floor_sha256_plus_rsa_sign", |b| {
        b.iter(|| {
            let digest = DigestAlgorithm::Sha256.digest(&pdf);
            credentials.key.sign(&algorithm, &digest).expect("rsa")
        })
    });
    group.finish();
}

criterion_group!(benches, bench_sign);
criterion_main!(benches);
