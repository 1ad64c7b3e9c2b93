// OKX through the live path: the real homeostat and homeostat-sim binaries, a generated config
// (free ports, temp paths) with a Binance venue and an OKX venue. Covers order entry (login,
// IOC legs, fills from the orders channel, balances equal to the simulator's accounts), fault
// injection (gaps, checksum mismatches, crossed books, stalls, disconnects) counted by the
// engine with the books recovering by themselves, and — from the journal after the engine
// stops — that the core never received a BookTop from a book that failed validation.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "tests/support/loopback.h"

namespace hs {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using testing::WaitFor;

const std::string kSecretA = "SECRET-A-do-not-print-5e0b";
const std::string kSecretO = "SECRET-O-do-not-print-91ac";
const std::string kPassO = "PASS-O-do-not-print-3c7d";
constexpr int kBinance = 0;  // venue ids in file order
constexpr int kOkx = 1;

struct Options {
  int64_t dislocation_every_ms = 0;  // 0 = only scripted changes
  bool paused = true;
  std::string okx_passphrase = kPassO;
  int okx_depth = 0;  // 0/400: channel books; 50: books50-l2-tbt
  std::vector<std::string> sim_args;
};

class OkxLoopback : public testing::LoopbackFixture {
 protected:
  void Start(const Options& o = {}) {
    SetEnv({{"HS_LB_A_KEY", "key-a"},
            {"HS_LB_A_SECRET", kSecretA},
            {"HS_LB_O_KEY", "key-o"},
            {"HS_LB_O_SECRET", kSecretO},
            {"HS_LB_O_PASS", kPassO}},
           {kSecretA, kSecretO, kPassO});
    WriteConfig("okx-loopback.toml", ConfigText(o));
    StartSim(o.paused, o.sim_args, /*order_log=*/true);
    engine_env_["HS_LB_O_PASS"] = o.okx_passphrase;
  }

  static std::string ConfigText(const Options& o) {
    const std::vector<int> ports = testing::DistinctFreePorts(2);
    const std::string c = testing::EngineToml(R"("BTC", "USDT")", "okx-loopback", "100000", "10", "100") +
                          testing::kBtcUsdtInstrumentToml +
                          testing::BinanceVenueToml("binance_a", "@PA@", "HS_LB_A_KEY", "HS_LB_A_SECRET") + R"([[venues]]
name = "okx"
kind = "okx"
market_data_url = "ws://127.0.0.1:@PO@"
rest_url = "http://127.0.0.1:@PO@"
order_url = "ws://127.0.0.1:@PO@"
api_key_env = "HS_LB_O_KEY"
api_secret_env = "HS_LB_O_SECRET"
passphrase_env = "HS_LB_O_PASS"
taker_fee = "0.001"
depth = @ODEPTH@
idle_timeout_ms = 1500
reconnect_min_ms = 100
reconnect_max_ms = 1000
symbols = { "BTC/USDT" = "BTC-USDT" }
[sim]
seed = 17
tick_interval_ms = 20
dislocation_every_ms = @DISLOC@
dislocation_bps = 60
dislocation_ms = 150
[sim.prices]
"BTC/USDT" = "30000"
)" + testing::SimAccountToml("binance_a") + testing::SimAccountToml("okx");
    return testing::Substitute(c, {{"@PA@", std::to_string(ports[0])},
                                   {"@PO@", std::to_string(ports[1])},
                                   {"@DISLOC@", std::to_string(o.dislocation_every_ms)},
                                   {"@ODEPTH@", std::to_string(o.okx_depth)}});
  }

