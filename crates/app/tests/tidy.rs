//! Repository rules, enforced inside `cargo test` (rust-analyzer's "tidy" idea).

use std::fs;
use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("readable dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn source_files() -> Vec<PathBuf> {
    let root = workspace_root();
    let mut files = Vec::new();
    for entry in fs::read_dir(root.join("crates"))
        .expect("crates/")
        .flatten()
    {
        rust_files(&entry.path().join("src"), &mut files);
    }
    rust_files(&root.join("xtask/src"), &mut files);
    files
}

/// The `[dependencies]` table of a manifest, as text.
fn dependencies(manifest: &Path) -> String {
    let text = fs::read_to_string(manifest).expect("manifest");
    let start = text
        .find("[dependencies]")
        .map_or(text.len(), |i| i + "[dependencies]".len());
    let rest = &text[start..];
    let end = rest.find("\n[").unwrap_or(rest.len());
    rest[..end].to_owned()
}

#[test]
fn the_domain_crate_depends_on_no_runtime_database_or_web_framework() {
    let deps = dependencies(&workspace_root().join("crates/domain/Cargo.toml"));
    for banned in [
        "tokio",
        "diesel",
        "actix",
        "reqwest",
        "hyper",
        "deadpool",
        "async-trait",
    ] {
        assert!(!deps.contains(banned), "crates/domain depends on {banned}");
    }
}

#[test]
fn ports_name_no_diesel_or_actix_types() {
    let mut files = Vec::new();
    rust_files(&workspace_root().join("crates/ports/src"), &mut files);
    for file in files {
        let text = fs::read_to_string(&file).expect("source");
        assert!(
            !text.contains("diesel::") && !text.contains("actix_web::"),
            "{} names an adapter type",
            file.display()
        );
    }
    let deps = dependencies(&workspace_root().join("crates/ports/Cargo.toml"));
    assert!(!deps.contains("diesel") && !deps.contains("actix"));
}

#[test]
fn adapters_never_depend_on_each_other() {
    let root = workspace_root();
    assert!(
        !dependencies(&root.join("crates/adapters-postgres/Cargo.toml")).contains("adapters-http")
    );
    assert!(
        !dependencies(&root.join("crates/adapters-http/Cargo.toml")).contains("adapters-postgres")
    );
}

#[test]
fn every_source_file_starts_with_a_module_doc_line() {
    let undocumented: Vec<String> = source_files()
        .into_iter()
        .filter(|file| {
            let text = fs::read_to_string(file).unwrap_or_default();
            let first = text.lines().next().unwrap_or_default();
            !(first.starts_with("//!")
                || first.starts_with("#![doc")
                || first.starts_with("// @generated"))
        })
        .map(|file| file.display().to_string())
        .collect();
    assert!(
        undocumented.is_empty(),
        "files without a `//!` line: {undocumented:#?}"
    );
}

#[test]
fn every_library_crate_uses_its_readme_as_crate_doc() {
    let root = workspace_root();
    for entry in fs::read_dir(root.join("crates"))
        .expect("crates/")
        .flatten()
    {
        let lib = entry.path().join("src/lib.rs");
        if !lib.exists() {
            continue;
        }
        assert!(
            entry.path().join("README.md").exists(),
            "{} has no README.md",
            entry.path().display()
        );
        let text = fs::read_to_string(&lib).expect("lib.rs");
        assert!(
            text.starts_with("#![doc = include_str!(\"../README.md\")]"),
            "{} does not start with its README as crate doc",
            lib.display()
        );
        assert!(
            text.contains("#![forbid(unsafe_code)]"),
            "{} allows unsafe code",
            lib.display()
        );
    }
}

#[test]
fn the_generated_schema_is_never_edited_by_hand() {
    let schema =
        fs::read_to_string(workspace_root().join("crates/adapters-postgres/src/schema.rs"))
            .expect("schema");
    assert!(schema.starts_with("// @generated automatically by Diesel CLI."));
}

#[test]
fn the_readme_shows_the_two_setup_commands() {
    let readme = fs::read_to_string(workspace_root().join("README.md")).expect("README");
    assert!(readme.contains("cargo xtask dev") && readme.contains("cargo xtask test"));
    let ci = fs::read_to_string(workspace_root().join(".ci/run")).expect(".ci/run");
    assert!(
        ci.contains("cargo xtask test"),
        ".ci/run must run the README's test command"
    );
}

#[test]
fn every_migration_has_up_and_down() {
    for entry in fs::read_dir(workspace_root().join("migrations"))
        .expect("migrations/")
        .flatten()
    {
        if entry.path().is_dir() {
            assert!(
                entry.path().join("up.sql").exists(),
                "{} lacks up.sql",
                entry.path().display()
            );
            assert!(
                entry.path().join("down.sql").exists(),
                "{} lacks down.sql",
                entry.path().display()
            );
        }
    }
}

/// Architecture Invariant: everything sealed with the master key is sealed anew by
/// `admin rotate-master-key`. A new sealed column, or a new place that seals, must be
/// added to `SealedRef`, the `SealedValueStore` adapter and `runtime/reseal.rs`.
#[test]
fn every_sealed_value_is_reached_by_the_master_key_rotation() {
    let root = workspace_root();
    let schema =
        fs::read_to_string(root.join("crates/adapters-postgres/src/schema.rs")).expect("schema");
    let adapter =
        fs::read_to_string(root.join("crates/adapters-postgres/src/repositories/sealed_values.rs"))
            .expect("the SealedValueStore adapter");
    let unreached: Vec<&str> = schema
        .lines()
        .filter_map(|line| line.trim().split(" -> ").next())
        .filter(|column| column.contains("sealed") && !adapter.contains(*column))
        .collect();
    assert!(
        unreached.is_empty(),
        "sealed columns the rotation does not re-seal: {unreached:?}"
    );

    let app = root.join("crates/app/src");
    let mut files = Vec::new();
    rust_files(&app, &mut files);
    let mut sealing: Vec<String> = files
        .iter()
        .filter(|file| {
            fs::read_to_string(file)
                .unwrap_or_default()
                .contains(".seal(")
        })
        .filter_map(|file| file.strip_prefix(&app).ok())
        .map(|file| file.display().to_string())
        .filter(|file| !["runtime/master_key.rs", "runtime/reseal.rs"].contains(&file.as_str()))
        .collect();
    sealing.sort();
    assert_eq!(
        sealing,
        [
            "api/middleware/idempotency.rs",
            // Imported webhook secrets: the same columns and labels as services/webhooks.rs.
            "archive/lines/webhook.rs",
            "runtime/key_ring.rs",
            "services/webhooks.rs"
        ],
        "the places that seal with the master key; each kind of value they seal must be \
         a `SealedRef` that `admin rotate-master-key` seals anew"
    );
}
