//! Success envelopes: `{data}` and `{data, meta}`.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use licentia_ports::{Page, PageRequest};
use serde::Serialize;
use utoipa::ToSchema;

/// `{"data": …}`: every successful answer with a body.
#[derive(Debug, Serialize)]
pub struct Data<T> {
    pub data: T,
}

/// Where a page sits in a list.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    /// The page returned, from 1.
    #[schema(minimum = 1, example = 1)]
    pub page: u32,
    /// Items per page (1..=100).
    #[schema(minimum = 1, maximum = 100, example = 20)]
    pub per_page: u32,
    /// Items in the whole list.
    #[schema(example = 100)]
    pub total: u64,
    /// Pages in the whole list.
    #[schema(example = 5)]
    pub total_pages: u64,
}

/// `{"data": [...], "meta": {...}}`: one page of a list, newest first.
#[derive(Debug, Serialize)]
struct List<T> {
    data: Vec<T>,
    meta: Meta,
}

/// `200 {"data": …}`.
pub fn ok<T: Serialize>(data: T) -> HttpResponse {
    with_status(StatusCode::OK, data)
}

/// `201 {"data": …}`.
pub fn created<T: Serialize>(data: T) -> HttpResponse {
    with_status(StatusCode::CREATED, data)
}

/// `204`, no body.
pub fn no_content() -> HttpResponse {
    HttpResponse::NoContent().finish()
}

/// `{"data": …}` with any status.
pub fn with_status<T: Serialize>(status: StatusCode, data: T) -> HttpResponse {
    HttpResponse::build(status).json(Data { data })
}

/// `200 {"data": [...], "meta": {...}}`, mapping each item with `view`.
pub fn list<T, V: Serialize>(
    page: Page<T>,
    request: PageRequest,
    view: impl Fn(&T) -> V,
) -> HttpResponse {
    let per_page = u64::from(request.per_page.max(1));
    HttpResponse::Ok().json(List {
        data: page.items.iter().map(view).collect(),
        meta: Meta {
            page: request.page,
            per_page: request.per_page,
            total: page.total,
            total_pages: page.total.div_ceil(per_page),
        },
    })
}
