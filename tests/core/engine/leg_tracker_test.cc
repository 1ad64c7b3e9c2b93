#include "core/engine/leg_tracker.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/base/decimal.h"

namespace hs::engine {
namespace {

Price P(const char* s) { return ParseDecimal<Price>(s).value; }
Qty Q(const char* s) { return ParseDecimal<Qty>(s).value; }
Amount A(const char* s) { return ParseDecimal<Amount>(s).value; }
Rate R(const char* s) { return ParseDecimal<Rate>(s).value; }

constexpr InstrumentId kBtc{0};
constexpr AssetId kBtcAsset{0};
constexpr AssetId kUsdt{1};
constexpr VenueId V(int v) { return VenueId{static_cast<uint8_t>(v)}; }
const Nanos kT0 = Nanos::FromSeconds(1'700'000'000);
Nanos Ms(int64_t ms) { return kT0 + Nanos::FromMillis(ms); }

// Three venues trading BTC/USDT (tick 0.01, lot 0.00001, min notional 5), the reference at
// 30000 (two venues at mid 30000, one a little lower), every venue funded and tradable.
class LegTrackerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    params_.venues = 3;
    params_.instruments = 1;
    params_.assets = 2;
    params_.instrument[0] = InstrumentParams{kBtcAsset, kUsdt, P("0.01"), Q("0.00001"), Notional::FromUnits(5)};
    for (int v = 0; v < 3; ++v) {
      params_.venue[v].present = true;
      params_.venue[v].trading = true;
      params_.venue[v].taker_fee = R("0.001");
      params_.venue[v].lists[0] = true;
      params_.venue[v].lot[0] = Q("0.00001");
    }
    legs_.hedge_slippage = R("0.001");  // 10 bps: sells no lower than 29970, buys no higher than 30030
    legs_.hedge_attempts = 2;
    legs_.hedge_timeout = Nanos::FromMillis(1000);
    legs_.unwind_slippage = R("0.005");  // 50 bps: 29850 / 30150
    legs_.unwind_attempts = 2;
    ReferenceParams rp;
    rp.min_venues.fill(1);
    ref_.emplace(rp);
    Book(0, "29999", "30001");
    Book(1, "29999", "30001");
    Book(2, "29980", "29990");
    for (int v = 0; v < 3; ++v) {
      Fund(v, "BTC", "1");
      Fund(v, "USDT", "100000", true);
      view_.can_trade[v] = true;
    }
    UpdateReference();
    view_.params = &params_;
    view_.books = &books_;
    view_.reference = &*ref_;
    view_.portfolio = &portfolio_;
  }
  void Book(int v, const char* bid, const char* ask, int64_t ms = 0) {
    BookTop t;
    t.venue = V(v);
    t.instrument = kBtc;
    t.bid_count = t.ask_count = 1;
    t.bids[0] = {P(bid), Q("10")};
    t.asks[0] = {P(ask), Q("10")};
    books_.OnTop(t, Ms(ms));
  }
  void Fund(int v, const char* asset, const char* amount, bool last = false) {
    BalanceUpdate b;
    b.venue = V(v);
    b.asset = std::string(asset) == "BTC" ? kBtcAsset : kUsdt;
    b.free = A(amount);
    b.final_of_snapshot = last;
    portfolio_.ApplySnapshot(b);
  }
  void UpdateReference() {
    VenueQuote q[3];
    for (int v = 0; v < 3; ++v) {
      const CachedBook& b = books_.at(V(v), kBtc);
      q[v] = VenueQuote{true, b.top.bids[0].px, b.top.asks[0].px, b.recv_time};
    }
    ref_->Update(kBtc, q, 3, Ms(0));
  }
  std::vector<RepairOrder> Plan(LegTracker& t, int64_t ms) {
    std::vector<RepairOrder> out(LegTracker::kMaxRepairs);
    out.resize(static_cast<size_t>(t.Plan(view_, Ms(ms), out.data(), LegTracker::kMaxRepairs)));
    return out;
  }
  // Sends o as client id `id`, which then ends having filled `filled`.
  void SendAndEnd(LegTracker& t, const RepairOrder& o, uint64_t id, const char* filled) {
    t.OnSent(o, ClientOrderId{id});
    EXPECT_TRUE(t.IsRepairOrder(ClientOrderId{id}));
    t.OnRepairDone(ClientOrderId{id}, Q(filled));
    EXPECT_FALSE(t.IsRepairOrder(ClientOrderId{id}));
  }

