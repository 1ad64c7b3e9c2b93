// hs::binance — Binance Spot market data: socket → parse → venue book → BookTop ring.
//
// One combined-stream connection carries every symbol's `<symbol>@bookTicker` and, in L2 mode
// (venue `depth` > 0), `<symbol>@depth@100ms`. L2 mode keeps a DepthBook per symbol synced with
// the REST snapshot by the U/u rules: on connect (and after any gap or crossed book) diffs are
// buffered and a snapshot is fetched; the book becomes usable only when it validates. Without
// depth, bookTicker alone gives a one-level top. Every change to a usable book publishes a
// BookTop; a failed book publishes an unusable status first and resyncs by itself.
//
// Malformed frames are counted and dropped, logged at a limited rate; the book stands. A
// disconnect marks the venue's books unusable (the adapter's venue-wide status) before anything
// else reaches the core. Owned by the venue thread.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "venues/binance/binance_book.h"
#include "venues/binance/binance_parse.h"
#include "venues/common/book_feed.h"
#include "venues/common/symbol_table.h"
#include "venues/common/venue_thread.h"
#include "venues/common/ws_client.h"

namespace hs::binance {

class Feed final : public venues::WsListener {
 public:
  Feed(venues::VenueContext ctx, const venues::SymbolTable* symbols, std::function<void()> on_state);
  ~Feed();

  absl::Status Init();
  void Start() noexcept;
  void Stop() noexcept;
  bool connected() const noexcept { return connected_; }
  bool l2() const noexcept { return depth_ > 0; }

  // Handles one received frame (also the entry point for replay, tests and benchmarks).
  void OnFrame(const char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept;

  // WsListener.
  void OnWsOpen() noexcept override;
  void OnWsMessage(char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept override;
  void OnWsClosed(std::string_view reason) noexcept override;

  // The combined-stream URL for this venue's symbols.
  std::string StreamUrl() const;
  // The REST snapshot URL for one symbol.
  std::string SnapshotUrl(int sym) const;

 private:
  struct SymbolState {
    std::unique_ptr<DepthBook> book;
    std::unique_ptr<venues::Timer> timer;
    bool fetch_pending = false;
    int attempts = 0;
    uint64_t last_ticker_id = 0;
  };
  void OnBookTicker(const MarketFrame& f, TscStamp recv, Nanos recv_time) noexcept;
  void OnDepth(const MarketFrame& f, const char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept;
  void Fail(int sym, venues::BookEvent e, const std::string& why) noexcept;
  void ScheduleSnapshot(int sym, int64_t delay_ms) noexcept;
  void FetchSnapshot(int sym) noexcept;
  void OnSnapshotBody(int sym, uint64_t generation, int status, const std::string& body) noexcept;
  void PublishTickerTop(int sym, const MarketFrame& f, TscStamp recv, Nanos recv_time) noexcept;
  InstrumentId Inst(int sym) const noexcept { return symbols_->infos()[static_cast<size_t>(sym)].instrument; }

  venues::VenueContext ctx_;
  const venues::SymbolTable* symbols_;
  std::function<void()> on_state_;
  std::unique_ptr<venues::WsClient> ws_;
  Parser parser_;
  Parser snapshot_parser_{32u << 20};  // snapshots and the diffs buffered before them (cold)
  std::string snapshot_buf_;
  std::vector<SymbolState> syms_;
  venues::BookStatusTracker tracker_;
  int depth_ = 0;
  int snapshot_limit_ = 0;
  uint64_t generation_ = 0;  // bumps on every (re)connect: late snapshot replies are ignored
  bool connected_ = false;
  runtime::RateLimited log_limit_;
};

}  // namespace hs::binance
