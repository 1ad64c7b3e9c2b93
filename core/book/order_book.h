// hs::book — an L2 order book in preallocated arrays, for venue threads.
//
// Each side is a sorted array with the *best level at the back* (bids ascending, asks
// descending), so the changes that dominate a feed — near the touch — move only a few entries.
// The array sits inside twice its capacity in slots, with free room on both ends: an insert or
// delete moves whichever part of the side is shorter (the worse part toward the front, or the
// better part toward the back), so a snapshot sent best first — each level a new worst — costs
// O(1) per level instead of moving the whole side, and dropping the worst level (a full side,
// Truncate) moves nothing. When the end that should move has no room the side is re-centred,
// which amortizes to O(1): it leaves at least half the capacity free on each end.
// Capacity is fixed at construction: nothing allocates afterwards. A side may hold up to its
// capacity; venues keep it at their subscribed depth with Truncate() (Kraken, for one, never
// sends deletions for levels that fall out of the window).
//
// Optionally each level keeps the price and size text exactly as the venue sent it (OKX computes
// its checksum from that text, Kraken from its digits), stored joined as "px:qty:" in one
// 48-byte record so that OKX's checksum string is a run of fixed-size copies. Text longer than
// kMaxText is refused (the caller counts it as a malformed message): venue decimals are far
// shorter.
//
// Owned by one venue thread. Not thread-safe; not for the core (which sees BookTop snapshots).
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "core/base/fixed_point.h"
#include "core/messages/messages.h"

namespace hs::book {

enum class SetResult : uint8_t {
  kInserted = 0,
  kUpdated,
  kRemoved,
  kAbsentRemove,   // a delete for a price we do not hold (harmless; counted by some venues)
  kBeyondDepth,    // a new level worse than every held level while the side is full: dropped
  kTextTooLong,    // keep_text and the wire text exceeds kMaxText
};

class BookSide {
 public:
  static constexpr int kMaxText = 22;
  // Bytes readable from joined_text(i).data(): a copy of this fixed size is always safe.
  static constexpr int kJoinedReadable = 48;
  // Bytes readable from px_text(i).data() and from qty_text(i).data(), likewise.
  static constexpr int kTextReadable = 24;

  BookSide(bool is_bid, int capacity, bool keep_text);

  // Sets the size at px; zero removes the level. Text (when kept) is stored as given.
  SetResult Set(Price px, Qty qty, std::string_view px_text = {}, std::string_view qty_text = {}) noexcept;
  void Clear() noexcept {
    size_ = 0;
    lo_ = cap_;
  }
  // Keeps the best `depth` levels.
  void Truncate(int depth) noexcept;

  int size() const noexcept { return size_; }
  int capacity() const noexcept { return cap_; }
  bool empty() const noexcept { return size_ == 0; }
  // i-th best level, 0 = best. REQUIRES: i < size().
  const Level& level(int i) const noexcept { return levels_[lo_ + size_ - 1 - i]; }
  std::string_view px_text(int i) const noexcept;
  std::string_view qty_text(int i) const noexcept;
  // Level i's texts as "px:qty:" (empty when text is not kept).
  std::string_view joined_text(int i) const noexcept;
  bool is_bid() const noexcept { return bid_; }

 private:
  struct Text {
    char joined[2 * kMaxText + 2];  // px ':' qty ':'
    uint8_t px_len;
    uint8_t qty_len;
  };
  static_assert(sizeof(Text) == kJoinedReadable);
  static_assert(kJoinedReadable - (kMaxText + 1) >= kTextReadable, "qty text starts after px text and ':'");

 public:
  // The kept texts best first, resolved once: checksum loops that write text through a char*
  // would otherwise re-read the side's members after every write (a char store may alias
  // them). Valid until the side changes; only for a side that keeps text.
  class TextsBestFirst {
   public:
    std::string_view joined(int i) const noexcept {
      const Text& t = best_[-i];
      return {t.joined, static_cast<size_t>(t.px_len) + t.qty_len + 2};
    }
    std::string_view px(int i) const noexcept {
      const Text& t = best_[-i];
      return {t.joined, t.px_len};
    }
    std::string_view qty(int i) const noexcept {
      const Text& t = best_[-i];
      return {t.joined + t.px_len + 1, t.qty_len};
    }

   private:
    friend class BookSide;
    explicit TextsBestFirst(const Text* best) noexcept : best_(best) {}
    const Text* best_;  // the best level's record; worse levels at lower addresses
  };
  // REQUIRES: the side keeps text; index below size() only.
  TextsBestFirst texts() const noexcept { return TextsBestFirst(text_.get() + (size_ > 0 ? lo_ + size_ - 1 : lo_)); }

 private:
  // Index of px in the array (worst..best), or the insertion point with *found=false.
  int Find(Price px, bool* found) const noexcept;
  int OpenSlot(int at) noexcept;    // makes room before the at-th held level; returns its slot
  void CloseSlot(int at) noexcept;  // removes the at-th held level
  void Recenter() noexcept;

  bool bid_;
  int cap_;
  int size_ = 0;
  int lo_;                           // slot of the worst held level; held: [lo_, lo_ + size_)
  std::unique_ptr<Level[]> levels_;  // 2 * cap_ slots: free ... worst ... best ... free
  std::unique_ptr<Text[]> text_;     // parallel to levels_, when kept
};

class OrderBook {
 public:
  OrderBook(int capacity_per_side, bool keep_text = false)
      : bids_(true, capacity_per_side, keep_text), asks_(false, capacity_per_side, keep_text) {}

  BookSide& bids() noexcept { return bids_; }
  BookSide& asks() noexcept { return asks_; }
  const BookSide& bids() const noexcept { return bids_; }
  const BookSide& asks() const noexcept { return asks_; }

  void Clear() noexcept {
    bids_.Clear();
    asks_.Clear();
  }
  void Truncate(int depth) noexcept {
    bids_.Truncate(depth);
    asks_.Truncate(depth);
  }
  // Best bid at or above best ask: not a market anyone can trade against.
  bool crossed() const noexcept {
    return !bids_.empty() && !asks_.empty() && bids_.level(0).px >= asks_.level(0).px;
  }
  bool has_both_sides() const noexcept { return !bids_.empty() && !asks_.empty(); }
  // Copies the top kBookTopDepth levels per side into t (counts, levels; other fields untouched).
  void FillTop(BookTop* t) const noexcept;

 private:
  BookSide bids_;
  BookSide asks_;
};

}  // namespace hs::book
