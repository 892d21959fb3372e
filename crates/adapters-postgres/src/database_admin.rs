//! Server-level chores: create, clone and drop databases (dev setup and tests).

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use licentia_ports::RepositoryError;
use secrecy::{ExposeSecret, SecretString};

use crate::error::db_error;

/// A PostgreSQL URL split into the server part and the database name.
#[derive(Clone)]
pub struct DatabaseUrl {
    base: String,
    database: String,
    query: String,
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DatabaseUrl(<server>/{})", self.database)
    }
}

impl DatabaseUrl {
    /// Splits `postgres://user:pass@host:port/name?params`.
    pub fn parse(url: &SecretString) -> Result<Self, RepositoryError> {
        let raw = url.expose_secret();
        let bad = || {
            RepositoryError::Internal(
                "DATABASE_URL must look like postgres://user@host:port/database".into(),
            )
        };
        let rest = raw
            .strip_prefix("postgres://")
            .or_else(|| raw.strip_prefix("postgresql://"))
            .ok_or_else(bad)?;
        let (authority, path) = rest.split_once('/').ok_or_else(bad)?;
        let (database, query) = path.split_once('?').unwrap_or((path, ""));
        if database.is_empty() {
            return Err(bad());
        }
        Ok(Self {
            base: format!("postgres://{authority}"),
            database: database.to_owned(),
            query: query.to_owned(),
        })
    }

    /// The database name.
    pub fn database(&self) -> &str {
        &self.database
    }

    /// The same server, another database.
    pub fn with_database(&self, database: &str) -> SecretString {
        let query = if self.query.is_empty() {
            String::new()
        } else {
            format!("?{}", self.query)
        };
        SecretString::from(format!("{}/{database}{query}", self.base))
    }
}

/// A connection to the server's `postgres` maintenance database.
pub struct DatabaseAdmin {
    conn: AsyncPgConnection,
}

impl std::fmt::Debug for DatabaseAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DatabaseAdmin")
    }
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    datname: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

impl DatabaseAdmin {
    /// Connects to the maintenance database of the server `url` points at.
    pub async fn connect(url: &DatabaseUrl) -> Result<Self, RepositoryError> {
        let admin_url = url.with_database("postgres");
        let conn = AsyncPgConnection::establish(admin_url.expose_secret())
            .await
            .map_err(|e| RepositoryError::Unavailable(e.to_string()))?;
        Ok(Self { conn })
    }

    /// Whether a database of that name exists.
    pub async fn exists(&mut self, name: &str) -> Result<bool, RepositoryError> {
        let found: Count =
            diesel::sql_query("SELECT count(*) AS count FROM pg_database WHERE datname = $1")
                .bind::<Text, _>(name)
                .get_result(&mut self.conn)
                .await
                .map_err(db_error)?;
        Ok(found.count > 0)
    }

    /// Creates `name`, optionally as a copy of `template`.
    pub async fn create(
        &mut self,
        name: &str,
        template: Option<&str>,
    ) -> Result<(), RepositoryError> {
        let sql = match template {
            Some(t) => format!("CREATE DATABASE {} TEMPLATE {}", quote(name)?, quote(t)?),
            None => format!("CREATE DATABASE {}", quote(name)?),
        };
        self.conn.batch_execute(&sql).await.map_err(db_error)
    }

    /// Drops `name` if it exists, disconnecting its sessions.
    pub async fn drop(&mut self, name: &str) -> Result<(), RepositoryError> {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote(name)?);
        self.conn.batch_execute(&sql).await.map_err(db_error)
    }

    /// Renames a database (used to publish a fully migrated template atomically).
    pub async fn rename(&mut self, from: &str, to: &str) -> Result<(), RepositoryError> {
        let sql = format!("ALTER DATABASE {} RENAME TO {}", quote(from)?, quote(to)?);
        self.conn.batch_execute(&sql).await.map_err(db_error)
    }

    /// Names of the databases starting with `prefix`.
    pub async fn list(&mut self, prefix: &str) -> Result<Vec<String>, RepositoryError> {
        let names: Vec<Name> =
            diesel::sql_query("SELECT datname FROM pg_database WHERE starts_with(datname, $1)")
                .bind::<Text, _>(prefix)
                .load(&mut self.conn)
                .await
                .map_err(db_error)?;
        Ok(names.into_iter().map(|n| n.datname).collect())
    }

    /// Takes a server-wide advisory lock, held until [`Self::unlock`] or disconnect.
    pub async fn lock(&mut self, key: i64) -> Result<(), RepositoryError> {
        self.conn
            .batch_execute(&format!("SELECT pg_advisory_lock({key})"))
            .await
            .map_err(db_error)
    }

    /// Releases the advisory lock.
    pub async fn unlock(&mut self, key: i64) -> Result<(), RepositoryError> {
        self.conn
            .batch_execute(&format!("SELECT pg_advisory_unlock({key})"))
            .await
            .map_err(db_error)
    }
}

/// Quotes a database name we generated ourselves; anything unexpected is refused.
fn quote(name: &str) -> Result<String, RepositoryError> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(format!("\"{name}\""))
    } else {
        Err(RepositoryError::Internal(format!(
            "refusing database name {name:?}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_server_and_database() {
        let url = DatabaseUrl::parse(&SecretString::from(
            "postgres://u:p@h:5432/app?sslmode=disable",
        ))
        .expect("valid");
        assert_eq!(url.database(), "app");
        assert_eq!(
            url.with_database("other").expose_secret(),
            "postgres://u:p@h:5432/other?sslmode=disable"
        );
    }

    #[test]
    fn debug_hides_credentials() {
        let url =
            DatabaseUrl::parse(&SecretString::from("postgres://u:hunter2@h/app")).expect("valid");
        assert!(!format!("{url:?}").contains("hunter2"));
    }

    #[test]
    fn odd_database_names_are_refused() {
        assert!(quote("a\"; DROP").is_err());
        assert!(quote("licentia_test_1").is_ok());
    }
}
