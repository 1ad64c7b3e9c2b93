// Kraken through the live path: the real homeostat and homeostat-sim binaries on loopback with
// a generated config (free ports, temp paths). The simulator serves Kraken's v2 book channel and
// injects faults (periodic --fault-* flags, or one at a time through its control socket); the
// engine must count each one (status JSON per venue), resync by itself (unsubscribe +
// subscribe, or reconnect), and — read back from its journal after it stops — the core must
// never have received a BookTop from a book that had failed validation.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "core/control/admin_server.h"
#include "tests/support/journal_check.h"
#include "tests/support/test_support.h"

namespace hs {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using testing::Process;
using testing::TempDir;
using testing::WaitFor;

struct Options {
  int depth = 0;  // 0 = Kraken's default (10)
  int64_t idle_timeout_ms = 5000;
  std::string trading = "false";
  std::vector<std::string> sim_args;  // e.g. periodic fault flags
};

class KrakenLoopback : public ::testing::Test {
 protected:
  void Start(const Options& o = {}, bool paused = true) {
    port_ = testing::FreePort();
    config_ = dir_.File("kraken.toml");
    testing::WriteFileOrDie(config_, ConfigText(o));
    std::vector<std::string> args = {"--config", config_, "--control", dir_.File("sim.sock")};
    if (paused) args.push_back("--paused");
    args.insert(args.end(), o.sim_args.begin(), o.sim_args.end());
    sim_ = std::make_unique<Process>(std::string(HS_BIN_DIR) + "/homeostat-sim", args, env_, dir_.File("sim.out"));
    ASSERT_TRUE(WaitFor([&] { return SimCmd({{"cmd", "stats"}}).value("ok", false); }, 20s)) << sim_->Output();
  }

  void StartEngine() {
    engine_ =
        std::make_unique<Process>(std::string(HS_BIN_DIR) + "/homeostat",
                                  std::vector<std::string>{"run", "--config", config_}, env_, dir_.File("engine.out"));
    ASSERT_TRUE(WaitFor([&] { return Ready(); }, 30s)) << engine_->Output() << "\nstatus: " << Status().dump();
  }

  std::string ConfigText(const Options& o) {
    std::string c = R"(assets = ["BTC", "ETH", "USDT"]
[engine]
name = "kraken-loopback"
[admin]
socket = "@DIR@/admin.sock"
[journal]
path = "@DIR@/journal.hsj"
[log]
path = "@DIR@/engine.log"
[strategy]
min_edge = "0.0005"
max_leg_notional = "1000"
cooldown_ms = 100
[risk]
max_order_notional = "1000"
max_order_qty = "1"
[[instruments]]
name = "BTC/USDT"
base = "BTC"
quote = "USDT"
tick = "0.01"
lot = "0.00001"
min_notional = "5"
[[instruments]]
name = "ETH/USDT"
base = "ETH"
quote = "USDT"
tick = "0.01"
lot = "0.0001"
min_notional = "5"
[[venues]]
name = "kraken"
kind = "kraken"
market_data_url = "ws://127.0.0.1:@PORT@"
trading = @TRADING@
depth = @DEPTH@
idle_timeout_ms = @IDLE@
reconnect_min_ms = 50
reconnect_max_ms = 500
taker_fee = "0.0026"
symbols = { "BTC/USDT" = "BTC/USDT", "ETH/USDT" = "ETH/USDT" }
[sim]
seed = 17
tick_interval_ms = 20
levels = 40
dislocation_every_ms = 0
[sim.prices]
"BTC/USDT" = "30000"
"ETH/USDT" = "2000"
[sim.accounts.kraken]
taker_fee = "0.0026"
)";
    if (o.trading == "true")
      c.replace(c.find("trading = @TRADING@"), 19,
                "trading = true\norder_url = \"ws://127.0.0.1:@PORT@\"\napi_key_env = "
                "\"HS_KRAKEN_KEY\"\napi_secret_env = \"HS_KRAKEN_SECRET\"");
    auto sub = [&](const std::string& k, const std::string& v) {
      for (size_t at; (at = c.find(k)) != std::string::npos;) c.replace(at, k.size(), v);
    };
    sub("@DIR@", dir_.path());
    sub("@PORT@", std::to_string(port_));
    sub("@TRADING@", o.trading);
    sub("@DEPTH@", std::to_string(o.depth));
    sub("@IDLE@", std::to_string(o.idle_timeout_ms));
    return c;
  }

