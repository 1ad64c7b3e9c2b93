#include "venues/coinbase/coinbase_orders.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <ctime>

#include "core/base/decimal.h"
#include "venues/common/http_client.h"
#include "venues/common/internal/json.h"
#include "venues/common/order_path.h"
#include "venues/common/signing.h"
#include "venues/common/text_writer.h"
#include "venues/common/url.h"

namespace hs::coinbase {

namespace od = simdjson::ondemand;
using venues::internal::GetString;
using venues::internal::KeyIs;

namespace {

constexpr size_t kBufBytes = 8192;
constexpr int64_t kSweepMs = 100;  // ack timeouts and due queries

// "2026-12-03T06:45:00Z" for a wall time (the listing's start_date).
std::string Rfc3339Seconds(Nanos t) {
  const std::time_t secs = static_cast<std::time_t>(t.value / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}
constexpr size_t kMaxUserFrame = 4u << 20;

inline char* Put(char* p, std::string_view s) noexcept {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

// Failure reasons seen in clients (ORDERS.md §2.1, §2.2); the 1-based index is the code.
constexpr std::string_view kFailureNames[] = {
    "UNKNOWN_FAILURE_REASON",        "UNSUPPORTED_ORDER_CONFIGURATION", "INVALID_SIDE",
    "INVALID_PRODUCT_ID",            "INVALID_SIZE_PRECISION",          "INVALID_PRICE_PRECISION",
    "INSUFFICIENT_FUND",             "INVALID_LEDGER_BALANCE",          "ORDER_ENTRY_DISABLED",
    "INELIGIBLE_PAIR",               "INVALID_LIMIT_PRICE_POST_ONLY",   "INVALID_LIMIT_PRICE",
    "INVALID_NO_LIQUIDITY",          "INVALID_REQUEST",                 "COMMANDER_REJECTED_NEW_ORDER",
    "UNKNOWN_CANCEL_FAILURE_REASON", "INVALID_CANCEL_REQUEST",          "UNKNOWN_CANCEL_ORDER",
    "COMMANDER_REJECTED_CANCEL_ORDER", "DUPLICATE_CANCEL_REQUEST",      "INVALID_CANCEL_PRODUCT_ID",
    "NOT_ALLOWED_TO_CANCEL",         "ORDER_IS_FULLY_FILLED",           "ORDER_IS_BEING_REPLACED",
    "PREVIEW_INVALID_LIMIT_PRICE_POST_ONLY", "PREVIEW_INSUFFICIENT_FUND",
};

// The venue order id (a UUID) as a 64-bit number for diagnostics: its first 16 hex digits.
uint64_t IdToU64(std::string_view s) noexcept {
  uint64_t v = 0;
  int n = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else continue;
    v = (v << 4) | static_cast<uint64_t>(d);
    if (++n == 16) break;
  }
  return v;
}

// A decimal string that may be empty ("" = zero: Coinbase leaves avg_price empty before fills).
template <typename T>
ParseStatus GetDecimalOrEmpty(od::value v, T* out) noexcept {
  od::raw_json_string r;
  if (v.get_raw_json_string().get(r)) return ParseStatus::kBadField;
  if (r.raw()[0] == '"') {
    *out = T::Zero();
    return ParseStatus::kOk;
  }
  return venues::internal::GetDecimalString<T>(v, out);
}

bool PlainText(std::string_view s) noexcept {
  for (char c : s)
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return false;
  return true;
}

}  // namespace

int32_t FailureCode(std::string_view reason) noexcept {
  for (size_t i = 0; i < std::size(kFailureNames); ++i)
    if (kFailureNames[i] == reason) return static_cast<int32_t>(i + 1);
  return 0;
}

const char* FailureName(int32_t code) noexcept {
  if (code < 1 || code > static_cast<int32_t>(std::size(kFailureNames))) return "?";
  return kFailureNames[code - 1].data();
}

UserStatus ParseUserStatus(std::string_view s) noexcept {
  if (s == "OPEN") return UserStatus::kOpen;
  if (s == "FILLED") return UserStatus::kFilled;
  if (s == "CANCELLED") return UserStatus::kCancelled;
  if (s == "EXPIRED") return UserStatus::kExpired;
  if (s == "FAILED") return UserStatus::kFailed;
  if (s == "PENDING") return UserStatus::kPending;
  if (s == "QUEUED") return UserStatus::kQueued;
  if (s == "CANCEL_QUEUED") return UserStatus::kCancelQueued;
  return UserStatus::kOther;
}

// ---- OrderEncoder ----

size_t OrderEncoder::EncodeBody(const OrderIntent& in, char* out, size_t cap) const noexcept {
  if (symbols_ == nullptr) return 0;
  const venues::SymbolInfo* sym = symbols_->ForInstrument(in.instrument);
  if (sym == nullptr || !in.limit_px.is_positive() || !in.qty.is_positive()) return 0;
  char cid[20];
  const std::string_view cid_s(cid, static_cast<size_t>(venues::U64ToChars(in.client_id.value, cid)));
  char px[kMaxDecimalText];
  char qty[kMaxDecimalText];
  const int pxn = FormatFixed(in.limit_px, sym->price_decimals, px);
  const int qn = FormatFixed(in.qty, sym->qty_decimals, qty);
  if (pxn < 0 || qn < 0) return 0;  // never round an order
  std::string_view config;
  switch (in.tif) {
    case TimeInForce::kIoc:
      config = "sor_limit_ioc";
      break;
    case TimeInForce::kFok:
      config = "limit_limit_fok";
      break;
    case TimeInForce::kGtc:
      config = "limit_limit_gtc";
      break;
  }
  const size_t worst = 200 + cid_s.size() + sym->symbol.size() + static_cast<size_t>(pxn + qn);
  if (cap < worst) return 0;
  char* w = out;
  w = Put(w, R"({"client_order_id":"hs)");
  w = Put(w, cid_s);
  w = Put(w, R"(","product_id":")");
  w = Put(w, sym->symbol);
  w = Put(w, in.side == Side::kBuy ? R"(","side":"BUY","order_configuration":{")" : R"(","side":"SELL","order_configuration":{")");
  w = Put(w, config);
  w = Put(w, R"(":{"base_size":")");
  w = Put(w, std::string_view(qty, static_cast<size_t>(qn)));
  w = Put(w, R"(","limit_price":")");
  w = Put(w, std::string_view(px, static_cast<size_t>(pxn)));
  if (in.tif == TimeInForce::kGtc) {
    w = Put(w, gtc_post_only_ ? R"(","post_only":true}}})" : R"(","post_only":false}}})");
  } else {
    w = Put(w, R"("}}})");
  }
  return static_cast<size_t>(w - out);
}

size_t OrderEncoder::Frame(std::string_view path, std::string_view jwt, const char* body, size_t body_len, char* out,
                           size_t cap) const noexcept {
  venues::TextWriter w(out, cap);
  w.Str("POST ").Str(path).Str(" HTTP/1.1\r\nHost: ").Str(host_).Str("\r\nAuthorization: Bearer ").Str(jwt);
  w.Str("\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: ").U64(body_len);
  w.Str("\r\n\r\n").Str(std::string_view(body, body_len));
  return w.ok() ? w.size() : 0;
}

size_t OrderEncoder::EncodeOrder(const OrderIntent& in, std::string_view jwt, char* out, size_t cap) const noexcept {
  char body[512];
  const size_t n = EncodeBody(in, body, sizeof body);
  if (n == 0 || jwt.empty()) return 0;
  return Frame(kOrdersPath, jwt, body, n, out, cap);
}

