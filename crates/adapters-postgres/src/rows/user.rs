//! `users` rows.

use diesel::prelude::*;
use licentia_domain::account::User;
use licentia_domain::email::Email;
use licentia_domain::ids::UserId;
use licentia_domain::text::Name;
use licentia_ports::RepositoryError;
use time::OffsetDateTime;
use uuid::Uuid;

use super::corrupt;
use crate::schema::users;

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub(crate) struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub tier: String,
    pub role: String,
    pub disabled_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl TryFrom<UserRow> for User {
    type Error = RepositoryError;

    fn try_from(row: UserRow) -> Result<Self, Self::Error> {
        Ok(User {
            id: UserId::from_uuid(row.id),
            email: Email::parse(&row.email).map_err(corrupt("users", "email"))?,
            name: Name::parse(&row.name).map_err(corrupt("users", "name"))?,
            tier: row.tier.parse().map_err(corrupt("users", "tier"))?,
            role: row.role.parse().map_err(corrupt("users", "role"))?,
            disabled: row.disabled_at.is_some(),
            created_at: row.created_at,
        })
    }
}
