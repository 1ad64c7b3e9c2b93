// Kraken order entry against homeostat-sim's Kraken protocol over real loopback sockets, in one
// process: the engine-side Orders session (REST token with API-Sign, authenticated WebSocket,
// executions and balances) and the simulator's Server share one io_context, which the test
// runs in slices until each condition holds or its deadline passes (no fixed sleeps).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/asio/io_context.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <functional>
#include <string>
#include <vector>

#include "core/base/decimal.h"
#include "core/messages/rings.h"
#include "core/runtime/kill_switch.h"
#include "core/runtime/log.h"
#include "core/runtime/venue_counters.h"
#include "tests/support/test_support.h"
#include "venues/common/signing.h"
#include "venues/common/venue_publisher.h"
#include "venues/kraken/kraken_orders.h"
#include "venues/sim/sim_server.h"

namespace hs::kraken {
namespace {

// A base64 secret the way Kraken issues them (64 random bytes); test-only.
constexpr char kSecret[] = "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==";

std::string Config(int port) {
  const std::string p = std::to_string(port);
  return testing::UnitConfigToml(R"("BTC", "USD")", R"([execution]
ack_timeout_ms = 400
query_attempts = 5
query_backoff_ms = 100
[[instruments]]
name = "BTC/USD"
base = "BTC"
quote = "USD"
tick = "0.1"
lot = "0.0001"
[[venues]]
name = "kraken"
kind = "kraken"
market_data_url = "ws://127.0.0.1:)" + p + R"("
rest_url = "http://127.0.0.1:)" + p + R"("
order_url = "ws://127.0.0.1:)" + p + R"(/auth/v2"
api_key_env = "HS_KOL_KEY"
api_secret_env = "HS_KOL_SECRET"
taker_fee = "0.004"
dead_man_s = 60
reconnect_min_ms = 50
reconnect_max_ms = 200
symbols = { "BTC/USD" = "BTC/USD" }
[sim]
seed = 1
levels = 5
dislocation_every_ms = 0
[sim.prices]
"BTC/USD" = "30000"
[sim.accounts.kraken]
taker_fee = "0.004"
balances = { "BTC" = "2", "USD" = "100000" }
)");
}

Level L(const char* px, const char* qty) { return Level{ParseDecimal<Price>(px).value, ParseDecimal<Qty>(qty).value}; }

class KrakenOrdersLoopback : public ::testing::Test {
 protected:
  void Start(const char* engine_secret = kSecret) {
    ::setenv("HS_KOL_KEY", "test-key", 1);
    ::setenv("HS_KOL_SECRET", kSecret, 1);  // the simulator reads the account's secret
    auto c = sim::ParseSimConfig(Config(testing::FreePort()), "test");
    ASSERT_TRUE(c.ok()) << c.status();
    cfg_ = std::make_unique<sim::SimConfig>(*c);
    market_ = std::make_unique<sim::Market>(*cfg_);
    market_->SetPaused(true);
    server_ = std::make_unique<sim::Server>(ioc_, *cfg_, market_.get());
    ASSERT_TRUE(server_->Listen("").ok());
    order_log_ = std::tmpfile();
    ASSERT_NE(order_log_, nullptr);
    server_->SetOrderLog(order_log_);
    server_->PublishChange(market_->SetBook(0, 0, {L("29999.0", "1"), L("29998.0", "1")},
                                            {L("30001.0", "0.3"), L("30002.0", "0.5")}));
    ::setenv("HS_KOL_SECRET", engine_secret, 1);  // what the engine signs with
    symbols_ = venues::SymbolTable(cfg_->base, cfg_->base.venues[0]);
    consumer_ = std::make_unique<VenueRing::Consumer>(ring_.TakeConsumer());
    pub_ = std::make_unique<venues::VenuePublisher>(ring_.TakeProducer(), nullptr, &counters_);
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
  }
  void TearDown() override {
    if (orders_) orders_->Stop();
    if (server_) server_->Stop();
    ioc_.run_for(std::chrono::milliseconds(50));
    if (server_) server_->SetOrderLog(nullptr);
    if (order_log_ != nullptr) std::fclose(order_log_);
  }
  // The simulator's order log, one object per line.
  std::vector<nlohmann::json> Log() {
    std::vector<nlohmann::json> v;
    std::fflush(order_log_);
    std::rewind(order_log_);
    char line[8192];
    while (std::fgets(line, sizeof line, order_log_) != nullptr) v.push_back(nlohmann::json::parse(line));
    std::fseek(order_log_, 0, SEEK_END);
    return v;
  }
  size_t LogCount(const char* request) {
    size_t n = 0;
    for (const auto& j : Log()) n += j.value("request", "") == request;
    return n;
  }
  uint64_t C(const std::atomic<uint64_t>& c) const { return c.load(); }
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
  // The session's view of the account — the balance snapshot at connect plus every fill the
  // core was told (base in, quote and fee out for a buy) — equals the simulator's books.
  void ExpectBalancesFollowTheReports() {
    ASSERT_GE(balances_.size(), 2u);
    Amount btc = balances_[0].free, usd = balances_[1].free;
    for (const ExecReport& e : execs_) {
      if (e.kind != ExecKind::kFill) continue;
      const Amount base = AmountFromQty(e.fill_qty);
      if (e.side == Side::kBuy) {
        btc += base;
        usd -= e.fill_quote;
      } else {
        btc -= base;
        usd += e.fill_quote;
      }
      EXPECT_EQ(e.fee_asset, symbols_.FindAsset("USD"));
      usd -= e.fee;
    }
    EXPECT_EQ(btc, Bal("BTC"));
    EXPECT_EQ(usd, Bal("USD"));
  }
  // Runs the loop until cond() or the deadline.
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
  OrderIntent Intent(uint64_t id, Side side, const char* px, const char* qty, TimeInForce tif = TimeInForce::kIoc) {
    OrderIntent in;
    in.client_id = ClientOrderId{id};
    in.venue = VenueId{0};
    in.instrument = InstrumentId{0};
    in.side = side;
    in.tif = tif;
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
  Amount Bal(const char* asset) { return server_->account(0).balance(asset); }

  boost::asio::io_context ioc_;
  std::unique_ptr<sim::SimConfig> cfg_;
  std::unique_ptr<sim::Market> market_;
  std::unique_ptr<sim::Server> server_;
  std::FILE* order_log_ = nullptr;
  venues::SymbolTable symbols_;
  runtime::VenueCounters counters_;
  runtime::KillSwitch kill_;
  runtime::LogChannel log_{"kraken-orders-test", 0};
  VenueRing ring_{4096};
  std::unique_ptr<VenueRing::Consumer> consumer_;
  std::unique_ptr<venues::VenuePublisher> pub_;
  std::unique_ptr<Orders> orders_;
  std::vector<ExecReport> execs_;
  std::vector<BalanceUpdate> balances_;
};

TEST_F(KrakenOrdersLoopback, IocFillIsReportedWithTheExactFee) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return orders_->connected(); })) << orders_->last_token_error();
  // The balance snapshot reached the core: one update per asset, the last marked final.
  ASSERT_EQ(balances_.size(), 2u);
  EXPECT_EQ(balances_[0].free, ParseDecimal<Amount>("2").value);
  EXPECT_EQ(balances_[1].free, ParseDecimal<Amount>("100000").value);
  EXPECT_TRUE(balances_[1].final_of_snapshot);
  ASSERT_TRUE(RunUntil([&] { return orders_->dead_man_acks() >= 1; })) << "dead man's switch armed at connect";

  // Buy 0.5 up to 30001.5: 0.3 @ 30001.0 fills, the rest (the 30002 level is above) is cancelled.
  orders_->OnIntent(Intent(0x101, Side::kBuy, "30001.5", "0.5"));
  ASSERT_TRUE(RunUntil([&] { return Final(0x101); }));
  const auto r = For(0x101);
  ASSERT_GE(r.size(), 3u);
  EXPECT_EQ(r.front().kind, ExecKind::kAck);
  int fills = 0;
  for (const ExecReport& e : r) {
    if (e.kind != ExecKind::kFill) continue;
    ++fills;
    EXPECT_EQ(e.fill_qty, ParseDecimal<Qty>("0.3").value);
    EXPECT_EQ(e.fill_px, ParseDecimal<Price>("30001.0").value);
    EXPECT_EQ(e.fill_quote, ParseDecimal<Amount>("9000.3").value);
    // 9000.3 × 0.004 = 36.0012, in the quote asset.
    EXPECT_EQ(e.fee, ParseDecimal<Amount>("36.0012").value);
    EXPECT_EQ(e.fee_asset, symbols_.FindAsset("USD"));
  }
  EXPECT_EQ(fills, 1);
  EXPECT_EQ(r.back().kind, ExecKind::kCanceled);
  EXPECT_EQ(r.back().cum_qty, ParseDecimal<Qty>("0.3").value);
  EXPECT_EQ(Bal("USD"), ParseDecimal<Amount>("90963.6988").value) << "the venue's books agree";
  EXPECT_EQ(Bal("BTC"), ParseDecimal<Amount>("2.3").value);
}

