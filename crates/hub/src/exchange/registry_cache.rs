//! The registry records an upload needs (the CAB's institution, accreditations, scope and certificates, the
//! destination's authorities, the receivers' webhooks), cached by registry version.
//!
//! Every committed write to a registry table moves the store's registry version (database triggers, so no write
//! path can forget it). An upload reads that one number first: while it is unchanged, the cached records are
//! exactly what the database holds, in this hub process and in any other sharing the database; once it moved,
//! the cache is emptied. One query replaces the six registry reads of an upload, and a revocation, suspension or
//! scope change applies to the very next upload, as it did without the cache.

use super::trust::CabRecords;
use crate::{Hub, Result};
use ecert_domain::country::CountryCode;
use ecert_domain::ids::InstitutionId;
use ecert_domain::institution::Institution;
use ecert_store::exchange::WebhookRecord;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard};

/// Entries per kind before the kind is emptied: a bound on memory, far above a registry's CABs and countries.
const MAX_ENTRIES: usize = 4096;

#[derive(Debug, Default)]
pub(crate) struct RegistryCache {
    state: Mutex<CacheState>,
}

#[derive(Debug, Default)]
struct CacheState {
    /// The registry version every entry below was read at (or after).
    version: i64,
    cabs: HashMap<InstitutionId, Arc<CabRecords>>,
    authorities: HashMap<CountryCode, Arc<Vec<Institution>>>,
    webhooks: HashMap<InstitutionId, Arc<Vec<WebhookRecord>>>,
}

/// One upload's view of the registry: the version read at its start, and the cache to read through.
pub(crate) struct RegistryView<'a> {
    hub: &'a Hub,
    version: i64,
}

impl RegistryCache {
    fn state(&self) -> MutexGuard<'_, CacheState> {
        // The state is a cache: after a panic elsewhere it is still a valid (at worst emptier) cache.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records the version an upload just read; a newer one empties the cache.
    fn observe(&self, version: i64) {
        let mut state = self.state();
        if version > state.version {
            *state = CacheState { version, ..CacheState::default() };
        }
    }

    /// The entry, if it was read at `version`. An upload that read an older version than the cache's gets no
    /// entry: it reads the database itself, as without the cache.
    fn get<K: Eq + Hash, V>(
        &self,
        version: i64,
        kind: fn(&mut CacheState) -> &mut HashMap<K, Arc<V>>,
        key: &K,
    ) -> Option<Arc<V>> {
        let mut state = self.state();
        if state.version != version {
            return None;
        }
        kind(&mut state).get(key).cloned()
    }

    /// Keeps records read after the upload read `version`, unless the registry moved on meanwhile: they might
    /// then predate the change, so they are not kept.
    fn put<K: Eq + Hash, V>(
        &self,
        version: i64,
        kind: fn(&mut CacheState) -> &mut HashMap<K, Arc<V>>,
        key: K,
        value: &Arc<V>,
    ) {
        let mut state = self.state();
        if state.version != version {
            return;
        }
        let entries = kind(&mut state);
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key, value.clone());
    }
}

impl Hub {
    /// Reads the registry version: the one query an upload makes for its registry records while they are cached.
    pub(crate) async fn registry_view(&self) -> Result<RegistryView<'_>> {
        let version = self.store().registry_version().await?;
        self.registry_cache.observe(version);
        Ok(RegistryView { hub: self, version })
    }
}

impl RegistryView<'_> {
    async fn read_through<K: Eq + Hash + Clone, V, F>(
        &self,
        kind: fn(&mut CacheState) -> &mut HashMap<K, Arc<V>>,
        key: K,
        load: F,
    ) -> Result<Arc<V>>
    where
        F: Future<Output = Result<V>>,
    {
        let cache = &self.hub.registry_cache;
        if let Some(hit) = cache.get(self.version, kind, &key) {
            return Ok(hit);
        }
        let loaded = Arc::new(load.await?);
        cache.put(self.version, kind, key, &loaded);
        Ok(loaded)
    }

    pub(crate) async fn cab_records(&self, cab: InstitutionId) -> Result<Arc<CabRecords>> {
        self.read_through(|s| &mut s.cabs, cab, self.hub.cab_records(cab)).await
    }

    /// Every institution of `country` (at most the routing bound), for routing.
    pub(crate) async fn authorities_of(&self, country: CountryCode) -> Result<Arc<Vec<Institution>>> {
        self.read_through(|s| &mut s.authorities, country, self.hub.institutions_of(country)).await
    }

    pub(crate) async fn webhooks_of(&self, receiver: InstitutionId) -> Result<Arc<Vec<WebhookRecord>>> {
        let load = async { Ok(self.hub.store().list_webhooks(receiver).await?) };
        self.read_through(|s| &mut s.webhooks, receiver, load).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cab(n: u128) -> InstitutionId {
        InstitutionId(uuid::Uuid::from_u128(n))
    }

    fn no_webhooks() -> Arc<Vec<WebhookRecord>> {
        Arc::new(Vec::new())
    }

    #[test]
    fn entries_live_only_as_long_as_their_version() {
        let cache = RegistryCache::default();
        cache.observe(3);
        let hooks = no_webhooks();
        cache.put(3, |s| &mut s.webhooks, cab(1), &hooks);
        assert!(cache.get(3, |s| &mut s.webhooks, &cab(1)).is_some());
        assert!(cache.get(2, |s| &mut s.webhooks, &cab(1)).is_none(), "an older view reads the database");

        // A registry write moved the version: everything read before is gone.
        cache.observe(4);
        assert!(cache.get(4, |s| &mut s.webhooks, &cab(1)).is_none());
        // Records an upload loaded under version 3 may predate the write: they are not kept.
        cache.put(3, |s| &mut s.webhooks, cab(1), &hooks);
        assert!(cache.get(4, |s| &mut s.webhooks, &cab(1)).is_none());
        // An older version seen late changes nothing.
        cache.put(4, |s| &mut s.webhooks, cab(2), &hooks);
        cache.observe(3);
        assert!(cache.get(4, |s| &mut s.webhooks, &cab(2)).is_some());
    }

    #[test]
    fn each_kind_is_bounded() {
        let cache = RegistryCache::default();
        let hooks = no_webhooks();
        for n in 0..(MAX_ENTRIES as u128 + 1) {
            cache.put(0, |s| &mut s.webhooks, cab(n), &hooks);
        }
        assert_eq!(cache.state().webhooks.len(), 1, "emptied at the bound, then the new entry kept");
    }
}
