//! `RuntimeRepository` on `licenses`, `activations` and the domain lists.

use std::collections::BTreeMap;

use async_trait::async_trait;
use diesel::dsl::{AsSelect, SqlTypeOf};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, Jsonb, Nullable, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use licentia_domain::activation::Activation;
use licentia_domain::domain_name::{DomainName, DomainPattern};
use licentia_domain::event::NewEvent;
use licentia_domain::ids::{ActivationId, LicenseId, UserId};
use licentia_domain::license::License;
use licentia_domain::license_status::LicenseStatus;
use licentia_ports::{
    DecideSeat, EventFor, RepositoryError, RuntimeLicense, RuntimeRepository, SeatChange,
    SeatOutcome, Tenant,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::PostgresStore;
use crate::change_notice;
use crate::error::{TxError, db_error};
use crate::outbox;
use crate::rows::{ActivationRow, LicenseRow, corrupt};
use crate::schema::{activations, licenses};

/// A license row with its domains and activations, as one statement returns them.
type RuntimeRow = (
    LicenseRow,
    Vec<Option<String>>,
    Vec<Option<String>>,
    serde_json::Value,
);

/// The cache-miss query: the license row (in `LicenseRow` field order) with its
/// domains and activations aggregated beside it; `lastValidatedAt` is not read (NULL),
/// as the runtime view does not carry it. A fixed statement with a static query id, so
/// the connection prepares it once and reuses it.
#[derive(Debug, Clone, Copy)]
struct RuntimeByLookup<'a> {
    lookup: &'a str,
}

const RUNTIME_BY_LOOKUP: &str = "SELECT l.id, l.user_id, l.product_id, l.customer_id, l.key, l.key_lookup, \
     l.plan, l.status, l.issued_to, l.issued_email, l.features, l.max_activations, l.activation_count, \
     l.expires_at, l.heartbeat_interval_seconds, \
     NULL::timestamptz, \
     l.metadata, l.created_at, l.updated_at, \
     coalesce((SELECT array_agg(pd.domain) FROM product_domains pd WHERE pd.product_id = l.product_id), '{}'), \
     coalesce((SELECT array_agg(ld.domain) FROM license_domains ld WHERE ld.license_id = l.id), '{}'), \
     coalesce((SELECT jsonb_agg(to_jsonb(a) ORDER BY a.created_at, a.id) FROM activations a \
               WHERE a.license_id = l.id), '[]'::jsonb) \
     FROM licenses l WHERE l.key_lookup = ";

impl QueryId for RuntimeByLookup<'_> {
    type QueryId = RuntimeByLookup<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl QueryFragment<Pg> for RuntimeByLookup<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(RUNTIME_BY_LOOKUP);
        out.push_bind_param::<Text, _>(&self.lookup)
    }
}

impl Query for RuntimeByLookup<'_> {
    type SqlType = (
        SqlTypeOf<AsSelect<LicenseRow, Pg>>,
        Array<Nullable<Text>>,
        Array<Nullable<Text>>,
        Jsonb,
    );
}

/// An activation as `to_jsonb` renders its row.
#[derive(serde::Deserialize)]
struct ActivationJson {
    id: Uuid,
    license_id: Uuid,
    fingerprint: Option<String>,
    domain: Option<String>,
    name: Option<String>,
    platform: Option<String>,
    ip_address: Option<String>,
    metadata: serde_json::Value,
    last_heartbeat_at: String,
    created_at: String,
}

fn timestamp(raw: &str) -> Result<OffsetDateTime, TxError> {
    OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339).map_err(|e| {
        TxError::Port(RepositoryError::Internal(format!(
            "corrupt activation timestamp: {e}"
        )))
    })
}

fn assemble((row, product, assigned, activations): RuntimeRow) -> Result<RuntimeLicense, TxError> {
    let activations: Vec<ActivationJson> = serde_json::from_value(activations).map_err(|e| {
        TxError::Port(RepositoryError::Internal(format!(
            "corrupt activations: {e}"
        )))
    })?;
    let activations = activations
        .into_iter()
        .map(|a| {
            Ok(Activation::try_from(ActivationRow {
                id: a.id,
                license_id: a.license_id,
                fingerprint: a.fingerprint,
                domain: a.domain,
                name: a.name,
                platform: a.platform,
                ip_address: a.ip_address,
                metadata: a.metadata,
                last_heartbeat_at: timestamp(&a.last_heartbeat_at)?,
                created_at: timestamp(&a.created_at)?,
            })?)
        })
        .collect::<Result<_, TxError>>()?;
    Ok(RuntimeLicense::new(
        License::try_from(row)?,
        activations,
        product
            .into_iter()
            .flatten()
            .map(|d| DomainPattern::parse(&d).map_err(corrupt("product_domains", "domain")))
            .collect::<Result<_, _>>()?,
        assigned
            .into_iter()
            .flatten()
            .map(|d| DomainName::parse(&d).map_err(corrupt("license_domains", "domain")))
            .collect::<Result<_, _>>()?,
    ))
}

