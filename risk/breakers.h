// hs::risk — circuit breakers (DESIGN §7): named conditions that, once tripped, make a scope
// (global, one venue, one instrument) REDUCING or HALTED until they clear.
//
// Each breaker has a configured scope, action, cooldown and latch. The core evaluates the
// conditions in rounds on its timer inputs (and at once for event-like ones: journal failure,
// clock): BeginRound, then Observe every (venue, instrument) observation, then EndRound. An
// observation maps to the slot of the breaker's scope (global: one slot; venue: the
// observation's venue; instrument: its instrument); a slot trips when any observation in it is
// over its threshold. A tripped slot clears at the end of a round in which nothing in it was
// over, once cooldown has passed since it tripped; with latch it stays tripped (state
// "latched") until an operator resets the breaker. `journal` always halts and latches.
//
// Every trip, clear and reset is reported to the caller as a BreakerEvent (the core journals
// it); each slot keeps its trips, last cause (value against threshold) and when it tripped.
// Pure: no clock (times are input times), no allocation after construction, no exceptions.
#pragma once

#include <array>
#include <cstdint>

#include "core/base/clock.h"
#include "core/base/ids.h"
#include "risk/trading_state.h"

namespace hs::risk {

// Observation units (value and threshold as passed to Observe, kept as the slot's last cause):
//   stale          usable venues (count) against the quorum
//   integrity      gaps + checksum failures + resyncs in the window (count) against max_events
//   divergence     |mid - reference| / reference (Rate raw) against divergence_bps (Rate raw)
//   vol_spike      short/long volatility ratio (Rate raw, 1.0 = 10^8) against ratio
//   drawdown       (peak - NAV) / peak (Rate raw) against max_drawdown_bps
//   daily_loss     loss since the day began (Amount raw, positive = a loss) against max_loss
//   reject_rate    rejects / orders in the window (Rate raw) against max_rate
//   unknown_orders age of the oldest unknown order (ms) against max_age_ms
//   leg_imbalance  cause 0: residual notional (Notional raw) against max_notional;
//                  cause 1: age of the oldest residual (ms) against max_age_ms
//   journal        1 against 0
//   clock          cause 0: a backwards step (ns, negative); cause 1: a forward jump (ns) against max_time_jump (ns)
enum class BreakerId : uint8_t {
  kStale = 0,      // usable venues below the reference quorum (per instrument)
  kIntegrity,      // gaps + checksum failures + resyncs within a window (per venue)
  kDivergence,     // a venue's mid away from the reference (per venue and instrument)
  kVolSpike,       // short EWMA volatility over long EWMA volatility (per instrument)
  kDrawdown,       // NAV below its peak (global)
  kDailyLoss,      // PnL since the trading day began (global)
  kRejectRate,     // venue rejects over orders within a window (per venue)
  kUnknownOrders,  // an order's outcome unknown for too long (per venue)
  kLegImbalance,   // leg residual notional or age (per instrument)
  kJournal,        // the journal failed a write or fsync (global; always halt + latch)
  kClock,          // input time went backwards or jumped (global)
};
inline constexpr int kBreakers = static_cast<int>(BreakerId::kClock) + 1;
const char* BreakerName(BreakerId b) noexcept;  // "stale", "integrity", ...
bool ParseBreakerName(const char* s, BreakerId* out) noexcept;

enum class BreakerScope : uint8_t { kGlobal = 0, kVenue, kInstrument };
const char* BreakerScopeName(BreakerScope s) noexcept;  // "global", "venue", "instrument"
enum class BreakerAction : uint8_t { kReduce = 0, kHalt };
const char* BreakerActionName(BreakerAction a) noexcept;  // "reduce", "halt"

// One breaker's settings. `threshold` and `threshold2` are raw values whose meaning (and
// fixed-point scale) is the breaker's own; the core compares observations with them and passes
// both to Observe. Config reads them under the breaker's own key names (see config.h).
struct BreakerConfig {
  bool enabled = false;
  BreakerScope scope = BreakerScope::kGlobal;
  BreakerAction action = BreakerAction::kHalt;
  Nanos cooldown;       // minimum time tripped before it may clear
  bool latch = false;   // stays tripped until an operator reset
  int64_t threshold = 0;
  int64_t threshold2 = 0;  // a second limit where the breaker has one (leg_imbalance: age)
  Nanos window;            // integrity, reject_rate: the trailing window; stale, divergence: how long over before tripping
  int64_t min_count = 0;   // reject_rate: orders in the window before a rate counts
};

struct BreakerParams {
  std::array<BreakerConfig, kBreakers> breaker{};
};

enum class BreakerEventKind : uint8_t { kTrip = 0, kClear, kReset };
const char* BreakerEventKindName(BreakerEventKind k) noexcept;

// A trip, clear or reset (journaled by the core as it happens). Trivially copyable.
struct BreakerEvent {
  BreakerId breaker = BreakerId::kStale;
  BreakerScope scope = BreakerScope::kGlobal;
  BreakerEventKind kind = BreakerEventKind::kTrip;
  BreakerAction action = BreakerAction::kHalt;
  uint16_t index = 0;      // venue or instrument id (0 for global)
  uint16_t venue = 0xFFFF; // the observation that tripped it: venue and instrument (0xFFFF = none)
  uint16_t instrument = 0xFFFF;
  int64_t value = 0;       // trip: the value observed; clear/reset: the last one
  int64_t threshold = 0;
  Nanos time;              // input time
  uint32_t peer_uid = 0xFFFFFFFFu;  // reset: the operator's uid
  uint8_t cause = 0;       // which of the breaker's limits (see the units above)
};

enum class SlotState : uint8_t { kOk = 0, kTripped, kLatched };
const char* SlotStateName(SlotState s) noexcept;  // "ok", "tripped", "latched"

struct BreakerSlot {
  SlotState state = SlotState::kOk;
  uint64_t trips = 0;
  Nanos tripped_at;        // input time of the last trip (wall ns)
  Nanos cleared_at;        // of the last clear or reset
  Nanos over_since;        // first observation over threshold in the current run of them (0 = none)
  int64_t last_value = 0;  // the cause of the last trip
  int64_t last_threshold = 0;
  uint16_t last_venue = 0xFFFF;
  uint16_t last_instrument = 0xFFFF;
  uint8_t last_cause = 0;
  bool over_this_round = false;

