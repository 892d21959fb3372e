//! Creating, listing, revoking and rotating API keys.

use licentia_domain::access::EscalationDenied;
use licentia_domain::api_key::{ApiKey, MAX_ROTATION_GRACE_SECONDS};
use licentia_domain::ids::{ApiKeyId, ProductId};
use licentia_domain::scope::{Action, Resource, ScopeSet};
use licentia_domain::secret_token::{PlainToken, TokenKind};
use licentia_domain::text::Name;
use licentia_ports::{NewApiKey, Page, PageRequest, Rotation, Tenant};
use time::OffsetDateTime;

use crate::api::auth::Caller;
use crate::error::{AppError, FieldError};
use crate::state::AppState;

/// A validated request for a new key.
#[derive(Debug)]
pub struct KeyRequest {
    pub name: Name,
    pub scopes: ScopeSet,
    pub product_id: Option<ProductId>,
    pub expires_at: Option<OffsetDateTime>,
}

/// Creates a key for the caller's account, never more powerful than the caller.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    request: KeyRequest,
) -> Result<(ApiKey, PlainToken), AppError> {
    caller.require(Resource::ApiKeys, Action::Write)?;
    caller
        .grant
        .may_create_key(&request.scopes, request.product_id, request.expires_at)
        .map_err(escalation)?;
    let now = state.clock.now();
    if request.expires_at.is_some_and(|at| at <= now) {
        return Err(AppError::validation(vec![FieldError {
            field: "expiresAt".into(),
            message: "must be in the future".into(),
        }]));
    }
    if let Some(product) = request.product_id {
        state
            .products
            .get(caller.tenant(), product)
            .await
            .map_err(|_| {
                AppError::validation(vec![FieldError {
                    field: "productId".into(),
                    message: "product does not exist".into(),
                }])
            })?;
    }
    issue(state, Tenant::account(caller.user.id), request, now).await
}

/// 403 for a key that would be more powerful than its creator.
fn escalation(denied: EscalationDenied) -> AppError {
    match denied {
        EscalationDenied::Scopes => AppError::forbidden("SCOPE_ESCALATION", denied.to_string()),
        EscalationDenied::Product => {
            AppError::forbidden("PRODUCT_SCOPE_ESCALATION", denied.to_string())
        }
        EscalationDenied::Expiry => AppError::forbidden("EXPIRY_ESCALATION", denied.to_string()),
    }
}

/// Stores a new key for `tenant.owner` (also used by operator commands).
pub async fn issue(
    state: &AppState,
    tenant: Tenant,
    request: KeyRequest,
    now: OffsetDateTime,
) -> Result<(ApiKey, PlainToken), AppError> {
    let secret = PlainToken::generate(TokenKind::ApiKey);
    let key = ApiKey {
        id: ApiKeyId::generate(),
        owner: tenant.owner,
        name: request.name,
        prefix: secret.display_prefix(),
        last_four: secret.last_four(),
        scopes: request.scopes,
        product_id: request.product_id,
        expires_at: request.expires_at,
        revoked_at: None,
        last_used_at: None,
        created_at: now,
        updated_at: now,
    };
    let stored = state
        .api_keys
        .create(NewApiKey {
            key,
            secret_hash: secret.hash(),
        })
        .await
        .map_err(|e| AppError::from_repository(e, "api key", "new"))?;
    Ok((stored, secret))
}

/// Keys visible to the caller.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    page: PageRequest,
) -> Result<Page<ApiKey>, AppError> {
    caller.require(Resource::ApiKeys, Action::Read)?;
    state
        .api_keys
        .list(caller.tenant(), page)
        .await
        .map_err(|e| AppError::from_repository(e, "api key", "list"))
}

/// One key.
pub async fn get(state: &AppState, caller: &Caller, id: ApiKeyId) -> Result<ApiKey, AppError> {
    caller.require(Resource::ApiKeys, Action::Read)?;
    get_unchecked(state, caller, id).await
}

/// One key of the caller's tenant, without a scope check (for writes).
async fn get_unchecked(
    state: &AppState,
    caller: &Caller,
    id: ApiKeyId,
) -> Result<ApiKey, AppError> {
    state
        .api_keys
        .get(caller.tenant(), id)
        .await
        .map_err(|e| AppError::from_repository(e, "api key", id))
}

/// Revokes a key: it fails with 401 on its next use.
pub async fn revoke(state: &AppState, caller: &Caller, id: ApiKeyId) -> Result<ApiKey, AppError> {
    caller.require(Resource::ApiKeys, Action::Write)?;
    state
        .api_keys
        .revoke(caller.tenant(), id, state.clock.now())
        .await
        .map_err(|e| AppError::from_repository(e, "api key", id))
}

/// Gives a key a new secret; the old one keeps working for `grace_seconds` (≤ 1 day).
pub async fn rotate(
    state: &AppState,
    caller: &Caller,
    id: ApiKeyId,
    grace_seconds: u32,
) -> Result<(ApiKey, PlainToken), AppError> {
    caller.require(Resource::ApiKeys, Action::Write)?;
    if grace_seconds > MAX_ROTATION_GRACE_SECONDS {
        return Err(AppError::validation(vec![FieldError {
            field: "graceSeconds".into(),
            message: format!("must be between 0 and {MAX_ROTATION_GRACE_SECONDS}"),
        }]));
    }
    // Rotating hands the caller a working secret of that key: only for keys it could create.
    let current = get_unchecked(state, caller, id).await?;
    caller
        .grant
        .may_create_key(&current.scopes, current.product_id, current.expires_at)
        .map_err(escalation)?;
    let now = state.clock.now();
    let secret = PlainToken::generate(TokenKind::ApiKey);
    let rotation = Rotation {
        secret_hash: secret.hash(),
        prefix: secret.display_prefix(),
        last_four: secret.last_four(),
        previous_valid_until: (grace_seconds > 0)
            .then(|| now + time::Duration::seconds(i64::from(grace_seconds))),
        now,
    };
    let key = state
        .api_keys
        .rotate(caller.tenant(), id, rotation)
        .await
        .map_err(|e| AppError::from_repository(e, "api key", id))?;
    Ok((key, secret))
}
