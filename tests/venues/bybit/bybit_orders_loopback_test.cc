// Bybit v5 spot order entry against homeostat-sim's Bybit protocol over real loopback sockets, in
// one process: the engine-side Orders session (trade and private WebSockets, signed REST for
// cancel-all, queries, the open-order list and DCP) and the simulator's Server share one
// io_context, which the test runs in slices until each condition holds or its deadline passes
// (no fixed sleeps). The DCP test forks: the child runs the session, the parent the simulator,
// and SIGKILL of the child must leave the simulator to cancel the resting order by itself.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/order_loopback.h"
#include "tests/support/test_support.h"
#include "venues/bybit/bybit_orders.h"
#include "venues/common/http_client.h"
#include "venues/common/signing.h"

namespace hs::bybit {
namespace {

using json = nlohmann::json;
using testing::Intent;
using testing::Lvl;

constexpr char kKey[] = "sim-bybit-key";
constexpr char kSecret[] = "sim-bybit-secret-for-tests-only";

std::string Config(int port, int dead_man_s, int order_rate) {
  testing::OrderLoopbackConfig c("bybit", "BTCUSDT", "HS_BOL_KEY", "HS_BOL_SECRET");
  c.execution = "ack_timeout_ms = 400\nquery_attempts = 5\nquery_backoff_ms = 100\n";
  c.venue_lines =
      "dead_man_s = " + std::to_string(dead_man_s) + "\n" +
      (order_rate > 0 ? "order_rate = " + std::to_string(order_rate) + "\norder_rate_window_ms = 1000\n" : "");
  c.sim_tick_ms = 10;
  return c.Toml(port);
}

bool LogHas(const std::vector<json>& log, const std::string& request, const std::string& client_id,
            const std::string& result) {
  for (const json& j : log)
    if (j.value("request", "") == request && (client_id.empty() || j.value("client_id", "") == client_id) &&
        (result.empty() || j.value("result", "") == result))
      return true;
  return false;
}

// The simulator with its order log at `log_path`, on `ioc`.
void StartSim(testing::LoopbackSim& sim, boost::asio::io_context& ioc, int port, int dead_man_s, int order_rate,
              const std::string& log_path) {
  sim.Start(ioc, Config(port, dead_man_s, order_rate), log_path, {Lvl("29999.0", "1"), Lvl("29998.0", "1")},
            {Lvl("30001.0", "0.3"), Lvl("30002.0", "0.5")});
}

// The engine side: one Orders session and the ring the core would read.
using Session = testing::LoopbackSession<Orders>;

class BybitOrdersLoopback : public ::testing::Test {
 protected:
  void Start(int dead_man_s = 0, int order_rate = 0) {
    ::setenv("HS_BOL_KEY", kKey, 1);
    ::setenv("HS_BOL_SECRET", kSecret, 1);
    log_path_ = dir_.path() + "/sim-orders.jsonl";
    ASSERT_NO_FATAL_FAILURE(StartSim(sim_, ioc_, testing::FreePort(), dead_man_s, order_rate, log_path_));
    s_.Start(ioc_, sim_.cfg->base);
    ASSERT_TRUE(s_.init.ok()) << s_.init;
    ASSERT_TRUE(RunUntil([&] { return s_.orders->connected(); }));
  }
  void TearDown() override {
    if (s_.orders) s_.orders->Stop();
    sim_.Stop();
    ioc_.run_for(std::chrono::milliseconds(50));
  }
  bool RunUntil(const std::function<bool()>& cond, std::chrono::milliseconds deadline = std::chrono::milliseconds(10'000)) {
    return testing::RunUntil(
        ioc_, [&] { s_.Drain(); }, cond, deadline);
  }
  uint64_t C(const runtime::VenueCounters::C& c) const { return c.load(); }
  std::vector<json> Log() const { return sim_.OrderLog(); }
  // The session's balances equal the simulator's account (control socket "accounts").
  void ExpectBalancesEqualTheSimulator() {
    ASSERT_TRUE(RunUntil([&] {
      const json a = json::parse(sim_.server->HandleControl(R"({"cmd":"accounts"})"));
      for (const auto& [asset, amt] : a["accounts"]["bybit"].items()) {
        const AssetId id = s_.symbols.FindAsset(asset);
        auto it = s_.balances.find(id.value);
        if (it == s_.balances.end() || it->second != ParseDecimal<Amount>(amt.get<std::string>()).value) return false;
      }
      return true;
    })) << sim_.server->HandleControl(R"({"cmd":"accounts"})");
  }

  testing::TempDir dir_;
  std::string log_path_;
  boost::asio::io_context ioc_;
  testing::LoopbackSim sim_;
  Session s_;
};

TEST_F(BybitOrdersLoopback, GtcPostOnlyRestsAndIsCanceledByClientId) {
  Start();
  // The open-order list at connect found nothing foreign.
  ASSERT_TRUE(RunUntil([&] { return LogHas(Log(), "list", "", "ok"); }));
  EXPECT_EQ(s_.orders->foreign_open_orders(), 0);
  s_.orders->OnIntent(Intent(0x101, Side::kBuy, "29000.0", "0.1", TimeInForce::kGtc, /*post_only=*/true));
  ASSERT_TRUE(RunUntil([&] { return s_.Has(0x101, ExecKind::kAck); }));
  ASSERT_TRUE(RunUntil([&] { return LogHas(Log(), "place", "hs257", "resting"); }));
  EXPECT_FALSE(s_.Final(0x101));
  for (const json& j : Log())
    if (j.value("request", "") == "place" && j.value("client_id", "") == "hs257")
      EXPECT_EQ(j["wire"]["timeInForce"], "PostOnly");
  // A post-only that would cross is canceled unfilled.
  s_.orders->OnIntent(Intent(0x102, Side::kBuy, "30005.0", "0.1", TimeInForce::kGtc, true));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x102); }));
  EXPECT_EQ(s_.For(0x102).back().kind, ExecKind::kCanceled);
  EXPECT_TRUE(s_.Filled(0x102).is_zero());

  ASSERT_TRUE(s_.orders->Cancel(ClientOrderId{0x101}));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x101); }));
  EXPECT_EQ(s_.For(0x101).back().kind, ExecKind::kCanceled);
  EXPECT_TRUE(LogHas(Log(), "cancel", "hs257", "canceled"));
  EXPECT_EQ(C(s_.counters.cancels_sent), 1u);
  EXPECT_EQ(s_.orders->tracker().active(), 0);
  // Cancelling what is no longer there: nothing tracked, nothing sent.
  EXPECT_FALSE(s_.orders->Cancel(ClientOrderId{0x101}));
  ExpectBalancesEqualTheSimulator();
}

