//! `ecert`: the hub server and its command-line tools.

mod audit;
mod config;
mod sign;
mod verify;

use clap::{Parser, Subcommand};
use config::Config;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "ecert", version, about = "Trust hub for electronically signed trade documents")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the hub (API, Swagger UI at /api/docs, metrics).
    Serve(ServeArgs),
    /// Local administration on the machine that holds the database.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Print the OpenAPI document of the REST API (JSON).
    Openapi,
    /// Sign a PDF (PAdES B-B; B-T with --tsa; B-LT with --dss-*).
    Sign(Box<sign::SignArgs>),
    /// Validate the signatures of a PDF (report in text or JSON; the exit code is the verdict), or check it
    /// offline against a hub evidence bundle (--evidence).
    Verify(verify::VerifyArgs),
    /// Write a realistic sample document (unsigned PDF) for demos and tests.
    Sample {
        /// coc (Conformity Certificate) or tr (Test Report).
        #[arg(long, default_value = "coc")]
        kind: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Test PKI tools.
    #[command(subcommand)]
    Pki(PkiCommand),
    /// The verifiable audit log: export it, verify checkpoints, proofs and exports offline.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
}

#[derive(Subcommand)]
enum PkiCommand {
    /// Write a complete test PKI (CAs, signers in every state, CRL, OCSP, TSA) as PEM files with a README.
    Demo {
        /// Output directory (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(clap::Args)]
struct ServeArgs {
    /// TOML configuration file.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Address to listen on (overrides config and ECERT_LISTEN).
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Data directory (overrides config and ECERT_DATA_DIR).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// On an empty hub, create demo participants and print their API keys.
    #[arg(long)]
    demo: bool,
}

#[derive(clap::Args)]
struct StoreArgs {
    #[arg(long)]
    config: Option<PathBuf>,
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// PostgreSQL URL (overrides config and ECERT_DATABASE_URL).
    #[arg(long)]
    database_url: Option<String>,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create the hub operator institution and print its first API key (shown once).
    Bootstrap {
        #[command(flatten)]
        store: StoreArgs,
        /// The operator's country (ISO 3166-1 alpha-2).
        #[arg(long)]
        country: String,
        /// The country's name, used if the country is not registered yet.
        #[arg(long)]
        country_name: String,
        /// The operator institution's name.
        #[arg(long)]
        name: String,
    },
    /// Portal users.
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a portal user; the password is read from the first line of standard input. The user enrols a TOTP
    /// authenticator at first sign-in.
    Create {
        #[command(flatten)]
        store: StoreArgs,
        /// The user's institution (id).
        #[arg(long)]
        institution: String,
        /// Login name.
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: String,
        /// Comma-separated role codes, each held by the institution (e.g. hub_operator, issuing_cab, customs).
        #[arg(long)]
        roles: String,
    },
}

/// A CLI failure: one readable line on stderr and a non-zero exit code.
#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error("{0}")]
    Config(#[from] config::ConfigError),
    #[error("database: {0}")]
    Store(#[from] ecert_store::StoreError),
    /// On the operator's own machine the internal detail (a path, a database message) is what helps.
    #[error("{}", match .0 { ecert_hub::HubError::Internal(detail) => detail.clone(), other => other.to_string() })]
    Hub(#[from] ecert_hub::HubError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Pki(#[from] ecert_pki::Error),
    #[error("{0}")]
    Pdf(#[from] ecert_pdf::PdfError),
    /// A usage or input problem, already phrased for the user.
    #[error("{0}")]
    Usage(String),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("ECERT_LOG").unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("ecert: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ecert: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode, CliError> {
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Audit(command) => audit::run(command).await,
        // Signing may call a TSA with a blocking HTTP client, which must not run on an async worker.
        Command::Sign(args) => tokio::task::spawn_blocking(move || sign::run(*args))
            .await
            .map_err(|e| CliError::Usage(format!("signing task failed: {e}")))?
            .map(|()| ExitCode::SUCCESS),
        Command::Verify(args) => {
            let code = tokio::task::spawn_blocking(move || verify::run(args))
                .await
                .map_err(|e| CliError::Usage(format!("validation task failed: {e}")))??;
            Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
        }
        Command::Sample { kind, out } => {
            let kind = match kind.as_str() {
                "coc" => ecert_pdf::samples::DocumentKind::ConformityCertificate,
                "tr" => ecert_pdf::samples::DocumentKind::TestReport,
                other => return Err(CliError::Usage(format!("unknown --kind '{other}' (expected coc or tr)"))),
            };
            let pdf = ecert_pdf::samples::generate(&ecert_pdf::samples::SampleDocument::example(kind));
            sign::write_atomically(&out, &pdf)?;
            println!("wrote {} ({} bytes)", out.display(), pdf.len());
            Ok(ExitCode::SUCCESS)
        }
        Command::Openapi => {
            let json = serde_json::to_string_pretty(&ecert_server::openapi())
                .map_err(|e| CliError::Io(std::io::Error::other(e)))?;
            println!("{json}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Pki(PkiCommand::Demo { out }) => {
            let pki = ecert_pki::testpki::TestPki::generate()?;
            let files = pki.write_pem_dir(&out)?;
            println!("wrote {} files to {} (see README.md there)", files.len(), out.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Admin(AdminCommand::Bootstrap { store, country, country_name, name }) => {
            let hub = open_hub(&load_config(store.config.as_deref(), store.data_dir, store.database_url)?).await?;
            let (id, key) = hub.bootstrap_operator(&country, &country_name, &name).await?;
            println!("operator institution: {id}");
            println!("operator API key (shown once, store it safely): {key}");
            println!("next: create the operator's portal user with `ecert admin user create --institution {id} ...`");
            Ok(ExitCode::SUCCESS)
        }
        Command::Admin(AdminCommand::User(UserCommand::Create {
            store,
            institution,
            username,
            display_name,
            roles,
        })) => create_user(store, &institution, username, display_name, &roles).await,
    }
}

fn load_config(
    file: Option<&std::path::Path>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
) -> Result<Config, CliError> {
    let mut config = Config::load(file)?;
    if let Some(d) = data_dir {
        config.data_dir = d;
    }
    if let Some(u) = database_url {
        config.database_url = Some(u);
    }
    Ok(config)
}

async fn open_hub(config: &Config) -> Result<ecert_hub::Hub, CliError> {
    std::fs::create_dir_all(&config.data_dir)?;
    let store = ecert_store::open(config.database_url.as_deref(), &config.data_dir).await?;
    let log_key = ecert_hub::load_or_create_log_key(&config.data_dir, ecert_hub::DEFAULT_LOG_ORIGIN)?;
    let settings = config.exchange_settings();
    let blobs = config
        .blob
        .open(&config.data_dir, settings.max_pdf_bytes)
        .map_err(|e| CliError::Usage(format!("PDF cache: {e}")))?;
    let webhook_key = ecert_hub::WebhookKey::load_or_create(&config.data_dir)?;
    let exchange = ecert_hub::ExchangeServices { blobs, settings, webhook_key };
    let users = ecert_hub::UserServices::for_data_dir(&config.data_dir, config.user_settings())?;
    Ok(ecert_hub::Hub::new(store, log_key, exchange).with_users(users))
}

async fn serve(args: ServeArgs) -> Result<ExitCode, CliError> {
    let mut config = load_config(args.config.as_deref(), args.data_dir, None)?;
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    let hub = open_hub(&config).await?;
    // Builds the Merkle tree for events written before the log existed; appends need it complete.
    hub.prepare_log().await?;
    let backend = hub.store().backend();
    if args.demo {
        let pki_dir = config.data_dir.join("demo-pki");
        let pki = if pki_dir.exists() { None } else { Some(ecert_pki::testpki::TestPki::generate()?) };
        match hub.seed_demo(pki.as_ref()).await {
            Ok(demo) => {
                if let Some(pki) = &pki {
                    pki.write_pem_dir(&pki_dir)?;
                }
                print_demo(&demo, config.listen);
                if let (Some(pki), Ok(cab)) = (&pki, demo.cab_id.parse()) {
                    let pushed = hub.push_demo_document(pki, cab).await?;
                    println!(
                        "  sample document pushed: {} ({}), hub reference {}, routed to {} receiving authority(ies)",
                        pushed.document.metadata.document_number,
                        pushed.document.metadata.document_type.code(),
                        pushed.document.id,
                        pushed.exchanges.len()
                    );
                    let base = config
                        .verification
                        .public_base_url
                        .clone()
                        .unwrap_or_else(|| format!("http://{}", config.listen));
                    println!("  its public authenticity page (the QR target): {base}/v/{}", pushed.public_token);
                }
                println!(
                    "  demo PKI (registered for the demo CAB): {}  e.g. ECERT_SIGN_PASSPHRASE=demo ecert sign doc.pdf -o signed.pdf --p12 {}",
                    pki_dir.display(),
                    pki_dir.join("signer-valid-rsa.p12").display()
                );
            }
            Err(ecert_hub::HubError::Conflict(_)) => {
                println!("demo: the hub already has participants; keeping them (demo keys were printed on first start)")
            }
            Err(e) => return Err(e.into()),
        }
    }
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let local = listener.local_addr()?;
    let data_dir = std::fs::canonicalize(&config.data_dir).unwrap_or(config.data_dir.clone());
    println!("ecert hub listening on http://{local}  (API docs: http://{local}/api/docs)");
    println!("data directory: {}  (database: {backend})", data_dir.display());
    // Any number of hub processes may run this: checkpoints are keyed by tree size, so concurrent signers agree.
    tokio::spawn(hub.clone().run_checkpointer(ecert_hub::DEFAULT_CHECKPOINT_INTERVAL));
    // On SIGTERM/Ctrl-C the server stops taking requests and the worker finishes the jobs in hand.
    let (stopping, mut stop_seen) = tokio::sync::watch::channel(false);
    let worker = if config.exchange.worker {
        // Jobs are leased, so every process sharing the database may run a worker.
        hub.ensure_recurring_jobs().await?;
        let (worker_hub, owner) = (hub.clone(), worker_owner());
        let poll = std::time::Duration::from_millis(config.exchange.worker_poll_interval_ms);
        let shutdown = async move {
            let _ = stop_seen.wait_for(|stop| *stop).await;
        };
        Some(tokio::spawn(async move { worker_hub.run_worker(owner, poll, shutdown).await }))
    } else {
        None
    };
    // The public pages are addressed by the configured base URL, or by the address actually bound.
    let mut verification = config.verification();
    if config.verification.public_base_url.is_none() {
        verification.public_base_url = format!("http://{local}");
    }
    let app = ecert_server::app_with(hub, &config.http_limits(), &verification);
    let shutdown = async move {
        shutdown_signal().await;
        let _ = stopping.send(true);
    };
    axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await?;
    if let Some(worker) = worker {
        // A job cut short is not lost (its lease expires and any process retries it), so waiting is a courtesy.
        let _ = tokio::time::timeout(std::time::Duration::from_secs(30), worker).await;
    }
    Ok(ExitCode::SUCCESS)
}

/// Names this process in job leases: host, process id, and a random suffix (a restarted process with a reused
/// pid must not inherit the leases of its predecessor).
fn worker_owner() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").map(|h| h.trim().to_owned()).unwrap_or_default();
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}:{}:{}", std::process::id(), &suffix[..8])
}

async fn create_user(
    store: StoreArgs,
    institution: &str,
    username: String,
    display_name: String,
    roles: &str,
) -> Result<ExitCode, CliError> {
    let institution =
        institution.parse().map_err(|_| CliError::Usage(format!("--institution: '{institution}' is not an id")))?;
    let roles = roles
        .split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| {
            ecert_domain::institution::Role::parse(r)
                .ok_or_else(|| CliError::Usage(format!("--roles: unknown role '{r}'")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut password = String::new();
    std::io::stdin().read_line(&mut password)?;
    let password = password.trim_end_matches(['\r', '\n']).to_owned();
    let hub = open_hub(&load_config(store.config.as_deref(), store.data_dir, store.database_url)?).await?;
    let admin = ecert_hub::demo::local_admin(institution);
    let new = ecert_domain::user::NewUser { institution, username, display_name, roles, password };
    let (user, _) = hub.create_user(&admin, new).await?;
    println!("portal user {} created ({}); they enrol a TOTP authenticator at first sign-in", user.username, user.id);
    Ok(ExitCode::SUCCESS)
}

fn print_demo(demo: &ecert_hub::demo::DemoCredentials, listen: SocketAddr) {
    println!("demo data created. API keys (use as 'Authorization: Bearer <key>' in Swagger's Authorize button):");
    println!("  hub operator:        {}", demo.operator_key);
    println!("  issuing CAB:         {}   (institution {})", demo.cab_key, demo.cab_id);
    println!("  receiving authority: {}   (institution {})", demo.receiver_key, demo.receiver_id);
    println!("  try: curl -H 'Authorization: Bearer {}' http://{listen}/api/v1/me", demo.cab_key);
    println!("portal users (http://{listen}/portal/; each enrols a TOTP authenticator at first sign-in):");
    for user in &demo.users {
        let roles: Vec<&str> = user.roles.iter().map(|r| r.code()).collect();
        println!("  {:<10} password {}   ({})", user.username, user.password, roles.join(", "));
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
