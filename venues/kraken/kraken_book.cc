#include "venues/kraken/kraken_book.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <limits>

#include "core/base/check.h"
#include "core/base/crc32.h"
#include "core/base/decimal.h"
#include "core/base/short_copy.h"
#include "venues/common/text_writer.h"

namespace hs::kraken {

using venues::BookEvent;

namespace {

// v / 10^e with a constant divisor per case (a multiply, not a 40-cycle division).
inline uint64_t DivPow10(uint64_t v, int e) noexcept {
  switch (e) {
#define HS_CASE(n) \
  case n:          \
    return v / decimal_internal::kPow10[n];
    HS_CASE(0)
    HS_CASE(1)
    HS_CASE(2) HS_CASE(3) HS_CASE(4) HS_CASE(5) HS_CASE(6) HS_CASE(7) HS_CASE(8) HS_CASE(9) HS_CASE(10) HS_CASE(11)
        HS_CASE(12) HS_CASE(13) HS_CASE(14) HS_CASE(15) HS_CASE(16) HS_CASE(17) HS_CASE(18)
#undef HS_CASE
            default : return 0;
  }
}

// x < 10^8 as 8 ASCII digits, most significant first in memory (little-endian word), by
// splitting into 4-, 2- and 1-digit lanes with multiply-shift divisions (no loop, no table).
inline uint64_t EightAscii(uint32_t x) noexcept {
  uint64_t v = (x / 10000) | (static_cast<uint64_t>(x % 10000) << 32);  // two 4-digit lanes
  uint64_t hi = ((v * 10486) >> 20) & 0x0000007F0000007Full;            // lane / 100
  v = hi | ((v - hi * 100) << 16);                                      // four 2-digit lanes
  hi = ((v * 103) >> 10) & 0x000F000F000F000Full;                       // lane / 10
  v = hi | ((v - hi * 10) << 8);                                        // eight digits
  return v + 0x3030303030303030ull;
}

// Decimal digits of v without leading zeros ("" for 0). REQUIRES: 16 writable bytes at out.
inline int Digits(uint64_t v, char* out) noexcept {
  if (v == 0) return 0;
  if (v >= 10'000'000'000'000'000ull) return venues::U64ToChars(v, out);
  const uint64_t hi = v / 100'000'000;
  const uint32_t lo = static_cast<uint32_t>(v - hi * 100'000'000);
  if (hi == 0) {
    const uint64_t w = EightAscii(lo);
    const int lz = __builtin_ctzll(w - 0x3030303030303030ull) / 8;  // leading '0' bytes
    const uint64_t shifted = w >> (8 * lz);
    std::memcpy(out, &shifted, 8);
    return 8 - lz;
  }
  const uint64_t wh = EightAscii(static_cast<uint32_t>(hi));
  const int lz = __builtin_ctzll(wh - 0x3030303030303030ull) / 8;
  const uint64_t shifted = wh >> (8 * lz);
  std::memcpy(out, &shifted, 8);
  const uint64_t wl = EightAscii(lo);
  std::memcpy(out + 8 - lz, &wl, 8);
  return 16 - lz;
}

// The digits of raw/10^scale written with exactly `prec` decimals, '.' removed and leading
// zeros stripped — which is simply the integer raw/10^(scale-prec) in decimal ("" for zero).
// False when raw has non-zero digits beyond prec (never rounded).
inline bool LevelDigits(int64_t raw, int scale, int prec, char* out, int* len) noexcept {
  // Both exponents index the 19-entry power table: anything outside 0..18 is not writable.
  if (raw < 0 || prec < 0 || scale < 0 || prec > 18 || scale > 18) return false;
  uint64_t v = static_cast<uint64_t>(raw);
  if (prec <= scale) {
    const uint64_t q = DivPow10(v, scale - prec);
    if (q * decimal_internal::kPow10[scale - prec] != v) return false;
    v = q;
  } else {
    const uint64_t mul = decimal_internal::kPow10[prec - scale];
    if (v > std::numeric_limits<uint64_t>::max() / mul) return false;
    v *= mul;
  }
  *len = Digits(v, out);
  return true;
}

// Decimals written in a number's text ("45281.0" → 1, "0.10000000" → 8, "8477" → 0).
inline int TextDecimals(std::string_view t) noexcept {
  const size_t dot = t.find('.');
  return dot == std::string_view::npos ? 0 : static_cast<int>(t.size() - dot - 1);
}

}  // namespace

int ChecksumSideText(const book::BookSide& side, int levels, int price_precision, int qty_precision, char* out,
                     size_t cap) noexcept {
  HS_DCHECK(price_precision >= 0 && price_precision <= 18 && qty_precision >= 0 && qty_precision <= 18,
            "checksum precision out of range");
  const int n = side.size() < levels ? side.size() : levels;
  size_t used = 0;
  for (int i = 0; i < n; ++i) {
    if (cap - used < 40) return -1;
    const Level& lv = side.level(i);
    int len = 0;
    if (!LevelDigits(lv.px.raw(), Price::kDecimals, price_precision, out + used, &len)) return -1;
    used += static_cast<size_t>(len);
    if (!LevelDigits(lv.qty.raw(), Qty::kDecimals, qty_precision, out + used, &len)) return -1;
    used += static_cast<size_t>(len);
  }
  return static_cast<int>(used);
}

bool ComputeChecksum(const book::OrderBook& b, int price_precision, int qty_precision, uint32_t* out) noexcept {
  char text[2 * kMaxChecksumSideText];
  const int na =
      ChecksumSideText(b.asks(), kChecksumLevels, price_precision, qty_precision, text, kMaxChecksumSideText);
  if (na < 0) return false;
  const int nb =
      ChecksumSideText(b.bids(), kChecksumLevels, price_precision, qty_precision, text + na, kMaxChecksumSideText);
  if (nb < 0) return false;
  *out = Crc32IeeeUpdate(0, text, static_cast<size_t>(na + nb));
  return true;
}

// One level's checksum digits from the number's wire text: when the text has exactly `prec`
// decimals it *is* the value written at the precision (JSON allows no other leading zeros),
// so the digits are the text without its '.' and leading zeros — a copy, no arithmetic.
// Returns the length (at most 20), or -1 when the text has another number of decimals or is
// longer than any value the fixed-point types hold (the caller then formats the value).
inline int WireDigits(std::string_view t, int prec, char* out) noexcept {
  if (t.size() > 21) return -1;
  // An inline scan: at most 21 bytes, where a libc memchr call costs more than it saves.
  const char* dot = nullptr;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '.') {
      dot = t.data() + i;
      break;
    }
  }
  if (dot == nullptr) {  // "8477"
    if (prec != 0) return -1;
    if (t.size() == 1 && t[0] == '0') return 0;
    CopyShort(out, t.data(), t.size());
    return static_cast<int>(t.size());
  }
  const size_t int_len = static_cast<size_t>(dot - t.data());
  const size_t frac_len = t.size() - int_len - 1;
  if (frac_len != static_cast<size_t>(prec)) return -1;
  const char* const frac = dot + 1;
  if (!(int_len == 1 && t[0] == '0')) {  // "45283.5"
    CopyShort(out, t.data(), int_len);
    CopyShort(out + int_len, frac, frac_len);
    return static_cast<int>(int_len + frac_len);
  }
  size_t z = 0;  // "0.00100000": the fraction without its leading zeros
  while (z < frac_len && frac[z] == '0') ++z;
  CopyShort(out, frac + z, frac_len - z);
  return static_cast<int>(frac_len - z);
}

