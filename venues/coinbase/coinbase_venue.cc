#include "venues/coinbase/coinbase_venue.h"

#include "absl/status/status.h"
#include "venues/common/order_path.h"

namespace hs::coinbase {

absl::StatusOr<std::unique_ptr<venues::VenueAdapter>> MakeVenue(const venues::VenueContext& ctx) {
  if (ctx.venue->trading)
    return absl::UnimplementedError("venue " + ctx.venue->name +
                                    ": Coinbase order entry is not implemented; set trading = false");
  return std::unique_ptr<venues::VenueAdapter>(std::make_unique<Venue>(ctx));
}

Venue::Venue(venues::VenueContext ctx) : ctx_(ctx), symbols_(*ctx.config, *ctx.venue) {
  feed_ = std::make_unique<Feed>(ctx_, &symbols_, [this] { PublishVenueStatus(); });
}

absl::Status Venue::Init() { return feed_->Init(); }

void Venue::Start() noexcept {
  PublishVenueStatus();
  feed_->Start();
}

void Venue::OnIntent(const OrderIntent& in) noexcept {
  // Market data only: an intent routed here (a misconfiguration) is refused, never dropped.
  venues::PublishLocalReject(ctx_, in, RejectReason::kNotConnected);
}

void Venue::Stop() noexcept { feed_->Stop(); }

void Venue::PublishVenueStatus() noexcept {
  venues::PublishVenueLevelStatus(ctx_, feed_->connected(), false);
}

}  // namespace hs::coinbase
