//! A minimal blocking driver of the core's state machine, for talking to the simulator in tests
//! (the real runtimes live in their own crates).
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use ts3q::{Client, Command, Config, Event, Output, Response};

pub struct Conn {
    pub stream: TcpStream,
    pub client: Client,
    pub events: Vec<Event>,
    pub closed: bool,
}

impl Conn {
    pub fn open(addr: SocketAddr, config: Config) -> Conn {
        let stream = TcpStream::connect(addr).expect("connect to the simulator");
        let mut c = Conn {
            stream,
            client: Client::new(config, Instant::now()),
            events: Vec::new(),
            closed: false,
        };
        let deadline = Instant::now() + Duration::from_secs(5);
        while c.client.greeting().is_none() {
            assert!(Instant::now() < deadline, "no greeting");
            c.pump(Duration::from_millis(100));
        }
        c
    }

    pub fn server(addr: SocketAddr) -> Conn {
        Conn::open(
            addr,
            Config::server_query().flood_limit(None).keepalive(None),
        )
    }

    /// A ServerQuery connection, logged in and on virtual server 1.
    pub fn admin(sim: &ts3_sim::Sim) -> Conn {
        let mut c = Conn::server(sim.query_addr());
        c.ok(Command::new("login")
            .param("client_login_name", "serveradmin")
            .param("client_login_password", sim.password()));
        c.ok(Command::new("use").param("sid", 1));
        c
    }

    /// Reads once (up to `wait`), feeding the machine and handling its outputs.
    pub fn pump(
        &mut self,
        wait: Duration,
    ) -> Vec<(ts3q::RequestId, Result<Response, ts3q::RequestError>)> {
        let now = Instant::now();
        self.client.handle_timeout(now);
        while let Some(out) = self.client.poll_transmit() {
            self.stream.write_all(&out).expect("write");
        }
        let mut done = Vec::new();
        self.drain(&mut done);
        if !done.is_empty() || self.closed {
            return done;
        }
        let mut buf = [0u8; 65536];
        self.stream
            .set_read_timeout(Some(wait.max(Duration::from_millis(1))))
            .ok();
        match self.stream.read(&mut buf) {
            Ok(0) => self.client.handle_eof(Instant::now()),
            Ok(n) => self.client.handle_input(&buf[..n], Instant::now()),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => self.client.handle_eof(Instant::now()),
        }
        while let Some(out) = self.client.poll_transmit() {
            let _ = self.stream.write_all(&out);
        }
        self.drain(&mut done);
        done
    }

    fn drain(&mut self, done: &mut Vec<(ts3q::RequestId, Result<Response, ts3q::RequestError>)>) {
        while let Some(out) = self.client.poll_output() {
            match out {
                Output::Response { id, result } => done.push((id, result)),
                Output::Event(e) => self.events.push(e),
                Output::Closed(_) => self.closed = true,
                _ => {}
            }
        }
    }

    /// Sends a command and waits for its response (whatever its error id).
    pub fn exec(&mut self, cmd: Command) -> Response {
        let id = self
            .client
            .send(cmd, Instant::now())
            .expect("valid command");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            for (got, result) in self.pump(Duration::from_millis(200)) {
                if got == id {
                    return result.expect("a response");
                }
            }
            assert!(!self.closed, "connection closed while waiting");
            assert!(Instant::now() < deadline, "no response");
        }
    }

    /// `exec`, asserting error id 0.
    pub fn ok(&mut self, cmd: Command) -> Response {
        let dbg = format!("{cmd:?}");
        let r = self.exec(cmd);
        assert_eq!(r.status().id(), 0, "{dbg} failed: {:?}", r.status());
        r
    }

    /// `exec`, returning the error id.
    pub fn err(&mut self, cmd: Command) -> u32 {
        self.exec(cmd).status().id()
    }

    /// The error id a bare command `name` gets (any name, known to the core or not).
    pub fn send_raw(&mut self, name: &str) -> u32 {
        self.err(Command::new(name).allow_unknown())
    }

    /// Waits until an event named `name` arrives; returns it.
    pub fn event(&mut self, name: &str) -> Event {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(i) = self.events.iter().position(|e| e.name() == name) {
                return self.events.remove(i);
            }
            assert!(
                Instant::now() < deadline,
                "no {name} event; got {:?}",
                self.events
            );
            self.pump(Duration::from_millis(100));
        }
    }

    /// Collects events for `wait`.
    pub fn settle(&mut self, wait: Duration) {
        let end = Instant::now() + wait;
        while Instant::now() < end {
            self.pump(Duration::from_millis(20));
        }
    }
}

pub fn cmd(name: &str) -> Command {
    Command::new(name)
}
