// hs::coinbase — the coinbase venue adapter.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "venues/common/venue_thread.h"

namespace hs::coinbase {

absl::StatusOr<std::unique_ptr<venues::VenueAdapter>> MakeVenue(const venues::VenueContext& ctx);

}  // namespace hs::coinbase
