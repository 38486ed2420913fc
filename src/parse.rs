//! Zero-copy parsing of response, error and event lines.
//!
//! A line is kept whole as [`Bytes`]; parsing only builds a compact index of where each field's
//! key and value lie (12 bytes per field, 4 per item). Values are unescaped when read, and borrow
//! the line when they hold no escape.
//!
//! Grammar of a data line: items separated by `|`, fields separated by spaces, each field either
//! `key=value` (split at the FIRST `=`) or a bare `key`. Escaped values hold no raw space or `|`.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use bytes::{Bytes, BytesMut};
use memchr::memchr;

use crate::error::{FieldError, ParseError, QueryError};
use crate::error_id::ErrorId;
use crate::escape::unescape_bytes;
use crate::scan::{index, Field, CLEAN, MAX_LINE};

/// A list of items: the raw line plus its index.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Items {
    raw: Bytes,
    fields: Vec<Field>,
    /// First field of every item after the first (item 0 starts at field 0), so a one-item
    /// line allocates only `fields`.
    starts: Vec<u32>,
    /// Whether the list holds any item (an empty line holds none).
    any: bool,
}

impl Items {
    /// Indexes `raw[offset..]`.
    pub(crate) fn parse_from(raw: Bytes, offset: usize) -> Result<Items, ParseError> {
        Items::index_with(raw, offset, |raw, offset, fields, starts| {
            index(raw, offset, fields, starts)
        })
    }

    /// Indexes `raw[offset..]` with `indexer`.
    #[inline(always)]
    pub(crate) fn index_with(
        raw: Bytes,
        offset: usize,
        indexer: impl FnOnce(&[u8], usize, &mut Vec<Field>, &mut Vec<u32>),
    ) -> Result<Items, ParseError> {
        if raw.len() > MAX_LINE {
            return Err(ParseError::TooLarge { len: raw.len() });
        }
        let mut items = Items {
            fields: Vec::new(),
            starts: Vec::new(),
            any: offset < raw.len(),
            raw,
        };
        if items.any {
            indexer(&items.raw, offset, &mut items.fields, &mut items.starts);
        }
        Ok(items)
    }

    /// Parses a data line (items only, no command or event name).
    ///
    /// ```
    /// let items = ts3q::Items::parse("clid=1 client_nickname=Ben|clid=2".into()).unwrap();
    /// assert_eq!(items.len(), 2);
    /// assert_eq!(items.get(0).unwrap().str("client_nickname").as_deref(), Some("Ben"));
    /// ```
    pub fn parse(raw: Bytes) -> Result<Items, ParseError> {
        Items::parse_from(raw, 0)
    }

    /// Number of items.
    #[inline]
    pub fn len(&self) -> usize {
        if self.any {
            self.starts.len() + 1
        } else {
            0
        }
    }

    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        !self.any
    }

    /// Item `i`.
    #[inline]
    pub fn get(&self, i: usize) -> Option<Item<'_>> {
        if i >= self.len() {
            return None;
        }
        let from = if i == 0 {
            0
        } else {
            self.starts[i - 1] as usize
        };
        let to = self
            .starts
            .get(i)
            .map_or(self.fields.len(), |&s| s as usize);
        Some(Item {
            raw: &self.raw,
            fields: &self.fields[from..to],
        })
    }

    /// The first item.
    pub fn first(&self) -> Option<Item<'_>> {
        self.get(0)
    }

    /// All items in order.
    #[inline]
    pub fn iter(&self) -> ItemsIter<'_> {
        ItemsIter {
            items: self,
            next: 0,
        }
    }

    /// `key` of item `i`, falling back to item 0: some peers send keys shared by all items only
    /// once (`notifyclientmoved ctid=5 reasonid=0 clid=1|clid=2`).
    pub fn get_shared(&self, i: usize, key: &str) -> Option<Value<'_>> {
        self.get(i)?
            .get(key)
            .or_else(|| self.get(0).and_then(|first| first.get(key)))
    }

    /// The raw bytes, exactly as received.
    pub fn raw(&self) -> &Bytes {
        &self.raw
    }
}

impl<'a> IntoIterator for &'a Items {
    type Item = Item<'a>;
    type IntoIter = ItemsIter<'a>;
    fn into_iter(self) -> ItemsIter<'a> {
        self.iter()
    }
}

