#include "core/runtime/histogram.h"

namespace hs::runtime {

uint64_t LatencyHistogram::UpperBound(int index) noexcept {
  if (index < kSub) return static_cast<uint64_t>(index);
  const int exp = index / kSub;
  const int sub = index % kSub;
  // Bucket holds [ (kSub+sub) << (exp-1), (kSub+sub+1) << (exp-1) ).
  return ((static_cast<uint64_t>(kSub + sub + 1)) << (exp - 1)) - 1;
}

void LatencyHistogram::SnapshotInto(Snapshot* out) const noexcept {
  uint64_t total = 0;
  for (int i = 0; i < kBuckets; ++i) {
    out->counts[i] = counts_[i].load(std::memory_order_relaxed);
    total += out->counts[i];
  }
  out->count = total;
  out->max = max_.load(std::memory_order_relaxed);
}

uint64_t LatencyHistogram::Snapshot::Percentile(double q) const noexcept {
  if (count == 0) return 0;
  if (q <= 0) q = 0;
  if (q > 1) q = 1;
  uint64_t rank = static_cast<uint64_t>(q * static_cast<double>(count) + 0.5);
  if (rank == 0) rank = 1;
  uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += counts[i];
    if (seen >= rank) {
      const uint64_t ub = UpperBound(i);
      return ub < max ? ub : max;
    }
  }
  return max;
}

void LatencyHistogram::Snapshot::Merge(const Snapshot& o) noexcept {
  for (int i = 0; i < kBuckets; ++i) counts[i] += o.counts[i];
  count += o.count;
  if (o.max > max) max = o.max;
}

}  // namespace hs::runtime
