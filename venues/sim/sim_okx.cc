// OKX v5 as the simulator speaks it (venues/README §4):
//   /ws/v5/public   subscribe/unsubscribe `books`, `books-l2-tbt`, `books50-l2-tbt` (a snapshot
//                   with prevSeqId -1 on subscribe, then updates chained prevSeqId → seqId from
//                   the book's own sequence, each with the CRC32 checksum of the top 25 levels
//                   built from the same text the message carries), `books5` and `bbo-tbt` (full
//                   snapshots each change); "ping" → "pong".
//   /ws/v5/private  login (HMAC-SHA256 signature, passphrase and a 30 s timestamp window
//                   verified), the `account` channel (a snapshot push on subscribe and after
//                   every fill) and the `orders` channel (one push per fill, then `canceled` for
//                   an IOC remainder, `live` for a resting order), and `op:"order"` for
//                   ioc / fok / limit (GTC) / post_only limit orders filled against the book:
//                   Market::Record for the liquidity taken, Account::Apply per fill (commission
//                   in the asset received), the order log, and the reply. A GTC's remainder
//                   rests; a post_only that would cross is canceled unfilled. `op:"cancel-order"`
//                   and `op:"batch-cancel-orders"` (≤ 20 items; sCode 51400 for an order that is
//                   not open). 60 new orders per 2 s per instId (or the venue's order_rate): beyond,
//                   sCode 50011 "Rate limit reached".
//   REST (signed: OK-ACCESS-KEY / -SIGN / -TIMESTAMP / -PASSPHRASE, 30 s window)
//                   GET /api/v5/trade/order?instId=&clOrdId= (or ordId; 51603 when unknown),
//                   GET /api/v5/trade/fills?instId=&ordId=, GET /api/v5/trade/orders-pending,
//                   GET /api/v5/account/balance (the account as the `account` push
//                   renders it; not order entry, so not in the order log),
//                   POST /api/v5/trade/cancel-all-after {"timeOut":"0"|"10".."120"}: when the
//                   trigger time passes unrefreshed, every resting order is canceled (`canceled`
//                   pushes, an order-log line request "dead_man" result "fired") and the switch
//                   is off until armed again.
// Order-entry faults (Faults, counted down per order): reject_orders (sCode 51008),
// rate_limit_orders (sCode 50011), partial_orders (an IOC fills half its size), drop_replies
// (executes; reply and pushes never sent), late_replies (reply and pushes held late_reply_ms,
// sent from the market clock's tick), duplicate_fills (each fill push sent twice),
// disconnect_orders (executes, then the connection closes before the reply).
// Faults honoured on the public stream: drop_next (a book change is not sent: subscribers see a
// prevSeqId gap), corrupt_checksum_next (a wrong checksum), cross_next (a bid above the best
// ask, included in the checksum so the venue itself looks crossed) and stall (nothing at all,
// pongs included).
// Perpetual swaps (a venue whose symbols are SWAP instruments, VenueConfig::perp(); the account
// is Server::margin(venue), ../shared/venues/ORDERS.md §6.2):
//   public          book sizes in contracts (base ÷ the symbol's contract size, ctVal); `index-tickers`
//                   (idxPx, instId = the swap's without "-SWAP"); `mark-price`
//                   (markPx) and `funding-rate` (fundingRate, fundingTime = the next settlement,
//                   nextFundingTime one interval later) pushed from OnMark when they change, and
//                   the last values on subscribe.
//   op:"order"      tdMode must be the account's margin mode ("isolated" | "cross"; anything else
//                   sCode 51000), sz whole contracts, reduceOnly true|"true". MarginAccount::Check
//                   refuses with sCode 51169 (reduce-only that would open or increase) or 51008
//                   (insufficient margin); a reduce-only order is cut to the position; each fill is
//                   MarginAccount::Fill (fee on the wallet, USDT); orders pushes carry fillSz /
//                   accFillSz in contracts and fee negative; then a `positions` push and an
//                   `account` push (cashBal = wallet, eq, imr, mmr, availEq).
//   private         `positions` (instType SWAP; a snapshot of every position on subscribe) and
//                   `balance_and_position` (liquidations only).
//   REST            POST /api/v5/account/set-leverage {instId, lever, mgnMode}: a mode or leverage
//                   change while a position is open is refused with code 59000 ("Setting failed:
//                   close positions first", the code OKX uses for settings that open positions
//                   block); a leverage the account refuses otherwise with 51000 "Parameter lever
//                   error". GET /api/v5/account/balance renders the margin account.
//   OnFunding       a positions push with the new cumulative fundingFee, then account.
//   OnLiquidation   balance_and_position eventType "liquidation" (posData pos "0"), then positions
//                   (pos "0") and account.
// Account::balances() of the settle asset follows MarginAccount::wallet() after every change.
// Deliberate differences from the venue: one account for every connection of a venue, order
// ids are sequential numbers, resting orders never trade later (they are not in the public book
// and lock no balance), and the fills listing is not paginated.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <deque>
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
enum Chan : int { kBooks = 1, kBooksL2Tbt, kBooks50L2Tbt, kBooks5, kBboTbt, kMarkPrice, kFundingRate, kIndexTickers };
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
  bool positions = false;
  bool balance_and_position = false;
};

// What a push goes to: the subscribers of one private channel.
enum class To : uint8_t { kOrders, kAccount, kPositions, kBalanceAndPosition };

// The last mark and funding of a swap, for subscribe snapshots and change detection.
struct Ticker {
  Price mark;
  Rate rate;
  Nanos next_funding;
  bool has = false;
  Price index;  // the underlying's index (index-tickers, instId without "-SWAP")
};

