//! The client state machine fed arbitrary bytes in arbitrary chunks, with commands, time steps,
//! close and EOF in between. It must never panic, answer every command exactly once, and
//! deliver wire responses (not timeouts or retries) in the order the commands were sent.
#![no_main]
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use ts3q::{Client, Command, Config, Output, RequestError};

fuzz_target!(|data: &[u8]| {
    let Some((&setup, mut rest)) = data.split_first() else {
        return;
    };
    let t0 = Instant::now();
    let base = if setup & 1 == 0 {
        Config::server_query()
    } else {
        Config::client_query()
    };
    let config = base
        .max_line(512 + usize::from(setup >> 4) * 64)
        .response_timeout(Some(Duration::from_millis(800)))
        .keepalive(Some(Duration::from_secs(2)))
        // Retries re-order results by design; this target checks order, so keep them off.
        .flood_retries(0)
        .dedup_events(setup & 4 != 0);
    let mut c = if setup & 2 == 0 {
        Client::new(config, t0)
    } else {
        Client::new_open(config, t0)
    };
    let mut now = t0;
    let mut sent = Vec::new();
    let mut answered = Vec::new();
    let mut last_wire_answer = None;
    let mut drain = |c: &mut Client, answered: &mut Vec<_>| {
        while c.poll_transmit().is_some() {}
        let _ = c.poll_timeout();
        while let Some(out) = c.poll_output() {
            if let Output::Response { id, result } = out {
                let from_wire = matches!(result, Ok(_) | Err(RequestError::Parse(_)));
                if from_wire {
                    assert!(last_wire_answer < Some(id), "wire responses out of order");
                    last_wire_answer = Some(id);
                }
                answered.push(id);
            }
        }
    };
    while let Some((&op, tail)) = rest.split_first() {
        rest = tail;
        match op {
            0..=19 => {
                if let Ok(id) = c.send(Command::new("whoami"), now) {
                    sent.push(id);
                }
            }
            20..=29 => {
                now += Duration::from_millis(u64::from(op - 19) * 150);
                c.handle_timeout(now);
            }
            30 => c.close(now),
            31 => c.handle_eof(now),
            _ => {
                let n = usize::from(op - 31).min(rest.len());
                let (chunk, tail) = rest.split_at(n);
                c.handle_input(chunk, now);
                rest = tail;
            }
        }
        drain(&mut c, &mut answered);
    }
    c.handle_eof(now);
    drain(&mut c, &mut answered);
    answered.sort();
    let before = answered.len();
    answered.dedup();
    assert_eq!(before, answered.len(), "a command answered twice");
    assert_eq!(answered, sent, "every command answered exactly once");
});
