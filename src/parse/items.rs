//! Items and their fields: the index of a data line, and values unescaped on access.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use bytes::Bytes;

use crate::error::{FieldError, ParseError};
use crate::scan::{index, Field, CLEAN, MAX_LINE};

/// A list of items: the raw line plus its index.
///
/// The index is built on first access, not when the line is received: the state machine only
/// frames and routes lines, and an event or response nobody reads costs no index at all. It
/// lives behind a pointer, so that responses and events stay small to move.
#[derive(Clone, Default)]
pub struct Items {
    raw: Bytes,
    index: OnceLock<Pooled>,
    /// Where the items start in `raw` (after an event name or `error `); none when it is the end.
    offset: u32,
    /// A number the owner keeps here, where it costs no space: a status's id, an event name's
    /// length.
    pub(super) extra: u32,
}

/// Where each field lies.
#[derive(Clone, Default)]
struct Index {
    fields: Vec<Field>,
    /// First field of every item after the first (item 0 starts at field 0), so a one-item
    /// line allocates only `fields`.
    starts: Vec<u32>,
}

/// An index on the heap, handed back to this thread's spares when its items are dropped: the
/// next line indexed reuses the box and its buffers instead of allocating them again, so
/// reading one event or response after another allocates nothing.
#[derive(Clone)]
struct Pooled(Option<Box<Index>>);

/// What an index always in use reads as (a `Pooled` is only empty while it is dropped).
static NO_INDEX: Index = Index {
    fields: Vec::new(),
    starts: Vec::new(),
};

std::thread_local! {
    /// The last index of a short line dropped on this thread.
    static SPARE_SMALL: Cell<Option<Box<Index>>> = const { Cell::new(None) };
    /// The last index of a large list dropped on this thread: a bot that lists clients every
    /// few seconds reuses one buffer instead of asking the allocator for (and page-faulting
    /// in) a large block each time.
    static SPARE_LARGE: Cell<Option<Box<Index>>> = const { Cell::new(None) };
}

/// Spares up to this many fields are short lines' (a typical event or one-item response
/// reserves 64 or fewer); longer than the cap are freed: a thread keeps at most 8 MiB, the
/// index of a list of some 20 000 clients, so that listing them again page-faults nothing.
const SMALL_FIELDS: usize = 256;
const SPARE_MAX: usize = (8 << 20) / std::mem::size_of::<Field>();

impl Pooled {
    /// An empty index for `len` bytes of items, on a spare when one suits: never a buffer
    /// larger than the line could need (a field takes two bytes or more).
    fn for_len(len: usize) -> Pooled {
        let spare = if len / 2 > SMALL_FIELDS {
            &SPARE_LARGE
        } else {
            &SPARE_SMALL
        };
        // `try_with`: the thread may be exiting.
        let reused = spare.try_with(|spare| match spare.take() {
            Some(ix) if ix.fields.capacity() <= (len / 2).max(64) => Some(ix),
            other => {
                spare.set(other);
                None
            }
        });
        Pooled(Some(reused.ok().flatten().unwrap_or_default()))
    }

    fn get(&self) -> &Index {
        self.0.as_deref().unwrap_or(&NO_INDEX)
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        let Some(mut ix) = self.0.take() else {
            return;
        };
        let cap = ix.fields.capacity();
        if cap > SPARE_MAX || ix.starts.capacity() > SPARE_MAX {
            return;
        }
        ix.fields.clear();
        ix.starts.clear();
        let spare = if cap > SMALL_FIELDS {
            &SPARE_LARGE
        } else {
            &SPARE_SMALL
        };
        let _ = spare.try_with(|spare| {
            let old = spare.take();
            // Keep the larger: it serves more lines.
            spare.set(match old {
                Some(old) if old.fields.capacity() > cap => Some(old),
                _ => Some(ix),
            });
        });
    }
}

