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
  void Start(int venues, const std::string& risk, const std::string& extra, const std::string& sim, bool paused,
             const std::string& venue_extra = "", const std::vector<std::string>& sim_args = {}) {
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
                                     "HS_BRK_" + n + "_SECRET", venue_extra);
    }
    c += extra + "[sim]\nseed = 11\ntick_interval_ms = 20\n" + sim + "[sim.prices]\n\"BTC/USDT\" = \"30000\"\n";
    for (int v = 0; v < venues; ++v) c += testing::SimAccountToml(Name(v));
    WriteConfig("breakers.toml", c);
    StartSim(paused, sim_args, /*order_log=*/true);
    if (paused) {
      for (int v = 0; v < venues; ++v) SetBook(Name(v), json::array({{"29999.00", "1"}}), json::array({{"30001.00", "1"}}));
    }
    engine_args_ = {"--summary", dir_.File("summary.json")};
    StartEngine();
  }
  static std::string Name(int v) { return std::string("binance_") + static_cast<char>('a' + v); }

  // Ready when every trading venue is (market data, orders, balances, books); a market-data-only
  // venue under a fault storm need only be connected.
  bool Ready() override {
    const json s = Status();
    if (!s.value("ok", false)) return false;
    for (const auto& v : s["venues"]) {
      if (!v.value("connected", false)) return false;
      if (v.value("name", "").rfind("binance_", 0) != 0) continue;
      if (!v.value("orders_connected", false) || !v.value("balances_known", false)) return false;
      for (const auto& b : v["books"])
        if (!b.value("usable", false)) return false;
    }
    return true;
  }

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
  // After a trip: waits until no order is open, so that every order decided before the trip has
  // reached the simulator (and its log). Orders the log shows at or after the returned wall
  // time were decided after the trip. (The trip's own time is the core's input time; an order
  // decided just before it can still arrive at the simulator just after.)
  int64_t Settled() {
    EXPECT_TRUE(WaitFor([&] { return Status()["counters"].value("orders_open", -1) == 0; }, 10s));
    return WallNow().value;
  }
  // Dislocates binance_b above binance_a (paused sim): an arbitrage the engine takes when it may.
  void Dislocate(const std::string& high = "binance_b") {
    SetBook("binance_a", json::array({{"29999.00", "1"}}), json::array({{"30000.00", "1"}}));
    SetBook(high, json::array({{"30200.00", "0.1"}}), json::array({{"30201.00", "1"}}));
  }
  // The breaker records in the journal, after the engine stopped: {kind names}.
  std::vector<std::string> JournalBreakerEvents(const std::string& breaker) {
    std::vector<std::string> out;
    for (const auto& e : testing::ReadBreakerRecords(dir_.File("journal")))
      if (e.breaker == breaker) out.push_back(e.kind);
    return out;
  }
};

