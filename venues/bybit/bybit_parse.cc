#include "venues/bybit/bybit_parse.h"

#include "core/base/check.h"
#include "core/base/decimal.h"
#include "venues/common/internal/json.h"
#include "venues/common/internal/levels.h"

namespace hs::bybit {

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
    bids = std::make_unique<BookLevel[]>(kMaxLevels);
    asks = std::make_unique<BookLevel[]>(kMaxLevels);
    executions = std::make_unique<Execution[]>(kMaxItems);
    orders = std::make_unique<OrderUpdate[]>(kMaxItems);
    coins = std::make_unique<Coin[]>(kMaxCoins);
    positions = std::make_unique<PositionItem[]>(kMaxItems);
  }
  od::parser parser;
  std::unique_ptr<BookLevel[]> bids;
  std::unique_ptr<BookLevel[]> asks;
  std::unique_ptr<Execution[]> executions;
  std::unique_ptr<OrderUpdate[]> orders;
  std::unique_ptr<Coin[]> coins;
  std::unique_ptr<PositionItem[]> positions;
};

Parser::Parser(size_t max_message_bytes) : impl_(std::make_unique<Impl>(max_message_bytes)) {}
Parser::~Parser() = default;

bool ParseOrderbookTopic(std::string_view topic, int* depth, std::string_view* symbol) noexcept {
  if (topic.size() <= kOrderbookTopicPrefix.size() || topic.substr(0, kOrderbookTopicPrefix.size()) != kOrderbookTopicPrefix)
    return false;
  size_t i = kOrderbookTopicPrefix.size();
  int d = 0;
  const size_t digits_from = i;
  while (i < topic.size() && topic[i] >= '0' && topic[i] <= '9' && i - digits_from < 5) {
    d = d * 10 + (topic[i] - '0');
    ++i;
  }
  if (i == digits_from || d == 0 || i >= topic.size() || topic[i] != '.' || i + 1 == topic.size()) return false;
  *depth = d;
  *symbol = topic.substr(i + 1);
  return true;
}

bool ParseTickersTopic(std::string_view topic, std::string_view* symbol) noexcept {
  if (topic.size() <= kTickersTopicPrefix.size() || topic.substr(0, kTickersTopicPrefix.size()) != kTickersTopicPrefix)
    return false;
  *symbol = topic.substr(kTickersTopicPrefix.size());
  return true;
}

