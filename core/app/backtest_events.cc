#include "core/app/backtest_events.h"

#include <fcntl.h>
#include <simdjson.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bitset>
#include <cerrno>
#include <concepts>
#include <cstring>
#include <fstream>
#include <limits>
#include <utility>
#include <vector>

#include "core/base/decimal.h"

namespace hs::backtest {

namespace od = simdjson::ondemand;

const char* EventKindName(Event::Kind k) noexcept {
  switch (k) {
    case Event::Kind::kBook:
      return "book";
    case Event::Kind::kBalance:
      return "balance";
    case Event::Kind::kRaw:
      return "raw";
  }
  return "?";
}

namespace {

// Bytes read from the file at a time; the buffer grows past this only for a longer line.
constexpr size_t kReadChunk = size_t{1} << 20;
// The simdjson parser's initial capacity (it grows for a longer line, up to kMaxEventLineBytes).
constexpr size_t kInitialParserCapacity = size_t{1} << 16;

// ---- message text (Abseil's StrCat here predates std::string_view) ----

inline void AppendPiece(std::string* s, std::string_view v) { s->append(v); }
template <std::integral I>
inline void AppendPiece(std::string* s, I v) {
  s->append(std::to_string(v));
}
template <typename... A>
std::string Cat(const A&... a) {
  std::string s;
  (AppendPiece(&s, a), ...);
  return s;
}

// ---- keys ----

enum KeyBit : uint32_t {
  kKeyT = 1u << 0,
  kKeyType = 1u << 1,
  kKeyVenue = 1u << 2,
  kKeyInstrument = 1u << 3,
  kKeyAsset = 1u << 4,
  kKeyFree = 1u << 5,
  kKeyBids = 1u << 6,
  kKeyAsks = 1u << 7,
  kKeyMsg = 1u << 8,
};
constexpr uint32_t kBookKeys = kKeyT | kKeyType | kKeyVenue | kKeyInstrument | kKeyBids | kKeyAsks;
constexpr uint32_t kBalanceKeys = kKeyT | kKeyType | kKeyVenue | kKeyAsset | kKeyFree;
constexpr uint32_t kRawKeys = kKeyT | kKeyType | kKeyVenue | kKeyMsg;

constexpr const char* kKeyNames[] = {"t", "type", "venue", "instrument", "asset", "free", "bids", "asks", "msg"};

// The name of the lowest key in `bits`. REQUIRES: bits != 0.
const char* KeyName(uint32_t bits) { return kKeyNames[__builtin_ctz(bits)]; }

// The keys of a kind in the order the format lists them ("t, type, venue, asset, free").
std::string KeyList(uint32_t keys) {
  std::string s;
  for (uint32_t b = 1; b <= kKeyMsg; b <<= 1) {
    if (!(keys & b)) continue;
    if (!s.empty()) s += ", ";
    s += KeyName(b);
  }
  return s;
}

// `lit` followed by the key's closing quote: the keys of the format never need escapes.
template <size_t N>
inline bool KeyIs(const char* k, const char (&lit)[N]) noexcept {
  return std::memcmp(k, lit, N - 1) == 0 && k[N - 1] == '"';
}

// The key bit for the raw (still escaped) key text at k, or 0 for an unknown key. k is followed
// by its closing quote and the document's padding, so reading a few bytes past is safe.
inline uint32_t KeyBitOf(const char* k) noexcept {
  switch (k[0]) {
    case 't':
      if (k[1] == '"') return kKeyT;
      return KeyIs(k, "type") ? kKeyType : 0;
    case 'v':
      return KeyIs(k, "venue") ? kKeyVenue : 0;
    case 'i':
      return KeyIs(k, "instrument") ? kKeyInstrument : 0;
    case 'a':
      if (KeyIs(k, "asks")) return kKeyAsks;
      return KeyIs(k, "asset") ? kKeyAsset : 0;
    case 'f':
      return KeyIs(k, "free") ? kKeyFree : 0;
    case 'b':
      return KeyIs(k, "bids") ? kKeyBids : 0;
    case 'm':
      return KeyIs(k, "msg") ? kKeyMsg : 0;
    default:
      return 0;
  }
}

// ---- error text (cold) ----

// `s` quoted for an error message: at most 80 bytes, bytes outside printable ASCII as \xNN.
[[gnu::cold]] std::string Quoted(std::string_view s) {
  constexpr size_t kMax = 80;
  std::string o = "\"";
  const size_t n = s.size() < kMax ? s.size() : kMax;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c >= 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      o += "\\x";
      o += kHex[c >> 4];
      o += kHex[c & 15];
    } else {
      o += static_cast<char>(c);
    }
  }
  if (n < s.size()) o += "...";
  return o + "\"";
}

// The raw text of a JSON string whose content starts at p (after the opening quote), up to its
// closing quote; escapes are kept as written. Bounded by end.
[[gnu::cold]] std::string_view RawStringAt(const char* p, const char* end) {
  const char* q = p;
  while (q < end && *q != '"') q += (*q == '\\') ? 2 : 1;
  if (q > end) q = end;
  return std::string_view(p, static_cast<size_t>(q - p));
}

[[gnu::cold]] std::string TypeWord(od::json_type t) {
  switch (t) {
    case od::json_type::array:
      return "an array";
    case od::json_type::object:
      return "an object";
    case od::json_type::number:
      return "a number";
    case od::json_type::string:
      return "a string";
    case od::json_type::boolean:
      return "a boolean";
    case od::json_type::null:
      return "null";
  }
  return "something else";
}