  json Okx() { return VenueStatus("okx"); }
  int OkxCount(const char* key) { return static_cast<int>(VenueCount("okx", key, -1)); }
  bool OkxBookUsable() {
    const json v = Okx();
    return v.contains("books") && !v["books"].empty() && v["books"][0].value("usable", false);
  }
  // BookTops the core received from the OKX book.
  int OkxTops() {
    const json v = Okx();
    return v.contains("books") && !v["books"].empty() ? v["books"][0].value("updates", 0) : 0;
  }
  // After a failure: the core saw the book come back. A failing message publishes no top, so a
  // new top means the resubscribe's snapshot validated (the usable flag alone could still be
  // the core's view from before the failure).
  bool RecoveredSince(int tops_before) { return OkxBookUsable() && OkxTops() > tops_before; }
  // A scripted change of the OKX book (each call moves the best bid by one cent).
  void NudgeOkx() {
    ++nudge_;
    SetBook("okx", json::array({{"29999.50", "1"}, {"29999." + std::to_string(10 + nudge_ % 40), "2"}}),
            json::array({{"30000.50", "1"}, {"30001.00", "3"}}));
  }
  void Fault(const json& f) {
    const json r = SimFault("okx", f);
    ASSERT_TRUE(r.value("ok", false)) << r.dump();
  }

  int nudge_ = 0;
};

// The OKX bid jumps above Binance's ask: the engine buys on Binance and sells on OKX with two
// IOC legs; the simulator fills both, and afterwards the engine's balances equal the
// simulator's accounts exactly.
TEST_F(OkxLoopback, ScriptedDislocationSendsTheTwoIocLegsAndBalancesAgree) {
  Start();
  SetBook("binance_a", json::array({{"29999.00", "1"}}), json::array({{"30000.00", "1"}}));
  SetBook("okx", json::array({{"29999.50", "1"}}), json::array({{"30000.50", "1"}}));
  StartEngine();
  EXPECT_EQ(SimOrders(), 0u) << "no edge yet";
  SetBook("okx", json::array({{"30200.00", "0.5"}}), json::array({{"30201.00", "1"}}));
  ASSERT_TRUE(WaitFor([&] { return EngineCount("fill_reports") >= 2; }, 20s)) << Status().dump();
  // Anything further would have been decided by the time the engine takes in a later top.
  ASSERT_NO_FATAL_FAILURE(SetBookAndSettle("okx", json::array({{"29999.50", "1"}}), json::array({{"30000.50", "1"}})));

  const std::vector<json> orders = OrderLog();
  ASSERT_EQ(orders.size(), 2u);
  const json& buy = orders[0]["venue"] == "binance_a" ? orders[0] : orders[1];
  const json& sell = orders[0]["venue"] == "okx" ? orders[0] : orders[1];
  EXPECT_EQ(buy["venue"], "binance_a");
  EXPECT_EQ(buy["wire"]["side"], "BUY");
  EXPECT_EQ(buy["wire"]["price"], "30000.00");
  EXPECT_EQ(buy["wire"]["quantity"], "0.50000");
  EXPECT_EQ(buy["result"], "filled");
  EXPECT_EQ(sell["venue"], "okx");
  EXPECT_EQ(sell["wire"]["op"], "order");
  EXPECT_EQ(sell["wire"]["instId"], "BTC-USDT");
  EXPECT_EQ(sell["wire"]["side"], "sell");
  EXPECT_EQ(sell["wire"]["ordType"], "ioc");
  EXPECT_EQ(sell["wire"]["tdMode"], "cash");
  EXPECT_EQ(sell["wire"]["px"], "30200.00") << "rendered at the symbol's tick decimals";
  EXPECT_EQ(sell["wire"]["sz"], "0.50000") << "rendered at the symbol's lot decimals";
  EXPECT_EQ(sell["wire"]["clOrdId"], sell["wire"]["id"]);
  EXPECT_EQ(sell["result"], "filled");
  EXPECT_EQ(sell["accFillSz"], "0.5");

  ASSERT_NO_FATAL_FAILURE(ExpectBalancesEqualTheSimulator({"binance_a", "okx"}));
  const json st = Status();
  const json accounts = SimAccounts();
  EXPECT_EQ(Amt(accounts["okx"]["BTC"]), Amt("1.5"));
  EXPECT_EQ(Amt(accounts["okx"]["USDT"]), Amt("115084.9"));  // +15100 − 15.1 commission
  EXPECT_EQ(Amt(accounts["binance_a"]["BTC"]), Amt("2.4995"));
  EXPECT_EQ(st["counters"]["orders_sent"], 2);
  EXPECT_EQ(st["counters"]["legs_unbalanced"], 0);
  EXPECT_EQ(Okx()["order_rejects"], 0);
  EXPECT_EQ(Okx()["order_parse_errors"], 0);
}

