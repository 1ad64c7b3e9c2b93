// Binance Spot order entry against homeostat-sim's Binance protocol over real loopback sockets,
// in one process: the engine-side Orders session (WebSocket API, HMAC-SHA256 signed requests)
// and the simulator's Server share one io_context, which the test runs in slices until each
// condition holds or its deadline passes (no fixed sleeps). Every test ends by checking that
// the fills the session reported, booked on the starting balances, equal the sim's account.
#include <gtest/gtest.h>

#include <map>
#include <stdlib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/engine/order_tracker.h"
#include "tests/support/order_loopback.h"
#include "tests/support/test_support.h"
#include "venues/binance/binance_orders.h"

namespace hs::binance {
namespace {

using testing::Intent;
using testing::Lvl;

constexpr char kSecret[] = "bnb-loopback-test-secret-0123456789abcdef";  // test-only

std::string Config(int port, const std::string& venue_extra, const std::string& sim_extra = "",
                   const std::string& execution = "") {
  testing::OrderLoopbackConfig c("binance", "BTCUSDT", "HS_BOL_KEY", "HS_BOL_SECRET");
  c.instruments = testing::kBtcUsdtInstrumentToml;
  if (!execution.empty()) c.execution = execution;
  c.venue_lines = venue_extra;
  c.sim_lines = sim_extra;
  return c.Toml(port);
}

Qty Q(const char* s) { return ParseDecimal<Qty>(s).value; }
Amount A(const char* s) { return ParseDecimal<Amount>(s).value; }

class BinanceOrdersLoopback : public ::testing::Test {
 protected:
  void Start(const std::string& venue_extra = "", const std::string& sim_extra = "", const std::string& execution = "") {
    ::setenv("HS_BOL_KEY", "bol-key", 1);
    ::setenv("HS_BOL_SECRET", kSecret, 1);
    ASSERT_NO_FATAL_FAILURE(sim_.Start(ioc_, Config(testing::FreePort(), venue_extra, sim_extra, execution),
                                       dir_.File("orders.jsonl"),
                                       {Lvl("29999.00", "1"), Lvl("29998.00", "1")},
                                       {Lvl("30001.00", "0.3"), Lvl("30002.00", "0.5")}));
    s_.Start(ioc_, sim_.cfg->base);
    ASSERT_TRUE(s_.init.ok()) << s_.init;
    ASSERT_TRUE(RunUntil([&] { return s_.orders->connected() && s_.orders->list_replies() >= 1; }));
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
  std::vector<ExecReport> Fills(uint64_t id) const {
    std::vector<ExecReport> v;
    for (const ExecReport& e : s_.For(id))
      if (e.kind == ExecKind::kFill) v.push_back(e);
    return v;
  }
  uint64_t C(const runtime::VenueCounters::C& c) const { return c.load(); }
  // Starting balances plus every fill the session reported equal the sim's account.
  void ExpectBalancesMatchTheSim() {
    testing::ExpectFillsExplainTheAccount(s_.execs, s_.symbols, A("2"), A("100000"), sim_.Balance("BTC"),
                                          sim_.Balance("USDT"));
  }

  testing::TempDir dir_;
  boost::asio::io_context ioc_;
  testing::LoopbackSim sim_;
  testing::LoopbackSession<Orders> s_;
};

TEST_F(BinanceOrdersLoopback, IocFillWithTheExactCommission) {
  Start();
  EXPECT_EQ(s_.orders->untracked_open(), 0);
  EXPECT_EQ(sim_.LogCount("list"), 1) << "openOrders.status at connect";
  // Buy 0.5 up to 30001.50: 0.3 @ 30001.00 fills, the rest expires.
  s_.orders->OnIntent(Intent(101, Side::kBuy, "30001.50", "0.5"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(101); }));
  const auto f = Fills(101);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_TRUE(f[0].final);
  EXPECT_EQ(f[0].fill_qty, Q("0.3"));
  EXPECT_EQ(f[0].fill_quote, A("9000.3"));
  EXPECT_EQ(f[0].fee_asset, s_.symbols.FindAsset("BTC")) << "a buyer pays commission in the base asset";
  EXPECT_EQ(s_.orders->inflight().live(), 0);
  ExpectBalancesMatchTheSim();
}

TEST_F(BinanceOrdersLoopback, PostOnlyGtcRestsAndIsCanceledByClientId) {
  Start();
  s_.orders->OnIntent(Intent(201, Side::kBuy, "29000.00", "0.1", TimeInForce::kGtc, /*post_only=*/true));
  ASSERT_TRUE(RunUntil([&] { return s_.Has(201, ExecKind::kAck); }));
  EXPECT_FALSE(s_.Final(201)) << "it rests";
  EXPECT_EQ(s_.orders->inflight().live(), 1);
  const auto log = sim_.OrderLog();
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log.back()["wire"]["type"], "LIMIT_MAKER");
  EXPECT_FALSE(log.back()["wire"].contains("timeInForce"));
  EXPECT_EQ(log.back()["result"], "resting");
  // A post-only order that would take is refused by the venue.
  s_.orders->OnIntent(Intent(202, Side::kBuy, "30001.00", "0.1", TimeInForce::kGtc, true));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(202); }));
  EXPECT_EQ(s_.For(202).back().kind, ExecKind::kRejected);
  EXPECT_EQ(s_.For(202).back().venue_code, -2010);

  ASSERT_TRUE(s_.orders->Cancel(ClientOrderId{201}));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(201); }));
  EXPECT_EQ(s_.For(201).back().kind, ExecKind::kCanceled);
  EXPECT_EQ(C(s_.counters.cancels_sent), 1u);
  EXPECT_EQ(sim_.LogCount("cancel"), 1);
  EXPECT_EQ(s_.orders->inflight().live(), 0) << "slot freed";
  EXPECT_FALSE(s_.orders->Cancel(ClientOrderId{201})) << "no longer ours to cancel";
  ExpectBalancesMatchTheSim();
}

