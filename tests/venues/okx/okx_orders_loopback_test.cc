// OKX order entry against homeostat-sim's OKX protocol over real loopback sockets, in one
// process: the engine-side Orders session (WS login, account and orders channels, op order /
// cancel-order / batch-cancel-orders; signed REST for queries, fills, the open-order listing and
// cancel-all-after) and the simulator's Server share one io_context, which the test runs in
// slices until each condition holds or its deadline passes (no fixed sleeps). The simulator's
// order log goes to a temporary file the tests read back.
//
// At the end of each test the venue's account (the simulator's books) must equal the starting
// balances moved by exactly the fills the session reported (ExpectBalancesFollowTheReports).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/base/decimal.h"
#include "core/messages/rings.h"
#include "core/runtime/kill_switch.h"
#include "core/runtime/log.h"
#include "core/runtime/venue_counters.h"
#include "tests/support/test_support.h"
#include "venues/common/venue_publisher.h"
#include "venues/okx/okx_orders.h"
#include "venues/sim/sim_server.h"

namespace hs::okx {
namespace {

using json = nlohmann::json;

constexpr char kSecret[] = "okx-loopback-secret-test-only";

std::string Config(int port, const std::string& extra_venue = "") {
  const std::string p = std::to_string(port);
  return testing::UnitConfigToml(R"("BTC", "USDT")", R"([execution]
ack_timeout_ms = 300
query_attempts = 8
query_backoff_ms = 100
[[instruments]]
name = "BTC/USDT"
base = "BTC"
quote = "USDT"
tick = "0.1"
lot = "0.0001"
[[venues]]
name = "okx"
kind = "okx"
market_data_url = "ws://127.0.0.1:)" + p + R"("
rest_url = "http://127.0.0.1:)" + p + R"("
order_url = "ws://127.0.0.1:)" + p + R"("
api_key_env = "HS_OOL_KEY"
api_secret_env = "HS_OOL_SECRET"
passphrase_env = "HS_OOL_PASS"
taker_fee = "0.001"
dead_man_s = 10
reconnect_min_ms = 50
reconnect_max_ms = 200
)" + extra_venue + R"(symbols = { "BTC/USDT" = "BTC-USDT" }
[sim]
seed = 1
levels = 5
tick_interval_ms = 20
dislocation_every_ms = 0
[sim.prices]
"BTC/USDT" = "30000"
[sim.accounts.okx]
taker_fee = "0.001"
balances = { "BTC" = "2", "USDT" = "100000" }
)");
}

Level L(const char* px, const char* qty) { return Level{ParseDecimal<Price>(px).value, ParseDecimal<Qty>(qty).value}; }
Qty Q(const char* s) { return ParseDecimal<Qty>(s).value; }
Amount A(const char* s) { return ParseDecimal<Amount>(s).value; }

class OkxOrdersLoopback : public ::testing::Test {
 protected:
  // session_order_rate > 0: the session's budget differs from the venue's (the simulator keeps
  // the configured one).
  void Start(const std::string& extra_venue = "", int64_t session_order_rate = 0) {
    ::setenv("HS_OOL_KEY", "okx-test-key", 1);
    ::setenv("HS_OOL_SECRET", kSecret, 1);
    ::setenv("HS_OOL_PASS", "okx-test-pass", 1);
    auto c = sim::ParseSimConfig(Config(testing::FreePort(), extra_venue), "test");
    ASSERT_TRUE(c.ok()) << c.status();
    cfg_ = std::make_unique<sim::SimConfig>(*c);
    market_ = std::make_unique<sim::Market>(*cfg_);
    market_->SetPaused(true);
    server_ = std::make_unique<sim::Server>(ioc_, *cfg_, market_.get());
    ASSERT_TRUE(server_->Listen("").ok());
    log_file_ = std::tmpfile();
    ASSERT_NE(log_file_, nullptr);
    server_->SetOrderLog(log_file_);
    server_->StartClock();  // late replies and the dead man's switch run on the sim's tick
    server_->PublishChange(market_->SetBook(0, 0, {L("29999.0", "1"), L("29998.0", "1")},
                                            {L("30001.0", "0.3"), L("30002.0", "0.5")}));
    symbols_ = venues::SymbolTable(cfg_->base, cfg_->base.venues[0]);
    consumer_ = std::make_unique<VenueRing::Consumer>(ring_.TakeConsumer());
    pub_ = std::make_unique<venues::VenuePublisher>(ring_.TakeProducer(), nullptr, &counters_);
    session_venue_ = cfg_->base.venues[0];
    if (session_order_rate > 0) session_venue_.order_rate = session_order_rate;
    venues::VenueContext ctx;
    ctx.id = VenueId{0};
    ctx.venue = &session_venue_;
    ctx.config = &cfg_->base;
    ctx.publisher = pub_.get();
    ctx.counters = &counters_;
    ctx.kill = &kill_;
    ctx.log = &log_;
    ctx.ioc = &ioc_;
    orders_ = std::make_unique<Orders>(ctx, &symbols_, [] {});
    ASSERT_TRUE(orders_->Init().ok());
    orders_->Start();
    start_btc_ = Bal("BTC");
    start_usdt_ = Bal("USDT");
  }
  void TearDown() override {
    if (orders_) orders_->Stop();
    if (server_) server_->Stop();
    ioc_.run_for(std::chrono::milliseconds(50));
    if (log_file_) std::fclose(log_file_);
  }
  bool RunUntil(const std::function<bool()>& cond, std::chrono::milliseconds deadline = std::chrono::milliseconds(10'000)) {
    const auto end = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < end) {
      ioc_.run_for(std::chrono::milliseconds(5));
      Drain();
      if (cond()) return true;
    }
    return cond();
  }
  void Drain() {
    pub_->Flush();
    VenueMsg m;
    while (consumer_->TryPop(m)) {
      if (m.kind == VenueMsg::Kind::kExec) execs_.push_back(m.exec);
      if (m.kind == VenueMsg::Kind::kBalance) balances_.push_back(m.balance);
    }
  }
  OrderIntent Intent(uint64_t id, Side side, const char* px, const char* qty, TimeInForce tif = TimeInForce::kIoc,
                     bool post_only = false) {
    OrderIntent in;
    in.client_id = ClientOrderId{id};
    in.venue = VenueId{0};
    in.instrument = InstrumentId{0};
    in.side = side;
    in.tif = tif;
    in.post_only = post_only;
    in.limit_px = ParseDecimal<Price>(px).value;
    in.qty = ParseDecimal<Qty>(qty).value;
    return in;
  }
  std::vector<ExecReport> For(uint64_t id) const {
    std::vector<ExecReport> v;
    for (const ExecReport& e : execs_)
      if (e.client_id.value == id) v.push_back(e);
    return v;
  }
  bool Final(uint64_t id) const {
    for (const ExecReport& e : execs_)
      if (e.client_id.value == id && e.final) return true;
    return false;
  }
  bool Has(uint64_t id, ExecKind k) const {
    for (const ExecReport& e : execs_)
      if (e.client_id.value == id && e.kind == k) return true;
    return false;
  }
  Qty Filled(uint64_t id) const {
    Qty q = Qty::Zero();
    for (const ExecReport& e : execs_)
      if (e.client_id.value == id && e.kind == ExecKind::kFill) q += e.fill_qty;
    return q;
  }
  int Fills(uint64_t id) const {
    int n = 0;
    for (const ExecReport& e : execs_) n += e.client_id.value == id && e.kind == ExecKind::kFill ? 1 : 0;
    return n;
  }
  Amount Bal(const char* asset) { return server_->account(0).balance(asset); }
  int64_t C(const runtime::VenueCounters::C& c) const { return c.load(std::memory_order_relaxed); }
  std::vector<json> OrderLog() {
    std::vector<json> v;
    std::fflush(log_file_);
    std::rewind(log_file_);
    char line[1 << 14];
    while (std::fgets(line, sizeof line, log_file_) != nullptr) v.push_back(json::parse(line, nullptr, false));
    std::fseek(log_file_, 0, SEEK_END);
    return v;
  }
  int LogCount(const std::string& request) {
    int n = 0;
    for (const json& j : OrderLog()) n += j.is_object() && j.value("request", "") == request ? 1 : 0;
    return n;
  }
  // The venue's account moved by exactly the fills the session reported (buy: BTC in, fee in
  // BTC; sell: USDT in, fee in USDT).
  void ExpectBalancesFollowTheReports() {
    Amount btc = start_btc_, usdt = start_usdt_;
    const AssetId btc_id = symbols_.FindAsset("BTC");
    for (const ExecReport& e : execs_) {
      if (e.kind != ExecKind::kFill) continue;
      const Amount q = AmountFromQty(e.fill_qty);
      if (e.side == Side::kBuy) {
        btc += q;
        usdt -= e.fill_quote;
      } else {
        btc -= q;
        usdt += e.fill_quote;
      }
      (e.fee_asset == btc_id ? btc : usdt) -= e.fee;
    }
    EXPECT_EQ(Bal("BTC"), btc) << "the simulator's BTC and the session's fills agree";
    EXPECT_EQ(Bal("USDT"), usdt) << "the simulator's USDT and the session's fills agree";
  }

