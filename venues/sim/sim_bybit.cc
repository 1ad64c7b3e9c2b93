// Bybit v5 spot as the simulator speaks it (formats per venues/README §5):
//   /v5/public/spot  {"op":"subscribe","args":["orderbook.<depth>.<symbol>"]} → an ack, a
//                    snapshot, then one delta per book change; u = the simulator book's seq
//                    (it moves by one per published change, so deltas chain u = u' + 1), seq =
//                    its update id. Depths 1 (snapshots only, as the venue), 50, 200, 1000: each
//                    topic's deltas are the changes inside its top-<depth> window, so a level
//                    entering the window is sent as an insert. {"op":"ping"} → pong.
//   /v5/trade        {"op":"auth"} with the HMAC-SHA256 signature of "GET/realtime<expires>"
//                    checked against the venue's secret; order.create (spot, Limit; IOC, FOK,
//                    GTC, PostOnly) takes what crosses the book at once; the reply only
//                    acknowledges. A GTC's remainder rests; a PostOnly that would cross is
//                    canceled unfilled (cancelType/rejectReason EC_PostOnlyWillTakeLiquidity),
//                    else it rests. order.cancel by orderLinkId: unknown → 170213.
//                    order/create is limited to 20 per second (10006 "Too many visits!").
//   /v5/private      auth, then subscribe order / execution / wallet / dcp.spot: each fill is
//                    pushed as an `execution`, each order change as an `order`, balances as a
//                    `wallet` (also pushed right after the wallet subscription).
//   REST (every call's X-BAPI-SIGN = hex HMAC(secret, timestamp + key + recvWindow + query or
//   body) is checked, with the timestamp inside the recv window):
//     GET  /v5/account/wallet-balance         the same balances as a REST body (accountType=UNIFIED
//                                             only; anything else is retCode 10001).
//     POST /v5/order/cancel-all               {"category":"spot"}: every resting order.
//     GET  /v5/order/realtime                 orderLinkId=: that order, open or done (empty
//                                             list when unknown); else the open orders.
//     POST /v5/order/disconnected-cancel-all  {"product":"SPOT","timeWindow":3..300}: DCP. When
//                                             every private connection that subscribed dcp.spot
//                                             has been closed for timeWindow seconds, every
//                                             resting order is canceled (order log: request
//                                             "dead_man", result "canceled", per order).
// Order-entry faults (Faults, taken per order.create): reject_orders → 170131, partial_orders →
// half the quantity at most, drop_replies → executes, nothing sent back, late_replies → the
// reply and pushes go out late_reply_ms later, duplicate_fills → every execution push twice,
// disconnect_orders → executes, then the trade connection closes (no reply, no pushes),
// rate_limit_orders → 10006.
// Faults: drop_next skips one book message (subscribers see a gap), cross_next adds a crossing
// bid to one message, stall sends no market data (pongs included); corrupt_checksum_next does
// not apply (Bybit has no checksum).
//
// USDT linear perpetuals (a venue whose symbols are perpetuals; ORDERS.md §6.1, §7): the public
// path is /v5/public/linear (book depths 1, 50, 200, 500) and also serves tickers.<symbol>: a
// snapshot on subscribe (once a mark exists), then from Protocol::OnMark a delta with only what
// changed. Every request says category "linear"; order.create also takes positionIdx (0 only)
// and reduceOnly, and goes through Server::margin(venue): Check refuses with 110017 (reduce-only
// would open or increase) or 110007 (insufficient margin) before matching, a reduce-only order
// fills at most the position (CapReduceOnly), each fill is MarginAccount::Fill (fee in USDT,
// execValue = price × qty); an IOC remainder is "Cancelled" (linear has no
// PartiallyFilledCanceled); `position` is pushed after every order action and `wallet` after
// fills. The wallet's settle coin carries walletBalance = the margin wallet (kept equal to
// Account::balances()[settle]), equity, totalPositionIM, totalPositionMM, and the account
// totalAvailableBalance. REST POST /v5/account/set-margin-mode (ISOLATED_MARGIN or
// REGULAR_MARGIN; the same mode again is accepted; a switch with an open position is refused
// with 110026, the code this simulator chose) and POST /v5/position/set-leverage (buy = sell;
// unchanged → 110043; outside the tier's range → 110013). OnFunding pushes an execution
// execType "Funding" (execFee = what the position paid, feeRate = the rate, execPrice = mark,
// execQty = |size|, side = the position's) then position and wallet; OnLiquidation a position
// with positionStatus "Liq" and size 0, then wallet. Cancel-all needs a scope (settleCoin,
// symbol or baseCoin); DCP is product DERIVATIVES with topic dcp.future; order/create is
// limited to 10 per second.
//
// Deliberate differences from the venue: resting orders never trade later (they do not enter
// the public book) and lock no balance; one account per venue.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <deque>
#include <set>

#include "core/base/decimal.h"
#include "core/margin/margin_math.h"
#include "venues/common/signing.h"
#include "venues/sim/sim_server.h"

namespace hs::sim {
namespace {

using json = nlohmann::json;

std::string Fmt(int64_t raw, int scale, int decimals) {
  char buf[kMaxDecimalText];
  if (FormatDecimalFixed(raw, scale, decimals, buf) < 0) FormatDecimal(raw, scale, buf);
  return buf;
}
std::string Amt(Amount a) { return Fmt(a.raw(), Amount::kDecimals, 8); }
int64_t NowMs() { return WallNow().value / 1'000'000; }

constexpr std::string_view kPublicSpot = "/v5/public/spot";
constexpr std::string_view kPublicLinear = "/v5/public/linear";
constexpr std::string_view kSetMarginMode = "/v5/account/set-margin-mode";
constexpr std::string_view kSetLeverage = "/v5/position/set-leverage";
constexpr int kTickerChannel = 0;  // Peer::subs code of tickers.<symbol> (book topics use their depth)
constexpr std::string_view kTrade = "/v5/trade";
constexpr std::string_view kPrivate = "/v5/private";
constexpr std::string_view kWalletRest = "/v5/account/wallet-balance";
constexpr std::string_view kCancelAllRest = "/v5/order/cancel-all";
constexpr std::string_view kRealtimeRest = "/v5/order/realtime";
constexpr std::string_view kDcpRest = "/v5/order/disconnected-cancel-all";
constexpr int kCreatePerSecondSpot = 20;    // spot order/create per UID
constexpr int kCreatePerSecondLinear = 10;  // linear

bool IsDepth(bool linear, int d) { return d == 1 || d == 50 || d == 200 || (linear ? d == 500 : d == 1000); }

// One topic's window: the top-<depth> levels last published.
struct Window {
  std::map<int64_t, Qty, std::greater<int64_t>> bids;
  std::map<int64_t, Qty> asks;
};

class BybitProtocol final : public Protocol {
 public:
  BybitProtocol(Server* s, int venue)
      : s_(s),
        venue_(venue),
        cfg_(s->config().base.venues[static_cast<size_t>(venue)]),
        perp_(cfg_.perp()),
        public_path_(perp_ ? kPublicLinear : kPublicSpot),
        category_(perp_ ? "linear" : "spot"),
        dcp_topic_(perp_ ? "dcp.future" : "dcp.spot"),
        dcp_product_(perp_ ? "DERIVATIVES" : "SPOT"),
        create_per_s_(perp_ ? kCreatePerSecondLinear : kCreatePerSecondSpot) {
    for (const auto& sym : cfg_.symbols) by_symbol_[sym.symbol] = &sym;
    if (perp_) {
      const auto& ic = s->config().base.instruments[static_cast<size_t>(cfg_.symbols.front().instrument.value)];
      settle_ = s->config().base.assets[ic.quote.value].name;
    }
  }

  void OnOpen(Peer& p) override {
    const std::string& t = p.target;
    if (t == public_path_ || t == kTrade || t == kPrivate) return;
    p.Close();  // Bybit serves nothing else on these hosts
  }

  void OnClose(Peer& p) override {
    auto it = private_subs_.find(p.id);
    if (it != private_subs_.end() && it->second.count(dcp_topic_)) {
      it->second.erase(dcp_topic_);
      if (!AnyDcpPeer()) dcp_gone_since_ = WallNow();
    }
    private_subs_.erase(p.id);
  }

