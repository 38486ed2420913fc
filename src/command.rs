//! Building commands: `name key=value ... -option | key=value ...`, compiled to bytes ending
//! in `\n`.
//!
//! Values are escaped as they are added, straight into the command's buffer, so compiling
//! allocates nothing more. Keys, options and the name are checked (ASCII letters, digits, `_`)
//! instead of escaped: a key that needed escaping is a bug, not data. Together this means no
//! value can ever put a raw space, `|`, `\n` or `\r` into the compiled line.

use std::fmt::{self, Write as _};

use bytes::{BufMut, Bytes, BytesMut};

use crate::command_sets::{CLIENT_COMMANDS, SERVER_COMMANDS};
use crate::error::CommandError;
use crate::escape::escape_into;
use crate::mode::Mode;

impl Mode {
    /// Whether `name` is in this interface's command set.
    pub fn contains(self, name: &str) -> bool {
        self.names().binary_search(&name).is_ok()
    }

    /// The interface's command names, sorted.
    pub fn names(self) -> &'static [&'static str] {
        match self {
            Mode::ServerQuery => &SERVER_COMMANDS,
            Mode::ClientQuery => &CLIENT_COMMANDS,
        }
    }
}

/// A value that can be a command parameter.
///
/// Implemented for strings, byte strings, integers, floats, `bool` (as `1`/`0`), `char`, the
/// [`definitions`](crate::definitions) enums, references to these, and [`Disp`]-wrapped `Display` values.
pub trait ParamValue {
    /// Appends the escaped value to `out`.
    fn write_escaped(&self, out: &mut BytesMut);
}

impl<T: ParamValue + ?Sized> ParamValue for &T {
    fn write_escaped(&self, out: &mut BytesMut) {
        (**self).write_escaped(out)
    }
}

impl ParamValue for str {
    fn write_escaped(&self, out: &mut BytesMut) {
        escape_into(self.as_bytes(), out)
    }
}

impl ParamValue for String {
    fn write_escaped(&self, out: &mut BytesMut) {
        escape_into(self.as_bytes(), out)
    }
}

impl ParamValue for std::borrow::Cow<'_, str> {
    fn write_escaped(&self, out: &mut BytesMut) {
        escape_into(self.as_bytes(), out)
    }
}

impl ParamValue for [u8] {
    fn write_escaped(&self, out: &mut BytesMut) {
        escape_into(self, out)
    }
}

impl ParamValue for Vec<u8> {
    fn write_escaped(&self, out: &mut BytesMut) {
        escape_into(self, out)
    }
}

impl ParamValue for bool {
    fn write_escaped(&self, out: &mut BytesMut) {
        out.put_u8(if *self { b'1' } else { b'0' })
    }
}

impl ParamValue for char {
    fn write_escaped(&self, out: &mut BytesMut) {
        escape_into(self.encode_utf8(&mut [0u8; 4]).as_bytes(), out)
    }
}

// Numbers print only digits, signs, '.', 'e' and letters of "NaN"/"inf": nothing to escape.
macro_rules! display_param {
    ($($t:ty),*) => {$(
        impl ParamValue for $t {
            fn write_escaped(&self, out: &mut BytesMut) {
                let _ = write!(out, "{}", self);
            }
        }
    )*};
}
display_param!(u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, f32, f64);

/// Wraps any [`Display`](fmt::Display) value as a parameter; its text is escaped as it is
/// formatted, without an intermediate `String`.
///
/// ```
/// use ts3q::{Command, Disp};
/// let ip: std::net::IpAddr = "127.0.0.1".parse().unwrap();
/// let cmd = Command::new("banadd").param("ip", Disp(ip));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Disp<T>(pub T);

impl<T: fmt::Display> ParamValue for Disp<T> {
    fn write_escaped(&self, out: &mut BytesMut) {
        let _ = write!(EscapingWriter(out), "{}", self.0);
    }
}

struct EscapingWriter<'a>(&'a mut BytesMut);

impl fmt::Write for EscapingWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        escape_into(s.as_bytes(), self.0);
        Ok(())
    }
}

