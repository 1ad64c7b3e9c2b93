#include "venues/binance/binance_orders.h"

#include "venues/binance/binance_wire.h"
#include "venues/common/text_writer.h"
#include "venues/common/url.h"
#include "venues/common/order_path.h"

#include <boost/asio/io_context.hpp>

namespace hs::binance {

namespace {
constexpr size_t kBufBytes = 4096;
constexpr std::string_view kAccountIdPrefix = "acct-";
constexpr std::string_view kCancelPrefix = "cn";
constexpr std::string_view kCancelAllPrefix = "ca";
constexpr std::string_view kQueryPrefix = "qs";
constexpr std::string_view kTradesPrefix = "qt";
constexpr std::string_view kListPrefix = "ls";
constexpr int64_t kErrRateLimit = -1015;     // "Too many new orders; current limit is ..."
constexpr int64_t kErrUnknownOrder = -2011;  // "Unknown order sent." (cancel)
constexpr int64_t kErrNoSuchOrder = -2013;   // "Order does not exist." (query)

// "<prefix><digits>" → the number; false for anything else.
bool ParseTagged(std::string_view text, std::string_view prefix, uint64_t* out) noexcept {
  if (text.size() <= prefix.size() || text.size() > prefix.size() + 20 || text.substr(0, prefix.size()) != prefix)
    return false;
  uint64_t v = 0;
  for (size_t i = prefix.size(); i < text.size(); ++i) {
    const unsigned d = static_cast<unsigned char>(text[i] - '0');
    if (d > 9) return false;
    if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, d, &v)) return false;
  }
  *out = v;
  return true;
}

bool StillOpen(std::string_view s) noexcept { return s == "NEW" || s == "PARTIALLY_FILLED" || s == "PENDING_NEW"; }
}  // namespace

Orders::Orders(venues::VenueContext ctx, const venues::SymbolTable* symbols, std::function<void()> on_state)
    : ctx_(ctx), symbols_(symbols), on_state_(std::move(on_state)), buf_(std::make_unique<char[]>(kBufBytes)) {}

Orders::~Orders() = default;

absl::Status Orders::Init() {
  const config::VenueConfig& v = *ctx_.venue;
  std::string key;
  std::string secret;
  if (!venues::ReadSecretEnv(v.api_key_env, &key))
    return absl::FailedPreconditionError("venue " + v.name + ": environment variable " + v.api_key_env +
                                         " (API key) is not set");
  if (!venues::ReadSecretEnv(v.api_secret_env, &secret))
    return absl::FailedPreconditionError("venue " + v.name + ": environment variable " + v.api_secret_env +
                                         " (API secret) is not set");
  encoder_.Reset(symbols_, std::move(key), secret);
  std::fill(secret.begin(), secret.end(), '\0');
  venues::WsOptions o;
  o.url = venues::JoinUrl(v.order_url, std::string(kWsApiPath));
  o.name = v.name + " orders";
  o.max_message = 1u << 20;
  o.idle_timeout_ms = v.idle_timeout_ms;
  o.reconnect_min_ms = v.reconnect_min_ms;
  o.reconnect_max_ms = v.reconnect_max_ms;
  o.ca_file = ctx_.ca_file;
  ws_ = std::make_unique<venues::WsClient>(*ctx_.ioc, o, this, ctx_.log);
  // ORDERS 50 per 10 s unless configured; 2 of them kept for cancels.
  config::OrderRate rate = config::DefaultOrderRate(v.kind);
  if (v.order_rate > 0) rate = {v.order_rate, v.order_rate_window_ms > 0 ? v.order_rate_window_ms : rate.window_ms};
  budget_.Reset(rate.orders, rate.window_ms, 2);
  if (ctx_.config != nullptr) {
    const config::ExecutionConfig& x = ctx_.config->execution;
    policy_.ack_timeout_ns = x.ack_timeout_ms * 1'000'000;
    policy_.max_queries = static_cast<int>(x.query_attempts);
    policy_.first_backoff_ns = x.query_backoff_ms * 1'000'000;
  }
  timer_ = std::make_unique<venues::Timer>(*ctx_.ioc);
  return ws_->Init();
}

void Orders::Start() noexcept {
  stopped_ = false;
  ws_->Start();
  ArmTimer();
}

void Orders::ArmTimer() noexcept {
  // The cold timer: ack timeouts and due queries.
  timer_->After(kTickMs, [this] {
    if (stopped_) return;
    Tick();
    ArmTimer();
  });
}

void Orders::Stop() noexcept {
  stopped_ = true;
  if (timer_) timer_->Cancel();
  ws_->Stop();
}

