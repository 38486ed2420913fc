//! serde deserialization (feature `serde`) of items, responses and events into your own
//! types, borrowing from the response where it can.
//!
//! Values map to Rust types as the protocol writes them: numbers as numbers, booleans as
//! `0`/`1`, text unescaped (a `&str` or `Cow<str>` field borrows when the value needs no
//! unescaping; `Cow` then falls back to an owned copy, `&str` to an error), lists such as
//! `client_servergroups=6,8` as `Vec<_>`, absent keys as `None` (or `#[serde(default)]`),
//! and a bare key (`-flag` style, no `=`) as present but empty.
//!
//! ```
//! use std::borrow::Cow;
//! #[derive(serde::Deserialize)]
//! struct Entry<'a> {
//!     clid: u32,
//!     #[serde(borrow)]
//!     client_nickname: Cow<'a, str>,
//!     client_servergroups: Vec<u32>,
//!     client_away: bool,
//!     client_country: Option<String>,
//! }
//! let r = ts3q::Response::parse(
//!     "clid=1 client_nickname=Ben client_servergroups=6,8 client_away=1|\
//!      clid=2 client_nickname=Al\\sCapone client_servergroups=8 client_away=0 client_country=DE".into(),
//!     "error id=0 msg=ok".into(),
//! ).unwrap();
//! let all: Vec<Entry> = r.deserialize().unwrap();
//! assert!(matches!(all[0].client_nickname, Cow::Borrowed("Ben"))); // no copy
//! assert_eq!(all[1].client_nickname, "Al Capone");                  // unescaped
//! assert_eq!((all[0].client_servergroups.clone(), all[0].client_away), (vec![6, 8], true));
//! assert_eq!(all[1].client_country.as_deref(), Some("DE"));
//! assert_eq!(all[0].client_country, None);
//! ```

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};

use crate::parse::{is_secret_key, Event, Item, ItemsIter, Response, Value};

/// Why a value did not fit the type asked for: which key, its value (credentials redacted),
/// and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeError {
    /// The key, when the error is about one value.
    pub key: Option<String>,
    /// The raw value (`<redacted>` for passwords, API keys and transfer keys).
    pub value: Option<String>,
    /// What was wrong.
    pub msg: String,
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.key, &self.value) {
            (Some(k), Some(v)) => write!(f, "{k}={v}: {}", self.msg),
            (Some(k), None) => write!(f, "{k}: {}", self.msg),
            _ => f.write_str(&self.msg),
        }
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError {
            key: None,
            value: None,
            msg: msg.to_string(),
        }
    }
}

impl<'a> Item<'a> {
    /// Deserializes this item into `T` (a struct with a field per key, or a map).
    pub fn deserialize<T: de::Deserialize<'a>>(&self) -> Result<T, DeError> {
        T::deserialize(ItemDe { item: *self })
    }
}

impl Response {
    /// Deserializes every item: `Vec<T>` (or any sequence), or one `T` from the first item.
    pub fn deserialize<'a, T: de::Deserialize<'a>>(&'a self) -> Result<T, DeError> {
        T::deserialize(ItemsDe { items: self.iter() })
    }
}

impl Event {
    /// Deserializes the event's items, as [`Response::deserialize`]: a struct from its first
    /// item, or a `Vec` of all of them.
    pub fn deserialize<'a, T: de::Deserialize<'a>>(&'a self) -> Result<T, DeError> {
        T::deserialize(ItemsDe { items: self.iter() })
    }
}

/// A sequence of items; asked for a struct or a map, the first item.
struct ItemsDe<'a> {
    items: ItemsIter<'a>,
}

impl<'a> ItemsDe<'a> {
    fn first(mut self) -> Result<ItemDe<'a>, DeError> {
        let item = self
            .items
            .next()
            .ok_or_else(|| de::Error::custom("no item"))?;
        Ok(ItemDe { item })
    }
}

impl<'de> de::Deserializer<'de> for ItemsDe<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_seq(v)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_seq(ItemSeq { items: self.items })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        self.first()?.deserialize_struct(name, fields, v)
    }

    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.first()?.deserialize_map(v)
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.items.len() == 0 {
            true => v.visit_none(),
            false => v.visit_some(self),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct newtype_struct tuple tuple_struct enum identifier ignored_any
    }
}

struct ItemSeq<'a> {
    items: ItemsIter<'a>,
}

impl<'de> SeqAccess<'de> for ItemSeq<'de> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        self.items
            .next()
            .map(|item| seed.deserialize(ItemDe { item }))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// One item: a map from its keys to its values.
#[derive(Clone, Copy)]
struct ItemDe<'a> {
    item: Item<'a>,
}

