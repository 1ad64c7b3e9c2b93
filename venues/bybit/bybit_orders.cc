#include "venues/bybit/bybit_orders.h"

#include <algorithm>

#include "core/base/decimal.h"
#include "venues/bybit/bybit_wire.h"
#include "venues/common/http_client.h"
#include "venues/common/text_writer.h"
#include "venues/common/url.h"
#include "venues/common/order_path.h"

namespace hs::bybit {

namespace {
constexpr size_t kBufBytes = 4096;
constexpr std::string_view kPing = R"({"op":"ping"})";
constexpr int64_t kRetServerError = 10016;  // "server error": the order's fate is unknown
constexpr std::string_view kPrivateSubscribe = R"({"op":"subscribe","args":["order","execution","wallet"],"req_id":"priv"})";

// Unchecked append: Encode checks the worst-case length once before writing.
inline char* Put(char* p, std::string_view s) noexcept {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

// Venue order ids on spot are decimal text; anything else is kept as 0 (diagnostics only).
uint64_t DigitsToU64(std::string_view s) noexcept {
  uint64_t v = 0;
  if (s.empty() || s.size() > 19) return 0;
  for (char c : s) {
    if (c < '0' || c > '9') return 0;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

// A key that goes into JSON text verbatim must not need escaping.
bool PlainJsonText(std::string_view s) noexcept {
  for (char c : s)
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return false;
  return true;
}
}  // namespace

bool ParseClientId(std::string_view text, ClientOrderId* out) noexcept {
  if (text.size() < 3 || text.size() > 22 || text[0] != 'h' || text[1] != 's') return false;
  uint64_t v = 0;
  for (size_t i = 2; i < text.size(); ++i) {
    const unsigned d = static_cast<unsigned char>(text[i] - '0');
    if (d > 9) return false;
    if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, d, &v)) return false;
  }
  out->value = v;
  return true;
}

// ---- OrderEncoder ----

size_t OrderEncoder::Encode(const OrderIntent& in, int64_t ts, char* out, size_t cap) const noexcept {
  if (symbols_ == nullptr || ts < 0) return 0;
  const venues::SymbolInfo* sym = symbols_->ForInstrument(in.instrument);
  if (sym == nullptr) return 0;
  char cid[20];
  const std::string_view cid_s(cid, static_cast<size_t>(venues::U64ToChars(in.client_id.value, cid)));
  char tsd[20];
  const std::string_view ts_s(tsd, static_cast<size_t>(venues::U64ToChars(static_cast<uint64_t>(ts), tsd)));
  char px[kMaxDecimalText];
  char qty[kMaxDecimalText];
  const int pxn = FormatFixed(in.limit_px, sym->price_decimals, px);
  const int qn = FormatFixed(in.qty, sym->qty_decimals, qty);
  if (pxn < 0 || qn < 0 || !in.limit_px.is_positive() || !in.qty.is_positive()) return 0;  // never round an order
  const std::string_view px_s(px, static_cast<size_t>(pxn));
  const std::string_view qty_s(qty, static_cast<size_t>(qn));
  const std::string_view side = in.side == Side::kBuy ? "Buy" : "Sell";
  const std::string_view tif = in.tif == TimeInForce::kIoc ? "IOC" : (in.tif == TimeInForce::kFok ? "FOK" : "GTC");
  // Worst case: fixed text (< 300 bytes) plus every variable piece.
  const size_t worst = 300 + sym->symbol.size() + 2 * cid_s.size() + ts_s.size() + px_s.size() + qty_s.size();
  if (cap < worst) return 0;
  char* w = out;
  w = Put(w, R"({"reqId":"hs)");
  w = Put(w, cid_s);
  w = Put(w, R"(","header":{"X-BAPI-TIMESTAMP":")");
  w = Put(w, ts_s);
  w = Put(w, R"(","X-BAPI-RECV-WINDOW":")");
  w = Put(w, kRecvWindow);
  w = Put(w, R"("},"op":"order.create","args":[{"symbol":")");
  w = Put(w, sym->symbol);
  w = Put(w, R"(","side":")");
  w = Put(w, side);
  w = Put(w, R"(","orderType":"Limit","qty":")");
  w = Put(w, qty_s);
  w = Put(w, R"(","price":")");
  w = Put(w, px_s);
  w = Put(w, R"(","category":"spot","timeInForce":")");
  w = Put(w, tif);
  w = Put(w, R"(","orderLinkId":"hs)");
  w = Put(w, cid_s);
  w = Put(w, R"("}]})");
  return static_cast<size_t>(w - out);
}

size_t OrderEncoder::EncodeAuth(int64_t expires_ms, char* out, size_t cap) const noexcept {
  char payload[64];
  venues::TextWriter p(payload, sizeof payload);
  p.Str("GET/realtime").I64(expires_ms);
  if (!p.ok()) return 0;
  char sig[64];
  hmac_.SignHex(payload, p.size(), sig);
  venues::TextWriter w(out, cap);
  w.Str(R"({"op":"auth","args":[")").Str(api_key_).Str("\",").I64(expires_ms).Str(",\"").Str(std::string_view(sig, 64)).Str("\"]}");
  return w.ok() ? w.size() : 0;
}

