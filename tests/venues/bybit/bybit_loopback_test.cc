// Bybit through the live path: the real homeostat and homeostat-sim binaries on loopback, a
// Binance venue and a Bybit venue. Scripted dislocations make the engine send its two IOC legs
// (one of them order.create on Bybit's trade WebSocket, filled by the simulator and reported on
// the private stream) and the engine's balances must equal the simulator's accounts exactly.
// Injected faults (dropped deltas, crossing levels, a stall, a disconnect) must be counted,
// recovered from by the venue itself, and no BookTop may reach the core from a failed book
// (checked in the journal).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "tests/support/loopback.h"

namespace hs {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using testing::WaitFor;

const std::string kSecretA = "SECRET-A-do-not-print-5d3e";
const std::string kSecretB = "SECRET-BYBIT-do-not-print-a91c";

struct Options {
  int64_t dislocation_every_ms = 0;  // 0 = only scripted dislocations
  int bybit_depth = 50;
  bool bybit_rest = true;            // rest_url set: the wallet is also fetched over REST
  std::vector<std::string> sim_args;
  bool repair_legs = true;           // [execution] repair_legs
};

class BybitLoopback : public testing::LoopbackFixture {
 protected:
  void Start(const Options& o = {}, bool paused = true) {
    SetEnv({{"HS_BL_A_KEY", "key-a"}, {"HS_BL_A_SECRET", kSecretA}, {"HS_BL_B_KEY", "key-bybit"}, {"HS_BL_B_SECRET", kSecretB}},
           {kSecretA, kSecretB});
    WriteConfig("loopback.toml", ConfigText(o));
    StartSim(paused, o.sim_args, /*order_log=*/true);
  }

  static std::string ConfigText(const Options& o) {
    const std::vector<int> ports = testing::DistinctFreePorts(2);
    const std::string c = testing::EngineToml(R"("BTC", "USDT")", "bybit-loopback", "100000", "10", "100") +
                          testing::kBtcUsdtInstrumentToml +
                          testing::BinanceVenueToml("binance_a", "@PA@", "HS_BL_A_KEY", "HS_BL_A_SECRET") + R"([[venues]]
name = "bybit_b"
kind = "bybit"
market_data_url = "ws://127.0.0.1:@PB@"
@REST@order_url = "ws://127.0.0.1:@PB@"
depth = @DEPTH@
api_key_env = "HS_BL_B_KEY"
api_secret_env = "HS_BL_B_SECRET"
taker_fee = "0.001"
symbols = { "BTC/USDT" = "BTCUSDT" }
[execution]
repair_legs = @REPAIR@
[sim]
seed = 17
tick_interval_ms = 20
dislocation_every_ms = @DISLOC@
dislocation_bps = 60
dislocation_ms = 150
[sim.prices]
"BTC/USDT" = "30000"
)" + testing::SimAccountToml("binance_a") + testing::SimAccountToml("bybit_b");
    return testing::Substitute(c, {{"@REST@", o.bybit_rest ? "rest_url = \"http://127.0.0.1:@PB@\"\n" : ""},
                                   {"@PA@", std::to_string(ports[0])},
                                   {"@PB@", std::to_string(ports[1])},
                                   {"@DISLOC@", std::to_string(o.dislocation_every_ms)},
                                   {"@DEPTH@", std::to_string(o.bybit_depth)},
                                   {"@REPAIR@", o.repair_legs ? "true" : "false"}});
  }

  int Counter(const std::string& venue, const char* name) { return static_cast<int>(VenueCount(venue, name, -1)); }
  void ExpectBalancesEqualTheSimulator() { LoopbackFixture::ExpectBalancesEqualTheSimulator({"binance_a", "bybit_b"}); }
};

// The order log's placements (the log also holds the session's open-order list at connect).
std::vector<nlohmann::json> OnlyPlaces(const std::vector<nlohmann::json>& log) {
  std::vector<nlohmann::json> out;
  for (const auto& j : log)
    if (j.value("request", "") == "place") out.push_back(j);
  return out;
}

