//! License keys: generation, the check code, and matching of what customers type.
//!
//! A generated key reads `PREFIX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX`: 21 random Crockford
//! base32 symbols (105 bits from the OS CSPRNG) followed by 4 check symbols. The first
//! check symbol is a Luhn mod 32 digit over the random part, so every single mistyped
//! symbol and most swaps of neighbours are caught; the other three are 15 bits of
//! SHA-256 over prefix and body, so a made-up key passes with odds of 1 in 2^20.
//! Both checks run without a database read.
//!
//! Imported keys (vendors migrating from another system) are free-form, 8..=128
//! characters. Matching ignores case, hyphens and spaces for every key.

use std::fmt;

use ring::digest::{Context, SHA256};
use ring::rand::{SecureRandom, SystemRandom};

use crate::ValidationError;
use crate::crockford;
use crate::key_prefix::KeyPrefix;

const GROUPS: usize = 5;
const GROUP_LEN: usize = 5;
const BODY_LEN: usize = 21;
const SYMBOLS: usize = GROUPS * GROUP_LEN;
const CHECK_LEN: usize = SYMBOLS - BODY_LEN;

/// A license key as shown to people, with the normalised form used to look it up.
///
/// `Debug` shows only the prefix: license keys are credentials and stay out of logs.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct LicenseKey {
    display: String,
    lookup: String,
}

/// Why a presented key was refused before any lookup.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyRejected {
    /// Empty, longer than any key we issue or import, or with a character no key
    /// has (keys are visible ASCII and spaces).
    #[error("license key is empty, too long or has characters no key has")]
    Malformed,
    /// Shaped like a generated key, but its check code is wrong (mistyped or made up).
    #[error("license key check code does not match")]
    BadCheckCode,
}

impl LicenseKey {
    /// Generates a fresh key under `prefix` from the operating system's CSPRNG.
    ///
    /// # Panics
    /// Only if the operating system cannot provide random bytes, which leaves no
    /// safe way to issue a key at all.
    #[allow(clippy::expect_used)]
    pub fn generate(prefix: &KeyPrefix) -> Self {
        let mut random = [0u8; 14];
        SystemRandom::new()
            .fill(&mut random)
            .expect("the operating system CSPRNG is unavailable");
        let body = crockford::encode_bits(&random, BODY_LEN);
        Self::assemble(prefix.as_str(), &body)
    }

    /// Accepts a vendor-supplied key (8..=128 visible ASCII characters or spaces).
    ///
    /// A key shaped like a generated key must carry a valid check code, so that the
    /// early rejection of made-up keys stays sound.
    pub fn import(raw: &str) -> Result<Self, ValidationError> {
        let raw = raw.trim();
        let printable = raw.bytes().all(|b| b.is_ascii_graphic() || b == b' ');
        if !(8..=128).contains(&raw.len()) || !printable {
            return Err(ValidationError::new(
                "must be 8 to 128 visible ASCII characters",
            ));
        }
        match Self::parse_generated(raw) {
            Some(Ok(key)) => Ok(key),
            Some(Err(_)) => Err(ValidationError::new(
                "has the shape of a generated key but its check code is wrong",
            )),
            None => Ok(Self {
                display: raw.to_owned(),
                lookup: normalise(raw),
            }),
        }
    }

    /// Interprets a key presented by a client (runtime endpoints, `GET /licenses/{key}`).
    ///
    /// Generated-shaped keys are verified here and canonicalised (Crockford aliases
    /// `O`→`0`, `I`/`L`→`1` are accepted); anything else may be an imported key.
    pub fn parse_presented(raw: &str) -> Result<Self, KeyRejected> {
        let raw = raw.trim();
        let printable = raw.bytes().all(|b| b.is_ascii_graphic() || b == b' ');
        if raw.is_empty() || raw.len() > 256 || !printable {
            return Err(KeyRejected::Malformed);
        }
        match Self::parse_generated(raw) {
            Some(result) => result,
            None => Ok(Self {
                display: raw.to_owned(),
                lookup: normalise(raw),
            }),
        }
    }

    /// Rebuilds a key read back from storage.
    pub fn from_storage(display: String) -> Self {
        let lookup = normalise(&display);
        Self { display, lookup }
    }

    /// The key as issued: what the customer types and the vendor sees.
    pub fn as_str(&self) -> &str {
        &self.display
    }

