//! `/v1/products/{id}/injectables` and `/v1/injectables/{id}`: content shipped only to
//! licensed copies (the runtime side is `POST /v1/licenses/injectables`).

use actix_web::{HttpResponse, delete, get, post, put, web};
use licentia_domain::ids::{InjectableId, ProductId};
use licentia_domain::injectable::{Content, ContentType, Encoding, Target};
use licentia_domain::slug::Slug;
use licentia_domain::text::Name;
use serde::Deserialize;

use crate::api::auth::Caller;
use crate::api::envelope;
use crate::api::input::Fields;
use crate::api::pagination::PageQuery;
use crate::api::routes::path_id;
use crate::error::AppError;
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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InjectableBody {
    name: Option<String>,
    slug: Option<String>,
    content_type: Option<String>,
    content: Option<String>,
    /// `text` (default) or `base64`.
    encoding: Option<String>,
    target: Option<String>,
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
