// Bybit through the live path: the real homeostat and homeostat-sim binaries on loopback, a
// Binance venue and a Bybit venue. Scripted dislocations make the engine send its two IOC legs
// (one of them order.create on Bybit's trade WebSocket, filled by the simulator and reported on
// the private stream) and the engine's balances must equal the simulator's accounts exactly.
// Injected faults (dropped deltas, crossing levels, a stall, a disconnect) must be counted,
// recovered from by the venue itself, and no BookTop may reach the core from a failed book
// (checked in the journal).
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "core/base/decimal.h"
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

const std::string kSecretA = "SECRET-A-do-not-print-5d3e";
const std::string kSecretB = "SECRET-BYBIT-do-not-print-a91c";

struct Options {
  int64_t dislocation_every_ms = 0;  // 0 = only scripted dislocations
  int bybit_depth = 50;
  bool bybit_rest = true;            // rest_url set: the wallet is also fetched over REST
  std::vector<std::string> sim_args;
};

class BybitLoopback : public ::testing::Test {
 protected:
  void Start(const Options& o = {}, bool paused = true) {
    port_a_ = testing::FreePort();
    port_b_ = testing::FreePort();
    while (port_b_ == port_a_) port_b_ = testing::FreePort();
    env_ = {{"HS_BL_A_KEY", "key-a"}, {"HS_BL_A_SECRET", kSecretA}, {"HS_BL_B_KEY", "key-bybit"}, {"HS_BL_B_SECRET", kSecretB}};
    config_ = dir_.File("loopback.toml");
    testing::WriteFileOrDie(config_, ConfigText(o));
    std::vector<std::string> args = {"--config", config_, "--control", dir_.File("sim.sock"), "--order-log",
                                     dir_.File("sim-orders.jsonl")};
    if (paused) args.push_back("--paused");
    args.insert(args.end(), o.sim_args.begin(), o.sim_args.end());
    sim_ = std::make_unique<Process>(std::string(HS_BIN_DIR) + "/homeostat-sim", args, env_, dir_.File("sim.out"));
    ASSERT_TRUE(WaitFor([&] { return SimCmd({{"cmd", "stats"}}).value("ok", false); }, 20s)) << sim_->Output();
  }

  void StartEngine() {
    engine_ = std::make_unique<Process>(std::string(HS_BIN_DIR) + "/homeostat",
                                        std::vector<std::string>{"run", "--config", config_}, env_, dir_.File("engine.out"));
    ASSERT_TRUE(WaitFor([&] { return Ready(); }, 30s)) << engine_->Output() << "\nstatus: " << Status().dump();
  }

