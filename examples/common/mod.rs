//! What every example shares: where to connect, and the channel tree the viewers print.
//!
//! With `--uri` (or `TS3_URI`) an example talks to that server. Without it, it starts the
//! embedded simulator (`ts3-sim`, demo population, in this process) and says so on its first
//! line; the event examples also have the simulator play a short scene so that events arrive.
#![allow(dead_code)] // each example uses its own part of this module

use std::path::PathBuf;
use std::time::Duration;

use ts3_sim::script::{Player, Script};
use ts3_sim::{Sim, SimConfig};
use ts3q::options::{parse_sha256_fingerprint, HostKeyCheck, Options};
use ts3q::tree::ChannelTree;
use ts3q::{Config, Mode, OwnedItem, Transport};

/// Any error, with its message printed by `main`.
pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// Where to connect: the flags every example takes.
#[derive(Debug, clap::Args)]
pub struct ServerArgs {
    /// A real server's query URI: telnet://serveradmin:PASSWORD@HOST:10011 or
    /// ssh://serveradmin:PASSWORD@HOST:10022 (ClientQuery: telnet://localhost:25639).
    /// Without it, the example runs against an embedded simulator.
    #[arg(long, env = "TS3_URI")]
    pub uri: Option<String>,
    /// SSH: the server's host key fingerprint to pin, as `ssh-keygen -l -E sha256` prints it
    /// (SHA256:...).
    #[arg(long, value_name = "SHA256:...")]
    pub host_key: Option<String>,
    /// SSH: an OpenSSH known_hosts file that must list the server's host key (default:
    /// ~/.ssh/known_hosts).
    #[arg(long, value_name = "FILE", conflicts_with = "host_key")]
    pub known_hosts: Option<PathBuf>,
    /// SSH: accept any host key. Anyone between you and the server then gets the password:
    /// only for a throwaway test server.
    #[arg(long, conflicts_with_all = ["host_key", "known_hosts"])]
    pub insecure_accept_any_host_key: bool,
}

/// A connection target: options for a real server, or for the embedded simulator it started.
pub struct Target {
    /// Connection options, ready for `Connection::connect`.
    pub options: Options,
    /// The embedded simulator, when no URI was given (kept running as long as the target).
    pub sim: Option<Sim>,
}

/// The API key the embedded simulator's ClientQuery port expects.
const SIM_APIKEY: &str = "C2OL-77SJ-M45X-BZ6E-1PBJ-FE2M";

impl Target {
    /// A ServerQuery target (logged in as `serveradmin` on the simulator).
    pub fn server_query(args: &ServerArgs) -> Result<Target> {
        Target::new(args, Mode::ServerQuery, None)
    }

    /// A ClientQuery target, authenticated with `apikey` (the simulator's own key if none).
    pub fn client_query(args: &ServerArgs, apikey: Option<&str>) -> Result<Target> {
        Target::new(args, Mode::ClientQuery, apikey)
    }

    fn new(args: &ServerArgs, mode: Mode, apikey: Option<&str>) -> Result<Target> {
        let Some(uri) = &args.uri else {
            return Target::simulator(mode);
        };
        let mut options = Options::from_uri(uri, mode)?;
        if let Some(key) = apikey {
            options = options.apikey(key);
        }
        options.host_key = match (&args.host_key, &args.known_hosts) {
            (Some(fp), _) => HostKeyCheck::Sha256(
                parse_sha256_fingerprint(fp).ok_or("--host-key: expected SHA256:<base64>")?,
            ),
            (None, Some(path)) => HostKeyCheck::KnownHosts(path.clone()),
            (None, None) if args.insecure_accept_any_host_key => HostKeyCheck::AcceptAny,
            // The default: ~/.ssh/known_hosts; an unknown key is refused with its fingerprint.
            (None, None) => HostKeyCheck::UserKnownHosts,
        };
        println!(
            "connecting to {}://{}:{}",
            if options.transport == Transport::Ssh {
                "ssh"
            } else {
                "telnet"
            },
            options.host,
            options.port
        );
        Ok(Target { options, sim: None })
    }

    /// Starts the embedded simulator and targets it.
    fn simulator(mode: Mode) -> Result<Target> {
        // Like a host on the server's query allow list: no flood limit on either side, so the
        // examples run at full speed (against a real server, pacing stays on).
        let sim = Sim::start(SimConfig {
            demo: true,
            flood: None,
            apikey: SIM_APIKEY.into(),
            ..SimConfig::default()
        })?;
        let config = Config::new(mode).flood_limit(None);
        let options = match mode {
            Mode::ServerQuery => {
                let addr = sim.query_addr();
                Options::new(mode, Transport::Tcp, &addr.ip().to_string(), addr.port())
                    .login("serveradmin", &sim.password())
            }
            Mode::ClientQuery => {
                let addr = sim.client_query_addr();
                Options::new(mode, Transport::Tcp, &addr.ip().to_string(), addr.port())
                    .apikey(SIM_APIKEY)
            }
        }
        .config(config);
        println!(
            "no --uri given: running against the embedded simulator (ts3-sim, demo population) at {}:{}",
            options.host, options.port
        );
        Ok(Target {
            options,
            sim: Some(sim),
        })
    }

    /// Whether this is the embedded simulator (the examples then shorten their waits).
    pub fn is_sim(&self) -> bool {
        self.sim.is_some()
    }

    /// On the simulator, plays the demo scene (visitors join, talk, move, leave); keep the
    /// player alive while events should arrive. `None` against a real server.
    pub fn play_demo_scene(&self) -> Option<Player> {
        let sim = self.sim.as_ref()?;
        println!(
            "(the simulator now plays a short scene: two visitors join, talk, move and leave)"
        );
        Some(sim.play(Script::demo(Duration::from_millis(150))))
    }

    /// `a` on the simulator, `b` against a real server.
    pub fn pick<T>(&self, on_sim: T, on_server: T) -> T {
        if self.is_sim() {
            on_sim
        } else {
            on_server
        }
    }
}

/// Prints the tree as py-ts3's viewer does: `|- name`, three spaces deeper per level, and the
/// voice clients of each channel as `-> nickname` (query clients are left out).
pub fn print_tree(server_name: &str, tree: &ChannelTree<OwnedItem>, clients: &[OwnedItem]) {
    println!("|- {server_name}");
    tree.walk(|depth, node| {
        let pad = " ".repeat((depth + 1) * 3);
        let name = node.channel.str("channel_name").unwrap_or_default();
        println!("{pad}|- {name}");
        for cl in clients {
            let here = cl.parse::<u32>("cid") == Ok(node.cid);
            if here && cl.str("client_type").as_deref() != Some("1") {
                let nick = cl.str("client_nickname").unwrap_or_default();
                println!("{pad}   -> {nick}");
            }
        }
    });
}

/// A one-line summary of an event for the event examples' logs.
pub fn describe(event: &ts3q::Event) -> String {
    let Some(first) = event.first() else {
        return event.name().to_string();
    };
    let mut line = event.name().to_string();
    for key in [
        "clid",
        "client_nickname",
        "ctid",
        "reasonid",
        "targetmode",
        "invokername",
        "msg",
        "client_input_muted",
        "client_output_muted",
    ] {
        if let Some(v) = first.str(key) {
            line.push_str(&format!(" {key}={v:?}"));
        }
    }
    line
}

/// A small pseudo-random generator (xorshift), enough to pick channels in the whirlpool.
pub struct Rng(u64);

impl Rng {
    /// Seeded from the clock.
    pub fn new() -> Rng {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64);
        Rng(nanos | 1)
    }

    /// A number below `n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}
