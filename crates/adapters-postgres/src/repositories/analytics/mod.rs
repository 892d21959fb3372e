//! `AnalyticsRepository`: aggregates computed in SQL (`GROUP BY` per day and product),
//! returned sparse; the domain zero-fills and adds up.

mod customers;
mod licenses;
mod platform;
mod revenue;

use async_trait::async_trait;
use diesel::pg::Pg;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{Timestamptz, Uuid as SqlUuid};
use licentia_domain::analytics::{DateRange, RevenueEntry};
use licentia_ports::{
    AnalyticsRepository, CustomerFigures, LicenseFigures, PlatformFigures, RepositoryError, Tenant,
};
use time::{Date, OffsetDateTime};

use super::PostgresStore;

type Query = BoxedSqlQuery<'static, Pg, SqlQuery>;

/// ` AND {alias}.product_id = ${n}` when the tenant is one product, else nothing;
/// [`bind_product`] binds it last.
fn product_clause(tenant: Tenant, alias: &str, n: usize) -> String {
    match tenant.product {
        Some(_) => format!(" AND {alias}.product_id = ${n}"),
        None => String::new(),
    }
}

fn bind_product(query: Query, tenant: Tenant) -> Query {
    match tenant.product {
        Some(product) => query.bind::<SqlUuid, _>(product.as_uuid()),
        None => query,
    }
}

/// The range as timestamps: `[from 00:00 UTC, the day after to 00:00 UTC)`, so that
/// `created_at`-style indexes serve the range.
fn instants(range: DateRange) -> (OffsetDateTime, OffsetDateTime) {
    let start = range.from().midnight().assume_utc();
    let end = range
        .to()
        .next_day()
        .unwrap_or(range.to())
        .midnight()
        .assume_utc();
    (start, end)
}

/// The SQL of a license's effective status at `$n` (a passed `expires_at` is EXPIRED,
/// except REVOKED, which is final) — `License::effective_status`.
fn effective_status(alias: &str, n: usize) -> String {
    format!(
        "CASE WHEN {alias}.status <> 'REVOKED' AND {alias}.expires_at <= ${n} \
         THEN 'EXPIRED' ELSE {alias}.status END"
    )
}

fn with_range(query: Query, range: DateRange) -> Query {
    let (start, end) = instants(range);
    query
        .bind::<Timestamptz, _>(start)
        .bind::<Timestamptz, _>(end)
}

#[async_trait]
impl AnalyticsRepository for PostgresStore {
    async fn licenses(
        &self,
        tenant: Tenant,
        range: DateRange,
        now: OffsetDateTime,
    ) -> Result<LicenseFigures, RepositoryError> {
        let mut conn = self.conn().await?;
        licenses::figures(&mut conn, tenant, range, now).await
    }

    async fn customers(
        &self,
        tenant: Tenant,
        range: DateRange,
        now: OffsetDateTime,
    ) -> Result<CustomerFigures, RepositoryError> {
        let mut conn = self.conn().await?;
        customers::figures(&mut conn, tenant, range, now).await
    }

    async fn revenue(
        &self,
        tenant: Tenant,
        range: DateRange,
    ) -> Result<Vec<RevenueEntry>, RepositoryError> {
        let mut conn = self.conn().await?;
        revenue::entries(&mut conn, tenant, range).await
    }

    async fn platform(
        &self,
        now: OffsetDateTime,
        since: Date,
    ) -> Result<PlatformFigures, RepositoryError> {
        let mut conn = self.conn().await?;
        platform::figures(&mut conn, now, since).await
    }
}
