// hs::bybit — the Bybit v5 spot venue adapter: market data (bybit_feed.*) and order entry
// (bybit_orders.*) on one venue thread, as venues::FeedAdapter puts them together.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "venues/common/venue_adapter.h"
#include "venues/bybit/bybit_feed.h"
#include "venues/bybit/bybit_orders.h"

namespace hs::bybit {

using Venue = venues::FeedAdapter<Feed, Orders>;

// The adapter for a configured Bybit venue (what core/app's venue factory calls).
inline absl::StatusOr<std::unique_ptr<venues::VenueAdapter>> MakeVenue(const venues::VenueContext& ctx) {
  return venues::MakeFeedAdapter<Feed, Orders>(ctx, "Bybit");
}

}  // namespace hs::bybit
