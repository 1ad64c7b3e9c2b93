#include "risk/throttles.h"

#include <gtest/gtest.h>

namespace hs::risk {
namespace {

constexpr Nanos Ms(int64_t ms) { return Nanos::FromMillis(ms); }
constexpr int64_t kHour = 3'600'000'000'000;
constexpr int64_t kDay = 24 * kHour;

// ---- OrderRateWindow

TEST(OrderRateWindow, CapacityZeroIsOff) {
  OrderRateWindow w;
  w.Configure(0, Ms(1000));
  w.Record(Ms(10));
  EXPECT_EQ(w.capacity(), 0);
  EXPECT_EQ(w.CountInWindow(Ms(10)), 0);
  EXPECT_TRUE(w.Allows(Ms(10), 0));
  EXPECT_TRUE(w.Allows(Ms(10), 5));
}

TEST(OrderRateWindow, CountsOrdersInsideTheTrailingWindowOnly) {
  OrderRateWindow w;
  w.Configure(5, Ms(1000));
  w.Record(Ms(100));
  w.Record(Ms(400));
  w.Record(Ms(900));
  EXPECT_EQ(w.CountInWindow(Ms(900)), 3);
  // (now - window, now]: an order exactly `window` old has left it.
  EXPECT_EQ(w.CountInWindow(Ms(1099)), 3);
  EXPECT_EQ(w.CountInWindow(Ms(1100)), 2);
  EXPECT_EQ(w.CountInWindow(Ms(1400)), 1);
  EXPECT_EQ(w.CountInWindow(Ms(1900)), 0);
}

TEST(OrderRateWindow, AllowsUntilTheBudgetIsUsedThenAgainAsTheWindowSlides) {
  OrderRateWindow w;
  w.Configure(4, Ms(1000));
  for (int64_t t : {0, 100, 200}) {
    EXPECT_TRUE(w.Allows(Ms(t), 3)) << t;
    w.Record(Ms(t));
  }
  EXPECT_FALSE(w.Allows(Ms(200), 3));  // three in the window: the budget is used
  EXPECT_TRUE(w.Allows(Ms(200), 4));   // a larger budget (fewer kept for cancels) still has room
  EXPECT_FALSE(w.Allows(Ms(999), 3));
  EXPECT_TRUE(w.Allows(Ms(1000), 3));  // the order at 0 left the window
}

TEST(OrderRateWindow, BudgetZeroOrNegativeRefusesEverything) {
  OrderRateWindow w;
  w.Configure(3, Ms(1000));
  EXPECT_FALSE(w.Allows(Ms(0), 0));
  EXPECT_FALSE(w.Allows(Ms(0), -1));
}

TEST(OrderRateWindow, RingWrapsAroundKeepingTheNewestOrders) {
  OrderRateWindow w;
  w.Configure(3, Ms(1000));
  for (int64_t t = 0; t < 10; ++t) w.Record(Ms(t * 100));  // 0..900; the ring keeps 700, 800, 900
  EXPECT_EQ(w.CountInWindow(Ms(900)), 3);
  EXPECT_FALSE(w.Allows(Ms(900), 3));
  EXPECT_EQ(w.CountInWindow(Ms(1700)), 2);  // 700 is out
  EXPECT_TRUE(w.Allows(Ms(1700), 3));
  EXPECT_FALSE(w.Allows(Ms(1700), 2));
  EXPECT_EQ(w.CountInWindow(Ms(1900)), 0);
  EXPECT_TRUE(w.Allows(Ms(1900), 1));
}

TEST(OrderRateWindow, TimeSteppingBackIsRecordedAsTheNewestAndStillCounts) {
  OrderRateWindow w;
  w.Configure(3, Ms(1000));
  w.Record(Ms(5000));
  w.Record(Ms(4000));  // earlier than the newest: recorded as 5000
  EXPECT_EQ(w.CountInWindow(Ms(5999)), 2);
  EXPECT_EQ(w.CountInWindow(Ms(6000)), 0);
  // Asked at a time before the orders (input time stepped back): they still count.
  EXPECT_EQ(w.CountInWindow(Ms(4500)), 2);
  EXPECT_FALSE(w.Allows(Ms(4500), 2));
}

TEST(OrderRateWindow, ConfigureClearsWhatWasRecorded) {
  OrderRateWindow w;
  w.Configure(2, Ms(1000));
  w.Record(Ms(10));
  w.Record(Ms(20));
  w.Configure(2, Ms(500));
  EXPECT_EQ(w.CountInWindow(Ms(20)), 0);
  EXPECT_EQ(w.window(), Ms(500));
}

// ---- RepeatThrottle

TEST(RepeatThrottle, MaxZeroIsOff) {
  RepeatThrottle r;
  r.Configure(2, 2, 0, Ms(1000));
  r.Record(VenueId{0}, InstrumentId{0}, Side::kBuy, Ms(1));
  EXPECT_TRUE(r.Allows(VenueId{0}, InstrumentId{0}, Side::kBuy, Ms(1)));
  EXPECT_EQ(r.CountInWindow(VenueId{0}, InstrumentId{0}, Side::kBuy, Ms(1)), 0);
}

TEST(RepeatThrottle, RefusesTheMaxPlusFirstOrderOnOneVenueInstrumentSide) {
  RepeatThrottle r;
  r.Configure(2, 3, 2, Ms(1000));
  const VenueId v{1};
  const InstrumentId i{2};
  EXPECT_TRUE(r.Allows(v, i, Side::kBuy, Ms(0)));
  r.Record(v, i, Side::kBuy, Ms(0));
  EXPECT_TRUE(r.Allows(v, i, Side::kBuy, Ms(10)));
  r.Record(v, i, Side::kBuy, Ms(10));
  EXPECT_FALSE(r.Allows(v, i, Side::kBuy, Ms(20)));
  EXPECT_EQ(r.CountInWindow(v, i, Side::kBuy, Ms(20)), 2);
  // Other sides, instruments and venues have their own counts.
  EXPECT_TRUE(r.Allows(v, i, Side::kSell, Ms(20)));
  EXPECT_TRUE(r.Allows(v, InstrumentId{1}, Side::kBuy, Ms(20)));
  EXPECT_TRUE(r.Allows(VenueId{0}, i, Side::kBuy, Ms(20)));
  EXPECT_EQ(r.CountInWindow(VenueId{0}, i, Side::kBuy, Ms(20)), 0);
}

TEST(RepeatThrottle, WindowSlidesWithInputTime) {
  RepeatThrottle r;
  r.Configure(1, 1, 2, Ms(1000));
  const VenueId v{0};
  const InstrumentId i{0};
  r.Record(v, i, Side::kSell, Ms(100));
  r.Record(v, i, Side::kSell, Ms(600));
  EXPECT_FALSE(r.Allows(v, i, Side::kSell, Ms(1099)));
  EXPECT_TRUE(r.Allows(v, i, Side::kSell, Ms(1100)));  // the order at 100 is exactly a window old
  EXPECT_EQ(r.CountInWindow(v, i, Side::kSell, Ms(1100)), 1);
  EXPECT_EQ(r.CountInWindow(v, i, Side::kSell, Ms(1600)), 0);
}

TEST(RepeatThrottle, RingWrapsAroundPerKey) {
  RepeatThrottle r;
  r.Configure(2, 2, 3, Ms(1000));
  const VenueId v{1};
  const InstrumentId i{1};
  for (int64_t t = 0; t < 8; ++t) r.Record(v, i, Side::kBuy, Ms(t * 200));  // keeps 1000, 1200, 1400
  EXPECT_EQ(r.CountInWindow(v, i, Side::kBuy, Ms(1400)), 3);
  EXPECT_FALSE(r.Allows(v, i, Side::kBuy, Ms(1999)));
  EXPECT_TRUE(r.Allows(v, i, Side::kBuy, Ms(2000)));
  EXPECT_EQ(r.CountInWindow(v, i, Side::kBuy, Ms(2000)), 2);
  // The neighbouring keys were not written by the wrapping ring.
  EXPECT_EQ(r.CountInWindow(v, i, Side::kSell, Ms(1400)), 0);
  EXPECT_EQ(r.CountInWindow(VenueId{0}, i, Side::kBuy, Ms(1400)), 0);
}

TEST(RepeatThrottle, OutsideTheConfiguredIdsIsNotTracked) {
  RepeatThrottle r;
  r.Configure(2, 2, 1, Ms(1000));
  r.Record(VenueId{2}, InstrumentId{0}, Side::kBuy, Ms(0));
  r.Record(VenueId{0}, InstrumentId{2}, Side::kBuy, Ms(0));
  r.Record(VenueId::Invalid(), InstrumentId{0}, Side::kBuy, Ms(0));
  EXPECT_TRUE(r.Allows(VenueId{2}, InstrumentId{0}, Side::kBuy, Ms(0)));
  EXPECT_TRUE(r.Allows(VenueId{0}, InstrumentId{2}, Side::kBuy, Ms(0)));
  EXPECT_EQ(r.CountInWindow(VenueId{2}, InstrumentId{0}, Side::kBuy, Ms(0)), 0);
  // Nothing leaked into the tracked keys.
  for (uint8_t v = 0; v < 2; ++v)
    for (uint16_t i = 0; i < 2; ++i) EXPECT_TRUE(r.Allows(VenueId{v}, InstrumentId{i}, Side::kBuy, Ms(0)));
}

TEST(RepeatThrottle, TimeSteppingBackKeepsTheRingInOrder) {
  RepeatThrottle r;
  r.Configure(1, 1, 2, Ms(1000));
  const VenueId v{0};
  const InstrumentId i{0};
  r.Record(v, i, Side::kBuy, Ms(3000));
  r.Record(v, i, Side::kBuy, Ms(2000));  // recorded as 3000
  EXPECT_FALSE(r.Allows(v, i, Side::kBuy, Ms(3999)));
  EXPECT_TRUE(r.Allows(v, i, Side::kBuy, Ms(4000)));
}

// ---- DailyNotional

TEST(DailyNotional, SumsWithinADayAndStartsOverAtDayStart) {
  DailyNotional d;
  d.Configure(Nanos{22 * kHour});  // the day starts at 22:00 UTC
  const int64_t base = 20'000 * kDay;  // a midnight UTC
  d.Record(Notional::FromUnits(100), Nanos{base + 10 * kHour});
  d.Record(Notional::FromUnits(50), Nanos{base + 21 * kHour});
  EXPECT_EQ(d.used(Nanos{base + 22 * kHour - 1}), Notional::FromUnits(150));
  EXPECT_EQ(d.used(Nanos{base + 22 * kHour}), Notional::Zero());  // 22:00: a new day
  d.Record(Notional::FromUnits(7), Nanos{base + 23 * kHour});
  EXPECT_EQ(d.used(Nanos{base + 23 * kHour}), Notional::FromUnits(7));
  // Midnight UTC is not a boundary.
  EXPECT_EQ(d.used(Nanos{base + kDay + 1}), Notional::FromUnits(7));
  EXPECT_EQ(d.used(Nanos{base + kDay + 22 * kHour}), Notional::Zero());
}

TEST(DailyNotional, DayOfAndDayStartFloorBeforeDayStartAndBeforeTheEpoch) {
  DailyNotional d;
  d.Configure(Nanos{22 * kHour});
  EXPECT_EQ(d.DayOf(Nanos{22 * kHour}), 0);
  EXPECT_EQ(d.DayOf(Nanos{22 * kHour - 1}), -1);  // 21:59:59.999999999 on day 0 UTC: trading day -1
  EXPECT_EQ(d.DayOf(Nanos{0}), -1);
  EXPECT_EQ(d.DayOf(Nanos{-2 * kHour - 1}), -2);
  EXPECT_EQ(d.DayOf(Nanos{-2 * kHour}), -1);
  EXPECT_EQ(d.DayStart(Nanos{0}), Nanos{-2 * kHour});
  EXPECT_EQ(d.DayStart(Nanos{5 * kDay + 23 * kHour}), Nanos{5 * kDay + 22 * kHour});
  EXPECT_EQ(d.DayStart(Nanos{5 * kDay + 21 * kHour}), Nanos{4 * kDay + 22 * kHour});
}

TEST(DailyNotional, UnconfiguredDayStartsAtMidnightUtc) {
  DailyNotional d;
  EXPECT_EQ(d.used(Nanos{123}), Notional::Zero());
  d.Record(Notional::FromUnits(3), Nanos{kDay - 1});
  EXPECT_EQ(d.used(Nanos{kDay - 1}), Notional::FromUnits(3));
  EXPECT_EQ(d.used(Nanos{kDay}), Notional::Zero());
}

TEST(DailyNotional, RecordOnAStepBackOverDayStartAddsToTheCurrentDay) {
  DailyNotional d;
  d.Configure(Nanos{0});
  d.Record(Notional::FromUnits(10), Nanos{3 * kDay + 1});
  d.Record(Notional::FromUnits(4), Nanos{3 * kDay - 1});  // previous day by input time
  EXPECT_EQ(d.used(Nanos{3 * kDay + 2}), Notional::FromUnits(14));
}

}  // namespace
}  // namespace hs::risk