// An IOC that walks two ask levels fills twice (two orders pushes, the accumulated fee growing);
// the balances still agree with the simulator to the last unit.
TEST_F(OkxLoopback, IocWalkingTwoLevelsFillsTwiceAndBalancesStayExact) {
  Start();
  SetBook("binance_a", json::array({{"29999.00", "1"}}), json::array({{"30000.00", "1"}}));
  SetBook("okx", json::array({{"29999.50", "1"}}), json::array({{"30000.50", "1"}}));
  StartEngine();
  // OKX's asks drop far below Binance's bid: buy on OKX (two levels), sell on Binance.
  SetBook("okx", json::array({{"29700.00", "1"}}), json::array({{"29800.00", "0.12345"}, {"29800.50", "0.2"}}));
  ASSERT_TRUE(WaitFor([&] { return EngineCount("fill_reports") >= 3; }, 20s)) << Status().dump();
  ASSERT_NO_FATAL_FAILURE(SetBookAndSettle("okx", json::array({{"29700.00", "1"}}), json::array({{"30400.00", "1"}})));
  ExpectBalancesEqualTheSimulator({"binance_a", "okx"});
  const json st = Status();
  int okx_orders = 0;
  for (const json& o : OrderLog()) {
    if (o["venue"] != "okx") continue;
    ++okx_orders;
    EXPECT_EQ(o["wire"]["side"], "buy");
    EXPECT_EQ(o["wire"]["ordType"], "ioc");
    EXPECT_EQ(o["result"], "filled");
    EXPECT_EQ(o["accFillSz"], "0.32345");
  }
  EXPECT_EQ(okx_orders, 1) << testing::ReadFileOrDie(dir_.File("sim-orders.jsonl"));
  EXPECT_EQ(st["counters"]["fill_reports"], 3) << "two on OKX, one on Binance";
  EXPECT_EQ(st["counters"]["unknown_reports"], 0);
  EXPECT_EQ(st["counters"]["legs_unbalanced"], 0);
}

// Scripted faults through the control socket on a quiet (paused) market, each counted exactly
// once, each followed by recovery: a dropped update (gap), a wrong checksum, a crossing level,
// a stalled stream that resumes (gap), and a disconnect.
TEST_F(OkxLoopback, ControlSocketFaultsAreCountedAndTheBookRecovers) {
  Start();
  SetBook("binance_a", json::array({{"29999.00", "1"}}), json::array({{"30000.00", "1"}}));
  NudgeOkx();
  StartEngine();
  const int resyncs0 = OkxCount("resyncs");

  // A dropped update: the next one's prevSeqId does not chain.
  int tops = OkxTops();
  Fault({{"drop", 1}});
  NudgeOkx();  // dropped
  NudgeOkx();  // gap
  ASSERT_TRUE(WaitFor([&] { return OkxCount("gaps") == 1; }, 10s)) << Okx().dump();
  ASSERT_TRUE(WaitFor([&] { return RecoveredSince(tops); }, 10s)) << Okx().dump();

  tops = OkxTops();
  Fault({{"corrupt_checksum", 1}});
  NudgeOkx();
  ASSERT_TRUE(WaitFor([&] { return OkxCount("checksum_failures") == 1; }, 10s)) << Okx().dump();
  ASSERT_TRUE(WaitFor([&] { return RecoveredSince(tops); }, 10s)) << Okx().dump();

  tops = OkxTops();
  Fault({{"cross", 1}});
  NudgeOkx();
  ASSERT_TRUE(WaitFor([&] { return OkxCount("crossed_books") == 1; }, 10s)) << Okx().dump();
  ASSERT_TRUE(WaitFor([&] { return RecoveredSince(tops); }, 10s)) << Okx().dump();

  // A stall: nothing is sent (the change is lost), then the stream resumes with a gap.
  tops = OkxTops();
  Fault({{"stall", true}});
  NudgeOkx();
  Fault({{"stall", false}});
  NudgeOkx();
  ASSERT_TRUE(WaitFor([&] { return OkxCount("gaps") == 2; }, 10s)) << Okx().dump();
  ASSERT_TRUE(WaitFor([&] { return RecoveredSince(tops); }, 10s)) << Okx().dump();
  EXPECT_EQ(OkxCount("resyncs") - resyncs0, 4) << "one resubscribe per failure";
  EXPECT_EQ(OkxCount("checksum_failures"), 1);
  EXPECT_EQ(OkxCount("crossed_books"), 1);

  // A disconnect: both sessions reconnect, log in again, and the book resyncs by itself.
  Fault({{"disconnect", true}});
  ASSERT_TRUE(WaitFor([&] { return OkxCount("disconnects") >= 1; }, 10s)) << Okx().dump();
  ASSERT_TRUE(WaitFor([&] { return Ready(); }, 20s)) << Status().dump();
  // And the book follows the venue again.
  SetBook("okx", json::array({{"29990.00", "1"}}), json::array({{"30009.00", "1"}}));
  ASSERT_TRUE(WaitFor([&] { return Okx()["books"][0]["bid"] == "29990"; }, 10s)) << Okx().dump();
  EXPECT_EQ(OkxCount("parse_errors"), 0);
  EXPECT_EQ(SimOrders(), 0u);

  testing::CoreInputSummary sum;
  ASSERT_NO_FATAL_FAILURE(StopEngineAndCheckJournal(&sum));
  EXPECT_EQ(sum.statuses[kOkx][FeedState::kGap], 2);
  EXPECT_EQ(sum.statuses[kOkx][FeedState::kChecksumFailed], 1);
  EXPECT_EQ(sum.statuses[kOkx][FeedState::kCrossed], 1);
  EXPECT_GE(sum.tops_after_failure[kOkx], 4u);
}

