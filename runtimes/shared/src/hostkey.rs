//! SSH host key checks, for both SSH crates (`ssh2` and `async-ssh2-lite`, which wraps it):
//! the runtime hands over what the handshake gave, this decides.

use std::path::Path;

use ssh2::{CheckResult, HostKeyType, KnownHostFileKind, KnownHosts};
use ts3q::options::HostKeyCheck;

use crate::Error;

/// What an SSH handshake says about the server's key.
#[derive(Debug, Clone, Copy)]
pub struct HostKey<'a> {
    /// The key's SHA-256 hash (`session.host_key_hash(HashType::Sha256)`).
    pub sha256: Option<&'a [u8]>,
    /// The key and its type (`session.host_key()`).
    pub key: Option<(&'a [u8], HostKeyType)>,
}

/// Checks the server's key against `check`. `known_hosts` gives an empty known-hosts
/// collection of the session (`session.known_hosts()`); it is called only for
/// [`HostKeyCheck::KnownHosts`].
pub fn verify(
    check: &HostKeyCheck,
    host: &str,
    port: u16,
    key: HostKey<'_>,
    known_hosts: impl FnOnce() -> Result<KnownHosts, ssh2::Error>,
) -> Result<(), Error> {
    match check {
        HostKeyCheck::AcceptAny => Ok(()),
        HostKeyCheck::Sha256(expected) => match key.sha256 {
            Some(got) if got == expected.as_slice() => Ok(()),
            _ => Err(Error::HostKeyMismatch),
        },
        HostKeyCheck::KnownHosts(path) => {
            let (key, _) = key.key.ok_or(Error::HostKeyMismatch)?;
            let mut kh = known_hosts().map_err(ssh_error)?;
            read_known_hosts(&mut kh, path)?;
            match kh.check_port(host, port, key) {
                CheckResult::Match => Ok(()),
                _ => Err(Error::HostKeyMismatch),
            }
        }
    }
}

fn read_known_hosts(kh: &mut KnownHosts, path: &Path) -> Result<(), Error> {
    kh.read_file(path, KnownHostFileKind::OpenSSH)
        .map(drop)
        .map_err(|e| Error::Ssh(format!("{}: {e}", path.display())))
}

/// An `ssh2` error as [`Error::Ssh`].
pub fn ssh_error(e: ssh2::Error) -> Error {
    Error::Ssh(e.to_string())
}
