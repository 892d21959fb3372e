//! Every `curl` in the docs runs: the shell blocks of each markdown file of the
//! repository run in order, in one bash session, against a fresh server of their own
//! (`spawn_app`), and their expected outputs are compared — so the docs cannot drift
//! from the server. The convention is in `docs/README.md` ("Examples are tested") and
//! `doc_examples/convention.rs`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use futures_util::StreamExt;
use licentia::config::Settings;
use licentia_test_support::spawn_app_with;

#[path = "doc_examples/convention.rs"]
mod convention;
#[path = "doc_examples/markdown.rs"]
mod markdown;
#[path = "doc_examples/runner.rs"]
mod runner;

use convention::Plan;

/// How many files run at once.
const PARALLEL_FILES: usize = 3;

/// Files that must keep tested examples (a guide whose blocks were all tagged
/// `no-run` would otherwise pass silently).
const MUST_RUN: &[&str] = &[
    "README.md",
    "docs/sell-from-a-shop.md",
    "docs/validate-from-an-app.md",
    "docs/offline-certificates.md",
    "docs/wordpress.md",
    "docs/webhooks.md",
    "docs/rate-limits.md",
];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every markdown file of the repository (build output, VCS and local state left out),
/// relative to the root, sorted.
fn markdown_files() -> Vec<String> {
    fn walk(root: &Path, dir: &Path, found: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if !(name.starts_with('.') || name.starts_with("target") || name == "node_modules")
                {
                    walk(root, &path, found);
                }
            } else if name.ends_with(".md") {
                let relative = path.strip_prefix(root).unwrap_or(&path);
                found.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let root = workspace_root();
    let mut found = Vec::new();
    walk(&root, &root, &mut found);
    found.sort();
    found
}

fn read(file: &str) -> String {
    std::fs::read_to_string(workspace_root().join(file)).expect("a readable markdown file")
}

/// Each file's plan, or every convention problem of every file.
fn plans() -> Result<Vec<(String, Plan)>, Vec<String>> {
    let mut plans = Vec::new();
    let mut problems = Vec::new();
    for file in markdown_files() {
        match convention::plan(&file, &markdown::blocks(&read(&file))) {
            Ok(plan) => plans.push((file, plan)),
            Err(found) => problems.extend(found),
        }
    }
    if problems.is_empty() {
        Ok(plans)
    } else {
        Err(problems)
    }
}

/// The tools the examples use, or a clear message saying which is missing.
fn require_tools() {
    for (tool, version, hint) in [
        ("bash", "--version", "bash"),
        ("curl", "--version", "curl"),
        (
            "jq",
            "--version",
            "jq (apt-get install jq, brew install jq)",
        ),
        ("openssl", "version", "openssl"),
        (
            "python3",
            "--version",
            "python3 (the webhook guide's receiver)",
        ),
        ("timeout", "--version", "coreutils"),
    ] {
        let works = Command::new(tool)
            .arg(version)
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            works,
            "the doc examples need `{tool}` on PATH: install {hint} (README.md, Set up)"
        );
    }
}

/// The server settings a file asks for, read like the server reads its environment.
fn file_settings(file: &str, text: &str) -> Settings {
    let env: HashMap<String, String> = markdown::server_env(text).into_iter().collect();
    Settings::from_sources(&env, &HashMap::new())
        .unwrap_or_else(|e| panic!("{file}: its doc-examples settings: {e}"))
}

/// Runs one file's examples against a server of its own.
async fn run_file(file: String, text: String, plan: Plan) -> Result<(), String> {
    let wanted = file_settings(&file, &text);
    // The server runs as `cargo xtask dev` would with the file's settings: the real
    // default rate limits and webhook rules, not the test suite's lavish ones.
    let app = spawn_app_with(|settings| {
        settings.rate_limits = wanted.rate_limits.clone();
        settings.webhooks.allow_http = wanted.webhooks.allow_http;
        settings.webhooks.allow_private = wanted.webhooks.allow_private;
        settings.open_registration = wanted.open_registration;
        settings.telemetry.prometheus = wanted.telemetry.prometheus;
        settings.telemetry.metrics_token = wanted.telemetry.metrics_token.clone();
    })
    .await;
    let workdir = std::env::temp_dir().join(format!(
        "licentia-doc-examples-{}-{}",
        std::process::id(),
        file.replace('/', "_")
    ));
    std::fs::create_dir_all(&workdir).expect("a working directory");
    let address = app.address.clone();
    let outcome = tokio::task::spawn_blocking({
        let workdir = workdir.clone();
        move || runner::run(&file, &plan.steps, &address, &workdir)
    })
    .await
    .expect("the runner finished");
    let _ = std::fs::remove_dir_all(&workdir);
    drop(app);
    outcome
}

