// hs::bybit — Bybit v5 spot and linear market data: socket → parse → venue book → BookTop ring.
//
// One public-stream connection (<market_data_url>/v5/public/spot, or /v5/public/linear for a
// venue that lists perpetuals) carries every symbol's `orderbook.<depth>.<symbol>` topic; depth
// is the venue config's `depth` rounded up to a topic depth (spot 1, 50, 200, 1000; linear 1,
// 50, 200, 500; 0 = 50). A perpetual venue also subscribes `tickers.<symbol>`: each snapshot or
// delta becomes a MarkUpdate with the values it carried (mark, index, funding rate, next
// funding time; a delta leaves out what did not change). Linear sizes are in the base coin. Each symbol has a DepthBook kept by the venue's rules
// (bybit_book.h). A book becomes usable only when a snapshot validates; a gap or a crossed book
// marks it unusable at once (a VenueStatus the core sees before anything else about that book),
// and the feed resyncs the way Bybit requires: unsubscribe the topic, subscribe it again, and
// wait for the fresh snapshot (repeated failures back off). A reconnect resubscribes everything.
// The venue's keep-alive {"op":"ping"} goes out every 20 s; pongs and acks are consumed.
//
// Malformed frames are counted and dropped, logged at a limited rate; the book stands. A
// disconnect marks the venue's books unusable before anything else reaches the core. Owned by
// the venue thread; nothing here allocates per message.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "venues/bybit/bybit_book.h"
#include "venues/bybit/bybit_parse.h"
#include "venues/common/book_feed.h"
#include "venues/common/symbol_table.h"
#include "venues/common/venue_thread.h"
#include "venues/common/ws_client.h"

namespace hs::bybit {

class Feed final : public venues::WsListener {
 public:
  // on_state(): called when connected() changes.
  Feed(venues::VenueContext ctx, const venues::SymbolTable* symbols, std::function<void()> on_state);
  ~Feed();

  absl::Status Init();
  void Start() noexcept;
  void Stop() noexcept;
  bool connected() const noexcept { return connected_; }
  int topic_depth() const noexcept { return depth_; }

  // Handles one received frame (also the entry point for replay, tests and benchmarks).
  void OnFrame(const char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept;

  // WsListener.
  void OnWsOpen() noexcept override;
  void OnWsMessage(char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept override;
  void OnWsClosed(std::string_view reason) noexcept override;

  // The public-stream URL, and one symbol's topic ("orderbook.50.BTCUSDT").
  std::string StreamUrl() const;
  const std::string& Topic(int sym) const { return syms_[static_cast<size_t>(sym)].topic; }
  const DepthBook& book(int sym) const { return *syms_[static_cast<size_t>(sym)].book; }

 private:
  struct SymbolState {
    std::unique_ptr<DepthBook> book;
    std::unique_ptr<venues::Timer> retry;
    std::string topic;
    std::string subscribe;    // the prebuilt request frames
    std::string unsubscribe;
    std::string subscribe_ticker;  // perpetuals: tickers.<symbol>
    bool retry_pending = false;
    int attempts = 0;  // consecutive resyncs without a validated snapshot
  };
  void OnBook(const MarketFrame& f, TscStamp recv, Nanos recv_time) noexcept;
  void OnSubscribeReply(const MarketFrame& f) noexcept;
  void OnTicker(const MarketFrame& f, Nanos recv_time) noexcept;
  void Fail(int sym, venues::BookEvent e) noexcept;
  // Unsubscribes now and subscribes again at once, or after a backoff when resyncs repeat.
  void Resubscribe(int sym) noexcept;
  void SendSubscribe(int sym) noexcept;
  void SchedulePing() noexcept;
  // Symbol texts are unique within one market: a perpetual venue looks its symbols up as perpetuals.
  config::MarketKind Market() const noexcept { return perp_ ? config::MarketKind::kPerpetual : config::MarketKind::kSpot; }
  InstrumentId Inst(int sym) const noexcept { return symbols_->infos()[static_cast<size_t>(sym)].instrument; }
  const char* Name(int sym) const noexcept { return symbols_->infos()[static_cast<size_t>(sym)].symbol.c_str(); }

  venues::VenueContext ctx_;
  const venues::SymbolTable* symbols_;
  std::function<void()> on_state_;
  std::unique_ptr<venues::WsClient> ws_;
  std::unique_ptr<venues::Timer> ping_timer_;
  Parser parser_;
  std::vector<SymbolState> syms_;
  venues::BookStatusTracker tracker_;
  int depth_ = kDefaultDepth;
  bool perp_ = false;  // the venue lists perpetuals: the linear stream, with tickers
  bool connected_ = false;
  runtime::RateLimited log_limit_;
};

}  // namespace hs::bybit
