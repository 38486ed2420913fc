//! The typed layer: events, command results and your own structs read from items, with no
//! dependency beyond the core (the `serde` feature's `ts3q::de` is the other way).
//!
//! - [`events`]: [`Notification`](events::Notification), every notification of both query
//!   manuals, one struct each;
//! - [`results`]: the results of the commands bots use most (`whoami`, `clientlist`, ...);
//! - [`FromItem`] and [`typed_struct!`](crate::typed_struct) to declare your own.
//!
//! Reading a field never allocates but for `String`s and lists; numbers are read from the
//! line's bytes.

pub mod events;
mod field;
pub mod results;

pub use field::{FieldType, FromItem, FromValue, Lookup, Shared};
