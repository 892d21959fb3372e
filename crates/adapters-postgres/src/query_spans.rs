//! Query spans: one `tracing` span per SQL statement, for OpenTelemetry export.
//!
//! Installed on pooled connections only when `PoolSettings::query_spans` is on (the
//! server turns it on together with traces; otherwise diesel reports to no one). A
//! span opens when a statement starts and closes when it finishes, named after the
//! statement (`SELECT licenses`) and carrying its text. Values are never recorded:
//! statements carry them as `$1`, `$2` parameters, and the text is cut before any
//! bind list. Statements run outside any span (background polling) are not traced,
//! so an idle server exports nothing.
//!
//! The spans use the target [`SPAN_TARGET`], which the server exports and keeps out
//! of its logs.

use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::result::Error;
use tracing::Span;
use tracing::field::Empty;

/// The `tracing` target of every span meant for export rather than for logs.
pub const SPAN_TARGET: &str = "otel";

/// The statement in flight on one connection (this code base never pipelines
/// statements on a connection, so there is at most one; a statement abandoned by a
/// cancelled request ends its span when the next one starts).
#[derive(Debug, Default)]
pub(crate) struct QuerySpans {
    open: Option<Span>,
}

impl Instrumentation for QuerySpans {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } => {
                self.open = None;
                if Span::current().is_none() {
                    return;
                }
                self.open = Some(tracing::info_span!(
                    target: SPAN_TARGET,
                    "db",
                    otel.name = Empty,
                    otel.kind = "client",
                    otel.status_code = Empty,
                    db.system.name = "postgresql",
                    db.operation.name = Empty,
                    db.collection.name = Empty,
                    db.query.text = Empty,
                    error.type = Empty,
                ));
            }
            InstrumentationEvent::FinishQuery { query, error, .. } => {
                let Some(span) = self.open.take() else {
                    return;
                };
                let text = query.to_string();
                let sql = statement_text(&text);
                let summary = Summary::of(sql);
                span.record("otel.name", summary.span_name().as_str());
                span.record("db.operation.name", summary.operation.as_str());
                if let Some(collection) = &summary.collection {
                    span.record("db.collection.name", collection.as_str());
                }
                span.record("db.query.text", sql);
                if let Some(kind) = error.and_then(error_type) {
                    span.record("error.type", kind.as_str());
                    span.record("otel.status_code", "ERROR");
                }
            }
            _ => {}
        }
    }
}

/// The statement without a bind list, should a connection ever print one.
fn statement_text(text: &str) -> &str {
    text.split(" -- binds: ").next().unwrap_or_default().trim()
}

/// A failed statement's kind, never its message (messages may quote values).
/// `NotFound` (no row) is an answer, not a failure.
fn error_type(error: &Error) -> Option<String> {
    match error {
        Error::NotFound => None,
        Error::DatabaseError(kind, _) => Some(format!("{kind:?}")),
        Error::RollbackTransaction => Some("RollbackTransaction".to_owned()),
        _ => Some("QueryError".to_owned()),
    }
}

/// What a statement does, and to which table.
#[derive(Debug, PartialEq, Eq)]
struct Summary {
    operation: String,
    collection: Option<String>,
}

impl Summary {
    /// Reads the first keyword and the table after `FROM`/`INTO`/`UPDATE` at the top
    /// level (not inside a subquery).
    fn of(sql: &str) -> Self {
        let mut words = sql.split_whitespace();
        let operation = words.next().unwrap_or("QUERY").to_uppercase();
        let keyword = match operation.as_str() {
            "SELECT" | "DELETE" => "FROM",
            "INSERT" => "INTO",
            "UPDATE" => {
                return Self {
                    collection: words.next().map(table_name),
                    operation,
                };
            }
            _ => {
                return Self {
                    operation,
                    collection: None,
                };
            }
        };
        let mut depth = 0_i32;
        let mut words = sql.split_whitespace().peekable();
        let mut collection = None;
        while let Some(word) = words.next() {
            if depth == 0 && word.eq_ignore_ascii_case(keyword) {
                collection = words.peek().map(|next| table_name(next));
                break;
            }
            depth += parentheses(word);
        }
        Self {
            operation,
            collection,
        }
    }

    fn span_name(&self) -> String {
        match &self.collection {
            Some(table) => format!("{} {table}", self.operation),
            None => self.operation.clone(),
        }
    }
}

fn parentheses(word: &str) -> i32 {
    word.chars().fold(0, |depth, c| match c {
        '(' => depth + 1,
        ')' => depth - 1,
        _ => depth,
    })
}

/// `"public"."licenses"` → `licenses`.
fn table_name(word: &str) -> String {
    let word = word.trim_end_matches([',', '(', ')', ';']);
    word.rsplit('.')
        .next()
        .unwrap_or(word)
        .trim_matches('"')
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(sql: &str) -> (String, Option<String>) {
        let s = Summary::of(sql);
        (s.span_name(), s.collection)
    }

    #[test]
    fn diesel_statements_are_named_by_operation_and_table() {
        assert_eq!(
            summary(r#"SELECT "licenses"."id", "licenses"."key" FROM "licenses" WHERE ("licenses"."key_lookup" = $1)"#).0,
            "SELECT licenses"
        );
        assert_eq!(
            summary(r#"INSERT INTO "outbox_events" ("id", "data") VALUES ($1, $2)"#).0,
            "INSERT outbox_events"
        );
        assert_eq!(
            summary(r#"UPDATE "webhook_deliveries" SET "state" = $1"#).0,
            "UPDATE webhook_deliveries"
        );
        assert_eq!(
            summary(r#"DELETE FROM "public"."sessions" WHERE "expires_at" < $1"#).0,
            "DELETE sessions"
        );
        assert_eq!(summary("BEGIN").0, "BEGIN");
        assert_eq!(
            summary("with due AS (SELECT 1) SELECT * FROM due").0,
            "WITH"
        );
    }

    #[test]
    fn a_table_inside_a_subquery_is_not_the_statements_table() {
        let sql = "SELECT l.id, coalesce((SELECT array_agg(pd.domain) FROM product_domains pd \
                   WHERE pd.product_id = l.product_id), '{}') FROM licenses l WHERE l.key_lookup = $1";
        assert_eq!(
            summary(sql),
            ("SELECT licenses".to_owned(), Some("licenses".to_owned()))
        );
    }

    #[test]
    fn a_bind_list_never_reaches_the_span() {
        let text = "SELECT 1 FROM licenses WHERE key_lookup = $1 -- binds: [\"LIC-SECRET\"]";
        assert_eq!(
            statement_text(text),
            "SELECT 1 FROM licenses WHERE key_lookup = $1"
        );
    }

    #[test]
    fn failures_are_named_by_kind_without_their_message() {
        use diesel::result::DatabaseErrorKind;
        let unique = Error::DatabaseError(
            DatabaseErrorKind::UniqueViolation,
            Box::new("Key (email)=(someone@example.com) already exists".to_owned()),
        );
        assert_eq!(error_type(&unique).as_deref(), Some("UniqueViolation"));
        assert_eq!(error_type(&Error::NotFound), None);
    }
}
