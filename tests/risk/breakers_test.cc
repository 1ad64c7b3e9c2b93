#include "risk/breakers.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace hs::risk {
namespace {

constexpr Nanos kT0 = Nanos::FromSeconds(1'700'000'000);
constexpr VenueId kNoVenue = VenueId::Invalid();
constexpr InstrumentId kNoInstrument = InstrumentId::Invalid();

Nanos At(int64_t ms) { return kT0 + Nanos::FromMillis(ms); }
VenueId V(int v) { return VenueId{static_cast<uint8_t>(v)}; }
InstrumentId I(int i) { return InstrumentId{static_cast<uint16_t>(i)}; }

struct Recorder final : BreakerEventSink {
  void OnBreakerEvent(const BreakerEvent& e) noexcept override { events.push_back(e); }
  std::vector<BreakerEvent> events;
};

BreakerConfig Enabled(BreakerScope scope = BreakerScope::kGlobal, BreakerAction action = BreakerAction::kHalt,
                      Nanos cooldown = Nanos::FromSeconds(5), bool latch = false, Nanos window = Nanos{}) {
  BreakerConfig c;
  c.enabled = true;
  c.scope = scope;
  c.action = action;
  c.cooldown = cooldown;
  c.latch = latch;
  c.window = window;
  return c;
}

BreakerParams With(BreakerId b, const BreakerConfig& c) {
  BreakerParams p;
  p.breaker[static_cast<size_t>(b)] = c;
  return p;
}

// One breaker round with a single observation.
void Round(BreakerSet& set, BreakerId b, VenueId v, InstrumentId i, bool over, int64_t value, int64_t threshold,
           Nanos now, Recorder* rec) {
  set.BeginRound(now);
  set.Observe(b, v, i, over, value, threshold, now, rec);
  set.EndRound(now, rec);
}

void EmptyRound(BreakerSet& set, Nanos now, Recorder* rec) {
  set.BeginRound(now);
  set.EndRound(now, rec);
}

// ---- names

TEST(BreakerNames, EveryBreakerNameParsesBackToItself) {
  for (int k = 0; k < kBreakers; ++k) {
    const auto b = static_cast<BreakerId>(k);
    BreakerId parsed = BreakerId::kClock;
    ASSERT_TRUE(ParseBreakerName(BreakerName(b), &parsed)) << BreakerName(b);
    EXPECT_EQ(parsed, b);
  }
  EXPECT_STREQ(BreakerName(BreakerId::kStale), "stale");
  EXPECT_STREQ(BreakerName(BreakerId::kVolSpike), "vol_spike");
  EXPECT_STREQ(BreakerName(BreakerId::kUnknownOrders), "unknown_orders");
  EXPECT_STREQ(BreakerName(BreakerId::kLegImbalance), "leg_imbalance");
  EXPECT_STREQ(BreakerName(BreakerId::kClock), "clock");
}

TEST(BreakerNames, ParseRefusesUnknownMisspelledAndNullNamesAndLeavesOutAlone) {
  BreakerId out = BreakerId::kDrawdown;
  EXPECT_FALSE(ParseBreakerName("", &out));
  EXPECT_FALSE(ParseBreakerName("Stale", &out));
  EXPECT_FALSE(ParseBreakerName("stale ", &out));
  EXPECT_FALSE(ParseBreakerName("vol-spike", &out));
  EXPECT_FALSE(ParseBreakerName("kill", &out));
  EXPECT_FALSE(ParseBreakerName(nullptr, &out));
  EXPECT_EQ(out, BreakerId::kDrawdown);
}

TEST(BreakerNames, ScopeActionEventAndSlotStateNames) {
  EXPECT_STREQ(BreakerScopeName(BreakerScope::kGlobal), "global");
  EXPECT_STREQ(BreakerScopeName(BreakerScope::kVenue), "venue");
  EXPECT_STREQ(BreakerScopeName(BreakerScope::kInstrument), "instrument");
  EXPECT_STREQ(BreakerActionName(BreakerAction::kReduce), "reduce");
  EXPECT_STREQ(BreakerActionName(BreakerAction::kHalt), "halt");
  EXPECT_STREQ(BreakerEventKindName(BreakerEventKind::kTrip), "trip");
  EXPECT_STREQ(BreakerEventKindName(BreakerEventKind::kClear), "clear");
  EXPECT_STREQ(BreakerEventKindName(BreakerEventKind::kReset), "reset");
  EXPECT_STREQ(SlotStateName(SlotState::kOk), "ok");
  EXPECT_STREQ(SlotStateName(SlotState::kTripped), "tripped");
  EXPECT_STREQ(SlotStateName(SlotState::kLatched), "latched");
}

// ---- construction

TEST(BreakerSet, SlotsFollowEachBreakersScope) {
  BreakerParams p;
  p.breaker[static_cast<size_t>(BreakerId::kDrawdown)] = Enabled(BreakerScope::kGlobal);
  p.breaker[static_cast<size_t>(BreakerId::kRejectRate)] = Enabled(BreakerScope::kVenue);
  p.breaker[static_cast<size_t>(BreakerId::kVolSpike)] = Enabled(BreakerScope::kInstrument);
  const BreakerSet set(p, 3, 7);
  EXPECT_EQ(set.slots(BreakerId::kDrawdown), 1);
  EXPECT_EQ(set.slots(BreakerId::kRejectRate), 3);
  EXPECT_EQ(set.slots(BreakerId::kVolSpike), 7);
  EXPECT_EQ(set.tripped(), 0);
  EXPECT_EQ(set.trips_total(), 0u);
}

TEST(BreakerSet, VenueAndInstrumentCountsOutsideTheCapsAreClamped) {
  BreakerParams p;
  p.breaker[static_cast<size_t>(BreakerId::kRejectRate)] = Enabled(BreakerScope::kVenue);
  p.breaker[static_cast<size_t>(BreakerId::kVolSpike)] = Enabled(BreakerScope::kInstrument);
  const BreakerSet big(p, kMaxVenues + 5, kMaxInstruments + 5);
  EXPECT_EQ(big.slots(BreakerId::kRejectRate), kMaxVenues);
  EXPECT_EQ(big.slots(BreakerId::kVolSpike), kMaxInstruments);
  const BreakerSet negative(p, -1, -3);
  EXPECT_EQ(negative.slots(BreakerId::kRejectRate), 0);
  EXPECT_EQ(negative.slots(BreakerId::kVolSpike), 0);
}

// ---- trip

TEST(BreakerSet, AnOverObservationTripsAtOnceWithZeroWindowAndKeepsItsCause) {
  BreakerSet set(With(BreakerId::kDrawdown, Enabled()), 2, 2);
  Recorder rec;
  Round(set, BreakerId::kDrawdown, V(1), I(0), true, 700, 500, At(0), &rec);
  const BreakerSlot& s = set.slot(BreakerId::kDrawdown, 0);
  EXPECT_EQ(s.state, SlotState::kTripped);
  EXPECT_EQ(s.trips, 1u);
  EXPECT_EQ(s.tripped_at, At(0));
  EXPECT_EQ(s.last_value, 700);
  EXPECT_EQ(s.last_threshold, 500);
  EXPECT_EQ(s.last_venue, 1);
  EXPECT_EQ(s.last_instrument, 0);
  EXPECT_EQ(set.tripped(), 1);
  EXPECT_EQ(set.trips_total(), 1u);
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_EQ(rec.events[0].kind, BreakerEventKind::kTrip);
}

TEST(BreakerSet, ObservationsThatAreNotOverNeverTrip) {
  BreakerSet set(With(BreakerId::kDrawdown, Enabled()), 1, 1);
  Recorder rec;
  for (int k = 0; k < 10; ++k) Round(set, BreakerId::kDrawdown, V(0), I(0), false, 100, 500, At(k * 100), &rec);
  EXPECT_EQ(set.slot(BreakerId::kDrawdown, 0).state, SlotState::kOk);
  EXPECT_EQ(set.slot(BreakerId::kDrawdown, 0).over_since, Nanos{});
  EXPECT_TRUE(rec.events.empty());
}

TEST(BreakerSet, ATrippedSlotDoesNotTripAgainWhileStillOver) {
  BreakerSet set(With(BreakerId::kDrawdown, Enabled()), 1, 1);
  Recorder rec;
  for (int k = 0; k < 5; ++k) Round(set, BreakerId::kDrawdown, V(0), I(0), true, 600 + k, 500, At(k * 100), &rec);
  EXPECT_EQ(set.slot(BreakerId::kDrawdown, 0).trips, 1u);
  EXPECT_EQ(set.slot(BreakerId::kDrawdown, 0).last_value, 600);  // the cause of the trip, not later values
  EXPECT_EQ(rec.events.size(), 1u);
}

// ---- cooldown

TEST(BreakerSet, CooldownKeepsTheSlotTrippedAfterTheConditionIsGoneUntilItPasses) {
  BreakerSet set(With(BreakerId::kDrawdown, Enabled(BreakerScope::kGlobal, BreakerAction::kHalt,
                                                     Nanos::FromSeconds(5))),
                 1, 1);
  Recorder rec;
  Round(set, BreakerId::kDrawdown, V(0), I(0), true, 700, 500, At(0), &rec);
  Round(set, BreakerId::kDrawdown, V(0), I(0), false, 100, 500, At(1'000), &rec);
  EmptyRound(set, At(4'999), &rec);
  EXPECT_EQ(set.slot(BreakerId::kDrawdown, 0).state, SlotState::kTripped);
  EXPECT_EQ(rec.events.size(), 1u);
  EmptyRound(set, At(5'000), &rec);
  EXPECT_EQ(set.slot(BreakerId::kDrawdown, 0).state, SlotState::kOk);
  EXPECT_EQ(set.slot(BreakerId::kDrawdown, 0).cleared_at, At(5'000));
  EXPECT_EQ(set.tripped(), 0);
  ASSERT_EQ(rec.events.size(), 2u);
  EXPECT_EQ(rec.events[1].kind, BreakerEventKind::kClear);
}

TEST(BreakerSet, CooldownPassedButStillOverStaysTrippedUntilARoundWithNothingOver) {
  BreakerSet set(With(BreakerId::kDrawdown, Enabled(BreakerScope::kGlobal, BreakerAction::kHalt,
                                                     Nanos::FromSeconds(1))),
                 1, 1);
  Recorder rec;
  Round(set, BreakerId::kDrawdown, V(0), I(0), true, 700, 500, At(0), &rec);
  Round(set, BreakerId::kDrawdown, V(0), I(0), true, 700, 500, At(3'000), &rec);
  EXPECT_EQ(set.slot(BreakerId::kDrawdown, 0).state, SlotState::kTripped);
  Round(set, BreakerId::kDrawdown, V(0), I(0), false, 100, 500, At(3'100), &rec);
  EXPECT_EQ(set.slot(BreakerId::kDrawdown, 0).state, SlotState::kOk);
}

TEST(BreakerSet, AClearedSlotTripsAgainOnTheNextOverObservation) {
  BreakerSet set(With(BreakerId::kDrawdown, Enabled(BreakerScope::kGlobal, BreakerAction::kHalt, Nanos{})), 1, 1);
  Recorder rec;
  Round(set, BreakerId::kDrawdown, V(0), I(0), true, 700, 500, At(0), &rec);
  EmptyRound(set, At(100), &rec);
  EXPECT_EQ(set.slot(BreakerId::kDrawdown, 0).state, SlotState::kOk);
  Round(set, BreakerId::kDrawdown, V(0), I(0), true, 800, 500, At(200), &rec);
  EXPECT_EQ(set.slot(BreakerId::kDrawdown, 0).state, SlotState::kTripped);
  EXPECT_EQ(set.slot(BreakerId::kDrawdown, 0).trips, 2u);
  EXPECT_EQ(set.slot(BreakerId::kDrawdown, 0).last_value, 800);
  EXPECT_EQ(set.trips_total(), 2u);
}

// ---- latch and reset

TEST(BreakerSet, ALatchedSlotNeverClearsByItselfOnlyByReset) {
  BreakerSet set(With(BreakerId::kDailyLoss, Enabled(BreakerScope::kGlobal, BreakerAction::kHalt,
                                                      Nanos::FromSeconds(1), /*latch=*/true)),
                 1, 1);
  Recorder rec;
  Round(set, BreakerId::kDailyLoss, V(0), I(0), true, 9'000, 5'000, At(0), &rec);
  EXPECT_EQ(set.slot(BreakerId::kDailyLoss, 0).state, SlotState::kLatched);
  for (int k = 1; k <= 100; ++k) EmptyRound(set, At(k * 1'000), &rec);
  EXPECT_EQ(set.slot(BreakerId::kDailyLoss, 0).state, SlotState::kLatched);
  EXPECT_EQ(rec.events.size(), 1u);

  EXPECT_EQ(set.Reset(BreakerId::kDailyLoss, At(200'000), 1001, &rec), 1);
  EXPECT_EQ(set.slot(BreakerId::kDailyLoss, 0).state, SlotState::kOk);
  EXPECT_EQ(set.slot(BreakerId::kDailyLoss, 0).cleared_at, At(200'000));
  EXPECT_EQ(set.tripped(), 0);

  Round(set, BreakerId::kDailyLoss, V(0), I(0), true, 9'500, 5'000, At(201'000), &rec);
  EXPECT_EQ(set.slot(BreakerId::kDailyLoss, 0).state, SlotState::kLatched);
  EXPECT_EQ(set.slot(BreakerId::kDailyLoss, 0).trips, 2u);
}

TEST(BreakerSet, ResetWithNothingTrippedReturnsZeroAndReportsNothing) {
  BreakerSet set(With(BreakerId::kRejectRate, Enabled(BreakerScope::kVenue)), 4, 1);
  Recorder rec;
  EXPECT_EQ(set.Reset(BreakerId::kRejectRate, At(0), 7, &rec), 0);
  EXPECT_TRUE(rec.events.empty());
}

TEST(BreakerSet, ResetClearsEveryTrippedSlotOfTheBreakerAndCountsThem) {
  BreakerSet set(With(BreakerId::kRejectRate, Enabled(BreakerScope::kVenue, BreakerAction::kHalt,
                                                       Nanos::FromSeconds(60))),
                 4, 1);
  Recorder rec;
  set.BeginRound(At(0));
  set.Observe(BreakerId::kRejectRate, V(0), kNoInstrument, true, 50, 10, At(0), &rec);
  set.Observe(BreakerId::kRejectRate, V(3), kNoInstrument, true, 60, 10, At(0), &rec);
  set.EndRound(At(0), &rec);
  EXPECT_EQ(set.tripped(), 2);
  EXPECT_EQ(set.Reset(BreakerId::kRejectRate, At(1'000), 42, &rec), 2);
  EXPECT_EQ(set.tripped(), 0);
  ASSERT_EQ(rec.events.size(), 4u);
  EXPECT_EQ(rec.events[2].kind, BreakerEventKind::kReset);
  EXPECT_EQ(rec.events[2].index, 0);
  EXPECT_EQ(rec.events[3].kind, BreakerEventKind::kReset);
  EXPECT_EQ(rec.events[3].index, 3);
}

TEST(BreakerSet, ResetRestartsTheWindowOfTheCondition) {
  BreakerSet set(With(BreakerId::kStale, Enabled(BreakerScope::kGlobal, BreakerAction::kHalt, Nanos{}, true,
                                                  Nanos::FromSeconds(2))),
                 1, 1);
  Recorder rec;
  for (int k = 0; k <= 2; ++k) Round(set, BreakerId::kStale, V(0), I(0), true, 1, 2, At(k * 1'000), &rec);
  ASSERT_EQ(set.slot(BreakerId::kStale, 0).state, SlotState::kLatched);
  set.BeginRound(At(2'500));
  set.Observe(BreakerId::kStale, V(0), I(0), true, 1, 2, At(2'500), &rec);
  EXPECT_EQ(set.Reset(BreakerId::kStale, At(2'500), 1, &rec), 1);
  set.EndRound(At(2'500), &rec);
  // Still over after the reset: the run counts from the next over observation, not the old one.
  Round(set, BreakerId::kStale, V(0), I(0), true, 1, 2, At(3'000), &rec);
  Round(set, BreakerId::kStale, V(0), I(0), true, 1, 2, At(4'000), &rec);
  EXPECT_EQ(set.slot(BreakerId::kStale, 0).state, SlotState::kOk);
  Round(set, BreakerId::kStale, V(0), I(0), true, 1, 2, At(5'000), &rec);
  EXPECT_EQ(set.slot(BreakerId::kStale, 0).state, SlotState::kLatched);
}

// ---- window

TEST(BreakerSet, WindowTripsOnlyOnceTheConditionHeldThatLong) {
  BreakerSet set(With(BreakerId::kDivergence, Enabled(BreakerScope::kGlobal, BreakerAction::kHalt,
                                                       Nanos::FromSeconds(5), false, Nanos::FromSeconds(3))),
                 1, 1);
  Recorder rec;
  for (int k = 0; k < 3; ++k) {
    Round(set, BreakerId::kDivergence, V(0), I(0), true, 900, 500, At(k * 1'000), &rec);
    EXPECT_EQ(set.slot(BreakerId::kDivergence, 0).state, SlotState::kOk) << k;
    EXPECT_EQ(set.slot(BreakerId::kDivergence, 0).over_since, At(0));
  }
  Round(set, BreakerId::kDivergence, V(0), I(0), true, 950, 500, At(3'000), &rec);
  EXPECT_EQ(set.slot(BreakerId::kDivergence, 0).state, SlotState::kTripped);
  EXPECT_EQ(set.slot(BreakerId::kDivergence, 0).tripped_at, At(3'000));
  EXPECT_EQ(set.slot(BreakerId::kDivergence, 0).last_value, 950);
}

TEST(BreakerSet, ARoundWithNothingOverRestartsTheWindow) {
  BreakerSet set(With(BreakerId::kDivergence, Enabled(BreakerScope::kGlobal, BreakerAction::kHalt,
                                                       Nanos::FromSeconds(5), false, Nanos::FromSeconds(3))),
                 1, 1);
  Recorder rec;
  Round(set, BreakerId::kDivergence, V(0), I(0), true, 900, 500, At(0), &rec);
  Round(set, BreakerId::kDivergence, V(0), I(0), true, 900, 500, At(1'000), &rec);
  Round(set, BreakerId::kDivergence, V(0), I(0), false, 100, 500, At(2'000), &rec);  // the gap
  EXPECT_EQ(set.slot(BreakerId::kDivergence, 0).over_since, Nanos{});
  for (int k = 3; k <= 5; ++k) {
    Round(set, BreakerId::kDivergence, V(0), I(0), true, 900, 500, At(k * 1'000), &rec);
    EXPECT_EQ(set.slot(BreakerId::kDivergence, 0).state, SlotState::kOk) << k;
  }
  Round(set, BreakerId::kDivergence, V(0), I(0), true, 900, 500, At(6'000), &rec);
  EXPECT_EQ(set.slot(BreakerId::kDivergence, 0).state, SlotState::kTripped);
  EXPECT_EQ(set.slot(BreakerId::kDivergence, 0).tripped_at, At(6'000));
}

TEST(BreakerSet, TripNowIgnoresTheWindowAndDoesNotTripATrippedSlotAgain) {
  BreakerSet set(With(BreakerId::kClock, Enabled(BreakerScope::kGlobal, BreakerAction::kHalt, Nanos::FromSeconds(1),
                                                  false, Nanos::FromSeconds(60))),
                 1, 1);
  Recorder rec;
  set.TripNow(BreakerId::kClock, kNoVenue, kNoInstrument, -5'000, 0, At(0), &rec);
  EXPECT_EQ(set.slot(BreakerId::kClock, 0).state, SlotState::kTripped);
  set.TripNow(BreakerId::kClock, kNoVenue, kNoInstrument, -7'000, 0, At(10), &rec);
  EXPECT_EQ(set.slot(BreakerId::kClock, 0).trips, 1u);
  EXPECT_EQ(set.slot(BreakerId::kClock, 0).last_value, -5'000);
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_EQ(rec.events[0].venue, 0xFFFF);
  EXPECT_EQ(rec.events[0].instrument, 0xFFFF);
  // Tripped outside a round, it clears at the first round's end after its cooldown.
  EmptyRound(set, At(999), &rec);
  EXPECT_EQ(set.slot(BreakerId::kClock, 0).state, SlotState::kTripped);
  EmptyRound(set, At(1'000), &rec);
  EXPECT_EQ(set.slot(BreakerId::kClock, 0).state, SlotState::kOk);
}

// ---- scopes

TEST(BreakerSet, AGlobalSlotStaysOverWhileAnyVenueFeedingItIsOver) {
  BreakerSet set(With(BreakerId::kStale, Enabled(BreakerScope::kGlobal, BreakerAction::kHalt, Nanos::FromSeconds(1),
                                                  false, Nanos::FromSeconds(2))),
                 3, 1);
  Recorder rec;
  // The venue that is over changes every round, and a venue that is fine reports after it: the
  // run of over rounds is unbroken all the same.
  const int over_venue[] = {0, 1, 2};
  for (int k = 0; k < 3; ++k) {
    set.BeginRound(At(k * 1'000));
    for (int v = 0; v < 3; ++v) {
      const bool over = v == over_venue[k];
      set.Observe(BreakerId::kStale, V(v), I(0), over, over ? 1 : 3, 2, At(k * 1'000), &rec);
    }
    set.EndRound(At(k * 1'000), &rec);
  }
  const BreakerSlot& s = set.slot(BreakerId::kStale, 0);
  EXPECT_EQ(s.state, SlotState::kTripped);
  EXPECT_EQ(s.tripped_at, At(2'000));
  EXPECT_EQ(s.last_venue, 2);

  // Past the cooldown, one venue still over keeps it tripped; none over clears it.
  set.BeginRound(At(5'000));
  set.Observe(BreakerId::kStale, V(0), I(0), false, 3, 2, At(5'000), &rec);
  set.Observe(BreakerId::kStale, V(1), I(0), true, 1, 2, At(5'000), &rec);
  set.EndRound(At(5'000), &rec);
  EXPECT_EQ(s.state, SlotState::kTripped);
  set.BeginRound(At(6'000));
  for (int v = 0; v < 3; ++v) set.Observe(BreakerId::kStale, V(v), I(0), false, 3, 2, At(6'000), &rec);
  set.EndRound(At(6'000), &rec);
  EXPECT_EQ(s.state, SlotState::kOk);
}

TEST(BreakerSet, AVenueScopedBreakerTripsOnlyTheVenueObserved) {
  BreakerSet set(With(BreakerId::kRejectRate, Enabled(BreakerScope::kVenue)), 4, 2);
  Recorder rec;
  set.BeginRound(At(0));
  set.Observe(BreakerId::kRejectRate, V(1), kNoInstrument, false, 1, 10, At(0), &rec);
  set.Observe(BreakerId::kRejectRate, V(2), kNoInstrument, true, 30, 10, At(0), &rec);
  set.EndRound(At(0), &rec);
  for (int v = 0; v < 4; ++v) {
    EXPECT_EQ(set.slot(BreakerId::kRejectRate, v).state, v == 2 ? SlotState::kTripped : SlotState::kOk) << v;
  }
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_EQ(rec.events[0].scope, BreakerScope::kVenue);
  EXPECT_EQ(rec.events[0].index, 2);
  EXPECT_EQ(rec.events[0].venue, 2);
}

TEST(BreakerSet, AnInstrumentScopedBreakerTripsOnlyTheInstrumentObserved) {
  BreakerSet set(With(BreakerId::kVolSpike, Enabled(BreakerScope::kInstrument)), 2, 5);
  Recorder rec;
  Round(set, BreakerId::kVolSpike, kNoVenue, I(4), true, 400'000'000, 300'000'000, At(0), &rec);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(set.slot(BreakerId::kVolSpike, i).state, i == 4 ? SlotState::kTripped : SlotState::kOk) << i;
  }
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_EQ(rec.events[0].scope, BreakerScope::kInstrument);
  EXPECT_EQ(rec.events[0].index, 4);
  EXPECT_EQ(rec.events[0].venue, 0xFFFF);
  EXPECT_EQ(rec.events[0].instrument, 4);
}

TEST(BreakerSet, VenueScopedObservationsWithoutAValidVenueAreIgnored) {
  BreakerSet set(With(BreakerId::kUnknownOrders, Enabled(BreakerScope::kVenue)), 3, 3);
  Recorder rec;
  Round(set, BreakerId::kUnknownOrders, kNoVenue, I(0), true, 9'000, 1'000, At(0), &rec);
  Round(set, BreakerId::kUnknownOrders, V(3), I(0), true, 9'000, 1'000, At(1), &rec);  // venues = 3
  Round(set, BreakerId::kUnknownOrders, V(kMaxVenues), I(0), true, 9'000, 1'000, At(2), &rec);
  set.TripNow(BreakerId::kUnknownOrders, kNoVenue, I(0), 9'000, 1'000, At(3), &rec);
  EXPECT_EQ(set.tripped(), 0);
  EXPECT_TRUE(rec.events.empty());
}

TEST(BreakerSet, InstrumentScopedObservationsWithoutAValidInstrumentAreIgnored) {
  BreakerSet set(With(BreakerId::kLegImbalance, Enabled(BreakerScope::kInstrument)), 3, 3);
  Recorder rec;
  Round(set, BreakerId::kLegImbalance, V(0), kNoInstrument, true, 9'000, 1'000, At(0), &rec);
  Round(set, BreakerId::kLegImbalance, V(0), I(3), true, 9'000, 1'000, At(1), &rec);
  set.TripNow(BreakerId::kLegImbalance, V(0), I(kMaxInstruments), 9'000, 1'000, At(2), &rec);
  EXPECT_EQ(set.tripped(), 0);
  EXPECT_TRUE(rec.events.empty());
}

TEST(BreakerSet, AGlobalBreakerTakesObservationsWithNoVenueOrInstrument) {
  BreakerSet set(With(BreakerId::kDailyLoss, Enabled()), 2, 2);
  Recorder rec;
  Round(set, BreakerId::kDailyLoss, kNoVenue, kNoInstrument, true, 9'000, 1'000, At(0), &rec);
  EXPECT_EQ(set.slot(BreakerId::kDailyLoss, 0).state, SlotState::kTripped);
  EXPECT_EQ(set.slot(BreakerId::kDailyLoss, 0).last_venue, 0xFFFF);
  EXPECT_EQ(set.slot(BreakerId::kDailyLoss, 0).last_instrument, 0xFFFF);
}

// ---- Apply

TEST(BreakerSetApply, HaltAndReduceLandAtTheBreakersScope) {
  BreakerParams p;
  p.breaker[static_cast<size_t>(BreakerId::kDrawdown)] = Enabled(BreakerScope::kGlobal, BreakerAction::kReduce);
  p.breaker[static_cast<size_t>(BreakerId::kRejectRate)] = Enabled(BreakerScope::kVenue, BreakerAction::kHalt);
  p.breaker[static_cast<size_t>(BreakerId::kIntegrity)] = Enabled(BreakerScope::kVenue, BreakerAction::kReduce);
  p.breaker[static_cast<size_t>(BreakerId::kVolSpike)] = Enabled(BreakerScope::kInstrument, BreakerAction::kReduce);
  p.breaker[static_cast<size_t>(BreakerId::kLegImbalance)] =
      Enabled(BreakerScope::kInstrument, BreakerAction::kHalt);
  BreakerSet set(p, 3, 4);
  TradingStates states;
  set.Apply(&states);
  EXPECT_EQ(states.breaker_global(), TradingState::kActive);

  set.TripNow(BreakerId::kRejectRate, V(1), kNoInstrument, 1, 0, At(0), nullptr);
  set.TripNow(BreakerId::kIntegrity, V(2), kNoInstrument, 1, 0, At(0), nullptr);
  set.TripNow(BreakerId::kVolSpike, kNoVenue, I(0), 1, 0, At(0), nullptr);
  set.TripNow(BreakerId::kLegImbalance, kNoVenue, I(3), 1, 0, At(0), nullptr);
  set.Apply(&states);
  EXPECT_EQ(states.breaker_global(), TradingState::kActive);
  EXPECT_EQ(states.breaker_venue(V(0)), TradingState::kActive);
  EXPECT_EQ(states.breaker_venue(V(1)), TradingState::kHalted);
  EXPECT_EQ(states.breaker_venue(V(2)), TradingState::kReducing);
  EXPECT_EQ(states.breaker_instrument(I(0)), TradingState::kReducing);
  EXPECT_EQ(states.breaker_instrument(I(1)), TradingState::kActive);
  EXPECT_EQ(states.breaker_instrument(I(3)), TradingState::kHalted);

  set.TripNow(BreakerId::kDrawdown, kNoVenue, kNoInstrument, 1, 0, At(0), nullptr);
  set.Apply(&states);
  EXPECT_EQ(states.breaker_global(), TradingState::kReducing);
}

TEST(BreakerSetApply, TheStrictestStateWinsAcrossBreakersAndScopes) {
  BreakerParams p;
  p.breaker[static_cast<size_t>(BreakerId::kDrawdown)] = Enabled(BreakerScope::kGlobal, BreakerAction::kReduce);
  p.breaker[static_cast<size_t>(BreakerId::kRejectRate)] = Enabled(BreakerScope::kVenue, BreakerAction::kHalt);
  p.breaker[static_cast<size_t>(BreakerId::kIntegrity)] = Enabled(BreakerScope::kVenue, BreakerAction::kReduce);
  p.breaker[static_cast<size_t>(BreakerId::kLegImbalance)] =
      Enabled(BreakerScope::kInstrument, BreakerAction::kHalt);
  BreakerSet set(p, 3, 3);
  set.TripNow(BreakerId::kDrawdown, kNoVenue, kNoInstrument, 1, 0, At(0), nullptr);
  set.TripNow(BreakerId::kRejectRate, V(1), kNoInstrument, 1, 0, At(0), nullptr);
  set.TripNow(BreakerId::kIntegrity, V(1), kNoInstrument, 1, 0, At(0), nullptr);  // same venue, milder
  set.TripNow(BreakerId::kLegImbalance, kNoVenue, I(2), 1, 0, At(0), nullptr);
  TradingStates states;
  states.SetOperatorVenue(V(2), TradingState::kHalted);  // the operator layer is left alone
  set.Apply(&states);
  EXPECT_EQ(states.breaker_venue(V(1)), TradingState::kHalted);
  EXPECT_EQ(states.venue(V(0)), TradingState::kReducing);
  EXPECT_EQ(states.venue(V(1)), TradingState::kHalted);
  EXPECT_EQ(states.venue(V(2)), TradingState::kHalted);
  EXPECT_EQ(states.Effective(V(0), I(0)), TradingState::kReducing);
  EXPECT_EQ(states.Effective(V(0), I(2)), TradingState::kHalted);
  EXPECT_EQ(states.operator_venue(V(2)), TradingState::kHalted);
}

TEST(BreakerSetApply, RewritesTheBreakerLayerWholeSoClearedSlotsLeaveNoTrace) {
  BreakerSet set(With(BreakerId::kRejectRate, Enabled(BreakerScope::kVenue, BreakerAction::kHalt, Nanos{})), 2, 1);
  TradingStates states;
  states.RaiseInstrument(I(0), TradingState::kHalted);  // left over from an earlier round
  set.TripNow(BreakerId::kRejectRate, V(0), kNoInstrument, 1, 0, At(0), nullptr);
  set.Apply(&states);
  EXPECT_EQ(states.breaker_venue(V(0)), TradingState::kHalted);
  EXPECT_EQ(states.breaker_instrument(I(0)), TradingState::kActive);
  EmptyRound(set, At(1), nullptr);
  set.Apply(&states);
  EXPECT_EQ(states.breaker_venue(V(0)), TradingState::kActive);
}

// ---- events

TEST(BreakerSetEvents, TripClearTripResetInOrderWithTheirValues) {
  BreakerConfig c = Enabled(BreakerScope::kInstrument, BreakerAction::kReduce, Nanos::FromSeconds(2));
  BreakerSet set(With(BreakerId::kLegImbalance, c), 2, 3);
  Recorder rec;
  // Cause 1: the oldest residual's age against max_age_ms.
  set.BeginRound(At(0));
  set.Observe(BreakerId::kLegImbalance, V(1), I(2), true, 12'000, 10'000, At(0), &rec, /*cause=*/1);
  set.EndRound(At(0), &rec);
  Round(set, BreakerId::kLegImbalance, V(1), I(2), false, 0, 10'000, At(1'000), &rec);
  Round(set, BreakerId::kLegImbalance, V(1), I(2), false, 0, 10'000, At(2'000), &rec);
  set.BeginRound(At(3'000));
  set.Observe(BreakerId::kLegImbalance, V(0), I(2), true, 55, 50, At(3'000), &rec, /*cause=*/0);
  set.EndRound(At(3'000), &rec);
  EXPECT_EQ(set.Reset(BreakerId::kLegImbalance, At(3'500), 1234, &rec), 1);

  ASSERT_EQ(rec.events.size(), 4u);
  const BreakerEvent& trip1 = rec.events[0];
  EXPECT_EQ(trip1.breaker, BreakerId::kLegImbalance);
  EXPECT_EQ(trip1.scope, BreakerScope::kInstrument);
  EXPECT_EQ(trip1.kind, BreakerEventKind::kTrip);
  EXPECT_EQ(trip1.action, BreakerAction::kReduce);
  EXPECT_EQ(trip1.index, 2);
  EXPECT_EQ(trip1.venue, 1);
  EXPECT_EQ(trip1.instrument, 2);
  EXPECT_EQ(trip1.value, 12'000);
  EXPECT_EQ(trip1.threshold, 10'000);
  EXPECT_EQ(trip1.time, At(0));
  EXPECT_EQ(trip1.cause, 1);
  EXPECT_EQ(trip1.peer_uid, 0xFFFFFFFFu);

  const BreakerEvent& clear = rec.events[1];
  EXPECT_EQ(clear.kind, BreakerEventKind::kClear);
  EXPECT_EQ(clear.index, 2);
  EXPECT_EQ(clear.value, 12'000);  // the last cause, not the quiet observation that came after
  EXPECT_EQ(clear.threshold, 10'000);
  EXPECT_EQ(clear.cause, 1);
  EXPECT_EQ(clear.time, At(2'000));

  const BreakerEvent& trip2 = rec.events[2];
  EXPECT_EQ(trip2.kind, BreakerEventKind::kTrip);
  EXPECT_EQ(trip2.venue, 0);
  EXPECT_EQ(trip2.value, 55);
  EXPECT_EQ(trip2.threshold, 50);
  EXPECT_EQ(trip2.cause, 0);
  EXPECT_EQ(trip2.time, At(3'000));

  const BreakerEvent& reset = rec.events[3];
  EXPECT_EQ(reset.kind, BreakerEventKind::kReset);
  EXPECT_EQ(reset.index, 2);
  EXPECT_EQ(reset.value, 55);
  EXPECT_EQ(reset.threshold, 50);
  EXPECT_EQ(reset.time, At(3'500));
  EXPECT_EQ(reset.peer_uid, 1234u);
}

TEST(BreakerSetEvents, ANullSinkStillChangesState) {
  BreakerSet set(With(BreakerId::kDrawdown, Enabled(BreakerScope::kGlobal, BreakerAction::kHalt, Nanos{})), 1, 1);
  Round(set, BreakerId::kDrawdown, V(0), I(0), true, 2, 1, At(0), nullptr);
  EXPECT_EQ(set.slot(BreakerId::kDrawdown, 0).state, SlotState::kTripped);
  EmptyRound(set, At(1), nullptr);
  EXPECT_EQ(set.slot(BreakerId::kDrawdown, 0).state, SlotState::kOk);
}

// ---- journal

TEST(BreakerSetJournal, AlwaysHaltsAndLatchesGloballyWhateverItsConfigSays) {
  BreakerSet set(With(BreakerId::kJournal, Enabled(BreakerScope::kVenue, BreakerAction::kReduce, Nanos{},
                                                    /*latch=*/false)),
                 2, 2);
  EXPECT_EQ(set.config(BreakerId::kJournal).action, BreakerAction::kHalt);
  EXPECT_TRUE(set.config(BreakerId::kJournal).latch);
  EXPECT_EQ(set.config(BreakerId::kJournal).scope, BreakerScope::kGlobal);
  EXPECT_EQ(set.slots(BreakerId::kJournal), 1);
  Recorder rec;
  set.TripNow(BreakerId::kJournal, kNoVenue, kNoInstrument, 1, 0, At(0), &rec);
  EXPECT_EQ(set.slot(BreakerId::kJournal, 0).state, SlotState::kLatched);
  for (int k = 1; k <= 10; ++k) EmptyRound(set, At(k * 1'000), &rec);
  EXPECT_EQ(set.slot(BreakerId::kJournal, 0).state, SlotState::kLatched);
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_EQ(rec.events[0].action, BreakerAction::kHalt);
  TradingStates states;
  set.Apply(&states);
  EXPECT_EQ(states.global(), TradingState::kHalted);
}

TEST(BreakerSetJournal, CannotBeReset) {
  BreakerSet set(With(BreakerId::kJournal, Enabled()), 1, 1);
  Recorder rec;
  set.TripNow(BreakerId::kJournal, kNoVenue, kNoInstrument, 1, 0, At(0), &rec);
  EXPECT_EQ(set.Reset(BreakerId::kJournal, At(1'000), 0, &rec), -1);
  EXPECT_EQ(set.slot(BreakerId::kJournal, 0).state, SlotState::kLatched);
  EXPECT_EQ(rec.events.size(), 1u);
  // Even before anything failed, a reset is refused the same way.
  BreakerSet fresh(With(BreakerId::kJournal, Enabled()), 1, 1);
  EXPECT_EQ(fresh.Reset(BreakerId::kJournal, At(0), 0, &rec), -1);
}

// ---- disabled

TEST(BreakerSet, ADisabledBreakerIgnoresEverything) {
  BreakerConfig c = Enabled(BreakerScope::kGlobal, BreakerAction::kHalt, Nanos{});
  c.enabled = false;
  BreakerParams p;
  for (auto& b : p.breaker) b = c;
  BreakerSet set(p, 2, 2);
  Recorder rec;
  for (int k = 0; k < kBreakers; ++k) {
    const auto b = static_cast<BreakerId>(k);
    if (b == BreakerId::kJournal) {
      EXPECT_TRUE(set.enabled(b)) << "the journal breaker is never off";
      continue;
    }
    EXPECT_FALSE(set.enabled(b));
    set.BeginRound(At(k));
    set.Observe(b, V(0), I(0), true, 100, 1, At(k), &rec);
    set.EndRound(At(k), &rec);
    set.TripNow(b, V(0), I(0), 100, 1, At(k), &rec);
    EXPECT_EQ(set.slot(b, 0).state, SlotState::kOk) << BreakerName(b);
    EXPECT_EQ(set.slot(b, 0).over_since, Nanos{}) << BreakerName(b);
    if (b != BreakerId::kJournal) {
      EXPECT_EQ(set.Reset(b, At(k), 1, &rec), 0);
    }
  }
  TradingStates states;
  set.Apply(&states);
  EXPECT_EQ(states.Effective(V(0), I(0)), TradingState::kActive);
  EXPECT_EQ(set.tripped(), 0);
  EXPECT_EQ(set.trips_total(), 0u);
  EXPECT_TRUE(rec.events.empty());
}

TEST(BreakerSet, TrippedCountsSlotsOverEveryBreaker) {
  BreakerParams p;
  p.breaker[static_cast<size_t>(BreakerId::kRejectRate)] = Enabled(BreakerScope::kVenue);
  p.breaker[static_cast<size_t>(BreakerId::kDailyLoss)] =
      Enabled(BreakerScope::kGlobal, BreakerAction::kHalt, Nanos{}, true);
  BreakerSet set(p, 3, 1);
  set.TripNow(BreakerId::kRejectRate, V(0), kNoInstrument, 1, 0, At(0), nullptr);
  set.TripNow(BreakerId::kRejectRate, V(2), kNoInstrument, 1, 0, At(0), nullptr);
  set.TripNow(BreakerId::kDailyLoss, kNoVenue, kNoInstrument, 1, 0, At(0), nullptr);
  EXPECT_EQ(set.tripped(), 3);
  EXPECT_EQ(set.trips_total(), 3u);
}

}  // namespace
}  // namespace hs::risk

namespace hs::risk {
namespace {

// For integrity and reject_rate `window` is the trailing window of their measurement, not a
// delay: an over observation trips at once.
TEST(BreakerSet, WindowDelaysOnlyStaleAndDivergence) {
  for (BreakerId b : {BreakerId::kIntegrity, BreakerId::kRejectRate}) {
    BreakerParams p;
    BreakerConfig& c = p.breaker[static_cast<size_t>(b)];
    c.enabled = true;
    c.scope = BreakerScope::kGlobal;
    c.window = Nanos::FromSeconds(60);
    BreakerSet set(p, 1, 1);
    set.BeginRound(Nanos{1});
    set.Observe(b, VenueId{0}, InstrumentId{0}, true, 5, 3, Nanos{1}, nullptr);
    set.EndRound(Nanos{1}, nullptr);
    EXPECT_EQ(set.slot(b, 0).state, SlotState::kTripped) << BreakerName(b);
  }
}

}  // namespace
}  // namespace hs::risk
