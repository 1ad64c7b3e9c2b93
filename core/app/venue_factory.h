// hs::app — builds a venue adapter for a configured venue kind. The only place that links the
// concrete venues (DESIGN §2: only the binaries wire venues to the core).
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "venues/common/venue_thread.h"

namespace hs::app {

absl::StatusOr<std::unique_ptr<venues::VenueAdapter>> MakeVenueAdapter(const venues::VenueContext& ctx);

}  // namespace hs::app