TEST_F(BinanceOrdersLoopback, CancelAllCancelsRestingOrders) {
  Start();
  s_.orders->OnIntent(Intent(301, Side::kBuy, "29000.00", "0.1", TimeInForce::kGtc, true));
  s_.orders->OnIntent(Intent(302, Side::kSell, "31000.00", "0.1", TimeInForce::kGtc, false));  // plain GTC
  ASSERT_TRUE(RunUntil([&] { return s_.Has(301, ExecKind::kAck) && s_.Has(302, ExecKind::kAck); }));
  EXPECT_EQ(sim_.OrderLog().back()["wire"]["timeInForce"], "GTC");
  s_.kill.Trip();  // cancels are never held back by the kill switch
  ASSERT_TRUE(s_.orders->CancelAll());
  ASSERT_TRUE(RunUntil([&] { return C(s_.counters.cancel_all_confirmed) == 1; }));
  EXPECT_EQ(sim_.LogCount("cancel_all"), 1);
  // Both end canceled (the query after the cancel-all settles each one exactly).
  ASSERT_TRUE(RunUntil([&] { return s_.Final(301) && s_.Final(302); }));
  EXPECT_EQ(s_.For(301).back().kind, ExecKind::kCanceled);
  EXPECT_EQ(s_.For(302).back().kind, ExecKind::kCanceled);
  EXPECT_EQ(s_.orders->inflight().live(), 0);
  // Nothing open: the venue answers -2011, which counts as done.
  ASSERT_TRUE(s_.orders->CancelAll());
  ASSERT_TRUE(RunUntil([&] { return C(s_.counters.cancel_all_confirmed) == 2; }));
  ExpectBalancesMatchTheSim();
}

