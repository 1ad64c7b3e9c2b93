#include "venues/okx/okx_orders.h"

#include <algorithm>
#include <cstring>

#include "venues/common/text_writer.h"
#include "venues/common/url.h"
#include "venues/common/order_path.h"
#include "venues/okx/okx_wire.h"

namespace hs::okx {

namespace {
constexpr size_t kBufBytes = 4096;
constexpr int64_t kReloginMs = 5'000;

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
  char px[kMaxDecimalText];
  char qty[kMaxDecimalText];
  const int pxn = FormatFixed(in.limit_px, sym->price_decimals, px);
  const int qn = FormatFixed(in.qty, sym->qty_decimals, qty);
  if (pxn < 0 || qn < 0) return 0;  // off the symbol's precision: never round an order
  const std::string_view px_s(px, static_cast<size_t>(pxn));
  const std::string_view qty_s(qty, static_cast<size_t>(qn));
  const std::string_view side = in.side == Side::kBuy ? "buy" : "sell";
  // Worst case: fixed text (< 160 bytes) plus every variable piece.
  const size_t worst = 160 + sym->symbol.size() + 2 * cid_s.size() + px_s.size() + qty_s.size();
  if (cap < worst) return 0;
  char* w = out;
  w = Put(w, "{\"id\":\"hs");
  w = Put(w, cid_s);
  w = Put(w, "\",\"op\":\"order\",\"args\":[{\"instId\":\"");
  w = Put(w, sym->symbol);
  w = Put(w, "\",\"tdMode\":\"cash\",\"side\":\"");
  w = Put(w, side);
  w = Put(w, "\",\"ordType\":\"");
  w = Put(w, OrdType(in.tif));
  w = Put(w, "\",\"px\":\"");
  w = Put(w, px_s);
  w = Put(w, "\",\"sz\":\"");
  w = Put(w, qty_s);
  w = Put(w, "\",\"clOrdId\":\"hs");
  w = Put(w, cid_s);
  w = Put(w, "\"}]}");
  return static_cast<size_t>(w - out);
}

ExecReport OrderTracker::Base(const Slot& s, TscStamp recv) const noexcept {
  ExecReport ex;
  ex.client_id = s.id;
  ex.venue = venue_;
  ex.instrument = s.instrument;
  ex.side = s.side;
  ex.recv_stamp = recv;
  ex.wire_stamp = s.wire;
  return ex;
}

void OrderTracker::Add(const OrderIntent& in, TscStamp wire) noexcept {
  Slot& s = slots_[in.client_id.value % kCapacity];
  s = Slot{true, in.client_id, in.instrument, in.side, Qty::Zero(), Amount::Zero(), wire};
}

void OrderTracker::SetWire(ClientOrderId id, TscStamp wire) noexcept {
  if (Slot* s = Find(id)) s->wire = wire;
}

bool OrderTracker::NotSent(ClientOrderId id, RejectReason why, ExecReport* out) noexcept {
  Slot* s = Find(id);
  if (s == nullptr) return false;
  *out = Base(*s, TscNow());
  out->kind = ExecKind::kRejected;
  out->reason = why;
  out->final = true;
  s->active = false;
  return true;
}

int OrderTracker::active() const noexcept {
  int n = 0;
  for (const Slot& s : slots_) n += s.active ? 1 : 0;
  return n;
}

OrderTracker::Outcome OrderTracker::OnReply(const PrivateMsg& m, TscStamp recv, ExecReport* out, TscStamp* wire) noexcept {
  ClientOrderId id;
  if (!ParseClientId(m.id, &id)) return Outcome::kForeign;
  Slot* s = Find(id);
  if (s == nullptr) return Outcome::kNone;  // already finished by its orders pushes
  *out = Base(*s, recv);
  *wire = s->wire;
  const OrderItem* item = m.order_count > 0 ? &m.orders[0] : nullptr;
  if (m.code != "0" || item == nullptr || item->s_code != "0") {
    // Refused: sCode names the reason when the order itself failed, code otherwise (60013 for a
    // malformed request, with empty data).
    out->kind = ExecKind::kRejected;
    out->reason = RejectReason::kVenue;
    out->venue_code = (item != nullptr && item->s_code != "0") ? CodeValue(item->s_code) : CodeValue(m.code);
    out->final = true;
    s->active = false;
    return Outcome::kReport;
  }
  out->kind = ExecKind::kAck;
  out->venue_order_id = DigitsValue(item->ord_id);
  out->cum_qty = s->reported;
  return Outcome::kReport;
}

OrderTracker::Outcome OrderTracker::OnPush(const OrderItem& item, TscStamp recv, ExecReport* out) noexcept {
  ClientOrderId id;
  if (!ParseClientId(item.cl_ord_id, &id)) return Outcome::kForeign;  // an order this engine did not place
  Slot* s = Find(id);
  if (s == nullptr) return Outcome::kNone;  // finished already, or placed by an earlier session
  ExecReport ex = Base(*s, recv);
  ex.venue_order_id = DigitsValue(item.ord_id);
  ex.venue_time = Nanos::FromMillis(item.u_time_ms);
  ex.final = IsTerminal(item.state);
  const Qty new_qty = item.acc_fill_sz - s->reported;
  if (new_qty.is_positive()) {
    if (!item.has_fill_px) {
      // A fill without a price cannot be booked exactly: its outcome is in doubt.
      ex.kind = ExecKind::kUnknown;
      ex.final = false;
      *out = ex;
      return Outcome::kReport;
    }
    const Amount charged = -item.fee;  // OKX: a negative fee is charged, a positive one a rebate
    ex.kind = ExecKind::kFill;
    ex.fill_qty = new_qty;
    ex.fill_px = item.fill_px;
    // Exactly as the venue (and the simulator) account the fill: price × size, at 10^-9.
    ex.fill_quote = AmountFromNotional(MulNotional(item.fill_px, new_qty, Rounding::kFloor));
    ex.cum_qty = item.acc_fill_sz;
    ex.fee = charged - s->fee_charged;
    ex.fee_asset = symbols_ != nullptr ? symbols_->FindAsset(item.fee_ccy) : AssetId::Invalid();
    s->reported = item.acc_fill_sz;
    s->fee_charged = charged;
  } else if (ex.final) {
    ex.kind = ExecKind::kCanceled;  // the IOC remainder (or the whole order) expired
    ex.cum_qty = s->reported;
  } else {
    return Outcome::kNone;  // live, or a repeated push: nothing new
  }
  if (ex.final) s->active = false;
  *out = ex;
  return Outcome::kReport;
}

Orders::Orders(venues::VenueContext ctx, const venues::SymbolTable* symbols, std::function<void()> on_state)
    : ctx_(ctx),
      symbols_(symbols),
      on_state_(std::move(on_state)),
      encoder_(symbols),
      tracker_(ctx.id, symbols),
      buf_(std::make_unique<char[]>(kBufBytes)) {}

Orders::~Orders() {
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
  return ws_->Init();
}

void Orders::Start() noexcept {
  ws_->Start();
  keepalive_->Start(ws_.get());
}

void Orders::Stop() noexcept {
  ++generation_;
  keepalive_->Stop();
  login_timer_->Cancel();
  ws_->Stop();
}

void Orders::OnWsOpen() noexcept {
  ++generation_;
  logged_in_ = false;
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
      return;
    case PrivateKind::kEvent:
      return OnEvent(m);
    case PrivateKind::kOrderReply:
      ctx_.counters->Add(ctx_.counters->order_replies);
      return HandleOrderReply(m, recv, recv_time);
    case PrivateKind::kOrders:
      for (int i = 0; i < m.order_count; ++i) {
        ExecReport ex;
        const OrderTracker::Outcome o = tracker_.OnPush(m.orders[i], recv, &ex);
        if (o == OrderTracker::Outcome::kForeign) ctx_.counters->Add(ctx_.counters->unknown_messages);
        if (o != OrderTracker::Outcome::kReport) continue;
        if (ex.kind == ExecKind::kUnknown) ctx_.counters->Add(ctx_.counters->order_parse_errors);
        ctx_.publisher->PublishExec(ex, recv_time);
      }
      return;
    case PrivateKind::kAccount:
      return HandleAccount(m, recv_time);
  }
}

