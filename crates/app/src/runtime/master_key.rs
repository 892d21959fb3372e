//! The master key (`LICENTIA_MASTER_KEY`) and sealing of secrets at rest with
//! AES-256-GCM: signing keys' private halves, webhook secrets and stored idempotent
//! answers. A sealed value is `nonce (12 bytes) ‖ ciphertext ‖ tag`, and its label (a
//! kid, a webhook id…) is bound in as associated data, so a sealed value cannot be
//! swapped under another label.
//!
//! During a change of master key, the key being replaced is configured beside it
//! (`LICENTIA_PREVIOUS_MASTER_KEY`): values open with the current key or else the
//! previous one, and are always sealed with the current one.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use secrecy::{ExposeSecret, SecretBox, SecretString};

/// The key that seals (and opens), and the one it replaces, if any. `Debug` is
/// redacted.
pub struct MasterKey {
    current: Key,
    previous: Option<Key>,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.previous.is_some() {
            "MasterKey(<redacted>, previous: <redacted>)"
        } else {
            "MasterKey(<redacted>)"
        })
    }
}

/// One 32-byte AES-256-GCM key.
struct Key(SecretBox<[u8; 32]>);

/// Which configured key opened a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenedWith {
    /// `LICENTIA_MASTER_KEY`.
    Current,
    /// `LICENTIA_PREVIOUS_MASTER_KEY`.
    Previous,
}

/// Sealing or unsealing failed.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("LICENTIA_MASTER_KEY must be the base64 of exactly 32 bytes")]
    BadMasterKey,
    #[error("LICENTIA_PREVIOUS_MASTER_KEY must be the base64 of exactly 32 bytes")]
    BadPreviousMasterKey,
    #[error("LICENTIA_PREVIOUS_MASTER_KEY must differ from LICENTIA_MASTER_KEY")]
    SamePreviousMasterKey,
    #[error(
        "LICENTIA_PREVIOUS_MASTER_KEY needs LICENTIA_MASTER_KEY (the new key) to be set beside it"
    )]
    PreviousWithoutMasterKey,
    #[error("a sealed value cannot be opened with the master key")]
    CannotOpen,
    #[error("the system random source failed")]
    Random,
    #[error("cannot keep the development master key at {0}: {1}")]
    DevFile(String, std::io::Error),
}

impl Key {
    fn from_base64(encoded: &SecretString) -> Option<Self> {
        let bytes = STANDARD.decode(encoded.expose_secret().trim()).ok()?;
        let array: [u8; 32] = bytes.try_into().ok()?;
        Some(Self(SecretBox::new(Box::new(array))))
    }

    fn aead(&self) -> Result<LessSafeKey, SealError> {
        UnboundKey::new(&AES_256_GCM, self.0.expose_secret())
            .map(LessSafeKey::new)
            .map_err(|_| SealError::BadMasterKey)
    }

    fn open(&self, label: &str, sealed: &[u8]) -> Result<SecretBox<Vec<u8>>, SealError> {
        if sealed.len() < NONCE_LEN {
            return Err(SealError::CannotOpen);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError::CannotOpen)?;
        let mut buffer = ciphertext.to_vec();
        let plain = self
            .aead()?
            .open_in_place(nonce, Aad::from(label.as_bytes()), &mut buffer)
            .map_err(|_| SealError::CannotOpen)?;
        Ok(SecretBox::new(Box::new(plain.to_vec())))
    }
}

impl MasterKey {
    /// Decodes the configured value (base64 of 32 bytes).
    pub fn from_base64(encoded: &SecretString) -> Result<Self, SealError> {
        let current = Key::from_base64(encoded).ok_or(SealError::BadMasterKey)?;
        Ok(Self {
            current,
            previous: None,
        })
    }