// Periodic faults from the simulator's --fault-* flags on a moving market: the engine counts
// every kind, resubscribes, the books come back by themselves, and no top ever leaks from a
// failed book. Binance, untouched, sees no failure.
TEST_F(OkxLoopback, PeriodicFaultFlagsAreCountedResyncedAndNoTopLeaksFromAFailedBook) {
  Options o;
  o.paused = false;
  o.dislocation_every_ms = 400;
  o.sim_args = {"--fault-venue", "okx", "--fault-drop-every-ms", "700", "--fault-corrupt-every-ms", "1100",
                "--fault-cross-every-ms", "1900"};
  Start(o);
  StartEngine();
  ASSERT_TRUE(WaitFor(
      [&] {
        const json v = Okx();
        return v.value("gaps", 0) >= 3 && v.value("checksum_failures", 0) >= 2 && v.value("crossed_books", 0) >= 1 &&
               v.value("resyncs", 0) >= 6;
      },
      60s))
      << Status().dump();
  ASSERT_TRUE(WaitFor([&] { return Ready(); }, 30s)) << Status().dump();
  const json v = Okx();
  EXPECT_EQ(v["parse_errors"], 0);
  EXPECT_GT(v["md_messages"].get<int>(), 100);
  testing::CoreInputSummary sum;
  ASSERT_NO_FATAL_FAILURE(StopEngineAndCheckJournal(&sum));
  EXPECT_GE(sum.statuses[kOkx][FeedState::kGap], 3);
  EXPECT_GE(sum.statuses[kOkx][FeedState::kChecksumFailed], 2);
  EXPECT_GE(sum.statuses[kOkx][FeedState::kCrossed], 1);
  EXPECT_GT(sum.tops_after_failure[kOkx], 10u) << "okx kept publishing after recovering";
  EXPECT_EQ(sum.statuses[kBinance][FeedState::kGap], 0) << "faults were injected on okx only";
}