/// Where the next parameter or option goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Next {
    /// Right after the name.
    First,
    /// Later in the current pipe.
    SamePipe,
    /// First in a new pipe (after a non-empty one).
    NewPipe,
}

/// A query command under construction (py-ts3's query builder).
///
/// ```
/// use ts3q::{Command, Mode};
/// let cmd = Command::new("clientkick")
///     .param("reasonid", 5)
///     .param("reasonmsg", "Go away!")
///     .param("clid", 1)
///     .pipe()
///     .param("clid", 2);
/// assert_eq!(
///     cmd.compile(Mode::ServerQuery).unwrap(),
///     "clientkick reasonid=5 reasonmsg=Go\\saway! clid=1|clid=2\n"
/// );
///
/// let cmd = Command::new("clientlist").option("uid").option("away");
/// assert_eq!(cmd.compile(Mode::ServerQuery).unwrap(), "clientlist -uid -away\n");
///
/// // Unknown commands are refused unless allowed explicitly.
/// assert!(Command::new("frobnicate").compile(Mode::ServerQuery).is_err());
/// assert!(Command::new("frobnicate").allow_unknown().compile(Mode::ServerQuery).is_ok());
/// ```
#[derive(Clone)]
pub struct Command {
    buf: BytesMut,
    name_len: usize,
    next: Next,
    allow_unknown: bool,
    error: Option<CommandError>,
}

impl Command {
    /// Starts a command. An invalid name is reported by [`compile`](Self::compile).
    pub fn new(name: &str) -> Command {
        let mut buf = BytesMut::with_capacity(name.len() + 64);
        let error = if is_word(name.as_bytes()) {
            buf.extend_from_slice(name.as_bytes());
            None
        } else {
            Some(CommandError::InvalidName { name: name.into() })
        };
        Command {
            name_len: buf.len(),
            buf,
            next: Next::First,
            allow_unknown: false,
            error,
        }
    }

    /// The command name.
    pub fn name(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.name_len]).unwrap_or("")
    }

    /// Adds `key=value` to the current pipe.
    pub fn param(mut self, key: &str, value: impl ParamValue) -> Command {
        self.push_param(key, value);
        self
    }

    /// Adds `key=value` when `value` is `Some`.
    pub fn param_opt<V: ParamValue>(mut self, key: &str, value: Option<V>) -> Command {
        if let Some(v) = value {
            self.push_param(key, v);
        }
        self
    }

    /// Adds `-option` to the current pipe (without the leading `-`).
    pub fn option(mut self, option: &str) -> Command {
        self.push_option(option);
        self
    }

    /// Starts a new pipe: following parameters go after a `|`. Empty pipes are never emitted.
    pub fn pipe(mut self) -> Command {
        self.push_pipe();
        self
    }

    /// Accepts a name that is not in the interface's command set (newer servers add commands).
    pub fn allow_unknown(mut self) -> Command {
        self.allow_unknown = true;
        self
    }

    /// [`param`](Self::param) through `&mut`, for loops.
    pub fn push_param(&mut self, key: &str, value: impl ParamValue) -> &mut Command {
        if !is_word(key.as_bytes()) {
            self.fail(CommandError::InvalidKey { key: key.into() });
            return self;
        }
        self.separator();
        self.buf.extend_from_slice(key.as_bytes());
        self.buf.put_u8(b'=');
        value.write_escaped(&mut self.buf);
        self
    }

    /// [`option`](Self::option) through `&mut`.
    pub fn push_option(&mut self, option: &str) -> &mut Command {
        let option = option.strip_prefix('-').unwrap_or(option);
        if !is_word(option.as_bytes()) {
            self.fail(CommandError::InvalidOption {
                option: option.into(),
            });
            return self;
        }
        self.separator();
        self.buf.put_u8(b'-');
        self.buf.extend_from_slice(option.as_bytes());
        self
    }

    /// [`pipe`](Self::pipe) through `&mut`.
    pub fn push_pipe(&mut self) -> &mut Command {
        if self.next == Next::SamePipe {
            self.next = Next::NewPipe;
        }
        self
    }

    fn separator(&mut self) {
        match self.next {
            Next::First | Next::SamePipe => self.buf.put_u8(b' '),
            Next::NewPipe => self.buf.put_u8(b'|'),
        }
        self.next = Next::SamePipe;
    }

    fn fail(&mut self, e: CommandError) {
        if self.error.is_none() {
            self.error = Some(e);
        }
    }

    fn check(&self, set: Mode) -> Result<(), CommandError> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        if !self.allow_unknown && !set.contains(self.name()) {
            return Err(CommandError::InvalidCommand {
                name: self.name().into(),
                set,
            });
        }
        Ok(())
    }

    /// The command line, `\n` included, checked against `set`.
    pub fn compile(&self, set: Mode) -> Result<Bytes, CommandError> {
        let mut out = BytesMut::with_capacity(self.len());
        self.compile_into(set, &mut out)?;
        Ok(out.freeze())
    }

    /// [`compile`](Self::compile) without copying the buffer.
    pub fn into_bytes(mut self, set: Mode) -> Result<Bytes, CommandError> {
        self.check(set)?;
        self.buf.put_u8(b'\n');
        Ok(self.buf.freeze())
    }

    /// [`compile`](Self::compile), appending to `out` instead of making a buffer.
    pub(crate) fn compile_into(&self, set: Mode, out: &mut BytesMut) -> Result<(), CommandError> {
        self.check(set)?;
        out.extend_from_slice(&self.buf);
        out.put_u8(b'\n');
        Ok(())
    }

    /// Compiled length in bytes, terminator included.
    pub fn len(&self) -> usize {
        self.buf.len() + 1
    }

    /// Whether the command has neither parameters nor options.
    pub fn is_empty(&self) -> bool {
        self.next == Next::First
    }
}