  std::string ConfigText(const Options& o) {
    std::string c = R"(assets = ["BTC", "USDT"]
[engine]
name = "bybit-loopback"
[admin]
socket = "@DIR@/admin.sock"
[journal]
path = "@DIR@/journal.hsj"
[log]
path = "@DIR@/engine.log"
[strategy]
min_edge = "0.0005"
max_leg_notional = "100000"
cooldown_ms = 100
[risk]
max_order_notional = "100000"
max_order_qty = "10"
[[instruments]]
name = "BTC/USDT"
base = "BTC"
quote = "USDT"
tick = "0.01"
lot = "0.00001"
min_notional = "5"
[[venues]]
name = "binance_a"
kind = "binance"
market_data_url = "ws://127.0.0.1:@PA@"
rest_url = "http://127.0.0.1:@PA@"
order_url = "ws://127.0.0.1:@PA@"
api_key_env = "HS_BL_A_KEY"
api_secret_env = "HS_BL_A_SECRET"
taker_fee = "0.001"
symbols = { "BTC/USDT" = "BTCUSDT" }
[[venues]]
name = "bybit_b"
kind = "bybit"
market_data_url = "ws://127.0.0.1:@PB@"
@REST@order_url = "ws://127.0.0.1:@PB@"
depth = @DEPTH@
api_key_env = "HS_BL_B_KEY"
api_secret_env = "HS_BL_B_SECRET"
taker_fee = "0.001"
symbols = { "BTC/USDT" = "BTCUSDT" }
[sim]
seed = 17
tick_interval_ms = 20
dislocation_every_ms = @DISLOC@
dislocation_bps = 60
dislocation_ms = 150
[sim.prices]
"BTC/USDT" = "30000"
[sim.accounts.binance_a]
taker_fee = "0.001"
balances = { BTC = "2", USDT = "100000" }
[sim.accounts.bybit_b]
taker_fee = "0.001"
balances = { BTC = "2", USDT = "100000" }
)";
    auto sub = [&](const std::string& k, const std::string& v) {
      for (size_t at; (at = c.find(k)) != std::string::npos;) c.replace(at, k.size(), v);
    };
    sub("@REST@", o.bybit_rest ? "rest_url = \"http://127.0.0.1:@PB@\"\n" : "");
    sub("@DIR@", dir_.path());
    sub("@PA@", std::to_string(port_a_));
    sub("@PB@", std::to_string(port_b_));
    sub("@DISLOC@", std::to_string(o.dislocation_every_ms));
    sub("@DEPTH@", std::to_string(o.bybit_depth));
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
  bool Ready() {
    const json s = Status();
    if (!s.value("ok", false)) return false;
    for (const auto& v : s["venues"]) {
      if (!v.value("connected", false) || !v.value("orders_connected", false) || !v.value("balances_known", false))
        return false;
      for (const auto& b : v["books"])
        if (!b.value("usable", false)) return false;
    }
    return true;
  }
  void SetBook(const std::string& venue, const json& bids, const json& asks) {
    const json r = SimCmd({{"cmd", "set_book"}, {"venue", venue}, {"instrument", "BTC/USDT"}, {"bids", bids}, {"asks", asks}});
    ASSERT_TRUE(r.value("ok", false)) << r.dump();
  }
  uint64_t SimOrders() { return SimCmd({{"cmd", "orders"}}).value("orders", uint64_t{0}); }
  std::vector<json> OrderLog() {
    std::vector<json> out;
    std::istringstream in(testing::ReadFileOrDie(dir_.File("sim-orders.jsonl")));
    std::string line;
    while (std::getline(in, line))
      if (!line.empty()) out.push_back(json::parse(line));
    return out;
  }
  static const json* VenueOf(const json& status, const std::string& name) {
    for (const auto& v : status["venues"])
      if (v["name"] == name) return &v;
    return nullptr;
  }
  int Counter(const std::string& venue, const char* name) {
    const json s = Status();
    const json* v = VenueOf(s, venue);
    return v == nullptr ? -1 : (*v).value(name, -1);
  }
  int StopEngine() { return engine_ ? engine_->Stop(SIGTERM, 20s) : 0; }
  static Amount Amt(const std::string& s) { return ParseDecimal<Amount>(s, Sign::kAllowNegative).value; }

  void ExpectBalancesEqualTheSimulator() {
    const json st = Status();
    const json accounts = SimCmd({{"cmd", "accounts"}})["accounts"];
    for (const char* venue : {"binance_a", "bybit_b"}) {
      const json* v = VenueOf(st, venue);
      ASSERT_NE(v, nullptr);
      for (const char* asset : {"BTC", "USDT"})
        EXPECT_EQ(Amt((*v)["balances"][asset]), Amt(accounts[venue][asset])) << venue << " " << asset << "\n" << st.dump();
    }
  }

  void TearDown() override {
    if (engine_) engine_->Stop(SIGTERM, 10s);
    if (sim_) sim_->Stop(SIGTERM, 10s);
    // Secrets never appear in what the engine wrote or printed.
    for (const char* f : {"engine.log", "engine.out", "journal.hsj"}) {
      std::string text;
      try {
        text = testing::ReadFileOrDie(dir_.File(f));
      } catch (...) {
        continue;
      }
      EXPECT_EQ(text.find(kSecretA), std::string::npos) << f;
      EXPECT_EQ(text.find(kSecretB), std::string::npos) << f;
    }
  }

  TempDir dir_;
  int port_a_ = 0, port_b_ = 0;
  std::string config_;
  std::map<std::string, std::string> env_;
  std::unique_ptr<Process> sim_, engine_;
};