// Fault drop_replies: the order fills in the sim but no response comes. Outcome: after
// ack_timeout_ms the order is kUnknown, order.status finds it FILLED, myTrades gives the exact
// commission, one final kFill is booked and the slot is freed.
TEST_F(BinanceOrdersLoopback, DroppedReplyIsResolvedByQuery) {
  Start();
  sim_.server->faults(0).drop_replies = 1;
  s_.orders->OnIntent(Intent(401, Side::kBuy, "30001.00", "0.2"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(401); }));
  EXPECT_TRUE(s_.Has(401, ExecKind::kUnknown));
  const auto f = Fills(401);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_TRUE(f[0].final);
  EXPECT_EQ(f[0].fill_qty, Q("0.2"));
  EXPECT_EQ(f[0].fill_quote, A("6000.2"));
  EXPECT_EQ(f[0].fee, A("0.0002"));
  EXPECT_EQ(C(s_.counters.unknown_orders), 1u);
  EXPECT_EQ(C(s_.counters.unknown_resolved), 1u);
  EXPECT_GE(C(s_.counters.order_queries), 1u);
  EXPECT_GE(sim_.LogCount("query"), 2) << "order.status and myTrades";
  EXPECT_EQ(s_.orders->inflight().live(), 0);
  ExpectBalancesMatchTheSim();
}

// Fault late_replies (600 ms, ack timeout 300 ms): the order goes unknown, the query books its
// fill; the late response arrives afterwards and changes nothing (counted as a message for no
// live order). Outcome: exactly one fill.
TEST_F(BinanceOrdersLoopback, LateReplyChangesNothingAfterTheQuery) {
  Start();
  sim_.server->faults(0).late_replies = 1;
  sim_.server->faults(0).late_reply_ms = 600;
  s_.orders->OnIntent(Intent(501, Side::kSell, "29999.00", "0.1"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(501); }));
  ASSERT_TRUE(RunUntil([&] { return C(s_.counters.unknown_messages) >= 1; })) << "the late response arrived";
  EXPECT_TRUE(s_.Has(501, ExecKind::kUnknown));
  const auto f = Fills(501);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].fill_qty, Q("0.1"));
  EXPECT_EQ(f[0].fee_asset, s_.symbols.FindAsset("USDT")) << "a seller pays in the quote asset";
  EXPECT_EQ(s_.orders->inflight().live(), 0);
  ExpectBalancesMatchTheSim();
}

// Fault duplicate_fills: the FULL response (with its fills) arrives twice. Outcome: one fill.
TEST_F(BinanceOrdersLoopback, DuplicateResponseIsCountedOnce) {
  Start();
  sim_.server->faults(0).duplicate_fills = 1;
  s_.orders->OnIntent(Intent(601, Side::kBuy, "30002.00", "0.4"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(601) && C(s_.counters.unknown_messages) >= 1; }));
  const auto f = Fills(601);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].fill_qty, Q("0.4"));
  EXPECT_EQ(f[0].fill_quote, A("12000.5"));  // 0.3 @ 30001 + 0.1 @ 30002
  ExpectBalancesMatchTheSim();
}

// Fault disconnect_orders: the order fills, then the sim closes the session before answering.
// Outcome: kUnknown at the disconnect; after the reconnect the query books the fill once.
TEST_F(BinanceOrdersLoopback, DisconnectMidOrderResolvesAfterReconnect) {
  Start();
  sim_.server->faults(0).disconnect_orders = 1;
  s_.orders->OnIntent(Intent(701, Side::kBuy, "30001.00", "0.1"));
  ASSERT_TRUE(RunUntil([&] { return s_.Has(701, ExecKind::kUnknown); }));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(701); }));
  EXPECT_TRUE(s_.orders->connected());
  const auto f = Fills(701);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].fill_qty, Q("0.1"));
  EXPECT_EQ(C(s_.counters.unknown_resolved), 1u);
  EXPECT_EQ(s_.orders->inflight().live(), 0);
  ExpectBalancesMatchTheSim();
}

