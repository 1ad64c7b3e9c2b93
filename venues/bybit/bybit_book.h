// hs::bybit — one symbol's L2 book kept by Bybit v5's rules (venues/README §5.4):
//   - a `snapshot` replaces the book (the first message after subscribing, and any later one
//     the venue re-sends after trouble on its side);
//   - any message with u == 1 is a snapshot after a service restart: it replaces the book too;
//   - each `delta` must carry u == previous u + 1; anything else is a gap (the book is dropped
//     and the caller resubscribes for a fresh snapshot);
//   - in a delta, size "0" deletes the price, an unknown price is inserted, a known one
//     overwritten; after every message the book is truncated to the subscribed depth and must
//     not be crossed (best bid >= best ask is a failure, the book is dropped).
// There is no checksum on Bybit.
//
// Pure: no I/O, no clock. The live feed and `homeostat feed-check` both drive it. Storage is
// preallocated at construction (capacity = depth plus room for a message's inserts before its
// deletes), detail text included. Owned by one venue thread.
#pragma once

#include <cstdint>
#include <string>

#include "core/book/order_book.h"
#include "venues/bybit/bybit_parse.h"
#include "venues/common/book_event.h"

namespace hs::bybit {

class DepthBook {
 public:
  enum class State : uint8_t { kWaitingSnapshot = 0, kSynced };

  // depth: levels kept per side (the subscribed topic depth). 0 = take each message's topic
  // depth (feed-check on a capture of unknown depth); the capacity is then the venue maximum.
  explicit DepthBook(int depth = kDefaultDepth);

  // One parsed orderbook message (snapshot or delta) of this book's symbol. Outcomes:
  //   kSnapshot      the book was replaced and validated (usable)
  //   kApplied       a delta applied to a usable book
  //   kResyncNeeded  a delta while waiting for a snapshot: dropped
  //   kGap           u is not the previous u + 1: the book is dropped (resubscribe)
  //   kCrossed       the book crossed after this message: dropped (resubscribe)
  //   kParseError    a level the book cannot hold (should not happen with parsed input)
  // detail() says why for every outcome other than kSnapshot and kApplied.
  venues::BookEvent OnMessage(const MarketFrame& f) noexcept;
  // Back to waiting for a snapshot (after a failure, an unsubscribe or a reconnect).
  void Reset() noexcept;

  State state() const noexcept { return state_; }
  bool usable() const noexcept { return state_ == State::kSynced; }
  int depth() const noexcept { return depth_; }
  uint64_t update_id() const noexcept { return update_id_; }  // u of the last applied message
  uint64_t cross_seq() const noexcept { return cross_seq_; }  // seq of the last applied message
  const book::OrderBook& book() const noexcept { return book_; }
  const std::string& detail() const noexcept { return detail_; }

 private:
  venues::BookEvent Fail(venues::BookEvent e, const char* fmt, unsigned long long a, unsigned long long b) noexcept;
  bool ApplyLevels(const MarketFrame& f) noexcept;
  void SetDetail(const char* fmt, unsigned long long a, unsigned long long b) noexcept;

  int depth_;
  book::OrderBook book_;
  State state_ = State::kWaitingSnapshot;
  uint64_t update_id_ = 0;
  uint64_t cross_seq_ = 0;
  std::string detail_;
};

}  // namespace hs::bybit
