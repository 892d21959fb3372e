//! `WebhookRepository` on `webhook_endpoints`, `webhook_deliveries` and
//! `webhook_attempts`.

use std::collections::HashMap;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use licentia_domain::event::NewEvent;
use licentia_domain::ids::{DeliveryId, ProductId, WebhookId};
use licentia_domain::webhook::{Delivery, DeliveryState, WebhookEndpoint};
use licentia_ports::{
    Decide, Page, PageRequest, RepositoryError, Resend, SealedSecret, Tenant, WebhookRepository,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{PostgresStore, total};
use crate::error::{TxError, db_error};
use crate::outbox;
use crate::rows::{AttemptRow, DeliveryRow, NewWebhookEndpointRow, WebhookEndpointRow};
use crate::schema::{outbox_events, webhook_attempts, webhook_deliveries, webhook_endpoints};

type Boxed<'a> = webhook_endpoints::BoxedQuery<'a, diesel::pg::Pg>;

/// The tenant's endpoints: the account's, narrowed to its product when it has one.
fn visible(tenant: Tenant) -> Boxed<'static> {
    let query = webhook_endpoints::table
        .filter(webhook_endpoints::user_id.eq(tenant.owner.as_uuid()))
        .into_boxed();
    match tenant.product {
        Some(product) => query.filter(webhook_endpoints::product_id.eq(product.as_uuid())),
        None => query,
    }
}

async fn find_visible(
    conn: &mut AsyncPgConnection,
    tenant: Tenant,
    id: WebhookId,
) -> QueryResult<WebhookEndpointRow> {
    visible(tenant)
        .filter(webhook_endpoints::id.eq(id.as_uuid()))
        .select(WebhookEndpointRow::as_select())
        .first(conn)
        .await
}

/// Loads deliveries with their event types and attempts.
async fn hydrate(
    conn: &mut AsyncPgConnection,
    rows: Vec<(DeliveryRow, String)>,
) -> Result<Vec<Delivery>, RepositoryError> {
    let ids: Vec<Uuid> = rows.iter().map(|(d, _)| d.id).collect();
    let attempts: Vec<AttemptRow> = webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(&ids))
        .order((webhook_attempts::delivery_id, webhook_attempts::number))
        .select(AttemptRow::as_select())
        .load(conn)
        .await
        .map_err(db_error)?;
    let mut by_delivery: HashMap<Uuid, Vec<AttemptRow>> = HashMap::new();
    for attempt in attempts {
        by_delivery
            .entry(attempt.delivery_id)
            .or_default()
            .push(attempt);
    }
    rows.into_iter()
        .map(|(row, event_type)| {
            let attempts = by_delivery.remove(&row.id).unwrap_or_default();
            row.into_delivery(event_type, attempts)
        })
        .collect()
}

