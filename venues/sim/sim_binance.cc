// Binance Spot as the simulator speaks it: combined and raw streams (<symbol>@bookTicker,
// <symbol>@depth@100ms) with SUBSCRIBE, the WebSocket API (order.place with HMAC-SHA256
// signature check, account.status, order.cancel, openOrders.cancelAll, order.status, myTrades,
// openOrders.status) and REST GET /api/v3/depth. Formats per venues/README §1 and ORDERS.md.
//
// Orders: LIMIT with IOC / FOK / GTC and LIMIT_MAKER (post-only GTC). IOC/FOK take from the book
// as before. A GTC LIMIT takes what crosses and rests the remainder; a LIMIT_MAKER that would
// cross is refused (-2010 "Order would immediately match and take."), else it rests. Resting
// orders never trade afterwards in the sim (the market model does not match against them) and
// lock no balance; they are visible to order.status / openOrders.status and removed by
// order.cancel / openOrders.cancelAll. Every order (resting or done) stays queryable with its
// trades (myTrades). The ORDERS limit is enforced as the venue documents it: 50 new orders per
// fixed 10 s window per account, beyond it HTTP-style status 429 and -1015.
// Order-entry faults (Faults, counted down per order.place): reject_orders → -2010 (with
// drop_replies set too, that refusal is not sent: an order that never existed);
// partial_orders → an IOC takes half its quantity (rounded down to the lot); drop_replies →
// executes, no response; late_replies → the response is held late_reply_ms; duplicate_fills →
// the response (with its fills) is sent twice; disconnect_orders → executes, then the session
// is closed before the response; rate_limit_orders → 429 / -1015.
// Deliberate difference from the venue: a new bookTicker subscriber gets the current top at
// once instead of waiting for the next change (it shortens test start-up; clients cannot rely
// on either behaviour).
#include <algorithm>
#include <cctype>
#include <cstring>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>

#include "core/base/decimal.h"
#include "venues/common/signing.h"
#include "venues/sim/sim_server.h"