// Fault rate_limit_orders: the venue answers 429 / -1015. Outcome: kRejected kRateLimited and
// the local budget stops new orders for the backoff (the next intent never reaches the sim).
TEST_F(BinanceOrdersLoopback, VenueRateLimitRejectsAndBacksOff) {
  Start();
  sim_.server->faults(0).rate_limit_orders = 1;
  s_.orders->OnIntent(Intent(801, Side::kBuy, "30001.00", "0.1"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(801); }));
  EXPECT_EQ(s_.For(801).back().reason, RejectReason::kRateLimited);
  EXPECT_EQ(s_.For(801).back().venue_code, -1015);
  const uint64_t received = sim_.server->orders_received();
  s_.orders->OnIntent(Intent(802, Side::kBuy, "30001.00", "0.1"));
  s_.Drain();
  ASSERT_TRUE(s_.Final(802));
  EXPECT_EQ(s_.For(802).back().reason, RejectReason::kRateLimited);
  EXPECT_EQ(sim_.server->orders_received(), received) << "refused locally during the backoff";
  EXPECT_EQ(C(s_.counters.rate_limited), 2u);
  ExpectBalancesMatchTheSim();
}

// The sim enforces the documented ORDERS limit (50 per 10 s) itself; with the local budget
// lifted (order_rate 1000) the 51st order is refused by the venue with -1015.
TEST_F(BinanceOrdersLoopback, SimEnforcesFiftyOrdersPerTenSeconds) {
  Start("order_rate = 1000\norder_rate_window_ms = 10000\n");
  // The sim's window is fixed (aligned to 10 s): start right after a boundary so all 51 land in one.
  while (WallNow().value / 1'000'000 % 10'000 > 7'000) ioc_.run_for(std::chrono::milliseconds(20));
  for (uint64_t i = 0; i < 51; ++i) s_.orders->OnIntent(Intent(900 + i, Side::kBuy, "20000.00", "0.001"));
  ASSERT_TRUE(RunUntil([&] {
    for (uint64_t i = 0; i < 51; ++i)
      if (!s_.Final(900 + i)) return false;
    return true;
  }));
  int limited = 0;
  for (uint64_t i = 0; i < 51; ++i) limited += s_.For(900 + i).back().reason == RejectReason::kRateLimited ? 1 : 0;
  EXPECT_EQ(limited, 1);
  EXPECT_EQ(s_.For(950).back().venue_code, -1015);
  ExpectBalancesMatchTheSim();
}

// Fault partial_orders: an IOC takes half its quantity. Outcome: one final fill of half.
TEST_F(BinanceOrdersLoopback, PartialFill) {
  Start();
  sim_.server->faults(0).partial_orders = 1;
  s_.orders->OnIntent(Intent(1001, Side::kBuy, "30001.00", "0.2"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(1001); }));
  const auto f = Fills(1001);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_TRUE(f[0].final);
  EXPECT_EQ(f[0].fill_qty, Q("0.1"));
  EXPECT_EQ(f[0].cum_qty, Q("0.1"));
  ExpectBalancesMatchTheSim();
}

// Fault reject_orders: the venue refuses (-2010). Outcome: kRejected kVenue, nothing booked.
TEST_F(BinanceOrdersLoopback, Reject) {
  Start();
  sim_.server->faults(0).reject_orders = 1;
  s_.orders->OnIntent(Intent(1101, Side::kBuy, "30001.00", "0.2"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(1101); }));
  EXPECT_EQ(s_.For(1101).back().kind, ExecKind::kRejected);
  EXPECT_EQ(s_.For(1101).back().reason, RejectReason::kVenue);
  EXPECT_EQ(s_.For(1101).back().venue_code, -2010);
  EXPECT_EQ(s_.orders->inflight().live(), 0);
  ExpectBalancesMatchTheSim();
}

