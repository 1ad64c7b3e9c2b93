// hs::risk — trading states (DESIGN §7): ACTIVE, REDUCING (only orders that reduce risk),
// HALTED (nothing but cancels), held per scope — global, per venue, per instrument — in two
// layers: what operators commanded (halt, reduce, resume, kill) and what breakers derive. The
// state that applies to an order is the strictest of every layer and scope that covers it.
//
// Owned by the decision core, which is the only writer: operator commands and breaker rounds
// set layers here; nothing else changes a state. Pure: no clock, no allocation.
#pragma once

#include <array>
#include <cstdint>

#include "core/base/ids.h"

namespace hs::risk {

enum class TradingState : uint8_t { kActive = 0, kReducing = 1, kHalted = 2 };
const char* TradingStateName(TradingState s) noexcept;
// "ACTIVE" → kActive (case-sensitive, as TradingStateName spells them); false when unknown.
bool ParseTradingState(const char* s, TradingState* out) noexcept;

constexpr TradingState Stricter(TradingState a, TradingState b) noexcept { return a > b ? a : b; }

class TradingStates {
 public:
  TradingStates() noexcept { Clear(); }

  // Operator layer. A kill is global and latched: while killed() the global operator state
  // reads HALTED whatever else is set; only a global resume (ResumeGlobal) clears it.
  void SetOperatorGlobal(TradingState s) noexcept { op_global_ = s; }
  void SetOperatorVenue(VenueId v, TradingState s) noexcept { op_venue_[v.value] = s; }
  void SetKilled(bool k) noexcept { killed_ = k; }
  bool killed() const noexcept { return killed_; }
  TradingState operator_global() const noexcept { return killed_ ? TradingState::kHalted : op_global_; }
  TradingState operator_venue(VenueId v) const noexcept { return op_venue_[v.value]; }

  // Breaker layer: rewritten whole after every breaker round (ClearBreakers, then Raise*).
  void ClearBreakers() noexcept;
  void RaiseGlobal(TradingState s) noexcept { br_global_ = Stricter(br_global_, s); }
  void RaiseVenue(VenueId v, TradingState s) noexcept { br_venue_[v.value] = Stricter(br_venue_[v.value], s); }
  void RaiseInstrument(InstrumentId i, TradingState s) noexcept {
    br_instrument_[i.value] = Stricter(br_instrument_[i.value], s);
  }
  TradingState breaker_global() const noexcept { return br_global_; }
  TradingState breaker_venue(VenueId v) const noexcept { return br_venue_[v.value]; }
  TradingState breaker_instrument(InstrumentId i) const noexcept { return br_instrument_[i.value]; }

  // What applies: global = operator and breaker global layers; venue adds that venue's layers;
  // Effective adds the instrument's breaker layer.
  TradingState global() const noexcept { return Stricter(operator_global(), br_global_); }
  TradingState venue(VenueId v) const noexcept {
    return Stricter(global(), Stricter(op_venue_[v.value], br_venue_[v.value]));
  }
  TradingState Effective(VenueId v, InstrumentId i) const noexcept {
    return Stricter(venue(v), br_instrument_[i.value]);
  }

  void Clear() noexcept;

  // Snapshot (core/engine/snapshot.h): both layers.
  template <class Ar>
  void Persist(Ar& ar) {
    ar(killed_);
    ar(op_global_);
    ar(br_global_);
    ar(op_venue_);
    ar(br_venue_);
    ar(br_instrument_);
  }

 private:
  bool killed_ = false;
  TradingState op_global_ = TradingState::kActive;
  TradingState br_global_ = TradingState::kActive;
  std::array<TradingState, kMaxVenues> op_venue_{};
  std::array<TradingState, kMaxVenues> br_venue_{};
  std::array<TradingState, kMaxInstruments> br_instrument_{};
};

}  // namespace hs::risk