namespace hs::sim {
namespace {

using json = nlohmann::json;
constexpr int kChanBookTicker = 1;
constexpr int kChanDepth = 2;

std::string Fmt(int64_t raw, int scale, int decimals) {
  char buf[kMaxDecimalText];
  if (FormatDecimalFixed(raw, scale, decimals, buf) < 0) FormatDecimal(raw, scale, buf);
  return buf;
}
std::string Px(Price p) { return Fmt(p.raw(), Price::kDecimals, 8); }
std::string Q(Qty q) { return Fmt(q.raw(), Qty::kDecimals, 8); }
std::string Amt(Amount a) { return Fmt(a.raw(), Amount::kDecimals, 8); }

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class BinanceProtocol final : public Protocol {
 public:
  BinanceProtocol(Server* s, int venue) : s_(s), venue_(venue), cfg_(s->config().base.venues[static_cast<size_t>(venue)]) {
    for (const auto& sym : cfg_.symbols) {
      by_lower_[Lower(sym.symbol)] = sym.instrument.value;
      by_symbol_[sym.symbol] = sym.instrument.value;
    }
  }

  void OnOpen(Peer& p) override {
    const std::string& t = p.target;
    if (t.rfind("/ws-api/v3", 0) == 0) return;  // order API peer
    if (t.rfind("/stream", 0) == 0) {
      p.combined = true;
      const size_t q = t.find("streams=");
      if (q != std::string::npos) Subscribe(p, Split(t.substr(q + 8), '/'));
      return;
    }
    if (t.rfind("/ws/", 0) == 0) {
      Subscribe(p, Split(t.substr(4), '/'));
      return;
    }
    if (t == "/ws") return;  // subscribe later with SUBSCRIBE
    p.Close();
  }

  void OnText(Peer& p, std::string_view msg) override {
    json j = json::parse(msg, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      p.Send(R"({"code":-1100,"msg":"Illegal characters found in a parameter."})");
      return;
    }
    if (p.target.rfind("/ws-api/v3", 0) == 0) return OnApi(p, j);
    // Market-data control messages.
    const std::string method = j.value("method", "");
    if ((method == "SUBSCRIBE" || method == "UNSUBSCRIBE") && j.contains("params") && j["params"].is_array()) {
      std::vector<std::string> streams;
      for (const auto& x : j["params"])
        if (x.is_string()) streams.push_back(x.get<std::string>());
      if (method == "SUBSCRIBE") {
        Subscribe(p, streams);
      } else {
        for (const auto& st : streams) {
          int ch, inst;
          if (ParseStream(st, &ch, &inst)) p.subs.erase({ch, inst});
        }
      }
      json r = {{"result", nullptr}, {"id", j.contains("id") ? j["id"] : json(nullptr)}};
      p.Send(r.dump());
      return;
    }
    p.Send(R"({"code":-1,"msg":"unknown method"})");
  }

  void OnBookChange(const BookChange& c) override {
    Faults& f = s_->faults(venue_);
    const SimBook& book = s_->market().book(c.venue, c.instrument);
    const std::string& sym = SymbolOf(c.instrument);
    bool drop_depth = false;
    bool cross = false;
    if (f.drop_next > 0) {
      --f.drop_next;
      drop_depth = true;
    }
    if (f.cross_next > 0) {
      --f.cross_next;
      cross = true;
    }
    std::string ticker;
    std::string depth;
    for (Peer* p : s_->Peers(venue_)) {
      if (f.stall || p->stalled) continue;
      if (c.top_changed && p->subs.count({kChanBookTicker, c.instrument})) {
        if (ticker.empty()) ticker = Ticker(book, sym, c.last_update_id);
        p->Send(p->combined ? Wrap(Lower(sym) + "@bookTicker", ticker) : ticker);
      }
      if (!drop_depth && p->subs.count({kChanDepth, c.instrument})) {
        if (depth.empty()) depth = DepthUpdate(c, sym, cross, book);
        p->Send(p->combined ? Wrap(Lower(sym) + "@depth@100ms", depth) : depth);
      }
    }
  }

  bool OnHttp(const std::string& method, const std::string& target, const std::string&, HttpResult* out) override {
    if (method != "GET" || target.rfind("/api/v3/depth", 0) != 0) return false;
    std::string symbol;
    int limit = 100;
    const size_t q = target.find('?');
    if (q != std::string::npos) {
      for (const std::string& kv : Split(target.substr(q + 1), '&')) {
        const size_t eq = kv.find('=');
        if (eq == std::string::npos) continue;
        const std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
        if (k == "symbol") symbol = v;
        if (k == "limit") limit = std::max(1, std::min(5000, std::atoi(v.c_str())));
      }
    }
    auto it = by_symbol_.find(symbol);
    if (it == by_symbol_.end()) {
      out->status = 400;
      out->body = R"({"code":-1121,"msg":"Invalid symbol."})";
      return true;
    }
    const SimBook& book = s_->market().book(venue_, it->second);
    std::vector<Level> b, a;
    book.Top(limit, &b, &a);
    std::string body = "{\"lastUpdateId\":" + std::to_string(book.update_id) + ",\"bids\":" + Levels(b) +
                       ",\"asks\":" + Levels(a) + "}";
    out->status = 200;
    out->body = std::move(body);
    return true;
  }

 private:
  static std::vector<std::string> Split(const std::string& s, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= s.size()) {
      const size_t e = s.find(sep, start);
      out.push_back(s.substr(start, e == std::string::npos ? std::string::npos : e - start));
      if (e == std::string::npos) break;
      start = e + 1;
    }
    return out;
  }

  bool ParseStream(const std::string& st, int* ch, int* inst) const {
    const size_t at = st.find('@');
    if (at == std::string::npos) return false;
    auto it = by_lower_.find(st.substr(0, at));
    if (it == by_lower_.end()) return false;
    const std::string kind = st.substr(at + 1);
    if (kind == "bookTicker") {
      *ch = kChanBookTicker;
    } else if (kind == "depth@100ms" || kind == "depth") {
      *ch = kChanDepth;
    } else {
      return false;
    }
    *inst = it->second;
    return true;
  }

