#include "core/app/venue_factory.h"

#include "absl/status/status.h"
#include "venues/binance/binance_venue.h"
#include "venues/bybit/bybit_venue.h"
#include "venues/coinbase/coinbase_venue.h"
#include "venues/kraken/kraken_venue.h"
#include "venues/okx/okx_venue.h"

namespace hs::app {

absl::StatusOr<std::unique_ptr<venues::VenueAdapter>> MakeVenueAdapter(const venues::VenueContext& ctx) {
  switch (ctx.venue->kind) {
    case config::VenueKind::kBinance:
      return binance::MakeVenue(ctx);
    case config::VenueKind::kOkx:
      return okx::MakeVenue(ctx);
    case config::VenueKind::kBybit:
      return bybit::MakeVenue(ctx);
    case config::VenueKind::kKraken:
      return kraken::MakeVenue(ctx);
    case config::VenueKind::kCoinbase:
      return coinbase::MakeVenue(ctx);
  }
  return absl::UnimplementedError("venue " + ctx.venue->name + ": unknown kind");
}

}  // namespace hs::app
