//! An event (`notify...` line).

use std::fmt;

use bytes::Bytes;
use memchr::memchr;

use super::items::{Item, Items, ItemsIter};
use crate::error::ParseError;

/// An event (`notify...` line): its name and items.
#[derive(Clone, PartialEq, Eq)]
pub struct Event {
    /// The name's length is kept in `items.extra`.
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
        let mut items = Items::parse_from(line, offset)?;
        // `parse_from` refused a line too long for 32-bit positions, so this fits.
        items.extra = name_len as u32;
        Ok(Event { items })
    }

    /// The event name, e.g. `notifycliententerview`.
    pub fn name(&self) -> &str {
        std::str::from_utf8(&self.items.raw()[..self.items.extra as usize]).unwrap_or("")
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