TEST_F(BybitOrdersLoopback, CancelAllCancelsRestingOrders) {
  Start();
  s_.orders->OnIntent(Intent(0x201, Side::kBuy, "29000.0", "0.1", TimeInForce::kGtc));
  s_.orders->OnIntent(Intent(0x202, Side::kSell, "31000.0", "0.1", TimeInForce::kGtc, true));
  ASSERT_TRUE(RunUntil([&] { return s_.Has(0x201, ExecKind::kAck) && s_.Has(0x202, ExecKind::kAck); }));
  ASSERT_TRUE(s_.orders->CancelAll());
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x201) && s_.Final(0x202) && C(s_.counters.cancel_all_confirmed) == 1; }));
  EXPECT_EQ(s_.For(0x201).back().kind, ExecKind::kCanceled);
  EXPECT_EQ(s_.For(0x202).back().kind, ExecKind::kCanceled);
  EXPECT_TRUE(LogHas(Log(), "cancel_all", "", "ok"));
  EXPECT_EQ(s_.orders->tracker().active(), 0);
  // The kill switch does not stop it.
  s_.kill.Trip();
  EXPECT_TRUE(s_.orders->CancelAll());
  ASSERT_TRUE(RunUntil([&] { return C(s_.counters.cancel_all_confirmed) == 2; }));
  ExpectBalancesEqualTheSimulator();
}