// Divergence: binance_d's books move 200 bps away from the other three venues (four venues:
// with three, one far venue makes every venue an outlier of the other two's mean and the
// reference has no quorum at all). The breaker trips
// for venue:binance_d (scope venue, halt), latched: no order reaches binance_d while it stands,
// even when the bias ends; `reset divergence` clears it and trading there resumes.
TEST_F(BreakerScenarios, DivergenceHaltsTheDivergingVenueUntilReset) {
  Start(4, R"(collar_bps = "0"
[risk.breakers.divergence]
divergence_bps = "100"
after_ms = 200
scope = "venue"
action = "halt"
cooldown_ms = 500
latch = true
)",
        "", "dislocation_every_ms = 300\ndislocation_bps = 40\ndislocation_ms = 200\n", /*paused=*/false);
  ASSERT_TRUE(SimFault("binance_d", {{"bias_bps", 200}}).value("ok", false));
  const json tripped = WaitSlot("divergence", "venue:binance_d", {"latched"});
  ASSERT_EQ(tripped.value("state", ""), "latched") << Breakers().dump() << "\n" << Status().dump();
  EXPECT_EQ(tripped["trips"], 1);
  EXPECT_GT(tripped["tripped_at_ns"].get<int64_t>(), 0);
  EXPECT_NE(tripped.value("last_cause", "").find("bps"), std::string::npos) << tripped.dump();
  // The other venues' slots stay ok: the scope is the diverging venue only.
  EXPECT_EQ(Slot("divergence", "venue:binance_a").value("state", ""), "ok");
  EXPECT_EQ(Slot("divergence", "venue:binance_b").value("state", ""), "ok");
  EXPECT_EQ(Slot("divergence", "venue:binance_c").value("state", ""), "ok");
  const int64_t tripped_at = Settled();
  // Trading among a, b and c goes on (the sim dislocates every ~300 ms); nothing goes to d.
  EXPECT_TRUE(WaitFor(
      [&] { return OrdersTo("binance_a", tripped_at) + OrdersTo("binance_b", tripped_at) + OrdersTo("binance_c", tripped_at) >= 2; },
      20s))
      << "the others should still trade";
  ASSERT_TRUE(SimFault("binance_d", {{"bias_bps", 0}}).value("ok", false));
  // Latched: back in line and well past the 500 ms cooldown, it must not clear by itself.
  EXPECT_FALSE(WaitFor([&] { return Slot("divergence", "venue:binance_d").value("state", "") != "latched"; }, 2s))
      << Breakers().dump();
  const int64_t reset_at = WallNow().value;
  EXPECT_EQ(OrdersTo("binance_d", tripped_at, reset_at), 0) << "no order to binance_d while it was tripped";
  const json r = Admin({{"cmd", "reset"}, {"name", "divergence"}});
  EXPECT_TRUE(r.value("ok", false)) << r.dump();
  EXPECT_EQ(WaitSlot("divergence", "venue:binance_d", {"ok"}).value("state", ""), "ok");
  EXPECT_TRUE(WaitFor([&] { return OrdersTo("binance_d", reset_at) >= 1; }, 20s)) << "binance_d trades again after the reset";
  ASSERT_EQ(StopEngine(), 0) << engine_->Output();
  const auto ev = JournalBreakerEvents("divergence");
  ASSERT_GE(ev.size(), 2u);
  EXPECT_EQ(ev[0], "trip");
  EXPECT_NE(std::find(ev.begin(), ev.end(), "reset"), ev.end());
}

// Book integrity storm: binance_b's depth stream drops a message every 250 ms (a sequence gap,
// then a resync, each time); with max_events 3 per minute the integrity breaker trips for
// venue:binance_b only. No order reaches binance_b while it stands; a and c keep trading.
TEST_F(BreakerScenarios, IntegrityStormHaltsThatVenue) {
  Start(3, R"(collar_bps = "0"
[risk.breakers.integrity]
max_events = 3
window_ms = 60000
scope = "venue"
cooldown_ms = 60000
)",
        "", "dislocation_every_ms = 300\ndislocation_bps = 40\ndislocation_ms = 200\n", /*paused=*/false,
        "depth = 50\n",  // the depth stream carries the sequence numbers a dropped message breaks
        {"--fault-venue", "binance_b", "--fault-drop-every-ms", "250"});
  const json tripped = WaitSlot("integrity", "venue:binance_b", {"tripped"}, 30s);
  ASSERT_EQ(tripped.value("state", ""), "tripped") << Breakers().dump() << "\n" << VenueStatus("binance_b").dump();
  EXPECT_GT(tripped["last_value"].get<int64_t>(), 3) << tripped.dump();
  EXPECT_EQ(Slot("integrity", "venue:binance_a").value("state", ""), "ok");
  EXPECT_EQ(Slot("integrity", "venue:binance_c").value("state", ""), "ok");
  const int64_t from = Settled();
  EXPECT_TRUE(WaitFor([&] { return OrdersTo("binance_a", from) + OrdersTo("binance_c", from) >= 2; }, 20s));
  EXPECT_EQ(OrdersTo("binance_b", from), 0) << "binance_b is halted";
}

