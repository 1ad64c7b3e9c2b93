// OKX order entry against homeostat-sim's OKX protocol over real loopback sockets, in one
// process: the engine-side Orders session (WS login, account and orders channels, op order /
// cancel-order / batch-cancel-orders; signed REST for queries, fills, the open-order listing and
// cancel-all-after) and the simulator's Server share one io_context, which the test runs in
// slices until each condition holds or its deadline passes (no fixed sleeps). The simulator's
// order log goes to a temporary file the tests read back.
//
// At the end of each test the venue's account (the simulator's books) must equal the starting
// balances moved by exactly the fills the session reported (ExpectBalancesFollowTheReports).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/order_loopback.h"
#include "tests/support/test_support.h"
#include "venues/okx/okx_orders.h"

namespace hs::okx {
namespace {

using json = nlohmann::json;
using testing::Intent;
using testing::Lvl;

constexpr char kSecret[] = "okx-loopback-secret-test-only";

std::string Config(int port, const std::string& extra_venue = "") {
  testing::OrderLoopbackConfig c("okx", "BTC-USDT", "HS_OOL_KEY", "HS_OOL_SECRET");
  c.passphrase_env = "HS_OOL_PASS";
  c.venue_lines = "dead_man_s = 10\n" + extra_venue;
  c.sim_tick_ms = 20;
  return c.Toml(port);
}

Qty Q(const char* s) { return ParseDecimal<Qty>(s).value; }
Amount A(const char* s) { return ParseDecimal<Amount>(s).value; }

class OkxOrdersLoopback : public ::testing::Test {
 protected:
  // session_order_rate > 0: the session's budget differs from the venue's (the simulator keeps
  // the configured one).
  void Start(const std::string& extra_venue = "", int64_t session_order_rate = 0) {
    ::setenv("HS_OOL_KEY", "okx-test-key", 1);
    ::setenv("HS_OOL_SECRET", kSecret, 1);
    ::setenv("HS_OOL_PASS", "okx-test-pass", 1);
    ASSERT_NO_FATAL_FAILURE(sim_.Start(ioc_, Config(testing::FreePort(), extra_venue), dir_.File("orders.jsonl"),
                                       {Lvl("29999.0", "1"), Lvl("29998.0", "1")},
                                       {Lvl("30001.0", "0.3"), Lvl("30002.0", "0.5")}));
    session_venue_ = sim_.cfg->base.venues[0];
    if (session_order_rate > 0) session_venue_.order_rate = session_order_rate;
    s_.Start(ioc_, sim_.cfg->base, &session_venue_);
    ASSERT_TRUE(s_.init.ok()) << s_.init;
    start_btc_ = Bal("BTC");
    start_usdt_ = Bal("USDT");
  }
  void TearDown() override {
    if (s_.orders) s_.orders->Stop();
    sim_.Stop();
    ioc_.run_for(std::chrono::milliseconds(50));
  }
  bool RunUntil(const std::function<bool()>& cond, std::chrono::milliseconds deadline = std::chrono::milliseconds(10'000)) {
    return testing::RunUntil(
        ioc_, [&] { s_.Drain(); }, cond, deadline);
  }
  Amount Bal(const char* asset) { return sim_.Balance(asset); }
  int64_t C(const runtime::VenueCounters::C& c) const { return c.load(std::memory_order_relaxed); }
  // The venue's account moved by exactly the fills the session reported (buy: BTC in, fee in
  // BTC; sell: USDT in, fee in USDT).
  void ExpectBalancesFollowTheReports() {
    testing::ExpectFillsExplainTheAccount(s_.execs, s_.symbols, start_btc_, start_usdt_, Bal("BTC"), Bal("USDT"));
  }

  testing::TempDir dir_;
  boost::asio::io_context ioc_;
  testing::LoopbackSim sim_;
  config::VenueConfig session_venue_;
  testing::LoopbackSession<Orders> s_;
  Amount start_btc_, start_usdt_;
};

TEST_F(OkxOrdersLoopback, ConnectListsOpenOrdersAndArmsTheDeadMansSwitch) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return s_.orders->connected(); }));
  ASSERT_TRUE(RunUntil([&] { return s_.orders->lists_done() >= 1 && C(s_.counters.dead_man_refreshes) >= 1; }));
  EXPECT_EQ(s_.orders->listed_open(), 0);
  const int64_t now_ms = WallNow().value / 1'000'000;
  EXPECT_GT(s_.orders->dead_man_trigger_ms(), now_ms + 5'000) << "armed for 10 s";
  EXPECT_LE(s_.orders->dead_man_trigger_ms(), now_ms + 10'000);
  EXPECT_GE(sim_.LogCount("list"), 1);
  EXPECT_GE(sim_.LogCount("dead_man"), 1);
  // Refreshed every max(1, 10 / 4) = 2 s while healthy: the trigger moves out.
  const int64_t first = s_.orders->dead_man_trigger_ms();
  ASSERT_TRUE(RunUntil([&] { return C(s_.counters.dead_man_refreshes) >= 2; }, std::chrono::milliseconds(5'000)));
  EXPECT_GT(s_.orders->dead_man_trigger_ms(), first);
  EXPECT_GE(sim_.LogCount("dead_man"), 2);
  ExpectBalancesFollowTheReports();
}

TEST_F(OkxOrdersLoopback, IocFillHasTheExactQuoteAndFee) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return s_.orders->connected(); }));
  // Buy 0.5 up to 30001.5: 0.3 @ 30001.0 fills, the rest is canceled.
  s_.orders->OnIntent(Intent(0x101, Side::kBuy, "30001.5", "0.5"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x101); }));
  const auto r = s_.For(0x101);
  ASSERT_EQ(r.front().kind, ExecKind::kAck);
  ASSERT_EQ(s_.FillCount(0x101), 1);
  for (const ExecReport& e : r) {
    if (e.kind != ExecKind::kFill) continue;
    EXPECT_EQ(e.fill_qty, Q("0.3"));
    EXPECT_EQ(e.fill_quote, A("9000.3"));
    EXPECT_EQ(e.fee, A("0.0003")) << "0.1% of 0.3 BTC, in BTC";
  }
  EXPECT_EQ(r.back().kind, ExecKind::kCanceled);
  EXPECT_EQ(s_.orders->tracker().active(), 0);
  ExpectBalancesFollowTheReports();
}

