//! API keys and sessions as stored: never the secret, only what identifies it.

use time::OffsetDateTime;

use crate::access::AccessGrant;
use crate::ids::{ApiKeyId, ProductId, SessionId, UserId};
use crate::scope::ScopeSet;
use crate::text::Name;

/// The longest grace a rotated secret may keep working: one day.
pub const MAX_ROTATION_GRACE_SECONDS: u32 = 86_400;

/// A management API key.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub owner: UserId,
    pub name: Name,
    /// The first characters of the current secret (`sk_live_AbCd`).
    pub prefix: String,
    /// The last four characters of the current secret.
    pub last_four: String,
    pub scopes: ScopeSet,
    pub product_id: Option<ProductId>,
    pub expires_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
    pub last_used_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// Why a presented API key may not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyUnusable {
    #[error("this API key has been revoked")]
    Revoked,
    #[error("this API key has expired")]
    Expired,
}

impl ApiKey {
    /// What the key may do.
    pub fn grant(&self) -> AccessGrant {
        AccessGrant::new(self.scopes.clone(), self.product_id).until(self.expires_at)
    }

    /// Whether the key may be used at `now`. Revocation is checked first.
    pub fn check_usable(&self, now: OffsetDateTime) -> Result<(), KeyUnusable> {
        if self.revoked_at.is_some_and(|at| at <= now) {
            return Err(KeyUnusable::Revoked);
        }
        if self.expires_at.is_some_and(|at| at <= now) {
            return Err(KeyUnusable::Expired);
        }
        Ok(())
    }
}

/// A login session of a user.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub id: SessionId,
    pub user_id: UserId,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

    fn key() -> ApiKey {
        ApiKey {
            id: ApiKeyId::generate(),
            owner: UserId::generate(),
            name: Name::parse("shop").expect("valid"),
            prefix: "sk_live_abcd".into(),
            last_four: "wxyz".into(),
            scopes: ScopeSet::everything(),
            product_id: None,
            expires_at: None,
            revoked_at: None,
            last_used_at: None,
            created_at: NOW,
            updated_at: NOW,
        }
    }

    #[test]
    fn revocation_wins_over_expiry() {
        let mut k = key();
        k.expires_at = Some(NOW);
        k.revoked_at = Some(NOW);
        assert_eq!(k.check_usable(NOW), Err(KeyUnusable::Revoked));
    }

    #[test]
    fn a_key_expires_at_its_instant() {
        let mut k = key();
        k.expires_at = Some(NOW);
        assert_eq!(k.check_usable(NOW), Err(KeyUnusable::Expired));
        assert_eq!(k.check_usable(NOW - time::Duration::seconds(1)), Ok(()));
    }
}
