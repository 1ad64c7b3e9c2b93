"""The demo's crash fault (scripts/demo --config configs/perps-demo.toml --fault crash).

`drive OUT SIM_SOCK PCT MS DEADLINE_S CTL...`: waits until the engine holds its leveraged
longs (every perpetual venue's position worth at least 4.5x its wallet, from
`homeostat ctl status`), or DEADLINE_S passes, then tells the simulator to crash every price by
PCT% over MS milliseconds. What it saw goes to OUT/crash.json.

`finish OUT SIM_SOCK SUMMARY`: after the engine stopped, adds the simulator's margin accounts to
the summary: `liquidations` (positions the simulator liquidated, counted from its own account
events) and `sim_margin` (each perpetual venue's account as the simulator holds it).
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sim_control import sim_cmd  # noqa: E402


def status(ctl):
    try:
        out = subprocess.run(ctl + ["status"], capture_output=True, text=True, timeout=5).stdout
        return json.loads(out)
    except (subprocess.SubprocessError, ValueError):
        return None


def leveraged(st, lev):
    venues = ((st or {}).get("margin") or {}).get("venues") or {}
    if not venues:
        return False
    for v in venues.values():
        wallet = float(v.get("wallet", "0"))
        notional = sum(abs(float(p.get("size", "0"))) * float(p.get("mark", "0")) for p in v["positions"].values())
        if wallet <= 0 or notional < lev * wallet:
            return False
    return True


def drive(out, sock, pct, ms, deadline_s, ctl):
    t0 = time.time()
    st = None
    while time.time() - t0 < deadline_s:
        st = status(ctl)
        if leveraged(st, 4.5):
            break
        time.sleep(0.5)
    built = leveraged(st, 4.5)
    reply = sim_cmd(sock, {"cmd": "crash", "pct": pct, "ms": ms})
    record = {"leveraged_longs_built": built, "crash_at_s": round(time.time() - t0, 1), "pct": pct, "ms": ms,
              "sim_reply": reply, "margin_before": (st or {}).get("margin")}
    with open(os.path.join(out, "crash.json"), "w") as f:
        json.dump(record, f, indent=1)
    print(f"  [crash] {pct}% over {ms} ms at +{record['crash_at_s']} s"
          f"{'' if built else ' (the leveraged longs were not built by then)'}", flush=True)


def finish(out, sock, summary_path):
    try:
        m = sim_cmd(sock, {"cmd": "margin"})
    except (OSError, ValueError) as e:
        print(f"scripts/demo: the simulator's margin accounts could not be read: {e}", file=sys.stderr)
        return 1
    s = json.load(open(summary_path))
    s["liquidations"] = m.get("liquidations", 0)
    s["sim_margin"] = m.get("venues", {})
    crash = os.path.join(out, "crash.json")
    if os.path.exists(crash):
        s["crash"] = json.load(open(crash))
    with open(summary_path, "w") as f:
        json.dump(s, f)
    return 0


if __name__ == "__main__":
    if len(sys.argv) >= 7 and sys.argv[1] == "drive":
        drive(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]), sys.argv[7:])
    elif len(sys.argv) == 5 and sys.argv[1] == "finish":
        sys.exit(finish(sys.argv[2], sys.argv[3], sys.argv[4]))
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