std::string OrderEncoder::SignRest(int64_t ts, std::string_view recv_window, std::string_view payload) const {
  std::string msg = std::to_string(ts) + api_key_;
  msg.append(recv_window);
  msg.append(payload);
  char sig[64];
  hmac_.SignHex(msg.data(), msg.size(), sig);
  return std::string(sig, 64);
}

// ---- OrderTracker ----

int OrderTracker::active() const noexcept {
  int n = 0;
  for (const InFlight& f : inflight_) n += f.active ? 1 : 0;
  return n;
}

void OrderTracker::Track(const OrderIntent& in, TscStamp wire) noexcept {
  InFlight& f = inflight_[in.client_id.value % kInFlight];
  f = InFlight{};
  f.active = true;
  f.id = in.client_id;
  f.instrument = in.instrument;
  f.side = in.side;
  f.qty = in.qty;
  f.wire = wire;
}

OrderTracker::InFlight* OrderTracker::Find(std::string_view order_link_id, ClientOrderId* id) noexcept {
  if (!ParseClientId(order_link_id, id)) return nullptr;
  InFlight& f = inflight_[id->value % kInFlight];
  return f.id == *id ? &f : nullptr;
}

ExecReport OrderTracker::Base(const InFlight& f, TscStamp recv) const noexcept {
  ExecReport ex;
  ex.client_id = f.id;
  ex.venue = venue_;
  ex.instrument = f.instrument;
  ex.side = f.side;
  ex.recv_stamp = recv;
  ex.wire_stamp = f.wire;
  ex.venue_order_id = f.venue_order_id;
  ex.cum_qty = f.reported;
  return ex;
}

void OrderTracker::Close(InFlight* f, ExecReport* ex) noexcept {
  ex->final = true;
  f->active = false;
}

void OrderTracker::OnSent(ClientOrderId id, bool sent, TscStamp wire, bool halted) noexcept {
  InFlight& f = inflight_[id.value % kInFlight];
  if (!f.active || f.id != id) return;
  if (sent) {
    f.wire = wire;
    return;
  }
  ExecReport r = Base(f, TscNow());
  r.kind = ExecKind::kRejected;
  r.reason = halted ? RejectReason::kHalted : RejectReason::kNotConnected;
  if (halted) counters_->Add(counters_->orders_halted);
  Close(&f, &r);
  pub_->PublishExec(r, WallNow());
}

