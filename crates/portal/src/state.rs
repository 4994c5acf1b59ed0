use crate::PortalConfig;
use crate::i18n::Catalog;
use ecert_hub::Hub;
use std::sync::Arc;

/// What every portal handler gets: the hub, the configuration and the translations.
#[derive(Clone)]
pub struct PortalState {
    pub hub: Hub,
    pub config: Arc<PortalConfig>,
    pub catalog: Arc<Catalog>,
}

impl PortalState {
    pub fn new(hub: Hub, config: PortalConfig, catalog: &Arc<Catalog>) -> Self {
        Self { hub, config: Arc::new(config), catalog: Arc::clone(catalog) }
    }
}