  boost::asio::io_context ioc_;
  std::unique_ptr<sim::SimConfig> cfg_;
  std::unique_ptr<sim::Market> market_;
  std::unique_ptr<sim::Server> server_;
  config::VenueConfig session_venue_;
  std::FILE* log_file_ = nullptr;
  venues::SymbolTable symbols_;
  runtime::VenueCounters counters_;
  runtime::KillSwitch kill_;
  runtime::LogChannel log_{"okx-orders-test", 0};
  VenueRing ring_{4096};
  std::unique_ptr<VenueRing::Consumer> consumer_;
  std::unique_ptr<venues::VenuePublisher> pub_;
  std::unique_ptr<Orders> orders_;
  std::vector<ExecReport> execs_;
  std::vector<BalanceUpdate> balances_;
  Amount start_btc_, start_usdt_;
};

TEST_F(OkxOrdersLoopback, ConnectListsOpenOrdersAndArmsTheDeadMansSwitch) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return orders_->connected(); }));
  ASSERT_TRUE(RunUntil([&] { return orders_->lists_done() >= 1 && C(counters_.dead_man_refreshes) >= 1; }));
  EXPECT_EQ(orders_->listed_open(), 0);
  const int64_t now_ms = WallNow().value / 1'000'000;
  EXPECT_GT(orders_->dead_man_trigger_ms(), now_ms + 5'000) << "armed for 10 s";
  EXPECT_LE(orders_->dead_man_trigger_ms(), now_ms + 10'000);
  EXPECT_GE(LogCount("list"), 1);
  EXPECT_GE(LogCount("dead_man"), 1);
  // Refreshed every max(1, 10 / 4) = 2 s while healthy: the trigger moves out.
  const int64_t first = orders_->dead_man_trigger_ms();
  ASSERT_TRUE(RunUntil([&] { return C(counters_.dead_man_refreshes) >= 2; }, std::chrono::milliseconds(5'000)));
  EXPECT_GT(orders_->dead_man_trigger_ms(), first);
  EXPECT_GE(LogCount("dead_man"), 2);
  ExpectBalancesFollowTheReports();
}

TEST_F(OkxOrdersLoopback, IocFillHasTheExactQuoteAndFee) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return orders_->connected(); }));
  // Buy 0.5 up to 30001.5: 0.3 @ 30001.0 fills, the rest is canceled.
  orders_->OnIntent(Intent(0x101, Side::kBuy, "30001.5", "0.5"));
  ASSERT_TRUE(RunUntil([&] { return Final(0x101); }));
  const auto r = For(0x101);
  ASSERT_EQ(r.front().kind, ExecKind::kAck);
  ASSERT_EQ(Fills(0x101), 1);
  for (const ExecReport& e : r) {
    if (e.kind != ExecKind::kFill) continue;
    EXPECT_EQ(e.fill_qty, Q("0.3"));
    EXPECT_EQ(e.fill_quote, A("9000.3"));
    EXPECT_EQ(e.fee, A("0.0003")) << "0.1% of 0.3 BTC, in BTC";
  }
  EXPECT_EQ(r.back().kind, ExecKind::kCanceled);
  EXPECT_EQ(orders_->tracker().active(), 0);
  ExpectBalancesFollowTheReports();
}