// Fault drop_replies: the order fills at the venue but neither the reply nor the pushes come
// back. Outcome: after ack_timeout_ms (400) the order is kUnknown, a signed /v5/order/realtime
// query finds it PartiallyFilledCanceled with 0.3 filled: one fill (qty, quote and fee exactly
// the venue's), then a final kCanceled; the slot is free.
TEST_F(BybitOrdersLoopback, DroppedReplyIsQueriedAndResolved) {
  Start();
  sim_.server->HandleControl(R"({"cmd":"fault","venue":"bybit","drop_replies":1})");
  s_.orders->OnIntent(Intent(0x301, Side::kBuy, "30001.5", "0.5"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x301); }));
  const auto r = s_.For(0x301);
  ASSERT_GE(r.size(), 3u);
  EXPECT_EQ(r.front().kind, ExecKind::kUnknown);
  EXPECT_EQ(s_.Filled(0x301), ParseDecimal<Qty>("0.3").value);
  for (const ExecReport& e : r) {
    if (e.kind != ExecKind::kFill) continue;
    EXPECT_EQ(e.fill_quote, ParseDecimal<Amount>("9000.3").value);
    EXPECT_EQ(e.fee, ParseDecimal<Amount>("0.0003").value) << "0.1% of 0.3 BTC, charged in the BTC received";
    EXPECT_EQ(e.fee_asset, s_.symbols.FindAsset("BTC"));
  }
  EXPECT_EQ(r.back().kind, ExecKind::kCanceled);
  EXPECT_GE(C(s_.counters.order_queries), 1u);
  EXPECT_EQ(C(s_.counters.unknown_orders), 1u);
  EXPECT_EQ(C(s_.counters.unknown_resolved), 1u);
  EXPECT_EQ(s_.orders->tracker().active(), 0);
  EXPECT_TRUE(LogHas(Log(), "query", "hs769", "ok"));
  // The wallet push was dropped too: the session's view catches up with the next one.
  s_.orders->OnIntent(Intent(0x302, Side::kBuy, "30002.0", "0.1"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x302); }));
  ExpectBalancesEqualTheSimulator();
}

// Fault drop_replies on a GTC: the order rests at the venue but nothing comes back. Outcome:
// kUnknown after the ack timeout; the query finds it New: resolved, still live (not final);
// a cancel by client id then closes it kCanceled.
TEST_F(BybitOrdersLoopback, UnknownGtcIsQueriedAndStaysLive) {
  Start();
  sim_.server->HandleControl(R"({"cmd":"fault","venue":"bybit","drop_replies":1})");
  s_.orders->OnIntent(Intent(0x351, Side::kBuy, "29000.0", "0.1", TimeInForce::kGtc));
  ASSERT_TRUE(RunUntil([&] { return s_.Has(0x351, ExecKind::kUnknown); }));
  // The query finds it resting: it stays live (acked), not final.
  ASSERT_TRUE(RunUntil([&] { return C(s_.counters.unknown_resolved) == 1; }));
  EXPECT_FALSE(s_.Final(0x351));
  EXPECT_EQ(s_.For(0x351).back().kind, ExecKind::kAck) << "live again, as far as the core knows";
  ASSERT_TRUE(s_.orders->Cancel(ClientOrderId{0x351}));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x351); }));
  EXPECT_EQ(s_.For(0x351).back().kind, ExecKind::kCanceled);
  ExpectBalancesEqualTheSimulator();
}

// Fault late_replies (300 ms, inside the 400 ms ack timeout): reply and pushes arrive late.
// Outcome: ack, one fill of 0.3, final kCanceled; nothing unknown, no query.
TEST_F(BybitOrdersLoopback, LateReplyIsReportedOnce) {
  Start();
  sim_.server->HandleControl(R"({"cmd":"fault","venue":"bybit","late_replies":1,"late_reply_ms":300})");
  s_.orders->OnIntent(Intent(0x401, Side::kBuy, "30001.5", "0.5"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x401); }));
  EXPECT_EQ(s_.For(0x401).front().kind, ExecKind::kAck);
  EXPECT_EQ(s_.Filled(0x401), ParseDecimal<Qty>("0.3").value);
  EXPECT_EQ(s_.For(0x401).back().kind, ExecKind::kCanceled);
  EXPECT_EQ(C(s_.counters.unknown_orders), 0u);
  ExpectBalancesEqualTheSimulator();
}

// Fault duplicate_fills: each execution push arrives twice (0.3 @ 30001 and 0.2 @ 30002).
// Outcome: the fills add up to 0.5 once; the order is final Filled.
TEST_F(BybitOrdersLoopback, DuplicateFillsAreCountedOnce) {
  Start();
  sim_.server->HandleControl(R"({"cmd":"fault","venue":"bybit","duplicate_fills":1})");
  s_.orders->OnIntent(Intent(0x501, Side::kBuy, "30002.0", "0.5"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x501); }));
  // Let any duplicate arrive.
  ASSERT_TRUE(RunUntil([&] { return LogHas(Log(), "place", "hs1281", "filled"); }));
  s_.orders->OnIntent(Intent(0x502, Side::kSell, "29000.0", "0.0001"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x502); }));
  EXPECT_EQ(s_.Filled(0x501), ParseDecimal<Qty>("0.5").value);
  EXPECT_EQ(s_.For(0x501).back().kind, ExecKind::kFill);
  EXPECT_EQ(s_.For(0x501).back().cum_qty, ParseDecimal<Qty>("0.5").value);
  ExpectBalancesEqualTheSimulator();
}

