#include "core/engine/vol_target.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace hs::engine {
namespace {

constexpr int64_t kDayMs = 86'400'000;

Nanos Day(int64_t d) { return Nanos::FromMillis(d * kDayMs); }
Nanos Ms(int64_t ms) { return Nanos::FromMillis(ms); }
Price P(int64_t units) { return Price::FromUnits(units); }

VolTargetParams Daily() {
  VolTargetParams p;
  p.enabled = true;
  p.annual_vol = 0.3;
  p.lambda = 0.9;
  p.sample_ms = kDayMs;
  p.warmup_samples = 3;
  p.min_scale = 0.1;
  p.max_scale = 1.0;
  return p;
}

// Six daily closes 100, 101, 99, 102, 100, 103, sampled exactly on the grid; warm-up of 3
// returns, then two EWMA steps with λ = 0.9.
TEST(VolEstimator, HandComputedSequence) {
  VolEstimator e(Daily());
  const int64_t closes[] = {100, 101, 99, 102, 100, 103};

  // r_k = ln(p_k / p_{k−1}); the decimal values were computed separately to 40 digits.
  const double r1 = std::log(101.0 / 100.0);  //  0.009950330853168083
  const double r2 = std::log(99.0 / 101.0);   // −0.020000666706669524
  const double r3 = std::log(102.0 / 99.0);   //  0.029852963149681154
  const double r4 = std::log(100.0 / 102.0);  // −0.019802627296179713
  const double r5 = std::log(103.0 / 100.0);  //  0.029558802241544403
  EXPECT_NEAR(r1, 0.009950330853168083, 1e-15);
  EXPECT_NEAR(r2, -0.020000666706669524, 1e-15);
  EXPECT_NEAR(r3, 0.029852963149681154, 1e-15);
  EXPECT_NEAR(r4, -0.019802627296179713, 1e-15);
  EXPECT_NEAR(r5, 0.029558802241544403, 1e-15);

  // σ² after warm-up: mean of the first three r²; then σ² ← 0.9σ² + 0.1r².
  const double v3 = (r1 * r1 + r2 * r2 + r3 * r3) / 3.0;
  const double v4 = 0.9 * v3 + 0.1 * (r4 * r4);
  const double v5 = 0.9 * v4 + 0.1 * (r5 * r5);
  // σ_annual = σ · sqrt(365·86400·1000 / sample_ms) = σ · sqrt(365) for daily samples.
  const double ann = std::sqrt(365.0 * 86400.0 * 1000.0 / static_cast<double>(kDayMs));
  EXPECT_NEAR(ann, 19.104973174542800179, 1e-12);

  for (int k = 0; k < 3; ++k) {  // prices 0..2: two returns, still warming up
    e.OnReference(P(closes[k]), Day(k));
    EXPECT_FALSE(e.warmed_up());
    EXPECT_EQ(e.scale(), 1.0);
    EXPECT_EQ(e.sigma_annual(), 0.0);
  }
  EXPECT_EQ(e.samples(), 3);
  EXPECT_EQ(e.returns(), 2);
  EXPECT_DOUBLE_EQ(e.last_return(), r2);

  e.OnReference(P(closes[3]), Day(3));
  ASSERT_TRUE(e.warmed_up());
  EXPECT_DOUBLE_EQ(e.variance(), v3);
  EXPECT_DOUBLE_EQ(e.sigma_annual(), std::sqrt(v3) * ann);
  EXPECT_NEAR(e.sigma_annual(), 0.41127275377356653035, 1e-12);
  EXPECT_NEAR(e.scale(), 0.72944292381977312349, 1e-12);  // 0.3 / σ_annual, inside [0.1, 1]

  e.OnReference(P(closes[4]), Day(4));
  EXPECT_DOUBLE_EQ(e.variance(), v4);
  EXPECT_NEAR(e.sigma_annual(), 0.40809803717083666224, 1e-12);
  EXPECT_NEAR(e.scale(), 0.73511747833870365724, 1e-12);

  e.OnReference(P(closes[5]), Day(5));
  EXPECT_DOUBLE_EQ(e.variance(), v5);
  EXPECT_DOUBLE_EQ(e.sigma_annual(), std::sqrt(v5) * ann);
  EXPECT_NEAR(e.sigma_annual(), 0.42635723165177846402, 1e-12);
  EXPECT_DOUBLE_EQ(e.scale(), 0.3 / (std::sqrt(v5) * ann));
  EXPECT_NEAR(e.scale(), 0.70363530328253225473, 1e-12);
  EXPECT_EQ(e.samples(), 6);
  EXPECT_EQ(e.returns(), 5);

  // The scale as a Rate is floor(0.70363530328 × 10^8) = 70363530; 0.5 × it floored.
  EXPECT_EQ(ScaleAsRate(e.scale()).raw(), 70'363'530);
  EXPECT_EQ(EffectiveWeight(Rate::FromRaw(50'000'000), e.scale()).raw(), 35'181'765);
}

TEST(VolEstimator, ClampsAtMinScale) {
  VolTargetParams p = Daily();
  p.min_scale = 0.8;  // 0.3 / 0.411 = 0.729 is below it
  VolEstimator e(p);
  const int64_t closes[] = {100, 101, 99, 102};
  for (int k = 0; k < 4; ++k) e.OnReference(P(closes[k]), Day(k));
  ASSERT_TRUE(e.warmed_up());
  EXPECT_EQ(e.scale(), 0.8);
}

TEST(VolEstimator, ClampsAtMaxScale) {
  VolTargetParams p = Daily();
  p.annual_vol = 2.0;  // 2 / 0.411 = 4.86 is above it
  p.max_scale = 1.5;
  VolEstimator e(p);
  const int64_t closes[] = {100, 101, 99, 102};
  for (int k = 0; k < 4; ++k) e.OnReference(P(closes[k]), Day(k));
  ASSERT_TRUE(e.warmed_up());
  EXPECT_EQ(e.scale(), 1.5);
}

TEST(VolEstimator, ZeroSigmaUsesMaxScale) {
  VolTargetParams p = Daily();
  p.max_scale = 1.25;
  VolEstimator e(p);
  for (int k = 0; k < 5; ++k) e.OnReference(P(100), Day(k));
  ASSERT_TRUE(e.warmed_up());
  EXPECT_EQ(e.sigma_annual(), 0.0);
  EXPECT_EQ(e.scale(), 1.25);
}

TEST(VolEstimator, DisabledIgnoresPrices) {
  VolTargetParams p = Daily();
  p.enabled = false;
  VolEstimator e(p);
  for (int k = 0; k < 10; ++k) e.OnReference(P(100 + k), Day(k));
  EXPECT_FALSE(e.warmed_up());
  EXPECT_EQ(e.samples(), 0);
  EXPECT_EQ(e.scale(), 1.0);
  VolEstimator d;  // default: disabled
  d.OnReference(P(100), Day(0));
  EXPECT_EQ(d.samples(), 0);
  EXPECT_EQ(d.scale(), 1.0);
}

TEST(VolEstimator, IgnoresNonPositivePrices) {
  VolEstimator e(Daily());
  e.OnReference(Price::Zero(), Day(0));
  e.OnReference(-P(5), Day(0));
  EXPECT_EQ(e.samples(), 0);
  e.OnReference(P(100), Day(1));
  EXPECT_EQ(e.samples(), 1);
  EXPECT_EQ(e.next_sample(), Day(2));  // the grid starts at the first accepted price
}

TEST(VolEstimator, SamplesOnInputTimeGrid) {
  VolTargetParams p = Daily();
  p.sample_ms = 1000;
  p.warmup_samples = 10;
  VolEstimator e(p);
  e.OnReference(P(100), Ms(5000));  // starts the grid: points at 6000, 7000, ...
  EXPECT_EQ(e.samples(), 1);
  EXPECT_EQ(e.next_sample(), Ms(6000));

  // Calls between grid points do not sample; they only move the latest price.
  e.OnReference(P(150), Ms(5100));
  e.OnReference(P(110), Ms(5999));
  EXPECT_EQ(e.samples(), 1);

  // Just after the grid point 6000: the sample is the latest price at or before 6000 (110), not
  // the price at 6001; r = ln(110/100).
  e.OnReference(P(120), Ms(6001));
  EXPECT_EQ(e.samples(), 2);
  EXPECT_DOUBLE_EQ(e.last_return(), std::log(110.0 / 100.0));
  EXPECT_EQ(e.next_sample(), Ms(7000));

  // Exactly on the grid point: that price is the sample (120, seen at 6001, never is).
  e.OnReference(P(132), Ms(7000));
  EXPECT_EQ(e.samples(), 3);
  EXPECT_DOUBLE_EQ(e.last_return(), std::log(132.0 / 110.0));
  EXPECT_EQ(e.next_sample(), Ms(8000));

  // Time going backwards never samples.
  e.OnReference(P(140), Ms(6500));
  EXPECT_EQ(e.samples(), 3);

  // A gap over grid points 8000..12000: one sample (the latest price, 140), and the grid moves to
  // the first point after 12500.
  e.OnReference(P(200), Ms(12'500));
  EXPECT_EQ(e.samples(), 4);
  EXPECT_EQ(e.returns(), 3);
  EXPECT_DOUBLE_EQ(e.last_return(), std::log(140.0 / 132.0));
  EXPECT_EQ(e.next_sample(), Ms(13'000));

  // A gap that ends exactly on a grid point samples the price at that point (250); the previous
  // sample was 140 (200 was seen but never sampled).
  e.OnReference(P(250), Ms(16'000));
  EXPECT_EQ(e.samples(), 5);
  EXPECT_DOUBLE_EQ(e.last_return(), std::log(250.0 / 140.0));
  EXPECT_EQ(e.next_sample(), Ms(17'000));
}

TEST(VolEstimator, WarmupOfOneStartsFromTheFirstSquaredReturn) {
  VolTargetParams p = Daily();
  p.warmup_samples = 1;
  VolEstimator e(p);
  e.OnReference(P(100), Day(0));
  EXPECT_FALSE(e.warmed_up());
  e.OnReference(P(105), Day(1));
  ASSERT_TRUE(e.warmed_up());
  const double r = std::log(105.0 / 100.0);
  EXPECT_DOUBLE_EQ(e.variance(), r * r);
}

TEST(EffectiveWeight, ExactRawValues) {
  const Rate w = Rate::FromRaw(50'000'000);  // 0.5
  EXPECT_EQ(EffectiveWeight(w, 1.0).raw(), 50'000'000);
  EXPECT_EQ(EffectiveWeight(w, 0.5).raw(), 25'000'000);
  EXPECT_EQ(EffectiveWeight(w, 0.0).raw(), 0);
  EXPECT_EQ(EffectiveWeight(w, -1.0).raw(), 0);
  EXPECT_EQ(EffectiveWeight(w, std::nan("")).raw(), 0);
  // 0.3 × 10^8 is 30000000 in double (0.3 is 0.29999999999999998890, the product rounds up).
  EXPECT_EQ(ScaleAsRate(0.3).raw(), 30'000'000);
  EXPECT_EQ(EffectiveWeight(Rate::FromRaw(33'333'333), 0.3).raw(), 9'999'999);  // 9999999.9 floored
  // Scale floored to 10^-8 first: 0.123456789 → 12345678, then 0.2 × it = 2469135.6 → 2469135.
  EXPECT_EQ(ScaleAsRate(0.123456789).raw(), 12'345'678);
  EXPECT_EQ(EffectiveWeight(Rate::FromRaw(20'000'000), 0.123456789).raw(), 2'469'135);
  // Above 1: weight grows; floored.
  EXPECT_EQ(EffectiveWeight(Rate::FromRaw(33'333'333), 1.5).raw(), 49'999'999);
  // Rounding DOWN also for a negative weight: −0.33333333 × 0.3 = −9999999.9 → −10000000.
  EXPECT_EQ(EffectiveWeight(Rate::FromRaw(-33'333'333), 0.3).raw(), -10'000'000);
  // Huge and infinite scales cap at 10^4.
  EXPECT_EQ(ScaleAsRate(1e300).raw(), 10'000LL * Rate::kScale);
  EXPECT_EQ(ScaleAsRate(INFINITY).raw(), 10'000LL * Rate::kScale);
}

struct Trace {
  std::vector<uint64_t> sigma_bits;
  std::vector<int64_t> weights;
};

Trace RunTrace(uint32_t seed) {
  VolTargetParams p = Daily();
  p.sample_ms = 250;
  p.warmup_samples = 20;
  p.lambda = 0.97;
  p.max_scale = 2.0;
  VolEstimator e(p);
  std::mt19937_64 rng(seed);
  int64_t t_ms = 1'700'000'000'000;
  int64_t raw = 30'000 * Price::kScale;
  Trace tr;
  for (int i = 0; i < 20'000; ++i) {
    t_ms += static_cast<int64_t>(rng() % 400);
    raw += static_cast<int64_t>(rng() % 2'000'001) * 1'000'000 - 1'000'000'000'000;  // ±1.0 units
    e.OnReference(Price::FromRaw(raw), Ms(t_ms));
    tr.sigma_bits.push_back(std::bit_cast<uint64_t>(e.sigma_annual()));
    tr.weights.push_back(EffectiveWeight(Rate::FromRaw(40'000'000), e.scale()).raw());
  }
  return tr;
}

TEST(VolEstimator, SameInputsGiveIdenticalBits) {
  const Trace a = RunTrace(7);
  const Trace b = RunTrace(7);
  EXPECT_EQ(a.sigma_bits, b.sigma_bits);
  EXPECT_EQ(a.weights, b.weights);
  EXPECT_NE(a.sigma_bits.back(), 0u);
}

TEST(VolTargetParams, Validation) {
  EXPECT_EQ(ValidateVolTargetParams(VolTargetParams{}), nullptr);  // disabled
  EXPECT_EQ(ValidateVolTargetParams(Daily()), nullptr);
  VolTargetParams p = Daily();
  p.lambda = 1.0;
  EXPECT_NE(ValidateVolTargetParams(p), nullptr);
  p = Daily();
  p.sample_ms = 0;
  EXPECT_NE(ValidateVolTargetParams(p), nullptr);
  p = Daily();
  p.warmup_samples = 0;
  EXPECT_NE(ValidateVolTargetParams(p), nullptr);
  p = Daily();
  p.annual_vol = 0;
  EXPECT_NE(ValidateVolTargetParams(p), nullptr);
  p = Daily();
  p.min_scale = 2.0;
  EXPECT_NE(ValidateVolTargetParams(p), nullptr);
  p = Daily();
  p.max_scale = std::nan("");
  EXPECT_NE(ValidateVolTargetParams(p), nullptr);
}

}  // namespace
}  // namespace hs::engine
