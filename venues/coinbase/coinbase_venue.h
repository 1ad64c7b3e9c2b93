// hs::coinbase — the Coinbase Advanced Trade venue adapter: market data only.
//
// Coinbase order entry (REST POST /api/v3/brokerage/orders signed with an ES256 JWT) is not
// implemented: MakeVenue refuses a venue configured with trading = true (UnimplementedError
// naming the venue), and with trading = false the adapter runs the feed alone. An intent that
// reaches it anyway is answered at once with ExecReport kRejected / RejectReason::kNotConnected,
// so the core never waits on it. Owned by the venue thread (built cold by the binary's wiring).
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "venues/coinbase/coinbase_feed.h"
#include "venues/common/symbol_table.h"
#include "venues/common/venue_thread.h"

namespace hs::coinbase {

// The adapter for a configured Coinbase venue (what core/app's venue factory calls).
absl::StatusOr<std::unique_ptr<venues::VenueAdapter>> MakeVenue(const venues::VenueContext& ctx);

class Venue final : public venues::VenueAdapter {
 public:
  explicit Venue(venues::VenueContext ctx);
  absl::Status Init() override;
  void Start() noexcept override;
  void OnIntent(const OrderIntent& intent) noexcept override;
  void Stop() noexcept override;

  Feed& feed() { return *feed_; }

 private:
  void PublishVenueStatus() noexcept;
  venues::VenueContext ctx_;
  venues::SymbolTable symbols_;
  std::unique_ptr<Feed> feed_;
};

}  // namespace hs::coinbase
