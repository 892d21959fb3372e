//! Who is calling: an API key (`Authorization: Bearer sk_live_…` or `X-Api-Key`) or a
//! session token (`Authorization: Bearer sess_…`), resolved to a [`Caller`].
//!
//! Malformed secrets (wrong prefix, length or checksum) are refused before any
//! database read.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header::{AUTHORIZATION, HeaderName};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use licentia_domain::access::AccessGrant;
use licentia_domain::account::{Role, User};
use licentia_domain::api_key::KeyUnusable;
use licentia_domain::ids::ApiKeyId;
use licentia_domain::scope::{Action, Resource};
use licentia_domain::secret_token::{PlainToken, TokenHash, TokenKind};
use licentia_ports::Tenant;

use crate::api::rate_limit;
use crate::error::AppError;
use crate::state::AppState;

/// The credential a request came with.
#[derive(Debug, Clone)]
pub enum Credential {
    Session { token_hash: TokenHash },
    ApiKey { id: ApiKeyId },
}

/// An authenticated caller: the account, what it may do, and how it proved it.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub grant: AccessGrant,
    pub credential: Credential,
}

impl Caller {
    /// The tenant every query of this caller is limited to.
    pub fn tenant(&self) -> Tenant {
        Tenant {
            owner: self.user.id,
            product: self.grant.product(),
        }
    }

    /// 403 `INSUFFICIENT_SCOPE` unless the grant allows `action` on `resource`.
    pub fn require(&self, resource: Resource, action: Action) -> Result<(), AppError> {
        if self.grant.allows(resource, action) {
            Ok(())
        } else {
            let scope = licentia_domain::scope::Scope::Grant(resource, action);
            Err(AppError::forbidden(
                "INSUFFICIENT_SCOPE",
                format!("this credential lacks the {scope} scope"),
            ))
        }
    }

    /// 403 `ADMIN_ONLY` unless the account is a platform admin.
    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.user.role == Role::Admin {
            Ok(())
        } else {
            Err(AppError::forbidden(
                "ADMIN_ONLY",
                "this route is for platform admins",
            ))
        }
    }
}

/// The header an API key may come in instead of `Authorization: Bearer`.
const API_KEY: HeaderName = HeaderName::from_static("x-api-key");

/// The presented secret, from `Authorization: Bearer` or `X-Api-Key`.
pub(crate) fn presented_secret(req: &HttpRequest) -> Option<String> {
    let headers = req.headers();
    if let Some(value) = headers.get(API_KEY).and_then(|v| v.to_str().ok()) {
        return Some(value.trim().to_owned());
    }
    let authorization = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = authorization.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

async fn authenticate(
    state: web::Data<AppState>,
    secret: Option<String>,
) -> Result<Caller, AppError> {
    let Some(secret) = secret else {
        return Err(AppError::unauthorized(
            "MISSING_CREDENTIALS",
            "send an API key (Authorization: Bearer or X-Api-Key) or a session token",
        ));
    };
    let now = state.clock.now();
    if secret.starts_with(TokenKind::Session.prefix()) {
        let invalid = || {
            AppError::unauthorized(
                "INVALID_SESSION",
                "the session token is invalid or has expired",
            )
        };
        let token = PlainToken::parse(TokenKind::Session, &secret).map_err(|_| invalid())?;
        let found = state
            .users
            .find_session(&token.hash(), now)
            .await
            .map_err(|e| AppError::from_repository(e, "session", "token"))?
            .ok_or_else(invalid)?;
        ensure_enabled(&found.user)?;
        return Ok(Caller {
            user: found.user,
            grant: AccessGrant::full(),
            credential: Credential::Session {
                token_hash: token.hash(),
            },
        });
    }
    let invalid = || AppError::unauthorized("INVALID_API_KEY", "the API key is not valid");
    let token = PlainToken::parse(TokenKind::ApiKey, &secret).map_err(|_| invalid())?;
    let found = state
        .api_keys
        .find_by_secret(&token.hash(), now)
        .await
        .map_err(|e| AppError::from_repository(e, "api key", "secret"))?
        .ok_or_else(invalid)?;
    found.key.check_usable(now).map_err(|reason| match reason {
        KeyUnusable::Revoked => AppError::unauthorized("API_KEY_REVOKED", reason.to_string()),
        KeyUnusable::Expired => AppError::unauthorized("API_KEY_EXPIRED", reason.to_string()),
    })?;
    ensure_enabled(&found.owner)?;
    state.last_used.record(found.key.id, now);
    Ok(Caller {
        grant: found.key.grant(),
        credential: Credential::ApiKey { id: found.key.id },
        user: found.owner,
    })
}

fn ensure_enabled(user: &User) -> Result<(), AppError> {
    if user.disabled {
        Err(AppError::unauthorized(
            "ACCOUNT_DISABLED",
            "this account is disabled",
        ))
    } else {
        Ok(())
    }
}

impl FromRequest for Caller {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    /// Authenticates, then draws on the credential's rate-limit budget (only a
    /// credential that authenticated is ever counted).
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let secret = presented_secret(req);
        let req = req.clone();
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::internal("application state missing"))?;
            let caller = authenticate(state.clone(), secret).await?;
            state.traces.tag_tenant(caller.user.id);
            rate_limit::management(&state, &req, &caller).await?;
            Ok(caller)
        })
    }
}
