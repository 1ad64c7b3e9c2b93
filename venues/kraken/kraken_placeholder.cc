// PLACEHOLDER — replaced by the kraken implementation (parse, book, feed, feed-check, adapter).
#include "absl/status/status.h"
#include "venues/kraken/kraken_feed_check.h"
#include "venues/kraken/kraken_venue.h"

namespace hs::kraken {

absl::StatusOr<std::unique_ptr<venues::VenueAdapter>> MakeVenue(const venues::VenueContext& ctx) {
  return absl::UnimplementedError("venue " + ctx.venue->name + ": kraken is not implemented yet");
}

std::unique_ptr<venues::FeedChecker> MakeFeedChecker(const venues::FeedCheckOptions&) { return nullptr; }

}  // namespace hs::kraken