TEST_F(OkxOrdersLoopback, GtcPostOnlyRestsAndIsCanceledByClientId) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return s_.orders->connected(); }));
  s_.orders->OnIntent(Intent(0x201, Side::kBuy, "29000.0", "0.1", TimeInForce::kGtc, true));
  ASSERT_TRUE(RunUntil([&] { return s_.Has(0x201, ExecKind::kAck); }));
  EXPECT_FALSE(s_.Final(0x201)) << "resting";
  // The sim saw a post_only order and rests it.
  bool rested = false;
  for (const json& j : sim_.OrderLog())
    if (j.value("request", "") == "place" && j.value("client_id", "") == "hs513")
      rested = j["wire"]["ordType"] == "post_only" && j["result"] == "resting";
  EXPECT_TRUE(rested);
  // A post-only that would cross is canceled unfilled by the venue.
  s_.orders->OnIntent(Intent(0x202, Side::kBuy, "30005.0", "0.1", TimeInForce::kGtc, true));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x202); }));
  EXPECT_EQ(s_.For(0x202).back().kind, ExecKind::kCanceled);
  EXPECT_EQ(s_.Filled(0x202), Qty::Zero());

  ASSERT_TRUE(s_.orders->Cancel(ClientOrderId{0x201}));
  EXPECT_EQ(C(s_.counters.cancels_sent), 1);
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x201); }));
  EXPECT_EQ(s_.For(0x201).back().kind, ExecKind::kCanceled);
  EXPECT_EQ(sim_.LogCount("cancel"), 1);
  EXPECT_FALSE(s_.orders->Cancel(ClientOrderId{0x201})) << "not live any more";
  EXPECT_EQ(s_.orders->tracker().active(), 0);
  ExpectBalancesFollowTheReports();
}

