//! One line of an export file: a JSON object whose `kind` names what it holds. The
//! first line is the [`Header`], the last the [`End`]; in between, one record per line
//! (`docs/export-import.md` lists every field).

use licentia_domain::ValidationError;
use licentia_ports::RecordKind;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::lines::{
    AccountLine, ActivationLine, ApiKeyLine, CustomerLine, InjectableLine, LicenseDomainLine,
    LicenseLine, LicenseValidationDayLine, PaymentLine, ProductDomainLine, ProductLine,
    ProductValidationDayLine, SiteActionLine, SiteLine, WebhookLine,
};

/// The `kind` of the first line.
pub const HEADER_KIND: &str = "licentia-export";
/// The format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// The first line: what the file is, and whose account it holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Header {
    pub version: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub exported_at: OffsetDateTime,
    /// The account's e-mail address.
    pub account: String,
    /// The program and version that wrote the file.
    pub generator: String,
}

/// The last line: how many records came between header and end, so that a truncated
/// file is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct End {
    pub records: u64,
}

/// Any line.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Line {
    #[serde(rename = "licentia-export")]
    Header(Header),
    Account(AccountLine),
    Product(ProductLine),
    ProductDomain(ProductDomainLine),
    Customer(CustomerLine),
    License(LicenseLine),
    LicenseDomain(LicenseDomainLine),
    Activation(ActivationLine),
    Site(SiteLine),
    SiteAction(SiteActionLine),
    Payment(PaymentLine),
    Injectable(InjectableLine),
    Webhook(WebhookLine),
    ApiKey(ApiKeyLine),
    LicenseValidationDay(LicenseValidationDayLine),
    ProductValidationDay(ProductValidationDayLine),
    End(End),
}

impl Line {
    /// Parses one line of text. The error names the column, not the line: the caller
    /// knows which line it read.
    pub fn parse(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| {
            let message = e.to_string();
            let position = format!(" at line {} column {}", e.line(), e.column());
            let bare = message.strip_suffix(&position).unwrap_or(&message);
            // Errors found after the object was read (a field of a kind) have no column.
            match e.column() {
                0 => bare.to_owned(),
                column => format!("column {column}: {bare}"),
            }
        })
    }

    /// The `kind` of the line.
    pub fn kind_name(&self) -> &'static str {
        let kind = match self {
            Line::Header(_) => return HEADER_KIND,
            Line::End(_) => return "end",
            Line::Account(_) => RecordKind::Account,
            Line::Product(_) => RecordKind::Product,
            Line::ProductDomain(_) => RecordKind::ProductDomain,
            Line::Customer(_) => RecordKind::Customer,
            Line::License(_) => RecordKind::License,
            Line::LicenseDomain(_) => RecordKind::LicenseDomain,
            Line::Activation(_) => RecordKind::Activation,
            Line::Site(_) => RecordKind::Site,
            Line::SiteAction(_) => RecordKind::SiteAction,
            Line::Payment(_) => RecordKind::Payment,
            Line::Injectable(_) => RecordKind::Injectable,
            Line::Webhook(_) => RecordKind::Webhook,
            Line::ApiKey(_) => RecordKind::ApiKey,
            Line::LicenseValidationDay(_) => RecordKind::LicenseValidationDay,
            Line::ProductValidationDay(_) => RecordKind::ProductValidationDay,
        };
        kind.name()
    }

    /// The line as text, without its newline.
    pub fn render(&self) -> String {
        // Serialising these plain structs cannot fail (string keys, no maps of
        // non-string keys, no failing `Serialize` impls).
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A field of a line that the domain refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{field}` {message}")]
pub struct InvalidField {
    pub field: &'static str,
    pub message: String,
}

impl InvalidField {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// Names the field a domain constructor refused.
pub(crate) fn field<T>(
    name: &'static str,
    parsed: Result<T, ValidationError>,
) -> Result<T, InvalidField> {
    parsed.map_err(|e| InvalidField::new(name, e.message()))
}

/// Parses an optional field.
pub(crate) fn optional<R, T>(
    name: &'static str,
    raw: Option<R>,
    parse: impl FnOnce(R) -> Result<T, ValidationError>,
) -> Result<Option<T>, InvalidField> {
    raw.map(parse)
        .transpose()
        .map_err(|e| InvalidField::new(name, e.message()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_error_names_its_column_only() {
        let error = Line::parse(r#"{"kind":"end","records":"#).expect_err("refused");
        assert!(error.starts_with("column 24: "), "{error}");
        assert!(!error.contains("line 1"), "{error}");
        let error = Line::parse(r#"{"kind":"end","records":1,"more":2}"#).expect_err("refused");
        assert!(error.starts_with("unknown field `more`"), "{error}");
    }

    #[test]
    fn unknown_kinds_and_fields_are_refused() {
        assert!(Line::parse(r#"{"kind":"licence"}"#).is_err());
        assert!(Line::parse(r#"{"kind":"end","records":1,"extra":true}"#).is_err());
        assert!(matches!(
            Line::parse(r#"{"kind":"end","records":1}"#),
            Ok(Line::End(End { records: 1 }))
        ));
    }
}
