// hs::runtime — bounded single-producer single-consumer ring of trivially copyable messages.
//
// One producer and one consumer by construction: the ring hands out one move-only Producer and
// one move-only Consumer, each to be held by exactly one agent (rigtorp's rule, made a type).
// Storage is allocated once in the constructor; pushes and pops never allocate, lock or throw.
// The ring itself never blocks: TryPush fails when full and each ring's owner decides what
// "full" means (DESIGN §4): market data conflates, intents are rejected and counted, telemetry
// drops and counts, journal records stall the producer (see each call site).
//
// Indices grow without wrapping (64-bit) and are masked on access. Each side keeps a cached
// copy of the other side's index so the common case touches only its own cache lines.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

#include "core/base/check.h"

namespace hs::runtime {

inline constexpr size_t kCacheLine = 64;

template <typename T>
class SpscRing {
  static_assert(std::is_trivially_copyable_v<T>, "ring messages must be trivially copyable");

 public:
  // REQUIRES: capacity is a power of two >= 2.
  explicit SpscRing(size_t capacity)
      : capacity_(capacity), mask_(capacity - 1), slots_(new T[capacity]) {
    HS_CHECK(capacity >= 2 && (capacity & (capacity - 1)) == 0, "ring capacity must be a power of two");
  }
  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  class Producer {
   public:
    Producer() = default;
    Producer(Producer&& o) noexcept : ring_(std::exchange(o.ring_, nullptr)) {}
    Producer& operator=(Producer&& o) noexcept {
      ring_ = std::exchange(o.ring_, nullptr);
      return *this;
    }
    bool valid() const noexcept { return ring_ != nullptr; }

    // Copies msg into the ring. Returns false, leaving the ring unchanged, when it is full.
    [[nodiscard]] bool TryPush(const T& msg) noexcept { return ring_->TryPushImpl(msg); }
    // Two-step push for large messages built in place: TryClaim() returns the next slot (or
    // nullptr when full), the caller fills it, Commit() publishes it. REQUIRES: one claim at a time.
    [[nodiscard]] T* TryClaim() noexcept { return ring_->TryClaimImpl(); }
    void Commit() noexcept { ring_->CommitImpl(); }
    // Room for at least one message (may be stale-low, never stale-high).
    bool HasRoom() noexcept { return ring_->HasRoomImpl(); }
    // Free slots, at least `want` if that many are free (the consumer's index is re-read only
    // when the cached one shows fewer: no cross-core read while the ring is far from full).
    size_t Room(size_t want = SIZE_MAX) noexcept { return ring_->RoomImpl(want); }
    size_t capacity() const noexcept { return ring_->capacity_; }

   private:
    friend class SpscRing;
    explicit Producer(SpscRing* r) : ring_(r) {}
    SpscRing* ring_ = nullptr;
  };

  class Consumer {
   public:
    Consumer() = default;
    Consumer(Consumer&& o) noexcept : ring_(std::exchange(o.ring_, nullptr)) {}
    Consumer& operator=(Consumer&& o) noexcept {
      ring_ = std::exchange(o.ring_, nullptr);
      return *this;
    }
    bool valid() const noexcept { return ring_ != nullptr; }

    // The oldest message, or nullptr when empty. Valid until Pop().
    [[nodiscard]] const T* Front() noexcept { return ring_->FrontImpl(); }
    // Discards the message Front() returned. REQUIRES: Front() != nullptr.
    void Pop() noexcept { ring_->PopImpl(); }
    // Copies out and pops the oldest message; false when empty.
    [[nodiscard]] bool TryPop(T& out) noexcept {
      const T* f = Front();
      if (f == nullptr) return false;
      out = *f;
      Pop();
      return true;
    }
    bool Empty() noexcept { return ring_->FrontImpl() == nullptr; }

   private:
    friend class SpscRing;
    explicit Consumer(SpscRing* r) : ring_(r) {}
    SpscRing* ring_ = nullptr;
  };

  // Each end can be taken once.
  Producer TakeProducer() {
    HS_CHECK(!producer_taken_, "SpscRing producer taken twice");
    producer_taken_ = true;
    return Producer(this);
  }
  Consumer TakeConsumer() {
    HS_CHECK(!consumer_taken_, "SpscRing consumer taken twice");
    consumer_taken_ = true;
    return Consumer(this);
  }

  size_t capacity() const noexcept { return capacity_; }
  // Approximate occupancy for telemetry (any thread).
  size_t SizeApprox() const noexcept {
    const uint64_t w = write_.load(std::memory_order_acquire);
    const uint64_t r = read_.load(std::memory_order_acquire);
    return w >= r ? static_cast<size_t>(w - r) : 0;
  }

 private:
  bool TryPushImpl(const T& msg) noexcept {
    const uint64_t w = write_.load(std::memory_order_relaxed);
    if (w - read_cache_ >= capacity_) {
      read_cache_ = read_.load(std::memory_order_acquire);
      if (w - read_cache_ >= capacity_) return false;
    }
    slots_[w & mask_] = msg;
    write_.store(w + 1, std::memory_order_release);
    return true;
  }
  T* TryClaimImpl() noexcept {
    const uint64_t w = write_.load(std::memory_order_relaxed);
    if (w - read_cache_ >= capacity_) {
      read_cache_ = read_.load(std::memory_order_acquire);
      if (w - read_cache_ >= capacity_) return nullptr;
    }
    return &slots_[w & mask_];
  }
  void CommitImpl() noexcept { write_.store(write_.load(std::memory_order_relaxed) + 1, std::memory_order_release); }
  bool HasRoomImpl() noexcept {
    const uint64_t w = write_.load(std::memory_order_relaxed);
    if (w - read_cache_ < capacity_) return true;
    read_cache_ = read_.load(std::memory_order_acquire);
    return w - read_cache_ < capacity_;
  }
  size_t RoomImpl(size_t want) noexcept {
    const uint64_t w = write_.load(std::memory_order_relaxed);
    size_t room = capacity_ - static_cast<size_t>(w - read_cache_);
    if (room >= want) return room;
    read_cache_ = read_.load(std::memory_order_acquire);
    return capacity_ - static_cast<size_t>(w - read_cache_);
  }
  const T* FrontImpl() noexcept {
    const uint64_t r = read_.load(std::memory_order_relaxed);
    if (r == write_cache_) {
      write_cache_ = write_.load(std::memory_order_acquire);
      if (r == write_cache_) return nullptr;
    }
    return &slots_[r & mask_];
  }
  void PopImpl() noexcept {
    const uint64_t r = read_.load(std::memory_order_relaxed);
    HS_DCHECK(r != write_cache_, "Pop on empty ring");
    read_.store(r + 1, std::memory_order_release);
  }

  const size_t capacity_;
  const uint64_t mask_;
  std::unique_ptr<T[]> slots_;
  bool producer_taken_ = false;
  bool consumer_taken_ = false;

  // Producer-written line, and the producer's private cache of the consumer index.
  alignas(kCacheLine) std::atomic<uint64_t> write_{0};
  alignas(kCacheLine) uint64_t read_cache_ = 0;
  // Consumer-written line, and the consumer's private cache of the producer index.
  alignas(kCacheLine) std::atomic<uint64_t> read_{0};
  alignas(kCacheLine) uint64_t write_cache_ = 0;
  char pad_[kCacheLine - sizeof(uint64_t)];
};

}  // namespace hs::runtime
