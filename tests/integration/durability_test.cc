// Durability end to end (DESIGN §8): the real engine and simulator on loopback.
//  - A real write failure (a file-size limit: the kernel refuses the journal's write) halts
//    trading through the journal breaker, latched; nothing more reaches the venue.
//  - A SIGKILL mid-run, then a restart on the same journal: the engine recovers, reconciles
//    with the venue and trades again; the journal verifies and replays identically across both
//    sessions; no client id reaches the simulator twice.
#include <signal.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "tests/support/loopback.h"

namespace hs {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using testing::BinPath;
using testing::WaitFor;

class Durability : public testing::LoopbackFixture {
 protected:
  void Start(int64_t dislocation_every_ms, bool paused = false) {
    SetEnv({{"HS_DU_A_KEY", "key-a"}, {"HS_DU_A_SECRET", "secret-a-7f"}, {"HS_DU_B_KEY", "key-b"},
            {"HS_DU_B_SECRET", "secret-b-9e"}},
           {"secret-a-7f", "secret-b-9e"});
    const std::vector<int> ports = testing::DistinctFreePorts(2);
    const std::string c =
        testing::EngineToml(R"("BTC", "USDT")", "durability", "100000", "10", "100") + testing::kBtcUsdtInstrumentToml +
        testing::BinanceVenueToml("binance_a", std::to_string(ports[0]), "HS_DU_A_KEY", "HS_DU_A_SECRET") +
        testing::BinanceVenueToml("binance_b", std::to_string(ports[1]), "HS_DU_B_KEY", "HS_DU_B_SECRET") +
        "[sim]\nseed = 5\ntick_interval_ms = 20\ndislocation_every_ms = " + std::to_string(dislocation_every_ms) +
        "\ndislocation_bps = 60\ndislocation_ms = 150\n[sim.prices]\n\"BTC/USDT\" = \"30000\"\n" +
        testing::SimAccountToml("binance_a") + testing::SimAccountToml("binance_b");
    WriteConfig("durability.toml", c);
    StartSim(paused, {}, /*order_log=*/true);
  }
  // binance_b's bid 200 above binance_a's ask: one arbitrage pair.
  void Cross() {
    SetBook("binance_a", json::array({{"29999.00", "1"}}), json::array({{"30000.00", "1"}}));
    SetBook("binance_b", json::array({{"30200.00", "0.5"}}), json::array({{"30201.00", "1"}}));
  }
  // SIGKILL, then `homeostat run` again on the same journal; waits (with a deadline) until it has
  // recovered, reconciled and reports phase "trading" with every venue ready, and returns that
  // status (empty when it never did: the caller's assertion says so).
  json KillAndRestart() {
    engine_->Stop(SIGKILL, 10s);
    engine_.reset();
    StartEngine(/*wait_ready=*/false);
    json st;
    const bool up = WaitFor(
        [&] {
          st = Status();
          return st.value("phase", "") == "trading" && Ready();
        },
        45s);
    EXPECT_TRUE(up) << st.dump() << engine_->Output();
    return up ? st : json{};
  }
  void Calm() {
    SetBook("binance_a", json::array({{"29999.00", "1"}}), json::array({{"30000.00", "1"}}));
    ASSERT_NO_FATAL_FAILURE(
        SetBookAndSettle("binance_b", json::array({{"29999.50", "1"}}), json::array({{"30000.50", "1"}})));
  }
};

TEST_F(Durability, AFileSizeLimitFailsTheJournalAndHaltsTradingLatched) {
  Start(/*dislocation_every_ms=*/0);
  // The kernel's own limit: the journal's segment may not grow past 256 KB. The engine ignores
  // SIGXFSZ, so the write fails with EFBIG (or short) instead of killing it.
  engine_ = std::make_unique<testing::Process>(
      "/usr/bin/prlimit", std::vector<std::string>{"--fsize=262144", "--", BinPath("homeostat"), "run", "--config", config_},
      engine_env_, dir_.File("engine.out"));
  ASSERT_TRUE(WaitFor([&] { return Status().value("ok", false); }, 30s)) << engine_->Output();
  ASSERT_TRUE(WaitFor([&] { return Status()["journal"].value("failed", false); }, 60s)) << Status().dump();
  json st;
  ASSERT_TRUE(WaitFor(
      [&] {
        st = Status();
        return st.value("state", "") == "HALTED";
      },
      10s))
      << st.dump();
  EXPECT_TRUE(engine_->Running()) << "a journal failure halts trading; it does not end the process";
  // Latched: resume does not clear it; reset of the journal breaker is refused.
  std::string out;
  testing::RunCommand(BinPath("homeostat"), {"ctl", "--socket", dir_.File("admin.sock"), "resume"}, &out);
  st = Status();
  EXPECT_EQ(st.value("state", ""), "HALTED") << st.dump();
  // Nothing reaches the venue any more, whatever the market does.
  const uint64_t before = SimOrders();
  SetBook("binance_a", json::array({{"29999.00", "1"}}), json::array({{"30000.00", "1"}}));
  SetBook("binance_b", json::array({{"30200.00", "0.5"}}), json::array({{"30201.00", "1"}}));
  const int64_t tops = EngineCount("book_tops");
  ASSERT_TRUE(WaitFor([&] { return EngineCount("book_tops") > tops + 20; }, 20s));
  EXPECT_EQ(SimOrders(), before) << "an order left after the journal failed";
  // It stops on request, and its log names the failure.
  engine_->Stop(SIGTERM, 20s);
  const std::string log = testing::ReadFileOrDie(dir_.File("engine.log"));
  EXPECT_NE(log.find("journal failed: "), std::string::npos) << log.substr(log.size() > 4000 ? log.size() - 4000 : 0);
}

TEST_F(Durability, AKilledEngineRecoversReconcilesAndItsJournalReplays) {
  Start(/*dislocation_every_ms=*/0, /*paused=*/true);
  SetBook("binance_a", json::array({{"29999.00", "1"}}), json::array({{"30000.00", "1"}}));
  SetBook("binance_b", json::array({{"29999.50", "1"}}), json::array({{"30000.50", "1"}}));
  StartEngine();
  Cross();
  ASSERT_TRUE(WaitFor([&] { return EngineCount("fill_reports") >= 2; }, 20s)) << Status().dump();
  ASSERT_NO_FATAL_FAILURE(Calm());
  ASSERT_TRUE(WaitFor([&] { return Status()["journal"].value("durable_seq", uint64_t{0}) > 0; }, 10s));
  const uint64_t durable = Status()["journal"].value("durable_seq", uint64_t{0});
  // The same journal: recovery, then reconciliation, then trading.
  const json st = KillAndRestart();
  ASSERT_FALSE(st.empty());
  EXPECT_TRUE(st["recovery"].value("resumed", false));
  EXPECT_GE(st["recovery"].value("records", uint64_t{0}), durable) << "everything durable was recovered";
  EXPECT_EQ(st["recovery"].value("reconcile_timeouts", 1), 0);
  EXPECT_EQ(st["journal"].value("session", 0), 2);
  EXPECT_GT(st["journal"].value("first_seq", uint64_t{0}), durable);
  // It trades again, with new client ids.
  const uint64_t orders_then = SimOrders();
  const int64_t fills_then = EngineCount("fill_reports");
  Cross();
  ASSERT_TRUE(WaitFor([&] { return SimOrders() >= orders_then + 2 && EngineCount("fill_reports") >= fills_then + 2; }, 20s))
      << Status().dump();
  ASSERT_NO_FATAL_FAILURE(Calm());
  ExpectBalancesEqualTheSimulator({"binance_a", "binance_b"});
  ASSERT_EQ(StopEngine(), 0) << engine_->Output();
  std::set<std::string> ids;
  for (const json& o : OrderLog()) {
    const std::string id = o.value("client_id", o.value("clientOrderId", o.dump()));
    EXPECT_TRUE(ids.insert(id).second) << "client id sent twice: " << id;
  }
  std::string out;
  EXPECT_EQ(testing::RunCommand(BinPath("homeostat"), {"journal", "verify", "--strict", dir_.File("journal")}, &out), 0)
      << out;
  EXPECT_EQ(testing::RunCommand(BinPath("homeostat"), {"replay", "--journal", dir_.File("journal")}, &out, {}, 120s), 0)
      << out;
  EXPECT_NE(out.find(" records, identical\n"), std::string::npos) << out;
  EXPECT_NE(out.find("2 sessions"), std::string::npos) << out;
}

// A latched kill survives a restart: the engine recovers and reconciles (phase "trading") but
// stays HALTED, sends nothing on a crossed market, and trades only after a global resume.
TEST_F(Durability, ALatchedKillSurvivesARestart) {
  Start(/*dislocation_every_ms=*/0, /*paused=*/true);
  SetBook("binance_a", json::array({{"29999.00", "1"}}), json::array({{"30000.00", "1"}}));
  SetBook("binance_b", json::array({{"29999.50", "1"}}), json::array({{"30000.50", "1"}}));
  StartEngine();
  std::string out;
  ASSERT_EQ(testing::RunCommand(BinPath("homeostat"), {"ctl", "--socket", dir_.File("admin.sock"), "kill"}, &out), 0)
      << out;
  ASSERT_TRUE(WaitFor([&] { return Status().value("kill_latched_in_core", false); }, 10s)) << Status().dump();
  ASSERT_TRUE(WaitFor([&] { return Status()["journal"].value("durable_seq", uint64_t{0}) >=
                                   Status()["journal"].value("records", uint64_t{0}); }, 10s));
  const json st = KillAndRestart();
  ASSERT_FALSE(st.empty());
  EXPECT_EQ(st.value("state", ""), "HALTED") << st.dump();
  EXPECT_TRUE(st.value("kill_latched_in_core", false)) << st.dump();
  const uint64_t before = SimOrders();
  Cross();
  const int64_t tops = EngineCount("book_tops");
  ASSERT_TRUE(WaitFor([&] { return EngineCount("book_tops") >= tops + 2; }, 10s));
  ASSERT_NO_FATAL_FAILURE(Calm());
  EXPECT_EQ(SimOrders(), before) << "an order left while the recovered kill latch held";
  ASSERT_EQ(testing::RunCommand(BinPath("homeostat"), {"ctl", "--socket", dir_.File("admin.sock"), "resume"}, &out), 0)
      << out;
  ASSERT_TRUE(WaitFor([&] { return Status().value("state", "") == "ACTIVE"; }, 10s)) << Status().dump();
  Cross();
  ASSERT_TRUE(WaitFor([&] { return SimOrders() >= before + 2; }, 20s)) << Status().dump();
  ASSERT_NO_FATAL_FAILURE(Calm());
  ASSERT_EQ(StopEngine(), 0);
}

}  // namespace
}  // namespace hs
