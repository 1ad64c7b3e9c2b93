#include "core/engine/breaker_feeds.h"

namespace hs::engine {

namespace {

using risk::BreakerId;

// |a| for a Rate (saturating at the int64 range is the reference's job).
Rate Abs(Rate r) noexcept { return r.is_negative() ? -r : r; }

}  // namespace

BreakerFeeds::BreakerFeeds(const risk::BreakerParams& params, const VolSpikeParams& vol, Nanos day_start) noexcept
    : p_(params) {
  const risk::BreakerConfig& integrity = p_.breaker[static_cast<size_t>(BreakerId::kIntegrity)];
  const risk::BreakerConfig& rejects = p_.breaker[static_cast<size_t>(BreakerId::kRejectRate)];
  for (int v = 0; v < kMaxVenues; ++v) {
    integrity_[v].Configure(integrity.window.value > 0 ? integrity.window : Nanos::FromSeconds(60));
    orders_[v].Configure(rejects.window.value > 0 ? rejects.window : Nanos::FromSeconds(60));
    rejects_[v].Configure(rejects.window.value > 0 ? rejects.window : Nanos::FromSeconds(60));
  }
  for (auto& r : vol_) r.Configure(vol.sample, vol.short_halflife, vol.long_halflife, vol.warmup);
  clock_.Configure(Nanos{p_.breaker[static_cast<size_t>(BreakerId::kClock)].threshold});
  day_clock_.Configure(day_start);
}

void BreakerFeeds::OnControlTime(bool timer, Nanos t, risk::BreakerSet& set, risk::BreakerEventSink* sink) noexcept {
  // The control thread stamps every command and timer from one clock in order: its times only
  // go forward, and timers come every timer_ms. A step back, or a gap between timers beyond
  // max_time_jump, is the wall clock moving (or the engine stalling): every time-based rule
  // (cooldowns, windows, the trading day) would be off.
  // Backwards: against the last control input of any kind. Forward jumps: between timers only
  // (commands come when operators send them).
  int64_t step = clock_.OnInput(kMaxVenues, t);
  if (timer) {
    const int64_t jump = clock_.OnTimer(t);
    if (step == 0) step = jump;
  }
  if (step == 0 || !set.enabled(BreakerId::kClock)) return;
  const int64_t limit = p_.breaker[static_cast<size_t>(BreakerId::kClock)].threshold;
  set.TripNow(BreakerId::kClock, VenueId::Invalid(), InstrumentId::Invalid(), step, step < 0 ? 0 : limit, t, sink,
              step < 0 ? 0 : 1);
}

void BreakerFeeds::Evaluate(const BreakerInputs& in, risk::BreakerSet& set, risk::BreakerEventSink* sink) noexcept {
  const Nanos now = in.now;
  set.BeginRound(now);

  // Stale: an instrument that had a reference and lost its quorum (usable venues below it).
  if (set.enabled(BreakerId::kStale) && in.reference != nullptr) {
    for (int i = 0; i < in.instruments; ++i) {
      const InstrumentId id{static_cast<uint16_t>(i)};
      const int quorum = in.quorum != nullptr && in.quorum[i] > 0 ? in.quorum[i] : 1;
      set.Observe(BreakerId::kStale, VenueId::Invalid(), id, in.reference->stale(id), in.reference->venues_used(id),
                  quorum, now, sink);
    }
  }

  // Integrity storm: gaps, checksum failures and resyncs per window, per venue.
  if (set.enabled(BreakerId::kIntegrity) && in.integrity_events != nullptr) {
    const int64_t max_events = p_.breaker[static_cast<size_t>(BreakerId::kIntegrity)].threshold;
    for (int v = 0; v < in.venues; ++v) {
      integrity_[v].Sample(now, in.integrity_events[v]);
      const int64_t rise = static_cast<int64_t>(integrity_[v].Rise());
      set.Observe(BreakerId::kIntegrity, VenueId{static_cast<uint8_t>(v)}, InstrumentId::Invalid(), rise > max_events,
                  rise, max_events, now, sink);
    }
  }

  // Divergence: each fresh venue's mid against the reference (outliers included: they are what
  // this breaker is for), only while the reference itself is valid.
  if (set.enabled(BreakerId::kDivergence) && in.reference != nullptr) {
    const int64_t limit = p_.breaker[static_cast<size_t>(BreakerId::kDivergence)].threshold;
    for (int i = 0; i < in.instruments; ++i) {
      const InstrumentId id{static_cast<uint16_t>(i)};
      if (!in.reference->valid(id)) continue;
      for (int v = 0; v < in.venues; ++v) {
        const VenueId vid{static_cast<uint8_t>(v)};
        if (!in.reference->has_divergence(vid, id)) continue;
        const int64_t d = Abs(in.reference->divergence(vid, id)).raw();
        set.Observe(BreakerId::kDivergence, vid, id, d > limit, d, limit, now, sink);
      }
    }
  }

  // Volatility spike: short over long EWMA volatility of the reference.
  if (set.enabled(BreakerId::kVolSpike) && in.reference != nullptr) {
    const int64_t limit = p_.breaker[static_cast<size_t>(BreakerId::kVolSpike)].threshold;
    for (int i = 0; i < in.instruments; ++i) {
      const InstrumentId id{static_cast<uint16_t>(i)};
      if (!in.reference->valid(id)) continue;
      vol_[i].OnPrice(in.reference->value(id), now);
      const double ratio = vol_[i].Ratio();
      // As a Rate (1.0 = 10^8); a statistic, compared, never traded on.
      const int64_t r = ratio >= 9e10 ? INT64_MAX / 2 : static_cast<int64_t>(ratio * static_cast<double>(Rate::kScale));
      set.Observe(BreakerId::kVolSpike, VenueId::Invalid(), id, r > limit, r, limit, now, sink);
    }
  }

  // Drawdown from the NAV peak and the day's loss, once NAV is complete (every held asset priced).
  if (in.nav_complete && in.nav.is_positive()) {
    drawdown_.OnNav(in.nav);
    if (set.enabled(BreakerId::kDrawdown)) {
      const int64_t limit = p_.breaker[static_cast<size_t>(BreakerId::kDrawdown)].threshold;
      const int64_t dd = drawdown_.Fraction().raw();
      set.Observe(BreakerId::kDrawdown, VenueId::Invalid(), InstrumentId::Invalid(), dd > limit, dd, limit, now, sink);
    }
    const int64_t day = day_clock_.DayOf(now);
    if (day != day_) {
      day_ = day;
      day_pnl_start_ = in.pnl;  // the day's loss is measured from the PnL when it began
    }
    if (set.enabled(BreakerId::kDailyLoss)) {
      const int64_t limit = p_.breaker[static_cast<size_t>(BreakerId::kDailyLoss)].threshold;
      const int64_t loss = (day_pnl_start_ - in.pnl).raw();
      set.Observe(BreakerId::kDailyLoss, VenueId::Invalid(), InstrumentId::Invalid(), loss > limit, loss, limit, now,
                  sink);
    }
  }

  // Reject rate per venue: rejects over orders sent within the window, once enough were sent.
  if (set.enabled(BreakerId::kRejectRate) && in.orders_sent != nullptr && in.venue_rejects != nullptr) {
    const risk::BreakerConfig& c = p_.breaker[static_cast<size_t>(BreakerId::kRejectRate)];
    for (int v = 0; v < in.venues; ++v) {
      orders_[v].Sample(now, in.orders_sent[v]);
      rejects_[v].Sample(now, in.venue_rejects[v]);
      const uint64_t sent = orders_[v].Rise();
      const uint64_t rejected = rejects_[v].Rise();
      const bool enough = sent > 0 && static_cast<int64_t>(sent) >= c.min_count;
      const int64_t rate =
          enough ? static_cast<int64_t>((static_cast<__int128>(rejected) * Rate::kScale) / static_cast<__int128>(sent)) : 0;
      set.Observe(BreakerId::kRejectRate, VenueId{static_cast<uint8_t>(v)}, InstrumentId::Invalid(),
                  enough && rate > c.threshold, rate, c.threshold, now, sink);
    }
  }

  // Unknown orders: the oldest unknown order per venue, by age.
  if (set.enabled(BreakerId::kUnknownOrders)) {
    const int64_t limit_ms = p_.breaker[static_cast<size_t>(BreakerId::kUnknownOrders)].threshold;
    for (int v = 0; v < in.venues; ++v) {
      const Nanos since = in.oldest_unknown != nullptr ? in.oldest_unknown[v] : Nanos{};
      const int64_t age_ms = since.value != 0 && now > since ? (now - since).value / 1'000'000 : 0;
      set.Observe(BreakerId::kUnknownOrders, VenueId{static_cast<uint8_t>(v)}, InstrumentId::Invalid(),
                  since.value != 0 && age_ms > limit_ms, age_ms, limit_ms, now, sink);
    }
  }

  // Leg imbalance: what one-legged groups leave open, by notional or by age.
  if (set.enabled(BreakerId::kLegImbalance)) {
    const risk::BreakerConfig& c = p_.breaker[static_cast<size_t>(BreakerId::kLegImbalance)];
    const int64_t age_ms = in.oldest_residual_age.value / 1'000'000;
    const bool by_notional = c.threshold > 0 && in.residual_notional.raw() > c.threshold;
    const bool by_age = c.threshold2 > 0 && age_ms > c.threshold2;
    if (by_age && !by_notional) {
      set.Observe(BreakerId::kLegImbalance, VenueId::Invalid(), InstrumentId::Invalid(), true, age_ms, c.threshold2,
                  now, sink, 1);
    } else {
      set.Observe(BreakerId::kLegImbalance, VenueId::Invalid(), InstrumentId::Invalid(), by_notional,
                  in.residual_notional.raw(), c.threshold, now, sink, 0);
    }
  }

  set.EndRound(now, sink);
}

}  // namespace hs::engine
