//! What the comparison binaries share: reading a process's memory, and the options of a query
//! connection to the simulator.

#![allow(dead_code)] // each binary uses its part

use ts3q::{Config, Mode, Transport};

/// A field of `/proc/PID/status` in KiB (`pid` may be `self`): `VmRSS:`, `VmHWM:`; 0 if absent.
pub fn status_kib(pid: &str, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// ServerQuery over TCP to the simulator on `port`, logged in as `serveradmin`/`pw`, without
/// flood pacing or keepalive.
pub fn options(port: u16) -> ts3q::options::Options {
    ts3q::options::Options::new(Mode::ServerQuery, Transport::Tcp, "127.0.0.1", port)
        .login("serveradmin", "pw")
        .config(Config::server_query().flood_limit(None).keepalive(None))
}
