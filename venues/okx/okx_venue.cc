#include "venues/okx/okx_venue.h"

namespace hs::okx {

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
  VenueStatus s;
  s.venue = ctx_.id;
  s.instrument = InstrumentId::Invalid();
  s.state = feed_->connected() ? FeedState::kSyncing : FeedState::kDisconnected;
  s.usable = feed_->connected();
  s.orders_connected = ctx_.venue->trading && orders_->connected();
  s.gaps = static_cast<uint32_t>(ctx_.counters->gaps.load(std::memory_order_relaxed));
  s.checksum_failures = static_cast<uint32_t>(ctx_.counters->checksum_failures.load(std::memory_order_relaxed));
  s.resyncs = static_cast<uint32_t>(ctx_.counters->resyncs.load(std::memory_order_relaxed));
  s.parse_errors = static_cast<uint32_t>(ctx_.counters->parse_errors.load(std::memory_order_relaxed));
  s.crossed = static_cast<uint32_t>(ctx_.counters->crossed_books.load(std::memory_order_relaxed));
  s.stamp = TscNow();
  ctx_.publisher->PublishStatus(s, WallNow());
}

}  // namespace hs::okx
