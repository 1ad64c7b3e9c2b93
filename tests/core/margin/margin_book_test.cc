// The engine's margin book (issue 15): positions from its own fills, liquidation prices by each
// venue's rule (the worked examples of ../shared/venues/ORDERS.md §6), distances for the risk
// gate, the comparison with the venue's pushed positions, and delta per asset.
#include "core/margin/margin_book.h"

#include <gtest/gtest.h>

namespace hs::margin {
namespace {

constexpr VenueId kBybit{0};
constexpr VenueId kOkx{1};
constexpr VenueId kCross{2};
constexpr VenueId kSpot{3};
constexpr InstrumentId kPerp{0};
constexpr InstrumentId kSpotPair{1};
constexpr AssetId kBtc{0};
constexpr AssetId kUsdt{1};

Price Px(int64_t units) { return Price::FromUnits(units); }
Qty Btc(int64_t units) { return Qty::FromUnits(units); }

class MarginBookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Tiers tiers;
    tiers.tier[0] = Tier{Notional::FromUnits(2'000'000), Rate::FromRaw(500'000), Rate::FromRaw(1'000'000), Amount::Zero()};
    tiers.count = 1;
    VenueParams v[4];
    v[0] = VenueParams{true, Rule::kBybit, MarginMode::kIsolated, Rate::FromUnits(10), Rate::Zero(), kUsdt};
    v[1] = VenueParams{true, Rule::kOkx, MarginMode::kIsolated, Rate::FromUnits(10), Rate::FromRaw(50'000), kUsdt};
    v[2] = VenueParams{true, Rule::kBybit, MarginMode::kCross, Rate::FromUnits(5), Rate::Zero(), kUsdt};
    v[3] = VenueParams{};  // spot
    InstrumentParams i[2];
    i[0] = InstrumentParams{true, kBtc, kUsdt, tiers};
    i[1] = InstrumentParams{false, kBtc, kUsdt, {}};
    book_.Configure(v, 4, i, 2, Rate::FromRaw(200'000));  // 20 bps tolerance
  }
  void Mark(VenueId v, int64_t px) {
    MarkUpdate m;
    m.venue = v;
    m.instrument = kPerp;
    m.fields = MarkUpdate::kMark;
    m.mark_px = Px(px);
    book_.ApplyMark(m);
  }
  PositionUpdate Pushed(VenueId v, Qty size, int64_t liq) {
    PositionUpdate u;
    u.venue = v;
    u.instrument = kPerp;
    u.size = size;
    u.entry_px = Px(60'000);
    u.liq_px = Px(liq);
    return u;
  }
  MarginBook book_;
};

TEST_F(MarginBookTest, OnlyPerpetualVenuesAndInstrumentsTakePart) {
  EXPECT_TRUE(book_.perp(kBybit, kPerp));
  EXPECT_FALSE(book_.perp(kBybit, kSpotPair));
  EXPECT_FALSE(book_.perp(kSpot, kPerp));
  EXPECT_FALSE(book_.perp(VenueId::Invalid(), kPerp));
  // A fill on a spot venue books nothing.
  book_.ApplyFill(kSpot, kPerp, Side::kBuy, Btc(1), Px(60'000), Amount::Zero());
  EXPECT_TRUE(book_.position(kSpot, kPerp).size.is_zero());
}

TEST_F(MarginBookTest, BybitIsolatedLongMatchesTheWorkedExample) {
  // ORDERS.md §6.1: long at 60,000, 10x, MMR 0.5% → LP 54,300, size-independent.
  book_.ApplyFill(kBybit, kPerp, Side::kBuy, Btc(1), Px(60'000), Amount::Zero());
  EXPECT_EQ(book_.position(kBybit, kPerp).isolated_margin, Amount::FromUnits(6'000));
  EXPECT_EQ(book_.LiquidationPrice(kBybit, kPerp), Px(54'300));
  Mark(kBybit, 60'000);
  EXPECT_EQ(book_.Distance(kBybit, kPerp), Rate::FromRaw(9'500'000));  // 5,700 / 60,000
  // Selling half at 61,000 realizes 500 and releases half the margin: the LP stays.
  const FillResult r = book_.ApplyFill(kBybit, kPerp, Side::kSell, Qty::FromRaw(50'000'000), Px(61'000), Amount::Zero());
  EXPECT_EQ(r.realized, Amount::FromUnits(500));
  EXPECT_EQ(book_.position(kBybit, kPerp).isolated_margin, Amount::FromUnits(3'000));
  EXPECT_EQ(book_.LiquidationPrice(kBybit, kPerp), Px(54'300));
  EXPECT_EQ(book_.position(kBybit, kPerp).realized, Amount::FromUnits(500));
}

TEST_F(MarginBookTest, OkxIsolatedUsesTheDerivedFormulaWithTheFee) {
  // ORDERS.md §6.2: 1 BTC long at 60,000, 10x, r 0.5%, f 0.05% → ≈ 54,298.64.
  book_.ApplyFill(kOkx, kPerp, Side::kBuy, Btc(1), Px(60'000), Amount::Zero());
  const Price lp = book_.LiquidationPrice(kOkx, kPerp);
  EXPECT_GE(lp, Price::FromRaw(54'298'630'000'000));
  EXPECT_LE(lp, Price::FromRaw(54'298'650'000'000));
  // Short: ≈ 65,638.99.
  book_.ApplyFill(kOkx, kPerp, Side::kSell, Btc(2), Px(60'000), Amount::Zero());
  const Price sp = book_.LiquidationPrice(kOkx, kPerp);
  EXPECT_GE(sp, Price::FromRaw(65'638'980'000'000));
  EXPECT_LE(sp, Price::FromRaw(65'639'000'000'000));
}

TEST_F(MarginBookTest, CrossDistanceIsFreeEquityOverNotionalAndAfterAFill) {
  book_.SetWallet(kCross, Amount::FromUnits(10'000));
  book_.ApplyFill(kCross, kPerp, Side::kBuy, Btc(1), Px(60'000), Amount::Zero());
  Mark(kCross, 60'000);
  // (10,000 − MM 300) / 60,000.
  EXPECT_EQ(book_.VenueDistance(kCross), Rate::FromRaw(16'166'666));
  EXPECT_EQ(book_.Distance(kCross, kPerp), book_.VenueDistance(kCross));
  // Another BTC at the mark: (10,000 − 600) / 120,000.
  EXPECT_EQ(book_.DistanceAfter(kCross, kPerp, Side::kBuy, Btc(1), Px(60'000)), Rate::FromRaw(7'833'333));
  // Selling it all leaves nothing at risk.
  EXPECT_EQ(book_.DistanceAfter(kCross, kPerp, Side::kSell, Btc(1), Px(60'000)), Rate::FromUnits(1));
  // A fall of the mark by 5%: equity 7,000, MM 285, notional 57,000.
  Mark(kCross, 57'000);
  EXPECT_EQ(book_.equity(kCross), Amount::FromUnits(7'000));
  EXPECT_EQ(book_.maint_margin(kCross), Amount::FromUnits(285));
  EXPECT_EQ(book_.VenueDistance(kCross), Rate::FromRaw(11'780'701));  // 6,715 / 57,000, floored
  // Its cross liquidation price: 60,000 − (10,000 − 300) / 1 = 50,300 (MM at entry, Bybit).
  EXPECT_EQ(book_.LiquidationPrice(kCross, kPerp), Px(50'300));
}

TEST_F(MarginBookTest, IsolatedDistanceAfterAnOpeningFillUsesTheNewMargin) {
  Mark(kBybit, 60'000);
  // Opening 1 BTC at 10x: LP 54,300, distance 9.5% at mark 60,000.
  EXPECT_EQ(book_.DistanceAfter(kBybit, kPerp, Side::kBuy, Btc(1), Px(60'000)), Rate::FromRaw(9'500'000));
  // Nothing open: 1.
  EXPECT_EQ(book_.Distance(kBybit, kPerp), Rate::FromUnits(1));
}

TEST_F(MarginBookTest, VenueLiquidationPriceIsComparedWithinTolerance) {
  book_.ApplyFill(kBybit, kPerp, Side::kBuy, Btc(1), Px(60'000), Amount::Zero());
  Mark(kBybit, 60'000);
  EXPECT_FALSE(book_.ApplyPosition(Pushed(kBybit, Btc(1), 54'360)));  // 60 off: 10 bps of mark
  EXPECT_EQ(book_.liq_mismatches(), 0u);
  EXPECT_EQ(book_.worst_liq_gap(), Rate::FromRaw(100'000));
  EXPECT_FALSE(book_.ApplyPosition(Pushed(kBybit, Btc(1), 54'600)));  // 300 off: 50 bps
  EXPECT_EQ(book_.liq_mismatches(), 1u);
  EXPECT_EQ(book_.position(kBybit, kPerp).venue_liq, Px(54'600));
  // A size the engine's fills do not show is counted, not adopted.
  EXPECT_FALSE(book_.ApplyPosition(Pushed(kBybit, Btc(2), 54'300)));
  EXPECT_EQ(book_.size_mismatches(), 1u);
  EXPECT_EQ(book_.position(kBybit, kPerp).size, Btc(1));
}

TEST_F(MarginBookTest, AVenueLiquidationIsAdopted) {
  book_.ApplyFill(kBybit, kPerp, Side::kBuy, Btc(1), Px(60'000), Amount::Zero());
  PositionUpdate u = Pushed(kBybit, Qty::Zero(), 0);
  u.liquidated = true;
  EXPECT_TRUE(book_.ApplyPosition(u));
  EXPECT_EQ(book_.liquidations(), 1u);
  EXPECT_TRUE(book_.position(kBybit, kPerp).size.is_zero());
  EXPECT_TRUE(book_.position(kBybit, kPerp).isolated_margin.is_zero());
}

TEST_F(MarginBookTest, DeltaSumsPerpetualPositionsOfTheAssetAcrossVenues) {
  book_.ApplyFill(kBybit, kPerp, Side::kBuy, Btc(2), Px(60'000), Amount::Zero());
  book_.ApplyFill(kOkx, kPerp, Side::kSell, Btc(3), Px(60'000), Amount::Zero());
  EXPECT_EQ(book_.delta(kBtc), -Btc(1));
  EXPECT_TRUE(book_.delta(kUsdt).is_zero());
}

TEST_F(MarginBookTest, FundingAndMarksAccumulatePerPosition) {
  FundingPayment f;
  f.venue = kBybit;
  f.instrument = kPerp;
  f.amount = -Amount::FromUnits(6);
  book_.ApplyFunding(f);
  f.amount = Amount::FromUnits(2);
  book_.ApplyFunding(f);
  EXPECT_EQ(book_.position(kBybit, kPerp).funding, -Amount::FromUnits(4));
  MarkUpdate m;
  m.venue = kBybit;
  m.instrument = kPerp;
  m.fields = MarkUpdate::kFunding;  // no mark in it: the mark stays unset
  m.funding_rate = Rate::FromRaw(10'000);
  book_.ApplyMark(m);
  EXPECT_TRUE(book_.position(kBybit, kPerp).mark.is_zero());
  EXPECT_EQ(book_.funding_rate(kBybit, kPerp), Rate::FromRaw(10'000));
}

}  // namespace
}  // namespace hs::margin
