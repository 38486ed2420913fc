#!/usr/bin/env python3
"""Seed corpora for the fuzz targets, made from the parser fixtures.

    python3 fuzz/make_seeds.py [FIXTURE_DIR ...]    (default: tests/fixtures)

Writes fuzz/corpus/<target>/seed-*. The client target's input is a small program: byte 0 sets
the mode, then op bytes (0-19 send a command, 20-29 advance the clock, 30 close, 31 EOF,
op >= 32 feeds the next op-31 bytes); fixture inputs become such programs.
"""
import glob
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
dirs = sys.argv[1:] or [os.path.join(HERE, "..", "tests", "fixtures")]
out = {t: os.path.join(HERE, "corpus", t) for t in ("escape", "parse", "client", "codec", "ft_reply", "typed")}
for d in out.values():
    os.makedirs(d, exist_ok=True)

def put(target, name, data):
    with open(os.path.join(out[target], "seed-" + name), "wb") as f:
        f.write(data)

for d in dirs:
    for path in sorted(glob.glob(os.path.join(d, "*.in"))):
        name = os.path.splitext(os.path.basename(path))[0]
        raw = open(path, "rb").read()
        lines = [l.strip(b"\r") for l in raw.split(b"\n") if l.strip(b"\r")]
        for i, line in enumerate(lines):
            put("parse", f"{name}-{i}", line)
            put("escape", f"{name}-{i}", line)
            put("typed", f"{name}-{i}", b"\xff" + line)
        greeting = b"TS3 Client" in raw[:20] and 1 or (0 if raw.startswith(b"TS3") else 2)
        prog = bytearray([greeting])
        prog += bytes(4)  # four commands
        rest = raw
        while rest:
            n = min(len(rest), 200)
            prog.append(31 + n)
            prog += rest[:n]
            rest = rest[n:]
        prog.append(25)  # let time pass
        put("client", name, bytes(prog))

for i, rec in enumerate([
    b"clientftfid=1 serverftfid=6 ftkey=itRNdsIOvcBiBg\\/Xj4Ge51ZSrsShHuid port=30033 seekpos=0 proto=0",
    b"clientftfid=1 serverftfid=7 ftkey=NrOga\\/4d2GpYC5oKgxuclTO37X83ca\\/1 port=30033 size=673460224 proto=0 ip=0.0.0.0,::1",
    b"clientftfid=1 proto=0 status=2051 msg=file\\snot\\sfound size=0",
]):
    put("ft_reply", str(i), rec)

for i, cmd in enumerate([
    b"clientkick reasonid=5 reasonmsg=Go\\saway! clid=1|clid=2",
    b"login serveradmin secret",
    b"use -virtual port=9987 client_nickname=Bot",
    b"clientlist -uid -away -voice -times -groups -info -country -ip",
    b"servernotifyregister event=channel id=0",
    b"ftinitupload clientftfid=1 name=\\/a.png cid=5 cpw= size=10 overwrite=1 resume=0",
]):
    put("codec", str(i), cmd)