TEST_F(KrakenOrdersLoopback, GtcRestsThenCancelOrderAndCancelAll) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return orders_->connected(); })) << orders_->last_token_error();
  orders_->OnIntent(Intent(0x201, Side::kBuy, "29000.0", "0.1", TimeInForce::kGtc));
  orders_->OnIntent(Intent(0x202, Side::kBuy, "29001.0", "0.1", TimeInForce::kGtc));
  orders_->OnIntent(Intent(0x203, Side::kSell, "31000.0", "0.1", TimeInForce::kGtc));
  // Resting: acked, not final, and found by client id in the open-order view.
  ASSERT_TRUE(RunUntil([&] {
    return orders_->FindOpen(ClientOrderId{0x201}) && orders_->FindOpen(ClientOrderId{0x202}) &&
           orders_->FindOpen(ClientOrderId{0x203});
  }));
  for (uint64_t id : {0x201, 0x202, 0x203}) {
    ASSERT_FALSE(For(id).empty());
    EXPECT_EQ(For(id).front().kind, ExecKind::kAck);
    EXPECT_FALSE(Final(id));
  }
  EXPECT_EQ(orders_->FindOpen(ClientOrderId{0x203})->side, Side::kSell);
  // A post-only order that would cross is refused by the venue.
  orders_->OnIntent(Intent(0x204, Side::kBuy, "30005.0", "0.1", TimeInForce::kGtc));
  ASSERT_TRUE(RunUntil([&] { return Final(0x204); }));
  EXPECT_EQ(For(0x204).back().kind, ExecKind::kRejected);
  EXPECT_EQ(For(0x204).back().venue_code, kErrPostOnly);

  ASSERT_TRUE(orders_->CancelOrder(ClientOrderId{0x201}));
  ASSERT_TRUE(RunUntil([&] { return Final(0x201); }));
  EXPECT_EQ(For(0x201).back().kind, ExecKind::kCanceled);
  EXPECT_EQ(orders_->FindOpen(ClientOrderId{0x201}), nullptr);
  EXPECT_FALSE(Final(0x202));

  ASSERT_TRUE(orders_->CancelAll());
  ASSERT_TRUE(RunUntil([&] { return Final(0x202) && Final(0x203); }));
  EXPECT_EQ(For(0x202).back().kind, ExecKind::kCanceled);
  EXPECT_EQ(For(0x203).back().kind, ExecKind::kCanceled);
  EXPECT_EQ(orders_->open_orders().size(), 0);
}