Book::Book(int depth, int price_precision, int qty_precision)
    : book_(depth + Parser::kMaxLevels, /*keep_text=*/true),
      depth_(depth),
      infer_price_(price_precision < 0),
      infer_qty_(qty_precision < 0),
      price_prec_(price_precision),
      qty_prec_(qty_precision) {
  HS_CHECK(depth > 0, "kraken book depth must be positive");
  HS_CHECK(price_precision <= 18 && qty_precision <= 18, "kraken checksum precision above 18 decimals");
  detail_.reserve(256);
}

void Book::Reset() noexcept {
  state_ = State::kWaitingSnapshot;
  book_.Clear();
}

BookEvent Book::Fail(BookEvent e) noexcept {
  Reset();
  return e;
}

bool Book::SetSide(book::BookSide& side, const BookLevel* levels, int n) noexcept {
  for (int i = 0; i < n; ++i) {
    const BookLevel& lv = levels[i];
    if (lv.qty.is_zero()) {
      side.Set(lv.px, lv.qty);
      continue;
    }
    // The level's checksum digits are worked out once, here, and kept with the level.
    char pd[24];
    char qd[24];
    int pn = WireDigits(lv.px_text, price_prec_, pd);
    if (pn < 0 && !LevelDigits(lv.px.raw(), Price::kDecimals, price_prec_, pd, &pn))
      return Unwritable("price", lv.px.raw(), Price::kDecimals, price_prec_);
    int qn = WireDigits(lv.qty_text, qty_prec_, qd);
    if (qn < 0 && !LevelDigits(lv.qty.raw(), Qty::kDecimals, qty_prec_, qd, &qn))
      return Unwritable("qty", lv.qty.raw(), Qty::kDecimals, qty_prec_);
    // Capacity is depth + the parser's level limit: no level is evicted before truncation; the
    // digits (at most 20) always fit the side's text slots.
    const book::SetResult r = side.Set(lv.px, lv.qty, std::string_view(pd, static_cast<size_t>(pn)),
                                       std::string_view(qd, static_cast<size_t>(qn)));
    HS_DCHECK(r != book::SetResult::kTextTooLong && r != book::SetResult::kBeyondDepth, "kraken level not stored");
    (void)r;
  }
  return true;
}

