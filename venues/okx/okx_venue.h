// hs::okx — the OKX v5 venue adapter: market data (Feed, public websocket) and order entry
// (Orders, private websocket) on one venue thread, and the venue-wide status the core sees.
// Owned by the venue thread; built by core/app's venue factory.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "venues/common/symbol_table.h"
#include "venues/common/venue_thread.h"
#include "venues/okx/okx_feed.h"
#include "venues/okx/okx_orders.h"

namespace hs::okx {

// The adapter for a configured OKX venue (what core/app's venue factory calls).
absl::StatusOr<std::unique_ptr<venues::VenueAdapter>> MakeVenue(const venues::VenueContext& ctx);

class Venue final : public venues::VenueAdapter {
 public:
  explicit Venue(venues::VenueContext ctx);
  absl::Status Init() override;
  void Start() noexcept override;
  void OnIntent(const OrderIntent& intent) noexcept override;
  void Stop() noexcept override;

  Feed& feed() { return *feed_; }
  Orders& orders() { return *orders_; }

 private:
  // Connection state for the whole venue (instrument = Invalid): published on start and on
  // every connect/disconnect of either session, like binance::Venue.
  void PublishVenueStatus() noexcept;
  venues::VenueContext ctx_;
  venues::SymbolTable symbols_;
  std::unique_ptr<Feed> feed_;
  std::unique_ptr<Orders> orders_;
};

}  // namespace hs::okx