size_t OrderEncoder::EncodeBatchCancel(const std::string_view* ids, int n, std::string_view jwt, char* out,
                                       size_t cap) const noexcept {
  char body[4096];
  venues::TextWriter b(body, sizeof body);
  b.Str(R"({"order_ids":[)");
  for (int i = 0; i < n; ++i) {
    if (!PlainText(ids[i])) return 0;
    b.Str(i == 0 ? "\"" : ",\"").Str(ids[i]).Char('"');
  }
  b.Str("]}");
  if (!b.ok() || n <= 0 || jwt.empty()) return 0;
  return Frame(kBatchCancelPath, jwt, body, b.size(), out, cap);
}

std::string OrderEncoder::Uri(std::string_view method, std::string_view path) const {
  std::string u(method);
  u += ' ';
  u += host_;
  u += path;
  return u;
}

// ---- JwtPool ----

int JwtPool::Refill(int64_t now_s, int max_new) {
  // Drop the stale ones (the oldest are first).
  int stale = 0;
  while (stale < count_ && now_s - tokens_[static_cast<size_t>(stale)].signed_at_s > kJwtMaxAgeS) ++stale;
  if (stale > 0) {
    std::move(tokens_.begin() + stale, tokens_.begin() + count_, tokens_.begin());
    count_ -= stale;
  }
  int made = 0;
  while (made < max_new && count_ < kJwtPoolSize && signer_ != nullptr) {
    const std::string t = signer_->SignCdp(key_name_, uri_, now_s);
    if (t.empty() || t.size() > kMaxJwtBytes) break;
    Token& k = tokens_[static_cast<size_t>(count_)];
    k.signed_at_s = now_s;
    k.len = static_cast<uint16_t>(t.size());
    std::memcpy(k.text, t.data(), t.size());
    ++count_;
    ++made;
  }
  return made;
}

size_t JwtPool::Take(int64_t now_s, char* out) noexcept {
  while (count_ > 0) {
    const Token& k = tokens_[static_cast<size_t>(count_ - 1)];  // newest
    --count_;
    if (now_s - k.signed_at_s > kJwtMaxAgeS || now_s < k.signed_at_s - 5) continue;
    std::memcpy(out, k.text, k.len);
    return k.len;
  }
  return 0;
}

size_t JwtPool::SignInline(int64_t now_s, char* out) {
  if (signer_ == nullptr) return 0;
  const std::string t = signer_->SignCdp(key_name_, uri_, now_s);
  if (t.empty() || t.size() > kMaxJwtBytes) return 0;
  std::memcpy(out, t.data(), t.size());
  return t.size();
}

// ---- parsing ----

struct OrderParser::Impl {
  od::parser parser{kMaxUserFrame};
};

OrderParser::OrderParser() : impl_(std::make_unique<Impl>()) {
  // Sized once: On-Demand otherwise grows its buffers on the first larger document (an
  // allocation on the order path).
  (void)impl_->parser.allocate(kMaxUserFrame);
}
OrderParser::~OrderParser() = default;

namespace {

ParseStatus ParseUserOrder(od::object obj, UserOrder* o) noexcept {
  bool has_id = false;
  bool has_status = false;
  bool has_cum = false;
  for (auto field : obj) {
    od::raw_json_string key;
    if (field.key().get(key)) return ParseStatus::kBadJson;
    od::value v;
    if (field.value().get(v)) return ParseStatus::kBadJson;
    if (KeyIs(key, "order_id")) {
      HS_PARSE_TRY(GetString(v, &o->order_id));
      has_id = true;
    } else if (KeyIs(key, "client_order_id")) {
      HS_PARSE_TRY(GetString(v, &o->client_order_id));
    } else if (KeyIs(key, "status")) {
      HS_PARSE_TRY(GetString(v, &o->status_text));
      o->status = ParseUserStatus(o->status_text);
      has_status = true;
    } else if (KeyIs(key, "cumulative_quantity")) {
      HS_PARSE_TRY(GetDecimalOrEmpty(v, &o->cumulative_quantity));
      has_cum = true;
    } else if (KeyIs(key, "leaves_quantity")) {
      HS_PARSE_TRY(GetDecimalOrEmpty(v, &o->leaves_quantity));
    } else if (KeyIs(key, "avg_price")) {
      HS_PARSE_TRY(GetDecimalOrEmpty(v, &o->avg_price));
    } else if (KeyIs(key, "total_fees")) {
      HS_PARSE_TRY(GetDecimalOrEmpty(v, &o->total_fees));
    } else if (KeyIs(key, "total_value_after_fees")) {
      HS_PARSE_TRY(GetDecimalOrEmpty(v, &o->total_value_after_fees));
      o->has_value_after_fees = true;
    } else if (KeyIs(key, "order_side")) {
      std::string_view s;
      HS_PARSE_TRY(GetString(v, &s));
      o->sell = s == "SELL";
    }
  }
  if (!has_id || !has_status || !has_cum) return ParseStatus::kMissingField;
  return ParseStatus::kOk;
}

}  // namespace

ParseStatus OrderParser::ParseUser(const char* data, size_t len, UserMsg* msg) noexcept {
  *msg = UserMsg{};
  od::document doc;
  if (impl_->parser.iterate(data, len, len + simdjson::SIMDJSON_PADDING).get(doc)) return ParseStatus::kBadJson;
  od::object root;
  if (doc.get_object().get(root)) return ParseStatus::kBadJson;
  bool has_channel = false;
  for (auto field : root) {
    od::raw_json_string key;
    if (field.key().get(key)) return ParseStatus::kBadJson;
    od::value v;
    if (field.value().get(v)) return ParseStatus::kBadJson;
    if (KeyIs(key, "channel")) {
      std::string_view ch;
      HS_PARSE_TRY(GetString(v, &ch));
      has_channel = true;
      msg->kind = ch == "user" ? UserKind::kUser
                  : ch == "subscriptions" ? UserKind::kSubscriptions
                  : ch == "heartbeats" ? UserKind::kHeartbeats
                  : UserKind::kOther;
    } else if (KeyIs(key, "type")) {
      std::string_view t;
      HS_PARSE_TRY(GetString(v, &t));
      if (t == "error") msg->kind = UserKind::kError;
    } else if (KeyIs(key, "message")) {
      HS_PARSE_TRY(GetString(v, &msg->message));
    } else if (KeyIs(key, "sequence_num")) {
      HS_PARSE_TRY(venues::internal::GetUint(v, &msg->sequence_num));
    } else if (KeyIs(key, "events")) {
      // The envelope's key order is not guaranteed: events are read whatever the channel is,
      // and only a `user` envelope's orders are used.
      od::array events;
      if (v.get_array().get(events)) return ParseStatus::kBadField;
      for (auto ev : events) {
        od::object eo;
        if (ev.get_object().get(eo)) return ParseStatus::kBadField;
        for (auto ef : eo) {
          od::raw_json_string ek;
          if (ef.key().get(ek)) return ParseStatus::kBadJson;
          if (!KeyIs(ek, "orders")) continue;
          od::value ov;
          if (ef.value().get(ov)) return ParseStatus::kBadJson;
          od::array arr;
          if (ov.get_array().get(arr)) return ParseStatus::kBadField;
          for (auto item : arr) {
            od::object io;
            if (item.get_object().get(io)) return ParseStatus::kBadField;
            if (msg->order_count >= kMaxUserOrders) return ParseStatus::kTooManyLevels;
            UserOrder& o = orders_[static_cast<size_t>(msg->order_count)];
            o = UserOrder{};
            HS_PARSE_TRY(ParseUserOrder(io, &o));
            ++msg->order_count;
          }
        }
      }
    }
  }
  if (msg->kind == UserKind::kError) return ParseStatus::kOk;
  if (!has_channel) return ParseStatus::kUnknown;
  if (msg->kind != UserKind::kUser) msg->order_count = 0;
  return ParseStatus::kOk;
}