class OkxProtocol final : public Protocol {
 public:
  OkxProtocol(Server* s, int venue) : s_(s), venue_(venue), cfg_(s->config().base.venues[static_cast<size_t>(venue)]) {
    for (const auto& sym : cfg_.symbols) {
      by_symbol_[sym.symbol] = sym.instrument.value;
      ct_[sym.instrument.value] = sym.contract_size;
    }
    perp_ = cfg_.perp();
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
      if (op == "cancel-order" || op == "batch-cancel-orders") return CancelOrders(p, j, op);
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

  // The venue's margin account: only a swap venue has one (Server::margin), null otherwise.
  MarginAccount* Margin() const { return perp_ ? s_->margin(venue_) : nullptr; }

  // A swap counts contracts on the wire: base ÷ ctVal (rounded down; the market's levels are
  // whole lots, so exact in practice). Spot: base as it is.
  Qty Contracts(int inst, Qty base) const {
    auto it = ct_.find(inst);
    if (!perp_ || it == ct_.end() || it->second == Qty::FromUnits(1)) return base;
    return Qty::FromRaw(static_cast<int64_t>(
        fp_internal::Div(static_cast<fp_internal::Int128>(base.raw()) * Qty::kScale, it->second.raw(), Rounding::kFloor)));
  }
  Qty Base(int inst, Qty contracts) const {
    auto it = ct_.find(inst);
    if (!perp_ || it == ct_.end()) return contracts;
    return Qty::FromRaw(static_cast<int64_t>(static_cast<fp_internal::Int128>(contracts.raw()) * it->second.raw() / Qty::kScale));
  }

  TextLevels Top(int inst, const SimBook& b, int n, bool cross) const {
    TextLevels t;
    if (cross && b.has_top()) {
      // A bid above the best ask: the venue's own book is crossed.
      const Price px = b.best_ask().px + (b.best_ask().px - b.best_bid().px);
      t.bids.emplace_back(Dec(px), "1");
    }
    for (auto it = b.bids.begin(); it != b.bids.end() && static_cast<int>(t.bids.size()) < n; ++it)
      t.bids.emplace_back(Dec(Price::FromRaw(it->first)), Dec(Contracts(inst, it->second)));
    for (auto it = b.asks.begin(); it != b.asks.end() && static_cast<int>(t.asks.size()) < n; ++it)
      t.asks.emplace_back(Dec(Price::FromRaw(it->first)), Dec(Contracts(inst, it->second)));
    return t;
  }

  std::string Arg(const ChannelInfo& ch, int inst) const {
    return "{\"channel\":\"" + std::string(ch.name) + "\",\"instId\":\"" + SymbolOf(inst) + "\"}";
  }

  std::string Snapshot(const ChannelInfo& ch, int inst, const SimBook& b) const {
    const TextLevels t = Top(inst, b, ch.window, false);
    return "{\"arg\":" + Arg(ch, inst) + ",\"action\":\"snapshot\",\"data\":[{\"asks\":" + LevelsJson(t.asks) +
           ",\"bids\":" + LevelsJson(t.bids) + ",\"ts\":\"" + NowMs() + "\",\"checksum\":" +
           std::to_string(Checksum(t)) + ",\"prevSeqId\":-1,\"seqId\":" + std::to_string(b.seq) + "}]}";
  }

  std::string Update(const ChannelInfo& ch, const BookChange& c, const SimBook& b, bool cross, bool corrupt) const {
    TextLevels d;
    if (cross && b.has_top()) d.bids.emplace_back(Dec(b.best_ask().px + (b.best_ask().px - b.best_bid().px)), "1");
    for (const BookDelta& x : c.deltas) (x.bid ? d.bids : d.asks).emplace_back(Dec(x.px), Dec(Contracts(c.instrument, x.qty)));
    int32_t sum = Checksum(Top(c.instrument, b, kChecksumLevels, cross));
    if (corrupt) sum = static_cast<int32_t>(static_cast<uint32_t>(sum) + 1u);
    return "{\"arg\":" + Arg(ch, c.instrument) + ",\"action\":\"update\",\"data\":[{\"asks\":" + LevelsJson(d.asks) +
           ",\"bids\":" + LevelsJson(d.bids) + ",\"ts\":\"" + NowMs() + "\",\"checksum\":" + std::to_string(sum) +
           ",\"prevSeqId\":" + std::to_string(c.prev_seq) + ",\"seqId\":" + std::to_string(c.seq) + "}]}";
  }

  std::string Full(const ChannelInfo& ch, int inst, const SimBook& b, bool cross, uint64_t seq) const {
    const TextLevels t = Top(inst, b, ch.window, cross);
    std::string m = "{\"arg\":" + Arg(ch, inst) + ",\"data\":[{\"asks\":" + LevelsJson(t.asks) + ",\"bids\":" +
                    LevelsJson(t.bids);
    if (ch.code == kBooks5) m += ",\"instId\":\"" + SymbolOf(inst) + "\"";
    return m + ",\"ts\":\"" + NowMs() + "\",\"seqId\":" + std::to_string(seq) + "}]}";
  }

  std::string MarkPush(int inst, const Ticker& t) const {
    return json{{"arg", {{"channel", "mark-price"}, {"instId", SymbolOf(inst)}}},
                {"data", json::array({{{"instType", "SWAP"}, {"instId", SymbolOf(inst)}, {"markPx", Dec(t.mark)}, {"ts", NowMs()}}})}}
        .dump();
  }
  // index-tickers names the index, not the swap: BTC-USDT-SWAP's is BTC-USDT.
  static std::string IndexIdOf(const std::string& swap) {
    constexpr std::string_view kSuffix = "-SWAP";
    return swap.size() > kSuffix.size() && swap.compare(swap.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0
               ? swap.substr(0, swap.size() - kSuffix.size())
               : swap;
  }
  std::string IndexPush(int inst, const Ticker& t) const {
    const std::string id = IndexIdOf(SymbolOf(inst));
    return json{{"arg", {{"channel", "index-tickers"}, {"instId", id}}},
                {"data", json::array({{{"instId", id}, {"idxPx", Dec(t.index)}, {"ts", NowMs()}}})}}
        .dump();
  }
  std::string FundingPush(int inst, const Ticker& t) const {
    const int64_t next_ms = t.next_funding.value / 1'000'000;
    const int64_t interval_ms = s_->config().base.instruments[static_cast<size_t>(inst)].funding_interval_s * 1000;
    return json{{"arg", {{"channel", "funding-rate"}, {"instId", SymbolOf(inst)}}},
                {"data", json::array({{{"instType", "SWAP"}, {"instId", SymbolOf(inst)}, {"fundingRate", Dec(t.rate)},
                                       {"fundingTime", std::to_string(next_ms)},
                                       {"nextFundingTime", std::to_string(next_ms + interval_ms)},
                                       {"method", "current_period"}, {"formulaType", "withRate"},
                                       {"settState", "settled"}, {"ts", NowMs()}}})}}
        .dump();
  }

  void OnMark(int instrument, Price mark, Price index, Rate funding_rate, Nanos next_funding) override {
    if (!perp_ || !ct_.count(instrument)) return;
    Ticker& t = tickers_[instrument];
    const bool mark_changed = !t.has || t.mark != mark;
    // The clock renders the next settlement from its own schedule each tick: compare whole
    // seconds so that its jitter is not a change.
    const bool funding_changed = !t.has || t.rate != funding_rate ||
                                 t.next_funding.value / 1'000'000'000 != next_funding.value / 1'000'000'000;
    const bool index_changed = !t.has || t.index != index;
    t = Ticker{mark, funding_rate, next_funding, true, index};
    if (!mark_changed && !funding_changed && !index_changed) return;
    const Faults& f = s_->faults(venue_);
    std::string mp, fp, ip;
    for (Peer* p : s_->Peers(venue_)) {
      if (f.stall || p->stalled) continue;
      if (index_changed && p->subs.count({kIndexTickers, instrument})) {
        if (ip.empty()) ip = IndexPush(instrument, t);
        p->Send(ip);
      }
      if (mark_changed && p->subs.count({kMarkPrice, instrument})) {
        if (mp.empty()) mp = MarkPush(instrument, t);
        p->Send(mp);
      }
      if (funding_changed && p->subs.count({kFundingRate, instrument})) {
        if (fp.empty()) fp = FundingPush(instrument, t);
        p->Send(fp);
      }
    }
  }

  void PublicSubscribe(Peer& p, const json& j, const std::string& op) {
    if (!j.contains("args") || !j["args"].is_array() || j["args"].empty())
      return p.Send(Event("error", "60013", "Invalid args", p));
    for (const auto& a : j["args"]) {
      const std::string channel = a.is_object() ? a.value("channel", "") : "";
      const std::string inst_id = a.is_object() ? a.value("instId", "") : "";
      const ChannelInfo* ch = FindChannel(channel);
      auto it = by_symbol_.find(channel == "index-tickers" ? inst_id + "-SWAP" : inst_id);
      const int tick_code = channel == "mark-price"      ? kMarkPrice
                            : channel == "funding-rate"  ? kFundingRate
                            : channel == "index-tickers" ? kIndexTickers
                                                         : 0;
      if (tick_code != 0 && perp_ && it != by_symbol_.end()) {
        json ack = {{"event", op}, {"arg", {{"channel", channel}, {"instId", inst_id}}}, {"connId", ConnId(p)}};
        if (j.contains("id")) ack["id"] = j["id"];
        p.Send(ack.dump());
        if (op == "unsubscribe") {
          p.subs.erase({tick_code, it->second});
          continue;
        }
        p.subs.insert({tick_code, it->second});
        const Ticker& t = tickers_[it->second];
        if (t.has && !(s_->faults(venue_).stall || p.stalled))
          p.Send(tick_code == kMarkPrice     ? MarkPush(it->second, t)
                 : tick_code == kFundingRate ? FundingPush(it->second, t)
                                             : IndexPush(it->second, t));
        continue;
      }
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
      const bool swap_channel = perp_ && (channel == "positions" || channel == "balance_and_position");
      if (channel != "account" && channel != "orders" && !swap_channel) {
        p.Send(Event("error", "60018", "Wrong URL or channel:" + channel + " doesn't exist", p));
        continue;
      }
      json ack = {{"event", op}, {"arg", a}, {"connId", ConnId(p)}};
      p.Send(ack.dump());
      const bool on = op == "subscribe";
      if (channel == "account") {
        st.account = on;
        if (on) p.Send(AccountPush());
      } else if (channel == "positions") {
        // A snapshot of every position on subscribe, as the venue sends it.
        st.positions = on;
        if (on && Margin() != nullptr) p.Send(PositionsPush(-1));
      } else if (channel == "balance_and_position") {
        st.balance_and_position = on;
      } else {
        st.orders = on;
      }
    }
  }

  // The account as the `account` channel and GET /api/v5/account/balance both render it: one
  // data entry whose details list every currency the account holds.
  json AccountData() {
    if (MarginAccount* ma = Margin()) return MarginAccountData(*ma);
    json details = json::array();
    for (const auto& [asset, amt] : s_->account(venue_).balances()) {
      const std::string v = Dec(amt);
      details.push_back({{"ccy", asset}, {"availBal", v}, {"cashBal", v}, {"frozenBal", "0"}, {"eq", v}, {"uTime", NowMs()}});
    }
    return json::array({{{"uTime", NowMs()}, {"totalEq", ""}, {"details", details}}});
  }

  // The settle asset of this venue's swaps (their quote).
  const std::string& SettleAsset() const {
    const auto& ic = s_->config().base.instruments[cfg_.symbols.front().instrument.value];
    return s_->config().base.assets[ic.quote.value].name;
  }
  // Account::balances() of the settle asset follows the margin wallet.
  void SyncWallet() {
    if (perp_) s_->SyncMarginWallet(venue_);
  }
  json MarginAccountData(const MarginAccount& ma) const {
    const std::string wallet = Dec(ma.wallet()), eq = Dec(ma.equity());
    json details = json::array({{{"ccy", SettleAsset()}, {"cashBal", wallet}, {"availBal", Dec(ma.available())},
                                 {"frozenBal", Dec(ma.initial_margin())}, {"eq", eq}, {"imr", Dec(ma.initial_margin())},
                                 {"mmr", Dec(ma.maint_margin())}, {"availEq", Dec(ma.available())},
                                 {"upl", Dec(ma.unrealized())}, {"uTime", NowMs()}}});
    return json::array({{{"uTime", NowMs()}, {"totalEq", eq}, {"imr", Dec(ma.initial_margin())},
                         {"mmr", Dec(ma.maint_margin())}, {"details", details}}});
  }

  // One position as the `positions` channel renders it (pos in contracts, signed: net mode).
  json PositionJson(const MarginAccount& ma, int inst) const {
    const MarginAccount::Position& p = ma.position(inst);
    const auto& ic = s_->config().base.instruments[static_cast<size_t>(inst)];
    const bool isolated = ma.mode() == MarginMode::kIsolated;
    const Notional value = margin::PositionValue(p.size, p.mark);
    const bool flat = p.size.is_zero();
    const Price liq = flat ? Price::Zero() : ma.liq_price(inst);
    return json{{"instType", "SWAP"},
                {"instId", SymbolOf(inst)},
                {"mgnMode", isolated ? "isolated" : "cross"},
                {"posId", std::to_string(700'000'000 + inst)},
                {"posSide", "net"},
                {"pos", Dec(Contracts(inst, p.size))},
                {"ccy", SettleAsset()},
                {"avgPx", flat ? std::string() : Dec(p.entry)},
                {"markPx", Dec(p.mark)},
                {"liqPx", liq.is_zero() ? std::string() : Dec(liq)},
                {"margin", isolated && !flat ? Dec(p.isolated_margin) : std::string()},
                {"imr", !isolated && !flat ? Dec(margin::InitialMargin(value, ma.leverage())) : std::string()},
                {"mmr", flat ? std::string("0") : Dec(margin::MaintenanceMargin(ic.mm_tiers, value))},
                {"upl", Dec(margin::UnrealizedPnl(p.size, p.entry, p.mark))},
                {"lever", Dec(ma.leverage())},
                {"fundingFee", Dec(p.funding_cum)},
                {"fee", Dec(-p.fees_cum)},
                {"realizedPnl", Dec(p.realized_cum + p.funding_cum - p.fees_cum)},
                {"uTime", NowMs()},
                {"cTime", NowMs()}};
  }
  // A positions push of one instrument, or of every swap when inst < 0 (the subscribe snapshot).
  std::string PositionsPush(int inst) const {
    json data = json::array();
    if (const MarginAccount* ma = Margin())
      for (const auto& [i, pos] : ma->positions())
        if (inst < 0 || i == inst) data.push_back(PositionJson(*ma, i));
    return json{{"arg", {{"channel", "positions"}, {"instType", "SWAP"}, {"uid", "44705892343619584"}}}, {"data", data}}.dump();
  }

  std::string AccountPush() {
    json m = {{"arg", {{"channel", "account"}, {"uid", "44705892343619584"}}}, {"data", AccountData()}};
    return m.dump();
  }

  void Push(bool account, const std::string& msg) { PushTo(account ? To::kAccount : To::kOrders, msg); }
  void PushTo(To to, const std::string& msg) {
    for (Peer* q : s_->Peers(venue_)) {
      auto it = private_.find(q->id);
      if (it == private_.end() || !q->authed) continue;
      const PrivateState& st = it->second;
      const bool sub = to == To::kOrders      ? st.orders
                       : to == To::kAccount   ? st.account
                       : to == To::kPositions ? st.positions
                                              : st.balance_and_position;
      if (sub) q->Send(msg);
    }
  }

  static std::string Reply(const json& id, const std::string& code, const std::string& msg, const json& data, const std::string& in_time) {
    return json{{"id", id}, {"op", "order"}, {"code", code}, {"msg", msg}, {"data", data}, {"inTime", in_time}, {"outTime", NowUs()}}.dump();
  }

  // ---- order entry ----

  struct Fill {
    Price px;
    Qty qty;
    Amount fee;  // charged, positive
    std::string fee_ccy;
    std::string trade_id;
    std::string time_ms;
  };
  struct OrderRec {
    int inst = 0;
    bool swap = false;        // a SWAP order (sizes in contracts on the wire)
    bool reduce_only = false;
    std::string td_mode = "cash";
    std::string inst_id, cl_ord_id, ord_id, side, ord_type, px, sz;
    Qty qty;
    Qty acc;
    Amount quote;
    Amount fee;  // charged, positive
    std::string fee_ccy;
    std::string state;  // live, partially_filled, filled, canceled
    std::string c_time, u_time;
    std::vector<Fill> fills;
  };
  // A message held by late_replies: to the requesting peer (reply) or to every orders / account
  // subscriber (push).
  struct Held {
    Nanos due;
    uint64_t peer = 0;
    int kind = 0;  // 0 reply, 1 orders push, 2 account push, 3 positions push
    std::string msg;
  };

  static To HeldTo(int kind) { return kind == 2 ? To::kAccount : kind == 3 ? To::kPositions : To::kOrders; }

  static bool Resting(const OrderRec& o) { return o.state == "live" || o.state == "partially_filled"; }

  json OrderJson(const OrderRec& o) const {
    json j{{"instType", o.swap ? "SWAP" : "SPOT"},
                {"instId", o.inst_id},
                {"ordId", o.ord_id},
                {"clOrdId", o.cl_ord_id},
                {"px", o.px},
                {"sz", o.sz},
                {"ordType", o.ord_type},
                {"side", o.side},
                {"tdMode", o.td_mode},
                {"state", o.state},
                {"accFillSz", Dec(o.swap ? Contracts(o.inst, o.acc) : o.acc)},
                {"avgPx", o.acc.is_positive() ? Dec(AveragePrice(o.quote, o.acc, Rounding::kFloor)) : std::string()},
                {"fee", Dec(-o.fee)},
                {"feeCcy", o.fee_ccy},
                {"cTime", o.c_time},
                {"uTime", o.u_time}};
    if (o.swap) {
      j["posSide"] = "net";
      j["reduceOnly"] = o.reduce_only ? "true" : "false";
    }
    return j;
  }
  std::string OrdersPush(const json& o) const {
    return json{{"arg", {{"channel", "orders"}, {"instType", perp_ ? "SWAP" : "SPOT"}, {"uid", "44705892343619584"}}},
                {"data", json::array({o})}}
        .dump();
  }
  // The push for a change without a fill (live, canceled).
  std::string StatePush(const OrderRec& o) const {
    json j = OrderJson(o);
    j["fillPx"] = "";
    j["fillSz"] = "0";
    j["fillTime"] = "";
    j["tradeId"] = "";
    j["fillFee"] = "0";
    j["fillFeeCcy"] = o.fee_ccy;
    return OrdersPush(j);
  }

  OrderRec* FindOrder(const std::string& cl_ord_id, const std::string& ord_id) {
    if (!cl_ord_id.empty()) {
      auto it = by_cl_.find(cl_ord_id);
      if (it != by_cl_.end()) return &orders_.at(it->second);
      return nullptr;
    }
    auto it = orders_.find(ord_id);
    return it == orders_.end() ? nullptr : &it->second;
  }

  // Cancels a resting order and pushes its `canceled`.
  void CancelResting(OrderRec& o) {
    o.state = "canceled";
    o.u_time = NowMs();
    Push(false, StatePush(o));
  }

  int CancelEverything() {
    int n = 0;
    for (auto& [id, o] : orders_)
      if (Resting(o)) {
        CancelResting(o);
        ++n;
      }
    return n;
  }

  void CancelOrders(Peer& p, const json& j, const std::string& op) {
    const Nanos arrived = WallNow();
    const std::string in_time = NowUs();
    const json id = j.contains("id") ? j["id"] : json("");
    const bool batch = op == "batch-cancel-orders";
    auto reply = [&](const std::string& code, const std::string& msg, const json& data) {
      p.Send(json{{"id", id}, {"op", op}, {"code", code}, {"msg", msg}, {"data", data}, {"inTime", in_time}, {"outTime", NowUs()}}
                 .dump());
    };
    const json args = j.contains("args") && j["args"].is_array() ? j["args"] : json::array();
    if (!p.authed || args.empty() || (!batch && args.size() != 1) || args.size() > 20) {
      s_->LogOrder(venue_, arrived, batch ? "cancel_all" : "cancel", "", "\"op\":\"" + op + "\",\"id\":" + id.dump(),
                   "\"result\":\"refused\"");
      return reply(p.authed ? "60013" : "60011", p.authed ? "Invalid args" : "Please log in", json::array());
    }
    json data = json::array();
    int ok = 0;
    std::string canceled;
    for (const auto& a : args) {
      auto str = [&](const char* k) { return a.is_object() && a.contains(k) && a[k].is_string() ? a[k].get<std::string>() : std::string(); };
      const std::string cl = str("clOrdId"), oid = str("ordId"), inst = str("instId");
      OrderRec* o = FindOrder(cl, oid);
      json item = {{"clOrdId", cl}, {"ordId", o ? o->ord_id : oid}, {"ts", NowMs()}};
      if (o == nullptr || o->inst_id != inst || !Resting(*o)) {
        item["sCode"] = "51400";
        item["sMsg"] = "Cancellation failed as the order has been filled, canceled or does not exist";
      } else {
        CancelResting(*o);
        item["sCode"] = "0";
        item["sMsg"] = "";
        ++ok;
        if (!canceled.empty()) canceled += ',';
        canceled += "\"" + o->cl_ord_id + "\"";
      }
      data.push_back(item);
    }
    const std::string cl0 = !batch && args[0].is_object() ? args[0].value("clOrdId", "") : "";
    s_->LogOrder(venue_, arrived, batch ? "cancel_all" : "cancel", cl0,
                 "\"op\":\"" + op + "\",\"id\":" + id.dump() + ",\"args\":" + args.dump(),
                 "\"result\":\"" + std::string(ok == static_cast<int>(args.size()) ? "ok" : (ok > 0 ? "partial" : "failed")) +
                     "\",\"canceled\":[" + canceled + "]");
    const std::string code = ok == static_cast<int>(args.size()) ? "0" : (ok > 0 ? "2" : "1");
    reply(code, "", data);
  }

  // The venue's rate budget per instId (new orders in the window).
  bool RateAllows(int inst, Nanos now) {
    config::OrderRate r = config::DefaultOrderRate(config::VenueKind::kOkx);
    if (cfg_.order_rate > 0) r.orders = cfg_.order_rate;
    if (cfg_.order_rate_window_ms > 0) r.window_ms = cfg_.order_rate_window_ms;
    std::deque<int64_t>& q = rate_[inst];
    while (!q.empty() && now.value - q.front() >= r.window_ms * 1'000'000) q.pop_front();
    if (static_cast<int64_t>(q.size()) >= r.orders) return false;
    q.push_back(now.value);
    return true;
  }

  void PlaceOrder(Peer& p, const json& j) {
    const Nanos arrived = WallNow();
    const std::string in_time = NowUs();
    s_->CountOrder();
    Faults& f = s_->faults(venue_);
    const json id = j.contains("id") ? j["id"] : json("");
    const json a = j.contains("args") && j["args"].is_array() && j["args"].size() == 1 && j["args"][0].is_object()
                       ? j["args"][0]
                       : json(nullptr);
    auto str = [&](const char* k) { return a.is_object() && a.contains(k) && a[k].is_string() ? a[k].get<std::string>() : std::string(); };
    const std::string cl_ord_id = str("clOrdId");
    auto log = [&](const std::string& result, const std::string& extra) {
      std::string fl = "\"op\":\"order\",\"id\":" + id.dump();
      if (a.is_object())
        for (const char* k : {"instId", "side", "ordType", "tdMode", "px", "sz", "clOrdId"})
          if (a.contains(k)) fl += std::string(",\"") + k + "\":" + a[k].dump();
      s_->LogOrder(venue_, arrived, "place", cl_ord_id, fl, "\"result\":\"" + result + "\"" + extra);
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
    // Faults that refuse the order come first (the venue refused it before anything else).
    if (TakeFault(f.rate_limit_orders)) return reject("50011", "Rate limit reached", "fault_rate_limit");
    if (TakeFault(f.reject_orders)) return reject("51008", "Order failed. Insufficient balance", "fault_reject");
    const std::string inst_id = str("instId"), side_s = str("side"), ord_type = str("ordType"), td_mode = str("tdMode");
    auto it = by_symbol_.find(inst_id);
    if (it == by_symbol_.end()) return reject("51001", "Instrument ID does not exist", "instId");
    // A swap trades on the venue's margin account, in its margin mode; spot trades cash.
    MarginAccount* ma = Margin();
    const bool swap = ma != nullptr;
    const std::string want_mode = !swap ? "cash" : ma->mode() == MarginMode::kIsolated ? "isolated" : "cross";
    if (td_mode != want_mode) return reject("51000", "Parameter tdMode error", "tdMode");
    const bool reduce_only = swap && a.contains("reduceOnly") &&
                             ((a["reduceOnly"].is_boolean() && a["reduceOnly"].get<bool>()) ||
                              (a["reduceOnly"].is_string() && a["reduceOnly"].get<std::string>() == "true"));
    if (side_s != "buy" && side_s != "sell") return reject("51000", "Parameter side error", "side");
    if (ord_type != "ioc" && ord_type != "fok" && ord_type != "limit" && ord_type != "post_only")
      return reject("51000", "Parameter ordType error", "ordType");
    if (cl_ord_id.empty() || by_cl_.count(cl_ord_id)) return reject("51016", "Duplicated clOrdId", "clOrdId");
    const int inst = it->second;
    if (!RateAllows(inst, MonoNow())) return reject("50011", "Rate limit reached", "rate_limit");
    const config::VenueSymbolConfig* vs = nullptr;
    for (const auto& sc : cfg_.symbols)
      if (sc.instrument.value == inst) vs = &sc;
    auto px = ParseDecimal<Price>(str("px"));
    auto qty = ParseDecimal<Qty>(str("sz"));
    if (!px.ok() || !px.value.is_positive()) return reject("51000", "Parameter px error", "px");
    if (!qty.ok() || !qty.value.is_positive()) return reject("51000", "Parameter sz error", "sz");
    if (swap) {
      // sz counts whole contracts; the engine's quantity is base = contracts × ctVal.
      if (!IsMultipleOf(qty.value.raw(), Qty::kScale)) return reject("51121", "Order quantity must be a multiple of the lot size", "contracts");
      qty.value = Base(inst, qty.value);
    }
    if (!IsMultipleOf(px.value.raw(), vs->tick.raw())) return reject("51000", "Parameter px error", "tick");
    if (!IsMultipleOf(qty.value.raw(), vs->lot.raw())) return reject("51121", "Order quantity must be a multiple of the lot size", "lot");
    const auto& ic = s_->config().base.instruments[static_cast<size_t>(inst)];
    const std::string& base = s_->config().base.assets[ic.base.value].name;
    const std::string& quote = s_->config().base.assets[ic.quote.value].name;
    Account& acct = s_->account(venue_);
    const Side side = side_s == "buy" ? Side::kBuy : Side::kSell;
    if (swap) {
      switch (ma->Check(inst, side, qty.value, px.value, reduce_only)) {
        case MarginAccount::Refusal::kNone:
          break;
        case MarginAccount::Refusal::kReduceOnly:
          return reject("51169", "Order failed because you don't have any positions in this direction for this contract to reduce or close.", "reduce_only");
        case MarginAccount::Refusal::kInsufficientMargin:
          return reject("51008", "Order failed. Insufficient USDT margin in account", "margin");
        case MarginAccount::Refusal::kNotPerpetual:
          return reject("51001", "Instrument ID does not exist", "not_swap");
      }
    } else {
      const bool short_funds = side == Side::kBuy
                                   ? acct.balance(quote) < AmountFromNotional(MulNotional(px.value, qty.value, Rounding::kCeil))
                                   : acct.balance(base) < AmountFromQty(qty.value);
      if (short_funds) return reject("51008", "Order failed. Insufficient balance", "balance");
    }

    const bool drop = TakeFault(f.drop_replies);
    const bool late = !drop && TakeFault(f.late_replies);
    const bool dup = TakeFault(f.duplicate_fills);
    const bool disconnect = !drop && !late && TakeFault(f.disconnect_orders);
    const bool partial = (ord_type == "ioc") && TakeFault(f.partial_orders);

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
    if (ord_type == "fok") fill = crossing() >= qty.value;
    if (ord_type == "post_only") fill = false;  // a maker order never takes
    const bool post_only_crosses = ord_type == "post_only" && crossing().is_positive();
    Qty take = qty.value;
    if (partial) take = Qty::FromRaw(qty.value.raw() / 2 / vs->lot.raw() * vs->lot.raw());
    if (reduce_only) take = ma->CapReduceOnly(inst, side, take);  // never beyond the position
    std::vector<FillPart> parts;
    std::vector<BookDelta> deltas;
    if (fill && take.is_positive()) book.Take(side, px.value, take, &parts, &deltas);
    OrderRec& o = orders_[std::to_string(++order_id_)];
    o.ord_id = std::to_string(order_id_);
    by_cl_[cl_ord_id] = o.ord_id;
    o.inst_id = inst_id;
    o.cl_ord_id = cl_ord_id;
    o.side = side_s;
    o.ord_type = ord_type;
    o.px = str("px");
    o.sz = str("sz");
    o.qty = qty.value;
    o.inst = inst;
    o.swap = swap;
    o.reduce_only = reduce_only;
    o.td_mode = td_mode;
    o.fee_ccy = swap ? SettleAsset() : side == Side::kBuy ? base : quote;
    o.c_time = o.u_time = NowMs();
    o.state = "live";
    // What this order sends, in order: (0 reply, 1 orders push, 2 account push).
    std::vector<std::pair<int, std::string>> out;
    out.emplace_back(0, Reply(id, "0", "",
                              json::array({{{"clOrdId", cl_ord_id}, {"ordId", o.ord_id}, {"tag", ""}, {"ts", NowMs()},
                                            {"sCode", "0"}, {"sMsg", "Order placed"}}}),
                              in_time));
    // One orders push per fill (accumulated size and fee grow), then the IOC remainder's cancel
    // or the GTC remainder's `live`.
    for (const FillPart& fp : parts) {
      const Amount qa = AmountFromNotional(MulNotional(fp.px, fp.qty, Rounding::kFloor));
      Account::Booked bk;
      if (swap) {
        // Margin account: position, realized PnL and the fee on the wallet (settle asset).
        bk.commission = ma->Fill(inst, side, fp.qty, fp.px).fee;
        bk.commission_asset = SettleAsset();
        SyncWallet();
      } else {
        bk = acct.Apply(base, quote, side, fp.qty, qa);
      }
      o.acc += fp.qty;
      o.quote += qa;
      o.fee += bk.commission;
      o.fee_ccy = bk.commission_asset;
      o.fills.push_back(Fill{fp.px, fp.qty, bk.commission, bk.commission_asset, std::to_string(++trade_id_), NowMs()});
      o.state = o.acc == qty.value ? "filled" : "partially_filled";
      o.u_time = NowMs();
      json oj = OrderJson(o);
      oj["fillPx"] = Dec(fp.px);
      oj["fillSz"] = Dec(swap ? Contracts(inst, fp.qty) : fp.qty);
      oj["fillTime"] = NowMs();
      oj["tradeId"] = o.fills.back().trade_id;
      oj["fillFee"] = Dec(-bk.commission);
      oj["fillFeeCcy"] = bk.commission_asset;
      out.emplace_back(1, OrdersPush(oj));
      if (dup) out.emplace_back(1, OrdersPush(oj));
    }
    const bool rests = (ord_type == "limit" || (ord_type == "post_only" && !post_only_crosses)) && o.acc < qty.value;
    if (o.acc < qty.value) {
      if (!rests) o.state = "canceled";
      o.u_time = NowMs();
      out.emplace_back(1, StatePush(o));
    }
    if (!deltas.empty()) s_->PublishChange(s_->market().Record(venue_, inst, std::move(deltas)));
    if (swap && !parts.empty()) out.emplace_back(3, PositionsPush(inst));
    if (!parts.empty()) out.emplace_back(2, AccountPush());
    std::string result = o.acc == qty.value ? "filled" : (o.acc.is_positive() ? "partial" : "expired");
    if (rests) result = "resting";
    if (post_only_crosses) result = "post_only_canceled";
    std::string extra = ",\"ord_id\":\"" + o.ord_id + "\",\"accFillSz\":\"" + Dec(o.acc) + "\"";
    if (drop) extra += ",\"fault\":\"drop_replies\"";
    if (late) extra += ",\"fault\":\"late_replies\"";
    if (dup) extra += ",\"fault\":\"duplicate_fills\"";
    if (disconnect) extra += ",\"fault\":\"disconnect_orders\"";
    if (partial) extra += ",\"fault\":\"partial_orders\"";
    log(result, extra);
    if (drop) return;
    if (disconnect) {
      // Executed; the session closes before the reply (other sessions still get their pushes).
      p.Close();
      return;
    }
    for (auto& [kind, msg] : out) {
      if (late) {
        held_.push_back(Held{Nanos{WallNow().value + f.late_reply_ms * 1'000'000}, p.id, kind, std::move(msg)});
      } else if (kind == 0) {
        p.Send(std::move(msg));
      } else {
        PushTo(HeldTo(kind), msg);
      }
    }
  }

  // ---- REST ----

  static std::string Header(const Headers& h, const char* name) {
    for (const auto& [k, v] : h)
      if (k.size() == std::strlen(name) && std::equal(k.begin(), k.end(), name, [](char x, char y) {
            return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
          }))
        return v;
    return {};
  }
  static std::string QueryParam(const std::string& target, const std::string& key) {
    const size_t q = target.find('?');
    if (q == std::string::npos) return {};
    size_t pos = q + 1;
    while (pos < target.size()) {
      size_t amp = target.find('&', pos);
      if (amp == std::string::npos) amp = target.size();
      const std::string kv = target.substr(pos, amp - pos);
      const size_t eq = kv.find('=');
      if (eq != std::string::npos && kv.substr(0, eq) == key) return kv.substr(eq + 1);
      pos = amp + 1;
    }
    return {};
  }
  static HttpResult Answer(int status, const std::string& code, const std::string& msg, const json& data) {
    HttpResult r;
    r.status = status;
    r.body = json{{"code", code}, {"msg", msg}, {"data", data}}.dump();
    return r;
  }
  // Time "2020-12-08T09:08:57.715Z" → Unix ms, or -1.
  static int64_t IsoMs(const std::string& t) {
    struct tm tmv {};
    int ms = 0;
    if (t.size() != 24 || std::sscanf(t.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tmv.tm_year, &tmv.tm_mon, &tmv.tm_mday,
                                      &tmv.tm_hour, &tmv.tm_min, &tmv.tm_sec, &ms) != 7)
      return -1;
    tmv.tm_year -= 1900;
    tmv.tm_mon -= 1;
    return static_cast<int64_t>(timegm(&tmv)) * 1000 + ms;
  }

  bool OnHttpWithHeaders(const std::string& method, const std::string& target, const Headers& headers,
                         const std::string& body, HttpResult* out) override {
    const std::string path = target.substr(0, target.find('?'));
    const char* request = path == "/api/v5/trade/order" || path == "/api/v5/trade/fills" ? "query"
                          : path == "/api/v5/trade/orders-pending"                        ? "list"
                          : path == "/api/v5/trade/cancel-all-after"                      ? "dead_man"
                                                                                          : nullptr;
    // The balance query is account data, not order entry: answered, never in the order log.
    const bool balance = path == "/api/v5/account/balance";
    const bool set_leverage = path == "/api/v5/account/set-leverage";  // a setting, not order entry
    if (request == nullptr && !balance && !set_leverage) return false;
    const Nanos arrived = WallNow();
    const std::string wire = "\"method\":\"" + method + "\",\"path\":" + json(target).dump() +
                             (body.empty() ? std::string() : ",\"body\":" + json(body).dump());
    auto done = [&](const HttpResult& r, const std::string& client_id, const std::string& outcome) {
      *out = r;
      if (request != nullptr) s_->LogOrder(venue_, arrived, request, client_id, wire, outcome);
      return true;
    };
    // Authentication, as the venue checks it.
    const std::string key = Header(headers, "OK-ACCESS-KEY"), sign = Header(headers, "OK-ACCESS-SIGN"),
                      ts = Header(headers, "OK-ACCESS-TIMESTAMP"), pass = Header(headers, "OK-ACCESS-PASSPHRASE");
    if (s_->api_key(venue_).empty() || key != s_->api_key(venue_))
      return done(Answer(401, "50111", "Invalid OK-ACCESS-KEY", json::array()), "", "\"result\":\"auth\"");
    if (pass != s_->passphrase(venue_))
      return done(Answer(401, "50105", "Invalid OK-ACCESS-PASSPHRASE", json::array()), "", "\"result\":\"auth\"");
    const int64_t t = IsoMs(ts);
    const int64_t now_ms = WallNow().value / 1'000'000;
    if (t < 0 || t > now_ms + kLoginWindowS * 1000 || now_ms - t > kLoginWindowS * 1000)
      return done(Answer(401, "50102", "Timestamp request expired", json::array()), "", "\"result\":\"auth\"");
    if (sign != venues::Base64Encode(venues::HmacSha256Raw(s_->api_secret(venue_), ts + method + target + body)))
      return done(Answer(401, "50113", "Invalid Sign", json::array()), "", "\"result\":\"auth\"");

    if (balance && method == "GET") return done(Answer(200, "0", "", AccountData()), "", "");
    if (set_leverage && method == "POST") return done(SetLeverage(body), "", "");
    if (path == "/api/v5/trade/order" && method == "GET") {
      const std::string cl = QueryParam(target, "clOrdId"), oid = QueryParam(target, "ordId");
      const OrderRec* o = FindOrder(cl, oid);
      if (o == nullptr || o->inst_id != QueryParam(target, "instId"))
        return done(Answer(200, "51603", "Order does not exist", json::array()), cl, "\"result\":\"not_found\"");
      return done(Answer(200, "0", "", json::array({OrderJson(*o)})), cl,
                  "\"result\":\"" + o->state + "\",\"accFillSz\":\"" + Dec(o->acc) + "\"");
    }
    if (path == "/api/v5/trade/fills" && method == "GET") {
      const OrderRec* o = FindOrder("", QueryParam(target, "ordId"));
      json data = json::array();
      if (o != nullptr && o->inst_id == QueryParam(target, "instId")) {
        // Newest first, as the venue lists them; fee is this fill's (negative = charged).
        for (auto it = o->fills.rbegin(); it != o->fills.rend(); ++it)
          data.push_back({{"instType", "SPOT"}, {"instId", o->inst_id}, {"ordId", o->ord_id}, {"clOrdId", o->cl_ord_id},
                          {"tradeId", it->trade_id}, {"fillPx", Dec(it->px)}, {"fillSz", Dec(it->qty)},
                          {"side", o->side}, {"execType", "T"}, {"fee", Dec(-it->fee)}, {"feeCcy", it->fee_ccy},
                          {"ts", it->time_ms}});
      }
      return done(Answer(200, "0", "", data), o ? o->cl_ord_id : "", "\"result\":\"fills\",\"count\":" + std::to_string(data.size()));
    }
    if (path == "/api/v5/trade/orders-pending" && method == "GET") {
      json data = json::array();
      for (const auto& [oid, o] : orders_)
        if (Resting(o)) data.push_back(OrderJson(o));
      return done(Answer(200, "0", "", data), "", "\"result\":\"listed\",\"count\":" + std::to_string(data.size()));
    }
    if (path == "/api/v5/trade/cancel-all-after" && method == "POST") {
      const json b = json::parse(body, nullptr, false);
      const std::string to = b.is_object() && b.contains("timeOut") && b["timeOut"].is_string() ? b["timeOut"].get<std::string>() : "";
      int64_t secs = -1;
      if (!to.empty() && to.size() <= 4 && std::all_of(to.begin(), to.end(), [](char c) { return c >= '0' && c <= '9'; }))
        secs = std::stoll(to);
      if (secs != 0 && (secs < 10 || secs > 120))
        return done(Answer(200, "51000", "Parameter timeOut error", json::array()), "", "\"result\":\"refused\"");
      dead_man_armed_ = secs > 0;
      dead_man_trigger_ms_ = secs > 0 ? now_ms + secs * 1000 : 0;
      return done(Answer(200, "0", "",
                         json::array({{{"triggerTime", secs > 0 ? std::to_string(dead_man_trigger_ms_) : "0"},
                                       {"tag", ""}, {"ts", std::to_string(now_ms)}}})),
                  "", std::string("\"result\":\"") + (secs > 0 ? "armed" : "disarmed") + "\",\"trigger_ms\":" +
                          std::to_string(dead_man_trigger_ms_));
    }
    return done(Answer(405, "50000", "Method not allowed", json::array()), "", "\"result\":\"refused\"");
  }

  // POST /api/v5/account/set-leverage {"instId","lever","mgnMode"} on the margin account.
  HttpResult SetLeverage(const std::string& body) {
    MarginAccount* ma = Margin();
    const json b = json::parse(body, nullptr, false);
    auto str = [&](const char* k) { return b.is_object() && b.contains(k) && b[k].is_string() ? b[k].get<std::string>() : std::string(); };
    const std::string inst_id = str("instId"), lever = str("lever"), mode = str("mgnMode");
    auto it = by_symbol_.find(inst_id);
    if (ma == nullptr || it == by_symbol_.end()) return Answer(200, "51001", "Instrument ID does not exist", json::array());
    if (mode != "isolated" && mode != "cross") return Answer(200, "51000", "Parameter mgnMode error", json::array());
    const ParseResult<Rate> l = ParseDecimal<Rate>(lever);
    if (!l.ok() || !l.value.is_positive()) return Answer(200, "51000", "Parameter lever error", json::array());
    bool open = false;
    for (const auto& [i, pos] : ma->positions()) open = open || !pos.size.is_zero();
    const MarginMode m = mode == "isolated" ? MarginMode::kIsolated : MarginMode::kCross;
    const MarginMode old_mode = ma->mode();
    if (m != old_mode && !ma->SetMode(m))
      return Answer(200, "59000", "Setting failed. Close any open positions or orders before changing the margin mode.", json::array());
    if (l.value != ma->leverage() && !ma->SetLeverage(l.value)) {
      if (m != old_mode) ma->SetMode(old_mode);  // all or nothing
      return open ? Answer(200, "59000", "Setting failed. Close any open positions or orders before changing the leverage.", json::array())
                  : Answer(200, "51000", "Parameter lever error", json::array());
    }
    return Answer(200, "0", "", json::array({{{"instId", inst_id}, {"lever", Dec(ma->leverage())}, {"mgnMode", mode}, {"posSide", ""}}}));
  }

  void OnFunding(int instrument, Amount flow, Rate rate) override {
    if (Margin() == nullptr) return;
    SyncWallet();
    // The position's cumulative fundingFee moved: positions, then the account.
    PushTo(To::kPositions, PositionsPush(instrument));
    Push(true, AccountPush());
  }

  void OnLiquidation(const MarginAccount::Liquidation& l) override {
    MarginAccount* ma = Margin();
    if (ma == nullptr) return;
    SyncWallet();
    const std::string mode = ma->mode() == MarginMode::kIsolated ? "isolated" : "cross";
    json pos_data = json::array({{{"posId", std::to_string(700'000'000 + l.instrument)}, {"tradeId", std::to_string(++trade_id_)},
                                  {"instId", SymbolOf(l.instrument)}, {"instType", "SWAP"}, {"mgnMode", mode},
                                  {"posSide", "net"}, {"pos", Dec(Contracts(l.instrument, ma->position(l.instrument).size))},
                                  {"ccy", SettleAsset()}, {"posCcy", ""}, {"avgPx", ""}, {"uTime", NowMs()}}});
    json bal = json::array({{{"ccy", SettleAsset()}, {"cashBal", Dec(ma->wallet())}, {"uTime", NowMs()}}});
    PushTo(To::kBalanceAndPosition,
           json{{"arg", {{"channel", "balance_and_position"}, {"uid", "44705892343619584"}}},
                {"data", json::array({{{"pTime", NowMs()}, {"eventType", "liquidation"}, {"balData", bal}, {"posData", pos_data}}})}}
               .dump());
    PushTo(To::kPositions, PositionsPush(l.instrument));
    Push(true, AccountPush());
  }

  void OnTick(Nanos) override {
    const Nanos wall = WallNow();
    // Late replies whose time has come, in the order they were held.
    while (!held_.empty() && held_.front().due.value <= wall.value) {
      Held h = std::move(held_.front());
      held_.pop_front();
      if (h.kind == 0) {
        for (Peer* q : s_->Peers(venue_))
          if (q->id == h.peer) q->Send(std::move(h.msg));
      } else {
        PushTo(HeldTo(h.kind), h.msg);
      }
    }
    // The dead man's switch fires on wall time.
    if (dead_man_armed_ && wall.value / 1'000'000 >= dead_man_trigger_ms_) {
      dead_man_armed_ = false;
      std::string ids;
      for (const auto& [oid, o] : orders_)
        if (Resting(o)) ids += (ids.empty() ? "\"" : ",\"") + o.cl_ord_id + "\"";
      const int n = CancelEverything();
      s_->LogOrder(venue_, wall, "dead_man", "", "\"trigger_ms\":" + std::to_string(dead_man_trigger_ms_),
                   "\"result\":\"fired\",\"canceled_count\":" + std::to_string(n) + ",\"canceled\":[" + ids + "]");
    }
  }

  Server* s_;
  int venue_;
  const config::VenueConfig& cfg_;
  std::map<std::string, int> by_symbol_;
  std::map<uint64_t, PrivateState> private_;  // private connections by peer id
  uint64_t order_id_ = 600'000'000'000;
  std::map<std::string, OrderRec> orders_;        // every order placed, by ordId
  std::map<std::string, std::string> by_cl_;      // clOrdId → ordId
  std::map<int, std::deque<int64_t>> rate_;       // per instrument: arrival times in the window
  std::deque<Held> held_;                         // late_replies
  bool dead_man_armed_ = false;
  int64_t dead_man_trigger_ms_ = 0;
  uint64_t trade_id_ = 1000;
  bool perp_ = false;                 // the venue lists SWAP instruments
  std::map<int, Qty> ct_;             // contract size (ctVal) per instrument
  std::map<int, Ticker> tickers_;     // last mark / funding per swap
};

}  // namespace

std::unique_ptr<Protocol> MakeOkxProtocol(Server* s, int venue) { return std::make_unique<OkxProtocol>(s, venue); }

}  // namespace hs::sim
