//! A real OpenSSH server in front of the simulator, for testing SSH ServerQuery clients.
//!
//! The recipe (what [`SshBridge::start`] does):
//! 1. a system user whose name and password are the query login (see [`ensure_system_user`]);
//! 2. a host key made with `ssh-keygen` in a private temporary directory;
//! 3. `/usr/sbin/sshd -D -e -f CONFIG` on a loopback port, with `UsePAM no`, password
//!    authentication only, `AllowUsers` that one user, and
//!    `ForceCommand ts3-sim bridge --connect QUERY_ADDR --login NAME --password PW`;
//! 4. the bridge joins the SSH session's stdin/stdout to the query port: it passes the
//!    greeting through, logs in itself (over SSH the SSH login is the query login), and puts
//!    a terminal, if the client asked for one, into raw mode so nothing is echoed or rewritten.
//!
//! Needs root (for the user and `/run/sshd`) and the `openssh-server` package.

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub use crate::testing::output_within;

/// Creates (or updates) a system user for password logins over SSH. Changes the machine's
/// users: meant for CI and test machines. Needs root. Safe to call from parallel tests: calls
/// are serialised, and each (user, password) is set up once per process.
pub fn ensure_system_user(name: &str, password: &str) -> io::Result<()> {
    static DONE: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());
    let mut done = DONE.lock().unwrap_or_else(|e| e.into_inner());
    if done.iter().any(|(n, p)| n == name && p == password) {
        return Ok(());
    }
    let exists = |name: &str| {
        output_within(Command::new("id").arg(name), Duration::from_secs(10))
            .is_ok_and(|o| o.status.success())
    };
    if !exists(name) {
        let created = run(Command::new("useradd").args(["-M", "-s", "/bin/sh", name]));
        // Another process may have created it meanwhile; only a missing user is an error.
        if !exists(name) {
            created?;
        }
    }
    // chpasswd takes /etc/shadow's lock; another process holding it makes it fail: retry.
    let mut last = Ok(());
    for _ in 0..20 {
        let input = format!("{name}:{password}\n");
        let out = crate::testing::output_with_input(
            &mut Command::new("chpasswd"),
            input.as_bytes(),
            Duration::from_secs(30),
        )?;
        if out.status.success() {
            done.push((name.to_string(), password.to_string()));
            return Ok(());
        }
        last = Err(io::Error::other(format!(
            "chpasswd failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
        std::thread::sleep(Duration::from_millis(100));
    }
    last
}

fn run(cmd: &mut Command) -> io::Result<()> {
    run_within(cmd, Duration::from_secs(60))
}

fn run_within(cmd: &mut Command, limit: Duration) -> io::Result<()> {
    let out = output_within(cmd, limit)?;
    if out.status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "{cmd:?}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

/// The `ts3-sim` binary of this workspace's build, for `ForceCommand`: looked up next to the
/// running test executable (`target/<profile>/`), built with cargo when it is not there yet.
pub fn bridge_binary() -> io::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let profile_dir = exe
        .parent()
        .and_then(|d| {
            if d.ends_with("deps") {
                d.parent()
            } else {
                Some(d)
            }
        })
        .ok_or_else(|| io::Error::other("no executable directory"))?;
    let bin = profile_dir.join("ts3-sim");
    if !bin.exists() {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.args(["build", "-p", "ts3-sim", "--bin", "ts3-sim"]);
        if profile_dir.ends_with("release") {
            cmd.arg("--release");
        }
        run_within(&mut cmd, Duration::from_secs(900))?;
    }
    Ok(bin)
}

/// A running sshd bridged to a simulator's query port; stopped when dropped.
#[derive(Debug)]
pub struct SshBridge {
    /// The watchdog shell (its stdin is the pipe whose end stops sshd).
    child: Child,
    sshd_pid: Option<u32>,
    addr: SocketAddr,
    dir: PathBuf,
}

const SSHD: &str = "/usr/sbin/sshd";

impl SshBridge {
    /// Starts sshd on a free loopback port. `bridge_bin` is the `ts3-sim` binary; it is copied
    /// next to sshd's configuration, under `/tmp`, because the SSH user (an unprivileged system
    /// user) must be able to run it, and a checkout in a private directory (a home directory,
    /// a `mktemp -d`) is out of its reach.
    ///
    /// sshd runs under a small shell watchdog that reads a pipe from this process: when this
    /// process ends, however it ends (even killed), the pipe closes and the watchdog stops sshd,
    /// so no sshd outlives its test. sshd's own output goes to a log file in its directory,
    /// never to this process's standard output or error.
    pub fn start(
        bridge_bin: &Path,
        query: SocketAddr,
        login: &str,
        password: &str,
    ) -> io::Result<SshBridge> {
        if !Path::new(SSHD).exists() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{SSHD} is missing (apt-get install openssh-server)"),
            ));
        }
        ensure_system_user(login, password)?;
        std::fs::create_dir_all("/run/sshd")?;
        let dir = PathBuf::from("/tmp").join(format!(
            "ts3-sim-sshd-{}-{}",
            std::process::id(),
            query.port()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let bin = dir.join("ts3-sim");
        std::fs::copy(bridge_bin, &bin)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755))?;
            std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755))?;
        }
        let key = dir.join("host_key");
        run(Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", ""])
            .arg("-f")
            .arg(&key))?;
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let config = dir.join("sshd_config");
        std::fs::write(
            &config,
            format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {key}\nPidFile {pid}\nUsePAM no\n\
                 PasswordAuthentication yes\nKbdInteractiveAuthentication no\nPubkeyAuthentication no\n\
                 PermitRootLogin no\nAllowUsers {login}\nStrictModes no\nX11Forwarding no\n\
                 AllowTcpForwarding no\nLogLevel ERROR\n\
                 ForceCommand {bin} bridge --connect {query} --login {login} --password {password}\n",
                key = key.display(),
                pid = dir.join("sshd.pid").display(),
                bin = bin.display(),
            ),
        )?;
        let log = dir.join("sshd.log");
        // The watchdog: start sshd, say its pid, wait for this process's end of the pipe to
        // close (drop, exit or kill), then stop sshd and remove its directory.
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "{SSHD} -D -e -f \"$1\" </dev/null >/dev/null 2>>\"$2\" & pid=$!; echo $pid; \
                 read -r _; kill $pid 2>/dev/null; wait $pid; rm -rf \"$3\""
            ))
            .arg("ts3-sim-sshd-watchdog")
            .arg(&config)
            .arg(&log)
            .arg(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let mut pid = String::new();
        if let Some(out) = child.stdout.take() {
            io::BufRead::read_line(&mut io::BufReader::new(out), &mut pid)?;
        }
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let mut bridge = SshBridge {
            child,
            sshd_pid: pid.trim().parse().ok(),
            addr,
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            let log = || std::fs::read_to_string(&log).unwrap_or_default();
            if bridge.child.try_wait()?.is_some() {
                return Err(io::Error::other(format!("sshd exited: {}", log())));
            }
            if Instant::now() > deadline {
                return Err(io::Error::other(format!(
                    "sshd did not listen within 10 s: {}",
                    log()
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(bridge)
    }

    /// The SSH address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The host key's OpenSSH fingerprint, `SHA256:...` (from `ssh-keygen -l -E sha256`).
    pub fn host_key_sha256(&self) -> io::Result<String> {
        let out = output_within(
            Command::new("ssh-keygen")
                .args(["-l", "-E", "sha256", "-f"])
                .arg(self.dir.join("host_key.pub")),
            Duration::from_secs(30),
        )?;
        let text = String::from_utf8_lossy(&out.stdout);
        text.split_whitespace()
            .find(|w| w.starts_with("SHA256:"))
            .map(str::to_string)
            .ok_or_else(|| io::Error::other(format!("unexpected ssh-keygen output: {text}")))
    }

    /// A `known_hosts` line for this server (`[127.0.0.1]:PORT ssh-ed25519 AAAA...`).
    pub fn known_hosts_line(&self) -> io::Result<String> {
        let public = std::fs::read_to_string(self.dir.join("host_key.pub"))?;
        let mut parts = public.split_whitespace();
        let (kind, key) = (
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
        );
        Ok(format!("[127.0.0.1]:{} {kind} {key}\n", self.addr.port()))
    }
}

impl Drop for SshBridge {
    fn drop(&mut self) {
        // Closing the pipe makes the watchdog stop sshd; kill it directly too, in case the
        // watchdog itself is gone.
        drop(self.child.stdin.take());
        if let Some(pid) = self.sshd_pid {
            let _ = Command::new("kill")
                .arg(pid.to_string())
                .stderr(Stdio::null())
                .status();
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
