//! `ecert verify`: validates every signature and document timestamp of a PDF and prints an ETSI-style report.
//! The exit code tells scripts the verdict: 0 passed, 1 failed or unreadable, 2 indeterminate, 3 no signature.
//! With `--evidence BUNDLE` it checks the PDF offline against a hub evidence bundle instead (checks in
//! `ecert-evidence`): one PASS/FAIL line per check, exit 0 only if all pass, 1 otherwise.

use crate::CliError;
use ecert_evidence::{CheckKind, EvidenceBundle, MAX_BUNDLE_BYTES, verify_bundle};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[derive(clap::Args)]
pub struct VerifyArgs {
    /// The signed PDF.
    file: PathBuf,
    /// PEM file of trust anchors (root or issuing CA certificates). Without it, trust is INDETERMINATE.
    #[arg(long)]
    trust: Option<PathBuf>,
    /// Validate as of this time (RFC 3339), e.g. 2026-03-14T10:00:00Z. Default: now.
    #[arg(long)]
    at: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Check FILE offline against this evidence bundle (from GET /api/v1/documents/{id}/evidence): PDF digest,
    /// log leaf and commitment, inclusion proof, checkpoint signature, and re-validation as of the original time.
    /// Exit 0 only if every check passes.
    #[arg(long, value_name = "BUNDLE", conflicts_with_all = ["trust", "at", "json"])]
    evidence: Option<PathBuf>,
    /// With --evidence: the hub's audit log verifier key (as served at /api/v1/log/key), or a file holding it,
    /// obtained independently of the bundle. Without it the bundle's own key is used and a warning printed.
    #[arg(long, requires = "evidence")]
    key: Option<String>,
}

/// Reads a file of at most `max` bytes.
fn read_limited(path: &Path, max: usize) -> Result<Vec<u8>, CliError> {
    let meta = std::fs::metadata(path).map_err(|e| CliError::Usage(format!("cannot read {}: {e}", path.display())))?;
    if meta.len() > max as u64 {
        return Err(CliError::Usage(format!("{} is {} bytes; the limit is {max} bytes", path.display(), meta.len())));
    }
    std::fs::read(path).map_err(|e| CliError::Usage(format!("cannot read {}: {e}", path.display())))
}

pub fn run(args: VerifyArgs) -> Result<i32, CliError> {
    let policy = ecert_verify::ValidationPolicy::default();
    let bytes = read_limited(&args.file, policy.limits.max_file_bytes)?;
    if let Some(bundle) = &args.evidence {
        return verify_evidence(bundle, &bytes, args.key.as_deref());
    }
    let mut trust = ecert_verify::TrustContext::default();
    if let Some(path) = &args.trust {
        let pem = std::fs::read_to_string(path)
            .map_err(|e| CliError::Usage(format!("cannot read trust anchors {}: {e}", path.display())))?;
        let added = trust
            .add_anchors_pem(&pem)
            .map_err(|e| CliError::Usage(format!("trust anchors {}: {e}", path.display())))?;
        if added == 0 {
            return Err(CliError::Usage(format!("{} holds no certificate", path.display())));
        }
    }
    let at = match &args.at {
        Some(t) => Some(OffsetDateTime::parse(t, &Rfc3339).map_err(|e| {
            CliError::Usage(format!("--at '{t}' is not an RFC 3339 time (e.g. 2026-03-14T10:00:00Z): {e}"))
        })?),
        None => None,
    };
    let report = ecert_verify::validate_pdf(&bytes, &policy, &trust, at);
    if args.json {
        println!("{}", report.to_json());
    } else {
        println!("{report}");
    }
    Ok(report.exit_code())
}

/// `--evidence`: every offline check of the bundle against the PDF, one PASS/FAIL line each; 0 only if all pass.
fn verify_evidence(bundle_path: &Path, pdf: &[u8], key: Option<&str>) -> Result<i32, CliError> {
    let pinned = match key.map(crate::audit::load_key).transpose()? {
        Some(Ok(key)) => Some(key),
        Some(Err(e)) => return Err(CliError::Usage(format!("--key: {e}"))),
        None => None,
    };
    let bundle = match EvidenceBundle::from_json(&read_limited(bundle_path, MAX_BUNDLE_BYTES)?) {
        Ok(bundle) => bundle,
        Err(e) => {
            println!("FAIL evidence bundle: {}: {e}", bundle_path.display());
            println!("verdict: NOT VERIFIED");
            println!("{}", ecert_domain::document::VERIFICATION_DISCLAIMER);
            return Ok(1);
        }
    };
    let d = &bundle.document;
    println!(
        "evidence bundle: document {} ({} {}), issued by {} ({}), submitted {}",
        d.id,
        d.metadata.document_type.code(),
        d.metadata.document_number,
        d.issuer,
        d.issuer_country,
        d.submitted_at.format(&Rfc3339).unwrap_or_default()
    );
    let verification = verify_bundle(&bundle, pdf, pinned.as_ref());
    for check in &verification.checks {
        if check.kind == CheckKind::CheckpointSignature && !verification.key_pinned {
            println!(
                "WARNING: the log key was not pinned (--key): the checkpoint is checked with the key inside the \
                 bundle, which shows the bundle is consistent, not that the hub signed it"
            );
        }
        println!("{} {}: {}", if check.passed { "PASS" } else { "FAIL" }, check.kind.label(), check.detail);
    }
    println!(
        "status at export: {} ({} change(s) since submission; as the hub stated it at export, \
         not covered by the log proof)",
        d.status,
        d.status_history.len()
    );
    let passed = verification.passed();
    println!("verdict: {}", if passed { "VERIFIED" } else { "NOT VERIFIED" });
    println!("{}", ecert_domain::document::VERIFICATION_DISCLAIMER);
    Ok(if passed { 0 } else { 1 })
}
