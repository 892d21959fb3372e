//! Times each analytics report through the real repository (`PostgresStore`), the
//! same queries the HTTP routes run, and renders the table.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};
use licentia_adapters_postgres::{PoolSettings, PostgresStore, connect};
use licentia_domain::analytics::DateRange;
use licentia_domain::ids::{ProductId, UserId};
use licentia_ports::{AnalyticsRepository, Tenant};
use secrecy::SecretString;
use time::{Duration as Days, OffsetDateTime};

use super::Scale;

const RUNS: usize = 5;

/// One measured report: median and slowest of [`RUNS`] runs after a warm-up.
pub(crate) struct Timing {
    scenario: String,
    report: &'static str,
    median: Duration,
    max: Duration,
}

fn uid(kind: u32, n: u64) -> uuid::Uuid {
    uuid::Uuid::parse_str(&format!("{kind:08x}-0000-7000-8000-{n:012x}")).unwrap_or_default()
}

async fn time<F, Fut, T>(scenario: &str, report: &'static str, mut run: F) -> Result<Timing>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, licentia_ports::RepositoryError>>,
{
    run().await.map_err(|e| anyhow!("{report}: {e}"))?;
    let mut runs = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        run().await.map_err(|e| anyhow!("{report}: {e}"))?;
        runs.push(started.elapsed());
    }
    runs.sort();
    say!("{scenario} / {report}: {:?}", runs[RUNS / 2]);
    Ok(Timing {
        scenario: scenario.to_owned(),
        report,
        median: runs[RUNS / 2],
        max: runs[RUNS - 1],
    })
}

/// Every scenario, each report.
pub(crate) async fn measure(url: &str) -> Result<Vec<Timing>> {
    let pool = connect(
        &SecretString::from(url.to_owned()),
        &PoolSettings {
            max_size: 2,
            statement_timeout: std::time::Duration::from_secs(300),
            ..PoolSettings::default()
        },
    )
    .map_err(|e| anyhow!("connecting: {e}"))?;
    let store = PostgresStore::new(pool);
    let now = OffsetDateTime::now_utc();
    let today = now.date();
    let month = DateRange::new(today - Days::days(29), today).map_err(|e| anyhow!("{e}"))?;
    let year = DateRange::new(today - Days::days(365), today).map_err(|e| anyhow!("{e}"))?;
    let big = UserId::from_uuid(uid(1, 1));
    let scenarios = [
        (
            "big account (10 % of licenses), 30 days",
            Tenant::account(big),
            month,
        ),
        ("big account, 366 days", Tenant::account(big), year),
        (
            "big account, one of its 10 products, 30 days",
            Tenant {
                owner: big,
                product: Some(ProductId::from_uuid(uid(2, 1))),
            },
            month,
        ),
        (
            "typical account, 30 days",
            Tenant::account(UserId::from_uuid(uid(1, 2))),
            month,
        ),
    ];
    let mut rows = Vec::new();
    for (scenario, tenant, range) in scenarios {
        let s = &store;
        rows.push(time(scenario, "licenses", || s.licenses(tenant, range, now)).await?);
        rows.push(time(scenario, "users", || s.customers(tenant, range, now)).await?);
        rows.push(time(scenario, "revenue", || s.revenue(tenant, range)).await?);
    }
    let since = (now - Days::days(1)).date();
    let s = &store;
    rows.push(time("whole platform", "stats", || s.platform(now, since)).await?);
    Ok(rows)
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// The analytics section of docs/benchmarks.md.
pub(crate) fn render(rows: &[Timing], scale: Scale, seeded: Option<Duration>) -> String {
    let mut out = String::from("## Analytics queries\n\n");
    let _ = writeln!(
        out,
        "Measured by `cargo xtask seed-analytics --licenses {} --validation-days {} --accounts {}` \
         on the same 2-core machine: {} licenses, {} `license_validation_days` rows, {} accounts \
         (one holding 10 % of the licenses over 10 products), a customer for every second \
         license and a payment for every tenth, seeded with `generate_series`{}. Each report \
         is timed through the real repository (`PostgresStore`, the queries the routes run), \
         after one warm-up run: median and slowest of {RUNS} runs, with a warm PostgreSQL cache.\n",
        scale.licenses,
        scale.validation_days,
        scale.accounts,
        scale.licenses,
        scale.validation_days,
        scale.accounts,
        seeded.map_or(String::new(), |d| format!(" in {:.0} s", d.as_secs_f64())),
    );
    out.push_str("| scenario | report | median | slowest |\n|---|---|---:|---:|\n");
    for row in rows {
        let _ = writeln!(
            out,
            "| {} | `GET /v1/analytics/{}` | {} | {} |",
            row.scenario,
            row.report,
            ms(row.median),
            ms(row.max)
        );
    }
    out.push_str(NOTES);
    out
}

/// What the plans do; true of the queries, not of one run.
const NOTES: &str = "
- Validations per day come from `product_validation_days`, the per-product rollup the
  triggers on `license_validation_days` keep: a report reads products × days rows. Joining
  the big account's 100 000 licenses to their counters instead (the first version)
  took 448 ms for 30 days and 1.6 s for 366 days at this scale on this machine.
- Statuses, seats and customers with an active license are index-only scans of
  `licenses_analytics_idx (user_id, product_id) INCLUDE (status, expires_at,
  activation_count, customer_id)`; licenses and customers created per day use the
  `(user_id, created_at)` indexes; revenue the two partial payment indexes (`paid_at`
  of succeeded/refunded, `updated_at` of refunded).
- A tenant report's cost grows with that account's licenses and the range, not with
  the platform. `stats` counts every license of the platform (an index-only scan of
  1 M entries): admin only, not on a hot path.
";