OrderTracker::Outcome OrderTracker::OnOrderReply(const AccountMsg& m, TscStamp recv, Nanos now) noexcept {
  ClientOrderId id;
  InFlight* f = Find(m.req_id, &id);
  if (f == nullptr) f = Find(m.order_link_id, &id);
  if (f == nullptr) return Outcome::kUnknownOrder;
  if (!f->active) return Outcome::kHandled;  // the private stream already closed it
  counters_->order_rtt_ns.Record(TscClock::Elapsed(f->wire, recv));
  f->venue_order_id = DigitsToU64(m.order_id);
  ExecReport ex = Base(*f, recv);
  if (m.ret_code == kRetServerError) {
    // The venue could not say whether it took the order: unknown until the private stream
    // (or reconciliation) tells. The order stays in flight.
    ex.kind = ExecKind::kUnknown;
    ex.venue_code = static_cast<int32_t>(m.ret_code);
    pub_->PublishExec(ex, now);
    return Outcome::kHandled;
  }
  if (m.ret_code != 0) {
    if (f->reported.is_positive()) return Outcome::kAnomaly;  // refused, yet fills were reported
    ex.kind = ExecKind::kRejected;
    ex.reason = RejectReason::kVenue;
    ex.venue_code = static_cast<int32_t>(m.ret_code);
    Close(f, &ex);
    counters_->Add(counters_->order_rejects);
    pub_->PublishExec(ex, now);
    return Outcome::kHandled;
  }
  // Accepted: an ack unless the private stream already said more.
  if (f->acked || f->reported.is_positive() || f->terminal_seen) return Outcome::kHandled;
  f->acked = true;
  ex.kind = ExecKind::kAck;
  pub_->PublishExec(ex, now);
  return Outcome::kHandled;
}

OrderTracker::Outcome OrderTracker::OnExecution(const Execution& e, TscStamp recv, Nanos now) noexcept {
  ClientOrderId id;
  InFlight* f = Find(e.order_link_id, &id);
  if (f == nullptr) return Outcome::kUnknownOrder;
  if (!f->active) return Outcome::kAnomaly;  // a fill after the order was closed
  const venues::SymbolInfo* sym = symbols_->ForInstrument(f->instrument);
  if (f->venue_order_id == 0) f->venue_order_id = DigitsToU64(e.order_id);
  ExecReport ex = Base(*f, recv);
  ex.kind = ExecKind::kFill;
  ex.fill_qty = e.exec_qty;
  ex.fill_px = e.exec_price;
  // The quote exchanged, exactly as the venue books it: price × qty rounded down to 10^-9.
  ex.fill_quote = AmountFromNotional(MulNotional(e.exec_price, e.exec_qty, Rounding::kFloor));
  ex.fee = e.exec_fee;
  if (!e.fee_currency.empty()) {
    ex.fee_asset = symbols_->FindAsset(e.fee_currency);
  } else if (sym != nullptr) {
    // Spot charges the fee in the asset received.
    ex.fee_asset = f->side == Side::kBuy ? sym->base : sym->quote;
  }
  ex.venue_time = Nanos::FromMillis(e.exec_time_ms);
  f->reported += e.exec_qty;
  ex.cum_qty = f->reported;
  if (f->reported >= f->qty || (f->terminal_seen && f->reported >= f->final_cum)) Close(f, &ex);
  pub_->PublishExec(ex, now);
  return Outcome::kHandled;
}

OrderTracker::Outcome OrderTracker::OnOrderUpdate(const OrderUpdate& o, TscStamp recv, Nanos now) noexcept {
  ClientOrderId id;
  InFlight* f = Find(o.order_link_id, &id);
  if (f == nullptr) return Outcome::kUnknownOrder;
  if (!f->active) return Outcome::kHandled;  // closed by its last fill already
  if (f->venue_order_id == 0) f->venue_order_id = DigitsToU64(o.order_id);
  if (!IsTerminal(o.status)) return Outcome::kHandled;
  if (f->reported < o.cum_exec_qty) {
    // Executions still on their way: the one that completes cumExecQty closes the order.
    f->terminal_seen = true;
    f->final_cum = o.cum_exec_qty;
    return Outcome::kHandled;
  }
  ExecReport ex = Base(*f, recv);
  if (o.status == OrderStatus::kRejected && f->reported.is_zero()) {
    ex.kind = ExecKind::kRejected;
    ex.reason = RejectReason::kVenue;
    counters_->Add(counters_->order_rejects);
  } else {
    // Done with no further fill: an IOC that found nothing, or its unfilled remainder.
    ex.kind = ExecKind::kCanceled;
  }
  Close(f, &ex);
  pub_->PublishExec(ex, now);
  return Outcome::kHandled;
}

