//! The offline checker on a complete bundle built here as the hub builds one: a PDF signed by a test PKI that
//! expired years ago, its report, PKI data, the submission event in a Merkle tree, a signed checkpoint. Every
//! part is then tampered with in turn, and the check that must notice it is named.

use ecert_domain::audit::{AuditEvent, Digest, EventType};
use ecert_domain::country::CountryCode;
use ecert_domain::document::{DocumentStatus, NewDocumentMetadata, VERIFICATION_DISCLAIMER};
use ecert_domain::ids::{DocumentId, InstitutionId};
use ecert_evidence::{
    BundleAudit, BundleDocument, BundlePkiData, CheckKind, EvidenceBundle, FORMAT, evidence_commitment,
    evidence_subject, verify_bundle,
};
use ecert_pdf::samples::{DocumentKind, SampleDocument, generate};
use ecert_pdf::sign::{SignOptions, sign_pdf};
use ecert_pki::testpki::{TestPki, TestSigner};
use ecert_translog::{Checkpoint, LogSigner, MemoryTree, VerifierKey, inclusion_proof, leaf_hash, root};
use ecert_verify::{TrustContext, ValidationPolicy, validate_pdf};
use std::sync::OnceLock;
use time::macros::{date, datetime};

const ORIGIN: &str = "hub.example/audit-log";

struct Fixture {
    bundle: EvidenceBundle,
    pdf: Vec<u8>,
    signer: LogSigner,
}

fn sha256(bytes: &[u8]) -> Digest {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes);
    Digest(d.as_ref().try_into().unwrap())
}

/// A PKI generated in 2016: every certificate expired long ago.
fn old_pki() -> &'static TestPki {
    static PKI: OnceLock<TestPki> = OnceLock::new();
    PKI.get_or_init(|| TestPki::generate_at(datetime!(2016-03-01 10:00 UTC)).unwrap())
}

fn fixture() -> Fixture {
    let pki = old_pki();
    let credentials = &pki.signer(TestSigner::ValidRsa).credentials;
    let pdf = sign_pdf(&generate(&SampleDocument::example(DocumentKind::TestReport)), &SignOptions::new(credentials))
        .unwrap();
    let signer_der = credentials.certificate.der().to_vec();
    let submitted_at = pki.now + time::Duration::days(2);

    // What the hub stored at push: the report of a validation against the registered certificate.
    let mut trust = TrustContext::empty();
    trust.add_anchor_der(&signer_der).unwrap();
    let report = validate_pdf(&pdf, &ValidationPolicy::default(), &trust, Some(submitted_at));
    assert_eq!(report.document.indication.as_str(), "TOTAL_PASSED", "{report}");
    let report = serde_json::to_value(&report).unwrap().to_string();
    let fingerprint = hex::encode(sha256(&signer_der).0);
    let pki_data = BundlePkiData {
        certificates: vec![signer_der, pki.ca.certificate.der().to_vec()],
        registry_facts_json: serde_json::json!({"signer_certificate": {"fingerprint_sha256": fingerprint}}).to_string(),
        ..Default::default()
    };
    let metadata = serde_json::from_value::<NewDocumentMetadata>(serde_json::json!({
        "document_number": "KZ-TR-2016-1",
        "document_type": "TR",
        "hs_codes": ["8471.30"],
        "product_description": "Portable computers",
        "issue_date": "2016-03-03",
        "valid_until": "2019-03-03",
        "destination_country": "UZ"
    }))
    .unwrap()
    .validate(date!(2016 - 03 - 03))
    .unwrap();
    let document = BundleDocument {
        id: DocumentId::new(),
        issuer: InstitutionId::new(),
        issuer_country: CountryCode::parse("KZ").unwrap(),
        metadata,
        pdf_sha256: sha256(&pdf),
        pdf_size: pdf.len() as u64,
        submitted_at,
        status: DocumentStatus::Valid,
        status_history: vec![],
    };
    let mut bundle = EvidenceBundle {
        format: FORMAT.into(),
        disclaimer: VERIFICATION_DISCLAIMER.into(),
        document,
        report,
        pki_data,
        audit: BundleAudit {
            leaf_index: 0,
            leaf: vec![],
            tree_size: 0,
            inclusion_proof: vec![],
            checkpoint: String::new(),
            log_verifier_key: String::new(),
        },
    };

    // The submission event, among others, in the log.
    let mut event = AuditEvent::new(EventType::DocumentSubmitted, submitted_at);
    event.actor = Some(bundle.document.issuer);
    event.subject_institution = Some(bundle.document.issuer);
    event.subjects = vec![
        format!("document:{}", bundle.document.id),
        "certificate:x".into(),
        evidence_subject(&evidence_commitment(&bundle.evidence_parts())),
    ];
    event.after = Some(bundle.document.pdf_sha256);
    let leaf = event.canonical_bytes();
    let mut leaves: Vec<Vec<u8>> = (0..6).map(|i| format!("other event {i}").into_bytes()).collect();
    leaves.insert(3, leaf.clone());
    let mut tree = MemoryTree::new();
    tree.append_data(leaves.iter().map(Vec::as_slice)).unwrap();
    let size = leaves.len() as u64;
    let (signer, _) = LogSigner::generate(ORIGIN).unwrap();
    let head = root(&tree, size).unwrap();
    bundle.audit = BundleAudit {
        leaf_index: 3,
        leaf,
        tree_size: size,
        inclusion_proof: inclusion_proof(&tree, 3, size).unwrap(),
        checkpoint: Checkpoint::new(ORIGIN, size, head).sign(&signer).unwrap().encode(),
        log_verifier_key: signer.verifier_key().to_string(),
    };
    assert_eq!(leaf_hash(&bundle.audit.leaf), leaf_hash(&leaves[3]));
    Fixture { bundle, pdf, signer }
}

