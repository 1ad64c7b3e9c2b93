#!/usr/bin/env python3
"""Writes tests/fixtures/venues/okx/books_constructed.jsonl: a [constructed] `books` session for
BTC-USDT (subscribe ack, a 30-level snapshot, 80 updates including a keep-alive and a sequence
reset, a pong, another instrument's push) with checksums computed per venues/README §4.5 from
the exact level text. Seeded: rerunning gives the same bytes."""
import json, random, sys, zlib

rng = random.Random(20261124)
bids, asks = {}, {}          # cents -> (price text, size text)

def ptext(c):
    s = f"{c // 100}.{c % 100:02d}".rstrip("0").rstrip(".")
    return s

def qtext():
    return rng.choice(["1", "0.5", "2.25", "0.0001", "13", "0.125", "7.3"])

def checksum():
    b = [bids[k] for k in sorted(bids, reverse=True)][:25]
    a = [asks[k] for k in sorted(asks)][:25]
    parts = []
    for i in range(max(len(b), len(a))):
        if i < len(b): parts += list(b[i])
        if i < len(a): parts += list(a[i])
    c = zlib.crc32(":".join(parts).encode())
    return c - (1 << 32) if c >= 1 << 31 else c

def levels(d, rev):
    return [[d[k][0], d[k][1], "0", "1"] for k in sorted(d, reverse=rev)]

def msg(action, prev, seq, b, a, inst="BTC-USDT"):
    data = {"asks": a, "bids": b, "ts": str(1700000000000 + seq), "checksum": checksum(), "prevSeqId": prev, "seqId": seq}
    return json.dumps({"arg": {"channel": "books", "instId": inst}, "action": action, "data": [data]}, separators=(",", ":"))

mid = 3000000
for i in range(1, 31):
    bids[mid - 5 * i] = (ptext(mid - 5 * i), qtext())
    asks[mid + 5 * i] = (ptext(mid + 5 * i), qtext())
out = ['{"event":"subscribe","arg":{"channel":"books","instId":"BTC-USDT"},"connId":"a4d3ae55"}']
out.append(msg("snapshot", -1, 1000, levels(bids, True), levels(asks, False)))
seq = 1000
for step in range(80):
    if step == 30:
        out.append(msg("update", seq, seq, [], []))            # keep-alive
        continue
    nxt = 5 if step == 50 else seq + rng.randint(1, 3)         # step 50: sequence reset
    cb, ca = [], []
    for _ in range(rng.randint(1, 8)):
        bid = rng.random() < 0.5
        side = bids if bid else asks
        off = rng.randint(1, 200)
        px = mid - off if bid else mid + off
        if rng.random() < 0.3 and px in side:
            del side[px]
            (cb if bid else ca).append([ptext(px), "0", "0", "0"])
        else:
            side[px] = (ptext(px), qtext())
            (cb if bid else ca).append([side[px][0], side[px][1], "0", "1"])
    out.append(msg("update", seq, nxt, cb, ca))
    seq = nxt
    if step == 40:
        out.append("pong")
        out.append('{"arg":{"channel":"books","instId":"ETH-USDT"},"action":"update","data":[{"asks":[],"bids":[],"ts":"1","checksum":0,"prevSeqId":7,"seqId":7}]}')
sys.stdout.write("\n".join(out) + "\n")