    /// Upper-case, without hyphens and spaces: the form keys are matched by.
    pub fn lookup_form(&self) -> &str {
        &self.lookup
    }

    /// The key with its lookup form alone: what a lookup needs, without a copy.
    pub fn into_lookup_form(self) -> String {
        self.lookup
    }

    fn assemble(prefix: &str, body: &str) -> Self {
        let mut symbols = [0u8; SYMBOLS];
        symbols[..BODY_LEN].copy_from_slice(body.as_bytes());
        let check = check_code(prefix.as_bytes(), &symbols[..BODY_LEN]);
        symbols[BODY_LEN..].copy_from_slice(&check);
        Self::from_symbols(prefix.as_bytes(), &symbols)
    }

    /// The canonical key from its prefix and its 25 verified symbols (ASCII).
    fn from_symbols(prefix: &[u8], symbols: &[u8; SYMBOLS]) -> Self {
        fn ascii(bytes: &[u8]) -> impl Iterator<Item = char> + '_ {
            bytes.iter().copied().map(char::from)
        }
        let mut display = String::with_capacity(prefix.len() + GROUPS * (GROUP_LEN + 1));
        display.extend(ascii(prefix));
        for group in symbols.chunks(GROUP_LEN) {
            display.push('-');
            display.extend(ascii(group));
        }
        let mut lookup = String::with_capacity(prefix.len() + SYMBOLS);
        lookup.extend(ascii(prefix));
        lookup.extend(ascii(symbols));
        Self { display, lookup }
    }

    /// `None` when `raw` is not shaped like a generated key; otherwise the verdict.
    ///
    /// Runs on every runtime request before any lookup, so it works on the stack:
    /// the only allocations are those of the key it returns.
    fn parse_generated(raw: &str) -> Option<Result<Self, KeyRejected>> {
        let mut parts = raw.split('-');
        let prefix = Part::<{ KeyPrefix::MAX_LEN }>::read(parts.next()?)?;
        if prefix.len < KeyPrefix::MIN_LEN {
            return None;
        }
        let mut symbols = [0u8; SYMBOLS];
        for group in symbols.chunks_exact_mut(GROUP_LEN) {
            let part = Part::<GROUP_LEN>::read(parts.next()?)?;
            if part.len != GROUP_LEN {
                return None;
            }
            group.copy_from_slice(&part.bytes);
        }
        if parts.next().is_some() {
            return None;
        }
        for symbol in &mut symbols {
            *symbol = match *symbol {
                b'O' => b'0',
                b'I' | b'L' => b'1',
                other if crockford::value(other).is_some() => other,
                _ => return Some(Err(KeyRejected::BadCheckCode)),
            };
        }
        let (body, check) = symbols.split_at(BODY_LEN);
        if check_code(prefix.as_bytes(), body) != check {
            return Some(Err(KeyRejected::BadCheckCode));
        }
        Some(Ok(Self::from_symbols(prefix.as_bytes(), &symbols)))
    }
}

/// One hyphen-separated part of a presented key, upper-cased and without spaces, on
/// the stack.
struct Part<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> Part<N> {
    /// `None` unless `raw` holds 1 to `N` letters and digits (spaces aside).
    fn read(raw: &str) -> Option<Self> {
        let mut part = Self {
            bytes: [0; N],
            len: 0,
        };
        for byte in raw.bytes().filter(|b| *b != b' ') {
            if !byte.is_ascii_alphanumeric() {
                return None;
            }
            *part.bytes.get_mut(part.len)? = byte.to_ascii_uppercase();
            part.len += 1;
        }
        (part.len > 0).then_some(part)
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl fmt::Debug for LicenseKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let visible = self.display.split('-').next().unwrap_or_default();
        write!(f, "LicenseKey({visible}-<redacted>)")
    }
}

