#include "core/engine/arbitrage_lean.h"

#include <gtest/gtest.h>

namespace hs::engine {
namespace {

// BTC (asset 0) against USDT (asset 1) on two venues, shares 50/50 with a 10% band.
class ArbLeanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    p_.assets = 2;
    p_.venues = 2;
    p_.valuation_asset = AssetId{1};
    p_.target[0] = {Rate::FromRaw(50'000'000), Rate::FromRaw(50'000'000 - 1)};
    p_.target[1] = {Rate::FromRaw(50'000'000), Rate::FromRaw(50'000'000 - 1)};
    p_.venue_share[0] = {Rate::FromRaw(50'000'000), Rate::FromRaw(50'000'000)};
    p_.venue_band = Rate::FromRaw(10'000'000);
    p_.risky[0] = true;
    al_ = std::make_unique<Allocator>(p_);
  }
  // BTC valued `v0` on venue 0 and `v1` on venue 1 (USDT), plus cash.
  void Hold(int64_t v0, int64_t v1) {
    Holdings h;
    h.value[0][0] = Amount::FromUnits(v0);
    h.value[0][1] = Amount::FromUnits(v1);
    h.value[1][0] = Amount::FromUnits(100'000);
    al_->Evaluate(h);
  }
  AllocatorParams p_;
  std::unique_ptr<Allocator> al_;
  const Rate kEdge = Rate::FromRaw(50'000);  // 5 bps
  const Price kRef = Price::FromUnits(30'000);
  const Qty kLot = Qty::FromRaw(1'000);  // 0.00001
};

TEST_F(ArbLeanTest, LegsTowardTheSharesNeedNoEdgeBeyondFees) {
  Hold(30'000, 70'000);  // venue 0 at 0.3 (under), venue 1 at 0.7 (over)
  const VenueId v0{0}, v1{1};
  EXPECT_EQ(LeanMinEdge(*al_, AssetId{0}, v0, v1, kEdge), Rate::Zero()) << "buy where under, sell where over";
  EXPECT_EQ(LeanMinEdge(*al_, AssetId{0}, v1, v0, kEdge), kEdge) << "the other way keeps the edge";
  const ArbLean l = LeanArbitrage(*al_, AssetId{0}, v0, v1, kRef, kEdge, kLot);
  EXPECT_TRUE(l.toward);
  EXPECT_EQ(l.min_edge, Rate::Zero());
  // Room: venue 0 may rise to 0.6 × 100000 (30000 more), venue 1 fall to 0.4 (30000 less).
  EXPECT_EQ(l.max_qty, Qty::FromUnits(1));
}

TEST_F(ArbLeanTest, LegsAwayAreShrunkToStayInsideTheBand) {
  Hold(55'000, 45'000);  // venue 0 at 0.55, venue 1 at 0.45
  const ArbLean l = LeanArbitrage(*al_, AssetId{0}, VenueId{0}, VenueId{1}, kRef, kEdge, kLot);
  EXPECT_FALSE(l.toward);
  EXPECT_EQ(l.min_edge, kEdge);
  // Venue 0 may rise to 0.6: 5000 of room = 0.16666 BTC at 30000 (on the lot).
  EXPECT_EQ(l.max_qty, Qty::FromRaw(16'666'000));
  Hold(60'000, 40'000);  // already at the band edge: nothing more this way
  EXPECT_EQ(LeanArbitrage(*al_, AssetId{0}, VenueId{0}, VenueId{1}, kRef, kEdge, kLot).max_qty, Qty::Zero());
}

TEST_F(ArbLeanTest, NoSharesNoHoldingsOrNoEvaluationChangeNothing) {
  const ArbLean before = LeanArbitrage(*al_, AssetId{0}, VenueId{0}, VenueId{1}, kRef, kEdge, kLot);
  EXPECT_EQ(before.max_qty, Qty::Max()) << "not evaluated yet";
  Hold(0, 0);
  EXPECT_EQ(LeanArbitrage(*al_, AssetId{0}, VenueId{0}, VenueId{1}, kRef, kEdge, kLot).max_qty, Qty::Max());
  p_.venue_share[0] = {};
  al_ = std::make_unique<Allocator>(p_);
  Hold(30'000, 70'000);
  EXPECT_EQ(LeanMinEdge(*al_, AssetId{0}, VenueId{0}, VenueId{1}, kEdge), kEdge);
  EXPECT_EQ(LeanArbitrage(*al_, AssetId{0}, VenueId{0}, VenueId{1}, kRef, kEdge, kLot).max_qty, Qty::Max());
}

}  // namespace
}  // namespace hs::engine
