#include "core/engine/rebalancer.h"

#include <gtest/gtest.h>

#include <random>

#include "core/base/decimal.h"

namespace hs::engine {
namespace {

Price P(const char* s) { return ParseDecimal<Price>(s).value; }
Qty Q(const char* s) { return ParseDecimal<Qty>(s).value; }
Rate R(const char* s) { return ParseDecimal<Rate>(s).value; }
Amount A(const char* s) { return ParseDecimal<Amount>(s, Sign::kAllowNegative).value; }
Notional N(const char* s) { return ParseDecimal<Notional>(s).value; }

// ---- WalkForCost: exact sizes under the cost limit.

TEST(WalkForCost, TakesWholeLevelsWhileTheAverageFits) {
  const Level asks[3] = {{P("100"), Q("1")}, {P("100.1"), Q("1")}, {P("100.5"), Q("5")}};
  // fee 0, max cost 0.2% around ref 100: every level up to 100.2 may be touched; the average
  // stays within 100.2 for the first two levels (100.05).
  const CostWalk w = WalkForCost(Side::kBuy, asks, 3, Q("2"), P("100"), Rate::Zero(), R("0.002"), Q("0.01"));
  EXPECT_EQ(w.qty, Q("2"));
  EXPECT_EQ(w.limit, P("100.1"));
  EXPECT_EQ(w.quote, A("200.1"));
  EXPECT_EQ(w.cost, R("0.0005"));  // (100.05 − 100) / 100
  EXPECT_FALSE(w.cost_limited);
  EXPECT_FALSE(w.depth_limited);
}

TEST(WalkForCost, StopsAtALevelBeyondTheLimitAndShrinksWithinTheAverage) {
  const Level asks[3] = {{P("100"), Q("1")}, {P("100.1"), Q("1")}, {P("100.5"), Q("5")}};
  CostWalk w = WalkForCost(Side::kBuy, asks, 3, Q("4"), P("100"), Rate::Zero(), R("0.002"), Q("0.01"));
  EXPECT_EQ(w.qty, Q("2")) << "100.5 is beyond 100.2: never touched";
  EXPECT_TRUE(w.cost_limited);
  // Average limit binds inside a level: ref 100, fee 0.1%, max 0.15%: (S × 1.001) <= 100.15 × Q.
  // Level 1 at 100 alone: 100.1 <= 100.15. With q of level 2 at 100.1: (100 + 100.1 q) × 1.001
  // <= 100.15 (1 + q) → q <= (100.15 − 100.1) / (100.2001 − 100.15) = 0.05 / 0.0501 = 0.998...
  w = WalkForCost(Side::kBuy, asks, 3, Q("4"), P("100"), R("0.001"), R("0.0015"), Q("0.01"));
  EXPECT_EQ(w.qty, Q("1.99"));
  EXPECT_EQ(w.limit, P("100.1"));
  EXPECT_TRUE(w.cost_limited);
  EXPECT_LE(w.cost, R("0.0015"));
}

TEST(WalkForCost, SellsWalkBidsDownAndRespectTheFee) {
  const Level bids[2] = {{P("100"), Q("1")}, {P("99.9"), Q("3")}};
  const CostWalk w = WalkForCost(Side::kSell, bids, 2, Q("3"), P("100"), R("0.001"), R("0.002"), Q("0.1"));
  // Net per unit: 100 × 0.999 = 99.9 then 99.9 × 0.999 = 99.8001; the average must stay >= 99.8.
  // (99.9 + 99.8001 q) >= 99.8 (1 + q) → q <= 0.1 / 0.0001 → all 2 more units fit.
  EXPECT_EQ(w.qty, Q("3"));
  EXPECT_EQ(w.limit, P("99.9"));
  EXPECT_EQ(w.quote, A("299.8"));
  EXPECT_FALSE(w.cost_limited);
}

TEST(WalkForCost, FeeAboveTheLimitBuysNothingAndDepthIsReported) {
  const Level asks[1] = {{P("100"), Q("1")}};
  CostWalk w = WalkForCost(Side::kBuy, asks, 1, Q("1"), P("100"), R("0.006"), R("0.0015"), Q("0.01"));
  EXPECT_FALSE(w.qty.is_positive());
  EXPECT_TRUE(w.cost_limited);
  w = WalkForCost(Side::kBuy, asks, 1, Q("5"), P("100"), Rate::Zero(), R("0.01"), Q("0.01"));
  EXPECT_EQ(w.qty, Q("1"));
  EXPECT_TRUE(w.depth_limited);
}

TEST(WalkForCost, ResultIsOnTheLot) {
  const Level asks[2] = {{P("100"), Q("0.015")}, {P("100"), Q("0.0149")}};
  const CostWalk w = WalkForCost(Side::kBuy, asks, 2, Q("1"), P("100"), Rate::Zero(), R("0.01"), Q("0.01"));
  EXPECT_EQ(w.qty, Q("0.02"));
  EXPECT_EQ(w.quote, A("2"));
}

// ---- Plan: a small world of 2 venues, BTC, ETH, USDT (valuation), BTC/USDT and ETH/USDT.

constexpr AssetId kBtc{0}, kEth{1}, kUsdt{2};
constexpr InstrumentId kBtcUsdt{0}, kEthUsdt{1};

struct World {
  EngineParams ep;
  AllocatorParams ap;
  RebalancerParams rp;
  BookCache books;
  Portfolio portfolio;
  std::unique_ptr<ReferencePrice> reference;
  std::unique_ptr<Allocator> allocator;

