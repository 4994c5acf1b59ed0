//! `ecert audit`: export the transparency log from the database, and verify offline what the hub publishes:
//! checkpoint signatures, inclusion and consistency proofs (as served by `/api/v1/log`), and full exports.
//!
//! Every verification prints one verdict line and exits non-zero unless everything checked out.

use crate::{CliError, StoreArgs, load_config};
use clap::{Args, Subcommand};
use ecert_domain::audit::AuditEvent;
use ecert_hub::log::export::{verify_export_file, write_export};
use ecert_hub::log::{ConsistencyProof, InclusionProof, log_key_path};
use ecert_translog::{Checkpoint, Hash, SignedCheckpoint, VerifierKey, leaf_hash};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Largest checkpoint, key, proof or event file read (they are a few KB at most).
const MAX_SMALL_FILE: u64 = 1024 * 1024;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Write the whole log (leaves with their stored hashes, signed checkpoints, verifier key) as JSON lines.
    Export {
        #[command(flatten)]
        store: StoreArgs,
        /// Output file; `-` for standard output.
        #[arg(long)]
        out: PathBuf,
    },
    /// Verify a checkpoint, a proof, or a full export offline. Exits non-zero if anything does not verify.
    Verify(VerifyArgs),
}

#[derive(Args)]
pub struct VerifyArgs {
    /// The log's verifier key (as served at /api/v1/log/key), or a file holding it. Required except for --export,
    /// which falls back to the key inside the export (proving integrity, not who signed).
    #[arg(long)]
    key: Option<String>,
    /// A signed checkpoint (as served at /api/v1/log/checkpoint): its signature is checked; proofs are checked
    /// against its root.
    #[arg(long)]
    checkpoint: Option<PathBuf>,
    /// An inclusion proof (JSON from /api/v1/log/proof/inclusion); needs --checkpoint of the same tree size and the
    /// leaf as --event, --leaf-data or --leaf-hash.
    #[arg(long, requires = "checkpoint")]
    inclusion: Option<PathBuf>,
    /// The audit event (JSON, as listed by /api/v1/audit/events) whose inclusion is proven.
    #[arg(long, conflicts_with_all = ["leaf_data", "leaf_hash"])]
    event: Option<PathBuf>,
    /// The leaf's canonical bytes.
    #[arg(long, conflicts_with = "leaf_hash")]
    leaf_data: Option<PathBuf>,
    /// The leaf hash, base64.
    #[arg(long)]
    leaf_hash: Option<String>,
    /// A consistency proof (JSON from /api/v1/log/proof/consistency); needs --old-checkpoint and --checkpoint.
    #[arg(long, requires_all = ["checkpoint", "old_checkpoint"])]
    consistency: Option<PathBuf>,
    /// The older signed checkpoint of a consistency proof.
    #[arg(long, requires = "consistency")]
    old_checkpoint: Option<PathBuf>,
    /// A full export (`ecert audit export`): every leaf is rehashed, the tree recomputed, every checkpoint checked.
    #[arg(long, conflicts_with_all = ["checkpoint", "inclusion", "consistency"])]
    export: Option<PathBuf>,
}

pub async fn run(command: AuditCommand) -> Result<ExitCode, CliError> {
    match command {
        AuditCommand::Export { store, out } => export(store, &out).await,
        AuditCommand::Verify(args) => verify(&args),
    }
}

async fn export(args: StoreArgs, out: &Path) -> Result<ExitCode, CliError> {
    let config = load_config(args.config.as_deref(), args.data_dir, args.database_url)?;
    let key_path = log_key_path(&config.data_dir);
    // Exporting must never mint a key: a new key would not match the checkpoints in the database.
    if !key_path.exists() {
        return Err(CliError::Io(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("no audit log key at {} (wrong --data-dir?)", key_path.display()),
        )));
    }
    let signer = ecert_hub::load_or_create_log_key(&config.data_dir, ecert_hub::DEFAULT_LOG_ORIGIN)?;
    let store = ecert_store::open(config.database_url.as_deref(), &config.data_dir).await?;
    let summary = if out == Path::new("-") {
        let stdout = std::io::stdout();
        let mut writer = BufWriter::new(stdout.lock());
        write_export(&*store, signer.verifier_key(), &mut writer).await?
    } else {
        let mut writer = BufWriter::new(std::fs::File::create(out)?);
        write_export(&*store, signer.verifier_key(), &mut writer).await?
    };
    eprintln!(
        "exported {} leaves (tree size {}) and {} checkpoints",
        summary.leaves, summary.tree_size, summary.checkpoints
    );
    Ok(ExitCode::SUCCESS)
}

/// One verification failure: printed, and the exit code becomes non-zero.
fn rejected(what: &str, reason: impl std::fmt::Display) -> ExitCode {
    println!("{what}: INVALID: {reason}");
    ExitCode::FAILURE
}

fn read_small(path: &Path) -> Result<Vec<u8>, CliError> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?.take(MAX_SMALL_FILE + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_SMALL_FILE {
        return Err(CliError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{} is larger than {MAX_SMALL_FILE} bytes", path.display()),
        )));
    }
    Ok(bytes)
}

