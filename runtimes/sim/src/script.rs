//! Scripted activity: simulated voice clients that join, talk, move and leave on a schedule,
//! so that a bot run against the simulator sees the events a live server would send.
//!
//! ```
//! use std::time::Duration;
//! use ts3_sim::script::{Action, Script};
//!
//! let sim = ts3_sim::Sim::start(ts3_sim::SimConfig { demo: true, ..Default::default() })?;
//! let player = sim.play(
//!     Script::new()
//!         .then(Duration::ZERO, Action::join("Newcomer", 2))
//!         .then(Duration::from_millis(10), Action::say_server("Newcomer", "hi all"))
//!         .then(Duration::from_millis(10), Action::leave("Newcomer")),
//! );
//! assert_eq!(player.wait(), 3); // every step applied
//! # Ok::<(), std::io::Error>(())
//! ```

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::conn::lock;
use crate::Shared;

/// One thing a simulated voice client does. Clients are named by nickname; a step whose
/// client does not exist (or whose move is refused) is skipped.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// A voice client joins channel `cid` (subscribers see `notifycliententerview`, reason 0).
    Join {
        /// Its nickname.
        nickname: String,
        /// The channel it appears in.
        cid: u32,
    },
    /// It switches to channel `cid` by itself (`notifyclientmoved`, reason 0).
    #[serde(rename = "move")]
    Move {
        /// The client.
        nickname: String,
        /// Where to.
        cid: u32,
    },
    /// It sends a text message.
    Say {
        /// The sender.
        nickname: String,
        /// To whom.
        to: Audience,
        /// The text (any characters: the simulator escapes it).
        msg: String,
    },
    /// It disconnects (`notifyclientleftview`, reason 8).
    Leave {
        /// The client.
        nickname: String,
    },
    /// It uses a privilege key (`notifytokenused`); skipped when the key does not exist.
    UseToken {
        /// The client.
        nickname: String,
        /// The key, as `privilegekeyadd` gave it.
        token: String,
    },
}

/// Where a text message goes (in a scenario file: `"channel"`, `"server"` or
/// `{"client": "NICKNAME"}`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// The sender's channel (target mode 2).
    Channel,
    /// The whole server (target mode 3).
    Server,
    /// One client, by nickname (target mode 1).
    Client(String),
}

impl Action {
    /// [`Action::Join`].
    pub fn join(nickname: &str, cid: u32) -> Action {
        Action::Join {
            nickname: nickname.into(),
            cid,
        }
    }

    /// [`Action::Move`].
    pub fn move_to(nickname: &str, cid: u32) -> Action {
        Action::Move {
            nickname: nickname.into(),
            cid,
        }
    }

    /// [`Action::Say`] to the sender's channel.
    pub fn say_channel(nickname: &str, msg: &str) -> Action {
        Action::say(nickname, Audience::Channel, msg)
    }

    /// [`Action::Say`] to the whole server.
    pub fn say_server(nickname: &str, msg: &str) -> Action {
        Action::say(nickname, Audience::Server, msg)
    }

    /// [`Action::Say`] to one client.
    pub fn say_private(nickname: &str, to: &str, msg: &str) -> Action {
        Action::say(nickname, Audience::Client(to.into()), msg)
    }

    fn say(nickname: &str, to: Audience, msg: &str) -> Action {
        Action::Say {
            nickname: nickname.into(),
            to,
            msg: msg.into(),
        }
    }

    /// [`Action::Leave`].
    pub fn leave(nickname: &str) -> Action {
        Action::Leave {
            nickname: nickname.into(),
        }
    }

    /// Applies the action to the world; false when it could not be (unknown client, refused move).
    pub(crate) fn apply(&self, shared: &Shared) -> bool {
        let mut w = lock(&shared.world);
        let find = |w: &crate::world::World, nick: &str| {
            w.clients
                .values()
                .find(|c| c.client_type == 0 && c.nickname == nick)
                .map(|c| c.clid)
        };
        match self {
            Action::Join { nickname, cid } => {
                w.channels.contains_key(cid) && {
                    w.add_voice_client(nickname, *cid);
                    true
                }
            }
            Action::Move { nickname, cid } => match find(&w, nickname) {
                Some(clid) => w.move_client(clid, *cid, None).is_ok(),
                None => false,
            },
            Action::Say { nickname, to, msg } => {
                let Some(from) = find(&w, nickname).and_then(|c| w.clients.get(&c)) else {
                    return false;
                };
                match to {
                    Audience::Channel => w.text_message(from, 2, from.cid, msg),
                    Audience::Server => w.text_message(from, 3, 0, msg),
                    Audience::Client(target) => match find(&w, target) {
                        Some(t) => w.text_message(from, 1, t, msg),
                        None => false,
                    },
                }
            }
            Action::Leave { nickname } => match find(&w, nickname) {
                Some(clid) => w.remove_client(clid, 8, "leaving", None),
                None => false,
            },
            Action::UseToken { nickname, token } => match find(&w, nickname) {
                Some(clid) => w.use_token(clid, token),
                None => false,
            },
        }
    }
}

/// A schedule of actions, each a delay after the one before.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Script {
    steps: Vec<(Duration, Action)>,
}

impl Script {
    /// An empty script.
    pub fn new() -> Script {
        Script::default()
    }

    /// Appends `action`, played `after` the previous step.
    pub fn then(mut self, after: Duration, action: Action) -> Script {
        self.steps.push((after, action));
        self
    }

    /// The steps, in order.
    pub fn steps(&self) -> &[(Duration, Action)] {
        &self.steps
    }