  json SimCmd(const json& cmd) {
    std::string reply;
    if (!control::AdminRequest(dir_.File("sim.sock"), cmd.dump(), &reply, 5000).ok()) return json::object();
    return json::parse(reply, nullptr, false);
  }
  json Status() {
    std::string reply;
    if (!control::AdminRequest(dir_.File("admin.sock"), R"({"cmd":"status"})", &reply, 5000).ok())
      return json::object();
    return json::parse(reply, nullptr, false);
  }
  json Kraken() {
    const json s = Status();
    if (!s.value("ok", false)) return json::object();
    for (const auto& v : s["venues"])
      if (v["name"] == "kraken") return v;
    return json::object();
  }
  uint64_t Counter(const char* name) { return Kraken().value(name, uint64_t{0}); }
  // Connected and every book usable (market data only: no order session, no balances).
  bool Ready() {
    const json k = Kraken();
    if (!k.value("connected", false) || !k.contains("books")) return false;
    for (const auto& b : k["books"])
      if (!b.value("usable", false)) return false;
    return true;
  }
  void SetBook(const std::string& inst, const json& bids, const json& asks) {
    const json r =
        SimCmd({{"cmd", "set_book"}, {"venue", "kraken"}, {"instrument", inst}, {"bids", bids}, {"asks", asks}});
    ASSERT_TRUE(r.value("ok", false)) << r.dump();
  }
  int StopEngine() { return engine_ ? engine_->Stop(SIGTERM, 20s) : 0; }

  // What the core received, from the journal: no BookTop from a book after it failed.
  testing::CoreInputSummary CheckJournal() {
    EXPECT_EQ(StopEngine(), 0) << engine_->Output();
    testing::CoreInputSummary sum = testing::SummarizeCoreInputs(dir_.File("journal.hsj"));
    EXPECT_TRUE(sum.ok) << sum.error;
    EXPECT_TRUE(sum.tops_while_unusable.empty())
        << "first offending journal record: "
        << (sum.tops_while_unusable.empty() ? 0 : sum.tops_while_unusable.front());
    return sum;
  }

  void TearDown() override {
    if (engine_) engine_->Stop(SIGTERM, 10s);
    if (sim_) sim_->Stop(SIGTERM, 10s);
  }

  TempDir dir_;
  int port_ = 0;
  std::string config_;
  std::map<std::string, std::string> env_;
  std::unique_ptr<Process> sim_, engine_;
};

TEST_F(KrakenLoopback, BooksSyncAndFollowTheSimulatorExactly) {
  Start();
  SetBook("BTC/USDT", json::array({{"29999.50", "0.25"}, {"29999.00", "1.5"}}), json::array({{"30000.50", "0.125"}}));
  StartEngine();
  ASSERT_TRUE(WaitFor([&] { return Kraken()["books"][0]["bid"] == "29999.5"; }, 10s)) << Kraken().dump();
  json k = Kraken();
  EXPECT_EQ(k["books"][0]["bid_qty"], "0.25");
  EXPECT_EQ(k["books"][0]["ask"], "30000.5");
  EXPECT_EQ(k["books"][0]["ask_qty"], "0.125");
  EXPECT_EQ(k["orders_connected"], false) << "market data only";
  // A change in the simulator arrives as a checksummed update and applies.
  SetBook("BTC/USDT", json::array({{"29999.75", "2"}, {"29999.50", "0.25"}}), json::array({{"30000.25", "0.5"}}));
  ASSERT_TRUE(WaitFor([&] { return Kraken()["books"][0]["bid"] == "29999.75"; }, 10s)) << Kraken().dump();
  k = Kraken();
  EXPECT_EQ(k["books"][0]["ask"], "30000.25");
  EXPECT_EQ(k["books"][0]["usable"], true);
  EXPECT_EQ(k["checksum_failures"], 0);
  EXPECT_EQ(k["resyncs"], 0);
  EXPECT_EQ(k["parse_errors"], 0);
  EXPECT_EQ(k["books"][1]["usable"], true) << "both symbols subscribed in one request";
  testing::CoreInputSummary sum = CheckJournal();
  EXPECT_GE(sum.tops[0], 2u);
}

// Periodic faults from the simulator's flags: corrupted checksums, crossing levels, dropped
// updates (a checksum mismatch on the next one). Each is counted; each book resyncs by itself.
TEST_F(KrakenLoopback, PeriodicFaultsAreCountedResyncedAndNoTopLeaksFromAFailedBook) {
  Options o;
  o.depth = 25;
  o.sim_args = {"--fault-venue",          "kraken", "--fault-corrupt-every-ms", "600",
                "--fault-cross-every-ms", "1500",   "--fault-drop-every-ms",    "2100"};
  Start(o, /*paused=*/false);
  StartEngine();
  ASSERT_TRUE(WaitFor(
      [&] {
        const json k = Kraken();
        return k.value("checksum_failures", 0) >= 4 && k.value("crossed_books", 0) >= 2 && k.value("resyncs", 0) >= 6;
      },
      45s))
      << Kraken().dump();
  ASSERT_TRUE(WaitFor([&] { return Ready(); }, 20s)) << Kraken().dump();
  const json k = Kraken();
  EXPECT_EQ(k["resyncs"].get<int>(), k["checksum_failures"].get<int>() + k["crossed_books"].get<int>())
      << "one resync per failure";
  EXPECT_EQ(k["parse_errors"], 0);
  EXPECT_EQ(k["disconnects"], 0) << "resynced by unsubscribe + subscribe, not by reconnecting";
  testing::CoreInputSummary sum = CheckJournal();
  EXPECT_GE(sum.statuses[0][FeedState::kChecksumFailed], 4);
  EXPECT_GE(sum.statuses[0][FeedState::kCrossed], 2);
  EXPECT_GT(sum.tops_after_failure[0], 20u) << "the venue kept publishing after recovering";
}

