//! Seeding with `generate_series` through psql, in chunks, with progress lines.
//!
//! Shape: one big account holding 10 % of the licenses over 10 products; the others
//! spread over `accounts - 1` accounts of 2 products each. Every second license has a
//! customer, every tenth a payment (EUR, some USD, some refunded). Validation-day rows
//! go round the licenses, each license's days spread over the last 365 days.

use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::Scale;

const CHUNK: u64 = 500_000;

fn psql(url: &str, sql: &str) -> Result<()> {
    let output = Command::new("psql")
        .args([url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .context("running psql (is the PostgreSQL client installed?)")?;
    if !output.status.success() {
        bail!("psql: {}", String::from_utf8_lossy(&output.stderr).trim());
    }
    Ok(())
}

/// Runs `sql_for(start, end)` over `1..=total` in chunks.
fn chunked(url: &str, what: &str, total: u64, sql_for: impl Fn(u64, u64) -> String) -> Result<()> {
    let started = Instant::now();
    let mut start = 1;
    while start <= total {
        let end = (start + CHUNK - 1).min(total);
        psql(url, &sql_for(start, end))?;
        say!(
            "{what}: {end} of {total} ({:.0} s)",
            started.elapsed().as_secs_f64()
        );
        start = end + 1;
    }
    Ok(())
}

/// SQL expressions of license `i`'s product and account numbers.
fn owners(scale: Scale) -> (String, String) {
    let big = scale.licenses / 10;
    let spread = 2 * (scale.accounts - 1);
    (
        format!("CASE WHEN i <= {big} THEN 1 + i % 10 ELSE 11 + i % {spread} END"),
        format!("CASE WHEN i <= {big} THEN 1 ELSE 2 + (i % {spread}) / 2 END"),
    )
}

/// Seeds everything and returns how long it took.
pub(crate) fn seed(url: &str, scale: Scale) -> Result<Duration> {
    let started = Instant::now();
    let (product, user) = owners(scale);
    let accounts = scale.accounts;
    let products = 10 + 2 * (accounts - 1);
    psql(
        url,
        "CREATE OR REPLACE FUNCTION bench_uid(kind int, n bigint) RETURNS uuid \
         IMMUTABLE LANGUAGE sql AS $$ SELECT (lpad(to_hex(kind), 8, '0') || '-0000-7000-8000-' \
         || lpad(to_hex(n), 12, '0'))::uuid $$",
    )?;
    psql(
        url,
        &format!(
            "INSERT INTO users (id, email, name, password_hash, created_at, updated_at) \
             SELECT bench_uid(1, u), 'bench-' || u || '@example.com', 'Bench ' || u, 'x', now(), now() \
             FROM generate_series(1, {accounts}) AS u; \
             INSERT INTO products (id, user_id, name, slug, key_prefix, created_at, updated_at) \
             SELECT bench_uid(2, p), bench_uid(1, CASE WHEN p <= 10 THEN 1 ELSE 2 + (p - 11) / 2 END), \
                    'Product ' || p, 'product-' || p, 'BENCH', now(), now() \
             FROM generate_series(1, {products}) AS p"
        ),
    )?;
    say!("{accounts} accounts, {products} products");
    let created = "now() - make_interval(days => (i % 365)::int, secs => (i * 7 % 86400)::int)";
    chunked(url, "customers", scale.licenses, |start, end| {
        format!(
            "INSERT INTO customers (id, user_id, email, name, created_at, updated_at) \
             SELECT bench_uid(3, i), bench_uid(1, {user}), 'c' || i || '@example.com', 'C ' || i, \
                    {created}, now() \
             FROM generate_series({start}, {end}) AS i WHERE i % 2 = 0"
        )
    })?;
    chunked(url, "licenses", scale.licenses, |start, end| {
        format!(
            "INSERT INTO licenses (id, user_id, product_id, customer_id, key, key_lookup, status, \
                                   activation_count, expires_at, created_at, updated_at) \
             SELECT bench_uid(5, i), bench_uid(1, {user}), bench_uid(2, {product}), \
                    CASE WHEN i % 2 = 0 THEN bench_uid(3, i) END, 'BENCH-' || i, 'BENCH' || i, \
                    CASE i % 20 WHEN 0 THEN 'SUSPENDED' WHEN 1 THEN 'REVOKED' WHEN 2 THEN 'INACTIVE' \
                                ELSE 'ACTIVE' END, \
                    i % 3, \
                    CASE WHEN i % 10 = 3 THEN now() - interval '1 day' ELSE now() + interval '1 year' END, \
                    {created}, now() \
             FROM generate_series({start}, {end}) AS i"
        )
    })?;
    chunked(url, "payments", scale.licenses, |start, end| {
        format!(
            "INSERT INTO payments (id, user_id, product_id, license_id, customer_id, amount, currency, \
                                   status, paid_at, created_at, updated_at) \
             SELECT bench_uid(4, i), bench_uid(1, {user}), bench_uid(2, {product}), bench_uid(5, i), \
                    CASE WHEN i % 2 = 0 THEN bench_uid(3, i) END, 1000 + i % 5000, \
                    CASE WHEN i % 20 = 0 THEN 'USD' ELSE 'EUR' END, \
                    CASE WHEN i % 30 = 0 THEN 'refunded' ELSE 'succeeded' END, \
                    {created}, {created}, \
                    {created} + CASE WHEN i % 30 = 0 THEN interval '3 days' ELSE interval '0' END \
             FROM generate_series({start}, {end}) AS i WHERE i % 10 = 0"
        )
    })?;
    let licenses = scale.licenses;
    chunked(
        url,
        "validation days",
        scale.validation_days,
        |start, end| {
            format!(
                "INSERT INTO license_validation_days (license_id, day, count) \
             SELECT bench_uid(5, 1 + r % {licenses}), \
                    current_date - (((r / {licenses}) * 37 + (1 + r % {licenses}) % 37) % 365)::int, \
                    1 + r % 50 \
             FROM generate_series({start} - 1, {end} - 1) AS r"
            )
        },
    )?;
    say!("vacuum analyze");
    psql(url, "VACUUM ANALYZE")?;
    say!("seeded in {:.0} s", started.elapsed().as_secs_f64());
    Ok(started.elapsed())
}
