//! `InjectableRepository` on `injectables`.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use licentia_domain::ids::{InjectableId, ProductId};
use licentia_domain::injectable::{Injectable, InjectableSummary};
use licentia_ports::{Decide, InjectableRepository, Page, PageRequest, RepositoryError, Tenant};

use super::{PostgresStore, total};
use crate::error::{TxError, db_error};
use crate::rows::{InjectableRow, InjectableSummaryRow};
use crate::schema::injectables;

type Boxed<'a> = injectables::BoxedQuery<'a, diesel::pg::Pg>;

/// The tenant's injectables: the account's, narrowed to its product when it has one.
fn visible(tenant: Tenant) -> Boxed<'static> {
    let query = injectables::table
        .filter(injectables::user_id.eq(tenant.owner.as_uuid()))
        .into_boxed();
    match tenant.product {
        Some(product) => query.filter(injectables::product_id.eq(product.as_uuid())),
        None => query,
    }
}

#[async_trait]
impl InjectableRepository for PostgresStore {
    async fn create(&self, injectable: Injectable) -> Result<Injectable, RepositoryError> {
        let mut conn = self.conn().await?;
        diesel::insert_into(injectables::table)
            .values(InjectableRow::from(&injectable))
            .returning(InjectableRow::as_returning())
            .get_result(&mut conn)
            .await
            .map_err(db_error)?
            .try_into()
    }

    async fn list(
        &self,
        tenant: Tenant,
        product: ProductId,
        page: PageRequest,
    ) -> Result<Page<InjectableSummary>, RepositoryError> {
        let mut conn = self.conn().await?;
        let of_product = || visible(tenant).filter(injectables::product_id.eq(product.as_uuid()));
        let count: i64 = of_product()
            .count()
            .get_result(&mut conn)
            .await
            .map_err(db_error)?;
        let rows: Vec<InjectableSummaryRow> = of_product()
            .order((injectables::created_at.desc(), injectables::id.desc()))
            .limit(page.limit())
            .offset(page.offset())
            .select(InjectableSummaryRow::as_select())
            .load(&mut conn)
            .await
            .map_err(db_error)?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(InjectableSummary::try_from)
                .collect::<Result<_, _>>()?,
            total: total(count),
        })
    }

    async fn get(&self, tenant: Tenant, id: InjectableId) -> Result<Injectable, RepositoryError> {
        let mut conn = self.conn().await?;
        visible(tenant)
            .filter(injectables::id.eq(id.as_uuid()))
            .select(InjectableRow::as_select())
            .first(&mut conn)
            .await
            .map_err(db_error)?
            .try_into()
    }

    async fn update(
        &self,
        tenant: Tenant,
        id: InjectableId,
        decide: Decide<Injectable>,
    ) -> Result<Injectable, RepositoryError> {
        let mut conn = self.conn().await?;
        conn.transaction(async move |conn| {
            // Locked by account; a product scope is checked on the row (outside it,
            // it is as missing as one that does not exist).
            let current: InjectableRow = injectables::table
                .find(id.as_uuid())
                .filter(injectables::user_id.eq(tenant.owner.as_uuid()))
                .for_update()
                .select(InjectableRow::as_select())
                .first(conn)
                .await?;
            if !tenant.reaches(ProductId::from_uuid(current.product_id)) {
                return Err(TxError::Port(RepositoryError::NotFound));
            }
            let (changed, _events) =
                decide(Injectable::try_from(current)?).map_err(RepositoryError::from)?;
            let stored: InjectableRow = diesel::update(injectables::table.find(id.as_uuid()))
                .set(&InjectableRow::from(&changed))
                .returning(InjectableRow::as_returning())
                .get_result(conn)
                .await?;
            Ok::<_, TxError>(stored)
        })
        .await?
        .try_into()
    }

    async fn delete(&self, tenant: Tenant, id: InjectableId) -> Result<(), RepositoryError> {
        let mut conn = self.conn().await?;
        let ids = visible(tenant)
            .filter(injectables::id.eq(id.as_uuid()))
            .select(injectables::id);
        let deleted = diesel::delete(injectables::table)
            .filter(injectables::id.eq_any(ids))
            .execute(&mut conn)
            .await
            .map_err(db_error)?;
        if deleted == 0 {
            Err(RepositoryError::NotFound)
        } else {
            Ok(())
        }
    }

    async fn active_for_product(
        &self,
        product: ProductId,
        slugs: Option<&[String]>,
    ) -> Result<Vec<Injectable>, RepositoryError> {
        let mut conn = self.conn().await?;
        let mut query = injectables::table
            .filter(injectables::product_id.eq(product.as_uuid()))
            .filter(injectables::active.eq(true))
            .into_boxed();
        if let Some(slugs) = slugs {
            query = query.filter(injectables::slug.eq_any(slugs.to_vec()));
        }
        let rows: Vec<InjectableRow> = query
            .order((injectables::created_at, injectables::id))
            .select(InjectableRow::as_select())
            .load(&mut conn)
            .await
            .map_err(db_error)?;
        rows.into_iter().map(Injectable::try_from).collect()
    }
}
