"""The crash soak behind scripts/crash-soak: kill the engine with SIGKILL, restart it, check.

scripts/crash-soak starts homeostat-sim (order log, control socket) and runs `run` here, which
starts the engine on a journal directory and then, for each loop: waits a seeded random time
after the engine reported phase "trading", reads the last durable sequence number from status,
kills the engine with SIGKILL, verifies the journal while nothing is writing it, restarts the
engine on the same journal, waits until it trades again with every venue reconciled, and checks
that

  - the journal verifies (`homeostat journal verify DIR`, exit 0) and no record the engine had
    reported durable is missing (lost = durable seq before the kill - last seq on disk, if > 0);
  - the restarted engine continued the journal (its durable seq is not below what it recovered);
  - no client order id reached the simulator twice as a new order (the order log's "place"
    lines; queries and cancels name ids already placed and do not count);
  - each venue's balances in the engine equal the simulator's account, exactly.

After the last loop the engine is stopped with SIGINT and the journal must pass `verify
--strict` (sound and closed). One line per loop, a tally at the end, exit 1 on any failure.

`self-test` is not here: tests/scripts/crash_soak_check_test.py exercises the pure checks
(verify parsing, lost-record arithmetic, duplicate ids, balance differences).
"""
import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from decimal import Decimal, InvalidOperation

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sim_control import sim_cmd  # noqa: E402

# ---------------------------------------------------------------------------------------------
# Checks: pure functions and a small incremental reader, unit-tested on fabricated inputs.

LAST_SEQ_RE = re.compile(r"last seq (\d+)")
RECORDS_RE = re.compile(r": (\d+) records")


def last_seq_of_verify(text):
    """The journal's last sequence number from `homeostat journal verify` output, or None.

    Prefers "last seq S". Without it (a verify that does not print it yet) the first line's
    record count stands in: records are numbered 1..S with no gap, which verify checks, so the
    count is the last sequence number.
    """
    m = LAST_SEQ_RE.search(text)
    if m:
        return int(m.group(1))
    first = text.splitlines()[0] if text else ""
    m = RECORDS_RE.search(first)
    return int(m.group(1)) if m else None


TORN_PREFIX_RE = re.compile(r"valid prefix ends at seq (\d+)")


def read_verify(rc, text):
    """`homeostat journal verify DIR` (exit code, output) as (sound, last seq, torn tail, why).

    Exit 0 is sound. Exit 1 with a TORN TAIL verdict is sound too for a journal a crash (or a
    writer still at work) left: only the last segment ends in an unfinished group, and the last
    seq is where the valid prefix ends. Anything else (BAD, unreadable, no verdict) is not.
    """
    text = text or ""
    if rc == 0:
        return True, last_seq_of_verify(text), False, ""
    if rc == 1 and "TORN TAIL" in text:
        m = TORN_PREFIX_RE.search(text)
        return True, int(m.group(1)) if m else last_seq_of_verify(text), True, ""
    last = text.strip().splitlines()[-1] if text.strip() else "no output"
    return False, None, False, f"exit {rc}: {last}"


def lost_records(durable_before_kill, last_seq_after):
    """Records the engine had reported durable that the journal no longer holds."""
    return max(0, durable_before_kill - last_seq_after)


class ClientIds:
    """Reads the simulator's order log as it grows and finds client ids placed twice.

    Only "place" lines are new orders; a "query", "cancel" or "list" line may name an id that
    was placed before, and that is expected. A line is consumed only once it is complete (ends
    in a newline): the simulator may be writing the last one while it is read.
    """

    def __init__(self, path=None):
        self.path = path
        self.offset = 0
        self.pending = b""
        self.first_seen = {}    # client id -> (venue, line number)
        self.duplicates = []    # (client id, venue, line number, first venue, first line number)
        self.bad_lines = []     # (line number, why)
        self.places = 0
        self.lines = 0

    def feed(self, data):
        """Consumes bytes of the log; returns the duplicates found in them."""
        self.pending += data
        found = []
        while True:
            nl = self.pending.find(b"\n")
            if nl < 0:
                break
            raw, self.pending = self.pending[:nl], self.pending[nl + 1:]
            self.lines += 1
            if not raw.strip():
                continue
            try:
                rec = json.loads(raw)
            except ValueError:
                self.bad_lines.append((self.lines, "not JSON"))
                continue
            if not isinstance(rec, dict):
                self.bad_lines.append((self.lines, "not a JSON object"))
                continue
            if rec.get("request") != "place":
                continue
            cid = rec.get("client_id")
            venue = rec.get("venue", "?")
            if not isinstance(cid, str) or not cid:
                self.bad_lines.append((self.lines, "a place without a client id"))
                continue
            self.places += 1
            if cid in self.first_seen:
                fv, fl = self.first_seen[cid]
                found.append((cid, venue, self.lines, fv, fl))
            else:
                self.first_seen[cid] = (venue, self.lines)
        self.duplicates.extend(found)
        return found

    def read_new(self):
        """Reads what the log gained since the last call; returns the new duplicates."""
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return []
        self.offset += len(data)
        return self.feed(data)


