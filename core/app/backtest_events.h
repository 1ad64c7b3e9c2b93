// hs::backtest — the event file `homeostat backtest` replays: one JSON object per line.
//
//   {"t":1700000000000000000,"type":"book","venue":"binance","instrument":"BTC/USDT",
//    "bids":[["30000.10","0.5"],...],"asks":[["30000.20","0.7"],...]}     full top-N, best first
//   {"t":...,"type":"balance","venue":"binance","asset":"USDT","free":"100000"}
//   {"t":...,"type":"raw","venue":"okx","msg":"<one venue message, as a JSON string>"}
//
// `t` is the receive time in nanoseconds since the epoch, never decreasing from line to line.
// Names are the config's (venue, instrument and asset names, resolved to dense ids once).
// Decimals are JSON strings parsed straight to fixed point (core/base/decimal.h): no double.
//
// The reader is strict: anything it cannot take exactly — an empty line, a non-object, an
// unknown or repeated key, a missing or mistyped field, a bad decimal, an unknown name, time
// going back, a book whose levels are out of order or crossed — stops the run with an error
// naming the line and what is wrong. It never skips a line and never guesses.
//
// Not here: feeding `raw` messages through the venue's parser and book (the runner does that
// with the venue's feed checker), the fill model (backtest_market.h), the core.
//
// Owned by the one thread that runs the backtest. Parsing reuses one simdjson parser and one
// read buffer: after warm-up Next() allocates only when a line is longer than any before it.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/base/fixed_point.h"
#include "core/base/ids.h"
#include "core/config/config.h"
#include "core/messages/messages.h"

namespace hs::backtest {

// Levels per side a book event may carry. A line with more is an error naming this limit.
inline constexpr int kMaxEventLevels = 50;
// Readable bytes after Event::raw: what venue parsers require after a frame (venues::kWsPadding).
inline constexpr int kEventRawPadding = 64;
// Longest line the reader accepts (a Binance REST snapshot of 5000 levels is ~250 KB).
inline constexpr int64_t kMaxEventLineBytes = int64_t{64} << 20;

struct Event {
  enum class Kind : uint8_t { kBook = 0, kBalance, kRaw };

  int64_t t = 0;  // receive time, ns since the epoch
  Kind kind = Kind::kBook;
  VenueId venue;
  InstrumentId instrument;  // kBook; Invalid() otherwise
  AssetId asset;            // kBalance; Invalid() otherwise
  Amount free;              // kBalance: the free balance (non-negative)
  // kBook: best first; bids strictly descending, asks strictly ascending, prices > 0,
  // quantities >= 0, best bid < best ask when both sides have levels. A side may be empty.
  int bid_count = 0;
  int ask_count = 0;
  std::array<Level, kMaxEventLevels> bids;
  std::array<Level, kMaxEventLevels> asks;
  // kRaw: the venue message, unescaped, exactly as received. Valid until the next Next();
  // followed by at least kEventRawPadding readable bytes. Empty otherwise.
  std::string_view raw;
  int64_t line = 0;  // 1-based line number in the input
};

const char* EventKindName(Event::Kind k) noexcept;

class EventReader {
 public:
  // Reads events from the file at `path`. Fails when it cannot be opened. Names are resolved
  // against `config` now (the reader keeps its own copy of the name tables).
  static absl::StatusOr<EventReader> Open(const std::string& path, const config::Config& config);
  // Reads events from `text` (copied).
  static EventReader FromText(std::string_view text, const config::Config& config);

  EventReader(EventReader&&) noexcept;
  EventReader& operator=(EventReader&&) noexcept;
  ~EventReader();

  // Reads the next event into *e. Returns true for an event, false at the clean end of the
  // input, or an InvalidArgument error "line N: <what is wrong>" for a malformed line (the
  // reader stays at that error: calling again repeats it). A read failure of the file is an
  // error too. Only the fields of e's kind are meaningful; the others are reset.
  absl::StatusOr<bool> Next(Event* e);

  // Lines consumed so far (the line of the last event or error).
  int64_t line() const noexcept;

  // Ablation switch (on by default): when "bids" and "asks" are a book line's last keys, read
  // them and the closing brace in place instead of stepping On-Demand's iterator over every
  // level token. Off, On-Demand delimits each array first. Events and errors are the same either
  // way; the benchmark measures the difference, the tests and the fuzzer check the sameness.
  void set_in_place_levels(bool on) noexcept;
  // Ablation switch (on by default), inside the in-place read: levels in the compact form every
  // writer uses ([["px","qty"],...], no whitespace) are located by one 64-byte quote compare per
  // level and their decimals parsed off that chain; anything else takes the byte-by-byte scan.
  // Same events and errors either way (tests and the fuzzer check).
  void set_compact_levels(bool on) noexcept;

 private:
  struct Impl;
  explicit EventReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// `homeostat backtest --stamp VENUE FILE`: turns a raw capture (one venue message per line, as
// `homeostat feed-check` reads it) into `raw` event lines written to `out`: the k-th non-empty
// line (k = 0, 1, ...) gets t = start_t + k × every_ms × 10^6 ns. A trailing '\r' is dropped and
// empty lines are skipped, as feed-check does; every other byte is kept, escaped as JSON
// requires, so EventReader gives back the line byte for byte. Errors (nothing written after
// the bad line): the file cannot be read, an input line is not valid UTF-8 (naming the line),
// start_t or every_ms negative, a time beyond int64, an empty venue name, or a failed write.
// `venue` is not checked against a config: the reader does that when the events are replayed.
absl::Status StampCapture(const std::string& venue, const std::string& in_path, int64_t start_t, int64_t every_ms,
                          std::ostream& out);

// Appends `s` to *out as a JSON string literal (quotes included): '"' and '\\' escaped, control
// bytes as \b \f \n \r \t or \u00XX, every other byte as is. REQUIRES: s is valid UTF-8.
void AppendJsonString(std::string_view s, std::string* out);

}  // namespace hs::backtest
