// hs::venues — the pure side of a venue's market data, as `homeostat feed-check` drives it: one
// recorded message at a time through the venue's real parser and book code, no I/O, no clock.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "core/book/order_book.h"
#include "venues/common/book_event.h"

namespace hs::venues {

struct FeedCheckOptions {
  std::string symbol;      // venue symbol text, as in the messages
  int depth = 0;           // book depth to keep; 0 = the venue's default
  int price_precision = -1;  // Kraken checksum formatting (decimals); -1 = derive from the data
  int qty_precision = -1;
};

class FeedChecker {
 public:
  virtual ~FeedChecker() = default;
  // One raw message. REQUIRES: data followed by >= 64 readable bytes.
  virtual BookEvent OnMessage(const char* data, size_t len) = 0;
  // The book after the last message (empty before the first snapshot).
  virtual const book::OrderBook& book() const = 0;
  // The venue's sequence / update id after the last message (0 when none).
  virtual uint64_t sequence() const = 0;
  // Why the last non-applied event happened ("U=157 > book id 150 + 1"), or empty.
  virtual const std::string& detail() const = 0;
};

}  // namespace hs::venues
