//! WordPress sites: registration (a site seat plus a site token), heartbeats, the
//! action queue, and the vendor's view. Seats go through the runtime's own
//! activate / heartbeat / deactivate, so a site obeys every rule a device does.

use actix_web::http::StatusCode;
use licentia_domain::activation::Seat;
use licentia_domain::domain_name::DomainName;
use licentia_domain::email::Email;
use licentia_domain::event::{EventType, NewEvent};
use licentia_domain::ids::{SiteActionId, SiteId};
use licentia_domain::metadata::Metadata;
use licentia_domain::scope::{Action, Resource};
use licentia_domain::secret_token::{PlainToken, TokenKind};
use licentia_domain::site::{
    STALE_AFTER, Site, SiteAction, SiteActionState, SiteActionType, SiteReport, SiteUrl,
};
use licentia_domain::text::Name;
use licentia_ports::{AuthenticatedSite, Page, PageRequest, SiteFilter};

use crate::api::auth::Caller;
use crate::error::AppError;
use crate::runtime::service::{self, ActivationDetails, Release, RuntimeRequest};
use crate::state::AppState;
use crate::views::{SiteView, to_event_data};

/// What a plugin sends to register its site.
#[derive(Debug)]
pub struct Registration {
    pub license_key: String,
    pub url: SiteUrl,
    pub name: Option<Name>,
    pub admin_email: Option<Email>,
    pub report: SiteReport,
    /// The caller's address, kept on the activation.
    pub ip_address: Option<String>,
}

/// A heartbeat's answer: the license's verdict for this site, and queued actions.
#[derive(Debug)]
pub struct HeartbeatOutcome {
    pub site: Site,
    /// `VALID`, or the validation code that refuses the site.
    pub status: &'static str,
    pub pending_actions: u64,
}

fn seat_request(key: &str, domain: &DomainName) -> RuntimeRequest {
    RuntimeRequest {
        key: key.to_owned(),
        product_id: None,
        fingerprint: None,
        domain: Some(domain.clone()),
        nonce: None,
    }
}

/// A registration's result: the site, its new token, and whether the site is new.
#[derive(Debug)]
pub struct Registered {
    pub site: Site,
    pub token: PlainToken,
    pub created: bool,
}

/// Registers a site: takes (or keeps) its site seat, then stores the site with a
/// fresh token. Re-registering keeps the site's id and retires its old token.
pub async fn register(
    state: &AppState,
    registration: Registration,
) -> Result<Registered, AppError> {
    let domain = registration.url.domain().clone();
    let details = ActivationDetails {
        name: registration.name.as_ref().map(|n| n.as_str().to_owned()),
        platform: Some("wordpress".to_owned()),
        ip_address: registration.ip_address,
        metadata: Metadata::default(),
    };
    service::activate(
        state,
        seat_request(&registration.license_key, &domain),
        details,
    )
    .await?;
    let license = service::license_for(state, &registration.license_key).await?;
    let now = state.clock.now();
    let site = Site {
        id: SiteId::generate(),
        owner: license.owner,
        product_id: license.terms.product_id,
        license_id: license.terms.id,
        url: registration.url,
        name: registration.name,
        admin_email: registration.admin_email,
        report: registration.report,
        last_seen_at: now,
        created_at: now,
        updated_at: now,
    };
    let token = PlainToken::generate(TokenKind::Site);
    let (site, created) = state
        .sites
        .register(site, token.hash(), &|site| {
            NewEvent::new(
                EventType::SiteRegistered,
                Some(site.product_id),
                to_event_data(&SiteView::new(site, now)),
            )
        })
        .await
        .map_err(|e| AppError::from_repository(e, "site", "new"))?;
    Ok(Registered {
        site,
        token,
        created,
    })
}

/// The site a token belongs to: 401 `INVALID_SITE_TOKEN` otherwise (malformed tokens
/// are refused before any database read).
async fn authenticate(state: &AppState, token: &str) -> Result<AuthenticatedSite, AppError> {
    let invalid = || AppError::unauthorized("INVALID_SITE_TOKEN", "the site token is not valid");
    let token = PlainToken::parse(TokenKind::Site, token).map_err(|_| invalid())?;
    state
        .sites
        .find_by_token(&token.hash())
        .await
        .map_err(|e| AppError::from_repository(e, "site", "token"))?
        .ok_or_else(invalid)
}