void Orders::OnWsOpen() noexcept {
  ctx_.log->Log(runtime::LogLevel::kInfo, "%s: order session open, requesting account", ctx_.venue->name.c_str());
  RequestAccount();
}

void Orders::RequestAccount() noexcept {
  const size_t n = encoder_.EncodeAccountStatus(++account_requests_, WallNow().value / 1'000'000, buf_.get(), kBufBytes);
  if (n == 0 || !ws_->Send(std::string_view(buf_.get(), n))) {
    ctx_.log->Log(runtime::LogLevel::kWarn, "%s: could not send account.status", ctx_.venue->name.c_str());
  }
}

size_t OrderEncoder::EncodeAccountStatus(uint64_t request_no, int64_t ts, char* out, size_t cap) const noexcept {
  char payload[512];
  venues::TextWriter p(payload, sizeof payload);
  p.Str("apiKey=").Str(api_key_).Str("&timestamp=").I64(ts);
  if (!p.ok()) return 0;
  char sig[64];
  hmac_.SignHex(payload, p.size(), sig);
  venues::TextWriter w(out, cap);
  w.Str("{\"id\":\"").Str(kAccountIdPrefix).U64(request_no).Str("\",\"method\":\"")
      .Str(kMethodAccountStatus).Str("\",\"params\":{\"apiKey\":\"").Str(api_key_).Str("\",\"timestamp\":").I64(ts)
      .Str(",\"signature\":\"").Str(std::string_view(sig, 64)).Str("\"}}");
  return w.ok() ? w.size() : 0;
}

namespace {
// Unchecked append: Encode checks the worst-case length once before writing.
inline char* Put(char* p, std::string_view s) noexcept {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}
}  // namespace

size_t OrderEncoder::Encode(const OrderIntent& in, int64_t ts, char* out, size_t cap) const noexcept {
  if (symbols_ == nullptr) return 0;
  const venues::SymbolInfo* sym = symbols_->ForInstrument(in.instrument);
  if (sym == nullptr || ts < 0) return 0;
  // The variable texts, rendered once and used in both the signature payload and the JSON.
  char cid[20];
  const std::string_view cid_s(cid, static_cast<size_t>(venues::U64ToChars(in.client_id.value, cid)));
  char tsd[20];
  const std::string_view ts_s(tsd, static_cast<size_t>(venues::U64ToChars(static_cast<uint64_t>(ts), tsd)));
  char px[kMaxDecimalText];
  char qty[kMaxDecimalText];
  const int pxn = FormatFixed(in.limit_px, sym->price_decimals, px);
  const int qn = FormatFixed(in.qty, sym->qty_decimals, qty);
  if (pxn < 0 || qn < 0) return 0;  // off the symbol's precision: never round an order
  const std::string_view px_s(px, static_cast<size_t>(pxn));
  const std::string_view qty_s(qty, static_cast<size_t>(qn));
  const std::string_view side = in.side == Side::kBuy ? "BUY" : "SELL";
  const std::string_view tif = in.tif == TimeInForce::kIoc ? "IOC" : (in.tif == TimeInForce::kFok ? "FOK" : "GTC");
  // Post-only GTC is its own order type on Binance (LIMIT_MAKER) and takes no timeInForce.
  const bool maker = in.tif == TimeInForce::kGtc && in.post_only;
  // Worst case: fixed text (< 400 bytes) plus every variable piece, some twice.
  const size_t worst = 400 + api_key_.size() + sym->symbol.size() + 2 * (cid_s.size() + ts_s.size() + px_s.size() + qty_s.size()) + 64;
  if (cap < worst) return 0;

  // Signature payload after the pre-absorbed "apiKey=<key>&newClientOrderId=hs": the rest of
  // the params, sorted by key, as key=value joined by '&' (venues/README §1.6).
  char payload[512];
  char* p = payload;
  p = Put(p, cid_s);
  p = Put(p, "&newOrderRespType=FULL&price=");
  p = Put(p, px_s);
  p = Put(p, "&quantity=");
  p = Put(p, qty_s);
  p = Put(p, "&side=");
  p = Put(p, side);
  p = Put(p, "&symbol=");
  p = Put(p, sym->symbol);
  if (!maker) {
    p = Put(p, "&timeInForce=");
    p = Put(p, tif);
  }
  p = Put(p, "&timestamp=");
  p = Put(p, ts_s);
  p = Put(p, maker ? std::string_view("&type=LIMIT_MAKER") : std::string_view("&type=LIMIT"));
  char sig[64];
  hmac_.SignHexWithPrefix(prefix_, payload, static_cast<size_t>(p - payload), sig);

  char* w = out;
  w = Put(w, "{\"id\":\"hs");
  w = Put(w, cid_s);
  w = Put(w, "\",\"method\":\"order.place\",\"params\":{\"apiKey\":\"");
  w = Put(w, api_key_);
  w = Put(w, "\",\"newClientOrderId\":\"hs");
  w = Put(w, cid_s);
  w = Put(w, "\",\"newOrderRespType\":\"FULL\",\"price\":\"");
  w = Put(w, px_s);
  w = Put(w, "\",\"quantity\":\"");
  w = Put(w, qty_s);
  w = Put(w, "\",\"side\":\"");
  w = Put(w, side);
  w = Put(w, "\",\"symbol\":\"");
  w = Put(w, sym->symbol);
  if (!maker) {
    w = Put(w, "\",\"timeInForce\":\"");
    w = Put(w, tif);
  }
  w = Put(w, "\",\"timestamp\":");
  w = Put(w, ts_s);
  w = Put(w, maker ? std::string_view(",\"type\":\"LIMIT_MAKER\",\"signature\":\"")
                   : std::string_view(",\"type\":\"LIMIT\",\"signature\":\""));
  w = Put(w, std::string_view(sig, 64));
  w = Put(w, "\"}}");
  return static_cast<size_t>(w - out);
}

