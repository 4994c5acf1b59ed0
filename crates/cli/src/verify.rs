//! `ecert verify`: validates every signature and document timestamp of a PDF and prints an ETSI-style report.
//! The exit code tells scripts the verdict: 0 passed, 1 failed or unreadable, 2 indeterminate, 3 no signature.

use crate::CliError;
use std::path::PathBuf;
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
}

pub fn run(args: VerifyArgs) -> Result<i32, CliError> {
    let policy = ecert_verify::ValidationPolicy::default();
    let meta = std::fs::metadata(&args.file)
        .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", args.file.display())))?;
    if meta.len() > policy.limits.max_file_bytes as u64 {
        return Err(CliError::Usage(format!(
            "{} is {} bytes; the limit is {} bytes",
            args.file.display(),
            meta.len(),
            policy.limits.max_file_bytes
        )));
    }
    let bytes = std::fs::read(&args.file)
        .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", args.file.display())))?;
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
