//! Views of accounts: the login answer and `GET /v1/auth/me`.

use licentia_domain::account::{Role, Tier, User};
use licentia_domain::ids::UserId;
use serde::Serialize;
use utoipa::ToSchema;

/// `register` and `login` answer: the user and a session token (shown once).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Authenticated)]
#[serde(rename_all = "camelCase")]
pub struct AuthView {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub token: String,
}

/// `GET /v1/auth/me`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Account)]
#[serde(rename_all = "camelCase")]
pub struct MeView {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub tier: Tier,
    pub role: Role,
}

/// `POST /v1/auth/logout`'s answer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = LoggedOut)]
pub struct LoggedOutView {
    #[schema(example = "logged out")]
    pub message: &'static str,
}

impl From<&User> for MeView {
    fn from(user: &User) -> Self {
        Self {
            id: user.id,
            email: user.email.as_str().to_owned(),
            name: user.name.as_str().to_owned(),
            tier: user.tier,
            role: user.role,
        }
    }
}