// Faults reject_orders + drop_replies together: the venue refuses the order and the refusal is
// lost. Outcome: kUnknown after the ack timeout, order.status answers -2013 "Order does not
// exist." → kRejected final with kNotFound, slot freed, nothing booked.
TEST_F(BinanceOrdersLoopback, LostRefusalResolvesAsNotFound) {
  Start();
  sim_.server->faults(0).reject_orders = 1;
  sim_.server->faults(0).drop_replies = 1;
  s_.orders->OnIntent(Intent(1201, Side::kBuy, "30001.00", "0.1"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(1201); }));
  EXPECT_TRUE(s_.Has(1201, ExecKind::kUnknown));
  EXPECT_EQ(s_.For(1201).back().kind, ExecKind::kRejected);
  EXPECT_EQ(s_.For(1201).back().reason, RejectReason::kNotFound);
  EXPECT_EQ(s_.For(1201).back().venue_code, -2013);
  EXPECT_EQ(C(s_.counters.unknown_resolved), 1u);
  EXPECT_EQ(s_.orders->inflight().live(), 0);
  ExpectBalancesMatchTheSim();
}

// The local budget (order_rate 5 per 10 s, 2 kept for cancels) lets 3 orders through; the
// 4th is refused locally and never reaches the venue; a cancel may still use the reserve.
TEST_F(BinanceOrdersLoopback, LocalBudgetRefusesBeyondTheRateKeepingCancels) {
  Start("order_rate = 5\norder_rate_window_ms = 10000\n");
  for (uint64_t i = 0; i < 3; ++i)
    s_.orders->OnIntent(Intent(1301 + i, Side::kBuy, "29000.00", "0.01", TimeInForce::kGtc, true));
  ASSERT_TRUE(RunUntil(
      [&] { return s_.Has(1301, ExecKind::kAck) && s_.Has(1302, ExecKind::kAck) && s_.Has(1303, ExecKind::kAck); }));
  const uint64_t received = sim_.server->orders_received();
  s_.orders->OnIntent(Intent(1304, Side::kBuy, "29000.00", "0.01", TimeInForce::kGtc, true));
  s_.Drain();
  ASSERT_TRUE(s_.Final(1304));
  EXPECT_EQ(s_.For(1304).back().reason, RejectReason::kRateLimited);
  EXPECT_EQ(sim_.server->orders_received(), received);
  EXPECT_EQ(C(s_.counters.rate_limited), 1u);
  ASSERT_TRUE(s_.orders->Cancel(ClientOrderId{1301})) << "cancels keep a reserve";
  ASSERT_TRUE(s_.orders->Cancel(ClientOrderId{1302}));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(1301) && s_.Final(1302); }));
  EXPECT_EQ(s_.For(1301).back().kind, ExecKind::kCanceled);
  ExpectBalancesMatchTheSim();
}

// openOrders.status at connect: a second session (empty in-flight table) on the same account
// finds the first one's resting order and counts it as not tracked.
TEST_F(BinanceOrdersLoopback, ListAtConnectCountsOrdersThisSessionDoesNotTrack) {
  Start();
  s_.orders->OnIntent(Intent(1401, Side::kBuy, "29000.00", "0.01", TimeInForce::kGtc, true));
  ASSERT_TRUE(RunUntil([&] { return s_.Has(1401, ExecKind::kAck); }));
  EXPECT_EQ(s_.orders->untracked_open(), 0);
  Orders other(s_.Context(ioc_, sim_.cfg->base, sim_.cfg->base.venues[0]), &s_.symbols, [] {});
  ASSERT_TRUE(other.Init().ok());
  other.Start();
  ASSERT_TRUE(RunUntil([&] { return other.list_replies() >= 1; }));
  EXPECT_EQ(other.untracked_open(), 1);
  EXPECT_EQ(sim_.LogCount("list"), 2);
  other.Stop();
  ASSERT_TRUE(s_.orders->Cancel(ClientOrderId{1401}));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(1401); }));
  ExpectBalancesMatchTheSim();
}