// What a value is, for "must be X, got Y": scalars by their text, containers by their kind.
[[gnu::cold]] std::string Describe(od::value& v) {
  od::json_type t;
  if (v.type().get(t)) return "invalid JSON";
  if (t == od::json_type::array || t == od::json_type::object) return TypeWord(t);
  std::string_view tok = v.raw_json_token();
  while (!tok.empty() && (tok.back() == ' ' || tok.back() == '\t' || tok.back() == '\n' || tok.back() == '\r'))
    tok.remove_suffix(1);
  if (t == od::json_type::string && tok.size() >= 2) return TypeWord(t) + " " + Quoted(tok.substr(1, tok.size() - 2));
  return TypeWord(t) + " " + std::string(tok.substr(0, 40));
}

// "must be a string" for a value that is not one; a string that failed to unescape holds a bad
// escape ("\q", a lone surrogate).
[[gnu::cold]] std::string NotAString(const char* key, const char* what, od::value& v) {
  od::json_type t;
  if (!v.type().get(t) && t == od::json_type::string)
    return Cat("\"", key, "\" holds an invalid JSON escape: ", Describe(v));
  return Cat("\"", key, "\" must be ", what, ", got ", Describe(v));
}

// ---- names ----

template <typename Id>
class NameTable {
 public:
  void Add(const std::string& name, Id id) { entries_.emplace_back(name, id); }
  // The id of `name`, or Invalid().
  Id Find(std::string_view name) const noexcept {
    for (const auto& [n, id] : entries_)
      if (n.size() == name.size() && std::memcmp(n.data(), name.data(), name.size()) == 0) return id;
    return Id::Invalid();
  }
  std::string Names() const {
    std::string s;
    for (const auto& [n, id] : entries_) {
      if (!s.empty()) s += ", ";
      s += n;
    }
    return s.empty() ? "none" : s;
  }

 private:
  std::vector<std::pair<std::string, Id>> entries_;
};

// ---- levels ----

inline const char* SkipWs(const char* p, const char* end) noexcept {
  while (p != end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) ++p;
  return p;
}

// What went wrong in a level array. Texts are kept as pointers (the first byte inside the
// string) and read only when the message is written: the hot path copies no views.
struct LevelError {
  enum class Code : uint8_t {
    kNone = 0,
    kShape,             // not an array of ["price", "qty"] string pairs
    kTooMany,           // more than kMaxEventLevels
    kBadPrice,          // price text is not a decimal at Price's scale
    kBadQty,            // qty text is not a decimal at Qty's scale (or negative)
    kPriceNotPositive,  // price <= 0
    kOutOfOrder,        // not strictly descending (bids) / ascending (asks)
  };
  Code code = Code::kNone;
  int index = 0;
  DecimalError decimal = DecimalError::kOk;
  const char* text = nullptr;       // the offending price or quantity
  const char* prev_text = nullptr;  // kOutOfOrder: the price of the level before
  const char* end = nullptr;        // end of the array's text (bounds the texts)
};

// A decimal read from a JSON string: `next` is the byte after its closing quote and `raw` its
// value, or next == nullptr and `error` says why. Returned by value: it comes back in two
// registers, so the scanning loop keeps it out of memory.
struct QuotedValue {
  const char* next;
  union {
    int64_t raw;
    DecimalError error;
  };
};

// The part of QuotedDecimal that the vector path does not take: anything unusual, and every
// error. Out of line: the vector path is what runs per level.
[[gnu::noinline]] QuotedValue QuotedDecimalSlow(const char* p, const char* end, int scale) noexcept {
  std::string_view text;
  int64_t raw = 0;
  DecimalError err = DecimalError::kOk;
  QuotedValue v;
  v.next = decimal_internal::ParseQuotedRawScalar(p, end, scale, &raw, &text, &err);
  if (v.next == nullptr) {
    v.error = err;
  } else {
    v.raw = raw;
  }
  return v;
}

// Parses the non-negative decimal in the JSON string at p (which must point at its opening
// quote); an escape or an unterminated string is kBadChar.
inline QuotedValue QuotedDecimal(const char* p, const char* end, int scale) noexcept {
#if defined(__SSE4_1__)
  if (end - p >= 17) {
    uint64_t acc = 0;
    int len = 0;
    if (decimal_internal::Decimal16(p + 1, scale, &acc, &len) && p[1 + len] == '"') {
      QuotedValue v;
      v.next = p + len + 2;
      v.raw = static_cast<int64_t>(acc);
      return v;
    }
  }
#endif
  return QuotedDecimalSlow(p, end, scale);
}

// Scans the level array that starts at p (its '[') into out[0..*count) and sets *after to the
// byte after its closing ']'; never reads at or past `end` except the 16-byte decimal loads,
// which the line's padding covers. Everything is checked here: the shape, each decimal,
// prices > 0, qty >= 0, strict order (kAscending: asks) and the level limit. *best_text: the
// best price's text (for the crossed-book message) when there is a level.
template <bool kAscending>
[[gnu::flatten]] LevelError ScanLevels(const char* p, const char* const end, Level* out, int* count,
                                       const char** best_text, const char** after) noexcept {
  int n = 0;
  const char* prev_text = nullptr;
  LevelError err;
  err.end = end;
  auto fail = [&](LevelError::Code c) {
    err.code = c;
    err.index = n;
    return err;
  };
  if (p == end || *p != '[') return fail(LevelError::Code::kShape);
  p = SkipWs(p + 1, end);
  if (p != end && *p == ']') {
    *count = 0;
    *after = p + 1;
    return err;
  }
  int64_t prev = 0;
  for (;;) {
    if (p == end || *p != '[') return fail(LevelError::Code::kShape);
    if (n == kMaxEventLevels) return fail(LevelError::Code::kTooMany);
    p = SkipWs(p + 1, end);
    if (p == end || *p != '"') return fail(LevelError::Code::kShape);
    const char* const px_text = p + 1;
    const QuotedValue px = QuotedDecimal(p, end, Price::kDecimals);
    if (px.next == nullptr) {
      err.decimal = px.error;
      err.text = px_text;
      return fail(LevelError::Code::kBadPrice);
    }
    const int64_t px_raw = px.raw;
    if (px_raw <= 0) {
      err.text = px_text;
      return fail(LevelError::Code::kPriceNotPositive);
    }
    if (n == 0) {
      *best_text = px_text;
    } else if (kAscending ? px_raw <= prev : px_raw >= prev) {
      err.text = px_text;
      err.prev_text = prev_text;
      return fail(LevelError::Code::kOutOfOrder);
    }
    prev = px_raw;
    prev_text = px_text;
    p = SkipWs(px.next, end);
    if (p == end || *p != ',') return fail(LevelError::Code::kShape);
    p = SkipWs(p + 1, end);
    if (p == end || *p != '"') return fail(LevelError::Code::kShape);
    const QuotedValue qty = QuotedDecimal(p, end, Qty::kDecimals);
    if (qty.next == nullptr) {
      err.decimal = qty.error;
      err.text = p + 1;
      return fail(LevelError::Code::kBadQty);
    }
    p = SkipWs(qty.next, end);
    if (p == end || *p != ']') return fail(LevelError::Code::kShape);
    out[n].px = Price::FromRaw(px_raw);
    out[n].qty = Qty::FromRaw(qty.raw);
    ++n;
    p = SkipWs(p + 1, end);
    if (p != end && *p == ',') {
      p = SkipWs(p + 1, end);
      continue;
    }
    if (p != end && *p == ']') break;
    return fail(LevelError::Code::kShape);
  }
  *count = n;
  *after = p + 1;
  return err;
}

