//! The offline checks of an evidence bundle against a PDF. Each check is independent and reports PASS or FAIL
//! with the reason, so a user sees every problem at once; the bundle is good only if all pass.
//!
//! Together they tie the PDF to the log: (a) the PDF is the one the bundle names; (b) the logged submission
//! event names this document and PDF and commits to every other part of the bundle; (c) that event is in the
//! tree a checkpoint describes; (d) the log's key signed the checkpoint; (e) the PDF's signatures still give
//! the recorded verdict, judged as of the original validation time with the certificates the hub trusted then.

use crate::bundle::EvidenceBundle;
use crate::commitment::{EVIDENCE_SUBJECT_PREFIX, evidence_commitment, evidence_subject};
use ecert_domain::audit::{AuditEvent, EventType};
use ecert_translog::{Checkpoint, SignedCheckpoint, VerifierKey, leaf_hash, verify_inclusion};
use ecert_verify::{TrustContext, ValidationPolicy, validate_pdf};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// What a check establishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckKind {
    /// (a) The PDF's SHA-256 and size are the bundle's.
    PdfDigest,
    /// (b) The leaf is the document's `document_submitted` event and commits to the bundle.
    LogLeaf,
    /// (c) The inclusion proof leads from the leaf to the checkpoint's root.
    InclusionProof,
    /// (d) The checkpoint is signed by the log key.
    CheckpointSignature,
    /// (e) The PDF re-validates to the recorded verdict.
    PdfSignature,
}

impl CheckKind {
    /// A short stable name, printed by the CLI.
    pub fn label(self) -> &'static str {
        match self {
            CheckKind::PdfDigest => "pdf digest",
            CheckKind::LogLeaf => "log leaf",
            CheckKind::InclusionProof => "inclusion proof",
            CheckKind::CheckpointSignature => "checkpoint signature",
            CheckKind::PdfSignature => "pdf signature",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOutcome {
    pub kind: CheckKind,
    pub passed: bool,
    /// What was established, or why not.
    pub detail: String,
}

/// The result of [`verify_bundle`].
#[derive(Debug, Clone)]
pub struct Verification {
    /// One outcome per [`CheckKind`], in the order (a) to (e).
    pub checks: Vec<CheckOutcome>,
    /// Whether the checkpoint was checked with a key the caller supplied (pinned) rather than the bundle's own,
    /// which proves integrity but not who signed.
    pub key_pinned: bool,
}

impl Verification {
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.passed)
    }

    pub fn outcome(&self, kind: CheckKind) -> Option<&CheckOutcome> {
        self.checks.iter().find(|c| c.kind == kind)
    }
}

type Check = Result<String, String>;

/// Runs every check of `bundle` against `pdf`. `pinned_key` is the log's verifier key obtained independently of
/// the bundle; without it the bundle's own key is used.
pub fn verify_bundle(bundle: &EvidenceBundle, pdf: &[u8], pinned_key: Option<&VerifierKey>) -> Verification {
    let checks = [
        (CheckKind::PdfDigest, check_pdf_digest(bundle, pdf)),
        (CheckKind::LogLeaf, check_leaf(bundle)),
        (CheckKind::InclusionProof, check_inclusion(bundle)),
        (CheckKind::CheckpointSignature, check_checkpoint(bundle, pinned_key)),
        (CheckKind::PdfSignature, check_signature(bundle, pdf)),
    ];
    Verification {
        checks: checks
            .into_iter()
            .map(|(kind, result)| match result {
                Ok(detail) => CheckOutcome { kind, passed: true, detail },
                Err(detail) => CheckOutcome { kind, passed: false, detail },
            })
            .collect(),
        key_pinned: pinned_key.is_some(),
    }
}

fn check_pdf_digest(bundle: &EvidenceBundle, pdf: &[u8]) -> Check {
    let digest = crate::sha256(pdf);
    let expected = &bundle.document;
    if digest != expected.pdf_sha256 {
        return Err(format!(
            "the PDF's SHA-256 is {}, the bundle's document has {}",
            hex::encode(digest.0),
            hex::encode(expected.pdf_sha256.0)
        ));
    }
    if pdf.len() as u64 != expected.pdf_size {
        return Err(format!("the PDF is {} bytes, the bundle's document {} bytes", pdf.len(), expected.pdf_size));
    }
    Ok(format!("SHA-256 {} ({} bytes)", hex::encode(digest.0), pdf.len()))
}

fn check_leaf(bundle: &EvidenceBundle) -> Check {
    let event = AuditEvent::from_canonical_bytes(&bundle.audit.leaf)
        .map_err(|e| format!("the leaf is not an audit event: {e}"))?;
    let document = &bundle.document;
    if event.event_type != EventType::DocumentSubmitted {
        return Err(format!("the leaf is a '{}' event, not 'document_submitted'", event.event_type.code()));
    }
    let doc_subject = format!("document:{}", document.id);
    if !event.subjects.contains(&doc_subject) {
        return Err(format!("the event does not name document {}", document.id));
    }
    if event.subject_institution != Some(document.issuer) {
        return Err(format!("the event is not about the issuer {}", document.issuer));
    }
    if event.after != Some(document.pdf_sha256) {
        return Err("the event records another PDF digest than the bundle's document".into());
    }
    let logged: Vec<&String> = event.subjects.iter().filter(|s| s.starts_with(EVIDENCE_SUBJECT_PREFIX)).collect();
    let expected = evidence_subject(&evidence_commitment(&bundle.evidence_parts()));
    match logged.as_slice() {
        [] => {
            Err("the event carries no evidence commitment (the document was submitted before evidence bundles)".into())
        }
        [one] if **one == expected => Ok(format!(
            "leaf {} is the submission of document {}; it commits to the bundle's metadata, report and PKI data",
            bundle.audit.leaf_index, document.id
        )),
        [_] => Err("the evidence commitment in the log does not match the bundle \
                    (its document, metadata, report or PKI data was changed)"
            .into()),
        _ => Err("the event carries more than one evidence commitment".into()),
    }
}

