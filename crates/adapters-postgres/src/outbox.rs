//! Writing events to the outbox, inside the caller's transaction, together with a
//! pending delivery for every enabled webhook endpoint that wants each event.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use licentia_domain::event::NewEvent;
use licentia_domain::ids::{EventId, ProductId, UserId};
use licentia_domain::webhook::EventSelection;
use licentia_domain::webhook::endpoint::routes;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::rows::{DeliveryRow, text_array};
use crate::schema::{outbox_events, webhook_deliveries, webhook_endpoints};

/// Inserts `events` and their deliveries on `conn`. Call it inside the transaction of
/// the change the events announce: no change without its event, no event without its
/// change, no event without its deliveries.
pub(crate) async fn record(
    conn: &mut AsyncPgConnection,
    owner: UserId,
    events: &[NewEvent],
    now: OffsetDateTime,
) -> QueryResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let ids = insert_events(conn, owner, events, now).await?;
    let endpoints: Vec<(Uuid, Option<Uuid>, Vec<Option<String>>)> = webhook_endpoints::table
        .filter(webhook_endpoints::user_id.eq(owner.as_uuid()))
        .filter(webhook_endpoints::enabled.eq(true))
        // Holds off a concurrent delete until this commit (a row deleted already is
        // simply not seen), so the deliveries' foreign keys always hold.
        .for_key_share()
        .select((
            webhook_endpoints::id,
            webhook_endpoints::product_id,
            webhook_endpoints::events,
        ))
        .load(conn)
        .await?;
    if endpoints.is_empty() {
        return Ok(());
    }
    let mut deliveries = Vec::new();
    for (endpoint, product, selected) in endpoints {
        let selection = match EventSelection::parse(&text_array(selected)) {
            Ok(selection) => selection,
            Err(error) => {
                tracing::error!(%endpoint, %error, "corrupt webhook endpoint events; it receives nothing");
                continue;
            }
        };
        let product = product.map(ProductId::from_uuid);
        for (event, id) in events.iter().zip(&ids) {
            if routes(
                &selection,
                product,
                event.event_type.as_str(),
                event.product_id,
            ) {
                deliveries.push(DeliveryRow::pending(endpoint, *id, now));
            }
        }
    }
    queue(conn, deliveries).await
}

/// Inserts the events alone and returns their ids, in order.
pub(crate) async fn insert_events(
    conn: &mut AsyncPgConnection,
    owner: UserId,
    events: &[NewEvent],
    now: OffsetDateTime,
) -> QueryResult<Vec<Uuid>> {
    let ids: Vec<Uuid> = events
        .iter()
        .map(|_| EventId::generate().as_uuid())
        .collect();
    let rows: Vec<_> = events
        .iter()
        .zip(&ids)
        .map(|(event, id)| {
            (
                outbox_events::id.eq(*id),
                outbox_events::user_id.eq(owner.as_uuid()),
                outbox_events::product_id.eq(event.product_id.map(|p| p.as_uuid())),
                outbox_events::event_type.eq(event.event_type.as_str()),
                outbox_events::data.eq(&event.data),
                outbox_events::created_at.eq(now),
            )
        })
        .collect();
    diesel::insert_into(outbox_events::table)
        .values(rows)
        .execute(conn)
        .await?;
    Ok(ids)
}

/// Inserts pending deliveries.
pub(crate) async fn queue(
    conn: &mut AsyncPgConnection,
    deliveries: Vec<DeliveryRow>,
) -> QueryResult<()> {
    if deliveries.is_empty() {
        return Ok(());
    }
    diesel::insert_into(webhook_deliveries::table)
        .values(deliveries)
        .execute(conn)
        .await
        .map(|_| ())
}
