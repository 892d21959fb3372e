//! The one place database errors become port errors.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::pooled_connection::PoolError as ConnectionPoolError;
use diesel_async::pooled_connection::deadpool::PoolError;
use licentia_ports::{RepositoryError, UniqueField};

/// Maps a diesel error: unique violation → `Conflict`, not found → `NotFound`,
/// lost or closing connection or cancelled statement → `Unavailable`, the rest →
/// `Internal`.
pub(crate) fn db_error(error: DieselError) -> RepositoryError {
    match error {
        DieselError::NotFound => RepositoryError::NotFound,
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            RepositoryError::Conflict(unique_field(info.constraint_name().unwrap_or_default()))
        }
        DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info) => {
            RepositoryError::MissingReference(referenced(
                info.constraint_name().unwrap_or_default(),
            ))
        }
        DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _)
        | DieselError::BrokenTransactionManager => RepositoryError::Unavailable(error.to_string()),
        DieselError::DatabaseError(_, ref info) if means_unavailable(info.message()) => {
            RepositoryError::Unavailable(error.to_string())
        }
        other => RepositoryError::Internal(other.to_string()),
    }
}

/// Messages of errors that say the server cannot answer now rather than that the
/// statement is wrong: a cancelled statement, a connection the server is closing
/// (`pg_terminate_backend`, shutdown), or one already lost: closed, or failing at the
/// socket (diesel-async reports these with an unknown error kind).
fn means_unavailable(message: &str) -> bool {
    [
        "statement timeout",
        "connection closed",
        "terminating connection",
        "the database system is shutting down",
        "the database system is starting up",
        "server closed the connection",
        "error communicating with the server",
    ]
    .iter()
    .any(|needle| message.contains(needle))
}

/// Maps a failure to get a connection from the pool: always `Unavailable`.
pub(crate) fn pool_error(error: PoolError) -> RepositoryError {
    let detail = match error {
        PoolError::Backend(ConnectionPoolError::ConnectionError(e)) => e.to_string(),
        other => other.to_string(),
    };
    RepositoryError::Unavailable(detail)
}

fn unique_field(constraint: &str) -> UniqueField {
    match constraint {
        "users_email_key" => UniqueField::Email,
        "products_user_id_slug_key" => UniqueField::Slug,
        "customers_user_id_external_id_key" => UniqueField::ExternalId,
        "licenses_key_lookup_key" => UniqueField::LicenseKey,
        "product_domains_pkey" | "license_domains_pkey" => UniqueField::Domain,
        "injectables_product_id_slug_key" => UniqueField::InjectableSlug,
        "payments_provider_ref_key" => UniqueField::ProviderRef,
        _ => UniqueField::Other,
    }
}

fn referenced(constraint: &str) -> &'static str {
    match constraint {
        "licenses_customer_id_fkey" | "payments_customer_id_fkey" => "customer",
        "payments_license_id_fkey" => "license",
        "payments_product_id_fkey" => "product",
        "licenses_product_id_fkey" | "api_keys_product_id_fkey" => "product",
        _ => "resource",
    }
}

/// An error inside a transaction: the database's, or the port's own (a refusal).
/// Lets `?` work on both inside `transaction` closures.
#[derive(Debug)]
pub(crate) enum TxError {
    Db(DieselError),
    Port(RepositoryError),
}

impl From<DieselError> for TxError {
    fn from(e: DieselError) -> Self {
        Self::Db(e)
    }
}

impl From<RepositoryError> for TxError {
    fn from(e: RepositoryError) -> Self {
        Self::Port(e)
    }
}

impl From<TxError> for RepositoryError {
    fn from(e: TxError) -> Self {
        match e {
            TxError::Db(e) => db_error(e),
            TxError::Port(e) => e,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_the_server_is_closing_is_unavailable_not_internal() {
        for message in [
            "terminating connection due to administrator command",
            "connection closed",
            "canceling statement due to statement timeout",
            // A pooled connection whose server process was terminated, used before
            // the pool noticed: the socket fails (seen under load in the outage test).
            "error communicating with the server",
        ] {
            let error = DieselError::DatabaseError(
                DatabaseErrorKind::Unknown,
                Box::new(message.to_owned()),
            );
            assert!(
                matches!(db_error(error), RepositoryError::Unavailable(_)),
                "{message}"
            );
        }
        let wrong = DieselError::DatabaseError(
            DatabaseErrorKind::Unknown,
            Box::new("column \"nope\" does not exist".to_owned()),
        );
        assert!(matches!(db_error(wrong), RepositoryError::Internal(_)));
    }
}
