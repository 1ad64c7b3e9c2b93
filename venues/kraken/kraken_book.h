// hs::kraken — one symbol's L2 book kept by Kraken's WebSocket v2 rules (venues/README §3.4):
//   snapshot  replaces the book;
//   update    applies every level of the message first (qty 0 deletes), THEN truncates each
//             side to the subscribed depth (Kraken sends no deletes for levels that merely fall
//             out of the window), THEN verifies the CRC32 checksum over the top 10 levels per
//             side (always 10, whatever the depth);
//   both      must leave the book uncrossed.
// There are no sequence numbers: the checksum is the only loss detector. Any failure
// (checksum mismatch, crossed book) clears the book and waits for a new snapshot; the caller
// resyncs (unsubscribe + subscribe). Every call returns one BookEvent; detail() says why
// anything other than applied/snapshot happened.
//
// Checksum text (§3.5): asks best first then bids best first, each level's price then qty
// written with exactly price_precision / qty_precision decimals, '.' removed, leading zeros
// stripped; CRC32 (IEEE) of the concatenation, unsigned. Precision comes from the pair (tick
// and lot decimals) or, when given as -1, from each snapshot's number text.
//
// Each level keeps its checksum digits (worked out once when the level is set, from the wire
// text when it carries exactly the precision's decimals, else from the value), so verifying a
// message costs a copy of 20 short strings and one CRC, whatever the book's depth. A level that
// cannot be written at the precision (more decimals than the pair has: a wrong tick/lot in the
// config) fails the message as a checksum mismatch saying so, never rounds.
//
// Pure: no I/O, no clock, no allocation after construction (sides are sized depth + the
// parser's per-message level limit, so applying a whole message before truncating never
// evicts a level). The live feed, feed-check, tests and benchmarks all drive it. Owned by one
// venue thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/book/order_book.h"
#include "venues/common/book_event.h"
#include "venues/kraken/kraken_parse.h"
#include "venues/kraken/kraken_wire.h"

namespace hs::kraken {

// Longest checksum text of one side: 10 levels x (price + qty digits, at most 20 each).
inline constexpr size_t kMaxChecksumSideText = kChecksumLevels * 40;

// Writes one side's checksum text for its best `levels` levels into out (no NUL). Returns the
// length, or -1 when a value has non-zero digits beyond the precision (it cannot be written
// at that precision; the venue's checksum can then never match) or cap is too small.
// REQUIRES: 0 <= price_precision, qty_precision <= 18.
int ChecksumSideText(const book::BookSide& side, int levels, int price_precision, int qty_precision, char* out,
                     size_t cap) noexcept;

// CRC32 (IEEE) of the ask text then the bid text over the top 10 levels per side, formatted
// from the values (the reference the Book's kept digits must agree with). False when a value
// cannot be written at the precision (see ChecksumSideText).
bool ComputeChecksum(const book::OrderBook& b, int price_precision, int qty_precision, uint32_t* out) noexcept;

class Book {
 public:
  enum class State : uint8_t { kWaitingSnapshot = 0, kSynced };

  // depth: levels kept per side (the subscription depth, > 0). price_precision/qty_precision:
  // checksum decimals (0..18), or -1 to infer that one from each snapshot's number text.
  explicit Book(int depth = kDefaultDepth, int price_precision = -1, int qty_precision = -1);

  // One symbol's entry of a `book` snapshot. kSnapshot when it validates; kChecksumMismatch
  // or kCrossed otherwise (the book is then cleared and waits for another snapshot).
  venues::BookEvent OnSnapshot(const BookEntry& e) noexcept;
  // One symbol's entry of a `book` update. kApplied when it validates; kResyncNeeded while
  // waiting for a snapshot (nothing applied); kChecksumMismatch or kCrossed otherwise (the book
  // is cleared and waits for a snapshot).
  venues::BookEvent OnUpdate(const BookEntry& e) noexcept;
  // Either of the above by message kind; kIgnored for non-book kinds.
  venues::BookEvent Apply(MessageKind kind, const BookEntry& e) noexcept;
  // Back to waiting for a snapshot (after a resync request or a reconnect).
  void Reset() noexcept;

  State state() const noexcept { return state_; }
  bool usable() const noexcept { return state_ == State::kSynced; }
  const book::OrderBook& book() const noexcept { return book_; }
  int depth() const noexcept { return depth_; }
  // Precision in use for the checksum (the inferred one when constructed with -1; -1 before
  // the first snapshot in that case).
  int price_precision() const noexcept { return price_prec_; }
  int qty_precision() const noexcept { return qty_prec_; }
  // Last verified checksum.
  uint32_t checksum() const noexcept { return checksum_; }
  // Messages validated since construction (Kraken has no sequence numbers: this local count
  // is what BookTop::venue_seq carries, for diagnostics).
  uint64_t validated() const noexcept { return validated_; }
  // Why the last call did not apply ("checksum mismatch: message 1234, computed 5678 ...").
  const std::string& detail() const noexcept { return detail_; }

 private:
  // Sets one side's levels with their checksum digits; false (detail set) when a level cannot
  // be written at the precision.
  bool SetSide(book::BookSide& side, const BookLevel* levels, int n) noexcept;
  bool Unwritable(const char* what, int64_t raw, int scale, int prec) noexcept;
  uint32_t ChecksumOfBook() const noexcept;
  // Applies, truncates, verifies the checksum and the crossing.
  venues::BookEvent ApplyAndVerify(const BookEntry& e, bool snapshot) noexcept;
  venues::BookEvent Fail(venues::BookEvent e) noexcept;

  book::OrderBook book_;
  int depth_;
  bool infer_price_;  // precision given as -1: read from each snapshot's number text
  bool infer_qty_;
  int price_prec_;
  int qty_prec_;
  State state_ = State::kWaitingSnapshot;
  uint32_t checksum_ = 0;
  uint64_t validated_ = 0;
  std::string detail_;
};

}  // namespace hs::kraken
