// hs::bybit — the Bybit v5 spot venue adapter: market data (Feed) and order entry (Orders) on
// one venue thread, and the venue-wide status the core sees on connect and disconnect.
// Not here: wire formats (bybit_parse.*), book rules (bybit_book.*). Owned by the venue thread.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "venues/bybit/bybit_feed.h"
#include "venues/bybit/bybit_orders.h"
#include "venues/common/symbol_table.h"
#include "venues/common/venue_thread.h"

namespace hs::bybit {

// The adapter for a configured Bybit venue (what core/app's venue factory calls).
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
  void PublishVenueStatus() noexcept;
  venues::VenueContext ctx_;
  venues::SymbolTable symbols_;
  std::unique_ptr<Feed> feed_;
  std::unique_ptr<Orders> orders_;
};

}  // namespace hs::bybit
