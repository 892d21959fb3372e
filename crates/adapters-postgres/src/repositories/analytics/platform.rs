//! Platform totals for admins: every account counted.

use std::collections::HashMap;

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Date as SqlDate, Text, Timestamptz};
use diesel_async::RunQueryDsl;
use licentia_domain::license_status::LicenseStatus;
use licentia_ports::{PlatformFigures, RepositoryError, StatusCount};
use time::{Date, OffsetDateTime};

use super::effective_status;
use crate::error::db_error;
use crate::pool::PgConn;
use crate::rows::corrupt;

#[derive(QueryableByName)]
struct Totals {
    #[diesel(sql_type = BigInt)]
    users: i64,
    #[diesel(sql_type = BigInt)]
    products: i64,
    #[diesel(sql_type = BigInt)]
    validations: i64,
}

#[derive(QueryableByName)]
struct StatusRow {
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = BigInt)]
    count: i64,
    #[diesel(sql_type = BigInt)]
    activations: i64,
}

pub(super) async fn figures(
    conn: &mut PgConn,
    now: OffsetDateTime,
    since: Date,
) -> Result<PlatformFigures, RepositoryError> {
    let totals: Vec<Totals> = diesel::sql_query(
        "SELECT (SELECT count(*) FROM users)::bigint AS users, \
                (SELECT count(*) FROM products)::bigint AS products, \
                (SELECT coalesce(sum(count), 0) FROM product_validation_days WHERE day >= $1)::bigint \
                AS validations",
    )
    .bind::<SqlDate, _>(since)
    .load(conn)
    .await
    .map_err(db_error)?;
    let rows: Vec<StatusRow> = diesel::sql_query(format!(
        "SELECT {} AS status, count(*)::bigint AS count, \
                coalesce(sum(l.activation_count), 0)::bigint AS activations \
         FROM licenses l GROUP BY 1",
        effective_status("l", 1)
    ))
    .bind::<Timestamptz, _>(now)
    .load(conn)
    .await
    .map_err(db_error)?;
    let mut by_status: HashMap<LicenseStatus, i64> = HashMap::new();
    let mut activations = 0;
    for row in rows {
        let status: LicenseStatus = row.status.parse().map_err(corrupt("licenses", "status"))?;
        *by_status.entry(status).or_default() += row.count;
        activations += row.activations;
    }
    let totals = totals.into_iter().next();
    Ok(PlatformFigures {
        users: totals.as_ref().map_or(0, |t| t.users),
        products: totals.as_ref().map_or(0, |t| t.products),
        licenses_by_status: LicenseStatus::ALL
            .iter()
            .map(|status| StatusCount {
                status: *status,
                count: by_status.get(status).copied().unwrap_or(0),
            })
            .collect(),
        activations,
        validations_since: totals.as_ref().map_or(0, |t| t.validations),
    })
}
