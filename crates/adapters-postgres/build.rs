//! Hashes the migrations directory so test templates are named after its content.

use std::fs;
use std::path::Path;

fn main() {
    // Read at run time: a build script binary may be reused for another checkout of
    // the same workspace (a shared target directory), whose migrations differ.
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".to_owned());
    let dir = Path::new(&manifest_dir).join("../../migrations");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files = Vec::new();
    collect(&dir, &mut files);
    files.sort();
    // FNV-1a, 64 bits: enough to tell schema versions apart, and dependency-free.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for path in files {
        let relative = path
            .strip_prefix(&dir)
            .unwrap_or(&path)
            .to_string_lossy()
            .into_owned();
        let content = fs::read(&path).unwrap_or_default();
        for byte in relative.bytes().chain(content) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        println!("cargo:rerun-if-changed={}", path.display());
    }
    println!("cargo:rustc-env=LICENTIA_MIGRATIONS_HASH={hash:016x}");
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "sql") {
            out.push(path);
        }
    }
}