void OrderTracker::OnDisconnect(Nanos now) noexcept {
  for (InFlight& f : inflight_) {
    if (!f.active) continue;
    ExecReport ex = Base(f, TscNow());
    ex.kind = ExecKind::kUnknown;
    f.active = false;
    pub_->PublishExec(ex, now);
  }
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
  if (v.order_url.empty()) return absl::InvalidArgumentError("venue " + v.name + ": trading needs order_url");
  std::string key;
  std::string secret;
  if (!venues::ReadSecretEnv(v.api_key_env, &key))
    return absl::FailedPreconditionError("venue " + v.name + ": environment variable " + v.api_key_env +
                                         " (API key) is not set");
  if (!venues::ReadSecretEnv(v.api_secret_env, &secret))
    return absl::FailedPreconditionError("venue " + v.name + ": environment variable " + v.api_secret_env +
                                         " (API secret) is not set");
  if (!PlainJsonText(key) || key.size() > 256)
    return absl::InvalidArgumentError("venue " + v.name + ": the API key in " + v.api_key_env +
                                      " has characters that cannot go into a request as they are");
  encoder_.Reset(symbols_, std::move(key), secret);
  std::fill(secret.begin(), secret.end(), '\0');
  for (auto* which : {&trade_ws_, &private_ws_}) {
    const bool trade = which == &trade_ws_;
    venues::WsOptions o;
    o.url = venues::JoinUrl(v.order_url, std::string(trade ? kTradePath : kPrivatePath));
    o.name = v.name + (trade ? " trade" : " private");
    o.max_message = 1u << 20;
    o.idle_timeout_ms = v.idle_timeout_ms;
    o.reconnect_min_ms = v.reconnect_min_ms;
    o.reconnect_max_ms = v.reconnect_max_ms;
    o.ca_file = ctx_.ca_file;
    *which = std::make_unique<venues::WsClient>(*ctx_.ioc, o, trade ? static_cast<venues::WsListener*>(this)
                                                                    : static_cast<venues::WsListener*>(&private_listener_),
                                                ctx_.log);
    if (absl::Status s = (*which)->Init(); !s.ok()) return s;
  }
  ping_timer_ = std::make_unique<venues::Timer>(*ctx_.ioc);
  return absl::OkStatus();
}

void Orders::Start() noexcept {
  trade_ws_->Start();
  private_ws_->Start();
  SchedulePing();
}

void Orders::Stop() noexcept {
  if (ping_timer_) ping_timer_->Cancel();
  ++private_generation_;
  trade_ws_->Stop();
  private_ws_->Stop();
}

void Orders::SchedulePing() noexcept {
  ping_timer_->After(kPingIntervalMs, [this] {
    // Send() refuses when a session is down; the reconnect authenticates afresh.
    if (trade_ws_->is_open()) (void)trade_ws_->Send(kPing);
    if (private_ws_->is_open()) (void)private_ws_->Send(kPing);
    SchedulePing();
  });
}

void Orders::SendAuth(venues::WsClient* ws, const char* which) noexcept {
  char msg[512];
  const size_t n = encoder_.EncodeAuth(WallNow().value / 1'000'000 + kAuthExpiryMs, msg, sizeof msg);
  if (n == 0 || !ws->Send(std::string_view(msg, n)))
    ctx_.log->Log(runtime::LogLevel::kWarn, "%s: could not send the %s session's auth", ctx_.venue->name.c_str(), which);
}

void Orders::UpdateReady() noexcept {
  const bool ready = trade_authed_ && private_authed_ && private_subscribed_ && wallet_known_;
  if (ready == ready_) return;
  ready_ = ready;
  ctx_.counters->orders_connected.store(ready, std::memory_order_relaxed);
  if (ready) ctx_.log->Log(runtime::LogLevel::kInfo, "%s: order sessions ready", ctx_.venue->name.c_str());
  if (on_state_) on_state_();
}

