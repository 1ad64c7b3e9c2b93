#include "venues/coinbase/coinbase_parse.h"

#include <bit>
#include <cstddef>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/base/check.h"
#include "venues/common/internal/envelope.h"
#include "venues/common/internal/json.h"
#include "venues/common/internal/levels.h"

namespace hs::coinbase {

namespace od = simdjson::ondemand;
using venues::internal::GetString;
using venues::internal::GetUint;
using venues::internal::KeyIs;
using venues::internal::SkipWs;

namespace {

constexpr int kMaxExchangeLevels = 8192;  // the Exchange path is for samples and tests only
// The smallest update object the scanner accepts, {"side":"bid","price_level":"1","new_quantity":"1"},
// is 50 bytes; 48 per level bounds the levels any frame within the capacity can hold.
constexpr size_t kMinBytesPerLevel = 48;
constexpr int kMaxJsonDepth = 64;  // nesting inside values we skip

}  // namespace

struct Parser::Impl {
  Impl(size_t max, int level_cap)
      : parser(max),
        max_levels(level_cap > 0 ? level_cap : static_cast<int>(max / kMinBytesPerLevel + 16)),
        exchange_levels(max_levels < kMaxExchangeLevels ? max_levels : kMaxExchangeLevels) {
    // Size every buffer now so parsing never allocates (STYLE §8).
    HS_CHECK(parser.allocate(max) == simdjson::SUCCESS, "simdjson parser allocation failed");
    levels = std::make_unique<L2Level[]>(static_cast<size_t>(max_levels));
    events = std::make_unique<L2Event[]>(kMaxEvents);
    bids = std::make_unique<venues::WireLevel[]>(static_cast<size_t>(exchange_levels));
    asks = std::make_unique<venues::WireLevel[]>(static_cast<size_t>(exchange_levels));
    changes = std::make_unique<L2Level[]>(static_cast<size_t>(exchange_levels));
  }
  od::parser parser;
  // The l2_data fast path's copy of the envelope without `events` (see ParseL2Envelope).
  char envelope[venues::internal::kEnvelopeScratch] = {};
  int max_levels;
  int exchange_levels;
  std::unique_ptr<L2Level[]> levels;
  std::unique_ptr<L2Event[]> events;
  std::unique_ptr<venues::WireLevel[]> bids;
  std::unique_ptr<venues::WireLevel[]> asks;
  std::unique_ptr<L2Level[]> changes;
};

Parser::Parser(size_t max_message_bytes, int max_levels)
    : impl_(std::make_unique<Impl>(max_message_bytes, max_levels)) {}
Parser::~Parser() = default;

int Parser::max_levels() const noexcept { return impl_->max_levels; }

namespace {

// ---------------------------------------------------------------------------------------------
// A strict scanner for the `events` array of an envelope. It runs over input simdjson's stage 1
// already saw (UTF-8 validated) and checks the grammar itself: JSON whitespace anywhere, keys in
// any order, unknown keys with any JSON value skipped (and validated), no escapes inside the
// values we interpret. On-Demand field iteration costs tens of ns per key on this machine and
// an update carries four keys per level; this costs a few. Any deviation is an error: it never
// guesses.
//
// Reads may run up to 15 bytes past `end` (block-wise string scanning); callers pass spans inside
// a frame followed by venues::kWsPadding readable bytes. Bytes past `end` never count as content.
// ---------------------------------------------------------------------------------------------

static_assert(std::endian::native == std::endian::little, "the block string scan assumes little-endian loads");

inline bool IsHex(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Offset of the first '"', '\\' or control character in the 16 (SSE2) or 8 bytes at p, or the
// block size when there is none. Reads the whole block (the caller's padding makes it safe).
#if defined(__SSE2__)
constexpr int kStringBlock = 16;
inline int FirstSpecial(const char* p) noexcept {
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i special = _mm_or_si128(
      _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))),
      _mm_cmpeq_epi8(_mm_max_epu8(x, _mm_set1_epi8(0x1f)), _mm_set1_epi8(0x1f)));  // x <= 0x1f, unsigned
  const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(special));
  return mask == 0 ? kStringBlock : std::countr_zero(mask);
}
#else
constexpr uint64_t kOnes = 0x0101010101010101ull;
constexpr uint64_t kHighs = 0x8080808080808080ull;
// High bit set in each byte of w equal to the byte in c8 (the lowest flagged byte is exact).
inline uint64_t BytesEqual(uint64_t w, uint64_t c8) noexcept {
  const uint64_t x = w ^ c8;
  return (x - kOnes) & ~x & kHighs;
}
// High bit set in each byte below 0x20 (control characters; the lowest flagged byte is exact).
inline uint64_t BytesBelowSpace(uint64_t w) noexcept { return (w - 0x20 * kOnes) & ~w & kHighs; }
constexpr int kStringBlock = 8;
inline int FirstSpecial(const char* p) noexcept {
  uint64_t w;
  std::memcpy(&w, p, 8);
  const uint64_t m = BytesEqual(w, '"' * kOnes) | BytesEqual(w, '\\' * kOnes) | BytesBelowSpace(w);
  return m == 0 ? kStringBlock : std::countr_zero(m) / 8;
}
#endif