// Fault disconnect_orders: the order executes, then the trade connection closes before the
// reply (no pushes either). Outcome: kUnknown at the disconnect; after the reconnect the query
// resolves it (0.3 filled, final kCanceled).
TEST_F(BybitOrdersLoopback, DisconnectMidOrderResolvesAfterReconnect) {
  Start();
  sim_.server->HandleControl(R"({"cmd":"fault","venue":"bybit","disconnect_orders":1})");
  s_.orders->OnIntent(Intent(0x601, Side::kBuy, "30001.5", "0.5"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x601); }));
  EXPECT_EQ(s_.For(0x601).front().kind, ExecKind::kUnknown);
  EXPECT_EQ(s_.Filled(0x601), ParseDecimal<Qty>("0.3").value);
  EXPECT_EQ(s_.For(0x601).back().kind, ExecKind::kCanceled);
  EXPECT_EQ(C(s_.counters.unknown_resolved), 1u);
  ASSERT_TRUE(RunUntil([&] { return s_.orders->connected(); }));
  s_.orders->OnIntent(Intent(0x602, Side::kBuy, "30002.0", "0.1"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x602); }));
  ExpectBalancesEqualTheSimulator();
}

// Fault rate_limit_orders: the venue answers 10006. Outcome: kRejected kRateLimited, the budget
// backs off (the next intent is refused locally, kRateLimited, without reaching the venue).
TEST_F(BybitOrdersLoopback, VenueRateLimitRejectsAndBacksOff) {
  Start();
  sim_.server->HandleControl(R"({"cmd":"fault","venue":"bybit","rate_limit_orders":1})");
  s_.orders->OnIntent(Intent(0x701, Side::kBuy, "30001.5", "0.1"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x701); }));
  EXPECT_EQ(s_.For(0x701).back().kind, ExecKind::kRejected);
  EXPECT_EQ(s_.For(0x701).back().reason, RejectReason::kRateLimited);
  EXPECT_EQ(s_.For(0x701).back().venue_code, 10006);
  const size_t placed = Log().size();
  s_.orders->OnIntent(Intent(0x702, Side::kBuy, "30001.5", "0.1"));
  s_.Drain();
  ASSERT_EQ(s_.For(0x702).size(), 1u);
  EXPECT_EQ(s_.For(0x702)[0].reason, RejectReason::kRateLimited);
  EXPECT_EQ(C(s_.counters.rate_limited), 2u);
  EXPECT_EQ(Log().size(), placed) << "the backed-off intent never reached the venue";
  ExpectBalancesEqualTheSimulator();
}

// The simulator's own 20/s order/create limit, with the local budget lifted to 100/s: 25 IOCs
// in one burst → the 21st and later are refused with 10006, each a kRateLimited reject.
TEST_F(BybitOrdersLoopback, SimulatorEnforcesTwentyOrdersPerSecond) {
  Start(0, 100);
  for (uint64_t i = 0; i < 25; ++i) s_.orders->OnIntent(Intent(0x800 + i, Side::kBuy, "20000.0", "0.001"));
  ASSERT_TRUE(RunUntil([&] {
    for (uint64_t i = 0; i < 25; ++i)
      if (!s_.Final(0x800 + i)) return false;
    return true;
  }));
  int limited = 0;
  for (uint64_t i = 0; i < 25; ++i)
    if (s_.For(0x800 + i).back().reason == RejectReason::kRateLimited) ++limited;
  EXPECT_EQ(limited, 5) << "a sliding one-second window: the burst beyond 20";
  EXPECT_EQ(C(s_.counters.rate_limited), 5u);
  ExpectBalancesEqualTheSimulator();
}