TEST_F(KrakenOrdersLoopback, BadSignatureIsRefused) {
  // The engine signs with another secret than the account's.
  Start("c2VjcmV0LXRoYXQtaXMtbm90LXRoZS1hY2NvdW50cw==");
  ASSERT_TRUE(RunUntil([&] { return orders_->token_failures() >= 1; }));
  EXPECT_EQ(orders_->last_token_error(), "EAPI:Invalid signature");
  EXPECT_FALSE(orders_->connected());
  orders_->OnIntent(Intent(0x301, Side::kBuy, "30001.5", "0.1"));
  Drain();
  ASSERT_EQ(For(0x301).size(), 1u);
  EXPECT_EQ(For(0x301)[0].reason, RejectReason::kNotConnected);
}

TEST_F(KrakenOrdersLoopback, DisconnectMarksInFlightUnknownAndReconnects) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return orders_->connected(); }));
  orders_->OnIntent(Intent(0x401, Side::kBuy, "29000.0", "0.1", TimeInForce::kGtc));
  ASSERT_TRUE(RunUntil([&] { return !For(0x401).empty(); }));
  // The venue drops every connection.
  for (sim::Peer* p : server_->Peers(0)) p->Close();
  ASSERT_TRUE(RunUntil([&] { return Final(0x401) || (!For(0x401).empty() && For(0x401).back().kind == ExecKind::kUnknown); }));
  EXPECT_EQ(For(0x401).back().kind, ExecKind::kUnknown);
  // It comes back with a fresh token, and the resting order is in the new snapshot.
  ASSERT_TRUE(RunUntil([&] { return orders_->connected() && orders_->open_orders().size() == 1; }));
  EXPECT_EQ(orders_->FindOpen(ClientOrderId{0x401}) != nullptr, true);
}

