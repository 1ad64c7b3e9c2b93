#include "core/engine/vol_target.h"

#include <cmath>

#include "core/base/check.h"

namespace hs::engine {
namespace {

constexpr double kMsPerYear = 365.0 * 86400.0 * 1000.0;
constexpr int64_t kMaxSampleMs = 365LL * 86400 * 1000;  // one sample a year
constexpr double kMaxScale = 10'000.0;

}  // namespace

const char* ValidateVolTargetParams(const VolTargetParams& p) noexcept {
  if (!p.enabled) return nullptr;
  if (!(std::isfinite(p.annual_vol) && p.annual_vol > 0.0)) return "annual_vol must be finite and > 0";
  if (!(p.lambda >= 0.0 && p.lambda < 1.0)) return "lambda must be in [0, 1)";
  if (p.sample_ms <= 0 || p.sample_ms > kMaxSampleMs) return "sample_ms must be in (0, one year]";
  if (p.warmup_samples < 1) return "warmup_samples must be >= 1";
  if (!(std::isfinite(p.min_scale) && p.min_scale >= 0.0)) return "min_scale must be finite and >= 0";
  if (!(std::isfinite(p.max_scale) && p.max_scale <= kMaxScale)) return "max_scale must be finite and <= 10000";
  if (!(p.min_scale <= p.max_scale)) return "min_scale must be <= max_scale";
  return nullptr;
}

VolEstimator::VolEstimator(const VolTargetParams& p) noexcept : params_(p) {
  const char* why = ValidateVolTargetParams(p);
  HS_CHECK(why == nullptr, why);
  if (!p.enabled) return;
  period_ns_ = Nanos::FromMillis(p.sample_ms).value;
  annualize_ = std::sqrt(kMsPerYear / static_cast<double>(p.sample_ms));
}

void VolEstimator::OnReference(Price p, Nanos now) noexcept {
  if (!params_.enabled || !p.is_positive()) return;
  if (!started_) {
    started_ = true;
    TakeSample(p);
    next_sample_ = Nanos{now.value + period_ns_};
    latest_ = p;
    return;
  }
  if (now >= next_sample_) {
    // The last grid point at or before `now`; points before it (a gap) are not sampled.
    const int64_t skipped = (now.value - next_sample_.value) / period_ns_;
    const Nanos grid{next_sample_.value + skipped * period_ns_};
    TakeSample(now == grid ? p : latest_);
    next_sample_ = Nanos{grid.value + period_ns_};
  }
  latest_ = p;
}

void VolEstimator::TakeSample(Price p) noexcept {
  if (samples_ > 0) {
    AddReturn(std::log(static_cast<double>(p.raw()) / static_cast<double>(last_sampled_.raw())));
  }
  last_sampled_ = p;
  ++samples_;
}

void VolEstimator::AddReturn(double r) noexcept {
  ++returns_;
  last_return_ = r;
  const double r2 = r * r;
  if (returns_ < params_.warmup_samples) {
    warmup_sum_ += r2;
    return;
  }
  if (returns_ == params_.warmup_samples) {
    warmup_sum_ += r2;
    variance_ = warmup_sum_ / static_cast<double>(params_.warmup_samples);
    warmed_up_ = true;
  } else {
    variance_ = params_.lambda * variance_ + (1.0 - params_.lambda) * r2;
  }
  sigma_annual_ = std::sqrt(variance_) * annualize_;
  if (sigma_annual_ > 0.0) {
    const double s = params_.annual_vol / sigma_annual_;
    scale_ = s < params_.min_scale ? params_.min_scale : (s > params_.max_scale ? params_.max_scale : s);
  } else {
    scale_ = params_.max_scale;
  }
}

Rate ScaleAsRate(double scale) noexcept {
  if (!(scale > 0.0)) return Rate::Zero();  // also NaN
  if (!(scale < kMaxScale)) return Rate::FromRaw(static_cast<int64_t>(kMaxScale) * Rate::kScale);
  return Rate::FromRaw(static_cast<int64_t>(std::floor(scale * static_cast<double>(Rate::kScale))));
}

Rate EffectiveWeight(Rate weight, double scale) noexcept {
  const Rate s = ScaleAsRate(scale);
  const fp_internal::Int128 prod = static_cast<fp_internal::Int128>(weight.raw()) * s.raw();
  return Rate::FromRaw(fp_internal::Saturate(fp_internal::Div(prod, Rate::kScale, Rounding::kFloor)));
}

}  // namespace hs::engine
