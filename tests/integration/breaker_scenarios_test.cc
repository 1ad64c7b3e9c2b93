// Circuit breakers end to end (issue 13 §5): the real homeostat and homeostat-sim binaries, one
// fault injected by the simulator per test. Each asserts that the right breaker trips with the
// right scope (read with `ctl breakers`, the operator's view), that orders stop from then on —
// the simulator's own order log shows none reaching the halted scope while it is tripped — and
// that cooldown or latch behave as configured (a cleared breaker lets trading resume; a latched
// one waits for `reset NAME`). Every trip and clear is in the journal.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/control/admin_server.h"
#include "tests/support/loopback.h"
#include "tests/support/paths.h"

namespace hs {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using testing::WaitFor;

const std::string kSecret = "SECRET-BRK-do-not-print-7c21";

class BreakerScenarios : public testing::LoopbackFixture {
 protected:
  // `venues`: binance_a, binance_b, ... (2 or 3); `risk`: lines appended after [risk] (breaker
  // tables); `extra`: more tables before [sim]; `sim`: lines in [sim].
  void Start(int venues, const std::string& risk, const std::string& extra, const std::string& sim, bool paused) {
    std::map<std::string, std::string> env;
    for (int v = 0; v < venues; ++v) {
      const std::string n(1, static_cast<char>('A' + v));
      env["HS_BRK_" + n + "_KEY"] = "key-" + n;
      env["HS_BRK_" + n + "_SECRET"] = kSecret + n;
    }
    SetEnv(env, {kSecret});
    const std::vector<int> ports = testing::DistinctFreePorts(static_cast<size_t>(venues));
    std::string c = testing::EngineToml(R"("BTC", "USDT")", "breakers", "100000", "10", "200") + risk +
                    testing::kBtcUsdtInstrumentToml;
    for (int v = 0; v < venues; ++v) {
      const std::string n(1, static_cast<char>('A' + v));
      c += testing::BinanceVenueToml(Name(v), std::to_string(ports[static_cast<size_t>(v)]), "HS_BRK_" + n + "_KEY",
                                     "HS_BRK_" + n + "_SECRET");
    }
    c += extra + "[sim]\nseed = 11\ntick_interval_ms = 20\n" + sim + "[sim.prices]\n\"BTC/USDT\" = \"30000\"\n";
    for (int v = 0; v < venues; ++v) c += testing::SimAccountToml(Name(v));
    WriteConfig("breakers.toml", c);
    StartSim(paused, {}, /*order_log=*/true);
    if (paused) {
      for (int v = 0; v < venues; ++v) SetBook(Name(v), json::array({{"29999.00", "1"}}), json::array({{"30001.00", "1"}}));
    }
    engine_args_ = {"--summary", dir_.File("summary.json")};
    StartEngine();
  }
  static std::string Name(int v) { return std::string("binance_") + static_cast<char>('a' + v); }