// Checksum storm: a Kraken market-data venue beside two Binance venues, every Kraken book
// message with a wrong CRC32 every 250 ms (each one a checksum failure and a resubscribe): the
// integrity breaker trips for venue:kraken only.
TEST_F(BreakerScenarios, ChecksumStormTripsIntegrityForThatVenue) {
  const int port = testing::DistinctFreePorts(1)[0];
  Start(2, R"(collar_bps = "0"
[risk.breakers.integrity]
max_events = 3
window_ms = 60000
scope = "venue"
cooldown_ms = 60000
)",
        "[[venues]]\nname = \"kraken\"\nkind = \"kraken\"\nmarket_data_url = \"ws://127.0.0.1:" +
            std::to_string(port) +
            "\"\ntrading = false\ndepth = 10\nreconnect_min_ms = 50\ntaker_fee = \"0.0026\"\n"
            "symbols = { \"BTC/USDT\" = \"BTC/USDT\" }\n",
        "dislocation_every_ms = 0\n", /*paused=*/false, "",
        {"--fault-venue", "kraken", "--fault-corrupt-every-ms", "250"});
  const json tripped = WaitSlot("integrity", "venue:kraken", {"tripped"}, 30s);
  ASSERT_EQ(tripped.value("state", ""), "tripped") << Breakers().dump() << "\n" << VenueStatus("kraken").dump();
  EXPECT_GT(tripped["last_value"].get<int64_t>(), 3);
  EXPECT_GE(VenueCount("kraken", "checksum_failures", 0), 2) << "each failure and its resync count as one event each";
  EXPECT_EQ(Slot("integrity", "venue:binance_a").value("state", ""), "ok");
  EXPECT_EQ(Slot("integrity", "venue:binance_b").value("state", ""), "ok");
  EXPECT_EQ(VenueStatus("kraken").value("trading_state", ""), "HALTED");
}

// Stale feeds: two venues, quorum two. binance_b's stream stalls (connection alive, no data):
// its book ages out of the reference, usable venues fall below the quorum and the stale breaker
// trips for instrument:BTC/USDT. When the stream comes back it clears after its cooldown.
TEST_F(BreakerScenarios, StalledFeedTripsStaleUntilTheQuorumIsBack) {
  Start(2, R"(collar_bps = "0"
[risk.breakers.stale]
after_ms = 200
scope = "instrument"
cooldown_ms = 300
)",
        "[reference]\nmax_age_ms = 500\n", "dislocation_every_ms = 0\n", /*paused=*/false);
  ASSERT_TRUE(SimFault("binance_b", {{"stall", true}}).value("ok", false));
  const json tripped = WaitSlot("stale", "instrument:BTC/USDT", {"tripped"});
  ASSERT_EQ(tripped.value("state", ""), "tripped") << Breakers().dump();
  EXPECT_EQ(tripped["last_value"], 1) << "one usable venue";
  EXPECT_EQ(tripped["last_threshold"], 2) << "quorum two";
  ASSERT_TRUE(SimFault("binance_b", {{"stall", false}}).value("ok", false));
  const json cleared = WaitSlot("stale", "instrument:BTC/USDT", {"ok"});
  EXPECT_EQ(cleared.value("state", ""), "ok") << Breakers().dump();
  EXPECT_GE(cleared["cleared_at_ns"].get<int64_t>() - cleared["tripped_at_ns"].get<int64_t>(), 300'000'000)
      << "not before its cooldown";
}