TEST_F(OkxOrdersLoopback, CancelAllCancelsEveryRestingOrderAndIsConfirmed) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return s_.orders->connected() && s_.orders->lists_done() >= 1; }));
  // Nothing open: true at once, and confirmed.
  ASSERT_TRUE(s_.orders->CancelAll());
  EXPECT_EQ(C(s_.counters.cancel_all_confirmed), 1);
  for (uint64_t id = 0x301; id < 0x301 + 25; ++id)
    s_.orders->OnIntent(Intent(id, Side::kBuy, "29000.0", "0.01", TimeInForce::kGtc));
  ASSERT_TRUE(RunUntil([&] {
    for (uint64_t id = 0x301; id < 0x301 + 25; ++id)
      if (!s_.Has(id, ExecKind::kAck)) return false;
    return true;
  }));
  // The kill switch does not stop the cancel-all.
  s_.kill.Trip();
  ASSERT_TRUE(s_.orders->CancelAll());
  ASSERT_TRUE(RunUntil([&] {
    for (uint64_t id = 0x301; id < 0x301 + 25; ++id)
      if (!s_.Final(id)) return false;
    return C(s_.counters.cancel_all_confirmed) == 2;
  }));
  for (uint64_t id = 0x301; id < 0x301 + 25; ++id) EXPECT_EQ(s_.For(id).back().kind, ExecKind::kCanceled);
  EXPECT_EQ(sim_.LogCount("cancel_all"), 2) << "25 orders: two batch-cancel-orders requests of at most 20";
  EXPECT_EQ(s_.orders->tracker().active(), 0);
  ExpectBalancesFollowTheReports();
}

TEST_F(OkxOrdersLoopback, CancelAllIncludesOpenOrdersOfAnEarlierSession) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return s_.orders->connected(); }));
  s_.orders->OnIntent(Intent(0x351, Side::kSell, "31000.0", "0.1", TimeInForce::kGtc));
  ASSERT_TRUE(RunUntil([&] { return s_.Has(0x351, ExecKind::kAck); }));
  // A new session (the process restarted) finds the order in the listing, untracked.
  s_.orders->Stop();
  ioc_.run_for(std::chrono::milliseconds(50));  // the socket's handlers finish before it is destroyed
  s_.orders.reset();
  s_.Drain();
  s_.orders = std::make_unique<Orders>(s_.Context(ioc_, sim_.cfg->base, sim_.cfg->base.venues[0]), &s_.symbols, [] {});
  ASSERT_TRUE(s_.orders->Init().ok());
  s_.orders->Start();
  ASSERT_TRUE(RunUntil([&] { return s_.orders->connected() && s_.orders->lists_done() >= 1; }));
  EXPECT_EQ(s_.orders->listed_open(), 1);
  EXPECT_EQ(s_.orders->listed_untracked(), 1);
  const int64_t confirmed = C(s_.counters.cancel_all_confirmed);
  ASSERT_TRUE(s_.orders->CancelAll());
  ASSERT_TRUE(RunUntil([&] { return C(s_.counters.cancel_all_confirmed) == confirmed + 1; }));
  bool canceled = false;
  for (const json& j : sim_.OrderLog())
    if (j.value("request", "") == "cancel_all") canceled = j["canceled"].size() == 1 && j["canceled"][0] == "hs849";
  EXPECT_TRUE(canceled);
  ExpectBalancesFollowTheReports();
}

