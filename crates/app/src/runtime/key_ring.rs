//! The signing keys in use: the active one signs, all are published for verification.

use std::sync::{Arc, RwLock};

use licentia_domain::jwks::Jwks;
use licentia_domain::signing::{PublicKey, SigningKey};
use licentia_ports::{SigningKeyRepository, StoredSigningKey};
use secrecy::ExposeSecret;

use crate::runtime::master_key::MasterKey;

/// The loaded keys. Cheap to clone; reloaded after a rotation.
#[derive(Clone, Debug, Default)]
pub struct KeyRing {
    inner: Arc<RwLock<Option<Keys>>>,
}

#[derive(Debug)]
struct Keys {
    active: Arc<SigningKey>,
    public: Vec<PublicKey>,
}

/// The key ring could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeyRingError {
    #[error("signing keys: {0}")]
    Storage(#[from] licentia_ports::RepositoryError),
    #[error(transparent)]
    Seal(#[from] crate::runtime::master_key::SealError),
    #[error("signing key {0} is not a valid Ed25519 key")]
    Invalid(String),
}

/// What a private key is sealed to: its kid.
pub fn private_key_label(kid: &str) -> &str {
    kid
}

/// Creates a new active key, sealed with `master`; returns its kid.
pub async fn rotate(
    repository: &dyn SigningKeyRepository,
    master: &MasterKey,
) -> Result<String, KeyRingError> {
    let (key, pkcs8) = SigningKey::generate().map_err(|_| KeyRingError::Invalid("new".into()))?;
    let kid = key.kid().to_owned();
    repository
        .add_active_signing_key(StoredSigningKey {
            kid: kid.clone(),
            public_key: key.public_key().as_bytes().to_vec(),
            sealed_private_key: master.seal(private_key_label(&kid), pkcs8.expose_secret())?,
            active: true,
            created_at: time::OffsetDateTime::now_utc(),
        })
        .await?;
    Ok(kid)
}

async fn read(
    repository: &dyn SigningKeyRepository,
    master: &MasterKey,
) -> Result<Keys, KeyRingError> {
    let mut stored = repository.list_signing_keys().await?;
    if !stored.iter().any(|k| k.active) {
        rotate(repository, master).await?;
        stored = repository.list_signing_keys().await?;
    }
    let public = stored
        .iter()
        .map(|k| {
            PublicKey::from_bytes(&k.public_key).map_err(|_| KeyRingError::Invalid(k.kid.clone()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let active = stored
        .iter()
        .find(|k| k.active)
        .ok_or_else(|| KeyRingError::Invalid("active".into()))?;
    let pkcs8 = master.open(private_key_label(&active.kid), &active.sealed_private_key)?;
    let key = SigningKey::from_pkcs8(pkcs8.expose_secret())
        .map_err(|_| KeyRingError::Invalid(active.kid.clone()))?;
    Ok(Keys {
        active: Arc::new(key),
        public,
    })
}

impl KeyRing {
    /// (Re-)reads the keys, creating the first one when there is none.
    pub async fn reload(
        &self,
        repository: &dyn SigningKeyRepository,
        master: &MasterKey,
    ) -> Result<(), KeyRingError> {
        let keys = read(repository, master).await?;
        if let Ok(mut inner) = self.inner.write() {
            *inner = Some(keys);
        }
        Ok(())
    }

    /// The key that signs now (`None` until the keys are loaded).
    pub fn active(&self) -> Option<Arc<SigningKey>> {
        self.inner
            .read()
            .ok()?
            .as_ref()
            .map(|k| Arc::clone(&k.active))
    }

    /// Every published public key, as a JWKS.
    pub fn jwks(&self) -> Jwks {
        let keys = self
            .inner
            .read()
            .ok()
            .and_then(|k| k.as_ref().map(|k| Jwks::from_public_keys(&k.public)));
        keys.unwrap_or(Jwks { keys: vec![] })
    }
}
