//! `/v1/products/{id}/injectables` and `/v1/injectables/{id}`: content shipped only to
//! licensed copies (the runtime side is `POST /v1/licenses/injectables`).

use actix_web::{HttpResponse, delete, get, post, put, web};
use licentia_domain::ids::{InjectableId, ProductId};
use licentia_domain::injectable::{Content, ContentType, Encoding, Target};
use licentia_domain::slug::Slug;
use licentia_domain::text::Name;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::auth::Caller;
use crate::api::envelope;
use crate::api::input::Fields;
use crate::api::openapi::{envelopes, vocabulary};
use crate::api::pagination::PageQuery;
use crate::api::routes::path_id;
use crate::error::{AppError, ErrorBody};
use crate::services::injectables::{self, InjectableFields};
use crate::state::AppState;
use crate::views::{InjectableSummaryView, InjectableView};

/// Mounts the injectable routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create)
        .service(list)
        .service(get)
        .service(replace)
        .service(remove);
}

/// An injectable: content shipped only to licensed copies of the product.
#[derive(Deserialize, ToSchema)]
#[schema(as = InjectableInput)]
#[serde(rename_all = "camelCase")]
struct InjectableBody {
    #[schema(value_type = String, min_length = 1, max_length = 200, pattern = "\\S", example = "Pro config")]
    name: Option<String>,
    /// Unique within the product.
    #[schema(value_type = String, pattern = "^[a-z0-9-]{2,64}$", example = "pro-config")]
    slug: Option<String>,
    /// A media type.
    #[schema(value_type = String, example = "application/json")]
    content_type: Option<String>,
    /// At most 1 MiB once decoded; base64 (standard, padded) when `encoding` is `base64`.
    #[schema(value_type = String, example = "{\"tier\": \"pro\"}")]
    content: Option<String>,
    /// `text` (default) or `base64`.
    #[schema(value_type = Option<vocabulary::Encoding>)]
    encoding: Option<String>,
    /// Where the client should put it (a path, a key); free text.
    #[schema(min_length = 1, max_length = 255)]
    target: Option<String>,
    /// Default `true`; inactive injectables are not shipped.
    active: Option<bool>,
}

fn fields(body: InjectableBody) -> Result<InjectableFields, AppError> {
    let mut fields = Fields::default();
    let name = fields.required("name", body.name, |n| Name::parse(&n));
    let slug = fields.required("slug", body.slug, |s| Slug::parse(&s));
    let content_type =
        fields.required("contentType", body.content_type, |c| ContentType::parse(&c));
    let encoding = fields
        .optional("encoding", body.encoding, |e| Encoding::parse(&e))
        .unwrap_or(Encoding::Text);
    let content = fields.required("content", body.content, |c| Content::parse(&c, encoding));
    let target = fields.optional("target", body.target, |t| Target::parse(&t));
    fields.finish(|| {
        Some(InjectableFields {
            name: name?,
            slug: slug?,
            content_type: content_type?,
            content: content?,
            target,
            active: body.active.unwrap_or(true),
        })
    })
}

/// Create an injectable for a product.
#[utoipa::path(
    tag = "injectables",
    params(("id" = Uuid, Path, description = "The product's id.")),
    request_body = InjectableBody,
    responses(
        (status = 201, description = "The injectable.", body = envelopes::InjectableData),
        (status = 409, description = "`SLUG_TAKEN` within the product.", body = ErrorBody),
    ),
    security(("apiKey" = ["injectables:write"])),
)]
#[post("/products/{id}/injectables")]
async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    product: web::Path<String>,
    body: web::Json<InjectableBody>,
) -> Result<HttpResponse, AppError> {
    let product: ProductId = path_id(&product, "product")?;
    let fields = fields(body.into_inner())?;
    let injectable = injectables::create(&state, &caller, product, fields).await?;
    Ok(envelope::created(InjectableView::from(&injectable)))
}

/// List a product's injectables.
///
/// Without their content.
#[utoipa::path(
    tag = "injectables",
    params(("id" = Uuid, Path, description = "The product's id."), PageQuery),
    responses((status = 200, description = "One page of injectables, newest first.", body = envelopes::InjectableList)),
    security(("apiKey" = ["injectables:read"])),
)]
#[get("/products/{id}/injectables")]
async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    product: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let product: ProductId = path_id(&product, "product")?;
    let page = query.to_request()?;
    let found = injectables::list(&state, &caller, product, page).await?;
    Ok(envelope::list(found, page, |s| {
        InjectableSummaryView::from(s)
    }))
}

/// Get an injectable, with its content.
#[utoipa::path(
    tag = "injectables",
    params(("id" = Uuid, Path, description = "The injectable's id.")),
    responses((status = 200, description = "The injectable.", body = envelopes::InjectableData)),
    security(("apiKey" = ["injectables:read"])),
)]
#[get("/injectables/{id}")]
async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: InjectableId = path_id(&id, "injectable")?;
    let injectable = injectables::get(&state, &caller, id).await?;
    Ok(envelope::ok(InjectableView::from(&injectable)))
}

/// Replace an injectable.
#[utoipa::path(
    tag = "injectables",
    params(("id" = Uuid, Path, description = "The injectable's id.")),
    request_body = InjectableBody,
    responses(
        (status = 200, description = "The injectable.", body = envelopes::InjectableData),
        (status = 409, description = "`SLUG_TAKEN` within the product.", body = ErrorBody),
    ),
    security(("apiKey" = ["injectables:write"])),
)]
#[put("/injectables/{id}")]
async fn replace(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<InjectableBody>,
) -> Result<HttpResponse, AppError> {
    let id: InjectableId = path_id(&id, "injectable")?;
    let fields = fields(body.into_inner())?;
    let injectable = injectables::replace(&state, &caller, id, fields).await?;
    Ok(envelope::ok(InjectableView::from(&injectable)))
}

/// Delete an injectable.
#[utoipa::path(
    tag = "injectables",
    params(("id" = Uuid, Path, description = "The injectable's id.")),
    responses((status = 204, description = "Deleted.")),
    security(("apiKey" = ["injectables:write"])),
)]
#[delete("/injectables/{id}")]
async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: InjectableId = path_id(&id, "injectable")?;
    injectables::delete(&state, &caller, id).await?;
    Ok(envelope::no_content())
}
