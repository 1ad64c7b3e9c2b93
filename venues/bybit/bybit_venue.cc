#include "venues/bybit/bybit_venue.h"

namespace hs::bybit {

absl::StatusOr<std::unique_ptr<venues::VenueAdapter>> MakeVenue(const venues::VenueContext& ctx) {
  return std::unique_ptr<venues::VenueAdapter>(std::make_unique<Venue>(ctx));
}

Venue::Venue(venues::VenueContext ctx) : ctx_(ctx), symbols_(*ctx.config, *ctx.venue) {
  feed_ = std::make_unique<Feed>(ctx_, &symbols_, [this] { PublishVenueStatus(); });
  orders_ = std::make_unique<Orders>(ctx_, &symbols_, [this] { PublishVenueStatus(); });
}

absl::Status Venue::Init() {
  if (absl::Status s = feed_->Init(); !s.ok()) return s;
  if (ctx_.venue->trading) return orders_->Init();
  return absl::OkStatus();
}

void Venue::Start() noexcept {
  PublishVenueStatus();
  feed_->Start();
  if (ctx_.venue->trading) orders_->Start();
}

void Venue::OnIntent(const OrderIntent& intent) noexcept { orders_->OnIntent(intent); }

void Venue::Stop() noexcept {
  feed_->Stop();
  if (ctx_.venue->trading) orders_->Stop();
}

void Venue::PublishVenueStatus() noexcept {
  venues::PublishVenueLevelStatus(ctx_, feed_->connected(), orders_ != nullptr && orders_->connected());
}

}  // namespace hs::bybit