  EngineParams params_;
  LegRiskParams legs_;
  BookCache books_;
  std::optional<ReferencePrice> ref_;
  Portfolio portfolio_;
  RepairView view_;
};

TEST_F(LegTrackerTest, BalancedGroupsOpenNothing) {
  LegTracker t(legs_);
  t.OnGroupEnded(kBtc, V(0), V(1), Q("0.1"), Q("0.1"), Ms(0));
  t.OnGroupEnded(kBtc, V(0), V(1), Q("0"), Q("0"), Ms(0));
  EXPECT_EQ(t.counters().groups_ended, 2u);
  EXPECT_EQ(t.counters().balanced, 2u);
  EXPECT_EQ(t.open(), 0);
  EXPECT_TRUE(t.idle());
  EXPECT_TRUE(Plan(t, 0).empty());
}

TEST_F(LegTrackerTest, ABoughtExcessIsSoldOnTheBestBidWithinTheSlippage) {
  LegTracker t(legs_);
  t.OnGroupEnded(kBtc, V(2), V(0), Q("0.1"), Q("0"), Ms(0));  // bought on 2, the sell on 0 missed
  EXPECT_EQ(t.open(), 1);
  EXPECT_EQ(t.ResidualNotional(*ref_), Notional::FromUnits(3000));
  const std::vector<RepairOrder> o = Plan(t, 0);
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].purpose, OrderPurpose::kHedge);
  EXPECT_EQ(o[0].side, Side::kSell);
  EXPECT_EQ(o[0].qty, Q("0.1"));
  EXPECT_EQ(o[0].venue, V(0)) << "29999 on venues 0 and 1 beats 29980 on 2; the first wins a tie";
  EXPECT_EQ(o[0].limit, P("29970")) << "reference 30000 less 10 bps";
  EXPECT_EQ(Plan(t, 1).size(), 1u) << "planned again until sent";
  t.OnSent(o[0], ClientOrderId{500});
  EXPECT_TRUE(Plan(t, 2).empty()) << "not while its order is in flight";
  t.OnRepairDone(ClientOrderId{500}, Q("0.1"));
  EXPECT_EQ(t.open(), 0);
  EXPECT_EQ(t.counters().hedged, 1u);
  EXPECT_EQ(t.counters().hedge_orders, 1u);
}

TEST_F(LegTrackerTest, ASoldExcessIsBoughtBackOnTheBestAsk) {
  LegTracker t(legs_);
  t.OnGroupEnded(kBtc, V(0), V(1), Q("0"), Q("0.2"), Ms(0));  // sold on 1, the buy on 0 missed
  const std::vector<RepairOrder> o = Plan(t, 0);
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].side, Side::kBuy);
  EXPECT_EQ(o[0].venue, V(2)) << "the lowest ask (29990)";
  EXPECT_EQ(o[0].limit, P("30030"));
  EXPECT_EQ(o[0].qty, Q("0.2"));
  // A partial fill leaves the rest for the next attempt.
  t.OnSent(o[0], ClientOrderId{7});
  t.OnRepairDone(ClientOrderId{7}, Q("0.15"));
  EXPECT_EQ(t.open(), 1);
  const std::vector<RepairOrder> again = Plan(t, 10);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].qty, Q("0.05"));
}

TEST_F(LegTrackerTest, HedgeAttemptsRunOutThenTheFilledSideIsUnwoundThenItIsStuck) {
  LegTracker t(legs_);
  t.OnGroupEnded(kBtc, V(2), V(0), Q("0.1"), Q("0"), Ms(0));
  uint64_t id = 100;
  for (int k = 0; k < 2; ++k) {
    const std::vector<RepairOrder> o = Plan(t, 10 * k);
    ASSERT_EQ(o.size(), 1u);
    EXPECT_EQ(o[0].purpose, OrderPurpose::kHedge);
    SendAndEnd(t, o[0], ++id, "0");  // expired with nothing filled
  }
  std::vector<RepairOrder> o = Plan(t, 30);
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].purpose, OrderPurpose::kUnwind);
  EXPECT_EQ(o[0].venue, V(2)) << "where the excess was bought";
  EXPECT_EQ(o[0].limit, P("29850"));
  SendAndEnd(t, o[0], ++id, "0.04");
  o = Plan(t, 40);
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].qty, Q("0.06"));
  SendAndEnd(t, o[0], ++id, "0");
  EXPECT_TRUE(Plan(t, 50).empty());
  EXPECT_EQ(t.counters().stuck, 1u);
  EXPECT_EQ(t.open(), 1) << "a stuck residual stays open, for the breaker to see";
  EXPECT_EQ(t.OldestResidualAge(Ms(5000)), Nanos::FromMillis(5000));
  EXPECT_EQ(t.ResidualNotional(*ref_), Notional::FromUnits(1800));
  EXPECT_EQ(t.counters().hedge_orders, 2u);
  EXPECT_EQ(t.counters().unwind_orders, 2u);
}

