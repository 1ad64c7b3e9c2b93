// The decision core across a restart: a session that continues recovered state (a second Begin
// on the same state) queries the orders the old session left open, books an adopted order's
// cumulative report only for what was not booked yet, and trades again only once each venue has
// reconciled (or the reconcile timeout left it out). Also the queue states that reach the core
// as journaled inputs: the journal's failure and backpressure.
#include <gtest/gtest.h>

#include "core/app/core_params.h"
#include "core/base/decimal.h"
#include "core/config/config.h"
#include "core/engine/decision_core.h"

namespace hs::engine {
namespace {

Price P(const char* s) { return ParseDecimal<Price>(s).value; }
Qty Q(const char* s) { return ParseDecimal<Qty>(s).value; }
Amount A(const char* s) { return ParseDecimal<Amount>(s, Sign::kAllowNegative).value; }

class RecoveryCoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = config::ParseConfig(config::EmbeddedDemoConfig(), "demo");
    ASSERT_TRUE(c.ok());
    cfg_ = *c;
    params_ = app::CoreParamsFromConfig(cfg_, 1000);
    params_.allocation_enabled = false;
    params_.limits.collar = Rate::Zero();
    params_.reconcile_timeout = Nanos::FromMillis(5'000);
    // Two venues here (the demo's others trade too, but nothing answers for them).
    for (int v = 2; v < params_.venues; ++v) params_.venue[v].trading = false;
    DecisionCore::Wiring w;
    for (int v = 0; v < 2; ++v) {
      rings_.push_back(std::make_unique<IntentRing>(64));
      w.to_venues.push_back(rings_.back()->TakeProducer());
      out_.push_back(rings_.back()->TakeConsumer());
    }
    core_ = std::make_unique<DecisionCore>(params_, std::move(w));
    core_->Begin(Nanos::FromMillis(1), "config");
    for (int v = 0; v < 2; ++v) {
      Connect(v);
      Snapshot(v, "2", "100000");
    }
  }

  void Send(const VenueMsg& m) { core_->Step(m); }
  void Connect(int v) {
    VenueMsg m;
    m.kind = VenueMsg::Kind::kStatus;
    m.status.venue = VenueId{static_cast<uint8_t>(v)};
    m.status.state = FeedState::kSyncing;
    m.status.usable = true;
    m.status.orders_connected = true;
    Send(m);
  }
  void Balance(int v, const char* asset, const char* amount, bool last) {
    VenueMsg m;
    m.kind = VenueMsg::Kind::kBalance;
    m.balance.venue = VenueId{static_cast<uint8_t>(v)};
    m.balance.asset = cfg_.FindAsset(asset)->id;
    m.balance.free = A(amount);
    m.balance.final_of_snapshot = last;
    Send(m);
  }
  void Snapshot(int v, const char* btc, const char* usdt) {
    Balance(v, "BTC", btc, false);
    Balance(v, "ETH", "10", false);
    Balance(v, "USDT", usdt, true);
  }
  void Top(int v, const char* bid, const char* ask, int64_t t_ms) {
    VenueMsg m;
    m.kind = VenueMsg::Kind::kBookTop;
    m.recv_time = Nanos::FromMillis(t_ms);
    m.top.venue = VenueId{static_cast<uint8_t>(v)};
    m.top.instrument = InstrumentId{0};
    m.top.bid_count = 1;
    m.top.ask_count = 1;
    m.top.bids[0] = {P(bid), Q("1")};
    m.top.asks[0] = {P(ask), Q("0.05")};
    Send(m);
  }
  // Venue 1 bid above venue 0 ask: one arbitrage pair.
  void Cross(int64_t t_ms) {
    Top(0, "29999", "30000", t_ms);
    Top(1, "30200", "30201", t_ms);
  }
  std::vector<OrderIntent> Drain(int v) {
    std::vector<OrderIntent> got;
    OrderIntent in;
    while (out_[static_cast<size_t>(v)].TryPop(in)) got.push_back(in);
    return got;
  }
  void Report(const OrderIntent& in, ExecKind kind, const char* qty, const char* quote, const char* fee, bool final) {
    VenueMsg m;
    m.kind = VenueMsg::Kind::kExec;
    m.exec.client_id = in.client_id;
    m.exec.venue = in.venue;
    m.exec.instrument = in.instrument;
    m.exec.kind = kind;
    m.exec.final = final;
    m.exec.fill_qty = Q(qty);
    m.exec.cum_qty = Q(qty);
    m.exec.fill_quote = A(quote);
    m.exec.fee = A(fee);
    m.exec.fee_asset = cfg_.FindAsset("USDT")->id;
    Send(m);
  }
  void Timer(int64_t t_ms) {
    ControlCommand c;
    c.op = ControlOp::kTimer;
    c.time = Nanos::FromMillis(t_ms);
    core_->Step(c);
  }
  Amount Bal(int v, const char* asset) {
    return core_->portfolio().free(VenueId{static_cast<uint8_t>(v)}, cfg_.FindAsset(asset)->id);
  }
  // The restart: the same state, a new session whose ids start at `base`.
  void Restart(int64_t wall_ms) { core_->Begin(Nanos::FromMillis(wall_ms), "config"); }

