//! Validation counters, the data of the analytics reports: `licenseValidationDay`
//! lines (per license and UTC day) and `productValidationDay` lines (the per-product
//! rollup, which also keeps the counts of licenses deleted before the export).

use licentia_domain::ids::{LicenseId, ProductId};
use licentia_ports::ValidationDay;
use serde::{Deserialize, Serialize};
use time::Date;

/// `{"kind":"licenseValidationDay","licenseId":…,"day":"2026-05-31","count":12}`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LicenseValidationDayLine {
    pub license_id: LicenseId,
    #[serde(with = "super::day")]
    pub day: Date,
    pub count: u64,
}

impl From<&ValidationDay<LicenseId>> for LicenseValidationDayLine {
    fn from(v: &ValidationDay<LicenseId>) -> Self {
        Self {
            license_id: v.id,
            day: v.day,
            count: v.count,
        }
    }
}

impl From<LicenseValidationDayLine> for ValidationDay<LicenseId> {
    fn from(line: LicenseValidationDayLine) -> Self {
        Self {
            id: line.license_id,
            day: line.day,
            count: line.count,
        }
    }
}

/// `{"kind":"productValidationDay","productId":…,"day":"2026-05-31","count":40}`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProductValidationDayLine {
    pub product_id: ProductId,
    #[serde(with = "super::day")]
    pub day: Date,
    pub count: u64,
}

impl From<&ValidationDay<ProductId>> for ProductValidationDayLine {
    fn from(v: &ValidationDay<ProductId>) -> Self {
        Self {
            product_id: v.id,
            day: v.day,
            count: v.count,
        }
    }
}

impl From<ProductValidationDayLine> for ValidationDay<ProductId> {
    fn from(line: ProductValidationDayLine) -> Self {
        Self {
            id: line.product_id,
            day: line.day,
            count: line.count,
        }
    }
}
