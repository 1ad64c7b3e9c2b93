"""The crash soak's checks (scripts/lib/crash_soak.py) on fabricated inputs: reading the last
sequence number from `homeostat journal verify`, the lost-record arithmetic, duplicate client
ids in the simulator's order log, exact balance comparison; and the loop's bookkeeping with the
engine, simulator and verify scripted (no processes).
    python3 tests/scripts/crash_soak_check_test.py [SOURCE_DIR]
"""
import contextlib
import io
import json
import os
import sys
import tempfile
import time
import types
import unittest

SRC = sys.argv.pop(1) if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
sys.path.insert(0, os.path.join(SRC, "scripts", "lib"))
import crash_soak as cs  # noqa: E402


def place(cid, venue="binance", result="filled"):
    return json.dumps({"time_ns": 1, "venue": venue, "request": "place", "client_id": cid,
                       "wire": {}, "result": result}) + "\n"


def other(request, cid, venue="binance"):
    return json.dumps({"time_ns": 2, "venue": venue, "request": request, "client_id": cid, "wire": {}}) + "\n"


class VerifyOutput(unittest.TestCase):
    def test_last_seq_is_read_from_its_own_words(self):
        text = "run/j: 120 records, session_start 2, last seq 480\nSOUND, NOT CLOSED: ...\n"
        self.assertEqual(cs.last_seq_of_verify(text), 480)

    def test_without_last_seq_the_record_count_of_the_first_line_stands_in(self):
        text = "run/j: 4521 records, session_start 1, venue_msg 4000\nSOUND, NOT CLOSED: ...\n"
        self.assertEqual(cs.last_seq_of_verify(text), 4521)

    def test_a_count_on_a_later_line_is_not_taken_for_the_first(self):
        self.assertIsNone(cs.last_seq_of_verify("homeostat journal verify: cannot open\nx: 5 records\n"))

    def test_empty_or_unrelated_output_gives_nothing(self):
        self.assertIsNone(cs.last_seq_of_verify(""))
        self.assertIsNone(cs.last_seq_of_verify("BAD: segment 3 offset 77\n"))


class VerifyVerdicts(unittest.TestCase):
    def test_exit_0_is_sound_with_its_last_seq(self):
        self.assertEqual(cs.read_verify(0, "j: 12 records\nSOUND, NOT CLOSED\n"), (True, 12, False, ""))

    def test_a_torn_tail_is_sound_up_to_its_valid_prefix(self):
        text = "j: 40 records in 2 segments\nTORN TAIL: valid prefix ends at seq 40; damage from 2.hsj offset 8\n"
        self.assertEqual(cs.read_verify(1, text), (True, 40, True, ""))

    def test_damage_is_not_sound_and_says_why(self):
        ok, seq, torn, why = cs.read_verify(1, "j: 40 records\nBAD: chain broken at seq 17\n")
        self.assertEqual((ok, seq, torn), (False, None, False))
        self.assertEqual(why, "exit 1: BAD: chain broken at seq 17")

    def test_an_unreadable_journal_is_not_sound(self):
        self.assertEqual(cs.read_verify(2, "homeostat journal verify: no such directory\n")[0], False)
        self.assertEqual(cs.read_verify(2, "")[3], "exit 2: no output")

    def test_strict_not_closed_is_not_sound(self):
        self.assertFalse(cs.read_verify(3, "j: 5 records\nSOUND, NOT CLOSED\n")[0])


class LostRecords(unittest.TestCase):
    def test_nothing_lost_when_the_journal_ends_at_the_durable_seq(self):
        self.assertEqual(cs.lost_records(48211, 48211), 0)

    def test_records_written_after_the_last_status_are_not_a_loss(self):
        self.assertEqual(cs.lost_records(48211, 48290), 0)

    def test_a_journal_ending_before_the_durable_seq_lost_the_difference(self):
        self.assertEqual(cs.lost_records(48211, 48200), 11)
        self.assertEqual(cs.lost_records(10, 0), 10)


