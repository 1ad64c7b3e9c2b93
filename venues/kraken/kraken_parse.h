// hs::kraken — Kraken WebSocket v2 market-data JSON → plain structs with fixed-point numbers.
//
// Understands the `book` channel (snapshot and update, one or more symbols per message), the
// `heartbeat` and `status` channels, subscribe/unsubscribe acknowledgements and pong replies
// (venues/README §3). Kraken sends prices and quantities as JSON *numbers* written at the
// pair's precision; they are read from their raw text straight into Price/Qty, never through
// floating point, and the text is kept (feed-check infers the precision from it). The checksum
// is an unsigned 32-bit value (above 2^31 happens).
//
// Pure functions of the bytes: no I/O, no clock, no allocation after construction (the
// simdjson parser, the entry table and the level pools are sized once). Keys in any order.
// Every malformed input is a ParseStatus, never a crash or an exception. Views in the result
// borrow the input frame or the parser: valid until the next call. Not here: book rules
// (kraken_book.h), order entry (out of scope for Kraken). Owned by one venue thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "core/base/clock.h"
#include "venues/common/parse_status.h"
#include "venues/common/wire_level.h"

namespace hs::kraken {

using venues::ParseStatus;
using BookLevel = venues::WireLevel;  // px, qty (zero = delete) and their number text

enum class MessageKind : uint8_t {
  kBookSnapshot = 0,  // channel "book", type "snapshot"
  kBookUpdate,        // channel "book", type "update"
  kHeartbeat,         // channel "heartbeat"
  kStatus,            // channel "status" (system state, connection id)
  kSubscribeAck,      // method "subscribe" reply (success or error)
  kUnsubscribeAck,    // method "unsubscribe" reply
  kPong,              // method "pong"
};

const char* MessageKindName(MessageKind k) noexcept;

// One symbol's part of a book message (`data` is an array of these).
struct BookEntry {
  std::string_view symbol;          // "BTC/USD"
  const BookLevel* bids = nullptr;  // wire order
  int bid_count = 0;
  const BookLevel* asks = nullptr;
  int ask_count = 0;
  uint32_t checksum = 0;
  Nanos timestamp;  // RFC 3339 `timestamp`; 0 when absent
};

struct Message {
  MessageKind kind = MessageKind::kHeartbeat;
  // Book messages.
  const BookEntry* entries = nullptr;
  int entry_count = 0;
  // Acks and pong.
  bool success = false;
  int64_t req_id = -1;           // -1 when absent
  std::string_view symbol;       // the ack's symbol (result.symbol, or the top-level one on errors)
  std::string_view ack_channel;  // result.channel
  int64_t ack_depth = 0;         // result.depth (0 when absent)
  std::string_view error;        // error text of a failed request
  // Status.
  std::string_view system;  // "online", "maintenance", "cancel_only", "post_only"
};

// Finds the entry for `symbol`, or nullptr.
const BookEntry* FindEntry(const Message& m, std::string_view symbol) noexcept;

class Parser {
 public:
  static constexpr int kMaxLevels = 4096;  // per side, summed over a message's entries
  static constexpr int kMaxEntries = 64;   // symbols in one book message

  explicit Parser(size_t max_message_bytes = 4u << 20);
  ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  // One market-data frame. kUnknown = valid JSON that is not a message this parser knows
  // (another channel, another method).
  // REQUIRES: data is followed by >= 64 readable bytes (venues::kWsPadding).
  ParseStatus Parse(const char* data, size_t len, Message* out) noexcept;

  // Ablation switch (benchmarks, tests): false reads a book message's `data` with On-Demand
  // instead of the in-place scan of Kraken's compact form. Results are identical either way.
  void set_in_place_data(bool on) noexcept { in_place_data_ = on; }

  struct Impl;  // simdjson state and the preallocated pools (kraken_parse.cc)

 private:
  std::unique_ptr<Impl> impl_;
  bool in_place_data_ = true;
};

// RFC 3339 UTC time with an optional fraction ("2023-10-06T17:35:55.440295Z") → ns since the
// epoch. False for anything else (offsets other than Z, out-of-range fields).
bool ParseRfc3339(std::string_view text, Nanos* out) noexcept;

}  // namespace hs::kraken
