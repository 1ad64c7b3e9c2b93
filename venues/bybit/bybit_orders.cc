#include "venues/bybit/bybit_orders.h"

#include <algorithm>

#include "core/base/decimal.h"
#include "venues/bybit/bybit_wire.h"
#include "venues/common/http_client.h"
#include "venues/common/text_writer.h"
#include "venues/common/url.h"
#include "venues/common/order_path.h"
#include "venues/common/order_session.h"

namespace hs::bybit {

namespace {
constexpr size_t kBufBytes = 4096;
constexpr std::string_view kPing = R"({"op":"ping"})";
constexpr int64_t kRetServerError = 10016;  // "server error": the order's fate is unknown
constexpr int64_t kRetRateLimit = 10006;    // "Too many visits!"
constexpr int64_t kRateBackoffNs = 1'000'000'000;
constexpr int64_t kSweepMs = 100;
constexpr int64_t kSettingsRetryNs = 1'000'000'000;  // margin settings without an answer: asked again
constexpr std::string_view kPrivateSubscribe = R"({"op":"subscribe","args":["order","execution","wallet"],"req_id":"priv"})";
constexpr std::string_view kPrivateSubscribeDcp =
    R"({"op":"subscribe","args":["order","execution","wallet","dcp.spot"],"req_id":"priv"})";
constexpr std::string_view kPrivateSubscribeLinear =
    R"({"op":"subscribe","args":["order","execution","wallet","position"],"req_id":"priv"})";
constexpr std::string_view kPrivateSubscribeLinearDcp =
    R"({"op":"subscribe","args":["order","execution","wallet","position","dcp.future"],"req_id":"priv"})";
constexpr int64_t kRetOrderNotExists = 170213;  // order.cancel: "Order does not exist." (spot)
constexpr int64_t kRetOrderNotExistsLinear = 110001;  // the same on derivatives

bool IsPerp(const venues::SymbolInfo& s) noexcept { return s.market == config::MarketKind::kPerpetual; }

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
  const std::string_view tif = in.tif == TimeInForce::kIoc   ? "IOC"
                               : in.tif == TimeInForce::kFok ? "FOK"
                               : in.post_only                ? "PostOnly"
                                                             : "GTC";
  const bool linear = IsPerp(*sym);
  // Worst case: fixed text (< 360 bytes with the linear keys) plus every variable piece.
  const size_t worst = 360 + sym->symbol.size() + 2 * cid_s.size() + ts_s.size() + px_s.size() + qty_s.size();
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
  w = Put(w, linear ? R"(","category":"linear","timeInForce":")" : R"(","category":"spot","timeInForce":")");
  w = Put(w, tif);
  if (linear) {
    // One-way mode (positionIdx 0); qty is in the base coin on linear, as in the engine.
    w = Put(w, R"(","positionIdx":0)");
    if (in.reduce_only) w = Put(w, R"(,"reduceOnly":true)");
    w = Put(w, R"(,"orderLinkId":"hs)");
  } else {
    w = Put(w, R"(","orderLinkId":"hs)");
  }
  w = Put(w, cid_s);
  w = Put(w, R"("}]})");
  return static_cast<size_t>(w - out);
}

size_t OrderEncoder::EncodeCancel(ClientOrderId id, InstrumentId instrument, int64_t ts, char* out,
                                  size_t cap) const noexcept {
  if (symbols_ == nullptr || ts < 0) return 0;
  const venues::SymbolInfo* sym = symbols_->ForInstrument(instrument);
  if (sym == nullptr) return 0;
  char cid[venues::kClientIdTextMax];
  const std::string_view cid_s(cid, venues::FormatClientId(id, cid));
  venues::TextWriter w(out, cap);
  w.Str(R"({"reqId":"c)").Str(cid_s.substr(2)).Str(R"(","header":{"X-BAPI-TIMESTAMP":")").I64(ts);
  w.Str(R"(","X-BAPI-RECV-WINDOW":")").Str(kRecvWindow);
  w.Str(R"("},"op":"order.cancel","args":[{"category":")").Str(IsPerp(*sym) ? "linear" : "spot");
  w.Str(R"(","symbol":")").Str(sym->symbol);
  w.Str(R"(","orderLinkId":")").Str(cid_s).Str(R"("}]})");
  return w.ok() ? w.size() : 0;
}

