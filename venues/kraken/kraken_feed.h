// hs::kraken — Kraken WebSocket v2 market data: socket → parse → venue book → BookTop ring.
//
// One connection to the configured market_data_url (path /v2 appended when the URL has none)
// carries the `book` channel of every symbol of the venue at the configured depth (0 = 10;
// Kraken accepts 10, 25, 100, 500, 1000). Each symbol's Book applies snapshots and updates by
// Kraken's rules and verifies the checksum after every message. A book that fails (checksum
// mismatch, crossed) is reported unusable to the core at once and resynced the way Kraken
// requires: unsubscribe the symbol, and subscribe again when the unsubscribe is acknowledged;
// it becomes usable only when the new snapshot validates. A reconnect resubscribes everything.
//
// Liveness: an application-level {"method":"ping"} every third of the idle timeout (Kraken
// answers "pong"; it also sends a heartbeat every second while subscribed), and a watchdog that
// reconnects when nothing at all arrived for the idle timeout (a stalled stream) or when a
// resync did not complete in time (a lost ack or snapshot).
//
// Malformed frames are counted and dropped, logged at a limited rate; the books stand. A
// disconnect marks the venue's books unusable (the adapter's venue-wide status) before
// anything else reaches the core. No order entry (market data only for Kraken here).
// Owned by the venue thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "venues/common/book_feed.h"
#include "venues/common/symbol_table.h"
#include "venues/common/venue_thread.h"
#include "venues/common/ws_client.h"
#include "venues/kraken/kraken_book.h"
#include "venues/kraken/kraken_parse.h"

namespace hs::kraken {

class Feed final : public venues::WsListener {
 public:
  Feed(venues::VenueContext ctx, const venues::SymbolTable* symbols, std::function<void()> on_state);
  ~Feed();

  // Cold: checks depth and symbols, builds the websocket client. Errors name the field.
  absl::Status Init();
  void Start() noexcept;
  void Stop() noexcept;
  bool connected() const noexcept { return connected_; }
  int depth() const noexcept { return depth_; }
  // The websocket URL used (market_data_url, with /v2 when it has no path).
  std::string Url() const;

  // Handles one received frame (also the entry point for replay, tests and benchmarks: a Feed
  // that was never Init()ed handles frames the same way and simply sends nothing).
  void OnFrame(const char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept;

  // WsListener.
  void OnWsOpen() noexcept override;
  void OnWsMessage(char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept override;
  void OnWsClosed(std::string_view reason) noexcept override;

  // Per-symbol book (index into the SymbolTable), for tests.
  const Book& book(int sym) const { return *syms_[static_cast<size_t>(sym)].book; }

 private:
  // Where a symbol's subscription stands.
  enum class Sub : uint8_t {
    kIdle = 0,       // not connected
    kSubscribing,    // subscribe sent, waiting for the snapshot
    kLive,           // snapshot validated, updates apply
    kUnsubscribing,  // resync: unsubscribe sent, subscribe follows its ack
    kRefused,        // the venue refused the subscription (unknown pair): nothing until reconnect
  };
  struct SymbolState {
    std::unique_ptr<Book> book;
    std::unique_ptr<venues::Timer> timer;  // delayed resubscribe after repeated failures
    Sub sub = Sub::kIdle;
    int attempts = 0;              // consecutive failed syncs (backoff)
    int64_t waiting_since_ns = 0;  // mono time the current (re)subscription started
    int64_t req_id = 0;            // of the last subscribe/unsubscribe sent
  };

  void OnBook(const Message& m, TscStamp recv, Nanos recv_time) noexcept;
  void OnAck(const Message& m) noexcept;
  void OnStatus(const Message& m) noexcept;
  void Fail(int sym, venues::BookEvent e, const std::string& why) noexcept;
  void Unsubscribe(int sym) noexcept;
  void Subscribe(int sym) noexcept;  // sym < 0: every symbol
  bool SendRequest(std::string_view method, int sym, int64_t req_id) noexcept;
  void Housekeeping() noexcept;
  void ArmHousekeeping() noexcept;
  int SymbolForAck(const Message& m) const noexcept;
  InstrumentId Inst(int sym) const noexcept { return symbols_->infos()[static_cast<size_t>(sym)].instrument; }
  const char* Name(int sym) const noexcept { return symbols_->infos()[static_cast<size_t>(sym)].symbol.c_str(); }

  venues::VenueContext ctx_;
  const venues::SymbolTable* symbols_;
  std::function<void()> on_state_;
  std::unique_ptr<venues::WsClient> ws_;
  std::unique_ptr<venues::Timer> housekeeping_;
  Parser parser_;
  std::vector<SymbolState> syms_;
  venues::BookStatusTracker tracker_;
  std::unique_ptr<char[]> out_;  // outgoing requests are composed here (no allocation)
  size_t out_cap_ = 0;
  int depth_ = 0;
  int64_t idle_timeout_ns_ = 0;
  int64_t ping_interval_ns_ = 0;
  int64_t resync_timeout_ns_ = 0;
  int64_t last_rx_ns_ = 0;  // mono time of the last frame received
  int64_t last_ping_ns_ = 0;
  int64_t next_req_id_ = 1;
  bool connected_ = false;
  std::string system_;  // last `status` system state ("online", ...)
  runtime::RateLimited log_limit_;
};

}  // namespace hs::kraken
