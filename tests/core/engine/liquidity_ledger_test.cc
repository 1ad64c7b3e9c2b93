#include "core/engine/liquidity_ledger.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/base/decimal.h"

namespace hs::engine {
namespace {

Price P(const char* s) { return ParseDecimal<Price>(s).value; }
Qty Q(const char* s) { return ParseDecimal<Qty>(s).value; }

constexpr VenueId kV0{0};
constexpr VenueId kV1{1};
constexpr InstrumentId kBtc{0};
constexpr InstrumentId kEth{1};

const std::vector<Level> kAsks = {{P("100"), Q("1")}, {P("101"), Q("2")}, {P("102"), Q("3")}};
const std::vector<Level> kBids = {{P("99"), Q("1")}, {P("98"), Q("2")}};

std::vector<Level> Netted(LiquidityLedger& l, VenueId v, InstrumentId i, Side taker, const std::vector<Level>& lv) {
  std::vector<Level> out(lv.size());
  out.resize(static_cast<size_t>(l.Net(v, i, taker, lv.data(), static_cast<int>(lv.size()), out.data())));
  return out;
}

TEST(LiquidityLedger, ABuyTakesAsksUpToItsLimitAndQuantity) {
  LiquidityLedger l;
  EXPECT_FALSE(l.Any(kV0, kBtc, Side::kBuy));
  ASSERT_TRUE(l.Take(ClientOrderId{1}, kV0, kBtc, Side::kBuy, P("101"), Q("2.5"), kAsks.data(), 3));
  EXPECT_TRUE(l.Any(kV0, kBtc, Side::kBuy));
  EXPECT_FALSE(l.Any(kV0, kBtc, Side::kSell)) << "the bids are untouched";
  EXPECT_FALSE(l.Any(kV1, kBtc, Side::kBuy));
  EXPECT_FALSE(l.Any(kV0, kEth, Side::kBuy));
  EXPECT_EQ(l.counters().takes, 2u) << "1 at 100 and 1.5 at 101; 102 is past the limit";
  const std::vector<Level> left = Netted(l, kV0, kBtc, Side::kBuy, kAsks);
  ASSERT_EQ(left.size(), 2u) << "the 100 level is gone";
  EXPECT_EQ(left[0].px, P("101"));
  EXPECT_EQ(left[0].qty, Q("0.5"));
  EXPECT_EQ(left[1].px, P("102"));
  EXPECT_EQ(left[1].qty, Q("3"));
}

TEST(LiquidityLedger, ASellTakesBidsDownToItsLimit) {
  LiquidityLedger l;
  ASSERT_TRUE(l.Take(ClientOrderId{1}, kV0, kBtc, Side::kSell, P("98.5"), Q("5"), kBids.data(), 2));
  EXPECT_EQ(l.counters().takes, 1u) << "98 is below the limit";
  const std::vector<Level> left = Netted(l, kV0, kBtc, Side::kSell, kBids);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].px, P("98"));
}

TEST(LiquidityLedger, TakesAddUpAndNeverGoBelowZero) {
  LiquidityLedger l;
  ASSERT_TRUE(l.Take(ClientOrderId{1}, kV0, kBtc, Side::kBuy, P("100"), Q("0.4"), kAsks.data(), 3));
  ASSERT_TRUE(l.Take(ClientOrderId{2}, kV0, kBtc, Side::kBuy, P("100"), Q("0.4"), kAsks.data(), 3));
  std::vector<Level> left = Netted(l, kV0, kBtc, Side::kBuy, kAsks);
  EXPECT_EQ(left[0].qty, Q("0.2"));
  // A later top with less at 100 than was taken: nothing left there, not a negative level.
  const std::vector<Level> thin = {{P("100"), Q("0.5")}, {P("101"), Q("2")}};
  left = Netted(l, kV0, kBtc, Side::kBuy, thin);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].px, P("101"));
  // A top whose levels moved away has nothing to net.
  const std::vector<Level> moved = {{P("103"), Q("1")}};
  left = Netted(l, kV0, kBtc, Side::kBuy, moved);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].qty, Q("1"));
}

TEST(LiquidityLedger, AnOrderThatFilledNothingReleasesAtOnce) {
  LiquidityLedger l;
  ASSERT_TRUE(l.Take(ClientOrderId{7}, kV0, kBtc, Side::kBuy, P("102"), Q("4"), kAsks.data(), 3));
  EXPECT_EQ(l.live(), 3);
  l.OnOrderDone(ClientOrderId{8}, false);  // another order
  EXPECT_EQ(l.live(), 3);
  l.OnOrderDone(ClientOrderId{7}, false);
  EXPECT_EQ(l.live(), 0);
  EXPECT_FALSE(l.Any(kV0, kBtc, Side::kBuy));
  EXPECT_EQ(l.counters().released, 3u);
}

TEST(LiquidityLedger, AFilledOrderReleasesAtItsBooksNextTop) {
  LiquidityLedger l;
  ASSERT_TRUE(l.Take(ClientOrderId{7}, kV0, kBtc, Side::kBuy, P("100"), Q("1"), kAsks.data(), 3));
  l.OnTop(kV0, kBtc);  // a top before the order ended: it may not show the fill
  EXPECT_TRUE(l.Any(kV0, kBtc, Side::kBuy));
  l.OnOrderDone(ClientOrderId{7}, true);
  EXPECT_TRUE(l.Any(kV0, kBtc, Side::kBuy)) << "still taken until the book shows it";
  l.OnTop(kV1, kBtc);
  l.OnTop(kV0, kEth);
  EXPECT_TRUE(l.Any(kV0, kBtc, Side::kBuy)) << "other books' tops release nothing";
  l.OnTop(kV0, kBtc);
  EXPECT_FALSE(l.Any(kV0, kBtc, Side::kBuy));
  EXPECT_EQ(l.live(), 0);
}

TEST(LiquidityLedger, AFullTableRecordsNothingAndCounts) {
  LiquidityLedger l;
  std::vector<Level> one = {{P("100"), Q("1")}};
  for (int k = 0; k < LiquidityLedger::kMaxTakes; ++k)
    ASSERT_TRUE(l.Take(ClientOrderId{static_cast<uint64_t>(k + 1)}, kV0, kBtc, Side::kBuy, P("100"), Q("1"), one.data(), 1));
  EXPECT_EQ(l.live(), LiquidityLedger::kMaxTakes);
  EXPECT_FALSE(l.Take(ClientOrderId{100000}, kV1, kBtc, Side::kBuy, P("100"), Q("1"), one.data(), 1));
  EXPECT_EQ(l.counters().full, 1u);
  EXPECT_FALSE(l.Any(kV1, kBtc, Side::kBuy));
  // Freed slots are reused.
  l.OnOrderDone(ClientOrderId{5}, false);
  EXPECT_TRUE(l.Take(ClientOrderId{100001}, kV1, kBtc, Side::kBuy, P("100"), Q("1"), one.data(), 1));
  EXPECT_TRUE(l.Any(kV1, kBtc, Side::kBuy));
}

TEST(LiquidityLedger, NothingTakenWhenNoLevelIsWithinTheLimit) {
  LiquidityLedger l;
  EXPECT_TRUE(l.Take(ClientOrderId{1}, kV0, kBtc, Side::kBuy, P("99"), Q("1"), kAsks.data(), 3));
  EXPECT_EQ(l.live(), 0);
  EXPECT_FALSE(l.Any(kV0, kBtc, Side::kBuy));
}

}  // namespace
}  // namespace hs::engine
