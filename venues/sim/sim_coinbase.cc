// Coinbase Advanced Trade market data as the simulator speaks it (venues/README §2.7-2.9):
// a websocket on the configured market_data_url path taking {"type":"subscribe"|"unsubscribe",
// "product_ids":[...],"channel":"level2"|"heartbeats"}; every frame it sends is an envelope
// {"channel","client_id","timestamp","sequence_num","events"} with sequence_num counting the
// envelopes of that connection across all channels (Peer::sent_seq, from 0). A level2 subscribe
// is answered with one l2_data `snapshot` event per product holding the whole simulated book,
// then a `subscriptions` ack; book changes go out as `update` events (side "bid"/"offer",
// new_quantity "0" deletes); heartbeat subscribers get a `heartbeats` envelope every second.
//
// Faults (Faults in sim_server.h):
//   drop_next             the next N l2_data update envelopes are not sent, but each subscriber's
//                         sequence_num still advances: the client sees a gap, as after a loss
//   corrupt_checksum_next Coinbase has no checksum: ignored
//   cross_next            the next N update envelopes carry an extra bid above the best offer
//   stall                 nothing is sent (heartbeats and acks too); the envelopes that would
//                         have gone out still take their sequence_num, so when the stream comes
//                         back the client sees the loss as a gap (and a long stall trips the
//                         client's idle timeout)
//
// Order entry (ORDERS.md §2, §7) on the venue's rest_url, HTTP/1.1 keep-alive:
//   POST /api/v3/brokerage/orders              sor_limit_ioc | limit_limit_fok | limit_limit_gtc
//   POST /api/v3/brokerage/orders/batch_cancel {"order_ids":[...]} → per-order results
//   GET  /api/v3/brokerage/orders/historical/batch[?order_status=OPEN]   GET .../historical/{id}
//   GET  /api/v3/brokerage/accounts
// Every request needs "Authorization: Bearer <JWT>", verified with the account's PUBLIC key
// ([sim.accounts.<venue>] public_key_env names the environment variable holding its PEM):
// ES256 signature, kid/sub = the key name (api_key_env), iss "cdp", nbf/exp window (≤ 120 s,
// 5 s skew), uri = "<METHOD> <Host><path>", and a nonce never seen before (Coinbase asks for a
// new JWT per request; the simulator enforces it). Failures are 401 {"error":"UNAUTHENTICATED"}.
// More than 30 requests in any one-second window per account → 429 (RateLimited; the real 429
// body text is unverified). Refusals of a well-formed create are HTTP 200 with success:false and
// error_response, as Coinbase sends them. Matching: IOC takes what crosses and expires the rest;
// FOK fills completely or expires untouched; GTC takes what crosses and rests the remainder
// (a resting order never trades later: the random-walk book does not sweep it); post-only GTC
// that would cross is refused (INVALID_LIMIT_PRICE_POST_ONLY). Fees are charged in the quote
// asset at the account's taker fee, rounded up to 10^-9. Fills and state changes are pushed on
// the `user` channel (websocket on the order_url path, subscribe with a JWT) as cumulative
// quantities, avg_price, total_fees and total_value_after_fees; the subscribe gets a snapshot of
// open orders batched by 50. Duplicate client_order_id: refused as INVALID_REQUEST (Coinbase's
// behaviour is unverified). No dead man's switch: nothing is canceled on disconnect.
//
// Order-entry faults (Faults, taken per create): rate_limit_orders → HTTP 429 with the error
// body the request window uses, the order not handled; reject_orders → INSUFFICIENT_FUND;
// partial_orders → an IOC (sor_limit_ioc) takes half its size, rounded down to the lot, and
// the rest expires (status EXPIRED, as any IOC remainder);
// drop_replies (and every drop_reply_every-th create) → the order is handled, but no REST
// answer is written (HttpResult::no_reply: that keep-alive connection answers nothing more,
// HTTP/1.1 keeping responses in request order) and its user-channel pushes are never sent;
// late_replies → the user pushes go out late_reply_ms later from the market clock's tick (with
// drop_replies: no answer, the pushes late);
// duplicate_fills → every user push twice; disconnect_orders → the order is handled, the REST
// reply goes out, and the user-channel sessions are closed instead of pushing.
#include <time.h>

#include <cctype>
#include <cstdio>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>

#include "core/base/decimal.h"
#include "venues/common/jwt_es256.h"
#include "venues/common/signing.h"
#include "venues/common/url.h"
#include "venues/sim/sim_server.h"

