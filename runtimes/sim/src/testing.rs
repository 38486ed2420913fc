//! Test support shared by the runtimes' integration tests: a demo simulator whose password
//! needs percent-encoding in a URI, and connection options that reach it over raw TCP or
//! through a real OpenSSH server.

use std::time::Duration;

use ts3q::options::Options;
use ts3q::Mode;

use crate::ssh::{bridge_binary, SshBridge};
use crate::{Sim, SimConfig};

/// The demo world, password `pa:ss@word`, with the given flood limit (commands per window).
pub fn demo_sim(flood: Option<(u32, Duration)>) -> Sim {
    Sim::start(SimConfig {
        flood,
        demo: true,
        password: "pa:ss@word".into(),
        ..SimConfig::default()
    })
    .expect("sim")
}

/// One transport to run the same scenario over.
#[derive(Clone, Copy, Debug)]
pub enum Via {
    /// Raw TCP ("telnet").
    Tcp,
    /// SSH, through an `sshd` whose `ForceCommand` bridges to the simulator.
    Ssh,
}

/// Options for `serveradmin` on a [`demo_sim`]; keeps the sshd alive as long as it lives.
pub struct Target {
    /// ServerQuery options from a `telnet://` or `ssh://` URI with percent-encoded credentials.
    pub options: Options,
    _ssh: Option<SshBridge>,
}

/// Connection options for `sim` over `via` (SSH needs root and openssh-server).
pub fn target(sim: &Sim, via: Via) -> Target {
    match via {
        Via::Tcp => {
            let uri = format!("telnet://serveradmin:pa%3Ass%40word@{}", sim.query_addr());
            Target {
                options: Options::from_uri(&uri, Mode::ServerQuery).expect("uri"),
                _ssh: None,
            }
        }
        Via::Ssh => {
            let bin = bridge_binary().expect("ts3-sim binary");
            let ssh = SshBridge::start(&bin, sim.query_addr(), "serveradmin", &sim.password())
                .expect("sshd (needs root and openssh-server)");
            let uri = format!("ssh://serveradmin:pa%3Ass%40word@{}", ssh.addr());
            Target {
                options: Options::from_uri(&uri, Mode::ServerQuery).expect("uri"),
                _ssh: Some(ssh),
            }
        }
    }
}
