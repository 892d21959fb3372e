//! Reading an account in archive order: one cursor per kind, rows fetched a batch at a
//! time and handed to the sink one by one.

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{Query, QueryFragment};
use diesel_async::methods::LoadQuery;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use licentia_domain::domain_name::{DomainName, DomainPattern};
use licentia_domain::ids::{LicenseId, ProductId, UserId};
use licentia_domain::product::ProductDomain;
use licentia_ports::{ArchiveRecord, ArchiveSink, LicenseDomain, RepositoryError, ValidationDay};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::Failure;
use crate::cursor::{Cursor, Fetch};
use crate::rows::{
    ActivationRow, ArchivedApiKeyRow, ArchivedSiteRow, ArchivedWebhookRow, CustomerRow,
    InjectableRow, LicenseRow, PaymentRow, ProductRow, SiteActionRow, UserRow, corrupt,
};
use crate::schema::{
    activations, api_keys, customers, injectables, license_domains, license_validation_days,
    licenses, payments, product_domains, product_validation_days, products, site_actions, sites,
    users, webhook_endpoints,
};

/// Rows fetched per round trip.
const BATCH: u32 = 1_000;
/// Injectables hold up to 1 MiB each: fewer per round trip.
const CONTENT_BATCH: u32 = 8;

/// Streams every row of `query` through `into` to the sink.
async fn each<Q, U>(
    conn: &mut AsyncPgConnection,
    sink: &mut dyn ArchiveSink,
    name: &'static str,
    query: Q,
    batch: u32,
    into: impl Fn(U) -> Result<ArchiveRecord, RepositoryError>,
) -> Result<(), Failure>
where
    Q: Query + QueryFragment<Pg> + Send,
    Q::SqlType: Send + 'static,
    U: Send + 'static,
    Fetch<Q::SqlType>: LoadQuery<'static, AsyncPgConnection, U>,
{
    let mut cursor = Cursor::open(conn, name, query).await?;
    loop {
        let rows: Vec<U> = cursor.fetch(conn, batch).await?;
        if rows.is_empty() {
            return Ok(());
        }
        for row in rows {
            sink.put(into(row)?).await?;
        }
    }
}