impl fmt::Debug for Items {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Iterator over [`Items`].
#[derive(Debug, Clone)]
pub struct ItemsIter<'a> {
    items: &'a Items,
    next: usize,
}

impl<'a> Iterator for ItemsIter<'a> {
    type Item = Item<'a>;
    #[inline]
    fn next(&mut self) -> Option<Item<'a>> {
        let item = self.items.get(self.next)?;
        self.next += 1;
        Some(item)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.items.len() - self.next;
        (n, Some(n))
    }
}

impl ExactSizeIterator for ItemsIter<'_> {}

/// One item: an ordered list of fields.
#[derive(Clone, Copy)]
pub struct Item<'a> {
    raw: &'a [u8],
    fields: &'a [Field],
}

impl<'a> Item<'a> {
    /// The value of `key` (the first, if a key repeats).
    #[inline]
    pub fn get(&self, key: &str) -> Option<Value<'a>> {
        let key = key.as_bytes();
        self.fields
            .iter()
            .find(|f| &self.raw[f.start as usize..f.eq as usize] == key)
            .map(|f| self.value(f))
    }

    /// Whether the item has `key` (bare or with a value).
    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The value of `key` as text, invalid UTF-8 replaced by U+FFFD.
    pub fn str(&self, key: &str) -> Option<Cow<'a, str>> {
        self.get(key).map(|v| v.to_str_lossy())
    }

    /// The value of `key` parsed as `T`.
    ///
    /// ```
    /// let items = ts3q::Items::parse("clid=7 cid=x".into()).unwrap();
    /// let item = items.first().unwrap();
    /// assert_eq!(item.parse::<u32>("clid"), Ok(7));
    /// assert!(item.parse::<u32>("cid").is_err());
    /// assert!(item.parse::<u32>("nope").is_err());
    /// ```
    pub fn parse<T: FromStr>(&self, key: &str) -> Result<T, FieldError> {
        let value = self
            .get(key)
            .ok_or_else(|| FieldError::Missing { key: key.into() })?;
        let text = value
            .to_str()
            .map_err(|_| FieldError::NotUtf8 { key: key.into() })?;
        text.parse().map_err(|_| FieldError::Invalid {
            key: key.into(),
            ty: std::any::type_name::<T>(),
        })
    }

    /// Number of fields.
    #[inline]
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether the item has no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Fields in order, as (key, value).
    #[inline]
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&'a [u8], Value<'a>)> + 'a {
        let (raw, fields) = (self.raw, self.fields);
        fields
            .iter()
            .map(move |f| (&raw[f.start as usize..f.eq as usize], value_of(raw, f)))
    }

    /// Keys in order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &'a [u8]> + 'a {
        self.iter().map(|(k, _)| k)
    }

    /// Fields as (whole token, key, value).
    pub(crate) fn tokens(&self) -> impl Iterator<Item = (&'a [u8], &'a [u8], Value<'a>)> + 'a {
        let (raw, fields) = (self.raw, self.fields);
        fields.iter().map(move |f| {
            (
                &raw[f.start as usize..f.end()],
                &raw[f.start as usize..f.eq as usize],
                value_of(raw, f),
            )
        })
    }

    fn value(&self, f: &Field) -> Value<'a> {
        value_of(self.raw, f)
    }
}

#[inline]
fn value_of<'a>(raw: &'a [u8], f: &Field) -> Value<'a> {
    if f.eq as usize == f.end() {
        Value {
            raw: &[],
            bare: true,
            clean: true,
        }
    } else {
        Value {
            raw: &raw[f.eq as usize + 1..f.end()],
            bare: false,
            clean: f.end & CLEAN != 0,
        }
    }
}

impl fmt::Debug for Item<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (k, v) in self.iter() {
            let key = String::from_utf8_lossy(k);
            if is_secret_key(k) {
                map.entry(&key, &"<redacted>");
            } else if v.is_bare() {
                map.entry(&key, &format_args!("<bare>"));
            } else {
                map.entry(&key, &v.to_str_lossy());
            }
        }
        map.finish()
    }
}

/// Keys whose values are credentials: never shown by `Debug`.
pub(crate) fn is_secret_key(key: &[u8]) -> bool {
    let contains = |needle: &[u8]| {
        key.windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
    };
    contains(b"password")
        || contains(b"apikey")
        || key.eq_ignore_ascii_case(b"cpw")
        || key.eq_ignore_ascii_case(b"ftkey")
        || key.eq_ignore_ascii_case(b"token")
}