void Orders::OnEvent(const PrivateMsg& m) noexcept {
  switch (m.event) {
    case EventKind::kLogin:
      if (m.code != "0") break;
      logged_in_ = true;
      ctx_.log->Log(runtime::LogLevel::kInfo, "%s: logged in, subscribing account and orders", ctx_.venue->name.c_str());
      if (!ws_->Send(R"({"op":"subscribe","args":[{"channel":"account"},{"channel":"orders","instType":"SPOT"}]})"))
        ctx_.log->Log(runtime::LogLevel::kWarn, "%s: could not send the private subscribe", ctx_.venue->name.c_str());
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
  if (ready_) return;  // only the first push after login is the snapshot (see the header)
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
      const ParseStatus st = BalanceAmounts(m.balances[i], &b.free, &b.locked);
      if (st != ParseStatus::kOk) {
        ctx_.counters->Add(ctx_.counters->order_parse_errors);
        ctx_.log->Log(runtime::LogLevel::kError, "%s: account push: balance of %s is not usable (%s); waiting for the next",
                      ctx_.venue->name.c_str(), names[a].c_str(), venues::ParseStatusName(st));
        return;
      }
      break;
    }
    b.final_of_snapshot = a + 1 == n;
  }
  for (size_t a = 0; a < n; ++a) ctx_.publisher->PublishBalance(updates[a], now);
  ready_ = true;
  ctx_.counters->orders_connected.store(true, std::memory_order_relaxed);
  ctx_.log->Log(runtime::LogLevel::kInfo, "%s: balances received, order entry ready", ctx_.venue->name.c_str());
  if (on_state_) on_state_();
}