async fn one_delivery(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Delivery, RepositoryError> {
    let row: (DeliveryRow, String) = webhook_deliveries::table
        .inner_join(outbox_events::table)
        .filter(webhook_deliveries::id.eq(id))
        .select((DeliveryRow::as_select(), outbox_events::event_type))
        .first(conn)
        .await
        .map_err(db_error)?;
    hydrate(conn, vec![row])
        .await?
        .pop()
        .ok_or(RepositoryError::NotFound)
}

#[async_trait]
impl WebhookRepository for PostgresStore {
    async fn create(
        &self,
        endpoint: WebhookEndpoint,
        secret: SealedSecret,
    ) -> Result<WebhookEndpoint, RepositoryError> {
        let mut conn = self.conn().await?;
        diesel::insert_into(webhook_endpoints::table)
            .values(NewWebhookEndpointRow::new(&endpoint, secret.0))
            .returning(WebhookEndpointRow::as_returning())
            .get_result(&mut conn)
            .await
            .map_err(db_error)?
            .try_into()
    }

    async fn list(
        &self,
        tenant: Tenant,
        page: PageRequest,
    ) -> Result<Page<WebhookEndpoint>, RepositoryError> {
        let mut conn = self.conn().await?;
        let count: i64 = visible(tenant)
            .count()
            .get_result(&mut conn)
            .await
            .map_err(db_error)?;
        let rows: Vec<WebhookEndpointRow> = visible(tenant)
            .order((
                webhook_endpoints::created_at.desc(),
                webhook_endpoints::id.desc(),
            ))
            .limit(page.limit())
            .offset(page.offset())
            .select(WebhookEndpointRow::as_select())
            .load(&mut conn)
            .await
            .map_err(db_error)?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(WebhookEndpoint::try_from)
                .collect::<Result<_, _>>()?,
            total: total(count),
        })
    }

    async fn get(&self, tenant: Tenant, id: WebhookId) -> Result<WebhookEndpoint, RepositoryError> {
        let mut conn = self.conn().await?;
        find_visible(&mut conn, tenant, id)
            .await
            .map_err(db_error)?
            .try_into()
    }

    async fn update(
        &self,
        tenant: Tenant,
        id: WebhookId,
        decide: Decide<WebhookEndpoint>,
    ) -> Result<WebhookEndpoint, RepositoryError> {
        let mut conn = self.conn().await?;
        conn.transaction(async move |conn| {
            // Locked by account; a product scope is checked on the row (outside it,
            // it is as missing as one that does not exist).
            let current: WebhookEndpointRow = webhook_endpoints::table
                .find(id.as_uuid())
                .filter(webhook_endpoints::user_id.eq(tenant.owner.as_uuid()))
                .for_update()
                .select(WebhookEndpointRow::as_select())
                .first(conn)
                .await?;
            let product = current.product_id.map(ProductId::from_uuid);
            if tenant.product.is_some() && !product.is_some_and(|p| tenant.reaches(p)) {
                return Err(TxError::Port(RepositoryError::NotFound));
            }
            let (changed, _events) =
                decide(WebhookEndpoint::try_from(current)?).map_err(RepositoryError::from)?;
            let stored: WebhookEndpointRow =
                diesel::update(webhook_endpoints::table.find(id.as_uuid()))
                    .set(&WebhookEndpointRow::from(&changed))
                    .returning(WebhookEndpointRow::as_returning())
                    .get_result(conn)
                    .await?;
            Ok::<_, TxError>(stored)
        })
        .await?
        .try_into()
    }

    async fn delete(&self, tenant: Tenant, id: WebhookId) -> Result<(), RepositoryError> {
        let mut conn = self.conn().await?;
        let ids = visible(tenant)
            .filter(webhook_endpoints::id.eq(id.as_uuid()))
            .select(webhook_endpoints::id);
        let deleted = diesel::delete(webhook_endpoints::table)
            .filter(webhook_endpoints::id.eq_any(ids))
            .execute(&mut conn)
            .await
            .map_err(db_error)?;
        if deleted == 0 {
            Err(RepositoryError::NotFound)
        } else {
            Ok(())
        }
    }

    async fn rotate_secret(
        &self,
        tenant: Tenant,
        id: WebhookId,
        secret: SealedSecret,
        now: OffsetDateTime,
    ) -> Result<WebhookEndpoint, RepositoryError> {
        let mut conn = self.conn().await?;
        let ids = visible(tenant)
            .filter(webhook_endpoints::id.eq(id.as_uuid()))
            .select(webhook_endpoints::id);
        diesel::update(webhook_endpoints::table)
            .filter(webhook_endpoints::id.eq_any(ids))
            .set((
                webhook_endpoints::previous_secret_sealed
                    .eq(webhook_endpoints::secret_sealed.nullable()),
                webhook_endpoints::secret_sealed.eq(secret.0),
                webhook_endpoints::secret_rotated_at.eq(now),
                webhook_endpoints::updated_at.eq(now),
            ))
            .returning(WebhookEndpointRow::as_returning())
            .get_result(&mut conn)
            .await
            .map_err(db_error)?
            .try_into()
    }

    async fn queue_test(
        &self,
        tenant: Tenant,
        id: WebhookId,
        event: NewEvent,
        now: OffsetDateTime,
    ) -> Result<Delivery, RepositoryError> {
        let mut conn = self.conn().await?;
        let delivery = conn
            .transaction(async move |conn| {
                find_visible(conn, tenant, id).await?;
                let ids = outbox::insert_events(conn, tenant.owner, &[event], now).await?;
                let [event_id] = ids[..] else {
                    return Err(TxError::Port(RepositoryError::Internal(
                        "one test event expected".into(),
                    )));
                };
                let row = DeliveryRow::pending(id.as_uuid(), event_id, now);
                let delivery = row.id;
                outbox::queue(conn, vec![row]).await?;
                Ok::<_, TxError>(delivery)
            })
            .await
            .map_err(RepositoryError::from)?;
        one_delivery(&mut conn, delivery).await
    }

    async fn deliveries(
        &self,
        tenant: Tenant,
        id: WebhookId,
        state: Option<DeliveryState>,
        page: PageRequest,
    ) -> Result<Page<Delivery>, RepositoryError> {
        let mut conn = self.conn().await?;
        find_visible(&mut conn, tenant, id)
            .await
            .map_err(db_error)?;
        let filtered = || {
            let query = webhook_deliveries::table
                .inner_join(outbox_events::table)
                .filter(webhook_deliveries::endpoint_id.eq(id.as_uuid()))
                .into_boxed();
            match state {
                Some(state) => query.filter(webhook_deliveries::state.eq(state.as_str())),
                None => query,
            }
        };
        let count: i64 = filtered()
            .count()
            .get_result(&mut conn)
            .await
            .map_err(db_error)?;
        let rows: Vec<(DeliveryRow, String)> = filtered()
            .order((
                webhook_deliveries::created_at.desc(),
                webhook_deliveries::id.desc(),
            ))
            .limit(page.limit())
            .offset(page.offset())
            .select((DeliveryRow::as_select(), outbox_events::event_type))
            .load(&mut conn)
            .await
            .map_err(db_error)?;
        Ok(Page {
            items: hydrate(&mut conn, rows).await?,
            total: total(count),
        })
    }

    async fn retry_delivery(
        &self,
        tenant: Tenant,
        id: WebhookId,
        delivery: DeliveryId,
        now: OffsetDateTime,
    ) -> Result<Resend, RepositoryError> {
        use diesel::dsl::{not, sql};
        use diesel::sql_types::{Bool, Timestamptz};
        let mut conn = self.conn().await?;
        find_visible(&mut conn, tenant, id)
            .await
            .map_err(db_error)?;
        // Claimed, lease still running, and the claimed attempt not yet logged.
        let in_flight = sql::<Bool>("(state = 'pending' AND next_attempt_at > ")
            .bind::<Timestamptz, _>(now)
            .sql(
                " AND attempt_count > 0 AND NOT EXISTS (SELECT 1 FROM webhook_attempts a \
                 WHERE a.delivery_id = webhook_deliveries.id \
                 AND a.number = webhook_deliveries.attempt_count))",
            );
        let of_endpoint = webhook_deliveries::table
            .filter(webhook_deliveries::id.eq(delivery.as_uuid()))
            .filter(webhook_deliveries::endpoint_id.eq(id.as_uuid()));
        let updated = diesel::update(of_endpoint.filter(not(in_flight)))
            .set((
                webhook_deliveries::state.eq(DeliveryState::Pending.as_str()),
                webhook_deliveries::next_attempt_at.eq(Some(now)),
                webhook_deliveries::updated_at.eq(now),
            ))
            .execute(&mut conn)
            .await
            .map_err(db_error)?;
        if updated == 1 {
            return one_delivery(&mut conn, delivery.as_uuid())
                .await
                .map(Resend::Queued);
        }
        let exists: i64 = of_endpoint
            .count()
            .get_result(&mut conn)
            .await
            .map_err(db_error)?;
        if exists == 0 {
            Err(RepositoryError::NotFound)
        } else {
            Ok(Resend::InFlight)
        }
    }
}