ParseStatus OrderParser::ParseCreate(const char* data, size_t len, CreateReply* out) noexcept {
  *out = CreateReply{};
  od::document doc;
  if (impl_->parser.iterate(data, len, len + simdjson::SIMDJSON_PADDING).get(doc)) return ParseStatus::kBadJson;
  od::object root;
  if (doc.get_object().get(root)) return ParseStatus::kBadJson;
  bool has_success = false;
  std::string_view top_reason, new_order, preview, error;
  for (auto field : root) {
    od::raw_json_string key;
    if (field.key().get(key)) return ParseStatus::kBadJson;
    od::value v;
    if (field.value().get(v)) return ParseStatus::kBadJson;
    if (KeyIs(key, "success")) {
      if (v.get_bool().get(out->success)) return ParseStatus::kBadField;
      has_success = true;
    } else if (KeyIs(key, "order_id")) {
      HS_PARSE_TRY(GetString(v, &out->order_id));
    } else if (KeyIs(key, "failure_reason")) {
      HS_PARSE_TRY(GetString(v, &top_reason));
    } else if (KeyIs(key, "success_response") || KeyIs(key, "error_response")) {
      od::object o;
      if (v.get_object().get(o)) return ParseStatus::kBadField;
      for (auto f : o) {
        od::raw_json_string k;
        if (f.key().get(k)) return ParseStatus::kBadJson;
        od::value x;
        if (f.value().get(x)) return ParseStatus::kBadJson;
        od::json_type t;
        if (x.type().get(t)) return ParseStatus::kBadJson;
        if (t != od::json_type::string) continue;
        if (KeyIs(k, "order_id")) {
          HS_PARSE_TRY(GetString(x, &out->order_id));
        } else if (KeyIs(k, "client_order_id")) {
          HS_PARSE_TRY(GetString(x, &out->client_order_id));
        } else if (KeyIs(k, "new_order_failure_reason")) {
          HS_PARSE_TRY(GetString(x, &new_order));
        } else if (KeyIs(k, "preview_failure_reason")) {
          HS_PARSE_TRY(GetString(x, &preview));
        } else if (KeyIs(k, "error")) {
          HS_PARSE_TRY(GetString(x, &error));
        } else if (KeyIs(k, "message")) {
          HS_PARSE_TRY(GetString(x, &out->message));
        }
      }
    }
  }
  if (!has_success) return ParseStatus::kMissingField;
  if (!out->success) {
    // error_response.error names the reason; then the new-order and preview reasons; "UNKNOWN_*"
    // fillers lose to a real one.
    for (std::string_view r : {error, new_order, preview, top_reason}) {
      if (!r.empty() && r.rfind("UNKNOWN_", 0) != 0) {
        out->failure_reason = r;
        break;
      }
    }
    if (out->failure_reason.empty()) out->failure_reason = !error.empty() ? error : top_reason;
  } else if (out->order_id.empty()) {
    return ParseStatus::kMissingField;
  }
  return ParseStatus::kOk;
}

ParseStatus OrderParser::ParseBatchCancel(const char* data, size_t len, CancelResult* out, int cap, int* n) noexcept {
  *n = 0;
  od::document doc;
  if (impl_->parser.iterate(data, len, len + simdjson::SIMDJSON_PADDING).get(doc)) return ParseStatus::kBadJson;
  od::object root;
  if (doc.get_object().get(root)) return ParseStatus::kBadJson;
  bool has_results = false;
  for (auto field : root) {
    od::raw_json_string key;
    if (field.key().get(key)) return ParseStatus::kBadJson;
    if (!KeyIs(key, "results")) continue;
    has_results = true;
    od::value v;
    if (field.value().get(v)) return ParseStatus::kBadJson;
    od::array arr;
    if (v.get_array().get(arr)) return ParseStatus::kBadField;
    for (auto item : arr) {
      od::object o;
      if (item.get_object().get(o)) return ParseStatus::kBadField;
      if (*n >= cap) return ParseStatus::kTooManyLevels;
      CancelResult& r = out[*n];
      r = CancelResult{};
      for (auto f : o) {
        od::raw_json_string k;
        if (f.key().get(k)) return ParseStatus::kBadJson;
        od::value x;
        if (f.value().get(x)) return ParseStatus::kBadJson;
        if (KeyIs(k, "success")) {
          if (x.get_bool().get(r.success)) return ParseStatus::kBadField;
        } else if (KeyIs(k, "order_id")) {
          HS_PARSE_TRY(GetString(x, &r.order_id));
        } else if (KeyIs(k, "failure_reason")) {
          HS_PARSE_TRY(GetString(x, &r.failure_reason));
        }
      }
      ++*n;
    }
  }
  return has_results ? ParseStatus::kOk : ParseStatus::kMissingField;
}

namespace {

absl::StatusOr<simdjson::dom::element> ParseDom(simdjson::dom::parser& p, std::string_view text) {
  simdjson::dom::element e;
  if (p.parse(text.data(), text.size()).get(e)) return absl::InvalidArgumentError("reply is not JSON");
  return e;
}

std::string Str(simdjson::dom::element e, const char* key) {
  std::string_view s;
  if (e[key].get_string().get(s)) return {};
  return std::string(s);
}

template <typename T>
bool Dec(simdjson::dom::element e, const char* key, T* out) {
  std::string_view s;
  if (e[key].get_string().get(s)) return false;
  if (s.empty()) {
    *out = T::Zero();
    return true;
  }
  const auto r = ParseDecimal<T>(s);
  if (!r.ok()) return false;
  *out = r.value;
  return true;
}

OrderInfo InfoOf(simdjson::dom::element o) {
  OrderInfo i;
  i.order_id = Str(o, "order_id");
  i.client_order_id = Str(o, "client_order_id");
  i.product_id = Str(o, "product_id");
  i.status = Str(o, "status");
  (void)Dec(o, "filled_size", &i.filled_size);
  (void)Dec(o, "total_fees", &i.total_fees);
  i.has_value_after_fees = Dec(o, "total_value_after_fees", &i.total_value_after_fees);
  (void)Dec(o, "average_filled_price", &i.average_filled_price);
  return i;
}

}  // namespace

absl::StatusOr<std::vector<AccountBalance>> ParseAccounts(std::string_view text) {
  simdjson::dom::parser p;
  auto doc = ParseDom(p, text);
  if (!doc.ok()) return doc.status();
  simdjson::dom::array arr;
  if ((*doc)["accounts"].get_array().get(arr)) return absl::InvalidArgumentError("accounts reply has no accounts array");
  std::vector<AccountBalance> out;
  for (simdjson::dom::element a : arr) {
    AccountBalance b;
    b.currency = Str(a, "currency");
    simdjson::dom::element av, hold;
    if (b.currency.empty() || a["available_balance"].get(av) || !Dec(av, "value", &b.available))
      return absl::InvalidArgumentError("accounts reply: an account without currency or available_balance.value");
    if (!a["hold"].get(hold)) (void)Dec(hold, "value", &b.hold);
    out.push_back(std::move(b));
  }
  return out;
}

absl::StatusOr<std::vector<OrderInfo>> ParseOrderList(std::string_view text) {
  simdjson::dom::parser p;
  auto doc = ParseDom(p, text);
  if (!doc.ok()) return doc.status();
  simdjson::dom::array arr;
  if ((*doc)["orders"].get_array().get(arr)) return absl::InvalidArgumentError("order list reply has no orders array");
  std::vector<OrderInfo> out;
  for (simdjson::dom::element o : arr) out.push_back(InfoOf(o));
  return out;
}

