// Loopback integration: the real homeostat and homeostat-sim binaries, real sockets, real
// websocket framing, real io_uring journal. The simulator is scripted through its control
// socket; the engine is observed through its admin socket and its journal.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "core/journal/journal_dir.h"
#include "tests/support/loopback.h"
#include "tests/support/paths.h"

namespace hs {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using testing::BinPath;
using testing::TempDir;
using testing::WaitFor;

const std::string kSecretA = "SECRET-A-do-not-print-8c1f";
const std::string kSecretB = "SECRET-B-do-not-print-77d2";

struct Options {
  int64_t dislocation_every_ms = 0;  // 0 = only scripted dislocations
  std::string cooldown_ms = "100";
  int depth = 0;                     // > 0: Binance L2 mode (diff depth + REST snapshots)
  std::vector<std::string> sim_args; // e.g. periodic fault flags
};

class Loopback : public testing::LoopbackFixture {
 protected:
  void Start(const Options& o = {}, bool paused = true) {
    SetEnv({{"HS_LB_A_KEY", "key-a"}, {"HS_LB_A_SECRET", kSecretA}, {"HS_LB_B_KEY", "key-b"}, {"HS_LB_B_SECRET", kSecretB}},
           {kSecretA, kSecretB});
    WriteConfig("loopback.toml", ConfigText(o));
    StartSim(paused, o.sim_args, /*order_log=*/true);
  }

  static std::string ConfigText(const Options& o) {
    const std::vector<int> ports = testing::DistinctFreePorts(2);
    const std::string depth = "depth = " + std::to_string(o.depth) + "\n";
    const std::string c = testing::EngineToml(R"("BTC", "USDT")", "loopback", "100000", "10", o.cooldown_ms) +
                          testing::kBtcUsdtInstrumentToml +
                          testing::BinanceVenueToml("binance_a", "@PA@", "HS_LB_A_KEY", "HS_LB_A_SECRET", depth) +
                          testing::BinanceVenueToml("binance_b", "@PB@", "HS_LB_B_KEY", "HS_LB_B_SECRET", depth) +
                          R"([sim]
seed = 11
tick_interval_ms = 20
dislocation_every_ms = @DISLOC@
dislocation_bps = 60
dislocation_ms = 150
[sim.prices]
"BTC/USDT" = "30000"
)" + testing::SimAccountToml("binance_a") + testing::SimAccountToml("binance_b");
    return testing::Substitute(c, {{"@PA@", std::to_string(ports[0])},
                                   {"@PB@", std::to_string(ports[1])},
                                   {"@DISLOC@", std::to_string(o.dislocation_every_ms)}});
  }
};

