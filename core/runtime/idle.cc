#include "core/runtime/idle.h"

#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

#include "core/base/check.h"
#include "core/base/clock.h"

namespace hs::runtime {

bool ParseIdleKind(std::string_view text, IdleKind* out) noexcept {
  if (text == "busy-spin" || text == "busy_spin" || text == "spin") {
    *out = IdleKind::kBusySpin;
    return true;
  }
  if (text == "backoff") {
    *out = IdleKind::kBackoff;
    return true;
  }
  return false;
}

const char* IdleKindName(IdleKind k) noexcept { return k == IdleKind::kBusySpin ? "busy-spin" : "backoff"; }

Waker::Waker() {
  fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  HS_CHECK(fd_ >= 0, "eventfd failed");
}

Waker::~Waker() {
  if (fd_ >= 0) close(fd_);
}

void Waker::WakeSlow() noexcept {
  const uint64_t one = 1;
  // A full counter (EAGAIN) still means "readable": the consumer will wake.
  [[maybe_unused]] ssize_t n = write(fd_, &one, sizeof one);
  wakes_.fetch_add(1, std::memory_order_relaxed);
}

void Waker::Drain() noexcept {
  uint64_t v;
  while (read(fd_, &v, sizeof v) == sizeof v) {
  }
}

bool Waker::Block(int64_t timeout_ns) noexcept {
  pollfd p{fd_, POLLIN, 0};
  timespec ts{static_cast<time_t>(timeout_ns / 1'000'000'000), static_cast<long>(timeout_ns % 1'000'000'000)};
  const int rc = ppoll(&p, 1, &ts, nullptr);
  if (rc > 0) {
    Drain();
    return true;
  }
  return false;
}

int64_t IdleStrategy::Idle(int work_count) noexcept {
  if (work_count > 0) {
    idle_since_ns_ = 0;
    yields_done_ = 0;
    park_ns_ = 0;
    return 0;
  }
  if (p_.kind == IdleKind::kBusySpin) {
    CpuRelax();
    return 0;
  }
  const int64_t now = MonoNow().value;
  if (idle_since_ns_ == 0) idle_since_ns_ = now;
  if (now - idle_since_ns_ < p_.spin_ns) {
    CpuRelax();
    return 0;
  }
  if (yields_done_ < p_.yields) {
    ++yields_done_;
    sched_yield();
    return 0;
  }
  park_ns_ = park_ns_ == 0 ? p_.min_park_ns : (park_ns_ * 2 > p_.max_park_ns ? p_.max_park_ns : park_ns_ * 2);
  return park_ns_;
}

}  // namespace hs::runtime