absl::StatusOr<OrderInfo> ParseOrderQuery(std::string_view text) {
  simdjson::dom::parser p;
  auto doc = ParseDom(p, text);
  if (!doc.ok()) return doc.status();
  simdjson::dom::element o;
  if ((*doc)["order"].get(o)) return absl::InvalidArgumentError("order reply has no order object");
  OrderInfo i = InfoOf(o);
  if (i.order_id.empty()) return absl::InvalidArgumentError("order reply has no order_id");
  return i;
}

// ---- RateBudget ----

bool RateBudget::TryTake(int64_t now_ns, int reserve) noexcept {
  const int64_t cap = int64_t{per_second_} * 1000;
  if (last_ns_ != 0 && now_ns > last_ns_) {
    // per_second tokens per 1e9 ns, in milli-tokens.
    tokens_milli_ = std::min(cap, tokens_milli_ + (now_ns - last_ns_) * per_second_ / 1'000'000);
  }
  last_ns_ = now_ns;
  if (reserve > 0 && now_ns < blocked_until_ns_) return false;
  if (tokens_milli_ < int64_t{reserve + 1} * 1000) return false;
  tokens_milli_ -= 1000;
  return true;
}

void RateBudget::OnVenueLimit(int64_t now_ns, int64_t backoff_ns) noexcept {
  tokens_milli_ = 0;
  last_ns_ = now_ns;
  blocked_until_ns_ = now_ns + backoff_ns;
}

// ---- OrderTracker ----

void OrderTracker::Track(const OrderIntent& in, TscStamp wire, int64_t now_ns) noexcept {
  table_.Track(in, wire, now_ns);
  extra_[Slot(in.client_id)] = Extra{};
}

void OrderTracker::Adopt(const OrderIntent& in, int64_t now_ns) noexcept {
  table_.Adopt(in, now_ns);
  extra_[Slot(in.client_id)] = Extra{};
  counters_->Add(counters_->unknown_orders);
}

venues::InFlightEntry* OrderTracker::Find(std::string_view client_order_id) noexcept {
  ClientOrderId id;
  return table_.Find(client_order_id, &id);
}

std::string_view OrderTracker::VenueOrderId(ClientOrderId id) const noexcept {
  if (!table_.Busy(id)) return {};
  const venues::InFlightEntry* e = const_cast<venues::InFlightTable&>(table_).Find(id);
  if (e == nullptr) return {};
  const Extra& x = extra_[Slot(id)];
  return std::string_view(x.venue_id, x.venue_id_len);
}

void OrderTracker::SetVenueId(venues::InFlightEntry* e, std::string_view id) noexcept {
  Extra& x = extra_[Slot(e->id)];
  if (x.venue_id_len != 0 || id.empty() || id.size() > sizeof x.venue_id) return;
  std::memcpy(x.venue_id, id.data(), id.size());
  x.venue_id_len = static_cast<uint8_t>(id.size());
  e->venue_order_id = IdToU64(id);
}

void OrderTracker::Heard(venues::InFlightEntry* e) noexcept {
  if (e->state == venues::InFlightState::kUnknown) counters_->Add(counters_->unknown_resolved);
  e->state = venues::InFlightState::kAcked;
}

void OrderTracker::Release(venues::InFlightEntry* e) noexcept {
  extra_[Slot(e->id)] = Extra{};
  table_.Release(e);
}

void OrderTracker::MakeUnknown(venues::InFlightEntry* e, TscStamp recv, Nanos now, int32_t code) noexcept {
  if (e->state == venues::InFlightState::kUnknown) return;
  e->state = venues::InFlightState::kUnknown;
  e->next_query_ns = 0;  // due at once
  counters_->Add(counters_->unknown_orders);
  ExecReport ex = table_.Base(*e, venue_, recv);
  ex.kind = ExecKind::kUnknown;
  ex.venue_code = code;
  pub_->PublishExec(ex, now);
}

OrderTracker::Outcome OrderTracker::OnCreateReply(ClientOrderId id, int http_status, const CreateReply* r, TscStamp recv,
                                                  Nanos now) noexcept {
  venues::InFlightEntry* e = table_.Find(id);
  if (e == nullptr) return Outcome::kHandled;  // settled already (the user channel or a query)
  if (e->wire.ticks != 0) counters_->order_rtt_ns.Record(TscClock::Elapsed(e->wire, recv));
  if (http_status == 200 && r != nullptr && r->success) {
    SetVenueId(e, r->order_id);
    // An unknown order stays unknown: the ack says the venue took it, not what it filled (fills
    // come on the user channel, which may have dropped meanwhile); the query settles it, and by
    // order id now.
    if (e->state != venues::InFlightState::kUnknown) e->state = venues::InFlightState::kAcked;
    Extra& x = extra_[Slot(id)];
    if (x.acked || e->reported_qty.is_positive()) return Outcome::kHandled;
    x.acked = true;
    ExecReport ex = table_.Base(*e, venue_, recv);
    ex.kind = ExecKind::kAck;
    pub_->PublishExec(ex, now);
    return Outcome::kHandled;
  }
  if (http_status >= 500 || (http_status == 200 && r == nullptr)) {
    // The venue may or may not have taken it: unknown until a query says.
    MakeUnknown(e, recv, now, http_status);
    return Outcome::kHandled;
  }
  if (e->reported_qty.is_positive()) return Outcome::kAnomaly;  // refused, yet filled
  Heard(e);
  ExecReport ex = table_.Base(*e, venue_, recv);
  ex.kind = ExecKind::kRejected;
  if (http_status == 429) {
    ex.reason = RejectReason::kRateLimited;
    ex.venue_code = 429;
    counters_->Add(counters_->rate_limited);
  } else {
    ex.reason = RejectReason::kVenue;
    ex.venue_code = http_status == 200 && r != nullptr ? FailureCode(r->failure_reason) : http_status;
  }
  counters_->Add(counters_->order_rejects);
  ex.final = true;
  Release(e);
  pub_->PublishExec(ex, now);
  return Outcome::kHandled;
}

void OrderTracker::OnCreateLost(ClientOrderId id, bool written, bool halted, Nanos now) noexcept {
  venues::InFlightEntry* e = table_.Find(id);
  if (e == nullptr) return;
  if (written) return MakeUnknown(e, TscNow(), now, 0);
  ExecReport ex = table_.Base(*e, venue_, TscNow());
  ex.kind = ExecKind::kRejected;
  ex.reason = halted ? RejectReason::kHalted : RejectReason::kNotConnected;
  if (halted) counters_->Add(counters_->orders_halted);
  counters_->Add(counters_->order_rejects);
  ex.final = true;
  Release(e);
  pub_->PublishExec(ex, now);
}

OrderTracker::Outcome OrderTracker::Apply(venues::InFlightEntry* e, Qty cum, Amount value_after_fees, bool has_value,
                                          Amount fees, Price avg, UserStatus status, TscStamp recv, Nanos now) noexcept {
  if (cum < e->reported_qty) return Outcome::kAnomaly;
  Heard(e);
  Extra& x = extra_[Slot(e->id)];
  const bool terminal = IsTerminal(status);
  if (e->reported_qty < cum) {
    venues::CumulativeFill c;
    c.cum_qty = cum;
    // Cumulative quote as the venue books it: total_value_after_fees is quote + fees for a buy
    // and quote - fees for a sell; without it, avg_price × cumulative (rounded down).
    if (has_value && value_after_fees.is_positive()) {
      c.cum_quote = e->side == Side::kBuy ? value_after_fees - fees : value_after_fees + fees;
    } else {
      c.cum_quote = AmountFromNotional(MulNotional(avg, cum, Rounding::kFloor));
    }
    c.cum_fee = fees;
    const venues::SymbolInfo* sym = symbols_->ForInstrument(e->instrument);
    if (sym != nullptr) c.fee_asset = sym->quote;  // spot fees are charged in the quote currency
    const bool done = terminal || !(cum < e->qty);
    ExecReport ex;
    if (table_.FillDelta(*e, c, venue_, recv, done, &ex)) {
      ex.fill_px = AveragePrice(ex.fill_quote, ex.fill_qty, Rounding::kFloor);
      x.acked = true;
      if (done) Release(e);
      pub_->PublishExec(ex, now);
      // A terminal update closed the order with this fill (an IOC's remainder needs no report).
      if (done) return Outcome::kHandled;
    }
  }
  if (!terminal) {
    if (!x.acked && e->reported_qty.is_zero() && status == UserStatus::kOpen) {
      x.acked = true;
      ExecReport ex = table_.Base(*e, venue_, recv);
      ex.kind = ExecKind::kAck;
      pub_->PublishExec(ex, now);
    }
    return Outcome::kHandled;
  }
  ExecReport ex = table_.Base(*e, venue_, recv);
  if (status == UserStatus::kFailed && e->reported_qty.is_zero()) {
    ex.kind = ExecKind::kRejected;
    ex.reason = RejectReason::kVenue;
    counters_->Add(counters_->order_rejects);
  } else {
    ex.kind = ExecKind::kCanceled;  // an IOC remainder, an expiry, a cancel
  }
  ex.final = true;
  Release(e);
  pub_->PublishExec(ex, now);
  return Outcome::kHandled;
}

