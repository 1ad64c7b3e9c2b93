#include "risk/breakers.h"

#include <algorithm>
#include <cstring>

namespace hs::risk {

namespace {

constexpr uint16_t kNoId = 0xFFFF;

// VenueId's invalid value is 0xFF; events and slots spell "none" as 0xFFFF for both ids.
uint16_t VenueField(VenueId v) noexcept { return v.valid() ? v.value : kNoId; }
uint16_t InstrumentField(InstrumentId i) noexcept { return i.valid() ? i.value : kNoId; }

TradingState StateFor(BreakerAction a) noexcept {
  return a == BreakerAction::kHalt ? TradingState::kHalted : TradingState::kReducing;
}

}  // namespace

const char* BreakerName(BreakerId b) noexcept {
  switch (b) {
    case BreakerId::kStale:
      return "stale";
    case BreakerId::kIntegrity:
      return "integrity";
    case BreakerId::kDivergence:
      return "divergence";
    case BreakerId::kVolSpike:
      return "vol_spike";
    case BreakerId::kDrawdown:
      return "drawdown";
    case BreakerId::kDailyLoss:
      return "daily_loss";
    case BreakerId::kRejectRate:
      return "reject_rate";
    case BreakerId::kUnknownOrders:
      return "unknown_orders";
    case BreakerId::kLegImbalance:
      return "leg_imbalance";
    case BreakerId::kJournal:
      return "journal";
    case BreakerId::kClock:
      return "clock";
  }
  return "?";
}

bool ParseBreakerName(const char* s, BreakerId* out) noexcept {
  if (s == nullptr) return false;
  for (int k = 0; k < kBreakers; ++k) {
    const auto b = static_cast<BreakerId>(k);
    if (std::strcmp(s, BreakerName(b)) == 0) {
      *out = b;
      return true;
    }
  }
  return false;
}

const char* BreakerScopeName(BreakerScope s) noexcept {
  switch (s) {
    case BreakerScope::kGlobal:
      return "global";
    case BreakerScope::kVenue:
      return "venue";
    case BreakerScope::kInstrument:
      return "instrument";
  }
  return "?";
}

const char* BreakerActionName(BreakerAction a) noexcept {
  switch (a) {
    case BreakerAction::kReduce:
      return "reduce";
    case BreakerAction::kHalt:
      return "halt";
  }
  return "?";
}

const char* BreakerEventKindName(BreakerEventKind k) noexcept {
  switch (k) {
    case BreakerEventKind::kTrip:
      return "trip";
    case BreakerEventKind::kClear:
      return "clear";
    case BreakerEventKind::kReset:
      return "reset";
  }
  return "?";
}

const char* SlotStateName(SlotState s) noexcept {
  switch (s) {
    case SlotState::kOk:
      return "ok";
    case SlotState::kTripped:
      return "tripped";
    case SlotState::kLatched:
      return "latched";
  }
  return "?";
}

BreakerSet::BreakerSet(const BreakerParams& params, int venues, int instruments) noexcept : p_(params) {
  // A failed journal means decisions can no longer be replayed: whatever the config says, it
  // halts everything and stays halted for the run. It is never off.
  BreakerConfig& journal = p_.breaker[static_cast<size_t>(BreakerId::kJournal)];
  journal.enabled = true;
  journal.scope = BreakerScope::kGlobal;
  journal.action = BreakerAction::kHalt;
  journal.latch = true;

  const int v = std::clamp(venues, 0, kMaxVenues);
  const int i = std::clamp(instruments, 0, kMaxInstruments);
  for (size_t k = 0; k < slots_.size(); ++k) {
    switch (p_.breaker[k].scope) {
      case BreakerScope::kGlobal:
        slots_[k] = 1;
        break;
      case BreakerScope::kVenue:
        slots_[k] = v;
        break;
      case BreakerScope::kInstrument:
        slots_[k] = i;
        break;
    }
  }
}

int BreakerSet::SlotIndex(BreakerId b, VenueId v, InstrumentId i) const noexcept {
  const int n = slots(b);
  switch (config(b).scope) {
    case BreakerScope::kGlobal:
      return 0;
    case BreakerScope::kVenue:
      return v.valid() && static_cast<int>(v.value) < n ? static_cast<int>(v.value) : -1;
    case BreakerScope::kInstrument:
      return i.valid() && static_cast<int>(i.value) < n ? static_cast<int>(i.value) : -1;
  }
  return -1;
}

void BreakerSet::BeginRound(Nanos /*now*/) noexcept {
  // EndRound leaves every flag down; this only guards against a round that was never ended.
  for (size_t b = 0; b < slot_.size(); ++b) {
    for (int k = 0; k < slots_[b]; ++k) slot_[b][static_cast<size_t>(k)].over_this_round = false;
  }
}

void BreakerSet::Observe(BreakerId b, VenueId v, InstrumentId i, bool over, int64_t value, int64_t threshold,
                         Nanos now, BreakerEventSink* sink, uint8_t cause) noexcept {
  if (!enabled(b) || !over) return;
  // An observation that is not over changes nothing here: a global slot hears from several
  // venues and stays over while any of them is, so the run is ended in EndRound instead.
  const int idx = SlotIndex(b, v, i);
  if (idx < 0) return;
  BreakerSlot& s = slot_[static_cast<size_t>(b)][static_cast<size_t>(idx)];
  s.over_this_round = true;
  if (s.over_since == Nanos{}) s.over_since = now;
  // `window` is how long the condition must hold only for stale and divergence; for integrity
  // and reject_rate it is the trailing window their measurement counts over (BreakerFeeds).
  const bool delayed = b == BreakerId::kStale || b == BreakerId::kDivergence;
  if (s.state == SlotState::kOk && (!delayed || now - s.over_since >= config(b).window)) {
    Trip(b, idx, v, i, value, threshold, now, sink, cause);
  }
}

void BreakerSet::EndRound(Nanos now, BreakerEventSink* sink) noexcept {
  for (size_t b = 0; b < slot_.size(); ++b) {
    const BreakerConfig& cfg = p_.breaker[b];
    if (!cfg.enabled) continue;
    for (int k = 0; k < slots_[b]; ++k) {
      BreakerSlot& s = slot_[b][static_cast<size_t>(k)];
      if (!s.over_this_round) {
        s.over_since = Nanos{};
        if (s.state == SlotState::kTripped && now - s.tripped_at >= cfg.cooldown) {
          s.state = SlotState::kOk;
          s.cleared_at = now;
          if (sink != nullptr) {
            BreakerEvent e;
            e.breaker = static_cast<BreakerId>(b);
            e.scope = cfg.scope;
            e.kind = BreakerEventKind::kClear;
            e.action = cfg.action;
            e.index = static_cast<uint16_t>(k);
            e.venue = s.last_venue;
            e.instrument = s.last_instrument;
            e.value = s.last_value;
            e.threshold = s.last_threshold;
            e.time = now;
            e.cause = s.last_cause;
            sink->OnBreakerEvent(e);
          }
        }
      }
      s.over_this_round = false;
    }
  }
}

void BreakerSet::TripNow(BreakerId b, VenueId v, InstrumentId i, int64_t value, int64_t threshold, Nanos now,
                         BreakerEventSink* sink, uint8_t cause) noexcept {
  if (!enabled(b)) return;
  const int idx = SlotIndex(b, v, i);
  if (idx < 0) return;
  if (slot_[static_cast<size_t>(b)][static_cast<size_t>(idx)].state != SlotState::kOk) return;
  Trip(b, idx, v, i, value, threshold, now, sink, cause);
}

void BreakerSet::Trip(BreakerId b, int idx, VenueId v, InstrumentId i, int64_t value, int64_t threshold, Nanos now,
                      BreakerEventSink* sink, uint8_t cause) noexcept {
  const BreakerConfig& cfg = config(b);
  BreakerSlot& s = slot_[static_cast<size_t>(b)][static_cast<size_t>(idx)];
  s.state = cfg.latch ? SlotState::kLatched : SlotState::kTripped;
  ++s.trips;
  ++trips_total_;
  s.tripped_at = now;
  s.last_value = value;
  s.last_threshold = threshold;
  s.last_venue = VenueField(v);
  s.last_instrument = InstrumentField(i);
  s.last_cause = cause;
  if (sink == nullptr) return;
  BreakerEvent e;
  e.breaker = b;
  e.scope = cfg.scope;
  e.kind = BreakerEventKind::kTrip;
  e.action = cfg.action;
  e.index = static_cast<uint16_t>(idx);
  e.venue = s.last_venue;
  e.instrument = s.last_instrument;
  e.value = value;
  e.threshold = threshold;
  e.time = now;
  e.cause = cause;
  sink->OnBreakerEvent(e);
}

int BreakerSet::Reset(BreakerId b, Nanos now, uint32_t peer_uid, BreakerEventSink* sink) noexcept {
  if (b == BreakerId::kJournal) return -1;
  const BreakerConfig& cfg = config(b);
  int reset = 0;
  for (int k = 0; k < slots(b); ++k) {
    BreakerSlot& s = slot_[static_cast<size_t>(b)][static_cast<size_t>(k)];
    if (s.state == SlotState::kOk) continue;
    s.state = SlotState::kOk;
    s.cleared_at = now;
    // The condition is judged afresh: a window starts over from the next over observation.
    s.over_since = Nanos{};
    s.over_this_round = false;
    ++reset;
    if (sink == nullptr) continue;
    BreakerEvent e;
    e.breaker = b;
    e.scope = cfg.scope;
    e.kind = BreakerEventKind::kReset;
    e.action = cfg.action;
    e.index = static_cast<uint16_t>(k);
    e.venue = s.last_venue;
    e.instrument = s.last_instrument;
    e.value = s.last_value;
    e.threshold = s.last_threshold;
    e.time = now;
    e.peer_uid = peer_uid;
    e.cause = s.last_cause;
    sink->OnBreakerEvent(e);
  }
  return reset;
}

void BreakerSet::Apply(TradingStates* states) const noexcept {
  states->ClearBreakers();
  for (size_t b = 0; b < slot_.size(); ++b) {
    const BreakerConfig& cfg = p_.breaker[b];
    const TradingState st = StateFor(cfg.action);
    for (int k = 0; k < slots_[b]; ++k) {
      if (slot_[b][static_cast<size_t>(k)].state == SlotState::kOk) continue;
      switch (cfg.scope) {
        case BreakerScope::kGlobal:
          states->RaiseGlobal(st);
          break;
        case BreakerScope::kVenue:
          states->RaiseVenue(VenueId{static_cast<uint8_t>(k)}, st);
          break;
        case BreakerScope::kInstrument:
          states->RaiseInstrument(InstrumentId{static_cast<uint16_t>(k)}, st);
          break;
      }
    }
  }
}

int BreakerSet::tripped() const noexcept {
  int n = 0;
  for (size_t b = 0; b < slot_.size(); ++b) {
    for (int k = 0; k < slots_[b]; ++k) {
      if (slot_[b][static_cast<size_t>(k)].state != SlotState::kOk) ++n;
    }
  }
  return n;
}

}  // namespace hs::risk