  void Subscribe(Peer& p, const std::vector<std::string>& streams) {
    for (const auto& st : streams) {
      int ch, inst;
      if (!ParseStream(st, &ch, &inst)) continue;
      p.subs.insert({ch, inst});
      if (ch == kChanBookTicker) {
        const SimBook& book = s_->market().book(venue_, inst);
        if (book.has_top()) {
          const std::string t = Ticker(book, SymbolOf(inst), book.update_id);
          p.Send(p.combined ? Wrap(Lower(SymbolOf(inst)) + "@bookTicker", t) : t);
        }
      }
    }
  }

  const std::string& SymbolOf(int inst) const {
    for (const auto& s : cfg_.symbols)
      if (s.instrument.value == inst) return s.symbol;
    static const std::string kNone;
    return kNone;
  }

  static std::string Wrap(const std::string& stream, const std::string& data) {
    return "{\"stream\":\"" + stream + "\",\"data\":" + data + "}";
  }

  static std::string Ticker(const SimBook& b, const std::string& sym, uint64_t id) {
    const Level bb = b.best_bid(), ba = b.best_ask();
    return "{\"u\":" + std::to_string(id) + ",\"s\":\"" + sym + "\",\"b\":\"" + Px(bb.px) + "\",\"B\":\"" +
           Q(bb.qty) + "\",\"a\":\"" + Px(ba.px) + "\",\"A\":\"" + Q(ba.qty) + "\"}";
  }

  static std::string Levels(const std::vector<Level>& ls) {
    std::string s = "[";
    for (size_t k = 0; k < ls.size(); ++k) {
      if (k) s += ',';
      s += "[\"" + Px(ls[k].px) + "\",\"" + Q(ls[k].qty) + "\"]";
    }
    return s + "]";
  }

  static std::string DepthUpdate(const BookChange& c, const std::string& sym, bool cross, const SimBook& book) {
    std::vector<Level> b, a;
    for (const BookDelta& d : c.deltas) (d.bid ? b : a).push_back({d.px, d.qty});
    if (cross && book.has_top()) b.push_back({book.best_ask().px + book.best_ask().px - book.best_bid().px, Qty::FromRaw(100000)});
    return "{\"e\":\"depthUpdate\",\"E\":" + std::to_string(WallNow().value / 1'000'000) + ",\"s\":\"" + sym +
           "\",\"U\":" + std::to_string(c.first_update_id) + ",\"u\":" + std::to_string(c.last_update_id) +
           ",\"b\":" + Levels(b) + ",\"a\":" + Levels(a) + "}";
  }

  // ---- WebSocket API ----

  static std::string Reply(const json& id, int status, const json& result) {
    json r = {{"id", id}, {"status", status}, {"result", result},
              {"rateLimits", json::array({{{"rateLimitType", "ORDERS"}, {"interval", "SECOND"}, {"intervalNum", 10},
                                           {"limit", 50}, {"count", 1}}})}};
    return r.dump();
  }
  static std::string Error(const json& id, int status, int code, const std::string& msg) {
    json r = {{"id", id}, {"status", status}, {"error", {{"code", code}, {"msg", msg}}}, {"rateLimits", json::array()}};
    return r.dump();
  }

  // Renders a param as the signature payload wants it: string contents, or the number's text.
  static std::string Render(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
    if (v.is_number_unsigned()) return std::to_string(v.get<uint64_t>());
    if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
    return v.dump();
  }