OrderTracker::Outcome OrderTracker::OnUserOrder(const UserOrder& o, TscStamp recv, Nanos now) noexcept {
  ClientOrderId id;
  venues::InFlightEntry* e = table_.Find(o.client_order_id, &id);
  if (e == nullptr) {
    // Closed already (a repeat of the last update) or not ours.
    return ParseClientId(o.client_order_id, &id) ? Outcome::kHandled : Outcome::kUnknownOrder;
  }
  SetVenueId(e, o.order_id);
  return Apply(e, o.cumulative_quantity, o.total_value_after_fees, o.has_value_after_fees, o.total_fees, o.avg_price,
               o.status, recv, now);
}

OrderTracker::Outcome OrderTracker::OnQueryAnswer(ClientOrderId id, const OrderInfo* info, TscStamp recv,
                                                  Nanos now) noexcept {
  venues::InFlightEntry* e = table_.Find(id);
  if (e == nullptr) return Outcome::kHandled;  // settled meanwhile by the user channel
  if (info == nullptr) {
    if (e->reported_qty.is_positive()) return Outcome::kAnomaly;  // fills reported, yet no order
    if (e->state == venues::InFlightState::kUnknown) counters_->Add(counters_->unknown_resolved);
    ExecReport ex = table_.Base(*e, venue_, recv);
    ex.kind = ExecKind::kRejected;
    ex.reason = RejectReason::kNotFound;
    ex.final = true;
    Release(e);
    pub_->PublishExec(ex, now);
    return Outcome::kHandled;
  }
  SetVenueId(e, info->order_id);
  return Apply(e, info->filled_size, info->total_value_after_fees, info->has_value_after_fees, info->total_fees,
               info->average_filled_price, ParseUserStatus(info->status), recv, now);
}

void OrderTracker::OnDisconnect(Nanos now) noexcept {
  const int n = table_.MarkAllUnknown(venue_, TscNow(), MonoNow().value, [&](const ExecReport& ex) { pub_->PublishExec(ex, now); });
  counters_->Add(counters_->unknown_orders, static_cast<uint64_t>(n));
}

int OrderTracker::ExpireAcks(int64_t now_ns, const venues::QueryPolicy& p, Nanos now) noexcept {
  const int n = table_.ExpireAcks(venue_, TscNow(), now_ns, p, [&](const ExecReport& ex) { pub_->PublishExec(ex, now); });
  counters_->Add(counters_->unknown_orders, static_cast<uint64_t>(n));
  return n;
}

// ---- Orders ----

Orders::Orders(venues::VenueContext ctx, const venues::SymbolTable* symbols, std::function<void()> on_state)
    : ctx_(ctx),
      symbols_(symbols),
      on_state_(std::move(on_state)),
      tracker_(ctx.id, symbols, ctx.publisher, ctx.counters),
      buf_(std::make_unique<char[]>(kBufBytes)) {}

Orders::~Orders() = default;

absl::Status Orders::Init() {
  const config::VenueConfig& v = *ctx_.venue;
  if (v.rest_url.empty()) return absl::InvalidArgumentError("venue " + v.name + ": Coinbase trading needs rest_url (orders go by REST)");
  if (v.order_url.empty())
    return absl::InvalidArgumentError("venue " + v.name + ": Coinbase trading needs order_url (the user channel websocket)");
  if (!venues::ReadSecretEnv(v.api_key_env, &key_name_))
    return absl::FailedPreconditionError("venue " + v.name + ": environment variable " + v.api_key_env +
                                         " (CDP API key name) is not set");
  if (!PlainText(key_name_) || key_name_.size() > 256)
    return absl::InvalidArgumentError("venue " + v.name + ": the key name in " + v.api_key_env +
                                      " has characters that cannot go into a JWT as they are");
  std::string pem;
  if (!venues::ReadSecretEnv(v.api_secret_env, &pem))
    return absl::FailedPreconditionError("venue " + v.name + ": environment variable " + v.api_secret_env +
                                         " (CDP EC private key, PEM) is not set");
  auto signer = venues::Es256Signer::FromPem(pem);
  std::fill(pem.begin(), pem.end(), '\0');
  if (!signer.ok())
    return absl::InvalidArgumentError("venue " + v.name + ": " + v.api_secret_env + ": " + std::string(signer.status().message()));
  signer_ = std::move(*signer);
  HttpSessionOptions ho;
  ho.url = v.rest_url;
  ho.name = v.name + " rest";
  ho.reconnect_min_ms = v.reconnect_min_ms;
  ho.reconnect_max_ms = v.reconnect_max_ms;
  ho.ca_file = ctx_.ca_file;
  rest_ = std::make_unique<HttpSession>(*ctx_.ioc, ho, this, ctx_.log);
  if (absl::Status s = rest_->Init(); !s.ok()) return absl::InvalidArgumentError("venue " + v.name + ": rest_url: " + std::string(s.message()));
  auto url = venues::ParseUrl(v.rest_url);
  rest_base_ = v.rest_url;
  while (!rest_base_.empty() && rest_base_.back() == '/') rest_base_.pop_back();
  // The uri claim names the host as the Host header does (api.coinbase.com; host:port locally).
  encoder_.Reset(symbols_, url->HostHeader());
  order_jwts_.Reset(signer_.get(), key_name_, encoder_.Uri("POST", kOrdersPath));
  cancel_jwts_.Reset(signer_.get(), key_name_, encoder_.Uri("POST", kBatchCancelPath));
  // Fill the pools before trading starts (cold).
  order_jwts_.Refill(NowS(), kJwtPoolSize);
  cancel_jwts_.Refill(NowS(), 4);
  if (order_jwts_.size() == 0) return absl::InternalError("venue " + v.name + ": could not sign a JWT with the configured key");
  venues::WsOptions o;
  o.url = v.order_url;
  o.name = v.name + " user";
  o.max_message = kMaxUserFrame;
  o.idle_timeout_ms = v.idle_timeout_ms;
  o.reconnect_min_ms = v.reconnect_min_ms;
  o.reconnect_max_ms = v.reconnect_max_ms;
  o.ca_file = ctx_.ca_file;
  o.send_slots = 8;
  user_ws_ = std::make_unique<venues::WsClient>(*ctx_.ioc, o, this, ctx_.log);
  if (absl::Status s = user_ws_->Init(); !s.ok()) return s;
  jwt_timer_ = std::make_unique<venues::Timer>(*ctx_.ioc);
  sweep_timer_ = std::make_unique<venues::Timer>(*ctx_.ioc);
  if (ctx_.config != nullptr) {
    const config::ExecutionConfig& ex = ctx_.config->execution;
    policy_.ack_timeout_ns = ex.ack_timeout_ms * 1'000'000;
    policy_.first_backoff_ns = ex.query_backoff_ms * 1'000'000;
    policy_.max_queries = static_cast<int>(ex.query_attempts);
  }
  return absl::OkStatus();
}

