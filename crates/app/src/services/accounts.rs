//! Registering, logging in and out.

use licentia_domain::account::{Password, Role, Tier, User};
use licentia_domain::email::Email;
use licentia_domain::ids::{SessionId, UserId};
use licentia_domain::secret_token::{PlainToken, TokenKind};
use licentia_domain::text::Name;
use licentia_ports::{NewSession, NewUser, RepositoryError, UniqueField};

use crate::error::AppError;
use crate::passwords;
use crate::state::AppState;

/// A validated registration.
#[derive(Debug)]
pub struct Registration {
    pub email: Email,
    pub password: Password,
    pub name: Name,
}

/// Creates an account (tier and role as given; the API always uses start/user).
pub async fn create_user(
    state: &AppState,
    registration: Registration,
    tier: Tier,
    role: Role,
) -> Result<User, AppError> {
    let password_hash = passwords::hash(registration.password)
        .await
        .map_err(AppError::internal)?;
    state
        .users
        .create_user(NewUser {
            id: UserId::generate(),
            email: registration.email,
            name: registration.name,
            password_hash,
            tier,
            role,
            created_at: state.clock.now(),
        })
        .await
        .map_err(|e| match e {
            RepositoryError::Conflict(UniqueField::Email) => {
                AppError::conflict("EMAIL_TAKEN", "an account with this email already exists")
            }
            other => AppError::from_repository(other, "user", "new"),
        })
}

/// Registers through the API (when open) and logs the new user in.
pub async fn register(
    state: &AppState,
    registration: Registration,
) -> Result<(User, PlainToken), AppError> {
    if !state.settings.open_registration {
        return Err(AppError::forbidden(
            "REGISTRATION_CLOSED",
            "registration is closed on this server",
        ));
    }
    let user = create_user(state, registration, Tier::default(), Role::default()).await?;
    let token = start_session(state, &user).await?;
    Ok((user, token))
}

/// Checks the password; a wrong password and an unknown e-mail answer identically.
pub async fn login(
    state: &AppState,
    email: &Email,
    password: String,
) -> Result<(User, PlainToken), AppError> {
    let found = state
        .users
        .find_login(email)
        .await
        .map_err(|e| AppError::from_repository(e, "user", "login"))?;
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), Some(hash)),
        None => (None, None),
    };
    let verified = passwords::verify(password, hash).await;
    match user {
        Some(user) if verified && !user.disabled => {
            let token = start_session(state, &user).await?;
            Ok((user, token))
        }
        _ => Err(AppError::unauthorized(
            "INVALID_CREDENTIALS",
            "email or password is incorrect",
        )),
    }
}

async fn start_session(state: &AppState, user: &User) -> Result<PlainToken, AppError> {
    let token = PlainToken::generate(TokenKind::Session);
    let now = state.clock.now();
    let ttl =
        time::Duration::try_from(state.settings.session_ttl).unwrap_or(time::Duration::days(30));
    state
        .users
        .create_session(NewSession {
            id: SessionId::generate(),
            user_id: user.id,
            token_hash: token.hash(),
            created_at: now,
            expires_at: now + ttl,
        })
        .await
        .map_err(|e| AppError::from_repository(e, "session", "new"))?;
    Ok(token)
}
