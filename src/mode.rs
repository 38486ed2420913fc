//! Which query interface: the one type the machine, the command builder and the URIs share.

use std::fmt;

/// Which query interface the peer is, and so which command names a command is checked
/// against ([`Mode::contains`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// A server's ServerQuery (port 10011 raw, 10022 SSH; 124 commands).
    ServerQuery,
    /// A client's ClientQuery plugin (port 25639; 94 commands).
    ClientQuery,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::ServerQuery => "ServerQuery",
            Mode::ClientQuery => "ClientQuery",
        })
    }
}