void Orders::CountBad(const char* which, ParseStatus st, size_t len) noexcept {
  ctx_.counters->Add(ctx_.counters->order_parse_errors);
  if (log_limit_.Allow())
    ctx_.log->Log(runtime::LogLevel::kWarn, "%s: malformed %s message (%s), %zu bytes", ctx_.venue->name.c_str(), which,
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

// -- trade session --

void Orders::OnWsOpen() noexcept {
  ctx_.log->Log(runtime::LogLevel::kInfo, "%s: trade session open, authenticating", ctx_.venue->name.c_str());
  trade_authed_ = false;
  SendAuth(trade_ws_.get(), "trade");
}

void Orders::OnWsClosed(std::string_view reason) noexcept {
  trade_authed_ = false;
  tracker_.OnDisconnect(WallNow());
  UpdateReady();
}

void Orders::OnWsMessage(char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept {
  AccountMsg m;
  const ParseStatus st = parser_.ParseAccount(data, len, &m);
  if (st != ParseStatus::kOk) return CountBad("trade-session", st, len);
  ctx_.counters->Add(ctx_.counters->order_replies);
  switch (m.kind) {
    case AccountKind::kOrderReply:
      return Note(tracker_.OnOrderReply(m, recv, recv_time));
    case AccountKind::kAuthReply:
      if (m.success) {
        trade_authed_ = true;
        return UpdateReady();
      }
      ctx_.log->Log(runtime::LogLevel::kError, "%s: trade session auth refused: retCode %lld %.*s", ctx_.venue->name.c_str(),
                    static_cast<long long>(m.ret_code), static_cast<int>(m.ret_msg.size()), m.ret_msg.data());
      return;
    case AccountKind::kPong:
      return;
    case AccountKind::kOtherReply:
      if (!m.success && log_limit_.Allow())
        ctx_.log->Log(runtime::LogLevel::kWarn, "%s: trade session error: retCode %lld %.*s", ctx_.venue->name.c_str(),
                      static_cast<long long>(m.ret_code), static_cast<int>(m.ret_msg.size()), m.ret_msg.data());
      return;
    default:
      ctx_.counters->Add(ctx_.counters->unknown_messages);
      return;
  }
}

void Orders::OnWsOrderSent(uint64_t tag, bool sent, TscStamp wire) noexcept {
  tracker_.OnSent(ClientOrderId{tag}, sent, wire, ctx_.kill->halted());
}

// -- private session --

void Orders::OnPrivateOpen() noexcept {
  ++private_generation_;
  private_authed_ = false;
  private_subscribed_ = false;
  wallet_known_ = false;
  ctx_.log->Log(runtime::LogLevel::kInfo, "%s: private session open, authenticating", ctx_.venue->name.c_str());
  SendAuth(private_ws_.get(), "private");
}

void Orders::OnPrivateClosed() noexcept {
  ++private_generation_;
  private_authed_ = false;
  private_subscribed_ = false;
  wallet_known_ = false;
  // Fills of orders in flight could be missed now: their outcome is unknown.
  tracker_.OnDisconnect(WallNow());
  UpdateReady();
}

void Orders::OnPrivateMessage(const char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept {
  AccountMsg m;
  const ParseStatus st = parser_.ParseAccount(data, len, &m);
  if (st != ParseStatus::kOk) return CountBad("private-stream", st, len);
  switch (m.kind) {
    case AccountKind::kExecution:
      for (int i = 0; i < m.execution_count; ++i) Note(tracker_.OnExecution(m.executions[i], recv, recv_time));
      return;
    case AccountKind::kOrder:
      for (int i = 0; i < m.order_count; ++i) Note(tracker_.OnOrderUpdate(m.orders[i], recv, recv_time));
      return;
    case AccountKind::kWallet:
      return HandleWallet(m, recv_time);
    case AccountKind::kAuthReply:
      if (!m.success) {
        ctx_.log->Log(runtime::LogLevel::kError, "%s: private session auth refused: %.*s", ctx_.venue->name.c_str(),
                      static_cast<int>(m.ret_msg.size()), m.ret_msg.data());
        return;
      }
      private_authed_ = true;
      if (!private_ws_->Send(kPrivateSubscribe))
        ctx_.log->Log(runtime::LogLevel::kWarn, "%s: could not subscribe the private topics", ctx_.venue->name.c_str());
      return;
    case AccountKind::kSubscribeReply:
      if (!m.success) {
        ctx_.log->Log(runtime::LogLevel::kError, "%s: private subscription refused: %.*s", ctx_.venue->name.c_str(),
                      static_cast<int>(m.ret_msg.size()), m.ret_msg.data());
        return;
      }
      private_subscribed_ = true;
      FetchWallet();
      return UpdateReady();
    case AccountKind::kPong:
      return;
    default:
      ctx_.counters->Add(ctx_.counters->unknown_messages);
      return;
  }
}

void Orders::HandleWallet(const AccountMsg& m, Nanos now) noexcept {
  // One update per configured asset, the last marking the snapshot complete. An asset the
  // account does not list holds nothing.
  const auto& names = symbols_->asset_names();
  for (size_t a = 0; a < names.size(); ++a) {
    BalanceUpdate b;
    b.venue = ctx_.id;
    b.asset = AssetId{static_cast<uint16_t>(a)};
    for (int i = 0; i < m.coin_count; ++i) {
      const Coin& c = m.coins[i];
      if (c.coin != names[a]) continue;
      b.locked = c.has_locked ? c.locked : Amount::Zero();
      b.free = c.has_free ? c.free : c.wallet_balance - b.locked;
      break;
    }
    b.final_of_snapshot = a + 1 == names.size();
    ctx_.publisher->PublishBalance(b, now);
  }
  if (!wallet_known_) {
    wallet_known_ = true;
    UpdateReady();
  }
}

void Orders::FetchWallet() noexcept {
  const config::VenueConfig& v = *ctx_.venue;
  if (v.rest_url.empty()) return;  // the wallet push after the subscription will do
  const int64_t ts = WallNow().value / 1'000'000;
  venues::HttpRequest req;
  req.url = venues::JoinUrl(v.rest_url, std::string(kWalletRestPath) + "?" + std::string(kWalletRestQuery));
  req.headers = {{"X-BAPI-API-KEY", encoder_.api_key()},
                 {"X-BAPI-TIMESTAMP", std::to_string(ts)},
                 {"X-BAPI-RECV-WINDOW", std::string(kRecvWindow)},
                 {"X-BAPI-SIGN", encoder_.SignRest(ts, kRecvWindow, kWalletRestQuery)}};
  req.ca_file = ctx_.ca_file;
  const uint64_t gen = private_generation_;
  venues::HttpFetch(*ctx_.ioc, std::move(req), [this, gen](venues::HttpResponse r) {
    // Only the first snapshot of a session counts: a later REST body could be older than
    // fills the private stream already reported.
    if (gen != private_generation_ || wallet_known_) return;
    if (r.status != 200) {
      if (log_limit_.Allow())
        ctx_.log->Log(runtime::LogLevel::kWarn, "%s: wallet-balance query failed (%d: %.120s); waiting for the wallet push",
                      ctx_.venue->name.c_str(), r.status, r.status == 0 ? r.error.c_str() : r.body.c_str());
      return;
    }
    std::string body = std::move(r.body);
    const size_t len = body.size();
    body.append(venues::kWsPadding, '\0');
    AccountMsg m;
    const ParseStatus st = parser_.ParseAccount(body.data(), len, &m);
    if (st != ParseStatus::kOk || m.kind != AccountKind::kWallet || m.ret_code != 0) {
      if (log_limit_.Allow())
        ctx_.log->Log(runtime::LogLevel::kWarn, "%s: wallet-balance reply not usable (%s, retCode %lld)",
                      ctx_.venue->name.c_str(), venues::ParseStatusName(st), static_cast<long long>(m.ret_code));
      return;
    }
    HandleWallet(m, WallNow());
  });
}

void Orders::Reject(const OrderIntent& in, RejectReason why) noexcept {
  venues::PublishLocalReject(ctx_, in, why);
}

void Orders::OnIntent(const OrderIntent& in) noexcept {
  if (!ready_) return Reject(in, RejectReason::kNotConnected);
  if (ctx_.publisher->overflowed()) return Reject(in, RejectReason::kBackpressure);
  if (!tracker_.CanTrack(in.client_id)) return Reject(in, RejectReason::kBackpressure);
  const size_t n = encoder_.Encode(in, WallNow().value / 1'000'000, buf_.get(), kBufBytes);
  if (n == 0) return Reject(in, RejectReason::kEncodeFailed);
  // Order bytes are ready: SendOrderFrame closes the tick-to-order interval and sends.
  TscStamp wire;
  if (!venues::SendOrderFrame(ctx_, *trade_ws_, in, std::string_view(buf_.get(), n), &wire)) return;
  tracker_.Track(in, wire);
}

}  // namespace hs::bybit