def _amount(text):
    try:
        return Decimal(text)
    except (InvalidOperation, TypeError):
        return None


def balance_diffs(engine_balances, sim_balances):
    """[(asset, engine value, sim value)] for every asset whose amounts differ.

    Both sides are decimal strings and compared exactly (Decimal, no floating point): "1.0" and
    "1.000000000" are equal, 1 nano apart is not. An asset one side does not list counts as 0
    there; a value that is not a decimal is a difference of its own.
    """
    out = []
    for asset in sorted(set(engine_balances) | set(sim_balances)):
        e = engine_balances.get(asset, "0")
        s = sim_balances.get(asset, "0")
        de, ds = _amount(e), _amount(s)
        if de is None or ds is None or de != ds:
            out.append((asset, e, s))
    return out


def venue_by_name(status, name):
    for v in status.get("venues", []):
        if v.get("name") == name:
            return v
    return None


def reconcile_pending(status):
    """Names of the trading venues whose balances the engine does not know yet, in status order.
    (The engine's phase says the rest: after a restart it reaches "trading" only once every
    trading venue has resolved its recovered orders and adopted a balance snapshot, or timed
    out, which status counts in recovery.reconcile_timeouts. A snapshot that differed from the
    journal's balances is expected after a kill: fills the journal never saw.)"""
    out = []
    for v in status.get("venues", []):
        if not v.get("trading", True):
            continue
        if not v.get("balances_known", False):
            out.append(v.get("name", "?"))
    return out


# ---------------------------------------------------------------------------------------------
# The driver.




class Failure(Exception):
    pass


