// hs::binance — the Binance Spot venue adapter: market data (binance_feed.*) and order entry
// (binance_orders.*) on one venue thread, as venues::FeedAdapter puts them together.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "venues/common/venue_adapter.h"
#include "venues/binance/binance_feed.h"
#include "venues/binance/binance_orders.h"

namespace hs::binance {

using Venue = venues::FeedAdapter<Feed, Orders>;

// The adapter for a configured Binance venue (what core/app's venue factory calls).
inline absl::StatusOr<std::unique_ptr<venues::VenueAdapter>> MakeVenue(const venues::VenueContext& ctx) {
  return venues::MakeFeedAdapter<Feed, Orders>(ctx, "Binance");
}

}  // namespace hs::binance