/// A field's value, still escaped; unescaped on access.
#[derive(Clone, Copy)]
pub struct Value<'a> {
    raw: &'a [u8],
    bare: bool,
    /// Known to hold no backslash (then reading it needs no scan).
    clean: bool,
}

impl PartialEq for Value<'_> {
    fn eq(&self, other: &Self) -> bool {
        (self.raw, self.bare) == (other.raw, other.bare)
    }
}

impl Eq for Value<'_> {}

impl<'a> Value<'a> {
    /// A whole word as a (non-bare) value.
    pub(crate) fn word(raw: &'a [u8]) -> Value<'a> {
        Value {
            raw,
            bare: false,
            clean: false,
        }
    }

    /// The escaped bytes as received.
    #[inline]
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// Whether the field was a bare key (`channel_flag_default`) rather than `key=`.
    #[inline]
    pub fn is_bare(&self) -> bool {
        self.bare
    }

    /// Whether the value is empty (bare or `key=`).
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// The unescaped bytes.
    #[inline]
    pub fn bytes(&self) -> Cow<'a, [u8]> {
        if self.clean {
            Cow::Borrowed(self.raw)
        } else {
            unescape_bytes(self.raw)
        }
    }

    /// Appends the unescaped bytes to `out`: reading many values through one reused buffer
    /// allocates nothing, even for values that hold escapes.
    #[inline]
    pub fn unescape_into(&self, out: &mut Vec<u8>) {
        if self.clean {
            out.extend_from_slice(self.raw)
        } else {
            crate::escape::unescape_into(self.raw, out)
        }
    }

    /// The unescaped bytes, borrowed from the line when the value holds no escape, or else
    /// decoded into `scratch` (cleared first): reading every value of a large list this way
    /// neither allocates nor copies clean values.
    ///
    /// ```
    /// let items = ts3q::Items::parse("a=plain b=two\\swords".into()).unwrap();
    /// let item = items.first().unwrap();
    /// let mut scratch = Vec::new();
    /// assert_eq!(item.get("a").unwrap().decode(&mut scratch), b"plain");
    /// assert_eq!(item.get("b").unwrap().decode(&mut scratch), b"two words");
    /// ```
    #[inline]
    pub fn decode<'s>(&self, scratch: &'s mut Vec<u8>) -> &'s [u8]
    where
        'a: 's,
    {
        if self.clean {
            return self.raw;
        }
        scratch.clear();
        crate::escape::unescape_into(self.raw, scratch);
        scratch
    }

    /// The unescaped text, or an error when it is not valid UTF-8.
    #[inline]
    pub fn to_str(&self) -> Result<Cow<'a, str>, std::str::Utf8Error> {
        match self.bytes() {
            Cow::Borrowed(b) => std::str::from_utf8(b).map(Cow::Borrowed),
            Cow::Owned(v) => match String::from_utf8(v) {
                Ok(s) => Ok(Cow::Owned(s)),
                Err(e) => Err(e.utf8_error()),
            },
        }
    }

    /// The unescaped text, invalid UTF-8 replaced by U+FFFD.
    #[inline]
    pub fn to_str_lossy(&self) -> Cow<'a, str> {
        match self.bytes() {
            Cow::Borrowed(b) => String::from_utf8_lossy(b),
            Cow::Owned(v) => match String::from_utf8(v) {
                Ok(s) => Cow::Owned(s),
                Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
            },
        }
    }

    /// The value parsed as `T` (after unescaping).
    pub fn parse<T: FromStr>(&self) -> Option<T> {
        self.to_str().ok()?.parse().ok()
    }
}

impl fmt::Debug for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.bare {
            f.write_str("<bare>")
        } else {
            fmt::Debug::fmt(&self.to_str_lossy(), f)
        }
    }
}

/// What a received line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// Empty (or only spaces): ignored.
    Blank,
    /// `error id=...`: ends a response.
    Status,
    /// `notify...`: an event.
    Event,
    /// Anything else: data of the response in flight.
    Data,
}

