#include "risk/pre_trade.h"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <string>

#include "core/margin/margin_book.h"

namespace hs::risk {
namespace {

constexpr AssetId kBtc{0};
constexpr AssetId kUsdt{1};
constexpr AssetId kEth{2};
constexpr InstrumentId kBtcUsdt{0};  // base BTC, quote USDT
constexpr InstrumentId kEthBtc{1};   // base ETH, quote BTC
constexpr VenueId kV0{0};
constexpr VenueId kV1{1};

Price Px(const char* units_9dp_raw) { return Price::FromRaw(std::stoll(units_9dp_raw)); }

// A gate with only the required limit (max order notional 5000) on, and a context whose
// every view is set and empty; each test turns on what it checks. The default intent buys 0.1
// BTC at 30000 USDT on venue 0 (notional 3000).
class PreTradeTest : public ::testing::Test {
 protected:
  PreTradeTest() {
    lim.venues = 3;
    lim.instruments = 2;
    lim.assets = 3;
    lim.max_order_notional = Notional::FromUnits(5000);
    lim.self_trade_prevention = false;
    lim.instrument[kBtcUsdt.value] = InstrumentLimits{kBtc, kUsdt, Qty{}, Notional{}, Notional{}};
    lim.instrument[kEthBtc.value] = InstrumentLimits{kEth, kBtc, Qty{}, Notional{}, Notional{}};
    for (int v = 0; v < 3; ++v) lim.venue[v].allowed.fill(true);
    reference[kBtcUsdt.value] = Price::FromUnits(30000);
    reference[kEthBtc.value] = Price::FromRaw(50'000'000);  // 0.05
    reference_valid.fill(true);
    for (auto& w : rate) w.Configure(0, Nanos{});
    repeat.Configure(3, 2, 0, Nanos{});
    daily.Configure(Nanos{});
  }

  RiskContext Ctx() const {
    RiskContext c;
    c.now = now;
    c.states = &states;
    c.reference = reference.data();
    c.reference_valid = reference_valid.data();
    c.position = position.data();
    c.venue_position = venue_position.data();
    c.open_orders = open_orders.data();
    c.resting = resting.data();
    c.rate = rate.data();
    c.repeat = &repeat;
    c.daily = &daily;
    c.drift_sign = drift.data();
    c.valuation_asset = kUsdt;
    return c;
  }

  static OrderIntent Buy(int64_t px_units = 30000, int64_t qty_raw = 10'000'000) {
    OrderIntent in;
    in.venue = kV0;
    in.instrument = kBtcUsdt;
    in.side = Side::kBuy;
    in.limit_px = Price::FromUnits(px_units);
    in.qty = Qty::FromRaw(qty_raw);
    return in;
  }
  static OrderIntent Sell(int64_t px_units = 30000, int64_t qty_raw = 10'000'000) {
    OrderIntent in = Buy(px_units, qty_raw);
    in.side = Side::kSell;
    return in;
  }

  Decision Check(const OrderIntent& in) const { return PreTradeGate(lim).Check(in, Ctx()); }
  Decision Check(const OrderIntent& in, const RiskContext& c) const { return PreTradeGate(lim).Check(in, c); }

  Amount& VenuePos(VenueId v, AssetId a) { return venue_position[v.value * kMaxAssets + a.value]; }
  RestingTop& Rest(VenueId v, InstrumentId i) { return resting[v.value * kMaxInstruments + i.value]; }

