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
constexpr int64_t kSweepMs = 100;  // ack timeouts and due queries

inline char* Put(char* p, std::string_view s) noexcept {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

bool StartsWith(std::string_view s, std::string_view p) noexcept { return s.substr(0, p.size()) == p; }
}  // namespace

// ---- ids, signing, errors ----

int FormatClientId(ClientOrderId id, char* out) noexcept {
  char text[venues::kClientIdTextMax];
  const size_t n = venues::FormatClientId(id, text);
  if (n > static_cast<size_t>(kClientIdMax)) return 0;
  std::memcpy(out, text, n);
  return static_cast<int>(n);
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

void RateBudget::OnVenueLimit(int pair, Nanos now) noexcept {
  if (pair < 0 || pair >= kMaxInstruments) return;
  const int64_t level = level_milli(pair, now);
  pairs_[static_cast<size_t>(pair)].level_milli = std::max(level, p_.max_count * 1000);
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
  if (cid_s.empty()) return 0;
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
  if (cid_s.empty()) return 0;
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
  if (channel == "executions") w.Str(R"(,"snap_orders":true,"snap_trades":true)");
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

namespace {
bool IsTrade(const ExecItem& x) noexcept { return x.exec_type == ExecType::kTrade; }
}  // namespace

void OrderTracker::Add(const OrderIntent& in, int64_t req_id, TscStamp wire, Nanos sent) noexcept {
  table_.Track(in, wire, sent.value);
  Extra& x = extra_[Slot(in.client_id)];
  x = Extra{};
  x.req_id = req_id;
}

void OrderTracker::Adopt(const OrderIntent& in, int64_t now_ns) noexcept {
  table_.Adopt(in, now_ns);
  Extra& x = extra_[Slot(in.client_id)];
  x = Extra{};
  x.req_id = 0;  // before every request of this session: any snapshot settles it
  if (counters_ != nullptr) counters_->Add(counters_->unknown_orders);
}

void OrderTracker::Release(venues::InFlightEntry* e) noexcept {
  extra_[Slot(e->id)] = Extra{};
  table_.Release(e);
}

void OrderTracker::Heard(venues::InFlightEntry* e) noexcept {
  if (e->state == venues::InFlightState::kUnknown && counters_ != nullptr) counters_->Add(counters_->unknown_resolved);
  e->state = venues::InFlightState::kAcked;
}

void OrderTracker::SetOrderId(venues::InFlightEntry* e, std::string_view oid) noexcept {
  Extra& x = extra_[Slot(e->id)];
  if (x.order_id_len > 0 || oid.empty() || oid.size() > sizeof x.order_id) return;
  std::memcpy(x.order_id, oid.data(), oid.size());
  x.order_id_len = static_cast<uint8_t>(oid.size());
  e->venue_order_id = OrderIdHash(oid);
}

void OrderTracker::SetWire(ClientOrderId id, TscStamp wire) noexcept {
  if (venues::InFlightEntry* e = table_.Find(id)) e->wire = wire;
}

bool OrderTracker::SentAt(ClientOrderId id, Nanos* sent, InstrumentId* instrument) const noexcept {
  venues::InFlightEntry* e = const_cast<venues::InFlightTable&>(table_).Find(id);
  if (e == nullptr) return false;
  *sent = Nanos{e->sent_ns};
  *instrument = e->instrument;
  return true;
}

bool OrderTracker::NotSent(ClientOrderId id, RejectReason why, ExecReport* out) noexcept {
  venues::InFlightEntry* e = table_.Find(id);
  if (e == nullptr) return false;
  *out = table_.Base(*e, venue_, TscNow());
  out->kind = ExecKind::kRejected;
  out->reason = why;
  out->final = true;
  Release(e);
  return true;
}

venues::InFlightEntry* OrderTracker::FindByReq(int64_t req_id) noexcept {
  venues::InFlightEntry* found = nullptr;
  table_.ForEachLive([&](venues::InFlightEntry& e) {
    if (extra_[Slot(e.id)].req_id == req_id) found = &e;
  });
  return found;
}

venues::InFlightEntry* OrderTracker::FindByOrderId(std::string_view order_id) noexcept {
  if (order_id.empty()) return nullptr;
  venues::InFlightEntry* found = nullptr;
  table_.ForEachLive([&](venues::InFlightEntry& e) {
    if (extra_[Slot(e.id)].order_id_view() == order_id) found = &e;
  });
  return found;
}

AssetId OrderTracker::FeeAsset(const ExecItem& x, const venues::InFlightEntry& e) const noexcept {
  if (symbols_ == nullptr) return AssetId::Invalid();
  if (!x.fee_asset.empty()) return symbols_->FindAsset(x.fee_asset);
  const venues::SymbolInfo* sym = symbols_->ForInstrument(e.instrument);
  return sym != nullptr ? sym->quote : AssetId::Invalid();  // Kraken charges in the quote (fciq)
}

OrderTracker::Outcome OrderTracker::OnAddReply(const PrivateMsg& m, TscStamp recv, ExecReport* out,
                                               TscStamp* wire) noexcept {
  venues::InFlightEntry* e = nullptr;
  ClientOrderId id;
  if (!m.cl_ord_id.empty()) e = table_.Find(m.cl_ord_id, &id);
  if (e == nullptr && m.req_id >= 0) e = FindByReq(m.req_id);
  if (e == nullptr) return m.success || m.req_id >= 0 ? Outcome::kNone : Outcome::kForeign;
  *wire = e->wire;
  if (!m.success) {
    if (e->reported_qty.is_positive()) return Outcome::kNone;  // refused, yet filled: the executions stream decides
    Heard(e);
    *out = table_.Base(*e, venue_, recv);
    out->kind = ExecKind::kRejected;
    out->venue_code = KrakenErrorCode(m.error);
    out->reason = out->venue_code == kErrRateLimit ? RejectReason::kRateLimited : RejectReason::kVenue;
    out->final = true;
    Release(e);
    return Outcome::kReport;
  }
  SetOrderId(e, m.order_id);
  Heard(e);
  Extra& x = extra_[Slot(e->id)];
  if (x.acked) return Outcome::kNone;  // the executions stream acked it first
  x.acked = true;
  *out = table_.Base(*e, venue_, recv);
  out->kind = ExecKind::kAck;
  return Outcome::kReport;
}

venues::InFlightEntry* OrderTracker::FindForExec(const ExecItem& x, bool* foreign) noexcept {
  *foreign = false;
  if (!x.cl_ord_id.empty()) {
    ClientOrderId id;
    if (!venues::ParseClientId(x.cl_ord_id, &id)) {
      *foreign = true;
      return nullptr;
    }
    return table_.Find(id);
  }
  return FindByOrderId(x.order_id);
}

OrderTracker::Outcome OrderTracker::OnExec(const ExecItem& x, TscStamp recv, ExecReport* out) noexcept {
  ExecReport r[kMaxReports];
  int n = 0;
  const Outcome o = OnExec(x, recv, r, &n);
  if (n > 0) *out = r[n - 1];
  return o;
}

OrderTracker::Outcome OrderTracker::OnExec(const ExecItem& x, TscStamp recv, ExecReport* out, int* n) noexcept {
  *n = 0;
  bool foreign = false;
  venues::InFlightEntry* e = FindForExec(x, &foreign);
  if (e == nullptr) return foreign ? Outcome::kForeign : Outcome::kNone;
  SetOrderId(e, x.order_id);
  Heard(e);
  Extra& xt = extra_[Slot(e->id)];
  const bool status_filled = x.order_status == "filled";
  switch (x.exec_type) {
    case ExecType::kPendingNew:
    case ExecType::kNew: {
      if (xt.acked) return Outcome::kNone;
      xt.acked = true;
      out[0] = table_.Base(*e, venue_, recv);
      out[0].kind = ExecKind::kAck;
      out[0].venue_time = x.timestamp;
      *n = 1;
      return Outcome::kReport;
    }
    case ExecType::kTrade: {
      // The order's cumulative fill after this trade: the venue's cum_qty; without it, a trade
      // that completes the order (status filled) brings it to the ordered quantity. Anything
      // else cannot be booked exactly: the order becomes unknown and the query settles it.
      Qty cum;
      if (x.has_cum_qty) {
        cum = x.cum_qty;
      } else if (status_filled) {
        cum = e->qty;
      } else {
        e->state = venues::InFlightState::kUnknown;
        e->next_query_ns = 0;
        if (counters_ != nullptr) counters_->Add(counters_->unknown_orders);
        out[0] = table_.Base(*e, venue_, recv);
        out[0].kind = ExecKind::kUnknown;
        *n = 1;
        return Outcome::kReport;
      }
      if (!(e->reported_qty < cum)) return Outcome::kNone;  // a repeat or a late message
      venues::CumulativeFill c;
      c.cum_qty = cum;
      const Amount cost = x.has_cost ? x.cost
                                     : (x.has_last_qty && x.has_last_price
                                            ? AmountFromNotional(MulNotional(x.last_price, x.last_qty, Rounding::kFloor))
                                            : Amount::Zero());
      c.cum_quote = x.has_cum_cost ? x.cum_cost : e->reported_quote + cost;
      // Kraken gives each trade's fee, not a running total: the fee so far is what was
      // reported plus this trade's (a trade skipped in between is settled by the query).
      c.cum_fee = e->reported_fee + (x.has_fee ? x.fee : Amount::Zero());
      c.fee_asset = FeeAsset(x, *e);
      c.last_px = x.has_last_price ? x.last_price : Price{};
      const bool done = status_filled || !(cum < e->qty);
      xt.acked = true;
      if (!table_.FillDelta(*e, c, venue_, recv, done, &out[0])) return Outcome::kNone;
      out[0].venue_time = x.timestamp;
      *n = 1;
      if (done) Release(e);
      return Outcome::kReport;
    }
    case ExecType::kFilled:
    case ExecType::kCanceled:
    case ExecType::kExpired: {
      // The order is closed. A cumulative quantity beyond what was reported means a trade push
      // was lost: its fee is not known, so the order waits for the query (unknown).
      if (x.has_cum_qty && e->reported_qty < x.cum_qty) {
        e->state = venues::InFlightState::kUnknown;
        e->next_query_ns = 0;
        if (counters_ != nullptr) counters_->Add(counters_->unknown_orders);
        out[0] = table_.Base(*e, venue_, recv);
        out[0].kind = ExecKind::kUnknown;
        *n = 1;
        return Outcome::kReport;
      }
      out[0] = table_.Base(*e, venue_, recv);
      out[0].kind = x.exec_type == ExecType::kFilled ? ExecKind::kFill : ExecKind::kCanceled;  // a fill of zero closes
      out[0].final = true;
      out[0].venue_time = x.timestamp;
      *n = 1;
      Release(e);
      return Outcome::kReport;
    }
    case ExecType::kOther:
      return Outcome::kNone;
  }
  return Outcome::kNone;
}

int OrderTracker::Settle(venues::InFlightEntry& e, const PrivateMsg& m, TscStamp recv, ExecReport* out) noexcept {
  Extra& xt = extra_[Slot(e.id)];
  // Is it open, and what did its trades (the snapshot's last fills) add up to?
  bool open = false;
  venues::CumulativeFill c;
  c.cum_qty = Qty::Zero();
  c.cum_quote = Amount::Zero();
  c.cum_fee = Amount::Zero();
  bool traded = false;
  for (int i = 0; i < m.exec_count; ++i) {
    const ExecItem& x = m.execs[i];
    ClientOrderId id;
    const bool mine = (!x.cl_ord_id.empty() && venues::ParseClientId(x.cl_ord_id, &id) && id == e.id) ||
                      (xt.order_id_len > 0 && x.order_id == xt.order_id_view());
    if (!mine) continue;
    SetOrderId(&e, x.order_id);
    if (!IsTrade(x)) {
      open = true;
      continue;
    }
    if (!x.has_last_qty) continue;
    traded = true;
    c.cum_qty += x.last_qty;
    c.cum_quote += x.has_cost ? x.cost
                              : (x.has_last_price ? AmountFromNotional(MulNotional(x.last_price, x.last_qty, Rounding::kFloor))
                                                  : Amount::Zero());
    if (x.has_fee) c.cum_fee += x.fee;
    c.fee_asset = FeeAsset(x, e);
    if (x.has_last_price) c.last_px = x.last_price;
  }
  const bool was_unknown = e.state == venues::InFlightState::kUnknown;
  const bool reached = traded || open || xt.acked || e.reported_qty.is_positive();
  int n = 0;
  if (reached) Heard(&e);
  const bool done = !open;
  const bool filled = !(c.cum_qty < e.qty);
  if (traded && table_.FillDelta(e, c, venue_, recv, done && filled, &out[n])) {
    xt.acked = true;
    ++n;
    if (done && filled) {
      Release(&e);
      return n;
    }
  }
  if (open) {
    // Still resting: live (acked) again, as far as the core knows.
    if (!xt.acked && n == 0) {
      xt.acked = true;
      out[n] = table_.Base(e, venue_, recv);
      out[n].kind = ExecKind::kAck;
      ++n;
    }
    return n;
  }
  out[n] = table_.Base(e, venue_, recv);
  out[n].final = true;
  if (reached) {
    out[n].kind = ExecKind::kCanceled;  // closed with what it filled (an IOC remainder, a cancel)
  } else {
    // Neither open nor among the fills, and never heard of: the venue does not have it.
    if (was_unknown && counters_ != nullptr) counters_->Add(counters_->unknown_resolved);
    out[n].kind = ExecKind::kRejected;
    out[n].reason = RejectReason::kNotFound;
  }
  ++n;
  Release(&e);
  return n;
}

// ---- session ----

Orders::Orders(venues::VenueContext ctx, const venues::SymbolTable* symbols, std::function<void()> on_state)
    : ctx_(ctx),
      symbols_(symbols),
      on_state_(std::move(on_state)),
      encoder_(symbols),
      tracker_(ctx.id, symbols, ctx.counters),
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
  sweep_timer_ = std::make_unique<venues::Timer>(*ctx_.ioc);
  if (ctx_.config != nullptr) {
    const config::ExecutionConfig& ex = ctx_.config->execution;
    policy_.ack_timeout_ns = ex.ack_timeout_ms * 1'000'000;
    policy_.first_backoff_ns = ex.query_backoff_ms * 1'000'000;
    policy_.max_queries = static_cast<int>(ex.query_attempts);
  }
  return ws_->Init();
}

void Orders::Start() noexcept {
  started_ = true;
  FetchToken();
  ScheduleSweep();
}

void Orders::ScheduleSweep() noexcept {
  const uint64_t stop_gen = stop_generation_;
  sweep_timer_->After(kSweepMs, [this, stop_gen] {
    if (stop_gen != stop_generation_ || !started_) return;
    Sweep();
    ScheduleSweep();
  });
}

// Cold timer: orders without a reply after the ack timeout become unknown; unknown orders are
// queried with backoff while the session is ready (one executions re-snapshot answers all).
void Orders::Sweep() noexcept {
  const int64_t now = MonoNow().value;
  const Nanos wall = WallNow();
  const int n = tracker_.ExpireAcks(now, policy_, [&](const ExecReport& ex) { ctx_.publisher->PublishExec(ex, wall); });
  ctx_.counters->Add(ctx_.counters->unknown_orders, static_cast<uint64_t>(n));
  if (!ready_) return;
  CancelAdoptedOpen();
  if (snapshot_pending_ && now - snapshot_sent_ns_ < policy_.ack_timeout_ns) return;  // its answer settles them
  bool sent = false;
  tracker_.table().DueQueries(now, policy_, [&](venues::InFlightEntry&) {
    if (!sent) sent = Resnapshot(now);
    return sent;
  });
}

// The query (see the header): unsubscribe and subscribe `executions` again with snap_orders
// and snap_trades; the snapshot that answers it settles every order sent before it.
bool Orders::Resnapshot(int64_t now_ns) noexcept {
  size_t n = encoder_.EncodeSubscribe("executions", NextReqId(), buf_.get(), kBufBytes, /*unsubscribe=*/true);
  if (n == 0 || !ws_->Send(std::string_view(buf_.get(), n))) return false;
  executions_req_ = NextReqId();
  n = encoder_.EncodeSubscribe("executions", executions_req_, buf_.get(), kBufBytes);
  if (n == 0 || !ws_->Send(std::string_view(buf_.get(), n))) return false;
  snapshot_pending_ = true;
  snapshot_sent_ns_ = now_ns;
  ctx_.counters->Add(ctx_.counters->order_queries);
  return true;
}

void Orders::Stop() noexcept {
  started_ = false;
  ++generation_;
  ++stop_generation_;
  if (sweep_timer_) sweep_timer_->Cancel();
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
  if (cancel_all_on_connect_) {
    // Recovery: ahead of the subscription on the same socket, so the snapshot that settles
    // adopted orders shows what the cancel-all did.
    const size_t k = encoder_.EncodeCancelAll(NextReqId(), buf_.get(), kBufBytes);
    if (k > 0 && ws_->Send(std::string_view(buf_.get(), k))) {
      cancel_all_on_connect_ = false;
      ctx_.counters->Add(ctx_.counters->cancel_all_sent);
    }
  }
  executions_req_ = NextReqId();
  snapshot_pending_ = true;
  snapshot_sent_ns_ = MonoNow().value;
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
      if (ex.reason == RejectReason::kRateLimited) {
        // The venue's counter is at its threshold: ours goes there too, so new adds on the
        // pair are refused here until it has decayed (reserve + 1) counts.
        ctx_.counters->Add(ctx_.counters->rate_limited);
        budget_.OnVenueLimit(ex.instrument.value, MonoNow());
      }
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
  if (m.snapshot) {
    // The account's open orders (trades in the snapshot are past fills, not open orders), then
    // every order of ours sent before the subscription is settled from it.
    open_.Clear();
    for (int i = 0; i < m.exec_count; ++i) {
      const ExecItem& e = m.execs[i];
      if (e.exec_type != ExecType::kTrade) UpsertOpen(e);
    }
    const int settled = tracker_.Reconcile(m, executions_req_, recv, [&](const ExecReport& ex) {
      ctx_.publisher->PublishExec(ex, now);
    });
    snapshot_pending_ = false;
    CancelAdoptedOpen();
    if (settled > 0 && log_limit_.Allow())
      ctx_.log->Log(runtime::LogLevel::kInfo, "%s: executions snapshot settled %d order(s) in flight",
                    ctx_.venue->name.c_str(), settled);
    return;
  }
  for (int i = 0; i < m.exec_count; ++i) {
    const ExecItem& e = m.execs[i];
    // The account's open-order view (ours and others').
    const bool closes = e.exec_type == ExecType::kFilled || e.exec_type == ExecType::kCanceled ||
                        e.exec_type == ExecType::kExpired || e.order_status == "filled" ||
                        e.order_status == "canceled" || e.order_status == "expired";
    if (closes) {
      open_.Remove(e.order_id);
    } else if (e.exec_type == ExecType::kNew || e.exec_type == ExecType::kPendingNew) {
      UpsertOpen(e);
    }
    ExecReport ex[OrderTracker::kMaxReports];
    int n = 0;
    if (tracker_.OnExec(e, recv, ex, &n) != OrderTracker::Outcome::kReport) continue;
    for (int k = 0; k < n; ++k) {
      if (ex[k].kind == ExecKind::kUnknown) ctx_.counters->Add(ctx_.counters->order_parse_errors);
      ctx_.publisher->PublishExec(ex[k], now);
    }
  }
}

void Orders::UpsertOpen(const ExecItem& e) noexcept {
  if (e.order_id.empty() || e.order_id.size() > sizeof(OpenOrder{}.order_id)) return;
  OpenOrder o;
  if (const OpenOrder* prev = open_.FindByOrderId(e.order_id)) o = *prev;
  std::memcpy(o.order_id, e.order_id.data(), e.order_id.size());
  o.order_id_len = static_cast<uint8_t>(e.order_id.size());
  if (!e.cl_ord_id.empty()) o.ours = venues::ParseClientId(e.cl_ord_id, &o.client_id);
  if (!e.symbol.empty()) {
    const int k = symbols_->Find(e.symbol);
    o.instrument = k >= 0 ? symbols_->infos()[static_cast<size_t>(k)].instrument : InstrumentId::Invalid();
  }
  if (!e.side.empty()) o.side = e.side == "sell" ? Side::kSell : Side::kBuy;
  if (!open_.Upsert(o)) ctx_.counters->Add(ctx_.counters->order_parse_errors);
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

void Orders::CancelAdoptedOpen() noexcept {
  // Adopted orders a snapshot found open: nothing the core did not decide anew may rest.
  if (ready_) tracker_.table().CancelAdoptedOpen([this](venues::InFlightEntry& e) { return CancelOrder(e.id); });
}

void Orders::OnIntent(const OrderIntent& in) noexcept {
  if (in.query) {
    if (tracker_.Busy(in.client_id)) return Reject(in, RejectReason::kBackpressure);
    tracker_.Adopt(in, MonoNow().value);
    if (ready_) Sweep();  // a re-snapshot settles it now; otherwise the one at connect does
    return;
  }
  if (!ready_) return Reject(in, RejectReason::kNotConnected);
  if (ctx_.publisher->overflowed()) return Reject(in, RejectReason::kBackpressure);
  if (tracker_.Busy(in.client_id)) return Reject(in, RejectReason::kBackpressure);
  const int64_t req_id = req_seq_ + 1;
  const size_t n = encoder_.Encode(in, req_id, buf_.get(), kBufBytes);
  if (n == 0) return Reject(in, RejectReason::kEncodeFailed);
  const Nanos now = MonoNow();
  if (!budget_.TryAdd(in.instrument.value, now)) {
    ++local_rate_rejects_;
    ctx_.counters->Add(ctx_.counters->rate_limited);
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
  snapshot_pending_ = false;
  const Nanos now = WallNow();
  const int n = tracker_.MarkAllUnknown(MonoNow().value, [&](const ExecReport& ex) { ctx_.publisher->PublishExec(ex, now); });
  ctx_.counters->Add(ctx_.counters->unknown_orders, static_cast<uint64_t>(n));
  if (was_ready && on_state_) on_state_();
}

}  // namespace hs::kraken