// Fault drop_replies: the order fills in the sim but neither its reply nor its pushes arrive.
// Outcome: no reply within ack_timeout_ms (300) → kUnknown (unknown_orders 1) → a signed query
// (trade/order, then trade/fills for the exact quote) → one final fill of 0.3 @ 30001 with the
// exact quote and fee (unknown_resolved 1), slot freed.
TEST_F(OkxOrdersLoopback, DroppedReplyIsQueriedAndResolvedWithTheRightFill) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return s_.orders->connected(); }));
  sim_.server->faults(0).drop_replies = 1;
  s_.orders->OnIntent(Intent(0x401, Side::kBuy, "30001.5", "0.5"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x401); }));
  const auto r = s_.For(0x401);
  EXPECT_EQ(r.front().kind, ExecKind::kUnknown);
  EXPECT_EQ(C(s_.counters.unknown_orders), 1);
  EXPECT_GE(C(s_.counters.order_queries), 1);
  EXPECT_EQ(C(s_.counters.unknown_resolved), 1);
  ASSERT_EQ(s_.FillCount(0x401), 1);
  EXPECT_EQ(r.back().kind, ExecKind::kFill);
  EXPECT_TRUE(r.back().final);
  EXPECT_EQ(r.back().fill_qty, Q("0.3"));
  EXPECT_EQ(r.back().fill_quote, A("9000.3"));
  EXPECT_EQ(r.back().fee, A("0.0003"));
  EXPECT_EQ(s_.orders->tracker().active(), 0);
  EXPECT_GE(sim_.LogCount("query"), 2) << "the order, then its fills";
  ExpectBalancesFollowTheReports();
}

// Fault late_replies (800 ms, beyond the 300 ms ack timeout): the order goes unknown, the query
// resolves it (fill, final); the late reply and pushes then arrive and change nothing.
TEST_F(OkxOrdersLoopback, LateReplyAfterTheQueryChangesNothing) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return s_.orders->connected(); }));
  sim_.server->faults(0).late_replies = 1;
  sim_.server->faults(0).late_reply_ms = 800;
  s_.orders->OnIntent(Intent(0x451, Side::kBuy, "30002.0", "0.5"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x451); }));
  EXPECT_EQ(s_.For(0x451).front().kind, ExecKind::kUnknown);
  const int64_t replies = C(s_.counters.order_replies);
  ASSERT_TRUE(RunUntil([&] { return C(s_.counters.order_replies) > replies; })) << "the late reply arrives";
  EXPECT_FALSE(
      RunUntil([&] { return s_.FillCount(0x451) > 1 || s_.For(0x451).size() > 2; }, std::chrono::milliseconds(300)))
      << "the late reply and pushes add no report";
  EXPECT_EQ(s_.Filled(0x451), Q("0.5"));
  EXPECT_EQ(C(s_.counters.unknown_resolved), 1);
  ExpectBalancesFollowTheReports();
}

// Fault late_replies (150 ms, within the ack timeout): the order is reported normally.
TEST_F(OkxOrdersLoopback, LateReplyWithinTheTimeoutIsReportedNormally) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return s_.orders->connected(); }));
  sim_.server->faults(0).late_replies = 1;
  sim_.server->faults(0).late_reply_ms = 150;
  s_.orders->OnIntent(Intent(0x461, Side::kBuy, "30001.0", "0.1"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x461); }));
  EXPECT_EQ(s_.For(0x461).front().kind, ExecKind::kAck);
  EXPECT_EQ(s_.Filled(0x461), Q("0.1"));
  EXPECT_EQ(C(s_.counters.unknown_orders), 0);
  ExpectBalancesFollowTheReports();
}

// Fault duplicate_fills: each fill push (two levels walked) arrives twice. Outcome: two fills,
// 0.3 @ 30001 and 0.1 @ 30002, each reported once (FillDelta on cumulative accFillSz).
TEST_F(OkxOrdersLoopback, DuplicateFillPushesAreCountedOnce) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return s_.orders->connected(); }));
  sim_.server->faults(0).duplicate_fills = 1;
  s_.orders->OnIntent(Intent(0x501, Side::kBuy, "30002.0", "0.4"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x501); }));
  // Give the duplicates time to arrive: the account push follows every fill push.
  ASSERT_TRUE(RunUntil([&] { return C(s_.counters.order_parse_errors) == 0 && s_.FillCount(0x501) == 2; }));
  EXPECT_EQ(s_.FillCount(0x501), 2);
  EXPECT_EQ(s_.Filled(0x501), Q("0.4"));
  Amount quote = Amount::Zero();
  for (const ExecReport& e : s_.For(0x501)) quote += e.kind == ExecKind::kFill ? e.fill_quote : Amount::Zero();
  EXPECT_EQ(quote, A("12000.5")) << "0.3 × 30001 + 0.1 × 30002";
  ExpectBalancesFollowTheReports();
}

