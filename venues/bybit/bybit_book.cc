#include "venues/bybit/bybit_book.h"

#include <cstdio>

namespace hs::bybit {

using venues::BookEvent;

namespace {
constexpr int kMaxDepth = 1000;  // the deepest spot topic
// A side holds this many levels beyond the depth, so a message's inserts that precede its
// deletes never push out a level that is still inside the venue's window; the book is
// truncated to the depth after the whole message.
constexpr int Capacity(int depth) { return (depth > 0 ? depth : kMaxDepth) * 2 + 64; }
}  // namespace

DepthBook::DepthBook(int depth) : depth_(depth), book_(Capacity(depth)) { detail_.reserve(192); }

void DepthBook::Reset() noexcept {
  state_ = State::kWaitingSnapshot;
  book_.Clear();
  update_id_ = 0;
  cross_seq_ = 0;
}

void DepthBook::SetDetail(const char* fmt, unsigned long long a, unsigned long long b) noexcept {
  char buf[192];
  std::snprintf(buf, sizeof buf, fmt, a, b);
  detail_.assign(buf);  // capacity reserved: no allocation
}

BookEvent DepthBook::Fail(BookEvent e, const char* fmt, unsigned long long a, unsigned long long b) noexcept {
  SetDetail(fmt, a, b);
  Reset();
  return e;
}

bool DepthBook::ApplyLevels(const MarketFrame& f) noexcept {
  for (int i = 0; i < f.bid_count; ++i)
    if (book_.bids().Set(f.bids[i].px, f.bids[i].qty) == book::SetResult::kTextTooLong) return false;
  for (int i = 0; i < f.ask_count; ++i)
    if (book_.asks().Set(f.asks[i].px, f.asks[i].qty) == book::SetResult::kTextTooLong) return false;
  const int depth = depth_ > 0 ? depth_ : (f.topic_depth > 0 && f.topic_depth < kMaxDepth ? f.topic_depth : kMaxDepth);
  book_.Truncate(depth);
  return true;
}

BookEvent DepthBook::OnMessage(const MarketFrame& f) noexcept {
  detail_.clear();
  const auto u = static_cast<unsigned long long>(f.update_id);
  if (f.kind == MarketKind::kBookSnapshot || f.update_id == 1) {
    // A snapshot, or u == 1 (the venue restarted): the book is exactly this message.
    book_.Clear();
    if (!ApplyLevels(f)) return Fail(BookEvent::kParseError, "snapshot u=%llu has a level the book cannot hold%.0llu", u, 0ull);
    if (book_.crossed())
      return Fail(BookEvent::kCrossed, "snapshot u=%llu is crossed (best bid >= best ask)%.0llu", u, 0ull);
    update_id_ = f.update_id;
    cross_seq_ = f.cross_seq;
    state_ = State::kSynced;
    return BookEvent::kSnapshot;
  }
  if (state_ != State::kSynced) {
    SetDetail("delta u=%llu while waiting for a snapshot%.0llu", u, 0ull);
    return BookEvent::kResyncNeeded;
  }
  if (f.update_id != update_id_ + 1) {
    return Fail(BookEvent::kGap, "gap: delta u=%llu but the book is at u=%llu (expected u+1)", u,
                static_cast<unsigned long long>(update_id_));
  }
  if (!ApplyLevels(f)) return Fail(BookEvent::kParseError, "delta u=%llu has a level the book cannot hold%.0llu", u, 0ull);
  if (book_.crossed()) return Fail(BookEvent::kCrossed, "crossed after delta u=%llu (best bid >= best ask)%.0llu", u, 0ull);
  update_id_ = f.update_id;
  cross_seq_ = f.cross_seq;
  return BookEvent::kApplied;
}

}  // namespace hs::bybit
