#include "venues/kraken/kraken_orders.h"

#include <algorithm>
#include <cstring>

#include "venues/common/http_client.h"
#include "venues/common/order_path.h"
#include "venues/common/signing.h"
#include "venues/common/text_writer.h"
#include "venues/common/url.h"
#include "venues/kraken/kraken_wire.h"

namespace hs::kraken {

namespace {
constexpr size_t kBufBytes = 4096;
constexpr int64_t kTokenRetryMs = 5'000;
constexpr int64_t kDeadManMaxPeriodMs = 30'000;

inline char* Put(char* p, std::string_view s) noexcept {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

bool StartsWith(std::string_view s, std::string_view p) noexcept { return s.substr(0, p.size()) == p; }
}  // namespace

// ---- ids, signing, errors ----

int FormatClientId(ClientOrderId id, char* out) noexcept {
  static constexpr char kHex[] = "0123456789abcdef";
  char tmp[16];
  int n = 0;
  uint64_t v = id.value;
  do {
    tmp[n++] = kHex[v & 0xF];
    v >>= 4;
  } while (v != 0);
  out[0] = 'h';
  out[1] = 's';
  for (int i = 0; i < n; ++i) out[2 + i] = tmp[n - 1 - i];
  return 2 + n;
}

bool ParseClientId(std::string_view text, ClientOrderId* out) noexcept {
  if (text.size() < 3 || text.size() > static_cast<size_t>(kClientIdMax) || text[0] != 'h' || text[1] != 's')
    return false;
  if (text[2] == '0' && text.size() > 3) return false;  // one spelling per id
  uint64_t v = 0;
  for (size_t i = 2; i < text.size(); ++i) {
    const char c = text[i];
    unsigned d;
    if (c >= '0' && c <= '9') {
      d = static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      d = static_cast<unsigned>(c - 'a' + 10);
    } else {
      return false;
    }
    v = (v << 4) | d;
  }
  out->value = v;
  return true;
}

std::string ApiSign(std::string_view secret, std::string_view uri_path, std::string_view nonce,
                    std::string_view postdata) {
  std::string inner(nonce);
  inner += postdata;
  std::string msg(uri_path);
  msg += venues::Sha256Raw(inner);
  std::string mac = venues::HmacSha512Raw(secret, msg);
  std::string sign = venues::Base64Encode(mac);
  std::fill(mac.begin(), mac.end(), '\0');
  return sign;
}

int32_t KrakenErrorCode(std::string_view e) noexcept {
  if (e == "EOrder:Insufficient funds") return kErrInsufficientFunds;
  if (e == "EOrder:Rate limit exceeded") return kErrRateLimit;
  if (e == "EOrder:Unknown order") return kErrUnknownOrder;
  if (e == "EOrder:Post only order") return kErrPostOnly;
  if (e == "EOrder:Order minimum not met") return kErrOrderMinimum;
  if (StartsWith(e, "EGeneral:Invalid arguments")) return kErrInvalidArguments;
  if (StartsWith(e, "EAPI:")) return kErrInvalidToken;
  return kErrOther;
}

uint64_t OrderIdHash(std::string_view s) noexcept {
  uint64_t h = 1469598103934665603ull;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

// ---- rate budget ----

int64_t RateBudget::CancelCost(Nanos age) noexcept {
  const int64_t s = age.value / 1'000'000'000;
  if (s < 5) return 8;
  if (s < 10) return 6;
  if (s < 15) return 5;
  if (s < 45) return 4;
  if (s < 90) return 2;
  if (s < 300) return 1;
  return 0;
}

int64_t RateBudget::level_milli(int pair, Nanos now) noexcept {
  if (pair < 0 || pair >= kMaxInstruments) return 0;
  Pair& p = pairs_[static_cast<size_t>(pair)];
  const int64_t dt = now.value - p.at.value;
  if (dt > 0 && p.level_milli > 0) {
    // Decay since the last charge; 128-bit so a long quiet spell cannot overflow.
    const __int128 dec = static_cast<__int128>(dt) * p_.decay_milli_per_s / 1'000'000'000;
    p.level_milli = dec >= p.level_milli ? 0 : p.level_milli - static_cast<int64_t>(dec);
  }
  if (dt > 0 || p.at.value == 0) p.at = now;
  return p.level_milli;
}

bool RateBudget::TryAdd(int pair, Nanos now) noexcept {
  if (pair < 0 || pair >= kMaxInstruments) return false;
  const int64_t level = level_milli(pair, now);
  if (level + 1000 + p_.reserve * 1000 > p_.max_count * 1000) return false;
  pairs_[static_cast<size_t>(pair)].level_milli = level + 1000;
  return true;
}

void RateBudget::ChargeCancel(int pair, Nanos age, Nanos now) noexcept {
  if (pair < 0 || pair >= kMaxInstruments) return;
  const int64_t level = level_milli(pair, now);
  pairs_[static_cast<size_t>(pair)].level_milli = level + CancelCost(age) * 1000;
}

// ---- encoder ----

size_t OrderEncoder::Encode(const OrderIntent& in, int64_t req_id, char* out, size_t cap) const noexcept {
  if (symbols_ == nullptr || token_.empty() || req_id < 0 || in.tif == TimeInForce::kFok) return 0;
  const venues::SymbolInfo* sym = symbols_->ForInstrument(in.instrument);
  if (sym == nullptr) return 0;
  char cid[kClientIdMax];
  const std::string_view cid_s(cid, static_cast<size_t>(FormatClientId(in.client_id, cid)));
  char req[20];
  const std::string_view req_s(req, static_cast<size_t>(venues::U64ToChars(static_cast<uint64_t>(req_id), req)));
  char px[kMaxDecimalText];
  char qty[kMaxDecimalText];
  const int pxn = FormatFixed(in.limit_px, sym->price_decimals, px);
  const int qn = FormatFixed(in.qty, sym->qty_decimals, qty);
  // Off the pair's precision (never round an order), or not a positive number.
  if (pxn < 0 || qn < 0 || !in.limit_px.is_positive() || !in.qty.is_positive()) return 0;
  const std::string_view px_s(px, static_cast<size_t>(pxn));
  const std::string_view qty_s(qty, static_cast<size_t>(qn));
  const bool gtc = in.tif == TimeInForce::kGtc;
  // Worst case: fixed text (< 220 bytes) plus every variable piece.
  const size_t worst = 220 + sym->symbol.size() + cid_s.size() + px_s.size() + qty_s.size() + token_.size() + req_s.size();
  if (cap < worst) return 0;
  char* w = out;
  w = Put(w, R"({"method":"add_order","params":{"order_type":"limit","side":")");
  w = Put(w, in.side == Side::kBuy ? std::string_view("buy") : std::string_view("sell"));
  w = Put(w, R"(","order_qty":)");
  w = Put(w, qty_s);
  w = Put(w, R"(,"symbol":")");
  w = Put(w, sym->symbol);
  w = Put(w, R"(","limit_price":)");
  w = Put(w, px_s);
  w = Put(w, gtc ? std::string_view(R"(,"time_in_force":"gtc","post_only":true,"cl_ord_id":")")
                 : std::string_view(R"(,"time_in_force":"ioc","cl_ord_id":")"));
  w = Put(w, cid_s);
  w = Put(w, R"(","token":")");
  w = Put(w, token_);
  w = Put(w, R"("},"req_id":)");
  w = Put(w, req_s);
  w = Put(w, "}");
  return static_cast<size_t>(w - out);
}

size_t OrderEncoder::EncodeCancel(ClientOrderId id, int64_t req_id, char* out, size_t cap) const noexcept {
  if (token_.empty() || req_id < 0) return 0;
  char cid[kClientIdMax];
  const std::string_view cid_s(cid, static_cast<size_t>(FormatClientId(id, cid)));
  venues::TextWriter w(out, cap);
  w.Str(R"({"method":"cancel_order","params":{"cl_ord_id":[")").Str(cid_s).Str(R"("],"token":")").Str(token_)
      .Str(R"("},"req_id":)").I64(req_id).Char('}');
  return w.ok() ? w.size() : 0;
}

size_t OrderEncoder::EncodeCancelAll(int64_t req_id, char* out, size_t cap) const noexcept {
  if (token_.empty() || req_id < 0) return 0;
  venues::TextWriter w(out, cap);
  w.Str(R"({"method":"cancel_all","params":{"token":")").Str(token_).Str(R"("},"req_id":)").I64(req_id).Char('}');
  return w.ok() ? w.size() : 0;
}

size_t OrderEncoder::EncodeDeadMan(int timeout_s, int64_t req_id, char* out, size_t cap) const noexcept {
  if (token_.empty() || req_id < 0 || timeout_s < 0 || timeout_s >= 86'400) return 0;
  venues::TextWriter w(out, cap);
  w.Str(R"({"method":"cancel_all_orders_after","params":{"timeout":)").I64(timeout_s).Str(R"(,"token":")")
      .Str(token_).Str(R"("},"req_id":)").I64(req_id).Char('}');
  return w.ok() ? w.size() : 0;
}

size_t OrderEncoder::EncodeSubscribe(std::string_view channel, int64_t req_id, char* out, size_t cap,
                                     bool unsubscribe) const noexcept {
  if (token_.empty() || req_id < 0) return 0;
  venues::TextWriter w(out, cap);
  w.Str(unsubscribe ? R"({"method":"unsubscribe","params":{"channel":")" : R"({"method":"subscribe","params":{"channel":")")
      .Str(channel)
      .Str(R"(","token":")")
      .Str(token_)
      .Char('"');
  if (unsubscribe) return w.Str(R"(},"req_id":)").I64(req_id).Char('}').ok() ? w.size() : 0;
  if (channel == "executions") w.Str(R"(,"snap_orders":true,"snap_trades":false)");
  if (channel == "balances") w.Str(R"(,"snapshot":true)");
  w.Str(R"(},"req_id":)").I64(req_id).Char('}');
  return w.ok() ? w.size() : 0;
}

// ---- open orders ----

bool OpenOrders::Upsert(const OpenOrder& o) noexcept {
  for (int i = 0; i < n_; ++i) {
    OpenOrder& x = items_[static_cast<size_t>(i)];
    if (x.order_id_view() == o.order_id_view()) {
      x = o;
      return true;
    }
  }
  if (n_ >= kCapacity || o.order_id_len == 0) return false;
  items_[static_cast<size_t>(n_++)] = o;
  return true;
}

void OpenOrders::Remove(std::string_view order_id) noexcept {
  for (int i = 0; i < n_; ++i) {
    if (items_[static_cast<size_t>(i)].order_id_view() != order_id) continue;
    items_[static_cast<size_t>(i)] = items_[static_cast<size_t>(n_ - 1)];
    --n_;
    return;
  }
}

const OpenOrder* OpenOrders::Find(ClientOrderId id) const noexcept {
  for (int i = 0; i < n_; ++i) {
    const OpenOrder& x = items_[static_cast<size_t>(i)];
    if (x.ours && x.client_id == id) return &x;
  }
  return nullptr;
}

const OpenOrder* OpenOrders::FindByOrderId(std::string_view order_id) const noexcept {
  for (int i = 0; i < n_; ++i)
    if (items_[static_cast<size_t>(i)].order_id_view() == order_id) return &items_[static_cast<size_t>(i)];
  return nullptr;
}

// ---- tracker ----

ExecReport OrderTracker::Base(const Slot& s, TscStamp recv) const noexcept {
  ExecReport ex;
  ex.client_id = s.id;
  ex.venue = venue_;
  ex.instrument = s.instrument;
  ex.side = s.side;
  ex.recv_stamp = recv;
  ex.wire_stamp = s.wire;
  ex.cum_qty = s.reported;
  if (s.order_id_len > 0) ex.venue_order_id = OrderIdHash(std::string_view(s.order_id, s.order_id_len));
  return ex;
}

void OrderTracker::Add(const OrderIntent& in, int64_t req_id, TscStamp wire, Nanos sent) noexcept {
  const int idx = static_cast<int>(in.client_id.value % kCapacity);
  Slot& s = slots_[static_cast<size_t>(idx)];
  s = Slot{};
  s.active = true;
  s.id = in.client_id;
  s.instrument = in.instrument;
  s.side = in.side;
  s.req_id = req_id;
  s.wire = wire;
  s.sent = sent;
  s.list_pos = active_n_;
  active_[static_cast<size_t>(active_n_++)] = idx;
}

void OrderTracker::Close(Slot* s) noexcept {
  if (!s->active) return;
  s->active = false;
  const int pos = s->list_pos;
  const int last = active_[static_cast<size_t>(active_n_ - 1)];
  active_[static_cast<size_t>(pos)] = last;
  slots_[static_cast<size_t>(last)].list_pos = pos;
  --active_n_;
  s->list_pos = -1;
}

void OrderTracker::SetOrderId(Slot* s, std::string_view oid) noexcept {
  if (oid.empty() || oid.size() > sizeof s->order_id) return;
  std::memcpy(s->order_id, oid.data(), oid.size());
  s->order_id_len = static_cast<uint8_t>(oid.size());
}

void OrderTracker::SetWire(ClientOrderId id, TscStamp wire) noexcept {
  if (Slot* s = Find(id)) s->wire = wire;
}

bool OrderTracker::SentAt(ClientOrderId id, Nanos* sent, InstrumentId* instrument) const noexcept {
  const Slot& s = slots_[id.value % kCapacity];
  if (!s.active || s.id != id) return false;
  *sent = s.sent;
  *instrument = s.instrument;
  return true;
}

bool OrderTracker::NotSent(ClientOrderId id, RejectReason why, ExecReport* out) noexcept {
  Slot* s = Find(id);
  if (s == nullptr) return false;
  *out = Base(*s, TscNow());
  out->kind = ExecKind::kRejected;
  out->reason = why;
  out->final = true;
  Close(s);
  return true;
}

OrderTracker::Slot* OrderTracker::FindByReq(int64_t req_id) noexcept {
  for (int k = 0; k < active_n_; ++k) {
    Slot& s = slots_[static_cast<size_t>(active_[static_cast<size_t>(k)])];
    if (s.req_id == req_id) return &s;
  }
  return nullptr;
}

OrderTracker::Outcome OrderTracker::OnAddReply(const PrivateMsg& m, TscStamp recv, ExecReport* out,
                                               TscStamp* wire) noexcept {
  Slot* s = nullptr;
  ClientOrderId id;
  if (!m.cl_ord_id.empty() && ParseClientId(m.cl_ord_id, &id)) s = Find(id);
  if (s == nullptr && m.req_id >= 0) s = FindByReq(m.req_id);
  if (s == nullptr) return m.success || m.req_id >= 0 ? Outcome::kNone : Outcome::kForeign;
  *out = Base(*s, recv);
  *wire = s->wire;
  if (!m.success) {
    out->kind = ExecKind::kRejected;
    out->reason = RejectReason::kVenue;
    out->venue_code = KrakenErrorCode(m.error);
    out->final = true;
    Close(s);
    return Outcome::kReport;
  }
  if (s->order_id_len == 0) SetOrderId(s, m.order_id);
  out->venue_order_id = s->order_id_len > 0 ? OrderIdHash(std::string_view(s->order_id, s->order_id_len)) : 0;
  if (s->acked) return Outcome::kNone;  // the executions stream acked it first
  s->acked = true;
  out->kind = ExecKind::kAck;
  return Outcome::kReport;
}

OrderTracker::Slot* OrderTracker::FindForExec(const ExecItem& e, bool* foreign) noexcept {
  *foreign = false;
  if (!e.cl_ord_id.empty()) {
    ClientOrderId id;
    if (!ParseClientId(e.cl_ord_id, &id)) {
      *foreign = true;
      return nullptr;
    }
    return Find(id);
  }
  if (e.order_id.empty()) return nullptr;
  for (int k = 0; k < active_n_; ++k) {
    Slot& s = slots_[static_cast<size_t>(active_[static_cast<size_t>(k)])];
    if (std::string_view(s.order_id, s.order_id_len) == e.order_id) return &s;
  }
  return nullptr;
}

OrderTracker::Outcome OrderTracker::OnExec(const ExecItem& e, TscStamp recv, ExecReport* out) noexcept {
  bool foreign = false;
  Slot* s = FindForExec(e, &foreign);
  if (s == nullptr) return foreign ? Outcome::kForeign : Outcome::kNone;
  if (s->order_id_len == 0) SetOrderId(s, e.order_id);
  ExecReport ex = Base(*s, recv);
  ex.venue_time = e.timestamp;
  const bool status_filled = e.order_status == "filled";
  switch (e.exec_type) {
    case ExecType::kPendingNew:
    case ExecType::kNew:
      if (s->acked) return Outcome::kNone;
      s->acked = true;
      ex.kind = ExecKind::kAck;
      break;
    case ExecType::kTrade: {
      // Exactly once per exec_id (trade_id when the venue leaves exec_id out).
      const uint64_t key = !e.exec_id.empty() ? OrderIdHash(e.exec_id) : (e.has_trade_id ? e.trade_id ^ 0x9e3779b97f4a7c15ull : 0);
      if (key == 0 || !e.has_last_qty || !e.has_last_price) {
        // A trade that cannot be booked exactly: its outcome is in doubt.
        ex.kind = ExecKind::kUnknown;
        *out = ex;
        return Outcome::kReport;
      }
      for (int i = 0; i < s->seen_n && i < kSeenExecs; ++i)
        if (s->seen[static_cast<size_t>(i)] == key) return Outcome::kNone;
      s->seen[static_cast<size_t>(s->seen_n % kSeenExecs)] = key;
      ++s->seen_n;
      if (s->seen_n >= 2 * kSeenExecs) s->seen_n = kSeenExecs;  // keep the ring indexable
      s->acked = true;
      ex.kind = ExecKind::kFill;
      ex.fill_qty = e.last_qty;
      ex.fill_px = e.last_price;
      // The venue's own cost when given; otherwise price × qty at 10^-9, rounded down.
      ex.fill_quote = e.has_cost ? e.cost : AmountFromNotional(MulNotional(e.last_price, e.last_qty, Rounding::kFloor));
      if (e.has_fee) {
        ex.fee = e.fee;
        ex.fee_asset = symbols_ != nullptr ? symbols_->FindAsset(e.fee_asset) : AssetId::Invalid();
      }
      s->reported += e.last_qty;
      ex.cum_qty = s->reported;
      ex.final = status_filled;
      break;
    }
    case ExecType::kFilled:
      ex.kind = ExecKind::kFill;  // nothing new filled: closes the order
      ex.final = true;
      break;
    case ExecType::kCanceled:
    case ExecType::kExpired:
      ex.kind = ExecKind::kCanceled;
      ex.final = true;
      break;
    case ExecType::kOther:
      return Outcome::kNone;
  }
  if (ex.final) Close(s);
  *out = ex;
  return Outcome::kReport;
}

// ---- session ----

Orders::Orders(venues::VenueContext ctx, const venues::SymbolTable* symbols, std::function<void()> on_state)
    : ctx_(ctx),
      symbols_(symbols),
      on_state_(std::move(on_state)),
      encoder_(symbols),
      tracker_(ctx.id, symbols),
      buf_(std::make_unique<char[]>(kBufBytes)) {}

Orders::~Orders() {
  std::fill(api_key_.begin(), api_key_.end(), '\0');
  std::fill(secret_.begin(), secret_.end(), '\0');
}

std::string Orders::Url() const {
  const std::string& base = ctx_.venue->order_url;
  auto u = venues::ParseUrl(base);
  if (u.ok() && u->target == "/" && base.find('?') == std::string::npos)
    return venues::JoinUrl(base, std::string(kWsPath));
  return base;
}

absl::Status Orders::Init() {
  const config::VenueConfig& v = *ctx_.venue;
  std::string secret_b64;
  if (!venues::ReadSecretEnv(v.api_key_env, &api_key_))
    return absl::FailedPreconditionError("venue " + v.name + ": environment variable " + v.api_key_env +
                                         " (API key) is not set");
  if (!venues::ReadSecretEnv(v.api_secret_env, &secret_b64))
    return absl::FailedPreconditionError("venue " + v.name + ": environment variable " + v.api_secret_env +
                                         " (API secret) is not set");
  const bool decoded = venues::Base64Decode(secret_b64, &secret_) && !secret_.empty();
  std::fill(secret_b64.begin(), secret_b64.end(), '\0');
  if (!decoded)
    return absl::InvalidArgumentError("venue " + v.name + ": the API secret in " + v.api_secret_env +
                                      " is not base64 (Kraken secrets are)");
  for (char c : api_key_)
    if (c == '\r' || c == '\n' || c == '"' || c == '\\')
      return absl::InvalidArgumentError("venue " + v.name + ": the API key in " + v.api_key_env +
                                        " has characters that cannot go into a header");
  if (v.rest_url.empty())
    return absl::InvalidArgumentError("venue " + v.name + ": rest_url is required for Kraken trading (WebSocket token)");
  venues::WsOptions o;
  o.url = Url();
  o.name = v.name + " orders";
  o.max_message = 1u << 20;
  o.idle_timeout_ms = v.idle_timeout_ms;
  o.reconnect_min_ms = v.reconnect_min_ms;
  o.reconnect_max_ms = v.reconnect_max_ms;
  o.ca_file = ctx_.ca_file;
  ws_ = std::make_unique<venues::WsClient>(*ctx_.ioc, o, this, ctx_.log);
  token_timer_ = std::make_unique<venues::Timer>(*ctx_.ioc);
  dead_man_timer_ = std::make_unique<venues::Timer>(*ctx_.ioc);
  return ws_->Init();
}

void Orders::Start() noexcept {
  started_ = true;
  FetchToken();
}

void Orders::Stop() noexcept {
  started_ = false;
  ++generation_;
  if (token_timer_) token_timer_->Cancel();
  if (dead_man_timer_) dead_man_timer_->Cancel();
  if (ws_) ws_->Stop();
}

void Orders::FetchToken() noexcept {
  const config::VenueConfig& v = *ctx_.venue;
  // Strictly increasing: microseconds of wall time, or one more than the last.
  const int64_t nonce = std::max(last_nonce_ + 1, WallNow().value / 1000);
  last_nonce_ = nonce;
  const std::string nonce_s = std::to_string(nonce);
  const std::string body = "nonce=" + nonce_s;
  venues::HttpRequest req;
  req.method = "POST";
  req.url = venues::JoinUrl(v.rest_url, std::string(kTokenPath));
  req.headers = {{"API-Key", api_key_},
                 {"API-Sign", ApiSign(secret_, kTokenPath, nonce_s, body)},
                 {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  req.body = body;
  req.ca_file = ctx_.ca_file;
  const uint64_t gen = generation_;
  venues::HttpFetch(*ctx_.ioc, std::move(req), [this, gen](venues::HttpResponse r) {
    if (gen != generation_ || !started_) return;
    TokenReply t;
    ParseStatus st = ParseStatus::kBadJson;
    std::string body = std::move(r.body);
    const size_t len = body.size();
    if (r.status == 200) {
      body.append(venues::kWsPadding, '\0');
      st = parser_.ParseToken(body.data(), len, &t);
    }
    if (r.status != 200 || st != ParseStatus::kOk || t.token.empty()) {
      ++token_failures_;
      last_token_error_ = r.status == 0                ? "transport: " + r.error
                          : r.status != 200            ? "HTTP " + std::to_string(r.status)
                          : st != ParseStatus::kOk     ? std::string("reply ") + venues::ParseStatusName(st)
                                                       : std::string(t.first_error);
      ctx_.log->Log(runtime::LogLevel::kError, "%s: WebSocket token refused (%s); retrying in %lld ms",
                    ctx_.venue->name.c_str(), last_token_error_.c_str(), static_cast<long long>(kTokenRetryMs));
      token_timer_->After(kTokenRetryMs, [this, gen] {
        if (gen == generation_ && started_) FetchToken();
      });
      return;
    }
    encoder_.SetToken(std::string(t.token));
    std::fill(body.begin(), body.end(), '\0');
    token_fresh_ = true;
    if (!ws_started_) {
      ws_started_ = true;
      ws_->Start();
    } else if (ws_->is_open()) {
      Subscribe();
    }
  });
}

void Orders::OnWsOpen() noexcept {
  ++generation_;
  executions_subscribed_ = false;
  balances_known_ = false;
  open_.Clear();
  if (token_fresh_) {
    ctx_.log->Log(runtime::LogLevel::kInfo, "%s: order session open, subscribing executions and balances",
                  ctx_.venue->name.c_str());
    Subscribe();
  } else {
    ctx_.log->Log(runtime::LogLevel::kInfo, "%s: order session open, fetching a fresh token", ctx_.venue->name.c_str());
    FetchToken();
  }
}

void Orders::Subscribe() noexcept {
  token_fresh_ = false;
  executions_req_ = NextReqId();
  balances_req_ = NextReqId();
  size_t n = encoder_.EncodeSubscribe("executions", executions_req_, buf_.get(), kBufBytes);
  bool ok = n > 0 && ws_->Send(std::string_view(buf_.get(), n));
  n = encoder_.EncodeSubscribe("balances", balances_req_, buf_.get(), kBufBytes);
  ok = ok && n > 0 && ws_->Send(std::string_view(buf_.get(), n));
  if (!ok) ctx_.log->Log(runtime::LogLevel::kWarn, "%s: could not send the subscriptions", ctx_.venue->name.c_str());
}

// Balance reconciliation: the balances channel sends its snapshot on (re)subscription only, so
// a check is an unsubscribe followed by a subscribe; the snapshot is published as on connect.
bool Orders::RequestBalances() noexcept {
  if (!ready_) return false;
  size_t n = encoder_.EncodeSubscribe("balances", NextReqId(), buf_.get(), kBufBytes, /*unsubscribe=*/true);
  bool ok = n > 0 && ws_->Send(std::string_view(buf_.get(), n));
  balances_req_ = NextReqId();
  n = encoder_.EncodeSubscribe("balances", balances_req_, buf_.get(), kBufBytes);
  ok = ok && n > 0 && ws_->Send(std::string_view(buf_.get(), n));
  return ok;
}

void Orders::ArmDeadMan() noexcept {
  const int timeout = ctx_.venue->dead_man_s;
  if (timeout <= 0 || !ws_->is_open()) return;
  const size_t n = encoder_.EncodeDeadMan(timeout, NextReqId(), buf_.get(), kBufBytes);
  if (n == 0 || !ws_->Send(std::string_view(buf_.get(), n)))
    ctx_.log->Log(runtime::LogLevel::kWarn, "%s: could not send cancel_all_orders_after", ctx_.venue->name.c_str());
  const int64_t period = std::clamp<int64_t>(static_cast<int64_t>(timeout) * 1000 / 3, 1000, kDeadManMaxPeriodMs);
  const uint64_t gen = generation_;
  dead_man_timer_->After(period, [this, gen] {
    if (gen == generation_ && ready_) ArmDeadMan();
  });
}

void Orders::UpdateReady() noexcept {
  const bool ready = executions_subscribed_ && balances_known_;
  if (ready == ready_) return;
  ready_ = ready;
  ctx_.counters->orders_connected.store(ready, std::memory_order_relaxed);
  if (ready) {
    ctx_.log->Log(runtime::LogLevel::kInfo, "%s: executions and balances subscribed, order entry ready",
                  ctx_.venue->name.c_str());
    ArmDeadMan();
  }
  if (on_state_) on_state_();
}

void Orders::OnWsMessage(char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept {
  OnFrame(data, len, recv, recv_time);
}

void Orders::OnFrame(const char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept {
  PrivateMsg m;
  const ParseStatus st = parser_.Parse(data, len, &m);
  if (st == ParseStatus::kUnknown) {
    ctx_.counters->Add(ctx_.counters->unknown_messages);
    return;
  }
  if (st != ParseStatus::kOk) {
    ctx_.counters->Add(ctx_.counters->order_parse_errors);
    if (log_limit_.Allow())
      ctx_.log->Log(runtime::LogLevel::kWarn, "%s: malformed order-session message (%s), %zu bytes",
                    ctx_.venue->name.c_str(), venues::ParseStatusName(st), len);
    return;
  }
  switch (m.kind) {
    case PrivateKind::kReply:
      ctx_.counters->Add(ctx_.counters->order_replies);
      return OnReply(m, recv, recv_time);
    case PrivateKind::kExecutions:
      return OnExecutions(m, recv, recv_time);
    case PrivateKind::kBalances:
      return OnBalances(m, recv_time);
    case PrivateKind::kHeartbeat:
    case PrivateKind::kStatus:
      return;
  }
}

void Orders::OnReply(const PrivateMsg& m, TscStamp recv, Nanos now) noexcept {
  if (m.method == "add_order") {
    ExecReport ex;
    TscStamp wire;
    switch (tracker_.OnAddReply(m, recv, &ex, &wire)) {
      case OrderTracker::Outcome::kForeign:
        ctx_.counters->Add(ctx_.counters->unknown_messages);
        return;
      case OrderTracker::Outcome::kNone:
        return;
      case OrderTracker::Outcome::kReport:
        break;
    }
    ctx_.counters->order_rtt_ns.Record(TscClock::Elapsed(wire, recv));
    if (ex.kind == ExecKind::kRejected) {
      ctx_.counters->Add(ctx_.counters->order_rejects);
      if (log_limit_.Allow())
        ctx_.log->Log(runtime::LogLevel::kWarn, "%s: order hs%llx rejected: %.*s", ctx_.venue->name.c_str(),
                      static_cast<unsigned long long>(ex.client_id.value), static_cast<int>(m.error.size()),
                      m.error.data());
    }
    ctx_.publisher->PublishExec(ex, now);
    return;
  }
  if (m.method == "subscribe") {
    if (!m.success) {
      ctx_.log->Log(runtime::LogLevel::kError, "%s: subscription refused: %.*s", ctx_.venue->name.c_str(),
                    static_cast<int>(m.error.size()), m.error.data());
      return;
    }
    if (m.req_id == executions_req_ || m.channel == "executions") {
      executions_subscribed_ = true;
      if (m.max_rate_count > 0 && m.max_rate_count < budget_.params().max_count) {
        // The venue says this account's tier allows less: keep under its threshold.
        RateBudget::Params p = budget_.params();
        p.max_count = m.max_rate_count;
        budget_.set_params(p);
      }
      UpdateReady();
    }
    return;
  }
  if (m.method == "cancel_all_orders_after") {
    if (m.success) {
      ++dead_man_acks_;
      ctx_.counters->Add(ctx_.counters->dead_man_refreshes);
    } else {
      ctx_.log->Log(runtime::LogLevel::kError, "%s: cancel_all_orders_after refused: %.*s", ctx_.venue->name.c_str(),
                    static_cast<int>(m.error.size()), m.error.data());
    }
    return;
  }
  if (m.method == "cancel_order" || m.method == "cancel_all") {
    // The outcome of each order arrives as `canceled` executions; a refusal is only logged.
    if (m.success && m.method == "cancel_all") ctx_.counters->Add(ctx_.counters->cancel_all_confirmed);
    if (!m.success && log_limit_.Allow())
      ctx_.log->Log(runtime::LogLevel::kWarn, "%s: %.*s refused: %.*s", ctx_.venue->name.c_str(),
                    static_cast<int>(m.method.size()), m.method.data(), static_cast<int>(m.error.size()), m.error.data());
    return;
  }
  if (!m.success && log_limit_.Allow())
    ctx_.log->Log(runtime::LogLevel::kWarn, "%s: %.*s refused: %.*s", ctx_.venue->name.c_str(),
                  static_cast<int>(m.method.size()), m.method.data(), static_cast<int>(m.error.size()), m.error.data());
}

void Orders::OnExecutions(const PrivateMsg& m, TscStamp recv, Nanos now) noexcept {
  if (m.snapshot) open_.Clear();
  for (int i = 0; i < m.exec_count; ++i) {
    const ExecItem& e = m.execs[i];
    // The account's open-order view (ours and others').
    const bool closes = e.exec_type == ExecType::kFilled || e.exec_type == ExecType::kCanceled ||
                        e.exec_type == ExecType::kExpired || e.order_status == "filled" ||
                        e.order_status == "canceled" || e.order_status == "expired";
    if (closes) {
      open_.Remove(e.order_id);
    } else if (!e.order_id.empty() && e.order_id.size() <= sizeof(OpenOrder{}.order_id) &&
               (m.snapshot || e.exec_type == ExecType::kNew || e.exec_type == ExecType::kPendingNew)) {
      OpenOrder o;
      if (const OpenOrder* prev = open_.FindByOrderId(e.order_id)) o = *prev;
      std::memcpy(o.order_id, e.order_id.data(), e.order_id.size());
      o.order_id_len = static_cast<uint8_t>(e.order_id.size());
      if (!e.cl_ord_id.empty()) o.ours = ParseClientId(e.cl_ord_id, &o.client_id);
      if (!e.symbol.empty()) {
        const int k = symbols_->Find(e.symbol);
        o.instrument = k >= 0 ? symbols_->infos()[static_cast<size_t>(k)].instrument : InstrumentId::Invalid();
      }
      if (!e.side.empty()) o.side = e.side == "sell" ? Side::kSell : Side::kBuy;
      if (!open_.Upsert(o)) ctx_.counters->Add(ctx_.counters->order_parse_errors);
    }
    ExecReport ex;
    switch (tracker_.OnExec(e, recv, &ex)) {
      case OrderTracker::Outcome::kForeign:
      case OrderTracker::Outcome::kNone:
        continue;
      case OrderTracker::Outcome::kReport:
        break;
    }
    if (ex.kind == ExecKind::kUnknown) ctx_.counters->Add(ctx_.counters->order_parse_errors);
    ctx_.publisher->PublishExec(ex, now);
  }
}

void Orders::OnBalances(const PrivateMsg& m, Nanos now) noexcept {
  if (!m.snapshot) return;  // updates: the core books each fill itself (see the header)
  const auto& names = symbols_->asset_names();
  const size_t n = std::min(names.size(), static_cast<size_t>(kMaxAssets));
  for (size_t a = 0; a < n; ++a) {
    BalanceUpdate b;
    b.venue = ctx_.id;
    b.asset = AssetId{static_cast<uint16_t>(a)};
    for (int i = 0; i < m.balance_count; ++i) {
      if (m.balances[i].asset != names[a]) continue;
      b.free = m.balances[i].balance;
      break;
    }
    b.final_of_snapshot = a + 1 == n;
    ctx_.publisher->PublishBalance(b, now);
  }
  balances_known_ = true;
  UpdateReady();
}

void Orders::Reject(const OrderIntent& in, RejectReason why) noexcept { venues::PublishLocalReject(ctx_, in, why); }

void Orders::OnIntent(const OrderIntent& in) noexcept {
  if (!ready_) return Reject(in, RejectReason::kNotConnected);
  if (ctx_.publisher->overflowed()) return Reject(in, RejectReason::kBackpressure);
  if (tracker_.Busy(in.client_id)) return Reject(in, RejectReason::kBackpressure);
  const int64_t req_id = req_seq_ + 1;
  const size_t n = encoder_.Encode(in, req_id, buf_.get(), kBufBytes);
  if (n == 0) return Reject(in, RejectReason::kEncodeFailed);
  const Nanos now = MonoNow();
  if (!budget_.TryAdd(in.instrument.value, now)) {
    ++local_rate_rejects_;
    return Reject(in, RejectReason::kRateLimited);
  }
  req_seq_ = req_id;
  TscStamp wire;
  if (!venues::SendOrderFrame(ctx_, *ws_, in, std::string_view(buf_.get(), n), &wire)) return;
  tracker_.Add(in, req_id, wire, now);
}

void Orders::OnWsOrderSent(uint64_t tag, bool sent, TscStamp wire) noexcept {
  if (sent) return tracker_.SetWire(ClientOrderId{tag}, wire);
  const RejectReason why = ctx_.kill->halted() ? RejectReason::kHalted : RejectReason::kNotConnected;
  ExecReport r;
  if (!tracker_.NotSent(ClientOrderId{tag}, why, &r)) return;
  if (why == RejectReason::kHalted) ctx_.counters->Add(ctx_.counters->orders_halted);
  ctx_.publisher->PublishExec(r, WallNow());
}

bool Orders::CancelOrder(ClientOrderId id) noexcept {
  if (!ready_) return false;
  const size_t n = encoder_.EncodeCancel(id, NextReqId(), buf_.get(), kBufBytes);
  if (n == 0 || !ws_->Send(std::string_view(buf_.get(), n))) return false;
  const Nanos now = MonoNow();
  Nanos sent;
  InstrumentId inst;
  if (tracker_.SentAt(id, &sent, &inst)) {
    budget_.ChargeCancel(inst.value, Nanos{now.value - sent.value}, now);
  } else if (const OpenOrder* o = open_.Find(id); o != nullptr && o->instrument.valid()) {
    budget_.ChargeCancel(o->instrument.value, Nanos{0}, now);  // age unknown: the dearest cost
  }
  return true;
}

bool Orders::CancelAll() noexcept {
  if (!ready_) return false;
  const size_t n = encoder_.EncodeCancelAll(NextReqId(), buf_.get(), kBufBytes);
  return n > 0 && ws_->Send(std::string_view(buf_.get(), n));
}

void Orders::OnWsClosed(std::string_view reason) noexcept {
  ++generation_;
  const bool was_ready = ready_;
  ready_ = false;
  executions_subscribed_ = false;
  balances_known_ = false;
  open_.Clear();
  if (dead_man_timer_) dead_man_timer_->Cancel();
  ctx_.counters->orders_connected.store(false, std::memory_order_relaxed);
  const Nanos now = WallNow();
  tracker_.DrainUnknown([&](const ExecReport& ex) { ctx_.publisher->PublishExec(ex, now); });
  if (was_ready && on_state_) on_state_();
}

}  // namespace hs::kraken