fn normalise(raw: &str) -> String {
    raw.chars()
        .filter(|c| *c != '-' && *c != ' ')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Luhn mod 32 over the body, then 15 bits of SHA-256(prefix "-" body).
fn check_code(prefix: &[u8], body: &[u8]) -> [u8; CHECK_LEN] {
    let mut code = [0u8; CHECK_LEN];
    code[0] = crockford::symbol(luhn_mod_32(body));
    let mut hash = Context::new(&SHA256);
    hash.update(prefix);
    hash.update(b"-");
    hash.update(body);
    crockford::encode_bits_into(hash.finish().as_ref(), &mut code[1..]);
    code
}

/// The Luhn mod 32 check digit of a run of symbols.
fn luhn_mod_32(symbols: &[u8]) -> u8 {
    const N: u32 = 32;
    let sum: u32 = symbols
        .iter()
        .filter_map(|s| crockford::value(*s))
        .map(u32::from)
        .rev()
        .enumerate()
        .map(|(i, v)| {
            let addend = if i % 2 == 0 { v * 2 } else { v };
            addend / N + addend % N
        })
        .sum();
    u8::try_from((N - sum % N) % N).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn lic() -> KeyPrefix {
        KeyPrefix::parse("LIC").expect("valid prefix")
    }

    #[test]
    fn generated_keys_have_the_documented_shape() {
        let key = LicenseKey::generate(&lic());
        let parts: Vec<&str> = key.as_str().split('-').collect();
        assert_eq!(parts[0], "LIC");
        assert_eq!(parts.len(), 1 + GROUPS);
        assert!(parts[1..].iter().all(|g| g.len() == GROUP_LEN));
        assert!(
            key.as_str()
                .bytes()
                .skip(4)
                .all(|b| b == b'-' || crockford::value(b).is_some())
        );
    }

    #[test]
    fn generated_keys_differ() {
        let a = LicenseKey::generate(&lic());
        let b = LicenseKey::generate(&lic());
        assert_ne!(a, b);
    }

    #[test]
    fn a_made_up_key_of_the_right_shape_is_rejected() {
        let made_up = "LIC-AAAAA-BBBBB-CCCCC-DDDDD-EEEEE";
        assert_eq!(
            LicenseKey::parse_presented(made_up),
            Err(KeyRejected::BadCheckCode)
        );
    }

    #[test]
    fn a_changed_prefix_is_rejected() {
        let key = LicenseKey::generate(&lic());
        let other = key.as_str().replacen("LIC", "LID", 1);
        assert_eq!(
            LicenseKey::parse_presented(&other),
            Err(KeyRejected::BadCheckCode)
        );
    }

    /// Keys issued by earlier versions: the check code is part of every key sold, so
    /// it may never change.
    #[test]
    fn keys_issued_before_stay_valid() {
        for issued in [
            "LIC-D7ZNX-D9R0Z-X5N0M-PJXPJ-CQG0X",
            "LIC-2FP0H-W4YYG-W529W-ATY59-C2JJ8",
            "LIC-XQ2WY-H10HS-4X8AK-04D8V-S9ZT5",
        ] {
            let key = LicenseKey::parse_presented(issued).expect(issued);
            assert_eq!(key.as_str(), issued);
            assert_eq!(key.into_lookup_form(), issued.replace('-', ""));
        }
    }

    #[test]
    fn crockford_aliases_read_as_the_symbols_they_resemble() {
        let key = LicenseKey::parse_presented("LIC-D7ZNX-D9R0Z-X5N0M-PJXPJ-CQG0X").expect("valid");
        let typed = "lic-d7znx-d9roz-x5nom-pjxpj-cqgox";
        assert_eq!(LicenseKey::parse_presented(typed), Ok(key));
        let with_one = "LIC-XQ2WY-H1OHS-4X8AK-O4D8V-S9ZT5";
        for alias in ["I", "L", "i", "l"] {
            let typed = with_one.replacen("H1", &format!("H{alias}"), 1);
            assert_eq!(
                LicenseKey::parse_presented(&typed).map(|k| k.as_str().to_owned()),
                Ok("LIC-XQ2WY-H10HS-4X8AK-04D8V-S9ZT5".to_owned()),
                "{typed}"
            );
        }
    }

    #[test]
    fn keys_not_shaped_like_generated_ones_are_left_to_the_lookup() {
        for free_form in [
            "LICENSE99-D7ZNX-D9R0Z-X5N0M-PJXPJ-CQG0X",
            "L-D7ZNX-D9R0Z-X5N0M-PJXPJ-CQG0X",
            "LIC-D7ZNXX-D9R0Z-X5N0M-PJXPJ-CQG0",
            "LIC-D7ZNX-D9R0Z-X5N0M-PJXPJ",
            "LIC-D7ZNX-D9R0Z-X5N0M-PJXPJ-CQG0X-",
            "LIC--D7ZNX-D9R0Z-X5N0M-PJXPJ-CQG0X",
            "LIC-D7ZNX-D9R0Z-X5N0M-PJXPJ-CQG0_",
        ] {
            let key = LicenseKey::parse_presented(free_form).expect(free_form);
            assert_eq!(key.as_str(), free_form, "kept as typed");
        }
        assert_eq!(
            LicenseKey::parse_presented("LIC-D7ZNX-D9R0Z-X5N0M-PJXPJ-CQG0U"),
            Err(KeyRejected::BadCheckCode),
            "shaped like a generated key, with a symbol outside the alphabet"
        );
    }

    #[test]
    fn free_form_keys_are_left_to_the_lookup() {
        let key = LicenseKey::parse_presented("legacy key 1234").expect("free-form");
        assert_eq!(key.lookup_form(), "LEGACYKEY1234");
    }

    #[test]
    fn imports_must_be_8_to_128_printable_characters() {
        assert!(LicenseKey::import("short").is_err());
        assert!(LicenseKey::import(&"k".repeat(129)).is_err());
        assert!(LicenseKey::import("tab\there1").is_err());
        assert_eq!(
            LicenseKey::import("OLD-SYSTEM-KEY-0001").map(|k| k.as_str().to_owned()),
            Ok("OLD-SYSTEM-KEY-0001".to_owned())
        );
    }

    #[test]
    fn presented_keys_with_characters_no_key_has_are_refused_on_sight() {
        // A NUL once reached PostgreSQL, which refuses it in text (a 500).
        for raw in [
            "OLD-SYSTEM\0KEY-0001",
            "OLD-SYSTEM-KEY-\u{e9}001",
            "tab\there-key-1",
        ] {
            assert_eq!(
                LicenseKey::parse_presented(raw).map(|k| k.as_str().to_owned()),
                Err(KeyRejected::Malformed),
                "{raw:?}"
            );
        }
        assert!(LicenseKey::parse_presented("old system key 0001").is_ok());
    }

    #[test]
    fn imports_shaped_like_generated_keys_need_a_valid_check_code() {
        assert!(LicenseKey::import("LIC-AAAAA-BBBBB-CCCCC-DDDDD-EEEEE").is_err());
        let real = LicenseKey::generate(&lic());
        assert_eq!(LicenseKey::import(real.as_str()), Ok(real));
    }

    #[test]
    fn debug_hides_the_secret_part() {
        let key = LicenseKey::generate(&lic());
        let shown = format!("{key:?}");
        assert!(shown.contains("LIC"));
        assert!(!shown.contains(&key.as_str()[4..9]));
    }

    fn any_key() -> impl Strategy<Value = LicenseKey> {
        "[A-Z0-9]{2,8}".prop_map(|p| LicenseKey::generate(&KeyPrefix::parse(&p).expect("valid")))
    }

    proptest! {
        #[test]
        fn every_generated_key_verifies(key in any_key()) {
            prop_assert_eq!(LicenseKey::parse_presented(key.as_str()), Ok(key));
        }

        #[test]
        fn matching_ignores_case_hyphens_and_spaces(key in any_key()) {
            let lower = key.as_str().to_lowercase();
            let spaced = key.as_str().replace('-', " ");
            let bare = key.as_str().replace('-', "");
            prop_assert_eq!(LicenseKey::parse_presented(&lower).map(|k| k.lookup), Ok(key.lookup.clone()));
            prop_assert_eq!(LicenseKey::parse_presented(&spaced).map(|k| k.lookup), Ok(key.lookup.clone()));
            prop_assert_eq!(LicenseKey::parse_presented(&bare).map(|k| k.lookup), Ok(key.lookup.clone()));
        }

        #[test]
        fn every_single_symbol_typo_in_the_body_is_caught(
            key in any_key(),
            position in 0..BODY_LEN,
            replacement in 0u8..32,
        ) {
            let prefix_len = key.as_str().find('-').expect("has a prefix");
            let index = prefix_len + 1 + position + position / GROUP_LEN;
            let mut typed = key.as_str().as_bytes().to_vec();
            let new_symbol = crockford::symbol(replacement);
            prop_assume!(typed[index] != new_symbol);
            typed[index] = new_symbol;
            let typed = String::from_utf8(typed).expect("ascii");
            prop_assert_eq!(LicenseKey::parse_presented(&typed), Err(KeyRejected::BadCheckCode));
        }

        #[test]
        fn presenting_arbitrary_text_never_panics(raw in ".{0,300}") {
            let _ = LicenseKey::parse_presented(&raw);
            let _ = LicenseKey::import(&raw);
        }
    }
}
