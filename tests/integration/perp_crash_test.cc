// The crash scenario of issue 15, end to end: the real engine and simulator on
// configs/perps-demo.toml (ports and paths moved to the test's own). The engine builds its
// leveraged BTC longs as perpetuals (about 5x on each perpetual venue); then the simulator's
// prices fall 30% in 10 s. With the liquidation limits on, the engine deleverages in time and
// the simulator liquidates nothing; with them off (same seed, same config), the simulator
// liquidates. Both outcomes are asserted: the limits are what saves the account.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/loopback.h"
#include "tests/support/paths.h"

namespace hs {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using testing::WaitFor;

class PerpCrash : public testing::LoopbackFixture {
 protected:
  // Every venue's books usable; order entry and balances where the venue trades (the OKX spot
  // venue only prices BTC here).
  bool Ready() override {
    const json s = Status();
    if (!s.value("ok", false)) return false;
    for (const auto& v : s["venues"]) {
      if (!v.value("connected", false)) return false;
      if (v.value("trading", true) && (!v.value("orders_connected", false) || !v.value("balances_known", false)))
        return false;
      for (const auto& b : v["books"])
        if (!b.value("usable", false)) return false;
    }
    return true;
  }
  void Start(bool limits) {
    SetEnv({{"HS_DEMO_BINANCE_KEY", "key-b"}, {"HS_DEMO_BINANCE_SECRET", "secret-b-3d"},
            {"HS_DEMO_BYBIT_KEY", "key-y"}, {"HS_DEMO_BYBIT_SECRET", "secret-y-8a"},
            {"HS_DEMO_OKX_KEY", "key-o"}, {"HS_DEMO_OKX_SECRET", "secret-o-5c"}, {"HS_DEMO_OKX_PASSPHRASE", "pass-o-1f"}},
           {"secret-b-3d", "secret-y-8a", "secret-o-5c", "pass-o-1f"});
    const std::vector<int> ports = testing::DistinctFreePorts(4);
    std::string text = testing::ReadFileOrDie(std::string(HS_SOURCE_DIR) + "/configs/perps-demo.toml");
    text = testing::Substitute(text, {{"run/demo/homeostat.sock", "@DIR@/admin.sock"},  // where Status() asks
                                      {"run/demo/", "@DIR@/"},
                                      {"127.0.0.1:18411", "127.0.0.1:" + std::to_string(ports[0])},
                                      {"127.0.0.1:18412", "127.0.0.1:" + std::to_string(ports[1])},
                                      {"127.0.0.1:18413", "127.0.0.1:" + std::to_string(ports[2])},
                                      {"127.0.0.1:18414", "127.0.0.1:" + std::to_string(ports[3])}});
    WriteConfig("perps.toml", text);
    if (!limits) engine_args_.push_back("--no-liquidation-limits");
    StartSim(/*paused=*/false, {}, /*order_log=*/true);
    StartEngine();
  }
  // The perpetual venues' positions as the engine reports them (status "margin").
  static double Notional(const json& st, const char* venue) {
    const json& v = st["margin"]["venues"][venue];
    const json& p = v["positions"]["BTC-PERP"];
    return std::stod(p.value("size", "0")) * std::stod(p.value("mark", "0"));
  }
  // Waits until both perpetual venues hold longs of at least `leverage` × their wallet.
  void WaitForLeveragedLongs(double leverage) {
    json st;
    const bool built = WaitFor(
        [&] {
          st = Status();
          if (!st.contains("margin")) return false;
          for (const char* v : {"bybit_perp", "okx_swap"}) {
            const double wallet = std::stod(st["margin"]["venues"][v].value("wallet", "0"));
            if (wallet <= 0 || Notional(st, v) < leverage * wallet) return false;
          }
          return true;
        },
        90s);
    ASSERT_TRUE(built) << "the engine never built its leveraged longs: " << st["margin"].dump() << "\n"
                       << st["allocation"].dump();
  }
  // The perpetual's mark as the engine last received it from `venue`.
  double EngineMark(const char* venue) {
    const json st = Status();
    if (!st.contains("margin")) return 0;
    return std::stod(st["margin"]["venues"][venue]["positions"]["BTC-PERP"].value("mark", "0"));
  }
  // Crashes the simulator's prices by 30% over 10 s and waits until the engine has seen the
  // whole fall on both perpetual venues.
  void Crash() {
    const double start = EngineMark("bybit_perp");
    ASSERT_GT(start, 0);
    const json r = SimCmd({{"cmd", "crash"}, {"pct", 30}, {"ms", 10000}});
    ASSERT_TRUE(r.value("ok", false)) << r.dump();
    ASSERT_TRUE(WaitFor(
        [&] {
          const double a = EngineMark("bybit_perp"), b = EngineMark("okx_swap");
          return a > 0 && b > 0 && a <= start * 0.705 && b <= start * 0.705;
        },
        40s))
        << Status()["margin"].dump();
  }
};

TEST_F(PerpCrash, WithLiquidationLimitsTheEngineDeleveragesAndNothingIsLiquidated) {
  ASSERT_NO_FATAL_FAILURE(Start(/*limits=*/true));
  ASSERT_NO_FATAL_FAILURE(WaitForLeveragedLongs(4.5));
  ASSERT_NO_FATAL_FAILURE(Crash());
  const json m = SimCmd({{"cmd", "margin"}});
  EXPECT_EQ(m.value("liquidations", -1), 0) << m.dump();
  const json st = Status();
  EXPECT_GT(st["orders_by_purpose"].value("deleverage", 0), 0) << st["margin"].dump();
  const double min_distance = std::stod(st["margin"].value("min_liq_distance", "0"));
  EXPECT_GT(min_distance, 0.0) << st["margin"].dump();
  EXPECT_LT(min_distance, 0.10) << "the crash never took a venue near its limits: " << st["margin"].dump();
  EXPECT_GT(st["margin"].value("reducing_rounds", 0), 0);
  EXPECT_EQ(st["margin"].value("liquidations_reported", -1), 0);
  EXPECT_EQ(StopEngine(), 0);
}

TEST_F(PerpCrash, WithoutThemTheSameCrashLiquidates) {
  ASSERT_NO_FATAL_FAILURE(Start(/*limits=*/false));
  ASSERT_NO_FATAL_FAILURE(WaitForLeveragedLongs(4.5));
  ASSERT_NO_FATAL_FAILURE(Crash());
  const json m = SimCmd({{"cmd", "margin"}});
  EXPECT_GT(m.value("liquidations", 0), 0) << m.dump();
  // The engine saw it too: the venues' pushes of the liquidated positions.
  EXPECT_TRUE(WaitFor([&] { return Status()["margin"].value("liquidations_reported", 0) > 0; }, 10s))
      << Status()["margin"].dump();
  const json st = Status();
  EXPECT_EQ(st["orders_by_purpose"].value("deleverage", -1), 0);
  EXPECT_EQ(StopEngine(), 0);
}

}  // namespace
}  // namespace hs
