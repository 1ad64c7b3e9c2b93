// hs::journal — the journal writer agent: core records → durable appends through io_uring.
//
// The decision core appends records through a JournalSink (its end of an SPSC ring). The writer
// agent, on its own thread, copies them into large aligned buffers and submits each buffer as
// one write (group commit), linked to an fdatasync when fsync is on, every flush interval or
// when a buffer fills. It owns the io_uring instance and the file; nothing else touches them.
//
// Failure is never silent (DESIGN §8): a failed or short write or a failed fdatasync sets
// failed(), which the core checks every duty cycle to halt trading; nothing is retried.
// Full ring: the sink spills (see JournalSink) — the core never spins and the journal never
// drops a record. Segments: see journal_format.h (rotation, commit marks, the hash chain).
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/journal/journal_dir.h"
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

// The core's end. Assigns sequence numbers (from `first_seq`: the journal's next one); never
// drops a record and never spins. When the ring is full a record goes to a preallocated spill
// area (order kept: while anything is spilled, new records queue behind it), and Flush() moves
// spilled records into the ring as the writer makes room. Bounded: while the spill holds
// anything the core opens no new orders (backlogged()), and it reads no new input unless
// spill_room() covers the most records one input can produce (DecisionCore::kMaxRecordsPerInput)
// — so the spill cannot overflow. If it ever did (a bug), Append falls back to waiting for the
// writer (counted in overflow_waits()) rather than lose the record.
class JournalSink {
 public:
  JournalSink() = default;
  explicit JournalSink(EntryRing::Producer p, uint64_t first_seq = 1, size_t spill_capacity = 0);

  template <typename T>
  void Append(RecordType type, const T& msg) noexcept {
    static_assert(std::is_trivially_copyable_v<T> && sizeof(T) <= kMaxPayload);
    if (!ring_.valid()) return;
    Entry* e = spill_count_ == 0 ? ring_.TryClaim() : nullptr;
    if (e == nullptr) e = SpillSlot();
    e->type = static_cast<uint16_t>(type);
    e->length = static_cast<uint16_t>(sizeof(T));
    e->seq = ++seq_;
    std::memcpy(e->payload, &msg, sizeof(T));  // written in place: one copy
    if (e != spill_tail_entry_) ring_.Commit();
  }
  // Moves spilled records into the ring while it has room. Cheap when nothing is spilled.
  void Flush() noexcept {
    if (spill_count_ != 0) FlushSpill();
  }
  bool backlogged() const noexcept { return spill_count_ != 0; }
  // Free spill slots; SIZE_MAX for a sink with no spill (unwired, or built with capacity 0:
  // then a full ring makes Append wait for the writer, counted in overflow_waits()).
  size_t spill_room() const noexcept { return spill_.empty() ? SIZE_MAX : spill_.size() - spill_count_; }
  uint64_t last_seq() const noexcept { return seq_; }
  // Records that went through the spill; the most it ever held; waits because it was full.
  uint64_t stalls() const noexcept { return spilled_; }
  uint64_t spill_high_water() const noexcept { return spill_high_; }
  uint64_t overflow_waits() const noexcept { return overflow_waits_; }

 private:
  Entry* SpillSlot() noexcept;  // the spill's next slot (sets spill_tail_entry_), or a ring slot after waiting
  void FlushSpill() noexcept;
  EntryRing::Producer ring_;
  uint64_t seq_ = 0;
  std::vector<Entry> spill_;  // preallocated at construction; a FIFO ring
  size_t spill_head_ = 0;
  size_t spill_count_ = 0;
  Entry* spill_tail_entry_ = nullptr;  // the slot SpillSlot returned last when it was a spill slot
  uint64_t spilled_ = 0;
  uint64_t spill_high_ = 0;
  uint64_t overflow_waits_ = 0;
};

struct WriterOptions {
  std::string path;  // the journal directory
  std::string engine_name;
  uint64_t segment_bytes = 64ull << 20;  // rotate at this size ([journal] segment_mb)
  std::string config_text;  // normalized (NormalizeConfigText): its SHA-256 goes in each segment header
  int64_t flush_interval_ns = 1'000'000;
  bool fsync = true;
  size_t buffer_bytes = 1 << 20;  // per group buffer
  int buffers = 4;
  // Called on the writer thread as each group becomes durable (in order): its last sequence
  // number, its record count and the time from its submission to the completion that made it
  // durable. For benchmarks and telemetry; must not block. Null: not called.
  void (*on_durable)(void* ctx, uint64_t last_seq, uint32_t records, int64_t latency_ns) = nullptr;
  void* on_durable_ctx = nullptr;
};

class JournalWriter {
 public:
  JournalWriter(WriterOptions opts, EntryRing::Consumer ring);
  ~JournalWriter();
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;

  // Opens a new session's first segment at `at` (from PrepareAppend: the caller recovered the
  // journal first), writes its header, sets up io_uring. Never truncates or overwrites anything.
  // Call before starting.
  absl::Status Open(const AppendPoint& at);

  // Agent interface (runtime::Agent).
  int DoWork() noexcept;
  void Park(int64_t max_ns) noexcept;
  // Drains the ring, writes and syncs everything, waits for completions. Called on stop.
  void OnClose() noexcept;

  bool failed() const noexcept { return failed_.load(std::memory_order_acquire); }
  const std::atomic<bool>& failed_flag() const noexcept { return failed_; }
  uint64_t records_written() const noexcept { return records_.load(std::memory_order_relaxed); }
  // Highest sequence number whose group's write and fdatasync completed (with every group before
  // it): the engine reports it in status, and a crash never loses a record at or below it.
  uint64_t durable_seq() const noexcept { return durable_seq_.load(std::memory_order_relaxed); }
  uint64_t segments_opened() const noexcept { return segments_.load(std::memory_order_relaxed); }
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
  std::atomic<uint64_t> segments_{0};
};

}  // namespace hs::journal