// Fault partial_orders: the IOC fills only half (0.1 of 0.2, although 0.3 was offered).
// Outcome: one fill of 0.1, final kCanceled with cum 0.1.
TEST_F(BybitOrdersLoopback, PartialFill) {
  Start();
  sim_.server->HandleControl(R"({"cmd":"fault","venue":"bybit","partial_orders":1})");
  s_.orders->OnIntent(Intent(0x901, Side::kBuy, "30001.5", "0.2"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0x901); }));
  EXPECT_EQ(s_.Filled(0x901), ParseDecimal<Qty>("0.1").value);
  EXPECT_EQ(s_.For(0x901).back().kind, ExecKind::kCanceled);
  EXPECT_EQ(s_.For(0x901).back().cum_qty, ParseDecimal<Qty>("0.1").value);
  ExpectBalancesEqualTheSimulator();
}

// Fault reject_orders: the venue refuses with 170131. Outcome: final kRejected kVenue with the code.
TEST_F(BybitOrdersLoopback, Reject) {
  Start();
  sim_.server->HandleControl(R"({"cmd":"fault","venue":"bybit","reject_orders":1})");
  s_.orders->OnIntent(Intent(0xA01, Side::kBuy, "30001.5", "0.2"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0xA01); }));
  EXPECT_EQ(s_.For(0xA01).back().kind, ExecKind::kRejected);
  EXPECT_EQ(s_.For(0xA01).back().reason, RejectReason::kVenue);
  EXPECT_EQ(s_.For(0xA01).back().venue_code, 170131);
  EXPECT_EQ(C(s_.counters.order_rejects), 1u);
  ExpectBalancesEqualTheSimulator();
}

// The simulator's REST endpoints check X-BAPI-SIGN: a request signed with another secret is refused.
TEST_F(BybitOrdersLoopback, SimulatorRefusesABadRestSignature) {
  Start();
  const int64_t ts = WallNow().value / 1'000'000;
  const std::string body = R"({"category":"spot"})";
  bool done = false;
  venues::HttpResponse got;
  for (const char* secret : {"not-the-secret", kSecret}) {
    venues::HttpRequest req;
    req.method = "POST";
    req.url = sim_.cfg->base.venues[0].rest_url + "/v5/order/cancel-all";
    const std::string sig =
        venues::HexEncode(venues::HmacSha256Raw(secret, std::to_string(ts) + kKey + "5000" + body));
    req.headers = {{"X-BAPI-API-KEY", kKey}, {"X-BAPI-TIMESTAMP", std::to_string(ts)},
                   {"X-BAPI-RECV-WINDOW", "5000"}, {"X-BAPI-SIGN", sig}};
    req.body = body;
    done = false;
    venues::HttpFetch(ioc_, req, [&](venues::HttpResponse r) {
      got = std::move(r);
      done = true;
    });
    ASSERT_TRUE(RunUntil([&] { return done; }));
    const json j = json::parse(got.body);
    if (std::string(secret) == kSecret) {
      EXPECT_EQ(j["retCode"], 0) << got.body;
    } else {
      EXPECT_EQ(j["retCode"], 10004) << got.body;
      EXPECT_EQ(got.body.find(kSecret), std::string::npos);
    }
  }
  ExpectBalancesEqualTheSimulator();
}

// Reconciliation: after fills (their wallet pushes settled) and a deposit the session hears
// nothing of, RequestBalances (signed GET /v5/account/wallet-balance?accountType=UNIFIED)
// publishes one full snapshot — an update per configured asset, the last marked final — equal
// to the simulator's account. Not order entry: the order log does not record it.
TEST_F(BybitOrdersLoopback, RequestBalancesPublishesTheSimulatorsAccountAfterFills) {
  Start();
  s_.orders->OnIntent(Intent(0xB01, Side::kBuy, "30001.5", "0.25"));
  s_.orders->OnIntent(Intent(0xB02, Side::kSell, "29998.0", "0.4"));
  ASSERT_TRUE(RunUntil([&] { return s_.Final(0xB01) && s_.Final(0xB02); }));
  ASSERT_EQ(s_.Filled(0xB01), ParseDecimal<Qty>("0.25").value);
  ASSERT_EQ(s_.Filled(0xB02), ParseDecimal<Qty>("0.4").value);
  ExpectBalancesEqualTheSimulator();
  sim_.server->account(0).balances()["USDT"] += ParseDecimal<Amount>("12.5").value;
  const size_t logged = Log().size();
  s_.updates.clear();
  ASSERT_TRUE(s_.orders->RequestBalances());
  ASSERT_TRUE(RunUntil([&] { return !s_.updates.empty() && s_.updates.back().final_of_snapshot; }));
  ASSERT_EQ(s_.updates.size(), 2u) << "one update per configured asset";
  for (const BalanceUpdate& b : s_.updates) {
    EXPECT_EQ(b.locked, Amount::Zero());
    EXPECT_EQ(b.final_of_snapshot, &b == &s_.updates.back());
    const std::string asset = b.asset == s_.symbols.FindAsset("BTC") ? "BTC" : "USDT";
    EXPECT_EQ(b.free, sim_.server->account(0).balance(asset)) << asset;
  }
  EXPECT_EQ(Log().size(), logged) << "a balance query is not order entry";
  EXPECT_EQ(C(s_.counters.order_parse_errors), 0u);
  ExpectBalancesEqualTheSimulator();
}