  void OnTick(Nanos) override {
    const Nanos now = WallNow();
    // Held (late) replies whose time came.
    while (!held_.empty() && held_.front().due.value <= now.value) {
      const Held h = held_.front();
      held_.pop_front();
      for (Peer* p : s_->Peers(venue_))
        if (p->id == h.peer && p->open()) p->Send(h.text);
    }
    // Disconnected-cancel-all: every dcp.spot (dcp.future) connection gone for timeWindow seconds.
    if (dcp_window_s_ > 0 && dcp_ever_ && !AnyDcpPeer() &&
        now.value - dcp_gone_since_.value >= dcp_window_s_ * 1'000'000'000) {
      dcp_ever_ = false;  // fires once; armed again by the next dcp.spot subscription
      std::vector<std::string> links;
      for (const auto& [link, r] : resting_) links.push_back(link);
      for (const std::string& link : links) {
        s_->LogOrder(venue_, now, "dead_man", link, "\"product\":\"" + dcp_product_ + "\",\"timeWindow\":" + std::to_string(dcp_window_s_),
                     "\"result\":\"canceled\",\"orderId\":\"" + resting_.at(link).order_id + "\"");
        CancelResting(link, "CancelByDCP");
      }
    }
  }

  void OnText(Peer& p, std::string_view msg) override {
    json j = json::parse(msg, nullptr, false);
    if (p.target == kTrade) return OnTrade(p, j);
    if (p.target == kPrivate) return OnPrivate(p, j);
    OnPublic(p, j);
  }

  void OnBookChange(const BookChange& c) override {
    Faults& f = s_->faults(venue_);
    bool drop = false, cross = false;
    if (f.drop_next > 0) {
      --f.drop_next;
      drop = true;
    }
    if (f.cross_next > 0) {
      --f.cross_next;
      cross = true;
    }
    const SimBook& book = s_->market().book(c.venue, c.instrument);
    const config::VenueSymbolConfig* sym = SymbolOf(c.instrument);
    if (sym == nullptr) return;
    const std::vector<Peer*> peers = s_->Peers(venue_);
    for (auto& [key, win] : windows_) {
      if (key.first != c.instrument) continue;
      const int depth = key.second;
      std::vector<Level> nb, na;
      book.Top(depth, &nb, &na);
      std::vector<Level> db, da;
      Diff(&win.bids, nb, &db);
      Diff(&win.asks, na, &da);
      if (drop || f.stall) continue;  // the window moved on; subscribers miss this message
      std::string text;
      if (depth == 1) {
        // Level-1 topics push snapshots, and only when the top changed.
        if (db.empty() && da.empty() && !cross) continue;
        if (cross && !nb.empty() && !na.empty()) nb = {Crossing(book)};
        text = Message(*sym, depth, "snapshot", nb, na, c.seq, c.last_update_id);
      } else {
        if (cross && book.has_top()) db.push_back(Crossing(book));
        text = Message(*sym, depth, "delta", db, da, c.seq, c.last_update_id);
      }
      for (Peer* p : peers) {
        if (p->stalled || p->target != public_path_ || !p->subs.count({depth, c.instrument})) continue;
        p->Send(text);
      }
    }
  }

  bool OnHttpWithHeaders(const std::string& method, const std::string& target, const Headers& headers,
                         const std::string& body, HttpResult* out) override {
    const size_t q = target.find('?');
    const std::string path = target.substr(0, q);
    const std::string query = q == std::string::npos ? "" : target.substr(q + 1);
    const bool wallet = method == "GET" && path == kWalletRest;
    const bool cancel_all = method == "POST" && path == kCancelAllRest;
    const bool realtime = method == "GET" && path == kRealtimeRest;
    const bool dcp = method == "POST" && path == kDcpRest;
    const bool set_mode = perp_ && method == "POST" && path == kSetMarginMode;
    const bool set_leverage = perp_ && method == "POST" && path == kSetLeverage;
    if (!wallet && !cancel_all && !realtime && !dcp && !set_mode && !set_leverage) return false;
    const Nanos arrived = WallNow();
    auto answer = [&](int code, const std::string& msg, json result) {
      json r = {{"retCode", code}, {"retMsg", msg}, {"result", std::move(result)}, {"retExtInfo", json::object()},
                {"time", NowMs()}};
      out->status = 200;
      out->body = r.dump();
    };
    const std::string err = CheckRestSign(headers, method == "GET" ? query : body);
    auto request_name = [&]() -> std::string {
      if (cancel_all) return "cancel_all";
      if (dcp) return "dead_man";
      if (realtime) return QueryParam(query, "orderLinkId").empty() ? "list" : "query";
      return "";
    };
    if (!err.empty()) {
      if (!wallet && !set_mode && !set_leverage)
        s_->LogOrder(venue_, arrived, request_name(), QueryParam(query, "orderLinkId"),
                     "\"path\":" + json(path).dump(), "\"result\":\"rejected\",\"reason\":" + json(err).dump());
      answer(err == "error sign!" ? 10004 : 10003, err, json::object());
      return true;
    }
    if (wallet) {
      // A unified trading account answers only for accountType UNIFIED (not order entry: never
      // in the order log).
      if (QueryParam(query, "accountType") != "UNIFIED") {
        answer(10001, "accountType only support UNIFIED.", json::object());
        return true;
      }
      answer(0, "OK", {{"list", json::array({WalletEntry()})}});
      return true;
    }
    if (set_mode || set_leverage) {
      int code = 0;
      std::string msg;
      Settings(set_mode, body, &code, &msg);
      answer(code, msg, code == 0 && set_mode ? json{{"reasons", json::array()}} : json::object());
      return true;
    }
    if (cancel_all) {
      json j = json::parse(body, nullptr, false);
      const std::string wire = "\"body\":" + json(body).dump();
      // Linear needs a scope (symbol, baseCoin or settleCoin); spot cancels everything.
      if (j.is_discarded() || !j.is_object() || j.value("category", "") != category_ ||
          (perp_ && !j.contains("symbol") && !j.contains("settleCoin") && !j.contains("baseCoin"))) {
        s_->LogOrder(venue_, arrived, "cancel_all", "", wire, "\"result\":\"rejected\",\"reason\":\"category\"");
        answer(10001, "Params Error: category", json::object());
        return true;
      }
      json list = json::array();
      std::vector<std::string> links;
      for (const auto& [link, r] : resting_) links.push_back(link);
      for (const std::string& link : links) {
        list.push_back({{"orderId", resting_.at(link).order_id}, {"orderLinkId", link}});
        CancelResting(link, "CancelByUser");
      }
      s_->LogOrder(venue_, arrived, "cancel_all", "", wire,
                   "\"result\":\"ok\",\"canceled\":" + std::to_string(links.size()));
      answer(0, "OK", {{"list", list}, {"success", "1"}});
      return true;
    }
    if (dcp) {
      json j = json::parse(body, nullptr, false);
      const std::string wire = "\"body\":" + json(body).dump();
      if (j.is_discarded() || !j.is_object() || j.value("product", "") != dcp_product_ || !j.contains("timeWindow") ||
          !j["timeWindow"].is_number_integer() || j["timeWindow"].get<int64_t>() < 3 || j["timeWindow"].get<int64_t>() > 300) {
        s_->LogOrder(venue_, arrived, "dead_man", "", wire, "\"result\":\"rejected\"");
        answer(10001, "Params Error: product " + dcp_product_ + ", timeWindow 3..300", json::object());
        return true;
      }
      dcp_window_s_ = j["timeWindow"].get<int64_t>();
      s_->LogOrder(venue_, arrived, "dead_man", "", wire, "\"result\":\"armed\"");
      answer(0, "success", json::object());
      return true;
    }
    // realtime
    const std::string link = QueryParam(query, "orderLinkId");
    const std::string wire = "\"query\":" + json(query).dump();
    if (QueryParam(query, "category") != category_) {
      s_->LogOrder(venue_, arrived, request_name(), link, wire, "\"result\":\"rejected\",\"reason\":\"category\"");
      answer(10001, "Params Error: category", json::object());
      return true;
    }
    json list = json::array();
    if (!link.empty()) {
      auto it = orders_.find(link);
      if (it != orders_.end()) list.push_back(it->second);
    } else {
      for (const auto& [l, r] : resting_) list.push_back(orders_.at(l));
    }
    s_->LogOrder(venue_, arrived, request_name(), link, wire, "\"result\":\"ok\",\"count\":" + std::to_string(list.size()));
    answer(0, "OK", {{"list", list}, {"nextPageCursor", ""}, {"category", category_}});
    return true;
  }