class Soak:
    def __init__(self, a):
        self.a = a
        self.homeostat = os.path.join(a.bin, "homeostat")
        self.journal = os.path.join(a.out, "journal")
        self.socket = os.path.join(a.out, "homeostat.sock")
        self.engine = None
        self.run_no = 0
        self.ids = ClientIds(a.order_log)
        self.no_phase_noted = False

    # -- the engine process

    def engine_files(self, run_no):
        return (os.path.join(self.a.out, f"engine-{run_no:04d}.log"),
                os.path.join(self.a.out, f"engine-{run_no:04d}.out"))

    def start_engine(self):
        log, out = self.engine_files(self.run_no)
        with open(out, "wb") as f:
            self.engine = subprocess.Popen(
                [self.homeostat, "run", "--config", self.a.config, "--journal", self.journal, "--socket",
                 self.socket, "--log", log], stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        return time.monotonic()

    def engine_tail(self, lines=15):
        log, out = self.engine_files(self.run_no)
        text = ""
        for p in (out, log):
            try:
                with open(p, errors="replace") as f:
                    text += "".join(f.readlines()[-lines:])
            except OSError:
                pass
        return text

    def status(self):
        try:
            r = subprocess.run([self.homeostat, "ctl", "--socket", self.socket, "status"], capture_output=True,
                               text=True, timeout=5)
        except subprocess.TimeoutExpired:
            return None
        if r.returncode != 0:
            return None
        try:
            s = json.loads(r.stdout)
        except ValueError:
            return None
        return s if isinstance(s, dict) and s.get("ok") else None

    def phase(self, st):
        if "phase" in st:
            return st["phase"]
        # An engine from before issue 14 has no phase: it trades as soon as it answers. The
        # soak goes on (so its other checks still run) but counts this as a failure.
        return None

    def wait_trading(self, started, reconciled=True):
        """Polls status until phase "trading" (after a restart: with every venue reconciled, i.e.
        a balance snapshot compared and matched since it started); returns (status, ms, problems).
        Raises Failure when the engine exits or the deadline passes without trading. A first
        start on an empty journal has nothing to reconcile: it trades on the venues' balances."""
        deadline = started + self.a.trading_timeout_s
        last = None
        while time.monotonic() < deadline:
            if self.engine.poll() is not None:
                raise Failure(f"the engine exited ({self.engine.returncode}) before trading:\n{self.engine_tail()}")
            st = self.status()
            if st is not None:
                last = st
                ph = self.phase(st)
                if (ph is None or ph == "trading") and not (reconciled and reconcile_pending(st)):
                    ms = int((time.monotonic() - started) * 1000)
                    return st, ms, ([] if ph else ["status has no phase (an engine from before issue 14)"])
            time.sleep(0.05)
        if last is None:
            raise Failure(f"no status from the engine within {self.a.trading_timeout_s} s:\n{self.engine_tail()}")
        ph = self.phase(last)
        if ph is not None and ph != "trading":
            raise Failure(f"still in phase {ph} after {self.a.trading_timeout_s} s")
        # Trading, but some venue never reconciled: the loop goes on with that as its failure.
        ms = int((time.monotonic() - started) * 1000)
        return last, ms, [f"not reconciled within {self.a.trading_timeout_s} s: " + ", ".join(reconcile_pending(last))]

    def kill(self):
        self.engine.send_signal(signal.SIGKILL)
        try:
            self.engine.wait(timeout=10)
        except subprocess.TimeoutExpired:
            raise Failure("the engine did not die within 10 s of SIGKILL")

    def stop_clean(self):
        self.engine.send_signal(signal.SIGINT)
        try:
            return self.engine.wait(timeout=self.a.stop_timeout_s)
        except subprocess.TimeoutExpired:
            self.engine.kill()
            self.engine.wait()
            raise Failure(f"the engine did not stop within {self.a.stop_timeout_s} s of SIGINT")

    def verify(self, strict=False):
        args = [self.homeostat, "journal", "verify"] + (["--strict"] if strict else []) + [self.journal]
        try:
            r = subprocess.run(args, capture_output=True, text=True, timeout=self.a.verify_timeout_s)
        except subprocess.TimeoutExpired:
            return None, f"verify took more than {self.a.verify_timeout_s} s"
        return r.returncode, (r.stdout + r.stderr).strip()

    # -- the checks that need the running system

    def compare_balances(self):
        """Waits (bounded) for a quiet moment per venue: the simulator's account unchanged across
        an engine status read, and equal to the engine's balances. Trading goes on, so a fill
        between the reads is retried, not reported. Returns [] or the differences last seen."""
        deadline = time.monotonic() + self.a.balance_timeout_s
        matched = set()
        last_diff = {}
        names = None
        while time.monotonic() < deadline:
            try:
                before = sim_cmd(self.a.sim_socket, {"cmd": "accounts"})["accounts"]
                st = self.status()
                after = sim_cmd(self.a.sim_socket, {"cmd": "accounts"})["accounts"]
            except (OSError, ValueError, KeyError) as e:
                raise Failure(f"simulator control socket: {e}")
            if st is None:
                time.sleep(0.05)
                continue
            if names is None:
                names = [v["name"] for v in st.get("venues", [])]
                for n in names:
                    if n not in before:
                        raise Failure(f"venue {n} has no account in the simulator")
            for n in names:
                if n in matched or before.get(n) != after.get(n):
                    continue
                diffs = balance_diffs(venue_by_name(st, n).get("balances", {}), after[n])
                if diffs:
                    last_diff[n] = diffs
                else:
                    matched.add(n)
                    last_diff.pop(n, None)
            if len(matched) == len(names):
                return []
            time.sleep(0.05)
        out = []
        for n in names or []:
            if n in matched:
                continue
            if n not in last_diff:
                out.append(f"{n}: the simulator's account never held still for a comparison")
            for asset, e, s in last_diff.get(n, []):
                out.append(f"{n} {asset}: engine {e}, sim {s}")
        return out

    # -- one loop

    def loop(self, i, loop_seed, trading_at):
        """Kills the running engine, restarts it and checks. Returns (line, stats)."""
        rng = random.Random(loop_seed)
        delay_ms = rng.randint(self.a.min_ms, self.a.max_ms)
        fails = []
        # The kill moment: delay_ms after the engine reported trading (the balance check of the
        # previous loop may already have used part of it).
        remaining = trading_at + delay_ms / 1000 - time.monotonic()
        if remaining > 0:
            time.sleep(remaining)
        st = self.status()
        if st is None:
            if self.engine.poll() is not None:
                raise Failure(f"the engine exited ({self.engine.returncode}) before the kill:\n{self.engine_tail()}")
            raise Failure("no status just before the kill")
        durable_before = int(st["journal"]["durable_seq"])
        if st["journal"].get("failed"):
            fails.append("the journal had failed before the kill (status journal.failed)")
        self.kill()
        killed_after_ms = int((time.monotonic() - trading_at) * 1000)

        # The journal as the crash left it, nothing writing it: every record reported durable must
        # be in its valid prefix. A torn tail (a group the kill interrupted) is what a crash leaves;
        # the restart keeps it aside and cuts it back.
        ok, disk_seq, torn, why = read_verify(*self.verify())
        if not ok:
            fails.append(f"verify after the kill: {why}")
        elif disk_seq is None:
            fails.append("verify after the kill printed no last seq or record count")
        lost = lost_records(durable_before, disk_seq) if disk_seq is not None else 0
        if lost:
            fails.append(f"{lost} durable records missing on disk (durable seq {durable_before}, the journal's valid "
                         f"prefix ends at {disk_seq})")

        prev_run = self.run_no
        self.run_no += 1
        started = self.start_engine()
        st2, reconcile_ms, problems = self.wait_trading(started)
        fails.extend(problems)
        reconciled = not any(p.startswith("not reconciled") for p in problems)
        j2 = st2["journal"]
        rec = st2.get("recovery", {})
        if j2.get("failed"):
            fails.append("the restarted engine's journal failed (status journal.failed)")
        if rec.get("reconcile_timeouts", 0):
            fails.append(f"{rec['reconcile_timeouts']} venues did not reconcile in time after the restart")
            reconciled = False
        # Where the restart resumed the journal: right after the valid prefix on disk.
        kept = None
        if "first_seq" in j2:
            kept = int(j2["first_seq"]) - 1
            if disk_seq is not None and kept != disk_seq:
                fails.append(f"the restart resumed the journal after seq {kept}, but its valid prefix ended at {disk_seq}")
            lost = max(lost, lost_records(durable_before, kept))
        elif disk_seq is not None and int(j2["durable_seq"]) < disk_seq:
            fails.append(f"the restart did not continue the journal: durable seq {j2['durable_seq']} < {disk_seq} "
                         f"on disk")
        if rec.get("resumed") is False and disk_seq:
            fails.append("the restarted engine did not resume from the journal (recovery.resumed false)")

        # The journal with the restarted engine appending to it (a group it is writing may show
        # as a torn tail: only damage counts).
        ok2, live_seq, _, why2 = read_verify(*self.verify())
        if not ok2:
            fails.append(f"verify after the restart: {why2}")
        elif live_seq is not None and lost_records(durable_before, live_seq):
            fails.append(f"verify after the restart: the journal ends at seq {live_seq}, before the durable seq "
                         f"{durable_before}")
            lost = max(lost, lost_records(durable_before, live_seq))
        verify_word = ("verify ok" if ok and ok2 else "verify FAILED") + (" (torn tail cut)" if torn else "")
        recovered = rec.get("records", disk_seq)
        now_trading = time.monotonic()

        dups = self.ids.read_new()
        for cid, venue, line, fv, fl in dups[:5]:
            fails.append(f"client id {cid} placed again on {venue} (log line {line}; first on {fv}, line {fl})")
        bad = self.ids.bad_lines
        if bad:
            fails.append(f"order log: {len(bad)} unreadable lines (first: line {bad[0][0]}, {bad[0][1]})")
            self.ids.bad_lines = []

        bdiff = self.compare_balances()
        fails.extend(bdiff)

        line = (f"loop {i}/{self.a.loops} seed={loop_seed} killed after {killed_after_ms} ms at durable seq "
                f"{durable_before}; restart: recovered {recovered if recovered is not None else '?'} records, "
                f"reconciled in {reconcile_ms} ms; {verify_word}; lost {lost}; dup ids {len(dups)}; "
                f"balances {'equal' if not bdiff else 'DIFFER'}")
        if fails:
            line += "\n    FAIL: " + "\n    FAIL: ".join(fails)
        else:
            # The crash of this loop checked out: its engine's files are not worth keeping.
            for p in self.engine_files(prev_run):
                try:
                    os.remove(p)
                except OSError:
                    pass
        stats = {"lost": lost, "dups": len(dups), "reconciled": reconciled, "failed": bool(fails),
                 "killed_after_ms": killed_after_ms, "durable_before": durable_before, "recovered": recovered,
                 "torn_tail": torn,
                 "reconcile_ms": reconcile_ms, "balances_equal": not bdiff}
        return line, stats, now_trading

    def run(self):
        a = self.a
        print(f"crash-soak: {a.loops} loops, seed {a.seed}, kill {a.min_ms}..{a.max_ms} ms after trading; "
              f"out {a.out}", flush=True)
        master = random.Random(a.seed)
        tally = {"loops": 0, "lost": 0, "dups": 0, "reconciled": 0, "failures": 0, "verify_strict": None,
                 "seed": a.seed}
        failed_loops = []
        where = "start"
        try:
            started = self.start_engine()
            _, ms, problems = self.wait_trading(started, reconciled=False)
            trading_at = time.monotonic()
            print(f"engine trading after {ms} ms" + ("" if not problems else " (" + "; ".join(problems) + ")"),
                  flush=True)
            if problems:
                tally["failures"] += 1
                failed_loops.append(0)
            for i in range(1, a.loops + 1):
                loop_seed = master.getrandbits(32)
                where = f"loop {i}/{a.loops} seed={loop_seed}"
                tally["loops"] = i
                line, stats, trading_at = self.loop(i, loop_seed, trading_at)
                print(line, flush=True)
                tally["lost"] += stats["lost"]
                tally["dups"] += stats["dups"]
                tally["reconciled"] += 1 if stats["reconciled"] else 0
                if stats["failed"]:
                    tally["failures"] += 1
                    failed_loops.append(i)
            where = "stop"
            rc = self.stop_clean()
            self.engine = None
            dups = self.ids.read_new()
            tally["dups"] += len(dups)
            vrc, vtext = self.verify(strict=True)
            tally["verify_strict"] = vrc
            print(f"stopped with SIGINT (exit {rc}); verify --strict exit {vrc}: "
                  f"{vtext.splitlines()[-1] if vtext else ''}", flush=True)
            if rc != 0 or vrc != 0 or dups:
                tally["failures"] += 1
                if dups:
                    print(f"    FAIL: {len(dups)} client ids placed twice after the last check", flush=True)
        except Failure as e:
            # The soak cannot go on (the engine did not come back, would not die or stop, ...).
            print(f"{where}: FAIL: {e}", flush=True)
            tally["failures"] += 1
            if where.startswith("loop "):
                failed_loops.append(tally["loops"])
        except KeyboardInterrupt:
            print("crash-soak: interrupted", flush=True)
            tally["failures"] += 1
        finally:
            if self.engine is not None and self.engine.poll() is None:
                self.engine.kill()
                self.engine.wait()
        print(f"tally: loops {tally['loops']}/{a.loops}, lost records {tally['lost']}, duplicate client ids "
              f"{tally['dups']} (of {self.ids.places} orders placed), restarts reconciled "
              f"{tally['reconciled']}/{tally['loops']}, failures {tally['failures']}"
              + (f" (loops {', '.join(map(str, failed_loops[:20]))})" if failed_loops else "") + f"; seed {a.seed}",
              flush=True)
        with open(os.path.join(a.out, "tally.json"), "w") as f:
            json.dump(dict(tally, places=self.ids.places, failed_loops=failed_loops), f)
            f.write("\n")
        ok = tally["failures"] == 0 and tally["loops"] == a.loops and tally["verify_strict"] == 0
        return 0 if ok else 1


def _interrupt(signum, frame):
    raise KeyboardInterrupt()


def main(argv):
    p = argparse.ArgumentParser(prog="crash_soak.py")
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--bin", required=True, help="directory with homeostat")
    r.add_argument("--config", required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--sim-socket", required=True)
    r.add_argument("--order-log", required=True)
    r.add_argument("--loops", type=int, default=10)
    r.add_argument("--seed", type=int, required=True)
    r.add_argument("--min-ms", type=int, default=500)
    r.add_argument("--max-ms", type=int, default=4000)
    # Deadlines. Trading: a restarted engine gives its venues 30 s (reconcile_timeout_ms) to
    # reconcile before it trades without them, so the default leaves room beyond that.
    r.add_argument("--trading-timeout-s", type=float, default=60)
    r.add_argument("--balance-timeout-s", type=float, default=15)
    r.add_argument("--stop-timeout-s", type=float, default=30)
    r.add_argument("--verify-timeout-s", type=float, default=300)
    a = p.parse_args(argv)
    if a.loops < 1 or a.min_ms < 0 or a.max_ms < a.min_ms:
        p.error("need --loops >= 1 and 0 <= --min-ms <= --max-ms")
    # SIGTERM as Ctrl-C: the engine this soak started is killed on the way out either way.
    signal.signal(signal.SIGTERM, _interrupt)
    return Soak(a).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
