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
// Order entry is not simulated for Coinbase (the engine trades elsewhere; see coinbase_venue.h).
#include <time.h>

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "core/base/decimal.h"
#include "venues/common/url.h"
#include "venues/sim/sim_server.h"

namespace hs::sim {
namespace {

using json = nlohmann::json;
constexpr int kChanLevel2 = 1;
constexpr int kChanHeartbeats = 2;
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
  }

  void OnOpen(Peer& p) override {
    std::string t = p.target;
    const size_t q = t.find('?');
    if (q != std::string::npos) t.resize(q);
    if (t != path_) p.Close();
  }

  void OnClose(Peer& p) override { heartbeat_counter_.erase(p.id); }

  void OnText(Peer& p, std::string_view msg) override {
    const json j = json::parse(msg, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return SendError(p, "malformed request");
    const std::string type = j.value("type", "");
    const std::string channel = j.contains("channel") && j["channel"].is_string() ? j["channel"].get<std::string>() : "";
    if (type != "subscribe" && type != "unsubscribe") return SendError(p, "unknown request type '" + type + "'");
    const bool sub = type == "subscribe";
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
    for (const auto& [ch, inst] : p.subs) {
      if (ch == kChanLevel2) l2.push_back(SymbolOf(inst));
      if (ch == kChanHeartbeats) hb.push_back("heartbeats");
    }
    json subs = json::object();
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
