//! Reading one field as a Rust type: the trait every typed struct is built from.

use crate::error::FieldError;
use crate::parse::{Item, Items, Response, Value};

/// Where a typed struct reads its fields from: an [`Item`], or an item of an event that
/// shares the first item's keys (`notifyclientmoved ctid=5 reasonid=0 clid=1|clid=2`).
pub trait Lookup<'a> {
    /// The value of `key`, if present.
    fn lookup(&self, key: &str) -> Option<Value<'a>>;
}

impl<'a> Lookup<'a> for Item<'a> {
    #[inline]
    fn lookup(&self, key: &str) -> Option<Value<'a>> {
        self.get(key)
    }
}

/// Item `index` of `items`, falling back to item 0 for keys it does not repeat.
#[derive(Clone, Copy)]
pub struct Shared<'a> {
    /// The items.
    pub items: &'a Items,
    /// Which one.
    pub index: usize,
}

impl<'a> Lookup<'a> for Shared<'a> {
    #[inline]
    fn lookup(&self, key: &str) -> Option<Value<'a>> {
        self.items.get_shared(self.index, key)
    }
}

/// A type a field's value reads as. Implemented for the integers, `f32`/`f64`, `bool` (`0`/`1`,
/// a bare key is `true`), `String`, `Vec<T>` (comma lists such as `client_servergroups=6,8`),
/// `Option<T>` (absent key: `None`) and the [`definitions`](crate::definitions) enums.
pub trait FieldType: Sized {
    /// Reads `key` from `from`.
    fn read<'a, L: Lookup<'a>>(from: &L, key: &str) -> Result<Self, FieldError>;
}

/// A type that reads from a present value (every [`FieldType`] but `Option`).
pub trait FromValue: Sized {
    /// The name used in errors.
    const TYPE: &'static str;
    /// The value, or `None` when it does not read as `Self`.
    fn from_value(v: &Value<'_>) -> Option<Self>;
    /// Reads a `Vec<Self>` from a comma list.
    fn from_list_item(raw: &[u8]) -> Option<Self> {
        Self::from_value(&Value::word(raw))
    }
}

fn invalid(key: &str, ty: &'static str) -> FieldError {
    FieldError::Invalid {
        key: key.into(),
        ty,
    }
}

impl<T: FromValue> FieldType for T {
    #[inline]
    fn read<'a, L: Lookup<'a>>(from: &L, key: &str) -> Result<T, FieldError> {
        let v = from
            .lookup(key)
            .ok_or_else(|| FieldError::Missing { key: key.into() })?;
        T::from_value(&v).ok_or_else(|| invalid(key, T::TYPE))
    }
}

impl<T: FromValue> FieldType for Option<T> {
    #[inline]
    fn read<'a, L: Lookup<'a>>(from: &L, key: &str) -> Result<Option<T>, FieldError> {
        match from.lookup(key) {
            None => Ok(None),
            Some(v) => T::from_value(&v)
                .map(Some)
                .ok_or_else(|| invalid(key, T::TYPE)),
        }
    }
}

impl<T: FromValue> FromValue for Vec<T> {
    const TYPE: &'static str = "comma-separated list";
    fn from_value(v: &Value<'_>) -> Option<Vec<T>> {
        let raw = v.bytes();
        if raw.is_empty() {
            return Some(Vec::new());
        }
        raw.split(|&b| b == b',')
            .map(|part| T::from_list_item(part))
            .collect()
    }
}

// Numbers never hold escapes: read the raw bytes, no allocation.
macro_rules! numbers {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            const TYPE: &'static str = stringify!($t);
            #[inline]
            fn from_value(v: &Value<'_>) -> Option<$t> {
                std::str::from_utf8(v.raw()).ok()?.parse().ok()
            }
        }
    )*};
}
numbers!(u8, u16, u32, u64, i8, i16, i32, i64, f32, f64);

