//! The revenue entries: succeeded (and later refunded) payments on their `paid_at`
//! day, refunds on the day the payment became `refunded` (`updated_at`: `refunded` is
//! final, so nothing moves it afterwards).

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Date as SqlDate, Text, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use licentia_domain::analytics::{DateRange, RevenueEntry};
use licentia_domain::currency::Currency;
use licentia_domain::ids::ProductId;
use licentia_ports::{RepositoryError, Tenant};
use time::Date;

use super::{bind_product, product_clause, with_range};
use crate::error::db_error;
use crate::pool::PgConn;
use crate::rows::corrupt;

#[derive(QueryableByName)]
struct EntryRow {
    #[diesel(sql_type = SqlDate)]
    day: Date,
    #[diesel(sql_type = SqlUuid)]
    product_id: uuid::Uuid,
    #[diesel(sql_type = Text)]
    currency: String,
    #[diesel(sql_type = BigInt)]
    succeeded: i64,
    #[diesel(sql_type = BigInt)]
    refunded: i64,
}

pub(super) async fn entries(
    conn: &mut PgConn,
    tenant: Tenant,
    range: DateRange,
) -> Result<Vec<RevenueEntry>, RepositoryError> {
    let product = product_clause(tenant, "p", 4);
    let sql = format!(
        "SELECT day, product_id, currency, sum(succeeded)::bigint AS succeeded, \
                sum(refunded)::bigint AS refunded FROM ( \
           SELECT (p.paid_at AT TIME ZONE 'UTC')::date AS day, p.product_id, p.currency, \
                  p.amount AS succeeded, 0::bigint AS refunded \
           FROM payments p WHERE p.user_id = $1 AND p.status IN ('succeeded', 'refunded') \
             AND p.paid_at >= $2 AND p.paid_at < $3{product} \
           UNION ALL \
           SELECT (p.updated_at AT TIME ZONE 'UTC')::date, p.product_id, p.currency, \
                  0::bigint, p.amount \
           FROM payments p WHERE p.user_id = $1 AND p.status = 'refunded' \
             AND p.updated_at >= $2 AND p.updated_at < $3{product} \
         ) AS money GROUP BY 1, 2, 3"
    );
    let query = diesel::sql_query(sql)
        .into_boxed()
        .bind::<SqlUuid, _>(tenant.owner.as_uuid());
    let rows: Vec<EntryRow> = bind_product(with_range(query, range), tenant)
        .load(conn)
        .await
        .map_err(db_error)?;
    rows.into_iter()
        .map(|row| {
            Ok(RevenueEntry {
                day: row.day,
                product_id: ProductId::from_uuid(row.product_id),
                currency: Currency::parse(&row.currency)
                    .map_err(corrupt("payments", "currency"))?,
                succeeded: row.succeeded,
                refunded: row.refunded,
            })
        })
        .collect()
}
