//! Vendor accounts: users, their tier (rate limits) and role (platform admin).

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use time::OffsetDateTime;

use crate::ValidationError;
use crate::email::Email;
use crate::ids::UserId;
use crate::text::Name;

/// The commercial tier of an account; decides its rate limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    #[default]
    Start,
    Pro,
    Enterprise,
}

/// Platform role: `admin` is the operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    #[default]
    User,
    Admin,
}

macro_rules! lower_case_enum {
    ($ty:ident, $what:literal, $($variant:ident => $name:literal),+) => {
        impl $ty {
            /// The wire and storage name.
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $name),+ }
            }
        }
        impl FromStr for $ty {
            type Err = ValidationError;
            fn from_str(raw: &str) -> Result<Self, Self::Err> {
                match raw { $($name => Ok(Self::$variant),)+ _ => Err(ValidationError::new($what)) }
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }
    };
}

lower_case_enum!(Tier, "must be one of start, pro, enterprise", Start => "start", Pro => "pro", Enterprise => "enterprise");
lower_case_enum!(Role, "must be one of user, admin", User => "user", Admin => "admin");

/// A vendor user: the tenant that owns products, customers, licenses and keys.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub name: Name,
    pub tier: Tier,
    pub role: Role,
    pub disabled: bool,
    pub created_at: OffsetDateTime,
}

/// A password as typed: 10..=1024 characters. `Debug` never shows it.
pub struct Password(secrecy::SecretString);

impl Password {
    /// Accepts 10..=1024 characters.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        if !(10..=1024).contains(&raw.chars().count()) {
            return Err(ValidationError::new("must be 10 to 1024 characters"));
        }
        Ok(Self(secrecy::SecretString::from(raw.to_owned())))
    }

    /// The password, for hashing.
    pub fn expose(&self) -> &str {
        secrecy::ExposeSecret::expose_secret(&self.0)
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_need_ten_characters() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("long enough!").is_ok());
    }

    #[test]
    fn password_debug_is_redacted() {
        let p = Password::parse("correct horse battery").expect("valid");
        assert!(!format!("{p:?}").contains("horse"));
    }

    #[test]
    fn tiers_and_roles_round_trip() {
        for tier in [Tier::Start, Tier::Pro, Tier::Enterprise] {
            assert_eq!(tier.as_str().parse(), Ok(tier));
        }
        assert_eq!("admin".parse(), Ok(Role::Admin));
        assert!("root".parse::<Role>().is_err());
    }
}