TEST_F(BybitLoopback, ScriptedDislocationsSendTheExpectedLegsAndBalancesAgreeExactly) {
  Start();
  SetBook("binance_a", json::array({{"29999.00", "1"}}), json::array({{"30000.00", "1"}}));
  SetBook("bybit_b", json::array({{"29999.50", "1"}}), json::array({{"30000.50", "1"}}));
  StartEngine();
  EXPECT_EQ(SimOrders(), 0u) << "no edge yet";
  ExpectBalancesEqualTheSimulator();

  // bybit_b's bid jumps 200 USDT above binance_a's ask: buy on binance_a, sell on bybit_b.
  SetBook("bybit_b", json::array({{"30200.00", "0.5"}}), json::array({{"30201.00", "1"}}));
  ASSERT_TRUE(WaitFor([&] { return Status()["counters"].value("fills", 0) >= 2; }, 20s)) << Status().dump();
  std::this_thread::sleep_for(500ms);  // anything further would show up now
  std::vector<json> orders = OrderLog();
  ASSERT_EQ(orders.size(), 2u);
  const json& buy = orders[0]["venue"] == "binance_a" ? orders[0] : orders[1];
  const json& sell = orders[0]["venue"] == "binance_a" ? orders[1] : orders[0];
  EXPECT_EQ(buy["side"], "BUY");
  EXPECT_EQ(buy["price"], "30000.00");
  EXPECT_EQ(buy["quantity"], "0.50000");
  EXPECT_EQ(buy["result"], "filled");
  EXPECT_EQ(sell["venue"], "bybit_b");
  EXPECT_EQ(sell["op"], "order.create");
  EXPECT_EQ(sell["category"], "spot");
  EXPECT_EQ(sell["side"], "Sell");
  EXPECT_EQ(sell["orderType"], "Limit");
  EXPECT_EQ(sell["price"], "30200.00");
  EXPECT_EQ(sell["qty"], "0.50000");
  EXPECT_EQ(sell["timeInForce"], "IOC");
  EXPECT_EQ(sell["result"], "filled");
  EXPECT_EQ(sell["reqId"], sell["orderLinkId"]);
  EXPECT_EQ(sell["orderLinkId"].get<std::string>().rfind("hs", 0), 0u);
  ExpectBalancesEqualTheSimulator();
  const json accounts = SimCmd({{"cmd", "accounts"}})["accounts"];
  EXPECT_EQ(Amt(accounts["bybit_b"]["BTC"]), Amt("1.5"));
  EXPECT_EQ(Amt(accounts["bybit_b"]["USDT"]), Amt("115084.9"));  // +15100 − 15.1 commission in USDT

  // The other way: bybit_b's ask drops below binance_a's bid: buy on bybit_b (fee in BTC).
  SetBook("bybit_b", json::array({{"29799.00", "1"}}), json::array({{"29800.00", "0.3"}}));
  ASSERT_TRUE(WaitFor([&] { return Status()["counters"].value("fills", 0) >= 4; }, 20s)) << Status().dump();
  std::this_thread::sleep_for(500ms);
  orders = OrderLog();
  ASSERT_EQ(orders.size(), 4u);
  const json& bybit_buy = orders[2]["venue"] == "bybit_b" ? orders[2] : orders[3];
  EXPECT_EQ(bybit_buy["side"], "Buy");
  EXPECT_EQ(bybit_buy["price"], "29800.00");
  EXPECT_EQ(bybit_buy["qty"], "0.30000");
  EXPECT_EQ(bybit_buy["result"], "filled");
  ExpectBalancesEqualTheSimulator();
  const json acc2 = SimCmd({{"cmd", "accounts"}})["accounts"];
  EXPECT_EQ(Amt(acc2["bybit_b"]["BTC"]), Amt("1.7997"));       // +0.3 − 0.0003 commission in BTC
  EXPECT_EQ(Amt(acc2["bybit_b"]["USDT"]), Amt("106144.9"));    // −8940
  const json st = Status();
  EXPECT_EQ(st["counters"]["orders_sent"], 4);
  EXPECT_EQ(st["counters"]["legs_unbalanced"], 0);
  EXPECT_EQ(st["counters"]["rejects"], 0);
  EXPECT_EQ((*VenueOf(st, "bybit_b"))["order_parse_errors"], 0);
  ASSERT_EQ(StopEngine(), 0) << engine_->Output();
}

