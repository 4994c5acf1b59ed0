//! The hub's application layer: every use case as a method on [`Hub`], with role and tenant checks, validation,
//! and the audit event of each change. It knows nothing of HTTP; the server maps requests onto these methods and
//! [`HubError`] onto responses, once.

mod audit;
mod auth;
pub mod demo;
mod error;
pub mod exchange;
pub mod jobs;
mod keyfile;
pub mod log;
mod registry;
pub mod users;
pub mod verification;

pub use auth::{ApiKeySecret, IssuedApiKey};
/// The evidence bundle format and its offline checker (the hub exports bundles with `Hub::export_evidence`).
pub use ecert_evidence as evidence;
pub use error::{HubError, Rejection};
pub use exchange::{ExchangeServices, ExchangeSettings, WebhookKey};
pub use log::{DEFAULT_CHECKPOINT_INTERVAL, DEFAULT_LOG_ORIGIN, load_or_create_log_key};
pub use registry::{CertificateDetail, InstitutionView};
pub use users::{LoginFailure, UserServices, UserSettings};

use ecert_store::Store;
use std::sync::Arc;
use time::OffsetDateTime;

pub type Result<T> = std::result::Result<T, HubError>;

/// Where the hub gets the time: the system clock in production, a fixed instant in tests.
#[derive(Clone, Copy, Debug)]
pub enum Clock {
    System,
    Fixed(OffsetDateTime),
}

impl Clock {
    pub fn now(self) -> OffsetDateTime {
        match self {
            Clock::System => OffsetDateTime::now_utc(),
            Clock::Fixed(t) => t,
        }
    }
}

#[derive(Clone)]
pub struct Hub {
    store: Arc<dyn Store>,
    clock: Clock,
    /// Signs the audit log's checkpoints (see [`load_or_create_log_key`]).
    log_signer: Arc<ecert_translog::LogSigner>,
    exchange: Arc<ExchangeServices>,
    /// Portal sign-in (see [`Hub::with_users`]); `None` on hubs that serve no portal.
    users: Option<Arc<UserServices>>,
    /// The upload path's registry reads, valid while the store's registry version stands.
    registry_cache: Arc<exchange::registry_cache::RegistryCache>,
}

impl Hub {
    /// `log_signer` is the audit log key, normally [`load_or_create_log_key`] on the data directory.
    pub fn new(store: Arc<dyn Store>, log_signer: ecert_translog::LogSigner, exchange: ExchangeServices) -> Self {
        Self {
            store,
            clock: Clock::System,
            log_signer: Arc::new(log_signer),
            exchange: Arc::new(exchange),
            users: None,
            registry_cache: Arc::default(),
        }
    }

    pub fn exchange(&self) -> &ExchangeServices {
        &self.exchange
    }

    /// Enables portal sign-in. Without it the sign-in and session methods fail with
    /// `HubError::Internal("portal users are not configured")`.
    pub fn with_users(mut self, users: UserServices) -> Self {
        self.users = Some(Arc::new(users));
        self
    }

    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }
}