/// `--key` is the vkey itself or a file holding it.
pub(crate) fn load_key(arg: &str) -> Result<Result<VerifierKey, String>, CliError> {
    let path = Path::new(arg);
    let text = if path.is_file() { String::from_utf8_lossy(&read_small(path)?).into_owned() } else { arg.to_owned() };
    Ok(VerifierKey::parse(text.trim()).map_err(|e| format!("verifier key: {e}")))
}

fn open_checkpoint(path: &Path, key: &VerifierKey) -> Result<Result<Checkpoint, String>, CliError> {
    let note = read_small(path)?;
    Ok(SignedCheckpoint::open(&note, key).map_err(|e| format!("{}: {e}", path.display())))
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Result<T, String>, CliError> {
    let bytes = read_small(path)?;
    Ok(serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display())))
}

fn verify(args: &VerifyArgs) -> Result<ExitCode, CliError> {
    if let Some(export) = &args.export {
        return verify_export(export, args.key.as_deref());
    }
    if args.checkpoint.is_none() {
        return Err(CliError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "nothing to verify: give --checkpoint (with --inclusion or --consistency) or --export",
        )));
    }
    let Some(key_arg) = &args.key else {
        return Err(CliError::Io(std::io::Error::new(std::io::ErrorKind::InvalidInput, "--key is required")));
    };
    let key = match load_key(key_arg)? {
        Ok(key) => key,
        Err(e) => return Ok(rejected("key", e)),
    };
    let mut code = ExitCode::SUCCESS;
    let checkpoint = match args.checkpoint.as_deref().map(|p| open_checkpoint(p, &key)).transpose()? {
        Some(Ok(c)) => {
            println!("checkpoint: ok ({} size {} root {})", c.origin, c.size, c.root.to_base64());
            Some(c)
        }
        Some(Err(e)) => return Ok(rejected("checkpoint", e)),
        None => None,
    };
    if let (Some(path), Some(checkpoint)) = (&args.inclusion, &checkpoint)
        && let Err(e) = verify_inclusion(args, path, checkpoint)?
    {
        code = rejected("inclusion proof", e);
    }
    if let (Some(path), Some(old), Some(new)) = (&args.consistency, &args.old_checkpoint, &checkpoint) {
        let old = match open_checkpoint(old, &key)? {
            Ok(old) => old,
            Err(e) => return Ok(rejected("old checkpoint", e)),
        };
        if let Err(e) = verify_consistency(path, &old, new)? {
            code = rejected("consistency proof", e);
        }
    }
    Ok(code)
}

fn leaf_of(args: &VerifyArgs) -> Result<Result<Hash, String>, CliError> {
    if let Some(path) = &args.event {
        return Ok(read_json::<AuditEvent>(path)?.map(|event| leaf_hash(&event.canonical_bytes())));
    }
    if let Some(path) = &args.leaf_data {
        return Ok(Ok(leaf_hash(&read_small(path)?)));
    }
    match &args.leaf_hash {
        Some(b64) => Ok(Hash::from_base64("leaf hash", b64).map_err(|e| e.to_string())),
        None => Ok(Err("give the leaf as --event, --leaf-data or --leaf-hash".into())),
    }
}

fn verify_inclusion(args: &VerifyArgs, path: &Path, checkpoint: &Checkpoint) -> Result<Result<(), String>, CliError> {
    let proof: InclusionProof = match read_json(path)? {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    let leaf = match leaf_of(args)? {
        Ok(leaf) => leaf,
        Err(e) => return Ok(Err(e)),
    };
    if proof.tree_size != checkpoint.size {
        return Ok(Err(format!(
            "the proof is for tree size {}, the checkpoint for {}",
            proof.tree_size, checkpoint.size
        )));
    }
    if let Err(e) = proof.verify(&leaf, &checkpoint.root) {
        return Ok(Err(e.to_string()));
    }
    println!("inclusion proof: ok (leaf {} in tree size {})", proof.leaf_index, proof.tree_size);
    Ok(Ok(()))
}

fn verify_consistency(path: &Path, old: &Checkpoint, new: &Checkpoint) -> Result<Result<(), String>, CliError> {
    let proof: ConsistencyProof = match read_json(path)? {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    if (proof.first_size, proof.second_size) != (old.size, new.size) {
        return Ok(Err(format!(
            "the proof is from size {} to {}, the checkpoints are of sizes {} and {}",
            proof.first_size, proof.second_size, old.size, new.size
        )));
    }
    if let Err(e) = proof.verify(&old.root, &new.root) {
        return Ok(Err(e.to_string()));
    }
    println!("consistency proof: ok (size {} extends size {})", proof.second_size, proof.first_size);
    Ok(Ok(()))
}

fn verify_export(path: &Path, key: Option<&str>) -> Result<ExitCode, CliError> {
    let key = match key.map(load_key).transpose()? {
        Some(Ok(key)) => Some(key),
        Some(Err(e)) => return Ok(rejected("key", e)),
        None => None,
    };
    let input = BufReader::new(std::fs::File::open(path)?);
    let verdict = verify_export_file(input, key.as_ref())?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{verdict}")?;
    Ok(if verdict.is_valid() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
