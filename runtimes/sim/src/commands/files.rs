//! File commands: transfer keys for the file transfer port, and the in-memory file tree.

use std::time::Duration;

use ts3q::{ErrorId, ParsedCommand};

use super::{flag, number, text};
use crate::reply::{err, Items, Reply};
use crate::world::{Transfer, TransferKind, World};

pub(super) fn check_channel(w: &World, cmd: &ParsedCommand) -> Result<u32, Reply> {
    let cid = number(cmd, "cid")?;
    let c = w.channels.get(&cid).ok_or_else(err::invalid_channel)?;
    let cpw = text(cmd, "cpw").unwrap_or_default();
    if !c.password.is_empty() && cpw != c.password {
        return Err(Reply::error(ErrorId::ChannelInvalidPassword));
    }
    Ok(cid)
}

pub(super) fn valid_path(name: &str) -> bool {
    name.starts_with('/') && !name.split('/').any(|p| p == "..") && !name.contains('\0')
}

pub(super) fn ftinit(w: &mut World, cmd: &ParsedCommand, upload: bool) -> Result<Reply, Reply> {
    let cid = check_channel(w, cmd)?;
    let clientftfid = number(cmd, "clientftfid")?;
    let name = text(cmd, "name").ok_or_else(err::missing_parameter)?;
    let stored = w
        .files
        .get(&cid)
        .and_then(|f| f.get(&name))
        .filter(|f| !f.dir)
        .map(|f| f.data.len() as u64);
    let refuse = |status: u32, msg: &str| {
        let mut i = Items::new();
        i.kv("clientftfid", clientftfid)
            .kv("proto", 0)
            .kv("status", status)
            .kv("msg", msg)
            .kv("size", 0);
        Ok(Reply::items(i))
    };
    if !valid_path(&name) {
        return refuse(2054, "invalid file path");
    }
    let seekpos_req = cmd
        .get("seekpos")
        .and_then(|v| v.parse::<u64>())
        .unwrap_or(0);
    let kind = if upload {
        let size = cmd
            .get("size")
            .and_then(|v| v.parse::<u64>())
            .ok_or_else(err::missing_parameter)?;
        let overwrite = flag(cmd, "overwrite").unwrap_or(false);
        let resume = flag(cmd, "resume").unwrap_or(false);
        if overwrite && resume {
            return refuse(2056, "overwrite excludes resume");
        }
        let seekpos = match stored {
            Some(len) if resume => len.min(size),
            Some(_) if !overwrite => return refuse(2050, "file already exists"),
            _ => 0,
        };
        TransferKind::Upload { size, seekpos }
    } else {
        let Some(len) = stored else {
            return refuse(2051, "file not found");
        };
        if seekpos_req > len {
            return Err(err::invalid_parameter());
        }
        TransferKind::Download {
            seekpos: seekpos_req,
        }
    };
    let key = w.random_key(32);
    let serverftfid = w.next_ftid;
    w.next_ftid += 1;
    let expires = w.now() + Duration::from_secs(w.config.ft_key_ttl_secs);
    let port = w.config.ft_port;
    let mut i = Items::new();
    i.kv("clientftfid", clientftfid)
        .kv("serverftfid", serverftfid)
        .kv("ftkey", key.as_str())
        .kv("port", port);
    match &kind {
        TransferKind::Upload { seekpos, .. } => i.kv("seekpos", *seekpos),
        TransferKind::Download { .. } => i.kv("size", stored.unwrap_or(0)),
    };
    i.kv("proto", 0);
    w.transfers.insert(
        key,
        Transfer {
            cid,
            name,
            clientftfid,
            serverftfid,
            kind,
            expires,
        },
    );
    Ok(Reply::items(i))
}

/// Transfers granted and not finished: here, the tickets not yet redeemed.
pub(super) fn ftlist(w: &World) -> Result<Reply, Reply> {
    let mut i = Items::new();
    let mut granted: Vec<_> = w.transfers.values().collect();
    granted.sort_by_key(|t| t.serverftfid);
    for t in granted {
        let (path, name) = match t.name.rfind('/') {
            Some(at) => (&t.name[..=at], &t.name[at + 1..]),
            None => ("/", t.name.as_str()),
        };
        let (size, sender) = match t.kind {
            TransferKind::Upload { size, .. } => (size, 1),
            TransferKind::Download { .. } => (0, 0),
        };
        i.item()
            .kv("clid", 0)
            .kv("cid", t.cid)
            .kv("path", path)
            .kv("name", name)
            .kv("size", size)
            .kv("sizedone", 0)
            .kv("clientftfid", t.clientftfid)
            .kv("serverftfid", t.serverftfid)
            .kv("sender", sender)
            .kv("status", 0)
            .kv("current_speed", 0)
            .kv("average_speed", 0)
            .kv("runtime", 0);
    }
    if i.is_empty() {
        return Err(Reply::error(ErrorId::DatabaseEmptyResult));
    }
    Ok(Reply::items(i))
}

