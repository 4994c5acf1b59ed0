//! `ecert sign`: PAdES signing of a PDF with a key from PKCS#12 or PEM. The output file appears only when signing
//! succeeded (written to a temporary file beside it, synced, then renamed), so no partial file is ever left.

use crate::CliError;
use ecert_pdf::sign::{SignOptions, sign_pdf};
use ecert_pki::DigestAlgorithm;
use ecert_pki::keys::SignerCredentials;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Largest input accepted (the parser's own limit applies too).
const MAX_INPUT: u64 = 256 * 1024 * 1024;

#[derive(clap::Args)]
pub struct SignArgs {
    /// The PDF to sign.
    input: PathBuf,
    /// Where to write the signed PDF (must differ from the input).
    #[arg(short, long)]
    out: PathBuf,
    /// PKCS#12 file holding the key, its certificate and chain.
    #[arg(long, conflicts_with_all = ["key", "cert"])]
    p12: Option<PathBuf>,
    /// PKCS#8 private key (PEM or DER, optionally encrypted).
    #[arg(long, requires = "cert")]
    key: Option<PathBuf>,
    /// Signer certificate, optionally followed by its chain (PEM).
    #[arg(long, requires = "key")]
    cert: Option<PathBuf>,
    /// Environment variable holding the passphrase (never pass secrets as arguments).
    #[arg(long, default_value = "ECERT_SIGN_PASSPHRASE")]
    passphrase_env: String,
    /// File whose first line is the passphrase.
    #[arg(long)]
    passphrase_file: Option<PathBuf>,
    /// sha256, sha384 or sha512.
    #[arg(long, default_value = "sha256")]
    digest: String,
    /// RSA-PSS instead of PKCS#1 v1.5 (RSA keys).
    #[arg(long)]
    pss: bool,
    #[arg(long)]
    reason: Option<String>,
    #[arg(long)]
    location: Option<String>,
    #[arg(long)]
    contact: Option<String>,
    /// Signature field name (default: the first free Signature<n>).
    #[arg(long)]
    field: Option<String>,
    /// RFC 3161 timestamp authority URL: produces PAdES B-T.
    #[arg(long)]
    tsa: Option<String>,
    /// Certificates to embed in a DSS for B-LT (PEM or DER; repeatable).
    #[arg(long = "dss-cert")]
    dss_certs: Vec<PathBuf>,
    /// CRLs (DER or PEM) for the DSS (repeatable).
    #[arg(long = "dss-crl")]
    dss_crls: Vec<PathBuf>,
    /// OCSP responses (DER) for the DSS (repeatable).
    #[arg(long = "dss-ocsp")]
    dss_ocsps: Vec<PathBuf>,
    /// Stamp a QR code linking to this URL on page 1 before signing.
    #[arg(long)]
    qr: Option<String>,
    /// Corner for the QR code: top-left, top-right, bottom-left, bottom-right.
    #[arg(long, default_value = "bottom-right", requires = "qr")]
    qr_corner: String,
}

fn read(path: &Path, what: &str) -> Result<Vec<u8>, CliError> {
    let meta =
        std::fs::metadata(path).map_err(|e| CliError::Usage(format!("cannot read {what} {}: {e}", path.display())))?;
    if meta.len() > MAX_INPUT {
        return Err(CliError::Usage(format!("{what} {} is larger than {MAX_INPUT} bytes", path.display())));
    }
    std::fs::read(path).map_err(|e| CliError::Usage(format!("cannot read {what} {}: {e}", path.display())))
}

fn passphrase(args: &SignArgs) -> Result<Option<String>, CliError> {
    if let Some(file) = &args.passphrase_file {
        let text = String::from_utf8(read(file, "passphrase file")?)
            .map_err(|_| CliError::Usage("the passphrase file is not UTF-8 text".into()))?;
        return Ok(Some(text.lines().next().unwrap_or_default().to_owned()));
    }
    Ok(std::env::var(&args.passphrase_env).ok())
}

fn credentials(args: &SignArgs) -> Result<SignerCredentials, CliError> {
    let pass = passphrase(args)?;
    match (&args.p12, &args.key, &args.cert) {
        (Some(p12), _, _) => {
            Ok(SignerCredentials::from_pkcs12(&read(p12, "PKCS#12 file")?, pass.as_deref().unwrap_or(""))?)
        }
        (None, Some(key), Some(cert)) => Ok(SignerCredentials::from_key_and_certs(
            &read(key, "key file")?,
            &read(cert, "certificate file")?,
            pass.as_deref(),
        )?),
        _ => Err(CliError::Usage("give the signing key with --p12 FILE, or --key FILE --cert FILE".into())),
    }
}

fn corner(name: &str) -> Result<ecert_pdf::qr::Corner, CliError> {
    use ecert_pdf::qr::Corner;
    match name {
        "top-left" => Ok(Corner::TopLeft),
        "top-right" => Ok(Corner::TopRight),
        "bottom-left" => Ok(Corner::BottomLeft),
        "bottom-right" => Ok(Corner::BottomRight),
        other => Err(CliError::Usage(format!(
            "unknown --qr-corner '{other}' (expected top-left, top-right, bottom-left or bottom-right)"
        ))),
    }
}

/// Writes `bytes` to `path` atomically: a crash or error never leaves a partial file under the final name.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| CliError::Usage(format!("cannot write to {}: {e}", dir.display())))?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| CliError::Usage(format!("cannot write {}: {}", path.display(), e.error)))?;
    Ok(())
}

