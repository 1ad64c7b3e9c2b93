// hs::runtime — latency histogram with log-linear buckets (HdrHistogram-like, ~3% resolution).
//
// Exactly one writer records (the thread that owns it); any thread may read a snapshot. Recording is a
// relaxed atomic increment on the owner's cache lines: no lock, no allocation. Covers 0 ns to
// ~68 s; larger values land in the last bucket and in max().
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace hs::runtime {

class LatencyHistogram {
 public:
  static constexpr int kSubBits = 5;  // 32 sub-buckets per power of two
  static constexpr int kSub = 1 << kSubBits;
  static constexpr int kMaxExp = 36;
  static constexpr int kBuckets = (kMaxExp + 1) * kSub;

  // Single writer: plain load+store pairs, no locked read-modify-write on the hot path.
  void Record(int64_t ns) noexcept {
    const uint64_t v = ns < 0 ? 0 : static_cast<uint64_t>(ns);
    auto& bucket = counts_[Index(v)];
    bucket.store(bucket.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    count_.store(count_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    if (v > max_.load(std::memory_order_relaxed)) max_.store(v, std::memory_order_relaxed);
  }

  struct Snapshot {
    std::array<uint64_t, kBuckets> counts{};
    uint64_t count = 0;
    uint64_t max = 0;
    // Value at quantile q in [0,1]: the upper bound of the bucket holding it (0 when empty).
    uint64_t Percentile(double q) const noexcept;
    void Merge(const Snapshot& o) noexcept;
  };
  void SnapshotInto(Snapshot* out) const noexcept;
  uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }

  static int Index(uint64_t v) noexcept {
    if (v < kSub) return static_cast<int>(v);
    const int msb = 63 - __builtin_clzll(v);  // >= kSubBits
    const int exp = msb - kSubBits + 1;
    if (exp > kMaxExp) return kBuckets - 1;
    const int sub = static_cast<int>((v >> (msb - kSubBits)) & (kSub - 1));
    return exp * kSub + sub;
  }
  static uint64_t UpperBound(int index) noexcept;

 private:
  std::array<std::atomic<uint64_t>, kBuckets> counts_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> max_{0};
};

}  // namespace hs::runtime