TEST_F(BybitLoopback, ScriptedDislocationsSendTheExpectedLegsAndBalancesAgreeExactly) {
  Start();
  SetBook("binance_a", json::array({{"29999.00", "1"}}), json::array({{"30000.00", "1"}}));
  SetBook("bybit_b", json::array({{"29999.50", "1"}}), json::array({{"30000.50", "1"}}));
  StartEngine();
  EXPECT_EQ(SimOrders(), 0u) << "no edge yet";
  ExpectBalancesEqualTheSimulator();

  // bybit_b's bid jumps 200 USDT above binance_a's ask: buy on binance_a, sell on bybit_b.
  SetBook("bybit_b", json::array({{"30200.00", "0.5"}}), json::array({{"30201.00", "1"}}));
  ASSERT_TRUE(WaitFor([&] { return EngineCount("fill_reports") >= 2; }, 20s)) << Status().dump();
  // Anything further would have been decided by the time the engine takes in a later top.
  ASSERT_NO_FATAL_FAILURE(
      SetBookAndSettle("bybit_b", json::array({{"29999.50", "1"}}), json::array({{"30000.50", "1"}})));
  std::vector<json> orders = OnlyPlaces(OrderLog());
  ASSERT_EQ(orders.size(), 2u);
  const json& buy = orders[0]["venue"] == "binance_a" ? orders[0] : orders[1];
  const json& sell = orders[0]["venue"] == "binance_a" ? orders[1] : orders[0];
  EXPECT_EQ(buy["wire"]["side"], "BUY");
  EXPECT_EQ(buy["wire"]["price"], "30000.00");
  EXPECT_EQ(buy["wire"]["quantity"], "0.50000");
  EXPECT_EQ(buy["result"], "filled");
  EXPECT_EQ(sell["venue"], "bybit_b");
  EXPECT_EQ(sell["wire"]["op"], "order.create");
  EXPECT_EQ(sell["wire"]["category"], "spot");
  EXPECT_EQ(sell["wire"]["side"], "Sell");
  EXPECT_EQ(sell["wire"]["orderType"], "Limit");
  EXPECT_EQ(sell["wire"]["price"], "30200.00");
  EXPECT_EQ(sell["wire"]["qty"], "0.50000");
  EXPECT_EQ(sell["wire"]["timeInForce"], "IOC");
  EXPECT_EQ(sell["result"], "filled");
  EXPECT_EQ(sell["wire"]["reqId"], sell["wire"]["orderLinkId"]);
  EXPECT_EQ(sell["wire"]["orderLinkId"].get<std::string>().rfind("hs", 0), 0u);
  ExpectBalancesEqualTheSimulator();
  const json accounts = SimAccounts();
  EXPECT_EQ(Amt(accounts["bybit_b"]["BTC"]), Amt("1.5"));
  EXPECT_EQ(Amt(accounts["bybit_b"]["USDT"]), Amt("115084.9"));  // +15100 − 15.1 commission in USDT

  // The other way: bybit_b's ask drops below binance_a's bid: buy on bybit_b (fee in BTC).
  SetBook("bybit_b", json::array({{"29799.00", "1"}}), json::array({{"29800.00", "0.3"}}));
  ASSERT_TRUE(WaitFor([&] { return EngineCount("fill_reports") >= 4; }, 20s)) << Status().dump();
  ASSERT_NO_FATAL_FAILURE(
      SetBookAndSettle("bybit_b", json::array({{"29999.50", "1"}}), json::array({{"30000.50", "1"}})));
  orders = OnlyPlaces(OrderLog());
  ASSERT_EQ(orders.size(), 4u);
  const json& bybit_buy = orders[2]["venue"] == "bybit_b" ? orders[2] : orders[3];
  EXPECT_EQ(bybit_buy["wire"]["side"], "Buy");
  EXPECT_EQ(bybit_buy["wire"]["price"], "29800.00");
  EXPECT_EQ(bybit_buy["wire"]["qty"], "0.30000");
  EXPECT_EQ(bybit_buy["result"], "filled");
  ExpectBalancesEqualTheSimulator();
  const json acc2 = SimAccounts();
  EXPECT_EQ(Amt(acc2["bybit_b"]["BTC"]), Amt("1.7997"));       // +0.3 − 0.0003 commission in BTC
  EXPECT_EQ(Amt(acc2["bybit_b"]["USDT"]), Amt("106144.9"));    // −8940
  const json st = Status();
  EXPECT_EQ(st["counters"]["orders_sent"], 4);
  EXPECT_EQ(st["counters"]["legs_unbalanced"], 0);
  EXPECT_EQ(st["counters"]["reject_reports"], 0);
  EXPECT_EQ((*VenueOf(st, "bybit_b"))["order_parse_errors"], 0);
  ASSERT_EQ(StopEngine(), 0) << engine_->Output();
}

