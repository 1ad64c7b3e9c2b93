#include "core/engine/allocator.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <random>

namespace hs::engine {
namespace {

constexpr AssetId kBtc{0};
constexpr AssetId kEth{1};
constexpr AssetId kUsdt{2};
constexpr VenueId kV0{0};
constexpr VenueId kV1{1};
constexpr VenueId kV2{2};

Rate R(int64_t raw) { return Rate::FromRaw(raw); }
Amount U(int64_t units) { return Amount::FromUnits(units); }
Amount A(int64_t raw) { return Amount::FromRaw(raw); }

// BTC/ETH/USDT on three venues, targets 0.5/0.2/0.3 with bands 0.02/0.02/0.03.
AllocatorParams ThreeAssets() {
  AllocatorParams p;
  p.assets = 3;
  p.venues = 3;
  p.valuation_asset = kUsdt;
  p.target[0] = {R(50'000'000), R(2'000'000)};
  p.target[1] = {R(20'000'000), R(2'000'000)};
  p.target[2] = {R(30'000'000), R(3'000'000)};
  p.venue_share[0] = {R(40'000'000), R(40'000'000), R(20'000'000)};
  p.venue_share[1] = {R(50'000'000), R(30'000'000), R(20'000'000)};
  p.venue_share[2] = {R(33'333'334), R(33'333'333), R(33'333'333)};
  p.venue_band = R(5'000'000);
  p.risky[0] = true;
  p.risky[1] = true;
  return p;
}

// Values giving weights 0.6/0.1/0.3 of a NAV of 100000.
Holdings SixOneThree() {
  Holdings h;
  h.value[0] = {U(30'000), U(20'000), U(10'000)};  // BTC 60000
  h.value[1] = {U(5'000), U(5'000), U(0)};         // ETH 10000
  h.value[2] = {U(10'000), U(10'000), U(10'000)};  // USDT 30000
  return h;
}

TEST(Allocator, DriftBandsAndCorrectionsToTheEdge) {
  auto alloc = std::make_unique<Allocator>(ThreeAssets());
  alloc->Evaluate(SixOneThree());
  ASSERT_TRUE(alloc->nav_positive());
  EXPECT_EQ(alloc->nav(), U(100'000));
  EXPECT_EQ(alloc->asset_value(kBtc), U(60'000));

  EXPECT_EQ(alloc->weight(kBtc).raw(), 60'000'000);
  EXPECT_EQ(alloc->weight(kEth).raw(), 10'000'000);
  EXPECT_EQ(alloc->weight(kUsdt).raw(), 30'000'000);
  EXPECT_EQ(alloc->effective_target(kBtc).raw(), 50'000'000);  // no vol samples: scale 1
  EXPECT_EQ(alloc->effective_target(kUsdt).raw(), 30'000'000);

  EXPECT_EQ(alloc->drift(kBtc).raw(), 10'000'000);
  EXPECT_EQ(alloc->drift(kEth).raw(), -10'000'000);
  EXPECT_EQ(alloc->drift(kUsdt).raw(), 0);
  EXPECT_FALSE(alloc->in_band(kBtc));
  EXPECT_FALSE(alloc->in_band(kEth));
  EXPECT_TRUE(alloc->in_band(kUsdt));
  EXPECT_EQ(alloc->out_of_band(), 2);
  EXPECT_EQ(alloc->max_abs_drift().raw(), 10'000'000);

  // BTC above 0.5 + 0.02: sell to 0.52 × 100000 = 52000, i.e. −8000.
  EXPECT_EQ(alloc->correction(kBtc).raw(), -8'000'000'000'000);
  // ETH below 0.2 − 0.02: buy to 0.18 × 100000 = 18000, i.e. +8000.
  EXPECT_EQ(alloc->correction(kEth).raw(), 8'000'000'000'000);
  EXPECT_EQ(alloc->correction(kUsdt).raw(), 0);
}

TEST(Allocator, CorrectionsToTheTarget) {
  AllocatorParams p = ThreeAssets();
  p.trade_to_target = true;
  auto alloc = std::make_unique<Allocator>(p);
  alloc->Evaluate(SixOneThree());
  EXPECT_EQ(alloc->correction(kBtc).raw(), -10'000'000'000'000);
  EXPECT_EQ(alloc->correction(kEth).raw(), 10'000'000'000'000);
  EXPECT_EQ(alloc->correction(kUsdt).raw(), 0);
  // The venue corrections go to the share targets too.
  EXPECT_EQ(alloc->venue_correction(kBtc, kV0), U(-6'000));  // 30000 → 0.4 × 60000
  EXPECT_EQ(alloc->venue_correction(kBtc, kV1), U(4'000));   // 20000 → 24000
  EXPECT_EQ(alloc->venue_correction(kBtc, kV2), A(0));       // in band
}

TEST(Allocator, RoundsTowardZero) {
  // NAV of 7.000000001: nothing divides evenly.
  Holdings h;
  h.value[0][0] = A(4'000'000'001);  // BTC 4.000000001
  h.value[1][0] = U(1);              // ETH 1
  h.value[2][0] = U(2);              // USDT 2
  auto alloc = std::make_unique<Allocator>(ThreeAssets());
  alloc->Evaluate(h);
  EXPECT_EQ(alloc->nav().raw(), 7'000'000'001);
  // 4000000001e8 / 7000000001 = 57142857.15 → 57142857; 1e17 / 7000000001 = 14285714.28 → 14285714;
  // 2e17 / 7000000001 = 28571428.57 → 28571428.
  EXPECT_EQ(alloc->weight(kBtc).raw(), 57'142'857);
  EXPECT_EQ(alloc->weight(kEth).raw(), 14'285'714);
  EXPECT_EQ(alloc->weight(kUsdt).raw(), 28'571'428);
  EXPECT_EQ(alloc->drift(kUsdt).raw(), -1'428'572);
  EXPECT_TRUE(alloc->in_band(kUsdt));
  // BTC to 0.52: 0.52 × 7000000001 = 3640000000.52; − 4000000001 = −360000000.48 → −360000000.
  EXPECT_EQ(alloc->correction(kBtc).raw(), -360'000'000);
  // ETH to 0.18: 0.18 × 7000000001 = 1260000000.18; − 1000000000 = 260000000.18 → 260000000.
  EXPECT_EQ(alloc->correction(kEth).raw(), 260'000'000);
}

TEST(Allocator, VenueDriftOnThreeVenues) {
  auto alloc = std::make_unique<Allocator>(ThreeAssets());
  alloc->Evaluate(SixOneThree());
  // BTC 30000/20000/10000 of 60000 against 0.4/0.4/0.2, band 0.05.
  EXPECT_EQ(alloc->venue_share(kBtc, kV0).raw(), 50'000'000);
  EXPECT_EQ(alloc->venue_share(kBtc, kV1).raw(), 33'333'333);
  EXPECT_EQ(alloc->venue_share(kBtc, kV2).raw(), 16'666'666);
  EXPECT_EQ(alloc->venue_drift(kBtc, kV0).raw(), 10'000'000);
  EXPECT_EQ(alloc->venue_drift(kBtc, kV1).raw(), -6'666'667);
  EXPECT_EQ(alloc->venue_drift(kBtc, kV2).raw(), -3'333'334);
  EXPECT_FALSE(alloc->venue_in_band(kBtc, kV0));
  EXPECT_FALSE(alloc->venue_in_band(kBtc, kV1));
  EXPECT_TRUE(alloc->venue_in_band(kBtc, kV2));
  EXPECT_EQ(alloc->venue_correction(kBtc, kV0), U(-3'000));  // to 0.45 × 60000 = 27000
  EXPECT_EQ(alloc->venue_correction(kBtc, kV1), U(1'000));   // to 0.35 × 60000 = 21000
  EXPECT_EQ(alloc->venue_correction(kBtc, kV2), A(0));
  // ETH 5000/5000/0 of 10000 against 0.5/0.3/0.2.
  EXPECT_EQ(alloc->venue_drift(kEth, kV0).raw(), 0);
  EXPECT_EQ(alloc->venue_drift(kEth, kV1).raw(), 20'000'000);
  EXPECT_EQ(alloc->venue_drift(kEth, kV2).raw(), -20'000'000);
  EXPECT_EQ(alloc->venue_correction(kEth, kV1), U(-1'500));  // to 0.35 × 10000
  EXPECT_EQ(alloc->venue_correction(kEth, kV2), U(1'500));   // to 0.15 × 10000
  // USDT thirds: 33333333 each against 33333334/33333333/33333333.
  EXPECT_EQ(alloc->venue_drift(kUsdt, kV0).raw(), -1);
  EXPECT_TRUE(alloc->venue_in_band(kUsdt, kV0));
  EXPECT_EQ(alloc->max_abs_venue_drift().raw(), 20'000'000);
  EXPECT_EQ(alloc->venues_out_of_band(), 4);
}

TEST(Allocator, NoVenueTargetsMeansNoVenueDrift) {
  AllocatorParams p = ThreeAssets();
  p.venue_share[0] = {};
  auto alloc = std::make_unique<Allocator>(p);
  alloc->Evaluate(SixOneThree());
  EXPECT_EQ(alloc->venue_share(kBtc, kV0).raw(), 50'000'000);  // still reported
  EXPECT_EQ(alloc->venue_drift(kBtc, kV0).raw(), 0);
  EXPECT_TRUE(alloc->venue_in_band(kBtc, kV0));
  EXPECT_EQ(alloc->venue_correction(kBtc, kV0), A(0));
}

// Feeds n constant daily prices: σ = 0, so the scale is max_scale once warmed up.
void FeedFlat(Allocator& alloc, AssetId a, int n) {
  for (int k = 0; k < n; ++k) alloc.OnReference(a, Price::FromUnits(100), Nanos::FromMillis(k * 86'400'000LL));
}

VolTargetParams DailyVol(double max_scale) {
  VolTargetParams v;
  v.enabled = true;
  v.annual_vol = 0.3;
  v.lambda = 0.9;
  v.sample_ms = 86'400'000;
  v.warmup_samples = 3;
  v.min_scale = 0.1;
  v.max_scale = max_scale;
  return v;
}

TEST(Allocator, VolScalingMovesWeightToTheValuationAsset) {
  AllocatorParams p = ThreeAssets();
  p.vol = DailyVol(1.0);
  auto alloc = std::make_unique<Allocator>(p);
  // BTC: the hand-computed sequence of vol_target_test (scale 0.70363530…); ETH: no prices.
  const int64_t closes[] = {100, 101, 99, 102, 100, 103};
  for (int k = 0; k < 6; ++k) alloc->OnReference(kBtc, Price::FromUnits(closes[k]), Nanos::FromMillis(k * 86'400'000LL));
  alloc->OnReference(kUsdt, Price::FromUnits(1), Nanos{0});  // not risky: ignored
  EXPECT_EQ(alloc->vol(kUsdt).samples(), 0);
  alloc->Evaluate(SixOneThree());
  EXPECT_TRUE(alloc->vol(kBtc).warmed_up());
  EXPECT_EQ(alloc->vol_scale(kBtc).raw(), 70'363'530);
  EXPECT_EQ(alloc->vol_scale(kEth).raw(), 100'000'000);
  EXPECT_EQ(alloc->effective_target(kBtc).raw(), 35'181'765);  // 0.5 × 0.70363530 floored
  EXPECT_EQ(alloc->effective_target(kEth).raw(), 20'000'000);
  EXPECT_EQ(alloc->effective_target(kUsdt).raw(), 44'818'235);  // 0.3 + 0.14818235
  EXPECT_EQ(alloc->effective_target(kBtc).raw() + alloc->effective_target(kEth).raw() +
                alloc->effective_target(kUsdt).raw(),
            Rate::kScale);
  // BTC at 0.6 is now 0.24818235 above its effective target: sell to 0.37181765 × 100000.
  EXPECT_EQ(alloc->drift(kBtc).raw(), 24'818'235);
  EXPECT_EQ(alloc->correction(kBtc), U(37'181) + A(765'000'000) - U(60'000));
  EXPECT_FALSE(alloc->in_band(kUsdt));  // 0.3 vs 0.44818235
  EXPECT_EQ(alloc->correction(kUsdt), U(41'818) + A(235'000'000) - U(30'000));  // to 0.41818235

  // Both risky assets flat: σ = 0, so both take max_scale = 0.6; USDT gets 0.2 + 0.08.
  AllocatorParams q = ThreeAssets();
  q.vol = DailyVol(0.6);
  auto flat = std::make_unique<Allocator>(q);
  FeedFlat(*flat, kBtc, 4);
  FeedFlat(*flat, kEth, 4);
  flat->Evaluate(SixOneThree());
  EXPECT_EQ(flat->effective_target(kBtc).raw(), 30'000'000);
  EXPECT_EQ(flat->effective_target(kEth).raw(), 12'000'000);
  EXPECT_EQ(flat->effective_target(kUsdt).raw(), 58'000'000);
}

TEST(Allocator, VolScalingDisabledKeepsTargets) {
  AllocatorParams p = ThreeAssets();
  p.vol = DailyVol(0.6);
  p.vol.enabled = false;
  auto alloc = std::make_unique<Allocator>(p);
  FeedFlat(*alloc, kBtc, 4);
  alloc->Evaluate(SixOneThree());
  EXPECT_FALSE(alloc->vol(kBtc).warmed_up());
  EXPECT_EQ(alloc->effective_target(kBtc).raw(), 50'000'000);
  EXPECT_EQ(alloc->effective_target(kUsdt).raw(), 30'000'000);
}

TEST(Allocator, ScalesAboveOneFitTheRiskyBudget) {
  AllocatorParams p = ThreeAssets();
  p.vol = DailyVol(2.0);
  auto alloc = std::make_unique<Allocator>(p);
  FeedFlat(*alloc, kBtc, 4);
  FeedFlat(*alloc, kEth, 4);
  alloc->Evaluate(SixOneThree());
  // Scaled 1.0 and 0.4 sum to 1.4 > the budget 0.5 + 0.2 + 0.3 = 1: each × 1/1.4, floored.
  EXPECT_EQ(alloc->effective_target(kBtc).raw(), 71'428'571);
  EXPECT_EQ(alloc->effective_target(kEth).raw(), 28'571'428);
  EXPECT_EQ(alloc->effective_target(kUsdt).raw(), 1);

  // A scale of 1.5 on BTC alone: 0.75 + 0.2 fits (USDT 0.05).
  AllocatorParams q = ThreeAssets();
  q.vol = DailyVol(1.5);
  auto one = std::make_unique<Allocator>(q);
  FeedFlat(*one, kBtc, 4);
  one->Evaluate(SixOneThree());
  EXPECT_EQ(one->effective_target(kBtc).raw(), 75'000'000);
  EXPECT_EQ(one->effective_target(kEth).raw(), 20'000'000);
  EXPECT_EQ(one->effective_target(kUsdt).raw(), 5'000'000);
}

TEST(Allocator, NavZeroOrNegative) {
  auto alloc = std::make_unique<Allocator>(ThreeAssets());
  EXPECT_FALSE(alloc->nav_positive());  // before any Evaluate
  EXPECT_TRUE(alloc->in_band(kBtc));
  alloc->Evaluate(Holdings{});
  EXPECT_FALSE(alloc->nav_positive());
  EXPECT_EQ(alloc->nav(), A(0));
  Holdings neg;
  neg.value[0][0] = U(10);
  neg.value[2][1] = U(-20);
  alloc->Evaluate(neg);
  EXPECT_FALSE(alloc->nav_positive());
  EXPECT_EQ(alloc->nav(), U(-10));
  for (AssetId a : {kBtc, kEth, kUsdt}) {
    EXPECT_EQ(alloc->weight(a).raw(), 0);
    EXPECT_EQ(alloc->drift(a).raw(), 0);
    EXPECT_TRUE(alloc->in_band(a));
    EXPECT_EQ(alloc->correction(a), A(0));
    for (VenueId v : {kV0, kV1, kV2}) {
      EXPECT_EQ(alloc->venue_correction(a, v), A(0));
      EXPECT_TRUE(alloc->venue_in_band(a, v));
    }
  }
  EXPECT_EQ(alloc->out_of_band(), 0);
  EXPECT_EQ(alloc->effective_target(kUsdt).raw(), 30'000'000);  // targets still there
  // A later positive NAV evaluates normally.
  alloc->Evaluate(SixOneThree());
  EXPECT_TRUE(alloc->nav_positive());
  EXPECT_EQ(alloc->out_of_band(), 2);
}

TEST(Allocator, Validation) {
  EXPECT_EQ(ValidateAllocatorParams(ThreeAssets()), nullptr);
  AllocatorParams p = ThreeAssets();
  p.target[2].weight = R(29'999'999);  // sum 0.99999999
  EXPECT_NE(ValidateAllocatorParams(p), nullptr);
  p = ThreeAssets();
  p.risky[2] = true;
  EXPECT_NE(ValidateAllocatorParams(p), nullptr);
  p = ThreeAssets();
  p.valuation_asset = AssetId{3};
  EXPECT_NE(ValidateAllocatorParams(p), nullptr);
  p = ThreeAssets();
  p.venue_share[1][2] = R(19'999'999);
  EXPECT_NE(ValidateAllocatorParams(p), nullptr);
  p = ThreeAssets();
  p.target[0].band = R(-1);
  EXPECT_NE(ValidateAllocatorParams(p), nullptr);
  p = ThreeAssets();
  p.vol = DailyVol(1.0);
  p.vol.lambda = 1.5;
  EXPECT_NE(ValidateAllocatorParams(p), nullptr);
  p = ThreeAssets();
  p.venues = 0;
  EXPECT_NE(ValidateAllocatorParams(p), nullptr);
}

// ---- randomized properties

int64_t Uniform(std::mt19937_64& rng, int64_t lo, int64_t hi) {  // inclusive
  return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
}

// Splits 10^8 into n random non-negative parts that sum to exactly 10^8.
void RandomSplit(std::mt19937_64& rng, int n, Rate* out) {
  int64_t left = Rate::kScale;
  for (int i = 0; i < n - 1; ++i) {
    const int64_t x = Uniform(rng, 0, 2) == 0 ? 0 : Uniform(rng, 0, left);
    out[i] = Rate::FromRaw(x);
    left -= x;
  }
  out[n - 1] = Rate::FromRaw(left);
  for (int i = n - 1; i > 0; --i) std::swap(out[i], out[Uniform(rng, 0, i)]);  // no bias to the last
}

struct Case {
  AllocatorParams params;
  Holdings holdings;
};

Case RandomCase(std::mt19937_64& rng) {
  Case c;
  AllocatorParams& p = c.params;
  p.assets = static_cast<int>(Uniform(rng, 2, 8));
  p.venues = static_cast<int>(Uniform(rng, 1, 4));
  p.valuation_asset = AssetId{static_cast<uint16_t>(Uniform(rng, 0, p.assets - 1))};
  Rate weights[kMaxAssets];
  RandomSplit(rng, p.assets, weights);
  for (int a = 0; a < p.assets; ++a) {
    p.target[a] = {weights[a], Rate::FromRaw(Uniform(rng, 0, 10'000'000))};
    p.risky[a] = a != p.valuation_asset.value && Uniform(rng, 0, 5) != 0;
    if (Uniform(rng, 0, 3) != 0) RandomSplit(rng, p.venues, p.venue_share[a].data());
  }
  p.venue_band = Rate::FromRaw(Uniform(rng, 0, 20'000'000));
  p.trade_to_target = Uniform(rng, 0, 1) == 1;
  p.vol.enabled = Uniform(rng, 0, 4) != 0;
  p.vol.annual_vol = 0.01 * static_cast<double>(Uniform(rng, 1, 100));
  p.vol.lambda = 0.9;
  p.vol.sample_ms = 1;
  p.vol.warmup_samples = static_cast<int>(Uniform(rng, 1, 3));
  p.vol.min_scale = 0.05;
  p.vol.max_scale = 0.1 * static_cast<double>(Uniform(rng, 5, 30));

  // Holdings: mostly 0..10^6 units, sometimes tiny raw values (rounding at small NAV), zeros,
  // and now and then a small negative balance.
  const int magnitude = static_cast<int>(Uniform(rng, 0, 3));
  for (int a = 0; a < p.assets; ++a) {
    for (int v = 0; v < p.venues; ++v) {
      int64_t raw = 0;
      switch (magnitude) {
        case 0: raw = Uniform(rng, 0, 1'000); break;
        case 1: raw = Uniform(rng, 0, 1'000'000'000); break;
        default: raw = Uniform(rng, 0, 1'000'000LL * Amount::kScale); break;
      }
      if (Uniform(rng, 0, 4) == 0) raw = 0;
      if (Uniform(rng, 0, 40) == 0) raw = -raw / 10;
      c.holdings.value[a][v] = Amount::FromRaw(raw);
    }
  }
  return c;
}

void FeedRandomPrices(std::mt19937_64& rng, Allocator& alloc) {
  const AllocatorParams& p = alloc.params();
  for (int a = 0; a < p.assets; ++a) {
    const int n = static_cast<int>(Uniform(rng, 0, 6));
    for (int k = 0; k < n; ++k) {
      const int64_t units = Uniform(rng, 0, 3) == 0 ? 100 : Uniform(rng, 50, 150);  // some flat runs
      alloc.OnReference(AssetId{static_cast<uint16_t>(a)}, Price::FromUnits(units), Nanos::FromMillis(k));
    }
  }
}

Rate AbsRate(Rate r) { return r.is_negative() ? -r : r; }

TEST(AllocatorProperty, TargetsSumToOneAndCorrectionsConverge) {
  std::mt19937_64 rng(20240611);
  constexpr int kCases = 12'000;
  int corrections_checked = 0;
  int venue_corrections_checked = 0;
  int crossings_checked = 0;
  for (int i = 0; i < kCases; ++i) {
    const Case c = RandomCase(rng);
    const AllocatorParams& p = c.params;
    auto alloc = std::make_unique<Allocator>(p);
    FeedRandomPrices(rng, *alloc);
    alloc->Evaluate(c.holdings);

    int64_t sum = 0;
    for (int a = 0; a < p.assets; ++a) {
      const AssetId id{static_cast<uint16_t>(a)};
      ASSERT_GE(alloc->effective_target(id).raw(), 0) << "case " << i;
      sum += alloc->effective_target(id).raw();
    }
    ASSERT_EQ(sum, Rate::kScale) << "case " << i;
    if (!alloc->nav_positive()) continue;

    const int val = p.valuation_asset.value;
    for (int a = 0; a < p.assets; ++a) {
      const AssetId id{static_cast<uint16_t>(a)};
      const Rate drift = alloc->drift(id);
      const Rate band = alloc->band(id);
      const Amount corr = alloc->correction(id);
      if (alloc->in_band(id)) {
        ASSERT_TRUE(corr.is_zero()) << "case " << i;
      } else {
        ASSERT_FALSE(corr.is_zero()) << "case " << i;
        ASSERT_EQ(corr.is_positive(), drift.is_negative()) << "case " << i;  // toward the target
      }
      if (a == val || corr.is_zero()) continue;

      // Apply: move the correction between the asset and the valuation asset (NAV unchanged).
      Holdings moved = c.holdings;
      const int va = static_cast<int>(Uniform(rng, 0, p.venues - 1));
      const int vv = static_cast<int>(Uniform(rng, 0, p.venues - 1));
      moved.value[a][va] += corr;
      moved.value[val][vv] -= corr;
      auto after = std::make_unique<Allocator>(*alloc);  // same estimators, same targets
      after->Evaluate(moved);
      ASSERT_EQ(after->nav().raw(), alloc->nav().raw()) << "case " << i;
      ASSERT_EQ(after->effective_target(id).raw(), alloc->effective_target(id).raw()) << "case " << i;
      const Rate drift_after = after->drift(id);
      ASSERT_LE(AbsRate(drift_after).raw(), AbsRate(drift).raw()) << "case " << i << " asset " << a;
      const bool crossed = (drift.is_positive() && drift_after.is_negative()) ||
                           (drift.is_negative() && drift_after.is_positive());
      if (crossed) {
        ++crossings_checked;
        ASSERT_LE(AbsRate(drift_after).raw(), band.raw()) << "case " << i << " asset " << a;
      }
      ASSERT_TRUE(after->in_band(id)) << "case " << i << " asset " << a;
      ASSERT_TRUE(after->correction(id).is_zero()) << "case " << i;
      ++corrections_checked;
    }

    // Venues: moving a venue correction to another venue of the same asset brings it in band.
    for (int a = 0; a < p.assets && p.venues > 1; ++a) {
      const AssetId id{static_cast<uint16_t>(a)};
      for (int v = 0; v < p.venues; ++v) {
        const VenueId vid{static_cast<uint8_t>(v)};
        const Amount corr = alloc->venue_correction(id, vid);
        if (corr.is_zero()) continue;
        ASSERT_EQ(corr.is_positive(), alloc->venue_drift(id, vid).is_negative()) << "case " << i;
        Holdings moved = c.holdings;
        const int other = (v + 1 + static_cast<int>(Uniform(rng, 0, p.venues - 2))) % p.venues;
        moved.value[a][v] += corr;
        moved.value[a][other] -= corr;
        auto after = std::make_unique<Allocator>(*alloc);
        after->Evaluate(moved);
        ASSERT_LE(AbsRate(after->venue_drift(id, vid)).raw(), AbsRate(alloc->venue_drift(id, vid)).raw()) << "case " << i;
        ASSERT_TRUE(after->venue_in_band(id, vid)) << "case " << i << " asset " << a << " venue " << v;
        ++venue_corrections_checked;
      }
    }
  }
  // The generator exercises what it claims to.
  EXPECT_GT(corrections_checked, kCases);
  EXPECT_GT(venue_corrections_checked, kCases / 2);
  RecordProperty("corrections_checked", corrections_checked);
  RecordProperty("venue_corrections_checked", venue_corrections_checked);
  RecordProperty("crossings_checked", crossings_checked);
}

}  // namespace
}  // namespace hs::engine