namespace hs::sim {
namespace {

using json = nlohmann::json;
constexpr int kChanLevel2 = 1;
constexpr int kChanHeartbeats = 2;
constexpr int kChanUser = 3;
constexpr int kRestPerSecond = 30;
constexpr int64_t kHeartbeatEveryNs = 1'000'000'000;

std::string Dec(int64_t raw, int scale) {
  char buf[kMaxDecimalText];
  FormatDecimal(raw, scale, buf);
  return buf;
}

// RFC 3339 UTC with nanoseconds, as Coinbase writes envelope timestamps.
std::string Rfc3339(Nanos t) {
  const time_t secs = static_cast<time_t>(t.value / 1'000'000'000);
  const long nanos = static_cast<long>(t.value % 1'000'000'000);
  tm u{};
  gmtime_r(&secs, &u);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", u.tm_year + 1900, u.tm_mon + 1, u.tm_mday,
                u.tm_hour, u.tm_min, u.tm_sec, nanos);
  return buf;
}

std::string Level(bool bid, Price px, Qty qty, const std::string& event_time) {
  return std::string("{\"side\":\"") + (bid ? "bid" : "offer") + "\",\"event_time\":\"" + event_time +
         "\",\"price_level\":\"" + Dec(px.raw(), Price::kDecimals) + "\",\"new_quantity\":\"" +
         Dec(qty.raw(), Qty::kDecimals) + "\"}";
}

class CoinbaseProtocol final : public Protocol {
 public:
  CoinbaseProtocol(Server* s, int venue) : s_(s), venue_(venue), cfg_(s->config().base.venues[static_cast<size_t>(venue)]) {
    for (const auto& sym : cfg_.symbols) by_symbol_[sym.symbol] = sym.instrument.value;
    auto url = venues::ParseUrl(cfg_.market_data_url);
    path_ = url.ok() ? url->target : "/";
    const size_t q = path_.find('?');
    if (q != std::string::npos) path_.resize(q);
    if (!cfg_.order_url.empty()) {
      auto ou = venues::ParseUrl(cfg_.order_url);
      if (ou.ok()) user_path_ = ou->target.substr(0, ou->target.find('?'));
    }
    if (!cfg_.rest_url.empty()) {
      auto ru = venues::ParseUrl(cfg_.rest_url);
      if (ru.ok()) rest_host_ = ru->HostHeader();
    }
    const SimAccount& acct = s->config().accounts[static_cast<size_t>(venue)];
    std::string pem;
    if (!acct.public_key_env.empty() && venues::ReadSecretEnv(acct.public_key_env, &pem)) {
      auto v = venues::Es256Verifier::FromPublicPem(pem);
      if (v.ok()) {
        verifier_ = std::move(*v);
      } else {
        std::fprintf(stderr, "homeostat-sim: venue %s: %s: %s\n", cfg_.name.c_str(), acct.public_key_env.c_str(),
                     std::string(v.status().message()).c_str());
      }
    }
  }

  void OnOpen(Peer& p) override {
    std::string t = p.target;
    const size_t q = t.find('?');
    if (q != std::string::npos) t.resize(q);
    if (t != path_ && (user_path_.empty() || t != user_path_)) p.Close();
  }

  void OnClose(Peer& p) override { heartbeat_counter_.erase(p.id); }

  void OnText(Peer& p, std::string_view msg) override {
    const json j = json::parse(msg, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return SendError(p, "malformed request");
    const std::string type = j.value("type", "");
    const std::string channel = j.contains("channel") && j["channel"].is_string() ? j["channel"].get<std::string>() : "";
    if (type != "subscribe" && type != "unsubscribe") return SendError(p, "unknown request type '" + type + "'");
    const bool sub = type == "subscribe";
    bool authed = false;
    if (!user_path_.empty() && p.target.substr(0, p.target.find('?')) == user_path_ && user_path_ != path_) {
      // The user endpoint: every subscribe carries a JWT (no uri claim).
      std::string why;
      if (!j.contains("jwt") || !j["jwt"].is_string() || !CheckJwt(j["jwt"].get<std::string>(), "", &why))
        return SendError(p, "authentication failure: " + why);
      authed = true;
    }
    if (channel == "user") {
      if (!sub) {
        p.subs.erase({kChanUser, -1});
        return Envelope(p, "subscriptions", SubscriptionsEvent(p));
      }
      std::string why;
      if (!authed && (!j.contains("jwt") || !j["jwt"].is_string() || !CheckJwt(j["jwt"].get<std::string>(), "", &why)))
        return SendError(p, "authentication failure: " + why);
      p.subs.insert({kChanUser, -1});
      // Snapshot of open orders, batched by 50 (one empty snapshot when there are none).
      std::vector<const SimOrder*> open;
      for (const auto& [id, o] : orders_)
        if (o.status == "OPEN") open.push_back(&o);
      size_t k = 0;
      do {
        std::string ev = R"({"type":"snapshot","orders":[)";
        for (size_t n = 0; n < 50 && k < open.size(); ++n, ++k) ev += (n ? "," : "") + OrderJson(*open[k]);
        Envelope(p, "user", ev + "]}");
      } while (k < open.size());
      return Envelope(p, "subscriptions", SubscriptionsEvent(p));
    }
    if (channel == "heartbeats") {
      if (sub) {
        p.subs.insert({kChanHeartbeats, -1});
        heartbeat_counter_.emplace(p.id, 0);
      } else {
        p.subs.erase({kChanHeartbeats, -1});
      }
      return Envelope(p, "subscriptions", SubscriptionsEvent(p));
    }
    if (channel != "level2") return SendError(p, "unsupported channel '" + channel + "'");
    if (!j.contains("product_ids") || !j["product_ids"].is_array()) return SendError(p, "product_ids must be an array");
    std::vector<int> insts;
    for (const auto& x : j["product_ids"]) {
      auto it = x.is_string() ? by_symbol_.find(x.get<std::string>()) : by_symbol_.end();
      if (it == by_symbol_.end()) return SendError(p, "Failed to subscribe: unknown product " + x.dump());
      insts.push_back(it->second);
    }
    for (int inst : insts) {
      if (!sub) {
        p.subs.erase({kChanLevel2, inst});
        continue;
      }
      p.subs.insert({kChanLevel2, inst});
      Envelope(p, "l2_data", SnapshotEvent(inst));
    }
    Envelope(p, "subscriptions", SubscriptionsEvent(p));
  }

  void OnBookChange(const BookChange& c) override {
    if (c.deltas.empty()) return;  // nothing changed: Coinbase sends no empty updates
    Faults& f = s_->faults(venue_);
    bool drop = false;
    bool cross = false;
    if (f.drop_next > 0) {
      --f.drop_next;
      drop = true;
    }
    if (f.cross_next > 0) {
      --f.cross_next;
      cross = true;
    }
    std::string event;
    for (Peer* p : s_->Peers(venue_)) {
      if (!p->subs.count({kChanLevel2, c.instrument})) continue;
      if (drop) {
        ++p->sent_seq;  // lost on the way: the sequence moves on without the frame
        continue;
      }
      if (event.empty()) event = UpdateEvent(c, cross);
      Envelope(*p, "l2_data", event);
    }
  }

  void OnTick(Nanos now) override {
    while (!held_.empty() && WallNow().value >= held_.front().first.value) {
      const std::string ev = std::move(held_.front().second);
      held_.pop_front();
      SendUser(ev);
    }
    if (now < next_heartbeat_) return;
    next_heartbeat_ = Nanos{now.value + kHeartbeatEveryNs};
    for (Peer* p : s_->Peers(venue_)) {
      if (!p->subs.count({kChanHeartbeats, -1})) continue;
      const uint64_t n = ++heartbeat_counter_[p->id];
      Envelope(*p, "heartbeats",
               "{\"current_time\":\"" + Rfc3339(WallNow()) + "\",\"heartbeat_counter\":" + std::to_string(n) + "}");
    }
  }

 private:
  // Sends one envelope with the peer's next sequence_num (or, while stalled, only takes it).
  void Envelope(Peer& p, const char* channel, const std::string& event) {
    const uint64_t seq = p.sent_seq++;
    if (s_->faults(venue_).stall || p.stalled) return;
    p.Send(std::string("{\"channel\":\"") + channel + "\",\"client_id\":\"\",\"timestamp\":\"" + Rfc3339(WallNow()) +
           "\",\"sequence_num\":" + std::to_string(seq) + ",\"events\":[" + event + "]}");
  }

  void SendError(Peer& p, const std::string& message) {
    p.Send(json{{"type", "error"}, {"message", message}}.dump());
  }

  const std::string& SymbolOf(int inst) const {
    for (const auto& s : cfg_.symbols)
      if (s.instrument.value == inst) return s.symbol;
    static const std::string kNone;
    return kNone;
  }

  std::string SubscriptionsEvent(const Peer& p) const {
    json l2 = json::array();
    json hb = json::array();
    json user = json::array();
    for (const auto& [ch, inst] : p.subs) {
      if (ch == kChanLevel2) l2.push_back(SymbolOf(inst));
      if (ch == kChanHeartbeats) hb.push_back("heartbeats");
      if (ch == kChanUser) user.push_back("user");
    }
    json subs = json::object();
    if (!user.empty()) subs["user"] = user;
    if (!l2.empty()) subs["level2"] = l2;
    if (!hb.empty()) subs["heartbeats"] = hb;
    return json{{"subscriptions", subs}}.dump();
  }

  std::string SnapshotEvent(int inst) const {
    const SimBook& book = s_->market().book(venue_, inst);
    static const std::string kEpoch = "1970-01-01T00:00:00Z";  // what Coinbase puts in snapshots
    std::string out = "{\"type\":\"snapshot\",\"product_id\":\"" + SymbolOf(inst) + "\",\"updates\":[";
    bool first = true;
    for (const auto& [px, q] : book.bids) {
      out += (first ? "" : ",") + Level(true, Price::FromRaw(px), q, kEpoch);
      first = false;
    }
    for (const auto& [px, q] : book.asks) {
      out += (first ? "" : ",") + Level(false, Price::FromRaw(px), q, kEpoch);
      first = false;
    }
    return out + "]}";
  }

  std::string UpdateEvent(const BookChange& c, bool cross) const {
    const SimBook& book = s_->market().book(c.venue, c.instrument);
    const std::string now = Rfc3339(WallNow());
    std::string out = "{\"type\":\"update\",\"product_id\":\"" + SymbolOf(c.instrument) + "\",\"updates\":[";
    bool first = true;
    for (const BookDelta& d : c.deltas) {
      out += (first ? "" : ",") + Level(d.bid, d.px, d.qty, now);
      first = false;
    }
    if (cross && book.has_top()) {
      // A bid above the best offer: the client's book crosses (the simulated book does not).
      const Price px = book.best_ask().px + book.best_ask().px - book.best_bid().px;
      out += (first ? "" : ",") + Level(true, px, Qty::FromRaw(100000), now);
    }
    return out + "]}";
  }

 public:
  bool OnHttpWithHeaders(const std::string& method, const std::string& target, const Headers& headers,
                         const std::string& body, HttpResult* out) override {
    std::string authorization;
    for (const auto& [name, value] : headers) {
      std::string n = name;
      for (char& ch : n) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (n == "authorization") authorization = value;
    }
    const std::string path = target.substr(0, target.find('?'));
    const std::string query = target.find('?') == std::string::npos ? "" : target.substr(target.find('?') + 1);
    if (path.rfind("/api/v3/brokerage/", 0) != 0) return false;
    std::string why;
    const std::string bearer = "Bearer ";
    if (authorization.rfind(bearer, 0) != 0 || !CheckJwt(authorization.substr(bearer.size()), method + " " + rest_host_ + path, &why)) {
      return Reply(out, 401, json{{"error", "UNAUTHENTICATED"}, {"error_details", why}, {"message", "Unauthorized"}});
    }
    // 30 private requests per second per account (ORDERS.md §2.6): a one-second sliding window.
    const int64_t now = MonoNow().value;
    while (!recent_.empty() && now - recent_.front() >= 1'000'000'000) recent_.pop_front();
    if (static_cast<int>(recent_.size()) >= kRestPerSecond) return RateLimited(out);
    recent_.push_back(now);
    if (method == "POST" && path == "/api/v3/brokerage/orders") return CreateWithFaults(body, out);
    if (method == "POST" && path == "/api/v3/brokerage/orders/batch_cancel") {
      // The engine's kill path lists open orders, then batch-cancels them: one cancel_all.
      s_->LogOrder(venue_, WallNow(), "cancel_all", "", "\"path\":" + json(path).dump() + ",\"body\":" + json(body).dump());
      return BatchCancel(body, out);
    }
    if (method == "GET" && path == "/api/v3/brokerage/accounts") return Accounts(out);
    if (method == "GET" && path == "/api/v3/brokerage/orders/historical/batch") {
      json list = json::array();
      const bool open_only = query.find("order_status=OPEN") != std::string::npos;
      s_->LogOrder(venue_, WallNow(), "list", "", "\"path\":" + json(path).dump() + ",\"query\":" + json(query).dump());
      for (const auto& [id, o] : orders_) {
        if (open_only && o.status != "OPEN") continue;
        json x = json::parse(OrderJson(o));
        x["filled_size"] = x["cumulative_quantity"];  // the REST Order object's names
        x["average_filled_price"] = x["avg_price"];
        list.push_back(std::move(x));
      }
      return Reply(out, 200, json{{"orders", list}, {"has_next", false}, {"cursor", ""}, {"sequence", "0"}});
    }
    const std::string hist = "/api/v3/brokerage/orders/historical/";
    if (method == "GET" && path.rfind(hist, 0) == 0) {
      auto it = orders_.find(path.substr(hist.size()));
      s_->LogOrder(venue_, WallNow(), "query", it != orders_.end() ? it->second.client_order_id : std::string(),
                   "\"path\":" + json(path).dump());
      if (it == orders_.end()) return Reply(out, 404, json{{"error", "NOT_FOUND"}, {"error_details", "order not found"}, {"message", "order not found"}});
      json o = json::parse(OrderJson(it->second));
      o["filled_size"] = o["cumulative_quantity"];
      o["average_filled_price"] = o["avg_price"];
      return Reply(out, 200, json{{"order", o}});
    }
    return Reply(out, 404, json{{"error", "NOT_FOUND"}, {"message", "unknown endpoint"}});
  }

 private:
  struct SimOrder {
    std::string order_id, client_order_id, product_id, config, status = "OPEN", time_in_force;
    int inst = 0;
    Side side = Side::kBuy;
    Price limit;
    Qty qty, filled;
    Amount quote, fees;
  };

  static bool Reply(HttpResult* out, int status, const json& j) {
    out->status = status;
    out->body = j.dump();
    return true;
  }

  // HTTP 429 in Coinbase's error shape ({error, error_details, message}, as its other errors;
  // the exact 429 text is unverified: one report shows an HTML page from the gateway).
  static bool RateLimited(HttpResult* out) {
    return Reply(out, 429, json{{"error", "RATE_LIMIT_EXCEEDED"}, {"error_details", "Too many requests"}, {"message", "Too many requests"}});
  }

  bool CheckJwt(const std::string& token, const std::string& uri, std::string* why) {
    if (!verifier_) {
      *why = "no public key configured for this account";
      return false;
    }
    auto parts = verifier_->Verify(token);
    if (!parts.ok()) {
      *why = std::string(parts.status().message());
      return false;
    }
    const json h = json::parse(parts->header_json, nullptr, false);
    const json c = json::parse(parts->claims_json, nullptr, false);
    if (!h.is_object() || !c.is_object()) return *why = "header or claims not JSON", false;
    const std::string& key = s_->api_key(venue_);
    if (h.value("kid", "") != key || c.value("sub", "") != key) return *why = "kid/sub is not this account's key name", false;
    if (c.value("iss", "") != "cdp") return *why = "iss is not cdp", false;
    const int64_t now = WallNow().value / 1'000'000'000;
    const int64_t nbf = c.value("nbf", int64_t{0});
    const int64_t exp = c.value("exp", int64_t{0});
    if (nbf > now + 5) return *why = "not yet valid (nbf)", false;
    if (exp < now) return *why = "expired", false;
    if (exp - nbf > 120) return *why = "lifetime longer than 120 s", false;
    if (!uri.empty() && c.value("uri", "") != uri) return *why = "uri claim does not match the request", false;
    const std::string nonce = h.value("nonce", "");
    if (nonce.empty()) return *why = "no nonce", false;
    // A JWT per request: a nonce seen before is a replay.
    for (auto it = nonces_.begin(); it != nonces_.end();) it = it->second < now ? nonces_.erase(it) : std::next(it);
    if (!nonces_.emplace(nonce, exp).second) return *why = "nonce already used", false;
    return true;
  }

  static std::string Failure(const std::string& reason, const std::string& message) {
    return json{{"success", false},
                {"failure_reason", "UNKNOWN_FAILURE_REASON"},
                {"order_id", ""},
                {"error_response",
                 {{"error", reason}, {"message", message}, {"error_details", message}, {"new_order_failure_reason", reason}}}}
        .dump();
  }

  std::string NewOrderId() {
    ++next_order_;
    char buf[48];
    std::snprintf(buf, sizeof buf, "%08llx-%04x-4%03x-8%03x-%012llx", static_cast<unsigned long long>(0xc0b0000 + venue_),
                  static_cast<unsigned>(next_order_ >> 32 & 0xffff), static_cast<unsigned>(next_order_ >> 20 & 0xfff),
                  static_cast<unsigned>(next_order_ >> 8 & 0xfff), static_cast<unsigned long long>(next_order_));
    return buf;
  }

  const config::InstrumentConfig& Inst(int inst) const { return s_->config().base.instruments[static_cast<size_t>(inst)]; }

  bool CreateWithFaults(const std::string& body, HttpResult* out) {
    Faults& f = s_->faults(venue_);
    if (TakeFault(f.rate_limit_orders)) {
      const json j = json::parse(body, nullptr, false);
      const std::string cid = j.is_object() ? j.value("client_order_id", "") : "";
      s_->LogOrder(venue_, WallNow(), "place", cid, "\"client_order_id\":" + json(cid).dump(),
                   "\"result\":\"rejected\",\"reason\":\"rate_limit\"");
      return RateLimited(out);
    }
    const bool drop = TakeDropReply(f);
    const bool late = TakeFault(f.late_replies);
    const bool dup = TakeFault(f.duplicate_fills);
    const bool disconnect = !drop && TakeFault(f.disconnect_orders);
    std::vector<std::string> pushes;
    collect_ = &pushes;
    Create(body, out);
    collect_ = nullptr;
    if (drop) out->no_reply = true;
    const Nanos due{WallNow().value + f.late_reply_ms * 1'000'000};
    for (const std::string& ev : pushes) {
      for (int c = 0; c < (dup ? 2 : 1); ++c) {
        if (late) {
          held_.push_back({due, ev});
        } else if (!drop && !disconnect) {
          SendUser(ev);
        }
      }
    }
    if (disconnect)
      for (Peer* p : s_->Peers(venue_))
        if (p->subs.count({kChanUser, -1})) p->Close();
    return true;
  }

  bool Create(const std::string& body, HttpResult* out) {
    out->status = 200;
    const json j = json::parse(body, nullptr, false);
    if (!j.is_object()) return out->body = Failure("INVALID_REQUEST", "body is not a JSON object"), true;
    const std::string cid = j.value("client_order_id", "");
    const std::string product = j.value("product_id", "");
    const std::string side = j.value("side", "");
    if (cid.empty()) return out->body = Failure("INVALID_REQUEST", "client_order_id is required"), true;
    auto pi = by_symbol_.find(product);
    if (pi == by_symbol_.end()) return out->body = Failure("INVALID_PRODUCT_ID", "unknown product"), true;
    if (side != "BUY" && side != "SELL") return out->body = Failure("INVALID_SIDE", "side must be BUY or SELL"), true;
    if (!j.contains("order_configuration") || !j["order_configuration"].is_object() || j["order_configuration"].size() != 1)
      return out->body = Failure("UNSUPPORTED_ORDER_CONFIGURATION", "exactly one order configuration"), true;
    const std::string conf = j["order_configuration"].begin().key();
    const json& c = j["order_configuration"].begin().value();
    if (conf != "sor_limit_ioc" && conf != "limit_limit_gtc" && conf != "limit_limit_fok")
      return out->body = Failure("UNSUPPORTED_ORDER_CONFIGURATION", "not simulated: " + conf), true;
    for (const auto& [id, o] : orders_)
      if (o.client_order_id == cid) return out->body = Failure("INVALID_REQUEST", "duplicate client_order_id"), true;
    const auto px = ParseDecimal<Price>(c.value("limit_price", ""));
    const auto qty = ParseDecimal<Qty>(c.value("base_size", ""));
    const auto& ic = Inst(pi->second);
    if (!qty.ok() || !qty.value.is_positive() || !IsMultipleOf(qty.value.raw(), ic.lot.raw()))
      return out->body = Failure("INVALID_SIZE_PRECISION", "base_size off the product's increment"), true;
    if (!px.ok() || !px.value.is_positive() || !IsMultipleOf(px.value.raw(), ic.tick.raw()))
      return out->body = Failure("INVALID_PRICE_PRECISION", "limit_price off the product's increment"), true;
    SimOrder o;
    o.order_id = NewOrderId();
    o.client_order_id = cid;
    o.product_id = product;
    o.config = conf;
    o.inst = pi->second;
    o.side = side == "BUY" ? Side::kBuy : Side::kSell;
    o.limit = px.value;
    o.qty = qty.value;
    o.time_in_force = conf == "limit_limit_gtc" ? "GOOD_UNTIL_CANCELLED" : conf == "limit_limit_fok" ? "FILL_OR_KILL" : "IMMEDIATE_OR_CANCEL";
    Account& acct = s_->account(venue_);
    const std::string& base = s_->config().base.assets[ic.base.value].name;
    const std::string& quote = s_->config().base.assets[ic.quote.value].name;
    const Amount need_quote = AmountFromNotional(MulNotional(o.limit, o.qty, Rounding::kCeil));
    if (o.side == Side::kBuy ? acct.balance(quote) < need_quote : acct.balance(base) < AmountFromQty(o.qty))
      return out->body = Failure("INSUFFICIENT_FUND", "Insufficient balance in source account"), true;
    SimBook& book = s_->market().book(venue_, o.inst);
    const bool crosses = o.side == Side::kBuy ? !book.asks.empty() && book.asks.begin()->first <= o.limit.raw()
                                              : !book.bids.empty() && book.bids.begin()->first >= o.limit.raw();
    if (conf == "limit_limit_gtc" && c.value("post_only", false) && crosses)
      return out->body = Failure("INVALID_LIMIT_PRICE_POST_ONLY", "post-only order would cross"), true;
    if (TakeFault(s_->faults(venue_).reject_orders))
      return out->body = Failure("INSUFFICIENT_FUND", "Insufficient balance in source account"), true;
    s_->CountOrder();
    s_->LogOrder(venue_, WallNow(), "place", cid,
                 "\"client_order_id\":" + json(cid).dump() + ",\"config\":" + json(conf).dump() + ",\"side\":\"" + side +
                     "\",\"base_size\":" + c["base_size"].dump() + ",\"limit_price\":" + c["limit_price"].dump());
    // partial_orders: an IOC takes at most half its size (rounded down to the lot); the rest
    // expires as any IOC remainder.
    Qty want = o.qty;
    if (conf == "sor_limit_ioc" && TakeFault(s_->faults(venue_).partial_orders))
      want = Qty::FromRaw(o.qty.raw() / 2 / ic.lot.raw() * ic.lot.raw());
    bool take = crosses && want.is_positive();
    if (conf == "limit_limit_fok") {
      // All or nothing: only when the crossing levels hold the whole size.
      Qty avail;
      if (o.side == Side::kBuy) {
        for (const auto& [p, q] : book.asks)
          if (p <= o.limit.raw()) avail += q;
      } else {
        for (const auto& [p, q] : book.bids)
          if (p >= o.limit.raw()) avail += q;
      }
      take = avail >= o.qty;
    }
    if (take) {
      std::vector<FillPart> fills;
      std::vector<BookDelta> deltas;
      book.Take(o.side, o.limit, want, &fills, &deltas);
      for (const FillPart& f : fills) {
        o.filled += f.qty;
        o.quote += AmountFromNotional(MulNotional(f.px, f.qty, Rounding::kFloor));
      }
      if (o.filled.is_positive()) {
        // Coinbase charges spot fees in the quote currency.
        o.fees = AmountFromNotional(MulRate(NotionalFromAmount(o.quote), acct.fee(), Rounding::kCeil));
        if (o.side == Side::kBuy) {
          acct.balances()[base] += AmountFromQty(o.filled);
          acct.balances()[quote] -= o.quote + o.fees;
        } else {
          acct.balances()[base] -= AmountFromQty(o.filled);
          acct.balances()[quote] += o.quote - o.fees;
        }
      }
      if (!deltas.empty()) s_->PublishChange(s_->market().Record(venue_, o.inst, std::move(deltas)));
    }
    if (o.filled >= o.qty) o.status = "FILLED";
    else if (conf != "limit_limit_gtc") o.status = "EXPIRED";  // an IOC/FOK remainder
    else o.status = "OPEN";
    auto& stored = orders_[o.order_id] = o;
    out->body = json{{"success", true},
                     {"failure_reason", "UNKNOWN_FAILURE_REASON"},
                     {"order_id", o.order_id},
                     {"success_response",
                      {{"order_id", o.order_id}, {"product_id", product}, {"side", side}, {"client_order_id", cid}}},
                     {"order_configuration", j["order_configuration"]}}
                    .dump();
    PushUser(stored);
    return true;
  }

  bool BatchCancel(const std::string& body, HttpResult* out) {
    const json j = json::parse(body, nullptr, false);
    if (!j.is_object() || !j.contains("order_ids") || !j["order_ids"].is_array())
      return Reply(out, 400, json{{"error", "INVALID_ARGUMENT"}, {"message", "order_ids must be an array"}});
    json results = json::array();
    for (const auto& x : j["order_ids"]) {
      const std::string id = x.is_string() ? x.get<std::string>() : "";
      auto it = orders_.find(id);
      if (it == orders_.end()) {
        results.push_back({{"success", false}, {"failure_reason", "UNKNOWN_CANCEL_ORDER"}, {"order_id", id}});
      } else if (it->second.status != "OPEN") {
        results.push_back({{"success", false},
                           {"failure_reason", it->second.status == "FILLED" ? "ORDER_IS_FULLY_FILLED" : "DUPLICATE_CANCEL_REQUEST"},
                           {"order_id", id}});
      } else {
        it->second.status = "CANCELLED";
        // A success row still carries the filler reason (ORDERS.md §2.2).
        results.push_back({{"success", true}, {"failure_reason", "UNKNOWN_CANCEL_FAILURE_REASON"}, {"order_id", id}});
        PushUser(it->second);
      }
    }
    return Reply(out, 200, json{{"results", results}});
  }

  bool Accounts(HttpResult* out) {
    json accounts = json::array();
    for (const auto& [asset, amt] : s_->account(venue_).balances()) {
      const std::string v = Dec(amt.raw(), Amount::kDecimals);
      accounts.push_back({{"uuid", "acct-" + asset},
                          {"name", asset + " Wallet"},
                          {"currency", asset},
                          {"available_balance", {{"value", v}, {"currency", asset}}},
                          {"default", true},
                          {"active", true},
                          {"type", "ACCOUNT_TYPE_CRYPTO"},
                          {"ready", true},
                          {"hold", {{"value", "0"}, {"currency", asset}}}});
    }
    return Reply(out, 200, json{{"accounts", accounts}, {"has_next", false}, {"cursor", ""}, {"size", accounts.size()}});
  }

  std::string OrderJson(const SimOrder& o) const {
    const auto& ic = Inst(o.inst);
    (void)ic;
    const Price avg = o.filled.is_positive() ? AveragePrice(o.quote, o.filled, Rounding::kFloor) : Price::Zero();
    const Amount after = o.side == Side::kBuy ? o.quote + o.fees : o.quote - o.fees;
    return json{{"order_id", o.order_id},
                {"client_order_id", o.client_order_id},
                {"cumulative_quantity", Dec(o.filled.raw(), Qty::kDecimals)},
                {"leaves_quantity", Dec(o.status == "OPEN" ? (o.qty - o.filled).raw() : 0, Qty::kDecimals)},
                {"avg_price", o.filled.is_positive() ? Dec(avg.raw(), Price::kDecimals) : ""},
                {"total_fees", Dec(o.fees.raw(), Amount::kDecimals)},
                {"status", o.status},
                {"product_id", o.product_id},
                {"creation_time", Rfc3339(WallNow())},
                {"order_side", o.side == Side::kBuy ? "BUY" : "SELL"},
                {"order_type", "Limit"},
                {"time_in_force", o.time_in_force},
                {"trigger_status", "INVALID_ORDER_TYPE"},
                {"cancel_reason", o.status == "CANCELLED" ? "User requested cancel" : ""},
                {"reject_reason", ""},
                {"total_value_after_fees", Dec(after.raw(), Amount::kDecimals)},
                {"product_type", "SPOT"},
                {"outstanding_hold_amount", "0"}}
        .dump();
  }

  void PushUser(const SimOrder& o) {
    const std::string ev = R"({"type":"update","orders":[)" + OrderJson(o) + "]}";
    if (collect_ != nullptr) return collect_->push_back(ev);
    SendUser(ev);
  }

  void SendUser(const std::string& ev) {
    for (Peer* p : s_->Peers(venue_))
      if (p->subs.count({kChanUser, -1})) Envelope(*p, "user", ev);
  }

  std::string user_path_;
  std::string rest_host_;
  std::unique_ptr<venues::Es256Verifier> verifier_;
  std::map<std::string, int64_t> nonces_;  // nonce → its token's exp (s)
  std::deque<int64_t> recent_;             // request times in the last second (ns)
  std::map<std::string, SimOrder> orders_;
  uint64_t next_order_ = 0;
  std::vector<std::string>* collect_ = nullptr;        // set while a create's faults are pending
  std::deque<std::pair<Nanos, std::string>> held_;     // late_replies: user events, oldest first

  Server* s_;
  int venue_;
  const config::VenueConfig& cfg_;
  std::string path_;
  std::map<std::string, int> by_symbol_;
  std::map<uint64_t, uint64_t> heartbeat_counter_;  // peer id → heartbeats sent
  Nanos next_heartbeat_{0};
};

}  // namespace

std::unique_ptr<Protocol> MakeCoinbaseProtocol(Server* s, int venue) { return std::make_unique<CoinbaseProtocol>(s, venue); }

}  // namespace hs::sim