  config::Config cfg_;
  EngineParams params_;
  std::vector<std::unique_ptr<IntentRing>> rings_;
  std::vector<IntentRing::Consumer> out_;
  std::unique_ptr<DecisionCore> core_;
};

TEST_F(RecoveryCoreTest, AFreshJournalTradesAtOnce) {
  EXPECT_EQ(core_->phase(), DecisionCore::Phase::kTrading);
  Cross(1000);
  EXPECT_EQ(Drain(0).size(), 1u);
  EXPECT_EQ(Drain(1).size(), 1u);
}

TEST_F(RecoveryCoreTest, ASecondSessionQueriesEveryOrderLeftOpenAndDoesNotTradeUntilReconciled) {
  Cross(1000);
  const OrderIntent buy = Drain(0).at(0);
  const OrderIntent sell = Drain(1).at(0);
  Restart(2000);
  EXPECT_EQ(core_->phase(), DecisionCore::Phase::kReconciling);
  const auto q0 = Drain(0);
  const auto q1 = Drain(1);
  ASSERT_EQ(q0.size(), 1u);
  ASSERT_EQ(q1.size(), 1u);
  EXPECT_TRUE(q0[0].query);
  EXPECT_EQ(q0[0].client_id, buy.client_id);
  EXPECT_EQ(q0[0].qty, buy.qty);
  EXPECT_EQ(q0[0].side, Side::kBuy);
  EXPECT_TRUE(q1[0].query);
  EXPECT_EQ(q1[0].client_id, sell.client_id);
  EXPECT_EQ(core_->telemetry().recovered_orders, 2u);
  // The old connections are gone: the venues reconnect, books come back, but nothing trades.
  for (int v = 0; v < 2; ++v) Connect(v);
  Cross(2100);
  EXPECT_TRUE(Drain(0).empty());
  EXPECT_TRUE(Drain(1).empty());
  // A snapshot while the recovered orders are open is deferred: still reconciling.
  Snapshot(0, "2", "100000");
  EXPECT_EQ(core_->phase(), DecisionCore::Phase::kReconciling);
  // The venues answer the queries: the buy filled, the sell never arrived.
  Report(buy, ExecKind::kFill, "0.05", "1500", "1.5", true);
  Report(sell, ExecKind::kRejected, "0", "0", "0", true);
  Snapshot(0, "2.05", "98498.5");
  EXPECT_EQ(core_->phase(), DecisionCore::Phase::kReconciling) << "venue 1 has not reconciled yet";
  Snapshot(1, "2", "100000");
  EXPECT_EQ(core_->phase(), DecisionCore::Phase::kTrading);
  Cross(2200);
  const auto buys = Drain(0);
  ASSERT_EQ(buys.size(), 1u);
  EXPECT_GE(buys[0].client_id.value, params_.client_id_base);
  EXPECT_GT(buys[0].client_id.value, sell.client_id.value) << "no client id of the old session is used again";
}

TEST_F(RecoveryCoreTest, AnAdoptedOrdersCumulativeReportBooksOnlyWhatWasNotBooked) {
  Cross(1000);
  const OrderIntent buy = Drain(0).at(0);
  Drain(1);
  // The old session booked 0.02 of the buy for 600 USDT and 0.6 fee before the crash.
  Report(buy, ExecKind::kFill, "0.02", "600", "0.6", false);
  EXPECT_EQ(Bal(0, "BTC"), A("2.02"));
  Restart(2000);
  Drain(0);
  Drain(1);
  // The adopted order's answer is cumulative since it was sent: 0.05 for 1500, fee 1.5.
  Report(buy, ExecKind::kFill, "0.05", "1500", "1.5", true);
  EXPECT_EQ(Bal(0, "BTC"), A("2.05")) << "only the 0.03 not booked before";
  EXPECT_EQ(Bal(0, "USDT") + core_->portfolio().reserved(VenueId{0}, cfg_.FindAsset("USDT")->id), A("98498.5"));
}

TEST_F(RecoveryCoreTest, AVenueThatNeverReconcilesStaysOutAfterTheTimeout) {
  Cross(1000);
  Drain(0);
  Drain(1);
  Restart(2000);
  Drain(0);
  Drain(1);
  Timer(6000);
  EXPECT_EQ(core_->phase(), DecisionCore::Phase::kReconciling);
  Timer(7001);
  EXPECT_EQ(core_->phase(), DecisionCore::Phase::kTrading);
  EXPECT_EQ(core_->telemetry().reconcile_timeouts, 2u);
  for (int v = 0; v < 2; ++v) Connect(v);
  Cross(7100);
  EXPECT_TRUE(Drain(0).empty()) << "neither venue reconciled: neither trades";
  EXPECT_TRUE(Drain(1).empty());
}

TEST_F(RecoveryCoreTest, JournalBackpressureStopsNewOrdersUntilItDrains) {
  ControlCommand c;
  c.op = ControlOp::kBackpressure;
  c.venue = VenueId::Invalid();
  c.arg = 1;
  c.time = Nanos::FromMillis(900);
  core_->Step(c);
  Cross(1000);
  EXPECT_TRUE(Drain(0).empty());
  EXPECT_EQ(core_->telemetry().counters.journal_backlog_refusals, 1u);
  c.arg = 0;
  core_->Step(c);
  Cross(1200);
  EXPECT_EQ(Drain(0).size(), 1u);
}

TEST_F(RecoveryCoreTest, AVenuesFullIntentRingIsAnInputToo) {
  ControlCommand c;
  c.op = ControlOp::kBackpressure;
  c.venue = VenueId{1};
  c.arg = 1;
  c.time = Nanos::FromMillis(900);
  core_->Step(c);
  Cross(1000);
  EXPECT_TRUE(Drain(0).empty());
  EXPECT_TRUE(Drain(1).empty());
  c.arg = 0;
  core_->Step(c);
  Cross(1200);
  EXPECT_EQ(Drain(1).size(), 1u);
}

TEST_F(RecoveryCoreTest, AJournalFailureInputHaltsAndLatches) {
  ControlCommand c;
  c.op = ControlOp::kJournalFailed;
  c.time = Nanos::FromMillis(900);
  core_->Step(c);
  EXPECT_TRUE(core_->telemetry().journal_failed);
  EXPECT_EQ(core_->states().global(), risk::TradingState::kHalted);
  ControlCommand resume;
  resume.op = ControlOp::kResume;
  resume.time = Nanos::FromMillis(950);
  core_->Step(resume);
  EXPECT_EQ(core_->states().global(), risk::TradingState::kHalted) << "latched: resume does not clear it";
  Cross(1000);
  EXPECT_TRUE(Drain(0).empty());
}

}  // namespace
}  // namespace hs::engine
