//! Every value sealed with the master key, for sealing them all anew under another
//! one (`licentia admin rotate-master-key`). The store hands out sealed bytes with the
//! record they belong to and writes back what the app returns; opening and sealing
//! stay in the app, so the store never sees a key or a value in clear.

use async_trait::async_trait;
use licentia_domain::ids::WebhookId;
use time::OffsetDateTime;

use crate::RepositoryError;

/// The kinds of sealed values, in the order a pass visits them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SealedKind {
    /// A signing key's private half (`signing_keys.sealed_private_key`).
    SigningKey,
    /// A webhook endpoint's secret (`webhook_endpoints.secret_sealed`).
    WebhookSecret,
    /// The secret an endpoint had before its last rotation, while it still signs
    /// (`webhook_endpoints.previous_secret_sealed`).
    PreviousWebhookSecret,
    /// A stored `Idempotency-Key` answer (`idempotency_keys.body`).
    IdempotentAnswer,
}

impl SealedKind {
    /// Every kind, in the order a pass visits them.
    pub const ALL: [SealedKind; 4] = [
        SealedKind::SigningKey,
        SealedKind::WebhookSecret,
        SealedKind::PreviousWebhookSecret,
        SealedKind::IdempotentAnswer,
    ];
}

/// Which record holds a sealed value: what the app binds it to when sealing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SealedRef {
    /// A signing key, by its kid.
    SigningKey { kid: String },
    /// An endpoint's current secret.
    WebhookSecret { webhook: WebhookId },
    /// An endpoint's previous secret.
    PreviousWebhookSecret { webhook: WebhookId },
    /// A stored answer, by its credential scope (a hash) and `Idempotency-Key`.
    IdempotentAnswer { scope: String, key: String },
}

impl SealedRef {
    /// Its kind.
    pub fn kind(&self) -> SealedKind {
        match self {
            SealedRef::SigningKey { .. } => SealedKind::SigningKey,
            SealedRef::WebhookSecret { .. } => SealedKind::WebhookSecret,
            SealedRef::PreviousWebhookSecret { .. } => SealedKind::PreviousWebhookSecret,
            SealedRef::IdempotentAnswer { .. } => SealedKind::IdempotentAnswer,
        }
    }
}

/// How many values of each kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SealedCounts([u64; 4]);

impl SealedCounts {
    /// The count of `kind`.
    pub fn get(&self, kind: SealedKind) -> u64 {
        self.0[Self::index(kind)]
    }

    /// Adds `n` to the count of `kind`.
    pub fn add(&mut self, kind: SealedKind, n: u64) {
        self.0[Self::index(kind)] += n;
    }

    /// All kinds together.
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    fn index(kind: SealedKind) -> usize {
        match kind {
            SealedKind::SigningKey => 0,
            SealedKind::WebhookSecret => 1,
            SealedKind::PreviousWebhookSecret => 2,
            SealedKind::IdempotentAnswer => 3,
        }
    }
}

/// Opens a sealed value and seals it anew; implemented by the app, which holds the keys.
pub trait Reseal: Sync {
    /// `sealed` sealed anew for the same record, or `None` when it cannot be opened.
    fn reseal(&self, value: &SealedRef, sealed: &[u8]) -> Option<Vec<u8>>;

    /// `done` values of `kind` are handled so far (called after every batch, and once
    /// at the end of each kind, even an empty one).
    fn progress(&self, kind: SealedKind, done: u64) {
        let _ = (kind, done);
    }
}

/// What a pass did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResealOutcome {
    /// Every value was sealed anew, and the expired ones removed, in one transaction.
    Resealed {
        resealed: SealedCounts,
        /// Values nothing reads any more, removed instead of sealed anew: previous
        /// webhook secrets past their overlap, idempotent answers past their retention.
        expired: SealedCounts,
    },
    /// These values could not be opened, so nothing was written.
    Refused { unreadable: Vec<SealedRef> },
}

/// Every sealed value of the store, for a change of master key.
#[async_trait]
pub trait SealedValueStore: Send + Sync {
    /// In ONE transaction, with every visited row locked: removes the expired values
    /// (as of `now`), hands every other sealed value to `reseal` and writes what it
    /// returns in its place. When `reseal` cannot open a value, the pass still visits
    /// every value (so that all the unreadable ones are reported) and MUST write
    /// nothing: the transaction is rolled back and the outcome is `Refused`.
    async fn reseal_all(
        &self,
        reseal: &dyn Reseal,
        now: OffsetDateTime,
    ) -> Result<ResealOutcome, RepositoryError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_kept_per_kind() {
        let mut counts = SealedCounts::default();
        counts.add(SealedKind::WebhookSecret, 2);
        counts.add(SealedKind::IdempotentAnswer, 3);
        counts.add(SealedKind::WebhookSecret, 1);
        assert_eq!(counts.get(SealedKind::WebhookSecret), 3);
        assert_eq!(counts.get(SealedKind::PreviousWebhookSecret), 0);
        assert_eq!(counts.get(SealedKind::IdempotentAnswer), 3);
        assert_eq!(counts.total(), 6);
    }

    #[test]
    fn every_reference_knows_its_kind() {
        let webhook = WebhookId::generate();
        let refs = [
            SealedRef::SigningKey { kid: "k".into() },
            SealedRef::WebhookSecret { webhook },
            SealedRef::PreviousWebhookSecret { webhook },
            SealedRef::IdempotentAnswer {
                scope: "s".into(),
                key: "k".into(),
            },
        ];
        let kinds: Vec<_> = refs.iter().map(SealedRef::kind).collect();
        assert_eq!(kinds, SealedKind::ALL);
    }
}