TEST_F(Loopback, ScriptedDislocationSendsExactlyTheTwoExpectedLegsAndBalancesAgree) {
  Start();
  SetBook("binance_a", json::array({{"29999.00", "1"}}), json::array({{"30000.00", "1"}}));
  SetBook("binance_b", json::array({{"29999.50", "1"}}), json::array({{"30000.50", "1"}}));
  StartEngine();
  EXPECT_EQ(SimOrders(), 0u) << "no edge yet";
  // binance_b's bid jumps 200 USDT above binance_a's ask: 0.67% gross, beyond 0.2% fees + 0.05%.
  SetBook("binance_b", json::array({{"30200.00", "0.5"}}), json::array({{"30201.00", "1"}}));
  ASSERT_TRUE(WaitFor([&] { return EngineCount("fill_reports") >= 2; }, 20s)) << Status().dump();
  // A barrier instead of a quiet period: binance_b's book goes back to normal and the engine
  // takes that top in with nothing open, so whatever the post-fill books made it do is logged.
  ASSERT_NO_FATAL_FAILURE(
      SetBookAndSettle("binance_b", json::array({{"29999.50", "1"}}), json::array({{"30000.50", "1"}})));

  const std::vector<json> orders = OrderLog();
  ASSERT_EQ(orders.size(), 2u);
  const json& buy = orders[0]["venue"] == "binance_a" ? orders[0] : orders[1];
  const json& sell = orders[0]["venue"] == "binance_a" ? orders[1] : orders[0];
  EXPECT_EQ(buy["venue"], "binance_a");
  EXPECT_EQ(buy["wire"]["side"], "BUY");
  EXPECT_EQ(buy["wire"]["price"], "30000.00");
  EXPECT_EQ(buy["wire"]["quantity"], "0.50000");
  EXPECT_EQ(buy["wire"]["timeInForce"], "IOC");
  EXPECT_EQ(buy["result"], "filled");
  EXPECT_EQ(sell["venue"], "binance_b");
  EXPECT_EQ(sell["wire"]["side"], "SELL");
  EXPECT_EQ(sell["wire"]["price"], "30200.00");
  EXPECT_EQ(sell["wire"]["quantity"], "0.50000");
  EXPECT_EQ(sell["result"], "filled");
  // Every order-log record names its request and client id; the venue's own fields sit under wire.
  for (const json* o : {&buy, &sell}) {
    EXPECT_EQ((*o)["request"], "place") << o->dump();
    EXPECT_EQ((*o)["client_id"], (*o)["wire"]["newClientOrderId"]) << o->dump();
    EXPECT_EQ((*o)["client_id"].get<std::string>().rfind("hs", 0), 0u) << o->dump();
    EXPECT_GT((*o)["time_ns"].get<int64_t>(), int64_t{1'600'000'000} * 1'000'000'000) << "wall clock, ns";
  }

  // The engine's balances equal the simulator's accounts, exactly.
  ASSERT_NO_FATAL_FAILURE(ExpectBalancesEqualTheSimulator({"binance_a", "binance_b"}));
  const json st = Status();
  const json accounts = SimAccounts();
  EXPECT_EQ(Amt(accounts["binance_a"]["BTC"]), Amt("2.4995"));   // +0.5 − 0.0005 commission
  EXPECT_EQ(Amt(accounts["binance_a"]["USDT"]), Amt("85000"));
  EXPECT_EQ(Amt(accounts["binance_b"]["BTC"]), Amt("1.5"));
  EXPECT_EQ(Amt(accounts["binance_b"]["USDT"]), Amt("115084.9"));  // +15100 − 15.1 commission
  EXPECT_EQ(st["counters"]["orders_sent"], 2);
  EXPECT_EQ(st["counters"]["legs_unbalanced"], 0);

  // The journal validates: every CRC, consecutive sequence numbers; both intents are in it.
  ASSERT_EQ(StopEngine(), 0) << engine_->Output();
  std::string out;
  EXPECT_EQ(testing::RunCommand(BinPath("homeostat"), {"journal", "verify", dir_.File("journal")}, &out), 0)
      << out;
  EXPECT_NE(out.find("OK"), std::string::npos) << out;
  auto v = journal::ScanJournalDir(dir_.File("journal"));
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->ok) << v->damage;
  EXPECT_FALSE(v->torn_tail) << v->damage;
  EXPECT_EQ(v->counts[static_cast<int>(journal::RecordType::kIntent)], 2u);
  EXPECT_EQ(v->counts[static_cast<int>(journal::RecordType::kSessionStart)], 1u);
  EXPECT_EQ(v->counts[static_cast<int>(journal::RecordType::kSessionEnd)], 1u);
  EXPECT_GT(v->counts[static_cast<int>(journal::RecordType::kVenueMsg)], 10u);
}

