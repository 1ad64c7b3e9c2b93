#include "core/engine/reference_price.h"

#include <limits>

#include "core/base/check.h"

namespace hs::engine {

namespace {

struct VenueMid {
  Price mid;
  uint8_t venue = 0;
};

// Ascending by mid; at most kMaxVenues entries, so an insertion sort beats anything fancier.
void SortByMid(VenueMid* a, int n) noexcept {
  for (int j = 1; j < n; ++j) {
    const VenueMid x = a[j];
    int k = j;
    for (; k > 0 && x.mid < a[k - 1].mid; --k) a[k] = a[k - 1];
    a[k] = x;
  }
}

// Median of sorted[0, n) with the entry at `skip` removed (skip < 0: nothing removed). An even
// count takes the mean of the middle two, rounded toward zero (mids are positive, so the same
// formula as a quote's mid). REQUIRES: at least one entry left.
Price MedianSkipping(const VenueMid* sorted, int n, int skip) noexcept {
  const int m = skip >= 0 ? n - 1 : n;
  HS_DCHECK(m >= 1, "median of nothing");
  auto at = [&](int j) { return sorted[skip >= 0 && j >= skip ? j + 1 : j].mid; };
  if (m % 2 == 1) return at(m / 2);
  return MidPrice(at(m / 2 - 1), at(m / 2));
}

// |mid − center| > band × center, by a 128-bit multiply-compare (no division, no rounding).
// Both sides fit: |mid − center| × 1e8 < 2^63 × 2^27, band × center < 2^126.
bool BeyondBand(Price mid, Price center, Rate band) noexcept {
  fp_internal::Int128 dist = static_cast<fp_internal::Int128>(mid.raw()) - center.raw();
  if (dist < 0) dist = -dist;
  return dist * Rate::kScale > static_cast<fp_internal::Int128>(band.raw()) * center.raw();
}

}  // namespace

ReferencePrice::ReferencePrice(const ReferenceParams& p) noexcept : params_(p) {}

void ReferencePrice::Update(InstrumentId i, const VenueQuote* quotes, int venues, Nanos now) noexcept {
  HS_DCHECK(i.valid() && i.value < kMaxInstruments, "instrument id out of range");
  HS_DCHECK(venues >= 0 && venues <= kMaxVenues, "venue count out of range");
  if (!i.valid() || i.value >= kMaxInstruments) return;
  if (venues > kMaxVenues) venues = kMaxVenues;
  InstrumentState& s = state_[i.value];
  s.has_divergence.fill(false);
  s.outlier.fill(false);

  // 1. Fresh mids, sorted.
  std::array<VenueMid, kMaxVenues> fresh;
  int n = 0;
  Nanos fresh_until{std::numeric_limits<int64_t>::max()};
  for (int v = 0; v < venues; ++v) {
    const VenueQuote& q = quotes[v];
    if (!q.usable || !q.bid.is_positive() || !q.ask.is_positive() || q.bid > q.ask) continue;
    if (now - q.recv_time > params_.max_age) continue;
    fresh[n++] = VenueMid{MidPrice(q.bid, q.ask), static_cast<uint8_t>(v)};
    // Fresh while now' - recv_time <= max_age, i.e. up to recv_time + max_age (saturated).
    Nanos until;
    if (__builtin_add_overflow(q.recv_time.value, params_.max_age.value, &until.value))
      until.value = params_.max_age.value < 0 ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
    if (until < fresh_until) fresh_until = until;
  }
  s.updated = true;
  s.updated_at = now;
  s.fresh_until = fresh_until;
  SortByMid(fresh.data(), n);

  // 2-3. Each venue judged against the median of all the others (needs two others).
  std::array<VenueMid, kMaxVenues> kept;
  int k = 0;
  const bool judge = params_.outlier.is_positive() && n >= 3;
  for (int j = 0; j < n; ++j) {
    if (judge && BeyondBand(fresh[j].mid, MedianSkipping(fresh.data(), n, j), params_.outlier)) {
      s.outlier[fresh[j].venue] = true;
      ++outliers_excluded_;
      continue;
    }
    kept[k++] = fresh[j];  // stays sorted
  }
  s.outliers = static_cast<uint8_t>(n - k);

  // 4-5. Quorum, then the median of what remains.
  const int quorum = params_.min_venues[i.value] == 0 ? 1 : params_.min_venues[i.value];
  const bool was_valid = s.valid;
  s.used = static_cast<uint8_t>(k);
  s.valid = k >= quorum;
  if (s.valid) {
    s.value = MedianSkipping(kept.data(), k, -1);
    s.has_value = true;
  } else if (was_valid) {
    ++quorum_losses_;
  }

  // 6. Divergence of every fresh venue, outliers included, from the new or last valid value
  // (its mid is kept; divergence() divides when asked).
  if (!s.has_value) return;
  for (int j = 0; j < n; ++j) {
    s.mid[fresh[j].venue] = fresh[j].mid;
    s.has_divergence[fresh[j].venue] = true;
  }
}

bool ReferencePrice::TryRepeat(InstrumentId i, Nanos now) noexcept {
  if (!i.valid() || i.value >= kMaxInstruments) return false;
  const InstrumentState& s = state_[i.value];
  if (!s.updated || now < s.updated_at || now > s.fresh_until) return false;
  // The same fresh set at `now`: the same mids, outliers, median and divergences. Only the
  // per-update counter moves; quorum cannot be lost again (valid stays as it was).
  outliers_excluded_ += s.outliers;
  return true;
}

}  // namespace hs::engine
