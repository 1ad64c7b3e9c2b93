// hs::coinbase — the Coinbase Advanced Trade venue adapter: market data (coinbase_feed.*) and,
// with trading = true, order entry (coinbase_orders.*: REST orders with ES256 JWTs, fills from
// the websocket user channel), as venues::FeedAdapter runs them.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "venues/coinbase/coinbase_feed.h"
#include "venues/coinbase/coinbase_orders.h"
#include "venues/common/venue_adapter.h"

namespace hs::coinbase {

using Venue = venues::FeedAdapter<Feed, Orders>;

// The adapter for a configured Coinbase venue (what core/app's venue factory calls).
inline absl::StatusOr<std::unique_ptr<venues::VenueAdapter>> MakeVenue(const venues::VenueContext& ctx) {
  return venues::MakeFeedAdapter<Feed, Orders>(ctx, "Coinbase");
}

}  // namespace hs::coinbase
