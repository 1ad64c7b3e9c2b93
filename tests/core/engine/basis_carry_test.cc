// The cash and carry ([allocation.basis], issue 15) inside the decision core, on
// configs/perps-demo.toml with targets the starting portfolio already meets (so the carry is the
// only trading): where a perpetual's funding plus the basis locked in, net of both taker fees,
// pays at least min_funding_rate, the core opens long spot / short perpetual (the perpetual leg
// first), keeps the carried value off the allocator (delta and weights unchanged, nothing sold
// back), stops at max_notional, and unwinds (spot sold, the perpetual bought back reduce-only)
// once funding falls below exit_funding_rate.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/app/core_params.h"
#include "core/base/decimal.h"
#include "core/config/config.h"
#include "core/engine/decision_core.h"
#include "tests/support/paths.h"
#include "tests/support/test_support.h"

namespace hs::engine {
namespace {

Price P(const char* s) { return ParseDecimal<Price>(s).value; }
Qty Q(const char* s) { return ParseDecimal<Qty>(s).value; }
Amount A(const char* s) { return ParseDecimal<Amount>(s, Sign::kAllowNegative).value; }

constexpr VenueId kBinance{0};
constexpr VenueId kBybitPerp{2};
constexpr VenueId kOkxSwap{3};
constexpr InstrumentId kSpot{0};
constexpr InstrumentId kPerp{1};

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << "test bug: '" << from << "' not in the config";
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

class BasisCarryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string text = testing::ReadFileOrDie(std::string(HS_SOURCE_DIR) + "/configs/perps-demo.toml");
    // Targets the start already meets (BTC 6000 of 30000), all spot: only the carry trades.
    text = Replace(text, R"(BTC  = { weight = "0.8", band = "0.03", perp_share = "0.9" })",
                   R"(BTC  = { weight = "0.2", band = "0.05" })");
    text = Replace(text, R"(USDT = { weight = "0.2", band = "0.05" })", R"(USDT = { weight = "0.8", band = "0.05" })");
    text = Replace(text, "[allocation.targets]",
                   "[allocation.basis]\nmin_funding_rate = \"0.0005\"\nexit_funding_rate = \"0.0001\"\n"
                   "max_notional = \"3000\"\n\n[allocation.targets]");
    auto c = config::ParseConfig(text, "basis");
    ASSERT_TRUE(c.ok()) << c.status();
    cfg_ = *c;
    params_ = app::CoreParamsFromConfig(cfg_, 1000);
    ASSERT_TRUE(params_.basis.enabled);
    DecisionCore::Wiring w;
    for (int v = 0; v < params_.venues; ++v) {
      rings_.push_back(std::make_unique<IntentRing>(64));
      w.to_venues.push_back(rings_.back()->TakeProducer());
      out_.push_back(rings_.back()->TakeConsumer());
    }
    core_ = std::make_unique<DecisionCore>(params_, std::move(w));
    core_->Begin(Nanos::FromMillis(1), "config");
    for (int v = 0; v < params_.venues; ++v) Connect(v);
    Balance(0, "BTC", "0.2", false);
    Balance(0, "USDT", "20000", true);
    Balance(1, "USDT", "0", true);
    Balance(2, "USDT", "2000", true);
    Balance(3, "USDT", "2000", true);
  }
  void Send(const VenueMsg& m) { core_->Step(m); }
  void Connect(int v) {
    VenueMsg m;
    m.kind = VenueMsg::Kind::kStatus;
    m.status.venue = VenueId{static_cast<uint8_t>(v)};
    m.status.state = FeedState::kSynced;
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
  void Top(VenueId v, InstrumentId i, const char* bid, const char* ask, int64_t t_ms) {
    VenueMsg m;
    m.kind = VenueMsg::Kind::kBookTop;
    m.recv_time = Nanos::FromMillis(t_ms);
    m.top.venue = v;
    m.top.instrument = i;
    m.top.bid_count = 1;
    m.top.ask_count = 1;
    m.top.bids[0] = {P(bid), Q("5")};
    m.top.asks[0] = {P(ask), Q("5")};
    Send(m);
  }
  void Funding(VenueId v, const char* rate, int64_t t_ms) {
    VenueMsg m;
    m.kind = VenueMsg::Kind::kMark;
    m.recv_time = Nanos::FromMillis(t_ms);
    m.mark.venue = v;
    m.mark.instrument = kPerp;
    m.mark.fields = MarkUpdate::kMark | MarkUpdate::kFunding;
    m.mark.mark_px = P("30010");
    m.mark.funding_rate = ParseDecimal<Rate>(rate, Sign::kAllowNegative).value;
    Send(m);
  }
  // Spot at 30000/30001, the perpetuals 10 above (a premium the carry sells into).
  void Market(int64_t t_ms) {
    Top(kBinance, kSpot, "30000", "30001", t_ms);
    Top(VenueId{1}, kSpot, "30000", "30001", t_ms);
    Top(kBybitPerp, kPerp, "30010", "30011", t_ms);
    Top(kOkxSwap, kPerp, "30010", "30011", t_ms);
  }
  void Timer(int64_t t_ms) {
    ControlCommand c;
    c.op = ControlOp::kTimer;
    c.time = Nanos::FromMillis(t_ms);
    core_->Step(c);
  }
  std::vector<OrderIntent> Drain(VenueId v) {
    std::vector<OrderIntent> got;
    OrderIntent in;
    while (out_[v.value].TryPop(in)) got.push_back(in);
    return got;
  }
  void Fill(const OrderIntent& in, int64_t t_ms) {
    VenueMsg m;
    m.kind = VenueMsg::Kind::kExec;
    m.recv_time = Nanos::FromMillis(t_ms);
    m.exec.client_id = in.client_id;
    m.exec.venue = in.venue;
    m.exec.instrument = in.instrument;
    m.exec.kind = ExecKind::kFill;
    m.exec.side = in.side;
    m.exec.final = true;
    m.exec.fill_px = in.limit_px;
    m.exec.fill_qty = in.qty;
    m.exec.cum_qty = in.qty;
    m.exec.fill_quote = Amount::FromRaw(MulNotional(in.limit_px, in.qty, Rounding::kFloor).raw());
    m.exec.fee = Amount::Zero();
    m.exec.fee_asset = cfg_.FindAsset(in.side == Side::kBuy && in.instrument == kSpot ? "BTC" : "USDT")->id;
    Send(m);
  }
  // One rebalance interval: the market, the funding rates, a timer; fills everything sent.
  // Returns what was sent, by venue.
  std::vector<OrderIntent> Round(int64_t* t, const char* bybit_rate, const char* okx_rate) {
    *t += 260;
    Market(*t);
    Funding(kBybitPerp, bybit_rate, *t);
    Funding(kOkxSwap, okx_rate, *t);
    Timer(*t);
    std::vector<OrderIntent> all;
    for (int v = 0; v < params_.venues; ++v)
      for (const OrderIntent& in : Drain(VenueId{static_cast<uint8_t>(v)})) {
        Fill(in, *t);
        all.push_back(in);
      }
    return all;
  }

  config::Config cfg_;
  EngineParams params_;
  std::vector<std::unique_ptr<IntentRing>> rings_;
  std::vector<IntentRing::Consumer> out_;
  std::unique_ptr<DecisionCore> core_;
};

TEST_F(BasisCarryTest, NothingOpensWhileFundingNetOfCostsPaysTooLittle) {
  int64_t t = 0;
  // 0.0001 funding + 3 bps basis − 15.5 bps of fees: below 0.0005.
  for (int k = 0; k < 5; ++k) EXPECT_TRUE(Round(&t, "0.0001", "0.0001").empty());
}

TEST_F(BasisCarryTest, OpensLongSpotShortPerpOnTheBestFundingAndKeepsDeltaAndWeights) {
  int64_t t = 0;
  Round(&t, "0.0001", "0.0001");
  const Rate weight_before = core_->allocator()->weight(cfg_.FindAsset("BTC")->id);
  // OKX pays more: the carry goes there.
  const auto sent = Round(&t, "0.003", "0.004");
  ASSERT_EQ(sent.size(), 2u);
  const OrderIntent& perp = sent[0].instrument == kPerp ? sent[0] : sent[1];
  const OrderIntent& spot = sent[0].instrument == kPerp ? sent[1] : sent[0];
  EXPECT_EQ(perp.venue, kOkxSwap);
  EXPECT_EQ(perp.side, Side::kSell);
  EXPECT_FALSE(perp.reduce_only);
  EXPECT_EQ(perp.purpose, OrderPurpose::kCarry);
  EXPECT_EQ(spot.venue, kBinance);
  EXPECT_EQ(spot.side, Side::kBuy);
  EXPECT_EQ(spot.qty, perp.qty);
  // Delta unchanged: the spot bought equals the perpetual sold.
  const AssetId btc = cfg_.FindAsset("BTC")->id;
  EXPECT_EQ(core_->margin().delta(btc), -spot.qty);
  // Later rounds add up to max_notional (3000 at the reference, within one OKX lot of 0.01 BTC)
  // and the rebalancer sells nothing back: the carried value is off its holdings.
  for (int k = 0; k < 10; ++k)
    for (const OrderIntent& in : Round(&t, "0.003", "0.004")) EXPECT_EQ(in.purpose, OrderPurpose::kCarry);
  const Qty carried = -core_->margin().delta(btc);
  EXPECT_LE(MulNotional(P("30000"), carried, Rounding::kFloor), Notional::FromUnits(3'000));
  EXPECT_GE(MulNotional(P("30000"), carried, Rounding::kFloor), Notional::FromUnits(2'600));
  const Rate weight_after = core_->allocator()->weight(btc);
  EXPECT_LE(weight_after - weight_before, Rate::FromRaw(100'000)) << "the carry moved the BTC weight";
  EXPECT_LE(weight_before - weight_after, Rate::FromRaw(100'000)) << "the carry moved the BTC weight";
  core_->PublishTelemetry();
  EXPECT_GE(core_->telemetry().margin_counters.carry_entries, 1u);
  EXPECT_GT(core_->telemetry().margin_counters.carry_value, Notional::FromUnits(2'600));
}

TEST_F(BasisCarryTest, UnwindsBelowTheExitRateWithAReduceOnlyBuyBack) {
  int64_t t = 0;
  Round(&t, "0.0001", "0.0001");
  for (int k = 0; k < 6; ++k) Round(&t, "0.004", "0.001");
  const AssetId btc = cfg_.FindAsset("BTC")->id;
  ASSERT_TRUE(core_->margin().delta(btc).is_negative());
  // Between the exit and the entry rate: held, nothing sent.
  EXPECT_TRUE(Round(&t, "0.0003", "0.0003").empty());
  // Below the exit rate: unwound, step by step.
  bool bought_back = false;
  for (int k = 0; k < 10 && !core_->margin().delta(btc).is_zero(); ++k) {
    for (const OrderIntent& in : Round(&t, "0.00005", "0.00005")) {
      EXPECT_EQ(in.purpose, OrderPurpose::kCarry);
      if (in.instrument == kPerp) {
        EXPECT_EQ(in.side, Side::kBuy);
        EXPECT_TRUE(in.reduce_only);
        EXPECT_EQ(in.venue, kBybitPerp);  // where it was opened
        bought_back = true;
      } else {
        EXPECT_EQ(in.side, Side::kSell);
        EXPECT_EQ(in.venue, kBinance);
      }
    }
  }
  EXPECT_TRUE(bought_back);
  EXPECT_TRUE(core_->margin().delta(btc).is_zero());
  core_->PublishTelemetry();
  EXPECT_GE(core_->telemetry().margin_counters.carry_exits, 1u);
}

}  // namespace
}  // namespace hs::engine
