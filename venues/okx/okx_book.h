// hs::okx — one instrument's L2 book kept by OKX's documented rules (venues/README §4.4, §4.5).
//
// Incremental channels (`books`, `books-l2-tbt`, `books50-l2-tbt`): a snapshot (action
// "snapshot", prevSeqId -1) replaces the book; each update must carry prevSeqId equal to the
// last seqId applied (a keep-alive with prevSeqId == seqId and no levels, and a sequence reset
// with seqId < prevSeqId, are both valid); levels merge by price (size "0" deletes); then the
// CRC32 of the top 25 levels per side, built from the price and size text exactly as received,
// must equal the message's checksum, and the book must not be crossed. Any failure makes the
// book unusable until a new snapshot (the feed resubscribes). Full-snapshot channels (`books5`,
// `bbo-tbt`) replace the book each time; frames not newer than the book (seqId and ts) are
// dropped. The book keeps at most the channel's window (400/50/5/1 levels) and the configured
// depth.
//
// Pure: no I/O, no clock. The live feed and `homeostat feed-check` both drive it. Storage is
// preallocated (OrderBook with wire text kept); detail() text reuses a reserved buffer. Owned by
// one venue thread.
#pragma once

#include <cstdint>
#include <string>

#include "core/book/order_book.h"
#include "venues/common/book_event.h"
#include "venues/okx/okx_parse.h"

namespace hs::okx {

// The OKX checksum of a book that keeps wire text: CRC32 (IEEE) of the top kChecksumLevels bids
// and asks, interleaved bid/ask, price and size text joined with ':', as a signed 32-bit value.
int32_t Checksum(const book::OrderBook& b) noexcept;

class L2Book {
 public:
  enum class State : uint8_t { kWaitingSnapshot = 0, kSynced };

  // depth: levels kept per side; 0 = kBooksDepth. Never fewer than kChecksumLevels (a shallower
  // copy could not reproduce the checksum) nor more than kBooksDepth (no channel sends more).
  explicit L2Book(int depth = kBooksDepth);

  // One parsed book push (REQUIRES: f.kind == FrameKind::kBook). Returns:
  //   kSnapshot        rebuilt from a snapshot (or a books5/bbo-tbt frame) that validated
  //   kApplied         an update applied and validated (a keep-alive included)
  //   kIgnored         a full-snapshot frame not newer than the book
  //   kResyncNeeded    an update while no snapshot is held (or from another channel)
  //   kGap             prevSeqId is not the last seqId: the book is dropped
  //   kChecksumMismatch, kCrossed: validation failed after applying: the book is dropped
  //   kParseError      a level's text is longer than the book can keep: the book is dropped
  venues::BookEvent OnFrame(const MarketFrame& f) noexcept;
  // Back to waiting for a snapshot (resubscribe, reconnect).
  void Reset() noexcept;

  State state() const noexcept { return state_; }
  bool usable() const noexcept { return state_ == State::kSynced; }
  int64_t seq_id() const noexcept { return seq_; }
  int64_t ts_ms() const noexcept { return ts_; }
  Channel channel() const noexcept { return channel_; }
  int depth() const noexcept { return depth_; }
  const book::OrderBook& book() const noexcept { return book_; }
  // Why the last non-applied event happened, or empty.
  const std::string& detail() const noexcept { return detail_; }

 private:
  venues::BookEvent Replace(const MarketFrame& f) noexcept;
  venues::BookEvent Update(const MarketFrame& f) noexcept;
  venues::BookEvent Full(const MarketFrame& f) noexcept;
  // Checksum (when the frame has one), then crossing. kSnapshot/kApplied pass through.
  venues::BookEvent Validate(const MarketFrame& f, venues::BookEvent ok) noexcept;
  bool Load(const BookLevel* levels, int count, book::BookSide* side, int keep) noexcept;
  [[gnu::cold]] venues::BookEvent Fail(venues::BookEvent e, const char* fmt, long long a, long long b,
                                       long long c = 0) noexcept;

  book::OrderBook book_;
  int depth_;
  State state_ = State::kWaitingSnapshot;
  Channel channel_ = Channel::kNone;
  int64_t seq_ = 0;
  int64_t ts_ = 0;
  std::string detail_;
};

}  // namespace hs::okx
