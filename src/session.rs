//! What a connection has set up — login, selected server, event subscriptions — recorded from
//! the commands that succeeded, so a reconnect can replay it.

use std::fmt;

use bytes::Bytes;

use crate::codec::ParsedCommand;

/// The session state worth restoring after a reconnect, as the command lines that built it.
///
/// [`Client`](crate::Client) keeps one up to date from its successful commands:
/// `login`/`auth`, `use`, `servernotifyregister`/`clientnotifyregister` (and their
/// `unregister`/`logout` counterparts). `Debug` never shows the login password or API key.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SessionLog {
    login: Option<Bytes>,
    select: Option<Bytes>,
    subscriptions: Vec<Bytes>,
}

impl SessionLog {
    /// Records a command line (`\n` included) that the server answered with id 0. What it
    /// keeps is a copy: the line may be a slice of a larger buffer.
    pub fn observe(&mut self, line: &Bytes) {
        // Most commands are none of these: skip them without parsing (this runs for every
        // response, so by first byte before any comparison).
        let relevant = match line.first() {
            Some(b'l') => line.starts_with(b"login") || line.starts_with(b"logout"),
            Some(b'a') => line.starts_with(b"auth"),
            Some(b'u') => line.starts_with(b"use"),
            Some(b's') => line.starts_with(b"servernotify"),
            Some(b'c') => line.starts_with(b"clientnotify"),
            _ => false,
        };
        if !relevant {
            return;
        }
        let Ok(cmd) = ParsedCommand::parse(line.clone()) else {
            return;
        };
        match cmd.name() {
            "login" | "auth" => {
                self.login = Some(Bytes::copy_from_slice(line));
                // A new login drops the old subscriptions (server behaviour).
                self.subscriptions.clear();
            }
            "logout" => *self = SessionLog::default(),
            "use" => {
                self.select = Some(Bytes::copy_from_slice(line));
                self.subscriptions.clear();
            }
            "servernotifyregister" | "clientnotifyregister"
                if !self.subscriptions.contains(line) =>
            {
                self.subscriptions.push(Bytes::copy_from_slice(line));
            }
            "servernotifyunregister" | "clientnotifyunregister" => self.subscriptions.clear(),
            _ => {}
        }
    }

    /// The commands that rebuild this session, in order: login, use, subscriptions.
    pub fn replay(&self) -> Vec<Bytes> {
        self.login
            .iter()
            .chain(&self.select)
            .chain(&self.subscriptions)
            .cloned()
            .collect()
    }

    /// Whether there is nothing to replay.
    pub fn is_empty(&self) -> bool {
        self.login.is_none() && self.select.is_none() && self.subscriptions.is_empty()
    }

    /// Number of event subscriptions recorded.
    pub fn subscriptions(&self) -> usize {
        self.subscriptions.len()
    }
}

impl fmt::Debug for SessionLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Line<'a>(&'a Bytes);
        impl fmt::Debug for Line<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                crate::command::write_redacted(f, self.0)
            }
        }
        f.debug_list()
            .entries(self.replay().iter().map(Line).collect::<Vec<_>>())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    #[test]
    fn records_and_replays_in_order() {
        let mut log = SessionLog::default();
        log.observe(&b("servernotifyregister event=server\n"));
        log.observe(&b(
            "login client_login_name=a client_login_password=hunter2\n",
        ));
        log.observe(&b("use sid=1\n"));
        log.observe(&b("servernotifyregister event=server\n"));
        log.observe(&b("servernotifyregister event=server\n"));
        log.observe(&b("servernotifyregister event=channel id=0\n"));
        log.observe(&b("clientlist\n"));
        let lines: Vec<_> = log.replay();
        assert_eq!(
            lines,
            [
                b("login client_login_name=a client_login_password=hunter2\n"),
                b("use sid=1\n"),
                b("servernotifyregister event=server\n"),
                b("servernotifyregister event=channel id=0\n"),
            ]
        );
        assert!(!format!("{log:?}").contains("hunter2"));
        log.observe(&b("servernotifyunregister\n"));
        assert_eq!(log.subscriptions(), 0);
        log.observe(&b("logout\n"));
        assert!(log.is_empty());
    }
}