// Malformed frames on the public connection are counted and dropped; the book stands and a good
// update afterwards still applies. The text keep-alive ("ping" → "pong") keeps a quiet
// connection alive (pongs are frames too: they count as market-data messages).
TEST_F(OkxLoopback, MalformedFramesAreDroppedAndQuietConnectionsStayAlive) {
  Start();
  SetBook("binance_a", json::array({{"29999.00", "1"}}), json::array({{"30000.00", "1"}}));
  NudgeOkx();
  StartEngine();
  const json before = Okx();
  const std::vector<json> bad = {
      {{"text", R"({"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[["abc","1","0","1"]],"bids":[],"checksum":1,"prevSeqId":1,"seqId":2}]})"}},
      {{"text", R"({"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[],"bids":[]}]})"}},
      {{"text", R"({"arg":{"channel":"books","instId":"BTC-U)"}},
      {{"hex", "00ff13377f80c0ffee0a0d00"}},
  };
  ASSERT_NO_FATAL_FAILURE(SendRaw("okx", bad));
  ASSERT_TRUE(WaitFor([&] { return OkxCount("parse_errors") == 4; }, 10s)) << Okx().dump();
  const json after = Okx();
  EXPECT_EQ(after["books"][0]["bid"], before["books"][0]["bid"]);
  EXPECT_EQ(after["books"][0]["usable"], true);
  EXPECT_EQ(after["gaps"], 0);
  NudgeOkx();
  ASSERT_TRUE(WaitFor([&] { return Okx()["books"][0]["updates"] > before["books"][0]["updates"]; }, 10s)) << Okx().dump();

  // Quiet market: idle_timeout_ms = 1500 makes the feed ping after 1 s of silence.
  const int md0 = OkxCount("md_messages");
  json quiet;
  ASSERT_TRUE(WaitFor(
      [&] {
        quiet = Okx();
        return quiet["md_messages"].get<int>() - md0 >= 2;
      },
      10s))
      << "pongs arrived\n"
      << quiet.dump();
  EXPECT_EQ(quiet["disconnects"], 0);
  EXPECT_EQ(quiet["unknown_messages"], 0);
  EXPECT_TRUE(engine_->Running());
}

// depth = 50 selects the 50-level tick-by-tick channel (books50-l2-tbt): same format, same
// sync and checksum rules, a 50-level window.
TEST_F(OkxLoopback, Depth50UsesTheBooks50Channel) {
  Options o;
  o.okx_depth = 50;
  Start(o);
  SetBook("binance_a", json::array({{"29999.00", "1"}}), json::array({{"30000.00", "1"}}));
  NudgeOkx();
  StartEngine();
  const int tops = OkxTops();
  Fault({{"corrupt_checksum", 1}});
  NudgeOkx();
  ASSERT_TRUE(WaitFor([&] { return OkxCount("checksum_failures") == 1; }, 10s)) << Okx().dump();
  ASSERT_TRUE(WaitFor([&] { return RecoveredSince(tops); }, 10s)) << Okx().dump();
  SetBook("okx", json::array({{"29990.00", "1"}}), json::array({{"30009.00", "1"}}));
  ASSERT_TRUE(WaitFor([&] { return Okx()["books"][0]["bid"] == "29990"; }, 10s)) << Okx().dump();
  EXPECT_TRUE(WaitFor(
      [&] { return testing::ReadFileOrDie(dir_.File("engine.log")).find("books50-l2-tbt") != std::string::npos; }, 10s));
}

// A wrong passphrase: the simulator refuses the login, the engine says so (naming no secret),
// never counts the order session as connected, and market data still flows.
TEST_F(OkxLoopback, RefusedLoginKeepsOrderEntryDown) {
  Options o;
  o.okx_passphrase = "not-the-passphrase";
  Start(o);
  SetBook("binance_a", json::array({{"29999.00", "1"}}), json::array({{"30000.00", "1"}}));
  NudgeOkx();
  StartEngine(/*wait_ready=*/false);
  ASSERT_TRUE(WaitFor([&] { return OkxBookUsable(); }, 20s)) << Status().dump();
  // The venue's refusal (60024) is logged; order entry is down after it, not merely not up yet.
  ASSERT_TRUE(WaitFor([&] { return testing::ReadFileOrDie(dir_.File("engine.log")).find("60024") != std::string::npos; },
                      10s))
      << testing::ReadFileOrDie(dir_.File("engine.log"));
  EXPECT_EQ(Okx()["orders_connected"], false);
}

}  // namespace
}  // namespace hs