TEST_F(OkxOrdersLoopback, GtcPostOnlyRestsAndIsCanceledByClientId) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return orders_->connected(); }));
  orders_->OnIntent(Intent(0x201, Side::kBuy, "29000.0", "0.1", TimeInForce::kGtc, true));
  ASSERT_TRUE(RunUntil([&] { return Has(0x201, ExecKind::kAck); }));
  EXPECT_FALSE(Final(0x201)) << "resting";
  // The sim saw a post_only order and rests it.
  bool rested = false;
  for (const json& j : OrderLog())
    if (j.value("request", "") == "place" && j.value("client_id", "") == "hs513")
      rested = j["wire"]["ordType"] == "post_only" && j["result"] == "resting";
  EXPECT_TRUE(rested);
  // A post-only that would cross is canceled unfilled by the venue.
  orders_->OnIntent(Intent(0x202, Side::kBuy, "30005.0", "0.1", TimeInForce::kGtc, true));
  ASSERT_TRUE(RunUntil([&] { return Final(0x202); }));
  EXPECT_EQ(For(0x202).back().kind, ExecKind::kCanceled);
  EXPECT_EQ(Filled(0x202), Qty::Zero());

  ASSERT_TRUE(orders_->Cancel(ClientOrderId{0x201}));
  EXPECT_EQ(C(counters_.cancels_sent), 1);
  ASSERT_TRUE(RunUntil([&] { return Final(0x201); }));
  EXPECT_EQ(For(0x201).back().kind, ExecKind::kCanceled);
  EXPECT_EQ(LogCount("cancel"), 1);
  EXPECT_FALSE(orders_->Cancel(ClientOrderId{0x201})) << "not live any more";
  EXPECT_EQ(orders_->tracker().active(), 0);
  ExpectBalancesFollowTheReports();
}