fn pinned(f: &Fixture) -> VerifierKey {
    VerifierKey::parse(&f.signer.verifier_key().to_string()).unwrap()
}

/// The checks that failed.
fn failures(bundle: &EvidenceBundle, pdf: &[u8], key: Option<&VerifierKey>) -> Vec<CheckKind> {
    verify_bundle(bundle, pdf, key).checks.into_iter().filter(|c| !c.passed).map(|c| c.kind).collect()
}

#[test]
fn a_genuine_bundle_passes_every_check_years_after_the_certificates_expired() {
    let f = fixture();
    let key = pinned(&f);
    let v = verify_bundle(&f.bundle, &f.pdf, Some(&key));
    assert!(v.passed(), "{:#?}", v.checks);
    assert!(v.key_pinned);
    assert_eq!(v.checks.len(), 5);
    assert!(v.outcome(CheckKind::PdfSignature).unwrap().detail.contains("TOTAL_PASSED"));
    // The bundle survives its own JSON round trip unchanged.
    let again = EvidenceBundle::from_json(&f.bundle.to_json()).unwrap();
    assert!(verify_bundle(&again, &f.pdf, Some(&key)).passed());
}

#[test]
fn without_a_pinned_key_the_bundle_key_is_used_and_said_so() {
    let f = fixture();
    let v = verify_bundle(&f.bundle, &f.pdf, None);
    assert!(v.passed(), "{:#?}", v.checks);
    assert!(!v.key_pinned);
    assert!(v.outcome(CheckKind::CheckpointSignature).unwrap().detail.contains("not pinned"));
}

#[test]
fn a_changed_pdf_byte_fails_the_digest_and_the_signature() {
    let f = fixture();
    let mut pdf = f.pdf.clone();
    let at = pdf.len() / 3;
    pdf[at] ^= 0x01;
    let failed = failures(&f.bundle, &pdf, Some(&pinned(&f)));
    assert!(failed.contains(&CheckKind::PdfDigest) && failed.contains(&CheckKind::PdfSignature), "{failed:?}");
    // A different PDF altogether, with the bundle's digest claimed for it, still fails the digest.
    let mut truncated = f.pdf.clone();
    truncated.pop();
    assert!(failures(&f.bundle, &truncated, Some(&pinned(&f))).contains(&CheckKind::PdfDigest));
}

#[test]
fn every_tampered_part_of_the_bundle_is_caught_by_the_leaf_commitment() {
    let f = fixture();
    let key = pinned(&f);
    type Edit = fn(&mut EvidenceBundle);
    let edits: Vec<(&str, Edit)> = vec![
        ("metadata", |b| b.document.metadata.product_description.push('!')),
        ("issuer country", |b| b.document.issuer_country = CountryCode::parse("UZ").unwrap()),
        ("submission time", |b| b.document.submitted_at += time::Duration::seconds(1)),
        ("report", |b| b.report = b.report.replacen("TOTAL_PASSED", "TOTAL_PASSED ", 1)),
        ("certificate", |b| b.pki_data.certificates.pop().map(drop).unwrap_or(())),
        ("crl", |b| b.pki_data.crls.push(vec![0x30, 0x00])),
        ("ocsp", |b| b.pki_data.ocsp_responses.push(vec![0x30, 0x00])),
        ("timestamp", |b| b.pki_data.timestamps.push(vec![0x30, 0x00])),
        ("registry facts", |b| b.pki_data.registry_facts_json.push(' ')),
    ];
    for (what, edit) in edits {
        let mut b = f.bundle.clone();
        edit(&mut b);
        let failed = failures(&b, &f.pdf, Some(&key));
        assert!(failed.contains(&CheckKind::LogLeaf), "{what}: {failed:?}");
    }
    // A consistent substitution of the document identity: the event names the original document.
    let mut b = f.bundle.clone();
    b.document.id = DocumentId::new();
    assert_eq!(failures(&b, &f.pdf, Some(&key)), vec![CheckKind::LogLeaf]);
}

