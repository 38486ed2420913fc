#!/usr/bin/env python3
"""py-ts3 2.0.0b3 programs run against the simulator by tests/pyts3.rs.

    clients.py URI viewer|whirlpool|hellobot|transfer [ARGS]

They follow the examples of py-ts3's documentation, shortened where the originals sleep.
"""
import os
import random
import sys
import tempfile
import time

import ts3
from ts3.definitions import TextMessageTargetMode


def viewer(conn):
    conn.exec_("use", sid=1, virtual=True)
    info = conn.query("serverinfo").first()
    channels = conn.query("channellist").all()
    clients = conn.query("clientlist").all()
    print("|-", info["virtualserver_name"])

    def show(pid, depth):
        for ch in channels:
            if ch["pid"] != pid:
                continue
            full = conn.query("channelinfo", cid=ch["cid"]).first()
            print(" " * (depth * 3) + "|-", full["channel_name"])
            for cl in clients:
                if cl["cid"] == ch["cid"] and cl["client_type"] != "1":
                    print(" " * (depth * 3 + 3) + "->", cl["client_nickname"])
            show(ch["cid"], depth + 1)

    show("0", 1)


def whirlpool(conn, duration=1.5, relax_time=0.1):
    conn.exec_("use", sid=1)
    for i in range(2, 0, -1):
        conn.exec_("sendtextmessage", targetmode=TextMessageTargetMode.SERVER, target=0, msg="Whirlpool in {}s".format(i))
    channels = conn.query("channellist").all()
    cids = [c["cid"] for c in channels]
    clients = conn.query("clientlist").all()
    clids = [c["clid"] for c in clients if c["client_type"] != "1"]
    old_pos = {c["clid"]: c["cid"] for c in clients}
    moves = errors770 = 0
    try:
        end = time.time() + duration
        while end > time.time():
            for clid in clids:
                try:
                    conn.exec_("clientmove", clid=clid, cid=random.choice(cids))
                    moves += 1
                except ts3.query.TS3QueryError as err:
                    if err.resp.error["id"] != "770":
                        raise
                    errors770 += 1
            time.sleep(relax_time)
    finally:
        for clid in clids:
            try:
                conn.exec_("clientmove", clid=clid, cid=old_pos[clid])
            except ts3.query.TS3QueryError as err:
                if err.resp.error["id"] != "770":
                    raise
    print("whirlpool moves={} already_member={} clients={}".format(moves, errors770, len(clids)))


def hellobot(conn):
    conn.exec_("use", sid=1)
    conn.exec_("servernotifyregister", event="server")
    print("ready", flush=True)
    deadline = time.time() + 20
    while time.time() < deadline:
        conn.send_keepalive()
        try:
            event = conn.wait_for_event(timeout=5)
        except ts3.query.TS3TimeoutError:
            continue
        if event[0]["reasonid"] == "0":
            print("Client '{}' connected.".format(event[0]["client_nickname"]), flush=True)
            conn.exec_("clientpoke", clid=event[0]["clid"], msg="Hello :)")
            print("poked", flush=True)
            return
    print("no event")


def activity(conn):
    """An event loop against `ts3-sim --activity`: runs until it has seen clients join and talk."""
    conn.exec_("use", sid=1)
    for event in ("server", "textserver"):
        conn.exec_("servernotifyregister", event=event)
    seen = set()
    deadline = time.time() + 30
    while time.time() < deadline and not {"notifycliententerview", "notifytextmessage"} <= seen:
        conn.send_keepalive()
        try:
            event = conn.wait_for_event(timeout=5)
        except ts3.query.TS3TimeoutError:
            continue
        seen.add(event.event)
        if event.event == "notifytextmessage":
            print("message from {}: {}".format(event[0]["invokername"], event[0]["msg"]), flush=True)
    print("seen: " + " ".join(sorted(seen)), flush=True)


def transfer(conn):
    conn.exec_("use", sid=1)
    resp = conn.query("channellist", "flags").all()
    cid = [c["cid"] for c in resp if c["channel_flag_default"] == "1"][0]
    ft = ts3.filetransfer.TS3FileTransfer(conn)
    payload = bytes(random.Random(7).getrandbits(8) for _ in range(200000))
    with tempfile.TemporaryDirectory() as d:
        src, dst = os.path.join(d, "comic.png"), os.path.join(d, "copy.png")
        with open(src, "wb") as f:
            f.write(payload)
        with open(src, "rb") as f:
            ft.init_upload(input_file=f, name="/comic.png", cid=cid)
        print("upload complete.")
        with open(dst, "wb") as f:
            ft.init_download(output_file=f, name="/comic.png", cid=cid)
        print("download complete.")
        with open(dst, "rb") as f:
            print("identical" if f.read() == payload else "DIFFERENT")


def main():
    uri, what = sys.argv[1], sys.argv[2]
    with ts3.query.TS3ServerConnection(uri) as conn:
        {
            "viewer": viewer,
            "whirlpool": whirlpool,
            "hellobot": hellobot,
            "transfer": transfer,
            "activity": activity,
        }[what](conn)


if __name__ == "__main__":
    main()