  Limits lim;
  Nanos now = Nanos::FromSeconds(1'800'000'000);
  TradingStates states;
  std::array<Price, kMaxInstruments> reference{};
  std::array<bool, kMaxInstruments> reference_valid{};
  std::array<Amount, kMaxAssets> position{};
  std::array<Amount, kMaxVenues * kMaxAssets> venue_position{};
  std::array<int, kMaxVenues> open_orders{};
  std::array<RestingTop, kMaxVenues * kMaxInstruments> resting{};
  std::array<OrderRateWindow, kMaxVenues> rate;
  RepeatThrottle repeat;
  DailyNotional daily;
  std::array<int8_t, kMaxAssets> drift{};
};

void ExpectReject(const Decision& d, Verdict v, int64_t value, int64_t limit) {
  EXPECT_EQ(d.verdict, v) << VerdictName(d.verdict);
  EXPECT_EQ(d.value, value);
  EXPECT_EQ(d.limit, limit);
}

TEST_F(PreTradeTest, DefaultIntentPasses) { EXPECT_TRUE(Check(Buy()).ok()); }

// ---- 0. cancels

TEST_F(PreTradeTest, CancelPassesWhenHaltedAndOverEveryLimit) {
  states.SetKilled(true);
  lim.max_order_qty = Qty::FromRaw(1);
  lim.collar = Rate::FromRaw(1);
  lim.max_position[kBtc.value] = Amount::FromRaw(1);
  lim.venue[0].allowed.fill(false);
  lim.venue[0].max_open_orders = 1;
  open_orders[0] = 5;
  reference_valid.fill(false);
  OrderIntent in = Buy(1'000'000, 1'000'000'000'000);
  in.cancel = true;
  EXPECT_TRUE(Check(in).ok());
  // Even with ids and values the gate would refuse as malformed.
  in.venue = VenueId::Invalid();
  in.instrument = InstrumentId{63};
  in.qty = Qty::FromRaw(-1);
  EXPECT_TRUE(Check(in).ok());
}

// ---- 1. ids

TEST_F(PreTradeTest, UnknownVenue) {
  OrderIntent in = Buy();
  in.venue = VenueId::Invalid();
  EXPECT_EQ(Check(in).verdict, Verdict::kUnknownVenue);
  in.venue = VenueId{3};  // == lim.venues
  EXPECT_EQ(Check(in).verdict, Verdict::kUnknownVenue);
  in.venue = VenueId{2};  // the last configured venue
  EXPECT_TRUE(Check(in).ok());
}

TEST_F(PreTradeTest, UnknownInstrument) {
  OrderIntent in = Buy();
  in.instrument = InstrumentId::Invalid();
  EXPECT_EQ(Check(in).verdict, Verdict::kUnknownInstrument);
  in.instrument = InstrumentId{2};
  EXPECT_EQ(Check(in).verdict, Verdict::kUnknownInstrument);
  in.instrument = kEthBtc;
  in.limit_px = Price::FromRaw(50'000'000);
  EXPECT_TRUE(Check(in).ok());
}

TEST_F(PreTradeTest, IdsPastTheTableCapsAreUnknownWhateverLimitsClaim) {
  lim.venues = 200;  // malformed limits must not make the gate read past its tables
  lim.instruments = 1000;
  OrderIntent in = Buy();
  in.venue = VenueId{kMaxVenues};
  EXPECT_EQ(Check(in).verdict, Verdict::kUnknownVenue);
  in.venue = kV0;
  in.instrument = InstrumentId{kMaxInstruments};
  EXPECT_EQ(Check(in).verdict, Verdict::kUnknownInstrument);
}

// ---- 2. states

TEST_F(PreTradeTest, HaltedGlobalOperatorAndBreakerLayers) {
  states.SetOperatorGlobal(TradingState::kHalted);
  EXPECT_EQ(Check(Buy()).verdict, Verdict::kHalted);
  states.Clear();
  states.RaiseGlobal(TradingState::kHalted);
  EXPECT_EQ(Check(Buy()).verdict, Verdict::kHalted);
  states.ClearBreakers();
  EXPECT_TRUE(Check(Buy()).ok());
}

TEST_F(PreTradeTest, HaltedVenueLayersApplyToThatVenueOnly) {
  states.SetOperatorVenue(kV1, TradingState::kHalted);
  OrderIntent in = Buy();
  in.venue = kV1;
  EXPECT_EQ(Check(in).verdict, Verdict::kHalted);
  EXPECT_TRUE(Check(Buy()).ok());
  states.Clear();
  states.RaiseVenue(kV0, TradingState::kHalted);
  EXPECT_EQ(Check(Buy()).verdict, Verdict::kHalted);
  EXPECT_TRUE(Check(in).ok());
}

TEST_F(PreTradeTest, HaltedInstrumentBreakerAppliesToThatInstrumentOnly) {
  states.RaiseInstrument(kBtcUsdt, TradingState::kHalted);
  EXPECT_EQ(Check(Buy()).verdict, Verdict::kHalted);
  OrderIntent eth = Buy();
  eth.instrument = kEthBtc;
  eth.limit_px = Price::FromRaw(50'000'000);
  EXPECT_TRUE(Check(eth).ok());
}

TEST_F(PreTradeTest, KillHaltsUntilClearedWhateverTheOperatorGlobalState) {
  states.SetOperatorGlobal(TradingState::kActive);
  states.SetKilled(true);
  EXPECT_EQ(Check(Buy()).verdict, Verdict::kHalted);
  OrderIntent hedge = Buy();
  hedge.purpose = OrderPurpose::kHedge;
  EXPECT_EQ(Check(hedge).verdict, Verdict::kHalted);  // HALTED refuses even risk-reducing orders
  states.SetKilled(false);
  EXPECT_TRUE(Check(Buy()).ok());
}

TEST_F(PreTradeTest, StrictestLayerWins) {
  states.SetOperatorGlobal(TradingState::kReducing);
  states.RaiseInstrument(kBtcUsdt, TradingState::kHalted);
  OrderIntent hedge = Buy();
  hedge.purpose = OrderPurpose::kHedge;
  EXPECT_EQ(Check(hedge).verdict, Verdict::kHalted);
}

TEST_F(PreTradeTest, NoStatesViewReadsAsActive) {
  RiskContext c = Ctx();
  c.states = nullptr;
  EXPECT_TRUE(Check(Buy(), c).ok());
}

TEST_F(PreTradeTest, ReducingRefusesArbitrageAndPassesHedgeUnwindDeleverageReduceOnly) {
  states.RaiseVenue(kV0, TradingState::kReducing);
  OrderIntent in = Buy();
  in.purpose = OrderPurpose::kArbitrage;
  EXPECT_EQ(Check(in).verdict, Verdict::kReducingOnly);
  for (OrderPurpose p : {OrderPurpose::kHedge, OrderPurpose::kUnwind, OrderPurpose::kDeleverage}) {
    in.purpose = p;
    EXPECT_TRUE(Check(in).ok()) << OrderPurposeName(p);
  }
  in.purpose = OrderPurpose::kArbitrage;
  in.reduce_only = true;
  EXPECT_TRUE(Check(in).ok());
}

TEST_F(PreTradeTest, ReducingRebalanceSellIntoTheValuationAssetPasses) {
  states.SetOperatorGlobal(TradingState::kReducing);
  OrderIntent in = Sell();
  in.purpose = OrderPurpose::kRebalance;
  EXPECT_TRUE(Check(in).ok());  // BTC/USDT sell: into USDT, the valuation asset
  in.side = Side::kBuy;          // buying BTC with USDT, BTC not below target
  EXPECT_EQ(Check(in).verdict, Verdict::kReducingOnly);
}

TEST_F(PreTradeTest, ReducingRebalanceFollowsTheDriftSignOfTheBase) {
  states.SetOperatorGlobal(TradingState::kReducing);
  OrderIntent in = Buy();
  in.instrument = kEthBtc;  // quote BTC is not the valuation asset
  in.limit_px = Price::FromRaw(50'000'000);
  in.purpose = OrderPurpose::kRebalance;
  struct Case {
    Side side;
    int8_t drift;
    bool passes;
  };
  for (const Case& c : {Case{Side::kBuy, -1, true}, Case{Side::kBuy, 0, false}, Case{Side::kBuy, 1, false},
                        Case{Side::kSell, 1, true}, Case{Side::kSell, 0, false}, Case{Side::kSell, -1, false}}) {
    in.side = c.side;
    drift[kEth.value] = c.drift;
    EXPECT_EQ(Check(in).ok(), c.passes) << "side " << static_cast<int>(c.side) << " drift " << int{c.drift};
  }
  // Without the allocator's drift nothing but the valuation-asset sell counts as reducing.
  RiskContext ctx = Ctx();
  ctx.drift_sign = nullptr;
  in.side = Side::kBuy;
  drift[kEth.value] = -1;
  EXPECT_EQ(Check(in, ctx).verdict, Verdict::kReducingOnly);
}

TEST(ReducesRisk, PurposeAndSideTable) {
  const InstrumentLimits btc_usdt{kBtc, kUsdt, Qty{}, Notional{}, Notional{}};
  std::array<int8_t, kMaxAssets> drift{};
  RiskContext ctx;
  ctx.valuation_asset = kUsdt;
  ctx.drift_sign = drift.data();
  OrderIntent in;
  in.side = Side::kBuy;
  in.purpose = OrderPurpose::kArbitrage;
  EXPECT_FALSE(ReducesRisk(in, btc_usdt, ctx));
  in.side = Side::kSell;
  EXPECT_FALSE(ReducesRisk(in, btc_usdt, ctx));  // arbitrage never, even into the valuation asset
  in.purpose = OrderPurpose::kRebalance;
  EXPECT_TRUE(ReducesRisk(in, btc_usdt, ctx));
  ctx.valuation_asset = kEth;
  EXPECT_FALSE(ReducesRisk(in, btc_usdt, ctx));
  drift[kBtc.value] = 1;
  EXPECT_TRUE(ReducesRisk(in, btc_usdt, ctx));
  ctx.valuation_asset = AssetId::Invalid();
  const InstrumentLimits no_quote{kBtc, AssetId::Invalid(), Qty{}, Notional{}, Notional{}};
  drift[kBtc.value] = 0;
  EXPECT_FALSE(ReducesRisk(in, no_quote, ctx));  // two invalid ids are not "the valuation asset"
}

// ---- 3. non-positive

TEST_F(PreTradeTest, NonPositiveQtyOrPrice) {
  EXPECT_EQ(Check(Buy(30000, 0)).verdict, Verdict::kNonPositive);
  EXPECT_EQ(Check(Buy(30000, -10)).verdict, Verdict::kNonPositive);
  EXPECT_EQ(Check(Buy(0, 10)).verdict, Verdict::kNonPositive);
  EXPECT_EQ(Check(Buy(-1, 10)).verdict, Verdict::kNonPositive);
  OrderIntent smallest = Buy();
  smallest.qty = Qty::FromRaw(1);
  smallest.limit_px = Price::FromRaw(1);
  EXPECT_TRUE(Check(smallest).ok());
}

// ---- 4. allowlist

TEST_F(PreTradeTest, NotAllowedOnThisVenue) {
  lim.venue[0].allowed[kBtcUsdt.value] = false;
  EXPECT_EQ(Check(Buy()).verdict, Verdict::kNotAllowed);
  OrderIntent other_venue = Buy();
  other_venue.venue = kV1;
  EXPECT_TRUE(Check(other_venue).ok());
}

// ---- 5. max order qty

TEST_F(PreTradeTest, MaxOrderQtyGlobalCapExactlyAtPasses) {
  lim.max_order_qty = Qty::FromRaw(10'000'000);
  EXPECT_TRUE(Check(Buy(30000, 10'000'000)).ok());
  ExpectReject(Check(Buy(30000, 10'000'001)), Verdict::kMaxOrderQty, 10'000'001, 10'000'000);
}

TEST_F(PreTradeTest, MaxOrderQtyInstrumentCapReplacesTheGlobalOne) {
  lim.max_order_qty = Qty::FromRaw(10'000'000);
  lim.instrument[kBtcUsdt.value].max_order_qty = Qty::FromRaw(15'000'000);
  EXPECT_TRUE(Check(Buy(30000, 15'000'000)).ok());  // above the global cap, at the instrument's
  ExpectReject(Check(Buy(30000, 15'000'001)), Verdict::kMaxOrderQty, 15'000'001, 15'000'000);
  lim.instrument[kBtcUsdt.value].max_order_qty = Qty::FromRaw(5'000'000);
  ExpectReject(Check(Buy(30000, 5'000'001)), Verdict::kMaxOrderQty, 5'000'001, 5'000'000);
}

TEST_F(PreTradeTest, MaxOrderQtyOffWhenNoCap) {
  lim.max_order_notional = Notional::Max();
  EXPECT_TRUE(Check(Buy(1, 900'000'000'000'000'000)).ok());
}

// ---- 6. max order notional

TEST_F(PreTradeTest, MaxOrderNotionalRoundsUpAndPassesExactlyAtTheCap) {
  EXPECT_TRUE(Check(Buy(50000, 10'000'000)).ok());  // 5000.000000000
  OrderIntent in = Buy(50000, 10'000'000);
  in.limit_px = Px("50000000000001");  // 50000.000000001 × 0.1 = 5000.0000000001 → 5000.000000001 up
  ExpectReject(Check(in), Verdict::kMaxOrderNotional, 5'000'000'000'001, 5'000'000'000'000);
}

TEST_F(PreTradeTest, MaxOrderNotionalInstrumentCapReplacesTheGlobalOne) {
  lim.instrument[kBtcUsdt.value].max_order_notional = Notional::FromUnits(6000);
  EXPECT_TRUE(Check(Buy(60000, 10'000'000)).ok());
  ExpectReject(Check(Buy(60000, 10'000'001)), Verdict::kMaxOrderNotional, 6'000'000'600'000, 6'000'000'000'000);
}

TEST_F(PreTradeTest, MaxOrderNotionalBeyondInt64IsRefusedEvenAgainstTheLargestCap) {
  lim.max_order_notional = Notional::Max();
  const OrderIntent in = Buy(9'000'000'000, 9'000'000'000'000'000'000);  // 9e9 × 9e10: far past int64
  ExpectReject(Check(in), Verdict::kMaxOrderNotional, INT64_MAX, INT64_MAX);
}

TEST_F(PreTradeTest, ZeroGlobalNotionalCapRefusesEveryOrder) {
  lim.max_order_notional = Notional::Zero();
  EXPECT_EQ(Check(Buy()).verdict, Verdict::kMaxOrderNotional);
}

// ---- 7. min order notional

TEST_F(PreTradeTest, MinOrderNotionalRoundsDownAndPassesExactlyAtTheMinimum) {
  lim.instrument[kBtcUsdt.value].min_order_notional = Notional::FromUnits(10);
  EXPECT_TRUE(Check(Buy(100, 10'000'000)).ok());  // 10.000000000
  OrderIntent in = Buy(100, 10'000'000);
  in.limit_px = Px("99999999999");  // 99.999999999 × 0.1 = 9.9999999999 → 9.999999999 down
  ExpectReject(Check(in), Verdict::kMinOrderNotional, 9'999'999'999, 10'000'000'000);
}

// ---- 8. collar

TEST_F(PreTradeTest, NoReferenceWhenTheCollarIsOn) {
  lim.collar = Rate::FromRaw(1'000'000);  // 1%
  reference_valid[kBtcUsdt.value] = false;
  EXPECT_EQ(Check(Buy()).verdict, Verdict::kNoReference);
  reference_valid[kBtcUsdt.value] = true;
  reference[kBtcUsdt.value] = Price::Zero();
  EXPECT_EQ(Check(Buy()).verdict, Verdict::kNoReference);
  reference[kBtcUsdt.value] = Price::FromRaw(-5);
  EXPECT_EQ(Check(Buy()).verdict, Verdict::kNoReference);
  reference[kBtcUsdt.value] = Price::FromUnits(30000);
  EXPECT_TRUE(Check(Buy()).ok());
  RiskContext c = Ctx();
  c.reference = nullptr;
  EXPECT_EQ(Check(Buy(), c).verdict, Verdict::kNoReference);
  c = Ctx();
  c.reference_valid = nullptr;
  EXPECT_EQ(Check(Buy(), c).verdict, Verdict::kNoReference);
}

TEST_F(PreTradeTest, NoReferenceNeededWithTheCollarOff) {
  reference_valid.fill(false);
  RiskContext c = Ctx();
  c.reference = nullptr;
  EXPECT_TRUE(Check(Buy(), c).ok());
}

TEST_F(PreTradeTest, CollarExactlyAtTheBandPassesOneNanoBeyondFails) {
  lim.collar = Rate::FromRaw(1'000'000);  // 1% of 30000 = 300
  EXPECT_TRUE(Check(Buy(30300, 100'000)).ok());
  EXPECT_TRUE(Check(Sell(29700, 100'000)).ok());
  OrderIntent above = Buy(30300, 100'000);
  above.limit_px = Px("30300000000001");
  // 300.000000001 / 30000 = 0.0100000000000333…, rounded up to 0.01000001
  ExpectReject(Check(above), Verdict::kCollar, 1'000'001, 1'000'000);
  OrderIntent below = Sell(29700, 100'000);
  below.limit_px = Px("29699999999999");
  ExpectReject(Check(below), Verdict::kCollar, 1'000'001, 1'000'000);
  // Both sides are collared: a buy far under the reference fails too.
  ExpectReject(Check(Buy(15000, 100'000)), Verdict::kCollar, 50'000'000, 1'000'000);
}

// ---- 9. positions

TEST_F(PreTradeTest, MaxPositionBaseExactlyAtTheLimitPasses) {
  lim.max_position[kBtc.value] = Amount::FromUnits(1);
  position[kBtc.value] = Amount::FromRaw(900'000'000);  // 0.9 + 0.1 = 1.0
  EXPECT_TRUE(Check(Buy()).ok());
  position[kBtc.value] = Amount::FromRaw(950'000'000);
  const Decision d = Check(Buy());
  ExpectReject(d, Verdict::kMaxPosition, 1'050'000'000, 1'000'000'000);
  EXPECT_EQ(d.asset, kBtc.value);
}

TEST_F(PreTradeTest, MaxPositionShortSideAndCrossingZero) {
  lim.max_position[kBtc.value] = Amount::FromUnits(1);
  position[kBtc.value] = Amount::FromRaw(-950'000'000);
  ExpectReject(Check(Sell()), Verdict::kMaxPosition, 1'050'000'000, 1'000'000'000);
  // 0.5 long, selling 1.5 ends 1.0 short: at the limit. One lot more is over it.
  position[kBtc.value] = Amount::FromRaw(500'000'000);
  EXPECT_TRUE(Check(Sell(1000, 150'000'000)).ok());
  ExpectReject(Check(Sell(1000, 150'000'001)), Verdict::kMaxPosition, 1'000'000'010, 1'000'000'000);
}

TEST_F(PreTradeTest, MaxPositionOrdersTowardZeroAlwaysPass) {
  lim.max_position[kBtc.value] = Amount::FromUnits(1);
  position[kBtc.value] = Amount::FromUnits(2);  // already over (e.g. the limit was lowered)
  EXPECT_TRUE(Check(Sell()).ok());
  EXPECT_EQ(Check(Buy()).verdict, Verdict::kMaxPosition);
  position[kBtc.value] = Amount::FromRaw(50'000'000);  // 0.05 long: selling 0.1 ends 0.05 short, equal size
  EXPECT_TRUE(Check(Sell()).ok());
}

TEST_F(PreTradeTest, MaxPositionQuoteMovesByTheNotional) {
  lim.max_position[kUsdt.value] = Amount::FromUnits(2000);
  position[kUsdt.value] = Amount::FromUnits(1000);  // buy 3000 worth: 1000 - 3000 = -2000
  EXPECT_TRUE(Check(Buy()).ok());
  lim.max_position[kUsdt.value] = Amount::FromUnits(1500);
  const Decision d = Check(Buy());
  ExpectReject(d, Verdict::kMaxPosition, 2'000'000'000'000, 1'500'000'000'000);
  EXPECT_EQ(d.asset, kUsdt.value);
  // A sell adds the notional: toward zero from -2000.
  position[kUsdt.value] = Amount::FromUnits(-2000);
  EXPECT_TRUE(Check(Sell()).ok());
}

TEST_F(PreTradeTest, MaxPositionQuoteUsesTheNotionalRoundedUp) {
  lim.max_position[kUsdt.value] = Amount::FromRaw(3'000'000'000'000);
  OrderIntent in = Sell();
  EXPECT_TRUE(Check(in).ok());                   // 0 + 3000 = 3000: at the limit
  in.limit_px = Px("30000000000001");            // 3000.0000000001 → 3000.000000001
  ExpectReject(Check(in), Verdict::kMaxPosition, 3'000'000'000'001, 3'000'000'000'000);
}

TEST_F(PreTradeTest, MaxPositionBaseIsCheckedBeforeQuote) {
  lim.max_position[kBtc.value] = Amount::FromRaw(1);
  lim.max_position[kUsdt.value] = Amount::FromRaw(1);
  EXPECT_EQ(Check(Buy()).asset, kBtc.value);
}

TEST_F(PreTradeTest, MaxVenuePositionCountsOnlyThatVenue) {
  lim.venue[0].max_position[kBtc.value] = Amount::FromUnits(1);
  VenuePos(kV0, kBtc) = Amount::FromRaw(900'000'000);
  VenuePos(kV1, kBtc) = Amount::FromUnits(50);
  position[kBtc.value] = Amount::FromUnits(51);  // no total limit set
  EXPECT_TRUE(Check(Buy()).ok());
  VenuePos(kV0, kBtc) = Amount::FromRaw(900'000'001);
  const Decision d = Check(Buy());
  ExpectReject(d, Verdict::kMaxVenuePosition, 1'000'000'001, 1'000'000'000);
  EXPECT_EQ(d.asset, kBtc.value);
  OrderIntent v1 = Buy();
  v1.venue = kV1;  // venue 1 has no limit
  EXPECT_TRUE(Check(v1).ok());
}

TEST_F(PreTradeTest, MaxVenuePositionQuoteTowardZeroPassesEvenAcrossIt) {
  lim.venue[0].max_position[kUsdt.value] = Amount::FromUnits(100);
  VenuePos(kV0, kUsdt) = Amount::FromUnits(2800);
  EXPECT_TRUE(Check(Buy()).ok());  // 2800 - 3000 = -200: over the limit, but nearer zero
  const Decision d = Check(Sell());
  ExpectReject(d, Verdict::kMaxVenuePosition, 5'800'000'000'000, 100'000'000'000);
  EXPECT_EQ(d.asset, kUsdt.value);
}

TEST_F(PreTradeTest, TotalPositionLimitsComeBeforeAnyVenueLimit) {
  lim.venue[0].max_position[kBtc.value] = Amount::FromRaw(1);
  lim.max_position[kUsdt.value] = Amount::FromRaw(1);
  const Decision d = Check(Buy());
  EXPECT_EQ(d.verdict, Verdict::kMaxPosition);
  EXPECT_EQ(d.asset, kUsdt.value);
}

TEST_F(PreTradeTest, PositionChecksSkippedWithoutTheirViews) {
  lim.max_position[kBtc.value] = Amount::FromRaw(1);
  lim.venue[0].max_position[kBtc.value] = Amount::FromRaw(1);
  RiskContext c = Ctx();
  c.position = nullptr;
  EXPECT_EQ(Check(Buy(), c).verdict, Verdict::kMaxVenuePosition);
  c.venue_position = nullptr;
  EXPECT_TRUE(Check(Buy(), c).ok());
}

// ---- 10. open orders

TEST_F(PreTradeTest, MaxOpenOrders) {
  lim.venue[0].max_open_orders = 3;
  open_orders[0] = 2;
  EXPECT_TRUE(Check(Buy()).ok());
  open_orders[0] = 3;
  ExpectReject(Check(Buy()), Verdict::kMaxOpenOrders, 3, 3);
  open_orders[1] = 99;  // another venue's orders do not count
  open_orders[0] = 0;
  EXPECT_TRUE(Check(Buy()).ok());
}

// ---- 11. order rate

TEST_F(PreTradeTest, OrderRateKeepsTheCancelReserve) {
  lim.venue[0].order_rate = 5;
  lim.venue[0].order_rate_window = Nanos::FromSeconds(1);
  lim.venue[0].cancel_reserve = 2;
  rate[0].Configure(5, Nanos::FromSeconds(1));
  rate[0].Record(now - Nanos::FromMillis(900));
  rate[0].Record(now - Nanos::FromMillis(500));
  EXPECT_TRUE(Check(Buy()).ok());  // 2 of a budget of 3
  rate[0].Record(now - Nanos::FromMillis(100));
  ExpectReject(Check(Buy()), Verdict::kOrderRate, 3, 3);
  now = now + Nanos::FromMillis(100);  // the first order leaves the window
  EXPECT_TRUE(Check(Buy()).ok());
  lim.venue[0].cancel_reserve = 0;
  now = now - Nanos::FromMillis(100);
  EXPECT_TRUE(Check(Buy()).ok());  // 3 of 5
}

TEST_F(PreTradeTest, OrderRateReserveCoveringTheWholeRateRefusesNewOrders) {
  lim.venue[0].order_rate = 2;
  lim.venue[0].cancel_reserve = 2;
  rate[0].Configure(2, Nanos::FromSeconds(1));
  ExpectReject(Check(Buy()), Verdict::kOrderRate, 0, 0);
}

// ---- 12. repeat

TEST_F(PreTradeTest, RepeatOnOneVenueInstrumentSide) {
  lim.repeat_max = 2;
  lim.repeat_window = Nanos::FromSeconds(10);
  repeat.Configure(3, 2, 2, Nanos::FromSeconds(10));
  repeat.Record(kV0, kBtcUsdt, Side::kBuy, now - Nanos::FromSeconds(5));
  EXPECT_TRUE(Check(Buy()).ok());
  repeat.Record(kV0, kBtcUsdt, Side::kBuy, now - Nanos::FromSeconds(1));
  ExpectReject(Check(Buy()), Verdict::kRepeat, 2, 2);
  EXPECT_TRUE(Check(Sell()).ok());
  now = now + Nanos::FromSeconds(5);
  EXPECT_TRUE(Check(Buy()).ok());
}

// ---- 13. self-trade

TEST_F(PreTradeTest, SelfTradeBuyAtOrAboveOwnRestingSell) {
  lim.self_trade_prevention = true;
  Rest(kV0, kBtcUsdt) = RestingTop{0, 1, Price{}, Price::FromUnits(30001)};
  EXPECT_TRUE(Check(Buy(30000)).ok());
  ExpectReject(Check(Buy(30001)), Verdict::kSelfTrade, Price::FromUnits(30001).raw(), Price::FromUnits(30001).raw());
  ExpectReject(Check(Buy(30002)), Verdict::kSelfTrade, Price::FromUnits(30002).raw(), Price::FromUnits(30001).raw());
  EXPECT_TRUE(Check(Sell(30002)).ok());  // a sell cannot trade with an own sell
}

TEST_F(PreTradeTest, SelfTradeSellAtOrBelowOwnRestingBuy) {
  lim.self_trade_prevention = true;
  Rest(kV0, kBtcUsdt) = RestingTop{2, 0, Price::FromUnits(29999), Price{}};
  EXPECT_TRUE(Check(Sell(30000)).ok());
  ExpectReject(Check(Sell(29999)), Verdict::kSelfTrade, Price::FromUnits(29999).raw(), Price::FromUnits(29999).raw());
  // Prices are ignored without resting orders on that side, and on other venues.
  Rest(kV0, kBtcUsdt).buys = 0;
  EXPECT_TRUE(Check(Sell(29999)).ok());
  Rest(kV1, kBtcUsdt) = RestingTop{1, 0, Price::FromUnits(29999), Price{}};
  EXPECT_TRUE(Check(Sell(29999)).ok());
}

TEST_F(PreTradeTest, SelfTradePreventionOff) {
  Rest(kV0, kBtcUsdt) = RestingTop{1, 1, Price::FromUnits(31000), Price::FromUnits(29000)};
  EXPECT_TRUE(Check(Buy()).ok());
  EXPECT_TRUE(Check(Sell()).ok());
}

// ---- 14. daily notional

TEST_F(PreTradeTest, DailyNotionalExactlyAtTheCapPasses) {
  lim.daily_notional_cap = Notional::FromUnits(12000);
  daily.Record(Notional::FromUnits(9000), now - Nanos::FromSeconds(60));
  EXPECT_TRUE(Check(Buy()).ok());  // 9000 + 3000
  daily.Record(Notional::FromRaw(1), now);
  ExpectReject(Check(Buy()), Verdict::kDailyNotional, 12'000'000'000'001, 12'000'000'000'000);
}

TEST_F(PreTradeTest, DailyNotionalStartsOverOnANewDay) {
  lim.daily_notional_cap = Notional::FromUnits(5000);
  daily.Configure(Nanos{22 * 3'600'000'000'000LL});
  const Nanos day_start = daily.DayStart(now);
  daily.Record(Notional::FromUnits(4000), day_start + Nanos{1});
  now = day_start + Nanos::FromSeconds(3600);
  EXPECT_EQ(Check(Buy()).verdict, Verdict::kDailyNotional);
  now = day_start + Nanos::FromSeconds(24 * 3600);
  EXPECT_TRUE(Check(Buy()).ok());
}

// ---- views left unset

TEST_F(PreTradeTest, ChecksWhoseViewIsUnsetAreSkipped) {
  lim.venue[0].max_open_orders = 1;
  open_orders[0] = 1;
  lim.venue[0].order_rate = 1;
  rate[0].Configure(1, Nanos::FromSeconds(1));
  rate[0].Record(now);
  lim.repeat_max = 1;
  repeat.Configure(3, 2, 1, Nanos::FromSeconds(1));
  repeat.Record(kV0, kBtcUsdt, Side::kBuy, now);
  lim.self_trade_prevention = true;
  Rest(kV0, kBtcUsdt) = RestingTop{0, 1, Price{}, Price::FromUnits(1)};
  lim.daily_notional_cap = Notional::FromUnits(1);
  RiskContext c = Ctx();
  EXPECT_EQ(Check(Buy(), c).verdict, Verdict::kMaxOpenOrders);
  c.open_orders = nullptr;
  EXPECT_EQ(Check(Buy(), c).verdict, Verdict::kOrderRate);
  c.rate = nullptr;
  EXPECT_EQ(Check(Buy(), c).verdict, Verdict::kRepeat);
  c.repeat = nullptr;
  EXPECT_EQ(Check(Buy(), c).verdict, Verdict::kSelfTrade);
  c.resting = nullptr;
  EXPECT_EQ(Check(Buy(), c).verdict, Verdict::kDailyNotional);
  c.daily = nullptr;
  EXPECT_TRUE(Check(Buy(), c).ok());
}

// ---- order

TEST_F(PreTradeTest, FirstFailingCheckWins) {
  lim.max_order_qty = Qty::FromRaw(1);
  lim.collar = Rate::FromRaw(1);
  lim.venue[0].max_open_orders = 1;
  open_orders[0] = 1;
  OrderIntent in = Buy(40000, 10'000'000);
  EXPECT_EQ(Check(in).verdict, Verdict::kMaxOrderQty);
  lim.max_order_qty = Qty{};
  EXPECT_EQ(Check(in).verdict, Verdict::kCollar);
  lim.collar = Rate{};
  EXPECT_EQ(Check(in).verdict, Verdict::kMaxOpenOrders);
  in.qty = Qty::Zero();
  EXPECT_EQ(Check(in).verdict, Verdict::kNonPositive);
  states.SetOperatorGlobal(TradingState::kHalted);
  EXPECT_EQ(Check(in).verdict, Verdict::kHalted);
  in.venue = VenueId{7};
  EXPECT_EQ(Check(in).verdict, Verdict::kUnknownVenue);
}

// ---- 15. liquidation (perpetuals, issue 15)

// A third instrument, BTC-PERP (base BTC, quote USDT), held in a real margin::MarginBook:
// venue 0 is a Bybit-rule isolated 10× venue, venue 1 a cross one, venue 2 a spot venue. One
// maintenance tier (MMR 0.5%) covers every value these tests reach. Expected distances are
// worked from the formulas of ../shared/venues/ORDERS.md §6: isolated (Bybit, MM at entry)
// long LP = E − (M − MM)/q, short LP = E + (M − MM)/q, distance |mark − LP| / mark; cross
// 1 − MM/equity.
constexpr InstrumentId kBtcPerp{2};

class PerpPreTradeTest : public PreTradeTest {
 protected:
  PerpPreTradeTest() {
    lim.instruments = 3;
    lim.instrument[kBtcPerp.value] = InstrumentLimits{kBtc, kUsdt, Qty{}, Notional{}, Notional{}};
    lim.max_order_notional = Notional::FromUnits(10'000'000);
    lim.liquidation.enabled = true;
    lim.liquidation.min_distance = Rate::FromRaw(10'000'000);  // 0.1
    reference[kBtcPerp.value] = Price::FromUnits(60000);

    margin::Tiers tiers;
    tiers.tier[0] = margin::Tier{Notional::FromUnits(2'000'000), Rate::FromRaw(500'000), Rate::FromRaw(1'000'000),
                                 Amount::Zero()};
    tiers.tier[1] = margin::Tier{Notional::FromUnits(4'000'000), Rate::FromRaw(1'000'000), Rate::FromRaw(2'000'000),
                                 Amount::FromUnits(10'000)};
    tiers.count = 2;
    margin::VenueParams venues[3];
    venues[0] = margin::VenueParams{true, margin::Rule::kBybit, MarginMode::kIsolated, Rate::FromUnits(10), Rate{}, kUsdt};
    venues[1] = margin::VenueParams{true, margin::Rule::kBybit, MarginMode::kCross, Rate::FromUnits(10), Rate{}, kUsdt};
    venues[2] = margin::VenueParams{};  // spot
    margin::InstrumentParams instruments[3];
    instruments[0] = margin::InstrumentParams{false, kBtc, kUsdt, margin::Tiers{}};
    instruments[1] = margin::InstrumentParams{false, kEth, kBtc, margin::Tiers{}};
    instruments[2] = margin::InstrumentParams{true, kBtc, kUsdt, tiers};
    book.Configure(venues, 3, instruments, 3, Rate::FromRaw(100'000));
    for (VenueId v : {kV0, kV1}) Mark(v, 60000);
  }

  RiskContext PerpCtx() const {
    RiskContext c = Ctx();
    c.margin = &book;
    return c;
  }
  Decision CheckPerp(const OrderIntent& in) const { return Check(in, PerpCtx()); }

  void Mark(VenueId v, int64_t units) {
    MarkUpdate m;
    m.venue = v;
    m.instrument = kBtcPerp;
    m.fields = MarkUpdate::kMark;
    m.mark_px = Price::FromUnits(units);
    book.ApplyMark(m);
  }
  void Fill(VenueId v, Side side, int64_t qty_raw, int64_t px_units) {
    book.ApplyFill(v, kBtcPerp, side, Qty::FromRaw(qty_raw), Price::FromUnits(px_units), Amount::Zero());
  }
  static OrderIntent Perp(VenueId v, Side side, int64_t qty_raw, int64_t px_units, bool reduce_only = false) {
    OrderIntent in = Buy(px_units, qty_raw);
    in.venue = v;
    in.instrument = kBtcPerp;
    in.side = side;
    in.reduce_only = reduce_only;
    return in;
  }

  margin::MarginBook book;
};

constexpr int64_t kOneBtc = 100'000'000;  // Qty raw

// |mark − liq| / mark as a Rate, rounded down (the book's rounding), in plain 128-bit integers.
int64_t DistanceRaw(Price mark, Price liq) {
  __extension__ typedef __int128 I128;
  const I128 gap = mark.raw() > liq.raw() ? mark.raw() - liq.raw() : liq.raw() - mark.raw();
  return static_cast<int64_t>(gap * Rate::kScale / mark.raw());
}
// 1 − mm/equity as a Rate, for the exact ratios the cross tests use.
int64_t CrossDistanceRaw(int64_t mm_units, int64_t equity_units) {
  return Rate::kScale - mm_units * Rate::kScale / equity_units;
}

TEST_F(PerpPreTradeTest, OpeningOrderEndingCloserThanMinDistanceIsRefused) {
  // Flat, mark 60000: a 10× long at 60000 has LP = 60000 − (6000 − 300)/1 = 54300, a short
  // LP = 65700; either is 0.095 away, under the minimum of 0.1.
  const Decision d = CheckPerp(Perp(kV0, Side::kBuy, kOneBtc, 60000));
  ExpectReject(d, Verdict::kLiquidation, DistanceRaw(Price::FromUnits(60000), Price::FromUnits(54300)), 10'000'000);
  EXPECT_EQ(d.value, 9'500'000);
  ExpectReject(CheckPerp(Perp(kV0, Side::kSell, kOneBtc, 60000)), Verdict::kLiquidation,
               DistanceRaw(Price::FromUnits(60000), Price::FromUnits(65700)), 10'000'000);
  // Exactly at the minimum passes.
  lim.liquidation.min_distance = Rate::FromRaw(9'500'000);
  EXPECT_TRUE(CheckPerp(Perp(kV0, Side::kBuy, kOneBtc, 60000)).ok());
}

TEST_F(PerpPreTradeTest, LiquidationCheckOffWhenDisabledOrWithoutMarginBook) {
  const OrderIntent in = Perp(kV0, Side::kBuy, kOneBtc, 60000);
  ASSERT_EQ(CheckPerp(in).verdict, Verdict::kLiquidation);
  lim.liquidation.enabled = false;
  EXPECT_TRUE(CheckPerp(in).ok());
  lim.liquidation.enabled = true;
  EXPECT_TRUE(Check(in).ok());  // ctx.margin == nullptr: no perpetuals configured
}

TEST_F(PerpPreTradeTest, IsolatedReducingOrdersPassBelowTheMinimum) {
  Fill(kV0, Side::kBuy, kOneBtc, 60000);
  Mark(kV0, 57000);  // (57000 − 54300) / 57000 ≈ 0.047: already under 0.1
  ASSERT_LT(book.Distance(kV0, kBtcPerp), lim.liquidation.min_distance);
  EXPECT_TRUE(CheckPerp(Perp(kV0, Side::kSell, kOneBtc / 2, 57000, true)).ok());
  EXPECT_TRUE(CheckPerp(Perp(kV0, Side::kSell, kOneBtc, 57000, true)).ok());  // the whole position
  // Without the flag a partial close releases margin pro rata: LP stays at 54300, no nearer, so
  // it passes as well.
  EXPECT_TRUE(CheckPerp(Perp(kV0, Side::kSell, kOneBtc / 2, 57000)).ok());
}

TEST_F(PerpPreTradeTest, IsolatedOrderMovingFurtherFromLiquidationPassesOneMovingNearerIsRefused) {
  Fill(kV0, Side::kBuy, kOneBtc, 60000);
  Mark(kV0, 57000);
  lim.liquidation.min_distance = Rate::FromRaw(8'000'000);  // 0.08
  const int64_t now_raw = DistanceRaw(Price::FromUnits(57000), Price::FromUnits(54300));
  ASSERT_EQ(book.Distance(kV0, kBtcPerp).raw(), now_raw);
  // Buying 0.1 at the mark adds fresh margin and lowers the entry: further away, though still
  // under 0.08.
  const OrderIntent average_down = Perp(kV0, Side::kBuy, kOneBtc / 10, 57000);
  const Rate after = book.DistanceAfter(kV0, kBtcPerp, Side::kBuy, average_down.qty, average_down.limit_px);
  ASSERT_GT(after.raw(), now_raw);
  ASSERT_LT(after, lim.liquidation.min_distance);
  EXPECT_TRUE(CheckPerp(average_down).ok());
  // Buying 1 at 61000 (above the mark): entry 60500, margin 12100, MM 121000 × 0.005 = 605,
  // LP = 60500 − 11495/2 = 54752.5: nearer than now.
  ExpectReject(CheckPerp(Perp(kV0, Side::kBuy, kOneBtc, 61000)), Verdict::kLiquidation,
               DistanceRaw(Price::FromUnits(57000), Price::FromRaw(54'752'500'000'000)), 8'000'000);
}

TEST_F(PerpPreTradeTest, CrossAccountDistanceAfterTheFill) {
  book.SetWallet(kV1, Amount::FromUnits(10'000));
  Fill(kV1, Side::kBuy, kOneBtc, 60000);  // MM 300 of equity 10000: 0.97
  lim.liquidation.min_distance = Rate::FromRaw(90'000'000);  // 0.9
  EXPECT_EQ(book.Distance(kV1, kBtcPerp).raw(), CrossDistanceRaw(300, 10'000));
  EXPECT_TRUE(CheckPerp(Perp(kV1, Side::kBuy, kOneBtc, 60000)).ok());  // MM 600: 0.94
  ExpectReject(CheckPerp(Perp(kV1, Side::kBuy, 5 * kOneBtc, 60000)), Verdict::kLiquidation,
               CrossDistanceRaw(1800, 10'000), 90'000'000);  // MM 1800: 0.82
  EXPECT_TRUE(CheckPerp(Perp(kV1, Side::kSell, 2 * kOneBtc, 60000)).ok());  // flips to 1 short: MM 300 again

  // Six long (0.82, under the minimum): reducing passes with or without the flag, adding does not.
  Fill(kV1, Side::kBuy, 5 * kOneBtc, 60000);
  ASSERT_EQ(book.Distance(kV1, kBtcPerp).raw(), CrossDistanceRaw(1800, 10'000));
  EXPECT_TRUE(CheckPerp(Perp(kV1, Side::kSell, kOneBtc, 60000, true)).ok());
  EXPECT_TRUE(CheckPerp(Perp(kV1, Side::kSell, kOneBtc, 60000)).ok());  // MM 1500: 0.85, further
  ExpectReject(CheckPerp(Perp(kV1, Side::kBuy, kOneBtc, 60000)), Verdict::kLiquidation,
               CrossDistanceRaw(2100, 10'000), 90'000'000);
}

TEST_F(PerpPreTradeTest, AtZeroDistanceOnlyReduceOnlyReductionsPass) {
  // Equity 10000 − 6 × 1700 = −200 under MM: the account is at zero distance, and any order
  // leaves it there. Nothing is "no nearer" at zero: only a reduce-only reduction goes.
  book.SetWallet(kV1, Amount::FromUnits(10'000));
  Fill(kV1, Side::kBuy, 6 * kOneBtc, 60000);
  Mark(kV1, 58300);
  ASSERT_EQ(book.Distance(kV1, kBtcPerp), Rate::Zero());
  ExpectReject(CheckPerp(Perp(kV1, Side::kBuy, kOneBtc / 10, 58300)), Verdict::kLiquidation, 0, 10'000'000);
  ExpectReject(CheckPerp(Perp(kV1, Side::kSell, kOneBtc / 10, 58300)), Verdict::kLiquidation, 0, 10'000'000);
  EXPECT_TRUE(CheckPerp(Perp(kV1, Side::kSell, kOneBtc / 10, 58300, true)).ok());
}

TEST_F(PerpPreTradeTest, SpotInstrumentsAndSpotVenuesAreUntouched) {
  lim.liquidation.min_distance = Rate::FromRaw(99'999'999);
  EXPECT_TRUE(Check(Buy(), PerpCtx()).ok());  // BTC/USDT spot on venue 0
  EXPECT_TRUE(CheckPerp(Perp(VenueId{2}, Side::kBuy, kOneBtc / 100, 60000)).ok());  // spot venue
  ASSERT_EQ(CheckPerp(Perp(kV0, Side::kBuy, kOneBtc / 100, 60000)).verdict, Verdict::kLiquidation);
}

TEST_F(PerpPreTradeTest, LiquidationComesLastInVerdictOrder) {
  lim.daily_notional_cap = Notional::FromUnits(1);
  EXPECT_EQ(CheckPerp(Perp(kV0, Side::kBuy, kOneBtc, 60000)).verdict, Verdict::kDailyNotional);
}

TEST_F(PerpPreTradeTest, ReducingPassesReduceOnlyReductionsOfThePerpPosition) {
  lim.liquidation.enabled = false;
  Fill(kV0, Side::kBuy, kOneBtc, 60000);
  states.RaiseVenue(kV0, TradingState::kReducing);
  EXPECT_TRUE(CheckPerp(Perp(kV0, Side::kSell, kOneBtc / 2, 60000, true)).ok());
  EXPECT_TRUE(CheckPerp(Perp(kV0, Side::kSell, kOneBtc, 60000, true)).ok());
  // One raw unit past the position would flip it: not a reduction.
  EXPECT_EQ(CheckPerp(Perp(kV0, Side::kSell, kOneBtc + 1, 60000, true)).verdict, Verdict::kReducingOnly);
  EXPECT_EQ(CheckPerp(Perp(kV0, Side::kBuy, kOneBtc / 2, 60000, true)).verdict, Verdict::kReducingOnly);
  EXPECT_EQ(CheckPerp(Perp(kV0, Side::kSell, kOneBtc / 2, 60000)).verdict, Verdict::kReducingOnly);
  // A flat position has nothing to reduce.
  states.RaiseVenue(kV1, TradingState::kReducing);
  EXPECT_EQ(CheckPerp(Perp(kV1, Side::kSell, kOneBtc / 2, 60000, true)).verdict, Verdict::kReducingOnly);
  // A short is reduced by buying.
  Fill(kV1, Side::kSell, kOneBtc, 60000);
  EXPECT_TRUE(CheckPerp(Perp(kV1, Side::kBuy, kOneBtc, 60000, true)).ok());
  EXPECT_EQ(CheckPerp(Perp(kV1, Side::kSell, kOneBtc / 2, 60000, true)).verdict, Verdict::kReducingOnly);
}

TEST_F(PerpPreTradeTest, ReducingKeepsThePurposeRulesAndSpotReduceOnly) {
  states.SetOperatorGlobal(TradingState::kReducing);
  lim.liquidation.enabled = false;
  OrderIntent hedge = Perp(kV0, Side::kBuy, kOneBtc, 60000);
  hedge.purpose = OrderPurpose::kHedge;
  EXPECT_TRUE(CheckPerp(hedge).ok());
  OrderIntent spot = Buy();
  spot.reduce_only = true;  // spot venues ignore the flag; REDUCING keeps its old meaning there
  EXPECT_TRUE(Check(spot, PerpCtx()).ok());
}

TEST_F(PerpPreTradeTest, ReduceOnlyThatWouldFlipIsJudgedLikeAnyOtherOrder) {
  Fill(kV0, Side::kBuy, kOneBtc, 60000);
  // At mark 60000 the long is 0.095 away (under 0.1). Selling 3 reduce-only flips it to a
  // 2 BTC short whose own distance is 0.095 too: no nearer, so it passes; the exemption for
  // reductions plays no part.
  EXPECT_TRUE(CheckPerp(Perp(kV0, Side::kSell, 3 * kOneBtc, 60000, true)).ok());
  // With the mark at 63000 the long is far (0.138); the flipped short at 63000 would be 0.095
  // away: nearer and under the minimum, refused whatever the flag says.
  Mark(kV0, 63000);
  ASSERT_GT(book.Distance(kV0, kBtcPerp), lim.liquidation.min_distance);
  EXPECT_EQ(CheckPerp(Perp(kV0, Side::kSell, 3 * kOneBtc, 63000, true)).verdict, Verdict::kLiquidation);
}

// ---- names and text

TEST(Verdicts, NamesAreSnakeCaseAndDistinct) {
  const char* expected[kVerdicts] = {"accept",        "unknown_venue",   "unknown_instrument", "halted",
                                     "reducing_only", "non_positive",    "not_allowed",        "max_order_qty",
                                     "max_order_notional", "min_order_notional", "no_reference", "collar",
                                     "max_position",  "max_venue_position", "max_open_orders", "order_rate",
                                     "repeat",        "self_trade",      "daily_notional",  "liquidation"};
  for (int v = 0; v < kVerdicts; ++v) EXPECT_STREQ(VerdictName(static_cast<Verdict>(v)), expected[v]) << v;
  EXPECT_STREQ(VerdictName(static_cast<Verdict>(kVerdicts)), "?");
}

TEST(Verdicts, ValueDecimalsMatchTheValueTypes) {
  EXPECT_EQ(ValueDecimals(Verdict::kMaxOrderQty), 8);
  EXPECT_EQ(ValueDecimals(Verdict::kMaxOrderNotional), 9);
  EXPECT_EQ(ValueDecimals(Verdict::kMinOrderNotional), 9);
  EXPECT_EQ(ValueDecimals(Verdict::kDailyNotional), 9);
  EXPECT_EQ(ValueDecimals(Verdict::kCollar), 8);
  EXPECT_EQ(ValueDecimals(Verdict::kMaxPosition), 9);
  EXPECT_EQ(ValueDecimals(Verdict::kMaxVenuePosition), 9);
  EXPECT_EQ(ValueDecimals(Verdict::kSelfTrade), 9);
  EXPECT_EQ(ValueDecimals(Verdict::kLiquidation), 8);
  EXPECT_EQ(ValueDecimals(Verdict::kMaxOpenOrders), 0);
  EXPECT_EQ(ValueDecimals(Verdict::kOrderRate), 0);
  EXPECT_EQ(ValueDecimals(Verdict::kRepeat), 0);
  EXPECT_EQ(ValueDecimals(Verdict::kAccept), 0);
  EXPECT_EQ(ValueDecimals(Verdict::kHalted), 0);
}

TEST(Verdicts, DescribeWritesNameValueAndLimit) {
  EXPECT_EQ(Describe(Decision{}), "accept");
  EXPECT_EQ(Describe(Decision{Verdict::kMaxOrderNotional, 0xFFFF, 6'000'000'000'000, 5'000'000'000'000}),
            "max_order_notional: 6000.000000000 > 5000.000000000");
  EXPECT_EQ(Describe(Decision{Verdict::kMinOrderNotional, 0xFFFF, 9'999'999'999, 10'000'000'000}),
            "min_order_notional: 9.999999999 < 10.000000000");
  EXPECT_EQ(Describe(Decision{Verdict::kMaxOrderQty, 0xFFFF, 10'000'001, 10'000'000}),
            "max_order_qty: 0.10000001 > 0.10000000");
  EXPECT_EQ(Describe(Decision{Verdict::kCollar, 0xFFFF, 1'000'001, 1'000'000}), "collar: 0.01000001 > 0.01000000");
  EXPECT_EQ(Describe(Decision{Verdict::kMaxPosition, 3, 1'050'000'000, 1'000'000'000}),
            "max_position: asset 3 1.050000000 > 1.000000000");
  EXPECT_EQ(Describe(Decision{Verdict::kMaxVenuePosition, 0, -5, 1}),
            "max_venue_position: asset 0 -0.000000005 > 0.000000001");
  EXPECT_EQ(Describe(Decision{Verdict::kMaxOpenOrders, 0xFFFF, 3, 3}), "max_open_orders: 3 >= 3");
  EXPECT_EQ(Describe(Decision{Verdict::kOrderRate, 0xFFFF, 8, 8}), "order_rate: 8 >= 8");
  EXPECT_EQ(Describe(Decision{Verdict::kRepeat, 0xFFFF, 2, 2}), "repeat: 2 >= 2");
  EXPECT_EQ(Describe(Decision{Verdict::kSelfTrade, 0xFFFF, 30'001'000'000'000, 30'000'000'000'000}),
            "self_trade: 30001.000000000 crosses 30000.000000000");
  EXPECT_EQ(Describe(Decision{Verdict::kDailyNotional, 0xFFFF, 12'000'000'000'001, 12'000'000'000'000}),
            "daily_notional: 12000.000000001 > 12000.000000000");
  EXPECT_EQ(Describe(Decision{Verdict::kLiquidation, 0xFFFF, 9'500'000, 10'000'000}),
            "liquidation: 0.09500000 < 0.10000000");
  EXPECT_EQ(Describe(Decision{Verdict::kHalted, 0xFFFF, 0, 0}), "halted");
  EXPECT_EQ(Describe(Decision{Verdict::kNoReference, 0xFFFF, 0, 0}), "no_reference");
}

TEST(RejectCounts, CountsPerVerdict) {
  RejectCounts c;
  c.Count(Verdict::kCollar);
  c.Count(Verdict::kCollar);
  c.Count(Verdict::kDailyNotional);
  EXPECT_EQ(c.by_verdict[static_cast<size_t>(Verdict::kCollar)], 2u);
  EXPECT_EQ(c.by_verdict[static_cast<size_t>(Verdict::kDailyNotional)], 1u);
  EXPECT_EQ(c.by_verdict[0], 0u);
}

}  // namespace
}  // namespace hs::risk