TEST_F(BybitLoopback, IocThatFindsNothingIsCanceledAndBalancesStand) {
  Options o;
  o.bybit_rest = false;  // the wallet comes from the push after the private subscription only
  Start(o);
  SetBook("binance_a", json::array({{"29999.00", "1"}}), json::array({{"30000.00", "1"}}));
  SetBook("bybit_b", json::array({{"29999.50", "1"}}), json::array({{"30000.50", "1"}}));
  StartEngine();
  // A book only the engine sees (u == 1: a venue restart, so it replaces the book): a bid the
  // simulator's book does not have. The engine sells into it; the IOC finds nothing.
  const json raw = {{"cmd", "raw"},
                    {"venue", "bybit_b"},
                    {"text", R"({"topic":"orderbook.50.BTCUSDT","ts":1,"type":"snapshot","data":{"s":"BTCUSDT","b":[["30300.00","0.01"]],"a":[["30301.00","1"]],"u":1,"seq":1},"cts":1})"}};
  ASSERT_EQ(SimCmd(raw).value("sent", 0), 1);
  ASSERT_TRUE(WaitFor([&] { return Status()["counters"].value("cancels", 0) >= 1; }, 20s)) << Status().dump();
  // The next real change does not follow u == 1: a gap, a resubscribe, the true book again.
  SetBook("bybit_b", json::array({{"29999.50", "1"}}), json::array({{"30000.50", "1"}}));
  ASSERT_TRUE(WaitFor([&] { return Counter("bybit_b", "gaps") >= 1 && Ready(); }, 20s)) << Status().dump();
  // Quiet: no more orders, every reply in.
  uint64_t n = SimOrders();
  for (int k = 0; k < 50; ++k) {
    std::this_thread::sleep_for(300ms);
    const uint64_t m = SimOrders();
    if (m == n) break;
    n = m;
  }
  std::this_thread::sleep_for(300ms);
  const std::vector<json> orders = OrderLog();
  int bybit_orders = 0;
  for (const json& ord : orders) {
    if (ord["venue"] != "bybit_b") continue;
    ++bybit_orders;
    EXPECT_EQ(ord["side"], "Sell");
    EXPECT_EQ(ord["price"], "30300.00");
    EXPECT_EQ(ord["result"], "expired") << "the simulator's book had no bid at 30300";
  }
  EXPECT_GE(bybit_orders, 1);
  const json st = Status();
  EXPECT_EQ(st["counters"]["cancels"].get<int>(), bybit_orders) << "each IOC that found nothing is one final cancel";
  EXPECT_EQ(st["counters"]["unknown"], 0);
  ExpectBalancesEqualTheSimulator();
  ASSERT_EQ(StopEngine(), 0) << engine_->Output();
}

