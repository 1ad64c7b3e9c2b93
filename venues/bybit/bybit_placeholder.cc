// PLACEHOLDER — replaced by the bybit implementation (parse, book, feed, feed-check, adapter).
#include "absl/status/status.h"
#include "venues/bybit/bybit_feed_check.h"
#include "venues/bybit/bybit_venue.h"

namespace hs::bybit {

absl::StatusOr<std::unique_ptr<venues::VenueAdapter>> MakeVenue(const venues::VenueContext& ctx) {
  return absl::UnimplementedError("venue " + ctx.venue->name + ": bybit is not implemented yet");
}

std::unique_ptr<venues::FeedChecker> MakeFeedChecker(const venues::FeedCheckOptions&) { return nullptr; }

}  // namespace hs::bybit