impl<'de> de::Deserializer<'de> for ItemDe<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_map(v)
    }

    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_map(Fields {
            fields: self.item.iter(),
            value: None,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_map(v)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct enum identifier
        ignored_any
    }
}

/// A key. A struct's field names are matched as bytes (no UTF-8 check: keys are ASCII, and a
/// key that is not cannot match a field); a map's keys are read as text.
struct KeyDe<'a>(&'a [u8]);

impl<'de> de::Deserializer<'de> for KeyDe<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        let key =
            std::str::from_utf8(self.0).map_err(|_| de::Error::custom("a key is not UTF-8"))?;
        v.visit_borrowed_str(key)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_borrowed_bytes(self.0)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        ignored_any
    }
}

struct Fields<'a, I> {
    fields: I,
    value: Option<(&'a [u8], Value<'a>)>,
}

impl<'de, I: Iterator<Item = (&'de [u8], Value<'de>)>> MapAccess<'de> for Fields<'de, I> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some((key, value)) = self.fields.next() else {
            return Ok(None);
        };
        self.value = Some((key, value));
        seed.deserialize(KeyDe(key)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let (key, value) = self
            .value
            .take()
            .ok_or_else(|| de::Error::custom("a value without its key"))?;
        // An error a type's own Deserialize raised (`custom`) gets the key and value too.
        seed.deserialize(ValueDe { key, value })
            .map_err(|e| match e.key {
                None => ValueDe { key, value }.error(e.msg),
                Some(_) => e,
            })
    }
}

/// One value, with its key for error messages.
struct ValueDe<'a> {
    key: &'a [u8],
    value: Value<'a>,
}

impl<'a> ValueDe<'a> {
    fn error(&self, msg: impl fmt::Display) -> DeError {
        let shown = if is_secret_key(self.key) {
            "<redacted>".to_string()
        } else {
            String::from_utf8_lossy(self.value.raw()).into_owned()
        };
        DeError {
            key: Some(String::from_utf8_lossy(self.key).into_owned()),
            value: Some(shown),
            msg: msg.to_string(),
        }
    }

    fn text(&self) -> Result<Cow<'a, str>, DeError> {
        self.value.to_str().map_err(|_| self.error("not UTF-8"))
    }

    fn number<T: Number>(&self, what: &str) -> Result<T, DeError> {
        // Plain digits (nearly every number) read straight from the line's bytes.
        if let Some(n) = T::from_digits(self.value.raw()) {
            return Ok(n);
        }
        let t = self.text()?;
        t.trim()
            .parse()
            .map_err(|_| self.error(format_args!("not {what}")))
    }
}

/// A number type: parsed by `FromStr`, with a fast path for plain decimal digits.
trait Number: std::str::FromStr {
    /// `raw` as `Self` when it is an optional `-` and 1 to 18 ASCII digits that fit.
    fn from_digits(raw: &[u8]) -> Option<Self>;
}

/// The value of 1 to 18 ASCII digits (no overflow possible), after an optional `-`.
#[inline(always)]
fn digits(raw: &[u8]) -> Option<(bool, u64)> {
    let (neg, d) = match raw.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, raw),
    };
    if d.is_empty() || d.len() > 18 {
        return None;
    }
    let mut n = 0u64;
    for &c in d {
        let v = c.wrapping_sub(b'0');
        if v > 9 {
            return None;
        }
        n = n * 10 + u64::from(v);
    }
    Some((neg, n))
}

macro_rules! unsigned {
    ($($t:ty),*) => {$(
        impl Number for $t {
            #[inline(always)]
            fn from_digits(raw: &[u8]) -> Option<$t> {
                match digits(raw)? {
                    (false, n) => <$t>::try_from(n).ok(),
                    (true, _) => None,
                }
            }
        }
    )*};
}
unsigned!(u8, u16, u32, u64);

macro_rules! signed {
    ($($t:ty),*) => {$(
        impl Number for $t {
            #[inline(always)]
            fn from_digits(raw: &[u8]) -> Option<$t> {
                let (neg, n) = digits(raw)?;
                let n = i64::try_from(n).ok()?;
                <$t>::try_from(if neg { -n } else { n }).ok()
            }
        }
    )*};
}
signed!(i8, i16, i32, i64);

macro_rules! float {
    ($($t:ty),*) => {$(
        impl Number for $t {
            #[inline(always)]
            fn from_digits(_: &[u8]) -> Option<$t> {
                None
            }
        }
    )*};
}
float!(f32, f64);

