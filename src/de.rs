//! serde deserialization (feature `serde`) of items, responses and events into your own
//! types, borrowing from the response where it can.
//!
//! Values map to Rust types as the protocol writes them: numbers as numbers, booleans as
//! `0`/`1`, text unescaped (a `&str` or `Cow<str>` field borrows when the value needs no
//! unescaping; `Cow` then falls back to an owned copy, `&str` to an error), lists such as
//! `client_servergroups=6,8` as `Vec<_>`, absent keys as `None` (or `#[serde(default)]`),
//! and a bare key (`-flag` style, no `=`) as present but empty. With room lent for escaped
//! text ([`Items::deserialize_in`]), `&str` and `Cow<str>` fields borrow every value.
//!
//! A sequence of 4 items or more (a long `clientlist` into `Vec<T>`) learns where `T`
//! ignores keys: at a position where an item had a key that `T` read as ignored
//! (`IgnoredAny`) and that its field list does not name, later items skip any key the field
//! list does not name either, before serde sees it. A derived `Deserialize` ignores every key
//! outside its field list (aliases included: serde lists them there since 1.0.153, the
//! version this crate requires), so it reads exactly what it would read otherwise, whatever
//! keys a server sends where. A hand-written one that reads some keys outside the field list
//! it passes to `deserialize_struct` should name them there (or use `deserialize_map`, which
//! skips nothing).
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

use crate::parse::{is_secret_key, Event, Item, Items, ItemsIter, Response, Value};
use crate::scan::simd::lanes;

/// Why a value did not fit the type asked for: which key, its value (credentials redacted),
/// and what was wrong.
///
/// One pointer wide (the details are boxed), so that every `Result` passed up through serde's
/// layers stays small.
#[derive(Clone, PartialEq, Eq)]
pub struct DeError(Box<Detail>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Detail {
    key: Option<String>,
    value: Option<String>,
    msg: String,
}

impl DeError {
    fn new(key: Option<String>, value: Option<String>, msg: String) -> Self {
        DeError(Box::new(Detail { key, value, msg }))
    }

    /// An error about the value `raw` of `key`, the value redacted when the key is a secret.
    fn about(key: &[u8], raw: &[u8], msg: impl fmt::Display) -> Self {
        let shown = match is_secret_key(key) {
            true => "<redacted>".to_string(),
            false => String::from_utf8_lossy(raw).into_owned(),
        };
        let key = String::from_utf8_lossy(key).into_owned();
        DeError::new(Some(key), Some(shown), msg.to_string())
    }

    /// The key, when the error is about one value.
    pub fn key(&self) -> Option<&str> {
        self.0.key.as_deref()
    }

    /// The raw value (`<redacted>` for passwords, API keys and transfer keys).
    pub fn value(&self) -> Option<&str> {
        self.0.value.as_deref()
    }

    /// What was wrong.
    pub fn msg(&self) -> &str {
        &self.0.msg
    }
}

impl fmt::Debug for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeError")
            .field("key", &self.0.key)
            .field("value", &self.0.value)
            .field("msg", &self.0.msg)
            .finish()
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.key(), self.value()) {
            (Some(k), Some(v)) => write!(f, "{k}={v}: {}", self.msg()),
            (Some(k), None) => write!(f, "{k}: {}", self.msg()),
            _ => f.write_str(self.msg()),
        }
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError::new(None, None, msg.to_string())
    }
}

impl<'a> Item<'a> {
    /// Deserializes this item into `T` (a struct with a field per key, or a map).
    pub fn deserialize<T: de::Deserialize<'a>>(&self) -> Result<T, DeError> {
        T::deserialize(ItemDe {
            item: *self,
            skips: None,
            room: None,
        })
    }
}

impl Items {
    /// Deserializes every item: `Vec<T>` (or any sequence), or one `T` from the first item.
    pub fn deserialize<'a, T: de::Deserialize<'a>>(&'a self) -> Result<T, DeError> {
        T::deserialize(ItemsDe::new(self, None))
    }

