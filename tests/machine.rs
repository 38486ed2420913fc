//! The client state machine driven by hand with a fake clock: greeting variants, pipelining,
//! every deadline (response timeout, keepalive, flood pacing, 524 retry), close and EOF,
//! malformed input.

mod common;

use std::time::{Duration, Instant};

use common::{random_chunks, Rng};
use ts3q::{
    Client, CloseReason, Command, Config, FloodLimit, Mode, Output, ParseError, ProtocolError,
    RequestError, RequestId, SendError, State,
};

const SQ_GREETING: &[u8] = b"TS3\n\rWelcome to the TeamSpeak 3 ServerQuery interface, type \"help\" for a list of commands and \"help <command>\" for information on a specific command.\n\r";
const CQ_GREETING: &[u8] = b"TS3 Client\n\rWelcome to the TeamSpeak 3 ClientQuery interface, type \"help\" for a list of commands and \"help <command>\" for information on a specific command.\n\rUse the \"auth\" command to authenticate yourself. Type \"help auth\" for more information.\n\rselected schandlerid=3\n\r";
const OK: &[u8] = b"error id=0 msg=ok\n\r";

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

fn drain(c: &mut Client) -> Vec<Output> {
    std::iter::from_fn(|| c.poll_output()).collect()
}

/// [`drain`] without the pacer's notices.
fn drain_unpaced(c: &mut Client) -> Vec<Output> {
    unpaced(drain(c))
}

fn unpaced(out: Vec<Output>) -> Vec<Output> {
    out.into_iter()
        .filter(|o| !matches!(o, Output::Paced { .. }))
        .collect()
}

fn sent(c: &mut Client) -> String {
    let mut s = String::new();
    while let Some(b) = c.poll_transmit() {
        s.push_str(std::str::from_utf8(&b).unwrap());
    }
    s
}

/// A ServerQuery machine past its greeting, with the greeting output drained.
fn open(config: Config, t0: Instant) -> Client {
    let mut c = Client::new(config, t0);
    c.handle_input(SQ_GREETING, t0);
    assert!(matches!(drain(&mut c)[..], [Output::Greeting(_)]));
    c
}

fn quiet() -> Config {
    Config::server_query()
        .keepalive(None)
        .response_timeout(None)
}

fn response(out: &Output) -> (RequestId, &Result<ts3q::Response, RequestError>) {
    match out {
        Output::Response { id, result } => (*id, result),
        other => panic!("expected a response, got {other:?}"),
    }
}

// ------------------------------------------------------------------------------ greeting

#[test]
fn server_greeting() {
    let t0 = Instant::now();
    let mut c = Client::new(quiet(), t0);
    assert_eq!(c.state(), State::Greeting);
    let id = c.send(Command::new("version"), t0).unwrap();
    assert_eq!(sent(&mut c), "", "commands wait for the greeting");
    c.handle_input(&SQ_GREETING[..10], t0);
    assert_eq!(sent(&mut c), "");
    c.handle_input(&SQ_GREETING[10..], t0);
    assert_eq!(sent(&mut c), "version\n");
    let out = drain(&mut c);
    match &out[0] {
        Output::Greeting(g) => {
            assert_eq!(g.mode, Mode::ServerQuery);
            assert!(g
                .welcome
                .starts_with(b"Welcome to the TeamSpeak 3 ServerQuery"));
            assert_eq!(g.schandlerid, None);
        }
        o => panic!("{o:?}"),
    }
    c.handle_input(b"version=3.13.7 build=1 platform=Linux\n\r", t0);
    c.handle_input(OK, t0);
    let out = drain(&mut c);
    let (got, r) = response(&out[0]);
    assert_eq!(got, id);
    assert_eq!(
        r.as_ref()
            .unwrap()
            .first()
            .unwrap()
            .str("platform")
            .unwrap(),
        "Linux"
    );
}

#[test]
fn client_greeting_four_and_three_lines() {
    let t0 = Instant::now();
    let mut c = Client::new(Config::client_query(), t0);
    c.handle_input(CQ_GREETING, t0);
    assert_eq!(c.schandlerid(), Some(3));
    assert_eq!(c.state(), State::Open);
    assert!(
        matches!(&drain(&mut c)[..], [Output::Greeting(g)] if g.schandlerid == Some(3) && g.mode == Mode::ClientQuery)
    );

    let old = b"TS3 Client\n\rWelcome to the TeamSpeak 3 ClientQuery interface.\n\rselected schandlerid=1\n\r";
    let mut c = Client::new(Config::client_query(), t0);
    for b in old.iter() {
        c.handle_input(&[*b], t0);
    }
    assert_eq!(c.schandlerid(), Some(1));
    assert!(c.greeting().unwrap().welcome.starts_with(b"Welcome"));
}

#[test]
fn junk_before_banner_is_skipped() {
    let t0 = Instant::now();
    let mut c = Client::new(quiet(), t0);
    c.handle_input(b"\r\n\n\rsome banner\r\n", t0);
    c.handle_input(SQ_GREETING, t0);
    assert_eq!(c.state(), State::Open);
}

