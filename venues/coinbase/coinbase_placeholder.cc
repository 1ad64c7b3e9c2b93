// PLACEHOLDER — replaced by the coinbase implementation (parse, book, feed, feed-check, adapter).
#include "absl/status/status.h"
#include "venues/coinbase/coinbase_feed_check.h"
#include "venues/coinbase/coinbase_venue.h"

namespace hs::coinbase {

absl::StatusOr<std::unique_ptr<venues::VenueAdapter>> MakeVenue(const venues::VenueContext& ctx) {
  return absl::UnimplementedError("venue " + ctx.venue->name + ": coinbase is not implemented yet");
}

std::unique_ptr<venues::FeedChecker> MakeFeedChecker(const venues::FeedCheckOptions&) { return nullptr; }

}  // namespace hs::coinbase