    /// As [`Items::deserialize`], with `room` lent for the text of values that need
    /// unescaping: `&str` and `Cow<str>` fields then borrow every value, escaped or not, and
    /// a long list allocates nothing for its text. `room` grows once to the length of the
    /// items; reuse it for the next response.
    ///
    /// ```
    /// #[derive(serde::Deserialize)]
    /// struct Entry<'a> {
    ///     clid: u32,
    ///     client_nickname: &'a str,
    /// }
    /// let r = ts3q::Response::parse(
    ///     "clid=1 client_nickname=Ben|clid=2 client_nickname=Al\\sCapone".into(),
    ///     "error id=0 msg=ok".into(),
    /// ).unwrap();
    /// let mut room = Vec::new();
    /// let all: Vec<Entry> = r.deserialize_in(&mut room).unwrap();
    /// assert_eq!((all[1].clid, all[1].client_nickname), (2, "Al Capone"));
    /// ```
    pub fn deserialize_in<'a, T: de::Deserialize<'a>>(
        &'a self,
        room: &'a mut Vec<u8>,
    ) -> Result<T, DeError> {
        T::deserialize(ItemsDe::new(self, Some(room)))
    }
}

impl Response {
    /// Deserializes every item ([`Items::deserialize`]).
    pub fn deserialize<'a, T: de::Deserialize<'a>>(&'a self) -> Result<T, DeError> {
        self.items().deserialize()
    }

    /// Deserializes every item, escaped text borrowed from `room` ([`Items::deserialize_in`]).
    pub fn deserialize_in<'a, T>(&'a self, room: &'a mut Vec<u8>) -> Result<T, DeError>
    where
        T: de::Deserialize<'a>,
    {
        self.items().deserialize_in(room)
    }
}

impl Event {
    /// The event's items, as [`Items::deserialize`] reads them: a struct from the first, or a
    /// `Vec` of all. With [`Event::deserialize_in`], escaped text is borrowed from lent room.
    pub fn deserialize<'a, T: de::Deserialize<'a>>(&'a self) -> Result<T, DeError> {
        self.items().deserialize()
    }

    /// The event's items with room lent for their escaped text ([`Items::deserialize_in`]).
    pub fn deserialize_in<'a, T>(&'a self, room: &'a mut Vec<u8>) -> Result<T, DeError>
    where
        T: de::Deserialize<'a>,
    {
        self.items().deserialize_in(room)
    }
}

/// A sequence of items; asked for a struct or a map, the first item.
struct ItemsDe<'a> {
    items: ItemsIter<'a>,
    room: Option<Room<'a>>,
}

impl<'a> ItemsDe<'a> {
    fn new(items: &'a Items, room: Option<&'a mut Vec<u8>>) -> Self {
        ItemsDe {
            items: items.iter(),
            room: room.map(|r| Room::new(r, items.raw().len())),
        }
    }

    /// The first item, with the room it can borrow from.
    fn first<R>(
        mut self,
        read: impl FnOnce(ItemDe<'a, '_>) -> Result<R, DeError>,
    ) -> Result<R, DeError> {
        let item = self
            .items
            .next()
            .ok_or_else(|| de::Error::custom("no item"))?;
        read(ItemDe {
            item,
            skips: None,
            room: self.room.as_mut(),
        })
    }
}

/// Room lent for the unescaped text of values: each goes to the front of what is left and is
/// borrowed from there for as long as the input (unescaped text is never longer than the
/// escaped text, so the items' length is room enough).
struct Room<'a> {
    rest: &'a mut [u8],
    /// Where a value is unescaped first (the fast kernels write past their output's end).
    decoded: Vec<u8>,
}

impl<'a> Room<'a> {
    fn new(room: &'a mut Vec<u8>, len: usize) -> Self {
        // Grown (and zeroed) once; a reused room is overwritten, not cleared.
        if room.len() < len {
            room.resize(len, 0);
        }
        Room {
            rest: &mut room[..len],
            decoded: Vec::new(),
        }
    }

