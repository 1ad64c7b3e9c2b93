// BreakerFeeds: the core's state turned into breaker observations, one measurement at a time,
// against a real ReferencePrice and BreakerSet (each breaker enabled alone).
#include "core/engine/breaker_feeds.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/base/decimal.h"

namespace hs::engine {
namespace {

using risk::BreakerId;

Price P(const char* s) { return ParseDecimal<Price>(s).value; }
Nanos Ms(int64_t ms) { return Nanos::FromMillis(1'700'000'000'000 + ms); }

struct Recorder final : risk::BreakerEventSink {
  void OnBreakerEvent(const risk::BreakerEvent& e) noexcept override { events.push_back(e); }
  std::vector<risk::BreakerEvent> events;
};

risk::BreakerParams One(BreakerId b, risk::BreakerScope scope, int64_t threshold, Nanos window = Nanos{}) {
  risk::BreakerParams p;
  risk::BreakerConfig& c = p.breaker[static_cast<size_t>(b)];
  c.enabled = true;
  c.scope = scope;
  c.threshold = threshold;
  c.window = window;
  c.cooldown = Nanos::FromMillis(100);
  return p;
}

class FeedsTest : public ::testing::Test {
 protected:
  FeedsTest() {
    ReferenceParams rp;
    rp.max_age = Nanos::FromSeconds(10);
    rp.min_venues[0] = 2;
    ref_ = std::make_unique<ReferencePrice>(rp);
  }
  // Three venues' mids (bid = ask = mid) at `now`, and a fourth beside the first two (with
  // exactly three venues one far off makes every venue an outlier of the other two's mean: the
  // reference needs four to single one out).
  void Quotes(const char* a, const char* b, const char* c, Nanos now, const char* d = nullptr) {
    VenueQuote q[4];
    const char* mids[4] = {a, b, c, d};
    for (int v = 0; v < 4; ++v) {
      q[v].usable = mids[v] != nullptr;
      if (mids[v] == nullptr) continue;
      q[v].bid = P(mids[v]);
      q[v].ask = P(mids[v]);
      q[v].recv_time = now;
    }
    ref_->Update(InstrumentId{0}, q, 4, now);
  }
  BreakerInputs In(Nanos now) {
    BreakerInputs in;
    in.now = now;
    in.venues = 3;
    in.instruments = 1;
    in.reference = ref_.get();
    in.quorum = quorum_.data();
    return in;
  }
  std::unique_ptr<ReferencePrice> ref_;
  std::array<uint8_t, kMaxInstruments> quorum_{2};
  Recorder rec_;
};

// A venue 200 bps from the other two: an outlier of the reference, and what the divergence
// breaker is for. It trips for that venue only, once the condition has held for the window.
TEST_F(FeedsTest, DivergenceTripsTheDivergingVenueAfterItsWindow) {
  const auto p = One(BreakerId::kDivergence, risk::BreakerScope::kVenue, Rate::kScale / 100, Nanos::FromMillis(200));
  risk::BreakerSet set(p, 3, 1);
  BreakerFeeds feeds(p, VolSpikeParams{}, Nanos{});
  Quotes("30000", "30001", "30600", Ms(0), "30002");
  ASSERT_TRUE(ref_->valid(InstrumentId{0}));
  ASSERT_TRUE(ref_->has_divergence(VenueId{2}, InstrumentId{0}));
  feeds.Evaluate(In(Ms(0)), set, &rec_);
  EXPECT_TRUE(rec_.events.empty()) << "not before after_ms";
  Quotes("30000", "30001", "30600", Ms(250), "30002");
  feeds.Evaluate(In(Ms(250)), set, &rec_);
  ASSERT_EQ(rec_.events.size(), 1u);
  EXPECT_EQ(rec_.events[0].kind, risk::BreakerEventKind::kTrip);
  EXPECT_EQ(rec_.events[0].index, 2);
  EXPECT_GT(rec_.events[0].value, Rate::kScale / 100);
  EXPECT_EQ(set.slot(BreakerId::kDivergence, 0).state, risk::SlotState::kOk);
  // Back in line: clears after the cooldown.
  Quotes("30000", "30001", "30002", Ms(400), "30002");
  feeds.Evaluate(In(Ms(400)), set, &rec_);
  ASSERT_EQ(rec_.events.size(), 2u);
  EXPECT_EQ(rec_.events[1].kind, risk::BreakerEventKind::kClear);
}

// Stale: the instrument lost its quorum (only one venue fresh): value 1 against quorum 2.
TEST_F(FeedsTest, StaleTripsWhenUsableVenuesFallBelowTheQuorum) {
  const auto p = One(BreakerId::kStale, risk::BreakerScope::kInstrument, 0);
  risk::BreakerSet set(p, 3, 1);
  BreakerFeeds feeds(p, VolSpikeParams{}, Nanos{});
  Quotes("30000", "30001", nullptr, Ms(0));
  feeds.Evaluate(In(Ms(0)), set, &rec_);
  EXPECT_TRUE(rec_.events.empty());
  Quotes("30000", nullptr, nullptr, Ms(10));
  feeds.Evaluate(In(Ms(10)), set, &rec_);
  ASSERT_EQ(rec_.events.size(), 1u);
  EXPECT_EQ(rec_.events[0].value, 1);
  EXPECT_EQ(rec_.events[0].threshold, 2);
}

// Integrity: a cumulative count of gaps, checksum failures and resyncs rising by more than
// max_events within the window.
TEST_F(FeedsTest, IntegrityCountsEventsWithinTheWindow) {
  const auto p = One(BreakerId::kIntegrity, risk::BreakerScope::kVenue, 3, Nanos::FromSeconds(60));
  risk::BreakerSet set(p, 3, 1);
  BreakerFeeds feeds(p, VolSpikeParams{}, Nanos{});
  std::array<uint64_t, 3> events{0, 0, 0};
  BreakerInputs in = In(Ms(0));
  in.integrity_events = events.data();
  feeds.Evaluate(in, set, &rec_);
  events[1] = 3;
  in.now = Ms(1000);
  feeds.Evaluate(in, set, &rec_);
  EXPECT_TRUE(rec_.events.empty()) << "3 is not more than 3";
  events[1] = 4;
  in.now = Ms(2000);
  feeds.Evaluate(in, set, &rec_);
  ASSERT_EQ(rec_.events.size(), 1u);
  EXPECT_EQ(rec_.events[0].index, 1);
  EXPECT_EQ(rec_.events[0].value, 4);
}

// Reject rate: rejects over orders within the window, only once min_count orders were sent.
TEST_F(FeedsTest, RejectRateNeedsEnoughOrders) {
  auto p = One(BreakerId::kRejectRate, risk::BreakerScope::kVenue, Rate::kScale / 2, Nanos::FromSeconds(60));
  p.breaker[static_cast<size_t>(BreakerId::kRejectRate)].min_count = 4;
  risk::BreakerSet set(p, 3, 1);
  BreakerFeeds feeds(p, VolSpikeParams{}, Nanos{});
  std::array<uint64_t, 3> sent{0, 0, 0}, rejected{0, 0, 0};
  BreakerInputs in = In(Ms(0));
  in.orders_sent = sent.data();
  in.venue_rejects = rejected.data();
  feeds.Evaluate(in, set, &rec_);
  sent[0] = 3;
  rejected[0] = 3;
  in.now = Ms(100);
  feeds.Evaluate(in, set, &rec_);
  EXPECT_TRUE(rec_.events.empty()) << "three orders are too few to judge";
  sent[0] = 4;
  in.now = Ms(200);
  feeds.Evaluate(in, set, &rec_);
  ASSERT_EQ(rec_.events.size(), 1u);
  EXPECT_EQ(rec_.events[0].value, Rate::kScale * 3 / 4);
}

// Unknown orders: the oldest unknown order's age against max_age_ms, per venue.
TEST_F(FeedsTest, UnknownOrdersByAge) {
  const auto p = One(BreakerId::kUnknownOrders, risk::BreakerScope::kVenue, 500);
  risk::BreakerSet set(p, 3, 1);
  BreakerFeeds feeds(p, VolSpikeParams{}, Nanos{});
  std::array<Nanos, kMaxVenues> since{};
  since[2] = Ms(0);
  BreakerInputs in = In(Ms(400));
  in.oldest_unknown = since.data();
  feeds.Evaluate(in, set, &rec_);
  EXPECT_TRUE(rec_.events.empty());
  in.now = Ms(600);
  feeds.Evaluate(in, set, &rec_);
  ASSERT_EQ(rec_.events.size(), 1u);
  EXPECT_EQ(rec_.events[0].index, 2);
  EXPECT_EQ(rec_.events[0].value, 600);
}

// Drawdown from the NAV peak and the day's loss, only with a complete NAV.
TEST_F(FeedsTest, DrawdownAndDailyLoss) {
  auto p = One(BreakerId::kDrawdown, risk::BreakerScope::kGlobal, Rate::kScale / 50);  // 2%
  risk::BreakerConfig& dl = p.breaker[static_cast<size_t>(BreakerId::kDailyLoss)];
  dl.enabled = true;
  dl.threshold = Amount::FromUnits(1000).raw();
  risk::BreakerSet set(p, 3, 1);
  BreakerFeeds feeds(p, VolSpikeParams{}, Nanos{});
  BreakerInputs in = In(Ms(0));
  in.nav_complete = true;
  in.nav = Amount::FromUnits(100'000);
  in.pnl = Amount::FromUnits(50);
  feeds.Evaluate(in, set, &rec_);
  in.now = Ms(10);
  in.nav = Amount::FromUnits(98'500);  // 1.5% down
  in.pnl = Amount::FromUnits(-900);    // 950 lost today
  feeds.Evaluate(in, set, &rec_);
  EXPECT_TRUE(rec_.events.empty());
  in.now = Ms(20);
  in.nav = Amount::FromUnits(97'900);  // 2.1% down
  in.pnl = Amount::FromUnits(-1000);   // 1050 lost today
  feeds.Evaluate(in, set, &rec_);
  ASSERT_EQ(rec_.events.size(), 2u);
  EXPECT_EQ(rec_.events[0].breaker, BreakerId::kDrawdown);
  EXPECT_EQ(rec_.events[1].breaker, BreakerId::kDailyLoss);
  EXPECT_EQ(rec_.events[1].value, Amount::FromUnits(1050).raw());
}

// Leg imbalance: residual notional (cause 0) or its age (cause 1).
TEST_F(FeedsTest, LegImbalanceByNotionalOrAge) {
  auto p = One(BreakerId::kLegImbalance, risk::BreakerScope::kGlobal, Notional::FromUnits(100).raw());
  p.breaker[static_cast<size_t>(BreakerId::kLegImbalance)].threshold2 = 1000;  // ms
  risk::BreakerSet set(p, 3, 1);
  BreakerFeeds feeds(p, VolSpikeParams{}, Nanos{});
  BreakerInputs in = In(Ms(0));
  in.residual_notional = Notional::FromUnits(50);
  in.oldest_residual_age = Nanos::FromMillis(1500);
  feeds.Evaluate(in, set, &rec_);
  ASSERT_EQ(rec_.events.size(), 1u);
  EXPECT_EQ(rec_.events[0].cause, 1) << "the age";
  EXPECT_EQ(rec_.events[0].value, 1500);
}

// Clock: a control input earlier than the last one trips at once (a negative step); timers
// further apart than max_time_jump trip with the jump (cause 1).
TEST_F(FeedsTest, ClockStepsBackOrJumps) {
  auto p = One(BreakerId::kClock, risk::BreakerScope::kGlobal, Nanos::FromSeconds(5).value);
  p.breaker[static_cast<size_t>(BreakerId::kClock)].latch = true;
  risk::BreakerSet set(p, 3, 1);
  BreakerFeeds feeds(p, VolSpikeParams{}, Nanos{});
  feeds.OnControlTime(true, Ms(0), set, &rec_);
  feeds.OnControlTime(true, Ms(10), set, &rec_);
  feeds.OnControlTime(false, Ms(20), set, &rec_);
  EXPECT_TRUE(rec_.events.empty());
  feeds.OnControlTime(true, Ms(15), set, &rec_);
  ASSERT_EQ(rec_.events.size(), 1u);
  EXPECT_EQ(rec_.events[0].value, -Nanos::FromMillis(5).value);
  ASSERT_EQ(set.Reset(BreakerId::kClock, Ms(16), 0, &rec_), 1);
  feeds.OnControlTime(true, Ms(6000), set, &rec_);
  ASSERT_EQ(rec_.events.size(), 3u);
  EXPECT_EQ(rec_.events[2].cause, 1);
  EXPECT_EQ(rec_.events[2].value, Nanos::FromMillis(5985).value);
}

}  // namespace
}  // namespace hs::engine
