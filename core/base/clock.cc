#include "core/base/clock.h"

#include <time.h>

namespace hs {

void TscClock::Calibrate() noexcept {
  // Measure TSC ticks against CLOCK_MONOTONIC over ~20 ms; take the best of three windows.
  double best = 0;
  for (int round = 0; round < 3; ++round) {
    const Nanos m0 = MonoNow();
    const TscStamp t0 = TscNow();
    timespec req{0, 7'000'000};
    nanosleep(&req, nullptr);
    const Nanos m1 = MonoNow();
    const TscStamp t1 = TscNow();
    const double ns = static_cast<double>((m1 - m0).value);
    if (ns > 0) {
      const double r = static_cast<double>(t1.ticks - t0.ticks) / ns;
      if (best == 0 || r < best) best = r;
    }
  }
  ticks_per_ns_ = best > 0 ? best : 1.0;
  ns_per_tick_ = 1.0 / ticks_per_ns_;
}

}  // namespace hs
