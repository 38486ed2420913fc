//! Command handlers: one parsed command in, one reply out (plus events through the world).

use ts3q::ParsedCommand;

mod channels;
mod client_query;
mod clients;
mod events;
mod files;
mod groups;
mod server;

use crate::reply::{err, Reply};
use crate::world::{SessionId, World};
use ts3q::Mode;

use events::invoker_items;
pub(crate) use server::own_client;

/// Per-connection state owned by its connection task.
#[derive(Debug)]
pub struct Session {
    pub id: SessionId,
    pub mode: Mode,
    pub peer: std::net::SocketAddr,
    pub login: Option<String>,
    pub selected: bool,
    pub authed: bool,
    /// Commands received so far.
    pub commands: u64,
}

/// What the connection does after the reply.
#[derive(Debug, PartialEq, Eq)]
pub enum After {
    Continue,
    Close,
}

pub(crate) fn text(cmd: &ParsedCommand, key: &str) -> Option<String> {
    cmd.get(key).map(|v| v.to_str_lossy().into_owned())
}

pub(crate) fn number(cmd: &ParsedCommand, key: &str) -> Result<u32, Reply> {
    let v = cmd.get(key).ok_or_else(err::missing_parameter)?;
    v.parse::<i64>()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(err::invalid_parameter)
}

fn number_in(pipe: &ts3q::Pipe<'_>, key: &str) -> Result<u32, Reply> {
    let v = pipe.get(key).ok_or_else(err::missing_parameter)?;
    v.parse::<u32>().ok_or_else(err::invalid_parameter)
}

fn flag(cmd: &ParsedCommand, key: &str) -> Option<bool> {
    cmd.get(key).and_then(|v| v.parse::<i64>()).map(|n| n != 0)
}

/// What a command needs before it runs, on the interface at hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Nothing: it runs before `login` (ServerQuery) or `auth` (ClientQuery).
    Nothing,
    /// ServerQuery: a login (answers 518 otherwise).
    Login,
    /// ServerQuery: a login and a selected virtual server (`use`; answers 1024 otherwise).
    Server,
    /// ClientQuery: `auth apikey=...` (answers 1796 otherwise).
    Auth,
}

type Handler = fn(&mut World, &mut Session, &ParsedCommand) -> Result<Reply, Reply>;

/// A command the simulator knows: declared once, with the interfaces that have it, what it
/// needs on each, and its handler (which looks at `Session::mode` where the two differ).
pub struct Spec {
    /// Its name.
    pub name: &'static str,
    /// What it needs on ServerQuery; `None`: ServerQuery does not have it.
    pub server: Option<Needs>,
    /// What it needs on ClientQuery; `None`: ClientQuery does not have it.
    pub client: Option<Needs>,
    run: Handler,
}

impl Spec {
    /// What it needs on `mode`'s interface, if that interface has it.
    pub fn needs(&self, mode: Mode) -> Option<Needs> {
        match mode {
            Mode::ServerQuery => self.server,
            Mode::ClientQuery => self.client,
        }
    }
}

/// A ServerQuery command.
macro_rules! sq {
    ($name:literal, $needs:ident, $run:expr) => {
        Spec {
            name: $name,
            server: Some(Needs::$needs),
            client: None,
            run: $run,
        }
    };
}

/// A ClientQuery command.
macro_rules! cq {
    ($name:literal, $needs:ident, $run:expr) => {
        Spec {
            name: $name,
            server: None,
            client: Some(Needs::$needs),
            run: $run,
        }
    };
}

/// A command of both interfaces.
macro_rules! both {
    ($name:literal, $server:ident, $client:ident, $run:expr) => {
        Spec {
            name: $name,
            server: Some(Needs::$server),
            client: Some(Needs::$client),
            run: $run,
        }
    };
}