// A JSON string starting at p (which must be '"'). Returns the pointer after the closing quote
// and the raw content (escapes not decoded; *escaped tells), or nullptr when malformed.
const char* ScanString(const char* p, const char* end, std::string_view* content, bool* escaped) noexcept {
  if (p >= end || *p != '"') return nullptr;
  const char* const begin = ++p;
  *escaped = false;
  for (;;) {
    // A block at a time to the next quote, backslash or control character.
    const int k = FirstSpecial(p);
    p += k;
    if (p >= end) return nullptr;
    if (k == kStringBlock) continue;
    const char c = *p;
    if (c == '"') {
      *content = std::string_view(begin, static_cast<size_t>(p - begin));
      return p + 1;
    }
    if (c != '\\') return nullptr;  // control characters must be escaped
    *escaped = true;
    if (end - p < 2) return nullptr;
    const char e = p[1];
    if (e == 'u') {
      if (end - p < 6 || !IsHex(p[2]) || !IsHex(p[3]) || !IsHex(p[4]) || !IsHex(p[5])) return nullptr;
      p += 6;
    } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
      p += 2;
    } else {
      return nullptr;
    }
    if (p >= end) return nullptr;
  }
}

// True when the text at p starts with the literal (which includes its quotes).
template <size_t N>
inline bool At(const char* p, const char* end, const char (&lit)[N]) noexcept {
  return end - p >= static_cast<std::ptrdiff_t>(N - 1) && std::memcmp(p, lit, N - 1) == 0;
}

const char* ScanLiteral(const char* p, const char* end, std::string_view lit) noexcept {
  if (end - p < static_cast<std::ptrdiff_t>(lit.size()) || std::memcmp(p, lit.data(), lit.size()) != 0) return nullptr;
  return p + lit.size();
}

inline bool IsDigit(char c) noexcept { return c >= '0' && c <= '9'; }

const char* ScanNumber(const char* p, const char* end) noexcept {
  if (p != end && *p == '-') ++p;
  if (p == end || !IsDigit(*p)) return nullptr;
  if (*p == '0') {
    ++p;
  } else {
    while (p != end && IsDigit(*p)) ++p;
  }
  if (p != end && *p == '.') {
    ++p;
    if (p == end || !IsDigit(*p)) return nullptr;
    while (p != end && IsDigit(*p)) ++p;
  }
  if (p != end && (*p == 'e' || *p == 'E')) {
    ++p;
    if (p != end && (*p == '+' || *p == '-')) ++p;
    if (p == end || !IsDigit(*p)) return nullptr;
    while (p != end && IsDigit(*p)) ++p;
  }
  return p;
}

// Skips one JSON value of any kind starting at p (no leading whitespace). nullptr when malformed
// or nested deeper than kMaxJsonDepth.
const char* SkipValue(const char* p, const char* end, int depth) noexcept {
  if (p >= end) return nullptr;
  std::string_view s;
  bool esc = false;
  switch (*p) {
    case '"':
      return ScanString(p, end, &s, &esc);
    case 't':
      return ScanLiteral(p, end, "true");
    case 'f':
      return ScanLiteral(p, end, "false");
    case 'n':
      return ScanLiteral(p, end, "null");
    case '{': {
      if (depth >= kMaxJsonDepth) return nullptr;
      p = SkipWs(p + 1, end);
      if (p != end && *p == '}') return p + 1;
      for (;;) {
        p = ScanString(p, end, &s, &esc);
        if (p == nullptr) return nullptr;
        p = SkipWs(p, end);
        if (p == end || *p != ':') return nullptr;
        p = SkipValue(SkipWs(p + 1, end), end, depth + 1);
        if (p == nullptr) return nullptr;
        p = SkipWs(p, end);
        if (p != end && *p == ',') {
          p = SkipWs(p + 1, end);
          continue;
        }
        if (p != end && *p == '}') return p + 1;
        return nullptr;
      }
    }
    case '[': {
      if (depth >= kMaxJsonDepth) return nullptr;
      p = SkipWs(p + 1, end);
      if (p != end && *p == ']') return p + 1;
      for (;;) {
        p = SkipValue(p, end, depth + 1);
        if (p == nullptr) return nullptr;
        p = SkipWs(p, end);
        if (p != end && *p == ',') {
          p = SkipWs(p + 1, end);
          continue;
        }
        if (p != end && *p == ']') return p + 1;
        return nullptr;
      }
    }
    default:
      return ScanNumber(p, end);
  }
}