/// Cancels a granted transfer by its `serverftfid`.
pub(super) fn ftstop(w: &mut World, cmd: &ParsedCommand) -> Result<Reply, Reply> {
    let id = number(cmd, "serverftfid")?;
    let before = w.transfers.len();
    w.transfers.retain(|_, t| t.serverftfid != id);
    if w.transfers.len() == before {
        return Err(Reply::error(ErrorId::FileInvalidTransferId));
    }
    Ok(Reply::ok())
}

pub(super) fn ftgetfilelist(w: &World, cmd: &ParsedCommand) -> Result<Reply, Reply> {
    let cid = check_channel(w, cmd)?;
    let mut path = text(cmd, "path").unwrap_or_else(|| "/".into());
    if !path.ends_with('/') {
        path.push('/');
    }
    let mut i = Items::new();
    if let Some(files) = w.files.get(&cid) {
        for (full, f) in files {
            let Some(rest) = full.strip_prefix(&path) else {
                continue;
            };
            if rest.is_empty() || rest.contains('/') {
                continue;
            }
            i.item()
                .kv("cid", cid)
                .kv("path", path.as_str())
                .kv("name", rest)
                .kv("size", if f.dir { 0 } else { f.data.len() })
                .kv("datetime", f.datetime)
                .kv("type", u32::from(!f.dir));
        }
    }
    Ok(Reply::items(i))
}

pub(super) fn ftgetfileinfo(w: &World, cmd: &ParsedCommand) -> Result<Reply, Reply> {
    let cid = check_channel(w, cmd)?;
    let mut i = Items::new();
    for pipe in cmd.pipes() {
        let Some(name) = pipe.get("name").map(|v| v.to_str_lossy().into_owned()) else {
            continue;
        };
        let f = w
            .files
            .get(&cid)
            .and_then(|f| f.get(&name))
            .ok_or_else(err::file_not_found)?;
        i.item()
            .kv("cid", cid)
            .kv("name", name.as_str())
            .kv("size", if f.dir { 0 } else { f.data.len() })
            .kv("datetime", f.datetime)
            .kv("type", u32::from(!f.dir));
    }
    Ok(Reply::items(i))
}

pub(super) fn ftdeletefile(w: &mut World, cmd: &ParsedCommand) -> Result<Reply, Reply> {
    let cid = check_channel(w, cmd)?;
    let names: Vec<String> = cmd
        .pipes()
        .filter_map(|p| p.get("name").map(|v| v.to_str_lossy().into_owned()))
        .collect();
    let files = w.files.entry(cid).or_default();
    let mut gone = Vec::new();
    let mut missing = false;
    for name in names {
        let Some(entry) = files.remove(&name) else {
            missing = true;
            break;
        };
        gone.push(entry);
        let prefix = format!("{name}/");
        files.retain(|k, _| !k.starts_with(&prefix));
    }
    for entry in gone {
        w.recycle(entry);
    }
    if missing {
        return Err(err::file_not_found());
    }
    Ok(Reply::ok())
}

pub(super) fn ftcreatedir(w: &mut World, cmd: &ParsedCommand) -> Result<Reply, Reply> {
    let cid = check_channel(w, cmd)?;
    let dir = text(cmd, "dirname").ok_or_else(err::missing_parameter)?;
    if !valid_path(&dir) {
        return Err(Reply::error(ErrorId::FileInvalidPath));
    }
    let datetime = w.unix();
    let files = w.files.entry(cid).or_default();
    if files.contains_key(&dir) {
        return Err(err::file_exists());
    }
    files.insert(
        dir,
        crate::world::FileEntry {
            data: Default::default(),
            dir: true,
            datetime,
        },
    );
    Ok(Reply::ok())
}

pub(super) fn ftrenamefile(w: &mut World, cmd: &ParsedCommand) -> Result<Reply, Reply> {
    let cid = check_channel(w, cmd)?;
    let old = text(cmd, "oldname").ok_or_else(err::missing_parameter)?;
    let new = text(cmd, "newname").ok_or_else(err::missing_parameter)?;
    let tcid = cmd
        .get("tcid")
        .and_then(|v| v.parse::<u32>())
        .unwrap_or(cid);
    if !w.channels.contains_key(&tcid) {
        return Err(err::invalid_channel());
    }
    if !valid_path(&new) {
        return Err(Reply::error(ErrorId::FileInvalidPath));
    }
    if w.files.get(&tcid).is_some_and(|f| f.contains_key(&new)) {
        return Err(err::file_exists());
    }
    let entry = w
        .files
        .get_mut(&cid)
        .and_then(|f| f.remove(&old))
        .ok_or_else(err::file_not_found)?;
    w.files.entry(tcid).or_default().insert(new, entry);
    Ok(Reply::ok())
}