    /// The keys as configured: `LICENTIA_MASTER_KEY` (or, when unset, the development
    /// key kept in `data_dir`) and `LICENTIA_PREVIOUS_MASTER_KEY`, which needs the
    /// former set explicitly.
    pub fn configured(
        current: Option<&SecretString>,
        previous: Option<&SecretString>,
        data_dir: &Path,
    ) -> Result<Self, SealError> {
        let key = match (current, previous) {
            (Some(current), _) => Self::from_base64(current)?,
            (None, Some(_)) => return Err(SealError::PreviousWithoutMasterKey),
            (None, None) => Self::development(&data_dir.join("master.key"))?,
        };
        match previous {
            Some(previous) => {
                let key = key.with_previous(previous)?;
                tracing::info!(
                    "LICENTIA_PREVIOUS_MASTER_KEY is set: what it sealed still opens, nothing new \
                     is sealed with it (docs/operations.md, \"The master key\")"
                );
                Ok(key)
            }
            None => Ok(key),
        }
    }

    /// This key, still opening what `previous` sealed.
    pub fn with_previous(self, previous: &SecretString) -> Result<Self, SealError> {
        let previous = Key::from_base64(previous).ok_or(SealError::BadPreviousMasterKey)?;
        if previous.0.expose_secret() == self.current.0.expose_secret() {
            return Err(SealError::SamePreviousMasterKey);
        }
        Ok(Self {
            current: self.current,
            previous: Some(previous),
        })
    }

    /// Whether a previous key is configured.
    pub fn has_previous(&self) -> bool {
        self.previous.is_some()
    }

    /// A fresh random key, base64-encoded (for development and tests).
    pub fn generate_base64() -> Result<SecretString, SealError> {
        let mut bytes = [0u8; 32];
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| SealError::Random)?;
        Ok(SecretString::from(STANDARD.encode(bytes)))
    }

    /// The development key kept in `path`, created (mode 0600) when missing.
    pub fn development(path: &Path) -> Result<Self, SealError> {
        let io = |e| SealError::DevFile(path.display().to_string(), e);
        if let Ok(existing) = std::fs::read_to_string(path) {
            return Self::from_base64(&SecretString::from(existing));
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let encoded = Self::generate_base64()?;
        write_private(path, encoded.expose_secret()).map_err(io)?;
        tracing::warn!(
            path = %path.display(),
            "LICENTIA_MASTER_KEY is not set: generated a development master key; set it in production"
        );
        Self::from_base64(&encoded)
    }

    /// Seals `secret` with the current key, binding `label`.
    pub fn seal(&self, label: &str, secret: &[u8]) -> Result<Vec<u8>, SealError> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| SealError::Random)?;
        let mut buffer = secret.to_vec();
        self.current
            .aead()?
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(label.as_bytes()),
                &mut buffer,
            )
            .map_err(|_| SealError::CannotOpen)?;
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&buffer);
        Ok(sealed)
    }

    /// Opens what [`MasterKey::seal`] sealed for `label`, with the current key or else
    /// the previous one.
    pub fn open(&self, label: &str, sealed: &[u8]) -> Result<SecretBox<Vec<u8>>, SealError> {
        self.open_telling(label, sealed).map(|(plain, _)| plain)
    }

    /// Like [`MasterKey::open`], telling which key opened it.
    pub fn open_telling(
        &self,
        label: &str,
        sealed: &[u8],
    ) -> Result<(SecretBox<Vec<u8>>, OpenedWith), SealError> {
        match (self.current.open(label, sealed), &self.previous) {
            (Ok(plain), _) => Ok((plain, OpenedWith::Current)),
            (Err(_), Some(previous)) => previous
                .open(label, sealed)
                .map(|plain| (plain, OpenedWith::Previous)),
            (Err(error), None) => Err(error),
        }
    }
}