TEST_F(KrakenOrdersLoopback, ADuplicateExecutionChangesNothing) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return orders_->connected(); }));
  orders_->OnIntent(Intent(0x501, Side::kBuy, "29000.0", "0.2", TimeInForce::kGtc));
  ASSERT_TRUE(RunUntil([&] { return orders_->FindOpen(ClientOrderId{0x501}) != nullptr; }));
  // One trade delivered twice (a venue resend): one fill reported.
  const std::string trade =
      R"({"channel":"executions","type":"update","sequence":99,"data":[{"order_id":"OX","cl_ord_id":"hs1281","exec_id":"TDUP-1","exec_type":"trade","last_qty":0.1,"last_price":29000.0,"cost":2900.0,"cum_qty":0.1,"cum_cost":2900.0,"order_status":"partially_filled","fees":[{"asset":"USD","qty":11.6}]}]})";
  const std::string b = testing::Padded(trade);
  orders_->OnFrame(b.data(), trade.size(), TscNow(), WallNow());
  orders_->OnFrame(b.data(), trade.size(), TscNow(), WallNow());
  Drain();
  int fills = 0;
  for (const ExecReport& e : For(0x501)) fills += e.kind == ExecKind::kFill ? 1 : 0;
  EXPECT_EQ(fills, 1);
  EXPECT_EQ(For(0x501).back().cum_qty, ParseDecimal<Qty>("0.1").value);
  EXPECT_FALSE(Final(0x501));
  // The venue's own cancel closes it; a repeat of that changes nothing either.
  ASSERT_TRUE(orders_->CancelOrder(ClientOrderId{0x501}));
  ASSERT_TRUE(RunUntil([&] { return Final(0x501); }));
  const size_t before = execs_.size();
  const std::string cancel =
      R"({"channel":"executions","type":"update","sequence":100,"data":[{"order_id":"OX","cl_ord_id":"hs1281","exec_type":"canceled","order_status":"canceled"}]})";
  const std::string c = testing::Padded(cancel);
  orders_->OnFrame(c.data(), cancel.size(), TscNow(), WallNow());
  Drain();
  EXPECT_EQ(execs_.size(), before);
}