 private:
  // ---- public stream ----

  static Level Crossing(const SimBook& book) {
    return {book.best_ask().px + book.best_ask().px - book.best_bid().px, Qty::FromRaw(100000)};
  }

  // Makes the window equal to `now` and appends what changed (size 0 = removed).
  template <typename Side>
  static void Diff(Side* side, const std::vector<Level>& now, std::vector<Level>* out) {
    std::map<int64_t, Qty> want;
    for (const Level& l : now) want[l.px.raw()] = l.qty;
    for (auto it = side->begin(); it != side->end();) {
      if (!want.count(it->first)) {
        out->push_back({Price::FromRaw(it->first), Qty::Zero()});
        it = side->erase(it);
      } else {
        ++it;
      }
    }
    for (const auto& [px, q] : want) {
      auto it = side->find(px);
      if (it == side->end() || it->second != q) {
        out->push_back({Price::FromRaw(px), q});
        (*side)[px] = q;
      }
    }
  }

  std::string Levels(const config::VenueSymbolConfig& sym, std::vector<Level> ls, bool bids) const {
    // The venue sends each side best first.
    std::sort(ls.begin(), ls.end(), [bids](const Level& a, const Level& b) { return bids ? a.px > b.px : a.px < b.px; });
    std::string s = "[";
    for (size_t k = 0; k < ls.size(); ++k) {
      if (k) s += ',';
      s += "[\"" + Fmt(ls[k].px.raw(), Price::kDecimals, sym.price_decimals) + "\",\"" +
           Fmt(ls[k].qty.raw(), Qty::kDecimals, sym.qty_decimals) + "\"]";
    }
    return s + "]";
  }

  // Spot key order: topic, ts, type, data, cts (README §5.3).
  std::string Message(const config::VenueSymbolConfig& sym, int depth, const char* type, const std::vector<Level>& b,
                      const std::vector<Level>& a, uint64_t u, uint64_t seq) const {
    const int64_t now = NowMs();
    return "{\"topic\":\"orderbook." + std::to_string(depth) + "." + sym.symbol + "\",\"ts\":" + std::to_string(now) +
           ",\"type\":\"" + type + "\",\"data\":{\"s\":\"" + sym.symbol + "\",\"b\":" + Levels(sym, b, true) +
           ",\"a\":" + Levels(sym, a, false) + ",\"u\":" + std::to_string(u) + ",\"seq\":" + std::to_string(seq) +
           "},\"cts\":" + std::to_string(now - 1) + "}";
  }

  static std::string ConnId(const Peer& p) { return "sim-" + std::to_string(p.id); }

  void PublicReply(Peer& p, const json& j, const std::string& op, bool ok, const std::string& msg) {
    json r = {{"success", ok}, {"ret_msg", msg}, {"conn_id", ConnId(p)}, {"op", op}};
    if (j.is_object() && j.contains("req_id")) r["req_id"] = j["req_id"];
    p.Send(r.dump());
  }

  // "orderbook.<depth>.<symbol>" → (depth, instrument).
  bool ParseTopic(const std::string& t, int* depth, int* inst) const {
    const std::string prefix = "orderbook.";
    if (t.rfind(prefix, 0) != 0) return false;
    const size_t dot = t.find('.', prefix.size());
    if (dot == std::string::npos) return false;
    const std::string d = t.substr(prefix.size(), dot - prefix.size());
    if (d.empty() || d.size() > 4 || d.find_first_not_of("0123456789") != std::string::npos) return false;
    *depth = std::stoi(d);
    auto it = by_symbol_.find(t.substr(dot + 1));
    if (!IsDepth(perp_, *depth) || it == by_symbol_.end()) return false;
    *inst = it->second->instrument.value;
    return true;
  }

  // "tickers.<symbol>" of a perpetual → (kTickerChannel, instrument).
  bool ParseTickerTopic(const std::string& t, int* channel, int* inst) const {
    const std::string prefix = "tickers.";
    if (!perp_ || t.rfind(prefix, 0) != 0) return false;
    auto it = by_symbol_.find(t.substr(prefix.size()));
    if (it == by_symbol_.end()) return false;
    *channel = kTickerChannel;
    *inst = it->second->instrument.value;
    return true;
  }

  void OnPublic(Peer& p, const json& j) {
    if (j.is_discarded() || !j.is_object() || !j.contains("op") || !j["op"].is_string())
      return PublicReply(p, j, "", false, "error:invalid request");
    const std::string op = j["op"];
    if (op == "ping") {
      if (s_->faults(venue_).stall || p.stalled) return;  // a stalled stream answers nothing
      return PublicReply(p, j, "ping", true, "pong");
    }
    if (op != "subscribe" && op != "unsubscribe") return PublicReply(p, j, op, false, "error:unknown op");
    if (!j.contains("args") || !j["args"].is_array()) return PublicReply(p, j, op, false, "error:args must be an array");
    std::vector<std::pair<int, int>> topics;
    for (const auto& a : j["args"]) {
      int depth = 0, inst = 0;
      if (!a.is_string() || !(ParseTopic(a.get<std::string>(), &depth, &inst) || ParseTickerTopic(a.get<std::string>(), &depth, &inst)))
        return PublicReply(p, j, op, false, "error:handler not found,topic:" + (a.is_string() ? a.get<std::string>() : a.dump()));
      const bool has = p.subs.count({depth, inst}) > 0;
      if (op == "subscribe" && has)
        return PublicReply(p, j, op, false, "error:already subscribed,topic:" + a.get<std::string>());
      topics.emplace_back(depth, inst);
    }
    if (op == "unsubscribe") {
      for (const auto& t : topics) {
        p.subs.erase(t);
        if (t.first == kTickerChannel) ticker_snapped_.erase({p.id, t.second});
      }
      return PublicReply(p, j, op, true, "");
    }
    PublicReply(p, j, op, true, "subscribe");
    for (const auto& [depth, inst] : topics) {
      p.subs.insert({depth, inst});
      if (depth == kTickerChannel) {
        // The ticker's snapshot once a mark exists (else with the first OnMark).
        auto it = marks_.find(inst);
        if (it == marks_.end() || s_->faults(venue_).stall || p.stalled) continue;
        p.Send(TickerMessage(inst, it->second, nullptr));
        ticker_snapped_.insert({p.id, inst});
        continue;
      }
      const SimBook& book = s_->market().book(venue_, inst);
      std::vector<Level> b, a;
      book.Top(depth, &b, &a);
      Window& w = windows_[{inst, depth}];  // current by construction: kept on every change
      w.bids.clear();
      w.asks.clear();
      for (const Level& l : b) w.bids[l.px.raw()] = l.qty;
      for (const Level& l : a) w.asks[l.px.raw()] = l.qty;
      if (s_->faults(venue_).stall || p.stalled) continue;
      p.Send(Message(*SymbolOf(inst), depth, "snapshot", b, a, book.seq, book.update_id));
    }
  }

  // ---- authentication (trade and private) ----

  // Empty when {"op":"auth","args":[key, expires, signature]} is good, else the reason.
  std::string CheckAuth(const json& j) const {
    if (!j.contains("args") || !j["args"].is_array() || j["args"].size() != 3) return "Params Error: args";
    const json& a = j["args"];
    if (!a[0].is_string() || !a[1].is_number_integer() || !a[2].is_string()) return "Params Error: args types";
    const std::string& key = s_->api_key(venue_);
    if (key.empty() || a[0].get<std::string>() != key) return "Invalid apikey";
    const int64_t expires = a[1].get<int64_t>();
    const std::string expect =
        venues::HexEncode(venues::HmacSha256Raw(s_->api_secret(venue_), "GET/realtime" + std::to_string(expires)));
    if (a[2].get<std::string>() != expect) return "Signature Error";
    if (expires <= NowMs()) return "Params Error: auth expired";
    return "";
  }

  static std::string QueryParam(const std::string& query, const std::string& key) {
    size_t pos = 0;
    while (pos <= query.size()) {
      size_t amp = query.find('&', pos);
      if (amp == std::string::npos) amp = query.size();
      const std::string kv = query.substr(pos, amp - pos);
      const size_t eq = kv.find('=');
      if (eq != std::string::npos && kv.substr(0, eq) == key) return kv.substr(eq + 1);
      pos = amp + 1;
    }
    return "";
  }

