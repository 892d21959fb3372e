//! `SiteRepository` on `sites` and `site_actions`.

use async_trait::async_trait;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use diesel::upsert::excluded;
use diesel_async::{AsyncConnection, RunQueryDsl};
use licentia_domain::ids::{SiteActionId, SiteId};
use licentia_domain::secret_token::TokenHash;
use licentia_domain::site::{Site, SiteAction, SiteActionState, SiteReport};
use licentia_ports::{
    ActionExchange, AuthenticatedSite, EventFor, Page, PageRequest, RepositoryError, SiteFilter,
    SiteRepository, Tenant,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{PostgresStore, total};
use crate::error::{TxError, db_error};
use crate::outbox;
use crate::rows::{SiteActionRow, SiteRow};
use crate::schema::{licenses, site_actions, sites};

type Boxed<'a> = sites::BoxedQuery<'a, diesel::pg::Pg>;

/// The tenant's sites: the account's, narrowed to its product when it has one.
fn visible(tenant: Tenant) -> Boxed<'static> {
    let query = sites::table
        .filter(sites::user_id.eq(tenant.owner.as_uuid()))
        .into_boxed();
    match tenant.product {
        Some(product) => query.filter(sites::product_id.eq(product.as_uuid())),
        None => query,
    }
}

fn filtered(tenant: Tenant, filter: SiteFilter) -> Boxed<'static> {
    let mut query = visible(tenant);
    if let Some(product) = filter.product_id {
        query = query.filter(sites::product_id.eq(product.as_uuid()));
    }
    if let Some(license) = filter.license_id {
        query = query.filter(sites::license_id.eq(license.as_uuid()));
    }
    match filter.stale_before {
        Some((true, before)) => query.filter(sites::last_seen_at.lt(before)),
        Some((false, before)) => query.filter(sites::last_seen_at.ge(before)),
        None => query,
    }
}

fn authenticated(row: (SiteRow, String)) -> Result<AuthenticatedSite, RepositoryError> {
    Ok(AuthenticatedSite {
        site: Site::try_from(row.0)?,
        license_key: row.1,
    })
}