  World() {
    ep.venues = 2;
    ep.instruments = 2;
    ep.assets = 3;
    ep.valuation_asset = kUsdt;
    ep.instrument[0] = {kBtc, kUsdt, P("0.01"), Q("0.0001"), N("5")};
    ep.instrument[1] = {kEth, kUsdt, P("0.01"), Q("0.001"), N("5")};
    ep.valuation_instrument[0] = kBtcUsdt;
    ep.valuation_instrument[1] = kEthUsdt;
    for (int v = 0; v < 2; ++v) {
      VenueParams& vp = ep.venue[v];
      vp.present = vp.trading = true;
      vp.taker_fee = R("0.001");
      vp.lists[0] = vp.lists[1] = true;
      vp.lot[0] = Q("0.0001");
      vp.lot[1] = Q("0.001");
    }
    ap.assets = 3;
    ap.venues = 2;
    ap.valuation_asset = kUsdt;
    ap.target[0] = {R("0.5"), R("0.02")};
    ap.target[1] = {R("0.2"), R("0.02")};
    ap.target[2] = {R("0.3"), R("0.03")};
    for (int a = 0; a < 3; ++a) ap.venue_share[a] = {R("0.5"), R("0.5")};
    ap.venue_band = R("0.05");
    ap.risky[0] = ap.risky[1] = true;
    rp.interval = Nanos::FromMillis(1000);
    rp.min_trade = N("20");
    rp.max_trade = N("2000");
    rp.max_cost = R("0.0015");
    rp.pace_per_min = N("20000");
    ReferenceParams refp;
    refp.min_venues.fill(1);
    reference = std::make_unique<ReferencePrice>(refp);
    allocator = std::make_unique<Allocator>(ap);
  }
  void Book(int v, InstrumentId i, const char* bid, const char* ask, const char* qty, Nanos t) {
    BookTop top;
    top.venue = VenueId{static_cast<uint8_t>(v)};
    top.instrument = i;
    top.bid_count = top.ask_count = 1;
    top.bids[0] = {P(bid), Q(qty)};
    top.asks[0] = {P(ask), Q(qty)};
    books.OnTop(top, t);
  }
  void Balance(int v, AssetId a, const char* amount) { Balance(v, a, A(amount)); }
  void Balance(int v, AssetId a, Amount amount) {
    BalanceUpdate b;
    b.venue = VenueId{static_cast<uint8_t>(v)};
    b.asset = a;
    b.free = amount;
    b.final_of_snapshot = a == kUsdt;
    portfolio.ApplySnapshot(b);
  }
  void UpdateReferences(Nanos now) {
    for (InstrumentId i : {kBtcUsdt, kEthUsdt}) {
      VenueQuote q[2];
      for (int v = 0; v < 2; ++v) {
        const CachedBook& b = books.at(VenueId{static_cast<uint8_t>(v)}, i);
        q[v] = {b.usable, b.top.bids[0].px, b.top.asks[0].px, b.recv_time};
      }
      reference->Update(i, q, 2, now);
    }
  }
  // Holdings valued at the references (the core's Valuation does this).
  void Evaluate() {
    Holdings h;
    for (int v = 0; v < 2; ++v) {
      const VenueId vid{static_cast<uint8_t>(v)};
      h.value[0][v] = MulPrice(portfolio.free(vid, kBtc), reference->value(kBtcUsdt), Rounding::kFloor);
      h.value[1][v] = MulPrice(portfolio.free(vid, kEth), reference->value(kEthUsdt), Rounding::kFloor);
      h.value[2][v] = portfolio.free(vid, kUsdt);
    }
    allocator->Evaluate(h);
  }
  // BTC/USDT 29999/30001 and ETH/USDT 1999.9/2000.1 on both venues at t.
  void Books(Nanos t, bool update_references = true) {
    for (int v = 0; v < 2; ++v) {
      Book(v, kBtcUsdt, "29999", "30001", "10", t);
      Book(v, kEthUsdt, "1999.9", "2000.1", "100", t);
    }
    if (update_references) UpdateReferences(t);
  }
  // BTC as given on each venue, 5 ETH and 10000 USDT on both.
  void HoldSome(const char* btc0, const char* btc1) {
    Balance(0, kBtc, btc0);
    Balance(1, kBtc, btc1);
    for (int v = 0; v < 2; ++v) {
      Balance(v, kEth, "5");
      Balance(v, kUsdt, "10000");
    }
  }
  RebalanceView View() {
    RebalanceView view;
    view.params = &ep;
    view.allocator = allocator.get();
    view.books = &books;
    view.reference = reference.get();
    view.portfolio = &portfolio;
    view.can_trade[0] = view.can_trade[1] = true;
    return view;
  }
};

TEST(Rebalancer, SellsAnOverweightAssetToTheBandEdgeWhereItIsMostOverItsShare) {
  World w;
  const Nanos t = Nanos::FromSeconds(100);
  w.Books(t);
  // NAV 100000: BTC 60000 (0.6, target 0.5 ± 0.02), ETH 20000 (0.2), USDT 20000 (0.2 < 0.27).
  // BTC sits 1.5 on venue 0 and 0.5 on venue 1: venue 0 is most over its share.
  w.HoldSome("1.5", "0.5");  // 5 ETH and 10000 USDT on each venue
  w.Evaluate();
  ASSERT_FALSE(w.allocator->in_band(kBtc));
  EXPECT_EQ(w.allocator->correction(kBtc), A("-8000"));  // down to 0.52 × 100000
  Rebalancer r(w.rp);
  PlannedOrder out[Rebalancer::kMaxPlanned];
  const int n = r.Plan(w.View(), t, out, Rebalancer::kMaxPlanned);
  ASSERT_EQ(n, 1);
  EXPECT_EQ(out[0].venue, VenueId{0});
  EXPECT_EQ(out[0].instrument, kBtcUsdt);
  EXPECT_EQ(out[0].side, Side::kSell);
  EXPECT_EQ(out[0].qty, Q("0.0666")) << "max_trade 2000 at 30000, on the lot";
  EXPECT_EQ(out[0].limit, P("29999"));
  EXPECT_EQ(out[0].notional, N("1998"));
  EXPECT_EQ(r.pace_budget(), N("18002"));
  EXPECT_FALSE(r.Due(t + Nanos::FromMillis(999)));
  EXPECT_TRUE(r.Due(t + Nanos::FromMillis(1000)));
}

TEST(Rebalancer, WaitsSkipsAndCountsWhy) {
  World w;
  const Nanos t = Nanos::FromSeconds(100);
  w.Books(t);
  w.HoldSome("1", "1");  // 5 ETH and 10000 USDT on each venue
  w.Evaluate();
  PlannedOrder out[Rebalancer::kMaxPlanned];
  // Too costly: a 0.1% fee beyond a 0.05% limit.
  w.rp.max_cost = R("0.0005");
  Rebalancer costly(w.rp);
  EXPECT_EQ(costly.Plan(w.View(), t, out, Rebalancer::kMaxPlanned), 0);
  EXPECT_EQ(costly.counters().skipped_cost, 1u);
  // No venue can trade.
  w.rp.max_cost = R("0.0015");
  Rebalancer closed(w.rp);
  RebalanceView v = w.View();
  v.can_trade[0] = v.can_trade[1] = false;
  EXPECT_EQ(closed.Plan(v, t, out, Rebalancer::kMaxPlanned), 0);
  EXPECT_EQ(closed.counters().skipped_no_venue, 1u);
  // Pace: a budget below min_trade.
  w.rp.pace_per_min = N("10");
  Rebalancer slow(w.rp);
  EXPECT_EQ(slow.Plan(w.View(), t, out, Rebalancer::kMaxPlanned), 0);
  EXPECT_EQ(slow.counters().skipped_pace, 1u);
  // Quorum lost: both BTC books go unusable.
  w.rp.pace_per_min = N("20000");
  VenueStatus st;
  st.usable = false;
  for (int vv = 0; vv < 2; ++vv) {
    st.venue = VenueId{static_cast<uint8_t>(vv)};
    st.instrument = kBtcUsdt;
    w.books.OnStatus(st, 2);
  }
  w.UpdateReferences(t + Nanos::FromMillis(1));
  ASSERT_FALSE(w.reference->valid(kBtcUsdt));
  Rebalancer blind(w.rp);
  EXPECT_EQ(blind.Plan(w.View(), t, out, Rebalancer::kMaxPlanned), 0);
  EXPECT_EQ(blind.counters().skipped_no_reference, 1u);
}

TEST(Rebalancer, PaceBudgetIsSpentAndRefillsOnInputTime) {
  World w;
  const Nanos t = Nanos::FromSeconds(100);
  w.Books(t);
  w.HoldSome("1.5", "0.5");  // 5 ETH and 10000 USDT on each venue
  w.Evaluate();
  Rebalancer r(w.rp);
  PlannedOrder out[Rebalancer::kMaxPlanned];
  ASSERT_EQ(r.Plan(w.View(), t, out, Rebalancer::kMaxPlanned), 1);
  EXPECT_EQ(r.pace_budget(), N("18002"));  // a full minute's 20000 at the start, less 1998
  // 1.5 s of input time refill 500; the same correction spends 1998 again.
  const Nanos t2 = t + Nanos::FromMillis(1500);
  w.Book(0, kBtcUsdt, "29999", "30001", "10", t2);
  ASSERT_EQ(r.Plan(w.View(), t2, out, Rebalancer::kMaxPlanned), 1);
  EXPECT_EQ(r.pace_budget(), N("16504"));
  // A long pause refills to one minute's worth, never more.
  const Nanos t3 = t + Nanos::FromSeconds(600);
  w.Book(0, kBtcUsdt, "29999", "30001", "10", t3);
  w.UpdateReferences(t3);
  ASSERT_EQ(r.Plan(w.View(), t3, out, Rebalancer::kMaxPlanned), 1);
  EXPECT_EQ(r.pace_budget(), N("18002"));
  EXPECT_EQ(r.counters().runs, 3u);
  EXPECT_EQ(r.counters().orders, 3u);
}

TEST(Rebalancer, VenueDriftAloneIsMovedByAPairWithinTheCost) {
  World w;
  const Nanos t = Nanos::FromSeconds(100);
  w.Books(t, /*update_references=*/false);
  w.rp.max_cost = R("0.005");  // the pair costs two fees (0.2%) plus two half-spreads
  w.UpdateReferences(t);
  // BTC at its target weight overall (1.666.. of 100000 → 0.5) but all of it on venue 0.
  w.Balance(0, kBtc, "1.66666666");
  w.Balance(1, kBtc, "0");
  w.Balance(0, kEth, "5");
  w.Balance(1, kEth, "5");
  w.Balance(0, kUsdt, "15000");
  w.Balance(1, kUsdt, "15000");
  w.Evaluate();
  ASSERT_TRUE(w.allocator->in_band(kBtc));
  ASSERT_FALSE(w.allocator->venue_in_band(kBtc, VenueId{0}));
  Rebalancer r(w.rp);
  PlannedOrder out[Rebalancer::kMaxPlanned];
  const int n = r.Plan(w.View(), t, out, Rebalancer::kMaxPlanned);
  ASSERT_EQ(n, 2);
  EXPECT_EQ(out[0].side, Side::kSell);
  EXPECT_EQ(out[0].venue, VenueId{0});
  EXPECT_TRUE(out[0].paired_with_next);
  EXPECT_EQ(out[1].side, Side::kBuy);
  EXPECT_EQ(out[1].venue, VenueId{1});
  EXPECT_EQ(out[0].qty, out[1].qty);
  EXPECT_LE(out[0].cost + out[1].cost, w.rp.max_cost);
}

// Property (issue): on random portfolios, books and targets, no rebalance order increases the
// absolute drift of the asset it trades, and none leaves it on the other side of its target by
// more than its band. Each order is applied as the book would fill it (the walked levels, the
// taker fee) and the weights are recomputed exactly.
TEST(RebalancerProperty, OrdersNeverIncreaseDriftNorOvershootByMoreThanTheBand) {
  std::mt19937_64 rng(20261202);
  auto uni = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  int orders_checked = 0;
  const int kCases = 100'000;
  World w;  // one world, every case overwrites what it uses (constructing one per case costs more than the test)
  for (int c = 0; c < kCases; ++c) {
    // Targets: BTC and ETH weights with bands, USDT the rest.
    const int64_t wb = uni(5, 60), we = uni(0, 90 - wb);
    w.ap.target[0] = {Rate::FromRaw(wb * 1'000'000), Rate::FromRaw(uni(0, std::min<int64_t>(wb, 5)) * 1'000'000)};
    w.ap.target[1] = {Rate::FromRaw(we * 1'000'000), Rate::FromRaw(uni(0, std::min<int64_t>(we, 5)) * 1'000'000)};
    w.ap.target[2] = {Rate::FromRaw((100 - wb - we) * 1'000'000), Rate::FromRaw(3'000'000)};
    w.ap.trade_to_target = uni(0, 1) == 1;
    w.allocator = std::make_unique<Allocator>(w.ap);
    w.rp.max_cost = Rate::FromRaw(uni(10, 100) * 10'000);  // 10..100 bps
    w.rp.max_trade = Notional::FromUnits(uni(100, 50'000));
    w.rp.min_trade = Notional::FromUnits(uni(1, 50));
    const Nanos t = Nanos::FromSeconds(1000);
    const int64_t btc = uni(20'000, 40'000), eth = uni(1'000, 3'000);
    for (int v = 0; v < 2; ++v) {
      for (int i = 0; i < 2; ++i) {
        const int64_t mid = (i == 0 ? btc : eth) * 100;  // cents
        BookTop top;
        top.venue = VenueId{static_cast<uint8_t>(v)};
        top.instrument = InstrumentId{static_cast<uint16_t>(i)};
        top.bid_count = top.ask_count = kBookTopDepth;
        int64_t bid = mid - uni(1, 50), ask = mid + uni(1, 50);
        for (int k = 0; k < kBookTopDepth; ++k) {
          top.bids[k] = {Price::FromRaw(bid * 10'000'000), Qty::FromRaw(uni(1, 300) * 1'000'000)};
          top.asks[k] = {Price::FromRaw(ask * 10'000'000), Qty::FromRaw(uni(1, 300) * 1'000'000)};
          bid -= uni(1, 200);
          ask += uni(1, 200);
        }
        w.books.OnTop(top, t);
      }
    }
    w.UpdateReferences(t);
    for (int v = 0; v < 2; ++v) {
      w.Balance(v, kBtc, Amount::FromRaw(uni(0, 300) * 10'000'000));   // 0..3 BTC in 0.01
      w.Balance(v, kEth, Amount::FromRaw(uni(0, 3000) * 10'000'000));  // 0..30 ETH
      w.Balance(v, kUsdt, Amount::FromUnits(uni(0, 200'000)));
    }
    w.Evaluate();
    if (!w.allocator->nav_positive()) continue;
    Rebalancer r(w.rp);
    PlannedOrder out[Rebalancer::kMaxPlanned];
    const int n = r.Plan(w.View(), t, out, Rebalancer::kMaxPlanned);
    for (int k = 0; k < n; ++k) {
      const PlannedOrder& o = out[k];
      if (o.paired_with_next || (k > 0 && out[k - 1].paired_with_next)) continue;  // venue moves: asset weight unchanged
      const AssetId a{o.instrument.value};  // BTC/USDT values BTC, ETH/USDT values ETH
      const Rate before = w.allocator->drift(a);
      // Fill it as the book would: the walk at the order's size.
      const BookTop& top = w.books.at(o.venue, o.instrument).top;
      const Price ref = w.reference->value(o.instrument);
      const Rate fee = w.ep.venue[o.venue.value].taker_fee;
      const CostWalk fill = o.side == Side::kBuy
                                ? WalkForCost(o.side, top.asks, top.ask_count, o.qty, ref, fee, w.rp.max_cost, Q("0.00000001"))
                                : WalkForCost(o.side, top.bids, top.bid_count, o.qty, ref, fee, w.rp.max_cost, Q("0.00000001"));
      ASSERT_EQ(fill.qty, o.qty) << "case " << c;
      const Amount fee_amount = AmountFromNotional(MulRate(NotionalFromAmount(fill.quote), fee, Rounding::kCeil));
      const Portfolio saved = w.portfolio;  // each order is judged alone, from the planned state
      BalanceUpdate b;
      b.venue = o.venue;
      const Amount base_now = w.portfolio.free(o.venue, a);
      const Amount quote_now = w.portfolio.free(o.venue, kUsdt);
      b.asset = a;
      b.free = o.side == Side::kBuy ? base_now + AmountFromQty(o.qty) : base_now - AmountFromQty(o.qty);
      w.portfolio.ApplySnapshot(b);
      b.asset = kUsdt;
      b.free = o.side == Side::kBuy ? quote_now - fill.quote - fee_amount : quote_now + fill.quote - fee_amount;
      w.portfolio.ApplySnapshot(b);
      w.Evaluate();
      const Rate after = w.allocator->drift(a);
      const Rate abs_before = before.is_negative() ? -before : before;
      const Rate abs_after = after.is_negative() ? -after : after;
      EXPECT_LE(abs_after, abs_before) << "case " << c << " order " << k;
      if ((before.is_negative() && after.is_positive()) || (before.is_positive() && after.is_negative())) {
        EXPECT_LE(abs_after, w.ap.target[a.value].band) << "case " << c << ": crossed the target by more than the band";
      }
      w.portfolio = saved;
      w.Evaluate();
      ++orders_checked;
      if (HasFailure()) return;
    }
  }
  EXPECT_GT(orders_checked, kCases / 4) << "the property must see many orders";
}

}  // namespace
}  // namespace hs::engine
