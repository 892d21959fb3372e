//! wrk Lua scripts: a hot key with distinct nonces, every key in turn, activation pairs.
//!
//! The validation scripts format their request once, in `init`, and splice only the
//! parts that change (the nonce, the key) into it on each request: a nonce is a
//! fixed-width number, so `Content-Length` never changes. That keeps wrk's own cost per
//! request close to what a static request (`/v1/health`) costs it, so the ratios compare
//! the server's work, not the load generator's Lua.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::seed::Seeded;

/// Paths of the written scripts.
pub(crate) struct Scripts {
    pub(crate) hot: PathBuf,
    pub(crate) all_keys: PathBuf,
    pub(crate) pairs: PathBuf,
}

/// Numbers each thread, sets the method and content type. `setup` runs in wrk's main
/// state and sets the global `id` in each thread's own state; every `init` calls
/// `take_thread_number()` to copy it into the `id` the script's functions see.
const COMMON: &str = r#"
local threads = {}
local counter = 0
local id = 0
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
local function take_thread_number()
  id = rawget(_G, "id") or 0
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
"#;

/// `template(pieces)`: the whole request for a body made of `pieces` (strings, and
/// numbers standing for a slot of that many characters), split at the slots. A nonce
/// is `<thread>-<10 digits>`, so every request of a script has the same length.
const TEMPLATE: &str = r#"
local FIRST_NONCE = 1000000000
local NONCE_DIGITS = 10
local function template(pieces)
  local body = {}
  for _, piece in ipairs(pieces) do
    body[#body + 1] = type(piece) == "number" and string.rep("\1", piece) or piece
  end
  local request = wrk.format(nil, nil, nil, table.concat(body))
  local parts, from = {}, 1
  for _, piece in ipairs(pieces) do
    if type(piece) == "number" then
      local at = string.find(request, string.rep("\1", piece), from, true)
      parts[#parts + 1] = string.sub(request, from, at - 1)
      from = at + piece
    end
  end
  parts[#parts + 1] = string.sub(request, from)
  return parts
end
"#;

const LOAD_KEYS: &str = r#"
local keys = {}
local function load_keys()
  for line in io.lines(KEYS_FILE) do keys[#keys + 1] = line end
end
"#;

pub(crate) fn write(work: &Path, seeded: &Seeded, keys_file: &Path) -> Result<Scripts> {
    let hot_key = seeded.keys.first().cloned().unwrap_or_default();
    let keys_path = format!("KEYS_FILE = {:?}\n", keys_file.display().to_string());
    let hot = format!(
        r#"{COMMON}{TEMPLATE}
local parts
function init(args)
  take_thread_number()
  parts = template({{'{{"licenseKey":"{hot_key}","nonce":"' .. id .. '-', NONCE_DIGITS, '"}}'}})
end
function request()
  counter = counter + 1
  return parts[1] .. (FIRST_NONCE + counter) .. parts[2]
end
"#
    );
    // Each thread walks its own half of the keys, so the first pass touches each key
    // once. Each key's request up to the nonce is put together once, in `init` (one
    // concatenation a key, a few milliseconds in all, before wrk starts its clock).
    let all_keys = format!(
        r#"{keys_path}{COMMON}{TEMPLATE}{LOAD_KEYS}
local heads = {{}}
local tail
local key_count
function init(args)
  take_thread_number()
  load_keys()
  key_count = #keys
  local by_length = {{}}
  for i, key in ipairs(keys) do
    local parts = by_length[#key]
    if not parts then
      parts = template({{'{{"licenseKey":"', #key, '","nonce":"' .. id .. '-', NONCE_DIGITS, '"}}'}})
      by_length[#key] = parts
    end
    heads[i] = parts[1] .. key .. parts[2]
    tail = parts[3]
  end
end
function request()
  local i = (counter * 2 + id) % key_count + 1
  counter = counter + 1
  return heads[i] .. (FIRST_NONCE + counter) .. tail
end
"#
    );
    // Request 2n activates device n on its key; request 2n+1 deactivates the oldest
    // device whose activation has been answered (read back from the answers), so a
    // deactivation never overtakes its activation on another connection. While none
    // is waiting, it activates a lead device on a key from the far end of the list
    // instead.
    let pairs = format!(
        r#"{keys_path}{COMMON}{LOAD_KEYS}
local answered, first, last = {{}}, 1, 0
function init(args)
  take_thread_number()
  load_keys()
end
local function body(key, device)
  return '{{"licenseKey":"' .. key .. '","fingerprint":"bench-' .. id .. '-' .. device .. '"}}'
end
local function key_of(n)
  return keys[(n * 2 + id) % #keys + 1]
end
function request()
  local n = math.floor(counter / 2)
  local odd = counter % 2 == 1
  counter = counter + 1
  if not odd then
    return wrk.format(nil, '/v1/licenses/activate', nil, body(key_of(n), n))
  elseif first > last then
    return wrk.format(nil, '/v1/licenses/activate', nil, body(keys[#keys - (n * 2 + id) % #keys], 'lead-' .. n))
  end
  local device = answered[first]
  answered[first], first = nil, first + 1
  return wrk.format(nil, '/v1/licenses/deactivate', nil, body(key_of(device), device))
end
function response(status, headers, text)
  local device = text:match('"fingerprint":"bench%-%d+%-(%d+)"')
  if status < 300 and device then
    last = last + 1
    answered[last] = tonumber(device)
  end
end
"#
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
