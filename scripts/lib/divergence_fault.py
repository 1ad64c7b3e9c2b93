"""The demo's divergence fault (scripts/demo --fault divergence[=VENUE]).

Drives the simulator and watches the engine while the demo runs: after `start` seconds it moves
every book of VENUE `bps` away from the other venues (the simulator's `bias_bps` fault), waits
for the engine's divergence breaker to trip for that venue (`homeostat ctl breakers --json`),
holds the bias for `hold` seconds, ends it, and waits for the breaker to clear. What it saw goes
to <out>/fault.json and two snapshots of the breakers (breakers-tripped.json,
breakers-cleared.json). `check` then reads the simulator's order log: no order may have reached
VENUE between the trip and the clear.
"""
import json
import subprocess
import sys
import time
import os

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sim_control import sim_cmd  # noqa: E402


def sim(sock_path, cmd):
    return sim_cmd(sock_path, cmd)


def breakers(ctl):
    try:
        out = subprocess.run(ctl + ["breakers", "--json"], capture_output=True, text=True, timeout=5).stdout
        b = json.loads(out)
    except (subprocess.SubprocessError, ValueError):
        return None
    return b["breakers"] if isinstance(b, dict) else b


def divergence_entry(bs, venue):
    for b in bs or []:
        if b.get("name") == "divergence" and b.get("scope") == "venue:" + venue:
            return b
    return None


def wait_state(ctl, venue, want, deadline_s):
    end = time.time() + deadline_s
    while time.time() < end:
        bs = breakers(ctl)
        e = divergence_entry(bs, venue)
        if e is not None and (e["state"] in want):
            return bs, e
        time.sleep(0.2)
    return None, None


def drive(out, sim_sock, venue, bps, start, hold, ctl):
    result = {"venue": venue, "bias_bps": bps, "tripped": False, "cleared": False}
    time.sleep(start)
    r = sim(sim_sock, {"cmd": "fault", "venue": venue, "bias_bps": bps})
    if not r.get("ok"):
        print(f"\r\033[K==> divergence fault: the simulator refused it: {r}", flush=True)
        json.dump(result, open(f"{out}/fault.json", "w"))
        return
    result["bias_at_ns"] = time.time_ns()
    print(f"\r\033[K==> divergence fault: {venue} moved {bps} bps away from the other venues", flush=True)
    bs, e = wait_state(ctl, venue, ("tripped", "latched"), 15)
    if e is not None:
        result["tripped"] = True
        result["tripped_at_ns"] = e["tripped_at_ns"]
        json.dump(bs, open(f"{out}/breakers-tripped.json", "w"), indent=1)
        print(f"\r\033[K==> divergence breaker {e['state']} for venue:{venue}: {e.get('last_cause', '')}", flush=True)
    time.sleep(hold)
    sim(sim_sock, {"cmd": "fault", "venue": venue, "bias_bps": 0})
    result["bias_end_ns"] = time.time_ns()
    print(f"\r\033[K==> divergence fault: {venue} back in line with the others", flush=True)
    bs, e = wait_state(ctl, venue, ("ok",), 30)
    if e is not None:
        result["cleared"] = True
        result["cleared_at_ns"] = e["cleared_at_ns"]
        json.dump(bs, open(f"{out}/breakers-cleared.json", "w"), indent=1)
        print(f"\r\033[K==> divergence breaker cleared for venue:{venue}", flush=True)
    json.dump(result, open(f"{out}/fault.json", "w"), indent=1)


def check(out):
    try:
        f = json.load(open(f"{out}/fault.json"))
    except (OSError, ValueError):
        print("  fault           divergence: no result (the run ended before the fault finished?)")
        return 1
    venue = f["venue"]
    if not f.get("tripped"):
        print(f"  fault           divergence on {venue}: the breaker did NOT trip")
        return 1
    start = f["tripped_at_ns"]
    end = f.get("cleared_at_ns") or time.time_ns()
    sent = 0
    for line in open(f"{out}/sim-orders.jsonl"):
        o = json.loads(line)
        if o.get("venue") == venue and o.get("request") == "place" and start <= o["time_ns"] <= end:
            sent += 1
    span = (end - start) / 1e9
    print(f"  fault           divergence on {venue} ({f['bias_bps']} bps): breaker tripped, "
          f"{'cleared' if f.get('cleared') else 'still tripped at the end'} after {span:.1f} s; "
          f"orders to {venue} while tripped: {sent}")
    return 0 if sent == 0 else 1


if __name__ == "__main__":
    if sys.argv[1] == "drive":
        _, _, out, sock, venue, bps, start, hold, *ctl = sys.argv
        drive(out, sock, venue, int(bps), float(start), float(hold), ctl)
    else:
        sys.exit(check(sys.argv[2]))