/// Classifies a line by its first word.
pub fn classify(line: &[u8]) -> LineKind {
    let word_end = memchr(b' ', line).unwrap_or(line.len());
    let word = &line[..word_end];
    if word.is_empty() {
        return if line.iter().all(|&b| b == b' ') {
            LineKind::Blank
        } else {
            LineKind::Data
        };
    }
    if word == b"error" {
        LineKind::Status
    } else if word.len() > 6
        && word.starts_with(b"notify")
        && word.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
    {
        LineKind::Event
    } else {
        LineKind::Data
    }
}

/// The `error id=N msg=...` line that ends every response.
#[derive(Clone, PartialEq, Eq)]
pub struct Status {
    id: u32,
    fields: Items,
}

impl Status {
    /// Parses an error line (`error id=...`).
    pub fn parse(line: Bytes) -> Result<Status, ParseError> {
        let offset = if line.starts_with(b"error ") {
            6
        } else {
            line.len().min(5)
        };
        let fields = Items::parse_from(line, offset)?;
        let id = {
            let item = fields.first().ok_or(ParseError::MissingErrorId)?;
            let value = item.get("id").ok_or(ParseError::MissingErrorId)?;
            parse_u32(value.raw()).ok_or(ParseError::InvalidErrorId)?
        };
        Ok(Status { id, fields })
    }

    /// A status built from parts (for tests and servers).
    pub fn new(id: u32, msg: &str) -> Status {
        let mut line = BytesMut::from(&b"error id="[..]);
        line.extend_from_slice(id.to_string().as_bytes());
        line.extend_from_slice(b" msg=");
        crate::escape::escape_into(msg.as_bytes(), &mut line);
        Status::parse(line.freeze()).unwrap_or(Status {
            id,
            fields: Items::default(),
        })
    }

    /// The error id (0 is success).
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The id as an [`ErrorId`] (`ErrorId::Other` for an id not in the table).
    pub fn code(&self) -> ErrorId {
        ErrorId::from_id(self.id)
    }

    /// Whether the id is 0.
    pub fn is_ok(&self) -> bool {
        self.id == 0
    }

    /// The message, unescaped.
    pub fn msg(&self) -> Cow<'_, str> {
        self.str("msg").unwrap_or(Cow::Borrowed(""))
    }

    /// `extra_msg`, unescaped.
    pub fn extra_msg(&self) -> Option<Cow<'_, str>> {
        self.str("extra_msg")
    }

    /// `failed_permid`.
    pub fn failed_permid(&self) -> Option<u32> {
        self.get("failed_permid").and_then(|v| v.parse())
    }

    /// Any key of the error line.
    pub fn get(&self, key: &str) -> Option<Value<'_>> {
        self.fields.first()?.get(key)
    }

    fn str(&self, key: &str) -> Option<Cow<'_, str>> {
        self.fields.first()?.str(key)
    }

    /// All fields of the error line, `id` and `msg` included.
    pub fn item(&self) -> Option<Item<'_>> {
        self.fields.first()
    }

    /// Fields other than `id` and `msg` (`extra_msg`, `failed_permid`, `return_code`, ...).
    pub fn extra(&self) -> impl Iterator<Item = (&[u8], Value<'_>)> {
        self.item()
            .into_iter()
            .flat_map(|i| i.iter())
            .filter(|(k, _)| *k != b"id" && *k != b"msg")
    }

    /// 524: the client is flooding.
    pub fn is_flooding(&self) -> bool {
        self.code() == ErrorId::ClientIsFlooding
    }

    /// 3329 or 3331: banned.
    pub fn is_banned(&self) -> bool {
        matches!(
            self.code(),
            ErrorId::ConnectFailedBanned | ErrorId::BanFlooding
        )
    }

    /// 1281: a list command found nothing.
    pub fn is_empty_result(&self) -> bool {
        self.code() == ErrorId::DatabaseEmptyResult
    }

    /// 2568: insufficient client permissions (see [`failed_permid`](Self::failed_permid)).
    pub fn is_insufficient_permissions(&self) -> bool {
        self.code() == ErrorId::PermissionsClientInsufficient
    }

    /// Seconds the server asks to wait, from a 524's `extra_msg=please wait N seconds`.
    pub fn flood_wait_secs(&self) -> Option<u64> {
        let extra = self.extra_msg()?;
        extra.split(' ').find_map(|w| w.parse::<u64>().ok())
    }

    /// `Ok(())` for id 0, the [`QueryError`] otherwise.
    pub fn check(&self) -> Result<(), QueryError> {
        if self.is_ok() {
            Ok(())
        } else {
            Err(QueryError(self.clone()))
        }
    }
}

