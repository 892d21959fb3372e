//! `/v1/auth/*`: register, login, me, logout.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use licentia_domain::account::Password;
use licentia_domain::email::Email;
use licentia_domain::text::Name;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::auth::{Caller, Credential};
use crate::api::envelope;
use crate::api::input::Fields;
use crate::api::openapi::{envelopes, examples};
use crate::api::rate_limit;
use crate::error::{AppError, ErrorBody};
use crate::services::accounts::{self, Registration};
use crate::state::AppState;
use crate::views::{AuthView, LoggedOutView, MeView};

/// Mounts the account routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(register)
        .service(login)
        .service(me)
        .service(logout);
}

/// A new account.
#[derive(Deserialize, ToSchema)]
#[schema(as = Registration)]
struct RegisterBody {
    #[schema(value_type = String, format = Email, example = "you@example.com")]
    email: Option<String>,
    /// At least 10 characters.
    #[schema(value_type = String, format = Password, min_length = 10, example = "correct-horse-battery")]
    password: Option<String>,
    #[schema(value_type = String, min_length = 1, max_length = 200, pattern = "\\S", example = "You")]
    name: Option<String>,
}

/// E-mail and password.
#[derive(Deserialize, ToSchema)]
#[schema(as = Login)]
struct LoginBody {
    #[schema(value_type = String, format = Email, example = "you@example.com")]
    email: Option<String>,
    #[schema(value_type = String, format = Password, example = "correct-horse-battery")]
    password: Option<String>,
}

/// Register an account.
///
/// Open unless the operator closed registration. The answer carries a session token.
#[utoipa::path(
    tag = "accounts",
    request_body(content = RegisterBody, example = examples::register_request),
    responses(
        (status = 201, description = "The account and a session token.", content((envelopes::AuthenticatedData = "application/json", example = examples::authenticated))),
        (status = 403, description = "`REGISTRATION_CLOSED`.", body = ErrorBody),
        (status = 409, description = "`EMAIL_TAKEN`.", body = ErrorBody),
    ),
)]
#[post("/auth/register")]
async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<RegisterBody>,
) -> Result<HttpResponse, AppError> {
    rate_limit::sign_in(&state, &req).await?;
    let body = body.into_inner();
    let mut fields = Fields::default();
    let email = fields.required("email", body.email, |e| Email::parse(&e));
    let password = fields.required("password", body.password, |p| Password::parse(&p));
    let name = fields.required("name", body.name, |n| Name::parse(&n));
    let registration = fields.finish(|| {
        Some(Registration {
            email: email?,
            password: password?,
            name: name?,
        })
    })?;
    let (user, token) = accounts::register(&state, registration).await?;
    Ok(envelope::created(AuthView {
        id: user.id,
        email: user.email.as_str().to_owned(),
        name: user.name.as_str().to_owned(),
        token: token.expose().to_owned(),
    }))
}

/// Log in.
///
/// A wrong password and an unknown e-mail answer alike: 401 `INVALID_CREDENTIALS`.
#[utoipa::path(
    tag = "accounts",
    request_body(content = LoginBody, example = examples::login_request),
    responses(
        (status = 200, description = "The account and a new session token.", content((envelopes::AuthenticatedData = "application/json", example = examples::authenticated))),
        (status = 401, description = "`INVALID_CREDENTIALS`, or `ACCOUNT_DISABLED`.", body = ErrorBody),
    ),
)]
#[post("/auth/login")]
async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LoginBody>,
) -> Result<HttpResponse, AppError> {
    rate_limit::sign_in(&state, &req).await?;
    let body = body.into_inner();
    let mut fields = Fields::default();
    let email = fields.required("email", body.email, |e| Email::parse(&e));
    let password = fields.required("password", body.password, Ok);
    let (email, password) = fields.finish(|| Some((email?, password?)))?;
    let (user, token) = accounts::login(&state, &email, password).await?;
    Ok(envelope::ok(AuthView {
        id: user.id,
        email: user.email.as_str().to_owned(),
        name: user.name.as_str().to_owned(),
        token: token.expose().to_owned(),
    }))
}

/// The account behind the credential.
#[utoipa::path(
    tag = "accounts",
    responses((status = 200, description = "The account, its tier and role.", body = envelopes::AccountData)),
    security(("apiKey" = [])),
)]
#[get("/auth/me")]
async fn me(caller: Caller) -> HttpResponse {
    envelope::ok(MeView::from(&caller.user))
}

/// Log out.
///
/// The session token stops working at once.
#[utoipa::path(
    tag = "accounts",
    responses(
        (status = 200, description = "Logged out.", body = envelopes::LoggedOutData),
        (status = 400, description = "`SESSION_REQUIRED`: an API key was sent.", body = ErrorBody),
    ),
    security(("session" = [])),
)]
#[post("/auth/logout")]
async fn logout(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, AppError> {
    let Credential::Session { token_hash } = caller.credential else {
        return Err(AppError::bad_request(
            "SESSION_REQUIRED",
            "logout ends a session; revoke API keys instead",
        ));
    };
    state
        .users
        .delete_session(&token_hash)
        .await
        .map_err(|e| AppError::from_repository(e, "session", "current"))?;
    Ok(envelope::ok(LoggedOutView {
        message: "logged out",
    }))
}