    /// Reads a scenario file (JSON): a list of steps, each `after_ms` (the delay after the step
    /// before) and one action. Errors name the line and column.
    ///
    /// ```
    /// let script = ts3_sim::script::Script::from_json(r#"{"steps": [
    ///     {"after_ms": 0,   "join":  {"nickname": "Ann", "cid": 1}},
    ///     {"after_ms": 500, "say":   {"nickname": "Ann", "to": "server", "msg": "hi | all"}},
    ///     {"after_ms": 500, "say":   {"nickname": "Ann", "to": {"client": "Ben"}, "msg": "psst"}},
    ///     {"after_ms": 500, "move":  {"nickname": "Ann", "cid": 2}},
    ///     {"after_ms": 500, "leave": {"nickname": "Ann"}}
    /// ]}"#).unwrap();
    /// assert_eq!(script.steps().len(), 5);
    /// ```
    pub fn from_json(text: &str) -> Result<Script, String> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File {
            steps: Vec<Step>,
        }
        #[derive(serde::Deserialize)]
        struct Step {
            after_ms: u64,
            #[serde(flatten)]
            action: Action,
        }
        let file: File = serde_json::from_str(text).map_err(|e| format!("scenario: {e}"))?;
        Ok(Script {
            steps: file
                .steps
                .into_iter()
                .map(|s| (Duration::from_millis(s.after_ms), s.action))
                .collect(),
        })
    }

    /// A built-in stream of activity on the demo world, `steps` long, one step every `pace`:
    /// voice clients join, talk in their channel, on the server and privately (with text that
    /// needs escaping), move, fall quiet and leave. The same `seed` gives the same script.
    pub fn activity(seed: u64, pace: Duration, steps: usize) -> Script {
        const NAMES: [&str; 8] = [
            "Ann",
            "Bob",
            "Chloé",
            "Dmitri",
            "Eve | away",
            "Farah",
            "Göran",
            "Hiro",
        ];
        const LINES: [&str; 6] = [
            "hi all",
            "anyone up for a round?",
            "brb | 5 min",
            "path: C:\\games\\ts3",
            "new line\nnext",
            "ok",
        ];
        // xorshift64*: small, and the same everywhere.
        let mut state = crate::world::mix_seed(seed);
        let mut next = |n: usize| {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
        };
        let mut script = Script::new();
        let mut online: Vec<&str> = Vec::new();
        while script.steps.len() < steps {
            let roll = next(10);
            let action = if online.is_empty() || (roll < 3 && online.len() < NAMES.len()) {
                let free: Vec<&str> = NAMES
                    .iter()
                    .copied()
                    .filter(|n| !online.contains(n))
                    .collect();
                let name = free[next(free.len())];
                online.push(name);
                Action::join(name, 1 + next(4) as u32)
            } else {
                let who = online[next(online.len())];
                match roll {
                    3 | 4 => Action::say_channel(who, LINES[next(LINES.len())]),
                    5 => Action::say_server(who, LINES[next(LINES.len())]),
                    6 => {
                        let to = online[next(online.len())];
                        Action::say_private(who, to, LINES[next(LINES.len())])
                    }
                    7 | 8 => Action::move_to(who, 1 + next(4) as u32),
                    _ => {
                        online.retain(|n| *n != who);
                        Action::leave(who)
                    }
                }
            };
            // Now and then a client falls quiet for a while.
            let after = if next(8) == 0 { pace * 4 } else { pace };
            script = script.then(after, action);
        }
        // Everyone leaves at the end, so that rounds can follow one another.
        for who in online {
            script = script.then(pace, Action::leave(who));
        }
        script
    }

    /// A short scene on the demo world (`SimConfig::demo`), one step every `pace`: two visitors
    /// join the Lobby (cid 2) and the default channel, talk in their channel, on the server and
    /// privately (with text that needs escaping), one moves to Gaming (cid 3), then both leave.
    pub fn demo(pace: Duration) -> Script {
        let z = Duration::ZERO;
        Script::new()
            .then(z, Action::join("Newcomer", 2))
            .then(
                pace,
                Action::say_channel("Newcomer", "hi all | anyone up for a round?"),
            )
            .then(pace, Action::join("Visitor", 1))
            .then(pace, Action::move_to("Newcomer", 3))
            .then(pace, Action::say_server("Visitor", "hello server\\world"))
            .then(pace, Action::say_private("Visitor", "Ben", "psst, Ben"))
            .then(pace, Action::leave("Newcomer"))
            .then(pace, Action::leave("Visitor"))
    }
}

/// A script being played on its own thread; dropping it stops the script.
#[derive(Debug)]
pub struct Player {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<usize>>,
}

impl Player {
    pub(crate) fn start(shared: Arc<Shared>, script: Script) -> Player {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("ts3-sim-script".into())
            .spawn(move || {
                let mut applied = 0;
                for (after, action) in script.steps {
                    if !sleep_unless(&flag, after) || shared.stop.load(Ordering::SeqCst) {
                        break;
                    }
                    applied += usize::from(action.apply(&shared));
                }
                applied
            })
            .ok();
        Player { stop, thread }
    }

    /// Waits for the script's end; returns how many steps took effect.
    pub fn wait(mut self) -> usize {
        self.thread
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default()
    }

    /// Whether every step has been played.
    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(|t| t.is_finished())
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Sleeps `d` in short slices; false if asked to stop meanwhile.
fn sleep_unless(stop: &AtomicBool, d: Duration) -> bool {
    let end = std::time::Instant::now() + d;
    loop {
        if stop.load(Ordering::SeqCst) {
            return false;
        }
        let now = std::time::Instant::now();
        if now >= end {
            return true;
        }
        std::thread::sleep((end - now).min(Duration::from_millis(20)));
    }
}
