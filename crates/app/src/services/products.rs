//! Products and their domain allow-lists.

use licentia_domain::domain_name::DomainPattern;
use licentia_domain::event::{EventType, NewEvent};
use licentia_domain::ids::ProductId;
use licentia_domain::key_prefix::KeyPrefix;
use licentia_domain::metadata::Metadata;
use licentia_domain::plan::Plan;
use licentia_domain::product::{Product, ProductDomain};
use licentia_domain::scope::{Action, Resource};
use licentia_domain::slug::Slug;
use licentia_domain::text::{Description, Name};
use licentia_ports::{Page, PageRequest};

use crate::api::auth::Caller;
use crate::error::AppError;
use crate::services::licenses::license_event;
use crate::state::AppState;
use crate::views::{ProductView, to_event_data};

/// A full product description (create and PUT).
#[derive(Debug)]
pub struct ProductFields {
    pub name: Name,
    pub slug: Slug,
    pub description: Option<Description>,
    pub key_prefix: KeyPrefix,
    pub plans: Vec<Plan>,
    pub metadata: Metadata,
}

/// A partial change (PATCH); `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct ProductChanges {
    pub name: Option<Name>,
    pub slug: Option<Slug>,
    pub description: Option<Option<Description>>,
    pub key_prefix: Option<KeyPrefix>,
    pub plans: Option<Vec<Plan>>,
    pub metadata: Option<Metadata>,
}

impl From<ProductFields> for ProductChanges {
    fn from(f: ProductFields) -> Self {
        Self {
            name: Some(f.name),
            slug: Some(f.slug),
            description: Some(f.description),
            key_prefix: Some(f.key_prefix),
            plans: Some(f.plans),
            metadata: Some(f.metadata),
        }
    }
}

fn event(kind: EventType, product: &Product) -> NewEvent {
    NewEvent::new(
        kind,
        Some(product.id),
        to_event_data(&ProductView::from(product)),
    )
}

/// Creates a product. A project-scoped key cannot create products (it would reach
/// beyond its product).
pub async fn create(
    state: &AppState,
    caller: &Caller,
    fields: ProductFields,
) -> Result<Product, AppError> {
    caller.require(Resource::Products, Action::Write)?;
    if caller.grant.product().is_some() {
        return Err(AppError::forbidden(
            "PRODUCT_SCOPE",
            "a project-scoped key cannot create products",
        ));
    }
    let now = state.clock.now();
    let product = Product {
        id: ProductId::generate(),
        owner: caller.user.id,
        name: fields.name,
        slug: fields.slug,
        description: fields.description,
        key_prefix: fields.key_prefix,
        plans: fields.plans,
        metadata: fields.metadata,
        created_at: now,
        updated_at: now,
    };
    let events = vec![event(EventType::ProductCreated, &product)];
    state
        .products
        .create(product, events)
        .await
        .map_err(|e| AppError::from_repository(e, "product", "new"))
}

/// Products visible to the caller.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    page: PageRequest,
) -> Result<Page<Product>, AppError> {
    caller.require(Resource::Products, Action::Read)?;
    state
        .products
        .list(caller.tenant(), page)
        .await
        .map_err(|e| AppError::from_repository(e, "product", "list"))
}

/// One product.
pub async fn get(state: &AppState, caller: &Caller, id: ProductId) -> Result<Product, AppError> {
    caller.require(Resource::Products, Action::Read)?;
    load(state, caller, id).await
}

/// Applies `changes` (PUT passes every field, PATCH some).
pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: ProductId,
    changes: ProductChanges,
) -> Result<Product, AppError> {
    caller.require(Resource::Products, Action::Write)?;
    let now = state.clock.now();
    state
        .products
        .update(
            caller.tenant(),
            id,
            Box::new(move |mut product| {
                if let Some(name) = changes.name {
                    product.name = name;
                }
                if let Some(slug) = changes.slug {
                    product.slug = slug;
                }
                if let Some(description) = changes.description {
                    product.description = description;
                }
                if let Some(prefix) = changes.key_prefix {
                    product.key_prefix = prefix;
                }
                if let Some(plans) = changes.plans {
                    product.plans = plans;
                }
                if let Some(metadata) = changes.metadata {
                    product.metadata = metadata;
                }
                product.updated_at = now;
                let events = vec![event(EventType::ProductUpdated, &product)];
                Ok((product, events))
            }),
        )
        .await
        .map_err(|e| AppError::from_repository(e, "product", id))
}

/// Deletes a product; with licenses only when `force` (they go with it).
pub async fn delete(
    state: &AppState,
    caller: &Caller,
    id: ProductId,
    force: bool,
) -> Result<(), AppError> {
    caller.require(Resource::Products, Action::Write)?;
    let product = load(state, caller, id).await?;
    let now = state.clock.now();
    let events = vec![event(EventType::ProductDeleted, &product)];
    state
        .products
        .delete(caller.tenant(), id, force, events, &|license| {
            license_event(EventType::LicenseDeleted, license, now)
        })
        .await
        .map_err(|e| AppError::from_repository(e, "product", id))
        .inspect(|_| state.cache.invalidate_product(id))
}

/// Reads a product without a scope check (for writes that need its current state).
async fn load(state: &AppState, caller: &Caller, id: ProductId) -> Result<Product, AppError> {
    state
        .products
        .get(caller.tenant(), id)
        .await
        .map_err(|e| AppError::from_repository(e, "product", id))
}

/// The product's allowed domains.
pub async fn list_domains(
    state: &AppState,
    caller: &Caller,
    id: ProductId,
) -> Result<Vec<ProductDomain>, AppError> {
    caller.require(Resource::Products, Action::Read)?;
    state
        .products
        .list_domains(caller.tenant(), id)
        .await
        .map_err(|e| AppError::from_repository(e, "product", id))
}

/// Adds an allowed domain.
pub async fn add_domain(
    state: &AppState,
    caller: &Caller,
    id: ProductId,
    domain: DomainPattern,
) -> Result<ProductDomain, AppError> {
    caller.require(Resource::Products, Action::Write)?;
    let domain = ProductDomain {
        product_id: id,
        domain,
        created_at: state.clock.now(),
    };
    state
        .products
        .add_domain(caller.tenant(), domain)
        .await
        .map_err(|e| AppError::from_repository(e, "product", id))
        .inspect(|_| state.cache.invalidate_product(id))
}

/// Removes an allowed domain.
pub async fn remove_domain(
    state: &AppState,
    caller: &Caller,
    id: ProductId,
    domain: &DomainPattern,
) -> Result<(), AppError> {
    caller.require(Resource::Products, Action::Write)?;
    state
        .products
        .remove_domain(caller.tenant(), id, domain)
        .await
        .map_err(|e| match e {
            licentia_ports::RepositoryError::NotFound => {
                AppError::not_found("domain", domain.as_str())
            }
            other => AppError::from_repository(other, "product", id),
        })
        .inspect(|_| state.cache.invalidate_product(id))
}
