#include "venues/okx/okx_book.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "core/base/crc32.h"
#include "core/base/decimal.h"

namespace hs::okx {

using venues::BookEvent;

namespace {

// Appends level i's "px:qty:" with one fixed-size copy (the book's text record is that long;
// the bytes past the piece are overwritten by the next one or ignored).
inline char* AppendLevel(char* p, const book::BookSide::TextsBestFirst& side, int i) noexcept {
  const std::string_view piece = side.joined(i);
  std::memcpy(p, piece.data(), book::BookSide::kJoinedReadable);
  return p + piece.size();
}

int ClampDepth(int depth) noexcept {
  if (depth <= 0) return kBooksDepth;
  return std::clamp(depth, kChecksumLevels, kBooksDepth);
}

}  // namespace

int32_t Checksum(const book::OrderBook& b) noexcept {
  // Worst case: 25 levels per side, two texts of kMaxText plus two separators each, plus the
  // over-copy of the last piece.
  char buf[2 * kChecksumLevels * (2 * book::BookSide::kMaxText + 2) + book::BookSide::kJoinedReadable];
  char* p = buf;
  const int nb = std::min(b.bids().size(), kChecksumLevels);
  const int na = std::min(b.asks().size(), kChecksumLevels);
  const int n = std::max(nb, na);
  const book::BookSide::TextsBestFirst bids = b.bids().texts();
  const book::BookSide::TextsBestFirst asks = b.asks().texts();
  for (int i = 0; i < n; ++i) {
    if (i < nb) p = AppendLevel(p, bids, i);
    if (i < na) p = AppendLevel(p, asks, i);
  }
  if (p != buf) --p;  // no separator after the last piece
  // C++20: the conversion to a signed type is modular, i.e. the two's-complement reinterpretation.
  return static_cast<int32_t>(Crc32IeeeUpdate(0, buf, static_cast<size_t>(p - buf)));
}

L2Book::L2Book(int depth) : book_(ClampDepth(depth), /*keep_text=*/true), depth_(ClampDepth(depth)) {
  detail_.reserve(256);  // detail texts are shorter: assigning them never allocates
}

void L2Book::Reset() noexcept {
  state_ = State::kWaitingSnapshot;
  channel_ = Channel::kNone;
  book_.Clear();
  seq_ = 0;
  ts_ = 0;
}

BookEvent L2Book::Fail(BookEvent e, const char* fmt, long long a, long long b, long long c) noexcept {
  char buf[200];
  std::snprintf(buf, sizeof buf, fmt, a, b, c);
  detail_.assign(buf);
  Reset();
  return e;
}

BookEvent L2Book::OnFrame(const MarketFrame& f) noexcept {
  detail_.clear();
  if (!IsIncremental(f.channel)) return Full(f);
  if (f.action == Action::kSnapshot) return Replace(f);
  return Update(f);
}

bool L2Book::Load(const BookLevel* levels, int count, book::BookSide* side, int keep) noexcept {
  // The wire sends best first and the side stores best last: loading from the worst end makes
  // every insert an append. When more levels came than fit, the side keeps the best by itself.
  for (int i = count - 1; i >= 0; --i) {
    if (side->Set(levels[i].px, levels[i].qty, levels[i].px_text, levels[i].qty_text) == book::SetResult::kTextTooLong)
      return false;
  }
  side->Truncate(keep);
  return true;
}

BookEvent L2Book::Replace(const MarketFrame& f) noexcept {
  book_.Clear();
  const int keep = std::min(depth_, ChannelDepth(f.channel));
  if (!Load(f.bids, f.bid_count, &book_.bids(), keep) || !Load(f.asks, f.ask_count, &book_.asks(), keep))
    return Fail(BookEvent::kParseError, "snapshot seqId %lld: a level's text is longer than %lld characters%.0lld",
                f.seq_id, book::BookSide::kMaxText);
  seq_ = f.seq_id;
  ts_ = f.ts_ms;
  channel_ = f.channel;
  state_ = State::kSynced;
  return Validate(f, BookEvent::kSnapshot);
}

BookEvent L2Book::Update(const MarketFrame& f) noexcept {
  if (state_ != State::kSynced || !IsIncremental(channel_)) {
    detail_.assign("update while waiting for a snapshot");
    return BookEvent::kResyncNeeded;
  }
  if (f.channel != channel_) {
    detail_.assign("update on another channel than the snapshot's");
    return BookEvent::kResyncNeeded;
  }
  // Continuity is prevSeqId == last seqId, nothing else: a keep-alive repeats the seqId and a
  // reset after maintenance goes backwards (README §4.4).
  if (f.prev_seq_id != seq_)
    return Fail(BookEvent::kGap, "gap: prevSeqId %lld but the book is at seqId %lld%.0lld", f.prev_seq_id, seq_);
  const int keep = std::min(depth_, ChannelDepth(f.channel));
  for (int i = 0; i < f.bid_count; ++i) {
    const BookLevel& l = f.bids[i];
    if (book_.bids().Set(l.px, l.qty, l.px_text, l.qty_text) == book::SetResult::kTextTooLong)
      return Fail(BookEvent::kParseError, "update seqId %lld: a level's text is longer than %lld characters%.0lld",
                  f.seq_id, book::BookSide::kMaxText);
  }
  for (int i = 0; i < f.ask_count; ++i) {
    const BookLevel& l = f.asks[i];
    if (book_.asks().Set(l.px, l.qty, l.px_text, l.qty_text) == book::SetResult::kTextTooLong)
      return Fail(BookEvent::kParseError, "update seqId %lld: a level's text is longer than %lld characters%.0lld",
                  f.seq_id, book::BookSide::kMaxText);
  }
  book_.Truncate(keep);
  seq_ = f.seq_id;
  if (f.ts_ms != 0) ts_ = f.ts_ms;
  return Validate(f, BookEvent::kApplied);
}

BookEvent L2Book::Full(const MarketFrame& f) noexcept {
  if (state_ == State::kSynced && channel_ == f.channel && f.seq_id <= seq_ && f.ts_ms <= ts_) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "seqId %lld (ts %lld) is not newer than the book's %lld (ts %lld)",
                  static_cast<long long>(f.seq_id), static_cast<long long>(f.ts_ms), static_cast<long long>(seq_),
                  static_cast<long long>(ts_));
    detail_.assign(buf);
    return BookEvent::kIgnored;
  }
  return Replace(f);
}

BookEvent L2Book::Validate(const MarketFrame& f, BookEvent ok) noexcept {
  if (f.has_checksum) {
    const int32_t ours = Checksum(book_);
    if (ours != f.checksum)
      return Fail(BookEvent::kChecksumMismatch, "checksum mismatch at seqId %lld: venue %lld, book %lld", f.seq_id,
                  f.checksum, ours);
  }
  if (book_.crossed()) {
    char bid[kMaxDecimalText];
    char ask[kMaxDecimalText];
    Format(book_.bids().level(0).px, bid);
    Format(book_.asks().level(0).px, ask);
    char buf[200];
    std::snprintf(buf, sizeof buf, "crossed at seqId %lld: best bid %s >= best ask %s", static_cast<long long>(f.seq_id),
                  bid, ask);
    detail_.assign(buf);
    Reset();
    return BookEvent::kCrossed;
  }
  return ok;
}

}  // namespace hs::okx
