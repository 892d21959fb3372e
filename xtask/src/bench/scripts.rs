//! wrk Lua scripts: a hot key with distinct nonces, every key in turn, activation pairs.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::seed::Seeded;

/// Paths of the written scripts.
pub(crate) struct Scripts {
    pub(crate) hot: PathBuf,
    pub(crate) all_keys: PathBuf,
    pub(crate) pairs: PathBuf,
}

const COMMON: &str = r#"
local threads = {}
local counter = 0
local id = 0
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
"#;

const LOAD_KEYS: &str = r#"
local keys = {}
function init(args)
  for line in io.lines(KEYS_FILE) do keys[#keys + 1] = line end
end
"#;

pub(crate) fn write(work: &Path, seeded: &Seeded, keys_file: &Path) -> Result<Scripts> {
    let hot_key = seeded.keys.first().cloned().unwrap_or_default();
    let keys_path = format!("KEYS_FILE = {:?}\n", keys_file.display().to_string());
    let hot = format!(
        "{COMMON}\nfunction request()\n  counter = counter + 1\n  return wrk.format(nil, nil, nil, '{{\"licenseKey\":\"{hot_key}\",\"nonce\":\"' .. id .. '-' .. counter .. '\"}}')\nend\n"
    );
    // Each thread walks its own half of the keys, so the first pass touches each key once.
    let all_keys = format!(
        "{keys_path}{COMMON}{LOAD_KEYS}\nfunction request()\n  local i = (counter * 2 + id) % #keys + 1\n  counter = counter + 1\n  return wrk.format(nil, nil, nil, '{{\"licenseKey\":\"' .. keys[i] .. '\",\"nonce\":\"' .. counter .. '\"}}')\nend\n"
    );
    // Request 2n activates device n of a key, request 2n+1 deactivates it.
    let pairs = format!(
        "{keys_path}{COMMON}{LOAD_KEYS}\nfunction request()\n  local n = math.floor(counter / 2)\n  local key = keys[(n * 2 + id) % #keys + 1]\n  local path = (counter % 2 == 0) and '/v1/licenses/activate' or '/v1/licenses/deactivate'\n  counter = counter + 1\n  return wrk.format(nil, path, nil, '{{\"licenseKey\":\"' .. key .. '\",\"fingerprint\":\"bench-' .. id .. '-' .. n .. '\"}}')\nend\n"
    );
    let write = |name: &str, text: &str| -> Result<PathBuf> {
        let path = work.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    };
    Ok(Scripts {
        hot: write("hot.lua", &hot)?,
        all_keys: write("all_keys.lua", &all_keys)?,
        pairs: write("pairs.lua", &pairs)?,
    })
}
