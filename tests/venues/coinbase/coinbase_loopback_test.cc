// Coinbase Advanced Trade through the live path: the real homeostat and homeostat-sim binaries,
// real sockets and websocket framing, a generated config with free ports and temp paths. The
// simulator injects faults (periodic --fault-* flags, or the control socket's "fault" command);
// the engine must count them, mark the books unusable at once, recover by itself, and the core
// must never receive a BookTop from a book that failed validation (checked in the journal).
// Coinbase is market-data only here (trading = false).
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
  std::vector<std::string> sim_args;
  int64_t idle_timeout_ms = 30'000;
  int64_t dislocation_every_ms = 400;
  bool trading = false;
};

class CoinbaseLoopback : public ::testing::Test {
 protected:
  void Start(const Options& o, bool paused = false) {
    port_ = testing::FreePort();
    config_ = dir_.File("coinbase.toml");
    testing::WriteFileOrDie(config_, ConfigText(o));
    std::vector<std::string> args = {"--config", config_, "--control", dir_.File("sim.sock")};
    if (paused) args.push_back("--paused");
    args.insert(args.end(), o.sim_args.begin(), o.sim_args.end());
    sim_ = std::make_unique<Process>(std::string(HS_BIN_DIR) + "/homeostat-sim", args, std::map<std::string, std::string>{},
                                     dir_.File("sim.out"));
    ASSERT_TRUE(WaitFor([&] { return SimCmd({{"cmd", "stats"}}).value("ok", false); }, 20s)) << sim_->Output();
  }

  void StartEngine() {
    engine_ = std::make_unique<Process>(std::string(HS_BIN_DIR) + "/homeostat",
                                        std::vector<std::string>{"run", "--config", config_},
                                        std::map<std::string, std::string>{}, dir_.File("engine.out"));
    ASSERT_TRUE(WaitFor([&] { return Ready(); }, 30s)) << engine_->Output() << "\nstatus: " << Status().dump();
  }

  std::string ConfigText(const Options& o) {
    std::string c = R"(assets = ["BTC", "ETH", "USDT"]
[engine]
name = "coinbase-loopback"
[admin]
socket = "@DIR@/admin.sock"
[journal]
path = "@DIR@/journal.hsj"
[log]
path = "@DIR@/engine.log"
[strategy]
min_edge = "0.0005"
max_leg_notional = "1000"
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
name = "coinbase"
kind = "coinbase"
market_data_url = "ws://127.0.0.1:@PORT@"
@TRADING@
taker_fee = "0.006"
idle_timeout_ms = @IDLE@
reconnect_min_ms = 100
reconnect_max_ms = 1000
symbols = { "BTC/USDT" = "BTC-USDT", "ETH/USDT" = "ETH-USDT" }
[sim]
seed = 5
tick_interval_ms = 20
dislocation_every_ms = @DISLOC@
dislocation_bps = 30
dislocation_ms = 150
[sim.prices]
"BTC/USDT" = "30000"
"ETH/USDT" = "2000"
[sim.accounts.coinbase]
taker_fee = "0.006"
balances = { BTC = "1", ETH = "10", USDT = "10000" }
)";
    auto sub = [&](const std::string& k, const std::string& v) {
      for (size_t at; (at = c.find(k)) != std::string::npos;) c.replace(at, k.size(), v);
    };
    sub("@DIR@", dir_.path());
    sub("@PORT@", std::to_string(port_));
    sub("@IDLE@", std::to_string(o.idle_timeout_ms));
    sub("@DISLOC@", std::to_string(o.dislocation_every_ms));
    sub("@TRADING@", o.trading ? "trading = true\norder_url = \"ws://127.0.0.1:" + std::to_string(port_) +
                                     "\"\napi_key_env = \"HS_CB_KEY\"\napi_secret_env = \"HS_CB_SECRET\""
                               : "trading = false");
    return c;
  }

  json SimCmd(const json& cmd) {
    std::string reply;
    if (!control::AdminRequest(dir_.File("sim.sock"), cmd.dump(), &reply, 5000).ok()) return json::object();
    return json::parse(reply, nullptr, false);
  }
  json Status() {
    std::string reply;
    if (!control::AdminRequest(dir_.File("admin.sock"), R"({"cmd":"status"})", &reply, 5000).ok()) return json::object();
    return json::parse(reply, nullptr, false);
  }
  json Venue() {
    const json s = Status();
    if (!s.value("ok", false) || s["venues"].empty()) return json::object();
    return s["venues"][0];
  }
  int Count(const char* counter) { return Venue().value(counter, 0); }
  // Market data only: connected and every book usable.
  bool Ready() {
    const json v = Venue();
    if (!v.value("connected", false) || !v.contains("books")) return false;
    for (const auto& b : v["books"])
      if (!b.value("usable", false)) return false;
    return true;
  }
  int StopEngine() { return engine_ ? engine_->Stop(SIGTERM, 20s) : 0; }

  void ExpectNoTopFromAFailedBook(int min_gaps, int min_crossed, bool integrity_failures = true) {
    ASSERT_EQ(StopEngine(), 0) << engine_->Output();
    testing::CoreInputSummary sum = testing::SummarizeCoreInputs(dir_.File("journal.hsj"));
    ASSERT_TRUE(sum.ok) << sum.error;
    EXPECT_TRUE(sum.tops_while_unusable.empty()) << "first offending journal record: " << sum.tops_while_unusable.front();
    EXPECT_GE(sum.statuses[0][FeedState::kGap], min_gaps);
    EXPECT_GE(sum.statuses[0][FeedState::kCrossed], min_crossed);
    if (integrity_failures) {
      EXPECT_GT(sum.tops_after_failure[0], 10u) << "the venue kept publishing after recovering";
    }
  }

  void TearDown() override {
    if (engine_) engine_->Stop(SIGTERM, 10s);
    if (sim_) sim_->Stop(SIGTERM, 10s);
  }

  TempDir dir_;
  int port_ = 0;
  std::string config_;
  std::unique_ptr<Process> sim_, engine_;
};