TEST_F(KrakenOrdersLoopback, RateLimitIsKeptLocallyBeforeTheVenueRefuses) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return orders_->connected(); }));
  // IOC buys below the ask: each is accepted and expires, costing +1 on the pair's counter.
  auto send = [&](uint64_t first, int n) {
    for (int i = 0; i < n; ++i) orders_->OnIntent(Intent(first + static_cast<uint64_t>(i), Side::kBuy, "29000.0", "0.01"));
    return RunUntil([&] {
      for (int i = 0; i < n; ++i)
        if (!Final(first + static_cast<uint64_t>(i))) return false;
      return true;
    });
  };
  for (int b = 0; b < 7; ++b) ASSERT_TRUE(send(0x1000 + static_cast<uint64_t>(b) * 20, 20));
  int local = 0, venue = 0;
  for (const ExecReport& e : execs_) {
    local += e.kind == ExecKind::kRejected && e.reason == RejectReason::kRateLimited;
    venue += e.kind == ExecKind::kRejected && e.venue_code == kErrRateLimit;
  }
  // 125 - 8 kept for a cancel = 117 accepted (less a little decay), the rest refused here.
  EXPECT_GE(local, 140 - 125);
  EXPECT_EQ(venue, 0) << "the venue never had to refuse";
  EXPECT_EQ(static_cast<uint64_t>(local), orders_->local_rate_rejects());

  // Without the local budget, the simulator refuses with Kraken's error once over 125.
  orders_->rate_budget().set_params({/*max_count=*/100'000, /*decay_milli_per_s=*/2340, /*reserve=*/0});
  for (int b = 0; b < 2; ++b) ASSERT_TRUE(send(0x2000 + static_cast<uint64_t>(b) * 20, 20));
  venue = 0;
  for (const ExecReport& e : execs_) venue += e.kind == ExecKind::kRejected && e.venue_code == kErrRateLimit;
  EXPECT_GT(venue, 0);
}

// Fault drop_replies: the IOC fills 0.3 at the venue but neither the reply nor any push comes
// back. Outcome: kUnknown after ack_timeout_ms (400); the query (executions re-subscribed with
// snap_orders and snap_trades, logged by the venue as "list") finds its trade: one fill with
// the venue's exact quote and fee, then a final kCanceled (not open any more); slot freed.
TEST_F(KrakenOrdersLoopback, DroppedReplyIsSettledByTheExecutionsSnapshot) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return orders_->connected(); }));
  const size_t lists_before = LogCount("list");
  ASSERT_EQ(server_->HandleControl(R"({"cmd":"fault","venue":"kraken","drop_replies":1})").find("error"), std::string::npos);
  orders_->OnIntent(Intent(0x601, Side::kBuy, "30001.5", "0.5"));
  ASSERT_TRUE(RunUntil([&] { return Final(0x601); }));
  const auto r = For(0x601);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].kind, ExecKind::kUnknown);
  EXPECT_EQ(r[1].kind, ExecKind::kFill);
  EXPECT_EQ(r[1].fill_qty, ParseDecimal<Qty>("0.3").value);
  EXPECT_EQ(r[1].fill_quote, ParseDecimal<Amount>("9000.3").value);
  EXPECT_EQ(r[1].fee, ParseDecimal<Amount>("36.0012").value);
  EXPECT_EQ(r[2].kind, ExecKind::kCanceled);
  EXPECT_EQ(r[2].cum_qty, ParseDecimal<Qty>("0.3").value);
  EXPECT_GE(C(counters_.order_queries), 1u);
  EXPECT_EQ(C(counters_.unknown_orders), 1u);
  EXPECT_EQ(C(counters_.unknown_resolved), 1u);
  EXPECT_EQ(orders_->tracker().active(), 0);
  EXPECT_GT(LogCount("list"), lists_before) << "the venue saw the query";
  ExpectBalancesFollowTheReports();
}

// Faults reject_orders + drop_replies: the venue refuses the order and the refusal is lost:
// the order exists nowhere. Outcome: kUnknown, then kRejected kNotFound (absent from the open
// orders and from the fills); nothing booked.
TEST_F(KrakenOrdersLoopback, LostRefusalEndsNotFound) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return orders_->connected(); }));
  server_->HandleControl(R"({"cmd":"fault","venue":"kraken","reject_orders":1,"drop_replies":1})");
  orders_->OnIntent(Intent(0x611, Side::kBuy, "30001.5", "0.5"));
  ASSERT_TRUE(RunUntil([&] { return Final(0x611); }));
  EXPECT_TRUE(Has(0x611, ExecKind::kUnknown));
  EXPECT_EQ(For(0x611).back().kind, ExecKind::kRejected);
  EXPECT_EQ(For(0x611).back().reason, RejectReason::kNotFound);
  EXPECT_EQ(C(counters_.unknown_resolved), 1u);
  EXPECT_EQ(orders_->tracker().active(), 0);
  EXPECT_EQ(Bal("BTC"), ParseDecimal<Amount>("2").value);
  ExpectBalancesFollowTheReports();
}

