// hs::kraken — the Kraken (WebSocket v2) venue adapter: market data only (kraken_feed.*), as
// venues::FeedAdapter runs it. MakeVenue refuses a venue configured with trading = true, and an
// intent that reaches the adapter anyway is rejected at once (kNotConnected).
// Order entry is not implemented for Kraken (WS v2 add_order needs a REST token fetched with
// HMAC-SHA512 signing; a later issue).
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "venues/common/venue_adapter.h"
#include "venues/kraken/kraken_feed.h"

namespace hs::kraken {

using Venue = venues::FeedAdapter<Feed>;

// The adapter for a configured Kraken venue (what core/app's venue factory calls).
// UnimplementedError when the venue has trading = true.
inline absl::StatusOr<std::unique_ptr<venues::VenueAdapter>> MakeVenue(const venues::VenueContext& ctx) {
  return venues::MakeFeedAdapter<Feed>(ctx, "Kraken");
}

}  // namespace hs::kraken