  // Empty when the REST headers sign `payload` with the account's key and secret within the
  // recv window, else the venue's error text.
  std::string CheckRestSign(const Headers& headers, const std::string& payload) const {
    auto header = [&](const char* name) -> std::string {
      for (const auto& [k, v] : headers)
        if (k.size() == std::strlen(name) && std::equal(k.begin(), k.end(), name, [](char a, char b) {
              return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
            }))
          return v;
      return "";
    };
    const std::string key = header("X-BAPI-API-KEY"), ts_s = header("X-BAPI-TIMESTAMP");
    const std::string win_s = header("X-BAPI-RECV-WINDOW"), sign = header("X-BAPI-SIGN");
    if (key.empty() || key != s_->api_key(venue_)) return "API key is invalid.";
    if (ts_s.empty() || ts_s.size() > 15 || ts_s.find_first_not_of("0123456789") != std::string::npos)
      return "invalid request, please check your timestamp";
    const int64_t ts = std::stoll(ts_s);
    int64_t window = 5000;
    if (!win_s.empty() && win_s.size() < 9 && win_s.find_first_not_of("0123456789") == std::string::npos)
      window = std::stoll(win_s);
    const int64_t now = NowMs();
    if (ts > now + 1000 || now - ts > window) return "invalid request, please check your server timestamp or recv_window param";
    const std::string expect = venues::HexEncode(venues::HmacSha256Raw(s_->api_secret(venue_), ts_s + key + win_s + payload));
    if (sign != expect) return "error sign!";
    return "";
  }

  // ---- trade session ----

  json TradeReply(const Peer& p, const std::string& op, int code, const std::string& msg) const {
    return {{"retCode", code}, {"retMsg", msg}, {"op", op}, {"connId", ConnId(p)}};
  }

  void OnTrade(Peer& p, const json& j) {
    if (j.is_discarded() || !j.is_object() || !j.contains("op") || !j["op"].is_string())
      return p.Send(TradeReply(p, "", 10001, "Params Error: invalid request").dump());
    const std::string op = j["op"];
    if (op == "auth") {
      if (p.authed) return p.Send(TradeReply(p, op, 20001, "Repeat auth").dump());
      const std::string err = CheckAuth(j);
      if (!err.empty()) return p.Send(TradeReply(p, op, err == "Signature Error" ? 10004 : 10001, err).dump());
      p.authed = true;
      return p.Send(TradeReply(p, op, 0, "OK").dump());
    }
    if (op == "ping") {
      json r = TradeReply(p, "pong", 0, "OK");
      r["data"] = json::array({std::to_string(NowMs())});
      return p.Send(r.dump());
    }
    if (op == "order.create") return PlaceOrder(p, j);
    if (op == "order.cancel") return CancelOrder(p, j);
    p.Send(TradeReply(p, op, 10001, "Params Error: unknown op").dump());
  }