// After a member's value: ',' (more members, *more = true) or the closer. Else malformed.
inline const char* NextMember(const char* p, const char* end, char closer, bool* more) noexcept {
  p = SkipWs(p, end);
  if (p != end && *p == ',') {
    *more = true;
    return SkipWs(p + 1, end);
  }
  if (p != end && *p == closer) {
    *more = false;
    return p + 1;
  }
  return nullptr;
}

// After a key: ':' and the whitespace around it; returns the pointer at the value.
inline const char* AfterColon(const char* p, const char* end) noexcept {
  p = SkipWs(p, end);
  if (p == end || *p != ':') return nullptr;
  return SkipWs(p + 1, end);
}

template <typename T>
ParseStatus ScanDecimal(const char** pp, const char* end, T* out) noexcept {
  const char* p = *pp;
  if (p == end || *p != '"') return ParseStatus::kBadField;  // a number, null, object...: wrong type
  int64_t raw = 0;
  std::string_view text;
  DecimalError err = DecimalError::kOk;
  const char* next = decimal_internal::ParseQuotedRaw(p, end, T::kDecimals, &raw, &text, &err);
  if (next == nullptr) return ParseStatus::kBadNumber;
  *out = T::FromRaw(raw);
  *pp = next;
  return ParseStatus::kOk;
}

// The keys we interpret, recognised by their exact bytes (no escapes) before any general scan.
enum class Key : uint8_t { kOther = 0, kSide, kPriceLevel, kNewQuantity, kType, kProductId, kUpdates };

// Reads a key at p (which must be '"'), classifies it and returns the pointer at its value.
inline const char* ScanKey(const char* p, const char* end, Key* key) noexcept {
  if (p == end || *p != '"') return nullptr;
  switch (p[1]) {  // p[1] is readable: the padding follows end
    case 's':
      if (At(p, end, "\"side\"")) return *key = Key::kSide, AfterColon(p + 6, end);
      break;
    case 'p':
      if (At(p, end, "\"price_level\"")) return *key = Key::kPriceLevel, AfterColon(p + 13, end);
      if (At(p, end, "\"product_id\"")) return *key = Key::kProductId, AfterColon(p + 12, end);
      break;
    case 'n':
      if (At(p, end, "\"new_quantity\"")) return *key = Key::kNewQuantity, AfterColon(p + 14, end);
      break;
    case 't':
      if (At(p, end, "\"type\"")) return *key = Key::kType, AfterColon(p + 6, end);
      break;
    case 'u':
      if (At(p, end, "\"updates\"")) return *key = Key::kUpdates, AfterColon(p + 9, end);
      break;
    default:
      break;
  }
  std::string_view s;
  bool esc = false;
  *key = Key::kOther;  // event_time, and anything Coinbase may add (or a key spelled with escapes)
  p = ScanString(p, end, &s, &esc);
  return p == nullptr ? nullptr : AfterColon(p, end);
}

// A string value that must be one of our words: *which = index in words, or kBadField.
template <size_t N1, size_t N2>
ParseStatus ScanWord(const char** pp, const char* end, const char (&a)[N1], const char (&b)[N2], int* which) noexcept {
  const char* p = *pp;
  if (p == end || *p != '"') return ParseStatus::kBadField;
  if (At(p, end, a)) {
    *which = 0;
    *pp = p + N1 - 1;
    return ParseStatus::kOk;
  }
  if (At(p, end, b)) {
    *which = 1;
    *pp = p + N2 - 1;
    return ParseStatus::kOk;
  }
  std::string_view s;
  bool esc = false;
  return ScanString(p, end, &s, &esc) == nullptr ? ParseStatus::kBadJson : ParseStatus::kBadField;
}

// One entry of "updates": {"side","event_time","price_level","new_quantity"} in any order.
ParseStatus ScanUpdate(const char** pp, const char* end, L2Level* lv) noexcept {
  const char* p = SkipWs(*pp + 1, end);  // past '{'
  if (p != end && *p == '}') return ParseStatus::kMissingField;
  bool has_side = false, has_px = false, has_qty = false;
  for (bool more = true; more;) {
    Key key;
    p = ScanKey(p, end, &key);
    if (p == nullptr) return ParseStatus::kBadJson;
    switch (key) {
      case Key::kPriceLevel:
        HS_PARSE_TRY(ScanDecimal<Price>(&p, end, &lv->px));
        if (!lv->px.is_positive()) return ParseStatus::kBadNumber;
        has_px = true;
        break;
      case Key::kNewQuantity:
        HS_PARSE_TRY(ScanDecimal<Qty>(&p, end, &lv->qty));
        has_qty = true;
        break;
      case Key::kSide: {
        // "ask", "buy", ...: not Advanced Trade's vocabulary.
        int which = 0;
        HS_PARSE_TRY(ScanWord(&p, end, "\"bid\"", "\"offer\"", &which));
        lv->bid = which == 0;
        has_side = true;
        break;
      }
      default:
        p = SkipValue(p, end, 2);  // event_time and anything Coinbase may add
        if (p == nullptr) return ParseStatus::kBadJson;
        break;
    }
    p = NextMember(p, end, '}', &more);
    if (p == nullptr) return ParseStatus::kBadJson;
  }
  if (!has_side || !has_px || !has_qty) return ParseStatus::kMissingField;
  *pp = p;
  return ParseStatus::kOk;
}