macro_rules! numbers {
    ($($method:ident $visit:ident $ty:ty),*) => {$(
        fn $method<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
            v.$visit(self.number::<$ty>(stringify!($ty))?)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for ValueDe<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.text()? {
            Cow::Borrowed(s) => v.visit_borrowed_str(s),
            Cow::Owned(s) => v.visit_string(s),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.value.bytes() {
            Cow::Borrowed(b) => v.visit_borrowed_bytes(b),
            Cow::Owned(b) => v.visit_byte_buf(b),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_bytes(v)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.value.raw() {
            b"1" | b"true" => v.visit_bool(true),
            b"0" | b"false" | b"" => v.visit_bool(false),
            _ => Err(self.error("not a boolean (0 or 1)")),
        }
    }

    numbers! {
        deserialize_i8 visit_i8 i8, deserialize_i16 visit_i16 i16, deserialize_i32 visit_i32 i32,
        deserialize_i64 visit_i64 i64, deserialize_u8 visit_u8 u8, deserialize_u16 visit_u16 u16,
        deserialize_u32 visit_u32 u32, deserialize_u64 visit_u64 u64,
        deserialize_f32 visit_f32 f32, deserialize_f64 visit_f64 f64
    }

    fn deserialize_char<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        let t = self.text()?;
        let mut chars = t.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => v.visit_char(c),
            _ => Err(self.error("not one character")),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_some(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        v: V,
    ) -> Result<V::Value, DeError> {
        v.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        v: V,
    ) -> Result<V::Value, DeError> {
        v.visit_newtype_struct(self)
    }

    /// A comma-separated list (`client_servergroups=6,8`); empty is an empty list. Elements
    /// borrow like whole values do.
    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        let key = self.key;
        match self.text()? {
            // Borrowed: split lazily, no list of parts allocated.
            Cow::Borrowed(s) => {
                let parts = s.split(',').filter(|_| !s.is_empty());
                let parts = parts.map(move |p| TextDe {
                    key,
                    text: Cow::Borrowed(p),
                });
                let mut seq = de::value::SeqDeserializer::new(parts);
                let out = v.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(out)
            }
            Cow::Owned(s) => {
                let parts: Vec<TextDe<'de>> = match s.is_empty() {
                    true => Vec::new(),
                    false => s
                        .split(',')
                        .map(|p| TextDe {
                            key,
                            text: Cow::Owned(p.to_string()),
                        })
                        .collect(),
                };
                v.visit_seq(de::value::SeqDeserializer::new(parts.into_iter()))
            }
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, v: V) -> Result<V::Value, DeError> {
        self.deserialize_seq(v)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        v: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(v)
    }

    fn deserialize_map<V: Visitor<'de>>(self, _: V) -> Result<V::Value, DeError> {
        Err(self.error("a value is not a map"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, DeError> {
        Err(self.error("a value is not a struct"))
    }

    /// A unit variant named by the value (`online`), or by its number for the enums whose
    /// variants are numbered (give them `#[serde(rename = "1")]` and so on).
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        let text = self.text()?.into_owned();
        v.visit_enum(text.into_deserializer())
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_unit()
    }

    serde::forward_to_deserialize_any! { i128 u128 }
}

/// One element of a list value.
struct TextDe<'a> {
    key: &'a [u8],
    text: Cow<'a, str>,
}

impl<'de> IntoDeserializer<'de, DeError> for TextDe<'de> {
    type Deserializer = TextDe<'de>;

    fn into_deserializer(self) -> TextDe<'de> {
        self
    }
}

impl TextDe<'_> {
    fn number<T: Number>(&self, what: &str) -> Result<T, DeError> {
        if let Some(n) = T::from_digits(self.text.as_bytes()) {
            return Ok(n);
        }
        self.text.trim().parse().map_err(|_| DeError {
            key: Some(String::from_utf8_lossy(self.key).into_owned()),
            value: Some(self.text.to_string()),
            msg: format!("a list element is not {what}"),
        })
    }
}

impl<'de> de::Deserializer<'de> for TextDe<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.text {
            Cow::Borrowed(s) => v.visit_borrowed_str(s),
            Cow::Owned(s) => v.visit_string(s),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_bool(self.number::<u8>("0 or 1")? != 0)
    }

    numbers! {
        deserialize_i8 visit_i8 i8, deserialize_i16 visit_i16 i16, deserialize_i32 visit_i32 i32,
        deserialize_i64 visit_i64 i64, deserialize_u8 visit_u8 u8, deserialize_u16 visit_u16 u16,
        deserialize_u32 visit_u32 u32, deserialize_u64 visit_u64 u64,
        deserialize_f32 visit_f32 f32, deserialize_f64 visit_f64 f64
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        v: V,
    ) -> Result<V::Value, DeError> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        v.visit_enum(self.text.into_owned().into_deserializer())
    }

    serde::forward_to_deserialize_any! {
        i128 u128 char str string bytes byte_buf unit unit_struct seq tuple tuple_struct map
        struct identifier ignored_any
    }
}