    /// `raw` unescaped, lent from the room; `None` when the room is used up (it never is for
    /// the values of the items it was sized for).
    fn unescape(&mut self, raw: &[u8]) -> Option<&'a [u8]> {
        if raw.len() > self.rest.len() {
            return None;
        }
        // A piece as long as the escaped text, which the unescaped text fits.
        let (piece, rest) = std::mem::take(&mut self.rest).split_at_mut(raw.len());
        self.rest = rest;
        let n = if raw.len() < crate::scan::SHORT_TEXT {
            crate::scan::unescape_into_slice(raw, piece)
        } else {
            // Longer values through the fast kernels, which write past their output's end.
            self.decoded.clear();
            crate::scan::unescape_from(raw, 0, &mut self.decoded);
            let n = self.decoded.len();
            piece.get_mut(..n)?.copy_from_slice(&self.decoded);
            n
        };
        let piece: &'a [u8] = piece;
        piece.get(..n)
    }
}

impl<'de> de::Deserializer<'de> for ItemsDe<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_seq(v)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_seq(ItemSeq {
            skips: (self.items.len() >= LEARN_FROM).then(Skips::default),
            items: self.items,
            room: self.room,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        self.first(|item| item.deserialize_struct(name, fields, v))
    }

    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.first(|item| item.deserialize_map(v))
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

/// Sequences of at least this many items learn which keys to skip (learning costs about what
/// skipping saves on two items).
const LEARN_FROM: usize = 4;

struct ItemSeq<'a> {
    items: ItemsIter<'a>,
    /// What the items read so far taught about keys the element type ignores; `None` in a
    /// short sequence.
    skips: Option<Skips>,
    room: Option<Room<'a>>,
}

impl<'de> SeqAccess<'de> for ItemSeq<'de> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        let (skips, room) = (self.skips.as_mut(), self.room.as_mut());
        (self.items.next())
            .map(|item| seed.deserialize(ItemDe { item, skips, room }))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// One item: a map from its keys to its values.
struct ItemDe<'a, 's> {
    item: Item<'a>,
    /// Shared by the items of one sequence.
    skips: Option<&'s mut Skips>,
    room: Option<&'s mut Room<'a>>,
}

impl<'de> de::Deserializer<'de> for ItemDe<'de, '_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_map(v)
    }

    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_map(Fields::new(self.item, None, self.room))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        let skips = self.skips.map(|s| s.of(fields));
        v.visit_map(Fields::new(self.item, skips, self.room))
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

/// The key positions where a struct ignores keys, learned as a sequence is read so that
/// later items skip those keys without a call into serde (a `clientlist` item has some 30
/// keys; a struct often names a handful).
///
/// A position is learned when the struct read the key there as ignored (`IgnoredAny`) and its
/// field list (aliases included) does not name that key. A later item skips the key at a
/// learned position only when the field list does not name it either: a derived struct
/// ignores every such key (or, with `deny_unknown_fields`, failed at the first one), so it
/// reads exactly what it would read without skipping, whatever key a server puts where.
struct Skips {
    /// The field list the positions were learned for (one per element type).
    fields: &'static [&'static str],
    /// The lengths of the names in `fields`: bit `n % 64` for length `n`. A key whose
    /// length has no bit is not named, and is told so without reading its bytes.
    lengths: u64,
    /// Per length below 64: 1 + the index in `fields` of the one name of that length; 0 when
    /// no name or several have it (`lengths` then tells which).
    only: [u8; 64],
    /// Per length from 8 to 63: the first 8 bytes of the one name of that length, kept here
    /// so that a key is told from it without following a pointer.
    head: [u64; 64],
    /// Positions (below 64) whose key is skipped when the field list does not name it.
    at: u64,
}

impl Default for Skips {
    fn default() -> Self {
        Skips {
            fields: &[],
            lengths: 0,
            only: [0; 64],
            head: [0; 64],
            at: 0,
        }
    }
}