// Fault disconnect_orders: the order executes, then the venue closes the session before the
// reply. Outcome: kUnknown at once (unknown_orders 1); after the reconnect the query resolves
// it as a final fill of 0.2.
TEST_F(OkxOrdersLoopback, DisconnectMidOrderIsResolvedAfterReconnect) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return s_.orders->connected(); }));
  sim_.server->faults(0).disconnect_orders = 1;
  s_.orders->OnIntent(Intent(0x601, Side::kBuy, "30001.0", "0.2"));
  ASSERT_TRUE(RunUntil([&] { return s_.Has(0x601, ExecKind::kUnknown); }));
  EXPECT_EQ(C(s_.counters.unknown_orders), 1);
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x601); }));
  EXPECT_TRUE(s_.orders->connected());
  EXPECT_EQ(s_.Filled(0x601), Q("0.2"));
  EXPECT_EQ(s_.For(0x601).back().kind, ExecKind::kFill);
  EXPECT_EQ(C(s_.counters.unknown_resolved), 1);
  EXPECT_EQ(s_.orders->tracker().active(), 0);
  ExpectBalancesFollowTheReports();
}

// Fault rate_limit_orders: the venue refuses with sCode 50011. Outcome: kRejected kRateLimited,
// counted, and the budget backs off: the next intent is refused locally (kRateLimited) without
// reaching the venue.
TEST_F(OkxOrdersLoopback, VenueRateLimitRejectsAndBacksOff) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return s_.orders->connected(); }));
  sim_.server->faults(0).rate_limit_orders = 1;
  s_.orders->OnIntent(Intent(0x701, Side::kBuy, "30001.0", "0.1"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x701); }));
  EXPECT_EQ(s_.For(0x701).back().kind, ExecKind::kRejected);
  EXPECT_EQ(s_.For(0x701).back().reason, RejectReason::kRateLimited);
  EXPECT_EQ(s_.For(0x701).back().venue_code, 50011);
  EXPECT_EQ(C(s_.counters.rate_limited), 1);
  const uint64_t sent = sim_.server->orders_received();
  s_.orders->OnIntent(Intent(0x702, Side::kBuy, "30001.0", "0.1"));
  s_.Drain();
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x702); }));
  EXPECT_EQ(s_.For(0x702).back().reason, RejectReason::kRateLimited);
  EXPECT_EQ(sim_.server->orders_received(), sent) << "backed off: not sent";
  EXPECT_EQ(C(s_.counters.rate_limited), 2);
  ExpectBalancesFollowTheReports();
}

// The simulator enforces the venue's budget itself (here 3 per minute per instId; the session's
// own budget is larger): the fourth order is refused with sCode 50011 → kRateLimited, and the
// session backs off (the fifth is refused locally, never sent).
TEST_F(OkxOrdersLoopback, SimulatorEnforcesTheVenueBudget) {
  Start("order_rate = 3\norder_rate_window_ms = 60000\n", 100);
  ASSERT_TRUE(RunUntil([&] { return s_.orders->connected(); }));
  for (uint64_t id = 0x771; id <= 0x774; ++id) s_.orders->OnIntent(Intent(id, Side::kBuy, "29000.0", "0.01"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x771) && s_.Final(0x772) && s_.Final(0x773) && s_.Final(0x774); }));
  EXPECT_EQ(s_.For(0x773).back().kind, ExecKind::kCanceled) << "an IOC below the ask: accepted, nothing filled";
  EXPECT_EQ(s_.For(0x774).back().kind, ExecKind::kRejected);
  EXPECT_EQ(s_.For(0x774).back().reason, RejectReason::kRateLimited);
  EXPECT_EQ(s_.For(0x774).back().venue_code, 50011);
  const uint64_t sent = sim_.server->orders_received();
  s_.orders->OnIntent(Intent(0x775, Side::kBuy, "29000.0", "0.01"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x775); }));
  EXPECT_EQ(s_.For(0x775).back().reason, RejectReason::kRateLimited);
  EXPECT_EQ(sim_.server->orders_received(), sent) << "backed off: not sent";
  EXPECT_EQ(C(s_.counters.rate_limited), 2);
  ExpectBalancesFollowTheReports();
}

