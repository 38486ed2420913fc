//! Test support shared by the runtimes' integration tests: a demo simulator whose password
//! needs percent-encoding in a URI, and connection options that reach it over raw TCP or
//! through a real OpenSSH server.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

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
            // A throwaway server with a fresh key: opting out of the host key check is fine here.
            let options = Options::from_uri(&uri, Mode::ServerQuery)
                .expect("uri")
                .host_key(ts3q::options::HostKeyCheck::AcceptAny);
            Target {
                options,
                _ssh: Some(ssh),
            }
        }
    }
}

/// Runs `cmd` to completion with its output captured, but for at most `limit`: a process still
/// running then is killed, and the error (kind `TimedOut`) names the command and what it printed.
/// Every external process a test waits on goes through this, so that none can hang a test run.
pub fn output_within(cmd: &mut Command, limit: Duration) -> io::Result<Output> {
    output_with_input(cmd, &[], limit)
}

/// [`output_within`], writing `input` to the process's standard input first.
pub fn output_with_input(cmd: &mut Command, input: &[u8], limit: Duration) -> io::Result<Output> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| io::Error::new(e.kind(), format!("{cmd:?}: {e}")))?;
    let reader = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let stdout = reader(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = reader(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(input); // a process that exits without reading is its business
    }
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    match status {
        Some(status) => Ok(Output {
            status,
            stdout,
            stderr,
        }),
        None => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!(
                "{cmd:?} did not finish within {limit:?} (killed); it printed:\n{}{}",
                String::from_utf8_lossy(&stdout),
                String::from_utf8_lossy(&stderr)
            ),
        )),
    }
}

/// The ServerQuery greeting, as a real server sends it.
pub const SERVER_GREETING: &[u8] =
    b"TS3\n\rWelcome to the TeamSpeak 3 ServerQuery interface, type \"help\" for a list of commands and \"help <command>\" for information on a specific command.\n\r";

/// The ClientQuery greeting, as a TeamSpeak 3 client sends it.
pub const CLIENT_GREETING: &[u8] = b"TS3 Client\n\rWelcome to the TeamSpeak 3 ClientQuery interface, type \"help\" for a list of commands and \"help <command>\" for information on a specific command.\n\rUse the \"auth\" command to authenticate yourself. Type \"help auth\" for more information.\n\rselected schandlerid=1\n\r";

/// A one-connection server that writes `greeting` and then runs `script` on the connection,
/// on its own thread: for faults the simulator does not make (a peer that closes mid-response,
/// stays silent, resets, speaks HTTP...).
pub fn fake_server(
    greeting: &'static [u8],
    script: impl FnOnce(TcpStream) + Send + 'static,
) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    std::thread::spawn(move || {
        if let Ok((mut s, _)) = listener.accept() {
            if s.write_all(greeting).is_ok() {
                script(s);
            }
        }
    });
    addr
}

