"""The crash soak's checks (scripts/lib/crash_soak.py) on fabricated inputs: reading the last
sequence number from `homeostat journal verify`, the lost-record arithmetic, duplicate client
ids in the simulator's order log, and exact balance comparison.
    python3 tests/scripts/crash_soak_check_test.py [SOURCE_DIR]
"""
import json
import os
import sys
import tempfile
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
        return {"venues": [{"name": n, "reconcile": {"checks": c, "reconciled": r}} for n, c, r in venues]}

    def test_every_venue_checked_and_matched_is_reconciled(self):
        self.assertEqual(cs.reconcile_pending(self.status(("binance", 1, True), ("okx", 3, True))), [])

    def test_a_venue_without_a_check_or_with_a_mismatch_is_pending(self):
        st = self.status(("binance", 0, False), ("okx", 2, False), ("bybit", 1, True))
        self.assertEqual(cs.reconcile_pending(st), ["binance", "okx"])


if __name__ == "__main__":
    unittest.main(verbosity=1)
