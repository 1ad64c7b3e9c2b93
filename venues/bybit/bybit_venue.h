// hs::bybit — the bybit venue adapter.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "venues/common/venue_thread.h"

namespace hs::bybit {

absl::StatusOr<std::unique_ptr<venues::VenueAdapter>> MakeVenue(const venues::VenueContext& ctx);

}  // namespace hs::bybit