fn actions(rows: Vec<SiteActionRow>) -> Result<Vec<SiteAction>, RepositoryError> {
    let mut actions = rows
        .into_iter()
        .map(SiteAction::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    actions.sort_by_key(|a| (a.created_at, a.id));
    Ok(actions)
}

#[async_trait]
impl SiteRepository for PostgresStore {
    async fn register(
        &self,
        site: Site,
        token: TokenHash,
        registered: EventFor<'_, Site>,
    ) -> Result<(Site, bool), RepositoryError> {
        let mut conn = self.conn().await?;
        let row = SiteRow::from(&site);
        let hash = token.as_bytes().to_vec();
        conn.transaction(async move |conn| {
            let (stored, inserted): (SiteRow, bool) = diesel::insert_into(sites::table)
                .values((&row, sites::token_hash.eq(hash)))
                .on_conflict((sites::license_id, sites::domain))
                .do_update()
                .set((
                    sites::site_url.eq(excluded(sites::site_url)),
                    sites::site_name.eq(excluded(sites::site_name)),
                    sites::admin_email.eq(excluded(sites::admin_email)),
                    sites::wp_version.eq(excluded(sites::wp_version)),
                    sites::php_version.eq(excluded(sites::php_version)),
                    sites::plugin_version.eq(excluded(sites::plugin_version)),
                    sites::token_hash.eq(excluded(sites::token_hash)),
                    sites::last_seen_at.eq(excluded(sites::last_seen_at)),
                    sites::updated_at.eq(excluded(sites::updated_at)),
                ))
                // `xmax = 0` only for a row this statement inserted.
                .returning((SiteRow::as_returning(), sql::<Bool>("xmax = 0")))
                .get_result(conn)
                .await?;
            let stored = Site::try_from(stored)?;
            if inserted {
                outbox::record(
                    conn,
                    stored.owner,
                    &[registered(&stored)],
                    stored.created_at,
                )
                .await?;
            }
            Ok::<_, TxError>((stored, inserted))
        })
        .await
        .map_err(RepositoryError::from)
    }

    async fn find_by_token(
        &self,
        token: &TokenHash,
    ) -> Result<Option<AuthenticatedSite>, RepositoryError> {
        let mut conn = self.conn().await?;
        let found: Option<(SiteRow, String)> = sites::table
            .inner_join(licenses::table)
            .filter(sites::token_hash.eq(token.as_bytes().to_vec()))
            .select((SiteRow::as_select(), licenses::key))
            .first(&mut conn)
            .await
            .optional()
            .map_err(db_error)?;
        found.map(authenticated).transpose()
    }

    async fn heartbeat(
        &self,
        site: SiteId,
        report: SiteReport,
        now: OffsetDateTime,
    ) -> Result<Site, RepositoryError> {
        let mut conn = self.conn().await?;
        conn.transaction(async move |conn| {
            let current: SiteRow = sites::table
                .find(site.as_uuid())
                .for_update()
                .select(SiteRow::as_select())
                .first(conn)
                .await?;
            let mut changed = Site::try_from(current)?;
            changed.report.merge(report);
            changed.last_seen_at = now;
            changed.updated_at = now;
            let stored: SiteRow = diesel::update(sites::table.find(site.as_uuid()))
                .set(&SiteRow::from(&changed))
                .returning(SiteRow::as_returning())
                .get_result(conn)
                .await?;
            Ok::<_, TxError>(stored)
        })
        .await?
        .try_into()
    }

    async fn pending_count(&self, site: SiteId) -> Result<u64, RepositoryError> {
        let mut conn = self.conn().await?;
        let count: i64 = site_actions::table
            .filter(site_actions::site_id.eq(site.as_uuid()))
            .filter(site_actions::state.eq(SiteActionState::Pending.as_str()))
            .count()
            .get_result(&mut conn)
            .await
            .map_err(db_error)?;
        Ok(total(count))
    }

    async fn exchange_actions(
        &self,
        site: SiteId,
        acknowledge: &[SiteActionId],
        now: OffsetDateTime,
    ) -> Result<ActionExchange, RepositoryError> {
        let mut conn = self.conn().await?;
        let acknowledge: Vec<Uuid> = acknowledge.iter().map(SiteActionId::as_uuid).collect();
        let (acknowledged, delivered) = conn
            .transaction(async move |conn| {
                let mine = || site_actions::table.filter(site_actions::site_id.eq(site.as_uuid()));
                let acknowledged: Vec<SiteActionRow> = diesel::update(
                    mine()
                        .filter(site_actions::id.eq_any(acknowledge))
                        .filter(site_actions::state.eq(SiteActionState::Delivered.as_str())),
                )
                .set((
                    site_actions::state.eq(SiteActionState::Done.as_str()),
                    site_actions::done_at.eq(now),
                ))
                .returning(SiteActionRow::as_returning())
                .get_results(conn)
                .await?;
                let delivered: Vec<SiteActionRow> = diesel::update(
                    mine().filter(site_actions::state.eq(SiteActionState::Pending.as_str())),
                )
                .set((
                    site_actions::state.eq(SiteActionState::Delivered.as_str()),
                    site_actions::delivered_at.eq(now),
                ))
                .returning(SiteActionRow::as_returning())
                .get_results(conn)
                .await?;
                Ok::<_, TxError>((acknowledged, delivered))
            })
            .await
            .map_err(RepositoryError::from)?;
        Ok(ActionExchange {
            delivered: actions(delivered)?,
            acknowledged: actions(acknowledged)?,
        })
    }

    async fn list(
        &self,
        tenant: Tenant,
        filter: SiteFilter,
        page: PageRequest,
    ) -> Result<Page<Site>, RepositoryError> {
        let mut conn = self.conn().await?;
        let count: i64 = filtered(tenant, filter)
            .count()
            .get_result(&mut conn)
            .await
            .map_err(db_error)?;
        let rows: Vec<SiteRow> = filtered(tenant, filter)
            .order((sites::created_at.desc(), sites::id.desc()))
            .limit(page.limit())
            .offset(page.offset())
            .select(SiteRow::as_select())
            .load(&mut conn)
            .await
            .map_err(db_error)?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(Site::try_from)
                .collect::<Result<_, _>>()?,
            total: total(count),
        })
    }

    async fn get(&self, tenant: Tenant, id: SiteId) -> Result<AuthenticatedSite, RepositoryError> {
        let mut conn = self.conn().await?;
        let row: (SiteRow, String) = visible(tenant)
            .inner_join(licenses::table)
            .filter(sites::id.eq(id.as_uuid()))
            .select((SiteRow::as_select(), licenses::key))
            .first(&mut conn)
            .await
            .map_err(db_error)?;
        authenticated(row)
    }

    async fn delete(&self, tenant: Tenant, id: SiteId) -> Result<(), RepositoryError> {
        let mut conn = self.conn().await?;
        let ids = visible(tenant)
            .filter(sites::id.eq(id.as_uuid()))
            .select(sites::id);
        let deleted = diesel::delete(sites::table)
            .filter(sites::id.eq_any(ids))
            .execute(&mut conn)
            .await
            .map_err(db_error)?;
        if deleted == 0 {
            Err(RepositoryError::NotFound)
        } else {
            Ok(())
        }
    }

    async fn queue_action(
        &self,
        tenant: Tenant,
        action: SiteAction,
    ) -> Result<SiteAction, RepositoryError> {
        let mut conn = self.conn().await?;
        let visible_site: i64 = visible(tenant)
            .filter(sites::id.eq(action.site_id.as_uuid()))
            .count()
            .get_result(&mut conn)
            .await
            .map_err(db_error)?;
        if visible_site == 0 {
            return Err(RepositoryError::NotFound);
        }
        diesel::insert_into(site_actions::table)
            .values(SiteActionRow::from(&action))
            .returning(SiteActionRow::as_returning())
            .get_result(&mut conn)
            .await
            .map_err(db_error)?
            .try_into()
    }
}