/// Records a heartbeat: it refreshes the site's seat, stores the report, and answers
/// the license's verdict for the site and how many actions wait.
pub async fn heartbeat(
    state: &AppState,
    token: &str,
    report: SiteReport,
) -> Result<HeartbeatOutcome, AppError> {
    let found = authenticate(state, token).await?;
    let request = seat_request(&found.license_key, found.site.url.domain());
    let status = match service::heartbeat(state, request).await {
        Ok(_) => "VALID",
        Err(refused)
            if matches!(
                refused.status(),
                StatusCode::FORBIDDEN | StatusCode::NOT_FOUND | StatusCode::CONFLICT
            ) =>
        {
            refused.code()
        }
        Err(other) => return Err(other),
    };
    let now = state.clock.now();
    let site = state
        .sites
        .heartbeat(found.site.id, report, now)
        .await
        .map_err(|e| AppError::from_repository(e, "site", found.site.id))?;
    let pending_actions = state
        .sites
        .pending_count(site.id)
        .await
        .map_err(|e| AppError::from_repository(e, "site", site.id))?;
    Ok(HeartbeatOutcome {
        site,
        status,
        pending_actions,
    })
}

/// Acknowledges `ack` and hands out the pending actions (each once). An acknowledged
/// `deactivate` frees the site's seat.
pub async fn pending_actions(
    state: &AppState,
    token: &str,
    ack: &[SiteActionId],
) -> Result<Vec<SiteAction>, AppError> {
    let found = authenticate(state, token).await?;
    let exchange = state
        .sites
        .exchange_actions(found.site.id, ack, state.clock.now())
        .await
        .map_err(|e| AppError::from_repository(e, "site", found.site.id))?;
    let deactivated = exchange
        .acknowledged
        .iter()
        .any(|a| a.action_type == SiteActionType::Deactivate);
    if deactivated && let Err(error) = release_seat(state, &found).await {
        // The actions just handed out must still reach the plugin; the seat stays held
        // until the vendor deletes the site or the plugin deactivates it again.
        tracing::warn!(site = %found.site.id, code = error.code(), "acknowledged deactivation could not free the seat");
    }
    Ok(exchange.delivered)
}

/// Frees the site's seat; a seat already gone is fine.
async fn release_seat(state: &AppState, found: &AuthenticatedSite) -> Result<(), AppError> {
    let domain = found.site.url.domain();
    let release = Release::One(Seat::Site(domain.clone()));
    match service::deactivate(state, seat_request(&found.license_key, domain), release).await {
        Ok(_) => Ok(()),
        Err(e) if e.status() == StatusCode::NOT_FOUND => Ok(()),
        Err(e) => Err(e),
    }
}

/// The caller's sites.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    mut filter: SiteFilter,
    stale: Option<bool>,
    page: PageRequest,
) -> Result<Page<Site>, AppError> {
    caller.require(Resource::Sites, Action::Read)?;
    filter.stale_before = stale.map(|stale| (stale, state.clock.now() - STALE_AFTER));
    state
        .sites
        .list(caller.tenant(), filter, page)
        .await
        .map_err(|e| AppError::from_repository(e, "site", "list"))
}

/// One site.
pub async fn get(state: &AppState, caller: &Caller, id: SiteId) -> Result<Site, AppError> {
    caller.require(Resource::Sites, Action::Read)?;
    load(state, caller, id).await.map(|found| found.site)
}

async fn load(
    state: &AppState,
    caller: &Caller,
    id: SiteId,
) -> Result<AuthenticatedSite, AppError> {
    state
        .sites
        .get(caller.tenant(), id)
        .await
        .map_err(|e| AppError::from_repository(e, "site", id))
}

/// Deletes a site and frees its seat.
pub async fn delete(state: &AppState, caller: &Caller, id: SiteId) -> Result<(), AppError> {
    caller.require(Resource::Sites, Action::Write)?;
    let found = load(state, caller, id).await?;
    release_seat(state, &found).await?;
    state
        .sites
        .delete(caller.tenant(), id)
        .await
        .map_err(|e| AppError::from_repository(e, "site", id))
}

/// Queues an action for a site.
pub async fn queue_action(
    state: &AppState,
    caller: &Caller,
    id: SiteId,
    action_type: SiteActionType,
    payload: Metadata,
) -> Result<SiteAction, AppError> {
    caller.require(Resource::Sites, Action::Write)?;
    let action = SiteAction {
        id: SiteActionId::generate(),
        site_id: id,
        action_type,
        payload,
        state: SiteActionState::Pending,
        created_at: state.clock.now(),
        delivered_at: None,
        done_at: None,
    };
    state
        .sites
        .queue_action(caller.tenant(), action)
        .await
        .map_err(|e| AppError::from_repository(e, "site", id))
}
