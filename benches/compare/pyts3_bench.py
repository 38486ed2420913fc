#!/usr/bin/env python3
"""py-ts3 2.0.0b3 on the benchmark corpus: throughput and correctness, as JSON on stdout.

    python pyts3_bench.py CORPUS_DIR
"""
import json
import os
import sys
import time

from ts3.escape import escape, unescape
from ts3.response import TS3QueryResponse


def best_rate(fn, nbytes, min_time=1.0, max_runs=20):
    best = float("inf")
    spent, runs = 0.0, 0
    while (spent < min_time or runs < 2) and runs < max_runs:
        t = time.perf_counter()
        fn()
        dt = time.perf_counter() - t
        best = min(best, dt)
        spent += dt
        runs += 1
    return nbytes / best / 1e9


def expected_items(path):
    with open(path) as f:
        exp = json.load(f)
    return exp["count"], exp["items"]


def check_parse(parsed, count, items):
    if len(parsed) != count:
        return False
    for got, want in zip(parsed, items):
        # py-ts3 yields dicts: key order and bare keys (None) cannot be told apart from "".
        if set(got) != {k for k, _ in want}:
            return False
        for k, v in want:
            if got[k] != (v if v is not None else ""):
                return False
    return True


def main():
    d = sys.argv[1]
    rd = lambda n: open(os.path.join(d, n), "rb").read()
    plain, mixed, escaped = rd("plain.txt").decode(), rd("mixed.txt").decode(), rd("mixed.escaped.txt").decode()
    out = {}
    out["escape plain"] = {"gbps": best_rate(lambda: escape(plain), len(plain.encode())), "correct": escape(plain) == plain}
    out["escape mixed"] = {"gbps": best_rate(lambda: escape(mixed), len(mixed.encode())), "correct": escape(mixed) == escaped}
    out["unescape mixed.escaped"] = {"gbps": best_rate(lambda: unescape(escaped), len(escaped.encode())), "correct": unescape(escaped) == mixed}
    for name in ("clientlist10k", "channellist500"):
        data = rd(name + ".resp")
        line_len = data.index(b"\n")
        count, items = expected_items(os.path.join(d, name + ".expected.json"))
        parsed = TS3QueryResponse(data).parsed
        ok = check_parse(parsed, count, items)
        vcount, vitems = expected_items(os.path.join(d, "verify.expected.json"))
        try:
            ok = ok and check_parse(TS3QueryResponse(rd("verify.resp")).parsed, vcount, vitems)
        except Exception:
            ok = False
        out["parse " + name] = {"gbps": best_rate(lambda: TS3QueryResponse(data).parsed, line_len, max_runs=5), "correct": ok}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
