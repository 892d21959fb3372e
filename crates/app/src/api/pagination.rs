//! `?page=` and `?perPage=`: parsed strictly, refused with 400 when out of range.

use licentia_ports::PageRequest;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::AppError;

/// The pagination part of a list query string.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct PageQuery {
    /// The page, from 1 (default 1).
    #[param(minimum = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

impl PageQuery {
    /// From the two query values of a larger query string.
    pub fn new(page: Option<u32>, per_page: Option<u32>) -> Self {
        Self { page, per_page }
    }

    /// `page` from 1 (default 1), `perPage` 1..=100 (default 20).
    pub fn to_request(&self) -> Result<PageRequest, AppError> {
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(20);
        if page == 0 {
            return Err(AppError::bad_request("INVALID_QUERY", "page starts at 1"));
        }
        if !(1..=100).contains(&per_page) {
            return Err(AppError::bad_request(
                "INVALID_QUERY",
                "perPage must be between 1 and 100",
            ));
        }
        Ok(PageRequest { page, per_page })
    }
}