class DuplicateClientIds(unittest.TestCase):
    def test_unique_places_have_no_duplicates(self):
        ids = cs.ClientIds()
        self.assertEqual(ids.feed((place("hs1") + place("hs2", "okx") + place("hs3")).encode()), [])
        self.assertEqual(ids.places, 3)

    def test_an_id_placed_twice_is_found_with_both_lines(self):
        ids = cs.ClientIds()
        found = ids.feed((place("hs1") + place("hs2") + place("hs1", "okx")).encode())
        self.assertEqual(found, [("hs1", "okx", 3, "binance", 1)])

    def test_an_id_placed_on_two_venues_is_a_duplicate(self):
        ids = cs.ClientIds()
        ids.feed(place("hs9", "kraken").encode())
        self.assertEqual(len(ids.feed(place("hs9", "bybit").encode())), 1)

    def test_a_rejected_second_place_still_counts_as_received_twice(self):
        ids = cs.ClientIds()
        self.assertEqual(len(ids.feed((place("hs5") + place("hs5", result="rejected")).encode())), 1)

    def test_queries_and_cancels_of_a_placed_id_are_not_new_orders(self):
        ids = cs.ClientIds()
        log = place("hs1") + other("query", "hs1") + other("cancel", "hs1") + other("list", "")
        self.assertEqual(ids.feed(log.encode()), [])
        self.assertEqual(ids.places, 1)

    def test_duplicates_across_reads_of_a_growing_log_are_found(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "sim-orders.jsonl")
            ids = cs.ClientIds(path)
            self.assertEqual(ids.read_new(), [], "a log not written yet is empty")
            with open(path, "w") as f:
                f.write(place("hs1") + place("hs2"))
            self.assertEqual(ids.read_new(), [])
            with open(path, "a") as f:
                f.write(place("hs2"))
            self.assertEqual([d[0] for d in ids.read_new()], ["hs2"])
            self.assertEqual(len(ids.duplicates), 1)

    def test_a_line_still_being_written_waits_for_its_newline(self):
        ids = cs.ClientIds()
        line = place("hs7")
        self.assertEqual(ids.feed(line[:20].encode()), [])
        self.assertEqual(ids.places, 0)
        ids.feed(line[20:].encode())
        self.assertEqual(ids.places, 1)
        self.assertEqual(ids.bad_lines, [])

    def test_a_line_that_is_not_json_is_reported(self):
        ids = cs.ClientIds()
        ids.feed(b"{\"request\":\"place\",\n" + place("hs1").encode())
        self.assertEqual(ids.bad_lines, [(1, "not JSON")])
        self.assertEqual(ids.places, 1)

    def test_a_json_value_that_is_not_an_object_is_reported(self):
        ids = cs.ClientIds()
        ids.feed(b"[1,2]\n")
        self.assertEqual(ids.bad_lines, [(1, "not a JSON object")])

    def test_a_place_without_a_client_id_is_reported(self):
        ids = cs.ClientIds()
        ids.feed((json.dumps({"request": "place", "venue": "okx"}) + "\n" +
                  json.dumps({"request": "place", "client_id": ""}) + "\n").encode())
        self.assertEqual([b[1] for b in ids.bad_lines], ["a place without a client id"] * 2)
        self.assertEqual(ids.places, 0)


class Balances(unittest.TestCase):
    def test_equal_values_written_differently_are_equal(self):
        self.assertEqual(cs.balance_diffs({"BTC": "0.050000000", "USDT": "100000"},
                                          {"BTC": "0.05", "USDT": "100000.000000000"}), [])

    def test_one_nano_apart_is_a_difference_with_both_values(self):
        self.assertEqual(cs.balance_diffs({"BTC": "0.050000001"}, {"BTC": "0.05"}), [("BTC", "0.050000001", "0.05")])

    def test_an_asset_one_side_lacks_counts_as_zero_there(self):
        self.assertEqual(cs.balance_diffs({"ETH": "0"}, {}), [])
        self.assertEqual(cs.balance_diffs({}, {"ETH": "1"}), [("ETH", "0", "1")])

    def test_a_value_that_is_not_a_decimal_is_a_difference(self):
        self.assertEqual(cs.balance_diffs({"BTC": "n/a"}, {"BTC": "1"}), [("BTC", "n/a", "1")])
        self.assertEqual(cs.balance_diffs({"BTC": None}, {"BTC": "1"}), [("BTC", None, "1")])


class Reconcile(unittest.TestCase):
    def status(self, *venues):
        return {"venues": [{"name": n, "trading": t, "balances_known": k} for n, t, k in venues]}

    def test_every_trading_venue_with_known_balances_is_reconciled(self):
        self.assertEqual(cs.reconcile_pending(self.status(("binance", True, True), ("okx", True, True))), [])

    def test_a_trading_venue_without_balances_is_pending(self):
        st = self.status(("binance", True, False), ("okx", True, True), ("bybit", True, False))
        self.assertEqual(cs.reconcile_pending(st), ["binance", "bybit"])

    def test_a_market_data_venue_never_holds_it_back(self):
        self.assertEqual(cs.reconcile_pending(self.status(("coinbase", False, False), ("okx", True, True))), [])