// Coinbase writes every level alike: {"side":"bid","event_time":"...","price_level":"...",
// "new_quantity":"..."} with no whitespace. That shape is recognised with fixed-length compares;
// anything else (another order, whitespace, more keys, a bad value) returns false and the
// general ScanUpdate reads the same object from its '{' and names the problem.
bool ScanUpdateCanonical(const char** pp, const char* end, L2Level* lv) noexcept {
  const char* p = *pp;
  if (!At(p, end, "{\"side\":\"")) return false;
  p += 9;
  if (At(p, end, "bid\",\"event_time\":")) {
    lv->bid = true;
    p += 18;
  } else if (At(p, end, "offer\",\"event_time\":")) {
    lv->bid = false;
    p += 20;
  } else {
    return false;
  }
  std::string_view s;
  bool esc = false;
  p = ScanString(p, end, &s, &esc);  // the event_time value
  if (p == nullptr || !At(p, end, ",\"price_level\":")) return false;
  p += 15;
  int64_t raw = 0;
  std::string_view text;
  DecimalError err = DecimalError::kOk;
  p = decimal_internal::ParseQuotedRaw(p, end, Price::kDecimals, &raw, &text, &err);
  if (p == nullptr || raw <= 0 || !At(p, end, ",\"new_quantity\":")) return false;
  lv->px = Price::FromRaw(raw);
  p = decimal_internal::ParseQuotedRaw(p + 16, end, Qty::kDecimals, &raw, &text, &err);
  if (p == nullptr || p == end || *p != '}') return false;
  lv->qty = Qty::FromRaw(raw);
  *pp = p + 1;
  return true;
}

ParseStatus ScanUpdates(const char** pp, const char* end, L2Level* levels, int cap, int* count) noexcept {
  const char* p = *pp;
  if (p == end || *p != '[') return ParseStatus::kBadField;
  p = SkipWs(p + 1, end);
  if (p != end && *p == ']') {
    *pp = p + 1;
    return ParseStatus::kOk;
  }
  for (bool more = true; more;) {
    if (p == end || *p != '{') return ParseStatus::kBadField;
    if (*count >= cap) return ParseStatus::kTooManyLevels;
    if (!ScanUpdateCanonical(&p, end, &levels[*count])) HS_PARSE_TRY(ScanUpdate(&p, end, &levels[*count]));
    ++*count;
    p = NextMember(p, end, ']', &more);
    if (p == nullptr) return ParseStatus::kBadJson;
  }
  *pp = p;
  return ParseStatus::kOk;
}

// One l2_data event: {"type","product_id","updates"} in any order.
ParseStatus ScanEvent(const char** pp, const char* end, L2Event* ev, L2Level* levels, int cap, int* count) noexcept {
  const char* p = SkipWs(*pp + 1, end);  // past '{'
  if (p != end && *p == '}') return ParseStatus::kMissingField;
  bool has_type = false, has_product = false, has_updates = false;
  for (bool more = true; more;) {
    Key key;
    p = ScanKey(p, end, &key);
    if (p == nullptr) return ParseStatus::kBadJson;
    switch (key) {
      case Key::kUpdates:
        if (has_updates) return ParseStatus::kBadField;  // twice: which one is the book?
        ev->first = static_cast<uint32_t>(*count);
        HS_PARSE_TRY(ScanUpdates(&p, end, levels, cap, count));
        ev->count = static_cast<uint32_t>(*count) - ev->first;
        has_updates = true;
        break;
      case Key::kType: {
        int which = 0;
        HS_PARSE_TRY(ScanWord(&p, end, "\"update\"", "\"snapshot\"", &which));
        ev->type = which == 0 ? EventType::kUpdate : EventType::kSnapshot;
        has_type = true;
        break;
      }
      case Key::kProductId: {
        std::string_view s;
        bool esc = false;
        if (p == end || *p != '"') return ParseStatus::kBadField;
        p = ScanString(p, end, &s, &esc);
        if (p == nullptr) return ParseStatus::kBadJson;
        if (esc) return ParseStatus::kBadField;  // product ids never hold an escape
        ev->product_id = s;
        has_product = true;
        break;
      }
      default:
        p = SkipValue(p, end, 2);
        if (p == nullptr) return ParseStatus::kBadJson;
        break;
    }
    p = NextMember(p, end, '}', &more);
    if (p == nullptr) return ParseStatus::kBadJson;
  }
  if (!has_type || !has_product || !has_updates) return ParseStatus::kMissingField;
  *pp = p;
  return ParseStatus::kOk;
}

