// hs::base — time.
//
// Nanos: nanoseconds, for exchange timestamps (since the Unix epoch) and durations.
// TscStamp: a raw time-stamp-counter reading for latency stamps (receive, publish, decision,
// wire-write). Reading it costs ~10-20 ns and no system call. TscClock converts tick
// differences to nanoseconds after a one-off calibration (double is fine: it is a metric).
// The decision core never reads a clock: time reaches it inside messages (DESIGN §1).
#pragma once

#include <compare>
#include <cstdint>
#include <ctime>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace hs {

struct Nanos {
  int64_t value = 0;
  constexpr auto operator<=>(const Nanos&) const noexcept = default;
  constexpr Nanos operator-(Nanos o) const noexcept { return Nanos{value - o.value}; }
  constexpr Nanos operator+(Nanos o) const noexcept { return Nanos{value + o.value}; }
  static constexpr Nanos FromMillis(int64_t ms) noexcept { return Nanos{ms * 1'000'000}; }
  static constexpr Nanos FromMicros(int64_t us) noexcept { return Nanos{us * 1'000}; }
  static constexpr Nanos FromSeconds(int64_t s) noexcept { return Nanos{s * 1'000'000'000}; }
};

struct TscStamp {
  uint64_t ticks = 0;
  constexpr auto operator<=>(const TscStamp&) const noexcept = default;
};

// Wall-clock time since the epoch (vDSO, no system call on Linux).
inline Nanos WallNow() noexcept {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return Nanos{static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec};
}

// Monotonic time (vDSO).
inline Nanos MonoNow() noexcept {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return Nanos{static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec};
}

inline TscStamp TscNow() noexcept {
#if defined(__x86_64__)
  return TscStamp{__rdtsc()};
#else
  return TscStamp{static_cast<uint64_t>(MonoNow().value)};
#endif
}

// Converts TSC tick differences to nanoseconds. Calibrate once at startup (takes ~20 ms).
class TscClock {
 public:
  static void Calibrate() noexcept;
  static double ticks_per_ns() noexcept { return ticks_per_ns_; }
  // A multiply, not a divide: this runs on hot paths when a latency is recorded.
  static int64_t ToNanos(uint64_t ticks) noexcept { return static_cast<int64_t>(static_cast<double>(ticks) * ns_per_tick_); }
  static int64_t Elapsed(TscStamp from, TscStamp to) noexcept {
    return to.ticks > from.ticks ? ToNanos(to.ticks - from.ticks) : 0;
  }

 private:
  static inline double ticks_per_ns_ = 1.0;
  static inline double ns_per_tick_ = 1.0;
};

}  // namespace hs