  void PlaceOrder(Peer& p, const json& j) {
    const Nanos arrived = WallNow();
    s_->CountOrder();
    const json req_id = j.contains("reqId") ? j["reqId"] : json("");
    const json args = j.contains("args") && j["args"].is_array() && j["args"].size() == 1 && j["args"][0].is_object()
                          ? j["args"][0]
                          : json::object();
    auto str = [&](const char* k) { return args.contains(k) && args[k].is_string() ? args[k].get<std::string>() : std::string(); };
    auto log = [&](const std::string& result, const std::string& extra) {
      std::string f = "\"op\":\"order.create\",\"reqId\":" + req_id.dump();
      for (const char* k : {"symbol", "side", "orderType", "timeInForce", "price", "qty", "orderLinkId", "category"})
        if (args.contains(k)) f += std::string(",\"") + k + "\":" + args[k].dump();
      s_->LogOrder(venue_, arrived, "place", str("orderLinkId"), f, "\"result\":\"" + result + "\"" + extra);
    };
    auto refuse = [&](int code, const std::string& msg, const std::string& why) {
      log("rejected", ",\"reason\":\"" + why + "\"");
      json r = TradeReply(p, "order.create", code, msg);
      r["reqId"] = req_id;
      r["data"] = json::object();
      r["retExtInfo"] = json::object();
      p.Send(r.dump());
    };
    if (!p.authed) return refuse(10003, "Request not authorized: authenticate first", "auth");
    if (!req_id.is_string() || req_id.get<std::string>().size() > 36) return refuse(10001, "Params Error: reqId", "reqId");
    // header: X-BAPI-TIMESTAMP within X-BAPI-RECV-WINDOW of now.
    const json hdr = j.contains("header") && j["header"].is_object() ? j["header"] : json::object();
    auto hstr = [&](const char* k) { return hdr.contains(k) && hdr[k].is_string() ? hdr[k].get<std::string>() : std::string(); };
    const std::string ts_s = hstr("X-BAPI-TIMESTAMP");
    const std::string win_s = hstr("X-BAPI-RECV-WINDOW");
    if (ts_s.empty() || ts_s.find_first_not_of("0123456789") != std::string::npos || ts_s.size() > 15)
      return refuse(10001, "Params Error: X-BAPI-TIMESTAMP", "timestamp");
    const int64_t ts = std::stoll(ts_s);
    int64_t window = 5000;
    if (!win_s.empty() && win_s.find_first_not_of("0123456789") == std::string::npos && win_s.size() < 9) window = std::stoll(win_s);
    const int64_t now = NowMs();
    if (ts > now + 1000 || now - ts > window)
      return refuse(10002, "invalid request, please check your server timestamp or recv_window param", "timestamp");
    if (str("category") != category_)
      return refuse(10001, "Params Error: category (this venue serves " + category_ + ")", "category");
    const std::string symbol = str("symbol"), side_s = str("side"), type = str("orderType"), tif = str("timeInForce");
    const std::string link_id = str("orderLinkId");
    auto it = by_symbol_.find(symbol);
    if (it == by_symbol_.end()) return refuse(10001, "params error: symbol invalid", "symbol");
    const config::VenueSymbolConfig& vs = *it->second;
    const int inst = vs.instrument.value;
    if (side_s != "Buy" && side_s != "Sell") return refuse(10001, "params error: side invalid", "side");
    if (type != "Limit") return refuse(10001, "params error: orderType (the simulator takes Limit)", "orderType");
    if (tif != "IOC" && tif != "FOK" && tif != "GTC" && tif != "PostOnly")
      return refuse(10001, "params error: timeInForce", "timeInForce");
    if (link_id.size() > 36) return refuse(10001, "params error: orderLinkId too long", "orderLinkId");
    if (!link_id.empty() && orders_.count(link_id)) return refuse(170141, "Duplicate clientOrderId.", "duplicate");
    auto px = ParseDecimal<Price>(str("price"));
    auto qty = ParseDecimal<Qty>(str("qty"));
    if (!px.ok() || !qty.ok() || !px.value.is_positive() || !qty.value.is_positive())
      return refuse(10001, "params error: price or qty", "decimal");
    if (!IsMultipleOf(px.value.raw(), vs.tick.raw())) return refuse(170134, "Order price has too many decimals.", "tick");
    if (!IsMultipleOf(qty.value.raw(), vs.lot.raw())) return refuse(170136, "Order quantity has too many decimals.", "lot");
    // order/create: 20 per second per UID.
    Faults& f = s_->faults(venue_);
    while (!creates_.empty() && now - creates_.front() >= 1000) creates_.pop_front();
    if (TakeFault(f.rate_limit_orders) || static_cast<int>(creates_.size()) >= create_per_s_)
      return refuse(10006, "Too many visits!", "rate_limit");
    creates_.push_back(now);
    if (TakeFault(f.reject_orders))
      return perp_ ? refuse(110007, "Insufficient available balance", "fault") : refuse(170131, "Insufficient balance.", "fault");
    const auto& ic = s_->config().base.instruments[static_cast<size_t>(inst)];
    const std::string& base = s_->config().base.assets[ic.base.value].name;
    const std::string& quote = s_->config().base.assets[ic.quote.value].name;
    Account& acct = s_->account(venue_);
    const Side side = side_s == "Buy" ? Side::kBuy : Side::kSell;
    MarginAccount* margin = perp_ ? s_->margin(venue_) : nullptr;
    bool reduce_only = false;
    if (perp_) {
      // Linear: one-way mode only (positionIdx 0), and the venue's margin checks before matching.
      if (margin == nullptr) return refuse(10001, "params error: no margin account for this venue", "margin");
      if (args.contains("positionIdx") && !(args["positionIdx"].is_number_integer() && args["positionIdx"].get<int64_t>() == 0))
        return refuse(10001, "params error: positionIdx (one-way mode: 0)", "positionIdx");
      if (args.contains("reduceOnly")) {
        if (!args["reduceOnly"].is_boolean()) return refuse(10001, "params error: reduceOnly", "reduceOnly");
        reduce_only = args["reduceOnly"].get<bool>();
      }
      switch (margin->Check(inst, side, qty.value, px.value, reduce_only)) {
        case MarginAccount::Refusal::kNone:
          break;
        case MarginAccount::Refusal::kReduceOnly:
          return refuse(110017, "Reduce-only rule not satisfied", "reduce_only");
        case MarginAccount::Refusal::kInsufficientMargin:
          return refuse(110007, "Insufficient available balance", "margin");
        case MarginAccount::Refusal::kNotPerpetual:
          return refuse(10001, "params error: symbol is not a perpetual of this account", "symbol");
      }
    } else if (side == Side::kBuy ? acct.balance(quote) < AmountFromNotional(MulNotional(px.value, qty.value, Rounding::kCeil))
                                  : acct.balance(base) < AmountFromQty(qty.value)) {
      return refuse(170131, "Insufficient balance.", "balance");
    }

    // Faults on what goes back (taken only for orders that execute).
    const bool drop = TakeFault(f.drop_replies);
    const bool late = !drop && TakeFault(f.late_replies);
    const bool dup = TakeFault(f.duplicate_fills);
    const bool disconnect = !drop && TakeFault(f.disconnect_orders);
    const bool partial = TakeFault(f.partial_orders);
    Outbox box;

    // Accepted: the reply says only that.
    const std::string order_id = std::to_string(++order_id_);
    json ok = TradeReply(p, "order.create", 0, "OK");
    ok["reqId"] = req_id;
    ok["data"] = {{"orderId", order_id}, {"orderLinkId", link_id}};
    ok["retExtInfo"] = json::object();
    ok["header"] = {{"X-Bapi-Limit", std::to_string(create_per_s_)},
                    {"X-Bapi-Limit-Status", std::to_string(create_per_s_ - static_cast<int>(creates_.size()))},
                    {"X-Bapi-Limit-Reset-Timestamp", std::to_string(now)}, {"Traceid", "sim" + order_id},
                    {"Timenow", std::to_string(now)}};
    box.emplace_back(p.id, ok.dump());

    SimBook& book = s_->market().book(venue_, inst);
    auto crossing = [&]() {
      Qty avail = Qty::Zero();
      if (side == Side::kBuy) {
        for (const auto& [lp, lq] : book.asks)
          if (lp <= px.value.raw()) avail += lq;
      } else {
        for (const auto& [lp, lq] : book.bids)
          if (lp >= px.value.raw()) avail += lq;
      }
      return avail;
    };
    bool fill = true;
    if (tif == "FOK") fill = crossing() >= qty.value;
    const bool post_only_cross = tif == "PostOnly" && crossing().is_positive();
    if (tif == "PostOnly") fill = false;  // a post-only never takes
    Qty take = qty.value;
    if (partial) take = Qty::FromRaw(qty.value.raw() / 2 / vs.lot.raw() * vs.lot.raw());
    if (reduce_only) take = std::min(take, margin->CapReduceOnly(inst, side, take));  // never beyond the position
    std::vector<FillPart> parts;
    std::vector<BookDelta> deltas;
    if (fill && take.is_positive()) book.Take(side, px.value, take, &parts, &deltas);
    Qty filled = Qty::Zero();
    Amount quote_total = Amount::Zero();
    Amount fee_total = Amount::Zero();
    json execs = json::array();
    for (const FillPart& fp : parts) {
      const Amount qa = AmountFromNotional(MulNotional(fp.px, fp.qty, Rounding::kFloor));
      Account::Booked b;
      if (perp_) {
        // The position, the wallet (fee, realized PnL) and isolated margin move on the margin
        // account; the fee is in the settle coin.
        const MarginAccount::Booked mb = margin->Fill(inst, side, fp.qty, fp.px);
        b.quote = qa;
        b.commission = mb.fee;
        b.commission_asset = "";
        SyncWallet();
      } else {
        b = acct.Apply(base, quote, side, fp.qty, qa);
      }
      filled += fp.qty;
      quote_total += qa;
      fee_total += b.commission;
      execs.push_back({{"category", category_},
                       {"symbol", symbol},
                       {"isLeverage", "0"},
                       {"orderId", order_id},
                       {"orderLinkId", link_id},
                       {"side", side_s},
                       {"orderPrice", str("price")},
                       {"orderQty", str("qty")},
                       {"leavesQty", Q(vs, qty.value - filled)},
                       {"createType", "CreateByUser"},
                       {"orderType", "Limit"},
                       {"stopOrderType", ""},
                       {"execFee", Amt(b.commission)},
                       {"execId", std::to_string(++exec_id_)},
                       {"execPrice", P(vs, fp.px)},
                       {"execQty", Q(vs, fp.qty)},
                       {"execType", "Trade"},
                       {"execValue", Amt(qa)},
                       {"execTime", std::to_string(NowMs())},
                       {"isMaker", false},
                       {"feeRate", Fmt(acct.fee().raw(), Rate::kDecimals, 4)},
                       {"tradeIv", ""},
                       {"markIv", ""},
                       {"markPrice", perp_ ? P(vs, MarkOf(inst)) : ""},
                       {"indexPrice", ""},
                       {"underlyingPrice", ""},
                       {"blockTradeId", ""},
                       {"closedSize", ""},
                       {"seq", exec_id_},
                       {"feeCurrency", b.commission_asset}});
    }
    if (!deltas.empty()) s_->PublishChange(s_->market().Record(venue_, inst, std::move(deltas)));
    const bool rests = (tif == "GTC" || (tif == "PostOnly" && !post_only_cross)) && filled < qty.value;
    std::string status;
    if (filled == qty.value) {
      status = "Filled";
    } else if (rests) {
      status = filled.is_positive() ? "PartiallyFilled" : "New";
    } else {
      // Spot has PartiallyFilledCanceled; a linear IOC's remainder is Cancelled, filled part or not.
      status = filled.is_positive() && !perp_ ? "PartiallyFilledCanceled" : "Cancelled";
    }
    OrderRecord rec{order_id, link_id, symbol, side_s, str("price"), str("qty"), tif, &vs, qty.value, filled, quote_total,
                    fee_total, perp_ ? std::string() : (side == Side::kBuy ? base : quote), status,
                    post_only_cross ? "EC_PostOnlyWillTakeLiquidity" : "EC_NoError", reduce_only};
    orders_[link_id] = OrderJson(rec);
    if (rests) resting_[link_id] = rec;
    log(filled == qty.value ? "filled" : (rests ? "resting" : (filled.is_positive() ? "partial" : "expired")),
        ",\"executedQty\":\"" + Q(vs, filled) + "\",\"orderId\":\"" + order_id + "\"" + (drop ? ",\"fault\":\"drop_replies\"" : "") +
            (late ? ",\"fault\":\"late_replies\"" : "") + (disconnect ? ",\"fault\":\"disconnect_orders\"" : ""));
    // Private pushes, in the order a client can rely on: fills, the order's state, balances.
    if (!execs.empty()) {
      AddPush(&box, "execution", execs);
      if (dup) AddPush(&box, "execution", execs);
    }
    AddPush(&box, "order", json::array({orders_[link_id]}));
    // Linear: `position` pushes on every order action, changed or not (ORDERS.md §7).
    if (perp_) AddPush(&box, "position", json::array({PositionJson(inst, "Normal")}));
    if (filled.is_positive()) AddPush(&box, "wallet", json::array({WalletEntry()}));
    if (drop) return;
    if (disconnect) {
      p.Close();
      return;
    }
    Deliver(box, late ? f.late_reply_ms : 0);
  }

  // ---- order records, resting orders, cancels ----

