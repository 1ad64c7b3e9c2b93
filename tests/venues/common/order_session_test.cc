// The bookkeeping every order session shares: client-id text, the in-flight table, exactly-once
// fills from cumulative numbers, unknown orders and their query schedule, the rate budget.
#include "venues/common/order_session.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hs::venues {
namespace {

constexpr VenueId kVenue{2};
constexpr int64_t kMs = 1'000'000;

OrderIntent Intent(uint64_t id, TimeInForce tif = TimeInForce::kIoc) {
  OrderIntent in;
  in.client_id = ClientOrderId{id};
  in.venue = kVenue;
  in.instrument = InstrumentId{1};
  in.side = Side::kSell;
  in.tif = tif;
  in.qty = Qty::FromRaw(50'000'000);
  return in;
}

CumulativeFill Cum(int64_t qty_raw, int64_t quote_raw, int64_t fee_raw) {
  CumulativeFill c;
  c.cum_qty = Qty::FromRaw(qty_raw);
  c.cum_quote = Amount::FromRaw(quote_raw);
  c.cum_fee = Amount::FromRaw(fee_raw);
  c.fee_asset = AssetId{2};
  c.last_px = Price::FromRaw(30'000'000'000'000);
  return c;
}

TEST(ClientIdText, RoundTripsAndRefusesOthers) {
  char buf[kClientIdTextMax];
  for (uint64_t v : {uint64_t{0}, uint64_t{7}, uint64_t{123456789}, ~uint64_t{0}}) {
    const size_t n = FormatClientId(ClientOrderId{v}, buf);
    ASSERT_LE(n, kClientIdTextMax);
    ClientOrderId back;
    ASSERT_TRUE(ParseClientId(std::string_view(buf, n), &back)) << std::string(buf, n);
    EXPECT_EQ(back.value, v);
  }
  EXPECT_EQ(std::string(buf, FormatClientId(ClientOrderId{42}, buf)), "hs42");
  ClientOrderId id;
  for (const char* bad : {"", "hs", "xs12", "hs1a", "HS12", "hs18446744073709551616", "hs-1", "hs 1"})
    EXPECT_FALSE(ParseClientId(bad, &id)) << bad;
}

TEST(InFlightTable, TracksFindsAndReleases) {
  InFlightTable t;
  EXPECT_FALSE(t.Busy(ClientOrderId{5}));
  InFlightEntry& e = t.Track(Intent(5), TscStamp{}, 100);
  EXPECT_EQ(e.state, InFlightState::kSent);
  EXPECT_TRUE(t.Busy(ClientOrderId{5}));
  EXPECT_TRUE(t.Busy(ClientOrderId{5 + InFlightTable::kCapacity})) << "same slot";
  EXPECT_EQ(t.Find(ClientOrderId{5 + InFlightTable::kCapacity}), nullptr) << "a different id is not this order";
  ClientOrderId id;
  EXPECT_EQ(t.Find("hs5", &id), &e);
  EXPECT_EQ(t.Find("hs6", &id), nullptr);
  EXPECT_EQ(t.Find("zz5", &id), nullptr);
  EXPECT_EQ(t.live(), 1);
  t.Release(&e);
  EXPECT_EQ(t.live(), 0);
  EXPECT_FALSE(t.Busy(ClientOrderId{5}));
}

// Cumulative numbers make every report count once: repeats, late and out-of-order messages add
// nothing; the deltas sum to the venue's totals.
TEST(InFlightTable, FillsFromCumulativeNumbersCountOnce) {
  InFlightTable t;
  InFlightEntry& e = t.Track(Intent(9), TscStamp{}, 0);
  ExecReport ex;
  ASSERT_TRUE(t.FillDelta(e, Cum(20'000'000, 6'000'000'000'000, 6'000'000'000), kVenue, TscStamp{}, false, &ex));
  EXPECT_EQ(ex.kind, ExecKind::kFill);
  EXPECT_EQ(ex.fill_qty.raw(), 20'000'000);
  EXPECT_EQ(ex.fill_quote.raw(), 6'000'000'000'000);
  EXPECT_EQ(ex.fee.raw(), 6'000'000'000);
  EXPECT_EQ(ex.cum_qty.raw(), 20'000'000);
  EXPECT_EQ(e.state, InFlightState::kAcked);
  EXPECT_FALSE(t.FillDelta(e, Cum(20'000'000, 6'000'000'000'000, 6'000'000'000), kVenue, TscStamp{}, false, &ex))
      << "the same cumulative numbers again";
  EXPECT_FALSE(t.FillDelta(e, Cum(10'000'000, 3'000'000'000'000, 3'000'000'000), kVenue, TscStamp{}, false, &ex))
      << "an older message arriving late";
  ASSERT_TRUE(t.FillDelta(e, Cum(50'000'000, 15'000'000'000'000, 15'000'000'000), kVenue, TscStamp{}, true, &ex));
  EXPECT_TRUE(ex.final);
  EXPECT_EQ(ex.fill_qty.raw(), 30'000'000);
  EXPECT_EQ(ex.fill_quote.raw(), 9'000'000'000'000);
  EXPECT_EQ(ex.fee.raw(), 9'000'000'000);
  EXPECT_EQ(e.reported_qty.raw(), 50'000'000);
}

TEST(InFlightTable, DisconnectMarksEveryLiveOrderUnknownOnce) {
  InFlightTable t;
  t.Track(Intent(1), TscStamp{}, 0);
  t.Track(Intent(2, TimeInForce::kGtc), TscStamp{}, 0);
  std::vector<ExecReport> out;
  auto emit = [&](const ExecReport& ex) { out.push_back(ex); };
  EXPECT_EQ(t.MarkAllUnknown(kVenue, TscStamp{}, 10 * kMs, emit), 2);
  ASSERT_EQ(out.size(), 2u);
  for (const ExecReport& ex : out) {
    EXPECT_EQ(ex.kind, ExecKind::kUnknown);
    EXPECT_FALSE(ex.final) << "unknown keeps the order live until it resolves";
    EXPECT_EQ(ex.venue, kVenue);
  }
  EXPECT_EQ(t.MarkAllUnknown(kVenue, TscStamp{}, 20 * kMs, emit), 0) << "already unknown: not reported twice";
  EXPECT_EQ(t.unknown(), 2);
  // A fill that arrives for an unknown order still counts once, and the order stays unknown
  // until a final answer.
  ExecReport ex;
  InFlightEntry* e = t.Find(ClientOrderId{1});
  ASSERT_TRUE(t.FillDelta(*e, Cum(50'000'000, 1, 0), kVenue, TscStamp{}, true, &ex));
  EXPECT_EQ(e->state, InFlightState::kUnknown);
}

TEST(InFlightTable, AckTimeoutMakesOnlyUnansweredOrdersUnknown) {
  InFlightTable t;
  QueryPolicy p;
  p.ack_timeout_ns = 500 * kMs;
  t.Track(Intent(1), TscStamp{}, 0);
  t.Track(Intent(2), TscStamp{}, 0).state = InFlightState::kAcked;  // the venue answered
  t.Track(Intent(3), TscStamp{}, 400 * kMs);
  std::vector<uint64_t> unknown;
  auto emit = [&](const ExecReport& ex) { unknown.push_back(ex.client_id.value); };
  EXPECT_EQ(t.ExpireAcks(kVenue, TscStamp{}, 499 * kMs, p, emit), 0);
  EXPECT_EQ(t.ExpireAcks(kVenue, TscStamp{}, 500 * kMs, p, emit), 1);
  EXPECT_EQ(unknown, std::vector<uint64_t>{1});
  EXPECT_EQ(t.ExpireAcks(kVenue, TscStamp{}, 900 * kMs, p, emit), 1);
  EXPECT_EQ(unknown, (std::vector<uint64_t>{1, 3}));
}

// Queries go at once, then after first_backoff·2^k (capped), at most max_queries times; a query
// that could not be sent is retried on the next pass without using an attempt.
TEST(InFlightTable, QueriesBackOffAndStopAtTheBound) {
  InFlightTable t;
  QueryPolicy p;
  p.first_backoff_ns = 100 * kMs;
  p.max_backoff_ns = 350 * kMs;
  p.max_queries = 4;
  t.Track(Intent(7), TscStamp{}, 0);
  t.MarkAllUnknown(kVenue, TscStamp{}, 0, [](const ExecReport&) {});
  std::vector<int64_t> sent_at;
  bool can_send = false;
  for (int64_t now = 0; now <= 3'000 * kMs; now += 10 * kMs) {
    can_send = now >= 20 * kMs;  // the session is back from 20 ms on
    t.DueQueries(now, p, [&](InFlightEntry& e) {
      if (!can_send) return false;
      EXPECT_EQ(e.id.value, 7u);
      sent_at.push_back(now / kMs);
      return true;
    });
  }
  EXPECT_EQ(sent_at, (std::vector<int64_t>{20, 120, 320, 670})) << "100, 200, then capped at 350";
  EXPECT_EQ(t.Find(ClientOrderId{7})->queries, 4);
}

// A recovery intent is adopted as unknown with nothing reported: its first query is due at
// once (queued until the session can send), and its first fill counts from zero.
TEST(InFlightTable, AdoptedOrderIsUnknownFromZeroAndQueriedAtOnce) {
  InFlightTable t;
  QueryPolicy p;
  OrderIntent in = Intent(11, TimeInForce::kGtc);
  in.query = true;
  InFlightEntry& e = t.Adopt(in, 50 * kMs);
  EXPECT_TRUE(e.adopted);
  EXPECT_EQ(e.state, InFlightState::kUnknown);
  EXPECT_EQ(e.tif, TimeInForce::kGtc);
  EXPECT_EQ(e.qty, in.qty);
  EXPECT_EQ(e.reported_qty, Qty::Zero());
  EXPECT_EQ(t.unknown(), 1);
  EXPECT_TRUE(t.Busy(ClientOrderId{11}));
  int attempts = 0;
  EXPECT_EQ(t.DueQueries(50 * kMs, p, [&](InFlightEntry&) { return ++attempts > 1; }), 0) << "not ready yet";
  EXPECT_EQ(t.DueQueries(50 * kMs, p, [&](InFlightEntry&) { return ++attempts > 1; }), 1) << "due at once";
  EXPECT_EQ(t.Find(ClientOrderId{11})->queries, 1);
  ExecReport ex;
  ASSERT_TRUE(t.FillDelta(e, Cum(20'000'000, 6'000'000'000'000, 6'000'000), kVenue, TscStamp{}, true, &ex));
  EXPECT_EQ(ex.fill_qty, Qty::FromRaw(20'000'000)) << "the whole cumulative fill";
  EXPECT_EQ(ex.fill_quote, Amount::FromRaw(6'000'000'000'000));
  EXPECT_EQ(ex.fee, Amount::FromRaw(6'000'000));
}

// Only adopted orders a query found open are canceled, once each; one whose cancel could not
// go out is offered again on the next pass.
TEST(InFlightTable, CancelsAdoptedOrdersFoundOpenOnce) {
  InFlightTable t;
  OrderIntent in = Intent(21, TimeInForce::kGtc);
  in.query = true;
  t.Adopt(in, 0);
  in.client_id = ClientOrderId{22};
  t.Adopt(in, 0).state = InFlightState::kAcked;  // its query found it open
  t.Track(Intent(23, TimeInForce::kGtc), TscStamp{}, 0).state = InFlightState::kAcked;  // decided by this core
  std::vector<uint64_t> offered;
  bool can_send = false;
  auto cancel = [&](InFlightEntry& e) {
    offered.push_back(e.id.value);
    return can_send;
  };
  EXPECT_EQ(t.CancelAdoptedOpen(cancel), 0);
  can_send = true;
  EXPECT_EQ(t.CancelAdoptedOpen(cancel), 1);
  EXPECT_EQ(t.CancelAdoptedOpen(cancel), 0) << "its cancel went out already";
  EXPECT_EQ(offered, (std::vector<uint64_t>{22, 22}));
  EXPECT_TRUE(t.Find(ClientOrderId{22})->cancel_sent);
  EXPECT_FALSE(t.Find(ClientOrderId{21})->cancel_sent) << "still unknown: not known to be open";
}

TEST(OrderRateBudget, KeepsRoomForCancelsAndBacksOffOnVenueLimits) {
  OrderRateBudget b(/*orders=*/5, /*window_ms=*/1000, /*cancel_reserve=*/2);
  int64_t now = 1'000 * kMs;
  int orders = 0;
  while (b.TakeOrder(now)) ++orders;
  EXPECT_EQ(orders, 3) << "5 tokens, 2 kept for cancels";
  EXPECT_TRUE(b.TakeCancel(now));
  EXPECT_TRUE(b.TakeCancel(now));
  EXPECT_FALSE(b.TakeCancel(now)) << "empty";
  now += 200 * kMs;  // one token back (5 per second)
  EXPECT_FALSE(b.TakeOrder(now)) << "one token is inside the reserve";
  now += 600 * kMs;  // three more
  EXPECT_TRUE(b.TakeOrder(now));
  b.OnVenueLimit(now, 2'000 * kMs);
  EXPECT_TRUE(b.blocked(now + 1'999 * kMs));
  EXPECT_FALSE(b.TakeOrder(now + 1'500 * kMs)) << "backing off after the venue's rate-limit error";
  EXPECT_TRUE(b.TakeOrder(now + 2'000 * kMs));
  OrderRateBudget none;
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(none.TakeOrder(i));
}

}  // namespace
}  // namespace hs::venues