// The events array at *pp (its '['); on success *pp points just past its ']'.
ParseStatus ScanEvents(const char** pp, const char* end, L2Event* events, int* event_count, L2Level* levels, int cap,
                       int* level_count) noexcept {
  const char* p = *pp;
  if (p == end || *p != '[') return ParseStatus::kBadField;
  p = SkipWs(p + 1, end);
  if (p != end && *p == ']') {
    *pp = p + 1;
    return ParseStatus::kOk;
  }
  for (bool more = true; more;) {
    if (p == end || *p != '{') return ParseStatus::kBadField;
    if (*event_count >= Parser::kMaxEvents) return ParseStatus::kTooManyLevels;
    L2Event& ev = events[*event_count];
    ev = L2Event{};
    HS_PARSE_TRY(ScanEvent(&p, end, &ev, levels, cap, level_count));
    ++*event_count;
    p = NextMember(p, end, ']', &more);
    if (p == nullptr) return ParseStatus::kBadJson;
  }
  *pp = p;
  return ParseStatus::kOk;
}

// The events array as an exact span (what array::raw_json() returned): nothing may follow it.
ParseStatus ScanEventsSpan(std::string_view span, L2Event* events, int* event_count, L2Level* levels, int cap,
                           int* level_count) noexcept {
  const char* p = SkipWs(span.data(), span.data() + span.size());
  const char* const end = span.data() + span.size();
  HS_PARSE_TRY(ScanEvents(&p, end, events, event_count, levels, cap, level_count));
  return SkipWs(p, end) == end ? ParseStatus::kOk : ParseStatus::kBadJson;
}

// ---- Exchange: "changes": [["buy"|"sell","price","size"], ...] ----
ParseStatus ScanChanges(std::string_view span, L2Level* out, int cap, int* count) noexcept {
  const char* p = SkipWs(span.data(), span.data() + span.size());
  const char* const end = span.data() + span.size();
  if (p == end || *p != '[') return ParseStatus::kBadField;
  p = SkipWs(p + 1, end);
  int n = 0;
  if (p != end && *p == ']') {
    p = SkipWs(p + 1, end);
    *count = 0;
    return p == end ? ParseStatus::kOk : ParseStatus::kBadJson;
  }
  for (bool more = true; more;) {
    if (p == end || *p != '[') return ParseStatus::kBadField;
    if (n >= cap) return ParseStatus::kTooManyLevels;
    L2Level& lv = out[n];
    p = SkipWs(p + 1, end);
    std::string_view side;
    bool esc = false;
    if (p == end || *p != '"') return (p != end && *p == ']') ? ParseStatus::kMissingField : ParseStatus::kBadField;
    p = ScanString(p, end, &side, &esc);
    if (p == nullptr) return ParseStatus::kBadJson;
    if (side == "buy") {
      lv.bid = true;
    } else if (side == "sell") {
      lv.bid = false;
    } else {
      return ParseStatus::kBadField;
    }
    bool inner = false;
    for (int field = 0; field < 2; ++field) {
      p = NextMember(p, end, ']', &inner);
      if (p == nullptr) return ParseStatus::kBadJson;
      if (!inner) return ParseStatus::kMissingField;
      if (field == 0) {
        HS_PARSE_TRY(ScanDecimal<Price>(&p, end, &lv.px));
        if (!lv.px.is_positive()) return ParseStatus::kBadNumber;
      } else {
        HS_PARSE_TRY(ScanDecimal<Qty>(&p, end, &lv.qty));
      }
    }
    p = NextMember(p, end, ']', &inner);
    if (p == nullptr || inner) return ParseStatus::kBadJson;  // exactly three elements
    ++n;
    p = NextMember(p, end, ']', &more);
    if (p == nullptr) return ParseStatus::kBadJson;
  }
  p = SkipWs(p, end);
  if (p != end) return ParseStatus::kBadJson;
  *count = n;
  return ParseStatus::kOk;
}

// True when nothing follows the top-level value (simdjson 3.0 has no document::at_end()).
bool AtEnd(od::document& doc) noexcept { return doc.current_location().error() == simdjson::OUT_OF_BOUNDS; }

ParseStatus GetArraySpan(od::value v, std::string_view* span) noexcept {
  od::array arr;
  if (v.get_array().get(arr)) return ParseStatus::kBadField;
  if (arr.raw_json().get(*span)) return ParseStatus::kBadJson;
  return ParseStatus::kOk;
}

