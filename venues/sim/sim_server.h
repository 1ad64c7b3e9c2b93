// hs::sim — the simulator's servers: one Beast listener per configured venue port, speaking
// HTTP and websocket on it, and a protocol handler per venue kind that renders that venue's
// real wire format (market data, order entry, REST). Plus the control socket that tests and
// demos use to script the market (pause, set a book, dislocate, inject raw frames, faults)
// and to read account balances. Single-threaded: everything runs on one io_context.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "core/base/clock.h"
#include "venues/sim/sim_config.h"
#include "venues/sim/sim_margin.h"
#include "venues/sim/sim_market.h"

namespace boost::asio {
class io_context;
}

namespace hs::sim {

class Server;

// One accepted websocket connection.
class Peer {
 public:
  virtual ~Peer() = default;
  virtual void Send(std::string text) = 0;
  virtual void SendBinary(std::string bytes) = 0;
  virtual void Close() = 0;
  virtual bool open() const = 0;

  int venue = 0;
  std::string target;  // request path and query
  uint64_t id = 0;
  // Subscriptions: (channel code, instrument id); channel codes are the protocol's own.
  std::set<std::pair<int, int>> subs;
  bool combined = false;  // Binance: /stream?streams= wrapper
  bool authed = false;    // logged in (OKX, Bybit trade)
  bool stalled = false;   // fault injection: stop sending market data to this peer
  uint64_t sent_seq = 0;  // per-connection sequence (Coinbase sequence_num)
};

struct HttpResult {
  int status = 404;
  std::string body = "{\"code\":-1,\"msg\":\"not found\"}";
  std::string content_type = "application/json";
  // Fault injection: the request was handled but no response is written. HTTP/1.1 answers a
  // connection's requests in order, so once one answer is missing none may follow it: the
  // connection stays open and keeps reading (later requests are handled) but writes nothing
  // more, as a server whose upstream hung. The client has to give up on it.
  bool no_reply = false;
};

// What a venue kind's protocol does. Implementations live in sim_<venue>.cc.
class Protocol {
 public:
  virtual ~Protocol() = default;
  virtual void OnOpen(Peer& p) = 0;
  virtual void OnText(Peer& p, std::string_view msg) = 0;
  virtual void OnClose(Peer& p) {}
  // Push a book change to subscribed market-data peers.
  virtual void OnBookChange(const BookChange& c) = 0;
  // Periodic hook (each market tick).
  virtual void OnTick(Nanos now) {}
  // Perpetuals (issue 15), on venues with a margin account (Server::margin). The server calls
  // these after it changed the account; each protocol pushes what its venue pushes:
  //   OnMark        each tick for each perpetual: mark, index and funding rate (Bybit
  //                 `tickers.SYMBOL`, OKX `mark-price` / `funding-rate`) to subscribed peers
  //   OnFunding     a settlement charged `flow` on the position (Bybit execution execType
  //                 "Funding"; OKX positions with the new cumulative fundingFee) + position/wallet
  //   OnLiquidation the venue closed a position (Bybit position positionStatus "Liq" then
  //                 size 0; OKX balance_and_position eventType "liquidation") + wallet/account
  // After an order fills on a perpetual the protocol itself pushes position and wallet/account.
  virtual void OnMark(int instrument, Price mark, Price index, Rate funding_rate, Nanos next_funding) {}
  virtual void OnFunding(int instrument, Amount flow, Rate rate) {}
  virtual void OnLiquidation(const MarginAccount::Liquidation& l) {}
  virtual bool OnHttp(const std::string& method, const std::string& target, const std::string& body,
                      HttpResult* out) {
    return false;
  }
  // OnHttp with the request's headers (signed REST calls need them). By default the headers
  // are not looked at and OnHttp answers.
  using Headers = std::vector<std::pair<std::string, std::string>>;
  virtual bool OnHttpWithHeaders(const std::string& method, const std::string& target, const Headers& headers,
                                 const std::string& body, HttpResult* out) {
    return OnHttp(method, target, body, out);
  }
};

// Fault injection switches (set from --fault-* flags or the control socket), per venue. Each
// protocol honours them on its market-data stream:
//   drop_next              skip the next N book messages entirely (subscribers see a gap)
//   corrupt_checksum_next  send the next N checksummed messages with a wrong checksum (venues
//                          without a checksum ignore it)
//   cross_next             add a level that crosses the book to the next N messages
//   stall                  send no market data while set (heartbeats too): an idle stream
// Disconnects are done by the server (Peer::Close) and need nothing from the protocol.
struct Faults {
  int drop_next = 0;
  int corrupt_checksum_next = 0;
  int cross_next = 0;
  bool stall = false;
  // Order entry (each counts down as orders arrive; every venue's protocol applies them the
  // same way, in its own wire format):
  int reject_orders = 0;        // refuse the next N orders with the venue's ordinary reject
  int partial_orders = 0;       // the next N IOC orders fill only half their quantity
  int drop_replies = 0;         // the next N orders execute, but their reply and pushes are not sent
  int late_replies = 0;         // the next N orders' replies and pushes are held for late_reply_ms
  int64_t late_reply_ms = 0;
  int duplicate_fills = 0;      // the next N orders' fill pushes are each sent twice
  int disconnect_orders = 0;    // the next N orders execute, then the order session is closed before the reply
  int rate_limit_orders = 0;    // refuse the next N orders with the venue's rate-limit error
  int drop_reply_every = 0;     // from now on, every Nth order executes with its reply dropped (0 = off)
  uint64_t orders_seen = 0;     // orders counted for drop_reply_every
};

// Takes one from a fault counter: true when this order gets the fault.
inline bool TakeFault(int& n) {
  if (n <= 0) return false;
  --n;
  return true;
}

// Whether this order's reply (and pushes) are dropped: the scripted count first, then every Nth.
inline bool TakeDropReply(Faults& f) {
  if (TakeFault(f.drop_replies)) return true;
  return f.drop_reply_every > 0 && ++f.orders_seen % static_cast<uint64_t>(f.drop_reply_every) == 0;
}

class Server {
 public:
  Server(boost::asio::io_context& ioc, const SimConfig& cfg, Market* market);
  ~Server();