  struct OrderRecord {
    std::string order_id, link_id, symbol, side, price, qty_text, tif;
    const config::VenueSymbolConfig* vs = nullptr;
    Qty qty, filled;
    Amount quote, fee;
    std::string fee_currency, status, reject_reason;
    bool reduce_only = false;
  };

  json OrderJson(const OrderRecord& r) const {
    const std::string ms = std::to_string(NowMs());
    json o = {{"category", category_},
            {"symbol", r.symbol},
            {"orderId", r.order_id},
            {"orderLinkId", r.link_id},
            {"side", r.side},
            {"orderStatus", r.status},
            {"cancelType", r.status == "Cancelled" || r.status == "PartiallyFilledCanceled" ? "CancelByUser" : "UNKNOWN"},
            {"rejectReason", r.reject_reason},
            {"price", r.price},
            {"qty", r.qty_text},
            {"avgPrice", r.filled.is_positive() ? P(*r.vs, AveragePrice(r.quote, r.filled, Rounding::kFloor)) : "0"},
            {"leavesQty", r.status == "New" || r.status == "PartiallyFilled" ? Q(*r.vs, r.qty - r.filled) : "0"},
            {"leavesValue", "0"},
            {"cumExecQty", Q(*r.vs, r.filled)},
            {"cumExecValue", Amt(r.quote)},
            {"cumExecFee", Amt(r.fee)},
            {"timeInForce", r.tif},
            {"orderType", "Limit"},
            {"createdTime", ms},
            {"updatedTime", ms},
            {"feeCurrency", r.fee_currency}};
    if (perp_) {
      o["reduceOnly"] = r.reduce_only;
      o["positionIdx"] = 0;
      o.erase("feeCurrency");  // a spot field
    }
    return o;
  }

  // Removes a resting order and pushes its `order` update (Cancelled, or
  // PartiallyFilledCanceled when part of it traded).
  void CancelResting(const std::string& link, const std::string& why) {
    auto it = resting_.find(link);
    if (it == resting_.end()) return;
    OrderRecord r = it->second;
    resting_.erase(it);
    r.status = r.filled.is_positive() && !perp_ ? "PartiallyFilledCanceled" : "Cancelled";
    json o = OrderJson(r);
    o["cancelType"] = why;
    orders_[link] = o;
    Outbox box;
    AddPush(&box, "order", json::array({o}));
    Deliver(box, 0);
  }

  void CancelOrder(Peer& p, const json& j) {
    const Nanos arrived = WallNow();
    const json req_id = j.contains("reqId") ? j["reqId"] : json("");
    const json args = j.contains("args") && j["args"].is_array() && j["args"].size() == 1 && j["args"][0].is_object()
                          ? j["args"][0]
                          : json::object();
    auto str = [&](const char* k) { return args.contains(k) && args[k].is_string() ? args[k].get<std::string>() : std::string(); };
    const std::string link = str("orderLinkId");
    std::string wire = "\"op\":\"order.cancel\",\"reqId\":" + req_id.dump();
    for (const char* k : {"category", "symbol", "orderLinkId", "orderId"})
      if (args.contains(k)) wire += std::string(",\"") + k + "\":" + args[k].dump();
    auto reply = [&](int code, const std::string& msg, json data, const std::string& result) {
      s_->LogOrder(venue_, arrived, "cancel", link, wire, "\"result\":\"" + result + "\"");
      json r = TradeReply(p, "order.cancel", code, msg);
      r["reqId"] = req_id;
      r["data"] = std::move(data);
      r["retExtInfo"] = json::object();
      p.Send(r.dump());
    };
    if (!p.authed) return reply(10003, "Request not authorized: authenticate first", json::object(), "rejected");
    if (str("category") != category_) return reply(10001, "Params Error: category", json::object(), "rejected");
    auto it = resting_.find(link);
    if (link.empty() || it == resting_.end() || it->second.symbol != str("symbol"))
      return perp_ ? reply(110001, "Order does not exist", json::object(), "not_found")
                   : reply(170213, "Order does not exist.", json::object(), "not_found");
    const std::string order_id = it->second.order_id;
    reply(0, "OK", {{"orderId", order_id}, {"orderLinkId", link}}, "canceled");
    CancelResting(link, "CancelByUser");
  }

  // What one request sends back: (peer id, text); peer 0 = every private peer subscribed to
  // the topic stored in the text's slot (see AddPush).
  struct Out {
    uint64_t peer;
    std::string text;
    std::string topic;  // for pushes
    Out(uint64_t p, std::string t, std::string tp = "") : peer(p), text(std::move(t)), topic(std::move(tp)) {}
  };
  using Outbox = std::vector<Out>;
  void AddPush(Outbox* box, const std::string& topic, const json& data) {
    json m = {{"id", std::to_string(++push_id_)}, {"topic", topic}, {"creationTime", NowMs()}, {"data", data}};
    box->emplace_back(0, m.dump(), topic);
  }
  // Sends now, or holds for `delay_ms` (sent from OnTick).
  void Deliver(const Outbox& box, int64_t delay_ms) {
    for (const Out& o : box) {
      std::vector<uint64_t> to;
      if (o.peer != 0) {
        to.push_back(o.peer);
      } else {
        for (Peer* p : s_->Peers(venue_)) {
          if (p->target != kPrivate || !p->authed) continue;
          auto it = private_subs_.find(p->id);
          if (it != private_subs_.end() && it->second.count(o.topic)) to.push_back(p->id);
        }
      }
      for (uint64_t id : to) {
        if (delay_ms > 0) {
          held_.push_back({Nanos{WallNow().value + delay_ms * 1'000'000}, id, o.text});
          continue;
        }
        for (Peer* p : s_->Peers(venue_))
          if (p->id == id && p->open()) p->Send(o.text);
      }
    }
  }

  bool AnyDcpPeer() const {
    for (const auto& [id, subs] : private_subs_)
      if (subs.count(dcp_topic_)) return true;
    return false;
  }

  static std::string P(const config::VenueSymbolConfig& vs, Price px) { return Fmt(px.raw(), Price::kDecimals, vs.price_decimals); }
  static std::string Q(const config::VenueSymbolConfig& vs, Qty q) { return Fmt(q.raw(), Qty::kDecimals, vs.qty_decimals); }

  // The unified account's wallet entry: every asset the account holds. On a perpetual venue the
  // settle coin carries the margin account's figures.
  json WalletEntry() {
    MarginAccount* m = perp_ ? s_->margin(venue_) : nullptr;
    if (m != nullptr) return MarginWalletEntry(*m);
    json coins = json::array();
    for (const auto& [asset, amt] : s_->account(venue_).balances()) {
      char buf[kMaxDecimalText];
      FormatDecimal(amt.raw(), Amount::kDecimals, buf);
      coins.push_back({{"coin", asset},
                       {"equity", buf},
                       {"usdValue", ""},
                       {"walletBalance", buf},
                       {"availableToWithdraw", buf},
                       {"locked", "0"},
                       {"borrowAmount", "0"},
                       {"cumRealisedPnl", "0"},
                       {"unrealisedPnl", "0"},
                       {"marginCollateral", true}});
    }
    return {{"accountType", "UNIFIED"}, {"accountIMRate", "0"}, {"totalEquity", ""}, {"coin", coins}};
  }

  static std::string A(Amount a) {
    char buf[kMaxDecimalText];
    FormatDecimal(a.raw(), Amount::kDecimals, buf);
    return buf;
  }
  static std::string R(Rate r) {
    char buf[kMaxDecimalText];
    FormatDecimal(r.raw(), Rate::kDecimals, buf);
    return buf;
  }

  // ---- perpetuals ----

  // The settle coin's balance is the margin wallet (what the control socket and tests read).
  void SyncWallet() { s_->SyncMarginWallet(venue_); }

