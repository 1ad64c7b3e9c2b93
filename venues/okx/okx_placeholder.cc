// PLACEHOLDER — replaced by the okx implementation (parse, book, feed, feed-check, adapter).
#include "absl/status/status.h"
#include "venues/okx/okx_feed_check.h"
#include "venues/okx/okx_venue.h"

namespace hs::okx {

absl::StatusOr<std::unique_ptr<venues::VenueAdapter>> MakeVenue(const venues::VenueContext& ctx) {
  return absl::UnimplementedError("venue " + ctx.venue->name + ": okx is not implemented yet");
}

std::unique_ptr<venues::FeedChecker> MakeFeedChecker(const venues::FeedCheckOptions&) { return nullptr; }

}  // namespace hs::okx
