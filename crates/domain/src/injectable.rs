//! Injectables: content a vendor ships only to licensed copies of a product (a config
//! blob, a snippet, a file), text or binary, at most 1 MiB.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use time::OffsetDateTime;

use crate::ValidationError;
use crate::ids::{InjectableId, ProductId, UserId};
use crate::slug::Slug;
use crate::text::{BoundedText, Name};

/// Largest content, in bytes (after base64 decoding).
pub const MAX_CONTENT_BYTES: usize = 1024 * 1024;

/// A media type such as `application/json` or `text/x-php; charset=utf-8`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentType(String);

impl ContentType {
    /// `type/subtype` with optional parameters, at most 255 visible ASCII characters.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let raw = raw.trim();
        let essence = raw.split(';').next().unwrap_or_default().trim();
        let token = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
        };
        let well_formed = essence
            .split_once('/')
            .is_some_and(|(kind, subtype)| token(kind) && token(subtype));
        if raw.len() > 255 || !well_formed || raw.bytes().any(|b| !(b' '..=b'~').contains(&b)) {
            return Err(ValidationError::new(
                "must be a media type such as application/json",
            ));
        }
        Ok(Self(raw.to_ascii_lowercase()))
    }

    /// The media type.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How content travels in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 text, as is.
    Text,
    /// Any bytes, base64 (standard alphabet, padded).
    Base64,
}

impl Encoding {
    /// Every encoding.
    pub const ALL: [Self; 2] = [Self::Text, Self::Base64];

    /// Parses `text` or `base64`.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        match raw {
            "text" => Ok(Self::Text),
            "base64" => Ok(Self::Base64),
            _ => Err(ValidationError::new("must be text or base64")),
        }
    }

    /// The wire and storage name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Base64 => "base64",
        }
    }
}

/// The content: bytes, and how they are shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    bytes: Vec<u8>,
    encoding: Encoding,
}

impl Content {
    /// Decodes `raw` per `encoding` and checks the size.
    pub fn parse(raw: &str, encoding: Encoding) -> Result<Self, ValidationError> {
        let bytes = match encoding {
            Encoding::Text => raw.as_bytes().to_vec(),
            Encoding::Base64 => STANDARD
                .decode(raw.trim())
                .map_err(|_| ValidationError::new("must be base64 (standard alphabet)"))?,
        };
        Self::new(bytes, encoding)
    }

    /// Wraps bytes read back from storage (text must still be UTF-8).
    pub fn new(bytes: Vec<u8>, encoding: Encoding) -> Result<Self, ValidationError> {
        if bytes.len() > MAX_CONTENT_BYTES {
            return Err(ValidationError::new("must be at most 1 MiB"));
        }
        if encoding == Encoding::Text && std::str::from_utf8(&bytes).is_err() {
            return Err(ValidationError::new("text content must be UTF-8"));
        }
        Ok(Self { bytes, encoding })
    }

    /// The bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// As shown in JSON: the text, or its bytes in base64.
    pub fn to_wire(&self) -> String {
        match self.encoding {
            Encoding::Text => String::from_utf8_lossy(&self.bytes).into_owned(),
            Encoding::Base64 => STANDARD.encode(&self.bytes),
        }
    }
}

/// Where the content is meant to go (a file path, a hook name): free text.
pub type Target = BoundedText<255>;

/// What describes an injectable, without its content (what lists show).
#[derive(Debug, Clone, PartialEq)]
pub struct InjectableSummary {
    pub id: InjectableId,
    pub owner: UserId,
    pub product_id: ProductId,
    pub name: Name,
    /// Unique within the product.
    pub slug: Slug,
    pub content_type: ContentType,
    pub encoding: Encoding,
    /// The content's size in bytes.
    pub size: u64,
    pub target: Option<Target>,
    /// Only active injectables are shipped.
    pub active: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// One injectable of a product, with its content.
#[derive(Debug, Clone, PartialEq)]
pub struct Injectable {
    pub summary: InjectableSummary,
    pub content: Content,
}

impl Injectable {
    /// Replaces the content, keeping the summary's encoding and size in step.
    pub fn set_content(&mut self, content: Content) {
        self.summary.encoding = content.encoding();
        self.summary.size = content.bytes().len() as u64;
        self.content = content;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_encoding_parses_from_its_name() {
        for encoding in Encoding::ALL {
            assert_eq!(Encoding::parse(encoding.as_str()), Ok(encoding));
        }
    }

    #[test]
    fn media_types_are_checked_and_lowercased() {
        assert_eq!(
            ContentType::parse("Application/JSON")
                .expect("valid")
                .as_str(),
            "application/json"
        );
        assert!(ContentType::parse("text/x-php; charset=utf-8").is_ok());
        for bad in ["json", "", "text/", "/plain", "text/pl\u{7}ain", "a b/c"] {
            assert!(ContentType::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn text_round_trips_as_is_and_binary_as_base64() {
        let text = Content::parse("<?php echo 1;", Encoding::Text).expect("valid");
        assert_eq!(text.to_wire(), "<?php echo 1;");
        let binary = Content::parse("AAEC/w==", Encoding::Base64).expect("valid");
        assert_eq!(binary.bytes(), [0, 1, 2, 255]);
        assert_eq!(binary.to_wire(), "AAEC/w==");
        assert!(Content::parse("not base64!", Encoding::Base64).is_err());
        assert!(Content::new(vec![0xff, 0xfe], Encoding::Text).is_err());
    }

    #[test]
    fn content_is_at_most_one_mebibyte() {
        assert!(Content::new(vec![b'a'; MAX_CONTENT_BYTES], Encoding::Text).is_ok());
        assert!(Content::new(vec![b'a'; MAX_CONTENT_BYTES + 1], Encoding::Text).is_err());
        let big = STANDARD.encode(vec![0u8; MAX_CONTENT_BYTES + 1]);
        assert!(Content::parse(&big, Encoding::Base64).is_err());
    }
}
