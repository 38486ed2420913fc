//! # ts3q: a sans-IO TeamSpeak 3 query protocol core
//!
//! Everything needed to speak the TeamSpeak 3 ServerQuery and ClientQuery protocols, without
//! any I/O: the caller reads and writes the socket and passes the current time in; the
//! [`Client`] state machine turns received bytes into [`Response`]s and [`Event`]s, turns
//! [`Command`]s into bytes, and says when it next needs to be woken up (keepalive, response
//! timeouts, flood pacing).
//!
//! ```text
//!   your socket / event loop                      ts3q (this crate: no I/O, no clock)
//!  ┌──────────────────────┐  handle_input(bytes, now) ┌───────────────────────────────┐
//!  │ read()  ─────────────┼──────────────────────────▶│ framing ─▶ parse ─▶ client    │
//!  │ write() ◀────────────┼── poll_transmit() ────────│ command (escape) ◀─ send(cmd) │
//!  │ sleep until ─────────┼── poll_timeout() ─────────│ keepalive, timeouts, pacing   │
//!  │ now ─────────────────┼── handle_timeout(now) ───▶│                               │
//!  │ your code ◀──────────┼── poll_output() ──────────│ greeting, responses, events   │
//!  └──────────────────────┘                           └───────────────────────────────┘
//!    ts3q-blocking, ts3q-smol, or your own loop (examples/embed.rs)
//! ```
//!
//! Layers, one module each:
//! - [`escape`](mod@escape): the manual's escape table, borrowing when nothing changes;
//! - [`framing`]: incremental line splitting (`\n\r`, `\r\n`, `\n`) with a line length limit;
//! - [`parse`]: zero-copy responses, error lines and events, unescaped on access;
//! - [`command`]: the command builder, checked against each interface's command set;
//! - [`codec`]: the server side, parsing a command line back;
//! - [`client`]: the state machine; [`pacing`]: the flood limit;
//! - [`definitions`]: the manual's constants as enums; [`error`]: typed errors;
//!   [`error_id`]: the server's error ids;
//! - [`typed`]: typed events, command results and your own structs.
//!
//! ```
//! use std::time::Instant;
//! use ts3q::{Client, Command, Config, Output};
//!
//! let t0 = Instant::now();
//! let mut client = Client::new(Config::server_query(), t0);
//! client.handle_input(b"TS3\n\rWelcome to the TeamSpeak 3 ServerQuery interface\n\r", t0);
//! let id = client.send(Command::new("clientlist").option("uid"), t0).unwrap();
//! let wire = client.poll_transmit().unwrap();          // write this to the socket
//! assert_eq!(wire, "clientlist -uid\n");
//! client.handle_input(b"clid=1 client_nickname=Ben\\s\\pbot\\p|clid=2 client_nickname=Al\n\r", t0);
//! client.handle_input(b"notifytextmessage targetmode=3 msg=hi\n\rerror id=0 msg=ok\n\r", t0);
//! while let Some(out) = client.poll_output() {
//!     match out {
//!         Output::Response { result: Ok(resp), .. } => {
//!             let names: Vec<_> = resp.iter().map(|c| c.str("client_nickname").unwrap()).collect();
//!             assert_eq!(names, ["Ben |bot|", "Al"]);
//!         }
//!         Output::Event(ev) => assert_eq!(ev.name(), "notifytextmessage"),
//!         _ => {}
//!     }
//! }
//! ```
// `unsafe` is denied everywhere but in `simd`, whose kernels say why each use is sound.
#![deny(unsafe_code)]
#![deny(missing_docs)]

pub mod client;
pub mod codec;
pub mod command;
mod command_sets;
#[cfg(feature = "serde")]
pub mod de;
pub mod definitions;
pub mod error;
pub mod error_id;
pub mod escape;
pub mod filetransfer;
pub mod framing;
#[cfg(feature = "internals")]
pub mod internals;
pub mod options;
pub mod pacing;
pub mod parse;
mod scan;
pub mod session;
pub mod tree;
pub mod typed;
pub mod uri;

pub use bytes::{self, Bytes, BytesMut};
pub use client::{
    Client, CloseReason, Config, Greeting, Mode, Output, ReplayFailure, RequestId, State,
};
pub use codec::{Arg, ParsedCommand, Pipe};
pub use command::{Command, CommandSet, Disp, ParamValue};
pub use error::{
    CodecError, CommandError, FieldError, ParseError, ProtocolError, QueryError, RequestError,
    SendError,
};
pub use error_id::ErrorId;
pub use escape::{escape, escape_bytes, escape_into, unescape, unescape_bytes, unescape_into};
pub use pacing::FloodLimit;
pub use parse::{Event, Item, Items, OwnedItem, Response, Status, Value};
pub use session::SessionLog;
pub use uri::{QueryUri, Transport, UriError};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