TEST_F(BybitLoopback, GapsCrossedBooksStallsAndDisconnectsRecoverAndNoTopLeaksFromAFailedBook) {
  Options o;
  o.dislocation_every_ms = 400;
  o.sim_args = {"--fault-venue", "bybit_b", "--fault-drop-every-ms", "700", "--fault-cross-every-ms", "1900"};
  Start(o, /*paused=*/false);
  StartEngine();
  ASSERT_TRUE(WaitFor(
      [&] {
        const json s = Status();
        const json* b = VenueOf(s, "bybit_b");
        return b && (*b)["gaps"].get<int>() >= 3 && (*b)["crossed_books"].get<int>() >= 1 && (*b)["resyncs"].get<int>() >= 4;
      },
      60s))
      << Status().dump();
  ASSERT_TRUE(WaitFor([&] { return Ready(); }, 30s)) << "the book comes back by itself\n" << Status().dump();

  // A stall: deltas the engine never sees, then a gap when the stream resumes.
  const int gaps_before = Counter("bybit_b", "gaps");
  ASSERT_TRUE(SimCmd({{"cmd", "fault"}, {"venue", "bybit_b"}, {"stall", true}}).value("ok", false));
  std::this_thread::sleep_for(300ms);
  ASSERT_TRUE(SimCmd({{"cmd", "fault"}, {"venue", "bybit_b"}, {"stall", false}}).value("ok", false));
  ASSERT_TRUE(WaitFor([&] { return Counter("bybit_b", "gaps") > gaps_before; }, 20s)) << Status().dump();
  ASSERT_TRUE(WaitFor([&] { return Ready(); }, 30s)) << Status().dump();

  // A disconnect of every session: counted, reconnected, resubscribed, re-authenticated.
  ASSERT_GE(SimCmd({{"cmd", "fault"}, {"venue", "bybit_b"}, {"disconnect", true}}).value("disconnected", 0), 3)
      << "market data, trade and private sessions";
  ASSERT_TRUE(WaitFor([&] { return Counter("bybit_b", "disconnects") >= 1; }, 20s)) << Status().dump();
  ASSERT_TRUE(WaitFor([&] { return Ready(); }, 30s)) << Status().dump();
  EXPECT_TRUE(engine_->Running());

  ASSERT_EQ(StopEngine(), 0) << engine_->Output();
  testing::CoreInputSummary sum = testing::SummarizeCoreInputs(dir_.File("journal.hsj"));
  ASSERT_TRUE(sum.ok) << sum.error;
  EXPECT_TRUE(sum.tops_while_unusable.empty()) << "first offending journal record: " << sum.tops_while_unusable.front();
  EXPECT_GE(sum.statuses[1][FeedState::kGap], 4);
  EXPECT_GE(sum.statuses[1][FeedState::kCrossed], 1);
  EXPECT_GE(sum.statuses[1][FeedState::kDisconnected], 1);
  EXPECT_GT(sum.tops_after_failure[1], 10u) << "bybit_b kept publishing after recovering";
  EXPECT_EQ(sum.statuses[0][FeedState::kGap], 0) << "faults were injected on bybit_b only";
}

TEST_F(BybitLoopback, MalformedFramesAreCountedAndDroppedAndTheBookStands) {
  Start();
  SetBook("binance_a", json::array({{"29999.00", "1"}}), json::array({{"30000.00", "1"}}));
  SetBook("bybit_b", json::array({{"29999.50", "1"}}), json::array({{"30000.50", "1"}}));
  StartEngine();
  const json before = (*VenueOf(Status(), "bybit_b"))["books"][0];
  const std::vector<json> bad = {
      {{"text", R"({"topic":"orderbook.50.BTCUSDT","ts":1,"type":"delta","data":{"s":"BTCUSDT","b":[["abc","1"]],"a":[],"u":5}})"}},
      {{"text", R"({"topic":"orderbook.50.BTCUSDT","ts":1,"type":"delta","data":{"s":"BTCUSDT","b":[],"a":[]}})"}},
      {{"text", R"({"topic":"orderbook.50.BTCU)"}},
      {{"hex", "00ff13377f80c0ffee0a0d00"}},
  };
  for (json b : bad) {
    b["cmd"] = "raw";
    b["venue"] = "bybit_b";
    ASSERT_EQ(SimCmd(b).value("sent", 0), 1) << b.dump();
  }
  ASSERT_TRUE(WaitFor([&] { return Counter("bybit_b", "parse_errors") == 4; }, 10s)) << Status().dump();
  const json after = Status();
  const json& v = *VenueOf(after, "bybit_b");
  EXPECT_EQ(v["connected"], true);
  EXPECT_EQ(v["books"][0]["bid"], before["bid"]) << "the book stays at its last good state";
  EXPECT_EQ(v["books"][0]["ask"], before["ask"]);
  EXPECT_EQ(v["books"][0]["usable"], true);
  EXPECT_EQ(v["gaps"], 0);
  // And the stream goes on: the next real change applies.
  SetBook("bybit_b", json::array({{"29990.00", "1"}}), json::array({{"30000.50", "1"}}));
  ASSERT_TRUE(WaitFor([&] { return (*VenueOf(Status(), "bybit_b"))["books"][0]["bid"] == "29990"; }, 10s)) << Status().dump();
  EXPECT_EQ(SimOrders(), 0u);
}

}  // namespace
}  // namespace hs
