//! Properties of the command builder and the server-side codec: build → compile → parse gives
//! back the same command, and no value can ever inject a separator or a line end.

use proptest::prelude::*;
use ts3q::{Arg, Command, Mode, ParsedCommand};

#[derive(Debug, Clone)]
enum Tok {
    Param(String, Vec<u8>),
    Opt(String),
}

fn word() -> impl Strategy<Value = String> {
    "[a-z_][a-z0-9_]{0,12}"
}

fn tok() -> impl Strategy<Value = Tok> {
    prop_oneof![
        (word(), proptest::collection::vec(any::<u8>(), 0..24)).prop_map(|(k, v)| Tok::Param(k, v)),
        (word(), ".{0,12}").prop_map(|(k, v)| Tok::Param(k, v.into_bytes())),
        word().prop_map(Tok::Opt),
    ]
}

fn pipes() -> impl Strategy<Value = Vec<Vec<Tok>>> {
    proptest::collection::vec(proptest::collection::vec(tok(), 0..5), 0..5)
}

fn build(name: &str, pipes: &[Vec<Tok>]) -> Command {
    let mut c = Command::new(name).allow_unknown();
    for p in pipes {
        c.push_pipe();
        for t in p {
            match t {
                Tok::Param(k, v) => c.push_param(k, v.as_slice()),
                Tok::Opt(o) => c.push_option(o),
            };
        }
    }
    c
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn build_compile_parse_round_trip(name in word(), pipes in pipes()) {
        let wire = build(&name, &pipes).compile(Mode::ServerQuery).unwrap();
        prop_assert_eq!(wire.last(), Some(&b'\n'));
        // Exactly one line: the only LF is the terminator, and there is no CR at all.
        prop_assert_eq!(wire.iter().filter(|&&b| b == b'\n').count(), 1);
        prop_assert!(!wire.contains(&b'\r'));

        let parsed = ParsedCommand::parse(wire.clone()).unwrap();
        prop_assert_eq!(parsed.name(), name.as_str());
        let want: Vec<&Vec<Tok>> = pipes.iter().filter(|p| !p.is_empty()).collect();
        prop_assert_eq!(parsed.len(), want.len());
        for (pipe, toks) in parsed.pipes().zip(want) {
            let args: Vec<Arg> = pipe.args().collect();
            prop_assert_eq!(args.len(), toks.len());
            for (arg, tok) in args.iter().zip(toks) {
                match (arg, tok) {
                    (Arg::Param(k, v), Tok::Param(wk, wv)) => {
                        prop_assert_eq!(k, wk);
                        let got = v.bytes().into_owned();
                        prop_assert_eq!(&got, wv);
                        prop_assert!(!v.is_bare());
                    }
                    (Arg::Option(o), Tok::Opt(wo)) => prop_assert_eq!(o, wo),
                    (a, t) => prop_assert!(false, "{:?} parsed as {:?}", t, a),
                }
            }
        }
    }

    #[test]
    fn no_value_can_inject(value in proptest::collection::vec(any::<u8>(), 0..64), text in ".{0,32}") {
        let wire = Command::new("sendtextmessage")
            .param("targetmode", 3)
            .param("msg", value.as_slice())
            .param("extra", text.as_str())
            .compile(Mode::ServerQuery)
            .unwrap();
        let body = &wire[..wire.len() - 1];
        prop_assert!(!body.contains(&b'\n') && !body.contains(&b'\r') && !body.contains(&b'|'));
        // Exactly the three separators we wrote.
        prop_assert_eq!(body.iter().filter(|&&b| b == b' ').count(), 3);
    }

    #[test]
    fn invalid_keys_never_compile(key in ".{0,12}") {
        let ok = !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        let r = Command::new("use").param(&key, 1).compile(Mode::ServerQuery);
        prop_assert_eq!(r.is_ok(), ok);
    }

    #[test]
    fn codec_never_panics(line in proptest::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(c) = ParsedCommand::parse(line.into()) {
            for p in c.pipes() {
                for a in p.args() {
                    let _ = format!("{a:?}");
                }
            }
            let _ = format!("{c:?}");
        }
    }
}
