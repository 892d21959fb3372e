//! `ProductRepository` on `products` and `product_domains`.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use licentia_domain::domain_name::DomainPattern;
use licentia_domain::event::NewEvent;
use licentia_domain::ids::ProductId;
use licentia_domain::license::License;
use licentia_domain::product::{Product, ProductDomain};
use licentia_ports::{
    Decide, EventFor, Page, PageRequest, ProductRepository, RepositoryError, Tenant,
};
use time::OffsetDateTime;

use super::{PostgresStore, total};
use crate::change_notice;
use crate::error::{TxError, db_error};
use crate::outbox;
use crate::rows::{LicenseRow, ProductRow, corrupt};
use crate::schema::{licenses, product_domains, products};

type Boxed<'a> = products::BoxedQuery<'a, diesel::pg::Pg>;

fn visible(tenant: Tenant) -> Boxed<'static> {
    let query = products::table
        .filter(products::user_id.eq(tenant.owner.as_uuid()))
        .into_boxed();
    match tenant.product {
        Some(product) => query.filter(products::id.eq(product.as_uuid())),
        None => query,
    }
}

/// Fails with `NotFound` unless the product is within the tenant.
async fn ensure_visible(
    conn: &mut diesel_async::AsyncPgConnection,
    tenant: Tenant,
    id: ProductId,
) -> Result<(), TxError> {
    visible(tenant)
        .filter(products::id.eq(id.as_uuid()))
        .select(products::id)
        .first::<uuid::Uuid>(conn)
        .await?;
    Ok(())
}

#[async_trait]
impl ProductRepository for PostgresStore {
    async fn create(
        &self,
        product: Product,
        events: Vec<NewEvent>,
    ) -> Result<Product, RepositoryError> {
        let mut conn = self.conn().await?;
        let row = ProductRow::from(&product);
        conn.transaction(async move |conn| {
            let stored: ProductRow = diesel::insert_into(products::table)
                .values(&row)
                .returning(ProductRow::as_returning())
                .get_result(conn)
                .await?;
            outbox::record(conn, product.owner, &events, product.created_at).await?;
            Ok::<_, TxError>(stored)
        })
        .await?
        .try_into()
    }