// Bit i set: byte p[i] is a '"', for i in [0, 64). Reads 64 bytes from p.
inline uint64_t QuoteMask64(const char* p) noexcept {
// Two 256-bit compares, not one 512-bit: as fast here (measured), and no AVX-512 frequency
// licence on the servers desks run this on.
#if defined(__AVX2__)
  const __m256i q = _mm256_set1_epi8('"');
  const uint32_t lo = static_cast<uint32_t>(
      _mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)), q)));
  const uint32_t hi = static_cast<uint32_t>(
      _mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32)), q)));
  return uint64_t{lo} | (uint64_t{hi} << 32);
#else
  uint64_t m = 0;
  for (int i = 0; i < 64; ++i) m |= uint64_t{p[i] == '"'} << i;
  return m;
#endif
}

// The level array at p (its '[') in the compact form writers use — `[["px","qty"],...]`, no
// whitespace, each level within 64 bytes, every decimal short enough for the vector parser —
// read without the scalar scan's byte-by-byte chain: each level's four quotes come from one
// 64-byte compare, so the next level's position never waits for a decimal to be parsed, and
// the decimals of successive levels overlap. Returns true with the same results ScanLevels
// gives for such an array (and every level good); false on anything else, having written only
// `out` and *best_text: ScanLevels then reads the array and its verdict stands. Reads up to 64
// bytes past any level (the line's padding covers the last); uses no byte at or past `end`.
template <bool kAscending>
[[gnu::always_inline]] inline bool ScanLevelsCompact(const char* p, const char* const end, Level* out, int* count,
                                                     const char** best_text, const char** after) noexcept {
#if defined(__SSE4_1__)
  if (end - p < 3 || p[0] != '[' || p[1] != '[') return false;
  const char* lv = p + 1;  // a level's '['
  int n = 0;
  int64_t prev = 0;
  for (;;) {
    // Quotes at lv+1 (px open), a (px close), a+2 (qty open), b (qty close), relative to lv+1.
    uint64_t m = QuoteMask64(lv + 1);
    if ((m & 1) == 0) return false;
    m &= m - 1;
    if (m == 0) return false;
    const int a = __builtin_ctzll(m);
    m &= m - 1;
    if (m == 0 || __builtin_ctzll(m) != a + 2) return false;
    m &= m - 1;
    if (m == 0) return false;
    const int b = __builtin_ctzll(m);
    const char* const px_text = lv + 2;
    const char* const qty_text = lv + 1 + a + 3;
    const char* const close = lv + 1 + b + 1;  // the level's ']'
    if (close + 1 >= end || lv[1 + a + 1] != ',' || *close != ']') return false;
    if (n == kMaxEventLevels) return false;
    uint64_t px = 0, qty = 0;
    int px_len = 0, qty_len = 0;
    if (!decimal_internal::Decimal16(px_text, Price::kDecimals, &px, &px_len) || px_len != a - 1) return false;
    if (!decimal_internal::Decimal16(qty_text, Qty::kDecimals, &qty, &qty_len) || qty_len != b - a - 3) return false;
    const int64_t px_raw = static_cast<int64_t>(px);
    if (px_raw <= 0) return false;
    if (n == 0) {
      *best_text = px_text;
    } else if (kAscending ? px_raw <= prev : px_raw >= prev) {
      return false;
    }
    prev = px_raw;
    out[n].px = Price::FromRaw(px_raw);
    out[n].qty = Qty::FromRaw(static_cast<int64_t>(qty));
    ++n;
    if (close[1] == ']') {
      *count = n;
      *after = close + 2;
      return true;
    }
    if (close[1] != ',' || close + 2 >= end || close[2] != '[') return false;
    lv = close + 2;
  }
#else
  (void)p, (void)end, (void)out, (void)count, (void)best_text, (void)after;
  return false;
#endif
}

// The level array `span` as On-Demand delimits it (exactly the array, maybe trailing spaces).
template <bool kAscending>
LevelError ScanLevelSpan(std::string_view span, Level* out, int* count, const char** best_text) noexcept {
  const char* const end = span.data() + span.size();
  const char* after = nullptr;
  LevelError err = ScanLevels<kAscending>(SkipWs(span.data(), end), end, out, count, best_text, &after);
  if (err.code == LevelError::Code::kNone && SkipWs(after, end) != end) {
    err.code = LevelError::Code::kShape;  // cannot happen for a span On-Demand matched; kept strict
    err.index = *count;
  }
  return err;
}

