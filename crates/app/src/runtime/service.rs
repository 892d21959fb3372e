//! Runtime use cases: validate, activate, deactivate, heartbeat, checkout.
//!
//! Validation reads only the cache (and the database on a miss) and writes nothing:
//! usage is buffered. Seat changes run under a row lock in the database.

use std::sync::Arc;
use std::time::Duration;

use licentia_domain::activation::{Activation, Seat};
use licentia_domain::certificate::{CertificateClaims, issue_certificate};
use licentia_domain::domain_name::DomainName;
use licentia_domain::event::{EventType, NewEvent};
use licentia_domain::fingerprint::Fingerprint;
use licentia_domain::ids::{ActivationId, ProductId};
use licentia_domain::license_key::LicenseKey;
use licentia_domain::metadata::Metadata;
use licentia_domain::validation::{
    ActivationPlan, ValidationCode, ValidationRequest, Verdict, decide, plan_activation,
};
use licentia_ports::{RepositoryError, RuntimeLicense, SeatChange, SeatDecision};
use time::OffsetDateTime;

use crate::error::AppError;
use crate::runtime::cache::CachedLicense;
use crate::state::AppState;
use crate::telemetry::metrics::CacheResult;
use crate::views::{
    ActivationView, CheckoutView, DeactivationView, InjectableView, InjectablesView,
    RuntimeLicenseView, ValidationView, to_event_data,
};

/// How long after a database failure stale entries are served without retrying it.
const OUTAGE_BACKOFF: Duration = Duration::from_secs(2);

/// A parsed runtime request.
#[derive(Debug, Clone)]
pub struct RuntimeRequest {
    pub key: String,
    pub product_id: Option<ProductId>,
    pub fingerprint: Option<Fingerprint>,
    pub domain: Option<DomainName>,
    pub nonce: Option<String>,
}

/// What an activation records besides its seat.
#[derive(Debug, Clone, Default)]
pub struct ActivationDetails {
    pub name: Option<String>,
    pub platform: Option<String>,
    pub ip_address: Option<String>,
    pub metadata: Metadata,
}

/// Which seats `deactivate` frees.
#[derive(Debug, Clone)]
pub enum Release {
    One(Seat),
    All,
}

impl RuntimeRequest {
    /// The seat asked about: the device when a fingerprint is given, else the site.
    pub fn seat(&self) -> Option<Seat> {
        match (&self.fingerprint, &self.domain) {
            (Some(f), _) => Some(Seat::Device(f.clone())),
            (None, Some(d)) => Some(Seat::Site(d.clone())),
            (None, None) => None,
        }
    }

    fn question(&self) -> ValidationRequest {
        ValidationRequest {
            product_id: self.product_id,
            seat: self.seat(),
            domain: self.domain.clone(),
        }
    }
}

/// The lookup form of a presented key, or `None` for a key refused on sight
/// (a made-up key with a wrong check code): no cache or database is consulted.
fn lookup_form(key: &str) -> Option<String> {
    LicenseKey::parse_presented(key)
        .ok()
        .map(LicenseKey::into_lookup_form)
}

/// Reads a license through the cache, serving stale entries during an outage.
async fn load(state: &AppState, lookup: &str) -> Result<Option<Arc<CachedLicense>>, AppError> {
    let settings = &state.settings;
    let cached = state.cache.get(lookup);
    if let Some(hit) = &cached {
        let age = hit.fetched_at.elapsed();
        let fresh = state.cache.is_fresh(hit, settings.cache_fresh_for);
        if fresh
            || (age < settings.cache_staleness
                && state.cache.database_failed_within(OUTAGE_BACKOFF))
        {
            let result = if fresh {
                CacheResult::Hit
            } else {
                CacheResult::Stale
            };
            return Ok(served(state, cached, result));
        }
    }
    match state.runtime.load(lookup).await {
        Ok(Some(runtime)) => Ok(served(
            state,
            Some(state.cache.put(lookup, runtime)),
            CacheResult::Miss,
        )),
        Ok(None) => Ok(served(state, None, CacheResult::Miss)),
        Err(RepositoryError::Unavailable(detail)) => {
            state.cache.record_database_failure();
            match cached {
                Some(hit) if hit.fetched_at.elapsed() < settings.cache_staleness => {
                    tracing::warn!(%detail, "database unavailable; answering from cache");
                    Ok(served(state, Some(hit), CacheResult::Stale))
                }
                _ => {
                    state.metrics.cache_lookup(CacheResult::Miss);
                    Err(AppError::unavailable())
                }
            }
        }
        Err(other) => {
            state.metrics.cache_lookup(CacheResult::Miss);
            Err(AppError::from_repository(other, "license", "key"))
        }
    }
}

