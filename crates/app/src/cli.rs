//! The `licentia` command line: `serve` (default), `migrate`, operator `admin` and
//! `signing-key` commands, and `openapi`.

use clap::{Args, Parser, Subcommand};

/// Licentia: a self-hosted software-licensing server.
#[derive(Debug, Parser)]
#[command(name = "licentia", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run pending migrations (when LICENTIA_AUTO_MIGRATE is on), then serve.
    Serve,
    /// Run pending migrations and exit.
    Migrate,
    /// Operator commands.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Ed25519 signing keys of runtime answers and offline certificates.
    #[command(subcommand)]
    SigningKey(SigningKeyCommand),
    /// Print the OpenAPI 3.1 document (the same bytes as `GET /v1/openapi.json`).
    Openapi,
}

/// `licentia signing-key …`.
#[derive(Debug, Subcommand)]
pub enum SigningKeyCommand {
    /// Create a new active key; older keys stay published for verification.
    Rotate,
    /// List the keys (kid, created, active).
    List,
}

/// Operator commands, run against the configured database.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a user; prints a generated password unless one is piped on stdin.
    CreateUser(CreateUser),
    /// Create an API key for a user; prints the secret once.
    CreateApiKey(CreateApiKey),
    /// Revoke an API key by id.
    RevokeApiKey { id: String },
    /// Change a user's tier (rate limits) with immediate effect.
    SetTier {
        #[arg(long)]
        user: String,
        #[arg(long)]
        tier: String,
    },
    /// Change a user's role (`user` or `admin`).
    SetRole {
        #[arg(long)]
        user: String,
        #[arg(long)]
        role: String,
    },
    /// List users (email, name, role, tier, disabled, created), newest first.
    ListUsers,
    /// Disable a user: their API keys and sessions are refused at once.
    DisableUser {
        #[arg(long)]
        user: String,
    },
    /// Enable a disabled user again.
    EnableUser {
        #[arg(long)]
        user: String,
    },
    /// List a user's API keys (never their secrets).
    ListApiKeys {
        #[arg(long)]
        user: String,
    },
    /// Write a user's whole account as JSON lines, to move it to another server.
    ///
    /// The format is in docs/export-import.md. The output holds secrets (password and
    /// key hashes, license keys, webhook signing secrets): keep it private.
    Export(Export),
    /// Read an account written by `export` into this server, all or nothing.
    ///
    /// Every line is checked; an account, id, license key or token already on this
    /// server is refused (no merge). Errors name the line; nothing is written then.
    Import(Import),
    /// Licenses.
    #[command(subcommand)]
    Licenses(LicensesCommand),
    /// The webhook outbox.
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// Seal every sealed value anew under LICENTIA_MASTER_KEY (the new key), opening
    /// what LICENTIA_PREVIOUS_MASTER_KEY (the old key) sealed, in one transaction.
    /// Both keys come from the environment only; see docs/operations.md.
    RotateMasterKey,
}

/// `admin licenses …`.
#[derive(Debug, Subcommand)]
pub enum LicensesCommand {
    /// Persist EXPIRED (with `license.expired` events) for every license past its
    /// expiry now, instead of waiting for the server's sweep.
    ExpireNow,
}

/// `admin outbox …`.
#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// Webhook deliveries by state, and how overdue the oldest due one is.
    Status,
    /// Make given-up deliveries due again (all, or one endpoint's).
    Retry {
        /// Only this webhook endpoint's deliveries.
        #[arg(long)]
        webhook: Option<String>,
    },
    /// Delete events older than the retention window whose deliveries are all
    /// finished, with their delivery logs (running servers do this every 10 minutes).
    Prune {
        /// Keep this many days instead of `LICENTIA_WEBHOOKS_RETENTION_DAYS`.
        #[arg(long, value_name = "DAYS")]
        older_than_days: Option<u32>,
    },
}

/// `admin export`.
#[derive(Debug, Args)]
pub struct Export {
    /// The account's e-mail address.
    #[arg(long)]
    pub user: String,
    /// Write to this file (created readable by its owner only) instead of stdout.
    #[arg(long)]
    pub output: Option<std::path::PathBuf>,
    /// Report progress on stderr every this many records (0: only the summary).
    #[arg(long, default_value_t = 10_000)]
    pub progress_every: u64,
}

/// `admin import`.
#[derive(Debug, Args)]
pub struct Import {
    /// Read this file instead of stdin.
    #[arg(long)]
    pub input: Option<std::path::PathBuf>,
    /// Report progress on stderr every this many records (0: only the summary).
    #[arg(long, default_value_t = 10_000)]
    pub progress_every: u64,
}

/// `admin create-user`.
#[derive(Debug, Args)]
pub struct CreateUser {
    #[arg(long)]
    pub email: String,
    #[arg(long)]
    pub name: String,
    #[arg(long, default_value = "user")]
    pub role: String,
    #[arg(long, default_value = "start")]
    pub tier: String,
}

/// `admin create-api-key`.
#[derive(Debug, Args)]
pub struct CreateApiKey {
    /// The owner's e-mail address.
    #[arg(long)]
    pub user: String,
    /// Comma-separated scopes (default: `*`).
    #[arg(long, default_value = "*")]
    pub scopes: String,
    /// Limit the key to one product.
    #[arg(long)]
    pub product: Option<String>,
    /// Lifetime such as `30d`, `12h` or `90m`.
    #[arg(long)]
    pub expires_in: Option<String>,
    /// A name for the key.
    #[arg(long, default_value = "created by admin")]
    pub name: String,
}
