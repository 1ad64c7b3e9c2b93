// hs::coinbase — the Coinbase Advanced Trade venue adapter: market data only (coinbase_feed.*), as
// venues::FeedAdapter runs it. MakeVenue refuses a venue configured with trading = true, and an
// intent that reaches the adapter anyway is rejected at once (kNotConnected).
// Coinbase order entry (REST POST /api/v3/brokerage/orders signed with an ES256 JWT) is not
// implemented.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "venues/common/venue_adapter.h"
#include "venues/coinbase/coinbase_feed.h"

namespace hs::coinbase {

using Venue = venues::FeedAdapter<Feed>;

// The adapter for a configured Coinbase venue (what core/app's venue factory calls).
// UnimplementedError when the venue has trading = true.
inline absl::StatusOr<std::unique_ptr<venues::VenueAdapter>> MakeVenue(const venues::VenueContext& ctx) {
  return venues::MakeFeedAdapter<Feed>(ctx, "Coinbase");
}

}  // namespace hs::coinbase
