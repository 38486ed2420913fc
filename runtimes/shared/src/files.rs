//! The file commands besides transfers, typed: `ftgetfilelist`, `ftgetfileinfo`,
//! `ftdeletefile`, `ftcreatedir`, `ftrenamefile`, `ftlist`, `ftstop`. Each is a command
//! builder here and a method on every runtime's connection.

use ts3q::{Command, Item};

use crate::Error;

/// A file or directory of a channel (`ftgetfilelist`, `ftgetfileinfo`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    /// The channel.
    pub cid: u32,
    /// The directory it is in (`/`, `/images/`); empty in `ftgetfileinfo` replies.
    pub path: String,
    /// Its name: a bare name in a list, the full path in `ftgetfileinfo`.
    pub name: String,
    /// Bytes (0 for a directory).
    pub size: u64,
    /// Last change, in seconds since the Unix epoch.
    pub datetime: u64,
    /// Whether it is a directory (`type=0`).
    pub is_dir: bool,
}

impl FileEntry {
    /// Reads one item of a `ftgetfilelist` or `ftgetfileinfo` reply.
    ///
    /// ```
    /// let r = ts3q::Response::parse(
    ///     "cid=2 path=\\/ name=comic.png size=51200 datetime=1700000000 type=1".into(),
    ///     "error id=0 msg=ok".into(),
    /// ).unwrap();
    /// let f = ts3q_runtime::files::FileEntry::from_item(&r.first().unwrap()).unwrap();
    /// assert_eq!((f.name.as_str(), f.size, f.is_dir), ("comic.png", 51200, false));
    /// ```
    pub fn from_item(item: &Item<'_>) -> Result<FileEntry, Error> {
        Ok(FileEntry {
            cid: field(item, "cid")?,
            path: text(item, "path"),
            name: text(item, "name"),
            size: field(item, "size")?,
            datetime: item.parse("datetime").unwrap_or_default(),
            is_dir: item.parse::<u32>("type") == Ok(0),
        })
    }
}

/// A transfer under way on the server (`ftlist`).
#[derive(Debug, Clone, PartialEq)]
pub struct ActiveTransfer {
    /// The client transferring.
    pub clid: u32,
    /// The directory of the file.
    pub path: String,
    /// The file's name.
    pub name: String,
    /// Its size.
    pub size: u64,
    /// Bytes moved so far.
    pub sizedone: u64,
    /// The client's transfer id.
    pub clientftfid: u32,
    /// The server's transfer id (for [`stop`]).
    pub serverftfid: u32,
    /// Whether the server receives (an upload).
    pub upload: bool,
    /// Bytes per second now.
    pub current_speed: f64,
}

impl ActiveTransfer {
    /// Reads one item of a `ftlist` reply.
    pub fn from_item(item: &Item<'_>) -> Result<ActiveTransfer, Error> {
        Ok(ActiveTransfer {
            clid: field(item, "clid")?,
            path: text(item, "path"),
            name: text(item, "name"),
            size: field(item, "size")?,
            sizedone: item.parse("sizedone").unwrap_or_default(),
            clientftfid: field(item, "clientftfid")?,
            serverftfid: field(item, "serverftfid")?,
            upload: item.parse::<u32>("sender").is_ok_and(|s| s == 1),
            current_speed: item.parse("current_speed").unwrap_or_default(),
        })
    }
}

/// Every entry of a reply read with `read`; an empty result (1281) is an empty list.
pub fn all<T>(
    reply: Result<ts3q::Response, Error>,
    read: fn(&Item<'_>) -> Result<T, Error>,
) -> Result<Vec<T>, Error> {
    match reply {
        Ok(r) => r.iter().map(|i| read(&i)).collect(),
        Err(Error::Query(q)) if q.is_empty_result() => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// The first entry of a reply read with `read`.
pub fn one<T>(
    reply: Result<ts3q::Response, Error>,
    read: fn(&Item<'_>) -> Result<T, Error>,
) -> Result<T, Error> {
    let r = reply?;
    let first = r
        .first()
        .ok_or(Error::Transfer(ts3q::filetransfer::FtError::Malformed(
            "name",
        )))?;
    read(&first)
}

fn field<T: std::str::FromStr>(item: &Item<'_>, key: &'static str) -> Result<T, Error> {
    item.parse(key)
        .map_err(|_| Error::Transfer(ts3q::filetransfer::FtError::Malformed(key)))
}

fn text(item: &Item<'_>, key: &str) -> String {
    item.str(key).map(|s| s.into_owned()).unwrap_or_default()
}

/// `ftgetfilelist cid= cpw= path=`: the entries of a directory (`/` for the top).
pub fn list(cid: u32, cpw: &str, path: &str) -> Command {
    Command::new("ftgetfilelist")
        .param("cid", cid)
        .param("cpw", cpw)
        .param("path", path)
}

/// `ftgetfileinfo cid= cpw= name=`: one file's entry.
pub fn info(cid: u32, cpw: &str, name: &str) -> Command {
    Command::new("ftgetfileinfo")
        .param("cid", cid)
        .param("cpw", cpw)
        .param("name", name)
}

/// `ftdeletefile cid= cpw= name=|name=...`: deletes files (and empty directories).
pub fn delete(cid: u32, cpw: &str, names: &[&str]) -> Command {
    let mut cmd = Command::new("ftdeletefile")
        .param("cid", cid)
        .param("cpw", cpw);
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            cmd.push_pipe();
        }
        cmd.push_param("name", *name);
    }
    cmd
}

/// `ftcreatedir cid= cpw= dirname=`.
pub fn create_dir(cid: u32, cpw: &str, dirname: &str) -> Command {
    Command::new("ftcreatedir")
        .param("cid", cid)
        .param("cpw", cpw)
        .param("dirname", dirname)
}

/// `ftrenamefile cid= cpw= oldname= newname=` (within one channel).
pub fn rename(cid: u32, cpw: &str, oldname: &str, newname: &str) -> Command {
    Command::new("ftrenamefile")
        .param("cid", cid)
        .param("cpw", cpw)
        .param("oldname", oldname)
        .param("newname", newname)
}

/// `ftlist`: the transfers under way.
pub fn transfers() -> Command {
    Command::new("ftlist")
}

/// `ftstop serverftfid= delete=`: cancels a transfer; `delete` removes its partial file.
pub fn stop(serverftfid: u32, delete: bool) -> Command {
    Command::new("ftstop")
        .param("serverftfid", serverftfid)
        .param("delete", delete)
}