// The rest of a book line read in place from the '[' of its "bids" or "asks" value (`first`):
// that side's levels, then the closing brace, or `,"<other side>":` with its levels and then
// the closing brace; then only whitespace to the end of the line. True when all of that holds
// and every level is good: the line is complete, and On-Demand need not step its iterator over
// every level token (which costs more than the scan). *consumed: the keys read. False on
// anything else, having written only e's levels and the best-price texts; On-Demand then reads
// the same bytes and its verdict, error included, stands.
bool LevelsInPlace(const char* p, const char* const end, uint32_t first, uint32_t seen, bool compact_levels, Event* e,
                   const char** best_bid_text, const char** best_ask_text, uint32_t* consumed) noexcept {
  auto scan = [&](uint32_t side, const char* at) -> const char* {
    const char* after = nullptr;
    if (compact_levels) {
      const bool ok = side == kKeyBids
                          ? ScanLevelsCompact<false>(at, end, e->bids.data(), &e->bid_count, best_bid_text, &after)
                          : ScanLevelsCompact<true>(at, end, e->asks.data(), &e->ask_count, best_ask_text, &after);
      if (ok) return after;
    }
    const LevelError le = side == kKeyBids
                              ? ScanLevels<false>(at, end, e->bids.data(), &e->bid_count, best_bid_text, &after)
                              : ScanLevels<true>(at, end, e->asks.data(), &e->ask_count, best_ask_text, &after);
    return le.code == LevelError::Code::kNone ? after : nullptr;
  };
  p = scan(first, p);
  if (p == nullptr) return false;
  *consumed = first;
  p = SkipWs(p, end);
  if (p != end && *p == ',') {
    const uint32_t other = first == kKeyBids ? kKeyAsks : kKeyBids;
    if (seen & other) return false;  // a repeated key: On-Demand names it
    const char* const key = other == kKeyBids ? "\"bids\"" : "\"asks\"";
    p = SkipWs(p + 1, end);
    if (end - p < 6 || std::memcmp(p, key, 6) != 0) return false;
    p = SkipWs(p + 6, end);
    if (p == end || *p != ':') return false;
    p = scan(other, SkipWs(p + 1, end));
    if (p == nullptr) return false;
    *consumed |= other;
    p = SkipWs(p, end);
  }
  if (p == end || *p != '}') return false;
  return SkipWs(p + 1, end) == end;
}

// `lit` at p (bounded by end).
template <size_t N>
inline bool LiteralAt(const char* p, const char* end, const char (&lit)[N]) noexcept {
  return end - p >= static_cast<std::ptrdiff_t>(N - 1) && std::memcmp(p, lit, N - 1) == 0;
}

// A name string's content at p up to its closing quote: printable ASCII without '"' or '\\' (so
// no escapes and valid UTF-8: the raw text is the string). Returns the closing quote, or nullptr.
inline const char* PlainNameAt(const char* p, const char* end) noexcept {
  for (; p != end; ++p) {
    const unsigned char c = static_cast<unsigned char>(*p);
    if (c == '"') return p;
    if (c < 0x20 || c > 0x7e || c == '\\') return nullptr;
  }
  return nullptr;
}

// The non-negative JSON integer at p that fits int64 (no sign, no leading zero but "0" itself);
// returns the byte after it, or nullptr for anything else.
inline const char* PlainIntAt(const char* p, const char* end, int64_t* v) noexcept {
  const char* q = p;
  uint64_t acc = 0;
  while (q != end && q - p < 19 && *q >= '0' && *q <= '9') acc = acc * 10 + static_cast<uint64_t>(*q++ - '0');
  const std::ptrdiff_t n = q - p;  // 19 digits stay below 2^64
  if (n == 0 || (n > 1 && *p == '0') || (q != end && *q >= '0' && *q <= '9') ||
      acc > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    return nullptr;
  *v = static_cast<int64_t>(acc);
  return q;
}

[[gnu::cold]] std::string LevelErrorText(const char* side, const LevelError& e) {
  const std::string text = e.text ? Quoted(RawStringAt(e.text, e.end)) : "";
  const std::string at = Cat("\"", side, "\"[", e.index, "]");
  switch (e.code) {
    case LevelError::Code::kNone:
      return "";
    case LevelError::Code::kShape:
      return Cat("\"", side, "\" must be an array of [\"price\", \"qty\"] string pairs (", at, " is not one)");
    case LevelError::Code::kTooMany:
      return Cat("\"", side, "\" has more than ", kMaxEventLevels, " levels (the limit, kMaxEventLevels)");
    case LevelError::Code::kBadPrice:
      if (e.decimal == DecimalError::kSignNotAllowed) return Cat(at, " price ", text, " must be positive");
      return Cat(at, " price ", text, " is not a decimal price: ", DecimalErrorText(e.decimal));
    case LevelError::Code::kBadQty:
      if (e.decimal == DecimalError::kSignNotAllowed) return Cat(at, " qty ", text, " must not be negative");
      return Cat(at, " qty ", text, " is not a decimal quantity: ", DecimalErrorText(e.decimal));
    case LevelError::Code::kPriceNotPositive:
      return Cat(at, " price ", text, " must be positive");
    case LevelError::Code::kOutOfOrder: {
      const bool asks = side[0] == 'a';
      return Cat(at, " price ", text, asks ? " is not above " : " is not below ", "\"", side, "\"[", e.index - 1,
                 "] price ", Quoted(RawStringAt(e.prev_text, e.end)), " (", side,
                 asks ? " must be strictly ascending" : " must be strictly descending", ", best first)");
    }
  }
  return "";
}

}  // namespace

// ---- the reader ----