// An order the venue never received (tracked here as sent, then the session lost it): the
// query's snapshot has no trace of it → kRejected kNotFound.
TEST_F(KrakenOrdersLoopback, OrderTheVenueNeverReceivedEndsNotFound) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return orders_->connected(); }));
  orders_->tracker().Add(Intent(0x621, Side::kBuy, "30001.0", "0.2"), /*req_id=*/0, TscStamp{}, MonoNow());
  orders_->tracker().MarkAllUnknown(MonoNow().value, [](const ExecReport&) {});
  ASSERT_TRUE(RunUntil([&] { return Final(0x621); }));
  EXPECT_EQ(For(0x621).back().kind, ExecKind::kRejected);
  EXPECT_EQ(For(0x621).back().reason, RejectReason::kNotFound);
  EXPECT_EQ(orders_->tracker().active(), 0);
  ExpectBalancesFollowTheReports();
}

// Fault drop_replies on a GTC: it rests at the venue, nothing comes back. Outcome: kUnknown,
// then the snapshot lists it open: live again (kAck, not final); a cancel closes it.
TEST_F(KrakenOrdersLoopback, UnknownGtcIsFoundOpenAndStaysLive) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return orders_->connected(); }));
  server_->HandleControl(R"({"cmd":"fault","venue":"kraken","drop_replies":1})");
  orders_->OnIntent(Intent(0x631, Side::kBuy, "29000.0", "0.1", TimeInForce::kGtc));
  ASSERT_TRUE(RunUntil([&] { return Has(0x631, ExecKind::kUnknown); }));
  ASSERT_TRUE(RunUntil([&] { return C(counters_.unknown_resolved) == 1; }));
  EXPECT_FALSE(Final(0x631));
  EXPECT_EQ(For(0x631).back().kind, ExecKind::kAck);
  EXPECT_NE(orders_->FindOpen(ClientOrderId{0x631}), nullptr);
  ASSERT_TRUE(orders_->CancelOrder(ClientOrderId{0x631}));
  ASSERT_TRUE(RunUntil([&] { return Final(0x631); }));
  EXPECT_EQ(For(0x631).back().kind, ExecKind::kCanceled);
  EXPECT_EQ(orders_->tracker().active(), 0);
  ExpectBalancesFollowTheReports();
}

// Fault late_replies (1500 ms, past the 400 ms ack timeout): the snapshot settles the order
// first; the reply and pushes that arrive afterwards change nothing (the fill counted once).
TEST_F(KrakenOrdersLoopback, LateReplyAfterTheQueryChangesNothing) {
  Start();
  server_->StartClock();  // late replies go out from the market clock's tick
  ASSERT_TRUE(RunUntil([&] { return orders_->connected(); }));
  server_->HandleControl(R"({"cmd":"fault","venue":"kraken","late_replies":1,"late_reply_ms":1500})");
  orders_->OnIntent(Intent(0x641, Side::kBuy, "30001.5", "0.5"));
  ASSERT_TRUE(RunUntil([&] { return Final(0x641); }));
  EXPECT_EQ(For(0x641).front().kind, ExecKind::kUnknown);
  EXPECT_GE(C(counters_.order_queries), 1u);
  EXPECT_EQ(C(counters_.unknown_resolved), 1u);
  const size_t reports = For(0x641).size();
  // Every method reply the query caused came before its snapshot: the next one is the late
  // add_order reply.
  const uint64_t replies = C(counters_.order_replies);
  ASSERT_TRUE(RunUntil([&] { return C(counters_.order_replies) > replies; })) << "the late reply arrives";
  // Its pushes follow it on the same socket: an order sent now is answered after them.
  orders_->OnIntent(Intent(0x642, Side::kSell, "29999.0", "0.0001"));
  ASSERT_TRUE(RunUntil([&] { return Final(0x642); }));
  EXPECT_EQ(For(0x641).size(), reports);
  EXPECT_EQ(Filled(0x641), ParseDecimal<Qty>("0.3").value);
  ExpectBalancesFollowTheReports();
}

