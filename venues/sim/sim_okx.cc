// OKX v5 as the simulator speaks it (venues/README §4):
//   /ws/v5/public   subscribe/unsubscribe `books`, `books-l2-tbt`, `books50-l2-tbt` (a snapshot
//                   with prevSeqId -1 on subscribe, then updates chained prevSeqId → seqId from
//                   the book's own sequence, each with the CRC32 checksum of the top 25 levels
//                   built from the same text the message carries), `books5` and `bbo-tbt` (full
//                   snapshots each change); "ping" → "pong".
//   /ws/v5/private  login (HMAC-SHA256 signature, passphrase and a 30 s timestamp window
//                   verified), the `account` channel (a snapshot push on subscribe and after
//                   every fill) and the `orders` channel (one push per fill, then `canceled` for
//                   an IOC remainder), and `op:"order"` for ioc/fok limit orders filled against
//                   the book: Market::Record for the liquidity taken, Account::Apply per fill
//                   (commission in the asset received), the order log, and the reply.
// Faults honoured on the public stream: drop_next (a book change is not sent: subscribers see a
// prevSeqId gap), corrupt_checksum_next (a wrong checksum), cross_next (a bid above the best
// ask, included in the checksum so the venue itself looks crossed) and stall (nothing at all,
// pongs included).
// Deliberate differences from the venue: one account for every connection of a venue, and
// order ids are sequential numbers.
#include <algorithm>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>

#include "core/base/crc32.h"
#include "core/base/decimal.h"
#include "venues/common/signing.h"
#include "venues/sim/sim_server.h"