/// Every record of `owner`'s account, in archive order.
pub(super) async fn export(
    conn: &mut AsyncPgConnection,
    owner: UserId,
    sink: &mut dyn ArchiveSink,
) -> Result<(), Failure> {
    let id = owner.as_uuid();
    let user: UserRow = users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .await?;
    sink.put(ArchiveRecord::Account(user.try_into()?)).await?;

    let query = products::table
        .filter(products::user_id.eq(id))
        .order(products::id)
        .select(ProductRow::as_select());
    each(
        conn,
        sink,
        "archive_products",
        query,
        BATCH,
        |r: ProductRow| Ok(ArchiveRecord::Product(r.try_into()?)),
    )
    .await?;

    let query = product_domains::table
        .inner_join(products::table)
        .filter(products::user_id.eq(id))
        .order((product_domains::product_id, product_domains::domain))
        .select((
            product_domains::product_id,
            product_domains::domain,
            product_domains::created_at,
        ));
    each(
        conn,
        sink,
        "archive_product_domains",
        query,
        BATCH,
        |(product, domain, created_at): (Uuid, String, OffsetDateTime)| {
            Ok(ArchiveRecord::ProductDomain(ProductDomain {
                product_id: ProductId::from_uuid(product),
                domain: DomainPattern::parse(&domain)
                    .map_err(corrupt("product_domains", "domain"))?,
                created_at,
            }))
        },
    )
    .await?;

    let query = customers::table
        .filter(customers::user_id.eq(id))
        .order(customers::id)
        .select(CustomerRow::as_select());
    each(
        conn,
        sink,
        "archive_customers",
        query,
        BATCH,
        |r: CustomerRow| Ok(ArchiveRecord::Customer(r.try_into()?)),
    )
    .await?;

    let query = licenses::table
        .filter(licenses::user_id.eq(id))
        .order(licenses::id)
        .select(LicenseRow::as_select());
    each(
        conn,
        sink,
        "archive_licenses",
        query,
        BATCH,
        |r: LicenseRow| Ok(ArchiveRecord::License(r.try_into()?)),
    )
    .await?;

    let query = license_domains::table
        .inner_join(licenses::table)
        .filter(licenses::user_id.eq(id))
        .order((license_domains::license_id, license_domains::domain))
        .select((
            license_domains::license_id,
            license_domains::domain,
            license_domains::created_at,
        ));
    each(
        conn,
        sink,
        "archive_license_domains",
        query,
        BATCH,
        |(license, domain, created_at): (Uuid, String, OffsetDateTime)| {
            Ok(ArchiveRecord::LicenseDomain(LicenseDomain {
                license_id: LicenseId::from_uuid(license),
                domain: DomainName::parse(&domain).map_err(corrupt("license_domains", "domain"))?,
                created_at,
            }))
        },
    )
    .await?;

    let query = activations::table
        .inner_join(licenses::table)
        .filter(licenses::user_id.eq(id))
        .order(activations::id)
        .select(ActivationRow::as_select());
    each(
        conn,
        sink,
        "archive_activations",
        query,
        BATCH,
        |r: ActivationRow| Ok(ArchiveRecord::Activation(r.try_into()?)),
    )
    .await?;

    let query = sites::table
        .filter(sites::user_id.eq(id))
        .order(sites::id)
        .select(ArchivedSiteRow::as_select());
    each(
        conn,
        sink,
        "archive_sites",
        query,
        BATCH,
        |r: ArchivedSiteRow| Ok(ArchiveRecord::Site(r.try_into()?)),
    )
    .await?;

    let query = site_actions::table
        .inner_join(sites::table)
        .filter(sites::user_id.eq(id))
        .order(site_actions::id)
        .select(SiteActionRow::as_select());
    each(
        conn,
        sink,
        "archive_site_actions",
        query,
        BATCH,
        |r: SiteActionRow| Ok(ArchiveRecord::SiteAction(r.try_into()?)),
    )
    .await?;

    let query = payments::table
        .filter(payments::user_id.eq(id))
        .order(payments::id)
        .select(PaymentRow::as_select());
    each(
        conn,
        sink,
        "archive_payments",
        query,
        BATCH,
        |r: PaymentRow| Ok(ArchiveRecord::Payment(r.try_into()?)),
    )
    .await?;

    let query = injectables::table
        .filter(injectables::user_id.eq(id))
        .order(injectables::id)
        .select(InjectableRow::as_select());
    each(
        conn,
        sink,
        "archive_injectables",
        query,
        CONTENT_BATCH,
        |r: InjectableRow| Ok(ArchiveRecord::Injectable(r.try_into()?)),
    )
    .await?;

    let query = webhook_endpoints::table
        .filter(webhook_endpoints::user_id.eq(id))
        .order(webhook_endpoints::id)
        .select(ArchivedWebhookRow::as_select());
    each(
        conn,
        sink,
        "archive_webhooks",
        query,
        BATCH,
        |r: ArchivedWebhookRow| Ok(ArchiveRecord::Webhook(r.try_into()?)),
    )
    .await?;

    let query = api_keys::table
        .filter(api_keys::user_id.eq(id))
        .order(api_keys::id)
        .select(ArchivedApiKeyRow::as_select());
    each(
        conn,
        sink,
        "archive_api_keys",
        query,
        BATCH,
        |r: ArchivedApiKeyRow| Ok(ArchiveRecord::ApiKey(r.try_into()?)),
    )
    .await?;

    let query = license_validation_days::table
        .inner_join(licenses::table)
        .filter(licenses::user_id.eq(id))
        .order((
            license_validation_days::license_id,
            license_validation_days::day,
        ))
        .select((
            license_validation_days::license_id,
            license_validation_days::day,
            license_validation_days::count,
        ));
    each(
        conn,
        sink,
        "archive_license_validation_days",
        query,
        BATCH,
        |(license, day, count): (Uuid, Date, i64)| {
            Ok(ArchiveRecord::LicenseValidationDay(ValidationDay {
                id: LicenseId::from_uuid(license),
                day,
                count: u64::try_from(count).unwrap_or_default(),
            }))
        },
    )
    .await?;

    let query = product_validation_days::table
        .inner_join(products::table)
        .filter(products::user_id.eq(id))
        .order((
            product_validation_days::product_id,
            product_validation_days::day,
        ))
        .select((
            product_validation_days::product_id,
            product_validation_days::day,
            product_validation_days::count,
        ));
    each(
        conn,
        sink,
        "archive_product_validation_days",
        query,
        BATCH,
        |(product, day, count): (Uuid, Date, i64)| {
            Ok(ArchiveRecord::ProductValidationDay(ValidationDay {
                id: ProductId::from_uuid(product),
                day,
                count: u64::try_from(count).unwrap_or_default(),
            }))
        },
    )
    .await
}
