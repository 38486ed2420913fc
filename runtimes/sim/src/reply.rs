//! Building what the server sends: data lines of items, error lines, events. Every value goes
//! through the core's escaping, and every line ends with `\n\r` like a real server's.

use ts3q::command::ParamValue;
use ts3q::{Bytes, ErrorId};

/// Line terminator of a TeamSpeak server.
pub const EOL: &[u8] = b"\n\r";

/// Items separated by `|`, fields by spaces.
#[derive(Debug, Default, Clone)]
pub struct Items {
    buf: ts3q::BytesMut,
    fresh_item: bool,
    items: usize,
}

impl Items {
    pub fn new() -> Items {
        Items {
            buf: Default::default(),
            fresh_item: true,
            items: 0,
        }
    }

    /// Starts the next item (the first one starts implicitly).
    pub fn item(&mut self) -> &mut Items {
        if self.items > 0 {
            self.buf.extend_from_slice(b"|");
        }
        self.items += 1;
        self.fresh_item = true;
        self
    }

    fn sep(&mut self) {
        if self.items == 0 {
            self.items = 1;
        } else if !self.fresh_item {
            self.buf.extend_from_slice(b" ");
        }
        self.fresh_item = false;
    }

    /// `key=value`, value escaped.
    pub fn kv(&mut self, key: &str, value: impl ParamValue) -> &mut Items {
        self.sep();
        self.buf.extend_from_slice(key.as_bytes());
        self.buf.extend_from_slice(b"=");
        value.write_escaped(&mut self.buf);
        self
    }

    /// Appends `other`'s fields to the current item (its later items, if any, follow).
    pub fn append(&mut self, other: &Items) -> &mut Items {
        if !other.is_empty() {
            self.sep();
            self.buf.extend_from_slice(other.as_bytes());
            self.items += other.items - 1;
        }
        self
    }

    pub fn is_empty(&self) -> bool {
        self.items == 0
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }
}

/// What a command answers: data lines and the error line.
#[derive(Debug, Clone)]
pub struct Reply {
    pub data: Vec<Items>,
    pub id: u32,
    pub msg: &'static str,
    pub extra: Vec<(&'static str, String)>,
}

impl Reply {
    pub fn ok() -> Reply {
        Reply::error(ErrorId::Ok)
    }

    pub fn items(items: Items) -> Reply {
        if items.is_empty() {
            return Reply::error(ErrorId::DatabaseEmptyResult);
        }
        Reply {
            data: vec![items],
            ..Reply::ok()
        }
    }

    /// An error reply with the id's message from the core's table, so the two cannot drift.
    pub fn error(code: ErrorId) -> Reply {
        Reply {
            data: Vec::new(),
            id: code.id(),
            msg: code.message(),
            extra: Vec::new(),
        }
    }

    pub fn with(mut self, key: &'static str, value: impl ToString) -> Reply {
        self.extra.push((key, value.to_string()));
        self
    }

    /// The bytes on the wire.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for d in &self.data {
            out.extend_from_slice(d.as_bytes());
            out.extend_from_slice(EOL);
        }
        let mut err = Items::new();
        err.kv("id", self.id).kv("msg", self.msg);
        for (k, v) in &self.extra {
            err.kv(k, v.as_str());
        }
        out.extend_from_slice(b"error ");
        out.extend_from_slice(err.as_bytes());
        out.extend_from_slice(EOL);
        out
    }
}

/// An event line: `notifyNAME items\n\r`.
pub fn event(name: &str, items: &Items) -> Bytes {
    let mut out = Vec::with_capacity(name.len() + items.as_bytes().len() + 3);
    out.extend_from_slice(name.as_bytes());
    if !items.is_empty() {
        out.push(b' ');
        out.extend_from_slice(items.as_bytes());
    }
    out.extend_from_slice(EOL);
    Bytes::from(out)
}

/// Common errors, with the real server's messages.
pub mod err {
    use super::Reply;
    use ts3q::ErrorId;
    pub fn not_found() -> Reply {
        Reply::error(ErrorId::CommandNotFound)
    }
    pub fn invalid_client() -> Reply {
        Reply::error(ErrorId::ClientInvalidId)
    }
    pub fn not_logged_in() -> Reply {
        Reply::error(ErrorId::ClientNotLoggedIn)
    }
    pub fn invalid_login() -> Reply {
        Reply::error(ErrorId::ClientInvalidPassword)
    }
    pub fn invalid_channel() -> Reply {
        Reply::error(ErrorId::ChannelInvalidId)
    }
    pub fn already_member() -> Reply {
        Reply::error(ErrorId::ChannelAlreadyIn)
    }
    pub fn channel_name_in_use() -> Reply {
        Reply::error(ErrorId::ChannelNameInuse)
    }
    pub fn channel_not_empty() -> Reply {
        Reply::error(ErrorId::ChannelNotEmpty)
    }
    pub fn invalid_server() -> Reply {
        Reply::error(ErrorId::ServerInvalidId)
    }
    pub fn invalid_parameter() -> Reply {
        Reply::error(ErrorId::ParameterInvalid)
    }
    pub fn missing_parameter() -> Reply {
        Reply::error(ErrorId::ParameterNotFound)
    }
    pub fn not_possible() -> Reply {
        Reply::error(ErrorId::CurrentlyNotPossible)
    }
    pub fn invalid_handler() -> Reply {
        Reply::error(ErrorId::InvalidServerConnectionHandlerId)
    }
    pub fn file_exists() -> Reply {
        Reply::error(ErrorId::FileAlreadyExists)
    }
    pub fn file_not_found() -> Reply {
        Reply::error(ErrorId::FileNotFound)
    }
}