/// Counts how a lookup was answered and tags the request with the license's owner.
fn served(
    state: &AppState,
    entry: Option<Arc<CachedLicense>>,
    result: CacheResult,
) -> Option<Arc<CachedLicense>> {
    state.metrics.cache_lookup(result);
    if let Some(entry) = &entry {
        state.traces.tag_tenant(entry.runtime.owner);
    }
    entry
}

fn view(
    verdict: Verdict<'_>,
    runtime: Option<&RuntimeLicense>,
    nonce: Option<String>,
    now: OffsetDateTime,
) -> ValidationView {
    let interval = runtime.and_then(|r| r.terms.heartbeat_interval_seconds);
    ValidationView {
        valid: verdict.code == ValidationCode::Valid,
        code: verdict.code,
        detail: verdict.code.detail(),
        license: runtime.map(|r| RuntimeLicenseView::new(r, now)),
        activation: verdict
            .activation
            .map(|a| ActivationView::new(a, interval, now)),
        nonce,
        validated_at: now,
    }
}

/// The error a refusing runtime endpoint answers: 404 for an unknown key, 409 at the
/// activation limit, 403 with the validation code otherwise.
pub fn refusal(code: ValidationCode) -> AppError {
    use actix_web::http::StatusCode;
    let status = match code {
        ValidationCode::NotFound => StatusCode::NOT_FOUND,
        ValidationCode::TooManyActivations => StatusCode::CONFLICT,
        _ => StatusCode::FORBIDDEN,
    };
    AppError::new(status, code.as_str(), code.detail())
}

/// `POST /v1/licenses/validate`: read-only; always a verdict.
pub async fn validate(
    state: &AppState,
    request: RuntimeRequest,
) -> Result<ValidationView, AppError> {
    let now = state.clock.now();
    let Some(lookup) = lookup_form(&request.key) else {
        let verdict = decide(None, &request.question(), now);
        state.metrics.validation(verdict.code);
        return Ok(view(verdict, None, request.nonce, now));
    };
    let loaded = load(state, &lookup).await?;
    let runtime = loaded.as_ref().map(|entry| &entry.runtime);
    let ctx = runtime.map(RuntimeLicense::context);
    let verdict = decide(ctx.as_ref(), &request.question(), now);
    if let Some(runtime) = runtime {
        state.usage.record(runtime.terms.id, now);
    }
    state.metrics.validation(verdict.code);
    Ok(view(verdict, runtime, request.nonce.clone(), now))
}

fn activation_event(
    kind: EventType,
    activation: &Activation,
    runtime: &RuntimeLicense,
    now: OffsetDateTime,
) -> NewEvent {
    let view = ActivationView::new(activation, runtime.terms.heartbeat_interval_seconds, now);
    NewEvent::new(kind, Some(runtime.terms.product_id), to_event_data(&view))
}

/// `POST /v1/licenses/activate`: takes a seat, or returns the one already held.
/// Returns whether a seat was newly taken.
pub async fn activate(
    state: &AppState,
    request: RuntimeRequest,
    details: ActivationDetails,
) -> Result<(bool, ValidationView), AppError> {
    let now = state.clock.now();
    let seat = request.seat().ok_or_else(|| {
        AppError::invalid_field(
            "fingerprint",
            &licentia_domain::ValidationError::new("send a fingerprint or a domain"),
        )
    })?;
    let lookup = lookup_form(&request.key).ok_or_else(|| refusal(ValidationCode::NotFound))?;
    let question = request.question();
    let decide_seat = Box::new(move |runtime: &RuntimeLicense| {
        let quiet = |code, activation: Option<&Activation>| SeatDecision {
            change: SeatChange::None,
            events: vec![],
            code,
            activation: activation.cloned(),
        };
        match plan_activation(&runtime.context(), &seat, &question, now) {
            ActivationPlan::Existing(held) => quiet(ValidationCode::Valid, Some(held)),
            ActivationPlan::Refused(code) => quiet(code, None),
            ActivationPlan::Revive(dead) => SeatDecision {
                change: SeatChange::Touch(dead.id),
                events: vec![],
                code: ValidationCode::Valid,
                activation: Some(dead.clone()),
            },
            ActivationPlan::New => {
                let activation = Activation {
                    id: ActivationId::generate(),
                    license_id: runtime.terms.id,
                    seat: seat.clone(),
                    name: details.name.clone(),
                    platform: details.platform.clone(),
                    ip_address: details.ip_address.clone(),
                    metadata: details.metadata.clone(),
                    last_heartbeat_at: now,
                    created_at: now,
                };
                SeatDecision {
                    change: SeatChange::Insert(activation.clone()),
                    events: vec![activation_event(
                        EventType::ActivationCreated,
                        &activation,
                        runtime,
                        now,
                    )],
                    code: ValidationCode::Valid,
                    activation: Some(activation),
                }
            }
        }
    });
    let outcome = state
        .runtime
        .change_seats(&lookup, now, decide_seat)
        .await
        .map_err(|e| AppError::from_repository(e, "license", "key"))?
        .ok_or_else(|| refusal(ValidationCode::NotFound))?;
    state.cache.put(&lookup, outcome.license.clone());
    state.traces.tag_tenant(outcome.license.owner);
    if outcome.code != ValidationCode::Valid {
        return Err(refusal(outcome.code));
    }
    let created = outcome.inserted;
    let verdict = Verdict {
        code: outcome.code,
        activation: outcome.activation.as_ref(),
    };
    Ok((
        created,
        view(verdict, Some(&outcome.license), request.nonce.clone(), now),
    ))
}

