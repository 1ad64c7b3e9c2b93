// Coinbase Advanced Trade through the live path: the real homeostat and homeostat-sim binaries,
// real sockets and websocket framing, a generated config with free ports and temp paths. The
// simulator injects faults (periodic --fault-* flags, or the control socket's "fault" command);
// the engine must count them, mark the books unusable at once, recover by itself, and the core
// must never receive a BookTop from a book that failed validation (checked in the journal).
// Market data only here (trading = false); order entry has its own suite (coinbase_orders_loopback_test).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/loopback.h"

namespace hs {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using testing::WaitFor;

struct Options {
  std::vector<std::string> sim_args;
  int64_t idle_timeout_ms = 30'000;
  int64_t dislocation_every_ms = 400;
  bool trading = false;
};

class CoinbaseLoopback : public testing::LoopbackFixture {
 protected:
  void Start(const Options& o, bool paused = false) {
    WriteConfig("coinbase.toml", ConfigText(o));
    StartSim(paused, o.sim_args, /*order_log=*/false);
  }

  static std::string ConfigText(const Options& o) {
    const std::string c = testing::EngineToml(R"("BTC", "ETH", "USDT")", "coinbase-loopback", "1000", "1", "") +
                          testing::kBtcUsdtInstrumentToml + testing::kEthUsdtInstrumentToml + R"([[venues]]
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
    return testing::Substitute(
        c, {{"@TRADING@", o.trading ? "trading = true\norder_url = \"ws://127.0.0.1:@PORT@/user\"\nrest_url = \"http://127.0.0.1:@PORT@\"\napi_key_env = "
                                      "\"HS_CB_KEY\"\napi_secret_env = \"HS_CB_SECRET\""
                                    : "trading = false"},
            {"@PORT@", std::to_string(testing::FreePort())},
            {"@IDLE@", std::to_string(o.idle_timeout_ms)},
            {"@DISLOC@", std::to_string(o.dislocation_every_ms)}});
  }

  json Venue() { return VenueStatus("coinbase"); }
  int Count(const char* counter) { return static_cast<int>(VenueCount("coinbase", counter, 0)); }
  // Market data only: connected and every book usable.
  bool Ready() override { return MarketDataReady("coinbase"); }

  void ExpectNoTopFromAFailedBook(int min_gaps, int min_crossed, bool integrity_failures = true) {
    testing::CoreInputSummary sum;
    ASSERT_NO_FATAL_FAILURE(StopEngineAndCheckJournal(&sum));
    EXPECT_GE(sum.statuses[0][FeedState::kGap], min_gaps);
    EXPECT_GE(sum.statuses[0][FeedState::kCrossed], min_crossed);
    if (integrity_failures) {
      EXPECT_GT(sum.tops_after_failure[0], 10u) << "the venue kept publishing after recovering";
    }
  }
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
  ASSERT_EQ(SimFault("coinbase", {{"disconnect", true}}).value("disconnected", 0), 1);
  ASSERT_TRUE(WaitFor([&] { return Count("disconnects") >= 1; }, 10s)) << Status().dump();
  ASSERT_TRUE(WaitFor([&] { return Ready(); }, 20s)) << Status().dump();
  // A stall: nothing at all arrives (heartbeats neither), while the socket still answers pings.
  ASSERT_TRUE(SimFault("coinbase", {{"stall", true}}).value("ok", false));
  ASSERT_TRUE(WaitFor(
      [&] {
        const json v = Venue();
        return v.contains("books") && !v["books"][0].value("usable", true) && v.value("disconnects", 0) >= 2;
      },
      15s))
      << Status().dump();
  ASSERT_TRUE(SimFault("coinbase", {{"stall", false}}).value("ok", false));
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
  ASSERT_NO_FATAL_FAILURE(SendRaw("coinbase", bad));
  ASSERT_TRUE(WaitFor([&] { return Count("parse_errors") == 4 && Count("unknown_messages") == 1; }, 10s)) << Status().dump();
  const json v = Venue();
  EXPECT_EQ(v["connected"], true);
  EXPECT_EQ(v["books"][0]["bid"], book_before["bid"]) << "the book stays at its last good state";
  EXPECT_EQ(v["books"][0]["ask"], book_before["ask"]);
  EXPECT_EQ(v["books"][0]["usable"], true);
  EXPECT_EQ(v.value("gaps", -1), 0) << "a dropped frame that was never an envelope of the stream is no gap";
  // The scripted book reaches the engine through the live stream.
  ASSERT_NO_FATAL_FAILURE(SetBook("coinbase", json::array({{"29990.00", "1"}}), json::array({{"29991.00", "2"}})));
  ASSERT_TRUE(WaitFor([&] { return Venue()["books"][0]["bid"] == "29990" && Venue()["books"][0]["ask"] == "29991"; }, 10s))
      << Status().dump();
  EXPECT_TRUE(engine_->Running());
}

TEST_F(CoinbaseLoopback, TradingWithAKeyThatIsNotPemIsRefusedAtStartupWithoutEchoingIt) {
  Options o;
  o.trading = true;
  Start(o, /*paused=*/true);
  std::string out;
  EXPECT_EQ(testing::RunCommand(testing::BinPath("homeostat"), {"run", "--config", config_}, &out,
                                {{"HS_CB_KEY", "organizations/o/apiKeys/k"}, {"HS_CB_SECRET", "not-a-pem-SECRETVALUE"}}),
            2)
      << out;
  EXPECT_NE(out.find("venue coinbase: HS_CB_SECRET: the ES256 private key is not PEM text"), std::string::npos) << out;
  EXPECT_EQ(out.find("SECRETVALUE"), std::string::npos) << "the key text never reaches the output";
}

}  // namespace
}  // namespace hs