/// Bit `len % 64`.
#[inline(always)]
fn length_bit(len: usize) -> u64 {
    1 << (len % 64)
}

/// The 8 bytes of `s` from `i`, if it has them.
#[inline(always)]
fn word(s: &[u8], i: usize) -> Option<u64> {
    let w = s.get(i..)?.first_chunk::<8>()?;
    Some(u64::from_le_bytes(*w))
}

impl Skips {
    /// These skips, emptied first when they were learned for another field list.
    fn of(&mut self, fields: &'static [&'static str]) -> &mut Self {
        if !std::ptr::eq(self.fields, fields) {
            self.fields = fields;
            self.lengths = 0;
            self.only = [0; 64];
            for (i, f) in fields.iter().enumerate() {
                if let Some(only) = self.only.get_mut(f.len()) {
                    let first = self.lengths & length_bit(f.len()) == 0;
                    *only = match u8::try_from(i + 1) {
                        Ok(i) if first => i,
                        _ => 0,
                    };
                }
                if let (Some(head), Some(w)) = (self.head.get_mut(f.len()), word(f.as_bytes(), 0)) {
                    *head = w;
                }
                self.lengths |= length_bit(f.len());
            }
            self.at = 0;
        }
        self
    }

    /// Whether the field list names `key`.
    #[inline(always)]
    fn named(&self, key: &[u8]) -> bool {
        if self.lengths & length_bit(key.len()) == 0 {
            return false;
        }
        let only = self.only.get(key.len()).copied().unwrap_or(0);
        match self.fields.get(usize::from(only).wrapping_sub(1)) {
            // The one name of this length: most keys of its length differ from it in their
            // first eight bytes (`client_away`, `client_type`), told without a call to memcmp.
            Some(name) => {
                let head = self.head.get(key.len()).copied();
                (key.len() < 8 || word(key, 0) == head) && name.as_bytes() == key
            }
            None => self.fields.iter().any(|f| f.as_bytes() == key),
        }
    }

    /// Which of the first 64 positions of `item` are read (bit `p` for position `p`); one
    /// tight pass before serde is called, rather than a check between its calls. The bytes of
    /// a key are read only when a field name has its length.
    #[inline]
    fn kept(&self, item: &Item<'_>) -> u64 {
        if self.at == 0 {
            return u64::MAX;
        }
        let maybe_named = item.keys_of_lengths(self.lengths);
        // Learned positions the item has (a position past its end reads as maybe named).
        let mut skipped = self.at & !maybe_named & lanes(item.len());
        let mut check = self.at & maybe_named;
        while check != 0 {
            let pos = check.trailing_zeros() as usize;
            check &= check - 1;
            if item.key_at(pos).is_some_and(|key| !self.named(key)) {
                skipped |= 1 << pos;
            }
        }
        !skipped
    }

    /// Records that the struct read `key`, the key at `pos`, as ignored.
    #[cold]
    fn learn(&mut self, pos: usize, key: &[u8]) {
        if pos < 64 && !self.named(key) {
            self.at |= 1 << pos;
        }
    }
}

struct Fields<'a, 's> {
    item: Item<'a>,
    /// Positions below 64 still to read, one bit each.
    kept: u64,
    /// Position of the next field from 64 on.
    beyond: usize,
    skips: Option<&'s mut Skips>,
    room: Option<&'s mut Room<'a>>,
    /// Position of the key whose value comes next. (Only the position is kept: a stored
    /// key and value, read back at once, stalled on store forwarding.)
    value: Option<usize>,
}

impl<'a, 's> Fields<'a, 's> {
    fn new(item: Item<'a>, skips: Option<&'s mut Skips>, room: Option<&'s mut Room<'a>>) -> Self {
        Fields {
            kept: skips.as_ref().map_or(u64::MAX, |s| s.kept(&item)),
            item,
            beyond: 64,
            skips,
            room,
            value: None,
        }
    }
}