struct EventReader::Impl {
  Impl() : parser(static_cast<size_t>(kMaxEventLineBytes)) {}
  ~Impl() {
    if (fd >= 0) ::close(fd);
    if (map != nullptr) ::munmap(map, map_size);
  }

  // A regular file is mapped whole instead of read: the kernel's copy into the buffer was a
  // tenth of a backtest's time. The mapping sits at the start of an anonymous reservation one
  // page longer, so the last line has zero padding after it as the in-place scanners need (a
  // page wholly past the end of a mapped file would fault). False (nothing changed) for a pipe
  // or anything that cannot be mapped: the read path takes it.
  bool MapWhole() {
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) return false;
    const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    const size_t size = static_cast<size_t>(st.st_size);
    const size_t reserve = (size + page - 1) / page * page + page;
    static_assert(simdjson::SIMDJSON_PADDING <= 4096);
    void* r = ::mmap(nullptr, reserve, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r == MAP_FAILED) return false;
    void* f = ::mmap(r, size, PROT_READ, MAP_PRIVATE | MAP_FIXED | MAP_POPULATE, fd, 0);
    if (f == MAP_FAILED) {
      ::munmap(r, reserve);
      return false;
    }
    ::madvise(f, size, MADV_SEQUENTIAL);
    map = static_cast<char*>(f);
    map_size = reserve;
    base = map;
    capacity = end = size;
    eof = true;
    return true;
  }

  // Input: bytes [begin, end) of buf are read and not yet consumed; no '\n' in [begin, scanned).
  // buf always has SIMDJSON_PADDING bytes past its capacity, so a line parses in place.
  std::string source;  // the file path, for read errors
  int fd = -1;
  bool eof = false;
  std::vector<char> buf;
  char* map = nullptr;   // the whole file when it is mapped (MapWhole), else null
  size_t map_size = 0;
  char* base = nullptr;  // the input: buf.data(), or map
  size_t capacity = 0;
  size_t begin = 0;
  size_t end = 0;
  size_t scanned = 0;

  int64_t line = 0;
  bool have_prev = false;
  int64_t prev_t = 0;
  absl::Status sticky;          // the first error, repeated by every later Next()
  bool in_place_levels = true;  // LevelsInPlace before On-Demand (set_in_place_levels)
  bool compact_levels = true;   // ScanLevelsCompact before ScanLevels (set_compact_levels)

  od::parser parser;
  std::string raw_buf;  // the last raw message, unescaped, then kEventRawPadding zero bytes

  NameTable<VenueId> venues;
  NameTable<InstrumentId> instruments;
  NameTable<AssetId> assets;
  std::array<std::bitset<kMaxInstruments>, kMaxVenues> listed{};  // instruments each venue lists

  void Setup(const config::Config& c) {
    for (const auto& v : c.venues) {
      venues.Add(v.name, v.id);
      if (v.id.value < kMaxVenues)
        for (const auto& s : v.symbols)
          if (s.instrument.value < kMaxInstruments) listed[v.id.value].set(s.instrument.value);
    }
    for (const auto& i : c.instruments) instruments.Add(i.name, i.id);
    for (const auto& a : c.assets) assets.Add(a.name, a.id);
    const simdjson::error_code e = parser.allocate(kInitialParserCapacity);
    if (e != simdjson::SUCCESS) sticky = absl::ResourceExhaustedError("cannot allocate the event parser");
  }

  [[gnu::cold]] absl::Status Error(std::string_view what) const {
    return absl::InvalidArgumentError(Cat("line ", line, ": ", what));
  }

  // Reads more input: moves the unread tail to the front, grows the buffer when a line fills
  // it, and reads up to the capacity.
  absl::Status Fill() {
    if (begin > 0) {
      std::memmove(base, base + begin, end - begin);
      end -= begin;
      scanned -= begin;
      begin = 0;
    }
    if (end == capacity) {
      if (static_cast<int64_t>(capacity) >= kMaxEventLineBytes)
        return absl::InvalidArgumentError(
            Cat("line ", line + 1, ": longer than ", kMaxEventLineBytes, " bytes (kMaxEventLineBytes)"));
      capacity *= 2;
      buf.resize(capacity + simdjson::SIMDJSON_PADDING);
      base = buf.data();
    }
    for (;;) {
      const ssize_t n = ::read(fd, base + end, capacity - end);
      if (n > 0) {
        end += static_cast<size_t>(n);
        return absl::OkStatus();
      }
      if (n == 0) {
        eof = true;
        return absl::OkStatus();
      }
      if (errno != EINTR)
        return absl::InternalError(Cat("reading ", source, " after line ", line, " failed: ", std::strerror(errno)));
    }
  }

  // The next line (without its '\n'), or false at the end of the input.
  absl::StatusOr<bool> NextLine(const char** data, size_t* len) {
    for (;;) {
      if (scanned < end) {
        const void* nl = std::memchr(base + scanned, '\n', end - scanned);
        if (nl != nullptr) {
          const size_t at = static_cast<size_t>(static_cast<const char*>(nl) - base);
          *data = base + begin;
          *len = at - begin;
          begin = scanned = at + 1;
          ++line;
          return true;
        }
        scanned = end;
      }
      if (eof || fd < 0) {
        eof = true;
        if (begin == end) return false;
        *data = base + begin;
        *len = end - begin;
        begin = scanned = end;
        ++line;
        return true;
      }
      absl::Status st = Fill();
      if (!st.ok()) return st;
    }
  }

  absl::Status ParseLine(const char* data, size_t len, Event* e);
  bool CanonicalBook(const char* p, const char* end, Event* e, int64_t* t, std::string_view* venue_text,
                     std::string_view* instrument_text, const char** best_bid_text, const char** best_ask_text) const;
  absl::Status Accept(Event* e, int64_t t, std::string_view venue_text, std::string_view instrument_text,
                      const char* best_bid_text, const char* best_ask_text, const char* line_end);
};

