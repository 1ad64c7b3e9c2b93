// The simulator's margin account (venues/sim/sim_margin.h): settings refused with positions
// open, the venue's pre-trade checks (reduce-only, margin), fills booked with margin::ApplyFill and
// the taker fee on the wallet, isolated margin moving with the position, funding either way over
// several intervals, the liquidation price the venue publishes (fee to close included), and
// liquidation by each rule, isolated and cross, at that price and not one tick before.
// Expected amounts are worked out beside each assertion from the ORDERS.md §6 formulas.
#include "venues/sim/sim_margin.h"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "core/base/decimal.h"

namespace hs::sim {
namespace {

template <typename T>
T D(std::string_view text) {
  const auto r = ParseDecimal<T>(text, Sign::kAllowNegative);
  EXPECT_EQ(r.error, DecimalError::kOk) << text;
  return r.value;
}
Price Px(std::string_view t) { return D<Price>(t); }
Qty Q(std::string_view t) { return D<Qty>(t); }
Rate R(std::string_view t) { return D<Rate>(t); }
Amount A(std::string_view t) { return D<Amount>(t); }
Notional N(std::string_view t) { return D<Notional>(t); }

constexpr int kBtc = 0;
constexpr int kEth = 1;
const Price kTick = Px("0.1");

// BTCUSDT tiers (ORDERS.md §6.1): 0.5 % up to 2,000,000, then 1 % with a 10,000 deduction;
// imr 0.01 → max leverage 100.
margin::Tiers BtcTiers() {
  margin::Tiers t;
  t.tier[0] = {N("2000000"), R("0.005"), R("0.01"), Amount::Zero()};
  t.tier[1] = {N("4000000"), R("0.01"), R("0.02"), A("10000")};
  t.count = 2;
  return t;
}
margin::Tiers EthTiers() {
  margin::Tiers t;
  t.tier[0] = {N("1000000"), R("0.01"), R("0.02"), Amount::Zero()};  // max leverage 50
  t.count = 1;
  return t;
}

MarginAccount Make(margin::Rule rule, std::string_view fee, std::string_view wallet, MarginMode mode, int64_t lev) {
  MarginAccount m(rule, R(fee), A(wallet));
  m.AddInstrument(kBtc, BtcTiers());
  m.AddInstrument(kEth, EthTiers());
  EXPECT_TRUE(m.SetMode(mode));
  EXPECT_TRUE(m.SetLeverage(Rate::FromUnits(lev)));
  return m;
}
// Bybit linear taker fee 0.055 %, OKX swap 0.05 %.
MarginAccount Bybit(std::string_view wallet, MarginMode mode, int64_t lev = 10) {
  return Make(margin::Rule::kBybit, "0.00055", wallet, mode, lev);
}
MarginAccount Okx(std::string_view wallet, MarginMode mode, int64_t lev = 10) {
  return Make(margin::Rule::kOkx, "0.0005", wallet, mode, lev);
}

// ---- settings

TEST(SimMargin, ModeAndLeverageAreRefusedWhileAPositionIsOpen) {
  MarginAccount m = Bybit("10000", MarginMode::kIsolated);
  m.Fill(kBtc, Side::kBuy, Q("0.1"), Px("60000"));
  EXPECT_FALSE(m.SetMode(MarginMode::kCross));
  EXPECT_FALSE(m.SetLeverage(Rate::FromUnits(5)));
  EXPECT_EQ(m.mode(), MarginMode::kIsolated);
  EXPECT_EQ(m.leverage(), Rate::FromUnits(10));
  m.Fill(kBtc, Side::kSell, Q("0.1"), Px("60000"));  // flat again
  EXPECT_TRUE(m.SetMode(MarginMode::kCross));
  EXPECT_TRUE(m.SetLeverage(Rate::FromUnits(5)));
  EXPECT_EQ(m.mode(), MarginMode::kCross);
  EXPECT_EQ(m.leverage(), Rate::FromUnits(5));
}

TEST(SimMargin, LeverageMustBeBetweenOneAndTheLowestTiersMax) {
  MarginAccount m(margin::Rule::kBybit, R("0.00055"), A("10000"));
  m.AddInstrument(kBtc, BtcTiers());  // 1 / 0.01 = 100×
  EXPECT_TRUE(m.SetLeverage(Rate::FromUnits(100)));
  EXPECT_FALSE(m.SetLeverage(R("100.5")));
  EXPECT_FALSE(m.SetLeverage(R("0.5")));
  EXPECT_EQ(m.leverage(), Rate::FromUnits(100));
  m.AddInstrument(kEth, EthTiers());  // 1 / 0.02 = 50×: the tightest instrument decides
  EXPECT_FALSE(m.SetLeverage(Rate::FromUnits(51)));
  EXPECT_TRUE(m.SetLeverage(Rate::FromUnits(50)));
}

// ---- pre-trade

TEST(SimMargin, CheckRefusesAnInstrumentTheAccountDoesNotHave) {
  const MarginAccount m = Bybit("10000", MarginMode::kCross);
  EXPECT_EQ(m.Check(7, Side::kBuy, Q("0.1"), Px("60000"), false), MarginAccount::Refusal::kNotPerpetual);
  EXPECT_EQ(m.CapReduceOnly(7, Side::kSell, Q("1")), Qty::Zero());
  EXPECT_FALSE(m.has(7));
  EXPECT_EQ(m.position(7).size, Qty::Zero());
}

TEST(SimMargin, ReduceOnlyIsRefusedWhenItWouldOpenOrIncrease) {
  MarginAccount m = Bybit("10000", MarginMode::kCross);
  EXPECT_EQ(m.Check(kBtc, Side::kBuy, Q("0.1"), Px("60000"), true), MarginAccount::Refusal::kReduceOnly);  // flat
  m.Fill(kBtc, Side::kBuy, Q("0.1"), Px("60000"));
  EXPECT_EQ(m.Check(kBtc, Side::kBuy, Q("0.1"), Px("60000"), true), MarginAccount::Refusal::kReduceOnly);  // increase
  EXPECT_EQ(m.Check(kBtc, Side::kSell, Q("0.1"), Px("60000"), true), MarginAccount::Refusal::kNone);
  // Larger than the position: allowed, and capped to it.
  EXPECT_EQ(m.Check(kBtc, Side::kSell, Q("5"), Px("60000"), true), MarginAccount::Refusal::kNone);
}

TEST(SimMargin, CapReduceOnlyCutsToThePositionAndGivesNothingForAnIncrease) {
  MarginAccount m = Bybit("10000", MarginMode::kCross);
  m.Fill(kBtc, Side::kSell, Q("0.3"), Px("60000"));  // short 0.3
  EXPECT_EQ(m.CapReduceOnly(kBtc, Side::kBuy, Q("1")), Q("0.3"));
  EXPECT_EQ(m.CapReduceOnly(kBtc, Side::kBuy, Q("0.1")), Q("0.1"));
  EXPECT_EQ(m.CapReduceOnly(kBtc, Side::kSell, Q("0.1")), Qty::Zero());
}

TEST(SimMargin, InsufficientMarginRefusesTheIncreaseButNotAReduction) {
  // Wallet 1,000 at 10×: 0.16 BTC @ 60,000 needs IM 960 + fee 9,600 × 0.00055 = 5.28 → 965.28;
  // 0.17 needs 1,020 + 5.61.
  MarginAccount m = Bybit("1000", MarginMode::kIsolated);
  EXPECT_EQ(m.Check(kBtc, Side::kBuy, Q("0.16"), Px("60000"), false), MarginAccount::Refusal::kNone);
  EXPECT_EQ(m.Check(kBtc, Side::kBuy, Q("0.17"), Px("60000"), false), MarginAccount::Refusal::kInsufficientMargin);
  // The boundary is inclusive: a wallet of exactly 965.28 still may.
  m.SetWallet(A("965.28"));
  EXPECT_EQ(m.Check(kBtc, Side::kBuy, Q("0.16"), Px("60000"), false), MarginAccount::Refusal::kNone);
  m.SetWallet(A("965.279999999"));
  EXPECT_EQ(m.Check(kBtc, Side::kBuy, Q("0.16"), Px("60000"), false), MarginAccount::Refusal::kInsufficientMargin);
  // With everything tied up, a reduction always may go.
  m.SetWallet(A("965.28"));
  m.Fill(kBtc, Side::kBuy, Q("0.16"), Px("60000"));
  EXPECT_EQ(m.available(), Amount::Zero());
  EXPECT_EQ(m.Check(kBtc, Side::kSell, Q("0.16"), Px("60000"), false), MarginAccount::Refusal::kNone);
}

TEST(SimMargin, AFlipCountsTheMarginItsReducingPartFrees) {
  // Isolated long 1 @ 60,000 holds 6,000; the wallet is exactly that after the 33 fee.
  MarginAccount m = Bybit("6033", MarginMode::kIsolated);
  m.Fill(kBtc, Side::kBuy, Q("1"), Px("60000"));
  ASSERT_EQ(m.available(), Amount::Zero());
  // Sell 1.01: the close frees 6,000, the 0.01 short needs 60 + fee 60,600 × 0.00055 = 33.33.
  EXPECT_EQ(m.Check(kBtc, Side::kSell, Q("1.01"), Px("60000"), false), MarginAccount::Refusal::kNone);
  // Sell 2: 6,000 + 66 > 6,000.
  EXPECT_EQ(m.Check(kBtc, Side::kSell, Q("2"), Px("60000"), false), MarginAccount::Refusal::kInsufficientMargin);
}

// ---- fills

TEST(SimMargin, FillOpensHoldsInitialMarginAndChargesTheTakerFeeOnTheWallet) {
  MarginAccount m = Bybit("10000", MarginMode::kIsolated);
  const MarginAccount::Booked b = m.Fill(kBtc, Side::kBuy, Q("1"), Px("60000"));
  EXPECT_EQ(b.fee, A("33"));  // 60,000 × 0.00055
  EXPECT_EQ(b.realized, Amount::Zero());
  EXPECT_EQ(b.size_after, Q("1"));
  const auto& p = m.position(kBtc);
  EXPECT_EQ(p.size, Q("1"));
  EXPECT_EQ(p.entry, Px("60000"));
  EXPECT_EQ(p.isolated_margin, A("6000"));
  EXPECT_EQ(p.mark, Px("60000"));  // no mark yet: its own fill
  EXPECT_EQ(p.fees_cum, A("33"));
  EXPECT_EQ(m.wallet(), A("9967"));
  EXPECT_EQ(m.initial_margin(), A("6000"));
  EXPECT_EQ(m.available(), A("3967"));  // wallet − isolated margin
  EXPECT_EQ(m.maint_margin(), A("300"));
}

TEST(SimMargin, FeeIsRoundedUpToTheVenuesEightDecimals) {
  // 0.001 × 60,000.1 = 60.0001; × 0.00055 = 0.033000055 → 0.03300006.
  MarginAccount m = Bybit("10000", MarginMode::kCross);
  EXPECT_EQ(m.Fill(kBtc, Side::kBuy, Q("0.001"), Px("60000.1")).fee, A("0.03300006"));
  EXPECT_EQ(m.wallet(), A("9999.96699994"));
}

TEST(SimMargin, ReductionRealizesOnTheWalletAndReleasesMarginProRata) {
  MarginAccount m = Bybit("10000", MarginMode::kIsolated);
  m.Fill(kBtc, Side::kBuy, Q("1"), Px("60000"));
  // Sell 0.25 @ 62,000: +500 realized, fee 15,500 × 0.00055 = 8.525, a quarter of 6,000 freed.
  const MarginAccount::Booked b = m.Fill(kBtc, Side::kSell, Q("0.25"), Px("62000"));
  EXPECT_EQ(b.realized, A("500"));
  EXPECT_EQ(b.fee, A("8.525"));
  EXPECT_EQ(m.position(kBtc).isolated_margin, A("4500"));
  EXPECT_EQ(m.position(kBtc).size, Q("0.75"));
  EXPECT_EQ(m.position(kBtc).entry, Px("60000"));
  EXPECT_EQ(m.position(kBtc).realized_cum, A("500"));
  EXPECT_EQ(m.wallet(), A("10458.475"));  // 10,000 − 33 + 500 − 8.525
  // The rest closed at a loss: −0.75 × 1,000, fee 44,250 × 0.00055 = 24.3375; all margin back.
  m.Fill(kBtc, Side::kSell, Q("0.75"), Px("59000"));
  EXPECT_EQ(m.position(kBtc).size, Qty::Zero());
  EXPECT_EQ(m.position(kBtc).isolated_margin, Amount::Zero());
  EXPECT_EQ(m.wallet(), A("9684.1375"));
  EXPECT_EQ(m.available(), m.wallet());
}

TEST(SimMargin, AFlipReleasesTheOldMarginAndHoldsTheNewSidesAtTheFillPrice) {
  MarginAccount m = Bybit("100000", MarginMode::kIsolated);
  m.Fill(kBtc, Side::kBuy, Q("1"), Px("60000"));
  const MarginAccount::Booked b = m.Fill(kBtc, Side::kSell, Q("3"), Px("59000"));
  EXPECT_EQ(b.realized, A("-1000"));
  EXPECT_EQ(b.size_after, Q("-2"));
  EXPECT_EQ(m.position(kBtc).entry, Px("59000"));
  EXPECT_EQ(m.position(kBtc).isolated_margin, A("11800"));  // 2 × 59,000 / 10
  // 100,000 − 33 − 1,000 − 177,000 × 0.00055 (97.35)
  EXPECT_EQ(m.wallet(), A("98869.65"));
}

TEST(SimMargin, CrossHoldsNoIsolatedMarginAndAvailableIsEquityLessInitialMargin) {
  MarginAccount m = Bybit("10033", MarginMode::kCross);
  m.Fill(kBtc, Side::kBuy, Q("1"), Px("60000"));
  EXPECT_EQ(m.position(kBtc).isolated_margin, Amount::Zero());
  EXPECT_EQ(m.initial_margin(), A("6000"));
  EXPECT_EQ(m.available(), A("4000"));
  m.SetMark(kBtc, Px("61000"));
  EXPECT_EQ(m.unrealized(), A("1000"));
  EXPECT_EQ(m.equity(), A("11000"));
  EXPECT_EQ(m.available(), A("5000"));        // unrealized profit is usable in cross
  EXPECT_EQ(m.maint_margin(), A("305"));      // 61,000 × 0.005: at mark
}

// ---- funding

TEST(SimMargin, FundingPositiveRateLongPaysShortReceivesOnTheWallet) {
  MarginAccount m = Bybit("10000", MarginMode::kCross);
  m.Fill(kBtc, Side::kBuy, Q("1"), Px("60000"));
  m.Fill(kEth, Side::kSell, Q("10"), Px("3000"));
  const Amount before = m.wallet();
  EXPECT_EQ(m.SettleFunding(kBtc, R("0.0001")), A("-6"));  // 60,000 × 0.0001
  EXPECT_EQ(m.SettleFunding(kEth, R("0.0001")), A("3"));   // 30,000 × 0.0001
  EXPECT_EQ(m.wallet(), before - A("3"));
  EXPECT_EQ(m.position(kBtc).funding_cum, A("-6"));
  EXPECT_EQ(m.position(kEth).funding_cum, A("3"));
}

TEST(SimMargin, FundingNegativeRateReversesAndSeveralIntervalsAccumulate) {
  MarginAccount m = Okx("10000", MarginMode::kIsolated);
  m.Fill(kBtc, Side::kBuy, Q("1"), Px("60000"));
  const Amount before = m.wallet();
  const Amount margin_before = m.position(kBtc).isolated_margin;
  EXPECT_EQ(m.SettleFunding(kBtc, R("-0.0001")), A("6"));
  m.SetMark(kBtc, Px("61000"));
  EXPECT_EQ(m.SettleFunding(kBtc, R("-0.0002")), A("12.2"));
  m.SetMark(kBtc, Px("59000"));
  EXPECT_EQ(m.SettleFunding(kBtc, R("0.0003")), A("-17.7"));
  EXPECT_EQ(m.position(kBtc).funding_cum, A("0.5"));  // 6 + 12.2 − 17.7
  EXPECT_EQ(m.wallet(), before + A("0.5"));
  EXPECT_EQ(m.position(kBtc).isolated_margin, margin_before);  // funding is on the wallet
}

TEST(SimMargin, FundingChargesNothingWhenFlat) {
  MarginAccount m = Bybit("10000", MarginMode::kCross);
  EXPECT_EQ(m.SettleFunding(kBtc, R("0.0001")), Amount::Zero());
  EXPECT_EQ(m.SettleFunding(9, R("0.0001")), Amount::Zero());
  EXPECT_EQ(m.wallet(), A("10000"));
}

// ---- the venue's liquidation price

TEST(SimMargin, BybitIsolatedLiquidationPriceAddsTheFeeToCloseToMaintenance) {
  MarginAccount m = Bybit("10000", MarginMode::kIsolated);
  m.Fill(kBtc, Side::kBuy, Q("1"), Px("60000"));
  // 60,000 − (6,000 − 300 − 33) = 54,333: inside the documented 54,300 by the 33 fee to close.
  EXPECT_EQ(m.liq_price(kBtc), Px("54333"));
  const margin::Position doc{Q("1"), Px("60000"), A("6000"), Rate::FromUnits(10)};
  EXPECT_EQ(margin::LiquidationPrice(margin::Rule::kBybit, doc, BtcTiers(), Rate::Zero()), Px("54300"));
  MarginAccount s = Bybit("10000", MarginMode::kIsolated);
  s.Fill(kBtc, Side::kSell, Q("1"), Px("60000"));
  EXPECT_EQ(s.liq_price(kBtc), Px("65667"));
  EXPECT_EQ(s.liq_price(kEth), Price::Zero());  // flat
}

TEST(SimMargin, OkxIsolatedLiquidationPriceIsTheDerivedFormulaWithTheTakerFee) {
  MarginAccount m = Okx("10000", MarginMode::kIsolated);
  m.Fill(kBtc, Side::kBuy, Q("1"), Px("60000"));
  // ORDERS.md §6.2: f = 0.0005 → ≈ 54,298.64 (54,000 / 0.9945).
  const Price liq = m.liq_price(kBtc);
  EXPECT_LE(liq - Px("54298.64"), Px("0.01"));
  EXPECT_LE(Px("54298.64") - liq, Px("0.01"));
}

// ---- liquidation

// Walks the mark down (long) or up (short) one tick at a time from `from`, checking for
// liquidation at each step; returns the mark at which it happened (zero if not within `ticks`).
Price WalkUntilLiquidated(MarginAccount& m, int inst, Price from, bool down, int ticks,
                          std::vector<MarginAccount::Liquidation>* out) {
  Price mark = from;
  for (int k = 0; k < ticks; ++k) {
    m.SetMark(inst, mark);
    *out = m.CheckLiquidations();
    if (!out->empty()) return mark;
    mark = down ? mark - kTick : mark + kTick;
  }
  return Price::Zero();
}

TEST(SimMargin, BybitIsolatedLongLiquidatesAtItsPriceNotOneTickBeforeAndLosesItsMargin) {
  MarginAccount m = Bybit("10000", MarginMode::kIsolated);
  m.Fill(kBtc, Side::kBuy, Q("1"), Px("60000"));
  const Price liq = m.liq_price(kBtc);  // 54,333 (above)
  std::vector<MarginAccount::Liquidation> ls;
  const Price at = WalkUntilLiquidated(m, kBtc, liq + Px("2"), true, 100, &ls);
  EXPECT_EQ(at, liq);
  ASSERT_EQ(ls.size(), 1u);
  EXPECT_EQ(ls[0].instrument, kBtc);
  EXPECT_EQ(ls[0].size, Q("1"));
  EXPECT_EQ(ls[0].mark, liq);
  EXPECT_EQ(ls[0].close_px, Px("54000"));  // bankruptcy: 60,000 − 6,000
  EXPECT_EQ(ls[0].loss, A("6000"));
  EXPECT_EQ(m.wallet(), A("3967"));        // 10,000 − 33 − 6,000
  EXPECT_EQ(m.position(kBtc).size, Qty::Zero());
  EXPECT_TRUE(m.position(kBtc).liquidated);
  EXPECT_EQ(m.position(kBtc).isolated_margin, Amount::Zero());
  EXPECT_EQ(m.liquidations(), 1u);
  // Nothing more to liquidate; the next fill clears the flag.
  EXPECT_TRUE(m.CheckLiquidations().empty());
  m.Fill(kBtc, Side::kBuy, Q("0.01"), Px("54000"));
  EXPECT_FALSE(m.position(kBtc).liquidated);
}

TEST(SimMargin, BybitIsolatedShortLiquidatesAtItsPriceNotOneTickBefore) {
  MarginAccount m = Bybit("10000", MarginMode::kIsolated);
  m.Fill(kBtc, Side::kSell, Q("0.5"), Px("60000"));
  const Price liq = m.liq_price(kBtc);  // 60,000 + (3,000 − 150 − 16.5) / 0.5 = 65,667
  EXPECT_EQ(liq, Px("65667"));
  std::vector<MarginAccount::Liquidation> ls;
  EXPECT_EQ(WalkUntilLiquidated(m, kBtc, liq - Px("2"), false, 100, &ls), liq);
  ASSERT_EQ(ls.size(), 1u);
  EXPECT_EQ(ls[0].close_px, Px("66000"));
  EXPECT_EQ(ls[0].loss, A("3000"));
}

TEST(SimMargin, OkxIsolatedLiquidatesAtTheFirstTickPastItsPriceClosingAtMarkWithPenalty) {
  MarginAccount m = Okx("10000", MarginMode::kIsolated);
  m.Fill(kBtc, Side::kBuy, Q("1"), Px("60000"));  // fee 30
  const Price liq = m.liq_price(kBtc);             // 54,298.642534…: between ticks
  const Price first = FloorToTick(liq, kTick);     // 54,298.6
  ASSERT_LT(first, liq);
  std::vector<MarginAccount::Liquidation> ls;
  EXPECT_EQ(WalkUntilLiquidated(m, kBtc, first + Px("1"), true, 100, &ls), first);
  ASSERT_EQ(ls.size(), 1u);
  EXPECT_EQ(ls[0].close_px, first);
  // Loss at mark 5,701.4 + penalty 54,298.6 × 0.0005 = 27.1493.
  EXPECT_EQ(ls[0].loss, A("5728.5493"));
  EXPECT_EQ(m.wallet(), A("4241.4507"));  // 10,000 − 30 − 5,728.5493
}

TEST(SimMargin, OkxIsolatedLossIsCappedAtTheMarginWhenTheMarkGapsPastBankruptcy) {
  MarginAccount m = Okx("10000", MarginMode::kIsolated);
  m.Fill(kBtc, Side::kBuy, Q("1"), Px("60000"));
  m.SetMark(kBtc, Px("40000"));  // far below bankruptcy (54,000)
  const auto ls = m.CheckLiquidations();
  ASSERT_EQ(ls.size(), 1u);
  EXPECT_EQ(ls[0].loss, A("6000"));
  EXPECT_EQ(m.wallet(), A("3970"));
}

TEST(SimMargin, IsolatedLiquidationTakesOnlyThePositionThatReachedItsPrice) {
  MarginAccount m = Bybit("100000", MarginMode::kIsolated);
  m.Fill(kBtc, Side::kBuy, Q("1"), Px("60000"));
  m.Fill(kEth, Side::kBuy, Q("10"), Px("3000"));
  m.SetMark(kBtc, m.liq_price(kBtc));
  const auto ls = m.CheckLiquidations();
  ASSERT_EQ(ls.size(), 1u);
  EXPECT_EQ(ls[0].instrument, kBtc);
  EXPECT_EQ(m.position(kEth).size, Q("10"));
}

TEST(SimMargin, BybitCrossLiquidatesAtTheAccountsPriceAndClosesAtItsBankruptcy) {
  // Wallet 10,000 after the 33 fee; 1 BTC long @ 60,000: liquidated where
  // 10,000 + (P − 60,000) = MM 300 + fee to close 33 → P = 50,333; bankrupt at 50,000.
  MarginAccount m = Bybit("10033", MarginMode::kCross);
  m.Fill(kBtc, Side::kBuy, Q("1"), Px("60000"));
  const Price liq = m.liq_price(kBtc);
  EXPECT_EQ(liq, Px("50333"));
  std::vector<MarginAccount::Liquidation> ls;
  EXPECT_EQ(WalkUntilLiquidated(m, kBtc, liq + Px("2"), true, 100, &ls), liq);
  ASSERT_EQ(ls.size(), 1u);
  EXPECT_EQ(ls[0].close_px, Px("50000"));
  EXPECT_EQ(ls[0].loss, A("10000"));
  EXPECT_EQ(m.wallet(), Amount::Zero());
  EXPECT_EQ(m.liquidations(), 1u);
}

TEST(SimMargin, CrossLiquidationPriceMovesWithTheOtherPositionsAndTheWholeAccountGoes) {
  MarginAccount m = Bybit("20000", MarginMode::kCross);
  m.Fill(kBtc, Side::kBuy, Q("1"), Px("60000"));   // fee 33
  m.Fill(kEth, Side::kSell, Q("10"), Px("3000"));  // fee 16.5
  const Price before = m.liq_price(kBtc);
  // ETH rallies: the short loses 1,000, and BTC's liquidation price rises by 1,000.
  m.SetMark(kEth, Px("3100"));
  EXPECT_EQ(m.liq_price(kBtc), before + Px("1000"));
  EXPECT_TRUE(m.CheckLiquidations().empty());
  m.SetMark(kBtc, m.liq_price(kBtc));
  const auto ls = m.CheckLiquidations();
  ASSERT_EQ(ls.size(), 2u);  // cross: the account goes, not only BTC
  EXPECT_EQ(ls[0].instrument, kBtc);
  EXPECT_EQ(ls[1].instrument, kEth);
  EXPECT_EQ(ls[1].close_px, Px("3100"));  // later positions close at their marks
  EXPECT_EQ(m.position(kBtc).size, Qty::Zero());
  EXPECT_EQ(m.position(kEth).size, Qty::Zero());
  // The first absorbs the account's equity: the wallet ends within rounding of zero.
  EXPECT_LE(m.wallet(), A("0.00001"));
  EXPECT_EQ(m.liquidations(), 2u);
}

TEST(SimMargin, OkxCrossClosesAtMarkWithPenalty) {
  // Wallet 10,000 after the 30 fee. OKX cross: 10,000 + (P − 60,000) = P × (0.005 + 0.0005)
  // → P = 50,000 / 0.9945 = 50,276.5208…; first tick at or below: 50,276.5.
  MarginAccount m = Okx("10030", MarginMode::kCross);
  m.Fill(kBtc, Side::kBuy, Q("1"), Px("60000"));
  const Price liq = m.liq_price(kBtc);
  EXPECT_LE(liq - Px("50276.52"), Px("0.01"));
  EXPECT_LE(Px("50276.52") - liq, Px("0.01"));
  std::vector<MarginAccount::Liquidation> ls;
  const Price first = FloorToTick(liq, kTick);
  EXPECT_EQ(WalkUntilLiquidated(m, kBtc, first + Px("1"), true, 100, &ls), first);
  ASSERT_EQ(ls.size(), 1u);
  EXPECT_EQ(ls[0].close_px, first);
  // Loss at mark 9,723.5 + penalty 50,276.5 × 0.0005 = 25.13825.
  EXPECT_EQ(ls[0].loss, A("9748.63825"));
  EXPECT_EQ(m.wallet(), A("251.36175"));
}

TEST(SimMargin, CrossAccountBelowItsLiquidationMarginGoesEvenWithoutAPositivePrice) {
  // A short behind an account far under water (set directly): 60,000 + (−70,000 − 33 − 300) < 0,
  // so no mark liquidates it by price; the account condition (equity <= MM + fee) does.
  MarginAccount m = Bybit("10000", MarginMode::kCross);
  m.Fill(kBtc, Side::kSell, Q("1"), Px("60000"));
  m.SetWallet(A("-70000"));
  EXPECT_EQ(m.liq_price(kBtc), Price::Zero());
  const auto ls = m.CheckLiquidations();
  ASSERT_EQ(ls.size(), 1u);
  EXPECT_EQ(ls[0].close_px, Px("60000"));  // nothing left to absorb: at the mark
  EXPECT_EQ(m.wallet(), Amount::Zero());   // the deficit is the insurance fund's
}

TEST(SimMargin, NoLiquidationWhileTheMarkStaysOnTheSafeSide) {
  MarginAccount m = Bybit("10000", MarginMode::kIsolated);
  m.Fill(kBtc, Side::kBuy, Q("1"), Px("60000"));
  for (const char* mark : {"60000", "70000", "54333.1"}) {
    m.SetMark(kBtc, Px(mark));
    EXPECT_TRUE(m.CheckLiquidations().empty()) << mark;
  }
  EXPECT_EQ(m.liquidations(), 0u);
}

}  // namespace
}  // namespace hs::sim
