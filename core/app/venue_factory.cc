#include "core/app/venue_factory.h"

#include "absl/status/status.h"
#include "venues/binance/binance_venue.h"

namespace hs::app {

absl::StatusOr<std::unique_ptr<venues::VenueAdapter>> MakeVenueAdapter(const venues::VenueContext& ctx) {
  switch (ctx.venue->kind) {
    case config::VenueKind::kBinance:
      return std::unique_ptr<venues::VenueAdapter>(std::make_unique<binance::Venue>(ctx));
    default:
      return absl::UnimplementedError("venue " + ctx.venue->name + ": kind " + config::VenueKindName(ctx.venue->kind) +
                                      " is not supported by this build");
  }
}

}  // namespace hs::app
