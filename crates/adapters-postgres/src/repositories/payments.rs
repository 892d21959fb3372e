//! `PaymentRepository` on `payments`.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use licentia_domain::event::NewEvent;
use licentia_domain::ids::{LicenseId, PaymentId, ProductId};
use licentia_domain::payment::Payment;
use licentia_ports::{
    Decide, Page, PageRequest, PaymentFilter, PaymentRepository, RepositoryError, Tenant,
};

use super::{PostgresStore, total};
use crate::error::{TxError, db_error};
use crate::outbox;
use crate::rows::PaymentRow;
use crate::schema::payments;

type Boxed<'a> = payments::BoxedQuery<'a, diesel::pg::Pg>;

/// The account's payments, narrowed to the tenant's product when it has one.
fn visible(tenant: Tenant) -> Boxed<'static> {
    let query = payments::table
        .filter(payments::user_id.eq(tenant.owner.as_uuid()))
        .into_boxed();
    match tenant.product {
        Some(product) => query.filter(payments::product_id.eq(product.as_uuid())),
        None => query,
    }
}

fn filtered(tenant: Tenant, filter: &PaymentFilter) -> Boxed<'static> {
    let mut query = visible(tenant);
    if let Some(product) = filter.product_id {
        query = query.filter(payments::product_id.eq(product.as_uuid()));
    }
    if let Some(license) = filter.license_id {
        query = query.filter(payments::license_id.eq(license.as_uuid()));
    }
    if let Some(customer) = filter.customer_id {
        query = query.filter(payments::customer_id.eq(customer.as_uuid()));
    }
    if let Some(status) = filter.status {
        query = query.filter(payments::status.eq(status.as_str()));
    }
    if let Some(currency) = filter.currency {
        query = query.filter(payments::currency.eq(currency.as_str()));
    }
    if let Some(provider) = &filter.provider {
        query = query.filter(payments::provider.eq(provider.clone()));
    }
    query
}

fn to_payments(rows: Vec<PaymentRow>) -> Result<Vec<Payment>, RepositoryError> {
    rows.into_iter().map(Payment::try_from).collect()
}

#[async_trait]
impl PaymentRepository for PostgresStore {
    async fn create(
        &self,
        payment: Payment,
        events: Vec<NewEvent>,
    ) -> Result<Payment, RepositoryError> {
        let mut conn = self.conn().await?;
        let row = PaymentRow::from(&payment);
        conn.transaction(async move |conn| {
            let stored: PaymentRow = diesel::insert_into(payments::table)
                .values(&row)
                .returning(PaymentRow::as_returning())
                .get_result(conn)
                .await?;
            outbox::record(conn, payment.owner, &events, payment.created_at).await?;
            Ok::<_, TxError>(stored)
        })
        .await?
        .try_into()
    }

    async fn list(
        &self,
        tenant: Tenant,
        filter: PaymentFilter,
        page: PageRequest,
    ) -> Result<Page<Payment>, RepositoryError> {
        let mut conn = self.conn().await?;
        let count: i64 = filtered(tenant, &filter)
            .count()
            .get_result(&mut conn)
            .await
            .map_err(db_error)?;
        let rows: Vec<PaymentRow> = filtered(tenant, &filter)
            .order((payments::created_at.desc(), payments::id.desc()))
            .limit(page.limit())
            .offset(page.offset())
            .select(PaymentRow::as_select())
            .load(&mut conn)
            .await
            .map_err(db_error)?;
        Ok(Page {
            items: to_payments(rows)?,
            total: total(count),
        })
    }

    async fn get(&self, tenant: Tenant, id: PaymentId) -> Result<Payment, RepositoryError> {
        let mut conn = self.conn().await?;
        visible(tenant)
            .filter(payments::id.eq(id.as_uuid()))
            .select(PaymentRow::as_select())
            .first(&mut conn)
            .await
            .map_err(db_error)?
            .try_into()
    }

    async fn update(
        &self,
        tenant: Tenant,
        id: PaymentId,
        decide: Decide<Payment>,
    ) -> Result<Payment, RepositoryError> {
        let mut conn = self.conn().await?;
        conn.transaction(async move |conn| {
            let current: PaymentRow = payments::table
                .find(id.as_uuid())
                .filter(payments::user_id.eq(tenant.owner.as_uuid()))
                .for_update()
                .select(PaymentRow::as_select())
                .first(conn)
                .await?;
            if !tenant.reaches(ProductId::from_uuid(current.product_id)) {
                return Err(TxError::Port(RepositoryError::NotFound));
            }
            let (changed, events) =
                decide(Payment::try_from(current)?).map_err(RepositoryError::from)?;
            let stored: PaymentRow = diesel::update(payments::table.find(id.as_uuid()))
                .set(&PaymentRow::from(&changed))
                .returning(PaymentRow::as_returning())
                .get_result(conn)
                .await?;
            outbox::record(conn, tenant.owner, &events, changed.updated_at).await?;
            Ok::<_, TxError>(stored)
        })
        .await?
        .try_into()
    }

    async fn for_license(
        &self,
        tenant: Tenant,
        license: LicenseId,
    ) -> Result<Vec<Payment>, RepositoryError> {
        let mut conn = self.conn().await?;
        let rows: Vec<PaymentRow> = visible(tenant)
            .filter(payments::license_id.eq(license.as_uuid()))
            .select(PaymentRow::as_select())
            .load(&mut conn)
            .await
            .map_err(db_error)?;
        to_payments(rows)
    }
}