bool Book::Unwritable(const char* what, int64_t raw, int scale, int prec) noexcept {
  char v[kMaxDecimalText];
  FormatDecimal(raw, scale, v);
  char buf[200];
  std::snprintf(buf, sizeof buf, "checksum mismatch: %s %s has more decimals than the checksum precision %d", what, v,
                prec);
  detail_.assign(buf);
  return false;
}

uint32_t Book::ChecksumOfBook() const noexcept {
  // The kept digits of the top 10 per side, asks then bids, in one buffer, one CRC. Each text
  // is moved with one fixed-size copy (the book guarantees kTextReadable bytes behind it); the
  // bytes past its end are overwritten by the next piece or ignored.
  static_assert(book::BookSide::kMaxText <= book::BookSide::kTextReadable);
  char text[2 * kMaxChecksumSideText + book::BookSide::kTextReadable];
  size_t n = 0;
  for (const book::BookSide* side : {&book_.asks(), &book_.bids()}) {
    const int levels = side->size() < kChecksumLevels ? side->size() : kChecksumLevels;
    const book::BookSide::TextsBestFirst texts = side->texts();
    for (int i = 0; i < levels; ++i) {
      const std::string_view p = texts.px(i);
      const std::string_view q = texts.qty(i);
      std::memcpy(text + n, p.data(), book::BookSide::kTextReadable);
      n += p.size();
      std::memcpy(text + n, q.data(), book::BookSide::kTextReadable);
      n += q.size();
    }
  }
  return Crc32IeeeUpdate(0, text, n);
}

BookEvent Book::ApplyAndVerify(const BookEntry& e, bool snapshot) noexcept {
  if (!SetSide(book_.bids(), e.bids, e.bid_count) || !SetSide(book_.asks(), e.asks, e.ask_count))
    return Fail(BookEvent::kChecksumMismatch);
  book_.Truncate(depth_);
  const uint32_t computed = ChecksumOfBook();
  if (computed != e.checksum) {
    char buf[200];
    std::snprintf(buf, sizeof buf,
                  "checksum mismatch on %s: message %u, computed %u over the top %d levels (price precision %d, "
                  "qty precision %d)",
                  snapshot ? "snapshot" : "update", e.checksum, computed, kChecksumLevels, price_prec_, qty_prec_);
    detail_.assign(buf);
    return Fail(BookEvent::kChecksumMismatch);
  }
  if (book_.crossed()) {
    char bid[kMaxDecimalText];
    char ask[kMaxDecimalText];
    FormatDecimal(book_.bids().level(0).px.raw(), Price::kDecimals, bid);
    FormatDecimal(book_.asks().level(0).px.raw(), Price::kDecimals, ask);
    char buf[200];
    std::snprintf(buf, sizeof buf, "crossed after %s: best bid %s >= best ask %s", snapshot ? "snapshot" : "update",
                  bid, ask);
    detail_.assign(buf);
    return Fail(BookEvent::kCrossed);
  }
  checksum_ = computed;
  ++validated_;
  return snapshot ? BookEvent::kSnapshot : BookEvent::kApplied;
}

BookEvent Book::OnSnapshot(const BookEntry& e) noexcept {
  detail_.clear();
  book_.Clear();
  if (infer_price_ || infer_qty_) {
    // feed-check without --price-precision/--qty-precision: Kraken writes every number at the
    // pair's full precision, so the snapshot's texts say what it is.
    int pp = -1;
    int qp = -1;
    for (int i = 0; i < e.bid_count; ++i) {
      pp = std::max(pp, TextDecimals(e.bids[i].px_text));
      qp = std::max(qp, TextDecimals(e.bids[i].qty_text));
    }
    for (int i = 0; i < e.ask_count; ++i) {
      pp = std::max(pp, TextDecimals(e.asks[i].px_text));
      qp = std::max(qp, TextDecimals(e.asks[i].qty_text));
    }
    if (infer_price_ && pp >= 0) price_prec_ = std::min(pp, 18);
    if (infer_qty_ && qp >= 0) qty_prec_ = std::min(qp, 18);
    if (price_prec_ < 0) price_prec_ = 0;  // an empty snapshot: nothing to write either way
    if (qty_prec_ < 0) qty_prec_ = 0;
  }
  state_ = State::kSynced;
  return ApplyAndVerify(e, true);
}

BookEvent Book::OnUpdate(const BookEntry& e) noexcept {
  detail_.clear();
  if (state_ != State::kSynced) {
    detail_.assign("update while waiting for a snapshot");
    return BookEvent::kResyncNeeded;
  }
  return ApplyAndVerify(e, false);
}

BookEvent Book::Apply(MessageKind kind, const BookEntry& e) noexcept {
  if (kind == MessageKind::kBookSnapshot) return OnSnapshot(e);
  if (kind == MessageKind::kBookUpdate) return OnUpdate(e);
  detail_.clear();
  return BookEvent::kIgnored;
}

}  // namespace hs::kraken