// A book line in the one form writers produce —
//   {"t":N,"type":"book","venue":"V","instrument":"I","bids":[["p","q"],...],"asks":[...]}
// keys in this order, no whitespace, plain names (known to the config), compact non-empty level
// arrays — read without On-Demand: a line of this exact shape is valid JSON whose values are
// these, so On-Demand could only agree. Returns true with the event's fields, its time (not yet
// checked against the previous line) and the texts Accept quotes; false on anything else, having
// written only e's levels: ParseLine then reads the line with On-Demand and its verdict stands.
bool EventReader::Impl::CanonicalBook(const char* p, const char* const end, Event* e, int64_t* t,
                                      std::string_view* venue_text, std::string_view* instrument_text,
                                      const char** best_bid_text, const char** best_ask_text) const {
  if (!LiteralAt(p, end, "{\"t\":")) return false;
  p = PlainIntAt(p + 5, end, t);
  if (p == nullptr || !LiteralAt(p, end, ",\"type\":\"book\",\"venue\":\"")) return false;
  const char* const venue = p + 24;
  p = PlainNameAt(venue, end);
  if (p == nullptr) return false;
  *venue_text = std::string_view(venue, static_cast<size_t>(p - venue));
  if (!LiteralAt(p, end, "\",\"instrument\":\"")) return false;
  const char* const instrument = p + 16;
  p = PlainNameAt(instrument, end);
  if (p == nullptr) return false;
  *instrument_text = std::string_view(instrument, static_cast<size_t>(p - instrument));
  e->venue = venues.Find(*venue_text);
  e->instrument = instruments.Find(*instrument_text);
  if (!e->venue.valid() || !e->instrument.valid()) return false;  // the slow path names it
  if (!LiteralAt(p, end, "\",\"bids\":")) return false;
  const char* after = nullptr;
  if (!ScanLevelsCompact<false>(p + 9, end, e->bids.data(), &e->bid_count, best_bid_text, &after)) return false;
  if (!LiteralAt(after, end, ",\"asks\":")) return false;
  if (!ScanLevelsCompact<true>(after + 8, end, e->asks.data(), &e->ask_count, best_ask_text, &after)) return false;
  if (end - after != 1 || *after != '}') return false;
  e->kind = Event::Kind::kBook;
  return true;
}

namespace {

// Reads a name value (venue, instrument, asset, type, msg) as an unescaped string.
inline bool GetString(od::value& v, std::string_view* out) noexcept { return !v.get_string().get(*out); }

}  // namespace