// Fault duplicate_fills: every trade push arrives twice (0.3 @ 30001 and 0.2 @ 30002).
// Outcome: the fills add up to 0.5 once; the order ends with the final fill.
TEST_F(KrakenOrdersLoopback, DuplicateFillsAreCountedOnce) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return orders_->connected(); }));
  server_->HandleControl(R"({"cmd":"fault","venue":"kraken","duplicate_fills":1})");
  orders_->OnIntent(Intent(0x651, Side::kBuy, "30002.0", "0.5"));
  ASSERT_TRUE(RunUntil([&] { return Final(0x651); }));
  // Every duplicate was sent before the next order's answer.
  orders_->OnIntent(Intent(0x652, Side::kSell, "29999.0", "0.0001"));
  ASSERT_TRUE(RunUntil([&] { return Final(0x652); }));
  EXPECT_EQ(Filled(0x651), ParseDecimal<Qty>("0.5").value);
  int fills = 0;
  for (const ExecReport& e : For(0x651)) fills += e.kind == ExecKind::kFill;
  EXPECT_EQ(fills, 2);
  EXPECT_EQ(For(0x651).back().kind, ExecKind::kFill);
  EXPECT_TRUE(For(0x651).back().final);
  EXPECT_EQ(C(counters_.unknown_orders), 0u);
  ExpectBalancesFollowTheReports();
}

// Fault disconnect_orders: the IOC executes, then the venue closes the session before the
// reply. Outcome: kUnknown at the disconnect; after the reconnect the executions snapshot
// settles it (0.3 filled, final kCanceled); order entry works again.
TEST_F(KrakenOrdersLoopback, DisconnectMidOrderIsSettledAfterReconnect) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return orders_->connected(); }));
  server_->HandleControl(R"({"cmd":"fault","venue":"kraken","disconnect_orders":1})");
  orders_->OnIntent(Intent(0x661, Side::kBuy, "30001.5", "0.5"));
  ASSERT_TRUE(RunUntil([&] { return Final(0x661); }));
  EXPECT_EQ(For(0x661).front().kind, ExecKind::kUnknown);
  EXPECT_EQ(Filled(0x661), ParseDecimal<Qty>("0.3").value);
  EXPECT_EQ(For(0x661).back().kind, ExecKind::kCanceled);
  EXPECT_EQ(C(counters_.unknown_resolved), 1u);
  ASSERT_TRUE(RunUntil([&] { return orders_->connected(); }));
  orders_->OnIntent(Intent(0x662, Side::kBuy, "30002.0", "0.1"));
  ASSERT_TRUE(RunUntil([&] { return Final(0x662); }));
  EXPECT_EQ(Filled(0x662), ParseDecimal<Qty>("0.1").value);
  ExpectBalancesFollowTheReports();
}

// Fault partial_orders: an IOC buy of 0.4001 up to 30002.0 (0.3 @ 30001.0 and 0.5 @ 30002.0
// offered) takes only half its quantity, rounded down to the 0.0001 lot: 0.2. Outcome: kAck,
// one kFill of 0.2 @ 30001.0 (quote 6000.2, fee 24.0008 USD), then the remainder canceled as
// Kraken reports an IOC's (final kCanceled, cum 0.2); the session's balances equal the sim's.
TEST_F(KrakenOrdersLoopback, PartialIocFillsHalfAndCancelsTheRest) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return orders_->connected(); }));
  ASSERT_EQ(server_->HandleControl(R"({"cmd":"fault","venue":"kraken","partial_orders":1})").find("error"), std::string::npos);
  orders_->OnIntent(Intent(0x701, Side::kBuy, "30002.0", "0.4001"));
  ASSERT_TRUE(RunUntil([&] { return Final(0x701); }));
  const auto r = For(0x701);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].kind, ExecKind::kAck);
  EXPECT_EQ(r[1].kind, ExecKind::kFill);
  EXPECT_FALSE(r[1].final);
  EXPECT_EQ(r[1].fill_qty, ParseDecimal<Qty>("0.2").value);
  EXPECT_EQ(r[1].fill_px, ParseDecimal<Price>("30001.0").value);
  EXPECT_EQ(r[1].fill_quote, ParseDecimal<Amount>("6000.2").value);
  EXPECT_EQ(r[1].fee, ParseDecimal<Amount>("24.0008").value);
  EXPECT_EQ(r[2].kind, ExecKind::kCanceled);
  EXPECT_TRUE(r[2].final);
  EXPECT_EQ(r[2].cum_qty, ParseDecimal<Qty>("0.2").value);
  EXPECT_EQ(C(counters_.unknown_orders), 0u);
  EXPECT_EQ(orders_->tracker().active(), 0);
  EXPECT_EQ(Bal("BTC"), ParseDecimal<Amount>("2.2").value);
  EXPECT_EQ(Bal("USD"), ParseDecimal<Amount>("93975.7992").value);
  ExpectBalancesFollowTheReports();
  // The fault is spent: the next IOC takes its whole quantity where the book allows.
  orders_->OnIntent(Intent(0x702, Side::kBuy, "30002.0", "0.1"));
  ASSERT_TRUE(RunUntil([&] { return Final(0x702); }));
  EXPECT_EQ(Filled(0x702), ParseDecimal<Qty>("0.1").value);
  ExpectBalancesFollowTheReports();
}

