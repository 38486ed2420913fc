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
//! Layers, one module each, each using only those above it (`tools/modgraph.py` checks that
//! there is no cycle):
//! - `scan` (private): the field indexer, the escape passes and their SIMD kernels; it
//!   imports nothing from the crate;
//! - [`escape`](mod@escape): the manual's escape table, borrowing when nothing changes;
//! - [`framing`]: incremental line splitting (`\n\r`, `\r\n`, `\n`) with a line length limit;
//! - [`parse`]: zero-copy items, status lines, responses and events, unescaped on access;
//! - [`Mode`]: which interface, and its command names; [`command`]: the command builder;
//! - [`codec`]: the server side, parsing a command line back;
//! - [`client`]: the state machine, with its [`Config`]; [`pacing`]: the flood limit;
//! - [`typed`]: typed events, results and your own structs; `de` (feature `serde`);
//! - [`definitions`]: the manual's constants as enums; [`error`] and [`error_id`]: typed
//!   errors and the server's error ids.
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
mod config;
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
mod mode;
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
    Client, CloseReason, Greeting, Output, ProtocolError, ReplayFailure, RequestError, RequestId,
    SendError, State,
};
pub use codec::{Arg, ParsedCommand, Pipe};
pub use command::{Command, Disp, ParamValue};
pub use config::Config;
pub use error::{CodecError, CommandError, FieldError, ParseError};
pub use error_id::ErrorId;
pub use escape::{escape, escape_bytes, escape_into, unescape, unescape_bytes, unescape_into};
pub use mode::Mode;
pub use pacing::FloodLimit;
pub use parse::{Event, Item, Items, OwnedItem, QueryError, Response, Status, Value};
pub use session::SessionLog;
pub use uri::{QueryUri, Transport, UriError};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
