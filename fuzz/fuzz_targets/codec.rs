//! The server-side command parser on arbitrary lines, and rebuilding what it parsed: the
//! rebuilt command compiles and parses back to the same arguments.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ts3q::{Arg, Bytes, Command, Mode, ParsedCommand};

fuzz_target!(|data: &[u8]| {
    let Ok(parsed) = ParsedCommand::parse(Bytes::copy_from_slice(data)) else {
        return;
    };
    let mut cmd = Command::new(parsed.name()).allow_unknown();
    let mut expect = Vec::new();
    for pipe in parsed.pipes() {
        cmd.push_pipe();
        let mut args = Vec::new();
        for arg in pipe.args() {
            match arg {
                Arg::Param(k, v) => {
                    cmd.push_param(k, v.bytes().as_ref());
                    args.push((k.to_string(), Some(v.bytes().into_owned())));
                }
                Arg::Option(o) => {
                    cmd.push_option(o);
                    args.push((o.to_string(), None));
                }
                Arg::Word(_) => {}
            }
        }
        if !args.is_empty() {
            expect.push(args);
        }
    }
    let wire = cmd
        .compile(Mode::ServerQuery)
        .expect("parsed parts always rebuild");
    let back = ParsedCommand::parse(wire).expect("a compiled command parses");
    assert_eq!(back.name(), parsed.name());
    let got: Vec<Vec<(String, Option<Vec<u8>>)>> = back
        .pipes()
        .map(|p| {
            p.args()
                .map(|a| match a {
                    Arg::Param(k, v) => (k.to_string(), Some(v.bytes().into_owned())),
                    Arg::Option(o) => (o.to_string(), None),
                    Arg::Word(w) => panic!("rebuilt command has a bare word {w:?}"),
                })
                .collect()
        })
        .collect();
    assert_eq!(got, expect);
});