class ScriptedSoak(cs.Soak):
    """The soak's loop with the engine, the simulator and verify replaced by a script. Engine run
    k (k = 0, 1, ...) reports 1000 k + `durable` records durable before its kill; verify then
    finds the journal's valid prefix ending at 1000 k + `on_disk` (as a TORN TAIL when `torn`);
    run k + 1 resumes it after 1000 k + `resumed_after` (status journal.first_seq; None: an engine
    without first_seq whose durable seq once trading is 1000 k + `restarted_durable`), and a
    verify while it runs ends at 1000 k + `live`."""

    class Process:
        def __init__(self, exit_code=None):
            self.returncode = exit_code

        def poll(self):
            return self.returncode

    def __init__(self, out, loops, durable, on_disk, torn=False, resumed_after=None, restarted_durable=None,
                 live=None, log_lines_per_loop=(), strict_rc=0, restart_exits=None):
        args = types.SimpleNamespace(bin="/nonexistent", config="c.toml", out=out, sim_socket="/nonexistent",
                                     order_log=os.path.join(out, "sim-orders.jsonl"), loops=loops, seed=7,
                                     min_ms=0, max_ms=0, trading_timeout_s=5, balance_timeout_s=1,
                                     stop_timeout_s=1, verify_timeout_s=1)
        super().__init__(args)
        self.durable, self.on_disk, self.torn = durable, on_disk, torn
        self.resumed_after, self.restarted_durable = resumed_after, restarted_durable
        self.live = live if live is not None else on_disk + 10
        self.log_lines = list(log_lines_per_loop)
        self.strict_rc = strict_rc
        self.restart_exits = restart_exits
        self.restarted = False

    def start_engine(self):
        for p in self.engine_files(self.run_no):
            open(p, "w").close()
        self.restarted = self.run_no > 0
        self.engine = self.Process(self.restart_exits if self.restarted else None)
        # The simulator received this run's orders.
        with open(self.a.order_log, "a") as f:
            f.write(self.log_lines.pop(0) if self.log_lines else "")
        return time.monotonic()

    def status(self):
        journal = {"failed": False}
        if self.restarted:
            base = 1000 * (self.run_no - 1)
            if self.resumed_after is not None:
                journal["first_seq"] = base + self.resumed_after + 1
                journal["durable_seq"] = base + self.resumed_after + 3
            else:
                journal["durable_seq"] = base + self.restarted_durable
        else:
            journal["durable_seq"] = 1000 * self.run_no + self.durable
        return {"ok": True, "phase": "trading", "journal": journal,
                "venues": [{"name": "binance", "trading": True, "balances_known": True}]}

    def kill(self):
        pass

    def stop_clean(self):
        return 0

    def verify(self, strict=False):
        if strict:
            return self.strict_rc, "j: 1 records\n" + ("OK: closed" if self.strict_rc == 0 else "SOUND, NOT CLOSED") + "\n"
        if self.restarted:
            return 0, f"j: {1000 * (self.run_no - 1) + self.live} records\nSOUND, NOT CLOSED\n"
        seq = 1000 * self.run_no + self.on_disk
        if self.torn:
            return 1, f"j: {seq} records\nTORN TAIL: valid prefix ends at seq {seq}; damage from 7.hsj offset 9\n"
        return 0, f"j: {seq} records, session_start 1\nSOUND, NOT CLOSED\n"

    def compare_balances(self):
        # The last check after a restart: the next status is the one read before the next kill.
        self.restarted = False
        return []


