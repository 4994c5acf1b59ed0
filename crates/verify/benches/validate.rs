//! Per-document validation time of a ~1 MB single-signature PDF (RSA-2048, SHA-256) against the
//! physical floor measured in the same run: SHA-256 over the covered bytes plus one RSA verify.
//!
//! `cargo bench -p ecert-verify --bench validate`

use aws_lc_rs::digest;
use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use criterion::{Criterion, black_box, criterion_group, criterion_main};
use der::{Decode, Encode};
use ecert_pdf::Document;
use ecert_pdf::samples::{self, DocumentKind, SampleDocument};
use ecert_pdf::sign::{SignOptions, sign_pdf};
use ecert_pki::testpki::{TestPki, TestSigner};
use ecert_verify::{Indication, TrustContext, ValidationPolicy, validate_pdf};

/// Pseudo-random filler so the attachment does not compress away.
fn filler(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x & 0xff) as u8
        })
        .collect()
}

/// Total length of the DER element at the start of `der` (the /Contents is zero padded).
fn der_len(der: &[u8]) -> usize {
    let first = der[1] as usize;
    if first < 0x80 {
        return 2 + first;
    }
    let n = first & 0x7f;
    2 + n + der[2..2 + n].iter().fold(0usize, |a, b| (a << 8) | *b as usize)
}

struct Fixture {
    pdf: Vec<u8>,
    covered: [std::ops::Range<usize>; 2],
    signed_attrs: Vec<u8>,
    signature: Vec<u8>,
    public_key: Vec<u8>,
}

fn fixture(pki: &TestPki) -> Fixture {
    let mut doc = SampleDocument::example(DocumentKind::ConformityCertificate);
    doc.attachment = Some(("lab-data.bin".into(), filler(1024 * 1024)));
    let unsigned = samples::generate(&doc);
    let creds = &pki.signer(TestSigner::ValidRsa).credentials;
    let mut opts = SignOptions::new(creds);
    opts.signing_time = pki.now;
    let pdf = sign_pdf(&unsigned, &opts).expect("sign");

    let parsed = Document::parse(&pdf).expect("parse");
    let fields = parsed.signature_fields(parsed.latest()).expect("fields");
    let sig = fields.iter().find_map(|f| f.signature.clone()).expect("signature");
    let br: Vec<usize> = sig
        .dict
        .get(b"ByteRange")
        .unwrap()
        .value
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.value.as_int().unwrap() as usize)
        .collect();
    let contents = sig.dict.get(b"Contents").unwrap().value.as_string().unwrap().bytes.clone();
    let len = der_len(&contents);
    let ci = ContentInfo::from_der(&contents[..len]).expect("cms");
    let sd: SignedData = ci.content.decode_as().expect("signed data");
    let si = sd.signer_infos.0.get(0).expect("signer info");
    let public_key =
        creds.certificate.inner().tbs_certificate.subject_public_key_info.subject_public_key.raw_bytes().to_vec();
    drop(parsed);
    Fixture {
        covered: [0..br[1], br[2]..br[2] + br[3]],
        signed_attrs: si.signed_attrs.as_ref().unwrap().to_der().unwrap(),
        signature: si.signature.as_bytes().to_vec(),
        public_key,
        pdf,
    }
}

fn bench(c: &mut Criterion) {
    let pki = TestPki::shared().expect("test PKI");
    let f = fixture(pki);
    let mut trust = TrustContext::empty();
    trust.add_anchor_der(pki.root_certificate().der()).unwrap();
    let policy = ValidationPolicy::default();
    let report = validate_pdf(&f.pdf, &policy, &trust, Some(pki.now));
    assert_eq!(report.document.indication, Indication::TotalPassed, "{report}");
    // For timing other validators (pyHanko) on the very same file.
    if let Some(path) = std::env::var_os("ECERT_BENCH_WRITE_PDF") {
        std::fs::write(&path, &f.pdf).expect("write benchmark PDF");
        std::fs::write(std::path::Path::new(&path).with_extension("root.pem"), pki.root_certificate().to_pem())
            .expect("write root");
    }
    println!("document: {} bytes, signature covers {} bytes", f.pdf.len(), f.covered[0].len() + f.covered[1].len());

    let mut group = c.benchmark_group("validate_1mb_rsa2048_sha256");
    group.bench_function("floor_sha256_plus_rsa_verify", |b| {
        b.iter(|| {
            let mut ctx = digest::Context::new(&digest::SHA256);
            ctx.update(&f.pdf[f.covered[0].clone()]);
            ctx.update(&f.pdf[f.covered[1].clone()]);
            black_box(ctx.finish());
            UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &f.public_key)
                .verify(&f.signed_attrs, &f.signature)
                .expect("verify");
        })
    });
    group.bench_function("validate_pdf", |b| {
        b.iter(|| black_box(validate_pdf(black_box(&f.pdf), &policy, &trust, Some(pki.now))))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