// Answers to the wallet query that cannot be used publish nothing, say why in the log, and count
// order_parse_errors when malformed (a refusal or a transport failure is not malformed). A good
// answer afterwards still publishes, and so does the real query.
TEST_F(BybitOrdersLoopback, MalformedWalletAnswersAreCountedAndPublishNothing) {
  Start();
  const std::string ok_head = R"({"retCode":0,"retMsg":"OK","result":{"list":[{"accountType":"UNIFIED","coin":[)";
  const std::vector<testing::UnusableBalanceAnswer> answers = {
      {"not JSON", 200, "wallet: full", true},
      {"truncated", 200, ok_head + R"({"coin":"BTC","walletBalance":"1")", true},
      {"USDT not a decimal (BTC fine)", 200,
       ok_head + R"({"coin":"BTC","walletBalance":"1","locked":"0"},{"coin":"USDT","walletBalance":"1e5"}]}]}})", true},
      {"a coin without a balance", 200, ok_head + R"({"coin":"USDT","locked":"0"}]}]}})", true},
      {"a coin without a name", 200, ok_head + R"({"walletBalance":"1"}]}]}})", true},
      {"no account in the list", 200, R"({"retCode":0,"retMsg":"OK","result":{"list":[]}})", true},
      {"no list", 200, R"({"retCode":0,"retMsg":"OK","result":{}})", true},
      {"no retCode", 200, R"({"retMsg":"OK","result":{"list":[{"coin":[]}]}})", true},
      {"refused", 200, R"({"retCode":10001,"retMsg":"accountType only support UNIFIED.","result":{}})", false},
      {"HTTP error", 403, "forbidden", false},
      {"transport failure", 0, "", false},
  };
  testing::ExpectUnusableAnswersPublishNothing(
      s_, answers, [&](const venues::HttpResponse& r) { return s_.orders->OnWalletAnswer(r, WallNow()); });
  const auto errors = C(s_.counters.order_parse_errors);  // grown by exactly the malformed answers
  // Usable: free = walletBalance − locked; an asset the answer omits holds nothing.
  venues::HttpResponse good;
  good.status = 200;
  good.body = ok_head + R"({"coin":"BTC","walletBalance":"1.25","locked":"0.5"}]}]}})";
  EXPECT_TRUE(s_.orders->OnWalletAnswer(good, WallNow()));
  s_.Drain();
  ASSERT_EQ(s_.updates.size(), 2u);
  EXPECT_EQ(s_.updates[0].asset, s_.symbols.FindAsset("BTC"));
  EXPECT_EQ(s_.updates[0].free, ParseDecimal<Amount>("0.75").value);
  EXPECT_EQ(s_.updates[0].locked, ParseDecimal<Amount>("0.5").value);
  EXPECT_EQ(s_.updates[1].free, Amount::Zero());
  EXPECT_TRUE(s_.updates[1].final_of_snapshot);
  EXPECT_EQ(C(s_.counters.order_parse_errors), errors);
  s_.updates.clear();
  ASSERT_TRUE(s_.orders->RequestBalances());
  ASSERT_TRUE(RunUntil([&] { return !s_.updates.empty() && s_.updates.back().final_of_snapshot; }));
  EXPECT_TRUE(s_.orders->connected());
  ExpectBalancesEqualTheSimulator();
}

