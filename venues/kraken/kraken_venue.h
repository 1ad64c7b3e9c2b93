// hs::kraken — the Kraken (WebSocket v2) venue adapter: market data only, on one venue thread,
// and the venue-wide status the core sees (connected / disconnected).
//
// Order entry is not implemented for Kraken (WS v2 add_order needs a REST token fetched with
// HMAC-SHA512 signing; a later issue): MakeVenue refuses a venue configured with trading = true,
// and any intent that reaches the adapter anyway is rejected at once (kNotConnected).
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "venues/common/symbol_table.h"
#include "venues/common/venue_thread.h"
#include "venues/kraken/kraken_feed.h"

namespace hs::kraken {

// The adapter for a configured Kraken venue (what core/app's venue factory calls).
// UnimplementedError when the venue has trading = true.
absl::StatusOr<std::unique_ptr<venues::VenueAdapter>> MakeVenue(const venues::VenueContext& ctx);

class Venue final : public venues::VenueAdapter {
 public:
  explicit Venue(venues::VenueContext ctx);
  absl::Status Init() override;
  void Start() noexcept override;
  // Rejects the intent (kRejected, RejectReason::kNotConnected): no order session exists.
  void OnIntent(const OrderIntent& intent) noexcept override;
  void Stop() noexcept override;

  Feed& feed() { return *feed_; }

 private:
  void PublishVenueStatus() noexcept;
  venues::VenueContext ctx_;
  venues::SymbolTable symbols_;
  std::unique_ptr<Feed> feed_;
};

}  // namespace hs::kraken
