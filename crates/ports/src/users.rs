//! Accounts and their login sessions.

use async_trait::async_trait;
use licentia_domain::account::{Role, Tier, User};
use licentia_domain::api_key::Session;
use licentia_domain::email::Email;
use licentia_domain::ids::{SessionId, UserId};
use licentia_domain::secret_token::TokenHash;
use licentia_domain::text::Name;
use time::OffsetDateTime;

use crate::{Page, PageRequest, RepositoryError};

/// A user to create. The password arrives already hashed (Argon2id PHC string).
#[derive(Debug, Clone)]
pub struct NewUser {
    pub id: UserId,
    pub email: Email,
    pub name: Name,
    pub password_hash: String,
    pub tier: Tier,
    pub role: Role,
    pub created_at: OffsetDateTime,
}

/// A session to create; only the token's hash is stored.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub id: SessionId,
    pub user_id: UserId,
    pub token_hash: TokenHash,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// A session found by its token, with its user.
#[derive(Debug, Clone)]
pub struct SessionLookup {
    pub session: Session,
    pub user: User,
}

/// Users and sessions.
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// MUST return `Conflict(Email)` when the address is taken.
    async fn create_user(&self, user: NewUser) -> Result<User, RepositoryError>;

    /// The user with this address and its password hash, or `None`.
    async fn find_login(&self, email: &Email) -> Result<Option<(User, String)>, RepositoryError>;

    /// MUST return `NotFound` for an unknown id.
    async fn get_user(&self, id: UserId) -> Result<User, RepositoryError>;

    /// MUST return `NotFound` for an unknown address.
    async fn get_user_by_email(&self, email: &Email) -> Result<User, RepositoryError>;

    /// All users, newest first (operators).
    async fn list_users(&self, page: PageRequest) -> Result<Page<User>, RepositoryError>;

    /// Changes tier and/or role. MUST return `NotFound` for an unknown address.
    async fn set_tier_and_role(
        &self,
        email: &Email,
        tier: Option<Tier>,
        role: Option<Role>,
    ) -> Result<User, RepositoryError>;

    /// Disables (at `now`) or re-enables a user; a disabled user's keys and sessions
    /// are refused. MUST return `NotFound` for an unknown address.
    async fn set_disabled(
        &self,
        email: &Email,
        disabled: bool,
        now: OffsetDateTime,
    ) -> Result<User, RepositoryError>;

    /// Stores a session.
    async fn create_session(&self, session: NewSession) -> Result<(), RepositoryError>;

    /// The live (unexpired) session with this token hash and its user, or `None`.
    async fn find_session(
        &self,
        token_hash: &TokenHash,
        now: OffsetDateTime,
    ) -> Result<Option<SessionLookup>, RepositoryError>;

    /// Ends a session at once. Ending an unknown session is not an error.
    async fn delete_session(&self, token_hash: &TokenHash) -> Result<(), RepositoryError>;

    /// Deletes sessions that expired before `now`; returns how many.
    async fn purge_expired_sessions(&self, now: OffsetDateTime) -> Result<u64, RepositoryError>;
}