size_t OrderEncoder::EncodeSigned(std::string_view id_prefix, uint64_t tag, std::string_view method,
                                  const Param* params, int n, int64_t ts, char* out, size_t cap) const noexcept {
  if (ts < 0) return 0;
  char payload[512];
  venues::TextWriter p(payload, sizeof payload);
  p.Str("apiKey=").Str(api_key_);
  for (int i = 0; i < n; ++i) p.Char('&').Str(params[i].key).Char('=').Str(params[i].value);
  p.Str("&timestamp=").I64(ts);
  if (!p.ok()) return 0;
  char sig[64];
  const size_t pl = orig_prefix_text_.size();
  if (p.size() > pl && std::string_view(payload, pl) == orig_prefix_text_) {
    hmac_.SignHexWithPrefix(orig_prefix_, payload + pl, p.size() - pl, sig);  // the key's bytes absorbed once
  } else {
    hmac_.SignHex(payload, p.size(), sig);
  }
  venues::TextWriter w(out, cap);
  w.Str("{\"id\":\"").Str(id_prefix).U64(tag).Str("\",\"method\":\"").Str(method).Str("\",\"params\":{\"apiKey\":\"")
      .Str(api_key_).Char('"');
  for (int i = 0; i < n; ++i) {
    w.Str(",\"").Str(params[i].key).Str("\":");
    if (params[i].quoted) {
      w.Char('"').Str(params[i].value).Char('"');
    } else {
      w.Str(params[i].value);
    }
  }
  w.Str(",\"timestamp\":").I64(ts).Str(",\"signature\":\"").Str(std::string_view(sig, 64)).Str("\"}}");
  return w.ok() ? w.size() : 0;
}

size_t OrderEncoder::EncodeCancel(ClientOrderId id, InstrumentId instrument, int64_t ts, char* out,
                                  size_t cap) const noexcept {
  const venues::SymbolInfo* sym = symbols_ == nullptr ? nullptr : symbols_->ForInstrument(instrument);
  if (sym == nullptr) return 0;
  char cid[venues::kClientIdTextMax];
  const std::string_view cid_s(cid, venues::FormatClientId(id, cid));
  const Param ps[] = {{"origClientOrderId", cid_s, true}, {"symbol", sym->symbol, true}};
  return EncodeSigned(kCancelPrefix, id.value, kMethodOrderCancel, ps, 2, ts, out, cap);
}

size_t OrderEncoder::EncodeCancelAll(InstrumentId instrument, int64_t ts, char* out, size_t cap) const noexcept {
  const venues::SymbolInfo* sym = symbols_ == nullptr ? nullptr : symbols_->ForInstrument(instrument);
  if (sym == nullptr) return 0;
  const Param ps[] = {{"symbol", sym->symbol, true}};
  return EncodeSigned(kCancelAllPrefix, instrument.value, kMethodCancelAll, ps, 1, ts, out, cap);
}