void Orders::Start() noexcept {
  rest_->Start();
  user_ws_->Start();
  RefillJwts();
  ScheduleSweep();
}

void Orders::ScheduleSweep() noexcept {
  const uint64_t gen = stop_generation_;
  sweep_timer_->After(kSweepMs, [this, gen] {
    if (gen != stop_generation_) return;
    Sweep();
    ScheduleSweep();
  });
}

// Cold timer: orders without a reply after the ack timeout become unknown; unknown orders are
// queried (with backoff) while the session is ready.
void Orders::Sweep() noexcept {
  const int64_t now = MonoNow().value;
  if (tracker_.ExpireAcks(now, policy_, WallNow()) > 0 && rest_ && rest_->waiting() > 0) {
    // A create went unanswered for the ack timeout. HTTP/1.1 answers a connection's requests in
    // order, so nothing behind the missing answer can arrive either: drop the connection (the
    // requests still waiting become unknown and are queried) and open a fresh one.
    if (log_limit_.Allow())
      ctx_.log->Log(runtime::LogLevel::kWarn, "%s: create unanswered for %lld ms: reconnecting the REST connection",
                    ctx_.venue->name.c_str(), static_cast<long long>(policy_.ack_timeout_ns / 1'000'000));
    rest_->Reconnect();
  }
  if (!ready_ || hold_queries_) return;
  tracker_.table().DueQueries(now, policy_, [this](venues::InFlightEntry& e) {
    SendQuery(e);
    return true;
  });
  CancelAdoptedOpen();
}

void Orders::CancelAdoptedOpen() noexcept {
  // Adopted orders a query found open: nothing the core did not decide anew may rest.
  if (ready_) tracker_.table().CancelAdoptedOpen([this](venues::InFlightEntry& e) { return Cancel(e.id); });
}

