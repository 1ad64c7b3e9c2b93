// Allocation end to end: the real engine and simulator on loopback, two Binance-format venues,
// holdings away from the targets. The rebalancer trades them into their bands on timer inputs,
// marks its orders as rebalance orders, and they are journaled as such.
#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "core/journal/journal_dir.h"
#include "tests/support/loopback.h"

namespace hs {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using testing::WaitFor;

const std::string kSecretA = "SECRET-ALLOC-A-do-not-print-0b61";
const std::string kSecretB = "SECRET-ALLOC-B-do-not-print-93fe";

class AllocationLoopback : public testing::LoopbackFixture {
 protected:
  void Start() {
    SetEnv({{"HS_AL_A_KEY", "key-a"}, {"HS_AL_A_SECRET", kSecretA}, {"HS_AL_B_KEY", "key-b"}, {"HS_AL_B_SECRET", kSecretB}},
           {kSecretA, kSecretB});
    const std::vector<int> ports = testing::DistinctFreePorts(2);
    // Each venue holds 2 BTC and 100000 USDT: BTC is 0.375 of NAV at 30000, the target 0.5.
    const std::string c =
        testing::EngineToml(R"("BTC", "USDT")", "alloc", "5000", "10", "") + testing::kBtcUsdtInstrumentToml +
        testing::BinanceVenueToml("binance_a", std::to_string(ports[0]), "HS_AL_A_KEY", "HS_AL_A_SECRET") +
        testing::BinanceVenueToml("binance_b", std::to_string(ports[1]), "HS_AL_B_KEY", "HS_AL_B_SECRET") + R"(
[allocation]
valuation_asset = "USDT"
rebalance_interval_ms = 200
min_trade_notional = "20"
max_trade_notional = "4000"
max_cost_bps = "25"
pace_notional_per_min = "600000"
venue_band = "0.1"
[allocation.targets]
BTC  = { weight = "0.5", band = "0.02" }
USDT = { weight = "0.5", band = "0.02" }
[allocation.venue_shares]
binance_a = "0.5"
binance_b = "0.5"
[sim]
seed = 3
tick_interval_ms = 20
dislocation_every_ms = 0
[sim.prices]
"BTC/USDT" = "30000"
)" + testing::SimAccountToml("binance_a") + testing::SimAccountToml("binance_b");
    WriteConfig("alloc.toml", c);
    StartSim(/*paused=*/false, {}, /*order_log=*/true);
  }
};

TEST_F(AllocationLoopback, RebalancerTradesIntoTheBandsWithRebalanceOrders) {
  Start();
  StartEngine();
  ASSERT_TRUE(WaitFor(
      [&] {
        const json s = Status();
        return s.contains("allocation") && s["allocation"].value("enabled", false) &&
               s["allocation"]["rebalance"].value("orders", 0) > 0 && s["allocation"].value("out_of_band", 1) == 0;
      },
      40s))
      << Status().dump();
  const json s = Status();
  const json& btc = s["allocation"]["assets"]["BTC"];
  EXPECT_TRUE(btc.value("in_band", false)) << s.dump();
  EXPECT_GE(btc["weight"].get<double>(), 0.48) << s.dump();
  EXPECT_GT(s["orders_by_purpose"].value("rebalance", 0), 0) << s.dump();
  EXPECT_EQ(s["orders_by_purpose"].value("arbitrage", -1), 0) << "no dislocations: nothing to arbitrage";
  EXPECT_EQ(s["tick_to_order_ns"].value("count", -1), 0) << "orders from timer inputs have no tick-to-order";
  for (const json& o : OrderLog()) EXPECT_EQ(o["wire"]["side"], "BUY") << o.dump();

  ASSERT_EQ(StopEngine(), 0) << engine_->Output();
  // The journal holds them as rebalance intents, and the timer inputs that drove them.
  int rebalance = 0, timers = 0;
  uint64_t client_id_base = 0;
  std::string error;
  const bool read = testing::ForEachJournalRecord(dir_.File("journal"), [&](const journal::RecordView& v) {
    if (v.header.type == static_cast<uint16_t>(journal::RecordType::kSessionStart)) {
      journal::SessionStart st;
      std::memcpy(&st, v.payload, sizeof st);
      client_id_base = st.client_id_base;
      EXPECT_GT(client_id_base, uint64_t{1} << 20) << "a prefix from the wall clock, not 1";
      EXPECT_LT(client_id_base + (uint64_t{1} << 20), uint64_t{10'000'000'000'000'000})
          << "every id fits Kraken's 18-character cl_ord_id as hs<digits>";
    } else if (v.header.type == static_cast<uint16_t>(journal::RecordType::kIntent)) {
      OrderIntent in;
      std::memcpy(&in, v.payload, sizeof in);
      EXPECT_GE(in.client_id.value, client_id_base) << "the session's ids start at its journaled prefix";
      EXPECT_LT(in.client_id.value, client_id_base + (uint64_t{1} << 20));
      EXPECT_EQ(in.purpose, OrderPurpose::kRebalance);
      rebalance += in.purpose == OrderPurpose::kRebalance;
    } else if (v.header.type == static_cast<uint16_t>(journal::RecordType::kControl)) {
      ControlCommand c;
      std::memcpy(&c, v.payload, sizeof c);
      timers += c.op == ControlOp::kTimer;
    }
  }, &error);
  ASSERT_TRUE(read) << error;
  EXPECT_EQ(rebalance, s["orders_by_purpose"].value("rebalance", 0));
  EXPECT_GT(timers, 20);
}

}  // namespace
}  // namespace hs
