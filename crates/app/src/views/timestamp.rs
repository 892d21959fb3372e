//! Timestamps in views: RFC 3339 in UTC (`2026-12-07T16:06:08.356403Z`), the text of
//! `time`'s `Rfc3339` written on the stack instead of into a `String` first, since
//! every runtime answer carries one or two.
//!
//! Views use it as `#[serde(with = "super::timestamp")]` (or `super::timestamp::option`).

use serde::Serializer;
use time::OffsetDateTime;

/// `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`: the longest text of a UTC instant.
const MAX_LEN: usize = 30;

/// An instant as RFC 3339 text, on the stack.
struct Text {
    bytes: [u8; MAX_LEN],
    len: usize,
}

impl Text {
    /// The text of a UTC instant of the years 0 to 9999; `None` for any other, which
    /// `time` formats (or refuses) instead.
    fn utc(at: OffsetDateTime) -> Option<Self> {
        let year = u32::try_from(at.year()).ok().filter(|y| *y <= 9999)?;
        if !at.offset().is_utc() {
            return None;
        }
        let mut text = Self {
            bytes: [0; MAX_LEN],
            len: 0,
        };
        text.digits(year, 4);
        text.push(b'-');
        text.digits(u32::from(u8::from(at.month())), 2);
        text.push(b'-');
        text.digits(u32::from(at.day()), 2);
        text.push(b'T');
        text.digits(u32::from(at.hour()), 2);
        text.push(b':');
        text.digits(u32::from(at.minute()), 2);
        text.push(b':');
        text.digits(u32::from(at.second()), 2);
        let nanos = at.nanosecond();
        if nanos != 0 {
            text.push(b'.');
            text.digits(nanos, 9);
            // As `time` writes it: the fraction without its trailing zeros.
            while text.bytes[text.len - 1] == b'0' {
                text.len -= 1;
            }
        }
        text.push(b'Z');
        Some(text)
    }

    fn push(&mut self, byte: u8) {
        self.bytes[self.len] = byte;
        self.len += 1;
    }

    /// `value` in exactly `width` decimal digits, zero-padded.
    fn digits(&mut self, mut value: u32, width: usize) {
        for slot in self.bytes[self.len..self.len + width].iter_mut().rev() {
            *slot = b'0' + (value % 10) as u8;
            value /= 10;
        }
        self.len += width;
    }

    fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.bytes[..self.len]).ok()
    }
}

/// Serialises an instant as RFC 3339.
pub(crate) fn serialize<S: Serializer>(
    at: &OffsetDateTime,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match Text::utc(*at).as_ref().and_then(Text::as_str) {
        Some(text) => serializer.serialize_str(text),
        None => time::serde::rfc3339::serialize(at, serializer),
    }
}

/// The same for an optional instant (`null` when absent).
pub(crate) mod option {
    use serde::Serializer;
    use time::OffsetDateTime;

    /// Serialises an optional instant as RFC 3339 or `null`.
    pub(crate) fn serialize<S: Serializer>(
        at: &Option<OffsetDateTime>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => super::serialize(at, serializer),
            None => serializer.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;
    use time::macros::datetime;

    fn written(at: OffsetDateTime) -> String {
        let mut out = Vec::new();
        super::serialize(&at, &mut serde_json::Serializer::new(&mut out)).expect("serialises");
        String::from_utf8(out).expect("utf-8")
    }

    fn by_time(at: OffsetDateTime) -> String {
        format!("\"{}\"", at.format(&Rfc3339).expect("formats"))
    }

    #[test]
    fn fractions_lose_their_trailing_zeros_as_in_time() {
        assert_eq!(
            written(datetime!(2026-12-07 16:06:08.356403 UTC)),
            "\"2026-12-07T16:06:08.356403Z\""
        );
        assert_eq!(
            written(datetime!(2026-01-02 03:04:05 UTC)),
            "\"2026-01-02T03:04:05Z\""
        );
        assert_eq!(
            written(datetime!(0001-01-01 00:00:00.000000001 UTC)),
            "\"0001-01-01T00:00:00.000000001Z\""
        );
    }

    #[test]
    fn other_offsets_are_written_by_time() {
        let at = datetime!(2026-12-07 16:06:08.5 +02:00);
        assert_eq!(written(at), "\"2026-12-07T16:06:08.5+02:00\"");
    }

    #[test]
    fn an_absent_instant_is_null() {
        let mut out = Vec::new();
        super::option::serialize(&None, &mut serde_json::Serializer::new(&mut out))
            .expect("serialises");
        assert_eq!(out, b"null");
    }

    proptest! {
        #[test]
        fn every_utc_instant_reads_as_time_writes_it(
            seconds in -62_167_219_200i64..253_402_300_800,
            nanos in prop_oneof![Just(0u32), 0u32..1_000_000_000, (0u32..1_000_000).prop_map(|n| n * 1_000)],
        ) {
            let at = OffsetDateTime::from_unix_timestamp(seconds)
                .expect("in range")
                .replace_nanosecond(nanos)
                .expect("a nanosecond");
            prop_assert_eq!(written(at), by_time(at));
        }
    }
}
