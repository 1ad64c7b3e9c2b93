// The decision core with perpetuals (issue 15), on configs/perps-demo.toml: the rebalancer holds
// BTC exposure as perpetuals, fills move the margin book (not balances), the wallet moves by
// realized PnL less fees and by funding, NAV counts unrealized PnL, a venue below
// reduce_distance goes REDUCING, below delever_distance the core sends reduce-only deleveraging
// orders, a venue's liquidation is adopted from its account figures, and the state survives a
// snapshot.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/app/core_params.h"
#include "core/base/decimal.h"
#include "core/config/config.h"
#include "core/engine/decision_core.h"
#include "tests/support/perp_core.h"

namespace hs::engine {
namespace {

Price P(const char* s) { return ParseDecimal<Price>(s).value; }
Amount A(const char* s) { return ParseDecimal<Amount>(s, Sign::kAllowNegative).value; }

using testing::PerpCoreDriver;
constexpr VenueId kBinance = PerpCoreDriver::kBinance;
constexpr VenueId kBybitPerp = PerpCoreDriver::kBybitPerp;
constexpr VenueId kOkxSwap = PerpCoreDriver::kOkxSwap;
constexpr InstrumentId kSpot = PerpCoreDriver::kSpot;
constexpr InstrumentId kPerp = PerpCoreDriver::kPerp;

class PerpCoreTest : public ::testing::Test {
 protected:
  void Build(bool limits) {
    d_ = std::make_unique<PerpCoreDriver>(limits ? std::function<std::string(std::string)>()
                                                 : [](std::string t) { return config::WithoutLiquidationLimits(t); });
    ASSERT_NE(d_->core, nullptr);
    core_ = d_->core.get();
  }
  void SetUp() override { Build(true); }

  void Send(const VenueMsg& m) { d_->Send(m); }
  void Mark(VenueId v, const char* px, int64_t t_ms) { d_->Mark(v, px, t_ms); }
  // Every book at `mid` (spread 1), the marks too.
  void Market(int mid, int64_t t_ms) {
    const std::string bid = std::to_string(mid), ask = std::to_string(mid + 1);
    d_->Top(kBinance, kSpot, bid.c_str(), ask.c_str(), t_ms);
    d_->Top(PerpCoreDriver::kOkxSpot, kSpot, bid.c_str(), ask.c_str(), t_ms);
    d_->Top(kBybitPerp, kPerp, bid.c_str(), ask.c_str(), t_ms);
    d_->Top(kOkxSwap, kPerp, bid.c_str(), ask.c_str(), t_ms);
    Mark(kBybitPerp, bid.c_str(), t_ms);
    Mark(kOkxSwap, bid.c_str(), t_ms);
  }
  void Timer(int64_t t_ms) { d_->Timer(t_ms); }
  std::vector<OrderIntent> Drain(VenueId v) { return d_->Drain(v); }
  void Fill(const OrderIntent& in, const char* fee, int64_t t_ms) { d_->Fill(in, fee, t_ms); }
  Amount Usdt(VenueId v) { return d_->Free(v, "USDT"); }
  // Runs the market until the rebalancer sends a perpetual buy on `v`; fills it. Returns it.
  OrderIntent OpenLong(VenueId v, int64_t* t) {
    for (int k = 0; k < 40; ++k) {
      *t += 260;
      Market(30000, *t);
      Timer(*t);
      for (const OrderIntent& in : Drain(kBinance)) Fill(in, "0", *t);
      for (const OrderIntent& in : Drain(v == kBybitPerp ? kOkxSwap : kBybitPerp)) Fill(in, "0", *t);
      const auto got = Drain(v);
      if (!got.empty()) {
        Fill(got[0], "1", *t);
        return got[0];
      }
    }
    ADD_FAILURE() << "no perpetual order on venue " << int(v.value);
    return {};
  }