TEST_F(BybitLoopback, IocThatFindsNothingIsCanceledAndBalancesStand) {
  Options o;
  o.bybit_rest = false;  // the wallet comes from the push after the private subscription only
  // Each IOC that finds nothing leaves its group one-legged. Repairs would hedge against a
  // reference that includes the engine-only book, so whether a hedge fills depends on timing;
  // here they are off and each residual goes to dust (core and leg-tracker tests cover repairs).
  o.repair_legs = false;
  Start(o);
  SetBook("binance_a", json::array({{"29999.00", "1"}}), json::array({{"30000.00", "1"}}));
  SetBook("bybit_b", json::array({{"29999.50", "1"}}), json::array({{"30000.50", "1"}}));
  StartEngine();
  // A book only the engine sees (u == 1: a venue restart, so it replaces the book): a bid the
  // simulator's book does not have. The engine sells into it; the IOC finds nothing.
  ASSERT_NO_FATAL_FAILURE(SendRaw(
      "bybit_b",
      {{{"text", R"({"topic":"orderbook.50.BTCUSDT","ts":1,"type":"snapshot","data":{"s":"BTCUSDT","b":[["30300.00","0.01"]],"a":[["30301.00","1"]],"u":1,"seq":1},"cts":1})"}}}));
  ASSERT_TRUE(WaitFor([&] { return EngineCount("cancel_reports") >= 1; }, 20s)) << Status().dump();
  // The next real change does not follow u == 1: a gap, a resubscribe, the true book again.
  SetBook("bybit_b", json::array({{"29999.50", "1"}}), json::array({{"30000.50", "1"}}));
  ASSERT_TRUE(WaitFor([&] { return Counter("bybit_b", "gaps") >= 1 && Ready(); }, 20s)) << Status().dump();
  // Settled: the engine has taken in a later top with every reply in (no order open).
  ASSERT_NO_FATAL_FAILURE(
      SetBookAndSettle("bybit_b", json::array({{"29999.40", "1"}}), json::array({{"30000.60", "1"}})));
  const std::vector<json> orders = OnlyPlaces(OrderLog());
  int bybit_orders = 0;
  for (const json& ord : orders) {
    if (ord["venue"] != "bybit_b") continue;
    ++bybit_orders;
    EXPECT_EQ(ord["wire"]["side"], "Sell");
    EXPECT_EQ(ord["wire"]["price"], "30300.00");
    EXPECT_EQ(ord["result"], "expired") << "the simulator's book had no bid at 30300";
  }
  EXPECT_GE(bybit_orders, 1);
  const json st = Status();
  EXPECT_EQ(st["counters"]["cancel_reports"].get<int>(), bybit_orders) << "each IOC that found nothing is one final cancel";
  EXPECT_EQ(st["counters"]["unknown_reports"], 0);
  EXPECT_EQ(st["legs"]["hedge_orders"], 0);
  EXPECT_EQ(st["legs"]["to_dust"].get<int>(), st["legs"]["residuals"].get<int>()) << "repairs off: residuals are dust";
  ExpectBalancesEqualTheSimulator();
  ASSERT_EQ(StopEngine(), 0) << engine_->Output();
}