  json MarginWalletEntry(MarginAccount& m) {
    SyncWallet();
    const Amount wallet = m.wallet(), equity = m.equity(), im = m.initial_margin(), mm = m.maint_margin();
    json coins = json::array();
    for (const auto& [asset, amt] : s_->account(venue_).balances()) {
      if (asset == settle_) {
        coins.push_back({{"coin", asset},
                         {"equity", A(equity)},
                         {"usdValue", A(equity)},
                         {"walletBalance", A(wallet)},
                         {"availableToWithdraw", ""},
                         {"locked", "0"},
                         {"borrowAmount", "0"},
                         {"totalOrderIM", "0"},
                         {"totalPositionIM", A(im)},
                         {"totalPositionMM", A(mm)},
                         {"unrealisedPnl", A(m.unrealized())},
                         {"cumRealisedPnl", "0"},
                         {"marginCollateral", true}});
        continue;
      }
      coins.push_back({{"coin", asset}, {"equity", A(amt)}, {"walletBalance", A(amt)}, {"locked", "0"},
                       {"totalOrderIM", "0"}, {"totalPositionIM", "0"}, {"totalPositionMM", "0"}});
    }
    const Rate mm_rate = margin::MarginRatio(equity, mm);
    return {{"accountType", "UNIFIED"},
            {"accountIMRate", ""},
            {"accountMMRate", m.mode() == MarginMode::kCross ? R(mm_rate) : ""},
            {"totalEquity", A(equity)},
            {"totalWalletBalance", A(wallet)},
            {"totalMarginBalance", A(equity)},
            {"totalAvailableBalance", A(m.available())},
            {"totalPerpUPL", A(m.unrealized())},
            {"totalInitialMargin", A(im)},
            {"totalMaintenanceMargin", A(mm)},
            {"coin", coins}};
  }

  Price MarkOf(int inst) const {
    auto it = marks_.find(inst);
    return it != marks_.end() ? it->second.mark : Price::Zero();
  }

  // One position as the `position` topic shows it (ORDERS.md §6.1). status: "Normal" or "Liq".
  json PositionJson(int inst, const std::string& status) {
    MarginAccount* m = s_->margin(venue_);
    const config::VenueSymbolConfig* vs = SymbolOf(inst);
    const margin::Tiers& tiers = s_->config().base.instruments[static_cast<size_t>(inst)].mm_tiers;
    MarginAccount::Position pos;
    if (m != nullptr && m->has(inst)) pos = m->position(inst);
    const Qty size = pos.size;
    const Price mark = pos.mark.is_positive() ? pos.mark : (MarkOf(inst).is_positive() ? MarkOf(inst) : pos.entry);
    const bool isolated = m != nullptr && m->mode() == MarginMode::kIsolated;
    const Rate lev = m != nullptr ? m->leverage() : Rate::FromUnits(1);
    const Amount im = size.is_zero()  ? Amount::Zero()
                      : isolated      ? pos.isolated_margin
                                      : margin::InitialMargin(margin::PositionValue(size, mark), lev);
    const Amount mm = margin::MaintenanceMargin(tiers, margin::PositionValue(size, mark));
    const Price liq = m != nullptr && !size.is_zero() ? m->liq_price(inst) : Price::Zero();
    const Qty abs = size.is_negative() ? Qty::Zero() - size : size;
    const std::string ms = std::to_string(NowMs());
    return {{"category", "linear"},
            {"symbol", vs->symbol},
            {"side", size.is_positive() ? "Buy" : size.is_negative() ? "Sell" : ""},
            {"size", Q(*vs, abs)},
            {"positionIdx", 0},
            {"tradeMode", 0},
            {"positionValue", A(AmountFromNotional(margin::PositionValue(size, pos.entry)))},
            {"riskId", 1},
            {"riskLimitValue", tiers.count > 0 ? A(AmountFromNotional(tiers.tier[0].max_value)) : ""},
            {"entryPrice", size.is_zero() ? "0" : Fmt(pos.entry.raw(), Price::kDecimals, vs->price_decimals)},
            {"markPrice", Fmt(mark.raw(), Price::kDecimals, vs->price_decimals)},
            {"leverage", R(lev)},
            {"positionBalance", A(im)},
            {"autoAddMargin", 0},
            {"positionIM", A(im)},
            {"positionMM", A(mm)},
            {"liqPrice", liq.is_positive() ? Fmt(liq.raw(), Price::kDecimals, vs->price_decimals) : ""},
            {"bustPrice", ""},
            {"takeProfit", "0"},
            {"stopLoss", "0"},
            {"trailingStop", "0"},
            {"unrealisedPnl", A(size.is_zero() ? Amount::Zero() : margin::UnrealizedPnl(size, pos.entry, mark))},
            {"curRealisedPnl", A(pos.realized_cum)},
            {"cumRealisedPnl", A(pos.realized_cum)},
            {"positionStatus", status},
            {"adlRankIndicator", 0},
            {"isReduceOnly", false},
            {"createdTime", ms},
            {"updatedTime", ms},
            {"seq", ++position_seq_}};
  }

  // set-margin-mode / set-leverage (signed already). Codes: 10001 bad parameters; 110026 a mode
  // switch refused while a position is open (the simulator's choice: Bybit refuses the switch
  // with open positions, and its error table names 110026 for cross/isolated changes);
  // 110043 leverage not modified; 110013 leverage outside [1, the tier's maximum].
  void Settings(bool mode_request, const std::string& body, int* code, std::string* msg) {
    MarginAccount* m = s_->margin(venue_);
    json j = json::parse(body, nullptr, false);
    *code = 0;
    *msg = "OK";
    if (m == nullptr) {
      *code = 10001;
      *msg = "params error: no margin account for this venue";
      return;
    }
    if (j.is_discarded() || !j.is_object()) {
      *code = 10001;
      *msg = "params error: body";
      return;
    }
    if (mode_request) {
      const std::string want = j.value("setMarginMode", "");
      if (want != "ISOLATED_MARGIN" && want != "REGULAR_MARGIN") {
        *code = 10001;
        *msg = "params error: setMarginMode (the simulator: ISOLATED_MARGIN or REGULAR_MARGIN)";
        return;
      }
      const MarginMode mode = want == "ISOLATED_MARGIN" ? MarginMode::kIsolated : MarginMode::kCross;
      if (mode == m->mode()) {
        *msg = "Request accepted";
        return;
      }
      if (!m->SetMode(mode)) {
        *code = 110026;
        *msg = "cannot switch margin mode with open positions";
        return;
      }
      *msg = "Request accepted";
      return;
    }
    auto text = [&](const char* k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string(); };
    if (text("category") != "linear" || !by_symbol_.count(text("symbol"))) {
      *code = 10001;
      *msg = "params error: category or symbol";
      return;
    }
    const auto buy = ParseDecimal<Rate>(text("buyLeverage"));
    const auto sell = ParseDecimal<Rate>(text("sellLeverage"));
    if (!buy.ok() || !sell.ok() || buy.value != sell.value) {
      *code = 10001;
      *msg = "params error: buyLeverage must equal sellLeverage in one-way mode";
      return;
    }
    if (buy.value == m->leverage()) {
      *code = 110043;
      *msg = "leverage not modified";
      return;
    }
    if (!m->SetLeverage(buy.value)) {
      *code = 110013;
      *msg = "cannot set leverage: out of the permitted range, or positions are open";
    }
  }

  // tickers.<symbol>: the whole ticker (snapshot) or what changed since the last push (delta).
  struct Ticker {
    Price mark, index;
    Rate rate;
    int64_t next_ms = 0;
  };
  std::string TickerMessage(int inst, const Ticker& t, const Ticker* prev) {
    const config::VenueSymbolConfig& vs = *SymbolOf(inst);
    json d = {{"symbol", vs.symbol}};
    if (prev == nullptr || prev->mark != t.mark) {
      d["markPrice"] = Fmt(t.mark.raw(), Price::kDecimals, vs.price_decimals);
      d["lastPrice"] = Fmt(t.mark.raw(), Price::kDecimals, vs.price_decimals);
    }
    if (prev == nullptr || prev->index != t.index) d["indexPrice"] = Fmt(t.index.raw(), Price::kDecimals, vs.price_decimals);
    if (prev == nullptr || prev->rate != t.rate) d["fundingRate"] = R(t.rate);
    if (prev == nullptr || prev->next_ms != t.next_ms) d["nextFundingTime"] = std::to_string(t.next_ms);
    if (prev == nullptr) d["tickDirection"] = "ZeroPlusTick";
    json m = {{"topic", "tickers." + vs.symbol}, {"type", prev == nullptr ? "snapshot" : "delta"}, {"data", d},
              {"cs", ++ticker_cs_}, {"ts", NowMs()}};
    return m.dump();
  }

