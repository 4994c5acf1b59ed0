//! The hub under test: an in-process hub on a temporary SQLite database, seeded with the demo participants and
//! the shared test PKI (so PDFs the tests sign are trusted), with portal sign-in enabled, served over real TCP on
//! 127.0.0.1 for Chromium. Its portal users are created through `Hub::create_user`, as the operator.

use crate::totp::Authenticator;
use ecert_domain::auth::Principal;
use ecert_domain::ids::InstitutionId;
use ecert_domain::institution::Role;
use ecert_domain::user::NewUser;
use ecert_hub::Hub;
use ecert_hub::demo::DemoCredentials;
use std::sync::Arc;

pub struct BrowserApp {
    /// `http://127.0.0.1:<port>`: Chromium treats loopback as a secure context, so the portal's `Secure`
    /// `__Host-` cookies work over plain http there.
    pub base: String,
    pub hub: Hub,
    pub demo: DemoCredentials,
    /// Scratch space for files the browser uploads.
    pub files: tempfile::TempDir,
    operator: Principal,
    _dir: tempfile::TempDir,
    _server: tokio::task::JoinHandle<()>,
}

/// Which demo institution a portal user belongs to.
#[derive(Debug, Clone, Copy)]
pub enum Member {
    Operator,
    Cab,
    Customs,
}

/// A portal user as a person knows it: the password, and (after enrolment) the authenticator app.
pub struct PortalUser {
    pub username: String,
    pub password: String,
    pub display_name: String,
    pub authenticator: Option<Authenticator>,
}

impl BrowserApp {
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn ecert_store::Store> = ecert_store::open(None, dir.path()).await.expect("open SQLite store");
        let log_key = ecert_hub::load_or_create_log_key(dir.path(), "test.ecert.local/log").expect("log key");
        let exchange = ecert_hub::ExchangeServices::for_data_dir(dir.path(), ecert_hub::ExchangeSettings::default())
            .expect("exchange services");
        let users = ecert_hub::UserServices::for_data_dir(dir.path(), ecert_hub::UserSettings::default())
            .expect("user services");
        let hub = Hub::new(store, log_key, exchange).with_users(users);
        let pki = ecert_pki::testpki::TestPki::shared().expect("test PKI");
        let demo = hub.seed_demo(Some(pki)).await.expect("seed demo");
        let operator = hub.authenticate_api_key(&demo.operator_key).await.expect("operator principal");
        // Every browser signs in from 127.0.0.1: the per-address login throttle is tested elsewhere, here it
        // must not cut a flow short.
        let limits = ecert_server::HttpLimits {
            login_rate_limit: ecert_server::RateLimit { per_minute: 600, burst: 100, max_clients: 100 },
            ..ecert_server::HttpLimits::default()
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        // The public authenticity links the portal shows point at this very server.
        let verification = ecert_server::VerificationConfig {
            public_base_url: base.clone(),
            ..ecert_server::VerificationConfig::default()
        };
        let app = ecert_server::app_with(hub.clone(), &limits, &verification);
        let server = tokio::spawn(async move {
            axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>()).await.unwrap();
        });
        Self { base, hub, demo, files: tempfile::tempdir().unwrap(), operator, _dir: dir, _server: server }
    }

    fn institution(&self, member: Member) -> InstitutionId {
        let id = match member {
            Member::Operator => return self.operator.institution,
            Member::Cab => &self.demo.cab_id,
            Member::Customs => &self.demo.receiver_id,
        };
        id.parse().expect("demo institution id")
    }

    /// Creates a user of a demo institution with its main role; the user enrols TOTP at first sign-in.
    pub async fn create_user(&self, member: Member, username: &str, display_name: &str) -> PortalUser {
        let role = match member {
            Member::Operator => Role::HubOperator,
            Member::Cab => Role::IssuingCab,
            Member::Customs => Role::Customs,
        };
        let password = format!("{username}-Pass-{}", uuid::Uuid::new_v4().simple());
        let new = NewUser {
            institution: self.institution(member),
            username: username.to_owned(),
            display_name: display_name.to_owned(),
            roles: vec![role],
            password: password.clone(),
        };
        self.hub.create_user(&self.operator, new).await.expect("create user");
        PortalUser {
            username: username.to_owned(),
            password,
            display_name: display_name.to_owned(),
            authenticator: None,
        }
    }
}
