//! Operator commands (`licentia admin …`, also `cargo xtask admin …`), implemented once
//! on the same services as the API.

use std::io::{IsTerminal, Read};

use anyhow::{Context, anyhow, bail};
use licentia_domain::account::{Password, Role, Tier};
use licentia_domain::email::Email;
use licentia_domain::ids::{ApiKeyId, ProductId};
use licentia_domain::scope::ScopeSet;
use licentia_domain::secret_token::{PlainToken, TokenKind};
use licentia_domain::text::Name;
use licentia_ports::Tenant;

use crate::cli::{
    AdminCommand, CreateApiKey, CreateUser, LicensesCommand, OutboxCommand, SigningKeyCommand,
};
use crate::services::{accounts, api_keys};
use crate::state::AppState;

mod archive;
pub mod master_key;
mod users;

/// Runs one operator command and prints its outcome.
pub async fn run(state: &AppState, command: AdminCommand) -> anyhow::Result<()> {
    match command {
        AdminCommand::CreateUser(args) => create_user(state, args).await,
        AdminCommand::CreateApiKey(args) => create_api_key(state, args).await,
        AdminCommand::RevokeApiKey { id } => revoke_api_key(state, &id).await,
        AdminCommand::SetTier { user, tier } => set_tier(state, &user, &tier).await,
        AdminCommand::SetRole { user, role } => users::set_role(state, &user, &role).await,
        AdminCommand::ListUsers => users::list_users(state).await,
        AdminCommand::DisableUser { user } => users::set_disabled(state, &user, true).await,
        AdminCommand::EnableUser { user } => users::set_disabled(state, &user, false).await,
        AdminCommand::ListApiKeys { user } => users::list_api_keys(state, &user).await,
        AdminCommand::Export(args) => archive::export(state, args).await,
        AdminCommand::Import(args) => archive::import(state, args).await,
        AdminCommand::Licenses(LicensesCommand::ExpireNow) => expire_now(state).await,
        AdminCommand::Outbox(OutboxCommand::Status) => outbox_status(state).await,
        AdminCommand::Outbox(OutboxCommand::Retry { webhook }) => {
            outbox_retry(state, webhook.as_deref()).await
        }
        AdminCommand::Outbox(OutboxCommand::Prune { older_than_days }) => {
            outbox_prune(state, older_than_days).await
        }
        AdminCommand::RotateMasterKey => master_key::reseal(state).await,
    }
}

async fn expire_now(state: &AppState) -> anyhow::Result<()> {
    println!("expiring licenses past their expiry…");
    let expired = crate::workers::expiry_sweep::sweep(state).await;
    println!("{expired} license(s) marked EXPIRED");
    Ok(())
}

async fn outbox_status(state: &AppState) -> anyhow::Result<()> {
    let now = state.clock.now();
    let stats = state
        .deliveries
        .stats(now)
        .await
        .map_err(|e| anyhow!("reading the outbox: {e}"))?;
    println!("pending    {} ({} due now)", stats.pending, stats.due);
    println!("paused     {} (their endpoint is disabled)", stats.paused);
    println!("succeeded  {}", stats.succeeded);
    println!("failed     {}", stats.failed);
    match stats.oldest_due_at {
        Some(at) => println!("oldest due {}s ago", (now - at).whole_seconds().max(0)),
        None => println!("oldest due -"),
    }
    Ok(())
}

async fn outbox_retry(state: &AppState, webhook: Option<&str>) -> anyhow::Result<()> {
    let webhook = webhook
        .map(|raw| raw.parse().map_err(|_| anyhow!("--webhook must be a UUID")))
        .transpose()?;
    let requeued = state
        .deliveries
        .requeue_failed(webhook, state.clock.now())
        .await
        .map_err(|e| anyhow!("requeueing: {e}"))?;
    println!("{requeued} failed delivery(ies) due again; running servers send them within seconds");
    Ok(())
}

async fn outbox_prune(state: &AppState, older_than_days: Option<u32>) -> anyhow::Result<()> {
    let keep = older_than_days.map_or(state.settings.webhooks.retention, |days| {
        time::Duration::days(i64::from(days))
    });
    let before = state.clock.now() - keep;
    eprintln!(
        "pruning finished outbox events older than {} day(s)…",
        keep.whole_days()
    );
    let pruned = crate::workers::housekeeping::prune_outbox(state, before, |total| {
        if total > 0 && total % (10 * u64::from(crate::workers::housekeeping::PRUNE_BATCH)) == 0 {
            eprintln!("  {total} events pruned so far");
        }
    })
    .await
    .map_err(|e| anyhow!("pruning the outbox: {e}"))?;
    println!("{pruned} outbox event(s) pruned with their deliveries; pending deliveries kept");
    Ok(())
}

async fn create_user(state: &AppState, args: CreateUser) -> anyhow::Result<()> {
    let email = Email::parse(&args.email).map_err(|e| anyhow!("--email {e}"))?;
    let name = Name::parse(&args.name).map_err(|e| anyhow!("--name {e}"))?;
    let role: Role = args.role.parse().map_err(|e| anyhow!("--role {e}"))?;
    let tier: Tier = args.tier.parse().map_err(|e| anyhow!("--tier {e}"))?;
    let (password, generated) = if std::io::stdin().is_terminal() {
        (generated_password(), true)
    } else {
        let mut piped = String::new();
        std::io::stdin()
            .read_to_string(&mut piped)
            .context("reading the password from stdin")?;
        let piped = piped.trim_end_matches(['\r', '\n']).to_owned();
        if piped.is_empty() {
            (generated_password(), true)
        } else {
            (piped, false)
        }
    };
    let parsed = Password::parse(&password).map_err(|e| anyhow!("password {e}"))?;
    let user = accounts::create_user(
        state,
        accounts::Registration {
            email,
            password: parsed,
            name,
        },
        tier,
        role,
    )
    .await
    .map_err(|e| anyhow!("{e}"))?;
    println!(
        "created user {} ({}), role {}, tier {}",
        user.email.as_str(),
        user.id,
        user.role,
        user.tier
    );
    if generated {
        println!("password: {password}");
    }
    Ok(())
}