size_t OrderEncoder::EncodeQuery(ClientOrderId id, InstrumentId instrument, int64_t ts, char* out,
                                 size_t cap) const noexcept {
  const venues::SymbolInfo* sym = symbols_ == nullptr ? nullptr : symbols_->ForInstrument(instrument);
  if (sym == nullptr) return 0;
  char cid[venues::kClientIdTextMax];
  const std::string_view cid_s(cid, venues::FormatClientId(id, cid));
  const Param ps[] = {{"origClientOrderId", cid_s, true}, {"symbol", sym->symbol, true}};
  return EncodeSigned(kQueryPrefix, id.value, kMethodOrderStatus, ps, 2, ts, out, cap);
}

size_t OrderEncoder::EncodeTrades(ClientOrderId id, InstrumentId instrument, uint64_t order_id, int64_t ts, char* out,
                                  size_t cap) const noexcept {
  const venues::SymbolInfo* sym = symbols_ == nullptr ? nullptr : symbols_->ForInstrument(instrument);
  if (sym == nullptr) return 0;
  char oid[20];
  const std::string_view oid_s(oid, static_cast<size_t>(venues::U64ToChars(order_id, oid)));
  const Param ps[] = {{"orderId", oid_s, false}, {"symbol", sym->symbol, true}};
  return EncodeSigned(kTradesPrefix, id.value, kMethodMyTrades, ps, 2, ts, out, cap);
}

size_t OrderEncoder::EncodeListOpen(InstrumentId instrument, int64_t ts, char* out, size_t cap) const noexcept {
  const venues::SymbolInfo* sym = symbols_ == nullptr ? nullptr : symbols_->ForInstrument(instrument);
  if (sym == nullptr) return 0;
  const Param ps[] = {{"symbol", sym->symbol, true}};
  return EncodeSigned(kListPrefix, instrument.value, kMethodOpenOrdersStatus, ps, 1, ts, out, cap);
}

void Orders::Reject(const OrderIntent& in, RejectReason why) noexcept {
  venues::PublishLocalReject(ctx_, in, why);
}

void Orders::Publish(const ExecReport& ex) noexcept { ctx_.publisher->PublishExec(ex, WallNow()); }

void Orders::OnIntent(const OrderIntent& in) noexcept {
  if (in.query) return Adopt(in);
  if (!ready_) return Reject(in, RejectReason::kNotConnected);
  if (ctx_.publisher->overflowed()) return Reject(in, RejectReason::kBackpressure);
  if (table_.Busy(in.client_id)) return Reject(in, RejectReason::kBackpressure);
  const int64_t now_ns = MonoNow().value;
  if (!budget_.TakeOrder(now_ns)) {
    ctx_.counters->Add(ctx_.counters->rate_limited);
    return Reject(in, RejectReason::kRateLimited);
  }
  const size_t n = encoder_.Encode(in, WallNow().value / 1'000'000, buf_.get(), kBufBytes);
  if (n == 0) return Reject(in, RejectReason::kEncodeFailed);
  // Order bytes are ready: SendOrderFrame closes the tick-to-order interval and sends.
  TscStamp wire;
  if (!venues::SendOrderFrame(ctx_, *ws_, in, std::string_view(buf_.get(), n), &wire)) return;
  table_.Track(in, wire, now_ns);
  PendingOf(in.client_id) = Pending{};
}

void Orders::Adopt(const OrderIntent& in) noexcept {
  if (table_.Busy(in.client_id)) return Reject(in, RejectReason::kBackpressure);
  table_.Adopt(in, MonoNow().value);
  PendingOf(in.client_id) = Pending{};
  ctx_.counters->Add(ctx_.counters->unknown_orders);
  if (ready_) Tick();  // its query goes out now; otherwise once the session is ready
}

void Orders::OnWsOrderSent(uint64_t tag, bool sent, TscStamp wire) noexcept {
  venues::InFlightEntry* e = table_.Find(ClientOrderId{tag});
  if (e == nullptr) return;
  if (sent) {
    e->wire = wire;
    return;
  }
  ExecReport r = table_.Base(*e, ctx_.id, TscStamp{});
  r.kind = ExecKind::kRejected;
  r.final = true;
  r.reason = ctx_.kill->halted() ? RejectReason::kHalted : RejectReason::kNotConnected;
  if (r.reason == RejectReason::kHalted) ctx_.counters->Add(ctx_.counters->orders_halted);
  table_.Release(e);
  Publish(r);
}

