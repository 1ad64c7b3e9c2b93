// Binance Spot as the simulator speaks it: combined and raw streams (<symbol>@bookTicker,
// <symbol>@depth@100ms) with SUBSCRIBE, the WebSocket API (order.place with HMAC-SHA256
// signature check, account.status) and REST GET /api/v3/depth. Formats per venues/README §1.
// Deliberate difference from the venue: a new bookTicker subscriber gets the current top at
// once instead of waiting for the next change (it shortens test start-up; clients cannot rely
// on either behaviour).
#include <algorithm>
#include <cctype>
#include <cstring>
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
    p.Send(Error(id, 400, -1100, "Unknown method '" + method + "'."));
  }

  void PlaceOrder(Peer& p, const json& id, const json& params) {
    const Nanos arrived = WallNow();
    s_->CountOrder();
    auto log = [&](const std::string& result, const std::string& extra) {
      std::string f = "\"method\":\"order.place\",\"id\":" + id.dump();
      for (const char* k : {"symbol", "side", "type", "timeInForce", "price", "quantity", "newClientOrderId"})
        if (params.contains(k)) f += std::string(",\"") + k + "\":" + params[k].dump();
      const std::string cid = params.contains("newClientOrderId") && params["newClientOrderId"].is_string()
                                  ? params["newClientOrderId"].get<std::string>()
                                  : std::string();
      s_->LogOrder(venue_, arrived, "place", cid, f, "\"result\":\"" + result + "\"" + extra);
    };
    if (std::string e = Authenticate(id, params); !e.empty()) {
      log("rejected", ",\"reason\":\"auth\"");
      return p.Send(e);
    }
    auto str = [&](const char* k) { return params.contains(k) && params[k].is_string() ? params[k].get<std::string>() : std::string(); };
    const std::string symbol = str("symbol"), side_s = str("side"), type = str("type"), tif = str("timeInForce");
    const std::string client_id = str("newClientOrderId");
    auto it = by_symbol_.find(symbol);
    if (it == by_symbol_.end()) {
      log("rejected", ",\"reason\":\"symbol\"");
      return p.Send(Error(id, 400, -1121, "Invalid symbol."));
    }
    const int inst = it->second;
    const config::VenueSymbolConfig* vs = nullptr;
    for (const auto& s : cfg_.symbols)
      if (s.instrument.value == inst) vs = &s;
    if (side_s != "BUY" && side_s != "SELL") {
      log("rejected", ",\"reason\":\"side\"");
      return p.Send(Error(id, 400, -1117, "Invalid side."));
    }
    if (type != "LIMIT") {
      log("rejected", ",\"reason\":\"type\"");
      return p.Send(Error(id, 400, -1116, "Invalid orderType."));
    }
    if (tif != "IOC" && tif != "FOK") {
      log("rejected", ",\"reason\":\"timeInForce\"");
      return p.Send(Error(id, 400, -1115, "Invalid timeInForce (the simulator fills IOC and FOK only)."));
    }
    auto px = ParseDecimal<Price>(str("price"));
    auto qty = ParseDecimal<Qty>(str("quantity"));
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
    // FOK: only when the whole quantity is available within the limit.
    if (tif == "FOK") {
      Qty avail = Qty::Zero();
      if (side == Side::kBuy) {
        for (const auto& [lp, lq] : book.asks)
          if (lp <= px.value.raw()) avail += lq;
      } else {
        for (const auto& [lp, lq] : book.bids)
          if (lp >= px.value.raw()) avail += lq;
      }
      if (avail < qty.value) {
        log("expired", ",\"executedQty\":\"0\"");
        return p.Send(OrderResult(id, client_id, symbol, side_s, tif, px.value, qty.value, {}, Qty::Zero(), Amount::Zero()));
      }
    }
    std::vector<FillPart> parts;
    std::vector<BookDelta> deltas;
    book.Take(side, px.value, qty.value, &parts, &deltas);
    Qty filled = Qty::Zero();
    Amount quote_total = Amount::Zero();
    std::vector<std::pair<FillPart, Account::Booked>> booked;
    for (const FillPart& fp : parts) {
      const Amount qa = AmountFromNotional(MulNotional(fp.px, fp.qty, Rounding::kFloor));
      booked.emplace_back(fp, acct.Apply(base, quote, side, fp.qty, qa));
      filled += fp.qty;
      quote_total += qa;
    }
    if (!deltas.empty()) s_->PublishChange(s_->market().Record(venue_, inst, std::move(deltas)));
    log(filled == qty.value ? "filled" : (filled.is_positive() ? "partial" : "expired"),
        ",\"executedQty\":\"" + Q(filled) + "\"");
    p.Send(OrderResult(id, client_id, symbol, side_s, tif, px.value, qty.value, booked, filled, quote_total));
  }

  std::string OrderResult(const json& id, const std::string& client_id, const std::string& symbol, const std::string& side,
                          const std::string& tif, Price px, Qty qty,
                          const std::vector<std::pair<FillPart, Account::Booked>>& fills, Qty filled,
                          Amount quote_total) {
    json jf = json::array();
    for (const auto& [fp, b] : fills)
      jf.push_back({{"price", Px(fp.px)}, {"qty", Q(fp.qty)}, {"commission", Amt(b.commission)},
                    {"commissionAsset", b.commission_asset}, {"tradeId", ++trade_id_}});
    const int64_t now = WallNow().value / 1'000'000;
    const std::string cid = client_id.empty() ? "sim" + std::to_string(order_id_) : client_id;
    json r = {{"symbol", symbol},
              {"orderId", ++order_id_},
              {"orderListId", -1},
              {"clientOrderId", cid},
              {"transactTime", now},
              {"price", Px(px)},
              {"origQty", Q(qty)},
              {"executedQty", Q(filled)},
              {"cummulativeQuoteQty", Amt(quote_total)},
              {"status", filled == qty ? "FILLED" : "EXPIRED"},
              {"timeInForce", tif},
              {"type", "LIMIT"},
              {"side", side},
              {"workingTime", now},
              {"fills", jf},
              {"selfTradePreventionMode", "NONE"}};
    return Reply(id, 200, r);
  }

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