TEST_F(CoinbaseLoopback, GapsAndCrossedBooksResyncAndNoTopLeaksFromAFailedBook) {
  Options o;
  o.sim_args = {"--fault-venue", "coinbase", "--fault-drop-every-ms", "700", "--fault-cross-every-ms", "1900"};
  Start(o);
  StartEngine();
  ASSERT_TRUE(WaitFor(
      [&] {
        const json v = Venue();
        // A lost envelope invalidates both books of the connection: two gaps per drop.
        return v.value("gaps", 0) >= 6 && v.value("crossed_books", 0) >= 1 && v.value("resyncs", 0) >= 7;
      },
      45s))
      << Status().dump();
  const json v = Venue();
  EXPECT_EQ(v.value("disconnects", -1), 0) << "resync by resubscribing, not by reconnecting";
  EXPECT_EQ(v.value("parse_errors", -1), 0);
  // The books come back by themselves.
  ASSERT_TRUE(WaitFor([&] { return Ready(); }, 30s)) << Status().dump();
  ExpectNoTopFromAFailedBook(3, 1);
}

TEST_F(CoinbaseLoopback, DisconnectAndStallRecoverByThemselves) {
  Options o;
  o.idle_timeout_ms = 1500;  // the stale watchdog uses min(5 s, idle timeout)
  Start(o);
  StartEngine();
  // A disconnect: every book unusable at once, then a new connection with fresh snapshots.
  ASSERT_EQ(SimCmd({{"cmd", "fault"}, {"venue", "coinbase"}, {"disconnect", true}}).value("disconnected", 0), 1);
  ASSERT_TRUE(WaitFor([&] { return Count("disconnects") >= 1; }, 10s)) << Status().dump();
  ASSERT_TRUE(WaitFor([&] { return Ready(); }, 20s)) << Status().dump();
  // A stall: nothing at all arrives (heartbeats neither), while the socket still answers pings.
  ASSERT_TRUE(SimCmd({{"cmd", "fault"}, {"venue", "coinbase"}, {"stall", true}}).value("ok", false));
  ASSERT_TRUE(WaitFor(
      [&] {
        const json v = Venue();
        return v.contains("books") && !v["books"][0].value("usable", true) && v.value("disconnects", 0) >= 2;
      },
      15s))
      << Status().dump();
  ASSERT_TRUE(SimCmd({{"cmd", "fault"}, {"venue", "coinbase"}, {"stall", false}}).value("ok", false));
  ASSERT_TRUE(WaitFor([&] { return Ready(); }, 20s)) << Status().dump();
  // After the stall the market moves on and the books follow it.
  const json before = Venue()["books"][0];
  ASSERT_TRUE(WaitFor([&] { return Venue()["books"][0].value("updates", 0) > before.value("updates", 0) + 5; }, 10s))
      << Status().dump();
  ExpectNoTopFromAFailedBook(0, 0, /*integrity_failures=*/false);
}

