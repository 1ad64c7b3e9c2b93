#include "venues/kraken/kraken_parse.h"

#include <cstdint>
#include <cstring>
#include <limits>

#include "core/base/check.h"
#include "core/base/decimal.h"
#include "venues/common/internal/envelope.h"
#include "venues/common/internal/json.h"
#include "venues/common/internal/levels.h"
#include "venues/kraken/kraken_wire.h"

namespace hs::kraken {

namespace od = simdjson::ondemand;
using venues::internal::GetNumberText;
using venues::internal::KeyIs;

const char* MessageKindName(MessageKind k) noexcept {
  switch (k) {
    case MessageKind::kBookSnapshot:
      return "book_snapshot";
    case MessageKind::kBookUpdate:
      return "book_update";
    case MessageKind::kHeartbeat:
      return "heartbeat";
    case MessageKind::kStatus:
      return "status";
    case MessageKind::kSubscribeAck:
      return "subscribe_ack";
    case MessageKind::kUnsubscribeAck:
      return "unsubscribe_ack";
    case MessageKind::kPong:
      return "pong";
  }
  return "?";
}

const BookEntry* FindEntry(const Message& m, std::string_view symbol) noexcept {
  for (int i = 0; i < m.entry_count; ++i)
    if (m.entries[i].symbol == symbol) return &m.entries[i];
  return nullptr;
}

struct Parser::Impl {
  explicit Impl(size_t max) : parser(max) {
    // Size every buffer now so parsing never allocates (STYLE §8).
    HS_CHECK(parser.allocate(max) == simdjson::SUCCESS, "simdjson parser allocation failed");
    bids = std::make_unique<BookLevel[]>(kMaxLevels);
    asks = std::make_unique<BookLevel[]>(kMaxLevels);
    entries = std::make_unique<BookEntry[]>(kMaxEntries);
  }
  od::parser parser;
  char envelope[venues::internal::kEnvelopeScratch] = {};  // ParseBookEnvelope's copy
  std::unique_ptr<BookLevel[]> bids;
  std::unique_ptr<BookLevel[]> asks;
  std::unique_ptr<BookEntry[]> entries;
  int bids_used = 0;
  int asks_used = 0;
};

Parser::Parser(size_t max_message_bytes) : impl_(std::make_unique<Impl>(max_message_bytes)) {}
Parser::~Parser() = default;

namespace {

// What a simdjson error means for the message: the wrong JSON type for a field we know, a
// number that does not fit, or a document that is not JSON at all.
ParseStatus FromError(simdjson::error_code e) noexcept {
  switch (e) {
    case simdjson::SUCCESS:
      return ParseStatus::kOk;
    case simdjson::INCORRECT_TYPE:
      return ParseStatus::kBadField;
    case simdjson::NUMBER_ERROR:
    case simdjson::NUMBER_OUT_OF_RANGE:
      return ParseStatus::kBadNumber;
    default:
      return ParseStatus::kBadJson;
  }
}

ParseStatus GetStr(od::value v, std::string_view* out) noexcept { return FromError(v.get_string().get(*out)); }

// A JSON number's text as a non-negative decimal at `scale` (Kraken's prices and quantities:
// "45283.5", "0.10000000"). JSON's own grammar is enforced (no leading zeros, no '+') and
// anything a price cannot be — a sign, an exponent, more digits than the scale — is a bad
// number.
ParseStatus NumberTextToRaw(std::string_view t, int scale, int64_t* raw) noexcept {
  if (t.empty() || !decimal_internal::IsDigit(t[0])) return ParseStatus::kBadNumber;
  if (t[0] == '0' && t.size() > 1 && t[1] != '.') return ParseStatus::kBadNumber;  // "012"
  return ParseDecimalRaw(t, scale, Sign::kNonNegative, raw) == DecimalError::kOk ? ParseStatus::kOk
                                                                                 : ParseStatus::kBadNumber;
}

template <typename T>
ParseStatus GetNumber(od::value v, T* out, std::string_view* text) noexcept {
  if (GetNumberText(v, text) != ParseStatus::kOk) {
    // Not a number: a token that is not JSON at all (`abc`) is a bad document, another JSON
    // type (a string, true, null) a bad field.
    od::json_type t;
    return FromError(v.type().get(t)) == ParseStatus::kOk ? ParseStatus::kBadField : ParseStatus::kBadJson;
  }
  int64_t raw = 0;
  HS_PARSE_TRY(NumberTextToRaw(*text, T::kDecimals, &raw));
  *out = T::FromRaw(raw);
  return ParseStatus::kOk;
}

// [{"price":45283.5,"qty":0.1}, ...] straight into fixed point; unknown keys in a level are
// skipped, price and qty are required. On-Demand hands over each number's token directly, so a
// hand scanner over the array's text (Binance's approach for its string pairs) gains nothing
// here: skipping the array in On-Demand costs what the scanner would save (measured with
// bench/venues/kraken).
ParseStatus LevelsOnDemand(od::array arr, BookLevel* out, int cap, int* count) noexcept {
  int n = 0;
  for (auto item : arr) {
    od::object o;
    HS_PARSE_TRY(FromError(item.get_object().get(o)));
    if (n >= cap) return ParseStatus::kTooManyLevels;
    BookLevel& lv = out[n];
    bool has_px = false;
    bool has_qty = false;
    for (auto field : o) {
      od::raw_json_string key;
      if (field.key().get(key)) return ParseStatus::kBadJson;
      od::value v;
      if (field.value().get(v)) return ParseStatus::kBadJson;
      if (KeyIs(key, "price")) {
        HS_PARSE_TRY(GetNumber(v, &lv.px, &lv.px_text));
        has_px = true;
      } else if (KeyIs(key, "qty")) {
        HS_PARSE_TRY(GetNumber(v, &lv.qty, &lv.qty_text));
        has_qty = true;
      }
    }
    if (!has_px || !has_qty) return ParseStatus::kMissingField;
    ++n;
  }
  *count = n;
  return ParseStatus::kOk;
}

ParseStatus ParseLevels(od::value v, BookLevel* out, int cap, int* count) noexcept {
  od::array arr;
  HS_PARSE_TRY(FromError(v.get_array().get(arr)));
  return LevelsOnDemand(arr, out, cap, count);
}

enum : uint32_t { kFSymbol = 1, kFBids = 2, kFAsks = 4, kFChecksum = 8 };

ParseStatus ParseEntries(od::value v, Parser::Impl& im, Message* out) noexcept {
  od::array arr;
  HS_PARSE_TRY(FromError(v.get_array().get(arr)));
  int n = 0;
  im.bids_used = 0;
  im.asks_used = 0;
  for (auto item : arr) {
    od::object o;
    HS_PARSE_TRY(FromError(item.get_object().get(o)));
    if (n >= Parser::kMaxEntries) return ParseStatus::kTooManyLevels;
    BookEntry& e = im.entries[static_cast<size_t>(n)];
    e = BookEntry{};
    uint32_t seen = 0;
    for (auto field : o) {
      od::raw_json_string key;
      if (field.key().get(key)) return ParseStatus::kBadJson;
      od::value fv;
      if (field.value().get(fv)) return ParseStatus::kBadJson;
      if (KeyIs(key, "symbol")) {
        HS_PARSE_TRY(GetStr(fv, &e.symbol));
        seen |= kFSymbol;
      } else if (KeyIs(key, "bids") || KeyIs(key, "asks")) {
        const bool bid = key.raw()[0] == 'b';
        BookLevel* pool = bid ? im.bids.get() : im.asks.get();
        int& used = bid ? im.bids_used : im.asks_used;
        int cnt = 0;
        HS_PARSE_TRY(ParseLevels(fv, pool + used, Parser::kMaxLevels - used, &cnt));
        if (bid) {
          e.bids = pool + used;
          e.bid_count = cnt;
        } else {
          e.asks = pool + used;
          e.ask_count = cnt;
        }
        used += cnt;
        seen |= bid ? kFBids : kFAsks;
      } else if (KeyIs(key, "checksum")) {
        uint64_t c = 0;
        HS_PARSE_TRY(FromError(fv.get_uint64().get(c)));
        if (c > std::numeric_limits<uint32_t>::max()) return ParseStatus::kBadNumber;
        e.checksum = static_cast<uint32_t>(c);
        seen |= kFChecksum;
      } else if (KeyIs(key, "timestamp")) {
        std::string_view ts;
        HS_PARSE_TRY(GetStr(fv, &ts));
        if (!ParseRfc3339(ts, &e.timestamp)) return ParseStatus::kBadField;
      }
    }
    constexpr uint32_t kNeed = kFSymbol | kFBids | kFAsks | kFChecksum;
    if ((seen & kNeed) != kNeed) return ParseStatus::kMissingField;
    ++n;
  }
  if (n == 0) return ParseStatus::kMissingField;  // a book message names at least one symbol
  out->entries = im.entries.get();
  out->entry_count = n;
  return ParseStatus::kOk;
}

// ---- `data` of a book message read in place ----
//
// Kraken sends `data` last. Stepping On-Demand over every level object (and through its
// fields) costs more than reading the compact form directly; these scanners accept exactly that
// form — [{"symbol":"BTC/USD","bids":[{"price":45283.5,"qty":0.1},...],"asks":[...],
// "checksum":3310070434,"timestamp":"2023-10-06T17:35:55.440295Z"}] with no whitespace, the
// level keys in Kraken's order, entry keys in any order and each at most once — followed only by
// the envelope's closing brace. Anything else returns false before the caller keeps anything,
// and On-Demand reads the same bytes (ParseEntries): its verdict, error status included, stands.

// A plain string (no escapes) at p, which must be '"'; returns the byte after its closing quote.
inline const char* ScanPlain(const char* p, const char* end, std::string_view* out) noexcept {
  if (p == end || *p != '"') return nullptr;
  const char* const begin = ++p;
  while (p != end && *p != '"' && *p != '\\') ++p;
  if (p == end || *p != '"') return nullptr;
  *out = std::string_view(begin, static_cast<size_t>(p - begin));
  return p + 1;
}

// A price or quantity: a JSON number read as NumberTextToRaw reads its token.
template <typename T>
inline const char* ScanNumber(const char* p, const char* end, T* out, std::string_view* text) noexcept {
  if (p == end || !decimal_internal::IsDigit(*p)) return nullptr;
  if (p[0] == '0' && end - p > 1 && decimal_internal::IsDigit(p[1])) return nullptr;  // "012"
  int64_t raw = 0;
  p = decimal_internal::ParseNumberRaw(p, end, T::kDecimals, &raw, text);
  if (p == nullptr || p == end || (*p != ',' && *p != '}')) return nullptr;
  *out = T::FromRaw(raw);
  return p;
}

// [{"price":N,"qty":N},...] from its '['; returns the byte after the ']'.
const char* ScanLevelsInPlace(const char* p, const char* end, BookLevel* out, int cap, int* count) noexcept {
  constexpr std::string_view kPrice = "{\"price\":";
  constexpr std::string_view kQty = ",\"qty\":";
  if (p == end || *p != '[') return nullptr;
  ++p;
  int n = 0;
  if (p != end && *p == ']') {
    *count = 0;
    return p + 1;
  }
  for (;;) {
    if (n >= cap || static_cast<size_t>(end - p) < kPrice.size() || std::memcmp(p, kPrice.data(), kPrice.size()) != 0)
      return nullptr;
    BookLevel& lv = out[n];
    p = ScanNumber(p + kPrice.size(), end, &lv.px, &lv.px_text);
    if (p == nullptr || static_cast<size_t>(end - p) < kQty.size() || std::memcmp(p, kQty.data(), kQty.size()) != 0)
      return nullptr;
    p = ScanNumber(p + kQty.size(), end, &lv.qty, &lv.qty_text);
    if (p == nullptr || *p != '}') return nullptr;
    ++n;
    ++p;
    if (p != end && *p == ',') {
      ++p;
      continue;
    }
    if (p != end && *p == ']') break;
    return nullptr;
  }
  *count = n;
  return p + 1;
}

// A checksum: 1..10 digits, no leading zero, within uint32 (as get_uint64 and the range check
// in ParseEntries would have it).
inline const char* ScanChecksum(const char* p, const char* end, uint32_t* out) noexcept {
  const char* const begin = p;
  uint64_t v = 0;
  while (p != end && decimal_internal::IsDigit(*p) && p - begin < 11) {
    v = v * 10 + static_cast<uint64_t>(*p - '0');
    ++p;
  }
  const long n = p - begin;
  if (n == 0 || n > 10 || (n > 1 && *begin == '0') || v > std::numeric_limits<uint32_t>::max()) return nullptr;
  if (p == end || (*p != ',' && *p != '}')) return nullptr;
  *out = static_cast<uint32_t>(v);
  return p;
}

bool ScanDataInPlace(const char* p, const char* end, Parser::Impl& im, Message* out) noexcept {
  constexpr uint32_t kFTimestamp = 1u << 31;  // local: catches a repeated "timestamp"
  if (p == end || *p != '[') return false;
  ++p;
  int n = 0;
  int bids_used = 0;
  int asks_used = 0;
  for (;;) {
    if (p == end || *p != '{' || n >= Parser::kMaxEntries) return false;
    ++p;
    BookEntry e;
    uint32_t seen = 0;
    for (;;) {
      std::string_view key;
      p = ScanPlain(p, end, &key);
      if (p == nullptr || p == end || *p != ':') return false;
      ++p;
      uint32_t bit = 0;
      if (key == "bids" || key == "asks") {
        const bool bid = key[0] == 'b';
        bit = bid ? kFBids : kFAsks;
        BookLevel* pool = bid ? im.bids.get() : im.asks.get();
        int& used = bid ? bids_used : asks_used;
        int cnt = 0;
        p = ScanLevelsInPlace(p, end, pool + used, Parser::kMaxLevels - used, &cnt);
        if (p == nullptr) return false;
        if (bid) {
          e.bids = pool + used;
          e.bid_count = cnt;
        } else {
          e.asks = pool + used;
          e.ask_count = cnt;
        }
        used += cnt;
      } else if (key == "symbol") {
        bit = kFSymbol;
        p = ScanPlain(p, end, &e.symbol);
      } else if (key == "checksum") {
        bit = kFChecksum;
        p = ScanChecksum(p, end, &e.checksum);
      } else if (key == "timestamp") {
        bit = kFTimestamp;
        std::string_view ts;
        p = ScanPlain(p, end, &ts);
        if (p != nullptr && !ParseRfc3339(ts, &e.timestamp)) return false;
      } else {
        std::string_view ignored;
        p = ScanPlain(p, end, &ignored);  // string fields Kraken may add
      }
      if (p == nullptr || (seen & bit) != 0) return false;
      seen |= bit;
      if (p != end && *p == ',') {
        ++p;
        continue;
      }
      if (p != end && *p == '}') break;
      return false;
    }
    constexpr uint32_t kNeed = kFSymbol | kFBids | kFAsks | kFChecksum;
    if ((seen & kNeed) != kNeed) return false;
    im.entries[static_cast<size_t>(n)] = e;
    ++n;
    ++p;
    if (p != end && *p == ',') {
      ++p;
      continue;
    }
    if (p != end && *p == ']') break;
    return false;
  }
  p = venues::internal::SkipWs(p + 1, end);
  if (p == end || *p != '}' || venues::internal::SkipWs(p + 1, end) != end) return false;
  im.bids_used = bids_used;
  im.asks_used = asks_used;
  out->entries = im.entries.get();
  out->entry_count = n;
  return true;
}

ParseStatus ParseStatusData(od::value v, Message* out) noexcept {
  od::array arr;
  HS_PARSE_TRY(FromError(v.get_array().get(arr)));
  for (auto item : arr) {
    od::object o;
    HS_PARSE_TRY(FromError(item.get_object().get(o)));
    for (auto field : o) {
      od::raw_json_string key;
      if (field.key().get(key)) return ParseStatus::kBadJson;
      od::value fv;
      if (field.value().get(fv)) return ParseStatus::kBadJson;
      if (KeyIs(key, "system")) HS_PARSE_TRY(GetStr(fv, &out->system));
    }
  }
  return ParseStatus::kOk;
}

ParseStatus ParseResult(od::value v, Message* out) noexcept {
  od::object o;
  HS_PARSE_TRY(FromError(v.get_object().get(o)));
  for (auto field : o) {
    od::raw_json_string key;
    if (field.key().get(key)) return ParseStatus::kBadJson;
    od::value fv;
    if (field.value().get(fv)) return ParseStatus::kBadJson;
    if (KeyIs(key, "channel")) {
      HS_PARSE_TRY(GetStr(fv, &out->ack_channel));
    } else if (KeyIs(key, "symbol")) {
      HS_PARSE_TRY(GetStr(fv, &out->symbol));
    } else if (KeyIs(key, "depth")) {
      HS_PARSE_TRY(FromError(fv.get_int64().get(out->ack_depth)));
    }
  }
  return ParseStatus::kOk;
}

enum class Channel : uint8_t { kNone = 0, kBook, kHeartbeat, kStatus, kOther };
enum class Method : uint8_t { kNone = 0, kSubscribe, kUnsubscribe, kPong, kOther };
enum class BookType : uint8_t { kNone = 0, kSnapshot, kUpdate, kOther };

struct Top {
  Channel channel = Channel::kNone;
  Method method = Method::kNone;
  BookType type = BookType::kNone;
  bool has_success = false;
  bool has_data = false;
  bool data_parsed = false;  // `data` read in the first pass; otherwise read after a rewind
  bool done = false;         // `data` read in place and only the closing brace followed
  bool in_place = true;      // Parser::set_in_place_data
};

// The document's top level in one pass. `data` is parsed in place when the channel (and, for
// books, the type) is known by then — Kraken sends them first; otherwise it is skipped and read
// after a rewind once the whole object has been seen.
ParseStatus ParseTop(od::object obj, const char* frame_end, Parser::Impl& im, Message* out, Top* t) noexcept {
  for (auto field : obj) {
    od::raw_json_string key;
    if (field.key().get(key)) return ParseStatus::kBadJson;
    od::value v;
    if (field.value().get(v)) return ParseStatus::kBadJson;
    if (KeyIs(key, "channel")) {
      std::string_view c;
      HS_PARSE_TRY(GetStr(v, &c));
      t->channel = c == kChannelBook        ? Channel::kBook
                   : c == kChannelHeartbeat ? Channel::kHeartbeat
                   : c == kChannelStatus    ? Channel::kStatus
                                            : Channel::kOther;
    } else if (KeyIs(key, "type")) {
      std::string_view s;
      HS_PARSE_TRY(GetStr(v, &s));
      t->type = s == "snapshot" ? BookType::kSnapshot : s == "update" ? BookType::kUpdate : BookType::kOther;
    } else if (KeyIs(key, "data")) {
      t->has_data = true;
      if (t->channel == Channel::kBook && t->type != BookType::kOther) {
        if (t->in_place && ScanDataInPlace(v.raw_json_token().data(), frame_end, im, out)) {
          t->data_parsed = true;
          t->done = true;
          break;
        }
        HS_PARSE_TRY(ParseEntries(v, im, out));
        t->data_parsed = true;
      } else if (t->channel == Channel::kStatus) {
        HS_PARSE_TRY(ParseStatusData(v, out));
        t->data_parsed = true;
      }  // otherwise decided after the pass: a later key may say what `data` is
    } else if (KeyIs(key, "method")) {
      std::string_view m;
      HS_PARSE_TRY(GetStr(v, &m));
      t->method = m == kMethodSubscribe     ? Method::kSubscribe
                  : m == kMethodUnsubscribe ? Method::kUnsubscribe
                  : m == kMethodPong        ? Method::kPong
                                            : Method::kOther;
    } else if (KeyIs(key, "success")) {
      HS_PARSE_TRY(FromError(v.get_bool().get(out->success)));
      t->has_success = true;
    } else if (KeyIs(key, "req_id")) {
      HS_PARSE_TRY(FromError(v.get_int64().get(out->req_id)));
    } else if (KeyIs(key, "result")) {
      od::json_type rt;
      HS_PARSE_TRY(FromError(v.type().get(rt)));
      if (rt == od::json_type::object) HS_PARSE_TRY(ParseResult(v, out));
    } else if (KeyIs(key, "error")) {
      // WS v2 errors are strings; anything else (REST's "error":[]) is not an ack's error.
      od::json_type et;
      HS_PARSE_TRY(FromError(v.type().get(et)));
      if (et == od::json_type::string) HS_PARSE_TRY(GetStr(v, &out->error));
    } else if (KeyIs(key, "symbol")) {
      HS_PARSE_TRY(GetStr(v, &out->symbol));
    }
  }
  return ParseStatus::kOk;
}

ParseStatus ParseDeferredData(od::document& doc, Parser::Impl& im, Message* out, Channel ch) noexcept {
  doc.rewind();
  od::object obj;
  if (doc.get_object().get(obj)) return ParseStatus::kBadJson;
  for (auto field : obj) {
    od::raw_json_string key;
    if (field.key().get(key)) return ParseStatus::kBadJson;
    if (!KeyIs(key, "data")) continue;
    od::value v;
    if (field.value().get(v)) return ParseStatus::kBadJson;
    return ch == Channel::kBook ? ParseEntries(v, im, out) : ParseStatusData(v, out);
  }
  return ParseStatus::kMissingField;
}

// A book message's fast path: stage 1 over the envelope alone (venues/common/internal/
// envelope.h), read by ParseTop as the full parse reads it, then `data` scanned in place
// (ScanDataInPlace, which also checks that only the closing brace follows). False on anything
// else; the caller then parses the whole frame and its verdict stands.
bool ParseBookEnvelope(Parser::Impl& im, const char* data, size_t len, Message* out, Top* t) noexcept {
  const char* arr = nullptr;
  const size_t n = venues::internal::EnvelopeSplit(data, len, ",\"data\":[", im.envelope, &arr);
  if (n == 0) return false;
  od::document doc;
  if (im.parser.iterate(im.envelope, n, sizeof im.envelope).get(doc)) return false;
  od::object obj;
  if (doc.get_object().get(obj)) return false;
  if (ParseTop(obj, im.envelope + n, im, out, t) != ParseStatus::kOk) return false;
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) return false;  // not at the end
  if (t->has_data || t->channel != Channel::kBook || (t->type != BookType::kSnapshot && t->type != BookType::kUpdate))
    return false;
  if (!ScanDataInPlace(arr, data + len, im, out)) return false;
  t->has_data = true;
  t->data_parsed = true;
  t->done = true;
  return true;
}

ParseStatus ParseWhole(Parser::Impl& im, const char* data, size_t len, Message* out, Top* t) noexcept {
  od::document doc;
  if (im.parser.iterate(data, len, len + simdjson::SIMDJSON_PADDING).get(doc)) return ParseStatus::kBadJson;
  od::object obj;
  if (doc.get_object().get(obj)) return ParseStatus::kBadJson;
  HS_PARSE_TRY(ParseTop(obj, data + len, im, out, t));
  // Nothing may follow the object (simdjson 3.0 reports the end as OUT_OF_BOUNDS); the in-place
  // scan of `data` has checked that itself.
  const char* trailing = nullptr;
  if (!t->done && doc.current_location().get(trailing) != simdjson::OUT_OF_BOUNDS) return ParseStatus::kBadJson;
  if (t->channel == Channel::kBook && t->type != BookType::kNone && t->type != BookType::kOther && t->has_data &&
      !t->data_parsed)
    HS_PARSE_TRY(ParseDeferredData(doc, im, out, t->channel));
  if (t->channel == Channel::kStatus && t->has_data && !t->data_parsed)
    HS_PARSE_TRY(ParseDeferredData(doc, im, out, t->channel));
  return ParseStatus::kOk;
}

// What the message is, once its members have been read.
ParseStatus Classify(Message* out, const Top& t) noexcept {
  if (t.channel != Channel::kNone) {
    switch (t.channel) {
      case Channel::kBook:
        if (t.type == BookType::kNone) return ParseStatus::kMissingField;
        if (t.type == BookType::kOther) return ParseStatus::kUnknown;
        if (!t.has_data) return ParseStatus::kMissingField;
        out->kind = t.type == BookType::kSnapshot ? MessageKind::kBookSnapshot : MessageKind::kBookUpdate;
        return ParseStatus::kOk;
      case Channel::kHeartbeat:
        out->kind = MessageKind::kHeartbeat;
        return ParseStatus::kOk;
      case Channel::kStatus:
        out->kind = MessageKind::kStatus;
        return ParseStatus::kOk;
      default:
        return ParseStatus::kUnknown;  // ticker, trade, instrument, ...: not subscribed here
    }
  }
  switch (t.method) {
    case Method::kSubscribe:
    case Method::kUnsubscribe:
      if (!t.has_success) return ParseStatus::kMissingField;
      out->kind = t.method == Method::kSubscribe ? MessageKind::kSubscribeAck : MessageKind::kUnsubscribeAck;
      return ParseStatus::kOk;
    case Method::kPong:
      out->kind = MessageKind::kPong;
      return ParseStatus::kOk;
    default:
      return ParseStatus::kUnknown;
  }
}

ParseStatus ParseMessage(Parser::Impl& im, const char* data, size_t len, bool in_place, Message* out) noexcept {
  *out = Message{};
  Top t;
  if (!in_place || !ParseBookEnvelope(im, data, len, out, &t)) {
    *out = Message{};
    t = Top{};
    t.in_place = in_place;
    HS_PARSE_TRY(ParseWhole(im, data, len, out, &t));
  }
  return Classify(out, t);
}


}  // namespace