    async fn list(
        &self,
        tenant: Tenant,
        page: PageRequest,
    ) -> Result<Page<Product>, RepositoryError> {
        let mut conn = self.conn().await?;
        let count: i64 = visible(tenant)
            .count()
            .get_result(&mut conn)
            .await
            .map_err(db_error)?;
        let rows: Vec<ProductRow> = visible(tenant)
            .order((products::created_at.desc(), products::id.desc()))
            .limit(page.limit())
            .offset(page.offset())
            .select(ProductRow::as_select())
            .load(&mut conn)
            .await
            .map_err(db_error)?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(Product::try_from)
                .collect::<Result<_, _>>()?,
            total: total(count),
        })
    }

    async fn get(&self, tenant: Tenant, id: ProductId) -> Result<Product, RepositoryError> {
        let mut conn = self.conn().await?;
        visible(tenant)
            .filter(products::id.eq(id.as_uuid()))
            .select(ProductRow::as_select())
            .first(&mut conn)
            .await
            .map_err(db_error)?
            .try_into()
    }

    async fn update(
        &self,
        tenant: Tenant,
        id: ProductId,
        decide: Decide<Product>,
    ) -> Result<Product, RepositoryError> {
        let mut conn = self.conn().await?;
        conn.transaction(async move |conn| {
            let current: ProductRow = products::table
                .find(id.as_uuid())
                .filter(products::user_id.eq(tenant.owner.as_uuid()))
                .for_update()
                .select(ProductRow::as_select())
                .first(conn)
                .await?;
            if !tenant.reaches(id) {
                return Err(TxError::Port(RepositoryError::NotFound));
            }
            let (changed, events) =
                decide(Product::try_from(current)?).map_err(RepositoryError::from)?;
            let stored: ProductRow = diesel::update(products::table.find(id.as_uuid()))
                .set(&ProductRow::from(&changed))
                .returning(ProductRow::as_returning())
                .get_result(conn)
                .await?;
            outbox::record(conn, tenant.owner, &events, changed.updated_at).await?;
            Ok::<_, TxError>(stored)
        })
        .await?
        .try_into()
    }

    async fn delete(
        &self,
        tenant: Tenant,
        id: ProductId,
        force: bool,
        events: Vec<NewEvent>,
        license_deleted: EventFor<'_, License>,
    ) -> Result<(), RepositoryError> {
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            let product: uuid::Uuid = products::table
                .find(id.as_uuid())
                .filter(products::user_id.eq(tenant.owner.as_uuid()))
                .for_update()
                .select(products::id)
                .first(conn)
                .await?;
            if !tenant.reaches(id) {
                return Err(TxError::Port(RepositoryError::NotFound));
            }
            let doomed: Vec<LicenseRow> = licenses::table
                .filter(licenses::product_id.eq(product))
                .for_update()
                .select(LicenseRow::as_select())
                .load(conn)
                .await?;
            if !force && !doomed.is_empty() {
                return Err(TxError::Port(RepositoryError::InUse));
            }
            let mut all_events = Vec::with_capacity(doomed.len() + events.len());
            for row in doomed {
                all_events.push(license_deleted(&License::try_from(row)?));
            }
            all_events.extend(events);
            diesel::delete(products::table.find(product))
                .execute(conn)
                .await?;
            outbox::record(conn, tenant.owner, &all_events, OffsetDateTime::now_utc()).await?;
            change_notice::product_changed(conn, id).await?;
            Ok(())
        })
        .await
        .map_err(RepositoryError::from)
    }

    async fn list_domains(
        &self,
        tenant: Tenant,
        id: ProductId,
    ) -> Result<Vec<ProductDomain>, RepositoryError> {
        let mut conn = self.conn().await?;
        ensure_visible(&mut conn, tenant, id).await?;
        let rows: Vec<(String, OffsetDateTime)> = product_domains::table
            .filter(product_domains::product_id.eq(id.as_uuid()))
            .order(product_domains::domain.asc())
            .select((product_domains::domain, product_domains::created_at))
            .load(&mut conn)
            .await
            .map_err(db_error)?;
        rows.into_iter()
            .map(|(domain, created_at)| {
                Ok(ProductDomain {
                    product_id: id,
                    domain: DomainPattern::parse(&domain)
                        .map_err(corrupt("product_domains", "domain"))?,
                    created_at,
                })
            })
            .collect()
    }

    async fn add_domain(
        &self,
        tenant: Tenant,
        domain: ProductDomain,
    ) -> Result<ProductDomain, RepositoryError> {
        let mut conn = self.conn().await?;
        ensure_visible(&mut conn, tenant, domain.product_id).await?;
        diesel::insert_into(product_domains::table)
            .values((
                product_domains::product_id.eq(domain.product_id.as_uuid()),
                product_domains::domain.eq(domain.domain.as_str()),
                product_domains::created_at.eq(domain.created_at),
            ))
            .execute(&mut conn)
            .await
            .map_err(db_error)?;
        change_notice::product_changed(&mut conn, domain.product_id)
            .await
            .map_err(db_error)?;
        Ok(domain)
    }

    async fn remove_domain(
        &self,
        tenant: Tenant,
        id: ProductId,
        domain: &DomainPattern,
    ) -> Result<(), RepositoryError> {
        let mut conn = self.conn().await?;
        ensure_visible(&mut conn, tenant, id).await?;
        let removed = diesel::delete(
            product_domains::table
                .filter(product_domains::product_id.eq(id.as_uuid()))
                .filter(product_domains::domain.eq(domain.as_str())),
        )
        .execute(&mut conn)
        .await
        .map_err(db_error)?;
        if removed > 0 {
            change_notice::product_changed(&mut conn, id)
                .await
                .map_err(db_error)?;
        }
        if removed == 0 {
            Err(RepositoryError::NotFound)
        } else {
            Ok(())
        }
    }
}