  // Binds every venue port and the control socket. Errors name the address.
  absl::Status Listen(const std::string& control_path);
  void SetOrderLog(std::FILE* f) { order_log_ = f; }
  // Runs the market clock: Tick(MonoNow()) every [sim] tick_interval_ms.
  void StartClock();
  // One market tick at `now` (monotonic ns; tests call it with their own times): the market
  // steps and books are published; then, on venues with a margin account, every perpetual's mark
  // is set and pushed (Protocol::OnMark), funding is settled on open positions of instruments
  // whose funding_interval_s has come round since the previous settlement (the first falls one
  // interval after the first tick; Protocol::OnFunding), liquidations are run
  // (Protocol::OnLiquidation), and the settle-asset balance is set to the margin wallet; last,
  // every protocol's OnTick.
  void Tick(Nanos now);
  // Sets the venue's settle-asset balance (Account::balances()) to its margin wallet. Protocols
  // call it after MarginAccount::Fill; Tick calls it after every change it makes. No-op on
  // venues without a margin account.
  void SyncMarginWallet(int venue);
  // The settle asset of a venue's perpetuals (the first perpetual's quote), "" on spot venues.
  const std::string& settle_asset(int venue) const { return settle_[static_cast<size_t>(venue)]; }
  void Stop();

  // For protocols.
  const SimConfig& config() const { return cfg_; }
  Market& market() { return *market_; }
  Account& account(int venue) { return accounts_[static_cast<size_t>(venue)]; }
  // The venue's margin account when it lists perpetuals (VenueConfig::perp()), else nullptr.
  // Its wallet is the settle asset's balance: Account::balances() of that asset is kept equal.
  MarginAccount* margin(int venue) {
    auto& m = margins_[static_cast<size_t>(venue)];
    return m ? m.get() : nullptr;
  }
  const std::string& api_key(int venue) const { return keys_[static_cast<size_t>(venue)]; }
  const std::string& api_secret(int venue) const { return secrets_[static_cast<size_t>(venue)]; }
  const std::string& passphrase(int venue) const { return passphrases_[static_cast<size_t>(venue)]; }
  std::vector<Peer*> Peers(int venue) const;
  Faults& faults(int venue) { return faults_[static_cast<size_t>(venue)]; }
  // Appends one JSON object line to the order log:
  //   {"time_ns":<wall clock at arrival>,"venue":"<config name>","request":"<request>",
  //    "client_id":"<id>" (when there is one),"wire":{<wire_fields>},<outcome_fields>}
  // `request` is one of place, cancel, cancel_all, list, query, dead_man; `wire_fields` are the
  // venue's own fields (JSON members without braces); `outcome_fields` (optional, e.g.
  // "result":"filled") are what the sim did with it.
  void LogOrder(int venue, Nanos arrived, std::string_view request, std::string_view client_id,
                const std::string& wire_fields, const std::string& outcome_fields = "");
  // Applies fills' level changes and pushes them out.
  void PublishChange(const BookChange& c);
  uint64_t orders_received() const { return orders_received_; }
  void CountOrder() { ++orders_received_; }