ParseStatus Parser::Parse(const char* data, size_t len, Message* out) noexcept {
  return ParseMessage(*impl_, data, len, in_place_data_, out);
}

namespace {
bool Digits(std::string_view s, size_t at, size_t n, int* out) noexcept {
  if (at + n > s.size()) return false;
  int v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (!decimal_internal::IsDigit(s[i])) return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (the civil-from-days inverse).
int64_t DaysFromCivil(int y, int m, int d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<int64_t>(era) * 146097 + doe - 719468;
}
}  // namespace

bool ParseRfc3339(std::string_view s, Nanos* out) noexcept {
  int y, mo, d, h, mi, se;
  if (!Digits(s, 0, 4, &y) || s.size() < 20 || s[4] != '-' || !Digits(s, 5, 2, &mo) || s[7] != '-' ||
      !Digits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != 't') || !Digits(s, 11, 2, &h) || s[13] != ':' ||
      !Digits(s, 14, 2, &mi) || s[16] != ':' || !Digits(s, 17, 2, &se))
    return false;
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1] || h > 23 || mi > 59 || se > 59) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo == 2 && d == 29 && !leap) return false;
  size_t i = 19;
  int64_t frac_ns = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    int digits = 0;
    while (i < s.size() && decimal_internal::IsDigit(s[i])) {
      if (digits < 9) frac_ns = frac_ns * 10 + (s[i] - '0');
      ++digits;
      ++i;
    }
    if (digits == 0) return false;
    for (int k = digits; k < 9; ++k) frac_ns *= 10;
  }
  if (i + 1 != s.size() || (s[i] != 'Z' && s[i] != 'z')) return false;
  const int64_t secs = DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
  // Nanoseconds in int64 reach the years 1677..2262; anything outside is not a venue time.
  if (secs >= INT64_MAX / 1'000'000'000 || secs <= INT64_MIN / 1'000'000'000) return false;
  *out = Nanos{secs * 1'000'000'000 + frac_ns};
  return true;
}

}  // namespace hs::kraken
