#include "venues/binance/binance_book.h"

#include <cstdio>
#include <cstring>

namespace hs::binance {

using venues::BookEvent;

namespace {
constexpr size_t kPad = 64;
}

DepthBook::DepthBook(int depth, size_t buffer_bytes, int max_buffered)
    : book_(depth), depth_(depth), arena_(new char[buffer_bytes]), arena_cap_(buffer_bytes),
      max_buffered_(static_cast<size_t>(max_buffered)) {
  offsets_.reserve(max_buffered_);
  detail_.reserve(160);
}

void DepthBook::Reset() noexcept {
  state_ = State::kWaitingSnapshot;
  book_.Clear();
  book_id_ = 0;
  ticker_id_ = 0;
  arena_used_ = 0;
  offsets_.clear();
  first_buffered_u_ = 0;
  overflowed_ = false;
}

BookEvent DepthBook::Fail(BookEvent e, const char* why) noexcept {
  detail_.assign(why);
  Reset();
  return e;
}

namespace {
// Formats a failure detail into a stack buffer (the detail string has reserved capacity).
struct Why {
  char text[160];
  Why(const char* fmt, unsigned long long a, unsigned long long b) noexcept { std::snprintf(text, sizeof text, fmt, a, b); }
  Why(const char* fmt, unsigned long long a) noexcept { std::snprintf(text, sizeof text, fmt, a); }
};
}  // namespace

bool DepthBook::Buffer(const char* raw, size_t len, uint64_t first_u) noexcept {
  if (offsets_.size() >= max_buffered_ || arena_used_ + len + kPad > arena_cap_) {
    overflowed_ = true;
    return false;
  }
  std::memcpy(arena_.get() + arena_used_, raw, len);
  std::memset(arena_.get() + arena_used_ + len, 0, kPad);
  offsets_.emplace_back(arena_used_, len);  // capacity reserved: no allocation
  arena_used_ += len + kPad;
  if (first_buffered_u_ == 0) first_buffered_u_ = first_u;
  return true;
}

BookEvent DepthBook::Apply(const MarketFrame& f) noexcept {
  for (int i = 0; i < f.bid_count; ++i) {
    if (book_.bids().Set(f.bids[i].px, f.bids[i].qty) == book::SetResult::kTextTooLong) return BookEvent::kParseError;
  }
  for (int i = 0; i < f.ask_count; ++i) {
    if (book_.asks().Set(f.asks[i].px, f.asks[i].qty) == book::SetResult::kTextTooLong) return BookEvent::kParseError;
  }
  if (book_.crossed()) {
    return Fail(BookEvent::kCrossed,
                Why("crossed after update id %llu (best bid >= best ask)", static_cast<unsigned long long>(f.last_id)).text);
  }
  return BookEvent::kApplied;
}

BookEvent DepthBook::OnDiff(const MarketFrame& f, const char* raw, size_t len) noexcept {
  detail_.clear();
  if (state_ == State::kWaitingSnapshot) {
    // Keep it for when the snapshot lands; the caller fetches one.
    detail_.assign(Buffer(raw, len, f.first_id) ? "buffered until the snapshot"
                                                : "diff buffer full while waiting for the snapshot");
    return BookEvent::kResyncNeeded;
  }
  if (f.last_id <= book_id_) {
    detail_.assign("stale diff (u at or below the book id)");
    return BookEvent::kIgnored;
  }
  if (f.first_id > book_id_ + 1) {
    return Fail(BookEvent::kGap, Why("gap: U=%llu but the book is at %llu", static_cast<unsigned long long>(f.first_id),
                                     static_cast<unsigned long long>(book_id_))
                                     .text);
  }
  const BookEvent e = Apply(f);
  if (e != BookEvent::kApplied) return e;
  book_id_ = f.last_id;
  return BookEvent::kApplied;
}

BookEvent DepthBook::OnSnapshot(const MarketFrame& f, Parser* parser) noexcept {
  detail_.clear();
  const uint64_t last = f.last_id;
  if (overflowed_) {
    Reset();
    detail_.assign("diffs overflowed the buffer before the snapshot; fetch a new one");
    return BookEvent::kResyncNeeded;
  }
  if (first_buffered_u_ != 0 && last < first_buffered_u_ - 1) {
    // Older than the first diff we hold: events between were never seen. Fetch again.
    char buf[160];
    std::snprintf(buf, sizeof buf, "snapshot lastUpdateId %llu is older than the first buffered U %llu",
                  static_cast<unsigned long long>(last), static_cast<unsigned long long>(first_buffered_u_));
    detail_.assign(buf);
    return BookEvent::kResyncNeeded;
  }
  book_.Clear();
  for (int i = 0; i < f.bid_count; ++i) book_.bids().Set(f.bids[i].px, f.bids[i].qty);
  for (int i = 0; i < f.ask_count; ++i) book_.asks().Set(f.asks[i].px, f.asks[i].qty);
  book_.Truncate(depth_);
  book_id_ = last;
  if (book_.crossed()) return Fail(BookEvent::kCrossed, Why("snapshot %llu is crossed", static_cast<unsigned long long>(last)).text);
  state_ = State::kSynced;
  // Replay what was buffered: drop u <= lastUpdateId; the first kept must straddle it.
  bool first = true;
  std::vector<std::pair<size_t, size_t>> pending;
  pending.swap(offsets_);  // keep the reserved capacity by swapping back below
  const size_t n = pending.size();
  BookEvent result = BookEvent::kSnapshot;
  for (size_t k = 0; k < n && result == BookEvent::kSnapshot; ++k) {
    MarketFrame d;
    if (parser->ParseMarket(arena_.get() + pending[k].first, pending[k].second, &d) != ParseStatus::kOk ||
        d.kind != FrameKind::kDepthUpdate)
      continue;  // it parsed when buffered; a mismatch here would be a bug, not data
    if (d.last_id <= book_id_) continue;
    if (first && !(d.first_id <= book_id_ + 1 && book_id_ + 1 <= d.last_id)) {
      result = Fail(BookEvent::kGap, Why("first diff after the snapshot does not straddle it: U=%llu, book %llu",
                                         static_cast<unsigned long long>(d.first_id), static_cast<unsigned long long>(book_id_))
                                         .text);
      break;
    }
    if (!first && d.first_id > book_id_ + 1) {
      result = Fail(BookEvent::kGap, Why("gap in buffered diffs: U=%llu but the book is at %llu",
                                         static_cast<unsigned long long>(d.first_id), static_cast<unsigned long long>(book_id_))
                                         .text);
      break;
    }
    first = false;
    const BookEvent e = Apply(d);
    if (e != BookEvent::kApplied) {
      result = e;
      break;
    }
    book_id_ = d.last_id;
  }
  pending.clear();
  offsets_.swap(pending);
  offsets_.clear();
  arena_used_ = 0;
  first_buffered_u_ = 0;
  if (result == BookEvent::kSnapshot) book_.Truncate(depth_);
  return result;
}

BookEvent DepthBook::OnTicker(const MarketFrame& f) noexcept {
  detail_.clear();
  if (state_ != State::kSynced) return BookEvent::kIgnored;
  if (f.last_id <= book_id_ || f.last_id <= ticker_id_) {
    detail_.assign("bookTicker not newer than the book");
    return BookEvent::kIgnored;
  }
  ticker_id_ = f.last_id;
  // The ticker is the true top at id u > book id: levels better than it are gone.
  if (f.bid_qty.is_positive()) {
    while (!book_.bids().empty() && book_.bids().level(0).px > f.bid_px)
      book_.bids().Set(book_.bids().level(0).px, Qty::Zero());
    book_.bids().Set(f.bid_px, f.bid_qty);
  }
  if (f.ask_qty.is_positive()) {
    while (!book_.asks().empty() && book_.asks().level(0).px < f.ask_px)
      book_.asks().Set(book_.asks().level(0).px, Qty::Zero());
    book_.asks().Set(f.ask_px, f.ask_qty);
  }
  // The overlay can cross against the other side's older levels; drop those, the ticker wins.
  while (book_.crossed()) {
    if (f.bid_qty.is_positive() && book_.asks().level(0).px <= f.bid_px) {
      book_.asks().Set(book_.asks().level(0).px, Qty::Zero());
    } else if (f.ask_qty.is_positive() && book_.bids().level(0).px >= f.ask_px) {
      book_.bids().Set(book_.bids().level(0).px, Qty::Zero());
    } else {
      return Fail(BookEvent::kCrossed,
                  Why("bookTicker %llu crossed the book", static_cast<unsigned long long>(f.last_id)).text);
    }
  }
  return BookEvent::kApplied;
}

}  // namespace hs::binance
