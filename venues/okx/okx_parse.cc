#include "venues/okx/okx_parse.h"

#include <cstring>

#include "core/base/check.h"
#include "core/base/decimal.h"
#include "venues/common/internal/envelope.h"
#include "venues/common/internal/json.h"
#include "venues/common/internal/levels.h"

namespace hs::okx {

namespace od = simdjson::ondemand;
using venues::internal::GetDecimalString;
using venues::internal::GetInt;
using venues::internal::GetString;
using venues::internal::KeyIs;

int ChannelDepth(Channel c) noexcept {
  switch (c) {
    case Channel::kBooks:
    case Channel::kBooksL2Tbt:
      return kBooksDepth;
    case Channel::kBooks50L2Tbt:
      return kBooks50Depth;
    case Channel::kBooks5:
      return kBooks5Depth;
    case Channel::kBboTbt:
      return kBboDepth;
    default:
      return 0;
  }
}

const char* ChannelName(Channel c) noexcept {
  switch (c) {
    case Channel::kNone:
      return "";
    case Channel::kBooks:
      return "books";
    case Channel::kBooksL2Tbt:
      return "books-l2-tbt";
    case Channel::kBooks50L2Tbt:
      return "books50-l2-tbt";
    case Channel::kBooks5:
      return "books5";
    case Channel::kBboTbt:
      return "bbo-tbt";
    case Channel::kAccount:
      return "account";
    case Channel::kOrders:
      return "orders";
    case Channel::kOther:
      return "other";
    case Channel::kMarkPrice:
      return "mark-price";
    case Channel::kIndexTickers:
      return "index-tickers";
    case Channel::kFundingRate:
      return "funding-rate";
    case Channel::kPositions:
      return "positions";
    case Channel::kBalanceAndPosition:
      return "balance_and_position";
  }
  return "?";
}

ParseStatus BalanceAmounts(const BalanceItem& b, Amount* free, Amount* locked) noexcept {
  const std::string_view avail = !b.avail_text.empty() ? b.avail_text : b.cash_text;
  if (avail.empty()) return ParseStatus::kMissingField;
  const ParseResult<Amount> f = ParseDecimal<Amount>(avail, Sign::kAllowNegative);
  if (!f.ok()) return ParseStatus::kBadNumber;
  *free = f.value;
  *locked = Amount::Zero();
  if (!b.frozen_text.empty()) {
    const ParseResult<Amount> l = ParseDecimal<Amount>(b.frozen_text, Sign::kAllowNegative);
    if (!l.ok()) return ParseStatus::kBadNumber;
    *locked = l.value;
  }
  return ParseStatus::kOk;
}

template <typename T>
ParseStatus LenientDecimal(std::string_view text, T* out, bool* present) noexcept {
  if (present != nullptr) *present = !text.empty();
  if (text.empty()) {
    *out = T::Zero();
    return ParseStatus::kOk;
  }
  ParseResult<T> r = ParseDecimal<T>(text, Sign::kAllowNegative);
  if (r.error == DecimalError::kTooPrecise) {
    // Cut the fraction at T's scale (the rest is below what the engine keeps) and parse again.
    const size_t dot = text.find('.');
    if (dot != std::string_view::npos && text.size() > dot + 1 + T::kDecimals)
      r = ParseDecimal<T>(text.substr(0, dot + 1 + T::kDecimals), Sign::kAllowNegative);
  }
  if (!r.ok()) return ParseStatus::kBadNumber;
  *out = r.value;
  return ParseStatus::kOk;
}
template ParseStatus LenientDecimal<Price>(std::string_view, Price*, bool*) noexcept;
template ParseStatus LenientDecimal<Qty>(std::string_view, Qty*, bool*) noexcept;
template ParseStatus LenientDecimal<Rate>(std::string_view, Rate*, bool*) noexcept;
template ParseStatus LenientDecimal<Amount>(std::string_view, Amount*, bool*) noexcept;

Qty ContractsToBase(Qty contracts, Qty ct_val) noexcept {
  const fp_internal::Int128 prod = static_cast<fp_internal::Int128>(contracts.raw()) * ct_val.raw();
  return Qty::FromRaw(fp_internal::Saturate(prod / Qty::kScale));
}

bool BaseToContracts(Qty base, Qty ct_val, Qty* contracts) noexcept {
  if (!ct_val.is_positive()) return false;
  const fp_internal::Int128 num = static_cast<fp_internal::Int128>(base.raw());
  // A whole number of contracts: base is a multiple of ct_val.
  if (num % ct_val.raw() != 0) return false;
  const fp_internal::Int128 n = num / ct_val.raw();
  if (n > INT64_MAX / Qty::kScale || n < INT64_MIN / Qty::kScale) return false;
  *contracts = Qty::FromUnits(static_cast<int64_t>(n));
  return true;
}

ParseStatus PositionAmounts(const PositionItem& p, Qty ct_val, PositionUpdate* out, Amount* funding_fee) noexcept {
  if (p.pos_text.empty()) return ParseStatus::kMissingField;
  if (p.mgn_mode == kTdModeIsolated) {
    out->mode = MarginMode::kIsolated;
  } else if (p.mgn_mode == kTdModeCross) {
    out->mode = MarginMode::kCross;
  } else {
    return ParseStatus::kMissingField;
  }
  Qty contracts;
  HS_PARSE_TRY(LenientDecimal(p.pos_text, &contracts));
  out->size = ContractsToBase(contracts, ct_val);
  HS_PARSE_TRY(LenientDecimal(p.avg_px_text, &out->entry_px));
  HS_PARSE_TRY(LenientDecimal(p.mark_px_text, &out->mark_px));
  HS_PARSE_TRY(LenientDecimal(p.liq_px_text, &out->liq_px));
  HS_PARSE_TRY(LenientDecimal(out->mode == MarginMode::kIsolated ? p.margin_text : p.imr_text, &out->initial_margin));
  HS_PARSE_TRY(LenientDecimal(p.mmr_text, &out->maint_margin));
  HS_PARSE_TRY(LenientDecimal(p.upl_text, &out->unrealized_pnl));
  HS_PARSE_TRY(LenientDecimal(p.lever_text, &out->leverage));
  HS_PARSE_TRY(LenientDecimal(p.funding_fee_text, funding_fee));
  if (out->entry_px.is_negative() || out->mark_px.is_negative() || out->liq_px.is_negative() ||
      out->leverage.is_negative())
    return ParseStatus::kBadNumber;
  out->venue_time = Nanos::FromMillis(p.u_time_ms);
  return ParseStatus::kOk;
}

ParseStatus MarginAmounts(const BalanceItem& b, MarginAccountUpdate* out) noexcept {
  if (b.cash_text.empty()) return ParseStatus::kMissingField;
  HS_PARSE_TRY(LenientDecimal(b.cash_text, &out->wallet_balance));
  HS_PARSE_TRY(LenientDecimal(b.eq_text, &out->equity));
  HS_PARSE_TRY(LenientDecimal(b.imr_text, &out->initial_margin));
  HS_PARSE_TRY(LenientDecimal(b.mmr_text, &out->maint_margin));
  HS_PARSE_TRY(LenientDecimal(!b.avail_eq_text.empty() ? b.avail_eq_text : b.avail_text, &out->available));
  out->venue_time = Nanos::FromMillis(b.u_time_ms);
  return ParseStatus::kOk;
}

struct Parser::Impl {
  explicit Impl(size_t max) : parser(max) {
    // Size every buffer now so parsing never allocates (STYLE §8).
    HS_CHECK(parser.allocate(max) == simdjson::SUCCESS, "simdjson parser allocation failed");
    bids = std::make_unique<BookLevel[]>(kMaxLevels);
    asks = std::make_unique<BookLevel[]>(kMaxLevels);
    orders = std::make_unique<OrderItem[]>(kMaxOrderItems);
    balances = std::make_unique<BalanceItem[]>(kMaxBalances);
    positions = std::make_unique<PositionItem[]>(kMaxOrderItems);
    pos_data = std::make_unique<PositionItem[]>(kMaxOrderItems);
  }
  od::parser parser;
  char envelope[venues::internal::kEnvelopeScratch] = {};  // ParseMarketEnvelope's copy
  std::unique_ptr<BookLevel[]> bids;
  std::unique_ptr<BookLevel[]> asks;
  std::unique_ptr<OrderItem[]> orders;
  std::unique_ptr<BalanceItem[]> balances;
  std::unique_ptr<PositionItem[]> positions;  // parallel to orders: one per data entry
  std::unique_ptr<PositionItem[]> pos_data;   // balance_and_position data[0].posData[]
};

Parser::Parser(size_t max_message_bytes) : impl_(std::make_unique<Impl>(max_message_bytes)) {}
Parser::~Parser() = default;

namespace {

bool IsPong(const char* data, size_t len) noexcept {
  return len == kPong.size() && std::memcmp(data, kPong.data(), kPong.size()) == 0;
}

Channel ClassifyChannel(std::string_view c) noexcept {
  if (c == kChannelBooks) return Channel::kBooks;
  if (c == kChannelBboTbt) return Channel::kBboTbt;
  if (c == kChannelBooks5) return Channel::kBooks5;
  if (c == kChannelBooksL2Tbt) return Channel::kBooksL2Tbt;
  if (c == kChannelBooks50L2Tbt) return Channel::kBooks50L2Tbt;
  if (c == kChannelOrders) return Channel::kOrders;
  if (c == kChannelAccount) return Channel::kAccount;
  if (c == kChannelMarkPrice) return Channel::kMarkPrice;
  if (c == kChannelFundingRate) return Channel::kFundingRate;
  if (c == kChannelIndexTickers) return Channel::kIndexTickers;
  if (c == kChannelPositions) return Channel::kPositions;
  if (c == kChannelBalanceAndPosition) return Channel::kBalanceAndPosition;
  return Channel::kOther;
}

EventKind ClassifyEvent(std::string_view e) noexcept {
  if (e == "subscribe") return EventKind::kSubscribe;
  if (e == "error") return EventKind::kError;
  if (e == "unsubscribe") return EventKind::kUnsubscribe;
  if (e == "login") return EventKind::kLogin;
  return EventKind::kOther;
}

// OKX sends millisecond times as decimal strings ("1597026383085"); "" means absent.
ParseStatus MillisText(std::string_view s, int64_t* out) noexcept {
  if (s.size() > 18) return ParseStatus::kBadNumber;
  int64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return ParseStatus::kBadNumber;
    n = n * 10 + (c - '0');
  }
  *out = n;
  return ParseStatus::kOk;
}

ParseStatus GetMillisString(od::value v, int64_t* out) noexcept {
  std::string_view s;
  HS_PARSE_TRY(GetString(v, &s));
  return MillisText(s, out);
}

// A code sent as a string ("0", "60009") or, defensively, as a number: the raw text either way.
ParseStatus GetCode(od::value v, std::string_view* out) noexcept {
  od::json_type t;
  if (v.type().get(t)) return ParseStatus::kBadJson;
  if (t == od::json_type::string) return GetString(v, out);
  if (t == od::json_type::number) return venues::internal::GetNumberText(v, out);
  return ParseStatus::kBadField;
}

// A decimal string where OKX uses "" for "not applicable" (fillPx on a non-fill push).
template <typename T>
ParseStatus GetOptionalDecimal(od::value v, T* out, bool* present, Sign sign = Sign::kNonNegative) noexcept {
  std::string_view s;
  HS_PARSE_TRY(GetString(v, &s));
  if (s.empty()) {
    *present = false;
    return ParseStatus::kOk;
  }
  const ParseResult<T> r = ParseDecimal<T>(s, sign);
  if (!r.ok()) return ParseStatus::kBadNumber;
  *out = r.value;
  *present = true;
  return ParseStatus::kOk;
}

// Reads one JSON string with no escapes at p (which must point at '"'); returns the byte after
// its closing quote, or nullptr.
inline const char* SkipPlainString(const char* p, const char* end) noexcept {
  if (p == end || *p != '"') return nullptr;
  ++p;
  while (p != end && *p != '"' && *p != '\\') ++p;
  return (p != end && *p == '"') ? p + 1 : nullptr;
}

// The fast path for OKX's compact level arrays, [["px","sz","0","n"],...] with no whitespace,
// read from `p` (its '['): one pass, no per-token whitespace checks. Returns the byte after the
// closing ']', or nullptr. It accepts a strict subset of what the generic ScanStringLevels
// accepts and produces the same levels; on anything else (whitespace, escapes, other element
// types, too few strings, a bad number, too many levels) it returns nullptr and the generic
// scanner decides, error status included.
const char* ScanCompactLevelsAt(const char* p, const char* end, BookLevel* out, int cap, int* count) noexcept {
  if (p == end || *p != '[') return nullptr;
  ++p;
  int n = 0;
  if (p != end && *p == ']') {
    *count = 0;
    return p + 1;
  }
  for (;;) {
    if (end - p < 2 || p[0] != '[' || p[1] != '"' || n >= cap) return nullptr;
    BookLevel& lv = out[n];
    int64_t raw = 0;
    DecimalError err = DecimalError::kOk;
    const char* q = decimal_internal::ParseQuotedRaw(p + 1, end, Price::kDecimals, &raw, &lv.px_text, &err);
    if (q == nullptr || end - q < 2 || q[0] != ',' || q[1] != '"') return nullptr;
    lv.px = Price::FromRaw(raw);
    q = decimal_internal::ParseQuotedRaw(q + 1, end, Qty::kDecimals, &raw, &lv.qty_text, &err);
    if (q == nullptr) return nullptr;
    lv.qty = Qty::FromRaw(raw);
    while (q != end && *q == ',') {  // the retired field and the order count: strings, skipped
      q = SkipPlainString(q + 1, end);
      if (q == nullptr) return nullptr;
    }
    if (q == end || *q != ']') return nullptr;
    ++n;
    p = q + 1;
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

bool ScanCompactLevels(std::string_view arr, BookLevel* out, int cap, int* count) noexcept {
  const char* const end = arr.data() + arr.size();
  return ScanCompactLevelsAt(arr.data(), end, out, cap, count) == end;
}

ParseStatus ParseLevels(od::value v, BookLevel* out, int* count, bool compact) noexcept {
  od::array arr;
  if (v.get_array().get(arr)) return ParseStatus::kBadField;
  std::string_view raw;
  if (arr.raw_json().get(raw)) return ParseStatus::kBadJson;
  if (compact && ScanCompactLevels(raw, out, Parser::kMaxLevels, count)) return ParseStatus::kOk;
  return venues::internal::ScanStringLevels(raw, out, Parser::kMaxLevels, count);
}

// arg: {"channel":"books","instId":"BTC-USDT", ...}
ParseStatus ParseArg(od::value v, Channel* channel, std::string_view* inst_id) noexcept {
  od::object arg;
  if (v.get_object().get(arg)) return ParseStatus::kBadField;
  for (auto field : arg) {
    od::raw_json_string key;
    if (field.key().get(key)) return ParseStatus::kBadJson;
    od::value fv;
    if (field.value().get(fv)) return ParseStatus::kBadJson;
    if (KeyIs(key, "channel")) {
      std::string_view c;
      HS_PARSE_TRY(GetString(fv, &c));
      *channel = ClassifyChannel(c);
    } else if (KeyIs(key, "instId")) {
      HS_PARSE_TRY(GetString(fv, inst_id));
    }
  }
  return ParseStatus::kOk;
}

enum : uint32_t {
  kFArg = 1u << 0,
  kFData = 1u << 1,
  kFAsks = 1u << 2,
  kFBids = 1u << 3,
  kFSeq = 1u << 4,
  kFPrev = 1u << 5,
  kFChecksum = 1u << 6,
  kFAction = 1u << 7,
  kFEvent = 1u << 8,
  kFMark = 1u << 9,
  kFFunding = 1u << 10,
};

inline bool IsTickerChannel(Channel c) noexcept {
  return c == Channel::kMarkPrice || c == Channel::kFundingRate || c == Channel::kIndexTickers;
}

// One book entry of `data`: asks, bids, ts, checksum, seqId, prevSeqId (instId and others skipped).
ParseStatus ParseBookEntry(od::object entry, MarketFrame* out, BookLevel* bids, BookLevel* asks, uint32_t* seen,
                           bool compact) noexcept {
  for (auto field : entry) {
    od::raw_json_string key;
    if (field.key().get(key)) return ParseStatus::kBadJson;
    od::value v;
    if (field.value().get(v)) return ParseStatus::kBadJson;
    if (KeyIs(key, "asks")) {
      HS_PARSE_TRY(ParseLevels(v, asks, &out->ask_count, compact));
      *seen |= kFAsks;
    } else if (KeyIs(key, "bids")) {
      HS_PARSE_TRY(ParseLevels(v, bids, &out->bid_count, compact));
      *seen |= kFBids;
    } else if (KeyIs(key, "seqId")) {
      HS_PARSE_TRY(GetInt(v, &out->seq_id));
      *seen |= kFSeq;
    } else if (KeyIs(key, "prevSeqId")) {
      HS_PARSE_TRY(GetInt(v, &out->prev_seq_id));
      out->has_prev_seq = true;
      *seen |= kFPrev;
    } else if (KeyIs(key, "checksum")) {
      int64_t c = 0;
      HS_PARSE_TRY(GetInt(v, &c));
      if (c < INT32_MIN || c > INT32_MAX) return ParseStatus::kBadNumber;  // a signed 32-bit CRC
      out->checksum = static_cast<int32_t>(c);
      out->has_checksum = true;
      *seen |= kFChecksum;
    } else if (KeyIs(key, "ts")) {
      HS_PARSE_TRY(GetMillisString(v, &out->ts_ms));
    } else if (KeyIs(key, "markPx")) {
      std::string_view t;
      HS_PARSE_TRY(GetString(v, &t));
      HS_PARSE_TRY(LenientDecimal(t, &out->mark_px, &out->has_mark));
      if (!out->mark_px.is_positive() && out->has_mark) return ParseStatus::kBadNumber;
      *seen |= kFMark;
    } else if (KeyIs(key, "idxPx")) {
      std::string_view t;
      HS_PARSE_TRY(GetString(v, &t));
      HS_PARSE_TRY(LenientDecimal(t, &out->index_px, &out->has_index));
      if (!out->index_px.is_positive() && out->has_index) return ParseStatus::kBadNumber;
    } else if (KeyIs(key, "fundingRate")) {
      std::string_view t;
      HS_PARSE_TRY(GetString(v, &t));
      HS_PARSE_TRY(LenientDecimal(t, &out->funding_rate, &out->has_funding));
      *seen |= kFFunding;
    } else if (KeyIs(key, "fundingTime")) {
      // The settlement the current fundingRate applies to: what MarkUpdate calls the next funding.
      int64_t ms = 0;
      HS_PARSE_TRY(GetMillisString(v, &ms));
      if (ms != 0) out->next_funding_ms = ms;
    } else if (KeyIs(key, "nextFundingTime")) {
      // The settlement after it; used only when fundingTime is absent.
      int64_t ms = 0;
      HS_PARSE_TRY(GetMillisString(v, &ms));
      if (out->next_funding_ms == 0) out->next_funding_ms = ms;
    }
  }
  return ParseStatus::kOk;
}

// A JSON integer in canonical form — '-'?, then "0" or 1..18 digits with no leading zero, not
// followed by a fraction or an exponent — at p. Returns the byte after it, or nullptr for
// anything else (On-Demand then reads the same bytes and decides).
inline const char* ScanCanonicalInt(const char* p, const char* end, int64_t* out) noexcept {
  const bool negative = p != end && *p == '-';
  if (negative) ++p;
  const char* const begin = p;
  int64_t v = 0;
  while (p != end && decimal_internal::IsDigit(*p)) {
    if (p - begin == 18) return nullptr;  // a 19th digit: beyond what this path reads
    v = v * 10 + (*p - '0');
    ++p;
  }
  const long n = p - begin;
  if (n == 0 || (n > 1 && *begin == '0')) return nullptr;
  if (p != end && (*p == '.' || *p == 'e' || *p == 'E')) return nullptr;
  *out = negative ? -v : v;
  return p;
}

// The one book entry of `data`, read in place from its '[': [{"asks":[...],"bids":[...],
// "ts":"...","checksum":n,"prevSeqId":n,"seqId":n}] with no whitespace, keys in any order, each
// at most once, other keys only with string values, and after it only the envelope's closing
// brace (whitespace allowed) up to frame_end. On success fills *out (levels into bids/asks),
// adds the fields seen to *seen and returns true. On anything else returns false having
// changed nothing the caller keeps: On-Demand then reads the same bytes (ParseBookEntry), and
// its verdict — error status included — stands.
//
// Why: OKX sends `data` last. Stepping On-Demand's iterator over every token of the level arrays
// (raw_json() on each) just to reach the closing brace costs more than this scan.
bool ScanDataInPlace(const char* p, const char* end, MarketFrame* out, BookLevel* bids, BookLevel* asks,
                     uint32_t* seen) noexcept {
  constexpr uint32_t kFTs = 1u << 31;  // local: catches a repeated "ts"
  if (end - p < 2 || p[0] != '[' || p[1] != '{') return false;
  p += 2;
  MarketFrame f = *out;
  uint32_t got = 0;
  for (;;) {
    if (p == end || *p != '"') return false;
    const char* const key = p + 1;
    const char* q = SkipPlainString(p, end);
    if (q == nullptr || q == end || *q != ':') return false;
    const std::string_view k(key, static_cast<size_t>(q - 1 - key));
    p = q + 1;
    uint32_t bit = 0;
    if (k == "asks") {
      bit = kFAsks;
      p = ScanCompactLevelsAt(p, end, asks, Parser::kMaxLevels, &f.ask_count);
    } else if (k == "bids") {
      bit = kFBids;
      p = ScanCompactLevelsAt(p, end, bids, Parser::kMaxLevels, &f.bid_count);
    } else if (k == "seqId") {
      bit = kFSeq;
      p = ScanCanonicalInt(p, end, &f.seq_id);
    } else if (k == "prevSeqId") {
      bit = kFPrev;
      p = ScanCanonicalInt(p, end, &f.prev_seq_id);
      f.has_prev_seq = true;
    } else if (k == "checksum") {
      bit = kFChecksum;
      int64_t c = 0;
      p = ScanCanonicalInt(p, end, &c);
      if (c < INT32_MIN || c > INT32_MAX) return false;
      f.checksum = static_cast<int32_t>(c);
      f.has_checksum = true;
    } else if (k == "ts") {
      bit = kFTs;
      const char* const ts = p + 1;
      p = SkipPlainString(p, end);
      if (p != nullptr && MillisText(std::string_view(ts, static_cast<size_t>(p - 1 - ts)), &f.ts_ms) != ParseStatus::kOk)
        return false;
    } else {
      p = SkipPlainString(p, end);  // instId, and string fields OKX may add
    }
    if (p == nullptr || (got & bit) != 0) return false;
    got |= bit;
    if (p != end && *p == ',') {
      ++p;
      continue;
    }
    if (end - p >= 2 && p[0] == '}' && p[1] == ']') break;
    return false;
  }
  p = venues::internal::SkipWs(p + 2, end);
  if (p == end || *p != '}' || venues::internal::SkipWs(p + 1, end) != end) return false;
  *out = f;
  *seen |= got & ~kFTs;
  return true;
}

}  // namespace

namespace {

// One top-level member of a market frame other than `data` (keys it does not interpret are
// skipped). Shared by the full parse and the envelope fast path so that both read it alike.
ParseStatus MarketMember(const od::raw_json_string& key, od::value v, MarketFrame* out, uint32_t* seen) noexcept {
  if (KeyIs(key, "arg")) {
    HS_PARSE_TRY(ParseArg(v, &out->channel, &out->inst_id));
    *seen |= kFArg;
  } else if (KeyIs(key, "action")) {
    std::string_view a;
    HS_PARSE_TRY(GetString(v, &a));
    if (a == "snapshot") {
      out->action = Action::kSnapshot;
    } else if (a == "update") {
      out->action = Action::kUpdate;
    } else {
      return ParseStatus::kBadField;
    }
    *seen |= kFAction;
  } else if (KeyIs(key, "event")) {
    std::string_view e;
    HS_PARSE_TRY(GetString(v, &e));
    out->event = ClassifyEvent(e);
    *seen |= kFEvent;
  } else if (KeyIs(key, "code")) {
    HS_PARSE_TRY(GetCode(v, &out->code));
  } else if (KeyIs(key, "msg")) {
    HS_PARSE_TRY(GetString(v, &out->msg));
  }
  return ParseStatus::kOk;
}

// What a market frame is, once every member has been read.
ParseStatus FinishMarket(MarketFrame* out, uint32_t seen, int entries) noexcept {
  if (seen & kFEvent) {
    out->kind = FrameKind::kEvent;
    return ParseStatus::kOk;
  }
  if (!(seen & kFArg)) return (seen & kFData) ? ParseStatus::kMissingField : ParseStatus::kUnknown;
  if (IsTickerChannel(out->channel)) {
    if (out->inst_id.empty() || entries != 1) return ParseStatus::kMissingField;
    const bool has = out->channel == Channel::kMarkPrice     ? out->has_mark
                     : out->channel == Channel::kFundingRate ? out->has_funding
                                                             : out->has_index;
    if (!has) return ParseStatus::kMissingField;
    out->kind = FrameKind::kTicker;
    return ParseStatus::kOk;
  }
  if (!IsBookChannel(out->channel)) return out->channel == Channel::kNone ? ParseStatus::kMissingField : ParseStatus::kUnknown;
  if (out->inst_id.empty() || entries == 0) return ParseStatus::kMissingField;
  constexpr uint32_t need = kFAsks | kFBids | kFSeq;
  if ((seen & need) != need) return ParseStatus::kMissingField;
  if (IsIncremental(out->channel)) {
    constexpr uint32_t need_inc = kFAction | kFPrev | kFChecksum;
    if ((seen & need_inc) != need_inc) return ParseStatus::kMissingField;
  }
  out->kind = FrameKind::kBook;
  return ParseStatus::kOk;
}

}  // namespace

// The book push's fast path: stage 1 over the envelope alone (venues/common/internal/
// envelope.h), read by MarketMember as the full parse reads it, then `data` scanned in place
// (ScanDataInPlace, which also checks that only the closing brace follows). False on anything
// else; the caller then parses the whole frame and its verdict stands.
bool Parser::ParseMarketEnvelope(const char* data, size_t len, MarketFrame* out, uint32_t* seen) noexcept {
  Impl& m = *impl_;
  const char* arr = nullptr;
  const size_t n = venues::internal::EnvelopeSplit(data, len, ",\"data\":[", m.envelope, &arr);
  if (n == 0) return false;
  od::document doc;
  if (m.parser.iterate(m.envelope, n, sizeof m.envelope).get(doc)) return false;
  od::object obj;
  if (doc.get_object().get(obj)) return false;
  for (auto field : obj) {
    od::raw_json_string key;
    if (field.key().get(key)) return false;
    od::value v;
    if (field.value().get(v)) return false;
    if (KeyIs(key, "data")) return false;  // twice: the full parse decides
    if (MarketMember(key, v, out, seen) != ParseStatus::kOk) return false;
  }
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) return false;  // not at the end
  if (!(*seen & kFArg) || (*seen & kFEvent) || !IsBookChannel(out->channel)) return false;
  if (!ScanDataInPlace(arr, data + len, out, m.bids.get(), m.asks.get(), seen)) return false;
  *seen |= kFData;
  return true;
}

ParseStatus Parser::ParseMarket(const char* data, size_t len, MarketFrame* out) noexcept {
  *out = MarketFrame{};
  out->bids = impl_->bids.get();
  out->asks = impl_->asks.get();
  if (IsPong(data, len)) {
    out->kind = FrameKind::kPong;
    return ParseStatus::kOk;
  }
  uint32_t seen = 0;
  int entries = 0;
  if (compact_levels_ && ParseMarketEnvelope(data, len, out, &seen)) return FinishMarket(out, seen, 1);
  *out = MarketFrame{};
  out->bids = impl_->bids.get();
  out->asks = impl_->asks.get();
  seen = 0;
  od::document doc;
  if (impl_->parser.iterate(data, len, len + simdjson::SIMDJSON_PADDING).get(doc)) return ParseStatus::kBadJson;
  od::object obj;
  if (doc.get_object().get(obj)) return ParseStatus::kBadJson;
  for (auto field : obj) {
    od::raw_json_string key;
    if (field.key().get(key)) return ParseStatus::kBadJson;
    od::value v;
    if (field.value().get(v)) return ParseStatus::kBadJson;
    if (KeyIs(key, "data")) {
      seen |= kFData;
      // OKX sends arg first; when it names a channel we do not use, skip its payload unread.
      if ((seen & kFArg) && !IsBookChannel(out->channel) && !IsTickerChannel(out->channel)) continue;
      if ((seen & kFArg) && IsBookChannel(out->channel) && compact_levels_ && entries == 0) {
        // `data` last, as OKX sends it: scan it in place and, when only the closing brace
        // follows, finish here without stepping On-Demand over it.
        if (ScanDataInPlace(v.raw_json_token().data(), data + len, out, impl_->bids.get(), impl_->asks.get(), &seen)) {
          entries = 1;
          break;
        }
      }
      od::array arr;
      if (v.get_array().get(arr)) return ParseStatus::kBadField;
      for (auto item : arr) {
        od::object entry;
        if (item.get_object().get(entry)) return ParseStatus::kBadField;
        if (++entries > 1) return ParseStatus::kBadField;  // one book per push
        HS_PARSE_TRY(ParseBookEntry(entry, out, impl_->bids.get(), impl_->asks.get(), &seen, compact_levels_));
      }
    } else {
      HS_PARSE_TRY(MarketMember(key, v, out, &seen));
    }
  }
  return FinishMarket(out, seen, entries);
}

namespace {

// data[].details[]: {"ccy":"BTC","availBal":"1.5","cashBal":"1.5","frozenBal":"0",...}
ParseStatus ParseDetails(od::value v, BalanceItem* out, int* count) noexcept {
  od::array arr;
  if (v.get_array().get(arr)) return ParseStatus::kBadField;
  int n = 0;
  for (auto item : arr) {
    od::object d;
    if (item.get_object().get(d)) return ParseStatus::kBadField;
    if (n >= Parser::kMaxBalances) return ParseStatus::kTooManyLevels;
    BalanceItem& b = out[n];
    b = BalanceItem{};
    for (auto field : d) {
      od::raw_json_string key;
      if (field.key().get(key)) return ParseStatus::kBadJson;
      od::value fv;
      if (field.value().get(fv)) return ParseStatus::kBadJson;
      if (KeyIs(key, "ccy")) {
        HS_PARSE_TRY(GetString(fv, &b.ccy));
      } else if (KeyIs(key, "availBal")) {
        HS_PARSE_TRY(GetString(fv, &b.avail_text));
      } else if (KeyIs(key, "cashBal")) {
        HS_PARSE_TRY(GetString(fv, &b.cash_text));
      } else if (KeyIs(key, "frozenBal")) {
        HS_PARSE_TRY(GetString(fv, &b.frozen_text));
      } else if (KeyIs(key, "eq")) {
        HS_PARSE_TRY(GetString(fv, &b.eq_text));
      } else if (KeyIs(key, "imr")) {
        HS_PARSE_TRY(GetString(fv, &b.imr_text));
      } else if (KeyIs(key, "mmr")) {
        HS_PARSE_TRY(GetString(fv, &b.mmr_text));
      } else if (KeyIs(key, "availEq")) {
        HS_PARSE_TRY(GetString(fv, &b.avail_eq_text));
      } else if (KeyIs(key, "uTime")) {
        HS_PARSE_TRY(GetMillisString(fv, &b.u_time_ms));
      }
    }
    if (b.ccy.empty()) return ParseStatus::kMissingField;
    ++n;
  }
  *count = n;
  return ParseStatus::kOk;
}

// A key only a position carries (positions push, posData item), read as text. *handled says
// whether it was one.
ParseStatus PositionKey(const od::raw_json_string& key, od::value v, PositionItem* p, bool* handled) noexcept {
  std::string_view* dst = nullptr;
  if (KeyIs(key, "pos")) {
    dst = &p->pos_text;
  } else if (KeyIs(key, "mgnMode")) {
    dst = &p->mgn_mode;
  } else if (KeyIs(key, "posSide")) {
    dst = &p->pos_side;
  } else if (KeyIs(key, "markPx")) {
    dst = &p->mark_px_text;
  } else if (KeyIs(key, "liqPx")) {
    dst = &p->liq_px_text;
  } else if (KeyIs(key, "margin")) {
    dst = &p->margin_text;
  } else if (KeyIs(key, "imr")) {
    dst = &p->imr_text;
  } else if (KeyIs(key, "mmr")) {
    dst = &p->mmr_text;
  } else if (KeyIs(key, "upl")) {
    dst = &p->upl_text;
  } else if (KeyIs(key, "lever")) {
    dst = &p->lever_text;
  } else if (KeyIs(key, "fundingFee")) {
    dst = &p->funding_fee_text;
  }
  *handled = dst != nullptr;
  if (dst == nullptr) return ParseStatus::kOk;
  p->any = true;
  return GetString(v, dst);
}

// data[0].posData[] of balance_and_position: the positions the event changed.
ParseStatus ParsePosData(od::value v, PositionItem* out, int* count) noexcept {
  od::array arr;
  if (v.get_array().get(arr)) return ParseStatus::kBadField;
  int n = 0;
  for (auto item : arr) {
    od::object d;
    if (item.get_object().get(d)) return ParseStatus::kBadField;
    if (n >= Parser::kMaxOrderItems) return ParseStatus::kTooManyLevels;
    PositionItem& p = out[n];
    p = PositionItem{};
    for (auto field : d) {
      od::raw_json_string key;
      if (field.key().get(key)) return ParseStatus::kBadJson;
      od::value fv;
      if (field.value().get(fv)) return ParseStatus::kBadJson;
      bool handled = false;
      HS_PARSE_TRY(PositionKey(key, fv, &p, &handled));
      if (handled) continue;
      if (KeyIs(key, "instId")) {
        HS_PARSE_TRY(GetString(fv, &p.inst_id));
      } else if (KeyIs(key, "avgPx")) {
        HS_PARSE_TRY(GetString(fv, &p.avg_px_text));
      } else if (KeyIs(key, "uTime")) {
        HS_PARSE_TRY(GetMillisString(fv, &p.u_time_ms));
      }
    }
    if (p.inst_id.empty()) return ParseStatus::kMissingField;
    ++n;
  }
  *count = n;
  return ParseStatus::kOk;
}

// Where ParsePrivateEntry puts what is not an order field.
struct EntrySinks {
  BalanceItem* balances;
  int* balance_count;
  bool* has_details;
  PositionItem* pos_data;  // balance_and_position posData
  int* pos_data_count;
  PrivateMsg* msg;         // eventType, pTime
  // An order field that failed to convert where a position carries the same key with more
  // decimals (avgPx, fee): the verdict waits until the message's kind is known.
  ParseStatus* deferred;
};

// A decimal text as GetOptionalDecimal reads it, with a conversion error deferred.
template <typename T>
ParseStatus DeferredDecimal(od::value v, T* out, bool* present, Sign sign, std::string_view* text,
                            ParseStatus* deferred) noexcept {
  HS_PARSE_TRY(GetString(v, text));
  *present = false;
  if (text->empty()) return ParseStatus::kOk;
  const ParseResult<T> r = ParseDecimal<T>(*text, sign);
  if (!r.ok()) {
    if (*deferred == ParseStatus::kOk) *deferred = ParseStatus::kBadNumber;
    return ParseStatus::kOk;
  }
  *out = r.value;
  *present = true;
  return ParseStatus::kOk;
}

// One data entry of a private message: an order reply result, an orders push, a position, or the
// account entry (which carries `details`). Fields of every shape are read; the caller decides.
ParseStatus ParsePrivateEntry(od::object entry, OrderItem* o, PositionItem* pi, const EntrySinks& sink) noexcept {
  for (auto field : entry) {
    od::raw_json_string key;
    if (field.key().get(key)) return ParseStatus::kBadJson;
    od::value v;
    if (field.value().get(v)) return ParseStatus::kBadJson;
    const char* k = key.raw();
    bool handled = false;
    HS_PARSE_TRY(PositionKey(key, v, pi, &handled));
    if (handled) continue;
    switch (k[0]) {
      case 'a':
        if (KeyIs(key, "accFillSz")) {
          HS_PARSE_TRY(GetOptionalDecimal<Qty>(v, &o->acc_fill_sz, &o->has_acc_fill_sz));
        } else if (KeyIs(key, "avgPx")) {
          HS_PARSE_TRY(DeferredDecimal<Price>(v, &o->avg_px, &o->has_avg_px, Sign::kNonNegative, &pi->avg_px_text,
                                              sink.deferred));
        }
        break;
      case 'c':
        if (KeyIs(key, "clOrdId")) HS_PARSE_TRY(GetString(v, &o->cl_ord_id));
        break;
      case 'd':
        if (KeyIs(key, "details")) {
          HS_PARSE_TRY(ParseDetails(v, sink.balances, sink.balance_count));
          *sink.has_details = true;
        }
        break;
      case 'e':
        if (KeyIs(key, "eventType")) HS_PARSE_TRY(GetString(v, &sink.msg->event_type));
        break;
      case 'p':
        if (KeyIs(key, "posData")) {
          HS_PARSE_TRY(ParsePosData(v, sink.pos_data, sink.pos_data_count));
        } else if (KeyIs(key, "pTime")) {
          HS_PARSE_TRY(GetMillisString(v, &sink.msg->p_time_ms));
        }
        break;
      case 'f':
        if (KeyIs(key, "fillPx")) {
          HS_PARSE_TRY(GetOptionalDecimal<Price>(v, &o->fill_px, &o->has_fill_px));
        } else if (KeyIs(key, "fillSz")) {
          HS_PARSE_TRY(GetOptionalDecimal<Qty>(v, &o->fill_sz, &o->has_fill_sz));
        } else if (KeyIs(key, "fee")) {
          bool present = false;
          std::string_view text;
          HS_PARSE_TRY(DeferredDecimal<Amount>(v, &o->fee, &present, Sign::kAllowNegative, &text, sink.deferred));
        } else if (KeyIs(key, "feeCcy")) {
          HS_PARSE_TRY(GetString(v, &o->fee_ccy));
        } else if (KeyIs(key, "fillFee")) {
          bool present = false;
          HS_PARSE_TRY(GetOptionalDecimal<Amount>(v, &o->fill_fee, &present, Sign::kAllowNegative));
        } else if (KeyIs(key, "fillFeeCcy")) {
          HS_PARSE_TRY(GetString(v, &o->fill_fee_ccy));
        }
        break;
      case 'i':
        if (KeyIs(key, "instId")) {
          HS_PARSE_TRY(GetString(v, &o->inst_id));
          pi->inst_id = o->inst_id;
        }
        break;
      case 'o':
        if (KeyIs(key, "ordId")) HS_PARSE_TRY(GetString(v, &o->ord_id));
        break;
      case 's':
        if (KeyIs(key, "sCode")) {
          HS_PARSE_TRY(GetCode(v, &o->s_code));
          o->has_s_code = true;
        } else if (KeyIs(key, "sMsg")) {
          HS_PARSE_TRY(GetString(v, &o->s_msg));
        } else if (KeyIs(key, "state")) {
          std::string_view s;
          HS_PARSE_TRY(GetString(v, &s));
          o->state = ParseOrderState(s);
        }
        break;
      case 't':
        if (KeyIs(key, "triggerTime")) HS_PARSE_TRY(GetCode(v, &o->trigger_time));
        break;
      case 'u':
        if (KeyIs(key, "uTime")) {
          HS_PARSE_TRY(GetMillisString(v, &o->u_time_ms));
          pi->u_time_ms = o->u_time_ms;
        }
        break;
      default:
        break;
    }
  }
  return ParseStatus::kOk;
}

}  // namespace

int64_t TriggerTimeMs(std::string_view text) noexcept {
  if (text.empty() || text.size() > 16) return -1;
  int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v < 100'000'000'000 ? v * 1000 : v;
}

ParseStatus Parser::ParseObject(const char* data, size_t len, PrivateMsg* out, bool* has_event_out, bool* has_data_out,
                                bool* has_details_out) noexcept {
  od::document doc;
  if (impl_->parser.iterate(data, len, len + simdjson::SIMDJSON_PADDING).get(doc)) return ParseStatus::kBadJson;
  od::object obj;
  if (doc.get_object().get(obj)) return ParseStatus::kBadJson;
  bool has_event = false;
  bool has_data = false;
  bool has_details = false;
  int n = 0;
  OrderItem* items = impl_->orders.get();
  PositionItem* positions = impl_->positions.get();
  ParseStatus deferred = ParseStatus::kOk;
  int pos_data_count = 0;
  const EntrySinks sink{impl_->balances.get(), &out->balance_count, &has_details, impl_->pos_data.get(),
                        &pos_data_count, out, &deferred};
  for (auto field : obj) {
    od::raw_json_string key;
    if (field.key().get(key)) return ParseStatus::kBadJson;
    od::value v;
    if (field.value().get(v)) return ParseStatus::kBadJson;
    if (KeyIs(key, "data")) {
      has_data = true;
      od::array arr;
      if (v.get_array().get(arr)) return ParseStatus::kBadField;
      for (auto item : arr) {
        od::object entry;
        if (item.get_object().get(entry)) return ParseStatus::kBadField;
        if (n >= kMaxOrderItems) return ParseStatus::kTooManyLevels;
        items[n] = OrderItem{};
        positions[n] = PositionItem{};
        HS_PARSE_TRY(ParsePrivateEntry(entry, &items[n], &positions[n], sink));
        ++n;
      }
    } else if (KeyIs(key, "arg")) {
      std::string_view inst;
      HS_PARSE_TRY(ParseArg(v, &out->channel, &inst));
    } else if (KeyIs(key, "event")) {
      std::string_view e;
      HS_PARSE_TRY(GetString(v, &e));
      out->event = ClassifyEvent(e);
      has_event = true;
    } else if (KeyIs(key, "op")) {
      HS_PARSE_TRY(GetString(v, &out->op));
    } else if (KeyIs(key, "id")) {
      HS_PARSE_TRY(GetString(v, &out->id));
    } else if (KeyIs(key, "code")) {
      HS_PARSE_TRY(GetCode(v, &out->code));
    } else if (KeyIs(key, "msg")) {
      HS_PARSE_TRY(GetString(v, &out->msg));
    }
  }
  out->orders = items;
  out->order_count = n;
  out->balances = impl_->balances.get();
  out->has_details = has_details;
  // Positions carry avgPx and fee with more decimals than an order's; anything else may not.
  if (out->channel == Channel::kPositions) {
    out->positions = positions;
    out->position_count = n;
  } else if (out->channel == Channel::kBalanceAndPosition) {
    out->positions = impl_->pos_data.get();
    out->position_count = pos_data_count;
  } else if (deferred != ParseStatus::kOk) {
    return deferred;
  }
  *has_event_out = has_event;
  *has_data_out = has_data;
  *has_details_out = has_details;
  return ParseStatus::kOk;
}

ParseStatus Parser::ParseRest(const char* data, size_t len, PrivateMsg* out) noexcept {
  *out = PrivateMsg{};
  bool has_event = false, has_data = false, has_details = false;
  HS_PARSE_TRY(ParseObject(data, len, out, &has_event, &has_data, &has_details));
  if (out->code.empty() || !has_data) return ParseStatus::kMissingField;
  out->kind = PrivateKind::kRest;
  return ParseStatus::kOk;
}

ParseStatus Parser::ParsePrivate(const char* data, size_t len, PrivateMsg* out) noexcept {
  *out = PrivateMsg{};
  if (IsPong(data, len)) {
    out->kind = PrivateKind::kPong;
    return ParseStatus::kOk;
  }
  bool has_event = false, has_data = false, has_details = false;
  HS_PARSE_TRY(ParseObject(data, len, out, &has_event, &has_data, &has_details));
  const OrderItem* items = out->orders;
  const int n = out->order_count;
  if (has_event) {
    out->kind = PrivateKind::kEvent;
    return ParseStatus::kOk;
  }
  if (!out->op.empty()) {
    const bool cancel = out->op == "cancel-order" || out->op == "batch-cancel-orders";
    if (out->op != "order" && !cancel) return ParseStatus::kUnknown;
    if (out->id.empty() || out->code.empty() || !has_data) return ParseStatus::kMissingField;
    for (int i = 0; i < n; ++i)
      if (!items[i].has_s_code) return ParseStatus::kMissingField;
    out->kind = cancel ? PrivateKind::kCancelReply : PrivateKind::kOrderReply;
    return ParseStatus::kOk;
  }
  if (out->channel == Channel::kOrders) {
    if (!has_data) return ParseStatus::kMissingField;
    for (int i = 0; i < n; ++i)
      if (items[i].cl_ord_id.empty() || items[i].state == OrderState::kNone || !items[i].has_acc_fill_sz)
        return ParseStatus::kMissingField;
    out->kind = PrivateKind::kOrders;
    return ParseStatus::kOk;
  }
  if (out->channel == Channel::kAccount) {
    if (!has_data) return ParseStatus::kMissingField;
    if (n > 0 && !has_details) return ParseStatus::kMissingField;
    out->kind = PrivateKind::kAccount;
    return ParseStatus::kOk;
  }
  if (out->channel == Channel::kPositions) {
    if (!has_data) return ParseStatus::kMissingField;
    for (int i = 0; i < out->position_count; ++i)
      if (out->positions[i].inst_id.empty() || !out->positions[i].any) return ParseStatus::kMissingField;
    out->kind = PrivateKind::kPositions;
    return ParseStatus::kOk;
  }
  if (out->channel == Channel::kBalanceAndPosition) {
    if (!has_data || out->event_type.empty()) return ParseStatus::kMissingField;
    out->kind = PrivateKind::kBalanceAndPosition;
    return ParseStatus::kOk;
  }
  if (out->channel == Channel::kNone) return has_data ? ParseStatus::kMissingField : ParseStatus::kUnknown;
  return ParseStatus::kUnknown;
}

}  // namespace hs::okx
