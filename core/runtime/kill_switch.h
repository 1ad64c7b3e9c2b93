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

  // Order session: call right before writing order bytes. False = halted, do not send.
  [[nodiscard]] bool BeginSend(VenueId v) noexcept {
    Slot& s = sending_[v.value];
    s.in_send.store(true, std::memory_order_seq_cst);
    if (halted_.load(std::memory_order_seq_cst)) {
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
  };
  alignas(64) std::atomic<bool> halted_{false};
  std::atomic<uint32_t> cancel_all_epoch_{0};  // written only by Trip(): shares the flag's line
  Slot sending_[kMaxVenues];
};

}  // namespace hs::runtime