 public:
  void OnMark(int instrument, Price mark, Price index, Rate funding_rate, Nanos next_funding) override {
    if (!perp_ || SymbolOf(instrument) == nullptr) return;
    Ticker t{mark, index, funding_rate, next_funding.value / 1'000'000};
    auto it = marks_.find(instrument);
    const bool had = it != marks_.end();
    const Ticker prev = had ? it->second : Ticker{};
    // The server renders the next funding time from two clocks, so it jitters by a millisecond or
    // so from tick to tick: only a real move (a settlement) counts as a change.
    if (had && std::llabs(t.next_ms - prev.next_ms) < 1000) t.next_ms = prev.next_ms;
    marks_[instrument] = t;
    if (s_->faults(venue_).stall) return;
    const bool changed = !had || prev.mark != t.mark || prev.index != t.index || prev.rate != t.rate ||
                         prev.next_ms != t.next_ms;
    for (Peer* p : s_->Peers(venue_)) {
      if (p->stalled || p->target != public_path_ || !p->subs.count({kTickerChannel, instrument})) continue;
      const bool snapped = ticker_snapped_.count({p->id, instrument}) > 0;
      if (snapped && !changed) continue;
      p->Send(TickerMessage(instrument, t, snapped ? &prev : nullptr));
      ticker_snapped_.insert({p->id, instrument});
    }
  }

  void OnFunding(int instrument, Amount flow, Rate rate) override {
    MarginAccount* m = s_->margin(venue_);
    const config::VenueSymbolConfig* vs = SymbolOf(instrument);
    if (m == nullptr || vs == nullptr) return;
    SyncWallet();
    const MarginAccount::Position& pos = m->position(instrument);
    const Price mark = pos.mark.is_positive() ? pos.mark : MarkOf(instrument);
    const Qty abs = pos.size.is_negative() ? Qty::Zero() - pos.size : pos.size;
    Outbox box;
    // execFee > 0: the position paid; < 0: it received (the venue's sign is the fee's).
    json ex = {{"category", "linear"},
               {"symbol", vs->symbol},
               {"orderId", ""},
               {"orderLinkId", ""},
               {"side", pos.size.is_negative() ? "Sell" : "Buy"},
               {"orderPrice", "0"},
               {"orderQty", "0"},
               {"leavesQty", "0"},
               {"orderType", "UNKNOWN"},
               {"execFee", A(Amount::Zero() - flow)},
               {"execId", std::to_string(++exec_id_)},
               {"execPrice", Fmt(mark.raw(), Price::kDecimals, vs->price_decimals)},
               {"execQty", Q(*vs, abs)},
               {"execType", "Funding"},
               {"execValue", A(AmountFromNotional(margin::PositionValue(pos.size, mark)))},
               {"execTime", std::to_string(NowMs())},
               {"isMaker", false},
               {"feeRate", R(rate)},
               {"markPrice", Fmt(mark.raw(), Price::kDecimals, vs->price_decimals)},
               {"closedSize", "0"},
               {"seq", exec_id_}};
    AddPush(&box, "execution", json::array({ex}));
    AddPush(&box, "position", json::array({PositionJson(instrument, "Normal")}));
    AddPush(&box, "wallet", json::array({WalletEntry()}));
    Deliver(box, 0);
  }

  void OnLiquidation(const MarginAccount::Liquidation& l) override {
    if (s_->margin(venue_) == nullptr || SymbolOf(l.instrument) == nullptr) return;
    SyncWallet();
    // The venue closed it: the position shows positionStatus "Liq" with what is left (nothing).
    Outbox box;
    AddPush(&box, "position", json::array({PositionJson(l.instrument, "Liq")}));
    AddPush(&box, "wallet", json::array({WalletEntry()}));
    Deliver(box, 0);
  }

 private:
  // ---- private stream ----

  void OnPrivate(Peer& p, const json& j) {
    auto reply = [&](const std::string& op, bool ok, const std::string& msg) {
      json r = {{"success", ok}, {"ret_msg", msg}, {"op", op}, {"conn_id", ConnId(p)}};
      if (j.is_object() && j.contains("req_id")) r["req_id"] = j["req_id"];
      p.Send(r.dump());
    };
    if (j.is_discarded() || !j.is_object() || !j.contains("op") || !j["op"].is_string())
      return reply("", false, "error:invalid request");
    const std::string op = j["op"];
    if (op == "ping") {
      json r = {{"req_id", j.value("req_id", "")}, {"op", "pong"}, {"args", json::array({std::to_string(NowMs())})},
                {"conn_id", ConnId(p)}};
      return p.Send(r.dump());
    }
    if (op == "auth") {
      if (p.authed) return reply(op, false, "error:repeat auth");
      const std::string err = CheckAuth(j);
      if (!err.empty()) return reply(op, false, err);
      p.authed = true;
      return reply(op, true, "");
    }
    if (op != "subscribe" && op != "unsubscribe") return reply(op, false, "error:unknown op");
    if (!p.authed) return reply(op, false, "error:not authenticated");
    if (!j.contains("args") || !j["args"].is_array()) return reply(op, false, "error:args must be an array");
    std::set<std::string>& subs = private_subs_[p.id];
    std::vector<std::string> topics;
    for (const auto& a : j["args"]) {
      const std::string t = a.is_string() ? a.get<std::string>() : std::string();
      if (t != "order" && t != "execution" && t != "wallet" && t != dcp_topic_ && !(perp_ && t == "position"))
        return reply(op, false, "error:handler not found,topic:" + t);
      topics.push_back(t);
    }
    for (const auto& t : topics) {
      if (op == "subscribe") {
        subs.insert(t);
        if (t == dcp_topic_) dcp_ever_ = true;
      } else {
        subs.erase(t);
      }
    }
    if (dcp_ever_ && !AnyDcpPeer()) dcp_gone_since_ = WallNow();
    reply(op, true, "");
    // The wallet as it stands, right after its subscription.
    if (op == "subscribe" && std::find(topics.begin(), topics.end(), "wallet") != topics.end()) {
      json m = {{"id", std::to_string(++push_id_)}, {"topic", "wallet"}, {"creationTime", NowMs()},
                {"data", json::array({WalletEntry()})}};
      p.Send(m.dump());
    }
  }

  const config::VenueSymbolConfig* SymbolOf(int inst) const {
    for (const auto& s : cfg_.symbols)
      if (s.instrument.value == inst) return &s;
    return nullptr;
  }

  Server* s_;
  int venue_;
  const config::VenueConfig& cfg_;
  const bool perp_;                 // lists perpetuals: the linear category
  const std::string_view public_path_;
  const std::string category_;      // "spot" / "linear"
  const std::string dcp_topic_;     // "dcp.spot" / "dcp.future"
  const std::string dcp_product_;   // "SPOT" / "DERIVATIVES"
  const int create_per_s_;          // order/create per second per UID
  std::string settle_;              // perpetuals: the settle coin (their quote)
  std::map<int, Ticker> marks_;     // last mark, index, funding per perpetual
  std::set<std::pair<uint64_t, int>> ticker_snapped_;  // (public peer, instrument) sent its snapshot
  uint64_t ticker_cs_ = 0;
  uint64_t position_seq_ = 0;
  std::map<std::string, const config::VenueSymbolConfig*> by_symbol_;
  std::map<std::pair<int, int>, Window> windows_;        // (instrument, depth) → last published window
  std::map<uint64_t, std::set<std::string>> private_subs_;  // private peer id → topics
  std::map<std::string, OrderRecord> resting_;  // by orderLinkId
  std::map<std::string, json> orders_;          // every order by orderLinkId, as /v5/order/realtime shows it
  std::deque<int64_t> creates_;                 // ms of order/create requests in the last second
  struct Held {
    Nanos due;
    uint64_t peer;
    std::string text;
  };
  std::deque<Held> held_;  // late replies and pushes
  int64_t dcp_window_s_ = 0;
  bool dcp_ever_ = false;  // a dcp.spot subscription exists or existed since DCP last fired
  Nanos dcp_gone_since_;
  uint64_t order_id_ = 1'321'003'749'386'327'552ull;
  uint64_t exec_id_ = 100'000;
  uint64_t push_id_ = 0;
};

}  // namespace

std::unique_ptr<Protocol> MakeBybitProtocol(Server* s, int venue) { return std::make_unique<BybitProtocol>(s, venue); }

}  // namespace hs::sim