void Orders::Reject(const OrderIntent& in, RejectReason why) noexcept {
  venues::PublishLocalReject(ctx_, in, why);
}

void Orders::OnIntent(const OrderIntent& in) noexcept {
  if (!ready_) return Reject(in, RejectReason::kNotConnected);
  if (ctx_.publisher->overflowed()) return Reject(in, RejectReason::kBackpressure);
  if (tracker_.Busy(in.client_id)) return Reject(in, RejectReason::kBackpressure);
  const size_t n = encoder_.Encode(in, buf_.get(), kBufBytes);
  if (n == 0) return Reject(in, RejectReason::kEncodeFailed);
  // Order bytes are ready: SendOrderFrame closes the tick-to-order interval and sends.
  TscStamp wire;
  if (!venues::SendOrderFrame(ctx_, *ws_, in, std::string_view(buf_.get(), n), &wire)) return;
  tracker_.Add(in, wire);
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
  switch (tracker_.OnReply(m, recv, &ex, &wire)) {
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
    const OrderItem* item = m.order_count > 0 ? &m.orders[0] : nullptr;
    if (log_limit_.Allow())
      ctx_.log->Log(runtime::LogLevel::kWarn, "%s: order hs%llu rejected: code %.*s sCode %.*s %.*s",
                    ctx_.venue->name.c_str(), static_cast<unsigned long long>(ex.client_id.value),
                    static_cast<int>(m.code.size()), m.code.data(), item ? static_cast<int>(item->s_code.size()) : 0,
                    item ? item->s_code.data() : "", item ? static_cast<int>(item->s_msg.size()) : 0,
                    item ? item->s_msg.data() : "");
  }
  ctx_.publisher->PublishExec(ex, now);
}

void Orders::OnWsClosed(std::string_view reason) noexcept {
  ++generation_;
  const bool was_ready = ready_;
  ready_ = false;
  logged_in_ = false;
  ctx_.counters->orders_connected.store(false, std::memory_order_relaxed);
  // Orders without a final report have an unknown outcome now.
  const Nanos now = WallNow();
  tracker_.DrainUnknown([&](const ExecReport& ex) { ctx_.publisher->PublishExec(ex, now); });
  if (was_ready && on_state_) on_state_();
}

}  // namespace hs::okx
