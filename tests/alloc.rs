//! Allocations per parsed response, counted with a counting global allocator: they must not
//! grow with the number of items (only the index vectors may, and here they are sized once),
//! nor with the number of data lines of a response.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::Instant;

use ts3q::{Bytes, Client, Command, Config, Items, Output};

struct Counting;

std::thread_local! {
    // Per thread: the tests of this file run in parallel.
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

fn bump() {
    ALLOCS.with(|a| a.set(a.get() + 1));
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        bump();
        // SAFETY: forwards the caller's layout unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: ptr was allocated by System with this layout (every allocation goes there).
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        bump();
        // SAFETY: same allocator, same layout, as GlobalAlloc::realloc requires.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn count<T>(f: impl FnOnce() -> T) -> (usize, T) {
    let before = ALLOCS.with(Cell::get);
    let v = f();
    (ALLOCS.with(Cell::get) - before, v)
}

fn clientlist(n: usize) -> Vec<u8> {
    let mut line = Vec::new();
    for i in 0..n {
        if i > 0 {
            line.push(b'|');
        }
        line.extend_from_slice(
            format!(
                "clid={i} cid={} client_database_id={} client_nickname=Client\\s#{i}\\s\\p\\sbot client_type={}",
                i % 50,
                i + 100,
                i % 7 / 6
            )
            .as_bytes(),
        );
    }
    line.extend_from_slice(b"\n\rerror id=0 msg=ok\n\r");
    line
}

/// Parse only: a data line into Items.
fn parse_allocs(n: usize) -> usize {
    let raw = clientlist(n);
    let end = raw.iter().position(|&b| b == b'\n').unwrap();
    let line = Bytes::copy_from_slice(&raw[..end]);
    // The index is built on first access: `len()` builds it, inside the count.
    let (allocs, items) = count(|| {
        let items = Items::parse(line).unwrap();
        assert_eq!(items.len(), n);
        items
    });
    // Reading every value once (borrowed unless escaped) allocates only for escaped values.
    let (read_allocs, total) = count(|| {
        items
            .iter()
            .map(|i| i.get("clid").unwrap().raw().len())
            .sum::<usize>()
    });
    assert!(total > 0);
    assert_eq!(read_allocs, 0, "raw access allocates nothing");
    allocs
}

/// Through the machine: one handle_input with the whole response, then poll_output.
fn machine_allocs(n: usize) -> usize {
    let t0 = Instant::now();
    let mut c = Client::new_open(Config::server_query().flood_limit(None), t0);
    c.send(Command::new("clientlist"), t0).unwrap();
    while c.poll_transmit().is_some() {}
    let raw = clientlist(n);
    let (allocs, out) = count(|| {
        c.handle_input(&raw, t0);
        c.poll_output()
    });
    match out {
        Some(Output::Response { result: Ok(r), .. }) => assert_eq!(r.len(), n),
        other => panic!("{other:?}"),
    }
    allocs
}

/// Through the machine: a response of 1000 items in `lines` data lines, an event after the
/// first, and the status line, after one such response has warmed the machine up.
fn multi_line_allocs(lines: usize) -> usize {
    let per_line = 1000 / lines;
    let t0 = Instant::now();
    let mut c = Client::new_open(Config::server_query().flood_limit(None), t0);
    let mut raw = Vec::new();
    for l in 0..lines {
        for i in 0..per_line {
            raw.extend_from_slice(if i == 0 { b"" } else { b"|" });
            raw.extend_from_slice(
                format!("clid={} client_nickname=C\\s{l}", l * per_line + i).as_bytes(),
            );
        }
        raw.extend_from_slice(b"\n\r");
        if l == 0 {
            raw.extend_from_slice(b"notifytextmessage targetmode=3 msg=hi invokerid=1\n\r");
        }
    }
    raw.extend_from_slice(b"error id=0 msg=ok\n\r");
    let run = |c: &mut Client| {
        c.send(Command::new("clientlist"), t0).unwrap();
        while c.poll_transmit().is_some() {}
        count(|| {
            c.handle_input(&raw, t0);
            let mut items = 0;
            while let Some(out) = c.poll_output() {
                if let Output::Response { result: Ok(r), .. } = out {
                    items = r.len();
                }
            }
            items
        })
    };
    run(&mut c);
    let (allocs, items) = run(&mut c);
    assert_eq!(items, 1000);
    allocs
}

#[test]
fn allocations_do_not_grow_with_lines() {
    let (l1, l2, l100) = (
        multi_line_allocs(1),
        multi_line_allocs(2),
        multi_line_allocs(100),
    );
    eprintln!(
        "allocations per response of 1000 items: in 1 data line = {l1}, 2 = {l2}, 100 = {l100}"
    );
    // Several lines cost one allocation more than one line (the join), however many.
    assert_eq!(l100, l2, "2 lines: {l2}, 100 lines: {l100}");
    assert!(l2 <= l1 + 1, "1 line: {l1}, 2 lines: {l2}");
}

/// An event or response nobody reads is never indexed.
#[test]
fn unread_outputs_allocate_no_index() {
    let t0 = Instant::now();
    let mut c = Client::new_open(Config::server_query().flood_limit(None), t0);
    let raw = clientlist(1000);
    let run = |c: &mut Client| {
        c.send(Command::new("clientlist"), t0).unwrap();
        while c.poll_transmit().is_some() {}
        count(|| {
            c.handle_input(&raw, t0);
            c.handle_input(b"notifytextmessage targetmode=3 msg=hi\n\r", t0);
            let mut n = 0;
            while let Some(out) = c.poll_output() {
                n += usize::from(matches!(out, Output::Response { .. } | Output::Event(_)));
            }
            n
        })
    };
    run(&mut c);
    let (allocs, n) = run(&mut c);
    assert_eq!(n, 2);
    eprintln!("allocations for an unread response of 1000 items and an unread event: {allocs}");
    // Only the receive buffers of the two reads and their shared count: no index.
    assert!(allocs <= 3, "{allocs} allocations for two unread outputs");
}

#[test]
fn allocations_do_not_grow_with_items() {
    let (p10, p10k) = (parse_allocs(10), parse_allocs(10_000));
    let (m10, m10k) = (machine_allocs(10), machine_allocs(10_000));
    eprintln!("allocations per response: parse 10 items = {p10}, 10000 items = {p10k}; machine 10 items = {m10}, 10000 items = {m10k}");
    assert!(p10k <= p10 + 1, "parse: {p10} vs {p10k}");
    assert!(p10 <= 3, "parse of 10 items: {p10}");
    assert!(m10k <= m10 + 2, "machine: {m10} vs {m10k}");
    assert!(m10 <= 8, "machine, 10 items: {m10}");
}