#[test]
fn a_tampered_leaf_proof_or_checkpoint_is_caught() {
    let f = fixture();
    let key = pinned(&f);
    // One leaf byte anywhere (here a digit of the event time): its hash is no longer in the tree.
    let mut b = f.bundle.clone();
    let at = b.audit.leaf.len() - 3;
    b.audit.leaf[at] ^= 0x01;
    assert_eq!(failures(&b, &f.pdf, Some(&key)), vec![CheckKind::InclusionProof]);
    // One byte of the logged commitment: the leaf no longer matches the bundle either.
    let mut b = f.bundle.clone();
    let text = String::from_utf8(b.audit.leaf.clone()).unwrap();
    let at = text.find("evidence:").unwrap() + "evidence:".len();
    b.audit.leaf[at] = if b.audit.leaf[at] == b'0' { b'1' } else { b'0' };
    assert_eq!(failures(&b, &f.pdf, Some(&key)), vec![CheckKind::LogLeaf, CheckKind::InclusionProof]);

    // Another (genuine) leaf of the log: not the submission of this document.
    let mut b = f.bundle.clone();
    b.audit.leaf = b"other event 0".to_vec();
    b.audit.leaf_index = 0;
    let failed = failures(&b, &f.pdf, Some(&key));
    assert!(failed.contains(&CheckKind::LogLeaf), "{failed:?}");

    // One proof hash.
    let mut b = f.bundle.clone();
    b.audit.inclusion_proof[0] = ecert_translog::leaf_hash(b"forged");
    assert_eq!(failures(&b, &f.pdf, Some(&key)), vec![CheckKind::InclusionProof]);

    // The leaf index.
    let mut b = f.bundle.clone();
    b.audit.leaf_index = 2;
    assert_eq!(failures(&b, &f.pdf, Some(&key)), vec![CheckKind::InclusionProof]);

    // The tree size, alone or with a re-signed-looking text.
    let mut b = f.bundle.clone();
    b.audit.tree_size += 1;
    assert_eq!(failures(&b, &f.pdf, Some(&key)), vec![CheckKind::InclusionProof]);
    let mut b = f.bundle.clone();
    b.audit.checkpoint = b.audit.checkpoint.replacen("\n7\n", "\n8\n", 1);
    assert_ne!(b.audit.checkpoint, f.bundle.audit.checkpoint);
    let failed = failures(&b, &f.pdf, Some(&key));
    assert!(
        failed.contains(&CheckKind::CheckpointSignature) && failed.contains(&CheckKind::InclusionProof),
        "{failed:?}"
    );

    // The checkpoint's signature line.
    let mut b = f.bundle.clone();
    let sig_line = b.audit.checkpoint.lines().last().unwrap().to_owned();
    let (prefix, sig) = sig_line.rsplit_once(' ').unwrap();
    let mut chars: Vec<char> = sig.chars().collect();
    chars[10] = if chars[10] == 'A' { 'B' } else { 'A' };
    let forged_line = format!("{prefix} {}", chars.into_iter().collect::<String>());
    b.audit.checkpoint = b.audit.checkpoint.replace(&sig_line, &forged_line);
    assert_eq!(failures(&b, &f.pdf, Some(&key)), vec![CheckKind::CheckpointSignature]);

    // A checkpoint signed by another key, with that key in the bundle: only a pinned key catches it.
    let (forger, _) = LogSigner::generate(ORIGIN).unwrap();
    let root = ecert_translog::SignedCheckpoint::parse(f.bundle.audit.checkpoint.as_bytes()).unwrap().unverified().root;
    let mut b = f.bundle.clone();
    b.audit.checkpoint = Checkpoint::new(ORIGIN, b.audit.tree_size, root).sign(&forger).unwrap().encode();
    b.audit.log_verifier_key = forger.verifier_key().to_string();
    assert_eq!(failures(&b, &f.pdf, Some(&key)), vec![CheckKind::CheckpointSignature]);
    assert!(failures(&b, &f.pdf, None).is_empty());

    // A garbled bundle key, unpinned.
    let mut b = f.bundle.clone();
    b.audit.log_verifier_key = "not a key".into();
    assert_eq!(failures(&b, &f.pdf, None), vec![CheckKind::CheckpointSignature]);
}

#[test]
fn a_pdf_signed_by_another_key_fails_revalidation_even_with_a_matching_bundle() {
    // A bundle rebuilt around a PDF signed by an unregistered signer: the digest and log may be consistent
    // (a forger with the log key), but the hub's anchors do not trust it.
    let f = fixture();
    let pki = old_pki();
    let other = &pki.signer(TestSigner::ValidEcP256).credentials;
    let pdf =
        sign_pdf(&generate(&SampleDocument::example(DocumentKind::TestReport)), &SignOptions::new(other)).unwrap();
    let failed = failures(&f.bundle, &pdf, Some(&pinned(&f)));
    assert!(failed.contains(&CheckKind::PdfSignature) && failed.contains(&CheckKind::PdfDigest), "{failed:?}");
    let detail = verify_bundle(&f.bundle, &pdf, None).outcome(CheckKind::PdfSignature).unwrap().detail.clone();
    assert!(detail.contains("INDETERMINATE"), "{detail}");
}