impl PartialEq for Items {
    /// The same bytes from the same offset, with the same owner's number (the index is a
    /// function of them).
    fn eq(&self, other: &Items) -> bool {
        self.offset == other.offset && self.extra == other.extra && self.raw == other.raw
    }
}

impl Eq for Items {}

impl Items {
    /// The items of `raw[offset..]`, indexed on first access.
    #[inline]
    pub(crate) fn parse_from(raw: Bytes, offset: usize) -> Result<Items, ParseError> {
        if raw.len() > MAX_LINE {
            return Err(ParseError::TooLarge { len: raw.len() });
        }
        let offset = offset.min(raw.len());
        Ok(Items {
            offset: offset as u32,
            raw,
            index: OnceLock::new(),
            extra: 0,
        })
    }

    /// The items of a static line from `offset` (at most its length), indexed on first access.
    pub(crate) const fn from_static(raw: &'static [u8], offset: u32) -> Items {
        Items {
            raw: Bytes::from_static(raw),
            index: OnceLock::new(),
            offset,
            extra: 0,
        }
    }

    /// Indexes `raw[offset..]` now, with `indexer`.
    #[cfg(feature = "internals")]
    pub(crate) fn index_with(
        raw: Bytes,
        offset: usize,
        indexer: impl FnOnce(&[u8], usize, &mut Vec<Field>, &mut Vec<u32>),
    ) -> Result<Items, ParseError> {
        let items = Items::parse_from(raw, offset)?;
        let mut ix = Box::<Index>::default();
        if items.any() {
            indexer(&items.raw, offset, &mut ix.fields, &mut ix.starts);
        }
        let _ = items.index.set(Pooled(Some(ix)));
        Ok(items)
    }

    /// The index, built on first use.
    #[inline(always)]
    fn index(&self) -> &Index {
        self.index
            .get_or_init(|| {
                let mut pooled = Pooled::for_len(self.raw.len() - self.offset as usize);
                if let (true, Some(ix)) = (self.any(), pooled.0.as_deref_mut()) {
                    index(
                        &self.raw,
                        self.offset as usize,
                        &mut ix.fields,
                        &mut ix.starts,
                    );
                }
                pooled
            })
            .get()
    }

    /// Whether any item follows the offset (an empty line holds none).
    #[inline(always)]
    fn any(&self) -> bool {
        (self.offset as usize) < self.raw.len()
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
        if self.any() {
            self.index().starts.len() + 1
        } else {
            0
        }
    }

    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        !self.any()
    }

    /// Item `i`.
    #[inline]
    pub fn get(&self, i: usize) -> Option<Item<'_>> {
        if i >= self.len() {
            return None;
        }
        let ix = self.index();
        let from = if i == 0 { 0 } else { ix.starts[i - 1] as usize };
        let to = ix.starts.get(i).map_or(ix.fields.len(), |&s| s as usize);
        Some(Item {
            raw: &self.raw,
            fields: &ix.fields[from..to],
        })
    }

    /// The first item.
    pub fn first(&self) -> Option<Item<'_>> {
        self.get(0)
    }

    /// All items in order.
    #[inline]
    pub fn iter(&self) -> ItemsIter<'_> {
        let ix = self.index();
        ItemsIter {
            raw: &self.raw,
            fields: &ix.fields,
            starts: ix.starts.iter(),
            from: self.any().then_some(0),
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
    raw: &'a [u8],
    fields: &'a [Field],
    /// Start of each item after the first; the iterator walks them.
    starts: std::slice::Iter<'a, u32>,
    /// First field of the next item; `None` once done.
    from: Option<usize>,
}