bool Orders::Cancel(ClientOrderId id) noexcept {
  if (!ws_ || !ws_->is_open()) return false;
  venues::InFlightEntry* e = table_.Find(id);
  if (e == nullptr) return false;
  if (!budget_.TakeCancel(MonoNow().value)) {
    ctx_.counters->Add(ctx_.counters->rate_limited);
    return false;
  }
  char buf[1024];
  const size_t n = encoder_.EncodeCancel(id, e->instrument, WallNow().value / 1'000'000, buf, sizeof buf);
  if (n == 0 || !ws_->Send(std::string_view(buf, n))) return false;
  e->cancel_sent = true;
  ctx_.counters->Add(ctx_.counters->cancels_sent);
  return true;
}

bool Orders::CancelAll() noexcept {
  if (!ws_ || !ws_->is_open()) return false;
  const int64_t ts = WallNow().value / 1'000'000;
  int written = 0;
  cancel_all_failed_ = false;
  char buf[1024];
  for (const venues::SymbolInfo& sym : symbols_->infos()) {
    (void)budget_.TakeCancel(MonoNow().value);  // charged, never refused: the kill path must go out
    const size_t n = encoder_.EncodeCancelAll(sym.instrument, ts, buf, sizeof buf);
    if (n != 0 && ws_->Send(std::string_view(buf, n))) ++written;
  }
  cancel_all_waiting_ = written;
  ctx_.log->Log(runtime::LogLevel::kWarn, "%s: openOrders.cancelAll sent for %d of %zu symbols",
                ctx_.venue->name.c_str(), written, symbols_->infos().size());
  return written == static_cast<int>(symbols_->infos().size()) && written > 0;
}