// Drawdown: an adversarial path. Both venues' books fall from 30000 to 26000: the engine's 4 BTC
// lose about 16000 of a 320000 NAV peak (5%), over the 2% limit: the drawdown breaker trips,
// global halt, and a dislocation afterwards sends nothing.
TEST_F(BreakerScenarios, DrawdownFromTheNavPeakHaltsEverything) {
  Start(2, R"([risk.breakers.drawdown]
max_drawdown_bps = "200"
cooldown_ms = 60000
)",
        "[reference]\nmax_age_ms = 600000\n", "", /*paused=*/true);
  // The peak first: NAV (4 BTC at 30000 + 200000 USDT) as the core has valued it.
  ASSERT_TRUE(WaitFor([&] { return Amt(Status().value("nav", "0")) >= Amt("319000"); }, 10s)) << Status().dump();
  // Both books fall 30000 -> 26000. Between the two sets the books cross for a moment, and the
  // engine may take it (at most 1 BTC, about 4000 USDT of profit): NAV ends between 304000 and
  // 308000, 3.75-5% below the peak either way.
  SetBook("binance_b", json::array({{"26000.00", "1"}}), json::array({{"26000.50", "1"}}));
  SetBook("binance_a", json::array({{"26000.00", "1"}}), json::array({{"26000.50", "1"}}));
  ASSERT_TRUE(WaitFor([&] { return Amt(Status().value("nav", "0")) <= Amt("308500"); }, 15s)) << Status().dump();
  const json tripped = WaitSlot("drawdown", "global", {"tripped"});
  ASSERT_EQ(tripped.value("state", ""), "tripped") << Breakers().dump();
  EXPECT_GT(tripped["last_value"].get<int64_t>(), 2'000'000) << "above 2% (Rate raw)";
  EXPECT_EQ(Status().value("state", ""), "HALTED");
  const uint64_t before = SimOrders();
  SetBook("binance_a", json::array({{"25999.00", "1"}}), json::array({{"26000.00", "1"}}));
  SetBook("binance_b", json::array({{"26200.00", "0.1"}}), json::array({{"26201.00", "1"}}));
  EXPECT_FALSE(WaitFor([&] { return SimOrders() > before; }, 1500ms)) << "halted: no order";
}

// Reject storm: binance_b rejects its next three orders. With more than half of at least two
// orders rejected the reject-rate breaker trips for venue:binance_b, and from then on nothing is
// sent there (the filled buys are repaired elsewhere).
TEST_F(BreakerScenarios, RejectStormHaltsThatVenue) {
  Start(2, R"(collar_bps = "0"
[risk.breakers.reject_rate]
max_rate = "0.4"
min_orders = 2
window_ms = 60000
scope = "venue"
cooldown_ms = 60000
)",
        "[reference]\nmax_age_ms = 600000\n", "", /*paused=*/true);
  ASSERT_TRUE(SimFault("binance_b", {{"reject_orders", 3}}).value("ok", false));
  json tripped;
  ASSERT_TRUE(WaitFor(
      [&] {
        Dislocate();
        tripped = Slot("reject_rate", "venue:binance_b");
        return tripped.value("state", "") == "tripped";
      },
      20s))
      << Breakers().dump();
  const int64_t from = Settled();
  for (int k = 0; k < 3; ++k) Dislocate();
  EXPECT_FALSE(WaitFor([&] { return OrdersTo("binance_b", from) > 0; }, 1500ms)) << "binance_b is halted";
  EXPECT_EQ(Slot("reject_rate", "venue:binance_a").value("state", ""), "ok");
}

// An order left unknown: binance_b executes the sell and drops the session before answering;
// the session waits two seconds to reconnect, so the order stays unknown well past max_age_ms:
// the unknown-orders breaker trips for venue:binance_b. Once the query after the reconnect
// resolves it, the breaker clears after its cooldown.
TEST_F(BreakerScenarios, UnknownOrderTooLongHaltsThatVenueUntilResolved) {
  Start(2, R"(collar_bps = "0"
[risk.breakers.unknown_orders]
max_age_ms = 200
scope = "venue"
cooldown_ms = 300
)",
        "[reference]\nmax_age_ms = 600000\n[execution]\nack_timeout_ms = 300\n", "", /*paused=*/true,
        "reconnect_min_ms = 2000\n");
  ASSERT_TRUE(SimFault("binance_b", {{"disconnect_orders", 1}}).value("ok", false));
  Dislocate();
  const json tripped = WaitSlot("unknown_orders", "venue:binance_b", {"tripped"});
  ASSERT_EQ(tripped.value("state", ""), "tripped") << Breakers().dump();
  EXPECT_GT(tripped["last_value"].get<int64_t>(), 200) << "age in ms";
  EXPECT_EQ(Slot("unknown_orders", "venue:binance_a").value("state", ""), "ok");
  const json cleared = WaitSlot("unknown_orders", "venue:binance_b", {"ok"}, 20s);
  EXPECT_EQ(cleared.value("state", ""), "ok") << Breakers().dump();
  const json st = Status();
  EXPECT_EQ(st["unknown_orders"]["seen"], st["unknown_orders"]["resolved"]) << st.dump();
}