// The local budget (order_rate = 4 per minute, 2 kept for cancels) refuses the third order; a
// cancel still goes out.
TEST_F(OkxOrdersLoopback, LocalBudgetRefusesBeyondTheRateButCancelsStillGo) {
  Start("order_rate = 4\norder_rate_window_ms = 60000\n");
  ASSERT_TRUE(RunUntil([&] { return s_.orders->connected(); }));
  s_.orders->OnIntent(Intent(0x751, Side::kBuy, "29000.0", "0.1", TimeInForce::kGtc));
  s_.orders->OnIntent(Intent(0x752, Side::kBuy, "29000.0", "0.1", TimeInForce::kGtc));
  s_.orders->OnIntent(Intent(0x753, Side::kBuy, "29000.0", "0.1", TimeInForce::kGtc));
  ASSERT_TRUE(
      RunUntil([&] { return s_.Has(0x751, ExecKind::kAck) && s_.Has(0x752, ExecKind::kAck) && s_.Final(0x753); }));
  EXPECT_EQ(s_.For(0x753).back().reason, RejectReason::kRateLimited);
  EXPECT_EQ(C(s_.counters.rate_limited), 1);
  ASSERT_TRUE(s_.orders->Cancel(ClientOrderId{0x751}));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x751); }));
  ExpectBalancesFollowTheReports();
}

// Fault partial_orders: the IOC fills half its size. Outcome: a fill of 0.1 of 0.2, then the
// remainder canceled (final), balances moved by 0.1 only.
TEST_F(OkxOrdersLoopback, PartialFillThenRemainderCanceled) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return s_.orders->connected(); }));
  sim_.server->faults(0).partial_orders = 1;
  s_.orders->OnIntent(Intent(0x801, Side::kBuy, "30001.0", "0.2"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x801); }));
  EXPECT_EQ(s_.Filled(0x801), Q("0.1"));
  EXPECT_EQ(s_.For(0x801).back().kind, ExecKind::kCanceled);
  EXPECT_EQ(s_.For(0x801).back().cum_qty, Q("0.1"));
  ExpectBalancesFollowTheReports();
}

// Fault reject_orders: the venue refuses with sCode 51008. Outcome: final kRejected kVenue with
// the code, nothing booked.
TEST_F(OkxOrdersLoopback, RejectCarriesTheVenueCode) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return s_.orders->connected(); }));
  sim_.server->faults(0).reject_orders = 1;
  s_.orders->OnIntent(Intent(0x901, Side::kBuy, "30001.0", "0.2"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x901); }));
  EXPECT_EQ(s_.For(0x901).back().kind, ExecKind::kRejected);
  EXPECT_EQ(s_.For(0x901).back().reason, RejectReason::kVenue);
  EXPECT_EQ(s_.For(0x901).back().venue_code, 51008);
  EXPECT_EQ(Bal("BTC"), start_btc_);
  ExpectBalancesFollowTheReports();
}

// An order the venue never saw (tracked here, marked unknown): the query answers 51603 and the
// order ends kRejected kNotFound.
TEST_F(OkxOrdersLoopback, QueryOfAnOrderTheVenueNeverSawEndsNotFound) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return s_.orders->connected(); }));
  s_.orders->tracker().Add(Intent(0xA01, Side::kBuy, "30001.0", "0.2"), TscStamp{}, MonoNow().value);
  s_.orders->tracker().MarkAllUnknown(MonoNow().value, [](const ExecReport&) {});
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0xA01); }));
  EXPECT_EQ(s_.For(0xA01).back().kind, ExecKind::kRejected);
  EXPECT_EQ(s_.For(0xA01).back().reason, RejectReason::kNotFound);
  EXPECT_EQ(s_.orders->tracker().active(), 0);
  ExpectBalancesFollowTheReports();
}