TEST_F(OkxOrdersLoopback, CancelAllCancelsEveryRestingOrderAndIsConfirmed) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return orders_->connected() && orders_->lists_done() >= 1; }));
  // Nothing open: true at once, and confirmed.
  ASSERT_TRUE(orders_->CancelAll());
  EXPECT_EQ(C(counters_.cancel_all_confirmed), 1);
  for (uint64_t id = 0x301; id < 0x301 + 25; ++id)
    orders_->OnIntent(Intent(id, Side::kBuy, "29000.0", "0.01", TimeInForce::kGtc));
  ASSERT_TRUE(RunUntil([&] {
    for (uint64_t id = 0x301; id < 0x301 + 25; ++id)
      if (!Has(id, ExecKind::kAck)) return false;
    return true;
  }));
  // The kill switch does not stop the cancel-all.
  kill_.Trip();
  ASSERT_TRUE(orders_->CancelAll());
  ASSERT_TRUE(RunUntil([&] {
    for (uint64_t id = 0x301; id < 0x301 + 25; ++id)
      if (!Final(id)) return false;
    return C(counters_.cancel_all_confirmed) == 2;
  }));
  for (uint64_t id = 0x301; id < 0x301 + 25; ++id) EXPECT_EQ(For(id).back().kind, ExecKind::kCanceled);
  EXPECT_EQ(LogCount("cancel_all"), 2) << "25 orders: two batch-cancel-orders requests of at most 20";
  EXPECT_EQ(orders_->tracker().active(), 0);
  ExpectBalancesFollowTheReports();
}

TEST_F(OkxOrdersLoopback, CancelAllIncludesOpenOrdersOfAnEarlierSession) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return orders_->connected(); }));
  orders_->OnIntent(Intent(0x351, Side::kSell, "31000.0", "0.1", TimeInForce::kGtc));
  ASSERT_TRUE(RunUntil([&] { return Has(0x351, ExecKind::kAck); }));
  // A new session (the process restarted) finds the order in the listing, untracked.
  orders_->Stop();
  ioc_.run_for(std::chrono::milliseconds(50));  // the socket's handlers finish before it is destroyed
  orders_.reset();
  Drain();
  venues::VenueContext ctx;
  ctx.id = VenueId{0};
  ctx.venue = &cfg_->base.venues[0];
  ctx.config = &cfg_->base;
  ctx.publisher = pub_.get();
  ctx.counters = &counters_;
  ctx.kill = &kill_;
  ctx.log = &log_;
  ctx.ioc = &ioc_;
  orders_ = std::make_unique<Orders>(ctx, &symbols_, [] {});
  ASSERT_TRUE(orders_->Init().ok());
  orders_->Start();
  ASSERT_TRUE(RunUntil([&] { return orders_->connected() && orders_->lists_done() >= 1; }));
  EXPECT_EQ(orders_->listed_open(), 1);
  EXPECT_EQ(orders_->listed_untracked(), 1);
  const int64_t confirmed = C(counters_.cancel_all_confirmed);
  ASSERT_TRUE(orders_->CancelAll());
  ASSERT_TRUE(RunUntil([&] { return C(counters_.cancel_all_confirmed) == confirmed + 1; }));
  bool canceled = false;
  for (const json& j : OrderLog())
    if (j.value("request", "") == "cancel_all") canceled = j["canceled"].size() == 1 && j["canceled"][0] == "hs849";
  EXPECT_TRUE(canceled);
  ExpectBalancesFollowTheReports();
}

// Fault drop_replies: the order fills in the sim but neither its reply nor its pushes arrive.
// Outcome: no reply within ack_timeout_ms (300) → kUnknown (unknown_orders 1) → a signed query
// (trade/order, then trade/fills for the exact quote) → one final fill of 0.3 @ 30001 with the
// exact quote and fee (unknown_resolved 1), slot freed.
TEST_F(OkxOrdersLoopback, DroppedReplyIsQueriedAndResolvedWithTheRightFill) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return orders_->connected(); }));
  server_->faults(0).drop_replies = 1;
  orders_->OnIntent(Intent(0x401, Side::kBuy, "30001.5", "0.5"));
  ASSERT_TRUE(RunUntil([&] { return Final(0x401); }));
  const auto r = For(0x401);
  EXPECT_EQ(r.front().kind, ExecKind::kUnknown);
  EXPECT_EQ(C(counters_.unknown_orders), 1);
  EXPECT_GE(C(counters_.order_queries), 1);
  EXPECT_EQ(C(counters_.unknown_resolved), 1);
  ASSERT_EQ(Fills(0x401), 1);
  EXPECT_EQ(r.back().kind, ExecKind::kFill);
  EXPECT_TRUE(r.back().final);
  EXPECT_EQ(r.back().fill_qty, Q("0.3"));
  EXPECT_EQ(r.back().fill_quote, A("9000.3"));
  EXPECT_EQ(r.back().fee, A("0.0003"));
  EXPECT_EQ(orders_->tracker().active(), 0);
  EXPECT_GE(LogCount("query"), 2) << "the order, then its fills";
  ExpectBalancesFollowTheReports();
}

