//! The x86-64 level the bundled C code was compiled for, checked once at start-up.
//!
//! `.cargo/config.toml` builds the C code of ring (Ed25519 signing) for x86-64-v3
//! (AVX2 and its companions): a signature then costs about a quarter less, and the
//! signature is most of what a validation costs. A binary built that way cannot run on
//! an x86-64 CPU older than that level (before Haswell or Excavator, 2013–2015), and
//! would only find out at its first signature, with an illegal instruction. This check
//! finds out first and says how to build for such a CPU (the CPU section of
//! docs/operations.md).

/// The C compiler flags of this build for x86-64 Linux, as Cargo handed them to the
/// build scripts (`[env]` of `.cargo/config.toml`, or the builder's own environment).
const C_FLAGS: Option<&str> = option_env!("CFLAGS_x86_64_unknown_linux_gnu");

/// What the x86-64-v3 level adds to the baseline, in `is_x86_feature_detected!` names.
const X86_64_V3: [&str; 8] = [
    "avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "lzcnt", "movbe",
];

/// The CPU features the C code of this build needs that `has` says are missing.
fn missing_features(c_flags: Option<&str>, has: impl Fn(&str) -> bool) -> Vec<&'static str> {
    let wants_v3 = c_flags.is_some_and(|flags| {
        flags
            .split_whitespace()
            .any(|flag| flag == "-march=x86-64-v3")
    });
    if !wants_v3 {
        return Vec::new();
    }
    X86_64_V3
        .into_iter()
        .filter(|feature| !has(feature))
        .collect()
}

/// Whether this CPU has `feature` (one of [`X86_64_V3`]).
#[cfg(target_arch = "x86_64")]
fn cpu_has(feature: &str) -> bool {
    match feature {
        "avx" => std::arch::is_x86_feature_detected!("avx"),
        "avx2" => std::arch::is_x86_feature_detected!("avx2"),
        "bmi1" => std::arch::is_x86_feature_detected!("bmi1"),
        "bmi2" => std::arch::is_x86_feature_detected!("bmi2"),
        "f16c" => std::arch::is_x86_feature_detected!("f16c"),
        "fma" => std::arch::is_x86_feature_detected!("fma"),
        "lzcnt" => std::arch::is_x86_feature_detected!("lzcnt"),
        "movbe" => std::arch::is_x86_feature_detected!("movbe"),
        _ => false,
    }
}

/// Elsewhere the x86-64 flags do not apply: nothing is missing.
#[cfg(not(target_arch = "x86_64"))]
fn cpu_has(_feature: &str) -> bool {
    true
}

/// Checks that this CPU can run this build's C code; the error says what is missing
/// and how to build for this CPU instead.
pub fn check() -> Result<(), String> {
    let missing = missing_features(C_FLAGS, cpu_has);
    if missing.is_empty() {
        Ok(())
    } else {
        Err(refusal(&missing))
    }
}

fn refusal(missing: &[&str]) -> String {
    format!(
        "this licentia binary was built for x86-64-v3 CPUs (its Ed25519 signing code), \
         and this CPU lacks {}. Build it for this CPU with \
         `CFLAGS_x86_64_unknown_linux_gnu= cargo build --release --package licentia` \
         (see the CPU section of docs/operations.md).",
        missing.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_v3_build_needs_every_v3_feature_the_cpu_lacks() {
        let missing = missing_features(Some("-O2 -march=x86-64-v3"), |f| {
            !matches!(f, "avx2" | "movbe")
        });
        assert_eq!(missing, ["avx2", "movbe"]);
    }

    #[test]
    fn a_v3_build_runs_on_a_cpu_with_every_v3_feature() {
        assert!(missing_features(Some("-march=x86-64-v3"), |_| true).is_empty());
    }

    #[test]
    fn a_baseline_build_runs_anywhere() {
        for flags in [None, Some(""), Some("-O2"), Some("-march=x86-64")] {
            assert!(missing_features(flags, |_| false).is_empty(), "{flags:?}");
        }
    }

    #[test]
    fn the_refusal_names_what_is_missing_and_how_to_build_instead() {
        let message = refusal(&["avx2", "bmi2"]);
        assert!(message.contains("lacks avx2, bmi2."), "{message}");
        assert!(
            message.contains("CFLAGS_x86_64_unknown_linux_gnu= cargo build"),
            "{message}"
        );
    }

    #[test]
    fn the_cpu_running_the_tests_can_run_this_build() {
        assert_eq!(check(), Ok(()));
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn on_an_avx2_cpu_every_v3_feature_is_found() {
        // A name `cpu_has` does not know would always count as missing.
        if std::arch::is_x86_feature_detected!("avx2") {
            assert!(X86_64_V3.into_iter().all(cpu_has));
        }
    }
}