absl::Status EventReader::Impl::ParseLine(const char* data, size_t len, Event* e) {
  if (len > 0 && data[len - 1] == '\r') --len;  // CRLF files
  if (len == 0) return Error("empty line");
  if (static_cast<int64_t>(len) > kMaxEventLineBytes)
    return Error(Cat("longer than ", kMaxEventLineBytes, " bytes (kMaxEventLineBytes)"));

  e->line = line;
  e->instrument = InstrumentId::Invalid();
  e->asset = AssetId::Invalid();
  e->free = Amount::Zero();
  e->bid_count = 0;
  e->ask_count = 0;
  e->raw = std::string_view();

  if (in_place_levels && compact_levels) {
    int64_t t = 0;
    std::string_view venue_text, instrument_text;
    const char* best_bid_text = nullptr;
    const char* best_ask_text = nullptr;
    if (CanonicalBook(data, data + len, e, &t, &venue_text, &instrument_text, &best_bid_text, &best_ask_text))
      return Accept(e, t, venue_text, instrument_text, best_bid_text, best_ask_text, data + len);
    e->venue = VenueId::Invalid();
    e->instrument = InstrumentId::Invalid();
    e->bid_count = 0;
    e->ask_count = 0;
  }

  od::document doc;
  simdjson::error_code err = parser.iterate(data, len, len + simdjson::SIMDJSON_PADDING).get(doc);
  if (err) return Error(Cat("not valid JSON (", simdjson::error_message(err), ")"));
  od::object obj;
  err = doc.get_object().get(obj);
  if (err == simdjson::INCORRECT_TYPE) return Error("not a JSON object");
  if (err) return Error(Cat("not valid JSON (", simdjson::error_message(err), ")"));

  uint32_t seen = 0;
  bool finished_in_place = false;  // LevelsInPlace read the line to its end
  int64_t t = 0;
  std::string_view type_text;
  std::string_view venue_text;
  std::string_view instrument_text;
  const char* best_bid_text = nullptr;  // inside the line: quoted only in the crossed-book message
  const char* best_ask_text = nullptr;
  for (auto field : obj) {
    od::raw_json_string key;
    if ((err = field.key().get(key))) return Error(Cat("not valid JSON (", simdjson::error_message(err), ")"));
    const uint32_t bit = KeyBitOf(key.raw());
    if (bit == 0) {
      return Error(Cat("unknown key ", Quoted(RawStringAt(key.raw(), data + len)),
                       " (keys: book: t, type, venue, instrument, bids, asks; balance: t, type, venue, "
                       "asset, free; raw: t, type, venue, msg)"));
    }
    if (seen & bit) return Error(Cat("duplicate key \"", KeyName(bit), "\""));
    seen |= bit;
    od::value v;
    if ((err = field.value().get(v))) return Error(Cat("not valid JSON (", simdjson::error_message(err), ")"));
    switch (bit) {
      case kKeyT: {
        od::json_type jt;
        if (v.type().get(jt) || jt != od::json_type::number || v.get_int64().get(t))
          return Error(Cat("\"t\" must be an integer number of nanoseconds, got ", Describe(v)));
        if (t < 0) return Error(Cat("\"t\" ", t, " is negative (nanoseconds since the epoch)"));
        break;
      }
      case kKeyType:
        if (!GetString(v, &type_text)) return Error(NotAString("type", "a string", v));
        if (type_text == "book") {
          e->kind = Event::Kind::kBook;
        } else if (type_text == "balance") {
          e->kind = Event::Kind::kBalance;
        } else if (type_text == "raw") {
          e->kind = Event::Kind::kRaw;
        } else {
          return Error(Cat("unknown \"type\" ", Quoted(type_text), " (book, balance, raw)"));
        }
        break;
      case kKeyVenue:
        if (!GetString(v, &venue_text)) return Error(NotAString("venue", "a string", v));
        e->venue = venues.Find(venue_text);
        if (!e->venue.valid())
          return Error(Cat("\"venue\": unknown venue ", Quoted(venue_text), " (the config has ", venues.Names(), ")"));
        break;
      case kKeyInstrument:
        if (!GetString(v, &instrument_text)) return Error(NotAString("instrument", "a string", v));
        e->instrument = instruments.Find(instrument_text);
        if (!e->instrument.valid())
          return Error(Cat("\"instrument\": unknown instrument ", Quoted(instrument_text), " (the config has ",
                           instruments.Names(), ")"));
        break;
      case kKeyAsset: {
        std::string_view a;
        if (!GetString(v, &a)) return Error(NotAString("asset", "a string", v));
        e->asset = assets.Find(a);
        if (!e->asset.valid())
          return Error(Cat("\"asset\": unknown asset ", Quoted(a), " (the config has ", assets.Names(), ")"));
        break;
      }
      case kKeyFree: {
        od::raw_json_string r;
        od::json_type jt;
        if (v.type().get(jt) || jt != od::json_type::string || v.get_raw_json_string().get(r))
          return Error(Cat("\"free\" must be a decimal string like \"100.5\", got ", Describe(v)));
        const std::string_view text = RawStringAt(r.raw(), data + len);
        const ParseResult<Amount> a = ParseDecimal<Amount>(text, Sign::kNonNegative);
        if (!a.ok()) {
          if (a.error == DecimalError::kSignNotAllowed)
            return Error(Cat("\"free\" ", Quoted(text), " must not be negative"));
          return Error(Cat("\"free\" ", Quoted(text), " is not a decimal amount: ", DecimalErrorText(a.error)));
        }
        e->free = a.value;
        break;
      }
      case kKeyBids:
      case kKeyAsks: {
        const bool bids = bit == kKeyBids;
        const char* side = bids ? "bids" : "asks";
        od::json_type jt;
        if (v.type().get(jt) || jt != od::json_type::array)
          return Error(Cat("\"", side, "\" must be an array of [\"price\", \"qty\"] string pairs, got ", Describe(v)));
        uint32_t consumed = 0;
        if (in_place_levels && LevelsInPlace(v.raw_json_token().data(), data + len, bit, seen, compact_levels, e, &best_bid_text,
                                             &best_ask_text, &consumed)) {
          seen |= consumed;
          finished_in_place = true;
          break;
        }
        od::array arr;
        std::string_view span;
        if ((err = v.get_array().get(arr)) || (err = arr.raw_json().get(span)))
          return Error(Cat("not valid JSON (", simdjson::error_message(err), ")"));
        const LevelError le = bids ? ScanLevelSpan<false>(span, e->bids.data(), &e->bid_count, &best_bid_text)
                                   : ScanLevelSpan<true>(span, e->asks.data(), &e->ask_count, &best_ask_text);
        if (le.code != LevelError::Code::kNone) return Error(LevelErrorText(side, le));
        break;
      }
      case kKeyMsg: {
        std::string_view m;
        if (!GetString(v, &m)) return Error(NotAString("msg", "a JSON string", v));
        if (m.empty()) return Error("\"msg\" is empty (a raw event carries one venue message)");
        raw_buf.assign(m);
        raw_buf.append(kEventRawPadding, '\0');
        e->raw = std::string_view(raw_buf.data(), m.size());
        break;
      }
      default:
        break;
    }
    if (finished_in_place) break;  // the rest of the line is read; the iterator stays behind
  }
  // Anything after the object ({"t":1}{"t":2}): the iterator has not reached the end.
  const char* trailing = nullptr;
  if (!finished_in_place && !doc.current_location().get(trailing))
    return Error(Cat("unexpected text after the JSON object: ",
                     Quoted(std::string_view(trailing, static_cast<size_t>(data + len - trailing)))));

  if (!(seen & kKeyType)) return Error("missing \"type\" (book, balance or raw)");
  const uint32_t want = e->kind == Event::Kind::kBook      ? kBookKeys
                        : e->kind == Event::Kind::kBalance ? kBalanceKeys
                                                           : kRawKeys;
  if (const uint32_t extra = seen & ~want) {
    return Error(
        Cat("\"", KeyName(extra), "\" is not a key of a ", EventKindName(e->kind), " event (", KeyList(want), ")"));
  }
  if (const uint32_t missing = want & ~seen) {
    return Error(
        Cat("missing \"", KeyName(missing), "\" (a ", EventKindName(e->kind), " event has ", KeyList(want), ")"));
  }
  return Accept(e, t, venue_text, instrument_text, best_bid_text, best_ask_text, data + len);
}

