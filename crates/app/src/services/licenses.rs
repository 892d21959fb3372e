//! Issuing and managing licenses.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use licentia_domain::domain_name::DomainName;
use licentia_domain::email::Email;
use licentia_domain::event::{EventType, NewEvent};
use licentia_domain::ids::{CustomerId, LicenseId, ProductId};
use licentia_domain::license::{License, Renewal, RequestedTerms};
use licentia_domain::license_key::LicenseKey;
use licentia_domain::license_status::{LicenseStatus, Transition};
use licentia_domain::metadata::Metadata;
use licentia_domain::plan::{Feature, find_plan};
use licentia_domain::product::Product;
use licentia_domain::scope::{Action, Resource};
use licentia_domain::text::Name;
use licentia_ports::{LicenseDomain, LicenseFilter, Page, PageRequest, RepositoryError};
use serde_json::json;
use time::OffsetDateTime;

use crate::api::auth::Caller;
use crate::error::{AppError, FieldError};
use crate::state::AppState;
use crate::views::{LicenseView, to_event_data};

/// A validated request for a new license.
#[derive(Debug, Clone)]
pub struct LicenseRequest {
    pub product_id: ProductId,
    pub plan: Option<String>,
    pub customer_id: Option<CustomerId>,
    pub issued_to: Option<Name>,
    pub issued_email: Option<Email>,
    pub terms: RequestedTerms,
    pub key: Option<LicenseKey>,
    pub metadata: Metadata,
}

/// A partial change (PATCH); `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Default)]
pub struct LicenseChanges {
    pub expires_at: Option<Option<OffsetDateTime>>,
    pub max_activations: Option<Option<u32>>,
    pub heartbeat_interval_seconds: Option<Option<u32>>,
    pub plan: Option<Option<String>>,
    pub features: Option<Vec<Feature>>,
    pub issued_to: Option<Option<Name>>,
    pub issued_email: Option<Option<Email>>,
    pub customer_id: Option<Option<CustomerId>>,
    pub metadata: Option<Metadata>,
    pub status: Option<LicenseStatus>,
}

/// The event announcing a change to `license`, carrying its view as of `now`.
pub(crate) fn license_event(kind: EventType, license: &License, now: OffsetDateTime) -> NewEvent {
    NewEvent::new(
        kind,
        Some(license.product_id),
        to_event_data(&LicenseView::new(license, now)),
    )
}

/// Where a create request names its product: in the body (a bad id is a field
/// error) or in the path (a bad id is a 404).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductFrom {
    Body,
    Path,
}

async fn product_for_create(
    state: &AppState,
    caller: &Caller,
    id: ProductId,
    from: ProductFrom,
) -> Result<Product, AppError> {
    if !caller.grant.reaches(id) {
        return Err(AppError::forbidden(
            "PRODUCT_SCOPE",
            "this key is limited to another product",
        ));
    }
    state
        .products
        .get(caller.tenant(), id)
        .await
        .map_err(|e| match (e, from) {
            (RepositoryError::NotFound, ProductFrom::Body) => {
                AppError::validation(vec![FieldError {
                    field: "productId".into(),
                    message: "product does not exist".into(),
                }])
            }
            (other, _) => AppError::from_repository(other, "product", id),
        })
}

fn build(
    request: LicenseRequest,
    product: &Product,
    caller: &Caller,
    now: OffsetDateTime,
) -> License {
    let plan = request
        .plan
        .as_deref()
        .and_then(|name| find_plan(&product.plans, name));
    let terms = request.terms.resolve(plan, now);
    License {
        id: LicenseId::generate(),
        owner: caller.user.id,
        product_id: product.id,
        customer_id: request.customer_id,
        key: request
            .key
            .unwrap_or_else(|| LicenseKey::generate(&product.key_prefix)),
        plan: request.plan,
        status: LicenseStatus::Active,
        issued_to: request.issued_to,
        issued_email: request.issued_email,
        features: terms.features,
        max_activations: terms.max_activations,
        activation_count: 0,
        expires_at: terms.expires_at,
        heartbeat_interval_seconds: terms.heartbeat_interval_seconds,
        last_validated_at: None,
        metadata: request.metadata,
        created_at: now,
        updated_at: now,
    }
}

/// Issues one license; omitted terms come from the named plan of the product.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    request: LicenseRequest,
    from: ProductFrom,
) -> Result<License, AppError> {
    caller.require(Resource::Licenses, Action::Write)?;
    let product = product_for_create(state, caller, request.product_id, from).await?;
    let now = state.clock.now();
    let license = build(request, &product, caller, now);
    let events = vec![license_event(EventType::LicenseCreated, &license, now)];
    state
        .licenses
        .create(license, events)
        .await
        .map_err(|e| AppError::from_repository(e, "license", "new"))
}

