// hs::binance — Binance Spot market data: socket → parse → book → BookTop ring.
//
// One combined-stream connection carries every subscribed symbol's `<symbol>@bookTicker`.
// Each frame is parsed in place (simdjson, fixed-point), mapped to its instrument, checked
// against the last update id (a ticker at or below it is stale and dropped) and against a
// crossed top (bid >= ask), and published as a one-level BookTop. Malformed frames are counted
// and dropped, logged at a limited rate; the last good top stands. A disconnect marks every
// book of the venue unusable before anything else reaches the core.
// Owned by the venue thread.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "venues/binance/binance_parse.h"
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
  FeedState state() const noexcept { return connected_ ? FeedState::kSynced : FeedState::kDisconnected; }

  // Handles one received frame (also the entry point for replay, tests and benchmarks).
  void OnFrame(const char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept;

  // WsListener.
  void OnWsOpen() noexcept override;
  void OnWsMessage(char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept override;
  void OnWsClosed(std::string_view reason) noexcept override;

  // The combined-stream URL for this venue's symbols.
  std::string StreamUrl() const;

 private:
  void OnBookTicker(const MarketFrame& f, TscStamp recv, Nanos recv_time) noexcept;
  void PublishBookStatus(int sym, FeedState st, bool usable) noexcept;
  void CountParseError(ParseStatus st, size_t len) noexcept;

  venues::VenueContext ctx_;
  const venues::SymbolTable* symbols_;
  std::function<void()> on_state_;
  std::unique_ptr<venues::WsClient> ws_;
  Parser parser_;
  std::array<uint64_t, kMaxInstruments> last_id_{};
  std::array<bool, kMaxInstruments> synced_{};
  bool connected_ = false;
  uint32_t crossed_ = 0;
  runtime::RateLimited log_limit_;
};

}  // namespace hs::binance