// Fault late_replies (800 ms, beyond the 300 ms ack timeout): the order goes unknown, the query
// resolves it (fill, final); the late reply and pushes then arrive and change nothing.
TEST_F(OkxOrdersLoopback, LateReplyAfterTheQueryChangesNothing) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return orders_->connected(); }));
  server_->faults(0).late_replies = 1;
  server_->faults(0).late_reply_ms = 800;
  orders_->OnIntent(Intent(0x451, Side::kBuy, "30002.0", "0.5"));
  ASSERT_TRUE(RunUntil([&] { return Final(0x451); }));
  EXPECT_EQ(For(0x451).front().kind, ExecKind::kUnknown);
  const int64_t replies = C(counters_.order_replies);
  ASSERT_TRUE(RunUntil([&] { return C(counters_.order_replies) > replies; })) << "the late reply arrives";
  EXPECT_FALSE(RunUntil([&] { return Fills(0x451) > 1 || For(0x451).size() > 2; }, std::chrono::milliseconds(300)))
      << "the late reply and pushes add no report";
  EXPECT_EQ(Filled(0x451), Q("0.5"));
  EXPECT_EQ(C(counters_.unknown_resolved), 1);
  ExpectBalancesFollowTheReports();
}

// Fault late_replies (150 ms, within the ack timeout): the order is reported normally.
TEST_F(OkxOrdersLoopback, LateReplyWithinTheTimeoutIsReportedNormally) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return orders_->connected(); }));
  server_->faults(0).late_replies = 1;
  server_->faults(0).late_reply_ms = 150;
  orders_->OnIntent(Intent(0x461, Side::kBuy, "30001.0", "0.1"));
  ASSERT_TRUE(RunUntil([&] { return Final(0x461); }));
  EXPECT_EQ(For(0x461).front().kind, ExecKind::kAck);
  EXPECT_EQ(Filled(0x461), Q("0.1"));
  EXPECT_EQ(C(counters_.unknown_orders), 0);
  ExpectBalancesFollowTheReports();
}

// Fault duplicate_fills: each fill push (two levels walked) arrives twice. Outcome: two fills,
// 0.3 @ 30001 and 0.1 @ 30002, each reported once (FillDelta on cumulative accFillSz).
TEST_F(OkxOrdersLoopback, DuplicateFillPushesAreCountedOnce) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return orders_->connected(); }));
  server_->faults(0).duplicate_fills = 1;
  orders_->OnIntent(Intent(0x501, Side::kBuy, "30002.0", "0.4"));
  ASSERT_TRUE(RunUntil([&] { return Final(0x501); }));
  // Give the duplicates time to arrive: the account push follows every fill push.
  ASSERT_TRUE(RunUntil([&] { return C(counters_.order_parse_errors) == 0 && Fills(0x501) == 2; }));
  EXPECT_EQ(Fills(0x501), 2);
  EXPECT_EQ(Filled(0x501), Q("0.4"));
  Amount quote = Amount::Zero();
  for (const ExecReport& e : For(0x501)) quote += e.kind == ExecKind::kFill ? e.fill_quote : Amount::Zero();
  EXPECT_EQ(quote, A("12000.5")) << "0.3 × 30001 + 0.1 × 30002";
  ExpectBalancesFollowTheReports();
}

// Fault disconnect_orders: the order executes, then the venue closes the session before the
// reply. Outcome: kUnknown at once (unknown_orders 1); after the reconnect the query resolves
// it as a final fill of 0.2.
TEST_F(OkxOrdersLoopback, DisconnectMidOrderIsResolvedAfterReconnect) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return orders_->connected(); }));
  server_->faults(0).disconnect_orders = 1;
  orders_->OnIntent(Intent(0x601, Side::kBuy, "30001.0", "0.2"));
  ASSERT_TRUE(RunUntil([&] { return Has(0x601, ExecKind::kUnknown); }));
  EXPECT_EQ(C(counters_.unknown_orders), 1);
  ASSERT_TRUE(RunUntil([&] { return Final(0x601); }));
  EXPECT_TRUE(orders_->connected());
  EXPECT_EQ(Filled(0x601), Q("0.2"));
  EXPECT_EQ(For(0x601).back().kind, ExecKind::kFill);
  EXPECT_EQ(C(counters_.unknown_resolved), 1);
  EXPECT_EQ(orders_->tracker().active(), 0);
  ExpectBalancesFollowTheReports();
}

