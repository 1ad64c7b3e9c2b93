// hs::kraken — the Kraken (WebSocket v2) venue adapter: market data (kraken_feed.*) and, with
// trading = true, order entry on the authenticated WebSocket (kraken_orders.*), as
// venues::FeedAdapter runs them.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "venues/common/venue_adapter.h"
#include "venues/kraken/kraken_feed.h"
#include "venues/kraken/kraken_orders.h"

namespace hs::kraken {

using Venue = venues::FeedAdapter<Feed, Orders>;

// The adapter for a configured Kraken venue (what core/app's venue factory calls).
inline absl::StatusOr<std::unique_ptr<venues::VenueAdapter>> MakeVenue(const venues::VenueContext& ctx) {
  return venues::MakeFeedAdapter<Feed, Orders>(ctx, "Kraken");
}

}  // namespace hs::kraken
