//! `RuntimeRepository` on `licenses`, `activations` and the domain lists.

use std::collections::BTreeMap;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use licentia_domain::activation::Activation;
use licentia_domain::domain_name::{DomainName, DomainPattern};
use licentia_domain::event::NewEvent;
use licentia_domain::ids::{ActivationId, LicenseId, UserId};
use licentia_domain::license::License;
use licentia_domain::license_status::LicenseStatus;
use licentia_ports::{
    DecideSeat, RepositoryError, RuntimeLicense, RuntimeRepository, SeatChange, SeatOutcome, Tenant,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::PostgresStore;
use crate::change_notice;
use crate::error::{TxError, db_error};
use crate::outbox;
use crate::rows::{ActivationRow, LicenseRow, corrupt};
use crate::schema::{activations, license_domains, licenses, product_domains};

/// Reads the rest of a runtime license once its row is in hand.
async fn complete(
    conn: &mut AsyncPgConnection,
    row: LicenseRow,
) -> Result<RuntimeLicense, TxError> {
    let license = License::try_from(row)?;
    let activation_rows: Vec<ActivationRow> = activations::table
        .filter(activations::license_id.eq(license.id.as_uuid()))
        .order((activations::created_at.asc(), activations::id.asc()))
        .select(ActivationRow::as_select())
        .load(conn)
        .await?;
    let product: Vec<String> = product_domains::table
        .filter(product_domains::product_id.eq(license.product_id.as_uuid()))
        .select(product_domains::domain)
        .load(conn)
        .await?;
    let assigned: Vec<String> = license_domains::table
        .filter(license_domains::license_id.eq(license.id.as_uuid()))
        .select(license_domains::domain)
        .load(conn)
        .await?;
    Ok(RuntimeLicense {
        activations: activation_rows
            .into_iter()
            .map(Activation::try_from)
            .collect::<Result<_, _>>()?,
        product_domains: product
            .iter()
            .map(|d| DomainPattern::parse(d).map_err(corrupt("product_domains", "domain")))
            .collect::<Result<_, _>>()?,
        license_domains: assigned
            .iter()
            .map(|d| DomainName::parse(d).map_err(corrupt("license_domains", "domain")))
            .collect::<Result<_, _>>()?,
        license,
    })
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
        let row: Option<LicenseRow> = licenses::table
            .filter(licenses::key_lookup.eq(lookup))
            .select(LicenseRow::as_select())
            .first(&mut conn)
            .await
            .optional()
            .map_err(db_error)?;
        match row {
            Some(row) => Ok(Some(complete(&mut conn, row).await?)),
            None => Ok(None),
        }
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
            let row: Option<LicenseRow> = licenses::table
                .filter(licenses::key_lookup.eq(&lookup))
                .for_update()
                .select(LicenseRow::as_select())
                .first(conn)
                .await
                .optional()?;
            let Some(row) = row else { return Ok(None) };
            let id = row.id;
            let owner = UserId::from_uuid(row.user_id);
            let before = complete(conn, row).await?;
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
            let row: LicenseRow = licenses::table
                .find(id)
                .select(LicenseRow::as_select())
                .first(conn)
                .await?;
            let after = complete(conn, row).await?;
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
        event: &(dyn for<'l> Fn(&'l License) -> NewEvent + Sync),
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