// Malformed or foreign messages on the order session are counted and change nothing.
TEST_F(BinanceOrdersLoopback, MalformedAndForeignMessagesAreCountedNeverApplied) {
  Start();
  s_.orders->OnIntent(Intent(1501, Side::kBuy, "29000.00", "0.01", TimeInForce::kGtc, true));
  ASSERT_TRUE(RunUntil([&] { return s_.Has(1501, ExecKind::kAck); }));
  const uint64_t parse_errors = C(s_.counters.order_parse_errors);
  const uint64_t foreign = C(s_.counters.unknown_messages);
  const size_t reports = s_.execs.size();
  auto feed = [&](const std::string& t) {
    std::string b = t + std::string(64, '\0');
    s_.orders->OnWsMessage(b.data(), t.size(), TscNow(), WallNow());
  };
  feed("{\"id\":\"hs1501\",\"status\":");                                            // truncated
  feed("[1,2,3]");                                                                   // not an object
  feed(R"({"id":"qt1501","status":200,"result":[{"qty":"x"}]})");                    // bad decimal
  feed(R"({"id":"qs1501"})");                                                        // no status
  EXPECT_EQ(C(s_.counters.order_parse_errors), parse_errors + 4);
  feed(R"({"id":"hs999999","status":200,"result":{"orderId":1,"clientOrderId":"hs999999","executedQty":"1",)"
       R"("cummulativeQuoteQty":"1","status":"FILLED"}})");  // no such order of ours
  feed(R"({"id":"zz1","status":200,"result":{}})");         // an id this session never uses
  feed(R"({"id":"qs12ab","status":200,"result":{}})");      // a query id that is not a number
  EXPECT_EQ(C(s_.counters.unknown_messages), foreign + 3);
  s_.Drain();
  EXPECT_EQ(s_.execs.size(), reports) << "nothing reported";
  EXPECT_EQ(s_.orders->inflight().live(), 1);
  ASSERT_TRUE(s_.orders->Cancel(ClientOrderId{1501}));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(1501); }));
  ExpectBalancesMatchTheSim();
}