  // Internal: session bookkeeping.
  void AddPeer(Peer* p);
  void RemovePeer(Peer* p);
  Protocol* protocol(int venue) { return protocols_[static_cast<size_t>(venue)].get(); }
  // Tests: puts `p` in place of the venue's protocol (to observe the hooks the server calls).
  void ReplaceProtocol(int venue, std::unique_ptr<Protocol> p) { protocols_[static_cast<size_t>(venue)] = std::move(p); }
  bool HandleHttp(int venue, const std::string& method, const std::string& target, const Protocol::Headers& headers,
                  const std::string& body, HttpResult* out);
  // One control-socket line → one JSON reply line. Besides the scripting commands (pause,
  // resume, accounts, orders, stats, set_book, dislocate, raw, fault), perpetuals add:
  //   {"cmd":"crash","pct":30,"ms":10000[,"base":"BTC"]}  every fair price (of that base asset,
  //       default all) falls linearly by pct % (integer, 1..99) over ms (0: at once) from now,
  //       then stays → {"ok":true,"instruments":N}
  //   {"cmd":"margin"} → {"ok":true,"venues":{NAME:{"mode","leverage","wallet","equity",
  //       "maint_margin","liquidations","positions":{INSTRUMENT:{"size","entry","mark","liq"}}}},
  //       "liquidations":TOTAL}, amounts as decimal strings, for every venue with perpetuals.
  std::string HandleControl(std::string_view line);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  const SimConfig& cfg_;
  Market* market_;
  std::vector<Account> accounts_;
  std::vector<std::unique_ptr<MarginAccount>> margins_;  // per venue; null for spot venues
  std::vector<std::string> settle_;                      // per venue: the margin wallet's asset
  std::vector<Nanos> next_funding_;                      // per instrument; 0 = not scheduled yet
  std::vector<std::string> keys_, secrets_, passphrases_;
  std::vector<std::unique_ptr<Protocol>> protocols_;
  std::vector<Faults> faults_;
  std::vector<Peer*> peers_;
  std::FILE* order_log_ = nullptr;
  uint64_t orders_received_ = 0;
  uint64_t next_peer_id_ = 1;
};

// Builds the protocol handler for a venue kind (one sim_<venue>.cc each).
std::unique_ptr<Protocol> MakeBinanceProtocol(Server* s, int venue);
std::unique_ptr<Protocol> MakeOkxProtocol(Server* s, int venue);
std::unique_ptr<Protocol> MakeBybitProtocol(Server* s, int venue);
std::unique_ptr<Protocol> MakeKrakenProtocol(Server* s, int venue);
std::unique_ptr<Protocol> MakeCoinbaseProtocol(Server* s, int venue);

}  // namespace hs::sim
