// hs::okx — the OKX v5 venue adapter: market data (okx_feed.*) and order entry
// (okx_orders.*) on one venue thread, as venues::FeedAdapter puts them together.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "venues/common/venue_adapter.h"
#include "venues/okx/okx_feed.h"
#include "venues/okx/okx_orders.h"

namespace hs::okx {

using Venue = venues::FeedAdapter<Feed, Orders>;

// The adapter for a configured OKX venue (what core/app's venue factory calls).
inline absl::StatusOr<std::unique_ptr<venues::VenueAdapter>> MakeVenue(const venues::VenueContext& ctx) {
  return venues::MakeFeedAdapter<Feed, Orders>(ctx, "OKX");
}

}  // namespace hs::okx