// One fault at a time through the control socket: each shows up exactly once in the counters.
TEST_F(KrakenLoopback, ControlSocketFaultsDisconnectsAndGarbageAreCountedOneByOne) {
  Start({}, /*paused=*/false);
  StartEngine();
  const uint64_t cs0 = Counter("checksum_failures"), cr0 = Counter("crossed_books"), rs0 = Counter("resyncs");
  ASSERT_TRUE(SimCmd({{"cmd", "fault"}, {"venue", "kraken"}, {"corrupt_checksum", 1}}).value("ok", false));
  ASSERT_TRUE(WaitFor([&] { return Counter("checksum_failures") == cs0 + 1 && Counter("resyncs") == rs0 + 1; }, 10s))
      << Kraken().dump();
  ASSERT_TRUE(WaitFor([&] { return Ready(); }, 10s)) << Kraken().dump();

  ASSERT_TRUE(SimCmd({{"cmd", "fault"}, {"venue", "kraken"}, {"cross", 1}}).value("ok", false));
  ASSERT_TRUE(WaitFor([&] { return Counter("crossed_books") == cr0 + 1 && Counter("resyncs") == rs0 + 2; }, 10s))
      << Kraken().dump();
  ASSERT_TRUE(WaitFor([&] { return Ready(); }, 10s)) << Kraken().dump();

  // A disconnect: the books go unusable and come back after the reconnect resubscribes.
  const uint64_t dc0 = Counter("disconnects");
  ASSERT_EQ(SimCmd({{"cmd", "fault"}, {"venue", "kraken"}, {"disconnect", true}}).value("disconnected", 0), 1);
  ASSERT_TRUE(WaitFor([&] { return Counter("disconnects") == dc0 + 1; }, 10s)) << Kraken().dump();
  ASSERT_TRUE(WaitFor([&] { return Ready(); }, 15s)) << Kraken().dump();

  // Garbage is counted and dropped; the books stand.
  const uint64_t pe0 = Counter("parse_errors");
  for (
      json bad :
      {json{
           {"text",
            R"({"channel":"book","type":"update","data":[{"symbol":"BTC/USDT","bids":[{"price":"1","qty":1}],"asks":[],"checksum":1}]})"}},
       json{{"text", R"({"channel":"book","type":"update","data":[{"symbol":"BTC/USDT","bids":[{"price":1)"}},
       json{{"hex", "00ff13377f80c0ffee0a0d00"}}}) {
    bad["cmd"] = "raw";
    bad["venue"] = "kraken";
    ASSERT_EQ(SimCmd(bad).value("sent", 0), 1) << bad.dump();
  }
  ASSERT_TRUE(WaitFor([&] { return Counter("parse_errors") == pe0 + 3; }, 10s)) << Kraken().dump();
  EXPECT_TRUE(Ready());
  EXPECT_EQ(Counter("checksum_failures"), cs0 + 1);
  EXPECT_TRUE(engine_->Running());
  (void)CheckJournal();
}

// A stalled stream (nothing at all, heartbeats and pongs included) is noticed by the feed's
// watchdog after the idle timeout: it reconnects, resubscribes and the books come back.
TEST_F(KrakenLoopback, StalledStreamIsDetectedAndTheVenueRecovers) {
  Options o;
  o.idle_timeout_ms = 700;
  o.sim_args = {"--fault-venue", "kraken", "--fault-stall-every-ms", "3000", "--fault-stall-ms", "1500"};
  Start(o, /*paused=*/false);
  StartEngine();
  ASSERT_TRUE(WaitFor([&] { return Counter("disconnects") >= 2; }, 30s)) << Kraken().dump();
  ASSERT_TRUE(WaitFor([&] { return Ready(); }, 20s)) << Kraken().dump();
  testing::CoreInputSummary sum = CheckJournal();
  EXPECT_GE(sum.statuses[0][FeedState::kDisconnected], 2);
  EXPECT_GT(sum.tops_after_failure[0] + sum.tops[0], 20u);
}

TEST_F(KrakenLoopback, TradingTrueIsRefusedWithAClearError) {
  Options o;
  o.trading = "true";
  port_ = testing::FreePort();
  config_ = dir_.File("kraken.toml");
  testing::WriteFileOrDie(config_, ConfigText(o));
  std::string out;
  const int rc = testing::RunCommand(std::string(HS_BIN_DIR) + "/homeostat", {"run", "--config", config_}, &out,
                                     {{"HS_KRAKEN_KEY", "k"}, {"HS_KRAKEN_SECRET", "s"}});
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("venue kraken: Kraken order entry is not implemented; set trading = false"), std::string::npos)
      << out;
}

}  // namespace
}  // namespace hs
