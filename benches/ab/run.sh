#!/usr/bin/env bash
# Times the deserialize row of two builds of the core side by side in one binary: BASE (a
# commit) against the working tree, in turns per iteration (see harness.rs, not named
# main.rs, which cargo would take for a bench target of the core).
#
#   benches/ab/run.sh BASE [ITERATIONS]     e.g. benches/ab/run.sh HEAD 200
#
# Two builds of the same code differ by a few percent here too (run it with BASE = HEAD on a
# clean tree to see by how much): a change must beat that to show.
#
# The corpus is made under target/bench-corpus unless TS3_BENCH_CORPUS names one.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
base="${1:?usage: run.sh BASE [ITERATIONS]}"
iterations="${2:-200}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

corpus="${TS3_BENCH_CORPUS:-$root/target/bench-corpus}"
[ -f "$corpus/clientlist10k.resp" ] || python3 "$root/../shared/make_bench_corpus.py" "$corpus"

# The base: the core's sources at BASE, as a package of another name.
mkdir -p "$work/base"
git -C "$root" archive "$base" src Cargo.toml | tar -x -C "$work/base"
python3 - "$work/base/Cargo.toml" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
# Keep [package], [dependencies] and [features]; the workspace, dev-dependencies and
# benches belong to the repository, not to this copy.
text = text[text.index("[package]"):text.index("[dev-dependencies]")]
text = text.replace('name = "ts3q"', 'name = "ts3q_base"', 1)
text = "\n".join(l for l in text.splitlines() if not l.startswith(("readme", "exclude")))
open(path, "w").write(text + "\n[workspace]\n")
PY

# The harness, depending on both.
mkdir -p "$work/ab/src"
cp "$here/harness.rs" "$work/ab/src/main.rs"
cp "$root/benches/shared/entry.rs" "$root/benches/shared/values.rs" "$work/ab/src/"
cat > "$work/ab/Cargo.toml" <<TOML
[package]
name = "ab"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
ts3q = { path = "$root", features = ["serde"] }
ts3q_base = { path = "$work/base", features = ["serde"] }
serde = { version = "1", features = ["derive"] }

[workspace]
TOML
CARGO_TARGET_DIR="$root/target/ab" cargo run --quiet --release \
    --manifest-path "$work/ab/Cargo.toml" -- "$corpus" "$iterations"
