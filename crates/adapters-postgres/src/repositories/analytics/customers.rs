//! The customers report: total, new per day, with an active license. A product
//! tenant counts the customers holding a license of its product.

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Date as SqlDate, Timestamptz, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use licentia_domain::analytics::DateRange;
use licentia_ports::{CustomerFigures, RepositoryError, Tenant};
use time::{Date, OffsetDateTime};

use super::{Query, bind_product, with_range};
use crate::error::db_error;
use crate::pool::PgConn;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

#[derive(QueryableByName)]
struct DayRow {
    #[diesel(sql_type = SqlDate)]
    day: Date,
    #[diesel(sql_type = BigInt)]
    count: i64,
}

/// The customers of the tenant, `c`; with a product, only those holding one of its
/// licenses (the product id is the `$n` parameter).
fn customers_of(tenant: Tenant, n: usize) -> String {
    match tenant.product {
        Some(_) => format!(
            "c.user_id = $1 AND EXISTS (SELECT 1 FROM licenses pl \
             WHERE pl.customer_id = c.id AND pl.product_id = ${n})"
        ),
        None => "c.user_id = $1".to_owned(),
    }
}

fn owner(sql: String, tenant: Tenant) -> Query {
    diesel::sql_query(sql)
        .into_boxed()
        .bind::<SqlUuid, _>(tenant.owner.as_uuid())
}

async fn one(conn: &mut PgConn, query: Query) -> Result<i64, RepositoryError> {
    let rows: Vec<Count> = query.load(conn).await.map_err(db_error)?;
    Ok(rows.into_iter().next().map_or(0, |row| row.count))
}

pub(super) async fn figures(
    conn: &mut PgConn,
    tenant: Tenant,
    range: DateRange,
    now: OffsetDateTime,
) -> Result<CustomerFigures, RepositoryError> {
    let total = owner(
        format!(
            "SELECT count(*)::bigint AS count FROM customers c WHERE {}",
            customers_of(tenant, 2)
        ),
        tenant,
    );
    let total = one(conn, bind_product(total, tenant)).await?;

    let new = owner(
        format!(
            "SELECT (c.created_at AT TIME ZONE 'UTC')::date AS day, count(*)::bigint AS count \
             FROM customers c WHERE {} AND c.created_at >= $2 AND c.created_at < $3 GROUP BY 1",
            customers_of(tenant, 4)
        ),
        tenant,
    );
    let new_rows: Vec<DayRow> = bind_product(with_range(new, range), tenant)
        .load(conn)
        .await
        .map_err(db_error)?;

    let product = match tenant.product {
        Some(_) => " AND l.product_id = $3",
        None => "",
    };
    let active = owner(
        format!(
            "SELECT count(DISTINCT l.customer_id)::bigint AS count FROM licenses l \
             WHERE l.user_id = $1 AND l.customer_id IS NOT NULL AND l.status = 'ACTIVE' \
             AND (l.expires_at IS NULL OR l.expires_at > $2){product}"
        ),
        tenant,
    )
    .bind::<Timestamptz, _>(now);
    let with_active_licenses = one(conn, bind_product(active, tenant)).await?;

    Ok(CustomerFigures {
        total,
        with_active_licenses,
        new_per_day: new_rows.into_iter().map(|r| (r.day, r.count)).collect(),
    })
}
