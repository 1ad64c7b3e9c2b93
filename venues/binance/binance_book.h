// hs::binance — one symbol's L2 book kept by Binance's documented rules (venues/README §1.4):
// diffs are buffered until the REST snapshot arrives, stale diffs dropped, the first diff must
// straddle the snapshot's lastUpdateId, then each diff's U must be the book id + 1 (a larger U
// is a gap). A bookTicker newer than the book (its `u` shares the depth id counter) overlays the
// top between diffs. After every change the book must not be crossed.
//
// Pure: no I/O, no clock. The live feed and `homeostat feed-check` both drive it. The diff
// buffer is preallocated (raw frames, re-parsed when the snapshot lands); a buffer that fills
// up means the snapshot is far too late and asks for a new one. Owned by one venue thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/book/order_book.h"
#include "venues/binance/binance_parse.h"
#include "venues/common/book_event.h"

namespace hs::binance {

class DepthBook {
 public:
  enum class State : uint8_t { kWaitingSnapshot = 0, kSynced };

  // depth: levels kept per side (the snapshot's limit). buffer_bytes: room for raw diffs that
  // arrive before the snapshot.
  explicit DepthBook(int depth = 1000, size_t buffer_bytes = 4u << 20, int max_buffered = 4096);

  // A parsed depthUpdate. `raw`/`len` are the frame (kept if it must be buffered).
  venues::BookEvent OnDiff(const MarketFrame& f, const char* raw, size_t len) noexcept;
  // A parsed REST snapshot (FrameKind::kDepthSnapshot). Re-parses buffered diffs with `parser`
  // (the snapshot's levels are consumed first, so reusing the parser that produced f is fine).
  venues::BookEvent OnSnapshot(const MarketFrame& f, Parser* parser) noexcept;
  // A parsed bookTicker: overlays the top when newer than the book.
  venues::BookEvent OnTicker(const MarketFrame& f) noexcept;
  // Back to waiting for a snapshot (after a failure or a reconnect); keeps buffering diffs.
  void Reset() noexcept;

  State state() const noexcept { return state_; }
  bool usable() const noexcept { return state_ == State::kSynced; }
  uint64_t book_id() const noexcept { return book_id_; }
  const book::OrderBook& book() const noexcept { return book_; }
  const std::string& detail() const noexcept { return detail_; }
  // The first buffered diff's U (0 when none): a snapshot older than this is useless.
  uint64_t first_buffered_u() const noexcept { return first_buffered_u_; }
  size_t buffered() const noexcept { return offsets_.size(); }

 private:
  venues::BookEvent Apply(const MarketFrame& f) noexcept;  // levels of a diff or snapshot
  // Records why, resets to waiting for a snapshot, returns e.
  venues::BookEvent Fail(venues::BookEvent e, const char* why) noexcept;
  bool Buffer(const char* raw, size_t len, uint64_t first_u) noexcept;

  book::OrderBook book_;
  int depth_;
  State state_ = State::kWaitingSnapshot;
  uint64_t book_id_ = 0;
  uint64_t ticker_id_ = 0;  // last bookTicker overlaid (shares the id counter with diffs)
  std::unique_ptr<char[]> arena_;  // buffered raw diffs, each followed by 64 bytes of padding
  size_t arena_cap_;
  size_t arena_used_ = 0;
  std::vector<std::pair<size_t, size_t>> offsets_;  // (offset, length); reserved up front
  size_t max_buffered_;
  uint64_t first_buffered_u_ = 0;
  bool overflowed_ = false;
  std::string detail_;
};

}  // namespace hs::binance