namespace hs::sim {
namespace {

using json = nlohmann::json;

// Channel codes in Peer::subs (public connections only).
enum Chan : int { kBooks = 1, kBooksL2Tbt, kBooks50L2Tbt, kBooks5, kBboTbt };
constexpr int kChecksumLevels = 25;
constexpr int64_t kLoginWindowS = 30;

struct ChannelInfo {
  const char* name;
  int code;
  int window;        // levels the channel carries
  bool incremental;  // snapshot + updates with checksums
};
constexpr ChannelInfo kChannels[] = {
    {"books", kBooks, 400, true},        {"books-l2-tbt", kBooksL2Tbt, 400, true},
    {"books50-l2-tbt", kBooks50L2Tbt, 50, true}, {"books5", kBooks5, 5, false},
    {"bbo-tbt", kBboTbt, 1, false},
};

const ChannelInfo* FindChannel(const std::string& name) {
  for (const auto& c : kChannels)
    if (name == c.name) return &c;
  return nullptr;
}

// Shortest exact decimal text, the way OKX writes prices and sizes ("8476.98", "415").
template <typename T>
std::string Dec(T v) {
  char buf[kMaxDecimalText];
  FormatDecimal(v.raw(), T::kDecimals, buf);
  return buf;
}

std::string NowMs() { return std::to_string(WallNow().value / 1'000'000); }
std::string NowUs() { return std::to_string(WallNow().value / 1'000); }

// The levels of one message, as text, best first.
struct TextLevels {
  std::vector<std::pair<std::string, std::string>> bids, asks;
};

std::string LevelsJson(const std::vector<std::pair<std::string, std::string>>& ls) {
  std::string s = "[";
  for (size_t k = 0; k < ls.size(); ++k) {
    if (k) s += ',';
    s += "[\"" + ls[k].first + "\",\"" + ls[k].second + "\",\"0\",\"1\"]";
  }
  return s + "]";
}

// README §4.5: interleave the top 25 bids and asks, price and size text, joined with ':'.
int32_t Checksum(const TextLevels& top) {
  std::string s;
  const size_t nb = std::min<size_t>(top.bids.size(), kChecksumLevels);
  const size_t na = std::min<size_t>(top.asks.size(), kChecksumLevels);
  for (size_t i = 0; i < std::max(nb, na); ++i) {
    if (i < nb) s += top.bids[i].first + ":" + top.bids[i].second + ":";
    if (i < na) s += top.asks[i].first + ":" + top.asks[i].second + ":";
  }
  if (!s.empty()) s.pop_back();
  return static_cast<int32_t>(Crc32Ieee(s));
}

struct PrivateState {
  bool account = false;
  bool orders = false;
};

class OkxProtocol final : public Protocol {
 public:
  OkxProtocol(Server* s, int venue) : s_(s), venue_(venue), cfg_(s->config().base.venues[static_cast<size_t>(venue)]) {
    for (const auto& sym : cfg_.symbols) by_symbol_[sym.symbol] = sym.instrument.value;
  }

  void OnOpen(Peer& p) override {
    if (p.target.rfind("/ws/v5/public", 0) == 0) return;
    if (p.target.rfind("/ws/v5/private", 0) == 0) {
      private_[p.id] = PrivateState{};
      return;
    }
    p.Close();
  }

  void OnClose(Peer& p) override { private_.erase(p.id); }

  void OnText(Peer& p, std::string_view msg) override {
    const bool is_private = private_.count(p.id) > 0;
    if (msg == "ping") {
      if (is_private || !(s_->faults(venue_).stall || p.stalled)) p.Send("pong");
      return;
    }
    json j = json::parse(msg, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return p.Send(Event("error", "60012", "Invalid request: " + std::string(msg.substr(0, 64)), p));
    const std::string op = j.value("op", "");
    if (is_private) {
      if (op == "login") return Login(p, j);
      if (op == "subscribe" || op == "unsubscribe") return PrivateSubscribe(p, j, op);
      if (op == "order") return PlaceOrder(p, j);
      return p.Send(Event("error", "60012", "Invalid request: unknown op", p));
    }
    if (op == "subscribe" || op == "unsubscribe") return PublicSubscribe(p, j, op);
    p.Send(Event("error", "60012", "Invalid request: unknown op", p));
  }

  void OnBookChange(const BookChange& c) override {
    Faults& f = s_->faults(venue_);
    bool drop = false, cross = false, corrupt = false;
    if (f.drop_next > 0) {
      --f.drop_next;
      drop = true;
    }
    if (f.cross_next > 0) {
      --f.cross_next;
      cross = true;
    }
    if (f.corrupt_checksum_next > 0) {
      --f.corrupt_checksum_next;
      corrupt = true;
    }
    if (drop) return;
    const SimBook& book = s_->market().book(c.venue, c.instrument);
    std::string cache[6];  // per channel code
    for (Peer* p : s_->Peers(venue_)) {
      if (f.stall || p->stalled) continue;
      for (const auto& ch : kChannels) {
        if (!p->subs.count({ch.code, c.instrument})) continue;
        std::string& m = cache[ch.code];
        if (m.empty()) m = ch.incremental ? Update(ch, c, book, cross, corrupt) : Full(ch, c.instrument, book, cross, book.seq);
        p->Send(m);
      }
    }
  }

 private:
  std::string ConnId(const Peer& p) const {
    char b[16];
    std::snprintf(b, sizeof b, "%08llx", static_cast<unsigned long long>(p.id * 2654435761u));
    return b;
  }

  std::string Event(const std::string& event, const std::string& code, const std::string& msg, const Peer& p) const {
    return json{{"event", event}, {"code", code}, {"msg", msg}, {"connId", ConnId(p)}}.dump();
  }

  const std::string& SymbolOf(int inst) const {
    for (const auto& s : cfg_.symbols)
      if (s.instrument.value == inst) return s.symbol;
    static const std::string kNone;
    return kNone;
  }

  // ---- market data ----

  static TextLevels Top(const SimBook& b, int n, bool cross) {
    TextLevels t;
    if (cross && b.has_top()) {
      // A bid above the best ask: the venue's own book is crossed.
      const Price px = b.best_ask().px + (b.best_ask().px - b.best_bid().px);
      t.bids.emplace_back(Dec(px), "1");
    }
    for (auto it = b.bids.begin(); it != b.bids.end() && static_cast<int>(t.bids.size()) < n; ++it)
      t.bids.emplace_back(Dec(Price::FromRaw(it->first)), Dec(it->second));
    for (auto it = b.asks.begin(); it != b.asks.end() && static_cast<int>(t.asks.size()) < n; ++it)
      t.asks.emplace_back(Dec(Price::FromRaw(it->first)), Dec(it->second));
    return t;
  }

  std::string Arg(const ChannelInfo& ch, int inst) const {
    return "{\"channel\":\"" + std::string(ch.name) + "\",\"instId\":\"" + SymbolOf(inst) + "\"}";
  }

  std::string Snapshot(const ChannelInfo& ch, int inst, const SimBook& b) const {
    const TextLevels t = Top(b, ch.window, false);
    return "{\"arg\":" + Arg(ch, inst) + ",\"action\":\"snapshot\",\"data\":[{\"asks\":" + LevelsJson(t.asks) +
           ",\"bids\":" + LevelsJson(t.bids) + ",\"ts\":\"" + NowMs() + "\",\"checksum\":" +
           std::to_string(Checksum(t)) + ",\"prevSeqId\":-1,\"seqId\":" + std::to_string(b.seq) + "}]}";
  }

  std::string Update(const ChannelInfo& ch, const BookChange& c, const SimBook& b, bool cross, bool corrupt) const {
    TextLevels d;
    if (cross && b.has_top()) d.bids.emplace_back(Dec(b.best_ask().px + (b.best_ask().px - b.best_bid().px)), "1");
    for (const BookDelta& x : c.deltas) (x.bid ? d.bids : d.asks).emplace_back(Dec(x.px), Dec(x.qty));
    int32_t sum = Checksum(Top(b, kChecksumLevels, cross));
    if (corrupt) sum = static_cast<int32_t>(static_cast<uint32_t>(sum) + 1u);
    return "{\"arg\":" + Arg(ch, c.instrument) + ",\"action\":\"update\",\"data\":[{\"asks\":" + LevelsJson(d.asks) +
           ",\"bids\":" + LevelsJson(d.bids) + ",\"ts\":\"" + NowMs() + "\",\"checksum\":" + std::to_string(sum) +
           ",\"prevSeqId\":" + std::to_string(c.prev_seq) + ",\"seqId\":" + std::to_string(c.seq) + "}]}";
  }

  std::string Full(const ChannelInfo& ch, int inst, const SimBook& b, bool cross, uint64_t seq) const {
    const TextLevels t = Top(b, ch.window, cross);
    std::string m = "{\"arg\":" + Arg(ch, inst) + ",\"data\":[{\"asks\":" + LevelsJson(t.asks) + ",\"bids\":" +
                    LevelsJson(t.bids);
    if (ch.code == kBooks5) m += ",\"instId\":\"" + SymbolOf(inst) + "\"";
    return m + ",\"ts\":\"" + NowMs() + "\",\"seqId\":" + std::to_string(seq) + "}]}";
  }

  void PublicSubscribe(Peer& p, const json& j, const std::string& op) {
    if (!j.contains("args") || !j["args"].is_array() || j["args"].empty())
      return p.Send(Event("error", "60013", "Invalid args", p));
    for (const auto& a : j["args"]) {
      const std::string channel = a.is_object() ? a.value("channel", "") : "";
      const std::string inst_id = a.is_object() ? a.value("instId", "") : "";
      const ChannelInfo* ch = FindChannel(channel);
      auto it = by_symbol_.find(inst_id);
      if (ch == nullptr || it == by_symbol_.end()) {
        p.Send(Event("error", "60018", "Wrong URL or channel:" + channel + ",instId:" + inst_id + " doesn't exist", p));
        continue;
      }
      json ack = {{"event", op}, {"arg", {{"channel", channel}, {"instId", inst_id}}}, {"connId", ConnId(p)}};
      if (j.contains("id")) ack["id"] = j["id"];
      p.Send(ack.dump());
      if (op == "unsubscribe") {
        p.subs.erase({ch->code, it->second});
        continue;
      }
      p.subs.insert({ch->code, it->second});
      if (s_->faults(venue_).stall || p.stalled) continue;
      const SimBook& b = s_->market().book(venue_, it->second);
      p.Send(ch->incremental ? Snapshot(*ch, it->second, b) : Full(*ch, it->second, b, false, b.seq));
    }
  }

  // ---- private: login, account, orders ----

  void Login(Peer& p, const json& j) {
    const json a = j.contains("args") && j["args"].is_array() && !j["args"].empty() ? j["args"][0] : json::object();
    auto str = [&](const char* k) { return a.is_object() && a.contains(k) && a[k].is_string() ? a[k].get<std::string>() : std::string(); };
    const std::string key = str("apiKey"), pass = str("passphrase"), ts = str("timestamp"), sign = str("sign");
    if (s_->api_key(venue_).empty() || key != s_->api_key(venue_)) return p.Send(Event("error", "60005", "Invalid OK-ACCESS-KEY", p));
    if (pass != s_->passphrase(venue_)) return p.Send(Event("error", "60024", "Wrong passphrase", p));
    int64_t t = 0;
    if (ts.empty() || ts.size() > 12 || !std::all_of(ts.begin(), ts.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return p.Send(Event("error", "60004", "Invalid timestamp", p));
    t = std::stoll(ts);
    const int64_t now = WallNow().value / 1'000'000'000;
    if (t > now + kLoginWindowS || now - t > kLoginWindowS) return p.Send(Event("error", "60006", "Timestamp request expired", p));
    const std::string expect =
        venues::Base64Encode(venues::HmacSha256Raw(s_->api_secret(venue_), ts + "GET" + "/users/self/verify"));
    if (sign != expect) return p.Send(Event("error", "60007", "Invalid sign", p));
    p.authed = true;
    p.Send(Event("login", "0", "", p));
  }

  void PrivateSubscribe(Peer& p, const json& j, const std::string& op) {
    if (!p.authed) return p.Send(Event("error", "60011", "Please log in", p));
    if (!j.contains("args") || !j["args"].is_array() || j["args"].empty())
      return p.Send(Event("error", "60013", "Invalid args", p));
    PrivateState& st = private_[p.id];
    for (const auto& a : j["args"]) {
      const std::string channel = a.is_object() ? a.value("channel", "") : "";
      if (channel != "account" && channel != "orders") {
        p.Send(Event("error", "60018", "Wrong URL or channel:" + channel + " doesn't exist", p));
        continue;
      }
      json ack = {{"event", op}, {"arg", a}, {"connId", ConnId(p)}};
      p.Send(ack.dump());
      const bool on = op == "subscribe";
      if (channel == "account") {
        st.account = on;
        if (on) p.Send(AccountPush());
      } else {
        st.orders = on;
      }
    }
  }

  std::string AccountPush() {
    json details = json::array();
    for (const auto& [asset, amt] : s_->account(venue_).balances()) {
      const std::string v = Dec(amt);
      details.push_back({{"ccy", asset}, {"availBal", v}, {"cashBal", v}, {"frozenBal", "0"}, {"eq", v}, {"uTime", NowMs()}});
    }
    json m = {{"arg", {{"channel", "account"}, {"uid", "44705892343619584"}}},
              {"data", json::array({{{"uTime", NowMs()}, {"totalEq", ""}, {"details", details}}})}};
    return m.dump();
  }

  void Push(bool account, const std::string& msg) {
    for (Peer* q : s_->Peers(venue_)) {
      auto it = private_.find(q->id);
      if (it == private_.end() || !q->authed) continue;
      if (account ? it->second.account : it->second.orders) q->Send(msg);
    }
  }

  static std::string Reply(const json& id, const std::string& code, const std::string& msg, const json& data, const std::string& in_time) {
    return json{{"id", id}, {"op", "order"}, {"code", code}, {"msg", msg}, {"data", data}, {"inTime", in_time}, {"outTime", NowUs()}}.dump();
  }

  void PlaceOrder(Peer& p, const json& j) {
    const Nanos arrived = WallNow();
    const std::string in_time = NowUs();
    s_->CountOrder();
    const json id = j.contains("id") ? j["id"] : json("");
    const json a = j.contains("args") && j["args"].is_array() && j["args"].size() == 1 && j["args"][0].is_object()
                       ? j["args"][0]
                       : json(nullptr);
    auto str = [&](const char* k) { return a.is_object() && a.contains(k) && a[k].is_string() ? a[k].get<std::string>() : std::string(); };
    const std::string cl_ord_id = str("clOrdId");
    auto log = [&](const std::string& result, const std::string& extra) {
      std::string f = "\"op\":\"order\",\"id\":" + id.dump();
      if (a.is_object())
        for (const char* k : {"instId", "side", "ordType", "tdMode", "px", "sz", "clOrdId"})
          if (a.contains(k)) f += std::string(",\"") + k + "\":" + a[k].dump();
      s_->LogOrder(venue_, arrived, "place", cl_ord_id, f, "\"result\":\"" + result + "\"" + extra);
    };
    auto reject = [&](const std::string& s_code, const std::string& s_msg, const std::string& why) {
      log("rejected", ",\"reason\":\"" + why + "\"");
      p.Send(Reply(id, "1", "", json::array({{{"clOrdId", cl_ord_id}, {"ordId", ""}, {"tag", ""}, {"ts", NowMs()},
                                               {"sCode", s_code}, {"sMsg", s_msg}}}),
                   in_time));
    };
    if (!p.authed) {
      log("rejected", ",\"reason\":\"auth\"");
      return p.Send(Reply(id, "60011", "Please log in", json::array(), in_time));
    }
    if (!a.is_object()) {
      log("rejected", ",\"reason\":\"args\"");
      return p.Send(Reply(id, "60013", "Invalid args", json::array(), in_time));
    }
    const std::string inst_id = str("instId"), side_s = str("side"), ord_type = str("ordType"), td_mode = str("tdMode");
    auto it = by_symbol_.find(inst_id);
    if (it == by_symbol_.end()) return reject("51001", "Instrument ID does not exist", "instId");
    if (td_mode != "cash") return reject("51000", "Parameter tdMode error", "tdMode");
    if (side_s != "buy" && side_s != "sell") return reject("51000", "Parameter side error", "side");
    if (ord_type != "ioc" && ord_type != "fok")
      return reject("51000", "Parameter ordType error (the simulator fills ioc and fok only)", "ordType");
    const int inst = it->second;
    const config::VenueSymbolConfig* vs = nullptr;
    for (const auto& s : cfg_.symbols)
      if (s.instrument.value == inst) vs = &s;
    auto px = ParseDecimal<Price>(str("px"));
    auto qty = ParseDecimal<Qty>(str("sz"));
    if (!px.ok() || !px.value.is_positive()) return reject("51000", "Parameter px error", "px");
    if (!qty.ok() || !qty.value.is_positive()) return reject("51000", "Parameter sz error", "sz");
    if (!IsMultipleOf(px.value.raw(), vs->tick.raw())) return reject("51000", "Parameter px error", "tick");
    if (!IsMultipleOf(qty.value.raw(), vs->lot.raw())) return reject("51121", "Order quantity must be a multiple of the lot size", "lot");
    const auto& ic = s_->config().base.instruments[static_cast<size_t>(inst)];
    const std::string& base = s_->config().base.assets[ic.base.value].name;
    const std::string& quote = s_->config().base.assets[ic.quote.value].name;
    Account& acct = s_->account(venue_);
    const Side side = side_s == "buy" ? Side::kBuy : Side::kSell;
    const bool short_funds = side == Side::kBuy
                                 ? acct.balance(quote) < AmountFromNotional(MulNotional(px.value, qty.value, Rounding::kCeil))
                                 : acct.balance(base) < AmountFromQty(qty.value);
    if (short_funds) return reject("51008", "Order failed. Insufficient balance", "balance");

    SimBook& book = s_->market().book(venue_, inst);
    bool fill = true;
    if (ord_type == "fok") {
      Qty avail = Qty::Zero();
      if (side == Side::kBuy) {
        for (const auto& [lp, lq] : book.asks)
          if (lp <= px.value.raw()) avail += lq;
      } else {
        for (const auto& [lp, lq] : book.bids)
          if (lp >= px.value.raw()) avail += lq;
      }
      fill = avail >= qty.value;
    }
    std::vector<FillPart> parts;
    std::vector<BookDelta> deltas;
    if (fill) book.Take(side, px.value, qty.value, &parts, &deltas);
    const uint64_t ord_id = ++order_id_;
    p.Send(Reply(id, "0", "",
                 json::array({{{"clOrdId", cl_ord_id}, {"ordId", std::to_string(ord_id)}, {"tag", ""}, {"ts", NowMs()},
                               {"sCode", "0"}, {"sMsg", "Order placed"}}}),
                 in_time));
    // One orders push per fill (accumulated size and fee grow), then the IOC remainder.
    Qty acc = Qty::Zero();
    Amount quote_total = Amount::Zero();
    Amount fee_total = Amount::Zero();
    const std::string fee_ccy = side == Side::kBuy ? base : quote;
    json order = {{"instType", "SPOT"}, {"instId", inst_id}, {"ordId", std::to_string(ord_id)}, {"clOrdId", cl_ord_id},
                  {"px", str("px")},    {"sz", str("sz")},   {"ordType", ord_type},                {"side", side_s},
                  {"tdMode", "cash"},   {"cTime", NowMs()}};
    for (const FillPart& fp : parts) {
      const Amount qa = AmountFromNotional(MulNotional(fp.px, fp.qty, Rounding::kFloor));
      const Account::Booked b = acct.Apply(base, quote, side, fp.qty, qa);
      acc += fp.qty;
      quote_total += qa;
      fee_total += b.commission;
      json o = order;
      o["state"] = acc == qty.value ? "filled" : "partially_filled";
      o["fillPx"] = Dec(fp.px);
      o["fillSz"] = Dec(fp.qty);
      o["fillTime"] = NowMs();
      o["tradeId"] = std::to_string(++trade_id_);
      o["accFillSz"] = Dec(acc);
      o["avgPx"] = Dec(AveragePrice(quote_total, acc, Rounding::kFloor));
      o["fee"] = Dec(-fee_total);
      o["feeCcy"] = b.commission_asset;
      o["fillFee"] = Dec(-b.commission);
      o["fillFeeCcy"] = b.commission_asset;
      o["uTime"] = NowMs();
      Push(false, json{{"arg", {{"channel", "orders"}, {"instType", "SPOT"}, {"uid", "44705892343619584"}}},
                       {"data", json::array({o})}}.dump());
    }
    if (acc < qty.value) {
      json o = order;
      o["state"] = "canceled";
      o["fillPx"] = "";
      o["fillSz"] = "0";
      o["fillTime"] = "";
      o["tradeId"] = "";
      o["accFillSz"] = Dec(acc);
      o["avgPx"] = acc.is_positive() ? Dec(AveragePrice(quote_total, acc, Rounding::kFloor)) : "";
      o["fee"] = Dec(-fee_total);
      o["feeCcy"] = fee_ccy;
      o["fillFee"] = "0";
      o["fillFeeCcy"] = fee_ccy;
      o["uTime"] = NowMs();
      Push(false, json{{"arg", {{"channel", "orders"}, {"instType", "SPOT"}, {"uid", "44705892343619584"}}},
                       {"data", json::array({o})}}.dump());
    }
    if (!deltas.empty()) s_->PublishChange(s_->market().Record(venue_, inst, std::move(deltas)));
    if (!parts.empty()) Push(true, AccountPush());
    log(acc == qty.value ? "filled" : (acc.is_positive() ? "partial" : "expired"), ",\"accFillSz\":\"" + Dec(acc) + "\"");
  }

  Server* s_;
  int venue_;
  const config::VenueConfig& cfg_;
  std::map<std::string, int> by_symbol_;
  std::map<uint64_t, PrivateState> private_;  // private connections by peer id
  uint64_t order_id_ = 600'000'000'000;
  uint64_t trade_id_ = 1000;
};

}  // namespace

std::unique_ptr<Protocol> MakeOkxProtocol(Server* s, int venue) { return std::make_unique<OkxProtocol>(s, venue); }

}  // namespace hs::sim
