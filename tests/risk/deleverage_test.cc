// Forced deleveraging (risk/deleverage.h) against a real margin::MarginBook: when it starts and
// stops (hysteresis), which position it reduces, how it prices and sizes each order, the
// notional-per-second bucket over simulated time, and one order in flight per position.
//
// The book: venue 0 isolated 10× and venue 1 cross (both Bybit rule), venue 2 spot; BTC-PERP
// and ETH-PERP with one maintenance tier of MMR 0.5%. A 10× isolated long entered at 60000 has
// LP = 60000 × (1 − 1/10 + 0.005) = 54300 (ORDERS.md §6.1), whatever its size.
#include "risk/deleverage.h"

#include <gtest/gtest.h>

#include <array>

#include "risk/pre_trade.h"

namespace hs::risk {
namespace {

__extension__ typedef __int128 I128;

constexpr AssetId kBtc{0};
constexpr AssetId kUsdt{1};
constexpr AssetId kEth{2};
constexpr InstrumentId kBtcPerp{0};
constexpr InstrumentId kEthPerp{1};
constexpr VenueId kIsolated{0};
constexpr VenueId kCross{1};
constexpr VenueId kSpot{2};
constexpr int64_t kOneBtc = 100'000'000;  // Qty raw

Price Px(int64_t units_tenths) { return Price::FromRaw(units_tenths * 100'000'000); }  // in 0.1 steps

class DeleverageTest : public ::testing::Test {
 public:  // the scenario helpers below set up the book through it
  DeleverageTest() {
    margin::Tiers tiers;
    tiers.tier[0] = margin::Tier{Notional::FromUnits(10'000'000), Rate::FromRaw(500'000), Rate::FromRaw(1'000'000),
                                 Amount::Zero()};
    tiers.count = 1;
    margin::VenueParams venues[3];
    venues[0] = margin::VenueParams{true, margin::Rule::kBybit, MarginMode::kIsolated, Rate::FromUnits(10), Rate{}, kUsdt};
    venues[1] = margin::VenueParams{true, margin::Rule::kBybit, MarginMode::kCross, Rate::FromUnits(10), Rate{}, kUsdt};
    venues[2] = margin::VenueParams{};
    margin::InstrumentParams instruments[2];
    instruments[0] = margin::InstrumentParams{true, kBtc, kUsdt, tiers};
    instruments[1] = margin::InstrumentParams{true, kEth, kUsdt, tiers};
    book.Configure(venues, 3, instruments, 2, Rate::FromRaw(100'000));

    limits.enabled = true;
    limits.min_distance = Rate::FromRaw(6'000'000);     // 0.06
    limits.reduce_distance = Rate::FromRaw(5'000'000);  // 0.05
    limits.delever_distance = Rate::FromRaw(3'000'000); // 0.03
    limits.max_delever_notional_per_s = Notional::FromUnits(10'000);
    inst[0] = DeleverInstrument{Price::FromRaw(100'000'000), Qty::FromRaw(100'000), Notional::FromUnits(5)};  // tick 0.1, lot 0.001
    inst[1] = DeleverInstrument{Price::FromRaw(10'000'000), Qty::FromRaw(1'000'000), Notional::FromUnits(5)};  // tick 0.01, lot 0.01
    reference[0] = Price::FromUnits(60000);
    reference[1] = Price::FromUnits(3000);
    valid.fill(true);
    Configure();
  }

  void Configure(const Notional* caps = nullptr) { d.Configure(limits, collar, inst.data(), 2, 3, caps); }

  void Mark(VenueId v, InstrumentId i, Price px) {
    MarkUpdate m;
    m.venue = v;
    m.instrument = i;
    m.fields = MarkUpdate::kMark;
    m.mark_px = px;
    book.ApplyMark(m);
  }
  // As the core does: the position moves, and the realized PnL reaches the wallet.
  void Fill(VenueId v, InstrumentId i, Side side, int64_t qty_raw, Price px) {
    const margin::FillResult r = book.ApplyFill(v, i, side, Qty::FromRaw(qty_raw), px, Amount::Zero());
    book.SetWallet(v, book.wallet(v) + r.realized);
  }

  int Plan(int max = 8) { return d.Plan(book, reference.data(), valid.data(), now, out.data(), max); }
  // The core's part: send each planned order, and let it fill completely at its limit.
  void SendAndFill(int n) {
    for (int k = 0; k < n; ++k) {
      d.OnSent(out[k], now);
      Fill(out[k].venue, out[k].instrument, out[k].side, out[k].qty.raw(), out[k].limit_px);
      d.OnDone(out[k].venue, out[k].instrument);
    }
  }

  margin::MarginBook book;
  LiquidationLimits limits;
  Rate collar = Rate::FromRaw(1'000'000);  // 1%
  std::array<DeleverInstrument, 2> inst{};
  std::array<Price, kMaxInstruments> reference{};
  std::array<bool, kMaxInstruments> valid{};
  std::array<OrderIntent, 8> out{};
  Nanos now = Nanos::FromSeconds(1'800'000'000);
  Deleverager d;
};

// An isolated 10× long of `qty_raw` from 60000 (LP 54300) with the mark at `mark_tenths` / 10.
void LongAt60000(DeleverageTest& t, int64_t qty_raw, int64_t mark_tenths) {
  t.Fill(kIsolated, kBtcPerp, Side::kBuy, qty_raw, Price::FromUnits(60000));
  t.Mark(kIsolated, kBtcPerp, Px(mark_tenths));
}

// ---- when

TEST_F(DeleverageTest, StartsBelowDeleverAndKeepsGoingUntilAboveReduce) {
  LongAt60000(*this, 10 * kOneBtc, 560'000);  // (56000 − 54300) / 56000 ≈ 0.0304: above 0.03
  EXPECT_EQ(Plan(), 0);
  EXPECT_FALSE(d.active(kIsolated));
  Mark(kIsolated, kBtcPerp, Px(559'000));  // 1600 / 55900 ≈ 0.0286: below
  EXPECT_EQ(Plan(), 1);
  EXPECT_TRUE(d.active(kIsolated));
  now = now + Nanos::FromSeconds(1);
  Mark(kIsolated, kBtcPerp, Px(565'000));  // 2200 / 56500 ≈ 0.039: above delever, below reduce
  EXPECT_EQ(Plan(), 1);                    // (the first order never went out: nothing in flight)
  EXPECT_TRUE(d.active(kIsolated));
  Mark(kIsolated, kBtcPerp, Px(575'000));  // 3200 / 57500 ≈ 0.056: back above reduce
  EXPECT_EQ(Plan(), 0);
  EXPECT_FALSE(d.active(kIsolated));
  Mark(kIsolated, kBtcPerp, Px(565'000));  // 0.039 again: not below delever, so it stays off
  EXPECT_EQ(Plan(), 0);
  EXPECT_FALSE(d.active(kIsolated));
}

TEST_F(DeleverageTest, NothingWhenDisabled) {
  LongAt60000(*this, kOneBtc, 559'000);
  limits.enabled = false;
  Configure();
  EXPECT_EQ(Plan(), 0);
  EXPECT_FALSE(d.active(kIsolated));
}

TEST_F(DeleverageTest, StopsWhenFlat) {
  LongAt60000(*this, 5'000'000, 559'000);  // 0.05 BTC: worth ~2800, inside one bucket
  reference[0] = Price::FromUnits(55900);
  ASSERT_EQ(Plan(), 1);
  EXPECT_EQ(out[0].qty.raw(), 5'000'000);  // closed whole
  SendAndFill(1);
  EXPECT_TRUE(book.position(kIsolated, kBtcPerp).size.is_zero());
  now = now + Nanos::FromSeconds(5);
  EXPECT_EQ(Plan(), 0);
  EXPECT_FALSE(d.active(kIsolated));
  EXPECT_EQ(d.orders(), 1u);
}

// ---- how each order looks

TEST_F(DeleverageTest, OrderIsReduceOnlyIocPricedInsideTheCollarAndSnappedTowardTheReference) {
  LongAt60000(*this, 10 * kOneBtc, 559'000);
  reference[0] = Price::FromRaw(55'900'300'000'000);  // 55900.3
  ASSERT_EQ(Plan(), 1);
  const OrderIntent& o = out[0];
  EXPECT_EQ(o.venue, kIsolated);
  EXPECT_EQ(o.instrument, kBtcPerp);
  EXPECT_EQ(o.side, Side::kSell);
  EXPECT_EQ(o.tif, TimeInForce::kIoc);
  EXPECT_EQ(o.purpose, OrderPurpose::kDeleverage);
  EXPECT_TRUE(o.reduce_only);
  // 55900.3 × 0.995 = 55620.7985, up to the 0.1 tick: 55620.8.
  EXPECT_EQ(o.limit_px, Px(556'208));
  // The first bucket is full: 10000 / 55620.8 = 0.17978… BTC, down to the 0.001 lot.
  EXPECT_EQ(o.qty, Qty::FromRaw(17'900'000));

  // It passes a gate with the same collar and the liquidation check on.
  Limits lim;
  lim.venues = 3;
  lim.instruments = 2;
  lim.assets = 3;
  lim.max_order_notional = Notional::FromUnits(100'000);
  lim.collar = collar;
  lim.instrument[0] = InstrumentLimits{kBtc, kUsdt, Qty{}, Notional{}, Notional::FromUnits(5)};
  lim.venue[0].allowed.fill(true);
  lim.liquidation = limits;
  TradingStates states;
  states.RaiseVenue(kIsolated, TradingState::kReducing);
  RiskContext ctx;
  ctx.now = now;
  ctx.states = &states;
  ctx.reference = reference.data();
  ctx.reference_valid = valid.data();
  ctx.margin = &book;
  EXPECT_TRUE(PreTradeGate(lim).Check(o, ctx).ok()) << Describe(PreTradeGate(lim).Check(o, ctx));
}

TEST_F(DeleverageTest, ShortIsBoughtBackAtTheUpperHalfCollarSnappedDown) {
  // A 10× short from 60000 has LP 65700; mark 64000 is 1700/64000 ≈ 0.0266 away.
  Fill(kIsolated, kBtcPerp, Side::kSell, 10 * kOneBtc, Price::FromUnits(60000));
  Mark(kIsolated, kBtcPerp, Price::FromUnits(64000));
  reference[0] = Price::FromRaw(55'900'300'000'000);  // 55900.3 (a reference far from the mark is the oracle's business)
  ASSERT_EQ(Plan(), 1);
  EXPECT_EQ(out[0].side, Side::kBuy);
  // 55900.3 × 1.005 = 56179.8015, down to the tick: 56179.8.
  EXPECT_EQ(out[0].limit_px, Px(561'798));
  const I128 expected_qty = I128{10'000} * 1'000'000'000 * kOneBtc / out[0].limit_px.raw() / 100'000 * 100'000;
  EXPECT_EQ(out[0].qty.raw(), static_cast<int64_t>(expected_qty));
}

TEST_F(DeleverageTest, NoOrderWithoutAValidReference) {
  LongAt60000(*this, kOneBtc, 559'000);
  valid[0] = false;
  EXPECT_EQ(Plan(), 0);
  EXPECT_TRUE(d.active(kIsolated));  // deleveraging, but nothing to price the order with
  valid[0] = true;
  reference[0] = Price::Zero();
  EXPECT_EQ(Plan(), 0);
  EXPECT_EQ(d.Plan(book, nullptr, nullptr, now, out.data(), 8), 0);
  reference[0] = Price::FromUnits(55900);
  EXPECT_EQ(Plan(), 1);
}

TEST_F(DeleverageTest, OrderNeverExceedsTheGatePerOrderCap) {
  LongAt60000(*this, 10 * kOneBtc, 559'000);
  reference[0] = Price::FromUnits(55900);  // sell at 55620.5
  std::array<Notional, 2> caps{Notional::FromUnits(3000), Notional{}};
  Configure(caps.data());
  ASSERT_EQ(Plan(), 1);
  EXPECT_LE(MulNotional(out[0].limit_px, out[0].qty, Rounding::kCeil), caps[0]);
  EXPECT_EQ(out[0].qty, FloorToLot(QtyForNotional(caps[0], out[0].limit_px, Rounding::kFloor), inst[0].lot));
}

// ---- how much, how fast

TEST_F(DeleverageTest, BucketBoundsTheNotionalPerSecondOverSimulatedTime) {
  LongAt60000(*this, 10 * kOneBtc, 559'000);  // ~559000 of position: far more than 5 s can move
  reference[0] = Price::FromUnits(55900);
  const Notional per_s = limits.max_delever_notional_per_s;
  const Nanos start = now;
  I128 sent = 0;
  int orders = 0;
  for (int tick = 0; tick <= 500; ++tick) {  // a timer every 10 ms for 5 s
    now = start + Nanos::FromMillis(10 * tick);
    const int n = Plan();
    for (int k = 0; k < n; ++k) sent += MulNotional(out[k].limit_px, out[k].qty, Rounding::kCeil).raw();
    orders += n;
    SendAndFill(n);
    // Never more than a full bucket plus what the elapsed time earned.
    const I128 allowed = static_cast<I128>(per_s.raw()) + static_cast<I128>(per_s.raw()) * (now - start).value / 1'000'000'000;
    ASSERT_LE(sent, allowed) << "at tick " << tick;
  }
  // And the budget is used: at most one order's worth (under the minimum plus a lot) is left idle.
  const I128 earned = static_cast<I128>(per_s.raw()) * 6;  // full bucket + 5 s
  EXPECT_GE(sent, earned - Notional::FromUnits(100).raw());
  EXPECT_GT(orders, 5);
  EXPECT_EQ(d.orders(), static_cast<uint64_t>(orders));
  EXPECT_EQ(static_cast<I128>(d.notional().raw()), sent);
  EXPECT_TRUE(book.position(kIsolated, kBtcPerp).size.is_positive());
}

TEST_F(DeleverageTest, RemainderBelowTheMinimumIsClosedWholeWhenTheBudgetAllows) {
  // 0.18 BTC: the first bucket (10000 at 55620.5) takes 0.179 and leaves 0.001, worth ~55.6,
  // under a minimum of 100.
  inst[0].min_notional = Notional::FromUnits(100);
  Configure();
  LongAt60000(*this, 18'000'000, 559'000);
  reference[0] = Price::FromUnits(55900);
  ASSERT_EQ(Plan(), 1);
  EXPECT_EQ(out[0].qty.raw(), 17'900'000);
  SendAndFill(1);
  EXPECT_EQ(Plan(), 0);  // ~44 left in the bucket: not yet enough for the remainder
  now = now + Nanos::FromMillis(10);  // +100
  ASSERT_EQ(Plan(), 1);
  EXPECT_EQ(out[0].qty.raw(), 100'000);  // the whole remainder, under the minimum
  SendAndFill(1);
  EXPECT_TRUE(book.position(kIsolated, kBtcPerp).size.is_zero());
}

TEST_F(DeleverageTest, OneOrderInFlightPerVenueInstrument) {
  LongAt60000(*this, 10 * kOneBtc, 559'000);
  reference[0] = Price::FromUnits(55900);
  ASSERT_EQ(Plan(), 1);
  d.OnSent(out[0], now);
  now = now + Nanos::FromSeconds(10);  // a full bucket again
  EXPECT_EQ(Plan(), 0);
  d.OnDone(kIsolated, kBtcPerp);
  EXPECT_EQ(Plan(), 1);
}

// ---- which position

// On the cross venue, 2 BTC (120000) and 30 ETH (90000) long at their entries and marks: MM
// 600 + 450 = 1050 of an equity of 1060, 1 − 1050/1060 ≈ 0.009 from liquidation. The collar is
// narrowed to 0.2% so that selling 0.1% under the mark does not itself eat the equity left.
void CrossAccountInDanger(DeleverageTest& t) {
  t.collar = Rate::FromRaw(200'000);
  t.Configure();
  t.book.SetWallet(kCross, Amount::FromUnits(1060));
  t.Fill(kCross, kBtcPerp, Side::kBuy, 2 * kOneBtc, Price::FromUnits(60000));
  t.Fill(kCross, kEthPerp, Side::kBuy, 30 * kOneBtc, Price::FromUnits(3000));
  t.Mark(kCross, kBtcPerp, Price::FromUnits(60000));
  t.Mark(kCross, kEthPerp, Price::FromUnits(3000));
  ASSERT_LT(t.book.VenueDistance(kCross), t.limits.delever_distance);
}

TEST_F(DeleverageTest, CrossVenueReducesTheLargestNotionalFirst) {
  limits.max_delever_notional_per_s = Notional::FromUnits(200'000);
  Configure();
  CrossAccountInDanger(*this);
  EXPECT_EQ(Plan(1), 1);  // room for one: the larger
  EXPECT_EQ(out[0].instrument, kBtcPerp);
  ASSERT_EQ(Plan(), 2);
  EXPECT_EQ(out[0].instrument, kBtcPerp);
  EXPECT_EQ(out[0].qty.raw(), 2 * kOneBtc);  // 2 × 59940 fits the 200000 bucket: closed whole
  EXPECT_EQ(out[1].instrument, kEthPerp);    // the rest of the bucket
  EXPECT_EQ(out[1].side, Side::kSell);
  const Notional left = limits.max_delever_notional_per_s - MulNotional(out[0].limit_px, out[0].qty, Rounding::kCeil);
  EXPECT_LE(MulNotional(out[1].limit_px, out[1].qty, Rounding::kCeil), left);
  EXPECT_LT(out[1].qty.raw(), 30 * kOneBtc);
  // Either fill takes the account back above reduce_distance: it stops.
  SendAndFill(1);
  EXPECT_GE(book.VenueDistance(kCross), limits.reduce_distance);
  EXPECT_EQ(Plan(), 0);
  EXPECT_FALSE(d.active(kCross));
}

TEST_F(DeleverageTest, IsolatedVenueReducesOnlyThePositionsInDanger) {
  // ETH is the larger position (50 × 3000) but safe at its entry (0.095); BTC is in danger.
  Fill(kIsolated, kEthPerp, Side::kBuy, 50 * kOneBtc, Price::FromUnits(3000));
  Mark(kIsolated, kEthPerp, Price::FromUnits(3000));
  LongAt60000(*this, kOneBtc, 559'000);
  reference[0] = Price::FromUnits(55900);
  ASSERT_EQ(Plan(), 1);
  EXPECT_EQ(out[0].instrument, kBtcPerp);
  // Venues are independent: the cross venue, flat, and the spot venue never deleverage.
  EXPECT_FALSE(d.active(kCross));
  EXPECT_FALSE(d.active(kSpot));
}

TEST_F(DeleverageTest, LargestWaitsForTheBucketRatherThanSmallerOnesDrainingIt) {
  inst[0].min_notional = Notional::FromUnits(5000);  // BTC's minimum; ETH's stays 5
  Configure();
  CrossAccountInDanger(*this);
  // 10000 of 119400: a part of BTC (the ~50 left over would buy a little ETH; room for one only).
  ASSERT_EQ(Plan(1), 1);
  EXPECT_EQ(out[0].instrument, kBtcPerp);
  d.OnSent(out[0], now);
  d.OnDone(kCross, kBtcPerp);  // the IOC expired unfilled: the bucket is spent all the same
  now = now + Nanos::FromMillis(300);  // ~3000 earned: under BTC's minimum, enough for some ETH
  EXPECT_EQ(Plan(), 0);
  now = now + Nanos::FromMillis(300);  // ~6000: BTC first again (ETH may have what it leaves)
  ASSERT_GE(Plan(), 1);
  EXPECT_EQ(out[0].instrument, kBtcPerp);
  EXPECT_GE(MulNotional(out[0].limit_px, out[0].qty, Rounding::kFloor), inst[0].min_notional);
}

}  // namespace
}  // namespace hs::risk
