// hs::coinbase — the L2 books of one Coinbase Advanced Trade connection, kept by the venue's
// rules (venues/README §2.9):
//
//  * Sequence: `sequence_num` counts envelopes on the connection across every channel
//    (l2_data, heartbeats, subscriptions, ...). Each must be the previous + 1. Any other value —
//    a jump forward (frames lost) or a step back (the stream is not the one we were following)
//    — makes every book on the connection unusable at once (BookEvent::kGap for each), because
//    nothing tells which products the lost frames touched. After Reset() the chain starts at 0
//    (a fresh connection: Start::kZero — [inferred] from the recorded snapshot, its
//    connection's first frame, carrying 0; were it wrong, each connection would start with one
//    needless resubscribe, never with a wrong book) or at the first envelope seen (a capture
//    that begins mid-stream: kAny). A frame that fails to parse never reaches this class and so does not
//    advance the sequence: if it was a real envelope the next one shows the gap, which is the
//    right outcome (an unreadable envelope is a lost one).
//  * Snapshot events replace the product's book; update events apply level by level
//    (new_quantity 0 deletes); updates for a book that has no valid snapshot are refused
//    (kResyncNeeded). After every event the book must not be crossed (kCrossed).
//  * A gap in a frame that also carries a snapshot still rebuilds that product from it: a
//    snapshot is self-contained. The frame then reports kGap for the product and usable()
//    tells that the book is already valid again.
//
// Depth and truncation: Coinbase snapshots carry the whole book (thousands of levels). We keep
// the best `depth` levels per side (default kDefaultDepth = 1000) in fixed arrays. A side that
// lost levels this way (at the snapshot, or later when an insert pushed its worst level out) is
// only known down to a *floor*: its worst level held at that moment. Updates beyond the floor
// are ignored, because the levels between the floor and them were never tracked, so the deep
// end of a truncated side is the known part only and shrinks as levels near the touch are
// deleted; it never holds a level we cannot vouch for. The core sees the top kBookTopDepth
// levels: when a truncated side falls below that many known levels (or below depth, if smaller), the book asks for a fresh
// snapshot (kResyncNeeded) instead of publishing a top it can no longer fill.
//
// One BookEvent per product per frame, merged by severity when a frame holds several events of
// the same product: integrity failure > snapshot > resync needed > applied > ignored. detail(i)
// says why for every non-applied outcome.
//
// Pure: no I/O, no clock, no allocation after construction (books, floors and detail strings are
// sized up front). The live feed and `homeostat feed-check` both drive it. Owned by one venue
// thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/book/order_book.h"
#include "venues/coinbase/coinbase_parse.h"
#include "venues/common/book_event.h"

namespace hs::coinbase {

class ConnectionBooks {
 public:
  // How the last frame's sequence_num related to the one before.
  enum class SeqCheck : uint8_t {
    kNone = 0,   // the frame carried no sequence_num (an error message)
    kFirst,      // first envelope since Reset(): the baseline
    kInOrder,    // previous + 1
    kGap,        // jumped forward: frames lost
    kBackwards,  // at or below the previous one: out of order
  };

  // products: venue symbols ("BTC-USDT") in the order the caller indexes them. depth: levels
  // kept per side (> 0).
  ConnectionBooks(const std::vector<std::string>& products, int depth);

  // One parsed frame (any kind): sequence check, then its l2_data events. Returns the event of
  // product `focus`; event(i) has every product's.
  venues::BookEvent OnFrame(const Frame& f, int focus = 0) noexcept;
  // Where a chain starts after Reset(): kAny takes the first envelope seen as the baseline (a
  // capture that begins mid-stream); kZero expects sequence_num 0 first (a fresh connection).
  enum class Start : uint8_t { kAny = 0, kZero };

  // A new connection (or capture): forget the sequence; every book waits for a snapshot.
  void Reset(Start start = Start::kAny) noexcept;
  // One product back to waiting for a snapshot (the feed resubscribes it).
  void ResetProduct(int i) noexcept;

  // Index of a product, or -1.
  int Find(std::string_view product) const noexcept;
  int size() const noexcept { return static_cast<int>(products_.size()); }
  const std::string& product(int i) const noexcept { return products_[static_cast<size_t>(i)]->name; }
  venues::BookEvent event(int i) const noexcept { return products_[static_cast<size_t>(i)]->event; }
  bool usable(int i) const noexcept { return products_[static_cast<size_t>(i)]->synced; }
  const book::OrderBook& book(int i) const noexcept { return products_[static_cast<size_t>(i)]->book; }
  // Why product i's last non-applied event happened, or empty.
  const std::string& detail(int i) const noexcept { return products_[static_cast<size_t>(i)]->detail; }
  // True when side `bid` of product i lost levels to truncation (its deep end is partial).
  bool truncated(int i, bool bid) const noexcept { return products_[static_cast<size_t>(i)]->side[bid ? 0 : 1].truncated; }
  int depth() const noexcept { return depth_; }

  SeqCheck last_check() const noexcept { return check_; }
  // True once an envelope carrying a sequence_num was seen since Reset().
  bool has_sequence() const noexcept { return have_seq_; }
  // The last sequence_num seen (0 before any).
  uint64_t last_sequence() const noexcept { return last_seq_; }
  // Levels skipped by the last frame because they lie beyond a truncated side's floor.
  int beyond_floor() const noexcept { return beyond_floor_; }

 private:
  struct SideState {
    bool truncated = false;
    Price floor;  // worst known price when truncated
  };
  struct Product {
    Product(std::string n, int depth) : name(std::move(n)), book(depth) { detail.reserve(192); }
    std::string name;
    book::OrderBook book;
    SideState side[2];  // [0] bids, [1] asks
    bool synced = false;
    venues::BookEvent event = venues::BookEvent::kIgnored;
    std::string detail;
  };

  void Merge(Product& p, venues::BookEvent e) noexcept;
  // Records why, resets the product to waiting for a snapshot, merges e.
  void Fail(Product& p, venues::BookEvent e, const char* why) noexcept;
  void Clear(Product& p) noexcept;
  // Sets one level, keeping the truncation floor. False when the level was beyond the floor.
  bool SetLevel(Product& p, const L2Level& lv) noexcept;
  void ApplySnapshot(Product& p, const Frame& f, const L2Event& ev) noexcept;
  void ApplyUpdate(Product& p, const Frame& f, const L2Event& ev) noexcept;
  // After an event: crossed → kCrossed; a truncated side below kBookTopDepth → kResyncNeeded.
  bool Validate(Product& p, const Frame& f, const char* what) noexcept;

  std::vector<std::unique_ptr<Product>> products_;
  int depth_;
  bool have_seq_ = false;
  bool have_next_ = false;  // false: the next envelope sets the baseline
  uint64_t next_seq_ = 0;   // the sequence_num the next envelope must carry
  uint64_t last_seq_ = 0;
  SeqCheck check_ = SeqCheck::kNone;
  int beyond_floor_ = 0;
};

}  // namespace hs::coinbase
