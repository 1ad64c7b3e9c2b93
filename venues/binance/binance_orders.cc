#include "venues/binance/binance_orders.h"

#include "venues/binance/binance_wire.h"
#include "venues/common/text_writer.h"
#include "venues/common/url.h"
#include "venues/common/order_path.h"

namespace hs::binance {

namespace {
constexpr size_t kBufBytes = 4096;
constexpr std::string_view kAccountIdPrefix = "acct-";
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
  return ws_->Init();
}

void Orders::Start() noexcept { ws_->Start(); }

void Orders::Stop() noexcept {
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
  p = Put(p, "&timeInForce=");
  p = Put(p, tif);
  p = Put(p, "&timestamp=");
  p = Put(p, ts_s);
  p = Put(p, "&type=LIMIT");
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
  w = Put(w, "\",\"timeInForce\":\"");
  w = Put(w, tif);
  w = Put(w, "\",\"timestamp\":");
  w = Put(w, ts_s);
  w = Put(w, ",\"type\":\"LIMIT\",\"signature\":\"");
  w = Put(w, std::string_view(sig, 64));
  w = Put(w, "\"}}");
  return static_cast<size_t>(w - out);
}

Orders::InFlight* Orders::Find(ClientOrderId id) noexcept {
  InFlight& f = inflight_[id.value % kInFlight];
  return (f.active && f.id == id) ? &f : nullptr;
}

void Orders::Reject(const OrderIntent& in, RejectReason why) noexcept {
  venues::PublishLocalReject(ctx_, in, why);
}

void Orders::OnIntent(const OrderIntent& in) noexcept {
  if (!ready_) return Reject(in, RejectReason::kNotConnected);
  if (ctx_.publisher->overflowed()) return Reject(in, RejectReason::kBackpressure);
  InFlight& slot = inflight_[in.client_id.value % kInFlight];
  if (slot.active) return Reject(in, RejectReason::kBackpressure);
  const size_t n = encoder_.Encode(in, WallNow().value / 1'000'000, buf_.get(), kBufBytes);
  if (n == 0) return Reject(in, RejectReason::kEncodeFailed);
  // Order bytes are ready: SendOrderFrame closes the tick-to-order interval and sends.
  TscStamp wire;
  if (!venues::SendOrderFrame(ctx_, *ws_, in, std::string_view(buf_.get(), n), &wire)) return;
  slot = InFlight{true, in.client_id, in.instrument, in.side, Qty::Zero(), wire};
}

void Orders::OnWsOrderSent(uint64_t tag, bool sent, TscStamp wire) noexcept {
  InFlight* f = Find(ClientOrderId{tag});
  if (f == nullptr) return;
  if (sent) {
    f->wire = wire;
    return;
  }
  ExecReport r;
  r.client_id = f->id;
  r.venue = ctx_.id;
  r.instrument = f->instrument;
  r.kind = ExecKind::kRejected;
  r.side = f->side;
  r.final = true;
  r.reason = ctx_.kill->halted() ? RejectReason::kHalted : RejectReason::kNotConnected;
  if (r.reason == RejectReason::kHalted) ctx_.counters->Add(ctx_.counters->orders_halted);
  f->active = false;
  ctx_.publisher->PublishExec(r, WallNow());
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
    if (on_state_) on_state_();
  }
}

void Orders::HandleOrderReply(const ApiReply& r, TscStamp recv, Nanos now) noexcept {
  ClientOrderId id;
  if (!ParseClientId(r.id, &id)) {
    ctx_.counters->Add(ctx_.counters->unknown_messages);
    return;
  }
  InFlight* f = Find(id);
  if (f == nullptr) {
    ctx_.counters->Add(ctx_.counters->unknown_messages);
    return;
  }
  ctx_.counters->order_rtt_ns.Record(TscClock::Elapsed(f->wire, recv));
  ExecReport ex;
  ex.client_id = id;
  ex.venue = ctx_.id;
  ex.instrument = f->instrument;
  ex.side = f->side;
  ex.recv_stamp = recv;
  ex.wire_stamp = f->wire;
  if (r.status >= 500) {
    // Outcome unknown: the order may exist. Keep it in flight until reconciled.
    ex.kind = ExecKind::kUnknown;
    ex.venue_code = static_cast<int32_t>(r.status);
    ctx_.publisher->PublishExec(ex, now);
    return;
  }
  if (r.has_error || r.status != 200 || !r.has_order) {
    ex.kind = ExecKind::kRejected;
    ex.reason = RejectReason::kVenue;
    ex.venue_code = static_cast<int32_t>(r.has_error ? r.error_code : r.status);
    ex.final = true;
    f->active = false;
    ctx_.counters->Add(ctx_.counters->order_rejects);
    ctx_.publisher->PublishExec(ex, now);
    return;
  }
  ex.venue_order_id = r.order_id;
  ex.venue_time = Nanos::FromMillis(r.transact_time_ms);
  ex.cum_qty = r.executed_qty;
  ex.final = IsTerminalStatus(r.order_status);
  const Qty new_qty = r.executed_qty - f->reported;
  if (new_qty.is_positive()) {
    ex.kind = ExecKind::kFill;
    ex.fill_qty = new_qty;
    ex.fill_quote = r.cum_quote;
    ex.fee = r.commission;
    ex.fee_asset = symbols_->FindAsset(r.commission_asset);
    if (r.commission_assets_mixed && log_limit_.Allow())
      ctx_.log->Log(runtime::LogLevel::kWarn, "%s: order hs%llu paid commission in several assets",
                    ctx_.venue->name.c_str(), static_cast<unsigned long long>(id.value));
    ex.fill_px = AveragePrice(r.cum_quote, new_qty, Rounding::kFloor);  // for display
    f->reported = r.executed_qty;
  } else {
    ex.kind = ex.final ? ExecKind::kCanceled : ExecKind::kAck;
  }
  if (ex.final) f->active = false;
  ctx_.publisher->PublishExec(ex, now);
}

void Orders::OnWsClosed(std::string_view reason) noexcept {
  ready_ = false;
  ctx_.counters->orders_connected.store(false, std::memory_order_relaxed);
  // Orders without a reply have an unknown outcome now.
  for (InFlight& f : inflight_) {
    if (!f.active) continue;
    ExecReport ex;
    ex.client_id = f.id;
    ex.venue = ctx_.id;
    ex.instrument = f.instrument;
    ex.side = f.side;
    ex.kind = ExecKind::kUnknown;
    ctx_.publisher->PublishExec(ex, WallNow());
    f.active = false;
  }
  if (on_state_) on_state_();
}

}  // namespace hs::binance
