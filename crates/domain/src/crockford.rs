//! Crockford base32: the unambiguous alphabet of license keys (no I, L, O, U).

/// The 32 symbols, in value order.
pub const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The symbol (an ASCII byte) for a 5-bit value (only the low five bits are used).
pub fn symbol(value: u8) -> u8 {
    ALPHABET[usize::from(value & 0x1f)]
}

/// Marks a byte outside the alphabet in [`VALUES`].
const NONE: u8 = u8::MAX;

/// The value of every byte: its position in [`ALPHABET`], or [`NONE`].
const VALUES: [u8; 256] = {
    let mut values = [NONE; 256];
    let mut value = 0;
    while value < ALPHABET.len() {
        values[ALPHABET[value] as usize] = value as u8;
        value += 1;
    }
    values
};

/// The 5-bit value of an upper-case symbol, or `None` outside the alphabet.
pub fn value(symbol: u8) -> Option<u8> {
    let value = VALUES[usize::from(symbol)];
    (value != NONE).then_some(value)
}

/// Writes one symbol into each byte of `out` from the bit stream of `bytes` (most
/// significant bit first). `bytes` must hold at least `out.len() * 5` bits.
pub fn encode_bits_into(bytes: &[u8], out: &mut [u8]) {
    for (i, symbol_out) in out.iter_mut().enumerate() {
        let value = (0..5).fold(0u8, |acc, bit| {
            let index = i * 5 + bit;
            let set = bytes
                .get(index / 8)
                .is_some_and(|byte| byte & (0x80 >> (index % 8)) != 0);
            (acc << 1) | u8::from(set)
        });
        *symbol_out = symbol(value);
    }
}

/// Encodes `count` symbols from the bit stream of `bytes`, as [`encode_bits_into`].
pub fn encode_bits(bytes: &[u8], count: usize) -> String {
    let mut symbols = vec![0; count];
    encode_bits_into(bytes, &mut symbols);
    symbols.into_iter().map(char::from).collect()
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
    fn only_the_alphabet_has_values() {
        let valued = (0..=u8::MAX).filter(|b| value(*b).is_some()).count();
        assert_eq!(valued, ALPHABET.len());
        assert_eq!(value(b'a'), None, "symbols are upper-case");
    }

    #[test]
    fn symbols_and_values_round_trip() {
        for v in 0..32u8 {
            assert_eq!(value(symbol(v)), Some(v));
        }
    }

    #[test]
    fn bits_are_read_most_significant_first() {
        assert_eq!(encode_bits(&[0b1111_1000, 0], 2), "Z0");
        assert_eq!(encode_bits(&[0b0000_0111, 0b1100_0000], 3), "0Z0");
    }
}