// A one-legged group: binance_b rejects the sell, so the buy on binance_a is a residual of
// 0.1 BTC (about 3000 USDT), over max_notional 100. Repairs are switched off here (no hedge or
// unwind attempts), so the residual stays: leg_imbalance trips globally with action reduce, the
// engine is REDUCING, and the next arbitrage (which never reduces risk) is not sent.
TEST_F(BreakerScenarios, OneLeggedGroupPutsTheEngineInReducing) {
  Start(2, R"(collar_bps = "0"
[risk.breakers.leg_imbalance]
max_notional = "100"
max_age_ms = 600000
action = "reduce"
cooldown_ms = 200
)",
        "[reference]\nmax_age_ms = 600000\n[execution]\nhedge_attempts = 0\nunwind_attempts = 0\n", "",
        /*paused=*/true);
  ASSERT_TRUE(SimFault("binance_b", {{"reject_orders", 1}}).value("ok", false));
  Dislocate();
  const json tripped = WaitSlot("leg_imbalance", "global", {"tripped"});
  ASSERT_EQ(tripped.value("state", ""), "tripped") << Breakers().dump() << "\n" << Status()["legs"].dump();
  EXPECT_EQ(tripped.value("action", ""), "reduce");
  EXPECT_GT(tripped["last_value"].get<int64_t>(), 100'000'000'000) << "residual notional over 100 (raw)";
  EXPECT_EQ(Status().value("state", ""), "REDUCING");
  const uint64_t before = SimOrders();
  SetBook("binance_b", json::array({{"30300.00", "0.1"}}), json::array({{"30301.00", "1"}}));
  EXPECT_FALSE(WaitFor([&] { return SimOrders() > before; }, 1500ms)) << "REDUCING: no arbitrage";
}

// A volatility spike: a calm random walk, then both venues jump ±150 bps back and forth. The
// short EWMA volatility shoots over three times the long one: vol_spike trips for
// instrument:BTC/USDT with action reduce (arbitrage stops: it never reduces risk).
TEST_F(BreakerScenarios, VolatilitySpikeReducesTheInstrument) {
  Start(2, R"(collar_bps = "0"
[risk.breakers.vol_spike]
ratio = "3"
short_halflife_s = 0.3
long_halflife_s = 30
sample_ms = 100
warmup = 10
cooldown_ms = 60000
)",
        "", "dislocation_every_ms = 0\n", /*paused=*/false);
  // Warm-up: wait until the breaker has been evaluated on enough samples (it shows ok meanwhile).
  ASSERT_TRUE(WaitFor([&] { return Slot("vol_spike", "instrument:BTC/USDT").value("state", "") == "ok"; }, 10s));
  // The warm-up is counted in samples of input time (10 of 100 ms): wait until the calm market
  // has sent 300 more tops (two venues ticking every 20 ms: about 3 s of input time).
  const int64_t tops = EngineCount("book_tops");
  ASSERT_TRUE(WaitFor([&] { return EngineCount("book_tops") >= tops + 300; }, 20s));
  json tripped;
  int k = 0;
  ASSERT_TRUE(WaitFor(
      [&] {
        const int bps = (k++ % 2 == 0) ? 150 : -150;
        SimFault("binance_a", {{"bias_bps", bps}});
        SimFault("binance_b", {{"bias_bps", bps}});
        tripped = Slot("vol_spike", "instrument:BTC/USDT");
        return tripped.value("state", "") == "tripped";
      },
      15s))
      << Breakers().dump();
  EXPECT_EQ(tripped.value("action", ""), "reduce");
  EXPECT_GT(tripped["last_value"].get<int64_t>(), 300'000'000) << "ratio above 3 (Rate raw)";
}

}  // namespace
}  // namespace hs