pub fn run(args: SignArgs) -> Result<(), CliError> {
    if args.input == args.out {
        return Err(CliError::Usage("--out must differ from the input file".into()));
    }
    let digest = match args.digest.as_str() {
        "sha256" => DigestAlgorithm::Sha256,
        "sha384" => DigestAlgorithm::Sha384,
        "sha512" => DigestAlgorithm::Sha512,
        other => {
            return Err(CliError::Usage(format!("unknown --digest '{other}' (expected sha256, sha384 or sha512)")));
        }
    };
    let qr_corner = args.qr.as_ref().map(|_| corner(&args.qr_corner)).transpose()?;
    let input = read(&args.input, "input")?;
    let creds = credentials(&args)?;
    let tsa = args.tsa.as_deref().map(ecert_pki::tsp::HttpTsaClient::new);
    let ltv = if args.dss_certs.is_empty() && args.dss_crls.is_empty() && args.dss_ocsps.is_empty() {
        None
    } else {
        let load = |paths: &[PathBuf], what: &str| -> Result<Vec<Vec<u8>>, CliError> {
            paths.iter().map(|p| read(p, what)).collect()
        };
        let mut certs = Vec::new();
        for bytes in load(&args.dss_certs, "DSS certificate")? {
            certs.extend(ecert_pki::Certificate::parse_any(&bytes)?.into_iter().map(|c| c.der().to_vec()));
        }
        Some(ecert_pdf::dss::DssData {
            certs,
            crls: load(&args.dss_crls, "DSS CRL")?,
            ocsps: load(&args.dss_ocsps, "DSS OCSP response")?,
        })
    };
    let to_sign = match (&args.qr, qr_corner) {
        (Some(url), Some(c)) => ecert_pdf::qr::stamp_qr(&input, url, c)?,
        _ => input,
    };
    let mut options = SignOptions::new(&creds);
    options.digest = digest;
    options.pss = args.pss;
    options.reason = args.reason;
    options.location = args.location;
    options.contact_info = args.contact;
    options.field_name = args.field;
    options.tsa = tsa.as_ref().map(|t| t as &dyn ecert_pki::tsp::TsaClient);
    options.ltv = ltv;
    let signed = sign_pdf(&to_sign, &options)?;
    write_atomically(&args.out, &signed)?;
    println!("signed {} -> {} ({} bytes)", args.input.display(), args.out.display(), signed.len());
    Ok(())
}
