#include "core/engine/reference_price.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <random>
#include <vector>

#include "core/base/decimal.h"

namespace hs::engine {
namespace {

Price P(const char* s) { return ParseDecimal<Price>(s).value; }
Rate R(const char* s) { return ParseDecimal<Rate>(s).value; }

constexpr InstrumentId kBtc{0};
constexpr InstrumentId kEth{1};
constexpr VenueId V(int v) { return VenueId{static_cast<uint8_t>(v)}; }

const Nanos kNow = Nanos::FromSeconds(1'700'000'000);

// A quote around `mid` with a 2-unit spread (its mid is exactly `mid` when `mid` has room).
VenueQuote Around(const char* mid, Nanos recv = kNow) {
  const Price m = P(mid);
  return VenueQuote{true, m - Price::FromUnits(1), m + Price::FromUnits(1), recv};
}
VenueQuote Quote(Price bid, Price ask, Nanos recv = kNow) { return VenueQuote{true, bid, ask, recv}; }

ReferenceParams Params(int min_venues = 0) {
  ReferenceParams p;
  p.min_venues.fill(static_cast<uint8_t>(min_venues));
  return p;
}

TEST(ReferencePrice, NothingBeforeTheFirstUpdate) {
  const ReferencePrice ref(Params());
  EXPECT_FALSE(ref.valid(kBtc));
  EXPECT_FALSE(ref.stale(kBtc));
  EXPECT_EQ(ref.value(kBtc), Price::Zero());
  EXPECT_EQ(ref.venues_used(kBtc), 0);
  EXPECT_FALSE(ref.has_divergence(V(0), kBtc));
  EXPECT_EQ(ref.outliers_excluded(), 0u);
  EXPECT_EQ(ref.quorum_losses(), 0u);
}

TEST(ReferencePrice, MidRoundsTowardZero) {
  EXPECT_EQ(MidPrice(Price::FromRaw(100'000'000'000), Price::FromRaw(100'000'000'001)),
            Price::FromRaw(100'000'000'000));
  EXPECT_EQ(MidPrice(P("29999"), P("30001")), P("30000"));
  // No overflow near the top of the range.
  const Price top = Price::Max();
  EXPECT_EQ(MidPrice(top - Price::FromRaw(1), top), top - Price::FromRaw(1));

  ReferencePrice ref(Params());
  const VenueQuote q[] = {Quote(Price::FromRaw(100'000'000'000), Price::FromRaw(100'000'000'001))};
  ref.Update(kBtc, q, 1, kNow);
  EXPECT_EQ(ref.value(kBtc), Price::FromRaw(100'000'000'000));
}

TEST(ReferencePrice, OddCountMedian) {
  ReferencePrice ref(Params());
  const VenueQuote q[] = {Around("30020"), Around("30000"), Around("30010")};
  ref.Update(kBtc, q, 3, kNow);
  ASSERT_TRUE(ref.valid(kBtc));
  EXPECT_FALSE(ref.stale(kBtc));
  EXPECT_EQ(ref.value(kBtc), P("30010"));
  EXPECT_EQ(ref.venues_used(kBtc), 3);
}

TEST(ReferencePrice, EvenCountMedianRoundsTowardZero) {
  ReferencePrice ref(Params());
  // Mids (raw, 1e-9): 100.000000000, 100.000000001, 100.000000002, 100.000000004 (bid == ask).
  const int64_t mids[] = {100'000'000'004, 100'000'000'000, 100'000'000'002, 100'000'000'001};
  VenueQuote q[4];
  for (int v = 0; v < 4; ++v) q[v] = Quote(Price::FromRaw(mids[v]), Price::FromRaw(mids[v]));
  ref.Update(kBtc, q, 4, kNow);
  ASSERT_TRUE(ref.valid(kBtc));
  // Middle two 100.000000001 and 100.000000002: the mean 100.0000000015 rounds to ...001.
  EXPECT_EQ(ref.value(kBtc), Price::FromRaw(100'000'000'001));
  EXPECT_EQ(ref.venues_used(kBtc), 4);
}

TEST(ReferencePrice, StaleVenueExcludedAndIncludedWhenRefreshed) {
  ReferencePrice ref(Params());  // max_age 2000 ms
  VenueQuote q[] = {Around("30000"), Around("30010"), Around("30040", kNow - Nanos::FromMillis(2000) - Nanos{1})};
  ref.Update(kBtc, q, 3, kNow);
  ASSERT_TRUE(ref.valid(kBtc));
  EXPECT_EQ(ref.venues_used(kBtc), 2);
  EXPECT_EQ(ref.value(kBtc), P("30005"));
  EXPECT_FALSE(ref.has_divergence(V(2), kBtc));
  EXPECT_FALSE(ref.outlier(V(2), kBtc));

  // Exactly max_age old is still fresh.
  q[2].recv_time = kNow - Nanos::FromMillis(2000);
  ref.Update(kBtc, q, 3, kNow);
  EXPECT_EQ(ref.venues_used(kBtc), 3);
  EXPECT_EQ(ref.value(kBtc), P("30010"));

  // Time passes without news from venue 2: it drops out; a new top brings it back.
  const Nanos later = kNow + Nanos::FromMillis(500);
  q[0].recv_time = later;
  q[1].recv_time = later;
  ref.Update(kBtc, q, 3, later);
  EXPECT_EQ(ref.venues_used(kBtc), 2);
  EXPECT_EQ(ref.value(kBtc), P("30005"));
  q[2].recv_time = later;
  ref.Update(kBtc, q, 3, later);
  EXPECT_EQ(ref.venues_used(kBtc), 3);
  EXPECT_EQ(ref.value(kBtc), P("30010"));
  EXPECT_TRUE(ref.has_divergence(V(2), kBtc));
}

TEST(ReferencePrice, OutlierExcludedCountedAndStillDiverges) {
  ReferencePrice ref(Params());  // 50 bps
  const VenueQuote q[] = {Around("30000"), Around("31000"), Around("30020"), Around("30010")};
  ref.Update(kBtc, q, 4, kNow);
  ASSERT_TRUE(ref.valid(kBtc));
  // Venue 1 against the median of the others (30010): 990 > 0.005 × 30010 = 150.05.
  EXPECT_TRUE(ref.outlier(V(1), kBtc));
  EXPECT_FALSE(ref.outlier(V(0), kBtc));
  EXPECT_FALSE(ref.outlier(V(2), kBtc));
  EXPECT_FALSE(ref.outlier(V(3), kBtc));
  EXPECT_EQ(ref.venues_used(kBtc), 3);
  EXPECT_EQ(ref.value(kBtc), P("30010"));
  EXPECT_EQ(ref.outliers_excluded(), 1u);
  // Its divergence is still reported: 990 / 30010 = 0.03298900366… → 3298900 (toward zero).
  ASSERT_TRUE(ref.has_divergence(V(1), kBtc));
  EXPECT_EQ(ref.divergence(V(1), kBtc), Rate::FromRaw(3'298'900));
  // -10 / 30010 = -0.000333222… → -33322.
  EXPECT_EQ(ref.divergence(V(0), kBtc), Rate::FromRaw(-33'322));
  EXPECT_EQ(ref.divergence(V(3), kBtc), Rate::Zero());

  // Counted once per Update; a low outlier is caught the same way.
  ref.Update(kBtc, q, 4, kNow);
  EXPECT_EQ(ref.outliers_excluded(), 2u);
  const VenueQuote low[] = {Around("30000"), Around("29000"), Around("30020"), Around("30010")};
  ref.Update(kBtc, low, 4, kNow);
  EXPECT_TRUE(ref.outlier(V(1), kBtc));
  EXPECT_EQ(ref.value(kBtc), P("30010"));
  EXPECT_EQ(ref.outliers_excluded(), 3u);

  // The flag is cleared when the venue comes back in line.
  const VenueQuote fine[] = {Around("30000"), Around("30030"), Around("30020"), Around("30010")};
  ref.Update(kBtc, fine, 4, kNow);
  EXPECT_FALSE(ref.outlier(V(1), kBtc));
  EXPECT_EQ(ref.value(kBtc), P("30015"));
  EXPECT_EQ(ref.outliers_excluded(), 3u);
}

TEST(ReferencePrice, OutlierBandIsStrict) {
  ReferencePrice ref(Params());  // 50 bps
  // Venue 2 against the others' median 30000: exactly 0.005 × 30000 = 150 away stays in.
  const VenueQuote at[] = {Around("29990"), Around("30010"), Around("30150")};
  ref.Update(kBtc, at, 3, kNow);
  EXPECT_FALSE(ref.outlier(V(2), kBtc));
  EXPECT_EQ(ref.venues_used(kBtc), 3);
  EXPECT_EQ(ref.value(kBtc), P("30010"));
  // One raw unit further is out.
  const VenueQuote beyond[] = {Around("29990"), Around("30010"), Around("30150.000000001")};
  ref.Update(kBtc, beyond, 3, kNow);
  EXPECT_TRUE(ref.outlier(V(2), kBtc));
  EXPECT_EQ(ref.venues_used(kBtc), 2);
  EXPECT_EQ(ref.value(kBtc), P("30000"));
}

TEST(ReferencePrice, ZeroOutlierDisablesTheTest) {
  ReferenceParams p = Params();
  p.outlier = Rate::Zero();
  ReferencePrice ref(p);
  const VenueQuote q[] = {Around("30000"), Around("90000"), Around("30010"), Around("30020")};
  ref.Update(kBtc, q, 4, kNow);
  EXPECT_FALSE(ref.outlier(V(1), kBtc));
  EXPECT_EQ(ref.venues_used(kBtc), 4);
  EXPECT_EQ(ref.value(kBtc), P("30015"));
  EXPECT_EQ(ref.outliers_excluded(), 0u);
}

// With two fresh venues neither has two others to be judged against: both take part, however
// far apart (the divergence breaker sees the gap instead).
TEST(ReferencePrice, TwoFreshVenuesFarApartAreBothUsed) {
  ReferencePrice ref(Params(2));
  const VenueQuote q[] = {Around("30000"), Around("33000")};
  ref.Update(kBtc, q, 2, kNow);
  ASSERT_TRUE(ref.valid(kBtc));
  EXPECT_FALSE(ref.outlier(V(0), kBtc));
  EXPECT_FALSE(ref.outlier(V(1), kBtc));
  EXPECT_EQ(ref.venues_used(kBtc), 2);
  EXPECT_EQ(ref.value(kBtc), P("31500"));
  EXPECT_EQ(ref.divergence(V(0), kBtc), Rate::FromRaw(-4'761'904));  // -1500/31500 = -0.047619047…
  EXPECT_EQ(ref.divergence(V(1), kBtc), Rate::FromRaw(4'761'904));
}

TEST(ReferencePrice, QuorumLostAndRegained) {
  ReferencePrice ref(Params(2));
  VenueQuote q[] = {Around("30000"), Around("30020")};
  ref.Update(kBtc, q, 2, kNow);
  ASSERT_TRUE(ref.valid(kBtc));
  EXPECT_EQ(ref.value(kBtc), P("30010"));

  // Venue 1's book stops being usable: one venue is below the quorum of two.
  q[1].usable = false;
  q[0] = Around("30100");
  ref.Update(kBtc, q, 2, kNow);
  EXPECT_FALSE(ref.valid(kBtc));
  EXPECT_TRUE(ref.stale(kBtc));
  EXPECT_EQ(ref.value(kBtc), P("30010"));  // the last valid value
  EXPECT_EQ(ref.venues_used(kBtc), 1);
  EXPECT_EQ(ref.quorum_losses(), 1u);
  // Divergence against the last valid value: 90 / 30010 = 0.0029990003… → 299900.
  ASSERT_TRUE(ref.has_divergence(V(0), kBtc));
  EXPECT_EQ(ref.divergence(V(0), kBtc), Rate::FromRaw(299'900));
  EXPECT_FALSE(ref.has_divergence(V(1), kBtc));

  // Staying invalid is not another loss.
  ref.Update(kBtc, q, 2, kNow);
  EXPECT_EQ(ref.quorum_losses(), 1u);
  EXPECT_TRUE(ref.stale(kBtc));

  // Regained, with a new value.
  q[1] = Around("30120");
  ref.Update(kBtc, q, 2, kNow);
  EXPECT_TRUE(ref.valid(kBtc));
  EXPECT_FALSE(ref.stale(kBtc));
  EXPECT_EQ(ref.value(kBtc), P("30110"));
  EXPECT_EQ(ref.venues_used(kBtc), 2);
  EXPECT_EQ(ref.quorum_losses(), 1u);

  // Lost again (now by age): counted again.
  ref.Update(kBtc, q, 2, kNow + Nanos::FromMillis(2001));
  EXPECT_FALSE(ref.valid(kBtc));
  EXPECT_EQ(ref.venues_used(kBtc), 0);
  EXPECT_EQ(ref.quorum_losses(), 2u);
  EXPECT_EQ(ref.value(kBtc), P("30110"));
}

TEST(ReferencePrice, NoQuorumBeforeAnyValueIsNotStale) {
  ReferencePrice ref(Params(2));
  const VenueQuote q[] = {Around("30000")};
  ref.Update(kBtc, q, 1, kNow);
  EXPECT_FALSE(ref.valid(kBtc));
  EXPECT_FALSE(ref.stale(kBtc));
  EXPECT_EQ(ref.value(kBtc), Price::Zero());
  EXPECT_EQ(ref.venues_used(kBtc), 1);
  EXPECT_FALSE(ref.has_divergence(V(0), kBtc));  // nothing to diverge from
  EXPECT_EQ(ref.quorum_losses(), 0u);
}

// All venues left out as outliers: no venue remains, which is never a quorum.
TEST(ReferencePrice, EveryVenueAnOutlierIsNoQuorum) {
  ReferencePrice ref(Params());
  const VenueQuote q[] = {Around("100"), Around("200"), Around("300"), Around("400")};
  ref.Update(kBtc, q, 4, kNow);
  EXPECT_FALSE(ref.valid(kBtc));
  EXPECT_EQ(ref.venues_used(kBtc), 0);
  EXPECT_EQ(ref.outliers_excluded(), 4u);
  for (int v = 0; v < 4; ++v) EXPECT_TRUE(ref.outlier(V(v), kBtc));
}

TEST(ReferencePrice, CrossedOrZeroQuotesIgnored) {
  ReferencePrice ref(Params());
  const VenueQuote q[] = {
      Quote(P("30010"), P("30000")),       // crossed
      Quote(Price::Zero(), P("30000")),    // no bid
      Quote(P("30000"), Price::Zero()),    // no ask
      Quote(-P("1"), P("30000")),          // negative bid
      VenueQuote{false, P("29999"), P("30001"), kNow},  // not usable
      Quote(P("30500"), P("30500")),       // locked: fine
  };
  ref.Update(kBtc, q, 6, kNow);
  ASSERT_TRUE(ref.valid(kBtc));
  EXPECT_EQ(ref.venues_used(kBtc), 1);
  EXPECT_EQ(ref.value(kBtc), P("30500"));
  for (int v = 0; v < 5; ++v) {
    EXPECT_FALSE(ref.has_divergence(V(v), kBtc)) << v;
    EXPECT_FALSE(ref.outlier(V(v), kBtc)) << v;
  }
  EXPECT_TRUE(ref.has_divergence(V(5), kBtc));
}

TEST(ReferencePrice, SingleVenueWithMinVenuesOne) {
  ReferenceParams p = Params();
  p.min_venues[kBtc.value] = 1;
  ReferencePrice ref(p);
  const VenueQuote q[] = {Around("2500.5")};
  ref.Update(kBtc, q, 1, kNow);
  ASSERT_TRUE(ref.valid(kBtc));
  EXPECT_EQ(ref.value(kBtc), P("2500.5"));
  EXPECT_EQ(ref.venues_used(kBtc), 1);
  EXPECT_EQ(ref.divergence(V(0), kBtc), Rate::Zero());
}

TEST(ReferencePrice, DivergenceSignAndMagnitude) {
  ReferencePrice ref(Params());
  const VenueQuote q[] = {Around("30030"), Around("30000"), Around("29970")};
  ref.Update(kBtc, q, 3, kNow);
  ASSERT_EQ(ref.value(kBtc), P("30000"));
  EXPECT_EQ(ref.divergence(V(0), kBtc), R("0.001"));
  EXPECT_EQ(ref.divergence(V(0), kBtc), Rate::FromRaw(100'000));
  EXPECT_EQ(ref.divergence(V(1), kBtc), Rate::Zero());
  EXPECT_EQ(ref.divergence(V(2), kBtc), Rate::FromRaw(-100'000));

  // Rounding toward zero on both sides.
  EXPECT_EQ(RelativeDistance(P("4"), P("3")), Rate::FromRaw(33'333'333));
  EXPECT_EQ(RelativeDistance(P("2"), P("3")), Rate::FromRaw(-33'333'333));
  EXPECT_EQ(RelativeDistance(P("1"), P("3")), Rate::FromRaw(-66'666'666));
  EXPECT_EQ(RelativeDistance(P("5"), P("3")), Rate::FromRaw(66'666'666));
  // Saturates instead of wrapping.
  EXPECT_EQ(RelativeDistance(Price::Max(), Price::FromRaw(1)), Rate::Max());
}

TEST(ReferencePrice, InstrumentsAreIndependent) {
  ReferenceParams p = Params();
  p.min_venues[kEth.value] = 2;
  ReferencePrice ref(p);
  const VenueQuote btc[] = {Around("30000")};
  const VenueQuote eth[] = {Around("2000")};
  ref.Update(kBtc, btc, 1, kNow);
  ref.Update(kEth, eth, 1, kNow);
  EXPECT_TRUE(ref.valid(kBtc));
  EXPECT_FALSE(ref.valid(kEth));
  EXPECT_EQ(ref.value(kBtc), P("30000"));
  EXPECT_EQ(ref.value(kEth), Price::Zero());
}

// A venue past `venues` at this Update takes no part and keeps no state from earlier ones.
TEST(ReferencePrice, FewerVenuesClearsTheRest) {
  ReferencePrice ref(Params());
  const VenueQuote q[] = {Around("30000"), Around("30010"), Around("30020"), Around("40000")};
  ref.Update(kBtc, q, 4, kNow);
  EXPECT_TRUE(ref.outlier(V(3), kBtc));
  ref.Update(kBtc, q, 3, kNow);
  EXPECT_FALSE(ref.outlier(V(3), kBtc));
  EXPECT_FALSE(ref.has_divergence(V(3), kBtc));
  EXPECT_EQ(ref.value(kBtc), P("30010"));
}

// ---- Property test against a plain model: std::vector, std::sort, exact integers.

__extension__ typedef __int128 Wide;

struct ModelState {
  bool valid = false;
  bool has_value = false;
  int64_t value = 0;
  int used = 0;
  bool outlier[kMaxVenues] = {};
  bool has_div[kMaxVenues] = {};
  int64_t div[kMaxVenues] = {};
};

struct Model {
  ReferenceParams params;
  ModelState state[kMaxInstruments];
  uint64_t outliers = 0;
  uint64_t losses = 0;

  static int64_t Median(std::vector<int64_t> v) {
    std::sort(v.begin(), v.end());
    const size_t m = v.size();
    if (m % 2 == 1) return v[m / 2];
    return static_cast<int64_t>((static_cast<Wide>(v[m / 2 - 1]) + v[m / 2]) / 2);  // C++ truncates toward zero
  }

  void Update(int inst, const std::vector<VenueQuote>& quotes, Nanos now) {
    ModelState& s = state[inst];
    std::vector<int> fresh_venue;
    std::vector<int64_t> fresh_mid;
    for (size_t v = 0; v < quotes.size(); ++v) {
      const VenueQuote& q = quotes[v];
      if (!q.usable || q.bid.raw() <= 0 || q.ask.raw() <= 0 || q.bid.raw() > q.ask.raw()) continue;
      if (now.value - q.recv_time.value > params.max_age.value) continue;
      fresh_venue.push_back(static_cast<int>(v));
      fresh_mid.push_back(static_cast<int64_t>((static_cast<Wide>(q.bid.raw()) + q.ask.raw()) / 2));
    }
    for (int v = 0; v < kMaxVenues; ++v) {
      s.outlier[v] = false;
      s.has_div[v] = false;
      s.div[v] = 0;
    }
    std::vector<int64_t> kept;
    for (size_t j = 0; j < fresh_mid.size(); ++j) {
      std::vector<int64_t> others;
      for (size_t o = 0; o < fresh_mid.size(); ++o)
        if (o != j) others.push_back(fresh_mid[o]);
      bool out = false;
      if (params.outlier.raw() > 0 && others.size() >= 2) {
        const int64_t med = Median(others);
        Wide dist = static_cast<Wide>(fresh_mid[j]) - med;
        if (dist < 0) dist = -dist;
        out = dist * 100'000'000 > static_cast<Wide>(params.outlier.raw()) * med;
      }
      if (out) {
        s.outlier[fresh_venue[j]] = true;
        ++outliers;
      } else {
        kept.push_back(fresh_mid[j]);
      }
    }
    const int quorum = std::max(1, static_cast<int>(params.min_venues[inst]));
    const bool was_valid = s.valid;
    s.used = static_cast<int>(kept.size());
    s.valid = !kept.empty() && static_cast<int>(kept.size()) >= quorum;
    if (s.valid) {
      s.value = Median(kept);
      s.has_value = true;
    } else if (was_valid) {
      ++losses;
    }
    if (!s.has_value) return;
    for (size_t j = 0; j < fresh_mid.size(); ++j) {
      const Wide q = (static_cast<Wide>(fresh_mid[j]) - s.value) * 100'000'000 / s.value;  // toward zero
      const Wide lo = std::numeric_limits<int64_t>::min();
      const Wide hi = std::numeric_limits<int64_t>::max();
      s.div[fresh_venue[j]] = static_cast<int64_t>(q < lo ? lo : (q > hi ? hi : q));
      s.has_div[fresh_venue[j]] = true;
    }
  }
};

TEST(ReferencePrice, MatchesASimpleModel) {
  std::mt19937_64 rng(20240611);
  // One draw per statement, so the sequence does not depend on the compiler's evaluation order.
  auto uniform = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  const int64_t outlier_choices[] = {0, 1'000, 10'000, 50'0000, 5'000'000};  // 0, 0.1, 1, 50, 500 bps
  const int64_t tick_choices[] = {1, 7, 1'000, 10'000'000};                  // raw 1e-9 steps
  const int kInstruments = 4;
  int cases = 0;
  int valid_cases = 0;
  int outlier_cases = 0;
  uint64_t losses = 0;
  for (int round = 0; round < 24; ++round) {
    Model model;
    model.params.max_age = Nanos::FromMillis(uniform(1, 3000));
    model.params.outlier = Rate::FromRaw(outlier_choices[uniform(0, 4)]);
    for (int i = 0; i < kInstruments; ++i) model.params.min_venues[i] = static_cast<uint8_t>(uniform(0, 4));
    ReferencePrice ref(model.params);
    int64_t base[kInstruments];
    for (int64_t& b : base) {
      const int64_t units = uniform(1, 100'000);
      b = units * 1'000'000'000 / uniform(1, 1000) + 3;
    }
    Nanos now = kNow;
    for (int step = 0; step < 250; ++step) {
      now = now + Nanos{uniform(0, 400'000'000)};
      const int inst = static_cast<int>(uniform(0, kInstruments - 1));
      base[inst] += base[inst] / 2000 * uniform(-1, 1);  // drift
      const int64_t tick = tick_choices[uniform(0, 3)];
      const int venues = static_cast<int>(uniform(0, kMaxVenues));
      // Grid steps: mids on a grid whose step is exactly the outlier band of the grid's centre,
      // so that venues land exactly on the band's edge (and one raw unit either side).
      const bool grid = uniform(0, 3) == 0;
      const int64_t centre = std::max<int64_t>(1, base[inst] / 100'000'000) * 100'000'000;
      const int64_t band_rate = model.params.outlier.raw() > 0 ? model.params.outlier.raw() : 50'0000;
      const int64_t band = centre / 100'000'000 * band_rate;
      std::vector<VenueQuote> quotes(venues);
      for (VenueQuote& q : quotes) {
        q.usable = uniform(0, 99) < 88;
        if (grid) {
          const int64_t steps = uniform(-2, 2);
          const int64_t nudge = uniform(0, 3) == 0 ? uniform(-1, 1) : 0;  // one raw unit off the edge
          const int64_t mid = centre + band * steps + nudge;
          const int64_t half = uniform(0, 2) * tick;
          q.bid = Price::FromRaw(mid - half);
          q.ask = Price::FromRaw(mid + half);
        } else {
          const int64_t spread_bps = uniform(0, 100) < 12 ? uniform(-800, 800) : uniform(-40, 40);
          int64_t mid = base[inst] + base[inst] / 10'000 * spread_bps;
          mid = std::max<int64_t>(tick, mid / tick * tick);
          const int64_t ticks = uniform(0, 3);
          const int64_t half = ticks * tick + uniform(0, 1);
          q.bid = Price::FromRaw(mid - half);
          q.ask = Price::FromRaw(mid + half + uniform(0, 1));  // odd sums exercise the mid's rounding
        }
        const int64_t kind = uniform(0, 99);
        if (kind < 3) std::swap(q.bid, q.ask);  // crossed (unless locked)
        else if (kind < 5) q.bid = Price::Zero();
        else if (kind < 6) q.ask = Price::Zero();
        const int64_t age_kind = uniform(0, 9);
        const Nanos age = age_kind == 0   ? model.params.max_age
                          : age_kind == 1 ? model.params.max_age + Nanos{1}
                                          : Nanos{uniform(0, model.params.max_age.value * 3 / 2)};
        q.recv_time = now - age;
      }
      model.Update(inst, quotes, now);
      ref.Update(InstrumentId{static_cast<uint16_t>(inst)}, quotes.data(), venues, now);
      ++cases;

      const InstrumentId id{static_cast<uint16_t>(inst)};
      const ModelState& s = model.state[inst];
      ASSERT_EQ(ref.valid(id), s.valid) << "round " << round << " step " << step;
      ASSERT_EQ(ref.stale(id), !s.valid && s.has_value) << "round " << round << " step " << step;
      ASSERT_EQ(ref.value(id).raw(), s.value) << "round " << round << " step " << step;
      ASSERT_EQ(ref.venues_used(id), s.used) << "round " << round << " step " << step;
      for (int v = 0; v < kMaxVenues; ++v) {
        ASSERT_EQ(ref.outlier(V(v), id), s.outlier[v]) << "round " << round << " step " << step << " venue " << v;
        ASSERT_EQ(ref.has_divergence(V(v), id), s.has_div[v])
            << "round " << round << " step " << step << " venue " << v;
        ASSERT_EQ(ref.divergence(V(v), id).raw(), s.div[v]) << "round " << round << " step " << step << " venue " << v;
      }
      ASSERT_EQ(ref.outliers_excluded(), model.outliers);
      ASSERT_EQ(ref.quorum_losses(), model.losses);
      valid_cases += s.valid ? 1 : 0;
      for (int v = 0; v < kMaxVenues; ++v) outlier_cases += s.outlier[v] ? 1 : 0;
    }
    losses += model.losses;
  }
  EXPECT_EQ(cases, 24 * 250);
  // The generator reaches both sides of every rule.
  EXPECT_GT(valid_cases, cases / 4);
  EXPECT_LT(valid_cases, cases);
  EXPECT_GT(outlier_cases, 100);
  EXPECT_GT(losses, 0u);
}

// TryRepeat, the timer's shortcut: a reference fed by "repeat when you can, else Update" must
// equal one that always runs Update, value for value and counter for counter, while quotes change
// now and then and time ages venues out (exactly at the edge too).
TEST(ReferencePrice, TryRepeatEqualsUpdateWhileQuotesAreUnchanged) {
  std::mt19937_64 rng(77);
  auto uniform = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  ReferenceParams params = Params(2);
  params.max_age = Nanos::FromMillis(500);
  params.outlier = R("0.001");  // 10 bps: venues 20 bps off are outliers
  ReferencePrice always(params);
  ReferencePrice repeating(params);
  std::vector<VenueQuote> quotes(5);
  Nanos now = kNow;
  int repeats = 0, recomputes_forced_by_age = 0, outlier_updates = 0;
  bool changed = true;
  for (int step = 0; step < 20'000; ++step) {
    if (uniform(0, 9) == 0) {  // a quote changes (or a venue becomes usable or not)
      VenueQuote& q = quotes[static_cast<size_t>(uniform(0, 4))];
      const int64_t off_bps = uniform(0, 5) == 0 ? 20 : uniform(-2, 2);
      const int64_t mid = 30'000'000'000'000 + 3'000'000'000 * off_bps;
      q = VenueQuote{uniform(0, 9) != 0, Price::FromRaw(mid - 5'000'000), Price::FromRaw(mid + 5'000'000), now};
      changed = true;
    }
    // Steps of 0 to 120 ms, and now and then exactly onto a venue's last fresh instant.
    now = now + Nanos::FromMillis(uniform(0, 120));
    if (uniform(0, 7) == 0) now = quotes[static_cast<size_t>(uniform(0, 4))].recv_time + params.max_age;
    if (now < kNow) now = kNow;
    always.Update(kBtc, quotes.data(), 5, now);
    if (!changed && repeating.TryRepeat(kBtc, now)) {
      ++repeats;
    } else {
      if (!changed) ++recomputes_forced_by_age;
      repeating.Update(kBtc, quotes.data(), 5, now);
      changed = false;
    }
    ASSERT_EQ(repeating.valid(kBtc), always.valid(kBtc)) << "step " << step;
    ASSERT_EQ(repeating.stale(kBtc), always.stale(kBtc)) << "step " << step;
    ASSERT_EQ(repeating.value(kBtc), always.value(kBtc)) << "step " << step;
    ASSERT_EQ(repeating.venues_used(kBtc), always.venues_used(kBtc)) << "step " << step;
    for (int v = 0; v < 5; ++v) {
      ASSERT_EQ(repeating.outlier(V(v), kBtc), always.outlier(V(v), kBtc)) << "step " << step;
      ASSERT_EQ(repeating.has_divergence(V(v), kBtc), always.has_divergence(V(v), kBtc)) << "step " << step;
      ASSERT_EQ(repeating.divergence(V(v), kBtc), always.divergence(V(v), kBtc)) << "step " << step;
      outlier_updates += always.outlier(V(v), kBtc) ? 1 : 0;
    }
    ASSERT_EQ(repeating.outliers_excluded(), always.outliers_excluded()) << "step " << step;
    ASSERT_EQ(repeating.quorum_losses(), always.quorum_losses()) << "step " << step;
  }
  // Both ways were taken many times, and repeats carried outliers.
  EXPECT_GT(repeats, 5'000);
  EXPECT_GT(recomputes_forced_by_age, 100);
  EXPECT_GT(outlier_updates, 1'000);
  EXPECT_GT(always.quorum_losses(), 10u);
}

TEST(ReferencePrice, TryRepeatRefusesBeforeAnyUpdateAndWhenTimeGoesBack) {
  ReferencePrice ref(Params(1));
  EXPECT_FALSE(ref.TryRepeat(kBtc, kNow));
  const VenueQuote q[] = {Around("30000", kNow)};
  ref.Update(kBtc, q, 1, kNow);
  EXPECT_TRUE(ref.TryRepeat(kBtc, kNow + ReferenceParams{}.max_age));
  EXPECT_FALSE(ref.TryRepeat(kBtc, kNow + ReferenceParams{}.max_age + Nanos{1})) << "the venue aged out";
  EXPECT_FALSE(ref.TryRepeat(kBtc, kNow - Nanos{1})) << "earlier than the update: a stale venue could be fresh";
  EXPECT_FALSE(ref.TryRepeat(InstrumentId::Invalid(), kNow));
}

}  // namespace
}  // namespace hs::engine
