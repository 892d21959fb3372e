//! Sealing every sealed value anew under the current master key, for a change of
//! master key (`licentia admin rotate-master-key`): each value is opened with the
//! current key or else the previous one, and sealed with the current one under the
//! same label it was sealed with.

use std::sync::atomic::{AtomicU64, Ordering};

use licentia_ports::{Reseal, SealedKind, SealedRef};
use secrecy::ExposeSecret;

use crate::api::middleware::idempotency;
use crate::runtime::key_ring;
use crate::runtime::master_key::{MasterKey, OpenedWith};
use crate::services::webhooks::secret_label;

/// The label a value is bound to: the same functions that sealed it name it.
pub fn label(value: &SealedRef) -> String {
    match value {
        SealedRef::SigningKey { kid } => key_ring::private_key_label(kid).to_owned(),
        SealedRef::WebhookSecret { webhook } | SealedRef::PreviousWebhookSecret { webhook } => {
            secret_label(*webhook)
        }
        SealedRef::IdempotentAnswer { scope, key } => idempotency::label(scope, key),
    }
}

/// Opens with either configured key, seals with the current one; counts how many
/// values the previous key opened, and reports progress.
pub struct Resealer<'a, P> {
    master: &'a MasterKey,
    from_previous: AtomicU64,
    on_progress: P,
}

impl<P> std::fmt::Debug for Resealer<'_, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resealer")
            .field("master", self.master)
            .field("from_previous", &self.from_previous)
            .finish_non_exhaustive()
    }
}

impl<'a, P: Fn(SealedKind, u64) + Sync> Resealer<'a, P> {
    /// Seals anew with `master`, calling `on_progress(kind, done)` as the pass goes.
    pub fn new(master: &'a MasterKey, on_progress: P) -> Self {
        Self {
            master,
            from_previous: AtomicU64::new(0),
            on_progress,
        }
    }

    /// How many values opened only with the previous key so far.
    pub fn from_previous(&self) -> u64 {
        self.from_previous.load(Ordering::Relaxed)
    }
}

impl<P: Fn(SealedKind, u64) + Sync> Reseal for Resealer<'_, P> {
    fn reseal(&self, value: &SealedRef, sealed: &[u8]) -> Option<Vec<u8>> {
        let label = label(value);
        let (plain, with) = self.master.open_telling(&label, sealed).ok()?;
        if with == OpenedWith::Previous {
            self.from_previous.fetch_add(1, Ordering::Relaxed);
        }
        self.master.seal(&label, plain.expose_secret()).ok()
    }

    fn progress(&self, kind: SealedKind, done: u64) {
        (self.on_progress)(kind, done);
    }
}

#[cfg(test)]
mod tests {
    use licentia_domain::ids::WebhookId;
    use secrecy::SecretString;

    use super::*;

    fn keys() -> (SecretString, SecretString) {
        (
            MasterKey::generate_base64().expect("random"),
            MasterKey::generate_base64().expect("random"),
        )
    }

    fn every_kind() -> Vec<SealedRef> {
        let webhook = WebhookId::generate();
        vec![
            SealedRef::SigningKey {
                kid: "kid-1".into(),
            },
            SealedRef::WebhookSecret { webhook },
            SealedRef::PreviousWebhookSecret { webhook },
            SealedRef::IdempotentAnswer {
                scope: "0a1b".into(),
                key: "order-7".into(),
            },
        ]
    }

    #[test]
    fn labels_are_those_the_values_were_sealed_with() {
        let webhook = WebhookId::generate();
        assert_eq!(label(&SealedRef::SigningKey { kid: "k1".into() }), "k1");
        assert_eq!(
            label(&SealedRef::WebhookSecret { webhook }),
            format!("webhook:{webhook}")
        );
        assert_eq!(
            label(&SealedRef::PreviousWebhookSecret { webhook }),
            secret_label(webhook),
            "both secrets of an endpoint are bound to the endpoint"
        );
        assert_eq!(
            label(&SealedRef::IdempotentAnswer {
                scope: "s".into(),
                key: "k".into()
            }),
            "idempotency:s:k"
        );
    }

    #[test]
    fn a_value_sealed_under_the_old_key_comes_back_under_the_new_one_alone() {
        let (old, new) = keys();
        let before = MasterKey::from_base64(&old).expect("valid");
        let during = MasterKey::from_base64(&new)
            .expect("valid")
            .with_previous(&old)
            .expect("different keys");
        let after = MasterKey::from_base64(&new).expect("valid");
        let resealer = Resealer::new(&during, |_, _| {});
        for value in every_kind() {
            let sealed = before.seal(&label(&value), b"clear").expect("seals");
            let resealed = resealer.reseal(&value, &sealed).expect("opens");
            let opened = after
                .open(&label(&value), &resealed)
                .expect("new key alone");
            assert_eq!(opened.expose_secret().as_slice(), b"clear", "{value:?}");
            assert!(before.open(&label(&value), &resealed).is_err(), "{value:?}");
        }
        assert_eq!(resealer.from_previous(), 4);

        let current = after.seal("kid-1", b"clear").expect("seals");
        let value = SealedRef::SigningKey {
            kid: "kid-1".into(),
        };
        assert!(resealer.reseal(&value, &current).is_some());
        assert_eq!(
            resealer.from_previous(),
            4,
            "a value already under the current key is not counted"
        );
    }

    #[test]
    fn a_value_neither_key_opens_or_bound_elsewhere_is_refused() {
        let (old, new) = keys();
        let (stranger, _) = keys();
        let during = MasterKey::from_base64(&new)
            .expect("valid")
            .with_previous(&old)
            .expect("different keys");
        let resealer = Resealer::new(&during, |_, _| {});
        let foreign = MasterKey::from_base64(&stranger)
            .expect("valid")
            .seal("kid-1", b"clear")
            .expect("seals");
        let value = SealedRef::SigningKey {
            kid: "kid-1".into(),
        };
        assert!(resealer.reseal(&value, &foreign).is_none());
        let elsewhere = during.seal("kid-2", b"clear").expect("seals");
        assert!(resealer.reseal(&value, &elsewhere).is_none());
        assert!(resealer.reseal(&value, b"short").is_none());
    }
}
