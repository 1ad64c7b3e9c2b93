// Kraken WebSocket v2 market data as the simulator speaks it (venues/README §3): the `book`
// channel on the configured path (/v2 when the URL has none) with subscribe / unsubscribe
// acknowledgements in Kraken's shape, a snapshot at the requested depth on subscribe, updates
// carrying only the levels that changed inside the subscriber's depth window, the CRC32
// checksum over the top 10 levels of the book after the change, `status` on connect,
// `heartbeat` every second while subscribed, and pong replies to {"method":"ping"}.
//
// Like Kraken, an update never carries a delete for a level that merely fell out of the
// window (pushed below the depth by better levels): the client truncates. A level that left
// the book is deleted (qty 0), and the level that enters the window from below is sent.
// Numbers are written at the pair's precision (the venue symbol's tick and lot decimals),
// exactly, as JSON numbers ("30000.00", "0.12345"); the checksum is computed here on its own
// (text formatting, '.' removed, leading zeros stripped), independent of the client code.
//
// Faults (sim_server.h): drop_next skips one update (the next one's checksum then disagrees
// with the client's book), corrupt_checksum_next sends a wrong checksum, cross_next adds a bid
// at the best ask (with a checksum that matches the crossed book the client then holds, so the
// client sees a crossed book, not a checksum failure), stall withholds all market data and
// liveness (updates, snapshots, heartbeats, pongs; a snapshot requested during a stall goes out
// when it ends) while requests are still acknowledged. Faults wait for a message that some
// subscriber would receive, so none is spent on an empty stream.
// Deliberately no `ticker` or `trade` channel: only what the engine uses.
//
// Order entry (ORDERS.md §1, §7), on the market-data path and on order_url's path alike:
//   REST POST /0/private/GetWebSocketsToken  API-Key and API-Sign checked (base64 HMAC-SHA512
//     with the base64-decoded secret over uri_path + SHA256(nonce + body)), nonce strictly
//     increasing; refusals in Kraken's shape {"error":["EAPI:Invalid signature"]} (HTTP 200).
//   Every private request carries params.token, checked against the tokens issued (a bad one:
//     "EAPI:Invalid token" — the exact v2 text is unverified).
//   add_order (limit; ioc or gtc, post_only): IOC takes the book up to the limit and cancels the
//     rest; GTC takes what crosses (unless post_only, which refuses a crossing order with
//     "EOrder:Post only order") and rests the remainder; funds checked ("EOrder:Insufficient
//     funds"); the per-pair rate counter of §1.6 (125, decay 2.34/s; add +1, cancel by age)
//     refuses with "EOrder:Rate limit exceeded" and still charges the fixed count.
//   executions: snapshot of the account's resting orders on subscribe (maxratecount in the
//     ack), then pending_new (full) → new (sparse, no cl_ord_id) → trade per fill (exec_id,
//     trade_id, last_qty, last_price, cost, fees in the quote asset) → filled / canceled, with
//     a sequence per subscription. balances: a snapshot on subscribe, an update after fills.
//   cancel_order (order_id[] or cl_ord_id[]: one reply per order), cancel_all ({count}),
//     cancel_all_orders_after (camelCase currentTime/triggerTime; expiry cancels everything and
//     disarms; 0 disarms).
//   executions with snap_trades: the snapshot carries the account's last 50 trade items after
//     the open orders (ORDERS.md §1.5); every executions snapshot is logged as request "list".
//   Order-entry faults (Faults): reject_orders ("EOrder:Insufficient funds"), rate_limit_orders
//     ("EOrder:Rate limit exceeded", as when the counter is over, in add_order's error reply),
//     partial_orders (an IOC takes half its quantity, rounded down to the lot; the remainder is
//     canceled "Immediate or cancel"), drop_replies (and drop_reply_every), late_replies,
//     duplicate_fills, disconnect_orders; see AddOrder.
// Deliberate differences: one account per venue; resting orders neither show in the public
// book nor fill later (they rest until cancelled); balances are totals (nothing reserved).
#include <algorithm>
#include <deque>
#include <ctime>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/base/crc32.h"
#include "core/base/decimal.h"
#include "venues/common/signing.h"
#include "venues/common/url.h"
#include "venues/sim/sim_server.h"

