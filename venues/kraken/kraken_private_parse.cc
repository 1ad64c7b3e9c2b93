#include "venues/kraken/kraken_private_parse.h"

#include <cstring>

#include "core/base/check.h"
#include "core/base/decimal.h"
#include "venues/common/internal/json.h"
#include "venues/kraken/kraken_parse.h"

namespace hs::kraken {

namespace od = simdjson::ondemand;
using venues::internal::GetNumberText;
using venues::internal::KeyIs;

ExecType ExecTypeOf(std::string_view s) noexcept {
  if (s == "trade") return ExecType::kTrade;
  if (s == "new") return ExecType::kNew;
  if (s == "pending_new") return ExecType::kPendingNew;
  if (s == "filled") return ExecType::kFilled;
  if (s == "canceled") return ExecType::kCanceled;
  if (s == "expired") return ExecType::kExpired;
  return ExecType::kOther;
}

struct PrivateParser::Impl {
  explicit Impl(size_t max) : parser(max) {
    HS_CHECK(parser.allocate(max) == simdjson::SUCCESS, "simdjson parser allocation failed");
    execs = std::make_unique<ExecItem[]>(kMaxExecs);
    balances = std::make_unique<BalanceItem[]>(kMaxBalances);
  }
  od::parser parser;
  std::unique_ptr<ExecItem[]> execs;
  std::unique_ptr<BalanceItem[]> balances;
};

PrivateParser::PrivateParser(size_t max_message_bytes) : impl_(std::make_unique<Impl>(max_message_bytes)) {}
PrivateParser::~PrivateParser() = default;

namespace {

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

// A JSON number's text into fixed point at T's scale: plain decimal only (no exponent; a sign
// only where `sign` allows it), at most T::kDecimals fraction digits.
template <typename T>
ParseStatus GetNum(od::value v, T* out, Sign sign = Sign::kNonNegative) noexcept {
  std::string_view t;
  if (GetNumberText(v, &t) != ParseStatus::kOk) {
    od::json_type jt;
    return FromError(v.type().get(jt)) == ParseStatus::kOk ? ParseStatus::kBadField : ParseStatus::kBadJson;
  }
  int64_t raw = 0;
  if (ParseDecimalRaw(t, T::kDecimals, sign, &raw) != DecimalError::kOk) return ParseStatus::kBadNumber;
  *out = T::FromRaw(raw);
  return ParseStatus::kOk;
}

ParseStatus GetI64(od::value v, int64_t* out) noexcept { return FromError(v.get_int64().get(*out)); }

// fees:[{"asset":"USD","qty":0.3458}, ...]: summed when every entry names the same asset.
ParseStatus ParseFees(od::value v, ExecItem* e) noexcept {
  od::array arr;
  HS_PARSE_TRY(FromError(v.get_array().get(arr)));
  for (auto item : arr) {
    od::object o;
    HS_PARSE_TRY(FromError(item.get_object().get(o)));
    std::string_view asset;
    Amount qty;
    bool has_asset = false, has_qty = false;
    for (auto f : o) {
      od::raw_json_string key;
      if (f.key().get(key)) return ParseStatus::kBadJson;
      od::value fv;
      if (f.value().get(fv)) return ParseStatus::kBadJson;
      if (KeyIs(key, "asset")) {
        HS_PARSE_TRY(GetStr(fv, &asset));
        has_asset = true;
      } else if (KeyIs(key, "qty")) {
        HS_PARSE_TRY(GetNum(fv, &qty));
        has_qty = true;
      }
    }
    if (!has_asset || !has_qty) return ParseStatus::kMissingField;
    if (!e->has_fee) {
      e->fee_asset = asset;
      e->fee = qty;
      e->has_fee = true;
    } else if (asset == e->fee_asset) {
      e->fee += qty;
    } else {
      e->fee_assets_mixed = true;
    }
  }
  return ParseStatus::kOk;
}

ParseStatus ParseExec(od::object o, ExecItem* e) noexcept {
  *e = ExecItem{};
  for (auto f : o) {
    od::raw_json_string key;
    if (f.key().get(key)) return ParseStatus::kBadJson;
    od::value v;
    if (f.value().get(v)) return ParseStatus::kBadJson;
    if (KeyIs(key, "exec_type")) {
      HS_PARSE_TRY(GetStr(v, &e->exec_type_text));
      e->exec_type = ExecTypeOf(e->exec_type_text);
    } else if (KeyIs(key, "order_id")) {
      HS_PARSE_TRY(GetStr(v, &e->order_id));
    } else if (KeyIs(key, "cl_ord_id")) {
      HS_PARSE_TRY(GetStr(v, &e->cl_ord_id));
    } else if (KeyIs(key, "exec_id")) {
      HS_PARSE_TRY(GetStr(v, &e->exec_id));
    } else if (KeyIs(key, "order_status")) {
      HS_PARSE_TRY(GetStr(v, &e->order_status));
    } else if (KeyIs(key, "symbol")) {
      HS_PARSE_TRY(GetStr(v, &e->symbol));
    } else if (KeyIs(key, "side")) {
      HS_PARSE_TRY(GetStr(v, &e->side));
    } else if (KeyIs(key, "time_in_force")) {
      HS_PARSE_TRY(GetStr(v, &e->time_in_force));
    } else if (KeyIs(key, "reason")) {
      HS_PARSE_TRY(GetStr(v, &e->reason));
    } else if (KeyIs(key, "order_qty")) {
      HS_PARSE_TRY(GetNum(v, &e->order_qty));
      e->has_order_qty = true;
    } else if (KeyIs(key, "cum_qty")) {
      HS_PARSE_TRY(GetNum(v, &e->cum_qty));
      e->has_cum_qty = true;
    } else if (KeyIs(key, "last_qty")) {
      HS_PARSE_TRY(GetNum(v, &e->last_qty));
      e->has_last_qty = true;
    } else if (KeyIs(key, "limit_price")) {
      HS_PARSE_TRY(GetNum(v, &e->limit_price));
      e->has_limit_price = true;
    } else if (KeyIs(key, "last_price")) {
      HS_PARSE_TRY(GetNum(v, &e->last_price));
      e->has_last_price = true;
    } else if (KeyIs(key, "cost")) {
      HS_PARSE_TRY(GetNum(v, &e->cost));
      e->has_cost = true;
    } else if (KeyIs(key, "cum_cost")) {
      HS_PARSE_TRY(GetNum(v, &e->cum_cost));
      e->has_cum_cost = true;
    } else if (KeyIs(key, "fees")) {
      HS_PARSE_TRY(ParseFees(v, e));
    } else if (KeyIs(key, "trade_id")) {
      HS_PARSE_TRY(FromError(v.get_uint64().get(e->trade_id)));
      e->has_trade_id = true;
    } else if (KeyIs(key, "timestamp")) {
      std::string_view ts;
      HS_PARSE_TRY(GetStr(v, &ts));
      if (!ParseRfc3339(ts, &e->timestamp)) return ParseStatus::kBadField;
    }
    // Everything else (avg_price, fee_usd_equiv, liquidity_ind, ...) is not needed;
    // avg_price in particular can carry more decimals than a Price holds.
  }
  return ParseStatus::kOk;
}

ParseStatus ParseExecs(od::value v, PrivateParser::Impl& im, PrivateMsg* out) noexcept {
  od::array arr;
  HS_PARSE_TRY(FromError(v.get_array().get(arr)));
  int n = 0;
  for (auto item : arr) {
    od::object o;
    HS_PARSE_TRY(FromError(item.get_object().get(o)));
    if (n >= PrivateParser::kMaxExecs) return ParseStatus::kTooManyLevels;
    HS_PARSE_TRY(ParseExec(o, &im.execs[static_cast<size_t>(n)]));
    ++n;
  }
  out->execs = im.execs.get();
  out->exec_count = n;
  return ParseStatus::kOk;
}

// Snapshot entries {"asset","balance","wallets":[...]} and update entries {"asset","balance",
// "amount","fee",...}: the asset and its resulting total balance.
ParseStatus ParseBalances(od::value v, PrivateParser::Impl& im, PrivateMsg* out) noexcept {
  od::array arr;
  HS_PARSE_TRY(FromError(v.get_array().get(arr)));
  int n = 0;
  for (auto item : arr) {
    od::object o;
    HS_PARSE_TRY(FromError(item.get_object().get(o)));
    if (n >= PrivateParser::kMaxBalances) return ParseStatus::kTooManyLevels;
    BalanceItem& b = im.balances[static_cast<size_t>(n)];
    b = BalanceItem{};
    bool has_asset = false, has_balance = false;
    for (auto f : o) {
      od::raw_json_string key;
      if (f.key().get(key)) return ParseStatus::kBadJson;
      od::value fv;
      if (f.value().get(fv)) return ParseStatus::kBadJson;
      if (KeyIs(key, "asset")) {
        HS_PARSE_TRY(GetStr(fv, &b.asset));
        has_asset = true;
      } else if (KeyIs(key, "balance")) {
        HS_PARSE_TRY(GetNum(fv, &b.balance, Sign::kAllowNegative));
        has_balance = true;
      }
    }
    if (!has_asset || !has_balance) return ParseStatus::kMissingField;
    ++n;
  }
  out->balances = im.balances.get();
  out->balance_count = n;
  return ParseStatus::kOk;
}

ParseStatus ParseResult(od::value v, PrivateMsg* out) noexcept {
  od::object o;
  HS_PARSE_TRY(FromError(v.get_object().get(o)));
  for (auto f : o) {
    od::raw_json_string key;
    if (f.key().get(key)) return ParseStatus::kBadJson;
    od::value fv;
    if (f.value().get(fv)) return ParseStatus::kBadJson;
    if (KeyIs(key, "order_id")) {
      HS_PARSE_TRY(GetStr(fv, &out->order_id));
    } else if (KeyIs(key, "cl_ord_id")) {
      HS_PARSE_TRY(GetStr(fv, &out->cl_ord_id));
    } else if (KeyIs(key, "channel")) {
      HS_PARSE_TRY(GetStr(fv, &out->channel));
    } else if (KeyIs(key, "count")) {
      HS_PARSE_TRY(GetI64(fv, &out->count));
    } else if (KeyIs(key, "currentTime")) {
      HS_PARSE_TRY(GetStr(fv, &out->current_time));
    } else if (KeyIs(key, "triggerTime")) {
      HS_PARSE_TRY(GetStr(fv, &out->trigger_time));
    } else if (KeyIs(key, "maxratecount")) {
      HS_PARSE_TRY(GetI64(fv, &out->max_rate_count));
    }
  }
  return ParseStatus::kOk;
}

enum class Chan : uint8_t { kNone = 0, kExecutions, kBalances, kHeartbeat, kStatus, kOther };

}  // namespace

ParseStatus PrivateParser::Parse(const char* data, size_t len, PrivateMsg* out) noexcept {
  *out = PrivateMsg{};
  Impl& im = *impl_;
  od::document doc;
  if (im.parser.iterate(data, len, len + simdjson::SIMDJSON_PADDING).get(doc)) return ParseStatus::kBadJson;
  od::object obj;
  if (doc.get_object().get(obj)) return ParseStatus::kBadJson;
  // First pass: what the message is (Kraken puts `data` last, but keys may come in any order).
  Chan chan = Chan::kNone;
  bool has_method = false, has_success = false, has_type = false, has_data = false, data_parsed = false;
  for (auto f : obj) {
    od::raw_json_string key;
    if (f.key().get(key)) return ParseStatus::kBadJson;
    od::value v;
    if (f.value().get(v)) return ParseStatus::kBadJson;
    if (KeyIs(key, "channel")) {
      std::string_view c;
      HS_PARSE_TRY(GetStr(v, &c));
      chan = c == "executions"  ? Chan::kExecutions
             : c == "balances"  ? Chan::kBalances
             : c == "heartbeat" ? Chan::kHeartbeat
             : c == "status"    ? Chan::kStatus
                                : Chan::kOther;
    } else if (KeyIs(key, "method")) {
      HS_PARSE_TRY(GetStr(v, &out->method));
      has_method = true;
    } else if (KeyIs(key, "req_id")) {
      HS_PARSE_TRY(GetI64(v, &out->req_id));
    } else if (KeyIs(key, "success")) {
      HS_PARSE_TRY(FromError(v.get_bool().get(out->success)));
      has_success = true;
    } else if (KeyIs(key, "error")) {
      HS_PARSE_TRY(GetStr(v, &out->error));
    } else if (KeyIs(key, "type")) {
      std::string_view t;
      HS_PARSE_TRY(GetStr(v, &t));
      out->snapshot = t == "snapshot";
      has_type = true;
    } else if (KeyIs(key, "sequence")) {
      HS_PARSE_TRY(GetI64(v, &out->sequence));
    } else if (KeyIs(key, "data")) {
      has_data = true;
      // Kraken sends `channel` first; otherwise `data` is read in a second pass.
      if (chan == Chan::kExecutions) {
        HS_PARSE_TRY(ParseExecs(v, im, out));
        data_parsed = true;
      } else if (chan == Chan::kBalances) {
        HS_PARSE_TRY(ParseBalances(v, im, out));
        data_parsed = true;
      }
    } else if (KeyIs(key, "result")) {
      // Read here, not in a second pass: a rewind reuses the string buffer that holds `method`
      // and `error`.
      HS_PARSE_TRY(ParseResult(v, out));
    }
  }
  const char* trailing = nullptr;
  if (doc.current_location().get(trailing) != simdjson::OUT_OF_BOUNDS) return ParseStatus::kBadJson;
  if (chan == Chan::kNone) {
    if (!has_method) return ParseStatus::kUnknown;
    if (!has_success) return out->method == "pong" ? ParseStatus::kUnknown : ParseStatus::kMissingField;
    out->kind = PrivateKind::kReply;
    return ParseStatus::kOk;
  } else {
    switch (chan) {
      case Chan::kHeartbeat:
        out->kind = PrivateKind::kHeartbeat;
        return ParseStatus::kOk;
      case Chan::kStatus:
        out->kind = PrivateKind::kStatus;
        return ParseStatus::kOk;
      case Chan::kOther:
      case Chan::kNone:
        return ParseStatus::kUnknown;
      case Chan::kExecutions:
        out->kind = PrivateKind::kExecutions;
        break;
      case Chan::kBalances:
        out->kind = PrivateKind::kBalances;
        break;
    }
    if (!has_type || !has_data) return ParseStatus::kMissingField;
  }
  if (data_parsed) return ParseStatus::kOk;
  // Second pass: `data` came before `channel`. No string of the first pass is kept for a
  // channel message, so the rewind's reuse of the string buffer loses nothing.
  doc.rewind();
  if (doc.get_object().get(obj)) return ParseStatus::kBadJson;
  for (auto f : obj) {
    od::raw_json_string key;
    if (f.key().get(key)) return ParseStatus::kBadJson;
    od::value v;
    if (f.value().get(v)) return ParseStatus::kBadJson;
    if (KeyIs(key, "data"))
      return out->kind == PrivateKind::kExecutions ? ParseExecs(v, im, out) : ParseBalances(v, im, out);
  }
  return ParseStatus::kMissingField;
}

ParseStatus PrivateParser::ParseToken(const char* data, size_t len, TokenReply* out) noexcept {
  *out = TokenReply{};
  od::document doc;
  if (impl_->parser.iterate(data, len, len + simdjson::SIMDJSON_PADDING).get(doc)) return ParseStatus::kBadJson;
  od::object obj;
  if (doc.get_object().get(obj)) return ParseStatus::kBadJson;
  bool has_error = false;
  for (auto f : obj) {
    od::raw_json_string key;
    if (f.key().get(key)) return ParseStatus::kBadJson;
    od::value v;
    if (f.value().get(v)) return ParseStatus::kBadJson;
    if (KeyIs(key, "error")) {
      od::array arr;
      HS_PARSE_TRY(FromError(v.get_array().get(arr)));
      for (auto e : arr) {
        std::string_view s;
        HS_PARSE_TRY(FromError(e.get_string().get(s)));
        if (out->first_error.empty()) out->first_error = s;
      }
      has_error = true;
    } else if (KeyIs(key, "result")) {
      od::object r;
      HS_PARSE_TRY(FromError(v.get_object().get(r)));
      for (auto rf : r) {
        od::raw_json_string rk;
        if (rf.key().get(rk)) return ParseStatus::kBadJson;
        od::value rv;
        if (rf.value().get(rv)) return ParseStatus::kBadJson;
        if (KeyIs(rk, "token")) {
          HS_PARSE_TRY(GetStr(rv, &out->token));
        } else if (KeyIs(rk, "expires")) {
          HS_PARSE_TRY(GetI64(rv, &out->expires_s));
        }
      }
    }
  }
  const char* trailing = nullptr;
  if (doc.current_location().get(trailing) != simdjson::OUT_OF_BOUNDS) return ParseStatus::kBadJson;
  if (!has_error) return ParseStatus::kMissingField;
  if (out->first_error.empty() && out->token.empty()) return ParseStatus::kMissingField;
  return ParseStatus::kOk;
}

}  // namespace hs::kraken