/// Shows the command with credential values replaced by `<redacted>`.
impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_redacted(f, &self.buf)
    }
}

/// Writes a command line, replacing the values of credential keys and the password of the
/// positional `login NAME PASSWORD`.
pub(crate) fn write_redacted(f: &mut fmt::Formatter<'_>, line: &[u8]) -> fmt::Result {
    f.write_char('"')?;
    let tokens = || line.split(|&b| b == b' ' || b == b'|' || b == b'\n');
    let positional_login = tokens()
        .next()
        .is_some_and(|name| name.eq_ignore_ascii_case(b"login"));
    for (i, token) in tokens().enumerate() {
        if i > 0 {
            f.write_char(' ')?;
        }
        let (key, rest) = match memchr::memchr(b'=', token) {
            Some(eq) => (&token[..eq], Some(&token[eq..])),
            None if positional_login && i == 2 => {
                f.write_str("<redacted>")?;
                continue;
            }
            None => (token, None),
        };
        write!(f, "{}", String::from_utf8_lossy(key).escape_debug())?;
        if let Some(rest) = rest {
            if crate::parse::is_secret_key(key) {
                f.write_str("=<redacted>")?;
            } else {
                write!(f, "{}", String::from_utf8_lossy(rest).escape_debug())?;
            }
        }
    }
    f.write_char('"')
}