fn closed_reason(c: &mut Client) -> CloseReason {
    match drain(c).pop() {
        Some(Output::Closed(r)) => r,
        other => panic!("expected Closed, got {other:?}"),
    }
}

#[test]
fn not_a_query_interface() {
    let t0 = Instant::now();
    // An SSH server on the raw port, then anything.
    let mut c = Client::new(quiet(), t0);
    let id = c.send(Command::new("version"), t0).unwrap();
    c.handle_input(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", t0);
    for i in 0..10 {
        c.handle_input(format!("junk line {i}\n").as_bytes(), t0);
    }
    let out = drain(&mut c);
    assert!(
        matches!(&out[0], Output::Response { id: got, result: Err(RequestError::ConnectionClosed) } if *got == id)
    );
    assert!(matches!(
        &out[1],
        Output::Closed(CloseReason::Protocol(ProtocolError::NotTs3Query))
    ));
    assert!(c.is_closed());
    assert_eq!(c.send(Command::new("version"), t0), Err(SendError::Closed));

    // A peer that streams bytes without line ends.
    let mut c = Client::new(quiet(), t0);
    c.handle_input(&vec![b'x'; 10_000], t0);
    assert_eq!(
        closed_reason(&mut c),
        CloseReason::Protocol(ProtocolError::NotTs3Query)
    );
}

#[test]
fn other_protocols_are_refused_at_once() {
    let t0 = Instant::now();
    // Each first line alone is enough: no waiting for more junk or the greeting timeout.
    for banner in [
        &b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"[..],
        b"HTTP/1.1 400 Bad Request\r\n",
        b"220 mail.example.com ESMTP\r\n",
        b"<!DOCTYPE html>\n",
    ] {
        let mut c = Client::new(quiet(), t0);
        c.handle_input(banner, t0);
        assert_eq!(
            closed_reason(&mut c),
            CloseReason::Protocol(ProtocolError::NotTs3Query),
            "{}",
            String::from_utf8_lossy(banner)
        );
    }
    // A few lines of something else, then the end: not a query interface, not a plain EOF.
    for reply in [&b"Hello\nwho are you?\n"[..], b"no line end"] {
        let mut c = Client::new(quiet(), t0);
        c.handle_input(reply, t0);
        c.handle_eof(t0);
        assert_eq!(
            closed_reason(&mut c),
            CloseReason::Protocol(ProtocolError::NotTs3Query)
        );
    }
    // Nothing at all, or a TS3 banner, then the end: the connection dropped.
    for reply in [&b""[..], b"TS3\n\r"] {
        let mut c = Client::new(quiet(), t0);
        c.handle_input(reply, t0);
        c.handle_eof(t0);
        assert_eq!(closed_reason(&mut c), CloseReason::Eof);
    }
}

#[test]
fn send_keepalive_on_demand() {
    let t0 = Instant::now();
    let mut c = open(quiet(), t0);
    assert!(c.send_keepalive(t0));
    assert_eq!(sent(&mut c), "version\n");
    c.handle_input(b"version=3.13.7 build=1 platform=Linux\n\r", t0);
    c.handle_input(OK, t0);
    assert!(
        drain(&mut c).is_empty(),
        "the keepalive's response is not delivered"
    );
    c.close(t0);
    assert!(!c.send_keepalive(t0));
}

#[test]
fn wrong_interface() {
    let t0 = Instant::now();
    let mut c = Client::new(quiet(), t0);
    c.handle_input(CQ_GREETING, t0);
    assert_eq!(
        closed_reason(&mut c),
        CloseReason::Protocol(ProtocolError::WrongInterface {
            expected: Mode::ServerQuery,
            found: Mode::ClientQuery
        })
    );
    let mut c = Client::new(Config::client_query(), t0);
    c.handle_input(SQ_GREETING, t0);
    assert!(matches!(
        closed_reason(&mut c),
        CloseReason::Protocol(ProtocolError::WrongInterface { .. })
    ));
}

#[test]
fn banned_instead_of_greeting() {
    let t0 = Instant::now();
    let mut c = Client::new(quiet(), t0);
    c.handle_input(b"error id=3329 msg=connection\\sfailed,\\syou\\sare\\sbanned extra_msg=you\\smay\\sretry\\sin\\s600\\sseconds\n\r", t0);
    match closed_reason(&mut c) {
        CloseReason::Protocol(ProtocolError::Refused(e)) => {
            assert!(e.is_banned());
            assert_eq!(e.extra_msg().unwrap(), "you may retry in 600 seconds");
            assert!(e.to_string().contains("3329"));
        }
        r => panic!("{r:?}"),
    }
}

#[test]
fn greeting_timeout() {
    let t0 = Instant::now();
    let mut c = Client::new(quiet().greeting_timeout(Some(secs(5.0))), t0);
    assert_eq!(c.poll_timeout(), Some(t0 + secs(5.0)));
    c.handle_timeout(t0 + secs(4.9));
    assert_eq!(c.state(), State::Greeting);
    c.handle_input(b"TS3\n\r", t0 + secs(4.9));
    c.handle_timeout(t0 + secs(5.0));
    assert_eq!(
        closed_reason(&mut c),
        CloseReason::Protocol(ProtocolError::GreetingTimeout(secs(5.0)))
    );
    assert_eq!(c.poll_timeout(), None);
}

// --------------------------------------------------------------------------- pipelining

#[test]
fn pipelined_commands_match_in_order() {
    let t0 = Instant::now();
    let mut c = open(quiet(), t0);
    let a = c.send(Command::new("whoami"), t0).unwrap();
    let b = c
        .send(Command::new("clientlist").option("uid"), t0)
        .unwrap();
    let d = c
        .send(Command::new("channelinfo").param("cid", 99), t0)
        .unwrap();
    assert_eq!(
        sent(&mut c),
        "whoami\nclientlist -uid\nchannelinfo cid=99\n"
    );
    assert_eq!(c.in_flight(), 3);
    c.handle_input(b"client_id=1\n\rerror id=0 msg=ok\n\rclid=1|clid=2\n\rnotifyclientmoved ctid=1 reasonid=0 clid=2\n\rerror id=0 msg=ok\n\rerror id=768 msg=invalid\\schannelID\n\r", t0);
    let out = drain(&mut c);
    assert_eq!(out.len(), 4);
    assert_eq!(response(&out[0]).0, a);
    assert!(matches!(&out[1], Output::Event(e) if e.name() == "notifyclientmoved"));
    let (id, r) = response(&out[2]);
    assert_eq!(id, b);
    assert_eq!(r.as_ref().unwrap().len(), 2);
    let (id, r) = response(&out[3]);
    assert_eq!(id, d);
    let err = r.clone().unwrap().into_result().unwrap_err();
    assert_eq!(err.id(), 768);
    assert_eq!(err.msg(), "invalid channelID");
}

#[test]
fn interleaved_event_at_every_position() {
    let t0 = Instant::now();
    let event = b"notifytextmessage targetmode=2 msg=hello\\sthere invokerid=3\n\r";
    for k in 0..5usize {
        let mut lines: Vec<Vec<u8>> = (0..k)
            .map(|i| format!("banid={i} ip=1.2.3.{i}\n\r").into_bytes())
            .collect();
        lines.push(OK.to_vec());
        let mut reference = None;
        for pos in 0..=lines.len() {
            let mut input = Vec::new();
            for (i, l) in lines.iter().enumerate() {
                if i == pos {
                    input.extend_from_slice(event);
                }
                input.extend_from_slice(l);
            }
            if pos == lines.len() {
                input.extend_from_slice(event);
            }
            let mut rng = Rng(pos as u64 + 1);
            let chunkings: Vec<Vec<&[u8]>> = vec![
                vec![&input[..]],
                input.chunks(1).collect(),
                random_chunks(&input, &mut rng, 9),
            ];
            for chunks in chunkings {
                let mut c = open(quiet(), t0);
                let id = c
                    .send(Command::new("banclient").param("clid", 4), t0)
                    .unwrap();
                for ch in chunks {
                    c.handle_input(ch, t0);
                }
                let out = drain(&mut c);
                assert_eq!(out.len(), 2, "k={k} pos={pos}: {out:?}");
                let (resp, ev) = match (&out[0], &out[1]) {
                    (
                        Output::Response {
                            id: i,
                            result: Ok(r),
                        },
                        Output::Event(e),
                    )
                    | (
                        Output::Event(e),
                        Output::Response {
                            id: i,
                            result: Ok(r),
                        },
                    ) => {
                        assert_eq!(*i, id);
                        (r.clone(), e.clone())
                    }
                    other => panic!("k={k} pos={pos}: {other:?}"),
                };
                assert_eq!(resp.len(), k);
                assert_eq!(ev.first().unwrap().str("msg").unwrap(), "hello there");
                let seen = (format!("{resp:?}"), format!("{ev:?}"));
                match &reference {
                    None => reference = Some(seen),
                    Some(r) => assert_eq!(r, &seen, "k={k} pos={pos}"),
                }
            }
        }
    }
}

#[test]
fn unsolicited_lines_are_warnings_and_lose_nothing() {
    let t0 = Instant::now();
    let mut c = open(quiet(), t0);
    c.handle_input(b"clid=1\n\rerror id=0 msg=ok\n\rnotifyx a=1\n\r", t0);
    let out = drain(&mut c);
    assert!(matches!(
        out[0],
        Output::Warning(ProtocolError::UnsolicitedData { len: 6 })
    ));
    assert!(matches!(
        out[1],
        Output::Warning(ProtocolError::UnsolicitedStatus { id: Some(0) })
    ));
    assert!(matches!(&out[2], Output::Event(e) if e.name() == "notifyx"));
    let id = c.send(Command::new("whoami"), t0).unwrap();
    c.handle_input(b"a=1\n\rerror id=0 msg=ok\n\r", t0);
    assert!(matches!(&drain(&mut c)[..], [Output::Response { id: i, result: Ok(_) }] if *i == id));
}

// ----------------------------------------------------------------------------- timeouts

#[test]
fn response_timeout_then_late_response_is_dropped() {
    let t0 = Instant::now();
    let mut c = open(quiet().response_timeout(Some(secs(2.0))), t0);
    let a = c.send(Command::new("clientlist"), t0).unwrap();
    let b = c.send(Command::new("whoami"), t0 + secs(1.0)).unwrap();
    assert_eq!(c.poll_timeout(), Some(t0 + secs(2.0)));
    c.handle_timeout(t0 + secs(1.5));
    assert!(drain(&mut c).is_empty(), "early wake-up does nothing");
    c.handle_timeout(t0 + secs(2.0));
    let out = drain(&mut c);
    assert!(
        matches!(&out[..], [Output::Response { id, result: Err(RequestError::Timeout(t)) }] if *id == a && *t == secs(2.0))
    );
    assert_eq!(c.poll_timeout(), Some(t0 + secs(3.0)));
    // A's late response arrives, then B's: B gets its own, A's is dropped.
    c.handle_input(
        b"clid=1|clid=2\n\rerror id=0 msg=ok\n\rclient_id=7\n\rerror id=0 msg=ok\n\r",
        t0 + secs(2.5),
    );
    let out = drain(&mut c);
    assert_eq!(out.len(), 1, "{out:?}");
    let (id, r) = response(&out[0]);
    assert_eq!(id, b);
    assert_eq!(
        r.as_ref()
            .unwrap()
            .first()
            .unwrap()
            .str("client_id")
            .unwrap(),
        "7"
    );
    assert_eq!(c.in_flight(), 0);
    assert_eq!(c.poll_timeout(), None);
}

#[test]
fn per_command_timeout() {
    let t0 = Instant::now();
    let mut c = open(quiet().response_timeout(Some(secs(30.0))), t0);
    let a = c
        .send_with_timeout(Command::new("whoami"), Some(secs(1.0)), t0)
        .unwrap();
    let _b = c
        .send_with_timeout(Command::new("whoami"), None, t0)
        .unwrap();
    assert_eq!(c.poll_timeout(), Some(t0 + secs(1.0)));
    c.handle_timeout(t0 + secs(1.0));
    assert!(
        matches!(&drain(&mut c)[..], [Output::Response { id, result: Err(RequestError::Timeout(_)) }] if *id == a)
    );
    assert_eq!(c.poll_timeout(), None, "the other command waits forever");
}

// ---------------------------------------------------------------------------- keepalive

#[test]
fn keepalive_after_idle_interval_is_invisible() {
    let t0 = Instant::now();
    let mut c = open(quiet().keepalive(Some(secs(60.0))), t0);
    assert_eq!(c.poll_timeout(), Some(t0 + secs(60.0)));
    let id = c.send(Command::new("whoami"), t0 + secs(10.0)).unwrap();
    sent(&mut c);
    assert_eq!(
        c.poll_timeout(),
        Some(t0 + secs(70.0)),
        "sending resets the idle timer"
    );
    c.handle_input(OK, t0 + secs(10.0));
    assert!(matches!(&drain(&mut c)[..], [Output::Response { id: i, .. }] if *i == id));
    c.handle_timeout(t0 + secs(69.0));
    assert_eq!(sent(&mut c), "");
    c.handle_timeout(t0 + secs(70.0));
    assert_eq!(sent(&mut c), "version\n");
    c.handle_input(
        b"version=3.13.7 build=1 platform=Linux\n\rerror id=0 msg=ok\n\r",
        t0 + secs(70.1),
    );
    assert!(
        drain(&mut c).is_empty(),
        "the keepalive's response never reaches the user"
    );
    assert_eq!(c.poll_timeout(), Some(t0 + secs(130.0)));
    // Even an error answer to the keepalive stays internal.
    c.handle_timeout(t0 + secs(130.0));
    assert_eq!(sent(&mut c), "version\n");
    c.handle_input(
        b"error id=1796 msg=currently\\snot\\spossible\n\r",
        t0 + secs(130.0),
    );
    assert!(drain(&mut c).is_empty());
}

#[test]
fn clientquery_keepalive_and_custom_command() {
    let t0 = Instant::now();
    let mut c = Client::new(Config::client_query().keepalive(Some(secs(5.0))), t0);
    c.handle_input(CQ_GREETING, t0);
    drain(&mut c);
    c.handle_timeout(t0 + secs(5.0));
    assert_eq!(sent(&mut c), "currentschandlerid\n");

    let config = quiet()
        .keepalive(Some(secs(5.0)))
        .keepalive_command(Command::new("whoami"))
        .unwrap();
    let mut c = open(config, t0);
    c.handle_timeout(t0 + secs(5.0));
    assert_eq!(sent(&mut c), "whoami\n");
    assert!(quiet().keepalive_command(Command::new("nonsense")).is_err());
}

#[test]
fn keepalive_off_and_dead_connection() {
    let t0 = Instant::now();
    let mut c = open(quiet(), t0);
    assert_eq!(c.poll_timeout(), None);
    c.handle_timeout(t0 + secs(10_000.0));
    assert_eq!(sent(&mut c), "");

    let mut c = open(
        quiet()
            .keepalive(Some(secs(60.0)))
            .response_timeout(Some(secs(10.0))),
        t0,
    );
    c.handle_timeout(t0 + secs(60.0));
    assert_eq!(sent(&mut c), "version\n");
    assert_eq!(c.poll_timeout(), Some(t0 + secs(70.0)));
    c.handle_timeout(t0 + secs(70.0));
    assert_eq!(closed_reason(&mut c), CloseReason::KeepaliveTimeout);
}

// ------------------------------------------------------------------------------- pacing

#[test]
fn flood_pacing_holds_commands_to_the_limit() {
    let t0 = Instant::now();
    let limit = FloodLimit {
        commands: 10,
        window: secs(3.0),
        margin: secs(0.1),
    };
    let mut c = open(quiet().flood_limit(Some(limit)), t0);
    let ids: Vec<_> = (0..25)
        .map(|i| {
            c.send(Command::new("clientinfo").param("clid", i), t0)
                .unwrap()
        })
        .collect();
    assert_eq!(sent(&mut c).lines().count(), 10);
    assert_eq!(c.queued(), 15);
    assert_eq!(c.poll_timeout(), Some(t0 + secs(3.1)));
    c.handle_timeout(t0 + secs(3.0));
    assert_eq!(sent(&mut c), "");
    c.handle_timeout(t0 + secs(3.1));
    let second = sent(&mut c);
    assert_eq!(second.lines().count(), 10);
    assert!(
        second.starts_with("clientinfo clid=10\n"),
        "order kept: {second}"
    );
    c.handle_timeout(t0 + secs(6.2));
    assert_eq!(sent(&mut c).lines().count(), 5);
    // All 25 answered, in order.
    for _ in 0..25 {
        c.handle_input(OK, t0 + secs(7.0));
    }
    let out = drain(&mut c);
    // Each hold was announced once, with when it ends and what waited when it began (the
    // 11th command; then the last 5).
    let holds: Vec<_> = out
        .iter()
        .filter_map(|o| match o {
            Output::Paced { until, queued } => Some((*until, *queued)),
            _ => None,
        })
        .collect();
    assert_eq!(holds, [(t0 + secs(3.1), 1), (t0 + secs(6.2), 5)]);
    assert_eq!(c.paced_waits(), 2);
    let got: Vec<_> = unpaced(out).iter().map(|o| response(o).0).collect();
    assert_eq!(got, ids);
}

#[test]
fn flood_pacing_off() {
    let t0 = Instant::now();
    let mut c = open(quiet().flood_limit(None), t0);
    for i in 0..100 {
        c.send(Command::new("clientinfo").param("clid", i), t0)
            .unwrap();
    }
    assert_eq!(sent(&mut c).lines().count(), 100);
    assert_eq!(c.poll_timeout(), None);
}

#[test]
fn error_524_waits_and_resends_transparently() {
    let t0 = Instant::now();
    let mut c = open(quiet().flood_limit(None), t0);
    let a = c
        .send(
            Command::new("clientkick")
                .param("clid", 5)
                .param("reasonid", 5),
            t0,
        )
        .unwrap();
    assert_eq!(sent(&mut c), "clientkick clid=5 reasonid=5\n");
    c.handle_input(
        b"error id=524 msg=client\\sis\\sflooding extra_msg=please\\swait\\s2\\sseconds\n\r",
        t0 + secs(0.1),
    );
    assert!(drain(&mut c).is_empty(), "524 is not delivered");
    let b = c.send(Command::new("whoami"), t0 + secs(0.5)).unwrap();
    assert_eq!(
        sent(&mut c),
        "",
        "everything waits while the server asks us to"
    );
    assert_eq!(c.poll_timeout(), Some(t0 + secs(2.1)));
    c.handle_timeout(t0 + secs(2.1));
    assert_eq!(
        sent(&mut c),
        "clientkick clid=5 reasonid=5\nwhoami\n",
        "same command first, then the rest"
    );
    c.handle_input(OK, t0 + secs(2.2));
    c.handle_input(OK, t0 + secs(2.2));
    let got: Vec<_> = drain(&mut c)
        .iter()
        .map(|o| (response(o).0, response(o).1.as_ref().unwrap().status().id()))
        .collect();
    assert_eq!(got, [(a, 0), (b, 0)]);
}

#[test]
fn error_524_retries_are_bounded() {
    let t0 = Instant::now();
    let mut c = open(quiet().flood_limit(None).flood_retries(2), t0);
    let a = c.send(Command::new("whoami"), t0).unwrap();
    let flood =
        b"error id=524 msg=client\\sis\\sflooding extra_msg=please\\swait\\s1\\sseconds\n\r";
    let mut now = t0;
    for _ in 0..2 {
        assert_eq!(sent(&mut c), "whoami\n");
        c.handle_input(flood, now);
        assert!(drain(&mut c).is_empty());
        now += secs(1.0);
        c.handle_timeout(now);
    }
    assert_eq!(sent(&mut c), "whoami\n");
    c.handle_input(flood, now);
    let out = drain(&mut c);
    let (id, r) = response(&out[0]);
    assert_eq!(id, a);
    assert!(
        r.as_ref().unwrap().status().is_flooding(),
        "after the retries, the 524 is the result"
    );
}

// ------------------------------------------------------------------------ close and EOF

fn one_per_second() -> FloodLimit {
    FloodLimit {
        commands: 1,
        window: secs(1.0),
        margin: Duration::ZERO,
    }
}

#[test]
fn close_sends_quit_after_queued_commands() {
    let t0 = Instant::now();
    let mut c = open(quiet().flood_limit(Some(one_per_second())), t0);
    c.send(Command::new("whoami"), t0).unwrap();
    c.send(Command::new("version"), t0).unwrap();
    c.close(t0);
    assert_eq!(c.state(), State::Closing);
    assert_eq!(c.send(Command::new("whoami"), t0), Err(SendError::Closed));
    assert_eq!(sent(&mut c), "whoami\n");
    c.handle_timeout(t0 + secs(1.0));
    assert_eq!(sent(&mut c), "version\n");
    c.handle_timeout(t0 + secs(2.0));
    assert_eq!(sent(&mut c), "quit\n");
    c.handle_input(
        b"error id=0 msg=ok\n\rerror id=0 msg=ok\n\rerror id=0 msg=ok\n\r",
        t0 + secs(2.0),
    );
    let out = drain_unpaced(&mut c);
    assert_eq!(out.len(), 3);
    assert!(matches!(out[2], Output::Closed(CloseReason::Quit)));
    c.handle_input(b"anything\n\r", t0);
    c.handle_eof(t0);
    c.handle_timeout(t0 + secs(100.0));
    c.close(t0);
    assert!(drain(&mut c).is_empty(), "nothing after Closed");
}

#[test]
fn eof_fails_pending_commands() {
    let t0 = Instant::now();
    let mut c = open(quiet().flood_limit(Some(one_per_second())), t0);
    let a = c.send(Command::new("whoami"), t0).unwrap();
    let b = c.send(Command::new("version"), t0).unwrap();
    c.handle_input(b"client_id=1\n\rerror id=0 ms", t0);
    c.handle_eof(t0);
    let out = drain_unpaced(&mut c);
    assert!(
        matches!(
            out[0],
            Output::Warning(ProtocolError::TruncatedLine { len: 13 })
        ),
        "{out:?}"
    );
    assert!(
        matches!(&out[1], Output::Response { id, result: Err(RequestError::ConnectionClosed) } if *id == a)
    );
    assert!(
        matches!(&out[2], Output::Response { id, result: Err(RequestError::ConnectionClosed) } if *id == b)
    );
    assert!(matches!(out[3], Output::Closed(CloseReason::Eof)));
    assert_eq!(out.len(), 4);
}

#[test]
fn close_before_greeting_and_eof_during_quit() {
    let t0 = Instant::now();
    let mut c = Client::new(quiet(), t0);
    c.close(t0);
    assert_eq!(closed_reason(&mut c), CloseReason::Local);

    let mut c = open(quiet(), t0);
    c.close(t0);
    assert_eq!(sent(&mut c), "quit\n");
    c.handle_eof(t0);
    assert_eq!(closed_reason(&mut c), CloseReason::Quit);
}

// -------------------------------------------------------------------- malformed input

#[test]
fn over_long_lines_cost_one_result_at_most() {
    let t0 = Instant::now();
    let mut c = open(quiet().max_line(512), t0);
    let a = c.send(Command::new("clientlist"), t0).unwrap();
    let b = c.send(Command::new("whoami"), t0).unwrap();
    let long_data = format!("clid=1 client_nickname={}\n\r", "x".repeat(600));
    let long_event = format!("notifytextmessage msg={}\n\r", "y".repeat(600));
    c.handle_input(long_data.as_bytes(), t0);
    c.handle_input(long_event.as_bytes(), t0);
    c.handle_input(b"notifytextmessage msg=short\n\r", t0);
    c.handle_input(OK, t0);
    c.handle_input(b"client_id=3\n\r", t0);
    c.handle_input(OK, t0);
    let out = drain(&mut c);
    assert_eq!(out.len(), 4, "{out:?}");
    assert!(matches!(
        out[0],
        Output::Warning(ProtocolError::EventTooLong { max: 512, .. })
    ));
    assert!(
        matches!(&out[1], Output::Event(e) if e.first().unwrap().str("msg").unwrap() == "short")
    );
    assert!(
        matches!(&out[2], Output::Response { id, result: Err(RequestError::Parse(ParseError::LineTooLong { max: 512, .. })) } if *id == a)
    );
    assert!(
        matches!(&out[3], Output::Response { id, result: Ok(r) } if *id == b && r.first().unwrap().str("client_id").unwrap() == "3")
    );

    // Several data lines that only together exceed the limit fail the same way.
    let d = c.send(Command::new("banclient"), t0).unwrap();
    for _ in 0..3 {
        c.handle_input(format!("banid={}\n\r", "1".repeat(200)).as_bytes(), t0);
    }
    c.handle_input(OK, t0);
    assert!(
        matches!(&drain(&mut c)[..], [Output::Response { id, result: Err(RequestError::Parse(ParseError::LineTooLong { .. })) }] if *id == d)
    );
}

#[test]
fn dedup_of_doubled_view_events() {
    let t0 = Instant::now();
    let ev = b"notifycliententerview cfid=0 ctid=1 reasonid=0 clid=9 client_nickname=A\n\r";
    let msg = b"notifytextmessage targetmode=3 msg=hi\n\r";
    for (dedup, want) in [(true, 4), (false, 5)] {
        let mut c = open(quiet().dedup_events(dedup), t0);
        for line in [&ev[..], ev, msg, msg, ev] {
            c.handle_input(line, t0);
        }
        // Identical text messages are real (someone said "hi" twice): never dropped.
        assert_eq!(drain(&mut c).len(), want, "dedup={dedup}");
    }
}

#[test]
fn invalid_commands_are_refused_without_sending() {
    let t0 = Instant::now();
    let mut c = open(quiet(), t0);
    assert!(matches!(
        c.send(Command::new("auth").param("apikey", "x"), t0),
        Err(SendError::Command(_))
    ));
    assert!(matches!(
        c.send(Command::new("use").param("sid 1", 1), t0),
        Err(SendError::Command(_))
    ));
    assert!(c
        .send(Command::new("apikeyadd").allow_unknown(), t0)
        .is_ok());
    assert_eq!(sent(&mut c), "apikeyadd\n");
}

#[test]
fn arbitrary_input_never_panics_or_reorders() {
    // A deterministic soak; the fuzz target does the same with coverage guidance.
    let alphabet: &[&[u8]] = &[
        b"error id=0 msg=ok",
        b"error id=524 msg=f extra_msg=please\\swait\\s1\\sseconds",
        b"error id=x",
        b"error",
        b"notifycliententerview clid=1",
        b"notify",
        b"clid=1|clid=2",
        b"a=b=c d",
        b"TS3",
        b"TS3 Client",
        b"selected schandlerid=1",
        &[b'z'; 300],
        b"\n",
        b"\r",
        b"\n\r",
        b"\r\n",
        b"|",
        b"=",
        b" ",
        b"\\",
        b"\xff",
        b"x",
    ];
    for seed in 0..300u64 {
        let mut rng = Rng(seed * 7919 + 1);
        let t0 = Instant::now();
        let mode = if seed % 3 == 0 {
            Config::client_query()
        } else {
            Config::server_query()
        };
        let config = mode
            .max_line(512)
            .response_timeout(Some(secs(1.0)))
            .keepalive(Some(secs(2.0)));
        let mut c = if seed % 2 == 0 {
            Client::new(config, t0)
        } else {
            Client::new_open(config, t0)
        };
        let mut now = t0;
        let mut sent_ids = Vec::new();
        let mut delivered = Vec::new();
        for _ in 0..200 {
            match rng.below(10) {
                0 => {
                    if let Ok(id) = c.send(Command::new("whoami"), now) {
                        sent_ids.push(id);
                    }
                }
                1 => {
                    now += secs(rng.below(1500) as f64 / 1000.0);
                    c.handle_timeout(now);
                }
                2 if rng.below(20) == 0 => c.close(now),
                3 if rng.below(50) == 0 => c.handle_eof(now),
                _ => {
                    let piece = alphabet[rng.below(alphabet.len() as u64) as usize];
                    c.handle_input(piece, now);
                }
            }
            while c.poll_transmit().is_some() {}
            let _ = c.poll_timeout();
            while let Some(o) = c.poll_output() {
                if let Output::Response { id, .. } = o {
                    delivered.push(id);
                }
            }
        }
        c.handle_eof(now);
        while let Some(o) = c.poll_output() {
            if let Output::Response { id, .. } = o {
                delivered.push(id);
            }
        }
        let mut sorted = delivered.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(
            sorted.len(),
            delivered.len(),
            "seed {seed}: an id was answered twice"
        );
        assert_eq!(
            sorted, sent_ids,
            "seed {seed}: every command answered exactly once"
        );
    }
}

#[test]
fn debug_output_never_shows_credentials() {
    let t0 = Instant::now();
    let mut c = open(quiet(), t0);
    c.send(
        Command::new("clientsetserverquerylogin").param("client_login_name", "bot"),
        t0,
    )
    .unwrap();
    c.send(
        Command::new("login")
            .param("client_login_name", "bot")
            .param("client_login_password", "s3cr3t"),
        t0,
    )
    .unwrap();
    c.handle_input(
        b"client_login_password=Zx81yQ\\/w\n\rerror id=0 msg=ok\n\r",
        t0,
    );
    c.handle_input(
        b"error id=520 msg=invalid\\sloginname\\sor\\spassword\n\r",
        t0,
    );
    let text = format!("{:?} {:?}", drain(&mut c), c);
    assert!(text.contains("client_login_password"), "{text}");
    for secret in ["Zx81yQ", "s3cr3t"] {
        assert!(!text.contains(secret), "{text}");
    }
}

#[test]
fn session_is_recorded_and_resumed() {
    let t0 = Instant::now();
    let mut c = open(quiet(), t0);
    for cmd in [
        Command::new("login")
            .param("client_login_name", "serveradmin")
            .param("client_login_password", "pw"),
        Command::new("use").param("sid", 1),
        Command::new("servernotifyregister").param("event", "server"),
        Command::new("servernotifyregister").param("event", "textchannel"),
        Command::new("clientlist"),
    ] {
        c.send(cmd, t0).unwrap();
    }
    c.send(
        Command::new("servernotifyregister").param("event", "bogus"),
        t0,
    )
    .unwrap();
    sent(&mut c);
    c.handle_input(b"error id=0 msg=ok\n\rerror id=0 msg=ok\n\rerror id=0 msg=ok\n\rerror id=0 msg=ok\n\rclid=1\n\rerror id=0 msg=ok\n\rerror id=1538 msg=invalid\\sparameter\n\r", t0);
    drain(&mut c);
    assert_eq!(c.session().replay().len(), 4, "{:?}", c.session());

    // The connection drops; a new machine restores the session before the user's command.
    let mut r = Client::resume(quiet(), t0, c.session().clone());
    let user = r.send(Command::new("clientlist"), t0).unwrap();
    r.handle_input(SQ_GREETING, t0);
    assert_eq!(
        sent(&mut r),
        "login client_login_name=serveradmin client_login_password=pw\nuse sid=1\nservernotifyregister event=server\nservernotifyregister event=textchannel\nclientlist\n"
    );
    r.handle_input(b"error id=0 msg=ok\n\rerror id=0 msg=ok\n\rerror id=0 msg=ok\n\rerror id=1538 msg=invalid\\sparameter\n\rerror id=0 msg=ok\n\r", t0);
    let out = drain(&mut r);
    assert!(matches!(out[0], Output::Greeting(_)));
    match &out[1] {
        Output::Resumed { failed } => {
            assert_eq!(failed.len(), 1);
            assert_eq!(failed[0].command, "servernotifyregister");
            assert_eq!(failed[0].result.as_ref().unwrap().id(), 1538);
        }
        o => panic!("{o:?}"),
    }
    assert!(matches!(&out[2], Output::Response { id, .. } if *id == user));
    assert_eq!(out.len(), 3);
    // Nothing to replay: resumed at once.
    let mut e = Client::resume(quiet(), t0, Default::default());
    assert!(matches!(drain(&mut e)[..], [Output::Resumed { .. }]));
}

// ------------------------------------------------------------------------------ memory

/// Releasing the queues of a quiet machine keeps half-received lines and deadlines, and the
/// next command works as before.
#[test]
fn shrink_to_fit_between_commands() {
    let t0 = Instant::now();
    let mut c = open(Config::server_query().keepalive(Some(secs(60.0))), t0);
    let a = c.send(Command::new("whoami"), t0).unwrap();
    assert_eq!(sent(&mut c), "whoami\n");
    c.handle_input(b"virtualserver_status=online\n\rerr", t0);
    c.shrink_to_fit(); // a response is half received: nothing may be lost
    c.handle_input(b"or id=0 msg=ok\n\r", t0);
    let out = drain(&mut c);
    assert_eq!(out.len(), 1);
    let (id, result) = response(&out[0]);
    assert_eq!(id, a);
    let items = result.as_ref().unwrap();
    assert_eq!(
        items
            .first()
            .unwrap()
            .str("virtualserver_status")
            .as_deref(),
        Some("online")
    );
    c.shrink_to_fit();
    // The keepalive deadline survives, and the next command runs normally.
    assert_eq!(c.poll_timeout(), Some(t0 + secs(60.0)));
    let b = c.send(Command::new("version"), t0).unwrap();
    assert_eq!(sent(&mut c), "version\n");
    c.handle_input(b"version=3.13.7\n\r", t0);
    c.handle_input(OK, t0);
    let out = drain(&mut c);
    assert_eq!(response(&out[0]).0, b);
}