fn generated_password() -> String {
    // 43 base62 characters from the OS CSPRNG, without the token prefix.
    let token = PlainToken::generate(TokenKind::Session);
    token.expose()[TokenKind::Session.prefix().len()..][..24].to_owned()
}

async fn create_api_key(state: &AppState, args: CreateApiKey) -> anyhow::Result<()> {
    let email = Email::parse(&args.user).map_err(|e| anyhow!("--user {e}"))?;
    let user = state
        .users
        .get_user_by_email(&email)
        .await
        .map_err(|_| anyhow!("no user with that email"))?;
    let raw_scopes: Vec<&str> = args
        .scopes
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let scopes = ScopeSet::parse(&raw_scopes).map_err(|e| anyhow!("--scopes {e}"))?;
    let tenant = Tenant::account(user.id);
    let product_id = match args.product {
        Some(raw) => {
            let id: ProductId = raw
                .parse()
                .map_err(|_| anyhow!("--product must be a product id"))?;
            state
                .products
                .get(tenant, id)
                .await
                .map_err(|_| anyhow!("the user has no product {id}"))?;
            Some(id)
        }
        None => None,
    };
    let now = state.clock.now();
    let expires_at = args
        .expires_in
        .as_deref()
        .map(parse_lifetime)
        .transpose()?
        .map(|d| now + d);
    let name = Name::parse(&args.name).map_err(|e| anyhow!("--name {e}"))?;
    let request = api_keys::KeyRequest {
        name,
        scopes,
        product_id,
        expires_at,
    };
    let (key, secret) = api_keys::issue(state, tenant, request, now)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    println!(
        "created API key {} for {} (scopes: {})",
        key.id,
        user.email.as_str(),
        key.scopes.to_strings().join(",")
    );
    println!("secret (shown once): {}", secret.expose());
    Ok(())
}

/// Parses `30d`, `12h`, `90m` or `45s`.
fn parse_lifetime(raw: &str) -> anyhow::Result<time::Duration> {
    let (number, unit) = raw.split_at(raw.len().saturating_sub(1));
    let n: i64 = number
        .parse()
        .map_err(|_| anyhow!("--expires-in must look like 30d, 12h or 90m"))?;
    if n <= 0 {
        bail!("--expires-in must be positive");
    }
    Ok(match unit {
        "d" => time::Duration::days(n),
        "h" => time::Duration::hours(n),
        "m" => time::Duration::minutes(n),
        "s" => time::Duration::seconds(n),
        _ => bail!("--expires-in must end in d, h, m or s"),
    })
}

async fn revoke_api_key(state: &AppState, raw: &str) -> anyhow::Result<()> {
    let id: ApiKeyId = raw
        .parse()
        .map_err(|_| anyhow!("the API key id must be a UUID"))?;
    let owner = state
        .api_keys
        .owner_of(id)
        .await
        .map_err(|_| anyhow!("no API key {id}"))?;
    let key = state
        .api_keys
        .revoke(Tenant::account(owner), id, state.clock.now())
        .await
        .map_err(|e| anyhow!("{e}"))?;
    println!("revoked API key {} ({})", key.id, key.name.as_str());
    Ok(())
}

async fn set_tier(state: &AppState, user: &str, tier: &str) -> anyhow::Result<()> {
    let email = Email::parse(user).map_err(|e| anyhow!("--user {e}"))?;
    let tier: Tier = tier.parse().map_err(|e| anyhow!("--tier {e}"))?;
    let user = state
        .users
        .set_tier_and_role(&email, Some(tier), None)
        .await
        .map_err(|_| anyhow!("no user with that email"))?;
    println!("{} is now on the {} tier", user.email.as_str(), user.tier);
    Ok(())
}

/// `licentia signing-key rotate|list`.
pub async fn signing_keys(state: &AppState, command: SigningKeyCommand) -> anyhow::Result<()> {
    match command {
        SigningKeyCommand::Rotate => {
            let kid =
                crate::runtime::key_ring::rotate(state.signing_keys.as_ref(), &state.master_key)
                    .await
                    .map_err(|e| anyhow!("{e}"))?;
            println!("new active signing key {kid}; running servers pick it up within a minute");
        }
        SigningKeyCommand::List => {
            let keys = state
                .signing_keys
                .list_signing_keys()
                .await
                .map_err(|e| anyhow!("{e}"))?;
            if keys.is_empty() {
                println!("no signing keys yet (the server creates one at first start)");
            }
            for key in keys {
                let created = key
                    .created_at
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default();
                println!(
                    "{}  {created}  {}",
                    key.kid,
                    if key.active { "active" } else { "published" }
                );
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_parse_with_their_unit() {
        assert_eq!(parse_lifetime("30d").ok(), Some(time::Duration::days(30)));
        assert_eq!(parse_lifetime("12h").ok(), Some(time::Duration::hours(12)));
        assert!(parse_lifetime("0d").is_err());
        assert!(parse_lifetime("10w").is_err());
        assert!(parse_lifetime("d").is_err());
    }
}
