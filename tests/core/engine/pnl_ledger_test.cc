#include "core/engine/pnl_ledger.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <random>

#include "core/base/decimal.h"

namespace hs::engine {
namespace {

Amount A(const char* s) { return ParseDecimal<Amount>(s, Sign::kAllowNegative).value; }
Price P(const char* s) { return ParseDecimal<Price>(s).value; }

constexpr VenueId V(int v) { return VenueId{static_cast<uint8_t>(v)}; }
constexpr AssetId kUsdt{0};
constexpr AssetId kBtc{1};
constexpr AssetId kEth{2};
constexpr AssetId kBnb{3};
constexpr int kAssets = 4;

const Nanos kNow = Nanos::FromSeconds(1'700'000'000);

InstrumentParams Inst(AssetId base, AssetId quote) {
  InstrumentParams ip;
  ip.base = base;
  ip.quote = quote;
  return ip;
}

// 0 BTC/USDT, 1 ETH/USDT, 2 BNB/USDT, 3 ETH/BTC.
const std::array<InstrumentParams, 4> kTable = {Inst(kBtc, kUsdt), Inst(kEth, kUsdt), Inst(kBnb, kUsdt),
                                                Inst(kEth, kBtc)};

ReferenceParams RefParams(int min_venues) {
  ReferenceParams p;
  p.min_venues.fill(static_cast<uint8_t>(min_venues));
  return p;
}

// `venues` venues quote bid == ask == price: the reference is exactly `price`.
void SetPrice(ReferencePrice& ref, int instrument, Price price, int venues = 1, Nanos now = kNow) {
  std::array<VenueQuote, kMaxVenues> q{};
  for (int v = 0; v < venues; ++v) q[v] = VenueQuote{true, price, price, now};
  ref.Update(InstrumentId{static_cast<uint16_t>(instrument)}, q.data(), venues, now);
}

TEST(PnlLedger, AverageCostRealizedAndUnrealized) {
  PnlLedger l(kUsdt);
  l.OnFill(kBtc, Side::kBuy, A("1"), A("30000"));
  l.OnFill(kBtc, Side::kBuy, A("1"), A("31000"));
  EXPECT_EQ(l.held(kBtc), A("2"));
  EXPECT_EQ(l.cost(kBtc), A("61000"));
  EXPECT_EQ(l.avg_cost(kBtc), P("30500"));
  EXPECT_EQ(l.realized(kBtc), Amount::Zero());

  l.OnFill(kBtc, Side::kSell, A("0.5"), A("16000"));  // 0.5 at 32000
  EXPECT_EQ(l.realized(kBtc), A("750"));             // 16000 − 0.5 × 30500
  EXPECT_EQ(l.realized_total(), A("750"));
  EXPECT_EQ(l.held(kBtc), A("1.5"));
  EXPECT_EQ(l.cost(kBtc), A("45750"));
  EXPECT_EQ(l.avg_cost(kBtc), P("30500"));

  ReferencePrice ref(RefParams(1));
  const Valuation val(Valuation::Resolve(kUsdt, kTable), ref);
  SetPrice(ref, 0, P("31500"));
  EXPECT_EQ(l.Unrealized(val, kBtc), A("1500"));  // 1.5 × 31500 − 1.5 × 30500
  EXPECT_EQ(l.UnrealizedTotal(val, kAssets), A("1500"));
  EXPECT_EQ(l.Unrealized(val, kUsdt), Amount::Zero());
}

TEST(PnlLedger, CostRemovedRoundsTowardZeroAndARoundTripIsExact) {
  // Long: 3 BTC for 10e-9 USDT, then sold 1 + 2 for 5e-9 + 4e-9.
  PnlLedger l(kUsdt);
  l.OnFill(kBtc, Side::kBuy, A("3"), Amount::FromRaw(10));
  l.OnFill(kBtc, Side::kSell, A("1"), Amount::FromRaw(5));
  EXPECT_EQ(l.cost(kBtc), Amount::FromRaw(7)) << "10 × 1/3 = 3.33 removed, rounded toward zero to 3";
  EXPECT_EQ(l.realized(kBtc), Amount::FromRaw(2));
  EXPECT_EQ(l.avg_cost(kBtc), Price::FromRaw(3)) << "7/2 toward zero";
  l.OnFill(kBtc, Side::kSell, A("2"), Amount::FromRaw(4));
  EXPECT_EQ(l.held(kBtc), Amount::Zero());
  EXPECT_EQ(l.cost(kBtc), Amount::Zero()) << "closing removes the whole cost, remainder included";
  EXPECT_EQ(l.realized(kBtc), Amount::FromRaw(-1)) << "received 9, paid 10";
  EXPECT_EQ(l.avg_cost(kBtc), Price::Zero());

  // Short: the same toward zero on a negative cost.
  l.OnFill(kEth, Side::kSell, A("3"), Amount::FromRaw(10));
  EXPECT_EQ(l.held(kEth), A("-3"));
  EXPECT_EQ(l.cost(kEth), Amount::FromRaw(-10));
  l.OnFill(kEth, Side::kBuy, A("1"), Amount::FromRaw(2));
  EXPECT_EQ(l.cost(kEth), Amount::FromRaw(-7)) << "−10 × 1/3 = −3.33 removed, rounded toward zero to −3";
  EXPECT_EQ(l.realized(kEth), Amount::FromRaw(1));
  EXPECT_EQ(l.avg_cost(kEth), Price::FromRaw(3));
  l.OnFill(kEth, Side::kBuy, A("2"), Amount::FromRaw(8));
  EXPECT_EQ(l.held(kEth), Amount::Zero());
  EXPECT_EQ(l.realized(kEth), Amount::Zero()) << "received 10, paid 10";
  EXPECT_EQ(l.realized_total(), Amount::FromRaw(-1));
}

TEST(PnlLedger, SellingMoreThanHeldOpensAShortThatABuyCloses) {
  ReferencePrice ref(RefParams(1));
  const Valuation val(Valuation::Resolve(kUsdt, kTable), ref);
  PnlLedger l(kUsdt);
  l.OnFill(kBtc, Side::kBuy, A("1"), A("30000"));
  l.OnFill(kBtc, Side::kSell, A("1.5"), A("48000"));  // 1.5 at 32000
  // The held 1 realizes 32000 − 30000; the extra 0.5 is a short at 16000.
  EXPECT_EQ(l.realized(kBtc), A("2000"));
  EXPECT_EQ(l.held(kBtc), A("-0.5"));
  EXPECT_EQ(l.cost(kBtc), A("-16000"));
  EXPECT_EQ(l.avg_cost(kBtc), P("32000"));
  SetPrice(ref, 0, P("31000"));
  EXPECT_EQ(l.Unrealized(val, kBtc), A("500")) << "short 0.5 sold at 32000, marked at 31000";

  l.OnFill(kBtc, Side::kBuy, A("0.5"), A("15500"));
  EXPECT_EQ(l.realized(kBtc), A("2500"));
  EXPECT_EQ(l.held(kBtc), Amount::Zero());
  EXPECT_EQ(l.cost(kBtc), Amount::Zero());

  // Short 1 at 30000, then buy 3 for 93000: 1 covers (paid 31000: −1000), 2 go long at 31000.
  l.OnFill(kBtc, Side::kSell, A("1"), A("30000"));
  l.OnFill(kBtc, Side::kBuy, A("3"), A("93000"));
  EXPECT_EQ(l.realized(kBtc), A("1500"));
  EXPECT_EQ(l.held(kBtc), A("2"));
  EXPECT_EQ(l.cost(kBtc), A("62000"));
}

TEST(PnlLedger, AFlipSplitsTheValueWithTheRemainderToTheNewSide) {
  PnlLedger l(kUsdt);
  l.OnFill(kBtc, Side::kBuy, A("1"), Amount::FromRaw(100));
  l.OnFill(kBtc, Side::kSell, A("3"), Amount::FromRaw(10));
  // The closing third of 10 is 3.33, toward zero 3: realized 3 − 100; the short gets 7.
  EXPECT_EQ(l.realized(kBtc), Amount::FromRaw(-97));
  EXPECT_EQ(l.held(kBtc), A("-2"));
  EXPECT_EQ(l.cost(kBtc), Amount::FromRaw(-7));
  // realized − cost moved by exactly the 10 received, minus the 100 paid before.
  EXPECT_EQ((l.realized(kBtc) - l.cost(kBtc)).raw(), 10 - 100);
}

TEST(PnlLedger, StartingInventoryIsMarkedToMarket) {
  PnlLedger l(kUsdt);
  EXPECT_FALSE(l.marked(kBtc));
  EXPECT_TRUE(l.marked(kUsdt)) << "the valuation asset needs no mark";
  l.MarkStart(kBtc, A("2"), P("30000.5"));
  EXPECT_TRUE(l.marked(kBtc));
  EXPECT_EQ(l.held(kBtc), A("2"));
  EXPECT_EQ(l.cost(kBtc), A("60001"));
  EXPECT_EQ(l.avg_cost(kBtc), P("30000.5"));
  EXPECT_EQ(l.realized(kBtc), Amount::Zero());
  l.OnFill(kBtc, Side::kSell, A("1"), A("31000"));
  EXPECT_EQ(l.realized(kBtc), A("999.5"));
  l.OnFill(kBtc, Side::kBuy, A("1"), A("29000"));
  EXPECT_EQ(l.cost(kBtc), A("59000.5"));
  EXPECT_EQ(l.avg_cost(kBtc), P("29500.25"));

  // The mark's cost is rounded down, like NAV: 1e-9 ETH × 2000.5 = 2000.5e-9 → 2000e-9.
  l.MarkStart(kEth, Amount::FromRaw(1), P("2000.5"));
  EXPECT_EQ(l.cost(kEth), Amount::FromRaw(2000));
  // Ignored: the valuation asset, no price, invalid assets.
  l.MarkStart(kUsdt, A("100"), P("1"));
  l.MarkStart(kBnb, A("100"), Price::Zero());
  l.MarkStart(AssetId{kMaxAssets}, A("1"), P("1"));
  EXPECT_EQ(l.held(kUsdt), Amount::Zero());
  EXPECT_EQ(l.held(kBnb), Amount::Zero());
  EXPECT_FALSE(l.marked(kBnb));
  EXPECT_FALSE(l.marked(AssetId::Invalid()));
}

TEST(PnlLedger, AMarkAfterFillsAddsToThemInOrder) {
  // 0.5 BTC sold (for 15500) before the first price was known: the ledger goes short 0.5;
  // the starting 2 BTC marked at 30000 then cover it: the sale realizes 15500 − 15000.
  PnlLedger l(kUsdt);
  l.OnFill(kBtc, Side::kSell, A("0.5"), A("15500"));
  l.MarkStart(kBtc, A("2"), P("30000"));
  EXPECT_EQ(l.held(kBtc), A("1.5"));
  EXPECT_EQ(l.cost(kBtc), A("45000"));
  EXPECT_EQ(l.realized(kBtc), A("500"));
  // Inventory arriving later (another venue's snapshot) is marked the same way.
  l.MarkStart(kBtc, A("1"), P("33000"));
  EXPECT_EQ(l.held(kBtc), A("2.5"));
  EXPECT_EQ(l.cost(kBtc), A("78000"));
  EXPECT_EQ(l.avg_cost(kBtc), P("31200"));
}

TEST(PnlLedger, TheValuationAssetHasNoInventoryOnlyFees) {
  PnlLedger l(kUsdt);
  l.OnFill(kUsdt, Side::kBuy, A("100"), A("100"));
  l.OnFill(kUsdt, Side::kSell, A("50"), A("50"));
  EXPECT_EQ(l.held(kUsdt), Amount::Zero());
  EXPECT_EQ(l.cost(kUsdt), Amount::Zero());
  EXPECT_EQ(l.realized_total(), Amount::Zero());
  l.OnFee(kUsdt, A("7.5"), A("7.5"));
  EXPECT_EQ(l.fees(kUsdt), A("7.5"));
  EXPECT_EQ(l.fees_valuation(), A("7.5"));
  EXPECT_EQ(l.held(kUsdt), Amount::Zero());
  // Ignored: qty <= 0, invalid assets.
  l.OnFill(kBtc, Side::kBuy, Amount::Zero(), A("1"));
  l.OnFill(kBtc, Side::kBuy, A("-1"), A("1"));
  l.OnFill(AssetId::Invalid(), Side::kBuy, A("1"), A("1"));
  l.OnFee(AssetId{kMaxAssets}, A("1"), A("1"));
  EXPECT_EQ(l.held(kBtc), Amount::Zero());
  EXPECT_EQ(l.cost(kBtc), Amount::Zero());
  EXPECT_EQ(l.fees_valuation(), A("7.5"));
}

TEST(PnlLedger, FeesAccumulatePerAssetAndInTheValuationAsset) {
  PnlLedger l(kUsdt);
  l.OnFill(kBtc, Side::kBuy, A("1.5"), A("45750"));  // avg 30500
  l.OnFee(kUsdt, A("7.5"), A("7.5"));
  l.OnFee(kUsdt, A("0.000000001"), A("0.000000001"));
  // 0.001 BTC worth 31.5 (at 31500) leaves the inventory like a sale: cost 30.5 removed.
  l.OnFee(kBtc, A("0.001"), A("31.5"));
  EXPECT_EQ(l.fees(kUsdt), A("7.500000001"));
  EXPECT_EQ(l.fees(kBtc), A("0.001"));
  EXPECT_EQ(l.fees_valuation(kUsdt), A("7.500000001"));
  EXPECT_EQ(l.fees_valuation(kBtc), A("31.5"));
  EXPECT_EQ(l.fees_valuation(), A("39.000000001"));
  EXPECT_EQ(l.held(kBtc), A("1.499"));
  EXPECT_EQ(l.cost(kBtc), A("45719.5"));
  EXPECT_EQ(l.realized(kBtc), A("1"));
  EXPECT_EQ(l.avg_cost(kBtc), P("30500"));
  // A fee in an asset never bought: a short of it, at the fee's value.
  l.OnFee(kBnb, A("0.01"), A("3"));
  EXPECT_EQ(l.fees(kBnb), A("0.01"));
  EXPECT_EQ(l.held(kBnb), A("-0.01"));
  EXPECT_EQ(l.cost(kBnb), A("-3"));
  EXPECT_EQ(l.fees_valuation(), A("42.000000001"));
  // Net of fees: 1 realized − 42.000000001 fees.
  EXPECT_EQ(l.realized_total() - l.fees_valuation(), A("-41.000000001"));
}

TEST(PnlLedger, CrossPairFillMovesBothAssetsAtOneValue) {
  // Valued in USDT: ETH bought with BTC. Both sides at the same value, 0.05 BTC × 30000.
  PnlLedger l(kUsdt);
  l.MarkStart(kBtc, A("1"), P("29000"));
  l.OnFill(kEth, Side::kBuy, A("1"), A("1500"));
  l.OnFill(kBtc, Side::kSell, A("0.05"), A("1500"));
  EXPECT_EQ(l.held(kEth), A("1"));
  EXPECT_EQ(l.cost(kEth), A("1500"));
  EXPECT_EQ(l.held(kBtc), A("0.95"));
  EXPECT_EQ(l.realized(kBtc), A("50")) << "0.05 BTC of cost 1450 went for 1500";
  EXPECT_EQ(l.realized_total(), A("50"));
}

TEST(PnlLedger, UnrealizedUsesTheLastValidPriceAndSkipsUnpricedAssets) {
  ReferencePrice ref(RefParams(2));
  const Valuation val(Valuation::Resolve(kUsdt, kTable), ref);
  PnlLedger l(kUsdt);
  l.OnFill(kBtc, Side::kBuy, A("2"), A("60000"));
  l.OnFill(kEth, Side::kBuy, A("1"), A("2000"));
  EXPECT_EQ(l.Unrealized(val, kBtc), Amount::Zero()) << "no price yet";
  SetPrice(ref, 0, P("31000"), 2);
  EXPECT_EQ(l.Unrealized(val, kBtc), A("2000"));
  SetPrice(ref, 0, P("25000"), 1, kNow + Nanos::FromSeconds(1));  // one venue: quorum lost
  ASSERT_TRUE(val.Stale(kBtc));
  EXPECT_EQ(l.Unrealized(val, kBtc), A("2000")) << "the last valid 31000, flagged stale";
  EXPECT_EQ(l.Unrealized(val, kEth), Amount::Zero()) << "ETH has no price";
  EXPECT_EQ(l.UnrealizedTotal(val, kAssets), A("2000"));
  EXPECT_EQ(l.UnrealizedTotal(val, 1), Amount::Zero()) << "only USDT";
}

// Random fills on two venues (both directions, overselling, cross pairs, fees in base, quote
// and BNB), deposits marked at the then price, prices moving. Every step: the ledger holds what
// the portfolio holds, and realized + unrealized − fees = NAV − NAV at start − marked deposits,
// exactly with NAV valued per asset position; with Valuation::Nav (floored per venue) the two
// sides differ by at most (venues − 1) raw units per priced asset other than USDT.
TEST(PnlLedger, RandomizedPnlEqualsNavChange) {
  std::mt19937_64 rng(20240611);
  auto uniform = [&rng](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  constexpr int kVenues = 2;
  const std::array<Price, 4> start_prices = {P("30000.123456789"), P("2000.5"), P("310.25"), P("0.0666")};

  ReferencePrice ref(RefParams(1));
  const Valuation val(Valuation::Resolve(kUsdt, kTable), ref);
  std::array<Price, 4> price = start_prices;
  for (int i = 0; i < 4; ++i) SetPrice(ref, i, price[i]);

  Portfolio pf;
  const std::array<int64_t, kAssets> units = {1'000'000, 10, 100, 500};
  for (int v = 0; v < kVenues; ++v) {
    for (int a = 0; a < kAssets; ++a) {
      BalanceUpdate b;
      b.venue = V(v);
      b.asset = AssetId{static_cast<uint16_t>(a)};
      b.free = Amount::FromRaw(uniform(0, units[a] * Amount::kScale));
      b.locked = Amount::FromRaw(uniform(0, units[a] * Amount::kScale / 10));
      b.final_of_snapshot = a == kAssets - 1;
      pf.ApplySnapshot(b);
    }
  }
  PnlLedger l(kUsdt);
  for (int a = 1; a < kAssets; ++a) {
    const AssetId aid{static_cast<uint16_t>(a)};
    l.MarkStart(aid, pf.position(aid), val.PriceOf(aid));
  }
  auto nav_by_position = [&] {
    Amount nav = Amount::Zero();
    for (int a = 0; a < kAssets; ++a) {
      const AssetId aid{static_cast<uint16_t>(a)};
      nav += val.Value(aid, pf.position(aid), Rounding::kFloor);
    }
    return nav;
  };
  const Amount nav0 = nav_by_position();
  const Amount nav0_venues = val.Nav(pf, kVenues, kAssets).nav;
  Amount deposits = Amount::Zero();  // what the marks of later inventory added, in USDT
  int shorts_seen = 0;

  for (int step = 0; step < 20'000; ++step) {
    const int64_t kind = uniform(0, 99);
    if (kind < 8) {  // a price moves up to ±2%, at 1e-9
      const int i = static_cast<int>(uniform(0, 3));
      const int64_t raw = price[i].raw();
      price[i] = Price::FromRaw(Max<int64_t>(1, raw + uniform(-raw / 50, raw / 50)));
      SetPrice(ref, i, price[i]);
    } else if (kind < 10) {  // a deposit or withdrawal, marked at the price of the moment
      const VenueId v = V(static_cast<int>(uniform(0, kVenues - 1)));
      const AssetId a{static_cast<uint16_t>(uniform(0, kAssets - 1))};
      const Amount delta = Amount::FromRaw(uniform(-units[a.value], units[a.value]) * 1'000'000);
      BalanceUpdate b;
      b.venue = v;
      b.asset = a;
      b.free = pf.free(v, a) + delta;
      b.locked = pf.locked(v, a);
      b.final_of_snapshot = true;
      pf.ApplySnapshot(b);
      if (a == kUsdt) {
        deposits += delta;
      } else {
        const Amount gap = pf.position(a) - l.held(a);
        deposits += MulPrice(gap, val.PriceOf(a), Rounding::kFloor);
        l.MarkStart(a, gap, val.PriceOf(a));
      }
    } else {  // a fill
      const VenueId v = V(static_cast<int>(uniform(0, kVenues - 1)));
      const int i = static_cast<int>(uniform(0, 3));
      const InstrumentParams& ip = kTable[i];
      const Side side = uniform(0, 1) == 0 ? Side::kBuy : Side::kSell;
      const Qty qty = Qty::FromRaw(uniform(1, units[ip.base.value] * Qty::kScale / 20));
      const int64_t ref_raw = price[i].raw();
      const Price fill_price = Price::FromRaw(ref_raw + uniform(-ref_raw / 100, ref_raw / 100));
      const Amount quote_amount = AmountFromNotional(
          MulNotional(fill_price, qty, uniform(0, 1) == 0 ? Rounding::kFloor : Rounding::kCeil));
      const int64_t fee_pick = uniform(0, 2);
      const AssetId fee_asset = fee_pick == 0 ? ip.base : (fee_pick == 1 ? ip.quote : kBnb);
      const Amount fee = Amount::FromRaw(uniform(0, 1'000'000));
      const Amount value =
          ip.quote == kUsdt ? quote_amount : val.Value(ip.quote, quote_amount, Rounding::kFloor);
      pf.ApplyFill(v, ip.base, ip.quote, side, qty, quote_amount, fee_asset, fee);
      l.OnFill(ip.base, side, AmountFromQty(qty), value);
      l.OnFill(ip.quote, side == Side::kBuy ? Side::kSell : Side::kBuy, quote_amount, value);
      l.OnFee(fee_asset, fee, val.Value(fee_asset, fee, Rounding::kCeil));
    }

    for (int a = 1; a < kAssets; ++a) {
      const AssetId aid{static_cast<uint16_t>(a)};
      ASSERT_EQ(l.held(aid), pf.position(aid)) << "step " << step << " asset " << a;
      shorts_seen += l.held(aid).is_negative() ? 1 : 0;
    }
    const Amount pnl = l.realized_total() + l.UnrealizedTotal(val, kAssets) - l.fees_valuation();
    ASSERT_EQ(pnl, nav_by_position() - nav0 - deposits) << "step " << step;
    const Amount by_venue = val.Nav(pf, kVenues, kAssets).nav - nav0_venues - deposits;
    // Per priced asset other than USDT, each Nav is 0 to (venues − 1) raw below the position-level
    // value (one floor per venue instead of one in all), at the start as now.
    ASSERT_LE(std::llabs((by_venue - pnl).raw()), (kVenues - 1) * (kAssets - 1)) << "step " << step;
  }
  EXPECT_GT(shorts_seen, 0) << "the walk should oversell some asset";
  EXPECT_NE(l.realized_total(), Amount::Zero());
}

}  // namespace
}  // namespace hs::engine
