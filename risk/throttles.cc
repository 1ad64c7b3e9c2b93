#include "risk/throttles.h"

#include "core/base/check.h"

namespace hs::risk {

namespace {

constexpr int64_t kDayNanos = 86'400'000'000'000;

// Index of the slot before `i` in a ring of `cap` slots.
constexpr size_t Prev(size_t i, size_t cap) noexcept { return i == 0 ? cap - 1 : i - 1; }

}  // namespace

// ---- OrderRateWindow

void OrderRateWindow::Configure(int capacity, Nanos window) {
  times_.assign(capacity > 0 ? static_cast<size_t>(capacity) : 0, Nanos{});
  head_ = 0;
  count_ = 0;
  window_ = window;
}

int OrderRateWindow::CountInWindow(Nanos now) const noexcept {
  // Newest first; the ring is in time order (Record keeps it so), so the first order at or
  // before the window's start ends the count.
  const Nanos start = now - window_;
  const size_t cap = times_.size();
  size_t at = head_;
  int n = 0;
  for (size_t k = 0; k < count_; ++k) {
    at = Prev(at, cap);
    if (times_[at] <= start) break;
    ++n;
  }
  return n;
}

bool OrderRateWindow::Allows(Nanos now, int budget) const noexcept {
  if (times_.empty()) return true;
  if (budget <= 0) return false;  // the whole rate is kept for cancels
  if (static_cast<size_t>(budget) > count_) return true;
  // In time order, `budget` orders lie inside the window exactly when the budget-th newest does:
  // one comparison however full the window is.
  const size_t cap = times_.size();
  const size_t back = static_cast<size_t>(budget);  // <= count_ <= cap
  const size_t at = head_ >= back ? head_ - back : head_ + cap - back;  // no division on this path
  return times_[at] <= now - window_;
}

void OrderRateWindow::Record(Nanos now) noexcept {
  const size_t cap = times_.size();
  if (cap == 0) return;
  if (count_ > 0) {
    const Nanos newest = times_[Prev(head_, cap)];
    if (now < newest) now = newest;
  }
  times_[head_] = now;
  head_ = head_ + 1 == cap ? 0 : head_ + 1;
  if (count_ < cap) ++count_;
}

// ---- RepeatThrottle

void RepeatThrottle::Configure(int venues, int instruments, int max, Nanos window) {
  HS_CHECK(max >= 0 && max <= 65535, "repeat_max must be within 0..65535");
  HS_CHECK(venues >= 0 && instruments >= 0, "negative venue or instrument count");
  venues_ = venues;
  instruments_ = instruments;
  max_ = max;
  window_ = window;
  const size_t keys = max > 0 ? static_cast<size_t>(venues) * static_cast<size_t>(instruments) * 2 : 0;
  times_.assign(keys * static_cast<size_t>(max), Nanos{});
  heads_.assign(keys, 0);
  counts_.assign(keys, 0);
}

bool RepeatThrottle::Tracked(VenueId v, InstrumentId i) const noexcept {
  return max_ > 0 && v.valid() && i.valid() && v.value < venues_ && i.value < instruments_;
}

size_t RepeatThrottle::Key(VenueId v, InstrumentId i, Side s) const noexcept {
  const size_t side = s == Side::kSell ? 1 : 0;
  return (static_cast<size_t>(v.value) * static_cast<size_t>(instruments_) + i.value) * 2 + side;
}

bool RepeatThrottle::Allows(VenueId v, InstrumentId i, Side s, Nanos now) const noexcept {
  if (!Tracked(v, i)) return true;
  const size_t key = Key(v, i, s);
  if (counts_[key] < max_) return true;
  // Full ring: the head is the oldest of the last `max` orders. All of them are inside the
  // window exactly when it is (the ring is in time order).
  return times_[key * static_cast<size_t>(max_) + heads_[key]] <= now - window_;
}

int RepeatThrottle::CountInWindow(VenueId v, InstrumentId i, Side s, Nanos now) const noexcept {
  if (!Tracked(v, i)) return 0;
  const size_t key = Key(v, i, s);
  const size_t cap = static_cast<size_t>(max_);
  const Nanos* ring = &times_[key * cap];
  const Nanos start = now - window_;
  size_t at = heads_[key];
  int n = 0;
  for (size_t k = 0; k < counts_[key]; ++k) {
    at = Prev(at, cap);
    if (ring[at] <= start) break;
    ++n;
  }
  return n;
}

void RepeatThrottle::Record(VenueId v, InstrumentId i, Side s, Nanos now) noexcept {
  if (!Tracked(v, i)) return;
  const size_t key = Key(v, i, s);
  const size_t cap = static_cast<size_t>(max_);
  Nanos* ring = &times_[key * cap];
  size_t head = heads_[key];
  if (counts_[key] > 0) {
    const Nanos newest = ring[Prev(head, cap)];
    if (now < newest) now = newest;  // keep the ring in time order (see OrderRateWindow::Record)
  }
  ring[head] = now;
  head = head + 1 == cap ? 0 : head + 1;
  heads_[key] = static_cast<uint16_t>(head);
  if (counts_[key] < cap) ++counts_[key];
}

// ---- DailyNotional

int64_t DailyNotional::DayOf(Nanos now) const noexcept {
  // Floor division: times before day_start (or before the epoch) belong to earlier days, not
  // to day 0, which truncating division would give them.
  const int64_t t = now.value - day_start_.value;
  int64_t day = t / kDayNanos;
  if (t % kDayNanos < 0) --day;
  return day;
}

Nanos DailyNotional::DayStart(Nanos now) const noexcept { return Nanos{DayOf(now) * kDayNanos + day_start_.value}; }

void DailyNotional::Record(Notional n, Nanos now) noexcept {
  const int64_t day = DayOf(now);
  // A later day starts from zero. An earlier one (input time stepped back over the day's start)
  // is added to the current day rather than wiping it: the cap never under-counts.
  if (day > day_) {
    day_ = day;
    used_ = Notional::Zero();
  }
  used_ += n;
}

}  // namespace hs::risk