TEST_F(LegTrackerTest, NoVenueWithinTheSlippageWaitsThenTheTimeoutUnwinds) {
  LegTracker t(legs_);
  Book(0, "29900", "30100");  // every bid now below 29970... except none: venue 1 too
  Book(1, "29900", "30100");
  Book(2, "29900", "30100");
  t.OnGroupEnded(kBtc, V(1), V(0), Q("0.1"), Q("0"), Ms(0));  // (the reference stays 30000)
  EXPECT_TRUE(Plan(t, 500).empty()) << "no bid within 10 bps: no hedge worth sending";
  const std::vector<RepairOrder> o = Plan(t, 1001);  // past hedge_timeout
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].purpose, OrderPurpose::kUnwind);
  EXPECT_EQ(o[0].venue, V(1));
  SendAndEnd(t, o[0], 9, "0.1");
  EXPECT_EQ(t.counters().unwound, 1u);
  EXPECT_EQ(t.open(), 0);
}

TEST_F(LegTrackerTest, AVenueThatCannotTradeOrIsStaleIsNotUsed) {
  LegTracker t(legs_);
  view_.can_trade[0] = false;
  Book(1, "29999", "30001", -10'000);  // 10 s old: past max_quote_age (5 s)
  t.OnGroupEnded(kBtc, V(2), V(1), Q("0.1"), Q("0"), Ms(0));
  const std::vector<RepairOrder> o = Plan(t, 0);
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].venue, V(2)) << "the only one left";
}

TEST_F(LegTrackerTest, TheBalanceCapsTheOrder) {
  LegTracker t(legs_);
  Fund(0, "BTC", "0.03");
  Fund(1, "BTC", "0.02", true);
  t.OnGroupEnded(kBtc, V(2), V(1), Q("0.1"), Q("0"), Ms(0));
  const std::vector<RepairOrder> o = Plan(t, 0);
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].venue, V(0));
  EXPECT_EQ(o[0].qty, Q("0.03"));
}

TEST_F(LegTrackerTest, DustAccumulatesAndIsSweptOnceWorthAnOrder) {
  LegTracker t(legs_);
  // 0.0001 BTC is 3 USDT: below the minimum notional of 5, on any venue.
  t.OnGroupEnded(kBtc, V(2), V(0), Q("0.0001"), Q("0"), Ms(0));
  EXPECT_TRUE(Plan(t, 0).empty());
  EXPECT_EQ(t.dust(V(2), kBtc), Q("0.0001"));
  EXPECT_EQ(t.open(), 0);
  EXPECT_EQ(t.counters().to_dust, 1u);
  EXPECT_FALSE(t.idle()) << "dust waits to be swept";
  t.OnGroupEnded(kBtc, V(2), V(0), Q("0.0001"), Q("0"), Ms(10));
  EXPECT_TRUE(Plan(t, 10).empty());
  // The plan at 10 moved the second residual to dust only after its sweep pass: 0.0002 ×
  // 30000 = 6 >= 5 is swept at the next plan.
  EXPECT_EQ(t.dust(V(2), kBtc), Q("0.0002"));
  const std::vector<RepairOrder> o = Plan(t, 20);
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].qty, Q("0.0002"));
  EXPECT_EQ(t.dust(V(2), kBtc), Qty::Zero());
  EXPECT_EQ(t.counters().dust_sweeps, 1u);
  SendAndEnd(t, o[0], 77, "0.0002");
  EXPECT_TRUE(t.idle());
}

TEST_F(LegTrackerTest, WithoutAReferenceNothingIsSent) {
  LegTracker t(legs_);
  ReferenceParams rp;
  rp.min_venues.fill(4);  // a quorum the three venues cannot meet
  ref_.emplace(rp);
  UpdateReference();
  view_.reference = &*ref_;
  t.OnGroupEnded(kBtc, V(2), V(0), Q("0.1"), Q("0"), Ms(0));
  EXPECT_TRUE(Plan(t, 0).empty());
  EXPECT_EQ(t.open(), 1);
}

TEST_F(LegTrackerTest, AFullTableKeepsTheResidualAsDust) {
  LegTracker t(legs_);
  for (int k = 0; k < LegTracker::kMaxRepairs; ++k) t.OnGroupEnded(kBtc, V(2), V(0), Q("0.1"), Q("0"), Ms(0));
  EXPECT_EQ(t.open(), LegTracker::kMaxRepairs);
  t.OnGroupEnded(kBtc, V(2), V(0), Q("0.1"), Q("0"), Ms(0));
  EXPECT_EQ(t.counters().table_full, 1u);
  EXPECT_EQ(t.dust(V(2), kBtc), Q("0.1"));
}

TEST_F(LegTrackerTest, DisabledRepairsNothingAndKeepsTheResidualAsDust) {
  legs_.enabled = false;
  LegTracker t(legs_);
  t.OnGroupEnded(kBtc, V(2), V(0), Q("0.1"), Q("0"), Ms(0));
  EXPECT_TRUE(Plan(t, 0).empty());
  EXPECT_EQ(t.open(), 0);
  EXPECT_EQ(t.dust(V(2), kBtc), Q("0.1"));
  EXPECT_TRUE(t.idle());
}

}  // namespace
}  // namespace hs::engine