TEST_F(Loopback, NoOrderReachesTheVenueAfterKillReturns) {
  Options o;
  o.dislocation_every_ms = 150;  // orders flowing when the kill lands
  o.cooldown_ms = "20";
  Start(o, /*paused=*/false);
  StartEngine();
  ASSERT_TRUE(WaitFor([&] { return SimOrders() >= 2; }, 60s)) << Status().dump();
  std::string out;
  ASSERT_EQ(testing::RunCommand(BinPath("homeostat"),
                                {"ctl", "kill", "--socket", dir_.File("admin.sock")}, &out),
            0)
      << out;
  EXPECT_NE(out.find("\"halted\":true"), std::string::npos) << out;
  // Both Binance sessions sent openOrders.cancelAll at once, without the core.
  EXPECT_NE(out.find("\"cancel_all_sent\":2"), std::string::npos) << out;
  ASSERT_TRUE(WaitFor(
      [&] {
        int cancel_alls = 0;
        for (const json& r : OrderLog(/*places_only=*/false)) cancel_alls += r["request"] == "cancel_all";
        return cancel_alls >= 2;  // one per venue and symbol
      },
      10s));
  // Orders sent before the kill may still be answered: wait until none is open.
  ASSERT_TRUE(WaitFor([&] { return EngineCount("orders_open") == 0; }, 20s)) << Status().dump();
  const uint64_t after_kill = SimOrders();
  const uint64_t opp_at_kill = Status()["counters"].value("opportunities", uint64_t{0});
  // Dislocations continue, scripted on top of the random ones.
  for (int k = 0; k < 8; ++k) {
    const std::string bid = std::to_string(30300 + k) + ".00";
    // The engine takes each dislocation in (and, were it not killed, would decide on it).
    ASSERT_NO_FATAL_FAILURE(
        SetBookAndSettle("binance_b", json::array({{bid, "0.5"}}), json::array({{std::to_string(30301 + k) + ".00", "1"}})));
  }
  EXPECT_EQ(SimOrders(), after_kill) << "an order reached the venue after the kill was acknowledged";
  const json st = Status();
  EXPECT_EQ(st["kill_switch"], true);
  EXPECT_EQ(st["state"], "HALTED");
  EXPECT_GT(st["counters"].value("opportunities", uint64_t{0}), opp_at_kill) << "the engine kept seeing the market";
}