void Orders::OnWsMessage(char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept {
  ApiReply r;
  const ParseStatus st = parser_.ParseApiReply(data, len, &r);
  if (st != ParseStatus::kOk) {
    ctx_.counters->Add(ctx_.counters->order_parse_errors);
    if (log_limit_.Allow())
      ctx_.log->Log(runtime::LogLevel::kWarn, "%s: malformed order-session message (%s), %zu bytes",
                    ctx_.venue->name.c_str(), venues::ParseStatusName(st), len);
    return;
  }
  ctx_.counters->Add(ctx_.counters->order_replies);
  if (r.id.substr(0, kAccountIdPrefix.size()) == kAccountIdPrefix) return HandleAccount(r, recv_time);
  if (r.id.size() >= 2) {
    const std::string_view p = r.id.substr(0, 2);
    if (p == kCancelPrefix) return HandleCancelReply(r, recv);
    if (p == kCancelAllPrefix) return HandleCancelAllReply(r, recv);
    if (p == kQueryPrefix) return HandleQueryReply(r, recv);
    if (p == kTradesPrefix) return HandleTradesReply(r, recv);
    if (p == kListPrefix) return HandleListReply(r);
  }
  HandleOrderReply(r, recv, recv_time);
}

void Orders::HandleAccount(const ApiReply& r, Nanos now) noexcept {
  if (r.status != 200 || r.has_error) {
    ctx_.log->Log(runtime::LogLevel::kError, "%s: account.status refused: status %lld code %lld %.*s",
                  ctx_.venue->name.c_str(), static_cast<long long>(r.status), static_cast<long long>(r.error_code),
                  static_cast<int>(r.error_msg.size()), r.error_msg.data());
    return;
  }
  const auto& names = symbols_->asset_names();
  for (size_t a = 0; a < names.size(); ++a) {
    BalanceUpdate b;
    b.venue = ctx_.id;
    b.asset = AssetId{static_cast<uint16_t>(a)};
    for (int i = 0; i < r.balance_count; ++i) {
      if (r.balances[i].asset == names[a]) {
        b.free = r.balances[i].free;
        b.locked = r.balances[i].locked;
        break;
      }
    }
    b.final_of_snapshot = a + 1 == names.size();
    ctx_.publisher->PublishBalance(b, now);
  }
  if (!ready_) {
    ready_ = true;
    ctx_.counters->orders_connected.store(true, std::memory_order_relaxed);
    if (cancel_all_on_connect_ && CancelAll()) {
      // Recovery: before any adopted order is queried, so what the venue holds that the
      // journal does not know of is canceled first.
      cancel_all_on_connect_ = false;
      ctx_.counters->Add(ctx_.counters->cancel_all_sent);
    }
    RequestOpenOrders();
    if (on_state_) on_state_();
    Tick();  // queries of orders a disconnect left unknown go out now
  }
}

void Orders::MakeUnknown(venues::InFlightEntry& e, TscStamp recv) noexcept {
  e.state = venues::InFlightState::kUnknown;
  e.next_query_ns = MonoNow().value;
  ExecReport ex = table_.Base(e, ctx_.id, recv);
  ex.kind = ExecKind::kUnknown;
  ctx_.counters->Add(ctx_.counters->unknown_orders);
  Publish(ex);
}

void Orders::Resolved(venues::InFlightEntry& e, bool was_unknown, bool final) noexcept {
  if (was_unknown) ctx_.counters->Add(ctx_.counters->unknown_resolved);
  if (final) {
    table_.Release(&e);
  } else {
    e.state = venues::InFlightState::kAcked;
    e.queries = 0;
    // An adopted order still open: nothing the core did not decide anew may rest.
    if (e.adopted && !e.cancel_sent) (void)Cancel(e.id);
  }
}

void Orders::HandleOrderReply(const ApiReply& r, TscStamp recv, Nanos now) noexcept {
  (void)now;
  ClientOrderId id;
  venues::InFlightEntry* e = table_.Find(r.id, &id);
  if (e == nullptr) {
    ctx_.counters->Add(ctx_.counters->unknown_messages);
    return;
  }
  const bool was_unknown = e->state == venues::InFlightState::kUnknown;
  if (e->state == venues::InFlightState::kSent) ctx_.counters->order_rtt_ns.Record(TscClock::Elapsed(e->wire, recv));
  if (r.status >= 500) {
    // Outcome unknown: the order may exist. The query settles it.
    if (!was_unknown) MakeUnknown(*e, recv);
    return;
  }
  if (r.has_error || r.status != 200 || !r.has_order) {
    ExecReport ex = table_.Base(*e, ctx_.id, recv);
    ex.kind = ExecKind::kRejected;
    ex.final = true;
    ex.venue_code = static_cast<int32_t>(r.has_error ? r.error_code : r.status);
    if (r.error_code == kErrRateLimit || r.status == 429) {
      ex.reason = RejectReason::kRateLimited;
      budget_.OnVenueLimit(MonoNow().value, kVenueLimitBackoffNs);
      ctx_.counters->Add(ctx_.counters->rate_limited);
    } else {
      ex.reason = RejectReason::kVenue;
    }
    ctx_.counters->Add(ctx_.counters->order_rejects);
    Resolved(*e, was_unknown, true);
    Publish(ex);
    return;
  }
  e->venue_order_id = r.order_id;
  const bool final = IsTerminalStatus(r.order_status);
  if (r.commission_assets_mixed && log_limit_.Allow())
    ctx_.log->Log(runtime::LogLevel::kWarn, "%s: order hs%llu paid commission in several assets",
                  ctx_.venue->name.c_str(), static_cast<unsigned long long>(id.value));
  venues::CumulativeFill c;
  c.cum_qty = r.executed_qty;
  c.cum_quote = r.cum_quote;
  c.cum_fee = r.commission;
  c.fee_asset = symbols_->FindAsset(r.commission_asset);
  c.last_px = r.executed_qty.is_positive() ? AveragePrice(r.cum_quote, r.executed_qty, Rounding::kFloor) : Price();
  ExecReport ex;
  if (table_.FillDelta(*e, c, ctx_.id, recv, final, &ex)) {
    ex.venue_time = Nanos::FromMillis(r.transact_time_ms);
    Resolved(*e, was_unknown, final);
    Publish(ex);
    return;
  }
  if (!final && e->state == venues::InFlightState::kAcked && !was_unknown) return;  // a repeat
  ex = table_.Base(*e, ctx_.id, recv);
  ex.kind = final ? ExecKind::kCanceled : ExecKind::kAck;
  ex.final = final;
  ex.venue_time = Nanos::FromMillis(r.transact_time_ms);
  Resolved(*e, was_unknown, final);
  Publish(ex);
}

venues::InFlightEntry* Orders::TaggedEntry(const ApiReply& r, std::string_view prefix) noexcept {
  uint64_t v = 0;
  if (!ParseTagged(r.id, prefix, &v)) {
    ctx_.counters->Add(ctx_.counters->unknown_messages);
    return nullptr;
  }
  return table_.Find(ClientOrderId{v});
}

void Orders::HandleCancelReply(const ApiReply& r, TscStamp recv) noexcept {
  venues::InFlightEntry* e = TaggedEntry(r, kCancelPrefix);
  if (e == nullptr) return;  // already final
  if (r.has_error || r.status != 200 || !r.has_order) {
    if (log_limit_.Allow())
      ctx_.log->Log(runtime::LogLevel::kWarn, "%s: order.cancel hs%llu refused: code %lld %.*s", ctx_.venue->name.c_str(),
                    static_cast<unsigned long long>(e->id.value), static_cast<long long>(r.error_code),
                    static_cast<int>(r.error_msg.size()), r.error_msg.data());
    // -2011: the venue has no open order by that id (it may have filled): ask for its status.
    if (r.error_code == kErrUnknownOrder && e->state != venues::InFlightState::kUnknown) MakeUnknown(*e, recv);
    return;
  }
  if (r.order_id != 0) e->venue_order_id = r.order_id;
  const bool was_unknown = e->state == venues::InFlightState::kUnknown;
  if (e->reported_qty < r.executed_qty) {
    // It filled before the cancel: the exact commissions come from myTrades.
    Pending& p = PendingOf(e->id);
    p = Pending{true, true, r.executed_qty};
    if (!SendTrades(*e, p) && !was_unknown) MakeUnknown(*e, recv);
    return;
  }
  ExecReport ex = table_.Base(*e, ctx_.id, recv);
  ex.kind = ExecKind::kCanceled;
  ex.final = true;
  Resolved(*e, was_unknown, true);
  Publish(ex);
}

void Orders::HandleCancelAllReply(const ApiReply& r, TscStamp recv) noexcept {
  const bool ok = (r.status == 200 && !r.has_error) || r.error_code == kErrUnknownOrder;  // -2011: nothing open
  if (!ok) {
    cancel_all_failed_ = true;
    ctx_.log->Log(runtime::LogLevel::kError, "%s: openOrders.cancelAll refused: status %lld code %lld %.*s",
                  ctx_.venue->name.c_str(), static_cast<long long>(r.status), static_cast<long long>(r.error_code),
                  static_cast<int>(r.error_msg.size()), r.error_msg.data());
  }
  // Our orders it canceled may have filled first: their query books the exact outcome.
  for (int i = 0; i < r.client_id_count; ++i) {
    ClientOrderId id;
    venues::InFlightEntry* e = table_.Find(r.client_ids[i], &id);
    if (e != nullptr && e->state != venues::InFlightState::kUnknown) MakeUnknown(*e, recv);
  }
  if (cancel_all_waiting_ > 0 && --cancel_all_waiting_ == 0 && !cancel_all_failed_)
    ctx_.counters->Add(ctx_.counters->cancel_all_confirmed);
}

bool Orders::SendQuery(venues::InFlightEntry& e) noexcept {
  if (!ready_) return false;
  char buf[1024];
  const size_t n = encoder_.EncodeQuery(e.id, e.instrument, WallNow().value / 1'000'000, buf, sizeof buf);
  if (n == 0 || !ws_->Send(std::string_view(buf, n))) return false;
  ctx_.counters->Add(ctx_.counters->order_queries);
  return true;
}

bool Orders::SendTrades(venues::InFlightEntry& e, const Pending& p) noexcept {
  (void)p;
  if (!ready_ || e.venue_order_id == 0) return false;
  char buf[1024];
  const size_t n =
      encoder_.EncodeTrades(e.id, e.instrument, e.venue_order_id, WallNow().value / 1'000'000, buf, sizeof buf);
  return n != 0 && ws_->Send(std::string_view(buf, n));
}

void Orders::HandleQueryReply(const ApiReply& r, TscStamp recv) noexcept {
  venues::InFlightEntry* e = TaggedEntry(r, kQueryPrefix);
  if (e == nullptr) return;  // settled meanwhile (a late reply)
  const bool was_unknown = e->state == venues::InFlightState::kUnknown;
  if (r.has_error || r.status != 200 || !r.has_order) {
    if (r.error_code != kErrNoSuchOrder) return;  // transient: the next due query retries
    ExecReport ex = table_.Base(*e, ctx_.id, recv);
    ex.kind = ExecKind::kRejected;
    ex.final = true;
    ex.reason = RejectReason::kNotFound;
    ex.venue_code = static_cast<int32_t>(r.error_code);
    Resolved(*e, was_unknown, true);
    Publish(ex);
    return;
  }
  if (r.order_id != 0) e->venue_order_id = r.order_id;
  const bool final = IsTerminalStatus(r.order_status);
  if (e->reported_qty < r.executed_qty) {
    Pending& p = PendingOf(e->id);
    p = Pending{final, final, r.executed_qty};
    (void)SendTrades(*e, p);  // not sent: the next due query tries again
    return;
  }
  if (!final && !StillOpen(r.order_status)) return;  // a status we do not know: ask again later
  ExecReport ex = table_.Base(*e, ctx_.id, recv);
  if (final) {
    ex.kind = ExecKind::kCanceled;
    ex.final = true;
  } else {
    ex.kind = ExecKind::kAck;
  }
  Resolved(*e, was_unknown, final);
  Publish(ex);
}

void Orders::HandleTradesReply(const ApiReply& r, TscStamp recv) noexcept {
  venues::InFlightEntry* e = TaggedEntry(r, kTradesPrefix);
  if (e == nullptr || r.has_error || r.status != 200 || !r.result_array) return;
  const Pending& p = PendingOf(e->id);
  // The trades must add up to what order.status said; otherwise the venue is still catching
  // up and the next query asks again.
  if (r.trades_qty != p.executed) {
    if (e->state != venues::InFlightState::kUnknown) MakeUnknown(*e, recv);
    return;
  }
  if (r.commission_assets_mixed && log_limit_.Allow())
    ctx_.log->Log(runtime::LogLevel::kWarn, "%s: order hs%llu paid commission in several assets",
                  ctx_.venue->name.c_str(), static_cast<unsigned long long>(e->id.value));
  const bool was_unknown = e->state == venues::InFlightState::kUnknown;
  venues::CumulativeFill c;
  c.cum_qty = r.trades_qty;
  c.cum_quote = r.trades_quote;
  c.cum_fee = r.commission;
  c.fee_asset = symbols_->FindAsset(r.commission_asset);
  c.last_px = AveragePrice(r.trades_quote, r.trades_qty, Rounding::kFloor);
  ExecReport ex;
  if (table_.FillDelta(*e, c, ctx_.id, recv, p.final, &ex)) {
    Resolved(*e, was_unknown, p.final);
    Publish(ex);
    return;
  }
  if (!p.final) return;
  // Everything was reported meanwhile (a late reply): the order is done.
  ex = table_.Base(*e, ctx_.id, recv);
  ex.kind = ExecKind::kCanceled;
  ex.final = true;
  Resolved(*e, was_unknown, true);
  Publish(ex);
}

void Orders::HandleListReply(const ApiReply& r) noexcept {
  ++list_replies_;
  if (r.has_error || r.status != 200) {
    ctx_.log->Log(runtime::LogLevel::kWarn, "%s: openOrders.status refused: code %lld", ctx_.venue->name.c_str(),
                  static_cast<long long>(r.error_code));
    return;
  }
  int untracked = 0;
  for (int i = 0; i < r.client_id_count; ++i) {
    ClientOrderId id;
    if (table_.Find(r.client_ids[i], &id) == nullptr) ++untracked;
  }
  untracked += r.item_count - r.client_id_count;  // beyond what the parser keeps
  untracked_open_ += untracked;
  ctx_.log->Log(untracked > 0 ? runtime::LogLevel::kWarn : runtime::LogLevel::kInfo,
                "%s: %d open orders on %.*s, %d not tracked by this session", ctx_.venue->name.c_str(), r.item_count,
                static_cast<int>(r.id.size()), r.id.data(), untracked);
}

void Orders::RequestOpenOrders() noexcept {
  untracked_open_ = 0;
  const int64_t ts = WallNow().value / 1'000'000;
  for (const venues::SymbolInfo& sym : symbols_->infos()) {
    const size_t n = encoder_.EncodeListOpen(sym.instrument, ts, buf_.get(), kBufBytes);
    if (n == 0 || !ws_->Send(std::string_view(buf_.get(), n)))
      ctx_.log->Log(runtime::LogLevel::kWarn, "%s: could not send openOrders.status", ctx_.venue->name.c_str());
  }
}

void Orders::Tick() noexcept {
  const int64_t now = MonoNow().value;
  table_.ExpireAcks(ctx_.id, TscStamp{}, now, policy_, [this](const ExecReport& ex) {
    ctx_.counters->Add(ctx_.counters->unknown_orders);
    Publish(ex);
  });
  if (ready_) {
    table_.DueQueries(now, policy_, [this](venues::InFlightEntry& e) { return SendQuery(e); });
    // Adopted orders found open whose cancel could not go out at once (budget, socket).
    table_.CancelAdoptedOpen([this](venues::InFlightEntry& e) { return Cancel(e.id); });
  }
}

void Orders::OnWsClosed(std::string_view reason) noexcept {
  (void)reason;
  ready_ = false;
  ctx_.counters->orders_connected.store(false, std::memory_order_relaxed);
  // Orders without a final report have an unknown outcome now; queried after the reconnect.
  table_.MarkAllUnknown(ctx_.id, TscStamp{}, MonoNow().value, [this](const ExecReport& ex) {
    ctx_.counters->Add(ctx_.counters->unknown_orders);
    Publish(ex);
  });
  cancel_all_waiting_ = 0;
  if (on_state_) on_state_();
}

}  // namespace hs::binance