// Fault rate_limit_orders: the venue refuses with sCode 50011. Outcome: kRejected kRateLimited,
// counted, and the budget backs off: the next intent is refused locally (kRateLimited) without
// reaching the venue.
TEST_F(OkxOrdersLoopback, VenueRateLimitRejectsAndBacksOff) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return orders_->connected(); }));
  server_->faults(0).rate_limit_orders = 1;
  orders_->OnIntent(Intent(0x701, Side::kBuy, "30001.0", "0.1"));
  ASSERT_TRUE(RunUntil([&] { return Final(0x701); }));
  EXPECT_EQ(For(0x701).back().kind, ExecKind::kRejected);
  EXPECT_EQ(For(0x701).back().reason, RejectReason::kRateLimited);
  EXPECT_EQ(For(0x701).back().venue_code, 50011);
  EXPECT_EQ(C(counters_.rate_limited), 1);
  const uint64_t sent = server_->orders_received();
  orders_->OnIntent(Intent(0x702, Side::kBuy, "30001.0", "0.1"));
  Drain();
  ASSERT_TRUE(RunUntil([&] { return Final(0x702); }));
  EXPECT_EQ(For(0x702).back().reason, RejectReason::kRateLimited);
  EXPECT_EQ(server_->orders_received(), sent) << "backed off: not sent";
  EXPECT_EQ(C(counters_.rate_limited), 2);
  ExpectBalancesFollowTheReports();
}

// The simulator enforces the venue's budget itself (here 3 per minute per instId; the session's
// own budget is larger): the fourth order is refused with sCode 50011 → kRateLimited, and the
// session backs off (the fifth is refused locally, never sent).
TEST_F(OkxOrdersLoopback, SimulatorEnforcesTheVenueBudget) {
  Start("order_rate = 3\norder_rate_window_ms = 60000\n", 100);
  ASSERT_TRUE(RunUntil([&] { return orders_->connected(); }));
  for (uint64_t id = 0x771; id <= 0x774; ++id) orders_->OnIntent(Intent(id, Side::kBuy, "29000.0", "0.01"));
  ASSERT_TRUE(RunUntil([&] { return Final(0x771) && Final(0x772) && Final(0x773) && Final(0x774); }));
  EXPECT_EQ(For(0x773).back().kind, ExecKind::kCanceled) << "an IOC below the ask: accepted, nothing filled";
  EXPECT_EQ(For(0x774).back().kind, ExecKind::kRejected);
  EXPECT_EQ(For(0x774).back().reason, RejectReason::kRateLimited);
  EXPECT_EQ(For(0x774).back().venue_code, 50011);
  const uint64_t sent = server_->orders_received();
  orders_->OnIntent(Intent(0x775, Side::kBuy, "29000.0", "0.01"));
  ASSERT_TRUE(RunUntil([&] { return Final(0x775); }));
  EXPECT_EQ(For(0x775).back().reason, RejectReason::kRateLimited);
  EXPECT_EQ(server_->orders_received(), sent) << "backed off: not sent";
  EXPECT_EQ(C(counters_.rate_limited), 2);
  ExpectBalancesFollowTheReports();
}

// The local budget (order_rate = 4 per minute, 2 kept for cancels) refuses the third order; a
// cancel still goes out.
TEST_F(OkxOrdersLoopback, LocalBudgetRefusesBeyondTheRateButCancelsStillGo) {
  Start("order_rate = 4\norder_rate_window_ms = 60000\n");
  ASSERT_TRUE(RunUntil([&] { return orders_->connected(); }));
  orders_->OnIntent(Intent(0x751, Side::kBuy, "29000.0", "0.1", TimeInForce::kGtc));
  orders_->OnIntent(Intent(0x752, Side::kBuy, "29000.0", "0.1", TimeInForce::kGtc));
  orders_->OnIntent(Intent(0x753, Side::kBuy, "29000.0", "0.1", TimeInForce::kGtc));
  ASSERT_TRUE(RunUntil([&] { return Has(0x751, ExecKind::kAck) && Has(0x752, ExecKind::kAck) && Final(0x753); }));
  EXPECT_EQ(For(0x753).back().reason, RejectReason::kRateLimited);
  EXPECT_EQ(C(counters_.rate_limited), 1);
  ASSERT_TRUE(orders_->Cancel(ClientOrderId{0x751}));
  ASSERT_TRUE(RunUntil([&] { return Final(0x751); }));
  ExpectBalancesFollowTheReports();
}

// Fault partial_orders: the IOC fills half its size. Outcome: a fill of 0.1 of 0.2, then the
// remainder canceled (final), balances moved by 0.1 only.
TEST_F(OkxOrdersLoopback, PartialFillThenRemainderCanceled) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return orders_->connected(); }));
  server_->faults(0).partial_orders = 1;
  orders_->OnIntent(Intent(0x801, Side::kBuy, "30001.0", "0.2"));
  ASSERT_TRUE(RunUntil([&] { return Final(0x801); }));
  EXPECT_EQ(Filled(0x801), Q("0.1"));
  EXPECT_EQ(For(0x801).back().kind, ExecKind::kCanceled);
  EXPECT_EQ(For(0x801).back().cum_qty, Q("0.1"));
  ExpectBalancesFollowTheReports();
}

