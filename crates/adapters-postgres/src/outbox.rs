//! Writing events to the outbox, inside the caller's transaction.

use diesel_async::{AsyncPgConnection, RunQueryDsl};
use licentia_domain::event::NewEvent;
use licentia_domain::ids::{EventId, UserId};
use time::OffsetDateTime;

use crate::schema::outbox_events;

/// Inserts `events` on `conn`. Call it inside the transaction of the change the events
/// announce: no change without its event, no event without its change.
pub(crate) async fn record(
    conn: &mut AsyncPgConnection,
    owner: UserId,
    events: &[NewEvent],
    now: OffsetDateTime,
) -> diesel::QueryResult<()> {
    use diesel::ExpressionMethods;
    if events.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = events
        .iter()
        .map(|event| {
            (
                outbox_events::id.eq(EventId::generate().as_uuid()),
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
        .await
        .map(|_| ())
}