/// Reads from `s` until `needle` has arrived (or the peer closed, or 10 s passed).
pub fn read_until(s: &mut TcpStream, needle: &[u8]) -> Vec<u8> {
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while !got.windows(needle.len()).any(|w| w == needle) {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    got
}

/// A ServerQuery peer that floods events (about `per_second`, in 10 ms bursts of
/// `notifytextmessage` lines) for `duration` while answering `version` and `quit` in between:
/// for testing that a client which does not read events keeps bounded memory. Responses and
/// event bursts never interleave inside a line.
pub fn flood_server(per_second: u32, duration: Duration) -> SocketAddr {
    fake_server(SERVER_GREETING, move |stream| {
        let writer = std::sync::Arc::new(std::sync::Mutex::new(stream));
        let Ok(mut reader) = writer.lock().unwrap_or_else(|e| e.into_inner()).try_clone() else {
            return;
        };
        let responder = writer.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            let mut pending = Vec::new();
            loop {
                let n = match reader.read(&mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                pending.extend_from_slice(&buf[..n]);
                while let Some(end) = pending.iter().position(|&b| b == b'\n') {
                    let line: Vec<u8> = pending.drain(..=end).collect();
                    let mut out = responder.lock().unwrap_or_else(|e| e.into_inner());
                    if line.starts_with(b"quit") {
                        let _ = out.write_all(b"error id=0 msg=ok\n\r");
                        let _ = out.shutdown(std::net::Shutdown::Both);
                        return;
                    }
                    let reply: &[u8] = if line.starts_with(b"version") {
                        b"version=3.13.7 build=1 platform=Linux\n\rerror id=0 msg=ok\n\r"
                    } else {
                        b"error id=0 msg=ok\n\r"
                    };
                    if out.write_all(reply).is_err() {
                        return;
                    }
                }
            }
        });
        let line = b"notifytextmessage targetmode=3 msg=flood\\sof\\sevents invokerid=1 invokername=Bot\n\r";
        let per_burst = (per_second / 100).max(1) as usize;
        let burst: Vec<u8> = line.repeat(per_burst);
        let end = Instant::now() + duration;
        let mut next = Instant::now();
        while Instant::now() < end {
            {
                let mut out = writer.lock().unwrap_or_else(|e| e.into_inner());
                if out.write_all(&burst).is_err() {
                    return;
                }
            }
            next += Duration::from_millis(10);
            if let Some(wait) = next.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
    })
}

/// This process's resident memory in bytes (Linux: `/proc/self/statm`; 0 elsewhere).
pub fn resident_bytes() -> u64 {
    resident_of("self")
}

/// Resident memory of process `pid`, in bytes (Linux; 0 elsewhere): for a simulator process
/// from [`spawn_command`], which the test's other threads cannot disturb.
pub fn resident_bytes_of(pid: u32) -> u64 {
    resident_of(&pid.to_string())
}

fn resident_of(pid: &str) -> u64 {
    let pages = std::fs::read_to_string(format!("/proc/{pid}/statm"))
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .unwrap_or(0);
    pages * 4096
}

/// Starts the `ts3-sim` binary as a process of its own (free ports, password `pw`, no flood
/// limit, no idle timeout), for measurements that must not count the simulator's memory or
/// threads in the client's process. Returns the process and its ServerQuery port.
pub fn spawn_process() -> io::Result<(std::process::Child, u16)> {
    spawn_process_with(&[]).map(|(p, port)| (p.into_child(), port))
}

/// A simulator process that is killed when dropped, so that a failing test leaves none behind.
#[derive(Debug)]
pub struct Process(Option<std::process::Child>);

impl Process {
    /// Its process id.
    pub fn id(&self) -> u32 {
        self.0.as_ref().map_or(0, |c| c.id())
    }

    /// The process, no longer killed on drop.
    pub fn into_child(mut self) -> std::process::Child {
        self.0.take().expect("a process until into_child")
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// [`spawn_process`] with more flags (`--activity`, `--seed 7`, ...), killed on drop.
pub fn spawn_process_with(extra: &[&str]) -> io::Result<(Process, u16)> {
    let mut cmd = sim_command(&["--password", "pw", "--no-flood", "--idle-timeout", "0"])?;
    cmd.args(extra);
    spawn_command(&mut cmd)
}

/// The `ts3-sim` binary with every port 0 (free ones), then `args`: for [`spawn_command`],
/// after setting what else the test needs (standard error, a wrapper).
pub fn sim_command(args: &[&str]) -> io::Result<Command> {
    Ok(sim_command_for(bridge_binary()?, args))
}

/// [`sim_command`] for another `ts3-sim` binary (an older build to compare against).
pub fn sim_command_for(bin: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> Command {
    let mut cmd = Command::new(bin);
    cmd.args([
        "--query-port",
        "0",
        "--client-query-port",
        "0",
        "--ft-port",
        "0",
    ])
    .args(args);
    cmd
}

/// Starts `cmd` (a [`sim_command`]) and reads the query port from its first line; the process
/// is killed when the returned [`Process`] is dropped.
pub fn spawn_command(cmd: &mut Command) -> io::Result<(Process, u16)> {
    let mut child = cmd.stdout(Stdio::piped()).spawn()?;
    let out = child.stdout.take();
    // From here on, an early return kills the process.
    let process = Process(Some(child));
    let out = out.ok_or_else(|| io::Error::other("no stdout"))?;
    let mut out = io::BufReader::new(out);
    let mut first = String::new();
    io::BufRead::read_line(&mut out, &mut first)?;
    // Keep draining what it prints, or its next line dies on a closed pipe.
    std::thread::spawn(move || io::copy(&mut out, &mut io::sink()));
    let port = first
        .trim()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| io::Error::other(format!("unexpected first line {first:?}")))?;
    Ok((process, port))
}
