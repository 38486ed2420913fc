#!/usr/bin/env bash
# Runs every fuzz target for a bounded time: fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
# Seeds come from the fixtures (fuzz/make_seeds.py); corpora grow under fuzz/corpus/.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-30}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(escape parse codec client ft_reply typed)
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
python3 make_seeds.py
export RUSTC_BOOTSTRAP=1   # cargo fuzz needs -Z flags; the stable toolchain allows them this way
cargo fuzz build
for t in "${targets[@]}"; do
    echo "== fuzz $t for ${secs}s"
    log="$(mktemp)"
    status=0
    cargo fuzz run "$t" "corpus/$t" -- -max_total_time="$secs" -max_len=4096 -print_final_stats=1 >"$log" 2>&1 || status=$?
    grep -E "^(Done|stat::number_of_executed_units)" "$log" || true
    if [ "$status" -ne 0 ]; then
        tail -n 60 "$log"
        echo "fuzz target $t failed (exit $status)"
        exit 1
    fi
    rm -f "$log"
done