impl FromValue for bool {
    const TYPE: &'static str = "0/1 boolean";
    #[inline]
    fn from_value(v: &Value<'_>) -> Option<bool> {
        match v.raw() {
            b"1" => Some(true),
            b"0" => Some(false),
            b"" if v.is_bare() => Some(true),
            _ => None,
        }
    }
}

impl FromValue for String {
    const TYPE: &'static str = "UTF-8 text";
    #[inline]
    fn from_value(v: &Value<'_>) -> Option<String> {
        v.to_str().ok().map(|s| s.into_owned())
    }
}

macro_rules! definitions {
    ($($t:ident),*) => {$(
        impl FromValue for crate::definitions::$t {
            const TYPE: &'static str = stringify!($t);
            #[inline]
            fn from_value(v: &Value<'_>) -> Option<Self> {
                u32::from_value(v).and_then(|n| Self::try_from(n).ok())
            }
        }
    )*};
}
definitions!(
    HostMessageMode,
    HostBannerMode,
    Codec,
    CodecEncryptionMode,
    TextMessageTargetMode,
    LogLevel,
    ReasonIdentifier,
    PermissionGroupDatabaseTypes,
    PermissionGroupTypes,
    TokenType
);

/// A struct read field by field from an item. The typed events and results implement it; so
/// can your own types (see [`typed_struct!`](crate::typed_struct)).
pub trait FromItem: Sized {
    /// Reads every field from `from`.
    fn from_lookup<'a, L: Lookup<'a>>(from: &L) -> Result<Self, FieldError>;

    /// Reads every field from `item`.
    fn from_item(item: &Item<'_>) -> Result<Self, FieldError> {
        Self::from_lookup(item)
    }
}

impl Response {
    /// Every item as a `T` (see [`typed`](crate::typed)).
    pub fn typed<T: crate::typed::FromItem>(&self) -> Result<Vec<T>, FieldError> {
        self.iter().map(|item| T::from_item(&item)).collect()
    }

    /// The first item as a `T`, if there is one.
    pub fn first_typed<T: crate::typed::FromItem>(&self) -> Result<Option<T>, FieldError> {
        self.first().map(|item| T::from_item(&item)).transpose()
    }
}

/// Declares a struct of typed fields read from an item (a [`FromItem`]). A field reads the key
/// of its own name unless `= "key"` follows its type.
///
/// ```
/// ts3q::typed_struct! {
///     /// One row of `clientlist`, the fields this bot needs.
///     pub struct Row {
///         /// Client id.
///         clid: u32,
///         /// Nickname.
///         client_nickname: String,
///         /// Server groups (`-groups`).
///         groups: Option<Vec<u32>> = "client_servergroups",
///     }
/// }
/// use ts3q::typed::FromItem;
/// let items = ts3q::Items::parse("clid=7 client_nickname=Al\\sB client_servergroups=6,8".into()).unwrap();
/// let row = Row::from_item(&items.first().unwrap()).unwrap();
/// assert_eq!((row.clid, row.client_nickname.as_str(), row.groups), (7, "Al B", Some(vec![6, 8])));
/// ```
#[macro_export]
macro_rules! typed_struct {
    ($(#[$meta:meta])* pub struct $name:ident {
        $($(#[$fmeta:meta])* $field:ident : $ty:ty $(= $key:literal)?),* $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            $($(#[$fmeta])* pub $field: $ty,)*
        }

        impl $crate::typed::FromItem for $name {
            fn from_lookup<'a, L: $crate::typed::Lookup<'a>>(
                from: &L,
            ) -> Result<Self, $crate::FieldError> {
                Ok($name {
                    $($field: <$ty as $crate::typed::FieldType>::read(
                        from,
                        $crate::typed_struct!(@key $field $($key)?),
                    )?,)*
                })
            }
        }
    };
    (@key $field:ident $key:literal) => { $key };
    (@key $field:ident) => { stringify!($field) };
}