// Fault rate_limit_orders: the venue answers the add_order with "EOrder:Rate limit exceeded".
// Outcome: final kRejected with RejectReason::kRateLimited (venue_code kErrRateLimit), counted
// rate_limited and order_rejects; nothing booked. The local counter is raised to the venue's
// threshold, so an order sent right after (within the backoff) is refused here, kRateLimited
// without a venue code, and never reaches the venue (no new "place" in its order log).
TEST_F(KrakenOrdersLoopback, VenueRateLimitRejectsAndBacksOff) {
  Start();
  ASSERT_TRUE(RunUntil([&] { return orders_->connected(); }));
  ASSERT_EQ(C(counters_.rate_limited), 0u);
  server_->HandleControl(R"({"cmd":"fault","venue":"kraken","rate_limit_orders":1})");
  orders_->OnIntent(Intent(0x711, Side::kBuy, "30001.5", "0.1"));
  ASSERT_TRUE(RunUntil([&] { return Final(0x711); }));
  ASSERT_EQ(For(0x711).size(), 1u);
  EXPECT_EQ(For(0x711)[0].kind, ExecKind::kRejected);
  EXPECT_EQ(For(0x711)[0].reason, RejectReason::kRateLimited);
  EXPECT_EQ(For(0x711)[0].venue_code, kErrRateLimit);
  EXPECT_EQ(C(counters_.rate_limited), 1u);
  EXPECT_EQ(C(counters_.order_rejects), 1u);
  EXPECT_EQ(orders_->local_rate_rejects(), 0u);
  EXPECT_EQ(Bal("BTC"), ParseDecimal<Amount>("2").value);
  const size_t places = LogCount("place");
  EXPECT_EQ(places, 1u) << "the refused order reached the venue";

  orders_->OnIntent(Intent(0x712, Side::kBuy, "30001.5", "0.1"));
  Drain();
  ASSERT_EQ(For(0x712).size(), 1u) << "refused at once, locally";
  EXPECT_EQ(For(0x712)[0].kind, ExecKind::kRejected);
  EXPECT_EQ(For(0x712)[0].reason, RejectReason::kRateLimited);
  EXPECT_EQ(For(0x712)[0].venue_code, 0);
  EXPECT_EQ(orders_->local_rate_rejects(), 1u);
  EXPECT_EQ(C(counters_.rate_limited), 2u);
  // The venue handles a socket's requests in order: once a cancel_all sent now is logged, an
  // add_order sent before it would have been too. None was.
  const size_t cancels = LogCount("cancel_all");
  ASSERT_TRUE(orders_->CancelAll());
  ASSERT_TRUE(RunUntil([&] { return LogCount("cancel_all") > cancels; }));
  EXPECT_EQ(LogCount("place"), places);
  EXPECT_EQ(orders_->tracker().active(), 0);
  ExpectBalancesFollowTheReports();
}

}  // namespace
}  // namespace hs::kraken
