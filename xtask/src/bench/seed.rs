//! Seeding through the public API: an account, a product, licenses in bulk.

use std::process::Command;

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Value, json};

/// What the scripts need.
pub(crate) struct Seeded {
    pub(crate) keys: Vec<String>,
}

fn call(base: &str, path: &str, token: Option<&str>, body: &Value) -> Result<Value> {
    let mut command = Command::new("curl");
    command.args([
        "-sS",
        "-X",
        "POST",
        &format!("{base}/v1{path}"),
        "-H",
        "content-type: application/json",
        "--data-binary",
        "@-",
    ]);
    if let Some(token) = token {
        command.args(["-H", &format!("authorization: Bearer {token}")]);
    }
    let mut child = command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .context("running curl")?;
    {
        use std::io::Write;
        let stdin = child.stdin.as_mut().ok_or_else(|| anyhow!("curl stdin"))?;
        stdin.write_all(body.to_string().as_bytes())?;
    }
    let output = child.wait_with_output()?;
    let answer: Value =
        serde_json::from_slice(&output.stdout).with_context(|| format!("POST {path}: not JSON"))?;
    if answer.get("error").is_some() {
        bail!("POST {path}: {answer}");
    }
    Ok(answer)
}

/// Creates `count` licenses (in batches of 1000) and returns their keys.
pub(crate) fn seed(base: &str, count: usize) -> Result<Seeded> {
    let registered = call(
        base,
        "/auth/register",
        None,
        &json!({"email": "bench@example.com", "password": "benchmark-password", "name": "Bench"}),
    )?;
    let token = registered["data"]["token"]
        .as_str()
        .ok_or_else(|| anyhow!("no token"))?
        .to_owned();
    let product = call(
        base,
        "/products",
        Some(&token),
        &json!({"name": "Bench App"}),
    )?;
    let product = product["data"]["id"]
        .as_str()
        .ok_or_else(|| anyhow!("no product id"))?
        .to_owned();
    let mut keys = Vec::with_capacity(count);
    let batches = count.div_ceil(1000);
    for batch in 0..batches {
        let size = (count - batch * 1000).min(1000);
        let items: Vec<Value> = (0..size).map(|_| json!({"productId": product})).collect();
        let created = call(
            base,
            "/licenses/bulk",
            Some(&token),
            &json!({"licenses": items}),
        )?;
        let list = created["data"]
            .as_array()
            .ok_or_else(|| anyhow!("bulk answer without data"))?;
        keys.extend(
            list.iter()
                .filter_map(|l| l["key"].as_str().map(str::to_owned)),
        );
        if (batch + 1) % 10 == 0 || batch + 1 == batches {
            say!("seeded {} of {count} licenses", keys.len());
        }
    }
    Ok(Seeded { keys })
}