impl fmt::Debug for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Status");
        s.field("id", &self.id).field("msg", &self.msg());
        for (k, v) in self.extra() {
            if is_secret_key(k) {
                s.field(&String::from_utf8_lossy(k), &"<redacted>");
            } else {
                s.field(&String::from_utf8_lossy(k), &v);
            }
        }
        s.finish()
    }
}

fn parse_u32(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 10 {
        return None;
    }
    let mut n: u64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(c - b'0');
    }
    u32::try_from(n).ok()
}

/// A complete response: its items (from all data lines) and the error line.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    items: Items,
    status: Status,
}

impl Response {
    /// Builds a response from its data (all data lines joined by `|`) and error line.
    pub fn parse(data: Bytes, status: Bytes) -> Result<Response, ParseError> {
        Ok(Response {
            items: Items::parse(data)?,
            status: Status::parse(status)?,
        })
    }

    pub(crate) fn from_parts(items: Items, status: Status) -> Response {
        Response { items, status }
    }

    /// The items.
    pub fn items(&self) -> &Items {
        &self.items
    }

    /// Number of items.
    #[inline]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The first item.
    pub fn first(&self) -> Option<Item<'_>> {
        self.items.first()
    }

    /// Item `i`.
    #[inline]
    pub fn get(&self, i: usize) -> Option<Item<'_>> {
        self.items.get(i)
    }

    /// Iterates over the items.
    #[inline]
    pub fn iter(&self) -> ItemsIter<'_> {
        self.items.iter()
    }

    /// The error line.
    pub fn status(&self) -> &Status {
        &self.status
    }

    /// The response if its id is 0, the [`QueryError`] otherwise.
    pub fn into_result(self) -> Result<Response, QueryError> {
        if self.status.is_ok() {
            Ok(self)
        } else {
            Err(QueryError(self.status))
        }
    }
}

impl Response {
    /// The items as owned values (they share this response's buffer; nothing is copied).
    pub fn into_items(self) -> Vec<OwnedItem> {
        let n = self.len();
        let shared = std::sync::Arc::new(self);
        (0..n)
            .map(|index| OwnedItem {
                response: shared.clone(),
                index,
            })
            .collect()
    }

    /// Every item as a `T` (see [`typed`](crate::typed)).
    pub fn typed<T: crate::typed::FromItem>(&self) -> Result<Vec<T>, FieldError> {
        self.iter().map(|item| T::from_item(&item)).collect()
    }

    /// The first item as a `T`, if there is one.
    pub fn first_typed<T: crate::typed::FromItem>(&self) -> Result<Option<T>, FieldError> {
        self.first().map(|item| T::from_item(&item)).transpose()
    }

    /// The first item as an owned value.
    pub fn into_first(self) -> Option<OwnedItem> {
        (!self.is_empty()).then(|| OwnedItem {
            response: std::sync::Arc::new(self),
            index: 0,
        })
    }
}

/// One item of a response, owned (the response's buffer is shared, not copied).
#[derive(Clone)]
pub struct OwnedItem {
    response: std::sync::Arc<Response>,
    index: usize,
}

impl OwnedItem {
    /// The borrowed view, with every accessor of [`Item`].
    pub fn item(&self) -> Item<'_> {
        // `index` is always below `len()` (see `into_items` / `into_first`).
        self.response.get(self.index).unwrap_or(Item {
            raw: &[],
            fields: &[],
        })
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<Value<'_>> {
        self.item().get(key)
    }

    /// The value of `key` as text (lossy).
    pub fn str(&self, key: &str) -> Option<Cow<'_, str>> {
        self.item().str(key)
    }

    /// The value of `key` parsed as `T`.
    pub fn parse<T: FromStr>(&self, key: &str) -> Result<T, FieldError> {
        self.item().parse(key)
    }
}

impl fmt::Debug for OwnedItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.item(), f)
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("items", &self.items)
            .field("status", &self.status)
            .finish()
    }
}

/// An event (`notify...` line): its name and items.
#[derive(Clone, PartialEq, Eq)]
pub struct Event {
    name_len: u32,
    items: Items,
}

