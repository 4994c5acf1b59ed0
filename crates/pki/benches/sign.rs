//! CMS signing cost (what one PAdES signature costs apart from hashing the PDF and the TSA trip).

use criterion::{Criterion, criterion_group, criterion_main};
use ecert_pki::DigestAlgorithm;
use ecert_pki::cms::{self, CmsSignOptions, SignedData};
use ecert_pki::testpki::{TestPki, TestSigner};

fn bench_sign(c: &mut Criterion) {
    let pki = TestPki::shared().expect("test PKI");
    let digest = DigestAlgorithm::Sha256.digest(b"stand-in for the PDF byte ranges");
    let options = CmsSignOptions::default();
    for (name, signer) in
        [("cms_sign_rsa2048_sha256", TestSigner::ValidRsa), ("cms_sign_ec_p256_sha256", TestSigner::ValidEcP256)]
    {
        let creds = &pki.signer(signer).credentials;
        c.bench_function(name, |b| b.iter(|| cms::sign_detached_digest(creds, &digest, &options).expect("sign")));
    }
    let pss = CmsSignOptions { digest: DigestAlgorithm::Sha256, use_pss: true };
    let rsa = &pki.signer(TestSigner::ValidRsa).credentials;
    c.bench_function("cms_sign_rsa2048_pss_sha256", |b| {
        b.iter(|| cms::sign_detached_digest(rsa, &digest, &pss).expect("sign"))
    });

    let one_mb = vec![0x5au8; 1 << 20];
    c.bench_function("sha256_1mb_plus_cms_sign_rsa2048", |b| {
        b.iter(|| cms::sign_detached(rsa, &one_mb, &options).expect("sign"))
    });

    let der = cms::sign_detached_digest(rsa, &digest, &options).expect("sign");
    c.bench_function("cms_parse_and_verify_rsa2048", |b| {
        b.iter(|| {
            let sd = SignedData::parse(&der).expect("parse");
            let si = &sd.signer_infos()[0];
            let cert = si.find_signer_certificate(sd.certificates()).expect("cert");
            si.verify_signature(cert).expect("verify");
        })
    });
}

criterion_group!(benches, bench_sign);
criterion_main!(benches);
