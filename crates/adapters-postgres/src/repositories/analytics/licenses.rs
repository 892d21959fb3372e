//! The licenses report: effective statuses, seats, created and validated per day, and
//! the same per product.

use std::collections::{BTreeMap, HashMap};

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Date as SqlDate, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use licentia_domain::analytics::DateRange;
use licentia_domain::ids::ProductId;
use licentia_domain::license_status::LicenseStatus;
use licentia_ports::{LicenseFigures, ProductLicenses, RepositoryError, StatusCount, Tenant};
use time::{Date, OffsetDateTime};

use super::{bind_product, effective_status, product_clause, with_range};
use crate::error::db_error;
use crate::pool::PgConn;
use crate::rows::corrupt;

#[derive(QueryableByName)]
struct StatusRow {
    #[diesel(sql_type = SqlUuid)]
    product_id: uuid::Uuid,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = BigInt)]
    count: i64,
    #[diesel(sql_type = BigInt)]
    activations: i64,
}

#[derive(QueryableByName)]
struct DayRow {
    #[diesel(sql_type = SqlUuid)]
    product_id: uuid::Uuid,
    #[diesel(sql_type = SqlDate)]
    day: Date,
    #[diesel(sql_type = BigInt)]
    count: i64,
}

fn product_entry(
    products: &mut BTreeMap<uuid::Uuid, ProductLicenses>,
    id: uuid::Uuid,
) -> &mut ProductLicenses {
    products.entry(id).or_insert(ProductLicenses {
        product_id: ProductId::from_uuid(id),
        licenses: 0,
        created: 0,
        validations: 0,
    })
}

fn per_day(rows: &[DayRow]) -> Vec<(Date, i64)> {
    let mut days: BTreeMap<Date, i64> = BTreeMap::new();
    for row in rows {
        *days.entry(row.day).or_default() += row.count;
    }
    days.into_iter().collect()
}

async fn statuses(
    conn: &mut PgConn,
    tenant: Tenant,
    now: OffsetDateTime,
) -> Result<Vec<StatusRow>, RepositoryError> {
    let sql = format!(
        "SELECT l.product_id, {status} AS status, count(*)::bigint AS count, \
                coalesce(sum(l.activation_count), 0)::bigint AS activations \
         FROM licenses l WHERE l.user_id = $1{product} GROUP BY 1, 2",
        status = effective_status("l", 2),
        product = product_clause(tenant, "l", 3),
    );
    let query = diesel::sql_query(sql)
        .into_boxed()
        .bind::<SqlUuid, _>(tenant.owner.as_uuid())
        .bind::<Timestamptz, _>(now);
    bind_product(query, tenant)
        .load(conn)
        .await
        .map_err(db_error)
}

async fn created(
    conn: &mut PgConn,
    tenant: Tenant,
    range: DateRange,
) -> Result<Vec<DayRow>, RepositoryError> {
    let sql = format!(
        "SELECT l.product_id, (l.created_at AT TIME ZONE 'UTC')::date AS day, count(*)::bigint AS count \
         FROM licenses l WHERE l.user_id = $1 AND l.created_at >= $2 AND l.created_at < $3{product} \
         GROUP BY 1, 2",
        product = product_clause(tenant, "l", 4),
    );
    let query = diesel::sql_query(sql)
        .into_boxed()
        .bind::<SqlUuid, _>(tenant.owner.as_uuid());
    bind_product(with_range(query, range), tenant)
        .load(conn)
        .await
        .map_err(db_error)
}

async fn validations(
    conn: &mut PgConn,
    tenant: Tenant,
    range: DateRange,
) -> Result<Vec<DayRow>, RepositoryError> {
    // The per-product rollup kept by triggers on `license_validation_days`.
    let sql = format!(
        "SELECT v.product_id, v.day, v.count \
         FROM products p JOIN product_validation_days v ON v.product_id = p.id \
         WHERE p.user_id = $1 AND v.day >= $2 AND v.day <= $3{product}",
        product = product_clause(tenant, "v", 4),
    );
    let query = diesel::sql_query(sql)
        .into_boxed()
        .bind::<SqlUuid, _>(tenant.owner.as_uuid())
        .bind::<SqlDate, _>(range.from())
        .bind::<SqlDate, _>(range.to());
    bind_product(query, tenant)
        .load(conn)
        .await
        .map_err(db_error)
}

pub(super) async fn figures(
    conn: &mut PgConn,
    tenant: Tenant,
    range: DateRange,
    now: OffsetDateTime,
) -> Result<LicenseFigures, RepositoryError> {
    let status_rows = statuses(conn, tenant, now).await?;
    let created_rows = created(conn, tenant, range).await?;
    let validation_rows = validations(conn, tenant, range).await?;

    let mut products = BTreeMap::new();
    let mut by_status: HashMap<LicenseStatus, i64> = HashMap::new();
    let mut activations = 0;
    for row in &status_rows {
        let status: LicenseStatus = row.status.parse().map_err(corrupt("licenses", "status"))?;
        *by_status.entry(status).or_default() += row.count;
        activations += row.activations;
        product_entry(&mut products, row.product_id).licenses += row.count;
    }
    for row in &created_rows {
        product_entry(&mut products, row.product_id).created += row.count;
    }
    for row in &validation_rows {
        product_entry(&mut products, row.product_id).validations += row.count;
    }
    let mut products: Vec<ProductLicenses> = products.into_values().collect();
    products.sort_by(|a, b| {
        b.licenses
            .cmp(&a.licenses)
            .then(a.product_id.cmp(&b.product_id))
    });
    Ok(LicenseFigures {
        by_status: LicenseStatus::ALL
            .iter()
            .map(|status| StatusCount {
                status: *status,
                count: by_status.get(status).copied().unwrap_or(0),
            })
            .collect(),
        activations,
        created_per_day: per_day(&created_rows),
        validations_per_day: per_day(&validation_rows),
        products,
    })
}
