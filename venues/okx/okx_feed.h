// hs::okx — OKX v5 market data: socket → parse → L2Book → BookTop ring.
//
// One public connection (market_data_url + /ws/v5/public) subscribes the `books` channel for
// every symbol of the venue (or `books50-l2-tbt` when the venue's depth is 50). Each instrument
// keeps an L2Book synced by OKX's rules: a snapshot on subscribe, then updates chained by
// prevSeqId and verified by the top-25 CRC32 checksum. On a gap, checksum mismatch or crossed
// book the book is marked unusable at once (a status the core sees before any further top) and
// resynced the way OKX requires: unsubscribe + subscribe that instId, which yields a new
// snapshot; it becomes usable again only when that snapshot validates. A resync that produces
// no snapshot is retried with backoff, and after repeated misses the connection is recycled.
// A reconnect resubscribes everything. Keep-alive: the text frame "ping" after 20 s without
// traffic (the server answers "pong" and closes idle connections after 30 s).
//
// Malformed frames are counted and dropped (logged at a limited rate); the book stands. A
// disconnect marks the venue's books unusable (the adapter publishes the venue-wide status).
// Perpetual venues (VenueConfig::perp(), instType SWAP): book sizes on the wire are contracts;
// the books (and their checksums) keep the wire text and the BookTop converts to base units
// (× the symbol's contract size, ctVal). The connection also subscribes `mark-price` and
// `funding-rate` per symbol, and `index-tickers` for its underlying index (BTC-USDT for
// BTC-USDT-SWAP), and publishes each push as a MarkUpdate (mark, index, or funding rate and
// the settlement time it applies to).
//
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
#include "venues/okx/okx_book.h"
#include "venues/okx/okx_keepalive.h"
#include "venues/okx/okx_parse.h"

namespace hs::okx {

class Feed final : public venues::WsListener {
 public:
  Feed(venues::VenueContext ctx, const venues::SymbolTable* symbols, std::function<void()> on_state);
  ~Feed();

  // Cold: checks the depth, prepares the connection. Errors name the venue and the field.
  absl::Status Init();
  void Start() noexcept;
  void Stop() noexcept;
  bool connected() const noexcept { return connected_; }
  Channel channel() const noexcept { return channel_; }
  const KeepAlive& keepalive() const noexcept { return *keepalive_; }
  const L2Book& book(int sym) const noexcept { return *syms_[static_cast<size_t>(sym)].book; }

  // Handles one received frame (also the entry point for replay, tests and benchmarks).
  void OnFrame(const char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept;

  // WsListener.
  void OnWsOpen() noexcept override;
  void OnWsMessage(char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept override;
  void OnWsClosed(std::string_view reason) noexcept override;

  // The public endpoint URL.
  std::string PublicUrl() const;
  // The subscribe / unsubscribe request for one symbol (or every symbol when sym < 0).
  std::string SubscribeRequest(std::string_view op, int sym) const;
  // Perpetual venues: the subscribe request for `mark-price` and `funding-rate` of every symbol.
  std::string TickerSubscribeRequest() const;

 private:
  struct SymbolState {
    std::unique_ptr<L2Book> book;
    std::unique_ptr<venues::Timer> timer;  // snapshot watchdog after a (re)subscribe
    int attempts = 0;                      // resubscribes since an update last applied (backoff)
    bool resync_pending = false;
  };
  void OnBook(const MarketFrame& f, TscStamp recv, Nanos recv_time) noexcept;
  void OnEvent(const MarketFrame& f) noexcept;
  void OnTicker(const MarketFrame& f, Nanos recv_time) noexcept;
  // The book's top to the core; a swap's sizes converted from contracts to base units.
  void PublishTop(int sym, const MarketFrame& f, TscStamp recv, Nanos recv_time) noexcept;
  void Fail(int sym, venues::BookEvent e) noexcept;
  void Resubscribe(int sym) noexcept;
  void ArmWatchdog(int sym) noexcept;
  void OnWatchdog(int sym, uint64_t generation) noexcept;
  InstrumentId Inst(int sym) const noexcept { return symbols_->infos()[static_cast<size_t>(sym)].instrument; }
  const char* Name(int sym) const noexcept { return symbols_->infos()[static_cast<size_t>(sym)].symbol.c_str(); }

  venues::VenueContext ctx_;
  const venues::SymbolTable* symbols_;
  std::function<void()> on_state_;
  std::unique_ptr<venues::WsClient> ws_;
  std::unique_ptr<KeepAlive> keepalive_;
  Parser parser_;
  std::vector<SymbolState> syms_;
  venues::BookStatusTracker tracker_;
  Channel channel_ = Channel::kBooks;
  int depth_ = kBooksDepth;
  uint64_t generation_ = 0;  // bumps on every (re)connect: stale watchdogs do nothing
  bool connected_ = false;
  bool perp_ = false;  // the venue lists SWAP instruments (VenueConfig::perp())
  std::vector<std::string> index_ids_;  // per symbol: its index's instId (index-tickers), "" for none
  config::MarketKind market_ = config::MarketKind::kSpot;
  runtime::RateLimited log_limit_;
};

}  // namespace hs::okx