/// Reads the runtime license with this lookup form (one statement).
async fn fetch(
    conn: &mut AsyncPgConnection,
    lookup: &str,
) -> Result<Option<RuntimeLicense>, TxError> {
    let row: Option<RuntimeRow> = RuntimeByLookup { lookup }
        .get_result(conn)
        .await
        .optional()?;
    row.map(assemble).transpose()
}

/// Locks the license row, then reads it. The lock must be its own statement: a
/// statement that waits for a row lock keeps the snapshot it started with, so
/// activations selected beside the lock would miss those inserted by the
/// transaction it waited for (limits would no longer be exact).
async fn lock_and_fetch(
    conn: &mut AsyncPgConnection,
    lookup: &str,
) -> Result<Option<RuntimeLicense>, TxError> {
    let locked: Option<Uuid> = licenses::table
        .filter(licenses::key_lookup.eq(lookup))
        .for_update()
        .select(licenses::id)
        .first(conn)
        .await
        .optional()?;
    match locked {
        Some(_) => fetch(conn, lookup).await,
        None => Ok(None),
    }
}

/// Keeps `licenses.activation_count` equal to the number of activation rows.
async fn recount(
    conn: &mut AsyncPgConnection,
    license: Uuid,
    now: OffsetDateTime,
) -> diesel::QueryResult<()> {
    let count: i64 = activations::table
        .filter(activations::license_id.eq(license))
        .count()
        .get_result(conn)
        .await?;
    diesel::update(licenses::table.find(license))
        .set((
            licenses::activation_count.eq(i32::try_from(count).unwrap_or(i32::MAX)),
            licenses::updated_at.eq(now),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

async fn apply(
    conn: &mut AsyncPgConnection,
    license: Uuid,
    change: &SeatChange,
    now: OffsetDateTime,
) -> Result<bool, TxError> {
    match change {
        SeatChange::None => return Ok(false),
        SeatChange::Insert(activation) => {
            diesel::insert_into(activations::table)
                .values(ActivationRow::from(activation))
                .execute(conn)
                .await?;
        }
        SeatChange::Touch(id) => {
            diesel::update(
                activations::table
                    .find(id.as_uuid())
                    .filter(activations::license_id.eq(license)),
            )
            .set(activations::last_heartbeat_at.eq(now))
            .execute(conn)
            .await?;
            return Ok(true);
        }
        SeatChange::Remove(ids) => {
            let ids: Vec<Uuid> = ids.iter().map(|id| id.as_uuid()).collect();
            diesel::delete(
                activations::table
                    .filter(activations::license_id.eq(license))
                    .filter(activations::id.eq_any(ids)),
            )
            .execute(conn)
            .await?;
        }
    }
    recount(conn, license, now).await?;
    Ok(true)
}

#[async_trait]
impl RuntimeRepository for PostgresStore {
    async fn load(&self, lookup: &str) -> Result<Option<RuntimeLicense>, RepositoryError> {
        let mut conn = self.conn().await?;
        Ok(fetch(&mut conn, lookup).await?)
    }

    async fn change_seats(
        &self,
        lookup: &str,
        now: OffsetDateTime,
        decide: DecideSeat,
    ) -> Result<Option<SeatOutcome>, RepositoryError> {
        let mut conn = self.conn().await?;
        let lookup = lookup.to_owned();
        conn.transaction(async move |conn| {
            // The row lock serialises every seat change of one license: limits are exact.
            let Some(before) = lock_and_fetch(conn, &lookup).await? else {
                return Ok(None);
            };
            let id = before.terms.id.as_uuid();
            let owner = before.owner;
            let decision = decide(&before);
            let inserted = matches!(decision.change, SeatChange::Insert(_));
            let removed = match &decision.change {
                SeatChange::Remove(ids) => ids.len(),
                _ => 0,
            };
            if !apply(conn, id, &decision.change, now).await? {
                return Ok(Some(SeatOutcome {
                    license: before,
                    code: decision.code,
                    activation: decision.activation,
                    inserted,
                    removed,
                }));
            }
            outbox::record(conn, owner, &decision.events, now).await?;
            change_notice::license_changed(conn, LicenseId::from_uuid(id)).await?;
            let after = fetch(conn, &lookup)
                .await?
                .ok_or(TxError::Port(RepositoryError::NotFound))?;
            let activation = decision
                .activation
                .and_then(|a| after.activations.iter().find(|b| b.id == a.id).cloned());
            Ok::<_, TxError>(Some(SeatOutcome {
                license: after,
                code: decision.code,
                activation,
                inserted,
                removed,
            }))
        })
        .await
        .map_err(RepositoryError::from)
    }

    async fn list_activations(
        &self,
        tenant: Tenant,
        license: LicenseId,
    ) -> Result<Vec<Activation>, RepositoryError> {
        let mut conn = self.conn().await?;
        let product: Uuid = licenses::table
            .find(license.as_uuid())
            .filter(licenses::user_id.eq(tenant.owner.as_uuid()))
            .select(licenses::product_id)
            .first(&mut conn)
            .await
            .map_err(db_error)?;
        if !tenant.reaches(licentia_domain::ids::ProductId::from_uuid(product)) {
            return Err(RepositoryError::NotFound);
        }
        let rows: Vec<ActivationRow> = activations::table
            .filter(activations::license_id.eq(license.as_uuid()))
            .order((activations::created_at.asc(), activations::id.asc()))
            .select(ActivationRow::as_select())
            .load(&mut conn)
            .await
            .map_err(db_error)?;
        rows.into_iter().map(Activation::try_from).collect()
    }

    async fn delete_activation(
        &self,
        tenant: Tenant,
        id: ActivationId,
        event: &(
             dyn for<'a> Fn(&'a Activation, licentia_domain::ids::ProductId) -> NewEvent + Sync
         ),
    ) -> Result<Activation, RepositoryError> {
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            let found: Option<(ActivationRow, Uuid)> = activations::table
                .inner_join(licenses::table)
                .filter(activations::id.eq(id.as_uuid()))
                .filter(licenses::user_id.eq(tenant.owner.as_uuid()))
                .select((ActivationRow::as_select(), licenses::product_id))
                .for_update()
                .first(conn)
                .await
                .optional()?;
            let Some((row, product)) = found else {
                return Err(TxError::Port(RepositoryError::NotFound));
            };
            let product = licentia_domain::ids::ProductId::from_uuid(product);
            if !tenant.reaches(product) {
                return Err(TxError::Port(RepositoryError::NotFound));
            }
            let license = row.license_id;
            let activation = Activation::try_from(row)?;
            let events = vec![event(&activation, product)];
            let now = OffsetDateTime::now_utc();
            diesel::delete(activations::table.find(id.as_uuid()))
                .execute(conn)
                .await?;
            recount(conn, license, now).await?;
            outbox::record(conn, tenant.owner, &events, now).await?;
            change_notice::license_changed(conn, LicenseId::from_uuid(license)).await?;
            Ok(activation)
        })
        .await
        .map_err(RepositoryError::from)
    }

    async fn expire_due(
        &self,
        now: OffsetDateTime,
        limit: i64,
        event: EventFor<'_, License>,
    ) -> Result<Vec<LicenseId>, RepositoryError> {
        let mut conn = self.conn().await?;
        let expired: Vec<License> = conn
            .transaction(async |conn| {
                let due: Vec<Uuid> = licenses::table
                    .filter(licenses::status.eq_any([
                        LicenseStatus::Active.as_str(),
                        LicenseStatus::Inactive.as_str(),
                        LicenseStatus::Suspended.as_str(),
                    ]))
                    .filter(licenses::expires_at.le(now))
                    .order(licenses::expires_at.asc())
                    .limit(limit)
                    .for_update()
                    .skip_locked()
                    .select(licenses::id)
                    .load(conn)
                    .await?;
                let rows: Vec<LicenseRow> =
                    diesel::update(licenses::table.filter(licenses::id.eq_any(&due)))
                        .set((
                            licenses::status.eq(LicenseStatus::Expired.as_str()),
                            licenses::updated_at.eq(now),
                        ))
                        .returning(LicenseRow::as_returning())
                        .get_results(conn)
                        .await?;
                let expired: Vec<License> = rows
                    .into_iter()
                    .map(License::try_from)
                    .collect::<Result<_, _>>()?;
                let mut by_owner: BTreeMap<UserId, Vec<NewEvent>> = BTreeMap::new();
                for license in &expired {
                    by_owner
                        .entry(license.owner)
                        .or_default()
                        .push(event(license));
                    change_notice::license_changed(conn, license.id).await?;
                }
                for (owner, events) in by_owner {
                    outbox::record(conn, owner, &events, now).await?;
                }
                Ok::<_, TxError>(expired)
            })
            .await?;
        Ok(expired.into_iter().map(|l| l.id).collect())
    }
}
