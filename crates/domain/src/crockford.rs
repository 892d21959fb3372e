//! Crockford base32: the unambiguous alphabet of license keys (no I, L, O, U).

/// The 32 symbols, in value order.
pub const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The symbol for a 5-bit value (only the low five bits are used).
pub fn symbol(value: u8) -> char {
    char::from(ALPHABET[usize::from(value & 0x1f)])
}

/// The 5-bit value of an upper-case symbol, or `None` outside the alphabet.
pub fn value(symbol: u8) -> Option<u8> {
    ALPHABET
        .iter()
        .position(|&s| s == symbol)
        .and_then(|p| u8::try_from(p).ok())
}

/// Encodes `count` symbols from the bit stream of `bytes` (most significant bit first).
/// `bytes` must hold at least `count * 5` bits.
pub fn encode_bits(bytes: &[u8], count: usize) -> String {
    (0..count)
        .map(|i| {
            let value = (0..5).fold(0u8, |acc, bit| {
                let index = i * 5 + bit;
                let set = bytes
                    .get(index / 8)
                    .is_some_and(|byte| byte & (0x80 >> (index % 8)) != 0);
                (acc << 1) | u8::from(set)
            });
            symbol(value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_alphabet_has_no_ambiguous_letters() {
        for letter in [b'I', b'L', b'O', b'U'] {
            assert_eq!(value(letter), None);
        }
    }

    #[test]
    fn symbols_and_values_round_trip() {
        for v in 0..32u8 {
            let s = symbol(v);
            assert_eq!(value(u8::try_from(s).expect("ascii")), Some(v));
        }
    }

    #[test]
    fn bits_are_read_most_significant_first() {
        assert_eq!(encode_bits(&[0b1111_1000, 0], 2), "Z0");
        assert_eq!(encode_bits(&[0b0000_0111, 0b1100_0000], 3), "0Z0");
    }
}