TEST_F(Loopback, MalformedBookTickersAreCountedAndDroppedAndTheBookStands) {
  Start();
  SetBook("binance_a", json::array({{"29999.00", "1"}}), json::array({{"30000.00", "1"}}));
  SetBook("binance_b", json::array({{"29999.50", "1"}}), json::array({{"30000.50", "1"}}));
  StartEngine();
  const json before = Status();
  const json book_before = (*VenueOf(before, "binance_a"))["books"][0];
  const std::vector<json> bad = {
      {{"text", R"({"stream":"btcusdt@bookTicker","data":{"u":999999999,"s":"BTCUSDT","b":"1.00","B":"1","a":"2.00"}})"}},
      {{"text", R"({"stream":"btcusdt@bookTicker","data":{"u":999999999,"s":"BTCUSDT","b":"abc","B":"1","a":"2.00","A":"1"}})"}},
      {{"text", R"({"stream":"btcusdt@bookTicker","data":{"u":999999999,"s":"BTCU)"}},
      {{"hex", "00ff13377f80c0ffee0a0d00"}},
  };
  ASSERT_NO_FATAL_FAILURE(SendRaw("binance_a", bad));
  ASSERT_TRUE(WaitFor([&] { return (*VenueOf(Status(), "binance_a"))["parse_errors"] == 4; }, 10s)) << Status().dump();
  const json after = Status();
  const json& va = *VenueOf(after, "binance_a");
  EXPECT_EQ(va["connected"], true);
  EXPECT_EQ(va["books"][0]["bid"], book_before["bid"]) << "the book stays at its last good state";
  EXPECT_EQ(va["books"][0]["ask"], book_before["ask"]);
  EXPECT_EQ(va["books"][0]["usable"], true);
  EXPECT_TRUE(engine_->Running());
  // And a good message afterwards still applies.
  ASSERT_NO_FATAL_FAILURE(SendRaw(
      "binance_a",
      {{{"text", R"({"stream":"btcusdt@bookTicker","data":{"u":999999999999,"s":"BTCUSDT","b":"29990.00","B":"1","a":"29991.00","A":"1"}})"}}}));
  ASSERT_TRUE(WaitFor([&] { return (*VenueOf(Status(), "binance_a"))["books"][0]["bid"] == "29990"; }, 10s))
      << Status().dump();
  EXPECT_EQ(SimOrders(), 0u);
}

// Binance L2 through the live path: the simulator drops depth messages (gaps) and sends crossing
// updates; the engine marks the book unusable at once, resyncs from REST by itself, and the core
// never receives a BookTop from a book that failed validation (checked in the journal).
TEST_F(Loopback, BinanceGapsAndCrossedBooksResyncAndNoTopLeaksFromAFailedBook) {
  Options o;
  o.depth = 50;
  o.dislocation_every_ms = 400;
  o.sim_args = {"--fault-venue", "binance_a", "--fault-drop-every-ms", "700", "--fault-cross-every-ms", "1900"};
  Start(o, /*paused=*/false);
  StartEngine();
  ASSERT_TRUE(WaitFor(
      [&] {
        const json s = Status();
        const json* a = VenueOf(s, "binance_a");
        return a && (*a)["gaps"].get<int>() >= 3 && (*a)["crossed_books"].get<int>() >= 1 &&
               (*a)["resyncs"].get<int>() >= 4;
      },
      60s))
      << Status().dump();
  // The books come back by themselves.
  ASSERT_TRUE(WaitFor([&] { return Ready(); }, 30s)) << Status().dump();
  testing::CoreInputSummary sum;
  ASSERT_NO_FATAL_FAILURE(StopEngineAndCheckJournal(&sum));
  EXPECT_GE(sum.statuses[0][FeedState::kGap], 3);
  EXPECT_GE(sum.statuses[0][FeedState::kCrossed], 1);
  EXPECT_GT(sum.tops_after_failure[0], 10u) << "binance_a kept publishing after recovering";
  EXPECT_EQ(sum.statuses[1][FeedState::kGap], 0) << "faults were injected on binance_a only";
}

TEST(LoopbackBinaries, MalformedConfigGetsAnErrorNamingTheField) {
  TempDir dir;
  std::string text = testing::ReadFileOrDie(std::string(HS_SOURCE_DIR) + "/configs/demo.toml");
  text.replace(text.find("taker_fee = \"0.001\""), 19, "taker_fee = \"0.001x\"");
  testing::WriteFileOrDie(dir.File("bad.toml"), text);
  std::string out;
  EXPECT_EQ(testing::RunCommand(BinPath("homeostat"), {"run", "--config", dir.File("bad.toml")}, &out), 2);
  EXPECT_NE(out.find("venues.binance.taker_fee"), std::string::npos) << out;
  EXPECT_EQ(testing::RunCommand(BinPath("homeostat-sim"), {"--config", dir.File("bad.toml")}, &out), 2);
  EXPECT_NE(out.find("venues.binance.taker_fee"), std::string::npos) << out;
  EXPECT_EQ(testing::RunCommand(BinPath("homeostat"), {"run", "--config", dir.File("missing.toml")}, &out), 2);
  EXPECT_NE(out.find("missing.toml"), std::string::npos) << out;
  // Bad command-line arguments are refused with a message, not a crash.
  EXPECT_NE(testing::RunCommand(BinPath("homeostat"), {"run", "--seconds", "-3"}, &out), 0);
  EXPECT_NE(testing::RunCommand(BinPath("homeostat"), {"ctl", "explode"}, &out), 0);
  EXPECT_NE(out.find("explode"), std::string::npos) << out;
  EXPECT_EQ(testing::RunCommand(BinPath("homeostat"), {"ctl", "status", "--socket", dir.File("none.sock")}, &out), 2);
  EXPECT_NE(out.find("is the engine running"), std::string::npos) << out;
  // A secret variable that is not set is named, never guessed at.
  EXPECT_EQ(testing::RunCommand(BinPath("homeostat"),
                                {"run", "--journal", dir.File("j.hsj"), "--socket", dir.File("a.sock"), "--log", dir.File("l.log")},
                                &out, {{"HS_DEMO_BINANCE_KEY", ""}}),
            2);
  EXPECT_NE(out.find("HS_DEMO_BINANCE_KEY"), std::string::npos) << out;
  // A damaged journal is named by record.
  testing::WriteFileOrDie(dir.File("j2.hsj"), "HSJOURN1 but not really");
  EXPECT_NE(testing::RunCommand(BinPath("homeostat"), {"journal", "verify", dir.File("j2.hsj")}, &out), 0);
}

}  // namespace
}  // namespace hs