/// Every command the simulator knows (`quit` is answered before the table, on both).
pub static COMMANDS: &[Spec] = &[
    // Both interfaces.
    both!("help", Nothing, Nothing, |_, _, _| Ok(Reply::ok())),
    both!("use", Login, Auth, |w, s, c| match s.mode {
        Mode::ServerQuery => server::use_server(w, s, c),
        Mode::ClientQuery => client_query::use_handler(c),
    }),
    both!("whoami", Nothing, Auth, |w, s, _| match s.mode {
        Mode::ServerQuery => Ok(server::whoami(w, s)),
        Mode::ClientQuery => Ok(client_query::whoami(w, s)),
    }),
    both!("clientlist", Server, Auth, |w, _, c| Ok(
        clients::clientlist(w, c)
    )),
    both!("channellist", Server, Auth, |w, _, c| Ok(
        channels::channellist(w, c)
    )),
    both!("clientupdate", Server, Auth, |w, s, c| match s.mode {
        Mode::ServerQuery => clients::clientupdate(w, s, c),
        Mode::ClientQuery => client_query::clientupdate(w, s, c),
    }),
    both!("sendtextmessage", Server, Auth, |w, s, c| {
        if s.mode == Mode::ClientQuery {
            client_query::speak_as_local_client(w, s);
        }
        events::sendtextmessage(w, s, c)
    }),
    // ServerQuery: the session and the virtual server.
    sq!("login", Nothing, server::login),
    sq!("logout", Nothing, |w, s, _| {
        server::deselect(w, s);
        s.login = None;
        Ok(Reply::ok())
    }),
    sq!("version", Nothing, |_, _, _| server::version()),
    sq!("serverlist", Login, |w, _, _| Ok(server::serverlist(w))),
    sq!("serverinfo", Server, |w, _, _| Ok(server::serverinfo(w))),
    sq!("serveredit", Server, |w, s, c| server::serveredit(w, s, c)),
    sq!(
        "serverrequestconnectioninfo",
        Server,
        server::serverrequestconnectioninfo
    ),
    sq!("gm", Server, server::gm),
    sq!("instanceinfo", Login, server::instanceinfo),
    sq!("hostinfo", Login, server::hostinfo),
    sq!("logview", Login, server::logview),
    // ServerQuery: channels.
    sq!("channelinfo", Server, |w, _, c| channels::channelinfo(w, c)),
    sq!("channelcreate", Server, |w, s, c| channels::channelcreate(
        w, s, c
    )),
    sq!("channeledit", Server, |w, s, c| channels::channeledit(
        w, s, c
    )),
    sq!("channeldelete", Server, |w, s, c| channels::channeldelete(
        w, s, c
    )),
    sq!("channelmove", Server, |w, s, c| channels::channelmove(
        w, s, c
    )),
    // ServerQuery: clients.
    sq!("clientinfo", Server, |w, _, c| clients::clientinfo(w, c)),
    sq!("clientfind", Server, |w, _, c| clients::clientfind(w, c)),
    sq!("clientmove", Server, |w, s, c| clients::clientmove(w, s, c)),
    sq!("clientkick", Server, |w, s, c| clients::clientkick(w, s, c)),
    sq!("clientpoke", Server, |w, _, c| clients::clientpoke(w, c)),
    // ServerQuery: events.
    sq!("servernotifyregister", Server, |w, s, c| {
        events::notifyregister(w, s, c)
    }),
    sq!("servernotifyunregister", Server, |w, s, _| {
        if let Some(h) = w.sessions.get_mut(&s.id) {
            h.subs = Default::default();
        }
        Ok(Reply::ok())
    }),
    // ServerQuery: groups, the client database, bans and privilege keys.
    sq!("servergrouplist", Server, |w, _, _| Ok(
        groups::servergrouplist(w)
    )),
    sq!(
        "servergroupclientlist",
        Server,
        groups::servergroupclientlist
    ),
    sq!("servergroupaddclient", Server, groups::servergroupaddclient),
    sq!("servergroupdelclient", Server, groups::servergroupdelclient),
    sq!(
        "servergroupsbyclientid",
        Server,
        groups::servergroupsbyclientid
    ),
    sq!("clientdblist", Server, groups::clientdblist),
    sq!("clientdbinfo", Server, groups::clientdbinfo),
    sq!("clientdbfind", Server, groups::clientdbfind),
    sq!("clientgetids", Server, groups::clientgetids),
    sq!("clientgetdbidfromuid", Server, groups::clientgetdbidfromuid),
    sq!("clientgetnamefromuid", Server, groups::clientgetnamefromuid),
    sq!(
        "clientgetnamefromdbid",
        Server,
        groups::clientgetnamefromdbid
    ),
    sq!("banclient", Server, |w, s, c| groups::banclient(w, s, c)),
    sq!("banlist", Server, |w, _, _| Ok(groups::banlist(w))),
    sq!("privilegekeyadd", Server, groups::privilegekeyadd),
    sq!("privilegekeylist", Server, groups::privilegekeylist),
    sq!("privilegekeydelete", Server, groups::privilegekeydelete),
    // ServerQuery: files.
    sq!("ftinitupload", Server, |w, _, c| files::ftinit(w, c, true)),
    sq!("ftinitdownload", Server, |w, _, c| files::ftinit(
        w, c, false
    )),
    sq!("ftgetfilelist", Server, |w, _, c| files::ftgetfilelist(
        w, c
    )),
    sq!("ftgetfileinfo", Server, |w, _, c| files::ftgetfileinfo(
        w, c
    )),
    sq!("ftdeletefile", Server, |w, _, c| files::ftdeletefile(w, c)),
    sq!("ftcreatedir", Server, |w, _, c| files::ftcreatedir(w, c)),
    sq!("ftrenamefile", Server, |w, _, c| files::ftrenamefile(w, c)),
    sq!("ftlist", Server, |w, _, _| files::ftlist(w)),
    sq!("ftstop", Server, |w, _, c| files::ftstop(w, c)),
    // ClientQuery only.
    cq!("auth", Nothing, client_query::auth),
    cq!("currentschandlerid", Auth, |_, _, _| Ok(
        client_query::schandlerid()
    )),
    cq!("serverconnectionhandlerlist", Auth, |_, _, _| Ok(
        client_query::schandlerid()
    )),
    cq!("clientnotifyregister", Auth, client_query::notifyregister),
    cq!("clientnotifyunregister", Auth, |w, s, _| {
        if let Some(h) = w.sessions.get_mut(&s.id) {
            h.subs.client_events.clear();
        }
        Ok(Reply::ok())
    }),
];