bool OrderEncoder::SignRestInto(int64_t ts, std::string_view recv_window, std::string_view payload,
                                char* out) const noexcept {
  char msg[2048];
  venues::TextWriter w(msg, sizeof msg);
  w.I64(ts).Str(api_key_).Str(recv_window).Str(payload);
  if (!w.ok()) return false;
  hmac_.SignHex(msg, w.size(), out);
  return true;
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

void OrderTracker::Track(const OrderIntent& in, TscStamp wire, int64_t now_ns) noexcept {
  table_.Track(in, wire, now_ns);
  Extra& x = ExtraOf(in.client_id);
  x = Extra{};
  x.last_id = in.client_id;
  x.used = true;
}

void OrderTracker::Adopt(const OrderIntent& in, int64_t now_ns) noexcept {
  table_.Adopt(in, now_ns);
  Extra& x = ExtraOf(in.client_id);
  x = Extra{};
  x.last_id = in.client_id;
  x.used = true;
  counters_->Add(counters_->unknown_orders);
}

void OrderTracker::Release(venues::InFlightEntry* e) noexcept {
  Extra& x = ExtraOf(e->id);
  x.terminal_seen = false;
  x.acked = false;
  x.final_cum = Qty::Zero();
  table_.Release(e);
}

void OrderTracker::Heard(venues::InFlightEntry* e) noexcept {
  if (e->state == venues::InFlightState::kUnknown) counters_->Add(counters_->unknown_resolved);
  e->state = venues::InFlightState::kAcked;
}

AssetId OrderTracker::ReceivedAsset(const venues::InFlightEntry& e) const noexcept {
  const venues::SymbolInfo* sym = symbols_->ForInstrument(e.instrument);
  if (sym == nullptr) return AssetId{};
  if (IsPerp(*sym)) return sym->quote;  // linear: fees in the settle coin
  return e.side == Side::kBuy ? sym->base : sym->quote;  // spot charges the fee in the asset received
}

void OrderTracker::OnSent(ClientOrderId id, bool sent, TscStamp wire, bool halted) noexcept {
  venues::InFlightEntry* e = table_.Find(id);
  if (e == nullptr) return;
  if (sent) {
    e->wire = wire;
    return;
  }
  ExecReport r = table_.Base(*e, venue_, TscNow());
  r.kind = ExecKind::kRejected;
  r.final = true;
  r.reason = halted ? RejectReason::kHalted : RejectReason::kNotConnected;
  if (halted) counters_->Add(counters_->orders_halted);
  Release(e);
  pub_->PublishExec(r, WallNow());
}

OrderTracker::Outcome OrderTracker::OnOrderReply(const AccountMsg& m, TscStamp recv, Nanos now,
                                                 bool* rate_limited) noexcept {
  ClientOrderId id;
  venues::InFlightEntry* e = table_.Find(m.req_id, &id);
  if (e == nullptr) e = table_.Find(m.order_link_id, &id);
  if (e == nullptr) return Closed(m.req_id) || Closed(m.order_link_id) ? Outcome::kHandled : Outcome::kUnknownOrder;
  counters_->order_rtt_ns.Record(TscClock::Elapsed(e->wire, recv));
  if (e->venue_order_id == 0) e->venue_order_id = DigitsToU64(m.order_id);
  ExecReport ex = table_.Base(*e, venue_, recv);
  if (m.ret_code == kRetServerError) {
    // The venue could not say whether it took the order: unknown until the private stream
    // or a query tells. The order stays in flight.
    if (e->state != venues::InFlightState::kUnknown) {
      e->state = venues::InFlightState::kUnknown;
      e->next_query_ns = MonoNow().value;
      counters_->Add(counters_->unknown_orders);
    }
    ex.kind = ExecKind::kUnknown;
    ex.venue_code = static_cast<int32_t>(m.ret_code);
    pub_->PublishExec(ex, now);
    return Outcome::kHandled;
  }
  if (m.ret_code != 0) {
    if (e->reported_qty.is_positive()) return Outcome::kAnomaly;  // refused, yet fills were reported
    if (e->state == venues::InFlightState::kUnknown) counters_->Add(counters_->unknown_resolved);
    ex.kind = ExecKind::kRejected;
    ex.final = true;
    ex.venue_code = static_cast<int32_t>(m.ret_code);
    if (m.ret_code == kRetRateLimit) {
      ex.reason = RejectReason::kRateLimited;
      counters_->Add(counters_->rate_limited);
      if (rate_limited != nullptr) *rate_limited = true;
    } else {
      ex.reason = RejectReason::kVenue;
      counters_->Add(counters_->order_rejects);
    }
    Release(e);
    pub_->PublishExec(ex, now);
    return Outcome::kHandled;
  }
  // Accepted: an ack unless the core heard more already (a fill).
  Heard(e);
  Extra& x = ExtraOf(e->id);
  if (x.acked || e->reported_qty.is_positive()) return Outcome::kHandled;
  x.acked = true;
  ex.kind = ExecKind::kAck;
  pub_->PublishExec(ex, now);
  return Outcome::kHandled;
}

OrderTracker::Outcome OrderTracker::OnExecution(const Execution& x, TscStamp recv, Nanos now) noexcept {
  ClientOrderId id;
  venues::InFlightEntry* e = table_.Find(x.order_link_id, &id);
  if (e == nullptr) {
    // Not live: a fill for one of ours that closed already (a repeat changes nothing: flagged
    // only when it would add to what was reported) or for an order that is not ours.
    return Closed(x.order_link_id) ? Outcome::kAnomaly : Outcome::kUnknownOrder;
  }
  if (e->venue_order_id == 0) e->venue_order_id = DigitsToU64(x.order_id);
  Heard(e);
  // Cumulative filled quantity after this execution.
  const Qty cum = x.has_leaves_qty ? e->qty - x.leaves_qty : e->reported_qty + x.exec_qty;
  if (!(e->reported_qty < cum)) return Outcome::kHandled;  // a repeat: already reported
  if (cum - e->reported_qty != x.exec_qty) {
    // An execution before an earlier one: its step is not this execution alone. The order
    // push (or a query) carries the cumulative quote and fee.
    return Outcome::kHandled;
  }
  venues::CumulativeFill c;
  c.cum_qty = cum;
  // The quote exchanged, exactly as the venue books it: price × qty rounded down to 10^-9 (a
  // linear fill: execValue, the notional the venue reports).
  const venues::SymbolInfo* sym = symbols_->ForInstrument(e->instrument);
  const bool venue_value = sym != nullptr && IsPerp(*sym) && x.has_exec_value;
  c.cum_quote = e->reported_quote +
                (venue_value ? x.exec_value : AmountFromNotional(MulNotional(x.exec_price, x.exec_qty, Rounding::kFloor)));
  c.cum_fee = e->reported_fee + x.exec_fee;
  c.fee_asset = x.fee_currency.empty() ? ReceivedAsset(*e) : symbols_->FindAsset(x.fee_currency);
  c.last_px = x.exec_price;
  const Extra& xt = ExtraOf(e->id);
  const bool done = cum >= e->qty || (xt.terminal_seen && cum >= xt.final_cum);
  ExecReport ex;
  if (!table_.FillDelta(*e, c, venue_, recv, done, &ex)) return Outcome::kHandled;
  ex.venue_time = Nanos::FromMillis(x.exec_time_ms);
  if (done) Release(e);
  pub_->PublishExec(ex, now);
  return Outcome::kHandled;
}

void OrderTracker::ApplyCumulative(venues::InFlightEntry* e, const OrderUpdate& o, bool terminal, TscStamp recv,
                                   Nanos now) noexcept {
  venues::CumulativeFill c;
  c.cum_qty = o.cum_exec_qty;
  c.cum_quote = o.cum_exec_value;
  c.cum_fee = o.cum_exec_fee;
  c.fee_asset = o.fee_currency.empty() ? ReceivedAsset(*e) : symbols_->FindAsset(o.fee_currency);
  c.last_px = o.avg_price;
  ExecReport ex;
  const bool filled = o.cum_exec_qty >= e->qty;
  if (table_.FillDelta(*e, c, venue_, recv, terminal && filled, &ex)) {
    if (terminal && filled) {
      Release(e);
      pub_->PublishExec(ex, now);
      return;
    }
    pub_->PublishExec(ex, now);
  }
  if (!terminal) return;
  ExecReport end = table_.Base(*e, venue_, recv);
  end.final = true;
  if (o.status == OrderStatus::kRejected && e->reported_qty.is_zero()) {
    end.kind = ExecKind::kRejected;
    end.reason = RejectReason::kVenue;
    counters_->Add(counters_->order_rejects);
  } else {
    end.kind = ExecKind::kCanceled;  // done with no further fill (IOC remainder, canceled GTC)
  }
  Release(e);
  pub_->PublishExec(end, now);
}

OrderTracker::Outcome OrderTracker::OnOrderUpdate(const OrderUpdate& o, TscStamp recv, Nanos now) noexcept {
  ClientOrderId id;
  venues::InFlightEntry* e = table_.Find(o.order_link_id, &id);
  if (e == nullptr) return Closed(o.order_link_id) ? Outcome::kHandled : Outcome::kUnknownOrder;  // closed already
  if (e->venue_order_id == 0) e->venue_order_id = DigitsToU64(o.order_id);
  Heard(e);
  const bool terminal = IsTerminal(o.status);
  if (o.has_cum_value) {
    ApplyCumulative(e, o, terminal, recv, now);
    return Outcome::kHandled;
  }
  if (!terminal) return Outcome::kHandled;
  if (e->reported_qty < o.cum_exec_qty) {
    // Executions still on their way: the one that completes cumExecQty closes the order.
    Extra& xt = ExtraOf(e->id);
    xt.terminal_seen = true;
    xt.final_cum = o.cum_exec_qty;
    return Outcome::kHandled;
  }
  ApplyCumulative(e, o, true, recv, now);
  return Outcome::kHandled;
}

OrderTracker::Outcome OrderTracker::OnQueryAnswer(ClientOrderId id, bool found, const OrderUpdate& o, TscStamp recv,
                                                  Nanos now) noexcept {
  venues::InFlightEntry* e = table_.Find(id);
  if (e == nullptr) return Outcome::kHandled;  // resolved meanwhile by the private stream
  const bool was_unknown = e->state == venues::InFlightState::kUnknown;
  if (!found) {
    if (e->reported_qty.is_positive()) return Outcome::kAnomaly;  // fills reported, yet no order
    if (was_unknown) counters_->Add(counters_->unknown_resolved);
    ExecReport ex = table_.Base(*e, venue_, recv);
    ex.kind = ExecKind::kRejected;
    ex.final = true;
    ex.reason = RejectReason::kNotFound;
    Release(e);
    pub_->PublishExec(ex, now);
    return Outcome::kHandled;
  }
  if (e->venue_order_id == 0) e->venue_order_id = DigitsToU64(o.order_id);
  Heard(e);
  const bool terminal = IsTerminal(o.status);
  ApplyCumulative(e, o, terminal, recv, now);
  if (terminal) return Outcome::kHandled;
  // Still open (a GTC resting): the core learns it is live, once.
  Extra& x = ExtraOf(id);
  if (!x.acked && e->reported_qty.is_zero()) {
    x.acked = true;
    ExecReport ack = table_.Base(*e, venue_, recv);
    ack.kind = ExecKind::kAck;
    pub_->PublishExec(ack, now);
  }
  return Outcome::kHandled;
}

int OrderTracker::OnDisconnect(Nanos now, int64_t now_ns) noexcept {
  const int n = table_.MarkAllUnknown(venue_, TscNow(), now_ns, [&](const ExecReport& ex) { pub_->PublishExec(ex, now); });
  counters_->Add(counters_->unknown_orders, static_cast<uint64_t>(n));
  return n;
}

int OrderTracker::ExpireAcks(int64_t now_ns, const venues::QueryPolicy& p, Nanos now) noexcept {
  const int n = table_.ExpireAcks(venue_, TscNow(), now_ns, p, [&](const ExecReport& ex) { pub_->PublishExec(ex, now); });
  counters_->Add(counters_->unknown_orders, static_cast<uint64_t>(n));
  return n;
}

// ---- Orders ----

namespace {
// A REST body parsed with the session's parser; false (and *why) when it is not usable.
bool ParseRest(Parser& parser, std::string& body, AccountMsg* m, ParseStatus* st) {
  const size_t len = body.size();
  body.append(venues::kWsPadding, '\0');
  *st = parser.ParseAccount(body.data(), len, m);
  return *st == ParseStatus::kOk && m->has_ret_code;
}
}  // namespace


Orders::Orders(venues::VenueContext ctx, const venues::SymbolTable* symbols, std::function<void()> on_state)
    : ctx_(ctx),
      symbols_(symbols),
      on_state_(std::move(on_state)),
      tracker_(ctx.id, symbols, ctx.publisher, ctx.counters),
      buf_(std::make_unique<char[]>(kBufBytes)) {
  perp_ = ctx_.venue != nullptr && ctx_.venue->perp();
  if (perp_ && !symbols_->infos().empty()) settle_asset_ = symbols_->infos().front().quote;
}

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
  if (perp_) {
    for (const config::VenueSymbolConfig& s : v.symbols)
      if (s.contract_size != Qty::FromUnits(1))
        return absl::InvalidArgumentError("venue " + v.name + ": " + s.symbol +
                                          " has a contract size other than 1; Bybit linear counts qty in the base coin");
    const venues::SymbolInfo& first = symbols_->infos().front();
    for (const venues::SymbolInfo& si : symbols_->infos())
      if (si.quote != settle_asset_)
        return absl::InvalidArgumentError("venue " + v.name + ": perpetuals settle in " + first.quote_name + " and " +
                                          si.quote_name + "; one settle coin per venue");
  }
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
  sweep_timer_ = std::make_unique<venues::Timer>(*ctx_.ioc);
  config::OrderRate rate{v.order_rate, v.order_rate_window_ms};
  if (rate.orders <= 0 || rate.window_ms <= 0) rate = config::DefaultOrderRate(v.kind);
  budget_.Reset(rate.orders, rate.window_ms, /*cancel_reserve=*/2);
  if (ctx_.config != nullptr) {
    const config::ExecutionConfig& ex = ctx_.config->execution;
    policy_.ack_timeout_ns = ex.ack_timeout_ms * 1'000'000;
    policy_.first_backoff_ns = ex.query_backoff_ms * 1'000'000;
    policy_.max_queries = static_cast<int>(ex.query_attempts);
  }
  return absl::OkStatus();
}

