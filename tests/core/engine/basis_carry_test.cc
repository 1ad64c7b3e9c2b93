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

#include "core/base/decimal.h"
#include "core/config/config.h"
#include "core/engine/decision_core.h"
#include "tests/support/perp_core.h"

namespace hs::engine {
namespace {

using testing::PerpCoreDriver;
constexpr VenueId kBinance = PerpCoreDriver::kBinance;
constexpr VenueId kBybitPerp = PerpCoreDriver::kBybitPerp;
constexpr VenueId kOkxSwap = PerpCoreDriver::kOkxSwap;
constexpr InstrumentId kSpot = PerpCoreDriver::kSpot;
constexpr InstrumentId kPerp = PerpCoreDriver::kPerp;

Price P(const char* s) { return ParseDecimal<Price>(s).value; }

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << "test bug: '" << from << "' not in the config";
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

// Targets the start already meets (BTC 6000 of 30000), all spot: only the carry trades.
std::string WithCarry(std::string text) {
  text = Replace(text, R"(BTC  = { weight = "0.8", band = "0.03", perp_share = "0.9" })",
                 R"(BTC  = { weight = "0.2", band = "0.05" })");
  text = Replace(text, R"(USDT = { weight = "0.2", band = "0.05" })", R"(USDT = { weight = "0.8", band = "0.05" })");
  return Replace(text, "[allocation.targets]",
                 "[allocation.basis]\nmin_funding_rate = \"0.0005\"\nexit_funding_rate = \"0.0001\"\n"
                 "max_notional = \"3000\"\n\n[allocation.targets]");
}

class BasisCarryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    d_ = std::make_unique<PerpCoreDriver>(WithCarry);
    ASSERT_NE(d_->core, nullptr);
    ASSERT_TRUE(d_->params.basis.enabled);
    core_ = d_->core.get();
  }
  // One rebalance interval: spot at 30000/30001 and the perpetuals 10 above (a premium the
  // carry sells into), the funding rates, a timer; everything sent is filled. Returns it.
  std::vector<OrderIntent> Round(int64_t* t, const char* bybit_rate, const char* okx_rate) {
    *t += 260;
    d_->Top(kBinance, kSpot, "30000", "30001", *t);
    d_->Top(PerpCoreDriver::kOkxSpot, kSpot, "30000", "30001", *t);
    d_->Top(kBybitPerp, kPerp, "30010", "30011", *t);
    d_->Top(kOkxSwap, kPerp, "30010", "30011", *t);
    d_->Mark(kBybitPerp, "30010", *t, bybit_rate);
    d_->Mark(kOkxSwap, "30010", *t, okx_rate);
    d_->Timer(*t);
    std::vector<OrderIntent> all;
    for (int v = 0; v < d_->params.venues; ++v)
      for (const OrderIntent& in : d_->Drain(VenueId{static_cast<uint8_t>(v)})) {
        d_->Fill(in, "0", *t, in.side == Side::kBuy && in.instrument == kSpot ? "BTC" : "USDT");
        all.push_back(in);
      }
    return all;
  }
  AssetId Btc() const { return d_->cfg.FindAsset("BTC")->id; }

  std::unique_ptr<PerpCoreDriver> d_;
  engine::DecisionCore* core_ = nullptr;
};

TEST_F(BasisCarryTest, NothingOpensWhileFundingNetOfCostsPaysTooLittle) {
  int64_t t = 0;
  // 0.0001 funding + 3 bps basis − 15.5 bps of fees: below 0.0005.
  for (int k = 0; k < 5; ++k) EXPECT_TRUE(Round(&t, "0.0001", "0.0001").empty());
}

TEST_F(BasisCarryTest, OpensLongSpotShortPerpOnTheBestFundingAndKeepsDeltaAndWeights) {
  int64_t t = 0;
  Round(&t, "0.0001", "0.0001");
  const Rate weight_before = core_->allocator()->weight(Btc());
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
  const AssetId btc = Btc();
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
  const AssetId btc = Btc();
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