// A resting GTC queried while unknown stays live (kAcked) and can be canceled afterwards.
TEST_F(OkxOrdersLoopback, QueryOfARestingOrderKeepsItLive) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return s_.orders->connected(); }));
  s_.orders->OnIntent(Intent(0xB01, Side::kBuy, "29000.0", "0.1", TimeInForce::kGtc));
  ASSERT_TRUE(RunUntil([&] { return s_.Has(0xB01, ExecKind::kAck); }));
  s_.orders->tracker().MarkAllUnknown(MonoNow().value, [](const ExecReport&) {});
  ASSERT_TRUE(
      RunUntil([&] { return C(s_.counters.order_queries) >= 1 && s_.orders->tracker().table().unknown() == 0; }));
  EXPECT_FALSE(s_.Final(0xB01));
  ASSERT_NE(s_.orders->tracker().Find(ClientOrderId{0xB01}), nullptr);
  EXPECT_EQ(s_.orders->tracker().Find(ClientOrderId{0xB01})->state, venues::InFlightState::kAcked);
  ASSERT_TRUE(s_.orders->Cancel(ClientOrderId{0xB01}));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0xB01); }));
  ExpectBalancesFollowTheReports();
}

// Reconciliation: after fills and a deposit, RequestBalances (signed GET /api/v5/account/balance)
// publishes one full snapshot — an update per configured asset, the last marked final — equal to the
// simulator's account. Not order entry: the simulator's order log does not record it.
TEST_F(OkxOrdersLoopback, RequestBalancesPublishesTheSimulatorsAccountAfterFills) {
  Start();
  EXPECT_FALSE(s_.orders->RequestBalances()) << "not logged in yet";
  ASSERT_TRUE(RunUntil([&] { return s_.orders->connected(); }));
  s_.orders->OnIntent(Intent(0xC01, Side::kBuy, "30001.5", "0.25"));
  s_.orders->OnIntent(Intent(0xC02, Side::kSell, "29998.0", "0.4"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0xC01) && s_.Final(0xC02); }));
  ASSERT_EQ(s_.Filled(0xC01), Q("0.25"));
  ASSERT_EQ(s_.Filled(0xC02), Q("0.4"));
  ASSERT_NE(Bal("BTC"), start_btc_) << "the account moved";
  // A deposit the session hears nothing of (later account pushes are not forwarded anyway).
  sim_.server->account(0).balances()["USDT"] += A("12.5");
  start_usdt_ += A("12.5");
  const int logged = static_cast<int>(sim_.OrderLog().size());
  s_.updates.clear();
  ASSERT_TRUE(s_.orders->RequestBalances());
  ASSERT_TRUE(RunUntil([&] { return !s_.updates.empty() && s_.updates.back().final_of_snapshot; }));
  ASSERT_EQ(s_.updates.size(), 2u) << "one update per configured asset";
  const AssetId btc = s_.symbols.FindAsset("BTC"), usdt = s_.symbols.FindAsset("USDT");
  for (const BalanceUpdate& b : s_.updates) {
    EXPECT_EQ(b.venue, VenueId{0});
    EXPECT_EQ(b.locked, Amount::Zero());
    EXPECT_EQ(b.final_of_snapshot, &b == &s_.updates.back());
    if (b.asset == btc)
      EXPECT_EQ(b.free, Bal("BTC"));
    else if (b.asset == usdt)
      EXPECT_EQ(b.free, Bal("USDT"));
    else
      ADD_FAILURE() << "unexpected asset " << b.asset.value;
  }
  EXPECT_EQ(static_cast<int>(sim_.OrderLog().size()), logged) << "a balance query is not order entry";
  EXPECT_EQ(C(s_.counters.order_parse_errors), 0);
  // Without a REST url there is no way to ask: refused at once.
  session_venue_.rest_url.clear();
  EXPECT_FALSE(s_.orders->RequestBalances());
  ExpectBalancesFollowTheReports();
}

