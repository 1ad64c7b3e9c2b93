// hs::engine — the reference price (the oracle): a robust median of healthy venues' mids.
//
// Per instrument, Update() recomputes the reference from every venue's newest top at input time
// `now` (DESIGN §6). It is used for valuation, price collars and the divergence breaker. Exact
// integers only, so replay reproduces every value; no allocation; no clock (time is `now`).
//
// Rules, in the order they apply at each Update:
//  1. Mid. A venue takes part only when its quote is `usable`, 0 < bid <= ask (a crossed or
//     zero/negative side is ignored; a locked book, bid == ask, is fine) and it is fresh:
//     now − recv_time <= max_age (input time; a recv_time after `now` counts as fresh).
//     mid = (bid + ask) / 2 rounded toward zero at the price scale (1e-9), computed without
//     overflow.
//  2. Outliers. For each fresh venue, the median of the OTHER fresh venues' mids (same median
//     rule as 5) is computed; the venue is left out when |mid − median_others| > outlier ×
//     median_others, decided by a 128-bit multiply-compare (no division). The test needs at
//     least 2 other venues: with 1 or 2 fresh venues in all nobody can be judged (with two far
//     apart, neither is "the odd one"), so all take part. All venues are judged against the
//     full fresh set at once (no iteration). outlier <= 0 disables the test.
//  3. Each venue left out adds 1 to outliers_excluded() (once per Update).
//  4. Quorum. The venues that remain must number at least min_venues[i] (0 counts as 1).
//     Without a quorum the reference is invalid: value() keeps the last valid reference and
//     stale() is true; a valid → invalid transition adds 1 to quorum_losses(). No venue
//     remaining is never a quorum.
//  5. Median. The reference is the median of the remaining mids; an even count takes the mean
//     of the middle two, rounded toward zero at the price scale.
//  6. Divergence. For every fresh venue, outliers included (they are what the divergence
//     breaker must see): (mid − ref) / ref as a Rate (1e-8 fraction), rounded toward zero, and
//     saturated at the int64 range. `ref` is the new reference when valid, else the last valid
//     one; with no valid reference yet there is no divergence. Venues not fresh have none.
//
// Cost: one insertion sort of at most kMaxVenues mids (O(n²) worst case, n <= 16); each
// "median of the others" is read from the sorted array in O(1).
#pragma once

#include <array>
#include <cstdint>

#include "core/base/clock.h"
#include "core/base/fixed_point.h"
#include "core/base/ids.h"

namespace hs::engine {

struct ReferenceParams {
  Nanos max_age = Nanos::FromMillis(2000);  // a venue's top older than this (input time) takes no part
  Rate outlier = Rate::FromRaw(50'0000);    // 50 bps as a fraction (0.005); <= 0 disables the test
  std::array<uint8_t, kMaxInstruments> min_venues{};  // quorum per instrument (the app resolves the default)
};

// One venue's newest top for the instrument.
struct VenueQuote {
  bool usable = false;  // book validated and the instrument listed on this venue
  Price bid;            // best bid (> 0 when usable)
  Price ask;            // best ask (> 0 when usable)
  Nanos recv_time;      // input time it was received
};

// mid = (bid + ask) / 2, rounded toward zero. REQUIRES: 0 < bid <= ask (no overflow then).
constexpr Price MidPrice(Price bid, Price ask) noexcept { return bid + Price::FromRaw((ask - bid).raw() / 2); }

// Signed (p − ref) / ref as a fraction, rounded toward zero, saturated at the int64 range.
// REQUIRES: ref > 0.
constexpr Rate RelativeDistance(Price p, Price ref) noexcept {
  const fp_internal::Int128 num = (static_cast<fp_internal::Int128>(p.raw()) - ref.raw()) * Rate::kScale;
  const Rounding toward_zero = num < 0 ? Rounding::kCeil : Rounding::kFloor;
  return Rate::FromRaw(fp_internal::Saturate(fp_internal::Div(num, ref.raw(), toward_zero)));
}

class ReferencePrice {
 public:
  explicit ReferencePrice(const ReferenceParams& p) noexcept;