namespace {

// A decimal string that may be empty ("" = absent, as Bybit sends for fields it leaves out).
template <typename T>
ParseStatus GetOptDecimal(od::value v, T* out, bool* present, Sign sign) noexcept {
  od::raw_json_string r;
  if (v.get_raw_json_string().get(r)) return ParseStatus::kBadField;
  const char* const begin = r.raw();
  const char* e = begin;
  while (*e != '"') {
    if (*e == '\\') return ParseStatus::kBadNumber;
    ++e;
  }
  if (e == begin) {
    *present = false;
    return ParseStatus::kOk;
  }
  const ParseResult<T> res = ParseDecimal<T>(std::string_view(begin, static_cast<size_t>(e - begin)), sign);
  if (!res.ok()) return ParseStatus::kBadNumber;
  *out = res.value;
  *present = true;
  return ParseStatus::kOk;
}

// Milliseconds sent as a JSON number or as a string of digits ("1672364262444"); "" = 0.
ParseStatus GetMillis(od::value v, int64_t* out) noexcept {
  od::json_type t;
  if (v.type().get(t)) return ParseStatus::kBadJson;
  if (t == od::json_type::number) return GetInt(v, out);
  std::string_view s;
  HS_PARSE_TRY(GetString(v, &s));
  int64_t x = 0;
  for (char c : s) {
    if (c < '0' || c > '9' || x > (INT64_MAX - 9) / 10) return ParseStatus::kBadNumber;
    x = x * 10 + (c - '0');
  }
  *out = x;
  return ParseStatus::kOk;
}

// [[price, size], ...] as decimal strings, scanned from the array's raw span.
ParseStatus ParseLevels(od::value v, BookLevel* out, int* count) noexcept {
  od::array arr;
  if (v.get_array().get(arr)) return ParseStatus::kBadField;
  std::string_view raw;
  if (arr.raw_json().get(raw)) return ParseStatus::kBadJson;
  return venues::internal::ScanStringLevels(raw, out, Parser::kMaxLevels, count);
}

bool StartsWith(std::string_view s, std::string_view p) noexcept { return s.size() >= p.size() && s.substr(0, p.size()) == p; }

// ---- public stream ----

enum : uint32_t {
  kDs = 1u << 0,
  kDb = 1u << 1,
  kDa = 1u << 2,
  kDu = 1u << 3,
  kDseq = 1u << 4,
  kDsymbol = 1u << 5,  // tickers: data.symbol
};

ParseStatus ParseBookData(od::value v, MarketFrame* out, BookLevel* bids, BookLevel* asks, uint32_t* seen) noexcept {
  od::object d;
  if (v.get_object().get(d)) return ParseStatus::kBadField;
  for (auto field : d) {
    od::raw_json_string key;
    if (field.key().get(key)) return ParseStatus::kBadJson;
    od::value fv;
    if (field.value().get(fv)) return ParseStatus::kBadJson;
    const char* k = key.raw();
    if (k[1] == '"') {
      switch (k[0]) {
        case 'b':
          HS_PARSE_TRY(ParseLevels(fv, bids, &out->bid_count));
          *seen |= kDb;
          break;
        case 'a':
          HS_PARSE_TRY(ParseLevels(fv, asks, &out->ask_count));
          *seen |= kDa;
          break;
        case 'u':
          HS_PARSE_TRY(GetUint(fv, &out->update_id));
          *seen |= kDu;
          break;
        case 's':
          HS_PARSE_TRY(GetString(fv, &out->symbol));
          *seen |= kDs;
          break;
        default:
          break;
      }
    } else if (KeyIs(key, "seq")) {
      HS_PARSE_TRY(GetUint(fv, &out->cross_seq));
      *seen |= kDseq;
    } else if (KeyIs(key, "symbol")) {
      // A linear ticker (the topic may come after the data: both kinds are read in one pass).
      HS_PARSE_TRY(GetString(fv, &out->symbol));
      *seen |= kDsymbol;
    } else if (KeyIs(key, "markPrice")) {
      bool present = false;
      HS_PARSE_TRY(GetOptDecimal<Price>(fv, &out->mark_px, &present, Sign::kNonNegative));
      if (present) out->ticker_fields |= MarketFrame::kTickMark;
    } else if (KeyIs(key, "indexPrice")) {
      bool present = false;
      HS_PARSE_TRY(GetOptDecimal<Price>(fv, &out->index_px, &present, Sign::kNonNegative));
      if (present) out->ticker_fields |= MarketFrame::kTickIndex;
    } else if (KeyIs(key, "fundingRate")) {
      bool present = false;
      HS_PARSE_TRY(GetOptDecimal<Rate>(fv, &out->funding_rate, &present, Sign::kAllowNegative));
      if (present) out->ticker_fields |= MarketFrame::kTickFunding;
    } else if (KeyIs(key, "nextFundingTime")) {
      HS_PARSE_TRY(GetMillis(fv, &out->next_funding_ms));
      if (out->next_funding_ms > 0) out->ticker_fields |= MarketFrame::kTickNextFunding;
    }
  }
  return ParseStatus::kOk;
}

// ---- account messages ----

enum : uint32_t {
  kIOrderLinkId = 1u << 0,
  kIOrderId = 1u << 1,
  kISymbol = 1u << 2,
  kISide = 1u << 3,
  kIExecQty = 1u << 4,
  kIExecPrice = 1u << 5,
  kIExecFee = 1u << 6,
  kIOrderStatus = 1u << 7,
  kICumExecQty = 1u << 8,
  kICoin = 1u << 9,
  kIIdOnly = 1u << 10,  // a list item with ids only (cancel-all's result.list)
  kIPosSize = 1u << 11,      // "size": a position
  kIPosEntry = 1u << 12,
  kIPosIM = 1u << 13,
  kIPosMM = 1u << 14,
  kIPosLeverage = 1u << 15,
  kIPosUpl = 1u << 16,
};

struct Buffers {
  Execution* executions;
  OrderUpdate* orders;
  Coin* coins;
  PositionItem* positions;
};

ParseStatus ParseCoins(od::value v, AccountMsg* out, Coin* coins) noexcept {
  od::array arr;
  if (v.get_array().get(arr)) return ParseStatus::kBadField;
  for (auto item : arr) {
    od::object o;
    if (item.get_object().get(o)) return ParseStatus::kBadField;
    if (out->coin_count >= Parser::kMaxCoins) return ParseStatus::kTooManyLevels;
    Coin& c = coins[out->coin_count];
    c = Coin{};
    bool has_name = false;
    for (auto f : o) {
      od::raw_json_string key;
      if (f.key().get(key)) return ParseStatus::kBadJson;
      od::value fv;
      if (f.value().get(fv)) return ParseStatus::kBadJson;
      if (KeyIs(key, "coin")) {
        HS_PARSE_TRY(GetString(fv, &c.coin));
        has_name = true;
      } else if (KeyIs(key, "walletBalance")) {
        HS_PARSE_TRY(GetOptDecimal<Amount>(fv, &c.wallet_balance, &c.has_wallet_balance, Sign::kAllowNegative));
      } else if (KeyIs(key, "free")) {
        HS_PARSE_TRY(GetOptDecimal<Amount>(fv, &c.free, &c.has_free, Sign::kAllowNegative));
      } else if (KeyIs(key, "locked")) {
        HS_PARSE_TRY(GetOptDecimal<Amount>(fv, &c.locked, &c.has_locked, Sign::kAllowNegative));
      } else if (KeyIs(key, "equity")) {
        HS_PARSE_TRY(GetOptDecimal<Amount>(fv, &c.equity, &c.has_equity, Sign::kAllowNegative));
      } else if (KeyIs(key, "totalPositionIM")) {
        bool present = false;
        HS_PARSE_TRY(GetOptDecimal<Amount>(fv, &c.total_position_im, &present, Sign::kNonNegative));
      } else if (KeyIs(key, "totalOrderIM")) {
        bool present = false;
        HS_PARSE_TRY(GetOptDecimal<Amount>(fv, &c.total_order_im, &present, Sign::kNonNegative));
      } else if (KeyIs(key, "totalPositionMM")) {
        bool present = false;
        HS_PARSE_TRY(GetOptDecimal<Amount>(fv, &c.total_position_mm, &present, Sign::kNonNegative));
      }
    }
    if (!has_name || (!c.has_wallet_balance && !c.has_free)) return ParseStatus::kMissingField;
    ++out->coin_count;
  }
  return ParseStatus::kOk;
}

// One element of a push's data[] (or of the REST result.list[]): an execution, an order or a
// wallet account, told apart by the keys it has (the topic may come after the data).
ParseStatus ParseItem(od::object o, AccountMsg* out, const Buffers& b, uint32_t* kinds_seen) noexcept {
  Execution ex;
  OrderUpdate ou;
  PositionItem pos;
  uint32_t seen = 0;
  bool has_value = false, has_fee = false, has_avg = false;
  bool present = false;
  for (auto f : o) {
    od::raw_json_string key;
    if (f.key().get(key)) return ParseStatus::kBadJson;
    od::value fv;
    if (f.value().get(fv)) return ParseStatus::kBadJson;
    const char* k = key.raw();
    switch (k[0]) {
      case 'o':
        if (KeyIs(key, "orderLinkId")) {
          HS_PARSE_TRY(GetString(fv, &ex.order_link_id));
          ou.order_link_id = ex.order_link_id;
          seen |= kIOrderLinkId;
        } else if (KeyIs(key, "orderId")) {
          HS_PARSE_TRY(GetString(fv, &ex.order_id));
          ou.order_id = ex.order_id;
          seen |= kIOrderId;
        } else if (KeyIs(key, "orderStatus")) {
          HS_PARSE_TRY(GetString(fv, &ou.status_text));
          ou.status = OrderStatusFromText(ou.status_text);
          seen |= kIOrderStatus;
        }
        break;
      case 'e':
        if (KeyIs(key, "execQty")) {
          HS_PARSE_TRY(GetDecimalString<Qty>(fv, &ex.exec_qty));
          seen |= kIExecQty;
        } else if (KeyIs(key, "execPrice")) {
          HS_PARSE_TRY(GetDecimalString<Price>(fv, &ex.exec_price));
          seen |= kIExecPrice;
        } else if (KeyIs(key, "execFee")) {
          bool present = false;
          HS_PARSE_TRY(GetOptDecimal<Amount>(fv, &ex.exec_fee, &present, Sign::kAllowNegative));
          if (present) seen |= kIExecFee;
        } else if (KeyIs(key, "execId")) {
          HS_PARSE_TRY(GetString(fv, &ex.exec_id));
        } else if (KeyIs(key, "execTime")) {
          HS_PARSE_TRY(GetMillis(fv, &ex.exec_time_ms));
        } else if (KeyIs(key, "execType")) {
          HS_PARSE_TRY(GetString(fv, &ex.exec_type));
        } else if (KeyIs(key, "execValue")) {
          HS_PARSE_TRY(GetOptDecimal<Amount>(fv, &ex.exec_value, &ex.has_exec_value, Sign::kNonNegative));
        } else if (KeyIs(key, "entryPrice")) {
          HS_PARSE_TRY(GetOptDecimal<Price>(fv, &pos.entry_px, &present, Sign::kNonNegative));
          seen |= kIPosEntry;
        }
        break;
      case 's':
        if (KeyIs(key, "symbol")) {
          HS_PARSE_TRY(GetString(fv, &ex.symbol));
          ou.symbol = ex.symbol;
          seen |= kISymbol;
        } else if (KeyIs(key, "side")) {
          HS_PARSE_TRY(GetString(fv, &ex.side));
          pos.side = ex.side;
          seen |= kISide;
        } else if (KeyIs(key, "size")) {
          HS_PARSE_TRY(GetDecimalString<Qty>(fv, &pos.size));
          seen |= kIPosSize;
        }
        break;
      case 'f':
        if (KeyIs(key, "feeCurrency")) {
          HS_PARSE_TRY(GetString(fv, &ex.fee_currency));
          ou.fee_currency = ex.fee_currency;
        } else if (KeyIs(key, "feeRate")) {
          HS_PARSE_TRY(GetOptDecimal<Rate>(fv, &ex.fee_rate, &ex.has_fee_rate, Sign::kAllowNegative));
        }
        break;
      case 'a':
        if (KeyIs(key, "avgPrice")) {
          HS_PARSE_TRY(GetOptDecimal<Price>(fv, &ou.avg_price, &has_avg, Sign::kNonNegative));
        }
        break;
      case 't':
        if (KeyIs(key, "timeInForce")) {
          HS_PARSE_TRY(GetString(fv, &ou.time_in_force));
        } else if (KeyIs(key, "tradeMode")) {
          int64_t m = 0;
          HS_PARSE_TRY(GetInt(fv, &m));
          if (m != 0 && m != 1) return ParseStatus::kBadField;
          pos.trade_mode = static_cast<int>(m);
        } else if (KeyIs(key, "totalAvailableBalance")) {
          HS_PARSE_TRY(GetOptDecimal<Amount>(fv, &out->total_available, &out->has_total_available, Sign::kAllowNegative));
        }
        break;
      case 'l':
        if (KeyIs(key, "leavesQty")) {
          HS_PARSE_TRY(GetOptDecimal<Qty>(fv, &ex.leaves_qty, &ex.has_leaves_qty, Sign::kNonNegative));
        } else if (KeyIs(key, "liqPrice")) {
          HS_PARSE_TRY(GetOptDecimal<Price>(fv, &pos.liq_px, &present, Sign::kNonNegative));
        } else if (KeyIs(key, "leverage")) {
          HS_PARSE_TRY(GetOptDecimal<Rate>(fv, &pos.leverage, &present, Sign::kNonNegative));
          seen |= kIPosLeverage;
        }
        break;
      case 'm':
        if (KeyIs(key, "markPrice")) HS_PARSE_TRY(GetOptDecimal<Price>(fv, &pos.mark_px, &present, Sign::kNonNegative));
        break;
      case 'p':
        if (KeyIs(key, "positionIM")) {
          HS_PARSE_TRY(GetOptDecimal<Amount>(fv, &pos.position_im, &present, Sign::kNonNegative));
          seen |= kIPosIM;
        } else if (KeyIs(key, "positionMM")) {
          HS_PARSE_TRY(GetOptDecimal<Amount>(fv, &pos.position_mm, &present, Sign::kNonNegative));
          seen |= kIPosMM;
        } else if (KeyIs(key, "positionStatus")) {
          HS_PARSE_TRY(GetString(fv, &pos.position_status));
        }
        break;
      case 'c':
        if (KeyIs(key, "cumExecQty")) {
          HS_PARSE_TRY(GetDecimalString<Qty>(fv, &ou.cum_exec_qty));
          seen |= kICumExecQty;
        } else if (KeyIs(key, "cumExecValue")) {
          HS_PARSE_TRY(GetOptDecimal<Amount>(fv, &ou.cum_exec_value, &has_value, Sign::kNonNegative));
        } else if (KeyIs(key, "cumExecFee")) {
          HS_PARSE_TRY(GetOptDecimal<Amount>(fv, &ou.cum_exec_fee, &has_fee, Sign::kAllowNegative));
        } else if (KeyIs(key, "coin")) {
          HS_PARSE_TRY(ParseCoins(fv, out, b.coins));
          seen |= kICoin;
        }
        break;
      case 'r':
        if (KeyIs(key, "rejectReason")) HS_PARSE_TRY(GetString(fv, &ou.reject_reason));
        break;
      case 'u':
        if (KeyIs(key, "updatedTime")) {
          HS_PARSE_TRY(GetMillis(fv, &ou.updated_time_ms));
          pos.updated_time_ms = ou.updated_time_ms;
        } else if (KeyIs(key, "unrealisedPnl")) {
          HS_PARSE_TRY(GetOptDecimal<Amount>(fv, &pos.unrealised_pnl, &present, Sign::kAllowNegative));
          seen |= kIPosUpl;
        }
        break;
      default:
        break;
    }
  }
  if (seen & kIPosSize) {
    // A position: REST /v5/position/list calls the entry avgPrice.
    if (!(seen & kIPosEntry) && has_avg) {
      pos.entry_px = ou.avg_price;
      seen |= kIPosEntry;
    }
    constexpr uint32_t need = kISymbol | kISide | kIPosSize | kIPosEntry | kIPosIM | kIPosMM | kIPosLeverage | kIPosUpl;
    if ((seen & need) != need) return ParseStatus::kMissingField;
    // side says the direction: "" only when flat; a size without a side cannot be signed.
    if (!(pos.side == "Buy" || pos.side == "Sell" || (pos.side.empty() && pos.size.is_zero())))
      return ParseStatus::kBadField;
    if (out->position_count >= Parser::kMaxItems) return ParseStatus::kTooManyLevels;
    pos.symbol = ex.symbol;
    b.positions[out->position_count++] = pos;
    *kinds_seen |= kIPosSize;
  } else if (seen & kIExecQty) {
    constexpr uint32_t need = kIOrderLinkId | kIExecQty | kIExecPrice | kIExecFee | kISymbol | kISide;
    if ((seen & need) != need) return ParseStatus::kMissingField;
    if (out->execution_count >= Parser::kMaxItems) return ParseStatus::kTooManyLevels;
    b.executions[out->execution_count++] = ex;
    *kinds_seen |= kIExecQty;
  } else if (seen & kIOrderStatus) {
    constexpr uint32_t need = kIOrderLinkId | kIOrderStatus | kICumExecQty;
    if ((seen & need) != need) return ParseStatus::kMissingField;
    if (out->order_count >= Parser::kMaxItems) return ParseStatus::kTooManyLevels;
    ou.has_cum_value = has_value && has_fee;
    b.orders[out->order_count++] = ou;
    *kinds_seen |= kIOrderStatus;
  } else if (seen & kICoin) {
    *kinds_seen |= kICoin;
  } else if (seen & (kIOrderLinkId | kIOrderId)) {
    *kinds_seen |= kIIdOnly;
  } else {
    return ParseStatus::kMissingField;  // an item of none of the kinds we read
  }
  return ParseStatus::kOk;
}

// data[] (or result.list[]). Non-object elements (the pong's timestamps) are skipped; they
// matter only under a topic, where the caller refuses them.
ParseStatus ParseItems(od::value v, AccountMsg* out, const Buffers& b, uint32_t* kinds_seen, int* non_objects) noexcept {
  od::array arr;
  if (v.get_array().get(arr)) return ParseStatus::kBadField;
  for (auto item : arr) {
    ++out->item_count;
    od::value iv;
    if (item.get(iv)) return ParseStatus::kBadJson;
    od::json_type t;
    if (iv.type().get(t)) return ParseStatus::kBadJson;
    if (t != od::json_type::object) {
      ++*non_objects;
      continue;
    }
    od::object o;
    if (iv.get_object().get(o)) return ParseStatus::kBadField;
    HS_PARSE_TRY(ParseItem(o, out, b, kinds_seen));
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
  std::string_view topic;
  std::string_view type;
  std::string_view op;
  bool has_topic = false, has_type = false, has_data = false, has_op = false, has_success = false;
  uint32_t data_seen = 0;
  ParseStatus data_status = ParseStatus::kOk;
  for (auto field : obj) {
    od::raw_json_string key;
    if (field.key().get(key)) return ParseStatus::kBadJson;
    od::value v;
    if (field.value().get(v)) return ParseStatus::kBadJson;
    const char* k = key.raw();
    switch (k[0]) {
      case 't':
        if (KeyIs(key, "topic")) {
          HS_PARSE_TRY(GetString(v, &topic));
          has_topic = true;
        } else if (KeyIs(key, "type")) {
          HS_PARSE_TRY(GetString(v, &type));
          has_type = true;
        } else if (KeyIs(key, "ts")) {
          HS_PARSE_TRY(GetInt(v, &out->ts_ms));
        }
        break;
      case 'c':
        if (KeyIs(key, "cts")) HS_PARSE_TRY(GetInt(v, &out->cts_ms));
        break;
      case 'd':
        if (KeyIs(key, "data")) {
          has_data = true;
          data_status = ParseBookData(v, out, impl_->bids.get(), impl_->asks.get(), &data_seen);
          // Under a known book topic a bad payload is final; before the topic, it may belong to
          // a topic we do not read (trades send an array): decide at the end.
          if (data_status != ParseStatus::kOk && has_topic &&
              (StartsWith(topic, kOrderbookTopicPrefix) || StartsWith(topic, kTickersTopicPrefix)))
            return data_status;
        }
        break;
      case 'o':
        if (KeyIs(key, "op")) {
          HS_PARSE_TRY(GetString(v, &op));
          has_op = true;
        }
        break;
      case 's':
        if (KeyIs(key, "success")) {
          if (v.get_bool().get(out->success)) return ParseStatus::kBadField;
          has_success = true;
        }
        break;
      case 'r':
        if (KeyIs(key, "ret_msg")) HS_PARSE_TRY(GetString(v, &out->ret_msg));
        if (KeyIs(key, "req_id")) HS_PARSE_TRY(GetString(v, &out->req_id));
        break;
      default:
        break;
    }
  }
  if (has_topic && StartsWith(topic, kTickersTopicPrefix)) {
    std::string_view topic_symbol;
    if (!ParseTickersTopic(topic, &topic_symbol)) return ParseStatus::kBadField;
    if (data_status != ParseStatus::kOk) return data_status;
    if (!has_type || !has_data) return ParseStatus::kMissingField;
    if ((data_seen & kDsymbol) == 0) return ParseStatus::kMissingField;
    if ((data_seen & (kDb | kDa | kDu)) != 0) return ParseStatus::kBadField;  // book keys under a ticker topic
    if (out->symbol != topic_symbol) return ParseStatus::kBadField;
    if (type == "snapshot") {
      // A snapshot carries every value: one without the mark is not a ticker we can use.
      if ((out->ticker_fields & MarketFrame::kTickMark) == 0) return ParseStatus::kMissingField;
    } else if (type == "delta") {
      out->ticker_delta = true;
    } else {
      return ParseStatus::kBadField;
    }
    out->kind = MarketKind::kTicker;
    return ParseStatus::kOk;
  }
  if (has_topic) {
    std::string_view topic_symbol;
    if (!StartsWith(topic, kOrderbookTopicPrefix)) return ParseStatus::kUnknown;
    if (!ParseOrderbookTopic(topic, &out->topic_depth, &topic_symbol)) return ParseStatus::kBadField;
    if (data_status != ParseStatus::kOk) return data_status;
    if (!has_type || !has_data) return ParseStatus::kMissingField;
    constexpr uint32_t need = kDs | kDb | kDa | kDu;
    if ((data_seen & need) != need) return ParseStatus::kMissingField;
    if (out->symbol != topic_symbol) return ParseStatus::kBadField;
    if (type == "snapshot") {
      out->kind = MarketKind::kBookSnapshot;
    } else if (type == "delta") {
      out->kind = MarketKind::kBookDelta;
    } else {
      return ParseStatus::kBadField;
    }
    return ParseStatus::kOk;
  }
  if (has_op) {
    if (op == "pong" || (op == "ping" && out->ret_msg == "pong")) {
      out->kind = MarketKind::kPong;
      return ParseStatus::kOk;
    }
    if ((op == "subscribe" || op == "unsubscribe") && has_success) {  // without: our own request's shape
      out->kind = MarketKind::kSubscribeReply;
      out->unsubscribe = op == "unsubscribe";
      return ParseStatus::kOk;
    }
  }
  return ParseStatus::kUnknown;
}

ParseStatus Parser::ParseAccount(const char* data, size_t len, AccountMsg* out) noexcept {
  *out = AccountMsg{};
  out->executions = impl_->executions.get();
  out->orders = impl_->orders.get();
  out->coins = impl_->coins.get();
  out->positions = impl_->positions.get();
  const Buffers bufs{impl_->executions.get(), impl_->orders.get(), impl_->coins.get(), impl_->positions.get()};
  od::document doc;
  if (impl_->parser.iterate(data, len, len + simdjson::SIMDJSON_PADDING).get(doc)) return ParseStatus::kBadJson;
  od::object obj;
  if (doc.get_object().get(obj)) return ParseStatus::kBadJson;
  bool has_success = false, has_op = false, has_topic = false, has_list = false, has_data = false;
  bool success = false;
  uint32_t kinds = 0;
  int non_objects = 0;
  for (auto field : obj) {
    od::raw_json_string key;
    if (field.key().get(key)) return ParseStatus::kBadJson;
    od::value v;
    if (field.value().get(v)) return ParseStatus::kBadJson;
    const char* k = key.raw();
    switch (k[0]) {
      case 'o':
        if (KeyIs(key, "op")) {
          HS_PARSE_TRY(GetString(v, &out->op));
          has_op = true;
        }
        break;
      case 'r':
        if (KeyIs(key, "retCode")) {
          HS_PARSE_TRY(GetInt(v, &out->ret_code));
          out->has_ret_code = true;
        } else if (KeyIs(key, "retMsg") || KeyIs(key, "ret_msg")) {
          HS_PARSE_TRY(GetString(v, &out->ret_msg));
        } else if (KeyIs(key, "reqId") || KeyIs(key, "req_id")) {
          HS_PARSE_TRY(GetString(v, &out->req_id));
        } else if (KeyIs(key, "result")) {
          // REST: {"result":{"list":[{"coin":[...]}]}}; other results are not ours.
          od::json_type t;
          if (v.type().get(t)) return ParseStatus::kBadJson;
          if (t != od::json_type::object) break;
          od::object r;
          if (v.get_object().get(r)) return ParseStatus::kBadField;
          for (auto rf : r) {
            od::raw_json_string rk;
            if (rf.key().get(rk)) return ParseStatus::kBadJson;
            od::value rv;
            if (rf.value().get(rv)) return ParseStatus::kBadJson;
            if (KeyIs(rk, "list")) {
              HS_PARSE_TRY(ParseItems(rv, out, bufs, &kinds, &non_objects));
              has_list = true;
            }
          }
        }
        break;
      case 's':
        if (KeyIs(key, "success")) {
          if (v.get_bool().get(success)) return ParseStatus::kBadField;
          has_success = true;
        }
        break;
      case 't':
        if (KeyIs(key, "topic")) {
          HS_PARSE_TRY(GetString(v, &out->topic));
          has_topic = true;
        }
        break;
      case 'd':
        if (KeyIs(key, "data")) {
          has_data = true;
          od::json_type t;
          if (v.type().get(t)) return ParseStatus::kBadJson;
          if (t == od::json_type::array) {
            HS_PARSE_TRY(ParseItems(v, out, bufs, &kinds, &non_objects));
          } else if (t == od::json_type::object) {
            // order.create reply: {"orderId":"..","orderLinkId":".."}.
            od::object d;
            if (v.get_object().get(d)) return ParseStatus::kBadField;
            for (auto df : d) {
              od::raw_json_string dk;
              if (df.key().get(dk)) return ParseStatus::kBadJson;
              od::value dv;
              if (df.value().get(dv)) return ParseStatus::kBadJson;
              if (KeyIs(dk, "orderId")) {
                HS_PARSE_TRY(GetString(dv, &out->order_id));
              } else if (KeyIs(dk, "orderLinkId")) {
                HS_PARSE_TRY(GetString(dv, &out->order_link_id));
              }
            }
          }
        }
        break;
      default:
        break;
    }
  }
  out->success = has_success ? success : (out->has_ret_code && out->ret_code == 0);
  if (has_topic) {
    const std::string_view t = out->topic;
    // Category-specific topics ("execution.spot", "order.spot") carry the same items.
    AccountKind kind;
    uint32_t want;
    if (t == kTopicExecution || StartsWith(t, "execution.")) {
      kind = AccountKind::kExecution;
      want = kIExecQty;
    } else if (t == kTopicOrder || StartsWith(t, "order.")) {
      kind = AccountKind::kOrder;
      want = kIOrderStatus;
    } else if (t == kTopicWallet) {
      kind = AccountKind::kWallet;
      want = kICoin;
    } else if (t == kTopicPosition || StartsWith(t, "position.")) {
      kind = AccountKind::kPosition;
      want = kIPosSize;
    } else {
      return ParseStatus::kUnknown;
    }
    if (!has_data) return ParseStatus::kMissingField;
    if (non_objects > 0 || (kinds & ~want) != 0) return ParseStatus::kBadField;  // items of another kind
    out->kind = kind;
    return ParseStatus::kOk;
  }
  if (has_op) {
    const std::string_view op = out->op;
    if (op == "pong" || (op == "ping" && out->ret_msg == "pong")) {
      out->kind = AccountKind::kPong;
      return ParseStatus::kOk;
    }
    // A reply carries retCode (trade WS) or success (streams); without either it has the shape
    // of our own request, not of anything the venue sends.
    if (!out->has_ret_code && !has_success) return ParseStatus::kUnknown;
    if (op == "auth") {
      out->kind = AccountKind::kAuthReply;
    } else if (op == "subscribe" || op == "unsubscribe") {
      out->kind = AccountKind::kSubscribeReply;
    } else if (StartsWith(op, "order.")) {
      if (!out->has_ret_code) return ParseStatus::kMissingField;
      out->kind = AccountKind::kOrderReply;
    } else {
      out->kind = AccountKind::kOtherReply;
    }
    return ParseStatus::kOk;
  }
  if (has_list) {
    if (!out->has_ret_code) return ParseStatus::kMissingField;
    out->has_list = true;
    if (non_objects > 0) return ParseStatus::kBadField;
    if (kinds == kICoin || kinds == 0) {
      out->kind = AccountKind::kWallet;  // an empty list reads as an empty wallet too (callers check has_list)
    } else if (kinds == kIOrderStatus) {
      out->kind = AccountKind::kOrderList;
    } else if (kinds == kIIdOnly) {
      out->kind = AccountKind::kOtherReply;  // cancel-all's list of canceled ids
    } else {
      return ParseStatus::kBadField;  // items of mixed kinds
    }
    return ParseStatus::kOk;
  }
  if (out->has_ret_code) {
    out->kind = AccountKind::kOtherReply;  // e.g. a REST error body, or an error to a bad request
    return ParseStatus::kOk;
  }
  return ParseStatus::kUnknown;
}

}  // namespace hs::bybit