void Orders::Start() noexcept {
  trade_ws_->Start();
  private_ws_->Start();
  SchedulePing();
  ScheduleSweep();
}

void Orders::Stop() noexcept {
  if (ping_timer_) ping_timer_->Cancel();
  if (sweep_timer_) sweep_timer_->Cancel();
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
  const bool ready = trade_authed_ && private_authed_ && private_subscribed_ && wallet_known_ && (!perp_ || settings_ok_);
  if (ready == ready_) return;
  ready_ = ready;
  ctx_.counters->orders_connected.store(ready, std::memory_order_relaxed);
  if (ready) ctx_.log->Log(runtime::LogLevel::kInfo, "%s: order sessions ready", ctx_.venue->name.c_str());
  if (on_state_) on_state_();
  if (ready && cancel_all_on_connect_ && CancelAll()) {
    // Recovery: what the venue holds that the journal does not know of goes first; the
    // queries of adopted orders wait for the answer (CancelAll's callback sweeps again).
    cancel_all_on_connect_ = false;
    hold_queries_ = true;
    ctx_.counters->Add(ctx_.counters->cancel_all_sent);
  }
  if (ready) Sweep();  // queries of orders a disconnect left unknown go out now
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
  MarkAllUnknown();
  UpdateReady();
}

void Orders::MarkAllUnknown() noexcept {
  const int n = tracker_.OnDisconnect(WallNow());
  if (n > 0)
    ctx_.log->Log(runtime::LogLevel::kWarn, "%s: session dropped with %d order(s) in flight: outcome unknown, querying",
                  ctx_.venue->name.c_str(), n);
}

