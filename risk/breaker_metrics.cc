#include "risk/breaker_metrics.h"

#include <cmath>
#include <limits>

namespace hs::risk {

namespace {

constexpr int64_t kNoBucket = std::numeric_limits<int64_t>::min();

// Floor division, so that a bucket boundary falls at the same place on both sides of zero.
int64_t FloorDiv(int64_t a, int64_t b) noexcept {
  const int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

size_t SlotOf(int64_t bucket, int buckets) noexcept {
  return static_cast<size_t>(bucket - FloorDiv(bucket, buckets) * buckets);
}

// The weight of a new sample in an EWMA whose weights halve every `halflife` samples.
double AlphaFromHalfLife(double halflife) noexcept {
  if (!(halflife > 0)) return 1.0;
  return 1.0 - std::exp2(-1.0 / halflife);
}

}  // namespace

// ---- CounterWindow

void CounterWindow::Configure(Nanos window) noexcept {
  // kBuckets - 1 buckets span the window and the extra one holds the counter as the window's
  // oldest bucket began, so a rise early in the window is never lost between two samples.
  const int64_t w = window.value / (kBuckets - 1);
  bucket_width_ = Nanos{w > 0 ? w : 1};
  bucket_.fill(kNoBucket);
  value_.fill(0);
  any_ = false;
  last_bucket_ = 0;
  last_ = 0;
}

void CounterWindow::Sample(Nanos now, uint64_t cumulative) noexcept {
  if (bucket_width_.value <= 0) Configure(Nanos{});  // never configured: the narrowest window
  int64_t b = FloorDiv(now.value, bucket_width_.value);
  if (!any_ || cumulative < last_) {
    // First sample, or the source counts from scratch again: what came before says nothing
    // about the new count, so the window restarts from this sample.
    bucket_.fill(kNoBucket);
    const size_t slot = SlotOf(b, kBuckets);
    bucket_[slot] = b;
    value_[slot] = cumulative;
    any_ = true;
    last_bucket_ = b;
    last_ = cumulative;
    return;
  }
  // Input time that steps back counts into the current bucket rather than rewriting history.
  if (b < last_bucket_) b = last_bucket_;
  if (b != last_bucket_) {
    // The counter as this bucket began is the last sample before it.
    const size_t slot = SlotOf(b, kBuckets);
    bucket_[slot] = b;
    value_[slot] = last_;
    last_bucket_ = b;
  }
  last_ = cumulative;
}

uint64_t CounterWindow::Rise() const noexcept {
  if (!any_) return 0;
  const int64_t oldest_allowed = last_bucket_ - (kBuckets - 1);
  int64_t oldest = last_bucket_ + 1;
  uint64_t base = last_;
  for (size_t k = 0; k < bucket_.size(); ++k) {
    const int64_t b = bucket_[k];
    if (b == kNoBucket || b < oldest_allowed || b > last_bucket_) continue;
    if (b < oldest) {
      oldest = b;
      base = value_[k];
    }
  }
  return last_ - base;
}

// ---- VolRatio

void VolRatio::Configure(Nanos sample, double short_halflife, double long_halflife, int warmup) noexcept {
  sample_ = sample;
  a_short_ = AlphaFromHalfLife(short_halflife);
  a_long_ = AlphaFromHalfLife(long_halflife);
  warmup_ = warmup;
  short_ = 0;
  long_ = 0;
  last_px_ = 0;
  next_ = Nanos{};
  returns_ = 0;
}

void VolRatio::OnPrice(Price p, Nanos now) noexcept {
  if (!p.is_positive()) return;  // no log return from a missing or broken price
  const double px = static_cast<double>(p.raw());
  if (last_px_ <= 0) {
    last_px_ = px;
    next_ = now + sample_;
    return;
  }
  if (now < next_) return;  // one return per sample interval, however often the price moves
  const double r = std::log(px / last_px_);
  const double r2 = r * r;
  if (returns_ == 0) {
    // Seed both averages with the first return rather than with 0, which would read as a
    // calm long history and make the first moves look like a spike.
    short_ = r2;
    long_ = r2;
  } else {
    short_ += a_short_ * (r2 - short_);
    long_ += a_long_ * (r2 - long_);
  }
  ++returns_;
  last_px_ = px;
  next_ = now + sample_;
}

double VolRatio::Ratio() const noexcept {
  if (returns_ < warmup_ || !(long_ > 0)) return 0;
  return std::sqrt(short_ / long_);
}

// ---- Drawdown

void Drawdown::OnNav(Amount nav) noexcept {
  last_ = nav;
  if (nav > peak_) peak_ = nav;
}

Rate Drawdown::Fraction() const noexcept {
  if (!peak_.is_positive() || last_ >= peak_) return Rate::Zero();
  // Rounded up: a breaker limit compared with this is never passed by a rounding.
  // In 128 bits: peak minus a deeply negative NAV does not fit in 64.
  const fp_internal::Int128 num =
      (static_cast<fp_internal::Int128>(peak_.raw()) - last_.raw()) * static_cast<fp_internal::Int128>(Rate::kScale);
  return Rate::FromRaw(fp_internal::Saturate(fp_internal::Div(num, peak_.raw(), Rounding::kCeil)));
}

// ---- ClockCheck

int64_t ClockCheck::OnInput(int source, Nanos t) noexcept {
  if (source < 0 || source >= kSources) return 0;
  int64_t& last = last_[static_cast<size_t>(source)];
  if (last == 0) {
    last = t.value;
    return 0;
  }
  const int64_t step = t.value - last;
  // Reported once: later inputs are measured from the stepped-back time.
  last = t.value;
  return step < 0 ? step : 0;
}

int64_t ClockCheck::OnTimer(Nanos t) noexcept {
  if (last_timer_ == 0) {
    last_timer_ = t.value;
    return 0;
  }
  const int64_t step = t.value - last_timer_;
  last_timer_ = t.value;
  if (step < 0) return step;
  // max_jump 0 (not configured) checks only for backward steps.
  if (max_jump_.value > 0 && step > max_jump_.value) return step;
  return 0;
}

}  // namespace hs::risk
