// hs::runtime — the kill switch: an atomic halt flag that order sessions read directly.
//
// The control thread trips it; it never waits on the decision core (DESIGN §1). Every order
// session brackets the moment it hands order bytes to a socket with BeginSend/EndSend. Trip()
// sets the flag and then waits until no session is inside such a bracket, so when Trip()
// returns no order can leave any more: a session that read the flag as clear before the trip
// is waited for; one that reads it after sees it set (Dekker's pattern, seq_cst on both sides).
// The flag latches until Reset() (an operator's resume).
//
// Each Trip() also bumps the cancel-all epoch: every venue thread compares it with the last one
// it acted on once per duty cycle and, when it moved, has its order session send the venue's
// cancel-all (cancels are never held back by the halt flag). The control thread wakes the venue
// threads after tripping; it never waits on the decision core.
#pragma once

#include <atomic>
#include <cstdint>

#include "core/base/ids.h"
#include "core/runtime/idle.h"

namespace hs::runtime {

class KillSwitch {
 public:
  bool halted() const noexcept { return halted_.load(std::memory_order_acquire); }

  // The decision core's derived state for venue v is HALTED (a venue or global halt, a kill, a
  // breaker): written by the core whenever that state changes, read by the venue's order session
  // at every send, so the flag the sessions obey and the core's state agree. Unlike Trip() it
  // does not wait for sends in progress: the core never waits, and it emits no order to a venue
  // it holds HALTED, so this flag only stops what was already queued.
  void SetVenueHalted(VenueId v, bool h) noexcept { sending_[v.value].venue_halted.store(h, std::memory_order_seq_cst); }
  bool venue_halted(VenueId v) const noexcept { return sending_[v.value].venue_halted.load(std::memory_order_acquire); }
  // What a session obeys: the operator's kill or the core's venue halt.
  bool halted_for(VenueId v) const noexcept { return halted() || venue_halted(v); }

  // Order session: call right before writing order bytes. False = halted, do not send.
  [[nodiscard]] bool BeginSend(VenueId v) noexcept {
    Slot& s = sending_[v.value];
    s.in_send.store(true, std::memory_order_seq_cst);
    if (halted_.load(std::memory_order_seq_cst) || s.venue_halted.load(std::memory_order_acquire)) {
      s.in_send.store(false, std::memory_order_release);
      return false;
    }
    return true;
  }
  // Order session: the bytes are in the kernel (or the write failed).
  void EndSend(VenueId v) noexcept { sending_[v.value].in_send.store(false, std::memory_order_release); }

  // Control thread: latch the halt and wait out any send in progress.
  void Trip() noexcept {
    halted_.store(true, std::memory_order_seq_cst);
    cancel_all_epoch_.fetch_add(1, std::memory_order_acq_rel);
    for (auto& s : sending_) {
      while (s.in_send.load(std::memory_order_seq_cst)) CpuRelax();
    }
  }
  void Reset() noexcept { halted_.store(false, std::memory_order_seq_cst); }

  // Venue threads: moves on every Trip(); a venue thread that sees a new value sends cancel-all.
  uint32_t cancel_all_epoch() const noexcept { return cancel_all_epoch_.load(std::memory_order_acquire); }

 private:
  struct alignas(64) Slot {
    std::atomic<bool> in_send{false};
    std::atomic<bool> venue_halted{false};  // the core's derived HALTED for this venue
  };
  alignas(64) std::atomic<bool> halted_{false};
  std::atomic<uint32_t> cancel_all_epoch_{0};  // written only by Trip(): shares the flag's line
  Slot sending_[kMaxVenues];
};

}  // namespace hs::runtime