/// Issues up to 1000 licenses, all or none.
pub async fn create_many(
    state: &AppState,
    caller: &Caller,
    requests: Vec<LicenseRequest>,
) -> Result<Vec<License>, AppError> {
    caller.require(Resource::Licenses, Action::Write)?;
    let now = state.clock.now();
    let mut products: HashMap<ProductId, Product> = HashMap::new();
    let mut licenses = Vec::with_capacity(requests.len());
    for (i, request) in requests.into_iter().enumerate() {
        let id = request.product_id;
        let product = match products.entry(id) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(slot) => slot.insert(
                product_for_create(state, caller, id, ProductFrom::Body)
                    .await
                    .map_err(|e| prefix_details(e, i, id))?,
            ),
        };
        licenses.push(build(request, product, caller, now));
    }
    let events = licenses
        .iter()
        .map(|l| license_event(EventType::LicenseCreated, l, now))
        .collect();
    state
        .licenses
        .create_many(licenses, events)
        .await
        .map_err(|e| AppError::from_repository(e, "license", "new"))
}

fn prefix_details(error: AppError, index: usize, product: ProductId) -> AppError {
    if error.code() == "VALIDATION_FAILED" {
        AppError::validation(vec![FieldError {
            field: format!("licenses[{index}].productId"),
            message: format!("product {product} does not exist"),
        }])
    } else {
        error
    }
}

/// Matching licenses.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    mut filter: LicenseFilter,
    page: PageRequest,
) -> Result<Page<License>, AppError> {
    caller.require(Resource::Licenses, Action::Read)?;
    filter.now = Some(state.clock.now());
    state
        .licenses
        .list(caller.tenant(), filter, page)
        .await
        .map_err(|e| AppError::from_repository(e, "license", "list"))
}

/// One license, by id or by key (as typed: case, hyphens and spaces do not matter).
pub async fn get_by_id_or_key(
    state: &AppState,
    caller: &Caller,
    id_or_key: &str,
) -> Result<License, AppError> {
    caller.require(Resource::Licenses, Action::Read)?;
    if let Ok(id) = id_or_key.parse::<LicenseId>() {
        return load(state, caller, id).await;
    }
    let not_found = || {
        AppError::new(
            actix_web::http::StatusCode::NOT_FOUND,
            "LICENSE_NOT_FOUND",
            "license does not exist",
        )
    };
    let key = LicenseKey::parse_presented(id_or_key).map_err(|_| not_found())?;
    state
        .licenses
        .get_by_key(caller.tenant(), key.lookup_form())
        .await
        .map_err(|e| match e {
            RepositoryError::NotFound => not_found(),
            other => AppError::from_repository(other, "license", "key"),
        })
}

async fn load(state: &AppState, caller: &Caller, id: LicenseId) -> Result<License, AppError> {
    state
        .licenses
        .get(caller.tenant(), id)
        .await
        .map_err(|e| AppError::from_repository(e, "license", id))
}

/// Applies a PATCH: fields first, then expiry (a renewal when it revives an
/// EXPIRED license), then the status change through the lifecycle table.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: LicenseId,
    changes: LicenseChanges,
) -> Result<License, AppError> {
    caller.require(Resource::Licenses, Action::Write)?;
    let now = state.clock.now();
    state
        .licenses
        .update(
            caller.tenant(),
            id,
            Box::new(move |mut license| {
                let mut kinds = Vec::new();
                let status = changes.status;
                let fields_changed = apply_fields(&mut license, changes.fields());
                if let Some(expires_at) = changes.expires_at {
                    kinds.extend(license.set_expiry(expires_at, now)?);
                }
                if let Some(status) = status {
                    if let Transition::Changed(kind) = license.change_status(status, now)? {
                        kinds.push(kind);
                    }
                }
                if (fields_changed || changes.expires_at.is_some())
                    && !kinds.contains(&EventType::LicenseUpdated)
                {
                    kinds.insert(0, EventType::LicenseUpdated);
                }
                license.updated_at = now;
                let events = kinds
                    .into_iter()
                    .map(|k| license_event(k, &license, now))
                    .collect();
                Ok((license, events))
            }),
        )
        .await
        .map_err(|e| AppError::from_repository(e, "license", id))
        .inspect(|_| state.cache.invalidate_license(id))
}

/// The plain field part of a PATCH.
#[derive(Debug)]
struct FieldChanges {
    max_activations: Option<Option<u32>>,
    heartbeat_interval_seconds: Option<Option<u32>>,
    plan: Option<Option<String>>,
    features: Option<Vec<Feature>>,
    issued_to: Option<Option<Name>>,
    issued_email: Option<Option<Email>>,
    customer_id: Option<Option<CustomerId>>,
    metadata: Option<Metadata>,
}

