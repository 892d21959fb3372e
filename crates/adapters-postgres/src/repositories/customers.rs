//! `CustomerRepository` on `customers`.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use licentia_domain::customer::Customer;
use licentia_domain::event::NewEvent;
use licentia_domain::ids::CustomerId;
use licentia_domain::license::License;
use licentia_ports::{
    CustomerFilter, CustomerRepository, Decide, EventFor, Page, PageRequest, RepositoryError,
    Tenant,
};
use time::OffsetDateTime;

use super::{PostgresStore, like_pattern, total};
use crate::error::{TxError, db_error};
use crate::outbox;
use crate::rows::{CustomerRow, LicenseRow};
use crate::schema::{customers, licenses};

type Boxed<'a> = customers::BoxedQuery<'a, diesel::pg::Pg>;

/// Customers belong to the account; a product scope does not narrow them.
fn visible(tenant: Tenant) -> Boxed<'static> {
    customers::table
        .filter(customers::user_id.eq(tenant.owner.as_uuid()))
        .into_boxed()
}

fn filtered(tenant: Tenant, filter: &CustomerFilter) -> Boxed<'static> {
    let mut query = visible(tenant);
    if let Some(email) = &filter.email {
        query = query.filter(customers::email.eq(email.clone()));
    }
    if let Some(external_id) = &filter.external_id {
        query = query.filter(customers::external_id.eq(external_id.clone()));
    }
    if let Some(q) = &filter.query {
        let pattern = like_pattern(q);
        query = query.filter(
            customers::name
                .ilike(pattern.clone())
                .or(customers::email.ilike(pattern)),
        );
    }
    query
}

#[async_trait]
impl CustomerRepository for PostgresStore {
    async fn create(
        &self,
        customer: Customer,
        events: Vec<NewEvent>,
    ) -> Result<Customer, RepositoryError> {
        let mut conn = self.conn().await?;
        let row = CustomerRow::from(&customer);
        conn.transaction(async move |conn| {
            let stored: CustomerRow = diesel::insert_into(customers::table)
                .values(&row)
                .returning(CustomerRow::as_returning())
                .get_result(conn)
                .await?;
            outbox::record(conn, customer.owner, &events, customer.created_at).await?;
            Ok::<_, TxError>(stored)
        })
        .await?
        .try_into()
    }

    async fn list(
        &self,
        tenant: Tenant,
        filter: CustomerFilter,
        page: PageRequest,
    ) -> Result<Page<Customer>, RepositoryError> {
        let mut conn = self.conn().await?;
        let count: i64 = filtered(tenant, &filter)
            .count()
            .get_result(&mut conn)
            .await
            .map_err(db_error)?;
        let rows: Vec<CustomerRow> = filtered(tenant, &filter)
            .order((customers::created_at.desc(), customers::id.desc()))
            .limit(page.limit())
            .offset(page.offset())
            .select(CustomerRow::as_select())
            .load(&mut conn)
            .await
            .map_err(db_error)?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(Customer::try_from)
                .collect::<Result<_, _>>()?,
            total: total(count),
        })
    }

    async fn get(&self, tenant: Tenant, id: CustomerId) -> Result<Customer, RepositoryError> {
        let mut conn = self.conn().await?;
        visible(tenant)
            .filter(customers::id.eq(id.as_uuid()))
            .select(CustomerRow::as_select())
            .first(&mut conn)
            .await
            .map_err(db_error)?
            .try_into()
    }

    async fn update(
        &self,
        tenant: Tenant,
        id: CustomerId,
        decide: Decide<Customer>,
    ) -> Result<Customer, RepositoryError> {
        let mut conn = self.conn().await?;
        conn.transaction(async move |conn| {
            let current: CustomerRow = customers::table
                .find(id.as_uuid())
                .filter(customers::user_id.eq(tenant.owner.as_uuid()))
                .for_update()
                .select(CustomerRow::as_select())
                .first(conn)
                .await?;
            let (changed, events) =
                decide(Customer::try_from(current)?).map_err(RepositoryError::from)?;
            let stored: CustomerRow = diesel::update(customers::table.find(id.as_uuid()))
                .set(&CustomerRow::from(&changed))
                .returning(CustomerRow::as_returning())
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
        id: CustomerId,
        events: Vec<NewEvent>,
        license_unlinked: EventFor<'_, License>,
    ) -> Result<(), RepositoryError> {
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            let now = OffsetDateTime::now_utc();
            let found: Option<uuid::Uuid> = customers::table
                .find(id.as_uuid())
                .filter(customers::user_id.eq(tenant.owner.as_uuid()))
                .for_update()
                .select(customers::id)
                .first(conn)
                .await
                .optional()?;
            let Some(customer) = found else {
                return Err(TxError::Port(RepositoryError::NotFound));
            };
            let unlinked: Vec<LicenseRow> =
                diesel::update(licenses::table.filter(licenses::customer_id.eq(customer)))
                    .set((
                        licenses::customer_id.eq(None::<uuid::Uuid>),
                        licenses::updated_at.eq(now),
                    ))
                    .returning(LicenseRow::as_returning())
                    .get_results(conn)
                    .await?;
            let mut all_events = Vec::with_capacity(unlinked.len() + events.len());
            for row in unlinked {
                all_events.push(license_unlinked(&License::try_from(row)?));
            }
            all_events.extend(events);
            diesel::delete(customers::table.find(customer))
                .execute(conn)
                .await?;
            outbox::record(conn, tenant.owner, &all_events, now).await?;
            Ok(())
        })
        .await
        .map_err(RepositoryError::from)
    }
}
