#include "core/book/order_book.h"

#include <cstring>

#include "core/base/check.h"
#include "core/base/short_copy.h"

namespace hs::book {

BookSide::BookSide(bool is_bid, int capacity, bool keep_text)
    : bid_(is_bid), cap_(capacity), lo_(capacity) {
  HS_CHECK(capacity > 0 && capacity <= (1 << 28), "book side capacity must be in 1..2^28");
  levels_.reset(new Level[2 * static_cast<size_t>(capacity)]);
  if (keep_text) text_.reset(new Text[2 * static_cast<size_t>(capacity)]);
}

namespace {

// True when a is strictly better than b on a bid (kBid) or ask side.
template <bool kBid>
inline bool BetterOn(int64_t a, int64_t b) noexcept {
  return kBid ? a > b : a < b;
}

// Index of px in levels[0..size) (worst..best), or the insertion point with *found=false.
// Most updates land within a few levels of the touch, so the last kProbe levels are walked
// first (one mispredicted exit instead of a binary search's several); the rest of the side is
// searched without branches on the comparisons (conditional moves), so deep levels cost a
// predictable ~log2(size) dependent loads.
template <bool kBid>
inline int FindOn(const Level* levels, int size, int64_t px, bool* found) noexcept {
  constexpr int kProbe = 12;
  const int stop = size > kProbe ? size - kProbe : 0;
  for (int i = size - 1; i >= stop; --i) {
    const int64_t m = levels[i].px.raw();
    if (!BetterOn<kBid>(m, px)) {
      *found = m == px;
      return *found ? i : i + 1;
    }
  }
  // Every probed level is better than px: px belongs in [0, stop]. A snapshot sent best first
  // makes each level the new worst: one compare with the worst held level settles it.
  if (stop > 0 && !BetterOn<kBid>(px, levels[0].px.raw())) {
    *found = levels[0].px.raw() == px;
    return 0;
  }
  const Level* first = levels;
  int len = stop;
  while (len > 1) {
    const int half = len / 2;
    first = BetterOn<kBid>(px, first[half - 1].px.raw()) ? first + half : first;
    len -= half;
  }
  if (len == 1 && BetterOn<kBid>(px, first->px.raw())) ++first;
  const int at = static_cast<int>(first - levels);
  *found = at < stop && levels[at].px.raw() == px;
  return at;
}

}  // namespace

int BookSide::Find(Price px, bool* found) const noexcept {
  return bid_ ? FindOn<true>(levels_.get() + lo_, size_, px.raw(), found)
              : FindOn<false>(levels_.get() + lo_, size_, px.raw(), found);
}

// Rare (amortized over at least cap/2 one-sided moves): kept out of line, off the hot path.
[[gnu::noinline, gnu::cold]] void BookSide::Recenter() noexcept {
  const int lo = (2 * cap_ - size_) / 2;
  std::memmove(&levels_[lo], &levels_[lo_], static_cast<size_t>(size_) * sizeof(Level));
  if (text_) std::memmove(&text_[lo], &text_[lo_], static_cast<size_t>(size_) * sizeof(Text));
  lo_ = lo;
}

// Requires size_ < cap_, so the two free ends hold at least cap_ slots together.
int BookSide::OpenSlot(int at) noexcept {
  const int worse = at;           // held levels before the slot
  const int better = size_ - at;  // held levels from the slot on
  const bool move_worse = worse < better;
  if (move_worse ? lo_ == 0 : lo_ + size_ == 2 * cap_) Recenter();
  int slot;
  if (move_worse) {
    std::memmove(&levels_[lo_ - 1], &levels_[lo_], static_cast<size_t>(worse) * sizeof(Level));
    if (text_) std::memmove(&text_[lo_ - 1], &text_[lo_], static_cast<size_t>(worse) * sizeof(Text));
    --lo_;
    slot = lo_ + at;
  } else {
    slot = lo_ + at;
    std::memmove(&levels_[slot + 1], &levels_[slot], static_cast<size_t>(better) * sizeof(Level));
    if (text_) std::memmove(&text_[slot + 1], &text_[slot], static_cast<size_t>(better) * sizeof(Text));
  }
  ++size_;
  return slot;
}

void BookSide::CloseSlot(int at) noexcept {
  const int worse = at;
  const int better = size_ - at - 1;
  if (worse < better) {
    std::memmove(&levels_[lo_ + 1], &levels_[lo_], static_cast<size_t>(worse) * sizeof(Level));
    if (text_) std::memmove(&text_[lo_ + 1], &text_[lo_], static_cast<size_t>(worse) * sizeof(Text));
    ++lo_;
  } else {
    const int slot = lo_ + at;
    std::memmove(&levels_[slot], &levels_[slot + 1], static_cast<size_t>(better) * sizeof(Level));
    if (text_) std::memmove(&text_[slot], &text_[slot + 1], static_cast<size_t>(better) * sizeof(Text));
  }
  --size_;
}

SetResult BookSide::Set(Price px, Qty qty, std::string_view px_text, std::string_view qty_text) noexcept {
  if (text_ && (px_text.size() > static_cast<size_t>(kMaxText) || qty_text.size() > static_cast<size_t>(kMaxText)))
    return SetResult::kTextTooLong;
  bool found = false;
  int at = Find(px, &found);
  if (qty.is_zero()) {
    if (!found) return SetResult::kAbsentRemove;
    CloseSlot(at);
    return SetResult::kRemoved;
  }
  SetResult result = SetResult::kUpdated;
  int slot = lo_ + at;
  if (!found) {
    if (size_ == cap_) {
      if (at == 0) return SetResult::kBeyondDepth;  // worse than everything we hold
      // Make room by dropping the worst level.
      ++lo_;
      --size_;
      --at;
    }
    slot = OpenSlot(at);
    levels_[slot].px = px;
    result = SetResult::kInserted;
  }
  levels_[slot].qty = qty;
  if (text_) {
    Text& t = text_[slot];
    const size_t np = px_text.size();
    const size_t nq = qty_text.size();
    CopyShort(t.joined, px_text.data(), np);
    t.joined[np] = ':';
    CopyShort(t.joined + np + 1, qty_text.data(), nq);
    t.joined[np + 1 + nq] = ':';
    t.px_len = static_cast<uint8_t>(np);
    t.qty_len = static_cast<uint8_t>(nq);
  }
  return result;
}

void BookSide::Truncate(int depth) noexcept {
  if (depth < 0 || size_ <= depth) return;
  lo_ += size_ - depth;  // the worst levels are the front of the held run
  size_ = depth;
}

std::string_view BookSide::px_text(int i) const noexcept {
  if (!text_) return {};
  return texts().px(i);
}

std::string_view BookSide::qty_text(int i) const noexcept {
  if (!text_) return {};
  return texts().qty(i);
}

std::string_view BookSide::joined_text(int i) const noexcept {
  if (!text_) return {};
  return texts().joined(i);
}

void OrderBook::FillTop(BookTop* t) const noexcept {
  const int nb = bids_.size() < kBookTopDepth ? bids_.size() : kBookTopDepth;
  const int na = asks_.size() < kBookTopDepth ? asks_.size() : kBookTopDepth;
  for (int i = 0; i < nb; ++i) t->bids[i] = bids_.level(i);
  for (int i = 0; i < na; ++i) t->asks[i] = asks_.level(i);
  t->bid_count = static_cast<uint8_t>(nb);
  t->ask_count = static_cast<uint8_t>(na);
}

}  // namespace hs::book