class Loop(unittest.TestCase):
    def run_soak(self, **kw):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)
        soak = ScriptedSoak(self.dir.name, **kw)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rc = soak.run()
        with open(os.path.join(self.dir.name, "tally.json")) as f:
            return rc, out.getvalue(), json.load(f)

    def test_loops_whose_checks_pass_print_one_line_each_and_exit_0(self):
        rc, text, tally = self.run_soak(loops=2, durable=100, on_disk=104, resumed_after=104,
                                        log_lines_per_loop=[place("hs1"), place("hs2"), place("hs3")])
        self.assertEqual(rc, 0, text)
        lines = [l for l in text.splitlines() if l.startswith("loop ")]
        self.assertEqual(len(lines), 2, text)
        self.assertRegex(lines[1], r"^loop 2/2 seed=\d+ killed after \d+ ms at durable seq 1100; restart: recovered "
                                   r"1104 records, reconciled in \d+ ms; verify ok; lost 0; dup ids 0; balances equal$")
        self.assertNotIn("FAIL", text)
        self.assertEqual((tally["failures"], tally["lost"], tally["dups"], tally["reconciled"]), (0, 0, 0, 2))
        kept = sorted(f for f in os.listdir(self.dir.name) if f.startswith("engine-"))
        self.assertEqual(kept, ["engine-0002.log", "engine-0002.out"], "the runs whose crash checked out are removed")

    def test_a_torn_tail_the_kill_left_is_not_a_failure(self):
        rc, text, _ = self.run_soak(loops=1, durable=100, on_disk=100, torn=True, resumed_after=100)
        self.assertEqual(rc, 0, text)
        self.assertIn("verify ok (torn tail cut); lost 0;", text)

    def test_a_journal_that_ends_before_the_durable_seq_fails_with_the_count_lost(self):
        rc, text, tally = self.run_soak(loops=1, durable=100, on_disk=93, resumed_after=93)
        self.assertEqual(rc, 1)
        self.assertIn("lost 7;", text)
        self.assertIn("FAIL: 7 durable records missing on disk (durable seq 100, the journal's valid prefix ends at 93)",
                      text)
        self.assertEqual(tally["lost"], 7)
        self.assertIn("engine-0000.log", os.listdir(self.dir.name), "a failed loop keeps the killed run's log")

    def test_a_restart_that_drops_durable_records_on_disk_fails_with_the_count_lost(self):
        rc, text, tally = self.run_soak(loops=1, durable=100, on_disk=104, resumed_after=90)
        self.assertEqual(rc, 1)
        self.assertIn("FAIL: the restart resumed the journal after seq 90, but its valid prefix ended at 104", text)
        self.assertEqual(tally["lost"], 10)

    def test_a_restart_that_numbers_from_the_start_again_fails(self):
        rc, text, _ = self.run_soak(loops=1, durable=100, on_disk=100, restarted_durable=12)
        self.assertEqual(rc, 1)
        self.assertIn("FAIL: the restart did not continue the journal: durable seq 12 < 100 on disk", text)

    def test_a_journal_shorter_while_the_restarted_engine_runs_counts_as_lost(self):
        rc, text, tally = self.run_soak(loops=1, durable=100, on_disk=100, resumed_after=100, live=95)
        self.assertEqual(rc, 1)
        self.assertIn("FAIL: verify after the restart: the journal ends at seq 95, before the durable seq 100", text)
        self.assertEqual(tally["lost"], 5)

    def test_a_journal_not_closed_after_the_clean_stop_fails_the_soak(self):
        rc, text, tally = self.run_soak(loops=1, durable=100, on_disk=100, resumed_after=100, strict_rc=3)
        self.assertEqual(rc, 1)
        self.assertIn("verify --strict exit 3: SOUND, NOT CLOSED", text)
        self.assertEqual(tally["verify_strict"], 3)

    def test_an_engine_that_does_not_come_back_ends_the_soak_with_a_failure(self):
        rc, text, tally = self.run_soak(loops=3, durable=100, on_disk=100, resumed_after=100, restart_exits=1)
        self.assertEqual(rc, 1)
        self.assertIn("loop 1/3 seed=", text)
        self.assertIn(": FAIL: the engine exited (1) before trading", text)
        self.assertEqual((tally["loops"], tally["failures"], tally["failed_loops"]), (1, 1, [1]))
        self.assertIsNone(tally["verify_strict"], "no clean stop after an engine that is gone")

    def test_an_id_the_restarted_engine_placed_again_fails_the_loop(self):
        rc, text, tally = self.run_soak(loops=2, durable=100, on_disk=100, resumed_after=100,
                                        log_lines_per_loop=[place("hs1"), place("hs2"), place("hs1", "okx")])
        self.assertEqual(rc, 1)
        self.assertIn("loop 2/2", text)
        self.assertIn("dup ids 1;", text)
        self.assertIn("FAIL: client id hs1 placed again on okx", text)
        self.assertEqual(tally["dups"], 1)


if __name__ == "__main__":
    unittest.main(verbosity=1)