impl Event {
    /// Parses an event line.
    ///
    /// ```
    /// let ev = ts3q::Event::parse("notifytextmessage targetmode=3 msg=hi\\sall".into()).unwrap();
    /// assert_eq!(ev.name(), "notifytextmessage");
    /// assert_eq!(ev.first().unwrap().str("msg").as_deref(), Some("hi all"));
    /// ```
    pub fn parse(line: Bytes) -> Result<Event, ParseError> {
        let name_len = memchr(b' ', &line).unwrap_or(line.len());
        let offset = (name_len + 1).min(line.len());
        let items = Items::parse_from(line, offset)?;
        Ok(Event {
            name_len: name_len as u32,
            items,
        })
    }

    /// The event name, e.g. `notifycliententerview`.
    pub fn name(&self) -> &str {
        std::str::from_utf8(&self.items.raw[..self.name_len as usize]).unwrap_or("")
    }

    /// The items.
    pub fn items(&self) -> &Items {
        &self.items
    }

    /// The first item (most events have exactly one).
    pub fn first(&self) -> Option<Item<'_>> {
        self.items.first()
    }

    /// Item `i`.
    #[inline]
    pub fn get(&self, i: usize) -> Option<Item<'_>> {
        self.items.get(i)
    }

    /// Iterates over the items.
    #[inline]
    pub fn iter(&self) -> ItemsIter<'_> {
        self.items.iter()
    }

    /// The whole line as received.
    pub fn raw(&self) -> &Bytes {
        self.items.raw()
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("name", &self.name())
            .field("items", &self.items)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(s: &str) -> Items {
        Items::parse(Bytes::copy_from_slice(s.as_bytes())).unwrap()
    }

    #[test]
    fn fields_values_and_bare_keys() {
        let it = items("cid=1 channel_topic= channel_flag_default uid=abc/def= x=a=b");
        let i = it.first().unwrap();
        assert_eq!(i.len(), 5);
        assert!(!i.get("channel_topic").unwrap().is_bare());
        assert!(i.get("channel_flag_default").unwrap().is_bare());
        assert_eq!(i.str("channel_flag_default").unwrap(), "");
        assert_eq!(i.str("uid").unwrap(), "abc/def=");
        assert_eq!(i.str("x").unwrap(), "a=b");
        let keys: Vec<_> = i.keys().collect();
        assert_eq!(
            keys,
            [
                &b"cid"[..],
                b"channel_topic",
                b"channel_flag_default",
                b"uid",
                b"x"
            ]
        );
    }

    #[test]
    fn pipes_and_escaped_pipes() {
        let it = items("a=1\\p2|a=2||a=3");
        assert_eq!(it.len(), 4);
        assert_eq!(it.get(0).unwrap().str("a").unwrap(), "1|2");
        assert!(it.get(2).unwrap().is_empty());
        assert_eq!(it.get(3).unwrap().str("a").unwrap(), "3");
        assert!(it.get(4).is_none());
        assert_eq!(it.iter().len(), 4);
    }

    #[test]
    fn empty_and_spaces() {
        assert_eq!(items("").len(), 0);
        let it = items("  a=1   b=2 ");
        assert_eq!(it.first().unwrap().len(), 2);
    }

    #[test]
    fn shared_keys() {
        let it = items("ctid=4 clid=1|clid=2");
        assert_eq!(it.get_shared(1, "ctid").unwrap().raw(), b"4");
        assert_eq!(it.get_shared(1, "clid").unwrap().raw(), b"2");
        assert!(it.get(1).unwrap().get("ctid").is_none());
    }

    #[test]
    fn values_borrow_when_unescaped() {
        let it = items("a=plain b=with\\sspace");
        let i = it.first().unwrap();
        assert!(matches!(
            i.get("a").unwrap().to_str().unwrap(),
            Cow::Borrowed(_)
        ));
        assert!(matches!(
            i.get("b").unwrap().to_str().unwrap(),
            Cow::Owned(_)
        ));
    }

    #[test]
    fn invalid_utf8_checked_and_lossy() {
        let it = Items::parse(Bytes::from_static(b"n=Andr\xffoid")).unwrap();
        let v = it.first().unwrap().get("n").unwrap();
        assert!(v.to_str().is_err());
        assert_eq!(v.to_str_lossy(), "Andr\u{fffd}oid");
        assert_eq!(v.bytes().as_ref(), b"Andr\xffoid");
        assert!(matches!(
            it.first().unwrap().parse::<String>("n"),
            Err(FieldError::NotUtf8 { .. })
        ));
    }

    #[test]
    fn status_lines() {
        let s = Status::parse(
            "error id=2568 msg=insufficient\\sclient\\spermissions failed_permid=4".into(),
        )
        .unwrap();
        assert_eq!(s.id(), 2568);
        assert_eq!(s.msg(), "insufficient client permissions");
        assert_eq!(s.failed_permid(), Some(4));
        assert!(s.is_insufficient_permissions());
        assert!(s.check().is_err());
        let extra: Vec<_> = s.extra().map(|(k, _)| k).collect();
        assert_eq!(extra, [&b"failed_permid"[..]]);
        let f = Status::parse(
            "error id=524 msg=client\\sis\\sflooding extra_msg=please\\swait\\s2\\sseconds".into(),
        )
        .unwrap();
        assert!(f.is_flooding());
        assert_eq!(f.flood_wait_secs(), Some(2));
        assert_eq!(
            Status::parse("error msg=ok".into()),
            Err(ParseError::MissingErrorId)
        );
        assert_eq!(
            Status::parse("error id=x msg=ok".into()),
            Err(ParseError::InvalidErrorId)
        );
        assert_eq!(
            Status::parse("error id=99999999999".into()),
            Err(ParseError::InvalidErrorId)
        );
        assert_eq!(
            Status::parse("error".into()),
            Err(ParseError::MissingErrorId)
        );
        assert!(Status::new(0, "ok").is_ok());
        assert_eq!(
            Status::new(1281, "database empty result set").msg(),
            "database empty result set"
        );
    }

    #[test]
    fn classify_lines() {
        assert_eq!(classify(b""), LineKind::Blank);
        assert_eq!(classify(b"   "), LineKind::Blank);
        assert_eq!(classify(b"error id=0 msg=ok"), LineKind::Status);
        assert_eq!(classify(b"error"), LineKind::Status);
        assert_eq!(classify(b"error_x=1"), LineKind::Data);
        assert_eq!(classify(b"notifytextmessage msg=a"), LineKind::Event);
        assert_eq!(classify(b"notifyfoo"), LineKind::Event);
        assert_eq!(classify(b"notify=1"), LineKind::Data);
        assert_eq!(classify(b"notifyx=1 a=2"), LineKind::Data);
        assert_eq!(classify(b"clid=1"), LineKind::Data);
        assert_eq!(classify(b" clid=1"), LineKind::Data);
    }

    #[test]
    fn debug_redacts_secrets() {
        let it = items("client_login_name=bot client_login_password=hunter2 apikey=ABCD ftkey=k");
        let dbg = format!("{:?}", it);
        assert!(dbg.contains("bot"));
        for secret in ["hunter2", "ABCD", "=k"] {
            assert!(!dbg.contains(secret), "{dbg}");
        }
    }

    #[test]
    fn owned_items_share_the_buffer() {
        let r = Response::parse(
            "clid=1 nick=a\\sb|clid=2".into(),
            "error id=0 msg=ok".into(),
        )
        .unwrap();
        let raw_ptr = r.items().raw().as_ptr();
        let items = r.clone().into_items();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].str("nick").unwrap(), "a b");
        assert_eq!(items[1].parse::<u32>("clid"), Ok(2));
        assert_eq!(items[1].item().raw.as_ptr(), raw_ptr, "no copy");
        assert!(format!("{:?}", items[0]).contains("nick"));
        assert_eq!(r.into_first().unwrap().get("clid").unwrap().raw(), b"1");
        let empty = Response::parse(Bytes::new(), "error id=1281 msg=x".into()).unwrap();
        assert!(empty.clone().into_first().is_none());
        assert!(empty.into_items().is_empty());
    }

    #[test]
    fn events() {
        let ev = Event::parse("notifyclientmoved ctid=4 reasonid=0 clid=2|clid=3".into()).unwrap();
        assert_eq!(ev.name(), "notifyclientmoved");
        assert_eq!(ev.items().len(), 2);
        let bare = Event::parse("notifyfoo".into()).unwrap();
        assert_eq!(bare.name(), "notifyfoo");
        assert!(bare.items().is_empty());
    }
}
