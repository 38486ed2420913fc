//! # ts3q-runtime: what every ts3q runtime shares
//!
//! The runtimes (`ts3q-blocking`, `ts3q-smol`, `ts3q-tokio`) are socket loops around the
//! [`ts3q`] state machine. Everything else they have in common lives here, with no sockets, so
//! that it exists once and behaves the same on every runtime:
//!
//! ```text
//!              ts3q-blocking        ts3q-smol             ts3q-tokio
//!              (std + ssh2 loop)    (smol Runtime shim)   (tokio Runtime shim)
//!                    │                     └──────┬──────────────┘
//!                    │                  asynch::Connection<R>: the driver task, written once
//!                    ▼                            ▼
//!  ts3q-runtime:  Error · Query<E> · session (options, login, reconnect delays, Reconnected)
//!                 hostkey (SHA-256 pin, known_hosts) · transfer (clientftfid, Plan)
//!                    ▼
//!  ts3q:          Client (sans-IO machine) · Command · Response · Event · filetransfer
//! ```
//!
//! - [`Error`]: one error type, with [`Error::query_id`] for any TeamSpeak error id;
//! - [`Query`]: py-ts3's query builder over anything that implements [`Exec`] (blocking: the
//!   result; async: a future of it);
//! - [`asynch`]: the async connection and its driver, generic over a small [`asynch::Runtime`]
//!   trait (connect, sleep); an executor adapter is that trait and a few lines of glue;
//! - [`session`]: option checks, the commands after the greeting, reconnect attempts;
//! - [`hostkey`]: SSH host key checking for both SSH crates;
//! - [`transfer`]: the `clientftfid` allocator and a transfer's [`transfer::Plan`].
//!
//! With the `testing` feature, `suite` holds the test cases every runtime runs.

#![deny(missing_docs)]

pub mod asynch;
pub mod disk;
mod error;
pub mod files;
mod glue;
pub mod hostkey;
mod query;
pub mod session;
#[cfg(feature = "testing")]
pub mod suite;
pub mod transfer;

pub use error::Error;
pub use query::{Exec, Query, Request};
pub use session::Reconnected;
pub use ts3q;
pub use ts3q::options::{
    parse_sha256_fingerprint, EventQueue, HostKeyCheck, Options, Overflow, Reconnect,
};

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
