//! `/v1/auth/*`: register, login, me, logout.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use licentia_domain::account::Password;
use licentia_domain::email::Email;
use licentia_domain::text::Name;
use serde::Deserialize;
use serde_json::json;

use crate::api::auth::{Caller, Credential};
use crate::api::envelope;
use crate::api::input::Fields;
use crate::api::rate_limit;
use crate::error::AppError;
use crate::services::accounts::{self, Registration};
use crate::state::AppState;
use crate::views::{AuthView, MeView};

/// Mounts the account routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(register)
        .service(login)
        .service(me)
        .service(logout);
}

#[derive(Deserialize)]
struct RegisterBody {
    email: Option<String>,
    password: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize)]
struct LoginBody {
    email: Option<String>,
    password: Option<String>,
}

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

#[get("/auth/me")]
async fn me(caller: Caller) -> HttpResponse {
    envelope::ok(MeView::from(&caller.user))
}

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
    Ok(envelope::ok(json!({"message": "logged out"})))
}
