#include "core/book/order_book.h"

#include <cstring>

#include "core/base/check.h"

namespace hs::book {

BookSide::BookSide(bool is_bid, int capacity, bool keep_text)
    : bid_(is_bid), cap_(capacity), levels_(new Level[static_cast<size_t>(capacity)]) {
  HS_CHECK(capacity > 0, "book side capacity must be positive");
  if (keep_text) text_.reset(new Text[static_cast<size_t>(capacity)]);
}

int BookSide::Find(Price px, bool* found) const noexcept {
  // Most updates are near the touch: look at the back first.
  if (size_ > 0) {
    const Price best = levels_[size_ - 1].px;
    if (px == best) {
      *found = true;
      return size_ - 1;
    }
    if (Better(px, best)) {
      *found = false;
      return size_;
    }
  }
  // Binary search over worst..best (ascending "goodness").
  int lo = 0;
  int hi = size_;
  while (lo < hi) {
    const int mid = (lo + hi) / 2;
    const Price m = levels_[mid].px;
    if (m == px) {
      *found = true;
      return mid;
    }
    if (Better(px, m)) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  *found = false;
  return lo;
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
    std::memcpy(t.px, px_text.data(), px_text.size());
    t.px_len = static_cast<uint8_t>(px_text.size());
    std::memcpy(t.qty, qty_text.data(), qty_text.size());
    t.qty_len = static_cast<uint8_t>(qty_text.size());
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
  return {t.px, t.px_len};
}

std::string_view BookSide::qty_text(int i) const noexcept {
  if (!text_) return {};
  const Text& t = text_[size_ - 1 - i];
  return {t.qty, t.qty_len};
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