TEST_F(CoinbaseLoopback, MalformedFramesAreCountedAndDroppedAndTheBookStands) {
  Options o;
  o.dislocation_every_ms = 0;
  Start(o, /*paused=*/true);
  StartEngine();
  const json book_before = Venue()["books"][0];
  const std::vector<json> bad = {
      {{"text", R"({"channel":"l2_data","sequence_num":999,"events":[{"type":"update","product_id":"BTC-USDT","updates":[{"side":"ask","price_level":"1.00","new_quantity":"1"}]}]})"}},
      {{"text", R"({"channel":"l2_data","sequence_num":999,"events":[{"type":"update","product_id":"BTC-USDT","updates":[{"side":"bid","price_level":"abc","new_quantity":"1"}]}]})"}},
      {{"text", R"({"channel":"l2_data","sequence_num":99)"}},
      {{"hex", "00ff13377f80c0ffee0a0d00"}},
      {{"text", R"({"hello":"world"})"}},
  };
  for (json b : bad) {
    b["cmd"] = "raw";
    b["venue"] = "coinbase";
    ASSERT_EQ(SimCmd(b).value("sent", 0), 1) << b.dump();
  }
  ASSERT_TRUE(WaitFor([&] { return Count("parse_errors") == 4 && Count("unknown_messages") == 1; }, 10s)) << Status().dump();
  const json v = Venue();
  EXPECT_EQ(v["connected"], true);
  EXPECT_EQ(v["books"][0]["bid"], book_before["bid"]) << "the book stays at its last good state";
  EXPECT_EQ(v["books"][0]["ask"], book_before["ask"]);
  EXPECT_EQ(v["books"][0]["usable"], true);
  EXPECT_EQ(v.value("gaps", -1), 0) << "a dropped frame that was never an envelope of the stream is no gap";
  // The scripted book reaches the engine through the live stream.
  ASSERT_TRUE(SimCmd({{"cmd", "set_book"},
                      {"venue", "coinbase"},
                      {"instrument", "BTC/USDT"},
                      {"bids", json::array({{"29990.00", "1"}})},
                      {"asks", json::array({{"29991.00", "2"}})}})
                  .value("ok", false));
  ASSERT_TRUE(WaitFor([&] { return Venue()["books"][0]["bid"] == "29990" && Venue()["books"][0]["ask"] == "29991"; }, 10s))
      << Status().dump();
  EXPECT_TRUE(engine_->Running());
}

TEST_F(CoinbaseLoopback, TradingTrueIsRefusedAtStartup) {
  Options o;
  o.trading = true;
  Start(o, /*paused=*/true);
  std::string out;
  EXPECT_EQ(testing::RunCommand(std::string(HS_BIN_DIR) + "/homeostat", {"run", "--config", config_}, &out,
                                {{"HS_CB_KEY", "k"}, {"HS_CB_SECRET", "s"}}),
            2)
      << out;
  EXPECT_NE(out.find("venue coinbase: Coinbase order entry is not implemented; set trading = false"), std::string::npos) << out;
}

}  // namespace
}  // namespace hs
