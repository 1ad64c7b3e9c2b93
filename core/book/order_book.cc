#include "core/book/order_book.h"

#include <cstring>

#include "core/base/check.h"
#include "core/base/short_copy.h"

namespace hs::book {

BookSide::BookSide(bool is_bid, int capacity, bool keep_text)
    : bid_(is_bid), cap_(capacity), levels_(new Level[static_cast<size_t>(capacity)]) {
  HS_CHECK(capacity > 0, "book side capacity must be positive");
  if (keep_text) text_.reset(new Text[static_cast<size_t>(capacity)]);
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
  // Every probed level is better than px: px belongs in [0, stop].
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
  return bid_ ? FindOn<true>(levels_.get(), size_, px.raw(), found)
              : FindOn<false>(levels_.get(), size_, px.raw(), found);
}

SetResult BookSide::Set(Price px, Qty qty, std::string_view px_text, std::string_view qty_text) noexcept {
  if (text_ && (px_text.size() > static_cast<size_t>(kMaxText) || qty_text.size() > static_cast<size_t>(kMaxText)))
    return SetResult::kTextTooLong;
  bool found = false;
  int at = Find(px, &found);
  if (qty.is_zero()) {
    if (!found) return SetResult::kAbsentRemove;
    const int tail = size_ - at - 1;
    std::memmove(&levels_[at], &levels_[at + 1], static_cast<size_t>(tail) * sizeof(Level));
    if (text_) std::memmove(&text_[at], &text_[at + 1], static_cast<size_t>(tail) * sizeof(Text));
    --size_;
    return SetResult::kRemoved;
  }
  SetResult result = SetResult::kUpdated;
  if (!found) {
    if (size_ == cap_) {
      if (at == 0) return SetResult::kBeyondDepth;  // worse than everything we hold
      // Make room by dropping the worst level.
      std::memmove(&levels_[0], &levels_[1], static_cast<size_t>(size_ - 1) * sizeof(Level));
      if (text_) std::memmove(&text_[0], &text_[1], static_cast<size_t>(size_ - 1) * sizeof(Text));
      --size_;
      --at;
    }
    const int tail = size_ - at;
    std::memmove(&levels_[at + 1], &levels_[at], static_cast<size_t>(tail) * sizeof(Level));
    if (text_) std::memmove(&text_[at + 1], &text_[at], static_cast<size_t>(tail) * sizeof(Text));
    ++size_;
    levels_[at].px = px;
    result = SetResult::kInserted;
  }
  levels_[at].qty = qty;
  if (text_) {
    Text& t = text_[at];
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
  const int drop = size_ - depth;
  std::memmove(&levels_[0], &levels_[drop], static_cast<size_t>(depth) * sizeof(Level));
  if (text_) std::memmove(&text_[0], &text_[drop], static_cast<size_t>(depth) * sizeof(Text));
  size_ = depth;
}

std::string_view BookSide::px_text(int i) const noexcept {
  if (!text_) return {};
  const Text& t = text_[size_ - 1 - i];
  return {t.joined, t.px_len};
}

std::string_view BookSide::qty_text(int i) const noexcept {
  if (!text_) return {};
  const Text& t = text_[size_ - 1 - i];
  return {t.joined + t.px_len + 1, t.qty_len};
}

std::string_view BookSide::joined_text(int i) const noexcept {
  if (!text_) return {};
  const Text& t = text_[size_ - 1 - i];
  return {t.joined, static_cast<size_t>(t.px_len) + t.qty_len + 2};
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
