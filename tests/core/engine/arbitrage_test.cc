#include "core/engine/arbitrage.h"

#include <gtest/gtest.h>

#include <random>

#include "core/base/decimal.h"

namespace hs::engine {
namespace {

Price P(const char* s) { return ParseDecimal<Price>(s).value; }
Qty Q(const char* s) { return ParseDecimal<Qty>(s).value; }
Notional N(const char* s) { return ParseDecimal<Notional>(s).value; }
Rate R(const char* s) { return ParseDecimal<Rate>(s).value; }

ArbCaps Caps() {
  ArbCaps c;
  c.lot = Q("0.00001");
  c.min_notional = N("5");
  return c;
}

TEST(Arbitrage, NoEdgeWhenNotCrossedBeyondFees) {
  const Level asks[] = {{P("30000"), Q("1")}};
  const Level bids[] = {{P("30050"), Q("1")}};  // 16.7 bps gross < 20 bps of fees
  const ArbPlan p = FindArbitrage({asks, 1, bids, 1, R("0.001"), R("0.001"), R("0")}, Caps());
  EXPECT_FALSE(p.crossed);
  EXPECT_TRUE(p.qty.is_zero());
}

TEST(Arbitrage, TopLevelsOnly) {
  const Level asks[] = {{P("30000"), Q("0.8")}};
  const Level bids[] = {{P("30200"), Q("0.5")}};
  const ArbPlan p = FindArbitrage({asks, 1, bids, 1, R("0.001"), R("0.001"), R("0.0005")}, Caps());
  ASSERT_TRUE(p.crossed);
  EXPECT_EQ(p.qty, Q("0.5"));
  EXPECT_EQ(p.buy_limit, P("30000"));
  EXPECT_EQ(p.sell_limit, P("30200"));
  // (30200×0.999 − 30000×1.001) × 0.5 = (30169.8 − 30030) × 0.5 = 69.9
  EXPECT_EQ(p.expected_profit, N("69.9"));
}

TEST(Arbitrage, WalksLevelsWhileTheMarginalUnitPays) {
  const Level asks[] = {{P("100.00"), Q("1")}, {P("100.10"), Q("2")}, {P("101.00"), Q("5")}};
  const Level bids[] = {{P("101.00"), Q("1.5")}, {P("100.90"), Q("3")}, {P("100.00"), Q("5")}};
  // Fees 0.1% each side: a pair pays when bid×0.999 − ask×1.001 > 0.
  const ArbPlan p = FindArbitrage({asks, 3, bids, 3, R("0.001"), R("0.001"), R("0")}, Caps());
  ASSERT_TRUE(p.crossed);
  // 1 @100.00 vs 101.00 pays; 0.5 @100.10 vs 101.00 pays; 1.5 @100.10 vs 100.90 pays
  // (100.7991 − 100.2001); then 101.00 vs 100.90 does not.
  EXPECT_EQ(p.qty, Q("3"));
  EXPECT_EQ(p.buy_limit, P("100.10"));
  EXPECT_EQ(p.sell_limit, P("100.90"));
}

TEST(Arbitrage, CapsBindAndLotFloors) {
  const Level asks[] = {{P("30000"), Q("5")}};
  const Level bids[] = {{P("30300"), Q("5")}};
  ArbCaps c = Caps();
  c.max_qty = Q("0.123456");
  const ArbPlan a = FindArbitrage({asks, 1, bids, 1, R("0.001"), R("0.001"), R("0")}, c);
  EXPECT_EQ(a.qty, Q("0.12345"));
  // The quote budget (fee included) binds: 1000 / (30000 × 1.001) = 0.0333000333 → 0.03330.
  c.max_qty = Qty::Max();
  c.max_buy_notional = N("1000");
  const ArbPlan b = FindArbitrage({asks, 1, bids, 1, R("0.001"), R("0.001"), R("0")}, c);
  EXPECT_EQ(b.qty, Q("0.0333"));
}

TEST(Arbitrage, MinNotionalLeavesNothing) {
  const Level asks[] = {{P("30000"), Q("0.0001")}};
  const Level bids[] = {{P("30300"), Q("0.0001")}};  // 3 USDT < 5 min notional
  const ArbPlan p = FindArbitrage({asks, 1, bids, 1, R("0.001"), R("0.001"), R("0")}, Caps());
  EXPECT_TRUE(p.crossed);
  EXPECT_TRUE(p.capped);
  EXPECT_TRUE(p.qty.is_zero());
}

TEST(Arbitrage, EmptySidesAreSafe) {
  const Level one[] = {{P("1"), Q("1")}};
  EXPECT_FALSE(FindArbitrage({one, 0, one, 1, R("0"), R("0"), R("0")}, Caps()).crossed);
  EXPECT_FALSE(FindArbitrage({one, 1, one, 0, R("0"), R("0"), R("0")}, Caps()).crossed);
}

// Property (seeded): whatever the books, a plan never exceeds the caps or the walked depth,
// stays on the lot, and its limits are prices from the books.
TEST(Arbitrage, PlansRespectCapsOnRandomBooks) {
  const uint64_t seed = 777;
  std::mt19937_64 rng(seed);
  for (int it = 0; it < 20000; ++it) {
    Level asks[5], bids[5];
    const int na = 1 + static_cast<int>(rng() % 5), nb = 1 + static_cast<int>(rng() % 5);
    int64_t a = 29'900'000'000'000 + static_cast<int64_t>(rng() % 400) * 1'000'000'000;
    int64_t b = 29'900'000'000'000 + static_cast<int64_t>(rng() % 400) * 1'000'000'000;
    Qty total_a, total_b;
    for (int k = 0; k < na; ++k) {
      a += static_cast<int64_t>(rng() % 20) * 10'000'000;
      asks[k] = {Price::FromRaw(a), Qty::FromRaw(1000 * (1 + static_cast<int64_t>(rng() % 100000)))};
      total_a += asks[k].qty;
    }
    for (int k = 0; k < nb; ++k) {
      b -= static_cast<int64_t>(rng() % 20) * 10'000'000;
      bids[k] = {Price::FromRaw(b), Qty::FromRaw(1000 * (1 + static_cast<int64_t>(rng() % 100000)))};
      total_b += bids[k].qty;
    }
    ArbCaps c = Caps();
    c.max_qty = Qty::FromRaw(1000 * static_cast<int64_t>(rng() % 200000));
    c.max_buy_notional = Notional::FromRaw(static_cast<int64_t>(rng() % 100000) * 1'000'000'000);
    const ArbPlan p = FindArbitrage({asks, na, bids, nb, R("0.001"), R("0.0006"), R("0.0001")}, c);
    if (p.qty.is_zero()) continue;
    ASSERT_LE(p.qty, c.max_qty) << "seed " << seed << " it " << it;
    ASSERT_LE(p.qty, total_a);
    ASSERT_LE(p.qty, total_b);
    ASSERT_TRUE(IsMultipleOf(p.qty.raw(), c.lot.raw()));
    ASSERT_LE(MulNotional(NetBuyCost(p.buy_limit, R("0.001")), p.qty, Rounding::kCeil), c.max_buy_notional + N("0.00001"));
    ASSERT_GT(p.sell_limit, p.buy_limit);
    ASSERT_TRUE(p.expected_profit.is_positive());
  }
}

}  // namespace
}  // namespace hs::engine
