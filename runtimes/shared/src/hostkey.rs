//! SSH host key checks, for both SSH crates (`ssh2` and `async-ssh2-lite`, which wraps it):
//! the runtime hands over what the handshake gave, this decides.

use std::path::{Path, PathBuf};

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
/// collection of the session (`session.known_hosts()`); it is called only for the
/// `known_hosts` checks. A refusal carries the key's fingerprint and says how to pin it.
pub fn verify(
    check: &HostKeyCheck,
    host: &str,
    port: u16,
    key: HostKey<'_>,
    known_hosts: impl FnOnce() -> Result<KnownHosts, ssh2::Error>,
) -> Result<(), Error> {
    let fingerprint = key.sha256.map(fingerprint).unwrap_or_default();
    let at = format!("{host}:{port}");
    let mismatch = || Error::HostKeyMismatch {
        host: at.clone(),
        fingerprint: fingerprint.clone(),
    };
    let path = match check {
        HostKeyCheck::AcceptAny => return Ok(()),
        HostKeyCheck::Sha256(expected) => {
            return match key.sha256 {
                Some(got) if got == expected.as_slice() => Ok(()),
                _ => Err(mismatch()),
            }
        }
        HostKeyCheck::KnownHosts(path) => path.clone(),
        HostKeyCheck::UserKnownHosts => user_known_hosts().ok_or(Error::InvalidOptions(
            "HOME is not set: name a known_hosts file with HostKeyCheck::KnownHosts",
        ))?,
    };
    let (raw, _) = key.key.ok_or_else(mismatch)?;
    let mut kh = known_hosts().map_err(ssh_error)?;
    // A file that does not exist lists no host; one that exists must be readable.
    if path.exists() {
        read_known_hosts(&mut kh, &path)?;
    }
    match kh.check_port(host, port, raw) {
        CheckResult::Match => Ok(()),
        CheckResult::Mismatch => Err(mismatch()),
        CheckResult::NotFound => Err(Error::HostKeyUnknown {
            host: at,
            fingerprint,
        }),
        CheckResult::Failure => Err(Error::Ssh(format!(
            "{}: cannot check the host key",
            path.display()
        ))),
    }
}

/// `$HOME/.ssh/known_hosts`.
fn user_known_hosts() -> Option<PathBuf> {
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
    Some(PathBuf::from(home).join(".ssh").join("known_hosts"))
}

/// A SHA-256 key hash as OpenSSH prints it: `SHA256:` and unpadded base64.
///
/// ```
/// let fp = ts3q_runtime::hostkey::fingerprint(&[0xe3; 32]);
/// assert!(fp.starts_with("SHA256:4+Pj4+Pj"));
/// assert_eq!(ts3q_runtime::parse_sha256_fingerprint(&fp), Some([0xe3; 32]));
/// ```
pub fn fingerprint(sha256: &[u8]) -> String {
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::from("SHA256:");
    for chunk in sha256.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(B64[(n >> (18 - 6 * i)) as usize & 63]));
        }
    }
    out
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

/// The SSH half of an async runtime's connect, for any stream async-ssh2-lite drives (its
/// async-io and tokio TCP streams): handshake, host key check, password login, then a shell
/// channel without a pseudo-terminal (a PTY would echo and rewrite lines).
pub async fn open_shell<S>(
    stream: S,
    host: &str,
    port: u16,
    user: &str,
    password: &str,
    check: &HostKeyCheck,
) -> Result<SshShell<S>, Error>
where
    S: async_ssh2_lite::AsyncSessionStream + std::os::fd::AsRawFd + Send + Sync + 'static,
{
    let mut session = async_ssh2_lite::AsyncSession::new(stream, None).map_err(async_ssh)?;
    session.handshake().await.map_err(async_ssh)?;
    let key = HostKey {
        sha256: session.host_key_hash(ssh2::HashType::Sha256),
        key: session.host_key(),
    };
    verify(check, host, port, key, || {
        session.known_hosts().map_err(|e| match e {
            async_ssh2_lite::Error::Ssh2(e) => e,
            _ => ssh2::Error::new(ssh2::ErrorCode::Session(-1), "cannot read known hosts"),
        })
    })?;
    session
        .userauth_password(user, password)
        .await
        .map_err(|_| Error::SshAuth)?;
    if !session.authenticated() {
        return Err(Error::SshAuth);
    }
    let mut channel = session.channel_session().await.map_err(async_ssh)?;
    channel.shell().await.map_err(async_ssh)?;
    Ok(SshShell { channel, session })
}

/// An SSH session and its shell channel.
pub struct SshShell<S> {
    /// The shell channel: the query interface's byte pipe.
    pub channel: async_ssh2_lite::AsyncChannel<S>,
    /// The session (it must outlive the channel).
    pub session: async_ssh2_lite::AsyncSession<S>,
}

/// An async-ssh2-lite error as ours.
pub fn async_ssh(e: async_ssh2_lite::Error) -> Error {
    match e {
        async_ssh2_lite::Error::Io(e) => e.into(),
        other => Error::Ssh(other.to_string()),
    }
}