namespace hs::sim {
namespace {

using json = nlohmann::json;

constexpr int kValidDepths[] = {10, 25, 100, 500, 1000};
constexpr int kChecksumLevels = 10;
constexpr int64_t kHeartbeatNs = 1'000'000'000;
constexpr std::string_view kTokenPath = "/0/private/GetWebSocketsToken";
constexpr int64_t kRateMax = 125;            // Intermediate tier threshold
constexpr int64_t kRateDecayMilliPerS = 2340;
constexpr size_t kMaxSnapTrades = 50;       // snap_trades: the last 50 fills

// Kraken's cancel cost by the order's age (ORDERS.md §1.6).
int64_t CancelCost(int64_t age_ns) {
  const int64_t s = age_ns / 1'000'000'000;
  return s < 5 ? 8 : s < 10 ? 6 : s < 15 ? 5 : s < 45 ? 4 : s < 90 ? 2 : s < 300 ? 1 : 0;
}

// The raw text of the JSON number after "key": in a request (exactness: nlohmann would read
// it into a double). Empty when absent or not a plain number.
std::string RawNumber(std::string_view msg, const std::string& key) {
  const std::string k = "\"" + key + "\"";
  size_t at = msg.find(k);
  if (at == std::string_view::npos) return {};
  at += k.size();
  while (at < msg.size() && (msg[at] == ' ' || msg[at] == ':')) ++at;
  size_t end = at;
  while (end < msg.size() && ((msg[end] >= '0' && msg[end] <= '9') || msg[end] == '.' || msg[end] == '-' ||
                              msg[end] == 'e' || msg[end] == 'E' || msg[end] == '+'))
    ++end;
  return std::string(msg.substr(at, end - at));
}

// RFC 3339 at second resolution ("2023-09-21T15:49:29Z"), as cancel_all_orders_after writes it.
std::string Rfc3339Seconds(Nanos t) {
  const time_t secs = static_cast<time_t>(t.value / 1'000'000'000);
  tm u{};
  gmtime_r(&secs, &u);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", u.tm_year + 1900, u.tm_mon + 1, u.tm_mday,
                u.tm_hour, u.tm_min, u.tm_sec);
  return buf;
}

std::string Dec(int64_t raw, int scale) {
  char buf[kMaxDecimalText];
  FormatDecimal(raw, scale, buf);
  return buf;
}

// RFC 3339 UTC with microseconds, as Kraken writes it ("2023-10-06T17:35:55.440295Z").
std::string Rfc3339(Nanos t) {
  const time_t secs = static_cast<time_t>(t.value / 1'000'000'000);
  const long us = static_cast<long>((t.value % 1'000'000'000) / 1000);
  tm u{};
  gmtime_r(&secs, &u);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", u.tm_year + 1900, u.tm_mon + 1, u.tm_mday,
                u.tm_hour, u.tm_min, u.tm_sec, us);
  return buf;
}

std::string Now() { return Rfc3339(WallNow()); }

// A value at exactly `decimals` (falls back to the shortest exact text when it has more).
std::string Fixed(int64_t raw, int scale, int decimals) {
  char buf[kMaxDecimalText];
  if (FormatDecimalFixed(raw, scale, decimals, buf) < 0) FormatDecimal(raw, scale, buf);
  return buf;
}

// One level's checksum text: the number at the precision, '.' removed, leading zeros stripped.
std::string ChecksumPiece(const std::string& fixed) {
  std::string s;
  for (char c : fixed)
    if (c != '.') s += c;
  const size_t nz = s.find_first_not_of('0');
  return nz == std::string::npos ? std::string() : s.substr(nz);
}

struct Pair {
  int instrument = 0;
  std::string symbol;
  int price_decimals = 0;
  int qty_decimals = 0;
};

// A depth window of one instrument's book as subscribers at that depth hold it.
struct View {
  std::vector<Level> bids;  // best first
  std::vector<Level> asks;
};

class KrakenProtocol final : public Protocol {
 public:
  KrakenProtocol(Server* s, int venue)
      : s_(s), venue_(venue), cfg_(s->config().base.venues[static_cast<size_t>(venue)]) {
    for (const auto& sym : cfg_.symbols) {
      Pair p;
      p.instrument = sym.instrument.value;
      p.symbol = sym.symbol;
      p.price_decimals = sym.price_decimals;
      p.qty_decimals = sym.qty_decimals;
      pairs_[p.instrument] = p;
      by_symbol_[sym.symbol] = p.instrument;
    }
    auto url = venues::ParseUrl(cfg_.market_data_url);
    path_ = url.ok() && url->target != "/" ? url->target : "/v2";
    auto ourl = venues::ParseUrl(cfg_.order_url);
    order_path_ = ourl.ok() && ourl->target != "/" ? ourl->target : "/v2";
    std::string secret;
    secret_ok_ = venues::Base64Decode(s->api_secret(venue), &secret) && !secret.empty();
    secret_ = secret;
  }

  void OnOpen(Peer& p) override {
    if (p.target != path_ && p.target != order_path_) {
      p.Close();
      return;
    }
    json st = {{"channel", "status"},
               {"type", "update"},
               {"data", json::array({{{"version", "2.0.0"},
                                      {"system", "online"},
                                      {"api_version", "v2"},
                                      {"connection_id", 12393906104898154338ull + p.id}}})}};
    p.Send(st.dump());
  }

  void OnClose(Peer& p) override {
    pending_.erase(p.id);
    priv_.erase(p.id);
    PruneViews();
  }

  void OnText(Peer& p, std::string_view msg) override {
    const std::string time_in = Now();
    json j = json::parse(msg, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("method") || !j["method"].is_string()) {
      if (Stalled(p)) return;
      p.Send(
          json{{"error", "Malformed request"}, {"success", false}, {"time_in", time_in}, {"time_out", Now()}}.dump());
      return;
    }
    const std::string method = j["method"];
    const json req_id = j.contains("req_id") && j["req_id"].is_number_integer() ? j["req_id"] : json();
    if (method == "ping") {
      if (Stalled(p)) return;  // a stalled venue answers nothing
      json r = {{"method", "pong"}};
      if (!req_id.is_null()) r["req_id"] = req_id;
      r["time_in"] = time_in;
      r["time_out"] = Now();
      p.Send(r.dump());
      return;
    }
    const json params = j.value("params", json::object());
    if (method == "add_order" || method == "cancel_order" || method == "cancel_all" ||
        method == "cancel_all_orders_after") {
      if (!params.is_object() || !TokenOk(params)) return p.Send(Error(method, req_id, "EAPI:Invalid token", "", time_in));
      if (method == "add_order") return AddOrder(p, msg, params, req_id, time_in);
      if (method == "cancel_order") return CancelOrder(p, params, req_id, time_in);
      if (method == "cancel_all") return CancelAll(p, req_id, time_in);
      return DeadMan(p, params, req_id, time_in);
    }
    if (method != "subscribe" && method != "unsubscribe") {
      p.Send(Error(method, req_id, "Method not supported", "", time_in));
      return;
    }
    if (params.is_object() && (params.value("channel", "") == "executions" || params.value("channel", "") == "balances"))
      return PrivateSubscribe(p, method, params, req_id, time_in);
    if (!params.is_object() || params.value("channel", "") != "book") {
      p.Send(Error(method, req_id, "Channel not supported (the simulator serves book only)", "", time_in));
      return;
    }
    int depth = 10;
    if (params.contains("depth")) {
      if (!params["depth"].is_number_integer() || std::find(std::begin(kValidDepths), std::end(kValidDepths),
                                                            params["depth"].get<int>()) == std::end(kValidDepths)) {
        p.Send(Error(method, req_id, "Invalid depth " + params["depth"].dump(), "", time_in));
        return;
      }
      depth = params["depth"].get<int>();
    }
    const bool want_snapshot = params.value("snapshot", true);
    if (!params.contains("symbol") || !params["symbol"].is_array() || params["symbol"].empty()) {
      p.Send(Error(method, req_id, "Missing or empty field 'symbol'", "", time_in));
      return;
    }
    for (const auto& sj : params["symbol"]) {
      if (!sj.is_string()) {
        p.Send(Error(method, req_id, "Invalid field 'symbol'", "", time_in));
        continue;
      }
      const std::string sym = sj.get<std::string>();
      auto it = by_symbol_.find(sym);
      if (it == by_symbol_.end()) {
        p.Send(Error(method, req_id, "Currency pair not supported " + sym, sym, time_in));
        continue;
      }
      const int inst = it->second;
      const int held = DepthOf(p, inst);
      if (method == "subscribe") {
        if (held != 0) {
          p.Send(Error(method, req_id, "Already subscribed", sym, time_in));
          continue;
        }
        p.subs.insert({depth, inst});
        EnsureView(inst, depth);
        p.Send(Ack(method, req_id, sym, depth, true, time_in));
        if (want_snapshot) {
          if (Stalled(p)) {
            pending_[p.id].insert({inst, depth});
          } else {
            p.Send(Snapshot(inst, depth));
          }
        }
      } else {
        if (held == 0) {
          p.Send(Error(method, req_id, "Subscription Not Found", sym, time_in));
          continue;
        }
        p.subs.erase({held, inst});
        auto pend = pending_.find(p.id);
        if (pend != pending_.end()) pend->second.erase({inst, held});
        p.Send(Ack(method, req_id, sym, held, false, time_in));
        PruneViews();
      }
    }
  }

  void OnBookChange(const BookChange& c) override {
    if (pairs_.find(c.instrument) == pairs_.end()) return;
    const SimBook& book = s_->market().book(c.venue, c.instrument);
    const Pair& pair = pairs_.at(c.instrument);
    // One message per depth window that changed; every window's view moves on whether or not
    // the message is delivered (a dropped or stalled message leaves clients behind, as a lost
    // frame would).
    struct Out {
      int depth;
      std::vector<Level> bids, asks;  // changed levels (qty 0 = delete)
      View after;
    };
    std::vector<Out> outs;
    for (auto& [key, view] : views_) {
      if (key.first != c.instrument) continue;
      Out o;
      o.depth = key.second;
      TopOf(book, o.depth, &o.after);
      Diff(
          view.bids, o.after.bids, [&](int64_t px) { return book.bids.count(px) != 0; }, &o.bids);
      Diff(
          view.asks, o.after.asks, [&](int64_t px) { return book.asks.count(px) != 0; }, &o.asks);
      view = o.after;
      if (!o.bids.empty() || !o.asks.empty()) outs.push_back(std::move(o));
    }
    if (outs.empty()) return;
    Faults& f = s_->faults(venue_);
    std::vector<Peer*> peers;
    for (Peer* p : s_->Peers(venue_))
      if (!Stalled(*p) && DepthOf(*p, c.instrument) != 0 && !Pending(*p, c.instrument)) peers.push_back(p);
    if (peers.empty()) return;  // faults wait for a message somebody would receive
    if (f.drop_next > 0) {
      --f.drop_next;
      return;
    }
    bool corrupt = false;
    bool cross = false;
    if (f.corrupt_checksum_next > 0) {
      --f.corrupt_checksum_next;
      corrupt = true;
    }
    if (f.cross_next > 0 && book.has_top()) {
      --f.cross_next;
      cross = true;
    }
    const std::string ts = Now();
    for (Out& o : outs) {
      View client = o.after;
      if (cross) {
        // A bid at the best ask: the client's book crosses once it applies this.
        const Level x{book.best_ask().px, LotOf(c.instrument)};
        o.bids.push_back(x);
        client.bids.insert(client.bids.begin(), x);
        if (static_cast<int>(client.bids.size()) > o.depth) client.bids.resize(static_cast<size_t>(o.depth));
      }
      uint32_t checksum = Checksum(pair, client);
      if (corrupt) checksum ^= 0x5A5A5A5Au;
      const std::string msg = BookMessage("update", pair, o.bids, o.asks, checksum, ts);
      for (Peer* p : peers)
        if (DepthOf(*p, c.instrument) == o.depth) p->Send(msg);
    }
  }

  void OnTick(Nanos now) override {
    // Replies and pushes held by late_replies.
    while (!held_.empty() && WallNow().value >= held_.front().due.value) {
      const Out o = held_.front().out;
      held_.pop_front();
      Deliver(o);
    }
    // The dead man's switch fires on wall time, stall or not.
    if (dead_man_armed_ && WallNow().value >= dead_man_deadline_.value) {
      dead_man_armed_ = false;
      ++dead_man_fired_;
      std::vector<std::string> ids;
      for (const auto& [oid, r] : resting_) ids.push_back(oid);
      for (const std::string& oid : ids) CancelResting(oid, "Cancel all orders after timeout");
    }
    if (s_->faults(venue_).stall) return;
    // Snapshots held back by a stall go out now that it is over.
    for (Peer* p : s_->Peers(venue_)) {
      auto it = pending_.find(p->id);
      if (it == pending_.end() || p->stalled) continue;
      for (const auto& [inst, depth] : it->second) p->Send(Snapshot(inst, depth));
      pending_.erase(it);
    }
    if (now.value - last_heartbeat_ns_ < kHeartbeatNs) return;
    last_heartbeat_ns_ = now.value;
    for (Peer* p : s_->Peers(venue_))
      if (!p->subs.empty() && !p->stalled) p->Send(R"({"channel":"heartbeat"})");
  }

  bool OnHttpWithHeaders(const std::string& method, const std::string& target, const Headers& headers,
                         const std::string& body, HttpResult* out) override {
    if (target != kTokenPath) return false;
    out->status = 200;
    auto refuse = [&](const std::string& e) { out->body = json{{"error", json::array({e})}}.dump(); };
    if (method != "POST") {
      refuse("EGeneral:Invalid arguments");
      return true;
    }
    std::string key, sign;
    for (const auto& [name, value] : headers) {
      std::string n = name;
      for (char& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (n == "api-key") key = value;
      if (n == "api-sign") sign = value;
    }
    // nonce from the form body.
    std::string nonce;
    for (size_t at = 0; at <= body.size();) {
      size_t amp = body.find('&', at);
      if (amp == std::string::npos) amp = body.size();
      const std::string kv = body.substr(at, amp - at);
      if (kv.rfind("nonce=", 0) == 0) nonce = kv.substr(6);
      at = amp + 1;
    }
    if (key.empty() || key != s_->api_key(venue_)) {
      refuse("EAPI:Invalid key");
      return true;
    }
    if (nonce.empty() || nonce.size() > 19 ||
        !std::all_of(nonce.begin(), nonce.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      refuse("EAPI:Invalid nonce");
      return true;
    }
    const std::string expect =
        secret_ok_ ? venues::Base64Encode(venues::HmacSha512Raw(
                         secret_, std::string(kTokenPath) + venues::Sha256Raw(nonce + body)))
                   : std::string();
    if (expect.empty() || sign != expect) {
      refuse("EAPI:Invalid signature");
      return true;
    }
    const uint64_t n = std::stoull(nonce);
    if (n <= last_nonce_) {
      refuse("EAPI:Invalid nonce");
      return true;
    }
    last_nonce_ = n;
    std::string tok = venues::Base64Encode(venues::Sha256Raw(nonce + std::to_string(++tokens_issued_) + expect));
    while (!tok.empty() && tok.back() == '=') tok.pop_back();
    tokens_.insert(tok);
    out->body = json{{"error", json::array()}, {"result", {{"token", tok}, {"expires", 900}}}}.dump();
    return true;
  }

 private:
  // What one add_order sends, collected so its faults can drop, delay or repeat it.
  struct Out {
    enum Kind : uint8_t { kReply, kExec, kBalances } kind = kReply;
    uint64_t peer = 0;  // kReply: the requesting peer
    std::string text;   // kReply: the reply; kExec: one executions item
  };
  struct Held {
    Nanos due;
    Out out;
  };
  struct PrivState {
    bool executions = false;
    bool balances = false;
    uint64_t exec_seq = 0;
    uint64_t bal_seq = 0;
  };
  struct Resting {
    std::string cl_ord_id;
    int inst = 0;
    Side side = Side::kBuy;
    Price px;
    Qty qty;
    Qty filled;
    Nanos created;  // wall time
    std::string tif;
  };
  struct RateState {
    int64_t level_milli = 0;
    int64_t at_ns = 0;
  };

  bool TokenOk(const json& params) const {
    return params.contains("token") && params["token"].is_string() && tokens_.count(params["token"].get<std::string>());
  }

  // The pair's counter after decay to now (wall time).
  RateState& Rate(int inst) {
    RateState& r = rate_[inst];
    const int64_t now = WallNow().value;
    if (r.at_ns != 0 && now > r.at_ns) {
      const int64_t dec = static_cast<int64_t>(static_cast<__int128>(now - r.at_ns) * kRateDecayMilliPerS / 1'000'000'000);
      r.level_milli = std::max<int64_t>(0, r.level_milli - dec);
    }
    r.at_ns = now;
    return r;
  }

  static std::string Reply(const std::string& method, const json& req_id, const json& result, const std::string& time_in) {
    json r = {{"method", method}, {"result", result}, {"success", true}, {"time_in", time_in}, {"time_out", Now()}};
    if (!req_id.is_null()) r["req_id"] = req_id;
    return r.dump();
  }

  std::string NextOrderId() {
    // Kraken's shape: O + 5 characters, 5, 6 ("OABCDE-12345-FGHIJK"), from a counter.
    static constexpr char kAlpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    uint64_t v = ++order_seq_ * 0x9E3779B97F4A7C15ull;
    std::string id = "O";
    for (int i = 0; i < 16; ++i) {
      if (i == 5 || i == 10) id += '-';
      id += kAlpha[v & 31];
      v >>= 5;
      if (i == 11) v ^= order_seq_ * 0xBF58476D1CE4E5B9ull;
    }
    return id;
  }
  std::string NextExecId() {
    std::string id = NextOrderId();
    id[0] = 'T';
    return id;
  }

  const config::VenueSymbolConfig* SymOf(int inst) const {
    for (const auto& sym : cfg_.symbols)
      if (sym.instrument.value == inst) return &sym;
    return nullptr;
  }

  std::string Px(int inst, Price v) const {
    const auto* sym = SymOf(inst);
    return Fixed(v.raw(), Price::kDecimals, sym ? sym->price_decimals : 9);
  }
  std::string QtyText(int inst, Qty v) const {
    const auto* sym = SymOf(inst);
    return Fixed(v.raw(), Qty::kDecimals, sym ? sym->qty_decimals : 8);
  }

  std::string BalancesData() {
    std::string d = "[";
    bool first = true;
    for (const auto& [asset, amt] : s_->account(venue_).balances()) {
      if (!first) d += ",";
      first = false;
      const std::string b = Dec(amt.raw(), Amount::kDecimals);
      d += "{\"asset\":\"" + asset + "\",\"asset_class\":\"currency\",\"balance\":" + b +
           ",\"wallets\":[{\"type\":\"spot\",\"id\":\"main\",\"balance\":" + b + "}]}";
    }
    return d + "]";
  }

  void PushBalances(bool snapshot_to_new_only, Peer* only) {
    if (box_ != nullptr && !snapshot_to_new_only) {
      box_->push_back(Out{Out::kBalances, 0, {}});
      return;
    }
    for (Peer* q : s_->Peers(venue_)) {
      if (only != nullptr && q != only) continue;
      auto it = priv_.find(q->id);
      if (it == priv_.end() || !it->second.balances) continue;
      q->Send(std::string("{\"channel\":\"balances\",\"type\":\"") + (snapshot_to_new_only ? "snapshot" : "update") +
              "\",\"data\":" + BalancesData() + ",\"sequence\":" + std::to_string(++it->second.bal_seq) + "}");
    }
  }

  json RestingItem(const std::string& oid, const Resting& r) const {
    const auto* sym = SymOf(r.inst);
    json o = {{"order_id", oid},
              {"symbol", sym ? sym->symbol : ""},
              {"side", r.side == Side::kBuy ? "buy" : "sell"},
              {"order_type", "limit"},
              {"order_qty", json::number_float_t(0)},
              {"limit_price", json::number_float_t(0)},
              {"time_in_force", r.tif},
              {"order_status", r.filled.is_positive() ? "partially_filled" : "new"},
              {"exec_type", "new"},
              {"timestamp", Rfc3339(r.created)}};
    if (!r.cl_ord_id.empty()) o["cl_ord_id"] = r.cl_ord_id;
    return o;
  }

  // nlohmann writes doubles; the numbers Kraken sends are exact decimal text. Items are built
  // with placeholders and the exact text substituted.
  static std::string WithNumbers(json item, const std::vector<std::pair<std::string, std::string>>& nums) {
    for (const auto& [k, v] : nums) item[k] = "@@" + k + "@@";
    std::string t = item.dump();
    for (const auto& [k, v] : nums) {
      const std::string ph = "\"@@" + k + "@@\"";
      const size_t at = t.find(ph);
      if (at != std::string::npos) t.replace(at, ph.size(), v);
    }
    return t;
  }

  void PushExecText(const std::string& item_text) {
    if (box_ != nullptr) {
      box_->push_back(Out{Out::kExec, 0, item_text});
      return;
    }
    for (Peer* q : s_->Peers(venue_)) {
      auto it = priv_.find(q->id);
      if (it == priv_.end() || !it->second.executions) continue;
      q->Send("{\"channel\":\"executions\",\"type\":\"update\",\"data\":[" + item_text + "],\"sequence\":" +
              std::to_string(++it->second.exec_seq) + "}");
    }
  }

  void PrivateSubscribe(Peer& p, const std::string& method, const json& params, const json& req_id,
                        const std::string& time_in) {
    const std::string channel = params.value("channel", "");
    if (!TokenOk(params)) return p.Send(Error(method, req_id, "EAPI:Invalid token", "", time_in));
    PrivState& st = priv_[p.id];
    const bool on = method == "subscribe";
    if (channel == "executions") {
      st.executions = on;
      json result = {{"channel", "executions"}, {"snapshot", params.value("snap_orders", true)}};
      if (on) result["maxratecount"] = kRateMax;
      p.Send(Reply(method, req_id, result, time_in));
      const bool snap_orders = params.value("snap_orders", true), snap_trades = params.value("snap_trades", false);
      if (on && (snap_orders || snap_trades)) {
        // The venue's way to look orders up on WS v2 (ORDERS.md §1.3): the open orders and the
        // account's last fills (kMaxSnapTrades) in one snapshot, logged as a "list".
        std::string d = "[";
        bool first = true;
        size_t orders = 0, trades = 0;
        for (const auto& [oid, r] : snap_orders ? resting_ : std::map<std::string, Resting>{}) {
          if (!first) d += ",";
          first = false;
          ++orders;
          d += WithNumbers(RestingItem(oid, r), {{"order_qty", QtyText(r.inst, r.qty)},
                                                  {"limit_price", Px(r.inst, r.px)},
                                                  {"cum_qty", QtyText(r.inst, r.filled)}});
        }
        if (snap_trades) {
          for (const std::string& t : trades_) {
            if (!first) d += ",";
            first = false;
            ++trades;
            d += t;
          }
        }
        d += "]";
        s_->LogOrder(venue_, WallNow(), "list", "",
                     std::string("\"method\":\"subscribe\",\"channel\":\"executions\",\"snap_orders\":") +
                         (snap_orders ? "true" : "false") + ",\"snap_trades\":" + (snap_trades ? "true" : "false") +
                         ",\"req_id\":" + req_id.dump(),
                     "\"orders\":" + std::to_string(orders) + ",\"trades\":" + std::to_string(trades));
        p.Send("{\"channel\":\"executions\",\"type\":\"snapshot\",\"data\":" + d + ",\"sequence\":" +
               std::to_string(++st.exec_seq) + "}");
      }
    } else {
      st.balances = on;
      p.Send(Reply(method, req_id, {{"channel", "balances"}, {"snapshot", true}}, time_in));
      if (on) PushBalances(true, &p);
    }
  }

  // Order-entry faults (Faults, taken per add_order): the order is handled as usual with every
  // message it causes (reply, executions, balances) collected, then: drop_replies (or every
  // drop_reply_every-th order) → nothing is
  // sent (with reject_orders too: the refusal is lost), late_replies → all of it late_reply_ms
  // later (from the market clock's tick), duplicate_fills → every trade push twice,
  // disconnect_orders → the order session is closed instead of replying.
  void AddOrder(Peer& p, std::string_view msg, const json& params, const json& req_id, const std::string& time_in) {
    Faults& f = s_->faults(venue_);
    const bool drop = TakeDropReply(f);
    const bool late = !drop && TakeFault(f.late_replies);
    const bool dup = TakeFault(f.duplicate_fills);
    const bool disconnect = !drop && !late && TakeFault(f.disconnect_orders);
    fault_note_ = drop ? ",\"fault\":\"drop_replies\"" : late ? ",\"fault\":\"late_replies\"" :
                  disconnect ? ",\"fault\":\"disconnect_orders\"" : dup ? ",\"fault\":\"duplicate_fills\"" : "";
    std::vector<Out> box;
    box_ = &box;
    PlaceOrder(p, msg, params, req_id, time_in);
    box_ = nullptr;
    fault_note_.clear();
    if (drop) return;
    if (disconnect) return p.Close();
    const Nanos due{WallNow().value + f.late_reply_ms * 1'000'000};
    for (Out& o : box) {
      o.peer = o.kind == Out::kReply ? p.id : 0;
      const bool twice = dup && o.kind == Out::kExec && o.text.find("\"exec_type\":\"trade\"") != std::string::npos;
      for (int c = 0; c < (twice ? 2 : 1); ++c) {
        if (late) {
          held_.push_back(Held{due, o});
        } else {
          Deliver(o);
        }
      }
    }
  }

  void Deliver(const Out& o) {
    switch (o.kind) {
      case Out::kReply:
        for (Peer* q : s_->Peers(venue_))
          if (q->id == o.peer) q->Send(o.text);
        return;
      case Out::kExec:
        return PushExecText(o.text);
      case Out::kBalances:
        return PushBalances(false, nullptr);
    }
  }

  // Sends to the requesting peer, or collects while an add_order's faults are pending.
  void ToPeer(Peer& p, std::string text) {
    if (box_ != nullptr) return box_->push_back(Out{Out::kReply, p.id, std::move(text)});
    p.Send(std::move(text));
  }

  void PlaceOrder(Peer& p, std::string_view msg, const json& params, const json& req_id, const std::string& time_in) {
    const Nanos arrived = WallNow();
    s_->CountOrder();
    auto str = [&](const char* k) {
      return params.contains(k) && params[k].is_string() ? params[k].get<std::string>() : std::string();
    };
    const std::string cl_ord_id = str("cl_ord_id"), side_s = str("side"), symbol = str("symbol");
    std::string tif = str("time_in_force");
    for (char& c : tif) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (tif.empty()) tif = "gtc";
    const std::string qty_text = RawNumber(msg, "order_qty"), px_text = RawNumber(msg, "limit_price");
    auto log = [&](const std::string& result, const std::string& extra) {
      s_->LogOrder(venue_, arrived, "place", cl_ord_id,
                   "\"method\":\"add_order\",\"symbol\":" + json(symbol).dump() + ",\"side\":" + json(side_s).dump() +
                       ",\"order_qty\":" + json(qty_text).dump() + ",\"limit_price\":" + json(px_text).dump() +
                       ",\"time_in_force\":" + json(tif).dump() + ",\"cl_ord_id\":" + json(cl_ord_id).dump(),
                   "\"result\":\"" + result + "\"" + extra + fault_note_);
    };
    auto reject = [&](const std::string& error) {
      log("rejected", ",\"error\":" + json(error).dump());
      ToPeer(p, Error("add_order", req_id, error, "", time_in));
    };
    if (str("order_type") != "limit") return reject("EGeneral:Invalid arguments:order_type");
    if (side_s != "buy" && side_s != "sell") return reject("EGeneral:Invalid arguments:side");
    auto it = by_symbol_.find(symbol);
    if (it == by_symbol_.end()) return reject("EQuery:Unknown asset pair");
    if (tif != "ioc" && tif != "gtc") return reject("EGeneral:Invalid arguments:time_in_force");
    if (cl_ord_id.size() > 36) return reject("EGeneral:Invalid arguments:cl_ord_id");
    const int inst = it->second;
    const config::VenueSymbolConfig* vs = SymOf(inst);
    const auto px = ParseDecimal<Price>(px_text);
    const auto qty = ParseDecimal<Qty>(qty_text);
    if (!px.ok() || !px.value.is_positive() || !IsMultipleOf(px.value.raw(), vs->tick.raw()))
      return reject("EGeneral:Invalid arguments:limit_price");
    if (!qty.ok() || !qty.value.is_positive() || !IsMultipleOf(qty.value.raw(), vs->lot.raw()))
      return reject("EGeneral:Invalid arguments:order_qty");
    const bool post_only = params.contains("post_only") && params["post_only"].is_boolean() && params["post_only"].get<bool>();
    // The rate counter: the fixed count is charged even when the order is refused.
    RateState& rs = Rate(inst);
    const bool over = rs.level_milli + 1000 > kRateMax * 1000;
    rs.level_milli += 1000;
    if (over || TakeFault(s_->faults(venue_).rate_limit_orders)) return reject("EOrder:Rate limit exceeded");
    if (TakeFault(s_->faults(venue_).reject_orders)) return reject("EOrder:Insufficient funds");
    const auto& ic = s_->config().base.instruments[static_cast<size_t>(inst)];
    const std::string& base = s_->config().base.assets[ic.base.value].name;
    const std::string& quote = s_->config().base.assets[ic.quote.value].name;
    Account& acct = s_->account(venue_);
    const Side side = side_s == "buy" ? Side::kBuy : Side::kSell;
    const Amount need_quote = AmountFromNotional(MulNotional(px.value, qty.value, Rounding::kCeil));
    const Amount need_fee = Amount::FromRaw(MulRate(Notional::FromRaw(need_quote.raw()), acct.fee(), Rounding::kCeil).raw());
    if (side == Side::kBuy ? acct.balance(quote) < need_quote + need_fee : acct.balance(base) < AmountFromQty(qty.value))
      return reject("EOrder:Insufficient funds");
    SimBook& book = s_->market().book(venue_, inst);
    const bool crosses = side == Side::kBuy ? (!book.asks.empty() && px.value.raw() >= book.asks.begin()->first)
                                            : (!book.bids.empty() && px.value.raw() <= book.bids.begin()->first);
    if (post_only && crosses) return reject("EOrder:Post only order");

    const std::string oid = NextOrderId();
    json result = {{"order_id", oid}};
    if (!cl_ord_id.empty()) result["cl_ord_id"] = cl_ord_id;
    ToPeer(p, Reply("add_order", req_id, result, time_in));

    // pending_new with the order's detail, then a sparse `new`.
    json pending = {{"order_id", oid},          {"symbol", symbol},       {"order_qty", 0},
                    {"cum_cost", 0},            {"time_in_force", tif == "ioc" ? "IOC" : "GTC"},
                    {"exec_type", "pending_new"}, {"side", side_s},         {"order_type", "limit"},
                    {"limit_price", 0},         {"order_status", "pending_new"}, {"post_only", post_only},
                    {"timestamp", Now()}};
    if (!cl_ord_id.empty()) pending["cl_ord_id"] = cl_ord_id;
    PushExecText(WithNumbers(pending, {{"order_qty", QtyText(inst, qty.value)}, {"limit_price", Px(inst, px.value)},
                                       {"cum_cost", "0.0"}}));
    PushExecText(json{{"timestamp", Now()}, {"order_status", "new"}, {"exec_type", "new"}, {"order_id", oid}}.dump());

    // partial_orders: an IOC takes at most half its quantity (rounded down to the lot); the
    // rest is canceled as any IOC remainder.
    Qty want = qty.value;
    if (tif == "ioc" && TakeFault(s_->faults(venue_).partial_orders))
      want = Qty::FromRaw(qty.value.raw() / 2 / vs->lot.raw() * vs->lot.raw());
    std::vector<FillPart> parts;
    std::vector<BookDelta> deltas;
    if (crosses && want.is_positive()) book.Take(side, px.value, want, &parts, &deltas);
    Qty cum = Qty::Zero();
    Amount cum_cost = Amount::Zero();
    for (size_t k = 0; k < parts.size(); ++k) {
      const FillPart& fp = parts[k];
      const Amount cost = AmountFromNotional(MulNotional(fp.px, fp.qty, Rounding::kFloor));
      const Amount fee = CeilTo8(Amount::FromRaw(MulRate(Notional::FromRaw(cost.raw()), acct.fee(), Rounding::kCeil).raw()));
      // Kraken charges the fee in the quote currency (fciq).
      auto& bal = acct.balances();
      if (side == Side::kBuy) {
        bal[base] += AmountFromQty(fp.qty);
        bal[quote] -= cost + fee;
      } else {
        bal[base] -= AmountFromQty(fp.qty);
        bal[quote] += cost - fee;
      }
      cum += fp.qty;
      cum_cost += cost;
      const bool done = cum == qty.value;
      json trade = {{"order_id", oid},     {"exec_id", NextExecId()}, {"exec_type", "trade"},
                    {"trade_id", ++trade_id_}, {"symbol", symbol},  {"side", side_s},
                    {"last_qty", 0},       {"last_price", 0},       {"liquidity_ind", "t"},
                    {"cost", 0},           {"order_type", "limit"}, {"timestamp", Now()},
                    {"order_status", done ? "filled" : "partially_filled"},
                    {"cum_qty", 0},        {"cum_cost", 0},         {"fee_usd_equiv", 0},
                    {"fees", "@@fees@@"}};
      if (!cl_ord_id.empty()) trade["cl_ord_id"] = cl_ord_id;
      const std::string fee_text = Dec(fee.raw(), Amount::kDecimals);
      std::string t = WithNumbers(trade, {{"last_qty", QtyText(inst, fp.qty)}, {"last_price", Px(inst, fp.px)},
                                          {"cost", Dec(cost.raw(), Amount::kDecimals)}, {"cum_qty", QtyText(inst, cum)},
                                          {"cum_cost", Dec(cum_cost.raw(), Amount::kDecimals)}, {"fee_usd_equiv", fee_text}});
      const std::string ph = "\"@@fees@@\"";
      t.replace(t.find(ph), ph.size(), "[{\"asset\":\"" + quote + "\",\"qty\":" + fee_text + "}]");
      trades_.push_back(t);  // for snap_trades, whatever happens to the push
      if (trades_.size() > kMaxSnapTrades) trades_.pop_front();
      PushExecText(t);
    }
    if (!deltas.empty()) s_->PublishChange(s_->market().Record(venue_, inst, std::move(deltas)));
    if (!parts.empty()) PushBalances(false, nullptr);
    if (cum == qty.value) {
      PushExecText(json{{"timestamp", Now()}, {"order_status", "filled"}, {"exec_type", "filled"}, {"order_id", oid}}.dump());
      log("filled", ",\"cum_qty\":\"" + QtyText(inst, cum) + "\"");
      return;
    }
    if (tif == "ioc") {
      json c = {{"timestamp", Now()}, {"order_status", "canceled"}, {"exec_type", "canceled"}, {"order_id", oid},
                {"cum_qty", 0},       {"reason", "Immediate or cancel"}};
      if (!cl_ord_id.empty()) c["cl_ord_id"] = cl_ord_id;
      PushExecText(WithNumbers(c, {{"cum_qty", QtyText(inst, cum)}}));
      log(cum.is_positive() ? "partial" : "expired", ",\"cum_qty\":\"" + QtyText(inst, cum) + "\"");
      return;
    }
    resting_[oid] = Resting{cl_ord_id, inst, side, px.value, qty.value, cum, WallNow(), "GTC"};
    log("resting", ",\"order_id\":\"" + oid + "\",\"cum_qty\":\"" + QtyText(inst, cum) + "\"");
  }

  // Removes a resting order and streams its `canceled`.
  void CancelResting(const std::string& oid, const std::string& reason) {
    auto it = resting_.find(oid);
    if (it == resting_.end()) return;
    const Resting r = it->second;
    resting_.erase(it);
    json c = {{"timestamp", Now()}, {"order_status", "canceled"}, {"exec_type", "canceled"}, {"order_id", oid},
              {"cum_qty", 0},       {"reason", reason}};
    if (!r.cl_ord_id.empty()) c["cl_ord_id"] = r.cl_ord_id;
    PushExecText(WithNumbers(c, {{"cum_qty", QtyText(r.inst, r.filled)}}));
  }

  void CancelOrder(Peer& p, const json& params, const json& req_id, const std::string& time_in) {
    const bool by_oid = params.contains("order_id"), by_cl = params.contains("cl_ord_id");
    const json ids = by_oid ? params["order_id"] : by_cl ? params["cl_ord_id"] : json();
    if (by_oid == by_cl || !ids.is_array() || ids.empty())
      return p.Send(Error("cancel_order", req_id, "EGeneral:Invalid arguments", "", time_in));
    for (const auto& idj : ids) {
      const std::string id = idj.is_string() ? idj.get<std::string>() : std::string();
      s_->LogOrder(venue_, WallNow(), "cancel", by_cl ? id : std::string(),
                   std::string("\"method\":\"cancel_order\",\"") + (by_cl ? "cl_ord_id" : "order_id") + "\":" + json(id).dump());
      std::string oid;
      for (const auto& [o, r] : resting_)
        if ((by_oid && o == id) || (by_cl && !id.empty() && r.cl_ord_id == id)) oid = o;
      if (oid.empty()) {
        p.Send(Error("cancel_order", req_id, "EOrder:Unknown order", "", time_in));
        continue;
      }
      const Resting r = resting_.at(oid);
      Rate(r.inst).level_milli += CancelCost(WallNow().value - r.created.value) * 1000;
      json result = {{"order_id", oid}};
      if (!r.cl_ord_id.empty()) result["cl_ord_id"] = r.cl_ord_id;
      p.Send(Reply("cancel_order", req_id, result, time_in));
      CancelResting(oid, "User requested");
    }
  }

  void CancelAll(Peer& p, const json& req_id, const std::string& time_in) {
    s_->LogOrder(venue_, WallNow(), "cancel_all", "", "\"method\":\"cancel_all\",\"req_id\":" + req_id.dump());
    std::vector<std::string> ids;
    for (const auto& [oid, r] : resting_) ids.push_back(oid);
    p.Send(Reply("cancel_all", req_id, {{"count", ids.size()}}, time_in));
    for (const std::string& oid : ids) {
      Rate(resting_.at(oid).inst).level_milli += CancelCost(WallNow().value - resting_.at(oid).created.value) * 1000;
      CancelResting(oid, "User requested");
    }
  }

  void DeadMan(Peer& p, const json& params, const json& req_id, const std::string& time_in) {
    if (!params.contains("timeout") || !params["timeout"].is_number_integer() || params["timeout"].get<int64_t>() < 0 ||
        params["timeout"].get<int64_t>() >= 86'400)
      return p.Send(Error("cancel_all_orders_after", req_id, "EGeneral:Invalid arguments:timeout", "", time_in));
    const int64_t timeout = params["timeout"].get<int64_t>();
    const Nanos now = WallNow();
    s_->LogOrder(venue_, now, "dead_man", "",
                 "\"method\":\"cancel_all_orders_after\",\"timeout\":" + std::to_string(timeout) + ",\"req_id\":" + req_id.dump());
    dead_man_armed_ = timeout > 0;
    dead_man_deadline_ = Nanos{now.value + timeout * 1'000'000'000};
    p.Send(Reply("cancel_all_orders_after", req_id,
                 {{"currentTime", Rfc3339Seconds(now)}, {"triggerTime", Rfc3339Seconds(timeout > 0 ? dead_man_deadline_ : now)}},
                 time_in));
  }

  bool Stalled(const Peer& p) { return p.stalled || s_->faults(venue_).stall; }

  static int DepthOf(const Peer& p, int inst) {
    for (const auto& [depth, i] : p.subs)
      if (i == inst) return depth;
    return 0;
  }

  bool Pending(const Peer& p, int inst) const {
    auto it = pending_.find(p.id);
    if (it == pending_.end()) return false;
    for (const auto& [i, d] : it->second)
      if (i == inst) return true;
    return false;
  }

  Qty LotOf(int inst) const {
    for (const auto& s : cfg_.symbols)
      if (s.instrument.value == inst) return s.lot;
    return Qty::FromRaw(1);
  }

  static void TopOf(const SimBook& b, int depth, View* v) { b.Top(depth, &v->bids, &v->asks); }

  // Levels that changed between two windows of one side (best first). A level that left the
  // window is deleted only when it left the book; one pushed below the depth is not sent.
  template <typename InBook>
  static void Diff(const std::vector<Level>& before, const std::vector<Level>& after, InBook in_book,
                   std::vector<Level>* out) {
    std::map<int64_t, Qty> now;
    for (const Level& l : after) now[l.px.raw()] = l.qty;
    for (const Level& l : before)
      if (now.find(l.px.raw()) == now.end() && !in_book(l.px.raw())) out->push_back({l.px, Qty::Zero()});
    std::map<int64_t, Qty> old;
    for (const Level& l : before) old[l.px.raw()] = l.qty;
    for (const Level& l : after) {
      auto it = old.find(l.px.raw());
      if (it == old.end() || it->second != l.qty) out->push_back(l);
    }
  }

  void EnsureView(int inst, int depth) {
    auto key = std::make_pair(inst, depth);
    if (views_.count(key)) return;
    TopOf(s_->market().book(venue_, inst), depth, &views_[key]);
  }

  // Drops windows nobody subscribes to any more.
  void PruneViews() {
    std::set<std::pair<int, int>> used;
    for (Peer* p : s_->Peers(venue_))
      for (const auto& [depth, inst] : p->subs) used.insert({inst, depth});
    for (auto it = views_.begin(); it != views_.end();) it = used.count(it->first) ? std::next(it) : views_.erase(it);
  }

  static uint32_t Checksum(const Pair& pair, const View& v) {
    std::string text;
    for (size_t k = 0; k < v.asks.size() && k < static_cast<size_t>(kChecksumLevels); ++k)
      text += ChecksumPiece(Fixed(v.asks[k].px.raw(), Price::kDecimals, pair.price_decimals)) +
              ChecksumPiece(Fixed(v.asks[k].qty.raw(), Qty::kDecimals, pair.qty_decimals));
    for (size_t k = 0; k < v.bids.size() && k < static_cast<size_t>(kChecksumLevels); ++k)
      text += ChecksumPiece(Fixed(v.bids[k].px.raw(), Price::kDecimals, pair.price_decimals)) +
              ChecksumPiece(Fixed(v.bids[k].qty.raw(), Qty::kDecimals, pair.qty_decimals));
    return Crc32Ieee(text);
  }

  static std::string Levels(const Pair& pair, const std::vector<Level>& ls) {
    std::string s = "[";
    for (size_t k = 0; k < ls.size(); ++k) {
      if (k) s += ',';
      s += "{\"price\":" + Fixed(ls[k].px.raw(), Price::kDecimals, pair.price_decimals) +
           ",\"qty\":" + Fixed(ls[k].qty.raw(), Qty::kDecimals, pair.qty_decimals) + "}";
    }
    return s + "]";
  }

  static std::string BookMessage(const char* type, const Pair& pair, const std::vector<Level>& bids,
                                 const std::vector<Level>& asks, uint32_t checksum, const std::string& ts) {
    return std::string("{\"channel\":\"book\",\"type\":\"") + type + "\",\"data\":[{\"symbol\":\"" + pair.symbol +
           "\",\"bids\":" + Levels(pair, bids) + ",\"asks\":" + Levels(pair, asks) +
           ",\"checksum\":" + std::to_string(checksum) + ",\"timestamp\":\"" + ts + "\"}]}";
  }

  std::string Snapshot(int inst, int depth) {
    const Pair& pair = pairs_.at(inst);
    View v;
    TopOf(s_->market().book(venue_, inst), depth, &v);
    return BookMessage("snapshot", pair, v.bids, v.asks, Checksum(pair, v), Now());
  }

  static std::string Ack(const std::string& method, const json& req_id, const std::string& sym, int depth,
                         bool subscribe, const std::string& time_in) {
    json result = {{"channel", "book"}, {"depth", depth}, {"symbol", sym}};
    if (subscribe) result["snapshot"] = true;
    json r = {{"method", method}, {"result", result}, {"success", true}, {"time_in", time_in}, {"time_out", Now()}};
    if (!req_id.is_null()) r["req_id"] = req_id;
    return r.dump();
  }

  static std::string Error(const std::string& method, const json& req_id, const std::string& error,
                           const std::string& sym, const std::string& time_in) {
    json r = {{"error", error}, {"method", method}, {"success", false}, {"time_in", time_in}, {"time_out", Now()}};
    if (!sym.empty()) r["symbol"] = sym;
    if (!req_id.is_null()) r["req_id"] = req_id;
    return r.dump();
  }

  Server* s_;
  int venue_;
  const config::VenueConfig& cfg_;
  std::string path_;
  std::map<int, Pair> pairs_;  // by instrument id
  std::map<std::string, int> by_symbol_;
  std::map<std::pair<int, int>, View> views_;                  // (instrument, depth) → window
  std::map<uint64_t, std::set<std::pair<int, int>>> pending_;  // peer id → (instrument, depth)
  int64_t last_heartbeat_ns_ = 0;
  // Order entry.
  std::string order_path_;
  std::string secret_;  // base64-decoded API secret
  bool secret_ok_ = false;
  uint64_t last_nonce_ = 0;
  uint64_t tokens_issued_ = 0;
  std::set<std::string> tokens_;
  std::map<uint64_t, PrivState> priv_;      // by peer id
  std::map<std::string, Resting> resting_;  // by order id
  std::map<int, RateState> rate_;           // by instrument
  uint64_t order_seq_ = 0;
  std::vector<Out>* box_ = nullptr;  // set while an add_order is handled
  std::deque<Held> held_;            // late_replies, oldest first
  std::string fault_note_;           // the order log's "fault" member for the order being handled
  std::deque<std::string> trades_;   // the account's last trade items (snap_trades), oldest first
  uint64_t trade_id_ = 62'887'576;
  bool dead_man_armed_ = false;
  Nanos dead_man_deadline_;
  uint64_t dead_man_fired_ = 0;
};

}  // namespace

std::unique_ptr<Protocol> MakeKrakenProtocol(Server* s, int venue) {
  return std::make_unique<KrakenProtocol>(s, venue);
}

}  // namespace hs::sim
