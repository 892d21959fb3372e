//! Operator commands on users and their keys: `list-users`, `set-role`,
//! `disable-user`/`enable-user` and `list-api-keys`.

use anyhow::anyhow;
use licentia_domain::account::{Role, User};
use licentia_domain::api_key::ApiKey;
use licentia_domain::email::Email;
use licentia_ports::{Page, PageRequest, RepositoryError, Tenant};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::state::AppState;

/// Rows read per page while listing everything.
const PER_PAGE: u32 = 200;

/// Reads every page of a listing.
async fn all<T, F, Fut>(mut read: F) -> anyhow::Result<Vec<T>>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = Result<Page<T>, RepositoryError>>,
{
    let mut items = Vec::new();
    for page in 1.. {
        let Page {
            items: batch,
            total,
        } = read(PageRequest {
            page,
            per_page: PER_PAGE,
        })
        .await
        .map_err(|e| anyhow!("reading the database: {e}"))?;
        let last = batch.len() < PER_PAGE as usize;
        items.extend(batch);
        if last || items.len() as u64 >= total {
            break;
        }
    }
    Ok(items)
}

fn timestamp(at: Option<OffsetDateTime>) -> String {
    at.and_then(|at| at.format(&Rfc3339).ok())
        .unwrap_or_else(|| "-".to_owned())
}

pub(super) async fn user_by_email(state: &AppState, raw: &str) -> anyhow::Result<User> {
    let email = Email::parse(raw).map_err(|e| anyhow!("--user {e}"))?;
    state
        .users
        .get_user_by_email(&email)
        .await
        .map_err(|e| match e {
            RepositoryError::NotFound => anyhow!("no user with the email {raw}"),
            other => anyhow!("reading the user: {other}"),
        })
}

/// Prints rows as left-aligned columns under a header.
fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(header.iter().map(|h| (*h).to_owned()).collect());
    for row in rows {
        line(row.clone());
    }
}

/// `admin list-users`.
pub(super) async fn list_users(state: &AppState) -> anyhow::Result<()> {
    let users = all(|page| state.users.list_users(page)).await?;
    let rows: Vec<Vec<String>> = users
        .iter()
        .map(|u| {
            vec![
                u.email.as_str().to_owned(),
                u.name.as_str().to_owned(),
                u.role.to_string(),
                u.tier.to_string(),
                if u.disabled { "yes" } else { "no" }.to_owned(),
                timestamp(Some(u.created_at)),
            ]
        })
        .collect();
    print_table(
        &["EMAIL", "NAME", "ROLE", "TIER", "DISABLED", "CREATED"],
        &rows,
    );
    println!("{} user(s)", users.len());
    Ok(())
}

/// `admin set-role --user E --role user|admin`.
pub(super) async fn set_role(state: &AppState, user: &str, role: &str) -> anyhow::Result<()> {
    let role: Role = role.parse().map_err(|e| anyhow!("--role {e}"))?;
    let user = user_by_email(state, user).await?;
    let user = state
        .users
        .set_tier_and_role(&user.email, None, Some(role))
        .await
        .map_err(|e| anyhow!("changing the role: {e}"))?;
    println!("{} now has the {} role", user.email.as_str(), user.role);
    Ok(())
}

/// `admin disable-user|enable-user --user E`.
pub(super) async fn set_disabled(
    state: &AppState,
    user: &str,
    disabled: bool,
) -> anyhow::Result<()> {
    let user = user_by_email(state, user).await?;
    if user.disabled == disabled {
        let state_now = if disabled { "disabled" } else { "enabled" };
        println!("{} is already {state_now}", user.email.as_str());
        return Ok(());
    }
    let user = state
        .users
        .set_disabled(&user.email, disabled, state.clock.now())
        .await
        .map_err(|e| anyhow!("updating the user: {e}"))?;
    if user.disabled {
        println!(
            "disabled {}; their API keys and sessions are refused (401 ACCOUNT_DISABLED)",
            user.email.as_str()
        );
    } else {
        println!("enabled {}", user.email.as_str());
    }
    Ok(())
}

/// `admin list-api-keys --user E`.
pub(super) async fn list_api_keys(state: &AppState, user: &str) -> anyhow::Result<()> {
    let user = user_by_email(state, user).await?;
    let tenant = Tenant::account(user.id);
    let keys: Vec<ApiKey> = all(|page| state.api_keys.list(tenant, page)).await?;
    let rows: Vec<Vec<String>> = keys
        .iter()
        .map(|k| {
            vec![
                k.id.to_string(),
                k.name.as_str().to_owned(),
                format!("{}…{}", k.prefix, k.last_four),
                k.scopes.to_strings().join(","),
                k.product_id
                    .map_or_else(|| "-".to_owned(), |p| p.to_string()),
                timestamp(k.expires_at),
                timestamp(k.revoked_at),
                timestamp(k.last_used_at),
            ]
        })
        .collect();
    print_table(
        &[
            "ID",
            "NAME",
            "KEY",
            "SCOPES",
            "PRODUCT",
            "EXPIRES",
            "REVOKED",
            "LAST USED",
        ],
        &rows,
    );
    println!("{} API key(s) for {}", keys.len(), user.email.as_str());
    Ok(())
}