impl<'a> Iterator for ItemsIter<'a> {
    type Item = Item<'a>;
    #[inline]
    fn next(&mut self) -> Option<Item<'a>> {
        let from = self.from?;
        let to = match self.starts.next() {
            Some(&s) => {
                self.from = Some(s as usize);
                s as usize
            }
            None => {
                self.from = None;
                self.fields.len()
            }
        };
        if self.raw.len() > PREFETCH_ABOVE {
            self.prefetch_ahead();
        }
        Some(Item {
            raw: self.raw,
            fields: &self.fields[from..to],
        })
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.starts.len() + usize::from(self.from.is_some());
        (n, Some(n))
    }
}

impl ExactSizeIterator for ItemsIter<'_> {}

/// Lines longer than this (about a core's share of cache) are read with prefetching.
const PREFETCH_ABOVE: usize = 256 * 1024;

impl ItemsIter<'_> {
    /// Prefetches the raw bytes of the item after the next one (far enough ahead for memory
    /// to answer before it is read).
    #[inline]
    fn prefetch_ahead(&self) {
        let mut starts = self.starts.as_slice().iter();
        let (Some(&from), to) = (starts.next(), starts.next()) else {
            return;
        };
        let to = to.map_or(self.fields.len(), |&t| t as usize);
        let (Some(first), Some(last)) = (
            self.fields.get(from as usize),
            self.fields.get(to.wrapping_sub(1)),
        ) else {
            return;
        };
        if let Some(span) = self.raw.get(first.start as usize..last.end()) {
            crate::scan::simd::prefetch(span);
        }
    }
}

/// One item: an ordered list of fields.
#[derive(Clone, Copy)]
pub struct Item<'a> {
    pub(super) raw: &'a [u8],
    fields: &'a [Field],
}

