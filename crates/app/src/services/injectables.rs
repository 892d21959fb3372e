//! Injectables of a product: create, list (without content), read, replace, delete.

use licentia_domain::ids::{InjectableId, ProductId};
use licentia_domain::injectable::{Content, ContentType, Injectable, InjectableSummary, Target};
use licentia_domain::scope::{Action, Resource};
use licentia_domain::slug::Slug;
use licentia_domain::text::Name;
use licentia_ports::{Page, PageRequest};

use crate::api::auth::Caller;
use crate::error::AppError;
use crate::state::AppState;

/// A full injectable description (create and PUT).
#[derive(Debug)]
pub struct InjectableFields {
    pub name: Name,
    pub slug: Slug,
    pub content_type: ContentType,
    pub content: Content,
    pub target: Option<Target>,
    pub active: bool,
}

/// 404 unless the product is the caller's (and within a scoped key's product).
async fn require_product(
    state: &AppState,
    caller: &Caller,
    product: ProductId,
) -> Result<(), AppError> {
    state
        .products
        .get(caller.tenant(), product)
        .await
        .map(|_| ())
        .map_err(|e| AppError::from_repository(e, "product", product))
}

/// Creates an injectable in `product`.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    product: ProductId,
    fields: InjectableFields,
) -> Result<Injectable, AppError> {
    caller.require(Resource::Injectables, Action::Write)?;
    require_product(state, caller, product).await?;
    let now = state.clock.now();
    let injectable = Injectable {
        summary: InjectableSummary {
            id: InjectableId::generate(),
            owner: caller.user.id,
            product_id: product,
            name: fields.name,
            slug: fields.slug,
            content_type: fields.content_type,
            encoding: fields.content.encoding(),
            size: fields.content.bytes().len() as u64,
            target: fields.target,
            active: fields.active,
            created_at: now,
            updated_at: now,
        },
        content: fields.content,
    };
    state
        .injectables
        .create(injectable)
        .await
        .map_err(|e| AppError::from_repository(e, "injectable", "new"))
}

/// A product's injectables, without their content.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    product: ProductId,
    page: PageRequest,
) -> Result<Page<InjectableSummary>, AppError> {
    caller.require(Resource::Injectables, Action::Read)?;
    require_product(state, caller, product).await?;
    state
        .injectables
        .list(caller.tenant(), product, page)
        .await
        .map_err(|e| AppError::from_repository(e, "injectable", "list"))
}

/// One injectable with its content.
pub async fn get(
    state: &AppState,
    caller: &Caller,
    id: InjectableId,
) -> Result<Injectable, AppError> {
    caller.require(Resource::Injectables, Action::Read)?;
    state
        .injectables
        .get(caller.tenant(), id)
        .await
        .map_err(|e| AppError::from_repository(e, "injectable", id))
}

/// Replaces everything but the product.
pub async fn replace(
    state: &AppState,
    caller: &Caller,
    id: InjectableId,
    fields: InjectableFields,
) -> Result<Injectable, AppError> {
    caller.require(Resource::Injectables, Action::Write)?;
    let now = state.clock.now();
    state
        .injectables
        .update(
            caller.tenant(),
            id,
            Box::new(move |mut injectable| {
                let summary = &mut injectable.summary;
                summary.name = fields.name;
                summary.slug = fields.slug;
                summary.content_type = fields.content_type;
                summary.target = fields.target;
                summary.active = fields.active;
                summary.updated_at = now;
                injectable.set_content(fields.content);
                Ok((injectable, Vec::new()))
            }),
        )
        .await
        .map_err(|e| AppError::from_repository(e, "injectable", id))
}

/// Deletes one.
pub async fn delete(state: &AppState, caller: &Caller, id: InjectableId) -> Result<(), AppError> {
    caller.require(Resource::Injectables, Action::Write)?;
    state
        .injectables
        .delete(caller.tenant(), id)
        .await
        .map_err(|e| AppError::from_repository(e, "injectable", id))
}
