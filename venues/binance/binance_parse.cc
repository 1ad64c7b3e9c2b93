#include "venues/binance/binance_parse.h"

#include "core/base/check.h"
#include "venues/common/internal/json.h"
#include "venues/common/internal/levels.h"

namespace hs::binance {

namespace od = simdjson::ondemand;
using venues::internal::GetDecimalString;
using venues::internal::GetInt;
using venues::internal::GetString;
using venues::internal::GetUint;
using venues::internal::KeyIs;

struct Parser::Impl {
  explicit Impl(size_t max) : parser(max) {
    // Size every buffer now so parsing never allocates (STYLE §8).
    HS_CHECK(parser.allocate(max) == simdjson::SUCCESS, "simdjson parser allocation failed");
    bids = std::make_unique<DepthLevel[]>(kMaxLevels);
    asks = std::make_unique<DepthLevel[]>(kMaxLevels);
    balances = std::make_unique<Balance[]>(kMaxBalances);
    listed = std::make_unique<std::string_view[]>(kMaxListed);
  }
  od::parser parser;
  std::unique_ptr<DepthLevel[]> bids;
  std::unique_ptr<DepthLevel[]> asks;
  std::unique_ptr<Balance[]> balances;
  std::unique_ptr<std::string_view[]> listed;
};

Parser::Parser(size_t max_message_bytes) : impl_(std::make_unique<Impl>(max_message_bytes)) {}
Parser::~Parser() = default;

namespace {

// [[price, qty], ...] with both as decimal strings; extra elements in a level are ignored.
ParseStatus ParseLevels(od::value v, DepthLevel* out, int cap, int* count) noexcept {
  od::array arr;
  if (v.get_array().get(arr)) return ParseStatus::kBadField;
  std::string_view raw;
  if (arr.raw_json().get(raw)) return ParseStatus::kBadJson;
  return venues::internal::ScanStringLevels(raw, out, cap, count);
}

enum : uint32_t {
  kFU = 1u << 0,
  kFu = 1u << 1,
  kFs = 1u << 2,
  kFbStr = 1u << 3,
  kFB = 1u << 4,
  kFaStr = 1u << 5,
  kFA = 1u << 6,
  kFe = 1u << 7,
  kFE = 1u << 8,
  kFbArr = 1u << 9,
  kFaArr = 1u << 10,
  kFLast = 1u << 11,
  kFBids = 1u << 12,
  kFAsks = 1u << 13,
  kFResult = 1u << 14,
  kFId = 1u << 15,
  kFCode = 1u << 16,
};

bool IsStringValue(od::value& v) noexcept {
  od::json_type t;
  return !v.type().get(t) && t == od::json_type::string;
}

ParseStatus ParsePayload(od::object obj, MarketFrame* out, DepthLevel* bids, DepthLevel* asks, bool top) noexcept {
  uint32_t seen = 0;
  bool is_depth_event = false;
  for (auto field : obj) {
    od::raw_json_string key;
    if (field.key().get(key)) return ParseStatus::kBadJson;
    od::value v;
    if (field.value().get(v)) return ParseStatus::kBadJson;
    const char* k = key.raw();
    if (k[1] == '"') {  // single-character keys: the stream payload fields
      switch (k[0]) {
        case 'u':
          HS_PARSE_TRY(GetUint(v, &out->last_id));
          seen |= kFu;
          break;
        case 'U':
          HS_PARSE_TRY(GetUint(v, &out->first_id));
          seen |= kFU;
          break;
        case 's':
          HS_PARSE_TRY(GetString(v, &out->symbol));
          seen |= kFs;
          break;
        case 'E':
          HS_PARSE_TRY(GetInt(v, &out->event_time_ms));
          seen |= kFE;
          break;
        case 'e': {
          std::string_view e;
          HS_PARSE_TRY(GetString(v, &e));
          is_depth_event = e == "depthUpdate";
          seen |= kFe;
          break;
        }
        case 'b':
          if (IsStringValue(v)) {
            HS_PARSE_TRY(GetDecimalString<Price>(v, &out->bid_px));
            seen |= kFbStr;
          } else {
            HS_PARSE_TRY(ParseLevels(v, bids, Parser::kMaxLevels, &out->bid_count));
            seen |= kFbArr;
          }
          break;
        case 'a':
          if (IsStringValue(v)) {
            HS_PARSE_TRY(GetDecimalString<Price>(v, &out->ask_px));
            seen |= kFaStr;
          } else {
            HS_PARSE_TRY(ParseLevels(v, asks, Parser::kMaxLevels, &out->ask_count));
            seen |= kFaArr;
          }
          break;
        case 'B':
          HS_PARSE_TRY(GetDecimalString<Qty>(v, &out->bid_qty));
          seen |= kFB;
          break;
        case 'A':
          HS_PARSE_TRY(GetDecimalString<Qty>(v, &out->ask_qty));
          seen |= kFA;
          break;
        default:
          break;  // fields we do not use (e.g. "T" on futures)
      }
      continue;
    }
    if (top && KeyIs(key, "data")) {
      od::object inner;
      if (v.get_object().get(inner)) return ParseStatus::kBadField;
      return ParsePayload(inner, out, bids, asks, false);
    } else if (KeyIs(key, "lastUpdateId")) {
      HS_PARSE_TRY(GetUint(v, &out->last_id));
      out->first_id = out->last_id;
      seen |= kFLast;
    } else if (KeyIs(key, "bids")) {
      HS_PARSE_TRY(ParseLevels(v, bids, Parser::kMaxLevels, &out->bid_count));
      seen |= kFBids;
    } else if (KeyIs(key, "asks")) {
      HS_PARSE_TRY(ParseLevels(v, asks, Parser::kMaxLevels, &out->ask_count));
      seen |= kFAsks;
    } else if (KeyIs(key, "result")) {
      seen |= kFResult;
    } else if (KeyIs(key, "id")) {
      seen |= kFId;
    } else if (KeyIs(key, "code")) {
      if (v.get_int64().get(out->error_code)) return ParseStatus::kBadField;
      seen |= kFCode;
    }
  }
  if (seen & kFe) {
    if (!is_depth_event) return ParseStatus::kUnknown;
    constexpr uint32_t need = kFU | kFu | kFs | kFbArr | kFaArr;
    if ((seen & need) != need) return ParseStatus::kMissingField;
    out->kind = FrameKind::kDepthUpdate;
    return ParseStatus::kOk;
  }
  if (seen & (kFbStr | kFaStr | kFB | kFA)) {
    constexpr uint32_t need = kFu | kFs | kFbStr | kFB | kFaStr | kFA;
    if ((seen & need) != need) return ParseStatus::kMissingField;
    out->kind = FrameKind::kBookTicker;
    out->first_id = out->last_id;
    return ParseStatus::kOk;
  }
  if (seen & kFLast) {
    if ((seen & (kFBids | kFAsks)) != (kFBids | kFAsks)) return ParseStatus::kMissingField;
    out->kind = FrameKind::kDepthSnapshot;
    return ParseStatus::kOk;
  }
  if ((seen & (kFResult | kFId)) == (kFResult | kFId)) {
    out->kind = FrameKind::kSubscribeReply;
    return ParseStatus::kOk;
  }
  if (seen & kFCode) {
    out->kind = FrameKind::kErrorReply;
    return ParseStatus::kOk;
  }
  return (seen & (kFu | kFs | kFU)) ? ParseStatus::kMissingField : ParseStatus::kUnknown;
}

ParseStatus ParseOrderResult(od::object obj, ApiReply* out, Balance* balances) noexcept {
  for (auto field : obj) {
    od::raw_json_string key;
    if (field.key().get(key)) return ParseStatus::kBadJson;
    od::value v;
    if (field.value().get(v)) return ParseStatus::kBadJson;
    if (KeyIs(key, "clientOrderId")) {
      HS_PARSE_TRY(GetString(v, &out->client_order_id));
      out->has_order = true;
    } else if (KeyIs(key, "orderId")) {
      HS_PARSE_TRY(GetUint(v, &out->order_id));
      out->has_order = true;
    } else if (KeyIs(key, "status")) {
      HS_PARSE_TRY(GetString(v, &out->order_status));
    } else if (KeyIs(key, "executedQty")) {
      HS_PARSE_TRY(GetDecimalString<Qty>(v, &out->executed_qty));
    } else if (KeyIs(key, "cummulativeQuoteQty")) {
      HS_PARSE_TRY(GetDecimalString<Amount>(v, &out->cum_quote));
    } else if (KeyIs(key, "transactTime")) {
      HS_PARSE_TRY(GetInt(v, &out->transact_time_ms));
    } else if (KeyIs(key, "fills")) {
      od::array arr;
      if (v.get_array().get(arr)) return ParseStatus::kBadField;
      for (auto item : arr) {
        od::object f;
        if (item.get_object().get(f)) return ParseStatus::kBadField;
        for (auto ff : f) {
          od::raw_json_string fk;
          if (ff.key().get(fk)) return ParseStatus::kBadJson;
          od::value fv;
          if (ff.value().get(fv)) return ParseStatus::kBadJson;
          if (KeyIs(fk, "commission")) {
            Amount c;
            HS_PARSE_TRY(GetDecimalString<Amount>(fv, &c));
            out->commission += c;
          } else if (KeyIs(fk, "commissionAsset")) {
            std::string_view a;
            HS_PARSE_TRY(GetString(fv, &a));
            if (out->commission_asset.empty()) {
              out->commission_asset = a;
            } else if (out->commission_asset != a) {
              out->commission_assets_mixed = true;
            }
          }
        }
        ++out->fill_count;
      }
    } else if (KeyIs(key, "balances")) {
      od::array arr;
      if (v.get_array().get(arr)) return ParseStatus::kBadField;
      int n = 0;
      for (auto item : arr) {
        od::object b;
        if (item.get_object().get(b)) return ParseStatus::kBadField;
        if (n >= Parser::kMaxBalances) return ParseStatus::kTooManyLevels;
        Balance& bal = balances[n];
        bal = Balance{};
        uint32_t seen = 0;
        for (auto bf : b) {
          od::raw_json_string bk;
          if (bf.key().get(bk)) return ParseStatus::kBadJson;
          od::value bv;
          if (bf.value().get(bv)) return ParseStatus::kBadJson;
          if (KeyIs(bk, "asset")) {
            HS_PARSE_TRY(GetString(bv, &bal.asset));
            seen |= 1;
          } else if (KeyIs(bk, "free")) {
            HS_PARSE_TRY(GetDecimalString<Amount>(bv, &bal.free));
            seen |= 2;
          } else if (KeyIs(bk, "locked")) {
            HS_PARSE_TRY(GetDecimalString<Amount>(bv, &bal.locked));
            seen |= 4;
          }
        }
        if (seen != 7) return ParseStatus::kMissingField;
        ++n;
      }
      out->balances = balances;
      out->balance_count = n;
    }
  }
  return ParseStatus::kOk;
}

// An array result: orders (openOrders.status, openOrders.cancelAll) or trades (myTrades).
// Every element must be an object; unknown keys are skipped.
ParseStatus ParseArrayResult(od::array arr, ApiReply* out, std::string_view* listed) noexcept {
  out->result_array = true;
  out->client_ids = listed;
  for (auto item : arr) {
    od::object o;
    if (item.get_object().get(o)) return ParseStatus::kBadField;
    for (auto field : o) {
      od::raw_json_string key;
      if (field.key().get(key)) return ParseStatus::kBadJson;
      od::value v;
      if (field.value().get(v)) return ParseStatus::kBadJson;
      if (KeyIs(key, "clientOrderId")) {
        std::string_view id;
        HS_PARSE_TRY(GetString(v, &id));
        if (out->client_id_count < Parser::kMaxListed) listed[out->client_id_count++] = id;
      } else if (KeyIs(key, "qty")) {
        Qty q;
        HS_PARSE_TRY(GetDecimalString<Qty>(v, &q));
        out->trades_qty += q;
      } else if (KeyIs(key, "quoteQty")) {
        Amount a;
        HS_PARSE_TRY(GetDecimalString<Amount>(v, &a));
        out->trades_quote += a;
      } else if (KeyIs(key, "commission")) {
        Amount c;
        HS_PARSE_TRY(GetDecimalString<Amount>(v, &c));
        out->commission += c;
      } else if (KeyIs(key, "commissionAsset")) {
        std::string_view a;
        HS_PARSE_TRY(GetString(v, &a));
        if (out->commission_asset.empty()) {
          out->commission_asset = a;
        } else if (out->commission_asset != a) {
          out->commission_assets_mixed = true;
        }
      }
    }
    ++out->item_count;
  }
  return ParseStatus::kOk;
}

}  // namespace

ParseStatus Parser::ParseMarket(const char* data, size_t len, MarketFrame* out) noexcept {
  *out = MarketFrame{};
  out->bids = impl_->bids.get();
  out->asks = impl_->asks.get();
  od::document doc;
  if (impl_->parser.iterate(data, len, len + simdjson::SIMDJSON_PADDING).get(doc)) return ParseStatus::kBadJson;
  od::object obj;
  if (doc.get_object().get(obj)) return ParseStatus::kBadJson;
  return ParsePayload(obj, out, impl_->bids.get(), impl_->asks.get(), true);
}

ParseStatus Parser::ParseApiReply(const char* data, size_t len, ApiReply* out) noexcept {
  *out = ApiReply{};
  od::document doc;
  if (impl_->parser.iterate(data, len, len + simdjson::SIMDJSON_PADDING).get(doc)) return ParseStatus::kBadJson;
  od::object obj;
  if (doc.get_object().get(obj)) return ParseStatus::kBadJson;
  bool has_status = false;
  for (auto field : obj) {
    od::raw_json_string key;
    if (field.key().get(key)) return ParseStatus::kBadJson;
    od::value v;
    if (field.value().get(v)) return ParseStatus::kBadJson;
    if (KeyIs(key, "id")) {
      od::json_type t;
      if (v.type().get(t)) return ParseStatus::kBadJson;
      if (t == od::json_type::string) {
        HS_PARSE_TRY(GetString(v, &out->id));
      } else {
        out->id = v.raw_json_token();
      }
    } else if (KeyIs(key, "status")) {
      HS_PARSE_TRY(GetInt(v, &out->status));
      has_status = true;
    } else if (KeyIs(key, "result")) {
      od::json_type t;
      if (v.type().get(t)) return ParseStatus::kBadJson;
      if (t == od::json_type::object) {
        od::object r;
        if (v.get_object().get(r)) return ParseStatus::kBadField;
        HS_PARSE_TRY(ParseOrderResult(r, out, impl_->balances.get()));
      } else if (t == od::json_type::array) {
        od::array a;
        if (v.get_array().get(a)) return ParseStatus::kBadField;
        HS_PARSE_TRY(ParseArrayResult(a, out, impl_->listed.get()));
      }
    } else if (KeyIs(key, "error")) {
      od::object e;
      if (v.get_object().get(e)) return ParseStatus::kBadField;
      out->has_error = true;
      for (auto ef : e) {
        od::raw_json_string ek;
        if (ef.key().get(ek)) return ParseStatus::kBadJson;
        od::value ev;
        if (ef.value().get(ev)) return ParseStatus::kBadJson;
        if (KeyIs(ek, "code")) {
          HS_PARSE_TRY(GetInt(ev, &out->error_code));
        } else if (KeyIs(ek, "msg")) {
          HS_PARSE_TRY(GetString(ev, &out->error_msg));
        }
      }
    }
  }
  if (!has_status) return ParseStatus::kMissingField;
  return ParseStatus::kOk;
}

}  // namespace hs::binance