  // Returns an empty string when the request authenticates, else the error reply.
  std::string Authenticate(const json& id, const json& params) {
    if (!params.contains("apiKey") || !params["apiKey"].is_string() || params["apiKey"] != s_->api_key(venue_) ||
        s_->api_key(venue_).empty())
      return Error(id, 401, -2015, "Invalid API-key, IP, or permissions for action.");
    if (!params.contains("signature") || !params["signature"].is_string())
      return Error(id, 400, -1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.");
    std::vector<std::pair<std::string, std::string>> kv;
    for (auto it = params.begin(); it != params.end(); ++it)
      if (it.key() != "signature") kv.emplace_back(it.key(), Render(it.value()));
    std::sort(kv.begin(), kv.end());
    std::string payload;
    for (const auto& [k, v] : kv) {
      if (!payload.empty()) payload += '&';
      payload += k + "=" + v;
    }
    const std::string expect = venues::HexEncode(venues::HmacSha256Raw(s_->api_secret(venue_), payload));
    std::string got = params["signature"].get<std::string>();
    for (char& c : got) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (got != expect) return Error(id, 400, -1022, "Signature for this request is not valid.");
    if (!params.contains("timestamp") || !params["timestamp"].is_number_integer())
      return Error(id, 400, -1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.");
    const int64_t ts = params["timestamp"].get<int64_t>();
    const int64_t now = WallNow().value / 1'000'000;
    const int64_t window = params.contains("recvWindow") && params["recvWindow"].is_number_integer()
                               ? params["recvWindow"].get<int64_t>()
                               : 5000;
    if (ts > now + 1000 || now - ts > window)
      return Error(id, 400, -1021, "Timestamp for this request is outside of the recvWindow.");
    return "";
  }

  void OnApi(Peer& p, const json& j) {
    const json id = j.contains("id") ? j["id"] : json(nullptr);
    const std::string method = j.value("method", "");
    if (!j.contains("params") || !j["params"].is_object()) {
      p.Send(Error(id, 400, -1102, "Mandatory parameter 'params' was not sent."));
      return;
    }
    const json& params = j["params"];
    if (method == "account.status") {
      if (std::string e = Authenticate(id, params); !e.empty()) return p.Send(e);
      json bal = json::array();
      for (const auto& [asset, amt] : s_->account(venue_).balances())
        bal.push_back({{"asset", asset}, {"free", Amt(amt)}, {"locked", "0.00000000"}});
      p.Send(Reply(id, 200, {{"makerCommission", 10}, {"takerCommission", 10}, {"canTrade", true},
                             {"accountType", "SPOT"}, {"balances", bal}}));
      return;
    }
    if (method == "order.place") return PlaceOrder(p, id, params);
    if (method == "order.cancel") return CancelOrder(p, id, params);
    if (method == "openOrders.cancelAll") return CancelAllOrders(p, id, params);
    if (method == "order.status") return QueryOrder(p, id, params);
    if (method == "myTrades") return MyTrades(p, id, params);
    if (method == "openOrders.status") return ListOpen(p, id, params);
    p.Send(Error(id, 400, -1100, "Unknown method '" + method + "'."));
  }

  struct SimTrade {
    uint64_t id = 0;
    Price px;
    Qty qty;
    Amount quote;
    Amount commission;
    std::string commission_asset;
    int64_t time_ms = 0;
  };
  struct SimOrder {
    std::string symbol, client_id, side, type, tif, status;
    int inst = 0;
    uint64_t order_id = 0;
    Price px;
    Qty qty, executed;
    Amount quote;
    int64_t time_ms = 0;
    std::vector<SimTrade> trades;
    bool open() const { return status == "NEW" || status == "PARTIALLY_FILLED"; }
  };
  struct Held {
    uint64_t peer = 0;
    int64_t due_ms = 0;
    std::string text;
  };

  void OnTick(Nanos) override {
    if (held_.empty()) return;
    const int64_t now = WallNow().value / 1'000'000;
    std::vector<Held> keep;
    for (Held& h : held_) {
      if (h.due_ms > now) {
        keep.push_back(std::move(h));
        continue;
      }
      for (Peer* p : s_->Peers(venue_))
        if (p->id == h.peer && p->open()) p->Send(h.text);
    }
    held_.swap(keep);
  }

  static std::string Str(const json& params, const char* k) {
    return params.contains(k) && params[k].is_string() ? params[k].get<std::string>() : std::string();
  }

  json OrderJson(const SimOrder& o) const {
    json j = {{"symbol", o.symbol},
              {"orderId", o.order_id},
              {"orderListId", -1},
              {"clientOrderId", o.client_id},
              {"price", Px(o.px)},
              {"origQty", Q(o.qty)},
              {"executedQty", Q(o.executed)},
              {"cummulativeQuoteQty", Amt(o.quote)},
              {"status", o.status},
              {"type", o.type},
              {"side", o.side},
              {"time", o.time_ms},
              {"updateTime", o.time_ms},
              {"workingTime", o.time_ms},
              {"selfTradePreventionMode", "NONE"}};
    if (!o.tif.empty()) j["timeInForce"] = o.tif;
    return j;
  }

  // The order.place FULL response.
  std::string PlaceResult(const json& id, const SimOrder& o) const {
    json jf = json::array();
    for (const SimTrade& t : o.trades)
      jf.push_back({{"price", Px(t.px)}, {"qty", Q(t.qty)}, {"commission", Amt(t.commission)},
                    {"commissionAsset", t.commission_asset}, {"tradeId", t.id}});
    json r = OrderJson(o);
    r.erase("time");
    r.erase("updateTime");
    r["transactTime"] = o.time_ms;
    r["fills"] = jf;
    return Reply(id, 200, r);
  }

  // Authenticates and resolves the symbol; on failure sends the error, logs and returns -1.
  int AuthSymbol(Peer& p, const json& id, const json& params, const std::function<void(const std::string&)>& log) {
    if (std::string e = Authenticate(id, params); !e.empty()) {
      log(",\"result\":\"rejected\",\"reason\":\"auth\"");
      p.Send(e);
      return -1;
    }
    auto it = by_symbol_.find(Str(params, "symbol"));
    if (it == by_symbol_.end()) {
      log(",\"result\":\"rejected\",\"reason\":\"symbol\"");
      p.Send(Error(id, 400, -1121, "Invalid symbol."));
      return -1;
    }
    return it->second;
  }

  std::string WireFields(const std::string& method, const json& id, const json& params,
                         std::initializer_list<const char*> keys) {
    std::string f = "\"method\":\"" + method + "\",\"id\":" + id.dump();
    for (const char* k : keys)
      if (params.contains(k)) f += std::string(",\"") + k + "\":" + params[k].dump();
    return f;
  }

  void CancelOrder(Peer& p, const json& id, const json& params) {
    const Nanos arrived = WallNow();
    const std::string cid = Str(params, "origClientOrderId");
    const std::string f = WireFields("order.cancel", id, params, {"symbol", "origClientOrderId"});
    auto log = [&](const std::string& out) { s_->LogOrder(venue_, arrived, "cancel", cid, f, out.substr(1)); };
    const int inst = AuthSymbol(p, id, params, log);
    if (inst < 0) return;
    auto it = orders_.find(cid);
    if (it == orders_.end() || !it->second.open() || it->second.inst != inst) {
      log(",\"result\":\"unknown_order\"");
      return p.Send(Error(id, 400, -2011, "Unknown order sent."));
    }
    it->second.status = "CANCELED";
    json r = OrderJson(it->second);
    r["origClientOrderId"] = cid;
    r["clientOrderId"] = "sim-cancel-" + std::to_string(++cancel_no_);
    log(",\"result\":\"canceled\"");
    p.Send(Reply(id, 200, r));
  }

  void CancelAllOrders(Peer& p, const json& id, const json& params) {
    const Nanos arrived = WallNow();
    const std::string f = WireFields("openOrders.cancelAll", id, params, {"symbol"});
    auto log = [&](const std::string& out) { s_->LogOrder(venue_, arrived, "cancel_all", "", f, out.substr(1)); };
    const int inst = AuthSymbol(p, id, params, log);
    if (inst < 0) return;
    json arr = json::array();
    for (auto& [cid, o] : orders_) {
      if (o.inst != inst || !o.open()) continue;
      o.status = "CANCELED";
      json r = OrderJson(o);
      r["origClientOrderId"] = cid;
      arr.push_back(r);
    }
    if (arr.empty()) {
      log(",\"result\":\"nothing_open\",\"canceled\":0");
      return p.Send(Error(id, 400, -2011, "Unknown order sent."));
    }
    log(",\"result\":\"canceled\",\"canceled\":" + std::to_string(arr.size()));
    p.Send(Reply(id, 200, arr));
  }

  void QueryOrder(Peer& p, const json& id, const json& params) {
    const Nanos arrived = WallNow();
    const std::string cid = Str(params, "origClientOrderId");
    const std::string f = WireFields("order.status", id, params, {"symbol", "origClientOrderId"});
    auto log = [&](const std::string& out) { s_->LogOrder(venue_, arrived, "query", cid, f, out.substr(1)); };
    const int inst = AuthSymbol(p, id, params, log);
    if (inst < 0) return;
    auto it = orders_.find(cid);
    if (it == orders_.end() || it->second.inst != inst) {
      log(",\"result\":\"not_found\"");
      return p.Send(Error(id, 400, -2013, "Order does not exist."));
    }
    log(",\"result\":\"" + it->second.status + "\",\"executedQty\":\"" + Q(it->second.executed) + "\"");
    p.Send(Reply(id, 200, OrderJson(it->second)));
  }

  void MyTrades(Peer& p, const json& id, const json& params) {
    const Nanos arrived = WallNow();
    const std::string f = WireFields("myTrades", id, params, {"symbol", "orderId"});
    uint64_t oid = params.contains("orderId") && params["orderId"].is_number_unsigned() ? params["orderId"].get<uint64_t>() : 0;
    const SimOrder* o = nullptr;
    for (const auto& [cid, x] : orders_)
      if (x.order_id == oid) o = &x;
    auto log = [&](const std::string& out) {
      s_->LogOrder(venue_, arrived, "query", o ? o->client_id : "", f, out.substr(1));
    };
    const int inst = AuthSymbol(p, id, params, log);
    if (inst < 0) return;
    json arr = json::array();
    if (o != nullptr && o->inst == inst) {
      for (const SimTrade& t : o->trades)
        arr.push_back({{"symbol", o->symbol}, {"id", t.id}, {"orderId", o->order_id}, {"orderListId", -1},
                       {"price", Px(t.px)}, {"qty", Q(t.qty)}, {"quoteQty", Amt(t.quote)},
                       {"commission", Amt(t.commission)}, {"commissionAsset", t.commission_asset},
                       {"time", t.time_ms}, {"isBuyer", o->side == "BUY"}, {"isMaker", false}, {"isBestMatch", true}});
    }
    log(",\"result\":\"trades\",\"trades\":" + std::to_string(arr.size()));
    p.Send(Reply(id, 200, arr));
  }

  void ListOpen(Peer& p, const json& id, const json& params) {
    const Nanos arrived = WallNow();
    const std::string f = WireFields("openOrders.status", id, params, {"symbol"});
    auto log = [&](const std::string& out) { s_->LogOrder(venue_, arrived, "list", "", f, out.substr(1)); };
    const int inst = AuthSymbol(p, id, params, log);
    if (inst < 0) return;
    json arr = json::array();
    for (const auto& [cid, o] : orders_)
      if (o.inst == inst && o.open()) arr.push_back(OrderJson(o));
    log(",\"result\":\"open\",\"open\":" + std::to_string(arr.size()));
    p.Send(Reply(id, 200, arr));
  }

  void PlaceOrder(Peer& p, const json& id, const json& params) {
    const Nanos arrived = WallNow();
    s_->CountOrder();
    const std::string client_id = Str(params, "newClientOrderId");
    auto log = [&](const std::string& result, const std::string& extra) {
      std::string f = "\"method\":\"order.place\",\"id\":" + id.dump();
      for (const char* k : {"symbol", "side", "type", "timeInForce", "price", "quantity", "newClientOrderId"})
        if (params.contains(k)) f += std::string(",\"") + k + "\":" + params[k].dump();
      s_->LogOrder(venue_, arrived, "place", client_id, f, "\"result\":\"" + result + "\"" + extra);
    };
    if (std::string e = Authenticate(id, params); !e.empty()) {
      log("rejected", ",\"reason\":\"auth\"");
      return p.Send(e);
    }
    Faults& fl = s_->faults(venue_);
    // The ORDERS limit: 50 new orders per fixed 10 s window (and the scripted fault).
    const int64_t now_ms = arrived.value / 1'000'000;
    if (now_ms - window_start_ms_ >= kOrderWindowMs) {
      window_start_ms_ = now_ms - now_ms % kOrderWindowMs;
      window_count_ = 0;
    }
    if (TakeFault(fl.rate_limit_orders) || (s_->config().rate_limits && window_count_ >= kOrderLimit)) {
      log("rejected", ",\"reason\":\"rate_limit\"");
      return p.Send(Error(id, 429, -1015, "Too many new orders; current limit is 50 orders per TEN_SECONDS."));
    }
    ++window_count_;
    if (TakeFault(fl.reject_orders)) {
      // With drop_replies also set, the refusal itself is lost: the order never existed.
      const bool lost = TakeFault(fl.drop_replies);
      log("rejected", std::string(",\"reason\":\"fault\"") + (lost ? ",\"fault\":\"drop_reply\"" : ""));
      if (!lost) p.Send(Error(id, 400, -2010, "Account has insufficient balance for requested action."));
      return;
    }
    const std::string symbol = Str(params, "symbol"), side_s = Str(params, "side"), type = Str(params, "type"),
                      tif = Str(params, "timeInForce");
    auto it = by_symbol_.find(symbol);
    if (it == by_symbol_.end()) {
      log("rejected", ",\"reason\":\"symbol\"");
      return p.Send(Error(id, 400, -1121, "Invalid symbol."));
    }
    const int inst = it->second;
    const config::VenueSymbolConfig* vs = nullptr;
    for (const auto& sc : cfg_.symbols)
      if (sc.instrument.value == inst) vs = &sc;
    if (side_s != "BUY" && side_s != "SELL") {
      log("rejected", ",\"reason\":\"side\"");
      return p.Send(Error(id, 400, -1117, "Invalid side."));
    }
    const bool maker = type == "LIMIT_MAKER";
    if (type != "LIMIT" && !maker) {
      log("rejected", ",\"reason\":\"type\"");
      return p.Send(Error(id, 400, -1116, "Invalid orderType."));
    }
    if (maker ? params.contains("timeInForce") : (tif != "IOC" && tif != "FOK" && tif != "GTC")) {
      log("rejected", ",\"reason\":\"timeInForce\"");
      return p.Send(Error(id, 400, -1115, "Invalid timeInForce."));
    }
    if (!client_id.empty() && orders_.count(client_id) && orders_[client_id].open()) {
      log("rejected", ",\"reason\":\"duplicate\"");
      return p.Send(Error(id, 400, -2010, "Duplicate order sent."));
    }
    auto px = ParseDecimal<Price>(Str(params, "price"));
    auto qty = ParseDecimal<Qty>(Str(params, "quantity"));
    if (!px.ok() || !qty.ok() || !px.value.is_positive() || !qty.value.is_positive()) {
      log("rejected", ",\"reason\":\"decimal\"");
      return p.Send(Error(id, 400, -1100, "Illegal characters found in parameter 'price' or 'quantity'."));
    }
    if (!IsMultipleOf(px.value.raw(), vs->tick.raw())) {
      log("rejected", ",\"reason\":\"PRICE_FILTER\"");
      return p.Send(Error(id, 400, -1013, "Filter failure: PRICE_FILTER"));
    }
    if (!IsMultipleOf(qty.value.raw(), vs->lot.raw())) {
      log("rejected", ",\"reason\":\"LOT_SIZE\"");
      return p.Send(Error(id, 400, -1013, "Filter failure: LOT_SIZE"));
    }
    const auto& ic = s_->config().base.instruments[static_cast<size_t>(inst)];
    const std::string& base = s_->config().base.assets[ic.base.value].name;
    const std::string& quote = s_->config().base.assets[ic.quote.value].name;
    Account& acct = s_->account(venue_);
    const Side side = side_s == "BUY" ? Side::kBuy : Side::kSell;
    if (side == Side::kBuy) {
      if (acct.balance(quote) < AmountFromNotional(MulNotional(px.value, qty.value, Rounding::kCeil))) {
        log("rejected", ",\"reason\":\"balance\"");
        return p.Send(Error(id, 400, -2010, "Account has insufficient balance for requested action."));
      }
    } else if (acct.balance(base) < AmountFromQty(qty.value)) {
      log("rejected", ",\"reason\":\"balance\"");
      return p.Send(Error(id, 400, -2010, "Account has insufficient balance for requested action."));
    }
    SimBook& book = s_->market().book(venue_, inst);
    const bool crosses = side == Side::kBuy ? (!book.asks.empty() && book.best_ask().px <= px.value)
                                            : (!book.bids.empty() && book.best_bid().px >= px.value);
    if (maker && crosses) {
      log("rejected", ",\"reason\":\"post_only\"");
      return p.Send(Error(id, 400, -2010, "Order would immediately match and take."));
    }
    SimOrder o;
    o.symbol = symbol;
    o.client_id = client_id.empty() ? "sim" + std::to_string(order_id_ + 1) : client_id;
    o.side = side_s;
    o.type = type;
    o.tif = maker ? "GTC" : tif;
    o.inst = inst;
    o.order_id = ++order_id_;
    o.px = px.value;
    o.qty = qty.value;
    o.time_ms = now_ms;
    bool fok_short = false;
    if (tif == "FOK") {
      Qty avail = Qty::Zero();
      if (side == Side::kBuy) {
        for (const auto& [lp, lq] : book.asks)
          if (lp <= px.value.raw()) avail += lq;
      } else {
        for (const auto& [lp, lq] : book.bids)
          if (lp >= px.value.raw()) avail += lq;
      }
      fok_short = avail < qty.value;
    }
    Qty want = qty.value;
    if (tif == "IOC" && TakeFault(fl.partial_orders)) {
      want = Qty::FromRaw(qty.value.raw() / 2 / vs->lot.raw() * vs->lot.raw());
    }
    if (!maker && !fok_short && want.is_positive()) {
      std::vector<FillPart> parts;
      std::vector<BookDelta> deltas;
      book.Take(side, px.value, want, &parts, &deltas);
      for (const FillPart& fp : parts) {
        const Amount qa = AmountFromNotional(MulNotional(fp.px, fp.qty, Rounding::kFloor));
        const Account::Booked b = acct.Apply(base, quote, side, fp.qty, qa);
        o.trades.push_back({++trade_id_, fp.px, fp.qty, qa, b.commission, b.commission_asset, now_ms});
        o.executed += fp.qty;
        o.quote += qa;
      }
      if (!deltas.empty()) s_->PublishChange(s_->market().Record(venue_, inst, std::move(deltas)));
    }
    if (o.executed == o.qty) {
      o.status = "FILLED";
    } else if (o.tif == "GTC") {
      o.status = o.executed.is_positive() ? "PARTIALLY_FILLED" : "NEW";  // rests
    } else {
      o.status = "EXPIRED";
    }
    const std::string result = o.status == "FILLED" ? "filled"
                               : o.status == "EXPIRED" ? (o.executed.is_positive() ? "partial" : "expired")
                                                       : "resting";
    const std::string text = PlaceResult(id, o);
    orders_[o.client_id] = o;
    if (TakeDropReply(fl)) {
      log(result, ",\"executedQty\":\"" + Q(o.executed) + "\",\"fault\":\"drop_reply\"");
      return;
    }
    if (TakeFault(fl.disconnect_orders)) {
      log(result, ",\"executedQty\":\"" + Q(o.executed) + "\",\"fault\":\"disconnect\"");
      p.Close();
      return;
    }
    if (TakeFault(fl.late_replies)) {
      log(result, ",\"executedQty\":\"" + Q(o.executed) + "\",\"fault\":\"late_reply\"");
      held_.push_back({p.id, now_ms + fl.late_reply_ms, text});
      return;
    }
    const bool dup = TakeFault(fl.duplicate_fills);
    log(result, ",\"executedQty\":\"" + Q(o.executed) + "\"" + (dup ? ",\"fault\":\"duplicate\"" : ""));
    p.Send(text);
    if (dup) p.Send(text);  // Binance's WS API has no separate fill push: the FULL response repeats
  }

  static constexpr int64_t kOrderWindowMs = 10'000;
  static constexpr int kOrderLimit = 50;
  std::map<std::string, SimOrder> orders_;  // by client order id
  std::vector<Held> held_;
  int64_t window_start_ms_ = 0;
  int window_count_ = 0;
  uint64_t cancel_no_ = 0;

  Server* s_;
  int venue_;
  const config::VenueConfig& cfg_;
  std::map<std::string, int> by_lower_;
  std::map<std::string, int> by_symbol_;
  uint64_t order_id_ = 12569099453;
  uint64_t trade_id_ = 1000;
};

}  // namespace

std::unique_ptr<Protocol> MakeBinanceProtocol(Server* s, int venue) { return std::make_unique<BinanceProtocol>(s, venue); }

}  // namespace hs::sim
