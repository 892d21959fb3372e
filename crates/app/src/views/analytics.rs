//! Views of the analytics reports (`/v1/analytics/*`).

use std::collections::BTreeMap;

use licentia_domain::analytics::{
    CurrencyRevenue, DateRange, DayCount, ProductRevenue, Revenue, zero_fill,
};
use licentia_domain::ids::ProductId;
use licentia_ports::{
    CustomerFigures, LicenseFigures, PlatformFigures, ProductLicenses, StatusCount,
};
use serde::Serialize;
use time::Date;
use utoipa::ToSchema;

/// How many products `topProducts` lists.
const TOP_PRODUCTS: usize = 10;

time::serde::format_description!(day_format, Date, "[year]-[month]-[day]");

/// One day of a count series.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DayCount)]
pub struct DayView {
    #[serde(with = "day_format")]
    pub date: Date,
    pub count: i64,
}

/// A zero-filled series and its total.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DailySeries)]
pub struct SeriesView {
    pub total: i64,
    pub daily: Vec<DayView>,
}

impl SeriesView {
    fn new(range: DateRange, points: &[(Date, i64)]) -> Self {
        let daily = zero_fill(range, points.iter().copied());
        Self {
            total: daily.iter().map(|d| d.count).sum(),
            daily: daily
                .into_iter()
                .map(|DayCount { date, count }| DayView { date, count })
                .collect(),
        }
    }
}

/// The period and product a report covers.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ReportPeriod)]
#[serde(rename_all = "camelCase")]
pub struct PeriodView {
    #[serde(with = "day_format")]
    pub from: Date,
    #[serde(with = "day_format")]
    pub to: Date,
    pub product_id: Option<ProductId>,
}

impl PeriodView {
    pub fn new(range: DateRange, product: Option<ProductId>) -> Self {
        Self {
            from: range.from(),
            to: range.to(),
            product_id: product,
        }
    }
}

fn by_status(counts: &[StatusCount]) -> BTreeMap<&'static str, i64> {
    counts
        .iter()
        .map(|c| (c.status.as_str(), c.count))
        .collect()
}

/// One product of `topProducts`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ProductLicenses)]
#[serde(rename_all = "camelCase")]
pub struct ProductLicensesView {
    pub product_id: ProductId,
    pub licenses: i64,
    pub created: i64,
    pub validations: i64,
}

impl From<&ProductLicenses> for ProductLicensesView {
    fn from(p: &ProductLicenses) -> Self {
        Self {
            product_id: p.product_id,
            licenses: p.licenses,
            created: p.created,
            validations: p.validations,
        }
    }
}

/// `GET /v1/analytics/licenses`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = LicenseAnalytics)]
#[serde(rename_all = "camelCase")]
pub struct LicenseAnalyticsView {
    #[serde(flatten)]
    pub period: PeriodView,
    pub total: i64,
    pub by_status: BTreeMap<&'static str, i64>,
    pub activations: i64,
    pub created: SeriesView,
    pub validations: SeriesView,
    pub top_products: Vec<ProductLicensesView>,
}

impl LicenseAnalyticsView {
    pub fn new(period: PeriodView, range: DateRange, f: &LicenseFigures) -> Self {
        Self {
            period,
            total: f.by_status.iter().map(|c| c.count).sum(),
            by_status: by_status(&f.by_status),
            activations: f.activations,
            created: SeriesView::new(range, &f.created_per_day),
            validations: SeriesView::new(range, &f.validations_per_day),
            top_products: f
                .products
                .iter()
                .take(TOP_PRODUCTS)
                .map(Into::into)
                .collect(),
        }
    }
}

/// `GET /v1/analytics/users`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CustomerAnalytics)]
#[serde(rename_all = "camelCase")]
pub struct CustomerAnalyticsView {
    #[serde(flatten)]
    pub period: PeriodView,
    pub total: i64,
    pub with_active_licenses: i64,
    pub new: SeriesView,
}

impl CustomerAnalyticsView {
    pub fn new(period: PeriodView, range: DateRange, f: &CustomerFigures) -> Self {
        Self {
            period,
            total: f.total,
            with_active_licenses: f.with_active_licenses,
            new: SeriesView::new(range, &f.new_per_day),
        }
    }
}

/// One day of net revenue in one currency.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DayAmount)]
pub struct AmountDayView {
    #[serde(with = "day_format")]
    pub date: Date,
    pub amount: i64,
}

/// Minor units in one currency.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CurrencyAmounts)]
pub struct CurrencyAmountsView {
    #[schema(value_type = crate::api::openapi::vocabulary::Currency)]
    pub currency: &'static str,
    pub succeeded: i64,
    pub refunded: i64,
    pub net: i64,
}

impl From<&CurrencyRevenue> for CurrencyAmountsView {
    fn from(c: &CurrencyRevenue) -> Self {
        Self {
            currency: c.currency.as_str(),
            succeeded: c.succeeded,
            refunded: c.refunded,
            net: c.net,
        }
    }
}

/// One currency's totals and zero-filled daily net.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CurrencyRevenue)]
pub struct CurrencyRevenueView {
    #[serde(flatten)]
    pub totals: CurrencyAmountsView,
    pub daily: Vec<AmountDayView>,
}

/// One product's totals per currency.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ProductRevenue)]
#[serde(rename_all = "camelCase")]
pub struct ProductRevenueView {
    pub product_id: ProductId,
    pub currencies: Vec<CurrencyAmountsView>,
}

impl From<&ProductRevenue> for ProductRevenueView {
    fn from(p: &ProductRevenue) -> Self {
        Self {
            product_id: p.product_id,
            currencies: p.currencies.iter().map(Into::into).collect(),
        }
    }
}

/// `GET /v1/analytics/revenue`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = RevenueAnalytics)]
pub struct RevenueAnalyticsView {
    #[serde(flatten)]
    pub period: PeriodView,
    pub currencies: Vec<CurrencyRevenueView>,
    pub products: Vec<ProductRevenueView>,
}

impl RevenueAnalyticsView {
    pub fn new(period: PeriodView, r: &Revenue) -> Self {
        Self {
            period,
            currencies: r
                .currencies
                .iter()
                .map(|(totals, days)| CurrencyRevenueView {
                    totals: totals.into(),
                    daily: days
                        .iter()
                        .map(|d| AmountDayView {
                            date: d.date,
                            amount: d.count,
                        })
                        .collect(),
                })
                .collect(),
            products: r.products.iter().map(Into::into).collect(),
        }
    }
}

/// Platform licenses: total and by status.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = PlatformLicenses)]
#[serde(rename_all = "camelCase")]
pub struct PlatformLicensesView {
    pub total: i64,
    pub by_status: BTreeMap<&'static str, i64>,
}

/// `GET /v1/analytics/stats`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = PlatformStats)]
#[serde(rename_all = "camelCase")]
pub struct PlatformStatsView {
    pub users: i64,
    pub products: i64,
    pub licenses: PlatformLicensesView,
    pub activations: i64,
    #[serde(rename = "validationsLast24h")]
    pub validations_last_24h: i64,
}

impl From<&PlatformFigures> for PlatformStatsView {
    fn from(f: &PlatformFigures) -> Self {
        Self {
            users: f.users,
            products: f.products,
            licenses: PlatformLicensesView {
                total: f.licenses_by_status.iter().map(|c| c.count).sum(),
                by_status: by_status(&f.licenses_by_status),
            },
            activations: f.activations,
            validations_last_24h: f.validations_since,
        }
    }
}