pub fn dispatch(w: &mut World, s: &mut Session, cmd: &ParsedCommand) -> (Reply, After) {
    let name = cmd.name().to_ascii_lowercase();
    if name == "quit" {
        return (Reply::ok(), After::Close);
    }
    (run(w, s, &name, cmd).unwrap_or_else(|e| e), After::Continue)
}

fn run(w: &mut World, s: &mut Session, name: &str, cmd: &ParsedCommand) -> Result<Reply, Reply> {
    let found = COMMANDS
        .iter()
        .find(|c| c.name == name)
        .and_then(|c| Some((c, c.needs(s.mode)?)));
    let Some((spec, needs)) = found else {
        // Before `auth`, ClientQuery answers 1796 to everything but `auth` and `help`; unknown
        // commands are otherwise unknown whether logged in or not.
        if s.mode == Mode::ClientQuery && !s.authed {
            return Err(err::not_possible());
        }
        return Err(err::not_found());
    };
    match needs {
        Needs::Nothing => {}
        Needs::Login | Needs::Server if s.login.is_none() => return Err(err::not_logged_in()),
        Needs::Server if !s.selected => return Err(err::invalid_server()),
        Needs::Login | Needs::Server => {}
        Needs::Auth if !s.authed => return Err(err::not_possible()),
        Needs::Auth => {}
    }
    if !well_escaped(cmd.raw()) {
        return Err(err::invalid_parameter());
    }
    (spec.run)(w, s, cmd)
}

/// Whether the line is UTF-8 and each of its escapes is one of the manual's (`\\ \/ \s \p
/// \a \b \f \n \r \t \v`). What a real server does with others is undocumented; the
/// simulator refuses them (1538), so that a client's escaping bug shows up in its tests.
fn well_escaped(line: &[u8]) -> bool {
    if std::str::from_utf8(line).is_err() {
        return false;
    }
    let mut bytes = line.iter();
    while let Some(&b) = bytes.next() {
        if b == b'\\'
            && !matches!(
                bytes.next(),
                Some(b'\\' | b'/' | b's' | b'p' | b'a' | b'b' | b'f' | b'n' | b'r' | b't' | b'v')
            )
        {
            return false;
        }
    }
    true
}
