#include "risk/breaker_metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

namespace hs::risk {
namespace {

constexpr Nanos kT0 = Nanos::FromSeconds(1'700'000'000);
Nanos Sec(double s) { return kT0 + Nanos{static_cast<int64_t>(std::llround(s * 1e9))}; }

// A window of kBuckets - 1 seconds makes every bucket one second wide.
constexpr Nanos kWindow = Nanos::FromSeconds(CounterWindow::kBuckets - 1);
constexpr Nanos kBucket = Nanos::FromSeconds(1);

// ---- CounterWindow

TEST(CounterWindow, NoSamplesMeansNoRise) {
  CounterWindow w;
  w.Configure(kWindow);
  EXPECT_EQ(w.Rise(), 0u);
}

TEST(CounterWindow, TheFirstSampleIsTheBaseline) {
  CounterWindow w;
  w.Configure(kWindow);
  w.Sample(Sec(1), 1'000);
  EXPECT_EQ(w.Rise(), 0u);
  w.Sample(Sec(1.5), 1'004);
  EXPECT_EQ(w.Rise(), 4u);
  w.Sample(Sec(30), 1'010);
  EXPECT_EQ(w.Rise(), 10u);
}

TEST(CounterWindow, AJumpCountsWhileInsideTheWindowAndIsGoneOneBucketAfter) {
  CounterWindow w;
  w.Configure(kWindow);
  const uint64_t jump = 10;
  const Nanos jump_at = Sec(5.5);
  uint64_t count = 0;
  for (int s = 0; s <= 120; ++s) {
    // A sample every second plus the jump between two of them.
    if (Sec(s) > jump_at && Sec(s - 1) < jump_at) {
      count += jump;
      w.Sample(jump_at, count);
    }
    w.Sample(Sec(s), count);
    if (Sec(s) < jump_at) {
      EXPECT_EQ(w.Rise(), 0u) << s;
    } else if (Sec(s) - jump_at <= kWindow) {
      EXPECT_EQ(w.Rise(), jump) << "missed a rise inside the window at " << s;
    } else if (Sec(s) - jump_at > kWindow + kBucket) {
      EXPECT_EQ(w.Rise(), 0u) << "kept a rise older than window + bucket at " << s;
    }
  }
}

TEST(CounterWindow, ASteadyRateSeesTheWindowsWorthAndAtMostOneBucketMore) {
  CounterWindow w;
  w.Configure(kWindow);
  const uint64_t per_second = 3;
  for (int s = 0; s <= 200; ++s) {
    w.Sample(Sec(s), per_second * static_cast<uint64_t>(s));
    if (s < 70) continue;
    const uint64_t in_window = per_second * static_cast<uint64_t>(kWindow.value / kBucket.value);
    EXPECT_GE(w.Rise(), in_window) << s;
    EXPECT_LE(w.Rise(), in_window + per_second) << s;
  }
}

TEST(CounterWindow, SeveralSamplesInOneBucketAllCount) {
  CounterWindow w;
  w.Configure(kWindow);
  w.Sample(Sec(10), 0);
  for (int k = 1; k <= 9; ++k) w.Sample(Sec(10 + k * 0.1), static_cast<uint64_t>(k));
  EXPECT_EQ(w.Rise(), 9u);
  w.Sample(Sec(11.2), 12);
  EXPECT_EQ(w.Rise(), 12u);
}

TEST(CounterWindow, ARiseBetweenSparseSamplesCountsWholeThenAgesOut) {
  CounterWindow w;
  w.Configure(kWindow);
  w.Sample(Sec(0), 0);
  w.Sample(Sec(100), 7);  // somewhere in the last 100 s, perhaps inside the window
  EXPECT_EQ(w.Rise(), 7u);
  w.Sample(Sec(200), 7);
  EXPECT_EQ(w.Rise(), 0u);
}

TEST(CounterWindow, ACounterThatRestartsRestartsTheWindowFromIt) {
  CounterWindow w;
  w.Configure(kWindow);
  w.Sample(Sec(0), 50);
  w.Sample(Sec(1), 60);
  EXPECT_EQ(w.Rise(), 10u);
  w.Sample(Sec(2), 3);  // the source restarted its count
  EXPECT_EQ(w.Rise(), 0u);
  w.Sample(Sec(3), 8);
  EXPECT_EQ(w.Rise(), 5u);
  w.Sample(Sec(3.5), 8);
  EXPECT_EQ(w.Rise(), 5u);
}

TEST(CounterWindow, TimeSteppingBackCountsIntoTheCurrentBucket) {
  CounterWindow w;
  w.Configure(kWindow);
  w.Sample(Sec(10), 5);
  w.Sample(Sec(9), 7);
  EXPECT_EQ(w.Rise(), 2u);
  w.Sample(Sec(11), 9);
  EXPECT_EQ(w.Rise(), 4u);
}

TEST(CounterWindow, ConfigureForgetsEarlierSamples) {
  CounterWindow w;
  w.Configure(kWindow);
  w.Sample(Sec(0), 0);
  w.Sample(Sec(1), 40);
  w.Configure(kWindow);
  EXPECT_EQ(w.Rise(), 0u);
  w.Sample(Sec(2), 45);
  EXPECT_EQ(w.Rise(), 0u);
}

TEST(CounterWindow, AZeroOrNegativeWindowStillWorksAsTheNarrowestOne) {
  for (Nanos window : {Nanos{}, Nanos{-5}}) {
    CounterWindow w;
    w.Configure(window);
    w.Sample(Sec(0), 1);
    w.Sample(Sec(0), 4);
    EXPECT_EQ(w.Rise(), 3u);
    w.Sample(Sec(1), 4);
    EXPECT_EQ(w.Rise(), 0u);
  }
}

// ---- VolRatio

Price Px(double p) { return Price::FromRaw(static_cast<int64_t>(std::llround(p * static_cast<double>(Price::kScale)))); }

TEST(VolRatio, ZeroUntilWarmupReturnsWereSeen) {
  VolRatio v;
  v.Configure(Nanos::FromSeconds(1), 2, 20, 3);
  v.OnPrice(Px(100), Sec(0));
  EXPECT_EQ(v.returns(), 0);
  v.OnPrice(Px(101), Sec(1));
  v.OnPrice(Px(100), Sec(2));
  EXPECT_EQ(v.returns(), 2);
  EXPECT_EQ(v.Ratio(), 0.0);
  v.OnPrice(Px(101), Sec(3));
  EXPECT_EQ(v.returns(), 3);
  EXPECT_GT(v.Ratio(), 0.0);
}

TEST(VolRatio, TakesOneReturnPerSampleInterval) {
  VolRatio v;
  v.Configure(Nanos::FromSeconds(1), 2, 20, 1);
  v.OnPrice(Px(100), Sec(0));
  v.OnPrice(Px(150), Sec(0.5));  // inside the interval: ignored, not the next return's base
  EXPECT_EQ(v.returns(), 0);
  v.OnPrice(Px(101), Sec(1));
  EXPECT_EQ(v.returns(), 1);
  v.OnPrice(Px(102), Sec(1.999));
  EXPECT_EQ(v.returns(), 1);
  v.OnPrice(Px(102), Sec(2));
  EXPECT_EQ(v.returns(), 2);
}

TEST(VolRatio, NonPositivePricesAreIgnored) {
  VolRatio v;
  v.Configure(Nanos{}, 2, 20, 1);
  v.OnPrice(Price::Zero(), Sec(0));
  v.OnPrice(Px(-5), Sec(1));
  EXPECT_EQ(v.returns(), 0);
  v.OnPrice(Px(100), Sec(2));
  v.OnPrice(Price::Zero(), Sec(3));
  v.OnPrice(Px(-1), Sec(4));
  EXPECT_EQ(v.returns(), 0);
  v.OnPrice(Px(101), Sec(5));
  EXPECT_EQ(v.returns(), 1);
}

TEST(VolRatio, AveragesAreEwmasOfSquaredLogReturnsWithTheirHalfLives) {
  const double hs = 1.5, hl = 4;
  VolRatio v;
  v.Configure(Nanos::FromSeconds(1), hs, hl, 1);
  const double prices[] = {100, 101, 99.5, 99.7, 103, 102};
  const double as = 1 - std::pow(2.0, -1 / hs), al = 1 - std::pow(2.0, -1 / hl);
  double s = 0, l = 0;
  for (int k = 0; k < 6; ++k) {
    v.OnPrice(Px(prices[k]), Sec(k));
    if (k == 0) continue;
    // From the prices as the class sees them (9 dp), so only the arithmetic is compared.
    const double r =
        std::log(static_cast<double>(Px(prices[k]).raw()) / static_cast<double>(Px(prices[k - 1]).raw()));
    if (k == 1) {
      s = l = r * r;
    } else {
      s += as * (r * r - s);
      l += al * (r * r - l);
    }
    EXPECT_NEAR(v.Ratio(), std::sqrt(s / l), 1e-9) << k;
  }
  EXPECT_NE(v.Ratio(), 1.0);
}

TEST(VolRatio, NoMovementGivesNoRatio) {
  VolRatio v;
  v.Configure(Nanos{}, 2, 20, 1);
  for (int k = 0; k < 10; ++k) v.OnPrice(Px(100), Sec(k));
  EXPECT_EQ(v.returns(), 9);
  EXPECT_EQ(v.Ratio(), 0.0);  // long average 0: nothing to compare with
}

TEST(VolRatio, NearOneForASteadyRandomWalkAndAboveThreeAfterABurst) {
  const uint64_t seed = 13;
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> step(0.0, 1e-3);
  VolRatio v;
  v.Configure(Nanos::FromSeconds(1), 10, 300, 30);
  double log_px = std::log(30'000.0);
  int s = 0;
  for (; s < 3'000; ++s) {
    log_px += step(rng);
    v.OnPrice(Px(std::exp(log_px)), Sec(s));
    if (s > 1'000) {
      ASSERT_GT(v.Ratio(), 0.4) << "seed " << seed << " at " << s;
      ASSERT_LT(v.Ratio(), 2.0) << "seed " << seed << " at " << s;
    }
  }
  EXPECT_NEAR(v.Ratio(), 1.0, 0.5);
  // Ten returns of ten standard deviations each.
  for (int k = 0; k < 10; ++k, ++s) {
    log_px += (k % 2 == 0 ? 1 : -1) * 10e-3;
    v.OnPrice(Px(std::exp(log_px)), Sec(s));
  }
  EXPECT_GT(v.Ratio(), 3.0) << "seed " << seed;
}

TEST(VolRatio, ConfigureStartsAfresh) {
  VolRatio v;
  v.Configure(Nanos{}, 2, 20, 1);
  v.OnPrice(Px(100), Sec(0));
  v.OnPrice(Px(110), Sec(1));
  EXPECT_EQ(v.returns(), 1);
  v.Configure(Nanos{}, 2, 20, 1);
  EXPECT_EQ(v.returns(), 0);
  EXPECT_EQ(v.Ratio(), 0.0);
  v.OnPrice(Px(50), Sec(2));
  EXPECT_EQ(v.returns(), 0);  // a new first price, not a return from 110
}

// ---- Drawdown

TEST(Drawdown, ZeroBeforeAnyPositiveNav) {
  Drawdown d;
  EXPECT_EQ(d.Fraction(), Rate::Zero());
  d.OnNav(Amount::FromUnits(-100));
  d.OnNav(Amount::Zero());
  EXPECT_EQ(d.Fraction(), Rate::Zero());
  EXPECT_EQ(d.peak(), Amount::Zero());
}

TEST(Drawdown, ZeroAtThePeakAndTheExactFractionBelowIt) {
  Drawdown d;
  d.OnNav(Amount::FromUnits(1'000));
  EXPECT_EQ(d.Fraction(), Rate::Zero());
  d.OnNav(Amount::FromUnits(900));
  EXPECT_EQ(d.Fraction(), Rate::FromRaw(Rate::kScale / 10));
  d.OnNav(Amount::FromUnits(750));
  EXPECT_EQ(d.Fraction(), Rate::FromRaw(Rate::kScale / 4));
  EXPECT_EQ(d.peak(), Amount::FromUnits(1'000));
}

TEST(Drawdown, TheFractionIsRoundedUp) {
  Drawdown d;
  d.OnNav(Amount::FromUnits(3));
  d.OnNav(Amount::FromUnits(2));
  EXPECT_EQ(d.Fraction(), Rate::FromRaw((Rate::kScale + 2) / 3));  // 1/3, up
  Drawdown tiny;
  tiny.OnNav(Amount::FromUnits(1'000'000));
  tiny.OnNav(Amount::FromUnits(1'000'000) - Amount::FromRaw(1));
  EXPECT_EQ(tiny.Fraction(), Rate::FromRaw(1));  // far below one Rate unit: still not zero
}

TEST(Drawdown, ThePeakRatchetsUpAndTheFractionFollowsIt) {
  Drawdown d;
  d.OnNav(Amount::FromUnits(1'000));
  d.OnNav(Amount::FromUnits(1'200));
  d.OnNav(Amount::FromUnits(900));
  EXPECT_EQ(d.peak(), Amount::FromUnits(1'200));
  EXPECT_EQ(d.Fraction(), Rate::FromRaw(Rate::kScale / 4));
  d.OnNav(Amount::FromUnits(1'300));
  EXPECT_EQ(d.Fraction(), Rate::Zero());
  EXPECT_EQ(d.peak(), Amount::FromUnits(1'300));
}

TEST(Drawdown, ANegativeNavGivesMoreThanTheWhole) {
  Drawdown d;
  d.OnNav(Amount::FromUnits(1'000));
  d.OnNav(Amount::FromUnits(-500));
  EXPECT_EQ(d.Fraction(), Rate::FromRaw(Rate::kScale * 3 / 2));
}

TEST(Drawdown, ADeeplyNegativeNavAgainstALargePeakDoesNotOverflow) {
  Drawdown d;
  const int64_t peak = std::numeric_limits<int64_t>::max() / 2;
  d.OnNav(Amount::FromRaw(peak));
  d.OnNav(Amount::FromRaw(-peak));
  EXPECT_EQ(d.Fraction(), Rate::FromRaw(2 * Rate::kScale));
}

TEST(Drawdown, LargeNavsDoNotOverflow) {
  Drawdown d;
  const int64_t peak = std::numeric_limits<int64_t>::max() / 2 * 2;  // even, so half is exact
  d.OnNav(Amount::FromRaw(peak));
  d.OnNav(Amount::FromRaw(peak / 2));
  EXPECT_EQ(d.Fraction(), Rate::FromRaw(Rate::kScale / 2));
}

// ---- ClockCheck

TEST(ClockCheck, TheFirstInputOfASourceIsItsBaseline) {
  ClockCheck c;
  c.Configure(Nanos::FromSeconds(1));
  EXPECT_EQ(c.OnInput(3, Sec(100)), 0);
  EXPECT_EQ(c.OnInput(3, Sec(101)), 0);
  EXPECT_EQ(c.OnInput(4, Sec(1)), 0);  // another source has its own baseline
}

TEST(ClockCheck, AnInputGoingBackwardsReturnsTheStepOnce) {
  ClockCheck c;
  c.Configure(Nanos::FromSeconds(1));
  c.OnInput(0, Sec(100));
  EXPECT_EQ(c.OnInput(0, Sec(99.75)), (Sec(99.75) - Sec(100)).value);
  EXPECT_EQ(c.OnInput(0, Sec(99.8)), 0);  // measured from the stepped-back time now
  EXPECT_EQ(c.OnInput(0, Sec(99.8)), 0);  // the same time again is not backwards
}

TEST(ClockCheck, InputsNeverReportForwardJumps) {
  ClockCheck c;
  c.Configure(Nanos::FromSeconds(1));
  c.OnInput(1, Sec(0));
  EXPECT_EQ(c.OnInput(1, Sec(3'600)), 0);  // a quiet venue is not a clock problem
}

TEST(ClockCheck, SourcesOutOfRangeAreIgnored) {
  ClockCheck c;
  c.Configure(Nanos::FromSeconds(1));
  for (int source : {-1, ClockCheck::kSources, 1'000}) {
    EXPECT_EQ(c.OnInput(source, Sec(100)), 0) << source;
    EXPECT_EQ(c.OnInput(source, Sec(1)), 0) << source;
  }
  EXPECT_EQ(c.OnInput(ClockCheck::kSources - 1, Sec(5)), 0);
  EXPECT_EQ(c.OnInput(ClockCheck::kSources - 1, Sec(4)), (Sec(4) - Sec(5)).value);
}

TEST(ClockCheck, TheTimerReportsBackwardStepsAndJumpsBeyondTheLimit) {
  ClockCheck c;
  const Nanos max_jump = Nanos::FromSeconds(2);
  c.Configure(max_jump);
  EXPECT_EQ(c.OnTimer(Sec(10)), 0);
  EXPECT_EQ(c.OnTimer(Sec(10) + max_jump), 0);  // exactly the limit is fine
  const Nanos before = Sec(10) + max_jump;
  const Nanos jumped = before + max_jump + Nanos{1};
  EXPECT_EQ(c.OnTimer(jumped), (jumped - before).value);
  EXPECT_EQ(c.OnTimer(jumped + Nanos::FromMillis(100)), 0);  // measured from the jumped time
  const Nanos back = jumped - Nanos::FromMillis(500);
  EXPECT_EQ(c.OnTimer(back), (back - (jumped + Nanos::FromMillis(100))).value);
  EXPECT_EQ(c.OnTimer(back + Nanos::FromMillis(100)), 0);
}

TEST(ClockCheck, WithNoJumpLimitTheTimerChecksOnlyBackwardSteps) {
  ClockCheck c;
  c.Configure(Nanos{});
  c.OnTimer(Sec(0));
  EXPECT_EQ(c.OnTimer(Sec(86'400)), 0);
  EXPECT_LT(c.OnTimer(Sec(86'399)), 0);
}

TEST(ClockCheck, TheTimerAndTheInputsAreSeparateSources) {
  ClockCheck c;
  c.Configure(Nanos::FromSeconds(1));
  c.OnInput(0, Sec(100));
  EXPECT_EQ(c.OnTimer(Sec(50)), 0);
  EXPECT_EQ(c.OnInput(0, Sec(100.5)), 0);
}

}  // namespace
}  // namespace hs::risk
