//! The `error id=N msg=...` line that ends every response, and the refusal it carries.

use std::borrow::Cow;
use std::fmt;

use bytes::{Bytes, BytesMut};

use super::items::{is_secret_key, Item, Items, Value};
use crate::error::ParseError;
use crate::error_id::ErrorId;

/// The `error id=N msg=...` line that ends every response.
#[derive(Clone, PartialEq, Eq)]
pub struct Status {
    /// The id is kept in `fields.extra`.
    fields: Items,
}

impl Status {
    /// Parses an error line (`error id=...`).
    pub fn parse(line: Bytes) -> Result<Status, ParseError> {
        if line == Status::OK_LINE {
            return Ok(Status::ok());
        }
        let offset = if line.starts_with(b"error ") {
            6
        } else {
            line.len().min(5)
        };
        // The id usually comes first (`error id=0 msg=ok`): read it without indexing the line.
        if let Some(digits) = line.strip_prefix(b"error id=") {
            let end = digits
                .iter()
                .position(|&b| b == b' ')
                .unwrap_or(digits.len());
            if let Some(id) = parse_u32(&digits[..end]) {
                let fields = Items::parse_from(line, offset)?;
                return Ok(Status::with_id(id, fields));
            }
        }
        let fields = Items::parse_from(line, offset)?;
        let id = {
            let item = fields.first().ok_or(ParseError::MissingErrorId)?;
            let value = item.get("id").ok_or(ParseError::MissingErrorId)?;
            parse_u32(value.raw()).ok_or(ParseError::InvalidErrorId)?
        };
        Ok(Status::with_id(id, fields))
    }

    /// A status built from parts (for tests and servers).
    pub fn new(id: u32, msg: &str) -> Status {
        let mut line = BytesMut::from(&b"error id="[..]);
        line.extend_from_slice(id.to_string().as_bytes());
        line.extend_from_slice(b" msg=");
        crate::escape::escape_into(msg.as_bytes(), &mut line);
        Status::parse(line.freeze()).unwrap_or(Status::with_id(id, Items::default()))
    }

    /// The line most responses end with.
    pub(crate) const OK_LINE: &'static [u8] = b"error id=0 msg=ok";

    /// [`OK_LINE`](Self::OK_LINE)'s status, on a static copy of it: it holds no reference to
    /// (and keeps no memory of) the receive buffer.
    pub(crate) const fn ok() -> Status {
        Status {
            fields: Items::from_static(Status::OK_LINE, 6),
        }
    }

    fn with_id(id: u32, mut fields: Items) -> Status {
        fields.extra = id;
        Status { fields }
    }

    /// The error id (0 is success).
    pub fn id(&self) -> u32 {
        self.fields.extra
    }

    /// The id as an [`ErrorId`] (`ErrorId::Other` for an id not in the table).
    pub fn code(&self) -> ErrorId {
        ErrorId::from_id(self.id())
    }

    /// Whether the id is 0.
    pub fn is_ok(&self) -> bool {
        self.id() == 0
    }

    /// The message, unescaped.
    pub fn msg(&self) -> Cow<'_, str> {
        self.str("msg").unwrap_or(Cow::Borrowed(""))
    }

    /// `extra_msg`, unescaped.
    pub fn extra_msg(&self) -> Option<Cow<'_, str>> {
        self.str("extra_msg")
    }

    /// `failed_permid`.
    pub fn failed_permid(&self) -> Option<u32> {
        self.get("failed_permid").and_then(|v| v.parse())
    }

    /// Any key of the error line.
    pub fn get(&self, key: &str) -> Option<Value<'_>> {
        self.fields.first()?.get(key)
    }

    fn str(&self, key: &str) -> Option<Cow<'_, str>> {
        self.fields.first()?.str(key)
    }

    /// All fields of the error line, `id` and `msg` included.
    pub fn item(&self) -> Option<Item<'_>> {
        self.fields.first()
    }

    /// Fields other than `id` and `msg` (`extra_msg`, `failed_permid`, `return_code`, ...).
    pub fn extra(&self) -> impl Iterator<Item = (&[u8], Value<'_>)> {
        self.item()
            .into_iter()
            .flat_map(|i| i.iter())
            .filter(|(k, _)| *k != b"id" && *k != b"msg")
    }

    /// 524: the client is flooding.
    pub fn is_flooding(&self) -> bool {
        self.code() == ErrorId::ClientIsFlooding
    }

    /// 3329 or 3331: banned.
    pub fn is_banned(&self) -> bool {
        matches!(
            self.code(),
            ErrorId::ConnectFailedBanned | ErrorId::BanFlooding
        )
    }

    /// 1281: a list command found nothing.
    pub fn is_empty_result(&self) -> bool {
        self.code() == ErrorId::DatabaseEmptyResult
    }

    /// 2568: insufficient client permissions (see [`failed_permid`](Self::failed_permid)).
    pub fn is_insufficient_permissions(&self) -> bool {
        self.code() == ErrorId::PermissionsClientInsufficient
    }

    /// Seconds the server asks to wait, from a 524's `extra_msg=please wait N seconds`.
    pub fn flood_wait_secs(&self) -> Option<u64> {
        let extra = self.extra_msg()?;
        extra.split(' ').find_map(|w| w.parse::<u64>().ok())
    }

    /// `Ok(())` for id 0, the [`QueryError`] otherwise.
    pub fn check(&self) -> Result<(), QueryError> {
        if self.is_ok() {
            Ok(())
        } else {
            Err(QueryError(self.clone()))
        }
    }
}

impl fmt::Debug for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Status");
        s.field("id", &self.id()).field("msg", &self.msg());
        for (k, v) in self.extra() {
            if is_secret_key(k) {
                s.field(&String::from_utf8_lossy(k), &"<redacted>");
            } else {
                s.field(&String::from_utf8_lossy(k), &v);
            }
        }
        s.finish()
    }
}

fn parse_u32(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 10 {
        return None;
    }
    let mut n: u64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(c - b'0');
    }
    u32::try_from(n).ok()
}

/// A `error id=N` line with `N != 0`: the server refused the command.
///
/// It carries the whole parsed error line; the message, extra message and failed permission id
/// are unescaped on access.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[error("query error {}: {}{}", .0.id(), .0.msg(), .0.extra_msg().map(|m| format!(" ({m})")).unwrap_or_default())]
pub struct QueryError(pub Status);

impl QueryError {
    /// The error id.
    pub fn id(&self) -> u32 {
        self.0.id()
    }
    /// The error id as an [`ErrorId`](crate::ErrorId), to match on:
    ///
    /// ```
    /// use ts3q::{ErrorId, QueryError, Status};
    /// let e = QueryError(Status::new(768, "invalid channelID"));
    /// assert!(matches!(e.code(), ErrorId::ChannelInvalidId));
    /// ```
    pub fn code(&self) -> crate::ErrorId {
        self.0.code()
    }
    /// The whole error line.
    pub fn status(&self) -> &Status {
        &self.0
    }
}

impl std::ops::Deref for QueryError {
    type Target = Status;
    fn deref(&self) -> &Status {
        &self.0
    }
}

impl fmt::Debug for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}