// Fault reject_orders: the venue refuses with sCode 51008. Outcome: final kRejected kVenue with
// the code, nothing booked.
TEST_F(OkxOrdersLoopback, RejectCarriesTheVenueCode) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return orders_->connected(); }));
  server_->faults(0).reject_orders = 1;
  orders_->OnIntent(Intent(0x901, Side::kBuy, "30001.0", "0.2"));
  ASSERT_TRUE(RunUntil([&] { return Final(0x901); }));
  EXPECT_EQ(For(0x901).back().kind, ExecKind::kRejected);
  EXPECT_EQ(For(0x901).back().reason, RejectReason::kVenue);
  EXPECT_EQ(For(0x901).back().venue_code, 51008);
  EXPECT_EQ(Bal("BTC"), start_btc_);
  ExpectBalancesFollowTheReports();
}

// An order the venue never saw (tracked here, marked unknown): the query answers 51603 and the
// order ends kRejected kNotFound.
TEST_F(OkxOrdersLoopback, QueryOfAnOrderTheVenueNeverSawEndsNotFound) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return orders_->connected(); }));
  orders_->tracker().Add(Intent(0xA01, Side::kBuy, "30001.0", "0.2"), TscStamp{}, MonoNow().value);
  orders_->tracker().MarkAllUnknown(MonoNow().value, [](const ExecReport&) {});
  ASSERT_TRUE(RunUntil([&] { return Final(0xA01); }));
  EXPECT_EQ(For(0xA01).back().kind, ExecKind::kRejected);
  EXPECT_EQ(For(0xA01).back().reason, RejectReason::kNotFound);
  EXPECT_EQ(orders_->tracker().active(), 0);
  ExpectBalancesFollowTheReports();
}

// A resting GTC queried while unknown stays live (kAcked) and can be canceled afterwards.
TEST_F(OkxOrdersLoopback, QueryOfARestingOrderKeepsItLive) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return orders_->connected(); }));
  orders_->OnIntent(Intent(0xB01, Side::kBuy, "29000.0", "0.1", TimeInForce::kGtc));
  ASSERT_TRUE(RunUntil([&] { return Has(0xB01, ExecKind::kAck); }));
  orders_->tracker().MarkAllUnknown(MonoNow().value, [](const ExecReport&) {});
  ASSERT_TRUE(RunUntil([&] { return C(counters_.order_queries) >= 1 && orders_->tracker().table().unknown() == 0; }));
  EXPECT_FALSE(Final(0xB01));
  ASSERT_NE(orders_->tracker().Find(ClientOrderId{0xB01}), nullptr);
  EXPECT_EQ(orders_->tracker().Find(ClientOrderId{0xB01})->state, venues::InFlightState::kAcked);
  ASSERT_TRUE(orders_->Cancel(ClientOrderId{0xB01}));
  ASSERT_TRUE(RunUntil([&] { return Final(0xB01); }));
  ExpectBalancesFollowTheReports();
}

// Reconciliation: after fills and a deposit, RequestBalances (signed GET /api/v5/account/balance)
// publishes one full snapshot — an update per configured asset, the last marked final — equal to the
// simulator's account. Not order entry: the simulator's order log does not record it.
TEST_F(OkxOrdersLoopback, RequestBalancesPublishesTheSimulatorsAccountAfterFills) {
  Start();
  EXPECT_FALSE(orders_->RequestBalances()) << "not logged in yet";
  ASSERT_TRUE(RunUntil([&] { return orders_->connected(); }));
  orders_->OnIntent(Intent(0xC01, Side::kBuy, "30001.5", "0.25"));
  orders_->OnIntent(Intent(0xC02, Side::kSell, "29998.0", "0.4"));
  ASSERT_TRUE(RunUntil([&] { return Final(0xC01) && Final(0xC02); }));
  ASSERT_EQ(Filled(0xC01), Q("0.25"));
  ASSERT_EQ(Filled(0xC02), Q("0.4"));
  ASSERT_NE(Bal("BTC"), start_btc_) << "the account moved";
  // A deposit the session hears nothing of (later account pushes are not forwarded anyway).
  server_->account(0).balances()["USDT"] += A("12.5");
  start_usdt_ += A("12.5");
  const int logged = static_cast<int>(OrderLog().size());
  balances_.clear();
  ASSERT_TRUE(orders_->RequestBalances());
  ASSERT_TRUE(RunUntil([&] { return !balances_.empty() && balances_.back().final_of_snapshot; }));
  ASSERT_EQ(balances_.size(), 2u) << "one update per configured asset";
  const AssetId btc = symbols_.FindAsset("BTC"), usdt = symbols_.FindAsset("USDT");
  for (const BalanceUpdate& b : balances_) {
    EXPECT_EQ(b.venue, VenueId{0});
    EXPECT_EQ(b.locked, Amount::Zero());
    EXPECT_EQ(b.final_of_snapshot, &b == &balances_.back());
    if (b.asset == btc) EXPECT_EQ(b.free, Bal("BTC"));
    else if (b.asset == usdt) EXPECT_EQ(b.free, Bal("USDT"));
    else ADD_FAILURE() << "unexpected asset " << b.asset.value;
  }
  EXPECT_EQ(static_cast<int>(OrderLog().size()), logged) << "a balance query is not order entry";
  EXPECT_EQ(C(counters_.order_parse_errors), 0);
  // Without a REST url there is no way to ask: refused at once.
  session_venue_.rest_url.clear();
  EXPECT_FALSE(orders_->RequestBalances());
  ExpectBalancesFollowTheReports();
}

