// hs::coinbase — Coinbase wire JSON → plain structs with fixed-point numbers.
//
// Two parse paths:
//  * Parse(): Coinbase Advanced Trade market data, what the live feed and feed-check speak.
//    Every frame is an envelope {"channel","client_id","timestamp","sequence_num","events"};
//    on channel "l2_data" each event is {"type":"snapshot"|"update","product_id","updates":[
//    {"side":"bid"|"offer","event_time","price_level","new_quantity"}, ...]} and one envelope
//    may carry events of several products. Heartbeats, subscription acks and other channels
//    are recognised by their envelope (their sequence_num counts: coinbase_book.h). A bare
//    {"type":"error","message":...} is FrameKind::kError.
//  * ParseExchange(): the older Coinbase Exchange feed (`snapshot`, `l2update`, `ticker`), kept
//    as a small separate path so its recorded samples stay tested; nothing live speaks it.
//
// How: simdjson On-Demand reads the envelope; the `events` array (nearly all of the bytes) goes
// through a strict scanner of our own straight into fixed point, with a fixed-compare fast path
// for the level shape Coinbase always writes and a general path for any other key order,
// whitespace or extra keys. Not here: sequence and book rules (coinbase_book.h).
//
// Pure functions of the bytes: no I/O, no clock, no allocation after construction (the simdjson
// parser, the level and event buffers are sized once). Keys may come in any order. Every
// malformed input is a ParseStatus, never a crash or an exception:
//   kBadJson       not JSON, truncated, trailing bytes, binary garbage
//   kMissingField  a required key is absent (sequence_num, events on l2_data, side, ...)
//   kBadField      a key has the wrong JSON type, or a value we do not accept (side "ask"
//                  where Coinbase Advanced says "offer", event type other than snapshot/update,
//                  a timestamp that is not RFC 3339)
//   kBadNumber     a price or quantity that is not a plain non-negative decimal at our scales,
//                  or a price of zero
//   kTooManyLevels more levels or events than the preallocated buffers hold
//   kUnknown       valid JSON of a shape this parser does not know
// String views in the results borrow the input frame: valid until the next call.
//
// Owned by one venue thread (or feed-check / a test); not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "core/base/clock.h"
#include "core/base/fixed_point.h"
#include "venues/common/parse_status.h"
#include "venues/common/wire_level.h"

namespace hs::coinbase {

using venues::ParseStatus;

// ---- Advanced Trade ----

enum class FrameKind : uint8_t {
  kL2Data = 0,     // channel "l2_data": snapshot/update events
  kHeartbeats,     // channel "heartbeats"
  kSubscriptions,  // channel "subscriptions": the ack of (un)subscribe
  kOtherChannel,   // an envelope of a channel we do not use (still carries a sequence_num)
  kError,          // {"type":"error","message":...}
};

enum class EventType : uint8_t { kSnapshot = 0, kUpdate };

// One price level of an l2_data event. qty zero = delete the level.
struct L2Level {
  Price px;
  Qty qty;
  bool bid = true;  // "bid" → true, "offer" → false
};

// One event of an l2_data envelope: its levels are levels[first, first + count).
struct L2Event {
  EventType type = EventType::kUpdate;
  std::string_view product_id;
  uint32_t first = 0;
  uint32_t count = 0;
};

struct Frame {
  FrameKind kind = FrameKind::kOtherChannel;
  bool has_sequence = false;
  uint64_t sequence_num = 0;   // connection-wide envelope counter
  Nanos timestamp;             // envelope send time (0 when absent)
  std::string_view channel;
  const L2Event* events = nullptr;  // l2_data only
  int event_count = 0;
  const L2Level* levels = nullptr;
  int level_count = 0;
  std::string_view error_message;   // kError
};

// ---- Exchange (legacy) ----

enum class ExchangeKind : uint8_t {
  kSnapshot = 0,  // {"type":"snapshot","product_id","bids":[[p,q]],"asks":[[p,q]]}
  kL2Update,      // {"type":"l2update","product_id","time","changes":[["buy"|"sell",p,q]]}
  kTicker,        // {"type":"ticker","sequence","product_id","price","best_bid",...}
};

struct ExchangeFrame {
  ExchangeKind kind = ExchangeKind::kSnapshot;
  std::string_view product_id;
  Nanos time;                               // l2update/ticker "time" (0 when absent)
  const venues::WireLevel* bids = nullptr;  // snapshot
  int bid_count = 0;
  const venues::WireLevel* asks = nullptr;
  int ask_count = 0;
  const L2Level* changes = nullptr;         // l2update, in wire order
  int change_count = 0;
  // ticker
  uint64_t sequence = 0;
  uint64_t trade_id = 0;
  Price price;
  Qty last_size;
  Price best_bid;
  Price best_ask;
  bool has_best_bid_size = false;  // the recorded 2021 ticker has no sizes
  Qty best_bid_size;
  bool has_best_ask_size = false;
  Qty best_ask_size;
  bool buy_side = false;           // "side":"buy" (the taker bought)
};

class Parser {
 public:
  // max_message_bytes: the largest frame accepted (simdjson capacity). max_levels: levels per
  // frame across all events (0 = enough for any frame of max_message_bytes).
  explicit Parser(size_t max_message_bytes = 1u << 20, int max_levels = 0);
  ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  static constexpr int kMaxEvents = 1024;

  // An Advanced Trade frame. REQUIRES: data is followed by >= 64 readable bytes
  // (venues::kWsPadding).
  ParseStatus Parse(const char* data, size_t len, Frame* out) noexcept;
  // An Exchange feed message. Same padding requirement.
  ParseStatus ParseExchange(const char* data, size_t len, ExchangeFrame* out) noexcept;

  int max_levels() const noexcept;

  // Ablation switch (benchmarks, tests): false sends l2_data envelopes through the full
  // On-Demand parse instead of the envelope-only fast path. Results are identical either way.
  void set_l2_fast_path(bool on) noexcept { l2_fast_path_ = on; }

 private:
  struct Impl;
  bool ParseL2Envelope(const char* data, size_t len, Frame* out) noexcept;
  std::unique_ptr<Impl> impl_;
  bool l2_fast_path_ = true;
};

// RFC 3339 UTC time ("2023-02-09T20:32:50.714964855Z", up to 9 fraction digits, "Z" or a
// ±HH:MM offset) → nanoseconds since the epoch. False on anything else. Exposed for tests.
bool ParseRfc3339(std::string_view text, Nanos* out) noexcept;

}  // namespace hs::coinbase