impl<'de> MapAccess<'de> for Fields<'de, '_> {
    type Error = DeError;

    #[inline]
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let pos = match self.kept {
            0 => {
                self.beyond += 1;
                self.beyond - 1
            }
            kept => {
                self.kept &= kept - 1;
                kept.trailing_zeros() as usize
            }
        };
        let Some(key) = self.item.key_at(pos) else {
            // Past the last field: nothing is left, at any position.
            self.kept = 0;
            self.beyond = pos;
            return Ok(None);
        };
        self.value = Some(pos);
        seed.deserialize(KeyDe(key)).map(Some)
    }

    #[inline]
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let (pos, (key, value)) = self
            .value
            .take()
            .and_then(|pos| Some((pos, self.item.field_at(pos)?)))
            .ok_or_else(|| de::Error::custom("a value without its key"))?;
        let de = ValueDe {
            key,
            value,
            learn: self.skips.as_deref_mut().map(|s| (s, pos)),
            room: self.room.as_deref_mut(),
        };
        // An error a type's own Deserialize raised (`custom`) gets the key and value too.
        seed.deserialize(de).map_err(|e| match e.key() {
            None => ValueDe::new(key, value).error(e.msg()),
            Some(_) => e,
        })
    }
}

/// One value, with its key for error messages.
struct ValueDe<'a, 'c> {
    key: &'a [u8],
    value: Value<'a>,
    /// The sequence's skips and the value's position, told when the value is read as ignored
    /// (`IgnoredAny`).
    learn: Option<(&'c mut Skips, usize)>,
    /// Where escaped text is unescaped to be borrowed, when the caller lent room.
    room: Option<&'c mut Room<'a>>,
}

impl<'a> ValueDe<'a, '_> {
    fn new(key: &'a [u8], value: Value<'a>) -> Self {
        ValueDe {
            key,
            value,
            learn: None,
            room: None,
        }
    }

    fn error(&self, msg: impl fmt::Display) -> DeError {
        DeError::about(self.key, self.value.raw(), msg)
    }

    /// The value as text, borrowed or owned, to `v`.
    fn visit_text<V: Visitor<'a>>(&self, v: V) -> Result<V::Value, DeError> {
        match self.text()? {
            Cow::Borrowed(s) => v.visit_borrowed_str(s),
            Cow::Owned(s) => v.visit_string(s),
        }
    }

    /// The value unescaped into the lent room, when room was lent and it needs unescaping.
    #[inline]
    fn lent(&mut self) -> Option<&'a [u8]> {
        let room = self.room.as_deref_mut()?;
        match self.value.is_clean() {
            true => None,
            false => room.unescape(self.value.raw()),
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

impl<'de> de::Deserializer<'de> for ValueDe<'de, '_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_str<V: Visitor<'de>>(mut self, v: V) -> Result<V::Value, DeError> {
        if let Some(b) = self.lent() {
            return match std::str::from_utf8(b) {
                Ok(s) => v.visit_borrowed_str(s),
                Err(_) => Err(self.error("not UTF-8")),
            };
        }
        self.visit_text(v)
    }

    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        // An owned string is made either way: unescaped straight into it, not into the room.
        self.visit_text(v)
    }

    fn deserialize_bytes<V: Visitor<'de>>(mut self, v: V) -> Result<V::Value, DeError> {
        if let Some(b) = self.lent() {
            return v.visit_borrowed_bytes(b);
        }
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
    fn deserialize_seq<V: Visitor<'de>>(mut self, v: V) -> Result<V::Value, DeError> {
        let key = self.key;
        // With room lent, an escaped list is unescaped into it and borrowed like a clean one.
        let text = match self.lent() {
            Some(b) => Cow::Borrowed(b),
            None => self.value.bytes(),
        };
        match text {
            // Borrowed: split as the visitor asks, its length known up front (one allocation
            // for a `Vec`), each element checked as text only if read as text.
            Cow::Borrowed(b) => {
                let mut list = List::new(key, b);
                let out = v.visit_seq(&mut list)?;
                match list.left {
                    0 => Ok(out),
                    _ => Err(de::Error::invalid_length(list.len, &"fewer elements")),
                }
            }
            // Unescaped into a buffer of its own: the elements are owned copies.
            Cow::Owned(b) => {
                let parts: Vec<TextDe<'de>> = List::new(key, &b)
                    .map(|p| TextDe {
                        key,
                        text: Cow::Owned(p.to_vec()),
                    })
                    .collect();
                let mut seq = de::value::SeqDeserializer::new(parts.into_iter());
                let out = v.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(out)
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
        if let Some((skips, pos)) = self.learn {
            skips.learn(pos, self.key);
        }
        v.visit_unit()
    }

    serde::forward_to_deserialize_any! { i128 u128 }
}