/// A name, key or option: non-empty ASCII letters, digits and `_`.
pub(crate) fn is_word(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQ: Mode = Mode::ServerQuery;

    fn compiled(c: Command) -> String {
        String::from_utf8(c.compile(SQ).unwrap().to_vec()).unwrap()
    }

    #[test]
    fn set_sizes_match_the_seed() {
        assert_eq!(SERVER_COMMANDS.len(), 124);
        assert_eq!(CLIENT_COMMANDS.len(), 94);
        for set in [SERVER_COMMANDS.as_slice(), CLIENT_COMMANDS.as_slice()] {
            assert!(set.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
        }
        assert!(Mode::ClientQuery.contains("auth"));
        assert!(!Mode::ServerQuery.contains("auth"));
        assert!(Mode::ServerQuery.contains("servernotifyregister"));
    }

    #[test]
    fn value_kinds() {
        let c = Command::new("clientupdate")
            .param("client_input_muted", true)
            .param("client_output_muted", false)
            .param("n", -12i64)
            .param("f", 1.5f64)
            .param("s", String::from("a b"))
            .param("b", &b"x|y"[..])
            .param("c", ' ')
            .param("d", Disp(format_args!("{} {}", 1, 2)))
            .param_opt("skip", None::<u32>)
            .param_opt("keep", Some(3u8));
        assert_eq!(
            compiled(c),
            "clientupdate client_input_muted=1 client_output_muted=0 n=-12 f=1.5 s=a\\sb b=x\\py c=\\s d=1\\s2 keep=3\n"
        );
    }

    #[test]
    fn empty_value_and_empty_pipes() {
        let c = Command::new("ftinitdownload").param("cpw", "");
        assert_eq!(compiled(c), "ftinitdownload cpw=\n");
        let c = Command::new("clientkick")
            .pipe()
            .pipe()
            .param("clid", 1)
            .pipe()
            .pipe()
            .param("clid", 2)
            .pipe();
        assert_eq!(compiled(c), "clientkick clid=1|clid=2\n");
    }

    #[test]
    fn options_keep_order_and_pipe() {
        let c = Command::new("clientkick")
            .option("foo")
            .pipe()
            .option("-bar");
        assert_eq!(compiled(c), "clientkick -foo|-bar\n");
        let c = Command::new("clientlist")
            .option("uid")
            .param("x", 1)
            .option("away");
        assert_eq!(compiled(c), "clientlist -uid x=1 -away\n");
    }

    #[test]
    fn invalid_parts_are_typed_errors() {
        assert!(matches!(
            Command::new("").compile(SQ),
            Err(CommandError::InvalidName { .. })
        ));
        assert!(matches!(
            Command::new("use sid=1").compile(SQ),
            Err(CommandError::InvalidName { .. })
        ));
        assert!(matches!(
            Command::new("use").param("sid 1", 1).compile(SQ),
            Err(CommandError::InvalidKey { .. })
        ));
        assert!(matches!(
            Command::new("use").param("", 1).compile(SQ),
            Err(CommandError::InvalidKey { .. })
        ));
        assert!(matches!(
            Command::new("clientlist").option("u id").compile(SQ),
            Err(CommandError::InvalidOption { .. })
        ));
        assert!(matches!(
            Command::new("auth").compile(SQ),
            Err(CommandError::InvalidCommand {
                set: Mode::ServerQuery,
                ..
            })
        ));
        assert!(Command::new("auth").compile(Mode::ClientQuery).is_ok());
        // The first error wins and is reported even when later parts are fine.
        let c = Command::new("use").param("a\n", 1).param("b", 2);
        assert_eq!(
            c.compile(SQ),
            Err(CommandError::InvalidKey { key: "a\n".into() })
        );
    }

    #[test]
    fn into_bytes_matches_compile() {
        let c = Command::new("use").param("sid", 1);
        let a = c.compile(SQ).unwrap();
        assert_eq!(c.into_bytes(SQ).unwrap(), a);
    }

    #[test]
    fn debug_redacts_credentials() {
        let c = Command::new("login")
            .param("client_login_name", "serveradmin")
            .param("client_login_password", "hunter2 x");
        let dbg = format!("{c:?}");
        assert!(dbg.contains("serveradmin"), "{dbg}");
        assert!(!dbg.contains("hunter2"), "{dbg}");
        let c = Command::new("auth").param("apikey", "AAAA-BBBB");
        assert!(!format!("{c:?}").contains("AAAA"));
    }

    #[test]
    fn push_api_in_loops() {
        let mut c = Command::new("clientkick").param("reasonid", 5);
        for clid in [1, 2, 3] {
            c.push_pipe().push_param("clid", clid);
        }
        assert_eq!(compiled(c), "clientkick reasonid=5|clid=1|clid=2|clid=3\n");
    }
}