  std::unique_ptr<PerpCoreDriver> d_;
  engine::DecisionCore* core_ = nullptr;
};

TEST_F(PerpCoreTest, TheRebalancerHoldsExposureAsPerpetualsAndFillsMoveTheMarginBookNotBalances) {
  int64_t t = 0;
  const OrderIntent in = OpenLong(kBybitPerp, &t);
  EXPECT_EQ(in.instrument, kPerp);
  EXPECT_EQ(in.side, Side::kBuy);
  EXPECT_EQ(in.purpose, OrderPurpose::kRebalance);
  EXPECT_FALSE(in.reduce_only);
  // Sized by margin: 2,000 USDT at 5x is at most 10,000 notional.
  EXPECT_LE(MulNotional(in.limit_px, in.qty, Rounding::kCeil), Notional::FromUnits(10'000));
  const margin::PerpPosition& pos = core_->margin().position(kBybitPerp, kPerp);
  EXPECT_EQ(pos.size, in.qty);
  EXPECT_EQ(pos.entry, in.limit_px);
  // The wallet paid the fee only; no BTC balance appeared on the perpetual venue.
  EXPECT_EQ(Usdt(kBybitPerp), A("1999"));
  EXPECT_TRUE(core_->portfolio().free(kBybitPerp, d_->cfg.FindAsset("BTC")->id).is_zero());
  EXPECT_EQ(core_->margin().wallet(kBybitPerp), A("1999"));
  // Delta: every perpetual venue's position of BTC.
  EXPECT_EQ(core_->margin().delta(d_->cfg.FindAsset("BTC")->id), pos.size + core_->margin().position(kOkxSwap, kPerp).size);
}

TEST_F(PerpCoreTest, FundingMovesTheWalletAndIsCountedInPnl) {
  int64_t t = 0;
  OpenLong(kBybitPerp, &t);
  const Amount before = Usdt(kBybitPerp);
  VenueMsg m;
  m.kind = VenueMsg::Kind::kFunding;
  m.recv_time = Nanos::FromMillis(t + 1);
  m.funding.venue = kBybitPerp;
  m.funding.instrument = kPerp;
  m.funding.asset = d_->cfg.FindAsset("USDT")->id;
  m.funding.amount = A("-1.5");
  Send(m);
  m.funding.amount = A("0.25");
  Send(m);
  EXPECT_EQ(Usdt(kBybitPerp), before - A("1.25"));
  EXPECT_EQ(core_->margin().position(kBybitPerp, kPerp).funding, A("-1.25"));
  core_->PublishTelemetry();
  EXPECT_EQ(core_->telemetry().margin_counters.funding_payments, 2u);
  EXPECT_EQ(core_->telemetry().margin_counters.funding_total, A("-1.25"));
  // A payment for an instrument that is not a perpetual of the venue changes nothing.
  m.funding.instrument = kSpot;
  Send(m);
  EXPECT_EQ(Usdt(kBybitPerp), before - A("1.25"));
}

TEST_F(PerpCoreTest, NavCountsUnrealizedPnlOnMark) {
  int64_t t = 0;
  const OrderIntent in = OpenLong(kBybitPerp, &t);
  core_->PublishTelemetry();
  const Amount nav0 = core_->telemetry().nav;
  Mark(kBybitPerp, "31000", t + 1);
  core_->PublishTelemetry();
  const Amount gain = margin::UnrealizedPnl(in.qty, in.limit_px, P("31000")) -
                      margin::UnrealizedPnl(in.qty, in.limit_px, P("30000"));
  EXPECT_EQ(core_->telemetry().nav - nav0, gain);
}

TEST_F(PerpCoreTest, ACrashTakesTheVenueToReducingThenDeleveragesReduceOnly) {
  int64_t t = 0;
  const OrderIntent in = OpenLong(kBybitPerp, &t);
  const Rate d0 = core_->margin().VenueDistance(kBybitPerp);
  EXPECT_GE(d0, d_->params.limits.liquidation.min_distance) << "the pre-trade check let it open closer than the minimum";
  // Fall until the venue's distance is under reduce_distance but above delever_distance.
  int px = 30000;
  while (core_->margin().VenueDistance(kBybitPerp) >= d_->params.limits.liquidation.reduce_distance && px > 20000) {
    px -= 100;
    t += 20;
    Mark(kBybitPerp, std::to_string(px).c_str(), t);
  }
  ASSERT_GE(core_->margin().VenueDistance(kBybitPerp), d_->params.limits.liquidation.delever_distance);
  Market(px, t);
  Timer(t);
  EXPECT_EQ(core_->states().venue(kBybitPerp), risk::TradingState::kReducing);
  EXPECT_EQ(core_->states().venue(kBinance), risk::TradingState::kActive);
  // Nothing opens on it now: every order there is a reduction.
  for (const OrderIntent& o : Drain(kBybitPerp)) EXPECT_TRUE(o.reduce_only || o.side == Side::kSell);
  // Further down, below delever_distance: reduce-only IOC sells, inside the collar.
  while (core_->margin().VenueDistance(kBybitPerp) >= d_->params.limits.liquidation.delever_distance && px > 20000) {
    px -= 100;
    t += 20;
    Mark(kBybitPerp, std::to_string(px).c_str(), t);
  }
  t += 10;
  Market(px, t);
  Timer(t);
  const auto orders = Drain(kBybitPerp);
  ASSERT_FALSE(orders.empty());
  const OrderIntent& d = orders.back();
  EXPECT_EQ(d.purpose, OrderPurpose::kDeleverage);
  EXPECT_TRUE(d.reduce_only);
  EXPECT_EQ(d.side, Side::kSell);
  EXPECT_EQ(d.tif, TimeInForce::kIoc);
  EXPECT_LE(d.qty, in.qty);
  core_->PublishTelemetry();
  EXPECT_GE(core_->telemetry().margin_counters.delever_orders, 1u);
  EXPECT_LT(core_->telemetry().margin_counters.min_distance, d_->params.limits.liquidation.delever_distance);
  // Filled: the distance recovers, REDUCING clears at the next round.
  Fill(d, "0.5", t);
  while (!core_->margin().position(kBybitPerp, kPerp).size.is_zero() &&
         core_->margin().VenueDistance(kBybitPerp) < d_->params.limits.liquidation.reduce_distance) {
    t += 300;
    Market(px, t);
    Timer(t);
    const auto more = Drain(kBybitPerp);
    if (more.empty()) break;
    for (const OrderIntent& o : more) Fill(o, "0", t);
  }
  EXPECT_GE(core_->margin().VenueDistance(kBybitPerp), d_->params.limits.liquidation.reduce_distance);
  t += 10;
  Timer(t);
  EXPECT_EQ(core_->states().venue(kBybitPerp), risk::TradingState::kActive);
}

TEST_F(PerpCoreTest, WithoutLimitsNothingReducesOrDeleverages) {
  Build(false);
  int64_t t = 0;
  OpenLong(kBybitPerp, &t);
  int px = 30000;
  while (core_->margin().VenueDistance(kBybitPerp) >= Rate::FromRaw(3'000'000) && px > 20000) {
    px -= 100;
    t += 20;
    Mark(kBybitPerp, std::to_string(px).c_str(), t);
  }
  Market(px, t);
  Timer(t);
  EXPECT_EQ(core_->states().venue(kBybitPerp), risk::TradingState::kActive);
  for (const OrderIntent& o : Drain(kBybitPerp)) EXPECT_NE(o.purpose, OrderPurpose::kDeleverage);
  core_->PublishTelemetry();
  EXPECT_EQ(core_->telemetry().margin_counters.delever_orders, 0u);
}

TEST_F(PerpCoreTest, AVenueLiquidationIsAdoptedFromItsAccountFigures) {
  int64_t t = 0;
  OpenLong(kBybitPerp, &t);
  VenueMsg m;
  m.kind = VenueMsg::Kind::kPosition;
  m.recv_time = Nanos::FromMillis(t + 1);
  m.position.venue = kBybitPerp;
  m.position.instrument = kPerp;
  m.position.liquidated = true;
  Send(m);
  EXPECT_TRUE(core_->margin().position(kBybitPerp, kPerp).size.is_zero());
  VenueMsg a;
  a.kind = VenueMsg::Kind::kMarginAccount;
  a.recv_time = Nanos::FromMillis(t + 2);
  a.margin.venue = kBybitPerp;
  a.margin.asset = d_->cfg.FindAsset("USDT")->id;
  a.margin.wallet_balance = A("12.5");
  a.margin.equity = A("12.5");
  Send(a);
  EXPECT_EQ(Usdt(kBybitPerp), A("12.5"));
  // Later account figures are compared, not adopted.
  a.margin.wallet_balance = A("99");
  Send(a);
  EXPECT_EQ(Usdt(kBybitPerp), A("12.5"));
  core_->PublishTelemetry();
  EXPECT_EQ(core_->telemetry().margin_counters.liquidations, 1u);
}

TEST_F(PerpCoreTest, MarginStateSurvivesASnapshot) {
  int64_t t = 0;
  OpenLong(kBybitPerp, &t);
  Mark(kBybitPerp, "29000", t + 1);
  std::string bytes;
  core_->SaveState(&bytes);
  DecisionCore::Wiring w;
  std::vector<std::unique_ptr<IntentRing>> rings;
  for (int v = 0; v < d_->params.venues; ++v) {
    rings.push_back(std::make_unique<IntentRing>(64));
    w.to_venues.push_back(rings.back()->TakeProducer());
  }
  DecisionCore copy(d_->params, std::move(w));
  ASSERT_TRUE(copy.LoadState(bytes).ok());
  EXPECT_EQ(copy.margin().position(kBybitPerp, kPerp).size, core_->margin().position(kBybitPerp, kPerp).size);
  EXPECT_EQ(copy.margin().position(kBybitPerp, kPerp).mark, P("29000"));
  EXPECT_EQ(copy.margin().VenueDistance(kBybitPerp), core_->margin().VenueDistance(kBybitPerp));
  std::string again;
  copy.SaveState(&again);
  EXPECT_EQ(again, bytes);
}

}  // namespace
}  // namespace hs::engine
