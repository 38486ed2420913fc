//! A complete response: the items of all its data lines and its status line.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use bytes::Bytes;

use super::items::{Item, Items, ItemsIter, Value};
use super::status::{QueryError, Status};
use crate::error::{FieldError, ParseError};

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
        self.response.get(self.index).unwrap_or(Item::EMPTY)
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