#[cfg(unix)]
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(content.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    std::fs::write(path, content)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> MasterKey {
        MasterKey::from_base64(&MasterKey::generate_base64().expect("random")).expect("valid")
    }

    #[test]
    fn sealed_secrets_open_with_the_same_key_and_kid_only() {
        let master = key();
        let sealed = master.seal("kid-1", b"private key").expect("seals");
        assert_ne!(&sealed[NONCE_LEN..NONCE_LEN + 11], b"private key");
        assert_eq!(
            master
                .open("kid-1", &sealed)
                .expect("opens")
                .expose_secret()
                .as_slice(),
            b"private key"
        );
        assert!(master.open("kid-2", &sealed).is_err(), "the kid is bound");
        assert!(
            key().open("kid-1", &sealed).is_err(),
            "another master key cannot open it"
        );
    }

    #[test]
    fn a_master_key_must_be_32_bytes_of_base64() {
        assert!(MasterKey::from_base64(&SecretString::from("c2hvcnQ=")).is_err());
        assert!(MasterKey::from_base64(&SecretString::from("not base64!")).is_err());
    }

    #[test]
    fn with_a_previous_key_both_open_and_the_current_one_seals() {
        let (old, new) = (
            MasterKey::generate_base64().expect("random"),
            MasterKey::generate_base64().expect("random"),
        );
        let before = MasterKey::from_base64(&old).expect("valid");
        let sealed_before = before.seal("kid-1", b"old secret").expect("seals");
        let during = MasterKey::from_base64(&new)
            .expect("valid")
            .with_previous(&old)
            .expect("two different keys");
        assert!(during.has_previous());
        let (plain, with) = during.open_telling("kid-1", &sealed_before).expect("opens");
        assert_eq!(plain.expose_secret().as_slice(), b"old secret");
        assert_eq!(with, OpenedWith::Previous);
        assert!(
            during.open("kid-2", &sealed_before).is_err(),
            "the label stays bound"
        );

        let sealed_during = during.seal("kid-1", b"new secret").expect("seals");
        assert_eq!(
            during
                .open_telling("kid-1", &sealed_during)
                .expect("opens")
                .1,
            OpenedWith::Current
        );
        assert!(
            before.open("kid-1", &sealed_during).is_err(),
            "sealed with the current key, not the previous one"
        );
        let after = MasterKey::from_base64(&new).expect("valid");
        assert!(after.open("kid-1", &sealed_during).is_ok());
        assert!(
            after.open("kid-1", &sealed_before).is_err(),
            "without the previous key, what it sealed stays shut"
        );
    }

    #[test]
    fn a_previous_key_must_be_valid_differ_and_come_with_a_master_key() {
        let key = MasterKey::generate_base64().expect("random");
        let bad = MasterKey::from_base64(&key)
            .expect("valid")
            .with_previous(&SecretString::from("c2hvcnQ="));
        assert!(matches!(bad, Err(SealError::BadPreviousMasterKey)));
        let same = MasterKey::from_base64(&key)
            .expect("valid")
            .with_previous(&key);
        assert!(matches!(same, Err(SealError::SamePreviousMasterKey)));
        let alone = MasterKey::configured(None, Some(&key), Path::new("/nonexistent"));
        assert!(matches!(alone, Err(SealError::PreviousWithoutMasterKey)));
    }

    #[test]
    fn debug_never_shows_a_key() {
        let (old, new) = (
            MasterKey::generate_base64().expect("random"),
            MasterKey::generate_base64().expect("random"),
        );
        let keys = MasterKey::from_base64(&new)
            .expect("valid")
            .with_previous(&old)
            .expect("valid");
        let shown = format!("{keys:?}");
        assert!(!shown.contains(new.expose_secret()) && !shown.contains(old.expose_secret()));
        assert!(shown.contains("redacted"), "{shown}");
    }

    #[test]
    fn the_development_key_is_created_once_and_reused() {
        let dir = std::env::temp_dir().join(format!("licentia-test-{}", uuid::Uuid::new_v4()));
        let path = dir.join("master.key");
        let first = MasterKey::development(&path).expect("created");
        let sealed = first.seal("k", b"x").expect("seals");
        let second = MasterKey::development(&path).expect("read back");
        assert!(second.open("k", &sealed).is_ok());
        let _ = std::fs::remove_dir_all(dir);
    }
}