// The venue's own lookups (signed with the ES256 JWT like every request): by order id when the
// create reply or a user update gave it (GET orders/historical/{order_id}); otherwise — the
// create reply was lost, so no order id is known — the product's historical orders since
// shortly before the order was sent (GET orders/historical/batch?product_ids=…&start_date=…),
// matched on client_order_id. Coinbase has no lookup by client_order_id and the fills endpoint
// lists only orders that filled, so it could not tell an unfilled order from a missing one.
void Orders::SendQuery(const venues::InFlightEntry& e) noexcept {
  ctx_.counters->Add(ctx_.counters->order_queries);
  const ClientOrderId id = e.id;
  const uint64_t gen = stop_generation_;
  const std::string_view vid = tracker_.VenueOrderId(id);
  if (!vid.empty()) {
    ColdRequest("GET", std::string(kHistoricalPath) + std::string(vid), "", [this, id, gen](int status, std::string body) {
      if (gen != stop_generation_) return;
      if (status == 404) return Note(tracker_.OnQueryAnswer(id, nullptr, TscNow(), WallNow()));
      auto info = status == 200 ? ParseOrderQuery(body) : absl::StatusOr<OrderInfo>(absl::UnavailableError("HTTP"));
      if (!info.ok()) {
        if (status == 200) ctx_.counters->Add(ctx_.counters->order_parse_errors);
        if (log_limit_.Allow())
          ctx_.log->Log(runtime::LogLevel::kWarn, "%s: order query hs%llu failed (HTTP %d); retrying later",
                        ctx_.venue->name.c_str(), static_cast<unsigned long long>(id.value), status);
        return;
      }
      Note(tracker_.OnQueryAnswer(id, &*info, TscNow(), WallNow()));
      CancelAdoptedOpen();
    });
    return;
  }
  const venues::SymbolInfo* sym = symbols_->ForInstrument(e.instrument);
  // Sent at most this long ago (monotonic → wall), less a minute for clock skew.
  const int64_t age_ns = MonoNow().value - e.sent_ns;
  const std::string since = Rfc3339Seconds(Nanos{WallNow().value - age_ns - 60'000'000'000});
  // An adopted order may have been sent long before this session: no start date for it.
  const std::string query = std::string(kHistoricalBatchPath) + "?product_ids=" + (sym != nullptr ? sym->symbol : "") +
                            (e.adopted ? std::string() : "&start_date=" + since) + "&limit=1000";
  char want_buf[venues::kClientIdTextMax];
  const std::string want(want_buf, venues::FormatClientId(id, want_buf));
  ColdRequest("GET", query, "", [this, id, gen, want](int status, std::string body) {
    if (gen != stop_generation_) return;
    auto list = status == 200 ? ParseOrderList(body) : absl::StatusOr<std::vector<OrderInfo>>(absl::UnavailableError("HTTP"));
    if (!list.ok()) {
      if (status == 200) ctx_.counters->Add(ctx_.counters->order_parse_errors);
      if (log_limit_.Allow())
        ctx_.log->Log(runtime::LogLevel::kWarn, "%s: order list for hs%llu failed (HTTP %d); retrying later",
                      ctx_.venue->name.c_str(), static_cast<unsigned long long>(id.value), status);
      return;
    }
    const OrderInfo* found = nullptr;
    for (const OrderInfo& o : *list)
      if (o.client_order_id == want) found = &o;
    Note(tracker_.OnQueryAnswer(id, found, TscNow(), WallNow()));
    CancelAdoptedOpen();
  });
}

void Orders::Stop() noexcept {
  ++stop_generation_;
  if (sweep_timer_) sweep_timer_->Cancel();
  if (jwt_timer_) jwt_timer_->Cancel();
  ++user_generation_;
  rest_->Stop();
  user_ws_->Stop();
}

void Orders::RefillJwts() noexcept {
  // One signature per tick at most: a tick never holds the venue thread for more than one
  // ECDSA sign (~75 µs CPU, coinbase_orders_benchmark), and 100 signatures/s outrun the 30
  // requests/s budget.
  const int64_t now = NowS();
  if (order_jwts_.Refill(now, 1) == 0) (void)cancel_jwts_.Refill(now, 1);
  jwt_timer_->After(kJwtRefillMs, [this] { RefillJwts(); });
}

void Orders::UpdateReady() noexcept {
  const bool ready = rest_open_ && user_subscribed_ && balances_known_;
  if (ready == ready_) return;
  ready_ = ready;
  ctx_.counters->orders_connected.store(ready, std::memory_order_relaxed);
  if (ready) ctx_.log->Log(runtime::LogLevel::kInfo, "%s: order entry ready", ctx_.venue->name.c_str());
  if (on_state_) on_state_();
  if (ready && cancel_all_on_connect_) {
    // Recovery: what the venue holds that the journal does not know of goes first; queries of
    // adopted orders wait until the cancel-all finished (either way).
    cancel_all_on_connect_ = false;
    hold_queries_ = true;
    ctx_.counters->Add(ctx_.counters->cancel_all_sent);
    const uint64_t gen = stop_generation_;
    CancelAll([this, gen](const absl::StatusOr<int>& r) {
      if (gen != stop_generation_) return;
      if (!r.ok())
        ctx_.log->Log(runtime::LogLevel::kError, "%s: cancel-all on connect failed: %s", ctx_.venue->name.c_str(),
                      std::string(r.status().message()).c_str());
      hold_queries_ = false;
      Sweep();
    });
  }
}

void Orders::CountBad(const char* which, ParseStatus st, size_t len) noexcept {
  ctx_.counters->Add(ctx_.counters->order_parse_errors);
  if (log_limit_.Allow())
    ctx_.log->Log(runtime::LogLevel::kWarn, "%s: malformed %s (%s), %zu bytes", ctx_.venue->name.c_str(), which,
                  venues::ParseStatusName(st), len);
}

void Orders::Note(OrderTracker::Outcome o) noexcept {
  if (o == OrderTracker::Outcome::kHandled) return;
  ctx_.counters->Add(ctx_.counters->unknown_messages);
  if (log_limit_.Allow())
    ctx_.log->Log(runtime::LogLevel::kWarn, "%s: %s", ctx_.venue->name.c_str(),
                  o == OrderTracker::Outcome::kUnknownOrder ? "an order message for an order not in flight (ignored)"
                                                            : "an order message that contradicts the order's state (ignored)");
}

// -- order path --

void Orders::Reject(const OrderIntent& in, RejectReason why) noexcept { venues::PublishLocalReject(ctx_, in, why); }

void Orders::OnIntent(const OrderIntent& in) noexcept {
  if (in.query) {
    if (!tracker_.CanTrack(in.client_id)) return Reject(in, RejectReason::kBackpressure);
    tracker_.Adopt(in);
    if (ready_) Sweep();  // its query goes out now; otherwise once the session is ready
    return;
  }
  if (!ready_) return Reject(in, RejectReason::kNotConnected);
  if (ctx_.publisher->overflowed()) return Reject(in, RejectReason::kBackpressure);
  if (!tracker_.CanTrack(in.client_id)) return Reject(in, RejectReason::kBackpressure);
  if (!budget_.TryTake(MonoNow().value, kCancelReserve)) {
    ctx_.counters->Add(ctx_.counters->rate_limited);
    return Reject(in, RejectReason::kRateLimited);
  }
  const int64_t now_s = NowS();
  size_t jn = order_jwts_.Take(now_s, jwt_buf_);
  if (jn == 0) {
    ++jwt_inline_signs_;  // the pool ran dry: slow but correct
    jn = order_jwts_.SignInline(now_s, jwt_buf_);
  }
  const size_t n = encoder_.EncodeOrder(in, std::string_view(jwt_buf_, jn), buf_.get(), kBufBytes);
  if (n == 0) return Reject(in, RejectReason::kEncodeFailed);
  const TscStamp ready = TscNow();
  if (in.origin_stamp.ticks != 0) ctx_.counters->tick_to_order_ns.Record(TscClock::Elapsed(in.origin_stamp, ready));
  TscStamp wire;
  switch (rest_->Send(std::string_view(buf_.get(), n), in.client_id.value, ctx_.kill, ctx_.id, &wire)) {
    case HttpSession::SendResult::kWritten:
    case HttpSession::SendResult::kQueued:
      ctx_.counters->Add(ctx_.counters->orders_sent);
      tracker_.Track(in, wire);
      return;
    case HttpSession::SendResult::kHalted:
      ctx_.counters->Add(ctx_.counters->orders_halted);
      return Reject(in, RejectReason::kHalted);
    case HttpSession::SendResult::kNotOpen:
      return Reject(in, RejectReason::kNotConnected);
    case HttpSession::SendResult::kQueueFull:
      return Reject(in, RejectReason::kBackpressure);
  }
}

bool Orders::Cancel(ClientOrderId id) noexcept {
  const std::string_view vid = tracker_.VenueOrderId(id);
  if (vid.empty() || !rest_->is_open()) return false;
  if (!budget_.TryTake(MonoNow().value, 0)) return false;
  const int64_t now_s = NowS();
  size_t jn = cancel_jwts_.Take(now_s, jwt_buf_);
  if (jn == 0) {
    ++jwt_inline_signs_;
    jn = cancel_jwts_.SignInline(now_s, jwt_buf_);
  }
  const size_t n = encoder_.EncodeBatchCancel(&vid, 1, std::string_view(jwt_buf_, jn), buf_.get(), kBufBytes);
  if (n == 0) return false;
  TscStamp wire;
  const auto r = rest_->Send(std::string_view(buf_.get(), n), kCancelTag | id.value, nullptr, ctx_.id, &wire);
  return r == HttpSession::SendResult::kWritten || r == HttpSession::SendResult::kQueued;
}

// -- REST connection --

void Orders::OnHttpOpen() noexcept {
  rest_open_ = true;
  ctx_.log->Log(runtime::LogLevel::kInfo, "%s: REST connection open", ctx_.venue->name.c_str());
  UpdateReady();
}

void Orders::OnHttpClosed() noexcept {
  rest_open_ = false;
  UpdateReady();
}

void Orders::OnHttpLost(uint64_t tag, bool written) noexcept {
  if (tag & kCancelTag) return;  // a cancel's fate shows on the user channel
  tracker_.OnCreateLost(ClientOrderId{tag}, written, ctx_.kill->halted(), WallNow());
}

void Orders::OnHttpResponse(uint64_t tag, int status, char* body, size_t len, TscStamp recv) noexcept {
  ctx_.counters->Add(ctx_.counters->order_replies);
  const Nanos now = WallNow();
  if (tag & kCancelTag) {
    if (status != 200) {
      if (log_limit_.Allow())
        ctx_.log->Log(runtime::LogLevel::kWarn, "%s: batch_cancel refused: HTTP %d", ctx_.venue->name.c_str(), status);
      return;
    }
    CancelResult res[4];
    int n = 0;
    const ParseStatus st = parser_.ParseBatchCancel(body, len, res, 4, &n);
    if (st != ParseStatus::kOk) return CountBad("batch_cancel reply", st, len);
    for (int i = 0; i < n; ++i)
      if (!res[i].success && log_limit_.Allow())
        ctx_.log->Log(runtime::LogLevel::kWarn, "%s: cancel refused: %.*s", ctx_.venue->name.c_str(),
                      static_cast<int>(res[i].failure_reason.size()), res[i].failure_reason.data());
    return;  // the CANCELLED update on the user channel closes the order
  }
  const ClientOrderId id{tag};
  if (status == 200) {
    CreateReply r;
    const ParseStatus st = parser_.ParseCreate(body, len, &r);
    if (st != ParseStatus::kOk) {
      CountBad("create-order reply", st, len);
      return Note(tracker_.OnCreateReply(id, status, nullptr, recv, now));
    }
    return Note(tracker_.OnCreateReply(id, status, &r, recv, now));
  }
  if (log_limit_.Allow()) {
    // The body of an error reply names the error (no secret goes into a reply).
    ctx_.log->Log(runtime::LogLevel::kWarn, "%s: create order refused: HTTP %d %.160s", ctx_.venue->name.c_str(), status,
                  body);
  }
  if (status == 429) budget_.OnVenueLimit(MonoNow().value, kVenueLimitBackoffNs);
  Note(tracker_.OnCreateReply(id, status, nullptr, recv, now));
}

// -- user channel --

void Orders::SubscribeUser() noexcept {
  // One channel per subscribe, each with a fresh JWT (no uri claim for websocket tokens).
  std::string products;
  for (const auto& s : symbols_->infos()) products += (products.empty() ? "\"" : ",\"") + s.symbol + "\"";
  for (const char* channel : {"heartbeats", "user"}) {
    const std::string jwt = signer_->SignCdp(key_name_, "", NowS());
    const std::string msg = std::string(R"({"type":"subscribe","channel":")") + channel + R"(","product_ids":[)" + products +
                            R"(],"jwt":")" + jwt + "\"}";
    if (jwt.empty() || !user_ws_->Send(msg))
      ctx_.log->Log(runtime::LogLevel::kWarn, "%s: could not subscribe the %s channel", ctx_.venue->name.c_str(), channel);
  }
}

void Orders::OnWsOpen() noexcept {
  ++user_generation_;
  user_subscribed_ = false;
  balances_known_ = false;
  ctx_.log->Log(runtime::LogLevel::kInfo, "%s: user channel open, subscribing", ctx_.venue->name.c_str());
  SubscribeUser();
}

void Orders::OnWsClosed(std::string_view reason) noexcept {
  ++user_generation_;
  user_subscribed_ = false;
  balances_known_ = false;
  // Fills of orders in flight could be missed now: their outcome is unknown.
  tracker_.OnDisconnect(WallNow());
  UpdateReady();
}

void Orders::OnWsMessage(char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept {
  OnUserMessage(data, len, recv, recv_time);
}

void Orders::OnUserMessage(const char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept {
  UserMsg m;
  const ParseStatus st = parser_.ParseUser(data, len, &m);
  if (st != ParseStatus::kOk) return CountBad("user-channel message", st, len);
  switch (m.kind) {
    case UserKind::kUser:
      for (int i = 0; i < m.order_count; ++i) Note(tracker_.OnUserOrder(parser_.orders()[i], recv, recv_time));
      if (!user_subscribed_) {
        // The first user envelope is the snapshot: the subscription stands.
        user_subscribed_ = true;
        FetchAccounts();
      }
      return;
    case UserKind::kSubscriptions:
    case UserKind::kHeartbeats:
      return;
    case UserKind::kError:
      if (log_limit_.Allow())
        ctx_.log->Log(runtime::LogLevel::kError, "%s: user channel error: %.*s", ctx_.venue->name.c_str(),
                      static_cast<int>(std::min<size_t>(m.message.size(), 200)), m.message.data());
      return;
    default:
      ctx_.counters->Add(ctx_.counters->unknown_messages);
      return;
  }
}

// -- cold REST calls --

void Orders::ColdRequest(const std::string& method, const std::string& path_and_query, std::string body,
                         std::function<void(int, std::string)> done) {
  (void)budget_.TryTake(MonoNow().value, 0);  // counted against the budget; cold calls are never refused
  const std::string path = path_and_query.substr(0, path_and_query.find('?'));
  venues::HttpRequest req;
  req.method = method;
  req.url = rest_base_ + path_and_query;
  req.headers = {{"Authorization", "Bearer " + signer_->SignCdp(key_name_, encoder_.Uri(method, path), NowS())},
                 {"Accept", "application/json"}};
  if (!body.empty()) req.headers.push_back({"Content-Type", "application/json"});
  req.body = std::move(body);
  req.ca_file = ctx_.ca_file;
  venues::HttpFetch(*ctx_.ioc, std::move(req), [done = std::move(done)](venues::HttpResponse r) {
    done(r.status, r.status == 0 ? r.error : std::move(r.body));
  });
}

bool Orders::RequestBalances() noexcept {
  if (!ready_) return false;
  FetchAccounts(/*recheck=*/true);
  return true;
}

void Orders::FetchAccounts(bool recheck) noexcept {
  const uint64_t gen = user_generation_;
  ColdRequest("GET", std::string(kAccountsPath) + "?limit=250", "", [this, gen, recheck](int status, std::string body) {
    if (gen != user_generation_ || (balances_known_ && !recheck)) return;
    if (status != 200) {
      ctx_.log->Log(runtime::LogLevel::kWarn, "%s: accounts query failed (HTTP %d: %.120s); retrying on reconnect",
                    ctx_.venue->name.c_str(), status, body.c_str());
      return;
    }
    auto accounts = ParseAccounts(body);
    if (!accounts.ok()) {
      ctx_.log->Log(runtime::LogLevel::kWarn, "%s: accounts reply not usable: %s", ctx_.venue->name.c_str(),
                    std::string(accounts.status().message()).c_str());
      return;
    }
    const auto& names = symbols_->asset_names();
    const Nanos now = WallNow();
    for (size_t a = 0; a < names.size(); ++a) {
      BalanceUpdate b;
      b.venue = ctx_.id;
      b.asset = AssetId{static_cast<uint16_t>(a)};
      for (const AccountBalance& ab : *accounts) {
        if (ab.currency != names[a]) continue;
        b.free += ab.available;
        b.locked += ab.hold;
      }
      b.final_of_snapshot = a + 1 == names.size();
      ctx_.publisher->PublishBalance(b, now);
    }
    balances_known_ = true;
    UpdateReady();
  });
}

void Orders::QueryOrder(const std::string& order_id, std::function<void(absl::StatusOr<OrderInfo>)> done) {
  ColdRequest("GET", std::string(kHistoricalPath) + order_id, "", [done = std::move(done)](int status, std::string body) {
    if (status == 404) return done(absl::NotFoundError("order not found"));
    if (status != 200) return done(absl::UnavailableError("order query failed: HTTP " + std::to_string(status)));
    done(ParseOrderQuery(body));
  });
}

void Orders::FindByClientId(ClientOrderId id, std::function<void(absl::StatusOr<OrderInfo>)> done) {
  const std::string_view vid = tracker_.VenueOrderId(id);
  if (!vid.empty()) return QueryOrder(std::string(vid), std::move(done));
  // Not in the table (restarted, or the id slot was reused): list and match the client id.
  const std::string want = "hs" + std::to_string(id.value);
  ColdRequest("GET", std::string(kHistoricalBatchPath) + "?limit=1000", "",
              [want, done = std::move(done)](int status, std::string body) {
                if (status != 200) return done(absl::UnavailableError("order list failed: HTTP " + std::to_string(status)));
                auto list = ParseOrderList(body);
                if (!list.ok()) return done(list.status());
                for (OrderInfo& o : *list)
                  if (o.client_order_id == want) return done(std::move(o));
                done(absl::NotFoundError("no order with client_order_id " + want));
              });
}

void Orders::CancelAll(std::function<void(absl::StatusOr<int>)> done) {
  ColdRequest(
      "GET", std::string(kHistoricalBatchPath) + "?order_status=OPEN&limit=1000", "",
      [this, done = std::move(done)](int status, std::string body) mutable {
        if (status != 200) {
          if (done) done(absl::UnavailableError("open-order list failed: HTTP " + std::to_string(status)));
          return;
        }
        auto list = ParseOrderList(body);
        if (!list.ok()) {
          if (done) done(list.status());
          return;
        }
        if (list->empty()) {  // nothing open: the account is already clear
          ctx_.counters->Add(ctx_.counters->cancel_all_confirmed);
          if (done) done(0);
          return;
        }
        std::string ids;
        for (const OrderInfo& o : *list) {
          if (!PlainText(o.order_id)) continue;
          ids += (ids.empty() ? "\"" : ",\"") + o.order_id + "\"";
        }
        ColdRequest("POST", std::string(kBatchCancelPath), R"({"order_ids":[)" + ids + "]}",
                    [this, done = std::move(done)](int st, std::string b) {
                      if (st != 200) {
                        if (done) done(absl::UnavailableError("batch_cancel failed: HTTP " + std::to_string(st)));
                        return;
                      }
                      b.append(venues::kWsPadding, '\0');
                      std::vector<CancelResult> res(1000);
                      int n = 0;
                      const ParseStatus ps = parser_.ParseBatchCancel(b.data(), b.size() - venues::kWsPadding, res.data(),
                                                                      static_cast<int>(res.size()), &n);
                      if (ps != ParseStatus::kOk) {
                        if (done) done(absl::InvalidArgumentError("batch_cancel reply does not parse"));
                        return;
                      }
                      int ok = 0;
                      for (int i = 0; i < n; ++i) ok += res[static_cast<size_t>(i)].success ? 1 : 0;
                      if (ok == n) ctx_.counters->Add(ctx_.counters->cancel_all_confirmed);
                      if (done) done(ok);
                    });
      });
}

}  // namespace hs::coinbase