impl LicenseChanges {
    fn fields(&self) -> FieldChanges {
        FieldChanges {
            max_activations: self.max_activations,
            heartbeat_interval_seconds: self.heartbeat_interval_seconds,
            plan: self.plan.clone(),
            features: self.features.clone(),
            issued_to: self.issued_to.clone(),
            issued_email: self.issued_email.clone(),
            customer_id: self.customer_id,
            metadata: self.metadata.clone(),
        }
    }
}

/// Applies the plain fields; returns whether any was given.
fn apply_fields(license: &mut License, changes: FieldChanges) -> bool {
    let mut any = false;
    macro_rules! set {
        ($field:ident) => {
            if let Some(value) = changes.$field {
                license.$field = value;
                any = true;
            }
        };
    }
    set!(max_activations);
    set!(heartbeat_interval_seconds);
    set!(plan);
    set!(features);
    set!(issued_to);
    set!(issued_email);
    set!(customer_id);
    set!(metadata);
    any
}

/// Moves a license through the lifecycle (`PATCH /licenses/{id}/status`).
pub async fn change_status(
    state: &AppState,
    caller: &Caller,
    id: LicenseId,
    status: LicenseStatus,
    reason: Option<String>,
) -> Result<License, AppError> {
    caller.require(Resource::Licenses, Action::Write)?;
    let now = state.clock.now();
    state
        .licenses
        .update(
            caller.tenant(),
            id,
            Box::new(move |mut license| {
                let transition = license.change_status(status, now)?;
                license.updated_at = now;
                let events = match transition {
                    Transition::Unchanged => vec![],
                    Transition::Changed(kind) => {
                        let mut e = license_event(kind, &license, now);
                        if let (Some(reason), Some(data)) = (reason, e.data.as_object_mut()) {
                            data.insert("statusReason".into(), json!(reason));
                        }
                        vec![e]
                    }
                };
                Ok((license, events))
            }),
        )
        .await
        .map_err(|e| AppError::from_repository(e, "license", id))
        .inspect(|_| state.cache.invalidate_license(id))
}

/// Renews a license: a new expiry in the future; EXPIRED becomes ACTIVE.
pub async fn renew(
    state: &AppState,
    caller: &Caller,
    id: LicenseId,
    renewal: Renewal,
) -> Result<License, AppError> {
    caller.require(Resource::Licenses, Action::Write)?;
    let now = state.clock.now();
    state
        .licenses
        .update(
            caller.tenant(),
            id,
            Box::new(move |mut license| {
                license.renew(renewal, now)?;
                license.updated_at = now;
                let events = vec![license_event(EventType::LicenseRenewed, &license, now)];
                Ok((license, events))
            }),
        )
        .await
        .map_err(|e| AppError::from_repository(e, "license", id))
        .inspect(|_| state.cache.invalidate_license(id))
}

/// Deletes a license and its activations.
pub async fn delete(state: &AppState, caller: &Caller, id: LicenseId) -> Result<(), AppError> {
    caller.require(Resource::Licenses, Action::Write)?;
    let license = load(state, caller, id).await?;
    let events = vec![license_event(
        EventType::LicenseDeleted,
        &license,
        state.clock.now(),
    )];
    state
        .licenses
        .delete(caller.tenant(), id, events)
        .await
        .map_err(|e| AppError::from_repository(e, "license", id))
        .inspect(|_| state.cache.invalidate_license(id))
}

/// Domains assigned to a license.
pub async fn list_domains(
    state: &AppState,
    caller: &Caller,
    id: LicenseId,
) -> Result<Vec<LicenseDomain>, AppError> {
    caller.require(Resource::Licenses, Action::Read)?;
    state
        .licenses
        .list_domains(caller.tenant(), id)
        .await
        .map_err(|e| AppError::from_repository(e, "license", id))
}

/// Assigns a domain to a license.
pub async fn add_domain(
    state: &AppState,
    caller: &Caller,
    id: LicenseId,
    domain: DomainName,
) -> Result<LicenseDomain, AppError> {
    caller.require(Resource::Licenses, Action::Write)?;
    let domain = LicenseDomain {
        license_id: id,
        domain,
        created_at: state.clock.now(),
    };
    state
        .licenses
        .add_domain(caller.tenant(), domain)
        .await
        .map_err(|e| AppError::from_repository(e, "license", id))
        .inspect(|_| state.cache.invalidate_license(id))
}

/// Removes an assigned domain.
pub async fn remove_domain(
    state: &AppState,
    caller: &Caller,
    id: LicenseId,
    domain: &DomainName,
) -> Result<(), AppError> {
    caller.require(Resource::Licenses, Action::Write)?;
    state
        .licenses
        .remove_domain(caller.tenant(), id, domain)
        .await
        .map_err(|e| match e {
            RepositoryError::NotFound => AppError::not_found("domain", domain.as_str()),
            other => AppError::from_repository(other, "license", id),
        })
        .inspect(|_| state.cache.invalidate_license(id))
}
