//! Query URIs: `telnet://user:pass@host:10011`, `ssh://user:pass@host:10022`.
//!
//! User and password are percent-decoded (py-ts3 does not, so a `@` or `:` in a password breaks
//! it); a missing port takes the interface's default.

use std::fmt;

/// How the query interface is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// Raw TCP (`telnet://`).
    Tcp,
    /// SSH (`ssh://`), ServerQuery only.
    Ssh,
}

/// A parsed query URI.
///
/// ```
/// use ts3q::{Mode, QueryUri, Transport};
/// let u = QueryUri::parse("ssh://serveradmin:p%40ss%3Aword@ts.example.org", Mode::ServerQuery).unwrap();
/// assert_eq!(u.transport, Transport::Ssh);
/// assert_eq!((u.host.as_str(), u.port), ("ts.example.org", 10022));
/// assert_eq!(u.password.as_deref(), Some("p@ss:word"));
/// let u = QueryUri::parse("telnet://[::1]", Mode::ClientQuery).unwrap();
/// assert_eq!((u.host.as_str(), u.port), ("::1", 25639));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct QueryUri {
    /// Transport, from the scheme.
    pub transport: Transport,
    /// Host name or address (IPv6 without brackets).
    pub host: String,
    /// Port.
    pub port: u16,
    /// User (the query login), percent-decoded.
    pub user: Option<String>,
    /// Password, percent-decoded.
    pub password: Option<String>,
}

/// Why a URI does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UriError {
    /// Not `telnet://` or `ssh://`.
    #[error("unsupported scheme (use telnet:// or ssh://)")]
    Scheme,
    /// No host.
    #[error("missing host")]
    Host,
    /// The port is not a number from 1 to 65535.
    #[error("invalid port")]
    Port,
    /// A `%` not followed by two hex digits, or decoding to invalid UTF-8.
    #[error("invalid percent-encoding in user or password")]
    Encoding,
}

impl QueryUri {
    /// Parses `scheme://[user[:password]@]host[:port][/]`; `mode` picks the default port
    /// (ServerQuery 10011 raw / 10022 SSH, ClientQuery 25639).
    pub fn parse(uri: &str, mode: crate::Mode) -> Result<QueryUri, UriError> {
        let (scheme, rest) = uri.split_once("://").ok_or(UriError::Scheme)?;
        let transport = match scheme.to_ascii_lowercase().as_str() {
            "telnet" | "tcp" => Transport::Tcp,
            "ssh" => Transport::Ssh,
            _ => return Err(UriError::Scheme),
        };
        let rest = rest.trim_end_matches('/');
        let (userinfo, hostport) = match rest.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, rest),
        };
        let (user, password) = match userinfo {
            None => (None, None),
            Some(u) => match u.split_once(':') {
                Some((u, p)) => (Some(decode(u)?), Some(decode(p)?)),
                None => (Some(decode(u)?), None),
            },
        };
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or(UriError::Host)?;
            (h, after.strip_prefix(':'))
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            }
        };
        if host.is_empty() {
            return Err(UriError::Host);
        }
        let port = match port {
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or(UriError::Port)?,
            None => match (mode, transport) {
                (crate::Mode::ClientQuery, _) => 25639,
                (crate::Mode::ServerQuery, Transport::Tcp) => 10011,
                (crate::Mode::ServerQuery, Transport::Ssh) => 10022,
            },
        };
        Ok(QueryUri {
            transport,
            host: host.to_string(),
            port,
            user,
            password,
        })
    }
}

impl fmt::Debug for QueryUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueryUri")
            .field("transport", &self.transport)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

fn decode(s: &str) -> Result<String, UriError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3).ok_or(UriError::Encoding)?;
            let hex = std::str::from_utf8(hex).map_err(|_| UriError::Encoding)?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| UriError::Encoding)?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| UriError::Encoding)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Mode::*;

    #[test]
    fn forms() {
        let u =
            QueryUri::parse("telnet://serveradmin:Z0YxRb7u@localhost:10011", ServerQuery).unwrap();
        assert_eq!(
            (u.user.as_deref(), u.password.as_deref(), u.port),
            (Some("serveradmin"), Some("Z0YxRb7u"), 10011)
        );
        let u = QueryUri::parse("telnet://localhost", ServerQuery).unwrap();
        assert_eq!((u.user, u.port), (None, 10011));
        let u = QueryUri::parse("ssh://a@b@host:2222/", ServerQuery).unwrap();
        assert_eq!(
            (u.user.as_deref(), u.host.as_str(), u.port),
            (Some("a@b"), "host", 2222)
        );
        let u = QueryUri::parse("ssh://[::1]:10022", ServerQuery).unwrap();
        assert_eq!(u.host, "::1");
        assert!(!format!(
            "{:?}",
            QueryUri::parse("ssh://u:hunter2@h", ServerQuery).unwrap()
        )
        .contains("hunter2"));
    }

    #[test]
    fn errors() {
        assert_eq!(
            QueryUri::parse("http://h", ServerQuery),
            Err(UriError::Scheme)
        );
        assert_eq!(QueryUri::parse("h:1", ServerQuery), Err(UriError::Scheme));
        assert_eq!(
            QueryUri::parse("telnet://", ServerQuery),
            Err(UriError::Host)
        );
        assert_eq!(
            QueryUri::parse("telnet://h:0", ServerQuery),
            Err(UriError::Port)
        );
        assert_eq!(
            QueryUri::parse("telnet://h:x", ServerQuery),
            Err(UriError::Port)
        );
        assert_eq!(
            QueryUri::parse("telnet://u:%zz@h", ServerQuery),
            Err(UriError::Encoding)
        );
        assert_eq!(
            QueryUri::parse("telnet://u:%4@h", ServerQuery),
            Err(UriError::Encoding)
        );
    }
}
