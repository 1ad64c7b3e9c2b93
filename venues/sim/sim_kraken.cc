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
// Deliberately no `ticker`, `trade` or order entry: only what the engine uses.
#include <algorithm>
#include <ctime>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/base/crc32.h"
#include "core/base/decimal.h"
#include "venues/common/url.h"
#include "venues/sim/sim_server.h"

namespace hs::sim {
namespace {

using json = nlohmann::json;

constexpr int kValidDepths[] = {10, 25, 100, 500, 1000};
constexpr int kChecksumLevels = 10;
constexpr int64_t kHeartbeatNs = 1'000'000'000;

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
  }

  void OnOpen(Peer& p) override {
    if (p.target != path_) {
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
    if (method != "subscribe" && method != "unsubscribe") {
      p.Send(Error(method, req_id, "Method not supported", "", time_in));
      return;
    }
    const json params = j.value("params", json::object());
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

 private:
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
};

}  // namespace

std::unique_ptr<Protocol> MakeKrakenProtocol(Server* s, int venue) {
  return std::make_unique<KrakenProtocol>(s, venue);
}

}  // namespace hs::sim