/// `POST /v1/licenses/deactivate`: frees one seat or all of them, whatever the
/// license's status.
pub async fn deactivate(
    state: &AppState,
    request: RuntimeRequest,
    release: Release,
) -> Result<DeactivationView, AppError> {
    let now = state.clock.now();
    let lookup = lookup_form(&request.key).ok_or_else(|| refusal(ValidationCode::NotFound))?;
    let product = request.product_id;
    let decide_seat = Box::new(move |runtime: &RuntimeLicense| {
        let refused = |code| SeatDecision {
            change: SeatChange::None,
            events: vec![],
            code,
            activation: None,
        };
        if product.is_some_and(|p| p != runtime.terms.product_id) {
            return refused(ValidationCode::ProductMismatch);
        }
        let freed: Vec<&Activation> = match &release {
            Release::All => runtime.activations.iter().collect(),
            Release::One(seat) => runtime
                .activations
                .iter()
                .filter(|a| &a.seat == seat)
                .collect(),
        };
        if freed.is_empty() && matches!(release, Release::One(_)) {
            return refused(ValidationCode::NotActivated);
        }
        SeatDecision {
            change: SeatChange::Remove(freed.iter().map(|a| a.id).collect()),
            events: freed
                .iter()
                .map(|a| activation_event(EventType::ActivationDeleted, a, runtime, now))
                .collect(),
            code: ValidationCode::Valid,
            activation: None,
        }
    });
    let outcome = state
        .runtime
        .change_seats(&lookup, now, decide_seat)
        .await
        .map_err(|e| AppError::from_repository(e, "license", "key"))?
        .ok_or_else(|| refusal(ValidationCode::NotFound))?;
    state.cache.put(&lookup, outcome.license.clone());
    state.traces.tag_tenant(outcome.license.owner);
    match outcome.code {
        ValidationCode::Valid => {}
        ValidationCode::NotActivated => {
            return Err(AppError::new(
                actix_web::http::StatusCode::NOT_FOUND,
                "ACTIVATION_NOT_FOUND",
                "no activation for this device or domain",
            ));
        }
        code => return Err(refusal(code)),
    }
    Ok(DeactivationView {
        deactivated: outcome.removed,
        license: RuntimeLicenseView::new(&outcome.license, now),
        nonce: request.nonce,
    })
}

/// `POST /v1/licenses/heartbeat`: keeps a device's activation alive.
pub async fn heartbeat(
    state: &AppState,
    request: RuntimeRequest,
) -> Result<ValidationView, AppError> {
    let now = state.clock.now();
    if request.seat().is_none() {
        return Err(AppError::invalid_field(
            "fingerprint",
            &licentia_domain::ValidationError::new("is required (or a domain, for a site seat)"),
        ));
    }
    let lookup = lookup_form(&request.key).ok_or_else(|| refusal(ValidationCode::NotFound))?;
    let question = request.question();
    let decide_seat = Box::new(move |runtime: &RuntimeLicense| {
        let verdict = decide(Some(&runtime.context()), &question, now);
        let change = match (verdict.code, verdict.activation) {
            (ValidationCode::Valid, Some(held)) => SeatChange::Touch(held.id),
            _ => SeatChange::None,
        };
        SeatDecision {
            change,
            events: vec![],
            code: verdict.code,
            activation: verdict.activation.cloned(),
        }
    });
    let outcome = state
        .runtime
        .change_seats(&lookup, now, decide_seat)
        .await
        .map_err(|e| AppError::from_repository(e, "license", "key"))?
        .ok_or_else(|| refusal(ValidationCode::NotFound))?;
    state.cache.put(&lookup, outcome.license.clone());
    state.traces.tag_tenant(outcome.license.owner);
    if outcome.code != ValidationCode::Valid {
        return Err(refusal(outcome.code));
    }
    let verdict = Verdict {
        code: outcome.code,
        activation: outcome.activation.as_ref(),
    };
    Ok(view(
        verdict,
        Some(&outcome.license),
        request.nonce.clone(),
        now,
    ))
}