TEST_F(BybitLoopback, GapsCrossedBooksStallsAndDisconnectsRecoverAndNoTopLeaksFromAFailedBook) {
  Options o;
  o.dislocation_every_ms = 400;
  o.sim_args = {"--fault-venue", "bybit_b", "--fault-drop-every-ms", "700", "--fault-cross-every-ms", "1900"};
  Start(o, /*paused=*/false);
  StartEngine();
  ASSERT_TRUE(WaitFor(
      [&] {
        const json s = Status();
        const json* b = VenueOf(s, "bybit_b");
        return b && (*b)["gaps"].get<int>() >= 3 && (*b)["crossed_books"].get<int>() >= 1 && (*b)["resyncs"].get<int>() >= 4;
      },
      60s))
      << Status().dump();
  ASSERT_TRUE(WaitFor([&] { return Ready(); }, 30s)) << "the book comes back by itself\n" << Status().dump();

  // A stall: deltas the engine never sees, then a gap when the stream resumes.
  const int gaps_before = Counter("bybit_b", "gaps");
  // The change set while stalled is never sent; the one after the stall follows it, so the
  // engine sees its sequence jump (no waiting on the clock for deltas to be missed).
  ASSERT_TRUE(SimFault("bybit_b", {{"stall", true}}).value("ok", false));
  SetBook("bybit_b", json::array({{"29999.30", "1"}}), json::array({{"30000.70", "1"}}));
  ASSERT_TRUE(SimFault("bybit_b", {{"stall", false}}).value("ok", false));
  SetBook("bybit_b", json::array({{"29999.20", "1"}}), json::array({{"30000.80", "1"}}));
  ASSERT_TRUE(WaitFor([&] { return Counter("bybit_b", "gaps") > gaps_before; }, 20s)) << Status().dump();
  ASSERT_TRUE(WaitFor([&] { return Ready(); }, 30s)) << Status().dump();

  // A disconnect of every session: counted, reconnected, resubscribed, re-authenticated.
  ASSERT_GE(SimFault("bybit_b", {{"disconnect", true}}).value("disconnected", 0), 3)
      << "market data, trade and private sessions";
  ASSERT_TRUE(WaitFor([&] { return Counter("bybit_b", "disconnects") >= 1; }, 20s)) << Status().dump();
  ASSERT_TRUE(WaitFor([&] { return Ready(); }, 30s)) << Status().dump();
  EXPECT_TRUE(engine_->Running());

  testing::CoreInputSummary sum;
  ASSERT_NO_FATAL_FAILURE(StopEngineAndCheckJournal(&sum));
  EXPECT_GE(sum.statuses[1][FeedState::kGap], 4);
  EXPECT_GE(sum.statuses[1][FeedState::kCrossed], 1);
  EXPECT_GE(sum.statuses[1][FeedState::kDisconnected], 1);
  EXPECT_GT(sum.tops_after_failure[1], 10u) << "bybit_b kept publishing after recovering";
  EXPECT_EQ(sum.statuses[0][FeedState::kGap], 0) << "faults were injected on bybit_b only";
}

TEST_F(BybitLoopback, MalformedFramesAreCountedAndDroppedAndTheBookStands) {
  Start();
  SetBook("binance_a", json::array({{"29999.00", "1"}}), json::array({{"30000.00", "1"}}));
  SetBook("bybit_b", json::array({{"29999.50", "1"}}), json::array({{"30000.50", "1"}}));
  StartEngine();
  const json before = (*VenueOf(Status(), "bybit_b"))["books"][0];
  const std::vector<json> bad = {
      {{"text", R"({"topic":"orderbook.50.BTCUSDT","ts":1,"type":"delta","data":{"s":"BTCUSDT","b":[["abc","1"]],"a":[],"u":5}})"}},
      {{"text", R"({"topic":"orderbook.50.BTCUSDT","ts":1,"type":"delta","data":{"s":"BTCUSDT","b":[],"a":[]}})"}},
      {{"text", R"({"topic":"orderbook.50.BTCU)"}},
      {{"hex", "00ff13377f80c0ffee0a0d00"}},
  };
  ASSERT_NO_FATAL_FAILURE(SendRaw("bybit_b", bad));
  ASSERT_TRUE(WaitFor([&] { return Counter("bybit_b", "parse_errors") == 4; }, 10s)) << Status().dump();
  const json after = Status();
  const json& v = *VenueOf(after, "bybit_b");
  EXPECT_EQ(v["connected"], true);
  EXPECT_EQ(v["books"][0]["bid"], before["bid"]) << "the book stays at its last good state";
  EXPECT_EQ(v["books"][0]["ask"], before["ask"]);
  EXPECT_EQ(v["books"][0]["usable"], true);
  EXPECT_EQ(v["gaps"], 0);
  // And the stream goes on: the next real change applies.
  SetBook("bybit_b", json::array({{"29990.00", "1"}}), json::array({{"30000.50", "1"}}));
  ASSERT_TRUE(WaitFor([&] { return (*VenueOf(Status(), "bybit_b"))["books"][0]["bid"] == "29990"; }, 10s)) << Status().dump();
  EXPECT_EQ(SimOrders(), 0u);
}

}  // namespace
}  // namespace hs
