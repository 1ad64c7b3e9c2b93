// hs::runtime — idle strategies and the wake-up handshake for parked agents.
//
// A thread runs one loop: do work, and when there was none, idle by its strategy (DESIGN §5):
//   kBusySpin  spin with a pause instruction; for isolated cores. Never parks.
//   kBackoff   spin for a while, then yield, then park for growing intervals up to a cap.
// Parking is delegated to the agent (a venue thread parks in epoll so sockets wake it; the
// core parks on an eventfd) and a producer that pushes work to a parked agent wakes it through
// its Waker. The Waker costs the producer one atomic load when the consumer is awake, and one
// eventfd write (a system call) only when it is parked.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

namespace hs::runtime {

enum class IdleKind : uint8_t { kBusySpin = 0, kBackoff = 1 };

// Parses "busy-spin" / "backoff"; false for anything else.
bool ParseIdleKind(std::string_view text, IdleKind* out) noexcept;
const char* IdleKindName(IdleKind k) noexcept;

inline void CpuRelax() noexcept {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#endif
}

// An eventfd plus a "parked" flag. The consumer owns it; producers only call Wake().
class Waker {
 public:
  Waker();
  ~Waker();
  Waker(const Waker&) = delete;
  Waker& operator=(const Waker&) = delete;

  // Producer side: after publishing work, wake the consumer if it is parked.
  void Wake() noexcept {
    if (parked_.load(std::memory_order_seq_cst)) WakeSlow();
  }
  // Consumer side. BeginPark() publishes the intent to sleep; the caller must then re-check
  // its inputs (a producer that pushed before seeing the flag did not wake us) and, if still
  // idle, block on fd() (or call Block()), then EndPark().
  void BeginPark() noexcept { parked_.store(true, std::memory_order_seq_cst); }
  void EndPark() noexcept { parked_.store(false, std::memory_order_relaxed); }
  // Blocks on the eventfd for at most timeout_ns; drains it. Returns true when woken.
  bool Block(int64_t timeout_ns) noexcept;
  // Clears a pending wake (after an external poller saw the fd readable).
  void Drain() noexcept;
  int fd() const noexcept { return fd_; }
  uint64_t wakes_sent() const noexcept { return wakes_.load(std::memory_order_relaxed); }

 private:
  void WakeSlow() noexcept;
  int fd_ = -1;
  std::atomic<bool> parked_{false};
  std::atomic<uint64_t> wakes_{0};
};

// The loop's idle policy. Owned by one thread.
class IdleStrategy {
 public:
  struct Params {
    IdleKind kind = IdleKind::kBackoff;
    int64_t spin_ns = 50'000;      // spin this long after the last work before yielding
    int yields = 8;                // then yield this many times
    int64_t min_park_ns = 20'000;  // then park, doubling each time...
    int64_t max_park_ns = 2'000'000;  // ...up to this cap
  };
  explicit IdleStrategy(Params p) noexcept : p_(p) {}

  // Called after each duty cycle. Returns how long to park (ns) when the agent should park
  // now, or 0 when it should just loop again.
  int64_t Idle(int work_count) noexcept;
  void Reset() noexcept { idle_since_ns_ = 0, yields_done_ = 0, park_ns_ = 0; }
  IdleKind kind() const noexcept { return p_.kind; }

 private:
  Params p_;
  int64_t idle_since_ns_ = 0;
  int yields_done_ = 0;
  int64_t park_ns_ = 0;
};

}  // namespace hs::runtime