  // Recomputes instrument i's reference from every venue's quote (quotes[v] is venue v's, for
  // v < venues <= kMaxVenues) at input time `now`. Venues at or past `venues` take no part.
  void Update(InstrumentId i, const VenueQuote* quotes, int venues, Nanos now) noexcept;

  // Repeats instrument i's last Update at `now` for a caller whose quotes have not changed since
  // (the same venues, bids, asks, usability and receive times). When that Update's result must
  // hold at `now` as well — there was one, `now` is not earlier than its time, and no venue that
  // was fresh then has aged out by `now` — it counts the update as Update would (its outliers
  // again) and returns true; every value and counter is then exactly what Update would leave.
  // Otherwise it changes nothing and returns false: the caller runs Update. Time can only age
  // venues out (a stale venue stays stale as `now` grows), so the check is one comparison.
  // Timer inputs use it: most timers find every book as it was at the one before.
  bool TryRepeat(InstrumentId i, Nanos now) noexcept;

  // The last valid reference (zero before the first).
  Price value(InstrumentId i) const noexcept { return state_[i.value].value; }
  // Quorum held at the last Update.
  bool valid(InstrumentId i) const noexcept { return state_[i.value].valid; }
  // A valid reference existed, but the last Update lost quorum: valuation uses value(), flagged
  // stale, and no rebalance order may be sent.
  bool stale(InstrumentId i) const noexcept { return !state_[i.value].valid && state_[i.value].has_value; }
  // Fresh, non-outlier venues at the last Update: the median's inputs when valid(), the
  // (too few) candidates otherwise.
  int venues_used(InstrumentId i) const noexcept { return state_[i.value].used; }

  // Signed distance of venue v's mid from the reference (rule 6); zero when !has_divergence.
  // Computed when asked (a 128-bit division), not on every Update: the hot path never needs it.
  Rate divergence(VenueId v, InstrumentId i) const noexcept {
    const InstrumentState& s = state_[i.value];
    return s.has_divergence[v.value] ? RelativeDistance(s.mid[v.value], s.value) : Rate::Zero();
  }
  bool has_divergence(VenueId v, InstrumentId i) const noexcept { return state_[i.value].has_divergence[v.value]; }
  // Left out as an outlier at the last Update.
  bool outlier(VenueId v, InstrumentId i) const noexcept { return state_[i.value].outlier[v.value]; }

  // Venues left out as outliers, summed over all updates.
  uint64_t outliers_excluded() const noexcept { return outliers_excluded_; }
  // Transitions valid → invalid, over all instruments.
  uint64_t quorum_losses() const noexcept { return quorum_losses_; }

  // Snapshot (core/engine/snapshot.h): every instrument's state and the counters.
  template <class Ar>
  void Persist(Ar& ar) {
    ar(state_);
    ar(outliers_excluded_);
    ar(quorum_losses_);
  }

 private:
  struct InstrumentState {
    Price value;
    bool valid = false;
    bool has_value = false;
    uint8_t used = 0;
    std::array<Price, kMaxVenues> mid{};  // each fresh venue's mid at the last Update
    std::array<bool, kMaxVenues> has_divergence{};
    std::array<bool, kMaxVenues> outlier{};
    // For TryRepeat: whether Update ran, its `now`, the last instant every venue fresh then is
    // still fresh (the earliest recv_time + max_age among them; none fresh: no limit), and how
    // many venues it left out as outliers.
    bool updated = false;
    uint8_t outliers = 0;
    Nanos updated_at;
    Nanos fresh_until;

    template <class Ar>
    void Persist(Ar& ar) {
      ar(value);
      ar(valid);
      ar(has_value);
      ar(used);
      ar(mid);
      ar(has_divergence);
      ar(outlier);
      ar(updated);
      ar(outliers);
      ar(updated_at);
      ar(fresh_until);
    }
  };

  ReferenceParams params_;
  std::array<InstrumentState, kMaxInstruments> state_{};
  uint64_t outliers_excluded_ = 0;
  uint64_t quorum_losses_ = 0;
};

}  // namespace hs::engine
