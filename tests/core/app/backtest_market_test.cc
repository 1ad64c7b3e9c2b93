#include "core/app/backtest_market.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/base/decimal.h"
#include "core/config/config.h"

namespace hs::backtest {
namespace {

constexpr VenueId kVenue{1};
constexpr InstrumentId kInst{0};
constexpr AssetId kUsdt{2};

Price Px(const char* s) {
  const auto r = ParseDecimal<Price>(s);
  EXPECT_TRUE(r.ok()) << s;
  return r.value;
}
Qty Q(const char* s) {
  const auto r = ParseDecimal<Qty>(s);
  EXPECT_TRUE(r.ok()) << s;
  return r.value;
}
Amount A(const char* s) {
  const auto r = ParseDecimal<Amount>(s);
  EXPECT_TRUE(r.ok()) << s;
  return r.value;
}
Rate R(const char* s) { return ParseDecimal<Rate>(s).value; }

// A book event: bids and asks as {"px","qty"} pairs, best first.
Event BookEvent(std::vector<std::pair<const char*, const char*>> bids,
                std::vector<std::pair<const char*, const char*>> asks, int64_t t = 1, VenueId v = kVenue,
                InstrumentId i = kInst) {
  Event e;
  e.kind = Event::Kind::kBook;
  e.t = t;
  e.venue = v;
  e.instrument = i;
  for (const auto& [p, q] : bids) e.bids[e.bid_count++] = Level{Px(p), Q(q)};
  for (const auto& [p, q] : asks) e.asks[e.ask_count++] = Level{Px(p), Q(q)};
  return e;
}

OrderIntent Intent(Side side, const char* limit, const char* qty, TimeInForce tif = TimeInForce::kIoc) {
  OrderIntent in;
  in.client_id = ClientOrderId{7};
  in.venue = kVenue;
  in.instrument = kInst;
  in.side = side;
  in.tif = tif;
  in.limit_px = Px(limit);
  in.qty = Q(qty);
  return in;
}

// The standard book: bids 99 x1, 98 x2, 97 x5; asks 100 x1, 101 x2, 102 x5.
Event Standard(int64_t t = 1) {
  return BookEvent({{"99", "1"}, {"98", "2"}, {"97", "5"}}, {{"100", "1"}, {"101", "2"}, {"102", "5"}}, t);
}

TEST(SimulatedMarketTest, BuyWalksTwoLevelsUpToItsLimitAndCancelsTheRest) {
  SimulatedMarket m;
  m.OnBook(Standard());
  const FillResult f = m.Fill(Intent(Side::kBuy, "101", "4"), R("0.001"), kUsdt);
  EXPECT_FALSE(f.refused);
  EXPECT_EQ(f.qty, Q("3"));
  EXPECT_EQ(f.canceled, Q("1"));
  EXPECT_EQ(f.levels, 2);
  EXPECT_EQ(f.quote, A("302"));  // 1 × 100 + 2 × 101
  EXPECT_EQ(f.fee, A("0.302"));
  EXPECT_EQ(f.fee_asset, kUsdt);
  EXPECT_EQ(f.avg_px, Px("100.666666667"));  // 302 / 3, rounded up for a buy
}

TEST(SimulatedMarketTest, TakenLiquidityStaysGoneUntilTheNextBookEvent) {
  SimulatedMarket m;
  m.OnBook(Standard());
  ASSERT_EQ(m.Fill(Intent(Side::kBuy, "101", "4"), R("0.001"), kUsdt).qty, Q("3"));

  // A second intent at the same limit finds nothing left.
  FillResult f = m.Fill(Intent(Side::kBuy, "101", "1"), R("0.001"), kUsdt);
  EXPECT_TRUE(f.qty.is_zero());
  EXPECT_EQ(f.canceled, Q("1"));
  EXPECT_TRUE(f.quote.is_zero());
  EXPECT_TRUE(f.fee.is_zero());
  EXPECT_TRUE(f.avg_px.is_zero());
  EXPECT_EQ(f.levels, 0);

  // The top the core sees shows what is left; the bids are untouched.
  BookTop top = m.Top(kVenue, kInst);
  ASSERT_EQ(top.ask_count, 1);
  EXPECT_EQ(top.asks[0].px, Px("102"));
  EXPECT_EQ(top.asks[0].qty, Q("5"));
  ASSERT_EQ(top.bid_count, 3);
  EXPECT_EQ(top.bids[0].px, Px("99"));

  // A higher limit reaches the next level.
  f = m.Fill(Intent(Side::kBuy, "102", "0.5"), R("0.001"), kUsdt);
  EXPECT_EQ(f.qty, Q("0.5"));
  EXPECT_EQ(f.quote, A("51"));
  EXPECT_EQ(m.Top(kVenue, kInst).asks[0].qty, Q("4.5"));

  // The next book event restores everything.
  m.OnBook(Standard(2));
  top = m.Top(kVenue, kInst);
  ASSERT_EQ(top.ask_count, 3);
  EXPECT_EQ(top.asks[0].px, Px("100"));
  EXPECT_EQ(top.asks[0].qty, Q("1"));
  EXPECT_EQ(top.venue_seq, 2u);
  EXPECT_EQ(top.exchange_time.value, 2);
  f = m.Fill(Intent(Side::kBuy, "101", "4"), R("0.001"), kUsdt);
  EXPECT_EQ(f.qty, Q("3"));
}

TEST(SimulatedMarketTest, SellIsSymmetric) {
  SimulatedMarket m;
  m.OnBook(Standard());
  FillResult f = m.Fill(Intent(Side::kSell, "98", "4"), R("0.001"), kUsdt);
  EXPECT_EQ(f.qty, Q("3"));
  EXPECT_EQ(f.canceled, Q("1"));
  EXPECT_EQ(f.levels, 2);
  EXPECT_EQ(f.quote, A("295"));             // 1 × 99 + 2 × 98
  EXPECT_EQ(f.fee, A("0.295"));             // in quote, as for buys
  EXPECT_EQ(f.avg_px, Px("98.333333333"));  // rounded down for a sell

  f = m.Fill(Intent(Side::kSell, "98", "1"), R("0.001"), kUsdt);
  EXPECT_TRUE(f.qty.is_zero());
  const BookTop top = m.Top(kVenue, kInst);
  ASSERT_EQ(top.bid_count, 1);
  EXPECT_EQ(top.bids[0].px, Px("97"));
  EXPECT_EQ(top.ask_count, 3);

  m.OnBook(Standard(2));
  EXPECT_EQ(m.Top(kVenue, kInst).bids[0].px, Px("99"));
}

TEST(SimulatedMarketTest, ALimitThatCrossesNothingFillsNothing) {
  SimulatedMarket m;
  m.OnBook(Standard());
  FillResult f = m.Fill(Intent(Side::kBuy, "99.99", "1"), R("0.001"), kUsdt);
  EXPECT_TRUE(f.qty.is_zero());
  EXPECT_EQ(f.canceled, Q("1"));
  f = m.Fill(Intent(Side::kSell, "99.01", "1"), R("0.001"), kUsdt);
  EXPECT_TRUE(f.qty.is_zero());
  EXPECT_EQ(f.canceled, Q("1"));
  const BookTop top = m.Top(kVenue, kInst);
  EXPECT_EQ(top.bids[0].qty, Q("1"));
  EXPECT_EQ(top.asks[0].qty, Q("1"));
}

TEST(SimulatedMarketTest, NoBookOrNoQuantityFillsNothing) {
  SimulatedMarket m;
  FillResult f = m.Fill(Intent(Side::kBuy, "1000", "1"), R("0.001"), kUsdt);
  EXPECT_TRUE(f.qty.is_zero());
  EXPECT_EQ(f.canceled, Q("1"));
  EXPECT_FALSE(m.HasBook(kVenue, kInst));
  EXPECT_EQ(m.Top(kVenue, kInst).bid_count, 0);
  m.OnBook(Standard());
  EXPECT_TRUE(m.HasBook(kVenue, kInst));
  f = m.Fill(Intent(Side::kBuy, "1000", "0"), R("0.001"), kUsdt);
  EXPECT_TRUE(f.qty.is_zero());
  EXPECT_TRUE(f.canceled.is_zero());
  // Another instrument's book is not this one.
  OrderIntent other = Intent(Side::kBuy, "1000", "1");
  other.instrument = InstrumentId{1};
  EXPECT_TRUE(m.Fill(other, R("0.001"), kUsdt).qty.is_zero());
  other.venue = VenueId{200};  // out of range: no book, no crash
  EXPECT_TRUE(m.Fill(other, R("0.001"), kUsdt).qty.is_zero());
}

TEST(SimulatedMarketTest, FeesAndQuoteAreExactAndRoundedAgainstTheTaker) {
  SimulatedMarket m;
  // 1.000000001 × 0.00000001 = 0.00000001000000001: between two Amount steps (10^-9).
  m.OnBook(BookEvent({{"1.000000001", "1"}}, {{"1.000000001", "1"}}, 1));
  // (A crossed book cannot come from the reader; the model does not care.)
  FillResult buy = m.Fill(Intent(Side::kBuy, "2", "0.00000001"), R("0.001"), kUsdt);
  EXPECT_EQ(buy.quote.raw(), 11);              // 10.00000001 raw, up
  EXPECT_EQ(buy.fee.raw(), 1);                 // 0.011 raw, up
  EXPECT_EQ(buy.avg_px.raw(), 1'100'000'000);  // 11e-9 / 1e-8, up
  FillResult sell = m.Fill(Intent(Side::kSell, "0.5", "0.00000001"), R("0.001"), kUsdt);
  EXPECT_EQ(sell.quote.raw(), 10);  // down
  EXPECT_EQ(sell.fee.raw(), 1);     // the fee still rounds up
  EXPECT_EQ(sell.avg_px.raw(), 1'000'000'000);

  // Realistic sizes are exact: 30000.01 × 0.12345 + 30000.02 × 0.00005 at 0.26%.
  m.OnBook(BookEvent({}, {{"30000.01", "0.12345"}, {"30000.02", "3"}}, 2));
  buy = m.Fill(Intent(Side::kBuy, "30000.02", "0.1235"), R("0.0026"), kUsdt);
  EXPECT_EQ(buy.qty, Q("0.1235"));
  EXPECT_EQ(buy.quote, A("3705.0012355"));  // 3703.5012345 + 1.500001, no rounding
  EXPECT_EQ(buy.fee, A("9.633003213"));     // 3705.0012355 × 0.0026 = 9.6330032123 → up
  EXPECT_EQ(buy.levels, 2);
}

TEST(SimulatedMarketTest, FillOrKillIsAllOrNothingAndGtcIsRefused) {
  SimulatedMarket m;
  m.OnBook(Standard());
  FillResult f = m.Fill(Intent(Side::kBuy, "101", "3.5", TimeInForce::kFok), R("0.001"), kUsdt);
  EXPECT_TRUE(f.qty.is_zero());
  EXPECT_EQ(f.canceled, Q("3.5"));
  EXPECT_EQ(m.Top(kVenue, kInst).asks[0].qty, Q("1"));  // nothing taken
  f = m.Fill(Intent(Side::kBuy, "101", "3", TimeInForce::kFok), R("0.001"), kUsdt);
  EXPECT_EQ(f.qty, Q("3"));
  EXPECT_TRUE(f.canceled.is_zero());

  f = m.Fill(Intent(Side::kSell, "1", "1", TimeInForce::kGtc), R("0.001"), kUsdt);
  EXPECT_TRUE(f.refused);
  EXPECT_TRUE(f.qty.is_zero());
  EXPECT_EQ(f.canceled, Q("1"));
  EXPECT_EQ(m.Top(kVenue, kInst).bids[0].qty, Q("1"));
}

TEST(SimulatedMarketTest, TopSkipsEmptyLevelsAndClampsDepth) {
  SimulatedMarket m;
  m.OnBook(BookEvent({{"9", "0"}, {"8", "1"}, {"7", "1"}, {"6", "1"}, {"5", "1"}, {"4", "1"}, {"3", "1"}},
                     {{"10", "1"}}, 5));
  BookTop top = m.Top(kVenue, kInst, 2);
  EXPECT_EQ(top.venue, kVenue);
  EXPECT_EQ(top.instrument, kInst);
  ASSERT_EQ(top.bid_count, 2);
  EXPECT_EQ(top.bids[0].px, Px("8"));  // the zero-quantity level is skipped
  EXPECT_EQ(top.bids[1].px, Px("7"));
  EXPECT_EQ(top.ask_count, 1);
  top = m.Top(kVenue, kInst, 100);
  EXPECT_EQ(top.bid_count, kBookTopDepth);
  EXPECT_EQ(top.bids[kBookTopDepth - 1].px, Px("4"));
  EXPECT_EQ(m.Top(kVenue, kInst, 0).bid_count, 0);
  EXPECT_EQ(m.Top(kVenue, kInst, -3).bid_count, 0);
  // A sell walks past the empty level too.
  const FillResult f = m.Fill(Intent(Side::kSell, "8", "5"), R("0"), kUsdt);
  EXPECT_EQ(f.qty, Q("1"));
  EXPECT_EQ(f.levels, 1);
  EXPECT_TRUE(f.fee.is_zero());
}

TEST(SimulatedMarketTest, OnLevelsKeepsAtMostTheEventDepth) {
  SimulatedMarket m;
  std::vector<Level> asks;
  for (int i = 0; i < 80; ++i) asks.push_back(Level{Price::FromUnits(100 + i), Qty::FromUnits(1)});
  m.OnLevels(kVenue, kInst, 9, {}, asks);
  const FillResult f = m.Fill(Intent(Side::kBuy, "1000", "100"), R("0"), kUsdt);
  EXPECT_EQ(f.qty, Qty::FromUnits(kMaxEventLevels));
  EXPECT_EQ(f.levels, kMaxEventLevels);
  EXPECT_EQ(m.Top(kVenue, kInst).ask_count, 0);
}

// Random books and intents, replayed twice from the same seed, give the same fills bit for bit;
// and every fill keeps the model's rules.
TEST(SimulatedMarketTest, DeterministicAndWithinTheRules) {
  constexpr uint64_t seed = 20240601;
  SCOPED_TRACE("seed " + std::to_string(seed));
  auto run = [](std::vector<FillResult>* out) {
    std::mt19937_64 rng(seed);
    SimulatedMarket m;
    for (int step = 0; step < 5000; ++step) {
      const VenueId v{static_cast<uint8_t>(rng() % 3)};
      const InstrumentId i{static_cast<uint16_t>(rng() % 2)};
      if (rng() % 4 == 0) {
        Event e;
        e.kind = Event::Kind::kBook;
        e.t = step;
        e.venue = v;
        e.instrument = i;
        const int64_t mid = 30000'000000000 + static_cast<int64_t>(rng() % 1000) * 10'000000;
        e.bid_count = static_cast<int>(rng() % 11);
        e.ask_count = static_cast<int>(rng() % 11);
        for (int k = 0; k < e.bid_count; ++k)
          e.bids[k] = Level{Price::FromRaw(mid - (k + 1) * 10'000000),
                            Qty::FromRaw(static_cast<int64_t>(rng() % 100000) * 1000)};
        for (int k = 0; k < e.ask_count; ++k)
          e.asks[k] = Level{Price::FromRaw(mid + (k + 1) * 10'000000),
                            Qty::FromRaw(static_cast<int64_t>(rng() % 100000) * 1000)};
        m.OnBook(e);
        continue;
      }
      OrderIntent in;
      in.venue = v;
      in.instrument = i;
      in.side = rng() % 2 ? Side::kBuy : Side::kSell;
      in.limit_px = Price::FromRaw(30000'000000000 + (static_cast<int64_t>(rng() % 1200) - 100) * 10'000000);
      in.qty = Qty::FromRaw(static_cast<int64_t>(rng() % 300000) * 1000);
      const BookTop before = m.Top(v, i);
      const FillResult f = m.Fill(in, R("0.001"), kUsdt);
      EXPECT_EQ(f.qty + f.canceled, in.qty);
      EXPECT_FALSE(f.qty.is_negative());
      if (f.qty.is_positive()) {
        if (in.side == Side::kBuy) {
          EXPECT_LE(f.avg_px, in.limit_px);
          EXPECT_GE(f.avg_px, before.asks[0].px);
        } else {
          EXPECT_GE(f.avg_px, in.limit_px);
          EXPECT_LE(f.avg_px, before.bids[0].px);
        }
        EXPECT_TRUE(f.fee.is_positive());
      }
      out->push_back(f);
    }
  };
  std::vector<FillResult> a, b;
  run(&a);
  run(&b);
  ASSERT_EQ(a.size(), b.size());
  int filled = 0;
  for (size_t k = 0; k < a.size(); ++k) {
    ASSERT_EQ(a[k].qty, b[k].qty);
    ASSERT_EQ(a[k].quote, b[k].quote);
    ASSERT_EQ(a[k].fee, b[k].fee);
    ASSERT_EQ(a[k].avg_px, b[k].avg_px);
    ASSERT_EQ(a[k].canceled, b[k].canceled);
    ASSERT_EQ(a[k].levels, b[k].levels);
    filled += a[k].qty.is_positive();
  }
  EXPECT_GT(filled, 100);  // the stream exercises fills, not only misses
}

}  // namespace
}  // namespace hs::backtest