// Answers to the balance request that cannot be used whole publish nothing (not even the assets
// that did parse), say why in the log, and count order_parse_errors when malformed (a refusal or
// a transport failure is not a malformed answer). A good answer afterwards still publishes.
TEST_F(OkxOrdersLoopback, MalformedBalanceAnswersAreCountedAndPublishNothing) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return orders_->connected(); }));
  Drain();
  balances_.clear();
  struct Case {
    const char* what;
    int status;
    std::string body;
    bool counted;
  };
  const std::vector<Case> cases = {
      {"not JSON", 200, "balance: lots", true},
      {"truncated", 200, R"({"code":"0","msg":"","data":[{"details":[{"ccy":"BTC","availBal":"1")", true},
      {"USDT not a decimal (BTC fine)", 200,
       R"({"code":"0","msg":"","data":[{"details":[{"ccy":"BTC","availBal":"1.5","frozenBal":"0"},)"
       R"({"ccy":"USDT","availBal":"1e5","frozenBal":"0"}]}]})",
       true},
      {"BTC beyond Amount's scale", 200,
       R"({"code":"0","msg":"","data":[{"details":[{"ccy":"BTC","availBal":"1.0000000001","frozenBal":"0"}]}]})", true},
      {"USDT without a balance", 200, R"({"code":"0","msg":"","data":[{"details":[{"ccy":"USDT","frozenBal":"0"}]}]})",
       true},
      {"a detail without ccy", 200, R"({"code":"0","msg":"","data":[{"details":[{"availBal":"1"}]}]})", true},
      {"details not an array", 200, R"({"code":"0","msg":"","data":[{"details":{"ccy":"BTC"}}]})", true},
      {"no details", 200, R"({"code":"0","msg":"","data":[{"totalEq":"1"}]})", true},
      {"no data", 200, R"({"code":"0","msg":""})", true},
      {"refused", 200, R"({"code":"50111","msg":"Invalid OK-ACCESS-KEY","data":[]})", false},
      {"HTTP error", 502, "<html>bad gateway</html>", false},
      {"transport failure", 0, "", false},
  };
  int64_t errors = C(counters_.order_parse_errors);
  for (const Case& c : cases) {
    venues::HttpResponse r;
    r.status = c.status;
    r.body = c.body;
    if (c.status == 0) r.error = "connection refused";
    EXPECT_FALSE(orders_->OnBalanceAnswer(r, WallNow())) << c.what;
    errors += c.counted ? 1 : 0;
    EXPECT_EQ(C(counters_.order_parse_errors), errors) << c.what;
    Drain();
    EXPECT_TRUE(balances_.empty()) << c.what << ": nothing published";
    balances_.clear();
  }
  // A currency the venue config does not name is never converted: its text cannot spoil the
  // snapshot. Assets the answer omits hold nothing.
  venues::HttpResponse ok;
  ok.status = 200;
  ok.body = R"({"code":"0","msg":"","data":[{"details":[{"ccy":"DOGE","availBal":"??"},)"
            R"({"ccy":"BTC","availBal":"","cashBal":"1.25","frozenBal":"0.5"}]}]})";
  EXPECT_TRUE(orders_->OnBalanceAnswer(ok, WallNow()));
  Drain();
  ASSERT_EQ(balances_.size(), 2u);
  EXPECT_EQ(balances_[0].asset, symbols_.FindAsset("BTC"));
  EXPECT_EQ(balances_[0].free, A("1.25")) << "cashBal when availBal is empty";
  EXPECT_EQ(balances_[0].locked, A("0.5"));
  EXPECT_EQ(balances_[1].free, Amount::Zero()) << "USDT not listed: nothing";
  EXPECT_TRUE(balances_[1].final_of_snapshot);
  EXPECT_EQ(C(counters_.order_parse_errors), errors);
  // The real request still works after all that.
  balances_.clear();
  ASSERT_TRUE(orders_->RequestBalances());
  ASSERT_TRUE(RunUntil([&] { return !balances_.empty() && balances_.back().final_of_snapshot; }));
  EXPECT_EQ(balances_.front().free, Bal("BTC"));
  EXPECT_EQ(balances_.back().free, Bal("USDT"));
  EXPECT_TRUE(orders_->connected());
  ExpectBalancesFollowTheReports();
}

}  // namespace
}  // namespace hs::okx