ParseStatus GetTime(od::value v, Nanos* out) noexcept {
  std::string_view s;
  HS_PARSE_TRY(GetString(v, &s));
  return ParseRfc3339(s, out) ? ParseStatus::kOk : ParseStatus::kBadField;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool Digits(std::string_view t, size_t at, size_t n, int64_t* out) noexcept {
  if (at + n > t.size()) return false;
  int64_t v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (!IsDigit(t[i])) return false;
    v = v * 10 + (t[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

bool ParseRfc3339(std::string_view t, Nanos* out) noexcept {
  // YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM)
  int64_t y, mo, d, h, mi, s;
  if (!Digits(t, 0, 4, &y) || !Digits(t, 5, 2, &mo) || !Digits(t, 8, 2, &d) || !Digits(t, 11, 2, &h) ||
      !Digits(t, 14, 2, &mi) || !Digits(t, 17, 2, &s))
    return false;
  if (t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != 't') || t[13] != ':' || t[16] != ':') return false;
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (y < 1970 || y > 2261 || mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1] || (mo == 2 && d == 29 && !leap) ||
      h > 23 || mi > 59 || s > 60)
    return false;
  size_t at = 19;
  int64_t frac = 0;
  if (at < t.size() && t[at] == '.') {
    ++at;
    int n = 0;
    while (at < t.size() && IsDigit(t[at])) {
      if (++n > 9) return false;
      frac = frac * 10 + (t[at] - '0');
      ++at;
    }
    if (n == 0) return false;
    for (; n < 9; ++n) frac *= 10;
  }
  int64_t offset_s = 0;
  if (at < t.size() && (t[at] == 'Z' || t[at] == 'z')) {
    ++at;
  } else if (at < t.size() && (t[at] == '+' || t[at] == '-')) {
    int64_t oh, om;
    if (!Digits(t, at + 1, 2, &oh) || at + 3 >= t.size() || t[at + 3] != ':' || !Digits(t, at + 4, 2, &om) || oh > 23 ||
        om > 59)
      return false;
    offset_s = (oh * 3600 + om * 60) * (t[at] == '-' ? -1 : 1);
    at += 6;
  } else {
    return false;
  }
  if (at != t.size()) return false;
  const int64_t secs = DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset_s;
  *out = Nanos{secs * 1'000'000'000 + frac};
  return true;
}

namespace {

// What the envelope's members other than `events` say.
struct Envelope {
  std::string_view type;
  bool has_channel = false;
  bool has_type = false;
};

// One envelope member other than `events` (keys it does not interpret are skipped). Shared by
// the full parse and the l2_data fast path so that both read the envelope alike.
ParseStatus EnvelopeMember(const od::raw_json_string& key, od::value v, Frame* out, Envelope* env) noexcept {
  if (KeyIs(key, "channel")) {
    HS_PARSE_TRY(GetString(v, &out->channel));
    env->has_channel = true;
  } else if (KeyIs(key, "sequence_num")) {
    HS_PARSE_TRY(GetUint(v, &out->sequence_num));
    out->has_sequence = true;
  } else if (KeyIs(key, "timestamp")) {
    HS_PARSE_TRY(GetTime(v, &out->timestamp));
  } else if (KeyIs(key, "type")) {
    HS_PARSE_TRY(GetString(v, &env->type));
    env->has_type = true;
  } else if (KeyIs(key, "message")) {
    HS_PARSE_TRY(GetString(v, &out->error_message));
  }
  return ParseStatus::kOk;
}

}  // namespace

// The l2_data fast path. Coinbase writes every l2_data envelope alike:
//   {"channel":"l2_data","client_id":"","timestamp":"...","sequence_num":N,"events":[...]}
// with no whitespace. simdjson's stage 1 over a 20-level update (2.2 KB, nearly all of it the
// events array the hand scanner reads anyway) is a third of the message's cost. Here stage 1
// runs over the envelope alone: the bytes before `,"events":` are copied, closed with '}', and
// read with On-Demand (EnvelopeMember, as the full parse reads them); the events array is
// scanned in place (ScanEvents, as the full parse scans it); then only the closing brace may
// follow (venues/common/internal/envelope.h). Anything else returns false and the full parse
// reads the frame from scratch: its verdict, error status included, stands.
bool Parser::ParseL2Envelope(const char* data, size_t len, Frame* out) noexcept {
  constexpr std::string_view kHead = "{\"channel\":\"l2_data\",";
  constexpr std::string_view kEvents = ",\"events\":[";
  if (len < kHead.size() || std::memcmp(data, kHead.data(), kHead.size()) != 0) return false;
  Impl& m = *impl_;
  const char* p = nullptr;  // the events array's '['
  const size_t n = venues::internal::EnvelopeSplit(data, len, kEvents, m.envelope, &p);
  if (n == 0) return false;
  const char* const frame_end = data + len;
  od::document doc;
  if (m.parser.iterate(m.envelope, n, sizeof m.envelope).get(doc)) return false;
  od::object obj;
  if (doc.get_object().get(obj)) return false;
  Envelope env;
  for (auto field : obj) {
    od::raw_json_string key;
    if (field.key().get(key)) return false;
    od::value v;
    if (field.value().get(v)) return false;
    if (KeyIs(key, "events")) return false;  // twice: the full parse decides which one counts
    if (EnvelopeMember(key, v, out, &env) != ParseStatus::kOk) return false;
  }
  if (!AtEnd(doc) || !env.has_channel || out->channel != "l2_data" || !out->has_sequence) return false;
  if (ScanEvents(&p, frame_end, m.events.get(), &out->event_count, m.levels.get(), m.max_levels,
                 &out->level_count) != ParseStatus::kOk)
    return false;
  p = SkipWs(p, frame_end);
  if (p == frame_end || *p != '}' || SkipWs(p + 1, frame_end) != frame_end) return false;
  out->events = m.events.get();
  out->levels = m.levels.get();
  out->kind = FrameKind::kL2Data;
  return true;
}

ParseStatus Parser::Parse(const char* data, size_t len, Frame* out) noexcept {
  *out = Frame{};
  if (l2_fast_path_ && ParseL2Envelope(data, len, out)) return ParseStatus::kOk;
  *out = Frame{};
  Impl& m = *impl_;
  od::document doc;
  if (m.parser.iterate(data, len, len + simdjson::SIMDJSON_PADDING).get(doc)) return ParseStatus::kBadJson;
  od::object obj;
  if (doc.get_object().get(obj)) return ParseStatus::kBadJson;
  const char* const frame_end = data + len;
  std::string_view events;
  Envelope env;
  bool has_events = false, events_scanned = false, done = false;
  for (auto field : obj) {
    od::raw_json_string key;
    if (field.key().get(key)) return ParseStatus::kBadJson;
    od::value v;
    if (field.value().get(v)) return ParseStatus::kBadJson;
    if (KeyIs(key, "events")) {
      if (env.has_channel && out->has_sequence && !has_events) {
        // Coinbase sends `events` last. Scan it in place and, when only the envelope's closing
        // brace follows, finish here: letting On-Demand step over every token of the array
        // just to reach that brace would cost more than scanning it.
        const char* p = v.raw_json_token().data();
        if (out->channel == "l2_data") {
          out->events = m.events.get();
          out->levels = m.levels.get();
          HS_PARSE_TRY(ScanEvents(&p, frame_end, m.events.get(), &out->event_count, m.levels.get(), m.max_levels,
                            &out->level_count));
          events_scanned = true;
        } else {
          p = SkipValue(p, frame_end, 1);
          if (p == nullptr) return ParseStatus::kBadJson;
        }
        has_events = true;
        p = SkipWs(p, frame_end);
        if (p != frame_end && *p == '}' && SkipWs(p + 1, frame_end) == frame_end) {
          done = true;  // the closing brace and nothing after it: the whole frame is checked
          break;
        }
        continue;  // more keys follow: On-Demand carries on (and steps over the array)
      }
      // Kept as a span and scanned once the channel is known (keys come in any order).
      HS_PARSE_TRY(GetArraySpan(v, &events));
      has_events = true;
    } else {
      HS_PARSE_TRY(EnvelopeMember(key, v, out, &env));
    }
  }
  if (!done && !AtEnd(doc)) return ParseStatus::kBadJson;  // trailing bytes after the object
  if (!env.has_channel) {
    if (env.has_type && env.type == "error") {
      out->kind = FrameKind::kError;
      return ParseStatus::kOk;
    }
    return ParseStatus::kUnknown;
  }
  const std::string_view ch = out->channel;
  if (ch == "l2_data") {
    if (!out->has_sequence || !has_events) return ParseStatus::kMissingField;
    out->kind = FrameKind::kL2Data;
    if (events_scanned) return ParseStatus::kOk;
    out->events = m.events.get();
    out->levels = m.levels.get();
    return ScanEventsSpan(events, m.events.get(), &out->event_count, m.levels.get(), m.max_levels, &out->level_count);
  }
  if (ch == "heartbeats") {
    out->kind = FrameKind::kHeartbeats;
  } else if (ch == "subscriptions") {
    out->kind = FrameKind::kSubscriptions;
  } else {
    out->kind = FrameKind::kOtherChannel;
    if (!out->has_sequence) return ParseStatus::kUnknown;
  }
  // Every envelope counts in the connection's sequence: one without it cannot be placed.
  return out->has_sequence ? ParseStatus::kOk : ParseStatus::kMissingField;
}

ParseStatus Parser::ParseExchange(const char* data, size_t len, ExchangeFrame* out) noexcept {
  *out = ExchangeFrame{};
  Impl& m = *impl_;
  out->bids = m.bids.get();
  out->asks = m.asks.get();
  out->changes = m.changes.get();
  od::document doc;
  if (m.parser.iterate(data, len, len + simdjson::SIMDJSON_PADDING).get(doc)) return ParseStatus::kBadJson;
  od::object obj;
  if (doc.get_object().get(obj)) return ParseStatus::kBadJson;
  enum : uint32_t {
    kProduct = 1u << 0,
    kBids = 1u << 1,
    kAsks = 1u << 2,
    kChanges = 1u << 3,
    kSequence = 1u << 4,
    kPrice = 1u << 5,
    kBestBid = 1u << 6,
    kBestAsk = 1u << 7,
  };
  uint32_t seen = 0;
  std::string_view type;
  bool has_type = false;
  for (auto field : obj) {
    od::raw_json_string key;
    if (field.key().get(key)) return ParseStatus::kBadJson;
    od::value v;
    if (field.value().get(v)) return ParseStatus::kBadJson;
    if (KeyIs(key, "type")) {
      HS_PARSE_TRY(GetString(v, &type));
      has_type = true;
    } else if (KeyIs(key, "product_id")) {
      HS_PARSE_TRY(GetString(v, &out->product_id));
      seen |= kProduct;
    } else if (KeyIs(key, "bids") || KeyIs(key, "asks")) {
      const bool bids = KeyIs(key, "bids");
      std::string_view span;
      HS_PARSE_TRY(GetArraySpan(v, &span));
      HS_PARSE_TRY(venues::internal::ScanStringLevels(span, bids ? m.bids.get() : m.asks.get(), m.exchange_levels,
                                                bids ? &out->bid_count : &out->ask_count));
      seen |= bids ? kBids : kAsks;
    } else if (KeyIs(key, "changes")) {
      std::string_view span;
      HS_PARSE_TRY(GetArraySpan(v, &span));
      HS_PARSE_TRY(ScanChanges(span, m.changes.get(), m.exchange_levels, &out->change_count));
      seen |= kChanges;
    } else if (KeyIs(key, "time")) {
      HS_PARSE_TRY(GetTime(v, &out->time));
    } else if (KeyIs(key, "sequence")) {
      HS_PARSE_TRY(GetUint(v, &out->sequence));
      seen |= kSequence;
    } else if (KeyIs(key, "trade_id")) {
      HS_PARSE_TRY(GetUint(v, &out->trade_id));
    } else if (KeyIs(key, "price")) {
      HS_PARSE_TRY(venues::internal::GetDecimalString<Price>(v, &out->price));
      seen |= kPrice;
    } else if (KeyIs(key, "last_size")) {
      HS_PARSE_TRY(venues::internal::GetDecimalString<Qty>(v, &out->last_size));
    } else if (KeyIs(key, "best_bid")) {
      HS_PARSE_TRY(venues::internal::GetDecimalString<Price>(v, &out->best_bid));
      seen |= kBestBid;
    } else if (KeyIs(key, "best_ask")) {
      HS_PARSE_TRY(venues::internal::GetDecimalString<Price>(v, &out->best_ask));
      seen |= kBestAsk;
    } else if (KeyIs(key, "best_bid_size")) {
      HS_PARSE_TRY(venues::internal::GetDecimalString<Qty>(v, &out->best_bid_size));
      out->has_best_bid_size = true;
    } else if (KeyIs(key, "best_ask_size")) {
      HS_PARSE_TRY(venues::internal::GetDecimalString<Qty>(v, &out->best_ask_size));
      out->has_best_ask_size = true;
    } else if (KeyIs(key, "side")) {
      std::string_view s;
      HS_PARSE_TRY(GetString(v, &s));
      if (s != "buy" && s != "sell") return ParseStatus::kBadField;
      out->buy_side = s == "buy";
    }
  }
  if (!AtEnd(doc)) return ParseStatus::kBadJson;
  if (!has_type) return ParseStatus::kUnknown;
  if (type == "snapshot") {
    out->kind = ExchangeKind::kSnapshot;
    constexpr uint32_t need = kProduct | kBids | kAsks;
    return (seen & need) == need ? ParseStatus::kOk : ParseStatus::kMissingField;
  }
  if (type == "l2update") {
    out->kind = ExchangeKind::kL2Update;
    constexpr uint32_t need = kProduct | kChanges;
    return (seen & need) == need ? ParseStatus::kOk : ParseStatus::kMissingField;
  }
  if (type == "ticker") {
    out->kind = ExchangeKind::kTicker;
    constexpr uint32_t need = kProduct | kSequence | kPrice | kBestBid | kBestAsk;
    return (seen & need) == need ? ParseStatus::kOk : ParseStatus::kMissingField;
  }
  return ParseStatus::kUnknown;
}

}  // namespace hs::coinbase
