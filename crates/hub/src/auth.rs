//! API keys: `ecert_<key id>_<secret>`. The key id finds the record; only SHA-256 of the 256-bit random secret is
//! stored, and it is compared in constant time. (Argon2id is for low-entropy passwords; a uniformly random
//! 256-bit secret needs no stretching, and a fast hash keeps every API call cheap.)

use crate::audit::WithDigests;
use crate::{Hub, HubError, Result};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ecert_domain::FieldErrorCode;
use ecert_domain::audit::EventType;
use ecert_domain::auth::{Credential, Permission, Principal};
use ecert_domain::ids::{ApiKeyId, InstitutionId};
use ecert_domain::institution::LifecycleStatus;
use ecert_store::{ApiKeyRecord, Receipt};
use subtle::ConstantTimeEq;

const PREFIX: &str = "ecert_";
const SECRET_BYTES: usize = 32;
const MAX_LABEL_LEN: usize = 100;

/// A parsed presented key. Never logged: its `Debug` hides the secret.
pub struct ApiKeySecret {
    pub id: ApiKeyId,
    secret: Vec<u8>,
}

impl std::fmt::Debug for ApiKeySecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ApiKeySecret({}, <redacted>)", self.id)
    }
}

impl ApiKeySecret {
    pub fn parse(presented: &str) -> Option<Self> {
        let rest = presented.strip_prefix(PREFIX)?;
        let (id, secret) = rest.split_once('_')?;
        let id = ApiKeyId(uuid::Uuid::try_parse(id).ok()?);
        let secret = URL_SAFE_NO_PAD.decode(secret).ok()?;
        (secret.len() == SECRET_BYTES).then_some(Self { id, secret })
    }

    fn hash(&self) -> Vec<u8> {
        hash_secret(&self.secret)
    }
}

fn hash_secret(secret: &[u8]) -> Vec<u8> {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, secret).as_ref().to_vec()
}

/// A newly issued key: the record, and the full key string that is shown once and never stored.
pub struct IssuedApiKey {
    pub record: ApiKeyRecord,
    pub key: String,
    pub receipt: Receipt,
}

impl Hub {
    /// Resolves a presented API key to the principal it acts for. Every failure is the same `Unauthenticated` to
    /// the caller, so a probe learns nothing about which keys exist.
    pub async fn authenticate_api_key(&self, presented: &str) -> Result<Principal> {
        let parsed = ApiKeySecret::parse(presented).ok_or(HubError::Unauthenticated { reason: "malformed key" })?;
        let record =
            self.store().get_api_key(parsed.id).await?.ok_or(HubError::Unauthenticated { reason: "unknown key id" })?;
        let matches: bool = parsed.hash().ct_eq(&record.secret_hash).into();
        if !matches {
            return Err(HubError::Unauthenticated { reason: "wrong secret" });
        }
        if record.revoked_at.is_some() {
            return Err(HubError::Unauthenticated { reason: "revoked key" });
        }
        let institution = self
            .store()
            .get_institution(record.institution)
            .await?
            .ok_or(HubError::Unauthenticated { reason: "institution missing" })?;
        // A suspended institution may still sign in to read its records; pending and withdrawn ones may not act.
        match institution.status_on(self.now().date()) {
            LifecycleStatus::Active | LifecycleStatus::Suspended => {}
            LifecycleStatus::Pending | LifecycleStatus::Withdrawn => {
                return Err(HubError::Unauthenticated { reason: "institution not active" });
            }
        }
        Ok(Principal {
            institution: institution.id,
            roles: institution.roles,
            credential: Credential::ApiKey(record.id),
        })
    }

    /// Issues an API key for `institution` (operator only). The key inherits the institution's roles.
    pub async fn create_api_key(&self, p: &Principal, institution: InstitutionId, label: &str) -> Result<IssuedApiKey> {
        require(p, Permission::ManageRegistries)?;
        let label = label.trim();
        let len = label.chars().count();
        if len == 0 || len > MAX_LABEL_LEN || label.chars().any(char::is_control) {
            return Err(HubError::invalid_with_code(
                "label",
                FieldErrorCode::for_length(len, MAX_LABEL_LEN),
                format!("must be 1 to {MAX_LABEL_LEN} printable characters"),
            ));
        }
        if self.store().get_institution(institution).await?.is_none() {
            return Err(HubError::NotFound("institution"));
        }
        let mut secret = [0u8; SECRET_BYTES];
        aws_lc_rs::rand::fill(&mut secret).map_err(|_| HubError::Internal("random generator failed".into()))?;
        let record = ApiKeyRecord {
            id: ApiKeyId::new(),
            institution,
            label: label.to_owned(),
            secret_hash: hash_secret(&secret),
            created_at: self.now(),
            revoked_at: None,
        };
        let key = format!("{PREFIX}{}_{}", record.id.0.simple(), URL_SAFE_NO_PAD.encode(secret));
        let audit = self
            .event(p, EventType::ApiKeyCreated, Some(institution), vec![format!("api_key:{}", record.id)])
            .after(&record);
        let receipt = self.store().insert_api_key(&record, &audit).await?;
        Ok(IssuedApiKey { record, key, receipt })
    }

    pub async fn list_api_keys(&self, p: &Principal, institution: InstitutionId) -> Result<Vec<ApiKeyRecord>> {
        if !p.can_access(institution) {
            return Err(HubError::NotFound("institution"));
        }
        Ok(self.store().list_api_keys(institution).await?)
    }

    /// Revokes a key: the operator any key, an institution its own.
    pub async fn revoke_api_key(&self, p: &Principal, id: ApiKeyId) -> Result<Receipt> {
        let record = self.store().get_api_key(id).await?.filter(|k| p.can_access(k.institution));
        let record = record.ok_or(HubError::NotFound("API key"))?;
        let audit = self
            .event(p, EventType::ApiKeyRevoked, Some(record.institution), vec![format!("api_key:{id}")])
            .before(&record);
        Ok(self.store().revoke_api_key(id, self.now(), &audit).await?)
    }
}

pub(crate) fn require(p: &Principal, permission: Permission) -> Result<()> {
    if p.has(permission) { Ok(()) } else { Err(HubError::Forbidden(permission)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_rejects_malformed_keys() {
        assert!(ApiKeySecret::parse("").is_none());
        assert!(ApiKeySecret::parse("ecert_nothex_abc").is_none());
        let id = uuid::Uuid::now_v7().simple().to_string();
        assert!(ApiKeySecret::parse(&format!("ecert_{id}_{}", URL_SAFE_NO_PAD.encode([0u8; 31]))).is_none());
        let ok = ApiKeySecret::parse(&format!("ecert_{id}_{}", URL_SAFE_NO_PAD.encode([7u8; 32]))).unwrap();
        assert!(!format!("{ok:?}").contains(&URL_SAFE_NO_PAD.encode([7u8; 32])));
    }
}
