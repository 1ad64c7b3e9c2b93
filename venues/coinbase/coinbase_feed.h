// hs::coinbase — Coinbase Advanced Trade market data: socket → parse → books → BookTop ring.
//
// One websocket connection to the configured market_data_url (production
// wss://advanced-trade-ws.coinbase.com, path "/"; ws:// for the simulator) carries every
// configured product. On connect it subscribes `level2` and `heartbeats` for all of them
// (heartbeats keep otherwise quiet channels from being closed after 60-90 s, and their
// envelopes count in sequence_num). ConnectionBooks checks the connection-wide sequence_num
// chain and keeps one book per product (coinbase_book.h); every change to a usable book
// publishes a BookTop with the envelope's timestamp as exchange time.
//
// Resync. A sequence gap invalidates every book on the connection (each counts a gap); a
// crossed book, or a truncated side that can no longer fill the top, invalidates one. The book
// is marked unusable at once (its status reaches the core before anything else about it) and
// resynced by *unsubscribing and subscribing level2 again* for the affected products on the same
// connection: Coinbase answers a level2 subscribe with a fresh snapshot per product, the
// heartbeats subscription and the connection stay up (no TLS handshake, no connection-rate
// budget, products that are fine keep flowing after a single-product failure), and one code
// path serves gaps and per-product failures alike. Requests are coalesced (one unsubscribe +
// one subscribe for all pending products) and back off exponentially while failures repeat.
// If a product's snapshot has not arrived kSnapshotDeadlineMs after it was requested, the
// feed falls back to WsClient::Reconnect: a new connection always starts with fresh snapshots.
// A reconnect (ours or after a drop) resets the sequence and every book; a new connection's
// envelopes are numbered from 0, so losing the very first ones is a gap too.
//
// Liveness: heartbeats come every second. A watchdog (every kWatchdogMs) reconnects when no
// frame at all arrived for min(kHeartbeatTimeoutMs, idle_timeout_ms) — the books are marked
// stale first — since a socket can keep answering pings while the stream is dead.
//
// Malformed frames are counted (parse_errors) and dropped, logged at a limited rate; the books
// stand, and if the frame was a real envelope the next one shows the gap. Frames of shapes we
// do not know count as unknown_messages. A disconnect marks every book unusable (and the
// adapter's venue-wide status) before anything else reaches the core.
//
// Not here: order entry (coinbase_orders.h), the wire format
// (coinbase_parse.h) and the book rules (coinbase_book.h).
//
// Owned by the venue thread. Nothing on the frame path allocates; resync requests are written
// into a buffer sized at Init.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "venues/coinbase/coinbase_book.h"
#include "venues/coinbase/coinbase_parse.h"
#include "venues/common/book_feed.h"
#include "venues/common/symbol_table.h"
#include "venues/common/venue_thread.h"
#include "venues/common/ws_client.h"

namespace hs::coinbase {

class Feed final : public venues::WsListener {
 public:
  Feed(venues::VenueContext ctx, const venues::SymbolTable* symbols, std::function<void()> on_state);
  ~Feed();

  // Cold: checks the symbols, sizes buffers, prepares the websocket. Errors name the venue.
  absl::Status Init();
  void Start() noexcept;
  void Stop() noexcept;
  bool connected() const noexcept { return connected_; }
  int depth() const noexcept { return depth_; }
  const ConnectionBooks& books() const noexcept { return *books_; }

  // Handles one received frame (also the entry point for replay, tests and benchmarks).
  void OnFrame(const char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept;

  // WsListener.
  void OnWsOpen() noexcept override;
  void OnWsMessage(char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept override;
  void OnWsClosed(std::string_view reason) noexcept override;

  // A subscribe/unsubscribe request for `channel` naming every product whose flag is set (all
  // products when `only` is null). Written into buf; returns its length, 0 when it does not fit.
  size_t WriteRequest(std::string_view type, std::string_view channel, const uint8_t* only, char* buf,
                      size_t cap) const noexcept;

 private:
  void OnEnvelope(const Frame& f, TscStamp recv, Nanos recv_time) noexcept;
  void RequestResync(int sym) noexcept;
  void SendResync() noexcept;
  void ArmWatchdog() noexcept;
  void OnWatchdog() noexcept;
  int64_t stale_after_ms() const noexcept;
  bool SendRequest(std::string_view type, std::string_view channel, const uint8_t* only) noexcept;
  InstrumentId Inst(int sym) const noexcept { return symbols_->infos()[static_cast<size_t>(sym)].instrument; }

  venues::VenueContext ctx_;
  const venues::SymbolTable* symbols_;
  std::function<void()> on_state_;
  std::unique_ptr<venues::WsClient> ws_;
  Parser parser_;
  std::unique_ptr<ConnectionBooks> books_;
  venues::BookStatusTracker tracker_;
  int depth_ = 0;
  std::vector<uint8_t> resync_flag_;     // per product: resubscribe at the next SendResync
  std::vector<uint8_t> awaiting_;        // per product: a snapshot was requested, not yet received
  std::vector<int64_t> awaiting_since_;  // per product: MonoNow() ns when it was requested
  std::unique_ptr<venues::Timer> resync_timer_;
  std::unique_ptr<venues::Timer> watchdog_timer_;  // staleness and snapshot deadline, every kWatchdogMs
  bool resync_armed_ = false;
  int resync_attempts_ = 0;
  int64_t last_resync_ns_ = 0;  // MonoNow() of the last resync request (backoff window)
  uint64_t generation_ = 0;  // bumps on every (re)connect and stop: late timers do nothing
  bool connected_ = false;
  uint64_t frames_ = 0;          // frames received (any kind, heartbeats included)
  uint64_t frames_at_tick_ = 0;  // frames_ at the previous watchdog tick
  int64_t quiet_ticks_ = 0;      // watchdog ticks in a row without a frame
  std::unique_ptr<char[]> req_buf_;
  size_t req_cap_ = 0;
  runtime::RateLimited log_limit_;
};

}  // namespace hs::coinbase
