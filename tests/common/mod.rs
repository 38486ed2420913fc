//! Helpers shared by the integration tests: a deterministic RNG and output → JSON conversion.
#![allow(dead_code)]

use serde_json::{json, Map, Value as Json};
use ts3q::{Event, Item, Output, Response};

/// xorshift64*: deterministic chunk sizes without a dependency.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Splits `data` into random chunks of 1..=max bytes.
pub fn random_chunks<'a>(data: &'a [u8], rng: &mut Rng, max: u64) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let n = (1 + rng.below(max)) as usize;
        let n = n.min(rest.len());
        out.push(&rest[..n]);
        rest = &rest[n..];
    }
    out
}

pub fn item_json(item: Item<'_>) -> Json {
    let mut m = Map::new();
    for (k, v) in item.iter() {
        m.insert(
            String::from_utf8_lossy(k).into_owned(),
            Json::String(v.to_str_lossy().into_owned()),
        );
    }
    Json::Object(m)
}

pub fn response_json(r: &Response) -> Json {
    let items: Vec<Json> = r.iter().map(item_json).collect();
    let mut extra = Map::new();
    for (k, v) in r.status().extra() {
        extra.insert(
            String::from_utf8_lossy(k).into_owned(),
            Json::String(v.to_str_lossy().into_owned()),
        );
    }
    json!({"response": {"items": items, "error": {"id": r.status().id(), "msg": r.status().msg(), "extra": extra}}})
}

pub fn event_json(e: &Event) -> Json {
    let items: Vec<Json> = e.iter().map(item_json).collect();
    json!({"event": {"name": e.name(), "items": items}})
}

/// The fixture form of one output; `None` for outputs fixtures do not list (greeting, closed).
pub fn output_json(out: &Output) -> Option<Json> {
    match out {
        Output::Response { result: Ok(r), .. } => Some(response_json(r)),
        Output::Response { result: Err(e), .. } => Some(json!({"error": format!("{e:?}")})),
        Output::Event(e) => Some(event_json(e)),
        Output::Warning(w) => Some(json!({"warning": format!("{w:?}")})),
        Output::Greeting(_) | Output::Closed(_) => None,
        other => Some(json!({"unexpected": format!("{other:?}")})),
    }
}

/// Puts an expected entry in the form `output_json` produces (`extra` defaults to `{}`,
/// an `error` entry's text is not compared).
pub fn normalize_expected(e: &Json) -> Json {
    let mut e = e.clone();
    if let Some(err) = e.pointer_mut("/response/error") {
        if let Some(obj) = err.as_object_mut() {
            obj.entry("extra").or_insert_with(|| json!({}));
        }
    }
    if e.get("error").is_some() {
        return json!({"error": "*"});
    }
    e
}

pub fn normalize_actual(a: &Json) -> Json {
    if a.get("error").is_some() {
        return json!({"error": "*"});
    }
    a.clone()
}