/// The certificate lifetime when the client does not ask: 30 days.
pub const DEFAULT_CERTIFICATE_TTL: u32 = 30 * 24 * 3600;
/// The longest certificate lifetime: one year.
pub const MAX_CERTIFICATE_TTL: u32 = 365 * 24 * 3600;

/// `POST /v1/licenses/checkout`: a signed offline certificate for a valid license.
pub async fn checkout(
    state: &AppState,
    request: RuntimeRequest,
    ttl_seconds: u32,
) -> Result<CheckoutView, AppError> {
    let now = state.clock.now();
    let loaded = valid_license(state, &request, now, refusal).await?;
    let runtime = &loaded.runtime;
    let key = state
        .key_ring
        .active()
        .ok_or_else(|| AppError::internal("no active signing key"))?;
    let expires_at = now + time::Duration::seconds(i64::from(ttl_seconds));
    let terms = &runtime.terms;
    let claims = CertificateClaims {
        iss: "licentia".into(),
        sub: terms.id.to_string(),
        product_id: terms.product_id.to_string(),
        plan: runtime.plan.clone(),
        status: terms.effective_status(now).as_str().to_owned(),
        features: runtime
            .features
            .iter()
            .map(|f| f.as_str().to_owned())
            .collect(),
        fingerprint: request.fingerprint.as_ref().map(|f| f.as_str().to_owned()),
        license_expires_at: terms.expires_at.and_then(|at| {
            at.format(&time::format_description::well_known::Rfc3339)
                .ok()
        }),
        iat: now.unix_timestamp(),
        exp: expires_at.unix_timestamp(),
    };
    state.usage.record(terms.id, now);
    Ok(CheckoutView {
        certificate: issue_certificate(&claims, &key),
        expires_at,
        nonce: request.nonce,
    })
}

/// The license of a request that validates, or the refusal `refuse` makes of its code
/// (for endpoints that hand out something only a valid license may have).
async fn valid_license(
    state: &AppState,
    request: &RuntimeRequest,
    now: OffsetDateTime,
    refuse: fn(ValidationCode) -> AppError,
) -> Result<Arc<CachedLicense>, AppError> {
    let lookup = lookup_form(&request.key).ok_or_else(|| refuse(ValidationCode::NotFound))?;
    let loaded = load(state, &lookup)
        .await?
        .ok_or_else(|| refuse(ValidationCode::NotFound))?;
    let verdict = decide(Some(&loaded.runtime.context()), &request.question(), now);
    if verdict.code == ValidationCode::Valid {
        Ok(loaded)
    } else {
        Err(refuse(verdict.code))
    }
}

/// Injectables are refused with 403 and the validation code, whatever the code
/// (SPEC §14), unknown keys included.
fn shipping_refused(code: ValidationCode) -> AppError {
    AppError::new(
        actix_web::http::StatusCode::FORBIDDEN,
        code.as_str(),
        code.detail(),
    )
}

/// `POST /v1/licenses/injectables`: the product's active injectables (only those with
/// one of `slugs`, when given) for a license that validates, refused like `checkout`
/// otherwise. Injectables are read from the database on every call (not cached).
pub async fn injectables(
    state: &AppState,
    request: RuntimeRequest,
    slugs: Option<Vec<String>>,
) -> Result<InjectablesView, AppError> {
    let now = state.clock.now();
    let loaded = valid_license(state, &request, now, shipping_refused).await?;
    let runtime = &loaded.runtime;
    let found = state
        .injectables
        .active_for_product(runtime.terms.product_id, slugs.as_deref())
        .await
        .map_err(|e| AppError::from_repository(e, "injectable", "list"))?;
    state.usage.record(runtime.terms.id, now);
    Ok(InjectablesView {
        valid: true,
        code: ValidationCode::Valid,
        injectables: found.iter().map(InjectableView::from).collect(),
        nonce: request.nonce,
        validated_at: now,
    })
}

/// The license a key names (through the cache), for endpoints that act on it after a
/// seat change (WordPress registration). 404 `NOT_FOUND` for an unknown key.
pub async fn license_for(state: &AppState, key: &str) -> Result<RuntimeLicense, AppError> {
    let lookup = lookup_form(key).ok_or_else(|| refusal(ValidationCode::NotFound))?;
    load(state, &lookup)
        .await?
        .map(|entry| entry.runtime.clone())
        .ok_or_else(|| refusal(ValidationCode::NotFound))
}