#[test]
fn every_curl_block_is_run_or_explicitly_skipped() {
    let plans = plans().unwrap_or_else(|problems| {
        panic!(
            "the docs break the example convention (docs/README.md, Examples are tested):\n{}",
            problems.join("\n")
        )
    });
    for required in MUST_RUN {
        let plan = plans
            .iter()
            .find(|(file, _)| file == required)
            .map(|(_, plan)| plan)
            .unwrap_or_else(|| panic!("{required} is missing"));
        assert!(
            plan.curl_calls() > 0,
            "{required} must keep tested curl examples"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_curl_in_the_docs_runs_against_a_fresh_server() {
    require_tools();
    let plans = plans().unwrap_or_else(|problems| panic!("{}", problems.join("\n")));
    // `LICENTIA_DOC_EXAMPLES=sell-from` runs only the files whose path contains it
    // (while writing a guide); the convention test still checks every file.
    let only = std::env::var("LICENTIA_DOC_EXAMPLES").unwrap_or_default();
    let mut report = Vec::new();
    let mut runs = Vec::new();
    for (file, plan) in plans.into_iter().filter(|(file, _)| file.contains(&only)) {
        if plan.steps.is_empty() {
            if !plan.skipped_curl_blocks.is_empty() {
                report.push(format!(
                    "{file}: nothing run, {} curl block(s) tagged no-run",
                    plan.skipped_curl_blocks.len()
                ));
            }
            continue;
        }
        report.push(format!(
            "{file}: {} block(s) run, {} curl call(s), {} output check(s), {} curl block(s) tagged no-run",
            plan.steps.len(),
            plan.curl_calls(),
            plan.steps.iter().filter(|s| s.expected.is_some()).count(),
            plan.skipped_curl_blocks.len()
        ));
        let text = read(&file);
        runs.push(run_file(file, text, plan));
    }
    // A few files at a time: each runs a server with its own pool of connections to the
    // PostgreSQL that the rest of the suite shares.
    let failures: Vec<String> = futures_util::stream::iter(runs)
        .buffer_unordered(PARALLEL_FILES)
        .filter_map(|outcome| async move { outcome.err() })
        .collect()
        .await;
    eprintln!("doc examples:\n  {}", report.join("\n  "));
    assert!(
        failures.is_empty(),
        "{} file(s) with failing examples:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// The harness itself: a documented curl whose path breaks fails, naming the block.
#[tokio::test]
async fn a_broken_example_fails_with_its_file_and_line() {
    require_tools();
    let doc = "# Doc\n\n```sh\ncurl -fsS http://127.0.0.1:8080/v1/health | jq -r .status\n```\n\n```text output\nok\n```\n\n```sh\ncurl -fsS http://127.0.0.1:8080/v1/no-such-route\n```\n";
    let plan = convention::plan("broken.md", &markdown::blocks(doc)).expect("well formed");
    let failure = run_file("broken.md".into(), doc.into(), plan)
        .await
        .expect_err("the second block fails");
    assert!(
        failure.starts_with("broken.md:11: this block failed"),
        "{failure}"
    );
    assert!(failure.contains("/v1/no-such-route"), "{failure}");
    assert!(failure.contains("404"), "curl's error is shown: {failure}");

    let wrong_output = "```sh\ncurl -fsS http://127.0.0.1:8080/v1/health | jq -r .status\n```\n```text output\nbroken\n```\n";
    let plan = convention::plan("output.md", &markdown::blocks(wrong_output)).expect("well formed");
    let failure = run_file("output.md".into(), wrong_output.into(), plan)
        .await
        .expect_err("the output differs");
    assert!(failure.starts_with("output.md:4: the output"), "{failure}");
    assert!(failure.contains("--- got:\nok"), "{failure}");
}