/// The checkpoint as written, before its signature is checked (check (d) does that).
fn parse_checkpoint(bundle: &EvidenceBundle) -> Result<SignedCheckpoint, String> {
    SignedCheckpoint::parse(bundle.audit.checkpoint.as_bytes())
        .map_err(|e| format!("the checkpoint is not a signed note: {e}"))
}

fn check_inclusion(bundle: &EvidenceBundle) -> Check {
    let audit = &bundle.audit;
    let signed = parse_checkpoint(bundle)?;
    let checkpoint: &Checkpoint = signed.unverified();
    if checkpoint.size != audit.tree_size {
        return Err(format!(
            "the proof is for a tree of {} leaves, the checkpoint of {}",
            audit.tree_size, checkpoint.size
        ));
    }
    let leaf = leaf_hash(&audit.leaf);
    verify_inclusion(&leaf, audit.leaf_index, audit.tree_size, &audit.inclusion_proof, &checkpoint.root)
        .map_err(|e| format!("leaf {} is not proven in the checkpoint's tree: {e}", audit.leaf_index))?;
    Ok(format!(
        "leaf {} is in the tree of {} leaves with root {}",
        audit.leaf_index,
        checkpoint.size,
        checkpoint.root.to_base64()
    ))
}

fn check_checkpoint(bundle: &EvidenceBundle, pinned_key: Option<&VerifierKey>) -> Check {
    let bundled;
    let key = match pinned_key {
        Some(key) => key,
        None => {
            bundled = VerifierKey::parse(bundle.audit.log_verifier_key.trim())
                .map_err(|e| format!("the bundle's log key is not a verifier key: {e}"))?;
            &bundled
        }
    };
    let signed = parse_checkpoint(bundle)?;
    let checkpoint = signed.verify(key).map_err(|e| format!("not signed by the log key {}: {e}", key.name()))?;
    if checkpoint.origin != key.name() {
        return Err(format!("the checkpoint is of log '{}', the key of log '{}'", checkpoint.origin, key.name()));
    }
    let whose = if pinned_key.is_some() { "the pinned key" } else { "the bundle's own key (not pinned)" };
    Ok(format!("checkpoint of {} leaves signed by {whose} {} ({:08x})", checkpoint.size, key.name(), key.key_id()))
}

/// The certificates the hub used as trust anchors: the registered signer certificate the registry facts name,
/// and the anchor ending each signature path in the report (both are committed by the log leaf). Falls back to
/// every certificate of the bundle when neither can be read.
fn trust_anchors(bundle: &EvidenceBundle, report: &Value) -> (TrustContext, String) {
    let facts: Value = serde_json::from_str(&bundle.pki_data.registry_facts_json).unwrap_or(Value::Null);
    let mut fingerprints: Vec<String> = Vec::new();
    let mut add = |fp: Option<&str>| {
        if let Some(fp) = fp.map(str::to_ascii_lowercase)
            && !fingerprints.contains(&fp)
        {
            fingerprints.push(fp);
        }
    };
    add(facts["signer_certificate"]["fingerprint_sha256"].as_str());
    for signature in report["signatures"].as_array().into_iter().flatten() {
        let anchor = signature["chain"].as_array().and_then(|chain| chain.last());
        add(anchor.and_then(|c| c["sha256_fingerprint"].as_str()));
    }
    let certificates = &bundle.pki_data.certificates;
    let named: Vec<&Vec<u8>> =
        certificates.iter().filter(|der| fingerprints.contains(&hex::encode(crate::sha256(der).0))).collect();
    let (chosen, how) = if named.is_empty() {
        (certificates.iter().collect(), "every certificate of the bundle")
    } else {
        (named, "the registered certificate(s) the hub trusted")
    };
    let mut trust = TrustContext::empty();
    let mut added = 0usize;
    for der in chosen {
        // A certificate that does not parse cannot anchor; validation then says there is no path.
        if trust.add_anchor_der(der).is_ok() {
            added += 1;
        }
    }
    (trust, format!("{added} anchor(s): {how}"))
}

fn check_signature(bundle: &EvidenceBundle, pdf: &[u8]) -> Check {
    let report: Value =
        serde_json::from_str(&bundle.report).map_err(|e| format!("the stored report is not JSON: {e}"))?;
    let expected = report["document"]["indication"].as_str().ok_or("the stored report has no document indication")?;
    let at_text = report["validation_time"].as_str().ok_or("the stored report has no validation time")?;
    let at = OffsetDateTime::parse(at_text, &Rfc3339)
        .map_err(|e| format!("the stored report's validation time '{at_text}' is not RFC 3339: {e}"))?;
    let (trust, anchors) = trust_anchors(bundle, &report);
    let now = validate_pdf(pdf, &ValidationPolicy::default(), &trust, Some(at));
    let found = now.document.indication.as_str();
    if found != expected {
        return Err(format!(
            "re-validated as of {at_text} with {anchors}: {found} ({}), but the hub recorded {expected}",
            now.document.summary
        ));
    }
    Ok(format!("{found} as of {at_text} with {anchors} ({}), as the hub recorded", now.document.summary))
}
