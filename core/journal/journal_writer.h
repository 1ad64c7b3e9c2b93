// hs::journal — the journal writer agent: core records → durable appends through io_uring.
//
// The decision core appends records through a JournalSink (its end of an SPSC ring). The writer
// agent, on its own thread, copies them into large aligned buffers and submits each buffer as
// one write (group commit), linked to an fdatasync when fsync is on, every flush interval or
// when a buffer fills. It owns the io_uring instance and the file; nothing else touches them.
//
// Failure is never silent (DESIGN §8): a failed or short write or a failed fdatasync sets
// failed(), which the core checks every duty cycle to halt trading; nothing is retried.
// Full ring: the sink spins (yielding) until the writer makes room and counts the stall —
// the journal never drops a record.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "core/journal/journal_format.h"
#include "core/runtime/spsc_ring.h"

namespace hs::journal {

// One ring slot: a record before it gets its CRC and padding.
struct Entry {
  uint16_t type = 0;
  uint16_t length = 0;
  uint32_t reserved = 0;
  uint64_t seq = 0;
  alignas(8) unsigned char payload[kMaxPayload];
};
static_assert(std::is_trivially_copyable_v<Entry>);

using EntryRing = runtime::SpscRing<Entry>;

// The core's end. Assigns sequence numbers; never drops.
class JournalSink {
 public:
  JournalSink() = default;
  explicit JournalSink(EntryRing::Producer p) : ring_(std::move(p)) {}

  template <typename T>
  void Append(RecordType type, const T& msg) noexcept {
    static_assert(std::is_trivially_copyable_v<T> && sizeof(T) <= kMaxPayload);
    if (!ring_.valid()) return;
    Entry* e = ring_.TryClaim();
    if (e == nullptr) e = ClaimBlocking();
    e->type = static_cast<uint16_t>(type);
    e->length = static_cast<uint16_t>(sizeof(T));
    e->seq = ++seq_;
    std::memcpy(e->payload, &msg, sizeof(T));  // written in place: one copy
    ring_.Commit();
  }
  uint64_t last_seq() const noexcept { return seq_; }
  uint64_t stalls() const noexcept { return stalls_; }

 private:
  Entry* ClaimBlocking() noexcept;
  EntryRing::Producer ring_;
  uint64_t seq_ = 0;
  uint64_t stalls_ = 0;
};

struct WriterOptions {
  std::string path;
  std::string engine_name;
  int64_t flush_interval_ns = 1'000'000;
  bool fsync = true;
  size_t buffer_bytes = 1 << 20;  // per group buffer
  int buffers = 4;
};

class JournalWriter {
 public:
  JournalWriter(WriterOptions opts, EntryRing::Consumer ring);
  ~JournalWriter();
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;

  // Creates (truncates) the file, writes its header, sets up io_uring. Call before starting.
  absl::Status Open();

  // Agent interface (runtime::Agent).
  int DoWork() noexcept;
  void Park(int64_t max_ns) noexcept;
  // Drains the ring, writes and syncs everything, waits for completions. Called on stop.
  void OnClose() noexcept;

  bool failed() const noexcept { return failed_.load(std::memory_order_acquire); }
  const std::atomic<bool>& failed_flag() const noexcept { return failed_; }
  uint64_t records_written() const noexcept { return records_.load(std::memory_order_relaxed); }
  uint64_t durable_seq() const noexcept { return durable_seq_.load(std::memory_order_relaxed); }
  uint64_t bytes_written() const noexcept { return bytes_.load(std::memory_order_relaxed); }
  // First failure's text (valid once failed() is true).
  std::string failure() const;

  struct Impl;  // io_uring, file and buffers; defined in journal_writer.cc

 private:
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> failed_{false};
  std::atomic<uint64_t> records_{0};
  std::atomic<uint64_t> durable_seq_{0};
  std::atomic<uint64_t> bytes_{0};
};

}  // namespace hs::journal