/// The elements of a list value, split at commas as they are read.
struct List<'a, 'p> {
    key: &'a [u8],
    rest: &'p [u8],
    /// Elements not read yet.
    left: usize,
    /// Elements in all.
    len: usize,
}

impl<'a, 'p> List<'a, 'p> {
    fn new(key: &'a [u8], list: &'p [u8]) -> Self {
        let left = match list.is_empty() {
            true => 0,
            false => list.iter().filter(|&&b| b == b',').count() + 1,
        };
        List {
            key,
            rest: list,
            left,
            len: left,
        }
    }
}

impl<'p> Iterator for List<'_, 'p> {
    type Item = &'p [u8];

    #[inline]
    fn next(&mut self) -> Option<&'p [u8]> {
        self.left = self.left.checked_sub(1)?;
        // Elements are a few digits: a plain search beats a call into `memchr`.
        let (part, rest) = match self.rest.iter().position(|&b| b == b',') {
            Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
            None => (self.rest, &[][..]),
        };
        self.rest = rest;
        Some(part)
    }
}

impl<'de> SeqAccess<'de> for List<'de, 'de> {
    type Error = DeError;

    #[inline]
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        let key = self.key;
        self.next()
            .map(|p| {
                seed.deserialize(TextDe {
                    key,
                    text: Cow::Borrowed(p),
                })
            })
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

/// One element of a list value.
struct TextDe<'a> {
    key: &'a [u8],
    text: Cow<'a, [u8]>,
}

impl<'de> IntoDeserializer<'de, DeError> for TextDe<'de> {
    type Deserializer = TextDe<'de>;

    fn into_deserializer(self) -> TextDe<'de> {
        self
    }
}

impl TextDe<'_> {
    fn error(&self, msg: impl fmt::Display) -> DeError {
        DeError::about(self.key, &self.text, msg)
    }

    fn str(&self) -> Result<&str, DeError> {
        std::str::from_utf8(&self.text).map_err(|_| self.error("a list element is not UTF-8"))
    }

    fn number<T: Number>(&self, what: &str) -> Result<T, DeError> {
        if let Some(n) = T::from_digits(&self.text) {
            return Ok(n);
        }
        self.str()?
            .trim()
            .parse()
            .map_err(|_| self.error(format_args!("a list element is not {what}")))
    }
}

impl<'de> de::Deserializer<'de> for TextDe<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        let key = self.key;
        let not_text = |text| TextDe { key, text }.error("a list element is not UTF-8");
        match self.text {
            Cow::Borrowed(b) => match std::str::from_utf8(b) {
                Ok(s) => v.visit_borrowed_str(s),
                Err(_) => Err(not_text(Cow::Borrowed(b))),
            },
            Cow::Owned(b) => match String::from_utf8(b) {
                Ok(s) => v.visit_string(s),
                Err(e) => Err(not_text(Cow::Owned(e.into_bytes()))),
            },
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
        v.visit_enum(self.str()?.to_owned().into_deserializer())
    }

    serde::forward_to_deserialize_any! {
        i128 u128 char str string bytes byte_buf unit unit_struct seq tuple tuple_struct map
        struct identifier ignored_any
    }
}