// The simulator answers the wallet only for accountType=UNIFIED (retCode 10001 otherwise, as the
// venue does for a unified account): the session takes that as a refusal (nothing published,
// nothing counted as malformed) and the UNIFIED answer as a snapshot.
TEST_F(BybitOrdersLoopback, SimulatorAnswersTheWalletOnlyForAUnifiedAccount) {
  Start();
  s_.Drain();
  s_.updates.clear();
  for (const std::string account_type : {"SPOT", "UNIFIED"}) {
    const int64_t ts = WallNow().value / 1'000'000;
    const std::string query = "accountType=" + account_type;
    venues::HttpRequest req;
    req.url = sim_.cfg->base.venues[0].rest_url + "/v5/account/wallet-balance?" + query;
    req.headers = {
        {"X-BAPI-API-KEY", kKey},
        {"X-BAPI-TIMESTAMP", std::to_string(ts)},
        {"X-BAPI-RECV-WINDOW", "5000"},
        {"X-BAPI-SIGN", venues::HexEncode(venues::HmacSha256Raw(kSecret, std::to_string(ts) + kKey + "5000" + query))}};
    bool done = false;
    venues::HttpResponse got;
    venues::HttpFetch(ioc_, req, [&](venues::HttpResponse r) {
      got = std::move(r);
      done = true;
    });
    ASSERT_TRUE(RunUntil([&] { return done; }));
    const bool unified = account_type == "UNIFIED";
    EXPECT_EQ(json::parse(got.body)["retCode"], unified ? 0 : 10001) << got.body;
    EXPECT_EQ(s_.orders->OnWalletAnswer(got, WallNow()), unified) << account_type;
    s_.Drain();
    EXPECT_EQ(s_.updates.size(), unified ? 2u : 0u) << account_type;
  }
  EXPECT_EQ(C(s_.counters.order_parse_errors), 0u);
  ExpectBalancesEqualTheSimulator();
}

// DCP (dead_man_s = 3): the child process runs the session, places a PostOnly GTC that rests,
// and is SIGKILLed; with its private connection gone for 3 s, the simulator cancels the order
// (order log: request "dead_man", result "canceled"). The parent runs the simulator.
TEST(BybitDeadMan, SigkilledSessionsOrdersAreCanceledByDcp) {
  ::setenv("HS_BOL_KEY", kKey, 1);
  ::setenv("HS_BOL_SECRET", kSecret, 1);
  testing::TempDir dir;
  const std::string log_path = dir.path() + "/sim-orders.jsonl";
  const int port = testing::FreePort();
  // Fork first: the child starts from a process with no sockets or threads of the parent's.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    boost::asio::io_context ioc;
    auto c = sim::ParseSimConfig(Config(port, 3, 0), "test");
    if (!c.ok()) ::_exit(2);
    const config::Config base = c->base;
    Session s;
    s.Start(ioc, base);
    if (!s.init.ok()) ::_exit(3);
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!s.orders->connected() || s.counters.dead_man_refreshes.load() == 0) {
      if (std::chrono::steady_clock::now() > end) ::_exit(4);
      ioc.run_for(std::chrono::milliseconds(5));
      s.Drain();
    }
    s.orders->OnIntent(Intent(0xD01, Side::kBuy, "29000.0", "0.1", TimeInForce::kGtc, true));
    for (;;) {  // until SIGKILL
      ioc.run_for(std::chrono::milliseconds(50));
      s.Drain();
    }
  }
  boost::asio::io_context ioc;
  testing::LoopbackSim sim;
  ASSERT_NO_FATAL_FAILURE(StartSim(sim, ioc, port, 3, 0, log_path));
  auto run_until = [&](const std::function<bool()>& cond, std::chrono::milliseconds deadline) {
    const auto end = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < end) {
      ioc.run_for(std::chrono::milliseconds(5));
      if (cond()) return true;
      int status = 0;
      if (::waitpid(child, &status, WNOHANG) == child) {
        ADD_FAILURE() << "the child exited early, status " << status;
        return false;
      }
    }
    return cond();
  };
  const bool rested = run_until([&] { return LogHas(sim.OrderLog(), "place", "hs3329", "resting"); },
                                std::chrono::milliseconds(10'000));
  EXPECT_TRUE(LogHas(sim.OrderLog(), "dead_man", "", "armed")) << "DCP armed at connect";
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(rested);
  EXPECT_TRUE(WIFSIGNALED(status));
  const auto killed = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_until([&] { return LogHas(sim.OrderLog(), "dead_man", "hs3329", "canceled"); },
                        std::chrono::milliseconds(15'000)));
  const auto waited = std::chrono::steady_clock::now() - killed;
  EXPECT_GE(waited, std::chrono::milliseconds(2'500)) << "not before the 3 s window";
  ioc.run_for(std::chrono::milliseconds(20));
}

}  // namespace
}  // namespace hs::bybit
