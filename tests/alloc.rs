//! Allocations per parsed response, counted with a counting global allocator: they must not
//! grow with the number of items (only the index vectors may, and here they are sized once).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use ts3q::{Bytes, Client, Command, Config, Items, Output};

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwards the caller's layout unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: ptr was allocated by System with this layout (every allocation goes there).
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same allocator, same layout, as GlobalAlloc::realloc requires.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn count<T>(f: impl FnOnce() -> T) -> (usize, T) {
    let before = ALLOCS.load(Ordering::Relaxed);
    let v = f();
    (ALLOCS.load(Ordering::Relaxed) - before, v)
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
    let (allocs, items) = count(|| Items::parse(line).unwrap());
    assert_eq!(items.len(), n);
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