void Orders::OnWsMessage(char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept {
  AccountMsg m;
  const ParseStatus st = parser_.ParseAccount(data, len, &m);
  if (st != ParseStatus::kOk) return CountBad("trade-session", st, len);
  ctx_.counters->Add(ctx_.counters->order_replies);
  switch (m.kind) {
    case AccountKind::kOrderReply: {
      if (m.op == kOpOrderCancel) return OnCancelReply(m);
      bool limited = false;
      Note(tracker_.OnOrderReply(m, recv, recv_time, &limited));
      if (limited) budget_.OnVenueLimit(MonoNow().value, kRateBackoffNs);
      return;
    }
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
  dcp_subscribed_ = false;
  // Fills of orders in flight could be missed now: their outcome is unknown.
  MarkAllUnknown();
  UpdateReady();
}

void Orders::OnPrivateMessage(const char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept {
  AccountMsg m;
  const ParseStatus st = parser_.ParseAccount(data, len, &m);
  if (st != ParseStatus::kOk) return CountBad("private-stream", st, len);
  switch (m.kind) {
    case AccountKind::kExecution:
      for (int i = 0; i < m.execution_count; ++i) {
        // A funding settlement is an execution of no order: never a fill.
        if (perp_ && m.executions[i].funding()) {
          HandleFunding(m.executions[i], recv_time);
          continue;
        }
        Note(tracker_.OnExecution(m.executions[i], recv, recv_time));
      }
      return;
    case AccountKind::kPosition:
      for (int i = 0; i < m.position_count; ++i) HandlePosition(m.positions[i], recv_time);
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
      if (!private_ws_->Send(perp_ ? (ctx_.venue->dead_man_s > 0 ? kPrivateSubscribeLinearDcp : kPrivateSubscribeLinear)
                                   : (ctx_.venue->dead_man_s > 0 ? kPrivateSubscribeDcp : kPrivateSubscribe)))
        ctx_.log->Log(runtime::LogLevel::kWarn, "%s: could not subscribe the private topics", ctx_.venue->name.c_str());
      return;
    case AccountKind::kSubscribeReply:
      if (!m.success) {
        ctx_.log->Log(runtime::LogLevel::kError, "%s: private subscription refused: %.*s", ctx_.venue->name.c_str(),
                      static_cast<int>(m.ret_msg.size()), m.ret_msg.data());
        return;
      }
      private_subscribed_ = true;
      dcp_subscribed_ = ctx_.venue->dead_man_s > 0;
      FetchWallet();
      ListOpenOrders();
      ArmDeadMan();  // on every (re)connect
      if (perp_) ApplySettings();  // margin mode and leverage, before the session is ready
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
  const Coin* settle = nullptr;
  for (size_t a = 0; a < names.size(); ++a) {
    BalanceUpdate b;
    b.venue = ctx_.id;
    b.asset = AssetId{static_cast<uint16_t>(a)};
    for (int i = 0; i < m.coin_count; ++i) {
      const Coin& c = m.coins[i];
      if (c.coin != names[a]) continue;
      if (perp_ && b.asset == settle_asset_) {
        // A perpetual venue's settle coin is margin cash: the wallet balance, nothing locked
        // (what positions and orders hold is in the MarginAccountUpdate below).
        settle = &c;
        b.free = c.has_wallet_balance ? c.wallet_balance : c.free;
        break;
      }
      b.locked = c.has_locked ? c.locked : Amount::Zero();
      b.free = c.has_free ? c.free : c.wallet_balance - b.locked;
      break;
    }
    b.final_of_snapshot = a + 1 == names.size();
    ctx_.publisher->PublishBalance(b, now);
  }
  if (settle != nullptr) {
    MarginAccountUpdate u;
    u.venue = ctx_.id;
    u.asset = settle_asset_;
    u.wallet_balance = settle->has_wallet_balance ? settle->wallet_balance : settle->free;
    u.equity = settle->has_equity ? settle->equity : u.wallet_balance;
    u.initial_margin = settle->total_position_im + settle->total_order_im;
    u.maint_margin = settle->total_position_mm;
    // The account's totalAvailableBalance; without it, what equity leaves after initial margin.
    u.available = m.has_total_available ? m.total_available : u.equity - u.initial_margin;
    u.venue_time = now;
    ctx_.publisher->PublishMarginAccount(u, now);
  }
  if (!wallet_known_) {
    wallet_known_ = true;
    UpdateReady();
  }
}

void Orders::HandlePosition(const PositionItem& p, Nanos now) noexcept {
  const int sym = symbols_->Find(p.symbol, config::MarketKind::kPerpetual);
  if (sym < 0) {
    ctx_.counters->Add(ctx_.counters->unknown_messages);  // a position of a symbol we do not trade
    return;
  }
  PositionUpdate u;
  u.venue = ctx_.id;
  u.instrument = symbols_->infos()[static_cast<size_t>(sym)].instrument;
  // tradeMode is deprecated (always 0 on a unified account): the mode is the one this session set.
  u.mode = ctx_.venue->margin_mode;
  u.liquidated = p.position_status == "Liq" || p.position_status == "Adl";
  u.size = p.side == "Sell" ? Qty::Zero() - p.size : p.size;  // linear sizes are base coin
  u.entry_px = p.entry_px;
  u.mark_px = p.mark_px;
  u.liq_px = p.liq_px;
  u.initial_margin = p.position_im;
  u.maint_margin = p.position_mm;
  u.unrealized_pnl = p.unrealised_pnl;
  u.leverage = p.leverage;
  u.venue_time = Nanos::FromMillis(p.updated_time_ms);
  ctx_.publisher->PublishPosition(u, now);
}

void Orders::HandleFunding(const Execution& x, Nanos now) noexcept {
  const int sym = symbols_->Find(x.symbol, config::MarketKind::kPerpetual);
  if (sym < 0) {
    ctx_.counters->Add(ctx_.counters->unknown_messages);
    return;
  }
  FundingPayment f;
  f.venue = ctx_.id;
  f.instrument = symbols_->infos()[static_cast<size_t>(sym)].instrument;
  f.asset = settle_asset_;
  f.amount = Amount::Zero() - x.exec_fee;  // execFee > 0: the position paid
  f.rate = x.fee_rate;
  f.mark_px = x.exec_price;
  f.size = x.side == "Sell" ? Qty::Zero() - x.exec_qty : x.exec_qty;
  f.venue_time = Nanos::FromMillis(x.exec_time_ms);
  ctx_.publisher->PublishFunding(f, now);
}

void Orders::ApplySettings() noexcept {
  settings_ok_ = false;
  settings_pending_ = 0;
  settings_retry_ns_ = 0;
  if (ctx_.venue->rest_url.empty()) {
    ctx_.log->Log(runtime::LogLevel::kError, "%s: a perpetual venue needs rest_url to set margin mode and leverage",
                  ctx_.venue->name.c_str());
    return;
  }
  const uint64_t gen = private_generation_;
  char lev[kMaxDecimalText];
  FormatDecimal(ctx_.venue->leverage.raw(), Rate::kDecimals, lev);
  const std::string mode(ctx_.venue->margin_mode == MarginMode::kIsolated ? kMarginModeIsolated : kMarginModeCross);
  std::vector<std::pair<std::string_view, std::string>> calls;
  calls.emplace_back(kSetMarginModePath, R"({"setMarginMode":")" + mode + "\"}");
  for (const venues::SymbolInfo& si : symbols_->infos())
    calls.emplace_back(kSetLeveragePath, R"({"category":"linear","symbol":")" + si.symbol + R"(","buyLeverage":")" +
                                             lev + R"(","sellLeverage":")" + lev + "\"}");
  settings_pending_ = static_cast<int>(calls.size());
  for (auto& [path, body] : calls) {
    const bool leverage = path == kSetLeveragePath;
    std::string what = leverage ? "set-leverage " + body : "set-margin-mode " + mode;
    SignedRest("POST", path, "", body, [this, gen, leverage, what](venues::HttpResponse r) {
      if (gen != private_generation_) return;  // a reconnect sets them again
      AccountMsg m;
      ParseStatus st = ParseStatus::kOk;
      const bool parsed = r.status == 200 && ParseRest(parser_, r.body, &m, &st);
      // Leverage already at the value asked: 110043 "leverage not modified" is success.
      if (parsed && (m.ret_code == 0 || (leverage && m.ret_code == kRetLeverageNotModified))) {
        if (--settings_pending_ == 0 && !settings_refused_ && settings_retry_ns_ == 0) {  // none went unanswered
          settings_ok_ = true;
          ctx_.log->Log(runtime::LogLevel::kInfo, "%s: margin mode %s and leverage %s set", ctx_.venue->name.c_str(),
                        MarginModeName(ctx_.venue->margin_mode), FormatLeverage().c_str());
          UpdateReady();
        }
        return;
      }
      --settings_pending_;
      if (st != ParseStatus::kOk) ctx_.counters->Add(ctx_.counters->order_parse_errors);
      if (!parsed) {
        // No answer from the venue (transport, HTTP error, malformed body): not a refusal. The
        // sweep asks again a second later.
        settings_retry_ns_ = MonoNow().value + kSettingsRetryNs;
        ctx_.log->Log(runtime::LogLevel::kWarn, "%s: %s got no usable answer (HTTP %d, %s); retrying",
                      ctx_.venue->name.c_str(), what.c_str(), r.status, venues::ParseStatusName(st));
        return;
      }
      // Refused: this session does not trade on settings it did not get.
      settings_refused_ = true;
      ctx_.counters->Add(ctx_.counters->order_rejects);
      ctx_.log->Log(runtime::LogLevel::kError, "%s: %s refused (retCode %lld %.*s); not trading",
                    ctx_.venue->name.c_str(), what.c_str(), static_cast<long long>(m.ret_code),
                    static_cast<int>(std::min<size_t>(m.ret_msg.size(), 200)), m.ret_msg.data());
    });
  }
}

std::string Orders::FormatLeverage() const {
  char lev[kMaxDecimalText];
  FormatDecimal(ctx_.venue->leverage.raw(), Rate::kDecimals, lev);
  return lev;
}

void Orders::FetchWallet() noexcept {
  if (ctx_.venue->rest_url.empty()) return;  // the wallet push after the subscription will do
  const uint64_t gen = private_generation_;
  SignedRest("GET", kWalletRestPath, std::string(kWalletRestQuery), "", [this, gen](venues::HttpResponse r) {
    // Only the first snapshot of a session counts here: a later REST body could be older than
    // fills the private stream already reported.
    if (gen != private_generation_ || wallet_known_) return;
    OnWalletAnswer(std::move(r), WallNow());
  });
}

bool Orders::RequestBalances() noexcept {
  if (!ready_ || ctx_.venue->rest_url.empty()) return false;
  const uint64_t gen = private_generation_;
  SignedRest("GET", kWalletRestPath, std::string(kWalletRestQuery), "", [this, gen](venues::HttpResponse r) {
    if (gen != private_generation_) return;  // the private session reconnected meanwhile
    OnWalletAnswer(std::move(r), WallNow());
  });
  return true;
}

bool Orders::OnWalletAnswer(venues::HttpResponse r, Nanos now) noexcept {
  const char* name = ctx_.venue->name.c_str();
  if (r.status != 200) {
    ctx_.log->Log(runtime::LogLevel::kWarn, "%s: wallet-balance query failed (%d: %.120s); nothing published", name,
                  r.status, r.status == 0 ? r.error.c_str() : r.body.c_str());
    return false;
  }
  const size_t len = r.body.size();
  r.body.append(venues::kWsPadding, '\0');
  AccountMsg m;
  ParseStatus st = parser_.ParseAccount(r.body.data(), len, &m);
  if (st == ParseStatus::kOk && !m.has_ret_code) st = ParseStatus::kMissingField;
  if (st == ParseStatus::kOk && m.ret_code != 0) {
    ctx_.log->Log(runtime::LogLevel::kError, "%s: wallet-balance query refused (retCode %lld %.*s); nothing published",
                  name, static_cast<long long>(m.ret_code), static_cast<int>(std::min<size_t>(m.ret_msg.size(), 200)),
                  m.ret_msg.data());
    return false;
  }
  // One account (UNIFIED) in result.list, holding the coins; an empty list is not an empty
  // wallet but an answer without the account.
  if (st == ParseStatus::kOk && (!m.has_list || m.kind != AccountKind::kWallet || m.item_count == 0))
    st = ParseStatus::kMissingField;
  if (st != ParseStatus::kOk) {
    ctx_.counters->Add(ctx_.counters->order_parse_errors);
    ctx_.log->Log(runtime::LogLevel::kError,
                  "%s: wallet-balance answer is malformed (%s, %zu bytes); nothing published", name,
                  venues::ParseStatusName(st), len);
    return false;
  }
  HandleWallet(m, now);
  return true;
}

void Orders::Reject(const OrderIntent& in, RejectReason why) noexcept {
  venues::PublishLocalReject(ctx_, in, why);
}

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
  const int64_t mono = MonoNow().value;
  if (!budget_.TakeOrder(mono)) {
    ctx_.counters->Add(ctx_.counters->rate_limited);
    return Reject(in, RejectReason::kRateLimited);
  }
  const size_t n = encoder_.Encode(in, WallNow().value / 1'000'000, buf_.get(), kBufBytes);
  if (n == 0) return Reject(in, RejectReason::kEncodeFailed);
  // Order bytes are ready: SendOrderFrame closes the tick-to-order interval and sends.
  TscStamp wire;
  if (!venues::SendOrderFrame(ctx_, *trade_ws_, in, std::string_view(buf_.get(), n), &wire)) return;
  tracker_.Track(in, wire, mono);
}

// -- cancels, cancel-all, queries, list, dead man's switch --

bool Orders::Cancel(ClientOrderId id) noexcept {
  venues::InFlightEntry* e = tracker_.table().Find(id);
  if (e == nullptr || !trade_authed_ || !trade_ws_->is_open()) return false;
  if (!budget_.TakeCancel(MonoNow().value)) {
    ctx_.counters->Add(ctx_.counters->rate_limited);
    return false;
  }
  char frame[512];
  const size_t n = encoder_.EncodeCancel(id, e->instrument, WallNow().value / 1'000'000, frame, sizeof frame);
  // Cancels reduce risk: straight onto the socket, never through the kill switch.
  if (n == 0 || !trade_ws_->Send(std::string_view(frame, n))) return false;
  e->cancel_sent = true;
  ctx_.counters->Add(ctx_.counters->cancels_sent);
  return true;
}

void Orders::OnCancelReply(const AccountMsg& m) noexcept {
  if (m.ret_code == 0) return;  // the order push "Cancelled" closes it
  // reqId "c<digits>": the client id the cancel was for.
  ClientOrderId id;
  const bool have = m.req_id.size() > 1 && m.req_id[0] == 'c' &&
                    venues::ParseClientId(std::string("hs").append(m.req_id.substr(1)), &id);
  venues::InFlightEntry* e = have ? tracker_.table().Find(id) : nullptr;
  if (log_limit_.Allow())
    ctx_.log->Log(runtime::LogLevel::kWarn, "%s: cancel %.*s refused: retCode %lld %.*s", ctx_.venue->name.c_str(),
                  static_cast<int>(m.req_id.size()), m.req_id.data(), static_cast<long long>(m.ret_code),
                  static_cast<int>(m.ret_msg.size()), m.ret_msg.data());
  if (e != nullptr && (m.ret_code == kRetOrderNotExists || m.ret_code == kRetOrderNotExistsLinear) && e->state != venues::InFlightState::kUnknown) {
    // The venue does not know it as open: it ended or never arrived. A query settles which.
    e->state = venues::InFlightState::kUnknown;
    e->next_query_ns = MonoNow().value;
    ctx_.counters->Add(ctx_.counters->unknown_orders);
  }
}

void Orders::SignedRest(const char* method, std::string_view path, std::string query, std::string body,
                        std::function<void(venues::HttpResponse)> done) {
  const config::VenueConfig& v = *ctx_.venue;
  const int64_t ts = WallNow().value / 1'000'000;
  const bool get = std::string_view(method) == "GET";
  venues::HttpRequest req;
  req.method = method;
  req.url = venues::JoinUrl(v.rest_url, std::string(path) + (query.empty() ? "" : "?" + query));
  req.headers = {{"X-BAPI-API-KEY", encoder_.api_key()},
                 {"X-BAPI-TIMESTAMP", std::to_string(ts)},
                 {"X-BAPI-RECV-WINDOW", std::string(kRecvWindow)},
                 {"X-BAPI-SIGN", encoder_.SignRest(ts, kRecvWindow, get ? query : body)}};
  if (!get) req.headers.emplace_back("Content-Type", "application/json");
  req.body = std::move(body);
  req.ca_file = ctx_.ca_file;
  venues::HttpFetch(*ctx_.ioc, std::move(req), std::move(done));
}

bool Orders::CancelAll() noexcept {
  if (ctx_.venue->rest_url.empty()) return false;
  SignedRest("POST", kCancelAllRestPath, "", std::string(perp_ ? kCancelAllLinearBody : kCancelAllBody),
             [this](venues::HttpResponse r) {
    if (hold_queries_) {
      // The cancel-all on connect was answered (either way): held queries may go now.
      hold_queries_ = false;
      Sweep();
    }
    AccountMsg m;
    ParseStatus st = ParseStatus::kOk;
    if (r.status == 200 && ParseRest(parser_, r.body, &m, &st) && m.ret_code == 0) {
      ctx_.counters->Add(ctx_.counters->cancel_all_confirmed);
      ctx_.log->Log(runtime::LogLevel::kInfo, "%s: cancel-all confirmed", ctx_.venue->name.c_str());
      return;
    }
    if (st != ParseStatus::kOk) ctx_.counters->Add(ctx_.counters->order_parse_errors);
    ctx_.log->Log(runtime::LogLevel::kError, "%s: cancel-all failed (HTTP %d, %s, retCode %lld)", ctx_.venue->name.c_str(),
                  r.status, venues::ParseStatusName(st), static_cast<long long>(m.ret_code));
  });
  return true;
}

void Orders::ListOpenOrders() noexcept {
  if (ctx_.venue->rest_url.empty()) return;
  const uint64_t gen = private_generation_;
  SignedRest("GET", kRealtimeRestPath, std::string(perp_ ? kOpenOrdersLinearQuery : kOpenOrdersQuery), "",
             [this, gen](venues::HttpResponse r) {
    if (gen != private_generation_) return;
    AccountMsg m;
    ParseStatus st = ParseStatus::kOk;
    if (r.status != 200 || !ParseRest(parser_, r.body, &m, &st) || m.ret_code != 0 || !m.has_list ||
        (m.kind != AccountKind::kOrderList && m.kind != AccountKind::kWallet)) {
      if (st != ParseStatus::kOk) ctx_.counters->Add(ctx_.counters->order_parse_errors);
      ctx_.log->Log(runtime::LogLevel::kWarn, "%s: open-orders list failed (HTTP %d, %s, retCode %lld)",
                    ctx_.venue->name.c_str(), r.status, venues::ParseStatusName(st), static_cast<long long>(m.ret_code));
      return;
    }
    int foreign = 0;
    for (int i = 0; i < m.order_count; ++i) {
      ClientOrderId id;
      if (tracker_.table().Find(m.orders[i].order_link_id, &id) == nullptr) ++foreign;
    }
    foreign_open_ = foreign;
    ctx_.log->Log(foreign > 0 ? runtime::LogLevel::kWarn : runtime::LogLevel::kInfo,
                  "%s: the account has %d open order(s), %d not tracked by this session", ctx_.venue->name.c_str(),
                  m.order_count, foreign);
  });
}

void Orders::ArmDeadMan() noexcept {
  const int window = ctx_.venue->dead_man_s;
  if (window <= 0 || ctx_.venue->rest_url.empty()) return;
  std::string body = std::string(perp_ ? R"({"product":"DERIVATIVES","timeWindow":)" : R"({"product":"SPOT","timeWindow":)") +
                     std::to_string(window) + "}";
  SignedRest("POST", kDcpRestPath, "", std::move(body), [this](venues::HttpResponse r) {
    AccountMsg m;
    ParseStatus st = ParseStatus::kOk;
    if (r.status == 200 && ParseRest(parser_, r.body, &m, &st) && m.ret_code == 0) {
      ctx_.counters->Add(ctx_.counters->dead_man_refreshes);
      return;
    }
    ctx_.log->Log(runtime::LogLevel::kError, "%s: disconnected-cancel-all (DCP) not armed (HTTP %d, %s, retCode %lld)",
                  ctx_.venue->name.c_str(), r.status, venues::ParseStatusName(st), static_cast<long long>(m.ret_code));
  });
}

void Orders::SendQuery(ClientOrderId id) noexcept {
  char cid[venues::kClientIdTextMax];
  const std::string link(cid, venues::FormatClientId(id, cid));
  ctx_.counters->Add(ctx_.counters->order_queries);
  SignedRest("GET", kRealtimeRestPath, (perp_ ? "category=linear&orderLinkId=" : "category=spot&orderLinkId=") + link, "",
             [this, id](venues::HttpResponse r) {
    AccountMsg m;
    ParseStatus st = ParseStatus::kOk;
    if (r.status != 200 || !ParseRest(parser_, r.body, &m, &st) || m.ret_code != 0 || !m.has_list ||
        (m.kind != AccountKind::kOrderList && m.kind != AccountKind::kWallet)) {
      if (st != ParseStatus::kOk) ctx_.counters->Add(ctx_.counters->order_parse_errors);
      if (log_limit_.Allow())
        ctx_.log->Log(runtime::LogLevel::kWarn, "%s: order query hs%llu failed (HTTP %d, %s, retCode %lld); retrying later",
                      ctx_.venue->name.c_str(), static_cast<unsigned long long>(id.value), r.status,
                      venues::ParseStatusName(st), static_cast<long long>(m.ret_code));
      return;
    }
    const OrderUpdate* found = nullptr;
    for (int i = 0; i < m.order_count; ++i) {
      ClientOrderId got;
      if (venues::ParseClientId(m.orders[i].order_link_id, &got) && got == id) found = &m.orders[i];
    }
    Note(tracker_.OnQueryAnswer(id, found != nullptr, found != nullptr ? *found : OrderUpdate{}, TscNow(), WallNow()));
    CancelAdoptedOpen();
  });
}

void Orders::ScheduleSweep() noexcept {
  sweep_timer_->After(kSweepMs, [this] {
    Sweep();
    ScheduleSweep();
  });
}

void Orders::Sweep() noexcept {
  const int64_t now = MonoNow().value;
  // Perpetual settings that got no answer are asked again (all of them: each is idempotent).
  if (perp_ && private_subscribed_ && !settings_ok_ && !settings_refused_ && settings_pending_ == 0 &&
      settings_retry_ns_ != 0 && now >= settings_retry_ns_)
    ApplySettings();
  tracker_.ExpireAcks(now, policy_, WallNow());
  if (!ready_ || ctx_.venue->rest_url.empty() || hold_queries_) return;
  tracker_.table().DueQueries(now, policy_, [this](venues::InFlightEntry& e) {
    SendQuery(e.id);
    return true;
  });
  CancelAdoptedOpen();
}

void Orders::CancelAdoptedOpen() noexcept {
  // Adopted orders a query found open: nothing the core did not decide anew may rest.
  if (ready_) tracker_.table().CancelAdoptedOpen([this](venues::InFlightEntry& e) { return Cancel(e.id); });
}

}  // namespace hs::bybit
