#include "risk/risk_gate.h"

#include <gtest/gtest.h>

#include <random>

namespace hs::risk {
namespace {

OrderIntent Intent(int64_t px_units, int64_t qty_raw, uint8_t venue = 0) {
  OrderIntent in;
  in.venue = VenueId{venue};
  in.limit_px = Price::FromUnits(px_units);
  in.qty = Qty::FromRaw(qty_raw);
  return in;
}

TEST(RiskGate, StatesAndLimits) {
  RiskGate g({Notional::FromUnits(5000), Qty::FromUnits(10)});
  EXPECT_EQ(g.Check(Intent(30000, 10'000'000)), GateVerdict::kAccept);            // 0.1 × 30000 = 3000
  EXPECT_EQ(g.Check(Intent(30000, 20'000'000)), GateVerdict::kMaxOrderNotional);  // 6000
  EXPECT_EQ(g.Check(Intent(1, 11 * Qty::kScale)), GateVerdict::kMaxOrderQty);
  EXPECT_EQ(g.Check(Intent(30000, 0)), GateVerdict::kNonPositive);
  OrderIntent bad = Intent(1, 1);
  bad.venue = VenueId::Invalid();
  EXPECT_EQ(g.Check(bad), GateVerdict::kUnknownVenue);
  g.SetVenue(VenueId{2}, TradingState::kHalted);
  EXPECT_EQ(g.Check(Intent(100, 1, 2)), GateVerdict::kHalted);
  EXPECT_EQ(g.Check(Intent(100, 1, 1)), GateVerdict::kAccept);
  g.SetGlobal(TradingState::kReducing);
  EXPECT_EQ(g.Check(Intent(100, 1, 1)), GateVerdict::kReducingOnly);
  EXPECT_EQ(g.Check(Intent(100, 1, 1), /*reduces_risk=*/true), GateVerdict::kAccept);
  g.SetGlobal(TradingState::kHalted);
  EXPECT_EQ(g.Check(Intent(100, 1, 1), true), GateVerdict::kHalted);
}

// Property (seeded): over random intents, nothing the gate accepts breaks a limit.
TEST(RiskGate, AcceptedIntentsNeverExceedLimits) {
  const uint64_t seed = 2026;
  std::mt19937_64 rng(seed);
  const GateLimits lim{Notional::FromUnits(5000), Qty::FromUnits(3)};
  RiskGate g(lim);
  int accepted = 0;
  for (int i = 0; i < 200000; ++i) {
    OrderIntent in;
    in.venue = VenueId{static_cast<uint8_t>(rng() % 4)};
    in.limit_px = Price::FromRaw(static_cast<int64_t>(rng() % 100'000'000'000'000ull) - 1'000'000'000);
    in.qty = Qty::FromRaw(static_cast<int64_t>(rng() % 1'000'000'000ull) - 1000);
    if (rng() % 50 == 0) g.SetVenue(in.venue, static_cast<TradingState>(rng() % 3));
    if (g.Check(in) != GateVerdict::kAccept) continue;
    ++accepted;
    ASSERT_EQ(g.effective_state(in.venue), TradingState::kActive) << "seed " << seed;
    ASSERT_TRUE(in.qty.is_positive() && in.limit_px.is_positive());
    ASSERT_LE(in.qty, lim.max_order_qty);
    ASSERT_LE(MulNotional(in.limit_px, in.qty, Rounding::kCeil), lim.max_order_notional);
  }
  EXPECT_GT(accepted, 1000);
}

}  // namespace
}  // namespace hs::risk