  // `ctl breakers` (JSON): the list of breaker slots.
  json Breakers() {
    std::string reply;
    if (!control::AdminRequest(dir_.File("admin.sock"), R"({"cmd":"breakers"})", &reply, 5000).ok()) return json::array();
    json r = json::parse(reply, nullptr, false);
    if (r.is_object() && r.contains("breakers")) return r["breakers"];
    return r.is_array() ? r : json::array();
  }
  // The slot of breaker `name` with scope `scope` ("global", "venue:X", "instrument:Y"); {} if none.
  json Slot(const std::string& name, const std::string& scope) {
    for (const json& b : Breakers())
      if (b.value("name", "") == name && b.value("scope", "") == scope) return b;
    return json::object();
  }
  // Waits until the slot's state is one of `states`; returns it (or the last seen).
  json WaitSlot(const std::string& name, const std::string& scope, std::vector<std::string> states,
                std::chrono::milliseconds deadline = 15s) {
    json s;
    WaitFor(
        [&] {
          s = Slot(name, scope);
          const std::string st = s.value("state", "");
          return std::find(states.begin(), states.end(), st) != states.end();
        },
        deadline);
    return s;
  }
  json Admin(const json& cmd) {
    std::string reply;
    if (!control::AdminRequest(dir_.File("admin.sock"), cmd.dump(), &reply, 5000).ok()) return json::object();
    return json::parse(reply, nullptr, false);
  }
  // Orders the simulator received for `venue` at or after wall time `from_ns` (and before `to_ns`).
  int OrdersTo(const std::string& venue, int64_t from_ns, int64_t to_ns = INT64_MAX) {
    int n = 0;
    for (const json& o : OrderLog())
      if (o.value("venue", "") == venue && o.value("time_ns", int64_t{0}) >= from_ns && o.value("time_ns", int64_t{0}) < to_ns) ++n;
    return n;
  }
  // Dislocates binance_b above binance_a (paused sim): an arbitrage the engine takes when it may.
  void Dislocate(const std::string& high = "binance_b") {
    SetBook("binance_a", json::array({{"29999.00", "1"}}), json::array({{"30000.00", "1"}}));
    SetBook(high, json::array({{"30200.00", "0.1"}}), json::array({{"30201.00", "1"}}));
  }
  // The breaker records in the journal, after the engine stopped: {kind names}.
  std::vector<std::string> JournalBreakerEvents(const std::string& breaker) {
    std::vector<std::string> out;
    for (const auto& e : testing::ReadBreakerRecords(dir_.File("journal.hsj")))
      if (e.breaker == breaker) out.push_back(e.kind);
    return out;
  }
};

// Divergence: binance_c's books move 200 bps away from the other two venues. The breaker trips
// for venue:binance_c (scope venue, halt), latched: no order reaches binance_c while it stands,
// even when the bias ends; `reset divergence` clears it and trading there resumes.
TEST_F(BreakerScenarios, DivergenceHaltsTheDivergingVenueUntilReset) {
  Start(3, R"(collar_bps = "0"
[risk.breakers.divergence]
divergence_bps = "100"
after_ms = 200
scope = "venue"
action = "halt"
cooldown_ms = 500
latch = true
)",
        "", "dislocation_every_ms = 300\ndislocation_bps = 40\ndislocation_ms = 200\n", /*paused=*/false);
  ASSERT_TRUE(SimFault("binance_c", {{"bias_bps", 200}}).value("ok", false));
  const json tripped = WaitSlot("divergence", "venue:binance_c", {"latched"});
  ASSERT_EQ(tripped.value("state", ""), "latched") << Breakers().dump();
  EXPECT_EQ(tripped["trips"], 1);
  EXPECT_GT(tripped["tripped_at_ns"].get<int64_t>(), 0);
  EXPECT_NE(tripped.value("last_cause", "").find("bps"), std::string::npos) << tripped.dump();
  // The other venues' slots stay ok: the scope is the diverging venue only.
  EXPECT_EQ(Slot("divergence", "venue:binance_a").value("state", ""), "ok");
  EXPECT_EQ(Slot("divergence", "venue:binance_b").value("state", ""), "ok");
  const int64_t tripped_at = tripped["tripped_at_ns"].get<int64_t>();
  // Trading between a and b goes on (the sim dislocates every ~300 ms); nothing goes to c.
  EXPECT_TRUE(WaitFor([&] { return OrdersTo("binance_a", tripped_at) + OrdersTo("binance_b", tripped_at) >= 2; }, 20s))
      << "a and b should still trade";
  ASSERT_TRUE(SimFault("binance_c", {{"bias_bps", 0}}).value("ok", false));
  // Latched: back in line and well past the 500 ms cooldown, it must not clear by itself.
  EXPECT_FALSE(WaitFor([&] { return Slot("divergence", "venue:binance_c").value("state", "") != "latched"; }, 2s))
      << Breakers().dump();
  const int64_t reset_at = WallNow().value;
  EXPECT_EQ(OrdersTo("binance_c", tripped_at, reset_at), 0) << "no order to binance_c while it was tripped";
  const json r = Admin({{"cmd", "reset"}, {"name", "divergence"}});
  EXPECT_TRUE(r.value("ok", false)) << r.dump();
  EXPECT_EQ(WaitSlot("divergence", "venue:binance_c", {"ok"}).value("state", ""), "ok");
  EXPECT_TRUE(WaitFor([&] { return OrdersTo("binance_c", reset_at) >= 1; }, 20s)) << "binance_c trades again after the reset";
  ASSERT_EQ(StopEngine(), 0) << engine_->Output();
  const auto ev = JournalBreakerEvents("divergence");
  ASSERT_GE(ev.size(), 2u);
  EXPECT_EQ(ev[0], "trip");
  EXPECT_NE(std::find(ev.begin(), ev.end(), "reset"), ev.end());
}

}  // namespace
}  // namespace hs