// Answers to the balance request that cannot be used whole publish nothing (not even the assets
// that did parse), say why in the log, and count order_parse_errors when malformed (a refusal or
// a transport failure is not a malformed answer). A good answer afterwards still publishes.
TEST_F(OkxOrdersLoopback, MalformedBalanceAnswersAreCountedAndPublishNothing) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return s_.orders->connected(); }));
  const std::vector<testing::UnusableBalanceAnswer> answers = {
      {"not JSON", 200, "balance: lots", true},
      {"truncated", 200, R"({"code":"0","msg":"","data":[{"details":[{"ccy":"BTC","availBal":"1")", true},
      {"USDT not a decimal (BTC fine)", 200,
       R"({"code":"0","msg":"","data":[{"details":[{"ccy":"BTC","availBal":"1.5","frozenBal":"0"},)"
       R"({"ccy":"USDT","availBal":"1e5","frozenBal":"0"}]}]})",
       true},
      {"BTC beyond Amount's scale", 200,
       R"({"code":"0","msg":"","data":[{"details":[{"ccy":"BTC","availBal":"1.0000000001","frozenBal":"0"}]}]})", true},
      {"USDT without a balance", 200, R"({"code":"0","msg":"","data":[{"details":[{"ccy":"USDT","frozenBal":"0"}]}]})",
       true},
      {"a detail without ccy", 200, R"({"code":"0","msg":"","data":[{"details":[{"availBal":"1"}]}]})", true},
      {"details not an array", 200, R"({"code":"0","msg":"","data":[{"details":{"ccy":"BTC"}}]})", true},
      {"no details", 200, R"({"code":"0","msg":"","data":[{"totalEq":"1"}]})", true},
      {"no data", 200, R"({"code":"0","msg":""})", true},
      {"refused", 200, R"({"code":"50111","msg":"Invalid OK-ACCESS-KEY","data":[]})", false},
      {"HTTP error", 502, "<html>bad gateway</html>", false},
      {"transport failure", 0, "", false},
  };
  testing::ExpectUnusableAnswersPublishNothing(
      s_, answers, [&](const venues::HttpResponse& r) { return s_.orders->OnBalanceAnswer(r, WallNow()); });
  const auto errors = C(s_.counters.order_parse_errors);  // grown by exactly the malformed answers
  // A currency the venue config does not name is never converted: its text cannot spoil the
  // snapshot. Assets the answer omits hold nothing.
  venues::HttpResponse ok;
  ok.status = 200;
  ok.body = R"({"code":"0","msg":"","data":[{"details":[{"ccy":"DOGE","availBal":"??"},)"
            R"({"ccy":"BTC","availBal":"","cashBal":"1.25","frozenBal":"0.5"}]}]})";
  EXPECT_TRUE(s_.orders->OnBalanceAnswer(ok, WallNow()));
  s_.Drain();
  ASSERT_EQ(s_.updates.size(), 2u);
  EXPECT_EQ(s_.updates[0].asset, s_.symbols.FindAsset("BTC"));
  EXPECT_EQ(s_.updates[0].free, A("1.25")) << "cashBal when availBal is empty";
  EXPECT_EQ(s_.updates[0].locked, A("0.5"));
  EXPECT_EQ(s_.updates[1].free, Amount::Zero()) << "USDT not listed: nothing";
  EXPECT_TRUE(s_.updates[1].final_of_snapshot);
  EXPECT_EQ(C(s_.counters.order_parse_errors), errors);
  // The real request still works after all that.
  s_.updates.clear();
  ASSERT_TRUE(s_.orders->RequestBalances());
  ASSERT_TRUE(RunUntil([&] { return !s_.updates.empty() && s_.updates.back().final_of_snapshot; }));
  EXPECT_EQ(s_.updates.front().free, Bal("BTC"));
  EXPECT_EQ(s_.updates.back().free, Bal("USDT"));
  EXPECT_TRUE(s_.orders->connected());
  ExpectBalancesFollowTheReports();
}

}  // namespace
}  // namespace hs::okx