// The order lifecycle under sustained loss: 10,000 IOC orders through the core's order table cut
// down to 64 slots (engine::OrderTracker, fed the session's reports as the decision core feeds
// them), against the sim with every 20th reply dropped (5%; the order executes, nothing comes
// back) and the venue's rate limits lifted on both sides so the run is not throttled to 50
// orders per 10 s. Outcome: every order resolves (a dropped one goes unknown after the 1 s ack
// timeout, the order.status query finds it filled), no slot of either table leaks, trading
// never stops for good (a full table only delays the next order), and the balances equal the
// sim's account. The ack timeout is 1 s here, not the suite's 300 ms: under ASan beside other
// suites a reply that was not dropped can take longer than 300 ms, and only dropped replies may
// make an order unknown.
TEST_F(BinanceOrdersLoopback, TenThousandOrdersThroughSixtyFourSlotsWithFivePercentOfRepliesDropped) {
  Start("order_rate = 1000000\norder_rate_window_ms = 1000\n", "rate_limits = false\n",
        "ack_timeout_ms = 1000\nquery_attempts = 8\nquery_backoff_ms = 100\n");
  sim_.server->HandleControl(R"({"cmd":"fault","venue":"binance","drop_reply_every":20})");
  constexpr int kOrders = 10'000;
  engine::OrderTracker table(1, /*slots=*/64);
  int opened = 0, table_full = 0, late_reports = 0;
  std::map<RejectReason, int> rejected_by;  // refusals, by reason
  size_t seen = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(240);
  while ((opened < kOrders || table.open() > 0) && std::chrono::steady_clock::now() < deadline) {
    while (opened < kOrders && table.HasRoom(1)) {
      // Alternate small buys and sells that cross the paused book: each fills at once.
      const bool buy = opened % 2 == 0;
      OrderIntent in = Intent(0, buy ? Side::kBuy : Side::kSell, buy ? "30100.00" : "29900.00", "0.0001");
      table.Open(in, AssetId{0}, Amount::Zero());  // assigns the client id
      s_.orders->OnIntent(in);
      ++opened;
    }
    if (opened < kOrders && !table.HasRoom(1)) ++table_full;
    ioc_.run_for(std::chrono::milliseconds(1));
    s_.Drain();
    for (; seen < s_.execs.size(); ++seen) {
      const ExecReport& e = s_.execs[seen];
      engine::TrackedOrder* o = table.Find(e.client_id);
      if (o == nullptr) {
        ++late_reports;  // a report for an order already closed: changes nothing
        continue;
      }
      if (e.kind == ExecKind::kRejected) ++rejected_by[e.reason];
      if (e.kind == ExecKind::kUnknown) table.MarkUnknown(*o);
      if (e.kind == ExecKind::kFill) table.AddFill(*o, e.fill_qty);
      if (e.final) table.Close(*o, e.kind);
    }
  }
  ASSERT_EQ(opened, kOrders) << "trading stopped: " << table.open() << " orders live in a full table";
  EXPECT_EQ(table.open(), 0) << "no slot of the core's table leaks";
  EXPECT_EQ(s_.orders->inflight().live(), 0) << "no slot of the session's table leaks";
  const engine::OrderOutcomes& out = table.outcomes();
  EXPECT_EQ(out.opened, static_cast<uint64_t>(kOrders));
  EXPECT_EQ(out.filled + out.partly_filled + out.unfilled + out.rejected, static_cast<uint64_t>(kOrders))
      << "every order resolved";
  // On a loaded machine (sanitizers, parallel suites) the session's outbound queue can fill: an
  // order refused there (kBackpressure) never leaves and is reported rejected at once. Every
  // other order reaches the venue and fills, dropped replies included.
  const uint64_t placed = static_cast<uint64_t>(sim_.LogCount("place"));
  EXPECT_EQ(rejected_by.size(), rejected_by.count(RejectReason::kBackpressure)) << "only local backpressure refuses";
  EXPECT_EQ(out.rejected + placed, static_cast<uint64_t>(kOrders));
  EXPECT_LE(out.rejected, static_cast<uint64_t>(kOrders / 100)) << "backpressure stays the exception";
  EXPECT_EQ(out.filled, placed) << "every order that reached the venue filled, dropped replies included";
  EXPECT_EQ(out.unknown_seen, placed / 20) << "exactly the dropped replies went unknown";
  EXPECT_EQ(out.unknown_resolved, out.unknown_seen);
  EXPECT_EQ(C(s_.counters.unknown_resolved), out.unknown_seen);
  EXPECT_GT(table_full, 0) << "the 64-slot table did fill up (the test exercises a full table)";
  EXPECT_EQ(late_reports, 0);
  ExpectBalancesMatchTheSim();
}


// The simulator's control input for the new fault: a negative period is refused with an error
// naming it and changes nothing; 0 turns it off again.
TEST_F(BinanceOrdersLoopback, DropReplyEveryRefusesANegativePeriod) {
  Start();
  const nlohmann::json bad =
      nlohmann::json::parse(sim_.server->HandleControl(R"({"cmd":"fault","venue":"binance","drop_reply_every":-3})"));
  EXPECT_FALSE(bad.value("ok", true)) << bad.dump();
  EXPECT_NE(bad.dump().find("drop_reply_every must be >= 0"), std::string::npos) << bad.dump();
  const nlohmann::json off =
      nlohmann::json::parse(sim_.server->HandleControl(R"({"cmd":"fault","venue":"binance","drop_reply_every":0})"));
  EXPECT_TRUE(off.value("ok", false)) << off.dump();
  s_.orders->OnIntent(Intent(901, Side::kBuy, "30001.50", "0.1"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(901); }));
  EXPECT_EQ(C(s_.counters.unknown_orders), 0u) << "no reply was dropped";
  ExpectBalancesMatchTheSim();
}

}  // namespace
}  // namespace hs::binance
