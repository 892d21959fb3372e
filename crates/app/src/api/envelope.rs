//! Success envelopes: `{data}` and `{data, meta}`.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use licentia_ports::{Page, PageRequest};
use serde::Serialize;

#[derive(Serialize)]
struct Data<T> {
    data: T,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Meta {
    page: u32,
    per_page: u32,
    total: u64,
    total_pages: u64,
}

#[derive(Serialize)]
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
