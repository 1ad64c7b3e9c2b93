#include "venues/okx/okx_orders.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "venues/common/text_writer.h"
#include "venues/common/url.h"
#include "venues/common/order_path.h"
#include "venues/okx/okx_wire.h"

namespace hs::okx {

namespace {
constexpr size_t kBufBytes = 4096;
constexpr int64_t kReloginMs = 5'000;
constexpr int64_t kTickMs = 100;                            // ack timeouts and due queries
constexpr int64_t kCancelReserve = 2;                       // tokens kept for cancels
constexpr int64_t kVenueLimitBackoffNs = 1'000'000'000;     // after the venue's rate-limit error

// Unchecked append: Encode checks the worst-case length once before writing.
inline char* Put(char* p, std::string_view s) noexcept {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

std::string_view OrdType(TimeInForce tif) noexcept {
  switch (tif) {
    case TimeInForce::kIoc:
      return "ioc";
    case TimeInForce::kFok:
      return "fok";
    case TimeInForce::kGtc:
      return "limit";
  }
  return "ioc";
}

uint64_t DigitsValue(std::string_view s) noexcept {
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9' || v > UINT64_MAX / 10) return 0;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}
}  // namespace

std::string LoginSign(const venues::HmacSha256& secret, std::string_view timestamp) {
  std::string prehash(timestamp);
  prehash += kLoginMethod;
  prehash += kLoginPath;
  unsigned char mac[venues::HmacSha256::kDigestSize];
  secret.Sign(prehash.data(), prehash.size(), mac);
  std::string sign = venues::Base64Encode(std::string_view(reinterpret_cast<const char*>(mac), sizeof mac));
  std::memset(mac, 0, sizeof mac);
  return sign;
}

std::string LoginRequest(std::string_view api_key, std::string_view passphrase, const venues::HmacSha256& secret,
                         int64_t unix_seconds) {
  const std::string ts = std::to_string(unix_seconds);
  std::string r = "{\"op\":\"login\",\"args\":[{\"apiKey\":\"";
  r += api_key;
  r += "\",\"passphrase\":\"";
  r += passphrase;
  r += "\",\"timestamp\":\"";
  r += ts;
  r += "\",\"sign\":\"";
  r += LoginSign(secret, ts);
  r += "\"}]}";
  return r;
}

size_t OrderEncoder::Encode(const OrderIntent& in, char* out, size_t cap) const noexcept {
  if (symbols_ == nullptr) return 0;
  const venues::SymbolInfo* sym = symbols_->ForInstrument(in.instrument);
  if (sym == nullptr) return 0;
  char cid[20];
  const std::string_view cid_s(cid, static_cast<size_t>(venues::U64ToChars(in.client_id.value, cid)));
  const std::string_view ord_type = in.post_only && in.tif == TimeInForce::kGtc ? "post_only" : OrdType(in.tif);
  const bool swap = sym->market == config::MarketKind::kPerpetual;
  char px[kMaxDecimalText];
  char qty[kMaxDecimalText];
  const int pxn = FormatFixed(in.limit_px, sym->price_decimals, px);
  int qn = -1;
  if (!swap) {
    qn = FormatFixed(in.qty, sym->qty_decimals, qty);
  } else if (Qty contracts; BaseToContracts(in.qty, sym->contract_size, &contracts)) {
    qn = FormatFixed(contracts, 0, qty);  // a swap's sz counts whole contracts
  }
  if (pxn < 0 || qn < 0) return 0;  // off the symbol's precision: never round an order
  const std::string_view td_mode = !swap ? kTdModeCash : (mode_ == MarginMode::kIsolated ? kTdModeIsolated : kTdModeCross);
  const std::string_view px_s(px, static_cast<size_t>(pxn));
  const std::string_view qty_s(qty, static_cast<size_t>(qn));
  const std::string_view side = in.side == Side::kBuy ? "buy" : "sell";
  // Worst case: fixed text (< 200 bytes, reduceOnly and tdMode included) plus every variable piece.
  const size_t worst = 200 + sym->symbol.size() + 2 * cid_s.size() + px_s.size() + qty_s.size();
  if (cap < worst) return 0;
  char* w = out;
  w = Put(w, "{\"id\":\"hs");
  w = Put(w, cid_s);
  w = Put(w, "\",\"op\":\"order\",\"args\":[{\"instId\":\"");
  w = Put(w, sym->symbol);
  w = Put(w, "\",\"tdMode\":\"");
  w = Put(w, td_mode);
  w = Put(w, "\",\"side\":\"");
  w = Put(w, side);
  w = Put(w, "\",\"ordType\":\"");
  w = Put(w, ord_type);
  w = Put(w, "\",\"px\":\"");
  w = Put(w, px_s);
  w = Put(w, "\",\"sz\":\"");
  w = Put(w, qty_s);
  w = Put(w, "\",\"clOrdId\":\"hs");
  w = Put(w, cid_s);
  // Net position mode: no posSide. reduceOnly only where it means something (a swap).
  if (swap && in.reduce_only) w = Put(w, "\",\"reduceOnly\":true}]}");
  else w = Put(w, "\"}]}");
  return static_cast<size_t>(w - out);
}

void OrderTracker::SetWire(ClientOrderId id, TscStamp wire) noexcept {
  if (venues::InFlightEntry* e = table_.Find(id)) e->wire = wire;
}

bool OrderTracker::NotSent(ClientOrderId id, RejectReason why, ExecReport* out) noexcept {
  venues::InFlightEntry* e = table_.Find(id);
  if (e == nullptr) return false;
  *out = Base(*e, TscNow());
  out->kind = ExecKind::kRejected;
  out->reason = why;
  out->final = true;
  table_.Release(e);
  return true;
}

OrderTracker::Outcome OrderTracker::OnReply(const PrivateMsg& m, TscStamp recv, ExecReport* out, TscStamp* wire,
                                            bool* resolved) noexcept {
  ClientOrderId id;
  if (!venues::ParseClientId(m.id, &id)) return Outcome::kForeign;
  venues::InFlightEntry* e = table_.Find(id);
  if (e == nullptr) return Outcome::kNone;  // already finished by its orders pushes
  const bool was_unknown = e->state == venues::InFlightState::kUnknown;
  if (resolved != nullptr) *resolved = was_unknown;
  *wire = e->wire;
  const OrderItem* item = m.order_count > 0 ? &m.orders[0] : nullptr;
  if (m.code != "0" || item == nullptr || item->s_code != "0") {
    // Refused: sCode names the reason when the order itself failed, code otherwise (60013 for a
    // malformed request, with empty data).
    *out = Base(*e, recv);
    out->kind = ExecKind::kRejected;
    const std::string_view code = (item != nullptr && item->s_code != "0") ? item->s_code : m.code;
    out->reason = code == kCodeRateLimit ? RejectReason::kRateLimited : RejectReason::kVenue;
    out->venue_code = CodeValue(code);
    out->final = true;
    table_.Release(e);
    return Outcome::kReport;
  }
  e->venue_order_id = DigitsValue(item->ord_id);
  if (e->state == venues::InFlightState::kSent || was_unknown) e->state = venues::InFlightState::kAcked;
  *out = Base(*e, recv);
  out->kind = ExecKind::kAck;
  return Outcome::kReport;
}

Qty OrderTracker::ToBase(InstrumentId instrument, Qty wire) const noexcept {
  const venues::SymbolInfo* sym = symbols_ != nullptr ? symbols_->ForInstrument(instrument) : nullptr;
  if (sym == nullptr || sym->market != config::MarketKind::kPerpetual) return wire;
  return ContractsToBase(wire, sym->contract_size);
}

OrderTracker::Outcome OrderTracker::OnPush(const OrderItem& wire_item, TscStamp recv, ExecReport* out,
                                           bool* resolved) noexcept {
  ClientOrderId id;
  venues::InFlightEntry* e = table_.Find(wire_item.cl_ord_id, &id);
  if (e == nullptr) {
    if (!venues::ParseClientId(wire_item.cl_ord_id, &id)) return Outcome::kForeign;  // not placed by this engine
    return Outcome::kNone;  // finished already, or placed by an earlier session
  }
  // A swap's sizes are contracts on the wire: from here on, base units.
  OrderItem item = wire_item;
  item.acc_fill_sz = ToBase(e->instrument, wire_item.acc_fill_sz);
  item.fill_sz = ToBase(e->instrument, wire_item.fill_sz);
  const bool was_unknown = e->state == venues::InFlightState::kUnknown;
  if (resolved != nullptr) *resolved = false;
  if (e->venue_order_id == 0) e->venue_order_id = DigitsValue(item.ord_id);
  const bool final = IsTerminal(item.state);
  ExecReport ex;
  if (e->reported_qty < item.acc_fill_sz) {
    if (!item.has_fill_px) {
      // A fill without a price cannot be booked exactly: its outcome is in doubt.
      ex = Base(*e, recv);
      ex.kind = ExecKind::kUnknown;
      *out = ex;
      return Outcome::kReport;
    }
    // Exactly as the venue (and the simulator) account a fill: fillPx × its size, at 10^-9. A
    // push that carries more than one fill (one in between was lost) is priced at its fillPx.
    venues::CumulativeFill c;
    c.cum_qty = item.acc_fill_sz;
    c.cum_quote = e->reported_quote +
                  AmountFromNotional(MulNotional(item.fill_px, item.acc_fill_sz - e->reported_qty, Rounding::kFloor));
    c.cum_fee = -item.fee;  // OKX: a negative fee is charged, a positive one a rebate
    c.fee_asset = symbols_ != nullptr ? symbols_->FindAsset(item.fee_ccy) : AssetId::Invalid();
    c.last_px = item.fill_px;
    table_.FillDelta(*e, c, venue_, recv, final, &ex);
  } else if (final) {
    ex = Base(*e, recv);
    ex.kind = ExecKind::kCanceled;  // the IOC remainder (or the whole order) expired
    ex.final = true;
  } else if (was_unknown) {
    ex = Base(*e, recv);
    ex.kind = ExecKind::kAck;  // live after all
  } else {
    return Outcome::kNone;  // live, or a repeated push: nothing new
  }
  ex.venue_time = Nanos::FromMillis(item.u_time_ms);
  if (was_unknown) {
    e->state = venues::InFlightState::kAcked;
    if (resolved != nullptr) *resolved = true;
  } else if (e->state == venues::InFlightState::kSent) {
    e->state = venues::InFlightState::kAcked;
  }
  if (ex.final) table_.Release(e);
  *out = ex;
  return Outcome::kReport;
}

OrderTracker::Outcome OrderTracker::OnQuery(ClientOrderId id, const OrderItem* order, Amount cum_quote, TscStamp recv,
                                            ExecReport* out) noexcept {
  venues::InFlightEntry* e = table_.Find(id);
  if (e == nullptr) return Outcome::kNone;  // resolved meanwhile
  ExecReport ex;
  if (order == nullptr) {
    ex = Base(*e, recv);
    ex.kind = ExecKind::kRejected;
    ex.reason = RejectReason::kNotFound;
    ex.final = true;
    table_.Release(e);
    *out = ex;
    return Outcome::kReport;
  }
  if (e->venue_order_id == 0) e->venue_order_id = DigitsValue(order->ord_id);
  const bool final = IsTerminal(order->state);
  const bool was_unknown = e->state == venues::InFlightState::kUnknown;
  venues::CumulativeFill c;
  c.cum_qty = order->acc_fill_sz;
  c.cum_quote = cum_quote;
  c.cum_fee = -order->fee;
  c.fee_asset = symbols_ != nullptr ? symbols_->FindAsset(order->fee_ccy) : AssetId::Invalid();
  c.last_px = order->has_avg_px ? order->avg_px : Price::Zero();
  if (table_.FillDelta(*e, c, venue_, recv, final, &ex)) {
  } else if (final) {
    ex = Base(*e, recv);
    ex.kind = ExecKind::kCanceled;
    ex.final = true;
  } else if (was_unknown) {
    ex = Base(*e, recv);
    ex.kind = ExecKind::kAck;  // still open (a resting GTC)
  } else {
    return Outcome::kNone;
  }
  e->state = venues::InFlightState::kAcked;
  if (ex.final) table_.Release(e);
  *out = ex;
  return Outcome::kReport;
}

std::string IsoMillis(int64_t unix_ms) {
  const time_t secs = static_cast<time_t>(unix_ms / 1000);
  struct tm tmv;
  gmtime_r(&secs, &tmv);
  char b[40];
  std::snprintf(b, sizeof b, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tmv.tm_year + 1900, tmv.tm_mon + 1, tmv.tm_mday,
                tmv.tm_hour, tmv.tm_min, tmv.tm_sec, static_cast<int>(unix_ms % 1000));
  return b;
}

std::string RestSign(const venues::HmacSha256& secret, std::string_view timestamp, std::string_view method,
                     std::string_view request_path, std::string_view body) {
  std::string prehash;
  prehash.reserve(timestamp.size() + method.size() + request_path.size() + body.size());
  prehash += timestamp;
  prehash += method;
  prehash += request_path;
  prehash += body;
  unsigned char mac[venues::HmacSha256::kDigestSize];
  secret.Sign(prehash.data(), prehash.size(), mac);
  std::string sign = venues::Base64Encode(std::string_view(reinterpret_cast<const char*>(mac), sizeof mac));
  std::memset(mac, 0, sizeof mac);
  return sign;
}

size_t EncodeCancel(std::string_view inst_id, ClientOrderId id, char* out, size_t cap) noexcept {
  char cid[venues::kClientIdTextMax];
  const std::string_view cid_s(cid, venues::FormatClientId(id, cid));
  if (cap < 96 + inst_id.size() + 2 * cid_s.size()) return 0;
  char* w = out;
  w = Put(w, "{\"id\":\"cx");
  w = Put(w, cid_s.substr(2));
  w = Put(w, "\",\"op\":\"cancel-order\",\"args\":[{\"instId\":\"");
  w = Put(w, inst_id);
  w = Put(w, "\",\"clOrdId\":\"");
  w = Put(w, cid_s);
  w = Put(w, "\"}]}");
  return static_cast<size_t>(w - out);
}

size_t EncodeBatchCancel(std::string_view req_id, const CancelItem* items, int n, char* out, size_t cap) noexcept {
  if (n <= 0 || n > kBatchCancelMax) return 0;
  size_t need = 64 + req_id.size();
  for (int i = 0; i < n; ++i) need += 40 + items[i].inst_id.size() + items[i].cl_ord_id.size() + items[i].ord_id.size();
  if (cap < need) return 0;
  char* w = out;
  w = Put(w, "{\"id\":\"");
  w = Put(w, req_id);
  w = Put(w, "\",\"op\":\"batch-cancel-orders\",\"args\":[");
  for (int i = 0; i < n; ++i) {
    if (i > 0) *w++ = ',';
    w = Put(w, "{\"instId\":\"");
    w = Put(w, items[i].inst_id);
    if (!items[i].cl_ord_id.empty()) {
      w = Put(w, "\",\"clOrdId\":\"");
      w = Put(w, items[i].cl_ord_id);
    } else {
      w = Put(w, "\",\"ordId\":\"");
      w = Put(w, items[i].ord_id);
    }
    w = Put(w, "\"}");
  }
  w = Put(w, "]}");
  return static_cast<size_t>(w - out);
}

std::string QueryPath(std::string_view inst_id, ClientOrderId id) {
  char cid[venues::kClientIdTextMax];
  const size_t n = venues::FormatClientId(id, cid);
  std::string p = "/api/v5/trade/order?instId=";
  p += inst_id;
  p += "&clOrdId=";
  p.append(cid, n);
  return p;
}

std::string FillsPath(std::string_view inst_id, std::string_view ord_id) {
  std::string p = "/api/v5/trade/fills?instId=";
  p += inst_id;
  p += "&ordId=";
  p += ord_id;
  return p;
}

std::string CancelAfterBody(int timeout_s) { return "{\"timeOut\":\"" + std::to_string(timeout_s) + "\"}"; }

std::string SetLeverageBody(std::string_view inst_id, Rate leverage, MarginMode mode) {
  char lever[kMaxDecimalText];
  if (!leverage.is_positive() || FormatDecimal(leverage.raw(), Rate::kDecimals, lever) < 0) return {};
  std::string b = "{\"instId\":\"";
  b += inst_id;
  b += "\",\"lever\":\"";
  b += lever;
  b += "\",\"mgnMode\":\"";
  b += mode == MarginMode::kIsolated ? kTdModeIsolated : kTdModeCross;
  b += "\"}";
  return b;
}

Orders::Orders(venues::VenueContext ctx, const venues::SymbolTable* symbols, std::function<void()> on_state)
    : ctx_(ctx),
      symbols_(symbols),
      on_state_(std::move(on_state)),
      encoder_(symbols),
      tracker_(ctx.id, symbols),
      buf_(std::make_unique<char[]>(kBufBytes)) {}

Orders::~Orders() {
  *alive_ = false;
  std::fill(api_key_.begin(), api_key_.end(), '\0');
  std::fill(passphrase_.begin(), passphrase_.end(), '\0');
}

absl::Status Orders::Init() {
  const config::VenueConfig& v = *ctx_.venue;
  std::string secret;
  if (!venues::ReadSecretEnv(v.api_key_env, &api_key_))
    return absl::FailedPreconditionError("venue " + v.name + ": environment variable " + v.api_key_env +
                                         " (API key) is not set");
  if (!venues::ReadSecretEnv(v.api_secret_env, &secret))
    return absl::FailedPreconditionError("venue " + v.name + ": environment variable " + v.api_secret_env +
                                         " (API secret) is not set");
  if (v.passphrase_env.empty())
    return absl::InvalidArgumentError("venue " + v.name + ": passphrase_env is required for OKX trading");
  if (!venues::ReadSecretEnv(v.passphrase_env, &passphrase_))
    return absl::FailedPreconditionError("venue " + v.name + ": environment variable " + v.passphrase_env +
                                         " (API passphrase) is not set");
  secret_.SetKey(secret);
  std::fill(secret.begin(), secret.end(), '\0');
  // Budgets: per instrument (OKX counts new orders per instId), two tokens kept for cancels.
  config::OrderRate rate = config::DefaultOrderRate(v.kind);
  if (v.order_rate > 0) rate.orders = v.order_rate;
  if (v.order_rate_window_ms > 0) rate.window_ms = v.order_rate_window_ms;
  const size_t instruments = ctx_.config != nullptr ? ctx_.config->instruments.size() : 0;
  budgets_.assign(std::max<size_t>(instruments, 1), venues::OrderRateBudget(rate.orders, rate.window_ms, kCancelReserve));
  if (ctx_.config != nullptr) {
    const config::ExecutionConfig& x = ctx_.config->execution;
    policy_.ack_timeout_ns = x.ack_timeout_ms * 1'000'000;
    policy_.first_backoff_ns = x.query_backoff_ms * 1'000'000;
    policy_.max_queries = static_cast<int>(std::min<int64_t>(x.query_attempts, 255));
  }
  rest_buf_.reserve(1u << 16);
  perp_ = v.perp();
  encoder_.SetMarginMode(v.margin_mode);
  pos_state_.assign(symbols_->infos().size(), PosState{});
  venues::WsOptions o;
  o.url = venues::JoinUrl(v.order_url, std::string(kPrivatePath));
  o.name = v.name + " orders";
  o.max_message = 1u << 20;
  o.idle_timeout_ms = v.idle_timeout_ms;
  o.reconnect_min_ms = v.reconnect_min_ms;
  o.reconnect_max_ms = v.reconnect_max_ms;
  o.ca_file = ctx_.ca_file;
  ws_ = std::make_unique<venues::WsClient>(*ctx_.ioc, o, this, ctx_.log);
  keepalive_ = std::make_unique<KeepAlive>(ctx_.ioc, v.idle_timeout_ms);
  login_timer_ = std::make_unique<venues::Timer>(*ctx_.ioc);
  tick_timer_ = std::make_unique<venues::Timer>(*ctx_.ioc);
  dead_man_timer_ = std::make_unique<venues::Timer>(*ctx_.ioc);
  return ws_->Init();
}

void Orders::Start() noexcept {
  ws_->Start();
  keepalive_->Start(ws_.get());
  Tick();
}

void Orders::Stop() noexcept {
  ++generation_;
  *alive_ = false;
  alive_ = std::make_shared<bool>(true);
  keepalive_->Stop();
  login_timer_->Cancel();
  tick_timer_->Cancel();
  dead_man_timer_->Cancel();
  ws_->Stop();
}

std::string_view Orders::InstId(InstrumentId id) const noexcept {
  const venues::SymbolInfo* sym = symbols_ != nullptr ? symbols_->ForInstrument(id) : nullptr;
  return sym != nullptr ? std::string_view(sym->symbol) : std::string_view();
}

venues::OrderRateBudget* Orders::Budget(InstrumentId id) noexcept {
  if (budgets_.empty()) return nullptr;
  return &budgets_[id.value < budgets_.size() ? id.value : 0];
}

void Orders::OnWsOpen() noexcept {
  ++generation_;
  logged_in_ = false;
  snapshot_done_ = false;
  leverage_ok_ = false;
  leverage_pending_ = 0;
  for (PosState& ps : pos_state_) ps = PosState{};
  keepalive_->OnTraffic(WallNow());
  ctx_.log->Log(runtime::LogLevel::kInfo, "%s: order session open, logging in", ctx_.venue->name.c_str());
  SendLogin();
}

void Orders::SendLogin() noexcept {
  // The timestamp is checked by the venue (30 s): sign at the moment of sending.
  std::string req = LoginRequest(api_key_, passphrase_, secret_, WallNow().value / 1'000'000'000);
  if (!ws_->Send(req)) ctx_.log->Log(runtime::LogLevel::kWarn, "%s: could not send the login", ctx_.venue->name.c_str());
  std::fill(req.begin(), req.end(), '\0');  // it holds the passphrase
}

void Orders::OnWsMessage(char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept {
  OnFrame(data, len, recv, recv_time);
}

void Orders::Publish(const ExecReport& ex, bool resolved, Nanos now) noexcept {
  if (resolved) ctx_.counters->Add(ctx_.counters->unknown_resolved);
  ctx_.publisher->PublishExec(ex, now);
}

void Orders::OnFrame(const char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept {
  keepalive_->OnTraffic(recv_time);
  PrivateMsg m;
  const ParseStatus st = parser_.ParsePrivate(data, len, &m);
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
    case PrivateKind::kPong:
    case PrivateKind::kRest:
      return;
    case PrivateKind::kEvent:
      return OnEvent(m);
    case PrivateKind::kOrderReply:
      ctx_.counters->Add(ctx_.counters->order_replies);
      return HandleOrderReply(m, recv, recv_time);
    case PrivateKind::kCancelReply:
      return HandleCancelReply(m);
    case PrivateKind::kOrders:
      for (int i = 0; i < m.order_count; ++i) {
        ExecReport ex;
        bool resolved = false;
        const OrderTracker::Outcome o = tracker_.OnPush(m.orders[i], recv, &ex, &resolved);
        if (o == OrderTracker::Outcome::kForeign) ctx_.counters->Add(ctx_.counters->unknown_messages);
        if (o != OrderTracker::Outcome::kReport) continue;
        if (ex.kind == ExecKind::kUnknown) ctx_.counters->Add(ctx_.counters->order_parse_errors);
        Publish(ex, resolved, recv_time);
      }
      return;
    case PrivateKind::kAccount:
      return HandleAccount(m, recv_time);
    case PrivateKind::kPositions:
      return HandlePositions(m, recv_time);
    case PrivateKind::kBalanceAndPosition:
      return HandleBalanceAndPosition(m, recv_time);
  }
}

void Orders::OnEvent(const PrivateMsg& m) noexcept {
  switch (m.event) {
    case EventKind::kLogin:
      if (m.code != "0") break;
      logged_in_ = true;
      ctx_.log->Log(runtime::LogLevel::kInfo, "%s: logged in, subscribing account and orders%s", ctx_.venue->name.c_str(),
                    perp_ ? ", positions; setting leverage" : "");
      if (!ws_->Send(perp_ ? R"({"op":"subscribe","args":[{"channel":"account"},{"channel":"orders","instType":"SWAP"},)"
                             R"({"channel":"positions","instType":"SWAP"},{"channel":"balance_and_position"}]})"
                           : R"({"op":"subscribe","args":[{"channel":"account"},{"channel":"orders","instType":"SPOT"}]})"))
        ctx_.log->Log(runtime::LogLevel::kWarn, "%s: could not send the private subscribe", ctx_.venue->name.c_str());
      if (perp_) SetLeverage();
      return;
    case EventKind::kSubscribe:
    case EventKind::kUnsubscribe:
      return;
    case EventKind::kError:
      break;
    default:
      ctx_.counters->Add(ctx_.counters->unknown_messages);  // an event this session does not use
      return;
  }
  // An error (or a refused login). Before login it means the login failed: try again later
  // (a clock or credential problem will not fix itself at once; the log says which).
  ctx_.log->Log(runtime::LogLevel::kError, "%s: order session %s: code %.*s %.*s", ctx_.venue->name.c_str(),
                logged_in_ ? "error" : "login refused", static_cast<int>(m.code.size()), m.code.data(),
                static_cast<int>(m.msg.size()), m.msg.data());
  if (!logged_in_) {
    const uint64_t gen = generation_;
    login_timer_->After(kReloginMs, [this, gen] {
      if (gen == generation_ && ws_->is_open() && !logged_in_) SendLogin();
    });
  }
}

void Orders::HandleAccount(const PrivateMsg& m, Nanos now) noexcept {
  if (perp_) PublishMargin(m, now);
  if (snapshot_done_) return;  // only the first push after login is the snapshot (see the header)
  if (!PublishSnapshot(m, now, "account push")) return;  // waiting for the next push
  snapshot_done_ = true;
  MaybeReady();
}

void Orders::MaybeReady() noexcept {
  if (ready_ || !snapshot_done_ || (perp_ && !leverage_ok_)) return;
  ready_ = true;
  ctx_.counters->orders_connected.store(true, std::memory_order_relaxed);
  ctx_.log->Log(runtime::LogLevel::kInfo, "%s: balances received%s, order entry ready", ctx_.venue->name.c_str(),
                perp_ ? " and leverage set" : "");
  OnReady();
  if (on_state_) on_state_();
}

void Orders::SetLeverage() noexcept {
  const config::VenueConfig& v = *ctx_.venue;
  leverage_ok_ = false;
  leverage_refused_ = false;
  leverage_pending_ = 0;
  if (v.rest_url.empty()) {
    leverage_refused_ = true;
    ctx_.log->Log(runtime::LogLevel::kError, "%s: no rest_url: cannot set leverage; not trading", v.name.c_str());
    return;
  }
  const uint64_t gen = generation_;
  for (const venues::SymbolInfo& sym : symbols_->infos()) {
    std::string body = SetLeverageBody(sym.symbol, v.leverage, v.margin_mode);
    if (body.empty()) {
      leverage_refused_ = true;
      ctx_.counters->Add(ctx_.counters->order_rejects);
      ctx_.log->Log(runtime::LogLevel::kError, "%s %s: leverage cannot be written; not trading", v.name.c_str(),
                    sym.symbol.c_str());
      return;
    }
    ++leverage_pending_;
    std::string inst = sym.symbol;
    Rest("POST", std::string(kSetLeveragePath), std::move(body),
         [this, inst, gen](const venues::HttpResponse& r) { OnLeverageAnswer(inst, gen, r); });
  }
}

void Orders::OnLeverageAnswer(const std::string& inst, uint64_t gen, const venues::HttpResponse& r) noexcept {
  if (gen != generation_) return;  // an answer to an earlier login
  const char* name = ctx_.venue->name.c_str();
  PrivateMsg m;
  const ParseStatus st = r.status == 0 ? ParseStatus::kBadJson : ParseRestBody(r.body, &m);
  --leverage_pending_;
  if (st != ParseStatus::kOk || m.code != "0") {
    // The venue refused the leverage or the mode (or the answer is unusable): trading at a
    // leverage other than the configured one would void every margin limit. Not ready.
    leverage_refused_ = true;
    ctx_.counters->Add(ctx_.counters->order_rejects);
    ctx_.log->Log(runtime::LogLevel::kError,
                  "%s %s: set-leverage refused (HTTP %d, code %.*s %.*s%s); this session does not trade", name,
                  inst.c_str(), r.status, static_cast<int>(m.code.size()), m.code.data(),
                  static_cast<int>(std::min<size_t>(m.msg.size(), 200)), m.msg.data(),
                  r.status == 0 ? r.error.c_str() : "");
    return;
  }
  if (leverage_pending_ > 0 || leverage_refused_) return;
  leverage_ok_ = true;
  char lever[kMaxDecimalText];
  FormatDecimal(ctx_.venue->leverage.raw(), Rate::kDecimals, lever);
  ctx_.log->Log(runtime::LogLevel::kInfo, "%s: leverage %s, margin mode %s set", name, lever,
                MarginModeName(ctx_.venue->margin_mode));
  MaybeReady();
}

void Orders::PublishMargin(const PrivateMsg& m, Nanos now) noexcept {
  for (int i = 0; i < m.balance_count; ++i) {
    const BalanceItem& b = m.balances[i];
    // Settle currencies: the quote of a swap this venue lists.
    bool settle = false;
    for (const venues::SymbolInfo& sym : symbols_->infos()) settle = settle || b.ccy == sym.quote_name;
    if (!settle) continue;
    MarginAccountUpdate u;
    u.venue = ctx_.id;
    u.asset = symbols_->FindAsset(b.ccy);
    const ParseStatus st = MarginAmounts(b, &u);
    if (st != ParseStatus::kOk) {
      ctx_.counters->Add(ctx_.counters->order_parse_errors);
      if (log_limit_.Allow())
        ctx_.log->Log(runtime::LogLevel::kWarn, "%s: account push: margin of %.*s is not usable (%s)",
                      ctx_.venue->name.c_str(), static_cast<int>(b.ccy.size()), b.ccy.data(), venues::ParseStatusName(st));
      continue;
    }
    ctx_.publisher->PublishMarginAccount(u, now);
  }
}

bool Orders::ConvertPosition(const PositionItem& p, PositionUpdate* out, Amount* funding_fee, int* sym) noexcept {
  *sym = symbols_->Find(p.inst_id, config::MarketKind::kPerpetual);
  if (*sym < 0) {
    ctx_.counters->Add(ctx_.counters->unknown_messages);  // a position in an instrument not configured here
    return false;
  }
  const venues::SymbolInfo& info = symbols_->infos()[static_cast<size_t>(*sym)];
  const ParseStatus st = PositionAmounts(p, info.contract_size, out, funding_fee);
  if (st != ParseStatus::kOk) {
    ctx_.counters->Add(ctx_.counters->order_parse_errors);
    if (log_limit_.Allow())
      ctx_.log->Log(runtime::LogLevel::kWarn, "%s %s: position is not usable (%s)", ctx_.venue->name.c_str(),
                    info.symbol.c_str(), venues::ParseStatusName(st));
    return false;
  }
  out->venue = ctx_.id;
  out->instrument = info.instrument;
  return true;
}

void Orders::HandlePositions(const PrivateMsg& m, Nanos now) noexcept {
  for (int i = 0; i < m.position_count; ++i) {
    PositionUpdate u;
    Amount fee_cum;
    int sym = -1;
    if (!ConvertPosition(m.positions[i], &u, &fee_cum, &sym)) continue;
    ctx_.publisher->PublishPosition(u, now);
    PosState& ps = pos_state_[static_cast<size_t>(sym)];
    // A settlement moves the cumulative fundingFee and leaves the size alone; a fill or a new
    // position (whose fundingFee starts again from 0) only sets the new baseline.
    if (ps.known && fee_cum != ps.funding_cum && u.size == ps.size && !u.size.is_zero()) {
      FundingPayment f;
      f.venue = ctx_.id;
      f.instrument = u.instrument;
      f.asset = symbols_->infos()[static_cast<size_t>(sym)].quote;
      f.amount = fee_cum - ps.funding_cum;  // OKX: negative = paid, as FundingPayment
      // rate stays 0: the positions push does not carry it (the feed's MarkUpdate does).
      f.mark_px = u.mark_px;
      f.size = u.size;
      f.venue_time = u.venue_time;
      ctx_.publisher->PublishFunding(f, now);
    }
    ps.funding_cum = fee_cum;
    ps.size = u.size;
    ps.known = true;
  }
}

void Orders::HandleBalanceAndPosition(const PrivateMsg& m, Nanos now) noexcept {
  if (m.event_type != "liquidation") return;  // fills, funding, transfers: the positions and account pushes say it
  for (int i = 0; i < m.position_count; ++i) {
    PositionUpdate u;
    Amount fee_cum;
    int sym = -1;
    if (!ConvertPosition(m.positions[i], &u, &fee_cum, &sym)) continue;
    u.liquidated = true;
    if (u.venue_time.value == 0) u.venue_time = Nanos::FromMillis(m.p_time_ms);
    ctx_.log->Log(runtime::LogLevel::kError, "%s %s: position liquidated by the venue",
                  ctx_.venue->name.c_str(), symbols_->infos()[static_cast<size_t>(sym)].symbol.c_str());
    ctx_.publisher->PublishPosition(u, now);
  }
}

bool Orders::PublishSnapshot(const PrivateMsg& m, Nanos now, const char* source) noexcept {
  // Every update is built before the first is published: a snapshot goes out whole or not at all.
  const auto& names = symbols_->asset_names();
  BalanceUpdate updates[kMaxAssets];
  const size_t n = std::min(names.size(), static_cast<size_t>(kMaxAssets));
  for (size_t a = 0; a < n; ++a) {
    BalanceUpdate& b = updates[a];
    b = BalanceUpdate{};
    b.venue = ctx_.id;
    b.asset = AssetId{static_cast<uint16_t>(a)};
    for (int i = 0; i < m.balance_count; ++i) {
      if (m.balances[i].ccy != names[a]) continue;
      BalanceItem item = m.balances[i];
      if (perp_) {
        // A margin account: free = the wallet (cashBal), locked 0 (margin is the margin book's).
        item.avail_text = item.cash_text;
        item.frozen_text = {};
      }
      const ParseStatus st = BalanceAmounts(item, &b.free, &b.locked);
      if (st != ParseStatus::kOk) {
        ctx_.counters->Add(ctx_.counters->order_parse_errors);
        ctx_.log->Log(runtime::LogLevel::kError, "%s: %s: balance of %s is not usable (%s); nothing published",
                      ctx_.venue->name.c_str(), source, names[a].c_str(), venues::ParseStatusName(st));
        return false;
      }
      break;
    }
    b.final_of_snapshot = a + 1 == n;
  }
  for (size_t a = 0; a < n; ++a) ctx_.publisher->PublishBalance(updates[a], now);
  return true;
}

// Reconciliation through REST rather than by re-subscribing `account`: the subscription's
// snapshot push cannot be told apart from the event-driven pushes (which OKX limits to the
// currencies that changed), so only a request with its own answer is known to be the whole
// account. The session already signs REST calls for queries and cancel-all-after.
bool Orders::RequestBalances() noexcept {
  if (!ready_ || ctx_.venue->rest_url.empty()) return false;
  const uint64_t gen = generation_;
  Rest("GET", std::string(kBalancePath), "", [this, gen](const venues::HttpResponse& r) {
    if (gen != generation_) return;  // the session reconnected: its login snapshot is newer
    OnBalanceAnswer(r, WallNow());
  });
  return true;
}

bool Orders::OnBalanceAnswer(const venues::HttpResponse& r, Nanos now) noexcept {
  const char* name = ctx_.venue->name.c_str();
  if (r.status == 0) {
    ctx_.log->Log(runtime::LogLevel::kWarn, "%s: balance request failed (%s); nothing published", name,
                  r.error.c_str());
    return false;
  }
  if (r.status != 200) {
    ctx_.log->Log(runtime::LogLevel::kError, "%s: balance request refused (HTTP %d: %.120s); nothing published", name,
                  r.status, r.body.c_str());
    return false;
  }
  PrivateMsg m;
  const ParseStatus st = ParseRestBody(r.body, &m);  // counts order_parse_errors itself
  if (st != ParseStatus::kOk) {
    ctx_.log->Log(runtime::LogLevel::kError, "%s: balance answer is malformed (%s, %zu bytes); nothing published", name,
                  venues::ParseStatusName(st), r.body.size());
    return false;
  }
  if (m.code != "0") {
    ctx_.log->Log(runtime::LogLevel::kError, "%s: balance request refused (code %.*s %.*s); nothing published", name,
                  static_cast<int>(m.code.size()), m.code.data(), static_cast<int>(std::min<size_t>(m.msg.size(), 200)),
                  m.msg.data());
    return false;
  }
  if (!m.has_details) {
    // code 0 but no data[].details: not the shape of an account balance.
    ctx_.counters->Add(ctx_.counters->order_parse_errors);
    ctx_.log->Log(runtime::LogLevel::kError, "%s: balance answer has no data[].details (%s); nothing published", name,
                  venues::ParseStatusName(ParseStatus::kMissingField));
    return false;
  }
  return PublishSnapshot(m, now, "balance answer");
}

void Orders::OnReady() noexcept {
  if (cancel_all_on_connect_) hold_queries_ = true;  // until the listing and the cancel-all
  ListOpen();
  ArmDeadMan();
  Tick();  // queries for orders a disconnect left unknown go out now
}

void Orders::Reject(const OrderIntent& in, RejectReason why) noexcept {
  venues::PublishLocalReject(ctx_, in, why);
}

void Orders::OnIntent(const OrderIntent& in) noexcept {
  if (in.query) {
    if (tracker_.Busy(in.client_id)) return Reject(in, RejectReason::kBackpressure);
    tracker_.table().Adopt(in, MonoNow().value);
    ctx_.counters->Add(ctx_.counters->unknown_orders);
    if (ready_) Tick();  // its query goes out now; otherwise once the session is ready
    return;
  }
  if (!ready_) return Reject(in, RejectReason::kNotConnected);
  if (ctx_.publisher->overflowed()) return Reject(in, RejectReason::kBackpressure);
  if (tracker_.Busy(in.client_id)) return Reject(in, RejectReason::kBackpressure);
  const size_t n = encoder_.Encode(in, buf_.get(), kBufBytes);
  if (n == 0) return Reject(in, RejectReason::kEncodeFailed);
  const int64_t now_ns = MonoNow().value;
  if (venues::OrderRateBudget* b = Budget(in.instrument); b != nullptr && !b->TakeOrder(now_ns)) {
    ctx_.counters->Add(ctx_.counters->rate_limited);
    return Reject(in, RejectReason::kRateLimited);
  }
  // Order bytes are ready: SendOrderFrame closes the tick-to-order interval and sends.
  TscStamp wire;
  if (!venues::SendOrderFrame(ctx_, *ws_, in, std::string_view(buf_.get(), n), &wire)) return;
  tracker_.Add(in, wire, now_ns);
}

bool Orders::Cancel(ClientOrderId id) noexcept {
  venues::InFlightEntry* e = tracker_.Find(id);
  if (e == nullptr || !ws_->is_open() || !logged_in_) return false;
  const std::string_view inst = InstId(e->instrument);
  if (inst.empty()) return false;
  if (venues::OrderRateBudget* b = Budget(e->instrument); b != nullptr && !b->TakeCancel(MonoNow().value)) {
    ctx_.counters->Add(ctx_.counters->rate_limited);
    return false;
  }
  const size_t n = EncodeCancel(inst, id, buf_.get(), kBufBytes);
  // Cancels reduce risk: written directly, never through the kill-switch check.
  if (n == 0 || !ws_->Send(std::string_view(buf_.get(), n))) return false;
  e->cancel_sent = true;
  ctx_.counters->Add(ctx_.counters->cancels_sent);
  return true;
}

bool Orders::CancelAll() noexcept {
  // Everything live here plus everything the last listing showed, once each.
  std::vector<Listed> items;
  char cid[venues::kClientIdTextMax];
  tracker_.table().ForEachLive([&](venues::InFlightEntry& e) {
    const std::string_view inst = InstId(e.instrument);
    if (inst.empty()) return;
    items.push_back(Listed{std::string(inst), std::string(cid, venues::FormatClientId(e.id, cid)), {}});
    e.cancel_sent = true;
  });
  for (const Listed& l : listed_) {
    bool dup = false;
    for (const Listed& i : items) dup = dup || (!l.cl_ord_id.empty() && i.cl_ord_id == l.cl_ord_id);
    if (!dup) items.push_back(l);
  }
  if (items.empty()) {
    ctx_.counters->Add(ctx_.counters->cancel_all_confirmed);
    ctx_.log->Log(runtime::LogLevel::kInfo, "%s: cancel-all: no open orders", ctx_.venue->name.c_str());
    return true;
  }
  if (!ws_->is_open() || !logged_in_) return false;
  ++cancel_all_seq_;
  cancel_all_pending_ = 0;
  cancel_all_ok_ = true;
  int batch = 0;
  for (size_t k = 0; k < items.size(); k += kBatchCancelMax, ++batch) {
    CancelItem ci[kBatchCancelMax];
    const int n = static_cast<int>(std::min<size_t>(kBatchCancelMax, items.size() - k));
    for (int i = 0; i < n; ++i) {
      const Listed& l = items[k + static_cast<size_t>(i)];
      ci[i] = CancelItem{l.inst_id, l.cl_ord_id, l.ord_id};
    }
    char id[48];
    const int idn = std::snprintf(id, sizeof id, "ca%llu-%d", static_cast<unsigned long long>(cancel_all_seq_), batch);
    const size_t len = EncodeBatchCancel(std::string_view(id, static_cast<size_t>(idn)), ci, n, buf_.get(), kBufBytes);
    if (len == 0 || !ws_->Send(std::string_view(buf_.get(), len))) {
      ctx_.log->Log(runtime::LogLevel::kError, "%s: cancel-all: could not write batch %d", ctx_.venue->name.c_str(), batch);
      return batch > 0;
    }
    ++cancel_all_pending_;
  }
  ctx_.log->Log(runtime::LogLevel::kWarn, "%s: cancel-all: %zu orders in %d batch-cancel-orders requests",
                ctx_.venue->name.c_str(), items.size(), batch);
  return true;
}

void Orders::HandleCancelReply(const PrivateMsg& m) noexcept {
  int bad = 0;
  for (int i = 0; i < m.order_count; ++i)
    if (m.orders[i].s_code != "0" && m.orders[i].s_code != kCodeGone) ++bad;
  if (m.code != "0" && m.code != "2" && m.order_count == 0) bad = 1;  // the whole request refused
  if (bad > 0 && log_limit_.Allow())
    ctx_.log->Log(runtime::LogLevel::kWarn, "%s: %.*s %.*s: code %.*s, %d item(s) refused (first sCode %.*s %.*s)",
                  ctx_.venue->name.c_str(), static_cast<int>(m.op.size()), m.op.data(), static_cast<int>(m.id.size()),
                  m.id.data(), static_cast<int>(m.code.size()), m.code.data(), bad,
                  m.order_count > 0 ? static_cast<int>(m.orders[0].s_code.size()) : 0,
                  m.order_count > 0 ? m.orders[0].s_code.data() : "",
                  m.order_count > 0 ? static_cast<int>(m.orders[0].s_msg.size()) : 0,
                  m.order_count > 0 ? m.orders[0].s_msg.data() : "");
  // A cancel-all batch: "ca<seq>-<batch>". Confirmed when every batch of the latest one came back
  // with each item canceled or already gone.
  if (m.op != "batch-cancel-orders" || m.id.size() < 3 || m.id.substr(0, 2) != "ca") return;
  const std::string_view rest = m.id.substr(2);
  const size_t dash = rest.find('-');
  if (dash == std::string_view::npos) return;
  uint64_t seq = 0;
  for (char c : rest.substr(0, dash)) seq = seq * 10 + static_cast<uint64_t>(c - '0');
  if (seq != cancel_all_seq_ || cancel_all_pending_ <= 0) return;
  if (bad > 0) cancel_all_ok_ = false;
  if (--cancel_all_pending_ == 0 && cancel_all_ok_) {
    ctx_.counters->Add(ctx_.counters->cancel_all_confirmed);
    ctx_.log->Log(runtime::LogLevel::kInfo, "%s: cancel-all confirmed", ctx_.venue->name.c_str());
  }
}

// ---- cold timers and REST ----

void Orders::Tick() noexcept {
  const int64_t now_ns = MonoNow().value;
  const Nanos now = WallNow();
  const int expired = tracker_.table().ExpireAcks(ctx_.id, TscNow(), now_ns, policy_, [&](const ExecReport& ex) {
    ctx_.counters->Add(ctx_.counters->unknown_orders);
    ctx_.publisher->PublishExec(ex, now);
  });
  if (expired > 0)
    ctx_.log->Log(runtime::LogLevel::kWarn, "%s: %d order(s) without a reply after %lld ms: unknown, querying",
                  ctx_.venue->name.c_str(), expired, static_cast<long long>(policy_.ack_timeout_ns / 1'000'000));
  if (ready_ && !hold_queries_) {
    tracker_.table().DueQueries(now_ns, policy_, [&](venues::InFlightEntry& e) { return SendQuery(e); });
    CancelAdoptedOpen();
  }
  tick_timer_->Cancel();
  tick_timer_->After(kTickMs, [this] { Tick(); });
}

void Orders::Rest(std::string_view method, std::string path, std::string body,
                  std::function<void(const venues::HttpResponse&)> done) {
  const std::string ts = IsoMillis(WallNow().value / 1'000'000);
  venues::HttpRequest req;
  req.method = std::string(method);
  req.url = ctx_.venue->rest_url;
  while (!req.url.empty() && req.url.back() == '/') req.url.pop_back();
  req.url += path;
  req.headers.emplace_back("OK-ACCESS-KEY", api_key_);
  req.headers.emplace_back("OK-ACCESS-SIGN", RestSign(secret_, ts, method, path, body));
  req.headers.emplace_back("OK-ACCESS-TIMESTAMP", ts);
  req.headers.emplace_back("OK-ACCESS-PASSPHRASE", passphrase_);
  req.headers.emplace_back("Content-Type", "application/json");
  req.body = std::move(body);
  req.timeout_ms = 5'000;
  req.max_body = 4u << 20;
  req.ca_file = ctx_.ca_file;
  std::weak_ptr<bool> alive = alive_;
  venues::HttpFetch(*ctx_.ioc, std::move(req), [alive, done = std::move(done)](venues::HttpResponse r) {
    const auto a = alive.lock();
    if (a && *a) done(r);
  });
}

ParseStatus Orders::ParseRestBody(const std::string& body, PrivateMsg* m) noexcept {
  if (body.size() > (4u << 20)) return ParseStatus::kTooManyLevels;
  rest_buf_.assign(body);
  rest_buf_.append(venues::kWsPadding, '\0');
  const ParseStatus st = parser_.ParseRest(rest_buf_.data(), body.size(), m);
  if (st != ParseStatus::kOk) ctx_.counters->Add(ctx_.counters->order_parse_errors);
  return st;
}

bool Orders::SendQuery(venues::InFlightEntry& e) noexcept {
  const std::string_view inst = InstId(e.instrument);
  if (inst.empty() || ctx_.venue->rest_url.empty()) return false;
  const ClientOrderId id = e.id;
  ctx_.counters->Add(ctx_.counters->order_queries);
  Rest("GET", QueryPath(inst, id), "", [this, id](const venues::HttpResponse& r) { OnQueryAnswer(id, r); });
  return true;
}

void Orders::OnQueryAnswer(ClientOrderId id, const venues::HttpResponse& r) noexcept {
  if (tracker_.Find(id) == nullptr) return;  // resolved meanwhile
  PrivateMsg m;
  const ParseStatus st = r.status == 0 ? ParseStatus::kBadJson : ParseRestBody(r.body, &m);
  if (st != ParseStatus::kOk) {
    if (log_limit_.Allow())
      ctx_.log->Log(runtime::LogLevel::kWarn, "%s: query of hs%llu failed (HTTP %d, %s); retrying later",
                    ctx_.venue->name.c_str(), static_cast<unsigned long long>(id.value), r.status,
                    r.status == 0 ? r.error.c_str() : venues::ParseStatusName(st));
    return;
  }
  ExecReport ex;
  if (m.code == kCodeNotFound) {
    if (tracker_.OnQuery(id, nullptr, Amount::Zero(), TscNow(), &ex) == OrderTracker::Outcome::kReport)
      Publish(ex, true, WallNow());
    return;
  }
  if (m.code != "0" || m.order_count < 1) {
    if (log_limit_.Allow())
      ctx_.log->Log(runtime::LogLevel::kWarn, "%s: query of hs%llu refused: code %.*s %.*s", ctx_.venue->name.c_str(),
                    static_cast<unsigned long long>(id.value), static_cast<int>(m.code.size()), m.code.data(),
                    static_cast<int>(m.msg.size()), m.msg.data());
    return;
  }
  OrderItem order = m.orders[0];
  venues::InFlightEntry* e = tracker_.Find(id);
  order.acc_fill_sz = tracker_.ToBase(e->instrument, order.acc_fill_sz);
  if (e->reported_qty < order.acc_fill_sz) {
    // The exact quote needs the order's fills (the order object only has avgPx).
    std::string ord_id(order.ord_id);
    std::string fee_ccy(order.fee_ccy);
    const std::string inst(InstId(e->instrument));
    Rest("GET", FillsPath(inst, ord_id), "",
         [this, id, order, ord_id, fee_ccy](const venues::HttpResponse& fr) mutable {
           order.ord_id = ord_id;  // the views must outlive the first answer's buffer
           order.fee_ccy = fee_ccy;
           order.cl_ord_id = {};
           order.inst_id = {};
           order.trigger_time = {};
           order.s_code = {};
           order.s_msg = {};
           order.fill_fee_ccy = {};
           OnFillsAnswer(id, order, fr);
         });
    return;
  }
  if (tracker_.OnQuery(id, &order, e->reported_quote, TscNow(), &ex) == OrderTracker::Outcome::kReport)
    Publish(ex, true, WallNow());
  CancelAdoptedOpen();
}

void Orders::OnFillsAnswer(ClientOrderId id, const OrderItem& order, const venues::HttpResponse& r) noexcept {
  if (tracker_.Find(id) == nullptr) return;
  PrivateMsg m;
  const ParseStatus st = r.status == 0 ? ParseStatus::kBadJson : ParseRestBody(r.body, &m);
  if (st != ParseStatus::kOk || m.code != "0") {
    if (log_limit_.Allow())
      ctx_.log->Log(runtime::LogLevel::kWarn, "%s: fills of hs%llu not available (HTTP %d); retrying later",
                    ctx_.venue->name.c_str(), static_cast<unsigned long long>(id.value), r.status);
    return;
  }
  Amount quote = Amount::Zero();
  Qty qty = Qty::Zero();
  const InstrumentId instrument = tracker_.Find(id)->instrument;
  for (int i = 0; i < m.order_count; ++i) {
    const OrderItem& f = m.orders[i];
    if (!f.has_fill_px || !f.has_fill_sz) continue;
    const Qty base = tracker_.ToBase(instrument, f.fill_sz);
    quote += AmountFromNotional(MulNotional(f.fill_px, base, Rounding::kFloor));
    qty += base;
  }
  if (qty != order.acc_fill_sz) {
    // The fills listing lags the order (or was cut at a page): ask again later.
    if (log_limit_.Allow())
      ctx_.log->Log(runtime::LogLevel::kWarn, "%s: fills of hs%llu do not add up to accFillSz yet; retrying later",
                    ctx_.venue->name.c_str(), static_cast<unsigned long long>(id.value));
    return;
  }
  ExecReport ex;
  if (tracker_.OnQuery(id, &order, quote, TscNow(), &ex) == OrderTracker::Outcome::kReport) Publish(ex, true, WallNow());
  CancelAdoptedOpen();
}

void Orders::ListOpen() noexcept {
  if (ctx_.venue->rest_url.empty()) return AfterListing();
  const uint64_t gen = generation_;
  Rest("GET", std::string(kPendingPath), "", [this, gen](const venues::HttpResponse& r) {
    if (gen != generation_) return;
    PrivateMsg m;
    const ParseStatus st = r.status == 0 ? ParseStatus::kBadJson : ParseRestBody(r.body, &m);
    if (st != ParseStatus::kOk || m.code != "0") {
      ctx_.log->Log(runtime::LogLevel::kWarn, "%s: open-order listing failed (HTTP %d, code %.*s)",
                    ctx_.venue->name.c_str(), r.status, static_cast<int>(m.code.size()), m.code.data());
      return AfterListing();  // a cancel-all on connect still covers the orders live here
    }
    listed_.clear();
    listed_untracked_ = 0;
    for (int i = 0; i < m.order_count; ++i) {
      const OrderItem& o = m.orders[i];
      listed_.push_back(Listed{std::string(o.inst_id), std::string(o.cl_ord_id), std::string(o.ord_id)});
      ClientOrderId id;
      if (tracker_.table().Find(o.cl_ord_id, &id) == nullptr) ++listed_untracked_;
    }
    ++lists_done_;
    ctx_.log->Log(listed_untracked_ > 0 ? runtime::LogLevel::kWarn : runtime::LogLevel::kInfo,
                  "%s: account has %zu open order(s), %d not tracked by this session%s", ctx_.venue->name.c_str(),
                  listed_.size(), listed_untracked_, listed_untracked_ > 0 ? " (a cancel-all includes them)" : "");
    AfterListing();
  });
}

void Orders::CancelAdoptedOpen() noexcept {
  // Adopted orders a query found live: nothing the core did not decide anew may rest.
  if (ready_) tracker_.table().CancelAdoptedOpen([this](venues::InFlightEntry& e) { return Cancel(e.id); });
}

void Orders::AfterListing() noexcept {
  if (!hold_queries_) return;
  if (cancel_all_on_connect_ && CancelAll()) {
    // Recovery: everything open on the account and every adopted order, before any query.
    cancel_all_on_connect_ = false;
    ctx_.counters->Add(ctx_.counters->cancel_all_sent);
  }
  hold_queries_ = false;
  Tick();
}

void Orders::ArmDeadMan() noexcept {
  const int timeout = ctx_.venue->dead_man_s;
  if (timeout <= 0 || !ready_ || ctx_.venue->rest_url.empty()) return;
  const uint64_t gen = generation_;
  Rest("POST", std::string(kCancelAfterPath), CancelAfterBody(timeout), [this, gen](const venues::HttpResponse& r) {
    if (gen != generation_) return;
    PrivateMsg m;
    const ParseStatus st = r.status == 0 ? ParseStatus::kBadJson : ParseRestBody(r.body, &m);
    if (st == ParseStatus::kOk && m.code == "0" && m.order_count > 0 && TriggerTimeMs(m.orders[0].trigger_time) > 0) {
      dead_man_trigger_ms_ = TriggerTimeMs(m.orders[0].trigger_time);
      ctx_.counters->Add(ctx_.counters->dead_man_refreshes);
    } else if (log_limit_.Allow()) {
      ctx_.log->Log(runtime::LogLevel::kError, "%s: cancel-all-after refused (HTTP %d, code %.*s %.*s)",
                    ctx_.venue->name.c_str(), r.status, static_cast<int>(m.code.size()), m.code.data(),
                    static_cast<int>(m.msg.size()), m.msg.data());
    }
  });
  const int64_t period_ms = std::max(1, timeout / 4) * int64_t{1000};
  dead_man_timer_->Cancel();
  dead_man_timer_->After(period_ms, [this, gen] {
    if (gen == generation_) ArmDeadMan();
  });
}

void Orders::OnWsOrderSent(uint64_t tag, bool sent, TscStamp wire) noexcept {
  if (sent) return tracker_.SetWire(ClientOrderId{tag}, wire);
  const RejectReason why = ctx_.kill->halted() ? RejectReason::kHalted : RejectReason::kNotConnected;
  ExecReport r;
  if (!tracker_.NotSent(ClientOrderId{tag}, why, &r)) return;
  if (why == RejectReason::kHalted) ctx_.counters->Add(ctx_.counters->orders_halted);
  ctx_.publisher->PublishExec(r, WallNow());
}

void Orders::HandleOrderReply(const PrivateMsg& m, TscStamp recv, Nanos now) noexcept {
  ExecReport ex;
  TscStamp wire;
  bool resolved = false;
  switch (tracker_.OnReply(m, recv, &ex, &wire, &resolved)) {
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
    if (ex.reason == RejectReason::kRateLimited) {
      // The venue's own limit: nothing new on this instrument for a while.
      ctx_.counters->Add(ctx_.counters->rate_limited);
      if (venues::OrderRateBudget* b = Budget(ex.instrument)) b->OnVenueLimit(MonoNow().value, kVenueLimitBackoffNs);
    }
    const OrderItem* item = m.order_count > 0 ? &m.orders[0] : nullptr;
    if (log_limit_.Allow())
      ctx_.log->Log(runtime::LogLevel::kWarn, "%s: order hs%llu rejected: code %.*s sCode %.*s %.*s",
                    ctx_.venue->name.c_str(), static_cast<unsigned long long>(ex.client_id.value),
                    static_cast<int>(m.code.size()), m.code.data(), item ? static_cast<int>(item->s_code.size()) : 0,
                    item ? item->s_code.data() : "", item ? static_cast<int>(item->s_msg.size()) : 0,
                    item ? item->s_msg.data() : "");
  }
  Publish(ex, resolved, now);
}

void Orders::OnWsClosed(std::string_view reason) noexcept {
  ++generation_;
  const bool was_ready = ready_;
  ready_ = false;
  hold_queries_ = false;
  logged_in_ = false;
  snapshot_done_ = false;
  leverage_ok_ = false;
  ctx_.counters->orders_connected.store(false, std::memory_order_relaxed);
  dead_man_timer_->Cancel();
  cancel_all_pending_ = 0;
  // Orders without a final report have an unknown outcome now: queried once the session is back.
  const Nanos now = WallNow();
  const int n = tracker_.MarkAllUnknown(MonoNow().value, [&](const ExecReport& ex) {
    ctx_.counters->Add(ctx_.counters->unknown_orders);
    ctx_.publisher->PublishExec(ex, now);
  });
  if (n > 0)
    ctx_.log->Log(runtime::LogLevel::kWarn, "%s: order session closed with %d order(s) in flight: unknown until queried",
                  ctx_.venue->name.c_str(), n);
  if (was_ready && on_state_) on_state_();
}

}  // namespace hs::okx