  // Snapshot (core/engine/snapshot.h).
  template <class Ar>
  void Persist(Ar& ar) {
    ar(state);
    ar(trips);
    ar(tripped_at);
    ar(cleared_at);
    ar(over_since);
    ar(last_value);
    ar(last_threshold);
    ar(last_venue);
    ar(last_instrument);
    ar(last_cause);
    ar(over_this_round);
  }
};

// Where events go (the core journals them and keeps nothing else).
class BreakerEventSink {
 public:
  virtual void OnBreakerEvent(const BreakerEvent& e) noexcept = 0;

 protected:
  ~BreakerEventSink() = default;
};

class BreakerSet {
 public:
  // Slots per breaker: 1 (global), venues or instruments, by the breaker's scope.
  BreakerSet(const BreakerParams& params, int venues, int instruments) noexcept;

  const BreakerConfig& config(BreakerId b) const noexcept { return p_.breaker[static_cast<size_t>(b)]; }
  bool enabled(BreakerId b) const noexcept { return config(b).enabled; }

  void BeginRound(Nanos now) noexcept;
  // One observation: `over` = the condition holds (value against threshold, as the caller
  // compared them). A disabled breaker ignores it. An over observation trips the slot at once,
  // or, for stale and divergence, when the slot's run of over observations has lasted
  // config.window (their after_ms; 0: at once).
  void Observe(BreakerId b, VenueId v, InstrumentId i, bool over, int64_t value, int64_t threshold, Nanos now,
               BreakerEventSink* sink, uint8_t cause = 0) noexcept;
  // Clears tripped, unlatched slots that saw nothing over this round once their cooldown passed.
  void EndRound(Nanos now, BreakerEventSink* sink) noexcept;
  // Trips at once, outside a round (journal failure, clock).
  void TripNow(BreakerId b, VenueId v, InstrumentId i, int64_t value, int64_t threshold, Nanos now,
               BreakerEventSink* sink, uint8_t cause = 0) noexcept;
  // Operator reset: every tripped or latched slot of the breaker goes back to ok (its
  // condition is evaluated afresh next round). Returns the slots reset. The journal breaker
  // cannot be reset (a failed journal stays failed for the run): returns -1.
  int Reset(BreakerId b, Nanos now, uint32_t peer_uid, BreakerEventSink* sink) noexcept;

  // Writes the breaker layer of `states` from the slots (ClearBreakers first).
  void Apply(TradingStates* states) const noexcept;

  int slots(BreakerId b) const noexcept { return slots_[static_cast<size_t>(b)]; }
  const BreakerSlot& slot(BreakerId b, int index) const noexcept {
    return slot_[static_cast<size_t>(b)][static_cast<size_t>(index)];
  }
  // Slots tripped or latched now, over every breaker.
  int tripped() const noexcept;
  uint64_t trips_total() const noexcept { return trips_total_; }

  // Snapshot (core/engine/snapshot.h): every slot (how many each breaker has comes from params).
  template <class Ar>
  void Persist(Ar& ar) {
    for (const int n : slots_) ar.Shape(n, "breaker slots");
    ar(slot_);
    ar(trips_total_);
  }

 private:
  static constexpr int kMaxSlots = kMaxVenues > kMaxInstruments ? kMaxVenues : kMaxInstruments;
  int SlotIndex(BreakerId b, VenueId v, InstrumentId i) const noexcept;  // -1 = no slot for it
  void Trip(BreakerId b, int idx, VenueId v, InstrumentId i, int64_t value, int64_t threshold, Nanos now,
            BreakerEventSink* sink, uint8_t cause) noexcept;

  BreakerParams p_;
  std::array<int, kBreakers> slots_{};
  std::array<std::array<BreakerSlot, kMaxSlots>, kBreakers> slot_{};
  uint64_t trips_total_ = 0;
};

}  // namespace hs::risk