impl Item<'static> {
    /// An item with no fields.
    pub(crate) const EMPTY: Item<'static> = Item {
        raw: &[],
        fields: &[],
    };
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

    /// The key of field `i`.
    #[cfg(feature = "serde")]
    #[inline]
    pub(crate) fn key_at(&self, i: usize) -> Option<&'a [u8]> {
        let f = self.fields.get(i)?;
        self.raw.get(f.start as usize..f.eq as usize)
    }

    /// The first 64 positions whose key is `n` bytes long for a bit `n % 64` set in
    /// `lengths`: bit `p` for position `p`. Reads the index only.
    #[cfg(feature = "serde")]
    #[inline]
    pub(crate) fn keys_of_lengths(&self, lengths: u64) -> u64 {
        // A flag byte per position with no dependency between positions, then eight flags
        // at a time gathered into bits by one multiplication (each lands on its own bit, and
        // no two sums meet: the usual bit-gathering constant).
        let mut flags = [0u8; 64];
        for (flag, f) in flags.iter_mut().zip(self.fields) {
            *flag = (lengths >> (f.eq.wrapping_sub(f.start) % 64)) as u8 & 1;
        }
        let mut hits = 0;
        for (i, eight) in flags.chunks_exact(8).enumerate() {
            let mut w = [0u8; 8];
            w.copy_from_slice(eight);
            let gathered = u64::from_le_bytes(w).wrapping_mul(0x0102_0408_1020_4080) >> 56;
            hits |= gathered << (8 * i);
        }
        hits
    }

    /// Field `i`, as (key, value).
    #[cfg(feature = "serde")]
    #[inline]
    pub(crate) fn field_at(&self, i: usize) -> Option<(&'a [u8], Value<'a>)> {
        let f = self.fields.get(i)?;
        Some((
            self.raw.get(f.start as usize..f.eq as usize)?,
            value_of(self.raw, f),
        ))
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
            // The indexer saw a backslash: no second search for it.
            let mut out = Vec::with_capacity(self.raw.len());
            crate::scan::unescape_from(self.raw, 0, &mut out);
            Cow::Owned(out)
        }
    }

    /// Appends the unescaped bytes to `out`: reading many values through one reused buffer
    /// allocates nothing, even for values that hold escapes.
    #[inline]
    pub fn unescape_into(&self, out: &mut Vec<u8>) {
        if self.clean {
            out.extend_from_slice(self.raw)
        } else {
            crate::scan::unescape_from(self.raw, 0, out)
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
        crate::scan::unescape_from(self.raw, 0, scratch);
        scratch
    }

    /// Whether the value is known to hold no escape (then it reads as it stands).
    #[cfg(feature = "serde")]
    #[inline]
    pub(crate) fn is_clean(&self) -> bool {
        self.clean
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Values read alike on every tier: `decode` and `bytes` hand the unescaper a value that
    /// need not start with its backslash (the portable tier once read its first byte as one,
    /// so `Al\sCapone` became `\l Capone` on CPUs without AVX2).
    #[test]
    fn values_read_alike_on_every_tier() {
        use crate::scan::simd::{detect, use_tier, Tier};
        let items = Items::parse(Bytes::from_static(
            b"a=Al\\sCapone b=x\\\\y\\pz c=\\s d=plain e=\\\\ f=\\q",
        ))
        .unwrap();
        let item = items.first().unwrap();
        let want: [&[u8]; 6] = [b"Al Capone", b"x\\y|z", b" ", b"plain", b"\\", b"\\q"];
        let mut buf = Vec::new();
        for tier in [Tier::Portable, Tier::Avx2, Tier::Avx512] {
            let used = use_tier(tier);
            for ((key, v), want) in item.iter().zip(want) {
                let key = String::from_utf8_lossy(key);
                assert_eq!(v.decode(&mut buf), want, "{used:?} decode {key}");
                assert_eq!(&*v.bytes(), want, "{used:?} bytes {key}");
                let mut out = vec![b'>'];
                v.unescape_into(&mut out);
                assert_eq!(&out[1..], want, "{used:?} unescape_into {key}");
            }
        }
        use_tier(detect());
    }

    proptest::proptest! {
        /// Every way of reading a value gives what `unescape_bytes` gives, short values (read
        /// by the portable code straight into a buffer sized to fit) and long ones (the SIMD
        /// kernels).
        #[test]
        fn values_read_as_unescape_bytes_reads_them(
            raw in proptest::collection::vec(
                proptest::sample::select(b"ab\\\\spn/\x00\xc3\xa9=".to_vec()), 0..200),
        ) {
            let mut line = b"k=".to_vec();
            line.extend_from_slice(&raw);
            let items = Items::parse(Bytes::from(line)).unwrap();
            let item = items.first().unwrap();
            let v = item.get("k").unwrap();
            let want = crate::escape::unescape_bytes(&raw);
            proptest::prop_assert_eq!(&*v.bytes(), &*want);
            let mut scratch = Vec::new();
            proptest::prop_assert_eq!(v.decode(&mut scratch), &*want);
            #[cfg(feature = "serde")]
            {
                let mut out = vec![0; raw.len()];
                let n = crate::scan::unescape_into_slice(&raw, &mut out);
                proptest::prop_assert_eq!(&out[..n], &*want);
            }
        }
    }

    fn capacity(items: &Items) -> usize {
        items.len();
        items.index.get().map_or(0, |ix| ix.get().fields.capacity())
    }

    /// A large list's buffer is reused by the next large list, never handed to a short line.
    #[test]
    fn the_spare_buffer_goes_only_to_large_lines() {
        let big: String = (0..4000).map(|i| format!("clid={i} cid=1|")).collect();
        let first = Items::parse(Bytes::from(big.clone())).unwrap();
        let cap = capacity(&first);
        assert!(cap >= 8000);
        drop(first);
        let small = Items::parse(Bytes::from_static(b"clid=1 cid=2")).unwrap();
        assert!(
            capacity(&small) < 100,
            "a short line got {}",
            capacity(&small)
        );
        let again = Items::parse(Bytes::from(big)).unwrap();
        assert_eq!(again.len(), 4001);
        assert_eq!(capacity(&again), cap, "the spare buffer is reused");
    }
}