// The checks every event passes last, whichever way it was read: time order, and for a book
// the instrument's listing and an uncrossed top. Then the event is taken.
absl::Status EventReader::Impl::Accept(Event* e, int64_t t, std::string_view venue_text,
                                       std::string_view instrument_text, const char* best_bid_text,
                                       const char* best_ask_text, const char* line_end) {
  if (have_prev && t < prev_t) return Error(Cat("\"t\" ", t, " goes back in time (previous ", prev_t, ")"));
  if (e->kind == Event::Kind::kBook) {
    // Config ids are below the caps (config.cc refuses more); checked anyway: no out-of-range read.
    if (e->venue.value >= kMaxVenues || e->instrument.value >= kMaxInstruments ||
        !listed[e->venue.value][e->instrument.value])
      return Error(Cat("\"instrument\": ", Quoted(instrument_text), " is not listed on venue ", Quoted(venue_text),
                       " (its symbols in the config)"));
    if (e->bid_count > 0 && e->ask_count > 0 && e->bids[0].px >= e->asks[0].px)
      return Error(Cat("crossed book: best bid ", Quoted(RawStringAt(best_bid_text, line_end)), " >= best ask ",
                       Quoted(RawStringAt(best_ask_text, line_end))));
  }
  e->t = t;
  prev_t = t;
  have_prev = true;
  return absl::OkStatus();
}

EventReader::EventReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EventReader::EventReader(EventReader&&) noexcept = default;
EventReader& EventReader::operator=(EventReader&&) noexcept = default;
EventReader::~EventReader() = default;

absl::StatusOr<EventReader> EventReader::Open(const std::string& path, const config::Config& config) {
  auto impl = std::make_unique<Impl>();
  impl->source = path;
  impl->fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (impl->fd < 0) return absl::NotFoundError(Cat("cannot open event file ", path, ": ", std::strerror(errno)));
  if (!impl->MapWhole()) {
    impl->capacity = kReadChunk;
    impl->buf.resize(impl->capacity + simdjson::SIMDJSON_PADDING);
    impl->base = impl->buf.data();
  }
  impl->Setup(config);
  return EventReader(std::move(impl));
}

EventReader EventReader::FromText(std::string_view text, const config::Config& config) {
  auto impl = std::make_unique<Impl>();
  impl->source = "<text>";
  impl->eof = true;
  impl->capacity = text.size();
  impl->buf.resize(text.size() + simdjson::SIMDJSON_PADDING);
  impl->base = impl->buf.data();
  if (!text.empty()) std::memcpy(impl->base, text.data(), text.size());
  impl->end = text.size();
  impl->Setup(config);
  return EventReader(std::move(impl));
}

absl::StatusOr<bool> EventReader::Next(Event* e) {
  Impl& m = *impl_;
  if (!m.sticky.ok()) return m.sticky;
  const char* data = nullptr;
  size_t len = 0;
  absl::StatusOr<bool> got = m.NextLine(&data, &len);
  if (!got.ok()) {
    m.sticky = got.status();
    return m.sticky;
  }
  if (!*got) return false;
  absl::Status st = m.ParseLine(data, len, e);
  if (!st.ok()) {
    m.sticky = st;
    return st;
  }
  return true;
}

int64_t EventReader::line() const noexcept { return impl_->line; }

void EventReader::set_in_place_levels(bool on) noexcept { impl_->in_place_levels = on; }

void EventReader::set_compact_levels(bool on) noexcept { impl_->compact_levels = on; }

// ---- --stamp ----

void AppendJsonString(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  const char* p = s.data();
  const char* const end = p + s.size();
  const char* run = p;  // start of the bytes copied as they are
  for (; p != end; ++p) {
    const unsigned char c = static_cast<unsigned char>(*p);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(run, static_cast<size_t>(p - run));
    run = p + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default: {
        const char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out->append(u, 6);
      }
    }
  }
  out->append(run, static_cast<size_t>(p - run));
  out->push_back('"');
}

absl::Status StampCapture(const std::string& venue, const std::string& in_path, int64_t start_t, int64_t every_ms,
                          std::ostream& out) {
  if (venue.empty()) return absl::InvalidArgumentError("--stamp: the venue name is empty");
  if (!simdjson::validate_utf8(venue.data(), venue.size()))
    return absl::InvalidArgumentError("--stamp: the venue name is not valid UTF-8");
  if (start_t < 0) return absl::InvalidArgumentError(Cat("--stamp: start time ", start_t, " is negative"));
  if (every_ms < 0) return absl::InvalidArgumentError(Cat("--every-ms ", every_ms, " is negative"));
  int64_t step = 0;
  if (__builtin_mul_overflow(every_ms, int64_t{1'000'000}, &step))
    return absl::InvalidArgumentError(Cat("--every-ms ", every_ms, " is too large"));
  std::ifstream in(in_path, std::ios::binary);
  if (!in) return absl::NotFoundError(Cat("cannot open capture file ", in_path, ": ", std::strerror(errno)));

  std::string venue_part;  // "venue","msg": — the same on every line
  AppendJsonString(venue, &venue_part);
  venue_part += ",\"msg\":";
  std::string line;
  std::string o;
  int64_t line_no = 0;
  int64_t k = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (!simdjson::validate_utf8(line.data(), line.size()))
      return absl::InvalidArgumentError(
          Cat(in_path, ": line ", line_no, " is not valid UTF-8 (a raw event must be a JSON string)"));
    int64_t offset = 0;
    int64_t t = 0;
    if (__builtin_mul_overflow(k, step, &offset) || __builtin_add_overflow(start_t, offset, &t))
      return absl::InvalidArgumentError(
          Cat(in_path, ": line ", line_no, ": its time is beyond the int64 range of nanoseconds"));
    o.assign("{\"t\":");
    o += std::to_string(t);
    o.append(",\"type\":\"raw\",\"venue\":");
    o.append(venue_part);
    AppendJsonString(line, &o);
    o.append("}\n");
    out.write(o.data(), static_cast<std::streamsize>(o.size()));
    if (!out) return absl::InternalError(Cat("writing the stamped events failed at input line ", line_no));
    ++k;
  }
  if (in.bad()) return absl::InternalError(Cat("reading ", in_path, " failed after line ", line_no));
  out.flush();
  if (!out) return absl::InternalError("writing the stamped events failed");
  return absl::OkStatus();
}

}  // namespace hs::backtest
