//! The server side of the wire: a command line parsed back into its name, pipes, parameters
//! and options. It uses the same zero-copy index as responses, and accepts what real servers
//! accept: options anywhere, positional words (`login NAME PASSWORD`, `use 1`), extra spaces.

use std::fmt;

use bytes::Bytes;
use memchr::memchr;

use crate::command::is_word;
use crate::error::CodecError;
use crate::parse::{Item, Items, Value};

/// A parsed command line.
///
/// ```
/// use ts3q::ParsedCommand;
/// let cmd = ParsedCommand::parse("clientkick reasonid=5 reasonmsg=Go\\saway! clid=1|clid=2 -x".into()).unwrap();
/// assert_eq!(cmd.name(), "clientkick");
/// assert_eq!(cmd.len(), 2);
/// let first = cmd.pipe(0).unwrap();
/// assert_eq!(first.get("reasonmsg").unwrap().to_str_lossy(), "Go away!");
/// assert_eq!(cmd.pipe(1).unwrap().options().collect::<Vec<_>>(), ["x"]);
/// assert!(cmd.has_option("x"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ParsedCommand {
    name: (u32, u32),
    items: Items,
}

impl ParsedCommand {
    /// Parses one line (a trailing `\n`, `\r` or both are ignored).
    pub fn parse(line: Bytes) -> Result<ParsedCommand, CodecError> {
        let mut end = line.len();
        while end > 0 && matches!(line[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        let line = line.slice(..end);
        let start = line
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\r')
            .count();
        if start == line.len() {
            return Err(CodecError::Empty);
        }
        let name_end = memchr(b' ', &line[start..]).map_or(line.len(), |i| start + i);
        if !is_word(&line[start..name_end]) {
            return Err(CodecError::InvalidName);
        }
        let offset = (name_end + 1).min(line.len());
        Ok(ParsedCommand {
            name: (start as u32, name_end as u32),
            items: Items::parse_from(line, offset)?,
        })
    }

    /// The command name (ASCII letters, digits, `_`).
    pub fn name(&self) -> &str {
        let (s, e) = self.name;
        std::str::from_utf8(&self.items.raw()[s as usize..e as usize]).unwrap_or("")
    }

    /// Number of pipes (0 when the command has no arguments).
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the command has no arguments.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Pipe `i`.
    pub fn pipe(&self, i: usize) -> Option<Pipe<'_>> {
        self.items.get(i).map(|item| Pipe { item })
    }

    /// All pipes in order.
    pub fn pipes(&self) -> impl ExactSizeIterator<Item = Pipe<'_>> {
        self.items.iter().map(|item| Pipe { item })
    }

    /// The value of `key` in the first pipe that has it.
    pub fn get(&self, key: &str) -> Option<Value<'_>> {
        self.items.iter().find_map(|i| i.get(key))
    }

    /// Whether any pipe carries `-option`.
    pub fn has_option(&self, option: &str) -> bool {
        self.pipes().any(|p| p.options().any(|o| o == option))
    }

    /// The whole line.
    pub fn raw(&self) -> &Bytes {
        self.items.raw()
    }
}

impl fmt::Debug for ParsedCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::command::write_redacted(f, self.raw())
    }
}

/// One pipe of a command: its parameters, options and positional words.
#[derive(Clone, Copy)]
pub struct Pipe<'a> {
    item: Item<'a>,
}

/// One argument of a pipe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arg<'a> {
    /// `key=value`.
    Param(&'a str, Value<'a>),
    /// `-option`, without the dash.
    Option(&'a str),
    /// A word without `=` (positional argument or bare key), still escaped.
    Word(Value<'a>),
}

impl<'a> Pipe<'a> {
    /// Arguments in order.
    pub fn args(&self) -> impl Iterator<Item = Arg<'a>> + 'a {
        self.item.tokens().map(|(token, key, value)| {
            if !value.is_bare() && is_word(key) {
                // is_word guarantees ASCII.
                return Arg::Param(std::str::from_utf8(key).unwrap_or(""), value);
            }
            match token.strip_prefix(b"-") {
                Some(o) if is_word(o) => Arg::Option(std::str::from_utf8(o).unwrap_or("")),
                _ => Arg::Word(Value::word(token)),
            }
        })
    }

    /// The `key=value` parameters in order.
    pub fn params(&self) -> impl Iterator<Item = (&'a str, Value<'a>)> + 'a {
        self.args().filter_map(|a| match a {
            Arg::Param(k, v) => Some((k, v)),
            _ => None,
        })
    }

    /// The options in order, without their dashes.
    pub fn options(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.args().filter_map(|a| match a {
            Arg::Option(o) => Some(o),
            _ => None,
        })
    }

    /// Positional words in order (`login NAME PASSWORD`).
    pub fn words(&self) -> impl Iterator<Item = Value<'a>> + 'a {
        self.args().filter_map(|a| match a {
            Arg::Word(w) => Some(w),
            _ => None,
        })
    }

    /// The value of parameter `key`.
    pub fn get(&self, key: &str) -> Option<Value<'a>> {
        self.params().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
}

impl fmt::Debug for Pipe<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.item, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positional_and_options_anywhere() {
        let c = ParsedCommand::parse("  login serveradmin pass\\sword\n\r".into()).unwrap();
        assert_eq!(c.name(), "login");
        let words: Vec<_> = c
            .pipe(0)
            .unwrap()
            .words()
            .map(|w| w.to_str_lossy().into_owned())
            .collect();
        assert_eq!(words, ["serveradmin", "pass word"]);
        let c = ParsedCommand::parse("use -virtual port=9987 client_nickname=Bot".into()).unwrap();
        assert!(c.has_option("virtual"));
        assert_eq!(c.get("port").unwrap().raw(), b"9987");
        let args: Vec<_> = c.pipe(0).unwrap().args().collect();
        assert!(matches!(args[0], Arg::Option("virtual")));
    }

    #[test]
    fn empty_and_invalid() {
        assert_eq!(ParsedCommand::parse("   ".into()), Err(CodecError::Empty));
        assert_eq!(ParsedCommand::parse("\n".into()), Err(CodecError::Empty));
        assert_eq!(
            ParsedCommand::parse("cl|ientlist".into()),
            Err(CodecError::InvalidName)
        );
        let c = ParsedCommand::parse("version".into()).unwrap();
        assert_eq!(c.name(), "version");
        assert!(c.is_empty());
    }

    #[test]
    fn negative_values_are_params_not_options() {
        let c = ParsedCommand::parse("channeledit cid=1 channel_order=-1".into()).unwrap();
        assert_eq!(c.get("channel_order").unwrap().raw(), b"-1");
        assert!(!c.has_option("1"));
    }

    #[test]
    fn debug_redacts() {
        let c =
            ParsedCommand::parse("login client_login_name=a client_login_password=secret".into())
                .unwrap();
        assert!(!format!("{c:?}").contains("secret"));
        let c = ParsedCommand::parse("login serveradmin secret".into()).unwrap();
        assert_eq!(format!("{c:?}"), "\"login serveradmin <redacted>\"");
    }
}
